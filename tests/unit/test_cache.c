/* The token cache's semantics (docs/cache.md): the key covers everything in the
 * token but time, the half-life rule, the stored form and its check, and
 * the in-process cache's bounds and eviction. */
#include "tjwt_unit.h"

#include "src/b64url.h"
#include "src/cache.h"
#include "src/cache_mem.h"

#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <string.h>

#define IAT APR_INT64_C(1700000000)

static apr_array_header_t *strings(apr_pool_t *p, const char *a, const char *b)
{
    apr_array_header_t *arr = apr_array_make(p, 2, sizeof(const char *));

    if (a)
        APR_ARRAY_PUSH(arr, const char *) = a;
    if (b)
        APR_ARRAY_PUSH(arr, const char *) = b;
    return arr;
}

static apr_array_header_t *one_trait(apr_pool_t *p, const char *name,
                                     const char *value)
{
    apr_array_header_t *traits = apr_array_make(p, 1, sizeof(tjwt_trait));
    tjwt_trait *t = apr_array_push(traits);

    t->name = name;
    t->values = strings(p, value, NULL);
    return traits;
}

static tjwt_claims base_claims(apr_pool_t *p)
{
    tjwt_claims c;

    memset(&c, 0, sizeof(c));
    c.user = "alice";
    c.issuer = "apache.example.com";
    c.audience = "http://127.0.0.1:8080";
    c.roles = strings(p, "access", "editor");
    c.traits = one_trait(p, "logins", "alice");
    c.mode = TJWT_CLAIMS_ROLES_AND_TRAITS;
    c.iat = IAT;
    c.exp = IAT + 600;
    return c;
}

static tjwt_cache_ident base_ident(const tjwt_claims *c)
{
    tjwt_cache_ident id;

    id.kid = "kid-one";
    id.claims = c;
    id.lifetime = 600;
    id.max_size = 8190;
    id.identity_expiry = 0;
    return id;
}

static tjwt_cache_key key_of(const tjwt_cache_ident *id)
{
    tjwt_cache_key k;
    const char *err = NULL;

    ck_assert_msg(tjwt_cache_key_make(tjwt_test_pool, id, &k, &err) == 0,
                  "tjwt_cache_key_make failed: %s", err ? err : "?");
    return k;
}

static int same_key(const tjwt_cache_key *a, const tjwt_cache_key *b)
{
    return memcmp(a->b, b->b, TJWT_CACHE_KEY_LEN) == 0;
}

START_TEST(test_key_is_stable_and_timeless)
{
    tjwt_claims c = base_claims(tjwt_test_pool);
    tjwt_cache_ident id = base_ident(&c);
    tjwt_cache_key k1 = key_of(&id), k2;

    /* Another moment, same lifetime: the same identity. */
    c.iat = IAT + 1234;
    c.exp = c.iat + 600;
    k2 = key_of(&id);
    ck_assert(same_key(&k1, &k2));
}
END_TEST

/* An identity longer than the key's stack buffer (about 1 KB) is encoded
 * in full: a change in its last byte, past that buffer, changes the key,
 * and the same long identity gives the same key twice. */
START_TEST(test_key_of_long_identity)
{
    tjwt_claims c = base_claims(tjwt_test_pool);
    tjwt_cache_ident id = base_ident(&c);
    tjwt_cache_key k1, k2, k3;
    char *user = apr_palloc(tjwt_test_pool, 3001);

    memset(user, 'u', 3000);
    user[3000] = '\0';
    c.user = user;
    k1 = key_of(&id);
    k2 = key_of(&id);
    ck_assert(same_key(&k1, &k2));
    user = apr_pstrdup(tjwt_test_pool, user);
    user[2999] = 'v';
    c.user = user;
    k3 = key_of(&id);
    ck_assert(!same_key(&k1, &k3));
}
END_TEST

/* A request's identity: the lifetime from its times, and lifetime 0 for
 * a token that the identity expiry cut short, whenever it is made. */
