// ptediff: the op table (see ops.h).
#include "subjects/contpte/program.h"

#include <algorithm>

#include "mmu/folio.h"
#include "subjects/contpte/text.h"  // op_fields

namespace ptediff {
namespace {

using F = Field;

#define FIELDS(...) \
  {__VA_ARGS__}, static_cast<uint8_t>(std::initializer_list<Field>{__VA_ARGS__}.size())

constexpr OpSpec kSpecs[] = {
    {OpKind::kPtepGet, "ptep_get", OpClass::kApi, FIELDS(F::kMm, F::kVa), "read one entry"},
    {OpKind::kPtepGetLockless, "ptep_get_lockless", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "read one entry without the PTL"},
    {OpKind::kSetPtes, "set_ptes", OpClass::kApi,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kFolio, F::kIdx, F::kProt),
     "map nr pages of a folio from page idx"},
    {OpKind::kPteClear, "pte_clear", OpClass::kApi, FIELDS(F::kMm, F::kVa), "clear one entry"},
    {OpKind::kPtepGetAndClear, "ptep_get_and_clear", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "clear one entry, return the old value"},
    {OpKind::kPtepClearFlush, "ptep_clear_flush", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "clear one entry and flush its TLB entry"},
    {OpKind::kPtepTestAndClearYoung, "ptep_test_and_clear_young", OpClass::kApi,
     FIELDS(F::kMm, F::kVa), "clear the access flag, return it"},
    {OpKind::kPtepClearFlushYoung, "ptep_clear_flush_young", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "clear the access flag and flush (nosync) if it was set"},
    {OpKind::kPtepSetWrprotect, "ptep_set_wrprotect", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "write-protect one entry"},
    {OpKind::kWrprotectPtes, "wrprotect_ptes", OpClass::kApi, FIELDS(F::kMm, F::kVa, F::kNr),
     "write-protect nr entries of one folio"},
    {OpKind::kPtepSetAccessFlags, "ptep_set_access_flags", OpClass::kApi,
     FIELDS(F::kMm, F::kVa, F::kWrite, F::kDirty),
     "apply mkyoung(ptep_get()) (+ mkwrite/mkdirty when write) with the dirty argument"},
    {OpKind::kClearFullPtes, "clear_full_ptes", OpClass::kApi,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kFull), "clear nr entries of one folio"},
    {OpKind::kGetAndClearFullPtes, "get_and_clear_full_ptes", OpClass::kApi,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kFull),
     "clear nr entries of one folio, return the first with access/dirty gathered"},
    {OpKind::kClearYoungDirtyPtes, "clear_young_dirty_ptes", OpClass::kApi,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kCydp), "clear young and/or dirty on a whole folio"},
    {OpKind::kPtepModifyProt, "ptep_modify_prot", OpClass::kApi, FIELDS(F::kMm, F::kVa, F::kWrite),
     "ptep_modify_prot_start, then commit with write permission set or removed"},
    {OpKind::kPteBatchHint, "pte_batch_hint", OpClass::kApi, FIELDS(F::kMm, F::kVa),
     "how many entries can be batched from here"},
    {OpKind::kAccess, "access", OpClass::kHardware, FIELDS(F::kMm, F::kVa, F::kKind, F::kPick),
     "a CPU access (hardware AF/dirty update on entry `pick` of a contiguous block)"},
    {OpKind::kTlbFill, "tlb_fill", OpClass::kHardware, FIELDS(F::kMm, F::kVa, F::kBlock, F::kPick),
     "a speculative walk caching the page (or the whole contiguous block)"},
    {OpKind::kFault, "fault", OpClass::kFlow,
     FIELDS(F::kMm, F::kVa, F::kOrder, F::kWrite, F::kPlace),
     "anonymous (m)THP fault: allocate a folio, one set_ptes"},
    {OpKind::kWpFault, "wp_fault", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kReuse),
     "write fault on a present entry: set_access_flags (reuse) or copy, then retry"},
    {OpKind::kFork, "fork", OpClass::kFlow, FIELDS(F::kVa, F::kNr),
     "copy_pte_range from mm 0 to mm 1 (COW), then flush the parent"},
    {OpKind::kZap, "zap", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kNr, F::kFull),
     "munmap: get_and_clear_full_ptes per folio batch, one deferred flush"},
    {OpKind::kMprotect, "mprotect", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kNr, F::kWrite),
     "ptep_modify_prot_start/commit over a range, then flush"},
    {OpKind::kMadvFree, "madv_free", OpClass::kFlow, FIELDS(F::kMm, F::kVa),
     "MADV_FREE of the folio mapped at va: clear_young_dirty_ptes, deferred flush"},
    {OpKind::kReferenced, "referenced", OpClass::kFlow, FIELDS(F::kMm, F::kVa),
     "rmap walk of the folio at va: ptep_clear_flush_young on each entry"},
    {OpKind::kMkclean, "mkclean", OpClass::kFlow, FIELDS(F::kMm, F::kVa),
     "folio_mkclean of the folio at va: clear_flush, wrprotect+clean, set_pte_at"},
    {OpKind::kSplitPmd, "split_pmd", OpClass::kFlow,
     FIELDS(F::kMm, F::kVa, F::kWrite, F::kDirty, F::kPlace),
     "a PMD-mapped THP becomes one set_ptes of PTRS_PER_PTE entries"},
    {OpKind::kMremap, "mremap", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kNr, F::kDst),
     "move nr entries to dst (get_and_clear + set_pte_at), then flush the source"},
    {OpKind::kFolioAlloc, "folio_alloc", OpClass::kWorld, FIELDS(F::kOrder, F::kPlace),
     "allocate a folio (numbered in allocation order) for set_ptes"},
    {OpKind::kEvAccess, "@access", OpClass::kEvent,
     FIELDS(F::kPrim, F::kMm, F::kVa, F::kKind, F::kPick),
     "mid-op: a CPU access with hardware AF/dirty updates, before O's primitive `prim`"},
    {OpKind::kEvTlbFill, "@tlb_fill", OpClass::kEvent,
     FIELDS(F::kPrim, F::kMm, F::kVa, F::kBlock, F::kPick),
     "mid-op: a speculative walk caching the page or block, before O's primitive `prim`"},
    {OpKind::kEvLockless, "@lockless", OpClass::kEvent, FIELDS(F::kPrim, F::kMm, F::kVa),
     "mid-op: O's ptep_get_lockless on another CPU, before O's primitive `prim`"},
    {OpKind::kMprotectNone, "mprotect_none", OpClass::kFlow,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kNuma),
     "mprotect(PROT_NONE) (numa=1: change_prot_numa) over a range: present entries become "
     "PROT_NONE through ptep_modify_prot_start/commit, then flush"},
    {OpKind::kNumaFault, "numa_fault", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kWrite),
     "do_numa_page on a PROT_NONE entry: the folio's PROT_NONE entries are made accessible "
     "again, the faulting one young"},
    {OpKind::kSwapOut, "swap_out", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kSlot),
     "try_to_unmap of the folio at va: every mapping cleared (ptep_clear_flush), dirty "
     "accounted, a swap entry set in its place"},
    {OpKind::kSwapIn, "swap_in", OpClass::kFlow, FIELDS(F::kMm, F::kVa, F::kOrder, F::kWrite),
     "do_swap_page: a new folio of the largest order whose aligned swap entries are "
     "consecutive, mapped over them with one set_ptes"},
    {OpKind::kTryToMigrate, "try_to_migrate", OpClass::kFlow, FIELDS(F::kMm, F::kVa),
     "try_to_migrate of the folio at va: every mapping cleared and flushed, a migration entry "
     "(with young/dirty) set in its place"},
    {OpKind::kRemoveMigration, "remove_migration_ptes", OpClass::kFlow,
     FIELDS(F::kMm, F::kVa, F::kPlace),
     "the migration entries of the folio named at va become mappings of a new folio, one "
     "set_pte_at each"},
    {OpKind::kUffdWp, "uffd_wp", OpClass::kFlow,
     FIELDS(F::kMm, F::kVa, F::kNr, F::kResolve, F::kMarkers),
     "UFFDIO_WRITEPROTECT over a range: present entries through modify_prot, swap entries and "
     "markers with set_pte_at, then flush"},
};
#undef FIELDS

