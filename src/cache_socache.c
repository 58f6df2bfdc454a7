/* The shared layer. The model is httpd's mod_authn_socache: the provider
 * is found and created when the directive is read, initialised in
 * post_config with a global mutex when it is not safe across processes,
 * and the mutex attached in child_init. What comes back from it is data
 * from outside the process, used only once it passes the checks of
 * cache.h. A failing backend is skipped by the whole process and tried by
 * one request a second, with a fresh instance for redis and memcache
 * (docs/cache.md, "When the shared cache fails"). */
#include "cache_socache.h"
#include "counters.h"
#include "jws.h"

#include <ap_provider.h>
#include <ap_socache.h>
#include <apr_atomic.h>
#include <apr_general.h>
#include <apr_global_mutex.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <http_core.h>
#include <http_log.h>
#include <util_mutex.h>

#include <stdlib.h>
#include <unistd.h>

/* Without TeleportJWTCache, a server has none of these. */
struct tjwt_cache_conf {
    int none;         /* TeleportJWTCache none; else provider is set */
    const char *spec; /* the directive's argument, for messages */
    const ap_socache_provider_t *provider;
    ap_socache_instance_t *instance;
    apr_global_mutex_t *mutex; /* only when the provider needs one */
    server_rec *s;             /* for the provider's destroy */
    const char *args;          /* after the colon, for a fresh instance */
    int renewable;             /* redis, memcache: see tjwt_backend_new */
    /* Without mutex, the lock of the marking step alone: tjwt_mark. */
    apr_global_mutex_t *mark_mutex;
};

/* After a backend failure this process skips the shared layer, then lets
 * one request a second try it (docs/cache.md, "When the shared cache
 * fails"): a dead Redis costs no connect attempt per request, and the
 * first request that gets an answer ends the pause at once. */
#define TJWT_CACHE_PROBE_EVERY apr_time_from_sec(1)
/* The warning about entries that are not the identity's token, at most
 * this often. */
#define TJWT_CACHE_WARN_EVERY 60

/* One provider instance and the calls in flight on it: an instance is
 * replaced while other threads may still be using it. */
typedef struct {
    ap_socache_instance_t *inst;
    apr_pool_t *pool; /* NULL for the one made at start-up (in pconf) */
    int refs;
} tjwt_backend;

/* The process-wide state of the shared layer: one back-off per process,
 * whatever the number of pooled connections that fail. */
static struct {
#if APR_HAS_THREADS
    apr_thread_mutex_t *lock; /* over all of this but down's fast read */
#endif
    volatile apr_uint32_t down; /* read without the lock on every call */
    apr_time_t down_since, probe_at;
    int probing; /* a request is trying the backend */
    tjwt_backend first, *cur;
} tjwt_be;

/* The same for entries that are not the identity's token. */
static volatile apr_uint32_t tjwt_mismatch_warned_at;

/* Hints for shmcb's sizing: a SHA-256 key and a token of about a
 * kilobyte; expired entries swept every minute. */
static struct ap_socache_hints tjwt_hints = {TJWT_CACHE_KEY_LEN, 1024,
                                             apr_time_from_sec(60)};
/* What a shared-cache lookup retrieves into. The provider cannot say an
 * entry's size before copying it, so the buffer must hold the longest
 * token TeleportJWTMaxSize allows (up to a megabyte): one such buffer per
 * thread, kept and reused, rather than one per request. The entry's
 * bytes are copied out (tjwt_cache_entry_decode) into the request pool. */
typedef struct {
    apr_size_t size;
    unsigned char data[];
} tjwt_scratch;

#if APR_HAS_THREADS
static apr_threadkey_t *tjwt_scratch_key;

static void tjwt_scratch_free(void *data)
{
    free(data);
}
#else
static tjwt_scratch *tjwt_scratch_buf;
#endif

