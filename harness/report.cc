// ptediff: divergence reports (see report.h).
#include "harness/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/repro.h"

namespace ptediff {
namespace {

std::string header_line(const Header& h) {
  std::vector<std::string> feats;
  if (h.hafdbs) feats.push_back("hafdbs");
  if (h.bbml2) feats.push_back("bbml2");
  const ptediff_geometry g = ptediff_geometry_of(h.granule);
  return absl::StrFormat("granule %dk, features %s, profile %s, mutant %s",
                         1u << (g.page_shift - 10), feats.empty() ? "none" : absl::StrJoin(feats, ","),
                         profile_name(h.profile), h.mutant);
}

std::string json_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') absl::StrAppend(&out, "\\", std::string(1, ch));
    else if (static_cast<unsigned char>(ch) < 0x20) absl::StrAppendFormat(&out, "\\u%04x", ch);
    else out.push_back(ch);
  }
  return out;
}

bool is_flush(const LogRec& r) { return r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm; }

std::string log_lines(const std::vector<LogRec>& log, bool flushes_only) {
  std::string out;
  size_t shown = 0;
  for (const LogRec& r : log) {
    if (flushes_only && !is_flush(r) && r.prim != Prim::kDsb) continue;
    if (++shown > 200) {
      absl::StrAppend(&out, "      ... (", log.size(), " records)\n");
      break;
    }
    absl::StrAppend(&out, "      ", describe_log(r), "\n");
  }
  return out.empty() ? "      (none)\n" : out;
}

std::string json_log(const std::vector<LogRec>& log) {
  std::vector<std::string> items;
  for (const LogRec& r : log) items.push_back(absl::StrCat("\"", json_escape(describe_log(r)), "\""));
  return absl::StrCat("[", absl::StrJoin(items, ","), "]");
}

}  // namespace

std::string describe_pte(const ptediff_geometry& geo, pte_t pte) {
  if (pte_none(pte)) return "none";
  std::string s = absl::StrFormat("pfn=%#x", pte_pfn(&geo, pte));
  const std::pair<bool, const char*> flags[] = {
      {pte_valid(pte), "V"},      {pte_young(pte), "AF"},   {pte_sw_dirty(pte), "D"},
      {pte_write(pte), "W"},      {pte_rdonly(pte), "RO"},  {pte_cont(pte), "CONT"},
      {pte_special(pte), "SP"},   {(pte & PTE_UXN) == 0, "X"},
      {(pte & PTE_ATTRINDX_MASK) != 0, "NC"}};
  for (const auto& [on, name] : flags) {
    if (on) absl::StrAppend(&s, " ", name);
  }
  if (pte_hw_dirty(pte)) absl::StrAppend(&s, " (hw-dirty)");
  return s;
}

std::string describe_log(const LogRec& r) {
  switch (r.prim) {
    case Prim::kRead: return absl::StrFormat("read  mm=%d va=%#x -> %#x", r.mm, r.addr, r.val);
    case Prim::kFlushRange:
      return absl::StrFormat("flush_tlb_range mm=%d [%#x, %#x) stride=%#x last_level=%d level=%d %s",
                             r.mm, r.addr, r.end, r.stride, r.last_level, r.tlb_level,
                             r.sync ? "sync" : "nosync");
    case Prim::kFlushMm: return absl::StrFormat("flush_tlb_mm mm=%d", r.mm);
    case Prim::kDsb: return "dsb";
    case Prim::kCmpxchg:
      return absl::StrFormat("cmpxchg mm=%d va=%#x %#x -> %#x%s", r.mm, r.addr, r.old, r.val,
                             r.ok ? "" : " (failed)");
    default:
      return absl::StrFormat("%-5s mm=%d va=%#x %#x -> %#x%s", prim_name(r.prim), r.mm, r.addr,
                             r.old, r.val, r.ok ? "" : " (refused: outside the window)");
  }
}

