// ptediff hugetlb: the .repro text format (program.h): the parser and the
// canonical text; the header goes through the shared front end (formats/header.h).
#include "formats/text.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "formats/header.h"
#include "ptediff/backend.h"  // PTEDIFF_FEAT_*
#include "subjects/hugetlb/mutants.h"
#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// The values of the symbolic operands (program.cc).
bool parse_symbol(Field f, std::string_view s, uint64_t* out);

namespace {

std::string_view to_std(absl::string_view s) { return std::string_view(s.data(), s.size()); }

// The hugetlb header (formats/header.h): the size (which shapes the machine,
// so it is required) and the features hafdbs (on when the line is absent)
// and lpa2.
bool known_mutant(std::string_view name) {
  Mutant m;
  return find_mutant(name, &m);
}

// The size must be one the granule has an hstate of.
std::string check_size(const ReproHeader& h) {
  const HSize size = static_cast<HSize>(h.choice[0]);
  if (h.granule_line == 0 || h.choice_line[0] == 0 || hsize_supported(h.granule, size)) return "";
  return absl::StrCat("size ", hsize_name(size), " needs granule 4k (", granule_name(h.granule),
                      " has no ", hsize_name(size), " hstate)");
}

const HeaderSchema& header_schema() {
  static const char* const kSizes[] = {hsize_name(HSize::kContPte), hsize_name(HSize::kPmd),
                                       hsize_name(HSize::kContPmd), hsize_name(HSize::kPud)};
  static_assert(std::size(kSizes) == kNumHSizes, "one name per hstate size");
  static const HeaderChoice kChoices[] = {{"size", kSizes, HeaderRole::kShape}};
  static const HeaderSchema kSchema{.subject = "hugetlb",
                                    .features = PTEDIFF_FEAT_HAFDBS | PTEDIFF_FEAT_LPA2,
                                    .default_features = PTEDIFF_FEAT_HAFDBS,
                                    .choices = kChoices,
                                    .known_mutant = known_mutant,
                                    .check = check_size};
  return kSchema;
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
  Parser(std::string_view file, ParseError* err) : file_(file), err_(err) {}

  // Parses `text`; on success fills *out.
  bool run(std::string_view text, Program* out) {
    if (!read_repro(
            text, header_schema(), file_, err_, [this](const ReproHeader& h) { start(h); },
            [this](int n, const std::vector<absl::string_view>& toks) {
              line_ = n;
              return op(toks);
            })) {
      return false;
    }
    *out = std::move(prog_);
    return true;
  }

 private:
  bool fail(std::string m) {
    *err_ = ParseError{std::string(file_), line_, std::move(m)};
    return false;
  }

  // Takes the header once it is complete.
  void start(const ReproHeader& h) {
    prog_.granule = h.granule;
    prog_.size = static_cast<HSize>(h.choice[0]);
    prog_.features = h.features;
    prog_.mutant = h.mutant;
    h_ = hstate_of(prog_.granule, prog_.size);
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
  int line_ = 0;
};

}  // namespace

std::string format_program(const Program& p) {
  ReproHeader h = default_header(header_schema());
  h.granule = p.granule;
  h.choice[0] = static_cast<size_t>(p.size);
  h.features = p.features;
  h.mutant = p.mutant;
  std::string out = format_header(header_schema(), h);
  for (const Op& op : p.ops) absl::StrAppend(&out, format_op(op), "\n");
  return out;
}

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
