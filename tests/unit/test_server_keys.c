/* Every server's signing key (src/server_keys.c): a server without
 * TeleportJWTSigningKey gets the default key, generated under ServerRoot
 * the first time and read back at every later start. */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/config.h"
#include "src/server_keys.h"

#include <apr_file_info.h>
#include <apr_strings.h>
#include <string.h>

static tjwt_srv_conf *conf_of(server_rec *s)
{
    return ap_get_module_config(s->module_config, &teleport_jwt_module);
}

START_TEST(test_default_key_generated_once)
{
    server_rec *s = tjwt_test_server(tjwt_test_pool);
    server_rec *v1 = tjwt_test_server(tjwt_test_pool);
    server_rec *v2 = tjwt_test_server(tjwt_test_pool);
    tjwt_key *own = tjwt_test_vector_key("rfc8037-a-ed25519-private.pem");
    const char *kid;
    apr_finfo_t fi;

    tjwt_test_log_reset();
    tjwt_test_server_root = tjwt_test_tmpdir(tjwt_test_pool);
    s->next = v1;
    v1->next = v2;
    conf_of(v1)->signing_key = own;
    ck_assert_int_eq(
        tjwt_server_keys_post_config(tjwt_test_pool, tjwt_test_pool, s), OK);
    ck_assert_ptr_eq(conf_of(v1)->signing_key, own);
    ck_assert_ptr_nonnull(conf_of(s)->signing_key);
    /* One default key for every server without one. */
    ck_assert_ptr_eq(conf_of(v2)->signing_key, conf_of(s)->signing_key);
    ck_assert_int_eq(conf_of(s)->signing_key->alg, TJWT_ALG_RS256);
    kid = conf_of(s)->signing_key->kid;
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "generated RSA-2048"));
    ck_assert_int_eq(apr_stat(&fi,
                              apr_pstrcat(tjwt_test_pool, tjwt_test_server_root,
                                          "/", TJWT_DEFAULT_KEY_PATH, NULL),
                              APR_FINFO_PROT, tjwt_test_pool),
                     APR_SUCCESS);

    /* A restart reads the same key; nothing is generated again. */
    tjwt_test_log_reset();
    conf_of(s)->signing_key = conf_of(v2)->signing_key = NULL;
    ck_assert_int_eq(
        tjwt_server_keys_post_config(tjwt_test_pool, tjwt_test_pool, s), OK);
    ck_assert_str_eq(conf_of(s)->signing_key->kid, kid);
    ck_assert_ptr_null(strstr(tjwt_test_log(), "generated"));
}
END_TEST

/* Fail closed: no key, no start. */
START_TEST(test_no_place_for_the_key)
{
    server_rec *s = tjwt_test_server(tjwt_test_pool);

    tjwt_test_log_reset();
    tjwt_test_server_root = "/nonexistent/tjwt-unit-root";
    ck_assert_int_eq(
        tjwt_server_keys_post_config(tjwt_test_pool, tjwt_test_pool, s),
        HTTP_INTERNAL_SERVER_ERROR);
    ck_assert_ptr_null(conf_of(s)->signing_key);
    ck_assert_ptr_nonnull(strstr(tjwt_test_log(), "set TeleportJWTSigningKey"));
}
END_TEST

Suite *tjwt_suite_server_keys(void)
{
    Suite *s = suite_create("server_keys");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_test(tc, test_default_key_generated_once);
    tcase_add_test(tc, test_no_place_for_the_key);
    suite_add_tcase(s, tc);
    return s;
}
