/* Configuration: directive parsing happens here, once, so that the request
 * path only reads ready values. */
#include "config.h"
#include "duration.h"

#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_uri.h>
#include <http_log.h>

/* The longest lifetime accepted: a token is a bearer credential, and a
 * day is already far more than Teleport issues for application access. */
#define TJWT_MAX_LIFETIME 86400

void *tjwt_create_dir_conf(apr_pool_t *p, char *dir)
{
    tjwt_dir_conf *d = apr_pcalloc(p, sizeof(*d));

    (void)dir;
    d->enabled = TJWT_UNSET;
    d->claims_mode = TJWT_UNSET;
    d->lifetime = TJWT_UNSET;
    d->max_size = TJWT_UNSET;
    return d;
}

#define TJWT_MERGE_PTR(m) (add->m ? add->m : base->m)
#define TJWT_MERGE_INT(m) (add->m != TJWT_UNSET ? add->m : base->m)

void *tjwt_merge_dir_conf(apr_pool_t *p, void *basev, void *addv)
{
    tjwt_dir_conf *base = basev, *add = addv;
    tjwt_dir_conf *d = apr_palloc(p, sizeof(*d));

    d->enabled = TJWT_MERGE_INT(enabled);
    d->claims_mode = TJWT_MERGE_INT(claims_mode);
    d->assertion_header = TJWT_MERGE_PTR(assertion_header);
    d->issuer = TJWT_MERGE_PTR(issuer);
    d->audience = TJWT_MERGE_PTR(audience);
    d->user = TJWT_MERGE_PTR(user);
    d->lifetime = TJWT_MERGE_INT(lifetime);
    d->max_size = TJWT_MERGE_INT(max_size);
    return d;
}

void *tjwt_create_srv_conf(apr_pool_t *p, server_rec *s)
{
    (void)s;
    return apr_pcalloc(p, sizeof(tjwt_srv_conf));
}

void *tjwt_merge_srv_conf(apr_pool_t *p, void *basev, void *addv)
{
    tjwt_srv_conf *base = basev, *add = addv;
    tjwt_srv_conf *s = apr_pcalloc(p, sizeof(*s));

    s->signing_key = TJWT_MERGE_PTR(signing_key);
    s->publish_keys = TJWT_MERGE_PTR(publish_keys);
    return s;
}

const char *tjwt_cmd_enable(cmd_parms *cmd, void *dconf, int on)
{
    (void)cmd;
    ((tjwt_dir_conf *)dconf)->enabled = on ? 1 : 0;
    return NULL;
}

const char *tjwt_cmd_claims(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_claims_mode_e mode;

    if (tjwt_claims_mode_parse(arg, &mode) != 0)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use roles-and-traits, "
                            "roles, traits or none",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->claims_mode = (int)mode;
    return NULL;
}

/* RFC 9110 token characters: what a header field name may contain. */
static int tjwt_is_header_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!apr_isalnum(*s) && !strchr("!#$%&'*+-.^_`|~", *s))
            return 0;
    }
    return 1;
}

const char *tjwt_cmd_assertion_header(cmd_parms *cmd, void *dconf,
                                      const char *arg)
{
    tjwt_dir_conf *d = dconf;

    if (strcasecmp(arg, "Off") == 0) {
        d->assertion_header = "";
        return NULL;
    }
    if (!tjwt_is_header_name(arg))
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not a header name; use a name made "
                            "of letters, digits and -, or Off",
                            cmd->cmd->name, arg);
    d->assertion_header = arg;
    return NULL;
}

static int tjwt_has_ctl(const char *s)
{
    for (; *s; s++) {
        if (apr_iscntrl(*s))
            return 1;
    }
    return 0;
}

const char *tjwt_cmd_issuer(cmd_parms *cmd, void *dconf, const char *arg)
{
    if (!*arg || tjwt_has_ctl(arg))
        return apr_psprintf(cmd->pool,
                            "%s: the issuer must be a non-empty string "
                            "without control characters",
                            cmd->cmd->name);
    ((tjwt_dir_conf *)dconf)->issuer = arg;
    return NULL;
}

