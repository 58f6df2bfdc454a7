/* The shared layer (src/cache_socache.c) on a mod_socache provider that
 * keeps its entries in the test's memory: TeleportJWTCache's arguments,
 * a token found by another process, and a backend that fails (the
 * request still gets its token). The providers of httpd (shmcb, redis,
 * memcache) need httpd's core: tests/t/cache*.t. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/cache_layers.h"
#include "src/cache_socache.h"
#include "src/config.h"
#include "src/stats.h"
#include "src/token.h"

#include <ap_socache.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <mod_status.h>
#include <string.h>

/* --- the provider: a hash table ------------------------------------------ */

struct ap_socache_instance_t {
    apr_hash_t *entries;
    apr_pool_t *pool;
};

static int failing, stores;
static apr_pool_t *store_pool;
static apr_hash_t *store; /* shared by every instance, as a server is */

static const char *mem_create(ap_socache_instance_t **inst, const char *arg,
                              apr_pool_t *tmp, apr_pool_t *p)
{
    (void)tmp;
    if (arg && !strcmp(arg, "refuse"))
        return "refused by the provider";
    *inst = apr_pcalloc(p, sizeof(**inst));
    return NULL;
}

static apr_status_t mem_init(ap_socache_instance_t *inst, const char *cname,
                             const struct ap_socache_hints *hints,
                             server_rec *s, apr_pool_t *p)
{
    (void)cname, (void)hints, (void)s, (void)p;
    inst->entries = store;
    inst->pool = store_pool;
    return APR_SUCCESS;
}

static void mem_destroy(ap_socache_instance_t *inst, server_rec *s)
{
    (void)inst, (void)s;
}

static apr_status_t mem_store(ap_socache_instance_t *inst, server_rec *s,
                              const unsigned char *id, unsigned int idlen,
                              apr_time_t expiry, unsigned char *data,
                              unsigned int datalen, apr_pool_t *pool)
{
    unsigned char *copy;

    (void)s, (void)expiry, (void)pool;
    if (failing)
        return APR_ECONNREFUSED;
    copy = apr_palloc(inst->pool, datalen + sizeof(unsigned int));
    memcpy(copy, &datalen, sizeof(datalen));
    memcpy(copy + sizeof(datalen), data, datalen);
    apr_hash_set(inst->entries, apr_pmemdup(inst->pool, id, idlen), idlen,
                 copy);
    stores++;
    return APR_SUCCESS;
}

static apr_status_t mem_retrieve(ap_socache_instance_t *inst, server_rec *s,
                                 const unsigned char *id, unsigned int idlen,
                                 unsigned char *data, unsigned int *datalen,
                                 apr_pool_t *pool)
{
    const unsigned char *e;
    unsigned int n;

    (void)s, (void)pool;
    if (failing)
        return APR_ECONNREFUSED;
    if (!(e = apr_hash_get(inst->entries, id, idlen)))
        return APR_NOTFOUND;
    memcpy(&n, e, sizeof(n));
    if (n > *datalen)
        return APR_ENOSPC;
    memcpy(data, e + sizeof(n), n);
    *datalen = n;
    return APR_SUCCESS;
}

static apr_status_t mem_remove(ap_socache_instance_t *inst, server_rec *s,
                               const unsigned char *id, unsigned int idlen,
                               apr_pool_t *pool)
{
    (void)s, (void)pool;
    if (failing)
        return APR_ECONNREFUSED;
    apr_hash_set(inst->entries, id, idlen, NULL);
    return APR_SUCCESS;
}

static const ap_socache_provider_t mem_provider = {
    "unit",       0,          mem_create, mem_init, mem_destroy, mem_store,
    mem_retrieve, mem_remove, NULL,       NULL};

/* --- the tests ------------------------------------------------------------ */

static server_rec *srv;
static tjwt_key *key;

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_log_reset();
    store_pool = tjwt_test_pool;
    store = apr_hash_make(store_pool);
    failing = stores = 0;
    srv = tjwt_test_server(tjwt_test_pool);
    key = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    tjwt_test_provider = &mem_provider;
    tjwt_test_provider_name = "unit";
    ck_assert_int_eq(tjwt_cache_pre_config(tjwt_test_pool), OK);
}

static const char *cache_directive(const char *arg)
{
    return tjwt_cmd_cache(
        tjwt_test_cmd(tjwt_test_pool, srv, "TeleportJWTCache", arg, 0), NULL,
        arg);
}

/* A child process: a fresh in-process layer in front of the store. */
static void child(void)
{
    tjwt_cache_child_init(tjwt_test_pool, srv);
}

