/* Test doubles for the few httpd functions the library calls, and a
 * request built from httpd's own structures. httpd's core is an
 * executable, not a library: the unit program links libtjwt and APR, and
 * tests/unit/httpd_stubs.c defines what it would have taken from httpd
 * (docs/development.md, "Unit tests and httpd"). */
#ifndef TJWT_HTTPD_STUBS_H
#define TJWT_HTTPD_STUBS_H

#include <ap_expr.h>
#include <http_config.h>
#include <httpd.h>

/* Our module's index in the configuration vectors of the test requests;
 * core's is 0 (AP_CORE_MODULE_INDEX), as in httpd. */
#define TJWT_TEST_MODULE_INDEX 1
/* How many modules a test's configuration vectors have room for. */
#define TJWT_TEST_MODULES 8

/* An expression the double of ap_expr_str_exec evaluates: the value of
 * one request variable (what %{reqenv:NAME} reads), a literal, or a
 * failure with that message. The double of ap_expr_parse_cmd makes the
 * first from "%{reqenv:NAME}" or "%{env:NAME}" and the second from text without
 * "%{". */
ap_expr_info_t *tjwt_test_expr_var(apr_pool_t *p, const char *name);
ap_expr_info_t *tjwt_test_expr_literal(apr_pool_t *p, const char *text);
ap_expr_info_t *tjwt_test_expr_error(apr_pool_t *p, const char *err);
/* What the double of ap_expr_parse_cmd was last given, or NULL. */
ap_expr_info_t *tjwt_test_expr_parsed(void);

/* A main server: ServerName "unit.example", LogLevel trace8 (so that
 * every line reaches the log double), configuration vectors holding a
 * fresh server configuration of ours. */
server_rec *tjwt_test_server(apr_pool_t *p);

/* A request on s as httpd makes one before its hooks run: its own pool,
 * connection, empty headers_in, subprocess_env and notes tables, and
 * per_dir_config and request_config vectors; per_dir_config holds d (our
 * directory configuration) when d is not NULL. */
request_rec *tjwt_test_request(apr_pool_t *p, server_rec *s, void *d);

struct tjwt_key;
/* A token for user from tjwt_token_get on a fresh request (in p) on s: issuer
 * unit.example, audience http://backend.example, ten minutes from now
 * (the cache tests' one token shape). */
const char *tjwt_test_token(apr_pool_t *p, server_rec *s,
                            const struct tjwt_key *key, const char *user);

/* A subrequest of r, as ap_sub_req_lookup_* starts one: the same
 * server and connection, a copy of r's headers_in and subprocess_env,
 * main set. */
request_rec *tjwt_test_subrequest(request_rec *r, void *d);

/* An internal redirect of r, as ap_internal_redirect makes one: the
 * same headers_in table, r's variables renamed REDIRECT_*, prev set. */
request_rec *tjwt_test_redirect(request_rec *r, void *d);

/* A directive being read, as httpd hands it to a handler: name, its
 * raw arguments (for the checks of the whole line), read in the server
 * configuration of s (override RSRC_CONF | ACCESS_CONF | OR_ALL) or, when
 * in_htaccess, from an .htaccess file (AllowOverride All: OR_ALL). */
cmd_parms *tjwt_test_cmd(apr_pool_t *p, server_rec *s, const char *name,
                         const char *args, int in_htaccess);

/* Everything the log doubles (ap_log_error, ap_log_rerror) were given
 * since the last reset, one line each. */
const char *tjwt_test_log(void);
void tjwt_test_log_reset(void);

/* What the handler doubles (ap_rwrite, ap_rprintf) were given. */
const char *tjwt_test_output(void);
void tjwt_test_output_reset(void);

/* The provider ap_lookup_provider finds, under that name; none unless a
 * test sets one (test_cache_socache.c). */
extern const void *tjwt_test_provider;
extern const char *tjwt_test_provider_name;

/* ServerRoot, for ap_server_root_relative; a directory that does not
 * exist unless a test sets one. */
extern const char *tjwt_test_server_root;

/* What ap_state_query(AP_SQ_MAIN_STATE) answers; AP_SQ_MS_RUN_MPM by
 * default. */
extern int tjwt_test_main_state;

#endif
