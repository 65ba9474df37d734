// ptediff kernel gate: the Linux contpte.c backend (build/kernel/libcontpte-KVER.so) runs every
// shipped program (corpus/, conformance/mutants/ as plain programs, conformance/regressions/)
// clean and deterministically, and every source-level mutant of kernel/mutants.tsv is caught by
// at least one of them with the class the table expects (class "none": stays unseen); the
// interleaving-only ones only with their mid-op events, and explore finds them.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/explore.h"
#include "engine/external.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/backends.h"
#include "subjects/subject.h"
#include "testing/shipped.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

struct Shipped {
  std::string name;  // e.g. corpus/zap_64k.repro
  Program program;
};

// Every shipped program, parsed once.
const std::vector<Shipped>& shipped() {
  static const std::vector<Shipped>* all = [] {
    auto* v = new std::vector<Shipped>;
    // The corpus first: its first program is the plain one the tests take.
    for (ShippedKind kind :
         {ShippedKind::kCorpus, ShippedKind::kMutant, ShippedKind::kRegression}) {
      for (const ShippedProgram& p : shipped_programs({kind})) {
        // Programs of other subjects (the linear map, hugetlb) do not run on a contpte backend.
        if (p.subject == nullptr || p.subject != all_subjects()[0]) continue;
        Shipped s{p.rel, {}};
        ParseError err;
        if (!parse_repro(p.text, s.name, &s.program, &err)) {
          ADD_FAILURE() << err.str();
          continue;
        }
        v->push_back(std::move(s));
      }
    }
    return v;
  }();
  return *all;
}

// The build's libcontpte-KVER<suffix>.so; for the unmodified one (suffix ""),
// $PTEDIFF_KERNEL_CONTPTE when set: another tree's library (kernel/tree_test.sh
// gates Linux 7.3's with the tests that take no mutant).
const ptediff_backend* load(const std::string& suffix) {
  const char* other = std::getenv("PTEDIFF_KERNEL_CONTPTE");
  const std::string path = suffix.empty() && other != nullptr && *other != '\0'
                               ? std::string(other)
                               : absl::StrCat(KSHIM_OUT, "/libcontpte-", KVER, suffix, ".so");
  std::string err;
  const ptediff_backend* b = load_external_backend(path, &err);
  EXPECT_NE(b, nullptr) << err;
  return b;
}

// name -> expected class, from kernel/mutants.tsv.
std::map<std::string, std::string> mutant_table() {
  std::map<std::string, std::string> out;
  std::ifstream in(fs::path(PTEDIFF_SOURCE_DIR) / "kernel" / "mutants.tsv");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() == 5) out[f[0]] = f[2];
  }
  return out;
}

TEST(KernelGate, ShippedProgramsRunCleanAndDeterministic) {
  const ptediff_backend* b = load("");
  ASSERT_NE(b, nullptr);
  ASSERT_GT(shipped().size(), 50u);
  RunOptions opts;
  opts.opt = b;
  opts = with_builtin_backends(opts);
  Executor ex(opts), again(opts);
  for (const Shipped& s : shipped()) {
    const RunResult r = ex.run(s.program);
    EXPECT_EQ(r.error, "") << s.name;
    if (r.diverged()) ADD_FAILURE() << s.name << ":\n" << format_divergence(r, r.divergences[0]);
    EXPECT_EQ(again.run(s.program).trace_hash, r.trace_hash) << s.name << " is not deterministic";
  }
}

TEST(KernelGate, RejectsForeignMutantsAcceptsProfiles) {
  const ptediff_backend* b = load("");
  ASSERT_NE(b, nullptr);
  Program p = shipped().front().program;
  RunOptions opts;
  opts.opt = b;
  opts.mutant = "convert-no-flush";  // a built-in mutant name: not this backend's
  opts = with_builtin_backends(opts);
  EXPECT_NE(Executor(opts).run(p).error, "");
  opts.mutant = "";
  for (Profile prof : {Profile::kBasic, Profile::kBatch, Profile::kFold}) {
    p.header.profile = prof;
    EXPECT_EQ(Executor(opts).run(p).error, "");
  }
}

