/* The .htaccess rule (SPEC §5): .htaccess may switch the module and choose
 * headers, never decide who the token says the user is. */
#ifndef TJWT_HTACCESS_H
#define TJWT_HTACCESS_H

#include <httpd.h>

#include <http_config.h>

/* Returns NULL when no .htaccess file that applies to r configures a
 * module that can change the user or what the claim sources read;
 * otherwise a description of the first one ("<dir>/.htaccess configures
 * mod_authn_file.c"), and then no token may be issued. */
const char *tjwt_htaccess_tainted(request_rec *r);

/* Whether a directive is being read from an .htaccess file. */
int tjwt_in_htaccess(const cmd_parms *cmd);

#endif
