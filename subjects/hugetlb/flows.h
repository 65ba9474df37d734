// ptediff hugetlb: one side of a run and the kernel flows that drive it.
//
// A Side is one machine with one hugetlb backend (R or O) and the state the
// core-mm flows keep (the VMA's protection per mm, folio allocation, folio
// map counts, migration targets). run_flow plays one op the way 6.12's
// mm/hugetlb.c, mm/rmap.c and mm/mremap.c do it, calling the backend for
// every entry access, and records what the kernel would act on (returned
// entries, fault outcomes) as observations, and every lock the flow took
// through huge_pte_lockptr as a claim (docs/DESIGN.md §10).
#ifndef PTEDIFF_SUBJECTS_HUGETLB_FLOWS_H_
#define PTEDIFF_SUBJECTS_HUGETLB_FLOWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "mmu/folio.h"
#include "mmu/machine.h"
#include "mmu/tlb.h"
#include "ptediff/backend_v2.h"
#include "subjects/hugetlb/hstate.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// Something the kernel acts on, from one side: compared R against O.
struct Observation {
  const char* what;  // "huge_ptep_get", "fault", ...
  uint64_t mm = 0, va = 0;
  uint64_t value = 0;
  // The bits of value that follow the huge page's young state (not
  // compared where that state is uncertain, checks.h).
  uint64_t young_mask = 0;
  // The value is the huge page's dirty state (not compared where that state
  // is uncertain, checks.h).
  bool dirty_state = false;
  bool operator==(const Observation& o) const { return value == o.value; }
};

// An observation whose value may legitimately differ between R and O.
inline constexpr uint64_t kEitherResult = ~0ULL;
// The young_mask of an access result: where young is uncertain, an
// access-flag fault on one side and any other outcome on the other agree
// (that side was served by a young translation).
inline constexpr uint64_t kAccessYoungDependent = 1;

// Told of every backend call a Side's flow makes. A hugetlb op is a kernel
// flow of several calls into the arch code; the mid-op events of an op are
// placed on R around the calls (docs/DESIGN.md §10.4.1), so both sides count
// them.
class CallObserver {
 public:
  virtual ~CallObserver() = default;
  // A backend call begins.
  virtual void call_begins() {}
  // It returned; `calls` is the number of the op's calls so far, this one
  // included.
  virtual void call_returned(uint32_t calls) {}
};

// A lock a flow took for the huge page at (mm, va): the backend's
// huge_pte_lockptr handle.
struct LockClaim {
  uint32_t mm = 0;
  uint64_t va = 0;
  uint64_t handle = 0;
};

// The flows' own state (one per side: it follows what that side's backend
// returned).
struct FlowState {
  Prot prot[kNumMms] = {Prot::kReadWrite, Prot::kReadWrite};
  uint64_t folios = 0;                            // folios allocated so far
  absl::flat_hash_map<uint64_t, int> mapcount;    // first pfn -> mappings
  absl::flat_hash_map<uint64_t, uint64_t> moved;  // migration: old pfn -> new
};

class Side {
 public:
  // A machine for hstate `h` with `features`, running backend `b` with
  // `options` ("mutant=..." or ""). Construction is the costly part: a
  // Side is reset, not rebuilt, between runs.
  Side(const HState& h, const ptediff_backend_v2* b);
  ~Side();
  Side(const Side&) = delete;
  Side& operator=(const Side&) = delete;

  // Starts a run: empty tables of the hstate's shape, the backend
  // initialized with `options`. Returns "" or the backend's refusal.
  std::string reset(uint32_t features, const std::string& options);
  // Makes this a Side of hstate `h` from the next reset() on. The machine
  // depends on the granule only, so the hstates of one granule share it
  // (building one zeroes megabytes of tables); `h` must be of this Side's
  // granule.
  void set_hstate(const HState& h);
  // Plays one op; observations and claims are this op's.
  void run_flow(const Op& op);
  // `o` (or nullptr) is told of every backend call from now on.
  void set_call_observer(CallObserver* o) { observer_ = o; }

  // Going back to the start of an op, to run it again (R's op is run once
  // per placement of the op's mid-op events): mark() remembers the TLB and
  // the flows' state and keeps a journal of every entry written from then
  // on; rewind() writes the entries back, newest first, restores the TLB and
  // the flows' state and begins a new op, still marked; unmark() stops the
  // journal. The tables are never copied (a window is megabytes, an op
  // writes a few entries); the cost counters are not restored.
  void mark();
  void rewind();
  void unmark() {
    marked_ = false;
    journal_.clear();
  }
  // While marked, after run_flow: the entry writes since mark() or the last
  // rewind() made before run_flow began the op's log (events placed before
  // the op); with the log, every write since. Empty when not marked.
  const std::vector<LogRec>& journal() const { return journal_; }

