// ptediff: tests of the race pass of `ptediff fuzz` (race_pass.h): the order
// it explores a corpus in, and that in this order the shipped seeds expose
// every interleaving-only mutant of every subject within a small number of
// schedules, the same however loaded the machine is (the fuzz run's time to
// its first finding is measured in bench/RESULTS.md).
#include "tools/race_pass.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "testing/shipped.h"
#include "tools/file_io.h"
#include "tools/input.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

// The most schedules the pass may spend on the seeds before it finds an
// interleaving-only mutant: about half a second of the pass on a loaded
// 2-core machine (the 10 s fuzz runs of bench/RESULTS.md explore 19,000 to
// 50,000 schedules beside the engine).
constexpr uint64_t kScheduleBudget = 1000;

// A fresh, empty folder under the test's temporary directory, named `name`.
fs::path fresh_folder(const std::string& name) {
  const fs::path p = fs::path(::testing::TempDir()) / ("ptediff-race-" + name);
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

void put(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

TEST(RacePassOrder, SmallestFirstThenByNameSkippingWhatWasSeen) {
  const fs::path f = fresh_folder("order");
  put(f / "b", "xyz");
  put(f / "a", "xyz");
  put(f / "c", "x");
  put(f / "d", "xxxxxx");
  fs::create_directory(f / "sub");  // not an input
  EXPECT_EQ(race_pass_order(f, {}), (std::vector<fs::path>{f / "c", f / "a", f / "b", f / "d"}));
  EXPECT_EQ(race_pass_order(f, {f / "c", f / "b"}), (std::vector<fs::path>{f / "a", f / "d"}));
  EXPECT_TRUE(race_pass_order(f / "missing", {}).empty());
  fs::remove_all(f);
}

// The seeds of `subject`: every corpus program of it, encoded into `dir` as
// the build does (fuzz/CMakeLists.txt, `ptediff encode`).
void write_seeds(const Subject& subject, const fs::path& dir) {
  for (const ShippedProgram& p : shipped_programs({ShippedKind::kCorpus})) {
    if (p.subject != &subject) continue;
    const std::unique_ptr<Case> c = p.load();
    ASSERT_NE(c, nullptr);
    const std::vector<uint8_t> bytes = c->encode();
    put(dir / (p.path.stem().string() + ".bin"), std::string(bytes.begin(), bytes.end()));
  }
}

// What the pass does with the seeds of `dir` for `mutant`, in its order and
// with its bound: the schedules it runs up to and including the first
// diverging one (0 when none diverges), and the seed that diverges.
uint64_t schedules_to_first_finding(const Subject& subject, const fs::path& dir,
                                    const std::string& mutant, std::string* seed) {
  CaseOptions opts;
  opts.mutant = mutant;
  uint64_t schedules = 0;
  for (const fs::path& input : race_pass_order(dir, {})) {
    std::string bytes, err;
    EXPECT_TRUE(read_file(input.string(), kMaxBinaryInputBytes, &bytes, &err)) << err;
    const std::unique_ptr<Case> c = subject.decode(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
    CaseExplored what;
    const std::unique_ptr<Case> bad = c->explore(opts, 1, kRaceSchedulesPerInput, &what, &err);
    EXPECT_EQ(err, "") << input;
    schedules += what.schedules;
    if (bad != nullptr) {
      *seed = input.filename().string();
      return schedules;
    }
  }
  return 0;
}

// Each interleaving-only mutant (one only a mid-op event shows) is found by
// the pass from the seeds alone, early: the corpus has a small program of
// the shape it needs, and the pass explores small programs first.
TEST(RacePass, TheSeedsExposeEveryInterleavingOnlyMutantEarly) {
  int mutants = 0;
  for (const Subject* subject : all_subjects()) {
    const fs::path seeds = fresh_folder(subject->name());
    write_seeds(*subject, seeds);
    for (const MutantRow& m : subject->mutants()) {
      if (!m.needs_events) continue;
      ++mutants;
      std::string seed;
      const uint64_t n = schedules_to_first_finding(*subject, seeds, m.name, &seed);
      EXPECT_GT(n, 0u) << m.name << ": no seed of " << subject->name() << " exposes it";
      EXPECT_LE(n, kScheduleBudget) << m.name << ": first found by " << seed;
      std::printf("%-34s %4lu schedules (%s)\n", m.name.c_str(), static_cast<unsigned long>(n),
                  seed.c_str());
    }
    fs::remove_all(seeds);
  }
  EXPECT_GE(mutants, 9);  // seven of contpte, two of hugetlb
}

}  // namespace
}  // namespace ptediff
