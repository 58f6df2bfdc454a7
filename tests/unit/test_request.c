/* The request path (src/request.c) on requests built from httpd's own
 * structures (tests/unit/httpd_stubs.h): what the fixups hook strips and
 * sends, and what the final check removes after redirects and
 * subrequests. docs/security.md, "The trust boundary". */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/b64url.h"
#include "src/config.h"
#include "src/request.h"
#include "src/sources.h"

#include <apr_strings.h>
#include <string.h>

static server_rec *srv;

/* A server whose signing key is the RFC 8037 Ed25519 key. */
static void setup(void)
{
    tjwt_srv_conf *sc;

    tjwt_test_pool_setup();
    tjwt_test_log_reset();
    srv = tjwt_test_server(tjwt_test_pool);
    sc = ap_get_module_config(srv->module_config, &teleport_jwt_module);
    sc->signing_key = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
}

/* Runs a directive of the server configuration on d; it must be
 * accepted. */
static void directive(tjwt_dir_conf *d, const char *name, const char *a1,
                      const char *a2)
{
    cmd_parms *cmd = tjwt_test_cmd(
        tjwt_test_pool, srv, name,
        a2 ? apr_pstrcat(tjwt_test_pool, a1, " ", a2, NULL) : a1, 0);
    const char *err = NULL;

    if (!strcmp(name, "TeleportJWT"))
        err = tjwt_cmd_enable(cmd, d, !strcasecmp(a1, "On"));
    else if (!strcmp(name, "TeleportJWTHeader"))
        err = tjwt_cmd_header(cmd, d, a1, a2);
    else if (!strcmp(name, "TeleportJWTAssertionHeader"))
        err = tjwt_cmd_assertion_header(cmd, d, a1);
    else if (!strcmp(name, "TeleportJWTRoles"))
        err = tjwt_cmd_roles(cmd, d, a1);
    else if (!strcmp(name, "TeleportJWTAudience"))
        err = tjwt_cmd_audience(cmd, d, a1);
    else if (!strcmp(name, "TeleportJWTExpiry"))
        err = tjwt_cmd_expiry(cmd, d, a1);
    else
        ck_abort_msg("no such directive in this test: %s", name);
    ck_assert_msg(err == NULL, "%s %s: %s", name, a1, err);
}

/* A scope with TeleportJWT On (on 1), Off (0) or unset (-1). */
static tjwt_dir_conf *scope(int on)
{
    tjwt_dir_conf *d = tjwt_create_dir_conf(tjwt_test_pool, NULL);

    if (on >= 0)
        directive(d, "TeleportJWT", on ? "On" : "Off", NULL);
    return d;
}

/* The JSON payload of a token. */
static const char *payload(const char *token)
{
    const char *a = strchr(token, '.'), *b = a ? strchr(a + 1, '.') : NULL;
    apr_size_t n;
    unsigned char *json;

    ck_assert_msg(b != NULL, "not a compact JWS: %s", token);
    json =
        tjwt_b64url_decode(tjwt_test_pool, a + 1, (apr_size_t)(b - a - 1), &n);
    ck_assert_ptr_nonnull(json);
    return apr_pstrndup(tjwt_test_pool, (const char *)json, n);
}

/* How many lines of the table have this name. */
static int lines(const apr_table_t *t, const char *name)
{
    const apr_array_header_t *arr = apr_table_elts(t);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i, n = 0;

    for (i = 0; i < arr->nelts; i++)
        n += e[i].key && !strcasecmp(e[i].key, name);
    return n;
}

START_TEST(test_fixups_replaces_forged_headers)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r;
    const char *token;

    directive(d, "TeleportJWTHeader", "X-Auth", "Bearer {{internal.jwt}}");
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "forged");
    /* The same header for an upstream that folds _ into - (CGI, PHP). */
    apr_table_add(r->headers_in, "teleport_jwt_assertion", "forged");
    apr_table_add(r->headers_in, "X-Auth", "Bearer forged");
    apr_table_add(r->headers_in, "X-Other", "kept");
    apr_table_set(r->subprocess_env, "TELEPORT_JWT", "forged");

    ck_assert_int_eq(tjwt_fixups(r), OK);
    token = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(token);
    ck_assert_str_ne(token, "forged");
    ck_assert_int_eq(lines(r->headers_in, "Teleport-Jwt-Assertion"), 1);
    ck_assert_int_eq(lines(r->headers_in, "teleport_jwt_assertion"), 0);
    ck_assert_int_eq(lines(r->headers_in, "X-Auth"), 1);
    ck_assert_str_eq(apr_table_get(r->headers_in, "X-Auth"),
                     apr_pstrcat(tjwt_test_pool, "Bearer ", token, NULL));
    ck_assert_str_eq(apr_table_get(r->headers_in, "X-Other"), "kept");
    ck_assert_ptr_eq(apr_table_get(r->subprocess_env, "TELEPORT_JWT"), token);
    ck_assert_ptr_nonnull(strstr(payload(token), "\"sub\":\"alice\""));
    ck_assert_ptr_nonnull(
        strstr(payload(token), "\"aud\":[\"http://unit.example\"]"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "client-supplied header"));
}
END_TEST

