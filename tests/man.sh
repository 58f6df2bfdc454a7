#!/bin/sh
# The man pages (man/*.in, built into man/): that man(1) formats each
# without a warning from groff, and that tjwt(1) names every command and
# every option that `tjwt COMMAND --help` lists, so that neither the tool
# nor its page can gain one alone.
set -u
. "$(dirname "$0")/tap-lib.sh"

command -v man >/dev/null 2>&1 || tap_skip_all "man is not installed (Debian: man-db)"
for page in man/tjwt.1 man/mod_teleport_jwt.8; do
    f=$top_builddir/$page
    if [ ! -f "$f" ]; then
        tap_not_ok "$page is built"
        continue
    fi
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$f" 2>&1 >/dev/null)
    [ -n "$warnings" ] && printf '%s\n' "$warnings" >&2
    tap_check "$page: man --warnings says nothing" test -z "$warnings"
    tap_check "$page: carries the version ($(grep -c "mod_teleport_jwt [0-9]" "$f") line)" \
        grep -q "mod_teleport_jwt [0-9][0-9.]*\"" "$f"
done

tjwt=$top_builddir/tjwt
page=$top_builddir/man/tjwt.1
# The page's text, with roff's "\-" as "-".
text=$(sed 's/\\-/-/g' "$page" 2>/dev/null)
commands=$("$tjwt" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {exit}')
tap_check "tjwt --help lists commands ($(echo $commands))" test -n "$commands"
for c in $commands; do
    tap_check "tjwt.1 has the command $c" \
        sh -c 'printf "%s\n" "$1" | grep -q "^\.B $2\( \|$\)"' _ "$text" "$c"
    for o in $("$tjwt" "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        tap_check "tjwt.1 has $c's option $o" \
            sh -c 'printf "%s\n" "$1" | grep -q -- "$2"' _ "$text" "$o"
    done
done
tap_end
