/* The RFC 7638 thumbprint of a key, for tjwt kid: in the tool's library,
 * never in the module. */
#ifndef TJWT_THUMBPRINT_H
#define TJWT_THUMBPRINT_H

#include "keys.h"

/* The JWK thumbprint of RFC 7638 (SHA-256, base64url) of an RSA, EC P-256
 * or Ed25519 public key; NULL for any other key. Not Teleport's kid, which
 * hashes the DER form: offered for verifiers that look keys up by it. */
const char *tjwt_key_thumbprint(apr_pool_t *p, EVP_PKEY *pkey);

#endif
