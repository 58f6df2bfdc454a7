/* The one network operation of the tool: fetching a JWKS over plain HTTP,
 * as `tjwt verify --jwks http://...` does. HTTP/1.1 with "Connection:
 * close", so the answer ends where the connection does; Content-Length
 * and chunked bodies are both understood. HTTPS is left to curl: the
 * tool then reads the saved file.
 *
 * The timeout is one deadline for the whole fetch (connect, send, every
 * read): a timeout per read would let a server that sends a byte now and
 * then hold the tool for ever. Name resolution is outside it (APR's
 * resolver takes no timeout); an address literal needs none. */
#include "tool.h"

#include <apr_lib.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <stdlib.h>
#include <string.h>

#include "tjwt_build.h"

/* Headers and body together; a JWKS is a few kilobytes. */
#define TJWT_HTTP_MAX (TJWT_TOOL_INPUT_MAX + 16384)

static const char *tjwt_http_errstr(apr_pool_t *p, apr_status_t rv)
{
    char buf[120];

    return apr_pstrdup(p, apr_strerror(rv, buf, sizeof(buf)));
}

/* Gives s what is left until deadline as its timeout; APR_TIMEUP once
 * nothing is left. */
static apr_status_t tjwt_http_arm(apr_socket_t *s, apr_time_t deadline)
{
    apr_interval_time_t left = deadline - apr_time_now();

    return left > 0 ? apr_socket_timeout_set(s, left) : APR_TIMEUP;
}

/* Connects to the first address of host that answers. */
static apr_socket_t *tjwt_http_connect(apr_pool_t *p, const char *host,
                                       apr_port_t port, apr_time_t deadline,
                                       apr_status_t *status, const char **err)
{
    apr_sockaddr_t *sa;
    apr_socket_t *s = NULL;
    apr_status_t rv;

    rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0, p);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot resolve %s: %s", host,
                            tjwt_http_errstr(p, rv));
        return NULL;
    }
    for (; sa; sa = sa->next) {
        rv = apr_socket_create(&s, sa->family, SOCK_STREAM, APR_PROTO_TCP, p);
        if (rv == APR_SUCCESS)
            rv = tjwt_http_arm(s, deadline);
        if (rv == APR_SUCCESS)
            rv = apr_socket_connect(s, sa);
        if (rv == APR_SUCCESS)
            return s;
        if (s)
            apr_socket_close(s);
        s = NULL;
        if (APR_STATUS_IS_TIMEUP(rv))
            break;
    }
    *status = rv;
    *err = apr_psprintf(p, "cannot connect to %s port %u: %s", host,
                        (unsigned)port, tjwt_http_errstr(p, rv));
    return NULL;
}

static apr_status_t tjwt_http_send(apr_socket_t *s, const char *req,
                                   apr_time_t deadline)
{
    apr_size_t left = strlen(req);
    apr_status_t rv;

    while (left > 0) {
        apr_size_t n = left;
        if ((rv = tjwt_http_arm(s, deadline)) != APR_SUCCESS ||
            (rv = apr_socket_send(s, req, &n)) != APR_SUCCESS)
            return rv;
        req += n;
        left -= n;
    }
    return APR_SUCCESS;
}

/* Decodes a chunked body in place; returns its length or -1. */
static long tjwt_http_dechunk(char *body, apr_size_t len)
{
    char *in = body, *end = body + len, *out = body;

    for (;;) {
        char *eol = NULL, *num_end;
        apr_int64_t n;

        if (in < end)
            eol = memchr(in, '\n', (apr_size_t)(end - in));
        if (!eol)
            return -1;
        n = apr_strtoi64(in, &num_end, 16);
        /* Only chunk extensions (";...") may follow the size. */
        if (num_end == in || n < 0 || (*num_end != ';' && *num_end != '\r'))
            return -1;
        in = eol + 1;
        if (n == 0)
            return (long)(out - body);
        if (n > end - in)
            return -1;
        memmove(out, in, (apr_size_t)n);
        out += n;
        in += n;
        if (in < end && *in == '\r')
            in++;
        if (in < end && *in == '\n')
            in++;
        else
            return -1;
    }
}

/* The value of header name in the header block head, or NULL. */
static const char *tjwt_http_header(apr_pool_t *p, const char *head,
                                    const char *name)
{
    apr_size_t nlen = strlen(name);
    const char *line = strstr(head, "\r\n");

    for (; line && line[2]; line = strstr(line + 2, "\r\n")) {
        const char *l = line + 2, *v, *e;
        if (strncasecmp(l, name, nlen) != 0 || l[nlen] != ':')
            continue;
        v = l + nlen + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        e = strstr(v, "\r\n");
        if (!e)
            e = v + strlen(v);
        while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        return apr_pstrmemdup(p, v, (apr_size_t)(e - v));
    }
    return NULL;
}

/* The message for a fetch that ran out of time. */
static const char *tjwt_http_late(apr_pool_t *p, const char *url,
                                  apr_interval_time_t timeout)
{
    return apr_psprintf(
        p, "%s: timed out: no whole answer within %" APR_TIME_T_FMT " s", url,
        apr_time_sec(timeout));
}

