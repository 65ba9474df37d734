// ptediff bench: the contpte cost tables in model units.
//
// For fork and munmap of a region of order-0 folios and of PMD-order folios
// (order 9 with 4K pages; 11 / 13 with 16K / 64K), prints per PTE the reads,
// writes, atomics, TLBIs and DSBs each backend issues: the per-PTE reference
// and the contpte backend at the three stages of the series (basic, batch,
// fold). Then a summary in the shape of the series' cover-letter tables: the
// change in total primitives against the reference.
//
//   cost_table [--granules=4k,16k,64k] [--tables=N] [--mutant=NAME] [--backend=PATH.so]
//              [--check]
//
// --mutant runs the optimized backend with one of its fault injections (a
// mutant that changes the cost shape, e.g. get-no-gather, fails --check).
//
// --backend=PATH.so measures an external backend in the same run, one more
// row per workload (e.g. the kernel's own contpte.c, build/kernel/
// libcontpte-6.12.so, next to the built-in contpte backend; README "Running
// the kernel's own contpte.c").
//
// --check asserts the expected shape and exits 1 if it does not hold: on the
// PMD-order fork, basic reads more than CONT_PTES/2 times what batch reads
// (every ptep_get of a folded entry gathers its whole block) and batch reads
// fewer than 3 entries per PTE; on the order-0 fork, fold costs exactly what
// batch costs and differs from the reference only by at most one read per PTE
// (set_ptes(nr == 1) reads the old entry to see whether it must unfold); no
// run diverges.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/workload.h"
#include "engine/external.h"
#include "subjects/contpte/text.h"

namespace ptediff::bench {
namespace {

constexpr Profile kProfiles[] = {Profile::kBasic, Profile::kBatch, Profile::kFold};

struct Options {
  std::vector<ptediff_granule> granules = {PTEDIFF_GRANULE_4K, PTEDIFF_GRANULE_16K,
                                           PTEDIFF_GRANULE_64K};
  uint32_t tables = 2;
  std::string mutant;  // "" = none
  bool check = false;
  const ptediff_backend* external = nullptr;  // --backend
};

// One measured cell: a workload on every profile (the reference comes from
// the same runs; it does not depend on the profile).
struct Row {
  Workload w;
  Counters ref;
  Counters opt[std::size(kProfiles)];
  Counters ext;  // the external backend (profile fold), when there is one
  uint64_t pages = 0;
};

int usage(const char* argv0) {
  std::fprintf(stderr,
               "usage: %s [--granules=4k,16k,64k] [--tables=N] [--mutant=NAME] "
               "[--backend=PATH.so] [--check]\n",
               argv0);
  return 2;
}

bool parse_args(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--check") {
      o->check = true;
    } else if (a.starts_with("--granules=")) {
      o->granules.clear();
      const std::string list(a.substr(11));
      for (absl::string_view g : absl::StrSplit(list, ',')) {
        ptediff_granule gr;
        if (!parse_granule(std::string_view(g.data(), g.size()), &gr)) return false;
        o->granules.push_back(gr);
      }
    } else if (a.starts_with("--mutant=")) {
      o->mutant = a.substr(9);
      if (!valid_mutant_name(o->mutant)) return false;
    } else if (a.starts_with("--backend=")) {
      std::string err;
      o->external = load_external_backend(std::string(a.substr(10)), &err);
      if (o->external == nullptr) {
        std::fprintf(stderr, "%s\n", err.c_str());
        return false;
      }
    } else if (a.starts_with("--tables=")) {
      o->tables =
          static_cast<uint32_t>(std::strtoul(std::string(a.substr(9)).c_str(), nullptr, 10));
      if (o->tables == 0 || o->tables > 64) return false;
    } else {
      return false;
    }
  }
  return !o->granules.empty();
}

// Prints and counts a measurement that failed or diverged.
void note_failure(const FlowCost& c, const std::string& what, int* failures) {
  if (c.error.empty() && c.divergences == 0) return;
  absl::PrintF("FAIL %s: %s\n", what,
               c.error.empty() ? absl::StrFormat("%u divergences", c.divergences) : c.error);
  ++*failures;
}

