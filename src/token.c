/* Tokens for a claim set: taken from the cache or signed here, within the
 * size limit. This is the one place a request gets its token from, so the
 * cache (cache_layers.h) sits in front of the signature here and nowhere
 * else. */
#include "token.h"
#include "cache_layers.h"
#include "config.h"
#include "counters.h"
#include "jws.h"

#include <apr_strings.h>
#include <http_log.h>

/* Signs the claims, dropping traits and then roles while the token is
 * longer than max, what TeleportJWTMaxSize leaves for the token itself
 * (docs/tokens.md). */
static const char *tjwt_sign_fitting(request_rec *r, const tjwt_key *key,
                                     tjwt_claims *c, apr_int64_t max)
{
    const char *err = NULL, *token;
    char *json;

    for (;;) {
        json = tjwt_claims_to_json(r->pool, c, &err);
        token =
            json ? tjwt_jws_sign(r->pool, key, json, strlen(json), &err) : NULL;
        if (!token) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "mod_teleport_jwt: cannot sign a token for %s: %s",
                          c->user, err);
            return NULL;
        }
        if ((apr_int64_t)strlen(token) <= max)
            return token;
        /* Traits go first, then roles. */
        if (c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
            c->mode == TJWT_CLAIMS_TRAITS || c->mode == TJWT_CLAIMS_ROLES) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes, over the %" APR_INT64_T_FMT
                          " that TeleportJWTMaxSize leaves it; dropping %s",
                          c->user, strlen(token), max,
                          c->mode == TJWT_CLAIMS_ROLES ? "roles" : "traits");
            c->mode = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS
                          ? TJWT_CLAIMS_ROLES
                          : TJWT_CLAIMS_NONE;
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes even without roles and traits, over "
                          "the %" APR_INT64_T_FMT
                          " that TeleportJWTMaxSize leaves it",
                          c->user, strlen(token), max);
            return NULL;
        }
    }
}

/* What tjwt_token_get asks the cache to make when no layer has a token. */
typedef struct {
    const tjwt_key *key;
    tjwt_claims *claims;
    apr_int64_t max_size;
} tjwt_token_order;

static const char *tjwt_token_make(request_rec *r, void *baton,
                                   tjwt_cache_entry *e)
{
    tjwt_token_order *o = baton;
    const char *token = tjwt_sign_fitting(r, o->key, o->claims, o->max_size);

    if (!token) {
        tjwt_stats_inc(TJWT_STAT_SIGN_FAILURES);
        return NULL;
    }
    tjwt_stats_inc(TJWT_STAT_SIGNED);
    /* The size fallback may have narrowed the claim mode: a hit must
     * reproduce it, as it reproduces the times. */
    e->token = token;
    e->iat = o->claims->iat;
    e->exp = o->claims->exp;
    e->mode = o->claims->mode;
    return token;
}

const char *tjwt_token_get(request_rec *r, const tjwt_key *key, tjwt_claims *c,
                           apr_int64_t max_size)
{
    tjwt_token_order o = {key, c, max_size};
    tjwt_cache_ident id;
    tjwt_cache_entry e;

    /* The caller's iat is the request's "now". */
    tjwt_cache_ident_make(&id, key->kid, c, max_size);
    if (!tjwt_cache_token(r, key, &id, tjwt_token_make, &o, &e))
        return NULL;
    c->iat = e.iat;
    c->exp = e.exp;
    c->mode = e.mode;
    return e.token;
}
