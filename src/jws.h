/* Compact JWS (RFC 7515) signing for RS256, ES256 and EdDSA; checking a
 * signature is verify.h's. */
#ifndef TJWT_JWS_H
#define TJWT_JWS_H

#include "keys.h"

/* Signs payload (JSON text) with the key's precomputed protected header and
 * returns the compact token, or NULL with *err. */
const char *tjwt_jws_sign(apr_pool_t *p, const tjwt_key *key,
                          const char *payload, apr_size_t len,
                          const char **err);

/* The base64url signature of a JWS signing input ("header.payload"). */
const char *tjwt_jws_sign_input(apr_pool_t *p, const tjwt_key *key,
                                const char *input, apr_size_t len,
                                const char **err);

/* The length in bytes of every JOSE signature the key makes. */
apr_size_t tjwt_jws_sig_len(const tjwt_key *key);

#endif
