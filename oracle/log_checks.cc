// ptediff: the checks every subject shares (see log_checks.h).
#include "oracle/log_checks.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace ptediff {
namespace {

const char* side_name(bool is_ref) { return is_ref ? "R" : "O"; }

bool is_table(pte_t d, int level) {
  return level < kPteLevel && (d & PTE_TYPE_MASK) == PTE_TYPE_MASK;
}

}  // namespace

bool flush_reaches(const ptediff_geometry& g, const LogRec& f, uint32_t mm, uint64_t va,
                   int level) {
  if (f.mm != mm) return false;
  if (f.prim == Prim::kFlushMm) return true;
  return f.prim == Prim::kFlushRange && tlb_level_reaches(f.tlb_level, level) &&
         range_hits(f.addr, f.end, f.stride, va, entry_bytes(g, level));
}

void check_violations(const std::vector<std::string>& ref, const std::vector<std::string>& opt,
                      uint32_t mm, uint64_t va, Report report) {
  for (const bool is_ref : {true, false}) {
    bool seen[2] = {false, false};  // contract, out-of-window
    for (const std::string& v : is_ref ? ref : opt) {
      const bool contract = is_ref || v.rfind("contract:", 0) == 0;
      if (seen[contract ? 0 : 1]) continue;
      seen[contract ? 0 : 1] = true;
      report(contract ? DivClass::kContract : DivClass::kOutOfWindow, mm, va,
             absl::StrFormat("%s: %s", side_name(is_ref), v));
    }
  }
}

void check_locks(const ptediff_geometry& g, const std::vector<LogRec>& log,
                 std::span<const LockId> held, bool is_ref, Report report) {
  LockId last_ok{LockKind::kMm, ~0u, 0};  // the last lock found held (writes cluster)
  for (const LogRec& r : log) {
    if (!is_backend_entry_write(r)) continue;
    const LockId need = lock_covering(g, r.mm, r.addr, r.level);
    if (need == last_ok) continue;
    if (std::find(held.begin(), held.end(), need) != held.end()) {
      last_ok = need;
      continue;
    }
    std::vector<std::string> names;
    for (const LockId& l : held) names.push_back(lock_name(g, l));
    report(is_ref ? DivClass::kContract : DivClass::kLock, r.mm, r.addr,
           absl::StrFormat("%s wrote mm=%u va=%#x (level %d), covered by %s, which its caller "
                           "does not hold (holds: %s)",
                           side_name(is_ref), r.mm, r.addr, r.level, lock_name(g, need),
                           names.empty() ? "none" : absl::StrJoin(names, ", ")));
    return;
  }
}

BbmChange bbm_change(const ptediff_geometry& g, int level, pte_t before, pte_t after) {
  const bool ta = is_table(before, level), tb = is_table(after, level);
  if (ta != tb) return BbmChange::kSize;
  if (pte_pfn(&g, before) != pte_pfn(&g, after)) return BbmChange::kAddress;
  if (ta) return BbmChange::kNone;  // the same table
  if ((before & PTE_ATTRINDX_MASK) != (after & PTE_ATTRINDX_MASK)) return BbmChange::kMemoryType;
  return pte_cont(before) != pte_cont(after) ? BbmChange::kSize : BbmChange::kNone;
}

const char* bbm_change_name(BbmChange c) {
  switch (c) {
    case BbmChange::kNone:
      return "no";
    case BbmChange::kSize:
      return "size";
    case BbmChange::kAddress:
      return "address";
    case BbmChange::kMemoryType:
      return "memory-type";
  }
  return "?";
}

void check_bbm(const ptediff_geometry& g, const std::vector<LogRec>& log, bool bbml2,
               Report report) {
  // The breaks of this op not yet followed by a make nor invalidated: the
  // valid entry each removed, and whether an invalidation reaching it was
  // issued.
  struct Break {
    uint32_t mm;
    int level;
    uint64_t va;
    pte_t removed;
    bool issued = false;
  };
  // Kept per thread: made and freed per op, it cost more than the check.
  thread_local absl::flat_hash_map<uint64_t, Break> breaks;
  breaks.clear();
  auto key = [](uint32_t mm, int level, uint64_t va) {
    return va << 4 | static_cast<uint64_t>(level & 3) << 2 | (mm & 3);
  };
  for (const LogRec& r : log) {
    if (r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm || r.prim == Prim::kDsb) {
      const bool completes = completes_invalidations(r);
      // A completed break is dropped: its make has nothing to check.
      for (auto it = breaks.begin(); it != breaks.end();) {
        Break& b = it->second;
        if (r.prim != Prim::kDsb && flush_reaches(g, r, b.mm, b.va, b.level)) b.issued = true;
        if (completes && b.issued) {
          breaks.erase(it++);
        } else {
          ++it;
        }
      }
      continue;
    }
    if (!is_entry_write(r) || !pte_valid(r.val)) {
      if (is_entry_write(r) && pte_valid(r.old)) {
        breaks.insert_or_assign(key(r.mm, r.level, r.addr),
                                Break{r.mm, r.level, r.addr, r.old, false});
      }
      continue;
    }
    pte_t before = r.old;
    if (!pte_valid(before)) {
      auto it = breaks.find(key(r.mm, r.level, r.addr));
      if (it == breaks.end()) continue;
      before = it->second.removed;
      breaks.erase(it);
    }
    const BbmChange c = bbm_change(g, r.level, before, r.val);
    if (!bbm_needs_break(c, bbml2)) continue;
    report(DivClass::kBbm, r.mm, r.addr,
           absl::StrFormat("mm=%u va=%#x level %d: %#x replaced by %#x (%s change) without "
                           "invalid + completed TLBI in between",
                           r.mm, r.addr, r.level, before, r.val, bbm_change_name(c)));
    return;
  }
}

}  // namespace ptediff
