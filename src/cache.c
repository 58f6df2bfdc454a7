/* The cache's rules. They live here, apart from every layer, so that the
 * unit tests check the very code that decides whether a token is reused,
 * and so that the in-process and the shared layer cannot drift apart. */
#include "cache.h"
#include "b64url.h"
#include "sha256.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

/* Bumped whenever the stored form changes, so that a fleet in the middle
 * of an upgrade never mixes entries of two formats. */
#define TJWT_CACHE_FORMAT "tjwt1"
/* The same for the key's encoding, the first thing it holds: keys of two
 * encodings never meet (the decimal netstrings of "tjwt1" before). */
#define TJWT_CACHE_KEY_FORMAT "tjwt-key2"

/* The key's input is a canonical encoding of the identity: every string
 * as its length in eight bytes followed by its bytes, every number in
 * eight bytes, in a fixed order, so that no two identities encode alike
 * whatever bytes their values hold. It is built by hand rather than
 * through jansson: this runs on every request, and building a JSON
 * document costs more than the rest of the cache hit together. Fixed
 * widths rather than decimal digits: no division per digit and one copy
 * per string, on every request. */
typedef struct {
    char *buf;
    apr_size_t cap; /* past it, only the length is counted */
    apr_size_t len;
} tjwt_keybuf;

static void tjwt_put(tjwt_keybuf *b, const void *s, apr_size_t n)
{
    if (b->len + n <= b->cap)
        memcpy(b->buf + b->len, s, n);
    b->len += n;
}

/* Little-endian whatever the machine, so that a fleet of mixed machines
 * sharing a cache makes the same keys: one store, not a byte at a time. */
static void tjwt_put_u64(tjwt_keybuf *b, apr_uint64_t v)
{
#if APR_IS_BIGENDIAN
    v = __builtin_bswap64(v);
#endif
    if (b->len + sizeof(v) <= b->cap)
        memcpy(b->buf + b->len, &v, sizeof(v));
    b->len += sizeof(v);
}

static void tjwt_put_str(tjwt_keybuf *b, const char *s)
{
    apr_size_t n = s ? strlen(s) : 0;

    /* A missing string and an empty one are the same in the token. */
    tjwt_put_u64(b, n);
    if (n)
        tjwt_put(b, s, n);
}

static void tjwt_put_int(tjwt_keybuf *b, apr_int64_t v)
{
    /* Two's complement: negative values stay distinct. */
    tjwt_put_u64(b, (apr_uint64_t)v);
}

static void tjwt_put_strings(tjwt_keybuf *b, const apr_array_header_t *a)
{
    int i, n = a ? a->nelts : 0;

    tjwt_put_int(b, n);
    for (i = 0; i < n; i++)
        tjwt_put_str(b, APR_ARRAY_IDX(a, i, const char *));
}

/* A member added to tjwt_claims may be a claim the key has to cover: this
 * stops the build until tjwt_put_identity has been looked at (and this
 * mirror updated). */
typedef struct {
    const char *user, *issuer, *audience;
    apr_array_header_t *roles, *traits;
    tjwt_claims_mode_e mode;
    apr_int64_t iat, exp, identity_expiry;
} tjwt_claims_as_keyed;
_Static_assert(sizeof(tjwt_claims) == sizeof(tjwt_claims_as_keyed),
               "tjwt_claims changed: check what the cache key covers");

/* Everything tjwt_claims_to_json puts in a token but iat, nbf and exp.
 * Whatever is added to the claims must be added here too. */
static void tjwt_put_identity(tjwt_keybuf *b, const tjwt_cache_ident *id)
{
    const tjwt_claims *c = id->claims;
    int i, with_roles = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                        c->mode == TJWT_CLAIMS_ROLES;
    int with_traits = c->mode == TJWT_CLAIMS_ROLES_AND_TRAITS ||
                      c->mode == TJWT_CLAIMS_TRAITS;

    b->len = 0;
    tjwt_put_str(b, TJWT_CACHE_KEY_FORMAT);
    tjwt_put_str(b, id->kid);
    tjwt_put_str(b, c->user);
    tjwt_put_str(b, c->issuer);
    tjwt_put_str(b, c->audience);
    tjwt_put_int(b, c->mode);
    /* Only what the claim mode lets into the token: with roles dropped,
     * a change of roles changes nothing the upstream sees. */
    if (with_roles)
        tjwt_put_strings(b, c->roles);
    if (with_traits) {
        int n = c->traits ? c->traits->nelts : 0;
        tjwt_put_int(b, n);
        for (i = 0; i < n; i++) {
            const tjwt_trait *t = &APR_ARRAY_IDX(c->traits, i, tjwt_trait);
            tjwt_put_str(b, t->name);
            tjwt_put_strings(b, t->values);
        }
    }
    tjwt_put_int(b, id->lifetime);
    tjwt_put_int(b, id->max_size);
    tjwt_put_int(b, id->identity_expiry);
}

