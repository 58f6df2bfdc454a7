/* mod_teleport_jwt: signs a Teleport-style JWT for each authenticated user,
 * injects it into the request that goes upstream, and publishes the JWKS
 * that upstreams verify it with. This file only wires the module into
 * httpd; the work is done in src/. */
#define TJWT_MODULE_FILE
#include "src/cache_layers.h"
#include "src/cache_socache.h"
#include "src/config.h"
#include "src/expr_groups.h"
#include "src/oauth_config.h"
#include "src/oauth_request.h"
#include "src/publish.h"
#include "src/request.h"
#include "src/server_keys.h"
#include "src/stats.h"

#include <dlfcn.h>
#include <http_request.h>
#include <mod_proxy.h>
#include <mod_status.h>

/* Directives that decide what a token asserts are refused in .htaccess by
 * their handlers, with a reason; OR_AUTHCFG only lets them get that far. */
static const command_rec tjwt_cmds[] = {
    AP_INIT_FLAG("TeleportJWT", tjwt_cmd_enable, NULL,
                 RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                 "On to sign and inject a token for authenticated requests"),
    AP_INIT_TAKE1("TeleportJWTClaims", tjwt_cmd_claims, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "roles-and-traits, roles, traits or none"),
    AP_INIT_TAKE1("TeleportJWTAssertionHeader", tjwt_cmd_assertion_header, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "the header carrying the token, or Off"),
    AP_INIT_TAKE1("TeleportJWTIssuer", tjwt_cmd_issuer, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "the iss claim (default: the virtual host's ServerName)"),
    AP_INIT_TAKE1("TeleportJWTAudience", tjwt_cmd_audience, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "the aud claim: an absolute URI, or auto for the origin "
                  "of the proxy target"),
    AP_INIT_TAKE1("TeleportJWTUser", tjwt_cmd_user, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "an expression giving the user name "
                  "(default %{REMOTE_USER})"),
    AP_INIT_RAW_ARGS("TeleportJWTRoles", tjwt_cmd_roles, NULL,
                     RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                     "an expression giving roles, and the separator to split "
                     "them on (default ,)"),
    AP_INIT_TAKE23("TeleportJWTTrait", tjwt_cmd_trait, NULL,
                   RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                   "a trait name, an expression giving its values, and the "
                   "separator to split them on (default ,)"),
    AP_INIT_TAKE1("TeleportJWTExpiry", tjwt_cmd_expiry, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "an expression giving when the identity expires, in Unix "
                  "seconds"),
    AP_INIT_TAKE2("TeleportJWTHeader", tjwt_cmd_header, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "a header name and a template such as "
                  "\"Bearer {{internal.jwt}}\""),
    AP_INIT_TAKE1("TeleportJWTLifetime", tjwt_cmd_lifetime, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "how long a token is valid, e.g. 90s, 10m, 1h"),
    AP_INIT_TAKE1("TeleportJWTMaxSize", tjwt_cmd_max_size, NULL,
                  RSRC_CONF | ACCESS_CONF | OR_AUTHCFG,
                  "the longest token in bytes before traits and roles are "
                  "dropped"),
    AP_INIT_TAKE1("TeleportJWTSigningKey", tjwt_cmd_signing_key, NULL,
                  RSRC_CONF, "PEM file of the private signing key"),
    AP_INIT_TAKE1("TeleportJWTPublishKey", tjwt_cmd_publish_key, NULL,
                  RSRC_CONF,
                  "PEM file of a further key to publish in the JWKS"),
    AP_INIT_ITERATE("TeleportJWTHtaccessHeaders", tjwt_cmd_htaccess_headers,
                    NULL, RSRC_CONF,
                    "header names that TeleportJWTHeader and "
                    "TeleportJWTAssertionHeader may use in .htaccess"),
    AP_INIT_TAKE1("TeleportJWTCache", tjwt_cmd_cache, NULL, RSRC_CONF,
                  "none, or a mod_socache provider and its arguments, e.g. "
                  "shmcb, redis:host:port or memcache:host:port (default: "
                  "an in-process cache)"),
    AP_INIT_TAKE1("TeleportJWTCacheSize", tjwt_cmd_cache_size, NULL, RSRC_CONF,
                  "tokens each process keeps in memory, the least recently "
                  "used evicted first (default 10000)"),
    /* An OAuth protected resource (docs/mcp-authorization.md). */
    AP_INIT_TAKE1("TeleportJWTOAuthResource", tjwt_cmd_oauth_resource, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "the resource's canonical URI, which access tokens' aud "
                  "must equal, e.g. https://mcp.example.com/mcp"),
    AP_INIT_TAKE1("TeleportJWTOAuthIssuer", tjwt_cmd_oauth_issuer, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "the authorization server's issuer identifier, which "
                  "access tokens' iss must equal"),
    AP_INIT_TAKE12("TeleportJWTOAuthJWKS", tjwt_cmd_oauth_jwks, NULL,
                   RSRC_CONF | ACCESS_CONF,
                   "the authorization server's keys: a JWKS file, or an "
                   "https:// URL and optionally a CA file"),
    AP_INIT_ITERATE("TeleportJWTOAuthScopes", tjwt_cmd_oauth_scopes, NULL,
                    RSRC_CONF | ACCESS_CONF,
                    "scopes an access token must grant, all of them"),
    AP_INIT_TAKE1("TeleportJWTOAuthResourceName", tjwt_cmd_oauth_resource_name,
                  NULL, RSRC_CONF | ACCESS_CONF,
                  "a name for people, published as resource_name"),
    AP_INIT_TAKE1("TeleportJWTOAuthSubjectClaim", tjwt_cmd_oauth_subject, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "the access token claim that names the user (default sub)"),
    AP_INIT_TAKE1("TeleportJWTOAuthLeeway", tjwt_cmd_oauth_leeway, NULL,
                  RSRC_CONF | ACCESS_CONF,
                  "clock skew allowed on exp, nbf and iat (default 60s)"),
    {NULL}};

