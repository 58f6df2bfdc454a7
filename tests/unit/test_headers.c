/* Header names (src/headers.c): comparison, the reserved list, CGI's
 * names and RequestHeader's arguments. */
#include "tjwt_unit.h"

#include "src/headers.h"

START_TEST(test_same_header)
{
    ck_assert(
        tjwt_same_header("Teleport-Jwt-Assertion", "teleport_jwt_assertion"));
    ck_assert(tjwt_same_header("X-A", "x-a"));
    ck_assert(!tjwt_same_header("X-A", "X-AB"));
    ck_assert(!tjwt_same_header("X-AB", "X-A"));
    ck_assert(!tjwt_same_header("X.A", "X-A"));
}
END_TEST

START_TEST(test_reserved)
{
    static const char *const yes[] = {"Host",
                                      "forwarded",
                                      "VIA",
                                      "X-Forwarded-For",
                                      "x_forwarded_user",
                                      "X-Forwarded-Client-Cert",
                                      "X-Forwarded-Anything",
                                      "X-Real-Ip",
                                      "Content-Length",
                                      "transfer-encoding",
                                      "TE",
                                      "Upgrade",
                                      "Teleport-Jwt-Assertion",
                                      NULL};
    static const char *const no[] = {
        "Authorization", "X-Forwarded", "X-Forwardedfor", "Cookie", "X-Token",
        "Viaduct",       NULL};
    int i;

    for (i = 0; yes[i]; i++)
        ck_assert_msg(tjwt_header_reserved(yes[i]), "%s", yes[i]);
    for (i = 0; no[i]; i++)
        ck_assert_msg(!tjwt_header_reserved(no[i]), "%s", no[i]);
}
END_TEST

START_TEST(test_cgi_name)
{
    ck_assert(tjwt_is_cgi_name("HTTP_TELEPORT_JWT_ASSERTION",
                               "Teleport-Jwt-Assertion"));
    ck_assert(tjwt_is_cgi_name("HTTP_X_A_B", "x.a_b"));
    ck_assert(!tjwt_is_cgi_name("HTTP_X_A", "X-AB"));
    ck_assert(!tjwt_is_cgi_name("HTTP_X_AB", "X-A"));
    ck_assert(
        !tjwt_is_cgi_name("TELEPORT_JWT_ASSERTION", "Teleport-Jwt-Assertion"));
    ck_assert(!tjwt_is_cgi_name("HTTP_x_a", "X-A"));
}
END_TEST

START_TEST(test_request_header_args)
{
    apr_array_header_t *n = apr_array_make(tjwt_test_pool, 2, sizeof(char *));

    tjwt_headers_from_request_header(
        tjwt_test_pool, "set X-Remote-User \"expr=%{REMOTE_USER}\"", n);
    tjwt_headers_from_request_header(tjwt_test_pool, "unset \"X-Quoted\"", n);
    tjwt_headers_from_request_header(tjwt_test_pool, "set", n);
    tjwt_headers_from_request_header(tjwt_test_pool, "", n);
    ck_assert_int_eq(n->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(n, 0, const char *), "X-Remote-User");
    ck_assert_str_eq(APR_ARRAY_IDX(n, 1, const char *), "X-Quoted");
    ck_assert(tjwt_name_in(n, "x_remote_user"));
    ck_assert(!tjwt_name_in(n, "X-Remote"));
}
END_TEST

Suite *tjwt_suite_headers(void)
{
    Suite *s = suite_create("headers");
    TCase *tc = tcase_create("names");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_same_header);
    tcase_add_test(tc, test_reserved);
    tcase_add_test(tc, test_cgi_name);
    tcase_add_test(tc, test_request_header_args);
    suite_add_tcase(s, tc);
    return s;
}
