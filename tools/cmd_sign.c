/* tjwt sign: a token for a claim set, signed as the module signs: the
 * same protected header (alg, kid, typ) and compact JSON with sorted
 * members. */
#include "tool.h"

#include "src/duration.h"
#include "src/jws.h"

#include <apr_time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The clock-skew allowance: iat and nbf are this much before now, as the
 * module signs them (docs/tokens.md, "Clocks"). */
#define TJWT_SIGN_NBF_SKEW 10
/* A year: longer-lived bearer tokens are a mistake worth refusing. */
#define TJWT_SIGN_MAX_LIFETIME (366 * 86400L)

static int tjwt_sign_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_sign = {
    "sign", "sign a claim set (JSON) with a key file, print the token",
    "Usage: tjwt sign --key KEYFILE [--lifetime DURATION] [CLAIMS]\n"
    "\n"
    "Signs the claim set in the file CLAIMS (a JSON object; \"-\" or none:\n"
    "standard input) with the private key KEYFILE and prints the compact\n"
    "token. The header is the module's: alg (RS256, ES256 or EdDSA, by the\n"
    "key), kid (Teleport's key id) and typ JWT; the payload is compact JSON\n"
    "with sorted members.\n"
    "\n"
    "Options:\n"
    "  -k, --key KEYFILE       the private key (PEM); \"-\" for standard\n"
    "                          input when CLAIMS is a file\n"
    "  -l, --lifetime DURATION set iat and nbf to now - 10 s and exp to\n"
    "                          now + DURATION (90s, 10m, 1h, 1d; at most a\n"
    "                          year), replacing those claims if present\n"
    "  -h, --help              this text\n"
    "\n"
    "Example:\n"
    "  echo '{\"sub\":\"alice\",\"iss\":\"apache\",\"aud\":[\"https://mcp\"]}' "
    "|\n"
    "      tjwt sign --key signing.pem --lifetime 10m\n",
    tjwt_sign_run};

static int tjwt_sign_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {{"key", 'k', 1, NULL},
                                               {"lifetime", 'l', 1, NULL},
                                               {"help", 'h', 0, NULL},
                                               {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_sign;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *err = NULL, *keyfile = NULL, *lifetime = NULL;
    const char *claims_path = "-", *token;
    int optch, rc = 0, r;
    apr_int64_t secs = 0;
    json_t *claims;
    tjwt_key *k;
    char *payload;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0) {
        if (optch == 'k')
            keyfile = arg;
        else if (optch == 'l')
            lifetime = arg;
    }
    if (r < 0)
        return rc;
    if (!keyfile)
        return tjwt_tool_usage_error(cmd->name, "--key KEYFILE is required");
    if (os->argc - os->ind > 1)
        return tjwt_tool_usage_error(cmd->name, "expected at most one CLAIMS "
                                                "file");
    if (os->ind < os->argc)
        claims_path = os->argv[os->ind];
    if (!strcmp(keyfile, "-") && !strcmp(claims_path, "-"))
        return tjwt_tool_usage_error(cmd->name,
                                     "the key and the claims cannot both "
                                     "come from standard input");
    if (lifetime &&
        (err = tjwt_duration_parse(lifetime, 1, TJWT_SIGN_MAX_LIFETIME, &secs)))
        return tjwt_tool_usage_error(
            cmd->name, "--lifetime '%s' is not accepted: %s", lifetime, err);

    k = tjwt_tool_load_key(p, keyfile, 1, &err);
    if (!k) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    claims = tjwt_tool_read_json(p, claims_path, &err);
    if (!claims) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    if (!json_is_object(claims)) {
        tjwt_tool_error(cmd->name, "the claim set must be a JSON object");
        return TJWT_EXIT_USAGE;
    }
    if (lifetime) {
        json_int_t now = (json_int_t)apr_time_sec(apr_time_now());
        json_object_set_new(claims, "iat",
                            json_integer(now - TJWT_SIGN_NBF_SKEW));
        json_object_set_new(claims, "nbf",
                            json_integer(now - TJWT_SIGN_NBF_SKEW));
        json_object_set_new(claims, "exp", json_integer(now + secs));
    }
    payload = json_dumps(claims, JSON_COMPACT | JSON_SORT_KEYS);
    if (!payload) {
        tjwt_tool_error(cmd->name, "cannot serialise the claim set");
        return TJWT_EXIT_USAGE;
    }
    token = tjwt_jws_sign(p, k, payload, strlen(payload), &err);
    free(payload);
    if (!token) {
        tjwt_tool_error(cmd->name, "%s: %s", keyfile, err);
        return TJWT_EXIT_USAGE;
    }
    puts(token);
    return TJWT_EXIT_OK;
}
