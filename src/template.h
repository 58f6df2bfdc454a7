/* Teleport's header rewrite templates (TeleportJWTHeader): literal text
 * around at most one {{expression}}. */
#ifndef TJWT_TEMPLATE_H
#define TJWT_TEMPLATE_H

#include <apr_pools.h>
#include <apr_tables.h>

typedef enum {
    TJWT_TPL_LITERAL = 0,   /* no expression */
    TJWT_TPL_JWT,           /* internal.jwt */
    TJWT_TPL_TRAIT,         /* internal.<trait>, external.<trait> */
    TJWT_TPL_EMAIL_LOCAL,   /* email.local(<trait var>) */
    TJWT_TPL_REGEXP_REPLACE /* regexp.replace(<trait var>, "re", "repl") */
} tjwt_tpl_kind_e;

typedef struct {
    const char *header; /* the header name */
    const char *source; /* the template as written, for messages */
    const char *prefix; /* literal text before the expression */
    const char *suffix; /* literal text after it */
    tjwt_tpl_kind_e kind;
    const char *trait;     /* the trait the expression reads */
    struct tjwt_regex *re; /* regexp.replace: compiled once */
    const char *repl;
} tjwt_template;

/* Parses template text for header. Returns NULL and sets *out, or returns
 * a message saying what is wrong and what is accepted. */
const char *tjwt_template_parse(apr_pool_t *p, const char *header,
                                const char *text, tjwt_template **out);

/* The header values a template yields: one per value of the expression,
 * none when it yields nothing. traits holds tjwt_trait entries (see
 * claims.h); token is the signed token. */
apr_array_header_t *tjwt_template_eval(apr_pool_t *p, const tjwt_template *t,
                                       const char *token,
                                       const apr_array_header_t *traits);

/* Regexp replacement as Teleport does it (Go's ReplaceAllString): every
 * match of re in value is replaced by repl, expanded as Go's
 * Regexp.Expand does ($N, ${N}, $name, ${name}; $$ for $). Returns NULL
 * when re does not match, so that the value is dropped. */
const char *tjwt_regexp_replace(apr_pool_t *p, const struct tjwt_regex *re,
                                const char *repl, const char *value);

/* The local part of an email address, or NULL if value is not one. */
const char *tjwt_email_local(apr_pool_t *p, const char *value);

#endif
