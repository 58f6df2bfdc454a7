/* The token cache as a request sees it (docs/cache.md): one function
 * between a request and the signature, with the layers behind it chosen
 * once at start-up from TeleportJWTCache: this process's in-process cache
 * first, then the shared one (mod_socache) if one is configured. */
#ifndef TJWT_CACHE_LAYERS_H
#define TJWT_CACHE_LAYERS_H

#include "cache.h"
#include "keys.h"

#include <httpd.h>

/* Makes the token that no layer has: sets *e (token, iat, exp and the
 * claim mode it ended with) and returns e->token, or NULL after logging
 * why. */
typedef const char *(*tjwt_cache_make_fn)(request_rec *r, void *baton,
                                          tjwt_cache_entry *e);

/* The start-up steps: pre_config registers the shared cache's mutex
 * type; post_config chooses the layers and starts the shared one (a
 * provider that cannot start is left out, logged); child_init makes this
 * child's in-process cache and attaches it to the shared one. */
int tjwt_cache_pre_config(apr_pool_t *pconf);
int tjwt_cache_post_config(apr_pool_t *pconf, server_rec *s);
void tjwt_cache_child_init(apr_pool_t *pchild, server_rec *s);

/* The token of identity id (whose claims' iat is now) signed with key:
 * from the first layer that holds a usable one (a shared hit is then kept
 * in process too), else made by make(r, baton, e) and stored in every
 * layer. Counts a hit or a miss when there is a cache. Returns e->token
 * (from r->pool), or NULL when make fails. */
const char *tjwt_cache_token(request_rec *r, const tjwt_key *key,
                             const tjwt_cache_ident *id,
                             tjwt_cache_make_fn make, void *baton,
                             tjwt_cache_entry *e);

#endif