START_TEST(test_ident_of_request)
{
    tjwt_claims c = base_claims(tjwt_test_pool), later;
    tjwt_cache_ident id, id2;
    tjwt_cache_key k1, k2;

    tjwt_cache_ident_make(&id, "kid-one", &c, 4096);
    ck_assert_str_eq(id.kid, "kid-one");
    ck_assert_ptr_eq(id.claims, &c);
    ck_assert_int_eq(id.lifetime, 600);
    ck_assert_int_eq(id.max_size, 4096);
    ck_assert_int_eq(id.identity_expiry, 0);

    /* An expiry after iat + lifetime changes the key, not the lifetime. */
    c.identity_expiry = IAT + 900;
    tjwt_cache_ident_make(&id, "kid-one", &c, 4096);
    ck_assert_int_eq(id.lifetime, 600);
    ck_assert_int_eq(id.identity_expiry, IAT + 900);

    /* Cut short: requests a second apart share the key. */
    c.identity_expiry = IAT + 300;
    c.exp = IAT + 300;
    later = c;
    later.iat = IAT + 1;
    tjwt_cache_ident_make(&id, "kid-one", &c, 4096);
    tjwt_cache_ident_make(&id2, "kid-one", &later, 4096);
    ck_assert_int_eq(id.lifetime, 0);
    k1 = key_of(&id);
    k2 = key_of(&id2);
    ck_assert(same_key(&k1, &k2));
}
END_TEST

/* Each variant changes one thing that goes into the token. */
enum {
    V_KID,
    V_USER,
    V_ISSUER,
    V_AUDIENCE,
    V_ROLE_ADDED,
    V_ROLE_CHANGED,
    V_ROLE_ORDER,
    V_NO_ROLES,
    V_TRAIT_VALUE,
    V_TRAIT_NAME,
    V_NO_TRAITS,
    V_MODE_ROLES,
    V_MODE_TRAITS,
    V_MODE_NONE,
    V_LIFETIME,
    V_MAX_SIZE,
    V_IDENTITY_EXPIRY,
    V_COUNT
};

START_TEST(test_key_covers_every_field)
{
    apr_pool_t *p = tjwt_test_pool;
    tjwt_claims base = base_claims(p), c = base;
    tjwt_cache_ident id0 = base_ident(&base), id = base_ident(&c);
    tjwt_cache_key k0 = key_of(&id0), k;

    switch (_i) {
    case V_KID:
        id.kid = "kid-two";
        break;
    case V_USER:
        c.user = "bob";
        break;
    case V_ISSUER:
        c.issuer = "other.example.com";
        break;
    case V_AUDIENCE:
        c.audience = "http://127.0.0.1:8081";
        break;
    case V_ROLE_ADDED:
        c.roles = strings(p, "access", "editor");
        APR_ARRAY_PUSH(c.roles, const char *) = "admin";
        break;
    case V_ROLE_CHANGED:
        c.roles = strings(p, "access", "admin");
        break;
    case V_ROLE_ORDER:
        c.roles = strings(p, "editor", "access");
        break;
    case V_NO_ROLES:
        c.roles = NULL;
        break;
    case V_TRAIT_VALUE:
        c.traits = one_trait(p, "logins", "root");
        break;
    case V_TRAIT_NAME:
        c.traits = one_trait(p, "groups", "alice");
        break;
    case V_NO_TRAITS:
        c.traits = NULL;
        break;
    case V_MODE_ROLES:
        c.mode = TJWT_CLAIMS_ROLES;
        break;
    case V_MODE_TRAITS:
        c.mode = TJWT_CLAIMS_TRAITS;
        break;
    case V_MODE_NONE:
        c.mode = TJWT_CLAIMS_NONE;
        break;
    case V_LIFETIME:
        id.lifetime = 90;
        break;
    case V_MAX_SIZE:
        id.max_size = 4096;
        break;
    case V_IDENTITY_EXPIRY:
        id.identity_expiry = IAT + 3600;
        break;
    }
    k = key_of(&id);
    ck_assert_msg(!same_key(&k0, &k), "variant %d gives the same key", _i);
}
END_TEST

/* What a claim mode leaves out of the token is not part of its key. */
START_TEST(test_key_ignores_what_the_token_omits)
{
    apr_pool_t *p = tjwt_test_pool;
    tjwt_claims a = base_claims(p), b = base_claims(p);
    tjwt_cache_ident ia = base_ident(&a), ib = base_ident(&b);
    tjwt_cache_key ka, kb;

    a.mode = b.mode = TJWT_CLAIMS_NONE;
    b.roles = strings(p, "admin", NULL);
    b.traits = one_trait(p, "logins", "root");
    ka = key_of(&ia);
    kb = key_of(&ib);
    ck_assert(same_key(&ka, &kb));
}
END_TEST

/* No user data appears in the key: it is a SHA-256 value. */
START_TEST(test_key_is_opaque)
{
    tjwt_claims c = base_claims(tjwt_test_pool);
    tjwt_cache_ident id = base_ident(&c);
    tjwt_cache_key k = key_of(&id);

    size_t i;

    ck_assert_int_eq(sizeof(k.b), 32);
    for (i = 0; i + 5 <= sizeof(k.b); i++)
        ck_assert(memcmp(k.b + i, "alice", 5) != 0);
}
END_TEST

