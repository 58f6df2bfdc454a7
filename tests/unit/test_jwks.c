/* The key set document (src/jwks.c): one JWK per distinct kid, in order,
 * and an ETag that follows the body. */
#include "tjwt_unit.h"

#include "src/jwks.h"

#include <jansson.h>
#include <string.h>

static apr_array_header_t *keys_of(const char *a, const char *b, const char *c)
{
    apr_array_header_t *keys =
        apr_array_make(tjwt_test_pool, 3, sizeof(tjwt_key *));
    const char *names[3] = {a, b, c};
    int i;

    for (i = 0; i < 3; i++) {
        if (names[i])
            APR_ARRAY_PUSH(keys, tjwt_key *) = tjwt_test_vector_key(names[i]);
    }
    return keys;
}

START_TEST(test_document)
{
    const char *err = NULL;
    apr_array_header_t *keys =
        keys_of("rfc7515-a2-rsa-private.pem", "rfc8037-a-ed25519-private.pem",
                "rfc7515-a2-rsa-private.pem");
    tjwt_jwks *j = tjwt_jwks_build(tjwt_test_pool, keys, &err);
    json_t *doc, *arr;
    json_error_t jerr;

    ck_assert_msg(j != NULL, "%s", err);
    doc = json_loads(j->body, 0, &jerr);
    ck_assert_ptr_nonnull(doc);
    arr = json_object_get(doc, "keys");
    /* The same key twice is published once. */
    ck_assert_int_eq(json_array_size(arr), 2);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(arr, 0), "kty")),
        "RSA");
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(arr, 0), "kid")),
        APR_ARRAY_IDX(keys, 0, tjwt_key *)->kid);
    ck_assert_str_eq(
        json_string_value(json_object_get(json_array_get(arr, 1), "kty")),
        "OKP");
    /* No private member leaks into it. */
    ck_assert_ptr_null(json_object_get(json_array_get(arr, 0), "d"));
    ck_assert_ptr_null(json_object_get(json_array_get(arr, 1), "d"));
    json_decref(doc);
    ck_assert(j->etag[0] == '"' && j->etag[strlen(j->etag) - 1] == '"');
}
END_TEST

START_TEST(test_etag_follows_body)
{
    const char *err = NULL;
    tjwt_jwks *a = tjwt_jwks_build(
        tjwt_test_pool, keys_of("rfc8037-a-ed25519-private.pem", NULL, NULL),
        &err);
    tjwt_jwks *b = tjwt_jwks_build(
        tjwt_test_pool, keys_of("rfc8037-a-ed25519-private.pem", NULL, NULL),
        &err);
    tjwt_jwks *c = tjwt_jwks_build(tjwt_test_pool,
                                   keys_of("rfc8037-a-ed25519-private.pem",
                                           "rfc7515-a2-rsa-private.pem", NULL),
                                   &err);

    ck_assert_str_eq(a->body, b->body);
    ck_assert_str_eq(a->etag, b->etag);
    ck_assert_str_ne(a->etag, c->etag);
}
END_TEST

Suite *tjwt_suite_jwks(void)
{
    Suite *s = suite_create("jwks");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_document);
    tcase_add_test(tc, test_etag_follows_body);
    suite_add_tcase(s, tc);
    return s;
}
