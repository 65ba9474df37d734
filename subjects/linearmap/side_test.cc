// ptediff linear map: O behind the v3 table (side.h, builtin.cc): the init
// options of the built-in table, and the callers' contracts the side keeps
// before it calls a backend (seen through a table that counts the calls it
// passes on to the built-in one).
#include "subjects/linearmap/side.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "subjects/linearmap/executor.h"

namespace ptediff::linearmap {
namespace {

std::map<std::string, int> g_calls;  // calls by name

#define PTEDIFF_LINEARMAP_API(ret, name, params, args)                                 \
  ret count_##name(const ptediff_machine* m, ptediff_mm* mm, PTEDIFF_UNPAREN params) { \
    ++g_calls[#name];                                                                  \
    return linearmap_optimized_backend()->name(m, mm, PTEDIFF_UNPAREN args);           \
  }
#include "ptediff/linearmap_api.def"
#undef PTEDIFF_LINEARMAP_API

int count_init(ptediff_machine* m, const char* options) {
  return linearmap_optimized_backend()->init(m, options);
}
void count_fini(ptediff_machine* m) { linearmap_optimized_backend()->fini(m); }

const ptediff_backend_v3 kCounting = {
    .abi_version = PTEDIFF_ABI_VERSION_V3,
    .name = "counting",
    .init = count_init,
    .fini = count_fini,
#define PTEDIFF_LINEARMAP_API(ret, name, params, args) .name = count_##name,
#include "ptediff/linearmap_api.def"
#undef PTEDIFF_LINEARMAP_API
};

Program program_of(const std::string& ops) {
  Program p;
  ParseError err;
  const std::string text =
      absl::StrCat("ptediff-repro 1\nsubject linear-map\ngranule 4k\nfeatures bbml2\n", ops);
  EXPECT_TRUE(parse_program(text, "t.repro", &p, &err)) << err.str();
  return p;
}

TEST(LinearMapBuiltinTable, RefusesAnUnknownOption) {
  const Session s(program_of(""), nullptr, "bogus=1");
  EXPECT_NE(s.error().find("unsupported option 'bogus=1'"), std::string::npos) << s.error();
  RunOptions o;
  o.opt = &kCounting;
  o.mutant = "no-such-mutant";  // told to the backend, which refuses it
  const RunResult r = run_program(program_of("split va=0x0\n"), o);
  EXPECT_NE(r.error.find("unsupported option 'mutant=no-such-mutant'"), std::string::npos)
      << r.error;
  EXPECT_EQ(r.ops_run, 0u);
}

TEST(LinearMapBuiltinTable, TakesBbml2AndAMutant) {
  const Session s(program_of(""), nullptr, "mutant=split-to-ptes");
  EXPECT_EQ(s.error(), "");
  const Session t(program_of(""), nullptr, "bbml2=0 mutant=none");
  EXPECT_EQ(t.error(), "");
}

// Each op with O's return value and the calls of the table it made.
struct Step {
  const char* op;
  int ret;
  std::map<std::string, int> calls;
};

TEST(LinearMapSide, KeepsTheCallersContracts) {
  const Geometry& g = geometry_of(PTEDIFF_GRANULE_4K);
  const std::string beyond = absl::StrCat("set_alias_ro va=0x0 nr=2 stride=", g.window_pages);
  const Step steps[] = {
      {"map va=0x0 pa=0x40000000 size=0x200000 flags=none", kOk, {{"create_pgd_mapping", 1}}},
      // Mapping over a mapping, changing a hole: the kernel's callers never do.
      {"map va=0x1000 pa=0x1000 size=0x1000 flags=none", kEinval, {}},
      {"set_memory_ro va=0x1ff000 nr=2", kEinval, {}},
      {"split va=0x400000", kEinval, {}},
      {"set_memory_ro va=0x0 nr=0", kOk, {}},
      // Legal ones are passed on.
      {"split va=0x1000", kOk, {{"split_kernel_leaf_mapping", 1}}},
      {"set_memory_ro va=0x0 nr=1", kOk, {{"set_memory_ro", 1}}},
      {"set_memory_invalid va=0x0 nr=1", kOk, {{"set_memory_valid", 1}}},
      // Aliases: one call per page, until one leaves the window.
      {"set_alias_rw va=0x0 nr=2 stride=1", kOk, {{"set_memory_rw", 2}}},
      {beyond.c_str(), kEinval, {{"set_memory_ro", 1}}},
      {"repaint", kOk, {{"linear_map_split_to_ptes", 1}}},
  };
  OptSide side(g, &kCounting, "bbml2=1");
  ASSERT_EQ(side.error(), "");
  for (const Step& s : steps) {
    const Program one = program_of(absl::StrCat(s.op, "\n"));
    ASSERT_EQ(one.ops.size(), 1u) << s.op;
    g_calls.clear();
    EXPECT_EQ(side.apply(one.ops[0]), s.ret) << s.op;
    std::map<std::string, int> want = s.calls;
    want["set_alloc_failures"] = 1;  // before every op
    EXPECT_EQ(g_calls, want) << s.op;
  }
}

TEST(LinearMapSide, ArmsAllocationFailuresForTheNextOpOnly) {
  OptSide side(geometry_of(PTEDIFF_GRANULE_4K), nullptr, "bbml2=1");
  const Program p = program_of(
      "map va=0x0 pa=0x40000000 size=0x200000 flags=none\nfail_alloc depth=3\n"
      "split va=0x1000\nsplit va=0x1000\n");
  g_calls.clear();
  EXPECT_EQ(side.apply(p.ops[0]), kOk);
  EXPECT_EQ(side.apply(p.ops[1]), kOk);  // no call: arms the next op
  EXPECT_EQ(side.apply(p.ops[2]), kEnomem);
  EXPECT_EQ(side.apply(p.ops[3]), kOk);
}

// set_memory_valid(addr, n, 0) leaves a present-invalid entry ("arm64/mm: Add
// PTE_PRESENT_INVALID bit"), on both sides; valid clears the marker again.
TEST(LinearMapSide, InvalidIsPresentInvalid) {
  const Program p = program_of(
      "map va=0x0 pa=0x40000000 size=0x200000 flags=none\n"
      "set_memory_invalid va=0x0 nr=1\nset_memory_valid va=0x0 nr=1\n");
  Session s(p, Mutant::kNone);
  std::vector<Divergence> d;
  const auto attrs_at_0 = [&] {
    const std::optional<Slot> l = s.opt().tables().find_leaf(0);
    return l.has_value() ? s.opt().tables().entry(l->table, l->index) & kAttrMask : pte_t{0};
  };
  ASSERT_EQ(s.step(p.ops[0], 0, &d), kOk);
  ASSERT_EQ(s.step(p.ops[1], 1, &d), kOk);
  EXPECT_EQ(attrs_at_0() & (PTE_VALID | PTE_PRESENT_INVALID), PTE_PRESENT_INVALID);
  ASSERT_EQ(s.step(p.ops[2], 2, &d), kOk);
  EXPECT_EQ(attrs_at_0() & (PTE_VALID | PTE_PRESENT_INVALID), PTE_VALID);
  EXPECT_TRUE(d.empty());
}

}  // namespace
}  // namespace ptediff::linearmap
