/* Teleport's claim set as JSON (SPEC §3): key order, claim modes, and
 * escaping done by jansson. */
#include "tjwt_unit.h"

#include "src/claims.h"

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

/* SPEC §3 spelled out for the claims above: compact, keys sorted at every
 * level, roles in the given order, nbf = iat - 10, sub = username. */
START_TEST(test_full_claim_set)
{
    const char *s = to_json(full_claims(tjwt_test_pool));

    ck_assert_str_eq(s, "{\"aud\":[\"http://127.0.0.1:8080\"],"
                        "\"exp\":1700000600,"
                        "\"iat\":1700000000,"
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
    ck_assert_int_eq(json_integer_value(json_object_get(j, "iat")), 12345);
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

/* SPEC §4: a trait with no values is left out. */
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
    suite_add_tcase(s, tc);

    tc = tcase_create("mode");
    tcase_add_test(tc, test_mode_parse);
    suite_add_tcase(s, tc);
    return s;
}
