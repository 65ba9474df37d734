// ptediff linear map: the .repro text parser (format in program.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "subjects/linearmap/program.h"

namespace ptediff::linearmap {
namespace {

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

bool parse_flags(absl::string_view s, uint64_t* out) {
  if (s == "none") {
    *out = 0;
    return true;
  }
  uint64_t f = 0;
  for (absl::string_view part : absl::StrSplit(s, '|')) {
    const uint64_t bit = part == "no_block" ? kNoBlock : part == "no_cont" ? kNoCont : 0;
    if (bit == 0 || (f & bit)) return false;  // unknown or given twice
    f |= bit;
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
    if (!for_each_line(text, &line_, [this](int n, const std::vector<absl::string_view>& toks) {
          line_ = n;
          return line(toks);
        })) {
      return false;
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
  static constexpr const char* kKeys[] = {"subject", "granule", "features", "mutant"};
  static constexpr int kNumKeys = 4;

  bool fail(std::string m) {
    *err_ = ParseError{std::string(file_), line_, std::move(m)};
    return false;
  }

  bool line(const std::vector<absl::string_view>& t) {
    if (stage_ == kMagic) {
      if (t.size() != 2 || t[0] != "ptediff-repro" || t[1] != "1")
        return fail(absl::StrCat("expected `ptediff-repro 1`, got ", quote(t[0])));
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
    int k = 0;
    while (k < kNumKeys && key != kKeys[k]) ++k;
    if (k == kNumKeys) return false;
    if (t.size() != 2) return !fail(absl::StrCat("`", key, "` takes one value"));
    if (seen_[k] != 0) {
      return !fail(absl::StrCat("duplicate `", key, "` line (first at line ", seen_[k], ")"));
    }
    seen_[k] = line_;
    const std::string_view v = to_std(t[1]);
    if (key == "subject") {
      if (v != "linear-map") return !fail("this parser reads `subject linear-map` only");
      subject_ = true;
    } else if (key == "granule") {
      if (!parse_granule(v, &prog_.granule)) {
        return !fail(absl::StrCat("granule must be 4k, 16k or 64k, got ", quote(t[1])));
      }
      granule_ = true;
    } else if (key == "features") {
      if (v != "bbml2" && v != "none") {
        return !fail(absl::StrCat("features must be `bbml2` or `none`, got ", quote(t[1])));
      }
      prog_.bbml2 = v == "bbml2";
    } else {
      if (!valid_mutant_name(v)) return !fail(absl::StrCat("bad mutant name ", quote(t[1])));
      prog_.mutant = std::string(v);
    }
    return true;
  }

  bool op(const std::vector<absl::string_view>& t) {
    Op op;
    if (!find_op(t[0], &op.kind, &op.change)) return fail(absl::StrCat("unknown op ", quote(t[0])));
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
        return fail(absl::StrCat("`", op_spec(op.kind).name, "` has no operand ", quote(key)));
      const uint32_t bit = 1u << static_cast<int>(*field);
      if (seen & bit) return fail(absl::StrCat("operand ", quote(key), " given twice"));
      seen |= bit;
      uint64_t v = 0;
      const absl::string_view val = t[i].substr(eq + 1);
      const bool ok = *field == Field::kFlags ? parse_flags(val, &v) : parse_u64(val, &v);
      if (!ok) return fail(absl::StrCat("bad value ", quote(val), " for ", quote(key)));
      set_op_field(&op, *field, v);
    }
    for (Field f : spec.fields) {
      if (!(seen & (1u << static_cast<int>(f))))
        return fail(absl::StrCat("`", op_spec(op.kind).name, "` needs `", field_name(f), "=`"));
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
  int seen_[kNumKeys] = {};  // the line of each header key, 0 when not seen
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
