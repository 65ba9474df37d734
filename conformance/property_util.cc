// ptediff conformance: the stateful differential property (see property_util.h).
#include "conformance/property_util.h"

#include <rapidcheck/state.h>

#include <memory>
#include <ostream>
#include <vector>

#include "absl/strings/str_format.h"
#include "harness/executor.h"
#include "harness/repro.h"

namespace ptediff {
namespace {

using K = OpKind;
namespace gen = rc::gen;

// Page index of an address operand: mostly inside the first four blocks
// (either end of a block, or anywhere in it), sometimes anywhere.
rc::Gen<uint64_t> gen_page(uint32_t n, uint64_t window) {
  const auto near = gen::exec([n] {
    const uint64_t block = *gen::inRange<uint64_t>(0, 4);
    const uint64_t off = *gen::weightedOneOf<uint64_t>(
        {{2, gen::just<uint64_t>(0)}, {1, gen::just<uint64_t>(n - 1)},
         {3, gen::inRange<uint64_t>(0, n)}});
    return block * n + off;
  });
  return gen::weightedOneOf<uint64_t>({{8, near}, {1, gen::inRange<uint64_t>(0, window)}});
}

rc::Gen<uint64_t> gen_field(Field f, const ptediff_geometry& geo, uint64_t window) {
  const uint32_t n = geo.cont_ptes;
  const uint64_t log_n = static_cast<uint64_t>(__builtin_ctz(n));
  switch (f) {
    case Field::kMm: return gen::weightedElement<uint64_t>({{6, 0}, {3, 1}, {1, 2}});
    case Field::kVa:
    case Field::kDst:
      return gen::map(gen_page(n, window),
                      [shift = geo.page_shift](uint64_t p) { return p << shift; });
    case Field::kNr:
      return gen::weightedOneOf<uint64_t>(
          {{3, gen::just<uint64_t>(1)}, {3, gen::inRange<uint64_t>(1, n + 1)},
           {3, gen::just<uint64_t>(n)}, {1, gen::just<uint64_t>(2 * n)},
           {1, gen::inRange<uint64_t>(1, window + 1)}});
    case Field::kOrder:
      return gen::weightedOneOf<uint64_t>(
          {{2, gen::just<uint64_t>(0)}, {2, gen::just(log_n - 1)}, {4, gen::just(log_n)},
           {2, gen::just(log_n + 1)}, {1, gen::inRange<uint64_t>(0, pmd_order(geo) + 1)}});
    case Field::kIdx:
      return gen::weightedOneOf<uint64_t>(
          {{3, gen::just<uint64_t>(0)}, {3, gen::inRange<uint64_t>(0, 2 * n)},
           {1, gen::inRange<uint64_t>(0, field_max(f, geo, window) + 1)}});
    case Field::kFolio: return gen::inRange<uint64_t>(0, 8);
    case Field::kPick: return gen::inRange<uint64_t>(0, n);
    case Field::kProt:
      return gen::weightedOneOf<uint64_t>(
          {{4, gen::element<uint64_t>(kProtYoung | kProtWrite | kProtRdonly,
                                      kProtYoung | kProtDirty | kProtWrite, kProtYoung,
                                      kProtWrite | kProtRdonly, kProtYoung | kProtRdonly)},
           {1, gen::inRange<uint64_t>(0, kProtAll + 1)}});
    case Field::kPlace: return gen::weightedElement<uint64_t>({{4, 0}, {1, 1}, {1, 2}});
    default: return gen::inRange<uint64_t>(0, field_max(f, geo, window) + 1);
  }
}

rc::Gen<OpKind> gen_kind() {
  return gen::weightedElement<OpKind>({
      {6, K::kFault},         {5, K::kSetPtes},        {2, K::kFolioAlloc},
      {6, K::kAccess},        {2, K::kTlbFill},        {3, K::kFork},
      {3, K::kZap},           {3, K::kMprotect},       {2, K::kMadvFree},
      {2, K::kReferenced},    {2, K::kMkclean},        {3, K::kWpFault},
      {2, K::kMremap},        {1, K::kSplitPmd},       {1, K::kPtepGet},
      {1, K::kPtepGetLockless}, {1, K::kPteClear},     {1, K::kPtepGetAndClear},
      {1, K::kPtepClearFlush}, {1, K::kPtepTestAndClearYoung},
      {1, K::kPtepClearFlushYoung}, {1, K::kPtepSetWrprotect}, {2, K::kWrprotectPtes},
      {2, K::kPtepSetAccessFlags}, {1, K::kClearFullPtes}, {2, K::kGetAndClearFullPtes},
      {1, K::kClearYoungDirtyPtes}, {1, K::kPtepModifyProt}, {1, K::kPteBatchHint},
  });
}

// The model: the ops generated so far. The system: what O is and its header.
struct OpList {
  std::vector<Op> ops;
};
struct Target {
  Header header;
  const ptediff_backend* opt;
};

std::string failure_text(const RunResult& r) {
  const Divergence& d = r.divergences.front();
  return absl::StrFormat("divergence [%s] at op %d: %s\n%s", div_class_name(d.cls), d.op_index,
                         d.what, format_repro(r.effective));
}

struct AppendOp : rc::state::Command<OpList, Target> {
  explicit AppendOp(Op o) : op(o) {}
  Op op;

