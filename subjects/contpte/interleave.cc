// ptediff: interference inside one op (see interleave.h).
#include "subjects/contpte/interleave.h"

#include <cstdio>
#include <cstdlib>

#include "absl/strings/str_format.h"
#include "subjects/contpte/stale.h"

namespace ptediff {
namespace {

// Whether a walk of (mm, va) would cache a translation of another size than
// one the TLB already holds for an overlapping range; if so describes it in *o.
void tlb_conflict(const Machine& m, uint32_t mm, uint64_t va, bool block, EventOutcome* o) {
  const ptediff_geometry& g = m.geo();
  const uint64_t page = 1ULL << g.page_shift, bsize = page * g.cont_ptes;
  // Both sizes may legitimately be cached from one valid contiguous block
  // (the contiguous bit is a hint); they conflict when the older entry was
  // cached from tables of another shape, a break-before-make the op skipped.
  const bool cont_now = pte_valid_cont(m.peek(mm, va & ~(page - 1)));
  const uint64_t size = block && cont_now ? bsize : page;
  const uint64_t start = va & ~(size - 1);
  for (const TlbEntry& t : m.tlb().entries()) {
    if (t.mm != mm || t.size == size || t.va >= start + size || start >= t.va + t.size ||
        pte_cont(t.pte) == cont_now) {
      continue;
    }
    o->conflict = absl::StrFormat(
        "mm=%u va=%#x: a walk cached a %#x-byte translation while the TLB held a %#x-byte one "
        "at %#x (TLB conflict without BBML2)",
        mm, start, size, t.size, t.va);
    o->conflict_va = t.va;
    o->conflict_size = t.size;
    return;
  }
}

}  // namespace

Interleaver::Interleaver(Machine& m, const ptediff_backend& be, std::span<const Op> events)
    : m_(m), be_(be), events_(events), out_(events.size()) {
  budget_ = pass_reads(m.geo());
  // The reader's reads are logged: the judge asks whether it saw its entry invalid.
  log_reads_was_ = m.log_reads();
  m_.set_log_reads(true);
  m_.set_hook(this);
}

Interleaver::~Interleaver() { finish(); }

bool Interleaver::on_primitive() {
  if (m_.agent() == Agent::kReader) return reader_step();
  if (reader_running_) run_reader();  // the spinning reader sees one more step
  fire_due();
  ++index_;
  return true;
}

void Interleaver::finish() {
  if (writer_done_) return;
  writer_done_ = true;
  // A reader still waiting finishes on the final state. Events past the
  // op's last primitive do not fire: after the op they would be ops of
  // their own (access, tlb_fill, ptep_get_lockless), judged as such.
  if (reader_running_) run_reader();
  m_.set_hook(nullptr);
  m_.set_log_reads(log_reads_was_);
}

void Interleaver::fire_due() {
  while (next_ < events_.size() && events_[next_].get(Field::kPrim) <= index_) {
    // One reader at a time: a second waits until the first has returned.
    if (events_[next_].kind == OpKind::kEvLockless && reader_running_) return;
    fire(next_++);
  }
}

void Interleaver::fire(size_t i) {
  const Op& ev = events_[i];
  EventOutcome& o = out_[i];
  o.fired = true;
  o.fired_at = index_;
  const auto mm = static_cast<uint32_t>(ev.get(Field::kMm));
  const uint64_t va = ev.get(Field::kVa);
  const auto pick = static_cast<uint32_t>(ev.get(Field::kPick));
  const Agent was = m_.agent();
  m_.set_agent(Agent::kHardware);
  switch (ev.kind) {
    case OpKind::kEvAccess:
      o.tlb_stale = tlb_decided_stale(m_, mm, va);
      o.access = m_.access(mm, va, static_cast<AccessKind>(ev.get(Field::kKind)), pick);
      break;
    case OpKind::kEvTlbFill: {
      const bool block = ev.get(Field::kBlock) != 0;
      if ((m_.features() & PTEDIFF_FEAT_BBML2) == 0) tlb_conflict(m_, mm, va, block, &o);
      o.filled = m_.tlb_fill(mm, va, block, pick);
      if (!o.filled) o.conflict.clear();
      break;
    }
    case OpKind::kEvLockless:
      m_.set_agent(was);
      start_reader(i);
      return;
    default:
      break;
  }
  m_.set_agent(was);
}

void Interleaver::start_reader(size_t i) {
  reader_event_ = i;
  reader_reads_ = reads_after_op_ = 0;
  reader_running_ = true;
  reader_log_start_ = m_.log().size();
  const Op& ev = events_[i];
  ptediff_mm* mm = m_.mm(static_cast<uint32_t>(ev.get(Field::kMm)));
  const uint64_t va = ev.get(Field::kVa);
  reader_ = std::thread([this, mm, va] {
    {
      std::unique_lock<std::mutex> lk(mu_);
      cv_.wait(lk, [this] { return reader_turn_; });
    }
    const pte_t v = be_.ptep_get_lockless(m_.abi(), mm, va);
    out_[reader_event_].value = v;
    std::lock_guard<std::mutex> lk(mu_);
    reader_running_ = false;
    reader_turn_ = false;
    cv_.notify_all();
  });
  run_reader();
}

void Interleaver::run_reader() {
  const Agent was = m_.agent();
  m_.set_agent(Agent::kReader);
  {
    std::unique_lock<std::mutex> lk(mu_);
    reader_turn_ = true;
    cv_.notify_all();
    cv_.wait(lk, [this] { return !reader_turn_; });
  }
  m_.set_agent(was);
  if (reader_running_ || !reader_.joinable()) return;
  reader_.join();
  // Whether the reader found its own entry invalid at some read: then an
  // empty result is what a lockless reader legitimately sees mid-change.
  const Op& ev = events_[reader_event_];
  const auto& log = m_.log();
  for (size_t k = reader_log_start_; k < log.size(); ++k) {
    const LogRec& r = log[k];
    if (r.agent == Agent::kReader && r.prim == Prim::kRead && r.mm == ev.get(Field::kMm) &&
        r.addr == ev.get(Field::kVa) && !pte_valid(r.val)) {
      out_[reader_event_].saw_none = true;
    }
  }
}

void Interleaver::yield_to_writer() {
  std::unique_lock<std::mutex> lk(mu_);
  reader_turn_ = false;
  cv_.notify_all();
  cv_.wait(lk, [this] { return reader_turn_; });
}

bool Interleaver::reader_step() {
  ++reader_reads_;
  EventOutcome& o = out_[reader_event_];
  if (writer_done_) {
    if (++reads_after_op_ <= livelock_reads(m_.geo())) return true;
    o.livelock = true;
    if (reads_after_op_ > 2 * livelock_reads(m_.geo())) {
      std::fprintf(stderr, "ptediff: backend '%s': ptep_get_lockless never returns\n", be_.name);
      std::exit(2);
    }
    return false;
  }
  if (reader_reads_ > budget_) yield_to_writer();
  return true;
}

void run_op_bounded(const Prepared& p, Api& api, std::vector<Ret>* rets) {
  if (p.op.kind != OpKind::kPtepGetLockless) {
    run_op(p, api, rets);
    return;
  }
  ReadCap cap(api.machine(), livelock_reads(api.geo()));
  run_op(p, api, rets);
}

}  // namespace ptediff
