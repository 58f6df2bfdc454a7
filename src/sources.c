/* Evaluating claim sources. The expressions were parsed at configuration
 * time; here they only run. */
#include "sources.h"
#include "claims.h"
#include "values.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

static const char *tjwt_eval(request_rec *r, const ap_expr_info_t *expr,
                             const char **err)
{
    const char *v = ap_expr_str_exec(r, expr, err);

    return *err ? NULL : v;
}

apr_array_header_t *tjwt_sources_roles(request_rec *r,
                                       const apr_array_header_t *srcs,
                                       const char **err)
{
    apr_array_header_t *roles = apr_array_make(r->pool, 4, sizeof(char *));
    int i;

    for (i = 0; srcs && i < srcs->nelts; i++) {
        const tjwt_value_src *src = &APR_ARRAY_IDX(srcs, i, tjwt_value_src);
        const char *v = tjwt_eval(r, src->expr, err);
        if (*err)
            return NULL;
        tjwt_values_split(r->pool, v, src->sep, roles);
    }
    return roles;
}

apr_array_header_t *tjwt_sources_traits(request_rec *r,
                                        const apr_array_header_t *srcs,
                                        const char **err)
{
    apr_array_header_t *traits = apr_array_make(r->pool, 4, sizeof(tjwt_trait));
    int i, j;

    for (i = 0; srcs && i < srcs->nelts; i++) {
        const tjwt_value_src *src = &APR_ARRAY_IDX(srcs, i, tjwt_value_src);
        const char *v = tjwt_eval(r, src->expr, err);
        tjwt_trait *t = NULL;
        if (*err)
            return NULL;
        for (j = 0; j < traits->nelts && !t; j++) {
            if (strcmp(APR_ARRAY_IDX(traits, j, tjwt_trait).name, src->name) ==
                0)
                t = &APR_ARRAY_IDX(traits, j, tjwt_trait);
        }
        if (!t) {
            t = apr_array_push(traits);
            t->name = src->name;
            t->values = apr_array_make(r->pool, 4, sizeof(char *));
        }
        tjwt_values_split(r->pool, v, src->sep, t->values);
    }
    return traits;
}

int tjwt_sources_expiry(request_rec *r, const ap_expr_info_t *expr,
                        apr_int64_t *exp, const char **err)
{
    const char *v = tjwt_eval(r, expr, err);
    char *end;
    apr_int64_t n;

    if (*err)
        return -1;
    while (v && apr_isspace(*v))
        v++;
    if (!v || !*v)
        return 0;
    n = apr_strtoi64(v, &end, 10);
    while (apr_isspace(*end))
        end++;
    if (*end || n <= 0) {
        *err = apr_psprintf(
            r->pool, "TeleportJWTExpiry yields '%s', not Unix seconds", v);
        return -1;
    }
    *exp = n;
    return 1;
}
