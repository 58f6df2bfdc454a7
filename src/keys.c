/* Key files: loading, validation, Teleport's kid, generation, JWK. */
#include "keys.h"
#include "b64url.h"
#include "ecdsa_raw.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Key files are never larger than this; a bigger one is not a key. */
#define TJWT_KEY_FILE_MAX (64 * 1024L)

static apr_status_t tjwt_pkey_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

static apr_status_t tjwt_md_ctx_cleanup(void *data)
{
    EVP_MD_CTX_free(data);
    return APR_SUCCESS;
}

static apr_status_t tjwt_pkey_ctx_cleanup(void *data)
{
    EVP_PKEY_CTX_free(data);
    return APR_SUCCESS;
}

EVP_PKEY_CTX *tjwt_key_new_sign_pctx(const tjwt_key *k)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pkey, NULL);

    /* With the digest named, RSA wraps it in PKCS#1 v1.5's DigestInfo and
     * both check that what they sign is a SHA-256 value. */
    if (!ctx || EVP_PKEY_sign_init(ctx) <= 0 ||
        (k->alg == TJWT_ALG_RS256 &&
         EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0) ||
        EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) <= 0) {
        EVP_PKEY_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

/* Registered after the key's own cleanup, so that they run first. */
static void tjwt_prepare_signing(apr_pool_t *p, tjwt_key *k)
{
    if (k->alg == TJWT_ALG_ES256)
        k->sign_ec = tjwt_ecdsa_raw_key(k->pkey);
    if (k->alg != TJWT_ALG_EDDSA) {
        k->sign_pctx = tjwt_key_new_sign_pctx(k);
        if (k->sign_pctx)
            apr_pool_cleanup_register(p, k->sign_pctx, tjwt_pkey_ctx_cleanup,
                                      apr_pool_cleanup_null);
        return;
    }
    k->sign_ctx = EVP_MD_CTX_new();
    if (k->sign_ctx && EVP_DigestSignInit_ex(k->sign_ctx, NULL, NULL, NULL,
                                             NULL, k->pkey, NULL) <= 0) {
        EVP_MD_CTX_free(k->sign_ctx);
        k->sign_ctx = NULL;
    }
    if (k->sign_ctx)
        apr_pool_cleanup_register(p, k->sign_ctx, tjwt_md_ctx_cleanup,
                                  apr_pool_cleanup_null);
}

/* Refuses every passphrase prompt: an encrypted key cannot be used by a
 * server that starts unattended, and OpenSSL must never wait on a tty. */
static int tjwt_no_passphrase(char *pass, size_t pass_size, size_t *pass_len,
                              const OSSL_PARAM params[], void *arg)
{
    (void)pass;
    (void)pass_size;
    (void)pass_len;
    (void)params;
    (void)arg;
    return 0;
}

static EVP_PKEY *tjwt_decode(const char *pem, apr_size_t len, int selection)
{
    EVP_PKEY *pkey = NULL;
    const unsigned char *data = (const unsigned char *)pem;
    size_t datalen = len;
    OSSL_DECODER_CTX *dctx = OSSL_DECODER_CTX_new_for_pkey(
        &pkey, "PEM", NULL, NULL, selection, NULL, NULL);

    if (!dctx)
        return NULL;
    OSSL_DECODER_CTX_set_passphrase_cb(dctx, tjwt_no_passphrase, NULL);
    if (!OSSL_DECODER_from_data(dctx, &data, &datalen)) {
        EVP_PKEY_free(pkey);
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

static const char *tjwt_read_file(apr_pool_t *p, const char *path,
                                  apr_size_t *len, const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv;
    char *buf, ebuf[120];

    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                       APR_FPROT_OS_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read key file %s: %s", path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    if (fi.size <= 0 || fi.size > TJWT_KEY_FILE_MAX) {
        apr_file_close(f);
        *err = apr_psprintf(p, "key file %s is %s; expected %s", path,
                            fi.size <= 0 ? "empty" : "too large to be a key",
                            TJWT_KEYS_ACCEPTED);
        return NULL;
    }
    buf = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = apr_file_read_full(f, buf, (apr_size_t)fi.size, len);
    apr_file_close(f);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read key file %s: %s", path,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    buf[*len] = '\0';
    return buf;
}

/* `openssl ecparam -genkey`, the classic recipe for an EC key, writes the
 * curve's parameters before the SEC1 key; the decoder would stop at that
 * first block. They say nothing the key itself does not. */
static const char *tjwt_skip_ec_params(const char *pem, apr_size_t *len)
{
    static const char end[] = "-----END EC PARAMETERS-----";
    const char *b = strstr(pem, "-----BEGIN EC PARAMETERS-----");
    const char *e;

    if (!b || strstr(pem, "-----BEGIN") != b || !(e = strstr(b, end)))
        return pem;
    e += sizeof(end) - 1;
    *len -= (apr_size_t)(e - pem);
    return e;
}

/* The labels of pem's PEM blocks ("PRIVATE KEY", "CERTIFICATE", ...), in
 * file order: every line that starts a block, as OpenSSL's PEM reader
 * finds them. */
static apr_array_header_t *tjwt_pem_labels(apr_pool_t *p, const char *pem,
                                           apr_size_t len)
{
    static const char begin[] = "-----BEGIN ";
    apr_array_header_t *labels = apr_array_make(p, 2, sizeof(const char *));
    const char *c = pem, *end = pem + len;

    while (c < end) {
        const char *eol = memchr(c, '\n', (apr_size_t)(end - c));
        const char *stop = eol ? eol : end, *l, *dash;
        if ((apr_size_t)(stop - c) > sizeof(begin) - 1 &&
            memcmp(c, begin, sizeof(begin) - 1) == 0) {
            l = c + sizeof(begin) - 1;
            for (dash = l; dash < stop && *dash != '-'; dash++)
                ;
            APR_ARRAY_PUSH(labels, const char *) =
                apr_pstrmemdup(p, l, (apr_size_t)(dash - l));
        }
        c = eol ? eol + 1 : end;
    }
    return labels;
}

/* A key file holds one key and nothing else. The decoder would take the
 * first block and ignore the rest: a second key that the administrator
 * meant to sign with, or a certificate of another key, would be silently
 * dropped. Returns NULL or the message; expected says what is accepted. */
static const char *tjwt_pem_one_key(apr_pool_t *p, const char *pem,
                                    apr_size_t len, const char *path,
                                    const char *expected)
{
    apr_array_header_t *labels = tjwt_pem_labels(p, pem, len);
    const char *first, *all;
    int i;

    /* No block at all: the decoder says "not a PEM key". */
    if (labels->nelts == 0)
        return NULL;
    first = APR_ARRAY_IDX(labels, 0, const char *);
    if (labels->nelts == 1)
        return strstr(first, "KEY")
                   ? NULL
                   : apr_psprintf(p,
                                  "key file %s holds a %s block, not a key: "
                                  "expected %s",
                                  path, first, expected);
    for (all = first, i = 1; i < labels->nelts; i++)
        all = apr_pstrcat(p, all, ", ", APR_ARRAY_IDX(labels, i, const char *),
                          NULL);
    return apr_psprintf(p,
                        "key file %s holds %d PEM blocks (%s); a key file "
                        "holds one key and nothing else: expected %s",
                        path, labels->nelts, all, expected);
}

static int tjwt_is_encrypted(const char *pem)
{
    return strstr(pem, "ENCRYPTED") != NULL;
}

static const char *tjwt_make_header(apr_pool_t *p, const tjwt_key *k)
{
    json_t *h = json_pack("{s:s, s:s, s:s}", "alg", k->alg_name, "kid", k->kid,
                          "typ", "JWT");
    char *s = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
    const char *out = tjwt_b64url_encode(p, (unsigned char *)s, strlen(s));

    free(s);
    json_decref(h);
    return out;
}

tjwt_key *tjwt_key_wrap(apr_pool_t *p, EVP_PKEY *pkey, int is_private,
                        const char *path, const char **err)
{
    tjwt_key *k = apr_pcalloc(p, sizeof(*k));
    const char *where = path ? path : "(key)";

    apr_pool_cleanup_register(p, pkey, tjwt_pkey_cleanup,
                              apr_pool_cleanup_null);
    k->pkey = pkey;
    k->path = path;
    k->is_private = is_private;
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        if (EVP_PKEY_get_bits(pkey) < 2048) {
            *err = apr_psprintf(p,
                                "key file %s holds a %d-bit RSA key; RSA keys "
                                "must have at least 2048 bits: expected %s",
                                where, EVP_PKEY_get_bits(pkey),
                                TJWT_KEYS_ACCEPTED);
            return NULL;
        }
        k->alg = TJWT_ALG_RS256;
        k->alg_name = "RS256";
        break;
    case EVP_PKEY_EC: {
        char group[64] = "";
        size_t glen = 0;
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &glen) ||
            strcmp(group, "prime256v1") != 0) {
            *err = apr_psprintf(p,
                                "key file %s holds an EC key on curve %s; "
                                "only P-256 (prime256v1) is accepted: "
                                "expected %s",
                                where, *group ? group : "(unknown)",
                                TJWT_KEYS_ACCEPTED);
            return NULL;
        }
        k->alg = TJWT_ALG_ES256;
        k->alg_name = "ES256";
        break;
    }
    case EVP_PKEY_ED25519:
        k->alg = TJWT_ALG_EDDSA;
        k->alg_name = "EdDSA";
        break;
    default:
        /* Provider-only key types have no NID; their type name still
         * tells the administrator what the file holds. */
        *err = apr_psprintf(p, "key file %s holds a %s key; expected %s", where,
                            EVP_PKEY_get0_type_name(pkey)
                                ? EVP_PKEY_get0_type_name(pkey)
                                : OBJ_nid2sn(EVP_PKEY_get_base_id(pkey)),
                            TJWT_KEYS_ACCEPTED);
        return NULL;
    }
    k->kid = tjwt_key_kid(p, pkey);
    if (!k->kid) {
        *err = apr_psprintf(p, "cannot compute the key id of %s", where);
        return NULL;
    }
    k->jws_header = tjwt_make_header(p, k);
    k->jws_header_len = strlen(k->jws_header);
    k->sig_max = (apr_size_t)EVP_PKEY_get_size(pkey);
    if (is_private)
        tjwt_prepare_signing(p, k);
    return k;
}

