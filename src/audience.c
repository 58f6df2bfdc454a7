/* Audience from the proxy target. mod_proxy records the target in
 * r->filename ("proxy:URL") during translation or per-directory rewriting,
 * or in r->handler for SetHandler "proxy:URL", which it only folds into
 * r->filename at handler time. */
#include "audience.h"

#include <apr_strings.h>
#include <http_core.h>
#include <http_protocol.h>
#include <string.h>

const char *tjwt_request_audience(request_rec *r)
{
    const char *target = NULL, *origin = NULL;

    if (r->filename && strncmp(r->filename, "proxy:", 6) == 0)
        target = r->filename + 6;
    else if (r->handler && strncmp(r->handler, "proxy:", 6) == 0)
        target = r->handler + 6;
    if (target) {
        /* "unix:/path/to.sock|http://host/": the URL after the bar is
         * what the upstream sees itself as. */
        const char *bar = strchr(target, '|');
        if (strncasecmp(target, "unix:", 5) == 0 && bar)
            target = bar + 1;
        origin = tjwt_url_origin(r->pool, target);
    }
    if (!origin)
        origin = ap_construct_url(r->pool, "", r);
    return origin;
}
