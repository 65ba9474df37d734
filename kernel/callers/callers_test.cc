// ptediff kernel callers: a tree's own copy_present_ptes / folio_pte_batch and zap_present_ptes
// (build/kernel/libcallers-VERSION.so) drive O's arch code in fork and zap while R keeps the
// model flows: every shipped contpte program runs clean with the built-in contpte backend, the
// example backend, Linux 6.12's contpte.c and the tree's own underneath, for every tree built
// (KC_TREES); the library answers arm64's Kconfig; the kernel functions really ran (folio
// accounting of a fork and a zap); bad libraries are refused; and each mutant of mutants.tsv is
// caught by a shipped program.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/external.h"
#include "oracle/divergence.h"
#include "subjects/contpte/kernel_flows.h"
#include "subjects/contpte/optimized.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

std::string lib_path(const std::string& name) {
  return absl::StrCat(KSHIM_OUT, "/lib", name, ".so");
}

// The callers library of tree `ver` (or mutant), loaded once.
KernelCallers* callers(const std::string& ver) {
  static auto* loaded = new std::map<std::string, std::unique_ptr<KernelCallers>>;
  auto& slot = (*loaded)[ver];
  if (slot == nullptr) {
    std::string err;
    slot = KernelCallers::load(lib_path(absl::StrCat("callers-", ver)), &err);
    EXPECT_NE(slot, nullptr) << err;
  }
  return slot.get();
}

// O's arch code under the callers: the built-in contpte backend ("builtin"),
// the example external backend ("naive", examples/naive_backend.c), or the
// contpte.c of tree `which` ("6.12", "7.3").
const ptediff_backend* arch(const std::string& which) {
  if (which == "builtin") return ptediff_optimized_backend();
  std::string err;
  const ptediff_backend* b = load_external_backend(
      which == "naive" ? NAIVE_BACKEND : lib_path(absl::StrCat("contpte-", which)), &err);
  EXPECT_NE(b, nullptr) << err;
  return b;
}

std::vector<std::string> trees() { return absl::StrSplit(KC_TREES, ','); }

// Runs `c` with O = `arch` under the callers of `ver`.
CaseRun run_with(const Case& c, const std::string& ver, const std::string& arch_name) {
  KernelCallers* k = callers(ver);
  CaseOptions opts;
  opts.stop_at_first = false;
  if (k != nullptr) opts.backend = k->wrap(arch(arch_name));
  return c.run(opts, "test");
}

std::vector<ShippedProgram> contpte_programs() {
  std::vector<ShippedProgram> out;
  for (ShippedProgram& p :
       shipped_programs({ShippedKind::kCorpus, ShippedKind::kMutant, ShippedKind::kRegression})) {
    if (p.subject != nullptr && std::string(p.subject->name()) == "contpte") {
      out.push_back(std::move(p));
    }
  }
  return out;
}

TEST(CallersLibrary, AnswersArm64sKconfig) {
  // arch/arm64/Kconfig: ARCH_HAS_PTE_SPECIAL, SMP (def_bool y),
  // HAVE_ARCH_USERFAULTFD_WP, ARCH_HAS_PTE_DEVMAP (to 6.16); no HAVE_ARCH_SOFT_DIRTY.
  const std::map<std::string, int> arm64 = {
      {"CONFIG_ARCH_HAS_PTE_SPECIAL", 1}, {"CONFIG_SMP", 1},
      {"CONFIG_MEM_SOFT_DIRTY", 0},       {"CONFIG_HAVE_ARCH_USERFAULTFD_WP", 1},
      {"CONFIG_PTE_MARKER_UFFD_WP", 1},   {"CONFIG_ARCH_HAS_PTE_DEVMAP", 1}};
  for (const std::string& ver : trees()) {
    KernelCallers* k = callers(ver);
    ASSERT_NE(k, nullptr);
    for (const auto& [symbol, want] : arm64) {
      EXPECT_EQ(k->table().config(symbol.c_str()), want) << ver << " " << symbol;
    }
    EXPECT_EQ(k->table().config("CONFIG_X86_64"), -1) << ver;
    EXPECT_TRUE(k->runs_fork() && k->runs_zap()) << ver;
    EXPECT_TRUE(absl::StrContains(k->table().name, ver)) << k->table().name;
  }
}

TEST(CallersLibrary, RefusesWhatIsNoCallersLibrary) {
  std::string err;
  EXPECT_EQ(KernelCallers::load("/nonexistent/libcallers.so", &err), nullptr);
  EXPECT_TRUE(absl::StrContains(err, "/nonexistent/libcallers.so: cannot load")) << err;
  EXPECT_EQ(KernelCallers::load(lib_path(absl::StrCat("contpte-", KVER)), &err), nullptr);
  EXPECT_TRUE(absl::StrContains(err, "no ptediff_callers_v1()")) << err;
}

// The accounting of each tree's callers over one clean run of the 4K
// program whose ops follow the header, by tree.
std::map<std::string, kc_acct> counted(const std::string& ops) {
  std::map<std::string, kc_acct> out;
  const std::unique_ptr<Case> c =
      parse_case(absl::StrCat("ptediff-repro 1\nsubject contpte\ngranule 4k\nfeatures hafdbs\n",
                              "profile fold\nmutant none\n", ops),
                 "counted.repro");
  if (c == nullptr) return out;
  for (const std::string& ver : trees()) {
    KernelCallers* k = callers(ver);
    if (k == nullptr) continue;
    k->reset_totals();
    const CaseRun r = run_with(*c, ver, "builtin");
    EXPECT_FALSE(r.diverged()) << ver << "\n" << r.report;
    out[ver] = k->totals();
  }
  return out;
}

