// ptediff: the contpte oracle's rules for ops with mid-op events
// (docs/DESIGN.md §5.7, §8.4.8; the calls are listed in oracle.h).
//
// Every contpte function runs under the page-table lock against agents the
// lock does not stop: the hardware (access flag and dirty updates, walks that
// cache entries) and lockless readers (GUP-fast's ptep_get_lockless). R is
// the specification: an event that happened in the middle of O's op takes
// effect on R just before or just after R's whole op, and the executor tries
// the placements until one is clean. What follows decides which events are
// placed, and what each placement, and O alone, must show.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/contpte/oracle.h"
#include "subjects/contpte/text.h"

namespace ptediff {

// An event is made on R when it did something on O, but for a lockless read
// (it happened while the op was half done: judge_linearization compares it
// with R's reads on both sides). Not an access that faulted on O: a fault on
// an entry O holds invalid mid-change is legal, since the fault handler takes
// the PTL, finds the change complete and retries the access (a later access);
// nor a walk that found nothing to cache (an invalid or old entry mid-change).
bool Oracle::placed_on_ref(const Op& ev, const EventOutcome& o) {
  const OpKind k = ev.kind;
  return o.fired && k != OpKind::kEvLockless && !(k == OpKind::kEvAccess && !access_ok(o.access)) &&
         !(k == OpKind::kEvTlbFill && !o.filled);
}

void Oracle::begin_linearization() {
  lin_accesses_.clear();
  lin_reads_.clear();
  lin_pre_bits_.clear();
}

// A walk that cached on O and an access that completed on O, as R made them
// at their place.
//
// The walk: O's walk cached a translation (it is placed only then), so R's
// entry must be valid at its place (whether young, and so cached, may differ:
// O spreads access flags over a block), or the walk saw an entry R never has
// (pte-state); the two TLBs go on holding what the same walk would cache.
//
// The access must complete on R too. As for accesses between ops (stale.h
// access_results_compatible), a result decided by a stale cached translation
// (on either side, when the access was made; for O also one already stale
// before the op, a flush a caller deferred, which the op's own half-done
// changes may make look current), or a fault the arm64 fault path fixes (R's
// per-entry access flags where O updated the block), does not make the
// linearization impossible. Placed before the op, the envelope takes the
// access and R's state after it (event_before_op), as for an access op;
// placed after, judge_linearization hands it to after_op, which notes it
// after the op's explicit cleans too. A hardware dirty update mid-op is thus
// never lost: the ordinary state and return checks against the envelope
// demand it wherever R kept it.
void Oracle::judge_event(const OpContext& c, const EventRun& run, size_t i, const RefEvent& r,
                         std::vector<Divergence>* out) {
  const Op& ev = run.events[i];
  const EventOutcome& o = run.outs[i];
  const bool after = r.after;
  const uint32_t mm = static_cast<uint32_t>(ev.get(Field::kMm));
  const uint64_t va = ev.get(Field::kVa);
  if (ev.kind == OpKind::kEvTlbFill && !r.mapped) {
    add_divergence(CheckContext{c.ref, c.opt, env_, c.op, c.index}, DivClass::kPteState, mm, va,
                   absl::StrFormat("a walk at prim %d cached O's entry, but R has no valid "
                                   "entry there %s the op",
                                   o.fired_at, after ? "after" : "before"),
                   out);
  }
  if (ev.kind != OpKind::kEvAccess) return;
  const bool hafdbs = (c.ref.features() & PTEDIFF_FEAT_HAFDBS) != 0;
  const bool opt_stale_tlb =
      o.tlb_stale || (o.access == AccessResult::kOkTlb &&
                      any_stale_in(run.opt_stale, mm, va, page_bytes(c.ref.geo())));
  const auto kind = static_cast<AccessKind>(ev.get(Field::kKind));
  const EventAccess a{mm, va, kind, r.access, o.access, after, opt_stale_tlb};
  lin_accesses_.push_back(a);
  if (!access_ok(r.access) && !r.tlb_stale && !opt_stale_tlb &&
      !access_ok(after_fault_path(r.access, c.ref.peek(mm, va), a.kind, hafdbs))) {
    add_divergence(
        CheckContext{c.ref, c.opt, env_, c.op, c.index}, DivClass::kReturnValue, mm, va,
        absl::StrFormat("a %s access at prim %d completed on O (%s) but faults on R placed %s "
                        "the op (%s)",
                        format_value(Field::kKind, ev.get(Field::kKind)), o.fired_at,
                        access_result_name(o.access), after ? "after" : "before",
                        access_result_name(r.access)),
        out);
  }
  if (!after) event_before_op(c.ref, a);
}

// The envelope's bits before the op are taken in the read's order with the
// events placed before the op (an access O made after the read is not in R's
// read before the op either).
void Oracle::lockless_before_op(const EventRun& run, size_t i) {
  lin_reads_.push_back(i);
  lin_pre_bits_.push_back(env_.bits(static_cast<uint32_t>(run.events[i].get(Field::kMm)),
                                    run.events[i].get(Field::kVa)));
}

// A lockless read happened while the op was half done: what it returns must
// be one of R's reads just before and just after the op in pfn and
// permissions, and each access/dirty bit must be allowed on one side (a block
// being cleaned entry by entry may show young already gone and dirty not
// yet); check_lockless has the rule. contpte_ptep_get_lockless reads without
// the PTL while the range "may be unfolded/modified/refolded under our feet"
// and retries until the block is consistent, so it may return any such value,
// but never one no linearization of the op gives. The reads are judged after
// the op's own checks, with the envelope of both sides of the op.
bool Oracle::judge_linearization(const OpContext& c, const EventRun& run,
                                 std::span<const RefEvent> ref, std::vector<Divergence>* out) {
  OpContext after_ctx = c;
  after_ctx.events = lin_accesses_;
  after_op(after_ctx, out);
  for (size_t k = 0; k < lin_reads_.size(); ++k) {
    const size_t i = lin_reads_[k];
    const RefEvent& r = ref[i];
    check_lockless(c, static_cast<uint32_t>(run.events[i].get(Field::kMm)),
                   run.events[i].get(Field::kVa), r.value, r.value_after, lin_pre_bits_[k],
                   run.outs[i].value, run.outs[i].saw_none, out);
  }
  return out->empty();
}

// On O alone, whatever R made of the events:
//
// A walk that caches a translation of one size while the TLB holds one of
// another size for the same address, the older cached from tables of another
// shape (a block whose CONT bit has since changed), is a TLB conflict (bbm).
// The Interleaver reports one only without BBML2_NOABORT, whose hardware
// tolerates a size-only change (83bbd6be7d17 "arm64/mm: Elide tlbi in
// contpte_convert() under BBML2"); it is forgiven when the older entry was
// already stale before the op (a flush a caller deferred, the caller's).
//
// A lockless reader still re-reading long after the op ended is livelocked
// (return-value): contpte_ptep_get_lockless starts again only while the block
// is not valid, contiguous and of one prot, which a completed op must not
// leave it.
void Oracle::judge_opt_events(const OpContext& c, const EventRun& run,
                              std::vector<Divergence>* out) {
  const CheckContext cc{c.ref, c.opt, env_, c.op, c.index};
  for (size_t i = 0; i < run.events.size(); ++i) {
    const EventOutcome& o = run.outs[i];
    const auto mm = static_cast<uint32_t>(run.events[i].get(Field::kMm));
    const uint64_t va = run.events[i].get(Field::kVa);
    if (!o.conflict.empty() && !any_stale_in(run.opt_stale, mm, o.conflict_va, o.conflict_size)) {
      add_divergence(cc, DivClass::kBbm, mm, va,
                     absl::StrCat("at prim ", o.fired_at, ": ", o.conflict), out);
    }
    if (o.livelock) {
      add_divergence(cc, DivClass::kReturnValue, mm, va,
                     absl::StrFormat("ptep_get_lockless on another CPU (from prim %d) kept "
                                     "re-reading long after the op ended: a livelock",
                                     o.fired_at),
                     out);
    }
  }
}

}  // namespace ptediff