void tjwt_cache_ident_make(tjwt_cache_ident *id, const char *kid,
                           const tjwt_claims *c, apr_int64_t max_size)
{
    id->kid = kid;
    id->claims = c;
    id->lifetime = c->identity_expiry && c->exp == c->identity_expiry
                       ? 0
                       : c->exp - c->iat;
    id->max_size = max_size;
    id->identity_expiry = c->identity_expiry;
}

void tjwt_cache_key_make_local(apr_pool_t *p, const tjwt_cache_ident *id,
                               tjwt_cache_key *key)
{
    /* An identity nearly always fits on the stack: one pass, then one
     * copy into the pool. A larger one is measured by that pass and
     * encoded again straight into the pool. */
    char stack[1024];
    tjwt_keybuf b = {stack, sizeof(stack), 0};

    tjwt_put_identity(&b, id);
    if (b.len > b.cap) {
        b.cap = b.len;
        b.buf = apr_palloc(p, b.cap);
        tjwt_put_identity(&b, id);
        key->ident = b.buf;
    }
    else {
        key->ident = apr_pmemdup(p, b.buf, b.len);
    }
    key->ident_len = b.len;
    key->has_digest = 0;
}

int tjwt_cache_key_digest(tjwt_cache_key *key, const char **err)
{
    if (key->has_digest)
        return 0;
    if (tjwt_sha256(key->ident, key->ident_len, key->b) != 0) {
        *err = "cannot compute SHA-256";
        return -1;
    }
    key->has_digest = 1;
    return 0;
}

int tjwt_cache_key_make(apr_pool_t *p, const tjwt_cache_ident *id,
                        tjwt_cache_key *key, const char **err)
{
    tjwt_cache_key_make_local(p, id, key);
    return tjwt_cache_key_digest(key, err);
}

int tjwt_cache_usable(apr_int64_t iat, apr_int64_t exp, apr_int64_t now)
{
    /* Multiplying instead of halving keeps odd lifetimes exact. A token
     * from the future (a clock stepped back, or a fleet member ahead of
     * us) is not used: its nbf might still be ahead for the upstream. */
    return exp > iat && now >= iat && 2 * (exp - now) >= exp - iat;
}

apr_int64_t tjwt_cache_last_use(apr_int64_t iat, apr_int64_t exp)
{
    return iat + (exp - iat) / 2;
}

apr_int64_t tjwt_cache_refresh_at(apr_int64_t iat, apr_int64_t exp,
                                  const char *ident, apr_size_t ident_len)
{
    apr_int64_t last = tjwt_cache_last_use(iat, exp);
    apr_int64_t w = (exp - iat) / 8;
    apr_uint64_t h = APR_UINT64_C(0xcbf29ce484222325);
    apr_size_t i;

    /* Too short to refresh early: the half-life rule alone, so that a
     * token of a few seconds is reused for its whole first half. */
    if (w < 1)
        return last + 1;
    /* FNV-1a: not secret, only spread; and the same on every server,
     * unlike the in-process cache's seeded hash. */
    for (i = 0; i < ident_len; i++)
        h = (h ^ (unsigned char)ident[i]) * APR_UINT64_C(0x100000001b3);
    return last - w + (apr_int64_t)(h % (apr_uint64_t)w);
}

int tjwt_cache_refresh_due(apr_int64_t iat, apr_int64_t exp, apr_int64_t now,
                           const char *ident, apr_size_t ident_len)
{
    if (!tjwt_cache_usable(iat, exp, now) ||
        now < tjwt_cache_last_use(iat, exp) - (exp - iat) / 8)
        return 0;
    return now >= tjwt_cache_refresh_at(iat, exp, ident, ident_len);
}

char *tjwt_cache_entry_encode(apr_pool_t *p, const tjwt_cache_entry *e,
                              apr_size_t *len)
{
    char *s = apr_psprintf(p,
                           TJWT_CACHE_FORMAT " %" APR_INT64_T_FMT
                                             " %" APR_INT64_T_FMT " %d\n%s",
                           e->iat, e->exp, (int)e->mode, e->token);

    *len = strlen(s);
    return s;
}

