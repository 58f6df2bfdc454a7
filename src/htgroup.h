/* Group files in httpd's AuthGroupFile format ("group: user user ..."),
 * read for the groups a user belongs to, exactly as mod_authz_groupfile
 * reads them for Require group. */
#ifndef TJWT_HTGROUP_H
#define TJWT_HTGROUP_H

#include <apr_pools.h>
#include <apr_tables.h>

/* The separator tjwt_htgroup_groups' callers join groups with: the first
 * colon of a line ends the group's name, so no name contains one. */
#define TJWT_HTGROUP_SEP ':'

/* Appends to out (const char *) every group of the file at path that
 * lists user, in file order, once each (names compared without regard to
 * case, as Require group compares them; the first spelling is kept).
 * Returns what opening the file returned. */
apr_status_t tjwt_htgroup_groups(apr_pool_t *p, const char *path,
                                 const char *user, apr_array_header_t *out);

#endif
