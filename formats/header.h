// ptediff: the one front end for the header of every subject's .repro text.
//
// Every repro starts the same way, whatever its subject:
//
//   ptediff-repro 1            the magic line (matched by tokens, like every line)
//   subject NAME               directly after it; a file without one is a program of
//                              the default subject (contpte)
//   granule 4k|16k|64k         required
//   <shape keys>               the subject's own keys that shape the machine
//                              (hugetlb: size): required
//   features none|F[,F...]     optional; absent means the subject's default features;
//                              F is a machine feature the subject takes (hafdbs, bbml2, lpa2)
//   <setting keys>             the subject's own keys that pick behaviour
//                              (contpte: profile): optional, absent means their default
//   mutant NAME                optional (absent means none); a mutant the subject's
//                              catalogue knows
//
// then the body (ops), which the subject parses. Each key takes exactly one value and
// appears at most once, before the first op, in any order (only `subject` has a fixed
// place). A subject declares its keys and their values in a HeaderSchema; HeaderReader
// parses and validates the header lines against it and hands the subject a ReproHeader.
// Every error is one `file:line: message` (formats/text.h ParseError).
//
// Values are spelled alike in every subject: features as above, booleans
// 0|1, access kinds read|write|exec (the subjects' op tables).
#ifndef PTEDIFF_FORMATS_HEADER_H_
#define PTEDIFF_FORMATS_HEADER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "formats/text.h"
#include "include/ptediff/pte.h"

namespace ptediff {

// The magic line's two tokens.
inline constexpr char kReproMagic[] = "ptediff-repro";
inline constexpr char kReproVersion[] = "1";
// The subject of a repro without a `subject` line.
inline constexpr char kDefaultSubject[] = "contpte";

// Whether a header key must be given. The one rule for every subject: a key
// that shapes the machine (granule, hugetlb's size) is required; a key that
// picks behaviour (features, profile, mutant) may be left out and then has
// its declared default.
enum class HeaderRole : uint8_t { kShape, kSetting };

// A key a subject adds to the shared ones: one word of `values`.
struct HeaderChoice {
  const char* key;                      // "profile", "size"
  std::span<const char* const> values;  // the subject gets the index of the value
  HeaderRole role;
  size_t fallback = 0;  // the index a kSetting key has when absent
};

struct ReproHeader;

// What a subject's header holds besides the magic line.
struct HeaderSchema {
  const char* subject;  // the value of its `subject` line (may be left out for kDefaultSubject)
  // The machine features (PTEDIFF_FEAT_*, written hafdbs, bbml2, lpa2) the
  // subject takes, and those of a file without a `features` line.
  uint32_t features = 0;
  uint32_t default_features = 0;
  // The subject's own keys, in canonical order (shape keys are printed
  // before `features`, setting keys after it).
  std::span<const HeaderChoice> choices;
  // Whether `name` (never "none") is a mutant of the subject's catalogue
  // (nullptr: any well-formed name is).
  bool (*known_mutant)(std::string_view name) = nullptr;
  // Optional: whether the keys given so far agree (e.g. a size the granule
  // has); "" when they do, else the message, reported at the line just read.
  std::string (*check)(const ReproHeader& h) = nullptr;
};

// A parsed header, every absent optional key at its default.
struct ReproHeader {
  ptediff_granule granule = PTEDIFF_GRANULE_4K;
  uint32_t features = 0;  // PTEDIFF_FEAT_*
  std::string mutant = "none";
  std::vector<size_t> choice;  // index i: the value of HeaderSchema::choices[i]
  // The line each key was read from (0: absent): the magic, subject, granule,
  // features and mutant lines, and choice_line[i] for choices[i].
  int magic_line = 0, subject_line = 0, granule_line = 0, features_line = 0, mutant_line = 0;
  std::vector<int> choice_line;
};

// Reads the header of one repro, line by line, for the subject `schema`.
// Feed it every line that has tokens (for_each_line); it consumes the header
// lines and tells the caller where the body starts.
class HeaderReader {
 public:
  // `file` is used only in messages; both must outlive the reader.
  HeaderReader(const HeaderSchema& schema, std::string_view file);

