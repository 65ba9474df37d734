// ptediff: the page-table locks (see locks.h).
#include "mmu/locks.h"

#include "absl/strings/str_format.h"

namespace ptediff {

std::string lock_name(const ptediff_geometry& g, const LockId& l) {
  switch (l.kind) {
    case LockKind::kPteTable:
      return absl::StrFormat("ptl(mm=%u pte table %#x)", l.mm, l.index << g.pmd_shift);
    case LockKind::kPmdTable:
      return absl::StrFormat("pmd_lock(mm=%u pmd table %#x)", l.mm, l.index * pud_size(g));
    case LockKind::kPage:
      return absl::StrFormat("ptl(page frame %#x: not a page table)", l.index);
    case LockKind::kMm:
      break;
  }
  return absl::StrFormat("page_table_lock(mm=%u)", l.mm);
}

namespace {

// Where the kernel's tables and temporary mappings live (arm64 VA layout:
// the linear map at the bottom of the kernel half, fixmap near the top).
constexpr uint64_t kLinearBase = 0xffff000000000000ULL;
constexpr uint64_t kKmapBase = 0xfffffe0000000000ULL;
// Table frames: per mm a run of kFramesPerMm frames, PTE tables first, then
// the PMD tables (one per PUD_SIZE), then the PUD table.
constexpr uint64_t kTableFrameBase = 0x40000;
constexpr uint64_t kFramesPerMm = 1ULL << 20;
constexpr uint64_t kPmdFrames = kFramesPerMm - 4096;
constexpr uint64_t kPudFrame = kFramesPerMm - 1;
constexpr uint64_t kMmLockTag = 1ULL << 62;

uint64_t level_shift(const ptediff_geometry& g, int level) {
  if (level >= kPteLevel) return g.page_shift;
  return level == kPmdLevel ? g.pmd_shift : g.pmd_shift + g.page_shift - 3;
}

}  // namespace

uint64_t entry_kaddr(const ptediff_geometry& g, uint32_t mm, uint64_t va, int level) {
  uint64_t frame = kTableFrameBase + mm * kFramesPerMm;
  if (level >= kPteLevel) {
    frame += va >> g.pmd_shift;
  } else if (level == kPmdLevel) {
    frame += kPmdFrames + va / pud_size(g);
  } else {
    frame += kPudFrame;
  }
  const uint64_t ptrs = 1ULL << (g.page_shift - 3);
  const uint64_t index = (va >> level_shift(g, level)) & (ptrs - 1);
  return kLinearBase + (frame << g.page_shift) + index * sizeof(pte_t);
}

uint64_t entry_kmap_addr(const ptediff_geometry& g, uint64_t va) {
  const uint64_t ptrs = 1ULL << (g.page_shift - 3);
  return kKmapBase + ((va >> g.page_shift) & (ptrs - 1)) * sizeof(pte_t);
}

uint64_t ptlock_handle(const ptediff_geometry& g, uint64_t kaddr) {
  return (kaddr >> g.page_shift) & (kMmLockTag - 1);
}

uint64_t mm_lock_handle(uint32_t mm) { return kMmLockTag | mm; }

LockId resolve_lock(const ptediff_geometry& g, uint64_t handle) {
  if (handle & kMmLockTag) return {LockKind::kMm, static_cast<uint32_t>(handle & 0xffff), 0};
  const uint64_t linear_frame = (kLinearBase >> g.page_shift) & (kMmLockTag - 1);
  if (handle >= linear_frame + kTableFrameBase) {
    const uint64_t rel = handle - linear_frame - kTableFrameBase;
    const uint64_t mm = rel / kFramesPerMm, f = rel % kFramesPerMm;
    if (mm < 16) {
      const uint32_t id = static_cast<uint32_t>(mm);
      if (f < kPmdFrames) return {LockKind::kPteTable, id, f};
      if (f < kPudFrame) return {LockKind::kPmdTable, id, f - kPmdFrames};
    }
  }
  return {LockKind::kPage, 0, handle};
}

}  // namespace ptediff