  void apply(OpList& s) const override { s.ops.push_back(op); }
  void run(const OpList& s, Target& t) const override {
    Program p{t.header, s.ops};
    p.ops.push_back(op);
    RunOptions opts;
    opts.opt = t.opt;
    Executor ex(opts);
    const RunResult r = ex.run(p);
    if (getenv("PTEDIFF_DEBUG") && p.ops.size() == 35) fprintf(stderr, "%s\n", format_repro(r.effective).c_str());
    if (!r.error.empty()) RC_FAIL(r.error);
    if (r.diverged()) RC_FAIL(failure_text(r));
  }
  void show(std::ostream& os) const override { os << format_op(op); }
};

// An op whose kind comes from `kinds`, operands in range (see gen_op).
rc::Gen<Op> gen_op_of(ptediff_granule granule, rc::Gen<OpKind> kinds) {
  // Operands are drawn at the nominal size whatever the size of the test case
  // (which only bounds the length of the op list): rapidcheck scales integer
  // ranges by size, and a small size would pin 0/1 operands to 0.
  return gen::resize(rc::kNominalSize, gen::exec([granule, kinds] {
    const ptediff_geometry geo = ptediff_geometry_of(granule);
    const uint64_t window = window_pages_or_default(geo, 0);
    Op op;
    op.kind = *kinds;
    const OpSpec& spec = op_spec(op.kind);
    for (uint8_t i = 0; i < spec.num_fields; ++i) {
      op.set(spec.fields[i], *gen_field(spec.fields[i], geo, window));
    }
    return op;
  }));
}

}  // namespace

rc::Gen<Op> gen_op(ptediff_granule granule) { return gen_op_of(granule, gen_kind()); }

StatefulOutcome check_stateful(const StatefulConfig& c) {
  rc::detail::TestParams params;
  params.seed = c.seed;
  params.maxSuccess = c.max_success;
  params.maxSize = c.max_size;
  params.disableShrinking = !c.shrink;
  rc::detail::TestMetadata meta;
  meta.id = absl::StrFormat("stateful/%s/%s", granule_name(c.header.granule), c.header.mutant);
  meta.description = meta.id;
  const ptediff_granule granule = c.header.granule;
  const auto result = rc::detail::checkTestable(
      [&] {
        Target target{c.header, c.opt};
        rc::state::check(OpList{}, target, [granule](const OpList& s) {
          // The first op maps something, so that the list is not all skipped.
          const rc::Gen<Op> ops = s.ops.empty() ? gen_op_of(granule, gen::element(K::kFault))
                                                : gen_op(granule);
          return gen::map(ops, [](Op op) {
            return std::shared_ptr<const rc::state::Command<OpList, Target>>(
                std::make_shared<AppendOp>(op));
          });
        });
      },
      meta, params);
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