// Measures one workload on every profile, and on the external backend if
// any. Errors and divergences are printed and counted in *failures.
Row measure_row(const Workload& w, const Options& o, int* failures) {
  Row row{w};
  const std::string what0 =
      absl::StrFormat("%s %s order-%u", granule_name(w.granule), flow_name(w.flow), w.order);
  if (o.external != nullptr) {
    const FlowCost c = measure(w, Profile::kFold, "", o.external);
    note_failure(c, absl::StrCat(what0, " ", o.external->name), failures);
    row.ext = c.opt;
  }
  for (size_t i = 0; i < std::size(kProfiles); ++i) {
    const FlowCost c = measure(w, kProfiles[i], o.mutant);
    const std::string what = absl::StrCat(what0, " ", profile_name(kProfiles[i]));
    note_failure(c, what, failures);
    if (i > 0 && total(c.ref) != total(row.ref)) {
      absl::PrintF("FAIL %s: the reference cost depends on the profile\n", what);
      ++*failures;
    }
    row.ref = c.ref;
    row.opt[i] = c.opt;
    row.pages = c.pages;
  }
  return row;
}

std::string per_pte(uint64_t v, uint64_t pages) {
  return absl::StrFormat("%.3f", pages ? static_cast<double>(v) / pages : 0.0);
}

std::string delta(const Counters& c, const Counters& ref) {
  const double r = static_cast<double>(total(ref));
  return r == 0 ? "n/a" : absl::StrFormat("%+.1f%%", 100.0 * (total(c) / r - 1.0));
}

void print_cells(const Row& r, const char* backend, const Counters& c, unsigned cont_ptes) {
  absl::PrintF("| %s | order-%u | %s | %s | %.1f | %s | %s | %s | %s | %s |\n", flow_name(r.w.flow),
               r.w.order, backend, per_pte(c.reads, r.pages),
               static_cast<double>(c.reads) * cont_ptes / r.pages, per_pte(c.writes, r.pages),
               per_pte(c.atomics, r.pages), per_pte(c.tlbis, r.pages), per_pte(c.dsbs, r.pages),
               delta(c, r.ref));
}

