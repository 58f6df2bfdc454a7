/* The module's counters (counters.h), shared by every process of the
 * server and shown on mod_status's server-status page, so that operators
 * see the cache's hit rate in production. */
#ifndef TJWT_STATS_H
#define TJWT_STATS_H

#include <httpd.h>

/* The start-up step: places the counters in shared memory that outlives
 * restarts (it belongs to the process pool), so that the children and the
 * generations after a graceful restart all add to the same numbers. */
int tjwt_stats_post_config(apr_pool_t *pconf, server_rec *s);

/* mod_status's status_hook: a table on the HTML page, and
 * "TeleportJWT...: N" lines in the ?auto form. */
int tjwt_status_hook(request_rec *r, int flags);

#endif
