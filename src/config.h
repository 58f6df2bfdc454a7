/* Per-directory and per-server configuration: the structures, their
 * create/merge functions and the directive handlers. The directive table
 * itself lives in mod_teleport_jwt.c. */
#ifndef TJWT_CONFIG_H
#define TJWT_CONFIG_H

#include "claims.h"
#include "headers.h"
#include "jwks.h"
#include "keys.h"

#include <ap_expr.h>
#include <http_config.h>
#include <httpd.h>

extern module AP_MODULE_DECLARE_DATA teleport_jwt_module;

/* Tags our log lines with the module, so that LogLevel teleport_jwt:...
 * works. Every file that logs includes this header. */
#include <http_log.h>
#ifndef TJWT_MODULE_FILE /* AP_DECLARE_MODULE declares it there */
APLOG_USE_MODULE(teleport_jwt);
#endif

#define TJWT_UNSET                    (-1)
#define TJWT_DEFAULT_ASSERTION_HEADER "Teleport-Jwt-Assertion"
#define TJWT_DEFAULT_LIFETIME         600
#define TJWT_DEFAULT_MAX_SIZE         8190
#define TJWT_ENV_VAR                  "TELEPORT_JWT"

/* Every member starts unset and merges as "child if set, else parent". */
typedef struct {
    int enabled;                  /* TJWT_UNSET, 0, 1 */
    int claims_mode;              /* TJWT_UNSET or tjwt_claims_mode_e */
    const char *assertion_header; /* NULL unset, "" for Off */
    const char *issuer;           /* NULL: the virtual host's ServerName */
    const char *audience;         /* NULL or "auto": the proxy target */
    ap_expr_info_t *user;         /* NULL: REMOTE_USER */
    apr_int64_t lifetime;         /* seconds; TJWT_UNSET */
    apr_int64_t max_size;         /* bytes; TJWT_UNSET */
    /* Repeatable directives: NULL unset; an inner scope's list replaces
     * the outer one. */
    apr_array_header_t *roles;   /* tjwt_value_src */
    apr_array_header_t *traits;  /* tjwt_value_src */
    ap_expr_info_t *expiry;      /* NULL: no identity expiry */
    apr_array_header_t *headers; /* tjwt_template * */
    int headers_htaccess;        /* headers came from an .htaccess file */
    /* Header names owned here (const char *): this scope's assertion
     * header and templates and those of every scope merged into it. A
     * union, not replaced like the lists above: an inner scope that sends
     * other headers still serves upstreams that trust the outer ones, so
     * a client's copy of any of them is removed. */
    apr_array_header_t *owned;
    /* The same, of the server configuration only: the names an .htaccess
     * template may not redefine. */
    apr_array_header_t *owned_by_server;
    /* AuthType TeleportOAuth and the resource's metadata (oauth_config.c);
     * NULL unset. */
    struct tjwt_oauth_conf *oauth;
} tjwt_dir_conf;

/* TeleportJWTCache's backend; defined in cache_socache.c. */
typedef struct tjwt_cache_conf tjwt_cache_conf;

typedef struct {
    tjwt_key *signing_key;            /* NULL: the generated default key */
    apr_array_header_t *publish_keys; /* tjwt_key *; NULL unset */
    tjwt_jwks *jwks;                  /* made in post_config */
    tjwt_cache_conf *cache;           /* NULL: the in-process cache */
    int cache_size; /* TeleportJWTCacheSize; 0 unset (main server only) */
    /* TeleportJWTHtaccessHeaders: what .htaccess templates may name. */
    apr_array_header_t *htaccess_headers;
} tjwt_srv_conf;

void *tjwt_create_dir_conf(apr_pool_t *p, char *dir);
void *tjwt_merge_dir_conf(apr_pool_t *p, void *base, void *add);
void *tjwt_create_srv_conf(apr_pool_t *p, server_rec *s);
void *tjwt_merge_srv_conf(apr_pool_t *p, void *base, void *add);

const char *tjwt_cmd_enable(cmd_parms *cmd, void *dconf, int on);
const char *tjwt_cmd_cache_size(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_claims(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_assertion_header(cmd_parms *cmd, void *dconf,
                                      const char *arg);
const char *tjwt_cmd_issuer(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_audience(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_user(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_lifetime(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_max_size(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_roles(cmd_parms *cmd, void *dconf, const char *args);
const char *tjwt_cmd_trait(cmd_parms *cmd, void *dconf, const char *name,
                           const char *expr, const char *sep);
const char *tjwt_cmd_expiry(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_header(cmd_parms *cmd, void *dconf, const char *name,
                            const char *tpl);
const char *tjwt_cmd_signing_key(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_publish_key(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_htaccess_headers(cmd_parms *cmd, void *dconf,
                                      const char *arg);

/* Records a header name the scope owns (see tjwt_dir_conf). */
void tjwt_own(cmd_parms *cmd, tjwt_dir_conf *d, const char *name);

/* pre_config: forgets what the previous configuration read said. */
void tjwt_config_pre_config(apr_pool_t *pconf);
/* check_config: what can only be checked once the whole configuration is
 * read (every template's trait is defined), and what .htaccess files are
 * later checked against (the headers RequestHeader sets). */
int tjwt_config_check(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s);
/* The start-up warnings that belong in the error log, from post_config. */
void tjwt_config_post_config(server_rec *s);
/* child_init: the once-per-file warnings of .htaccess files. */
void tjwt_config_child_init(apr_pool_t *pchild);

/* Effective values, with the defaults applied. */
apr_int64_t tjwt_dir_lifetime(const tjwt_dir_conf *d);
apr_int64_t tjwt_dir_max_size(const tjwt_dir_conf *d);
tjwt_claims_mode_e tjwt_dir_claims_mode(const tjwt_dir_conf *d);
/* Whether a TeleportJWTHeader of the scope sets name. */
int tjwt_dir_has_header(const tjwt_dir_conf *d, const char *name);
/* The assertion header name, or NULL when it is Off. */
const char *tjwt_dir_assertion_header(const tjwt_dir_conf *d);

#endif
