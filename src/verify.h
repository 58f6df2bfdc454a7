/* Checking a token as an upstream does: parsing the compact form, finding
 * its key in a JWKS, the signature, and the issuer, audience and time
 * claims. tjwt verify, and the module for OAuth access tokens
 * (oauth_token.c). */
#ifndef TJWT_VERIFY_H
#define TJWT_VERIFY_H

#include <apr_pools.h>
#include <jansson.h>
#include <openssl/evp.h>

/* A compact JWS split and decoded, not yet verified. */
typedef struct {
    const char *input; /* "header.payload": what the signature covers */
    apr_size_t input_len;
    json_t *header;     /* object; released by a cleanup on the pool */
    json_t *payload;    /* object; likewise */
    unsigned char *sig; /* raw signature bytes (may be empty) */
    apr_size_t sig_len;
    const char *alg; /* the header's alg */
    const char *kid; /* the header's kid, or NULL */
} tjwt_jwt;

/* Why a token was refused. The order is that of the checks. */
typedef enum {
    TJWT_VERIFY_OK = 0,
    TJWT_VERIFY_MALFORMED,
    TJWT_VERIFY_UNKNOWN_KID,
    TJWT_VERIFY_BAD_SIGNATURE,
    TJWT_VERIFY_WRONG_ISS,
    TJWT_VERIFY_WRONG_AUD,
    TJWT_VERIFY_NOT_YET_VALID,
    TJWT_VERIFY_EXPIRED
} tjwt_verify_e;

typedef struct {
    const char *issuer;   /* the iss the token must have */
    const char *audience; /* a value its aud must hold */
    apr_int64_t leeway;   /* seconds of clock skew allowed on nbf/exp/iat */
    apr_int64_t now;      /* Unix seconds */
} tjwt_verify_opts;

/* Checks a signature (raw JOSE form: R||S for ES256) over input with a
 * public key for the named alg. Returns 1 if valid, 0 otherwise. A key of
 * another type than alg needs never validates. */
int tjwt_jws_verify_input(EVP_PKEY *pkey, const char *alg, const char *input,
                          apr_size_t len, const unsigned char *sig,
                          apr_size_t siglen);

/* Teleport's example verifier allows a minute of clock skew. */
#define TJWT_VERIFY_DEFAULT_LEEWAY 60

/* The short name of a result: "verified", "malformed token", "unknown
 * kid", "bad signature", "wrong iss", "wrong aud", "not yet valid",
 * "expired". */
const char *tjwt_verify_name(tjwt_verify_e result);

/* A NumericDate as a UTC date ("2026-11-26 09:31:13 UTC"), for people. */
const char *tjwt_time_utc(apr_pool_t *p, double t);

/* Splits and decodes a compact JWS: three base64url parts, a header that
 * is a JSON object with a string alg and no crit, a payload that is a JSON
 * object; duplicate JSON members are refused. Returns NULL with *err. */
tjwt_jwt *tjwt_jwt_parse(apr_pool_t *p, const char *token, const char **err);

/* The member of a JWKS document ({"keys":[...]}) whose kid is kid, or NULL.
 * The reference is borrowed from jwks. */
json_t *tjwt_jwks_find(json_t *jwks, const char *kid);

/* Checks that a document is a JWKS: an object whose "keys" is an array
 * of objects. Returns NULL or what is wrong. */
const char *tjwt_jwks_check(json_t *jwks);

/* Checks iss, aud, nbf, iat and exp of a claim set (exp is required):
 * expired when now >= exp + leeway, not yet valid when now + leeway < nbf
 * or < iat. Sets *why to a one-line explanation when not OK. */
tjwt_verify_e tjwt_verify_claims(apr_pool_t *p, json_t *payload,
                                 const tjwt_verify_opts *o, const char **why);

/* Verifies a token against a JWKS: parsing, the key by kid, the alg the
 * key allows, the signature, then the claims. *why (always set) is a
 * one-line explanation that starts with tjwt_verify_name(result); *out,
 * if not NULL, receives the parsed token when it could be parsed. */
tjwt_verify_e tjwt_verify(apr_pool_t *p, const char *token, json_t *jwks,
                          const tjwt_verify_opts *o, tjwt_jwt **out,
                          const char **why);

#endif
