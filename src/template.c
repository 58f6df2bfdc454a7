/* Header templates. Everything is parsed and compiled at configuration
 * time; a request only looks values up and joins strings. */
#include "template.h"
#include "claims.h"
#include "values.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <apr_lib.h>
#include <pcre2.h>
#include <apr_strings.h>
#include <string.h>

#define TJWT_TPL_ACCEPTED                                                      \
    "internal.jwt, internal.<trait>, external.<trait>, "                       \
    "email.local(<internal|external>.<trait>) or "                             \
    "regexp.replace(<internal|external>.<trait>, \"regexp\", "                 \
    "\"replacement\")"

/* PCRE2 directly rather than ap_regex: the same engine httpd uses, and
 * usable from the unit tests, which do not run inside httpd. */
struct tjwt_regex {
    pcre2_code *code;
};

static apr_status_t tjwt_regex_cleanup(void *data)
{
    pcre2_code_free(data);
    return APR_SUCCESS;
}

static struct tjwt_regex *tjwt_regex_compile(apr_pool_t *p, const char *re,
                                             const char **err)
{
    struct tjwt_regex *rx;
    int code;
    PCRE2_SIZE off;
    PCRE2_UCHAR msg[160];
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                  PCRE2_UTF, &code, &off, NULL);

    if (!c) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        *err = apr_psprintf(p,
                            "'%s' is not a valid regular expression: %s "
                            "at offset %lu",
                            re, (char *)msg, (unsigned long)off);
        return NULL;
    }
    rx = apr_palloc(p, sizeof(*rx));
    rx->code = c;
    apr_pool_cleanup_register(p, c, tjwt_regex_cleanup, apr_pool_cleanup_null);
    return rx;
}

static const char *tjwt_skip_ws(const char *s)
{
    while (apr_isspace(*s))
        s++;
    return s;
}

/* Reads a double-quoted string with \" and \\ escapes. */
static const char *tjwt_parse_quoted(apr_pool_t *p, const char **s,
                                     const char **out)
{
    const char *c = tjwt_skip_ws(*s);
    char *buf, *o;

    if (*c != '"')
        return "expected a double-quoted string";
    buf = o = apr_palloc(p, strlen(c));
    for (c++; *c && *c != '"'; c++) {
        if (*c == '\\' && (c[1] == '"' || c[1] == '\\'))
            c++;
        *o++ = *c;
    }
    if (*c != '"')
        return "unterminated string";
    *o = '\0';
    *out = buf;
    *s = c + 1;
    return NULL;
}

/* internal.name, external.name, internal["name"] or external["name"].
 * Both namespaces read the request's traits: Apache has no separate store
 * of identity-provider traits. */
static const char *tjwt_parse_var(apr_pool_t *p, const char **s,
                                  const char **trait, int *is_jwt)
{
    const char *c = tjwt_skip_ws(*s), *start, *err;
    int internal;

    *is_jwt = 0;
    if (strncmp(c, "internal", 8) == 0)
        internal = 1;
    else if (strncmp(c, "external", 8) == 0)
        internal = 0;
    else
        return "expected internal.<trait> or external.<trait>";
    c += 8;
    if (*c == '[') {
        c++;
        if ((err = tjwt_parse_quoted(p, &c, trait)))
            return err;
        c = tjwt_skip_ws(c);
        if (*c != ']')
            return "expected ] after the trait name";
        c++;
    }
    else if (*c == '.') {
        start = ++c;
        while (apr_isalnum(*c) || *c == '_' || *c == '-' || *c == ':')
            c++;
        if (c == start)
            return "expected a trait name after the dot";
        *trait = apr_pstrmemdup(p, start, c - start);
        *is_jwt = internal && strcmp(*trait, "jwt") == 0;
    }
    else {
        return "expected . or [ after internal or external";
    }
    if (!**trait)
        return "empty trait name";
    *s = c;
    return NULL;
}

