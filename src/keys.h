/* Signing and published keys: loading PEM files, checking what is accepted,
 * Teleport's key id, generating the default key, and the public JWK form. */
#ifndef TJWT_KEYS_H
#define TJWT_KEYS_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/evp.h>

typedef enum { TJWT_ALG_RS256 = 0, TJWT_ALG_ES256, TJWT_ALG_EDDSA } tjwt_alg_e;

typedef struct tjwt_key {
    EVP_PKEY *pkey; /* released by a cleanup on the loading pool */
    tjwt_alg_e alg;
    const char *alg_name; /* "RS256", "ES256", "EdDSA" */
    const char *kid;      /* Teleport's key id */
    const char *path;     /* where it came from, for messages */
    int is_private;
    const char *jws_header; /* base64url of the protected header, made once */
    apr_size_t jws_header_len;
    apr_size_t sig_max; /* the largest signature, as OpenSSL returns it */
    /* What each signature starts from, prepared when the key is loaded:
     * preparing costs a provider lookup under a lock, a sizeable share of
     * an ES256 or EdDSA signature. For RS256 and ES256 a signing context
     * for a SHA-256 digest (duplicated for each signature), for EdDSA a
     * one-shot message signing context (copied). NULL when it could not
     * be made: each signature then prepares its own. */
    EVP_PKEY_CTX *sign_pctx;
    EVP_MD_CTX *sign_ctx;
    /* ES256: the key as an EC_KEY, which signs straight into R||S
     * (ecdsa_raw.c); NULL when the key offers none. Owned by pkey. */
    EC_KEY *sign_ec;
} tjwt_key;

/* What a key file may hold; used in every key error message. */
#define TJWT_KEYS_ACCEPTED                                                     \
    "an unencrypted PEM key (PKCS#1, PKCS#8 or SEC1): RSA of at least 2048 "   \
    "bits, EC P-256 or Ed25519"

/* A fresh signing context for an RS256 or ES256 key, ready for
 * EVP_PKEY_sign of a SHA-256 digest; the caller frees it. */
EVP_PKEY_CTX *tjwt_key_new_sign_pctx(const tjwt_key *k);

/* Loads a private key for signing. On failure returns NULL and sets *err
 * to a message naming the file and what is accepted. */
tjwt_key *tjwt_key_load_private(apr_pool_t *p, const char *path,
                                const char **err);

/* The same from PEM text in memory (NUL-terminated, len bytes without the
 * NUL), for keys read from standard input; path names it in messages. */
tjwt_key *tjwt_key_parse_private(apr_pool_t *p, const char *pem, apr_size_t len,
                                 const char *path, const char **err);

/* Loads a key to publish: a public key, or a private key of which only the
 * public half is used. */
tjwt_key *tjwt_key_load_public(apr_pool_t *p, const char *path,
                               const char **err);

/* The same from PEM text in memory, as tjwt_key_parse_private. */
tjwt_key *tjwt_key_parse_public(apr_pool_t *p, const char *pem, apr_size_t len,
                                const char *path, const char **err);

/* Wraps an EVP_PKEY (ownership passes to the pool) after checking it is an
 * accepted type. */
tjwt_key *tjwt_key_wrap(apr_pool_t *p, EVP_PKEY *pkey, int is_private,
                        const char *path, const char **err);

/* Teleport's key id: base64url(SHA-256(DER public key)); the DER is the
 * PKCS#1 RSAPublicKey for RSA and the SubjectPublicKeyInfo otherwise. */
const char *tjwt_key_kid(apr_pool_t *p, EVP_PKEY *pkey);

/* Generates a key of the given type ("rsa", "ec", "ed25519"; bits is used
 * for RSA only) and writes it as PKCS#8 PEM to path, created with mode 0600
 * and never overwriting a file. Returns NULL or an error message. */
const char *tjwt_key_generate_file(apr_pool_t *p, const char *path,
                                   const char *type, int bits);

/* Called now and then while an RSA key is made, which can take minutes:
 * what is the search's business (OpenSSL's keygen callback code: 0 a
 * prime candidate, 1 a test round, 3 a prime found). */
typedef void (*tjwt_keygen_progress)(int what, void *baton);

/* tjwt_key_generate_file, calling progress (if not NULL) on the way. */
const char *tjwt_key_generate_file_progress(apr_pool_t *p, const char *path,
                                            const char *type, int bits,
                                            tjwt_keygen_progress progress,
                                            void *baton);

/* The public JWK of a key: kty, alg, use, kid and the public members.
 * Never a private member. Caller owns the reference. */
json_t *tjwt_key_to_jwk(const tjwt_key *k);

/* The big-number parameter name of pkey (OSSL_PKEY_PARAM_...) in
 * base64url, left-padded with zeros to pad bytes (0: as it is); NULL if
 * pkey has no such parameter. */
char *tjwt_key_bn_b64(apr_pool_t *p, EVP_PKEY *pkey, const char *name, int pad);

#endif
