/* Configuration: directive parsing happens here, once, so that the request
 * path only reads ready values. */
#include "config.h"
#include "cache_mem.h"
#include "duration.h"
#include "htaccess.h"
#include "oauth_config.h"
#include "sources.h"
#include "template.h"
#include "values.h"

#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_uri.h>
#include <http_core.h>
#include <http_log.h>

/* Directives that decide what a token asserts are accepted by httpd in
 * .htaccess (so that it reaches us) and refused here with a reason. */
static const char *tjwt_server_only(cmd_parms *cmd)
{
    if (!tjwt_in_htaccess(cmd))
        return NULL;
    return apr_psprintf(cmd->pool,
                        "%s is not allowed in .htaccess: it decides what the "
                        "token asserts; set it in the server configuration "
                        "(.htaccess may use TeleportJWT, TeleportJWTClaims, "
                        "TeleportJWTAssertionHeader and TeleportJWTHeader)",
                        cmd->cmd->name);
}

/* The longest directive line the module takes: far more than any name,
 * expression or template needs, and less than a token may be long. */
#define TJWT_MAX_LINE 4096

/* Why the arguments of the directive being read cannot be used, or NULL:
 * too long, or not UTF-8 text (a claim or a header can be nothing
 * else). A tab only separates arguments. */
static const char *tjwt_line_problem(cmd_parms *cmd)
{
    const char *args = cmd->directive ? cmd->directive->args : NULL, *why;
    char *copy, *c;

    if (!args)
        return NULL;
    if (strlen(args) > TJWT_MAX_LINE)
        return apr_psprintf(cmd->pool,
                            "%s: the arguments are longer than %d bytes",
                            cmd->cmd->name, TJWT_MAX_LINE);
    copy = apr_pstrdup(cmd->temp_pool, args);
    for (c = copy; *c; c++) {
        if (*c == '\t')
            *c = ' ';
    }
    if ((why = tjwt_value_problem(copy)))
        return apr_psprintf(cmd->pool,
                            "%s: the arguments contain %s; use UTF-8 text",
                            cmd->cmd->name, why);
    return NULL;
}

/* Returns from a directive handler whose arguments cannot be used. */
#define TJWT_ARGS_OK(cmd)                                                      \
    do {                                                                       \
        const char *bad_ = tjwt_line_problem(cmd);                             \
        if (bad_)                                                              \
            return bad_;                                                       \
    } while (0)

/* Returns from a directive handler that is being read from .htaccess. */
#define TJWT_SERVER_ONLY(cmd)                                                  \
    do {                                                                       \
        const char *refused_ = tjwt_server_only(cmd);                          \
        if (refused_)                                                          \
            return refused_;                                                   \
    } while (0)

void *tjwt_create_dir_conf(apr_pool_t *p, char *dir)
{
    tjwt_dir_conf *d = apr_pcalloc(p, sizeof(*d));

    (void)dir;
    d->enabled = TJWT_UNSET;
    d->claims_mode = TJWT_UNSET;
    d->lifetime = TJWT_UNSET;
    d->max_size = TJWT_UNSET;
    return d;
}

#define TJWT_MERGE_PTR(m) (add->m ? add->m : base->m)
#define TJWT_MERGE_INT(m) (add->m != TJWT_UNSET ? add->m : base->m)

/* Merges run on every request for most scopes: share a list when only
 * one side has one, as nearly always. Duplicates do no harm. */
static apr_array_header_t *
tjwt_names_union(apr_pool_t *p, apr_array_header_t *a, apr_array_header_t *b)
{
    if (!a || a == b)
        return b;
    if (!b)
        return a;
    return apr_array_append(p, a, b);
}

