/* EVP_PKEY_sign hands back an ECDSA signature DER-encoded, which JOSE then
 * needs taken apart again into R||S (RFC 7518 §3.4). In the profile of a
 * token signed for a new identity, the provider dispatch, a context
 * duplicated per signature, ECDSA_size (which encodes a dummy signature to
 * measure it) and i2d_ECDSA_SIG came to some 9,000 instructions on top
 * of the signature proper, as much as the claims, the cache key and the
 * JWS encoding together. ECDSA_do_sign returns R and S as numbers; they
 * are written out padded.
 * These functions are deprecated in OpenSSL 3 but kept through 3.x; the
 * nonce, the constant-time arithmetic and the random source are the same
 * as EVP's (the default ECDSA method). Keys not held by the default
 * provider have no EC_KEY here and go through EVP instead (jws.c). */
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
