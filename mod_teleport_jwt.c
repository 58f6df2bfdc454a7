/* mod_teleport_jwt: signs a Teleport-style JWT for each authenticated user,
 * injects it into the request that goes upstream, and publishes the JWKS
 * that upstreams verify it with. This file only wires the module into
 * httpd; the work is done in src/. */
#define TJWT_MODULE_FILE
#include "src/cache_socache.h"
#include "src/config.h"
#include "src/expr_groups.h"
#include "src/publish.h"
#include "src/request.h"
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
    {NULL}};

static int tjwt_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                            apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    tjwt_config_post_config(s);
    return tjwt_publish_post_config(pconf, ptemp, s);
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
    if (sym) {
        memcpy(&hook, &sym, sizeof(hook));
        hook(tjwt_proxy_scheme, NULL, NULL, APR_HOOK_REALLY_FIRST);
    }
    return OK;
}

static int tjwt_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                             apr_pool_t *ptemp, server_rec *s)
{
    (void)plog;
    return tjwt_config_check(pconf, ptemp, s);
}

static void tjwt_child_init(apr_pool_t *pchild, server_rec *s)
{
    (void)s;
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
    ap_hook_post_config(tjwt_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_create_request(tjwt_create_request, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(tjwt_fixups, before_us, after_us, APR_HOOK_MIDDLE);
    /* The final decision (docs/design.md): before any handler, after
     * every fast redirect (mod_dir's runs in fixups, mod_negotiation's
     * in type_checker); and where mod_proxy has chosen the worker, which
     * for a balancer is only known in its handler. Before every other
     * module's first-of-all handler too: httpd orders hooks by number. */
    ap_hook_handler(tjwt_handler_settle, NULL, NULL,
                    APR_HOOK_REALLY_FIRST - 10);
    ap_hook_pre_config(tjwt_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_check_config(tjwt_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_handler(tjwt_jwks_handler, NULL, NULL, APR_HOOK_MIDDLE);
    /* %{tjwt_groups:file} for expressions everywhere, ours or not. */
    ap_hook_expr_lookup(tjwt_expr_lookup, NULL, NULL, APR_HOOK_MIDDLE);
    /* The token cache: the mutex type must be registered in pre_config,
     * before the Mutex directive is read; the provider starts in
     * post_config (the mod_socache providers have registered by then,
     * whatever the LoadModule order) and attaches its mutex in each child.
     * The counters live in shared memory made in post_config, before any
     * child forks; mod_status calls the status hook if it is loaded. */
    ap_hook_pre_config(tjwt_cache_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(tjwt_cache_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(tjwt_stats_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(tjwt_cache_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_child_init(tjwt_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, tjwt_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(teleport_jwt) = {
    STANDARD20_MODULE_STUFF, tjwt_create_dir_conf, tjwt_merge_dir_conf,
    tjwt_create_srv_conf,    tjwt_merge_srv_conf,  tjwt_cmds,
    tjwt_register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
    AP_MODULE_FLAG_NONE
#endif
};
