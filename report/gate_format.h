// ptediff: the output formats of `ptediff gate` (--format): a text summary for
// people, KTAP for kernel test tooling (Documentation/dev-tools/ktap.rst, as
// kunit.py parses it), JUnit XML for CI dashboards, and one JSON document.
//
// Every format renders the same GateReport the same way: a phase fails when
// one of its findings fails the gate (GateFinding::fails) and errs when it
// could not run (GatePhaseResult::kError); a phase cut by the budget, or whose
// findings are all known, pre-existing or fixed, passes with its notes and
// findings as diagnostics. A finding whose phase is not in the subject's phase
// list is shown under a phase of its own name. So each format's verdict agrees
// with GateReport::exit_status. Text from the tree (names, notes, reports) may
// hold any bytes: invalid UTF-8 comes out as U+FFFD, control characters as '?'.
#ifndef PTEDIFF_REPORT_GATE_FORMAT_H_
#define PTEDIFF_REPORT_GATE_FORMAT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "report/gate.h"

namespace ptediff {

// The formats `ptediff gate --format` takes.
enum class GateFormat { kText, kKtap, kJunit, kJson };

// Sets *out to the format named `name` ("text", "ktap", "junit", "json");
// false (and *out untouched) for any other name.
bool parse_gate_format(std::string_view name, GateFormat* out);

// The most findings per subject the JSON document lists; the rest are counted
// ("findings_omitted"). The other formats list every finding.
inline constexpr size_t kMaxGateJsonFindings = 256;
// The most bytes of a finding's report the JSON document holds (cut on a
// character boundary, "report_truncated": true).
inline constexpr size_t kMaxGateJsonReport = 4096;

// A summary for people: a header line (tree, base, budget), one table row per
// subject, a line per phase that did not simply pass, every finding with its
// repro, and the verdict line ("gate: PASS", "gate: FAIL (1 new finding)",
// "gate: ERROR: ...").
std::string render_gate_text(const GateReport& report);

// KTAP version 1: one top-level test per subject (skipped when it did not
// run), each a nested block of one test per phase; finding reports and notes
// are diagnostic lines before their phase's result line. A gate `error` adds a
// last top-level test "gate" that is not ok with the ERROR directive.
std::string render_gate_ktap(const GateReport& report);

// JUnit XML: one <testsuite> per subject, one <testcase> per phase
// (classname "ptediff.gate.<subject>"), failing findings in <failure>,
// the rest in <system-out>, <skipped> and <error> for phases that did not run.
std::string render_gate_junit(const GateReport& report);

// The whole report as one JSON document on one line (report/json.h
// json_line): every field, enums by name, plus "exit_status" and "verdict"
// ("pass", "fail", "error"); bounded by kMaxGateJsonFindings and
// kMaxGateJsonReport.
std::string render_gate_json(const GateReport& report);

// Renders `report` in `format` (one of the functions above).
std::string render_gate(const GateReport& report, GateFormat format);

}  // namespace ptediff

#endif  // PTEDIFF_REPORT_GATE_FORMAT_H_