/* Values that a plain concatenation would run together stay apart. */
START_TEST(test_key_is_unambiguous)
{
    apr_pool_t *p = tjwt_test_pool;
    tjwt_claims a = base_claims(p), b = base_claims(p);
    tjwt_cache_ident ia = base_ident(&a), ib = base_ident(&b);
    tjwt_cache_key ka, kb;

    switch (_i) {
    case 0: /* one role "a,b" or two roles a and b */
        a.roles = strings(p, "a,b", NULL);
        b.roles = strings(p, "a", "b");
        break;
    case 1: /* where the user ends and the issuer begins */
        a.user = "ab";
        a.issuer = "c";
        b.user = "a";
        b.issuer = "bc";
        break;
    case 2: /* a value that looks like the encoding itself */
        a.user = "1:a,";
        b.user = "1:a";
        b.issuer = apr_pstrcat(p, ",", a.issuer, NULL);
        break;
    case 3: /* a trait's values or a second trait */
        a.traits = one_trait(p, "x", "a");
        APR_ARRAY_PUSH(((tjwt_trait *)a.traits->elts)[0].values, const char *) =
            "y";
        b.traits = one_trait(p, "x", "a");
        {
            tjwt_trait *t = apr_array_push(b.traits);
            t->name = "y";
            t->values = strings(p, NULL, NULL);
        }
        break;
    }
    ka = key_of(&ia);
    kb = key_of(&ib);
    ck_assert_msg(!same_key(&ka, &kb), "case %d: the same key", _i);
}
END_TEST

START_TEST(test_half_life)
{
    /* 600 s: usable up to and including iat + 300. */
    ck_assert(tjwt_cache_usable(IAT, IAT + 600, IAT));
    ck_assert(tjwt_cache_usable(IAT, IAT + 600, IAT + 299));
    ck_assert(tjwt_cache_usable(IAT, IAT + 600, IAT + 300));
    ck_assert(!tjwt_cache_usable(IAT, IAT + 600, IAT + 301));
    ck_assert(!tjwt_cache_usable(IAT, IAT + 600, IAT + 600));
    ck_assert(!tjwt_cache_usable(IAT, IAT + 600, IAT + 700));
    ck_assert_int_eq(tjwt_cache_last_use(IAT, IAT + 600), IAT + 300);
    /* Odd lifetimes: half of 601 s is 300.5 s; iat + 300 is the last
     * whole second with at least half left. */
    ck_assert(tjwt_cache_usable(IAT, IAT + 601, IAT + 300));
    ck_assert(!tjwt_cache_usable(IAT, IAT + 601, IAT + 301));
    ck_assert_int_eq(tjwt_cache_last_use(IAT, IAT + 601), IAT + 300);
    /* One second: only within the second it was signed in. */
    ck_assert(tjwt_cache_usable(IAT, IAT + 1, IAT));
    ck_assert(!tjwt_cache_usable(IAT, IAT + 1, IAT + 1));
    ck_assert_int_eq(tjwt_cache_last_use(IAT, IAT + 1), IAT);
    /* Never a token from the future, nor one with no lifetime. */
    ck_assert(!tjwt_cache_usable(IAT, IAT + 600, IAT - 1));
    ck_assert(!tjwt_cache_usable(IAT, IAT, IAT));
}
END_TEST

/* The refresh point: in the last eighth of the first half, fixed per
 * key, spread between keys, and only where the token is usable. */
