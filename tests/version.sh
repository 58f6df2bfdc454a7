#!/bin/sh
# One version, configure.ac's AC_INIT: what tjwt --version, the man pages
# the Debian package (debian/changelog) and CHANGELOG.md say. The module's
# server-status line is checked by tests/t/cache.t, which compares it
# with tjwt --version.
set -u
. "$(dirname "$0")/tap-lib.sh"

version=$(sed -n 's/^AC_INIT(\[mod_teleport_jwt\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
tap_check "configure.ac's AC_INIT has a version ($version)" test -n "$version"
tool=$("$top_builddir/tjwt" --version)
tap_check "tjwt --version says $version ($tool)" \
    sh -c 'case "$1" in "tjwt (mod_teleport_jwt) $2, "*) ;; *) exit 1 ;; esac' _ "$tool" "$version"
for page in man/tjwt.1 man/mod_teleport_jwt.8; do
    tap_check "$page says $version" grep -q "\"mod_teleport_jwt $version\"" "$top_builddir/$page"
done
deb=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$top_srcdir/debian/changelog")
# The Debian revision (-1) is the packaging's own.
tap_check "debian/changelog's latest entry is $version ($deb)" test "${deb%-*}" = "$version"
tap_check "CHANGELOG.md has an entry for $version" grep -q "^## \[$version\]" "$top_srcdir/CHANGELOG.md"
tap_end
