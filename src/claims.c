/* Teleport's claim set as compact JSON with sorted keys (docs/tokens.md,
 * "The token").
 *
 * Every string in the text, claim values and trait names alike, is
 * validated and escaped by jansson: each is made a json_t string and
 * dumped by json_dumpb into its place, so no byte a user or a directive
 * supplies reaches the token but through jansson's encoder. What this file
 * writes itself is only the frame jansson would write around them (the
 * fixed claim names, ':', ',', brackets) and the digits of the times.
 *
 * Not one jansson object dumped whole: that costs an allocation per
 * member and value and an snprintf per integer, too much for a cache
 * miss (docs/performance.md, item 6). The unit tests compare this writer
 * with such a dump on thousands of generated claim sets. */
#include "claims.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const tjwt_mode_names[] = {"roles-and-traits", "roles",
                                              "traits", "none"};

int tjwt_claims_mode_parse(const char *s, tjwt_claims_mode_e *mode)
{
    int i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(s, tjwt_mode_names[i]) == 0) {
            *mode = (tjwt_claims_mode_e)i;
            return 0;
        }
    }
    return -1;
}

const char *tjwt_claims_mode_name(tjwt_claims_mode_e mode)
{
    return tjwt_mode_names[mode];
}

/* The JSON text under construction, in the pool. A claim set is a few
 * hundred bytes: the first buffer nearly always holds it. */
typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap;
    int bad; /* a value jansson refused */
} tjwt_out;

#define TJWT_OUT_FIRST 1024

static void tjwt_out_room(tjwt_out *o, apr_size_t need)
{
    char *n;
    apr_size_t cap = o->cap;

    if (o->cap - o->len >= need)
        return;
    while (cap - o->len < need)
        cap *= 2;
    n = apr_palloc(o->p, cap);
    memcpy(n, o->buf, o->len);
    o->buf = n;
    o->cap = cap;
}

