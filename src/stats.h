/* The module's counters, shared by every process of the server and shown
 * on mod_status's server-status page, so that operators see the cache's
 * hit rate in production. */
#ifndef TJWT_STATS_H
#define TJWT_STATS_H

#include <httpd.h>

typedef enum {
    TJWT_STAT_SIGNED = 0,    /* tokens signed */
    TJWT_STAT_HITS,          /* tokens taken from the cache */
    TJWT_STAT_MISSES,        /* lookups that found no usable token */
    TJWT_STAT_ERRORS,        /* cache backend failures (then bypassed) */
    TJWT_STAT_SIGN_FAILURES, /* tokens that could not be signed: a 500 */
    TJWT_STAT_COUNT
} tjwt_stat_e;

/* Adds one to a counter; safe from any thread of any process. */
void tjwt_stats_inc(tjwt_stat_e which);

/* The current value of a counter. */
apr_uint64_t tjwt_stats_get(tjwt_stat_e which);

/* post_config: places the counters in shared memory that outlives
 * restarts (it belongs to the process pool), so that the children and
 * the generations after a graceful restart all add to the same numbers. */
int tjwt_stats_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s);

/* mod_status's status_hook: a table on the HTML page, and
 * "TeleportJWT...: N" lines in the ?auto form. */
int tjwt_status_hook(request_rec *r, int flags);

#endif
