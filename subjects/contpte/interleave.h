// ptediff: interference inside one op (docs/DESIGN.md §5.7).
//
// While O's backend runs one op, its machine calls the Interleaver before
// every primitive. Before primitive number `prim` it fires the op's events
// from another agent, without the backend knowing: a hardware access (its
// access/dirty update lands atomically on the entry in memory, or it faults
// on an invalid one), a speculative walk filling the TLB, or a lockless
// reader on another CPU, which is O's own ptep_get_lockless run on a second
// thread. The reader's primitives are never interference points. A reader
// that keeps reading (retrying over a block the op has half converted) waits
// for the op: after its first passes, each further read of the reader lets
// the op make one primitive first, as a reader spinning on another CPU would
// see the writer progress. Threads hand control to each other explicitly, so
// exactly one runs at a time and every run is deterministic.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_INTERLEAVE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_INTERLEAVE_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "mmu/machine.h"
#include "ptediff/backend.h"
#include "subjects/contpte/flows.h"
#include "subjects/contpte/program.h"

namespace ptediff {

// What one event did on O's machine.
struct EventOutcome {
  bool fired = false;                                     // not past the op's last primitive
  uint32_t fired_at = 0;                                  // the primitive it fired before
  AccessResult access = AccessResult::kTranslationFault;  // @access
  bool tlb_stale = false;  // @access: a cached translation its table no longer grants decided it
  bool filled = false;     // @tlb_fill cached something
  // @tlb_fill: the walk cached a translation of another size than one the
  // TLB already held for the same address (without BBML2: a TLB conflict).
  std::string conflict;
  uint64_t conflict_va = 0, conflict_size = 0;  // the translation it conflicted with
  pte_t value = 0;                              // @lockless: what the reader returned
  bool saw_none = false;  // @lockless: a read of its own entry found it invalid
  bool livelock = false;  // @lockless: still reading long after the op ended
};

class Interleaver final : public PrimitiveHook {
 public:
  // Fires `events` (event ops, in firing order) on machine `m` during the
  // op O's backend `be` runs next; installs itself as m's hook.
  Interleaver(Machine& m, const ptediff_backend& be, std::span<const Op> events);
  ~Interleaver() override;
  Interleaver(const Interleaver&) = delete;
  Interleaver& operator=(const Interleaver&) = delete;

  bool on_primitive() override;
  // After the op returned: lets a waiting reader finish and removes the
  // hook. Events not fired by then (past the op's last primitive) never do.
  void finish();

  // The op's backend primitives so far.
  uint32_t primitives() const { return index_; }
  const std::vector<EventOutcome>& outcomes() const { return out_; }

 private:
  // Fires every event due before primitive index_.
  void fire_due();
  void fire(size_t i);
  void start_reader(size_t i);
  // Writer side: let the reader run until it yields or returns.
  void run_reader();
  // Reader side: give the turn back and wait for it.
  void yield_to_writer();
  // A primitive of the reader; false: it reads none (livelock).
  bool reader_step();

  Machine& m_;
  const ptediff_backend& be_;
  std::span<const Op> events_;
  std::vector<EventOutcome> out_;
  size_t next_ = 0;     // the first event not fired yet
  uint32_t index_ = 0;  // backend primitives so far
  bool writer_done_ = false;
  // The lockless reader in flight (at most one).
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool reader_turn_ = false;     // guarded by mu_
  bool reader_running_ = false;  // started, not returned
  size_t reader_event_ = 0;
  uint64_t reader_reads_ = 0, reads_after_op_ = 0;
  uint64_t budget_ = 0;          // reads before the reader waits for the writer
  size_t reader_log_start_ = 0;  // O's log size when the reader started
  bool log_reads_was_ = true;    // the machine's read logging before (reads are kept here)
};

// The reads of one pass over a block and a retry.
inline uint64_t pass_reads(const ptediff_geometry& g) { return 2 * (g.cont_ptes + 1ULL); }
// The reads a lockless reader may make while nothing else runs, or after the
// op it raced with ended, before it counts as livelocked (its later reads see
// empty entries, on which any getter returns): 32 passes over a block and a
// retry each. Upstream contpte_ptep_get_lockless retries until the block is
// consistent, which only another CPU's writer can make it; with no writer
// left, a block inconsistent at rest would spin it forever.
inline uint64_t livelock_reads(const ptediff_geometry& g) { return 32 * pass_reads(g); }

// Scoped: while it lives, the backend agent's primitives on `m` after the
// first `limit` read an empty entry (a getter makes only reads), on which any getter returns (a
// reader spinning on a block nobody will make consistent). Chains to the hook it replaces and
// restores it, so it nests inside an Interleaver. run_op (flows.h) for O's side: a lockless getter
// runs under a ReadCap of livelock_reads, so a call on a block inconsistent at rest returns.
void run_op_bounded(const Prepared& p, Api& api, std::vector<Ret>* rets);

class ReadCap final : public PrimitiveHook {
 public:
  ReadCap(Machine& m, uint64_t limit) : m_(m), prev_(m.hook()), limit_(limit) { m.set_hook(this); }
  ~ReadCap() override { m_.set_hook(prev_); }
  ReadCap(const ReadCap&) = delete;
  ReadCap& operator=(const ReadCap&) = delete;

  bool on_primitive() override {
    const bool prev = prev_ == nullptr || prev_->on_primitive();
    if (m_.agent() != Agent::kBackend) return prev;
    return ++primitives_ <= limit_ && prev;
  }
  // Whether some read was refused.
  bool exhausted() const { return primitives_ > limit_; }

 private:
  Machine& m_;
  PrimitiveHook* prev_;
  uint64_t limit_;
  uint64_t primitives_ = 0;
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_INTERLEAVE_H_
