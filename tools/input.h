// ptediff: reading and writing program files (text .repro or binary fuzz
// inputs) of any subject.
#ifndef PTEDIFF_TOOLS_INPUT_H_
#define PTEDIFF_TOOLS_INPUT_H_

#include <memory>
#include <string>
#include <string_view>

#include "subjects/subject.h"

namespace ptediff {

// Reads `path` as a Case. A file named *.repro or starting with
// "ptediff-repro" (after blank/comment lines) is text and names its subject
// in its header (contpte when it names none); anything else is a binary fuzz
// input of `binary_subject`. When `required` is non-null, a text file of
// another subject is an error. On error returns nullptr with *err = one line
// ("file:line: message" for text).
std::unique_ptr<Case> load_case(const std::string& path, const Subject& binary_subject,
                                const Subject* required, std::string* err);
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
