// ptediff: the shipped programs, as every test reaches them (testing/shipped.h).
#include "testing/shipped.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/ascii.h"

namespace ptediff {

namespace fs = std::filesystem;

std::unique_ptr<Case> ShippedProgram::load() const {
  if (subject == nullptr) {
    ADD_FAILURE() << error;
    return nullptr;
  }
  ParseError err;
  std::unique_ptr<Case> c = subject->parse(text, rel, &err);
  if (c == nullptr) ADD_FAILURE() << err.str();
  return c;
}

void PrintTo(const ShippedProgram& p, std::ostream* os) { *os << p.rel; }

const std::vector<ShippedProgram>& shipped_programs() {
  static const std::vector<ShippedProgram>* all = [] {
    auto* v = new std::vector<ShippedProgram>;
    for (ProgramFile& f : list_program_files(fs::path(PTEDIFF_SOURCE_DIR))) {
      if (f.text.empty()) ADD_FAILURE() << "cannot read " << f.path.string();
      v->push_back(ShippedProgram{std::move(f)});
    }
    return v;
  }();
  return *all;
}

std::vector<ShippedProgram> shipped_programs(std::initializer_list<ShippedKind> kinds) {
  std::vector<ShippedProgram> out;
  for (const ShippedProgram& p : shipped_programs()) {
    if (std::find(kinds.begin(), kinds.end(), p.kind) != kinds.end()) out.push_back(p);
  }
  return out;
}

const ShippedProgram* shipped_mutant(std::string_view name) {
  for (const ShippedProgram& p : shipped_programs()) {
    if (p.kind == ShippedKind::kMutant && p.mutant == name) return &p;
  }
  return nullptr;
}

std::string ShippedName(const ::testing::TestParamInfo<ShippedProgram>& info) {
  std::string n =
      info.param.path.parent_path().filename().string() + "_" + info.param.path.stem().string();
  for (char& ch : n) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return n;
}

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream f(p);
  if (!f || fs::is_directory(p)) {
    ADD_FAILURE() << "cannot read " << p.string();
    return "";
  }
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::unique_ptr<Case> parse_case(std::string_view text, std::string_view file) {
  ParseError err;
  const Subject* s = subject_for_text(text, file, &err);
  std::unique_ptr<Case> c = s != nullptr ? s->parse(text, file, &err) : nullptr;
  if (c == nullptr) ADD_FAILURE() << err.str();
  return c;
}

std::unique_ptr<Case> load_source_case(std::string_view rel) {
  return parse_case(read_text_file(fs::path(PTEDIFF_SOURCE_DIR) / rel), rel);
}

}  // namespace ptediff
