/* The cache's layers (src/cache_layers.c), as a child has them after
 * post_config and child_init: without TeleportJWTCache, the in-process
 * layer in front of the signature; with TeleportJWTCache none, a
 * signature for every request (docs/cache.md). The shared layer needs
 * a mod_socache provider, that is httpd: tests/t/cache*.t. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/cache_layers.h"
#include "src/cache_socache.h"
#include "src/config.h"
#include "src/stats.h"
#include "src/token.h"

#include <apr_strings.h>
#include <mod_status.h>
#include <string.h>

static server_rec *srv;
static tjwt_key *key;

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_log_reset();
    srv = tjwt_test_server(tjwt_test_pool);
    key = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
}

/* Starts the cache as httpd would: post_config, then a child. */
static void start(void)
{
    ck_assert_int_eq(tjwt_cache_post_config(tjwt_test_pool, srv), OK);
    tjwt_cache_child_init(tjwt_test_pool, srv);
}

static const char *status(void)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, NULL);

    tjwt_test_output_reset();
    tjwt_status_hook(r, AP_STATUS_SHORT);
    return apr_pstrdup(tjwt_test_pool, tjwt_test_output());
}

START_TEST(test_in_process_layer)
{
    const char *a, *b, *s;

    start();
    a = tjwt_test_token(tjwt_test_pool, srv, key, "alice");
    b = tjwt_test_token(tjwt_test_pool, srv, key, "alice");
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(tjwt_test_token(tjwt_test_pool, srv, key, "bob"), a);
    s = status();
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCache: in-process\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTTokensSigned: 2\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheHits: 1\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheMisses: 2\n"));
}
END_TEST

START_TEST(test_cache_none_signs_every_time)
{
    cmd_parms *cmd =
        tjwt_test_cmd(tjwt_test_pool, srv, "TeleportJWTCache", "none", 0);
    const char *s;

    ck_assert_ptr_null(tjwt_cmd_cache(cmd, NULL, "none"));
    start();
    ck_assert_ptr_nonnull(tjwt_test_token(tjwt_test_pool, srv, key, "alice"));
    ck_assert_ptr_nonnull(tjwt_test_token(tjwt_test_pool, srv, key, "alice"));
    s = status();
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCache: none\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTTokensSigned: 2\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheHits: 0\n"));
}
END_TEST

/* A provider that is not loaded is refused with the ones that are. */
START_TEST(test_unknown_provider_refused)
{
    cmd_parms *cmd =
        tjwt_test_cmd(tjwt_test_pool, srv, "TeleportJWTCache", "shmcb", 0);
    const char *err = tjwt_cmd_cache(cmd, NULL, "shmcb");

    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "'shmcb' is not accepted"));
    ck_assert_ptr_nonnull(strstr(err, "(loaded providers: none)"));
}
END_TEST

Suite *tjwt_suite_cache_layers(void)
{
    Suite *s = suite_create("cache_layers");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_in_process_layer);
    tcase_add_test(tc, test_cache_none_signs_every_time);
    tcase_add_test(tc, test_unknown_provider_refused);
    suite_add_tcase(s, tc);
    return s;
}
