// ptediff: the state checks: pte-state, access-dirty and cont-malformed
// over the blocks an op touched (docs/DESIGN.md §8.4.1, §8.4.2, §8.4.6).
#include "absl/strings/str_format.h"
#include "mmu/swp.h"
#include "subjects/contpte/checks.h"

namespace ptediff {
namespace {

// access-dirty for one valid entry of both sides: O's logical bit (`young`,
// `dirty`) must satisfy must => logical => may against the envelope `bits`.
void check_ad(const CheckContext& c, uint32_t mm, uint64_t va, uint8_t bits, GatheredAD ad,
              std::vector<Divergence>* out) {
  auto one = [&](const char* name, bool logical, uint8_t must, uint8_t may) {
    if ((bits & must) && !logical) {
      add_divergence(c, DivClass::kAccessDirty, mm, va,
                     absl::StrFormat("lost %s: mm=%u va=%#x is %s in R but not in O (even "
                                     "gathered)",
                                     name, mm, va, name),
                     out);
    } else if (logical && !(bits & may)) {
      add_divergence(c, DivClass::kAccessDirty, mm, va,
                     absl::StrFormat("invented %s: mm=%u va=%#x is %s in O but %s is not in R's "
                                     "foldable region since it was last cleaned",
                                     name, mm, va, name, name),
                     out);
    }
  };
  one("dirty", ad.dirty, Envelope::kMustD, Envelope::kMayD);
  one("young", ad.young, Envelope::kMustY, Envelope::kMayY);
}

// pte-state and access-dirty over one block; returns whether O's block
// holds a valid+CONT entry.
bool check_block_entries(const CheckContext& c, const BlockRef& b, std::vector<Divergence>* out) {
  const ptediff_geometry& g = c.ref.geo();
  const uint64_t va0 = b.index * block_bytes(g);
  // The block as arrays (touched blocks are inside the window).
  const pte_t* rb = c.ref.entries(b.mm, va0, g.cont_ptes);
  const pte_t* ob = c.opt.entries(b.mm, va0, g.cont_ptes);
  const uint8_t* eb = c.env.block_bits(b.mm, va0);
  if (rb == nullptr || ob == nullptr || eb == nullptr) return false;
  // O's young/dirty gathered over the block (the logical state of a
  // valid+CONT entry), once per block rather than once per entry.
  const GatheredAD gathered = gather_ad(ob, g.cont_ptes);
  bool any_cont = false;
  for (uint32_t i = 0; i < g.cont_ptes; ++i) {
    const uint64_t va = va0 + i * page_bytes(g);
    const pte_t r = rb[i], o = ob[i];
    any_cont |= pte_valid_cont(o);
    // Both valid (or both none), the common case, compares as it always did;
    // entry_norm's cases only for non-valid entries.
    const bool both_valid = (r & o & PTE_VALID) != 0;
    // (When one is valid they differ in validity whatever the norm.)
    const bool differ = ((r | o) & PTE_VALID) != 0 || (r | o) == 0
                            ? pte_norm(r) != pte_norm(o)
                            : entry_norm(g, r) != entry_norm(g, o);
    if (differ) {
      // A non-valid entry is never part of a contiguous block: a CONT bit R
      // does not have there is cont-malformed (contpte_set_ptes leaves CONT
      // off non-valid entries, 4602e5757bcc); any other change is pte-state,
      // bit for bit in a swap-format entry, where every bit is software's.
      const bool cont_only = !pte_valid(o) && pte_cont(o) && !pte_cont(r) &&
                             entry_norm(g, r) == entry_norm(g, o & ~PTE_CONT);
      add_divergence(c, cont_only ? DivClass::kContMalformed : DivClass::kPteState, b.mm, va,
                     cont_only
                         ? absl::StrFormat("non-valid entry mm=%u va=%#x carries CONT: R=%#x O=%#x",
                                           b.mm, va, r, o)
                     : pte_valid(r) || pte_valid(o)
                         ? absl::StrFormat("entry mm=%u va=%#x differs beyond access/dirty/CONT: "
                                           "R=%#x O=%#x",
                                           b.mm, va, r, o)
                         : absl::StrFormat("non-valid entry mm=%u va=%#x differs (its bits are "
                                           "software's): R=%#x O=%#x",
                                           b.mm, va, r, o),
                     out);
    }
    // Access/dirty against the envelope: valid entries (gathered over a
    // valid+CONT block), PROT_NONE entries and migration entries (the state
    // core-mm restores from them) on both sides.
    GatheredAD ad;
    if (both_valid) [[likely]] {
      ad = pte_valid_cont(o) ? gathered : GatheredAD{pte_young(o), pte_dirty(o)};
    } else {
      const EntryAD ra = entry_ad(g, r), oa = entry_ad(g, o);
      if (!ra.carries || !oa.carries) continue;
      ad = {oa.young, oa.dirty};
    }
    // must => logical => may, for both bits at once; the messages only on a miss.
    const uint8_t logical = (ad.young ? Envelope::kMustY | Envelope::kMayY : 0) |
                            (ad.dirty ? Envelope::kMustD | Envelope::kMayD : 0);
    const uint8_t must = eb[i] & (Envelope::kMustY | Envelope::kMustD);
    const uint8_t may = eb[i] & (Envelope::kMayY | Envelope::kMayD);
    if ((must & ~logical) != 0 || (logical & (Envelope::kMayY | Envelope::kMayD) & ~may) != 0) {
      check_ad(c, b.mm, va, eb[i], ad, out);
    }
  }
  return any_cont;
}

}  // namespace

void check_state(const CheckContext& c, const std::vector<BlockRef>& blocks,
                 std::vector<Divergence>* out) {
  for (const BlockRef& b : blocks) {
    if (!check_block_entries(c, b, out)) continue;
    // cont-malformed: every entry valid+CONT, consecutive from an aligned
    // pfn, equal modulo access/dirty, one folio, a user mm.
    const std::string why = cont_malformed(c.opt, b);
    if (!why.empty()) {
      const uint64_t va0 = b.index * block_bytes(c.opt.geo());
      add_divergence(c, DivClass::kContMalformed, b.mm, va0,
                     absl::StrFormat("CONT block mm=%u va=%#x %s", b.mm, va0, why), out);
    }
  }
}

}  // namespace ptediff
