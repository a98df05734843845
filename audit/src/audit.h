/*
 * audit.h — jaring-audit's parts (docs/audit.md).
 *
 *   replay.c   the check: the log's tiles and checkpoints (jr_audit_log),
 *              then every leaf replayed into a fresh state by the centre's
 *              own contract (jr_centre_apply on the export's rosters and
 *              acts; jr_centre_replay_leaf for what only the nodes can
 *              judge), leaf by leaf against the log; with a node's state
 *              file, the blocks and records too, to its state hash
 *   report.c   what was checked, in plain words or as JSON
 *   receipt.c  a receipt's registration included under the checkpoint
 *   main.c     arguments and exit codes
 */
#ifndef JR_AUDIT_AUDIT_H
#define JR_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "jaring/centre.h"
#include "jaring/export.h"
#include "jaring/tlog.h"

/* Exit codes (docs/audit.md, docs/man/jaring-audit.1). */
enum jr_audit_exit {
	JR_AUDIT_OK = 0,      /* everything checked holds */
	JR_AUDIT_FAILED = 1,  /* a check failed: the report names it */
	JR_AUDIT_USAGE = 2,
	JR_AUDIT_CANNOT = 3   /* could not run: a file given cannot be read, I/O */
};

struct jr_audit_opts {
	const char *dir;                      /* the export folder */
	const struct jr_tlog_policy *policy;  /* trusted */
	const uint8_t *genesis_pk;            /* pinned consortium key, or NULL */
	const char *work;                     /* a folder for the replay's file */
	/* a node's state file, with the keys that open it (NULL: export only):
	 * every consortium key its rosters named, in any order (the genesis
	 * key among them), and the pseudonym key */
	const char *db;
	const struct jr_key *const *consortium;
	size_t n_consortium;
	const uint8_t *pseudonym_key;
	bool progress;                        /* progress lines on stderr */
};

struct jr_audit_kiosk {
	uint8_t id[JR_ID_BYTES];
	uint64_t head, refused;
	uint8_t hash[JR_HASH_BYTES];
	bool equivocated;
};

struct jr_audit_money {
	struct jr_centre_allocation *alloc;
	size_t n_alloc;
	struct jr_centre_decree_state *decree;
	size_t n_decree;
	struct jr_centre_district_count *district;
	size_t n_district;
};

struct jr_audit_report {
	struct jr_audit_log_report log;
	bool genesis_pinned;
	uint8_t genesis_pk[JR_SIGN_PK_BYTES];
	uint64_t leaves[6];                 /* by leaf type */
	uint64_t rosters, roster_refused;
	uint64_t rotations;                 /* applied rosters naming a new key */
	uint8_t consortium_pk[JR_SIGN_PK_BYTES]; /* the key the latest names */
	uint64_t blocks, blocks_refused, equivocations;
	uint64_t regs[7];                   /* by outcome */
	uint64_t acts[JR_CENTRE_KIND_MAX + 1], acts_refused[JR_CENTRE_KIND_MAX + 1];
	uint64_t items, items_refused;
	uint64_t approvals[JR_AGENCY_MAX + 1], returns[JR_AGENCY_MAX + 1];
	uint64_t views[JR_AGENCY_MAX + 1];  /* registrations viewed, per agency */
	uint64_t signed_replayed;           /* rosters and acts: signatures checked */
	uint64_t comments;                  /* comment items (signed acts, checked; no text) */
	struct jr_audit_kiosk *kiosks;
	size_t n_kiosks, cap_kiosks;
	struct jr_audit_money money;
	uint8_t state_hash[JR_HASH_BYTES];  /* the replay's after the last leaf */
	bool db_mode;
	uint64_t db_leaves;                 /* leaves of the node's log */
	uint8_t db_state_hash[JR_HASH_BYTES];
	/* the first failure, in words; empty if none */
	char failure[8192];
	uint64_t failure_leaf;              /* UINT64_MAX: not at a leaf */
};

/* Runs every check of docs/audit.md; JR_OK if all hold. On a failure the
 * report's failure names it (and the return is its code). Errors that stop
 * the audit from running at all are JR_EIO / JR_ENOMEM / JR_EINVAL with eb. */
int jr_audit_run(const struct jr_audit_opts *o, struct jr_audit_report *rep,
	struct jr_errbuf *eb);
void jr_audit_report_free(struct jr_audit_report *rep);

void jr_audit_print_text(FILE *f, const struct jr_audit_opts *o,
	const struct jr_audit_report *rep);
void jr_audit_print_json(FILE *f, const struct jr_audit_opts *o,
	const struct jr_audit_report *rep);

/* jaring-audit receipt: the receipt (its QR text or file bytes) verified
 * under its kiosk's key from the export's roster, its registration found in
 * the export's leaves, and an inclusion proof from the tiles checked
 * against the trusted checkpoint. */
struct jr_audit_receipt {
	uint8_t regid[JR_REGID_BYTES];
	uint64_t leaf, size;
	size_t proof_len;
	char outcome[32];
	uint64_t district;
	bool kiosk_on_roster;
	char failure[2 * JR_ERRMSG_MAX];
};
int jr_audit_receipt(const char *dir, const struct jr_tlog_policy *policy,
	const uint8_t *receipt, size_t len, struct jr_audit_receipt *out,
	struct jr_errbuf *eb);

#endif
