/* Splitting and de-duplicating claim values. Role and trait lists are
 * short (tens of values), so a linear scan beats hashing here. */
#include "values.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

int tjwt_has_ctl(const char *s)
{
    for (; *s; s++) {
        if (apr_iscntrl(*s))
            return 1;
    }
    return 0;
}

void tjwt_values_add(apr_array_header_t *out, const char *v)
{
    int i;

    for (i = 0; i < out->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(out, i, const char *), v) == 0)
            return;
    }
    APR_ARRAY_PUSH(out, const char *) = v;
}

void tjwt_values_split(apr_pool_t *p, const char *s, const char *sep,
                       apr_array_header_t *out)
{
    apr_size_t seplen = strlen(sep);
    const char *start = s, *end;

    if (!s)
        return;
    for (;;) {
        const char *hit = seplen ? strstr(start, sep) : NULL;
        const char *stop = hit ? hit : start + strlen(start);
        /* Trim, then keep what is left. */
        for (end = stop; end > start && apr_isspace(end[-1]); end--)
            ;
        while (start < end && apr_isspace(*start))
            start++;
        if (end > start)
            tjwt_values_add(out, apr_pstrmemdup(p, start, end - start));
        if (!hit)
            break;
        start = hit + seplen;
    }
}
