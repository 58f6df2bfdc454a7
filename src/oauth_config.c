/* OAuth protected resource directives. A scope becomes a protected
 * resource with TeleportJWTOAuthResource; the other directives may sit in
 * an outer scope and are inherited. Values are checked here, once, so
 * that configtest names the file, the line, the value and what would be
 * accepted, and the request path only reads them. */
#include "oauth_config.h"
#include "duration.h"
#include "oauth_token.h"
#include "oauth_uri.h"
#include "scope.h"
#include "values.h"

#include <apr_strings.h>

static apr_array_header_t *tjwt_oauth_declared_arr; /* tjwt_oauth_declared */

void tjwt_oauth_pre_config(apr_pool_t *pconf)
{
    tjwt_oauth_declared_arr =
        apr_array_make(pconf, 2, sizeof(tjwt_oauth_declared));
    tjwt_jwks_sources_reset(pconf);
}

const apr_array_header_t *tjwt_oauth_declared_list(void)
{
    return tjwt_oauth_declared_arr;
}

const tjwt_oauth_conf *tjwt_oauth_conf_of(const ap_conf_vector_t *per_dir)
{
    const tjwt_dir_conf *d =
        ap_get_module_config(per_dir, &teleport_jwt_module);

    return d ? d->oauth : NULL;
}

#define TJWT_OAUTH_PICK(m) (add->m ? add->m : base->m)

tjwt_oauth_conf *tjwt_oauth_merge(apr_pool_t *p, tjwt_oauth_conf *base,
                                  tjwt_oauth_conf *add)
{
    tjwt_oauth_conf *o;

    if (!base || base == add)
        return add;
    if (!add)
        return base;
    o = apr_palloc(p, sizeof(*o));
    o->resource = TJWT_OAUTH_PICK(resource);
    o->metadata_url = TJWT_OAUTH_PICK(metadata_url);
    o->expires = TJWT_OAUTH_PICK(expires);
    o->issuer = TJWT_OAUTH_PICK(issuer);
    o->jwks = TJWT_OAUTH_PICK(jwks);
    o->scopes = TJWT_OAUTH_PICK(scopes);
    o->scope_text = TJWT_OAUTH_PICK(scope_text);
    o->resource_name = TJWT_OAUTH_PICK(resource_name);
    o->subject = TJWT_OAUTH_PICK(subject);
    o->leeway = add->leeway >= 0 ? add->leeway : base->leeway;
    return o;
}

apr_int64_t tjwt_oauth_leeway(const tjwt_oauth_conf *o)
{
    return o->leeway >= 0 ? o->leeway : TJWT_OAUTH_DEFAULT_LEEWAY;
}

/* The scope's own OAuth configuration, made on first use. */
static tjwt_oauth_conf *tjwt_oauth_own(cmd_parms *cmd, void *dconf)
{
    tjwt_dir_conf *d = dconf;

    if (!d->oauth) {
        d->oauth = apr_pcalloc(cmd->pool, sizeof(*d->oauth));
        d->oauth->leeway = -1;
    }
    return d->oauth;
}

const char *tjwt_cmd_oauth_resource(cmd_parms *cmd, void *dconf,
                                    const char *arg)
{
    tjwt_oauth_conf *o = tjwt_oauth_own(cmd, dconf);
    tjwt_oauth_declared *decl;
    const char *why = tjwt_oauth_uri_problem(cmd->temp_pool, arg), *err = NULL;

    if (why)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted: %s; use the MCP "
                            "server's canonical URI, such as "
                            "https://mcp.example.com/mcp",
                            cmd->cmd->name, arg, why);
    o->resource = arg;
    o->metadata_url = tjwt_oauth_metadata_url(cmd->pool, arg);
    /* No token the module makes here outlives the access token it was
     * made from, unless TeleportJWTExpiry says otherwise. */
    o->expires = ap_expr_parse_cmd(cmd, "%{env:" TJWT_OAUTH_EXPIRES "}",
                                   AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    /* A client's Authorization header must never reach the upstream
     * (docs/mcp-authorization.md): owned, so stripped, and replaced only
     * by a TeleportJWTHeader Authorization template. */
    tjwt_own(cmd, dconf, "Authorization");
    if (tjwt_oauth_declared_arr) {
        decl = apr_array_push(tjwt_oauth_declared_arr);
        decl->server = cmd->server;
        decl->resource = arg;
    }
    return NULL;
}

const char *tjwt_cmd_oauth_issuer(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *why = tjwt_oauth_uri_problem(cmd->temp_pool, arg);

    if (why)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted: %s; use the "
                            "authorization server's issuer identifier, as "
                            "its tokens' iss holds it, such as "
                            "https://auth.example.com",
                            cmd->cmd->name, arg, why);
    tjwt_oauth_own(cmd, dconf)->issuer = arg;
    return NULL;
}

