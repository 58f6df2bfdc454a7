/* Durations as written in directives: "90s", "10m", "1h", "1d" or bare
 * seconds. */
#ifndef TJWT_DURATION_H
#define TJWT_DURATION_H

#include <apr.h>

/* Parses s into seconds within [min, max]. Returns NULL on success or a
 * static message saying what is accepted. */
const char *tjwt_duration_parse(const char *s, apr_int64_t min, apr_int64_t max,
                                apr_int64_t *secs);

#endif
