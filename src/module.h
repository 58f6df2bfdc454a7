/* The module record, which mod_teleport_jwt.c defines, and the tag of our
 * log lines. Nothing else: any file may include it without making an
 * include cycle. */
#ifndef TJWT_MODULE_H
#define TJWT_MODULE_H

/* httpd.h first: http_config.h needs its types. */
#include <httpd.h>

#include <http_config.h>
#include <http_log.h>

extern module AP_MODULE_DECLARE_DATA teleport_jwt_module;

/* Tags our log lines with the module, so that LogLevel teleport_jwt:...
 * works. Every file that logs includes this header. */
#ifndef TJWT_MODULE_FILE /* AP_DECLARE_MODULE declares it there */
APLOG_USE_MODULE(teleport_jwt);
#endif

#endif
