/* JWS signatures against the published RFC vectors, ES256's raw R||S
 * form, algorithm confusion, and the compact token (docs/tokens.md, "The
 * token"). */
#include "tjwt_unit.h"

#include "src/b64url.h"
#include "src/jws.h"
#include "src/keys.h"
#include "src/verify.h"

#include <apr_strings.h>
#include <jansson.h>
#include <openssl/ecdsa.h>
#include <string.h>

/* From tests/vectors/README.md (RFC 7515 A.2 and RFC 8037 A.4). */
#define RS256_INPUT                                                            \
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQog"    \
    "Imh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
#define RS256_SIG                                                              \
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm"   \
    "4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--"   \
    "f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383Lc"   \
    "OLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUi"   \
    "pUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw"
#define EDDSA_INPUT "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc"
#define EDDSA_SIG                                                              \
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9"   \
    "g7sVvpAr_MuM0KAg"

/* A fresh P-256 key, made the way the module makes keys. */
static tjwt_key *generated_ec_key(void)
{
    const char *path = apr_pstrcat(
        tjwt_test_pool, tjwt_test_tmpdir(tjwt_test_pool), "/ec.pem", NULL);
    const char *err = tjwt_key_generate_file(tjwt_test_pool, path, "ec", 0);
    tjwt_key *k;

    ck_assert_msg(err == NULL, "cannot generate an EC key: %s", err);
    k = tjwt_key_load_private(tjwt_test_pool, path, &err);
    ck_assert_msg(k != NULL, "cannot load the EC key: %s", err);
    return k;
}

static unsigned char *b64(const char *s, apr_size_t *len)
{
    unsigned char *out = tjwt_b64url_decode(tjwt_test_pool, s, strlen(s), len);

    ck_assert_msg(out != NULL, "not base64url: %s", s);
    return out;
}

static const char *sign(const tjwt_key *k, const char *input)
{
    const char *err = NULL;
    const char *sig =
        tjwt_jws_sign_input(tjwt_test_pool, k, input, strlen(input), &err);

    ck_assert_msg(sig != NULL, "%s signing failed: %s", k->alg_name, err);
    return sig;
}

static int verify(EVP_PKEY *pkey, const char *alg, const char *input,
                  const unsigned char *sig, apr_size_t siglen)
{
    return tjwt_jws_verify_input(pkey, alg, input, strlen(input), sig, siglen);
}

/* A valid signature stops validating when any single bit of the input or
 * of the signature changes; flip the first, a middle and the last. */
static void assert_tamper_rejected(const tjwt_key *k, const char *input,
                                   const unsigned char *sig, apr_size_t siglen)
{
    apr_size_t inlen = strlen(input);
    apr_size_t pos[3];
    int i;

    pos[0] = 0;
    pos[1] = inlen / 2;
    pos[2] = inlen - 1;
    for (i = 0; i < 3; i++) {
        char *bad = apr_pstrdup(tjwt_test_pool, input);
        bad[pos[i]] ^= 0x01;
        ck_assert_msg(!verify(k->pkey, k->alg_name, bad, sig, siglen),
                      "%s: input with bit flipped at %lu verified", k->alg_name,
                      (unsigned long)pos[i]);
    }
    pos[1] = siglen / 2;
    pos[2] = siglen - 1;
    for (i = 0; i < 3; i++) {
        unsigned char *bad = apr_pmemdup(tjwt_test_pool, sig, siglen);
        bad[pos[i]] ^= 0x01;
        ck_assert_msg(!verify(k->pkey, k->alg_name, input, bad, siglen),
                      "%s: signature with bit flipped at %lu verified",
                      k->alg_name, (unsigned long)pos[i]);
    }
    ck_assert_msg(!verify(k->pkey, k->alg_name, input, sig, siglen - 1),
                  "%s: truncated signature verified", k->alg_name);
}

/* RSASSA-PKCS1-v1_5 is deterministic: the RFC's bytes, exactly. */
START_TEST(test_rs256_rfc7515_a2)
{
    tjwt_key *k = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    const char *sig;
    unsigned char *raw;
    apr_size_t len;

    ck_assert_int_eq(k->alg, TJWT_ALG_RS256);
    ck_assert_str_eq(k->alg_name, "RS256");
    sig = sign(k, RS256_INPUT);
    ck_assert_str_eq(sig, RS256_SIG);
    raw = b64(RS256_SIG, &len);
    ck_assert_uint_eq(len, 256);
    ck_assert_int_eq(verify(k->pkey, "RS256", RS256_INPUT, raw, len), 1);
    assert_tamper_rejected(k, RS256_INPUT, raw, len);
}
END_TEST

