/* AuthType TeleportOAuth's directives (src/oauth_config.c): what each
 * accepts and refuses, and how scopes merge (docs/mcp-authorization.md). */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/config.h"
#include "src/oauth_config.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <string.h>

static server_rec *srv;

static void setup(void)
{
    tjwt_test_pool_setup();
    srv = tjwt_test_server(tjwt_test_pool);
    tjwt_oauth_pre_config(tjwt_test_pool);
}

static cmd_parms *cmd_for(const char *name, const char *args)
{
    return tjwt_test_cmd(tjwt_test_pool, srv, name, args, 0);
}

static void refused(const char *err, const char *want)
{
    ck_assert_msg(err != NULL, "accepted; wanted a refusal with '%s'", want);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
}

START_TEST(test_resource)
{
    tjwt_dir_conf *d = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    const apr_array_header_t *decl;

    refused(tjwt_cmd_oauth_resource(
                cmd_for("TeleportJWTOAuthResource", "mcp.example"), d,
                "mcp.example"),
            "is not accepted");
    ck_assert_ptr_null(tjwt_cmd_oauth_resource(
        cmd_for("TeleportJWTOAuthResource", "https://mcp.example/mcp"), d,
        "https://mcp.example/mcp"));
    ck_assert_str_eq(d->oauth->resource, "https://mcp.example/mcp");
    ck_assert_ptr_nonnull(d->oauth->metadata_url);
    ck_assert_ptr_nonnull(d->oauth->expires);
    /* A client's Authorization header never reaches the upstream. */
    ck_assert(tjwt_name_in(d->owned, "Authorization"));
    decl = tjwt_oauth_declared_list();
    ck_assert_int_eq(decl->nelts, 1);
    ck_assert_ptr_eq(
        tjwt_oauth_conf_of(
            tjwt_test_request(tjwt_test_pool, srv, d)->per_dir_config),
        d->oauth);
}
END_TEST

START_TEST(test_values)
{
    tjwt_dir_conf *d = tjwt_create_dir_conf(tjwt_test_pool, NULL);

    refused(
        tjwt_cmd_oauth_issuer(cmd_for("TeleportJWTOAuthIssuer", "x"), d, "x"),
        "issuer identifier");
    ck_assert_ptr_null(tjwt_cmd_oauth_issuer(
        cmd_for("TeleportJWTOAuthIssuer", "https://auth.example"), d,
        "https://auth.example"));
    refused(tjwt_cmd_oauth_scopes(cmd_for("TeleportJWTOAuthScopes", "a\"b"), d,
                                  "a\"b"),
            "is not a scope");
    ck_assert_ptr_null(tjwt_cmd_oauth_scopes(
        cmd_for("TeleportJWTOAuthScopes", "read"), d, "read"));
    ck_assert_ptr_null(tjwt_cmd_oauth_scopes(
        cmd_for("TeleportJWTOAuthScopes", "write"), d, "write"));
    ck_assert_str_eq(d->oauth->scope_text, "read write");
    refused(tjwt_cmd_oauth_resource_name(
                cmd_for("TeleportJWTOAuthResourceName", ""), d, ""),
            "non-empty UTF-8");
    refused(
        tjwt_cmd_oauth_subject(cmd_for("TeleportJWTOAuthSubject", ""), d, ""),
        "name of a claim");
    ck_assert_ptr_null(tjwt_cmd_oauth_subject(
        cmd_for("TeleportJWTOAuthSubject", "email"), d, "email"));
    ck_assert_int_eq(tjwt_oauth_leeway(d->oauth), TJWT_OAUTH_DEFAULT_LEEWAY);
    refused(
        tjwt_cmd_oauth_leeway(cmd_for("TeleportJWTOAuthLeeway", "6m"), d, "6m"),
        "from 0s to 5m");
    ck_assert_ptr_null(tjwt_cmd_oauth_leeway(
        cmd_for("TeleportJWTOAuthLeeway", "0s"), d, "0s"));
    ck_assert_int_eq(tjwt_oauth_leeway(d->oauth), 0);
}
END_TEST

