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
    /* One Unicode letter or decimal digit: what Go's Regexp.Expand takes
     * as part of a $name. Compiled here, at configuration time, because
     * C has no locale-free Unicode classification and requests must not
     * compile. NULL if it could not be compiled: then only ASCII counts. */
    pcre2_code *name_char;
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
    rx->name_char =
        pcre2_compile((PCRE2_SPTR) "[\\p{L}\\p{Nd}]", PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_ANCHORED, &code, &off, NULL);
    if (rx->name_char)
        apr_pool_cleanup_register(p, rx->name_char, tjwt_regex_cleanup,
                                  apr_pool_cleanup_null);
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
    if ((err = tjwt_value_problem(text)))
        return apr_pstrcat(p, "the template contains ", err, NULL);
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

/* The length of the character at s if it may be part of a $name in a
 * replacement, else 0. Go's Regexp.Expand takes a name as the longest run
 * of Unicode letters, decimal digits and '_' (unicode.IsLetter, IsDigit),
 * so "$1é" names a group "1é" rather than group 1 followed by "é". */
static size_t tjwt_name_char(const struct tjwt_regex *re, const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n;
    pcre2_match_data *md;
    int rc;

    if (c < 0x80)
        return apr_isalnum(c) || c == '_' ? 1 : 0;
    if (!re->name_char)
        return 0;
    /* The length the lead byte announces. A malformed sequence fails
     * PCRE2's UTF check and so ends the name, as in Go, which decodes it
     * as U+FFFD, neither a letter nor a digit. */
    n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (strnlen(s, n) < n)
        return 0;
    md = pcre2_match_data_create(1, NULL);
    if (!md)
        return 0;
    rc = pcre2_match(re->name_char, (PCRE2_SPTR)s, n, 0, 0, md, NULL);
    pcre2_match_data_free(md);
    return rc > 0 ? n : 0;
}

/* The group a $name stands for, or -1 if there is none. As in Go, a name
 * of decimal digits without a leading zero is a group number, and any
 * other name is a group name: "$01" and "$1x" name groups that cannot
 * exist, so they expand to nothing. */
static int tjwt_group_number(apr_pool_t *p, const struct tjwt_regex *re,
                             const char *name, size_t len)
{
    size_t i;
    int num = 0;

    for (i = 0; i < len; i++) {
        /* Go's bound, which also keeps num from overflowing. */
        if (name[i] < '0' || name[i] > '9' || num >= 100000000) {
            num = -1;
            break;
        }
        num = num * 10 + (name[i] - '0');
    }
    if (name[0] == '0' && len > 1)
        num = -1;
    if (num >= 0)
        return num;
    num = pcre2_substring_number_from_name(
        re->code, (PCRE2_SPTR)apr_pstrmemdup(p, name, len));
    return num < 0 ? -1 : num;
}

/* Appends repl to buf, expanding it against the match as Go's
 * Regexp.Expand does: $name and ${name} stand for a capture, by number
 * or by name; $$ for $; a $ that starts neither is copied as it is. */
static void tjwt_expand(apr_pool_t *p, apr_array_header_t *buf,
                        const struct tjwt_regex *re, const char *repl,
                        const char *subject, const PCRE2_SIZE *ov, int groups)
{
    const char *c = repl;

    while (*c) {
        const char *name, *end;
        size_t w;
        int brace, n;

        if (*c != '$') {
            APR_ARRAY_PUSH(buf, char) = *c++;
            continue;
        }
        c++;
        if (*c == '$') {
            APR_ARRAY_PUSH(buf, char) = '$';
            c++;
            continue;
        }
        brace = *c == '{';
        name = end = c + brace;
        while ((w = tjwt_name_char(re, end)))
            end += w;
        if (end == name || (brace && *end != '}')) {
            /* Not a name: the $ is literal text, and what follows it is
             * read again as such. */
            APR_ARRAY_PUSH(buf, char) = '$';
            continue;
        }
        c = end + brace;
        n = tjwt_group_number(p, re, name, end - name);
        /* No such group, or one that did not take part: nothing, as in
         * Go. pcre2_match leaves groups from rc on unset. */
        if (n >= 0 && n < groups && ov[2 * (apr_size_t)n] != PCRE2_UNSET) {
            PCRE2_SIZE i;
            for (i = ov[2 * (apr_size_t)n]; i < ov[2 * (apr_size_t)n + 1]; i++)
                APR_ARRAY_PUSH(buf, char) = subject[i];
        }
    }
}

/* The offset of the character after the one at pos. value is valid UTF-8
 * (pcre2_match has checked it), so skipping continuation bytes is enough;
 * past the end it is len + 1, which ends the search. */
static PCRE2_SIZE tjwt_next_char(const char *value, PCRE2_SIZE len,
                                 PCRE2_SIZE pos)
{
    if (pos >= len)
        return len + 1;
    for (pos++; pos < len && ((unsigned char)value[pos] & 0xc0) == 0x80; pos++)
        ;
    return pos;
}

const char *tjwt_regexp_replace(apr_pool_t *p, const struct tjwt_regex *re,
                                const char *repl, const char *value)
{
    apr_array_header_t *buf = apr_array_make(p, 64, 1);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    PCRE2_SIZE len = strlen(value), pos = 0, last = 0, *ov;
    int matched = 0, replace, rc;

    if (!md)
        return NULL;
    ov = pcre2_get_ovector_pointer(md);
    /* Go's ReplaceAllString loop. A value that is not valid UTF-8 fails
     * the first pcre2_match and is dropped like one that does not match. */
    while (pos <= len) {
        rc = pcre2_match(re->code, (PCRE2_SPTR)value, len, pos, 0, md, NULL);
        if (rc < 0)
            break;
        matched = 1;
        /* Go does not replace an empty match right after the previous
         * match, so that a pattern that matches both empty and non-empty
         * text replaces a run once: "a*" on "baaac" gives "-b-c-", and
         * ".*" on "abc" gives "X", not "XX". Tested before the copy below
         * moves last. */
        replace = ov[1] > last || ov[0] == 0;
        while (last < ov[0])
            APR_ARRAY_PUSH(buf, char) = value[last++];
        if (replace)
            tjwt_expand(p, buf, re, repl, value, ov, rc);
        last = ov[1];
        /* After an empty match, step one character on, not one byte: a
         * byte would land inside a multi-byte character, which PCRE2
         * refuses as a start offset, ending the loop early. (When the
         * empty match is past pos, Go first searches at it again, finds
         * it again and skips it; stepping at once gives the same.) */
        pos = ov[1] > ov[0] ? ov[1] : tjwt_next_char(value, len, ov[1]);
    }
    pcre2_match_data_free(md);
    if (!matched)
        return NULL;
    while (last < len)
        APR_ARRAY_PUSH(buf, char) = value[last++];
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
