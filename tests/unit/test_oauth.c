/* The OAuth protected resource's parsing: challenges (oauth_challenge.c),
 * resource identifiers and scopes (oauth_uri.c), scope grants and claim
 * variables (oauth_token.c). */
#include "tjwt_unit.h"

#include "src/oauth_challenge.h"
#include "src/oauth_token.h"
#include "src/oauth_uri.h"

#include <apr_strings.h>
#include <apr_tables.h>
#include <string.h>

#define MD "https://h/.well-known/oauth-protected-resource/mcp"

static const struct {
    const char *in, *out; /* out NULL: refused as unparsable */
    int bearer;
} challenges[] = {
    {"Bearer", "Bearer resource_metadata=\"" MD "\", scope=\"a b\"", 1},
    {"Bearer realm=\"x\"",
     "Bearer realm=\"x\", resource_metadata=\"" MD "\", scope=\"a b\"", 1},
    {"bearer error=\"invalid_token\", scope=\"mine\"",
     "bearer error=\"invalid_token\", scope=\"mine\", resource_metadata=\"" MD
     "\"",
     1},
    /* Already there: unchanged. */
    {"Bearer resource_metadata=\"x\", scope=y",
     "Bearer resource_metadata=\"x\", scope=y", 1},
    /* Only the Bearer challenge of several gets it, wherever it is. */
    {"Basic realm=\"a, b\", Bearer realm=\"c\"",
     "Basic realm=\"a, b\", Bearer realm=\"c\", resource_metadata=\"" MD
     "\", scope=\"a b\"",
     1},
    {"Bearer realm=\"c\", Basic realm=\"a\"",
     "Bearer realm=\"c\", resource_metadata=\"" MD
     "\", scope=\"a b\", Basic realm=\"a\"",
     1},
    {"Basic realm=\"a\"", "Basic realm=\"a\"", 0},
    {"Negotiate abc==, Basic realm=\"a\"", "Negotiate abc==, Basic realm=\"a\"",
     0},
    {"Bearer abc==", "Bearer abc==", 1}, /* a token68 takes no parameters */
    {"Bearer realm=\"quote\\\"d\"",
     "Bearer realm=\"quote\\\"d\", resource_metadata=\"" MD "\", scope=\"a b\"",
     1},
    {"Bearer realm=\"open", NULL, 0},
    {"Bearer realm=", "Bearer realm=", 1}, /* a token68, by the grammar */
    {"Bearer a=b c", NULL, 0},
    {"Bearer realm=\"x\" junk", NULL, 0},
};

START_TEST(test_challenge_add)
{
    tjwt_challenge_params params = {MD, "a b"};
    int bearer = -1;
    const char *out =
        tjwt_challenge_add(tjwt_test_pool, challenges[_i].in, &params, &bearer);

    if (!challenges[_i].out) {
        ck_assert_msg(out == NULL, "'%s' parsed as '%s'", challenges[_i].in,
                      out);
        return;
    }
    ck_assert_msg(out != NULL, "'%s' not parsed", challenges[_i].in);
    ck_assert_str_eq(out, challenges[_i].out);
    ck_assert_int_eq(bearer, challenges[_i].bearer);
}
END_TEST

START_TEST(test_challenge_bearer)
{
    apr_pool_t *p = tjwt_test_pool;

    ck_assert_str_eq(tjwt_challenge_bearer(p, NULL, NULL, NULL), "Bearer");
    ck_assert_str_eq(
        tjwt_challenge_bearer(p, "invalid_token", "it \"is\"", NULL),
        "Bearer error=\"invalid_token\", "
        "error_description=\"it \\\"is\\\"\"");
    ck_assert_str_eq(
        tjwt_challenge_bearer(p, "insufficient_scope", NULL, "a b"),
        "Bearer error=\"insufficient_scope\", scope=\"a b\"");
}
END_TEST

static const struct {
    const char *uri, *problem; /* a word of the problem, or NULL */
} uris[] = {
    {"https://mcp.example.com/mcp", NULL},
    {"https://mcp.example.com", NULL},
    {"https://mcp.example.com:8443/a/b", NULL},
    {"http://127.0.0.1:8080/mcp", NULL},
    {"http://localhost/mcp", NULL},
    {"http://[::1]:9/mcp", NULL},
    {"http://mcp.example.com/mcp", "https"},
    {"ftp://mcp.example.com/mcp", "https"},
    {"mcp", "absolute"},
    {"/mcp", "absolute"},
    {"https://MCP.example.com/mcp", "lower case"},
    {"HTTPS://mcp.example.com/mcp", "lower case"},
    {"https://mcp.example.com/MCP", NULL}, /* the path is case-sensitive */
    {"https://mcp.example.com/mcp?x=1", "query"},
    {"https://mcp.example.com/mcp#f", "query"},
    {"https://u:p@mcp.example.com/mcp", "user"},
    {"https://mcp.example.com/m cp", "space"},
};

START_TEST(test_uri_problem)
{
    const char *why = tjwt_oauth_uri_problem(tjwt_test_pool, uris[_i].uri);

    if (!uris[_i].problem)
        ck_assert_msg(why == NULL, "%s refused: %s", uris[_i].uri, why);
    else
        ck_assert_msg(why && strstr(why, uris[_i].problem),
                      "%s: expected '%s', got '%s'", uris[_i].uri,
                      uris[_i].problem, why ? why : "(accepted)");
}
END_TEST

