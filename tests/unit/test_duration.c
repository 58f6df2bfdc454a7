/* Durations as TeleportJWTLifetime takes them. */
#include "tjwt_unit.h"

#include "src/duration.h"

/* A week: wide enough for every accepted example, narrow enough to test
 * the upper bound with a small number. */
#define MIN_SECS 1
#define MAX_SECS (7 * 86400)

static const struct {
    const char *in;
    apr_int64_t secs;
} accepted[] = {
    {"90s", 90},      {"10m", 600},         {"1h", 3600},
    {"1d", 86400},    {"45", 45},           {"1", MIN_SECS},
    {"7d", MAX_SECS}, {"604800", MAX_SECS}, {"2h", 7200},
};

START_TEST(test_accepts)
{
    apr_int64_t secs = -1;
    const char *err =
        tjwt_duration_parse(accepted[_i].in, MIN_SECS, MAX_SECS, &secs);

    ck_assert_msg(err == NULL, "\"%s\" refused: %s", accepted[_i].in, err);
    ck_assert_int_eq(secs, accepted[_i].secs);
}
END_TEST

/* The last is too large for any unit: it must not wrap into range. */
static const char *const rejected[] = {
    "",     "m",   "s",   "10x",  "1h30m", "-5",  "+5",
    "10ms", " 10", "10 ", "1.5h", "0x10",  "1e3", "99999999999999999999999",
};

START_TEST(test_rejects)
{
    apr_int64_t secs = -1;

    ck_assert_msg(
        tjwt_duration_parse(rejected[_i], MIN_SECS, MAX_SECS, &secs) != NULL,
        "\"%s\" accepted as %lld", rejected[_i], (long long)secs);
}
END_TEST

/* Well-formed but outside [min, max], on both sides of each bound. */
static const char *const out_of_range[] = {"0",  "0s",   "0m",    "604801",
                                           "8d", "169h", "10081m"};

START_TEST(test_out_of_range)
{
    apr_int64_t secs = -1;

    ck_assert_msg(tjwt_duration_parse(out_of_range[_i], MIN_SECS, MAX_SECS,
                                      &secs) != NULL,
                  "\"%s\" accepted as %lld", out_of_range[_i], (long long)secs);
}
END_TEST

/* The bounds come from the caller, not from the parser. */
START_TEST(test_bounds_are_the_callers)
{
    apr_int64_t secs = -1;

    ck_assert_ptr_null(tjwt_duration_parse("0", 0, 10, &secs));
    ck_assert_int_eq(secs, 0);
    ck_assert_ptr_nonnull(tjwt_duration_parse("11", 0, 10, &secs));
    ck_assert_ptr_nonnull(tjwt_duration_parse("1m", 61, 3600, &secs));
    ck_assert_ptr_null(tjwt_duration_parse("1m", 60, 60, &secs));
    ck_assert_int_eq(secs, 60);
}
END_TEST

Suite *tjwt_suite_duration(void)
{
    Suite *s = suite_create("duration");
    TCase *tc = tcase_create("parse");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_accepts, 0,
                        (int)(sizeof(accepted) / sizeof(accepted[0])));
    tcase_add_loop_test(tc, test_rejects, 0,
                        (int)(sizeof(rejected) / sizeof(rejected[0])));
    tcase_add_loop_test(tc, test_out_of_range, 0,
                        (int)(sizeof(out_of_range) / sizeof(out_of_range[0])));
    tcase_add_test(tc, test_bounds_are_the_callers);
    suite_add_tcase(s, tc);
    return s;
}
