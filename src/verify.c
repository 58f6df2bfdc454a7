/* Token verification, as an upstream does it. Every refusal says which
 * check failed in one line, because the tool prints it as is and an
 * operator must be able to act on it. */
#include "verify.h"
#include "b64url.h"
#include "ecdsa_raw.h"
#include "jwk.h"
#include "jws.h"
#include "keys.h"

#include <apr_strings.h>
#include <openssl/ecdsa.h>
#include <math.h> /* isfinite, a macro: no libm needed */
#include <string.h>
#include <time.h>

/* R||S -> DER, into a buffer the caller frees with OPENSSL_free. */
static int tjwt_raw_to_der(const unsigned char *raw, unsigned char **der)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, TJWT_ES256_PART, NULL);
    BIGNUM *s = BN_bin2bn(raw + TJWT_ES256_PART, TJWT_ES256_PART, NULL);
    int len = -1;

    if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
        r = s = NULL; /* owned by sig now */
        len = i2d_ECDSA_SIG(sig, der);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return len;
}

int tjwt_jws_verify_input(EVP_PKEY *pkey, const char *alg, const char *input,
                          apr_size_t len, const unsigned char *sig,
                          apr_size_t siglen)
{
    int type = EVP_PKEY_get_base_id(pkey);
    const EVP_MD *md = EVP_sha256();
    unsigned char *der = NULL;
    EVP_MD_CTX *mctx;
    int ok = 0;

    /* The key decides the algorithm; a token's alg must agree with it, so
     * that no header can switch an RSA key to another scheme. */
    if (strcmp(alg, "RS256") == 0 && type == EVP_PKEY_RSA &&
        EVP_PKEY_get_bits(pkey) >= 2048) {
        /* ok */
    }
    else if (strcmp(alg, "ES256") == 0 && type == EVP_PKEY_EC) {
        int derlen;
        /* JOSE requires exactly R||S; a DER signature is refused. */
        if (siglen != TJWT_ES256_SIG_LEN)
            return 0;
        derlen = tjwt_raw_to_der(sig, &der);
        if (derlen <= 0)
            return 0;
        sig = der;
        siglen = (apr_size_t)derlen;
    }
    else if (strcmp(alg, "EdDSA") == 0 && type == EVP_PKEY_ED25519) {
        md = NULL;
    }
    else {
        return 0;
    }
    mctx = EVP_MD_CTX_new();
    if (mctx && EVP_DigestVerifyInit(mctx, NULL, md, NULL, pkey) > 0)
        ok = EVP_DigestVerify(mctx, sig, siglen, (const unsigned char *)input,
                              len) == 1;
    EVP_MD_CTX_free(mctx);
    OPENSSL_free(der);
    return ok;
}

/* Values quoted in messages are cut here: a hostile token must not turn
 * one line of output into a page. */
#define TJWT_SHOW_MAX 120

static apr_status_t tjwt_json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

static apr_status_t tjwt_evp_cleanup(void *data)
{
    EVP_PKEY_free(data);
    return APR_SUCCESS;
}

const char *tjwt_verify_name(tjwt_verify_e result)
{
    switch (result) {
    case TJWT_VERIFY_OK:
        return "verified";
    case TJWT_VERIFY_MALFORMED:
        return "malformed token";
    case TJWT_VERIFY_UNKNOWN_KID:
        return "unknown kid";
    case TJWT_VERIFY_BAD_SIGNATURE:
        return "bad signature";
    case TJWT_VERIFY_WRONG_ISS:
        return "wrong iss";
    case TJWT_VERIFY_WRONG_AUD:
        return "wrong aud";
    case TJWT_VERIFY_NOT_YET_VALID:
        return "not yet valid";
    case TJWT_VERIFY_EXPIRED:
        return "expired";
    }
    return "refused";
}

