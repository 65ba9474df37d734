// ptediff conformance: the stateful differential property (see property_test_util.h).
#include "subjects/contpte/property_test_util.h"

#include <rapidcheck/detail/Configuration.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <vector>

#include "absl/strings/str_format.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

using K = OpKind;
namespace gen = rc::gen;

// What the last few ops named: ops that interact need the same mm and pages.
struct Recent {
  uint32_t mm = 0;              // the mm of the last op that names one
  std::vector<uint64_t> pages;  // page numbers, most recent first
  // The last values of operands neighbouring ops tend to share (write
  // permission, physical placement), when some op named them.
  std::optional<uint64_t> write, place;
};

// Page index of an address operand: often an address a recent op named (the
// same page, a neighbour, either end of its block), else mostly inside the
// first four blocks (either end of a block, or anywhere in it), sometimes
// anywhere.
rc::Gen<uint64_t> gen_page(uint32_t n, uint64_t window, const std::vector<uint64_t>& recent) {
  const auto in_block = [n](uint64_t block) {
    return gen::map(gen::weightedOneOf<uint64_t>({{2, gen::just<uint64_t>(0)},
                                                  {1, gen::just<uint64_t>(n - 1)},
                                                  {3, gen::inRange<uint64_t>(0, n)}}),
                    [n, block](uint64_t off) { return block * n + off; });
  };
  const auto near = gen::exec([in_block] { return *in_block(*gen::inRange<uint64_t>(0, 4)); });
  const auto anywhere = gen::inRange<uint64_t>(0, window);
  if (recent.empty()) return gen::weightedOneOf<uint64_t>({{8, near}, {1, anywhere}});
  const auto again = gen::exec([recent, in_block, n, window] {
    const uint64_t p = *gen::weightedOneOf<uint64_t>(
        {{4, gen::just(recent.front())}, {3, gen::elementOf(recent)}});
    const uint64_t q = *gen::weightedOneOf<uint64_t>(
        {{6, gen::just(p)}, {1, gen::just(p + 1)}, {1, gen::just(p - 1)}, {2, in_block(p / n)}});
    return q % window;
  });
  return gen::weightedOneOf<uint64_t>({{6, again}, {4, near}, {1, anywhere}});
}

// The last value `last` half the time, when there is one, else `fresh`.
rc::Gen<uint64_t> sticky(const std::optional<uint64_t>& last, rc::Gen<uint64_t> fresh) {
  if (!last) return fresh;
  return gen::weightedOneOf<uint64_t>({{1, gen::just(*last)}, {1, std::move(fresh)}});
}

