/* The WWW-Authenticate challenge of an OAuth protected resource (RFC 6750
 * §3, RFC 9728 §5.1): the module's own, and the parameters it adds to
 * whichever module's challenge a response carries. No httpd here: the
 * unit tests call it. */
#ifndef TJWT_OAUTH_CHALLENGE_H
#define TJWT_OAUTH_CHALLENGE_H

#include <apr_pools.h>

typedef struct {
    const char *metadata_url; /* resource_metadata */
    const char *scope;        /* scope, space-separated; NULL for none */
} tjwt_challenge_params;

/* A Bearer challenge of the module's own: error and description may be
 * NULL (no credentials: no error code, RFC 6750 §3.1). Only error,
 * error_description and scope; tjwt_challenge_add puts the rest. */
const char *tjwt_challenge_bearer(apr_pool_t *p, const char *error,
                                  const char *description, const char *scope);

/* value (one WWW-Authenticate field value, any number of challenges)
 * with resource_metadata, and scope when given, added to each Bearer
 * challenge that lacks them. *bearer is set when the value holds a Bearer
 * challenge. Returns value itself when nothing changes, and NULL when the
 * value cannot be parsed (it is then left alone). */
const char *tjwt_challenge_add(apr_pool_t *p, const char *value,
                               const tjwt_challenge_params *params,
                               int *bearer);

/* text as an HTTP quoted-string. */
const char *tjwt_challenge_quote(apr_pool_t *p, const char *text);

#endif
