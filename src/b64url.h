/* Base64url without padding (RFC 7515 §2), the only encoding JOSE uses. */
#ifndef TJWT_B64URL_H
#define TJWT_B64URL_H

#include <apr_pools.h>

/* The length of the encoding of n bytes (no padding, no NUL). */
#define TJWT_B64URL_LEN(n) (((n) / 3) * 4 + ((n) % 3 ? (n) % 3 + 1 : 0))

/* Encodes len bytes into out, which has room for TJWT_B64URL_LEN(len);
 * returns the characters written (no NUL). For building a token in one
 * buffer without copies. */
apr_size_t tjwt_b64url_encode_to(char *out, const unsigned char *data,
                                 apr_size_t len);

/* Encodes len bytes; never fails. */
char *tjwt_b64url_encode(apr_pool_t *p, const unsigned char *data,
                         apr_size_t len);

/* Decodes a base64url string of inlen characters. Padding, whitespace and
 * characters outside the URL-safe alphabet are rejected (NULL), as are
 * non-canonical trailing bits, so that one token has one encoding. */
unsigned char *tjwt_b64url_decode(apr_pool_t *p, const char *in,
                                  apr_size_t inlen, apr_size_t *outlen);

#endif
