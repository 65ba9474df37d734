// ptediff: tests of the gate's verdict and output formats (report/gate.h,
// report/gate_format.h): hand-built reports in every format, the KTAP read
// back by the kernel's own parser (kunit.py parse) and the JUnit by Python's
// XML parser.
#include "report/gate_format.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

// ---- Reports built by hand ---------------------------------------------------

GatePhase phase(std::string name, GatePhaseResult result = GatePhaseResult::kPass,
                std::string note = "") {
  return GatePhase{std::move(name), result, 3, 1.5, std::move(note)};
}

// A subject that ran every phase, the fuzzer cut by the budget.
GateSubject contpte() {
  GateSubject s;
  s.name = "contpte";
  s.source = "arch/arm64/mm/contpte.c";
  s.version = "6.12.117";
  s.programs = 12, s.schedules = 400, s.mutants = 45, s.mutants_applied = 42;
  s.mutants_caught = 40, s.mutants_missed = {"contpte.c:120 drop-flush", "contpte.c:301 or-young"};
  s.fuzz_execs = 12345;
  s.phases = {phase("build"), phase("programs"), phase("race"), phase("mutants"),
              phase("fuzz", GatePhaseResult::kCut, "budget spent after 60 s")};
  return s;
}

GateSubject hugetlb() {
  GateSubject s;
  s.name = "hugetlb";
  s.version = "6.12.117";
  s.programs = 7;
  s.phases = {phase("build"), phase("programs")};
  return s;
}

GateReport passing() {
  GateReport r;
  r.tree = "/src/linux", r.out_dir = "gate-out", r.seconds = 60, r.elapsed = 75.5;
  r.subjects = {contpte(), hugetlb()};
  return r;
}

GateFinding finding(GateStatus status, std::string cls, std::string phase) {
  GateFinding f;
  f.phase = std::move(phase), f.cls = std::move(cls), f.status = status;
  f.at = "mprotect", f.origin = "corpus/zap_64k.repro";
  f.repro = "gate-out/contpte/zap_64k.repro";
  f.report = "op 3 mprotect: stale TLB entry\n  va 0x10000 still maps pfn 0x42";
  return f;
}

// Over a base: the patch brought a flush-missing into contpte's programs.
GateReport with_new() {
  GateReport r = passing();
  r.base = "/src/linux-base";
  r.subjects[0].base_version = "6.12.116";
  r.subjects[0].phases[1] = phase("programs", GatePhaseResult::kFail, "1 divergence");
  r.subjects[0].findings = {finding(GateStatus::kNew, "flush-missing", "programs")};
  return r;
}

// Over a base: a known bug both trees carry, and one the patch fixes.
GateReport known_and_fixed() {
  GateReport r = with_new();
  GateFinding known = finding(GateStatus::kPreExisting, "access-dirty", "programs");
  known.known_commit = "eed6bfa8b282", known.known_title = "arm64/mm: fix dirty bit";
  r.subjects[0].findings = {known, finding(GateStatus::kFixed, "flush-missing", "base")};
  return r;
}

GateReport with_skipped() {
  GateReport r = passing();
  r.subjects[1] = GateSubject{.name = "hugetlb", .note = "no mm/hugetlb.c in the tree"};
  return r;
}

GateReport with_build_error() {
  GateReport r = passing();
  r.subjects[1].phases = {phase("build", GatePhaseResult::kError, "make: *** [mm/hugetlb.o] 2"),
                          phase("programs", GatePhaseResult::kSkip, "no backend")};
  return r;
}

GateReport with_gate_error() {
  GateReport r;
  r.tree = "/nowhere", r.seconds = 60;
  r.error = "/nowhere: not a Linux tree";
  return r;
}