rc::Gen<uint64_t> gen_field(Field f, const ptediff_geometry& geo, uint64_t window,
                            const Recent& recent, bool deferred) {
  const uint32_t n = geo.cont_ptes;
  const uint64_t log_n = static_cast<uint64_t>(__builtin_ctz(n));
  switch (f) {
    case Field::kMm:
      return gen::weightedOneOf<uint64_t>(
          {{recent.pages.empty() ? 0u : 6u, gen::just<uint64_t>(recent.mm)},
           {4, gen::weightedElement<uint64_t>({{8, 0}, {2, 1}, {1, 2}})}});
    case Field::kVa:
    case Field::kDst:
      return gen::map(gen_page(n, window, recent.pages),
                      [shift = geo.page_shift](uint64_t p) { return p << shift; });
    case Field::kNr:
      return gen::weightedOneOf<uint64_t>({{3, gen::just<uint64_t>(1)},
                                           {3, gen::inRange<uint64_t>(1, n + 1)},
                                           {3, gen::just<uint64_t>(n)},
                                           {1, gen::just<uint64_t>(2 * n)},
                                           {1, gen::inRange<uint64_t>(1, window + 1)}});
    case Field::kOrder:
      return gen::weightedOneOf<uint64_t>({{2, gen::just<uint64_t>(0)},
                                           {3, gen::just(log_n - 1)},
                                           {4, gen::just(log_n)},
                                           {2, gen::just(log_n + 1)},
                                           {1, gen::inRange<uint64_t>(0, pmd_order(geo) + 1)}});
    case Field::kIdx:
      return gen::weightedOneOf<uint64_t>(
          {{3, gen::just<uint64_t>(0)},
           {3, gen::inRange<uint64_t>(0, 2 * n)},
           {1, gen::inRange<uint64_t>(0, field_max(f, geo, window) + 1)}});
    case Field::kFolio:
      return gen::inRange<uint64_t>(0, 8);
    case Field::kPick:
      return gen::inRange<uint64_t>(0, n);
    case Field::kProt:
      // Only protections arm64 maps: a valid user entry without DBM write
      // permission is always RDONLY (PAGE_READONLY, PAGE_EXECONLY); one that
      // is neither is hardware-writable behind the kernel's back.
      // Deferred: executable mappings too (a stale translation may refuse
      // an exec its table now grants).
      return gen::map(
          gen::weightedOneOf<uint64_t>(
              {{4, gen::element<uint64_t>(kProtYoung | kProtWrite | kProtRdonly,
                                          kProtYoung | kProtDirty | kProtWrite,
                                          kProtWrite | kProtRdonly, kProtYoung | kProtRdonly)},
               {deferred ? 2u : 0u,
                gen::element<uint64_t>(kProtYoung | kProtRdonly | kProtExec,
                                       kProtRdonly | kProtExec,
                                       kProtYoung | kProtDirty | kProtWrite | kProtExec)},
               {1, gen::inRange<uint64_t>(0, kProtAll + 1)}}),
          [](uint64_t prot) { return prot & kProtWrite ? prot : prot | kProtRdonly; });
    case Field::kPlace:
      return sticky(recent.place, gen::weightedElement<uint64_t>({{4, 0}, {1, 1}, {1, 2}}));
    case Field::kKind:
      return gen::weightedElement<uint64_t>({{2, 0}, {3, 1}, {deferred ? 2u : 1u, 2}});
    case Field::kWrite:
      return sticky(recent.write, gen::weightedElement<uint64_t>({{1, 0}, {3, 1}}));
    case Field::kSlot:  // 8: the offset bit where a valid entry keeps DBM; 16: CONT
      return gen::weightedElement<uint64_t>({{3, 0}, {2, 8}, {1, 16}, {1, 31}});
    case Field::kBlock:  // deferred: a walk mostly caches the whole block
      if (!deferred) break;
      return gen::weightedElement<uint64_t>({{4, 1}, {1, 0}});
    case Field::kPrim:  // an event fires early in an op, before its first writes, or anywhere
      return gen::weightedOneOf<uint64_t>({{3, gen::just<uint64_t>(0)},
                                           {3, gen::inRange<uint64_t>(1, 9)},
                                           {2, gen::inRange<uint64_t>(9, 4 * geo.cont_ptes + 9)}});
    default:
      break;
  }
  return gen::inRange<uint64_t>(0, field_max(f, geo, window) + 1);
}

// Op kinds, weighted toward what builds and observes contpte state: faults,
// hardware accesses, the flows that fold, unfold and clean blocks, and the
// getters whose gathered values a broken backend gets wrong.
rc::Gen<OpKind> gen_kind() {
  return gen::weightedElement<OpKind>({
      {6, K::kFault},
      {5, K::kSetPtes},
      {2, K::kFolioAlloc},
      {8, K::kAccess},
      {1, K::kTlbFill},
      {3, K::kFork},
      {2, K::kZap},
      {2, K::kMprotect},
      {3, K::kMadvFree},
      {2, K::kReferenced},
      {1, K::kMkclean},
      {4, K::kWpFault},
      {2, K::kMremap},
      {1, K::kSplitPmd},
      {3, K::kPtepGet},
      {1, K::kPtepGetLockless},
      {1, K::kPteClear},
      {1, K::kPtepGetAndClear},
      {1, K::kPtepClearFlush},
      {1, K::kPtepTestAndClearYoung},
      {1, K::kPtepClearFlushYoung},
      {1, K::kPtepSetWrprotect},
      {2, K::kWrprotectPtes},
      {2, K::kPtepSetAccessFlags},
      {1, K::kClearFullPtes},
      {2, K::kGetAndClearFullPtes},
      {1, K::kClearYoungDirtyPtes},
      {2, K::kPtepModifyProt},
      {1, K::kPteBatchHint},
      {1, K::kMprotectNone},
      {1, K::kNumaFault},
      {1, K::kSwapOut},
      {1, K::kSwapIn},
      {1, K::kTryToMigrate},
      {1, K::kRemoveMigration},
      {1, K::kUffdWp},
  });
}