/* This thread's buffer of at least need bytes, or NULL. */
static unsigned char *tjwt_scratch_get(apr_size_t need)
{
    tjwt_scratch *b = NULL, *grown;

#if APR_HAS_THREADS
    if (!tjwt_scratch_key ||
        apr_threadkey_private_get((void **)&b, tjwt_scratch_key) != APR_SUCCESS)
        return NULL;
#else
    b = tjwt_scratch_buf;
#endif
    if (b && b->size >= need)
        return b->data;
    if (!(grown = realloc(b, sizeof(*grown) + need)))
        return NULL; /* b, if any, stays this thread's */
    grown->size = need;
#if APR_HAS_THREADS
    if (apr_threadkey_private_set(grown, tjwt_scratch_key) != APR_SUCCESS) {
        free(grown);
        return NULL;
    }
#else
    tjwt_scratch_buf = grown;
#endif
    return grown->data;
}

/* What each provider of httpd's own takes after its name, for messages. */
static const char *tjwt_cache_forms(apr_pool_t *p, const char *name)
{
    if (strcmp(name, "shmcb") == 0)
        return "shmcb, shmcb:PATH or shmcb:PATH(BYTES), BYTES at least 8192";
    if (strcmp(name, "redis") == 0 || strcmp(name, "memcache") == 0)
        return apr_psprintf(p,
                            "%s:HOST[:PORT][,HOST[:PORT]...], PORT from 1 "
                            "to 65535",
                            name);
    if (strcmp(name, "dbm") == 0)
        return "dbm or dbm:PATH";
    return apr_psprintf(p, "%s:ARGUMENT as mod_socache_%s takes it", name,
                        name);
}

/* redis and memcache take "HOST[:PORT],..." but read it only in their init,
 * at start-up, where a bad address makes the cache fall back to the
 * in-process one with a log line and nothing more. Checked now instead,
 * item by item with the APR parser their init uses, so that configtest
 * refuses what they would. */
static const char *tjwt_cache_check_servers(apr_pool_t *p, const char *list)
{
    char *copy = apr_pstrdup(p, list), *tok, *item;

    for (item = apr_strtok(copy, ",", &tok); item;
         item = apr_strtok(NULL, ",", &tok)) {
        char *host, *scope;
        apr_port_t port;
        if (apr_parse_addr_port(&host, &scope, &port, item, p) != APR_SUCCESS)
            return apr_psprintf(p,
                                "'%s' is not HOST or HOST:PORT with a port "
                                "from 1 to 65535",
                                item);
        if (!host)
            return apr_psprintf(p, "'%s' names no host", item);
        /* APR reads "host:http" as a host of that name, and "::1" as host
         * "::" (or ":") and port 1: the provider would then fail at every
         * request, or talk to another address. */
        if (item[0] != '[' && strchr(host, ':'))
            return apr_psprintf(p,
                                "'%s' is not HOST or HOST:PORT with a port "
                                "from 1 to 65535 (an IPv6 address goes in "
                                "brackets: [::1]:6379)",
                                item);
    }
    return NULL;
}

