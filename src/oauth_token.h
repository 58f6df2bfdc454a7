/* What an OAuth access token must be before the module takes its subject
 * for the user (docs/mcp-authorization.md), and what of it the
 * configuration may read. No httpd here: the unit tests call it. */
#ifndef TJWT_OAUTH_TOKEN_H
#define TJWT_OAUTH_TOKEN_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <jansson.h>

typedef enum {
    TJWT_OAUTH_OK = 0,
    TJWT_OAUTH_INVALID,           /* 401 error="invalid_token" */
    TJWT_OAUTH_INSUFFICIENT_SCOPE /* 403 error="insufficient_scope" */
} tjwt_oauth_result;

typedef struct {
    const char *issuer;   /* iss must equal it */
    const char *resource; /* aud must equal it (RFC 8707) */
    const char *subject;  /* the claim that names the user; NULL: sub */
    const apr_array_header_t *scopes; /* const char *: all required */
    apr_int64_t leeway;               /* seconds, on exp, nbf and iat */
    apr_int64_t now;                  /* Unix seconds */
} tjwt_oauth_rules;

/* The outcome of checking one access token. */
typedef struct {
    json_t *payload;     /* the claims, once the signature held; pool-owned */
    const char *user;    /* the subject claim's value */
    apr_int64_t expires; /* exp, whole seconds */
    int unknown_kid;     /* a well-formed token whose kid the set lacks */
    const char *why;     /* one line for the error log */
} tjwt_oauth_outcome;

/* Checks token against the key set jwks: signature (RS256, ES256 or
 * EdDSA by the key's type, never none or HS*), iss, aud equal to the
 * resource (a string, or an array of that one string), exp present and
 * in the future, nbf and iat not in the future, each with the leeway; a
 * subject that is a non-empty string fit for a header; then the scopes. */
tjwt_oauth_result tjwt_oauth_check(apr_pool_t *p, const char *token,
                                   json_t *jwks, const tjwt_oauth_rules *rules,
                                   tjwt_oauth_outcome *out);

/* Whether the claims grant every scope in required: "scope", a
 * space-separated string (RFC 9068), or "scp", an array of strings or a
 * string. NULL if so, else the first scope missing. */
const char *tjwt_oauth_missing_scope(json_t *payload,
                                     const apr_array_header_t *required);

/* The claims as variables: OAUTH_CLAIM_<name> (characters other than
 * letters, digits and '_' in the name as '_'; strings as they are,
 * numbers and booleans as JSON writes them, an array of those joined with
 * ',', anything else as compact JSON; null and values unfit for a header
 * left out), and OAUTH_EXPIRES, exp in whole seconds. */
void tjwt_oauth_claim_vars(apr_pool_t *p, json_t *payload, apr_table_t *vars);

#define TJWT_OAUTH_VAR_PREFIX "OAUTH_CLAIM_"
#define TJWT_OAUTH_EXPIRES    "OAUTH_EXPIRES"

#endif
