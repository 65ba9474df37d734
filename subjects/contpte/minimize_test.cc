// ptediff: the minimizer writes only what replays. Fuzz-like binary inputs
// that diverge under several mutants are minimized; the text of each result
// must parse as written (every operand legal where it stands, addresses
// aligned to the granule) and its run must show the class and op kind the
// minimizer reports.
#include "subjects/contpte/minimize.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "subjects/contpte/backends.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"

namespace ptediff {
namespace {

// A fuzz-like binary input: a fault over a few blocks, then `n` ops of any
// kind (mid-op events included) whose operands are raw values in range, as a
// mutated input decodes, addresses mostly in the first blocks. Encoded and
// decoded again, as the fuzz targets see it.
Program fuzz_like_input(std::mt19937_64& rng, ptediff_granule granule, size_t n) {
  const ptediff_geometry geo = ptediff_geometry_of(granule);
  const uint64_t window = window_pages_or_default(geo, 0);
  auto below = [&rng](uint64_t bound) { return bound == 0 ? 0 : rng() % bound; };
  Program p;
  p.header.granule = granule;
  p.header.hafdbs = below(4) != 0;
  p.header.bbml2 = below(4) == 0;
  Op fault;
  fault.kind = OpKind::kFault;
  fault.set(Field::kOrder, __builtin_ctz(geo.cont_ptes) + below(2));
  fault.set(Field::kWrite, below(2));
  p.ops.push_back(fault);
  // Kinds that build, touch and unfold blocks, most of the time; any kind else.
  using K = OpKind;
  static constexpr OpKind kLikely[] = {K::kFault,
                                       K::kFault,
                                       K::kAccess,
                                       K::kAccess,
                                       K::kAccess,
                                       K::kTlbFill,
                                       K::kPtepGet,
                                       K::kPtepGetAndClear,
                                       K::kPtepSetWrprotect,
                                       K::kWrprotectPtes,
                                       K::kPtepSetAccessFlags,
                                       K::kClearFullPtes,
                                       K::kGetAndClearFullPtes,
                                       K::kClearYoungDirtyPtes,
                                       K::kPtepTestAndClearYoung,
                                       K::kPtepClearFlushYoung,
                                       K::kWpFault,
                                       K::kFork,
                                       K::kMprotect,
                                       K::kMadvFree,
                                       K::kReferenced,
                                       K::kPteBatchHint,
                                       K::kPtepModifyProt,
                                       K::kSetPtes,
                                       K::kEvAccess,
                                       K::kEvTlbFill};
  for (size_t i = 0; i < n; ++i) {
    Op op;
    op.kind = below(4) != 0 ? kLikely[below(std::size(kLikely))]
                            : static_cast<OpKind>(below(kNumOpKinds));
    const OpSpec& spec = op_spec(op.kind);
    for (size_t k = 0; k < spec.num_fields; ++k) {
      const Field f = spec.fields[k];
      uint64_t v = below(field_max(f, geo, window) + 1);
      if (f == Field::kVa || f == Field::kDst) {
        v = (below(4) == 0 ? below(window) : below(4 * geo.cont_ptes)) << geo.page_shift;
      }
      if (f == Field::kNr) v = 1 + below(below(2) ? geo.cont_ptes : 2 * geo.cont_ptes);
      if (f == Field::kPrim) v = below(below(2) ? 8 : 80);
      op.set(f, v);
    }
    p.ops.push_back(op);
  }
  return decode_program(encode_program(p));
}

// Minimizes inputs that diverge under `mutant` until `want` of them have been
// checked; returns how many were.
int check_minimized_inputs_replay(const std::string& mutant, ptediff_granule granule, int want,
                                  uint64_t seed) {
  std::mt19937_64 rng(seed);
  RunOptions opts = with_builtin_backends();
  opts.mutant = mutant;
  Executor ex(opts);
  int checked = 0;
  for (int tries = 0; tries < 2000 && checked < want; ++tries) {
    const Program in = fuzz_like_input(rng, granule, 6 + rng() % 20);
    const RunResult r = ex.run(in);
    if (!r.diverged()) continue;
    ++checked;
    MinimizeResult m;
    EXPECT_TRUE(minimize_program(in, opts, &m, 3000)) << m.error << "\n" << format_repro(in);
    EXPECT_TRUE(m.error.empty()) << m.error;
    const std::string text = format_repro(m.program);
    Program back;
    ParseError err;
    if (!parse_repro_as_written(text, "minimized.repro", opts, &back, &err)) {
      ADD_FAILURE() << mutant << ": the minimized program does not run as written: " << err.str()
                    << "\n"
                    << text;
      continue;
    }
    const RunResult again = ex.run(back);
    if (!again.diverged()) {
      ADD_FAILURE() << mutant << ": the minimized program runs clean\n" << text;
      continue;
    }
    const Divergence& d = again.divergences.front();
    EXPECT_EQ(d.cls, m.cls) << mutant << "\n" << text;
    const bool names_op = d.op_index < again.effective.ops.size();
    EXPECT_TRUE(names_op) << mutant << "\n" << text;
    if (names_op) EXPECT_EQ(again.effective.ops[d.op_index].kind, m.kind) << mutant << "\n" << text;
  }
  return checked;
}

struct Case {
  const char* mutant;
  ptediff_granule granule;
};

class MinimizedReplays : public ::testing::TestWithParam<Case> {};

TEST_P(MinimizedReplays, AsWrittenWithTheSameClassAndOpKind) {
  const Case c = GetParam();
  const int checked =
      check_minimized_inputs_replay(c.mutant, c.granule, 8, 0x5eed + static_cast<int>(c.granule));
  EXPECT_GE(checked, 3) << c.mutant << ": too few fuzz-like inputs diverged to check";
}

INSTANTIATE_TEST_SUITE_P(Mutants, MinimizedReplays,
                         ::testing::Values(Case{"clear-young-dirty-bytes", PTEDIFF_GRANULE_4K},
                                           Case{"convert-no-flush", PTEDIFF_GRANULE_64K},
                                           Case{"clear-flush-young-one-page", PTEDIFF_GRANULE_16K},
                                           Case{"wrprotect-no-partial-unfold", PTEDIFF_GRANULE_4K},
                                           Case{"clear-full-no-partial-unfold",
                                                PTEDIFF_GRANULE_64K},
                                           Case{"batch-hint-off-by-one", PTEDIFF_GRANULE_4K},
                                           Case{"pa52-advance", PTEDIFF_GRANULE_64K},
                                           Case{"fold-ignores-prot", PTEDIFF_GRANULE_4K}),
                         [](const auto& info) {
                           std::string n = std::string(info.param.mutant) + "_" +
                                           granule_name(info.param.granule);
                           for (char& ch : n) ch = ch == '-' ? '_' : ch;
                           return n;
                         });

// A binary input whose access may go to any page of the folio but the first:
// halving its address (0, 1 and v / 2 are the candidates) must not leave one
// text cannot state (the access op is never repaired, and the machine masks
// the address, so an unaligned one runs).
TEST(MinimizedReplays, AnAccessAddressShrinksToAnAlignedOne) {
  const char* kText =
      "ptediff-repro 1\ngranule 16k\nfeatures hafdbs\nprofile fold\n"
      "fault mm=0 va=0x0 order=8 write=0 place=low\n"
      "madv_free mm=0 va=0x0\n"
      "access mm=0 va=0xdc000 kind=read pick=1\n"
      "ptep_modify_prot mm=0 va=0x0 write=0\n";
  Program in;
  ParseError err;
  ASSERT_TRUE(parse_repro(kText, "<input>", &in, &err)) << err.str();
  RunOptions opts = with_builtin_backends();
  opts.mutant = "unfold-drops-young";
  MinimizeResult m;
  ASSERT_TRUE(minimize_program(in, opts, &m)) << m.error;
  const std::string text = format_repro(m.program);
  Program back;
  EXPECT_TRUE(parse_repro_as_written(text, "minimized.repro", opts, &back, &err))
      << err.str() << "\n"
      << text;
  for (const Op& op : m.program.ops) {
    EXPECT_EQ(op.get(Field::kVa) % 0x4000, 0u) << text;
  }
}

}  // namespace
}  // namespace ptediff
