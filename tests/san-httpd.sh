#!/bin/sh
# httpd with AddressSanitizer's and UBSan's libraries preloaded, so that it
# can load the module built with them (tests/apache-test.sh passes it to
# Apache::Test as its httpd). SAN_PRELOAD: the libraries, from configure;
# SAN_HTTPD: the real httpd.
LD_PRELOAD="$SAN_PRELOAD${LD_PRELOAD:+ $LD_PRELOAD}"
export LD_PRELOAD
exec "$SAN_HTTPD" "$@"
