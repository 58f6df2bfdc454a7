/* Multi-valued claim values: one expression result split into values. */
#ifndef TJWT_VALUES_H
#define TJWT_VALUES_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Splits s on sep (a non-empty string), trims white space around each
 * value, drops empty values, and appends to out (const char *) each value
 * that out does not hold yet, so that duplicates keep their first place. */
void tjwt_values_split(apr_pool_t *p, const char *s, const char *sep,
                       apr_array_header_t *out);

/* NULL when s may be sent in a header value: valid UTF-8 (shortest
 * form, no surrogates, at most U+10FFFF) without a C0 control, DEL, a C1
 * control (U+0080..U+009F), U+2028 or U+2029. Otherwise what is wrong
 * with it, for a log line. */
const char *tjwt_value_problem(const char *s);

/* Appends v to out unless out holds it already. */
void tjwt_values_add(apr_array_header_t *out, const char *v);

#endif
