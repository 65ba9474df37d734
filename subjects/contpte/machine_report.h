// ptediff: text views of the simulated machine for the contpte subject's
// reports: block diagrams, per-op explain steps and final-state dumps.
#ifndef PTEDIFF_SUBJECTS_CONTPTE_MACHINE_REPORT_H_
#define PTEDIFF_SUBJECTS_CONTPTE_MACHINE_REPORT_H_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "subjects/contpte/executor.h"
#include "mmu/machine.h"
#include "subjects/contpte/flows.h"

namespace ptediff {

// The legend of block diagrams (one line).
inline constexpr const char* kBlockLegend =
    "legend: . none, v valid, V valid+young, d dirty, c CONT, C CONT+young, D CONT+dirty, "
    "n PROT_NONE, s swap, m migration, u marker\n";

// A block diagram of the blocks `range` covers (at most 8): one line per
// block, one cell per entry (see kBlockLegend).
std::string block_diagram(const Machine& m, const Range& range);

// The final tables of R and O, one line per entry present on either side.
std::string format_state(const Machine& ref, const Machine& opt);

// One op of `ptediff explain`: its text, both sides' returns, the running
// primitive counts, block diagrams of its range and O's non-read primitives
// (with mid-op events: numbered, and every record of the other agents).
std::string explain_step(size_t index, const std::string& op_text, const std::vector<Ret>& ref_rets,
                         const std::vector<Ret>& opt_rets, const Machine& ref, const Machine& opt,
                         const Range& range, bool color);

// The mid-op events of one op for `ptediff explain`: each as fired, what it
// did on O, and where and how R made it in the linearization judged.
std::string explain_events(std::span<const Op> events, const std::vector<EventOutcome>& opt,
                           const std::vector<RefEvent>& ref);

}  // namespace ptediff

#endif  // PTEDIFF_SUBJECTS_CONTPTE_MACHINE_REPORT_H_
