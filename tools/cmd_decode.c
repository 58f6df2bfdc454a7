/* tjwt decode: what a token says, without checking who said it. */
#include "tool.h"

#include "src/verify.h"

#include <apr_time.h>
#include <stdio.h>

static int tjwt_decode_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_decode = {
    "decode", "show a token's header and claims (no verification)",
    "Usage: tjwt decode [--token TOKEN | FILE]\n"
    "\n"
    "Prints the header and the payload of a compact token, indented, and\n"
    "the time claims (iat, nbf, exp) also as UTC dates. The signature is\n"
    "NOT checked: use tjwt verify for that. The token is read from FILE,\n"
    "or from standard input when FILE is \"-\" or absent; surrounding\n"
    "whitespace is ignored. Exits 1 if the token is malformed.\n"
    "\n"
    "Options:\n"
    "  -t, --token TOKEN   the token itself\n"
    "  -h, --help          this text\n",
    tjwt_decode_run};

static void tjwt_decode_time(apr_pool_t *p, json_t *payload, const char *name,
                             double now)
{
    json_t *v = json_object_get(payload, name);
    double t, d;

    if (!v)
        return;
    if (!json_is_number(v)) {
        printf("%s: not a number\n", name);
        return;
    }
    t = json_number_value(v);
    d = t - now;
    printf("%s: %s (%.0f s %s)\n", name, tjwt_time_utc(p, t), d < 0 ? -d : d,
           d < 0 ? "ago" : "from now");
}

static int tjwt_decode_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {
        {"token", 't', 1, NULL}, {"help", 'h', 0, NULL}, {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_decode;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *err = NULL, *token_opt = NULL, *path = "-", *token;
    /* JWT times are whole seconds. */
    /* NOLINTNEXTLINE(bugprone-integer-division) */
    double now = (double)apr_time_sec(apr_time_now());
    int optch, rc = 0, r;
    tjwt_jwt *t;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0)
        token_opt = arg;
    if (r < 0)
        return rc;
    if (os->argc - os->ind > (token_opt ? 0 : 1))
        return tjwt_tool_usage_error(cmd->name,
                                     "expected one FILE, or --token alone");
    if (os->ind < os->argc)
        path = os->argv[os->ind];
    token = tjwt_tool_read_token(p, token_opt, path, &err);
    if (!token) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    t = tjwt_jwt_parse(p, token, &err);
    if (!t) {
        tjwt_tool_error(cmd->name, "malformed token: %s", err);
        return TJWT_EXIT_FAIL;
    }
    puts("header:");
    tjwt_tool_print_json(t->header);
    puts("payload:");
    tjwt_tool_print_json(t->payload);
    tjwt_decode_time(p, t->payload, "iat", now);
    tjwt_decode_time(p, t->payload, "nbf", now);
    tjwt_decode_time(p, t->payload, "exp", now);
    printf("signature: %lu bytes, not verified\n", (unsigned long)t->sig_len);
    return TJWT_EXIT_OK;
}
