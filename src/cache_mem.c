/* The in-process layer: a fixed array of slots, a chained hash index over
 * it and a doubly linked least-recently-used list, all by slot number.
 * Token text is malloc'd: entries come and go for the life of the
 * process, and a pool would only ever grow. */
#include "cache_mem.h"

#include <apr_general.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    apr_uint64_t hash; /* of ident, with the cache's seed */
    char *ident;       /* the key's encoding, in the token's allocation */
    apr_size_t id_len;
    char *token; /* malloc'd, NUL-terminated */
    apr_size_t len;
    apr_int64_t iat;
    apr_int64_t exp;
    tjwt_claims_mode_e mode;
    int hnext;      /* next slot in the same bucket, or in the free list */
    int prev, next; /* LRU neighbours; the head is the most recent */
} tjwt_mem_slot;

struct tjwt_mem_cache {
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock;
#endif
    tjwt_mem_slot *slots;
    int nslots;
    int *buckets;
    apr_uint32_t bucket_mask;
    int free_head;
    int lru_head, lru_tail;
    int count;
    apr_size_t bytes, max_bytes;
    apr_uint64_t seed; /* random: no one can aim names at one bucket */
};

/* A fast seeded hash of the key's encoding, eight bytes at a step: only
 * to pick a bucket, as keys are compared whole. */
static apr_uint64_t tjwt_hash(const tjwt_mem_cache *mc, const char *d,
                              apr_size_t n)
{
    const apr_uint64_t m = APR_UINT64_C(0x9E3779B97F4A7C15);
    apr_uint64_t h = mc->seed ^ (n * m), w;

    for (; n >= 8; d += 8, n -= 8) {
        memcpy(&w, d, 8);
        h = (h ^ w) * m;
        h ^= h >> 29;
    }
    w = 0;
    memcpy(&w, d, n);
    h = (h ^ w) * m;
    h ^= h >> 32;
    return h;
}

static int tjwt_find(const tjwt_mem_cache *mc, const tjwt_cache_key *key,
                     apr_uint64_t h)
{
    int i = mc->buckets[h & mc->bucket_mask];

    while (i >= 0 &&
           (mc->slots[i].hash != h || mc->slots[i].id_len != key->ident_len ||
            memcmp(mc->slots[i].ident, key->ident, key->ident_len) != 0))
        i = mc->slots[i].hnext;
    return i;
}

static void tjwt_lru_unlink(tjwt_mem_cache *mc, int i)
{
    tjwt_mem_slot *s = &mc->slots[i];

    if (s->prev >= 0)
        mc->slots[s->prev].next = s->next;
    else
        mc->lru_head = s->next;
    if (s->next >= 0)
        mc->slots[s->next].prev = s->prev;
    else
        mc->lru_tail = s->prev;
}

static void tjwt_lru_push(tjwt_mem_cache *mc, int i)
{
    tjwt_mem_slot *s = &mc->slots[i];

    s->prev = -1;
    s->next = mc->lru_head;
    if (mc->lru_head >= 0)
        mc->slots[mc->lru_head].prev = i;
    mc->lru_head = i;
    if (mc->lru_tail < 0)
        mc->lru_tail = i;
}

static void tjwt_evict(tjwt_mem_cache *mc, int i)
{
    tjwt_mem_slot *s = &mc->slots[i];
    int *link = &mc->buckets[s->hash & mc->bucket_mask];

    while (*link != i)
        link = &mc->slots[*link].hnext;
    *link = s->hnext;
    tjwt_lru_unlink(mc, i);
    free(s->token);
    s->token = NULL;
    s->ident = NULL;
    mc->bytes -= s->len + s->id_len;
    mc->count--;
    s->hnext = mc->free_head;
    mc->free_head = i;
}

static apr_status_t tjwt_mem_cache_cleanup(void *data)
{
    tjwt_mem_cache *mc = data;
    int i;

    for (i = 0; i < mc->nslots; i++)
        free(mc->slots[i].token);
    return APR_SUCCESS;
}

