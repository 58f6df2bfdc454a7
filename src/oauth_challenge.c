/* Challenges are parsed, not pattern-matched: one field value may hold
 * several (Basic realm="a", Bearer realm="b"), and a parameter must go
 * into the Bearer challenge, not the one that happens to come last. The
 * grammar is RFC 9110 §11.2: a scheme, then a token68 or a list of
 * name=value parameters, challenges separated by commas. */
#include "oauth_challenge.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

const char *tjwt_challenge_quote(apr_pool_t *p, const char *text)
{
    char *out = apr_palloc(p, 2 * strlen(text) + 3), *o = out;

    *o++ = '"';
    for (; *text; text++) {
        if (*text == '"' || *text == '\\')
            *o++ = '\\';
        *o++ = *text;
    }
    *o++ = '"';
    *o = '\0';
    return out;
}

const char *tjwt_challenge_bearer(apr_pool_t *p, const char *error,
                                  const char *description, const char *scope)
{
    const char *v = "Bearer", *sep = " ";

    if (error) {
        v = apr_pstrcat(p, v, sep, "error=", tjwt_challenge_quote(p, error),
                        NULL);
        sep = ", ";
    }
    if (error && description) {
        v = apr_pstrcat(p, v, sep, "error_description=",
                        tjwt_challenge_quote(p, description), NULL);
        sep = ", ";
    }
    if (scope)
        v = apr_pstrcat(p, v, sep, "scope=", tjwt_challenge_quote(p, scope),
                        NULL);
    return v;
}

/* RFC 9110 tchar. */
static int tjwt_tchar(char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static const char *tjwt_skip_ows(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static const char *tjwt_token_end(const char *s)
{
    while (tjwt_tchar(*s))
        s++;
    return s;
}

/* The end of a quoted-string that starts at s, or NULL. */
static const char *tjwt_quoted_end(const char *s)
{
    for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && !*++s)
            return NULL;
    }
    return *s == '"' ? s + 1 : NULL;
}

/* One challenge as found: where it ends and what it already has. */
typedef struct {
    const char *end; /* after its last parameter (or its scheme) */
    int bearer, has_params, has_metadata, has_scope, token68;
} tjwt_chal;

/* If a token68 starts at s and ends the challenge, its end; else NULL. */
static const char *tjwt_token68(const char *s)
{
    const char *e = s, *after;

    while (apr_isalnum(*e) || (*e && strchr("-._~+/", *e)))
        e++;
    if (e == s)
        return NULL;
    while (*e == '=')
        e++;
    after = tjwt_skip_ows(e);
    return !*after || *after == ',' ? e : NULL;
}

/* Reads the challenge at s (its scheme first); returns where the next one
 * may start, or NULL when the text breaks the grammar. */
static const char *tjwt_read_challenge(const char *s, tjwt_chal *c)
{
    const char *e = tjwt_token_end(s), *name, *name_end, *t;

    if (e == s)
        return NULL;
    memset(c, 0, sizeof(*c));
    c->bearer = e - s == 6 && strncasecmp(s, "Bearer", 6) == 0;
    c->end = e;
    s = tjwt_skip_ows(e);
    if (!*s || *s == ',')
        return s;
    if (s == e) /* the scheme and what follows need a space between */
        return NULL;
    if ((t = tjwt_token68(s))) {
        c->end = t;
        c->token68 = 1;
        return tjwt_skip_ows(t);
    }
    for (;;) {
        name = tjwt_skip_ows(s);
        name_end = tjwt_token_end(name);
        if (name_end == name)
            return *name ? NULL : name;
        t = tjwt_skip_ows(name_end);
        if (*t != '=') /* the scheme of the next challenge */
            return name;
        t = tjwt_skip_ows(t + 1);
        if (*t == '"')
            t = tjwt_quoted_end(t);
        else if (tjwt_token_end(t) != t)
            t = tjwt_token_end(t);
        else
            t = NULL;
        if (!t)
            return NULL;
        c->has_params = 1;
        c->has_metadata |= name_end - name == 17 &&
                           strncasecmp(name, "resource_metadata", 17) == 0;
        c->has_scope |=
            name_end - name == 5 && strncasecmp(name, "scope", 5) == 0;
        c->end = t;
        s = tjwt_skip_ows(t);
        if (!*s)
            return s;
        if (*s != ',')
            return NULL;
        s++;
    }
}

const char *tjwt_challenge_add(apr_pool_t *p, const char *value,
                               const tjwt_challenge_params *params, int *bearer)
{
    const char *s = value, *copied = value, *out = "", *add;
    int changed = 0;
    tjwt_chal c;

    *bearer = 0;
    for (;;) {
        while (*s == ',' || *s == ' ' || *s == '\t')
            s++;
        if (!*s)
            break;
        if (!(s = tjwt_read_challenge(s, &c)))
            return NULL;
        if (!c.bearer)
            continue;
        *bearer = 1;
        /* A token68 takes no parameters beside it. */
        if (c.token68)
            continue;
        add = "";
        if (!c.has_metadata && params->metadata_url)
            add = apr_pstrcat(p, "resource_metadata=",
                              tjwt_challenge_quote(p, params->metadata_url),
                              NULL);
        if (!c.has_scope && params->scope)
            add = apr_pstrcat(p, add, *add ? ", " : "",
                              "scope=", tjwt_challenge_quote(p, params->scope),
                              NULL);
        if (!*add)
            continue;
        out = apr_pstrcat(
            p, out, apr_pstrmemdup(p, copied, (apr_size_t)(c.end - copied)),
            c.has_params ? ", " : " ", add, NULL);
        copied = c.end;
        changed = 1;
    }
    return changed ? apr_pstrcat(p, out, copied, NULL) : value;
}
