/* Group files in httpd's AuthGroupFile format ("group: user user ..."),
 * read for the groups a user belongs to. */
#ifndef TJWT_HTGROUP_H
#define TJWT_HTGROUP_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Appends to out (const char *) every group of text whose member list
 * names user, in file order, once each. Lines starting with # are
 * comments; a group may span several lines. */
void tjwt_htgroup_groups(apr_pool_t *p, const char *text, const char *user,
                         apr_array_header_t *out);

#endif