/* The configuration is read: the module's start-up steps, in the one
 * order they work in. A step that fails stops the server. Each generation
 * runs them again (a graceful restart rereads every key file); the first
 * pass at start-up too, which the cache, the counters and the OAuth
 * fetch skip. */
static int tjwt_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    int rv;

    /* 0. config: the warnings configtest prints, now that the error log
     *    is open. */
    tjwt_config_post_config(s);
    /* 1. keys: every server gets its signing key, the default one made if
     *    need be; the JWKS (4) and every token are made with them. */
    if ((rv = tjwt_server_keys_post_config(pconf, ptemp, s)) != OK)
        return rv;
    /* 2. cache: the layers chosen from TeleportJWTCache, the shared
     *    provider started (or, failing that, left out); this names the
     *    cache that server-status shows. The mod_socache providers have
     *    all registered by now, whatever the LoadModule order. */
    if ((rv = tjwt_cache_post_config(pconf, s)) != OK)
        return rv;
    /* 3. stats: the counters' shared memory, made before any child forks
     *    so that every child adds to the same numbers. */
    if ((rv = tjwt_stats_post_config(pconf, s)) != OK)
        return rv;
    /* 4. publish: each server's JWKS, from the keys of step 1. */
    if ((rv = tjwt_publish_post_config(pconf, ptemp, s)) != OK)
        return rv;
    /* 5. oauth: the key sets of OAuth resources given by URL, fetched
     *    before the children fork (a failure is logged, never fatal). */
    return tjwt_oauth_post_config(pconf, plog, ptemp, s);
}

/* mod_proxy is about to hand r to the worker at url: after a balancer
 * chose its member, on every attempt. */
static int tjwt_proxy_scheme(request_rec *r, proxy_worker *worker,
                             proxy_server_conf *conf, char *url,
                             const char *proxyhost, apr_port_t proxyport)
{
    (void)worker;
    (void)conf;
    (void)proxyhost;
    (void)proxyport;
    return tjwt_proxy_settle(r, url);
}

/* A new reading of the configuration starts. mod_proxy's hooks are
 * functions that mod_proxy.so exports, not optional hooks: calling one by
 * name would make this module fail to load without mod_proxy. By
 * pre_config every LoadModule has run, and httpd sorts the hooks again
 * after it; every generation registers anew, since httpd drops all hooks
 * when it rereads the configuration. */
