/* Teleport's claim set as JSON (docs/tokens.md, "The token"): key order, claim
 * modes, and escaping done by jansson. */
#include "tjwt_unit.h"

#include "src/claims.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#define IAT APR_INT64_C(1700000000)
#define EXP (IAT + 600)

static apr_array_header_t *strings(apr_pool_t *p, const char *const *v)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(const char *));

    for (; *v; v++)
        APR_ARRAY_PUSH(a, const char *) = *v;
    return a;
}

static void add_trait(apr_array_header_t *traits, const char *name,
                      apr_array_header_t *values)
{
    tjwt_trait *t = apr_array_push(traits);

    t->name = name;
    t->values = values;
}

/* alice with two roles and two traits, given out of order so that sorting
 * is the code's doing. */
static tjwt_claims *full_claims(apr_pool_t *p)
{
    static const char *const roles[] = {"editor", "access", NULL};
    static const char *const logins[] = {"alice", "root", NULL};
    static const char *const groups[] = {"devs", NULL};
    tjwt_claims *c = apr_pcalloc(p, sizeof(*c));

    c->user = "alice";
    c->issuer = "teleport.example.com";
    c->audience = "http://127.0.0.1:8080";
    c->roles = strings(p, roles);
    c->traits = apr_array_make(p, 2, sizeof(tjwt_trait));
    add_trait(c->traits, "logins", strings(p, logins));
    add_trait(c->traits, "groups", strings(p, groups));
    c->mode = TJWT_CLAIMS_ROLES_AND_TRAITS;
    c->iat = IAT;
    c->exp = EXP;
    return c;
}

static char *to_json(const tjwt_claims *c)
{
    const char *err = NULL;
    char *s = tjwt_claims_to_json(tjwt_test_pool, c, &err);

    ck_assert_msg(s != NULL, "tjwt_claims_to_json failed: %s",
                  err ? err : "(no message)");
    return s;
}

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, 0, &e);

    ck_assert_msg(j != NULL, "output is not JSON (%s): %s", e.text, s);
    ck_assert(json_is_object(j));
    return j;
}

/* docs/tokens.md spelled out for the claims above: compact, keys sorted
 * at every level, roles in the given order, iat and nbf 10 s before the
 * signing time, sub = username. */
START_TEST(test_full_claim_set)
{
    const char *s = to_json(full_claims(tjwt_test_pool));

    ck_assert_str_eq(s, "{\"aud\":[\"http://127.0.0.1:8080\"],"
                        "\"exp\":1700000600,"
                        "\"iat\":1699999990,"
                        "\"iss\":\"teleport.example.com\","
                        "\"nbf\":1699999990,"
                        "\"roles\":[\"editor\",\"access\"],"
                        "\"sub\":\"alice\","
                        "\"traits\":{\"groups\":[\"devs\"],"
                        "\"logins\":[\"alice\",\"root\"]},"
                        "\"username\":\"alice\"}");
}
END_TEST

/* The same facts checked structurally, for another user and time, so that
 * nbf and sub are computed and not constants. */
START_TEST(test_derived_claims)
{
    tjwt_claims *c = full_claims(tjwt_test_pool);
    json_t *j, *aud;

    c->user = "bob@example.com";
    c->iat = 12345;
    c->exp = 99999;
    j = parse(to_json(c));
    ck_assert_int_eq(json_integer_value(json_object_get(j, "iat")),
                     12345 - TJWT_NBF_SKEW);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "nbf")),
                     12345 - TJWT_NBF_SKEW);
    ck_assert_int_eq(TJWT_NBF_SKEW, 10);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "exp")), 99999);
    ck_assert_str_eq(json_string_value(json_object_get(j, "sub")),
                     "bob@example.com");
    ck_assert_str_eq(json_string_value(json_object_get(j, "username")),
                     "bob@example.com");
    aud = json_object_get(j, "aud");
    ck_assert(json_is_array(aud));
    ck_assert_uint_eq(json_array_size(aud), 1);
    ck_assert_str_eq(json_string_value(json_array_get(aud, 0)),
                     "http://127.0.0.1:8080");
    ck_assert_uint_eq(json_object_size(j), 9);
    json_decref(j);
}
END_TEST

static const struct {
    const char *name;
    tjwt_claims_mode_e mode;
    int roles, traits;
} modes[] = {
    {"roles-and-traits", TJWT_CLAIMS_ROLES_AND_TRAITS, 1, 1},
    {"roles", TJWT_CLAIMS_ROLES, 1, 0},
    {"traits", TJWT_CLAIMS_TRAITS, 0, 1},
    {"none", TJWT_CLAIMS_NONE, 0, 0},
};