START_TEST(test_refresh_window_and_jitter)
{
    apr_int64_t lo = IAT + 300 - 75, hi = IAT + 300 - 1, at, now;
    apr_int64_t seen_min = hi, seen_max = lo;
    char name[32];
    int i, distinct = 0;
    apr_int64_t first = 0;

    for (i = 0; i < 1000; i++) {
        apr_size_t n = (apr_size_t)apr_snprintf(name, sizeof(name), "u%d", i);

        at = tjwt_cache_refresh_at(IAT, IAT + 600, name, n);
        ck_assert(at >= lo && at <= hi);
        /* A pure function of the key and the times. */
        ck_assert_int_eq(at, tjwt_cache_refresh_at(IAT, IAT + 600, name, n));
        /* The offset follows the token: the same for its next iat. */
        ck_assert_int_eq(at - IAT,
                         tjwt_cache_refresh_at(IAT + 500, IAT + 1100, name, n) -
                             (IAT + 500));
        /* 600 000 checks: libcheck's assertions report each one to the
         * parent, which takes seconds under load; only a failure does. */
        for (now = IAT - 1; now <= IAT + 601; now++) {
            int want = now >= at && now <= IAT + 300;
            if (tjwt_cache_refresh_due(IAT, IAT + 600, now, name, n) != want)
                ck_abort_msg("refresh due for %s at iat%+" APR_INT64_T_FMT
                             ": expected %d",
                             name, now - IAT, want);
        }
        seen_min = at < seen_min ? at : seen_min;
        seen_max = at > seen_max ? at : seen_max;
        if (i == 0)
            first = at;
        else if (at != first)
            distinct = 1;
    }
    /* Tokens made together are refreshed across the window. */
    ck_assert(distinct);
    ck_assert(seen_min <= lo + 5 && seen_max >= hi - 5);
    /* Under 8 s there is no window: the half-life rule alone. */
    ck_assert_int_eq(tjwt_cache_refresh_at(IAT, IAT + 7, "k", 1), IAT + 4);
    for (now = IAT - 1; now <= IAT + 8; now++)
        ck_assert(!tjwt_cache_refresh_due(IAT, IAT + 7, now, "k", 1));
    /* 8 s: a window of one second, the last usable one. */
    ck_assert_int_eq(tjwt_cache_refresh_at(IAT, IAT + 8, "k", 1), IAT + 3);
    ck_assert(tjwt_cache_refresh_due(IAT, IAT + 8, IAT + 3, "k", 1));
    ck_assert(tjwt_cache_refresh_due(IAT, IAT + 8, IAT + 4, "k", 1));
    ck_assert(!tjwt_cache_refresh_due(IAT, IAT + 8, IAT + 2, "k", 1));
    /* Never for a token from the future. */
    ck_assert(!tjwt_cache_refresh_due(IAT, IAT + 600, IAT - 1, "k", 1));
}
END_TEST

/* The rule and last_use agree on every second around the boundary. */
START_TEST(test_half_life_agrees_with_last_use)
{
    apr_int64_t life = 1 + _i, now;

    for (now = IAT - 2; now <= IAT + life + 2; now++) {
        int want = now >= IAT && now <= tjwt_cache_last_use(IAT, IAT + life);
        ck_assert_msg(tjwt_cache_usable(IAT, IAT + life, now) == want,
                      "lifetime %" APR_INT64_T_FMT " now +%" APR_INT64_T_FMT,
                      life, now - IAT);
        /* At least half remains exactly when it is usable. */
        if (now >= IAT)
            ck_assert(want == (2 * (IAT + life - now) >= life));
    }
}
END_TEST

static tjwt_cache_entry entry(const char *token, apr_int64_t iat,
                              apr_int64_t life)
{
    tjwt_cache_entry e;

    e.token = token;
    e.iat = iat;
    e.exp = iat + life;
    e.mode = TJWT_CLAIMS_ROLES_AND_TRAITS;
    return e;
}

static tjwt_cache_key numbered_key(int n)
{
    tjwt_claims c = base_claims(tjwt_test_pool);
    tjwt_cache_ident id = base_ident(&c);

    c.user = apr_psprintf(tjwt_test_pool, "user%d", n);
    return key_of(&id);
}

static tjwt_mem_cache *mem_cache(int entries, apr_size_t bytes)
{
    tjwt_mem_cache *mc = NULL;

    ck_assert_int_eq(tjwt_mem_cache_create(tjwt_test_pool, entries, bytes, &mc),
                     APR_SUCCESS);
    return mc;
}

START_TEST(test_mem_hit_and_half_life)
{
    tjwt_mem_cache *mc = mem_cache(8, 4096);
    tjwt_cache_key k = numbered_key(1), other = numbered_key(2);
    tjwt_cache_entry e = entry("tok.en.one", IAT, 600), got;

    ck_assert(!tjwt_mem_cache_get(mc, &k, IAT, tjwt_test_pool, &got));
    e.mode = TJWT_CLAIMS_ROLES;
    tjwt_mem_cache_put(mc, &k, &e);
    ck_assert(tjwt_mem_cache_get(mc, &k, IAT + 300, tjwt_test_pool, &got));
    ck_assert_str_eq(got.token, "tok.en.one");
    ck_assert_int_eq(got.iat, IAT);
    ck_assert_int_eq(got.exp, IAT + 600);
    ck_assert_int_eq(got.mode, TJWT_CLAIMS_ROLES);
    ck_assert(!tjwt_mem_cache_get(mc, &other, IAT, tjwt_test_pool, &got));
    /* Past its half-life the entry is dropped. */
    ck_assert(!tjwt_mem_cache_get(mc, &k, IAT + 301, tjwt_test_pool, &got));
    ck_assert_int_eq(tjwt_mem_cache_count(mc), 0);
    ck_assert_int_eq(tjwt_mem_cache_bytes(mc), 0);
}
END_TEST

