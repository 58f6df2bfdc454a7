/* The audience of a token when TeleportJWTAudience is auto: the origin
 * (origin.h) of the upstream the request is proxied to. */
#ifndef TJWT_AUDIENCE_H
#define TJWT_AUDIENCE_H

#include <httpd.h>

/* The URL the request is proxied to (ProxyPass, RewriteRule [P],
 * SetHandler "proxy:..."; after the bar of a unix: socket target), or
 * NULL when it is not proxied. */
const char *tjwt_proxy_target(const request_rec *r);

/* The origin of the request's proxy target (ProxyPass, RewriteRule [P],
 * SetHandler "proxy:..."), or, when it is not proxied, of the client's
 * request that led to it. */
const char *tjwt_request_audience(request_rec *r);

#endif
