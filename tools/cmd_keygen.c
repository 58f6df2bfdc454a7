/* tjwt keygen: a new signing key, made by the module's own generator. */
#include "tool.h"

#include "src/keys.h"

#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Longer RSA keys take minutes to make and sign slowly on every request
 * that misses the token cache. */
#define TJWT_RSA_MAX_BITS 16384

static int tjwt_keygen_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_keygen = {
    "keygen", "generate a signing key (rsa, ec or ed25519) into a file",
    "Usage: tjwt keygen [--bits BITS] TYPE FILE\n"
    "\n"
    "Generates a signing key and writes it to FILE as unencrypted PKCS#8\n"
    "PEM, readable by its owner only (mode 0600). FILE must not exist: a\n"
    "key is never overwritten. Prints the key's alg and kid.\n"
    "\n"
    "TYPE:\n"
    "  rsa          RSA for RS256 (Teleport's algorithm)\n"
    "  ec           EC P-256 for ES256\n"
    "  ed25519      Ed25519 for EdDSA\n"
    "\n"
    "Options:\n"
    "  -b, --bits BITS  the size of an RSA key: from 2048 (the default)\n"
    "                   to 16384\n"
    "  -h, --help       this text\n"
    "\n"
    "Examples:\n"
    "  tjwt keygen ec /etc/apache2/teleport-jwt/next.pem\n"
    "  tjwt keygen --bits 4096 rsa /etc/apache2/teleport-jwt/next.pem\n",
    tjwt_keygen_run};

/* Whether s is a number and nothing else. */
static int tjwt_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!apr_isdigit(*s))
            return 0;
    }
    return 1;
}

/* RSA keys this large take seconds to minutes to make: a line on a
 * terminal shows that the tool is working, not hung. */
#define TJWT_KEYGEN_SHOW_BITS 4096

typedef struct {
    apr_time_t last;
} tjwt_keygen_show;

static void tjwt_keygen_dot(int what, void *baton)
{
    tjwt_keygen_show *show = baton;
    apr_time_t now = apr_time_now();

    /* A dot for each prime found, else one a second at most. */
    if (what == 3 || now - show->last >= apr_time_from_sec(1)) {
        fputc(what == 3 ? '+' : '.', stderr);
        fflush(stderr);
        show->last = now;
    }
}

static int tjwt_keygen_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {
        {"bits", 'b', 1, NULL}, {"help", 'h', 0, NULL}, {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_keygen;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *type, *path, *bits_arg = NULL, *err = NULL;
    char *const *ops;
    int optch, rc = 0, nops, bits = 0, r, show = 0;
    tjwt_keygen_show shown = {0};
    apr_finfo_t fi;
    tjwt_key *k;
    char *lower, *c;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0) {
        if (optch == 'b')
            bits_arg = arg;
    }
    if (r < 0)
        return rc;
    ops = os->argv + os->ind;
    nops = os->argc - os->ind;
    /* The size was once an operand (TYPE BITS FILE): say how to give it,
     * and never write a key to a file named after it (below). */
    if (nops == 3 && tjwt_all_digits(ops[1]))
        return tjwt_tool_usage_error(cmd->name,
                                     "the size is given with --bits: tjwt "
                                     "keygen --bits %s %s FILE",
                                     ops[1], ops[0]);
    if (nops != 2)
        return tjwt_tool_usage_error(cmd->name, "expected TYPE FILE");
    if (tjwt_all_digits(ops[1]))
        return tjwt_tool_usage_error(cmd->name,
                                     "FILE '%s' looks like a key size: "
                                     "--bits %s gives the size; a file of "
                                     "that name is ./%s",
                                     ops[1], ops[1], ops[1]);
    lower = apr_pstrdup(p, ops[0]);
    for (c = lower; *c; c++)
        *c = (char)apr_tolower(*c);
    type = lower;
    if (strcmp(type, "rsa") != 0 && strcmp(type, "ec") != 0 &&
        strcmp(type, "ed25519") != 0)
        return tjwt_tool_usage_error(cmd->name,
                                     "unknown key type '%s': expected rsa, "
                                     "ec or ed25519",
                                     ops[0]);
    if (bits_arg) {
        char *end;
        apr_int64_t n;
        if (strcmp(type, "rsa") != 0)
            return tjwt_tool_usage_error(cmd->name,
                                         "--bits is for rsa keys only; %s "
                                         "keys have a fixed size",
                                         type);
        n = apr_strtoi64(bits_arg, &end, 10);
        if (*end || end == bits_arg || n < 2048 || n > TJWT_RSA_MAX_BITS)
            return tjwt_tool_usage_error(cmd->name,
                                         "--bits '%s' is not accepted: a "
                                         "number from 2048 to %d",
                                         bits_arg, TJWT_RSA_MAX_BITS);
        bits = (int)n;
    }
    else if (strcmp(type, "rsa") == 0) {
        bits = 2048;
    }
    path = ops[1];
    if (strcmp(path, "-") == 0)
        return tjwt_tool_usage_error(cmd->name,
                                     "a key is written to a file (mode "
                                     "0600), not to standard output");
    /* Said before generating, and checked again by the generator, which
     * refuses to replace a file created meanwhile. */
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        tjwt_tool_error(cmd->name, "%s exists; a key file is never overwritten",
                        path);
        return TJWT_EXIT_USAGE;
    }
    /* Only for a person watching: never into a log or a pipe. */
    show = bits >= TJWT_KEYGEN_SHOW_BITS && isatty(STDERR_FILENO);
    if (show) {
        fprintf(stderr,
                "tjwt %s: making a %d-bit RSA key, which can take a "
                "while ",
                cmd->name, bits);
        fflush(stderr);
        shown.last = apr_time_now();
    }
    err = tjwt_key_generate_file_progress(
        p, path, type, bits, show ? tjwt_keygen_dot : NULL, &shown);
    if (show)
        fputs(err ? " failed\n" : " done\n", stderr);
    if (err) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    k = tjwt_key_load_private(p, path, &err);
    if (!k) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    printf("%s: %s key, kid %s\n", path, k->alg_name, k->kid);
    return TJWT_EXIT_OK;
}
