// ptediff: the shipped programs, as every test reaches them.
//
// Where tests live (for newcomers):
//   - Each subject's unit tests sit next to its rooms in its folder
//     (subjects/NAME/: program_test, reference_test, optimized_test,
//     checks_test, mutants_test, random_test, scenario_*_test) and link
//     ptediff_testing (testing/fixture.h: machines and backends).
//   - A test that runs shipped programs, of one subject or of every subject,
//     takes them from this file (link ptediff_shipped) and never lists program
//     folders itself: shipped_programs() is the one list, each program with
//     its subject (read from its `subject` line through subject_for_text, not
//     from its folder), its expectation, and a Case on demand.
//
//   class MyTest : public ::testing::TestWithParam<ShippedProgram> {};
//   TEST_P(MyTest, RunsClean) {
//     const std::unique_ptr<Case> c = GetParam().load();
//     ASSERT_NE(c, nullptr);  // load() has already said file:line: why
//     ...
//   }
//   INSTANTIATE_TEST_SUITE_P(Shipped, MyTest,
//                            ::testing::ValuesIn(shipped_programs({ShippedKind::kCorpus})),
//                            ShippedName);
#ifndef PTEDIFF_TESTING_SHIPPED_H_
#define PTEDIFF_TESTING_SHIPPED_H_

#include <gtest/gtest.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "subjects/program_files.h"
#include "subjects/subject.h"

namespace ptediff {

// One shipped .repro file (subjects/program_files.h), loadable in a test.
struct ShippedProgram : ProgramFile {
  // The program parsed by its subject; nullptr after a non-fatal test
  // failure naming file:line (follow with ASSERT_NE(c, nullptr)).
  std::unique_ptr<Case> load() const;
};

// Prints the path, for gtest messages naming a parameter.
void PrintTo(const ShippedProgram& p, std::ostream* os);

// Every shipped program, sorted by path, read once.
const std::vector<ShippedProgram>& shipped_programs();
// Those of the given kinds, sorted by path.
std::vector<ShippedProgram> shipped_programs(std::initializer_list<ShippedKind> kinds);
// The program of mutant `name` (conformance/mutants/NAME.repro), or nullptr.
const ShippedProgram* shipped_mutant(std::string_view name);

// The test-name suffix of a shipped program parameter: its folder and stem,
// every character but letters and digits as '_' ("corpus_zap_64k",
// "linearmap_split_4k", "mutants_get_no_gather").
std::string ShippedName(const ::testing::TestParamInfo<ShippedProgram>& info);

// A file's whole text; "" after a non-fatal test failure "cannot read PATH"
// when it cannot be read.
std::string read_text_file(const std::filesystem::path& p);

// Parses `text` through the subject its header declares; nullptr after a
// non-fatal test failure "file:line: message" when it does not parse.
std::unique_ptr<Case> parse_case(std::string_view text, std::string_view file);

// The file `rel` of the source tree ("corpus/zap_64k.repro"), read and parsed.
std::unique_ptr<Case> load_source_case(std::string_view rel);

}  // namespace ptediff

#endif  // PTEDIFF_TESTING_SHIPPED_H_