START_TEST(test_mem_replace)
{
    tjwt_mem_cache *mc = mem_cache(8, 4096);
    tjwt_cache_key k = numbered_key(1);
    tjwt_cache_entry e1 = entry("first", IAT, 600),
                     e2 = entry("second-token", IAT + 10, 600), got;

    tjwt_mem_cache_put(mc, &k, &e1);
    tjwt_mem_cache_put(mc, &k, &e2);
    ck_assert_int_eq(tjwt_mem_cache_count(mc), 1);
    /* The budget counts each entry's token and key. */
    ck_assert_int_eq(tjwt_mem_cache_bytes(mc),
                     strlen("second-token") + k.ident_len);
    ck_assert(tjwt_mem_cache_get(mc, &k, IAT + 10, tjwt_test_pool, &got));
    ck_assert_str_eq(got.token, "second-token");
}
END_TEST

/* At most `entries` entries; the least recently used one goes first. */
START_TEST(test_mem_entry_bound_and_lru)
{
    tjwt_mem_cache *mc = mem_cache(4, 1 << 20);
    tjwt_cache_key keys[10];
    tjwt_cache_entry got;
    int i;

    for (i = 0; i < 10; i++)
        keys[i] = numbered_key(i);
    for (i = 0; i < 4; i++) {
        tjwt_cache_entry e =
            entry(apr_psprintf(tjwt_test_pool, "token-%d", i), IAT, 600);
        tjwt_mem_cache_put(mc, &keys[i], &e);
    }
    /* Touch 0: now 1 is the least recently used. */
    ck_assert(tjwt_mem_cache_get(mc, &keys[0], IAT, tjwt_test_pool, &got));
    {
        tjwt_cache_entry e = entry("token-4", IAT, 600);
        tjwt_mem_cache_put(mc, &keys[4], &e);
    }
    ck_assert_int_eq(tjwt_mem_cache_count(mc), 4);
    ck_assert(!tjwt_mem_cache_get(mc, &keys[1], IAT, tjwt_test_pool, &got));
    ck_assert(tjwt_mem_cache_get(mc, &keys[0], IAT, tjwt_test_pool, &got));
    ck_assert_str_eq(got.token, "token-0");
    for (i = 5; i < 10; i++) {
        tjwt_cache_entry e =
            entry(apr_psprintf(tjwt_test_pool, "token-%d", i), IAT, 600);
        tjwt_mem_cache_put(mc, &keys[i], &e);
        ck_assert_int_le(tjwt_mem_cache_count(mc), 4);
    }
    for (i = 6; i < 10; i++)
        ck_assert(tjwt_mem_cache_get(mc, &keys[i], IAT, tjwt_test_pool, &got));
}
END_TEST

/* At most max_bytes of entries (token and key); an entry over an eighth
 * of it is not kept. */
START_TEST(test_mem_byte_bound)
{
    /* Keys 10 to 99 encode to the same length. */
    apr_size_t kl = numbered_key(10).ident_len;
    apr_size_t budget = 8 * (kl + 200);
    tjwt_mem_cache *mc = mem_cache(100, budget);
    char *big = apr_palloc(tjwt_test_pool, 202), *fits;
    tjwt_cache_entry got, e;
    int i;

    /* 201 bytes: with its key, one more than an eighth of the budget. */
    memset(big, 'x', 201);
    big[201] = '\0';
    fits = apr_pstrndup(tjwt_test_pool, big, 200);
    for (i = 10; i < 30; i++) {
        tjwt_cache_key k = numbered_key(i);
        ck_assert_uint_eq(k.ident_len, kl);
        e = entry(fits, IAT, 600);
        tjwt_mem_cache_put(mc, &k, &e);
        ck_assert_uint_le(tjwt_mem_cache_bytes(mc), budget);
    }
    ck_assert_int_eq(tjwt_mem_cache_count(mc), 8);
    {
        tjwt_cache_key k = numbered_key(99);
        e = entry(big, IAT, 600);
        tjwt_mem_cache_put(mc, &k, &e);
        ck_assert(!tjwt_mem_cache_get(mc, &k, IAT, tjwt_test_pool, &got));
    }
}
END_TEST

/* Keys are compared whole: two keys of one length differing in a single
 * byte are two entries; a key made without its SHA-256 finds what one
 * made with it stored, and the SHA-256 made later is the same. */
