/* The request path. The token is made for the request that leaves Apache
 * (docs/security.md, "The trust boundary"): a first decision in fixups,
 * for what reads the token early (mod_headers, CGI), and the final one
 * right before a handler runs, and again where mod_proxy hands the
 * request to a worker. Whatever path a request took to get there (a fast
 * redirect, an internal redirect, a subrequest), what the module made for
 * another request or another scope is removed then, and what this
 * request's final scope and target call for is made. */
#include "request.h"
#include "audience.h"
#include "config.h"
#include "htaccess.h"
#include "origin.h"
#include "sources.h"
#include "template.h"
#include "token.h"
#include "values.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_request.h>

/* One header line the module put into the request. */
typedef struct {
    const char *name, *value;
} tjwt_sent;

/* A subrequest this request made, as mod_dir and mod_negotiation do
 * before a fast redirect: its configuration vector and the .htaccess
 * files it read, which the fast redirect does not carry over. */
typedef struct {
    ap_conf_vector_t *per_dir_config;
    const struct htaccess_result *htaccess;
} tjwt_lookup;

/* What the module knows of a request. */
typedef struct {
    apr_array_header_t *sent; /* tjwt_sent: the lines made for it */
    const char *token;        /* the token made for it, or NULL */
    /* The scope and audience the output was decided for; NULL before
     * any decision. A fast redirect changes the scope, a balancer the
     * audience: then it is decided again. */
    const tjwt_dir_conf *made_for;
    const char *aud;
    apr_array_header_t *stale;   /* tokens made for it before, now void */
    apr_table_t *inherited;      /* a subrequest's variables at birth */
    apr_array_header_t *lookups; /* tjwt_lookup */
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

static int tjwt_owned(const tjwt_dir_conf *d, const char *name)
{
    /* The default name is always owned: an upstream may take it for the
     * module's even where the assertion is renamed or off. d->owned holds
     * the assertion header and templates of this scope and of every scope
     * around it. */
    return tjwt_same_header(name, TJWT_DEFAULT_ASSERTION_HEADER) ||
           tjwt_name_in(d->owned, name);
}

/* TELEPORT_JWT, or a copy of it renamed by internal redirects
 * (REDIRECT_TELEPORT_JWT, REDIRECT_REDIRECT_...). */
static int tjwt_is_env_copy(const char *var)
{
    apr_size_t n = sizeof(TJWT_ENV_VAR) - 1, len = strlen(var);

    while (len > n && strncmp(var, "REDIRECT_", 9) == 0) {
        var += 9;
        len -= 9;
    }
    return strcmp(var, TJWT_ENV_VAR) == 0;
}

/* --- what came from elsewhere ------------------------------------------ */

/* Everything the module made for other requests of r's chain, and for r
 * itself before its last decision: the header names and the tokens. An
 * internal redirect shares its request headers with the request it
 * makes, and a subrequest starts with a copy of them and of the
 * variables. */
typedef struct {
    apr_array_header_t *names;  /* const char * */
    apr_array_header_t *tokens; /* const char * */
} tjwt_foreign;

static void tjwt_foreign_token(tjwt_foreign *f, const tjwt_req *own,
                               const char *t)
{
    /* The token itself is never foreign to the request it was made for:
     * a redirect to a scope with the same claims gets the same token. */
    if (!own || !own->token || strcmp(own->token, t) != 0)
        APR_ARRAY_PUSH(f->tokens, const char *) = t;
}

static void tjwt_foreign_add(apr_pool_t *p, tjwt_foreign *f, const tjwt_req *q,
                             const tjwt_req *own, int all)
{
    int i;

    if (!f->names) {
        f->names = apr_array_make(p, 2, sizeof(const char *));
        f->tokens = apr_array_make(p, 2, sizeof(const char *));
    }
    for (i = 0; all && i < q->sent->nelts; i++)
        APR_ARRAY_PUSH(f->names, const char *) =
            APR_ARRAY_IDX(q->sent, i, tjwt_sent).name;
    if (all && q->token)
        tjwt_foreign_token(f, own, q->token);
    for (i = 0; q->stale && i < q->stale->nelts; i++)
        tjwt_foreign_token(f, own, APR_ARRAY_IDX(q->stale, i, const char *));
}

static void tjwt_foreign_collect(request_rec *r, const tjwt_req *own,
                                 tjwt_foreign *f)
{
    request_rec *p;
    tjwt_req *q;

    f->names = f->tokens = NULL;
    for (p = r->prev ? r->prev : r->main; p; p = p->prev ? p->prev : p->main) {
        if ((q = tjwt_req_get(p, 0)))
            tjwt_foreign_add(r->pool, f, q, own, 1);
    }
    if (own && own->stale)
        tjwt_foreign_add(r->pool, f, own, own, 0);
}

/* Whether s holds one of the tokens: its signature, which no two tokens
 * share, is enough to look for. A token copied by mod_headers into a
 * header of its own ("Bearer %{TELEPORT_JWT}e") is found this way too. */
static int tjwt_holds_token(const char *s, const apr_array_header_t *tokens)
{
    int i;

    for (i = 0; tokens && i < tokens->nelts; i++) {
        const char *t = APR_ARRAY_IDX(tokens, i, const char *);
        const char *sig = strrchr(t, '.');
        if (sig && sig[1] && strstr(s, sig + 1))
            return 1;
    }
    return 0;
}

/* --- the output -------------------------------------------------------- */

static void tjwt_send(request_rec *r, tjwt_req *q, const char *name,
                      const char *value)
{
    tjwt_sent *s = apr_array_push(q->sent);

    s->name = name;
    s->value = value;
    /* addn: the values already live in r->pool. */
    apr_table_addn(r->headers_in, name, value);
}

static int tjwt_is_sent(const tjwt_req *q, const char *value)
{
    int i;

    /* Lines are told apart by their value's address: addn keeps it. */
    for (i = 0; q && i < q->sent->nelts; i++) {
        if (value == APR_ARRAY_IDX(q->sent, i, tjwt_sent).value)
            return 1;
    }
    return 0;
}

/* Whether the table holds the line whose value is at that address. */
static int tjwt_has_line(const apr_table_t *t, const char *value)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].val == value)
            return 1;
    }
    return 0;
}

