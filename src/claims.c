/* Claims are built with jansson only: every value is escaped by it, none is
 * pasted into JSON text by hand. */
#include "claims.h"

#include <apr_strings.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static const char *const tjwt_mode_names[] = {"roles-and-traits", "roles",
                                              "traits", "none"};

int tjwt_claims_mode_parse(const char *s, tjwt_claims_mode_e *mode)
{
    int i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(s, tjwt_mode_names[i]) == 0) {
            *mode = (tjwt_claims_mode_e)i;
            return 0;
        }
    }
    return -1;
}

const char *tjwt_claims_mode_name(tjwt_claims_mode_e mode)
{
    return tjwt_mode_names[mode];
}

static json_t *tjwt_string_array(const apr_array_header_t *a)
{
    json_t *arr = json_array();
    int i;

    for (i = 0; a && i < a->nelts; i++) {
        json_t *s = json_string(APR_ARRAY_IDX(a, i, const char *));
        if (!s || json_array_append_new(arr, s) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static json_t *tjwt_traits_object(const apr_array_header_t *traits)
{
    json_t *obj = json_object();
    int i;

    for (i = 0; traits && i < traits->nelts; i++) {
        const tjwt_trait *t = &APR_ARRAY_IDX(traits, i, tjwt_trait);
        json_t *vals;
        /* A trait without values says nothing: leave it out. */
        if (!t->values || t->values->nelts == 0)
            continue;
        vals = tjwt_string_array(t->values);
        if (!vals || json_object_set_new(obj, t->name, vals) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

char *tjwt_claims_to_json(apr_pool_t *p, const tjwt_claims *c, const char **err)
{
    json_t *o = json_object();
    json_t *v;
    char buf[1024], *out = NULL;
    size_t len;
    int with_roles =
        c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS || c->mode == TJWT_CLAIMS_ROLES;
    int with_traits = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                      c->mode == TJWT_CLAIMS_TRAITS;

    *err = "a claim value is not valid UTF-8";
    if (!(v = json_string(c->user)) || json_object_set(o, "sub", v) ||
        json_object_set_new(o, "username", v))
        goto done;
    if (!(v = json_string(c->issuer)) || json_object_set_new(o, "iss", v))
        goto done;
    if (!(v = json_string(c->audience)) ||
        json_object_set_new(o, "aud", json_pack("[o]", v)))
        goto done;
    json_object_set_new(o, "iat", json_integer(c->iat));
    json_object_set_new(o, "nbf", json_integer(c->iat - TJWT_NBF_SKEW));
    json_object_set_new(o, "exp", json_integer(c->exp));
    if (with_roles) {
        if (!(v = tjwt_string_array(c->roles)) ||
            json_object_set_new(o, "roles", v))
            goto done;
    }
    if (with_traits) {
        if (!(v = tjwt_traits_object(c->traits)) ||
            json_object_set_new(o, "traits", v))
            goto done;
    }
    /* Straight into the pool: json_dumps would build the text in a
     * growing heap buffer and copy it out, on every signature. */
    len = json_dumpb(o, buf, sizeof(buf), JSON_COMPACT | JSON_SORT_KEYS);
    if (len >= sizeof(buf)) {
        out = apr_palloc(p, len + 1);
        if (json_dumpb(o, out, len, JSON_COMPACT | JSON_SORT_KEYS) != len)
            len = 0;
    }
    else if (len > 0) {
        out = apr_pstrmemdup(p, buf, len);
    }
    if (len > 0) {
        out[len] = '\0';
        *err = NULL;
    }
    else {
        out = NULL;
        *err = "cannot serialise the claims";
    }
done:
    json_decref(o);
    return out;
}