void *tjwt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    tjwt_dir_conf *base = basev, *add = addv;
    tjwt_dir_conf *d = apr_palloc(p, sizeof(*d));

    d->enabled = TJWT_MERGE_INT(enabled);
    d->claims_mode = TJWT_MERGE_INT(claims_mode);
    d->assertion_header = TJWT_MERGE_PTR(assertion_header);
    d->issuer = TJWT_MERGE_PTR(issuer);
    d->audience = TJWT_MERGE_PTR(audience);
    d->user = TJWT_MERGE_PTR(user);
    d->lifetime = TJWT_MERGE_INT(lifetime);
    d->max_size = TJWT_MERGE_INT(max_size);
    d->roles = TJWT_MERGE_PTR(roles);
    d->traits = TJWT_MERGE_PTR(traits);
    d->expiry = TJWT_MERGE_PTR(expiry);
    d->oauth = tjwt_oauth_merge(p, base->oauth, add->oauth);
    /* In an OAuth resource the token ends with the access token. */
    if (!d->expiry && d->oauth)
        d->expiry = d->oauth->expires;
    d->headers = TJWT_MERGE_PTR(headers);
    d->headers_htaccess =
        add->headers ? add->headers_htaccess : base->headers_htaccess;
    d->owned = tjwt_names_union(p, base->owned, add->owned);
    d->owned_by_server =
        tjwt_names_union(p, base->owned_by_server, add->owned_by_server);
    return d;
}

void *tjwt_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(tjwt_srv_conf));
}

void *tjwt_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    tjwt_srv_conf *base = basev, *add = addv;
    tjwt_srv_conf *s = apr_pcalloc(p, sizeof(*s));

    s->signing_key = TJWT_MERGE_PTR(signing_key);
    s->publish_keys = TJWT_MERGE_PTR(publish_keys);
    s->cache = TJWT_MERGE_PTR(cache);
    s->cache_size = add->cache_size ? add->cache_size : base->cache_size;
    s->htaccess_headers = TJWT_MERGE_PTR(htaccess_headers);
    return s;
}

const char *tjwt_cmd_cache_size(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *sc =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    char *end = NULL;
    apr_int64_t n;

    (void)dconf;
    if (err)
        return err;
    n = apr_strtoi64(arg, &end, 10);
    /* Each process allocates the slots at start: a bound keeps a typo
     * from reserving gigabytes per child. */
    if (!apr_isdigit(*arg) || *end || n < 1 || n > TJWT_CACHE_SIZE_MAX)
        return apr_psprintf(cmd->pool,
                            "TeleportJWTCacheSize '%s': expected a number of "
                            "tokens per process from 1 to %d (default %d)",
                            arg, TJWT_CACHE_SIZE_MAX, TJWT_CACHE_SIZE_DEFAULT);
    sc->cache_size = (int)n;
    return NULL;
}

const char *tjwt_cmd_enable(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    ((tjwt_dir_conf *)dconf)->enabled = on ? 1 : 0;
    return NULL;
}

const char *tjwt_cmd_claims(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_claims_mode_e mode;

    TJWT_ARGS_OK(cmd);
    if (tjwt_claims_mode_parse(arg, &mode) != 0)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use roles-and-traits, "
                            "roles, traits or none",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->claims_mode = (int)mode;
    return NULL;
}

static const char *tjwt_htaccess_name_refused(cmd_parms *cmd, const char *name);

const char *tjwt_cmd_assertion_header(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    tjwt_dir_conf *d = dconf;
    const char *err;

    TJWT_ARGS_OK(cmd);
    if (strcasecmp(arg, "Off") == 0) {
        d->assertion_header = "";
        return NULL;
    }
    if (!tjwt_is_header_name(arg))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not a header name; use a name made "
                            "of letters, digits and -, or Off",
                            cmd->cmd->name, arg);
    if (tjwt_same_header(arg, TJWT_DEFAULT_ASSERTION_HEADER)) {
        d->assertion_header = arg;
        tjwt_own(cmd, d, arg);
        return NULL;
    }
    if (tjwt_header_reserved(arg))
        return apr_psprintf(cmd->pool,
                            "%s: %s is reserved (" TJWT_RESERVED_TEXT
                            "); choose another name",
                            cmd->cmd->name, arg);
    if (tjwt_in_htaccess(cmd) && (err = tjwt_htaccess_name_refused(cmd, arg)))
        return err;
    if (tjwt_dir_has_header(d, arg))
        return apr_psprintf(cmd->pool,
                            "%s: %s is already set by TeleportJWTHeader in "
                            "this scope",
                            cmd->cmd->name, arg);
    d->assertion_header = arg;
    tjwt_own(cmd, d, arg);
    return NULL;
}

const char *tjwt_cmd_issuer(cmd_parms *cmd, void *dconf, const char *arg)
{
    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    if (!*arg || tjwt_value_problem(arg))
        return apr_psprintf(cmd->pool,
                            "%s: the issuer must be a non-empty UTF-8 "
                            "string without control characters",
                            cmd->cmd->name);
    ((tjwt_dir_conf *)dconf)->issuer = arg;
    return NULL;
}

