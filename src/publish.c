/* Keys as the server publishes them. Everything here is done once per
 * (re)start; the handler only writes a prepared body. */
#include "publish.h"
#include "config.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <errno.h>
#include <sys/stat.h>

/* Loads the default key, generating it the first time. Tokens outlive a
 * restart only if the key does, so it is kept on disk. */
static tjwt_key *tjwt_default_key(apr_pool_t *pconf, apr_pool_t *ptemp,
                                  server_rec *s)
{
    const char *path = ap_server_root_relative(ptemp, TJWT_DEFAULT_KEY_PATH);
    const char *dir, *err = NULL;
    apr_finfo_t fi;
    tjwt_key *k;

    if (!path) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_teleport_jwt: invalid default key path");
        return NULL;
    }
    if (apr_stat(&fi, path, APR_FINFO_TYPE, ptemp) != APR_SUCCESS) {
        dir = ap_make_dirstr_parent(ptemp, path);
        /* Only the server (as root, before switching user) reads it. */
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, errno, s,
                         "mod_teleport_jwt: cannot create %s for the default "
                         "signing key; set TeleportJWTSigningKey",
                         dir);
            return NULL;
        }
        err = tjwt_key_generate_file(ptemp, path, "rsa", 2048);
        if (err && apr_stat(&fi, path, APR_FINFO_TYPE, ptemp) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                         "mod_teleport_jwt: cannot generate the default "
                         "signing key: %s; set TeleportJWTSigningKey",
                         err);
            return NULL;
        }
        if (!err)
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s,
                         "mod_teleport_jwt: generated RSA-2048 signing key %s",
                         path);
    }
    k = tjwt_key_load_private(pconf, path, &err);
    if (!k)
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s,
                     "mod_teleport_jwt: default signing key: %s", err);
    return k;
}

int tjwt_publish_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    tjwt_key *dflt = NULL;
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        tjwt_srv_conf *sc =
            ap_get_module_config(vs->module_config, &teleport_jwt_module);
        apr_array_header_t *keys;
        const char *err = NULL;
        int i;

        if (!sc->signing_key) {
            if (!dflt && !(dflt = tjwt_default_key(pconf, ptemp, s)))
                return HTTP_INTERNAL_SERVER_ERROR;
            sc->signing_key = dflt;
        }
        keys = apr_array_make(ptemp, 4, sizeof(tjwt_key *));
        APR_ARRAY_PUSH(keys, tjwt_key *) = sc->signing_key;
        for (i = 0; sc->publish_keys && i < sc->publish_keys->nelts; i++)
            APR_ARRAY_PUSH(keys, tjwt_key *) =
                APR_ARRAY_IDX(sc->publish_keys, i, tjwt_key *);
        sc->jwks = tjwt_jwks_build(pconf, keys, &err);
        if (!sc->jwks) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, 0, vs, "mod_teleport_jwt: %s",
                         err);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

int tjwt_jwks_handler(request_rec *r)
{
    tjwt_srv_conf *sc;
    int rc;

    if (!r->handler || strcmp(r->handler, TJWT_JWKS_HANDLER) != 0)
        return DECLINED;
    /* Allow is made from allowed_methods; GET implies HEAD there. */
    r->allowed |= (AP_METHOD_BIT << M_GET);
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    /* HEAD arrives as M_GET with header_only set. */
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    sc = ap_get_module_config(r->server->module_config, &teleport_jwt_module);
    if (!sc->jwks)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    apr_table_setn(r->headers_out, "ETag", sc->jwks->etag);
    rc = ap_meets_conditions(r);
    if (rc != OK)
        return rc;
    ap_set_content_length(r, (apr_off_t)strlen(sc->jwks->body));
    if (!r->header_only)
        ap_rputs(sc->jwks->body, r);
    return OK;
}