/* A dropped claim is absent, not empty; the seven others always stay. */
START_TEST(test_modes)
{
    static const char *const always[] = {"aud", "exp",      "iat", "iss",
                                         "nbf", "username", "sub"};
    tjwt_claims *c = full_claims(tjwt_test_pool);
    const char *s;
    json_t *j;
    size_t i;

    c->mode = modes[_i].mode;
    s = to_json(c);
    j = parse(s);
    for (i = 0; i < sizeof(always) / sizeof(always[0]); i++)
        ck_assert_msg(json_object_get(j, always[i]) != NULL,
                      "mode %s lost %s: %s", modes[_i].name, always[i], s);
    ck_assert_msg((json_object_get(j, "roles") != NULL) == modes[_i].roles,
                  "mode %s, roles: %s", modes[_i].name, s);
    ck_assert_msg((json_object_get(j, "traits") != NULL) == modes[_i].traits,
                  "mode %s, traits: %s", modes[_i].name, s);
    if (modes[_i].roles)
        ck_assert_uint_eq(json_array_size(json_object_get(j, "roles")), 2);
    if (modes[_i].traits)
        ck_assert_uint_eq(json_object_size(json_object_get(j, "traits")), 2);
    ck_assert_uint_eq(json_object_size(j),
                      7 + modes[_i].roles + modes[_i].traits);
    /* Not even the name may remain. */
    if (!modes[_i].roles)
        ck_assert_ptr_null(strstr(s, "\"roles\""));
    if (!modes[_i].traits)
        ck_assert_ptr_null(strstr(s, "\"traits\""));
    json_decref(j);
}
END_TEST

START_TEST(test_null_roles_and_traits)
{
    tjwt_claims *c = full_claims(tjwt_test_pool);
    const char *s;

    c->roles = NULL;
    c->traits = NULL;
    s = to_json(c);
    ck_assert_msg(strstr(s, "\"roles\":[]") != NULL, "%s", s);
    ck_assert_msg(strstr(s, "\"traits\":{}") != NULL, "%s", s);
}
END_TEST

/* Empty arrays (not NULL) mean the same as NULL. */
START_TEST(test_empty_roles_and_traits)
{
    tjwt_claims *c = full_claims(tjwt_test_pool);
    const char *s;

    c->roles = apr_array_make(tjwt_test_pool, 0, sizeof(const char *));
    c->traits = apr_array_make(tjwt_test_pool, 0, sizeof(tjwt_trait));
    s = to_json(c);
    ck_assert_msg(strstr(s, "\"roles\":[]") != NULL, "%s", s);
    ck_assert_msg(strstr(s, "\"traits\":{}") != NULL, "%s", s);
}
END_TEST

/* docs/claims.md ("Roles and traits"): a trait with no values is left out. */
START_TEST(test_trait_without_values)
{
    static const char *const one[] = {"x", NULL};
    tjwt_claims *c = full_claims(tjwt_test_pool);
    json_t *j, *traits;

    c->traits = apr_array_make(tjwt_test_pool, 3, sizeof(tjwt_trait));
    add_trait(c->traits, "empty",
              apr_array_make(tjwt_test_pool, 0, sizeof(const char *)));
    add_trait(c->traits, "kept", strings(tjwt_test_pool, one));
    add_trait(c->traits, "null", NULL);
    j = parse(to_json(c));
    traits = json_object_get(j, "traits");
    ck_assert_uint_eq(json_object_size(traits), 1);
    ck_assert_ptr_null(json_object_get(traits, "empty"));
    ck_assert_ptr_null(json_object_get(traits, "null"));
    ck_assert_str_eq(
        json_string_value(json_array_get(json_object_get(traits, "kept"), 0)),
        "x");
    json_decref(j);
}
END_TEST

/* Traits are sorted by name while they are added (no sort at dump time):
 * a later trait of the same name still wins, and an empty one still says
 * nothing. */
START_TEST(test_trait_order_and_duplicates)
{
    static const char *const one[] = {"1", NULL};
    static const char *const two[] = {"2", NULL};
    tjwt_claims *c = full_claims(tjwt_test_pool);
    char *s;

    c->mode = TJWT_CLAIMS_TRAITS;
    c->traits = apr_array_make(tjwt_test_pool, 5, sizeof(tjwt_trait));
    add_trait(c->traits, "zeta", strings(tjwt_test_pool, one));
    add_trait(c->traits, "alpha", strings(tjwt_test_pool, one));
    add_trait(c->traits, "mid", strings(tjwt_test_pool, one));
    add_trait(c->traits, "alpha", strings(tjwt_test_pool, two));
    add_trait(c->traits, "mid", NULL);
    s = to_json(c);
    ck_assert_msg(strstr(s, "\"traits\":{\"alpha\":[\"2\"],\"mid\":[\"1\"],"
                            "\"zeta\":[\"1\"]}") != NULL,
                  "traits: %s", s);
}
END_TEST

