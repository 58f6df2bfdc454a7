/* The configuration of an OAuth protected resource (AuthType
 * TeleportOAuth, the TeleportJWTOAuth* directives): what a scope says,
 * how scopes merge, and the directive handlers. The directive table
 * lives in mod_teleport_jwt.c. */
#ifndef TJWT_OAUTH_CONFIG_H
#define TJWT_OAUTH_CONFIG_H

#include "jwks_fetch.h"

#include <ap_expr.h>
#include <http_config.h>
#include <httpd.h>

/* The AuthType that makes the module authenticate bearer tokens. */
#define TJWT_OAUTH_AUTH_TYPE "TeleportOAuth"
/* The handler of protected resource metadata. */
#define TJWT_OAUTH_METADATA_HANDLER "teleport-resource-metadata"
/* Clock skew allowed on an access token's exp, nbf and iat. */
#define TJWT_OAUTH_DEFAULT_LEEWAY 60
#define TJWT_OAUTH_MAX_LEEWAY     300

/* Every member starts unset (NULL, or -1) and merges as "child if set,
 * else parent". */
typedef struct tjwt_oauth_conf {
    const char *resource;       /* TeleportJWTOAuthResource */
    const char *metadata_url;   /* made from resource */
    ap_expr_info_t *expires;    /* %{env:OAUTH_EXPIRES}, made with resource */
    const char *issuer;         /* TeleportJWTOAuthIssuer */
    tjwt_jwks_source *jwks;     /* TeleportJWTOAuthJWKS */
    apr_array_header_t *scopes; /* TeleportJWTOAuthScopes: const char * */
    const char *scope_text;     /* the same, space-separated */
    const char *resource_name;  /* TeleportJWTOAuthResourceName */
    const char *subject;        /* TeleportJWTOAuthSubjectClaim */
    apr_int64_t leeway;         /* TeleportJWTOAuthLeeway; -1 unset */
} tjwt_oauth_conf;

/* The merged configuration of the scope r is in, or NULL. */
const tjwt_oauth_conf *tjwt_oauth_conf_of(const ap_conf_vector_t *per_dir);

/* Merges two scopes' (either may be NULL); shares one when the other is
 * unset, as merges run for every request. */
tjwt_oauth_conf *tjwt_oauth_merge(apr_pool_t *p, tjwt_oauth_conf *base,
                                  tjwt_oauth_conf *add);

apr_int64_t tjwt_oauth_leeway(const tjwt_oauth_conf *o);

/* The resources the configuration declares, with the server each was
 * declared in, for the metadata handler's root URL. */
typedef struct {
    server_rec *server;
    const char *resource;
} tjwt_oauth_declared;
const apr_array_header_t *tjwt_oauth_declared_list(void);

/* check_config: every AuthType TeleportOAuth of the server configuration
 * has a resource, an issuer and a key set that reach it; else logs the
 * file, the line and what is missing, and refuses the configuration. */
int tjwt_oauth_check_config(apr_pool_t *ptemp, server_rec *s);

/* pre_config: forgets the last configuration's resources and key sets. */
void tjwt_oauth_pre_config(apr_pool_t *pconf);

const char *tjwt_cmd_oauth_resource(cmd_parms *cmd, void *dconf,
                                    const char *arg);
const char *tjwt_cmd_oauth_issuer(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_oauth_jwks(cmd_parms *cmd, void *dconf, const char *where,
                                const char *ca_file);
const char *tjwt_cmd_oauth_scopes(cmd_parms *cmd, void *dconf, const char *arg);
const char *tjwt_cmd_oauth_resource_name(cmd_parms *cmd, void *dconf,
                                         const char *arg);
const char *tjwt_cmd_oauth_subject(cmd_parms *cmd, void *dconf,
                                   const char *arg);
const char *tjwt_cmd_oauth_leeway(cmd_parms *cmd, void *dconf, const char *arg);

#endif
