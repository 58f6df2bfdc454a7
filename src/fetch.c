/* GET over HTTPS through libcurl. A key set decides whose tokens are
 * accepted, so the fetch is strict: TLS with certificate and host name
 * checks (a private CA by file, never "insecure"), https only unless the
 * caller allows http, no redirects (a redirect would let whoever answers
 * the first URL choose where the keys come from), one deadline for the
 * whole transfer (a server that trickles bytes cannot hold a thread) and
 * a cap on the body (nobody's key set is megabytes). */
#include "fetch.h"

#include <apr_strings.h>
#include <curl/curl.h>
#include <string.h>

#include "tjwt_build.h"

void tjwt_fetch_global_init(void)
{
    /* Not thread-safe in older libcurl; later calls only count. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct {
    apr_pool_t *p;
    char *buf;
    apr_size_t len, cap, max;
    int too_large;
} tjwt_fetch_body;

static size_t tjwt_fetch_write(char *data, size_t size, size_t n, void *ctx)
{
    tjwt_fetch_body *b = ctx;
    apr_size_t add = size * n;
    char *grown;

    if (add > b->max - b->len) {
        b->too_large = 1;
        return 0; /* libcurl stops with CURLE_WRITE_ERROR */
    }
    if (b->len + add + 1 > b->cap) {
        while (b->len + add + 1 > b->cap)
            b->cap = b->cap ? 2 * b->cap : 4096;
        grown = apr_palloc(b->p, b->cap);
        if (b->len)
            memcpy(grown, b->buf, b->len);
        b->buf = grown;
    }
    memcpy(b->buf + b->len, data, add);
    b->len += add;
    return add;
}

/* The message for a failed transfer, in words an operator can act on. */
static const char *tjwt_fetch_why(apr_pool_t *p, const char *url, CURLcode rc,
                                  const char *detail, const tjwt_fetch_body *b,
                                  const tjwt_fetch_opts *o)
{
    if (b->too_large)
        return apr_psprintf(
            p, "%s: the answer is too large (over %" APR_SIZE_T_FMT " bytes)",
            url, b->max);
    switch (rc) {
    case CURLE_OPERATION_TIMEDOUT:
        return apr_psprintf(p,
                            "%s: timed out: no whole answer within "
                            "%" APR_TIME_T_FMT " s",
                            url, apr_time_sec(o->timeout));
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
        return apr_psprintf(p, "%s: TLS failed: %s%s", url, detail,
                            o->ca_file ? ""
                                       : " (a private CA needs a CA file)");
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
        return apr_psprintf(p, "%s: cannot connect: %s", url, detail);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return apr_psprintf(p, "%s: only %s URLs are fetched", url,
                            o->allow_http ? "http:// and https://"
                                          : "https://");
    case CURLE_FILESIZE_EXCEEDED:
        return apr_psprintf(
            p, "%s: the answer is too large (over %" APR_SIZE_T_FMT " bytes)",
            url, b->max);
    default:
        return apr_psprintf(p, "%s: %s", url, detail);
    }
}

const char *tjwt_fetch(apr_pool_t *p, const char *url, const tjwt_fetch_opts *o,
                       apr_size_t *len, const char **err)
{
    char detail[CURL_ERROR_SIZE] = "";
    tjwt_fetch_body b;
    struct curl_slist *hdrs;
    long status = 0, ms;
    CURLcode rc;
    CURL *c;

    memset(&b, 0, sizeof(b));
    b.p = p;
    b.max = o->max_size;
    if (!(c = curl_easy_init())) {
        *err = apr_psprintf(p, "%s: cannot start libcurl", url);
        return NULL;
    }
    ms = (long)apr_time_as_msec(o->timeout);
    hdrs = curl_slist_append(NULL, "Accept: application/json");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR,
                     o->allow_http ? "http,https" : "https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    if (o->ca_file)
        curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ms);
    /* Signals are the server's: the threaded resolver keeps the deadline
     * without SIGALRM. */
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)o->max_size);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "mod_teleport_jwt/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tjwt_fetch_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (rc != CURLE_OK && !*detail)
        apr_cpystrn(detail, curl_easy_strerror(rc), sizeof(detail));
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    if (rc != CURLE_OK) {
        *err = tjwt_fetch_why(p, url, rc, detail, &b, o);
        return NULL;
    }
    if (status != 200) {
        *err = apr_psprintf(p, "%s answered %ld%s", url, status,
                            status >= 300 && status < 400
                                ? " (redirects are not followed)"
                                : "");
        return NULL;
    }
    if (!b.buf)
        b.buf = apr_palloc(p, 1);
    b.buf[b.len] = '\0';
    *len = b.len;
    return b.buf;
}