tjwt_key *tjwt_key_parse_private(apr_pool_t *p, const char *pem, apr_size_t len,
                                 const char *path, const char **err)
{
    EVP_PKEY *pkey;

    pem = tjwt_skip_ec_params(pem, &len);
    if ((*err = tjwt_pem_one_key(p, pem, len, path, TJWT_KEYS_ACCEPTED)))
        return NULL;
    if (tjwt_is_encrypted(pem)) {
        *err = apr_psprintf(p,
                            "key file %s is encrypted; the server cannot ask "
                            "for a passphrase: expected %s",
                            path, TJWT_KEYS_ACCEPTED);
        return NULL;
    }
    pkey = tjwt_decode(pem, len, EVP_PKEY_KEYPAIR);
    if (!pkey) {
        EVP_PKEY *pub = tjwt_decode(pem, len, EVP_PKEY_PUBLIC_KEY);
        if (pub) {
            EVP_PKEY_free(pub);
            *err = apr_psprintf(p,
                                "key file %s holds a public key; a signing "
                                "key must be the private key: expected %s",
                                path, TJWT_KEYS_ACCEPTED);
        }
        else {
            *err = apr_psprintf(p, "key file %s is not a PEM key: expected %s",
                                path, TJWT_KEYS_ACCEPTED);
        }
        return NULL;
    }
    return tjwt_key_wrap(p, pkey, 1, path, err);
}

