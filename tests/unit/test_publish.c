/* Publishing keys (src/publish.c): each virtual host's key set made at
 * start-up from its signing key and TeleportJWTPublishKey's, and the
 * teleport-jwks handler that serves it. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/config.h"
#include "src/publish.h"

#include <string.h>

static server_rec *srv, *vhost;

static tjwt_srv_conf *conf_of(server_rec *s)
{
    return ap_get_module_config(s->module_config, &teleport_jwt_module);
}

static void setup(void)
{
    tjwt_test_pool_setup();
    tjwt_test_output_reset();
    srv = tjwt_test_server(tjwt_test_pool);
    vhost = tjwt_test_server(tjwt_test_pool);
    vhost->is_virtual = 1;
    srv->next = vhost;
    conf_of(srv)->signing_key =
        tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    conf_of(vhost)->signing_key =
        tjwt_test_vector_key("rfc7515-a2-rsa-private.pem");
    conf_of(vhost)->publish_keys =
        apr_array_make(tjwt_test_pool, 1, sizeof(tjwt_key *));
    APR_ARRAY_PUSH(conf_of(vhost)->publish_keys, tjwt_key *) =
        conf_of(srv)->signing_key;
}

static request_rec *get(server_rec *s, const char *handler)
{
    request_rec *r = tjwt_test_request(tjwt_test_pool, s, NULL);

    r->handler = handler;
    return r;
}

START_TEST(test_each_host_its_keys)
{
    const char *main_kid = conf_of(srv)->signing_key->kid;
    const char *vhost_kid = conf_of(vhost)->signing_key->kid;

    ck_assert_int_eq(
        tjwt_publish_post_config(tjwt_test_pool, tjwt_test_pool, srv), OK);
    ck_assert_ptr_nonnull(strstr(conf_of(srv)->jwks->body, main_kid));
    ck_assert_ptr_null(strstr(conf_of(srv)->jwks->body, vhost_kid));
    /* The virtual host publishes its own key and the one it also names. */
    ck_assert_ptr_nonnull(strstr(conf_of(vhost)->jwks->body, vhost_kid));
    ck_assert_ptr_nonnull(strstr(conf_of(vhost)->jwks->body, main_kid));
    ck_assert_str_ne(conf_of(srv)->jwks->etag, conf_of(vhost)->jwks->etag);
}
END_TEST

START_TEST(test_handler)
{
    request_rec *r;

    ck_assert_int_eq(tjwt_jwks_handler(get(srv, TJWT_JWKS_HANDLER)),
                     HTTP_INTERNAL_SERVER_ERROR);
    tjwt_publish_post_config(tjwt_test_pool, tjwt_test_pool, srv);
    ck_assert_int_eq(tjwt_jwks_handler(get(srv, "default-handler")), DECLINED);
    ck_assert_int_eq(tjwt_jwks_handler(get(srv, NULL)), DECLINED);

    r = get(vhost, TJWT_JWKS_HANDLER);
    ck_assert_int_eq(tjwt_jwks_handler(r), OK);
    ck_assert_str_eq(tjwt_test_output(), conf_of(vhost)->jwks->body);
    ck_assert_str_eq(r->content_type, "application/json");
    ck_assert_int_eq(r->clength, strlen(conf_of(vhost)->jwks->body));
    ck_assert_str_eq(apr_table_get(r->headers_out, "ETag"),
                     conf_of(vhost)->jwks->etag);
    ck_assert_ptr_nonnull(apr_table_get(r->headers_out, "Cache-Control"));

    /* HEAD: the headers without the body. */
    tjwt_test_output_reset();
    r = get(vhost, TJWT_JWKS_HANDLER);
    r->header_only = 1;
    ck_assert_int_eq(tjwt_jwks_handler(r), OK);
    ck_assert_str_eq(tjwt_test_output(), "");

    r = get(vhost, TJWT_JWKS_HANDLER);
    apr_table_set(r->headers_in, "If-None-Match", conf_of(vhost)->jwks->etag);
    ck_assert_int_eq(tjwt_jwks_handler(r), HTTP_NOT_MODIFIED);

    r = get(vhost, TJWT_JWKS_HANDLER);
    r->method = "POST";
    r->method_number = M_POST;
    ck_assert_int_eq(tjwt_jwks_handler(r), HTTP_METHOD_NOT_ALLOWED);
    ck_assert(r->allowed & (AP_METHOD_BIT << M_GET));
}
END_TEST

Suite *tjwt_suite_publish(void)
{
    Suite *s = suite_create("publish");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_each_host_its_keys);
    tcase_add_test(tc, test_handler);
    suite_add_tcase(s, tc);
    return s;
}
