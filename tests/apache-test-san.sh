#!/bin/sh
# tests/apache-test.sh with the module and the tjwt tool built under
# AddressSanitizer and UBSan.
TJWT_SAN=1 exec sh "$(dirname "$0")/apache-test.sh"
