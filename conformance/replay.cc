// ptediff: replaying repro text in tests (see replay.h).
#include "conformance/replay.h"

#include "subjects/subject.h"
#include "testing/shipped.h"

namespace ptediff {

std::string replay_divergence_class(const std::string& repro_text, const std::string& mutant,
                                    const ptediff_backend* backend) {
  ParseError err;
  const Subject* s = subject_for_text(repro_text, "<repro>", &err);
  std::unique_ptr<Case> c = s ? s->parse(repro_text, "<repro>", &err) : nullptr;
  if (c == nullptr) return "parse-error: " + err.str();
  CaseOptions opts;
  opts.mutant = mutant;
  opts.backend = backend;
  const CaseRun r = c->run(opts, "<repro>");
  if (!r.error.empty()) return "error: " + r.error;
  return r.diverged() ? div_class_name(r.divergences.front().cls) : "none";
}

std::string replay_file_divergence_class(const std::string& path, const std::string& mutant,
                                         const ptediff_backend* backend) {
  return replay_divergence_class(read_text_file(path), mutant, backend);
}

}  // namespace ptediff
