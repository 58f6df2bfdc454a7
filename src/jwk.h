/* Reading public keys as JWKs and their RFC 7638 thumbprints: for
 * verifiers and the tjwt tool, in the tool's library (never the module). */
#ifndef TJWT_JWK_H
#define TJWT_JWK_H

#include "keys.h"

/* The public key of a JWK object (RSA, EC P-256, OKP Ed25519), for
 * verifiers. Returns NULL with *err on anything else. */
EVP_PKEY *tjwt_key_from_jwk(apr_pool_t *p, json_t *jwk, const char **err);

/* The JWK thumbprint of RFC 7638 (SHA-256, base64url) of an RSA, EC P-256
 * or Ed25519 public key; NULL for any other key. Not Teleport's kid, which
 * hashes the DER form: offered for verifiers that look keys up by it. */
const char *tjwt_key_thumbprint(apr_pool_t *p, EVP_PKEY *pkey);

#endif