// The kind of the next op given the previous one: half the time a kind that
// typically follows it in the kernel (a mapping is then accessed, cleaned or
// forked; an access is then observed by a getter or a fault handler, or its
// block is unfolded), else any kind.
rc::Gen<OpKind> gen_next_kind(OpKind prev) {
  switch (prev) {
    case K::kFault:
    case K::kSetPtes:
    case K::kSplitPmd:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()},
           {1, gen::element(K::kAccess, K::kMadvFree, K::kReferenced, K::kFork, K::kFault,
                            K::kMprotect, K::kMprotectNone)}});
    case K::kAccess:
    case K::kTlbFill:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()},
           {1, gen::element(K::kPtepGet, K::kWpFault, K::kAccess, K::kPtepGetAndClear,
                            K::kPtepSetWrprotect, K::kZap, K::kPtepSetAccessFlags)}});
    // Non-present entries are then copied, zapped, read or made present again.
    case K::kMprotectNone:
      return gen::weightedOneOf<OpKind>({{1, gen_kind()},
                                         {1, gen::weightedElement<OpKind>({{3, K::kFork},
                                                                           {1, K::kNumaFault},
                                                                           {1, K::kMprotect},
                                                                           {1, K::kZap},
                                                                           {1, K::kPtepGet}})}});
    case K::kSwapOut:
    case K::kTryToMigrate:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()},
           {1, gen::element(K::kSwapIn, K::kRemoveMigration, K::kFork, K::kZap, K::kPtepGet,
                            K::kUffdWp, K::kMremap)}});
    default:
      return gen_kind();
  }
}

// The calls that leave their flush to a caller (mmu_gather, fork's
// flush_tlb_mm, mprotect's flush_tlb_range, MADV_FREE's tlb_finish_mmu).
rc::Gen<OpKind> gen_deferring_kind() {
  return gen::weightedElement<OpKind>({{3, K::kClearYoungDirtyPtes},
                                       {3, K::kClearFullPtes},
                                       {3, K::kGetAndClearFullPtes},
                                       {3, K::kWrprotectPtes},
                                       {2, K::kPtepSetWrprotect},
                                       {2, K::kPtepGetAndClear},
                                       {1, K::kPteClear},
                                       {2, K::kPtepModifyProt},
                                       {1, K::kPtepTestAndClearYoung}});
}

// Ops that walk the tables, unfold a block or map it again: what meets a
// translation whose flush is still owed.
rc::Gen<OpKind> gen_meeting_kind() {
  return gen::weightedElement<OpKind>({{5, K::kAccess},
                                       {2, K::kTlbFill},
                                       {3, K::kSetPtes},
                                       {2, K::kFault},
                                       {3, K::kWpFault},
                                       {3, K::kPtepSetAccessFlags},
                                       {2, K::kPtepClearFlush},
                                       {2, K::kPtepClearFlushYoung},
                                       {2, K::kReferenced},
                                       {1, K::kMkclean},
                                       {2, K::kMprotect},
                                       {1, K::kMremap},
                                       {1, K::kZap},
                                       {1, K::kFork},
                                       {1, K::kMadvFree},
                                       {1, K::kPtepGet},
                                       {1, K::kPtepGetLockless}});
}

