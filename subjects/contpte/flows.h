// ptediff: running one op on one backend.
//
// The repair step (repair.h) turns a decoded op into a `Prepared` op that is
// legal in the current state and carries everything both sides must share
// (the folio a fault allocates, where the rmap finds a folio). `run_op` then
// executes it on one side: raw API calls directly, hardware events on the
// machine's agent, and core-mm flows written once against `Api`, exactly as
// mm/ drives the arch helpers. What an op returns is recorded as `Ret`s.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_FLOWS_H_
#define PTEDIFF_SUBJECTS_CONTPTE_FLOWS_H_

#include <cstdint>
#include <vector>

#include "subjects/contpte/program.h"
#include "mmu/locks.h"
#include "subjects/contpte/api.h"

namespace ptediff {

// A run of `nr` consecutive entries of one mm.
struct Range {
  uint32_t mm = 0;
  uint64_t va = 0;
  uint32_t nr = 0;
};

// How an envelope must treat an op beyond what R's state shows.
struct EnvelopeHints {
  std::vector<Range> young_cleared;  // young-clearing calls (forgive whole foldable blocks)
  std::vector<Range> clean_dirty;    // explicit dirty cleans (clear_young_dirty_ptes, mkclean)
  std::vector<Range> clean_young;    // explicit young cleans (clear_young_dirty_ptes)
  Range moved_from, moved_to;        // mremap / fork: may-bits travel with the entries
  bool moved = false;
  // fork: copy_present_ptes sets a whole folio batch from its first entry, so
  // the may-bits of a batch are the OR over the folio's entries in the range.
  bool moved_by_folio = false;
};

struct Prepared {
  Op op;                    // the repaired op (what the text repro shows)
  ptediff_folio folio{};    // the folio the op maps (fault, split_pmd, wp copy, set_ptes)
  std::vector<Range> rmap;  // referenced / mkclean: every mapping of the folio
  Range range;              // the entries the op is about (for reports and hints)
  EnvelopeHints hints;
  // The page-table locks the kernel path holds while it runs (mmu/locks.h):
  // every entry a backend writes must be covered by one of them.
  std::vector<LockId> locks;
};

// What a call returned, in the order the op made the calls.
enum class RetType : uint8_t {
  kPte,          // a pte value (getters, get_and_clear variants, modify_prot_start)
  kYoung,        // a young test (0/1), OR over `range`
  kAccessFlags,  // ptep_set_access_flags' "changed" result
  kHint,         // pte_batch_hint's count
  kAccess,       // an AccessResult of the hardware agent
  kRetry,        // the access a fault handler's return retries (must succeed)
  kFolioAD,      // folio accounting of zap: bit 0 young, bit 1 dirty, OR over `range`
};
const char* ret_type_name(RetType t);

struct Ret {
  RetType type;
  Range range;
  uint64_t value = 0;
};

// Runs `p` on one side, appending what it returns to `rets`.
void run_op(const Prepared& p, Api& api, std::vector<Ret>* rets);
// The flows of non-present entries (flows_nonpresent.cc); false for other kinds.
bool run_nonpresent_op(const Prepared& p, Api& api, std::vector<Ret>* rets);

// The return to user space after a fault handler: the faulting access is
// retried (on the entry the address itself picks in its block) and must
// succeed; appended as a kRetry return.
void retry_access(Api& api, uint32_t mm, uint64_t va, AccessKind kind, std::vector<Ret>* rets);

// Appends a folio accounting result (kFolioAD: bit 0 young, bit 1 dirty),
// merging it into the previous one when it continues the same folio
// contiguously (backends may batch differently). *last_folio tracks the
// folio of the last result.
void append_folio_ad(std::vector<Ret>* rets, Range r, uint64_t folio_id, uint64_t ad,
                     uint64_t* last_folio, uint64_t page);

// folio_pte_batch (mm/internal.h): how many entries from `va` map consecutive
// pages of the folio of `pte` with the same protection (ignoring young, dirty
// and write), at most `max_nr`, skipping ahead by pte_batch_hint.
// *any_writable (optional) tells whether any entry of the batch is writable.
unsigned folio_pte_batch(Api& api, uint32_t mm, uint64_t va, pte_t pte, unsigned max_nr,
                         bool* any_writable = nullptr);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_FLOWS_H_