START_TEST(test_fixups_unset_scope_passes_headers)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(-1));

    r->user = "alice";
    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "client's");
    ck_assert_int_eq(tjwt_fixups(r), DECLINED);
    ck_assert_str_eq(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"),
                     "client's");
}
END_TEST

START_TEST(test_fixups_off_scope_strips)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(0));

    r->user = "alice";
    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "forged");
    apr_table_set(r->subprocess_env, "TELEPORT_JWT", "forged");
    ck_assert_int_eq(tjwt_fixups(r), DECLINED);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "TELEPORT_JWT"));
}
END_TEST

START_TEST(test_fixups_renamed_header_owns_both)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r;

    directive(d, "TeleportJWTAssertionHeader", "X-Jwt", NULL);
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    apr_table_add(r->headers_in, "X-Jwt", "forged");
    /* The default name stays owned: an upstream may still read it. */
    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "forged");
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_str_ne(apr_table_get(r->headers_in, "X-Jwt"), "forged");
}
END_TEST

START_TEST(test_fixups_no_user_no_token)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(1));

    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "forged");
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "TELEPORT_JWT"));
}
END_TEST

/* Fail closed: a token is due and cannot be made. */
START_TEST(test_fixups_fails_closed)
{
    tjwt_dir_conf *d = scope(1);
    tjwt_srv_conf *sc =
        ap_get_module_config(srv->module_config, &teleport_jwt_module);
    request_rec *r;

    d->roles = apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_value_src));
    APR_ARRAY_PUSH(d->roles, tjwt_value_src).expr =
        tjwt_test_expr_error(tjwt_test_pool, "no such function");
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r), HTTP_INTERNAL_SERVER_ERROR);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "no such function"));

    r = tjwt_test_request(tjwt_test_pool, srv, scope(1));
    r->user = "alice";
    sc->signing_key = NULL;
    ck_assert_int_eq(tjwt_fixups(r), HTTP_INTERNAL_SERVER_ERROR);
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "no signing key"));
}
END_TEST

START_TEST(test_expired_identity_no_token)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r;

    directive(d, "TeleportJWTExpiry", "%{reqenv:EXP}", NULL);
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    apr_table_set(r->subprocess_env, "EXP", "1000");
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "expired at 1000"));

    /* An identity that ends before the lifetime caps exp. */
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    apr_table_set(r->subprocess_env, "EXP",
                  apr_psprintf(tjwt_test_pool, "%" APR_INT64_T_FMT,
                               (apr_int64_t)apr_time_sec(apr_time_now()) + 60));
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_nonnull(
        strstr(payload(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion")),
               apr_psprintf(tjwt_test_pool, "\"exp\":%s,",
                            apr_table_get(r->subprocess_env, "EXP"))));
}
END_TEST

/* What modules set between fixups and the handler is removed, what the
 * module made is put back. */
