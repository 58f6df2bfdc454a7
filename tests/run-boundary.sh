#!/bin/sh
# Runs the trust-boundary tests (t/boundary-*.t) alone, the way
# run-all.sh's apache_test function runs the whole Apache::Test suite:
#
#   cd BUILDDIR && sh tests/run-boundary.sh [-verbose] [t/boundary-....t ...]
#
# BUILDDIR holds the built module (.libs/mod_teleport_jwt.so) and tjwt.
# Without a test file, every t/boundary-*.t (never the whole suite); other
# arguments go to t/TEST (-verbose shows each assertion and what the
# handler got). "-port select": other Apache::Test runs on this machine
# keep their ports.
set -u
srcdir=$(cd "$(dirname "$0")/.." && pwd)
builddir=$(pwd)
APXS=${APXS:-$(sed -n 's/^APXS = //p' "$builddir/Makefile")}
HTTPD=${HTTPD:-$(sed -n 's/^HTTPD = //p' "$builddir/Makefile")}
TJWT_APACHE_MODULES=$("$APXS" -q LIBEXECDIR)
work="$srcdir/tests"
if [ "$(id -u)" = 0 ] && ! runuser -u nobody -- test -r "$work/t/htpasswd" 2>/dev/null; then
    work=$(mktemp -d /tmp/tjwt-bnd.XXXXXX)
    cp -R "$srcdir/tests/." "$work/"
    chmod -R a+rX "$work"
    echo "== the test tree is not readable by nobody: running from $work"
fi
conf="$work/t/conf/inherit.conf"
for m in mpm_event authn_core authn_file authz_core authz_host authz_user \
         auth_basic alias dir env mime setenvif; do
    echo "LoadModule ${m}_module $TJWT_APACHE_MODULES/mod_$m.so"
done >"$conf"
case " $* " in
    *.t\ *) ;;
    *) set -- "$@" $(cd "$work" && ls t/boundary-*.t) ;;
esac
export TJWT_MODULE="$builddir/.libs/mod_teleport_jwt.so" TJWT_TOOL="$builddir/tjwt" TJWT_APACHE_MODULES
(cd "$work" && perl t/TEST -clean >/dev/null 2>&1)
(cd "$work" && sh "$srcdir/tests/identity-setup.sh" "$work/t/identity" \
    perl t/TEST -apxs "$APXS" -httpd "$HTTPD" -httpd_conf "$conf" -port select "$@")
rc=$?
[ "$work" != "$srcdir/tests" ] && rm -rf "$work"
exit $rc
