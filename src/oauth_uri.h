/* The identifiers of OAuth protected resource metadata (RFC 9728): what a
 * resource or issuer URI may be, where a resource's metadata is published,
 * and what a scope may be spelt with. */
#ifndef TJWT_OAUTH_URI_H
#define TJWT_OAUTH_URI_H

#include <apr_pools.h>

/* The well-known path of protected resource metadata (RFC 9728 §3). */
#define TJWT_OAUTH_WELL_KNOWN "/.well-known/oauth-protected-resource"

/* Why uri cannot identify a resource or an authorization server, or NULL:
 * it must be absolute, https (http only for a loopback host), in lower
 * case up to the path, without user, query or fragment. */
const char *tjwt_oauth_uri_problem(apr_pool_t *p, const char *uri);

/* The path of a checked resource URI as the well-known URI takes it:
 * "" for the root (a lone "/" counts as none, RFC 9728 §3.1). */
const char *tjwt_oauth_resource_path(apr_pool_t *p, const char *resource);

/* The URL of a checked resource URI's metadata: the well-known path put
 * between its authority and its path. */
const char *tjwt_oauth_metadata_url(apr_pool_t *p, const char *resource);

/* Whether s is one scope token (RFC 6749 §3.3): printable ASCII without
 * space, '"' or '\'. */
int tjwt_oauth_scope_ok(const char *s);

#endif