const char *tjwt_cmd_cache(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *sc =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *colon, *name, *args = NULL;
    tjwt_cache_conf *cc;

    (void)dconf;
    if (err)
        return err;
    cc = apr_pcalloc(cmd->pool, sizeof(*cc));
    cc->spec = arg;
    if (strcasecmp(arg, "none") == 0) {
        cc->none = 1;
        sc->cache = cc;
        return NULL;
    }
    colon = strchr(arg, ':');
    name =
        colon ? apr_pstrmemdup(cmd->pool, arg, (apr_size_t)(colon - arg)) : arg;
    if (colon)
        args = colon + 1;
    cc->args = args;
    /* Network providers whose connections die with their server, and
     * whose state lives only in this process: see tjwt_backend_new. */
    cc->renewable = strcmp(name, "redis") == 0 || strcmp(name, "memcache") == 0;
    cc->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, name,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!cc->provider) {
        apr_array_header_t *names = ap_list_provider_names(
            cmd->pool, AP_SOCACHE_PROVIDER_GROUP, AP_SOCACHE_PROVIDER_VERSION);
        const char *loaded = "none";
        int i;

        for (i = 0; names && i < names->nelts; i++) {
            const char *n =
                APR_ARRAY_IDX(names, i, ap_list_provider_names_t).provider_name;
            loaded = i ? apr_pstrcat(cmd->pool, loaded, ", ", n, NULL) : n;
        }
        return apr_psprintf(
            cmd->pool,
            "%s: '%s' is not accepted; use none, or a mod_socache provider "
            "loaded with LoadModule such as shmcb, redis:host:port or "
            "memcache:host:port (loaded providers: %s)",
            cmd->cmd->name, name, loaded);
    }
    /* The provider's own check of its argument, as mod_authn_socache
     * makes it: create only parses and allocates. */
    err = cc->provider->create(&cc->instance, args, cmd->temp_pool, cmd->pool);
    if (!err && args &&
        (strcmp(name, "redis") == 0 || strcmp(name, "memcache") == 0))
        err = tjwt_cache_check_servers(cmd->temp_pool, args);
    if (err)
        return apr_psprintf(cmd->pool,
                            "%s %s: not accepted by the %s provider: %s; "
                            "expected %s",
                            cmd->cmd->name, arg, name, err,
                            tjwt_cache_forms(cmd->temp_pool, name));
    sc->cache = cc;
    return NULL;
}

int tjwt_shared_is_none(const tjwt_cache_conf *cc)
{
    return cc->none;
}

const char *tjwt_shared_spec(const tjwt_cache_conf *cc)
{
    return cc->spec;
}

int tjwt_shared_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, TJWT_CACHE_MUTEX_TYPE, NULL,
                             APR_LOCK_DEFAULT, 0) == APR_SUCCESS &&
                   ap_mutex_register(pconf, TJWT_CACHE_MARK_MUTEX_TYPE, NULL,
                                     APR_LOCK_DEFAULT, 0) == APR_SUCCESS
               ? OK
               : HTTP_INTERNAL_SERVER_ERROR;
}

static apr_status_t tjwt_cache_destroy(void *data)
{
    tjwt_cache_conf *cc = data;

    cc->provider->destroy(cc->instance, cc->s);
    return APR_SUCCESS;
}

/* A cache is an optimisation and must never stop the server
 * (docs/cache.md, "When the shared cache fails"): the caller goes on without
 * it. */
static int tjwt_shared_failed(const tjwt_cache_conf *cc, server_rec *s,
                              apr_status_t rv, const char *what)
{
    ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                 "mod_teleport_jwt: TeleportJWTCache %s: %s; using the "
                 "in-process cache instead",
                 cc->spec, what);
    return -1;
}

int tjwt_shared_start(tjwt_cache_conf *cc, apr_pool_t *pconf, server_rec *s)
{
    apr_status_t rv;

    cc->s = s;
    if (cc->provider->flags & AP_SOCACHE_FLAG_NOTMPSAFE) {
        rv = ap_global_mutex_create(&cc->mutex, NULL, TJWT_CACHE_MUTEX_TYPE,
                                    NULL, s, pconf, 0);
        if (rv != APR_SUCCESS)
            return tjwt_shared_failed(cc, s, rv, "cannot create its mutex");
    }
    else {
        /* Without it two processes of this server can both find no
         * marker and both sign: more signatures, never a wrong token. */
        rv = ap_global_mutex_create(&cc->mark_mutex, NULL,
                                    TJWT_CACHE_MARK_MUTEX_TYPE, NULL, s, pconf,
                                    0);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         "mod_teleport_jwt: TeleportJWTCache %s: cannot "
                         "create the lock of its \"being made\" marker; "
                         "processes that miss together may each sign",
                         cc->spec);
            cc->mark_mutex = NULL;
        }
    }
    rv = cc->provider->init(cc->instance, TJWT_CACHE_NAMESPACE, &tjwt_hints, s,
                            pconf);
    if (rv != APR_SUCCESS)
        return tjwt_shared_failed(cc, s, rv, "cannot initialise the cache");
    apr_pool_cleanup_register(pconf, cc, tjwt_cache_destroy,
                              apr_pool_cleanup_null);
    return 0;
}

