// ptediff: `ptediff fuzz` (docs/DESIGN.md §6.2).
//
// Finds the fuzz target built next to this binary (build/fuzz/), copies the
// embedded seed corpus into OUT/corpus, runs libFuzzer (or afl-fuzz) on it
// for the given time with the dictionary and options of the target, with
// the mutant injected through $PTEDIFF_MUTANT (and an external backend as O
// through $PTEDIFF_BACKEND), and then summarises: execs,
// exec/s, coverage, corpus size, and every finding, each minimized in a
// forked child (a backend crash cannot take this process down) to
// `<artifact>.min.repro`. Beside the engine, the race pass (race_pass.h)
// explores one mid-op event at every point of every corpus input, seeds
// first. Exit 0 clean, 1 findings, 2 setup error.
#include "tools/fuzz_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tools/commands.h"  // one_line
#include "tools/file_io.h"
#include "tools/input.h"
#include "tools/race_pass.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

int setup_error(const std::string& msg) {
  std::fprintf(stderr, "ptediff fuzz: %s\n", one_line(msg).c_str());
  return 2;
}

absl::string_view to_absl(const std::string& s) { return absl::string_view(s.data(), s.size()); }

// The directory holding the ptediff binary.
fs::path self_dir(const std::string& argv0) {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) p = fs::absolute(argv0, ec);
  return p.parent_path();
}

// The value of `key = value` in a libFuzzer .options file ("" when absent).
std::string option_value(const fs::path& options, const std::string& key) {
  std::string text, err;
  if (!read_file(options.string(), SIZE_MAX, &text, &err)) return "";
  for (absl::string_view line : absl::StrSplit(to_absl(text), '\n')) {
    std::pair<absl::string_view, absl::string_view> kv =
        absl::StrSplit(line, absl::MaxSplits('=', 1));
    if (absl::StripAsciiWhitespace(kv.first) == key) {
      return std::string(absl::StripAsciiWhitespace(kv.second));
    }
  }
  return "";
}

// Copies the seeds missing from `corpus` (an earlier run's corpus is kept),
// counting them in *copied; false with *err when one cannot be copied.
bool copy_seeds(const fs::path& seeds, const fs::path& corpus, size_t* copied, std::string* err) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(seeds, ec)) {
    const fs::path dst = corpus / e.path().filename();
    if (!e.is_regular_file(ec) || fs::exists(dst, ec)) continue;
    std::string bytes;
    if (!read_file(e.path().string(), SIZE_MAX, &bytes, err) ||
        !write_file(dst.string(), bytes, err)) {
      return false;
    }
    ++*copied;
  }
  return true;
}

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) n += e.is_regular_file();
  return n;
}

// A child process: argv[0] is run from PATH when it has no '/', with `env`
// added to this environment, in `cwd`, stdout and stderr to `log`.
struct Child {
  std::vector<std::string> argv, env;
  fs::path cwd, log;
  pid_t pid = -1;
};

bool spawn(Child* c) {
  const int fd = open(c->log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const pid_t pid = fork();
  if (pid == 0) {
    if (chdir(c->cwd.c_str()) != 0) _exit(127);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    for (const std::string& kv : c->env) putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> argv;
    for (std::string& a : c->argv) argv.push_back(a.data());
    argv.push_back(nullptr);
    signal(SIGINT, SIG_DFL);
    execvp(argv[0], argv.data());
    std::fprintf(stderr, "ptediff fuzz: cannot run %s\n", argv[0]);
    _exit(127);
  }
  close(fd);
  c->pid = pid;
  return pid > 0;
}

// Waits for every child; calls `progress` every 10 s; kills the children
// if they overrun `seconds` by two minutes. Returns false if any child
// could not be run (exit status 127).
bool wait_all(std::vector<Child>* children, int seconds, const std::function<void(int)>& progress) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto next = start + std::chrono::seconds(10);
  bool ok = true;
  size_t running = children->size();
  void (*old_int)(int) = signal(SIGINT, SIG_IGN);  // Ctrl-C stops the engine, not the summary
  while (running > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (Child& c : *children) {
      int status = 0;
      if (c.pid > 0 && waitpid(c.pid, &status, WNOHANG) == c.pid) {
        c.pid = -1;
        --running;
        ok &= !(WIFEXITED(status) && WEXITSTATUS(status) == 127);
      }
    }
    const auto now = Clock::now();
    if (now >= next && running > 0) {
      progress(
          static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(now - start).count()));
      next += std::chrono::seconds(10);
    }
    if (now - start > std::chrono::seconds(seconds + 120)) {
      for (Child& c : *children) {
        if (c.pid > 0) kill(c.pid, SIGKILL);
      }
    }
  }
  signal(SIGINT, old_int);
  return ok;
}

