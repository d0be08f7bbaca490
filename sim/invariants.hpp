// Simulated invariants, checked when AISIM_CHECK_INVARIANTS is on (Debug builds and the sanitizer
// build; off in Release, where the checks cost nothing). A violation is a bug in aisim, not bad
// input: it prints what broke and aborts, so that a test run under the checks fails loudly.
//   - time never goes backwards;
//   - every op of an iteration runs exactly once (all submitted kernels have completed when a
//     step's synchronisation returns);
//   - every device allocation is released by the end of its job;
//   - a device's busy time never exceeds the elapsed time.
#pragma once

#include <cstdio>
#include <cstdlib>

#ifndef AISIM_CHECK_INVARIANTS
#ifdef NDEBUG
#define AISIM_CHECK_INVARIANTS 0
#else
#define AISIM_CHECK_INVARIANTS 1
#endif
#endif

namespace aisim {

inline constexpr bool kCheckInvariants = AISIM_CHECK_INVARIANTS != 0;

// `what` is a printf format; the arguments say which values broke it.
template <class... Args>
inline void check_invariant(bool holds, const char* what, Args... args) {
  if constexpr (kCheckInvariants) {
    if (holds) return;
    std::fputs("aisim: invariant violated: ", stderr);
    if constexpr (sizeof...(Args) == 0)
      std::fputs(what, stderr);
    else
      std::fprintf(stderr, what, args...);
    std::fputc('\n', stderr);
    std::abort();
  }
}

}  // namespace aisim