START_TEST(test_settle_undoes_late_changes)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r;
    const char *token;

    directive(d, "TeleportJWTHeader", "X-Auth", "Bearer {{internal.jwt}}");
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r), OK);
    token = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    /* A RequestHeader set, an extra line, CGI-style copies. */
    apr_table_set(r->headers_in, "X-Auth", "Bearer late");
    apr_table_add(r->headers_in, "Teleport-Jwt-Assertion", "late");
    apr_table_set(r->subprocess_env, "HTTP_TELEPORT_JWT_ASSERTION", "forged");
    apr_table_set(r->subprocess_env, "HTTP_X_AUTH", "forged");
    apr_table_set(r->subprocess_env, "HTTP_X_OTHER", "kept");
    apr_table_set(r->subprocess_env, "TELEPORT_JWT", "late");

    ck_assert_int_eq(tjwt_handler_settle(r), DECLINED);
    ck_assert_int_eq(lines(r->headers_in, "Teleport-Jwt-Assertion"), 1);
    ck_assert_ptr_eq(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"),
                     token);
    ck_assert_str_eq(apr_table_get(r->headers_in, "X-Auth"),
                     apr_pstrcat(tjwt_test_pool, "Bearer ", token, NULL));
    ck_assert_ptr_null(
        apr_table_get(r->subprocess_env, "HTTP_TELEPORT_JWT_ASSERTION"));
    ck_assert_ptr_null(apr_table_get(r->subprocess_env, "HTTP_X_AUTH"));
    ck_assert_str_eq(apr_table_get(r->subprocess_env, "HTTP_X_OTHER"), "kept");
    ck_assert_ptr_eq(apr_table_get(r->subprocess_env, "TELEPORT_JWT"), token);
}
END_TEST

/* An internal redirect into a scope without the module: the token made
 * for the first request is found wherever it was copied, by its
 * signature, and removed with the renamed variables. */
START_TEST(test_redirect_to_unset_scope_removes_token)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(1)), *r2;
    const char *token;

    r->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r), OK);
    token = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(token);
    /* mod_headers: RequestHeader set Authorization "Bearer %{...}e". */
    apr_table_set(r->headers_in, "Authorization",
                  apr_pstrcat(tjwt_test_pool, "Bearer ", token, NULL));
    apr_table_set(r->headers_in, "X-Unrelated", "kept");
    apr_table_set(r->subprocess_env, "SAVED",
                  apr_pstrcat(tjwt_test_pool, "x", token, NULL));

    r2 = tjwt_test_redirect(r, scope(-1));
    ck_assert_ptr_eq(apr_table_get(r2->subprocess_env, "REDIRECT_TELEPORT_JWT"),
                     token);
    apr_table_set(r2->subprocess_env, "REDIRECT_REDIRECT_TELEPORT_JWT", "old");
    ck_assert_int_eq(tjwt_fixups(r2), DECLINED);
    ck_assert_int_eq(tjwt_handler_settle(r2), DECLINED);
    ck_assert_ptr_null(apr_table_get(r2->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_null(apr_table_get(r2->headers_in, "Authorization"));
    ck_assert_str_eq(apr_table_get(r2->headers_in, "X-Unrelated"), "kept");
    ck_assert_ptr_null(
        apr_table_get(r2->subprocess_env, "REDIRECT_TELEPORT_JWT"));
    ck_assert_ptr_null(
        apr_table_get(r2->subprocess_env, "REDIRECT_REDIRECT_TELEPORT_JWT"));
    ck_assert_ptr_null(apr_table_get(r2->subprocess_env, "REDIRECT_SAVED"));
}
END_TEST

/* A redirect into another On scope gets a token of its own; the one made
 * for the first request goes. */
START_TEST(test_redirect_to_other_scope_remakes)
{
    tjwt_dir_conf *d2 = scope(1);
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(1)), *r2;
    const char *t1, *t2;

    directive(d2, "TeleportJWTAudience", "https://other.example", NULL);
    r->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r), OK);
    t1 = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    r2 = tjwt_test_redirect(r, d2);
    r2->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r2), OK);
    ck_assert_int_eq(tjwt_handler_settle(r2), DECLINED);
    ck_assert_int_eq(lines(r2->headers_in, "Teleport-Jwt-Assertion"), 1);
    t2 = apr_table_get(r2->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_str_ne(t1, t2);
    ck_assert_ptr_nonnull(
        strstr(payload(t2), "\"aud\":[\"https://other.example\"]"));
    ck_assert_ptr_null(
        apr_table_get(r2->subprocess_env, "REDIRECT_TELEPORT_JWT"));
    ck_assert_ptr_eq(apr_table_get(r2->subprocess_env, "TELEPORT_JWT"), t2);
}
END_TEST

/* A subrequest's claim sources read only what its own processing set,
 * not the variables it inherited from the request that made it. */