class KernelMutant : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(KernelMutant, CaughtWithItsClass) {
  const auto& [name, want] = GetParam();
  const ptediff_backend* b = load(absl::StrCat("-", name));
  ASSERT_NE(b, nullptr);
  RunOptions opts;
  opts.opt = b;
  Executor ex(with_builtin_backends(opts));
  std::vector<std::string> caught, other;
  for (const Shipped& s : shipped()) {
    const RunResult r = ex.run(s.program);
    ASSERT_EQ(r.error, "") << s.name;
    if (!r.diverged()) continue;
    const std::string cls = div_class_name(r.divergences.front().cls);
    (cls == want ? caught : other).push_back(absl::StrCat(s.name, " [", cls, "]"));
  }
  if (want == "none") {
    EXPECT_TRUE(other.empty()) << name
                               << " (interleaving-only) was seen: " << absl::StrJoin(other, ", ");
    return;
  }
  EXPECT_FALSE(caught.empty()) << name << " not caught as " << want
                               << "; other classes: " << absl::StrJoin(other, ", ");
  std::printf("%s: caught as %s by %zu programs (first %s), %zu with another class\n", name.c_str(),
              want.c_str(), caught.size(), caught.empty() ? "-" : caught.front().c_str(),
              other.size());
}

std::vector<std::pair<std::string, std::string>> mutants() {
  const auto t = mutant_table();
  return {t.begin(), t.end()};
}

INSTANTIATE_TEST_SUITE_P(Table, KernelMutant, ::testing::ValuesIn(mutants()), [](const auto& info) {
  std::string n = info.param.first;
  for (char& ch : n) ch = ch == '-' ? '_' : ch;
  return n;
});

// The mutants only a program with mid-op events sees (docs/DESIGN.md §5.7).
std::set<std::string> interleaving_mutants() {
  std::set<std::string> out;
  std::ifstream in(fs::path(PTEDIFF_SOURCE_DIR) / "kernel" / "mutants.tsv");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::vector<std::string> f = absl::StrSplit(line, '\t');
    if (f.size() == 5 && absl::EndsWith(f[4], "(interleavings only)")) out.insert(f[0]);
  }
  return out;
}

// Without their events every shipped program misses them; explore --bound 1
// finds each from the events-free version of a program that has events.
TEST(KernelGate, InterleavingMutantsNeedEventsAndExploreFindsThem) {
  const std::set<std::string> names = interleaving_mutants();
  ASSERT_GE(names.size(), 2u);
  for (const std::string& name : names) {
    const ptediff_backend* b = load(absl::StrCat("-", name));
    ASSERT_NE(b, nullptr);
    RunOptions opts;
    opts.opt = b;
    opts = with_builtin_backends(opts);
    Executor ex(opts);
    bool found = false;
    uint64_t schedules = 0;
    for (const Shipped& s : shipped()) {
      Program bare = s.program;
      const size_t n = bare.ops.size();
      std::erase_if(bare.ops, [](const Op& op) { return is_event(op.kind); });
      const RunResult r = ex.run(bare);
      EXPECT_FALSE(r.diverged()) << name << " seen without events by " << s.name;
      if (bare.ops.size() == n || found) continue;
      ExploreOptions eo;
      eo.run = opts;
      const ExploreResult e = explore(bare, eo);
      found = e.found;
      schedules += e.schedules;
    }
    EXPECT_TRUE(found) << name << " not found by explore --bound 1";
    std::printf("%s: missed without events, explore found it after %lu schedules\n", name.c_str(),
                static_cast<unsigned long>(schedules));
  }
}

// The unmodified kernel code under every one-event schedule of the small
// shipped programs (docs/DESIGN.md §5.8).
TEST(KernelGate, ExploreIsCleanOnTheSmallPrograms) {
  const ptediff_backend* b = load("");
  ASSERT_NE(b, nullptr);
  ExploreOptions eo;
  eo.run.opt = b;
  eo.run = with_builtin_backends(eo.run);
  uint64_t schedules = 0;
  size_t programs = 0;
  for (const Shipped& s : shipped()) {
    if (s.program.ops.size() > 8 || s.name.rfind("corpus/", 0) != 0) continue;
    const ExploreResult r = explore(s.program, eo);
    EXPECT_FALSE(r.found) << s.name << ":\n"
                          << (r.found ? format_divergence(r.result, r.result.divergences[0]) : "");
    schedules += r.schedules;
    ++programs;
  }
  EXPECT_GE(programs, 8u);
  std::printf("%zu programs, %lu schedules, clean\n", programs,
              static_cast<unsigned long>(schedules));
}

TEST(KernelGate, TableHasEnoughMutants) { EXPECT_GE(mutant_table().size(), 8u); }

}  // namespace
}  // namespace ptediff
