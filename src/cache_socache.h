/* The token cache as httpd sees it: the TeleportJWTCache directive, the
 * hooks that set a backend up (the per-child in-process cache, or a
 * mod_socache provider: shmcb, redis, memcache, ...), and the lookups
 * tjwt_token_get makes. A backend that fails is bypassed, never fatal. */
#ifndef TJWT_CACHE_SOCACHE_H
#define TJWT_CACHE_SOCACHE_H

#include "cache.h"
#include "keys.h"

#include <httpd.h>

#include <http_config.h>

/* The consumer name given to the provider: Redis and memcached keys are
 * "teleport-jwt:" and the hex SHA-256 key, the same on every server of a
 * fleet. */
#define TJWT_CACHE_NAMESPACE "teleport-jwt"
/* The Mutex directive's name for the lock of a provider that needs one. */
#define TJWT_CACHE_MUTEX_TYPE "teleport-jwt-cache"

/* TeleportJWTCache none|provider[:args] (main server only). */
const char *tjwt_cmd_cache(cmd_parms *cmd, void *dconf, const char *arg);

/* pre_config: registers the mutex type, so that Mutex can configure it. */
int tjwt_cache_pre_config(apr_pool_t *pconf);

/* post_config: initialises the provider (and its global mutex when the
 * provider is not safe across processes). A provider that cannot start is
 * logged and replaced by the in-process cache. */
int tjwt_cache_post_config(apr_pool_t *pconf, server_rec *s);

/* child_init: attaches the mutex, or makes this child's in-process cache. */
void tjwt_cache_child_init(apr_pool_t *pchild, server_rec *s);

/* Whether the request's server caches tokens, and where: the in-process
 * cache keys on the identity's encoding, a shared cache on its SHA-256. */
#define TJWT_CACHED_NONE       0
#define TJWT_CACHED_IN_PROCESS 1
#define TJWT_CACHED_SHARED     2
int tjwt_cache_active(request_rec *r);

/* Looks key up (with its SHA-256 made, for a shared cache); returns 1 with *e
 * (allocated from r->pool) when a token for the claims asked is cached and
 * usable at now. */
int tjwt_cache_fetch(request_rec *r, const tjwt_key *key,
                     const tjwt_claims *asked, const tjwt_cache_key *k,
                     apr_int64_t now, apr_int64_t max_size,
                     tjwt_cache_entry *e);

/* Stores a freshly signed token under key, until its half-life ends. */
void tjwt_cache_store(request_rec *r, const tjwt_cache_key *k,
                      const tjwt_cache_entry *e);

#endif
