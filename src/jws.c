/* JWS signatures. ECDSA needs a conversion: OpenSSL speaks DER, JOSE
 * speaks the fixed-size R||S form (RFC 7518 §3.4). */
#include "jws.h"
#include "b64url.h"
#include "ecdsa_raw.h"
#include "sha256.h"

#include <apr_strings.h>
#include <openssl/ecdsa.h>
#include <string.h>

/* One DER INTEGER of an ECDSA-Sig-Value, right-aligned into 32 bytes.
 * Returns the bytes it took, or 0 if it is not one. */
static size_t tjwt_der_int(const unsigned char *d, size_t len,
                           unsigned char *out)
{
    size_t n, used;

    if (len < 3 || d[0] != 0x02 || d[1] == 0 || d[1] > len - 2)
        return 0;
    n = d[1];
    used = 2 + n;
    d += 2;
    /* A positive INTEGER carries a leading zero byte when its top bit is
     * set; P-256 values never need more than 32 bytes besides. */
    while (n > TJWT_ES256_PART && *d == 0) {
        d++;
        n--;
    }
    if (n > TJWT_ES256_PART)
        return 0;
    memset(out, 0, TJWT_ES256_PART - n);
    memcpy(out + TJWT_ES256_PART - n, d, n);
    return used;
}

/* DER ECDSA-Sig-Value -> R||S, each left-padded to 32 bytes. Parsed here
 * rather than through d2i_ECDSA_SIG and two BIGNUMs, which cost more than
 * everything else around an ES256 signature but the signature itself. The
 * input is OpenSSL's own output for a P-256 key: a SEQUENCE of at most 72
 * bytes, so its length is in short form. */
static int tjwt_der_to_raw(const unsigned char *der, size_t derlen,
                           unsigned char *raw)
{
    size_t r, s;

    if (derlen < 8 || der[0] != 0x30 || der[1] != derlen - 2)
        return 0;
    r = tjwt_der_int(der + 2, derlen - 2, raw);
    if (!r)
        return 0;
    s = tjwt_der_int(der + 2 + r, derlen - 2 - r, raw + TJWT_ES256_PART);
    return s && 2 + r + s == derlen;
}

/* The signature of input in JOSE's form, written to out (key->sig_max
 * bytes). Returns its length, or 0 with *err. */
static size_t tjwt_sign_into(const tjwt_key *key, const unsigned char *input,
                             apr_size_t len, unsigned char *out,
                             const char **err)
{
    unsigned char digest[TJWT_SHA256_LEN];
    size_t siglen = key->sig_max;
    EVP_PKEY_CTX *pctx;
    int ok;

    if (key->alg == TJWT_ALG_EDDSA) {
        /* Ed25519 signs the message itself, in one call. */
        EVP_MD_CTX *mctx = EVP_MD_CTX_new();
        ok = mctx &&
             (key->sign_ctx ? EVP_MD_CTX_copy_ex(mctx, key->sign_ctx)
                            : EVP_DigestSignInit(mctx, NULL, NULL, NULL,
                                                 key->pkey) > 0) &&
             EVP_DigestSign(mctx, out, &siglen, input, len) > 0;
        EVP_MD_CTX_free(mctx);
        if (!ok) {
            *err = "signing failed";
            return 0;
        }
        return siglen;
    }
    /* RS256 and ES256: the digest with the low-level function, then the
     * signature of it, as `openssl speed` times it; a copy of the key's
     * prepared context costs a tenth of initialising one. */
    if (tjwt_sha256(input, len, digest) != 0) {
        *err = "cannot compute SHA-256";
        return 0;
    }
    if (key->sign_ec) {
        if (!tjwt_ecdsa_raw_sign(key->sign_ec, digest, out)) {
            *err = "signing failed";
            return 0;
        }
        return TJWT_ES256_SIG_LEN;
    }
    pctx = key->sign_pctx ? EVP_PKEY_CTX_dup(key->sign_pctx)
                          : tjwt_key_new_sign_pctx(key);
    ok = pctx && EVP_PKEY_sign(pctx, out, &siglen, digest, sizeof(digest)) > 0;
    EVP_PKEY_CTX_free(pctx);
    if (!ok) {
        *err = "signing failed";
        return 0;
    }
    if (key->alg == TJWT_ALG_ES256) {
        unsigned char raw[TJWT_ES256_SIG_LEN];
        if (!tjwt_der_to_raw(out, siglen, raw)) {
            *err = "cannot convert the ECDSA signature";
            return 0;
        }
        memcpy(out, raw, sizeof(raw));
        siglen = sizeof(raw);
    }
    return siglen;
}

apr_size_t tjwt_jws_sig_len(const tjwt_key *key)
{
    /* OpenSSL's ECDSA signatures are DER, of varying length; JOSE's are
     * R||S. RSA's are the modulus' length, Ed25519's 64 bytes. */
    return key->alg == TJWT_ALG_ES256 ? TJWT_ES256_SIG_LEN : key->sig_max;
}

const char *tjwt_jws_sign_input(apr_pool_t *p, const tjwt_key *key,
                                const char *input, apr_size_t len,
                                const char **err)
{
    unsigned char *sig = apr_palloc(p, key->sig_max);
    size_t siglen =
        tjwt_sign_into(key, (const unsigned char *)input, len, sig, err);

    return siglen ? tjwt_b64url_encode(p, sig, siglen) : NULL;
}

const char *tjwt_jws_sign(apr_pool_t *p, const tjwt_key *key,
                          const char *payload, apr_size_t len, const char **err)
{
    /* The token is built in one buffer, sized for the longest signature:
     * header, '.', payload, then the signature of what is in front. */
    apr_size_t hlen = key->jws_header_len;
    apr_size_t ilen = hlen + 1 + TJWT_B64URL_LEN(len);
    char *tok = apr_palloc(p, ilen + 1 + TJWT_B64URL_LEN(key->sig_max) + 1);
    unsigned char *sig = apr_palloc(p, key->sig_max);
    size_t siglen;

    memcpy(tok, key->jws_header, hlen);
    tok[hlen] = '.';
    tjwt_b64url_encode_to(tok + hlen + 1, (const unsigned char *)payload, len);
    siglen = tjwt_sign_into(key, (const unsigned char *)tok, ilen, sig, err);
    if (!siglen)
        return NULL;
    tok[ilen] = '.';
    tok[ilen + 1 + tjwt_b64url_encode_to(tok + ilen + 1, sig, siglen)] = '\0';
    return tok;
}