// What an engine run produced.
struct Stats {
  uint64_t execs = 0, exec_per_sec = 0, cov = 0, ft = 0;
  std::string coverage;  // the engine's own words
};

// The number after `key` in `line` (0 when absent).
uint64_t number_after(absl::string_view line, absl::string_view key) {
  const size_t at = line.find(key);
  if (at == absl::string_view::npos) return 0;
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(line.substr(at + key.size()));
  uint64_t v = 0;
  (void)absl::SimpleAtoi(rest.substr(0, rest.find_first_of(" \t/")), &v);
  return v;
}

// Accumulates one libFuzzer log into stats: final stats when present, else
// the last status line.
void parse_libfuzzer_log(const fs::path& log, Stats* s) {
  std::string text, err;
  if (!read_file(log.string(), SIZE_MAX, &text, &err)) return;
  uint64_t execs = 0, eps = 0, cov = 0, ft = 0;
  for (absl::string_view line : absl::StrSplit(to_absl(text), '\n')) {
    if (absl::StartsWith(line, "#") && line.find("cov: ") != absl::string_view::npos) {
      execs = number_after(line, "#");
      cov = number_after(line, "cov: ");
      ft = number_after(line, "ft: ");
      eps = number_after(line, "exec/s: ");
    }
    if (uint64_t v = number_after(line, "stat::number_of_executed_units:")) execs = v;
    if (uint64_t v = number_after(line, "stat::average_exec_per_sec:")) eps = v;
  }
  s->execs += execs;
  s->exec_per_sec += eps;
  s->cov = std::max(s->cov, cov);
  s->ft = std::max(s->ft, ft);
  s->coverage = s->cov == 0 ? "not reported (the run stopped while loading the corpus)"
                            : absl::StrCat("cov ", s->cov, ", ft ", s->ft);
}

// The last libFuzzer status line of a log, for progress reports.
std::string last_status(const fs::path& log) {
  std::ifstream f(log);
  std::string line, last;
  while (std::getline(f, line)) {
    if (line.rfind("#", 0) == 0 && line.find("cov: ") != std::string::npos) last = line;
  }
  return last;
}

