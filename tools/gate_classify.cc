// ptediff: what `ptediff gate` does with one subject's findings (see
// gate_subject.h): minimized into DIR/<subject>/, then classified against the
// base tree by replay (tools/gate_run.h), and against the known upstream bugs
// by replay on the tree with the bug's fix applied (kernel/known_bugs.tsv).
#include <fstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "tools/file_io.h"
#include "tools/gate_run.h"
#include "tools/gate_subject.h"
#include "tools/input.h"

namespace ptediff {

namespace fs = std::filesystem;
using Clock = GateClock;

std::string GateSubjectState::write_repro(const Candidate& c, const std::string& text) {
  std::string stem;
  for (char ch : fs::path(c.origin.substr(0, c.origin.find(' '))).stem().string()) {
    stem += absl::ascii_isalnum(static_cast<unsigned char>(ch)) || ch == '-' ? ch : '_';
  }
  fs::path path = run_.out / absl::StrCat(c.phase, "-", stem, ".repro");
  std::error_code ec;
  for (int n = 2; fs::exists(path, ec); ++n) {
    path = run_.out / absl::StrCat(c.phase, "-", stem, "-", n, ".repro");
  }
  const std::string header =
      absl::StrCat("# ptediff gate: ", c.cls, ", found by the ", c.phase, " phase on Linux ",
                   c.on_base ? gs_.base_version : gs_.version, " (", c.on_base ? "the base " : "",
                   run_.subject.kernel_source()->file, "), from ", c.origin, "\n");
  std::string err;
  if (!write_file(path.string(), header + text, &err)) {
    progress(err);
    return "";
  }
  return path.string();
}

void GateSubjectState::add_finding(const Candidate& c, GateStatus status) {
  const CaseOptions& opts = c.on_base ? base_.opts : tree_.opts;
  const GateMinimized m = gate_minimize(run_.subject, c.text, c.origin, opts, 120);
  const std::string text = m.ok ? m.text : c.text;
  for (const std::string& t : finding_texts_) {
    if (t == text) {
      ++duplicates_;
      return;
    }
  }
  GateFinding f;
  f.phase = c.phase;
  f.origin = c.origin;
  f.cls = m.ok ? m.cls : c.cls;
  f.at = m.at;
  f.status = status;
  const GateReplay r = gate_replay(run_.subject, text, "minimized", opts, kGateRunTimeout);
  f.report = r.diverged ? r.report : c.report;
  if (!m.ok) f.report = absl::StrCat(f.report, "\n(not minimized: ", m.why, ")");
  f.repro = write_repro(c, text);
  finding_texts_.push_back(text);
  gs_.findings.push_back(std::move(f));
}

void GateSubjectState::minimize_all() {
  if (candidates_.empty()) return;
  progress(absl::StrCat("minimizing ", candidates_.size(), " findings into ", run_.out.string()));
  for (const Candidate& c : candidates_) add_finding(c, GateStatus::kFound);
  if (duplicates_ > 0) {
    for (GatePhase& p : gs_.phases) {
      if (p.name == "fuzz" || p.name == "programs" || p.name == "race") {
        if (p.result == GatePhaseResult::kFail && p.note.empty()) {
          p.note = absl::StrCat(duplicates_, duplicates_ == 1 ? " finding" : " findings",
                                " minimized to a program another gave");
          break;
        }
      }
    }
  }
}

void GateSubjectState::classify_against_base() {
  if (!have_base_) return;
  const auto t0 = Clock::now();
  GatePhase& p = phase("base");
  progress(absl::StrCat("replaying ", gs_.findings.size(), " findings and ", programs_.size(),
                        " programs on the base, Linux ", gs_.base_version));
  for (size_t i = 0; i < gs_.findings.size(); ++i) {
    const GateReplay r =
        gate_replay(run_.subject, finding_texts_[i], "finding", base_.opts, kGateRunTimeout);
    gs_.findings[i].status = r.diverged ? GateStatus::kPreExisting : GateStatus::kNew;
  }
  for (const ProgramFile* f : programs_) {
    if (diverged_.count(f->rel) != 0) continue;
    const GateReplay r = gate_replay(run_.subject, f->text, f->rel, base_.opts, kGateRunTimeout);
    ++p.items;
    if (!r.diverged) continue;
    add_finding({.phase = "base",
                 .origin = f->rel,
                 .text = f->text,
                 .cls = r.cls,
                 .report = r.report,
                 .on_base = true},
                GateStatus::kFixed);
  }
  for (const GateFinding& f : gs_.findings) {
    if (f.status == GateStatus::kNew) p.result = GatePhaseResult::kFail;
  }
  p.seconds = seconds_since(t0);
}

bool GateSubjectState::build_fixed(const TreeBackend& tb, const std::string& fix,
                                   TreeBackend* fixed, std::string* why) {
  KernelBuilder& b = run_.builder;
  if (!b.mutate(tb.e, fix, &fixed->e, "fixes.tsv")) {
    *why = b.error();
    return false;
  }
  fixed->lib = fs::path(absl::StrCat(tb.lib.string(), ".", fix, ".so"));
  std::string name, err;
  if (!b.compile(fixed->e, fixed->lib, &name)) {
    *why = b.error();
    return false;
  }
  if (!load_backend_spec(fixed->lib.string(), &fixed->opts, &err)) {
    *why = err;
    return false;
  }
  fixed->opts.mutant = "none";
  return true;
}

void GateSubjectState::match_known_bugs() {
  const std::vector<KnownBug> bugs = known_bugs(run_.builder.root(), run_.subject);
  if (bugs.empty()) return;
  const auto t0 = Clock::now();
  GatePhase& p = phase("known");
  std::vector<std::string> notes;
  for (const bool on_base : {false, true}) {
    if (on_base && !have_base_) break;
    const TreeBackend& tb = on_base ? base_ : tree_;
    for (const KnownBug& bug : bugs) {
      std::string text, err;
      if (!read_file((run_.builder.root() / bug.repro).string(), kMaxTextInputBytes, &text, &err)) {
        notes.push_back(err);
        continue;
      }
      const GateReplay r = gate_replay(run_.subject, text, bug.repro, tb.opts, kGateRunTimeout);
      if (!r.diverged || r.cls != bug.cls) continue;
      ++p.items;
      const std::string who = absl::StrCat(on_base ? "the base, Linux " : "Linux ", tb.e.full);
      progress(absl::StrCat(who, " carries the bug ", bug.commit, " fixes (", bug.title, ")"));
      TreeBackend fixed;
      std::string why;
      if (bug.fix == "-") {
        notes.push_back(absl::StrCat(who, " lacks ", bug.commit,
                                     " (no fix edit ships: its findings are not matched)"));
        continue;
      }
      if (!build_fixed(tb, bug.fix, &fixed, &why)) {
        notes.push_back(
            absl::StrCat(who, " lacks ", bug.commit, "; its fix does not apply: ", why));
        continue;
      }
      notes.push_back(absl::StrCat(who, " lacks ", bug.commit, " (", bug.title, ")"));
      for (size_t i = 0; i < gs_.findings.size(); ++i) {
        GateFinding& f = gs_.findings[i];
        if (f.known() || (f.status == GateStatus::kFixed) != on_base) continue;
        const GateReplay fr =
            gate_replay(run_.subject, finding_texts_[i], "finding", fixed.opts, kGateRunTimeout);
        if (fr.diverged || !fr.error.empty()) continue;
        f.known_commit = bug.commit;
        f.known_title = bug.title;
      }
    }
  }
  p.note = absl::StrJoin(notes, "; ");
  p.seconds = seconds_since(t0);
}

void GateSubjectState::settle_phases() {
  for (GatePhase& p : gs_.phases) {
    size_t found = 0, failing = 0;
    for (const GateFinding& f : gs_.findings) {
      if (f.phase != p.name) continue;
      ++found;
      failing += f.fails() ? 1 : 0;
    }
    if (found == 0) continue;
    const std::string counts =
        failing == 0 ? absl::StrCat(found, found == 1 ? " finding" : " findings",
                                    ", none new or unknown (known, pre-existing or fixed)")
                     : absl::StrCat(failing, " of ", found, " findings fail the gate");
    p.note = p.note.empty() ? counts : absl::StrCat(counts, "; ", p.note);
    if (p.result == GatePhaseResult::kFail && failing == 0) p.result = GatePhaseResult::kPass;
    if (failing > 0 && p.result != GatePhaseResult::kError) p.result = GatePhaseResult::kFail;
  }
}

}  // namespace ptediff
