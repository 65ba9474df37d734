// ptediff: divergence reports (see report.h).
#include "subjects/contpte/report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "mmu/swp.h"
#include "nlohmann/json.hpp"
#include "report/describe.h"
#include "report/json.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// JSON reports stay bounded whatever the input: at most this many log
// records per log (the rest is counted, not listed; divergences per run are
// bounded by report/json.h for every subject).
constexpr size_t kMaxJsonRecords = 256;

std::string header_line(const Header& h) {
  std::vector<std::string> feats;
  if (h.hafdbs) feats.push_back("hafdbs");
  if (h.bbml2) feats.push_back("bbml2");
  const ptediff_geometry g = ptediff_geometry_of(h.granule);
  return absl::StrFormat(
      "granule %dk, features %s, profile %s, mutant %s", 1u << (g.page_shift - 10),
      feats.empty() ? "none" : absl::StrJoin(feats, ","), profile_name(h.profile), h.mutant);
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

// At most kMaxJsonRecords records of `log`; the count of the rest goes to
// (*parent)[omitted_key] so a consumer knows what was left out.
nlohmann::json json_log(const std::vector<LogRec>& log, nlohmann::json* parent,
                        const char* omitted_key) {
  nlohmann::json items = nlohmann::json::array();
  for (size_t i = 0; i < log.size() && i < kMaxJsonRecords; ++i)
    items.push_back(describe_log(log[i]));
  if (log.size() > kMaxJsonRecords) (*parent)[omitted_key] = log.size() - kMaxJsonRecords;
  return items;
}

nlohmann::json json_cost(const Counters& c) {
  return {{"reads", c.reads},
          {"writes", c.writes},
          {"atomics", c.atomics},
          {"tlbis", c.tlbis},
          {"dsbs", c.dsbs}};
}

}  // namespace

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
  const auto row = [&](const Divergence& d) {
    nlohmann::json block = nlohmann::json::array();
    for (size_t i = 0; i < d.ref_block.size(); ++i) {
      block.push_back({{"va", absl::StrFormat("%#x", d.block_va + (i << geo.page_shift))},
                       {"ref", absl::StrFormat("%#x", d.ref_block[i])},
                       {"opt", absl::StrFormat("%#x", d.opt_block[i])},
                       {"ref_decoded", describe_pte(geo, d.ref_block[i])},
                       {"opt_decoded", describe_pte(geo, d.opt_block[i])}});
    }
    nlohmann::json j = {
        {"class", div_class_name(d.cls)},
        {"op_index", d.op_index},
        {"op",
         d.op_index < res.effective.ops.size() ? format_op(res.effective.ops[d.op_index]) : ""},
        {"mm", d.mm},
        {"va", absl::StrFormat("%#x", d.va)},
        {"what", d.what},
        {"block", std::move(block)}};
    j["ref_log"] = json_log(d.ref_log, &j, "ref_log_omitted");
    j["opt_log"] = json_log(d.opt_log, &j, "opt_log_omitted");
    return j;
  };
  nlohmann::json out = {{"input", std::string(input_name)},
                        {"subject", "contpte"},
                        {"header", header_line(res.effective.header)},
                        {"ops", res.effective.ops.size()},
                        {"decoded_ops", res.decoded_ops},
                        {"skipped", res.skipped},
                        {"trace_hash", absl::StrFormat("%016x", res.trace_hash)}};
  put_divergence_rows(std::span<const Divergence>(res.divergences), row, &out);
  out["cost"] = {{"ref", json_cost(res.ref_cost)}, {"opt", json_cost(res.opt_cost)}};
  out["folds"] = {{"eligible", res.folds.eligible}, {"folded", res.folds.folded}};
  return json_line(out);
}

}  // namespace ptediff