// `key : value` of an afl-fuzz fuzzer_stats file.
std::string afl_stat(const fs::path& stats, const std::string& key) {
  std::ifstream f(stats);
  std::string line;
  while (std::getline(f, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (absl::StripAsciiWhitespace(to_absl(line.substr(0, colon))) == key) {
      return std::string(absl::StripAsciiWhitespace(to_absl(line.substr(colon + 1))));
    }
  }
  return "";
}

// One finding of the engine, minimized.
struct Finding {
  fs::path artifact;
  std::string cls;     // divergence class, "crash", or "no-repro"
  std::string detail;  // "at OP, N -> M ops" or why there is no repro
  fs::path minimized;  // empty when none
};

// Replays and minimizes one artifact in a forked child; the child writes
// "class|detail" to a pipe ("no-repro|why" when it has no repro: clean when
// replayed, or an artifact it cannot read or a repro it cannot write). A
// child killed by a signal is a backend crash.
Finding minimize_artifact(const Subject& subject, const fs::path& artifact,
                          const std::string& mutant, const ptediff_backend* backend,
                          const ptediff_backend_v2* backend_v2,
                          const ptediff_backend_v3* backend_v3) {
  Finding f{artifact, "no-repro", "", {}};
  int fds[2];
  if (pipe(fds) != 0) return f;
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::string bytes, err, out = "no-repro|does not diverge when replayed";
    if (!read_file(artifact.string(), kMaxBinaryInputBytes, &bytes, &err)) {
      out = absl::StrCat("no-repro|", err);
    } else {
      const std::unique_ptr<Case> c = subject.decode(
          std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
      CaseOptions opts;
      opts.mutant = mutant;
      opts.backend = backend;
      opts.backend_v2 = backend_v2;
      opts.backend_v3 = backend_v3;
      CaseMinimized m;
      const std::string path = artifact.string() + ".min.repro";
      const std::unique_ptr<Case> min = c->minimize(opts, &m, &err);
      if (min != nullptr && write_file(path, min->format(), &err)) {
        out = absl::StrCat(div_class_name(m.cls), "|at ", m.at, ", ", m.before_ops, " -> ",
                           m.after_ops, " ops");
      } else if (!err.empty()) {
        out = absl::StrCat("no-repro|", err);
      }
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string got;
  char buf[256];
  for (ssize_t n; pid > 0 && (n = read(fds[0], buf, sizeof(buf))) > 0;) got.append(buf, n);
  close(fds[0]);
  int status = 0;
  if (pid > 0) waitpid(pid, &status, 0);
  if (pid > 0 && WIFSIGNALED(status)) {
    f.cls = "crash";
    f.detail = absl::StrCat("the replay died with signal ", WTERMSIG(status));
    return f;
  }
  const size_t bar = got.find('|');
  if (bar == std::string::npos) return f;
  f.cls = got.substr(0, bar);
  f.detail = got.substr(bar + 1);
  if (f.cls != "no-repro") f.minimized = artifact.string() + ".min.repro";
  return f;
}

// Regular files of `dir` whose name starts with one of `prefixes`.
std::set<fs::path> artifacts_in(const fs::path& dir, std::initializer_list<const char*> prefixes) {
  std::set<fs::path> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!e.is_regular_file() || name.find('.') != std::string::npos) continue;
    for (const char* p : prefixes) {
      if (name.rfind(p, 0) == 0) out.insert(e.path());
    }
  }
  return out;
}

// Everything an engine needs to know.
struct Setup {
  FuzzCommandArgs args;
  fs::path fuzz_dir, out, corpus, seeds;
  std::string target;                              // the subject's fuzz target
  std::string mutant;                              // never empty
  fs::path backend;                                // absolute path of the external O, or empty
  const ptediff_backend* backend_table = nullptr;  // the external O of a v1 subject
  const ptediff_backend_v2* backend_v2_table = nullptr;  // the same of a v2 subject
  const ptediff_backend_v3* backend_v3_table = nullptr;  // the same of a v3 subject
  const char* backend_name() const {
    return backend_table != nullptr      ? backend_table->name
           : backend_v2_table != nullptr ? backend_v2_table->name
           : backend_v3_table != nullptr ? backend_v3_table->name
                                         : nullptr;
  }
  // The environment of an engine child: the mutant, and the backend if any.
  std::vector<std::string> env() const {
    std::vector<std::string> e = {absl::StrCat("PTEDIFF_MUTANT=", mutant)};
    if (!backend.empty()) e.push_back(absl::StrCat("PTEDIFF_BACKEND=", backend.string()));
    return e;
  }
};

int run_libfuzzer(const Setup& s, Stats* stats, std::vector<fs::path>* found) {
  const fs::path bin = s.fuzz_dir / s.target;
  if (!fs::exists(bin)) {
    return setup_error(absl::StrCat(bin.string(), " not found (build it: make build)"));
  }
  const std::set<fs::path> before = artifacts_in(s.out, {"crash-", "timeout-", "oom-", "leak-"});
  Child c;
  c.argv = {bin.string(),
            s.corpus.string(),
            absl::StrCat("-max_total_time=", s.args.seconds),
            "-timeout=20",
            absl::StrCat("-artifact_prefix=", s.out.string(), "/"),
            "-print_final_stats=1"};
  const fs::path dict = s.fuzz_dir / absl::StrCat(s.target, ".dict");
  if (fs::exists(dict)) c.argv.push_back(absl::StrCat("-dict=", dict.string()));
  const std::string max_len =
      option_value(s.fuzz_dir / absl::StrCat(s.target, ".options"), "max_len");
  if (!max_len.empty()) c.argv.push_back(absl::StrCat("-max_len=", max_len));
  if (s.args.jobs > 1) {
    c.argv.push_back(absl::StrCat("-jobs=", s.args.jobs));
    c.argv.push_back(absl::StrCat("-workers=", s.args.jobs));
  }
  c.env = s.env();
  c.cwd = s.out;  // -jobs writes fuzz-N.log into the working directory
  c.log = s.out / "libfuzzer.log";
  std::error_code ec;
  fs::remove(c.log, ec);
  for (int j = 0; j < s.args.jobs; ++j) fs::remove(s.out / absl::StrCat("fuzz-", j, ".log"), ec);
  if (!spawn(&c)) return setup_error(absl::StrCat("cannot start ", bin.string()));
  std::vector<Child> children = {c};
  const fs::path watch = s.args.jobs > 1 ? s.out / "fuzz-0.log" : c.log;
  if (!wait_all(&children, s.args.seconds, [&](int t) {
        std::printf("  [%3ds] %s\n", t, last_status(watch).c_str());
        std::fflush(stdout);
      })) {
    return setup_error(absl::StrCat("could not run ", bin.string(), "; see ", c.log.string()));
  }
  if (s.args.jobs > 1) {
    for (int j = 0; j < s.args.jobs; ++j)
      parse_libfuzzer_log(s.out / absl::StrCat("fuzz-", j, ".log"), stats);
  } else {
    parse_libfuzzer_log(c.log, stats);
  }
  for (const fs::path& a : artifacts_in(s.out, {"crash-", "timeout-", "oom-", "leak-"})) {
    if (!before.count(a)) found->push_back(a);
  }
  return 0;
}

std::string afl_instance(int j) { return j == 0 ? "main" : absl::StrCat("secondary", j); }

std::set<fs::path> afl_crashes(const fs::path& afl_out, int jobs) {
  std::set<fs::path> out;
  for (int j = 0; j < jobs; ++j) {
    out.merge(artifacts_in(afl_out / afl_instance(j) / "crashes", {"id:"}));
  }
  return out;
}

int run_afl(const Setup& s, Stats* stats, std::vector<fs::path>* found) {
  const fs::path bin = s.fuzz_dir / "afl" / s.target;
  if (!fs::exists(bin)) {
    return setup_error(
        absl::StrCat(bin.string(), " not found (build it: cmake --build build --target fuzz_afl)"));
  }
  const fs::path afl_out = s.out / "afl";
  const std::set<fs::path> before = afl_crashes(afl_out, s.args.jobs);
  std::vector<Child> children;
  for (int j = 0; j < s.args.jobs; ++j) {
    Child c;
    const std::string name = afl_instance(j);
    c.argv = {"afl-fuzz",
              "-V",
              absl::StrCat(s.args.seconds),
              "-i",
              s.seeds.string(),
              "-o",
              afl_out.string(),
              j == 0 ? "-M" : "-S",
              name};
    const fs::path dict = s.fuzz_dir / absl::StrCat(s.target, ".dict");
    if (fs::exists(dict)) c.argv.insert(c.argv.end(), {"-x", dict.string()});
    const fs::path cmplog = bin.string() + ".cmplog";
    if (j == 0 && fs::exists(cmplog)) c.argv.insert(c.argv.end(), {"-c", cmplog.string()});
    c.argv.insert(c.argv.end(), {"--", bin.string()});
    c.env = s.env();
    c.env.insert(c.env.end(),
                 {"AFL_SKIP_CPUFREQ=1", "AFL_NO_UI=1", "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1",
                  "AFL_NO_AFFINITY=1", "AFL_SKIP_CRASHES=1", "AFL_AUTORESUME=1"});
    c.cwd = s.out;
    c.log = s.out / absl::StrCat("afl-", name, ".log");
    std::error_code ec;
    fs::remove(c.log, ec);
    if (!spawn(&c)) return setup_error("cannot start afl-fuzz");
    children.push_back(c);
  }
  if (!wait_all(&children, s.args.seconds, [&](int t) {
        const fs::path st = afl_out / "main" / "fuzzer_stats";
        std::printf(
            "  [%3ds] execs %s, corpus %s, crashes %s (afl-fuzz updates its stats slowly)\n", t,
            afl_stat(st, "execs_done").c_str(), afl_stat(st, "corpus_count").c_str(),
            afl_stat(st, "saved_crashes").c_str());
        std::fflush(stdout);
      })) {
    return setup_error("afl-fuzz is not installed (apt-get install afl++)");
  }
  std::string bitmap;
  for (int j = 0; j < s.args.jobs; ++j) {
    const fs::path dir = afl_out / afl_instance(j);
    uint64_t v = 0;
    if (absl::SimpleAtoi(afl_stat(dir / "fuzzer_stats", "execs_done"), &v)) stats->execs += v;
    double eps = 0;
    if (absl::SimpleAtod(afl_stat(dir / "fuzzer_stats", "execs_per_sec"), &eps)) {
      stats->exec_per_sec += static_cast<uint64_t>(eps);
    }
    if (j == 0) bitmap = afl_stat(dir / "fuzzer_stats", "bitmap_cvg");
  }
  for (const fs::path& a : afl_crashes(afl_out, s.args.jobs)) {
    if (!before.count(a)) found->push_back(a);
  }
  if (stats->execs == 0) {
    return setup_error(absl::StrCat("afl-fuzz did not run; see ", children[0].log.string()));
  }
  stats->coverage = absl::StrCat("bitmap ", bitmap.empty() ? "?" : bitmap);
  return 0;
}

}  // namespace

