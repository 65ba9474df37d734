// ptediff: ops with mid-op events, and their linearizations (docs/DESIGN.md §5.7).
//
// O runs the op once, with the events fired between its primitives by an
// Interleaver. R is the specification: an event that happened in the middle
// of O's op takes effect, on R, either just before or just after R's whole
// op, and O must be within the envelope of at least one such linearization
// (each event placed independently, so 2^n of them for n events). R's op is
// run again from its state before the op for each linearization tried, the
// oracle from its state before the op too; the first clean one is kept. When
// none is clean the op diverges, and what is reported is the linearization
// with every event placed before the op (R left in that state).
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/events.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/api.h"
#include "subjects/contpte/block.h"
#include "subjects/contpte/checks.h"

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

void Executor::judge_linearization(const EventRun& run, uint32_t mask,
                                   std::vector<RefEvent>* ref_events,
                                   std::vector<Divergence>* divs) {
  const Prepared& p = run.p;
  const std::span<const Op> events = run.events;
  const std::vector<EventOutcome>& outs = run.outs;
  const std::vector<size_t>& placed = run.placed;
  const std::vector<StalePage>& opt_stale = run.opt_stale;
  const size_t idx = run.idx;
  Oracle& oracle = *world_->oracle;
  ref_events->assign(events.size(), RefEvent{});
  std::vector<EventAccess> accesses;
  rrets_.clear();
  const OpContext ctx{*ref_, *opt_, p, idx, rrets_, orets_};
  // Event i made on R, before or after its op; accesses must complete on R
  // too. (Lockless reads are not placed: see below.)
  auto make = [&](size_t i, bool after) {
    const Op& ev = events[i];
    RefEvent& r = (*ref_events)[i] = make_on_ref(ev, after);
    const uint32_t mm = static_cast<uint32_t>(ev.get(Field::kMm));
    const uint64_t va = ev.get(Field::kVa);
    if (ev.kind == OpKind::kEvTlbFill && !r.mapped) {
      // O's walk cached a translation (it is placed only then): R's entry
      // must be valid at its place (whether young, and so cached, may differ:
      // O spreads access flags over a block), or the walk saw an entry R
      // never has.
      add_divergence(CheckContext{*ref_, *opt_, oracle.envelope(), p, idx}, DivClass::kPteState, mm,
                     va,
                     absl::StrFormat("a walk at prim %d cached O's entry, but R has no valid "
                                     "entry there %s the op",
                                     outs[i].fired_at, after ? "after" : "before"),
                     divs);
    }
    if (ev.kind != OpKind::kEvAccess) return;
    // As for accesses between ops (stale.h access_results_compatible): a
    // result decided by a stale cached translation (on either side, when
    // the access was made; for O also one already stale before the op, a
    // flush a caller deferred, which the op's own half-done changes may
    // make look current), or a fault the arm64 fault path fixes (R's
    // per-entry access flags where O updated the block), does not make the
    // linearization impossible.
    const bool hafdbs = (ref_->features() & PTEDIFF_FEAT_HAFDBS) != 0;
    const bool opt_stale_tlb =
        outs[i].tlb_stale || (outs[i].access == AccessResult::kOkTlb &&
                              any_stale_in(opt_stale, mm, va, page_bytes(ref_->geo())));
    const auto kind = static_cast<AccessKind>(ev.get(Field::kKind));
    const EventAccess a{mm, va, kind, r.access, outs[i].access, after, opt_stale_tlb};
    accesses.push_back(a);
    if (!access_ok(r.access) && !r.tlb_stale && !opt_stale_tlb &&
        !access_ok(after_fault_path(r.access, ref_->peek(mm, va), a.kind, hafdbs))) {
      add_divergence(
          CheckContext{*ref_, *opt_, oracle.envelope(), p, idx}, DivClass::kReturnValue, mm, va,
          absl::StrFormat("a %s access at prim %d completed on O (%s) but faults on R placed %s "
                          "the op (%s)",
                          format_value(Field::kKind, ev.get(Field::kKind)), outs[i].fired_at,
                          access_result_name(outs[i].access), after ? "after" : "before",
                          access_result_name(r.access)),
          divs);
    }
    if (!after) oracle.event_before_op(*ref_, a);
  };
  // A lockless read happened while the op was half done: what it returns
  // must be one of R's reads just before and just after the op in pfn and
  // permissions, and each access/dirty bit must be allowed on one side (a
  // block being cleaned entry by entry may show young already gone and
  // dirty not yet). R's reads are taken on both sides, with the envelope
  // bits of both sides.
  // Both reads keep the read's order with the events placed on the same
  // side (an access O made after the read is not in R's read before the op).
  std::vector<size_t> reads;
  std::vector<uint8_t> pre_bits;
  std::vector<int> side(events.size(), -1);  // placed events: 0 before, 1 after
  for (size_t j = 0; j < placed.size(); ++j) side[placed[j]] = mask >> j & 1;
  for (size_t i = 0; i < events.size(); ++i) {
    if (side[i] == 0) make(i, false);
    if (events[i].kind != OpKind::kEvLockless || !outs[i].fired) continue;
    reads.push_back(i);
    (*ref_events)[i] = make_on_ref(events[i], false);
    pre_bits.push_back(oracle.envelope().bits(static_cast<uint32_t>(events[i].get(Field::kMm)),
                                              events[i].get(Field::kVa)));
  }
  Api ra(*ref_, *ref_be_);
  run_op(p, ra, &rrets_);
  oracle.before_op_stale(*ref_, opt_stale);
  for (size_t i = 0; i < events.size(); ++i) {
    if (side[i] == 1) make(i, true);
    if (events[i].kind == OpKind::kEvLockless && outs[i].fired) {
      (*ref_events)[i].value_after = make_on_ref(events[i], true).value;
    }
  }
  OpContext after_ctx = ctx;
  after_ctx.events = accesses;
  oracle.after_op(after_ctx, divs);
  for (size_t k = 0; k < reads.size(); ++k) {
    const size_t i = reads[k];
    const RefEvent& r = (*ref_events)[i];
    oracle.check_lockless(ctx, static_cast<uint32_t>(events[i].get(Field::kMm)),
                          events[i].get(Field::kVa), r.value, r.value_after, pre_bits[k],
                          outs[i].value, outs[i].saw_none, divs);
  }
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
    run_op(p, oa, &orets_);
    il.finish();
    outs = il.outcomes();
  }
  // The events as written: one past the op's last primitive never fires
  // whatever its number, a reader waiting for the one before it starts when
  // that one returns, so the effective program replays this run.
  res->effective.ops.insert(res->effective.ops.end(), events.begin(), events.end());
  // R's side: every event that did something on O but a lockless read
  // (judged against both sides, below). Not an access that
  // faulted there (a spurious fault: the fault handler retries it after the
  // op, and that retry is another access), nor a walk that found nothing to
  // cache (an invalid or old entry mid-change).
  std::vector<size_t> placed;
  for (size_t i = 0; i < events.size(); ++i) {
    const OpKind k = events[i].kind;
    if (!outs[i].fired || k == OpKind::kEvLockless ||
        (k == OpKind::kEvAccess && !access_ok(outs[i].access)) ||
        (k == OpKind::kEvTlbFill && !outs[i].filled)) {
      continue;
    }
    placed.push_back(i);
  }
  Machine::Snapshot snap;
  ref_->save(&snap);
  const Oracle::State base = world_->oracle->save();
  const uint32_t combos = 1u << placed.size();
  const EventRun run{p, events, outs, placed, opt_stale, idx};
  std::vector<Divergence> first;
  std::vector<RefEvent> ref_events;
  for (uint32_t k = 0; k < combos; ++k) {
    if (k > 0) {
      ref_->restore(snap);
      world_->oracle->restore(base);
    }
    std::vector<Divergence> divs;
    judge_linearization(run, linearization_mask(k, static_cast<uint32_t>(placed.size())),
                        &ref_events, &divs);
    if (divs.empty()) {
      first.clear();
      break;
    }
    if (k == 0) first = std::move(divs);
    if (k + 1 == combos && k > 0) {  // none is clean: back to the reported one
      ref_->restore(snap);
      world_->oracle->restore(base);
      divs.clear();
      judge_linearization(run, 0, &ref_events, &divs);
    }
  }
  // Event-level findings on O alone.
  const CheckContext c{*ref_, *opt_, world_->oracle->envelope(), p, idx};
  for (size_t i = 0; i < events.size(); ++i) {
    const EventOutcome& o = outs[i];
    const auto mm = static_cast<uint32_t>(events[i].get(Field::kMm));
    const uint64_t va = events[i].get(Field::kVa);
    if (!o.conflict.empty() && !any_stale_in(opt_stale, mm, o.conflict_va, o.conflict_size)) {
      add_divergence(c, DivClass::kBbm, mm, va,
                     absl::StrCat("at prim ", o.fired_at, ": ", o.conflict), &first);
    }
    if (o.livelock) {
      add_divergence(c, DivClass::kReturnValue, mm, va,
                     absl::StrFormat("ptep_get_lockless on another CPU (from prim %d) kept "
                                     "re-reading long after the op ended: a livelock",
                                     o.fired_at),
                     &first);
    }
  }
  record_step(p, idx, events, &outs, &ref_events, first, res);
  return first;
}

}  // namespace ptediff