static_assert(std::size(kSpecs) == kNumOpKinds, "one spec per op kind");

}  // namespace

bool is_event(OpKind k) { return op_spec(k).cls == OpClass::kEvent; }

const OpSpec& op_spec(OpKind k) { return kSpecs[static_cast<size_t>(k) % kNumOpKinds]; }

std::span<const OpSpec> all_op_specs() { return kSpecs; }

const OpSpec* find_op(std::string_view name) {
  uint64_t no_suffix = 0;
  return find_op_spec(std::span<const OpSpec>(kSpecs), op_fields(),
                      absl::string_view(name.data(), name.size()), &no_suffix);
}

const char* profile_name(Profile p) {
  switch (p) {
    case Profile::kBasic:
      return "basic";
    case Profile::kBatch:
      return "batch";
    case Profile::kFold:
      return "fold";
  }
  return "fold";
}

bool parse_profile(std::string_view s, Profile* out) {
  for (Profile p : {Profile::kBasic, Profile::kBatch, Profile::kFold}) {
    if (s == profile_name(p)) {
      *out = p;
      return true;
    }
  }
  return false;
}

uint32_t pmd_order(const ptediff_geometry& geo) { return geo.pmd_shift - geo.page_shift; }

uint64_t field_max(Field f, const ptediff_geometry& geo, uint64_t window_pages) {
  switch (f) {
#define PTEDIFF_FIELD(e, name, repr, width, symbols, max) \
  case Field::e:                                          \
    return max;
#include "subjects/contpte/ops.def"
#undef PTEDIFF_FIELD
    case Field::kCount:
      break;
  }
  return 0;
}

