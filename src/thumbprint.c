/* Only the tool needs the thumbprint: the module publishes and checks
 * Teleport's kid, which hashes the DER form instead. */
#include "thumbprint.h"
#include "b64url.h"

#include <apr_strings.h>
#include <openssl/core_names.h>
#include <string.h>

const char *tjwt_key_thumbprint(apr_pool_t *p, EVP_PKEY *pkey)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    const char *json = NULL;

    /* RFC 7638 §3.2: only the required members, in lexicographic order,
     * without whitespace. Their values are base64url or fixed names, so
     * none needs JSON escaping and printf builds the exact bytes. */
    switch (EVP_PKEY_get_base_id(pkey)) {
    case EVP_PKEY_RSA: {
        char *n = tjwt_key_bn_b64(p, pkey, OSSL_PKEY_PARAM_RSA_N, 0);
        char *e = tjwt_key_bn_b64(p, pkey, OSSL_PKEY_PARAM_RSA_E, 0);
        if (n && e)
            json = apr_psprintf(
                p, "{\"e\":\"%s\",\"kty\":\"RSA\",\"n\":\"%s\"}", e, n);
        break;
    }
    case EVP_PKEY_EC: {
        char group[64] = "";
        size_t glen = 0;
        char *x, *y;
        if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
                                            group, sizeof(group), &glen) ||
            strcmp(group, "prime256v1") != 0)
            break;
        x = tjwt_key_bn_b64(p, pkey, OSSL_PKEY_PARAM_EC_PUB_X, 32);
        y = tjwt_key_bn_b64(p, pkey, OSSL_PKEY_PARAM_EC_PUB_Y, 32);
        if (x && y)
            json =
                apr_psprintf(p,
                             "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\","
                             "\"y\":\"%s\"}",
                             x, y);
        break;
    }
    case EVP_PKEY_ED25519: {
        unsigned char raw[32];
        size_t rawlen = sizeof(raw);
        if (EVP_PKEY_get_raw_public_key(pkey, raw, &rawlen) && rawlen == 32)
            json = apr_psprintf(
                p, "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}",
                tjwt_b64url_encode(p, raw, rawlen));
        break;
    }
    }
    if (!json ||
        !EVP_Digest(json, strlen(json), md, &mdlen, EVP_sha256(), NULL))
        return NULL;
    return tjwt_b64url_encode(p, md, mdlen);
}
