/* What the directives of several files record in a scope's
 * configuration. */
#include "scope.h"
#include "htaccess.h"

void tjwt_own(cmd_parms *cmd, tjwt_dir_conf *d, const char *name)
{
    if (!d->owned)
        d->owned = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(d->owned, const char *) = name;
    if (tjwt_in_htaccess(cmd))
        return;
    if (!d->owned_by_server)
        d->owned_by_server = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(d->owned_by_server, const char *) = name;
}
