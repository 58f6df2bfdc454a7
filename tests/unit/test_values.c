/* Splitting claim values: trimmed, no empties, no duplicates, in order. */
#include "tjwt_unit.h"

#include "src/values.h"

#include <string.h>

static const char *joined(apr_array_header_t *a)
{
    return apr_array_pstrcat(tjwt_test_pool, a, '|');
}

static const struct {
    const char *in, *sep, *out;
} cases[] = {
    {"admin,dev", ",", "admin|dev"},
    {" admin , dev ,, ", ",", "admin|dev"},
    {"a,b,a,c,b", ",", "a|b|c"},
    {"", ",", ""},
    {" , ,", ",", ""},
    {"one", ",", "one"},
    {"x;y; z", ";", "x|y|z"},
    {"x::y::::z", "::", "x|y|z"},
    {"cn=a,ou=b", ";", "cn=a,ou=b"},
    {"role with space,\tother\t", ",", "role with space|other"},
};

START_TEST(test_split)
{
    apr_array_header_t *a = apr_array_make(tjwt_test_pool, 2, sizeof(char *));

    tjwt_values_split(tjwt_test_pool, cases[_i].in, cases[_i].sep, a);
    ck_assert_str_eq(joined(a), cases[_i].out);
}
END_TEST

/* Several sources append to one list; earlier values keep their place. */
START_TEST(test_split_appends)
{
    apr_array_header_t *a = apr_array_make(tjwt_test_pool, 2, sizeof(char *));

    tjwt_values_split(tjwt_test_pool, "b,a", ",", a);
    tjwt_values_split(tjwt_test_pool, "c,b", ",", a);
    tjwt_values_split(tjwt_test_pool, NULL, ",", a);
    ck_assert_str_eq(joined(a), "b|a|c");
    tjwt_values_add(a, "a");
    tjwt_values_add(a, "d");
    ck_assert_str_eq(joined(a), "b|a|c|d");
}
END_TEST

Suite *tjwt_suite_values(void)
{
    Suite *s = suite_create("values");
    TCase *tc = tcase_create("split");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_split, 0,
                        (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, test_split_appends);
    suite_add_tcase(s, tc);
    return s;
}
