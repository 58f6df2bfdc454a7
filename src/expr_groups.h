/* The tjwt_groups expression function: %{tjwt_groups:/path/to/groups}
 * gives the groups of the authenticated user in an AuthGroupFile-format
 * file, colon-separated (no group name holds a colon), so that Basic
 * authentication with groups can feed TeleportJWTRoles with ":" as its
 * separator. */
#ifndef TJWT_EXPR_GROUPS_H
#define TJWT_EXPR_GROUPS_H

#include <ap_expr.h>

/* The expr_lookup hook that provides the function. */
int tjwt_expr_lookup(ap_expr_lookup_parms *parms);

#endif