START_TEST(test_mem_keys_compared_whole)
{
    tjwt_mem_cache *mc = mem_cache(1, 1 << 20);
    tjwt_cache_key a = numbered_key(11), b = numbered_key(12), local;
    tjwt_cache_entry ea = entry("token-a", IAT, 600), got;
    tjwt_claims c = base_claims(tjwt_test_pool);
    tjwt_cache_ident id = base_ident(&c);
    const char *err = NULL;

    ck_assert_uint_eq(a.ident_len, b.ident_len);
    tjwt_mem_cache_put(mc, &a, &ea);
    ck_assert(!tjwt_mem_cache_get(mc, &b, IAT, tjwt_test_pool, &got));
    ck_assert(tjwt_mem_cache_get(mc, &a, IAT, tjwt_test_pool, &got));
    ck_assert_str_eq(got.token, "token-a");

    /* 64 keys in 128 buckets share some buckets (by the birthday bound,
     * almost surely): each still finds its own token. */
    {
        tjwt_mem_cache *big = mem_cache(64, 1 << 20);
        tjwt_cache_key keys[64];
        int i;
        for (i = 0; i < 64; i++) {
            tjwt_cache_entry e =
                entry(apr_psprintf(tjwt_test_pool, "token-%d", i), IAT, 600);
            keys[i] = numbered_key(100 + i);
            tjwt_mem_cache_put(big, &keys[i], &e);
        }
        for (i = 0; i < 64; i++) {
            ck_assert(
                tjwt_mem_cache_get(big, &keys[i], IAT, tjwt_test_pool, &got));
            ck_assert_str_eq(got.token,
                             apr_psprintf(tjwt_test_pool, "token-%d", i));
        }
    }

    c.user = "user11";
    tjwt_cache_key_make_local(tjwt_test_pool, &id, &local);
    ck_assert(!local.has_digest);
    ck_assert(tjwt_mem_cache_get(mc, &local, IAT, tjwt_test_pool, &got));
    ck_assert_int_eq(tjwt_cache_key_digest(&local, &err), 0);
    ck_assert(same_key(&local, &a));
}
END_TEST

#if APR_HAS_THREADS
typedef struct {
    tjwt_mem_cache *mc;
    tjwt_cache_key *keys;
    int nkeys;
    int seed;
    int bad;
} hammer_arg;

