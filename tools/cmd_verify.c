/* tjwt verify: checks a token the way an upstream does (Teleport's
 * example verifier): signature by the JWKS key its kid names, issuer,
 * audience, and nbf/exp with a leeway. */
#include "tool.h"

#include "src/duration.h"
#include "src/fetch.h"
#include "src/verify.h"

#include <apr_strings.h>
#include <apr_time.h>
#include <stdio.h>
#include <string.h>

/* The longest clock skew that makes sense to allow. */
#define TJWT_VERIFY_MAX_LEEWAY 86400
/* How long a JWKS URL may take, from connecting to the last byte. */
#define TJWT_VERIFY_TIMEOUT     10
#define TJWT_VERIFY_MAX_TIMEOUT 3600

static int tjwt_verify_run(apr_pool_t *p, int argc, const char *const *argv);

const tjwt_tool_cmd tjwt_tool_verify = {
    "verify", "verify a token against a JWKS file or URL",
    "Usage: tjwt verify --jwks FILE|URL --issuer ISS --audience AUD\n"
    "                   [--leeway DURATION] [--timeout DURATION]\n"
    "                   [--cacert FILE]\n"
    "                   [--token TOKEN | FILE]\n"
    "\n"
    "Verifies a token as an upstream does: the key named by its kid in the\n"
    "JWKS, an alg that key is for (RS256, ES256 or EdDSA), the signature,\n"
    "iss equal to ISS, aud holding AUD, and nbf, iat and exp within the\n"
    "leeway. The token is read from FILE, or from standard input when FILE\n"
    "is \"-\" or absent.\n"
    "\n"
    "Verified: prints the claims (indented JSON) and exits 0. Refused:\n"
    "prints one line to standard error, starting with the reason (malformed\n"
    "token, unknown kid, bad signature, wrong iss, wrong aud, not yet\n"
    "valid, expired), and exits 1. Usage, file or network errors exit 2.\n"
    "\n"
    "Options:\n"
    "  -j, --jwks FILE|URL     the key set: a file, \"-\", or an https:// or\n"
    "                          http:// URL (certificates checked, no\n"
    "                          redirects, at most 1 MiB)\n"
    "  -i, --issuer ISS        the expected iss (required)\n"
    "  -a, --audience AUD      the expected aud (required)\n"
    "  -l, --leeway DURATION   clock skew allowed (default 60s)\n"
    "  -T, --timeout DURATION  the whole fetch of a JWKS URL, from resolving\n"
    "                          the name to the last byte (default 10s)\n"
    "  -c, --cacert FILE       CA certificates (PEM) for an https:// JWKS URL\n"
    "                          (default: the system's)\n"
    "  -t, --token TOKEN       the token itself\n"
    "  -h, --help              this text\n"
    "\n"
    "Example:\n"
    "  tjwt verify --jwks http://127.0.0.1/.well-known/jwks.json \\\n"
    "      --issuer apache.example.com --audience http://127.0.0.1:4321 "
    "t.jwt\n",
    tjwt_verify_run};

static json_t *tjwt_verify_load_jwks(apr_pool_t *p, const char *src,
                                     apr_int64_t timeout, const char *cacert,
                                     const char **err)
{
    /* http:// stays for loopback test servers; the module takes only
     * https. */
    tjwt_fetch_opts fo = {apr_time_from_sec(timeout), TJWT_TOOL_INPUT_MAX,
                          cacert, 1};
    const char *text, *bad;
    apr_size_t len;
    json_t *doc;

    if (strncasecmp(src, "http://", 7) == 0 ||
        strncasecmp(src, "https://", 8) == 0) {
        tjwt_fetch_global_init();
        text = tjwt_fetch(p, src, &fo, &len, err);
        if (!text || !(doc = tjwt_tool_parse_json(p, text, len, src, err)))
            return NULL;
    }
    else if (!(doc = tjwt_tool_read_json(p, src, err))) {
        return NULL;
    }
    if ((bad = tjwt_jwks_check(doc))) {
        *err = apr_psprintf(p, "%s is not a JWKS: %s",
                            strcmp(src, "-") ? src : "standard input", bad);
        return NULL;
    }
    return doc;
}

