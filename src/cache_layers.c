/* The layers of the token cache, chosen once per generation in
 * post_config from the main server's TeleportJWTCache (a directive of the
 * main server only, so every virtual host has the same) and kept per
 * process: no request decides which cache it uses.
 *
 * The in-process layer answers first, with or without a shared one: a hit
 * there costs no SHA-256, no lock across processes and no round trip. It
 * is safe in front of a shared layer because both follow cache.c's rules:
 * the same key (the in-process layer compares the identity's encoding
 * whole, the shared one its SHA-256), and the same half-life rule, so an
 * entry lives no longer in process than it would in the shared cache. What
 * the in-process layer holds was signed here or passed the shared layer's
 * entry checks. */
#include "cache_layers.h"
#include "cache_flight.h"
#include "cache_mem.h"
#include "cache_socache.h"
#include "config.h"
#include "counters.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <http_core.h>
#include <http_log.h>

/* Per process. The parent sets the shared layer and whether there is a
 * cache at all; each child makes its own in-process layer. */
/* The wait for another process's token, and its polling step. */
#define TJWT_SHARED_WAIT apr_time_from_msec(800)
#define TJWT_SHARED_POLL apr_time_from_msec(10)

static int tjwt_cache_on;
static tjwt_cache_conf *tjwt_shared;
static tjwt_mem_cache *tjwt_local;
static tjwt_flights *tjwt_flying;

int tjwt_cache_pre_config(apr_pool_t *pconf)
{
    return tjwt_shared_pre_config(pconf);
}

int tjwt_cache_post_config(apr_pool_t *pconf, server_rec *s)
{
    tjwt_srv_conf *sc =
        ap_get_module_config(s->module_config, &teleport_jwt_module);
    tjwt_cache_conf *cc = sc->cache;

    tjwt_cache_on = !cc || !tjwt_shared_is_none(cc);
    tjwt_shared = NULL;
    if (!cc) {
        tjwt_stats_name_cache("in-process");
        return OK;
    }
    tjwt_stats_name_cache(tjwt_cache_on ? tjwt_shared_spec(cc) : "none");
    /* The first pass at start-up only checks the configuration; shmcb
     * would make a segment for nothing. */
    if (!tjwt_cache_on ||
        ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG)
        return OK;
    if (tjwt_shared_start(cc, pconf, s) == 0)
        tjwt_shared = cc;
    else
        tjwt_stats_name_cache(apr_pstrcat(pconf, "in-process (",
                                          tjwt_shared_spec(cc),
                                          " failed at start-up)", NULL));
    return OK;
}

void tjwt_cache_child_init(apr_pool_t *pchild, server_rec *s)
{
    tjwt_srv_conf *sc;
    apr_status_t rv;
    int n;

    tjwt_local = NULL;
    tjwt_flying = NULL;
    if (!tjwt_cache_on)
        return;
    if (tjwt_shared && tjwt_shared_child_init(tjwt_shared, pchild, s) != 0) {
        /* This child's server-status says so; the others' do not. */
        tjwt_stats_name_cache(
            apr_pstrcat(pchild, "in-process (", tjwt_shared_spec(tjwt_shared),
                        " unavailable in this process)", NULL));
        tjwt_shared = NULL;
    }
    sc = ap_get_module_config(s->module_config, &teleport_jwt_module);
    n = sc->cache_size ? sc->cache_size : TJWT_CACHE_SIZE_DEFAULT;
    rv = tjwt_mem_cache_create(pchild, n, TJWT_MEM_CACHE_BYTES(n), &tjwt_local);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                     "mod_teleport_jwt: cannot create the in-process token "
                     "cache; this child %s",
                     tjwt_shared ? "asks the shared cache for every token"
                                 : "signs every token");
        tjwt_local = NULL;
    }
    /* Without it, requests that miss together sign together: slower,
     * never wrong. */
    if (tjwt_local)
        tjwt_flying = tjwt_flights_create(pchild);
}

/* Another process marked the key in the shared layer: its token is
 * usually there within a signature's time. Polled, as mod_socache has no
 * way to wait for a key, with this request's "now" moved on (the token
 * may be from the next second); the wait is shorter than the in-process
 * one, so that this process's waiters still find the token. */
static int tjwt_shared_await(request_rec *r, const tjwt_key *key,
                             const tjwt_cache_ident *id,
                             const tjwt_cache_key *k, tjwt_cache_entry *e)
{
    apr_time_t deadline = apr_time_now() + TJWT_SHARED_WAIT;
    tjwt_claims asked = *id->claims;
    tjwt_cache_ident later = *id;
    apr_int64_t d;

    later.claims = &asked;
    while (apr_time_now() < deadline) {
        apr_sleep(TJWT_SHARED_POLL);
        d = apr_time_sec(apr_time_now()) - id->claims->iat;
        if (d > 0) {
            asked.iat = id->claims->iat + d;
            /* A token cut short by the identity expiry keeps its exp. */
            if (id->lifetime)
                asked.exp = id->claims->exp + d;
        }
        if (tjwt_shared_get(tjwt_shared, r, key, &later, k, e))
            return 1;
    }
    return 0;
}

