/* The .htaccess rule (src/htaccess.c): an allowlist of the modules an
 * .htaccess file may configure without stopping the token, sections and
 * handlers included (docs/claims.md). The files are given as httpd keeps
 * them: a list of htaccess_result, each with a configuration vector in
 * which only the modules the file configured have an entry. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/config.h"
#include "src/htaccess.h"
#include "src/request.h"

#include <apr_strings.h>
#include <http_core.h>
#include <string.h>

/* Module records as httpd would have them loaded, chained from
 * ap_top_module; only the name and the index matter here. */
static module mod_core;
static module mod_authn_file;
static module mod_authz_user;
static module mod_deflate;
static module mod_lua;

static server_rec *srv;

static void chain(module *m, const char *name, int index, module *next)
{
    m->name = name;
    m->module_index = index;
    m->next = next;
}

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_log_reset();
    srv = tjwt_test_server(tjwt_test_pool);
    chain(&mod_lua, "mod_lua.c", 5, NULL);
    chain(&mod_deflate, "mod_deflate.c", 4, &mod_lua);
    chain(&mod_authz_user, "mod_authz_user.c", 3, &mod_deflate);
    chain(&mod_authn_file, "mod_authn_file.c", 2, &mod_authz_user);
    teleport_jwt_module.next = &mod_authn_file;
    chain(&mod_core, "core.c", 0, &teleport_jwt_module);
    ap_top_module = &mod_core;
}

static ap_conf_vector_t *vector(void)
{
    return apr_pcalloc(tjwt_test_pool, sizeof(void *) * TJWT_TEST_MODULES);
}

/* A vector in which the modules given (NULL-terminated) have an entry. */
static ap_conf_vector_t *configuring(module *m, ...)
{
    ap_conf_vector_t *v = vector();
    va_list ap;

    va_start(ap, m);
    for (; m; m = va_arg(ap, module *))
        ap_set_module_config(v, m, apr_pcalloc(tjwt_test_pool, 64));
    va_end(ap);
    return v;
}

static core_dir_config *core_of(ap_conf_vector_t *v)
{
    core_dir_config *c = apr_pcalloc(tjwt_test_pool, sizeof(*c));

    ap_set_module_config(v, &mod_core, c);
    return c;
}

static struct htaccess_result *file_in(const char *dir, ap_conf_vector_t *v,
                                       const struct htaccess_result *next)
{
    struct htaccess_result *h = apr_pcalloc(tjwt_test_pool, sizeof(*h));

    h->dir = dir;
    h->htaccess = v;
    h->next = next;
    return h;
}

static request_rec *request_for(const char *filename)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, srv, NULL);

    r->filename = apr_pstrdup(r->pool, filename);
    return r;
}

START_TEST(test_harmless_modules_pass)
{
    request_rec *r = request_for("/srv/www/app/index.html");
    ap_conf_vector_t *v =
        configuring(&teleport_jwt_module, &mod_authz_user, &mod_deflate, NULL);

    core_of(v);
    ck_assert_ptr_null(tjwt_htaccess_tainted(r, file_in("/srv/www/", v, NULL)));
    ck_assert_ptr_null(tjwt_htaccess_tainted(r, NULL));
}
END_TEST

START_TEST(test_authentication_taints)
{
    request_rec *r = request_for("/srv/www/app/index.html");
    const struct htaccess_result *list = file_in(
        "/srv/www/", configuring(&mod_deflate, NULL),
        file_in("/srv/www/app/",
                configuring(&mod_authn_file, &mod_authz_user, NULL), NULL));

    ck_assert_str_eq(tjwt_htaccess_tainted(r, list),
                     "the .htaccess file in /srv/www/app/ configures "
                     "mod_authn_file.c");
}
END_TEST

/* An allowlist: a module it does not know stops the token. */
START_TEST(test_unknown_module_taints)
{
    request_rec *r = request_for("/srv/www/x");

    ck_assert_str_eq(
        tjwt_htaccess_tainted(
            r, file_in("/srv/www/", configuring(&mod_lua, NULL), NULL)),
        "the .htaccess file in /srv/www/ configures mod_lua.c");
}
END_TEST

START_TEST(test_handler_taints)
{
    request_rec *r = request_for("/srv/www/x");
    ap_conf_vector_t *v = vector();

    core_of(v)->handler = "proxy:http://elsewhere.example/";
    ck_assert_ptr_nonnull(strstr(
        tjwt_htaccess_tainted(r, file_in("/srv/www/", v, NULL)), "handler"));
}
END_TEST

