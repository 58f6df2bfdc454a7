/* The shared layer of the token cache: the TeleportJWTCache directive and
 * a mod_socache provider (shmcb, redis, memcache, ...) behind it, with
 * the entry checks of docs/cache.md. cache_layers.c decides when it is
 * asked; a provider that fails is bypassed, never fatal. */
#ifndef TJWT_CACHE_SOCACHE_H
#define TJWT_CACHE_SOCACHE_H

#include "cache.h"
#include "config.h"
#include "keys.h"

#include <httpd.h>

#include <http_config.h>

/* The consumer name given to the provider: Redis and memcached keys are
 * "teleport-jwt:" and the hex SHA-256 key, the same on every server of a
 * fleet. */
#define TJWT_CACHE_NAMESPACE "teleport-jwt"
/* The Mutex directive's name for the lock of a provider that needs one. */
#define TJWT_CACHE_MUTEX_TYPE "teleport-jwt-cache"
/* ...and for the lock of the marking step alone, with a provider that
 * needs none (redis, memcache): docs/cache.md, "Single flight across
 * processes". */
#define TJWT_CACHE_MARK_MUTEX_TYPE "teleport-jwt-cache-mark"

/* TeleportJWTCache none|provider[:args] (main server only): sets the
 * server's tjwt_cache_conf, which stays NULL without the directive. */
const char *tjwt_cmd_cache(cmd_parms *cmd, void *dconf, const char *arg);

/* Whether cc says TeleportJWTCache none. */
int tjwt_shared_is_none(const tjwt_cache_conf *cc);

/* TeleportJWTCache's value, for messages and server-status. */
const char *tjwt_shared_spec(const tjwt_cache_conf *cc);

/* pre_config: registers the mutex types, so that Mutex can configure them.
 * Returns OK or an error status. */
int tjwt_shared_pre_config(apr_pool_t *pconf);

/* post_config: initialises cc's provider, and its global mutex when the
 * provider is not safe across processes, else the marking step's. Returns
 * 0, or -1 after logging why it cannot start. */
int tjwt_shared_start(tjwt_cache_conf *cc, apr_pool_t *pconf, server_rec *s);

/* child_init: this child's lookup buffers and the mutexes. Returns 0, or -1
 * after logging why this child cannot use cc. */
int tjwt_shared_child_init(tjwt_cache_conf *cc, apr_pool_t *pchild,
                           server_rec *s);

/* Looks k up (its SHA-256 made) for the identity id, whose claims' iat is
 * now; returns 1 with *e (from r->pool) when a usable entry is stored and
 * is exactly what key would sign for id (docs/cache.md). */
int tjwt_shared_get(tjwt_cache_conf *cc, request_rec *r, const tjwt_key *key,
                    const tjwt_cache_ident *id, const tjwt_cache_key *k,
                    tjwt_cache_entry *e);

/* What a lookup that may mark found. */
typedef enum {
    TJWT_SHARED_MISS,   /* no usable entry */
    TJWT_SHARED_HIT,    /* *e is set */
    TJWT_SHARED_MAKING, /* another process marked it: its token is coming */
    TJWT_SHARED_MARKED  /* none: the marker is ours, make the token */
} tjwt_shared_e;

/* How long the marker of a token being made lives (docs/cache.md): past
 * the wait of those who find it, in case its maker never stores. */
#define TJWT_MAKING_TTL apr_time_from_sec(2)

/* tjwt_shared_get, and when the key is absent, a short marker that a
 * token for it is being made, with a nonce of this request's, set in the
 * same locked step and read back: MARKED only when the marker read is
 * ours (*marker, from r->pool, is then set), MAKING when it is another's.
 * Exact among this server's processes (the lock); across servers sharing
 * Redis or memcached, which store last-writer-wins, two may still both
 * read their own (docs/cache.md, "Single flight across processes"). */
tjwt_shared_e tjwt_shared_get_or_mark(tjwt_cache_conf *cc, request_rec *r,
                                      const tjwt_key *key,
                                      const tjwt_cache_ident *id,
                                      const tjwt_cache_key *k,
                                      tjwt_cache_entry *e, const char **marker);

/* Removes the marker for k when no token came of it, if it is still
 * marker (the one tjwt_shared_get_or_mark set). */
void tjwt_shared_unmark(tjwt_cache_conf *cc, request_rec *r,
                        const tjwt_cache_ident *id, const tjwt_cache_key *k,
                        const char *marker);

/* Stores a freshly signed entry under k (its SHA-256 made), until its
 * half-life ends. */
void tjwt_shared_put(tjwt_cache_conf *cc, request_rec *r,
                     const tjwt_cache_key *k, const tjwt_cache_entry *e);

#endif
