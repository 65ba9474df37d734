// ptediff fuzz: named crash sites.
//
// PTEDIFF_TRAP_SITE(fn, code) defines `[[noreturn]] void fn()` that traps.
// Each site is its own non-inlined function with a distinct constant, so the
// linker cannot fold two sites together and the crashing frame names the
// failure: fuzzing engines deduplicate crashes by it, and -minimize_crash
// keeps the same one.
#ifndef PTEDIFF_FUZZ_TRAP_SITE_H_
#define PTEDIFF_FUZZ_TRAP_SITE_H_

namespace ptediff::fuzz {

[[noreturn, gnu::always_inline]] inline void trap_with(int code) {
  asm volatile("" : : "r"(code));
  __builtin_trap();
}

}  // namespace ptediff::fuzz

#define PTEDIFF_TRAP_SITE(fn, code) \
  [[noreturn, gnu::noinline]] void fn() { ::ptediff::fuzz::trap_with(code); }

#endif  // PTEDIFF_FUZZ_TRAP_SITE_H_
