// ptediff: the race pass of `ptediff fuzz` (see race_pass.h).
#include "tools/race_pass.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tools/file_io.h"
#include "tools/input.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

fs::path stats_path(const fs::path& out) { return out / "race-pass.stats"; }

// The stats file: one `key value` line each, `finding PATH CLASS` per finding.
std::string format_stats(const RacePassStats& s) {
  std::string t =
      absl::StrCat("inputs ", s.inputs, "\nschedules ", s.schedules, "\ncandidates ", s.candidates,
                   "\nfirst_found_ms ", s.first_found_ms, "\nunreplayable ", s.unreplayable, "\n");
  for (const RaceFinding& f : s.findings)
    absl::StrAppend(&t, "finding ", f.cls, " ", f.repro.string(), "\n");
  if (!s.note.empty()) absl::StrAppend(&t, "note ", s.note, "\n");
  return t;
}

// Explores one input; records what it did in *s.
void explore_input(const Subject& subject, const CaseOptions& opts, const fs::path& input,
                   const fs::path& out, Clock::time_point start, RacePassStats* s) {
  std::string bytes, err;
  if (!read_file(input.string(), kMaxBinaryInputBytes, &bytes, &err)) return;
  const std::unique_ptr<Case> c = subject.decode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  CaseExplored what;
  const std::unique_ptr<Case> bad = c->explore(opts, 1, kRaceSchedulesPerInput, &what, &err);
  ++s->inputs;
  s->schedules += what.schedules;
  s->candidates += what.candidates;
  if (bad == nullptr) {
    if (!err.empty() && s->inputs == 1) s->note = err;  // the subject cannot explore
    return;
  }
  // What is reported is the text, so the text is what must diverge: it is
  // parsed back and run before it is written.
  const std::string text = bad->format();
  ParseError pe;
  const std::unique_ptr<Case> replay = subject.parse(text, "race", &pe);
  const CaseRun run = replay != nullptr ? replay->run(opts, "race") : CaseRun{};
  if (!run.diverged()) {
    ++s->unreplayable;
    return;
  }
  RaceFinding f{out / absl::StrCat("race-", input.filename().string(), ".repro"),
                div_class_name(run.divergences.front().cls)};
  if (!write_file(f.repro.string(), text, &err)) return;
  if (s->first_found_ms < 0) {
    s->first_found_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  }
  s->findings.push_back(std::move(f));
}

[[noreturn]] void run_pass(const Subject& subject, const CaseOptions& opts, const fs::path& corpus,
                           const fs::path& out, int seconds) {
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  RacePassStats s;
  std::set<fs::path> seen;
  std::string err;
  while (Clock::now() < deadline) {
    const std::vector<fs::path> todo = race_pass_order(corpus, seen);
    if (todo.empty()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    for (const fs::path& input : todo) {
      if (Clock::now() >= deadline) break;
      seen.insert(input);
      explore_input(subject, opts, input, out, start, &s);
      (void)write_file(stats_path(out).string(), format_stats(s), &err);
      if (!s.note.empty()) _exit(0);  // nothing to explore in this subject
    }
  }
  _exit(0);
}

}  // namespace

std::vector<fs::path> race_pass_order(const fs::path& dir, const std::set<fs::path>& seen) {
  std::vector<std::pair<uintmax_t, fs::path>> found;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec) && !seen.count(e.path()))
      found.emplace_back(e.file_size(ec), e.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& [size, path] : found) out.push_back(std::move(path));
  return out;
}

pid_t start_race_pass(const Subject& subject, const CaseOptions& opts, const fs::path& corpus,
                      const fs::path& out, int seconds) {
  std::error_code ec;
  fs::remove(stats_path(out), ec);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    signal(SIGINT, SIG_DFL);
    run_pass(subject, opts, corpus, out, seconds);
  }
  return pid;
}

RacePassStats finish_race_pass(pid_t pid, const fs::path& out, int grace_seconds) {
  RacePassStats s;
  if (pid > 0) {
    const auto give_up = Clock::now() + std::chrono::seconds(grace_seconds);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
      if (Clock::now() >= give_up) {
        kill(pid, SIGKILL);
        waitpid(pid, &status, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  std::string text, err;
  if (!read_file(stats_path(out).string(), 1 << 20, &text, &err)) return s;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    const std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ' ');
    const absl::string_view rest = line.substr(std::min(line.size(), kv.first.size() + 1));
    if (kv.first == "inputs") (void)absl::SimpleAtoi(rest, &s.inputs);
    if (kv.first == "schedules") (void)absl::SimpleAtoi(rest, &s.schedules);
    if (kv.first == "candidates") (void)absl::SimpleAtoi(rest, &s.candidates);
    if (kv.first == "unreplayable") (void)absl::SimpleAtoi(rest, &s.unreplayable);
    if (kv.first == "first_found_ms") (void)absl::SimpleAtoi(rest, &s.first_found_ms);
    if (kv.first == "note") s.note = std::string(rest);
    if (kv.first == "finding") {
      const std::pair<absl::string_view, absl::string_view> f = absl::StrSplit(rest, ' ');
      s.findings.push_back({std::string(f.second), std::string(f.first)});
    }
  }
  return s;
}

}  // namespace ptediff
