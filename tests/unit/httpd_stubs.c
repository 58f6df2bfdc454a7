/* Test doubles of the httpd symbols libtjwt calls, for the unit program,
 * which links the library and APR but not httpd (whose core is the
 * executable itself). Each does the least that the code under test can
 * observe: logs and handler output are kept for the tests to read,
 * expressions read one request variable, providers and mutexes are
 * absent. Only what the unit tests link is here; a test that reaches
 * another httpd function fails to link until it gets a double. */
#include "httpd_stubs.h"
#include "src/config.h"
#include "src/token.h"

#include <ap_provider.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_mutex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The module record httpd would have from mod_teleport_jwt.c, with the
 * library's configuration functions, at a fixed index. */
module AP_MODULE_DECLARE_DATA teleport_jwt_module = {MODULE_MAGIC_NUMBER_MAJOR,
                                                     MODULE_MAGIC_NUMBER_MINOR,
                                                     TJWT_TEST_MODULE_INDEX,
                                                     "mod_teleport_jwt.c",
                                                     NULL,
                                                     NULL,
                                                     MODULE_MAGIC_COOKIE,
                                                     NULL,
                                                     tjwt_create_dir_conf,
                                                     tjwt_merge_dir_conf,
                                                     tjwt_create_srv_conf,
                                                     tjwt_merge_srv_conf,
                                                     NULL,
                                                     NULL,
                                                     0};

AP_DECLARE_DATA module *ap_top_module;
AP_DECLARE_DATA ap_directive_t *ap_conftree;

int tjwt_test_main_state = AP_SQ_MS_RUN_MPM;

/* --- logs and output ---------------------------------------------------- */

static char log_buf[32768], out_buf[32768];
static apr_size_t log_len, out_len;

static void append(char *buf, apr_size_t *len, const char *s, apr_size_t n)
{
    if (n > sizeof(log_buf) - 1 - *len)
        n = sizeof(log_buf) - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

static void log_line(const char *fmt, va_list ap)
{
    char line[4096];
    int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);

    if (n < 0)
        return;
    if ((apr_size_t)n > sizeof(line) - 2)
        n = sizeof(line) - 2;
    line[n++] = '\n';
    append(log_buf, &log_len, line, (apr_size_t)n);
}

const char *tjwt_test_log(void)
{
    return log_buf;
}

void tjwt_test_log_reset(void)
{
    log_len = 0;
    log_buf[0] = '\0';
}

const char *tjwt_test_output(void)
{
    return out_buf;
}

void tjwt_test_output_reset(void)
{
    out_len = 0;
    out_buf[0] = '\0';
}

AP_DECLARE(void)
ap_log_error_(const char *file, int line, int module_index, int level,
              apr_status_t status, const server_rec *s, const char *fmt, ...)
{
    va_list ap;

    (void)file, (void)line, (void)module_index, (void)level, (void)status;
    (void)s;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}

AP_DECLARE(void)
ap_log_rerror_(const char *file, int line, int module_index, int level,
               apr_status_t status, const request_rec *r, const char *fmt, ...)
{
    va_list ap;

    (void)file, (void)line, (void)module_index, (void)level, (void)status;
    (void)r;
    va_start(ap, fmt);
    log_line(fmt, ap);
    va_end(ap);
}

AP_DECLARE(int) ap_rwrite(const void *buf, int nbyte, request_rec *r)
{
    (void)r;
    append(out_buf, &out_len, buf, (apr_size_t)nbyte);
    return nbyte;
}

AP_DECLARE_NONSTD(int) ap_rprintf(request_rec *r, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = apr_pvsprintf(r->pool, fmt, ap);
    va_end(ap);
    return ap_rwrite(s, (int)strlen(s), r);
}

/* --- expressions -------------------------------------------------------- */

/* What a test expression means; the ap_expr_info_t's root_node points to
 * it, and its filename marks it as ours. */
typedef struct {
    const char *var, *literal, *error;
} test_expr;

static const char test_expr_mark[] = "tjwt-unit-expr";
static ap_expr_info_t *last_parsed;

static ap_expr_info_t *test_expr_make(apr_pool_t *p, const char *var,
                                      const char *literal, const char *error)
{
    ap_expr_info_t *info = apr_pcalloc(p, sizeof(*info));
    test_expr *e = apr_pcalloc(p, sizeof(*e));

    e->var = var;
    e->literal = literal;
    e->error = error;
    info->root_node = (ap_expr_t *)e;
    info->filename = test_expr_mark;
    return info;
}