/* A child that cannot use the shared cache serves from its in-process
 * layer; returns -1 for tjwt_shared_child_init. */
static int tjwt_child_cache_off(server_rec *s, apr_status_t rv,
                                const tjwt_cache_conf *cc, const char *what)
{
    ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                 "mod_teleport_jwt: TeleportJWTCache %s: cannot %s in this "
                 "child; it uses the in-process cache only",
                 cc->spec, what);
    return -1;
}

int tjwt_shared_child_init(tjwt_cache_conf *cc, apr_pool_t *pchild,
                           server_rec *s)
{
    apr_status_t rv;

    memset(&tjwt_be, 0, sizeof(tjwt_be));
    tjwt_be.first.inst = cc->instance;
    tjwt_be.first.refs = 1; /* as the current one */
    tjwt_be.cur = &tjwt_be.first;
    tjwt_mismatch_warned_at = 0;
#if APR_HAS_THREADS
    rv = apr_thread_mutex_create(&tjwt_be.lock, APR_THREAD_MUTEX_DEFAULT,
                                 pchild);
    if (rv != APR_SUCCESS) {
        return tjwt_child_cache_off(s, rv, cc, "create its lock");
    }
#endif
#if APR_HAS_THREADS
    tjwt_scratch_key = NULL;
    rv = apr_threadkey_private_create(&tjwt_scratch_key, tjwt_scratch_free,
                                      pchild);
    if (rv != APR_SUCCESS) {
        /* Lookups then allocate from the request pool. */
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                     "mod_teleport_jwt: cannot create the per-thread "
                     "buffer of TeleportJWTCache lookups");
        tjwt_scratch_key = NULL;
    }
#endif
    if (cc->mark_mutex) {
        rv = apr_global_mutex_child_init(
            &cc->mark_mutex, apr_global_mutex_lockfile(cc->mark_mutex), pchild);
        if (rv != APR_SUCCESS) {
            /* This child's copy of cc: the others keep theirs. */
            ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s,
                         "mod_teleport_jwt: TeleportJWTCache %s: cannot "
                         "attach the lock of its \"being made\" marker in "
                         "this child; it may sign with others",
                         cc->spec);
            cc->mark_mutex = NULL;
        }
    }
    if (!cc->mutex)
        return 0;
    rv = apr_global_mutex_child_init(
        &cc->mutex, apr_global_mutex_lockfile(cc->mutex), pchild);
    if (rv != APR_SUCCESS) {
        return tjwt_child_cache_off(s, rv, cc, "attach its mutex");
    }
    return 0;
}

static void tjwt_be_lock(void)
{
#if APR_HAS_THREADS
    apr_thread_mutex_lock(tjwt_be.lock);
#endif
}

static void tjwt_be_unlock(void)
{
#if APR_HAS_THREADS
    apr_thread_mutex_unlock(tjwt_be.lock);
#endif
}

/* A fresh instance of a network provider: no pooled connection, and none
 * of the provider's own dead-server state. Each pooled connection that
 * outlived its server fails once and makes mod_socache_redis or
 * _memcache skip the server for 5 s again; with a few of them a restarted
 * server stayed unused for 10 to 20 s. Made by the probing request only,
 * in a pool of its own (the child's pool is not for threads to share). */