  enum class Line {
    kHeader,  // a header line, read
    kBody,    // a body line, for the subject (the header is complete)
    kError,   // error() says why
  };
  // Reads line `n`, given its tokens (at least one).
  Line read(int n, const std::vector<absl::string_view>& toks);
  // At the end of the text (`last_line` as for_each_line reports it): false,
  // with error(), when the header is incomplete.
  bool finish(int last_line);

  const ReproHeader& header() const { return h_; }
  const ParseError& error() const { return err_; }

 private:
  bool fail(int line, std::string message);
  Line error(std::string message);  // fail at the line being read
  // Reads a line of key `key` (key_index).
  bool header_line(int key, const std::vector<absl::string_view>& toks);
  bool features_value(absl::string_view value);
  std::string feature_list() const;  // the subject's features, for messages
  bool choice_value(size_t i, absl::string_view value);
  bool is_default() const { return std::string_view(schema_.subject) == kDefaultSubject; }
  // Whether every required line has been read; else fails at `line`.
  bool complete(int line);
  // The index of `word` among the keys (kKeySubject... then kKeyChoice + i), or -1.
  int key_index(absl::string_view word) const;
  // The line key `key` was read from (0: not yet).
  int& line_of(int key);

  const HeaderSchema& schema_;
  std::string_view file_;
  ReproHeader h_;
  ParseError err_;
  int line_ = 0;        // the line being read
  int lines_read_ = 0;  // lines with tokens read so far
  bool body_ = false;   // the first body line has been read
};

// Reads a whole repro of the subject `schema`: its header through a
// HeaderReader, then `start(const ReproHeader&)` once the header is complete
// (before the first body line, or at the end of a text without one) and
// `body(int line, tokens)` for each body line, which returns false to stop
// (having recorded its own error). Returns false on the first error; a
// header error is written to *err (when non-null).
template <typename Start, typename Body>
bool read_repro(std::string_view text, const HeaderSchema& schema, std::string_view file,
                ParseError* err, Start&& start, Body&& body) {
  HeaderReader reader(schema, file);
  bool started = false, header_failed = false;
  auto take = [&] {
    if (!started) start(reader.header());
    started = true;
  };
  int last = 0;
  const bool ok =
      for_each_line(text, &last, [&](int n, const std::vector<absl::string_view>& toks) {
        switch (reader.read(n, toks)) {
          case HeaderReader::Line::kHeader:
            return true;
          case HeaderReader::Line::kError:
            header_failed = true;
            return false;
          case HeaderReader::Line::kBody:
            break;
        }
        take();
        return body(n, toks);
      });
  if (ok && reader.finish(last)) {
    take();
    return true;
  }
  if ((ok || header_failed) && err != nullptr) *err = reader.error();
  return false;
}

// read_repro for a body that reports an error as text: `line(tokens, &why)`
// returns false with *why set, and the error is `file:line: why` at that
// line. Every subject's parser is this plus its own `start` and `line`.
template <typename Start, typename Line>
bool read_repro_lines(std::string_view text, const HeaderSchema& schema, std::string_view file,
                      ParseError* err, Start&& start, Line&& line) {
  return read_repro(text, schema, file, err, start,
                    [&](int n, const std::vector<absl::string_view>& toks) {
                      std::string why;
                      if (line(toks, &why)) return true;
                      if (err != nullptr) *err = ParseError{std::string(file), n, std::move(why)};
                      return false;
                    });
}

// The subject a repro names: the value of its `subject` line ("" when it has
// none, i.e. the default subject), read by the rules HeaderReader applies.
// Fails (with *err) only when the text has no magic line or the `subject`
// line has no single value; whether the name is known is the caller's call.
bool read_repro_subject(std::string_view text, std::string_view file, std::string* subject,
                        int* line, ParseError* err);

// The canonical header text of `h`: every key of `schema`, one per line, in
// the order of the banner, each ending in a newline.
std::string format_header(const HeaderSchema& schema, const ReproHeader& h);

// A ReproHeader with every key at its default (no lines), for programs built
// in code: the granule, the features and the mutant are then the caller's.
ReproHeader default_header(const HeaderSchema& schema);

}  // namespace ptediff

#endif  // PTEDIFF_FORMATS_HEADER_H_
