/* Claim sources (docs/claims.md, "Roles and traits"): roles, traits and the
 * identity expiry, from Apache expressions evaluated per request. */
#ifndef TJWT_SOURCES_H
#define TJWT_SOURCES_H

#include <ap_expr.h>
#include <httpd.h>

/* One TeleportJWTRoles or TeleportJWTTrait line. */
typedef struct {
    const char *name;     /* the trait; NULL for roles */
    ap_expr_info_t *expr; /* parsed at configuration time */
    const char *sep;      /* what values are split on */
} tjwt_value_src;

/* The roles (const char *) the sources yield, split, trimmed, without
 * empties or duplicates, in order. NULL with *err if an expression fails. */
apr_array_header_t *tjwt_sources_roles(request_rec *r,
                                       const apr_array_header_t *srcs,
                                       const char **err);

/* The traits (tjwt_trait) the sources yield; lines naming the same trait
 * add to it. NULL with *err if an expression fails. */
apr_array_header_t *tjwt_sources_traits(request_rec *r,
                                        const apr_array_header_t *srcs,
                                        const char **err);

/* The identity expiry in Unix seconds: returns 1 and sets *exp, 0 when
 * the expression yields nothing, -1 with *err when it fails or yields
 * something that is not a whole number of seconds. */
int tjwt_sources_expiry(request_rec *r, const ap_expr_info_t *expr,
                        apr_int64_t *exp, const char **err);

#endif
