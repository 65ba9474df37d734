// ptediff hugetlb: ops with mid-op events (see interleave.h).
#include "subjects/hugetlb/interleave.h"

#include <algorithm>
#include <span>
#include <utility>

#include "absl/strings/str_cat.h"
#include "subjects/hugetlb/oracle.h"

namespace ptediff::hugetlb {
namespace {

// O's backend calls as spans [begin, end) of its primitives, numbered as
// the interleaver numbers them.
class CallSpans final : public CallObserver {
 public:
  explicit CallSpans(const HwInterleaver& il) : il_(il) {}
  void call_begins() override { begin_ = il_.primitives(); }
  void call_returned(uint32_t) override { spans_.emplace_back(begin_, il_.primitives()); }

  // The places on R of an event that fired before O's primitive `at`:
  // before and after the op; before and after the call it fired inside, or
  // (fired before a call's first primitive, or between calls) the point
  // after the calls that had returned.
  std::vector<uint32_t> places(uint32_t at) const {
    std::vector<uint32_t> p = {kPlaceBefore, kPlaceAfter};
    auto after = [&](uint32_t calls) {
      const uint32_t v = kPlaceAfterCalls + calls;
      if (calls > 0 && std::find(p.begin(), p.end(), v) == p.end()) p.push_back(v);
    };
    uint32_t returned = 0;
    for (uint32_t c = 0; c < spans_.size(); ++c) {
      const auto [begin, end] = spans_[c];
      if (begin < at && at < end) {
        after(c);
        after(c + 1);
        return p;
      }
      if (end <= at) ++returned;
    }
    after(returned);
    return p;
  }

 private:
  const HwInterleaver& il_;
  uint32_t begin_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> spans_;
};

// Makes the events on R at their places of one combination, the oracle
// judging each against what it did on O.
class RefPlacer final : public CallObserver {
 public:
  RefPlacer(Side& r, std::span<const Event> events, const std::vector<uint32_t>& place,
            std::vector<EventRecord>* records, std::vector<Divergence>* out)
      : r_(r), events_(events), place_(place), records_(records), out_(out) {}

  void call_returned(uint32_t calls) override { make_at(kPlaceAfterCalls + calls); }

  // Makes every event placed at `place` (in firing order).
  void make_at(uint32_t place) {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (place_[i] == place) make(i, place);
    }
  }
  // After the op: every event placed after it, and those placed after a
  // call R never made (R took another path: the checks say so).
  void make_rest() {
    for (size_t i = 0; i < events_.size(); ++i) {
      if (place_[i] != kNotPlaced && !(*records_)[i].ref.fired) make(i, kPlaceAfter);
    }
  }

 private:
  void make(size_t i, uint32_t place) {
    const Event& ev = events_[i];
    EventRecord& rec = (*records_)[i];
    const HState& h = r_.hstate();
    const bool mapped = pte_valid(r_.machine().peek_level(ev.mm, ev.va, h.level));
    rec.place = place;
    rec.ref = make_hw_event(r_.machine(), ev);
    Oracle::judge_event(ev, rec, mapped, out_);
  }

  Side& r_;
  std::span<const Event> events_;
  const std::vector<uint32_t>& place_;
  std::vector<EventRecord>* records_;
  std::vector<Divergence>* out_;
};

// R's op with the events placed as `place` says, the oracle judging each
// event and then the op; returns whether the combination is clean.
bool judge(Side& r, const Side& o, const Op& op, const PageIndex& pages,
           const std::vector<uint32_t>& place, Oracle* oracle, std::vector<EventRecord>* records,
           std::vector<Divergence>* out) {
  for (EventRecord& rec : *records) {
    rec.ref = HwEventOutcome{};
    rec.place = kNotPlaced;
  }
  RefPlacer placer(r, op.events, place, records, out);
  placer.make_at(kPlaceBefore);
  r.set_call_observer(&placer);
  r.run_flow(op);
  r.set_call_observer(nullptr);
  placer.make_rest();
  return oracle->judge_linearization(OpView{r, o, op, pages}, out);
}

}  // namespace

std::string place_name(uint32_t place) {
  if (place == kPlaceBefore) return "before the op";
  if (place == kPlaceAfter) return "after the op";
  if (place == kNotPlaced) return "not made on R";
  return absl::StrCat("after its call ", place - kPlaceAfterCalls);
}

void run_op_with_events(Side& r, Side& o, const Op& op, const PageIndex& pages, Oracle* oracle,
                        std::vector<EventRecord>* records, std::vector<Divergence>* out) {
  // O first, under interference, its backend calls timed.
  std::vector<std::vector<uint32_t>> places(op.events.size());
  records->assign(op.events.size(), EventRecord{});
  {
    HwInterleaver il(o.machine(), op.events);
    CallSpans spans(il);
    o.set_call_observer(&spans);
    o.run_flow(op);
    o.set_call_observer(nullptr);
    il.finish();
    for (size_t i = 0; i < op.events.size(); ++i) {
      (*records)[i].opt = il.outcomes()[i];
      places[i] = Oracle::placed_on_ref(op.events[i], il.outcomes()[i])
                      ? spans.places(il.outcomes()[i].fired_at)
                      : std::vector<uint32_t>{kNotPlaced};
    }
  }
  std::vector<uint32_t> radix;
  for (const std::vector<uint32_t>& p : places) radix.push_back(static_cast<uint32_t>(p.size()));
  const uint64_t combos = placements(radix);
  r.mark();
  const Oracle::State base = oracle->save();
  std::vector<uint32_t> digit, place(op.events.size());
  std::vector<Divergence> first;
  for (uint64_t k = 0; k < combos; ++k) {
    if (k > 0) {
      r.rewind();
      oracle->restore(base);
    }
    placement(k, radix, &digit);
    for (size_t i = 0; i < place.size(); ++i) place[i] = places[i][digit[i]];
    std::vector<Divergence> divs;
    if (judge(r, o, op, pages, place, oracle, records, &divs)) {
      first.clear();
      break;
    }
    if (k == 0) first = std::move(divs);
    if (k + 1 == combos && k > 0) {  // none is clean: back to the reported one
      r.rewind();
      oracle->restore(base);
      placement(0, radix, &digit);
      for (size_t i = 0; i < place.size(); ++i) place[i] = places[i][digit[i]];
      divs.clear();
      judge(r, o, op, pages, place, oracle, records, &divs);
    }
  }
  r.unmark();
  out->insert(out->end(), first.begin(), first.end());
}

}  // namespace ptediff::hugetlb
