/* Claim sources (src/sources.c): roles, traits and the identity expiry
 * from a request's variables, as TeleportJWTRoles, TeleportJWTTrait and
 * TeleportJWTExpiry configure them (docs/claims.md). */
#include "tjwt_unit.h"
#include "httpd_stubs.h"

#include "src/claims.h"
#include "src/config.h"
#include "src/sources.h"

#include <apr_strings.h>
#include <string.h>

static server_rec *srv;
static tjwt_dir_conf *dir;
static request_rec *req;

static void setup(void)
{
    tjwt_test_pool_setup();
    srv = tjwt_test_server(tjwt_test_pool);
    dir = tjwt_create_dir_conf(tjwt_test_pool, NULL);
    req = tjwt_test_request(tjwt_test_pool, srv, dir);
}

static void roles(const char *args)
{
    const char *err = tjwt_cmd_roles(
        tjwt_test_cmd(tjwt_test_pool, srv, "TeleportJWTRoles", args, 0), dir,
        args);

    ck_assert_msg(err == NULL, "TeleportJWTRoles %s: %s", args, err);
}

static void trait(const char *name, const char *expr, const char *sep)
{
    const char *err = tjwt_cmd_trait(
        tjwt_test_cmd(tjwt_test_pool, srv, "TeleportJWTTrait",
                      apr_pstrcat(tjwt_test_pool, name, " ", expr, NULL), 0),
        dir, name, expr, sep);

    ck_assert_msg(err == NULL, "TeleportJWTTrait %s: %s", name, err);
}

/* The values of an array of strings, joined by '|'. */
static const char *joined(const apr_array_header_t *a)
{
    return apr_array_pstrcat(tjwt_test_pool, a, '|');
}

START_TEST(test_roles_split_from_variables)
{
    apr_array_header_t *r;
    const char *err = NULL;

    roles("%{reqenv:GROUPS}");
    roles("%{reqenv:MORE} \" \"");
    apr_table_set(req->subprocess_env, "GROUPS", " admin, ops,,admin ,dev");
    apr_table_set(req->subprocess_env, "MORE", "ops  audit");
    r = tjwt_sources_roles(req, dir->roles, &err);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(joined(r), "admin|ops|dev|audit");
}
END_TEST

START_TEST(test_roles_unset_variable_no_roles)
{
    apr_array_header_t *r;
    const char *err = NULL;

    roles("%{reqenv:GROUPS}");
    r = tjwt_sources_roles(req, dir->roles, &err);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(r->nelts, 0);
    /* No sources at all: an empty list, not a failure. */
    r = tjwt_sources_roles(req, NULL, &err);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->nelts, 0);
}
END_TEST

START_TEST(test_traits_merge_by_name)
{
    apr_array_header_t *t;
    const char *err = NULL;
    tjwt_trait *logins, *env;

    trait("logins", "%{reqenv:LOGINS}", NULL);
    trait("env", "%{reqenv:ENV}", ";");
    trait("logins", "%{reqenv:MORE_LOGINS}", " ");
    apr_table_set(req->subprocess_env, "LOGINS", "root,ubuntu");
    apr_table_set(req->subprocess_env, "ENV", "prod; staging;prod");
    apr_table_set(req->subprocess_env, "MORE_LOGINS", "ubuntu alice");
    t = tjwt_sources_traits(req, dir->traits, &err);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(t->nelts, 2);
    logins = &APR_ARRAY_IDX(t, 0, tjwt_trait);
    env = &APR_ARRAY_IDX(t, 1, tjwt_trait);
    ck_assert_str_eq(logins->name, "logins");
    ck_assert_str_eq(joined(logins->values), "root|ubuntu|alice");
    ck_assert_str_eq(env->name, "env");
    ck_assert_str_eq(joined(env->values), "prod|staging");
}
END_TEST

START_TEST(test_failing_expression)
{
    apr_array_header_t *srcs =
        apr_array_make(tjwt_test_pool, 2, sizeof(tjwt_value_src));
    tjwt_value_src *s = apr_array_push(srcs);
    const char *err = NULL;

    s->name = "t";
    s->sep = ",";
    s->expr = tjwt_test_expr_error(tjwt_test_pool, "boom");
    ck_assert_ptr_null(tjwt_sources_roles(req, srcs, &err));
    ck_assert_str_eq(err, "boom");
    err = NULL;
    ck_assert_ptr_null(tjwt_sources_traits(req, srcs, &err));
    ck_assert_str_eq(err, "boom");
}
END_TEST

static const struct {
    const char *value;
    int rc;
    apr_int64_t exp;
} expiries[] = {
    {"1700000000", 1, 1700000000},
    {"  1700000000 ", 1, 1700000000},
    {"", 0, 0},
    {"   ", 0, 0},
    {"0", -1, 0},
    {"-5", -1, 0},
    {"12abc", -1, 0},
    {"2024-01-01", -1, 0},
};

START_TEST(test_expiry)
{
    ap_expr_info_t *e = tjwt_test_expr_var(tjwt_test_pool, "EXP");
    apr_int64_t exp = 0;
    const char *err = NULL;
    int rc;

    apr_table_set(req->subprocess_env, "EXP", expiries[_i].value);
    rc = tjwt_sources_expiry(req, e, &exp, &err);
    ck_assert_int_eq(rc, expiries[_i].rc);
    if (rc == 1)
        ck_assert_int_eq(exp, expiries[_i].exp);
    if (rc < 0)
        ck_assert_ptr_nonnull(strstr(err, "not Unix seconds"));
    else
        ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_expiry_failing_expression)
{
    apr_int64_t exp = 0;
    const char *err = NULL;

    ck_assert_int_eq(
        tjwt_sources_expiry(req, tjwt_test_expr_error(tjwt_test_pool, "bad"),
                            &exp, &err),
        -1);
    ck_assert_str_eq(err, "bad");
}
END_TEST

Suite *tjwt_suite_sources(void)
{
    Suite *s = suite_create("sources");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, tjwt_test_pool_teardown);
    tcase_add_test(tc, test_roles_split_from_variables);
    tcase_add_test(tc, test_roles_unset_variable_no_roles);
    tcase_add_test(tc, test_traits_merge_by_name);
    tcase_add_test(tc, test_failing_expression);
    tcase_add_loop_test(tc, test_expiry, 0,
                        sizeof(expiries) / sizeof(expiries[0]));
    tcase_add_test(tc, test_expiry_failing_expression);
    suite_add_tcase(s, tc);
    return s;
}
