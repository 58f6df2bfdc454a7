#!/bin/sh
# make lint in make check: cppcheck, clang-tidy and clang-format's check
# find nothing (docs/development.md, Lint). Run here because branches made
# side by side each passed it alone and brought findings once merged.
set -u
. "$(dirname "$0")/tap-lib.sh"

# Standard output is the TAP stream: what the tools say goes to the log.
lint() { make -C "$top_builddir" -s lint >&2; }
installed() { command -v "$1" >&2; }

for t in cppcheck clang-tidy clang-format; do
    tap_check "$t is installed" installed "$t"
done
tap_check "make lint finds nothing (its output is in this log)" lint
tap_end