START_TEST(test_subrequest_reads_own_variables)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r, *sub;
    const char *token;

    directive(d, "TeleportJWTRoles", "%{reqenv:ROLES}", NULL);
    r = tjwt_test_request(tjwt_test_pool, srv, scope(-1));
    r->user = "alice";
    apr_table_set(r->subprocess_env, "ROLES", "inherited-role");

    sub = tjwt_test_subrequest(r, d);
    sub->user = "alice";
    ck_assert_int_eq(tjwt_create_request(sub), DECLINED);
    /* A subrequest's token waits for its handler. */
    ck_assert_int_eq(tjwt_fixups(sub), DECLINED);
    ck_assert_ptr_null(
        apr_table_get(sub->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_int_eq(tjwt_handler_settle(sub), DECLINED);
    token = apr_table_get(sub->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(token);
    ck_assert_ptr_null(strstr(payload(token), "inherited-role"));
    ck_assert_ptr_nonnull(strstr(payload(token), "\"sub\":\"alice\""));

    /* Set again by the subrequest's own processing: read. */
    sub = tjwt_test_subrequest(r, d);
    sub->user = "alice";
    tjwt_create_request(sub);
    apr_table_set(sub->subprocess_env, "ROLES", "own-role");
    ck_assert_int_eq(tjwt_handler_settle(sub), DECLINED);
    token = apr_table_get(sub->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(strstr(payload(token), "\"roles\":[\"own-role\"]"));
}
END_TEST

/* After an internal redirect the REDIRECT_ copies are not the new
 * request's to read. */
START_TEST(test_redirect_reads_no_redirect_copies)
{
    tjwt_dir_conf *d = scope(1);
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(-1)), *r2;
    const char *token;

    directive(d, "TeleportJWTRoles", "%{reqenv:REDIRECT_ROLES}", NULL);
    apr_table_set(r->subprocess_env, "ROLES", "earlier-role");
    r2 = tjwt_test_redirect(r, d);
    r2->user = "alice";
    ck_assert_int_eq(tjwt_fixups(r2), OK);
    token = apr_table_get(r2->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(token);
    ck_assert_ptr_null(strstr(payload(token), "earlier-role"));
}
END_TEST

/* The audience follows the proxy target; a balancer's member is known
 * only at mod_proxy's hook. */
START_TEST(test_proxy_audience)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, scope(1));
    const char *t1, *t2;

    r->user = "alice";
    r->filename = "proxy:http://Backend.example:8080/app";
    ck_assert_int_eq(tjwt_fixups(r), OK);
    t1 = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(
        strstr(payload(t1), "\"aud\":[\"http://backend.example:8080\"]"));
    ck_assert_int_eq(tjwt_handler_settle(r), DECLINED);
    ck_assert_int_eq(tjwt_proxy_settle(r, "http://backend.example:8080/app"),
                     DECLINED);
    ck_assert_ptr_eq(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"),
                     t1);

    r = tjwt_test_request(tjwt_test_pool, srv, scope(1));
    r->user = "alice";
    r->filename = "proxy:balancer://pool/app";
    ck_assert_int_eq(tjwt_fixups(r), DECLINED);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_int_eq(tjwt_handler_settle(r), DECLINED);
    ck_assert_int_eq(tjwt_proxy_settle(r, "http://member2.example/app"),
                     DECLINED);
    t2 = apr_table_get(r->headers_in, "Teleport-Jwt-Assertion");
    ck_assert_ptr_nonnull(t2);
    ck_assert_ptr_nonnull(
        strstr(payload(t2), "\"aud\":[\"http://member2.example\"]"));
    ck_assert_int_eq(lines(r->headers_in, "Teleport-Jwt-Assertion"), 1);
}
END_TEST

Suite *tjwt_suite_request(void)
{
    Suite *s = suite_create("request");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_fixups_replaces_forged_headers);
    tcase_add_test(tc, test_fixups_unset_scope_passes_headers);
    tcase_add_test(tc, test_fixups_off_scope_strips);
    tcase_add_test(tc, test_fixups_renamed_header_owns_both);
    tcase_add_test(tc, test_fixups_no_user_no_token);
    tcase_add_test(tc, test_fixups_fails_closed);
    tcase_add_test(tc, test_expired_identity_no_token);
    tcase_add_test(tc, test_settle_undoes_late_changes);
    tcase_add_test(tc, test_redirect_to_unset_scope_removes_token);
    tcase_add_test(tc, test_redirect_to_other_scope_remakes);
    tcase_add_test(tc, test_subrequest_reads_own_variables);
    tcase_add_test(tc, test_redirect_reads_no_redirect_copies);
    tcase_add_test(tc, test_proxy_audience);
    suite_add_tcase(s, tc);
    return s;
}