ap_expr_info_t *tjwt_test_expr_var(apr_pool_t *p, const char *name)
{
    return test_expr_make(p, apr_pstrdup(p, name), NULL, NULL);
}

ap_expr_info_t *tjwt_test_expr_literal(apr_pool_t *p, const char *text)
{
    return test_expr_make(p, NULL, apr_pstrdup(p, text), NULL);
}

ap_expr_info_t *tjwt_test_expr_error(apr_pool_t *p, const char *err)
{
    return test_expr_make(p, NULL, NULL, apr_pstrdup(p, err));
}

ap_expr_info_t *tjwt_test_expr_parsed(void)
{
    return last_parsed;
}

AP_DECLARE(const char *)
ap_expr_str_exec(request_rec *r, const ap_expr_info_t *info, const char **err)
{
    const test_expr *e = (const test_expr *)info->root_node;
    const char *v;

    *err = NULL;
    if (info->filename != test_expr_mark) {
        *err = "not an expression of the unit tests";
        return NULL;
    }
    if (e->error) {
        *err = e->error;
        return NULL;
    }
    if (e->literal)
        return e->literal;
    /* An unset variable reads as "", as in httpd. */
    v = apr_table_get(r->subprocess_env, e->var);
    return v ? v : "";
}

/* "%{reqenv:NAME}" or "%{env:NAME}": the variable NAME, which both read
 * from the request's variables first. */
static const char *test_expr_var_name(apr_pool_t *p, const char *expr)
{
    static const char *const forms[] = {"%{reqenv:", "%{env:", NULL};
    apr_size_t n = strlen(expr), k;
    int i;

    for (i = 0; forms[i]; i++) {
        k = strlen(forms[i]);
        if (strncmp(expr, forms[i], k) == 0 && n > k + 1 &&
            expr[n - 1] == '}' && !strchr(expr + k, '{'))
            return apr_pstrndup(p, expr + k, n - k - 1);
    }
    return NULL;
}

AP_DECLARE(ap_expr_info_t *)
ap_expr_parse_cmd_mi(const cmd_parms *cmd, const char *expr, unsigned int flags,
                     const char **err, ap_expr_lookup_fn_t *lookup_fn,
                     int module_index)
{
    const char *var = test_expr_var_name(cmd->pool, expr);

    (void)flags, (void)lookup_fn, (void)module_index;
    *err = NULL;
    last_parsed = NULL;
    if (var)
        last_parsed = tjwt_test_expr_var(cmd->pool, var);
    else if (!strstr(expr, "%{"))
        last_parsed = tjwt_test_expr_literal(cmd->pool, expr);
    else
        *err = "the unit tests' ap_expr reads %{reqenv:NAME} and "
               "%{env:NAME} only";
    return last_parsed;
}

/* --- configuration ------------------------------------------------------ */

AP_DECLARE(const char *)
ap_check_cmd_context(cmd_parms *cmd, unsigned forbidden)
{
    if ((forbidden & NOT_IN_VIRTUALHOST) && cmd->server &&
        cmd->server->is_virtual)
        return apr_pstrcat(cmd->pool, cmd->cmd->name,
                           " cannot occur within <VirtualHost> section", NULL);
    return NULL;
}

/* Words separated by white space, or in double quotes, as httpd's
 * reader gives them (without its backslash escapes). */
AP_DECLARE(char *) ap_getword_conf(apr_pool_t *p, const char **line)
{
    const char *s = *line, *end;
    char *word;

    while (apr_isspace(*s))
        s++;
    if (*s == '"') {
        end = strchr(++s, '"');
        if (!end)
            end = s + strlen(s);
        word = apr_pstrndup(p, s, (apr_size_t)(end - s));
        s = *end ? end + 1 : end;
    }
    else {
        for (end = s; *end && !apr_isspace(*end); end++)
            ;
        word = apr_pstrndup(p, s, (apr_size_t)(end - s));
        s = end;
    }
    while (apr_isspace(*s))
        s++;
    *line = s;
    return word;
}

const char *tjwt_test_server_root = "/nonexistent/tjwt-unit-root";

