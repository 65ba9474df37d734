// ptediff hugetlb: the explore gate (docs/DESIGN.md §10.4.1). Every shipped
// hugetlb program (corpus/hugetlb) runs clean under every schedule of one
// mid-op event, on the arm64 backend and with the reference run as O, and
// the one whose huge page is clean and writable (4k_cont-pte_dirty_race,
// where a lost dirty update would show) under every schedule of two events
// in one op. (The two-event sweep of every program is measured in the
// design notes; it takes minutes.) Each
// interleaving-only mutant is caught by a one-event schedule of its program
// run without events (conformance/mutants), and that program is clean.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "subjects/hugetlb/explore.h"
#include "subjects/hugetlb/mutants.h"

namespace ptediff::hugetlb {
namespace {

namespace fs = std::filesystem;

struct Named {
  std::string name;
  Program program;
};

Program load(const fs::path& f) {
  std::ifstream in(f);
  std::stringstream text;
  text << in.rdbuf();
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_program(text.str(), f.string(), &p, &err)) << err.str();
  return p;
}

std::vector<Named> corpus() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(fs::path(PTEDIFF_SOURCE_DIR) / "corpus/hugetlb")) {
    if (e.path().extension() == ".repro") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Named> out;
  for (const fs::path& f : files) out.push_back({f.filename().string(), load(f)});
  return out;
}

void explore_corpus(const ptediff_backend_v2* opt, const char* label) {
  const std::vector<Named> programs = corpus();
  ASSERT_GE(programs.size(), 12u);
  uint64_t schedules = 0, candidates = 0;
  const auto start = std::chrono::steady_clock::now();
  for (const Named& n : programs) {
    const bool pairs = n.name == "4k_cont-pte_dirty_race.repro";
    for (int bound : {1, 2}) {
      if (bound == 2 && !pairs) continue;
      ExploreOptions eo;
      eo.run.opt = opt;
      eo.bound = bound;
      const ExploreResult r = explore(n.program, eo);
      ASSERT_EQ(r.error, "") << n.name;
      EXPECT_FALSE(r.found) << n.name << " diverges at bound " << bound << ":\n"
                            << (r.found ? format_report(r.result, r.failing) : "");
      EXPECT_TRUE(r.complete);
      EXPECT_GT(r.candidates, 0u) << n.name;
      schedules += r.schedules;
      if (bound == 1) candidates += r.candidates;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s: %zu programs, %lu candidate events, %lu schedules in %.1f s, clean\n", label,
              programs.size(), static_cast<unsigned long>(candidates),
              static_cast<unsigned long>(schedules), s);
}

TEST(HugetlbExploreGate, Arm64IsCleanUnderEverySchedule) { explore_corpus(nullptr, "arm64"); }
TEST(HugetlbExploreGate, ReferenceIsCleanUnderEverySchedule) {
  explore_corpus(hugetlb_reference_backend(), "reference");
}

TEST(HugetlbExploreGate, FindsEveryInterleavingOnlyMutant) {
  int n = 0;
  for (const MutantInfo& m : hugetlb_mutants()) {
    if (!interleaving_only(m.id)) continue;
    ++n;
    Program p = load(fs::path(PTEDIFF_SOURCE_DIR) / "conformance/mutants" /
                     (std::string(m.name) + ".repro"));
    ASSERT_EQ(p.mutant, m.name);
    ExploreOptions eo;
    eo.bound = 1;
    const ExploreResult found = explore(p, eo);  // its events dropped first
    EXPECT_TRUE(found.found) << m.name;
    EXPECT_GT(found.schedules, 1u) << m.name << ": the run without events diverged";
    std::printf("%s: found after %lu schedules\n", m.name,
                static_cast<unsigned long>(found.schedules));
    p.mutant = "none";
    const ExploreResult clean = explore(p, eo);
    EXPECT_FALSE(clean.found) << m.name;
    EXPECT_TRUE(clean.complete);
  }
  EXPECT_EQ(n, 2);
}

}  // namespace
}  // namespace ptediff::hugetlb