static const char *tjwt_parse_expr(apr_pool_t *p, const char *expr,
                                   tjwt_template *t)
{
    const char *c = tjwt_skip_ws(expr), *err;
    int is_jwt;

    if (strncmp(c, "email.local", 11) == 0) {
        c = tjwt_skip_ws(c + 11);
        if (*c++ != '(')
            return "expected ( after email.local";
        if ((err = tjwt_parse_var(p, &c, &t->trait, &is_jwt)))
            return err;
        if (is_jwt)
            return "email.local() takes a trait, not internal.jwt";
        c = tjwt_skip_ws(c);
        if (*c++ != ')')
            return "expected ) to close email.local(";
        t->kind = TJWT_TPL_EMAIL_LOCAL;
    }
    else if (strncmp(c, "regexp.replace", 14) == 0) {
        const char *re;
        c = tjwt_skip_ws(c + 14);
        if (*c++ != '(')
            return "expected ( after regexp.replace";
        if ((err = tjwt_parse_var(p, &c, &t->trait, &is_jwt)))
            return err;
        if (is_jwt)
            return "regexp.replace() takes a trait, not internal.jwt";
        c = tjwt_skip_ws(c);
        if (*c++ != ',')
            return "expected , after the trait in regexp.replace(";
        if ((err = tjwt_parse_quoted(p, &c, &re)))
            return apr_pstrcat(p, "regexp: ", err, NULL);
        c = tjwt_skip_ws(c);
        if (*c++ != ',')
            return "expected , after the regexp in regexp.replace(";
        if ((err = tjwt_parse_quoted(p, &c, &t->repl)))
            return apr_pstrcat(p, "replacement: ", err, NULL);
        c = tjwt_skip_ws(c);
        if (*c++ != ')')
            return "expected ) to close regexp.replace(";
        t->re = tjwt_regex_compile(p, re, &err);
        if (!t->re)
            return err;
        t->kind = TJWT_TPL_REGEXP_REPLACE;
    }
    else {
        if ((err = tjwt_parse_var(p, &c, &t->trait, &is_jwt)))
            return err;
        t->kind = is_jwt ? TJWT_TPL_JWT : TJWT_TPL_TRAIT;
        if (is_jwt)
            t->trait = NULL;
    }
    if (*tjwt_skip_ws(c))
        return apr_psprintf(p, "unexpected '%s' after the expression",
                            tjwt_skip_ws(c));
    return NULL;
}

const char *tjwt_template_parse(apr_pool_t *p, const char *header,
                                const char *text, tjwt_template **out)
{
    tjwt_template *t = apr_pcalloc(p, sizeof(*t));
    const char *open = strstr(text, "{{"), *close, *err;

    t->header = header;
    t->source = text;
    if (tjwt_has_ctl(text))
        return "the template contains a control character";
    if (!open) {
        if (strstr(text, "}}"))
            return "'}}' without '{{'";
        t->kind = TJWT_TPL_LITERAL;
        t->prefix = text;
        t->suffix = "";
        *out = t;
        return NULL;
    }
    close = strstr(open + 2, "}}");
    if (!close)
        return "'{{' without '}}'";
    if (strstr(close + 2, "{{") || strstr(close + 2, "}}"))
        return "a template may hold only one {{expression}}";
    t->prefix = apr_pstrmemdup(p, text, open - text);
    t->suffix = close + 2;
    err = tjwt_parse_expr(p, apr_pstrmemdup(p, open + 2, close - open - 2), t);
    if (err)
        return apr_psprintf(p, "%s; accepted expressions: %s", err,
                            TJWT_TPL_ACCEPTED);
    *out = t;
    return NULL;
}

const char *tjwt_email_local(apr_pool_t *p, const char *value)
{
    const char *at = strchr(value, '@');

    if (!at || at == value || !at[1] || strchr(at + 1, '@'))
        return NULL;
    return apr_pstrmemdup(p, value, at - value);
}

