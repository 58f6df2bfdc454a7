/* Origins of URLs (RFC 6454), kept apart from the request code so that it
 * is testable without httpd. */
#include "origin.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <string.h>

/* A location's proxy target is the same from one request to the next
 * but for its path: each thread keeps the last "scheme://host[:port]" the
 * fast path read and the origin it made of it, and a target that starts
 * with those very bytes, followed by what ends them, has that origin
 * (the fast path reads nothing past that end). Per thread: no lock. */
#define TJWT_ORIGIN_MEMO 256
typedef struct {
    apr_size_t srclen, outlen;
    char src[TJWT_ORIGIN_MEMO];
    char out[TJWT_ORIGIN_MEMO];
} tjwt_origin_memo;
static __thread tjwt_origin_memo tjwt_origin_last;

static int tjwt_authority_end(char c)
{
    return c == '\0' || c == '/' || c == '?' || c == '#';
}

/* The usual proxy target, "scheme://host[:port]" followed by nothing or
 * by '/', '?' or '#', with a host of letters, digits, '-', '.' and '_'
 * only (no user info, no IPv6 literal, no escapes), read in one pass:
 * apr_uri_parse and the copies around it cost more than everything else
 * the module does for a request whose token is cached. Returns NULL for
 * anything else, which the caller then parses in full; the unit tests
 * check that both give the same origin. */
static const char *tjwt_origin_fast(apr_pool_t *p, const char *url)
{
    const char *s = url, *h, *he, *pe;
    apr_size_t slen, hlen, i;
    unsigned long port = 0;
    char *out, *o, *scheme;
    int has_port = 0;

    if (!apr_isalpha(*s))
        return NULL;
    while (apr_isalnum(*s) || *s == '+' || *s == '-' || *s == '.')
        s++;
    if (s[0] != ':' || s[1] != '/' || s[2] != '/')
        return NULL;
    slen = (apr_size_t)(s - url);
    h = s + 3;
    for (he = h; apr_isalnum(*he) || *he == '-' || *he == '.' || *he == '_';
         he++)
        ;
    if (he == h)
        return NULL;
    hlen = (apr_size_t)(he - h);
    pe = he;
    if (*pe == ':') {
        for (pe++; apr_isdigit(*pe) && port <= 65535; pe++)
            port = port * 10 + (unsigned long)(*pe - '0');
        if (port > 65535)
            return NULL;
        has_port = pe > he + 1;
    }
    if (!tjwt_authority_end(*pe))
        return NULL;
    /* "scheme://host:65535" at most. */
    out = o = apr_palloc(p, slen + 3 + hlen + 7);
    scheme = o;
    for (i = 0; i < slen; i++)
        *o++ = (char)apr_tolower(url[i]);
    *o = '\0';
    if (has_port && port == apr_uri_port_of_scheme(scheme))
        has_port = 0;
    memcpy(o, "://", 3);
    o += 3;
    for (i = 0; i < hlen; i++)
        *o++ = (char)apr_tolower(h[i]);
    if (has_port) {
        char d[6], *e = d + sizeof(d), *q = e;
        do {
            *--q = (char)('0' + port % 10);
            port /= 10;
        } while (port);
        *o++ = ':';
        memcpy(o, q, (apr_size_t)(e - q));
        o += e - q;
    }
    *o = '\0';
    if ((apr_size_t)(pe - url) < TJWT_ORIGIN_MEMO &&
        (apr_size_t)(o - out) < TJWT_ORIGIN_MEMO) {
        tjwt_origin_memo *m = &tjwt_origin_last;
        m->srclen = (apr_size_t)(pe - url);
        memcpy(m->src, url, m->srclen);
        m->outlen = (apr_size_t)(o - out);
        memcpy(m->out, out, m->outlen);
    }
    return out;
}

const char *tjwt_url_origin_full(apr_pool_t *p, const char *url)
{
    apr_uri_t u;
    char *scheme, *host, *c;
    const char *port = "";

    if (apr_uri_parse(p, url, &u) != APR_SUCCESS || !u.scheme || !u.hostname ||
        !*u.hostname)
        return NULL;
    scheme = apr_pstrdup(p, u.scheme);
    for (c = scheme; *c; c++)
        *c = (char)apr_tolower(*c);
    host = apr_pstrdup(p, u.hostname);
    for (c = host; *c; c++)
        *c = (char)apr_tolower(*c);
    if (u.port_str && *u.port_str && u.port != apr_uri_port_of_scheme(scheme))
        port = apr_psprintf(p, ":%u", (unsigned)u.port);
    /* apr_uri_parse drops the brackets of an IPv6 literal. */
    if (strchr(host, ':'))
        host = apr_pstrcat(p, "[", host, "]", NULL);
    return apr_pstrcat(p, scheme, "://", host, port, NULL);
}

const char *tjwt_url_origin(apr_pool_t *p, const char *url)
{
    const tjwt_origin_memo *m = &tjwt_origin_last;
    const char *o;

    /* strncmp: it stops at a shorter url's end. */
    if (m->srclen && strncmp(url, m->src, m->srclen) == 0 &&
        tjwt_authority_end(url[m->srclen]))
        return apr_pstrmemdup(p, m->out, m->outlen);
    o = tjwt_origin_fast(p, url);

    return o ? o : tjwt_url_origin_full(p, url);
}
