// ptediff: the output formats of `ptediff gate` (see gate_format.h). One walk
// (view_of) decides, per subject and phase, what passed, failed, erred or was
// skipped, and which findings belong where; the renderers only lay it out.
#include "report/gate_format.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "report/json.h"

namespace ptediff {
namespace {

// ---- Text hygiene ------------------------------------------------------------

// `s` on one line (gate_printable).
std::string line(std::string_view s) { return gate_printable(s, true); }

// `s` as a single KTAP token: no '#', no white space, never empty.
std::string token(std::string_view s) {
  std::string t = line(s);
  std::replace_if(
      t.begin(), t.end(), [](char c) { return c == '#' || c == ' '; }, '_');
  return t.empty() ? "unnamed" : t;
}

// `s` escaped for XML text and attribute values (gate_printable first).
std::string xml(std::string_view s) {
  return absl::StrReplaceAll(gate_printable(s, false), {{"&", "&amp;"},
                                                        {"<", "&lt;"},
                                                        {">", "&gt;"},
                                                        {"\"", "&quot;"},
                                                        {"'", "&apos;"},
                                                        {"\n", "&#10;"},
                                                        {"\t", "&#9;"}});
}

// ---- The shared walk ---------------------------------------------------------

// How one phase (or subject) comes out in every format.
enum class Outcome { kOk, kNotOk, kSkipped, kErrored };

// One phase as the formats show it: the phase and the findings made in it.
struct PhaseView {
  GatePhase phase;
  std::vector<const GateFinding*> findings;
  Outcome outcome = Outcome::kOk;
};

// One subject as the formats show it.
struct SubjectView {
  const GateSubject* subject = nullptr;
  std::vector<PhaseView> phases;
  Outcome outcome = Outcome::kOk;  // kSkipped: it did not run
};

// `s` walked: each finding under the phase of its name (a phase of its own
// when the list has none), each phase's and the subject's outcome.
SubjectView view_of(const GateSubject& s) {
  SubjectView v{&s, {}, Outcome::kOk};
  if (!s.note.empty() && s.phases.empty() && s.findings.empty()) {
    v.outcome = Outcome::kSkipped;
    return v;
  }
  for (const GatePhase& p : s.phases) v.phases.push_back({p, {}, Outcome::kOk});
  for (const GateFinding& f : s.findings) {
    auto it = std::find_if(v.phases.begin(), v.phases.end(),
                           [&](const PhaseView& p) { return p.phase.name == f.phase; });
    if (it == v.phases.end()) {
      v.phases.push_back({GatePhase{.name = f.phase.empty() ? "findings" : f.phase}, {}});
      it = v.phases.end() - 1;
    }
    it->findings.push_back(&f);
  }
  for (PhaseView& p : v.phases) {
    const bool fails =
        std::any_of(p.findings.begin(), p.findings.end(), [](auto* f) { return f->fails(); });
    if (p.phase.result == GatePhaseResult::kError) {
      p.outcome = Outcome::kErrored;
    } else if (fails) {
      p.outcome = Outcome::kNotOk;
    } else if (p.phase.result == GatePhaseResult::kSkip && p.findings.empty()) {
      p.outcome = Outcome::kSkipped;
    }
    if (p.outcome == Outcome::kErrored || p.outcome == Outcome::kNotOk) {
      v.outcome = Outcome::kNotOk;
    }
  }
  return v;
}

// A finding's status as people read it: "new", "known", "new known", ...
std::string status_label(const GateFinding& f) {
  if (!f.known()) return gate_status_name(f.status);
  if (f.status == GateStatus::kFound) return "known";
  return absl::StrCat(gate_status_name(f.status), " known");
}

// "1 new flush-missing; 2 known access-dirty" ("none" for no findings).
std::string findings_summary(const std::vector<const GateFinding*>& findings) {
  std::vector<std::pair<std::string, int>> groups;  // in order of first appearance
  for (const GateFinding* f : findings) {
    std::string key = absl::StrCat(status_label(*f), " ", line(f->cls));
    auto it = std::find_if(groups.begin(), groups.end(), [&](auto& g) { return g.first == key; });
    if (it == groups.end()) {
      groups.emplace_back(std::move(key), 1);
    } else {
      ++it->second;
    }
  }
  if (groups.empty()) return "none";
  return absl::StrJoin(groups, "; ", [](std::string* out, const auto& g) {
    absl::StrAppend(out, g.second, " ", g.first);
  });
}

// Pointers to every finding of `s`.
std::vector<const GateFinding*> all_findings(const GateSubject& s) {
  std::vector<const GateFinding*> out;
  for (const GateFinding& f : s.findings) out.push_back(&f);
  return out;
}

// A phase's note as one line, saying how the phase ended unless it passed
// ("cut: stopped after 60 s"); "" without a note.
std::string phase_note(const GatePhase& p) {
  if (p.note.empty()) return "";
  if (p.result == GatePhaseResult::kPass) return line(p.note);
  return absl::StrCat(gate_phase_result_name(p.result), ": ", line(p.note));
}

// A finding in lines: what, where, known fix, repro, then its report indented.
std::vector<std::string> finding_lines(const GateFinding& f) {
  std::string head = absl::StrCat(status_label(f), " ", line(f.cls));
  if (!f.at.empty()) absl::StrAppend(&head, " at ", line(f.at));
  absl::StrAppend(&head, " (", line(f.phase));
  if (!f.origin.empty()) absl::StrAppend(&head, ": ", line(f.origin));
  absl::StrAppend(&head, ")");
  std::vector<std::string> out = {head};
  if (f.known()) {
    out.push_back(absl::StrFormat(
        "  known: %s (%s) \xe2\x80\x94 %s", line(f.known_commit), line(f.known_title),
        f.status == GateStatus::kFixed ? "this tree has the fix" : "backport it"));
  }
  if (!f.repro.empty()) out.push_back(absl::StrCat("  repro: ", line(f.repro)));
  if (!f.report.empty()) {
    for (absl::string_view l : absl::StrSplit(gate_printable(f.report, false), '\n')) {
      out.push_back(absl::StrCat("    ", l));
    }
  }
  return out;
}

// The table's columns, and a subject's cells in them.
constexpr std::array<const char*, 7> kColumns = {"subject", "version",    "programs", "schedules",
                                                 "mutants", "fuzz execs", "findings"};
std::array<std::string, 7> subject_cells(const SubjectView& v) {
  const GateSubject& s = *v.subject;
  if (v.outcome == Outcome::kSkipped) return {line(s.name), "-", "-", "-", "-", "-", "not run"};
  std::string version = s.version.empty() ? "-" : line(s.version);
  if (!s.base_version.empty()) absl::StrAppend(&version, " (base ", line(s.base_version), ")");
  const std::string mutants = s.mutants == 0 ? "-"
                                             : absl::StrFormat("%d/%d of %d", s.mutants_caught,
                                                               s.mutants_applied, s.mutants);
  return {line(s.name),
          version,
          absl::StrCat(s.programs),
          absl::StrCat(s.schedules),
          mutants,
          absl::StrCat(s.fuzz_execs),
          findings_summary(all_findings(s))};
}

// The number of findings that fail the gate.
size_t failing_count(const GateReport& r) {
  size_t n = 0;
  for (const GateSubject& s : r.subjects) {
    n += std::count_if(s.findings.begin(), s.findings.end(), [](auto& f) { return f.fails(); });
  }
  return n;
}

// Why the gate could not run: its error, or the first phase that erred.
std::string error_reason(const GateReport& r) {
  if (!r.error.empty()) return line(r.error);
  for (const GateSubject& s : r.subjects) {
    for (const GatePhase& p : s.phases) {
      if (p.result == GatePhaseResult::kError) {
        return absl::StrCat(line(s.name), " ", line(p.name), p.note.empty() ? "" : ": ",
                            line(p.note));
      }
    }
  }
  return "unknown";
}

// "gate: PASS", "gate: FAIL (2 new findings)" or "gate: ERROR: why".
std::string verdict_line(const GateReport& r) {
  switch (r.exit_status()) {
    case 0:
      return "gate: PASS";
    case 1: {
      const size_t n = failing_count(r);
      return absl::StrFormat("gate: FAIL (%d new finding%s)", n, n == 1 ? "" : "s");
    }
    default:
      return absl::StrCat("gate: ERROR: ", error_reason(r));
  }
}

// What the gate ran on: "ptediff gate: tree T, base B, budget 60 s, ...".
std::string header_line(const GateReport& r) {
  std::string h = absl::StrCat("ptediff gate: tree ", line(r.tree), ", ",
                               r.base.empty() ? "no base" : absl::StrCat("base ", line(r.base)),
                               ", budget ", r.seconds, " s");
  absl::StrAppendFormat(&h, ", took %.1f s", r.elapsed);
  if (!r.out_dir.empty()) absl::StrAppend(&h, ", out ", line(r.out_dir));
  return h;
}

// ---- Text --------------------------------------------------------------------

// The rows laid out in columns two spaces apart (the last column unpadded).
template <size_t N>
std::string table(const std::vector<std::array<std::string, N>>& rows) {
  std::array<size_t, N> width{};
  for (const auto& row : rows) {
    for (size_t c = 0; c < N; ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string l;
    for (size_t c = 0; c + 1 < N; ++c) absl::StrAppendFormat(&l, "%-*s  ", width[c], row[c]);
    absl::StrAppend(&l, row[N - 1], "\n");
    out += l;
  }
  return out;
}

// The most missed mutants the text names per subject.
constexpr size_t kMaxMissedNamed = 8;

}  // namespace

std::string render_gate_text(const GateReport& r) {
  std::string out = header_line(r) + "\n";
  std::vector<SubjectView> views;
  for (const GateSubject& s : r.subjects) views.push_back(view_of(s));
  if (!views.empty()) {
    std::vector<std::array<std::string, 7>> rows(1);
    std::copy(kColumns.begin(), kColumns.end(), rows[0].begin());
    for (const SubjectView& v : views) rows.push_back(subject_cells(v));
    absl::StrAppend(&out, "\n", table(rows));
  }
  std::string notes;
  for (const SubjectView& v : views) {
    const GateSubject& s = *v.subject;
    const std::string name = line(s.name);
    if (!s.note.empty()) {
      absl::StrAppend(&notes, name, ": ", v.outcome == Outcome::kSkipped ? "not run: " : "",
                      line(s.note), "\n");
    }
    for (const PhaseView& p : v.phases) {
      // A phase that passed is listed only when it has something to say
      // (mutants that do not apply to the tree, the known bugs it carries).
      if (p.phase.result == GatePhaseResult::kPass && p.phase.note.empty()) continue;
      absl::StrAppend(
          &notes, name, " ", line(p.phase.name), ": ",
          p.phase.note.empty() ? gate_phase_result_name(p.phase.result) : phase_note(p.phase),
          "\n");
    }
    if (!s.mutants_missed.empty()) {
      std::vector<std::string> named;
      for (size_t i = 0; i < s.mutants_missed.size() && i < kMaxMissedNamed; ++i) {
        named.push_back(line(s.mutants_missed[i]));
      }
      absl::StrAppend(&notes, name, " mutants missed: ", absl::StrJoin(named, ", "));
      if (s.mutants_missed.size() > kMaxMissedNamed) {
        absl::StrAppend(&notes, " and ", s.mutants_missed.size() - kMaxMissedNamed, " more");
      }
      notes += "\n";
    }
  }
  if (!notes.empty()) absl::StrAppend(&out, "\n", notes);
  std::string findings;
  for (const SubjectView& v : views) {
    for (const PhaseView& p : v.phases) {
      for (const GateFinding* f : p.findings) {
        const std::vector<std::string> lines = finding_lines(*f);
        absl::StrAppend(&findings, line(v.subject->name), ": ", absl::StrJoin(lines, "\n"), "\n");
      }
    }
  }
  if (!findings.empty()) absl::StrAppend(&out, "\n", findings);
  absl::StrAppend(&out, "\n", verdict_line(r), "\n");
  return out;
}

namespace {

// ---- KTAP --------------------------------------------------------------------

// One level of KTAP nesting (Documentation/dev-tools/ktap.rst: two spaces).
constexpr std::string_view kKtapIndent = "  ";

// Appends a KTAP result line: "ok 1 name", "not ok 2 name # ERROR why", ...
void ktap_result(std::string* out, const std::string& indent, size_t n, std::string_view name,
                 Outcome o, std::string_view why) {
  const bool ok = o == Outcome::kOk || o == Outcome::kSkipped;
  absl::StrAppend(out, indent, ok ? "ok " : "not ok ", n, " ", token(name));
  if (o == Outcome::kSkipped) absl::StrAppend(out, " # SKIP", why.empty() ? "" : " ", line(why));
  if (o == Outcome::kErrored) absl::StrAppend(out, " # ERROR", why.empty() ? "" : " ", line(why));
  out->push_back('\n');
}

// Appends "# line" diagnostic lines.
void ktap_diag(std::string* out, const std::string& indent, const std::vector<std::string>& lines) {
  for (const std::string& l : lines) absl::StrAppend(out, indent, "# ", l, "\n");
}

// Appends one subject's block: its phases nested, then its result line.
void ktap_subject(std::string* out, size_t n, const SubjectView& v) {
  const GateSubject& s = *v.subject;
  if (!v.phases.empty()) {
    const std::string in(kKtapIndent);
    absl::StrAppend(out, in, "KTAP version 1\n", in, "1..", v.phases.size(), "\n");
    const std::array<std::string, 7> cells = subject_cells(v);
    std::vector<std::string> about;
    for (size_t c = 1; c < cells.size(); ++c)
      about.push_back(absl::StrCat(kColumns[c], ": ", cells[c]));
    ktap_diag(out, in, {absl::StrCat(cells[0], ": ", absl::StrJoin(about, ", "))});
    if (!s.note.empty()) ktap_diag(out, in, {absl::StrCat("note: ", line(s.note))});
    for (size_t i = 0; i < v.phases.size(); ++i) {
      const PhaseView& p = v.phases[i];
      const bool directive = p.outcome == Outcome::kSkipped || p.outcome == Outcome::kErrored;
      if (!directive && !p.phase.note.empty()) ktap_diag(out, in, {phase_note(p.phase)});
      for (const GateFinding* f : p.findings) ktap_diag(out, in, finding_lines(*f));
      ktap_result(out, in, i + 1, p.phase.name, p.outcome, p.phase.note);
    }
  }
  ktap_result(out, "", n, s.name, v.outcome, s.note);
}

}  // namespace

std::string render_gate_ktap(const GateReport& r) {
  const bool error = !r.error.empty();
  std::string out = absl::StrCat("KTAP version 1\n1..", r.subjects.size() + (error ? 1 : 0), "\n");
  ktap_diag(&out, "", {header_line(r)});
  for (size_t i = 0; i < r.subjects.size(); ++i) ktap_subject(&out, i + 1, view_of(r.subjects[i]));
  if (error) ktap_result(&out, "", r.subjects.size() + 1, "gate", Outcome::kErrored, r.error);
  ktap_diag(&out, "", {verdict_line(r)});
  return out;
}

namespace {

// ---- JUnit -------------------------------------------------------------------

// Appends the <testcase> of `p`: <skipped>, <error> or <failure> as it came
// out, then its note and the findings that do not fail in <system-out>.
void junit_case(std::string* out, std::string_view classname, const PhaseView& p) {
  std::vector<const GateFinding*> failing;
  std::vector<std::string> rest;
  const bool ran = p.outcome == Outcome::kOk || p.outcome == Outcome::kNotOk;
  if (ran && !p.phase.note.empty()) rest.push_back(phase_note(p.phase));
  for (const GateFinding* f : p.findings) {
    if (f->fails()) {
      failing.push_back(f);
    } else {
      for (std::string& l : finding_lines(*f)) rest.push_back(std::move(l));
    }
  }
  std::string body;
  if (!ran) {
    absl::StrAppend(&body, "      <", p.outcome == Outcome::kSkipped ? "skipped" : "error",
                    " message=\"", xml(p.phase.note), "\"/>\n");
  }
  if (!failing.empty()) {
    std::vector<std::string> text;
    for (const GateFinding* f : failing) {
      for (std::string& l : finding_lines(*f)) text.push_back(std::move(l));
    }
    absl::StrAppend(&body, "      <failure message=\"", xml(findings_summary(failing)),
                    "\" type=\"", gate_status_name(failing.front()->status), "\">",
                    xml(absl::StrJoin(text, "\n")), "</failure>\n");
  }
  if (!rest.empty()) {
    absl::StrAppend(&body, "      <system-out>", xml(absl::StrJoin(rest, "\n")), "</system-out>\n");
  }
  absl::StrAppendFormat(out, "    <testcase name=\"%s\" classname=\"%s\" time=\"%.3f\"%s",
                        xml(p.phase.name), xml(classname), p.phase.seconds,
                        body.empty() ? "/>\n" : ">\n");
  if (!body.empty()) absl::StrAppend(out, body, "    </testcase>\n");
}

// The counts of one <testsuite> (or of all of them).
struct JunitCounts {
  size_t tests = 0, failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
  void add(Outcome o, double s) {
    ++tests;
    failures += o == Outcome::kNotOk;
    errors += o == Outcome::kErrored;
    skipped += o == Outcome::kSkipped;
    seconds += s;
  }
  std::string attributes() const {
    return absl::StrFormat(
        "tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\"", tests, failures,
        errors, skipped, seconds);
  }
};

// Appends one subject's <testsuite>; adds its counts to *all.
void junit_subject(std::string* out, const SubjectView& v, JunitCounts* all) {
  const GateSubject& s = *v.subject;
  const std::string classname = absl::StrCat("ptediff.gate.", line(s.name));
  JunitCounts counts;
  std::string cases;
  if (v.outcome == Outcome::kSkipped) {
    counts.add(Outcome::kSkipped, 0);
    junit_case(&cases, classname, {GatePhase{.name = s.name, .note = s.note}, {}, v.outcome});
  }
  for (const PhaseView& p : v.phases) {
    counts.add(p.outcome, p.phase.seconds);
    junit_case(&cases, classname, p);
  }
  absl::StrAppend(out, "  <testsuite name=\"", xml(s.name), "\" ", counts.attributes(), ">\n");
  const std::array<std::string, 7> cells = subject_cells(v);
  absl::StrAppend(out, "    <properties>\n");
  for (size_t c = 1; c < cells.size(); ++c) {
    absl::StrAppend(out, "      <property name=\"", kColumns[c], "\" value=\"", xml(cells[c]),
                    "\"/>\n");
  }
  if (!s.source.empty()) {
    absl::StrAppend(out, "      <property name=\"source\" value=\"", xml(s.source), "\"/>\n");
  }
  absl::StrAppend(out, "    </properties>\n", cases, "  </testsuite>\n");
  all->tests += counts.tests, all->failures += counts.failures, all->errors += counts.errors;
  all->skipped += counts.skipped;
}

}  // namespace

std::string render_gate_junit(const GateReport& r) {
  JunitCounts all;
  std::string suites;
  for (const GateSubject& s : r.subjects) junit_subject(&suites, view_of(s), &all);
  if (!r.error.empty()) {
    JunitCounts counts;
    counts.add(Outcome::kErrored, 0);
    all.add(Outcome::kErrored, 0);
    absl::StrAppend(&suites, "  <testsuite name=\"gate\" ", counts.attributes(), ">\n");
    junit_case(&suites, "ptediff.gate",
               {GatePhase{.name = "gate", .note = r.error}, {}, Outcome::kErrored});
    absl::StrAppend(&suites, "  </testsuite>\n");
  }
  all.seconds = r.elapsed;
  return absl::StrCat("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "<testsuites name=\"",
                      xml(header_line(r)), "\" ", all.attributes(), ">\n", suites,
                      "</testsuites>\n");
}

namespace {

// ---- JSON --------------------------------------------------------------------

// `s` cut to at most `max` bytes on a UTF-8 character boundary.
std::string_view cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return s.substr(0, n);
}

nlohmann::json finding_json(const GateFinding& f) {
  nlohmann::json j = {{"phase", f.phase},
                      {"origin", f.origin},
                      {"cls", f.cls},
                      {"at", f.at},
                      {"repro", f.repro},
                      {"report", std::string(cut(f.report, kMaxGateJsonReport))},
                      {"status", gate_status_name(f.status)},
                      {"known_commit", f.known_commit},
                      {"known_title", f.known_title},
                      {"fails", f.fails()}};
  if (f.report.size() > kMaxGateJsonReport) j["report_truncated"] = true;
  return j;
}

nlohmann::json subject_json(const GateSubject& s) {
  nlohmann::json phases = nlohmann::json::array(), findings = nlohmann::json::array();
  for (const GatePhase& p : s.phases) {
    phases.push_back({{"name", p.name},
                      {"result", gate_phase_result_name(p.result)},
                      {"items", p.items},
                      {"seconds", p.seconds},
                      {"note", p.note}});
  }
  for (size_t i = 0; i < s.findings.size() && i < kMaxGateJsonFindings; ++i) {
    findings.push_back(finding_json(s.findings[i]));
  }
  nlohmann::json j = {{"name", s.name},
                      {"source", s.source},
                      {"version", s.version},
                      {"base_version", s.base_version},
                      {"programs", s.programs},
                      {"schedules", s.schedules},
                      {"mutants", s.mutants},
                      {"mutants_applied", s.mutants_applied},
                      {"mutants_caught", s.mutants_caught},
                      {"mutants_missed", s.mutants_missed},
                      {"fuzz_execs", s.fuzz_execs},
                      {"phases", std::move(phases)},
                      {"findings", std::move(findings)},
                      {"note", s.note}};
  if (s.findings.size() > kMaxGateJsonFindings) {
    j["findings_omitted"] = s.findings.size() - kMaxGateJsonFindings;
  }
  return j;
}

}  // namespace

std::string render_gate_json(const GateReport& r) {
  static constexpr std::array<const char*, 3> kVerdicts = {"pass", "fail", "error"};
  const int status = r.exit_status();
  nlohmann::json subjects = nlohmann::json::array();
  for (const GateSubject& s : r.subjects) subjects.push_back(subject_json(s));
  const nlohmann::json j = {{"tree", r.tree},
                            {"base", r.base},
                            {"out_dir", r.out_dir},
                            {"seconds", r.seconds},
                            {"elapsed", r.elapsed},
                            {"subjects", std::move(subjects)},
                            {"error", r.error},
                            {"exit_status", status},
                            {"verdict", kVerdicts[status]},
                            {"summary", verdict_line(r)}};
  return json_line(j) + "\n";
}

bool parse_gate_format(std::string_view name, GateFormat* out) {
  static constexpr std::array<std::pair<std::string_view, GateFormat>, 4> kNames = {{
      {"text", GateFormat::kText},
      {"ktap", GateFormat::kKtap},
      {"junit", GateFormat::kJunit},
      {"json", GateFormat::kJson},
  }};
  for (const auto& [n, f] : kNames) {
    if (n == name) {
      *out = f;
      return true;
    }
  }
  return false;
}

std::string render_gate(const GateReport& report, GateFormat format) {
  switch (format) {
    case GateFormat::kKtap:
      return render_gate_ktap(report);
    case GateFormat::kJunit:
      return render_gate_junit(report);
    case GateFormat::kJson:
      return render_gate_json(report);
    case GateFormat::kText:
      break;
  }
  return render_gate_text(report);
}

}  // namespace ptediff