const char *tjwt_time_utc(apr_pool_t *p, double t)
{
    char buf[64];
    struct tm tm;
    time_t tt;

    /* Years 1 to 9999: what a calendar date can show. */
    if (!isfinite(t) || t < -62135596800.0 || t > 253402300799.0)
        return "(not a date)";
    tt = (time_t)t; /* floor, without libm */
    if ((double)tt > t)
        tt--;
    if (!gmtime_r(&tt, &tm) ||
        !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm))
        return "(not a date)";
    return apr_pstrdup(p, buf);
}

/* A JSON value as compact JSON on one line (strings quoted and escaped),
 * cut to TJWT_SHOW_MAX characters. */
static const char *tjwt_show(apr_pool_t *p, json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    const char *out;

    if (!s)
        return "(unprintable)";
    if (strlen(s) > TJWT_SHOW_MAX)
        out = apr_pstrcat(p, apr_pstrndup(p, s, TJWT_SHOW_MAX), "...", NULL);
    else
        out = apr_pstrdup(p, s);
    free(s);
    return out;
}

static const char *tjwt_quote(apr_pool_t *p, const char *s)
{
    json_t *j = json_string(s);
    const char *out = j ? tjwt_show(p, j) : "(not UTF-8)";

    json_decref(j);
    return out;
}

/* One base64url part holding a JSON object. */
static json_t *tjwt_part_object(apr_pool_t *p, const char *s, apr_size_t len,
                                const char *what, const char **err)
{
    unsigned char *raw;
    apr_size_t rawlen = 0;
    json_error_t je;
    json_t *j;

    if (len == 0) {
        *err = apr_psprintf(p, "the %s is empty", what);
        return NULL;
    }
    raw = tjwt_b64url_decode(p, s, len, &rawlen);
    if (!raw) {
        *err = apr_psprintf(p, "the %s is not base64url", what);
        return NULL;
    }
    /* One token, one meaning: a duplicate member could be read one way
     * here and another way by the upstream's library. */
    j = json_loadb((const char *)raw, rawlen, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        *err = apr_psprintf(p, "the %s is not JSON: %s", what, je.text);
        return NULL;
    }
    apr_pool_cleanup_register(p, j, tjwt_json_cleanup, apr_pool_cleanup_null);
    if (!json_is_object(j)) {
        *err = apr_psprintf(p, "the %s is not a JSON object", what);
        return NULL;
    }
    return j;
}

tjwt_jwt *tjwt_jwt_parse(apr_pool_t *p, const char *token, const char **err)
{
    const char *dot1, *dot2, *s;
    tjwt_jwt *t;
    json_t *kid;
    int dots = 0;

    if (!token || !*token) {
        *err = "the token is empty";
        return NULL;
    }
    for (s = token; *s; s++)
        dots += *s == '.';
    if (dots != 2) {
        *err = apr_psprintf(p,
                            "a compact JWS has 3 parts separated by dots, "
                            "this has %d",
                            dots + 1);
        return NULL;
    }
    dot1 = strchr(token, '.');
    dot2 = strchr(dot1 + 1, '.');
    t = apr_pcalloc(p, sizeof(*t));
    t->header =
        tjwt_part_object(p, token, (apr_size_t)(dot1 - token), "header", err);
    if (!t->header)
        return NULL;
    t->payload = tjwt_part_object(p, dot1 + 1, (apr_size_t)(dot2 - dot1 - 1),
                                  "payload", err);
    if (!t->payload)
        return NULL;
    if (dot2[1]) {
        t->sig = tjwt_b64url_decode(p, dot2 + 1, strlen(dot2 + 1), &t->sig_len);
        if (!t->sig) {
            *err = "the signature is not base64url";
            return NULL;
        }
    }
    else {
        t->sig = (unsigned char *)"";
        t->sig_len = 0;
    }
    t->input = token;
    t->input_len = (apr_size_t)(dot2 - token);
    t->alg = json_string_value(json_object_get(t->header, "alg"));
    if (!t->alg) {
        *err = "the header has no alg string";
        return NULL;
    }
    kid = json_object_get(t->header, "kid");
    if (kid && !json_is_string(kid)) {
        *err = "the header's kid is not a string";
        return NULL;
    }
    t->kid = json_string_value(kid);
    /* RFC 7515 §4.1.11: extensions a verifier does not understand make
     * the token invalid; we understand none. */
    if (json_object_get(t->header, "crit")) {
        *err = "the header has crit extensions, which are not supported";
        return NULL;
    }
    return t;
}

