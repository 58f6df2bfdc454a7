/* The .htaccess rule (docs/claims.md): .htaccess may switch the module and
 * choose headers, never decide who the token says the user is. */
#ifndef TJWT_HTACCESS_H
#define TJWT_HTACCESS_H

#include <httpd.h>

#include <http_config.h>

/* Returns NULL when every .htaccess file of list (r->htaccess, or after a
 * fast redirect the list of the subrequest r took over), sections
 * included, configures only modules that cannot change the user, what the
 * claim sources read or where the request goes (this module, mod_authz_*
 * and a short list of response-shaping ones) and sets no handler;
 * otherwise a description of the first one that does ("the .htaccess
 * file in <dir> configures mod_authn_file.c"), and then no token may be
 * issued. */
const char *tjwt_htaccess_tainted(request_rec *r,
                                  const struct htaccess_result *list);

/* Whether a directive is being read from an .htaccess file. */
int tjwt_in_htaccess(const cmd_parms *cmd);

#endif
