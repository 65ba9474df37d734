// ptediff hugetlb: helpers of the subject's tests.
#ifndef PTEDIFF_SUBJECTS_HUGETLB_TESTING_H_
#define PTEDIFF_SUBJECTS_HUGETLB_TESTING_H_

#include <gtest/gtest.h>

#include <string>

#include "subjects/hugetlb/program.h"

namespace ptediff::hugetlb {

// A 4K CONT_PTE program with HAFDBS of `ops` (.repro lines); a parse error
// fails the test.
inline Program cont_pte_4k(const std::string& ops) {
  Program p;
  ParseError err;
  EXPECT_TRUE(parse_program(
      "ptediff-repro 1\nsubject hugetlb\ngranule 4k\nsize cont-pte\nfeatures hafdbs\n" + ops,
      "t.repro", &p, &err))
      << err.str();
  return p;
}

}  // namespace ptediff::hugetlb

#endif  // PTEDIFF_SUBJECTS_HUGETLB_TESTING_H_
