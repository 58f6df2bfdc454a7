/* .htaccess and identity. With AllowOverride AuthConfig an .htaccess
 * author may set up authentication of their own (AuthUserFile,
 * AuthBasicFake, AuthLDAP*, ...), and with FileInfo set environment
 * variables and request headers that claim sources may read. Our own
 * directives that decide identity are refused there at parse time; the
 * other modules' are caught here, per request: httpd keeps, for every
 * .htaccess it applied, a configuration vector in which only the modules
 * that file configured have an entry. */
#include "htaccess.h"

#include <apr_strings.h>
#include <http_config.h>
#include <string.h>

/* Modules whose configuration can change the user or the inputs of claim
 * sources. mod_authz_* only narrow who gets in, so they stay allowed. */
static int tjwt_identity_module(const char *name)
{
    static const char *const exact[] = {"mod_ssl.c",      "mod_env.c",
                                        "mod_setenvif.c", "mod_rewrite.c",
                                        "mod_headers.c",  NULL};
    int i;

    if (strncmp(name, "mod_auth", 8) == 0 &&
        strncmp(name, "mod_authz_", 10) != 0)
        return 1;
    for (i = 0; exact[i]; i++) {
        if (strcmp(name, exact[i]) == 0)
            return 1;
    }
    return 0;
}

const char *tjwt_htaccess_tainted(request_rec *r)
{
    const struct htaccess_result *h;
    module *m;

    for (h = r->htaccess; h; h = h->next) {
        if (!h->htaccess)
            continue;
        for (m = ap_top_module; m; m = m->next) {
            if (ap_get_module_config(h->htaccess, m) &&
                tjwt_identity_module(m->name))
                return apr_psprintf(r->pool,
                                    "the .htaccess file in %s configures %s",
                                    h->dir, m->name);
        }
    }
    return NULL;
}

int tjwt_in_htaccess(const cmd_parms *cmd)
{
    /* Server and section contexts carry RSRC_CONF or ACCESS_CONF in their
     * override mask; an .htaccess file carries only its AllowOverride. */
    return !(cmd->override & (RSRC_CONF | ACCESS_CONF));
}
