// ptediff: the contpte subject's oracle, one step per op (docs/DESIGN.md
// §5.2), behind the contract every subject's oracle implements
// (oracle/contract.h).
//
// The executor runs R's op, calls before_op, runs O's op and calls after_op;
// the oracle owns everything that judges O: the access/dirty envelope
// (envelope.h), what O's TLB held stale before the op (stale.h) and the
// checks' buffers, and runs the checks in the order §5.2 gives. For an op
// with mid-op events (§5.7, §8.4.8) it owns the rules too: which events are
// made on R (placed_on_ref), each event as R made it at its place
// (judge_event), each linearization the executor makes on R
// (judge_linearization) and what the events did on O alone
// (judge_opt_events); the executor only runs them (oracle_events.cc). It
// knows no backend, only the two machines and the op.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_ORACLE_H_
#define PTEDIFF_SUBJECTS_CONTPTE_ORACLE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mmu/machine.h"
#include "oracle/contract.h"
#include "oracle/divergence.h"
#include "subjects/contpte/checks.h"
#include "subjects/contpte/envelope.h"
#include "subjects/contpte/flows.h"
#include "subjects/contpte/interleave.h"
#include "subjects/contpte/stale.h"

namespace ptediff {

// A mid-op hardware access (docs/DESIGN.md §5.7) as both sides made it: O
// inside its op, R at the point the op linearizes it.
struct EventAccess {
  uint32_t mm;
  uint64_t va;
  AccessKind kind;
  AccessResult ref, opt;
  bool after = false;  // placed after R's op (else before it: event_before_op took it)
  // O's cached translation that decided the access granted more than O's
  // table when the access was made, or the page was stale before the op: a
  // flush a caller deferred (stale.h forgive_tlb_hit). Judged then, not
  // after the op, whose own flush may have removed the entry since.
  bool opt_tlb_stale = false;
};

// What R made of one mid-op event at its linearization point.
struct RefEvent {
  bool placed = false;  // made on R (an access that faulted on O is not)
  bool after = false;   // placed just after R's op (else just before)
  AccessResult access = AccessResult::kTranslationFault;  // @access
  bool tlb_stale = false;  // @access: decided by a cached translation its table no longer grants
  bool mapped = false;     // @tlb_fill: R's entry was valid (cacheable but for its access flag)
  pte_t value = 0;         // @lockless: R's read just before its op
  pte_t value_after = 0;   // @lockless: R's read just after its op
};

// An op's mid-op events as O ran them, which every linearization on R is
// judged against.
struct EventRun {
  std::span<const Op> events;               // as fired (prim is where)
  const std::vector<EventOutcome>& outs;    // per event, on O
  const std::vector<StalePage>& opt_stale;  // O's stale TLB pages before the op
};

// One executed op, as the oracle judges it.
struct OpContext {
  const Machine& ref;
  const Machine& opt;
  const Prepared& op;
  size_t index;  // in the effective program
  const std::vector<Ret>& ref_rets;
  const std::vector<Ret>& opt_rets;
  // The op's mid-op accesses that completed on O (each also made on R).
  std::span<const EventAccess> events = {};
};

class Oracle final : public OracleContract<OpContext> {
 public:
  // An oracle for machines of geometry `geo` with `window_pages` pages per mm.
  Oracle(const ptediff_geometry& geo, uint64_t window_pages);
  // Forgets everything of the last run (the envelope starts empty).
  void reset();

  // After R ran the op, before O runs it: what O's TLB holds stale now, when
  // R's version flushed (tlb-stale does not blame O for it).
  void before_op(const OpContext& c) override;
  // After both ran the op: checks returns against the pre-op envelope, brings
  // the envelope up to date, checks state, log and TLB; appends divergences.
  // `logs` are c.ref's and c.opt's.
  void after_op(const OpContext& c, const OpLogs& logs, std::vector<Divergence>* out) override;
  void after_op(const OpContext& c, std::vector<Divergence>* out) {
    after_op(c, {c.ref.log(), c.opt.log()}, out);
  }

