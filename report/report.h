// ptediff: divergence reports, for people (text) and machines (JSON).
//
// A report names the program header, the op index and its text, the class and
// the addresses, then shows R and O side by side for the whole block (each
// entry decoded: pfn, valid, AF, dirty, write, rdonly, CONT...), the flushes
// each side issued and the op's primitive logs.
#ifndef PTEDIFF_HARNESS_REPORT_H_
#define PTEDIFF_HARNESS_REPORT_H_

#include <string>

#include "engine/executor.h"

namespace ptediff {

// "pfn=0x10003 V AF D W RO C" (or "none"): one entry decoded.
std::string describe_pte(const ptediff_geometry& geo, pte_t pte);
// One primitive log record, e.g. "xchg mm=0 va=0x10000 0x...->0x0".
std::string describe_log(const LogRec& r);

// The text report of one divergence of `res` (color: ANSI highlights).
std::string format_divergence(const RunResult& res, const Divergence& d, bool color = false);
// A one-paragraph summary of a run (ops, skipped, hash, costs, folds).
std::string format_summary(const RunResult& res);
// The whole result as one JSON object.
std::string format_json(const RunResult& res, std::string_view input_name);

}  // namespace ptediff

#endif  // PTEDIFF_HARNESS_REPORT_H_
