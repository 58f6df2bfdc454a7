/* Header names: how they compare, which ones the module never sets, and
 * which ones other modules set in the server configuration. */
#ifndef TJWT_HEADERS_H
#define TJWT_HEADERS_H

#include <apr_pools.h>
#include <apr_tables.h>

/* Header names compared as gateways do: case-insensitive, '_' as '-'. */
int tjwt_same_header(const char *a, const char *b);

/* Whether name is in a list of header names (const char *). */
int tjwt_name_in(const apr_array_header_t *names, const char *name);

/* Whether s is an RFC 9110 field name (a token). */
int tjwt_is_header_name(const char *s);

/* Whether no template may ever set name: the proxy's own headers (Host,
 * Forwarded, Via, every X-Forwarded-*, X-Real-Ip) and those that frame
 * the message or the connection (TJWT_RESERVED_TEXT, for messages). */
int tjwt_header_reserved(const char *name);
#define TJWT_RESERVED_TEXT                                                     \
    "Host, Forwarded, Via, X-Forwarded-*, X-Real-Ip and the headers that "     \
    "frame the message (Content-Length, Transfer-Encoding, Connection, "       \
    "Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Expect)"

/* Whether an environment variable is the CGI form of a header name, as
 * httpd makes it for CGI, SSI and FastCGI: HTTP_, then letters and
 * digits upper-cased and everything else '_'. */
int tjwt_is_cgi_name(const char *var, const char *header);
int tjwt_cgi_name_in(const apr_array_header_t *names, const char *var);

/* Adds to names (const char *) the header of a RequestHeader directive
 * whose arguments are args ("set X-Name value ..."). */
void tjwt_headers_from_request_header(apr_pool_t *p, const char *args,
                                      apr_array_header_t *names);

#endif
