"""Compiler options shared by every zcsim target."""

# Project code is warning-free; system headers (/usr/include) are exempt.
ZCSIM_COPTS = [
    "-Wall",
    "-Wextra",
    "-Werror",
    "-Wno-unused-parameter",
    # g++ 12 at -O2 reports false positives inside Abseil's InlinedVector.
    "-Wno-maybe-uninitialized",
    # ...an option clang does not know: let it pass silently there.
    "-Wno-unknown-warning-option",
]