// Whether `text` has `line` as one of its lines.
bool has_line(const std::string& text, std::string_view line) {
  const std::vector<std::string> lines = absl::StrSplit(text, '\n');
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

// The lines of `text` from the one equal to `first` on, `n` of them.
std::vector<std::string> lines_from(const std::string& text, std::string_view first, size_t n) {
  std::vector<std::string> all = absl::StrSplit(text, '\n');
  auto it = std::find(all.begin(), all.end(), first);
  if (it == all.end()) return {};
  return std::vector<std::string>(it, it + std::min<size_t>(n, all.end() - it));
}

// ---- The verdict -------------------------------------------------------------

TEST(GateVerdict, ExitStatus) {
  EXPECT_EQ(passing().exit_status(), 0);
  EXPECT_EQ(with_new().exit_status(), 1);
  EXPECT_EQ(known_and_fixed().exit_status(), 0);
  EXPECT_EQ(with_skipped().exit_status(), 0);
  EXPECT_EQ(with_build_error().exit_status(), 2);
  EXPECT_EQ(with_gate_error().exit_status(), 2);
  GateReport found = passing();  // no base: a finding fails unless it is known
  found.subjects[0].findings = {finding(GateStatus::kFound, "flush-missing", "fuzz")};
  EXPECT_EQ(found.exit_status(), 1);
  found.subjects[0].findings[0].known_commit = "eed6bfa8b282";
  EXPECT_EQ(found.exit_status(), 0);
  GateReport back = with_new();  // a known bug the patch brings back fails
  back.subjects[0].findings[0].known_commit = "eed6bfa8b282";
  EXPECT_EQ(back.exit_status(), 1);
  GateReport both = with_new();  // an error outranks a failure
  both.error = "out of disk";
  EXPECT_EQ(both.exit_status(), 2);
}

TEST(GateVerdict, Names) {
  EXPECT_STREQ(gate_phase_result_name(GatePhaseResult::kCut), "cut");
  EXPECT_STREQ(gate_phase_result_name(GatePhaseResult::kError), "error");
  EXPECT_STREQ(gate_status_name(GateStatus::kPreExisting), "pre-existing");
  EXPECT_STREQ(gate_status_name(GateStatus::kNew), "new");
}

TEST(GateFormat, ParsesTheFourNamesOnly) {
  GateFormat f = GateFormat::kText;
  EXPECT_TRUE(parse_gate_format("ktap", &f));
  EXPECT_EQ(f, GateFormat::kKtap);
  EXPECT_TRUE(parse_gate_format("junit", &f));
  EXPECT_EQ(f, GateFormat::kJunit);
  EXPECT_TRUE(parse_gate_format("json", &f));
  EXPECT_EQ(f, GateFormat::kJson);
  EXPECT_TRUE(parse_gate_format("text", &f));
  EXPECT_EQ(f, GateFormat::kText);
  for (std::string_view bad : {"", "TEXT", "tap", "json "}) {
    EXPECT_FALSE(parse_gate_format(bad, &f)) << bad;
    EXPECT_EQ(f, GateFormat::kText);
  }
  EXPECT_EQ(render_gate(with_new(), GateFormat::kKtap), render_gate_ktap(with_new()));
}

// ---- Text --------------------------------------------------------------------

TEST(GateText, PassingTableAndVerdict) {
  const std::string t = render_gate_text(passing());
  EXPECT_TRUE(has_line(t,
                       "ptediff gate: tree /src/linux, no base, budget 60 s, took 75.5 s, "
                       "out gate-out"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "subject  version   programs  schedules  mutants      fuzz execs  "
                       "findings"))
      << t;
  EXPECT_TRUE(has_line(t, "contpte  6.12.117  12        400        40/42 of 45  12345       none"))
      << t;
  EXPECT_TRUE(has_line(t, "hugetlb  6.12.117  7         0          -            0           none"))
      << t;
  EXPECT_TRUE(has_line(t, "contpte fuzz: cut: budget spent after 60 s")) << t;
  EXPECT_TRUE(has_line(t,
                       "contpte mutants missed: contpte.c:120 drop-flush, contpte.c:301 "
                       "or-young"))
      << t;
  EXPECT_FALSE(absl::StrContains(t, "contpte build")) << t;  // passed: no line
  EXPECT_TRUE(t.ends_with("\ngate: PASS\n")) << t;
}

TEST(GateText, NewFinding) {
  const std::string t = render_gate_text(with_new());
  EXPECT_TRUE(has_line(t,
                       "ptediff gate: tree /src/linux, base /src/linux-base, budget 60 s, "
                       "took 75.5 s, out gate-out"))
      << t;
  EXPECT_TRUE(absl::StrContains(t, "\ncontpte  6.12.117 (base 6.12.116)  12  ")) << t;
  EXPECT_TRUE(absl::StrContains(t, "  12345       1 new flush-missing\n")) << t;
  EXPECT_TRUE(has_line(t, "contpte programs: fail: 1 divergence")) << t;
  EXPECT_EQ(
      lines_from(t, "contpte: new flush-missing at mprotect (programs: corpus/zap_64k.repro)", 4),
      (std::vector<std::string>{
          "contpte: new flush-missing at mprotect (programs: corpus/zap_64k.repro)",
          "  repro: gate-out/contpte/zap_64k.repro", "    op 3 mprotect: stale TLB entry",
          "      va 0x10000 still maps pfn 0x42"}))
      << t;
  EXPECT_TRUE(t.ends_with("\ngate: FAIL (1 new finding)\n")) << t;
}

TEST(GateText, KnownAndFixed) {
  const std::string t = render_gate_text(known_and_fixed());
  EXPECT_TRUE(absl::StrContains(t, "  1 pre-existing known access-dirty; 1 fixed flush-missing\n"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "contpte: pre-existing known access-dirty at mprotect (programs: "
                       "corpus/zap_64k.repro)"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "  known: eed6bfa8b282 (arm64/mm: fix dirty bit) \xe2\x80\x94 "
                       "backport it"))
      << t;
  EXPECT_TRUE(has_line(t,
                       "contpte: fixed flush-missing at mprotect (base: "
                       "corpus/zap_64k.repro)"))
      << t;
  EXPECT_TRUE(t.ends_with("\ngate: PASS\n")) << t;
}

TEST(GateText, SkippedSubjectAndErrors) {
  const std::string t = render_gate_text(with_skipped());
  EXPECT_TRUE(has_line(t,
                       "hugetlb  -         -         -          -            -           "
                       "not run"))
      << t;
  EXPECT_TRUE(has_line(t, "hugetlb: not run: no mm/hugetlb.c in the tree")) << t;
  EXPECT_TRUE(t.ends_with("\ngate: PASS\n")) << t;
  const std::string e = render_gate_text(with_build_error());
  EXPECT_TRUE(has_line(e, "hugetlb build: error: make: *** [mm/hugetlb.o] 2")) << e;
  EXPECT_TRUE(has_line(e, "hugetlb programs: skip: no backend")) << e;
  EXPECT_TRUE(e.ends_with("\ngate: ERROR: hugetlb build: make: *** [mm/hugetlb.o] 2\n")) << e;
  EXPECT_EQ(render_gate_text(with_gate_error()),
            "ptediff gate: tree /nowhere, no base, budget 60 s, took 0.0 s\n\n"
            "gate: ERROR: /nowhere: not a Linux tree\n");
}

// ---- KTAP --------------------------------------------------------------------

TEST(GateKtap, PassingReport) {
  const std::string k = render_gate_ktap(passing());
  EXPECT_TRUE(k.starts_with("KTAP version 1\n1..2\n# ptediff gate: tree /src/linux,")) << k;
  EXPECT_EQ(lines_from(k, "  KTAP version 1", 4),
            (std::vector<std::string>{"  KTAP version 1", "  1..5",
                                      "  # contpte: version: 6.12.117, programs: 12, schedules: "
                                      "400, mutants: 40/42 of 45, fuzz execs: 12345, findings: "
                                      "none",
                                      "  ok 1 build"}))
      << k;
  EXPECT_EQ(lines_from(k, "  ok 4 mutants", 4),
            (std::vector<std::string>{"  ok 4 mutants", "  # cut: budget spent after 60 s",
                                      "  ok 5 fuzz", "ok 1 contpte"}))
      << k;
  EXPECT_TRUE(k.ends_with("  ok 2 programs\nok 2 hugetlb\n# gate: PASS\n")) << k;
}

TEST(GateKtap, NewFindingFailsItsPhaseAndSubject) {
  const std::string k = render_gate_ktap(with_new());
  EXPECT_EQ(
      lines_from(k, "  ok 1 build", 8),
      (std::vector<std::string>{
          "  ok 1 build", "  # fail: 1 divergence",
          "  # new flush-missing at mprotect (programs: corpus/zap_64k.repro)",
          "  #   repro: gate-out/contpte/zap_64k.repro", "  #     op 3 mprotect: stale TLB entry",
          "  #       va 0x10000 still maps pfn 0x42", "  not ok 2 programs", "  ok 3 race"}))
      << k;
  EXPECT_TRUE(has_line(k, "not ok 1 contpte")) << k;
  EXPECT_TRUE(has_line(k, "ok 2 hugetlb")) << k;
  EXPECT_TRUE(k.ends_with("# gate: FAIL (1 new finding)\n")) << k;
}

TEST(GateKtap, KnownAndFixedFindingsPassWithDiagnostics) {
  const std::string k = render_gate_ktap(known_and_fixed());
  EXPECT_TRUE(has_line(k,
                       "  # pre-existing known access-dirty at mprotect (programs: "
                       "corpus/zap_64k.repro)"))
      << k;
  EXPECT_TRUE(has_line(k,
                       "  #   known: eed6bfa8b282 (arm64/mm: fix dirty bit) \xe2\x80\x94 "
                       "backport it"))
      << k;
  EXPECT_TRUE(has_line(k, "  ok 2 programs")) << k;
  // The fixed finding's phase is not in the list: it gets one of its own.
  EXPECT_TRUE(has_line(k, "  1..6")) << k;
  EXPECT_TRUE(has_line(k,
                       "  #   known: eed6bfa8b282 (arm64/mm: fix dirty bit) \xe2\x80\x94 "
                       "backport it"))
      << k;
  EXPECT_TRUE(absl::StrContains(k, "  # fixed flush-missing at mprotect (base: corpus/")) << k;
  EXPECT_TRUE(has_line(k, "  ok 6 base")) << k;
  EXPECT_TRUE(has_line(k, "ok 1 contpte")) << k;
}

TEST(GateKtap, SkipsAndErrors) {
  EXPECT_TRUE(render_gate_ktap(with_skipped())
                  .ends_with("\nok 2 hugetlb # SKIP no mm/hugetlb.c in the tree\n# gate: PASS\n"));
  const std::string e = render_gate_ktap(with_build_error());
  EXPECT_TRUE(absl::StrContains(e,
                                "  not ok 1 build # ERROR make: *** [mm/hugetlb.o] 2\n"
                                "  ok 2 programs # SKIP no backend\n"
                                "not ok 2 hugetlb\n"))
      << e;
  EXPECT_EQ(render_gate_ktap(with_gate_error()),
            "KTAP version 1\n1..1\n"
            "# ptediff gate: tree /nowhere, no base, budget 60 s, took 0.0 s\n"
            "not ok 1 gate # ERROR /nowhere: not a Linux tree\n"
            "# gate: ERROR: /nowhere: not a Linux tree\n");
}

TEST(GateKtap, NamesAreTokensAndLinesStayLines) {
  GateReport r = with_new();
  r.subjects[0].name = "cont pte#1";
  r.subjects[0].findings[0].report = "a\nok 1 fake\r\x01";
  const std::string k = render_gate_ktap(r);
  EXPECT_TRUE(has_line(k, "not ok 1 cont_pte_1")) << k;
  EXPECT_TRUE(has_line(k, "  #     ok 1 fake??")) << k;
}

// ---- JUnit -------------------------------------------------------------------

TEST(GateJunit, SuitesCasesAndFailures) {
  const std::string j = render_gate_junit(with_new());
  EXPECT_TRUE(j.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ")) << j;
  EXPECT_TRUE(absl::StrContains(j,
                                "tests=\"7\" failures=\"1\" errors=\"0\" skipped=\"0\" "
                                "time=\"75.500\">\n"))
      << j;
  EXPECT_TRUE(absl::StrContains(j,
                                "<testsuite name=\"contpte\" tests=\"5\" failures=\"1\" "
                                "errors=\"0\" skipped=\"0\" time=\"7.500\">"))
      << j;
  EXPECT_TRUE(absl::StrContains(j, "<property name=\"mutants\" value=\"40/42 of 45\"/>")) << j;
  EXPECT_TRUE(absl::StrContains(
      j,
      "<testcase name=\"programs\" classname=\"ptediff.gate.contpte\" time=\"1.500\">\n"
      "      <failure message=\"1 new flush-missing\" type=\"new\">new flush-missing at "
      "mprotect (programs: corpus/zap_64k.repro)&#10;  repro: "))
      << j;
  EXPECT_TRUE(absl::StrContains(j,
                                "<testcase name=\"fuzz\" classname=\"ptediff.gate.contpte\" "
                                "time=\"1.500\">\n      <system-out>cut: budget spent after 60 "
                                "s</system-out>"))
      << j;
}

TEST(GateJunit, SkipsErrorsAndKnownFindings) {
  const std::string s = render_gate_junit(with_skipped());
  EXPECT_TRUE(absl::StrContains(s,
                                "<testsuite name=\"hugetlb\" tests=\"1\" failures=\"0\" "
                                "errors=\"0\" skipped=\"1\""))
      << s;
  EXPECT_TRUE(absl::StrContains(s, "<skipped message=\"no mm/hugetlb.c in the tree\"/>")) << s;
  const std::string e = render_gate_junit(with_build_error());
  EXPECT_TRUE(absl::StrContains(e, "<error message=\"make: *** [mm/hugetlb.o] 2\"/>")) << e;
  EXPECT_TRUE(absl::StrContains(e, "<skipped message=\"no backend\"/>")) << e;
  EXPECT_TRUE(absl::StrContains(render_gate_junit(with_gate_error()),
                                "<error message=\"/nowhere: not a Linux tree\"/>"));
  const std::string k = render_gate_junit(known_and_fixed());
  EXPECT_FALSE(absl::StrContains(k, "<failure")) << k;
  EXPECT_TRUE(absl::StrContains(k,
                                "<system-out>fail: 1 divergence&#10;pre-existing known "
                                "access-dirty"))
      << k;
}

// A report whose every text holds what XML must escape or cannot hold.
GateReport hostile() {
  GateReport r = with_new();
  GateFinding& f = r.subjects[0].findings[0];
  f.report = "a < b && c > d ]]> \"q\" 'a' \x01\x02 \xff\xfe \xed\xa0\x80 \xef\xbf\xbe end";
  f.origin = "corpus/<x>&\xc0\xaf.repro";
  r.subjects[0].name = "cont<pte>";
  r.subjects[0].phases[4].note = "cut \x1b[31m\xff";
  return r;
}

TEST(GateJunit, EscapesAndReplacesHostileText) {
  const std::string j = render_gate_junit(hostile());
  EXPECT_TRUE(absl::StrContains(j,
                                "a &lt; b &amp;&amp; c &gt; d ]]&gt; &quot;q&quot; &apos;a&apos; "
                                "?? \xef\xbf\xbd\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                " ? end"))
      << j;
  EXPECT_TRUE(absl::StrContains(j, "corpus/&lt;x&gt;&amp;\xef\xbf\xbd\xef\xbf\xbd.repro")) << j;
  EXPECT_TRUE(absl::StrContains(j, "classname=\"ptediff.gate.cont&lt;pte&gt;\"")) << j;
  EXPECT_TRUE(absl::StrContains(j, "cut ?[31m\xef\xbf\xbd</system-out>")) << j;
  for (char c : j) EXPECT_FALSE(c != '\n' && static_cast<unsigned char>(c) < 0x20) << j;
}

// ---- JSON --------------------------------------------------------------------

TEST(GateJson, TheWholeReport) {
  const std::string s = render_gate_json(known_and_fixed());
  ASSERT_TRUE(s.ends_with("}\n"));
  EXPECT_EQ(std::count(s.begin(), s.end(), '\n'), 1);
  const nlohmann::json j = nlohmann::json::parse(s);
  EXPECT_EQ(j["exit_status"], 0);
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["summary"], "gate: PASS");
  EXPECT_EQ(j["base"], "/src/linux-base");
  EXPECT_EQ(j["seconds"], 60);
  const nlohmann::json& c = j["subjects"][0];
  EXPECT_EQ(c["name"], "contpte");
  EXPECT_EQ(c["base_version"], "6.12.116");
  EXPECT_EQ(c["mutants_caught"], 40);
  EXPECT_EQ(c["mutants_missed"][1], "contpte.c:301 or-young");
  EXPECT_EQ(c["phases"][4]["result"], "cut");
  EXPECT_EQ(c["phases"][4]["items"], 3);
  EXPECT_EQ(c["findings"][0]["status"], "pre-existing");
  EXPECT_EQ(c["findings"][0]["known_commit"], "eed6bfa8b282");
  EXPECT_EQ(c["findings"][0]["fails"], false);
  EXPECT_EQ(c["findings"][1]["status"], "fixed");
  EXPECT_FALSE(c.contains("findings_omitted"));
  EXPECT_FALSE(c["findings"][0].contains("report_truncated"));
  const nlohmann::json e = nlohmann::json::parse(render_gate_json(with_gate_error()));
  EXPECT_EQ(e["exit_status"], 2);
  EXPECT_EQ(e["verdict"], "error");
  EXPECT_EQ(e["error"], "/nowhere: not a Linux tree");
  EXPECT_EQ(nlohmann::json::parse(render_gate_json(with_new()))["verdict"], "fail");
}

TEST(GateJson, Bounded) {
  GateReport r = with_new();
  GateFinding f = r.subjects[0].findings[0];
  f.report = std::string(kMaxGateJsonReport - 1, 'x') + "\xc3\xa9 and more";  // cut inside é
  r.subjects[0].findings.assign(kMaxGateJsonFindings + 44, f);
  r.subjects[1].findings = {finding(GateStatus::kNew, "x", "programs")};
  r.subjects[1].findings[0].origin = "bad\xff";
  const nlohmann::json j = nlohmann::json::parse(render_gate_json(r));
  EXPECT_EQ(j["subjects"][0]["findings"].size(), kMaxGateJsonFindings);
  EXPECT_EQ(j["subjects"][0]["findings_omitted"], 44);
  EXPECT_EQ(j["subjects"][0]["findings"][0]["report"], std::string(kMaxGateJsonReport - 1, 'x'));
  EXPECT_EQ(j["subjects"][0]["findings"][0]["report_truncated"], true);
  EXPECT_FALSE(j["subjects"][1].contains("findings_omitted"));
  EXPECT_EQ(j["subjects"][1]["findings"][0]["origin"], "bad\xef\xbf\xbd");
}

// ---- Read back by the kernel's KTAP parser and by an XML parser ----------------

// Runs `cmd` through the shell; its output (stdout and stderr), its exit status
// in *status (-1 when it did not exit).
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (p == nullptr) return *status = -1, out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  const int rc = pclose(p);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

constexpr const char* kKernelTarball = "/usr/src/linux-source-6.12.tar.xz";

// A temporary directory holding the kernel's tools/testing/kunit, once per run.
class GateParsers : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    int status = 0;
    run("command -v python3", &status);
    if (status != 0) {
      skip_ = "python3 is not installed";
      return;
    }
    char tmpl[] = "/tmp/ptediff-gate-format-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      skip_ = "cannot make a temporary directory";
      return;
    }
    dir_ = tmpl;
    if (!fs::exists(kKernelTarball)) {  // the KTAP tests skip, the XML ones run
      ktap_skip_ = absl::StrCat(kKernelTarball, " is missing (Debian package linux-source-6.12)");
      return;
    }
    const std::string out = run(absl::StrCat("tar -xf ", kKernelTarball, " -C ", dir_.string(),
                                             " --wildcards '*/tools/testing/kunit/*'"),
                                &status);
    for (const auto& e : fs::directory_iterator(dir_)) {
      const fs::path kunit = e.path() / "tools/testing/kunit/kunit.py";
      if (fs::exists(kunit)) kunit_ = kunit;
    }
    if (kunit_.empty()) ktap_skip_ = absl::StrCat(kKernelTarball, " holds no kunit.py: ", out);
  }
  static void TearDownTestSuite() {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void SetUp() override {
    if (!skip_.empty()) GTEST_SKIP() << skip_;
  }
  // Writes `text` to a file of the temporary directory; its path.
  static std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // Runs kunit.py parse on `ktap`; its output, its exit status in *status.
  static std::string kunit_parse(const std::string& name, const std::string& ktap, int* status) {
    return run(absl::StrCat("python3 ", kunit_.string(), " parse ", write(name, ktap)), status);
  }
  // Whether Python's XML parser reads `xml`; its complaint in *why.
  static bool xml_parses(const std::string& name, const std::string& xml, std::string* why) {
    int status = 0;
    *why = run(absl::StrCat("python3 -c 'import sys, xml.etree.ElementTree as E; "
                            "E.parse(sys.argv[1])' ",
                            write(name, xml)),
               &status);
    return status == 0;
  }

  static inline std::string skip_, ktap_skip_;
  static inline fs::path dir_, kunit_;
};

TEST_F(GateParsers, KunitParsesAPassingReportAsPassed) {
  if (!ktap_skip_.empty()) GTEST_SKIP() << ktap_skip_;
  int status = 0;
  const std::string out = kunit_parse("pass.ktap", render_gate_ktap(with_skipped()), &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "Ran 6 tests: passed: 5, skipped: 1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "[SKIPPED] hugetlb")) << out;
  EXPECT_FALSE(absl::StrContains(out, "ERROR")) << out;
}

TEST_F(GateParsers, KunitParsesFailingReportsAsFailed) {
  if (!ktap_skip_.empty()) GTEST_SKIP() << ktap_skip_;
  int status = 0;
  std::string out = kunit_parse("fail.ktap", render_gate_ktap(with_new()), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "Ran 7 tests: passed: 6, failed: 1")) << out;
  EXPECT_TRUE(absl::StrContains(out, "[FAILED] programs")) << out;
  EXPECT_TRUE(absl::StrContains(out, "# new flush-missing at mprotect")) << out;
  EXPECT_FALSE(absl::StrContains(out, "[ERROR]")) << out;
  out = kunit_parse("hostile.ktap", render_gate_ktap(hostile()), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "Ran 7 tests: passed: 6, failed: 1")) << out;
  out = kunit_parse("error.ktap", render_gate_ktap(with_build_error()), &status);
  EXPECT_NE(status, 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "[FAILED] build")) << out;
}

TEST_F(GateParsers, JunitIsXml) {
  std::string why;
  EXPECT_TRUE(xml_parses("pass.xml", render_gate_junit(passing()), &why)) << why;
  EXPECT_TRUE(xml_parses("fail.xml", render_gate_junit(with_new()), &why)) << why;
  EXPECT_TRUE(xml_parses("known.xml", render_gate_junit(known_and_fixed()), &why)) << why;
  EXPECT_TRUE(xml_parses("skip.xml", render_gate_junit(with_skipped()), &why)) << why;
  EXPECT_TRUE(xml_parses("error.xml", render_gate_junit(with_gate_error()), &why)) << why;
  EXPECT_TRUE(xml_parses("hostile.xml", render_gate_junit(hostile()), &why)) << why;
  // And the check can fail: raw text is not XML.
  EXPECT_FALSE(xml_parses("raw.xml", "<a>x & \x01</a>", &why));
}

}  // namespace
}  // namespace ptediff
