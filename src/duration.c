/* Parsing of human-written durations. */
#include "duration.h"

#include <apr_lib.h>

const char *tjwt_duration_parse(const char *s, apr_int64_t min, apr_int64_t max,
                                apr_int64_t *secs)
{
    static const char accepted[] =
        "a whole number of seconds followed by s, m, h or d "
        "(for example 90s, 10m, 1h)";
    apr_int64_t n = 0, unit = 1;
    const char *c = s;

    if (!apr_isdigit(*c))
        return accepted;
    for (; apr_isdigit(*c); c++) {
        n = n * 10 + (*c - '0');
        /* Stop before overflow; anything this large is out of range. */
        if (n > APR_INT64_C(100000000))
            return accepted;
    }
    switch (*c) {
    case '\0':
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    default:
        return accepted;
    }
    if (*c != '\0' && c[1] != '\0')
        return accepted;
    n *= unit;
    if (n < min || n > max)
        return "out of range";
    *secs = n;
    return NULL;
}
