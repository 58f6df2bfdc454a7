/* SHA-256 of a buffer in memory, for the hashes taken on every request:
 * the token cache's key and the JWS signing input. */
#ifndef TJWT_SHA256_H
#define TJWT_SHA256_H

#include <apr.h>

#define TJWT_SHA256_LEN 32

/* Returns 0, or -1 if OpenSSL fails. */
int tjwt_sha256(const void *data, apr_size_t len,
                unsigned char out[TJWT_SHA256_LEN]);

#endif