/* Appends repl to buf, expanding $N, ${N} and $$ against the match. */
static void tjwt_expand(apr_array_header_t *buf, const char *repl,
                        const char *subject, const PCRE2_SIZE *ov, int groups)
{
    const char *c;

    for (c = repl; *c; c++) {
        int n = -1;
        if (*c == '$' && c[1] == '$') {
            APR_ARRAY_PUSH(buf, char) = '$';
            c++;
            continue;
        }
        if (*c == '$' && apr_isdigit(c[1])) {
            n = c[1] - '0';
            c++;
        }
        else if (*c == '$' && c[1] == '{' && apr_isdigit(c[2]) && c[3] == '}') {
            n = c[2] - '0';
            c += 3;
        }
        if (n < 0) {
            APR_ARRAY_PUSH(buf, char) = *c;
            continue;
        }
        /* A group that did not take part expands to nothing, as in Go. */
        if (n < groups && ov[2 * n] != PCRE2_UNSET) {
            PCRE2_SIZE i;
            for (i = ov[2 * n]; i < ov[2 * n + 1]; i++)
                APR_ARRAY_PUSH(buf, char) = subject[i];
        }
    }
}

const char *tjwt_regexp_replace(apr_pool_t *p, const struct tjwt_regex *re,
                                const char *repl, const char *value)
{
    apr_array_header_t *buf = apr_array_make(p, 64, 1);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    PCRE2_SIZE len = strlen(value), pos = 0, copied = 0, *ov;
    int matched = 0, rc;

    if (!md)
        return NULL;
    ov = pcre2_get_ovector_pointer(md);
    while (pos <= len) {
        rc = pcre2_match(re->code, (PCRE2_SPTR)value, len, pos, 0, md, NULL);
        if (rc < 0)
            break;
        matched = 1;
        while (copied < ov[0])
            APR_ARRAY_PUSH(buf, char) = value[copied++];
        tjwt_expand(buf, repl, value, ov, rc);
        copied = ov[1];
        /* After an empty match, step one character on to make progress. */
        pos = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
    }
    pcre2_match_data_free(md);
    if (!matched)
        return NULL;
    while (copied < len)
        APR_ARRAY_PUSH(buf, char) = value[copied++];
    APR_ARRAY_PUSH(buf, char) = '\0';
    return buf->elts;
}

static const apr_array_header_t *
tjwt_trait_values(const apr_array_header_t *traits, const char *name)
{
    int i;

    for (i = 0; traits && i < traits->nelts; i++) {
        const tjwt_trait *tr = &APR_ARRAY_IDX(traits, i, tjwt_trait);
        if (strcmp(tr->name, name) == 0)
            return tr->values;
    }
    return NULL;
}

apr_array_header_t *tjwt_template_eval(apr_pool_t *p, const tjwt_template *t,
                                       const char *token,
                                       const apr_array_header_t *traits)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(const char *));
    const apr_array_header_t *vals;
    int i;

    switch (t->kind) {
    case TJWT_TPL_LITERAL:
        APR_ARRAY_PUSH(out, const char *) = t->prefix;
        return out;
    case TJWT_TPL_JWT:
        if (token)
            APR_ARRAY_PUSH(out, const char *) =
                apr_pstrcat(p, t->prefix, token, t->suffix, NULL);
        return out;
    default:
        break;
    }
    vals = tjwt_trait_values(traits, t->trait);
    for (i = 0; vals && i < vals->nelts; i++) {
        const char *v = APR_ARRAY_IDX(vals, i, const char *);
        if (t->kind == TJWT_TPL_EMAIL_LOCAL)
            v = tjwt_email_local(p, v);
        else if (t->kind == TJWT_TPL_REGEXP_REPLACE)
            v = tjwt_regexp_replace(p, t->re, t->repl, v);
        /* Values that do not fit the function are dropped, as Teleport
         * does; so is one that comes out empty. */
        if (v && *v)
            APR_ARRAY_PUSH(out, const char *) =
                apr_pstrcat(p, t->prefix, v, t->suffix, NULL);
    }
    return out;
}