/* Removes every header line whose name the predicate takes, and returns
 * how many there were. */
typedef int (*tjwt_line_pred)(const void *ctx, const char *key,
                              const char *val);

static int tjwt_remove_lines(request_rec *r, apr_table_t *t,
                             tjwt_line_pred pred, const void *ctx,
                             const char *why)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *doomed = NULL;
    int i;

    for (i = 0; i < arr->nelts; i++) {
        if (e[i].key && pred(ctx, e[i].key, e[i].val)) {
            if (!doomed)
                doomed = apr_array_make(r->pool, 2, sizeof(char *));
            APR_ARRAY_PUSH(doomed, const char *) = e[i].key;
        }
    }
    for (i = 0; doomed && i < doomed->nelts; i++) {
        if (why)
            ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                          "mod_teleport_jwt: removed %s %s", why,
                          APR_ARRAY_IDX(doomed, i, const char *));
        apr_table_unset(t, APR_ARRAY_IDX(doomed, i, const char *));
    }
    return doomed ? doomed->nelts : 0;
}

static int tjwt_owned_pred(const void *ctx, const char *key, const char *val)
{
    (void)val;
    return tjwt_owned(ctx, key);
}

/* Removes every client-supplied copy of the headers the module owns. */
static void tjwt_strip_owned(request_rec *r, const tjwt_dir_conf *d)
{
    tjwt_remove_lines(r, r->headers_in, tjwt_owned_pred, d,
                      "client-supplied header");
}

