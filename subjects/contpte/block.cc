// ptediff: the shape of one contiguous block (see block.h).
#include "subjects/contpte/block.h"

#include "absl/strings/str_format.h"

namespace ptediff {

GatheredAD gather_ad(const pte_t* e, uint32_t n) {
  GatheredAD ad;
  for (uint32_t i = 0; i < n; ++i) {
    ad.young |= pte_young(e[i]);
    ad.dirty |= pte_dirty(e[i]);
  }
  return ad;
}

uint32_t run_break(const ptediff_geometry& g, const pte_t* e, uint32_t n, bool cont) {
  const uint64_t pfn0 = pte_pfn(&g, e[0]);
  const pte_t prot = pte_pgprot(&g, pte_norm(e[0]));
  for (uint32_t i = 0; i < n; ++i) {
    if (!(cont ? pte_valid_cont(e[i]) : pte_valid(e[i])) || pte_pfn(&g, e[i]) != pfn0 + i ||
        pte_pgprot(&g, pte_norm(e[i])) != prot) {
      return i;
    }
  }
  return n;
}

bool folio_covers_block(const Machine& m, uint64_t pfn0) {
  ptediff_folio f{};
  return m.folio_of(pfn0, &f) && f.start_pfn <= pfn0 &&
         f.start_pfn + f.nr_pages >= pfn0 + m.geo().cont_ptes;
}

bool block_foldable(const Machine& ref, const BlockRef& b) {
  const ptediff_geometry& g = ref.geo();
  if (b.mm >= kNumMms || !ref.mm(b.mm)->user) return false;  // init_mm is never folded
  const pte_t* e = ref.entries(b.mm, b.index * block_bytes(g), g.cont_ptes);
  if (e == nullptr || !pte_valid(e[0])) return false;
  const uint64_t pfn0 = pte_pfn(&g, e[0]);
  // contpte_try_fold: "we never try to fold special mappings": they have no
  // folio, and the model maps them at pfns without a memmap (pfnmap_pfn).
  // (The folio lookup is a search: asked last.)
  return pfn0 % g.cont_ptes == 0 && run_break(g, e, g.cont_ptes, /*cont=*/false) == g.cont_ptes &&
         folio_covers_block(ref, pfn0);
}

std::string cont_malformed(const Machine& opt, const BlockRef& b) {
  const ptediff_geometry& g = opt.geo();
  const pte_t* e = opt.entries(b.mm, b.index * block_bytes(g), g.cont_ptes);
  if (e == nullptr) return "";
  // contpte only folds user mappings (4602e5757bcc: kernel mappings cannot
  // take the transient faults of an unfold).
  if (!opt.mm(b.mm)->user) return "in a kernel mm";
  const uint64_t pfn0 = pte_pfn(&g, e[0]);
  if (!pte_valid_cont(e[0]) || pfn0 % g.cont_ptes) return "does not start at a CONT-aligned pfn";
  if (!folio_covers_block(opt, pfn0)) return "not covered by one folio";
  const uint32_t k = run_break(g, e, g.cont_ptes, /*cont=*/true);
  return k == g.cont_ptes ? "" : absl::StrFormat("entry %d breaks the block", k);
}

}  // namespace ptediff