const char *tjwt_cmd_audience(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_uri_t uri;

    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    if (strcasecmp(arg, "auto") == 0) {
        ((tjwt_dir_conf *)dconf)->audience = "auto";
        return NULL;
    }
    if (tjwt_value_problem(arg) ||
        apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme ||
        !uri.hostname || !*uri.hostname)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use an absolute URI "
                            "such as https://mcp.example.com/mcp, or auto",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->audience = arg;
    return NULL;
}

static const char *tjwt_parse_expr(cmd_parms *cmd, const char *arg,
                                   ap_expr_info_t **out);

const char *tjwt_cmd_user(cmd_parms *cmd, void *dconf, const char *arg)
{
    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    return tjwt_parse_expr(cmd, arg, &((tjwt_dir_conf *)dconf)->user);
}

const char *tjwt_cmd_lifetime(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_int64_t secs;
    const char *err;

    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    err = tjwt_duration_parse(arg, 1, TJWT_MAX_LIFETIME, &secs);
    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted (%s); use a duration "
                            "from 1s to 24h such as 90s, 10m or 1h",
                            cmd->cmd->name, arg, err);
    ((tjwt_dir_conf *)dconf)->lifetime = secs;
    return NULL;
}

const char *tjwt_cmd_max_size(cmd_parms *cmd, void *dconf, const char *arg)
{
    char *end;
    apr_int64_t n;

    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    n = apr_strtoi64(arg, &end, 10);
    /* Below a few hundred bytes not even a bare token fits. */
    if (*end || n < 512 || n > 1048576)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use a number of bytes "
                            "from 512 to 1048576",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->max_size = n;
    return NULL;
}

int tjwt_dir_has_header(const tjwt_dir_conf *d, const char *name)
{
    int i;

    for (i = 0; d->headers && i < d->headers->nelts; i++) {
        if (tjwt_same_header(
                name, APR_ARRAY_IDX(d->headers, i, tjwt_template *)->header))
            return 1;
    }
    return 0;
}

/* Reserved everywhere, and in scope d the assertion header too. */
static int tjwt_reserved_here(const char *name, const tjwt_dir_conf *d)
{
    return tjwt_header_reserved(name) ||
           (d && d->assertion_header && *d->assertion_header &&
            tjwt_same_header(name, d->assertion_header));
}

/* What the whole server configuration says, gathered while it is read
 * and checked once it is all read (tjwt_config_check): the headers that
 * RequestHeader sets or edits, which an .htaccess template may not take
 * over; the trait names TeleportJWTTrait defines; and the templates that
 * read a trait, each of which must name a defined one. Per generation:
 * tjwt_config_pre_config empties them. */
typedef struct {
    const char *name, *file;
    int line;
} tjwt_config_header;
static apr_array_header_t *tjwt_request_headers; /* tjwt_config_header */
static apr_array_header_t *tjwt_defined_traits;  /* const char * */
static apr_array_header_t *tjwt_trait_templates; /* tjwt_config_header */
/* Sections that send the token in a template as well as (unless they
 * turn it off) in the assertion header. */
typedef struct {
    const tjwt_dir_conf *d;
    const char *header, *file;
    int line;
} tjwt_config_jwt_template;
static apr_array_header_t *tjwt_jwt_templates;

/* Node's default limit on all request headers together (16 KiB); Apache
 * and nginx limit each line, which TeleportJWTMaxSize already bounds. */
#define TJWT_NODE_HEADERS_LIMIT 16384
/* What the request's other headers take, roughly. */
#define TJWT_OTHER_HEADERS 1024

void tjwt_config_pre_config(apr_pool_t *pconf)
{
    tjwt_request_headers = apr_array_make(pconf, 4, sizeof(tjwt_config_header));
    tjwt_defined_traits = apr_array_make(pconf, 4, sizeof(const char *));
    tjwt_trait_templates = apr_array_make(pconf, 4, sizeof(tjwt_config_header));
    tjwt_jwt_templates =
        apr_array_make(pconf, 4, sizeof(tjwt_config_jwt_template));
}

/* Warns where a section's token can make the request's headers larger
 * than a default Node upstream takes (docs/claims.md, "Size"). */
