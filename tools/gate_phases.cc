// ptediff: the phases `ptediff gate` runs for one subject (see gate_phases.h):
// build, programs, race, mutants, fuzz. What they find is gathered as
// candidates (a diverging program and where it came from), which
// gate_classify.cc minimizes and classifies.
#include "tools/gate_phases.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/file_io.h"
#include "tools/gate_run.h"
#include "tools/gate_subject.h"
#include "tools/input.h"

namespace ptediff {

namespace fs = std::filesystem;
using Clock = GateClock;

GateSubjectState::GateSubjectState(const GateSubjectRun& run, GateSubject* out)
    : run_(run), gs_(*out) {
  gs_.source = run.subject.kernel_source()->source;
  for (const ProgramFile& p : run.shipped) {
    if (p.subject == &run.subject && p.error.empty()) programs_.push_back(&p);
  }
  std::error_code ec;
  fs::remove_all(run.out, ec);  // this subject's findings of an earlier gate
  fs::create_directories(run.out / "lib", ec);
}

bool GateSubjectState::build_one(const std::string& tree, const std::string& given,
                                 const std::string& label, TreeBackend* tb, std::string* why,
                                 bool* absent) {
  KernelBuilder& b = run_.builder;
  const KernelSource& ks = *run_.subject.kernel_source();
  if (!b.extract(run_.subject, tree, label, &tb->e)) {
    *why = absl::StrReplaceAll(b.error(), {{tree, given}});
    *absent = absl::StrContains(*why, absl::StrCat("no arch/arm64/mm/", ks.file));
    return false;
  }
  tb->lib = run_.out / "lib" / absl::StrCat(label, "-", KernelBuilder::library_name(tb->e));
  std::string name, err;
  if (!b.compile(tb->e, tb->lib, &name)) {
    *why = b.error();
    return false;
  }
  if (!load_backend_spec(tb->lib.string(), &tb->opts, &err)) {
    *why = err;
    return false;
  }
  tb->opts.mutant = "none";  // mutant programs run as plain programs
  return true;
}

bool GateSubjectState::build() {
  const auto t0 = Clock::now();
  GatePhase& p = phase("build");
  progress(absl::StrCat("building ", run_.subject.kernel_source()->file, " of ", run_.args.tree));
  std::string why;
  bool absent = false;
  if (!build_one(run_.tree_dir, run_.args.tree, absl::StrCat(run_.subject.name(), "-tree"), &tree_,
                 &why, &absent)) {
    if (absent) {
      gs_.phases.clear();
      gs_.note =
          absl::StrCat("the tree holds no arch/arm64/mm/", run_.subject.kernel_source()->file);
    } else {
      p.result = GatePhaseResult::kError;
      p.note = why;
    }
    return false;
  }
  gs_.version = tree_.e.full;
  p.items = 1;
  if (!run_.args.base.empty()) {
    progress(absl::StrCat("building ", run_.subject.kernel_source()->file, " of the base ",
                          run_.args.base));
    if (build_one(run_.base_dir, run_.args.base, absl::StrCat(run_.subject.name(), "-base"), &base_,
                  &why, &absent)) {
      have_base_ = true;
      gs_.base_version = base_.e.full;
      p.items = 2;
    } else {
      p.note = absl::StrCat("the base did not build (", why, "): every finding counts as new");
    }
  }
  p.seconds = seconds_since(t0);
  return true;
}

void GateSubjectState::run_programs() {
  const auto t0 = Clock::now();
  GatePhase& p = phase("programs");
  progress(absl::StrCat("running ", programs_.size(), " shipped programs on Linux ", gs_.version));
  size_t errors = 0;
  for (const ProgramFile* f : programs_) {
    const GateReplay r = gate_replay(run_.subject, f->text, f->rel, tree_.opts, kGateRunTimeout);
    if (!r.error.empty()) {
      ++errors;
      if (p.note.empty()) p.note = absl::StrCat(f->rel, " did not run: ", r.error);
      continue;
    }
    ++gs_.programs;
    if (!r.diverged) continue;
    diverged_.insert(f->rel);
    candidates_.push_back(
        {.phase = "programs", .origin = f->rel, .text = f->text, .cls = r.cls, .report = r.report});
  }
  p.items = gs_.programs;
  if (errors > 0) {
    p.result = GatePhaseResult::kError;
    p.note = absl::StrCat(errors, " programs did not run; first: ", p.note);
  } else if (!diverged_.empty()) {
    p.result = GatePhaseResult::kFail;
  }
  p.seconds = seconds_since(t0);
}

std::vector<const ProgramFile*> GateSubjectState::clean_programs(
    const std::string& first_mutant) const {
  std::vector<const ProgramFile*> out;
  for (const ProgramFile* f : programs_) {
    if (diverged_.count(f->rel) != 0) continue;
    if (!first_mutant.empty() && f->mutant == first_mutant) {
      out.insert(out.begin(), f);
    } else {
      out.push_back(f);
    }
  }
  return out;
}

void GateSubjectState::run_race() {
  const auto t0 = Clock::now();
  GatePhase& p = phase("race");
  // The smallest programs first: within the share, as many as can be.
  std::vector<const ProgramFile*> todo = clean_programs("");
  std::stable_sort(todo.begin(), todo.end(), [](const ProgramFile* a, const ProgramFile* b) {
    return a->text.size() < b->text.size();
  });
  progress(absl::StrCat("exploring one mid-op event over ", todo.size(), " programs (at most ",
                        kGateRaceSeconds, " s)"));
  size_t done = 0;
  for (const ProgramFile* f : todo) {
    const int left = kGateRaceSeconds - static_cast<int>(seconds_since(t0));
    if (left <= 0) break;
    const GateReplay r = gate_explore(run_.subject, f->text, f->rel, tree_.opts,
                                      kGateSchedulesPerProgram, left + kGateRunTimeout);
    if (!r.error.empty()) {
      p.result = GatePhaseResult::kSkip;
      p.note = r.error;  // a subject without mid-op events
      break;
    }
    // One schedule that hangs would have hung the programs phase's plain
    // run too (within kGateRunTimeout); an exploration stopped here ran out
    // of the phase's share.
    if (r.timed_out) break;
    ++done;
    gs_.schedules += r.schedules;
    if (!r.diverged) continue;
    candidates_.push_back({.phase = "race",
                           .origin = absl::StrCat(f->rel, " (one mid-op event)"),
                           .text = r.program.empty() ? f->text : r.program,
                           .cls = r.cls,
                           .report = r.report});
    p.result = GatePhaseResult::kFail;
  }
  p.items = gs_.schedules;
  if (p.result != GatePhaseResult::kSkip && done < todo.size()) {
    if (p.result == GatePhaseResult::kPass) p.result = GatePhaseResult::kCut;
    p.note = absl::StrCat("explored ", done, " of ", todo.size(), " programs in its ",
                          kGateRaceSeconds, " s share");
  }
  p.seconds = seconds_since(t0);
}
std::string GateSubjectState::try_mutant(const KernelMutant& m, Clock::time_point deadline) const {
  constexpr absl::string_view kSep = "\x1f";
  KernelBuilder& b = run_.builder;
  KernelExtract e;
  if (!b.mutate(tree_.e, m.name, &e)) return absl::StrCat("N", kSep, b.error());
  const fs::path lib = run_.out / "lib" / KernelBuilder::library_name(e);
  std::string name, err;
  if (!b.compile(e, lib, &name)) return absl::StrCat("X", kSep, b.error());
  CaseOptions opts;
  if (!load_backend_spec(lib.string(), &opts, &err)) return absl::StrCat("X", kSep, err);
  opts.mutant = "none";
  const std::vector<const ProgramFile*> todo = clean_programs(m.name);
  // Plain runs first; an edit only interleavings show is then looked for by
  // exploring one mid-op event, the mutant's own program first.
  for (const ProgramFile* f : todo) {
    ParseError pe;
    const std::unique_ptr<Case> c = run_.subject.parse(f->text, f->rel, &pe);
    if (c == nullptr) continue;
    const CaseRun r = c->run(opts, f->rel);
    if (r.diverged()) {
      return absl::StrCat("C", kSep, div_class_name(r.divergences[0].cls), kSep, f->rel);
    }
  }
  for (const ProgramFile* f : todo) {
    if (!m.needs_events || Clock::now() >= deadline) break;
    ParseError pe;
    const std::unique_ptr<Case> c = run_.subject.parse(f->text, f->rel, &pe);
    if (c == nullptr) continue;
    CaseExplored what;
    const std::unique_ptr<Case> found = c->explore(opts, 1, kGateSchedulesPerProgram, &what, &err);
    if (found != nullptr) {
      const CaseRun r = found->run(opts, f->rel);
      return absl::StrCat("C", kSep, r.diverged() ? div_class_name(r.divergences[0].cls) : "race",
                          kSep, f->rel, " (one mid-op event)");
    }
  }
  return "M";
}

void GateSubjectState::run_mutants() {
  const auto t0 = Clock::now();
  GatePhase& p = phase("mutants");
  const std::vector<KernelMutant> mutants = run_.builder.mutants(run_.subject);
  gs_.mutants = mutants.size();
  if (mutants.empty()) {
    p.result = GatePhaseResult::kSkip;
    p.note = "the subject has no source-level mutants";
    return;
  }
  progress(absl::StrCat("building and checking ", mutants.size(), " source-level mutants (at most ",
                        kGateMutantSeconds, " s)"));
  const Clock::time_point deadline = t0 + std::chrono::seconds(kGateMutantSeconds);
  std::vector<std::function<std::string()>> bodies;
  for (const KernelMutant& m : mutants) {
    bodies.push_back([this, &m, deadline] { return try_mutant(m, deadline); });
  }
  const std::vector<ChildAnswer> answers = run_in_children(
      bodies, run_.args.jobs, kGateMutantSeconds + kGateRunTimeout, kGateMutantSeconds);
  size_t not_run = 0, not_built = 0;
  std::vector<std::string> unapplied;
  for (size_t i = 0; i < mutants.size(); ++i) {
    const ChildAnswer& a = answers[i];
    const std::vector<std::string> f = absl::StrSplit(a.out, '\x1f');
    if (!a.answered && absl::StartsWith(a.death, "not run")) {
      ++not_run;
    } else if (!a.answered) {  // the mutated code crashed or hung: seen
      ++gs_.mutants_applied;
      ++gs_.mutants_caught;
    } else if (f[0] == "N") {
      unapplied.push_back(mutants[i].name);
    } else if (f[0] == "X") {
      ++not_built;
      if (p.note.empty()) p.note = f.size() > 1 ? f[1] : "";
    } else {
      ++gs_.mutants_applied;
      if (f[0] == "C") {
        ++gs_.mutants_caught;
      } else {
        gs_.mutants_missed.push_back(mutants[i].name);
      }
    }
  }
  p.items = gs_.mutants_applied;
  std::vector<std::string> notes;
  if (!unapplied.empty()) {
    notes.push_back(absl::StrCat(unapplied.size(), " do not apply to this tree (",
                                 absl::StrJoin(unapplied, ", "), ")"));
  }
  if (not_built > 0) notes.push_back(absl::StrCat(not_built, " did not build: ", p.note));
  if (!gs_.mutants_missed.empty()) {
    notes.push_back(
        absl::StrCat("the programs do not see ", absl::StrJoin(gs_.mutants_missed, ", ")));
  }
  if (not_run > 0) {
    p.result = GatePhaseResult::kCut;
    notes.push_back(absl::StrCat(not_run, " not run in its ", kGateMutantSeconds, " s share"));
  }
  p.note = absl::StrJoin(notes, "; ");
  p.seconds = seconds_since(t0);
}

void GateSubjectState::run_fuzz() {
  const auto t0 = Clock::now();
  GatePhase& p = phase("fuzz");
  if (run_.fuzz_seconds <= 0) {
    p.result = GatePhaseResult::kSkip;
    p.note = "no fuzzing budget (--seconds 0, or --phases without fuzz)";
    return;
  }
  progress(absl::StrCat("fuzzing for ", run_.fuzz_seconds, " s"));
  const fs::path dir = run_.out / "fuzz";
  const fs::path log = run_.out / "fuzz.log";
  run_logged({run_.args.self_path, "fuzz", "--subject", run_.subject.name(), "--backend",
              tree_.lib.string(), "--seconds", absl::StrCat(run_.fuzz_seconds), "--jobs",
              absl::StrCat(run_.args.jobs), "--out", dir.string()},
             log);
  std::ifstream in(log);
  std::string line, last;
  bool summary = false;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripLeadingAsciiWhitespace(line);
    summary = summary || line == "summary:";
    if (absl::ConsumePrefix(&l, "execs")) {
      (void)absl::SimpleAtoi(absl::StripAsciiWhitespace(l.substr(0, l.find('('))), &gs_.fuzz_execs);
    }
    if (!line.empty()) last = line;
  }
  p.items = gs_.fuzz_execs;
  p.seconds = seconds_since(t0);
  if (!summary) {
    p.result = GatePhaseResult::kError;
    p.note = absl::StrCat("the fuzz command did not finish (",
                          fs::relative(log, run_.out.parent_path()).string(), "): ", last);
    return;
  }
  std::error_code ec;
  for (const fs::directory_entry& d : fs::directory_iterator(dir, ec)) {
    const std::string name = d.path().filename().string();
    const bool min = absl::EndsWith(name, ".min.repro");
    const bool race = absl::StartsWith(name, "race-") && absl::EndsWith(name, ".repro");
    if (!min && !race) continue;
    std::string text, err;
    if (!read_file(d.path().string(), kMaxTextInputBytes, &text, &err)) continue;
    const GateReplay r = gate_replay(run_.subject, text, name, tree_.opts, kGateRunTimeout);
    if (!r.diverged) continue;
    candidates_.push_back({.phase = "fuzz",
                           .origin = absl::StrCat("fuzz/", name),
                           .text = text,
                           .cls = r.cls,
                           .report = r.report,
                           .minimized = min});
    p.result = GatePhaseResult::kFail;
  }
}

std::vector<KnownBug> known_bugs(const fs::path& root, const Subject& subject) {
  std::vector<KnownBug> out;
  std::ifstream in(root / "kernel" / "known_bugs.tsv");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> c = absl::StrSplit(line, '\t');
    if (c.size() < 6 || c[0] != subject.name()) continue;
    out.push_back({c[0], c[1], c[2], c[3], c[4], c[5]});
  }
  return out;
}

void run_gate_subject(const GateSubjectRun& run, GateSubject* out) {
  GateSubjectState st(run, out);
  if (!st.build()) return;
  // The race pass and the mutants run on the programs the tree runs clean.
  if (run.programs || run.race || run.mutants) st.run_programs();
  if (run.race) st.run_race();
  if (run.mutants) st.run_mutants();
  st.run_fuzz();
  st.minimize_all();
  st.classify_against_base();
  st.match_known_bugs();
  st.settle_phases();
}

}  // namespace ptediff