int tjwt_cache_entry_decode(apr_pool_t *p, const char *data, apr_size_t len,
                            tjwt_cache_entry *e)
{
    const char *nl = memchr(data, '\n', len);
    char *head, *end;
    apr_int64_t mode;

    /* sizeof counts the NUL, which stands for the space after it. */
    if (!nl || (apr_size_t)(nl - data) <= sizeof(TJWT_CACHE_FORMAT) ||
        (apr_size_t)(nl - data) > 80 ||
        memcmp(data, TJWT_CACHE_FORMAT " ", sizeof(TJWT_CACHE_FORMAT)) != 0)
        return -1;
    head = apr_pstrmemdup(p, data + sizeof(TJWT_CACHE_FORMAT),
                          (apr_size_t)(nl - data) - sizeof(TJWT_CACHE_FORMAT));
    e->iat = apr_strtoi64(head, &end, 10);
    if (*end != ' ')
        return -1;
    e->exp = apr_strtoi64(end + 1, &end, 10);
    if (*end != ' ')
        return -1;
    mode = apr_strtoi64(end + 1, &end, 10);
    if (*end || mode < TJWT_CLAIMS_ROLES_AND_TRAITS || mode > TJWT_CLAIMS_NONE)
        return -1;
    /* Times this server could have written: the arithmetic on them later
     * cannot overflow whatever another process stored. */
    if (e->iat <= 0 || e->exp <= e->iat || e->exp - e->iat > TJWT_MAX_LIFETIME)
        return -1;
    e->mode = (tjwt_claims_mode_e)mode;
    len -= (apr_size_t)(nl + 1 - data);
    /* A token is printable ASCII; anything else is not ours. */
    if (len == 0 || memchr(nl + 1, '\0', len))
        return -1;
    e->token = apr_pstrmemdup(p, nl + 1, len);
    return 0;
}

#define TJWT_MARKER_HEAD TJWT_CACHE_FORMAT " making"
/* Longer than any nonce this server makes, short enough to read at once. */
#define TJWT_MARKER_NONCE_MAX 64

char *tjwt_cache_marker_make(apr_pool_t *p, apr_int64_t pid,
                             const unsigned char rnd[TJWT_CACHE_MARKER_RANDOM],
                             apr_size_t *len)
{
    char hex[2 * TJWT_CACHE_MARKER_RANDOM + 1];
    char *m;
    apr_size_t i;

    for (i = 0; i < TJWT_CACHE_MARKER_RANDOM; i++)
        apr_snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    m = apr_psprintf(p, TJWT_MARKER_HEAD " %" APR_INT64_T_FMT "-%s\n", pid,
                     hex);
    *len = strlen(m);
    return m;
}

int tjwt_cache_is_marker(const char *data, apr_size_t len)
{
    const apr_size_t head = sizeof(TJWT_MARKER_HEAD) - 1;
    apr_size_t i;

    if (len < head + 1 || memcmp(data, TJWT_MARKER_HEAD, head) != 0 ||
        data[len - 1] != '\n')
        return 0;
    if (len == head + 1)
        return 1; /* no nonce */
    if (data[head] != ' ' || len - head - 2 == 0 ||
        len - head - 2 > TJWT_MARKER_NONCE_MAX)
        return 0;
    for (i = head + 1; i < len - 1; i++)
        if (!apr_isgraph(data[i]))
            return 0;
    return 1;
}

/* The modes the size fallback of tjwt_token_get can end with: it drops
 * traits, then roles, and never adds anything. */
static int tjwt_mode_reachable(tjwt_claims_mode_e asked, tjwt_claims_mode_e got)
{
    if (got == asked || got == TJWT_CLAIMS_NONE)
        return 1;
    return asked == TJWT_CLAIMS_ROLES_AND_TRAITS && got == TJWT_CLAIMS_ROLES;
}

/* Whether s is n base64url characters and nothing else. */
static int tjwt_is_b64url(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (!apr_isalnum(s[i]) && s[i] != '-' && s[i] != '_')
            return 0;
    }
    return s[n] == '\0';
}

int tjwt_cache_entry_matches(apr_pool_t *p, const tjwt_cache_entry *e,
                             const char *jws_header, apr_size_t sig_len,
                             const tjwt_claims *asked)
{
    apr_size_t hlen = strlen(jws_header);
    tjwt_claims c = *asked;
    const char *err, *payload, *dot, *json;

    int capped = asked->identity_expiry && asked->exp == asked->identity_expiry;

    /* The lifetime is in the key but not in the claims: a genuine token of
     * this identity made where TeleportJWTLifetime is longer must not pass
     * for one of this scope. */
    if (capped ? e->exp != asked->exp
               : e->exp - e->iat != asked->exp - asked->iat)
        return 0;
    if (!tjwt_mode_reachable(asked->mode, e->mode) ||
        strncmp(e->token, jws_header, hlen) != 0 || e->token[hlen] != '.')
        return 0;
    payload = e->token + hlen + 1;
    dot = strchr(payload, '.');
    /* The signature is not checked (a verification costs more than an
     * ES256 signature), but it is exactly what the key makes, in length
     * and alphabet: nothing else, a CR or LF above all, reaches a header. */
    if (!dot || !tjwt_is_b64url(dot + 1, TJWT_B64URL_LEN(sig_len)))
        return 0;
    c.iat = e->iat;
    c.exp = e->exp;
    c.mode = e->mode;
    json = tjwt_claims_to_json(p, &c, &err);
    if (!json)
        return 0;
    json = tjwt_b64url_encode(p, (const unsigned char *)json, strlen(json));
    return strlen(json) == (apr_size_t)(dot - payload) &&
           memcmp(json, payload, (apr_size_t)(dot - payload)) == 0;
}
