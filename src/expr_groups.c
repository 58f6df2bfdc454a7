/* An ap_expr function rather than a directive of our own: it composes
 * with every other expression feature, and it reads the same files that
 * mod_authz_groupfile's Require group reads, per request as that module
 * does, so a change of membership shows at once. */
#include "expr_groups.h"
#include "config.h"
#include "htgroup.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <http_log.h>

#define TJWT_GROUPS_FUNC "tjwt_groups"
/* A group file larger than this is a mistake, not a group file. */
#define TJWT_GROUPS_MAX (4 * 1024 * 1024)

static const char *tjwt_read_small(apr_pool_t *p, const char *path,
                                   const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t got;
    char *buf, ebuf[120];
    apr_status_t rv =
        apr_file_open(&f, path, APR_FOPEN_READ, APR_FPROT_OS_DEFAULT, p);

    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv == APR_SUCCESS && fi.size > TJWT_GROUPS_MAX)
        rv = APR_EINVAL;
    if (rv == APR_SUCCESS) {
        buf = apr_palloc(p, (apr_size_t)fi.size + 1);
        rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, &got);
        if (rv == APR_EOF)
            rv = APR_SUCCESS;
        if (rv == APR_SUCCESS)
            buf[got] = '\0';
    }
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "%s: cannot read group file %s: %s",
                            TJWT_GROUPS_FUNC, path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    apr_file_close(f);
    return buf;
}

static const char *tjwt_groups_func(ap_expr_eval_ctx_t *ctx, const void *data,
                                    const char *arg)
{
    request_rec *r = ctx->r;
    apr_array_header_t *groups;
    const char *path, *text;

    (void)data;
    if (!r || !r->user || !*r->user)
        return "";
    path = ap_server_root_relative(r->pool, arg);
    text = path ? tjwt_read_small(r->pool, path, ctx->err) : NULL;
    if (!text) {
        if (!path)
            *ctx->err = apr_psprintf(r->pool, "%s: invalid path %s",
                                     TJWT_GROUPS_FUNC, arg);
        return "";
    }
    groups = apr_array_make(r->pool, 4, sizeof(char *));
    tjwt_htgroup_groups(r->pool, text, r->user, groups);
    return apr_array_pstrcat(r->pool, groups, ',');
}

int tjwt_expr_lookup(ap_expr_lookup_parms *parms)
{
    if (parms->type != AP_EXPR_FUNC_STRING ||
        strcasecmp(parms->name, TJWT_GROUPS_FUNC) != 0)
        return DECLINED;
    /* A constant path is checked now, so that configtest names it. */
    if (parms->arg) {
        const char *path = ap_server_root_relative(parms->ptemp, parms->arg);
        const char *err = NULL;
        if (!path || !tjwt_read_small(parms->ptemp, path, &err)) {
            *parms->err =
                err ? err
                    : apr_psprintf(parms->ptemp, "invalid path %s", parms->arg);
            return !OK;
        }
    }
    *parms->func = (const void *)tjwt_groups_func;
    *parms->data = NULL;
    return OK;
}
