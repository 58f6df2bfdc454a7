/* Access tokens. verify.c does the JWS and the registered claims, as an
 * upstream verifies the module's own tokens; on top of that an access
 * token must be for this resource alone, name a user, and grant the
 * scopes the resource requires. */
#include "oauth_token.h"
#include "values.h"
#include "verify.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <math.h> /* isfinite, a macro: no libm needed */
#include <stdlib.h>
#include <string.h>

/* aud is the resource: one string, or an array holding only it. A token
 * that several resources accept could be replayed from one to another. */
static int tjwt_oauth_aud_is(json_t *aud, const char *resource)
{
    if (json_is_array(aud) && json_array_size(aud) == 1)
        aud = json_array_get(aud, 0);
    return json_is_string(aud) && strcmp(json_string_value(aud), resource) == 0;
}

static int tjwt_oauth_alg_allowed(const char *alg)
{
    return alg && (strcmp(alg, "RS256") == 0 || strcmp(alg, "ES256") == 0 ||
                   strcmp(alg, "EdDSA") == 0);
}

/* Whole seconds, rounded down, without libm; within years 1970 to 9999,
 * so that the conversion is defined. */
static apr_int64_t tjwt_oauth_floor(double t)
{
    apr_int64_t n;

    if (!(t > 0))
        return 0;
    if (t > 253402300799.0)
        return 253402300799;
    n = (apr_int64_t)t;
    return (double)n > t ? n - 1 : n;
}

tjwt_oauth_result tjwt_oauth_check(apr_pool_t *p, const char *token,
                                   json_t *jwks, const tjwt_oauth_rules *rules,
                                   tjwt_oauth_outcome *out)
{
    tjwt_verify_opts vo;
    tjwt_verify_e rc;
    tjwt_jwt *t = NULL;
    const char *claim = rules->subject ? rules->subject : "sub", *missing;
    json_t *sub;

    memset(out, 0, sizeof(*out));
    vo.issuer = rules->issuer;
    vo.audience = rules->resource;
    vo.leeway = rules->leeway;
    vo.now = rules->now;
    rc = tjwt_verify(p, token, jwks, &vo, &t, &out->why);
    if (rc == TJWT_VERIFY_UNKNOWN_KID && t && t->kid &&
        tjwt_oauth_alg_allowed(t->alg))
        out->unknown_kid = 1;
    if (rc != TJWT_VERIFY_OK)
        return TJWT_OAUTH_INVALID;
    out->payload = t->payload;
    if (!tjwt_oauth_aud_is(json_object_get(t->payload, "aud"),
                           rules->resource)) {
        out->why = "wrong aud: the token is for other resources as well";
        return TJWT_OAUTH_INVALID;
    }
    sub = json_object_get(t->payload, claim);
    if (!json_is_string(sub) || !*json_string_value(sub) ||
        tjwt_value_problem(json_string_value(sub))) {
        out->why = apr_psprintf(p,
                                "no user: the %s claim is not a non-empty "
                                "string of printable text",
                                claim);
        return TJWT_OAUTH_INVALID;
    }
    out->user = json_string_value(sub);
    out->expires =
        tjwt_oauth_floor(json_number_value(json_object_get(t->payload, "exp")));
    if ((missing = tjwt_oauth_missing_scope(t->payload, rules->scopes))) {
        out->why =
            apr_psprintf(p, "insufficient scope: %s is not granted", missing);
        return TJWT_OAUTH_INSUFFICIENT_SCOPE;
    }
    out->why = "verified";
    return TJWT_OAUTH_OK;
}

/* Whether the space-separated list holds word. */
static int tjwt_oauth_in_list(const char *list, const char *word)
{
    apr_size_t n = strlen(word);
    const char *s = list;

    while ((s = strstr(s, word))) {
        if ((s == list || s[-1] == ' ') && (s[n] == ' ' || !s[n]))
            return 1;
        s += n;
    }
    return 0;
}

static int tjwt_oauth_granted(json_t *payload, const char *want)
{
    json_t *scope = json_object_get(payload, "scope");
    json_t *scp = json_object_get(payload, "scp"), *v;
    size_t i;

    if (json_is_string(scope) &&
        tjwt_oauth_in_list(json_string_value(scope), want))
        return 1;
    if (json_is_string(scp))
        return tjwt_oauth_in_list(json_string_value(scp), want);
    json_array_foreach(scp, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
            return 1;
    }
    return 0;
}

const char *tjwt_oauth_missing_scope(json_t *payload,
                                     const apr_array_header_t *required)
{
    int i;

    for (i = 0; required && i < required->nelts; i++) {
        const char *want = APR_ARRAY_IDX(required, i, const char *);
        if (!tjwt_oauth_granted(payload, want))
            return want;
    }
    return NULL;
}

/* A scalar as text, or NULL for null and for what is not a scalar. */
static const char *tjwt_oauth_scalar(apr_pool_t *p, json_t *v)
{
    char *s;
    const char *out;

    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_integer(v))
        return apr_psprintf(p, "%" APR_INT64_T_FMT,
                            (apr_int64_t)json_integer_value(v));
    if (!json_is_real(v))
        return NULL;
    s = json_dumps(v, JSON_ENCODE_ANY);
    out = s ? apr_pstrdup(p, s) : NULL;
    free(s);
    return out;
}

static const char *tjwt_oauth_value_text(apr_pool_t *p, json_t *v)
{
    const char *s = tjwt_oauth_scalar(p, v);
    apr_array_header_t *parts;
    json_t *m;
    size_t i;
    char *dump;

    if (s || json_is_null(v))
        return s;
    if (json_is_array(v)) {
        parts = apr_array_make(p, (int)json_array_size(v), sizeof(char *));
        json_array_foreach(v, i, m)
        {
            if (!(s = tjwt_oauth_scalar(p, m)))
                break;
            APR_ARRAY_PUSH(parts, const char *) = s;
        }
        if (i == json_array_size(v))
            return apr_array_pstrcat(p, parts, ',');
    }
    dump = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    s = dump ? apr_pstrdup(p, dump) : NULL;
    free(dump);
    return s;
}

void tjwt_oauth_claim_vars(apr_pool_t *p, json_t *payload, apr_table_t *vars)
{
    const char *name, *text;
    json_t *v, *exp = json_object_get(payload, "exp");
    char *var, *c;

    json_object_foreach(payload, name, v)
    {
        text = tjwt_oauth_value_text(p, v);
        /* A variable may end up in a header (TeleportJWTRoles, a
         * template, RequestHeader): nothing that could break one. */
        if (!text || tjwt_value_problem(text))
            continue;
        var = apr_pstrcat(p, TJWT_OAUTH_VAR_PREFIX, name, NULL);
        for (c = var + sizeof(TJWT_OAUTH_VAR_PREFIX) - 1; *c; c++) {
            if (!apr_isalnum(*c) && *c != '_')
                *c = '_';
        }
        apr_table_setn(vars, var, text);
    }
    if (json_is_number(exp) && isfinite(json_number_value(exp)))
        apr_table_setn(vars, TJWT_OAUTH_EXPIRES,
                       apr_psprintf(p, "%" APR_INT64_T_FMT,
                                    tjwt_oauth_floor(json_number_value(exp))));
}