  const Envelope& envelope() const { return env_; }

  // What an op changes in the oracle (the envelope and the stale ledger; not
  // the checks' buffers), to judge one op more than once (§5.7).
  struct State {
    Envelope env;
    StaleLedger stale;
  };
  State save() const { return {env_, stale_}; }
  void restore(const State& s) {
    env_ = s.env;
    stale_ = s.stale;
  }

  // Mid-op events (docs/DESIGN.md §5.7), judged on one linearization: each
  // event placed just before or just after R's whole op.
  //
  // Instead of before_op when O ran first: `opt_stale` are the pages O's TLB
  // held stale before O's op (stale_tlb_pages), R has run its op now.
  void before_op_stale(const Machine& ref, std::vector<StalePage> opt_stale);
  // A mid-op access placed before R's op, made on R: the envelope takes the
  // access and R's state after it, and forgives what O's TLB decided without
  // a walk, as for an access op between ops.
  void event_before_op(const Machine& ref, const EventAccess& a);
  // A lockless read that happened while O's op was half done, judged after
  // after_op: O's value `o` must equal R's read just before (`before`) or
  // just after (`after`) the op modulo access/dirty/CONT; a bit both of R's
  // reads have must be in it (unless the envelope exempts it), a bit it has
  // must be allowed by the envelope before (`pre_bits`) or after the op.
  // `saw_none`: O's reader found its entry invalid at some read; an empty
  // result is then a legal one.
  void check_lockless(const OpContext& c, uint32_t mm, uint64_t va, pte_t before, pte_t after,
                      uint8_t pre_bits, pte_t o, bool saw_none, std::vector<Divergence>* out);

  // The rules of an op with mid-op events (oracle_events.cc). For each
  // linearization it tries, the executor calls begin_linearization; makes
  // the events placed before the op on R in firing order, each followed by
  // judge_event, and takes R's read of each lockless read that fired
  // (lockless_before_op); runs R's op and calls before_op_stale; makes the
  // events placed after the op the same way and takes R's read after the op
  // of each lockless read; and calls judge_linearization, which says whether
  // the linearization is clean. For the linearization kept (or reported),
  // judge_opt_events adds what the events did on O alone.
  //
  // Whether event `ev` that did `o` on O is made on R at all.
  static bool placed_on_ref(const Op& ev, const EventOutcome& o);
  // Forgets the last linearization's accesses and reads.
  void begin_linearization();
  // Event `i` of `run`, just made on R at its place (`r`); c.ref_rets are
  // not used. Appends divergences.
  void judge_event(const OpContext& c, const EventRun& run, size_t i, const RefEvent& r,
                   std::vector<Divergence>* out);
  // Lockless read `i` of `run` fired on O: R's read before the op was just
  // taken; keeps the envelope's bits for the entry as they are before the op.
  void lockless_before_op(const EventRun& run, size_t i);
  // After R's op and the events placed after it: the op's checks (after_op)
  // with the accesses judge_event took, then every lockless read against R's
  // reads in `ref`. Returns whether the linearization is clean (*out empty).
  bool judge_linearization(const OpContext& c, const EventRun& run, std::span<const RefEvent> ref,
                           std::vector<Divergence>* out);
  // What the events did on O alone, whatever R made of them; appends
  // divergences.
  void judge_opt_events(const OpContext& c, const EventRun& run, std::vector<Divergence>* out);

 private:
  Envelope env_;
  CheckScratch scratch_;  // check_log's buffers, reused from op to op
  StaleLedger stale_;
  std::vector<BlockRef> blocks_;  // the op's touched blocks
  // The linearization being judged: its accesses made on R, its lockless
  // reads (event indices) and the envelope bits of each read's entry before
  // the op.
  std::vector<EventAccess> lin_accesses_;
  std::vector<size_t> lin_reads_;
  std::vector<uint8_t> lin_pre_bits_;
};

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_ORACLE_H_