tjwt_key *tjwt_key_load_private(apr_pool_t *p, const char *path,
                                const char **err)
{
    apr_size_t len;
    const char *pem = tjwt_read_file(p, path, &len, err);

    return pem ? tjwt_key_parse_private(p, pem, len, path, err) : NULL;
}

tjwt_key *tjwt_key_parse_public(apr_pool_t *p, const char *pem, apr_size_t len,
                                const char *path, const char **err)
{
    EVP_PKEY *pkey;

    pem = tjwt_skip_ec_params(pem, &len);
    if ((*err = tjwt_pem_one_key(p, pem, len, path,
                                 "a public key or " TJWT_KEYS_ACCEPTED)))
        return NULL;
    /* Said plainly: decoding would only report "not a key". */
    if (tjwt_is_encrypted(pem)) {
        *err = apr_psprintf(p,
                            "key file %s is encrypted; the server cannot ask "
                            "for a passphrase: expected a public key or %s",
                            path, TJWT_KEYS_ACCEPTED);
        return NULL;
    }
    pkey = tjwt_decode(pem, len, EVP_PKEY_PUBLIC_KEY);
    if (!pkey)
        pkey = tjwt_decode(pem, len, EVP_PKEY_KEYPAIR);
    if (!pkey) {
        *err = apr_psprintf(p,
                            "key file %s is not a PEM key: expected a public "
                            "key or %s",
                            path, TJWT_KEYS_ACCEPTED);
        return NULL;
    }
    return tjwt_key_wrap(p, pkey, 0, path, err);
}

