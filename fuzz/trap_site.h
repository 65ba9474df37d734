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

#include "harness/divergence.h"

namespace ptediff::fuzz {

[[noreturn, gnu::always_inline]] inline void trap_with(int code) {
  asm volatile("" : : "r"(code));
  __builtin_trap();
}

}  // namespace ptediff::fuzz

#define PTEDIFF_TRAP_SITE(fn, code) \
  [[noreturn, gnu::noinline]] void fn() { ::ptediff::fuzz::trap_with(code); }

// PTEDIFF_DIVERGENCE_TRAP_SITES(prefix) defines one trap site per divergence
// class, prefix_pte_state ... prefix_contract, and `prefix_sites`, the table
// of them in DivClass order (one abort site per class and per target).
#define PTEDIFF_DIVERGENCE_TRAP_SITES(prefix)                                            \
  PTEDIFF_TRAP_SITE(prefix##_pte_state, 0)                                               \
  PTEDIFF_TRAP_SITE(prefix##_access_dirty, 1)                                            \
  PTEDIFF_TRAP_SITE(prefix##_return_value, 2)                                            \
  PTEDIFF_TRAP_SITE(prefix##_flush_missing, 3)                                           \
  PTEDIFF_TRAP_SITE(prefix##_tlb_stale, 4)                                               \
  PTEDIFF_TRAP_SITE(prefix##_bbm, 5)                                                     \
  PTEDIFF_TRAP_SITE(prefix##_cont_malformed, 6)                                          \
  PTEDIFF_TRAP_SITE(prefix##_out_of_window, 7)                                           \
  PTEDIFF_TRAP_SITE(prefix##_contract, 8)                                                \
  constexpr void (*prefix##_sites[])() = {                                               \
      prefix##_pte_state,     prefix##_access_dirty,  prefix##_return_value,             \
      prefix##_flush_missing, prefix##_tlb_stale,     prefix##_bbm,                      \
      prefix##_cont_malformed, prefix##_out_of_window, prefix##_contract,                \
  };                                                                                     \
  static_assert(std::size(prefix##_sites) == ::ptediff::kNumDivClasses,                  \
                "one trap site per divergence class, in DivClass order");

#endif  // PTEDIFF_FUZZ_TRAP_SITE_H_
