/* tjwt jwks: the key set the module would serve for these keys, built by
 * the module's own code, so that it can be served from anywhere. */
#include "tool.h"

#include "src/jwks.h"

#include <apr_tables.h>
#include <stdio.h>
#include <string.h>

static int tjwt_jwks_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_jwks = {
    "jwks", "print the JWKS (public keys only) for key files",
    "Usage: tjwt jwks [--pretty] KEYFILE...\n"
    "\n"
    "Prints the JSON Web Key Set of the key files (private or public PEM;\n"
    "\"-\" reads one from standard input) in the order given, a key whose\n"
    "kid is already in the set left out: exactly what the module's\n"
    "teleport-jwks handler serves with the first file as\n"
    "TeleportJWTSigningKey and the others as TeleportJWTPublishKey. Only\n"
    "public members are ever written.\n"
    "\n"
    "Options:\n"
    "  -p, --pretty   indent the JSON (default: the server's compact form)\n"
    "  -h, --help     this text\n",
    tjwt_jwks_run};

static int tjwt_jwks_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {
        {"pretty", 'p', 0, NULL}, {"help", 'h', 0, NULL}, {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_jwks;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    apr_array_header_t *keys = apr_array_make(p, 4, sizeof(tjwt_key *));
    const char *arg, *err = NULL;
    int optch, rc = 0, r, i, pretty = 0;
    tjwt_jwks *set;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0)
        pretty |= optch == 'p';
    if (r < 0)
        return rc;
    if ((rc = tjwt_tool_check_keyfiles(os, cmd)) != 0)
        return rc;
    for (i = os->ind; i < os->argc; i++) {
        tjwt_key *k = tjwt_tool_load_key(p, os->argv[i], 0, &err);
        if (!k) {
            tjwt_tool_error(cmd->name, "%s", err);
            return TJWT_EXIT_USAGE;
        }
        APR_ARRAY_PUSH(keys, tjwt_key *) = k;
    }
    set = tjwt_jwks_build(p, keys, &err);
    if (!set) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    if (pretty) {
        json_t *doc = json_loads(set->body, 0, NULL);
        tjwt_tool_print_json(doc);
        json_decref(doc);
    }
    else {
        puts(set->body);
    }
    return TJWT_EXIT_OK;
}