START_TEST(test_sections_are_walked)
{
    request_rec *r = request_for("/srv/www/x");
    ap_conf_vector_t *v = vector(), *inner = configuring(&mod_authn_file, NULL);
    core_dir_config *c = core_of(v);

    c->sec_if = apr_array_make(tjwt_test_pool, 1, sizeof(ap_conf_vector_t *));
    APR_ARRAY_PUSH(c->sec_if, ap_conf_vector_t *) =
        configuring(&mod_deflate, NULL);
    APR_ARRAY_PUSH(c->sec_if, ap_conf_vector_t *) = inner;
    ck_assert_str_eq(tjwt_htaccess_tainted(r, file_in("/srv/www/", v, NULL)),
                     "the .htaccess file in /srv/www/ configures "
                     "mod_authn_file.c (in a section)");

    /* <Files> sections too. */
    c->sec_if = NULL;
    c->sec_file = apr_array_make(tjwt_test_pool, 1, sizeof(void *));
    APR_ARRAY_PUSH(c->sec_file, ap_conf_vector_t *) = inner;
    ck_assert_ptr_nonnull(
        tjwt_htaccess_tainted(r, file_in("/srv/www/", v, NULL)));

    /* A cycle httpd never makes still ends. */
    APR_ARRAY_IDX(c->sec_file, 0, ap_conf_vector_t *) = v;
    ck_assert_ptr_nonnull(
        strstr(tjwt_htaccess_tainted(r, file_in("/srv/www/", v, NULL)),
               "nests sections too deep"));
}
END_TEST

/* Only the files of the directories above the walked path apply; the
 * walked path survives an .htaccess RewriteRule [P]. */
START_TEST(test_only_files_on_the_path)
{
    const struct htaccess_result *list =
        file_in("/srv/other/", configuring(&mod_authn_file, NULL), NULL);
    request_rec *r = request_for("/srv/www/x");

    ck_assert_ptr_null(tjwt_htaccess_tainted(r, list));
    r = request_for("proxy:http://backend.example/x");
    r->canonical_filename = "/srv/other/x";
    ck_assert_ptr_nonnull(tjwt_htaccess_tainted(r, list));
    /* ProxyPass: no walk, no .htaccess. */
    r->canonical_filename = NULL;
    ck_assert_ptr_null(tjwt_htaccess_tainted(r, list));
    /* ap_sub_req_lookup_file's mark of a name not walked yet. */
    r->canonical_filename = (char *)1;
    ck_assert_ptr_null(tjwt_htaccess_tainted(r, list));
}
END_TEST

START_TEST(test_in_htaccess)
{
    ck_assert(
        !tjwt_in_htaccess(tjwt_test_cmd(tjwt_test_pool, srv, "X", "", 0)));
    ck_assert(tjwt_in_htaccess(tjwt_test_cmd(tjwt_test_pool, srv, "X", "", 1)));
}
END_TEST

/* The request path asks the rule: a tainted file means no token. */
START_TEST(test_tainted_request_gets_no_token)
{
    tjwt_dir_conf *d = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    tjwt_srv_conf *sc =
        ap_get_module_config(srv->module_config, &teleport_jwt_module);
    request_rec *r;

    sc->signing_key = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    d->enabled = 1;
    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    r->filename = "/srv/www/index.html";
    r->htaccess =
        file_in("/srv/www/", configuring(&mod_authn_file, NULL), NULL);
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_null(apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "no token for this request"));

    r = tjwt_test_request(tjwt_test_pool, srv, d);
    r->user = "alice";
    r->filename = "/srv/www/index.html";
    r->htaccess = file_in("/srv/www/", configuring(&mod_deflate, NULL), NULL);
    ck_assert_int_eq(tjwt_fixups(r), OK);
    ck_assert_ptr_nonnull(
        apr_table_get(r->headers_in, "Teleport-Jwt-Assertion"));
}
END_TEST

Suite *tjwt_suite_htaccess(void)
{
    Suite *s = suite_create("htaccess");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_harmless_modules_pass);
    tcase_add_test(tc, test_authentication_taints);
    tcase_add_test(tc, test_unknown_module_taints);
    tcase_add_test(tc, test_handler_taints);
    tcase_add_test(tc, test_sections_are_walked);
    tcase_add_test(tc, test_only_files_on_the_path);
    tcase_add_test(tc, test_in_htaccess);
    tcase_add_test(tc, test_tainted_request_gets_no_token);
    suite_add_tcase(s, tc);
    return s;
}