// The kind of the next op in the deferred-flush mode: a mapping is cached
// whole, a cached block is cleaned, cleared or write-protected by a call
// whose flush is its caller's, and what that leaves stale is then met by a
// walk, an unfold or a new mapping; sometimes any kind.
rc::Gen<OpKind> gen_deferred_kind(OpKind prev) {
  switch (prev) {
    case K::kFault:
    case K::kSetPtes:
    case K::kSplitPmd:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()},
           {4, gen::weightedElement<OpKind>({{3, K::kTlbFill}, {2, K::kAccess}})},
           {2, gen_deferring_kind()}});
    case K::kTlbFill:
    case K::kAccess:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()}, {4, gen_deferring_kind()}, {2, gen_meeting_kind()}});
    case K::kClearYoungDirtyPtes:
    case K::kClearFullPtes:
    case K::kGetAndClearFullPtes:
    case K::kWrprotectPtes:
    case K::kPtepSetWrprotect:
    case K::kPtepGetAndClear:
    case K::kPteClear:
    case K::kPtepModifyProt:
    case K::kPtepTestAndClearYoung:
      return gen::weightedOneOf<OpKind>(
          {{1, gen_kind()}, {5, gen_meeting_kind()}, {1, gen_deferring_kind()}});
    default:
      return gen::weightedOneOf<OpKind>(
          {{2, gen_kind()}, {1, gen_deferring_kind()}, {2, gen_meeting_kind()}});
  }
}

// The model: the ops generated so far. The system: what O is and its header.
struct OpList {
  std::vector<Op> ops;
};
struct Target {
  Header header;
  const ptediff_backend* opt;
};

// Reports nothing: the outcome is returned to the caller, and rapidcheck's
// default listener would print a reproduction string for every expected
// failure (mutants) at exit.
class QuietListener : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

std::string failure_text(const RunResult& r) {
  const Divergence& d = r.divergences.front();
  return absl::StrFormat("divergence [%s] at op %d: %s\n%s", div_class_name(d.cls), d.op_index,
                         d.what, format_repro(r.effective));
}

// Appends one op, with the mid-op events listed under it (if any).
struct AppendOp : rc::state::Command<OpList, Target> {
  explicit AppendOp(std::vector<Op> o) : ops(std::move(o)) {}
  std::vector<Op> ops;

  void apply(OpList& s) const override { s.ops.insert(s.ops.end(), ops.begin(), ops.end()); }
  void run(const OpList& s, Target& t) const override {
    Program p{t.header, s.ops};
    p.ops.insert(p.ops.end(), ops.begin(), ops.end());
    RunOptions opts;
    opts.opt = t.opt;
    Executor ex(with_builtin_backends(opts));
    const RunResult r = ex.run(p);
    if (!r.error.empty()) RC_FAIL(r.error);
    if (r.diverged()) RC_FAIL(failure_text(r));
  }
  void show(std::ostream& os) const override {
    for (const Op& op : ops) os << (&op == &ops.front() ? "" : "\n") << format_op(op);
  }
};

// An op whose kind comes from `kinds`, operands in range (see gen_op), its
// mm and addresses often those of `recent`.
rc::Gen<Op> gen_op_of(ptediff_granule granule, rc::Gen<OpKind> kinds, Recent recent,
                      bool deferred = false) {
  // Operands are drawn at the nominal size whatever the size of the test case
  // (which only bounds the length of the op list): rapidcheck scales integer
  // ranges by size, and a small size would pin 0/1 operands to 0.
  auto make = [granule, kinds, recent, deferred] {
    const ptediff_geometry geo = ptediff_geometry_of(granule);
    const uint64_t window = window_pages_or_default(geo, 0);
    Op op;
    op.kind = *kinds;
    const OpSpec& spec = op_spec(op.kind);
    for (uint8_t i = 0; i < spec.num_fields; ++i) {
      op.set(spec.fields[i], *gen_field(spec.fields[i], geo, window, recent, deferred));
    }
    return op;
  };
  return gen::resize(rc::kNominalSize, gen::exec(make));
}

