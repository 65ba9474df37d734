// ptediff conformance: the mutant gate. Every injectable bug of the optimized
// backend must be caught by at least two of three independent means:
//   scenario  its hand-written program (conformance/mutants/NAME.repro),
//   property  the rapidcheck stateful property (no shrinking, fixed seed),
//   fuzz      a bounded random search over the binary encoding: random byte
//             strings, and the hand-written program's encoding mutated at the
//             byte level (a fuzzer's view of the seed corpus).
//   explore   (interleaving-only mutants, interleaving_only_mutant(), which
//             need mid-op events and which the sequential property cannot
//             reach) `ptediff explore --bound 1` on the hand-written program
//             with its events removed (docs/DESIGN.md §5.8).
// The test prints a table: mutant -> detected by -> execs to detection.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "subjects/contpte/property_test_util.h"
#include "conformance/replay.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/explore.h"
#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/optimized.h"
#include "subjects/contpte/backends.h"
#include "testing/budget.h"

namespace ptediff {
namespace {

// Budgets: executions per fuzz mode and test cases for the property (an
// eighth under a sanitizer, testing/budget.h: every mutant is still caught by
// two means or more, its scenario and the seeded fuzz or explore at least).
constexpr size_t kRandomExecs = search_budget<size_t>(20000);
constexpr size_t kSeededExecs = search_budget<size_t>(5000);
constexpr int kPropertyCases = search_budget(10000);

// A stable per-mutant seed (FNV-1a of the name).
uint64_t seed_of(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  return h;
}

std::string mutant_file(const std::string& name) {
  return PTEDIFF_SOURCE_DIR "/conformance/mutants/" + name + ".repro";
}

// The encoding header byte for `h` (byte 1, the mutant name length, is 0:
// the mutant is selected through RunOptions).
std::vector<uint8_t> header_bytes(const Header& h) {
  const uint8_t b = static_cast<uint8_t>(h.granule | (h.hafdbs ? 4 : 0) | (h.bbml2 ? 8 : 0) |
                                         (static_cast<uint8_t>(Profile::kFold) << 4));
  return {b, 0};
}

// The encoded ops of the mutant's hand-written program (header stripped).
std::vector<uint8_t> seed_ops(const std::string& name) {
  std::ifstream in(mutant_file(name));
  std::stringstream ss;
  ss << in.rdbuf();
  Program p;
  ParseError err;
  if (!parse_repro(ss.str(), name, &p, &err)) return {};
  const std::vector<uint8_t> all = encode_program(p);
  const size_t skip = 2 + (all.size() > 1 ? all[1] : 0);
  return std::vector<uint8_t>(all.begin() + std::min(skip, all.size()), all.end());
}

// One to four byte-level mutations, as a fuzzer's mutator makes them.
void mutate(std::vector<uint8_t>* b, std::mt19937_64& rng) {
  auto pos = [&](size_t extra) { return rng() % (b->size() + extra); };
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) {
    switch (rng() % 4) {
      case 0:
        if (!b->empty()) (*b)[pos(0)] = static_cast<uint8_t>(rng());
        break;
      case 1: {
        const size_t at = pos(1), len = 1 + rng() % 16;
        for (size_t k = 0; k < len; ++k) b->insert(b->begin() + at, static_cast<uint8_t>(rng()));
        break;
      }
      case 2:
        if (b->size() > 1) {
          const size_t at = pos(0), len = std::min<size_t>(1 + rng() % 8, b->size() - at);
          b->erase(b->begin() + at, b->begin() + at + len);
        }
        break;
      default: {
        const size_t len = 1 + rng() % 32;
        for (size_t k = 0; k < len; ++k) b->push_back(static_cast<uint8_t>(rng()));
      }
    }
  }
}

// Whether the program decoded from `header + ops` diverges under `mutant`.
bool diverges(const std::string& mutant, const std::vector<uint8_t>& header,
              const std::vector<uint8_t>& ops) {
  std::vector<uint8_t> bytes = header;
  bytes.insert(bytes.end(), ops.begin(), ops.end());
  RunOptions opts;
  opts.mutant = mutant;
  Executor ex(with_builtin_backends(opts));
  return ex.run(decode_program(bytes)).diverged();
}

// Executions until the first divergence (1-based), or 0 within the budget.
size_t fuzz_random(const std::string& mutant, const Header& h) {
  std::mt19937_64 rng(seed_of(mutant));
  const std::vector<uint8_t> header = header_bytes(h);
  for (size_t i = 1; i <= kRandomExecs; ++i) {
    std::vector<uint8_t> ops(20 + rng() % 300);
    for (uint8_t& x : ops) x = static_cast<uint8_t>(rng());
    if (diverges(mutant, header, ops)) return i;
  }
  return 0;
}

size_t fuzz_seeded(const std::string& mutant, const Header& h) {
  std::mt19937_64 rng(seed_of(mutant) ^ 0x5eed);
  const std::vector<uint8_t> header = header_bytes(h), seed = seed_ops(mutant);
  if (seed.empty()) return 0;
  for (size_t i = 1; i <= kSeededExecs; ++i) {
    std::vector<uint8_t> ops = seed;
    mutate(&ops, rng);
    if (diverges(mutant, header, ops)) return i;
  }
  return 0;
}

struct Row {
  std::string mutant;
  std::string scenario;  // divergence class of the hand-written program
  bool scenario_clean_when_fixed = false;
  bool property = false;
  int property_cases = 0;  // cases passed before the failing one
  size_t random_execs = 0, seeded_execs = 0;
  uint64_t explore_schedules = 0;  // schedules explore ran to find it (0: not found / not run)
  double seconds = 0;

