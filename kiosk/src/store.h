/*
 * store.h — the kiosk's own SQLite file (kiosk.db, next to the shard):
 * downstream status of this kiosk's registrations, the roster of other
 * kiosks' public keys, what the last downstream bundle brought (its
 * sequence number, the signed roster, the policy, the checkpoint), the
 * kiosk's binding, its clock floor and the officer PIN's failed attempts.
 * The schema is documented in docs/kiosk.md "Status store"; the officer's
 * sync (backend.c, through jr_downstream_apply) fills it in one transaction
 * per bundle with kstore_status_put() and kstore_down_put(), the same
 * functions the tests call.
 */
#ifndef KIOSK_STORE_H
#define KIOSK_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "jaring/keys.h"
#include "jaring/rules.h"

enum kstatus_state {
	KST_UNKNOWN = 0,     /* no downstream data about it yet */
	KST_RECEIVED = 1,    /* the centre has it, checks running */
	KST_RETURNED = 2,    /* returned for correction, with reasons */
	KST_IN_REVIEW = 3,   /* agencies reviewing: approvals of agencies */
	KST_APPROVED = 4,    /* all agencies approved, waiting for a decree */
	KST_DECREED = 5,     /* in decree number ... */
	KST_PROTECTED = 6,   /* protected from .. to .., paid through .. */
	KST_REJECTED = 7,    /* not eligible (centre-only facts), with reasons */
	KST_HELD = 8         /* held: its kiosk signed two blocks at one height */
};

struct kstatus {
	uint8_t regid[JR_REGID_BYTES];
	int state;                       /* enum kstatus_state */
	unsigned approvals, agencies;
	char decree[64];
	uint32_t protected_from, protected_to; /* YYYYMMDD */
	uint32_t paid_through;           /* YYYYMM */
	size_t n_reasons;
	enum jr_reason reasons[JR_VERDICT_MAX];
	uint32_t as_of;                  /* YYYYMMDD the data dates from */
};

struct kstore;

bool kstore_open(const char *path, struct kstore **out, char *err, size_t errlen);
void kstore_close(struct kstore *s);

/* Upserts one registration's status. */
bool kstore_status_put(struct kstore *s, const struct kstatus *st);
/* false if no row. st->as_of comes from kstore_as_of(). */
bool kstore_status_get(struct kstore *s, const uint8_t regid[JR_REGID_BYTES],
	struct kstatus *st);
/* Date (YYYYMMDD) of the latest downstream data; 0 = never synced. */
bool kstore_set_as_of(struct kstore *s, uint32_t yyyymmdd);
uint32_t kstore_as_of(struct kstore *s);

/* Roster: other kiosks' signing keys, for receipts from elsewhere. */
bool kstore_roster_put(struct kstore *s, const uint8_t id[JR_ID_BYTES],
	const uint8_t sign_pk[JR_SIGN_PK_BYTES]);
bool kstore_roster_get(struct kstore *s, const uint8_t id[JR_ID_BYTES],
	uint8_t sign_pk[JR_SIGN_PK_BYTES]);

/* One transaction around a downstream bundle's statuses and what it
 * brought: begin, kstore_status_put()..., kstore_down_put(), commit; or
 * rollback, and nothing of it was stored. */
bool kstore_begin(struct kstore *s);
bool kstore_commit(struct kstore *s);
void kstore_rollback(struct kstore *s);

/* What the last downstream bundle applied brought. */
struct kdown {
	uint64_t seq;            /* 0: none applied yet */
	uint64_t statuses;
	uint64_t roster_serial;
	int64_t ack_time;        /* the checkpoint time */
	uint8_t roster_signer[JR_SIGN_PK_BYTES];
};
/* Stores d and the signed roster (and policy, checkpoint; either may be
 * empty) as the latest. */
bool kstore_down_put(struct kstore *s, const struct kdown *d, const uint8_t *roster,
	size_t roster_len, const uint8_t *policy, size_t policy_len,
	const uint8_t *checkpoint, size_t checkpoint_len);
/* d zeroed and *roster empty when none; *roster malloc'd (jr_buf_free). */
bool kstore_down_get(struct kstore *s, struct kdown *d, struct jr_buf *roster);
/* The policy record of the latest answer (rules.h encoding); *out empty
 * when none came, malloc'd otherwise. false on a database error. */
bool kstore_down_policy(struct kstore *s, struct jr_buf *out);

/* Numbers in the meta table (0 when missing). */
bool kstore_meta_put_i64(struct kstore *s, const char *key, int64_t v);
int64_t kstore_meta_i64(struct kstore *s, const char *key);

/* The kiosk's binding, written once at provisioning. */
bool kstore_meta_put(struct kstore *s, const char *key, const char *value);
bool kstore_meta_get(struct kstore *s, const char *key, char *out, size_t n);

#endif
