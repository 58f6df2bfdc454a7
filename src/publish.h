/* Serving the key set: the default key made at first start, the JWKS of
 * each virtual host, and the teleport-jwks handler. */
#ifndef TJWT_PUBLISH_H
#define TJWT_PUBLISH_H

#include <httpd.h>

#define TJWT_JWKS_HANDLER     "teleport-jwks"
#define TJWT_DEFAULT_KEY_PATH "teleport-jwt/signing-key.pem"

/* post_config: gives every server without TeleportJWTSigningKey the
 * default key (generated once under ServerRoot) and builds each server's
 * JWKS. Returns OK, or an error status after logging why. */
int tjwt_publish_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                             server_rec *s);

/* The handler for SetHandler teleport-jwks. */
int tjwt_jwks_handler(request_rec *r);

#endif
