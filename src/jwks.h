/* The JSON Web Key Set document a server publishes. */
#ifndef TJWT_JWKS_H
#define TJWT_JWKS_H

#include "keys.h"

#include <apr_tables.h>

typedef struct {
    const char *body; /* {"keys":[...]} */
    const char *etag; /* strong ETag, quoted */
} tjwt_jwks;

/* Builds the set from keys (tjwt_key *, signing key first); a key whose kid
 * is already in the set is skipped. Returns NULL with *err on failure. */
tjwt_jwks *tjwt_jwks_build(apr_pool_t *p, const apr_array_header_t *keys,
                           const char **err);

#endif