START_TEST(test_metadata_url)
{
    apr_pool_t *p = tjwt_test_pool;

    ck_assert_str_eq(tjwt_oauth_metadata_url(p, "https://h/mcp"),
                     "https://h/.well-known/oauth-protected-resource/mcp");
    ck_assert_str_eq(tjwt_oauth_metadata_url(p, "https://h:8443/a/b"),
                     "https://h:8443/.well-known/oauth-protected-resource/a/b");
    /* RFC 9728 §3.1: a lone trailing slash goes. */
    ck_assert_str_eq(tjwt_oauth_metadata_url(p, "https://h/"),
                     "https://h/.well-known/oauth-protected-resource");
    ck_assert_str_eq(tjwt_oauth_metadata_url(p, "https://h"),
                     "https://h/.well-known/oauth-protected-resource");
    ck_assert_str_eq(tjwt_oauth_resource_path(p, "https://h/mcp/"), "/mcp/");
    ck_assert_str_eq(tjwt_oauth_resource_path(p, "https://h/"), "");
}
END_TEST

START_TEST(test_scope_ok)
{
    ck_assert(tjwt_oauth_scope_ok("mcp:tools"));
    ck_assert(tjwt_oauth_scope_ok("https://x/y.read"));
    ck_assert(!tjwt_oauth_scope_ok(""));
    ck_assert(!tjwt_oauth_scope_ok("a b"));
    ck_assert(!tjwt_oauth_scope_ok("a\"b"));
    ck_assert(!tjwt_oauth_scope_ok("a\\b"));
    ck_assert(!tjwt_oauth_scope_ok("caf\xc3\xa9"));
}
END_TEST

static json_t *claims(const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    ck_assert_msg(j != NULL, "bad test JSON %s", text);
    return j;
}

START_TEST(test_missing_scope)
{
    apr_array_header_t *req =
        apr_array_make(tjwt_test_pool, 2, sizeof(const char *));
    json_t *j;

    APR_ARRAY_PUSH(req, const char *) = "read";
    APR_ARRAY_PUSH(req, const char *) = "write";
    j = claims("{\"scope\":\"openid read write\"}");
    ck_assert_ptr_null(tjwt_oauth_missing_scope(j, req));
    json_decref(j);
    j = claims("{\"scope\":\"readwrite write\"}");
    ck_assert_str_eq(tjwt_oauth_missing_scope(j, req), "read");
    json_decref(j);
    j = claims("{\"scp\":[\"write\",\"read\"]}");
    ck_assert_ptr_null(tjwt_oauth_missing_scope(j, req));
    json_decref(j);
    j = claims("{\"scp\":\"read write\"}");
    ck_assert_ptr_null(tjwt_oauth_missing_scope(j, req));
    json_decref(j);
    j = claims("{\"scope\":[\"read\",\"write\"]}"); /* scope is a string */
    ck_assert_str_eq(tjwt_oauth_missing_scope(j, req), "read");
    json_decref(j);
    j = claims("{}");
    ck_assert_ptr_null(tjwt_oauth_missing_scope(j, NULL));
    json_decref(j);
}
END_TEST

START_TEST(test_claim_vars)
{
    apr_table_t *v = apr_table_make(tjwt_test_pool, 8);
    json_t *j = claims("{\"sub\":\"alice\",\"groups\":[\"dev\",\"ops\"],"
                       "\"n\":3,\"ok\":true,\"none\":null,"
                       "\"obj\":{\"b\":1,\"a\":[1]},\"x-y.z\":\"v\","
                       "\"bad\":\"a\\nb\",\"exp\":1700000000.7}");

    tjwt_oauth_claim_vars(tjwt_test_pool, j, v);
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_sub"), "alice");
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_groups"), "dev,ops");
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_n"), "3");
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_ok"), "true");
    ck_assert_ptr_null(apr_table_get(v, "OAUTH_CLAIM_none"));
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_obj"),
                     "{\"a\":[1],\"b\":1}");
    ck_assert_str_eq(apr_table_get(v, "OAUTH_CLAIM_x_y_z"), "v");
    /* A newline could split a header line: left out. */
    ck_assert_ptr_null(apr_table_get(v, "OAUTH_CLAIM_bad"));
    ck_assert_str_eq(apr_table_get(v, "OAUTH_EXPIRES"), "1700000000");
    json_decref(j);
}
END_TEST

Suite *tjwt_suite_oauth(void)
{
    Suite *s = suite_create("oauth");
    TCase *tc = tcase_create("oauth");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_challenge_add, 0,
                        sizeof(challenges) / sizeof(challenges[0]));
    tcase_add_test(tc, test_challenge_bearer);
    tcase_add_loop_test(tc, test_uri_problem, 0,
                        sizeof(uris) / sizeof(uris[0]));
    tcase_add_test(tc, test_metadata_url);
    tcase_add_test(tc, test_scope_ok);
    tcase_add_test(tc, test_missing_scope);
    tcase_add_test(tc, test_claim_vars);
    suite_add_tcase(s, tc);
    return s;
}
