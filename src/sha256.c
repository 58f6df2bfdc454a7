/* Through OpenSSL's low-level SHA-256 functions, which OpenSSL 3 marks
 * deprecated: EVP_Digest (and SHA256(), built on it in 3.0) fetch the
 * algorithm, allocate and free two contexts and dispatch through the
 * provider on every call, several times the cost of hashing the few
 * hundred bytes hashed here. The low-level functions use the same
 * assembly (SHA extensions included) without any of that. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sha256.h"

#include <openssl/sha.h>

int tjwt_sha256(const void *data, apr_size_t len,
                unsigned char out[TJWT_SHA256_LEN])
{
    SHA256_CTX sha;

    if (!SHA256_Init(&sha) || !SHA256_Update(&sha, data, len) ||
        !SHA256_Final(out, &sha))
        return -1;
    return 0;
}
