/* Reading a public key from a JWK, for verifiers. */
#ifndef TJWT_JWK_H
#define TJWT_JWK_H

#include "keys.h"

/* The public key of a JWK object (RSA, EC P-256, OKP Ed25519), for
 * verifiers. Returns NULL with *err on anything else. */
EVP_PKEY *tjwt_key_from_jwk(apr_pool_t *p, json_t *jwk, const char **err);

#endif
