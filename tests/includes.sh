#!/bin/sh
# No include cycle among src/'s files: each X.c with its X.h is one part,
# and a part that includes another's header depends on it. Dependencies
# go one way (docs/development.md, Layout), so that a part can be read,
# changed and unit-tested knowing only the parts below it. A header with
# no .c of its own (module.h, counters.h) is a part too.
set -u
. "$(dirname "$0")/tap-lib.sh"

# cycles DIR: prints each include cycle among DIR's parts, one a line
# ("a -> b -> a"), and nothing when there is none.
cycles() {
    python3 - "$1" <<'PY'
import os, re, sys

src = sys.argv[1]
deps = {}
for name in sorted(os.listdir(src)):
    part, ext = os.path.splitext(name)
    if ext not in (".c", ".h"):
        continue
    with open(os.path.join(src, name), encoding="utf-8") as f:
        for m in re.finditer(r'^\s*#\s*include\s+"([^"/]+)\.h"', f.read(), re.M):
            if m.group(1) != part and os.path.exists(os.path.join(src, m.group(1) + ".h")):
                deps.setdefault(part, set()).add(m.group(1))
            deps.setdefault(part, set())

# Depth-first search; a grey part met again closes a cycle.
state, path, found = {}, [], set()
def visit(p):
    state[p] = "grey"
    path.append(p)
    for q in sorted(deps.get(p, ())):
        if state.get(q) == "grey":
            cyc = path[path.index(q):]
            i = cyc.index(min(cyc))
            found.add(" -> ".join(cyc[i:] + cyc[:i] + [cyc[i]]))
        elif q not in state:
            visit(q)
    path.pop()
    state[p] = "black"
for p in sorted(deps):
    if p not in state:
        visit(p)
for c in sorted(found):
    print(c)
PY
}

# The check itself, on a tree with a cycle of three parts: it must say so.
tmp=$(mktemp -d /tmp/tjwt-includes.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
printf '#include "b.h"\n' >"$tmp/a.c"
printf '#include "c.h"\n' >"$tmp/b.h"
printf '#include "a.h"\n' >"$tmp/c.c"
: >"$tmp/a.h"
: >"$tmp/c.h"
found=$(cycles "$tmp")
tap_check "a cycle of three parts is found ($found)" test "$found" = "a -> b -> c -> a"
rm "$tmp/c.c"
tap_check "and none once it is broken" test -z "$(cycles "$tmp")"

found=$(cycles "$top_srcdir/src" | tee /dev/stderr | paste -sd ';' -)
tap_check "no include cycle among src/'s parts${found:+: $found}" test -z "$found"
tap_end
