/* Origins of URLs (RFC 6454), without httpd, so that the unit tests and
 * the fuzz target reach them. */
#ifndef TJWT_ORIGIN_H
#define TJWT_ORIGIN_H

#include <apr_pools.h>

/* scheme://host[:port] of an absolute URL, lower-cased, with the port left
 * out when it is the scheme's default (RFC 6454 serialisation). Returns
 * NULL when url has no scheme or host. */
const char *tjwt_url_origin(apr_pool_t *p, const char *url);

/* The same through apr_uri_parse for every URL, without the fast path for
 * the usual form; for the unit tests, which compare the two. */
const char *tjwt_url_origin_full(apr_pool_t *p, const char *url);

#endif
