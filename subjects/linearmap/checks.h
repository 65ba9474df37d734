// ptediff linear map: the conformance checks run after every op.
//
// Each check returns false and fills *d (class, first address, one-line
// what) on the first violation it finds. Classes reuse oracle/divergence.h:
// pte-state (translation or leaf set differs), cont-malformed (block or
// group structure), bbm (block/cont leaf without BBML2), flush-missing (a
// changed page left cached). Break-before-make over the log and
// out-of-window/contract are the shared checks (oracle/log_checks.h), run
// by the subject's oracle (oracle.h).
// consistent() is the fast form of the four state checks: it says only
// whether they all pass on a range, walking it once.
#ifndef PTEDIFF_SUBJECTS_LINEARMAP_CHECKS_H_
#define PTEDIFF_SUBJECTS_LINEARMAP_CHECKS_H_

#include <map>
#include <string>
#include <vector>

#include "oracle/divergence.h"
#include "subjects/linearmap/pgtable.h"
#include "subjects/linearmap/reference.h"

namespace ptediff::linearmap {

// Every page of [lo, hi) translates (valid bit, PA, attributes) in O's
// leaves exactly as in R's records, and O maps nothing there R does not.
bool check_translation(const std::map<uint64_t, Reference::Run>& runs,
                       const std::vector<Leaf>& leaves, uint64_t lo, uint64_t hi, const Geometry& g,
                       Divergence* d);
// O's tables are well formed (see KernelPgtable::leaves).
bool check_structure(const std::vector<std::string>& problems, uint64_t problem_page,
                     const Geometry& g, Divergence* d);
// O's leaves are exactly the minimal leaf set R implies.
bool check_minimal(const std::vector<Leaf>& expected, const std::vector<Leaf>& leaves,
                   const Geometry& g, Divergence* d);
// Without BBML2 (rodata=full, or after a repaint) O has pages only.
bool check_pages_only(const std::vector<Leaf>& leaves, const Geometry& g, Divergence* d);
// Whether check_translation, check_structure, check_minimal and (when R has
// no BBML2) check_pages_only all pass on pages [lo, hi) of `pt` against
// `ref`: one walk of O's leaves there in step with R's runs and expected
// leaves, stopping at the first difference.
bool consistent(const Reference& ref, const KernelPgtable& pt, uint64_t lo, uint64_t hi);
// Every page in `changed` is hit, after the last write that could leave it
// cached (any write over a valid entry), by a completed flush of a matching
// level (or a full flush): the shared FlushLedger (oracle/flush.h).
bool check_flush(const std::vector<LogRec>& log, const std::vector<PageRange>& changed,
                 const Geometry& g, Divergence* d);

}  // namespace ptediff::linearmap

#endif  // PTEDIFF_SUBJECTS_LINEARMAP_CHECKS_H_