tjwt_key *tjwt_key_load_public(apr_pool_t *p, const char *path,
                               const char **err)
{
    apr_size_t len;
    const char *pem = tjwt_read_file(p, path, &len, err);

    return pem ? tjwt_key_parse_public(p, pem, len, path, err) : NULL;
}

const char *tjwt_key_kid(apr_pool_t *p, EVP_PKEY *pkey)
{
    unsigned char *der = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int len;
    const char *kid = NULL;

    if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_RSA) {
        len = i2d_PublicKey(pkey, &der); /* PKCS#1 RSAPublicKey */
    }
    else {
        /* OpenSSL writes an EC point in the form the file held it; Go's
         * MarshalPKIXPublicKey, which Teleport's kid hashes, always
         * uncompressed. Only the encoding changes, not the key. */
        if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_EC &&
            EVP_PKEY_set_utf8_string_param(
                pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 1)
            return NULL;
        len = i2d_PUBKEY(pkey, &der); /* SubjectPublicKeyInfo */
    }
    if (len > 0 && EVP_Digest(der, (size_t)len, md, &mdlen, EVP_sha256(), NULL))
        kid = tjwt_b64url_encode(p, md, mdlen);
    OPENSSL_free(der);
    return kid;
}

typedef struct {
    tjwt_keygen_progress fn;
    void *baton;
} tjwt_keygen_cb;

static int tjwt_keygen_cb_call(EVP_PKEY_CTX *ctx)
{
    tjwt_keygen_cb *cb = EVP_PKEY_CTX_get_app_data(ctx);

    cb->fn(EVP_PKEY_CTX_get_keygen_info(ctx, 0), cb->baton);
    return 1;
}

