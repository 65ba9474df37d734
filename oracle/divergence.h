// ptediff: divergence classes and what a divergence records.
#ifndef PTEDIFF_ORACLE_DIVERGENCE_H_
#define PTEDIFF_ORACLE_DIVERGENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "oracle/divergence_classes.def"
#include "mmu/machine.h"

namespace ptediff {

// The conformance classes of docs/DESIGN.md §5.1, plus the harness's own (§5.6).
#define PTEDIFF_DIV_ENUM(arg, e, ident, name) e,
enum class DivClass : uint8_t { PTEDIFF_DIV_CLASSES(PTEDIFF_DIV_ENUM, ) kCount };
#undef PTEDIFF_DIV_ENUM
inline constexpr size_t kNumDivClasses = static_cast<size_t>(DivClass::kCount);
const char* div_class_name(DivClass c);

// One divergence: where, what, and the evidence (both sides' block and logs).
struct Divergence {
  DivClass cls = DivClass::kPteState;
  size_t op_index = 0;  // index in the effective (repaired) program
  uint32_t mm = 0;
  uint64_t va = 0;   // the first address concerned
  std::string what;  // one line, human readable
  // Evidence, captured when the divergence was found.
  uint64_t block_va = 0;                    // start of the block shown
  std::vector<pte_t> ref_block, opt_block;  // the block's entries in R and O
  std::vector<LogRec> ref_log, opt_log;     // the op's primitive logs
};

}  // namespace ptediff

#endif  // PTEDIFF_ORACLE_DIVERGENCE_H_
