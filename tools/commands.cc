// ptediff: the subcommands of the command-line tool (see commands.h).
#include "tools/commands.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "harness/codec.h"
#include "harness/minimize.h"
#include "harness/report.h"
#include "harness/repro.h"
#include "linearmap/executor.h"
#include "linearmap/optimized.h"
#include "linearmap/program.h"
#include "optimized/contpte.h"
#include "tools/input.h"

namespace ptediff {
namespace {

int fail(const std::string& msg) {
  std::fprintf(stderr, "ptediff: %s\n", msg.c_str());
  return 2;
}

// Loads every file before running anything: bad input runs nothing.
bool load_all(const std::vector<std::string>& files, std::vector<Program>* out, std::string* err) {
  for (const std::string& f : files) {
    Program p;
    if (!load_program(f, &p, err)) return false;
    out->push_back(std::move(p));
  }
  return true;
}

bool need_one(const std::vector<std::string>& files, const char* cmd, std::string* err) {
  if (files.size() == 1) return true;
  *err = absl::StrCat(cmd, " takes exactly one FILE");
  return false;
}

// A block diagram of the blocks an op covers: one line per block, one cell
// per entry (. none, v valid, C valid+CONT; upper case when young or dirty).
std::string block_diagram(const Machine& m, uint32_t mm, uint64_t va, uint32_t nr) {
  const ptediff_geometry& g = m.geo();
  const uint64_t page = 1ULL << g.page_shift, bb = page * g.cont_ptes;
  std::string out;
  const uint64_t first = va / bb, last = (va + (std::max<uint32_t>(nr, 1) - 1) * page) / bb;
  for (uint64_t b = first; b <= last && b < first + 8; ++b) {
    std::string cells;
    for (uint32_t i = 0; i < g.cont_ptes && i < 128; ++i) {
      const pte_t e = m.peek(mm, (b * g.cont_ptes + i) * page);
      char c = pte_none(e) ? '.' : pte_cont(e) ? 'c' : 'v';
      if (pte_dirty(e)) c = c == 'c' ? 'D' : 'd';
      else if (pte_young(e)) c = static_cast<char>(c == 'c' ? 'C' : 'V');
      cells.push_back(c);
    }
    absl::StrAppendFormat(&out, "      mm=%d %#10x [%s]\n", mm, b * bb, cells);
  }
  return out;
}

}  // namespace

std::string format_state(const Machine& ref, const Machine& opt) {
  const ptediff_geometry& g = ref.geo();
  std::string out;
  for (uint32_t mm = 0; mm < kNumMms; ++mm) {
    for (uint64_t va = 0; va < ref.window_limit(); va += 1ULL << g.page_shift) {
      const pte_t r = ref.peek(mm, va), o = opt.peek(mm, va);
      if (pte_none(r) && pte_none(o)) continue;
      absl::StrAppendFormat(&out, "mm=%d va=%#x R %-40s | O %s\n", mm, va, describe_pte(g, r),
                            describe_pte(g, o));
    }
  }
  return out;
}

namespace {

// One loaded input: a program of the user page-table subject or of the
// kernel linear-map subject (`subject linear-map` in its header).
struct Input {
  Program user;
  bool linear = false;
  linearmap::Program linear_map;
};

bool load_input(const std::string& path, Input* in, std::string* err) {
  std::string text;
  if (!read_file(path, &text, err)) return false;
  if (linearmap::is_linearmap_repro(text)) {
    in->linear = true;
    ParseError pe;
    if (!linearmap::parse_program(text, path, &in->linear_map, &pe)) {
      *err = pe.str();
      return false;
    }
    return true;
  }
  return load_program(path, &in->user, err);
}

// Runs one linear-map input; returns 0 clean, 1 divergence, 2 error.
int run_linear(const std::string& file, const linearmap::Program& p, const RunOptions& opts,
               bool all) {
  linearmap::RunOptions lo;
  lo.mutant = opts.mutant;
  lo.stop_at_first = !all;
  const linearmap::RunResult r = linearmap::run_program(p, lo);
  if (!r.error.empty()) return fail(absl::StrCat(file, ": ", r.error));
  if (r.divergences.empty()) {
    std::printf("%s: ok, linear-map, ops %zu, divergences 0\n", file.c_str(), r.ops_run);
    return 0;
  }
  std::printf("%s: %s", file.c_str(), linearmap::format_report(r, p).c_str());
  return 1;
}

}  // namespace

int cmd_run(const std::vector<std::string>& files, const RunOptions& opts, bool json, bool state,
            bool all) {
  if (files.empty()) return fail("run needs at least one FILE");
  std::vector<Input> inputs(files.size());
  std::string err;
  for (size_t i = 0; i < files.size(); ++i) {
    if (!load_input(files[i], &inputs[i], &err)) return fail(err);  // bad input runs nothing
  }
  int status = 0;
  RunOptions o = opts;
  o.stop_at_first = !all;
  const bool color = !json && isatty(STDOUT_FILENO);
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].linear) {
      const int st = run_linear(files[i], inputs[i].linear_map, opts, all);
      if (st == 2) return st;
      status = std::max(status, st);
      continue;
    }
    Executor ex(o);
    const RunResult r = ex.run(inputs[i].user);
    if (!r.error.empty()) return fail(absl::StrCat(files[i], ": ", r.error));
    if (json) {
      std::printf("%s\n", format_json(r, files[i]).c_str());
    } else {
      for (const Divergence& d : r.divergences) {
        std::printf("%s: %s", files[i].c_str(), format_divergence(r, d, color).c_str());
      }
      std::printf("%s: %s, %s", files[i].c_str(), r.diverged() ? "DIVERGED" : "ok",
                  format_summary(r).c_str());
    }
    if (state && ex.ref_machine() != nullptr) {
      std::printf("%s", format_state(*ex.ref_machine(), *ex.opt_machine()).c_str());
    }
    if (r.diverged()) status = 1;
  }
  return status;
}

