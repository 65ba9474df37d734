// ptediff kernel gate: the Linux contpte.c backend (build/kernel/libcontpte-KVER.so) runs every
// shipped program (corpus/, conformance/mutants/ as plain programs, conformance/regressions/)
// clean and deterministically, and every source-level mutant of kernel/mutants.tsv is caught by
// at least one of them with the class the table expects (class "none": stays unseen); the
// interleaving-only ones only with their mid-op events, and explore finds them. Both kernel
// backends (contpte.c, hugetlbpage.c) name the kernel line of every primitive they issue.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/external.h"
#include "subjects/contpte/backends.h"
#include "subjects/contpte/executor.h"
#include "subjects/contpte/explore.h"
#include "subjects/contpte/report.h"
#include "subjects/contpte/text.h"
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

// ---- Call sites: every primitive names the kernel line that issued it ----

// "[contpte.c:71 contpte_convert]" at the end of a report line.
struct Site {
  std::string file;
  int line = 0;
  std::string func;
  auto operator<=>(const Site&) const = default;
};

// The site a primitive line of explain ends with, if any.
std::optional<Site> site_of(absl::string_view line) {
  if (!absl::EndsWith(line, "]")) return std::nullopt;
  const size_t open = line.rfind('[');
  if (open == absl::string_view::npos) return std::nullopt;
  const std::vector<std::string> f =
      absl::StrSplit(line.substr(open + 1, line.size() - open - 2), absl::ByAnyChar(": "));
  Site s;
  if (f.size() != 3 || !absl::SimpleAtoi(f[1], &s.line)) return std::nullopt;
  s.file = f[0];
  s.func = f[2];
  return s;
}

// The primitive a line of O's log shows ("write", "flush_tlb_range", ...), or "" for other lines.
std::string prim_of(absl::string_view line) {
  static const std::set<std::string> kPrims = {
      "read", "write", "xchg", "cmpxchg", "flush_tlb_range", "flush_tlb_mm", "dsb", "hw_update"};
  const std::vector<std::string> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (words.empty() || words[0] != "O") return "";
  for (const std::string& w : words) {
    if (kPrims.contains(w)) return w;
  }
  return "";
}

// What the explain output of some programs shows of O's primitives.
struct ExplainedSites {
  std::map<Site, size_t> sites;      // each site, with the primitive lines naming it
  size_t entry_prims = 0;            // entry primitive lines (read, write, xchg, cmpxchg)
  std::vector<std::string> unsited;  // entry primitive lines without a site
};

// Explains `rels` (source-tree paths) with `opts` and collects the sites.
ExplainedSites explain_sites(const std::vector<std::string>& rels, const CaseOptions& opts) {
  ExplainedSites out;
  for (const std::string& rel : rels) {
    const std::unique_ptr<Case> c = load_source_case(rel);
    if (c == nullptr) continue;  // load_source_case failed the test already
    int status = 0;
    const std::string text = c->explain(opts, &status);
    EXPECT_NE(status, 2) << rel << ": " << text;
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      line = absl::StripAsciiWhitespace(line);
      const std::string prim = prim_of(line);
      if (prim.empty() || prim == "hw_update") continue;
      const std::optional<Site> site = site_of(line);
      if (site) ++out.sites[*site];
      if (prim != "read" && prim != "write" && prim != "xchg" && prim != "cmpxchg") continue;
      ++out.entry_prims;
      if (!site) out.unsited.push_back(absl::StrCat(rel, ": ", line));
    }
  }
  return out;
}

// The corpus programs of `subject`.
std::vector<std::string> corpus_of(const char* subject) {
  std::vector<std::string> out;
  for (const ShippedProgram& p : shipped_programs({ShippedKind::kCorpus})) {
    if (p.subject == find_subject(subject)) out.push_back(p.rel);
  }
  return out;
}

// The names a kernel file calls that kshim/sites.h gives a site: every `#define NAME(`
// there (kshim_dsb_ish is what `dsb(ish)` expands to).
std::set<std::string> sited_helpers() {
  std::set<std::string> out;
  std::ifstream in(fs::path(PTEDIFF_SOURCE_DIR) / "kernel/common/include/kshim/sites.h");
  for (std::string line; std::getline(in, line);) {
    if (!absl::StartsWith(line, "#define ")) continue;
    const std::string name = line.substr(8, line.find('(') - 8);
    out.insert(name == "kshim_dsb_ish" ? "dsb" : name);
  }
  return out;
}