/* A hit due for refresh (cache.h): one request of the process makes the
 * next token while the others keep the current one, which is still
 * usable. A newer token in the shared layer (another process or server
 * refreshed first) serves as well as a signature. On any failure e keeps
 * the current token. */
static void tjwt_cache_refresh(request_rec *r, const tjwt_key *key,
                               const tjwt_cache_ident *id, tjwt_cache_key *k,
                               tjwt_cache_make_fn make, void *baton,
                               tjwt_cache_entry *e)
{
    const char *err = NULL;
    tjwt_cache_entry next;
    tjwt_flight f;
    int shared;

    if (tjwt_flight_try(tjwt_flying, &f, k) != TJWT_FLIGHT_MAKE)
        return;
    shared = tjwt_shared && tjwt_cache_key_digest(k, &err) == 0;
    if (shared && tjwt_shared_get(tjwt_shared, r, key, id, k, &next) &&
        next.iat > e->iat) {
        tjwt_mem_cache_put(tjwt_local, k, &next);
        *e = next;
    }
    else if (make(r, baton, &next)) {
        tjwt_mem_cache_put(tjwt_local, k, &next);
        if (shared)
            tjwt_shared_put(tjwt_shared, r, k, &next);
        *e = next;
    }
    tjwt_flight_end(tjwt_flying, &f);
}

const char *tjwt_cache_token(request_rec *r, const tjwt_key *key,
                             const tjwt_cache_ident *id,
                             tjwt_cache_make_fn make, void *baton,
                             tjwt_cache_entry *e)
{
    apr_int64_t now = id->claims->iat;
    const char *err = NULL;
    tjwt_cache_key k;
    tjwt_flight f;
    tjwt_flight_e flight = TJWT_FLIGHT_TIMEOUT;
    tjwt_shared_e st;
    const char *marker = NULL;
    /* The SHA-256 only where it is used: a hit in process costs none. A
     * key that cannot have one leaves the shared layer out. */
    int shared;

    if (!tjwt_local && !tjwt_shared)
        return make(r, baton, e);
    tjwt_cache_key_make_local(r->pool, id, &k);
    if (tjwt_local && tjwt_mem_cache_get(tjwt_local, &k, now, r->pool, e)) {
        tjwt_stats_inc(TJWT_STAT_HITS);
        if (tjwt_flying &&
            tjwt_cache_refresh_due(e->iat, e->exp, now, k.ident, k.ident_len))
            tjwt_cache_refresh(r, key, id, &k, make, baton, e);
        return e->token;
    }
    /* One signature per key in this process: the others wait for it and
     * take it from the in-process layer. The shared lookup is inside the
     * flight too, so that they do not all ask the cache server either. */
    if (tjwt_flying) {
        /* The token waited for was made after this request's "now",
         * perhaps in the next second: it is not from the future. */
        apr_int64_t later;

        flight = tjwt_flight_begin(tjwt_flying, &f, &k, TJWT_FLIGHT_WAIT);
        later = apr_time_sec(apr_time_now());
        if (flight == TJWT_FLIGHT_DONE &&
            tjwt_mem_cache_get(tjwt_local, &k, later > now ? later : now,
                               r->pool, e)) {
            tjwt_stats_inc(TJWT_STAT_HITS);
            tjwt_stats_inc(TJWT_STAT_AWAITED);
            return e->token;
        }
    }
    shared = tjwt_shared && tjwt_cache_key_digest(&k, &err) == 0;
    st = shared
             ? tjwt_shared_get_or_mark(tjwt_shared, r, key, id, &k, e, &marker)
             : TJWT_SHARED_MISS;
    if (st == TJWT_SHARED_MAKING && tjwt_shared_await(r, key, id, &k, e)) {
        st = TJWT_SHARED_HIT;
        tjwt_stats_inc(TJWT_STAT_AWAITED);
    }
    if (st == TJWT_SHARED_HIT) {
        if (tjwt_local)
            tjwt_mem_cache_put(tjwt_local, &k, e);
        tjwt_stats_inc(TJWT_STAT_HITS);
    }
    else {
        tjwt_stats_inc(TJWT_STAT_MISSES);
        if (make(r, baton, e)) {
            if (tjwt_local)
                tjwt_mem_cache_put(tjwt_local, &k, e);
            if (shared)
                tjwt_shared_put(tjwt_shared, r, &k, e);
        }
        else {
            e->token = NULL;
            if (st == TJWT_SHARED_MARKED)
                tjwt_shared_unmark(tjwt_shared, r, id, &k, marker);
        }
    }
    if (flight == TJWT_FLIGHT_MAKE)
        tjwt_flight_end(tjwt_flying, &f);
    return e->token;
}