/* EVP_PKEY_Q_keygen takes no callback: the long way, for RSA only. */
static EVP_PKEY *tjwt_rsa_generate(int bits, tjwt_keygen_progress progress,
                                   void *baton)
{
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    EVP_PKEY *pkey = NULL;
    tjwt_keygen_cb cb = {progress, baton};

    if (ctx && EVP_PKEY_keygen_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1) {
        if (progress) {
            EVP_PKEY_CTX_set_app_data(ctx, &cb);
            EVP_PKEY_CTX_set_cb(ctx, tjwt_keygen_cb_call);
        }
        if (EVP_PKEY_generate(ctx, &pkey) != 1)
            pkey = NULL;
    }
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

const char *tjwt_key_generate_file(apr_pool_t *p, const char *path,
                                   const char *type, int bits)
{
    return tjwt_key_generate_file_progress(p, path, type, bits, NULL, NULL);
}

const char *tjwt_key_generate_file_progress(apr_pool_t *p, const char *path,
                                            const char *type, int bits,
                                            tjwt_keygen_progress progress,
                                            void *baton)
{
    EVP_PKEY *pkey = NULL;
    const char *tmp = apr_psprintf(p, "%s.%ld.tmp", path, (long)getpid());
    const char *err = NULL;
    FILE *f = NULL;
    int fd;

    if (strcmp(type, "rsa") == 0)
        pkey = tjwt_rsa_generate(bits, progress, baton);
    else if (strcmp(type, "ec") == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(type, "ed25519") == 0)
        pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else
        return apr_psprintf(p,
                            "unknown key type '%s': expected rsa, ec or "
                            "ed25519",
                            type);
    if (!pkey)
        return apr_psprintf(p, "cannot generate a %s key", type);

    /* Written aside and linked into place: a crash never leaves a partial
     * key under the final name, and an existing key is never replaced. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0 || !(f = fdopen(fd, "w"))) {
        err = apr_psprintf(p, "cannot create %s: %s", tmp, strerror(errno));
        if (fd >= 0)
            close(fd);
        EVP_PKEY_free(pkey);
        return err;
    }
    if (!PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL))
        err = apr_psprintf(p, "cannot write %s", tmp);
    if (fclose(f) != 0 && !err)
        err = apr_psprintf(p, "cannot write %s: %s", tmp, strerror(errno));
    EVP_PKEY_free(pkey);
    if (!err && link(tmp, path) != 0)
        err = apr_psprintf(p, "cannot create %s: %s", path, strerror(errno));
    unlink(tmp);
    return err;
}

char *tjwt_key_bn_b64(apr_pool_t *p, EVP_PKEY *pkey, const char *name, int pad)
{
    BIGNUM *bn = NULL;
    unsigned char buf[1024];
    int n;
    char *out = NULL;

    if (!EVP_PKEY_get_bn_param(pkey, name, &bn))
        return NULL;
    if (pad > 0 && pad <= (int)sizeof(buf))
        n = BN_bn2binpad(bn, buf, pad);
    else if (BN_num_bytes(bn) <= (int)sizeof(buf))
        n = BN_bn2bin(bn, buf);
    else
        n = -1;
    if (n > 0)
        out = tjwt_b64url_encode(p, buf, (apr_size_t)n);
    BN_free(bn);
    return out;
}

json_t *tjwt_key_to_jwk(const tjwt_key *k)
{
    apr_pool_t *p;
    json_t *jwk = NULL;

    /* A scratch pool keeps this usable from any caller without threading
     * one through; it is tiny and short-lived. */
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return NULL;
    switch (k->alg) {
    case TJWT_ALG_RS256: {
        char *n = tjwt_key_bn_b64(p, k->pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        char *e = tjwt_key_bn_b64(p, k->pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        if (n && e)
            jwk =
                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "RSA", "alg",
                          "RS256", "use", "sig", "kid", k->kid, "n", n, "e", e);
        break;
    }
    case TJWT_ALG_ES256: {
        char *x = tjwt_key_bn_b64(p, k->pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        char *y = tjwt_key_bn_b64(p, k->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        if (x && y)
            jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "EC",
                            "alg", "ES256", "use", "sig", "kid", k->kid, "crv",
                            "P-256", "x", x, "y", y);
        break;
    }
    case TJWT_ALG_EDDSA: {
        unsigned char raw[32];
        size_t rawlen = sizeof(raw);
        if (EVP_PKEY_get_raw_public_key(k->pkey, raw, &rawlen))
            jwk = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "kty", "OKP",
                            "alg", "EdDSA", "use", "sig", "kid", k->kid, "crv",
                            "Ed25519", "x", tjwt_b64url_encode(p, raw, rawlen));
        break;
    }
    }
    apr_pool_destroy(p);
    return jwk;
}
