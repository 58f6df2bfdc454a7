/* Serving the key set: the JWKS of each virtual host, and the
 * teleport-jwks handler. */
#ifndef TJWT_PUBLISH_H
#define TJWT_PUBLISH_H

#include <httpd.h>

#define TJWT_JWKS_HANDLER "teleport-jwks"

/* The start-up step: builds each server's JWKS from its signing key
 * (server_keys.h: every server has one by then) and its
 * TeleportJWTPublishKey keys. Returns OK, or an error status after logging
 * why. */
int tjwt_publish_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);

/* The handler for SetHandler teleport-jwks. */
int tjwt_jwks_handler(request_rec *r);

#endif
