/* The automatic audience (src/audience.c): the proxy target mod_proxy
 * recorded, and otherwise the origin the client addressed, from the
 * first request of a redirect or subrequest chain. The origin itself is
 * test_origin.c's. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/audience.h"

static server_rec *srv;

static void setup(void)
{
    tjwt_test_pool_setup();
    srv = tjwt_test_server(tjwt_test_pool);
}

START_TEST(test_proxy_target)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, NULL);

    ck_assert_ptr_null(tjwt_proxy_target(r));
    r->filename = "/srv/www/index.html";
    ck_assert_ptr_null(tjwt_proxy_target(r));
    /* SetHandler "proxy:...": in r->handler until the handler runs. */
    r->handler = "proxy:http://h.example/x";
    ck_assert_str_eq(tjwt_proxy_target(r), "http://h.example/x");
    r->filename = "proxy:https://f.example/y";
    ck_assert_str_eq(tjwt_proxy_target(r), "https://f.example/y");
    r->filename = "proxy:unix:/run/app.sock|http://localhost/z";
    ck_assert_str_eq(tjwt_proxy_target(r), "http://localhost/z");
    r->filename = "proxy:UNIX:/run/app.sock";
    ck_assert_str_eq(tjwt_proxy_target(r), "UNIX:/run/app.sock");
}
END_TEST

START_TEST(test_request_audience)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, NULL), *sub, *next;

    r->filename = "proxy:HTTP://Backend.Example:80/app?q";
    ck_assert_str_eq(tjwt_request_audience(r), "http://backend.example");
    /* Not proxied: the origin the client addressed, taken from the first
     * request of the chain. */
    r->filename = "/srv/www/index.html";
    r->hostname = "client.example";
    ck_assert_str_eq(tjwt_request_audience(r), "http://client.example");
    next = tjwt_test_redirect(r, NULL);
    next->hostname = "other.example";
    sub = tjwt_test_subrequest(next, NULL);
    sub->hostname = "third.example";
    ck_assert_str_eq(tjwt_request_audience(sub), "http://client.example");
    /* A target without a host has no origin: the client's again. */
    sub->filename = "proxy:fcgi:///run/php.sock";
    ck_assert_str_eq(tjwt_request_audience(sub), "http://client.example");
}
END_TEST

Suite *tjwt_suite_audience(void)
{
    Suite *s = suite_create("audience");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_proxy_target);
    tcase_add_test(tc, test_request_audience);
    suite_add_tcase(s, tc);
    return s;
}
