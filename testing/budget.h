// ptediff testing: the budgets of the tests that search (property cases,
// fuzz executions), scaled down in a sanitizer build.
//
// Under ASan + UBSan every execution costs several times more, and the
// searching tests spend most of their time exhausting budgets on the means
// that never find a given mutant (the table of the mutant gate shows which).
// A sanitizer build runs an eighth of each budget: it looks for memory and
// undefined-behaviour errors on the same code paths, not for the same reach.
#ifndef PTEDIFF_TESTING_BUDGET_H_
#define PTEDIFF_TESTING_BUDGET_H_

#include <cstddef>

namespace ptediff {

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define PTEDIFF_TESTING_SANITIZED 1
#endif
#endif
#if !defined(PTEDIFF_TESTING_SANITIZED) && defined(__SANITIZE_ADDRESS__)
#define PTEDIFF_TESTING_SANITIZED 1
#endif

// Whether this build runs under a sanitizer.
#ifdef PTEDIFF_TESTING_SANITIZED
inline constexpr bool kSanitized = true;
#else
inline constexpr bool kSanitized = false;
#endif

// A search budget of `n` as this build runs it: n, or n / 8 (at least 1)
// under a sanitizer.
template <typename T>
constexpr T search_budget(T n) {
  return kSanitized ? (n / 8 > 0 ? n / 8 : 1) : n;
}

}  // namespace ptediff

#endif  // PTEDIFF_TESTING_BUDGET_H_
