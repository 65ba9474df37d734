// ptediff: divergence class names (see divergence.h).
#include "oracle/divergence.h"

namespace ptediff {
namespace {
#define PTEDIFF_DIV_NAME(arg, e, ident, name) name,
constexpr const char* kNames[] = {PTEDIFF_DIV_CLASSES(PTEDIFF_DIV_NAME, )};
#undef PTEDIFF_DIV_NAME
static_assert(std::size(kNames) == kNumDivClasses, "one name per class");
}  // namespace

const char* div_class_name(DivClass c) { return kNames[static_cast<size_t>(c) % kNumDivClasses]; }

}  // namespace ptediff
