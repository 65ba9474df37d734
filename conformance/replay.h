// ptediff: replaying repro text in tests (regressions, generated cases).
#ifndef PTEDIFF_CONFORMANCE_REPLAY_H_
#define PTEDIFF_CONFORMANCE_REPLAY_H_

#include <string>

#include "ptediff/backend.h"

namespace ptediff {

// Parses `repro_text`, runs it with `mutant` (empty: the header's) and
// returns the class of the first divergence, "none" when there is none, or
// "parse-error: ..." when the text does not parse or does not run as written.
// `backend` (optional) is run as O instead of the subject's own.
std::string replay_divergence_class(const std::string& repro_text, const std::string& mutant = "",
                                    const ptediff_backend* backend = nullptr);
// The same, on a file.
std::string replay_file_divergence_class(const std::string& path, const std::string& mutant = "",
                                         const ptediff_backend* backend = nullptr);

}  // namespace ptediff

#endif  // PTEDIFF_CONFORMANCE_REPLAY_H_
