// ptediff conformance: helpers shared by the scenario, property and gate tests.
//
// A Scenario is a repro text run by the Executor with the per-op trace kept,
// so a test reads like the kernel scenario it models and then asserts R/O
// agreement and O's exact state (entries, CONT, access/dirty, flushes). A
// BackendFixture (testing/fixture.h) is one machine with one backend for
// API-level checks that no legal program can reach (a range a repaired op
// would widen, folio_pte_batch).
#ifndef PTEDIFF_SUBJECTS_CONTPTE_SCENARIO_UTIL_H_
#define PTEDIFF_SUBJECTS_CONTPTE_SCENARIO_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "subjects/contpte/api.h"
#include "subjects/contpte/executor.h"
#include "mmu/folio.h"
#include "mmu/machine.h"
#include "testing/fixture.h"

namespace ptediff {

// Header lines of the most common set-up (4K granule, hardware AF/DBM).
inline constexpr std::string_view k4kHafdbs = "granule 4k\nfeatures hafdbs\n";

// "ptediff-repro 1\n" + header + body.
std::string repro_text(std::string_view header, std::string_view body);

// Header lines for a granule and feature list ("hafdbs", "none", "hafdbs,bbml2").
std::string header_for(ptediff_granule g, std::string_view features);

// `count` single-entry set_ptes lines mapping page idx[i] of `folio` at
// va + i pages (in the order given), as a fault path filling a block would.
std::string one_by_one(uint32_t mm, uint64_t va, uint64_t page, uint32_t folio,
                       const std::vector<uint32_t>& idx, std::string_view prot);

class Scenario {
 public:
  // Parses and runs header + body; opts.keep_trace is forced on.
  Scenario(std::string_view header, std::string_view body, RunOptions opts = {});

  bool parsed() const { return error_.empty(); }
  const std::string& parse_error() const { return error_; }
  const Program& program() const { return program_; }
  const RunResult& result() const { return res_; }
  bool diverged() const { return res_.diverged(); }
  // The first divergence's class name, or "none".
  std::string first_class() const;

  const Machine& ref() const { return *ex_->ref_machine(); }
  const Machine& opt() const { return *ex_->opt_machine(); }
  const TraceStep& step(size_t i) const { return res_.trace.at(i); }
  size_t steps() const { return res_.trace.size(); }
  const Op& effective_op(size_t i) const { return res_.effective.ops.at(i); }

  const ptediff_geometry& geo() const { return geo_; }
  uint64_t page() const { return ptediff_page_size(&geo_); }
  uint64_t block() const { return ptediff_cont_pte_size(&geo_); }
  // Final entries of O and R.
  pte_t o(uint32_t mm, uint64_t va) const { return opt().peek(mm, va); }
  pte_t r(uint32_t mm, uint64_t va) const { return ref().peek(mm, va); }

  // The parse error, or the first divergence and the effective program.
  std::string report() const;

 private:
  ptediff_geometry geo_;
  Program program_;
  std::string error_;
  std::unique_ptr<Executor> ex_;
  RunResult res_;
};

// Parsed, ran, and R and O agree on every op.
::testing::AssertionResult Agrees(const Scenario& s);

// Every entry of the block containing va is valid+CONT.
bool block_folded(const Machine& m, uint32_t mm, uint64_t va);
// Some entry of the block containing va has CONT.
bool block_has_cont(const Machine& m, uint32_t mm, uint64_t va);
// Number of folded blocks in [va, va + pages).
size_t folded_blocks(const Machine& m, uint32_t mm, uint64_t va, uint64_t pages);

// The TLB maintenance records of a log (flush_tlb_range and flush_tlb_mm).
std::vector<LogRec> flushes(const std::vector<LogRec>& log);
size_t count_prim(const std::vector<LogRec>& log, Prim p);
// Whether one synced flush_tlb_range of the log (or a flush_tlb_mm) covers
// every page of [start, end) in mm.
bool flushed_synced(const std::vector<LogRec>& log, const ptediff_geometry& geo, uint32_t mm,
                    uint64_t start, uint64_t end);

// Allocates a folio and maps it whole at va in the fixture's machine with prot
// flags (ProtFlag), through its backend.
ptediff_folio map_folio(BackendFixture& fx, uint32_t mm, uint64_t va, uint32_t order,
                        uint64_t prot);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_SCENARIO_UTIL_H_