static void tjwt_out_lit(tjwt_out *o, const char *s, apr_size_t n)
{
    tjwt_out_room(o, n);
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

#define TJWT_LIT(o, s) tjwt_out_lit((o), (s), sizeof(s) - 1)

/* One string as jansson writes it: quoted, escaped, after jansson has
 * checked it is UTF-8. */
static void tjwt_out_str(tjwt_out *o, const char *s)
{
    json_t *v;
    size_t n;

    if (o->bad)
        return;
    if (!s || !(v = json_string(s))) {
        o->bad = 1;
        return;
    }
    n = json_dumpb(v, o->buf + o->len, o->cap - o->len, JSON_ENCODE_ANY);
    if (n > o->cap - o->len) {
        /* json_dumpb told how much it needs without writing past the
         * end: make the room and dump again. */
        tjwt_out_room(o, n);
        n = json_dumpb(v, o->buf + o->len, o->cap - o->len, JSON_ENCODE_ANY);
    }
    json_decref(v);
    if (n == 0)
        o->bad = 1;
    o->len += n;
}

/* The issuer and the audience are nearly always the same from one token
 * to the next (one per location), so each thread keeps jansson's text for
 * the last of each and writes it again for the same input: the bytes are
 * still jansson's, without a json_t made and dumped each time (a fifth of
 * the claims' cost). Fixed-size and per thread: no lock, nothing to free;
 * longer values are encoded each time. */
#define TJWT_MEMO_IN  256
#define TJWT_MEMO_OUT 1024
typedef struct {
    apr_size_t inlen, outlen;
    char in[TJWT_MEMO_IN];
    char out[TJWT_MEMO_OUT];
} tjwt_memo;

enum { TJWT_MEMO_ISSUER, TJWT_MEMO_AUDIENCE, TJWT_MEMO_COUNT };
static __thread tjwt_memo tjwt_memos[TJWT_MEMO_COUNT];

static void tjwt_out_str_memo(tjwt_out *o, const char *s, int which)
{
    tjwt_memo *m = &tjwt_memos[which];
    apr_size_t n = s ? strlen(s) : 0, start = o->len;

    if (n > 0 && m->inlen == n && memcmp(m->in, s, n) == 0) {
        tjwt_out_lit(o, m->out, m->outlen);
        return;
    }
    tjwt_out_str(o, s);
    if (!o->bad && n > 0 && n <= TJWT_MEMO_IN &&
        o->len - start <= TJWT_MEMO_OUT) {
        memcpy(m->in, s, n);
        m->inlen = n;
        memcpy(m->out, o->buf + start, o->len - start);
        m->outlen = o->len - start;
    }
}

/* A JSON integer, as jansson's "%lld" would print it. */
static void tjwt_out_int(tjwt_out *o, apr_int64_t v)
{
    char d[24], *e = d + sizeof(d), *s = e;
    /* Through unsigned, so that the most negative value has a magnitude. */
    apr_uint64_t u = v < 0 ? 0 - (apr_uint64_t)v : (apr_uint64_t)v;

    do {
        *--s = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--s = '-';
    tjwt_out_lit(o, s, (apr_size_t)(e - s));
}

static void tjwt_out_strings(tjwt_out *o, const apr_array_header_t *a)
{
    int i;

    TJWT_LIT(o, "[");
    for (i = 0; a && i < a->nelts; i++) {
        if (i)
            TJWT_LIT(o, ",");
        tjwt_out_str(o, APR_ARRAY_IDX(a, i, const char *));
    }
    TJWT_LIT(o, "]");
}

/* Whether jansson takes the name and values of a trait, without writing
 * them. */
static void tjwt_check_trait(tjwt_out *o, const tjwt_trait *t)
{
    json_t *v;
    int i;

    for (i = -1; !o->bad && i < t->values->nelts; i++) {
        v = json_string(i < 0 ? t->name
                              : APR_ARRAY_IDX(t->values, i, const char *));
        if (!v)
            o->bad = 1;
        json_decref(v);
    }
}

/* traits: an object of name -> array of values, with sorted names. A
 * trait without values says nothing and is left out; of two traits of
 * one name the later (with values) wins, as when a JSON object is given
 * one name twice. */
static void tjwt_out_traits(tjwt_out *o, const apr_array_header_t *traits)
{
    const tjwt_trait **sorted;
    int i, j, n = traits ? traits->nelts : 0, first = 1;

    /* A stable insertion sort: there are a handful, and equal names stay
     * in their given order. */
    /* NOLINTNEXTLINE(bugprone-sizeof-expression): an array of pointers. */
    sorted = apr_palloc(o->p, sizeof(*sorted) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        const tjwt_trait *t = &APR_ARRAY_IDX(traits, i, tjwt_trait);
        for (j = i; j > 0 && strcmp(sorted[j - 1]->name, t->name) > 0; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = t;
    }
    TJWT_LIT(o, "{");
    for (i = 0; i < n; i = j) {
        const tjwt_trait *use = NULL;
        /* The run of traits named as sorted[i]: the last with values. */
        for (j = i; j < n && strcmp(sorted[j]->name, sorted[i]->name) == 0;
             j++) {
            if (!sorted[j]->values || sorted[j]->values->nelts == 0)
                continue;
            /* One that is overridden is still checked: a value that is not
             * UTF-8 refuses the claim set wherever it is. */
            if (use)
                tjwt_check_trait(o, use);
            use = sorted[j];
        }
        if (!use)
            continue;
        if (!first)
            TJWT_LIT(o, ",");
        first = 0;
        tjwt_out_str(o, use->name);
        TJWT_LIT(o, ":");
        tjwt_out_strings(o, use->values);
    }
    TJWT_LIT(o, "}");
}

char *tjwt_claims_to_json(apr_pool_t *p, const tjwt_claims *c, const char **err)
{
    tjwt_out o;
    apr_size_t sub, sublen;
    int with_roles =
        c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS || c->mode == TJWT_CLAIMS_ROLES;
    int with_traits = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                      c->mode == TJWT_CLAIMS_TRAITS;

    o.p = p;
    o.cap = TJWT_OUT_FIRST;
    o.buf = apr_palloc(p, o.cap);
    o.len = 0;
    o.bad = 0;
    /* The claims in the order of their names. */
    TJWT_LIT(&o, "{\"aud\":[");
    tjwt_out_str_memo(&o, c->audience, TJWT_MEMO_AUDIENCE);
    TJWT_LIT(&o, "],\"exp\":");
    tjwt_out_int(&o, c->exp);
    /* iat is backdated like nbf (docs/tokens.md, "Clocks"): PyJWT and
     * go-jose refuse an iat in their future, which a clock a second ahead
     * of theirs would make of every token. c->iat stays the signing time. */
    TJWT_LIT(&o, ",\"iat\":");
    tjwt_out_int(&o, c->iat - TJWT_NBF_SKEW);
    TJWT_LIT(&o, ",\"iss\":");
    tjwt_out_str_memo(&o, c->issuer, TJWT_MEMO_ISSUER);
    TJWT_LIT(&o, ",\"nbf\":");
    tjwt_out_int(&o, c->iat - TJWT_NBF_SKEW);
    if (with_roles) {
        TJWT_LIT(&o, ",\"roles\":");
        tjwt_out_strings(&o, c->roles);
    }
    TJWT_LIT(&o, ",\"sub\":");
    sub = o.len;
    tjwt_out_str(&o, c->user);
    sublen = o.len - sub;
    if (with_traits) {
        TJWT_LIT(&o, ",\"traits\":");
        tjwt_out_traits(&o, c->traits);
    }
    TJWT_LIT(&o, ",\"username\":");
    /* The same text as sub, encoded once. */
    tjwt_out_room(&o, sublen);
    memcpy(o.buf + o.len, o.buf + sub, sublen);
    o.len += sublen;
    TJWT_LIT(&o, "}");
    if (o.bad) {
        *err = "a claim value is not valid UTF-8";
        return NULL;
    }
    tjwt_out_room(&o, 1);
    o.buf[o.len] = '\0';
    *err = NULL;
    return o.buf;
}
