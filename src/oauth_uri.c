/* Resource and issuer identifiers. Clients compare them as strings (the
 * token's aud against the resource, the metadata's resource against the
 * URL they connected to), so only one spelling of each is accepted: a
 * URI that two clients could write differently would fail for one. */
#include "oauth_uri.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <string.h>

static int tjwt_oauth_loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "::1") == 0;
}

static int tjwt_oauth_lower(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; i < n; i++) {
        if (apr_isupper(s[i]))
            return 0;
    }
    return 1;
}

/* Where the path starts: after "scheme://authority". */
static const char *tjwt_oauth_path_of(const char *uri)
{
    const char *a = strstr(uri, "://"), *slash;

    if (!a)
        return uri + strlen(uri);
    slash = strchr(a + 3, '/');
    return slash ? slash : uri + strlen(uri);
}

const char *tjwt_oauth_uri_problem(apr_pool_t *p, const char *uri)
{
    apr_uri_t u;
    const char *c;

    for (c = uri; *c; c++) {
        if (apr_iscntrl(*c) || *c == ' ' || *c == '"' ||
            (unsigned char)*c > 126)
            return "it holds a space, a quote or a character outside "
                   "printable ASCII";
    }
    if (apr_uri_parse(p, uri, &u) != APR_SUCCESS || !u.scheme || !u.hostname ||
        !*u.hostname)
        return "it is not an absolute URI";
    if (strcasecmp(u.scheme, "https") != 0 &&
        !(strcasecmp(u.scheme, "http") == 0 && tjwt_oauth_loopback(u.hostname)))
        return "OAuth 2.1 takes https (http only for a loopback host)";
    if (u.user || u.password)
        return "it holds a user name";
    if (u.query || u.fragment || strchr(uri, '?') || strchr(uri, '#'))
        return "it has a query or a fragment";
    if (!tjwt_oauth_lower(uri, (apr_size_t)(tjwt_oauth_path_of(uri) - uri)))
        return "its scheme and host are not in lower case";
    return NULL;
}

const char *tjwt_oauth_resource_path(apr_pool_t *p, const char *resource)
{
    const char *path = tjwt_oauth_path_of(resource);

    return strcmp(path, "/") == 0 ? "" : apr_pstrdup(p, path);
}

const char *tjwt_oauth_metadata_url(apr_pool_t *p, const char *resource)
{
    const char *path = tjwt_oauth_path_of(resource);

    return apr_pstrcat(
        p, apr_pstrmemdup(p, resource, (apr_size_t)(path - resource)),
        TJWT_OAUTH_WELL_KNOWN, tjwt_oauth_resource_path(p, resource), NULL);
}

int tjwt_oauth_scope_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x21 || c > 0x7e || c == '"' || c == '\\')
            return 0;
    }
    return 1;
}
