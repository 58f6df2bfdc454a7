/* Header names. Kept apart from the configuration code so that the unit
 * tests reach them without httpd. */
#include "headers.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <string.h>

/* ASCII only, without the C library's table: header names are tokens,
 * and this runs for every request header. */
static unsigned char tjwt_fold(unsigned char c)
{
    if (c == '_')
        return '-';
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

int tjwt_same_header(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a;
    const unsigned char *y = (const unsigned char *)b;

    for (; *x && *y; x++, y++) {
        if (*x != *y && tjwt_fold(*x) != tjwt_fold(*y))
            return 0;
    }
    return *x == *y;
}

/* Whether name starts with prefix, compared as tjwt_same_header does. */
static int tjwt_header_prefix(const char *name, const char *prefix)
{
    const unsigned char *x = (const unsigned char *)name;
    const unsigned char *y = (const unsigned char *)prefix;

    for (; *y; x++, y++) {
        if (!*x || (*x != *y && tjwt_fold(*x) != tjwt_fold(*y)))
            return 0;
    }
    return 1;
}

int tjwt_name_in(const apr_array_header_t *names, const char *name)
{
    int i;

    for (i = 0; names && i < names->nelts; i++) {
        if (tjwt_same_header(name, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    }
    return 0;
}

int tjwt_is_header_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    }
    return 1;
}

int tjwt_header_reserved(const char *name)
{
    /* The proxy sets these itself, and upstreams trust them for routing
     * and client addresses; a value of a template's making in those that
     * frame the message would make the request mean something else to
     * the upstream than to Apache. */
    static const char *const reserved[] = {"Teleport-Jwt-Assertion",
                                           "Host",
                                           "Forwarded",
                                           "Via",
                                           "X-Real-Ip",
                                           "Content-Length",
                                           "Transfer-Encoding",
                                           "Connection",
                                           "Keep-Alive",
                                           "Proxy-Connection",
                                           "TE",
                                           "Trailer",
                                           "Upgrade",
                                           "Expect",
                                           NULL};
    int i;

    /* Every X-Forwarded-* (For, Host, Proto, Port, Server, Prefix, Uri,
     * Client-Cert, User, Email, ...): proxies and identity-aware
     * proxies write them, and upstreams believe them. */
    if (tjwt_header_prefix(name, "X-Forwarded-"))
        return 1;
    for (i = 0; reserved[i]; i++) {
        if (tjwt_same_header(name, reserved[i]))
            return 1;
    }
    return 0;
}

int tjwt_is_cgi_name(const char *var, const char *header)
{
    if (strncmp(var, "HTTP_", 5) != 0)
        return 0;
    for (var += 5; *var && *header; var++, header++) {
        char want = apr_isalnum(*header) ? (char)apr_toupper(*header) : '_';
        if (*var != want)
            return 0;
    }
    return !*var && !*header;
}

int tjwt_cgi_name_in(const apr_array_header_t *names, const char *var)
{
    int i;

    for (i = 0; names && i < names->nelts; i++) {
        if (tjwt_is_cgi_name(var, APR_ARRAY_IDX(names, i, const char *)))
            return 1;
    }
    return 0;
}

void tjwt_headers_from_request_header(apr_pool_t *p, const char *args,
                                      apr_array_header_t *names)
{
    char **argv = NULL;

    /* "RequestHeader action header [value ...]": mod_headers reads its
     * words the same way, quotes included. */
    if (apr_tokenize_to_argv(args, &argv, p) == APR_SUCCESS && argv[0] &&
        argv[1])
        APR_ARRAY_PUSH(names, const char *) = argv[1];
}
