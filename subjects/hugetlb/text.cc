// ptediff hugetlb: the .repro text parser (format in program.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*

namespace ptediff::hugetlb {

// The values of the symbolic operands (program.cc).
bool parse_symbol(Field f, std::string_view s, uint64_t* out);

namespace {

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// `none`, or a `,`-separated set of hafdbs and lpa2, each at most once.
bool parse_features(absl::string_view s, uint32_t* out) {
  if (s == "none") {
    *out = 0;
    return true;
  }
  uint32_t f = 0;
  for (absl::string_view part : absl::StrSplit(s, ',')) {
    const uint32_t bit = part == "hafdbs" ? PTEDIFF_FEAT_HAFDBS
                         : part == "lpa2" ? PTEDIFF_FEAT_LPA2
                                          : 0;
    if (bit == 0 || (f & bit)) return false;  // unknown or given twice
    f |= bit;
  }
  *out = f;
  return true;
}

bool find_op(absl::string_view name, OpKind* kind) {
  for (size_t i = 0; i < kNumOpKinds; ++i) {
    if (name == op_spec(static_cast<OpKind>(i)).name) {
      *kind = static_cast<OpKind>(i);
      return true;
    }
  }
  return false;
}

class Parser {
 public:
  Parser(std::string_view file, ParseError* err) : file_(file), err_(err) {
    prog_.features = PTEDIFF_FEAT_HAFDBS;
  }

  // Parses `text`; on success fills *out.
  bool run(std::string_view text, Program* out) {
    if (!for_each_line(text, &line_, [this](int n, const std::vector<absl::string_view>& toks) {
          line_ = n;
          return line(toks);
        })) {
      return false;
    }
    if (stage_ == kMagic) return fail("missing `ptediff-repro 1`");
    if (seen_[kSubject] == 0) return fail("missing `subject hugetlb`");
    *out = std::move(prog_);
    return true;
  }

 private:
  enum Stage { kMagic, kHeader, kOps };
  enum Key { kRepro, kSubject, kGranule, kSize, kFeatures, kMutant, kNumKeys };
  static constexpr const char* kKeys[kNumKeys] = {"ptediff-repro", "subject",  "granule",
                                                  "size",          "features", "mutant"};

  bool fail(std::string m) {
    *err_ = ParseError{std::string(file_), line_, std::move(m)};
    return false;
  }

  bool line(const std::vector<absl::string_view>& t) {
    if (stage_ == kMagic) {
      if (t.size() != 2 || t[0] != "ptediff-repro" || t[1] != "1")
        return fail(absl::StrCat("expected `ptediff-repro 1`, got ", quote(t[0])));
      seen_[kRepro] = line_;
      stage_ = kHeader;
      return true;
    }
    int k = 0;
    while (k < kNumKeys && t[0] != kKeys[k]) ++k;
    if (k < kNumKeys) {
      if (stage_ == kOps) {
        return fail(absl::StrCat("`", kKeys[k], "` line after the ops (headers come first)"));
      }
      return header(static_cast<Key>(k), t);
    }
    if (stage_ == kHeader) {
      if (seen_[kSubject] == 0) return fail("expected `subject hugetlb` before ops");
      h_ = hstate_of(prog_.granule, prog_.size);
      stage_ = kOps;
    }
    return op(t);
  }

  bool header(Key k, const std::vector<absl::string_view>& t) {
    if (t.size() != 2) return fail(absl::StrCat("`", kKeys[k], "` takes one value"));
    if (seen_[k] != 0) {
      return fail(absl::StrCat("duplicate `", kKeys[k], "` line (first at line ", seen_[k], ")"));
    }
    seen_[k] = line_;
    const std::string_view v = to_std(t[1]);
    switch (k) {
      case kSubject:
        if (v != "hugetlb") return fail("this parser reads `subject hugetlb` only");
        return true;
      case kGranule:
        if (!parse_granule(v, &prog_.granule))
          return fail(absl::StrCat("granule must be 4k, 16k or 64k, got ", quote(t[1])));
        return check_size();
      case kSize:
        if (!parse_hsize(v, &prog_.size)) {
          return fail(
              absl::StrCat("size must be cont-pte, pmd, cont-pmd or pud, got ", quote(t[1])));
        }
        return check_size();
      case kFeatures:
        if (!parse_features(t[1], &prog_.features)) {
          return fail(absl::StrCat("features must be `none` or a `,`-list of hafdbs and lpa2, got ",
                                   quote(t[1])));
        }
        return true;
      case kMutant: {
        Mutant m;
        if (!find_mutant(v, &m)) return fail(absl::StrCat("unknown hugetlb mutant ", quote(t[1])));
        prog_.mutant = std::string(v);
        return true;
      }
      default:  // kRepro
        return fail("duplicate `ptediff-repro` line");
    }
  }

  // The granule and size seen so far form an hstate arm64 registers.
  bool check_size() {
    if (hsize_supported(prog_.granule, prog_.size)) return true;
    return fail(absl::StrCat("size ", hsize_name(prog_.size), " needs granule 4k (",
                             granule_name(prog_.granule), " has no ", hsize_name(prog_.size),
                             " hstate)"));
  }

  bool op(const std::vector<absl::string_view>& t) {
    Op op;
    if (!find_op(t[0], &op.kind)) return fail(absl::StrCat("unknown op ", quote(t[0])));
    if (prog_.ops.size() >= kMaxOps) return fail(absl::StrCat("more than ", kMaxOps, " ops"));
    const OpSpec& spec = op_spec(op.kind);
    uint32_t seen = 0;
    for (size_t i = 1; i < t.size(); ++i) {
      const size_t eq = t[i].find('=');
      const absl::string_view key = t[i].substr(0, eq);
      std::optional<Field> field;
      for (Field f : spec.fields) {
        if (key == field_name(f)) field = f;
      }
      if (eq == absl::string_view::npos)
        return fail(absl::StrCat("expected key=value, got ", quote(t[i])));
      if (!field) return fail(absl::StrCat("`", spec.name, "` has no operand ", quote(key)));
      const uint32_t bit = 1u << static_cast<int>(*field);
      if (seen & bit) return fail(absl::StrCat("operand ", quote(key), " given twice"));
      seen |= bit;
      uint64_t v = 0;
      const absl::string_view val = t[i].substr(eq + 1);
      const bool symbolic = *field == Field::kKind || *field == Field::kProt;
      const bool ok = symbolic ? parse_symbol(*field, to_std(val), &v) : parse_u64(val, &v);
      if (!ok) return fail(absl::StrCat("bad value ", quote(val), " for ", quote(key)));
      set_op_field(&op, *field, v);
      if (op_field(op, *field) != v) return fail(absl::StrCat(key, " ", v, " out of range"));
    }
    for (Field f : spec.fields) {
      if (!(seen & (1u << static_cast<int>(f))))
        return fail(absl::StrCat("`", spec.name, "` needs `", field_name(f), "=`"));
    }
    std::string why;
    if (!validate_op(op, h_, &why)) return fail(why);
    prog_.ops.push_back(op);
    return true;
  }

  std::string_view file_;
  ParseError* err_;
  Program prog_;
  HState h_;  // the program's hstate, once the ops start
  Stage stage_ = kMagic;
  int line_ = 0;
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

}  // namespace ptediff::hugetlb
