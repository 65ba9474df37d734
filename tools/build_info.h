// ptediff: what this build of the ptediff tool is (`ptediff --version`). The
// definitions are generated at build time by tools/build_info.cmake.
#ifndef PTEDIFF_TOOLS_BUILD_INFO_H_
#define PTEDIFF_TOOLS_BUILD_INFO_H_

namespace ptediff {

// The release version of the tool ("0.1.0").
const char* build_version();
// `git describe --always --dirty` of the source tree the binary was built
// from ("43ae295-dirty"), or "unknown" when it was not built from a git
// checkout.
const char* build_commit();

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_BUILD_INFO_H_