static void *APR_THREAD_FUNC hammer(apr_thread_t *t, void *data)
{
    hammer_arg *a = data;
    apr_pool_t *p;
    int i;

    apr_pool_create(&p, NULL);
    for (i = 0; i < 5000; i++) {
        int n = (a->seed * 7919 + i * 31) % a->nkeys;
        char want[32];
        tjwt_cache_entry e, got;

        apr_snprintf(want, sizeof(want), "token-for-%d", n);
        if (i % 3 == 0) {
            e = entry(want, IAT, 600);
            tjwt_mem_cache_put(a->mc, &a->keys[n], &e);
        }
        else if (tjwt_mem_cache_get(a->mc, &a->keys[n], IAT, p, &got) &&
                 strcmp(got.token, want) != 0) {
            a->bad++;
        }
        if (i % 256 == 0)
            apr_pool_clear(p);
    }
    apr_pool_destroy(p);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* Threads of one child share the cache; a hit is always the token stored
 * under that key, and the bounds hold. */
START_TEST(test_mem_threads)
{
    tjwt_mem_cache *mc = mem_cache(16, 1 << 20);
    tjwt_cache_key keys[64];
    apr_thread_t *threads[4];
    hammer_arg args[4];
    apr_status_t rv;
    int i;

    for (i = 0; i < 64; i++)
        keys[i] = numbered_key(i);
    for (i = 0; i < 4; i++) {
        args[i].mc = mc;
        args[i].keys = keys;
        args[i].nkeys = 64;
        args[i].seed = i + 1;
        args[i].bad = 0;
        ck_assert_int_eq(apr_thread_create(&threads[i], NULL, hammer, &args[i],
                                           tjwt_test_pool),
                         APR_SUCCESS);
    }
    for (i = 0; i < 4; i++) {
        apr_thread_join(&rv, threads[i]);
        ck_assert_int_eq(args[i].bad, 0);
    }
    ck_assert_int_le(tjwt_mem_cache_count(mc), 16);
}
END_TEST
#endif

START_TEST(test_entry_round_trip)
{
    tjwt_cache_entry e = entry("aaa.bbb.ccc", IAT, 600), got;
    apr_size_t len;
    char *data;

    e.mode = TJWT_CLAIMS_NONE;
    data = tjwt_cache_entry_encode(tjwt_test_pool, &e, &len);
    ck_assert_int_eq(tjwt_cache_entry_decode(tjwt_test_pool, data, len, &got),
                     0);
    ck_assert_str_eq(got.token, "aaa.bbb.ccc");
    ck_assert_int_eq(got.iat, IAT);
    ck_assert_int_eq(got.exp, IAT + 600);
    ck_assert_int_eq(got.mode, TJWT_CLAIMS_NONE);
}
END_TEST

START_TEST(test_entry_rejects_others)
{
    static const char *const bad[] = {
        "",
        "aaa.bbb.ccc",
        "tjwt0 1 2 0\naaa",
        "tjwt1 1 2\naaa",
        "tjwt1 1 2 7\naaa",
        "tjwt1 x 2 0\naaa",
        "tjwt1 1 2 0\n",
        /* Times this server never writes; their arithmetic would
         * overflow. */
        "tjwt1 -9223372036854775807 9223372036854775807 0\naaa",
        "tjwt1 0 600 0\naaa",
        "tjwt1 1000 1000 0\naaa",
        "tjwt1 1000 999 0\naaa",
        "tjwt1 1000 87401 0\naaa",
    };
    tjwt_cache_entry got;
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(tjwt_cache_entry_decode(tjwt_test_pool, bad[i],
                                              strlen(bad[i]), &got) != 0,
                      "accepted \"%s\"", bad[i]);
}
END_TEST

START_TEST(test_marker)
{
    static const unsigned char rnd[TJWT_CACHE_MARKER_RANDOM] = {
        0x00, 0x01, 0xab, 0xcd, 0xef, 0x10, 0x7f, 0xff};
    static const unsigned char rnd2[TJWT_CACHE_MARKER_RANDOM] = {1};
    tjwt_cache_entry got;
    apr_size_t len, len2;
    char *m = tjwt_cache_marker_make(tjwt_test_pool, 4242, rnd, &len);
    char *m2 = tjwt_cache_marker_make(tjwt_test_pool, 4242, rnd2, &len2);

    ck_assert_str_eq(m, "tjwt1 making 4242-0001abcdef107fff\n");
    ck_assert_uint_eq(len, strlen(m));
    /* Another nonce, another marker: the maker tells them apart. */
    ck_assert_str_ne(m, m2);
    ck_assert(tjwt_cache_is_marker(m, len));
    ck_assert(tjwt_cache_is_marker(m2, len2));
    /* A marker is never a token. */
    ck_assert_int_ne(tjwt_cache_entry_decode(tjwt_test_pool, m, len, &got), 0);
}
END_TEST

START_TEST(test_marker_of_others)
{
    /* Anyone's, of any nonce, and 1.0's without one. */
    static const char *const yes[] = {
        "tjwt1 making\n",
        "tjwt1 making 1-0\n",
        "tjwt1 making host.example/77-deadbeef\n",
        "tjwt1 making "
        "0123456789012345678901234567890123456789012345678901234567890123\n",
    };
    static const char *const no[] = {
        "",
        "tjwt1 making",
        "tjwt1 making \n",
        "tjwt1 making 1-0",
        "tjwt1 making 1 0\n",
        "tjwt1 making 1-0\nx",
        "tjwt1 makingx\n",
        "tjwt2 making 1-0\n",
        "tjwt1 1000 1600 0\naaa.bbb.ccc",
        "tjwt1 making "
        "01234567890123456789012345678901234567890123456789012345678901234\n",
    };
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        ck_assert_msg(tjwt_cache_is_marker(yes[i], strlen(yes[i])),
                      "refused \"%s\"", yes[i]);
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        ck_assert_msg(!tjwt_cache_is_marker(no[i], strlen(no[i])),
                      "accepted \"%s\"", no[i]);
    /* A byte outside printable ASCII in the nonce. */
    ck_assert(!tjwt_cache_is_marker("tjwt1 making 1\0000\n", 17));
}
END_TEST

/* A token as the server would sign it for c: header.payload.signature. */
static const char *token_for(const tjwt_claims *c, const char *header)
{
    const char *err = NULL;
    const char *json = tjwt_claims_to_json(tjwt_test_pool, c, &err);

    ck_assert_ptr_nonnull(json);
    return apr_pstrcat(tjwt_test_pool, header, ".",
                       tjwt_b64url_encode(tjwt_test_pool,
                                          (const unsigned char *)json,
                                          strlen(json)),
                       ".c2ln", NULL);
}

START_TEST(test_entry_matches)
{
    apr_pool_t *p = tjwt_test_pool;
    tjwt_claims asked = base_claims(p), signed_ = asked, other = asked;
    tjwt_cache_entry e = entry(NULL, IAT - 100, 600);

    signed_.iat = e.iat;
    signed_.exp = e.exp;
    e.token = token_for(&signed_, "HDR");
    ck_assert(tjwt_cache_entry_matches(p, &e, "HDR", 3, &asked));
    /* The signature part: exactly the key's length, base64url only. A
     * CR LF there would reach the upstream as a header of its own. */
    {
        tjwt_cache_entry bad = e;
        const char *sigs[] = {".c2l",  ".c2lnn", ".c2\r\n",
                              ".c2l=", ".c2l.",  ".c2 n"};
        size_t i, hp = strrchr(e.token, '.') - e.token;
        for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
            bad.token =
                apr_pstrcat(p, apr_pstrndup(p, e.token, hp), sigs[i], NULL);
            ck_assert_msg(!tjwt_cache_entry_matches(p, &bad, "HDR", 3, &asked),
                          "accepted signature \"%s\"", sigs[i]);
        }
        /* The same token with the length of another key's signatures. */
        ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR", 64, &asked));
    }
    /* Another key's header. */
    ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR2", 3, &asked));
    /* Another user's token under this user's key. */
    other.user = "mallory";
    ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR", 3, &other));
    /* Times that are not the token's. */
    e.iat += 1;
    ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR", 3, &asked));
    e.iat -= 1;
    /* A genuine token of this identity, but made for a longer lifetime. */
    {
        tjwt_claims longer = signed_;
        tjwt_cache_entry l = e;
        longer.exp = l.exp = e.iat + 3600;
        l.token = token_for(&longer, "HDR");
        ck_assert(!tjwt_cache_entry_matches(p, &l, "HDR", 3, &asked));
    }
    /* Cut short by the identity expiry: any token that ends there. */
    {
        tjwt_claims capped = asked, made = signed_;
        tjwt_cache_entry c2 = e;
        capped.identity_expiry = capped.exp = IAT + 200;
        made.exp = c2.exp = IAT + 200;
        c2.token = token_for(&made, "HDR");
        ck_assert(tjwt_cache_entry_matches(p, &c2, "HDR", 3, &capped));
        ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR", 3, &capped));
    }
    /* The size fallback can narrow roles-and-traits to roles... */
    signed_.mode = TJWT_CLAIMS_ROLES;
    e.token = token_for(&signed_, "HDR");
    e.mode = TJWT_CLAIMS_ROLES;
    ck_assert(tjwt_cache_entry_matches(p, &e, "HDR", 3, &asked));
    /* ...but never widen roles to roles-and-traits. */
    asked.mode = TJWT_CLAIMS_NONE;
    ck_assert(!tjwt_cache_entry_matches(p, &e, "HDR", 3, &asked));
}
END_TEST

