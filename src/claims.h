/* Teleport's claim set and its JSON form. */
#ifndef TJWT_CLAIMS_H
#define TJWT_CLAIMS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Which of roles and traits a token carries (Teleport's jwt_claims). */
typedef enum {
    TJWT_CLAIMS_ROLES_AND_TRAITS = 0,
    TJWT_CLAIMS_ROLES,
    TJWT_CLAIMS_TRAITS,
    TJWT_CLAIMS_NONE
} tjwt_claims_mode_e;

typedef struct {
    const char *name;
    apr_array_header_t *values; /* const char * */
} tjwt_trait;

/* A member added here must be covered by the token cache's key too
 * (tjwt_put_identity in cache.c; the build stops until it is). */
typedef struct {
    const char *user;           /* sub and username */
    const char *issuer;         /* iss */
    const char *audience;       /* the one member of aud */
    apr_array_header_t *roles;  /* const char *; NULL means none */
    apr_array_header_t *traits; /* tjwt_trait; NULL means none */
    tjwt_claims_mode_e mode;
    apr_int64_t iat; /* signing time, Unix seconds; the claims are before */
    apr_int64_t exp; /* Unix seconds */
    /* TeleportJWTExpiry in Unix seconds, 0 when there is none. Not a
     * claim of its own (exp already honours it): the token cache keys on
     * it, so that no token outlives the identity it was made for. */
    apr_int64_t identity_expiry;
} tjwt_claims;

/* The clock skew allowed for: nbf (as Teleport) and iat (unlike
 * Teleport, docs/tokens.md "Clocks") are this much before signing. */
#define TJWT_NBF_SKEW 10
/* The longest lifetime accepted (TeleportJWTLifetime): a token is a bearer
 * credential, and a day is already far more than Teleport issues for
 * application access. */
#define TJWT_MAX_LIFETIME 86400

/* Parses a TeleportJWTClaims value. Returns 0 on success. */
int tjwt_claims_mode_parse(const char *s, tjwt_claims_mode_e *mode);
const char *tjwt_claims_mode_name(tjwt_claims_mode_e mode);

/* The payload: compact JSON with sorted keys. Returns NULL with *err when a
 * value is not valid UTF-8 (jansson refuses it), so that no malformed claim
 * is ever signed. */
char *tjwt_claims_to_json(apr_pool_t *p, const tjwt_claims *c,
                          const char **err);

#endif
