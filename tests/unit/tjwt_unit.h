/* Shared pieces of the unit-test program: one suite per source file, the
 * per-test pool fixture and the helpers that find vectors and scratch
 * space. */
#ifndef TJWT_UNIT_H
#define TJWT_UNIT_H

#include <apr_pools.h>
#include <check.h>

#ifndef TJWT_VECTORS_DIR
#error "TJWT_VECTORS_DIR must be defined by the build (tests/vectors)"
#endif

Suite *tjwt_suite_audience(void);
Suite *tjwt_suite_b64url(void);
Suite *tjwt_suite_cache(void);
Suite *tjwt_suite_cache_flight(void);
Suite *tjwt_suite_cache_layers(void);
Suite *tjwt_suite_cache_socache(void);
Suite *tjwt_suite_claims(void);
Suite *tjwt_suite_config(void);
Suite *tjwt_suite_duration(void);
Suite *tjwt_suite_headers(void);
Suite *tjwt_suite_htaccess(void);
Suite *tjwt_suite_jwks(void);
Suite *tjwt_suite_jws(void);
Suite *tjwt_suite_keys(void);
Suite *tjwt_suite_oauth(void);
Suite *tjwt_suite_oauth_config(void);
Suite *tjwt_suite_origin(void);
Suite *tjwt_suite_publish(void);
Suite *tjwt_suite_request(void);
Suite *tjwt_suite_server_keys(void);
Suite *tjwt_suite_sha256(void);
Suite *tjwt_suite_sources(void);
Suite *tjwt_suite_stats(void);
Suite *tjwt_suite_template(void);
Suite *tjwt_suite_thumbprint(void);
Suite *tjwt_suite_token(void);
Suite *tjwt_suite_values(void);
Suite *tjwt_suite_verify(void);

/* A fresh pool for each test; attach with tcase_add_checked_fixture so
 * that every test runs (and is torn down) in its own forked child. */
extern apr_pool_t *tjwt_test_pool;
void tjwt_test_pool_setup(void);
void tjwt_test_pool_teardown(void);

/* The absolute path of a file in tests/vectors. */
const char *tjwt_test_vector_path(apr_pool_t *p, const char *name);

/* The private key in a file of tests/vectors, loaded as the module loads
 * keys, in tjwt_test_pool; fails the test if it cannot be. */
struct tjwt_key *tjwt_test_vector_key(const char *name);

/* A new directory (made with mkdtemp under /tmp), removed with its files
 * when p is destroyed. */
const char *tjwt_test_tmpdir(apr_pool_t *p);

#endif
