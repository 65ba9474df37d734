// ptediff: the subcommands of the command-line tool (see commands.h).
#include "tools/commands.h"

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "tools/file_io.h"
#include "tools/input.h"

namespace ptediff {
namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "ptediff: %s\n", one_line(msg).c_str());
  return 2;
}

// Loads every file before running anything: bad input runs nothing. A
// mutant that the program's subject does not have is bad input too.
bool load_all(const Command& c, std::vector<std::unique_ptr<Case>>* out, std::string* err) {
  for (const std::string& f : c.files) {
    std::string note;
    std::unique_ptr<Case> k = load_case(f, c.binary_subject(), c.subject, err, &note);
    if (!note.empty()) std::fprintf(stderr, "ptediff: note: %s\n", note.c_str());
    if (k == nullptr) return false;
    const Subject& s = k->subject();
    const bool external =
        c.opts.backend != nullptr || c.opts.backend_v2 != nullptr || c.opts.backend_v3 != nullptr;
    if (!external && !c.opts.mutant.empty() && !s.known_mutant(c.opts.mutant)) {
      *err = absl::StrCat(f, ": mutant '", c.opts.mutant, "' is not one of the ", s.name(),
                          " subject's (see `ptediff mutants`)");
      return false;
    }
    if (!s.accepts_backend_of(c.opts)) {
      *err =
          absl::StrCat(f, ": --backend does not apply to the ", s.name(), " subject",
                       s.takes_backend_v3()   ? " (it takes a v3 backend: ptediff_backend_v3_get())"
                       : s.takes_backend_v2() ? " (it takes a v2 backend: ptediff_backend_v2_get())"
                       : s.takes_backend()    ? " (it takes a v1 backend: ptediff_backend_v1())"
                                              : "");
      return false;
    }
    out->push_back(std::move(k));
  }
  return true;
}

// Checks -o and --gtest before any work is done (check_output_path): each
// can be written, neither is an input, and they are not one file.
bool check_outputs(const Command& c, std::string* err) {
  if (!c.out.empty() && !check_output_path("-o", c.out, c.files, err)) return false;
  if (!c.gtest_out.empty() && !check_output_path("--gtest", c.gtest_out, c.files, err)) {
    return false;
  }
  if (!c.out.empty() && !c.gtest_out.empty() && same_file(c.out, c.gtest_out)) {
    *err = absl::StrCat("-o and --gtest name the same file ", c.gtest_out);
    return false;
  }
  return true;
}

// Loads exactly one file, once the outputs are checked.
std::unique_ptr<Case> load_one(const Command& c, const char* cmd, std::string* err) {
  std::vector<std::unique_ptr<Case>> cases;
  if (c.files.size() != 1) {
    *err = absl::StrCat(cmd, " takes exactly one FILE");
    return nullptr;
  }
  if (!check_outputs(c, err) || !load_all(c, &cases, err)) return nullptr;
  return std::move(cases[0]);
}

}  // namespace

std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      absl::StrAppendFormat(&out, "\\x%02x", u);
    } else {
      out.push_back(c);
    }
  }
  return out;
}

int cmd_run(const Command& c) {
  if (c.files.empty()) return fail("run needs at least one FILE");
  std::vector<std::unique_ptr<Case>> cases;
  std::string err;
  if (!load_all(c, &cases, &err)) return fail(err);
  CaseOptions o = c.opts;
  o.color = !c.json && isatty(STDOUT_FILENO);
  int status = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const CaseRun r = cases[i]->run(o, c.files[i]);
    if (!r.error.empty()) return fail(absl::StrCat(c.files[i], ": ", r.error));
    if (c.json) {
      std::printf("%s\n", r.json.c_str());
    } else {
      if (!r.report.empty()) std::printf("%s: %s", c.files[i].c_str(), r.report.c_str());
      std::printf("%s: %s\n", c.files[i].c_str(), r.summary.c_str());
    }
    if (c.state) std::printf("%s", r.state.c_str());
    if (r.diverged()) status = 1;
  }
  return status;
}

int cmd_explain(const Command& c) {
  std::string err;
  const std::unique_ptr<Case> k = load_one(c, "explain", &err);
  if (k == nullptr) return fail(err);
  CaseOptions o = c.opts;
  o.color = isatty(STDOUT_FILENO);
  int status = 0;
  const std::string text = k->explain(o, &status);
  if (status == 2) return fail(text);
  std::printf("%s", text.c_str());
  return status;
}

