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

/* Whether s holds a control character (CR, LF, NUL's neighbours, TAB,
 * DEL): such a value never goes into a header. */
int tjwt_has_ctl(const char *s);

/* Appends v to out unless out holds it already. */
void tjwt_values_add(apr_array_header_t *out, const char *v);

#endif
