/* Tokens for a claim set: signed here, within the size limit. This is the
 * one place a request gets its token from, so that a cache can sit in
 * front of the signature. */
#include "token.h"
#include "jws.h"

#include <apr_strings.h>
#include <http_log.h>

/* Signs the claims, dropping traits and then roles while the token is
 * longer than the configured maximum (SPEC §6). */
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
                          " bytes, over TeleportJWTMaxSize %" APR_INT64_T_FMT
                          "; dropping traits",
                          c->user, strlen(token), max);
            c->mode = c->mode == TJWT_CLAIMS_TRAITS ? TJWT_CLAIMS_NONE
                                                    : TJWT_CLAIMS_ROLES;
        }
        else if (c->mode == TJWT_CLAIMS_ROLES) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes, over TeleportJWTMaxSize %" APR_INT64_T_FMT
                          "; dropping roles",
                          c->user, strlen(token), max);
            c->mode = TJWT_CLAIMS_NONE;
        }
        else {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                          "mod_teleport_jwt: token for %s is %" APR_SIZE_T_FMT
                          " bytes even without roles and traits, over "
                          "TeleportJWTMaxSize %" APR_INT64_T_FMT,
                          c->user, strlen(token), max);
            return NULL;
        }
    }
}

const char *tjwt_token_get(request_rec *r, const tjwt_key *key, tjwt_claims *c,
                           apr_int64_t max_size)
{
    return tjwt_sign_fitting(r, key, c, max_size);
}
