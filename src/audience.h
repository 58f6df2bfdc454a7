/* The audience of a token when TeleportJWTAudience is auto: the origin of
 * the upstream the request is proxied to. */
#ifndef TJWT_AUDIENCE_H
#define TJWT_AUDIENCE_H

#include <httpd.h>

/* scheme://host[:port] of an absolute URL, lower-cased, with the port left
 * out when it is the scheme's default (RFC 6454 serialisation). Returns
 * NULL when url has no scheme or host. */
const char *tjwt_url_origin(apr_pool_t *p, const char *url);

/* The same through apr_uri_parse for every URL, without the fast path for
 * the usual form; for the unit tests, which compare the two. */
const char *tjwt_url_origin_full(apr_pool_t *p, const char *url);

/* The URL the request is proxied to (ProxyPass, RewriteRule [P],
 * SetHandler "proxy:..."; after the bar of a unix: socket target), or
 * NULL when it is not proxied. */
const char *tjwt_proxy_target(const request_rec *r);

/* The origin of the request's proxy target (ProxyPass, RewriteRule [P],
 * SetHandler "proxy:..."), or, when it is not proxied, of the client's
 * request that led to it. */
const char *tjwt_request_audience(request_rec *r);

#endif
