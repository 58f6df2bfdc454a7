/* Base64url without padding (RFC 7515 §2), the only encoding JOSE uses. */
#ifndef TJWT_B64URL_H
#define TJWT_B64URL_H

#include <apr_pools.h>

/* Encodes len bytes; never fails. */
char *tjwt_b64url_encode(apr_pool_t *p, const unsigned char *data,
                         apr_size_t len);

/* Decodes a base64url string of inlen characters. Padding, whitespace and
 * characters outside the URL-safe alphabet are rejected (NULL), as are
 * non-canonical trailing bits, so that one token has one encoding. */
unsigned char *tjwt_b64url_decode(apr_pool_t *p, const char *in,
                                  apr_size_t inlen, apr_size_t *outlen);

#endif
