/* Getting the token for a request's claim set. */
#ifndef TJWT_TOKEN_H
#define TJWT_TOKEN_H

#include "claims.h"
#include "keys.h"

#include <httpd.h>

/* The signed token for c with key, no longer than max_size bytes: traits
 * and then roles are dropped (and c->mode changed) with a warning while it
 * is longer. c->iat is taken as now and c->exp - c->iat as the lifetime.
 * A token from the server's cache (docs/cache.md) is returned when one was made
 * for the same identity and at least half its lifetime remains; c->iat,
 * c->exp and c->mode are then set to the values it was signed with.
 * The token is allocated from r->pool. Returns NULL, after logging why,
 * when no token can be made; the caller fails the request. */
const char *tjwt_token_get(request_rec *r, const tjwt_key *key, tjwt_claims *c,
                           apr_int64_t max_size);

#endif
