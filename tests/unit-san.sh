#!/bin/sh
# tests/unit.sh on the unit tests built under AddressSanitizer and UBSan.
TJWT_SAN=1 exec sh "$(dirname "$0")/unit.sh"