const char *tjwt_jwks_check(json_t *jwks)
{
    json_t *keys = json_object_get(jwks, "keys");
    size_t i;
    json_t *k;

    if (!json_is_object(jwks))
        return "a JWKS is a JSON object";
    if (!json_is_array(keys))
        return "a JWKS has a \"keys\" array";
    json_array_foreach(keys, i, k)
    {
        if (!json_is_object(k))
            return "every member of \"keys\" is a JSON object";
    }
    return NULL;
}

json_t *tjwt_jwks_find(json_t *jwks, const char *kid)
{
    json_t *keys = json_object_get(jwks, "keys");
    size_t i;
    json_t *k;

    if (!kid || !json_is_array(keys))
        return NULL;
    json_array_foreach(keys, i, k)
    {
        const char *v = json_string_value(json_object_get(k, "kid"));
        if (v && strcmp(v, kid) == 0)
            return k;
    }
    return NULL;
}

/* A NumericDate claim: 1 present and a number, 0 absent, -1 not a
 * number. */
static int tjwt_time_claim(json_t *payload, const char *name, double *v)
{
    json_t *j = json_object_get(payload, name);

    if (!j)
        return 0;
    if (!json_is_number(j))
        return -1;
    *v = json_number_value(j);
    return isfinite(*v) ? 1 : -1;
}

static int tjwt_aud_holds(json_t *aud, const char *want)
{
    size_t i;
    json_t *v;

    if (json_is_string(aud))
        return strcmp(json_string_value(aud), want) == 0;
    json_array_foreach(aud, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), want) == 0)
            return 1;
    }
    return 0;
}

tjwt_verify_e tjwt_verify_claims(apr_pool_t *p, json_t *payload,
                                 const tjwt_verify_opts *o, const char **why)
{
    static const char *const names[] = {"exp", "nbf", "iat"};
    double t[3] = {0, 0, 0}, now = (double)o->now, leeway = (double)o->leeway;
    int has[3], i;
    json_t *iss = json_object_get(payload, "iss");
    json_t *aud = json_object_get(payload, "aud");

    for (i = 0; i < 3; i++) {
        has[i] = tjwt_time_claim(payload, names[i], &t[i]);
        if (has[i] < 0) {
            *why = apr_psprintf(p, "malformed token: %s is not a number",
                                names[i]);
            return TJWT_VERIFY_MALFORMED;
        }
    }
    /* A token that never expires is a credential that cannot be
     * withdrawn; Teleport never issues one. */
    if (!has[0]) {
        *why = "malformed token: the token has no exp claim";
        return TJWT_VERIFY_MALFORMED;
    }
    if (!iss) {
        *why = apr_psprintf(p, "wrong iss: the token has none, expected %s",
                            tjwt_quote(p, o->issuer));
        return TJWT_VERIFY_WRONG_ISS;
    }
    if (!json_is_string(iss) ||
        strcmp(json_string_value(iss), o->issuer) != 0) {
        *why = apr_psprintf(p, "wrong iss: %s, expected %s", tjwt_show(p, iss),
                            tjwt_quote(p, o->issuer));
        return TJWT_VERIFY_WRONG_ISS;
    }
    if (!aud || !tjwt_aud_holds(aud, o->audience)) {
        *why = apr_psprintf(p, "wrong aud: %s, expected %s",
                            aud ? tjwt_show(p, aud) : "the token has none",
                            tjwt_quote(p, o->audience));
        return TJWT_VERIFY_WRONG_AUD;
    }
    for (i = 1; i < 3; i++) {
        if (has[i] && now + leeway < t[i]) {
            *why = apr_psprintf(p,
                                "not yet valid: %s is %s, %.0f s from now "
                                "(leeway %.0f s)",
                                names[i], tjwt_time_utc(p, t[i]), t[i] - now,
                                leeway);
            return TJWT_VERIFY_NOT_YET_VALID;
        }
    }
    if (now >= t[0] + leeway) {
        *why = apr_psprintf(p, "expired: exp is %s, %.0f s ago (leeway %.0f s)",
                            tjwt_time_utc(p, t[0]), now - t[0], leeway);
        return TJWT_VERIFY_EXPIRED;
    }
    *why = "verified";
    return TJWT_VERIFY_OK;
}

