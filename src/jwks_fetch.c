/* Authorization servers' key sets. A source is made once per
 * configuration and shared by every scope that names it; each process
 * holds its own copy of the set (fetched in the parent before the
 * children fork, then refreshed by each child on its own). Requests take
 * a reference to the current set under a lock and verify without it, so
 * a refresh never waits for them nor they for a refresh: the fetch runs
 * unlocked, one thread at a time, and the new set is swapped in. */
#include "jwks_fetch.h"
#include "fetch.h"
#include "verify.h"

#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_thread_mutex.h>
#include <string.h>

struct tjwt_jwks_source {
    const char *where, *ca_file;
    int is_url;
    apr_thread_mutex_t *lock; /* guards what follows */
    json_t *keys;             /* the current set, or NULL */
    apr_time_t fetched;       /* when keys was read; 0: never */
    apr_time_t tried;         /* when a fetch last started */
    int fetching;
};

static apr_array_header_t *tjwt_jwks_sources; /* tjwt_jwks_source * */

static apr_status_t tjwt_jwks_source_cleanup(void *data)
{
    tjwt_jwks_source *s = data;

    json_decref(s->keys);
    s->keys = NULL;
    return APR_SUCCESS;
}

void tjwt_jwks_sources_reset(apr_pool_t *pconf)
{
    tjwt_jwks_sources = apr_array_make(pconf, 2, sizeof(tjwt_jwks_source *));
}

/* Parses and checks a set; NULL with *err. */
static json_t *tjwt_jwks_parse(apr_pool_t *p, const char *name,
                               const char *text, apr_size_t len,
                               const char **err)
{
    json_error_t je;
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    const char *bad;

    if (!doc) {
        *err = apr_psprintf(p, "%s is not JSON: %s (line %d)", name, je.text,
                            je.line);
        return NULL;
    }
    if ((bad = tjwt_jwks_check(doc)) ||
        (!json_array_size(json_object_get(doc, "keys")) &&
         (bad = "it holds no key"))) {
        *err = apr_psprintf(p, "%s is not a JWKS: %s", name, bad);
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static json_t *tjwt_jwks_read_file(apr_pool_t *p, const char *path,
                                   const char **err)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    apr_status_t rv;
    char *buf, msg[120];

    rv = apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p);
    if (rv == APR_SUCCESS)
        rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
        return NULL;
    }
    if (fi.size > TJWT_JWKS_MAX_SIZE) {
        *err = apr_psprintf(p, "%s is larger than %ld bytes", path,
                            TJWT_JWKS_MAX_SIZE);
        return NULL;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    rv = apr_file_read_full(f, buf, n, &n);
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        *err = apr_psprintf(p, "cannot read %s: %s", path,
                            apr_strerror(rv, msg, sizeof(msg)));
        return NULL;
    }
    return tjwt_jwks_parse(p, path, buf, n, err);
}

tjwt_jwks_source *tjwt_jwks_source_get(apr_pool_t *pconf, const char *where,
                                       const char *ca_file, const char **err)
{
    tjwt_jwks_source *s;
    int i, is_url = strncasecmp(where, "https://", 8) == 0;

    for (i = 0; tjwt_jwks_sources && i < tjwt_jwks_sources->nelts; i++) {
        s = APR_ARRAY_IDX(tjwt_jwks_sources, i, tjwt_jwks_source *);
        if (strcmp(s->where, where) == 0 &&
            (s->ca_file ? ca_file && strcmp(s->ca_file, ca_file) == 0
                        : !ca_file))
            return s;
    }
    s = apr_pcalloc(pconf, sizeof(*s));
    s->where = apr_pstrdup(pconf, where);
    s->ca_file = ca_file ? apr_pstrdup(pconf, ca_file) : NULL;
    s->is_url = is_url;
    if (apr_thread_mutex_create(&s->lock, APR_THREAD_MUTEX_DEFAULT, pconf) !=
        APR_SUCCESS) {
        *err = "cannot create a mutex";
        return NULL;
    }
    if (!is_url) {
        if (!(s->keys = tjwt_jwks_read_file(pconf, where, err)))
            return NULL;
        s->fetched = apr_time_now();
    }
    apr_pool_cleanup_register(pconf, s, tjwt_jwks_source_cleanup,
                              apr_pool_cleanup_null);
    if (tjwt_jwks_sources)
        APR_ARRAY_PUSH(tjwt_jwks_sources, tjwt_jwks_source *) = s;
    return s;
}

int tjwt_jwks_sources_any_url(void)
{
    int i;

    for (i = 0; tjwt_jwks_sources && i < tjwt_jwks_sources->nelts; i++) {
        if (APR_ARRAY_IDX(tjwt_jwks_sources, i, tjwt_jwks_source *)->is_url)
            return 1;
    }
    return 0;
}

json_t *tjwt_jwks_source_keys(tjwt_jwks_source *s)
{
    json_t *k;

    apr_thread_mutex_lock(s->lock);
    k = json_incref(s->keys);
    apr_thread_mutex_unlock(s->lock);
    return k;
}

int tjwt_jwks_source_stale(tjwt_jwks_source *s)
{
    int stale;

    if (!s->is_url)
        return 0;
    apr_thread_mutex_lock(s->lock);
    stale = !s->keys || apr_time_now() - s->fetched > TJWT_JWKS_MAX_AGE;
    apr_thread_mutex_unlock(s->lock);
    return stale;
}

const char *tjwt_jwks_source_name(const tjwt_jwks_source *s)
{
    return s->where;
}

int tjwt_jwks_source_refresh(tjwt_jwks_source *s, apr_pool_t *p,
                             apr_interval_time_t min_interval, const char **err)
{
    tjwt_fetch_opts fo = {TJWT_JWKS_TIMEOUT, TJWT_JWKS_MAX_SIZE, s->ca_file, 0};
    apr_time_t now = apr_time_now();
    const char *text;
    apr_size_t len;
    json_t *keys = NULL, *old = NULL;

    if (!s->is_url)
        return 0;
    apr_thread_mutex_lock(s->lock);
    if (s->fetching || (s->tried && now - s->tried < min_interval)) {
        apr_thread_mutex_unlock(s->lock);
        return 0;
    }
    s->fetching = 1;
    s->tried = now;
    apr_thread_mutex_unlock(s->lock);

    text = tjwt_fetch(p, s->where, &fo, &len, err);
    if (text)
        keys = tjwt_jwks_parse(p, s->where, text, len, err);

    apr_thread_mutex_lock(s->lock);
    s->fetching = 0;
    if (keys) {
        old = s->keys;
        s->keys = keys;
        s->fetched = apr_time_now();
    }
    apr_thread_mutex_unlock(s->lock);
    json_decref(old);
    return keys ? 1 : -1;
}

void tjwt_jwks_sources_fetch(apr_pool_t *ptemp,
                             void (*log_error)(void *ctx, const char *msg),
                             void *ctx)
{
    const char *err = NULL;
    int i;

    for (i = 0; tjwt_jwks_sources && i < tjwt_jwks_sources->nelts; i++) {
        tjwt_jwks_source *s =
            APR_ARRAY_IDX(tjwt_jwks_sources, i, tjwt_jwks_source *);
        s->tried = 0;
        if (s->is_url && tjwt_jwks_source_refresh(s, ptemp, 0, &err) < 0)
            log_error(ctx, err);
        /* Each child may fetch once at once: a key rotated in just after
         * start-up need not wait out the interval. */
        s->tried = 0;
    }
}