/* What the final check removes, and what it keeps. */
typedef struct {
    const tjwt_dir_conf *d; /* NULL where TeleportJWT is unset */
    const tjwt_req *q;      /* what the module made for this request */
    const tjwt_foreign *f;
} tjwt_check;

static int tjwt_header_pred(const void *ctx, const char *key, const char *val)
{
    const tjwt_check *c = ctx;

    if (tjwt_is_sent(c->q, val))
        return 0;
    return (c->d && tjwt_owned(c->d, key)) || tjwt_name_in(c->f->names, key) ||
           (val && tjwt_holds_token(val, c->f->tokens));
}

static int tjwt_env_pred(const void *ctx, const char *key, const char *val)
{
    const tjwt_check *c = ctx;

    /* Most variables are none of these: their first letter says so. */
    if (key[0] != 'T' && key[0] != 'R' && key[0] != 'H' && !c->f->tokens)
        return 0;
    if (tjwt_is_env_copy(key))
        return !(c->q && c->q->token && val == c->q->token &&
                 strcmp(key, TJWT_ENV_VAR) == 0);
    /* CGI's copies of request headers: the handler makes them again from
     * the headers it gets; any there now came from elsewhere (a parent
     * request's handler, a variable set to look like one). */
    if (key[0] == 'H' &&
        ((c->d && (tjwt_is_cgi_name(key, TJWT_DEFAULT_ASSERTION_HEADER) ||
                   tjwt_cgi_name_in(c->d->owned, key))) ||
         tjwt_cgi_name_in(c->f->names, key)))
        return 1;
    return val && tjwt_holds_token(val, c->f->tokens);
}

/* The last word: removes from the request's headers and variables what
 * the module did not make for it, and puts back what it did. Modules
 * that run between the first fixup and the handler (mod_headers'
 * RequestHeader, mod_lua's hooks, an .htaccess' RequestHeader even when
 * no token was issued) may have added or replaced owned headers. */
static void tjwt_enforce(request_rec *r, const tjwt_dir_conf *d,
                         const tjwt_req *q, const tjwt_foreign *f)
{
    tjwt_check c;
    int i;

    c.d = d;
    c.q = q;
    c.f = f;
    tjwt_remove_lines(r, r->subprocess_env, tjwt_env_pred, &c,
                      "foreign variable");
    if (q && q->token &&
        apr_table_get(r->subprocess_env, TJWT_ENV_VAR) != q->token)
        apr_table_setn(r->subprocess_env, TJWT_ENV_VAR, q->token);
    if (!tjwt_remove_lines(r, r->headers_in, tjwt_header_pred, &c,
                           "late-set or inherited header"))
        return;
    /* The predicate spares the module's own lines, but unsetting a name
     * takes all of its lines. */
    for (i = 0; q && i < q->sent->nelts; i++) {
        const tjwt_sent *s = &APR_ARRAY_IDX(q->sent, i, tjwt_sent);
        if (!tjwt_has_line(r->headers_in, s->value))
            apr_table_addn(r->headers_in, s->name, s->value);
    }
}

/* --- making the token -------------------------------------------------- */

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
    const char *assertion = tjwt_dir_assertion_header(d), *bad;
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
            if ((bad = tjwt_value_problem(v))) {
                ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                              "mod_teleport_jwt: a value of TeleportJWTHeader "
                              "%s (from %s) contains %s; that header line is "
                              "not sent",
                              t->header, t->trait ? t->trait : "the template",
                              bad);
                continue;
            }
            tjwt_send(r, q, t->header, v);
        }
    }
}

/* The .htaccess files that apply to r's configuration. After a fast
 * redirect r has the configuration of the subrequest it took over, but
 * not the list of .htaccess files that subrequest read. */
