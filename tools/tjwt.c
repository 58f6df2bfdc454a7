/* tjwt: makes and checks mod_teleport_jwt's keys and tokens from a shell.
 * This file only dispatches to the subcommands and prints the overview. */
#include "tool.h"

#include <apr_general.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "tjwt_build.h"

static const tjwt_tool_cmd *const tjwt_cmds[] = {
    &tjwt_tool_keygen, &tjwt_tool_kid,    &tjwt_tool_jwks,
    &tjwt_tool_sign,   &tjwt_tool_decode, &tjwt_tool_verify,
};

#define TJWT_NCMDS (sizeof(tjwt_cmds) / sizeof(tjwt_cmds[0]))

static void tjwt_overview(FILE *out)
{
    size_t i;

    fputs("Usage: tjwt COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "Makes and checks the keys and tokens of mod_teleport_jwt, with the\n"
          "code the module runs.\n"
          "\n"
          "Commands:\n",
          out);
    for (i = 0; i < TJWT_NCMDS; i++)
        fprintf(out, "  %-8s %s\n", tjwt_cmds[i]->name, tjwt_cmds[i]->summary);
    fputs("\n"
          "  tjwt COMMAND --help   the options of a command\n"
          "  tjwt --version        the version\n"
          "\n"
          "A file argument of \"-\" is standard input. Exit status: 0 done\n"
          "(verified), 1 refused (the token does not verify or is\n"
          "malformed), 2 usage or input error.\n",
          out);
}

static const tjwt_tool_cmd *tjwt_find(const char *name)
{
    size_t i;

    for (i = 0; i < TJWT_NCMDS; i++)
        if (strcmp(tjwt_cmds[i]->name, name) == 0)
            return tjwt_cmds[i];
    return NULL;
}

int main(int argc, const char *const *argv)
{
    const tjwt_tool_cmd *cmd;
    apr_pool_t *p;
    int rc;

    if (argc < 2) {
        tjwt_overview(stderr);
        return TJWT_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        if (argc > 2 && !strcmp(argv[1], "help")) {
            if (!(cmd = tjwt_find(argv[2]))) {
                tjwt_tool_error(NULL, "no command '%s'; see 'tjwt --help'",
                                argv[2]);
                return TJWT_EXIT_USAGE;
            }
            fputs(cmd->help, stdout);
            return TJWT_EXIT_OK;
        }
        tjwt_overview(stdout);
        return TJWT_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tjwt (mod_teleport_jwt) %s, %s\n", PACKAGE_VERSION,
               OpenSSL_version(OPENSSL_VERSION));
        return TJWT_EXIT_OK;
    }
    if (!(cmd = tjwt_find(argv[1]))) {
        tjwt_tool_error(NULL, "no command '%s'; see 'tjwt --help'", argv[1]);
        return TJWT_EXIT_USAGE;
    }
    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS ||
        apr_pool_create(&p, NULL) != APR_SUCCESS) {
        tjwt_tool_error(NULL, "cannot initialise APR");
        return TJWT_EXIT_USAGE;
    }
    rc = cmd->run(p, argc - 1, argv + 1);
    /* Standard output may be a pipe to a closed reader or a full disk: a
     * token or a key set that was not written must not look done. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        tjwt_tool_error(cmd->name, "cannot write standard output");
        rc = TJWT_EXIT_USAGE;
    }
    apr_pool_destroy(p);
    apr_terminate();
    return rc;
}
