/* The counters (src/stats.c): shared memory made once per process pool,
 * and what server-status shows, short and HTML. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/counters.h"
#include "src/stats.h"

#include <http_core.h>
#include <mod_status.h>
#include <string.h>

static server_rec *srv;

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_output_reset();
    srv = tjwt_test_server(tjwt_test_pool);
}

static const char *status(int flags)
{
    tjwt_test_output_reset();
    ck_assert_int_eq(
        tjwt_status_hook(tjwt_test_request(tjwt_test_pool, srv, NULL), flags),
        OK);
    return tjwt_test_output();
}

START_TEST(test_short_form)
{
    const char *s;

    tjwt_stats_inc(TJWT_STAT_SIGNED);
    tjwt_stats_inc(TJWT_STAT_HITS);
    tjwt_stats_inc(TJWT_STAT_HITS);
    tjwt_stats_inc(TJWT_STAT_MISSES);
    tjwt_stats_name_cache("redis:127.0.0.1:6379");
    s = status(AP_STATUS_SHORT);
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTVersion: " TJWT_VERSION "\n"));
    ck_assert_ptr_nonnull(
        strstr(s, "TeleportJWTCache: redis:127.0.0.1:6379\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTTokensSigned: 1\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheHits: 2\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheMisses: 1\n"));
    ck_assert_ptr_nonnull(strstr(s, "TeleportJWTCacheErrors: 0\n"));
    ck_assert_ptr_null(strstr(s, "<"));
}
END_TEST

START_TEST(test_html_forms)
{
    const char *s;

    tjwt_stats_inc(TJWT_STAT_HITS);
    tjwt_stats_inc(TJWT_STAT_HITS);
    tjwt_stats_inc(TJWT_STAT_HITS);
    tjwt_stats_inc(TJWT_STAT_MISSES);
    tjwt_stats_name_cache("in-process (<b> failed)");
    s = status(0);
    ck_assert_ptr_nonnull(strstr(s, "<table"));
    ck_assert_ptr_nonnull(strstr(s, "in-process (&lt;b&gt; failed)"));
    ck_assert_ptr_null(strstr(s, "<b>"));
    ck_assert_ptr_nonnull(strstr(s, "Cache hit rate: 75.0%"));
    s = status(AP_STATUS_NOTABLE);
    ck_assert_ptr_null(strstr(s, "<table"));
    ck_assert_ptr_nonnull(strstr(s, "Cache hits: 3<br />"));
    ck_assert_ptr_nonnull(strstr(s, "in-process (&lt;b&gt; failed)"));
    ck_assert_ptr_null(strstr(s, "<b>"));
}
END_TEST

/* Counted before the segment exists, then in it: it starts at zero and
 * outlives a restart (the process pool keeps it). */
START_TEST(test_shared_segment)
{
    tjwt_stats_inc(TJWT_STAT_SIGNED);
    tjwt_test_main_state = AP_SQ_MS_CREATE_PRE_CONFIG;
    ck_assert_int_eq(tjwt_stats_post_config(tjwt_test_pool, srv), OK);
    ck_assert_ptr_nonnull(
        strstr(status(AP_STATUS_SHORT), "TeleportJWTTokensSigned: 1\n"));
    tjwt_test_main_state = AP_SQ_MS_RUN_MPM;
    ck_assert_int_eq(tjwt_stats_post_config(tjwt_test_pool, srv), OK);
    ck_assert_ptr_nonnull(
        strstr(status(AP_STATUS_SHORT), "TeleportJWTTokensSigned: 0\n"));
    tjwt_stats_inc(TJWT_STAT_SIGNED);
    ck_assert_int_eq(tjwt_stats_post_config(tjwt_test_pool, srv), OK);
    ck_assert_ptr_nonnull(
        strstr(status(AP_STATUS_SHORT), "TeleportJWTTokensSigned: 1\n"));
}
END_TEST

Suite *tjwt_suite_stats(void)
{
    Suite *s = suite_create("stats");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_short_form);
    tcase_add_test(tc, test_html_forms);
    tcase_add_test(tc, test_shared_segment);
    suite_add_tcase(s, tc);
    return s;
}
