/* An ap_expr function rather than a directive of our own: it composes
 * with every other expression feature, and it reads the same files that
 * mod_authz_groupfile's Require group reads, per request and with the
 * same reader as that module (htgroup.c), so a change of membership
 * shows at once and the two never disagree. */
#include "expr_groups.h"
#include "htgroup.h"

#include <apr_strings.h>
#include <http_config.h>
#include <http_log.h>

#define TJWT_GROUPS_FUNC "tjwt_groups"

static const char *tjwt_groups_error(apr_pool_t *p, const char *path,
                                     apr_status_t rv)
{
    char ebuf[120];

    return apr_psprintf(p, "%s: cannot read group file %s: %s",
                        TJWT_GROUPS_FUNC, path,
                        apr_strerror(rv, ebuf, sizeof(ebuf)));
}

static const char *tjwt_groups_func(ap_expr_eval_ctx_t *ctx, const void *data,
                                    const char *arg)
{
    request_rec *r = ctx->r;
    apr_array_header_t *groups;
    const char *path;
    apr_status_t rv;

    (void)data;
    if (!r || !r->user || !*r->user)
        return "";
    if (!(path = ap_server_root_relative(r->pool, arg))) {
        *ctx->err =
            apr_psprintf(r->pool, "%s: invalid path %s", TJWT_GROUPS_FUNC, arg);
        return "";
    }
    groups = apr_array_make(r->pool, 4, sizeof(char *));
    if ((rv = tjwt_htgroup_groups(r->pool, path, r->user, groups)) !=
        APR_SUCCESS) {
        *ctx->err = tjwt_groups_error(r->pool, path, rv);
        return "";
    }
    /* Joined with a character no group name holds (docs/identity.md:
     * TeleportJWTRoles "%{tjwt_groups:FILE}" ":"). */
    return apr_array_pstrcat(r->pool, groups, TJWT_HTGROUP_SEP);
}

int tjwt_expr_lookup(ap_expr_lookup_parms *parms)
{
    if (parms->type != AP_EXPR_FUNC_STRING ||
        strcasecmp(parms->name, TJWT_GROUPS_FUNC) != 0)
        return DECLINED;
    /* A constant path is checked now, so that configtest names it: opened
     * as mod_authz_groupfile opens it, which also refuses a directory. */
    if (parms->arg) {
        const char *path = ap_server_root_relative(parms->ptemp, parms->arg);
        ap_configfile_t *f;
        apr_status_t rv;
        if (!path) {
            *parms->err = apr_psprintf(parms->ptemp, "%s: invalid path %s",
                                       TJWT_GROUPS_FUNC, parms->arg);
            return !OK;
        }
        if ((rv = ap_pcfg_openfile(&f, parms->ptemp, path)) != APR_SUCCESS) {
            *parms->err = tjwt_groups_error(parms->ptemp, path, rv);
            return !OK;
        }
        ap_cfg_closefile(f);
    }
    *parms->func = (const void *)tjwt_groups_func;
    *parms->data = NULL;
    return OK;
}