apr_status_t tjwt_mem_cache_create(apr_pool_t *p, int entries,
                                   apr_size_t max_bytes, tjwt_mem_cache **out)
{
    tjwt_mem_cache *mc = apr_pcalloc(p, sizeof(*mc));
    apr_uint32_t nb = 1;
    int i;

    if (entries < 1)
        return APR_EINVAL;
    /* Twice as many buckets as slots keeps the chains short. */
    while (nb < 2 * (apr_uint32_t)entries)
        nb <<= 1;
    mc->slots = apr_pcalloc(p, sizeof(*mc->slots) * (apr_size_t)entries);
    mc->buckets = apr_palloc(p, sizeof(int) * nb);
    mc->nslots = entries;
    mc->bucket_mask = nb - 1;
    mc->max_bytes = max_bytes;
    mc->lru_head = mc->lru_tail = -1;
    for (i = 0; i < (int)nb; i++)
        mc->buckets[i] = -1;
    for (i = 0; i < entries; i++)
        mc->slots[i].hnext = i + 1 < entries ? i + 1 : -1;
    mc->free_head = 0;
    if (apr_generate_random_bytes((unsigned char *)&mc->seed,
                                  sizeof(mc->seed)) != APR_SUCCESS)
        mc->seed = (apr_uint64_t)apr_time_now();
#if APR_HAS_THREADS
    {
        apr_status_t rv =
            apr_thread_mutex_create(&mc->lock, APR_THREAD_MUTEX_DEFAULT, p);
        if (rv != APR_SUCCESS)
            return rv;
    }
#endif
    apr_pool_cleanup_register(p, mc, tjwt_mem_cache_cleanup,
                              apr_pool_cleanup_null);
    *out = mc;
    return APR_SUCCESS;
}

#if APR_HAS_THREADS
#define TJWT_LOCK(mc)   apr_thread_mutex_lock((mc)->lock)
#define TJWT_UNLOCK(mc) apr_thread_mutex_unlock((mc)->lock)
#else
#define TJWT_LOCK(mc)
#define TJWT_UNLOCK(mc)
#endif

int tjwt_mem_cache_get(tjwt_mem_cache *mc, const tjwt_cache_key *key,
                       apr_int64_t now, apr_pool_t *p, tjwt_cache_entry *e)
{
    tjwt_mem_slot *s;
    int i, hit = 0;

    apr_uint64_t h = tjwt_hash(mc, key->ident, key->ident_len);

    TJWT_LOCK(mc);
    i = tjwt_find(mc, key, h);
    if (i >= 0) {
        s = &mc->slots[i];
        if (tjwt_cache_usable(s->iat, s->exp, now)) {
            /* Copied under the lock: another thread may evict the slot
             * as soon as it is released. */
            e->token = apr_pstrmemdup(p, s->token, s->len);
            e->iat = s->iat;
            e->exp = s->exp;
            e->mode = s->mode;
            tjwt_lru_unlink(mc, i);
            tjwt_lru_push(mc, i);
            hit = 1;
        }
        else {
            tjwt_evict(mc, i);
        }
    }
    TJWT_UNLOCK(mc);
    return hit;
}

void tjwt_mem_cache_put(tjwt_mem_cache *mc, const tjwt_cache_key *key,
                        const tjwt_cache_entry *e)
{
    apr_size_t len = strlen(e->token), idl = key->ident_len;
    apr_uint64_t h = tjwt_hash(mc, key->ident, idl);
    tjwt_mem_slot *s;
    char *copy;
    int i;

    if (len + idl > mc->max_bytes / 8)
        return;
    /* Token and key in one allocation, made outside the lock so that
     * other threads wait for no malloc. */
    copy = malloc(len + 1 + idl);
    if (!copy)
        return;
    memcpy(copy, e->token, len + 1);
    memcpy(copy + len + 1, key->ident, idl);

    TJWT_LOCK(mc);
    i = tjwt_find(mc, key, h);
    if (i >= 0)
        tjwt_evict(mc, i);
    while (mc->count > 0 &&
           (mc->count == mc->nslots || mc->bytes + len + idl > mc->max_bytes))
        tjwt_evict(mc, mc->lru_tail);
    i = mc->free_head;
    s = &mc->slots[i];
    mc->free_head = s->hnext;
    s->hash = h;
    s->ident = copy + len + 1;
    s->id_len = idl;
    s->token = copy;
    s->len = len;
    s->iat = e->iat;
    s->exp = e->exp;
    s->mode = e->mode;
    s->hnext = mc->buckets[h & mc->bucket_mask];
    mc->buckets[h & mc->bucket_mask] = i;
    tjwt_lru_push(mc, i);
    mc->count++;
    mc->bytes += len + idl;
    TJWT_UNLOCK(mc);
}

/* Both totals under one lock. */
static void tjwt_mem_cache_totals(tjwt_mem_cache *mc, int *count,
                                  apr_size_t *bytes)
{
    TJWT_LOCK(mc);
    *count = mc->count;
    *bytes = mc->bytes;
    TJWT_UNLOCK(mc);
}

int tjwt_mem_cache_count(tjwt_mem_cache *mc)
{
    int n;
    apr_size_t b;

    tjwt_mem_cache_totals(mc, &n, &b);
    return n;
}

apr_size_t tjwt_mem_cache_bytes(tjwt_mem_cache *mc)
{
    int n;
    apr_size_t b;

    tjwt_mem_cache_totals(mc, &n, &b);
    return b;
}
