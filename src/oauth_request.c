/* An OAuth protected resource at the edge. The access token a client
 * presents is checked here and goes no further: the scope owns
 * Authorization, so the upstream sees only what the module makes (the
 * token it signs for the user, docs/security.md). The token's claims
 * become variables of the request (OAUTH_CLAIM_*), which the claim
 * sources read like any other module's; their trust boundary is the
 * variables' (a subrequest of another scope inherits them, its claims do
 * not read them: tjwt_own_env in request.c). */
#include "oauth_request.h"
#include "config.h"
#include "fetch.h"
#include "oauth_challenge.h"
#include "oauth_config.h"
#include "oauth_token.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_request.h>

/* What the module knows of a request it authenticated. */
typedef struct {
    ap_conf_vector_t *per_dir_config; /* the scope that checked the token */
    const char *user;
    apr_table_t *vars; /* OAUTH_CLAIM_*, OAUTH_EXPIRES */
} tjwt_oauth_req;

/* request_config is request.c's record. Ours hangs on the pool under a
 * key naming the request: an internal redirect shares its pool with the
 * request before it. */
static const char *tjwt_oauth_key(request_rec *r)
{
    return apr_psprintf(r->pool, "mod_teleport_jwt:oauth:%pp", (void *)r);
}

static tjwt_oauth_req *tjwt_oauth_req_of(request_rec *r)
{
    void *q = NULL;

    apr_pool_userdata_get(&q, tjwt_oauth_key(r), r->pool);
    return q;
}

static void tjwt_oauth_req_set(request_rec *r, tjwt_oauth_req *q)
{
    apr_pool_userdata_setn(q, tjwt_oauth_key(r), NULL, r->pool);
}

static void tjwt_oauth_export(request_rec *r, const tjwt_oauth_req *q)
{
    const apr_array_header_t *arr = apr_table_elts(q->vars);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    /* Copies: values of this request's own, not a parent's (R5). */
    for (i = 0; i < arr->nelts; i++)
        apr_table_set(r->subprocess_env, e[i].key, e[i].val);
}

/* A 401 or 403 with the module's own challenge; the insert_error_filter
 * hook adds resource_metadata and scope. */
static int tjwt_oauth_refuse(request_rec *r, int status, const char *error,
                             const char *description, const char *scope)
{
    apr_table_setn(r->err_headers_out,
                   PROXYREQ_PROXY == r->proxyreq ? "Proxy-Authenticate"
                                                 : "WWW-Authenticate",
                   tjwt_challenge_bearer(r->pool, error, description, scope));
    return status;
}

static int tjwt_oauth_count(void *rec, const char *key, const char *value)
{
    (void)key;
    (void)value;
    ++*(int *)rec;
    return 1;
}

/* Whether s is an RFC 6750 b64token: what a Bearer credential is. */
static int tjwt_oauth_b64token(const char *s)
{
    const char *c = s;

    while (apr_isalnum(*c) || (*c && strchr("-._~+/", *c)))
        c++;
    if (c == s)
        return 0;
    while (*c == '=')
        c++;
    return !*c;
}

/* Checks token against the scope's key set, fetching the set again when
 * the token names a key it lacks or the set is old. */
static tjwt_oauth_result tjwt_oauth_check_request(request_rec *r,
                                                  const tjwt_oauth_conf *o,
                                                  const char *token,
                                                  tjwt_oauth_outcome *out)
{
    tjwt_oauth_rules rules;
    tjwt_oauth_result rc;
    const char *err = NULL;
    json_t *keys;
    int attempt;

    rules.issuer = o->issuer;
    rules.resource = o->resource;
    rules.subject = o->subject;
    rules.scopes = o->scopes;
    rules.leeway = tjwt_oauth_leeway(o);
    rules.now = (apr_int64_t)apr_time_sec(apr_time_now());
    if (tjwt_jwks_source_stale(o->jwks) &&
        tjwt_jwks_source_refresh(o->jwks, r->pool, TJWT_JWKS_REFETCH_MIN,
                                 &err) < 0)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: cannot fetch the authorization "
                      "server's keys: %s",
                      err);
    for (attempt = 0;; attempt++) {
        keys = tjwt_jwks_source_keys(o->jwks);
        if (!keys) {
            out->why = apr_psprintf(r->pool,
                                    "no keys from %s yet; the token cannot "
                                    "be checked",
                                    tjwt_jwks_source_name(o->jwks));
            return TJWT_OAUTH_INVALID;
        }
        rc = tjwt_oauth_check(r->pool, token, keys, &rules, out);
        /* The payload belongs to the request's pool, not to the set. */
        json_decref(keys);
        if (rc == TJWT_OAUTH_OK || !out->unknown_kid || attempt > 0)
            return rc;
        /* Key rotation: the authorization server signs with a key it
         * published after our last fetch. */
        if (tjwt_jwks_source_refresh(o->jwks, r->pool, TJWT_JWKS_REFETCH_MIN,
                                     &err) <= 0) {
            if (err)
                ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                              "mod_teleport_jwt: cannot fetch the "
                              "authorization server's keys: %s",
                              err);
            return rc;
        }
    }
}