int run_fuzz_command(const FuzzCommandArgs& args) {
  Setup s;
  s.args = args;
  s.mutant = args.mutant.empty() ? "none" : args.mutant;
  s.target = args.subject->fuzz_target();
  s.fuzz_dir = self_dir(args.self_path) / "fuzz";
  s.seeds = s.fuzz_dir / "seeds" / s.target;
  s.out = fs::absolute(args.out_dir.empty() ? "ptediff-findings" : args.out_dir);
  // One corpus per subject: their inputs are different languages.
  s.corpus =
      s.out / (args.subject == all_subjects()[0] ? std::string("corpus")
                                                 : absl::StrCat("corpus-", args.subject->name()));
  std::error_code ec;
  if (!args.backend.empty()) {
    std::string err;
    s.backend =
        args.backend == kReferenceBackend ? fs::path(args.backend) : fs::absolute(args.backend);
    CaseOptions loaded;
    if (!load_backend_spec(s.backend.string(), &loaded, &err)) return setup_error(err);
    if (!args.subject->accepts_backend_of(loaded)) {
      return setup_error(absl::StrCat("--backend ", args.backend, " does not apply to the ",
                                      args.subject->name(), " subject"));
    }
    s.backend_table = loaded.backend;
    s.backend_v2_table = loaded.backend_v2;
    s.backend_v3_table = loaded.backend_v3;
  }
  if (count_files(s.seeds) == 0) {
    return setup_error(
        absl::StrCat("no seed corpus in ", s.seeds.string(), " (build it: make build)"));
  }
  fs::create_directories(s.corpus, ec);
  if (ec) return setup_error(absl::StrCat("cannot create ", s.corpus.string(), ": ", ec.message()));
  size_t copied = 0;
  std::string copy_err;
  if (!copy_seeds(s.seeds, s.corpus, &copied, &copy_err)) return setup_error(copy_err);
  std::printf(
      "ptediff fuzz: %s, subject %s, %d s, %d job%s, %s %s; findings in %s/ (%zu seeds added)\n",
      args.engine.c_str(), args.subject->name(), args.seconds, args.jobs, args.jobs > 1 ? "s" : "",
      s.backend_name() ? "backend" : "mutant",
      s.backend_name() ? s.backend_name() : s.mutant.c_str(), s.out.c_str(), copied);
  std::fflush(stdout);

  Stats stats;
  std::vector<fs::path> artifacts;
  const auto start = std::chrono::steady_clock::now();
  // The race pass explores every seed and every input the engine adds, beside it.
  CaseOptions race_opts;
  race_opts.mutant = s.mutant;
  race_opts.backend = s.backend_table;
  race_opts.backend_v2 = s.backend_v2_table;
  race_opts.backend_v3 = s.backend_v3_table;
  const pid_t race = start_race_pass(*args.subject, race_opts, s.corpus, s.out, args.seconds);
  const int rc =
      args.engine == "afl" ? run_afl(s, &stats, &artifacts) : run_libfuzzer(s, &stats, &artifacts);
  const RacePassStats races = finish_race_pass(race, s.out, 10);
  if (rc != 0) return rc;
  if (stats.exec_per_sec == 0) {  // runs shorter than a second report 0
    const std::chrono::duration<double> t = std::chrono::steady_clock::now() - start;
    stats.exec_per_sec = static_cast<uint64_t>(stats.execs / std::max(t.count(), 1e-3));
  }
  std::vector<Finding> findings;
  for (const fs::path& a : artifacts)
    findings.push_back(minimize_artifact(*args.subject, a, s.mutant, s.backend_table,
                                         s.backend_v2_table, s.backend_v3_table));
  std::printf("summary:\n  execs        %llu (%llu exec/s)\n  coverage     %s\n",
              static_cast<unsigned long long>(stats.execs),
              static_cast<unsigned long long>(stats.exec_per_sec), stats.coverage.c_str());
  if (args.engine != "afl") {
    std::printf("  corpus       %zu inputs in %s\n", count_files(s.corpus), s.corpus.c_str());
  } else {
    std::printf("  corpus       %s inputs in %s\n",
                afl_stat(s.out / "afl" / "main" / "fuzzer_stats", "corpus_count").c_str(),
                (s.out / "afl").c_str());
  }
  if (!races.note.empty()) {
    std::printf("  race pass    not run: %s\n", one_line(races.note).c_str());
  } else {
    std::printf("  race pass    %llu inputs, %llu schedules of one mid-op event, %zu diverging",
                static_cast<unsigned long long>(races.inputs),
                static_cast<unsigned long long>(races.schedules), races.findings.size());
    if (races.first_found_ms >= 0) std::printf(" (first after %.1f s)", races.first_found_ms / 1e3);
    if (races.unreplayable > 0) {
      std::printf(", %llu not replayable from their text (not reported)",
                  static_cast<unsigned long long>(races.unreplayable));
    }
    std::printf("\n");
  }
  for (const RaceFinding& r : races.findings) {
    findings.push_back({r.repro, r.cls, "a schedule of one mid-op event (race pass)", r.repro});
  }
  std::printf("  divergences  %zu\n", findings.size());
  for (const Finding& f : findings) {
    std::printf("    [%s] %s: %s\n", f.cls.c_str(), f.artifact.c_str(), f.detail.c_str());
    if (!f.minimized.empty()) {
      std::printf("      minimized: %s (replay: ptediff run %s)\n", f.minimized.c_str(),
                  f.minimized.c_str());
    }
  }
  return findings.empty() ? 0 : 1;
}

}  // namespace ptediff