std::string format_divergence(const RunResult& res, const Divergence& d, bool color) {
  const char* hl = color ? "\033[1;31m" : "";
  const char* off = color ? "\033[0m" : "";
  const ptediff_geometry geo = ptediff_geometry_of(res.effective.header.granule);
  std::string out = absl::StrFormat("%sptediff: divergence [%s] at op %d%s: %s\n", hl,
                                    div_class_name(d.cls), d.op_index, off, d.what);
  absl::StrAppend(&out, "  program: ", header_line(res.effective.header), "\n");
  const size_t first = d.op_index >= 3 ? d.op_index - 3 : 0;
  for (size_t i = first; i <= d.op_index && i < res.effective.ops.size(); ++i) {
    absl::StrAppendFormat(&out, "  %s op %d: %s\n", i == d.op_index ? ">" : " ", i,
                          format_op(res.effective.ops[i]));
  }
  if (!d.ref_block.empty()) {
    absl::StrAppendFormat(&out, "  block mm=%d va=%#x (%d entries), R | O:\n", d.mm, d.block_va,
                          d.ref_block.size());
    const uint64_t page = 1ULL << geo.page_shift;
    for (size_t i = 0; i < d.ref_block.size(); ++i) {
      const uint64_t va = d.block_va + i * page;
      if (pte_none(d.ref_block[i]) && pte_none(d.opt_block[i])) continue;
      const bool mark = va == d.va;
      absl::StrAppendFormat(&out, "    %s%#10x  %-40s | %s%s\n", mark ? hl : "", va,
                            describe_pte(geo, d.ref_block[i]), describe_pte(geo, d.opt_block[i]),
                            mark ? off : "");
    }
  }
  absl::StrAppend(&out, "  R flushes:\n", log_lines(d.ref_log, true));
  absl::StrAppend(&out, "  O flushes:\n", log_lines(d.opt_log, true));
  absl::StrAppend(&out, "  O log of the op:\n", log_lines(d.opt_log, false));
  return out;
}

std::string format_summary(const RunResult& res) {
  return absl::StrFormat(
      "ops %d (decoded %d, skipped %d), divergences %d, trace hash %016x\n"
      "cost R: reads %d writes %d atomics %d tlbis %d dsbs %d\n"
      "cost O: reads %d writes %d atomics %d tlbis %d dsbs %d\n"
      "folds: %d of %d eligible blocks folded\n",
      res.effective.ops.size(), res.decoded_ops, res.skipped, res.divergences.size(),
      res.trace_hash, res.ref_cost.reads, res.ref_cost.writes, res.ref_cost.atomics,
      res.ref_cost.tlbis, res.ref_cost.dsbs, res.opt_cost.reads, res.opt_cost.writes,
      res.opt_cost.atomics, res.opt_cost.tlbis, res.opt_cost.dsbs, res.folds.folded,
      res.folds.eligible);
}

std::string format_json(const RunResult& res, std::string_view input_name) {
  const ptediff_geometry geo = ptediff_geometry_of(res.effective.header.granule);
  std::vector<std::string> divs;
  for (const Divergence& d : res.divergences) {
    std::vector<std::string> entries;
    for (size_t i = 0; i < d.ref_block.size(); ++i) {
      entries.push_back(absl::StrFormat(
          "{\"va\":\"%#x\",\"ref\":\"%#x\",\"opt\":\"%#x\",\"ref_decoded\":\"%s\","
          "\"opt_decoded\":\"%s\"}",
          d.block_va + (i << geo.page_shift), d.ref_block[i], d.opt_block[i],
          describe_pte(geo, d.ref_block[i]), describe_pte(geo, d.opt_block[i])));
    }
    const std::string op =
        d.op_index < res.effective.ops.size() ? format_op(res.effective.ops[d.op_index]) : "";
    divs.push_back(absl::StrFormat(
        "{\"class\":\"%s\",\"op_index\":%d,\"op\":\"%s\",\"mm\":%d,\"va\":\"%#x\",\"what\":\"%s\","
        "\"block\":[%s],\"ref_log\":%s,\"opt_log\":%s}",
        div_class_name(d.cls), d.op_index, json_escape(op), d.mm, d.va, json_escape(d.what),
        absl::StrJoin(entries, ","), json_log(d.ref_log), json_log(d.opt_log)));
  }
  auto cost = [](const Counters& c) {
    return absl::StrFormat("{\"reads\":%d,\"writes\":%d,\"atomics\":%d,\"tlbis\":%d,\"dsbs\":%d}",
                           c.reads, c.writes, c.atomics, c.tlbis, c.dsbs);
  };
  return absl::StrFormat(
      "{\"input\":\"%s\",\"header\":\"%s\",\"ops\":%d,\"decoded_ops\":%d,\"skipped\":%d,"
      "\"trace_hash\":\"%016x\",\"divergences\":[%s],\"cost\":{\"ref\":%s,\"opt\":%s},"
      "\"folds\":{\"eligible\":%d,\"folded\":%d}}",
      json_escape(input_name), json_escape(header_line(res.effective.header)),
      res.effective.ops.size(), res.decoded_ops, res.skipped, res.trace_hash,
      absl::StrJoin(divs, ","), cost(res.ref_cost), cost(res.opt_cost), res.folds.eligible,
      res.folds.folded);
}

}  // namespace ptediff
