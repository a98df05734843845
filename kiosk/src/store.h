/*
 * store.h — the kiosk's own SQLite file (kiosk.db, next to the shard):
 * downstream status of this kiosk's registrations, the roster of other
 * kiosks' public keys, and the kiosk's binding. The schema is documented in
 * docs/kiosk.md "Status store"; the sync import (jaring-sync) fills it with
 * kstore_status_put() and kstore_set_as_of(), the same functions the tests
 * call.
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
	KST_REJECTED = 7     /* not eligible (centre-only facts), with reasons */
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

/* The kiosk's binding, written once at provisioning. */
bool kstore_meta_put(struct kstore *s, const char *key, const char *value);
bool kstore_meta_get(struct kstore *s, const char *key, char *out, size_t n);

#endif
