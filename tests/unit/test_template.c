/* TeleportJWTHeader templates: parsing, errors, and what each expression
 * yields. */
#include "tjwt_unit.h"

#include "src/claims.h"
#include "src/template.h"

#include <apr_strings.h>
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

/* regexp.replace against Go's regexp.(*Regexp).ReplaceAllString, which
 * Teleport uses. Every expected value was produced by Go 1.19. out is NULL
 * when the pattern does not match, so that the value is dropped. */
static const struct {
    const char *re, *value, *repl, *out;
} replaces[] = {
    /* An empty match right after a match is not replaced. */
    {"a*", "baaac", "-", "-b-c-"},
    {".*", "abc", "X", "X"},
    {"b*", "abc", "-", "-a-c-"},
    {"a|", "abc", "-", "-b-c-"},
    /* Empty matches step one character on, not one byte. */
    {"x*", "\xc3\xa9", "-", "-\xc3\xa9-"},
    {"x*",
     "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
     "b",
     "-", "-a-\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80-b-"},
    {"", "abc", "-", "-a-b-c-"},
    {"", "", "-", "-"},
    {"$", "abc", "-", "abc-"},
    {"\\b", "ab cd", "|", "|ab| |cd|"},
    {"x", "abc", "-", NULL},
    /* A value that is not UTF-8 is dropped, like one that does not match. */
    {"a", "a\xff", "-", NULL},
    /* $ expansion as Regexp.Expand. */
    {"(a)(b)?", "a", "[$2]", "[]"},
    {"(a)", "a", "[$10]", "[]"},
    {"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)", "abcdefghij", "[$10|${1}0|$9]",
     "[j|a0|i]"},
    {"(a)", "a", "[${1}0]", "[a0]"},
    {"(a)", "a", "[$1x]", "[]"},
    {"(a)", "a", "[$$]", "[$]"},
    {"(a)", "a", "[$1$]", "[a$]"},
    {"(a)", "a", "x$", "x$"},
    {"(u)(b)", "ubuntu", "${2}$1$$", "bu$untu"},
    {"(a)", "a", "[$0|$01|${0}|${}|${1|$ 1|$-]", "[a||a|${}|${1|$ 1|$-]"},
    {"(a)", "a", "[$999999999|$1000000000]", "[|]"},
    {"(a)", "a", "[$_]", "[]"},
    /* A name runs over Unicode letters too: $1é is the group "1é". */
    {"(a)", "a", "[$1\xc3\xa9|$\xc3\xa9|${1}\xc3\xa9]", "[||a\xc3\xa9]"},
    /* Named groups. */
    {"(?P<first>a)(?P<x>b)", "ab", "[$x|${first}|$first|$nosuch|${x}y]",
     "[b|a|a||by]"},
    {"(?P<n_1>a)", "a", "[$n_1|${n_1}]", "[a|a]"},
    {"(a)(?P<n>x)?", "a", "[$n]", "[]"},
};

/* Compiles re as a template does, escaping it for the template's quotes. */
static const struct tjwt_regex *compile(const char *re)
{
    tjwt_template *t = NULL;
    char *q = apr_palloc(tjwt_test_pool, 2 * strlen(re) + 1), *o = q;
    const char *err;

    for (; *re; re++) {
        if (*re == '"' || *re == '\\')
            *o++ = '\\';
        *o++ = *re;
    }
    *o = '\0';
    err = tjwt_template_parse(
        tjwt_test_pool, "X-Test",
        apr_psprintf(tjwt_test_pool,
                     "{{regexp.replace(internal.x, \"%s\", \"\")}}", q),
        &t);
    ck_assert_msg(err == NULL, "'%s' refused: %s", q, err);
    return t->re;
}

START_TEST(test_regexp_replace)
{
    const char *out =
        tjwt_regexp_replace(tjwt_test_pool, compile(replaces[_i].re),
                            replaces[_i].repl, replaces[_i].value);

    if (!replaces[_i].out)
        ck_assert_msg(out == NULL, "/%s/ on '%s' gave '%s', not no match",
                      replaces[_i].re, replaces[_i].value, out);
    else
        ck_assert_msg(out && strcmp(out, replaces[_i].out) == 0,
                      "/%s/ on '%s' with '%s' gave '%s', not '%s'",
                      replaces[_i].re, replaces[_i].value, replaces[_i].repl,
                      out ? out : "(no match)", replaces[_i].out);
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
    tcase_add_loop_test(tc, test_regexp_replace, 0,
                        (int)(sizeof(replaces) / sizeof(replaces[0])));
    tcase_add_test(tc, test_email_local);
    suite_add_tcase(s, tc);
    return s;
}
