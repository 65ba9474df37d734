// ptediff: the shared .repro header front end (see header.h).
#include "formats/header.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "include/ptediff/backend.h"  // PTEDIFF_FEAT_*

namespace ptediff {
namespace {

using Toks = std::vector<absl::string_view>;

// Key indices: the shared keys, then the schema's choices.
enum : int { kKeySubject, kKeyGranule, kKeyFeatures, kKeyMutant, kKeyChoice };
constexpr const char* kSharedKeys[] = {"subject", "granule", "features", "mutant"};
constexpr const char* kGranules[] = {"4k", "16k", "64k"};

// The machine features (include/ptediff/backend.h), in canonical order.
struct Feature {
  uint32_t bit;
  const char* name;
};
constexpr Feature kFeatures[] = {
    {PTEDIFF_FEAT_HAFDBS, "hafdbs"}, {PTEDIFF_FEAT_BBML2, "bbml2"}, {PTEDIFF_FEAT_LPA2, "lpa2"}};

// The names of the features in `mask`.
std::vector<const char*> feature_names(uint32_t mask) {
  std::vector<const char*> out;
  for (const Feature& f : kFeatures) {
    if (mask & f.bit) out.push_back(f.name);
  }
  return out;
}

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// "a, b or c".
std::string one_of(std::span<const char* const> values) {
  if (values.empty()) return "nothing";
  if (values.size() == 1) return values[0];
  return absl::StrCat(absl::StrJoin(values.first(values.size() - 1), ", "), " or ", values.back());
}

std::string magic_text() { return absl::StrCat(kReproMagic, " ", kReproVersion); }

// Whether `toks` is the magic line; else *why says what is wrong.
bool magic_line(const Toks& toks, std::string* why) {
  if (toks[0] != kReproMagic) {
    *why = absl::StrCat("expected '", magic_text(), "', got ", quote(toks[0]));
    return false;
  }
  if (toks.size() != 2) {
    *why = absl::StrCat("expected '", magic_text(), "' (one version number)");
    return false;
  }
  if (toks[1] != kReproVersion) {
    *why = absl::StrCat("unsupported repro version ", quote(toks[1]), " (expected ", kReproVersion,
                        ")");
    return false;
  }
  return true;
}

// The value count of a header line: every key takes exactly one.
bool one_value(const Toks& toks, std::string* why) {
  if (toks.size() == 2) return true;
  *why = absl::StrCat("'", toks[0], "' takes one value, got ", toks.size() - 1);
  return false;
}

}  // namespace

HeaderReader::HeaderReader(const HeaderSchema& schema, std::string_view file)
    : schema_(schema), file_(file), h_(default_header(schema)) {}

bool HeaderReader::fail(int line, std::string message) {
  err_ = ParseError{std::string(file_), line, std::move(message)};
  return false;
}

HeaderReader::Line HeaderReader::error(std::string message) {
  fail(line_, std::move(message));
  return Line::kError;
}

int HeaderReader::key_index(absl::string_view word) const {
  for (int k = 0; k < kKeyChoice; ++k) {
    if (word == kSharedKeys[k]) return k;
  }
  for (size_t i = 0; i < schema_.choices.size(); ++i) {
    if (word == schema_.choices[i].key) return kKeyChoice + static_cast<int>(i);
  }
  return -1;
}

int& HeaderReader::line_of(int key) {
  switch (key) {
    case kKeySubject:
      return h_.subject_line;
    case kKeyGranule:
      return h_.granule_line;
    case kKeyFeatures:
      return h_.features_line;
    case kKeyMutant:
      return h_.mutant_line;
    default:
      return h_.choice_line[static_cast<size_t>(key - kKeyChoice)];
  }
}

HeaderReader::Line HeaderReader::read(int n, const Toks& toks) {
  ++lines_read_;
  line_ = n;
  std::string why;
  if (h_.magic_line == 0) {
    if (!magic_line(toks, &why)) return error(why);
    h_.magic_line = n;
    return Line::kHeader;
  }
  if (toks[0] == kReproMagic) {
    return error(
        absl::StrCat("duplicate '", kReproMagic, "' line (first at line ", h_.magic_line, ")"));
  }
  const int key = key_index(toks[0]);
  // A subject other than the default one names itself right after the magic.
  if (lines_read_ == 2 && key != kKeySubject && !is_default()) {
    return error(absl::StrCat("expected 'subject ", schema_.subject, "' after '", magic_text(),
                              "' (a repro without a subject line is a ", kDefaultSubject,
                              " program)"));
  }
  if (body_) {
    if (key < 0) return Line::kBody;
    return error(
        absl::StrCat("header line '", toks[0], "' after the first op (the header comes first)"));
  }
  if (key < 0) {
    if (!complete(n)) return Line::kError;
    body_ = true;
    return Line::kBody;
  }
  return header_line(key, toks) ? Line::kHeader : Line::kError;
}

bool HeaderReader::header_line(int key, const Toks& toks) {
  const int n = line_;
  int& seen = line_of(key);
  if (seen != 0) {
    return fail(n, absl::StrCat("duplicate '", toks[0], "' line (first at line ", seen, ")"));
  }
  if (key == kKeySubject && lines_read_ != 2) {
    return fail(n, absl::StrCat("'subject' goes directly after '", magic_text(), "'"));
  }
  std::string why;
  if (!one_value(toks, &why)) {
    if (key == kKeyFeatures) absl::StrAppend(&why, " (", feature_list(), ")");
    return fail(n, why);
  }
  const absl::string_view v = toks[1];
  switch (key) {
    case kKeySubject:
      if (v != schema_.subject) {
        return fail(n, absl::StrCat("subject ", quote(v), " where 'subject ", schema_.subject,
                                    "' was expected"));
      }
      break;
    case kKeyGranule:
      if (!parse_granule(to_std(v), &h_.granule)) {
        return fail(n,
                    absl::StrCat("bad granule ", quote(v), " (expected ", one_of(kGranules), ")"));
      }
      break;
    case kKeyFeatures:
      if (!features_value(v)) return false;
      break;
    case kKeyMutant:
      if (!valid_mutant_name(to_std(v))) {
        return fail(n, absl::StrCat("bad mutant name ", quote(v), " (expected [a-z0-9-]+, at most ",
                                    kMaxMutantNameLen, " characters)"));
      }
      if (v != "none" && schema_.known_mutant != nullptr && !schema_.known_mutant(to_std(v))) {
        return fail(n,
                    absl::StrCat("unknown ", schema_.subject, " mutant ", quote(v),
                                 " (ptediff mutants --subject ", schema_.subject, " lists them)"));
      }
      h_.mutant = std::string(v);
      break;
    default:
      if (!choice_value(static_cast<size_t>(key - kKeyChoice), v)) return false;
      break;
  }
  seen = n;
  if (schema_.check != nullptr) {
    why = schema_.check(h_);
    if (!why.empty()) return fail(n, why);
  }
  return true;
}

std::string HeaderReader::feature_list() const {
  return absl::StrCat("none, or a ,-separated list of: ",
                      absl::StrJoin(feature_names(schema_.features), ", "));
}

bool HeaderReader::features_value(absl::string_view v) {
  h_.features = 0;
  if (v == "none") return true;
  for (absl::string_view part : absl::StrSplit(v, ',')) {
    const Feature* f = std::find_if(std::begin(kFeatures), std::end(kFeatures),
                                    [&](const Feature& x) { return part == x.name; });
    if (f == std::end(kFeatures) || !(schema_.features & f->bit)) {
      return fail(line_, absl::StrCat("feature ", quote(part), " is not a ", schema_.subject,
                                      " feature (", feature_list(), ")"));
    }
    if (h_.features & f->bit) return fail(line_, absl::StrCat("duplicate feature ", quote(part)));
    h_.features |= f->bit;
  }
  return true;
}

bool HeaderReader::choice_value(size_t i, absl::string_view v) {
  const HeaderChoice& c = schema_.choices[i];
  const auto it = std::find(c.values.begin(), c.values.end(), v);
  if (it == c.values.end()) {
    return fail(line_,
                absl::StrCat("bad ", c.key, " ", quote(v), " (expected ", one_of(c.values), ")"));
  }
  h_.choice[i] = static_cast<size_t>(it - c.values.begin());
  return true;
}

bool HeaderReader::complete(int line) {
  if (h_.subject_line == 0 && !is_default()) {
    return fail(line, absl::StrCat("missing 'subject ", schema_.subject, "' line"));
  }
  if (h_.granule_line == 0) return fail(line, "missing 'granule' line (4k, 16k or 64k)");
  for (size_t i = 0; i < schema_.choices.size(); ++i) {
    const HeaderChoice& c = schema_.choices[i];
    if (c.role == HeaderRole::kShape && h_.choice_line[i] == 0) {
      return fail(line, absl::StrCat("missing '", c.key, "' line (", one_of(c.values), ")"));
    }
  }
  return true;
}

bool HeaderReader::finish(int last_line) {
  if (h_.magic_line == 0) return fail(last_line, absl::StrCat("missing '", magic_text(), "' line"));
  return body_ || complete(last_line);
}

bool read_repro_subject(std::string_view text, std::string_view file, std::string* subject,
                        int* line, ParseError* err) {
  subject->clear();
  *line = 0;
  int lines = 0, last = 0;
  std::string why;
  const bool ok = for_each_line(text, &last, [&](int n, const Toks& toks) {
    if (++lines == 1) return magic_line(toks, &why);
    if (toks[0] == kSharedKeys[kKeySubject]) {
      if (!one_value(toks, &why)) return false;
      *subject = std::string(toks[1]);
      *line = n;
    }
    return false;  // the subject line is the second one or there is none
  });
  if (ok && lines == 0) why = absl::StrCat("missing '", magic_text(), "' line");
  if (why.empty()) return true;
  *err = ParseError{std::string(file), last, why};
  return false;
}

ReproHeader default_header(const HeaderSchema& schema) {
  ReproHeader h;
  h.features = schema.default_features;
  for (const HeaderChoice& c : schema.choices) h.choice.push_back(c.fallback);
  h.choice_line.assign(schema.choices.size(), 0);
  return h;
}

std::string format_header(const HeaderSchema& schema, const ReproHeader& h) {
  std::string out = absl::StrCat(magic_text(), "\nsubject ", schema.subject, "\ngranule ",
                                 granule_name(h.granule), "\n");
  auto choices = [&](HeaderRole role) {
    for (size_t i = 0; i < schema.choices.size(); ++i) {
      const HeaderChoice& c = schema.choices[i];
      const size_t v = i < h.choice.size() ? h.choice[i] : c.fallback;
      if (c.role == role && v < c.values.size())
        absl::StrAppend(&out, c.key, " ", c.values[v], "\n");
    }
  };
  choices(HeaderRole::kShape);
  const std::vector<const char*> features = feature_names(h.features);
  absl::StrAppend(&out, "features ", features.empty() ? "none" : absl::StrJoin(features, ","),
                  "\n");
  choices(HeaderRole::kSetting);
  absl::StrAppend(&out, "mutant ", h.mutant, "\n");
  return out;
}

}  // namespace ptediff
