/* The request path: owned-header removal, token building and injection,
 * and the final check of what reaches a handler (docs/design.md). */
#ifndef TJWT_REQUEST_H
#define TJWT_REQUEST_H

#include <httpd.h>

/* create_request: keeps a subrequest's inherited variables apart. */
int tjwt_create_request(request_rec *r);
/* The fixups hook: strips client copies of owned headers and makes the
 * token early, for mod_headers and CGI. */
int tjwt_fixups(request_rec *r);
/* The handler hook, first of all: the final decision for the request a
 * handler serves, whatever redirects and subrequests led there. */
int tjwt_handler_settle(request_rec *r);
/* mod_proxy's scheme_handler hook, first of all: the same once the
 * worker's URL (a balancer's member) is known. */
int tjwt_proxy_settle(request_rec *r, const char *url);

#endif
