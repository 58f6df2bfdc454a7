/* Group-file parsing, as mod_authz_groupfile reads the same files: a group
 * name up to the first colon, then members separated by white space. */
#include "htgroup.h"
#include "values.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

/* Whether the white-space separated list in [c, end) names user. */
static int tjwt_lists_user(const char *c, const char *end, const char *user,
                           apr_size_t ulen)
{
    while (c < end) {
        const char *m;
        while (c < end && apr_isspace(*c))
            c++;
        for (m = c; c < end && !apr_isspace(*c); c++)
            ;
        if ((apr_size_t)(c - m) == ulen && memcmp(m, user, ulen) == 0)
            return 1;
    }
    return 0;
}

void tjwt_htgroup_groups(apr_pool_t *p, const char *text, const char *user,
                         apr_array_header_t *out)
{
    apr_size_t ulen = strlen(user);
    const char *line = text;

    while (line && *line) {
        const char *eol = strchr(line, '\n');
        const char *end = eol ? eol : line + strlen(line);
        const char *name = line, *name_end, *colon;

        while (name < end && apr_isspace(*name))
            name++;
        colon = memchr(name, ':', end - name);
        if (name < end && *name != '#' && colon) {
            for (name_end = colon; name_end > name && apr_isspace(name_end[-1]);
                 name_end--)
                ;
            if (name_end > name && tjwt_lists_user(colon + 1, end, user, ulen))
                tjwt_values_add(out, apr_pstrmemdup(p, name, name_end - name));
        }
        line = eol ? eol + 1 : NULL;
    }
}
