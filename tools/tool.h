/* The tjwt command-line tool: what its subcommands share. Each subcommand
 * lives in its own cmd_*.c; the work is done by the src/ library, the very
 * code the module runs. */
#ifndef TJWT_TOOL_H
#define TJWT_TOOL_H

#include <apr_getopt.h> /* apr_getopt_option_t: the option tables */
#include <apr_pools.h>
#include <apr_time.h>
#include <jansson.h>

#include "src/keys.h"

/* Exit statuses: 1 is "the answer is no" (a token that does not verify
 * or is malformed), 2 is "could not answer" (usage, files, network). */
#define TJWT_EXIT_OK    0
#define TJWT_EXIT_FAIL  1
#define TJWT_EXIT_USAGE 2

/* Inputs larger than this are refused: no key, token or JWKS is. */
#define TJWT_TOOL_INPUT_MAX (1024 * 1024L)

typedef struct {
    const char *name;
    const char *summary; /* one line for `tjwt --help` */
    const char *help;    /* the whole text of `tjwt NAME --help` */
    int (*run)(apr_pool_t *p, int argc, const char *const *argv);
} tjwt_tool_cmd;

extern const tjwt_tool_cmd tjwt_tool_keygen;
extern const tjwt_tool_cmd tjwt_tool_kid;
extern const tjwt_tool_cmd tjwt_tool_jwks;
extern const tjwt_tool_cmd tjwt_tool_sign;
extern const tjwt_tool_cmd tjwt_tool_decode;
extern const tjwt_tool_cmd tjwt_tool_verify;

/* "tjwt CMD: message" on standard error. */
void tjwt_tool_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Reports a usage error and points at --help; returns TJWT_EXIT_USAGE. */
int tjwt_tool_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A subcommand's arguments while its options are parsed. getopt_long
 * (GNU) does the parsing: options and operands may come in any order,
 * "--" ends the options, and "-" is an operand (apr_getopt refuses it). */
typedef struct {
    apr_pool_t *pool;
    int argc;
    char **argv;    /* a copy, which getopt_long permutes */
    int ind;        /* the first operand, once the options are done */
    void *longopts; /* struct option[], made from the table */
    char *shortopts;
} tjwt_tool_args;

/* Starts option parsing for a subcommand (argv[0] is its name). */
tjwt_tool_args *tjwt_tool_getopt(apr_pool_t *p, const tjwt_tool_cmd *cmd,
                                 int argc, const char *const *argv);

/* The next option of the table opts (name, optch, has_arg), in *optch
 * and *arg. Handles -h/--help (which every table must list with optch
 * 'h') by printing the help. Returns 1 for an option, 0 at the end of
 * the options; otherwise (-1) *rc holds the exit status the subcommand
 * must return. */
int tjwt_tool_next_opt(tjwt_tool_args *os, const tjwt_tool_cmd *cmd,
                       const apr_getopt_option_t *opts, int *optch,
                       const char **arg, int *rc);

/* The whole of a file, or of standard input for "-", NUL-terminated.
 * Returns NULL with *err. */
const char *tjwt_tool_read(apr_pool_t *p, const char *path, apr_size_t *len,
                           const char **err);

/* A token given with --token, or read from a file or standard input, with
 * surrounding whitespace removed. Returns NULL with *err. */
const char *tjwt_tool_read_token(apr_pool_t *p, const char *token_opt,
                                 const char *path, const char **err);

/* A key from a file or standard input ("-"): for signing (private) or
 * for publishing (public, or the public half of a private key). Returns
 * NULL with *err naming the file and what is accepted. */
/* Checks the KEYFILE... operands left after the options: at least one,
 * and "-" (standard input) at most once. Returns 0, or the usage error's
 * exit status after printing it. */
int tjwt_tool_check_keyfiles(const tjwt_tool_args *os,
                             const tjwt_tool_cmd *cmd);

tjwt_key *tjwt_tool_load_key(apr_pool_t *p, const char *path, int private,
                             const char **err);

/* A JSON document from a file or standard input, duplicate members
 * refused; released with the pool. Returns NULL with *err. */
json_t *tjwt_tool_read_json(apr_pool_t *p, const char *path, const char **err);

/* The same from text in memory; name is the source, for messages. */
json_t *tjwt_tool_parse_json(apr_pool_t *p, const char *text, apr_size_t len,
                             const char *name, const char **err);

/* Prints a JSON value indented, with a newline. */
void tjwt_tool_print_json(json_t *v);

#endif
