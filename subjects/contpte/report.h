// ptediff: divergence reports, for people (text) and machines (JSON).
//
// A report names the program header, the op index and its text, the class and
// the addresses, then shows R and O side by side for the whole block (each
// entry decoded: pfn, valid, AF, dirty, write, rdonly, CONT...), the flushes
// each side issued and the op's primitive logs.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_REPORT_H_
#define PTEDIFF_SUBJECTS_CONTPTE_REPORT_H_

#include <string>

#include "report/describe.h"
#include "subjects/contpte/executor.h"

namespace ptediff {


// The text report of one divergence of `res` (color: ANSI highlights).
std::string format_divergence(const RunResult& res, const Divergence& d, bool color = false);
// A one-paragraph summary of a run (ops, skipped, hash, costs, folds).
std::string format_summary(const RunResult& res);
// The whole result as one JSON object.
std::string format_json(const RunResult& res, std::string_view input_name);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_REPORT_H_