static tjwt_backend *tjwt_backend_new(tjwt_cache_conf *cc, server_rec *s)
{
    tjwt_backend *b;
    apr_pool_t *p;

    if (apr_pool_create_unmanaged_ex(&p, NULL, NULL) != APR_SUCCESS)
        return NULL;
    b = apr_pcalloc(p, sizeof(*b));
    b->pool = p;
    if (cc->provider->create(&b->inst, cc->args, p, p) != NULL ||
        cc->provider->init(b->inst, TJWT_CACHE_NAMESPACE, &tjwt_hints, s, p) !=
            APR_SUCCESS) {
        apr_pool_destroy(p);
        return NULL;
    }
    return b;
}

static void tjwt_backend_free(tjwt_cache_conf *cc, tjwt_backend *b)
{
    /* The start-up instance belongs to pconf and its cleanup. */
    if (b->pool) {
        cc->provider->destroy(b->inst, cc->s);
        apr_pool_destroy(b->pool);
    }
}

/* The instance a call may use, or NULL while the backend is down and it is
 * not this call's turn to try it. *probe says that it is: the call's
 * outcome then decides for the process (tjwt_backend_release). */
static tjwt_backend *tjwt_backend_acquire(tjwt_cache_conf *cc, int *probe)
{
    tjwt_backend *b = NULL;
    apr_time_t now;

    *probe = 0;
    if (!apr_atomic_read32(&tjwt_be.down)) {
        tjwt_be_lock();
        b = tjwt_be.cur;
        b->refs++;
        tjwt_be_unlock();
        return b;
    }
    now = apr_time_now();
    tjwt_be_lock();
    if (!tjwt_be.down) {
        b = tjwt_be.cur;
        b->refs++;
    }
    else if (!tjwt_be.probing && now >= tjwt_be.probe_at) {
        tjwt_be.probing = 1;
        *probe = 1;
    }
    tjwt_be_unlock();
    if (!*probe)
        return b;
    /* The main server's: the providers read RedisTimeout and the like
     * from its configuration, and do not merge theirs into virtual hosts. */
    b = cc->renewable ? tjwt_backend_new(cc, cc->s) : tjwt_be.cur;
    tjwt_be_lock();
    if (b)
        b->refs++;
    else {
        tjwt_be.probing = 0;
        tjwt_be.probe_at = now + TJWT_CACHE_PROBE_EVERY;
    }
    tjwt_be_unlock();
    return b;
}

/* Ends a call with its status. A failure (anything but found or not
 * found) puts the process's backend down, logged once; a probe that gets
 * an answer brings it back at once, logged once. */
static void tjwt_backend_release(tjwt_cache_conf *cc, request_rec *r,
                                 tjwt_backend *b, int probe, apr_status_t rv,
                                 const char *what)
{
    int ok = rv == APR_SUCCESS || rv == APR_NOTFOUND;
    int went_down = 0, came_back = 0;
    tjwt_backend *retired = NULL;
    apr_time_t now = apr_time_now(), since = 0;

    if (!ok)
        tjwt_stats_inc(TJWT_STAT_ERRORS);
    tjwt_be_lock();
    if (probe) {
        tjwt_be.probing = 0;
        if (ok) {
            if (b != tjwt_be.cur) {
                /* The current one holds a reference of its own. */
                retired = tjwt_be.cur;
                tjwt_be.cur = b;
                b->refs++;
                if (--retired->refs > 0)
                    retired = NULL;
            }
            since = tjwt_be.down_since;
            apr_atomic_set32(&tjwt_be.down, 0);
            came_back = 1;
        }
        else
            tjwt_be.probe_at = now + TJWT_CACHE_PROBE_EVERY;
    }
    else if (!ok && !tjwt_be.down) {
        tjwt_be.down_since = now;
        tjwt_be.probe_at = now + TJWT_CACHE_PROBE_EVERY;
        apr_atomic_set32(&tjwt_be.down, 1);
        went_down = 1;
    }
    if (--b->refs > 0)
        b = NULL; /* still in use, or current */
    tjwt_be_unlock();
    if (b)
        tjwt_backend_free(cc, b);
    if (retired)
        tjwt_backend_free(cc, retired);
    if (went_down)
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, rv, r,
                      "mod_teleport_jwt: TeleportJWTCache %s: %s failed; "
                      "tokens are signed without the shared cache until it "
                      "answers again (tried once a second)",
                      cc->spec, what);
    else if (came_back)
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r,
                      "mod_teleport_jwt: TeleportJWTCache %s answers again "
                      "after %" APR_TIME_T_FMT " ms; the shared cache is used",
                      cc->spec, apr_time_as_msec(now - since));
}