std::string format_gtest_case(const std::string& name, const std::string& repro_text,
                              const std::string& mutant, const char* cls) {
  return absl::StrFormat(
      "// Regression found by ptediff minimize; replays the repro below.\n"
      "#include <gtest/gtest.h>\n\n#include \"conformance/replay.h\"\n\n"
      "TEST(Regression, %s) {\n"
      "  constexpr const char* kRepro = R\"repro(%s)repro\";\n"
      "  EXPECT_EQ(ptediff::replay_divergence_class(kRepro, \"%s\"), \"%s\");\n"
      "}\n",
      name, repro_text, mutant, cls);
}

int cmd_minimize(const Command& c) {
  std::string err;
  const std::unique_ptr<Case> k = load_one(c, "minimize", &err);
  if (k == nullptr) return fail(err);
  CaseMinimized m;
  const std::unique_ptr<Case> min = k->minimize(c.opts, &m, &err);
  if (!err.empty()) return fail(absl::StrCat(c.files[0], ": ", err));
  if (min == nullptr) {
    std::printf("%s: no divergence to minimize\n", c.files[0].c_str());
    return 0;
  }
  // Both files are written before either is reported.
  const std::string text = min->format();
  if (!write_file(c.out, text, &err)) return fail(err);
  if (!c.gtest_out.empty()) {
    std::string name = absl::StrReplaceAll(std::string(div_class_name(m.cls)), {{"-", "_"}});
    name = absl::StrCat(name, "_", absl::StrReplaceAll(m.at, {{"-", "_"}}));
    if (!write_file(c.gtest_out,
                    format_gtest_case(name, text, min->mutant(), div_class_name(m.cls)), &err)) {
      return fail(err);
    }
  }
  std::printf("%s: [%s] at %s: %zu ops -> %zu ops (%zu runs); wrote %s\n", c.files[0].c_str(),
              div_class_name(m.cls), m.at.c_str(), m.before_ops, m.after_ops, m.runs,
              c.out.c_str());
  if (!c.gtest_out.empty()) std::printf("wrote %s\n", c.gtest_out.c_str());
  return 0;
}

int cmd_explore(const Command& c) {
  std::string err;
  const std::unique_ptr<Case> k = load_one(c, "explore", &err);
  if (k == nullptr) return fail(err);
  CaseExplored e;
  const std::unique_ptr<Case> bad = k->explore(c.opts, c.bound, c.max_schedules, &e, &err);
  if (!err.empty()) return fail(absl::StrCat(c.files[0], ": ", err));
  const char* file = c.files[0].c_str();
  if (bad == nullptr) {
    std::printf(
        "%s: clean under %s%lu schedules of up to %d mid-op events (%lu candidate "
        "events)\n",
        file, e.complete ? "all " : "the first ", static_cast<unsigned long>(e.schedules), c.bound,
        static_cast<unsigned long>(e.candidates));
    return 0;
  }
  std::printf("%s: DIVERGED after %lu schedules (%lu candidate events)\n%s", file,
              static_cast<unsigned long>(e.schedules), static_cast<unsigned long>(e.candidates),
              e.report.c_str());
  const std::string text = bad->format();
  if (c.out.empty()) {
    std::printf("the failing schedule:\n%s", text.c_str());
  } else {
    if (!write_file(c.out, text, &err)) return fail(err);
    std::printf("wrote the failing schedule to %s\n", c.out.c_str());
  }
  return 1;
}

int cmd_mutants(const Command& c) {
  if (!c.files.empty()) return fail("mutants takes no arguments");
  for (const Subject* s : all_subjects()) {
    if (c.subject != nullptr && s != c.subject) continue;
    std::printf("%s:\n", s->title());
    for (const MutantRow& m : s->mutants()) {
      std::printf("  %-28s %s\n", m.name.c_str(), m.what.c_str());
      if (!m.source.empty()) std::printf("  %-28s   source: %s\n", "", m.source.c_str());
    }
  }
  return 0;
}

int cmd_encode(const Command& c) {
  std::string err;
  const std::unique_ptr<Case> k = load_one(c, "encode", &err);
  if (k == nullptr) return fail(err);
  const std::vector<uint8_t> bytes = k->encode();
  const std::string_view data(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return write_file(c.out, data, &err) ? 0 : fail(err);
}

int cmd_decode(const Command& c) {
  std::string err, comment;
  const std::unique_ptr<Case> k = load_one(c, "decode", &err);
  if (k == nullptr) return fail(err);
  // The effective program: what a run executes after repair.
  const std::unique_ptr<Case> eff = k->effective(c.opts, &comment, &err);
  if (eff == nullptr) return fail(absl::StrCat(c.files[0], ": ", err));
  const std::string text =
      absl::StrCat("# decoded from ", c.files[0], ": ", comment, "\n", eff->format());
  if (c.out.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return write_file(c.out, text, &err) ? 0 : fail(err);
}

}  // namespace ptediff
