// ptediff conformance: helpers shared by the scenario, property and gate tests
// (see scenario_test_util.h).
#include "subjects/contpte/scenario_test_util.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/text.h"
#include "subjects/contpte/backends.h"

namespace ptediff {

std::string repro_text(std::string_view header, std::string_view body) {
  return absl::StrCat("ptediff-repro 1\n", std::string(header), std::string(body));
}

std::string header_for(ptediff_granule g, std::string_view features) {
  return absl::StrFormat("granule %s\nfeatures %s\n", granule_name(g), std::string(features));
}

std::string one_by_one(uint32_t mm, uint64_t va, uint64_t page, uint32_t folio,
                       const std::vector<uint32_t>& idx, std::string_view prot) {
  std::string out;
  for (size_t i = 0; i < idx.size(); ++i) {
    absl::StrAppendFormat(&out, "set_ptes mm=%u va=%#x nr=1 folio=%u idx=%u prot=%s\n", mm,
                          va + i * page, folio, idx[i], std::string(prot));
  }
  return out;
}

Scenario::Scenario(std::string_view header, std::string_view body, RunOptions opts) {
  ParseError err;
  const std::string text = repro_text(header, body);
  opts.keep_trace = true;
  ex_ = std::make_unique<Executor>(with_builtin_backends(std::move(opts)));
  if (!parse_repro(text, "<scenario>", &program_, &err)) {
    error_ = err.str();
    geo_ = ptediff_geometry_of(PTEDIFF_GRANULE_4K);
    res_ = ex_->run(Program{});  // keeps the machines valid for accessors
    return;
  }
  geo_ = ptediff_geometry_of(program_.header.granule);
  res_ = ex_->run(program_);
  if (!res_.error.empty()) error_ = res_.error;
}

std::string Scenario::first_class() const {
  return res_.diverged() ? div_class_name(res_.divergences.front().cls) : "none";
}

std::string Scenario::report() const {
  if (!error_.empty()) return error_;
  std::string out;
  if (res_.diverged()) out = format_divergence(res_, res_.divergences.front()) + "\n";
  return out + format_repro(res_.effective);
}

::testing::AssertionResult Agrees(const Scenario& s) {
  if (!s.parsed()) return ::testing::AssertionFailure() << "bad scenario: " << s.parse_error();
  if (s.diverged()) return ::testing::AssertionFailure() << s.report();
  if (s.result().skipped != 0) {
    return ::testing::AssertionFailure()
           << s.result().skipped << " op(s) skipped by the repair step\n"
           << s.report();
  }
  return ::testing::AssertionSuccess();
}

namespace {

uint64_t block_start(const ptediff_geometry& g, uint64_t va) {
  return va & ~(ptediff_cont_pte_size(&g) - 1);
}

}  // namespace

bool block_folded(const Machine& m, uint32_t mm, uint64_t va) {
  const ptediff_geometry& g = m.geo();
  const uint64_t start = block_start(g, va);
  for (uint32_t i = 0; i < g.cont_ptes; ++i) {
    if (!pte_valid_cont(m.peek(mm, start + i * ptediff_page_size(&g)))) return false;
  }
  return true;
}

bool block_has_cont(const Machine& m, uint32_t mm, uint64_t va) {
  const ptediff_geometry& g = m.geo();
  const uint64_t start = block_start(g, va);
  for (uint32_t i = 0; i < g.cont_ptes; ++i) {
    if (pte_cont(m.peek(mm, start + i * ptediff_page_size(&g)))) return true;
  }
  return false;
}

size_t folded_blocks(const Machine& m, uint32_t mm, uint64_t va, uint64_t pages) {
  const ptediff_geometry& g = m.geo();
  size_t n = 0;
  for (uint64_t p = 0; p < pages; p += g.cont_ptes) {
    n += block_folded(m, mm, va + p * ptediff_page_size(&g)) ? 1 : 0;
  }
  return n;
}

std::vector<LogRec> flushes(const std::vector<LogRec>& log) {
  std::vector<LogRec> out;
  std::copy_if(log.begin(), log.end(), std::back_inserter(out), [](const LogRec& r) {
    return r.prim == Prim::kFlushRange || r.prim == Prim::kFlushMm;
  });
  return out;
}

size_t count_prim(const std::vector<LogRec>& log, Prim p) {
  return std::count_if(log.begin(), log.end(), [p](const LogRec& r) { return r.prim == p; });
}

bool flushed_synced(const std::vector<LogRec>& log, const ptediff_geometry& geo, uint32_t mm,
                    uint64_t start, uint64_t end) {
  const uint64_t page = ptediff_page_size(&geo);
  for (const LogRec& r : log) {
    if (r.mm != mm) continue;
    if (r.prim == Prim::kFlushMm) return true;
    if (r.prim != Prim::kFlushRange || !r.sync) continue;
    bool all = true;
    for (uint64_t a = start; all && a < end; a += page) {
      all = range_hits(r.addr, r.end, r.stride, a, page);
    }
    if (all) return true;
  }
  return false;
}

ptediff_folio map_folio(BackendFixture& fx, uint32_t mm, uint64_t va, uint32_t order,
                        uint64_t prot) {
  const ptediff_folio f = fx.folios().alloc(order, Placement::kLow);
  fx.api().set_ptes(mm, va, prot_to_pte(fx.geo(), f.start_pfn, prot),
                    static_cast<unsigned>(f.nr_pages));
  return f;
}

}  // namespace ptediff
