/* The configuration's structures, per directory and per server, which the
 * directive handlers of config.c and oauth_config.c fill and the request
 * path reads, and what both record in them. Kept apart from config.c's
 * functions so that a part of the configuration (oauth_config.c) depends
 * on the structures, not on the file that merges it. */
#ifndef TJWT_SCOPE_H
#define TJWT_SCOPE_H

#include "jwks.h"
#include "keys.h"
#include "module.h"

#include <ap_expr.h>
#include <http_config.h>
#include <httpd.h>

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

/* Records a header name the scope owns (see tjwt_dir_conf). */
void tjwt_own(cmd_parms *cmd, tjwt_dir_conf *d, const char *name);

#endif