  Machine& machine() { return machine_; }
  const Machine& machine() const { return machine_; }
  const std::vector<Observation>& observations() const { return obs_; }
  const std::vector<LockClaim>& claims() const { return claims_; }
  const HState& hstate() const { return h_; }
  const char* backend_name() const { return b_->name; }

 private:
  // Backend calls on mm (the kernel's ptep is the hstate's level).
  ptediff_mm* mm(uint32_t id) { return machine_.mm(id); }
  uint64_t va(uint64_t page) const { return page * h_.bytes; }
  pte_t get(uint32_t m, uint64_t va);
  void lock(uint32_t m, uint64_t va);
  void observe(const char* what, uint32_t m, uint64_t va, uint64_t value, uint64_t young_mask = 0) {
    obs_.push_back({what, m, va, value, young_mask});
  }
  // An observation of the dirty state `dirty` (what folio_mark_dirty acts on).
  void observe_dirty(const char* what, uint32_t m, uint64_t va, bool dirty) {
    obs_.push_back({what, m, va, dirty, 0, true});
  }
  void observe_entry(const char* what, uint32_t m, uint64_t va, pte_t e);
  // The entry of the huge page at va as the tables hold it (no log).
  pte_t peek(uint32_t m, uint64_t va) const { return machine_.peek_level(m, va, h_.level); }
  uint64_t alloc_folio();
  // Moves the log's entry writes since journal_from_ into the journal.
  void journal_log();

  // The backend's calls (ptediff/hugetlb_api.def) with the kernel's names,
  // the mm first: each is one call for the call observer.
#define PTEDIFF_HT_WITH_MM(...) (ptediff_mm * mm, __VA_ARGS__)
#define PTEDIFF_HUGETLB_API(ret, name, params, args) ret name PTEDIFF_HT_WITH_MM params;
#include "ptediff/hugetlb_api.def"
#undef PTEDIFF_HUGETLB_API
#undef PTEDIFF_HT_WITH_MM
  // Around each backend call.
  class CallScope;
  // Calls fn(va) for every huge page of mm m whose first entry is not none,
  // in address order (the PTE level's occupancy bitmap finds them).
  template <typename Fn>
  void for_each_mapped(uint32_t m, Fn&& fn);
  pte_t make_huge_pte(uint64_t pfn, bool writable);

  void fault(const Op& op);
  void wp(uint32_t m, uint64_t va, pte_t entry);  // hugetlb_wp
  void fork();
  void unmap(uint32_t m, uint64_t va, bool flush);
  void mprotect(uint32_t m, uint64_t va, Prot prot);
  void migrate(uint32_t m, uint64_t va);
  void remove_migration(uint32_t m, uint64_t va);
  void mremap(uint32_t m, uint64_t from, uint64_t to);
  void mkold(uint32_t m, uint64_t va);
  void mkclean(uint32_t m, uint64_t va);
  // The mmu_gather flush of an unmapped huge page (tlb_remove_huge_tlb_entry
  // then tlb_flush: the level of the hstate's entries when it is PMD or
  // PUD sized, else page stride without a level).
  void gather_flush(uint32_t m, uint64_t va);

  HState h_;
  FolioMap folios_;
  Machine machine_;
  const ptediff_backend_v2* b_;
  bool inited_ = false;
  FlowState st_;
  std::vector<Observation> obs_;
  std::vector<LockClaim> claims_;
  CallObserver* observer_ = nullptr;
  uint32_t calls_ = 0;  // backend calls of the op so far
  // mark() / rewind().
  bool marked_ = false;
  Tlb mark_tlb_;
  FlowState mark_flow_;
  std::vector<LogRec> journal_;  // entry writes since mark(), oldest first
  size_t journal_from_ = 0;      // the first log record not journaled yet
};

template <typename Fn>
void Side::for_each_mapped(uint32_t m, Fn&& fn) {
  if (h_.level != kPteLevel) {
    for (uint64_t p = 0; p < h_.pages; ++p) {
      if (!pte_none(peek(m, va(p)))) fn(va(p));
    }
    return;
  }
  const uint64_t limit = machine_.window_limit();
  for (uint64_t a = machine_.next_used(m, 0); a < limit;) {
    const uint64_t base = a / h_.bytes * h_.bytes;
    if (!pte_none(peek(m, base))) fn(base);
    const uint64_t next = machine_.next_used(m, base + h_.bytes);
    if (next <= a) break;  // wrapped around
    a = next;
  }
}

// The built-in backends.
const ptediff_backend_v2* hugetlb_reference_backend();
const ptediff_backend_v2* hugetlb_optimized_backend();

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_FLOWS_H_