static void tjwt_warn_header_total(server_rec *s, int level)
{
    int i;

    for (i = 0; tjwt_jwt_templates && i < tjwt_jwt_templates->nelts; i++) {
        const tjwt_config_jwt_template *t =
            &APR_ARRAY_IDX(tjwt_jwt_templates, i, tjwt_config_jwt_template);
        apr_int64_t worst;
        if (t->d->assertion_header && !*t->d->assertion_header)
            continue;
        worst = 2 * tjwt_dir_max_size(t->d);
        if (worst + TJWT_OTHER_HEADERS > TJWT_NODE_HEADERS_LIMIT)
            ap_log_error(APLOG_MARK, level, 0, s,
                         "mod_teleport_jwt: TeleportJWTHeader %s on line %d "
                         "of %s sends the token beside the assertion header: "
                         "up to %" APR_INT64_T_FMT " bytes of headers, more "
                         "than the 16 KiB a default Node upstream accepts "
                         "(431); set TeleportJWTAssertionHeader Off there, "
                         "or TeleportJWTMaxSize 7000 or less",
                         t->header, t->line, t->file, worst);
    }
}

static void tjwt_scan_directives(apr_pool_t *p, const ap_directive_t *dir)
{
    apr_array_header_t *one = apr_array_make(p, 1, sizeof(const char *));

    for (; dir; dir = dir->next) {
        if (strcasecmp(dir->directive, "RequestHeader") == 0) {
            tjwt_config_header *h;
            apr_array_clear(one);
            tjwt_headers_from_request_header(p, dir->args, one);
            if (one->nelts) {
                h = apr_array_push(tjwt_request_headers);
                h->name = APR_ARRAY_IDX(one, 0, const char *);
                h->file = dir->filename;
                h->line = dir->line_num;
            }
        }
        tjwt_scan_directives(p, dir->first_child);
    }
}

/* Edit distance of two short names, for "did you mean". */
static apr_size_t tjwt_distance(apr_pool_t *p, const char *a, const char *b)
{
    apr_size_t la = strlen(a), lb = strlen(b), i, j;
    apr_size_t *row = apr_palloc(p, (lb + 1) * sizeof(*row)), diag, up;

    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            up = row[j];
            row[j] = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < row[j])
                row[j] = up + 1;
            if (row[j - 1] + 1 < row[j])
                row[j] = row[j - 1] + 1;
            diag = up;
        }
    }
    return row[lb];
}

/* Why a template's trait is not defined, with the traits that are and
 * the nearest name; NULL when it is defined. */
static const char *tjwt_unknown_trait(apr_pool_t *p, const char *trait)
{
    const char *best = "jwt", *known;
    apr_size_t d, bestd = tjwt_distance(p, trait, "jwt");
    int i;

    for (i = 0; tjwt_defined_traits && i < tjwt_defined_traits->nelts; i++) {
        const char *t = APR_ARRAY_IDX(tjwt_defined_traits, i, const char *);
        if (strcmp(t, trait) == 0)
            return NULL;
        if ((d = tjwt_distance(p, trait, t)) < bestd)
            bestd = d, best = t;
    }
    known = tjwt_defined_traits && tjwt_defined_traits->nelts
                ? apr_array_pstrcat(p, tjwt_defined_traits, ',')
                : "none";
    return apr_psprintf(p,
                        "the template reads the trait '%s', which no "
                        "TeleportJWTTrait in the server configuration "
                        "defines (defined: %s)%s%s%s",
                        trait, known,
                        bestd <= 2 ? "; did you mean internal." : "",
                        bestd <= 2 ? best : "", bestd <= 2 ? "?" : "");
}