namespace {
constexpr uint64_t kProtDirtyWritable = kProtDirty | kProtWrite;
}  // namespace

bool prot_possible(uint64_t prot, std::string* why) {
  if ((prot & kProtDirtyWritable) != kProtDirtyWritable || !(prot & kProtRdonly)) return true;
  if (why != nullptr) {
    *why =
        "prot names a writable, software-dirty, read-only entry, which arm64 never creates "
        "(pte_mkdirty of a writable entry clears RDONLY): drop ro";
  }
  return false;
}

uint64_t possible_prot(uint64_t prot) {
  return prot_possible(prot, nullptr) ? prot : prot & ~uint64_t{kProtRdonly};
}

pte_t prot_to_pte(const ptediff_geometry& geo, uint64_t pfn, uint64_t prot) {
  pte_t v = PTE_VALID | PTE_TYPE_PAGE | PTE_USER | PTE_SHARED | PTE_NG | PTE_PXN;
  if (!(prot & kProtExec)) v |= PTE_UXN;
  if (prot & kProtYoung) v |= PTE_AF;
  if (prot & kProtDirty) v |= PTE_DIRTY;
  if (prot & kProtWrite) v |= PTE_WRITE;
  // arm64 never maps a user page hardware-writable without software write
  // permission: without `w` the entry is read-only whatever `ro` says.
  if ((prot & kProtRdonly) || !(prot & kProtWrite)) v |= PTE_RDONLY;
  if (prot & kProtAttr) v |= 1ULL << 2;  // AttrIndx 1
  if (prot & kProtSpecial) {
    v |= PTE_SPECIAL;
    pfn = pfnmap_pfn(geo, pfn);  // a special mapping has no memmap
  }
  return pfn_pte(&geo, pfn, v);
}

}  // namespace ptediff
