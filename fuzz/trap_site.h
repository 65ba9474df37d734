// ptediff fuzz: named crash sites.
//
// PTEDIFF_TRAP_SITE(fn, code) defines `[[noreturn]] void fn()` that traps.
// Each site is its own non-inlined function with a distinct constant, so the
// linker cannot fold two sites together and the crashing frame names the
// failure: fuzzing engines deduplicate crashes by it, and -minimize_crash
// keeps the same one.
#ifndef PTEDIFF_FUZZ_TRAP_SITE_H_
#define PTEDIFF_FUZZ_TRAP_SITE_H_

#include <iterator>

#include "oracle/divergence.h"

namespace ptediff::fuzz {

[[noreturn, gnu::always_inline]] inline void trap_with(int code) {
  asm volatile("" : : "r"(code));
  __builtin_trap();
}

}  // namespace ptediff::fuzz

#define PTEDIFF_TRAP_SITE(fn, code) \
  [[noreturn, gnu::noinline]] void fn() { ::ptediff::fuzz::trap_with(code); }

// PTEDIFF_DIVERGENCE_TRAP_SITES(prefix) defines one trap site per divergence
// class (oracle/divergence_classes.def), prefix_pte_state ...
// prefix_contract, each trapping with its DivClass value, and `prefix_sites`,
// the table of them in DivClass order (one abort site per class and target).
#define PTEDIFF_DIVERGENCE_TRAP_SITES(prefix)                                                   \
  PTEDIFF_DIV_CLASSES(PTEDIFF_DIV_TRAP_SITE, prefix)                                            \
  constexpr void (*prefix##_sites[])() = {PTEDIFF_DIV_CLASSES(PTEDIFF_DIV_TRAP_ENTRY, prefix)}; \
  static_assert(std::size(prefix##_sites) == ::ptediff::kNumDivClasses,                         \
                "one trap site per divergence class, in DivClass order");
#define PTEDIFF_DIV_TRAP_SITE(prefix, e, ident, name) \
  PTEDIFF_TRAP_SITE(prefix##_##ident, static_cast<int>(::ptediff::DivClass::e))
#define PTEDIFF_DIV_TRAP_ENTRY(prefix, e, ident, name) prefix##_##ident,

#endif  // PTEDIFF_FUZZ_TRAP_SITE_H_