/* Ed25519 is deterministic too. */
START_TEST(test_eddsa_rfc8037_a4)
{
    tjwt_key *k = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    const char *sig;
    unsigned char *raw;
    apr_size_t len;

    ck_assert_int_eq(k->alg, TJWT_ALG_EDDSA);
    ck_assert_str_eq(k->alg_name, "EdDSA");
    sig = sign(k, EDDSA_INPUT);
    ck_assert_str_eq(sig, EDDSA_SIG);
    raw = b64(EDDSA_SIG, &len);
    ck_assert_uint_eq(len, 64);
    ck_assert_int_eq(verify(k->pkey, "EdDSA", EDDSA_INPUT, raw, len), 1);
    assert_tamper_rejected(k, EDDSA_INPUT, raw, len);
}
END_TEST

/* R||S as a DER ECDSA-Sig-Value, the form OpenSSL speaks. */
static unsigned char *raw_to_der(const unsigned char *raw, int *derlen)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL);
    BIGNUM *s = BN_bin2bn(raw + 32, 32, NULL);
    unsigned char *der = NULL, *copy;

    ck_assert(es && r && s);
    ck_assert_int_eq(ECDSA_SIG_set0(es, r, s), 1);
    *derlen = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    ck_assert_int_gt(*derlen, 0);
    copy = apr_pmemdup(tjwt_test_pool, der, (apr_size_t)*derlen);
    OPENSSL_free(der);
    return copy;
}

START_TEST(test_es256)
{
    static const char input[] = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9";
    tjwt_key *k = generated_ec_key();
    const char *sig;
    unsigned char *raw, *der;
    apr_size_t len;
    int derlen, ok;
    EVP_MD_CTX *mctx;

    ck_assert_int_eq(k->alg, TJWT_ALG_ES256);
    ck_assert_str_eq(k->alg_name, "ES256");
    sig = sign(k, input);
    raw = b64(sig, &len);
    /* RFC 7518 §3.4: R and S, 32 bytes each, whatever their values. */
    ck_assert_uint_eq(len, 64);
    ck_assert_int_eq(verify(k->pkey, "ES256", input, raw, len), 1);
    assert_tamper_rejected(k, input, raw, len);

    /* The DER form of the same signature is valid for OpenSSL, so its
     * rejection below is about the encoding, not the signature. */
    der = raw_to_der(raw, &derlen);
    mctx = EVP_MD_CTX_new();
    ck_assert_int_eq(
        EVP_DigestVerifyInit(mctx, NULL, EVP_sha256(), NULL, k->pkey), 1);
    ok = EVP_DigestVerify(mctx, der, (size_t)derlen,
                          (const unsigned char *)input, strlen(input));
    EVP_MD_CTX_free(mctx);
    ck_assert_int_eq(ok, 1);
    ck_assert_msg(!verify(k->pkey, "ES256", input, der, (apr_size_t)derlen),
                  "a DER-encoded ES256 signature was accepted");
}
END_TEST

/* ECDSA is randomised: two signatures differ, and both verify. */
START_TEST(test_es256_randomised)
{
    static const char input[] = "a.b";
    tjwt_key *k = generated_ec_key();
    const char *s1 = sign(k, input), *s2 = sign(k, input);
    apr_size_t l1, l2;
    unsigned char *r1 = b64(s1, &l1), *r2 = b64(s2, &l2);

    ck_assert_str_ne(s1, s2);
    ck_assert_int_eq(verify(k->pkey, "ES256", input, r1, l1), 1);
    ck_assert_int_eq(verify(k->pkey, "ES256", input, r2, l2), 1);
}
END_TEST

/* R and S are padded to 32 bytes each even when one is shorter, which
 * happens about once in 128 signatures: 2000 make a miss unlikely. */