static apr_status_t tjwt_lock(const tjwt_cache_conf *cc)
{
    return cc->mutex ? apr_global_mutex_lock(cc->mutex) : APR_SUCCESS;
}

static void tjwt_unlock(const tjwt_cache_conf *cc)
{
    if (cc->mutex)
        apr_global_mutex_unlock(cc->mutex);
}

/* The marking step (retrieve; if absent, store the marker; read it back)
 * is one step for this server's processes, whatever the provider: under
 * its own mutex, or the marking step's when it has none (tjwt_mark).
 * Removing a marker takes the same. Plain lookups and stores of a
 * provider without a mutex take no lock. */
static apr_global_mutex_t *tjwt_mark_mutex(const tjwt_cache_conf *cc)
{
    return cc->mutex ? cc->mutex : cc->mark_mutex;
}

static apr_status_t tjwt_mark_lock(const tjwt_cache_conf *cc)
{
    apr_global_mutex_t *m = tjwt_mark_mutex(cc);

    return m ? apr_global_mutex_lock(m) : APR_SUCCESS;
}

static void tjwt_mark_unlock(const tjwt_cache_conf *cc)
{
    apr_global_mutex_t *m = tjwt_mark_mutex(cc);

    if (m)
        apr_global_mutex_unlock(m);
}

/* A marker of this request's own: unique across the servers of a fleet,
 * so that reading it back tells whose store won. */
static const char *tjwt_marker_new(apr_pool_t *p, apr_size_t *len)
{
    unsigned char rnd[TJWT_CACHE_MARKER_RANDOM];

    /* Without randomness the process id alone still tells this server's
     * processes apart, which the lock keeps in order anyway. */
    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS)
        memset(rnd, 0, sizeof(rnd));
    return tjwt_cache_marker_make(p, (apr_int64_t)getpid(), rnd, len);
}

/* Stores our marker under k when the lookup found nothing, and reads the
 * key back into buf (room its size, *len what was read): what was read
 * decides, as a lookup's result would. Without the provider's own mutex
 * (held by the caller) the step takes the marking lock and looks again
 * first: a shared hit never waits for that lock, only a miss does.
 * Redis and memcached keep the last store: of servers marking at once,
 * the last to store reads its own marker and the others read it and
 * wait; two read their own only when one's store and read-back both fall
 * between the other's lookup and store (docs/cache.md). */
static apr_status_t tjwt_mark(tjwt_cache_conf *cc, request_rec *r,
                              tjwt_backend *b, const tjwt_cache_key *k,
                              unsigned char *buf, unsigned int room,
                              unsigned int *len, const char **marker)
{
    apr_global_mutex_t *lock = cc->mutex ? NULL : cc->mark_mutex;
    apr_size_t mlen;
    const char *m;
    apr_status_t rv;

    if (lock) {
        /* Without the lock: sign unmarked, as before it existed. */
        if (apr_global_mutex_lock(lock) != APR_SUCCESS)
            return APR_NOTFOUND;
        *len = room;
        rv = cc->provider->retrieve(b->inst, r->server, k->b,
                                    TJWT_CACHE_KEY_LEN, buf, len, r->pool);
        if (rv != APR_NOTFOUND) {
            apr_global_mutex_unlock(lock);
            return rv;
        }
    }
    m = tjwt_marker_new(r->pool, &mlen);
    /* A failed store only costs the others their wait. */
    rv = cc->provider->store(b->inst, r->server, k->b, TJWT_CACHE_KEY_LEN,
                             apr_time_now() + TJWT_MAKING_TTL,
                             (unsigned char *)m, (unsigned int)mlen, r->pool);
    if (rv == APR_SUCCESS) {
        *len = room;
        rv = cc->provider->retrieve(b->inst, r->server, k->b,
                                    TJWT_CACHE_KEY_LEN, buf, len, r->pool);
        if (rv == APR_SUCCESS && *len == mlen && memcmp(buf, m, mlen) == 0)
            *marker = m;
    }
    else
        rv = APR_NOTFOUND;
    if (lock)
        apr_global_mutex_unlock(lock);
    return rv;
}

