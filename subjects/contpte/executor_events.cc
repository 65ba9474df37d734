// ptediff: running ops with mid-op events, and their linearizations
// (docs/DESIGN.md §5.7).
//
// O runs the op once, with the events fired between its primitives by an
// Interleaver. R is the specification: an event that happened in the middle
// of O's op takes effect, on R, either just before or just after R's whole
// op, and O must be within the envelope of at least one such linearization
// (each event placed independently, so 2^n of them for n events). R's op is
// run again from its state before the op for each linearization tried, the
// oracle from its state before the op too; the first one the oracle finds
// clean is kept. When none is clean the op diverges, and what is reported is
// the linearization with every event placed before the op (R left in that
// state). The executor only runs: which events are placed and what each
// linearization must show are the oracle's rules (oracle_events.cc).
#include <algorithm>

#include "engine/events.h"
#include "subjects/contpte/api.h"
#include "subjects/contpte/block.h"
#include "subjects/contpte/executor.h"

namespace ptediff {

RefEvent Executor::make_on_ref(const Op& ev, bool after) {
  RefEvent r;
  r.placed = true;
  r.after = after;
  const auto mm = static_cast<uint32_t>(ev.get(Field::kMm));
  const uint64_t va = ev.get(Field::kVa);
  const auto pick = static_cast<uint32_t>(ev.get(Field::kPick));
  switch (ev.kind) {
    case OpKind::kEvAccess:
      ref_->set_agent(Agent::kHardware);
      r.tlb_stale = tlb_decided_stale(*ref_, mm, va);
      r.access = ref_->access(mm, va, static_cast<AccessKind>(ev.get(Field::kKind)), pick);
      break;
    case OpKind::kEvTlbFill:
      ref_->set_agent(Agent::kHardware);
      r.mapped = pte_valid(ref_->peek(mm, va & ~(page_bytes(ref_->geo()) - 1)));
      ref_->tlb_fill(mm, va, ev.get(Field::kBlock) != 0, pick);
      break;
    default:
      ref_->set_agent(Agent::kReader);
      r.value = ref_be_->ptep_get_lockless(ref_->abi(), ref_->mm(mm), va);
      break;
  }
  ref_->set_agent(Agent::kBackend);
  return r;
}

bool Executor::run_linearization(const Prepared& p, size_t idx, const EventRun& run,
                                 const std::vector<size_t>& placed, uint32_t mask,
                                 std::vector<RefEvent>* ref_events, std::vector<Divergence>* divs) {
  const std::span<const Op> events = run.events;
  const std::vector<EventOutcome>& outs = run.outs;
  Oracle& oracle = *world_->oracle;
  ref_events->assign(events.size(), RefEvent{});
  rrets_.clear();
  const OpContext ctx{*ref_, *opt_, p, idx, rrets_, orets_};
  oracle.begin_linearization();
  // Each placed event made on R on its side of the op, in firing order, and
  // judged there; a lockless read that fired is read on R on both sides, in
  // the same order.
  std::vector<int> side(events.size(), -1);  // placed events: 0 before, 1 after
  for (size_t j = 0; j < placed.size(); ++j) side[placed[j]] = mask >> j & 1;
  auto make = [&](size_t i, bool after) {
    (*ref_events)[i] = make_on_ref(events[i], after);
    oracle.judge_event(ctx, run, i, (*ref_events)[i], divs);
  };
  for (size_t i = 0; i < events.size(); ++i) {
    if (side[i] == 0) make(i, false);
    if (events[i].kind != OpKind::kEvLockless || !outs[i].fired) continue;
    (*ref_events)[i] = make_on_ref(events[i], false);
    oracle.lockless_before_op(run, i);
  }
  Api ra(*ref_, *ref_be_);
  run_op(p, ra, &rrets_);
  oracle.before_op_stale(*ref_, run.opt_stale);
  for (size_t i = 0; i < events.size(); ++i) {
    if (side[i] == 1) make(i, true);
    if (events[i].kind == OpKind::kEvLockless && outs[i].fired) {
      (*ref_events)[i].value_after = make_on_ref(events[i], true).value;
    }
  }
  return oracle.judge_linearization(ctx, run, *ref_events, divs);
}

std::vector<Divergence> Executor::step_events(const Prepared& p, std::span<const Op> events,
                                              size_t idx, RunResult* res) {
  // O first, under interference; what its TLB held stale before is kept for
  // the oracle, which otherwise snapshots it between R's op and O's.
  const std::vector<StalePage> opt_stale = stale_tlb_pages(*opt_);
  orets_.clear();
  std::vector<EventOutcome> outs;
  {
    Interleaver il(*opt_, *opt_be_, events);
    Api oa(*opt_, *opt_be_);
    run_op_bounded(p, oa, &orets_);
    il.finish();
    outs = il.outcomes();
  }
  // The events as written: one past the op's last primitive never fires
  // whatever its number, a reader waiting for the one before it starts when
  // that one returns, so the effective program replays this run.
  res->effective.ops.insert(res->effective.ops.end(), events.begin(), events.end());
  // R's side: the events the oracle has made on R (Oracle::placed_on_ref),
  // each placed before or after R's op.
  std::vector<size_t> placed;
  for (size_t i = 0; i < events.size(); ++i) {
    if (Oracle::placed_on_ref(events[i], outs[i])) placed.push_back(i);
  }
  Machine::Snapshot snap;
  ref_->save(&snap);
  Oracle& oracle = *world_->oracle;
  const Oracle::State base = oracle.save();
  const uint32_t combos = 1u << placed.size();
  const EventRun run{events, outs, opt_stale};
  std::vector<Divergence> first;
  std::vector<RefEvent> ref_events;
  for (uint32_t k = 0; k < combos; ++k) {
    if (k > 0) {
      ref_->restore(snap);
      oracle.restore(base);
    }
    std::vector<Divergence> divs;
    if (run_linearization(p, idx, run, placed,
                          linearization_mask(k, static_cast<uint32_t>(placed.size())), &ref_events,
                          &divs)) {
      first.clear();
      break;
    }
    if (k == 0) first = std::move(divs);
    if (k + 1 == combos && k > 0) {  // none is clean: back to the reported one
      ref_->restore(snap);
      oracle.restore(base);
      divs.clear();
      run_linearization(p, idx, run, placed, 0, &ref_events, &divs);
    }
  }
  oracle.judge_opt_events(OpContext{*ref_, *opt_, p, idx, rrets_, orets_}, run, &first);
  record_step(p, idx, events, &outs, &ref_events, first, res);
  return first;
}

}  // namespace ptediff
