/* Group files as mod_authz_groupfile reads them. */
#include "tjwt_unit.h"

#include "src/htgroup.h"

static const char text[] = "# comment: alice\n"
                           "admins: alice carol\n"
                           "  devs :bob alice\t\n"
                           "ops:bob\n"
                           "admins: dave alice\n"
                           "broken line without colon alice\n"
                           ": alice\n"
                           "alicegroup: alice2 xalice\n"
                           "last: alice";

static const char *groups_of(const char *user)
{
    apr_array_header_t *a = apr_array_make(tjwt_test_pool, 2, sizeof(char *));

    tjwt_htgroup_groups(tjwt_test_pool, text, user, a);
    return apr_array_pstrcat(tjwt_test_pool, a, ',');
}

START_TEST(test_groups)
{
    /* Once each, in file order; no partial matches; nameless groups and
     * comments ignored; the last line needs no newline. */
    ck_assert_str_eq(groups_of("alice"), "admins,devs,last");
    ck_assert_str_eq(groups_of("bob"), "devs,ops");
    ck_assert_str_eq(groups_of("dave"), "admins");
    ck_assert_str_eq(groups_of("nobody"), "");
    ck_assert_str_eq(groups_of("alice2"), "alicegroup");
}
END_TEST

Suite *tjwt_suite_htgroup(void)
{
    Suite *s = suite_create("htgroup");
    TCase *tc = tcase_create("groups");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_groups);
    suite_add_tcase(s, tc);
    return s;
}
