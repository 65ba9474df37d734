// ptediff: the steps `ptediff gate` runs on a kernel backend (see gate_run.h).
//
// A child answers with fields separated by the ASCII unit separator (0x1f),
// which neither .repro text nor a report holds.
#include "tools/gate_run.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace ptediff {
namespace {

constexpr absl::string_view kSep = "\x1f";

// The first `n` lines of `s`.
std::string head(const std::string& s, size_t n) {
  size_t pos = 0;
  for (size_t i = 0; i < n && pos != std::string::npos; ++i) {
    pos = s.find('\n', pos);
    if (pos != std::string::npos) ++pos;
  }
  std::string out = pos == std::string::npos ? s : s.substr(0, pos);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The answer's fields, at least `n` of them (missing ones empty).
std::vector<std::string> fields(const std::string& out, size_t n) {
  std::vector<std::string> f = absl::StrSplit(out, kSep);
  f.resize(std::max(f.size(), n));
  return f;
}

// A replay of a child that died: a crash or a hang of the backend.
GateReplay died(const ChildAnswer& a) {
  GateReplay r;
  r.diverged = true;
  r.timed_out = a.death.rfind("no answer", 0) == 0;
  r.cls = r.timed_out ? "hang" : "crash";
  r.report = absl::StrCat("the backend ", a.death);
  return r;
}

// Parses `text` in a child; "" with *err set when it does not parse.
std::unique_ptr<Case> parse_in_child(const Subject& subject, const std::string& text,
                                     const std::string& name, std::string* err) {
  ParseError pe;
  std::unique_ptr<Case> c = subject.parse(text, name, &pe);
  if (c == nullptr) *err = pe.str();
  return c;
}

}  // namespace

namespace {

// A started child: its pid and the read end of its pipe.
struct Started {
  pid_t pid = -1;
  int fd = -1;
};

// Forks a child running `body` (killed after `timeout_seconds`).
Started start_child(const std::function<std::string()>& body, int timeout_seconds) {
  Started c;
  int fds[2];
  if (pipe(fds) != 0) return c;
  std::fflush(nullptr);
  c.pid = fork();
  if (c.pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(std::max(timeout_seconds, 1)));
    const std::string out = body();
    for (size_t off = 0; off < out.size();) {
      const ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  c.fd = fds[0];
  if (c.pid < 0) {
    close(c.fd);
    c.fd = -1;
  }
  return c;
}

// Reads everything `c` writes, waits for it and says how it ended.
ChildAnswer finish_child(const Started& c, int timeout_seconds) {
  ChildAnswer a;
  if (c.pid < 0) {
    a.death = "could not start (no fork or pipe)";
    return a;
  }
  char buf[4096];
  for (ssize_t n; (n = read(c.fd, buf, sizeof(buf))) > 0;) a.out.append(buf, n);
  close(c.fd);
  int status = 0;
  if (waitpid(c.pid, &status, 0) != c.pid) {
    a.death = "was lost (waitpid failed)";
  } else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    a.death = absl::StrCat("no answer after ", timeout_seconds, " s");
  } else if (WIFSIGNALED(status)) {
    a.death = absl::StrCat("was killed by signal ", WTERMSIG(status));
  } else {
    a.answered = true;
  }
  return a;
}

}  // namespace

ChildAnswer run_in_child(const std::function<std::string()>& body, int timeout_seconds) {
  return finish_child(start_child(body, timeout_seconds), timeout_seconds);
}

std::vector<ChildAnswer> run_in_children(const std::vector<std::function<std::string()>>& bodies,
                                         int jobs, int timeout_seconds, int deadline_seconds) {
  std::vector<ChildAnswer> answers(bodies.size());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(deadline_seconds);
  // Children are finished in the order they started: each reads its pipe to
  // the end, so none blocks on a full pipe for long.
  std::vector<std::pair<size_t, Started>> running;
  size_t next = 0;
  while (next < bodies.size() || !running.empty()) {
    while (next < bodies.size() && static_cast<int>(running.size()) < jobs) {
      if (std::chrono::steady_clock::now() >= deadline) {
        answers[next++].death = "not run: the phase's time share ran out";
        continue;
      }
      running.emplace_back(next, start_child(bodies[next], timeout_seconds));
      ++next;
    }
    if (running.empty()) break;
    answers[running.front().first] = finish_child(running.front().second, timeout_seconds);
    running.erase(running.begin());
  }
  return answers;
}

GateReplay gate_replay(const Subject& subject, const std::string& text, const std::string& name,
                       const CaseOptions& opts, int timeout_seconds) {
  const ChildAnswer a = run_in_child(
      [&] {
        std::string err;
        const std::unique_ptr<Case> c = parse_in_child(subject, text, name, &err);
        if (c == nullptr) return absl::StrCat("E", kSep, err);
        const CaseRun r = c->run(opts, name);
        if (!r.error.empty()) return absl::StrCat("E", kSep, r.error);
        if (!r.diverged()) return std::string("C");
        return absl::StrCat("D", kSep, div_class_name(r.divergences[0].cls), kSep,
                            head(r.report, 2));
      },
      timeout_seconds);
  if (!a.answered) return died(a);
  const std::vector<std::string> f = fields(a.out, 3);
  GateReplay r;
  if (f[0] == "E") r.error = f[1];
  if (f[0] == "D") {
    r.diverged = true;
    r.cls = f[1];
    r.report = f[2];
  }
  if (f[0].empty()) r.error = "the run gave no answer";
  return r;
}

GateReplay gate_explore(const Subject& subject, const std::string& text, const std::string& name,
                        const CaseOptions& opts, uint64_t max_schedules, int timeout_seconds) {
  const ChildAnswer a = run_in_child(
      [&] {
        std::string err;
        const std::unique_ptr<Case> c = parse_in_child(subject, text, name, &err);
        if (c == nullptr) return absl::StrCat("E", kSep, err);
        CaseExplored what;
        const std::unique_ptr<Case> found = c->explore(opts, 1, max_schedules, &what, &err);
        if (found == nullptr && !err.empty()) return absl::StrCat("E", kSep, err);
        if (found == nullptr) return absl::StrCat("C", kSep, what.schedules);
        const CaseRun r = found->run(opts, name);
        const std::string cls =
            r.diverged() ? div_class_name(r.divergences[0].cls) : std::string("unreplayable");
        return absl::StrCat("D", kSep, what.schedules, kSep, cls, kSep, head(what.report, 2), kSep,
                            found->format());
      },
      timeout_seconds);
  if (!a.answered) return died(a);
  const std::vector<std::string> f = fields(a.out, 5);
  GateReplay r;
  if (f[0] == "E") r.error = f[1];
  if (f[0] == "C" || f[0] == "D") (void)absl::SimpleAtoi(f[1], &r.schedules);
  if (f[0] == "D") {
    r.diverged = true;
    r.cls = f[2];
    r.report = f[3];
    r.program = f[4];
  }
  if (f[0].empty()) r.error = "explore gave no answer";
  return r;
}

GateMinimized gate_minimize(const Subject& subject, const std::string& text,
                            const std::string& name, const CaseOptions& opts, int timeout_seconds) {
  const ChildAnswer a = run_in_child(
      [&] {
        std::string err;
        const std::unique_ptr<Case> c = parse_in_child(subject, text, name, &err);
        if (c == nullptr) return absl::StrCat("E", kSep, err);
        CaseMinimized m;
        const std::unique_ptr<Case> min = c->minimize(opts, &m, &err);
        if (min == nullptr) {
          return absl::StrCat("E", kSep, err.empty() ? "does not diverge when replayed" : err);
        }
        return absl::StrCat("M", kSep, div_class_name(m.cls), kSep, m.at, kSep, min->format());
      },
      timeout_seconds);
  GateMinimized m;
  if (!a.answered) {
    m.why = absl::StrCat("minimizing: the backend ", a.death);
    return m;
  }
  const std::vector<std::string> f = fields(a.out, 4);
  if (f[0] != "M") {
    m.why = f[0] == "E" ? f[1] : "minimize gave no answer";
    return m;
  }
  m.ok = true;
  m.cls = f[1];
  m.at = f[2];
  m.text = f[3];
  return m;
}

}  // namespace ptediff