// A file's lines, line 1 first.
std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Expects that line `s.line` of `lines` ends a call of a sited helper (a call written over
// several lines is named by its last line: clang's __LINE__ inside a macro's arguments) inside
// the definition of `s.func`: the last line above it that starts a definition (at column 0,
// with a parenthesis) names s.func.
void expect_call_site(const std::vector<std::string>& lines, const Site& s,
                      const std::set<std::string>& helpers) {
  ASSERT_GE(s.line, 1) << s.file;
  ASSERT_LE(static_cast<size_t>(s.line), lines.size()) << s.file;
  std::string call = lines[s.line - 1];
  for (int k = s.line - 1; k >= 1; --k) {
    const absl::string_view above = absl::StripTrailingAsciiWhitespace(lines[k - 1]);
    if (absl::EndsWith(above, ";") || absl::EndsWith(above, "{") || absl::EndsWith(above, "}")) {
      break;
    }
    call = absl::StrCat(above, " ", call);
  }
  const bool calls = std::any_of(helpers.begin(), helpers.end(), [&](const std::string& h) {
    return absl::StrContains(call, h + "(") || absl::StrContains(call, "(" + h + ")(");
  });
  EXPECT_TRUE(calls) << s.file << ":" << s.line << " calls no sited helper: " << call;
  std::string def;
  for (int k = s.line - 1; k >= 1 && def.empty(); --k) {
    const std::string& l = lines[k - 1];
    if (!l.empty() && absl::StrContains(l, "(") &&
        absl::string_view("#{} \t/*").find(l[0]) == absl::string_view::npos) {
      def = l;
    }
  }
  EXPECT_TRUE(absl::StrContains(def, s.func + "("))
      << s.file << ":" << s.line << " is not in " << s.func << " (the definition above: " << def
      << ")";
}

// The check above fires on a line that calls no sited helper and on a line outside the function
// named, and takes the last line of a call written over two.
TEST(KernelSites, TheLineCheckHasTeeth) {
  const std::vector<std::string> lines = {
      "static void f(pte_t *p, pte_t v)", "{", "\tint y = 0;", "\t__set_pte(p,", "\t\t  v);", "}"};
  const std::set<std::string> helpers = sited_helpers();
  EXPECT_NONFATAL_FAILURE(expect_call_site(lines, {"f.c", 3, "f"}, helpers),
                          "calls no sited helper");
  EXPECT_NONFATAL_FAILURE(expect_call_site(lines, {"f.c", 5, "g"}, helpers), "is not in g");
  expect_call_site(lines, {"f.c", 5, "f"}, helpers);
}

// Explains the corpus of `subject` with `opts` and checks what it shows: more than
// `min_entry_prims` entry primitives, every one with a site; each site in a file of `files` (by
// the name it shows), on a line that calls a sited helper inside the function named; and a site
// in each function of `want`.
void expect_corpus_sites(const char* subject, const CaseOptions& opts, size_t min_entry_prims,
                         const std::map<std::string, fs::path>& files,
                         std::initializer_list<const char*> want) {
  const ExplainedSites got = explain_sites(corpus_of(subject), opts);
  EXPECT_GT(got.entry_prims, min_entry_prims);
  EXPECT_TRUE(got.unsited.empty())
      << got.unsited.size() << " unsited, first " << got.unsited.front();
  const std::set<std::string> helpers = sited_helpers();
  ASSERT_GT(helpers.size(), 20u);
  std::set<std::string> funcs;
  for (const auto& [site, n] : got.sites) {
    ASSERT_TRUE(files.contains(site.file)) << site.file << ":" << site.line << " " << site.func;
    expect_call_site(lines_of(files.at(site.file)), site, helpers);
    funcs.insert(site.func);
    std::printf("  %s:%d %s: %zu primitives\n", site.file.c_str(), site.line, site.func.c_str(), n);
  }
  for (const char* f : want) EXPECT_TRUE(funcs.contains(f)) << "no primitive named a line of " << f;
}

// contpte.c's own lines and those of its CONFIG_ARM64_CONTPTE wrappers, read from the
// extracted files; the shim's stand-in of core-mm's ptep_clear_flush, called by the harness,
// names its own lines. The corpus reaches the kernel's conversion, its batch calls and its
// young/dirty paths.
TEST(KernelSites, ContpteExplainNamesTheKernelLineOfEveryPrimitive) {
  CaseOptions opts;
  opts.backend = load("");
  ASSERT_NE(opts.backend, nullptr);
  opts.stop_at_first = false;
  const fs::path src = fs::path(KSHIM_OUT) / absl::StrCat("src-", KVER);
  expect_corpus_sites(
      "contpte", opts, 1000,
      {{"contpte.c", src / "contpte.c"},
       {"contpte_wrappers.h", src / "contpte_wrappers.h"},
       {"generic.h", fs::path(PTEDIFF_SOURCE_DIR) / "kernel/common/include/kshim/generic.h"}},
      {"contpte_convert", "contpte_set_ptes", "contpte_clear_full_ptes",
       "contpte_ptep_set_access_flags", "contpte_wrprotect_ptes",
       "contpte_ptep_test_and_clear_young", "set_ptes", "ptep_get_and_clear"});
}

// hugetlbpage.c's lines and those of the extracted flush_hugetlb_tlb_range(); the shim's
// stand-ins (ptep_get_and_clear, ptep_clear_flush) take the line that called them. Functions
// by their kernel names, not by the per-granule symbols (huge_ptep_clear_flush_12).
TEST(KernelSites, HugetlbExplainNamesTheKernelLineOfEveryPrimitive) {
  std::string err;
  CaseOptions opts;
  opts.backend_v2 =
      load_external_backend_v2(absl::StrCat(KSHIM_OUT, "/libhugetlb-", KVER, ".so"), &err);
  ASSERT_NE(opts.backend_v2, nullptr) << err;
  opts.stop_at_first = false;
  const fs::path src = fs::path(KSHIM_OUT) / absl::StrCat("hugetlb-src-", KVER);
  expect_corpus_sites(
      "hugetlb", opts, 500,
      {{"hugetlbpage.c", src / "hugetlbpage.c"},
       {"flush_hugetlb_tlb_range.h", src / "flush_hugetlb_tlb_range.h"}},
      {"set_huge_pte_at", "get_clear_contig", "clear_flush", "huge_ptep_clear_flush",
       "huge_ptep_set_access_flags", "huge_ptep_set_wrprotect", "flush_hugetlb_tlb_range"});
}

}  // namespace
}  // namespace ptediff
