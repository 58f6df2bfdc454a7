/* Splitting and de-duplicating claim values. Role and trait lists are
 * short (tens of values), so a linear scan beats hashing here. */
#include "values.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

const char *tjwt_value_problem(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned long cp, min;
    int n, i;

    while (*p) {
        if (*p < 0x80) {
            if (*p < 0x20 || *p == 0x7f)
                return "a control character";
            p++;
            continue;
        }
        /* Lead bytes C0, C1 and F5..FF never start a shortest-form
         * sequence of a code point up to U+10FFFF. */
        if (*p >= 0xc2 && *p <= 0xdf)
            n = 1, cp = *p & 0x1fu, min = 0x80;
        else if (*p >= 0xe0 && *p <= 0xef)
            n = 2, cp = *p & 0x0fu, min = 0x800;
        else if (*p >= 0xf0 && *p <= 0xf4)
            n = 3, cp = *p & 0x07u, min = 0x10000;
        else
            return "bytes that are not UTF-8";
        /* A NUL ends the loop here too: it is no continuation byte. */
        for (i = 1; i <= n; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return "bytes that are not UTF-8";
            cp = (cp << 6) | (p[i] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return "bytes that are not UTF-8";
        if (cp <= 0x9f)
            return "a control character";
        /* JavaScript and several log viewers take these for line ends. */
        if (cp == 0x2028 || cp == 0x2029)
            return "a line or paragraph separator";
        p += n + 1;
    }
    return NULL;
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
