/* Group-file reading. mod_authz_groupfile's groups_for_user decides what
 * Require group grants; a group list of our own that disagreed with it
 * would put roles in the token that Apache would not authorize (or the
 * reverse). So this reads the file with the same httpd calls, step for
 * step: httpd's config-file reader (continuation lines, trimming, lines
 * of any length up to the same limit), ap_getword up to the first colon
 * for the name, ap_getword_conf (quotes, backslashes) for the members,
 * and an apr_table, which is what makes names compare without regard to
 * case. Only the output differs: the file's order, which a table keeps. */
#include "htgroup.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <httpd.h>
#include <http_config.h>
#include <util_varbuf.h>

/* mod_authz_groupfile's own figures: the longest line it reads is its
 * VARBUF_MAX_LEN, and a longer one ends the file there as it does. */
#define TJWT_HTGROUP_LINE_INIT 512
#define TJWT_HTGROUP_LINE_MAX  (16L * 1024 * 1024)

apr_status_t tjwt_htgroup_groups(apr_pool_t *p, const char *path,
                                 const char *user, apr_array_header_t *out)
{
    ap_configfile_t *f;
    apr_table_t *groups = apr_table_make(p, 8);
    const apr_array_header_t *elts;
    apr_pool_t *sp;
    struct ap_varbuf vb;
    apr_status_t rv;
    int i;

    if ((rv = ap_pcfg_openfile(&f, p, path)) != APR_SUCCESS)
        return rv;
    /* Words of one line at a time; the file may be large. */
    apr_pool_create(&sp, p);
    ap_varbuf_init(p, &vb, TJWT_HTGROUP_LINE_INIT);
    while (ap_varbuf_cfg_getline(&vb, f, TJWT_HTGROUP_LINE_MAX) ==
           APR_SUCCESS) {
        const char *ll = vb.buf, *name;
        apr_size_t len;
        if (vb.buf[0] == '#' || !vb.buf[0])
            continue;
        apr_pool_clear(sp);
        name = ap_getword(sp, &ll, ':');
        len = strlen(name);
        while (len && apr_isspace(name[len - 1]))
            len--;
        while (ll[0]) {
            if (strcmp(ap_getword_conf(sp, &ll), user) == 0) {
                apr_table_setn(groups, apr_pstrmemdup(p, name, len), "in");
                break;
            }
        }
    }
    ap_cfg_closefile(f);
    apr_pool_destroy(sp);
    ap_varbuf_free(&vb);

    elts = apr_table_elts(groups);
    for (i = 0; i < elts->nelts; i++)
        APR_ARRAY_PUSH(out, const char *) =
            APR_ARRAY_IDX(elts, i, apr_table_entry_t).key;
    return APR_SUCCESS;
}