const char *tjwt_cmd_oauth_jwks(cmd_parms *cmd, void *dconf, const char *where,
                                const char *ca_file)
{
    tjwt_oauth_conf *o = tjwt_oauth_own(cmd, dconf);
    int url = strncasecmp(where, "https://", 8) == 0;
    const char *path = where, *ca = NULL, *err = NULL;
    apr_finfo_t fi;

    /* Whoever can change the keys in transit can sign any token. */
    if (strncasecmp(where, "http://", 7) == 0)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted: keys are fetched over "
                            "https only; use an https:// URL or a file",
                            cmd->cmd->name, where);
    if (url && strchr(where, '#'))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted: it has a fragment",
                            cmd->cmd->name, where);
    if (!url && !(path = ap_server_root_relative(cmd->pool, where)))
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            where);
    if (ca_file && !url)
        return apr_psprintf(cmd->pool,
                            "%s: a CA file goes with an https:// URL only",
                            cmd->cmd->name);
    if (ca_file) {
        ca = ap_server_root_relative(cmd->pool, ca_file);
        if (!ca ||
            apr_stat(&fi, ca, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS ||
            fi.filetype != APR_REG)
            return apr_psprintf(cmd->pool,
                                "%s: the CA file '%s' cannot be read; give "
                                "a file of PEM CA certificates",
                                cmd->cmd->name, ca_file);
    }
    o->jwks = tjwt_jwks_source_get(cmd->pool, path, ca, &err);
    if (!o->jwks)
        return apr_psprintf(cmd->pool,
                            "%s: %s; give a JWKS file ({\"keys\":[...]}) or "
                            "an https:// URL",
                            cmd->cmd->name, err);
    return NULL;
}

const char *tjwt_cmd_oauth_scopes(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_oauth_conf *o = tjwt_oauth_own(cmd, dconf);

    if (!tjwt_oauth_scope_ok(arg))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not a scope; a scope is printable "
                            "ASCII without spaces, '\"' or '\\'",
                            cmd->cmd->name, arg);
    /* Lines in one scope add up; an inner scope's list replaces. */
    if (!o->scopes)
        o->scopes = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(o->scopes, const char *) = arg;
    o->scope_text = apr_array_pstrcat(cmd->pool, o->scopes, ' ');
    return NULL;
}

const char *tjwt_cmd_oauth_resource_name(cmd_parms *cmd, void *dconf,
                                         const char *arg)
{
    if (!*arg || tjwt_value_problem(arg))
        return apr_psprintf(cmd->pool,
                            "%s: the name must be non-empty UTF-8 text "
                            "without control characters",
                            cmd->cmd->name);
    tjwt_oauth_own(cmd, dconf)->resource_name = arg;
    return NULL;
}

const char *tjwt_cmd_oauth_subject(cmd_parms *cmd, void *dconf, const char *arg)
{
    if (!*arg || tjwt_value_problem(arg))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; give the name of a "
                            "claim, such as sub or email",
                            cmd->cmd->name, arg);
    tjwt_oauth_own(cmd, dconf)->subject = arg;
    return NULL;
}

const char *tjwt_cmd_oauth_leeway(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_int64_t secs;
    const char *err = tjwt_duration_parse(arg, 0, TJWT_OAUTH_MAX_LEEWAY, &secs);

    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted (%s); use a duration "
                            "from 0s to 5m such as 30s",
                            cmd->cmd->name, arg, err);
    tjwt_oauth_own(cmd, dconf)->leeway = secs;
    return NULL;
}

/* configtest: an AuthType TeleportOAuth of the server configuration must
 * get a resource, an issuer and a key set, or each request there would
 * answer 500. Read from the configuration tree, without a request: a
 * value counts when it is set in the same section, an enclosing one, at
 * the top of the server (or the main server), or in a section of the
 * same kind whose path is a prefix; a value in a section whose reach
 * cannot be told here (a regex, <Files>, <If>, the other kind of path
 * section) counts too. .htaccess is only read by requests (500 there). */
typedef struct tjwt_oauth_scope {
    const struct tjwt_oauth_scope *up;
    const ap_directive_t *sec, *vhost; /* sec NULL at a server's top */
    char kind; /* 'L' <Location path>, 'D' <Directory path>, 'o' other */
    const char *path;
} tjwt_oauth_scope;

typedef struct {
    const tjwt_oauth_scope *at;
    const ap_directive_t *dir;
    int key; /* an index of tjwt_oauth_needs, or -1: the AuthType */
} tjwt_oauth_seen;

#define TJWT_OAUTH_NEEDS 3
static const char *const tjwt_oauth_needs[TJWT_OAUTH_NEEDS][2] = {
    {"TeleportJWTOAuthResource",
     "the URL MCP clients connect to, such as https://mcp.example.com/mcp"},
    {"TeleportJWTOAuthIssuer",
     "the authorization server's issuer, such as https://auth.example.com"},
    {"TeleportJWTOAuthJWKS", "its keys, an https:// URL or a JWKS file"}};

/* Sections that are no scope of their own: conditions read at start-up
 * (<IfModule>, <IfDefine>, ...), <Limit>, <RequireAll> and the like. */
