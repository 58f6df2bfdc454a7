/* Protected resource metadata (RFC 9728), what an MCP client reads after
 * a 401 to learn which authorization server to ask for a token. The
 * document of /.well-known/oauth-protected-resource/mcp is made from the
 * configuration of the scope that /mcp is in (a look-up subrequest
 * merges it exactly as a request to /mcp would), so that it cannot say
 * something the protected scope does not enforce. The root URL serves the
 * one resource of the virtual host, as the MCP specification's discovery
 * falls back to it. */
#include "config.h"
#include "oauth_config.h"
#include "oauth_request.h"
#include "oauth_uri.h"
#include "b64url.h"

#include <apr_strings.h>
#include <http_main.h>
#include <http_protocol.h>
#include <http_request.h>
#include <openssl/evp.h>

/* The declared resource the root URL stands for among those declared in
 * server: the one whose path is the root, or else the only one. *found
 * tells whether server declares any. */
static const char *tjwt_oauth_root_in(request_rec *r, const server_rec *server,
                                      int *found)
{
    const apr_array_header_t *list = tjwt_oauth_declared_list();
    const char *only = NULL;
    int i, many = 0;

    *found = 0;
    for (i = 0; list && i < list->nelts; i++) {
        const tjwt_oauth_declared *d =
            &APR_ARRAY_IDX(list, i, tjwt_oauth_declared);
        if (d->server != server)
            continue;
        *found = 1;
        if (!*tjwt_oauth_resource_path(r->pool, d->resource))
            return d->resource;
        if (only && strcmp(only, d->resource) != 0)
            many = 1;
        only = d->resource;
    }
    return many ? NULL : only;
}

/* The virtual host's own resources first; the main server's sections
 * apply to every virtual host, so they come next. */
static const char *tjwt_oauth_root_resource(request_rec *r)
{
    int found;
    const char *res = tjwt_oauth_root_in(r, r->server, &found);

    if (found || !r->server->is_virtual)
        return res;
    return tjwt_oauth_root_in(r, ap_server_conf, &found);
}

/* The merged configuration of the scope at path, if it protects the
 * resource whose path that is. */
static const tjwt_oauth_conf *tjwt_oauth_scope_at(request_rec *r,
                                                  const char *path)
{
    request_rec *rr = ap_sub_req_lookup_uri(*path ? path : "/", r, NULL);
    const tjwt_oauth_conf *o = tjwt_oauth_conf_of(rr->per_dir_config);

    /* The configuration outlives the subrequest; its look-up status (a
     * 401 from an authentication it ran) is of no interest. */
    ap_destroy_sub_req(rr);
    if (!o || !o->resource ||
        strcmp(tjwt_oauth_resource_path(r->pool, o->resource), path) != 0)
        return NULL;
    return o;
}

static const char *tjwt_oauth_document(request_rec *r, const tjwt_oauth_conf *o)
{
    json_t *doc = json_object(), *list;
    char *s;
    const char *body;
    int i;

    json_object_set_new(doc, "resource", json_string(o->resource));
    if (o->issuer)
        json_object_set_new(doc, "authorization_servers",
                            json_pack("[s]", o->issuer));
    json_object_set_new(doc, "bearer_methods_supported",
                        json_pack("[s]", "header"));
    if (o->scopes) {
        list = json_array();
        for (i = 0; i < o->scopes->nelts; i++)
            json_array_append_new(
                list, json_string(APR_ARRAY_IDX(o->scopes, i, const char *)));
        json_object_set_new(doc, "scopes_supported", list);
    }
    if (o->resource_name)
        json_object_set_new(doc, "resource_name",
                            json_string(o->resource_name));
    s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    body = s ? apr_pstrdup(r->pool, s) : NULL;
    free(s);
    return body;
}

int tjwt_oauth_metadata_handler(request_rec *r)
{
    const apr_size_t n = sizeof(TJWT_OAUTH_WELL_KNOWN) - 1;
    const tjwt_oauth_conf *o = NULL;
    const char *path, *resource, *body;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int rc;

    if (!r->handler || strcmp(r->handler, TJWT_OAUTH_METADATA_HANDLER) != 0)
        return DECLINED;
    r->allowed |= (AP_METHOD_BIT << M_GET);
    ap_allow_standard_methods(r, REPLACE_ALLOW, M_GET, -1);
    if (r->method_number != M_GET)
        return HTTP_METHOD_NOT_ALLOWED;
    if (strncmp(r->uri, TJWT_OAUTH_WELL_KNOWN, n) != 0 ||
        (r->uri[n] && r->uri[n] != '/')) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_teleport_jwt: " TJWT_OAUTH_METADATA_HANDLER
                      " serves " TJWT_OAUTH_WELL_KNOWN "[/path] only, not %s",
                      r->uri);
        return HTTP_NOT_FOUND;
    }
    path = r->uri + n;
    if (*path)
        o = tjwt_oauth_scope_at(r, path);
    else if ((resource = tjwt_oauth_root_resource(r)))
        o = tjwt_oauth_scope_at(r, tjwt_oauth_resource_path(r->pool, resource));
    if (!o)
        return HTTP_NOT_FOUND;
    if (!(body = tjwt_oauth_document(r, o)))
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_set_content_type(r, "application/json");
    apr_table_setn(r->headers_out, "Cache-Control", "public, max-age=300");
    /* Browser-based clients read it from another origin; it is public. */
    apr_table_setn(r->headers_out, "Access-Control-Allow-Origin", "*");
    EVP_Digest(body, strlen(body), md, &mdlen, EVP_sha256(), NULL);
    apr_table_setn(r->headers_out, "ETag",
                   apr_pstrcat(r->pool, "\"",
                               tjwt_b64url_encode(r->pool, md, 16), "\"",
                               NULL));
    rc = ap_meets_conditions(r);
    if (rc != OK)
        return rc;
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only)
        ap_rputs(body, r);
    return OK;
}
