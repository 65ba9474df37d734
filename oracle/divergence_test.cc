// ptediff: the divergence-class table (divergence_classes.def) is the one
// vocabulary: names are unique and well formed, and the README's envelope
// table and docs/DESIGN.md §5 document every class.
#include "oracle/divergence.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace ptediff {
namespace {

std::string slurp(const char* rel) {
  std::ifstream f(std::string(PTEDIFF_SOURCE_DIR) + "/" + rel);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The text of `doc` from the line starting with `from` to the next `## `.
std::string section(const std::string& doc, const std::string& from) {
  const size_t a = doc.find(from);
  if (a == std::string::npos) return "";
  const size_t b = doc.find("\n## ", a + from.size());
  return doc.substr(a, b == std::string::npos ? std::string::npos : b - a);
}

TEST(DivClasses, NamesAreUniqueKebabCase) {
  std::set<std::string> seen;
  for (size_t i = 0; i < kNumDivClasses; ++i) {
    const std::string n = div_class_name(static_cast<DivClass>(i));
    EXPECT_TRUE(seen.insert(n).second) << n;
    for (char c : n) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << n;
  }
}

TEST(DivClasses, EveryClassIsDocumented) {
  const std::string readme = section(slurp("README.md"), "## What is compared");
  const std::string design = section(slurp("docs/DESIGN.md"), "## 5. The conformance envelope");
  ASSERT_FALSE(readme.empty());
  ASSERT_FALSE(design.empty());
  for (size_t i = 0; i < kNumDivClasses; ++i) {
    const std::string n = div_class_name(static_cast<DivClass>(i));
    EXPECT_NE(readme.find("`" + n + "`"), std::string::npos) << n << " missing from README";
    EXPECT_NE(design.find(n), std::string::npos) << n << " missing from docs/DESIGN.md §5";
  }
}

}  // namespace
}  // namespace ptediff