AP_DECLARE(char *) ap_server_root_relative(apr_pool_t *p, const char *fname)
{
    if (fname[0] == '/')
        return apr_pstrdup(p, fname);
    return apr_pstrcat(p, tjwt_test_server_root, "/", fname, NULL);
}

/* The directory part of a path, with its trailing '/'. */
AP_DECLARE(char *) ap_make_dirstr_parent(apr_pool_t *p, const char *s)
{
    const char *last = strrchr(s, '/');

    return last ? apr_pstrndup(p, s, (apr_size_t)(last - s + 1))
                : apr_pstrdup(p, "");
}

AP_DECLARE(int) ap_state_query(int query_code)
{
    return query_code == AP_SQ_MAIN_STATE ? tjwt_test_main_state
                                          : AP_SQ_NOT_SUPPORTED;
}

const void *tjwt_test_provider;
const char *tjwt_test_provider_name;

/* The one provider a test registers, if any. */
AP_DECLARE(void *)
ap_lookup_provider(const char *provider_group, const char *provider_name,
                   const char *provider_version)
{
    (void)provider_group, (void)provider_version;
    if (tjwt_test_provider && !strcmp(provider_name, tjwt_test_provider_name))
        return (void *)tjwt_test_provider;
    return NULL;
}

AP_DECLARE(apr_array_header_t *)
ap_list_provider_names(apr_pool_t *pool, const char *provider_group,
                       const char *provider_version)
{
    apr_array_header_t *a =
        apr_array_make(pool, 1, sizeof(ap_list_provider_names_t));

    (void)provider_group, (void)provider_version;
    if (tjwt_test_provider)
        ((ap_list_provider_names_t *)apr_array_push(a))->provider_name =
            tjwt_test_provider_name;
    return a;
}

AP_DECLARE(apr_status_t)
ap_mutex_register(apr_pool_t *pconf, const char *type, const char *default_dir,
                  apr_lockmech_e default_mech, apr_int32_t options)
{
    (void)pconf, (void)type, (void)default_dir, (void)default_mech;
    (void)options;
    return APR_SUCCESS;
}

AP_DECLARE(apr_status_t)
ap_global_mutex_create(apr_global_mutex_t **mutex, const char **name,
                       const char *type, const char *instance_id,
                       server_rec *server, apr_pool_t *pool,
                       apr_int32_t options)
{
    (void)mutex, (void)name, (void)type, (void)instance_id, (void)server;
    (void)pool, (void)options;
    return APR_ENOTIMPL;
}

/* --- requests ----------------------------------------------------------- */

AP_DECLARE(char *)
ap_construct_url(apr_pool_t *p, const char *uri, request_rec *r)
{
    const char *host = r->hostname ? r->hostname : r->server->server_hostname;

    return apr_pstrcat(p, "http://", host, uri, NULL);
}

