// ptediff: the phases `ptediff gate` runs for one subject (see gate_phases.h).
//
// Findings are gathered as candidates (a diverging program and where it came
// from), minimized into DIR/<subject>/, then classified: against the base
// tree by replay (tools/gate_run.h), and against the known upstream bugs by
// replay on the tree with the bug's fix applied (kernel/known_bugs.tsv).
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
#include "tools/input.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// A divergence before it is minimized.
struct Candidate {
  std::string phase, origin;
  std::string text;  // the diverging program (.repro)
  std::string cls, report;
  bool minimized = false;  // `text` is minimal already (the fuzz command's)
  bool on_base = false;    // found on the base tree (a fixed candidate)
};

// A tree's backend of the subject.
struct TreeBackend {
  KernelExtract e;
  fs::path lib;
  CaseOptions opts;
};

// The gate of one subject, phase by phase.
class GateSubjectState {
 public:
  GateSubjectState(const GateSubjectRun& run, GateSubject* out) : run_(run), gs_(*out) {
    gs_.source = run.subject.kernel_source()->source;
    for (const ProgramFile& p : run.shipped) {
      if (p.subject == &run.subject && p.error.empty()) programs_.push_back(&p);
    }
    std::error_code ec;
    fs::remove_all(run.out, ec);  // this subject's findings of an earlier gate
    fs::create_directories(run.out / "lib", ec);
  }

  // Builds the tree's (and the base's) backend; false when the subject does
  // not run (the tree does not hold its file, or the build failed).
  bool build();
  void run_programs();
  void run_race();
  void run_mutants();
  void run_fuzz();
  void minimize_all();
  void classify_against_base();
  void match_known_bugs();

 private:
  void progress(const std::string& msg) const {
    std::fprintf(stderr, "ptediff gate: %s: %s\n", run_.subject.name(), msg.c_str());
  }
  GatePhase& phase(const std::string& name) {
    gs_.phases.push_back({.name = name});
    return gs_.phases.back();
  }
  // Builds the backend of `tree` (a folder; `given` is how the user named
  // it) into *tb; false with *why (and *absent when the tree does not hold
  // the subject's file).
  bool build_one(const std::string& tree, const std::string& given, const std::string& label,
                 TreeBackend* tb, std::string* why, bool* absent);
  // The programs that ran clean on the tree, the mutant's own first.
  std::vector<const ProgramFile*> clean_programs(const std::string& first_mutant) const;
  // The body of one mutant's child: "N|why" not applied, "X|why" applied but
  // not built, "C|class|program" caught, "M" missed.
  std::string try_mutant(const KernelMutant& m, Clock::time_point deadline) const;
  // Writes a finding's program into DIR/<subject>/; its path ("" on failure).
  std::string write_repro(const Candidate& c, const std::string& text);
  // Minimizes `c` (on the base when it was found there), writes it and adds
  // it as a finding with `status`, unless an earlier finding has the same
  // minimal program.
  void add_finding(const Candidate& c, GateStatus status);
  // Builds the tree with the fix `fix` (fixes.tsv) applied; nullopt-like
  // false with *why when it does not apply or build.
  bool build_fixed(const TreeBackend& tb, const std::string& fix, TreeBackend* fixed,
                   std::string* why);

  const GateSubjectRun& run_;
  GateSubject& gs_;
  std::vector<const ProgramFile*> programs_;  // the subject's shipped programs
  TreeBackend tree_, base_;
  bool have_base_ = false;
  std::set<std::string> diverged_;  // programs that diverged on the tree
  std::vector<Candidate> candidates_;
  std::vector<std::string> finding_texts_;  // each finding's minimal program, for replays
  size_t duplicates_ = 0;                   // findings with the same minimal program
};

bool GateSubjectState::build_one(const std::string& tree, const std::string& given,
                                 const std::string& label, TreeBackend* tb, std::string* why,
                                 bool* absent) {
  KernelBuilder& b = run_.builder;
  const KernelSource& ks = *run_.subject.kernel_source();
  if (!b.extract(run_.subject, tree, label, &tb->e)) {
    *why = absl::StrReplaceAll(absl::StripPrefix(b.error(), "ptediff kernel: "), {{tree, given}});
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
          p.note = absl::StrCat(duplicates_, " findings minimized to a program another gave");
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
    *why = std::string(absl::StripPrefix(b.error(), "ptediff kernel: "));
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

}  // namespace

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
}

}  // namespace ptediff