Suite *tjwt_suite_cache(void)
{
    Suite *s = suite_create("cache");
    TCase *tc = tcase_create("key");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_key_is_stable_and_timeless);
    tcase_add_test(tc, test_key_of_long_identity);
    tcase_add_test(tc, test_ident_of_request);
    tcase_add_loop_test(tc, test_key_covers_every_field, 0, V_COUNT);
    tcase_add_test(tc, test_key_ignores_what_the_token_omits);
    tcase_add_test(tc, test_key_is_opaque);
    tcase_add_loop_test(tc, test_key_is_unambiguous, 0, 4);
    suite_add_tcase(s, tc);

    tc = tcase_create("half-life");
    tcase_add_test(tc, test_half_life);
    tcase_add_loop_test(tc, test_half_life_agrees_with_last_use, 0, 12);
    suite_add_tcase(s, tc);

    tc = tcase_create("in-process");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_mem_hit_and_half_life);
    tcase_add_test(tc, test_mem_replace);
    tcase_add_test(tc, test_mem_entry_bound_and_lru);
    tcase_add_test(tc, test_refresh_window_and_jitter);
    tcase_add_test(tc, test_mem_byte_bound);
    tcase_add_test(tc, test_mem_keys_compared_whole);
#if APR_HAS_THREADS
    tcase_add_test(tc, test_mem_threads);
#endif
    suite_add_tcase(s, tc);

    tc = tcase_create("entry");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_entry_round_trip);
    tcase_add_test(tc, test_entry_rejects_others);
    tcase_add_test(tc, test_entry_matches);
    tcase_add_test(tc, test_marker);
    tcase_add_test(tc, test_marker_of_others);
    suite_add_tcase(s, tc);
    return s;
}
