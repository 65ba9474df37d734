// ptediff: `ptediff kernel` (builds a backend from a Linux tree's contpte.c).
#ifndef PTEDIFF_TOOLS_KERNEL_COMMAND_H_
#define PTEDIFF_TOOLS_KERNEL_COMMAND_H_

#include <string>
#include <vector>

namespace ptediff {

// Extracts arch/arm64/mm/contpte.c and the CONFIG_ARM64_CONTPTE wrappers of
// `tree` (a directory or a tarball) with kernel/extract.sh, applies `mutant`
// (kernel/mutants.tsv; "" or "none" for none) and compiles them with the shim
// into `out` (default libcontpte-<version>[-<mutant>].so; a path ending in
// '/' is a folder for it). Prints the kernel version built. Returns 0, or 2
// after one error line (bad tree, unsupported version, failed compile).
int cmd_kernel(const std::vector<std::string>& args, const std::string& tree,
               const std::string& out, const std::string& mutant, const std::string& self_path);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_KERNEL_COMMAND_H_