int cmd_explain(const std::vector<std::string>& files, const RunOptions& opts) {
  std::string err;
  std::vector<Program> progs;
  if (!need_one(files, "explain", &err) || !load_all(files, &progs, &err)) return fail(err);
  RunOptions o = opts;
  const bool color = isatty(STDOUT_FILENO);
  o.on_step = [&](size_t idx, const Prepared& p, const std::vector<Ret>& rr,
                  const std::vector<Ret>& orr, const Machine& ref, const Machine& opt) {
    std::printf("%sop %zu: %s%s\n", color ? "\033[1m" : "", idx, format_op(p.op).c_str(),
                color ? "\033[0m" : "");
    for (size_t i = 0; i < rr.size() || i < orr.size(); ++i) {
      std::printf("    return %zu: R %s %#llx | O %#llx\n", i,
                  i < rr.size() ? ret_type_name(rr[i].type) : "-",
                  i < rr.size() ? static_cast<unsigned long long>(rr[i].value) : 0ULL,
                  i < orr.size() ? static_cast<unsigned long long>(orr[i].value) : 0ULL);
    }
    const Counters& rc = ref.counters();
    const Counters& oc = opt.counters();
    std::printf("    primitives so far: R r%llu w%llu a%llu t%llu | O r%llu w%llu a%llu t%llu\n",
                (unsigned long long)rc.reads, (unsigned long long)rc.writes,
                (unsigned long long)rc.atomics, (unsigned long long)rc.tlbis,
                (unsigned long long)oc.reads, (unsigned long long)oc.writes,
                (unsigned long long)oc.atomics, (unsigned long long)oc.tlbis);
    if (p.range.nr > 0) {
      std::printf("    R:\n%s    O:\n%s", block_diagram(ref, p.range.mm, p.range.va, p.range.nr).c_str(),
                  block_diagram(opt, p.range.mm, p.range.va, p.range.nr).c_str());
    }
    for (const LogRec& r : opt.log()) {
      if (r.prim != Prim::kRead) std::printf("      O %s\n", describe_log(r).c_str());
    }
  };
  Executor ex(o);
  const RunResult r = ex.run(progs[0]);
  if (!r.error.empty()) return fail(r.error);
  std::printf("legend: . none, v valid, V valid+young, d dirty, c CONT, C CONT+young, D CONT+dirty\n");
  for (const Divergence& d : r.divergences) std::printf("%s", format_divergence(r, d, color).c_str());
  std::printf("%s", format_summary(r).c_str());
  return r.diverged() ? 1 : 0;
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

int cmd_minimize(const std::vector<std::string>& files, const RunOptions& opts,
                 const std::string& out, const std::string& gtest_out) {
  std::string err;
  std::vector<Program> progs;
  if (!need_one(files, "minimize", &err) || !load_all(files, &progs, &err)) return fail(err);
  if (out.empty()) return fail("minimize needs -o OUT.repro");
  MinimizeResult m;
  if (!minimize_program(progs[0], opts, &m)) {
    std::printf("%s: no divergence to minimize\n", files[0].c_str());
    return 0;
  }
  const std::string text = format_repro(m.program);
  if (!write_file(out, text, &err, files[0])) return fail(err);
  std::printf("%s: [%s] at %s: %zu ops -> %zu ops (%zu runs); wrote %s\n", files[0].c_str(),
              div_class_name(m.cls), op_spec(m.kind).name, m.before_ops, m.after_ops, m.runs,
              out.c_str());
  if (!gtest_out.empty()) {
    std::string name = absl::StrReplaceAll(std::string(div_class_name(m.cls)), {{"-", "_"}});
    name = absl::StrCat(name, "_", op_spec(m.kind).name);
    if (!write_file(gtest_out,
                    format_gtest_case(name, text, m.program.header.mutant, div_class_name(m.cls)),
                    &err, files[0])) {
      return fail(err);
    }
    std::printf("wrote %s\n", gtest_out.c_str());
  }
  return 0;
}

int cmd_mutants(const std::vector<std::string>& args) {
  if (!args.empty()) return fail("mutants takes no arguments");
  std::printf("user page tables (contpte backend):\n");
  for (const MutantInfo& m : optimized_mutants()) {
    std::printf("  %-28s %s\n  %-28s   source: %s\n", m.name, m.description, "", m.source);
  }
  std::printf("kernel linear map (subject linear-map):\n");
  for (const auto& m : linearmap::linearmap_mutants()) {
    if (m.id == linearmap::Mutant::kNone) continue;
    std::printf("  %-28s %s\n  %-28s   source: %s\n", m.name, m.what, "", m.source);
  }
  return 0;
}

int cmd_encode(const std::vector<std::string>& files, const std::string& out) {
  std::string err;
  std::vector<Program> progs;
  if (!need_one(files, "encode", &err) || !load_all(files, &progs, &err)) return fail(err);
  if (out.empty()) return fail("encode needs -o OUT");
  const std::vector<uint8_t> bytes = encode_program(progs[0]);
  if (!write_file(out, {reinterpret_cast<const char*>(bytes.data()), bytes.size()}, &err, files[0])) {
    return fail(err);
  }
  return 0;
}

int cmd_decode(const std::vector<std::string>& files, const std::string& out) {
  std::string err;
  std::vector<Program> progs;
  if (!need_one(files, "decode", &err) || !load_all(files, &progs, &err)) return fail(err);
  // The effective program: what a run executes after repair.
  Executor ex;
  const RunResult r = ex.run(progs[0]);
  if (!r.error.empty()) return fail(r.error);
  const std::string text = absl::StrCat(
      absl::StrFormat("# decoded from %s: %d ops, %d skipped as unrepairable\n", files[0],
                      r.decoded_ops, r.skipped),
      format_repro(r.effective));
  if (out.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  return write_file(out, text, &err, files[0]) ? 0 : fail(err);
}

}  // namespace ptediff