static const struct htaccess_result *tjwt_htaccess_of(request_rec *r,
                                                      const tjwt_req *q)
{
    int i;

    for (i = 0; q && q->lookups && i < q->lookups->nelts; i++) {
        const tjwt_lookup *l = &APR_ARRAY_IDX(q->lookups, i, tjwt_lookup);
        if (l->per_dir_config == r->per_dir_config)
            return l->htaccess;
    }
    return r->htaccess;
}

/* The variables a claim source of r may read: in a subrequest, not those
 * it inherited unchanged from the request that made it (a page's SSI
 * "#set var", its configuration's); after an internal redirect, not the
 * REDIRECT_ copies of the earlier request's. docs/claims.md. NULL when
 * r reads its own table as it is. */
static apr_table_t *tjwt_own_env(request_rec *r, const tjwt_req *q)
{
    const apr_array_header_t *arr, *inh;
    const apr_table_entry_t *e, *ie = NULL;
    apr_table_t *own;
    int i, j, inherited;

    if (!r->prev && !(q && q->inherited))
        return NULL;
    arr = apr_table_elts(r->subprocess_env);
    e = (const apr_table_entry_t *)arr->elts;
    inh = q && q->inherited ? apr_table_elts(q->inherited) : NULL;
    if (inh)
        ie = (const apr_table_entry_t *)inh->elts;
    own = apr_table_make(r->pool, arr->nelts);
    for (i = 0; i < arr->nelts; i++) {
        if (!e[i].key || (r->prev && strncmp(e[i].key, "REDIRECT_", 9) == 0))
            continue;
        /* A copy keeps the key's and the value's address; a module that
         * sets the variable again gives it a value of its own. */
        for (inherited = 0, j = 0; inh && !inherited && j < inh->nelts; j++)
            inherited = ie[j].key == e[i].key && ie[j].val == e[i].val;
        if (!inherited)
            apr_table_addn(own, e[i].key, e[i].val);
    }
    return own;
}

/* Fills c from the claim sources. Returns OK, DECLINED for "no token" or
 * an HTTP error status. */
static int tjwt_build_claims(request_rec *r, const tjwt_dir_conf *d,
                             const tjwt_req *q, const char *aud, tjwt_claims *c)
{
    const char *err = NULL, *taint;
    apr_int64_t now, expiry = 0;
    apr_table_t *env, *saved = r->subprocess_env;
    int has_expiry = 0;

    /* Identity must come from the server's configuration, never from an
     * .htaccess author's (docs/claims.md). */
    if ((taint = tjwt_htaccess_tainted(r, tjwt_htaccess_of(r, q)))) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "mod_teleport_jwt: %s, which could change who the "
                      "token says the user is or where it goes; no token "
                      "for this request",
                      taint);
        return DECLINED;
    }
    if ((env = tjwt_own_env(r, q)))
        r->subprocess_env = env;
    c->user = tjwt_user(r, d);
    if (c->user && *c->user) {
        c->roles = tjwt_sources_roles(r, d->roles, &err);
        if (c->roles)
            c->traits = tjwt_sources_traits(r, d->traits, &err);
        if (!err && d->expiry)
            has_expiry = tjwt_sources_expiry(r, d->expiry, &expiry, &err);
    }
    r->subprocess_env = saved;
    if (!c->user || !*c->user)
        return DECLINED;
    if (err) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: claim source failed for %s: %s",
                      c->user, err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    now = (apr_int64_t)apr_time_sec(apr_time_now());
    c->issuer = d->issuer ? d->issuer : r->server->server_hostname;
    c->audience = aud;
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

/* Voids r's output: the token is remembered as stale, so that its copies
 * are found and removed. */
static void tjwt_void(request_rec *r, tjwt_req *q)
{
    if (q->token) {
        if (!q->stale)
            q->stale = apr_array_make(r->pool, 1, sizeof(const char *));
        APR_ARRAY_PUSH(q->stale, const char *) = q->token;
    }
    q->token = NULL;
    apr_array_clear(q->sent);
    q->made_for = NULL;
    q->aud = NULL;
}

