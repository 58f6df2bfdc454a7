/* The request path: owned-header removal, token building and injection. */
#ifndef TJWT_REQUEST_H
#define TJWT_REQUEST_H

#include <httpd.h>

/* The fixups hook. */
int tjwt_fixups(request_rec *r);

#endif
