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

static json_t *tjwt_traits_object(apr_pool_t *p,
                                  const apr_array_header_t *traits)
{
    json_t *obj = json_object();
    const tjwt_trait **sorted;
    int i, j, n = traits ? traits->nelts : 0;

    /* In the order of their names (a stable insertion sort: there are a
     * handful), because the object is dumped in insertion order. A later
     * trait of the same name replaces an earlier one in place, as it
     * would in a sorted dump. */
    sorted = apr_palloc(p, sizeof(*sorted) * (apr_size_t)(n ? n : 1));
    for (i = 0; i < n; i++) {
        const tjwt_trait *t = &APR_ARRAY_IDX(traits, i, tjwt_trait);
        for (j = i; j > 0 && strcmp(sorted[j - 1]->name, t->name) > 0; j--)
            sorted[j] = sorted[j - 1];
        sorted[j] = t;
    }
    for (i = 0; i < n; i++) {
        const tjwt_trait *t = sorted[i];
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
    json_t *v, *a;
    char buf[1024], *out = NULL;
    size_t len;
    int with_roles =
        c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS || c->mode == TJWT_CLAIMS_ROLES;
    int with_traits = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                      c->mode == TJWT_CLAIMS_TRAITS;

    /* The claims go in in the order of their names: jansson (2.8 and
     * later) keeps insertion order, so the text comes out with sorted keys
     * without a sort on every signature. The names are literals: no UTF-8
     * check. */
    *err = "a claim value is not valid UTF-8";
    if (!(v = json_string(c->audience)))
        goto done;
    if (!(a = json_array())) {
        json_decref(v);
        goto done;
    }
    if (json_array_append_new(a, v) || json_object_set_new_nocheck(o, "aud", a))
        goto done;
    json_object_set_new_nocheck(o, "exp", json_integer(c->exp));
    json_object_set_new_nocheck(o, "iat", json_integer(c->iat));
    if (!(v = json_string(c->issuer)) ||
        json_object_set_new_nocheck(o, "iss", v))
        goto done;
    json_object_set_new_nocheck(o, "nbf", json_integer(c->iat - TJWT_NBF_SKEW));
    if (with_roles) {
        if (!(v = tjwt_string_array(c->roles)) ||
            json_object_set_new_nocheck(o, "roles", v))
            goto done;
    }
    if (!(v = json_string(c->user)))
        goto done;
    if (json_object_set_nocheck(o, "sub", v)) {
        json_decref(v);
        goto done;
    }
    if (with_traits) {
        json_t *t = tjwt_traits_object(p, c->traits);
        if (!t || json_object_set_new_nocheck(o, "traits", t)) {
            json_decref(v);
            goto done;
        }
    }
    if (json_object_set_new_nocheck(o, "username", v))
        goto done;
    /* Straight into the pool: json_dumps would build the text in a
     * growing heap buffer and copy it out, on every signature. */
    len = json_dumpb(o, buf, sizeof(buf), JSON_COMPACT);
    if (len >= sizeof(buf)) {
        out = apr_palloc(p, len + 1);
        if (json_dumpb(o, out, len, JSON_COMPACT) != len)
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