  bool by_scenario() const { return scenario != "none" && scenario_clean_when_fixed; }
  bool by_fuzz() const { return random_execs != 0 || seeded_execs != 0; }
  int detections() const { return by_scenario() + property + by_fuzz() + (explore_schedules != 0); }
};

// Schedules `explore --bound 1` runs on mutant's program without its events
// until it diverges, or 0.
uint64_t explore_mutant(const std::string& mutant) {
  std::ifstream in(mutant_file(mutant));
  std::stringstream ss;
  ss << in.rdbuf();
  Program p;
  ParseError err;
  if (!parse_repro(ss.str(), mutant, &p, &err)) return 0;
  std::erase_if(p.ops, [](const Op& op) { return is_event(op.kind); });
  ExploreOptions eo;
  eo.run.mutant = mutant;
  eo.run = with_builtin_backends(eo.run);
  eo.bound = 1;
  const ExploreResult r = explore(p, eo);
  return r.found ? r.schedules : 0;
}

std::string cell(size_t execs) { return execs == 0 ? "-" : std::to_string(execs); }

TEST(MutantGate, EveryMutantIsCaughtByAtLeastTwoMeans) {
  std::vector<Row> rows;
  for (const MutantInfo& m : optimized_mutants()) {
    const bool needs_events = interleaving_only_mutant(m.name);
    const auto t0 = std::chrono::steady_clock::now();
    Row r;
    r.mutant = m.name;
    r.scenario = replay_file_divergence_class(mutant_file(r.mutant), r.mutant);
    r.scenario_clean_when_fixed =
        replay_file_divergence_class(mutant_file(r.mutant), "none") == "none";
    const Header h = header_for_mutant(r.mutant);
    StatefulConfig c;
    c.header = h;
    c.seed = seed_of(r.mutant);
    c.max_success = kPropertyCases;
    c.max_size = 50;
    c.shrink = false;
    if (needs_events) {
      r.explore_schedules = explore_mutant(r.mutant);
    } else {
      const StatefulOutcome out = check_stateful(c);
      r.property = !out.passed;
      r.property_cases = out.successes;
    }
    r.random_execs = fuzz_random(r.mutant, h);
    r.seeded_execs = fuzz_seeded(r.mutant, h);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    rows.push_back(r);
  }

  std::printf("\n%-30s %-16s %-16s %-12s %-12s %-10s %s\n", "mutant", "scenario", "property(cases)",
              "fuzz-random", "fuzz-seeded", "explore", "detected by");
  for (const Row& r : rows) {
    std::string by;
    if (r.by_scenario()) by += "scenario ";
    if (r.property) by += "property ";
    if (r.by_fuzz()) by += "fuzz ";
    if (r.explore_schedules != 0) by += "explore";
    const std::string prop =
        r.property ? "yes (" + std::to_string(r.property_cases + 1) + ")" : "no";
    std::printf("%-30s %-16s %-16s %-12s %-12s %-10s %s  [%.1fs]\n", r.mutant.c_str(),
                r.scenario.c_str(), prop.c_str(), cell(r.random_execs).c_str(),
                cell(r.seeded_execs).c_str(), cell(r.explore_schedules).c_str(), by.c_str(),
                r.seconds);
  }
  std::printf("budgets: property %d cases, fuzz %zu random + %zu seeded execs\n", kPropertyCases,
              kRandomExecs, kSeededExecs);

  for (const Row& r : rows) {
    EXPECT_GE(r.detections(), 1) << r.mutant << " survives every means";
    EXPECT_GE(r.detections(), 2) << r.mutant << " is caught by only one means";
    EXPECT_TRUE(r.scenario_clean_when_fixed) << r.mutant << ": the hand-written program "
                                             << "diverges on the fixed backend";
  }
}

}  // namespace
}  // namespace ptediff
