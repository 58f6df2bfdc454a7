/* Tokens for a claim set (src/token.c): signed within TeleportJWTMaxSize,
 * dropping traits and then roles when the token would be too long
 * (docs/tokens.md), counted for server-status. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/b64url.h"
#include "src/config.h"
#include "src/stats.h"
#include "src/token.h"

#include <apr_strings.h>
#include <mod_status.h>
#include <string.h>

static request_rec *req;
static tjwt_key *key;

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_log_reset();
    tjwt_test_output_reset();
    req = tjwt_test_request(tjwt_test_pool, tjwt_test_server(tjwt_test_pool),
                            NULL);
    key = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
}

/* alice with roles and a trait of n values of 20 bytes each. */
static tjwt_claims claims(int n)
{
    tjwt_claims c;
    tjwt_trait *t;
    int i;

    memset(&c, 0, sizeof(c));
    c.user = "alice";
    c.issuer = "unit.example";
    c.audience = "http://backend.example";
    c.roles = apr_array_make(tjwt_test_pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c.roles, const char *) = "admin";
    c.traits = apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_trait));
    t = apr_array_push(c.traits);
    t->name = "logins";
    t->values = apr_array_make(tjwt_test_pool, n, sizeof(const char *));
    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(t->values, const char *) =
            apr_psprintf(tjwt_test_pool, "login-%014d", i);
    c.mode = TJWT_CLAIMS_ROLES_AND_TRAITS;
    c.iat = 1700000000;
    c.exp = c.iat + 600;
    return c;
}

static const char *payload(const char *token)
{
    const char *a = strchr(token, '.'), *b = strchr(a + 1, '.');
    apr_size_t n;
    unsigned char *json =
        tjwt_b64url_decode(tjwt_test_pool, a + 1, (apr_size_t)(b - a - 1), &n);

    ck_assert_ptr_nonnull(json);
    return apr_pstrndup(tjwt_test_pool, (const char *)json, n);
}

/* The value of a counter on the short form of server-status. */
static long counter(const char *name)
{
    const char *line;

    tjwt_test_output_reset();
    tjwt_status_hook(req, AP_STATUS_SHORT);
    line = strstr(tjwt_test_output(),
                  apr_pstrcat(tjwt_test_pool, "TeleportJWT", name, ": ", NULL));
    ck_assert_msg(line != NULL, "no %s in %s", name, tjwt_test_output());
    return strtol(strchr(line, ':') + 1, NULL, 10);
}

START_TEST(test_signs_everything_when_it_fits)
{
    tjwt_claims c = claims(3);
    const char *t = tjwt_token_get(req, key, &c, 8190);

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(strstr(payload(t), "\"roles\":[\"admin\"]"));
    ck_assert_ptr_nonnull(strstr(payload(t), "login-00000000000002"));
    ck_assert_int_eq(c.mode, TJWT_CLAIMS_ROLES_AND_TRAITS);
    ck_assert_int_eq(counter("TokensSigned"), 1);
    ck_assert_int_eq(counter("SigningFailures"), 0);
}
END_TEST

START_TEST(test_drops_traits_then_roles)
{
    tjwt_claims c = claims(100);
    const char *t;

    /* Room for roles, not for 100 logins. */
    t = tjwt_token_get(req, key, &c, 600);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_le(strlen(t), 600);
    ck_assert_int_eq(c.mode, TJWT_CLAIMS_ROLES);
    ck_assert_ptr_nonnull(strstr(payload(t), "\"roles\":[\"admin\"]"));
    ck_assert_ptr_null(strstr(payload(t), "login-"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "dropping traits"));

    /* Many roles: they go too. */
    c = claims(0);
    while (c.roles->nelts < 60)
        APR_ARRAY_PUSH(c.roles, const char *) =
            apr_psprintf(tjwt_test_pool, "role-%d", c.roles->nelts);
    t = tjwt_token_get(req, key, &c, 600);
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(c.mode, TJWT_CLAIMS_NONE);
    ck_assert_ptr_null(strstr(payload(t), "role-"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "dropping roles"));
}
END_TEST

START_TEST(test_too_small_fails)
{
    tjwt_claims c = claims(1);

    ck_assert_ptr_null(tjwt_token_get(req, key, &c, 100));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "even without roles"));
    ck_assert_int_eq(counter("SigningFailures"), 1);
    ck_assert_int_eq(counter("TokensSigned"), 0);
}
END_TEST

/* A claim jansson refuses is never signed. */
START_TEST(test_bad_claim_fails)
{
    tjwt_claims c = claims(0);

    c.user = "bad\xff";
    ck_assert_ptr_null(tjwt_token_get(req, key, &c, 8190));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "cannot sign"));
}
END_TEST

Suite *tjwt_suite_token(void)
{
    Suite *s = suite_create("token");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_signs_everything_when_it_fits);
    tcase_add_test(tc, test_drops_traits_then_roles);
    tcase_add_test(tc, test_too_small_fails);
    tcase_add_test(tc, test_bad_claim_fails);
    suite_add_tcase(s, tc);
    return s;
}