static int tjwt_oauth_transparent(const char *name)
{
    return (strncasecmp(name, "<If", 3) == 0 && strcasecmp(name, "<If") != 0) ||
           strncasecmp(name, "<Limit", 6) == 0 ||
           strncasecmp(name, "<Require", 8) == 0;
}

static void tjwt_oauth_scan(apr_pool_t *p, const ap_directive_t *dir,
                            const tjwt_oauth_scope *at,
                            apr_array_header_t *seen)
{
    for (; dir; dir = dir->next) {
        const char *name = dir->directive, *args = dir->args, *word;
        tjwt_oauth_seen *x;
        int k, key = -2;

        if (dir->first_child && *name == '<') {
            tjwt_oauth_scope *in = apr_pmemdup(p, at, sizeof(*at));
            char *a = apr_pstrdup(p, args), *end = strrchr(a, '>');
            if (end)
                *end = '\0';
            word = ap_getword_conf(p, (const char **)&a);
            in->up = at;
            if (strcasecmp(name, "<VirtualHost") == 0) {
                in->vhost = dir;
                in->sec = NULL;
            }
            else if (!tjwt_oauth_transparent(name)) {
                in->sec = dir;
                in->path = word;
                in->kind = 'o';
                if (strcmp(word, "~") != 0 &&
                    strcasecmp(name, "<Location") == 0)
                    in->kind = 'L';
                if (strcmp(word, "~") != 0 &&
                    strcasecmp(name, "<Directory") == 0)
                    in->kind = 'D';
            }
            tjwt_oauth_scan(p, dir->first_child, in, seen);
            continue;
        }
        if (strcasecmp(name, "AuthType") == 0 &&
            strcasecmp(ap_getword_conf(p, &args), TJWT_OAUTH_AUTH_TYPE) == 0)
            key = -1;
        for (k = 0; k < TJWT_OAUTH_NEEDS; k++)
            if (strcasecmp(name, tjwt_oauth_needs[k][0]) == 0)
                key = k;
        if (key == -2)
            continue;
        x = apr_array_push(seen);
        x->at = at;
        x->dir = dir;
        x->key = key;
    }
}

/* Whether a value set at s reaches an AuthType at a (above). */
static int tjwt_oauth_reaches(const tjwt_oauth_scope *s,
                              const tjwt_oauth_scope *a)
{
    const tjwt_oauth_scope *u;
    int sections = 0;

    if (s->vhost && s->vhost != a->vhost)
        return 0;
    if (!s->sec || s->kind == 'o')
        return 1;
    for (u = a; u; u = u->up) {
        if (u->sec == s->sec ||
            (u->sec && u->kind == s->kind &&
             strncmp(u->path, s->path, strlen(s->path)) == 0))
            return 1;
        sections += u->sec != NULL;
    }
    /* An AuthType at a server's top, or in a section of another kind. */
    return !sections || a->kind != s->kind;
}

/* What the AuthType at a lacks, or NULL. */
static const char *tjwt_oauth_lacks(apr_pool_t *p, const tjwt_oauth_seen *a,
                                    const apr_array_header_t *seen)
{
    const char *missing = NULL;
    int k, j, found;

    for (k = 0; k < TJWT_OAUTH_NEEDS; k++) {
        for (j = 0, found = 0; j < seen->nelts && !found; j++) {
            const tjwt_oauth_seen *v = &APR_ARRAY_IDX(seen, j, tjwt_oauth_seen);
            found = v->key == k && tjwt_oauth_reaches(v->at, a->at);
        }
        if (!found)
            missing = apr_psprintf(p, "%s%s%s (%s)", missing ? missing : "",
                                   missing ? "; " : "", tjwt_oauth_needs[k][0],
                                   tjwt_oauth_needs[k][1]);
    }
    return missing;
}

int tjwt_oauth_check_config(apr_pool_t *ptemp, server_rec *s)
{
    apr_array_header_t *seen =
        apr_array_make(ptemp, 8, sizeof(tjwt_oauth_seen));
    tjwt_oauth_scope top = {NULL, NULL, NULL, 'o', ""};
    const char *missing;
    int i;

    tjwt_oauth_scan(ptemp, ap_conftree, &top, seen);
    for (i = 0; i < seen->nelts; i++) {
        const tjwt_oauth_seen *a = &APR_ARRAY_IDX(seen, i, tjwt_oauth_seen);
        const ap_directive_t *sec = a->at->sec;
        if (a->key != -1 || !(missing = tjwt_oauth_lacks(ptemp, a, seen)))
            continue;
        ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                     "mod_teleport_jwt: AuthType " TJWT_OAUTH_AUTH_TYPE
                     " on line %d of %s%s%s%s%s: missing %s; set each in "
                     "that scope or one that encloses it",
                     a->dir->line_num, a->dir->filename, sec ? " (" : "",
                     sec ? sec->directive : "", sec ? " " : "",
                     sec ? apr_pstrcat(ptemp, sec->args, ")", NULL) : "",
                     missing);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    return OK;
}
