/* One fuzz target for the parsers that take input a client, a cache
 * server or another party controls. The first byte picks the parser; the
 * rest is its input, as NUL-separated fields where it takes several.
 * Besides crashes and the sanitizers' findings, each target checks a
 * property that must hold for every input (abort() when it does not):
 * the fast and the full URL origin agree, base64url decodes only its
 * canonical form, claims JSON parses back to the strings put in.
 *
 * `make fuzz` runs it under libFuzzer (clang); `make check` replays the
 * seeds in seeds/ through tjwt_fuzz_replay.c under AddressSanitizer and
 * UBSan, so that the target keeps building and every input once found
 * stays checked. */
#include "origin.h"
#include "b64url.h"
#include "cache.h"
#include "claims.h"
#include "duration.h"
#include "template.h"
#include "values.h"
#include "verify.h"

#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    TJWT_FZ_CACHE_ENTRY, /* an entry read back from Redis or memcached */
    TJWT_FZ_ORIGIN,      /* a proxy target URL (RewriteRule [P] etc.) */
    TJWT_FZ_VALUES,      /* a multi-valued claim source and separator */
    TJWT_FZ_B64URL,      /* base64url text */
    TJWT_FZ_VERIFY,      /* a token and a JWKS (tjwt verify) */
    TJWT_FZ_TEMPLATE,    /* a TeleportJWTHeader template and trait values */
    TJWT_FZ_DURATION,    /* a duration, and email.local of the same text */
    TJWT_FZ_CLAIMS,      /* claim strings into the token's JSON */
    TJWT_FZ_COUNT
};

static apr_pool_t *tjwt_fz_root;

/* Splits data (a copy, NUL-terminated) at NULs into up to max fields;
 * missing fields are empty. */
static void tjwt_fz_fields(apr_pool_t *p, const uint8_t *data, size_t size,
                           const char **f, int max)
{
    char *s = apr_pstrmemdup(p, (const char *)data, size);
    size_t at = 0;
    int k;

    for (k = 0; k < max; k++) {
        f[k] = at <= size ? s + at : "";
        at += strlen(f[k]) + 1;
    }
}

static void tjwt_fz_fail(const char *what, const char *detail)
{
    fprintf(stderr, "tjwt_fuzz: %s: [%s]\n", what, detail);
    abort();
}

static void tjwt_fz_cache_entry(apr_pool_t *p, const uint8_t *d, size_t n)
{
    tjwt_cache_entry e;
    tjwt_claims c;

    if (tjwt_cache_entry_decode(p, (const char *)d, n, &e) != 0)
        return;
    memset(&c, 0, sizeof(c));
    c.user = "alice";
    c.issuer = "https://issuer.example";
    c.audience = "http://127.0.0.1:4321";
    c.iat = 1764150000;
    c.exp = c.iat + 300;
    /* Whatever the entry, one that passes is a token and nothing else:
     * it goes into a request header as it is. */
    if (tjwt_cache_entry_matches(p, &e, "eyJhbGciOiJFUzI1NiJ9", 64, &c)) {
        const char *t;
        for (t = e.token; *t; t++)
            if (!apr_isalnum(*t) && !strchr("-_.", *t))
                tjwt_fz_fail("cache entry accepted with a non-token byte",
                             e.token);
    }
}

static void tjwt_fz_origin(apr_pool_t *p, const char *url)
{
    const char *fast = tjwt_url_origin(p, url);
    const char *full = tjwt_url_origin_full(p, url);

    if ((fast == NULL) != (full == NULL) || (fast && strcmp(fast, full)))
        tjwt_fz_fail("the fast and the full origin differ", url);
}

static void tjwt_fz_values(apr_pool_t *p, const char *s, const char *sep)
{
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(const char *));
    int i;

    if (!*sep)
        return;
    tjwt_values_split(p, s, sep, out);
    for (i = 0; i < out->nelts; i++) {
        const char *v = APR_ARRAY_IDX(out, i, const char *);
        if (!*v || strstr(v, sep))
            tjwt_fz_fail("a split value is empty or holds the separator", v);
        tjwt_value_problem(v);
    }
}

static void tjwt_fz_b64url(apr_pool_t *p, const uint8_t *d, size_t n)
{
    apr_size_t len;
    unsigned char *raw = tjwt_b64url_decode(p, (const char *)d, n, &len);
    char *again;

    if (!raw)
        return;
    again = tjwt_b64url_encode(p, raw, len);
    if (strlen(again) != n || memcmp(again, d, n) != 0)
        tjwt_fz_fail("base64url accepted a non-canonical text", again);
}

