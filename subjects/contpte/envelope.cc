// ptediff: the access/dirty envelope (see envelope.h).
//
// Every relaxation below cites the kernel contract that allows it; docs/DESIGN.md §8.4.2
// lists them with their upstream commits.
#include "subjects/contpte/envelope.h"

#include <algorithm>

#include "mmu/swp.h"

namespace ptediff {

Envelope::Envelope(const ptediff_geometry& geo, uint64_t window_pages)
    : geo_(geo), pages_(window_pages), bits_(kNumMms * window_pages, 0) {}

void Envelope::reset() { std::fill(bits_.begin(), bits_.end(), 0); }

uint8_t Envelope::bits(uint32_t mm, uint64_t va) const {
  const uint64_t i = va >> geo_.page_shift;
  return mm < kNumMms && i < pages_ ? bits_[mm * pages_ + i] : 0;
}

uint8_t Envelope::or_bits(uint32_t mm, uint64_t va, uint64_t n) const {
  uint8_t acc = 0;
  for (uint64_t i = 0; i < n; ++i) acc |= bits(mm, va + (i << geo_.page_shift));
  return acc;
}

template <typename Fn>
void Envelope::for_each(const Range& r, Fn fn) {
  for (uint32_t i = 0; i < r.nr; ++i) {
    const uint64_t va = r.va + (static_cast<uint64_t>(i) << geo_.page_shift);
    if (r.mm < kNumMms && (va >> geo_.page_shift) < pages_) fn(at(r.mm, va));
  }
}

void Envelope::note_access(uint32_t mm, uint64_t va, bool write) {
  // An access that completed may have set AF (and, for a write, cleared
  // RDONLY) on whichever side walked the tables: which side walks depends on
  // TLB contents, which legitimately differ (O flushes whole blocks).
  if (mm >= kNumMms || (va >> geo_.page_shift) >= pages_) return;
  at(mm, va) |= kMayY | (write ? kMayD : 0);
}

void Envelope::forgive_young(uint32_t mm, uint64_t va) {
  // O completed the access from a cached translation without a walk, so the
  // hardware did not set AF; R walked and did. Young is a reclaim hint that a
  // TLB hit never refreshes (why ptep_clear_flush_young flushes at all).
  if (mm >= kNumMms || (va >> geo_.page_shift) >= pages_) return;
  at(mm, va) = (at(mm, va) | kForgiven) & ~kMustY;
}

void Envelope::exempt_dirty(uint32_t mm, uint64_t va) {
  if (mm >= kNumMms || (va >> geo_.page_shift) >= pages_) return;
  at(mm, va) = (at(mm, va) | kDirtyExempt) & ~kMustD;
}

void Envelope::update(const Machine& ref, const EnvelopeHints& hints,
                      const std::vector<BlockRef>& blocks) {
  if (hints.moved) move_bits(ref, hints);
  // Explicit cleans (clear_young_dirty_ptes for MADV_FREE, folio_mkclean)
  // drop what may have been spread: the caller asked for a clean folio.
  for (const Range& r : hints.clean_dirty) for_each(r, [](uint8_t& x) { x &= ~kMayD; });
  for (const Range& r : hints.clean_young) for_each(r, [](uint8_t& x) { x &= ~kMayY; });
  follow_ref(ref, blocks);
  if (hints.moved_by_folio) exempt_fork_child_dirty(hints);
  forgive_young_clears(ref, hints);
  spread_foldable(ref, blocks);
}

void Envelope::move_bits(const Machine& ref, const EnvelopeHints& hints) {
  // mremap and fork move (copy) entries, and with them whatever O had
  // spread into them: the new entry's may-bits start as the source's.
  const uint64_t page = 1ULL << geo_.page_shift;
  const Range& from = hints.moved_from;
  const uint64_t pmd = ptediff_pmd_size(&geo_);
  for (uint32_t i = 0; i < from.nr && i < hints.moved_to.nr;) {
    // The group of entries copied from one value: one entry, or (fork) the
    // run of one folio within one table.
    uint32_t n = 1;
    ptediff_folio f{}, g{};
    const uint64_t va = from.va + i * page;
    if (hints.moved_by_folio && ref.folio_of(pte_pfn(&geo_, ref.peek(from.mm, va)), &f)) {
      while (i + n < from.nr && (va + n * page) % pmd != 0 &&
             pte_present(ref.peek(from.mm, va + n * page)) &&
             ref.folio_of(pte_pfn(&geo_, ref.peek(from.mm, va + n * page)), &g) && g.id == f.id) {
        ++n;
      }
    }
    const uint8_t src = or_bits(from.mm, va, n);
    for (uint32_t k = 0; k < n; ++k) {
      const uint64_t dva = hints.moved_to.va + (i + k) * page;
      // A moved entry (mremap's move_ptes keeps the value) keeps its young
      // forgiveness and its dirty exemption, as if R's young and dirty had
      // not just risen; so does a non-present entry fork copies as is (a
      // migration entry's remembered bits, copy_nonpresent_pte). A present
      // fork copy is made old anyway and gets its own exemption below.
      const bool as_is = !hints.moved_by_folio || !pte_present(ref.peek(from.mm, va));
      const uint8_t keep =
          kMayY | kMayD | (as_is ? kForgiven | kRefYoung | kDirtyExempt | kRefDirty : 0);
      if ((dva >> geo_.page_shift) < pages_) at(hints.moved_to.mm, dva) |= src & keep;
    }
    i += n;
  }
}

void Envelope::follow_ref(const Machine& ref, const std::vector<BlockRef>& blocks) {
  const uint64_t block_pages = geo_.cont_ptes;
  for (const BlockRef& b : blocks) {
    const uint64_t va0 = (b.index * block_pages) << geo_.page_shift;
    const pte_t* rb = ref.entries(b.mm, va0, block_pages);
    if (b.mm >= kNumMms || rb == nullptr || (b.index + 1) * block_pages > pages_) continue;
    uint8_t* xb = &at(b.mm, va0);
    for (uint64_t i = 0; i < block_pages; ++i) {
      uint8_t& x = xb[i];
      // Entries that carry access/dirty state for core-mm: present ones
      // (PROT_NONE keeps the bits it had) and migration entries (which
      // remember them for the new mapping). Valid and none entries first:
      // nearly every entry is one of them.
      const pte_t e = rb[i];
      bool y, d;
      if (pte_valid(e)) [[likely]] {
        y = pte_young(e);
        d = pte_dirty(e);
      } else {
        const EntryAD ad = e == 0 ? EntryAD{} : entry_ad(geo_, e);
        if (!ad.carries) {
          x = 0;
          continue;
        }
        y = ad.young;
        d = ad.dirty;
      }
      // Any event that makes R's entry young ends a forgiveness; one that
      // makes it dirty ends a fork copy's exemption.
      if (y && !(x & kRefYoung)) x &= ~kForgiven;
      if (d && !(x & kRefDirty)) x &= ~kDirtyExempt;
      x = (x & ~(kMustY | kMustD | kRefYoung | kRefDirty)) | (y ? kRefYoung | kMayY : 0) |
          (d ? kMustD | kMayD | kRefDirty : 0);
      if (y && !(x & kForgiven)) x |= kMustY;
      if (x & kDirtyExempt) x &= ~kMustD;
    }
  }
}

void Envelope::exempt_fork_child_dirty(const EnvelopeHints& hints) {
  // fork (copy_present_ptes) gives a whole batch the dirty bit of the
  // batch's first entry as the backend's ptep_get reports it; batches start
  // at different entries in R and O, so the child's copy may be clean where
  // R's is dirty. No data is lost: the parent keeps its own dirty state
  // (enforced), and core-mm accounts dirtiness per folio.
  for_each(hints.moved_to, [](uint8_t& x) {
    if (x & kRefDirty) x = (x | kDirtyExempt) & ~kMustD;
  });
}

void Envelope::forgive_young_clears(const Machine& ref, const EnvelopeHints& hints) {
  // A young-clearing call on one entry of a foldable block may clear the
  // whole block (contpte_ptep_test_and_clear_young): core-mm tracks young
  // per folio and a contpte block never spans two folios.
  const uint64_t block_pages = geo_.cont_ptes;
  for (const Range& r : hints.young_cleared) {
    if (r.nr == 0 || r.mm >= kNumMms) continue;
    const uint64_t first = (r.va >> geo_.page_shift) / block_pages;
    const uint64_t last = ((r.va >> geo_.page_shift) + r.nr - 1) / block_pages;
    for (uint64_t index = first; index <= last; ++index) {
      if ((index + 1) * block_pages > pages_ || !block_foldable(ref, {r.mm, index})) continue;
      uint8_t* xb = &bits_[r.mm * pages_ + index * block_pages];
      for (uint64_t k = 0; k < block_pages; ++k) xb[k] = (xb[k] | kForgiven) & ~kMustY;
    }
  }
}

void Envelope::spread_foldable(const Machine& ref, const std::vector<BlockRef>& blocks) {
  // O may spread young/dirty over a block it could fold: unfolding ORs the
  // block's bits into every entry (contpte_convert), and core-mm reads them
  // per folio anyway.
  const uint64_t block_pages = geo_.cont_ptes;
  for (const BlockRef& b : blocks) {
    if (!block_foldable(ref, b)) continue;
    uint8_t* xb = &bits_[b.mm * pages_ + b.index * block_pages];
    uint8_t acc = 0;
    for (uint64_t k = 0; k < block_pages; ++k) acc |= xb[k];
    for (uint64_t k = 0; k < block_pages; ++k) xb[k] |= acc & (kMayY | kMayD);
  }
}

}  // namespace ptediff
