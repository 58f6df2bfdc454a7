/* tjwt keygen: a new signing key, made by the module's own generator. */
#include "tool.h"

#include "src/keys.h"

#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <stdio.h>
#include <string.h>

/* Longer RSA keys take minutes to make and sign slowly on every request
 * that misses the token cache. */
#define TJWT_RSA_MAX_BITS 16384

static int tjwt_keygen_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_keygen = {
    "keygen", "generate a signing key (rsa, ec or ed25519) into a file",
    "Usage: tjwt keygen TYPE [BITS] FILE\n"
    "\n"
    "Generates a signing key and writes it to FILE as unencrypted PKCS#8\n"
    "PEM, readable by its owner only (mode 0600). FILE must not exist: a\n"
    "key is never overwritten. Prints the key's alg and kid.\n"
    "\n"
    "TYPE:\n"
    "  rsa [BITS]   RSA for RS256 (Teleport's algorithm); BITS from 2048\n"
    "               (the default) to 16384\n"
    "  ec           EC P-256 for ES256\n"
    "  ed25519      Ed25519 for EdDSA\n"
    "\n"
    "Options:\n"
    "  -h, --help   this text\n"
    "\n"
    "Example:\n"
    "  tjwt keygen ec /etc/apache2/teleport-jwt/next.pem\n",
    tjwt_keygen_run};

static int tjwt_keygen_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {{"help", 'h', 0, NULL},
                                               {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_keygen;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *type, *path, *err = NULL;
    char *const *ops;
    int optch, rc = 0, nops, bits = 0, r;
    apr_finfo_t fi;
    tjwt_key *k;
    char *lower, *c;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0)
        ;
    if (r < 0)
        return rc;
    ops = os->argv + os->ind;
    nops = os->argc - os->ind;
    if (nops < 2 || nops > 3)
        return tjwt_tool_usage_error(cmd->name, "expected TYPE [BITS] FILE");
    lower = apr_pstrdup(p, ops[0]);
    for (c = lower; *c; c++)
        *c = (char)apr_tolower(*c);
    type = lower;
    if (strcmp(type, "rsa") && strcmp(type, "ec") && strcmp(type, "ed25519"))
        return tjwt_tool_usage_error(cmd->name,
                                     "unknown key type '%s': expected rsa, "
                                     "ec or ed25519",
                                     ops[0]);
    if (nops == 3) {
        char *end;
        apr_int64_t n;
        if (strcmp(type, "rsa") != 0)
            return tjwt_tool_usage_error(cmd->name,
                                         "BITS is for rsa keys only; %s keys "
                                         "have a fixed size",
                                         type);
        n = apr_strtoi64(ops[1], &end, 10);
        if (*end || end == ops[1] || n < 2048 || n > TJWT_RSA_MAX_BITS)
            return tjwt_tool_usage_error(cmd->name,
                                         "BITS '%s' is not accepted: a number "
                                         "from 2048 to %d",
                                         ops[1], TJWT_RSA_MAX_BITS);
        bits = (int)n;
    }
    else if (strcmp(type, "rsa") == 0) {
        bits = 2048;
    }
    path = ops[nops - 1];
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
    err = tjwt_key_generate_file(p, path, type, bits);
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
