/* JWKS documents are made once per configuration, not per request. */
#include "jwks.h"
#include "b64url.h"

#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

tjwt_jwks *tjwt_jwks_build(apr_pool_t *p, const apr_array_header_t *keys,
                           const char **err)
{
    json_t *arr = json_array();
    json_t *doc;
    tjwt_jwks *out = NULL;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char *s;
    int i, j;

    for (i = 0; i < keys->nelts; i++) {
        const tjwt_key *k = APR_ARRAY_IDX(keys, i, const tjwt_key *);
        json_t *jwk;
        int dup = 0;
        for (j = 0; j < i; j++)
            dup |= strcmp(APR_ARRAY_IDX(keys, j, const tjwt_key *)->kid,
                          k->kid) == 0;
        if (dup)
            continue;
        jwk = tjwt_key_to_jwk(k);
        if (!jwk) {
            *err = apr_psprintf(p, "cannot express key %s as a JWK",
                                k->path ? k->path : k->kid);
            json_decref(arr);
            return NULL;
        }
        json_array_append_new(arr, jwk);
    }
    doc = json_pack("{s:o}", "keys", arr);
    s = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (!s) {
        *err = "cannot serialise the JWKS";
        return NULL;
    }
    out = apr_palloc(p, sizeof(*out));
    out->body = apr_pstrdup(p, s);
    free(s);
    /* The ETag is a digest of the body: it changes exactly when the set
     * does, in every process and on every server with the same keys. */
    EVP_Digest(out->body, strlen(out->body), md, &mdlen, EVP_sha256(), NULL);
    out->etag = apr_pstrcat(p, "\"", tjwt_b64url_encode(p, md, 16), "\"", NULL);
    return out;
}
