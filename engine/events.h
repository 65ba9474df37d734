// ptediff engine: mid-op hardware events, the part every subject shares
// (docs/DESIGN.md §5.7).
//
// A program may list events under an op. Each fires on O's machine before
// the op's backend primitive number `prim` (reads included), made by the
// hardware agent, which the page-table lock does not stop: an access through
// the tables (its access/dirty update lands atomically on the entry in
// memory; an invalid entry faults) or a speculative walk caching a
// translation. HwInterleaver fires them through the machine's primitive hook.
// Judging places every event on R at one of a few points (just before or
// just after the op, ...) and accepts O when one combination of places is
// within the envelope; placement() enumerates the combinations in the order
// they are tried.
#ifndef PTEDIFF_ENGINE_EVENTS_H_
#define PTEDIFF_ENGINE_EVENTS_H_

#include <cstdint>
#include <span>
#include <vector>

#include "mmu/machine.h"

namespace ptediff {

enum class HwEventKind : uint8_t {
  kAccess,   // a CPU access through the tables (the machine's hardware agent)
  kTlbFill,  // a speculative walk caching a translation
};

// One hardware event under an op.
struct HwEvent {
  HwEventKind kind = HwEventKind::kAccess;
  uint32_t prim = 0;  // fires before the op's backend primitive number `prim`
  uint32_t mm = 0;
  uint64_t va = 0;
  AccessKind access = AccessKind::kRead;  // kAccess
  bool block = false;                     // kTlbFill: cache the whole contiguous range
  // The entry of a contiguous range the access/dirty update lands on, or
  // the walk reads (Machine::access, Machine::tlb_fill).
  uint32_t pick = 0;
  bool operator==(const HwEvent&) const = default;
};

// What an event did on the machine it was made on.
struct HwEventOutcome {
  bool fired = false;     // false: past the op's last primitive, so it never fired
  uint32_t fired_at = 0;  // the primitive it fired before
  AccessResult access = AccessResult::kTranslationFault;  // kAccess
  bool filled = false;                                    // kTlbFill: cached something
};

// Makes `ev` on `m` now, as the hardware agent (m's agent is kept).
inline HwEventOutcome make_hw_event(Machine& m, const HwEvent& ev) {
  const Agent was = m.agent();
  m.set_agent(Agent::kHardware);
  HwEventOutcome o;
  o.fired = true;
  if (ev.kind == HwEventKind::kAccess) {
    o.access = m.access(ev.mm, ev.va, ev.access, ev.pick);
  } else {
    o.filled = m.tlb_fill(ev.mm, ev.va, ev.block, ev.pick);
  }
  m.set_agent(was);
  return o;
}

// Whether R must make the event too: it did something on O. An access that
// faulted on O is a spurious fault (the fault handler takes the lock, finds
// the change complete and retries: a later access), a walk that cached
// nothing saw an invalid or old entry mid-change; neither leaves a trace.
inline bool hw_event_took_effect(const HwEvent& ev, const HwEventOutcome& o) {
  if (!o.fired) return false;
  return ev.kind == HwEventKind::kAccess ? access_ok(o.access) : o.filled;
}

// Fires `events` (in firing order) on machine `m` before the primitives
// its backend makes (the machine's agent is kBackend) during the op run
// next; installs itself as m's hook until finish().
class HwInterleaver final : public PrimitiveHook {
 public:
  HwInterleaver(Machine& m, std::span<const HwEvent> events)
      : m_(m), events_(events), out_(events.size()) {
    m_.set_hook(this);
  }
  ~HwInterleaver() override { finish(); }
  HwInterleaver(const HwInterleaver&) = delete;
  HwInterleaver& operator=(const HwInterleaver&) = delete;

  bool on_primitive() override {
    if (m_.agent() != Agent::kBackend) return true;
    for (; next_ < events_.size() && events_[next_].prim <= index_; ++next_) {
      out_[next_] = make_hw_event(m_, events_[next_]);
      out_[next_].fired_at = index_;
    }
    ++index_;
    return true;
  }
  // After the op returned: removes the hook. Events past the op's last
  // primitive never fire (after the op they would be ops of their own).
  void finish() {
    if (done_) return;
    done_ = true;
    m_.set_hook(nullptr);
  }
  // The backend primitives of the op so far.
  uint32_t primitives() const { return index_; }
  const std::vector<HwEventOutcome>& outcomes() const { return out_; }

 private:
  Machine& m_;
  std::span<const HwEvent> events_;
  std::vector<HwEventOutcome> out_;
  size_t next_ = 0;
  uint32_t index_ = 0;
  bool done_ = false;
};

// The number of combinations of places when event i has radix[i] places.
inline uint64_t placements(std::span<const uint32_t> radix) {
  uint64_t n = 1;
  for (uint32_t r : radix) n *= r;
  return n;
}

// Combination number k (below placements(radix)) in the order tried: every
// event at its place 0, every event at its place 1 (when it has one), then
// the others in mixed-radix order, event 0 the lowest digit. *place[i] gets
// event i's place. With two places per event (0 before the op, 1 after) the
// digits are the bits of a mask: all before, all after, then the mixed ones.
inline void placement(uint64_t k, std::span<const uint32_t> radix, std::vector<uint32_t>* place) {
  uint64_t ones = 0, stride = 1;
  for (uint32_t r : radix) {
    if (r > 1) ones += stride;
    stride *= r;
  }
  uint64_t index = k == 0 ? 0 : k == 1 ? ones : k - 1;
  if (k >= 2 && index >= ones) ++index;
  place->resize(radix.size());
  for (size_t i = 0; i < radix.size(); ++i) {
    (*place)[i] = static_cast<uint32_t>(index % radix[i]);
    index /= radix[i];
  }
}

// The same as a mask (bit i: event i after the op) for n events of two
// places each, combination k of 1 << n.
inline uint32_t linearization_mask(uint32_t k, uint32_t n) {
  const std::vector<uint32_t> radix(n, 2);
  std::vector<uint32_t> place;
  placement(k, radix, &place);
  uint32_t mask = 0;
  for (uint32_t i = 0; i < n; ++i) mask |= place[i] << i;
  return mask;
}

}  // namespace ptediff

#endif  // PTEDIFF_ENGINE_EVENTS_H_
