// ptediff: the contpte subject's fuzz face (Subject::fuzz()): its runner and
// the traits of the structure-aware mutator (engine/op_mutator.h).
//
// Mutations aim at the values where contpte code changes behaviour: block and
// table boundaries, folio orders, pick and nr edges, and mid-op events placed
// where a block-wide op is half done. The runner keeps one Executor, reset for
// every input (executor.h; executor_test compares it with fresh ones), with
// reads kept out of the logs; a diverging input runs again with everything
// logged for its report.
#include <algorithm>
#include <span>
#include <vector>

#include "engine/op_mutator.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/kernel_flows.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/text.h"
#include "subjects/fuzz_session.h"

namespace ptediff::contpte {
namespace {

// Geometry of a program and the window its operands live in.
struct Space {
  explicit Space(const Header& h)
      : geo(ptediff_geometry_of(h.granule)), pages(window_pages_or_default(geo, 0)) {}
  uint64_t max(Field f) const { return field_max(f, geo, pages); }
  uint32_t cont_order() const {
    uint32_t o = 0;
    while ((1u << o) < geo.cont_ptes) ++o;
    return o;
  }
  ptediff_geometry geo;
  uint64_t pages;
};

// A page number near a boundary: CONT block or page table, +-1.
uint64_t boundary_page(MutationRng& rng, const Space& s) {
  const uint64_t unit = rng.one_in(3) ? s.geo.ptrs_per_pte : s.geo.cont_ptes;
  const uint64_t base = rng.below(s.pages / unit + 1) * unit;
  const int64_t delta = rng.pick_of<int64_t>({0, 0, 0, -1, 1, static_cast<int64_t>(unit) - 1});
  return static_cast<uint64_t>(static_cast<int64_t>(base) + delta);
}

// An interesting value for operand f. `near` is a page number used by other
// ops of the program (to hit the same region again), or ~0 when none.
uint64_t interesting(MutationRng& rng, const Space& s, Field f, uint64_t near) {
  const uint64_t cont = s.geo.cont_ptes;
  switch (f) {
    case Field::kVa:
    case Field::kDst: {
      uint64_t page;
      const uint64_t how = rng.below(4);
      if (how == 0 && near != ~0ULL) {
        page = near + rng.pick_of<uint64_t>({0, 1, cont - 1, cont, cont / 2}) - rng.one_in(4);
      } else if (how <= 2) {
        page = boundary_page(rng, s);
      } else {
        page = rng.below(s.pages);
      }
      return (page % s.pages) << s.geo.page_shift;
    }
    case Field::kNr: {
      const uint64_t nr =
          rng.pick_of<uint64_t>({1, 1, cont, cont, cont - 1, cont + 1, 2 * cont, s.geo.ptrs_per_pte,
                                 1 + rng.below(8), 1 + rng.below(4 * cont)});
      return std::clamp<uint64_t>(nr, 1, s.pages);
    }
    case Field::kOrder:
      return std::min<uint64_t>(rng.pick_of<uint64_t>({0, 2, 4, 5, s.cont_order(), s.cont_order(),
                                                       s.max(f), rng.below(s.max(f) + 1)}),
                                s.max(f));
    case Field::kIdx:
      return rng.pick_of<uint64_t>({0, 0, cont - 1, cont, 1, rng.below(s.max(f) + 1)}) %
             (s.max(f) + 1);
    case Field::kPick:
      return rng.pick_of<uint64_t>({0, cont - 1, rng.below(cont)});
    case Field::kFolio:
      return rng.pick_of<uint64_t>({0, 0, 1, 2, rng.below(16), rng.below(kMaxFolios + 1)});
    case Field::kProt:
      return rng.pick_of<uint64_t>({kProtYoung | kProtWrite | kProtDirty, kProtYoung | kProtRdonly,
                                    kProtYoung | kProtWrite | kProtRdonly, kProtWrite | kProtRdonly,
                                    kProtYoung | kProtWrite | kProtDirty | kProtExec,
                                    rng.below(kProtAll + 1)});
    case Field::kMm:
      return rng.pick_of<uint64_t>({0, 0, 0, 0, 1, 2});
    case Field::kPrim: {
      // Just after the start of a phase of a block-wide op: the first
      // entries, the first entries after a block's worth of exchanges (a
      // flush, then the rewrite), or the entry updated after a whole
      // contpte_convert (2 * CONT_PTES + 1 primitives); or anywhere.
      const uint64_t cont = s.geo.cont_ptes;
      if (rng.one_in(4)) return rng.below(4 * cont + 8);
      return rng.pick_of<uint64_t>({0, 0, cont + 1, 2 * cont + 1, 2 * cont + 2}) + rng.below(4);
    }
    default:
      return rng.below(s.max(f) + 1);
  }
}

// A page number some op of `p` already uses, or ~0.
uint64_t some_page(MutationRng& rng, const Program& p, const Space& s) {
  if (p.ops.empty()) return ~0ULL;
  const Op& op = p.ops[rng.below(p.ops.size())];
  const OpSpec& spec = op_spec(op.kind);
  for (size_t i = 0; i < spec.num_fields; ++i) {
    if (spec.fields[i] == Field::kVa) return op.get(Field::kVa) >> s.geo.page_shift;
  }
  return ~0ULL;
}

Op random_op(MutationRng& rng, const Program& p, const Space& s) {
  Op op;
  op.kind = static_cast<OpKind>(rng.below(kNumOpKinds));
  const OpSpec& spec = op_spec(op.kind);
  for (size_t i = 0; i < spec.num_fields; ++i) {
    op.set(spec.fields[i], interesting(rng, s, spec.fields[i], some_page(rng, p, s)));
  }
  return op;
}

void tweak_operand(MutationRng& rng, const Program& p, const Space& s, Op* op) {
  const OpSpec& spec = op_spec(op->kind);
  if (spec.num_fields == 0) return;
  const Field f = spec.fields[rng.below(spec.num_fields)];
  op->set(f, interesting(rng, s, f, some_page(rng, p, s)));
}

void mutate_header(MutationRng& rng, Header* h) {
  switch (rng.below(4)) {
    case 0:
      h->granule = static_cast<ptediff_granule>(rng.below(3));
      break;
    case 1:
      h->hafdbs = !h->hafdbs;
      break;
    case 2:
      h->bbml2 = !h->bbml2;
      break;
    default:
      h->profile = static_cast<Profile>(rng.below(3));
      break;
  }
}

// Adds a mid-op event under a random op (docs/DESIGN.md §5.7): mostly a
// hardware write or a lockless reader in the op's own block, before an
// early primitive. The decoder keeps events in firing order.
bool add_event(MutationRng& rng, Program* p, const Space& s) {
  std::vector<Op>& ops = p->ops;
  size_t at = rng.below(ops.size());
  while (at > 0 && is_event(ops[at].kind)) --at;
  if (is_event(ops[at].kind)) return false;
  size_t end = at + 1;
  while (end < ops.size() && is_event(ops[end].kind)) ++end;
  if (end - at - 1 >= kMaxEventsPerOp) return false;
  const Op& owner = ops[at];
  Op ev;
  ev.kind =
      rng.pick_of({OpKind::kEvAccess, OpKind::kEvAccess, OpKind::kEvLockless, OpKind::kEvTlbFill});
  const uint64_t page = 1ULL << s.geo.page_shift, cont = s.geo.cont_ptes, block = page * cont;
  const uint64_t va0 = owner.get(Field::kVa) & ~(block - 1);
  const uint64_t prim = interesting(rng, s, Field::kPrim, ~0ULL);
  // The op's entry, its block's first, last or any entry, or the entry a
  // per-entry loop over the block reaches around `prim` (one or two
  // primitives per entry, after a first read).
  const uint64_t va = rng.pick_of<uint64_t>(
      {owner.get(Field::kVa), va0, va0 + block - page, va0 + rng.below(cont) * page,
       va0 + ((prim + cont - 1) % cont) * page, va0 + ((prim + 2 * cont - 1) / 2 % cont) * page});
  ev.set(Field::kMm, owner.get(Field::kMm));
  ev.set(Field::kVa, std::min(va, s.max(Field::kVa)));
  ev.set(Field::kPrim, prim);
  if (ev.kind == OpKind::kEvAccess) {
    ev.set(Field::kKind, rng.one_in(4) ? 0 : 1);  // kind=read / kind=write
  }
  if (ev.kind != OpKind::kEvLockless) {
    ev.set(Field::kPick,
           rng.one_in(2) ? (va / page) % s.geo.cont_ptes : rng.below(s.geo.cont_ptes));
  }
  if (ev.kind == OpKind::kEvTlbFill) ev.set(Field::kBlock, rng.one_in(4) ? 0 : 1);
  ops.insert(ops.begin() + end, ev);
  return true;
}

struct Traits {
  using Program = ::ptediff::Program;
  using Op = ::ptediff::Op;
  static Program decode(std::span<const uint8_t> bytes) {
    Program p = decode_program(bytes);
    p.header.mutant = "none";  // the fuzz target injects its own
    return p;
  }
  static std::vector<uint8_t> encode(const Program& p) {
    if (p.ops.size() <= kMaxEncodedOps) return encode_program(p);
    Program cut = p;
    cut.ops.resize(kMaxEncodedOps);
    return encode_program(cut);
  }
  static Op random_op(MutationRng& rng, const Program& p) {
    return contpte::random_op(rng, p, Space(p.header));
  }
  static void tweak(MutationRng& rng, const Program& p, Op* op) {
    tweak_operand(rng, p, Space(p.header), op);
  }
  static void mutate_header(MutationRng& rng, Program* p) {
    contpte::mutate_header(rng, &p->header);
  }
  static bool add_event(MutationRng& rng, Program* p) {
    return contpte::add_event(rng, p, Space(p->header));
  }
  static bool is_event(const Op& op) { return ::ptediff::is_event(op.kind); }
};

class Session final : public FuzzSession {
 public:
  explicit Session(RunOptions opts) : opts_(std::move(opts)), fast_(fast_options(opts_)) {}