int tjwt_config_check(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    int i;

    tjwt_scan_directives(pconf, ap_conftree);
    /* configtest has no error log: its warnings go to the console. */
    if (ap_state_query(AP_SQ_RUN_MODE) == AP_SQ_RM_CONFIG_TEST)
        tjwt_warn_header_total(s, APLOG_STARTUP | APLOG_WARNING);
    for (i = 0; tjwt_trait_templates && i < tjwt_trait_templates->nelts; i++) {
        const tjwt_config_header *t =
            &APR_ARRAY_IDX(tjwt_trait_templates, i, tjwt_config_header);
        const char *why = tjwt_unknown_trait(ptemp, t->name);
        if (why) {
            ap_log_error(APLOG_MARK, APLOG_STARTUP | APLOG_CRIT, 0, s,
                         "mod_teleport_jwt: TeleportJWTHeader on line %d of "
                         "%s: %s",
                         t->line, t->file, why);
            return HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    return OK;
}

void tjwt_config_post_config(server_rec *s)
{
    /* A start or restart: the error log is open now, which it is not in
     * check_config. The first of the two passes at start-up is skipped
     * (it would log the same twice). */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG)
        tjwt_warn_header_total(s, APLOG_WARNING);
}

/* Why an .htaccess file may not name header, or NULL if it may: only
 * names the server configuration allows (TeleportJWTHtaccessHeaders),
 * never one that RequestHeader sets there. */
static const char *tjwt_htaccess_name_refused(cmd_parms *cmd, const char *name)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    int i;

    if (!tjwt_name_in(s->htaccess_headers, name))
        return apr_psprintf(
            cmd->pool,
            "%s %s: in .htaccess only the headers that the server "
            "configuration allows with TeleportJWTHtaccessHeaders may be "
            "named (allowed here: %s)",
            cmd->cmd->name, name,
            s->htaccess_headers
                ? apr_array_pstrcat(cmd->pool, s->htaccess_headers, ' ')
                : "none");
    for (i = 0; tjwt_request_headers && i < tjwt_request_headers->nelts; i++) {
        const tjwt_config_header *h =
            &APR_ARRAY_IDX(tjwt_request_headers, i, tjwt_config_header);
        if (tjwt_same_header(name, h->name))
            return apr_psprintf(cmd->pool,
                                "%s %s: the server configuration sets this "
                                "header with RequestHeader (%s:%d); an "
                                ".htaccess template may not take it over",
                                cmd->cmd->name, name, h->file, h->line);
    }
    return NULL;
}

static int tjwt_name_listed(const apr_array_header_t *a, const char *name)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        if (strcmp(APR_ARRAY_IDX(a, i, const char *), name) == 0)
            return 1;
    }
    return 0;
}

/* In .htaccess the trait check can only be made when a request reads the
 * file, which every request does: each process warns once per file and
 * line. */
static apr_hash_t *tjwt_warned;
static apr_thread_mutex_t *tjwt_warned_lock;

void tjwt_config_child_init(apr_pool_t *pchild)
{
    tjwt_warned = apr_hash_make(pchild);
    if (apr_thread_mutex_create(&tjwt_warned_lock, APR_THREAD_MUTEX_DEFAULT,
                                pchild) != APR_SUCCESS)
        tjwt_warned_lock = NULL;
}

static void tjwt_warn_htaccess_trait(cmd_parms *cmd, const char *trait)
{
    const char *why = tjwt_unknown_trait(cmd->temp_pool, trait), *key;
    int first = 1;

    if (!why)
        return;
    key = apr_psprintf(cmd->temp_pool, "%s:%d", cmd->directive->filename,
                       cmd->directive->line_num);
    if (tjwt_warned_lock &&
        apr_thread_mutex_lock(tjwt_warned_lock) == APR_SUCCESS) {
        if (apr_hash_get(tjwt_warned, key, APR_HASH_KEY_STRING))
            first = 0;
        else
            apr_hash_set(tjwt_warned,
                         apr_pstrdup(apr_hash_pool_get(tjwt_warned), key),
                         APR_HASH_KEY_STRING, "");
        apr_thread_mutex_unlock(tjwt_warned_lock);
    }
    if (first)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, cmd->server,
                     "mod_teleport_jwt: TeleportJWTHeader on line %d of %s: "
                     "%s; the header is never sent",
                     cmd->directive->line_num, cmd->directive->filename, why);
}

static const char *tjwt_parse_expr(cmd_parms *cmd, const char *arg,
                                   ap_expr_info_t **out)
{
    const char *err = NULL;

    /* An empty expression always yields nothing: no user, no role. */
    if (!*arg)
        return apr_psprintf(cmd->pool, "%s: the expression is empty",
                            cmd->cmd->name);
    *out = ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT, &err, NULL);
    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: cannot parse the expression '%s': %s",
                            cmd->cmd->name, arg, err);
    return NULL;
}

