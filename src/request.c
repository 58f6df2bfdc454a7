/* Fixups: by this phase authentication has set the user and the proxy
 * target is known; mod_proxy has not yet copied the request headers. */
#include "request.h"
#include "audience.h"
#include "config.h"
#include "token.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_request.h>

/* Compares header names case-insensitively with '-' and '_' taken as one:
 * CGI, WSGI and several frameworks fold both to '_', so a client's
 * "Teleport_Jwt_Assertion" could otherwise pass for the module's header. */
static int tjwt_same_header(const char *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        char ca = *a == '_' ? '-' : (char)apr_tolower(*a);
        char cb = *b == '_' ? '-' : (char)apr_tolower(*b);
        if (ca != cb)
            return 0;
    }
    return *a == *b;
}

/* Removes every client-supplied copy of the headers the module owns. */
static void tjwt_strip_owned(request_rec *r, const tjwt_dir_conf *d)
{
    const char *owned[2];
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i, j, n = 0;

    /* The default name is always owned: an upstream may take it for the
     * module's even where the assertion is renamed or off. */
    owned[n++] = TJWT_DEFAULT_ASSERTION_HEADER;
    if (tjwt_dir_assertion_header(d))
        owned[n++] = tjwt_dir_assertion_header(d);
    for (i = 0; i < arr->nelts; i++) {
        for (j = 0; j < n; j++) {
            if (e[i].key && tjwt_same_header(e[i].key, owned[j])) {
                if (!doomed)
                    doomed = apr_array_make(r->pool, 2, sizeof(char *));
                APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
                break;
            }
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "mod_teleport_jwt: removed client-supplied header %s",
                      APR_ARRAY_IDX(doomed, i, const char *));
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(doomed, i, const char *));
    }
}

static const char *tjwt_user(request_rec *r, const tjwt_dir_conf *d)
{
    const char *err = NULL, *user;

    if (!d->user)
        return r->user;
    user = ap_expr_str_exec(r, d->user, &err);
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_teleport_jwt: TeleportJWTUser failed: %s; no "
                      "token for this request",
                      err);
        return NULL;
    }
    return user;
}

int tjwt_fixups(request_rec *r)
{
    tjwt_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &teleport_jwt_module);
    tjwt_srv_conf *s =
        ap_get_module_config(r->server->module_config, &teleport_jwt_module);
    tjwt_claims c;
    const char *token, *header;
    apr_int64_t now;

    /* Off still strips: an Off scope nested in an On one serves the same
     * upstreams, which trust the header. Only an unconfigured scope passes
     * client headers through untouched. */
    if (d->enabled == TJWT_UNSET)
        return DECLINED;
    tjwt_strip_owned(r, d);
    apr_table_unset(r->subprocess_env, TJWT_ENV_VAR);
    if (d->enabled != 1)
        return DECLINED;

    c.user = tjwt_user(r, d);
    if (!c.user || !*c.user)
        return DECLINED;
    if (!s->signing_key) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: no signing key for this server");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    now = (apr_int64_t)apr_time_sec(apr_time_now());
    c.issuer = d->issuer ? d->issuer : r->server->server_hostname;
    c.audience = d->audience && strcmp(d->audience, "auto") != 0
                     ? d->audience
                     : tjwt_request_audience(r);
    c.roles = NULL;
    c.traits = NULL;
    c.mode = tjwt_dir_claims_mode(d);
    c.iat = now;
    c.exp = now + tjwt_dir_lifetime(d);

    token = tjwt_token_get(r, s->signing_key, &c, tjwt_dir_max_size(d));
    if (!token)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "mod_teleport_jwt: token kid=%s sub=%s exp=%" APR_INT64_T_FMT,
                  s->signing_key->kid, c.user, c.exp);
    header = tjwt_dir_assertion_header(d);
    if (header)
        apr_table_set(r->headers_in, header, token);
    apr_table_set(r->subprocess_env, TJWT_ENV_VAR, token);
    return OK;
}
