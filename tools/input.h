// ptediff: reading program files (text .repro or binary fuzz inputs) of any
// subject, no more of them than decoding can use.
#ifndef PTEDIFF_TOOLS_INPUT_H_
#define PTEDIFF_TOOLS_INPUT_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "subjects/subject.h"

namespace ptediff {

// How much of an input file is read. A binary input is read up to
// kMaxBinaryInputBytes and decoded from that prefix (a note says when a file
// was cut): no decoder uses more of a legal input (contpte decodes at most
// kMaxEncodedOps = 4096 ops of at most max_encoded_op_size() bytes; the
// literal forms `ptediff encode` writes for hugetlb and the linear map hold at
// most 100,000 ops of one byte plus 8 per operand, and hugetlb's up to four
// events each, about 24 MiB; Subject::limits() says for each). A text program
// is read whole up to kMaxTextInputBytes and refused, unparsed, when larger:
// the parsers take at most 1,000,000 ops (contpte's kMaxReproOps; 100,000
// for hugetlb and the linear map) of at most kMaxCanonicalLineBytes each as
// format() writes them, and the cap doubles that for comments and spacing.
// tools/tools_test.cc checks these bounds against the parsers and decoders.
inline constexpr size_t kMaxBinaryInputBytes = size_t{32} << 20;
inline constexpr size_t kMaxCanonicalLineBytes = 128;
inline constexpr size_t kMaxTextInputBytes = size_t{256} << 20;

// Reads `path` as a Case. A file named *.repro or starting with
// "ptediff-repro" (after blank/comment lines) is text and names its subject
// in its header (contpte when it names none); anything else is a binary fuzz
// input of `binary_subject`. When `required` is non-null, a text file of
// another subject is an error. On error returns nullptr with *err = one line
// ("file:line: message" for text). *note gets a line to show the user when
// only part of a binary file was read ("" otherwise).
std::unique_ptr<Case> load_case(const std::string& path, const Subject& binary_subject,
                                const Subject* required, std::string* err, std::string* note);
// Whether bytes look like a text repro.
bool looks_like_repro(std::string_view bytes);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_INPUT_H_
