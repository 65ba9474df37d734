// ptediff: the oracle, one step per op (see oracle.h).
#include "subjects/contpte/oracle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "mmu/swp.h"

namespace ptediff {
namespace {

bool is_access(const Ret& r) { return r.type == RetType::kAccess || r.type == RetType::kRetry; }

// Accesses that completed on either side may have set AF/dirty there
// (docs/DESIGN.md §8.4.2 Accesses).
void note_accesses(const std::vector<Ret>& rr, const std::vector<Ret>& orr, const Op& op,
                   Envelope* env) {
  for (size_t i = 0; i < rr.size() && i < orr.size(); ++i) {
    if (!is_access(rr[i]) || !is_access(orr[i])) continue;
    const bool write = access_kind(rr[i], op) == AccessKind::kWrite;
    if (access_ok(static_cast<AccessResult>(rr[i].value)) ||
        access_ok(static_cast<AccessResult>(orr[i].value))) {
      env->note_access(rr[i].range.mm, rr[i].range.va, write);
    }
  }
}

// The blocks either machine wrote, sorted and unique (the machines track
// them as entries are written).
void merge_touched(const Machine& ref, const Machine& opt, std::vector<BlockRef>* out) {
  out->clear();
  const auto& a = ref.touched_blocks();
  const auto& b = opt.touched_blocks();
  // Most ops touch one block on each side, the same one.
  if (a.size() <= 1 && b.size() <= 1) {
    if (!a.empty()) out->push_back(a[0]);
    if (!b.empty() && (a.empty() || !(a[0] == b[0]))) out->push_back(b[0]);
    if (out->size() == 2 && (*out)[1] < (*out)[0]) std::swap((*out)[0], (*out)[1]);
    return;
  }
  out->insert(out->end(), a.begin(), a.end());
  out->insert(out->end(), b.begin(), b.end());
  std::sort(out->begin(), out->end());
  out->erase(std::unique(out->begin(), out->end()), out->end());
}

// A mid-op access as the return of an access op, so that the rules for
// accesses between ops (note_accesses, forgive_tlb_decided) apply unchanged.
std::vector<Ret> event_ret(const EventAccess& a, AccessResult x) {
  return {Ret{RetType::kAccess, Range{a.mm, a.va, 1}, static_cast<uint64_t>(x)}};
}
Op event_op(const EventAccess& a) {
  Op op;
  op.kind = OpKind::kAccess;
  op.set(Field::kMm, a.mm);
  op.set(Field::kVa, a.va);
  op.set(Field::kKind, static_cast<uint64_t>(a.kind));
  return op;
}

// What O's TLB decided of a mid-op access R completed by a walk (only
// accesses O completed are placed on R): a TLB hit forgives young, and dirty
// where the translation was stale when the access was made (§8.4.2).
void forgive_event_tlb_hit(const EventAccess& a, Envelope* env) {
  if (a.ref == AccessResult::kOk && a.opt == AccessResult::kOkTlb) {
    forgive_tlb_hit(a.mm, a.va, a.opt_tlb_stale, env);
  }
}

}  // namespace

Oracle::Oracle(const ptediff_geometry& geo, uint64_t window_pages) : env_(geo, window_pages) {}

void Oracle::reset() { env_.reset(); }

void Oracle::before_op(const OpContext& c) { stale_.before_opt(c.ref, c.opt); }

void Oracle::after_op(const OpContext& o, const OpLogs&, std::vector<Divergence>* out) {
  const CheckContext c{o.ref, o.opt, env_, o.op, o.index, &scratch_, &stale_};
  check_returns(c, o.ref_rets, o.opt_rets, out);  // against the pre-op envelope
  note_accesses(o.ref_rets, o.opt_rets, o.op.op, &env_);
  // Mid-op accesses placed after the op: noted before the update (so that
  // what they allow spreads over the foldable region, as for the op's own
  // accesses) and again after it, since they came after the op's explicit
  // cleans, which must not undo them.
  auto note_events_after = [&] {
    for (const EventAccess& a : o.events) {
      if (a.after) note_accesses(event_ret(a, a.ref), event_ret(a, a.opt), event_op(a), &env_);
    }
  };
  note_events_after();
  merge_touched(o.ref, o.opt, &blocks_);
  env_.update(o.ref, o.op.hints, blocks_);
  // After the update, over the access's whole block: on a contiguous block
  // of O the update it made counts for every entry (the gather).
  const ptediff_geometry& g = o.ref.geo();
  for (const EventAccess& a : o.events) {
    if (!a.after || !(access_ok(a.ref) || access_ok(a.opt))) continue;
    const uint64_t va0 = a.va & ~(block_bytes(g) - 1);
    for (uint32_t k = 0; k < g.cont_ptes; ++k) {
      env_.note_access(a.mm, va0 + k * page_bytes(g), a.kind == AccessKind::kWrite);
    }
  }
  forgive_tlb_decided(o.ref_rets, o.opt_rets, o.opt, o.op.op, &env_);
  for (const EventAccess& a : o.events) forgive_event_tlb_hit(a, &env_);
  check_state(c, blocks_, out);
  check_log(c, out);
  check_locks(c, out);
  check_tlb(c, out);
}

}  // namespace ptediff