/* Looks k up; with marker, an absent key gets ours in one locked
 * step (tjwt_mark), so that of the processes of this server that miss
 * together exactly one finds no marker, and across servers about one
 * reads its own back (docs/cache.md, "Single flight across processes"). */
static tjwt_shared_e tjwt_lookup(tjwt_cache_conf *cc, request_rec *r,
                                 const tjwt_key *key,
                                 const tjwt_cache_ident *id,
                                 const tjwt_cache_key *k, tjwt_cache_entry *e,
                                 const char **marker)
{
    const tjwt_claims *asked = id->claims;
    unsigned int len;
    unsigned char *buf;
    apr_status_t rv;
    int probe;
    tjwt_backend *b;

    if (!k->has_digest || !(b = tjwt_backend_acquire(cc, &probe)))
        return TJWT_SHARED_MISS;
    /* Room for the longest token the configuration allows and the
     * entry's short header. */
    len = (unsigned int)id->max_size + 128;
    if (!(buf = tjwt_scratch_get(len)))
        buf = apr_palloc(r->pool, len);
    rv = tjwt_lock(cc);
    if (rv == APR_SUCCESS) {
        unsigned int room = len;
        rv = cc->provider->retrieve(b->inst, r->server, k->b,
                                    TJWT_CACHE_KEY_LEN, buf, &len, r->pool);
        if (rv == APR_NOTFOUND && marker)
            rv = tjwt_mark(cc, r, b, k, buf, room, &len, marker);
        tjwt_unlock(cc);
    }
    tjwt_backend_release(cc, r, b, probe, rv, "a lookup");
    if (rv != APR_SUCCESS)
        return TJWT_SHARED_MISS;
    if (marker && *marker)
        return TJWT_SHARED_MARKED;
    /* Anyone's marker, of any version: never read as a token. */
    if (tjwt_cache_is_marker((const char *)buf, len))
        return TJWT_SHARED_MAKING;
    if (tjwt_cache_entry_decode(r->pool, (const char *)buf, len, e) != 0) {
        ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r,
                      "mod_teleport_jwt: ignoring a cache entry that is not "
                      "ours");
        return TJWT_SHARED_MISS;
    }
    if (!tjwt_cache_usable(e->iat, e->exp, asked->iat))
        return TJWT_SHARED_MISS;
    if (!tjwt_cache_entry_matches(r->pool, e, key->jws_header,
                                  tjwt_jws_sig_len(key), asked)) {
        /* Whoever wrote it, it is not this identity's token. Whoever can
         * write it can write many: the warning is rate-limited too. */
        apr_uint32_t t = (apr_uint32_t)apr_time_sec(apr_time_now());
        apr_uint32_t last = apr_atomic_read32(&tjwt_mismatch_warned_at);
        tjwt_stats_inc(TJWT_STAT_ERRORS);
        if ((last == 0 || t - last >= TJWT_CACHE_WARN_EVERY) &&
            apr_atomic_cas32(&tjwt_mismatch_warned_at, t, last) == last)
            ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                          "mod_teleport_jwt: TeleportJWTCache %s returned a "
                          "token that does not match the claims of %s; not "
                          "used (this warning repeats at most once a minute)",
                          cc->spec, asked->user);
        return TJWT_SHARED_MISS;
    }
    return TJWT_SHARED_HIT;
}