/* Quotes, backslashes, every kind of control character, and UTF-8 of two,
 * three and four bytes, in every place a caller's string lands. */
#define NASTY                                                                  \
    "q\"uo\\te/\b\f\n\r\t\x01\x1f\x7f caf\xc3\xa9 \xe6\x97\xa5 "               \
    "\xf0\x9f\x98\x80 </script>"

START_TEST(test_escaping)
{
    static const char *const vals[] = {NASTY, "plain", NULL};
    tjwt_claims *c = full_claims(tjwt_test_pool);
    const char *s;
    json_t *j, *roles, *traits;
    const unsigned char *u;

    c->user = NASTY;
    c->issuer = "iss " NASTY;
    c->audience = "aud " NASTY;
    c->roles = strings(tjwt_test_pool, vals);
    c->traits = apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_trait));
    add_trait(c->traits, "name " NASTY, strings(tjwt_test_pool, vals));
    s = to_json(c);
    /* JSON forbids raw control characters in strings (RFC 8259 §7). */
    for (u = (const unsigned char *)s; *u; u++)
        ck_assert_msg(*u >= 0x20, "raw control character 0x%02x in %s", *u, s);
    j = parse(s);
    ck_assert_str_eq(json_string_value(json_object_get(j, "sub")), NASTY);
    ck_assert_str_eq(json_string_value(json_object_get(j, "username")), NASTY);
    ck_assert_str_eq(json_string_value(json_object_get(j, "iss")),
                     "iss " NASTY);
    ck_assert_str_eq(
        json_string_value(json_array_get(json_object_get(j, "aud"), 0)),
        "aud " NASTY);
    roles = json_object_get(j, "roles");
    ck_assert_uint_eq(json_array_size(roles), 2);
    ck_assert_str_eq(json_string_value(json_array_get(roles, 0)), NASTY);
    ck_assert_str_eq(json_string_value(json_array_get(roles, 1)), "plain");
    traits = json_object_get(j, "traits");
    ck_assert_uint_eq(json_object_size(traits), 1);
    ck_assert_str_eq(json_string_value(json_array_get(
                         json_object_get(traits, "name " NASTY), 0)),
                     NASTY);
    json_decref(j);
}
END_TEST

/* Overlong, truncated, surrogate and stray continuation bytes. */
static const char *const bad_utf8[] = {
    "\xff", "a\xc3", "\xc0\xaf", "\xed\xa0\x80", "\x80x", "\xf4\x90\x80\x80",
};

/* _i picks the bad string and the field it goes into. */
START_TEST(test_invalid_utf8)
{
    static const char *const ok[] = {"ok", NULL};
    const char *bad = bad_utf8[_i / 5];
    const char *where[] = {"user", "role", "trait name", "trait value",
                           "issuer"};
    tjwt_claims *c = full_claims(tjwt_test_pool);
    const char *one[] = {bad, NULL};
    const char *err = NULL;
    char *s;

    switch (_i % 5) {
    case 0:
        c->user = bad;
        break;
    case 1:
        c->roles = strings(tjwt_test_pool, one);
        break;
    case 2:
        c->traits = apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_trait));
        add_trait(c->traits, bad, strings(tjwt_test_pool, ok));
        break;
    case 3:
        c->traits = apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_trait));
        add_trait(c->traits, "t", strings(tjwt_test_pool, one));
        break;
    case 4:
        c->issuer = bad;
        break;
    }
    s = tjwt_claims_to_json(tjwt_test_pool, c, &err);
    ck_assert_msg(s == NULL, "invalid UTF-8 in %s accepted: %s", where[_i % 5],
                  s);
    ck_assert_msg(err != NULL && *err, "no error for invalid UTF-8 in %s",
                  where[_i % 5]);
}
END_TEST

/* --- Differential test against the DOM-based serialiser -------------------
 *
 * tjwt_claims_to_json is being rewritten to write the object frame itself
 * (jansson then encodes only the string values). The old code is kept here
 * as the oracle: the new text must equal it byte for byte, and whatever it
 * refused must still be refused. */

/* ref_string_array, ref_traits_object and ref_claims_to_json are copied
 * verbatim from src/claims.c (commit 488bfb4) but for their names. Do not
 * "fix" them: a change here moves the target instead of catching a
 * regression. */
