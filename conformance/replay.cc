// ptediff: replaying repro text in tests (see replay.h).
#include "conformance/replay.h"

#include <fstream>
#include <sstream>

#include "harness/repro.h"

namespace ptediff {

std::string replay_divergence_class(const std::string& repro_text, const std::string& mutant) {
  Program p;
  ParseError err;
  if (!parse_repro_as_written(repro_text, "<repro>", &p, &err)) return "parse-error: " + err.str();
  RunOptions opts;
  opts.mutant = mutant;
  Executor ex(opts);
  const RunResult r = ex.run(p);
  if (!r.error.empty()) return "error: " + r.error;
  return r.diverged() ? div_class_name(r.divergences.front().cls) : "none";
}

std::string replay_file_divergence_class(const std::string& path, const std::string& mutant) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return replay_divergence_class(ss.str(), mutant);
}

}  // namespace ptediff
