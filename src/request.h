/* The request path: owned-header removal, token building and injection. */
#ifndef TJWT_REQUEST_H
#define TJWT_REQUEST_H

#include <httpd.h>

/* The fixups hook. */
int tjwt_fixups(request_rec *r);
/* The last fixup (APR_HOOK_REALLY_LAST): puts back what the module sent
 * where another module changed it, and removes what a request inherited
 * from the one that redirected it or made it as a subrequest. */
int tjwt_fixups_last(request_rec *r);

#endif
