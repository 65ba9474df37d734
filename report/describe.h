// ptediff: one entry and one primitive-log record as people read them, the
// words every subject's reports are written in.
#ifndef PTEDIFF_REPORT_DESCRIBE_H_
#define PTEDIFF_REPORT_DESCRIBE_H_

#include <string>

#include "include/ptediff/pte.h"
#include "mmu/machine.h"

namespace ptediff {

// "pfn=0x10003 V AF D W RO C" (or "none"): one entry decoded.
std::string describe_pte(const ptediff_geometry& geo, pte_t pte);
// One primitive log record, e.g. "xchg mm=0 va=0x10000 0x...->0x0", with
// the backend's source site when it named one:
// "... [contpte.c:71 contpte_convert]".
std::string describe_log(const LogRec& r);
// "contpte.c:71 contpte_convert": the file's basename, line, function.
std::string describe_site(const ptediff_site& s);

}  // namespace ptediff

#endif  // PTEDIFF_REPORT_DESCRIBE_H_
