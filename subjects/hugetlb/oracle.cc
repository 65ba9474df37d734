// ptediff hugetlb: the subject's oracle (oracle.h).
#include "subjects/hugetlb/oracle.h"

#include <string>
#include <utility>

#include "absl/strings/str_format.h"

namespace ptediff::hugetlb {
namespace {

// A divergence at event `ev`'s address (run_program adds the op's index).
void add(std::vector<Divergence>* out, DivClass cls, const Event& ev, std::string what) {
  Divergence d;
  d.cls = cls;
  d.mm = ev.mm;
  d.va = ev.va;
  d.what = std::move(what);
  out->push_back(std::move(d));
}

}  // namespace

void Oracle::after_op(const OpView& v, const OpLogs&, std::vector<Divergence>* out) {
  check_op(v.ref, v.opt, v.op, v.pages, every_page_, v.opt_written, &st_, out);
  reads_missing_ = reads_missing_ || st_.reads_missing;
}

// An event is made on R when it did something on O: an access that
// completed, a walk that cached. An access that faulted on O is not: a fault
// on an entry O holds invalid mid-change is legal, since the fault handler
// takes the PTL, finds the change complete and retries the access (a later
// access); nor is a walk that found nothing to cache.
bool Oracle::placed_on_ref(const Event& ev, const HwEventOutcome& o) {
  return hw_event_took_effect(ev, o);
}

// The walk: O's walk cached a translation (it is placed only then), so R's
// entry must be valid at its place (whether young, and so cached, may
// differ), or O exposed an entry R never has (pte-state).
//
// The access: one O completed by a walk must complete on R at its place
// (return-value). One a cached translation decided on O is not compared: the
// TLB may serve an access until the op's invalidation completes, and a
// translation the op left stale is the tlb check's. A
// hardware dirty update mid-op is never lost: check_op's state and return
// checks demand it wherever R kept it.
void Oracle::judge_event(const Event& ev, const EventRecord& rec, bool ref_mapped,
                         std::vector<Divergence>* out) {
  if (ev.kind == HwEventKind::kTlbFill) {
    if (!ref_mapped) {
      add(out, DivClass::kPteState, ev,
          absl::StrFormat("a walk at prim %d cached O's entry, but R has no valid entry there "
                          "%s",
                          rec.opt.fired_at, place_name(rec.place)));
    }
    return;
  }
  if (rec.opt.access == AccessResult::kOk && !access_ok(rec.ref.access)) {
    add(out, DivClass::kReturnValue, ev,
        absl::StrFormat("a %s access at prim %d completed on O but faults on R %s (%s)",
                        ev.access == AccessKind::kWrite  ? "write"
                        : ev.access == AccessKind::kExec ? "exec"
                                                         : "read",
                        rec.opt.fired_at, place_name(rec.place),
                        access_result_name(rec.ref.access)));
  }
}

// A placement is judged as an op without events is: every check of check_op
// over R's and O's state after the op, the young-uncertain pages carried as
// for any op.
bool Oracle::judge_linearization(const OpView& v, std::vector<Divergence>* out) {
  check_op(v.ref, v.opt, v.op, v.pages, every_page_, v.opt_written, &st_, out);
  reads_missing_ = reads_missing_ || st_.reads_missing;
  return out->empty();
}

}  // namespace ptediff::hugetlb
