/* Token verification (src/verify.c): parsing, key lookup by kid, the alg
 * a key allows, signatures, and each claim check with its leeway
 * boundaries. Each refusal must name its reason first, as tjwt verify
 * prints it. */
#include "tjwt_unit.h"

#include "src/b64url.h"
#include "src/jwks.h"
#include "src/jws.h"
#include "src/keys.h"
#include "src/verify.h"

#include <apr_strings.h>
#include <jansson.h>
#include <string.h>

#define NOW    1700000000
#define ISS    "apache.example.com"
#define AUD    "http://127.0.0.1:4321"
#define LEEWAY 60

static tjwt_key *keys[3]; /* RSA, EC, Ed25519 */
static json_t *jwks;      /* all three */
static tjwt_verify_opts opts = {ISS, AUD, LEEWAY, NOW};

static json_t *jwks_of(tjwt_key **ks, int n)
{
    apr_array_header_t *arr =
        apr_array_make(tjwt_test_pool, 3, sizeof(tjwt_key *));
    const char *err = NULL;
    tjwt_jwks *set;
    json_t *doc;
    int i;

    for (i = 0; i < n; i++)
        APR_ARRAY_PUSH(arr, tjwt_key *) = ks[i];
    set = tjwt_jwks_build(tjwt_test_pool, arr, &err);
    ck_assert_msg(set != NULL, "%s", err);
    doc = json_loads(set->body, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    return doc;
}

static void setup(void)
{
    const char *path, *err;

    tjwt_test_pool_setup();
    keys[0] = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    path = apr_pstrcat(tjwt_test_pool, tjwt_test_tmpdir(tjwt_test_pool),
                       "/ec.pem", NULL);
    err = tjwt_key_generate_file(tjwt_test_pool, path, "ec", 0);
    ck_assert_msg(err == NULL, "%s", err);
    keys[1] = tjwt_key_load_private(tjwt_test_pool, path, &err);
    ck_assert_msg(keys[1] != NULL, "%s", err);
    keys[2] = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    jwks = jwks_of(keys, 3);
}

static void teardown(void)
{
    json_decref(jwks);
    jwks = NULL;
    tjwt_test_pool_teardown();
}

static const char *b64s(const char *s)
{
    return tjwt_b64url_encode(tjwt_test_pool, (const unsigned char *)s,
                              strlen(s));
}

/* A token with any header: signed by signer over header.payload whatever
 * the header claims, or with the signature sig when signer is NULL. */
static const char *make_token(const char *header, const char *payload,
                              const tjwt_key *signer, const char *sig)
{
    const char *input =
        apr_pstrcat(tjwt_test_pool, b64s(header), ".", b64s(payload), NULL);
    const char *err = NULL;

    if (signer) {
        sig = tjwt_jws_sign_input(tjwt_test_pool, signer, input, strlen(input),
                                  &err);
        ck_assert_msg(sig != NULL, "%s", err);
    }
    return apr_pstrcat(tjwt_test_pool, input, ".", sig, NULL);
}

/* A token as the module makes it, for key k and the given claims. */
static const char *module_token(const tjwt_key *k, const char *payload)
{
    const char *err = NULL;
    const char *t =
        tjwt_jws_sign(tjwt_test_pool, k, payload, strlen(payload), &err);

    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

static const char *claims(const char *iss, const char *aud, long nbf, long iat,
                          long exp)
{
    return apr_psprintf(tjwt_test_pool,
                        "{\"aud\":%s,\"exp\":%ld,\"iat\":%ld,\"iss\":%s,"
                        "\"nbf\":%ld,\"sub\":\"alice\"}",
                        aud, exp, iat, iss, nbf);
}

static const char *good_claims(void)
{
    return claims("\"" ISS "\"", "[\"" AUD "\"]", NOW - 10, NOW, NOW + 600);
}

static const char *header_for(const tjwt_key *k, const char *alg)
{
    return apr_psprintf(tjwt_test_pool,
                        "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
                        alg ? alg : k->alg_name, k->kid);
}

/* Verifies and checks the result and that the reason leads the message. */
static void expect(const char *token, json_t *set, const tjwt_verify_opts *o,
                   tjwt_verify_e want, const char *what)
{
    const char *why = NULL;
    tjwt_verify_e got = tjwt_verify(tjwt_test_pool, token, set, o, NULL, &why);
    const char *name = tjwt_verify_name(want);

    ck_assert_msg(got == want, "%s: got \"%s\" (%s), want \"%s\"", what,
                  tjwt_verify_name(got), why, name);
    ck_assert_ptr_nonnull(why);
    ck_assert_msg(strncmp(why, name, strlen(name)) == 0,
                  "%s: message does not start with \"%s\": %s", what, name,
                  why);
    ck_assert_msg(!strchr(why, '\n'), "%s: message is not one line", what);
}

/* ---- parsing ------------------------------------------------------- */

START_TEST(test_parse_good)
{
    const char *tok = module_token(keys[0], good_claims());
    const char *err = NULL;
    tjwt_jwt *t = tjwt_jwt_parse(tjwt_test_pool, tok, &err);

    ck_assert_msg(t != NULL, "%s", err);
    ck_assert_str_eq(t->alg, "RS256");
    ck_assert_str_eq(t->kid, keys[0]->kid);
    ck_assert_uint_eq(t->sig_len, 256);
    ck_assert_uint_eq(t->input_len, (apr_size_t)(strrchr(tok, '.') - tok));
    ck_assert_str_eq(json_string_value(json_object_get(t->payload, "sub")),
                     "alice");
}
END_TEST

START_TEST(test_parse_malformed)
{
    const char *e30 = b64s("{}");
    const char *hdr = b64s("{\"alg\":\"RS256\",\"kid\":\"k\"}");
    const char *bad[] = {
        "",
        "abc",
        apr_pstrcat(tjwt_test_pool, hdr, ".", e30, NULL),
        apr_pstrcat(tjwt_test_pool, hdr, ".", e30, ".AAAA.AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, ".", e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, "..AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, "e3!.", e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, "=.", e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, b64s("not json"), ".", e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, b64s("[\"RS256\"]"), ".", e30, ".AAAA",
                    NULL),
        apr_pstrcat(tjwt_test_pool, hdr, ".", b64s("[1]"), ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, ".", b64s("\"alice\""), ".AAAA", NULL),
        /* One reader takes the first alg, another the last. */
        apr_pstrcat(tjwt_test_pool,
                    b64s("{\"alg\":\"RS256\",\"alg\":\"none\"}"), ".", e30,
                    ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, ".",
                    b64s("{\"sub\":\"a\",\"sub\":\"b\"}"), ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, b64s("{\"kid\":\"k\"}"), ".", e30, ".AAAA",
                    NULL),
        apr_pstrcat(tjwt_test_pool, b64s("{\"alg\":5}"), ".", e30, ".AAAA",
                    NULL),
        apr_pstrcat(tjwt_test_pool, b64s("{\"alg\":\"RS256\",\"kid\":7}"), ".",
                    e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool,
                    b64s("{\"alg\":\"RS256\",\"crit\":[\"exp\"],\"exp\":1}"),
                    ".", e30, ".AAAA", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, ".", e30, ".AA+A", NULL),
        apr_pstrcat(tjwt_test_pool, hdr, " .", e30, ".AAAA", NULL),
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        const char *err = NULL;
        ck_assert_msg(tjwt_jwt_parse(tjwt_test_pool, bad[i], &err) == NULL,
                      "case %lu parsed: %s", (unsigned long)i, bad[i]);
        ck_assert_msg(err && *err, "case %lu: no reason", (unsigned long)i);
        expect(bad[i], jwks, &opts, TJWT_VERIFY_MALFORMED,
               apr_psprintf(tjwt_test_pool, "malformed case %lu",
                            (unsigned long)i));
    }
}
END_TEST

/* ---- keys and signatures -------------------------------------------- */

/* _i: 0 RS256, 1 ES256, 2 EdDSA. */
START_TEST(test_verify_ok)
{
    const char *tok = module_token(keys[_i], good_claims());
    const char *why = NULL;
    tjwt_jwt *t = NULL;

    ck_assert_int_eq(tjwt_verify(tjwt_test_pool, tok, jwks, &opts, &t, &why),
                     TJWT_VERIFY_OK);
    ck_assert_str_eq(why, "verified");
    ck_assert_ptr_nonnull(t);
    ck_assert_str_eq(t->alg, keys[_i]->alg_name);
}
END_TEST

START_TEST(test_unknown_kid)
{
    json_t *only_rsa = jwks_of(keys, 1);

    expect(module_token(keys[2], good_claims()), only_rsa, &opts,
           TJWT_VERIFY_UNKNOWN_KID, "kid not in the set");
    expect(make_token("{\"alg\":\"RS256\"}", good_claims(), keys[0], NULL),
           jwks, &opts, TJWT_VERIFY_UNKNOWN_KID, "no kid");
    json_decref(only_rsa);
}
END_TEST

START_TEST(test_bad_signature)
{
    const char *tok = module_token(keys[_i], good_claims());
    const char *other = module_token(
        keys[_i], claims("\"" ISS "\"", "[\"" AUD "\"]", NOW, NOW, NOW + 7200));
    const char *d1 = strchr(tok, '.'), *d2 = strrchr(tok, '.');
    const char *od1 = strchr(other, '.'), *od2 = strrchr(other, '.');
    char *flipped = apr_pstrdup(tjwt_test_pool, tok);
    char *spliced;

    /* Another payload under this signature. */
    spliced = apr_pstrcat(
        tjwt_test_pool, apr_pstrmemdup(tjwt_test_pool, tok, d1 - tok + 1),
        apr_pstrmemdup(tjwt_test_pool, od1 + 1, od2 - od1 - 1), d2, NULL);
    expect(spliced, jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "spliced payload");
    /* One bit of the signature: 'A' <-> 'B' in its first character. */
    flipped[d2 - tok + 1] = flipped[d2 - tok + 1] == 'A' ? 'B' : 'A';
    expect(flipped, jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "flipped bit");
    /* No signature at all. */
    expect(apr_pstrmemdup(tjwt_test_pool, tok, d2 - tok + 1), jwks, &opts,
           TJWT_VERIFY_BAD_SIGNATURE, "empty signature");
}
END_TEST

/* The header may not pick the algorithm: none, HMAC, another key type's
 * alg, or an alg the JWK is not for. */
START_TEST(test_alg_refused)
{
    json_t *set = jwks_of(keys, 3);
    json_t *jwk;
    const char *hs256, *mac, *why = NULL;

    expect(make_token(header_for(keys[0], "none"), good_claims(), NULL, ""),
           jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "alg none");
    /* HS256 with the public modulus as the secret: the classic confusion. */
    mac = b64s("not checked: refused before any MAC is computed");
    hs256 = make_token(header_for(keys[0], "HS256"), good_claims(), NULL, mac);
    expect(hs256, jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "alg HS256");
    /* Signed by the RSA key, but the header says ES256 or EdDSA. */
    expect(
        make_token(header_for(keys[0], "ES256"), good_claims(), keys[0], NULL),
        jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "ES256 on an RSA kid");
    expect(
        make_token(header_for(keys[2], "RS256"), good_claims(), keys[2], NULL),
        jwks, &opts, TJWT_VERIFY_BAD_SIGNATURE, "RS256 on an OKP kid");
    /* A JWK without alg still refuses the wrong type; one with another
     * alg refuses even before the type is looked at. */
    jwk = tjwt_jwks_find(set, keys[1]->kid);
    ck_assert_ptr_nonnull(jwk);
    json_object_del(jwk, "alg");
    expect(
        make_token(header_for(keys[1], "EdDSA"), good_claims(), keys[1], NULL),
        set, &opts, TJWT_VERIFY_BAD_SIGNATURE, "EdDSA on an EC JWK");
    /* And says so, rather than only that the signature failed. */
    tjwt_verify(
        tjwt_test_pool,
        make_token(header_for(keys[1], "EdDSA"), good_claims(), keys[1], NULL),
        set, &opts, NULL, &why);
    ck_assert_msg(strstr(why, "is for ES256") != NULL, "%s", why);
    expect(module_token(keys[1], good_claims()), set, &opts, TJWT_VERIFY_OK,
           "EC JWK without alg");
    json_object_set_new(jwk, "alg", json_string("ES384"));
    expect(module_token(keys[1], good_claims()), set, &opts,
           TJWT_VERIFY_BAD_SIGNATURE, "JWK for another alg");
    json_object_set_new(jwk, "alg", json_string("ES256"));
    json_object_set_new(jwk, "use", json_string("enc"));
    expect(module_token(keys[1], good_claims()), set, &opts,
           TJWT_VERIFY_BAD_SIGNATURE, "JWK for encryption");
    json_decref(set);
}
END_TEST

/* ---- claims ---------------------------------------------------------- */

START_TEST(test_wrong_iss)
{
    expect(module_token(keys[2], claims("\"evil.example\"", "\"" AUD "\"", NOW,
                                        NOW, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_WRONG_ISS, "another issuer");
    expect(module_token(keys[2], claims("[\"" ISS "\"]", "\"" AUD "\"", NOW,
                                        NOW, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_WRONG_ISS, "iss not a string");
    expect(module_token(keys[2], apr_psprintf(tjwt_test_pool,
                                              "{\"aud\":\"%s\",\"exp\":%d}",
                                              AUD, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_WRONG_ISS, "no iss");
}
END_TEST

START_TEST(test_aud)
{
    const char *iss = "\"" ISS "\"";

    expect(
        module_token(keys[2], claims(iss, "\"" AUD "\"", NOW, NOW, NOW + 600)),
        jwks, &opts, TJWT_VERIFY_OK, "aud as a string");
    expect(module_token(keys[2], claims(iss, "[\"x\",\"" AUD "\"]", NOW, NOW,
                                        NOW + 600)),
           jwks, &opts, TJWT_VERIFY_OK, "aud among several");
    expect(module_token(keys[2], claims(iss, "[\"http://127.0.0.1:4322\"]", NOW,
                                        NOW, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_WRONG_AUD, "another audience");
    expect(module_token(keys[2], claims(iss, "[]", NOW, NOW, NOW + 600)), jwks,
           &opts, TJWT_VERIFY_WRONG_AUD, "empty aud");
    expect(module_token(keys[2],
                        claims(iss, "[[\"" AUD "\"]]", NOW, NOW, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_WRONG_AUD, "nested aud");
    expect(module_token(keys[2],
                        apr_psprintf(tjwt_test_pool, "{\"exp\":%d,\"iss\":%s}",
                                     NOW + 600, iss)),
           jwks, &opts, TJWT_VERIFY_WRONG_AUD, "no aud");
}
END_TEST

/* exp: expired once now >= exp + leeway (RFC 7519 §4.1.4). */
START_TEST(test_expired_boundary)
{
    const char *iss = "\"" ISS "\"", *aud = "[\"" AUD "\"]";

    expect(module_token(keys[0], claims(iss, aud, NOW - 700, NOW - 690,
                                        NOW - LEEWAY + 1)),
           jwks, &opts, TJWT_VERIFY_OK, "within the leeway");
    expect(module_token(keys[0],
                        claims(iss, aud, NOW - 700, NOW - 690, NOW - LEEWAY)),
           jwks, &opts, TJWT_VERIFY_EXPIRED, "at the leeway");
    expect(module_token(keys[0],
                        claims(iss, aud, NOW - 7200, NOW - 7200, NOW - 3600)),
           jwks, &opts, TJWT_VERIFY_EXPIRED, "an hour ago");
}
END_TEST

/* nbf and iat: not yet valid once now + leeway < nbf (RFC 7519 §4.1.5). */
START_TEST(test_not_yet_valid_boundary)
{
    const char *iss = "\"" ISS "\"", *aud = "[\"" AUD "\"]";

    expect(
        module_token(keys[1], claims(iss, aud, NOW + LEEWAY, NOW, NOW + 600)),
        jwks, &opts, TJWT_VERIFY_OK, "nbf at the leeway");
    expect(module_token(keys[1],
                        claims(iss, aud, NOW + LEEWAY + 1, NOW, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_NOT_YET_VALID, "nbf past the leeway");
    expect(module_token(keys[1],
                        claims(iss, aud, NOW, NOW + LEEWAY + 1, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_NOT_YET_VALID, "issued in the future");
}
END_TEST

START_TEST(test_leeway_option)
{
    tjwt_verify_opts strict = opts;
    const char *tok =
        module_token(keys[2], claims("\"" ISS "\"", "[\"" AUD "\"]", NOW - 100,
                                     NOW - 90, NOW - 30));

    expect(tok, jwks, &opts, TJWT_VERIFY_OK, "30 s late, leeway 60 s");
    strict.leeway = 0;
    expect(tok, jwks, &strict, TJWT_VERIFY_EXPIRED, "30 s late, leeway 0");
}
END_TEST

START_TEST(test_time_claims_malformed)
{
    const char *base = "\"aud\":\"" AUD "\",\"iss\":\"" ISS "\"";

    expect(module_token(keys[0], apr_psprintf(tjwt_test_pool, "{%s}", base)),
           jwks, &opts, TJWT_VERIFY_MALFORMED, "no exp");
    expect(module_token(keys[0],
                        apr_psprintf(tjwt_test_pool, "{%s,\"exp\":\"%d\"}",
                                     base, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_MALFORMED, "exp a string");
    expect(module_token(keys[0], apr_psprintf(tjwt_test_pool,
                                              "{%s,\"exp\":%d,\"nbf\":null}",
                                              base, NOW + 600)),
           jwks, &opts, TJWT_VERIFY_MALFORMED, "nbf null");
    /* NumericDate may have a fraction (RFC 7519 §2). */
    expect(
        module_token(keys[0], apr_psprintf(tjwt_test_pool, "{%s,\"exp\":%d.5}",
                                           base, NOW + 600)),
        jwks, &opts, TJWT_VERIFY_OK, "fractional exp");
}
END_TEST

/* ---- helpers ------------------------------------------------------- */

START_TEST(test_jwks_check)
{
    static const char *const bad[] = {"[]", "{}", "{\"keys\":{}}",
                                      "{\"keys\":[1]}", "\"keys\""};
    size_t i;

    ck_assert_ptr_null(tjwt_jwks_check(jwks));
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        ck_assert_ptr_nonnull(doc);
        ck_assert_msg(tjwt_jwks_check(doc) != NULL, "accepted %s", bad[i]);
        json_decref(doc);
    }
    ck_assert_ptr_nonnull(tjwt_jwks_find(jwks, keys[1]->kid));
    ck_assert_ptr_null(tjwt_jwks_find(jwks, "nope"));
    ck_assert_ptr_null(tjwt_jwks_find(jwks, NULL));
}
END_TEST

START_TEST(test_time_utc)
{
    ck_assert_str_eq(tjwt_time_utc(tjwt_test_pool, 0),
                     "1970-01-01 00:00:00 UTC");
    ck_assert_str_eq(tjwt_time_utc(tjwt_test_pool, 1700000000),
                     "2023-11-14 22:13:20 UTC");
    ck_assert_str_eq(tjwt_time_utc(tjwt_test_pool, 1700000000.9),
                     "2023-11-14 22:13:20 UTC");
    ck_assert_str_eq(tjwt_time_utc(tjwt_test_pool, 1e300), "(not a date)");
}
END_TEST

Suite *tjwt_suite_verify(void)
{
    Suite *s = suite_create("verify");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_parse_good);
    tcase_add_test(tc, test_parse_malformed);
    suite_add_tcase(s, tc);

    tc = tcase_create("signature");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_verify_ok, 0, 3);
    tcase_add_test(tc, test_unknown_kid);
    tcase_add_loop_test(tc, test_bad_signature, 0, 3);
    tcase_add_test(tc, test_alg_refused);
    suite_add_tcase(s, tc);

    tc = tcase_create("claims");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_wrong_iss);
    tcase_add_test(tc, test_aud);
    tcase_add_test(tc, test_expired_boundary);
    tcase_add_test(tc, test_not_yet_valid_boundary);
    tcase_add_test(tc, test_leeway_option);
    tcase_add_test(tc, test_time_claims_malformed);
    tcase_add_test(tc, test_jwks_check);
    tcase_add_test(tc, test_time_utc);
    suite_add_tcase(s, tc);
    return s;
}
