/* SHA-256 of a buffer in memory, for the hashes on a request's path: the
 * JWS signing input of every signature, and the token cache's key when
 * the cache is shared (the in-process cache compares the key whole). */
#ifndef TJWT_SHA256_H
#define TJWT_SHA256_H

#include <apr.h>

#define TJWT_SHA256_LEN 32

/* Returns 0, or -1 if OpenSSL fails. */
int tjwt_sha256(const void *data, apr_size_t len,
                unsigned char out[TJWT_SHA256_LEN]);

#endif
