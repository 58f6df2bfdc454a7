/* The key sets of OAuth authorization servers (TeleportJWTOAuthJWKS): a
 * file read at start-up, or an https URL fetched at start-up and again
 * when a token names a key the set lacks. */
#ifndef TJWT_JWKS_FETCH_H
#define TJWT_JWKS_FETCH_H

#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

typedef struct tjwt_jwks_source tjwt_jwks_source;

/* At most one fetch of a URL this often, per process: a client that sends
 * tokens with made-up kids must not make the server hammer the
 * authorization server. */
#define TJWT_JWKS_REFETCH_MIN apr_time_from_sec(30)
/* A set older than this is fetched again on its next use, so that a key
 * the authorization server withdrew stops being trusted. */
#define TJWT_JWKS_MAX_AGE apr_time_from_sec(3600)
/* The whole of one fetch, and the largest set taken. */
#define TJWT_JWKS_TIMEOUT  apr_time_from_sec(10)
#define TJWT_JWKS_MAX_SIZE (256 * 1024L)

/* The source for where (a file path, or an https:// URL) and ca_file
 * (PEM CA certificates for the URL; NULL: the system's). Sources are
 * shared: the same where and ca_file give the same source within one
 * configuration. A file is read and checked now. Returns NULL with *err. */
tjwt_jwks_source *tjwt_jwks_source_get(apr_pool_t *pconf, const char *where,
                                       const char *ca_file, const char **err);

/* pre_config: forgets the last configuration's sources. */
void tjwt_jwks_sources_reset(apr_pool_t *pconf);

/* post_config: fetches every URL source. A failure is logged through
 * log_error and leaves that set empty until a request fetches it. */
void tjwt_jwks_sources_fetch(apr_pool_t *ptemp,
                             void (*log_error)(void *ctx, const char *msg),
                             void *ctx);

/* Whether any source is a URL (libcurl is then needed). */
int tjwt_jwks_sources_any_url(void);

/* The source's current set, with a reference the caller releases
 * (json_decref); NULL when it has none yet. */
json_t *tjwt_jwks_source_keys(tjwt_jwks_source *s);

/* Fetches a URL source again unless it was tried less than min_interval
 * ago or another thread is fetching it. Returns 1 when the set was
 * replaced, 0 when not tried, -1 with *err when the fetch failed. A file
 * source returns 0. */
int tjwt_jwks_source_refresh(tjwt_jwks_source *s, apr_pool_t *p,
                             apr_interval_time_t min_interval,
                             const char **err);

/* Whether the source's set is older than TJWT_JWKS_MAX_AGE (or missing). */
int tjwt_jwks_source_stale(tjwt_jwks_source *s);

/* What the source is, for messages: the path or URL. */
const char *tjwt_jwks_source_name(const tjwt_jwks_source *s);

#endif