/* The alg a public key signs with, by its type; NULL for any other. */
static const char *tjwt_alg_of(EVP_PKEY *pkey)
{
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA:
        return "RS256";
    case EVP_PKEY_EC:
        return "ES256";
    case EVP_PKEY_ED25519:
        return "EdDSA";
    }
    return NULL;
}

tjwt_verify_e tjwt_verify(apr_pool_t *p, const char *token, json_t *jwks,
                          const tjwt_verify_opts *o, tjwt_jwt **out,
                          const char **why)
{
    const char *err = NULL, *use, *jalg, *kalg, *kid;
    tjwt_jwt *t = tjwt_jwt_parse(p, token, &err);
    EVP_PKEY *pkey;
    json_t *jwk;

    if (out)
        *out = t;
    if (!t) {
        *why = apr_pstrcat(p, "malformed token: ", err, NULL);
        return TJWT_VERIFY_MALFORMED;
    }
    if (!t->kid) {
        *why = "unknown kid: the token has no kid";
        return TJWT_VERIFY_UNKNOWN_KID;
    }
    kid = tjwt_quote(p, t->kid);
    jwk = tjwt_jwks_find(jwks, t->kid);
    if (!jwk) {
        *why = apr_psprintf(p, "unknown kid: %s is not in the JWKS", kid);
        return TJWT_VERIFY_UNKNOWN_KID;
    }
    /* The header is the attacker's; only an alg that this key is for may
     * select the check (RFC 8725 §3.1). */
    if (strcmp(t->alg, "RS256") != 0 && strcmp(t->alg, "ES256") != 0 &&
        strcmp(t->alg, "EdDSA") != 0) {
        *why = apr_psprintf(p,
                            "bad signature: alg %s is not accepted (RS256, "
                            "ES256 or EdDSA)",
                            tjwt_quote(p, t->alg));
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    use = json_string_value(json_object_get(jwk, "use"));
    if (use && strcmp(use, "sig") != 0) {
        *why = apr_psprintf(p, "bad signature: key %s is for use %s, not sig",
                            kid, tjwt_quote(p, use));
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    jalg = json_string_value(json_object_get(jwk, "alg"));
    if (jalg && strcmp(jalg, t->alg) != 0) {
        *why = apr_psprintf(p, "bad signature: alg %s, but key %s is for %s",
                            t->alg, kid, tjwt_quote(p, jalg));
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    pkey = tjwt_key_from_jwk(p, jwk, &err);
    if (!pkey) {
        *why = apr_psprintf(p, "bad signature: key %s: %s", kid, err);
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    apr_pool_cleanup_register(p, pkey, tjwt_evp_cleanup, apr_pool_cleanup_null);
    kalg = tjwt_alg_of(pkey);
    if (!kalg || strcmp(kalg, t->alg) != 0) {
        *why = apr_psprintf(p, "bad signature: alg %s, but key %s is for %s",
                            t->alg, kid, kalg ? kalg : "no JWS alg");
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    if (!tjwt_jws_verify_input(pkey, t->alg, t->input, t->input_len, t->sig,
                               t->sig_len)) {
        *why = apr_psprintf(p,
                            "bad signature: the %s signature does not verify "
                            "with key %s",
                            t->alg, kid);
        return TJWT_VERIFY_BAD_SIGNATURE;
    }
    return tjwt_verify_claims(p, t->payload, o, why);
}
