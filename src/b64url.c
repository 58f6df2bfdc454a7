/* Base64url encoding and strict decoding. */
#include "b64url.h"

static const char tjwt_b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

apr_size_t tjwt_b64url_encode_to(char *out, const unsigned char *data,
                                 apr_size_t len)
{
    char *o = out;
    apr_size_t i = 0;

    for (; i + 2 < len; i += 3) {
        unsigned long v = ((unsigned long)data[i] << 16) |
                          ((unsigned long)data[i + 1] << 8) | data[i + 2];
        *o++ = tjwt_b64_alphabet[(v >> 18) & 63];
        *o++ = tjwt_b64_alphabet[(v >> 12) & 63];
        *o++ = tjwt_b64_alphabet[(v >> 6) & 63];
        *o++ = tjwt_b64_alphabet[v & 63];
    }
    if (len - i == 1) {
        unsigned long v = (unsigned long)data[i] << 16;
        *o++ = tjwt_b64_alphabet[(v >> 18) & 63];
        *o++ = tjwt_b64_alphabet[(v >> 12) & 63];
    }
    else if (len - i == 2) {
        unsigned long v =
            ((unsigned long)data[i] << 16) | ((unsigned long)data[i + 1] << 8);
        *o++ = tjwt_b64_alphabet[(v >> 18) & 63];
        *o++ = tjwt_b64_alphabet[(v >> 12) & 63];
        *o++ = tjwt_b64_alphabet[(v >> 6) & 63];
    }
    return (apr_size_t)(o - out);
}

char *tjwt_b64url_encode(apr_pool_t *p, const unsigned char *data,
                         apr_size_t len)
{
    char *out = apr_palloc(p, TJWT_B64URL_LEN(len) + 1);

    out[tjwt_b64url_encode_to(out, data, len)] = '\0';
    return out;
}

static int tjwt_b64_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

unsigned char *tjwt_b64url_decode(apr_pool_t *p, const char *in,
                                  apr_size_t inlen, apr_size_t *outlen)
{
    unsigned char *out, *o;
    apr_size_t i;
    unsigned long acc = 0;
    int bits = 0;

    /* A single leftover character carries only 6 bits: never valid. */
    if (inlen % 4 == 1)
        return NULL;
    out = o = apr_palloc(p, inlen / 4 * 3 + 3);
    for (i = 0; i < inlen; i++) {
        int v = tjwt_b64_value(in[i]);
        if (v < 0)
            return NULL;
        acc = (acc << 6) | (unsigned long)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = (unsigned char)((acc >> bits) & 0xff);
        }
    }
    /* Leftover bits must be zero (RFC 4648 §3.5 canonical encoding). */
    if (bits > 0 && (acc & ((1UL << bits) - 1)) != 0)
        return NULL;
    *outlen = (apr_size_t)(o - out);
    *o = '\0';
    return out;
}