START_TEST(test_es256_fixed_size)
{
    tjwt_key *k = generated_ec_key();
    int i;

    for (i = 0; i < 2000; i++) {
        const char *input = apr_psprintf(tjwt_test_pool, "e30.%d", i);
        apr_size_t len;
        unsigned char *raw = b64(sign(k, input), &len);
        ck_assert_msg(len == 64, "signature %d has %lu bytes", i,
                      (unsigned long)len);
        ck_assert_msg(verify(k->pkey, "ES256", input, raw, len),
                      "signature %d does not verify", i);
    }
}
END_TEST

/* Each way a key can sign gives a valid signature: the contexts prepared
 * at load time (for ES256 the EC_KEY path to R||S, 2000 signatures for
 * the short R or S that needs padding), and the EVP paths used when
 * those could not be prepared. For the deterministic keys, the RFC's
 * exact bytes every time. */
START_TEST(test_every_signing_path)
{
    tjwt_key *ec = generated_ec_key();
    tjwt_key *rs = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    tjwt_key *ed = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    tjwt_key plain;
    int path, i;

    ck_assert_ptr_nonnull(ec->sign_ec);
    ck_assert_ptr_nonnull(ec->sign_pctx);
    ck_assert_ptr_nonnull(rs->sign_pctx);
    ck_assert_ptr_nonnull(ed->sign_ctx);
    for (path = 0; path < 3; path++) {
        /* 0: as loaded; 1: without the EC_KEY (EVP from the prepared
         * context); 2: nothing prepared (EVP initialised per signature). */
        plain = *ec;
        if (path >= 1)
            plain.sign_ec = NULL;
        if (path == 2)
            plain.sign_pctx = NULL;
        for (i = 0; i < (path == 0 ? 2000 : 50); i++) {
            const char *input = apr_psprintf(tjwt_test_pool, "e30.%d", i);
            apr_size_t len;
            unsigned char *raw = b64(sign(&plain, input), &len);
            ck_assert_msg(len == 64, "path %d, signature %d: %lu bytes", path,
                          i, (unsigned long)len);
            ck_assert_msg(verify(ec->pkey, "ES256", input, raw, len),
                          "path %d, signature %d does not verify", path, i);
        }
        plain = *rs;
        if (path == 2)
            plain.sign_pctx = NULL;
        ck_assert_str_eq(sign(&plain, RS256_INPUT), RS256_SIG);
        plain = *ed;
        if (path == 2)
            plain.sign_ctx = NULL;
        ck_assert_str_eq(sign(&plain, EDDSA_INPUT), EDDSA_SIG);
    }
}
END_TEST

/* Every key, with a signature that is valid for it, checked under every
 * alg name but its own: the key decides, never the token's header. */
START_TEST(test_alg_confusion)
{
    static const char input[] = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0";
    static const char *const algs[] = {"RS256", "ES256", "EdDSA", "none",
                                       "HS256", "PS256", "ES384", "",
                                       "rs256", "es256", "eddsa", "RS256 "};
    tjwt_key *keys[3];
    int i;
    size_t j;

    keys[0] = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    keys[1] = generated_ec_key();
    keys[2] = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    for (i = 0; i < 3; i++) {
        apr_size_t len;
        unsigned char *raw = b64(sign(keys[i], input), &len);
        ck_assert_int_eq(
            verify(keys[i]->pkey, keys[i]->alg_name, input, raw, len), 1);
        for (j = 0; j < sizeof(algs) / sizeof(algs[0]); j++) {
            if (strcmp(algs[j], keys[i]->alg_name) == 0)
                continue;
            ck_assert_msg(!verify(keys[i]->pkey, algs[j], input, raw, len),
                          "a %s key's signature verified as alg \"%s\"",
                          keys[i]->alg_name, algs[j]);
        }
    }
}
END_TEST

