/* Configuration (src/config.c): the defaults, the merge of scopes and of
 * servers, and what the directive handlers accept and refuse, with the
 * message that names the directive (docs/directives.md). */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/config.h"

#include <apr_strings.h>
#include <string.h>

static server_rec *srv;

static void setup(void)
{
    tjwt_test_pool_setup();
    srv = tjwt_test_server(tjwt_test_pool);
}

static cmd_parms *cmd_for(const char *name, const char *args, int htaccess)
{
    return tjwt_test_cmd(tjwt_test_pool, srv, name, args, htaccess);
}

static tjwt_dir_conf *fresh(void)
{
    return tjwt_create_dir_conf(tjwt_test_pool, NULL);
}

/* TeleportJWTHtaccessHeaders name: what .htaccess templates may name. */
static void htaccess_may_name(const char *name)
{
    ck_assert_ptr_null(tjwt_cmd_htaccess_headers(
        cmd_for("TeleportJWTHtaccessHeaders", name, 0), NULL, name));
}

/* Fails the test unless err is a refusal containing want. */
static void refused(const char *err, const char *want)
{
    ck_assert_msg(err != NULL, "accepted; wanted a refusal with '%s'", want);
    ck_assert_msg(strstr(err, want) != NULL, "'%s' lacks '%s'", err, want);
}

START_TEST(test_defaults)
{
    tjwt_dir_conf *d = fresh();

    ck_assert_int_eq(d->enabled, TJWT_UNSET);
    ck_assert_int_eq(tjwt_dir_lifetime(d), TJWT_DEFAULT_LIFETIME);
    ck_assert_int_eq(tjwt_dir_max_size(d), TJWT_DEFAULT_MAX_SIZE);
    ck_assert_int_eq(tjwt_dir_claims_mode(d), TJWT_CLAIMS_ROLES_AND_TRAITS);
    ck_assert_str_eq(tjwt_dir_assertion_header(d),
                     TJWT_DEFAULT_ASSERTION_HEADER);
    ck_assert(!tjwt_dir_has_header(d, "X-A"));
}
END_TEST

START_TEST(test_merge_dir)
{
    tjwt_dir_conf *base = fresh(), *add = fresh(), *m;

    htaccess_may_name("X-Inner");

    ck_assert_ptr_null(
        tjwt_cmd_enable(cmd_for("TeleportJWT", "On", 0), base, 1));
    ck_assert_ptr_null(tjwt_cmd_lifetime(
        cmd_for("TeleportJWTLifetime", "90s", 0), base, "90s"));
    ck_assert_ptr_null(tjwt_cmd_roles(
        cmd_for("TeleportJWTRoles", "%{reqenv:A}", 0), base, "%{reqenv:A}"));
    ck_assert_ptr_null(tjwt_cmd_header(
        cmd_for("TeleportJWTHeader", "X-Outer {{internal.jwt}}", 0), base,
        "X-Outer", "{{internal.jwt}}"));
    ck_assert_ptr_null(tjwt_cmd_claims(cmd_for("TeleportJWTClaims", "roles", 0),
                                       add, "roles"));
    ck_assert_ptr_null(tjwt_cmd_roles(
        cmd_for("TeleportJWTRoles", "%{reqenv:B}", 0), add, "%{reqenv:B}"));
    ck_assert_ptr_null(tjwt_cmd_header(
        cmd_for("TeleportJWTHeader", "X-Inner {{internal.jwt}}", 1), add,
        "X-Inner", "{{internal.jwt}}"));

    m = tjwt_merge_dir_conf(tjwt_test_pool, base, add);
    /* Unset inherits, set wins. */
    ck_assert_int_eq(m->enabled, 1);
    ck_assert_int_eq(tjwt_dir_lifetime(m), 90);
    ck_assert_int_eq(tjwt_dir_claims_mode(m), TJWT_CLAIMS_ROLES);
    /* Lists are replaced by the inner scope's. */
    ck_assert_ptr_eq(m->roles, add->roles);
    ck_assert(tjwt_dir_has_header(m, "X-Inner"));
    ck_assert(!tjwt_dir_has_header(m, "X-Outer"));
    ck_assert_int_eq(m->headers_htaccess, 1);
    /* Owned names are a union: the outer upstream still trusts X-Outer. */
    ck_assert(tjwt_name_in(m->owned, "X-Outer"));
    ck_assert(tjwt_name_in(m->owned, "X-Inner"));
    /* Only the server configuration's are the server's. */
    ck_assert(tjwt_name_in(m->owned_by_server, "X-Outer"));
    ck_assert(!tjwt_name_in(m->owned_by_server, "X-Inner"));

    /* An inner Off stays Off. */
    tjwt_cmd_enable(cmd_for("TeleportJWT", "Off", 0), add, 0);
    m = tjwt_merge_dir_conf(tjwt_test_pool, base, add);
    ck_assert_int_eq(m->enabled, 0);
}
END_TEST

