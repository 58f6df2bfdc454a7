/* Counters in an anonymous shared memory segment: the children inherit it
 * at fork, and the parent keeps it in its process pool across restarts. */
#include "stats.h"
#include "config.h"
#include "counters.h"

#include <apr_atomic.h>
#include <apr_shm.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <mod_status.h>

#define TJWT_STATS_SHM_KEY "mod_teleport_jwt-stats"

/* Until post_config has placed them in shared memory (or if that fails)
 * the counters are this process's own. */
static apr_uint64_t tjwt_local_counters[TJWT_STAT_COUNT];
static volatile apr_uint64_t *tjwt_counters = tjwt_local_counters;
/* The cache's own word for what it is; this file only shows it. */
static const char *tjwt_cache_name = "in-process";

static const char *const tjwt_stat_names[TJWT_STAT_COUNT] = {
    "TokensSigned", "CacheHits",       "CacheMisses",
    "CacheErrors",  "SigningFailures", "TokensAwaited"};
static const char *const tjwt_stat_labels[TJWT_STAT_COUNT] = {
    "Tokens signed", "Cache hits",       "Cache misses",
    "Cache errors",  "Signing failures", "Tokens awaited"};

void tjwt_stats_inc(tjwt_stat_e which)
{
    apr_atomic_inc64(&tjwt_counters[which]);
}

void tjwt_stats_name_cache(const char *name)
{
    tjwt_cache_name = name;
}

int tjwt_stats_post_config(apr_pool_t *pconf, server_rec *s)
{
    apr_pool_t *pp = s->process->pool;
    apr_size_t size = sizeof(apr_uint64_t) * TJWT_STAT_COUNT;
    apr_shm_t *shm = NULL;
    apr_status_t rv;

    (void)pconf;
    /* The first pass at start-up (and configtest) serves no request. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    apr_pool_userdata_get((void **)&shm, TJWT_STATS_SHM_KEY, pp);
    /* A graceful restart into a build with more counters: a new segment
     * (the old one stays with the process pool), not writes past it. */
    if (shm && apr_shm_size_get(shm) < size)
        shm = NULL;
    if (!shm) {
        rv = apr_shm_create(&shm, size, NULL, pp);
        if (rv != APR_SUCCESS) {
            /* Not worth refusing to start for: the counters become per
             * process, and server-status shows one child's share. */
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         "mod_teleport_jwt: cannot create shared memory for "
                         "the counters; each process counts alone");
            return OK;
        }
        memset(apr_shm_baseaddr_get(shm), 0, size);
        apr_pool_userdata_set(shm, TJWT_STATS_SHM_KEY, apr_pool_cleanup_null,
                              pp);
    }
    tjwt_counters = apr_shm_baseaddr_get(shm);
    return OK;
}

int tjwt_status_hook(request_rec *r, int flags)
{
    apr_uint64_t v[TJWT_STAT_COUNT];
    apr_uint64_t lookups;
    const char *backend = tjwt_cache_name;
    int i;

    for (i = 0; i < TJWT_STAT_COUNT; i++)
        v[i] = apr_atomic_read64(&tjwt_counters[i]);
    lookups = v[TJWT_STAT_HITS] + v[TJWT_STAT_MISSES];
    if (flags & AP_STATUS_SHORT) {
        /* The release (configure.ac's AC_INIT, through Makefile.am, as
         * tjwt --version and the package have it): a fleet's versions can
         * be read here. */
        ap_rprintf(r, "TeleportJWTVersion: %s\n", TJWT_VERSION);
        ap_rprintf(r, "TeleportJWTCache: %s\n", backend);
        for (i = 0; i < TJWT_STAT_COUNT; i++)
            ap_rprintf(r, "TeleportJWT%s: %" APR_UINT64_T_FMT "\n",
                       tjwt_stat_names[i], v[i]);
        return OK;
    }
    ap_rputs("<hr />\n<h2>mod_teleport_jwt</h2>\n", r);
    ap_rputs("<p>Version " TJWT_VERSION "</p>\n", r);
    if (flags & AP_STATUS_NOTABLE) {
        ap_rprintf(r, "Token cache: %s<br />\n",
                   ap_escape_html(r->pool, backend));
        for (i = 0; i < TJWT_STAT_COUNT; i++)
            ap_rprintf(r, "%s: %" APR_UINT64_T_FMT "<br />\n",
                       tjwt_stat_labels[i], v[i]);
    }
    else {
        ap_rprintf(r,
                   "<table border=\"0\">\n<tr><th align=\"left\">Token "
                   "cache</th><td>%s</td></tr>\n",
                   ap_escape_html(r->pool, backend));
        for (i = 0; i < TJWT_STAT_COUNT; i++)
            ap_rprintf(r,
                       "<tr><th align=\"left\">%s</th><td>%" APR_UINT64_T_FMT
                       "</td></tr>\n",
                       tjwt_stat_labels[i], v[i]);
        ap_rputs("</table>\n", r);
    }
    if (lookups)
        ap_rprintf(r, "<p>Cache hit rate: %.1f%%</p>\n",
                   100.0 * (double)v[TJWT_STAT_HITS] / (double)lookups);
    return OK;
}