static const char *tjwt_add_source(cmd_parms *cmd, apr_array_header_t **list,
                                   const char *name, const char *expr,
                                   const char *sep)
{
    tjwt_value_src src;
    const char *err;

    if (sep && !*sep)
        return apr_psprintf(cmd->pool, "%s: the separator must not be empty",
                            cmd->cmd->name);
    /* tjwt_groups joins groups with ':', the one character no group name
     * holds; split on anything else, "ops:dev" would be one role. */
    if (strstr(expr, "tjwt_groups:") && (!sep || strcmp(sep, ":") != 0))
        return apr_psprintf(cmd->pool,
                            "%s: %%{tjwt_groups:...} yields groups separated "
                            "by ':'; give \":\" as the separator",
                            cmd->cmd->name);
    if ((err = tjwt_parse_expr(cmd, expr, &src.expr)))
        return err;
    src.name = name;
    src.sep = sep ? sep : ",";
    if (!*list)
        *list = apr_array_make(cmd->pool, 2, sizeof(tjwt_value_src));
    APR_ARRAY_PUSH(*list, tjwt_value_src) = src;
    return NULL;
}

const char *tjwt_cmd_roles(cmd_parms *cmd, void *dconf, const char *args)
{
    const char *expr, *sep = NULL;

    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    /* Raw arguments: httpd's TAKE12 would take an empty separator ("")
     * for none given and quietly split on ','. */
    expr = ap_getword_conf(cmd->pool, &args);
    if (*args)
        sep = ap_getword_conf(cmd->pool, &args);
    if (!*expr || *args)
        return apr_psprintf(cmd->pool,
                            "%s takes an expression and an optional "
                            "separator",
                            cmd->cmd->name);
    return tjwt_add_source(cmd, &((tjwt_dir_conf *)dconf)->roles, NULL, expr,
                           sep);
}

const char *tjwt_cmd_trait(cmd_parms *cmd, void *dconf, const char *name,
                           const char *expr, const char *sep)
{
    const char *c;

    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    if (!expr)
        return apr_psprintf(cmd->pool,
                            "%s takes a trait name, an expression and an "
                            "optional separator",
                            cmd->cmd->name);
    for (c = name; *c; c++) {
        if (apr_iscntrl(*c))
            break;
    }
    if (!*name || *c)
        return apr_psprintf(cmd->pool,
                            "%s: the trait name must be a non-empty string "
                            "without control characters",
                            cmd->cmd->name);
    if (tjwt_defined_traits && !tjwt_name_listed(tjwt_defined_traits, name))
        APR_ARRAY_PUSH(tjwt_defined_traits, const char *) = name;
    return tjwt_add_source(cmd, &((tjwt_dir_conf *)dconf)->traits, name, expr,
                           sep);
}

const char *tjwt_cmd_expiry(cmd_parms *cmd, void *dconf, const char *arg)
{
    TJWT_ARGS_OK(cmd);
    TJWT_SERVER_ONLY(cmd);
    return tjwt_parse_expr(cmd, arg, &((tjwt_dir_conf *)dconf)->expiry);
}