START_TEST(test_merge_srv)
{
    tjwt_srv_conf *base = tjwt_create_srv_conf(tjwt_test_pool, srv);
    tjwt_srv_conf *add = tjwt_create_srv_conf(tjwt_test_pool, srv), *m;
    tjwt_key *k = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");

    base->signing_key = k;
    base->cache_size = 50;
    m = tjwt_merge_srv_conf(tjwt_test_pool, base, add);
    ck_assert_ptr_eq(m->signing_key, k);
    ck_assert_int_eq(m->cache_size, 50);
    add->cache_size = 7;
    add->signing_key = tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    m = tjwt_merge_srv_conf(tjwt_test_pool, base, add);
    ck_assert_ptr_eq(m->signing_key, add->signing_key);
    ck_assert_int_eq(m->cache_size, 7);
}
END_TEST

START_TEST(test_lifetime_and_size)
{
    tjwt_dir_conf *d = fresh();

    refused(tjwt_cmd_lifetime(cmd_for("TeleportJWTLifetime", "0s", 0), d, "0s"),
            "TeleportJWTLifetime: '0s' is not accepted");
    refused(
        tjwt_cmd_lifetime(cmd_for("TeleportJWTLifetime", "25h", 0), d, "25h"),
        "from 1s to 24h");
    ck_assert_ptr_null(
        tjwt_cmd_lifetime(cmd_for("TeleportJWTLifetime", "1h", 0), d, "1h"));
    ck_assert_int_eq(tjwt_dir_lifetime(d), 3600);
    refused(
        tjwt_cmd_max_size(cmd_for("TeleportJWTMaxSize", "511", 0), d, "511"),
        "from 512 to 1048576");
    refused(tjwt_cmd_max_size(cmd_for("TeleportJWTMaxSize", "4k", 0), d, "4k"),
            "not accepted");
    ck_assert_ptr_null(
        tjwt_cmd_max_size(cmd_for("TeleportJWTMaxSize", "4096", 0), d, "4096"));
    ck_assert_int_eq(tjwt_dir_max_size(d), 4096);
}
END_TEST

/* What decides the identity is the server configuration's alone. */
START_TEST(test_server_only_directives)
{
    tjwt_dir_conf *d = fresh();
    const char *why = "is not allowed in .htaccess";

    refused(tjwt_cmd_user(cmd_for("TeleportJWTUser", "%{reqenv:U}", 1), d,
                          "%{reqenv:U}"),
            why);
    refused(tjwt_cmd_roles(cmd_for("TeleportJWTRoles", "%{reqenv:R}", 1), d,
                           "%{reqenv:R}"),
            why);
    refused(tjwt_cmd_trait(cmd_for("TeleportJWTTrait", "t %{reqenv:T}", 1), d,
                           "t", "%{reqenv:T}", NULL),
            why);
    refused(tjwt_cmd_issuer(cmd_for("TeleportJWTIssuer", "me", 1), d, "me"),
            why);
    refused(
        tjwt_cmd_audience(cmd_for("TeleportJWTAudience", "auto", 1), d, "auto"),
        why);
    refused(tjwt_cmd_lifetime(cmd_for("TeleportJWTLifetime", "1m", 1), d, "1m"),
            why);
    ck_assert_ptr_null(d->user);
    ck_assert_ptr_null(d->roles);
    /* The switch and the claims mode are .htaccess's to set. */
    ck_assert_ptr_null(
        tjwt_cmd_claims(cmd_for("TeleportJWTClaims", "none", 1), d, "none"));
    ck_assert_int_eq(tjwt_dir_claims_mode(d), TJWT_CLAIMS_NONE);
}
END_TEST

START_TEST(test_header_names)
{
    tjwt_dir_conf *d = fresh();

    refused(tjwt_cmd_assertion_header(
                cmd_for("TeleportJWTAssertionHeader", "Host", 0), d, "Host"),
            "Host is reserved");
    refused(tjwt_cmd_assertion_header(
                cmd_for("TeleportJWTAssertionHeader", "X:A", 0), d, "X:A"),
            "is not a header name");
    ck_assert_ptr_null(tjwt_cmd_assertion_header(
        cmd_for("TeleportJWTAssertionHeader", "Off", 0), d, "Off"));
    ck_assert_ptr_null(tjwt_dir_assertion_header(d));
    refused(tjwt_cmd_header(cmd_for("TeleportJWTHeader",
                                    "X-Forwarded-User {{internal.jwt}}", 0),
                            d, "X-Forwarded-User", "{{internal.jwt}}"),
            "is reserved");
    ck_assert_ptr_null(
        tjwt_cmd_header(cmd_for("TeleportJWTHeader", "X-A {{internal.jwt}}", 0),
                        d, "X-A", "{{internal.jwt}}"));
    refused(tjwt_cmd_header(cmd_for("TeleportJWTHeader", "x-a static", 0), d,
                            "x-a", "static"),
            "is set twice");
    refused(tjwt_cmd_assertion_header(
                cmd_for("TeleportJWTAssertionHeader", "X-A", 0), d, "X-A"),
            "already set by TeleportJWTHeader");
    refused(
        tjwt_cmd_header(cmd_for("TeleportJWTHeader", "X-B", 0), d, "X-B", ""),
        "the template is empty");
    refused(tjwt_cmd_header(cmd_for("TeleportJWTHeader", "X-B {{nope}}", 0), d,
                            "X-B", "{{nope}}"),
            "TeleportJWTHeader X-B \"{{nope}}\"");
    /* .htaccess names only what the server configuration allows, and a
     * literal from there would be any value its author likes. */
    refused(tjwt_cmd_header(cmd_for("TeleportJWTHeader", "X-C literal", 1), d,
                            "X-C", "literal"),
            "allowed here: none");
    htaccess_may_name("X-C");
    refused(tjwt_cmd_header(cmd_for("TeleportJWTHeader", "X-C literal", 1), d,
                            "X-C", "literal"),
            "must contain an {{expression}}");
}
END_TEST

