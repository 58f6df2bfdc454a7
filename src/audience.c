/* Audience from the proxy target. mod_proxy records the target in
 * r->filename ("proxy:URL") during translation or per-directory rewriting,
 * or in r->handler for SetHandler "proxy:URL", which it only folds into
 * r->filename at handler time. */
#include "audience.h"
#include "origin.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <string.h>

const char *tjwt_proxy_target(const request_rec *r)
{
    const char *target = NULL, *bar;

    if (r->filename && strncmp(r->filename, "proxy:", 6) == 0)
        target = r->filename + 6;
    else if (r->handler && strncmp(r->handler, "proxy:", 6) == 0)
        target = r->handler + 6;
    /* "unix:/path/to.sock|http://host/": the URL after the bar is what
     * the upstream sees itself as. */
    if (target && strncasecmp(target, "unix:", 5) == 0 &&
        (bar = strchr(target, '|')))
        target = bar + 1;
    return target;
}

const char *tjwt_request_audience(request_rec *r)
{
    const char *target = tjwt_proxy_target(r), *origin = NULL;
    request_rec *top = r;

    if (target)
        origin = tjwt_url_origin(r->pool, target);
    if (origin)
        return origin;
    /* A subrequest or a redirect serves the client's request: its origin
     * is the one the client addressed, port included, which only the
     * first request of the chain knows. */
    while (top->main || top->prev)
        top = top->main ? top->main : top->prev;
    return ap_construct_url(r->pool, "", top);
}
