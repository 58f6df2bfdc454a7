/* Origins of URLs (RFC 6454), kept apart from the request code so that it
 * is testable without httpd. */
#include "audience.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <string.h>

const char *tjwt_url_origin(apr_pool_t *p, const char *url)
{
    apr_uri_t u;
    char *scheme, *host, *c;
    const char *port = "";

    if (apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme || !u.hostname ||
        !*u.hostname)
        return NULL;
    scheme = apr_pstrdup(p, u.scheme);
    for (c = scheme; *c; c++)
        *c = (char)apr_tolower(*c);
    host = apr_pstrdup(p, u.hostname);
    for (c = host; *c; c++)
        *c = (char)apr_tolower(*c);
    if (u.port_str && *u.port_str && u.port != apr_uri_port_of_scheme(scheme))
        port = apr_psprintf(p, ":%u", (unsigned)u.port);
    /* apr_uri_parse drops the brackets of an IPv6 literal. */
    if (strchr(host, ':'))
        host = apr_pstrcat(p, "[", host, "]", NULL);
    return apr_pstrcat(p, scheme, "://", host, port, NULL);
}
