/* ES256 through ECDSA_do_sign, which returns R and S as numbers, written
 * out padded in JOSE's R||S form: EVP_PKEY_sign's DER encoding, taken
 * apart again, cost about as much as the rest of a new token
 * (docs/performance.md, item 10). Deprecated in OpenSSL 3 but kept
 * through 3.x, with EVP's nonce, constant-time arithmetic and random
 * source (the default ECDSA method). Keys not held by the default
 * provider have no EC_KEY and go through EVP instead (jws.c). */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "ecdsa_raw.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>

EC_KEY *tjwt_ecdsa_raw_key(EVP_PKEY *pkey)
{
    /* A legacy copy of a provider key is made on the first call and kept
     * in pkey, which owns it: taken once, at load time, it stays off the
     * request path. */
    EC_KEY *ec = (EC_KEY *)EVP_PKEY_get0_EC_KEY(pkey);
    const EC_GROUP *g;

    if (!ec || !EC_KEY_get0_private_key(ec) || !(g = EC_KEY_get0_group(ec)) ||
        EC_GROUP_get_curve_name(g) != NID_X9_62_prime256v1)
        return NULL;
    return ec;
}

int tjwt_ecdsa_raw_sign(EC_KEY *ec, const unsigned char digest[32],
                        unsigned char out[TJWT_ES256_SIG_LEN])
{
    ECDSA_SIG *sig = ECDSA_do_sign(digest, 32, ec);
    const BIGNUM *r, *s;
    int ok;

    if (!sig)
        return 0;
    ECDSA_SIG_get0(sig, &r, &s);
    ok = BN_bn2binpad(r, out, TJWT_ES256_PART) == TJWT_ES256_PART &&
         BN_bn2binpad(s, out + TJWT_ES256_PART, TJWT_ES256_PART) ==
             TJWT_ES256_PART;
    ECDSA_SIG_free(sig);
    return ok;
}