// What the last few ops of a list named: their pages and, for ops over a
// range, the page just past it (where a neighbouring folio or batch goes).
Recent recent_of(const std::vector<Op>& ops, const ptediff_geometry& geo) {
  Recent out;
  bool have_mm = false;
  for (size_t i = ops.size(); i-- > 0 && out.pages.size() < 8;) {
    const Op& op = ops[i];
    const OpSpec& spec = op_spec(op.kind);
    uint64_t extent = 0;
    for (uint8_t k = 0; k < spec.num_fields; ++k) {
      const Field f = spec.fields[k];
      if (f == Field::kOrder && op.kind == K::kFault) extent = 1ULL << op.get(f);
      if (f == Field::kNr) extent = op.get(f);
      if (f == Field::kMm && !have_mm) {
        out.mm = static_cast<uint32_t>(op.get(f));
        have_mm = true;
      }
      if (f == Field::kWrite && !out.write) out.write = op.get(f);
      if (f == Field::kPlace && !out.place) out.place = op.get(f);
    }
    for (uint8_t k = 0; k < spec.num_fields; ++k) {
      const Field f = spec.fields[k];
      if (f != Field::kVa && f != Field::kDst) continue;
      const uint64_t page = op.get(f) >> geo.page_shift;
      if (extent != 0 && f == Field::kVa) out.pages.push_back(page + extent);
      out.pages.push_back(page);
    }
  }
  return out;
}

// An op of `kinds` and, half the time, one or two mid-op events under it: a
// hardware access or a walk (mostly of the whole block) at the op's page or
// elsewhere in its block (where a block translation and a page translation
// differ), now and then a lockless reader; events in firing order.
rc::Gen<std::vector<Op>> gen_op_with_events(ptediff_granule granule, rc::Gen<OpKind> kinds,
                                            Recent recent) {
  auto make = [granule, kinds, recent] {
    const ptediff_geometry geo = ptediff_geometry_of(granule);
    std::vector<Op> out{*gen_op_of(granule, kinds, recent, /*deferred=*/true)};
    const int n = *gen::weightedElement<int>({{4, 0}, {3, 1}, {1, 2}});
    const rc::Gen<OpKind> events =
        gen::weightedElement<OpKind>({{5, K::kEvAccess}, {4, K::kEvTlbFill}, {1, K::kEvLockless}});
    const uint64_t page = out.front().get(Field::kVa) >> geo.page_shift;
    for (int i = 0; i < n; ++i) {
      Op ev = *gen_op_of(granule, events, recent, /*deferred=*/true);
      const uint64_t at = *gen::weightedOneOf<uint64_t>(
          {{1, gen::just(page)},
           {1, gen::map(gen::inRange<uint64_t>(0, geo.cont_ptes),
                        [page, n = geo.cont_ptes](uint64_t k) { return page - page % n + k; })},
           {1, gen::just(ev.get(Field::kVa) >> geo.page_shift)}});
      ev.set(Field::kVa, at << geo.page_shift);
      out.push_back(ev);
    }
    if (n == 2 && out[2].get(Field::kPrim) < out[1].get(Field::kPrim)) std::swap(out[1], out[2]);
    return out;
  };
  return gen::exec(make);
}

// A chain on one block of mm 0 (now and then the child's): sometimes a
// fault maps a block-sized folio there first; a walk caches the block (whole,
// mostly), a call whose flush is its caller's changes it, and an op with
// mid-op events meets what that left stale, then, half the time, an access.
// Each op names a page of the block.
rc::Gen<std::vector<Op>> gen_deferred_chain(ptediff_granule granule, Recent recent) {
  auto make = [granule, recent] {
    const ptediff_geometry geo = ptediff_geometry_of(granule);
    const uint64_t n = geo.cont_ptes, window = window_pages_or_default(geo, 0);
    const uint64_t base = *gen_page(geo.cont_ptes, window, recent.pages) / n * n;
    const uint64_t mm = *gen::weightedElement<uint64_t>({{6, 0}, {1, 1}});
    const auto in_block = gen::weightedOneOf<uint64_t>(
        {{2, gen::just<uint64_t>(0)}, {3, gen::inRange<uint64_t>(0, n)}});
    auto place = [&](Op op, uint64_t off) {
      op.set(Field::kMm, mm);
      op.set(Field::kVa, (base + off) << geo.page_shift);
      return op;
    };
    std::vector<Op> out;
    if (*gen::weightedElement<int>({{1, 1}, {1, 0}})) {
      Op fault = *gen_op_of(granule, gen::element(K::kFault), recent, /*deferred=*/true);
      fault.set(Field::kOrder,
                __builtin_ctz(geo.cont_ptes) + *gen::weightedElement<uint64_t>({{3, 0}, {1, 1}}));
      out.push_back(place(fault, 0));
    }
    out.push_back(place(*gen_op_of(granule, gen::element(K::kTlbFill), recent, true), *in_block));
    out.push_back(place(*gen_op_of(granule, gen_deferring_kind(), recent, true), *in_block));
    Recent here = recent;
    here.mm = static_cast<uint32_t>(mm);
    here.pages.insert(here.pages.begin(), base + *in_block);
    for (Op op : *gen_op_with_events(granule, gen_meeting_kind(), here)) {
      if (!is_event(op.kind)) op = place(op, *in_block);
      out.push_back(op);
    }
    if (*gen::weightedElement<int>({{1, 1}, {1, 0}})) {  // and then an access there
      out.push_back(place(*gen_op_of(granule, gen::element(K::kAccess), here, true), *in_block));
    }
    return out;
  };
  return gen::exec(make);
}

}  // namespace

