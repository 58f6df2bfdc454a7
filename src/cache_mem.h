/* The in-process layer of the token cache (docs/cache.md): one per child
 * process, shared by its threads, in front of any shared cache. It keys
 * on the identity's whole encoding and keeps each token until the
 * half-life rule of cache.h retires it, as a shared entry would be. */
#ifndef TJWT_CACHE_MEM_H
#define TJWT_CACHE_MEM_H

#include "cache.h"

/* At most a fixed number of entries and bytes, under a mutex; the least
 * recently used entry makes room. */
typedef struct tjwt_mem_cache tjwt_mem_cache;

/* TeleportJWTCacheSize (docs/cache.md): the default holds the working
 * set of thousands of users; the bound keeps a typo from reserving
 * gigabytes in every child. */
#define TJWT_CACHE_SIZE_DEFAULT 10000
#define TJWT_CACHE_SIZE_MAX     1000000

/* The byte budget for n entries, counting each entry's token and key: 2
 * KiB an entry holds typical tokens (under 1 KiB with their keys), with
 * at least 8 MiB so that a small cache still takes large tokens. */
#define TJWT_MEM_CACHE_BYTES(n)                                                \
    ((apr_size_t)(n)*2048 > (apr_size_t)8 * 1024 * 1024                        \
         ? (apr_size_t)(n)*2048                                                \
         : (apr_size_t)8 * 1024 * 1024)

/* Creates a cache that lives as long as p. */
apr_status_t tjwt_mem_cache_create(apr_pool_t *p, int entries,
                                   apr_size_t max_bytes, tjwt_mem_cache **mc);

/* Copies a usable entry for key into p; returns 1 on a hit, 0 otherwise
 * (an entry past its half-life is dropped on the way). */
int tjwt_mem_cache_get(tjwt_mem_cache *mc, const tjwt_cache_key *key,
                       apr_int64_t now, apr_pool_t *p, tjwt_cache_entry *e);

/* Stores (or replaces) the entry for key, evicting the least recently
 * used entries while the cache is full. A token larger than an eighth of
 * the byte budget is not kept. */
void tjwt_mem_cache_put(tjwt_mem_cache *mc, const tjwt_cache_key *key,
                        const tjwt_cache_entry *e);

/* How many entries and token bytes the cache holds. */
int tjwt_mem_cache_count(tjwt_mem_cache *mc);
apr_size_t tjwt_mem_cache_bytes(tjwt_mem_cache *mc);

#endif