// A 64K folio faulted writable, forked, then the child zapped: the tree's
// copy_present_ptes copied it as one batch (16 mappings, parent write-protected)
// and zap_present_ptes took them away again with the rmap deferred to the flush.
TEST(CallersLibrary, ForkAndZapRunTheKernelFunctions) {
  const auto by_tree = counted(
      "fault mm=0 va=0x10000 order=4 write=1 place=low\n"
      "fork va=0x10000 nr=16\nzap mm=1 va=0x10000 nr=16 full=0\n");
  ASSERT_EQ(by_tree.size(), trees().size());
  for (const auto& [ver, t] : by_tree) {
    EXPECT_EQ(t.wrprotected, 16) << ver;
    EXPECT_EQ(t.refcount, 16) << ver;  // folio_ref_add(folio, nr)
    EXPECT_EQ(t.rss[0], 0) << ver;     // +16 file pages in the child, -16 at zap
    EXPECT_EQ(t.gathered, 16) << ver;  // __tlb_remove_folio_pages
    EXPECT_EQ(t.delayed, 16) << ver;   // dirty file folio: tlb_delay_rmap (SMP)
    EXPECT_EQ(t.mapcount, 16) << ver;  // dup'ed; the removal waits for the flush
    EXPECT_EQ(t.marks, 2u) << ver;     // dirty, not young: the child was mapped old
    EXPECT_EQ(t.warnings, 0) << ver;
  }
}

// Special entries (pfns without a memmap) next to a normal folio: with
// ARCH_HAS_PTE_SPECIAL, vm_normal_page() says "no page" for them (VM_MIXEDMAP),
// so fork copies them one by one and zap clears them without any folio
// accounting; the !ARCH_HAS_PTE_SPECIAL branch would look their folio up.
TEST(CallersLibrary, SpecialEntriesHaveNoFolio) {
  const auto by_tree = counted(
      "folio_alloc order=4 place=low\nfolio_alloc order=2 place=low\n"
      "set_ptes mm=0 va=0x10000 nr=1 folio=0 idx=0 prot=a|d|w|special\n"
      "set_ptes mm=0 va=0x11000 nr=1 folio=0 idx=1 prot=a|d|w|special\n"
      "set_ptes mm=0 va=0x20000 nr=4 folio=1 idx=0 prot=a|d|w\n"
      "fork va=0x10000 nr=32\nzap mm=0 va=0x10000 nr=32 full=1\n");
  ASSERT_EQ(by_tree.size(), trees().size());
  for (const auto& [ver, t] : by_tree) {
    EXPECT_EQ(t.refcount, 4) << ver;  // the normal folio only
    EXPECT_EQ(t.gathered, 4) << ver;
    EXPECT_EQ(t.wrprotected, 6) << ver;  // special entries are write-protected too
    EXPECT_EQ(t.warnings, 0) << ver;
  }
}

class CallersShipped : public ::testing::TestWithParam<ShippedProgram> {};

TEST_P(CallersShipped, RunsCleanOnEveryTreeAndArch) {
  const std::unique_ptr<Case> c = GetParam().load();
  ASSERT_NE(c, nullptr);
  for (const std::string& ver : trees()) {
    // The built-in contpte backend, the example backend, 6.12's contpte.c, the tree's own.
    for (const std::string& a :
         {std::string("builtin"), std::string("naive"), std::string(KVER), ver}) {
      const CaseRun r = run_with(*c, ver, a);
      EXPECT_TRUE(r.error.empty()) << r.error;
      EXPECT_FALSE(r.diverged()) << ver << " callers over " << a << ": " << r.summary << "\n"
                                 << r.report;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shipped, CallersShipped, ::testing::ValuesIn(contpte_programs()),
                         ShippedName);

// Each mutant of mutants.tsv: its library, built from the build's tree with
// the row's edit, is caught by a shipped program with the class the row names.
struct CallersMutant {
  std::string name, cls;
};
std::vector<CallersMutant> callers_mutants() {
  std::vector<CallersMutant> out;
  for (absl::string_view line : absl::StrSplit(read_text_file(KC_MUTANTS_TSV), '\n')) {
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (line.empty() || line[0] == '#' || f.size() != 5) continue;
    if (!out.empty() && out.back().name == f[0]) continue;
    out.push_back({f[0], f[2]});
  }
  return out;
}

class CallersMutants : public ::testing::TestWithParam<CallersMutant> {};

TEST_P(CallersMutants, CaughtByAShippedProgram) {
  const std::string ver = absl::StrCat(KVER, "-", GetParam().name);
  std::string caught_by;
  for (const ShippedProgram& p : contpte_programs()) {
    const std::unique_ptr<Case> c = p.load();
    ASSERT_NE(c, nullptr);
    const CaseRun r = run_with(*c, ver, "builtin");
    ASSERT_TRUE(r.error.empty()) << r.error;
    for (const Divergence& d : r.divergences) {
      if (div_class_name(d.cls) == GetParam().cls) caught_by = p.rel;
    }
    if (!caught_by.empty()) break;
  }
  EXPECT_FALSE(caught_by.empty()) << GetParam().name << ": no shipped program reports "
                                  << GetParam().cls;
}

INSTANTIATE_TEST_SUITE_P(Table, CallersMutants, ::testing::ValuesIn(callers_mutants()),
                         [](const ::testing::TestParamInfo<CallersMutant>& info) {
                           std::string n = info.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace ptediff