/* A key loaded for publishing has no private half: no signature. */
START_TEST(test_public_key_cannot_sign)
{
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_public(
        tjwt_test_pool,
        tjwt_test_vector_path(tjwt_test_pool, "teleport-kid-ec-public.pem"),
        &err);

    ck_assert_msg(k != NULL, "cannot load the public vector: %s", err);
    err = NULL;
    ck_assert_ptr_null(tjwt_jws_sign_input(tjwt_test_pool, k, "a.b", 3, &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

/* _i: 0 RSA, 1 EC, 2 Ed25519. */
START_TEST(test_compact_token)
{
    static const char payload[] =
        "{\"sub\":\"alice\",\"x\":\"caf\xc3\xa9 \\\"q\\\"\"}";
    tjwt_key *k = _i == 0 ? tjwt_test_vector_key("rfc7515-a2-rsa-private.pem")
                  : _i == 1
                      ? generated_ec_key()
                      : tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    const char *err = NULL;
    const char *tok =
        tjwt_jws_sign(tjwt_test_pool, k, payload, strlen(payload), &err);
    char *parts[4], *last, *copy, *expect_header;
    unsigned char *header, *body, *sig;
    apr_size_t hlen, blen, slen;
    int n = 0;

    ck_assert_msg(tok != NULL, "%s token: %s", k->alg_name, err);
    copy = apr_pstrdup(tjwt_test_pool, tok);
    /* apr_strtok would skip empty fields; count dots by hand. */
    parts[n++] = copy;
    for (last = copy; *last; last++) {
        if (*last == '.') {
            *last = '\0';
            ck_assert_int_lt(n, 4);
            parts[n++] = last + 1;
        }
    }
    ck_assert_int_eq(n, 3);

    header = b64(parts[0], &hlen);
    expect_header = apr_psprintf(tjwt_test_pool,
                                 "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":"
                                 "\"JWT\"}",
                                 k->alg_name, k->kid);
    ck_assert_uint_eq(hlen, strlen(expect_header));
    ck_assert_mem_eq(header, expect_header, hlen);
    /* The kid in the header is Teleport's key id of this very key. */
    ck_assert_str_eq(k->kid, tjwt_key_kid(tjwt_test_pool, k->pkey));

    body = b64(parts[1], &blen);
    ck_assert_uint_eq(blen, strlen(payload));
    ck_assert_mem_eq(body, payload, blen);

    sig = b64(parts[2], &slen);
    ck_assert_int_eq(
        verify(k->pkey, k->alg_name,
               apr_pstrcat(tjwt_test_pool, parts[0], ".", parts[1], NULL), sig,
               slen),
        1);
}
END_TEST

/* The RS256 header is the one of docs/tokens.md and Teleport, byte for
 * byte. */
START_TEST(test_rs256_header_exact)
{
    tjwt_key *k = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    const char *err = NULL;
    const char *tok = tjwt_jws_sign(tjwt_test_pool, k, "{}", 2, &err);
    const char *dot;
    unsigned char *h;
    apr_size_t hlen;
    const char *want;

    ck_assert_ptr_nonnull(tok);
    dot = strchr(tok, '.');
    ck_assert_ptr_nonnull(dot);
    h = tjwt_b64url_decode(tjwt_test_pool, tok, (apr_size_t)(dot - tok), &hlen);
    ck_assert_ptr_nonnull(h);
    want = apr_pstrcat(tjwt_test_pool, "{\"alg\":\"RS256\",\"kid\":\"", k->kid,
                       "\",\"typ\":\"JWT\"}", NULL);
    ck_assert_str_eq(apr_pstrmemdup(tjwt_test_pool, (char *)h, hlen), want);
    /* The payload of "{}" is "e30"; nothing is added to it. */
    ck_assert_int_eq(strncmp(dot + 1, "e30.", 4), 0);
}
END_TEST

Suite *tjwt_suite_jws(void)
{
    Suite *s = suite_create("jws");
    TCase *tc = tcase_create("vectors");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_rs256_rfc7515_a2);
    tcase_add_test(tc, test_eddsa_rfc8037_a4);
    suite_add_tcase(s, tc);

    tc = tcase_create("verify");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    /* 2000 ECDSA signatures exceed libcheck's default on a slow host. */
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_es256);
    tcase_add_test(tc, test_every_signing_path);
    tcase_add_test(tc, test_es256_randomised);
    tcase_add_test(tc, test_es256_fixed_size);
    tcase_add_test(tc, test_alg_confusion);
    tcase_add_test(tc, test_public_key_cannot_sign);
    suite_add_tcase(s, tc);

    tc = tcase_create("token");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_compact_token, 0, 3);
    tcase_add_test(tc, test_rs256_header_exact);
    suite_add_tcase(s, tc);
    return s;
}
