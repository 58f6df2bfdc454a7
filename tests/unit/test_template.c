/* TeleportJWTHeader templates: parsing, errors, and what each expression
 * yields. */
#include "tjwt_unit.h"

#include "src/claims.h"
#include "src/template.h"

#include <string.h>

static apr_array_header_t *traits(void)
{
    static const char *const data[][4] = {
        {"logins", "root", "ubuntu", NULL},
        {"email", "alice@example.com", "not-an-email", "bob@corp.example"},
        {"env", "staging", "prod", "dev"},
        {"empty", NULL, NULL, NULL},
    };
    apr_array_header_t *t =
        apr_array_make(tjwt_test_pool, 4, sizeof(tjwt_trait));
    size_t i;
    int j;

    for (i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
        tjwt_trait *tr = apr_array_push(t);
        tr->name = data[i][0];
        tr->values = apr_array_make(tjwt_test_pool, 3, sizeof(char *));
        for (j = 1; j < 4 && data[i][j]; j++)
            APR_ARRAY_PUSH(tr->values, const char *) = data[i][j];
    }
    return t;
}

static const char *render(const char *tpl)
{
    tjwt_template *t = NULL;
    const char *err = tjwt_template_parse(tjwt_test_pool, "X-Test", tpl, &t);
    apr_array_header_t *v;

    ck_assert_msg(err == NULL, "'%s' refused: %s", tpl, err);
    v = tjwt_template_eval(tjwt_test_pool, t, "TOKEN", traits());
    return apr_array_pstrcat(tjwt_test_pool, v, '|');
}

static const struct {
    const char *tpl, *out;
} renders[] = {
    {"Bearer {{internal.jwt}}", "Bearer TOKEN"},
    {"{{internal.jwt}}", "TOKEN"},
    {"{{ internal.jwt }}", "TOKEN"},
    {"static value", "static value"},
    {"{{internal.logins}}", "root|ubuntu"},
    {"user-{{external.logins}}-x", "user-root-x|user-ubuntu-x"},
    {"{{internal[\"logins\"]}}", "root|ubuntu"},
    {"{{external[ \"env\" ]}}", "staging|prod|dev"},
    {"{{internal.nosuch}}", ""},
    {"{{internal.empty}}", ""},
    {"{{email.local(external.email)}}", "alice|bob"},
    {"{{email.local( internal.logins )}}", ""},
    {"{{regexp.replace(external.env, \"^(staging|dev)$\", \"$1-env\")}}",
     "staging-env|dev-env"},
    {"{{regexp.replace(internal.email, \"@.*$\", \"\")}}", "alice|bob"},
    {"{{regexp.replace(internal.env, \"o\", \"0\")}}", "pr0d"},
    {"{{regexp.replace(internal.logins, \"(u)(b)\", \"${2}$1$$\")}}",
     "bu$untu"},
    {"{{regexp.replace(internal.env, \"x\", \"y\")}}", ""},
};

START_TEST(test_render)
{
    ck_assert_str_eq(render(renders[_i].tpl), renders[_i].out);
}
END_TEST

static const struct {
    const char *tpl, *why;
} errors[] = {
    {"{{internal.jwt}} {{internal.jwt}}", "only one"},
    {"{{internal.jwt", "without '}}'"},
    {"internal.jwt}}", "without '{{'"},
    {"{{}}", "expected internal"},
    {"{{jwt}}", "expected internal"},
    {"{{internal}}", "expected ."},
    {"{{internal.}}", "trait name"},
    {"{{internal.jwt extra}}", "unexpected"},
    {"{{email.local(internal.jwt)}}", "not internal.jwt"},
    {"{{email.local(external.email}}", "expected )"},
    {"{{regexp.replace(internal.x, \"(\", \"y\")}}", "not a valid regular"},
    {"{{regexp.replace(internal.x, \"a\")}}", "expected ,"},
    {"{{regexp.replace(internal.x, a, \"b\")}}", "double-quoted"},
    {"{{internal[\"x]}}", "unterminated"},
    {"bad\rvalue", "control character"},
};

START_TEST(test_errors)
{
    tjwt_template *t = NULL;
    const char *err =
        tjwt_template_parse(tjwt_test_pool, "X-Test", errors[_i].tpl, &t);

    ck_assert_msg(err != NULL, "'%s' accepted", errors[_i].tpl);
    ck_assert_msg(strstr(err, errors[_i].why) != NULL,
                  "'%s': message '%s' does not say '%s'", errors[_i].tpl, err,
                  errors[_i].why);
}
END_TEST

/* Parse errors name what is accepted, so that configtest is actionable. */
START_TEST(test_error_lists_accepted)
{
    tjwt_template *t = NULL;
    const char *err =
        tjwt_template_parse(tjwt_test_pool, "X", "{{foo.bar}}", &t);

    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(err, "internal.jwt"));
    ck_assert_ptr_nonnull(strstr(err, "regexp.replace"));
}
END_TEST

/* Without a token (there never is one without a user) internal.jwt yields
 * nothing, so no header is sent. */
START_TEST(test_no_token_no_header)
{
    tjwt_template *t = NULL;

    ck_assert_ptr_null(tjwt_template_parse(tjwt_test_pool, "A",
                                           "Bearer {{internal.jwt}}", &t));
    ck_assert_int_eq(tjwt_template_eval(tjwt_test_pool, t, NULL, NULL)->nelts,
                     0);
}
END_TEST

START_TEST(test_email_local)
{
    ck_assert_str_eq(tjwt_email_local(tjwt_test_pool, "a.b@c"), "a.b");
    ck_assert_ptr_null(tjwt_email_local(tjwt_test_pool, "@c"));
    ck_assert_ptr_null(tjwt_email_local(tjwt_test_pool, "a@"));
    ck_assert_ptr_null(tjwt_email_local(tjwt_test_pool, "a@b@c"));
    ck_assert_ptr_null(tjwt_email_local(tjwt_test_pool, "plain"));
}
END_TEST

Suite *tjwt_suite_template(void)
{
    Suite *s = suite_create("template");
    TCase *tc = tcase_create("parse and render");

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_render, 0,
                        (int)(sizeof(renders) / sizeof(renders[0])));
    tcase_add_loop_test(tc, test_errors, 0,
                        (int)(sizeof(errors) / sizeof(errors[0])));
    tcase_add_test(tc, test_error_lists_accepted);
    tcase_add_test(tc, test_no_token_no_header);
    tcase_add_test(tc, test_email_local);
    suite_add_tcase(s, tc);
    return s;
}
