// ptediff: the shape of one contiguous block, asked by every check and the envelope.
//
// A block is CONT_PTES consecutive entries of one mm, CONT-aligned. Whether a
// run of entries maps consecutive pfns with one prot (pte_batch_hint's
// promise), whether a block is a well-formed CONT block in O (docs/DESIGN.md
// §8.4.6), whether R could fold it (§8.4.2), and O's young/dirty gathered over it
// (§8.4.2) are written here once.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_BLOCK_H_
#define PTEDIFF_SUBJECTS_CONTPTE_BLOCK_H_

#include <cstdint>
#include <string>

#include "mmu/machine.h"

namespace ptediff {

// Bytes of one page and of one contiguous block.
inline uint64_t page_bytes(const ptediff_geometry& g) { return 1ULL << g.page_shift; }
inline uint64_t block_bytes(const ptediff_geometry& g) { return page_bytes(g) * g.cont_ptes; }

// An entry as pte-state compares it: without access/dirty state and CONT
// (docs/DESIGN.md §8.4.1).
inline pte_t pte_norm(pte_t e) { return pte_mkold_clean(e) & ~PTE_CONT; }

// Young/dirty OR-ed over entries: O's logical state of a valid+CONT entry is
// gathered over its block (contpte_ptep_get, 4602e5757bcc; §8.4.2).
struct GatheredAD {
  bool young = false, dirty = false;
};
GatheredAD gather_ad(const pte_t* e, uint32_t n);

// The index of the first of the n entries `e` that does not continue a run
// from e[0]: invalid (or, with `cont`, not valid+CONT), not the next pfn, or
// another prot modulo access/dirty/CONT. n when all continue.
uint32_t run_break(const ptediff_geometry& g, const pte_t* e, uint32_t n, bool cont);

// Whether one folio of m covers the CONT_PTES pfns from pfn0.
bool folio_covers_block(const Machine& m, uint64_t pfn0);

// Whether block b of R could be folded by O: a user mm, every entry valid,
// pfns consecutive from a CONT-aligned pfn, equal protection modulo
// access/dirty, one folio covering the block (so no special mapping).
bool block_foldable(const Machine& ref, const BlockRef& b);

// Why block b of O, which holds a valid+CONT entry, misprograms the
// contiguous bit (cont-malformed, §8.4.6), or "" when it is well formed.
std::string cont_malformed(const Machine& opt, const BlockRef& b);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_BLOCK_H_
