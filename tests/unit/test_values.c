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

/* What may go into a header value (docs/templates.md): each case, a
 * string and whether it is refused. */
static const struct {
    const char *in;
    int bad;
} value_cases[] = {
    {"plain ascii", 0},
    {"", 0},
    {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0}, /* 2, 3, 4 bytes */
    {"\xc2\xa0", 0},                  /* U+00A0, first after C1 */
    {"\xe2\x80\xa7 \xe2\x80\xaa", 0}, /* U+2027, U+202A: neighbours */
    {"\xf4\x8f\xbf\xbf", 0},          /* U+10FFFF */
    {"tab\there", 1},
    {"cr\rlf", 1},
    {"del\x7f", 1},
    {"\x1f", 1},
    {"nel \xc2\x85", 1},     /* U+0085 */
    {"csi \xc2\x9b", 1},     /* U+009B */
    {"\xc2\x80", 1},         /* U+0080 */
    {"\xc2\x9f", 1},         /* U+009F */
    {"lone \x85", 1},        /* a continuation byte alone */
    {"\xc0\xaf", 1},         /* overlong '/' */
    {"\xe0\x80\xaf", 1},     /* overlong, three bytes */
    {"\xf0\x80\x80\xaf", 1}, /* overlong, four bytes */
    {"\xed\xa0\x80", 1},     /* U+D800, a surrogate */
    {"\xed\xbf\xbf", 1},     /* U+DFFF */
    {"\xf4\x90\x80\x80", 1}, /* past U+10FFFF */
    {"\xf5\x80\x80\x80", 1},
    {"\xff", 1},
    {"\xe2\x80\xa8", 1}, /* U+2028 */
    {"\xe2\x80\xa9", 1}, /* U+2029 */
    {"cut \xe2\x82", 1}, /* a sequence cut short by the end */
    {"\xc3", 1},
};

START_TEST(test_value_problem)
{
    const char *why = tjwt_value_problem(value_cases[_i].in);

    ck_assert_msg(value_cases[_i].bad ? why != NULL : why == NULL,
                  "case %d: got %s", _i, why ? why : "(accepted)");
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
    tcase_add_loop_test(tc, test_value_problem, 0,
                        (int)(sizeof(value_cases) / sizeof(value_cases[0])));
    suite_add_tcase(s, tc);
    return s;
}
