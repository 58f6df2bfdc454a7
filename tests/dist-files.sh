#!/bin/sh
# The release tarball (make dist) against git: every file git tracks is
# in the tarball, but for the few named below, and every file of the
# tarball that git does not track is one the build generates. A file
# added to git but not to dist.am (or to a _SOURCES list) fails here,
# before a release tarball lacks it. Skipped outside a git checkout (a
# build from the tarball itself).
set -u
. "$(dirname "$0")/tap-lib.sh"

# In git, not in the tarball: git's own file, and the repository's CI
# script, which runs a clone (.ci/run).
not_distributed='^(\.gitignore|\.ci/run)$'
# In the tarball, not in git: what autoreconf generates.
generated='^(configure|aclocal\.m4|Makefile\.in|tjwt_build\.h\.in|build-aux/[^/]+|m4/[^/]+\.m4)$'

# The source tree must be the checkout itself: make distcheck builds the
# unpacked tarball inside the checkout, where git would answer for the
# checkout around it.
command -v git >/dev/null 2>&1 &&
    [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ] ||
    tap_skip_all "not a git checkout: nothing to compare the tarball with"
tmp=$(mktemp -d /tmp/tjwt-dist.XXXXXX)
# make dist into a directory of our own: distdir names the tree the
# tarball is made from, and the tarball is distdir.tar.gz.
${MAKE:-make} -C "$top_builddir" dist-gzip distdir="$tmp/pkg" top_distdir="$tmp/pkg" >&2
rc=$?
tap_check "make dist-gzip ($rc)" test "$rc" -eq 0 -a -f "$tmp/pkg.tar.gz"
tar -tzf "$tmp/pkg.tar.gz" 2>/dev/null | sed -n 's|^\(.*/\)\{0,1\}pkg/||p' |
    grep -v '/$' | grep . | sort -u >"$tmp/tarball"
git -C "$top_srcdir" ls-files | sort -u >"$tmp/git"

missing=$(comm -23 "$tmp/git" "$tmp/tarball" | grep -Ev "$not_distributed")
extra=$(comm -13 "$tmp/git" "$tmp/tarball" | grep -Ev "$generated")
[ -n "$missing" ] && { echo "== in git, not in the tarball (add them to dist.am):"; printf '%s\n' "$missing"; } >&2
[ -n "$extra" ] && { echo "== in the tarball, not in git:"; printf '%s\n' "$extra"; } >&2
tap_check "every file git tracks is in the tarball ($(printf '%s' "$missing" | grep -c .) missing)" test -z "$missing"
tap_check "the tarball holds nothing git does not track but what autoreconf makes ($(printf '%s' "$extra" | grep -c .) more)" test -z "$extra"
for f in LICENSE NOTICE CHANGELOG.md SECURITY.md README.md; do
    tap_check "the tarball has $f" grep -qx "$f" "$tmp/tarball"
done
rm -rf "$tmp"
tap_end