int tjwt_oauth_authn(request_rec *r)
{
    const char *type = ap_auth_type(r), *auth, *token;
    const tjwt_oauth_conf *o;
    tjwt_oauth_outcome out;
    tjwt_oauth_result rc;
    tjwt_oauth_req *q;
    int lines = 0;

    if (!type || strcasecmp(type, TJWT_OAUTH_AUTH_TYPE) != 0)
        return DECLINED;
    o = tjwt_oauth_conf_of(r->per_dir_config);
    if (!o || !o->resource || !o->issuer || !o->jwks) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r,
                      "mod_teleport_jwt: AuthType " TJWT_OAUTH_AUTH_TYPE
                      " needs TeleportJWTOAuthResource, TeleportJWTOAuthIssuer "
                      "and TeleportJWTOAuthJWKS for %s",
                      r->uri);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    r->ap_auth_type = (char *)TJWT_OAUTH_AUTH_TYPE;
    apr_table_do(tjwt_oauth_count, &lines, r->headers_in, "Authorization",
                 NULL);
    auth = apr_table_get(r->headers_in, "Authorization");
    /* Checked or not, the client's credential goes no further: not to
     * the upstream, nor to an ErrorDocument's. */
    apr_table_unset(r->headers_in, "Authorization");
    if (lines > 1)
        return tjwt_oauth_refuse(r, HTTP_BAD_REQUEST, "invalid_request",
                                 "more than one Authorization header", NULL);
    /* No credentials, or another scheme's: no error code (RFC 6750 §3.1). */
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return tjwt_oauth_refuse(r, HTTP_UNAUTHORIZED, NULL, NULL, NULL);
    for (token = auth + 7; *token == ' '; token++)
        ;
    if (!tjwt_oauth_b64token(token)) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "mod_teleport_jwt: the bearer credential is not a "
                      "token");
        return tjwt_oauth_refuse(r, HTTP_UNAUTHORIZED, "invalid_token",
                                 "the access token is malformed", NULL);
    }
    rc = tjwt_oauth_check_request(r, o, token, &out);
    if (rc == TJWT_OAUTH_INVALID) {
        /* The reason is logged, not sent: it may quote the token. */
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "mod_teleport_jwt: access token refused: %s", out.why);
        return tjwt_oauth_refuse(r, HTTP_UNAUTHORIZED, "invalid_token",
                                 "the access token is not valid here", NULL);
    }
    if (rc == TJWT_OAUTH_INSUFFICIENT_SCOPE) {
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r,
                      "mod_teleport_jwt: access token of %s refused: %s",
                      out.user, out.why);
        return tjwt_oauth_refuse(r, HTTP_FORBIDDEN, "insufficient_scope",
                                 "the access token lacks a required scope",
                                 o->scope_text);
    }
    q = apr_pcalloc(r->pool, sizeof(*q));
    q->per_dir_config = r->per_dir_config;
    q->user = apr_pstrdup(r->pool, out.user);
    q->vars = apr_table_make(r->pool, 16);
    tjwt_oauth_claim_vars(r->pool, out.payload, q->vars);
    tjwt_oauth_req_set(r, q);
    tjwt_oauth_export(r, q);
    r->user = (char *)q->user;
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                  "mod_teleport_jwt: access token of %s accepted for %s",
                  r->user, o->resource);
    return OK;
}

