/* ES256 signatures straight in JOSE's R||S form, through OpenSSL's EC_KEY
 * functions rather than EVP. */
#ifndef TJWT_ECDSA_RAW_H
#define TJWT_ECDSA_RAW_H

#include <openssl/evp.h>

/* R and S are each this long in the signature, left-padded. */
#define TJWT_ES256_PART    32
#define TJWT_ES256_SIG_LEN (2 * (size_t)TJWT_ES256_PART)

/* The EC_KEY inside a P-256 private key, owned by pkey; NULL when there is
 * none to sign with this way (a key held by another provider, say), and
 * the caller then signs through EVP. */
EC_KEY *tjwt_ecdsa_raw_key(EVP_PKEY *pkey);

/* Signs a SHA-256 digest: R and S, each left-padded to 32 bytes, into out.
 * Returns 1, or 0 if OpenSSL fails. */
int tjwt_ecdsa_raw_sign(EC_KEY *ec, const unsigned char digest[32],
                        unsigned char out[TJWT_ES256_SIG_LEN]);

#endif
