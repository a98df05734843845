/*
 * Internal to jaring-admin: what main.c's commands share with the review
 * (review.c), reference-list (lists.c) and report (report.c) commands.
 * docs/admin.md describes every command.
 */
#ifndef JR_ADMIN_H
#define JR_ADMIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jaring/centre.h"
#include "jaring/keys.h"

#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3

struct name { const char *s; uint32_t v; };
extern const struct name agencies[];
extern const char *prog_cmd; /* "jaring-admin COMMAND", the messages' prefix */

/* Print "prog_cmd: message" (and the --help hint) to stderr; return the
 * exit status (EXIT_USAGE, EXIT_FAILED). */
int usage_error(const char *fmt, ...) JR_PRINTF(1, 2);
int failed(const char *fmt, ...) JR_PRINTF(1, 2);
const char *ebmsg(const struct jr_errbuf *eb, int rc);
/* Parsers: 0, or a usage error printed and EXIT_USAGE. */
int lookup(const struct name *t, const char *what, const char *s, size_t len, uint32_t *v);
int parse_u64(const char *what, const char *s, uint64_t max, uint64_t *out);
int parse_hex(const char *what, const char *s, uint8_t *out, size_t n);
int copy_name(char *dst, size_t cap, const char *src, const char *what);
int yyyymm(const char *what, const char *s, uint32_t *out);
/* A key file, plain or PIN-sealed (the PIN from pin_file, JARING_PIN or a
 * prompt): 0 or an exit status. */
int load_key(const char *path, const char *pin_file, struct jr_key **k);
/* Posts one entry to node (POST /v1/acts), prints the answer and the
 * contract's statuses: the exit status (0 only if the act and every
 * registration it names were applied). */
int post_entry(const char *node, const uint8_t *p, size_t len, bool json, const char *what);
const char *status_name(uint64_t st);
/* Where post_entry prints an applied act's line (stdout unless a command
 * keeps stdout for its own output). */
extern FILE *act_out;

/* --name VALUE options of the read commands, into dst by name. */
struct ropt { const char *name; const char **dst; };
/* Parses argv[2..] into o; --json sets *json (if json given), flag_name
 * sets *flag. 0, -1 (--help printed) or EXIT_USAGE. */
int read_opts(int argc, char **argv, const char *help, const struct ropt *o, size_t n,
	bool *json, bool *flag, const char *flag_name);
void hex_of(const uint8_t *p, size_t n, char *out);

/* review.c */
int cmd_queue(int argc, char **argv);
int cmd_show(int argc, char **argv);
/* The registrations waiting for the agency of the key `k` in the state
 * file that every rule passed, eligible now (approve --all-passing):
 * appended to *ids (n of JR_REGID_BYTES, malloc'd). */
int all_passing(const char *state, const struct jr_key *k, uint8_t **ids, size_t *n,
	size_t *cap);
/* Opens the node's state file read only (consortium may be NULL). */
int open_state(const char *path, const struct jr_key *consortium, struct jr_centre **c);

/* lists.c */
int cmd_reflist(int argc, char **argv);

/* report.c */
int cmd_report(int argc, char **argv);
int cmd_chart(int argc, char **argv);

/* CSV output (RFC 4180): a field quoted when it holds a comma, a quote, CR
 * or LF, quotes doubled; rows end in CRLF. */
void csv_field(FILE *f, const char *s, bool last);

#endif
