// ptediff: `ptediff gate` (see gate_command.h; docs/DESIGN.md §6.7).
//
// For each subject whose kernel file the tree holds (Subject::kernel_source),
// in order: build the tree's backend (and the base's); run every shipped
// program of the subject on it; explore one mid-op event over each program
// (the race pass); build each source-level mutant of the subject on the tree
// and check the programs see it (the sensitivity check); fuzz for the
// subject's share of --seconds; minimize every finding into DIR/<subject>/;
// replay each on the base and the base's own divergences on the tree (new,
// pre-existing, fixed); and match findings with the known upstream bugs the
// trees carry by replaying them on the tree with the bug's fix applied.
// Everything that runs the tree's code runs in a forked child
// (tools/gate_run.h).
#include "tools/gate_command.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "report/gate.h"
#include "report/gate_format.h"
#include "subjects/program_files.h"
#include "tools/file_io.h"
#include "tools/gate_phases.h"
#include "tools/kernel_build.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

int usage(const std::string& msg) {
  std::fprintf(stderr, "ptediff gate: %s\n", msg.c_str());
  return 2;
}

// Writes `text` to `path`, or says why not on stderr.
void write_out(const fs::path& path, const std::string& text) {
  std::string err;
  if (!write_file(path.string(), text, &err))
    std::fprintf(stderr, "ptediff gate: %s\n", err.c_str());
}

}  // namespace

int run_gate(const GateArgs& args) {
  GateFormat format;
  if (!parse_gate_format(args.format, &format)) {
    return usage(absl::StrCat("unknown --format '", args.format, "' (text, ktap, junit or json)"));
  }
  if (args.tree.empty()) return usage("missing --tree DIR|TARBALL (the tree to check)");
  if (args.seconds < 0 || args.seconds > 24 * 3600) {
    return usage("--seconds must be 0 to 86400 (0: no fuzzing)");
  }
  if (args.jobs < 1 || args.jobs > 64) return usage("--jobs must be 1 to 64");
  bool programs = false, race = false, mutants = false, fuzz = false;
  for (absl::string_view ph : absl::StrSplit(args.phases, ',')) {
    bool* on = ph == "programs"  ? &programs
               : ph == "race"    ? &race
               : ph == "mutants" ? &mutants
               : ph == "fuzz"    ? &fuzz
                                 : nullptr;
    if (on == nullptr) {
      return usage(absl::StrCat("unknown phase '", ph,
                                "' in --phases (programs, race, mutants, fuzz, comma-separated)"));
    }
    *on = true;
  }
  const Subject* only = nullptr;
  if (!args.subject.empty()) {
    only = find_subject(args.subject);
    if (only == nullptr || only->kernel_source() == nullptr) {
      std::vector<std::string> names;
      for (const Subject* s : all_subjects()) {
        if (s->kernel_source() != nullptr) names.push_back(s->name());
      }
      return usage(absl::StrCat("--subject ", args.subject, ": not a subject whose kernel code ",
                                "the gate builds (", absl::StrJoin(names, ", "), ")"));
    }
  }
  std::error_code ec;
  for (const std::string& t : {args.tree, args.base}) {
    if (!t.empty() && !fs::exists(t, ec)) {
      return usage(absl::StrCat(t, ": no such directory or tarball"));
    }
  }
  const fs::path out = fs::absolute(args.out_dir, ec);
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out)) {
    return usage(absl::StrCat("cannot create -o ", args.out_dir, ": ", ec.message()));
  }
  KernelBuilder builder(args.self_path);
  if (!builder.ok()) return usage(builder.error());

  const auto start = std::chrono::steady_clock::now();
  GateReport report;
  report.tree = args.tree;
  report.base = args.base;
  // A tarball is decompressed once, not once per subject and tree.
  std::string tree_dir = args.tree, base_dir = args.base;
  for (std::string* t : {&tree_dir, &base_dir}) {
    if (t->empty() || fs::is_directory(*t, ec)) continue;
    const std::string given = *t;
    *t = builder.unpack(given);
    if (t->empty()) {
      return usage(builder.error());
    }
    std::fprintf(stderr, "ptediff gate: unpacked %s\n", given.c_str());
  }
  report.out_dir = out.string();
  report.seconds = args.seconds;
  const std::vector<ProgramFile> shipped = list_program_files(builder.root());
  std::vector<const Subject*> subjects;
  for (const Subject* s : all_subjects()) {
    if (only == nullptr || s == only) subjects.push_back(s);
  }
  size_t kernel_subjects = 0;
  for (const Subject* s : subjects) kernel_subjects += s->kernel_source() != nullptr;
  for (const Subject* s : subjects) {
    GateSubject gs;
    gs.name = s->name();
    if (s->kernel_source() == nullptr) {
      gs.note = "ptediff runs its own model of this code, not the tree's";
    } else {
      GateSubjectRun run{
          .args = args,
          .tree_dir = tree_dir,
          .base_dir = base_dir,
          .builder = builder,
          .subject = *s,
          .shipped = shipped,
          .out = out / s->name(),
          .fuzz_seconds = fuzz ? args.seconds / static_cast<int>(kernel_subjects) : 0,
          .programs = programs,
          .race = race,
          .mutants = mutants};
      run_gate_subject(run, &gs);
    }
    report.subjects.push_back(std::move(gs));
  }
  report.elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::string text;
  switch (format) {
    case GateFormat::kText:
      text = render_gate_text(report);
      break;
    case GateFormat::kKtap:
      text = render_gate_ktap(report);
      break;
    case GateFormat::kJunit:
      text = render_gate_junit(report);
      break;
    case GateFormat::kJson:
      text = render_gate_json(report);
      break;
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  // Every format is kept beside the findings, for CI to pick up.
  write_out(out / "gate.txt", render_gate_text(report));
  write_out(out / "gate.ktap", render_gate_ktap(report));
  write_out(out / "gate.junit.xml", render_gate_junit(report));
  write_out(out / "gate.json", render_gate_json(report));
  return report.exit_status();
}

}  // namespace ptediff
