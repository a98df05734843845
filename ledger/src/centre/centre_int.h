/* Internal to ledger/src/centre: the handle, its prepared statements and the
 * helpers the files of the state machine share. */
#ifndef JR_CENTRE_INT_H
#define JR_CENTRE_INT_H

#include <sqlite3.h>

#include "jaring/centre.h"
#include "jaring/seal.h"
#include "jaring/tlog.h"

enum jr_centre_stmt {
	S_KIOSK_GET,     /* sign_pk, revoked_from, head, head_hash, flagged_from */
	S_KIOSK_SET,     /* upsert from a roster */
	S_KIOSK_HEAD,    /* head, head_hash */
	S_KIOSK_FLAG,
	S_BLOCK_GET,     /* hash at (kiosk, height) */
	S_BLOCK_PUT,
	S_PENDING_PUT,
	S_PENDING_AT,    /* rows at (kiosk, height) ORDER BY hash */
	S_PENDING_DEL,
	S_EVIDENCE_PUT,
	S_REFUSAL_PUT,
	S_REG_GET,
	S_REG_PUT,
	S_REG_HOLD,
	S_WORKER_GET,
	S_WORKER_PUT,
	S_LEAF_PUT,
	S_LEAF_GET,
	S_META_PUT,
	S_COUNT
};

struct jr_centre {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	struct jr_tlog_sqlstore *ss;
	const struct jr_tlog_store *store;
	const struct jr_key *consortium;
	uint8_t consortium_pk[JR_SIGN_PK_BYTES];
	struct jr_seal_opener *opener;
	uint8_t *pkey; /* sodium_malloc'd pseudonym key */
	struct jr_policy policy;
	uint8_t policy_hash[JR_HASH_BYTES];
	/* meta, mirrored in the meta table inside every transaction */
	uint64_t tlog_size;
	uint64_t roster_serial;
	uint64_t pending_count;
	uint8_t pending_digest[JR_HASH_BYTES];
	uint8_t state_hash[JR_HASH_BYTES];
};

/* A kiosk as the roster and the applied chain hold it. */
struct jr_ckiosk {
	bool found;
	uint8_t id[JR_ID_BYTES];
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint64_t revoked_from;
	uint64_t head;
	uint8_t head_hash[JR_HASH_BYTES];
	uint64_t flagged_from;
};

/* sqlite3 step helpers: JR_OK on SQLITE_DONE, JR_EIO otherwise; reset. */
int jr_centre_step_done(struct jr_centre *c, enum jr_centre_stmt s);
sqlite3_stmt *jr_centre_stmt(struct jr_centre *c, enum jr_centre_stmt s);
int jr_centre_kiosk_get(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_ckiosk *k);
/* Appends a leaf (its bytes stored in the leaf table). */
int jr_centre_log(struct jr_centre *c, const struct jr_buf *leaf);
/* XORs a pending row's hash into the pending digest (add and remove). */
void jr_centre_pending_toggle(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES]);

/* Records a refusal once: *is_new is false if (hash, status) was there. */
int jr_centre_refusal_put(struct jr_centre *c, const uint8_t *kiosk,
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status status,
	bool *is_new);

/* entry.c */
int jr_centre_apply_roster(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res);
/* upstream.c */
int jr_centre_apply_upstream(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res);
/* leaf.c: the log's leaf encodings (docs/centre.md "Leaves"). */
int jr_centre_leaf_roster(const uint8_t hash[JR_HASH_BYTES], uint64_t serial,
	enum jr_centre_status st, struct jr_buf *out);
int jr_centre_leaf_block(const uint8_t kiosk[JR_ID_BYTES], uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status st,
	struct jr_buf *out);
int jr_centre_leaf_reg(const uint8_t regid[JR_REGID_BYTES],
	const uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES], uint64_t district,
	enum jr_centre_outcome o, const struct jr_verdict *v, struct jr_buf *out);

#endif
