/* The tjwt_groups expression function: %{tjwt_groups:/path/to/groups}
 * gives the groups of the authenticated user in an AuthGroupFile-format
 * file, comma-separated, so that Basic authentication with groups can
 * feed TeleportJWTRoles. */
#ifndef TJWT_EXPR_GROUPS_H
#define TJWT_EXPR_GROUPS_H

#include <ap_expr.h>

/* The expr_lookup hook that provides the function. */
int tjwt_expr_lookup(ap_expr_lookup_parms *parms);

#endif
