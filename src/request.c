/* Fixups: by this phase authentication has set the user, mod_rewrite and
 * mod_env have set their variables and the proxy target is known, and
 * mod_proxy has not yet copied the request headers. */
#include "request.h"
#include "audience.h"
#include "config.h"
#include "htaccess.h"
#include "sources.h"
#include "template.h"
#include "values.h"
#include "token.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_request.h>

static int tjwt_owned(const tjwt_dir_conf *d, const char *name)
{
    const char *assertion = tjwt_dir_assertion_header(d);

    /* The default name is always owned: an upstream may take it for the
     * module's even where the assertion is renamed or off. */
    return tjwt_same_header(name, TJWT_DEFAULT_ASSERTION_HEADER) ||
           (assertion && tjwt_same_header(name, assertion)) ||
           tjwt_dir_has_header(d, name);
}

/* Removes every client-supplied copy of the headers the module owns,
 * whatever its case and whether it is spelled with '_' (CGI, WSGI and
 * several frameworks fold '-' and '_' together). */
static void tjwt_strip_owned(request_rec *r, const tjwt_dir_conf *d)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && tjwt_owned(d, e[i].key)) {
            if (!doomed)
                doomed = apr_array_make(r->pool, 2, sizeof(char *));
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
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

/* Adds the TeleportJWTHeader lines: one header line per value. */
static void tjwt_set_templates(request_rec *r, const tjwt_dir_conf *d,
                               const char *token, const tjwt_claims *c)
{
    const char *assertion = tjwt_dir_assertion_header(d);
    int i, j;

    for (i = 0; d->headers && i < d->headers->nelts; i++) {
        const tjwt_template *t = APR_ARRAY_IDX(d->headers, i, tjwt_template *);
        apr_array_header_t *vals;
        /* Scopes merge: an outer template may name what an inner scope
         * made the assertion header. The assertion wins. */
        if (assertion && tjwt_same_header(t->header, assertion)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: TeleportJWTHeader %s is the "
                          "assertion header here; not sent",
                          t->header);
            continue;
        }
        vals = tjwt_template_eval(r->pool, t, token, c->traits);
        for (j = 0; j < vals->nelts; j++) {
            const char *v = APR_ARRAY_IDX(vals, j, const char *);
            if (tjwt_has_ctl(v)) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                              "mod_teleport_jwt: a value of TeleportJWTHeader "
                              "%s contains a control character; that header "
                              "line is not sent",
                              t->header);
                continue;
            }
            apr_table_add(r->headers_in, t->header, v);
        }
    }
}

/* Fills c from the claim sources. Returns OK, DECLINED for "no token" or
 * an HTTP error status. */
static int tjwt_build_claims(request_rec *r, const tjwt_dir_conf *d,
                             tjwt_claims *c)
{
    const char *err = NULL, *taint;
    apr_int64_t now, expiry = 0;
    int has_expiry = 0;

    /* Identity must come from the server's configuration, never from an
     * .htaccess author's (SPEC §5). */
    if ((taint = tjwt_htaccess_tainted(r))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_teleport_jwt: %s, which could change who the "
                      "token says the user is; no token for this request",
                      taint);
        return DECLINED;
    }
    c->user = tjwt_user(r, d);
    if (!c->user || !*c->user)
        return DECLINED;
    c->roles = tjwt_sources_roles(r, d->roles, &err);
    if (c->roles)
        c->traits = tjwt_sources_traits(r, d->traits, &err);
    if (!err && d->expiry)
        has_expiry = tjwt_sources_expiry(r, d->expiry, &expiry, &err);
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: claim source failed for %s: %s",
                      c->user, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    now = (apr_int64_t)apr_time_sec(apr_time_now());
    c->issuer = d->issuer ? d->issuer : r->server->server_hostname;
    c->audience = d->audience && strcmp(d->audience, "auto") != 0
                      ? d->audience
                      : tjwt_request_audience(r);
    c->mode = tjwt_dir_claims_mode(d);
    c->iat = now;
    c->exp = now + tjwt_dir_lifetime(d);
    if (has_expiry > 0 && expiry < c->exp) {
        if (expiry <= now) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: the identity of %s expired at "
                          "%" APR_INT64_T_FMT "; no token",
                          c->user, expiry);
            return DECLINED;
        }
        c->exp = expiry;
    }
    c->identity_expiry = has_expiry > 0 ? expiry : 0;
    return OK;
}

int tjwt_fixups(request_rec *r)
{
    tjwt_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &teleport_jwt_module);
    tjwt_srv_conf *s =
        ap_get_module_config(r->server->module_config, &teleport_jwt_module);
    tjwt_claims c;
    const char *token, *header;
    int rc;

    /* Off still strips: an Off scope nested in an On one serves the same
     * upstreams, which trust the header. Only an unconfigured scope passes
     * client headers through untouched. */
    if (d->enabled == TJWT_UNSET)
        return DECLINED;
    tjwt_strip_owned(r, d);
    apr_table_unset(r->subprocess_env, TJWT_ENV_VAR);
    if (d->enabled != 1)
        return DECLINED;

    memset(&c, 0, sizeof(c));
    rc = tjwt_build_claims(r, d, &c);
    if (rc != OK)
        return rc == DECLINED ? DECLINED : rc;
    if (!s->signing_key) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: no signing key for this server");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    token = tjwt_token_get(r, s->signing_key, &c, tjwt_dir_max_size(d));
    if (!token)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "mod_teleport_jwt: token kid=%s sub=%s exp=%" APR_INT64_T_FMT,
                  s->signing_key->kid, c.user, c.exp);
    header = tjwt_dir_assertion_header(d);
    /* setn: the token already lives in r->pool; no need to copy its
     * few hundred bytes twice more on every request. */
    if (header)
        apr_table_setn(r->headers_in, header, token);
    apr_table_setn(r->subprocess_env, TJWT_ENV_VAR, token);
    tjwt_set_templates(r, d, token, &c);
    return OK;
}
