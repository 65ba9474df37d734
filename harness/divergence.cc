// ptediff: divergence class names (see divergence.h).
#include "harness/divergence.h"

namespace ptediff {
namespace {
constexpr const char* kNames[] = {"pte-state",  "access-dirty",   "return-value",
                                  "flush-missing", "tlb-stale",   "bbm",
                                  "cont-malformed", "out-of-window", "contract"};
static_assert(std::size(kNames) == kNumDivClasses, "one name per class");
}  // namespace

const char* div_class_name(DivClass c) { return kNames[static_cast<size_t>(c) % kNumDivClasses]; }

}  // namespace ptediff
