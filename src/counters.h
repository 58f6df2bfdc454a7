/* The counters that the token cache and the signature feed, and the name
 * of the cache they count for: all that code needs to know of stats.c,
 * which keeps them in shared memory and shows them on server-status. */
#ifndef TJWT_COUNTERS_H
#define TJWT_COUNTERS_H

typedef enum {
    TJWT_STAT_SIGNED = 0,    /* tokens signed */
    TJWT_STAT_HITS,          /* tokens taken from the cache */
    TJWT_STAT_MISSES,        /* lookups that found no usable token */
    TJWT_STAT_ERRORS,        /* cache backend failures (then bypassed) */
    TJWT_STAT_SIGN_FAILURES, /* tokens that could not be signed: a 500 */
    TJWT_STAT_AWAITED,       /* hits that waited for another's signature */
    TJWT_STAT_COUNT
} tjwt_stat_e;

/* Adds one to a counter; safe from any thread of any process. */
void tjwt_stats_inc(tjwt_stat_e which);

/* The cache as server-status names it ("in-process", "none", the
 * TeleportJWTCache value...), set by the cache when it chooses its layers.
 * name must live as long as the configuration. */
void tjwt_stats_name_cache(const char *name);

#endif