namespace ptediff {

void Oracle::before_op_stale(const Machine& ref, std::vector<StalePage> opt_stale) {
  stale_.set(ref, std::move(opt_stale));
}

void Oracle::event_before_op(const Machine& ref, const EventAccess& a) {
  const std::vector<Ret> r = event_ret(a, a.ref), o = event_ret(a, a.opt);
  note_accesses(r, o, event_op(a), &env_);
  const uint64_t block = a.va / block_bytes(ref.geo());
  env_.update(ref, EnvelopeHints{}, {BlockRef{a.mm, block}});
  forgive_event_tlb_hit(a, &env_);
}

void Oracle::check_lockless(const OpContext& o, uint32_t mm, uint64_t va, pte_t before, pte_t after,
                            uint8_t pre_bits, pte_t v, bool saw_none,
                            std::vector<Divergence>* out) {
  // GUP-fast treats an empty entry as "fall back to the slow path": a reader
  // that met its entry cleared mid-change (break-before-make) may return it.
  if (pte_none(v) && saw_none) return;
  const CheckContext c{o.ref, o.opt, env_, o.op, o.index, &scratch_, &stale_};
  std::string bad;
  const ptediff_geometry& g = o.ref.geo();
  if (entry_norm(g, v) != entry_norm(g, before) && entry_norm(g, v) != entry_norm(g, after)) {
    bad = absl::StrFormat(
        "returned %#x, neither R's entry before the op (%#x) nor after it (%#x) beyond "
        "access/dirty/CONT",
        v, before, after);
  } else if (pte_valid(v)) {
    const uint8_t bits = pre_bits | env_.bits(mm, va);
    auto judge = [&](const char* name, bool (*has)(pte_t), uint8_t may, uint8_t excused) {
      if (!bad.empty()) return;
      if (has(before) && has(after) && !has(v) && !(bits & excused)) {
        bad = absl::StrFormat("lost %s (R=%#x before, %#x after, O=%#x)", name, before, after, v);
      } else if (has(v) && !(bits & may)) {
        bad =
            absl::StrFormat("invented %s (R=%#x before, %#x after, O=%#x)", name, before, after, v);
      }
    };
    judge("dirty", pte_dirty, Envelope::kMayD, Envelope::kDirtyExempt);
    judge("young", pte_young, Envelope::kMayY, Envelope::kForgiven);
  }
  if (!bad.empty()) {
    add_divergence(c, DivClass::kReturnValue, mm, va,
                   absl::StrCat("ptep_get_lockless on another CPU: ", bad), out);
  }
}

}  // namespace ptediff
