// ptediff: the access/dirty envelope (see envelope.h).
//
// Every relaxation below cites the kernel contract that allows it; docs/DESIGN.md §5.3
// lists them with their upstream commits.
#include "harness/envelope.h"

#include <algorithm>

namespace ptediff {

Envelope::Envelope(const ptediff_geometry& geo, uint64_t window_pages)
    : geo_(geo), pages_(window_pages), bits_(kNumMms * window_pages, 0) {}

void Envelope::reset() { std::fill(bits_.begin(), bits_.end(), 0); }

uint8_t Envelope::bits(uint32_t mm, uint64_t va) const {
  const uint64_t i = va >> geo_.page_shift;
  return mm < kNumMms && i < pages_ ? bits_[mm * pages_ + i] : 0;
}

bool Envelope::any(const Range& r, Bit bit) const {
  for (uint32_t i = 0; i < r.nr; ++i) {
    if (bits(r.mm, r.va + (static_cast<uint64_t>(i) << geo_.page_shift)) & bit) return true;
  }
  return false;
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

bool Envelope::foldable(const Machine& ref, const BlockRef& b) const {
  if (!ref.mm(b.mm)->user) return false;  // init_mm is never folded
  const uint64_t page = 1ULL << geo_.page_shift;
  const uint64_t va0 = b.index * geo_.cont_ptes * page;
  const pte_t first = ref.peek(b.mm, va0);
  if (!pte_valid(first)) return false;
  const uint64_t pfn0 = pte_pfn(&geo_, first);
  if (pfn0 % geo_.cont_ptes != 0) return false;
  // contpte_try_fold: "we never try to fold special mappings": they have no
  // folio, and the model maps them at pfns without a memmap (pfnmap_pfn).
  ptediff_folio f{};
  if (!ref.folio_of(pfn0, &f) || f.start_pfn > pfn0 ||
      f.start_pfn + f.nr_pages < pfn0 + geo_.cont_ptes) {
    return false;
  }
  const pte_t prot = pte_pgprot(&geo_, pte_mkold_clean(first));
  for (uint32_t i = 1; i < geo_.cont_ptes; ++i) {
    const pte_t e = ref.peek(b.mm, va0 + i * page);
    if (!pte_valid(e) || pte_pfn(&geo_, e) != pfn0 + i ||
        pte_pgprot(&geo_, pte_mkold_clean(e)) != prot) {
      return false;
    }
  }
  return true;
}

void Envelope::update(const Machine& ref, const EnvelopeHints& hints,
                      const std::vector<BlockRef>& blocks) {
  const uint64_t page = 1ULL << geo_.page_shift;
  const uint64_t block_pages = geo_.cont_ptes;
  auto for_each = [&](const Range& r, auto fn) {
    for (uint32_t i = 0; i < r.nr; ++i) {
      const uint64_t va = r.va + i * page;
      if (r.mm < kNumMms && (va >> geo_.page_shift) < pages_) fn(at(r.mm, va));
    }
  };
  // mremap and fork move (copy) entries, and with them whatever O had
  // spread into them: the new entry's may-bits start as the source's.
  if (hints.moved) {
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
               pte_valid(ref.peek(from.mm, va + n * page)) &&
               ref.folio_of(pte_pfn(&geo_, ref.peek(from.mm, va + n * page)), &g) && g.id == f.id) {
          ++n;
        }
      }
      uint8_t src = 0;
      for (uint32_t k = 0; k < n; ++k) src |= bits(from.mm, va + k * page);
      for (uint32_t k = 0; k < n; ++k) {
        const uint64_t dva = hints.moved_to.va + (i + k) * page;
        // A moved entry (mremap's move_ptes keeps the value) keeps its young
        // forgiveness and its dirty exemption, as if R's young and dirty had
        // not just risen; a fork copy is made old anyway and gets its own
        // exemption below.
        const uint8_t keep =
            kMayY | kMayD |
            (hints.moved_by_folio ? 0 : kForgiven | kRefYoung | kDirtyExempt | kRefDirty);
        if ((dva >> geo_.page_shift) < pages_) at(hints.moved_to.mm, dva) |= src & keep;
      }
      i += n;
    }
  }
  // Explicit cleans (clear_young_dirty_ptes for MADV_FREE, folio_mkclean)
  // drop what may have been spread: the caller asked for a clean folio.
  for (const Range& r : hints.clean_dirty) for_each(r, [](uint8_t& x) { x &= ~kMayD; });
  for (const Range& r : hints.clean_young) for_each(r, [](uint8_t& x) { x &= ~kMayY; });

  for (const BlockRef& b : blocks) {
    const uint64_t va0 = b.index * block_pages * page;
    const pte_t* rb = ref.entries(b.mm, va0, block_pages);
    if (b.mm >= kNumMms || rb == nullptr || (b.index + 1) * block_pages > pages_) continue;
    uint8_t* xb = &at(b.mm, va0);
    for (uint64_t i = 0; i < block_pages; ++i) {
      uint8_t& x = xb[i];
      const pte_t e = rb[i];
      if (!pte_valid(e)) {
        x = 0;
        continue;
      }
      const bool y = pte_young(e), d = pte_dirty(e);
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
  // fork (copy_present_ptes) gives a whole batch the dirty bit of the
  // batch's first entry as the backend's ptep_get reports it; batches start
  // at different entries in R and O, so the child's copy may be clean where
  // R's is dirty. No data is lost: the parent keeps its own dirty state
  // (enforced), and core-mm accounts dirtiness per folio.
  if (hints.moved_by_folio) {
    for (uint32_t i = 0; i < hints.moved_to.nr; ++i) {
      const uint64_t va = hints.moved_to.va + i * page;
      if ((va >> geo_.page_shift) < pages_ && (at(hints.moved_to.mm, va) & kRefDirty)) {
        at(hints.moved_to.mm, va) = (at(hints.moved_to.mm, va) | kDirtyExempt) & ~kMustD;
      }
    }
  }
  // A young-clearing call on one entry of a foldable block may clear the
  // whole block (contpte_ptep_test_and_clear_young): core-mm tracks young
  // per folio and a contpte block never spans two folios.
  for (const Range& r : hints.young_cleared) {
    if (r.nr == 0 || r.mm >= kNumMms) continue;
    const uint64_t first = (r.va >> geo_.page_shift) / block_pages;
    const uint64_t last = ((r.va >> geo_.page_shift) + r.nr - 1) / block_pages;
    for (uint64_t index = first; index <= last; ++index) {
      const BlockRef b{r.mm, index};
      if ((index + 1) * block_pages > pages_ || !foldable(ref, b)) continue;
      for (uint64_t k = 0; k < block_pages; ++k) {
        uint8_t& x = at(b.mm, (b.index * block_pages + k) * page);
        x = (x | kForgiven) & ~kMustY;
      }
    }
  }
  // O may spread young/dirty over a block it could fold: unfolding ORs the
  // block's bits into every entry (contpte_convert), and core-mm reads them
  // per folio anyway.
  for (const BlockRef& b : blocks) {
    if (!foldable(ref, b)) continue;
    uint8_t acc = 0;
    const uint64_t first = b.index * block_pages;
    for (uint64_t k = 0; k < block_pages; ++k) acc |= bits_[b.mm * pages_ + first + k];
    for (uint64_t k = 0; k < block_pages; ++k)
      bits_[b.mm * pages_ + first + k] |= acc & (kMayY | kMayD);
  }
}

}  // namespace ptediff