START_TEST(test_sources_arguments)
{
    tjwt_dir_conf *d = fresh();

    refused(tjwt_cmd_roles(cmd_for("TeleportJWTRoles", "%{reqenv:A} \"\"", 0),
                           d, "%{reqenv:A} \"\""),
            "the separator must not be empty");
    refused(tjwt_cmd_roles(cmd_for("TeleportJWTRoles", "a b c", 0), d, "a b c"),
            "takes an expression and an optional separator");
    refused(tjwt_cmd_roles(
                cmd_for("TeleportJWTRoles", "%{tjwt_groups:/etc/groups}", 0), d,
                "%{tjwt_groups:/etc/groups}"),
            "give \":\" as the separator");
    refused(
        tjwt_cmd_trait(cmd_for("TeleportJWTTrait", "t", 0), d, "t", NULL, NULL),
        "takes a trait name, an expression");
    refused(tjwt_cmd_trait(cmd_for("TeleportJWTTrait", "a\x01 x", 0), d,
                           "a\x01", "x", NULL),
            "contain");
    ck_assert_ptr_null(d->roles);
    ck_assert_ptr_null(d->traits);
}
END_TEST

START_TEST(test_values_checked)
{
    tjwt_dir_conf *d = fresh();

    refused(tjwt_cmd_audience(cmd_for("TeleportJWTAudience", "/relative", 0), d,
                              "/relative"),
            "use an absolute URI");
    ck_assert_ptr_null(tjwt_cmd_audience(
        cmd_for("TeleportJWTAudience", "https://mcp.example/mcp", 0), d,
        "https://mcp.example/mcp"));
    ck_assert_str_eq(d->audience, "https://mcp.example/mcp");
    refused(tjwt_cmd_issuer(cmd_for("TeleportJWTIssuer", "", 0), d, ""),
            "non-empty UTF-8");
    refused(tjwt_cmd_claims(cmd_for("TeleportJWTClaims", "all", 0), d, "all"),
            "'all' is not accepted");
    /* The whole line: no control characters, not too long. */
    refused(
        tjwt_cmd_issuer(cmd_for("TeleportJWTIssuer", "a\x7f", 0), d, "a\x7f"),
        "use UTF-8 text");
    {
        char *big = apr_palloc(tjwt_test_pool, 5000);
        memset(big, 'a', 4999);
        big[4999] = '\0';
        refused(tjwt_cmd_issuer(cmd_for("TeleportJWTIssuer", big, 0), d, big),
                "longer than 4096 bytes");
    }
}
END_TEST

START_TEST(test_cache_size)
{
    tjwt_srv_conf *sc =
        ap_get_module_config(srv->module_config, &teleport_jwt_module);

    refused(
        tjwt_cmd_cache_size(cmd_for("TeleportJWTCacheSize", "0", 0), NULL, "0"),
        "from 1 to");
    refused(tjwt_cmd_cache_size(cmd_for("TeleportJWTCacheSize", "-3", 0), NULL,
                                "-3"),
            "from 1 to");
    ck_assert_ptr_null(tjwt_cmd_cache_size(
        cmd_for("TeleportJWTCacheSize", "500", 0), NULL, "500"));
    ck_assert_int_eq(sc->cache_size, 500);
    srv->is_virtual = 1;
    refused(
        tjwt_cmd_cache_size(cmd_for("TeleportJWTCacheSize", "5", 0), NULL, "5"),
        "cannot occur within <VirtualHost>");
    ck_assert_int_eq(sc->cache_size, 500);
}
END_TEST

Suite *tjwt_suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_merge_dir);
    tcase_add_test(tc, test_merge_srv);
    tcase_add_test(tc, test_lifetime_and_size);
    tcase_add_test(tc, test_server_only_directives);
    tcase_add_test(tc, test_header_names);
    tcase_add_test(tc, test_sources_arguments);
    tcase_add_test(tc, test_values_checked);
    tcase_add_test(tc, test_cache_size);
    suite_add_tcase(s, tc);
    return s;
}
