// ptediff: `ptediff kernel` (builds backends from a Linux tree's own contpte.c and
// hugetlbpage.c).
#ifndef PTEDIFF_TOOLS_KERNEL_COMMAND_H_
#define PTEDIFF_TOOLS_KERNEL_COMMAND_H_

#include <string>
#include <vector>

namespace ptediff {

// Builds the kernel-source backends of `tree` (a Linux source tree or a tarball of one) with the
// shim of kernel/, for `subject`:
//   contpte  arch/arm64/mm/contpte.c and the CONFIG_ARM64_CONTPTE wrappers of asm/pgtable.h
//            (kernel/extract.sh; `mutant`, a row name of kernel/mutants.tsv, "" or "none" for
//            none, is applied by kernel/mutate.sh) -> libcontpte-<version>[-<mutant>].so, a v1
//            backend;
//   hugetlb  arch/arm64/mm/hugetlbpage.c with flush_hugetlb_tlb_range() and huge_pte_lockptr()
//            (kernel/hugetlb/extract.sh), compiled once per granule -> libhugetlb-<version>.so,
//            a v2 backend;
//   all      both; "" is all, or contpte when a mutant is asked for (mutants are contpte's).
// `out` is the library to write (one subject), or a folder for them under their default names
// (a path ending in '/' or an existing folder); "" is the current folder. Each library is loaded
// once to check that it is a backend; one line per library says what was built. Returns 0, or 2
// after one error line (bad arguments, bad tree, a needed helper missing or of a shape the
// shim does not know (kernel/probe.sh), failed compile).
int cmd_kernel(const std::vector<std::string>& args, const std::string& tree,
               const std::string& out, const std::string& mutant, const std::string& self_path,
               const std::string& subject = "");

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_KERNEL_COMMAND_H_