const char *tjwt_cmd_header(cmd_parms *cmd, void *dconf, const char *name,
                            const char *tpl)
{
    tjwt_dir_conf *d = dconf;
    tjwt_template *t;
    const char *err;

    TJWT_ARGS_OK(cmd);
    if (!tjwt_is_header_name(name))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not a header name; use letters, "
                            "digits and -",
                            cmd->cmd->name, name);
    if (tjwt_reserved_here(name, d))
        return apr_psprintf(
            cmd->pool,
            "%s: %s is reserved (the assertion header, " TJWT_RESERVED_TEXT
            "); choose another name",
            cmd->cmd->name, name);
    if (tjwt_in_htaccess(cmd) && (err = tjwt_htaccess_name_refused(cmd, name)))
        return err;
    if (tjwt_dir_has_header(d, name))
        return apr_psprintf(cmd->pool,
                            "%s: %s is set twice in this scope; a template "
                            "that yields several values sends one header line "
                            "per value",
                            cmd->cmd->name, name);
    if (!*tpl)
        return apr_psprintf(cmd->pool,
                            "%s %s: the template is empty; it would never "
                            "send the header",
                            cmd->cmd->name, name);
    if ((err = tjwt_template_parse(cmd->pool, name, tpl, &t)))
        return apr_psprintf(cmd->pool, "%s %s \"%s\": %s", cmd->cmd->name, name,
                            tpl, err);
    /* A literal header from .htaccess would let its author send any value
     * under a name the upstream trusts; there a template must carry an
     * expression, whose values come from the server's configuration. */
    if (t->kind == TJWT_TPL_LITERAL && tjwt_in_htaccess(cmd))
        return apr_psprintf(cmd->pool,
                            "%s %s: in .htaccess a template must contain an "
                            "{{expression}}",
                            cmd->cmd->name, name);
    if (t->kind == TJWT_TPL_JWT && !tjwt_in_htaccess(cmd) &&
        tjwt_jwt_templates) {
        tjwt_config_jwt_template *j = apr_array_push(tjwt_jwt_templates);
        j->d = d;
        j->header = t->header;
        j->file = cmd->directive->filename;
        j->line = cmd->directive->line_num;
    }
    if (t->trait && strcmp(t->trait, "jwt") != 0) {
        if (tjwt_in_htaccess(cmd))
            tjwt_warn_htaccess_trait(cmd, t->trait);
        else if (tjwt_trait_templates) {
            tjwt_config_header *h = apr_array_push(tjwt_trait_templates);
            h->name = t->trait;
            h->file = cmd->directive->filename;
            h->line = cmd->directive->line_num;
        }
    }
    if (!d->headers)
        d->headers = apr_array_make(cmd->pool, 2, sizeof(tjwt_template *));
    APR_ARRAY_PUSH(d->headers, tjwt_template *) = t;
    d->headers_htaccess = tjwt_in_htaccess(cmd);
    tjwt_own(cmd, d, t->header);
    return NULL;
}

const char *tjwt_cmd_signing_key(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *path;

    TJWT_ARGS_OK(cmd);
    (void)dconf;
    if (err)
        return err;
    /* The last one would silently win. */
    if (s->signing_key)
        return apr_psprintf(cmd->pool,
                            "%s: a second signing key in the same server "
                            "(the first is %s); use TeleportJWTPublishKey "
                            "for a key that is only published",
                            cmd->cmd->name, s->signing_key->path);
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            arg);
    /* Loaded now so that configtest reports a bad key with its line. */
    s->signing_key = tjwt_key_load_private(cmd->pool, path, &err);
    if (!s->signing_key)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    return NULL;
}

const char *tjwt_cmd_htaccess_headers(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    TJWT_ARGS_OK(cmd);
    (void)dconf;
    if (err)
        return err;
    if (!tjwt_is_header_name(arg) || tjwt_header_reserved(arg))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; name headers that are "
                            "not reserved (" TJWT_RESERVED_TEXT ")",
                            cmd->cmd->name, arg);
    if (!s->htaccess_headers)
        s->htaccess_headers = apr_array_make(cmd->pool, 2, sizeof(char *));
    APR_ARRAY_PUSH(s->htaccess_headers, const char *) = arg;
    return NULL;
}

const char *tjwt_cmd_publish_key(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *path;
    tjwt_key *k;

    TJWT_ARGS_OK(cmd);
    (void)dconf;
    if (err)
        return err;
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            arg);
    k = tjwt_key_load_public(cmd->pool, path, &err);
    if (!k)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    if (!s->publish_keys)
        s->publish_keys = apr_array_make(cmd->pool, 2, sizeof(tjwt_key *));
    APR_ARRAY_PUSH(s->publish_keys, tjwt_key *) = k;
    return NULL;
}

apr_int64_t tjwt_dir_lifetime(const tjwt_dir_conf *d)
{
    return d->lifetime != TJWT_UNSET ? d->lifetime : TJWT_DEFAULT_LIFETIME;
}

apr_int64_t tjwt_dir_max_size(const tjwt_dir_conf *d)
{
    return d->max_size != TJWT_UNSET ? d->max_size : TJWT_DEFAULT_MAX_SIZE;
}

tjwt_claims_mode_e tjwt_dir_claims_mode(const tjwt_dir_conf *d)
{
    return d->claims_mode != TJWT_UNSET ? (tjwt_claims_mode_e)d->claims_mode
                                        : TJWT_CLAIMS_ROLES_AND_TRAITS;
}

const char *tjwt_dir_assertion_header(const tjwt_dir_conf *d)
{
    if (!d->assertion_header)
        return TJWT_DEFAULT_ASSERTION_HEADER;
    return *d->assertion_header ? d->assertion_header : NULL;
}
