/* Per-directory and per-server configuration: create/merge functions,
 * the directive handlers and the checks of the whole configuration (the
 * structures are in scope.h). The directive table itself lives in
 * mod_teleport_jwt.c. */
#ifndef TJWT_CONFIG_H
#define TJWT_CONFIG_H

#include "claims.h"
#include "headers.h"
#include "jwks.h"
#include "keys.h"
#include "scope.h"

#include <ap_expr.h>
#include <http_config.h>
#include <httpd.h>

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