static void tjwt_fz_verify(apr_pool_t *p, const char *token, const char *keys)
{
    const char *err, *why;
    json_error_t je;
    json_t *jwks;
    tjwt_verify_opts o;
    tjwt_jwt *jwt;

    tjwt_jwt_parse(p, token, &err);
    jwks = json_loads(keys, 0, &je);
    if (!jwks)
        return;
    memset(&o, 0, sizeof(o));
    o.issuer = "https://issuer.example";
    o.audience = "http://127.0.0.1:4321";
    o.leeway = TJWT_VERIFY_DEFAULT_LEEWAY;
    o.now = 1764150000;
    tjwt_jwks_check(jwks);
    tjwt_verify(p, token, jwks, &o, &jwt, &why);
    json_decref(jwks);
}

static void tjwt_fz_template(apr_pool_t *p, const char **f)
{
    apr_array_header_t *traits = apr_array_make(p, 1, sizeof(tjwt_trait));
    tjwt_trait *t = apr_array_push(traits);
    tjwt_template *tpl;
    apr_array_header_t *out;
    int i;

    if (tjwt_template_parse(p, "X-Fuzz", f[0], &tpl) != NULL)
        return;
    t->name = f[1];
    t->values = apr_array_make(p, 2, sizeof(const char *));
    APR_ARRAY_PUSH(t->values, const char *) = f[2];
    APR_ARRAY_PUSH(t->values, const char *) = f[3];
    out = tjwt_template_eval(p, tpl, "header.payload.signature", traits);
    for (i = 0; i < out->nelts; i++)
        tjwt_value_problem(APR_ARRAY_IDX(out, i, const char *));
}

static void tjwt_fz_claims(apr_pool_t *p, const char **f)
{
    tjwt_claims c;
    tjwt_trait *t;
    const char *err;
    json_error_t je;
    json_t *v;
    char *json;

    memset(&c, 0, sizeof(c));
    c.user = f[0];
    c.issuer = f[1];
    c.audience = f[2];
    c.iat = 1764150000;
    c.exp = c.iat + 300;
    c.roles = apr_array_make(p, 1, sizeof(const char *));
    APR_ARRAY_PUSH(c.roles, const char *) = f[3];
    c.traits = apr_array_make(p, 1, sizeof(tjwt_trait));
    t = apr_array_push(c.traits);
    t->name = f[3];
    t->values = c.roles;
    json = tjwt_claims_to_json(p, &c, &err);
    if (!json)
        return;
    v = json_loads(json, JSON_REJECT_DUPLICATES, &je);
    if (!v || !json_is_string(json_object_get(v, "sub")) ||
        strcmp(json_string_value(json_object_get(v, "sub")), f[0]) != 0 ||
        strcmp(json_string_value(json_object_get(v, "iss")), f[1]) != 0)
        tjwt_fz_fail("the claims JSON does not parse back", json);
    json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const char *f[4];
    apr_int64_t secs;

    if (!tjwt_fz_root) {
        apr_initialize();
        apr_pool_create(&tjwt_fz_root, NULL);
    }
    if (size < 1)
        return 0;
    apr_pool_create(&p, tjwt_fz_root);
    tjwt_fz_fields(p, data + 1, size - 1, f, 4);
    switch (data[0] % TJWT_FZ_COUNT) {
    case TJWT_FZ_CACHE_ENTRY:
        tjwt_fz_cache_entry(p, data + 1, size - 1);
        break;
    case TJWT_FZ_ORIGIN:
        tjwt_fz_origin(p, f[0]);
        break;
    case TJWT_FZ_VALUES:
        tjwt_fz_values(p, f[0], f[1]);
        break;
    case TJWT_FZ_B64URL:
        tjwt_fz_b64url(p, data + 1, size - 1);
        break;
    case TJWT_FZ_VERIFY:
        tjwt_fz_verify(p, f[0], f[1]);
        break;
    case TJWT_FZ_TEMPLATE:
        tjwt_fz_template(p, f);
        break;
    case TJWT_FZ_DURATION:
        tjwt_duration_parse(f[0], 1, 366 * 86400, &secs);
        tjwt_email_local(p, f[0]);
        break;
    case TJWT_FZ_CLAIMS:
        tjwt_fz_claims(p, f);
        break;
    }
    apr_pool_destroy(p);
    return 0;
}
