// ptediff: reading program files (text .repro or binary fuzz inputs).
#ifndef PTEDIFF_TOOLS_INPUT_H_
#define PTEDIFF_TOOLS_INPUT_H_

#include <string>

#include "harness/ops.h"

namespace ptediff {

// Reads `path`: a file starting with "ptediff-repro" (after blank/comment
// lines) is parsed as text, which must run as written (an op illegal in its
// state is an error, not repaired), anything else is decoded as binary. On
// error returns false with *err = one line ("file:line: message" for text).
bool load_program(const std::string& path, Program* out, std::string* err);
// Reads a whole file; false with *err on failure.
bool read_file(const std::string& path, std::string* out, std::string* err);
// Writes a whole file (refusing to overwrite `protect` when non-empty and the
// same file); false with *err on failure.
bool write_file(const std::string& path, std::string_view data, std::string* err,
                const std::string& protect = "");
// Whether bytes look like a text repro.
bool looks_like_repro(std::string_view bytes);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_INPUT_H_
