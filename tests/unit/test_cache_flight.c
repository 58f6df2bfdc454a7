/* Signatures in flight (src/cache_flight.c), in one thread: a key being
 * made is busy for the others until its maker ends. The wait for
 * another thread's signature is exercised under load by
 * tests/t/cache.t. */
#include "tjwt_unit.h"

#include "src/cache_flight.h"

#include <string.h>

static tjwt_cache_key key_of(const char *ident)
{
    tjwt_cache_key k;

    memset(&k, 0, sizeof(k));
    k.ident = ident;
    k.ident_len = strlen(ident);
    return k;
}

START_TEST(test_one_maker_per_key)
{
    tjwt_flights *fl = tjwt_flights_create(tjwt_test_pool);
    tjwt_cache_key a = key_of("alice"), a2 = key_of("alice"), b = key_of("bob");
    tjwt_flight fa, fa2, fb;

    ck_assert_ptr_nonnull(fl);
    ck_assert_int_eq(tjwt_flight_begin(fl, &fa, &a, TJWT_FLIGHT_WAIT),
                     TJWT_FLIGHT_MAKE);
    /* The same identity from another request: busy, by value. */
    ck_assert_int_eq(tjwt_flight_try(fl, &fa2, &a2), TJWT_FLIGHT_BUSY);
    ck_assert_int_eq(tjwt_flight_begin(fl, &fa2, &a2, 0), TJWT_FLIGHT_TIMEOUT);
    ck_assert_int_eq(tjwt_flight_try(fl, &fb, &b), TJWT_FLIGHT_MAKE);
    tjwt_flight_end(fl, &fa);
    ck_assert_int_eq(tjwt_flight_try(fl, &fa2, &a2), TJWT_FLIGHT_MAKE);
    ck_assert_int_eq(tjwt_flight_try(fl, &fa, &b), TJWT_FLIGHT_BUSY);
    tjwt_flight_end(fl, &fb);
    tjwt_flight_end(fl, &fa2);
    /* Ending a flight that is not listed changes nothing. */
    tjwt_flight_end(fl, &fa2);
    ck_assert_int_eq(tjwt_flight_begin(fl, &fa, &a, 0), TJWT_FLIGHT_MAKE);
    ck_assert_int_eq(tjwt_flight_begin(fl, &fb, &b, 0), TJWT_FLIGHT_MAKE);
}
END_TEST

Suite *tjwt_suite_cache_flight(void)
{
    Suite *s = suite_create("cache_flight");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_one_maker_per_key);
    suite_add_tcase(s, tc);
    return s;
}