  FuzzVerdict run(std::span<const uint8_t> input) override {
    return verdict_of(fast_.run(decode_program(input)));
  }

  std::string report(std::span<const uint8_t> input) override {
    // The same run again with reads in the logs (deterministic: the same divergence).
    const RunResult r = Executor(opts_).run(decode_program(input));
    if (!r.diverged()) return "";
    return format_divergence(r, r.divergences.front()) +
           "\n# effective program (replay: ptediff run FILE.repro)\n" + format_repro(r.effective);
  }

 private:
  static RunOptions fast_options(RunOptions o) {
    o.log_reads = false;
    return o;
  }
  RunOptions opts_;
  Executor fast_;
};

std::unique_ptr<FuzzSession> make_session(const FuzzOptions& opts, std::string* err) {
  RunOptions o;
  o.mutant = opts.mutant;
  if (opts.backend == nullptr && opts.backend_v2 != nullptr) {
    *err = "a v2 backend does not apply to the contpte subject (it takes ptediff_backend_v1())";
    return nullptr;
  }
  o.opt = opts.backend;  // an external O judges the mutant in its own init
  if (o.opt == nullptr && !known_optimized_mutant(opts.mutant)) {
    *err = unknown_mutant_error(opts.mutant, "");
    return nullptr;
  }
  o = with_builtin_backends(o);
  o.opt = with_env_kernel_callers(o.opt);  // O's fork and zap: a tree's callers
  return std::make_unique<Session>(o);
}

}  // namespace

const FuzzFace& fuzz_face() { return fuzz_face_of<Traits, make_session>(); }

}  // namespace ptediff::contpte
