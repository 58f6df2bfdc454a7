/* Public keys from the other side: a JWK read back into a key, for
 * verifiers (tjwt verify, and the module's OAuth access tokens). Apart
 * from keys.c, which only ever writes JWKs, because what is read here
 * comes from another party. */
#include "jwk.h"
#include "b64url.h"

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <string.h>

static unsigned char *tjwt_jwk_member(apr_pool_t *p, json_t *jwk,
                                      const char *name, apr_size_t *len)
{
    const char *s = json_string_value(json_object_get(jwk, name));

    return s ? tjwt_b64url_decode(p, s, strlen(s), len) : NULL;
}

EVP_PKEY *tjwt_key_from_jwk(apr_pool_t *p, json_t *jwk, const char **err)
{
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    EVP_PKEY *pkey = NULL;
    OSSL_PARAM_BLD *bld = NULL;
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = NULL;
    BIGNUM *bn_n = NULL, *bn_e = NULL;
    apr_size_t alen = 0, blen = 0;
    unsigned char *a, *b;
    /* The builder keeps a pointer to the point, not a copy, until
     * OSSL_PARAM_BLD_to_param: it must live as long as the builder. */
    unsigned char point[65];

    if (!kty) {
        *err = "JWK has no kty";
        return NULL;
    }
    if (strcmp(kty, "OKP") == 0 && crv && strcmp(crv, "Ed25519") == 0) {
        a = tjwt_jwk_member(p, jwk, "x", &alen);
        if (!a || alen != 32) {
            *err = "Ed25519 JWK has no valid x";
            return NULL;
        }
        pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, a, alen);
        if (!pkey)
            *err = "invalid Ed25519 JWK";
        return pkey;
    }
    bld = OSSL_PARAM_BLD_new();
    if (strcmp(kty, "RSA") == 0) {
        a = tjwt_jwk_member(p, jwk, "n", &alen);
        b = tjwt_jwk_member(p, jwk, "e", &blen);
        if (!a || !b || alen == 0 || blen == 0) {
            *err = "RSA JWK has no valid n and e";
            goto done;
        }
        bn_n = BN_bin2bn(a, (int)alen, NULL);
        bn_e = BN_bin2bn(b, (int)blen, NULL);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn_n);
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, bn_e);
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    }
    else if (strcmp(kty, "EC") == 0 && crv && strcmp(crv, "P-256") == 0) {
        a = tjwt_jwk_member(p, jwk, "x", &alen);
        b = tjwt_jwk_member(p, jwk, "y", &blen);
        if (!a || !b || alen != 32 || blen != 32) {
            *err = "EC JWK has no valid x and y";
            goto done;
        }
        point[0] = 0x04; /* uncompressed point */
        memcpy(point + 1, a, 32);
        memcpy(point + 33, b, 32);
        OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
                                        "prime256v1", 0);
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point,
                                         sizeof(point));
        ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    }
    else {
        *err = apr_psprintf(p, "unsupported JWK type %s%s%s", kty,
                            crv ? " " : "", crv ? crv : "");
        goto done;
    }
    params = OSSL_PARAM_BLD_to_param(bld);
    if (!ctx || !params || EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0) {
        *err = "invalid JWK";
        pkey = NULL;
    }
done:
    BN_free(bn_n);
    BN_free(bn_e);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}
