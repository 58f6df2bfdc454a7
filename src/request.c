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
    /* The default name is always owned: an upstream may take it for the
     * module's even where the assertion is renamed or off. d->owned holds
     * the assertion header and templates of this scope and of every scope
     * around it. */
    return tjwt_same_header(name, TJWT_DEFAULT_ASSERTION_HEADER) ||
           tjwt_name_in(d->owned, name);
}

/* What the module put into a request: the header lines and the
 * TELEPORT_JWT variable. The last fixup puts them back as they were set,
 * and a request that inherits the headers (an internal redirect shares
 * them, a subrequest copies them) removes them. */
typedef struct {
    const char *name, *value;
} tjwt_sent;

typedef struct {
    apr_array_header_t *sent; /* tjwt_sent */
    const char *env;          /* TELEPORT_JWT as set, or NULL */
} tjwt_req;

static tjwt_req *tjwt_req_get(request_rec *r, int create)
{
    tjwt_req *q = ap_get_module_config(r->request_config, &teleport_jwt_module);

    if (!q && create) {
        q = apr_pcalloc(r->pool, sizeof(*q));
        q->sent = apr_array_make(r->pool, 2, sizeof(tjwt_sent));
        ap_set_module_config(r->request_config, &teleport_jwt_module, q);
    }
    return q;
}

static void tjwt_send(request_rec *r, tjwt_req *q, const char *name,
                      const char *value)
{
    tjwt_sent *s = apr_array_push(q->sent);

    s->name = name;
    s->value = value;
    /* addn: the values already live in r->pool. */
    apr_table_addn(r->headers_in, name, value);
}

/* Removes every copy of the headers that match, whatever its case and
 * whether it is spelled with '_' (CGI, WSGI and several frameworks fold
 * '-' and '_' together). Returns how many there were. */
static int tjwt_strip(request_rec *r, const tjwt_dir_conf *d,
                      const apr_array_header_t *names, const char *why)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && ((d && tjwt_owned(d, e[i].key)) ||
                         (names && tjwt_name_in(names, e[i].key)))) {
            if (!doomed)
                doomed = apr_array_make(r->pool, 2, sizeof(char *));
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        if (why)
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "mod_teleport_jwt: removed %s header %s", why,
                          APR_ARRAY_IDX(doomed, i, const char *));
        apr_table_unset(r->headers_in, APR_ARRAY_IDX(doomed, i, const char *));
    }
    return doomed ? doomed->nelts : 0;
}

