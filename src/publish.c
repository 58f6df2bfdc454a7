/* Keys as the server publishes them. Everything here is done once per
 * (re)start; the handler only writes a prepared body. */
#include "publish.h"
#include "config.h"

#include <apr_strings.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>

int tjwt_publish_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s)
{
    server_rec *vs;

    for (vs = s; vs; vs = vs->next) {
        tjwt_srv_conf *sc =
            ap_get_module_config(vs->module_config, &teleport_jwt_module);
        apr_array_header_t *keys;
        const char *err = NULL;
        int i;

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