static long counter(const char *name)
{
    const char *line;

    tjwt_test_output_reset();
    tjwt_status_hook(tjwt_test_request(tjwt_test_pool, srv, NULL),
                     AP_STATUS_SHORT);
    line = strstr(tjwt_test_output(),
                  apr_pstrcat(tjwt_test_pool, "TeleportJWT", name, ": ", NULL));
    ck_assert_msg(line != NULL, "no %s in %s", name, tjwt_test_output());
    return strtol(strchr(line, ':') + 1, NULL, 10);
}

START_TEST(test_arguments)
{
    const char *err;

    ck_assert_ptr_null(cache_directive("unit:anything"));
    err = cache_directive("unit:refuse");
    ck_assert_ptr_nonnull(strstr(err, "refused by the provider"));
    ck_assert_ptr_nonnull(strstr(err, "unit:ARGUMENT as mod_socache_unit"));
    err = cache_directive("shmcb");
    ck_assert_ptr_nonnull(strstr(err, "(loaded providers: unit)"));

    /* redis and memcache: the servers are checked now, not at the first
     * request. */
    tjwt_test_provider_name = "redis";
    ck_assert_ptr_null(cache_directive("redis:127.0.0.1:6379,cache.example"));
    ck_assert_ptr_null(cache_directive("redis:[::1]:6379"));
    err = cache_directive("redis:::1");
    ck_assert_ptr_nonnull(strstr(err, "in brackets"));
    err = cache_directive("redis::6379");
    ck_assert_ptr_nonnull(strstr(err, "':6379' is not HOST or HOST:PORT"));
    /* APR reads a number alone as a port. */
    err = cache_directive("redis:6379");
    ck_assert_msg(err && strstr(err, "names no host"), "%s", err);
    err = cache_directive("redis:host:99999");
    ck_assert_ptr_nonnull(strstr(err, "port from 1 to 65535"));
    ck_assert_ptr_nonnull(strstr(err, "redis:HOST[:PORT]"));

    srv->is_virtual = 1;
    ck_assert_ptr_nonnull(strstr(cache_directive("redis:h"), "<VirtualHost>"));
}
END_TEST

/* One process signs; another finds the token in the shared layer. */
START_TEST(test_shared_between_processes)
{
    const char *a, *b;
    int stored;

    ck_assert_ptr_null(cache_directive("unit:x"));
    ck_assert_int_eq(tjwt_cache_post_config(tjwt_test_pool, srv), OK);
    child();
    a = tjwt_test_token(tjwt_test_pool, srv, key, "alice");
    ck_assert_ptr_nonnull(a);
    /* The mark that a process is making it, then the token. */
    ck_assert_int_ge(stores, 1);
    stored = stores;
    ck_assert_int_eq(counter("TokensSigned"), 1);
    child();
    b = tjwt_test_token(tjwt_test_pool, srv, key, "alice");
    ck_assert_str_eq(a, b);
    ck_assert_int_eq(counter("TokensSigned"), 1);
    ck_assert_int_eq(counter("CacheHits"), 1);
    /* Kept in process too: no second lookup in the store. */
    ck_assert_str_eq(tjwt_test_token(tjwt_test_pool, srv, key, "alice"), a);
    ck_assert_int_eq(counter("CacheHits"), 2);
    ck_assert_ptr_nonnull(
        strstr(tjwt_test_output(), "TeleportJWTCache: unit:x\n"));
    /* Another identity is another entry. */
    ck_assert_int_eq(stores, stored);
    ck_assert_str_ne(tjwt_test_token(tjwt_test_pool, srv, key, "bob"), a);
    ck_assert_int_gt(stores, stored);
}
END_TEST

/* A cache is an optimisation: a failing backend costs a signature, never
 * the token. */
START_TEST(test_failing_backend)
{
    ck_assert_ptr_null(cache_directive("unit:x"));
    ck_assert_int_eq(tjwt_cache_post_config(tjwt_test_pool, srv), OK);
    child();
    failing = 1;
    ck_assert_ptr_nonnull(tjwt_test_token(tjwt_test_pool, srv, key, "alice"));
    ck_assert_int_eq(counter("TokensSigned"), 1);
    ck_assert_int_ge(counter("CacheErrors"), 1);
    ck_assert_int_eq(stores, 0);
    child();
    ck_assert_ptr_nonnull(tjwt_test_token(tjwt_test_pool, srv, key, "alice"));
    ck_assert_int_eq(counter("TokensSigned"), 2);
}
END_TEST

Suite *tjwt_suite_cache_socache(void)
{
    Suite *s = suite_create("cache_socache");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_arguments);
    tcase_add_test(tc, test_shared_between_processes);
    tcase_add_test(tc, test_failing_backend);
    suite_add_tcase(s, tc);
    return s;
}