AP_DECLARE(char *) ap_escape_html2(apr_pool_t *p, const char *s, int toasc)
{
    char *out = apr_palloc(p, strlen(s) * 6 + 1), *o = out;

    (void)toasc;
    for (; *s; s++) {
        const char *e = *s == '<'   ? "&lt;"
                        : *s == '>' ? "&gt;"
                        : *s == '&' ? "&amp;"
                        : *s == '"' ? "&quot;"
                                    : NULL;
        if (e) {
            strcpy(o, e);
            o += strlen(e);
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
    return out;
}

/* --- the test requests -------------------------------------------------- */

static ap_conf_vector_t *vector(apr_pool_t *p)
{
    return apr_pcalloc(p, sizeof(void *) * TJWT_TEST_MODULES);
}

server_rec *tjwt_test_server(apr_pool_t *p)
{
    server_rec *s = apr_pcalloc(p, sizeof(*s));

    s->process = apr_pcalloc(p, sizeof(*s->process));
    s->process->pool = s->process->pconf = p;
    s->server_hostname = "unit.example";
    s->port = 80;
    s->log.level = APLOG_TRACE8;
    s->module_config = vector(p);
    s->lookup_defaults = vector(p);
    ap_set_module_config(s->module_config, &teleport_jwt_module,
                         tjwt_create_srv_conf(p, s));
    return s;
}

request_rec *tjwt_test_request(apr_pool_t *p, server_rec *s, void *d)
{
    apr_pool_t *rp;
    request_rec *r;

    apr_pool_create(&rp, p);
    r = apr_pcalloc(rp, sizeof(*r));
    r->pool = rp;
    r->server = s;
    r->connection = apr_pcalloc(rp, sizeof(*r->connection));
    r->connection->pool = rp;
    r->connection->base_server = s;
    r->method = "GET";
    r->method_number = M_GET;
    r->protocol = "HTTP/1.1";
    r->proto_num = HTTP_VERSION(1, 1);
    r->uri = "/";
    r->hostname = s->server_hostname;
    r->headers_in = apr_table_make(rp, 8);
    r->headers_out = apr_table_make(rp, 8);
    r->err_headers_out = apr_table_make(rp, 8);
    r->subprocess_env = apr_table_make(rp, 8);
    r->notes = apr_table_make(rp, 8);
    r->per_dir_config = vector(rp);
    r->request_config = vector(rp);
    r->request_time = apr_time_now();
    if (d)
        ap_set_module_config(r->per_dir_config, &teleport_jwt_module, d);
    return r;
}

request_rec *tjwt_test_subrequest(request_rec *r, void *d)
{
    request_rec *sub = tjwt_test_request(r->pool, r->server, d);

    sub->connection = r->connection;
    sub->main = r;
    sub->headers_in = apr_table_copy(sub->pool, r->headers_in);
    sub->subprocess_env = apr_table_copy(sub->pool, r->subprocess_env);
    sub->htaccess = r->htaccess;
    return sub;
}

request_rec *tjwt_test_redirect(request_rec *r, void *d)
{
    request_rec *next = tjwt_test_request(r->pool, r->server, d);
    const apr_array_header_t *arr = apr_table_elts(r->subprocess_env);
    const apr_table_entry_t *e = (const apr_table_entry_t *)arr->elts;
    int i;

    next->connection = r->connection;
    next->prev = r;
    r->next = next;
    next->headers_in = r->headers_in;
    for (i = 0; i < arr->nelts; i++)
        apr_table_setn(next->subprocess_env,
                       apr_pstrcat(next->pool, "REDIRECT_", e[i].key, NULL),
                       e[i].val);
    next->htaccess = r->htaccess;
    return next;
}

cmd_parms *tjwt_test_cmd(apr_pool_t *p, server_rec *s, const char *name,
                         const char *args, int in_htaccess)
{
    cmd_parms *cmd = apr_pcalloc(p, sizeof(*cmd));
    command_rec *c = apr_pcalloc(p, sizeof(*c));
    ap_directive_t *dir = apr_pcalloc(p, sizeof(*dir));

    c->name = name;
    dir->directive = name;
    dir->args = args;
    cmd->cmd = c;
    cmd->directive = dir;
    cmd->pool = cmd->temp_pool = p;
    cmd->server = s;
    cmd->path = in_htaccess ? "/srv/www/" : NULL;
    cmd->override = in_htaccess ? OR_ALL : RSRC_CONF | ACCESS_CONF | OR_ALL;
    return cmd;
}

/* --- handlers ----------------------------------------------------------- */

AP_DECLARE(void) ap_allow_standard_methods(request_rec *r, int reset, ...)
{
    (void)r, (void)reset;
}

AP_DECLARE(void) ap_set_content_type(request_rec *r, const char *ct)
{
    r->content_type = ct;
}

AP_DECLARE(void) ap_set_content_length(request_rec *r, apr_off_t length)
{
    r->clength = length;
}

/* Only If-None-Match against the ETag, the one condition the tests send. */
AP_DECLARE(int) ap_meets_conditions(request_rec *r)
{
    const char *inm = apr_table_get(r->headers_in, "If-None-Match");
    const char *etag = apr_table_get(r->headers_out, "ETag");

    return inm && etag && strcmp(inm, etag) == 0 ? HTTP_NOT_MODIFIED : OK;
}

const char *tjwt_test_token(apr_pool_t *p, server_rec *s,
                            const struct tjwt_key *key, const char *user)
{
    request_rec *r = tjwt_test_request(p, s, NULL);
    tjwt_claims c;

    memset(&c, 0, sizeof(c));
    c.user = user;
    c.issuer = "unit.example";
    c.audience = "http://backend.example";
    c.iat = (apr_int64_t)apr_time_sec(apr_time_now());
    c.exp = c.iat + 600;
    return tjwt_token_get(r, key, &c, 8190);
}
