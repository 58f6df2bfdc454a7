/* Origins (RFC 6454 §6.2 serialisation) of proxy targets, the value of
 * the auto audience. */
#include "tjwt_unit.h"

#include "src/audience.h"

#include <string.h>

static const struct {
    const char *url;
    const char *origin; /* NULL: no origin */
} cases[] = {
    {"http://127.0.0.1:8080/mcp?x=1", "http://127.0.0.1:8080"},
    {"HTTP://Example.COM:80/a", "http://example.com"},
    {"https://h:443/", "https://h"},
    {"https://h:8443", "https://h:8443"},
    /* The default port belongs to the scheme, not to any scheme. */
    {"https://h:80/", "https://h:80"},
    {"http://h:443/", "http://h:443"},
    {"balancer://mycluster/path", "balancer://mycluster"},
    {"http://[::1]:3000/", "http://[::1]:3000"},
    {"http://[::1]/", "http://[::1]"},
    {"fcgi://127.0.0.1:9000/x", "fcgi://127.0.0.1:9000"},
    /* User information and fragments are not part of an origin. */
    {"https://user:pw@H.example:8443/p#frag", "https://h.example:8443"},
    {"/relative", NULL},
    {"", NULL},
    {"relative/path", NULL},
    {"http:///nohost", NULL},
};

START_TEST(test_url_origin)
{
    const char *got = tjwt_url_origin(tjwt_test_pool, cases[_i].url);

    if (cases[_i].origin)
        ck_assert_msg(got && strcmp(got, cases[_i].origin) == 0,
                      "origin of \"%s\": got %s, expected %s", cases[_i].url,
                      got ? got : "NULL", cases[_i].origin);
    else
        ck_assert_msg(got == NULL, "origin of \"%s\": got %s, expected NULL",
                      cases[_i].url, got);
}
END_TEST

Suite *tjwt_suite_origin(void)
{
    Suite *s = suite_create("origin");
    TCase *tc = tcase_create("url_origin");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_url_origin, 0,
                        (int)(sizeof(cases) / sizeof(cases[0])));
    suite_add_tcase(s, tc);
    return s;
}