/* Adds resource_metadata (and scope) to the challenges in t, or a Bearer
 * challenge first of all when t has none. */
static void tjwt_oauth_challenge(request_rec *r, apr_table_t *t,
                                 const tjwt_oauth_conf *o)
{
    const char *field = PROXYREQ_PROXY == r->proxyreq ? "Proxy-Authenticate"
                                                      : "WWW-Authenticate";
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    apr_array_header_t *vals = apr_array_make(r->pool, 3, sizeof(char *));
    tjwt_challenge_params params;
    int i, bearer, any_bearer = 0;
    const char *v;

    params.metadata_url = o->metadata_url;
    params.scope = o->scope_text;
    /* An MCP client reads the first challenge: where no module sent a
     * Bearer one (none at all, or Basic alone), ours goes first. */
    APR_ARRAY_PUSH(vals, const char *) =
        tjwt_challenge_add(r->pool, "Bearer", &params, &bearer);
    for (i = 0; i < arr->nelts; i++) {
        if (!e[i].key || strcasecmp(e[i].key, field) != 0)
            continue;
        v = tjwt_challenge_add(r->pool, e[i].val, &params, &bearer);
        APR_ARRAY_PUSH(vals, const char *) = v ? v : e[i].val;
        any_bearer |= bearer;
    }
    apr_table_unset(t, field);
    for (i = any_bearer ? 1 : 0; i < vals->nelts; i++)
        apr_table_addn(t, field, APR_ARRAY_IDX(vals, i, const char *));
}

void tjwt_oauth_insert_error(request_rec *r)
{
    const tjwt_oauth_conf *o;

    if (r->status != HTTP_UNAUTHORIZED && r->status != HTTP_FORBIDDEN &&
        r->status != HTTP_PROXY_AUTHENTICATION_REQUIRED)
        return;
    o = tjwt_oauth_conf_of(r->per_dir_config);
    if (o && o->metadata_url)
        tjwt_oauth_challenge(r, r->err_headers_out, o);
}

int tjwt_oauth_fixups(request_rec *r)
{
    const tjwt_oauth_conf *o = tjwt_oauth_conf_of(r->per_dir_config);
    const tjwt_oauth_conf *po;
    request_rec *from;
    tjwt_oauth_req *q;

    /* An ErrorDocument's request: the failed request's challenge, which
     * the error filter never saw, travels in the shared err_headers_out. */
    if (r->prev &&
        (r->status == HTTP_UNAUTHORIZED || r->status == HTTP_FORBIDDEN) &&
        (po = tjwt_oauth_conf_of(r->prev->per_dir_config)) && po->metadata_url)
        tjwt_oauth_challenge(r, r->err_headers_out, po);
    if (!o || !o->resource)
        return DECLINED;
    apr_table_unset(r->headers_in, "Authorization");
    /* httpd lets a subrequest or an internal redirect in the same scope
     * skip authentication and take the user as it is: the claims come
     * with it, as this request's own variables. */
    if (!r->user || tjwt_oauth_req_of(r))
        return DECLINED;
    for (from = r->prev ? r->prev : r->main; from;
         from = from->prev ? from->prev : from->main) {
        if ((q = tjwt_oauth_req_of(from))) {
            if (q->per_dir_config == r->per_dir_config &&
                strcmp(q->user, r->user) == 0) {
                tjwt_oauth_req_set(r, q);
                tjwt_oauth_export(r, q);
            }
            break;
        }
    }
    return DECLINED;
}

static void tjwt_oauth_log_fetch(void *ctx, const char *msg)
{
    ap_log_error(APLOG_MARK, APLOG_ERR, 0, ctx,
                 "mod_teleport_jwt: TeleportJWTOAuthJWKS %s; requests fetch "
                 "it again, at most every %d s",
                 msg, (int)apr_time_sec(TJWT_JWKS_REFETCH_MIN));
}

int tjwt_oauth_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s)
{
    (void)pconf;
    (void)plog;
    /* The first pass at start-up only tries the configuration. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG ||
        !tjwt_jwks_sources_any_url())
        return OK;
    tjwt_fetch_global_init();
    tjwt_jwks_sources_fetch(ptemp, tjwt_oauth_log_fetch, s);
    return OK;
}