void print_detail(const ptediff_geometry& geo, const std::vector<Row>& rows, const Options& o) {
  const uint32_t tables = o.tables;
  std::printf("\n### %s granule: primitives per PTE (CONT_PTES %u, %u tables = %llu PTEs)\n\n",
              granule_name(geo.granule), geo.cont_ptes, tables,
              static_cast<unsigned long long>(rows.front().pages));
  std::printf(
      "| flow | folios | backend | reads | reads/block | writes | atomics | TLBIs | DSBs "
      "| all vs ref |\n");
  std::printf("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
  for (const Row& r : rows) {
    print_cells(r, "reference", r.ref, geo.cont_ptes);
    for (size_t i = 0; i < std::size(kProfiles); ++i) {
      print_cells(r, profile_name(kProfiles[i]), r.opt[i], geo.cont_ptes);
    }
    if (o.external != nullptr) print_cells(r, o.external->name, r.ext, geo.cont_ptes);
  }
}

// The cover-letter shape: one table per flow, profiles down, folio orders across.
void print_summary(const ptediff_geometry& geo, const std::vector<Row>& rows, const Options& o) {
  for (Flow f : {Flow::kFork, Flow::kZap}) {
    std::vector<const Row*> cols;
    for (const Row& r : rows) {
      if (r.w.flow == f) cols.push_back(&r);
    }
    std::printf("\n| %s %s | ", flow_name(f), granule_name(geo.granule));
    for (const Row* r : cols) std::printf("order-%u | ", r->w.order);
    std::printf("\n|---|");
    for (size_t c = 0; c < cols.size(); ++c) std::printf("---:|");
    std::printf("\n");
    std::printf("| reference |");
    for (size_t c = 0; c < cols.size(); ++c) std::printf(" 0.0%% |");
    std::printf("\n");
    for (size_t i = 0; i < std::size(kProfiles); ++i) {
      std::printf("| contpte-%s |", profile_name(kProfiles[i]));
      for (const Row* r : cols) absl::PrintF(" %s |", delta(r->opt[i], r->ref));
      std::printf("\n");
    }
    if (o.external != nullptr) {
      std::printf("| %s |", o.external->name);
      for (const Row* r : cols) absl::PrintF(" %s |", delta(r->ext, r->ref));
      std::printf("\n");
    }
  }
}

bool same_but_reads(const Counters& a, const Counters& b) {
  return a.writes == b.writes && a.atomics == b.atomics && a.tlbis == b.tlbis && a.dsbs == b.dsbs;
}
bool same(const Counters& a, const Counters& b) {
  return a.reads == b.reads && same_but_reads(a, b);
}

// The --check assertions on one granule's rows.
int check_shape(const ptediff_geometry& geo, const std::vector<Row>& rows) {
  int failures = 0;
  auto expect = [&](bool ok, const std::string& what) {
    absl::PrintF("%s %s %s\n", ok ? "ok  " : "FAIL", granule_name(geo.granule), what);
    failures += ok ? 0 : 1;
  };
  const uint32_t pmd = pmd_order(geo);
  for (const Row& r : rows) {
    if (r.w.flow != Flow::kFork) continue;
    const Counters& basic = r.opt[0];
    const Counters& batch = r.opt[1];
    const Counters& fold = r.opt[2];
    if (r.w.order == pmd) {
      const double ratio = batch.reads ? static_cast<double>(basic.reads) / batch.reads : 0;
      expect(ratio > geo.cont_ptes / 2.0,
             absl::StrFormat("fork order-%u: basic/batch reads %.2f > CONT_PTES/2 = %.1f", pmd,
                             ratio, geo.cont_ptes / 2.0));
      const double per = static_cast<double>(batch.reads) / r.pages;
      expect(per < 3.0, absl::StrFormat("fork order-%u: batch reads per PTE %.3f < 3", pmd, per));
    } else if (r.w.order == 0) {
      // Nothing can fold on order-0 folios: the fold stage must cost nothing
      // over batch, and contpte as a whole only its one read of the old entry
      // per set_ptes(nr == 1) (contpte_try_unfold's check); every write,
      // atomic, TLBI and DSB must match the reference.
      expect(same(fold, batch), "fork order-0: fold costs exactly what batch costs");
      expect(fold.reads <= r.ref.reads + r.pages && same_but_reads(fold, r.ref),
             absl::StrFormat("fork order-0: fold = reference + at most 1 read per PTE "
                             "(%s vs %s reads per PTE, rest equal)",
                             per_pte(fold.reads, r.pages), per_pte(r.ref.reads, r.pages)));
      const double rwa_ref = static_cast<double>(r.ref.reads + r.ref.writes + r.ref.atomics);
      const double rwa_fold = static_cast<double>(fold.reads + fold.writes + fold.atomics);
      absl::PrintF("info %s fork order-0: fold reads+writes+atomics %+.1f%% of reference\n",
                   granule_name(geo.granule), 100.0 * (rwa_fold / rwa_ref - 1.0));
    }
  }
  return failures;
}

int run(const Options& o) {
  int failures = 0;
  std::printf("## Model cost of fork and munmap per PTE (ptediff cost_table)\n");
  std::printf(
      "\nCosts are model units: one per primitive call, one TLBI per invalidated "
      "address (flush_tlb_mm counts 1), one DSB per synced flush or barrier. "
      "`all vs ref` is the change in the sum of all primitives.\n");
  if (!o.mutant.empty()) absl::PrintF("\nOptimized backend mutant: %s\n", o.mutant);
  for (ptediff_granule g : o.granules) {
    const ptediff_geometry geo = ptediff_geometry_of(g);
    std::vector<Row> rows;
    for (Flow f : {Flow::kFork, Flow::kZap}) {
      for (uint32_t order : {0u, pmd_order(geo)}) {
        rows.push_back(measure_row({g, f, order, o.tables}, o, &failures));
      }
    }
    print_detail(geo, rows, o);
    print_summary(geo, rows, o);
    if (o.check) failures += check_shape(geo, rows);
  }
  if (failures != 0) std::printf("\n%d check(s) failed\n", failures);
  return failures == 0 ? 0 : 1;
}

}  // namespace
}  // namespace ptediff::bench

int main(int argc, char** argv) {
  ptediff::bench::Options o;
  if (!ptediff::bench::parse_args(argc, argv, &o)) return ptediff::bench::usage(argv[0]);
  return ptediff::bench::run(o);
}
