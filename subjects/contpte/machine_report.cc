// ptediff: text views of the simulated machine (see machine_report.h).
#include "subjects/contpte/machine_report.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/contpte/text.h"
#include "mmu/swp.h"
#include "subjects/contpte/report.h"

namespace ptediff {

std::string block_diagram(const Machine& m, const Range& range) {
  const ptediff_geometry& g = m.geo();
  const uint64_t page = 1ULL << g.page_shift, bb = page * g.cont_ptes;
  std::string out;
  const uint64_t first = range.va / bb;
  const uint64_t last = (range.va + (std::max<uint32_t>(range.nr, 1) - 1) * page) / bb;
  for (uint64_t b = first; b <= last && b < first + 8; ++b) {
    std::string cells;
    for (uint32_t i = 0; i < g.cont_ptes && i < 128; ++i) {
      const pte_t e = m.peek(range.mm, (b * g.cont_ptes + i) * page);
      char c = pte_none(e) ? '.' : pte_cont(e) ? 'c' : 'v';
      if (!pte_none(e) && !pte_valid(e)) {
        c = pte_present(e) ? 'n' : is_migration_pte(e) ? 'm' : is_marker_pte(e) ? 'u' : 's';
      } else if (pte_dirty(e)) {
        c = c == 'c' ? 'D' : 'd';
      } else if (pte_young(e)) {
        c = c == 'c' ? 'C' : 'V';
      }
      cells.push_back(c);
    }
    absl::StrAppendFormat(&out, "      mm=%d %#10x [%s]\n", range.mm, b * bb, cells);
  }
  return out;
}

std::string format_state(const Machine& ref, const Machine& opt) {
  const ptediff_geometry& g = ref.geo();
  std::string out;
  for (uint32_t mm = 0; mm < kNumMms; ++mm) {
    for (uint64_t va = 0; va < ref.window_limit(); va += 1ULL << g.page_shift) {
      const pte_t r = ref.peek(mm, va), o = opt.peek(mm, va);
      if (pte_none(r) && pte_none(o)) continue;
      absl::StrAppendFormat(&out, "mm=%d va=%#x R %-40s | O %s\n", mm, va, describe_pte(g, r),
                            describe_pte(g, o));
    }
  }
  return out;
}

std::string explain_step(size_t index, const std::string& op_text, const std::vector<Ret>& ref_rets,
                         const std::vector<Ret>& opt_rets, const Machine& ref, const Machine& opt,
                         const Range& range, bool color) {
  std::string out = absl::StrFormat("%sop %d: %s%s\n", color ? "\033[1m" : "", index, op_text,
                                    color ? "\033[0m" : "");
  for (size_t i = 0; i < ref_rets.size() || i < opt_rets.size(); ++i) {
    absl::StrAppendFormat(&out, "    return %d: R %s %#x | O %#x\n", i,
                          i < ref_rets.size() ? ret_type_name(ref_rets[i].type) : "-",
                          i < ref_rets.size() ? ref_rets[i].value : 0,
                          i < opt_rets.size() ? opt_rets[i].value : 0);
  }
  const Counters& rc = ref.counters();
  const Counters& oc = opt.counters();
  absl::StrAppendFormat(&out, "    primitives so far: R r%d w%d a%d t%d | O r%d w%d a%d t%d\n",
                        rc.reads, rc.writes, rc.atomics, rc.tlbis, oc.reads, oc.writes, oc.atomics,
                        oc.tlbis);
  if (range.nr > 0) {
    absl::StrAppend(&out, "    R:\n", block_diagram(ref, range), "    O:\n",
                    block_diagram(opt, range));
  }
  // O's own records; with mid-op events, each numbered by the backend
  // primitive it is, and the other agents' records (reads included) tagged.
  const auto& log = opt.log();
  const bool events = std::any_of(log.begin(), log.end(),
                                  [](const LogRec& r) { return r.agent != Agent::kBackend; });
  uint32_t prim = 0;
  for (const LogRec& r : log) {
    if (r.agent == Agent::kBackend) {
      if (r.prim != Prim::kRead && events) {
        absl::StrAppendFormat(&out, "      O #%-4d %s\n", prim, describe_log(r));
      } else if (r.prim != Prim::kRead) {
        absl::StrAppend(&out, "      O ", describe_log(r), "\n");
      }
      ++prim;
      continue;
    }
    absl::StrAppendFormat(&out, "      O @%-4d %s %s\n", prim,
                          r.agent == Agent::kHardware ? "[hw]  " : "[cpu1]", describe_log(r));
  }
  return out;
}

std::string explain_events(std::span<const Op> events, const std::vector<EventOutcome>& opt,
                           const std::vector<RefEvent>& ref) {
  std::string out;
  for (size_t i = 0; i < events.size(); ++i) {
    const Op& ev = events[i];
    const EventOutcome& o = opt[i];
    const RefEvent& r = ref[i];
    absl::StrAppend(&out, "  ", format_op(ev), ":\n        O: ");
    if (!o.fired) {
      absl::StrAppend(&out, "did not fire (past the op's last primitive)\n");
      continue;
    }
    switch (ev.kind) {
      case OpKind::kEvAccess:
        absl::StrAppend(&out, access_result_name(o.access));
        break;
      case OpKind::kEvTlbFill:
        absl::StrAppend(&out, o.filled ? "cached" : "nothing cached",
                        o.conflict.empty() ? "" : " (conflict)");
        break;
      default:
        absl::StrAppendFormat(&out, "returned %#x%s", o.value,
                              o.saw_none ? " (met its entry invalid)" : "");
        break;
    }
    if (!r.placed) {
      absl::StrAppend(&out, "; R: not made (it did nothing on O)\n");
      continue;
    }
    absl::StrAppend(&out, "; R");
    if (ev.kind != OpKind::kEvLockless) {
      absl::StrAppend(&out, ", placed ", r.after ? "after" : "before", " the op");
    }
    absl::StrAppend(&out, ": ");
    if (ev.kind == OpKind::kEvAccess) {
      absl::StrAppend(&out, access_result_name(r.access), "\n");
    } else if (ev.kind == OpKind::kEvLockless) {
      absl::StrAppendFormat(&out, "returned %#x before the op, %#x after it\n", r.value,
                            r.value_after);
    } else {
      absl::StrAppend(&out, "filled\n");
    }
  }
  return out;
}

}  // namespace ptediff
