/* Every server's signing key: its TeleportJWTSigningKey, or the default
 * key the module generates once under ServerRoot. */
#ifndef TJWT_SERVER_KEYS_H
#define TJWT_SERVER_KEYS_H

#include <httpd.h>

#define TJWT_DEFAULT_KEY_PATH "teleport-jwt/signing-key.pem"

/* The start-up step: gives every server without TeleportJWTSigningKey the
 * default key, generated the first time. Returns OK, or an error status
 * after logging why. */
int tjwt_server_keys_post_config(apr_pool_t *pconf, apr_pool_t *ptemp,
                                 server_rec *s);

#endif