rc::Gen<Op> gen_op(ptediff_granule granule) { return gen_op_of(granule, gen_kind(), {}); }

StatefulOutcome check_stateful(const StatefulConfig& c) {
  rc::detail::Configuration conf;
  rc::detail::TestParams& params = conf.testParams;
  params.seed = c.seed;
  params.maxSuccess = c.max_success;
  params.maxSize = c.max_size;
  params.disableShrinking = !c.shrink;
  if (const char* env = std::getenv("RC_PARAMS")) conf = rc::detail::configFromString(env, conf);
  rc::detail::TestMetadata meta;
  meta.id = absl::StrFormat("stateful/%s/%s", granule_name(c.header.granule), c.header.mutant);
  meta.description = meta.id;
  const ptediff_granule granule = c.header.granule;
  const bool deferred = c.deferred_flush;
  QuietListener quiet;
  const auto result = rc::detail::checkTestable(
      [&] {
        Target target{c.header, c.opt};
        rc::state::check(OpList{}, target, [granule, deferred](const OpList& s) {
          // The first op maps something, so that the list is not all skipped.
          const Recent recent = recent_of(s.ops, ptediff_geometry_of(granule));
          // The kind of the last op that is no event.
          auto last = std::find_if(s.ops.rbegin(), s.ops.rend(),
                                   [](const Op& op) { return !is_event(op.kind); });
          rc::Gen<std::vector<Op>> ops = gen::map(gen_op_of(granule, gen::element(K::kFault), {}),
                                                  [](Op op) { return std::vector<Op>{op}; });
          if (last != s.ops.rend() && deferred) {
            ops = gen::weightedOneOf<std::vector<Op>>(
                {{3, gen_op_with_events(granule, gen_deferred_kind(last->kind), recent)},
                 {1, gen_deferred_chain(granule, recent)}});
          } else if (last != s.ops.rend()) {
            ops = gen::map(gen_op_of(granule, gen_next_kind(last->kind), recent),
                           [](Op op) { return std::vector<Op>{op}; });
          }
          return gen::map(ops, [](std::vector<Op> o) {
            return std::shared_ptr<const rc::state::Command<OpList, Target>>(
                std::make_shared<AppendOp>(std::move(o)));
          });
        });
      },
      meta, params, quiet);
  StatefulOutcome out;
  out.passed = result.template is<rc::detail::SuccessResult>();
  rc::detail::SuccessResult ok;
  rc::detail::FailureResult fail;
  if (result.match(ok)) {
    out.successes = ok.numSuccess;
  } else if (result.match(fail)) {
    out.successes = fail.numSuccess;
    out.message = fail.description;
  } else {
    std::ostringstream ss;
    rc::detail::printResultMessage(result, ss);
    out.message = ss.str();
  }
  return out;
}

Header header_for_mutant(const std::string& mutant) {
  Header h;
  h.mutant = mutant;
  if (mutant == "pa52-advance") h.granule = PTEDIFF_GRANULE_64K;
  if (mutant == "access-flags-no-tlbi") h.hafdbs = false;
  return h;
}

}  // namespace ptediff
