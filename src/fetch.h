/* One HTTPS GET with libcurl, for key sets: the module's authorization
 * server JWKS (jwks_fetch.c) and `tjwt verify --jwks URL`. */
#ifndef TJWT_FETCH_H
#define TJWT_FETCH_H

#include <apr_pools.h>
#include <apr_time.h>

typedef struct {
    apr_interval_time_t timeout; /* the whole fetch, resolving included */
    apr_size_t max_size;         /* the longest body taken */
    const char *ca_file;         /* PEM CA certificates; NULL: the system's */
    int allow_http; /* also http:// (the tool, for loopback servers) */
} tjwt_fetch_opts;

/* What libcurl needs once per process, before any thread fetches: the
 * module calls it in post_config, the tool at start. */
void tjwt_fetch_global_init(void);

/* The body of a 200 answer to GET url, NUL-terminated, its length in *len.
 * Certificates and host names are checked; redirects are refused; a body
 * over max_size and a fetch over the deadline fail. Returns NULL with *err,
 * one line that starts with the URL. */
const char *tjwt_fetch(apr_pool_t *p, const char *url, const tjwt_fetch_opts *o,
                       apr_size_t *len, const char **err);

#endif
