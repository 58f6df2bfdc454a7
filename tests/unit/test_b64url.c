/* Base64url: the RFC 4648 test strings, the URL-safe alphabet and the
 * strict decoder that gives every byte string exactly one encoding. */
#include "tjwt_unit.h"

#include "src/b64url.h"

#include <openssl/rand.h>
#include <string.h>

/* RFC 4648 §10, with the padding removed as RFC 7515 §2 requires. */
static const struct {
    const char *plain;
    const char *encoded;
} rfc4648[] = {
    {"", ""},
    {"f", "Zg"},
    {"fo", "Zm8"},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg"},
    {"fooba", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy"},
};

START_TEST(test_rfc4648_encode)
{
    const char *plain = rfc4648[_i].plain;
    char *out = tjwt_b64url_encode(tjwt_test_pool, (const unsigned char *)plain,
                                   strlen(plain));

    ck_assert_str_eq(out, rfc4648[_i].encoded);
}
END_TEST

START_TEST(test_rfc4648_decode)
{
    const char *enc = rfc4648[_i].encoded;
    apr_size_t len = 12345;
    unsigned char *out =
        tjwt_b64url_decode(tjwt_test_pool, enc, strlen(enc), &len);

    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(len, strlen(rfc4648[_i].plain));
    ck_assert_mem_eq(out, rfc4648[_i].plain, len);
}
END_TEST

/* 0xfb 0xff is 111110 111111 1111(00): values 62, 63 and 60, which are
 * '+', '/' and '8' in standard base64 and '-', '_' and '8' here. */
START_TEST(test_url_safe_alphabet)
{
    static const unsigned char bytes[] = {0xfb, 0xff};
    apr_size_t len = 0;
    char *out = tjwt_b64url_encode(tjwt_test_pool, bytes, sizeof(bytes));
    unsigned char *back;

    ck_assert_str_eq(out, "-_8");
    back = tjwt_b64url_decode(tjwt_test_pool, out, strlen(out), &len);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(len, sizeof(bytes));
    ck_assert_mem_eq(back, bytes, sizeof(bytes));
}
END_TEST

/* _i is the length: every remainder mod 3 is crossed many times. */
START_TEST(test_round_trip_random)
{
    unsigned char data[64];
    apr_size_t n = (apr_size_t)_i, len = 99999;
    char *enc;
    unsigned char *dec;

    if (n > 0)
        ck_assert_int_eq(RAND_bytes(data, (int)n), 1);
    enc = tjwt_b64url_encode(tjwt_test_pool, data, n);
    /* Unpadded length: 4 characters per 3 bytes, rounded up. */
    ck_assert_uint_eq(strlen(enc), (4 * n + 2) / 3);
    ck_assert_msg(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                              "abcdefghijklmnopqrstuvwxyz0123456789-_") ==
                      strlen(enc),
                  "character outside the URL-safe alphabet in %s", enc);
    dec = tjwt_b64url_decode(tjwt_test_pool, enc, strlen(enc), &len);
    ck_assert_ptr_nonnull(dec);
    ck_assert_uint_eq(len, n);
    if (n > 0)
        ck_assert_mem_eq(dec, data, n);
}
END_TEST

/* Each of these must be refused; they are all near-misses of valid
 * encodings of "f", "fo", "foo" or "foob". */
static const char *const rejected[] = {
    "Zg==",        /* padding */
    "Zm8=",        /* padding */
    "Zg=",         /* partial padding */
    "Zm+v",        /* standard alphabet '+' */
    "Zm/v",        /* standard alphabet '/' */
    "Zm9v\n",      /* trailing newline */
    " Zm9v",       /* leading space */
    "Zm 9v",       /* inner space */
    "Zm9v\tYg",    /* tab */
    "Zm9v\r\nYg",  /* CR LF */
    "Z",           /* length % 4 == 1 */
    "Zm9vY",       /* length % 4 == 1 */
    "Zm9vYmFyZ",   /* length % 4 == 1 */
    "A",           /* length % 4 == 1, even with all bits zero */
    "Zm9vA",       /* length % 4 == 1, even with all bits zero */
    "Zh",          /* "f" with a non-zero trailing bit */
    "Zm9",         /* "fo" with a non-zero trailing bit */
    "Zm9vYh",      /* "foob" with a non-zero trailing bit */
    "Zm9vYmF",     /* "fooba" with a non-zero trailing bit */
    "Zm.v",        /* punctuation */
    "Zm9\xc3\xa9", /* non-ASCII */
};

START_TEST(test_decode_rejects)
{
    const char *in = rejected[_i];
    apr_size_t len = 0;

    ck_assert_msg(tjwt_b64url_decode(tjwt_test_pool, in, strlen(in), &len) ==
                      NULL,
                  "decoder accepted \"%s\"", in);
}
END_TEST

/* An embedded NUL is not part of the alphabet; inlen, not strlen, bounds
 * the input. */
START_TEST(test_decode_rejects_nul)
{
    apr_size_t len = 0;

    ck_assert_ptr_null(tjwt_b64url_decode(tjwt_test_pool, "Zm\0v", 4, &len));
}
END_TEST

/* The canonical forms next to the rejected non-canonical ones decode. */
START_TEST(test_decode_canonical_trailing_bits)
{
    apr_size_t len = 0;
    unsigned char *out;

    out = tjwt_b64url_decode(tjwt_test_pool, "Zg", 2, &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(len, 1);
    ck_assert_int_eq(out[0], 'f');
    ck_assert_ptr_null(tjwt_b64url_decode(tjwt_test_pool, "Zh", 2, &len));
    ck_assert_ptr_nonnull(tjwt_b64url_decode(tjwt_test_pool, "Zm8", 3, &len));
    ck_assert_ptr_null(tjwt_b64url_decode(tjwt_test_pool, "Zm9", 3, &len));
}
END_TEST

Suite *tjwt_suite_b64url(void)
{
    Suite *s = suite_create("b64url");
    TCase *tc = tcase_create("encode");
    int nvec = (int)(sizeof(rfc4648) / sizeof(rfc4648[0]));

    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_rfc4648_encode, 0, nvec);
    tcase_add_test(tc, test_url_safe_alphabet);
    suite_add_tcase(s, tc);

    tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, tjwt_test_pool_setup,
                              tjwt_test_pool_teardown);
    tcase_add_loop_test(tc, test_rfc4648_decode, 0, nvec);
    tcase_add_loop_test(tc, test_round_trip_random, 0, 65);
    tcase_add_loop_test(tc, test_decode_rejects, 0,
                        (int)(sizeof(rejected) / sizeof(rejected[0])));
    tcase_add_test(tc, test_decode_rejects_nul);
    tcase_add_test(tc, test_decode_canonical_trailing_bits);
    suite_add_tcase(s, tc);
    return s;
}
