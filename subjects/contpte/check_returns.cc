// ptediff: return-value, R's and O's returns compared pairwise against the
// pre-op envelope (docs/DESIGN.md §8.4.3).
#include "absl/strings/str_format.h"
#include "mmu/swp.h"
#include "subjects/contpte/checks.h"

namespace ptediff {
namespace {

// pte_batch_hint soundness: the n entries promised are valid, in one block,
// map consecutive pfns and have equal protection modulo access/dirty
// ("arm64/mm: implement pte_batch_hint()").
std::string hint_unsound(const CheckContext& c, const Ret& o) {
  const ptediff_geometry& g = c.opt.geo();
  const uint64_t n = o.value, va = o.range.va;
  if (n == 0) return "pte_batch_hint returned 0";
  if (n == 1) return "";
  const uint64_t end = va + (n - 1) * page_bytes(g);
  if (n > g.cont_ptes || va / block_bytes(g) != end / block_bytes(g)) {
    return absl::StrFormat("pte_batch_hint promised %d entries, past the end of the block", n);
  }
  const pte_t* e = c.opt.entries(o.range.mm, va, n);
  const uint32_t k = e == nullptr ? 0 : run_break(g, e, static_cast<uint32_t>(n), false);
  if (k == n) return "";
  return absl::StrFormat("pte_batch_hint promised %d entries but entry %d does not continue", n, k);
}

// "Changed" only feeds update_mmu_cache (a no-op on arm64). O may report
// "unchanged" where R changed only if O's raw target entry already grants
// what R's now does (a block-wide update of an earlier call); otherwise the
// faulting access would fault again: the bug fixed by "arm64: contpte: fix
// set_access_flags() no-op check for SMMU/ATS faults" (Fixes: 4602e5757bcc).
std::string access_flags_problem(const CheckContext& c, const Ret& a, const Ret& b) {
  const pte_t re = c.ref.peek(a.range.mm, a.range.va);
  const pte_t oe = c.opt.peek(a.range.mm, a.range.va);
  const bool grants = (!pte_young(re) || pte_young(oe)) && (pte_rdonly(re) || !pte_rdonly(oe)) &&
                      (!pte_write(re) || pte_write(oe));
  if (!a.value || b.value || grants) return "";
  return "ptep_set_access_flags: R changed the entry, O did nothing and its entry stays more "
         "restrictive";
}

// Whether O's op wrote the entry of (mm, va) itself (a hardware update is not O's).
bool log_writes_page(const std::vector<LogRec>& log, uint32_t mm, uint64_t va) {
  for (const LogRec& r : log) {
    if (r.ok && r.mm == mm && r.addr == va && r.agent == Agent::kBackend &&
        (r.prim == Prim::kWrite || r.prim == Prim::kXchg || r.prim == Prim::kCmpxchg)) {
      return true;
    }
  }
  return false;
}

// The retried write of a fault handler must succeed on O wherever it
// succeeds on R, or the fault would repeat forever. When R's retry faults
// too (a stale entry an earlier raw op left in R's TLB, outside any caller's
// contract), there is nothing to blame O for; nor when O's retry was refused
// by a translation whose flush a caller deferred (stale.h).
std::string retry_problem(const CheckContext& c, const Ret& a, const Ret& b) {
  const auto R = static_cast<AccessResult>(a.value), O = static_cast<AccessResult>(b.value);
  if (!access_ok(R) || access_ok(O) ||
      retry_refused_by_deferred_flush(c.ref, c.opt, a.range.mm, a.range.va)) {
    return "";
  }
  // Nor when the refusing translation was already stale before the op (a
  // flush an earlier caller deferred and never issued) and O's op had
  // nothing to change: R flushing it is incidental to R's own change, as
  // for tlb-stale (StaleLedger::blames_opt).
  if (c.stale != nullptr && c.opt.tlb_refuses(a.range.mm, a.range.va, AccessKind::kWrite) &&
      !c.stale->blames_opt(c.ref, a.range.mm, a.range.va) &&
      !log_writes_page(c.opt.log(), a.range.mm, a.range.va)) {
    return "";
  }
  return absl::StrFormat(
      "the access retried after the fault handler faults again (R %s, O %s): the fault would "
      "repeat forever",
      access_result_name(R), access_result_name(O));
}

// What is wrong with O's return `b` against R's `a` (same type and range), or "".
std::string return_problem(const CheckContext& c, const Ret& a, const Ret& b) {
  const uint8_t bits = c.env.or_bits(a.range.mm, a.range.va, a.range.nr);
  std::string bad;
  // Dirty and young of O's value within [must, may] over the range (§8.4.2).
  auto within = [&](const char* name, bool v, uint8_t must, uint8_t may) {
    if (!bad.empty()) return;
    if ((bits & must) && !v)
      bad = absl::StrFormat("O's return lost %s", name);
    else if (v && !(bits & may))
      bad = absl::StrFormat("O's return invented %s", name);
  };
  switch (a.type) {
    case RetType::kPte: {
      const ptediff_geometry& g = c.ref.geo();
      if (entry_norm(g, a.value) != entry_norm(g, b.value)) {
        return absl::StrFormat("returned %s differ%s: R=%#x O=%#x",
                               pte_valid(a.value) || pte_valid(b.value) ? "ptes" : "entries",
                               pte_valid(a.value) || pte_valid(b.value)
                                   ? " beyond access/dirty/CONT"
                                   : " (non-valid: bit for bit)",
                               a.value, b.value);
      }
      const EntryAD ad = entry_ad(g, b.value);
      if (ad.carries) {
        within("dirty", ad.dirty, Envelope::kMustD, Envelope::kMayD);
        within("young", ad.young, Envelope::kMustY, Envelope::kMayY);
      }
      return bad;
    }
    case RetType::kYoung:
      within("young", b.value != 0, Envelope::kMustY, Envelope::kMayY);
      return bad;
    case RetType::kFolioAD:
      within("dirty", (b.value & 2) != 0, Envelope::kMustD, Envelope::kMayD);
      within("young", (b.value & 1) != 0, Envelope::kMustY, Envelope::kMayY);
      return bad;
    case RetType::kAccessFlags:
      return access_flags_problem(c, a, b);
    case RetType::kHint:
      return hint_unsound(c, b);
    case RetType::kAccess:
      if (access_results_compatible(c.ref, c.opt, c.op.op, a, b)) return "";
      return absl::StrFormat("access: R %s, O %s",
                             access_result_name(static_cast<AccessResult>(a.value)),
                             access_result_name(static_cast<AccessResult>(b.value)));
    case RetType::kRetry:
      return retry_problem(c, a, b);
  }
  return "";
}

}  // namespace

void check_returns(const CheckContext& c, const std::vector<Ret>& r, const std::vector<Ret>& o,
                   std::vector<Divergence>* out) {
  if (r.size() != o.size()) {
    add_divergence(c, DivClass::kReturnValue, c.op.range.mm, c.op.range.va,
                   absl::StrFormat("R returned %d values, O returned %d", r.size(), o.size()), out);
    return;
  }
  for (size_t i = 0; i < r.size(); ++i) {
    const Ret& a = r[i];
    const Ret& b = o[i];
    if (a.type != b.type || a.range.mm != b.range.mm || a.range.va != b.range.va ||
        a.range.nr != b.range.nr) {
      add_divergence(c, DivClass::kReturnValue, a.range.mm, a.range.va,
                     absl::StrFormat("return %d: R and O returned for different entries (R %s "
                                     "va=%#x nr=%d, O %s va=%#x nr=%d)",
                                     i, ret_type_name(a.type), a.range.va, a.range.nr,
                                     ret_type_name(b.type), b.range.va, b.range.nr),
                     out);
      return;
    }
    const std::string bad = return_problem(c, a, b);
    if (!bad.empty()) {
      add_divergence(
          c, DivClass::kReturnValue, a.range.mm, a.range.va,
          absl::StrFormat("return %d (%s, mm=%u va=%#x nr=%d): %s", i, ret_type_name(a.type),
                          a.range.mm, a.range.va, a.range.nr, bad),
          out);
      return;
    }
  }
}

}  // namespace ptediff
