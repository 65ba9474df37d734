// ptediff linear map: the .repro text parser (format in program.h).
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "linearmap/program.h"

namespace ptediff::linearmap {
namespace {

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// A decimal or 0x-hex unsigned number, nothing else.
bool parse_u64(absl::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  if (absl::ConsumePrefix(&s, "0x")) {
    if (s.empty() || s.size() > 16) return false;
    for (char c : s) {
      if (!absl::ascii_isxdigit(c)) return false;
    }
    return absl::SimpleHexAtoi(s, out);
  }
  for (char c : s) {
    if (!absl::ascii_isdigit(c)) return false;
  }
  return absl::SimpleAtoi(s, out);
}

bool parse_flags(absl::string_view s, uint64_t* out) {
  if (s == "none") {
    *out = 0;
    return true;
  }
  uint64_t f = 0;
  for (absl::string_view part : absl::StrSplit(s, '|')) {
    if (part == "no_block") {
      f |= kNoBlock;
    } else if (part == "no_cont") {
      f |= kNoCont;
    } else {
      return false;
    }
  }
  *out = f;
  return true;
}

// Resolves an op name (set_memory_ro, map, ...) to its kind and change.
bool find_op(absl::string_view name, OpKind* kind, Change* change) {
  for (size_t i = 0; i < kNumOpKinds; ++i) {
    const OpSpec& s = op_spec(static_cast<OpKind>(i));
    const bool prefixed = s.kind == OpKind::kSetMemory || s.kind == OpKind::kSetAlias;
    absl::string_view rest = name;
    if (!prefixed) {
      if (rest != s.name) continue;
    } else if (!absl::ConsumePrefix(&rest, s.name) ||
               !parse_change(rest.data(), rest.size(), change)) {
      continue;
    }
    *kind = s.kind;
    return true;
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view file, ParseError* err) : file_(file), err_(err) {}

  // Parses `text`; on success fills *out.
  bool run(std::string_view text, Program* out) {
    int n = 0;
    for (absl::string_view raw :
         absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
      line_ = ++n;
      absl::string_view body = raw.substr(0, raw.find('#'));
      body = absl::StripAsciiWhitespace(body);
      if (body.empty()) continue;
      std::vector<absl::string_view> toks = absl::StrSplit(body, ' ', absl::SkipWhitespace());
      if (!line(toks)) return false;
    }
    if (stage_ < kOps && !(stage_ == kHeader && granule_ && subject_)) {
      return fail(!magic_ ? "missing `ptediff-repro 1`"
                          : "missing header (`subject linear-map` and `granule`)");
    }
    if (prog_.ops.size() > kMaxOps) return fail("too many ops");
    *out = std::move(prog_);
    return true;
  }

 private:
  enum Stage { kMagic, kHeader, kOps };

  bool fail(std::string m) {
    *err_ = ParseError{std::string(file_), line_, std::move(m)};
    return false;
  }

  bool line(const std::vector<absl::string_view>& t) {
    if (stage_ == kMagic) {
      if (t.size() != 2 || t[0] != "ptediff-repro" || t[1] != "1")
        return fail("expected `ptediff-repro 1`");
      magic_ = true;
      stage_ = kHeader;
      return true;
    }
    if (stage_ == kHeader && header(t)) return err_->message.empty();
    if (!subject_) return fail("expected `subject linear-map` before ops");
    if (!granule_) return fail("expected `granule 4k|16k|64k` before ops");
    stage_ = kOps;
    return op(t);
  }

  // True when t is a header line (then err_ tells whether it was valid).
  bool header(const std::vector<absl::string_view>& t) {
    const absl::string_view key = t[0];
    if (key != "subject" && key != "granule" && key != "features" && key != "mutant") return false;
    if (t.size() != 2) return !fail(absl::StrCat("`", key, "` takes one value"));
    const std::string_view v = to_std(t[1]);
    if (key == "subject") {
      if (v != "linear-map") return !fail("this parser reads `subject linear-map` only");
      subject_ = true;
    } else if (key == "granule") {
      if (!parse_granule(v, &prog_.granule)) return !fail("granule must be 4k, 16k or 64k");
      granule_ = true;
    } else if (key == "features") {
      if (v != "bbml2" && v != "none") return !fail("features must be `bbml2` or `none`");
      prog_.bbml2 = v == "bbml2";
    } else {
      if (!valid_mutant_name(v)) return !fail("bad mutant name");
      prog_.mutant = std::string(v);
    }
    return true;
  }

  bool op(const std::vector<absl::string_view>& t) {
    Op op;
    if (!find_op(t[0], &op.kind, &op.change)) return fail(absl::StrCat("unknown op `", t[0], "`"));
    const OpSpec& spec = op_spec(op.kind);
    uint32_t seen = 0;
    for (size_t i = 1; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      const absl::string_view key = t[i].substr(0, eq);
      std::optional<Field> field;
      for (Field f : spec.fields) {
        if (key == field_name(f)) field = f;
      }
      if (eq == absl::string_view::npos || !field)
        return fail(absl::StrCat("`", t[0], "` has no operand `", key, "`"));
      const uint32_t bit = 1u << static_cast<int>(*field);
      if (seen & bit) return fail(absl::StrCat("operand `", key, "` given twice"));
      seen |= bit;
      uint64_t v = 0;
      const absl::string_view val = t[i].substr(eq + 1);
      const bool ok = *field == Field::kFlags ? parse_flags(val, &v) : parse_u64(val, &v);
      if (!ok) return fail(absl::StrCat("bad value for `", key, "`"));
      set_op_field(&op, *field, v);
    }
    for (Field f : spec.fields) {
      if (!(seen & (1u << static_cast<int>(f))))
        return fail(absl::StrCat("`", t[0], "` needs `", field_name(f), "=`"));
    }
    std::string why;
    if (!validate_op(op, geometry_of(prog_.granule), &why)) return fail(why);
    prog_.ops.push_back(op);
    return true;
  }

  std::string_view file_;
  ParseError* err_;
  Program prog_;
  Stage stage_ = kMagic;
  int line_ = 0;
  bool magic_ = false, subject_ = false, granule_ = false;
};

}  // namespace

bool parse_program(std::string_view text, std::string_view file, Program* out, ParseError* err) {
  ParseError local;
  Parser p(file, &local);
  Program prog;
  if (!p.run(text, &prog)) {
    if (err != nullptr) *err = local;
    return false;
  }
  *out = std::move(prog);
  return true;
}

bool is_linearmap_repro(std::string_view text) {
  for (absl::string_view raw : absl::StrSplit(absl::string_view(text.data(), text.size()), '\n')) {
    absl::string_view body = absl::StripAsciiWhitespace(raw.substr(0, raw.find('#')));
    if (body.empty() || body == "ptediff-repro 1") continue;
    std::vector<absl::string_view> t = absl::StrSplit(body, ' ', absl::SkipWhitespace());
    if (t[0] == "subject") return t.size() == 2 && t[1] == "linear-map";
    if (t[0] != "granule" && t[0] != "features" && t[0] != "mutant") return false;
  }
  return false;
}

}  // namespace ptediff::linearmap