static int tjwt_verify_run(apr_pool_t *p, int argc, const char *const *argv)
{
    static const apr_getopt_option_t opts[] = {
        {"jwks", 'j', 1, NULL},     {"issuer", 'i', 1, NULL},
        {"audience", 'a', 1, NULL}, {"leeway", 'l', 1, NULL},
        {"token", 't', 1, NULL},    {"timeout", 'T', 1, NULL},
        {"cacert", 'c', 1, NULL},   {"help", 'h', 0, NULL},
        {NULL, 0, 0, NULL}};
    const tjwt_tool_cmd *cmd = &tjwt_tool_verify;
    tjwt_tool_args *os = tjwt_tool_getopt(p, cmd, argc, argv);
    const char *arg, *err = NULL, *jwks_src = NULL, *leeway = NULL;
    const char *timeout_arg = NULL, *cacert = NULL;
    apr_int64_t timeout = TJWT_VERIFY_TIMEOUT;
    const char *token_opt = NULL, *path = "-", *token, *why = NULL;
    tjwt_verify_opts vo = {NULL, NULL, TJWT_VERIFY_DEFAULT_LEEWAY, 0};
    tjwt_verify_e result;
    tjwt_jwt *t = NULL;
    int optch, rc = 0, r;
    json_t *jwks;

    while ((r = tjwt_tool_next_opt(os, cmd, opts, &optch, &arg, &rc)) > 0) {
        switch (optch) {
        case 'j':
            jwks_src = arg;
            break;
        case 'i':
            vo.issuer = arg;
            break;
        case 'a':
            vo.audience = arg;
            break;
        case 'l':
            leeway = arg;
            break;
        case 't':
            token_opt = arg;
            break;
        case 'T':
            timeout_arg = arg;
            break;
        case 'c':
            cacert = arg;
            break;
        }
    }
    if (r < 0)
        return rc;
    /* Checking a signature without checking who the token is from and for
     * is how tokens get replayed between services: both are required. */
    if (!jwks_src || !vo.issuer || !vo.audience)
        return tjwt_tool_usage_error(cmd->name,
                                     "--jwks, --issuer and --audience are "
                                     "required");
    if (leeway && (err = tjwt_duration_parse(leeway, 0, TJWT_VERIFY_MAX_LEEWAY,
                                             &vo.leeway)))
        return tjwt_tool_usage_error(
            cmd->name, "--leeway '%s' is not accepted: %s", leeway, err);
    if (timeout_arg && (err = tjwt_duration_parse(
                            timeout_arg, 1, TJWT_VERIFY_MAX_TIMEOUT, &timeout)))
        return tjwt_tool_usage_error(
            cmd->name, "--timeout '%s' is not accepted: %s", timeout_arg, err);
    if (os->argc - os->ind > (token_opt ? 0 : 1))
        return tjwt_tool_usage_error(cmd->name,
                                     "expected one FILE, or --token alone");
    if (os->ind < os->argc)
        path = os->argv[os->ind];
    if (!token_opt && !strcmp(path, "-") && !strcmp(jwks_src, "-"))
        return tjwt_tool_usage_error(cmd->name,
                                     "the JWKS and the token cannot both "
                                     "come from standard input");
    token = tjwt_tool_read_token(p, token_opt, path, &err);
    if (!token) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    jwks = tjwt_verify_load_jwks(p, jwks_src, timeout, cacert, &err);
    if (!jwks) {
        tjwt_tool_error(cmd->name, "%s", err);
        return TJWT_EXIT_USAGE;
    }
    vo.now = (apr_int64_t)apr_time_sec(apr_time_now());
    result = tjwt_verify(p, token, jwks, &vo, &t, &why);
    if (result != TJWT_VERIFY_OK) {
        tjwt_tool_error(cmd->name, "%s", why);
        return TJWT_EXIT_FAIL;
    }
    tjwt_tool_print_json(t->payload);
    return TJWT_EXIT_OK;
}