int tjwt_shared_get(tjwt_cache_conf *cc, request_rec *r, const tjwt_key *key,
                    const tjwt_cache_ident *id, const tjwt_cache_key *k,
                    tjwt_cache_entry *e)
{
    return tjwt_lookup(cc, r, key, id, k, e, NULL) == TJWT_SHARED_HIT;
}

tjwt_shared_e tjwt_shared_get_or_mark(tjwt_cache_conf *cc, request_rec *r,
                                      const tjwt_key *key,
                                      const tjwt_cache_ident *id,
                                      const tjwt_cache_key *k,
                                      tjwt_cache_entry *e, const char **marker)
{
    *marker = NULL;
    return tjwt_lookup(cc, r, key, id, k, e, marker);
}

/* Read, compare, remove: a token stored meanwhile, or another's marker,
 * stays. Across servers another may still mark between our read and our
 * remove (ours having expired); its waiters then find no marker and wait
 * for its token, or to their timeout and sign: one more signature. */
void tjwt_shared_unmark(tjwt_cache_conf *cc, request_rec *r,
                        const tjwt_cache_ident *id, const tjwt_cache_key *k,
                        const char *marker)
{
    apr_size_t mlen = marker ? strlen(marker) : 0;
    /* Room for a token stored meanwhile, as in tjwt_lookup: the
     * providers refuse, and memcache logs, a value longer than asked. */
    unsigned int len = (unsigned int)id->max_size + 128;
    unsigned char *buf;
    tjwt_backend *b;
    apr_status_t rv;
    int probe;

    if (!marker || !(b = tjwt_backend_acquire(cc, &probe)))
        return;
    if (!(buf = tjwt_scratch_get(len)))
        buf = apr_palloc(r->pool, len);
    rv = tjwt_mark_lock(cc);
    if (rv == APR_SUCCESS) {
        rv = cc->provider->retrieve(b->inst, r->server, k->b,
                                    TJWT_CACHE_KEY_LEN, buf, &len, r->pool);
        if (rv == APR_SUCCESS && len == mlen && memcmp(buf, marker, mlen) == 0)
            rv = cc->provider->remove(b->inst, r->server, k->b,
                                      TJWT_CACHE_KEY_LEN, r->pool);
        tjwt_mark_unlock(cc);
    }
    tjwt_backend_release(cc, r, b, probe, rv, "removing a marker");
}

void tjwt_shared_put(tjwt_cache_conf *cc, request_rec *r,
                     const tjwt_cache_key *k, const tjwt_cache_entry *e)
{
    apr_time_t expiry;
    apr_size_t len;
    char *data;
    apr_status_t rv;
    tjwt_backend *b;
    int probe;

    if (!k->has_digest)
        return;
    /* The entry lives until its half-life ends. Redis and memcached count
     * in whole seconds, and read 0 as "never" or refuse it: a token with
     * less than a second to live is not worth storing. */
    expiry = apr_time_from_sec(tjwt_cache_last_use(e->iat, e->exp) + 1);
    if (expiry - apr_time_now() < apr_time_from_sec(1))
        return;
    data = tjwt_cache_entry_encode(r->pool, e, &len);
    if (!(b = tjwt_backend_acquire(cc, &probe)))
        return;
    rv = tjwt_lock(cc);
    if (rv == APR_SUCCESS) {
        rv = cc->provider->store(b->inst, r->server, k->b, TJWT_CACHE_KEY_LEN,
                                 expiry, (unsigned char *)data,
                                 (unsigned int)len, r->pool);
        tjwt_unlock(cc);
    }
    tjwt_backend_release(cc, r, b, probe, rv, "storing a token");
}
