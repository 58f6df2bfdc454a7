/* Origins (RFC 6454 §6.2 serialisation) of proxy targets, the value of
 * the auto audience. */
#include "tjwt_unit.h"

#include "src/origin.h"

#include <apr_strings.h>
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

/* Edge cases of the fast path's form, and just outside it. */
static const char *const edge_urls[] = {
    "http://h",         "http://h:",
    "http://h:/x",      "http://h:0",
    "http://h:0080/",   "http://h:80",
    "http://h:65535",   "http://h:65536",
    "http://h:99999/",  "http://h:123456",
    "http://h:8a",      "http://h?q",
    "http://h#f",       "HTTPS://A_B.c-D:443?x",
    "ws://h:80/",       "wss://h:443",
    "a+b.c-d://h:1/",   "h://x",
    "1http://h/",       "http:/h",
    "http:h",           "http://",
    "http://:80/",      "http://h%41/",
    "http://u@h/",      "http://h:80@g/",
    "http://[::1]:80/", "http://h..:5/",
    "http://-/",        "http://h h/",
    "ftp://h:21/",      "unix:/run/x.sock",
    "http://h:08080/",
};

/* A URL of the fast path's alphabet, and sometimes one step outside it. */
static void random_url(unsigned long *seed, char *out, apr_size_t cap)
{
    static const char *const parts[] = {
        "http", "HTTPS",       "h2c",       "ws",  "fcgi",  "a+b",   "://",
        ":",    "/",           "?",         "#",   "@",     "[",     "]",
        "%",    "80",          "443",       "0",   "65535", "65536", "8080",
        "Host", "example.com", "127.0.0.1", "_x-", ".",     "9",     " ",
        "a"};
    apr_size_t len = 0;
    int n, i;

    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    n = 1 + (int)((*seed >> 33) % 7);
    /* Most start the usual way, so that the fast path is taken often. */
    if ((*seed >> 40) % 4 != 0)
        len = (apr_size_t)apr_snprintf(out, cap, "%s://",
                                       (*seed >> 45) % 2 ? "http" : "HTTPS");
    for (i = 0; i < n && len + 16 < cap; i++) {
        const char *part;
        *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
        part = parts[(*seed >> 33) % (sizeof(parts) / sizeof(parts[0]))];
        len += (apr_size_t)apr_snprintf(out + len, cap - len, "%s", part);
    }
    out[len] = '\0';
}

static void same_origin(const char *url)
{
    const char *fast = tjwt_url_origin(tjwt_test_pool, url);
    const char *full = tjwt_url_origin_full(tjwt_test_pool, url);

    ck_assert_msg((!fast && !full) || (fast && full && strcmp(fast, full) == 0),
                  "origin of \"%s\": %s, through apr_uri_parse %s", url,
                  fast ? fast : "NULL", full ? full : "NULL");
}

/* The fast path gives what apr_uri_parse gives, on edge cases and on
 * thousands of generated URLs. */
START_TEST(test_url_origin_fast_path)
{
    unsigned long seed = 42;
    char url[256];
    apr_size_t i;

    for (i = 0; i < sizeof(edge_urls) / sizeof(edge_urls[0]); i++)
        same_origin(edge_urls[i]);
    for (i = 0; i < 20000; i++) {
        random_url(&seed, url, sizeof(url));
        same_origin(url);
    }
}
END_TEST

/* Each thread remembers the last origin the fast path made: a target
 * with the same scheme://host[:port] gets it again, one that only starts
 * with the same bytes does not. Pairs (first, then second) where the
 * second starts like the first. */
static const char *const memo_pairs[][2] = {
    {"http://h:80/x", "http://h:80?q"},
    {"http://h:80/x", "http://h:8080/"},
    {"http://h:80/x", "http://h:8/"},
    {"http://h:80", "http://h:80@g/"},
    {"http://h/", "http://h.example/"},
    {"http://h/", "http://h:443/"},
    {"http://h/", "http://h_/"},
    {"http://h/", "http://h"},
    {"http://h/", "http://"},
    {"HTTP://H/", "HTTP://H#f"},
    {"http://h:65535/", "http://h:655350/"},
    {"http://h/", "http://h%41/"},
    {"http://h/", "http://h[::1]/"},
};

START_TEST(test_url_origin_memo)
{
    unsigned long seed = 7;
    char url[256], prev[256] = "http://127.0.0.1:8080/";
    apr_size_t i;

    for (i = 0; i < sizeof(memo_pairs) / sizeof(memo_pairs[0]); i++) {
        same_origin(memo_pairs[i][0]);
        same_origin(memo_pairs[i][1]);
        same_origin(memo_pairs[i][0]);
    }
    /* Generated ones, each asked twice (the second from the memo) and
     * then the one before it again. */
    for (i = 0; i < 20000; i++) {
        random_url(&seed, url, sizeof(url));
        same_origin(url);
        same_origin(url);
        same_origin(prev);
        memcpy(prev, url, sizeof(url));
    }
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
    tcase_add_test(tc, test_url_origin_fast_path);
    tcase_add_test(tc, test_url_origin_memo);
    suite_add_tcase(s, tc);
    return s;
}
