/* .htaccess and identity. With AllowOverride AuthConfig an .htaccess
 * author may set up authentication of their own (AuthUserFile,
 * AuthBasicFake, AuthLDAP*, ...), with FileInfo set environment variables
 * and request headers that claim sources may read, or send the request to
 * a proxy target of their choosing (SetHandler, AddHandler, RewriteRule
 * [P]), and any module that takes per-directory hooks (mod_lua, mod_perl)
 * can set the user outright. Our own directives that decide identity are
 * refused there at parse time; the other modules' are caught here, per
 * request: httpd keeps, for every .htaccess it applied, a configuration
 * vector in which only the modules that file configured have an entry,
 * and core keeps the <If>, <ElseIf>, <Else>, <Files> and <FilesMatch>
 * sections of the file in vectors of their own, walked here too.
 *
 * An allowlist, not a list of the modules known to be dangerous: a module
 * this file has never heard of (mod_lua was one) must stop the token, not
 * pass. What is on it only narrows access or shapes the response. */
#include "htaccess.h"
#include "module.h"

#include <apr_strings.h>
#include <http_config.h>
#include <http_core.h>
#include <string.h>

static int tjwt_harmless_module(const module *m)
{
    static const char *const harmless[] = {
        "mod_access_compat.c", "mod_alias.c",        "mod_autoindex.c",
        "mod_brotli.c",        "mod_charset_lite.c", "mod_deflate.c",
        "mod_dir.c",           "mod_expires.c",      "mod_filter.c",
        "mod_include.c",       "mod_mime_magic.c",   "mod_negotiation.c",
        "mod_speling.c",       "mod_substitute.c",   NULL};
    int i;

    if (m == &teleport_jwt_module || strncmp(m->name, "mod_authz_", 10) == 0)
        return 1;
    for (i = 0; harmless[i]; i++) {
        if (strcmp(m->name, harmless[i]) == 0)
            return 1;
    }
    return 0;
}

static const char *tjwt_vector_tainted(request_rec *r, ap_conf_vector_t *v,
                                       int depth);

/* core: the sections nested in the file, and the handler. A handler set
 * there can be "proxy:..." (the token would go where the file's author
 * says, for an audience of their choosing), so any handler counts. */
static const char *tjwt_core_tainted(request_rec *r, core_dir_config *c,
                                     int depth)
{
    const apr_array_header_t *lists[2];
    const char *why;
    int i, j;

    if (c->expr_handler || c->handler)
        return "sets a handler (SetHandler)";
    lists[0] = c->sec_file;
    lists[1] = c->sec_if;
    for (i = 0; i < 2; i++) {
        for (j = 0; lists[i] && j < lists[i]->nelts; j++) {
            why = tjwt_vector_tainted(
                r, APR_ARRAY_IDX(lists[i], j, ap_conf_vector_t *), depth + 1);
            if (why)
                return why;
        }
    }
    return NULL;
}

static const char *tjwt_vector_tainted(request_rec *r, ap_conf_vector_t *v,
                                       int depth)
{
    module *m;
    void *conf;

    /* Sections nest only as deep as a file can write them; the bound
     * guards against a cycle that httpd never makes. */
    if (!v || depth > 16)
        return depth > 16 ? "nests sections too deep" : NULL;
    for (m = ap_top_module; m; m = m->next) {
        if (!(conf = ap_get_module_config(v, m)))
            continue;
        if (strcmp(m->name, "core.c") == 0) {
            const char *why = tjwt_core_tainted(r, conf, depth);
            if (why)
                return why;
        }
        else if (!tjwt_harmless_module(m)) {
            return apr_pstrcat(r->pool, "configures ", m->name,
                               depth ? " (in a section)" : "", NULL);
        }
    }
    return NULL;
}

/* The path httpd's directory walk took for r, or NULL when there was
 * none (ProxyPass skips it, and with it every .htaccess file). An
 * .htaccess RewriteRule [P] turns r->filename into "proxy:...", but the
 * walk's path stays in canonical_filename. */
static const char *tjwt_walked_path(const request_rec *r)
{
    const char *f = r->filename;

    if (f && strncmp(f, "proxy:", 6) != 0)
        return f;
    f = r->canonical_filename;
    /* ap_sub_req_lookup_file marks a name not yet walked with 1. */
    if (f && f != (const char *)1 && strncmp(f, "proxy:", 6) != 0)
        return f;
    return NULL;
}

const char *tjwt_htaccess_tainted(request_rec *r,
                                  const struct htaccess_result *list)
{
    const struct htaccess_result *h;
    const char *why, *path = tjwt_walked_path(r);

    for (h = list; h; h = h->next) {
        /* httpd keeps every file a request chain read (a redirect or a
         * subrequest inherits the list as a cache): only those of the
         * directories above the path this request's walk took apply. */
        if (!path || strncmp(path, h->dir, strlen(h->dir)) != 0)
            continue;
        if (h->htaccess && (why = tjwt_vector_tainted(r, h->htaccess, 0)))
            return apr_psprintf(r->pool, "the .htaccess file in %s %s", h->dir,
                                why);
    }
    return NULL;
}

int tjwt_in_htaccess(const cmd_parms *cmd)
{
    /* Server and section contexts carry RSRC_CONF or ACCESS_CONF in their
     * override mask; an .htaccess file carries only its AllowOverride. */
    return !(cmd->override & (RSRC_CONF | ACCESS_CONF));
}
