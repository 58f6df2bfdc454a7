/* Tokens for a claim set: taken from the cache or signed here, within the
 * size limit. This is the one place a request gets its token from, so the
 * cache sits in front of the signature here and nowhere else. */
#include "token.h"
#include "config.h"
#include "cache_socache.h"
#include "jws.h"
#include "counters.h"

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
        if (c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
            c->mode == TJWT_CLAIMS_TRAITS) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes, over the %" APR_INT64_T_FMT
                          " that TeleportJWTMaxSize leaves it; dropping "
                          "traits",
                          c->user, strlen(token), max);
            c->mode = c->mode == TJWT_CLAIMS_TRAITS ? TJWT_CLAIMS_NONE
                                                    : TJWT_CLAIMS_ROLES;
        }
        else if (c->mode == TJWT_CLAIMS_ROLES) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes, over the %" APR_INT64_T_FMT
                          " that TeleportJWTMaxSize leaves it; dropping "
                          "roles",
                          c->user, strlen(token), max);
            c->mode = TJWT_CLAIMS_NONE;
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

const char *tjwt_token_get(request_rec *r, const tjwt_key *key, tjwt_claims *c,
                           apr_int64_t max_size)
{
    tjwt_cache_ident id;
    tjwt_cache_key k;
    tjwt_cache_entry e;
    const char *token, *err = NULL;
    /* The caller's iat is the request's "now". */
    apr_int64_t now = c->iat;
    int cached = tjwt_cache_active(r);

    if (cached) {
        id.kid = key->kid;
        id.claims = c;
        /* A token cut short by the identity expiry has exp = that expiry
         * whenever it is made: such tokens share one key (lifetime 0),
         * instead of a new key every second. */
        id.lifetime = c->identity_expiry && c->exp == c->identity_expiry
                          ? 0
                          : c->exp - c->iat;
        id.max_size = max_size;
        id.identity_expiry = c->identity_expiry;
        /* The in-process cache needs no SHA-256 of the key. A key that
         * cannot be made means claims that cannot be signed either: the
         * signature below reports why. */
        if (cached == TJWT_CACHED_SHARED)
            cached = tjwt_cache_key_make(r->pool, &id, &k, &err) == 0;
        else
            tjwt_cache_key_make_local(r->pool, &id, &k);
    }
    if (cached && tjwt_cache_fetch(r, key, c, &k, now, max_size, &e)) {
        /* The same result as signing: the times and the claim mode the
         * token was made with (the size fallback may have narrowed it). */
        c->iat = e.iat;
        c->exp = e.exp;
        c->mode = e.mode;
        tjwt_stats_inc(TJWT_STAT_HITS);
        return e.token;
    }
    if (cached)
        tjwt_stats_inc(TJWT_STAT_MISSES);
    token = tjwt_sign_fitting(r, key, c, max_size);
    if (!token) {
        tjwt_stats_inc(TJWT_STAT_SIGN_FAILURES);
        return NULL;
    }
    tjwt_stats_inc(TJWT_STAT_SIGNED);
    if (cached) {
        e.token = token;
        e.iat = c->iat;
        e.exp = c->exp;
        e.mode = c->mode;
        tjwt_cache_store(r, &k, &e);
    }
    return token;
}
