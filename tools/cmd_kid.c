/* tjwt kid: the identifiers of key files, to match them with a JWKS and
 * with the kid of tokens. */
#include "tool.h"

#include "src/thumbprint.h"
#include "src/keys.h"

#include <stdio.h>
#include <string.h>

static int tjwt_kid_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_kid = {
    "kid", "print the kid, alg and RFC 7638 thumbprint of key files",
    "Usage: tjwt kid KEYFILE...\n"
    "\n"
    "Prints one line per key file (private or public PEM; \"-\" reads one\n"
    "from standard input):\n"
    "\n"
    "  KID ALG THUMBPRINT FILE\n"
    "\n"
    "KID is the key id the module puts in tokens and in the JWKS\n"
    "(Teleport's: base64url of SHA-256 of the DER public key); ALG is the\n"
    "algorithm the key signs with; THUMBPRINT is the key's RFC 7638 JWK\n"
    "thumbprint (SHA-256), for verifiers that identify keys by it.\n"
    "\n"
    "Options:\n"
    "  -h, --help   this text\n",
    tjwt_kid_run};

static int tjwt_kid_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {{"help", 'h', 0, NULL},
                                               {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_kid;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *err = NULL;
    int optch, rc = 0, r, i;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0)
        ;
    if (r < 0)
        return rc;
    if ((rc = tjwt_tool_check_keyfiles(os, cmd)) != 0)
        return rc;
    for (i = os->ind; i < os->argc; i++) {
        const char *path = os->argv[i];
        tjwt_key *k;
        const char *tp;
        k = tjwt_tool_load_key(p, path, 0, &err);
        if (!k) {
            tjwt_tool_error(cmd->name, "%s", err);
            return TJWT_EXIT_USAGE;
        }
        tp = tjwt_key_thumbprint(p, k->pkey);
        printf("%s %s %s %s\n", k->kid, k->alg_name, tp ? tp : "-", path);
    }
    return TJWT_EXIT_OK;
}
