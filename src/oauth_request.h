/* The request path of an OAuth protected resource: bearer tokens checked
 * by the module (AuthType TeleportOAuth), the challenge on every 401 and
 * 403 of a protected scope, and the client's Authorization kept from the
 * upstream. docs/mcp-authorization.md. */
#ifndef TJWT_OAUTH_REQUEST_H
#define TJWT_OAUTH_REQUEST_H

#include <httpd.h>

/* check_authn: AuthType TeleportOAuth. */
int tjwt_oauth_authn(request_rec *r);

/* insert_error_filter: resource_metadata on the challenge of a 401 or 403
 * from any module, or a challenge of its own where there is none. */
void tjwt_oauth_insert_error(request_rec *r);

/* fixups: the client's Authorization removed in every protected scope;
 * the token's claims again for a subrequest or internal redirect that
 * httpd let skip authentication; the challenge of an ErrorDocument. */
int tjwt_oauth_fixups(request_rec *r);

/* post_config: fetches the key sets given by URL. */
int tjwt_oauth_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                           apr_pool_t *ptemp, server_rec *s);

/* handler: SetHandler teleport-resource-metadata (oauth_metadata.c). */
int tjwt_oauth_metadata_handler(request_rec *r);

#endif