const char *tjwt_tool_http_get(apr_pool_t *p, const char *url,
                               apr_interval_time_t timeout, apr_size_t *len,
                               const char **err)
{
    apr_uri_t uri;
    apr_socket_t *s;
    apr_port_t port;
    char *buf, *body;
    const char *host, *path, *req, *te, *cl;
    apr_size_t got = 0;
    apr_status_t rv = APR_SUCCESS;
    apr_time_t deadline;
    int status;

    if (apr_uri_parse(p, url, &uri) != APR_SUCCESS || !uri.scheme ||
        !uri.hostname || !*uri.hostname) {
        *err = apr_psprintf(p, "%s is not a URL", url);
        return NULL;
    }
    if (strcasecmp(uri.scheme, "http") != 0) {
        *err = apr_psprintf(p,
                            "%s: only http:// URLs are fetched; save the "
                            "JWKS with curl -o jwks.json and pass the file",
                            url);
        return NULL;
    }
    port = uri.port ? uri.port : 80;
    path = uri.path && *uri.path ? uri.path : "/";
    if (uri.query)
        path = apr_pstrcat(p, path, "?", uri.query, NULL);
    /* An IPv6 literal is bracketed in Host, bare for the resolver. */
    host = strchr(uri.hostname, ':')
               ? apr_pstrcat(p, "[", uri.hostname, "]", NULL)
               : uri.hostname;
    if (uri.port_str)
        host = apr_pstrcat(p, host, ":", uri.port_str, NULL);
    req = apr_pstrcat(p, "GET ", path,
                      " HTTP/1.1\r\n"
                      "Host: ",
                      host,
                      "\r\n"
                      "Accept: application/json\r\n"
                      "User-Agent: tjwt/" PACKAGE_VERSION "\r\n"
                      "Connection: close\r\n\r\n",
                      NULL);

    deadline = apr_time_now() + timeout;
    s = tjwt_http_connect(p, uri.hostname, port, deadline, &rv, err);
    if (!s) {
        if (APR_STATUS_IS_TIMEUP(rv))
            *err = tjwt_http_late(p, url, timeout);
        return NULL;
    }
    if ((rv = tjwt_http_send(s, req, deadline)) != APR_SUCCESS) {
        apr_socket_close(s);
        *err = APR_STATUS_IS_TIMEUP(rv)
                   ? tjwt_http_late(p, url, timeout)
                   : apr_psprintf(p, "cannot send the request to %s: %s", url,
                                  tjwt_http_errstr(p, rv));
        return NULL;
    }
    buf = apr_palloc(p, TJWT_HTTP_MAX + 1);
    for (;;) {
        apr_size_t n = TJWT_HTTP_MAX - got;
        if (n == 0) {
            apr_socket_close(s);
            *err = apr_psprintf(p, "the answer from %s is too large", url);
            return NULL;
        }
        rv = tjwt_http_arm(s, deadline);
        if (rv == APR_SUCCESS) {
            rv = apr_socket_recv(s, buf + got, &n);
            got += n;
        }
        if (rv == APR_EOF)
            break;
        if (rv != APR_SUCCESS) {
            apr_socket_close(s);
            *err = APR_STATUS_IS_TIMEUP(rv)
                       ? tjwt_http_late(p, url, timeout)
                       : apr_psprintf(p, "cannot read the answer from %s: %s",
                                      url, tjwt_http_errstr(p, rv));
            return NULL;
        }
    }
    apr_socket_close(s);
    buf[got] = '\0';

    body = strstr(buf, "\r\n\r\n");
    if (got < 12 || strncmp(buf, "HTTP/1.", 7) != 0 || !body) {
        *err = apr_psprintf(p, "%s did not answer in HTTP", url);
        return NULL;
    }
    body[2] = '\0'; /* the header block keeps its last CRLF */
    body += 4;
    status = atoi(buf + 9);
    if (status != 200) {
        const char *eol = strstr(buf, "\r\n");
        *err = apr_psprintf(
            p, "%s answered %s%s", url,
            apr_pstrmemdup(p, buf + 9, (apr_size_t)(eol - buf - 9)),
            status >= 300 && status < 400 ? " (redirects are not followed)"
                                          : "");
        return NULL;
    }
    *len = got - (apr_size_t)(body - buf);
    te = tjwt_http_header(p, buf, "Transfer-Encoding");
    cl = tjwt_http_header(p, buf, "Content-Length");
    if (te && strcasecmp(te, "chunked") == 0) {
        long n = tjwt_http_dechunk(body, *len);
        if (n < 0) {
            *err = apr_psprintf(p, "%s sent a broken chunked body", url);
            return NULL;
        }
        *len = (apr_size_t)n;
    }
    else if (cl) {
        char *end;
        apr_int64_t n = apr_strtoi64(cl, &end, 10);
        if (*end || n < 0 || (apr_uint64_t)n > *len) {
            *err = apr_psprintf(p,
                                "%s sent a body shorter than its "
                                "Content-Length",
                                url);
            return NULL;
        }
        *len = (apr_size_t)n;
    }
    body[*len] = '\0';
    return body;
}