static json_t *ref_string_array(const apr_array_header_t *a)
{
    json_t *arr = json_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        json_t *s = json_string(APR_ARRAY_IDX(a, i, const char *));
        if (!s || json_array_append_new(arr, s) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *ref_traits_object(apr_pool_t *p,
                                 const apr_array_header_t *traits)
{
    json_t *obj = json_object();
    const tjwt_trait **sorted;
    int i, j, n = traits ? traits->nelts : 0;

    /* In the order of their names (a stable insertion sort: there are a
     * handful), because the object is dumped in insertion order. A later
     * trait of the same name replaces an earlier one in place, as it
     * would in a sorted dump. */
    sorted = apr_palloc(p, sizeof(*sorted) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        const tjwt_trait *t = &APR_ARRAY_IDX(traits, i, tjwt_trait);
        for (j = i; j > 0 && strcmp(sorted[j - 1]->name, t->name) > 0; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = t;
    }
    for (i = 0; i < n; i++) {
        const tjwt_trait *t = sorted[i];
        json_t *vals;
        /* A trait without values says nothing: leave it out. */
        if (!t->values || t->values->nelts == 0)
            continue;
        vals = ref_string_array(t->values);
        if (!vals || json_object_set_new(obj, t->name, vals) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static char *ref_claims_to_json(apr_pool_t *p, const tjwt_claims *c,
                                const char **err)
{
    json_t *o = json_object();
    json_t *v, *a;
    char buf[1024], *out = NULL;
    size_t len;
    int with_roles =
        c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS || c->mode == TJWT_CLAIMS_ROLES;
    int with_traits = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                      c->mode == TJWT_CLAIMS_TRAITS;

    /* The claims go in in the order of their names: jansson (2.8 and
     * later) keeps insertion order, so the text comes out with sorted keys
     * without a sort on every signature. The names are literals: no UTF-8
     * check. */
    *err = "a claim value is not valid UTF-8";
    if (!(v = json_string(c->audience)))
        goto done;
    if (!(a = json_array())) {
        json_decref(v);
        goto done;
    }
    if (json_array_append_new(a, v) || json_object_set_new_nocheck(o, "aud", a))
        goto done;
    json_object_set_new_nocheck(o, "exp", json_integer(c->exp));
    json_object_set_new_nocheck(o, "iat", json_integer(c->iat - TJWT_NBF_SKEW));
    if (!(v = json_string(c->issuer)) ||
        json_object_set_new_nocheck(o, "iss", v))
        goto done;
    json_object_set_new_nocheck(o, "nbf", json_integer(c->iat - TJWT_NBF_SKEW));
    if (with_roles) {
        if (!(v = ref_string_array(c->roles)) ||
            json_object_set_new_nocheck(o, "roles", v))
            goto done;
    }
    if (!(v = json_string(c->user)))
        goto done;
    if (json_object_set_nocheck(o, "sub", v)) {
        json_decref(v);
        goto done;
    }
    if (with_traits) {
        json_t *t = ref_traits_object(p, c->traits);
        if (!t || json_object_set_new_nocheck(o, "traits", t)) {
            json_decref(v);
            goto done;
        }
    }
    if (json_object_set_new_nocheck(o, "username", v))
        goto done;
    /* Straight into the pool: json_dumps would build the text in a
     * growing heap buffer and copy it out, on every signature. */
    len = json_dumpb(o, buf, sizeof(buf), JSON_COMPACT);
    if (len >= sizeof(buf)) {
        out = apr_palloc(p, len + 1);
        if (json_dumpb(o, out, len, JSON_COMPACT) != len)
            len = 0;
    }
    else if (len > 0) {
        out = apr_pstrmemdup(p, buf, len);
    }
    if (len > 0) {
        out[len] = '\0';
        *err = NULL;
    }
    else {
        out = NULL;
        *err = "cannot serialise the claims";
    }
done:
    json_decref(o);
    return out;
}

/* The claim-set generator. Its own xorshift64 with a fixed seed, not
 * rand(): the same claim sets on every libc, so that a failing iteration
 * number means the same input everywhere. */
#define DIFF_SEED       APR_UINT64_C(0x9e3779b97f4a7c15)
#define DIFF_ITERATIONS 5000
/* Enough for the longest string: 3000 bytes, then one last character and
 * one ill-formed sequence of up to 4 bytes each. */
#define DIFF_MAX_STRING 3100

typedef struct {
    apr_uint64_t state;
    apr_pool_t *p;
    /* Whether strings of this claim set may carry invalid UTF-8: only some
     * sets do, so that most of them get as far as the text. */
    int bad;
} diff_gen;

/* A generator from seed, with a pool of its own that each claim set
 * clears: thousands of sets with texts of up to a few KiB would
 * otherwise pile up in the test's pool. */
static void gen_start(diff_gen *g, apr_uint64_t seed)
{
    g->state = seed;
    g->bad = 0;
    ck_assert_int_eq(apr_pool_create(&g->p, tjwt_test_pool), APR_SUCCESS);
}

static apr_uint64_t gen_next(diff_gen *g)
{
    g->state ^= g->state << 13;
    g->state ^= g->state >> 7;
    g->state ^= g->state << 17;
    return g->state;
}

/* In [0, n); the modulo bias does not matter here. */
static unsigned gen_below(diff_gen *g, unsigned n)
{
    return (unsigned)(gen_next(g) % n);
}

static size_t put_utf8(char *b, unsigned long cp)
{
    if (cp < 0x80) {
        b[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    b[0] = (char)(0xf0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    b[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* Code points at the edges of each UTF-8 length and of the surrogate
 * range, the BOM, and U+2028/U+2029 (JavaScript line ends, which jansson
 * leaves raw unless asked to escape them). */
static const char *const edge_chars[] = {
    "\xc2\x80",         "\xdf\xbf",     "\xe0\xa0\x80", "\xed\x9f\xbf",
    "\xee\x80\x80",     "\xef\xbb\xbf", "\xef\xbf\xbf", "\xf0\x90\x80\x80",
    "\xf4\x8f\xbf\xbf", "\xe2\x80\xa8", "\xe2\x80\xa9",
};

/* One valid character (or escape-worthy ASCII byte) at b; returns its
 * length. Plain letters weigh most, as in real names. */
static size_t gen_char(diff_gen *g, char *b)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyz"
                                  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned long cp;

    switch (gen_below(g, 16)) {
    case 0:
        b[0] = '"';
        return 1;
    case 1:
        b[0] = '\\';
        return 1;
    case 2:
        b[0] = '/';
        return 1;
    case 3:
        /* Every control character but NUL, which no C string holds. */
        b[0] = (char)(1 + gen_below(g, 0x1f));
        return 1;
    case 4:
        b[0] = 0x7f;
        return 1;
    case 5:
        /* Any printable ASCII, space included. */
        b[0] = (char)(0x20 + gen_below(g, 0x5f));
        return 1;
    case 6:
        return put_utf8(b, 0x80 + gen_below(g, 0x800 - 0x80));
    case 7:
        /* Three bytes, skipping the surrogates. */
        cp = 0x800 + gen_below(g, 0x10000 - 0x800 - 0x800);
        return put_utf8(b, cp >= 0xd800 ? cp + 0x800 : cp);
    case 8:
        return put_utf8(b, 0x10000 + gen_below(g, 0x110000 - 0x10000));
    case 9: {
        const char *e = edge_chars[gen_below(
            g, (unsigned)(sizeof(edge_chars) / sizeof(edge_chars[0])))];
        size_t n = strlen(e);
        memcpy(b, e, n);
        return n;
    }
    default:
        b[0] = letters[gen_below(g, (unsigned)(sizeof(letters) - 1))];
        return 1;
    }
}

/* One ill-formed sequence at b. Only one goes into a string, and never
 * next to another, so a truncated sequence cannot be completed by what
 * follows: the next byte is ASCII, a lead byte or the end. */
static size_t gen_bad(diff_gen *g, char *b)
{
    static const char *const fixed[] = {
        "\xc0\xaf",         "\xc1\xbf",         /* overlong 2 bytes */
        "\xe0\x80\xaf",     "\xe0\x9f\xbf",     /* overlong 3 bytes */
        "\xf0\x80\x80\xaf", "\xf0\x8f\xbf\xbf", /* overlong 4 bytes */
        "\xed\xa0\x80",     "\xed\xbf\xbf",     /* surrogates */
        "\xf4\x90\x80\x80",                     /* above U+10FFFF */
    };
    const char *f;
    size_t n;

    switch (gen_below(g, 6)) {
    case 0:
        /* A lone continuation byte. */
        b[0] = (char)(0x80 + gen_below(g, 0x40));
        return 1;
    case 1:
        /* A sequence of two, three or four bytes cut short. */
        n = put_utf8(b, gen_below(g, 3) == 0 ? 0x80 + gen_below(g, 0x780)
                        : gen_below(g, 2) == 0
                            ? 0x800 + gen_below(g, 0xf800)
                            : 0x10000 + gen_below(g, 0x100000));
        return 1 + gen_below(g, (unsigned)n - 1);
    case 2:
        /* A byte that never occurs in UTF-8, alone or as a lead. */
        b[0] = (char)(0xf5 + gen_below(g, 0x100 - 0xf5));
        n = 1 + gen_below(g, 4);
        memset(b + 1, 0x80, n - 1);
        return n;
    default:
        f = fixed[gen_below(g, (unsigned)(sizeof(fixed) / sizeof(fixed[0])))];
        n = strlen(f);
        memcpy(b, f, n);
        return n;
    }
}

/* A string of the mix: empty now and then, mostly short, sometimes long
 * (600-3000 bytes, so that the text outgrows a 1 KiB buffer), and in a
 * "bad" claim set sometimes with one ill-formed sequence in it. */
static const char *gen_string(diff_gen *g)
{
    char b[DIFF_MAX_STRING + 1];
    size_t len = 0, target, bad_at = 0;
    int bad = g->bad && gen_below(g, 5) == 0;

    if (gen_below(g, 50) == 0)
        target = 600 + gen_below(g, 2401);
    else
        target = gen_below(g, 8) == 0 ? 0 : 1 + gen_below(g, 24);
    if (bad)
        bad_at = gen_below(g, (unsigned)target + 1);
    while (len < target || bad) {
        if (bad && len >= bad_at) {
            len += gen_bad(g, b + len);
            bad = 0;
        }
        else {
            len += gen_char(g, b + len);
        }
    }
    return apr_pstrmemdup(g->p, b, len);
}

/* A Unix time. Zero, small values of both signs, the neighbours of the
 * nbf skew (so that nbf crosses zero), powers of ten and their neighbours
 * (every digit count), magnitudes up to 2^53 of both signs, and, rarely,
 * the int64 limits: the reference is defined there (iat - 10 stays
 * in range for the values chosen), and a hand-written formatter's classic
 * slip is the most negative value. */
static apr_int64_t gen_time(diff_gen *g, int is_iat)
{
    static const apr_int64_t edges[] = {
        0,
        1,
        -1,
        TJWT_NBF_SKEW - 1,
        TJWT_NBF_SKEW,
        TJWT_NBF_SKEW + 1,
        -TJWT_NBF_SKEW,
        APR_INT64_C(2147483647),
        APR_INT64_C(2147483648),
        -APR_INT64_C(2147483648),
        -APR_INT64_C(2147483649),
        APR_INT64_C(4294967296),
        APR_INT64_C(9007199254740991),
        APR_INT64_C(9007199254740992),
        -APR_INT64_C(9007199254740991),
        -APR_INT64_C(9007199254740992),
    };
    apr_int64_t v;
    unsigned k;

    switch (gen_below(g, 10)) {
    case 0:
        return edges[gen_below(g,
                               (unsigned)(sizeof(edges) / sizeof(edges[0])))];
    case 1:
        return (apr_int64_t)gen_below(g, 2001) - 1000;
    case 2:
        for (v = 1, k = gen_below(g, 16); k > 0; k--)
            v *= 10;
        v += (apr_int64_t)gen_below(g, 3) - 1;
        return gen_below(g, 2) ? -v : v;
    case 3:
    case 4:
        /* Below 2^53, with a random bit length for every digit count. */
        v = (apr_int64_t)(gen_next(g) >> (11 + gen_below(g, 53)));
        return gen_below(g, 2) ? -v : v;
    case 5:
        if (gen_below(g, 4) == 0) {
            if (gen_below(g, 2))
                return APR_INT64_MAX;
            return is_iat ? APR_INT64_MIN + TJWT_NBF_SKEW : APR_INT64_MIN;
        }
        /* fall through */
    default:
        /* Today's times, as the module really sees them. */
        return APR_INT64_C(1700000000) + (apr_int64_t)gen_below(g, 100000000);
    }
}

/* NULL one time in six (the caller's "none"), otherwise 0 to max
 * strings. */
static apr_array_header_t *gen_strings(diff_gen *g, unsigned max)
{
    apr_array_header_t *a;
    unsigned n;

    if (gen_below(g, 6) == 0)
        return NULL;
    n = gen_below(g, max + 1);
    a = apr_array_make(g->p, (int)(n ? n : 1), sizeof(const char *));
    while (n-- > 0)
        APR_ARRAY_PUSH(a, const char *) = gen_string(g);
    return a;
}

/* Half the trait names come from a handful, so that a set of up to four
 * traits often repeats one (the later non-empty one must win). */
static const char *gen_trait_name(diff_gen *g)
{
    static const char *const common[] = {"logins", "groups", "a", ""};

    if (gen_below(g, 2))
        return common[gen_below(g, 4)];
    return gen_string(g);
}

static tjwt_claims *gen_claims(diff_gen *g)
{
    tjwt_claims *c = apr_pcalloc(g->p, sizeof(*c));
    unsigned n;

    g->bad = gen_below(g, 4) == 0;
    c->user = gen_string(g);
    c->issuer = gen_string(g);
    c->audience = gen_string(g);
    c->mode = (tjwt_claims_mode_e)gen_below(g, 4);
    c->iat = gen_time(g, 1);
    c->exp = gen_time(g, 0);
    /* Not a claim: whatever it holds must not show. */
    c->identity_expiry = (apr_int64_t)(gen_next(g) >> 1);
    c->roles = gen_strings(g, 4);
    if (gen_below(g, 6) == 0)
        return c; /* traits NULL */
    n = gen_below(g, 5);
    c->traits = apr_array_make(g->p, (int)(n ? n : 1), sizeof(tjwt_trait));
    while (n-- > 0) {
        const char *name = gen_trait_name(g);
        /* gen_strings gives NULL and empty lists too: both are left out. */
        add_trait(c->traits, name, gen_strings(g, 3));
    }
    return c;
}

/* Lengthens the audience with plain letters until the reference text is
 * within three bytes of a power of two from 256 to 8192: the buffer sizes
 * a serialiser is likely to pick, where off-by-one slips live. want is the
 * reference text before; returns it after. */
static char *pad_to_edge(diff_gen *g, tjwt_claims *c, const char *want,
                         const char **err)
{
    size_t len = strlen(want), edge = 256, target, pad;
    char *s;

    while (edge - 3 <= len && edge < 8192)
        edge *= 2;
    if (edge - 3 <= len)
        return (char *)want;
    /* A random edge at or above the first one the text fits under. */
    while (edge < 8192 && gen_below(g, 2))
        edge *= 2;
    target = edge - 3 + gen_below(g, 7);
    pad = target - len;
    s = apr_palloc(g->p, strlen(c->audience) + pad + 1);
    memcpy(s, c->audience, strlen(c->audience));
    memset(s + strlen(c->audience), 'x', pad);
    s[strlen(c->audience) + pad] = '\0';
    c->audience = s;
    s = ref_claims_to_json(g->p, c, err);
    ck_assert_msg(s && strlen(s) == target, "padding missed %zu bytes", target);
    return s;
}

static size_t first_difference(const char *a, const char *b)
{
    size_t i = 0;

    while (a[i] && a[i] == b[i])
        i++;
    return i;
}

/* Checks the writer against the reference's answer for c at iteration i:
 * both refuse (the writer with an error) or both give the same bytes.
 * Returns the length of the text, or -1 when both refused. */
static long agrees_with_reference(int i, apr_pool_t *p, const tjwt_claims *c,
                                  const char *want, const char *want_err)
{
    const char *got_err = NULL;
    char *got = tjwt_claims_to_json(p, c, &got_err);
    size_t off, from;

    if (!got || !want) {
        ck_assert_msg(!got && !want,
                      "iteration %d: new %s, reference %s\n"
                      " new: %.400s\n ref: %.400s",
                      i, got ? "accepted" : "refused",
                      want ? "accepted" : "refused", got ? got : got_err,
                      want ? want : want_err);
        ck_assert_msg(got_err && *got_err,
                      "iteration %d: refused without an error", i);
        return -1;
    }
    off = first_difference(got, want);
    from = off > 64 ? off - 64 : 0;
    /* The texts can run to KiBs, and check cuts a message at 4 KiB: show
     * both from a little before the first difference. */
    ck_assert_msg(got[off] == want[off],
                  "iteration %d: texts differ at byte %zu (new %zu bytes, "
                  "reference %zu); from byte %zu:\n"
                  " new: %.400s\n ref: %.400s",
                  i, off, strlen(got), strlen(want), from, got + from,
                  want + from);
    return (long)strlen(want);
}

/* The rewrite against the reference on 5000 generated claim sets: both
 * refuse (the new one with an error), or both give the same bytes. */
START_TEST(test_differential)
{
    diff_gen g;
    int i, refused = 0, long_texts = 0, edges = 0;

    gen_start(&g, DIFF_SEED);
    for (i = 0; i < DIFF_ITERATIONS; i++) {
        const char *want_err = NULL;
        char *want;
        tjwt_claims *c;
        long len;

        apr_pool_clear(g.p);
        c = gen_claims(&g);
        want = ref_claims_to_json(g.p, c, &want_err);
        if (want && gen_below(&g, 8) == 0) {
            want = pad_to_edge(&g, c, want, &want_err);
            edges++;
        }
        len = agrees_with_reference(i, g.p, c, want, want_err);
        if (len < 0)
            refused++;
        else if (len > 1024)
            long_texts++;
    }
    /* The generator must have reached both the refusal and the
     * large-buffer paths, or the agreement above proves little. */
    ck_assert_msg(refused >= DIFF_ITERATIONS / 20, "only %d refused sets",
                  refused);
    ck_assert_msg(long_texts >= DIFF_ITERATIONS / 20,
                  "only %d texts over 1 KiB", long_texts);
    ck_assert_msg(edges >= DIFF_ITERATIONS / 20,
                  "only %d texts at buffer edges", edges);
}
END_TEST

/* The issuer and audience of one location repeat from token to token, and
 * the writer replays jansson's text for a repeated one: generated sets
 * whose issuer and audience are drawn, half the time, from a few earlier
 * values (long, escaped, invalid ones among them) still agree with the
 * reference, the new value right after a repeated one too. */
START_TEST(test_differential_repeats)
{
    diff_gen g;
    const char *seen[8];
    int i, n = 0, replayed = 0;

    gen_start(&g, DIFF_SEED + 1);
    for (i = 0; i < DIFF_ITERATIONS; i++) {
        const char *want_err = NULL;
        char *want;
        tjwt_claims *c;
        int repeat = 0;

        apr_pool_clear(g.p);
        c = gen_claims(&g);
        if (n > 0 && gen_below(&g, 2) == 0) {
            c->issuer = seen[gen_below(&g, (unsigned)n)];
            c->audience = seen[gen_below(&g, (unsigned)n)];
            repeat = 1;
        }
        else if (c->issuer) {
            /* Kept in the test's pool: g.p is cleared every time. */
            seen[n < 8 ? n++ : (int)gen_below(&g, 8)] =
                apr_pstrdup(tjwt_test_pool, c->issuer);
        }
        want = ref_claims_to_json(g.p, c, &want_err);
        /* Count only the repeats that were written: a refused set never
         * reaches the replayed text. */
        if (agrees_with_reference(i, g.p, c, want, want_err) >= 0)
            replayed += repeat;
    }
    ck_assert_msg(replayed >= DIFF_ITERATIONS / 10,
                  "only %d accepted sets with a repeated issuer and audience",
                  replayed);
}
END_TEST

START_TEST(test_mode_parse)
{
    static const struct {
        const char *in;
        tjwt_claims_mode_e mode;
    } ok[] = {
        {"roles-and-traits", TJWT_CLAIMS_ROLES_AND_TRAITS},
        {"Roles-And-Traits", TJWT_CLAIMS_ROLES_AND_TRAITS},
        {"roles", TJWT_CLAIMS_ROLES},
        {"ROLES", TJWT_CLAIMS_ROLES},
        {"traits", TJWT_CLAIMS_TRAITS},
        {"Traits", TJWT_CLAIMS_TRAITS},
        {"none", TJWT_CLAIMS_NONE},
        {"NoNe", TJWT_CLAIMS_NONE},
    };
    static const char *const bad[] = {
        "",      "role", "trait", "roles-traits", "roles_and_traits",
        "all",   "off",  " none", "none ",        "roles,traits",
        "nonex",
    };
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        /* Start from a value that is wrong for every entry's neighbour. */
        tjwt_claims_mode_e m = (tjwt_claims_mode_e)((ok[i].mode + 1) % 4);
        ck_assert_msg(tjwt_claims_mode_parse(ok[i].in, &m) == 0,
                      "\"%s\" refused", ok[i].in);
        ck_assert_int_eq(m, ok[i].mode);
        ck_assert_str_eq(tjwt_claims_mode_name(m), modes[m].name);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tjwt_claims_mode_e m = TJWT_CLAIMS_NONE;
        ck_assert_msg(tjwt_claims_mode_parse(bad[i], &m) != 0,
                      "\"%s\" accepted", bad[i]);
    }
}
END_TEST

Suite *tjwt_suite_claims(void)
{
    Suite *s = suite_create("claims");
    TCase *tc = tcase_create("json");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_full_claim_set);
    tcase_add_test(tc, test_derived_claims);
    tcase_add_loop_test(tc, test_modes, 0,
                        (int)(sizeof(modes) / sizeof(modes[0])));
    tcase_add_test(tc, test_null_roles_and_traits);
    tcase_add_test(tc, test_empty_roles_and_traits);
    tcase_add_test(tc, test_trait_without_values);
    tcase_add_test(tc, test_trait_order_and_duplicates);
    tcase_add_test(tc, test_escaping);
    tcase_add_loop_test(tc, test_invalid_utf8, 0,
                        (int)(5 * sizeof(bad_utf8) / sizeof(bad_utf8[0])));
    tcase_add_test(tc, test_differential);
    tcase_add_test(tc, test_differential_repeats);
    suite_add_tcase(s, tc);

    tc = tcase_create("mode");
    tcase_add_test(tc, test_mode_parse);
    suite_add_tcase(s, tc);
    return s;
}
