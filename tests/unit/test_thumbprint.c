/* RFC 7638 JWK thumbprints (tjwt_key_thumbprint) against the published
 * vectors, and their relation to the JWK and to Teleport's kid. */
#include "tjwt_unit.h"

#include "src/b64url.h"
#include "src/jwk.h"
#include "src/thumbprint.h"
#include "src/keys.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

/* RFC 7638 §3.1: the example RSA key and its thumbprint. */
#define RFC7638_N                                                              \
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7"   \
    "aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBX"    \
    "Arwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c"   \
    "7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4l"   \
    "Fd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
#define RFC7638_THUMBPRINT "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
/* RFC 8037 A.2 and A.3: the Ed25519 key's x and its thumbprint. */
#define RFC8037_X          "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
#define RFC8037_THUMBPRINT "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"

static apr_status_t free_pkey(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* The public key of a JWK given as JSON text, freed with the test pool. */
static EVP_PKEY *from_jwk(const char *text)
{
    json_t *jwk = json_loads(text, 0, NULL);
    const char *err = NULL;
    EVP_PKEY *pkey;

    ck_assert_ptr_nonnull(jwk);
    pkey = tjwt_key_from_jwk(tjwt_test_pool, jwk, &err);
    json_decref(jwk);
    ck_assert_msg(pkey != NULL, "JWK refused: %s", err);
    apr_pool_cleanup_register(tjwt_test_pool, pkey, free_pkey,
                              apr_pool_cleanup_null);
    return pkey;
}

START_TEST(test_rfc7638_rsa)
{
    /* The members that are not required (alg, kid) take no part. */
    EVP_PKEY *pkey = from_jwk("{\"kty\":\"RSA\",\"n\":\"" RFC7638_N "\","
                              "\"e\":\"AQAB\",\"alg\":\"RS256\","
                              "\"kid\":\"2011-04-29\"}");
    const char *tp = tjwt_key_thumbprint(tjwt_test_pool, pkey);

    ck_assert_ptr_nonnull(tp);
    ck_assert_str_eq(tp, RFC7638_THUMBPRINT);
}
END_TEST

START_TEST(test_rfc8037_ed25519)
{
    tjwt_key *k = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    EVP_PKEY *pub = from_jwk("{\"kty\":\"OKP\",\"crv\":\"Ed25519\","
                             "\"x\":\"" RFC8037_X "\"}");

    /* From the private key file and from the public JWK alike. */
    ck_assert_str_eq(tjwt_key_thumbprint(tjwt_test_pool, k->pkey),
                     RFC8037_THUMBPRINT);
    ck_assert_str_eq(tjwt_key_thumbprint(tjwt_test_pool, pub),
                     RFC8037_THUMBPRINT);
}
END_TEST

/* For EC there is no published vector: the thumbprint must be SHA-256 of
 * exactly {"crv","kty","x","y"} as the key's own JWK gives them. */
START_TEST(test_ec_definition)
{
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_public(
        tjwt_test_pool,
        tjwt_test_vector_path(tjwt_test_pool, "teleport-kid-ec-public.pem"),
        &err);
    json_t *jwk;
    const char *canon;
    unsigned char md[32];
    unsigned int mdlen = 0;

    ck_assert_msg(k != NULL, "%s", err);
    jwk = tjwt_key_to_jwk(k);
    ck_assert_ptr_nonnull(jwk);
    canon = apr_psprintf(
        tjwt_test_pool,
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}",
        json_string_value(json_object_get(jwk, "x")),
        json_string_value(json_object_get(jwk, "y")));
    json_decref(jwk);
    ck_assert_int_eq(
        EVP_Digest(canon, strlen(canon), md, &mdlen, EVP_sha256(), NULL), 1);
    ck_assert_str_eq(tjwt_key_thumbprint(tjwt_test_pool, k->pkey),
                     tjwt_b64url_encode(tjwt_test_pool, md, mdlen));
}
END_TEST

/* The same key, private or published, has one thumbprint; and it is not
 * Teleport's kid, which hashes the DER form. */
START_TEST(test_private_public_and_kid)
{
    tjwt_key *k = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    json_t *jwk = tjwt_key_to_jwk(k);
    const char *err = NULL, *tp;
    EVP_PKEY *pub;

    ck_assert_ptr_nonnull(jwk);
    pub = tjwt_key_from_jwk(tjwt_test_pool, jwk, &err);
    json_decref(jwk);
    ck_assert_msg(pub != NULL, "%s", err);
    apr_pool_cleanup_register(tjwt_test_pool, pub, free_pkey,
                              apr_pool_cleanup_null);
    tp = tjwt_key_thumbprint(tjwt_test_pool, k->pkey);
    ck_assert_ptr_nonnull(tp);
    ck_assert_uint_eq(strlen(tp), 43);
    ck_assert_str_eq(tjwt_key_thumbprint(tjwt_test_pool, pub), tp);
    ck_assert_str_ne(tp, k->kid);
}
END_TEST

/* Keys the module does not accept have no thumbprint from it. */
START_TEST(test_unsupported)
{
    static const char *const types[] = {"P-384", "X25519", "ED448"};
    EVP_PKEY *pkey;

    if (_i == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[_i]);
    else
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, types[_i]);
    ck_assert_ptr_nonnull(pkey);
    apr_pool_cleanup_register(tjwt_test_pool, pkey, free_pkey,
                              apr_pool_cleanup_null);
    ck_assert_ptr_null(tjwt_key_thumbprint(tjwt_test_pool, pkey));
}
END_TEST

Suite *tjwt_suite_thumbprint(void)
{
    Suite *s = suite_create("thumbprint");
    TCase *tc = tcase_create("rfc7638");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_rfc7638_rsa);
    tcase_add_test(tc, test_rfc8037_ed25519);
    tcase_add_test(tc, test_ec_definition);
    tcase_add_test(tc, test_private_public_and_kid);
    tcase_add_loop_test(tc, test_unsupported, 0, 3);
    suite_add_tcase(s, tc);
    return s;
}
