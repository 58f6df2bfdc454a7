/* SHA-256 (src/sha256.c) against the FIPS 180-2 examples. */
#include "tjwt_unit.h"

#include "src/sha256.h"

#include <stdio.h>
#include <string.h>

static const char *hex(const unsigned char *b)
{
    static char out[2 * TJWT_SHA256_LEN + 1];
    int i;

    for (i = 0; i < TJWT_SHA256_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return out;
}

START_TEST(test_known_answers)
{
    unsigned char md[TJWT_SHA256_LEN];
    const char *two =
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

    ck_assert_int_eq(tjwt_sha256("abc", 3, md), 0);
    ck_assert_str_eq(
        hex(md),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    ck_assert_int_eq(tjwt_sha256(two, strlen(two), md), 0);
    ck_assert_str_eq(
        hex(md),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    ck_assert_int_eq(tjwt_sha256("", 0, md), 0);
    ck_assert_str_eq(
        hex(md),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}
END_TEST

Suite *tjwt_suite_sha256(void)
{
    Suite *s = suite_create("sha256");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_known_answers);
    suite_add_tcase(s, tc);
    return s;
}