/* Removes every client-supplied copy of the headers the module owns. */
static void tjwt_strip_owned(request_rec *r, const tjwt_dir_conf *d)
{
    tjwt_strip(r, d, NULL, "client-supplied");
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
static void tjwt_set_templates(request_rec *r, tjwt_req *q,
                               const tjwt_dir_conf *d, const char *token,
                               const tjwt_claims *c)
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
        /* A header the server configuration sends is one its upstreams
         * trust: an .htaccess author may not give it values of their own
         * (regexp.replace can turn any trait into any text). */
        if (d->headers_htaccess &&
            tjwt_name_in(d->owned_by_server, t->header)) {
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: TeleportJWTHeader %s from "
                          ".htaccess redefines a header of the server "
                          "configuration; not sent",
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
            tjwt_send(r, q, t->header, v);
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
                      "token says the user is or where it goes; no token "
                      "for this request",
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
    tjwt_req *q;
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
    q = tjwt_req_get(r, 1);
    /* The owned names were stripped above: added, not set. The token
     * already lives in r->pool; no need to copy its few hundred bytes. */
    if (header)
        tjwt_send(r, q, header, token);
    q->env = token;
    apr_table_setn(r->subprocess_env, TJWT_ENV_VAR, token);
    tjwt_set_templates(r, q, d, token, &c);
    return OK;
}

/* The names an earlier request of r's chain gave values to: an internal
 * redirect (ErrorDocument, mod_rewrite, a handler) shares its request
 * headers with the request it makes, and a subrequest (mod_include,
 * mod_rewrite's look-ahead, mod_dir) starts with a copy of them and of
 * the variables. Where that new request goes, the scope may be one that
 * does not configure the module, or configures other headers: the token
 * was made for the first request's audience and must not follow. */
static apr_array_header_t *tjwt_inherited(request_rec *r, int *any)
{
    apr_array_header_t *names = NULL;
    request_rec *p;
    int i;

    *any = 0;
    for (p = r->prev ? r->prev : r->main; p; p = p->prev ? p->prev : p->main) {
        tjwt_req *q = tjwt_req_get(p, 0);
        if (!q)
            continue;
        *any = 1;
        for (i = 0; i < q->sent->nelts; i++) {
            if (!names)
                names = apr_array_make(r->pool, 2, sizeof(const char *));
            APR_ARRAY_PUSH(names, const char *) =
                APR_ARRAY_IDX(q->sent, i, tjwt_sent).name;
        }
    }
    return names;
}

/* Removes TELEPORT_JWT and what an internal redirect renamed it to
 * (REDIRECT_TELEPORT_JWT, REDIRECT_REDIRECT_...). */
static void tjwt_unset_env(request_rec *r)
{
    const apr_array_header_t *arr = apr_table_elts(r->subprocess_env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_size_t n = sizeof(TJWT_ENV_VAR) - 1, len;
    int i;

    apr_table_unset(r->subprocess_env, TJWT_ENV_VAR);
    for (i = arr->nelts - 1; i >= 0; i--) {
        if (e[i].key && (len = strlen(e[i].key)) > n &&
            strncmp(e[i].key, "REDIRECT_", 9) == 0 &&
            strcmp(e[i].key + len - n, TJWT_ENV_VAR) == 0)
            apr_table_unset(r->subprocess_env, e[i].key);
    }
}

/* Whether a header the module owns, or one an earlier request of the
 * chain sent, has a copy that is not one the module made for r (its
 * lines are told apart by their value's address: addn keeps it). */
static int tjwt_foreign_copy(request_rec *r, const tjwt_dir_conf *d,
                             const apr_array_header_t *inherited,
                             const tjwt_req *q)
{
    const apr_array_header_t *arr = apr_table_elts(r->headers_in);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, j, ours;

    for (i = 0; i < arr->nelts; i++) {
        /* The module's own lines first: a pointer comparison spares them
         * the name's. */
        ours = 0;
        for (j = 0; q && !ours && j < q->sent->nelts; j++)
            ours = e[i].val == APR_ARRAY_IDX(q->sent, j, tjwt_sent).value;
        if (!ours && e[i].key &&
            (tjwt_owned(d, e[i].key) ||
             (inherited && tjwt_name_in(inherited, e[i].key))))
            return 1;
    }
    return 0;
}

int tjwt_fixups_last(request_rec *r)
{
    tjwt_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &teleport_jwt_module);
    tjwt_req *q = NULL;
    apr_array_header_t *inherited = NULL;
    int i, any = 0;

    if (r->prev || r->main)
        inherited = tjwt_inherited(r, &any);
    if (d->enabled == TJWT_UNSET && !any)
        return DECLINED;
    q = tjwt_req_get(r, 0);
    /* An earlier request's variable is not this one's (CGI and FastCGI
     * pass variables on), and a module that ran after the first fixup
     * may have set it. */
    if (!q || !q->env) {
        if (any || d->enabled != TJWT_UNSET)
            tjwt_unset_env(r);
    }
    else if (apr_table_get(r->subprocess_env, TJWT_ENV_VAR) != q->env) {
        apr_table_setn(r->subprocess_env, TJWT_ENV_VAR, q->env);
    }
    if (d->enabled == TJWT_UNSET) {
        tjwt_strip(r, NULL, inherited, "inherited");
        return DECLINED;
    }
    /* The last word on the owned headers: modules that run between the
     * first fixup and the handler (mod_headers' RequestHeader, mod_lua's
     * hooks, an .htaccess' RequestHeader even when no token was issued)
     * may have added or replaced them. What the module sent goes back as
     * it was. */
    if (!tjwt_foreign_copy(r, d, inherited, q))
        return DECLINED;
    tjwt_strip(r, d, inherited, "late-set or inherited");
    for (i = 0; q && i < q->sent->nelts; i++) {
        const tjwt_sent *s = &APR_ARRAY_IDX(q->sent, i, tjwt_sent);
        apr_table_addn(r->headers_in, s->name, s->value);
    }
    return DECLINED;
}
