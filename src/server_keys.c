/* Signing keys per server, settled once per (re)start before anything
 * uses them: a server that names none gets the default key, so that
 * "TeleportJWT On" alone works. Generating a key takes a moment and its
 * tokens must outlive a restart, so it is made once and kept on disk,
 * readable only by root. */
#include "server_keys.h"
#include "config.h"

#include <apr_file_info.h>
#include <http_log.h>
#include <errno.h>
#include <sys/stat.h>

/* Loads the default key, generating it the first time. */
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

int tjwt_server_keys_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                 server_rec *s)
{
    tjwt_key *dflt = NULL;
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        tjwt_srv_conf *sc =
            ap_get_module_config(vs->module_config, &teleport_jwt_module);

        if (sc->signing_key)
            continue;
        if (!dflt && !(dflt = tjwt_default_key(pconf, ptemp, s)))
            return HTTP_INTERNAL_SERVER_ERROR;
        sc->signing_key = dflt;
    }
    return OK;
}
