/* Key files (docs/keys.md): what loads and what is refused, Teleport's kid,
 * the default-key generator and the public JWK form. */
#include "tjwt_unit.h"

#include "src/b64url.h"
#include "src/jwk.h"
#include "src/jws.h"
#include "src/keys.h"
#include "src/verify.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* From tests/vectors/README.md. */
#define KID_RSA_VECTOR   "GDLHLDvPUYmNLVU3WgshDX7bAw8xEmML8ypeE9KRAEQ"
#define KID_EC_VECTOR    "fLYYX_JCuFA6XuN6BVCeas1bbEWRd7clCTkr8QG6Djk"
#define ED25519_X_VECTOR "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"

/* RSA key generation is slow on a loaded machine; libcheck's default of
 * four seconds is not meant for it. */
#define KEYGEN_TIMEOUT 120

static const char *vector(const char *name)
{
    return tjwt_test_vector_path(tjwt_test_pool, name);
}

static tjwt_key *load_private(const char *path)
{
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_private(tjwt_test_pool, path, &err);

    ck_assert_msg(k != NULL, "cannot load %s: %s", path, err);
    return k;
}

static apr_status_t free_pkey(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

/* An OpenSSL key that the test pool frees. */
static EVP_PKEY *pooled(EVP_PKEY *pkey)
{
    ck_assert_ptr_nonnull(pkey);
    apr_pool_cleanup_register(tjwt_test_pool, pkey, free_pkey,
                              apr_pool_cleanup_null);
    return pkey;
}

static const char *tmpfile_in(const char *dir, const char *name)
{
    return apr_pstrcat(tjwt_test_pool, dir, "/", name, NULL);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* Writes pkey with OpenSSL's encoder: selection EVP_PKEY_PUBLIC_KEY or
 * EVP_PKEY_KEYPAIR, structure "type-specific" (PKCS#1, SEC1),
 * "SubjectPublicKeyInfo" or "PrivateKeyInfo" (PKCS#8). */
static void write_pem(const char *path, EVP_PKEY *pkey, int selection,
                      const char *structure)
{
    BIO *b = BIO_new_file(path, "w");
    OSSL_ENCODER_CTX *ectx =
        OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "PEM", structure, NULL);

    ck_assert_ptr_nonnull(b);
    ck_assert_msg(ectx && OSSL_ENCODER_CTX_get_num_encoders(ectx) > 0,
                  "no PEM %s encoder", structure);
    ck_assert_int_eq(OSSL_ENCODER_to_bio(ectx, b), 1);
    OSSL_ENCODER_CTX_free(ectx);
    BIO_free(b);
}

static void read_file(const char *path, char **data, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;

    ck_assert_int_eq(apr_file_open(&f, path, APR_FOPEN_READ, 0, tjwt_test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(apr_file_info_get(&fi, APR_FINFO_SIZE, f), APR_SUCCESS);
    *len = (apr_size_t)fi.size;
    *data = apr_palloc(tjwt_test_pool, *len + 1);
    ck_assert_int_eq(apr_file_read_full(f, *data, *len, NULL), APR_SUCCESS);
    apr_file_close(f);
}

static int count_entries(const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int n = 0;

    ck_assert_int_eq(apr_dir_open(&d, dir, tjwt_test_pool), APR_SUCCESS);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS)
        if (strcmp(fi.name, ".") != 0 && strcmp(fi.name, "..") != 0)
            n++;
    apr_dir_close(d);
    return n;
}

/* ---- kid ------------------------------------------------------------- */

START_TEST(test_kid_ec_vector)
{
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_public(
        tjwt_test_pool, vector("teleport-kid-ec-public.pem"), &err);

    ck_assert_msg(k != NULL, "cannot load the EC vector: %s", err);
    ck_assert_int_eq(k->alg, TJWT_ALG_ES256);
    ck_assert_int_eq(k->is_private, 0);
    ck_assert_str_eq(tjwt_key_kid(tjwt_test_pool, k->pkey), KID_EC_VECTOR);
    ck_assert_str_eq(k->kid, KID_EC_VECTOR);
}
END_TEST

/* The same public key in a file that holds its point compressed (as
 * `openssl ec -conv_form compressed` writes it): Teleport's kid hashes the
 * uncompressed form whatever the file held, so that a key published from
 * one file and later signing from another keeps its kid. */
START_TEST(test_kid_ec_compressed)
{
    const char *err = NULL, *pem_text;
    tjwt_key *k = tjwt_key_load_public(
        tjwt_test_pool, vector("teleport-kid-ec-public.pem"), &err);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    long n;

    ck_assert_ptr_nonnull(k);
    ck_assert_int_eq(
        EVP_PKEY_set_utf8_string_param(
            k->pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed"),
        1);
    ck_assert_int_eq(PEM_write_bio_PUBKEY(bio, k->pkey), 1);
    n = BIO_get_mem_data(bio, &data);
    pem_text = apr_pstrmemdup(tjwt_test_pool, data, (apr_size_t)n);
    BIO_free(bio);
    /* The file really holds a compressed point: a P-256
     * SubjectPublicKeyInfo of 59 bytes (134 in PEM), not 91 (178). */
    ck_assert_int_lt(strlen(pem_text), 150);
    k = tjwt_key_parse_public(tjwt_test_pool, pem_text, strlen(pem_text),
                              "compressed.pem", &err);
    ck_assert_msg(k != NULL, "cannot parse the compressed key: %s", err);
    ck_assert_str_eq(k->kid, KID_EC_VECTOR);
}
END_TEST

/* The RSA vector is a 512-bit key, which docs/keys.md refuses as a key
 * file; its kid is checked on the EVP_PKEY that OpenSSL reads directly. */
START_TEST(test_kid_rsa_vector)
{
    const char *path = vector("teleport-kid-rsa-public.pem");
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_public(tjwt_test_pool, path, &err);
    EVP_PKEY *pkey = NULL;
    OSSL_DECODER_CTX *dctx;
    BIO *b;

    if (k) {
        ck_assert_str_eq(k->kid, KID_RSA_VECTOR);
    }
    else {
        ck_assert_msg(err && strstr(err, path), "error without the path: %s",
                      err);
    }
    b = BIO_new_file(path, "r");
    ck_assert_ptr_nonnull(b);
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, "RSA",
                                         EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    ck_assert_ptr_nonnull(dctx);
    ck_assert_int_eq(OSSL_DECODER_from_bio(dctx, b), 1);
    OSSL_DECODER_CTX_free(dctx);
    BIO_free(b);
    pooled(pkey);
    ck_assert_int_eq(EVP_PKEY_get_base_id(pkey), EVP_PKEY_RSA);
    ck_assert_str_eq(tjwt_key_kid(tjwt_test_pool, pkey), KID_RSA_VECTOR);
}
END_TEST

/* For keys other than RSA the kid hashes the SubjectPublicKeyInfo. An
 * Ed25519 one is a fixed 12-byte prefix (RFC 8410 §4) and the raw key, so
 * the kid follows from the published x alone. */
START_TEST(test_kid_ed25519_spki)
{
    static const unsigned char prefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                           0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
    tjwt_key *k = load_private(vector("rfc8037-a-ed25519-private.pem"));
    unsigned char der[sizeof(prefix) + 32], md[32];
    unsigned int mdlen = 0;
    apr_size_t xlen;
    unsigned char *x = tjwt_b64url_decode(tjwt_test_pool, ED25519_X_VECTOR,
                                          strlen(ED25519_X_VECTOR), &xlen);

    ck_assert_ptr_nonnull(x);
    ck_assert_uint_eq(xlen, 32);
    memcpy(der, prefix, sizeof(prefix));
    memcpy(der + sizeof(prefix), x, 32);
    ck_assert_int_eq(
        EVP_Digest(der, sizeof(der), md, &mdlen, EVP_sha256(), NULL), 1);
    ck_assert_str_eq(k->kid, tjwt_b64url_encode(tjwt_test_pool, md, mdlen));
}
END_TEST

/* A published key must carry the kid its tokens carry, whatever form the
 * public file takes (PKCS#1 or SubjectPublicKeyInfo). */
START_TEST(test_kid_private_equals_public)
{
    static const struct {
        const char *vector;
        const char *structure;
    } forms[] = {
        {"rfc7515-a2-rsa-private.pem", "type-specific"},
        {"rfc7515-a2-rsa-private.pem", "SubjectPublicKeyInfo"},
        {"rfc8037-a-ed25519-private.pem", "SubjectPublicKeyInfo"},
    };
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    size_t i;

    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        tjwt_key *priv = load_private(vector(forms[i].vector));
        const char *path = tmpfile_in(
            dir, apr_psprintf(tjwt_test_pool, "pub%lu.pem", (unsigned long)i));
        const char *err = NULL;
        tjwt_key *pub;

        write_pem(path, priv->pkey, EVP_PKEY_PUBLIC_KEY, forms[i].structure);
        pub = tjwt_key_load_public(tjwt_test_pool, path, &err);
        ck_assert_msg(pub != NULL, "%s as %s: %s", forms[i].vector,
                      forms[i].structure, err);
        ck_assert_int_eq(pub->is_private, 0);
        ck_assert_int_eq(pub->alg, priv->alg);
        ck_assert_str_eq(pub->kid, priv->kid);
    }
}
END_TEST

/* ---- load ------------------------------------------------------------ */

/* Each case makes one file that neither loader may accept (or, for the
 * public key, that only tjwt_key_load_public may accept). */
enum {
    BAD_RSA_1024,
    BAD_ENCRYPTED,
    BAD_PUBLIC_FOR_PRIVATE,
    BAD_NOT_A_KEY,
    BAD_EMPTY,
    BAD_MISSING,
    BAD_EC_P384,
    BAD_ED448,
    BAD_TWO_KEYS,
    BAD_KEY_AND_CERT,
    BAD_TRAILING_BLOCK,
    BAD_CERT_ONLY,
    BAD_CASES
};

static const char *const bad_names[] = {
    "RSA-1024",
    "encrypted PEM",
    "public key",
    "not a key",
    "empty file",
    "missing file",
    "EC P-384",
    "Ed448",
    "two keys",
    "key and certificate",
    "key and another block",
    "certificate",
};

/* The PEM text of pkey, as write_pem writes it. */
static char *pem_text(const char *dir, EVP_PKEY *pkey, int selection,
                      const char *structure)
{
    const char *path = tmpfile_in(dir, "part.pem");
    char *data;
    apr_size_t len;

    write_pem(path, pkey, selection, structure);
    read_file(path, &data, &len);
    data[len] = '\0';
    unlink(path);
    return data;
}

/* A self-signed certificate of pkey, in PEM: what a key file must not
 * carry along. */
static char *cert_text(EVP_PKEY *pkey)
{
    X509 *x = X509_new();
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    long len;

    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_nonnull(b);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"tjwt test", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    ck_assert_int_eq(X509_set_pubkey(x, pkey), 1);
    ck_assert_int_gt(X509_sign(x, pkey, EVP_sha256()), 0);
    ck_assert_int_eq(PEM_write_bio_X509(b, x), 1);
    len = BIO_get_mem_data(b, &data);
    out = apr_pstrmemdup(tjwt_test_pool, data, (apr_size_t)len);
    BIO_free(b);
    X509_free(x);
    return out;
}

static const char *make_bad_file(int which, const char *dir)
{
    const char *path = tmpfile_in(dir, "key.pem");

    switch (which) {
    case BAD_RSA_1024:
        write_pem(path,
                  pooled(EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024)),
                  EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
        break;
    case BAD_ENCRYPTED: {
        /* A key that would be accepted if it were not encrypted. */
        EVP_PKEY *pkey = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
        FILE *f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_PrivateKey(f, pkey, EVP_aes_256_cbc(),
                                              (unsigned char *)"secret", 6,
                                              NULL, NULL),
                         1);
        fclose(f);
        break;
    }
    case BAD_PUBLIC_FOR_PRIVATE:
        path = vector("teleport-kid-ec-public.pem");
        break;
    case BAD_NOT_A_KEY:
        write_text(path, "-----BEGIN CERTIFICATE-----\nbm90IGEga2V5\n"
                         "-----END CERTIFICATE-----\nhello, world\n");
        break;
    case BAD_EMPTY:
        write_text(path, "");
        break;
    case BAD_MISSING:
        path = tmpfile_in(dir, "missing.pem");
        break;
    case BAD_EC_P384:
        write_pem(path, pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")),
                  EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
        break;
    case BAD_ED448:
        write_pem(path, pooled(EVP_PKEY_Q_keygen(NULL, NULL, "ED448")),
                  EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
        break;
    case BAD_TWO_KEYS:
    case BAD_KEY_AND_CERT:
    case BAD_TRAILING_BLOCK:
    case BAD_CERT_ONLY: {
        /* Each an accepted key (but for the certificate alone) with
         * something after it. */
        EVP_PKEY *k1 = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
        EVP_PKEY *k2 = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
        const char *key = pem_text(dir, k1, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
        const char *more =
            which == BAD_TWO_KEYS
                ? pem_text(dir, k2, EVP_PKEY_KEYPAIR, "PrivateKeyInfo")
            : which == BAD_TRAILING_BLOCK
                ? "-----BEGIN GARBAGE-----\nbm90IGEga2V5\n"
                  "-----END GARBAGE-----\n"
                : cert_text(k1);
        write_text(path, which == BAD_CERT_ONLY
                             ? more
                             : apr_pstrcat(tjwt_test_pool, key, more, NULL));
        break;
    }
    }
    return path;
}

START_TEST(test_load_private_errors)
{
    const char *path = make_bad_file(_i, tjwt_test_tmpdir(tjwt_test_pool));
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_private(tjwt_test_pool, path, &err);

    ck_assert_msg(k == NULL, "%s accepted as a signing key", bad_names[_i]);
    ck_assert_msg(err != NULL, "%s: no error message", bad_names[_i]);
    ck_assert_msg(strstr(err, path) != NULL,
                  "%s: the message does not name %s: %s", bad_names[_i], path,
                  err);
}
END_TEST

START_TEST(test_load_public_errors)
{
    const char *path;
    const char *err = NULL;
    tjwt_key *k;

    path = make_bad_file(_i, tjwt_test_tmpdir(tjwt_test_pool));
    k = tjwt_key_load_public(tjwt_test_pool, path, &err);
    /* A public key is exactly what this loader is for. */
    if (_i == BAD_PUBLIC_FOR_PRIVATE) {
        ck_assert_msg(k != NULL, "public key refused: %s", err);
        ck_assert_int_eq(k->is_private, 0);
        return;
    }
    ck_assert_msg(k == NULL, "%s accepted as a published key", bad_names[_i]);
    ck_assert_msg(err != NULL, "%s: no error message", bad_names[_i]);
    ck_assert_msg(strstr(err, path) != NULL,
                  "%s: the message does not name %s: %s", bad_names[_i], path,
                  err);
}
END_TEST

/* A key file holds one key: what else it holds is named, and what is
 * accepted said, by both loaders. */
START_TEST(test_load_one_key_only)
{
    static const struct {
        int which;
        const char *says;
    } cases[] = {
        {BAD_TWO_KEYS, "holds 2 PEM blocks (PRIVATE KEY, PRIVATE KEY); a key "
                       "file holds one key and nothing else"},
        {BAD_KEY_AND_CERT, "holds 2 PEM blocks (PRIVATE KEY, CERTIFICATE)"},
        {BAD_TRAILING_BLOCK, "holds 2 PEM blocks (PRIVATE KEY, GARBAGE)"},
        {BAD_CERT_ONLY, "holds a CERTIFICATE block, not a key"},
    };
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *path = make_bad_file(cases[i].which, dir);
        const char *err = NULL;

        ck_assert_ptr_null(tjwt_key_load_private(tjwt_test_pool, path, &err));
        ck_assert_msg(err && strstr(err, cases[i].says) &&
                          strstr(err, "expected " TJWT_KEYS_ACCEPTED),
                      "private, %s: %s", bad_names[cases[i].which], err);
        err = NULL;
        ck_assert_ptr_null(tjwt_key_load_public(tjwt_test_pool, path, &err));
        ck_assert_msg(err && strstr(err, cases[i].says) &&
                          strstr(err, "expected a public key or "),
                      "public, %s: %s", bad_names[cases[i].which], err);
        unlink(path);
    }
}
END_TEST

/* Two public keys in one file: which one is published? Neither. */
START_TEST(test_load_two_public_keys)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    const char *path = tmpfile_in(dir, "pub.pem");
    EVP_PKEY *k1 = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    EVP_PKEY *k2 = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
    const char *err = NULL;

    write_text(path, apr_pstrcat(tjwt_test_pool,
                                 pem_text(dir, k1, EVP_PKEY_PUBLIC_KEY,
                                          "SubjectPublicKeyInfo"),
                                 pem_text(dir, k2, EVP_PKEY_PUBLIC_KEY,
                                          "SubjectPublicKeyInfo"),
                                 NULL));
    ck_assert_ptr_null(tjwt_key_load_public(tjwt_test_pool, path, &err));
    ck_assert_msg(err && strstr(err, "holds 2 PEM blocks (PUBLIC KEY, PUBLIC "
                                     "KEY)"),
                  "%s", err);
}
END_TEST

/* docs/keys.md: PKCS#1, PKCS#8 and SEC1 PEM all load. */
START_TEST(test_load_formats)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    EVP_PKEY *ec = pooled(EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
    tjwt_key *rsa1 = load_private(vector("rfc7515-a2-rsa-private.pem"));
    tjwt_key *k;
    const char *path;

    /* PKCS#1 (the vector itself) and its PKCS#8 form. */
    ck_assert_int_eq(rsa1->alg, TJWT_ALG_RS256);
    ck_assert_int_eq(rsa1->is_private, 1);
    path = tmpfile_in(dir, "rsa8.pem");
    write_pem(path, rsa1->pkey, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
    k = load_private(path);
    ck_assert_str_eq(k->kid, rsa1->kid);

    /* SEC1 ("EC PRIVATE KEY") and PKCS#8. */
    path = tmpfile_in(dir, "sec1.pem");
    write_pem(path, ec, EVP_PKEY_KEYPAIR, "type-specific");
    k = load_private(path);
    ck_assert_int_eq(k->alg, TJWT_ALG_ES256);
    ck_assert_str_eq(k->kid, tjwt_key_kid(tjwt_test_pool, ec));
    path = tmpfile_in(dir, "ec8.pem");
    write_pem(path, ec, EVP_PKEY_KEYPAIR, "PrivateKeyInfo");
    k = load_private(path);
    ck_assert_int_eq(k->alg, TJWT_ALG_ES256);

    /* PKCS#8 Ed25519 (the vector). */
    k = load_private(vector("rfc8037-a-ed25519-private.pem"));
    ck_assert_int_eq(k->alg, TJWT_ALG_EDDSA);
}
END_TEST

/* ---- generate -------------------------------------------------------- */

static const struct {
    const char *type;
    int bits;
    tjwt_alg_e alg;
} gen[] = {
    {"rsa", 2048, TJWT_ALG_RS256},
    {"ec", 0, TJWT_ALG_ES256},
    {"ed25519", 0, TJWT_ALG_EDDSA},
};

START_TEST(test_generate_file)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    const char *path = tmpfile_in(dir, "signing-key.pem");
    const char *err;
    struct stat st;
    char *before, *after;
    apr_size_t blen, alen;
    tjwt_key *k;

    err = tjwt_key_generate_file(tjwt_test_pool, path, gen[_i].type,
                                 gen[_i].bits);
    ck_assert_msg(err == NULL, "generating %s: %s", gen[_i].type, err);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_msg((st.st_mode & 07777) == 0600, "%s key has mode %o",
                  gen[_i].type, (unsigned)(st.st_mode & 07777));
    /* Nothing left beside it (no temporary file). */
    ck_assert_int_eq(count_entries(dir), 1);
    k = load_private(path);
    ck_assert_int_eq(k->alg, gen[_i].alg);
    if (gen[_i].alg == TJWT_ALG_RS256)
        ck_assert_int_eq(EVP_PKEY_get_bits(k->pkey), gen[_i].bits);

    /* A second run must keep the key that tokens are already signed
     * with. */
    read_file(path, &before, &blen);
    err = tjwt_key_generate_file(tjwt_test_pool, path, gen[_i].type,
                                 gen[_i].bits);
    ck_assert_msg(err != NULL, "%s: an existing key file was overwritten",
                  gen[_i].type);
    read_file(path, &after, &alen);
    ck_assert_uint_eq(alen, blen);
    ck_assert_mem_eq(after, before, blen);
    ck_assert_int_eq(count_entries(dir), 1);
}
END_TEST

/* Any existing file is kept, not only a key. */
START_TEST(test_generate_keeps_other_file)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    const char *path = tmpfile_in(dir, "precious.txt");
    char *data;
    apr_size_t len;

    write_text(path, "do not touch\n");
    ck_assert_ptr_nonnull(
        tjwt_key_generate_file(tjwt_test_pool, path, "ed25519", 0));
    read_file(path, &data, &len);
    ck_assert_uint_eq(len, 13);
    ck_assert_mem_eq(data, "do not touch\n", 13);
    ck_assert_int_eq(count_entries(dir), 1);
}
END_TEST

static void count_progress(int what, void *baton)
{
    int *seen = baton;

    /* seen[0]: calls, seen[1]: primes found (an RSA key has two). */
    seen[0]++;
    if (what == 3)
        seen[1]++;
}

/* The progress callback hears from the prime search, and the key is the
 * one asked for. */
START_TEST(test_generate_progress)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    const char *path = tmpfile_in(dir, "k.pem");
    int seen[2] = {0, 0};
    const char *err = tjwt_key_generate_file_progress(
        tjwt_test_pool, path, "rsa", 2048, count_progress, seen);

    ck_assert_msg(err == NULL, "%s", err);
    ck_assert_int_gt(seen[0], 0);
    ck_assert_int_ge(seen[1], 2);
    ck_assert_int_eq(EVP_PKEY_get_bits(load_private(path)->pkey), 2048);
}
END_TEST

START_TEST(test_generate_unknown_type)
{
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);

    ck_assert_ptr_nonnull(tjwt_key_generate_file(
        tjwt_test_pool, tmpfile_in(dir, "k.pem"), "dsa", 2048));
    ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/* ---- JWK ------------------------------------------------------------- */

static const char *jwk_str(json_t *jwk, const char *name)
{
    const char *s = json_string_value(json_object_get(jwk, name));

    ck_assert_msg(s != NULL, "JWK member %s missing or not a string", name);
    return s;
}

/* Exactly the given members: nothing missing, nothing extra, and none of
 * the private ones of RFC 7518 §6. */
static void assert_members(json_t *jwk, const char *const *names)
{
    static const char *const priv[] = {"d",  "p",  "q",   "dp",
                                       "dq", "qi", "oth", "k"};
    size_t n = 0, i;

    ck_assert(json_is_object(jwk));
    for (; names[n]; n++)
        ck_assert_msg(json_object_get(jwk, names[n]) != NULL, "JWK lacks %s",
                      names[n]);
    ck_assert_uint_eq(json_object_size(jwk), n);
    for (i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        ck_assert_msg(json_object_get(jwk, priv[i]) == NULL,
                      "JWK has private member %s", priv[i]);
    ck_assert_str_eq(jwk_str(jwk, "use"), "sig");
}

static unsigned char *jwk_bytes(json_t *jwk, const char *name, apr_size_t *len)
{
    const char *s = jwk_str(jwk, name);
    unsigned char *b = tjwt_b64url_decode(tjwt_test_pool, s, strlen(s), len);

    ck_assert_msg(b != NULL, "JWK member %s is not base64url: %s", name, s);
    return b;
}

START_TEST(test_jwk_rsa)
{
    static const char *const members[] = {"kty", "alg", "use", "kid",
                                          "n",   "e",   NULL};
    tjwt_key *k = load_private(vector("rfc7515-a2-rsa-private.pem"));
    json_t *jwk = tjwt_key_to_jwk(k);
    unsigned char *n;
    apr_size_t nlen;
    BIGNUM *want = NULL, *got;

    ck_assert_ptr_nonnull(jwk);
    assert_members(jwk, members);
    ck_assert_str_eq(jwk_str(jwk, "kty"), "RSA");
    ck_assert_str_eq(jwk_str(jwk, "alg"), "RS256");
    ck_assert_str_eq(jwk_str(jwk, "kid"), k->kid);
    /* 65537 = 0x01 0x00 0x01. */
    ck_assert_str_eq(jwk_str(jwk, "e"), "AQAB");
    /* A 2048-bit modulus in 256 bytes, without a leading zero octet
     * (RFC 7518 §6.3.1.1). */
    n = jwk_bytes(jwk, "n", &nlen);
    ck_assert_uint_eq(nlen, 256);
    ck_assert_int_ne(n[0], 0);
    ck_assert_int_eq(
        EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &want), 1);
    got = BN_bin2bn(n, (int)nlen, NULL);
    ck_assert_int_eq(BN_cmp(got, want), 0);
    BN_free(got);
    BN_free(want);
    json_decref(jwk);
}
END_TEST

START_TEST(test_jwk_ec)
{
    static const char *const members[] = {"kty", "alg", "use", "kid",
                                          "crv", "x",   "y",   NULL};
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_public(
        tjwt_test_pool, vector("teleport-kid-ec-public.pem"), &err);
    json_t *jwk;
    unsigned char *x, *y, *spki = NULL;
    apr_size_t xlen, ylen;
    int spkilen;

    ck_assert_msg(k != NULL, "%s", err);
    jwk = tjwt_key_to_jwk(k);
    ck_assert_ptr_nonnull(jwk);
    assert_members(jwk, members);
    ck_assert_str_eq(jwk_str(jwk, "kty"), "EC");
    ck_assert_str_eq(jwk_str(jwk, "alg"), "ES256");
    ck_assert_str_eq(jwk_str(jwk, "crv"), "P-256");
    ck_assert_str_eq(jwk_str(jwk, "kid"), KID_EC_VECTOR);
    x = jwk_bytes(jwk, "x", &xlen);
    y = jwk_bytes(jwk, "y", &ylen);
    ck_assert_uint_eq(xlen, 32);
    ck_assert_uint_eq(ylen, 32);
    /* A P-256 SubjectPublicKeyInfo ends with the uncompressed point
     * 04 || x || y. */
    spkilen = i2d_PUBKEY(k->pkey, &spki);
    ck_assert_int_eq(spkilen, 91);
    ck_assert_int_eq(spki[spkilen - 65], 0x04);
    ck_assert_mem_eq(x, spki + spkilen - 64, 32);
    ck_assert_mem_eq(y, spki + spkilen - 32, 32);
    OPENSSL_free(spki);
    json_decref(jwk);
}
END_TEST

/* x and y are 32 bytes even when a coordinate is shorter (RFC 7518
 * §6.2.1.2); keys are drawn until each coordinate has a leading zero. */
START_TEST(test_jwk_ec_padding)
{
    int coord, tries;

    for (coord = 0; coord < 2; coord++) {
        for (tries = 0; tries < 20000; tries++) {
            EVP_PKEY *pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
            unsigned char *spki = NULL;
            int len = i2d_PUBKEY(pkey, &spki), short_coord;

            ck_assert_int_eq(len, 91);
            /* The point is the last 65 bytes: 04 || x || y. */
            short_coord = spki[len - 64 + 32 * coord] == 0;
            if (short_coord) {
                const char *err = NULL;
                unsigned char point[64];
                tjwt_key *k;
                json_t *jwk;
                apr_size_t xlen, ylen;
                unsigned char *x, *y;

                memcpy(point, spki + len - 64, 64);
                OPENSSL_free(spki);
                k = tjwt_key_wrap(tjwt_test_pool, pkey, 1, NULL, &err);
                ck_assert_msg(k != NULL, "%s", err);
                jwk = tjwt_key_to_jwk(k);
                ck_assert_ptr_nonnull(jwk);
                x = jwk_bytes(jwk, "x", &xlen);
                y = jwk_bytes(jwk, "y", &ylen);
                ck_assert_uint_eq(xlen, 32);
                ck_assert_uint_eq(ylen, 32);
                ck_assert_mem_eq(x, point, 32);
                ck_assert_mem_eq(y, point + 32, 32);
                json_decref(jwk);
                break;
            }
            OPENSSL_free(spki);
            EVP_PKEY_free(pkey);
        }
        ck_assert_int_lt(tries, 20000);
    }
}
END_TEST

START_TEST(test_jwk_okp_vector)
{
    static const char *const members[] = {"kty", "alg", "use", "kid",
                                          "crv", "x",   NULL};
    tjwt_key *k = load_private(vector("rfc8037-a-ed25519-private.pem"));
    json_t *jwk = tjwt_key_to_jwk(k);

    ck_assert_ptr_nonnull(jwk);
    assert_members(jwk, members);
    ck_assert_str_eq(jwk_str(jwk, "kty"), "OKP");
    ck_assert_str_eq(jwk_str(jwk, "alg"), "EdDSA");
    ck_assert_str_eq(jwk_str(jwk, "crv"), "Ed25519");
    ck_assert_str_eq(jwk_str(jwk, "kid"), k->kid);
    ck_assert_str_eq(jwk_str(jwk, "x"), ED25519_X_VECTOR);
    json_decref(jwk);
}
END_TEST

/* What a verifier rebuilds from the published JWK checks what the key
 * signed. _i: 0 RSA, 1 EC, 2 Ed25519. */
START_TEST(test_jwk_round_trip)
{
    static const char input[] = "eyJhbGciOiJ4In0.eyJzdWIiOiJhbGljZSJ9";
    tjwt_key *k;
    json_t *jwk;
    EVP_PKEY *pub;
    const char *err = NULL, *sig;
    unsigned char *raw;
    apr_size_t len;

    if (_i == 0) {
        k = load_private(vector("rfc7515-a2-rsa-private.pem"));
    }
    else if (_i == 1) {
        const char *path =
            tmpfile_in(tjwt_test_tmpdir(tjwt_test_pool), "ec.pem");
        ck_assert_ptr_null(
            tjwt_key_generate_file(tjwt_test_pool, path, "ec", 0));
        k = load_private(path);
    }
    else {
        k = load_private(vector("rfc8037-a-ed25519-private.pem"));
    }
    sig = tjwt_jws_sign_input(tjwt_test_pool, k, input, strlen(input), &err);
    ck_assert_msg(sig != NULL, "%s: %s", k->alg_name, err);
    raw = tjwt_b64url_decode(tjwt_test_pool, sig, strlen(sig), &len);
    ck_assert_ptr_nonnull(raw);

    jwk = tjwt_key_to_jwk(k);
    ck_assert_ptr_nonnull(jwk);
    pub = tjwt_key_from_jwk(tjwt_test_pool, jwk, &err);
    json_decref(jwk);
    ck_assert_msg(pub != NULL, "%s JWK: %s", k->alg_name, err);
    pooled(pub);
    ck_assert_int_eq(
        tjwt_jws_verify_input(pub, k->alg_name, input, strlen(input), raw, len),
        1);
    ck_assert_str_eq(tjwt_key_kid(tjwt_test_pool, pub), k->kid);
    /* And the rebuilt key is only the public half. */
    err = NULL;
    {
        tjwt_key *wrapped =
            tjwt_key_wrap(tjwt_test_pool, EVP_PKEY_dup(pub), 0, NULL, &err);
        ck_assert_msg(wrapped != NULL, "%s", err);
        ck_assert_ptr_null(tjwt_jws_sign_input(tjwt_test_pool, wrapped, input,
                                               strlen(input), &err));
    }
}
END_TEST

START_TEST(test_jwk_from_rejects)
{
    static const char *const bad[] = {
        "{}",
        "{\"kty\":\"oct\",\"k\":\"AAAA\"}",
        "{\"kty\":\"RSA\",\"n\":\"AQAB\"}",
        "{\"kty\":\"RSA\",\"n\":\"AQ+B\",\"e\":\"AQAB\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-384\","
        "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AAAA\",\"y\":\"AAAA\"}",
        /* (0, 0) is not on the curve. */
        "{\"kty\":\"EC\",\"crv\":\"P-256\","
        "\"x\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
        "\"y\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed448\",\"x\":\"" ED25519_X_VECTOR "\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"AAAA\"}",
        "{\"kty\":\"OKP\",\"crv\":\"Ed25519\"}",
    };
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *jwk = json_loads(bad[i], 0, NULL);
        const char *err = NULL;
        EVP_PKEY *pkey;

        ck_assert_ptr_nonnull(jwk);
        pkey = tjwt_key_from_jwk(tjwt_test_pool, jwk, &err);
        json_decref(jwk);
        if (pkey)
            EVP_PKEY_free(pkey);
        ck_assert_msg(pkey == NULL, "accepted JWK %s", bad[i]);
        ck_assert_msg(err != NULL, "no error for JWK %s", bad[i]);
    }
}
END_TEST

Suite *tjwt_suite_keys(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("kid");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_kid_ec_vector);
    tcase_add_test(tc, test_kid_ec_compressed);
    tcase_add_test(tc, test_kid_rsa_vector);
    tcase_add_test(tc, test_kid_ed25519_spki);
    tcase_add_test(tc, test_kid_private_equals_public);
    suite_add_tcase(s, tc);

    tc = tcase_create("load");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_set_timeout(tc, KEYGEN_TIMEOUT);
    tcase_add_loop_test(tc, test_load_private_errors, 0, BAD_CASES);
    tcase_add_loop_test(tc, test_load_public_errors, 0, BAD_CASES);
    tcase_add_test(tc, test_load_formats);
    tcase_add_test(tc, test_load_one_key_only);
    tcase_add_test(tc, test_load_two_public_keys);
    suite_add_tcase(s, tc);

    tc = tcase_create("generate");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_set_timeout(tc, KEYGEN_TIMEOUT);
    tcase_add_loop_test(tc, test_generate_file, 0,
                        (int)(sizeof(gen) / sizeof(gen[0])));
    tcase_add_test(tc, test_generate_keeps_other_file);
    tcase_add_test(tc, test_generate_progress);
    tcase_add_test(tc, test_generate_unknown_type);
    suite_add_tcase(s, tc);

    tc = tcase_create("jwk");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_set_timeout(tc, KEYGEN_TIMEOUT);
    tcase_add_test(tc, test_jwk_rsa);
    tcase_add_test(tc, test_jwk_ec);
    tcase_add_test(tc, test_jwk_ec_padding);
    tcase_add_test(tc, test_jwk_okp_vector);
    tcase_add_loop_test(tc, test_jwk_round_trip, 0, 3);
    tcase_add_test(tc, test_jwk_from_rejects);
    suite_add_tcase(s, tc);
    return s;
}
