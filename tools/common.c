/* What the subcommands share: messages, option parsing and reading their
 * inputs from files or standard input. */
#include "tool.h"

#include "src/keys.h"

#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tjwt_tool_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tjwt%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tjwt_tool_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tjwt %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'tjwt %s --help'.\n", cmd);
    return TJWT_EXIT_USAGE;
}

tjwt_tool_args *tjwt_tool_getopt(apr_pool_t *p, const tjwt_tool_cmd *cmd,
                                 int argc, const char *const *argv)
{
    tjwt_tool_args *os = apr_pcalloc(p, sizeof(*os));
    int i;

    os->pool = p;
    os->argc = argc;
    os->argv = apr_pcalloc(p, sizeof(char *) * (argc + 1));
    /* getopt_long prefixes its complaints with argv[0]. */
    os->argv[0] = apr_pstrcat(p, "tjwt ", cmd->name, NULL);
    for (i = 1; i < argc; i++)
        os->argv[i] = apr_pstrdup(p, argv[i]);
    return os;
}

/* struct option[] and the short option string from an APR table. */
static void tjwt_tool_build_opts(tjwt_tool_args *os,
                                 const apr_getopt_option_t *opts)
{
    struct option *lo;
    char *so;
    int n = 0, i, j = 0;

    while (opts[n].name)
        n++;
    lo = apr_pcalloc(os->pool, sizeof(*lo) * (n + 1));
    so = apr_pcalloc(os->pool, 2 * n + 1);
    for (i = 0; i < n; i++) {
        lo[i].name = opts[i].name;
        lo[i].has_arg = opts[i].has_arg ? required_argument : no_argument;
        lo[i].val = opts[i].optch;
        so[j++] = (char)opts[i].optch;
        if (opts[i].has_arg)
            so[j++] = ':';
    }
    os->longopts = lo;
    os->shortopts = so;
}

int tjwt_tool_next_opt(tjwt_tool_args *os, const tjwt_tool_cmd *cmd,
                       const apr_getopt_option_t *opts, int *optch,
                       const char **arg, int *rc)
{
    int c;

    if (!os->longopts) {
        tjwt_tool_build_opts(os, opts);
        optind = 1;
    }
    c = getopt_long(os->argc, os->argv, os->shortopts, os->longopts, NULL);
    if (c == -1) {
        os->ind = optind;
        return 0;
    }
    if (c == '?' || c == ':') {
        fprintf(stderr, "Try 'tjwt %s --help'.\n", cmd->name);
        *rc = TJWT_EXIT_USAGE;
        return -1;
    }
    if (c == 'h') {
        fputs(cmd->help, stdout);
        *rc = TJWT_EXIT_OK;
        return -1;
    }
    *optch = c;
    *arg = optarg;
    return 1;
}

const char *tjwt_tool_read(apr_pool_t *p, const char *path, apr_size_t *len,
                           const char **err)
{
    apr_file_t *f;
    apr_status_t rv;
    char *buf = apr_palloc(p, TJWT_TOOL_INPUT_MAX + 1);
    char ebuf[120];
    apr_size_t got = 0;
    int is_stdin = strcmp(path, "-") == 0;
    const char *name = is_stdin ? "standard input" : path;

    if (is_stdin)
        rv = apr_file_open_stdin(&f, p);
    else
        rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY,
                           APR_FPROT_OS_DEFAULT, p);
    if (rv != APR_SUCCESS) {
        *err = apr_psprintf(p, "cannot read %s: %s", name,
                            apr_strerror(rv, ebuf, sizeof(ebuf)));
        return NULL;
    }
    /* Pipes have no size: read until the end, one byte past the limit to
     * tell "exactly the limit" from "too large". */
    for (;;) {
        apr_size_t n = TJWT_TOOL_INPUT_MAX + 1 - got;
        if (n == 0)
            break;
        rv = apr_file_read(f, buf + got, &n);
        got += n;
        if (rv == APR_EOF)
            break;
        if (rv != APR_SUCCESS) {
            if (!is_stdin)
                apr_file_close(f);
            *err = apr_psprintf(p, "cannot read %s: %s", name,
                                apr_strerror(rv, ebuf, sizeof(ebuf)));
            return NULL;
        }
    }
    if (!is_stdin)
        apr_file_close(f);
    if (got > TJWT_TOOL_INPUT_MAX) {
        *err = apr_psprintf(p, "%s is larger than %ld bytes", name,
                            TJWT_TOOL_INPUT_MAX);
        return NULL;
    }
    if (got == 0) {
        *err = apr_psprintf(p, "%s is empty", name);
        return NULL;
    }
    buf[got] = '\0';
    *len = got;
    return buf;
}

const char *tjwt_tool_read_token(apr_pool_t *p, const char *token_opt,
                                 const char *path, const char **err)
{
    const char *s = token_opt;
    apr_size_t len, b = 0, e;

    if (!s && !(s = tjwt_tool_read(p, path, &len, err)))
        return NULL;
    /* Files and pipes end with a newline, and pasted tokens often
     * carry spaces; inner whitespace is the parser's to refuse. */
    e = strlen(s);
    while (b < e && apr_isspace(s[b]))
        b++;
    while (e > b && apr_isspace(s[e - 1]))
        e--;
    if (b == e) {
        *err = "no token: the input is empty";
        return NULL;
    }
    return apr_pstrmemdup(p, s + b, e - b);
}

static apr_status_t tjwt_tool_json_cleanup(void *data)
{
    json_decref(data);
    return APR_SUCCESS;
}

json_t *tjwt_tool_parse_json(apr_pool_t *p, const char *text, apr_size_t len,
                             const char *name, const char **err)
{
    json_error_t je;
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);

    if (!j) {
        *err = apr_psprintf(p, "%s is not JSON: line %d: %s", name, je.line,
                            je.text);
        return NULL;
    }
    apr_pool_cleanup_register(p, j, tjwt_tool_json_cleanup,
                              apr_pool_cleanup_null);
    return j;
}

json_t *tjwt_tool_read_json(apr_pool_t *p, const char *path, const char **err)
{
    apr_size_t len;
    const char *text = tjwt_tool_read(p, path, &len, err);

    if (!text)
        return NULL;
    return tjwt_tool_parse_json(
        p, text, len, strcmp(path, "-") ? path : "standard input", err);
}

void tjwt_tool_print_json(json_t *v)
{
    char *s = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);

    if (s) {
        puts(s);
        free(s);
    }
}

tjwt_key *tjwt_tool_load_key(apr_pool_t *p, const char *path, int private,
                             const char **err)
{
    apr_size_t len;
    const char *pem;

    if (strcmp(path, "-") != 0)
        return private ? tjwt_key_load_private(p, path, err)
                       : tjwt_key_load_public(p, path, err);
    pem = tjwt_tool_read(p, path, &len, err);
    if (!pem)
        return NULL;
    return private
               ? tjwt_key_parse_private(p, pem, len, "(standard input)", err)
               : tjwt_key_parse_public(p, pem, len, "(standard input)", err);
}

int tjwt_tool_check_keyfiles(const tjwt_tool_args *os, const tjwt_tool_cmd *cmd)
{
    int i, stdin_used = 0;

    if (os->ind >= os->argc)
        return tjwt_tool_usage_error(cmd->name, "expected KEYFILE...");
    for (i = os->ind; i < os->argc; i++)
        stdin_used += strcmp(os->argv[i], "-") == 0;
    if (stdin_used > 1)
        return tjwt_tool_usage_error(cmd->name,
                                     "standard input can be read once");
    return 0;
}