const char *tjwt_cmd_audience(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_uri_t uri;

    if (strcasecmp(arg, "auto") == 0) {
        ((tjwt_dir_conf *)dconf)->audience = "auto";
        return NULL;
    }
    if (tjwt_has_ctl(arg) ||
        apr_uri_parse(cmd->pool, arg, &uri) != APR_SUCCESS || !uri.scheme ||
        !uri.hostname)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use an absolute URI "
                            "such as https://mcp.example.com/mcp, or auto",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->audience = arg;
    return NULL;
}

const char *tjwt_cmd_user(cmd_parms *cmd, void *dconf, const char *arg)
{
    const char *err = NULL;
    ap_expr_info_t *expr =
        ap_expr_parse_cmd(cmd, arg, AP_EXPR_FLAG_STRING_RESULT, &err, NULL);

    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: cannot parse the expression '%s': %s",
                            cmd->cmd->name, arg, err);
    ((tjwt_dir_conf *)dconf)->user = expr;
    return NULL;
}

const char *tjwt_cmd_lifetime(cmd_parms *cmd, void *dconf, const char *arg)
{
    apr_int64_t secs;
    const char *err = tjwt_duration_parse(arg, 1, TJWT_MAX_LIFETIME, &secs);

    if (err)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted (%s); use a duration "
                            "from 1s to 24h such as 90s, 10m or 1h",
                            cmd->cmd->name, arg, err);
    ((tjwt_dir_conf *)dconf)->lifetime = secs;
    return NULL;
}

const char *tjwt_cmd_max_size(cmd_parms *cmd, void *dconf, const char *arg)
{
    char *end;
    apr_int64_t n = apr_strtoi64(arg, &end, 10);

    /* Below a few hundred bytes not even a bare token fits. */
    if (*end || n < 512 || n > 1048576)
        return apr_psprintf(cmd->pool,
                            "%s: '%s' is not accepted; use a number of bytes "
                            "from 512 to 1048576",
                            cmd->cmd->name, arg);
    ((tjwt_dir_conf *)dconf)->max_size = n;
    return NULL;
}

const char *tjwt_cmd_signing_key(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *path;

    (void)dconf;
    if (err)
        return err;
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            arg);
    /* Loaded now so that configtest reports a bad key with its line. */
    s->signing_key = tjwt_key_load_private(cmd->pool, path, &err);
    if (!s->signing_key)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    return NULL;
}

const char *tjwt_cmd_publish_key(cmd_parms *cmd, void *dconf, const char *arg)
{
    tjwt_srv_conf *s =
        ap_get_module_config(cmd->server->module_config, &teleport_jwt_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);
    const char *path;
    tjwt_key *k;

    (void)dconf;
    if (err)
        return err;
    path = ap_server_root_relative(cmd->pool, arg);
    if (!path)
        return apr_psprintf(cmd->pool, "%s: invalid path '%s'", cmd->cmd->name,
                            arg);
    k = tjwt_key_load_public(cmd->pool, path, &err);
    if (!k)
        return apr_psprintf(cmd->pool, "%s: %s", cmd->cmd->name, err);
    if (!s->publish_keys)
        s->publish_keys = apr_array_make(cmd->pool, 2, sizeof(tjwt_key *));
    APR_ARRAY_PUSH(s->publish_keys, tjwt_key *) = k;
    return NULL;
}

apr_int64_t tjwt_dir_lifetime(const tjwt_dir_conf *d)
{
    return d->lifetime != TJWT_UNSET ? d->lifetime : TJWT_DEFAULT_LIFETIME;
}

apr_int64_t tjwt_dir_max_size(const tjwt_dir_conf *d)
{
    return d->max_size != TJWT_UNSET ? d->max_size : TJWT_DEFAULT_MAX_SIZE;
}

tjwt_claims_mode_e tjwt_dir_claims_mode(const tjwt_dir_conf *d)
{
    return d->claims_mode != TJWT_UNSET ? (tjwt_claims_mode_e)d->claims_mode
                                        : TJWT_CLAIMS_ROLES_AND_TRAITS;
}

const char *tjwt_dir_assertion_header(const tjwt_dir_conf *d)
{
    if (!d->assertion_header)
        return TJWT_DEFAULT_ASSERTION_HEADER;
    return *d->assertion_header ? d->assertion_header : NULL;
}
