/* The unit-test driver: runs every suite against the real library code
 * (src/libtjwt.la) and exits non-zero if any test fails. */
#include "tjwt_unit.h"
#include "src/keys.h"

#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_general.h>
#include <apr_strings.h>
#include <stdlib.h>
#include <string.h>

apr_pool_t *tjwt_test_pool;

void tjwt_test_pool_setup(void)
{
    ck_assert_int_eq(apr_pool_create(&tjwt_test_pool, NULL), APR_SUCCESS);
}

void tjwt_test_pool_teardown(void)
{
    apr_pool_destroy(tjwt_test_pool);
    tjwt_test_pool = NULL;
}

const char *tjwt_test_vector_path(apr_pool_t *p, const char *name)
{
    return apr_pstrcat(p, TJWT_VECTORS_DIR, "/", name, NULL);
}

tjwt_key *tjwt_test_vector_key(const char *name)
{
    const char *err = NULL;
    tjwt_key *k = tjwt_key_load_private(
        tjwt_test_pool, tjwt_test_vector_path(tjwt_test_pool, name), &err);

    ck_assert_msg(k != NULL, "cannot load %s: %s", name, err);
    return k;
}

/* The run's scratch directory: every test's directory is made in it, and
 * main removes it after the run. A failing check ends the forked test
 * before its teardown, so the tests' own cleanups cannot be relied on. */
static char run_tmpdir[] = "/tmp/tjwt_unit.XXXXXX";

/* Removes dir and everything under it; tests make only files and
 * directories. */
static void remove_tree(apr_pool_t *p, const char *dir)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, dir, p) == APR_SUCCESS) {
        while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) ==
               APR_SUCCESS) {
            const char *path = apr_pstrcat(p, dir, "/", fi.name, NULL);
            if (strcmp(fi.name, ".") == 0 || strcmp(fi.name, "..") == 0)
                continue;
            if (fi.filetype == APR_DIR)
                remove_tree(p, path);
            else
                apr_file_remove(path, p);
        }
        apr_dir_close(d);
    }
    apr_dir_remove(dir, p);
}

static apr_status_t remove_tmpdir(void *data)
{
    apr_pool_t *p;

    if (apr_pool_create(&p, NULL) == APR_SUCCESS) {
        remove_tree(p, data);
        apr_pool_destroy(p);
    }
    return APR_SUCCESS;
}

const char *tjwt_test_tmpdir(apr_pool_t *p)
{
    char *dir = apr_pstrcat(p, run_tmpdir, "/test.XXXXXX", NULL);

    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp failed");
    apr_pool_cleanup_register(p, dir, remove_tmpdir, apr_pool_cleanup_null);
    return dir;
}

int main(void)
{
    SRunner *sr;
    int failed;

    if (apr_initialize() != APR_SUCCESS)
        return EXIT_FAILURE;
    if (!mkdtemp(run_tmpdir))
        return EXIT_FAILURE;
    sr = srunner_create(tjwt_suite_b64url());
    srunner_add_suite(sr, tjwt_suite_cache());
    srunner_add_suite(sr, tjwt_suite_claims());
    srunner_add_suite(sr, tjwt_suite_duration());
    srunner_add_suite(sr, tjwt_suite_headers());
    srunner_add_suite(sr, tjwt_suite_jws());
    srunner_add_suite(sr, tjwt_suite_keys());
    srunner_add_suite(sr, tjwt_suite_oauth());
    srunner_add_suite(sr, tjwt_suite_origin());
    srunner_add_suite(sr, tjwt_suite_request());
    srunner_add_suite(sr, tjwt_suite_template());
    srunner_add_suite(sr, tjwt_suite_values());
    srunner_add_suite(sr, tjwt_suite_thumbprint());
    srunner_add_suite(sr, tjwt_suite_verify());
    srunner_add_suite(sr, tjwt_suite_sources());
    srunner_add_suite(sr, tjwt_suite_htaccess());
    srunner_add_suite(sr, tjwt_suite_config());
    srunner_add_suite(sr, tjwt_suite_token());
    srunner_add_suite(sr, tjwt_suite_cache_layers());
    srunner_add_suite(sr, tjwt_suite_audience());
    srunner_add_suite(sr, tjwt_suite_sha256());
    srunner_add_suite(sr, tjwt_suite_jwks());
    srunner_add_suite(sr, tjwt_suite_cache_flight());
    srunner_add_suite(sr, tjwt_suite_stats());
    srunner_add_suite(sr, tjwt_suite_publish());
    srunner_add_suite(sr, tjwt_suite_oauth_config());
    srunner_add_suite(sr, tjwt_suite_server_keys());
    srunner_add_suite(sr, tjwt_suite_cache_socache());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_tmpdir(run_tmpdir);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