START_TEST(test_jwks_sources)
{
    tjwt_dir_conf *d = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    const char *dir = tjwt_test_tmpdir(tjwt_test_pool);
    const char *file = apr_pstrcat(tjwt_test_pool, dir, "/jwks.json", NULL);
    const char *bad = apr_pstrcat(tjwt_test_pool, dir, "/bad.json", NULL);
    apr_file_t *f;

    refused(tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"), d,
                                "http://auth.example/jwks", NULL),
            "fetched over https only");
    refused(tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"), d,
                                "https://auth.example/jwks#k", NULL),
            "has a fragment");
    refused(tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"), d, file,
                                "/etc/ca.pem"),
            "CA file goes with an https:// URL only");
    refused(tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"), d,
                                "https://auth.example/jwks",
                                "/nonexistent/ca.pem"),
            "cannot be read");
    ck_assert_int_eq(apr_file_open(&f, file, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                                   APR_FPROT_OS_DEFAULT, tjwt_test_pool),
                     APR_SUCCESS);
    apr_file_puts(
        "{\"keys\":[{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"kid\":"
        "\"k1\",\"x\":\"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\"}"
        "]}",
        f);
    apr_file_close(f);
    ck_assert_ptr_null(tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"),
                                           d, file, NULL));
    ck_assert_ptr_nonnull(d->oauth->jwks);
    ck_assert_int_eq(apr_file_open(&f, bad, APR_FOPEN_WRITE | APR_FOPEN_CREATE,
                                   APR_FPROT_OS_DEFAULT, tjwt_test_pool),
                     APR_SUCCESS);
    apr_file_puts("not json", f);
    apr_file_close(f);
    refused(
        tjwt_cmd_oauth_jwks(cmd_for("TeleportJWTOAuthJWKS", "x"), d, bad, NULL),
        "give a JWKS file");
}
END_TEST

START_TEST(test_merge)
{
    tjwt_dir_conf *outer = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    tjwt_dir_conf *inner = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    tjwt_oauth_conf *m;

    tjwt_cmd_oauth_resource(
        cmd_for("TeleportJWTOAuthResource", "https://mcp.example/mcp"), outer,
        "https://mcp.example/mcp");
    tjwt_cmd_oauth_scopes(cmd_for("TeleportJWTOAuthScopes", "read"), outer,
                          "read");
    tjwt_cmd_oauth_leeway(cmd_for("TeleportJWTOAuthLeeway", "10s"), outer,
                          "10s");
    tjwt_cmd_oauth_scopes(cmd_for("TeleportJWTOAuthScopes", "admin"), inner,
                          "admin");
    ck_assert_ptr_eq(tjwt_oauth_merge(tjwt_test_pool, outer->oauth, NULL),
                     outer->oauth);
    ck_assert_ptr_eq(tjwt_oauth_merge(tjwt_test_pool, NULL, inner->oauth),
                     inner->oauth);
    m = tjwt_oauth_merge(tjwt_test_pool, outer->oauth, inner->oauth);
    ck_assert_str_eq(m->resource, "https://mcp.example/mcp");
    /* An inner scope's list replaces the outer one. */
    ck_assert_str_eq(m->scope_text, "admin");
    ck_assert_int_eq(tjwt_oauth_leeway(m), 10);
    tjwt_cmd_oauth_leeway(cmd_for("TeleportJWTOAuthLeeway", "20s"), inner,
                          "20s");
    m = tjwt_oauth_merge(tjwt_test_pool, outer->oauth, inner->oauth);
    ck_assert_int_eq(tjwt_oauth_leeway(m), 20);
    /* The token made in a resource ends with the access token. */
    ck_assert_ptr_eq(
        ((tjwt_dir_conf *)tjwt_merge_dir_conf(tjwt_test_pool, outer, inner))
            ->expiry,
        outer->oauth->expires);
}
END_TEST

Suite *tjwt_suite_oauth_config(void)
{
    Suite *s = suite_create("oauth_config");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_resource);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_jwks_sources);
    tcase_add_test(tc, test_merge);
    suite_add_tcase(s, tc);
    return s;
}