static int tjwt_pre_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp)
{
    void (*hook)(proxy_HOOK_scheme_handler_t *, const char *const *,
                 const char *const *, int);
    void *sym = dlsym(RTLD_DEFAULT, "proxy_hook_scheme_handler");

    (void)plog;
    (void)ptemp;
    tjwt_config_pre_config(pconf);
    tjwt_oauth_pre_config(pconf);
    if (sym) {
        memcpy(&hook, &sym, sizeof(hook));
        hook(tjwt_proxy_scheme, NULL, NULL, APR_HOOK_REALLY_FIRST);
    }
    /* The cache's mutex type, before the Mutex directive is read. */
    return tjwt_cache_pre_config(pconf);
}

static int tjwt_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    int rc = tjwt_config_check(pconf, ptemp, s);

    (void)plog;
    return rc == OK ? tjwt_oauth_check_config(ptemp, s) : rc;
}

/* A child process starts: its own in-process cache and the shared
 * cache's mutex; the .htaccess warnings it has given, none yet. */
static void tjwt_child_init(apr_pool_t *pchild, server_rec *s)
{
    tjwt_cache_child_init(pchild, s);
    tjwt_config_child_init(pchild);
}

static void tjwt_register_hooks(apr_pool_t *p)
{
    /* mod_rewrite (per-directory rules, [E=] and [P]), mod_env and mod_ssl
     * (SSLOptions +StdEnvVars) run in fixups too; the token must see what
     * they set, and must be in place
     * before mod_headers' RequestHeader (APR_HOOK_LAST) reads
     * TELEPORT_JWT. */
    static const char *const before_us[] = {
        "mod_rewrite.c", "mod_env.c", "mod_setenvif.c", "mod_ssl.c", NULL};
    static const char *const after_us[] = {"mod_headers.c", NULL};

    (void)p;
    /* Start-up and each child: one hook of each kind, whose steps run in
     * the order written there. */
    ap_hook_pre_config(tjwt_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(tjwt_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(tjwt_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(tjwt_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_create_request(tjwt_create_request, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(tjwt_fixups, before_us, after_us, APR_HOOK_MIDDLE);
    /* The final decision (docs/design.md): before any handler, after
     * every fast redirect (mod_dir's runs in fixups, mod_negotiation's
     * in type_checker); and where mod_proxy has chosen the worker, which
     * for a balancer is only known in its handler. Before every other
     * module's first-of-all handler too: httpd orders hooks by number. */
    ap_hook_handler(tjwt_handler_settle, NULL, NULL,
                    APR_HOOK_REALLY_FIRST - 10);
    ap_hook_handler(tjwt_jwks_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* %{tjwt_groups:file} for expressions everywhere, ours or not. */
    ap_hook_expr_lookup(tjwt_expr_lookup, NULL, NULL, APR_HOOK_MIDDLE);
    /* mod_status calls it if it is loaded. */
    APR_OPTIONAL_HOOK(ap, status_hook, tjwt_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    /* OAuth protected resources (docs/mcp-authorization.md): bearer
     * tokens where AuthType TeleportOAuth, checked per scope like
     * mod_auth_basic's; the challenge on any module's 401 or 403 while
     * its headers can still change (the hook runs before they are
     * sent); in fixups before ours, so that the client's Authorization
     * is gone before anything copies it. Their key sets are fetched in
     * tjwt_post_config. */
    ap_hook_check_authn(tjwt_oauth_authn, NULL, NULL, APR_HOOK_MIDDLE,
                        AP_AUTH_INTERNAL_PER_CONF);
    ap_hook_insert_error_filter(tjwt_oauth_insert_error, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_fixups(tjwt_oauth_fixups, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_handler(tjwt_oauth_metadata_handler, NULL, NULL, APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(teleport_jwt) = {
    STANDARD20_MODULE_STUFF, tjwt_create_dir_conf, tjwt_merge_dir_conf,
    tjwt_create_srv_conf,    tjwt_merge_srv_conf,  tjwt_cmds,
    tjwt_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