/* TeleportJWTMaxSize caps the header line an upstream reads (name, ": "
 * and value) of every line that carries the token: what is left for the
 * token is the cap less the longest frame around it. */
static apr_int64_t tjwt_token_budget(const tjwt_dir_conf *d)
{
    const char *assertion = tjwt_dir_assertion_header(d);
    apr_int64_t frame = assertion ? (apr_int64_t)strlen(assertion) + 2 : 0, f;
    int i;

    for (i = 0; d->headers && i < d->headers->nelts; i++) {
        const tjwt_template *t = APR_ARRAY_IDX(d->headers, i, tjwt_template *);
        if (t->kind != TJWT_TPL_JWT)
            continue;
        f = (apr_int64_t)(strlen(t->header) + 2 + strlen(t->prefix) +
                          strlen(t->suffix));
        if (f > frame)
            frame = f;
    }
    return tjwt_dir_max_size(d) - frame;
}

/* Decides r's output for scope d and audience aud, from nothing. Returns
 * OK, or an HTTP error status when a token is due and cannot be made
 * (fail closed). */
static int tjwt_make(request_rec *r, const tjwt_dir_conf *d, tjwt_req *q,
                     const char *aud)
{
    tjwt_srv_conf *s =
        ap_get_module_config(r->server->module_config, &teleport_jwt_module);
    tjwt_claims c;
    const char *token, *header;
    int rc;

    tjwt_void(r, q);
    q->made_for = d;
    q->aud = aud;
    if (d->enabled != 1)
        return OK;
    memset(&c, 0, sizeof(c));
    rc = tjwt_build_claims(r, d, q, aud, &c);
    if (rc != OK)
        return rc == DECLINED ? OK : rc;
    if (!s->signing_key) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: no signing key for this server");
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    token = tjwt_token_get(r, s->signing_key, &c, tjwt_token_budget(d));
    if (!token)
        return HTTP_INTERNAL_SERVER_ERROR;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "mod_teleport_jwt: token kid=%s sub=%s aud=%s "
                  "exp=%" APR_INT64_T_FMT,
                  s->signing_key->kid, c.user, aud, c.exp);
    q->token = token;
    /* The owned names were stripped: added, not set. */
    if ((header = tjwt_dir_assertion_header(d)))
        tjwt_send(r, q, header, token);
    apr_table_setn(r->subprocess_env, TJWT_ENV_VAR, token);
    tjwt_set_templates(r, q, d, token, &c);
    return OK;
}

/* The audience of r's token: the configured one, or with auto the origin
 * of url (the worker's URL, once mod_proxy has chosen it) or of r's
 * target. */
static const char *tjwt_audience(request_rec *r, const tjwt_dir_conf *d,
                                 const char *url)
{
    const char *o;

    if (d->audience && strcmp(d->audience, "auto") != 0)
        return d->audience;
    if (url && (o = tjwt_url_origin(r->pool, url)))
        return o;
    return tjwt_request_audience(r);
}

/* Whether url is origin followed by the end of the authority. */
static int tjwt_starts_origin(const char *url, const char *origin)
{
    apr_size_t n = strlen(origin);

    return strncmp(url, origin, n) == 0 &&
           (!url[n] || url[n] == '/' || url[n] == '?' || url[n] == '#');
}

/* Whether a request whose audience follows its proxy target goes to a
 * balancer, whose member mod_proxy chooses only in its handler. */
static int tjwt_awaits_member(request_rec *r, const tjwt_dir_conf *d)
{
    const char *target = tjwt_proxy_target(r);

    return target && strncasecmp(target, "balancer:", 9) == 0 &&
           (!d->audience || strcmp(d->audience, "auto") == 0);
}

/* --- hooks ------------------------------------------------------------- */

