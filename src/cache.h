/* The token cache's rules (docs/cache.md), the same for every layer: what
 * identifies a token, when a cached token may still be used, how an entry
 * is stored in a shared cache and what it must be to be used. Nothing here
 * calls into httpd, so the unit tests link this file as it is. The layers
 * are cache_mem.c (in-process) and cache_socache.c (mod_socache), and
 * cache_layers.c puts them in front of the signature. */
#ifndef TJWT_CACHE_H
#define TJWT_CACHE_H

#include "claims.h"

#include <apr_pools.h>

/* SHA-256: long enough that two identities never share a key, and opaque,
 * so that no user name or role is ever a raw key in Redis or memcached. */
#define TJWT_CACHE_KEY_LEN 32

/* The key of an identity in both forms: its canonical encoding, which the
 * in-process cache compares whole (hashing it with a fast seeded hash to
 * find the bucket), and its SHA-256, which shared caches use. The
 * SHA-256 is only computed where it is used: a cache hit in the process
 * then costs no cryptographic hash. */
typedef struct {
    const char *ident; /* the encoding, in the pool of tjwt_cache_key_make */
    apr_size_t ident_len;
    int has_digest; /* b is set */
    unsigned char b[TJWT_CACHE_KEY_LEN];
} tjwt_cache_key;

/* Everything that goes into a token except time. */
typedef struct {
    const char *kid;             /* the signing key */
    const tjwt_claims *claims;   /* iat and exp are ignored; mode as asked */
    apr_int64_t lifetime;        /* exp - iat; 0: exp is identity_expiry */
    apr_int64_t max_size;        /* TeleportJWTMaxSize: decides the fallback */
    apr_int64_t identity_expiry; /* Unix seconds; 0 when there is none */
} tjwt_cache_ident;

/* A cached token and what a request needs to reproduce the signed result:
 * its times, and the claim mode it ended with (the size fallback of
 * tjwt_token_get may have narrowed it). */
typedef struct {
    const char *token;
    apr_int64_t iat;
    apr_int64_t exp;
    tjwt_claims_mode_e mode;
} tjwt_cache_entry;

/* The identity of the token for claims c (whose iat and exp are the
 * request's) with the key of kid and TeleportJWTMaxSize max_size. A token
 * cut short by the identity expiry has exp = that expiry whenever it is
 * made: such tokens share one identity (lifetime 0), instead of a new one
 * every second. */
void tjwt_cache_ident_make(tjwt_cache_ident *id, const char *kid,
                           const tjwt_claims *c, apr_int64_t max_size);

/* The key of an identity: a canonical encoding of the kid, the user,
 * issuer and audience, the claim mode and the roles and traits it lets
 * into the token, the lifetime, the maximum size and the identity
 * expiry; and SHA-256 over it. Returns 0, or -1 with *err if SHA-256 is
 * not available. */
int tjwt_cache_key_make(apr_pool_t *p, const tjwt_cache_ident *id,
                        tjwt_cache_key *key, const char **err);

/* The same without the SHA-256, for the in-process cache; never fails.
 * tjwt_cache_key_digest adds the SHA-256 when it is needed after all. */
void tjwt_cache_key_make_local(apr_pool_t *p, const tjwt_cache_ident *id,
                               tjwt_cache_key *key);

/* Computes key->b if it is not set yet. Returns 0, or -1 with *err. */
int tjwt_cache_key_digest(tjwt_cache_key *key, const char **err);

/* The half-life rule: a token signed at iat that expires at exp is used
 * at time now only if it is not from the future and at least half of its
 * lifetime remains, 2 * (exp - now) >= exp - iat; in whole seconds that
 * is iat <= now <= tjwt_cache_last_use(iat, exp). */
int tjwt_cache_usable(apr_int64_t iat, apr_int64_t exp, apr_int64_t now);

/* The last second at which a token is still usable: iat + (exp - iat) / 2,
 * rounded down. */
apr_int64_t tjwt_cache_last_use(apr_int64_t iat, apr_int64_t exp);

/* Refresh without storms (docs/cache.md): a usable token is made anew
 * by the first request at or after its refresh point, while the others
 * keep using it. The point lies in the last eighth of the lifetime's
 * first half, [last_use - w, last_use - 1] with w = (exp - iat) / 8,
 * at an offset derived from the key's encoding (FNV-1a): the same for
 * an identity on every server and in every process, spread over w for
 * identities whose tokens were made in the same second. With w = 0 (a
 * lifetime under 8 s) it is last_use + 1: no early refresh. */
apr_int64_t tjwt_cache_refresh_at(apr_int64_t iat, apr_int64_t exp,
                                  const char *ident, apr_size_t ident_len);

/* Whether a token is usable at now and due for refresh. Hashes the key
 * only inside the window, so the hits before it cost nothing more. */
int tjwt_cache_refresh_due(apr_int64_t iat, apr_int64_t exp, apr_int64_t now,
                           const char *ident, apr_size_t ident_len);

/* The stored form of an entry for a shared cache: a short versioned text
 * header ("tjwt1 iat exp mode\n") and the token. */
char *tjwt_cache_entry_encode(apr_pool_t *p, const tjwt_cache_entry *e,
                              apr_size_t *len);

/* Parses a stored entry; returns 0, or -1 when it is not one of ours. */
int tjwt_cache_entry_decode(apr_pool_t *p, const char *data, apr_size_t len,
                            tjwt_cache_entry *e);

/* The "being made" marker a process leaves under a key while it signs
 * (docs/cache.md, "Single flight across processes"): "tjwt1 making NONCE\n",
 * NONCE the maker's process id, a dash and 16 hex digits from rnd, so that
 * the maker can tell its marker from another server's when it reads it
 * back. Never an entry: tjwt_cache_entry_decode refuses it. */
#define TJWT_CACHE_MARKER_RANDOM 8
char *tjwt_cache_marker_make(apr_pool_t *p, apr_int64_t pid,
                             const unsigned char rnd[TJWT_CACHE_MARKER_RANDOM],
                             apr_size_t *len);

/* Whether data is a marker, whoever made it: with any nonce of printable
 * characters, or none (the marker of version 1.0, "tjwt1 making\n"). */
int tjwt_cache_is_marker(const char *data, apr_size_t len);

/* Whether a token from a shared cache is exactly what this server would
 * sign for the claims asked for (whose iat and exp are now's): the key's
 * protected header, the same lifetime (or the same identity expiry), and
 * the payload of these claims with the entry's times and a mode the size
 * fallback can reach. Whoever can write to Redis could otherwise hand one
 * user another user's (genuinely signed) token. Its signature must be
 * sig_len bytes in base64url, the length of the key's signatures.
 * Returns 1 if it is. */
int tjwt_cache_entry_matches(apr_pool_t *p, const tjwt_cache_entry *e,
                             const char *jws_header, apr_size_t sig_len,
                             const tjwt_claims *asked);

#endif