int tjwt_create_request(request_rec *r)
{
    /* A subrequest's variables are a copy of its parent's: kept, to tell
     * them from what its own processing sets (tjwt_own_env). An internal
     * redirect has no variables yet here, and renames the old ones. */
    if (r->main && r->subprocess_env && !apr_is_empty_table(r->subprocess_env))
        tjwt_req_get(r, 1)->inherited =
            apr_table_copy(r->pool, r->subprocess_env);
    return DECLINED;
}

int tjwt_fixups(request_rec *r)
{
    tjwt_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &teleport_jwt_module);
    tjwt_req *q;

    /* A subrequest may become its parent through a fast redirect (mod_dir,
     * mod_negotiation), which takes its configuration but not the list
     * of .htaccess files behind it. */
    if (r->main) {
        tjwt_req *m = tjwt_req_get(r->main, 1);
        tjwt_lookup *l;
        if (!m->lookups)
            m->lookups = apr_array_make(r->main->pool, 2, sizeof(tjwt_lookup));
        l = apr_array_push(m->lookups);
        l->per_dir_config = r->per_dir_config;
        l->htaccess = r->htaccess;
    }
    /* Off still strips: an Off scope nested in an On one serves the same
     * upstreams, which trust the header. Only an unconfigured scope passes
     * client headers through untouched. */
    if (d->enabled == TJWT_UNSET)
        return DECLINED;
    tjwt_strip_owned(r, d);
    apr_table_unset(r->subprocess_env, TJWT_ENV_VAR);
    /* A subrequest's token waits for its handler: most subrequests are
     * look-ups that never run. A balancer's waits for its member. */
    if (d->enabled != 1 || r->main || tjwt_awaits_member(r, d))
        return DECLINED;
    q = tjwt_req_get(r, 1);
    return tjwt_make(r, d, q, tjwt_audience(r, d, NULL));
}

/* The final decision for r, the request a handler is about to serve
 * (url NULL), or that mod_proxy is about to send to url. */
static int tjwt_settle(request_rec *r, const char *url)
{
    tjwt_dir_conf *d =
        ap_get_module_config(r->per_dir_config, &teleport_jwt_module);
    tjwt_req *q = tjwt_req_get(r, 0);
    tjwt_foreign f;
    int rc = OK;

    if (d->enabled == TJWT_UNSET) {
        tjwt_foreign_collect(r, q, &f);
        /* Nothing made here, nothing inherited: the common case of a
         * server that loads the module for other scopes. */
        if (!f.names && !(q && (q->made_for || q->token)))
            return DECLINED;
        if (q)
            tjwt_void(r, q);
    }
    else if (!url && tjwt_proxy_target(r)) {
        /* A proxied request is decided when mod_proxy has its worker's
         * URL; until then it keeps only what was made for this scope. */
        if (q && q->made_for != d)
            tjwt_void(r, q);
    }
    else {
        const char *aud;
        if (!q)
            q = tjwt_req_get(r, 1);
        /* The worker's URL nearly always starts with the origin the token
         * was made for: no need to make the origin again. */
        if (url && q->made_for == d && q->aud &&
            tjwt_starts_origin(url, q->aud))
            return DECLINED;
        aud = d->enabled == 1 ? tjwt_audience(r, d, url) : NULL;
        if (q->made_for == d && (!aud || (q->aud && !strcmp(q->aud, aud)))) {
            /* mod_proxy changes no header between the handler's check and
             * this one. */
            if (url)
                return DECLINED;
        }
        else {
            rc = tjwt_make(r, d, q, aud);
        }
    }
    tjwt_foreign_collect(r, q, &f);
    tjwt_enforce(r, d->enabled == TJWT_UNSET ? NULL : d, q, &f);
    return rc == OK ? DECLINED : rc;
}

int tjwt_handler_settle(request_rec *r)
{
    return tjwt_settle(r, NULL);
}

int tjwt_proxy_settle(request_rec *r, const char *url)
{
    return tjwt_settle(r, url);
}
