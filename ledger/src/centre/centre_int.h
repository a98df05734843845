/* Internal to ledger/src/centre: the handle, its prepared statements and the
 * helpers the files of the state machine share. */
#ifndef JR_CENTRE_INT_H
#define JR_CENTRE_INT_H

#include <sqlite3.h>

#include "jaring/centre.h"
#include "jaring/seal.h"
#include "jaring/tlog.h"

enum jr_centre_stmt {
	S_KIOSK_GET,     /* member row (kiosk role) + chain state */
	S_KIOSK_HEAD,    /* upsert head, head_hash */
	S_KIOSK_FLAG,    /* upsert flagged_from */
	S_MEMBER_GET,
	S_MEMBER_PUT,
	S_BLOCK_GET,     /* hash at (kiosk, height) */
	S_BLOCK_PUT,
	S_PENDING_PUT,
	S_PENDING_AT,    /* rows at (kiosk, height) ORDER BY hash */
	S_PENDING_DEL,
	S_EVIDENCE_PUT,
	S_REFUSAL_PUT,
	S_REFUSAL_GET,
	S_REG_GET,
	S_REG_KNOWN,
	S_REG_PUT,
	S_REGID_MAIN_HAS, /* recent.c: the id is in regid_main */
	S_REGID_PUT,     /* a key conflict: the id is known */
	S_REG_DUP,       /* a provisional acceptance turned duplicate */
	S_REG_HOLD,
	S_REG_PHASE,     /* phase, reasons (a return or a re-judgement) */
	S_REG_APPROVE,
	S_REG_APPROVE_IF,
	S_REG_VIEW,
	S_REG_DECREE,
	S_REG_CORRECTED,
	S_WORKER_GET,     /* the holder of a pseudonym (worker.c) */
	S_CLAIM_MAIN_HAS, /* the tag is held in claim */
	S_WORKER_PUT,     /* INSERT OR IGNORE: no change if the tag is held */
	S_WORKER_PUT_MORE,
	S_WORKER_DEL_RECENT, /* the tag's row, if that regid holds it */
	S_WORKER_DEL,     /* the same in claim */
	S_WORKER_DEL_MORE,
	S_WORKER_PROMOTE, /* a freed tag to the first claim_more row with it */
	S_WORKER_PROMOTED,
	S_LEAF_PUT,
	S_LEAF_GET,
	S_META_PUT,
	S_ACT_GET,
	S_ACT_PUT,
	S_COMMENT_PUT,
	S_POLICY_PUT,
	S_ALLOC_GET,
	S_ALLOC_PUT,
	S_ALLOC_SPEND,   /* committed += , paid += , decrees += */
	S_DECREE_GET,
	S_DECREE_PUT,
	S_DECREE_PAY,
	S_RECIPIENT_PUT,
	S_RECIPIENT_DROP,
	S_RECIPIENT_OVERLAP, /* any membership of regid overlapping [start, end) */
	S_RECIPIENT_AT,      /* regid's membership on allocation covering month */
	S_RECIPIENT_ALL,     /* every membership on allocation covering month */
	S_PAID_GET,
	S_PAID_PUT,
	S_PAYMENT_PUT,
	S_REF_HAS,
	S_REF_PUT,
	S_REFPART_GET,   /* parts of (kind, serial) and how many are in */
	S_REFPART_PUT,
	S_ROSTER_LATEST, /* the read side (read.c) from here */
	S_PENDING_COUNT,
	S_REFUSAL_COUNT,
	S_EVIDENCE_COUNT,
	S_QUEUE,         /* the agencies' read side (query.c) from here */
	S_ITEM,
	S_COMMENT_COUNT,
	S_REG_BLOCK,
	S_RECIPIENTS,
	S_LIST_HAS,
	S_LIST_EACH,
	S_ROSTER_BYTES,  /* what a replay reads (read.c) from here: signed bytes */
	S_ACT_BYTES,
	S_BLOCK_SIGNED,  /* the block at (kiosk, height) with that hash */
	S_PENDING_ALL,   /* every pending block, (kiosk, height, hash) order */
	S_ALLOC_IDS,     /* the summary's walks */
	S_DECREE_NUMBERS,
	S_DISTRICT_PHASES,
	S_ROSTER_BELOW,  /* every roster below serial ?1, serial order */
	S_CODE_FIND,     /* public.c from here: registrations of a typed code */
	S_PUB_TOTALS,    /* the public page's figures */
	S_PUB_DISTRICTS,
	S_PUB_DECREES,
	S_PUB_ALLOCATIONS,
	S_PUB_PAYMENTS,
	S_PUB_VIEWERS,   /* (official, agency, view act bytes), official order */
	S_COUNT
};

/* A policy in force for one region (0: every region without its own). */
struct jr_cpolicy {
	uint64_t region;
	struct jr_policy rules;
	uint32_t required; /* bit 1 << agency */
	bool dtks;
};
#define JR_CENTRE_MAX_POLICIES 64

/* The log's rows of the entry being applied (logbuf.c). */
struct jr_logbuf_hash {
	uint32_t level;
	uint64_t idx;
	uint8_t hash[JR_TLOG_HASH_BYTES];
};
struct jr_logbuf_leaf {
	uint64_t idx;
	size_t off, len;
};
struct jr_logbuf_front {
	bool valid;
	uint64_t idx;
	uint8_t hash[JR_TLOG_HASH_BYTES];
};
struct jr_logbuf {
	struct jr_tlog_store store;        /* reads the frontier, buffers writes */
	struct jr_logbuf_front front[64];  /* last hash written at each level */
	struct jr_logbuf_hash *hash;
	struct jr_logbuf_hash *sorted;     /* hash by (level, idx) at a flush */
	struct jr_logbuf_leaf *leaf;
	uint8_t *bytes;
	size_t n_hash, cap_hash, cap_sorted, n_leaf, cap_leaf, n_bytes, cap_bytes;
	sqlite3_stmt *multi, *one;         /* leaf rows */
	sqlite3_stmt *run_put, *run_add;   /* tlog_run rows (tlog/tlog_int.h) */
};

/* A kiosk as the roster and the applied chain hold it. */
struct jr_ckiosk {
	bool found;        /* on the roster as a kiosk */
	uint8_t id[JR_ID_BYTES];
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint32_t perms;
	uint64_t revoked_from;
	uint64_t head;
	uint8_t head_hash[JR_HASH_BYTES];
	uint64_t flagged_from;
	bool head_moved;   /* head not yet written to its row (upstream.c) */
};

/* The maps of random keys kept in a recent and a main table (recent.c),
 * and a filter of the keys of each main table. */
enum jr_recent_map { JR_RECENT_REGID, JR_RECENT_CLAIM, JR_RECENT_MAPS };
struct jr_keyfilter {
	uint64_t *bits; /* NULL: none, every key is looked up */
	uint64_t nbits, keys;
};

struct jr_centre {
	sqlite3 *db;
	bool reader; /* jr_centre_open_reader: reads, never applies */
	sqlite3_stmt *st[S_COUNT];
	struct jr_tlog_sqlstore *ss;
	struct jr_tlog_filestore *fs; /* a replay's tree: scratch files, not rows */
	const struct jr_tlog_store *store;
	/* keys[0] is the genesis key the state was opened with */
	const struct jr_key *keys[JR_CENTRE_MAX_KEYS];
	struct jr_seal_opener *openers[JR_CENTRE_MAX_KEYS];
	uint8_t key_pk[JR_CENTRE_MAX_KEYS][JR_SIGN_PK_BYTES];
	size_t n_keys, last_opener;
	uint8_t *pkey; /* sodium_malloc'd pseudonym key */
	uint8_t policy_hash[JR_HASH_BYTES]; /* of the genesis policy */
	struct jr_cpolicy policies[JR_CENTRE_MAX_POLICIES + 1]; /* [0] genesis */
	size_t n_policies;
	/* meta, mirrored in the meta table inside every transaction */
	uint64_t tlog_size;
	uint64_t roster_serial;
	uint64_t pending_count;
	uint8_t pending_digest[JR_HASH_BYTES];
	uint8_t roster_signer[JR_SIGN_PK_BYTES]; /* signs the next roster */
	uint64_t ref_serial[3];                 /* current list per kind, 0 none */
	uint8_t state_hash[JR_HASH_BYTES];
	struct jr_logbuf lb;
	struct jr_tlog_store lb_view; /* lb.store, read-only (jr_centre_tlog_store) */
	/* a replay (jr_centre_open_replay): in_batch while its one transaction
	 * is open; the leaves carried over are forgotten every batch */
	bool replay, in_batch;
	uint64_t batch_leaves;
	/* group commit (jr_centre_set_group_commit): in_batch while entries
	 * (group_entries of them) wait for jr_centre_commit; broken once an
	 * error took them back */
	bool group, broken;
	uint64_t group_entries;
	uint64_t recent[JR_RECENT_MAPS]; /* rows in each recent table (recent.c), */
	uint64_t recent_max;        /* and how many move them into the main one */
	struct jr_keyfilter filter[JR_RECENT_MAPS];
	uint64_t filter_min_bits;   /* a filter's size at the least */
	size_t claim_tag;           /* bytes of a pseudonym in a claim's tag
				     * (JR_CENTRE_CLAIM_TAG_BYTES; worker.c) */
	bool has_block;             /* the last leaf carried over was an applied */
	uint8_t block_kiosk[JR_ID_BYTES]; /* block: its registrations follow */
	uint64_t block_height;
	struct jr_ckiosk block_k;   /* that kiosk as the block found it (its roster
				     * entry and flag do not change before the
				     * next block or other leaf) */
};


/* A registration row as acts see it. */
struct jr_creg {
	uint8_t regid[JR_REGID_BYTES];
	uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES];
	uint64_t district;
	enum jr_centre_outcome outcome;
	enum jr_centre_phase phase;
	bool held, corrected;
	uint32_t approvals, viewed;
	int64_t leaf; /* its row: the index of its intake leaf */
};

/* sqlite3 step helpers: JR_OK on SQLITE_DONE, JR_EIO otherwise; reset. */
int jr_centre_step_done(struct jr_centre *c, enum jr_centre_stmt s);
/* Steps statement s (its parameters bound by the caller) for one row and
 * hands it to fill, which returns JR_OK or an error; then resets s and
 * clears its bindings. JR_ENOTFOUND if there is no row, JR_EIO if the step
 * fails. The one way the read side reads a row. */
typedef int (*jr_centre_row_fn)(sqlite3_stmt *st, void *arg);
int jr_centre_row(struct jr_centre *c, enum jr_centre_stmt s, jr_centre_row_fn fill,
	void *arg);
/* Every row of s, each handed to fill, until fill returns other than JR_OK
 * (that code is returned); then resets s and clears its bindings. A failed
 * step is JR_EIO with "<what>: cannot read the state: ..." in eb. */
int jr_centre_rows(struct jr_centre *c, enum jr_centre_stmt s, jr_centre_row_fn fill,
	void *arg, const char *what, struct jr_errbuf *eb);
sqlite3_stmt *jr_centre_stmt(struct jr_centre *c, enum jr_centre_stmt s);
/* The integer in the first column of q's first row: JR_OK, or JR_EIO if
 * there is none. */
int jr_centre_int_of(sqlite3 *db, const char *q, int64_t *v);
/* An integer pragma of db (cache_size, page_size): its value, 0 if it
 * cannot be read; and setting it, JR_OK or JR_EIO. */
int64_t jr_centre_pragma_get(sqlite3 *db, const char *name);
int jr_centre_pragma_set(sqlite3 *db, const char *name, int64_t v);
void jr_centre_copy_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t n);
/* Fill functions and column readers for jr_centre_row: column 0 into a
 * uint64_t; nothing (the row's existence is the answer); a reasons blob
 * (2 bytes big-endian a code); text into dst[cap], cut to fit. */
int jr_centre_fill_u64(sqlite3_stmt *st, void *arg);
int jr_centre_fill_none(sqlite3_stmt *st, void *arg);
void jr_centre_reasons_from(sqlite3_stmt *st, int col, struct jr_verdict *v);
void jr_centre_text_into(sqlite3_stmt *st, int col, char *dst, size_t cap);
int jr_centre_kiosk_get(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_ckiosk *k);
/* JR_OK and *found; reads the registration row for acts. */
int jr_centre_reg_get(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_creg *r, bool *found);
/* Appends a leaf (its bytes stored in the leaf table, its hashes in
 * tlog_run, both buffered until jr_centre_logbuf_flush; logbuf.c). A
 * replay (c->fs) keeps no leaf rows: its hashes go to its scratch store
 * and the bytes of the leaves since jr_centre_logbuf_forget stay in the
 * buffer, where jr_centre_leaf reads them. */
int jr_centre_log(struct jr_centre *c, const struct jr_buf *leaf);
void jr_centre_logbuf_init(struct jr_centre *c);
int jr_centre_logbuf_prepare(struct jr_centre *c);
int jr_centre_logbuf_flush(struct jr_centre *c);
/* A replay: forgets the leaves kept (before the next entry or batch). */
void jr_centre_logbuf_forget(struct jr_centre *c);
/* A replay's leaf `index` if it is kept: JR_OK, else JR_ENOTFOUND. */
int jr_centre_logbuf_leaf(const struct jr_centre *c, uint64_t index, struct jr_buf *out);
/* After a rollback: the buffer and the frontier are forgotten. */
void jr_centre_logbuf_discard(struct jr_centre *c);
void jr_centre_logbuf_free(struct jr_centre *c);
/* XORs a pending row's hash into the pending digest (add and remove). */
void jr_centre_pending_toggle(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES]);
/* Records a refusal once: *is_new is false if (hash, status) was there. */
int jr_centre_refusal_put(struct jr_centre *c, const uint8_t *kiosk,
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status status,
	bool *is_new);
/* The policy in force for a district, village or regency code. */
const struct jr_cpolicy *jr_centre_policy_for(const struct jr_centre *c, uint64_t code);
/* Reloads c->policies from the policy table (open, and after a policy act). */
int jr_centre_policies_load(struct jr_centre *c);
/* Is the pseudonym on the current list of that kind? */
int jr_centre_ref_has(struct jr_centre *c, enum jr_reflist kind,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], bool *has);
/* Does the registration meet the centre-only eligibility facts now? *why is
 * the reason (402, 403) when it does not. */
int jr_centre_eligible(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint64_t district, bool *ok, enum jr_reason *why);
/* Every agency the policy of the district requires has approved. */
bool jr_centre_fully_approved(const struct jr_centre *c, uint64_t district,
	uint32_t approvals);
/* Marks a registration ineligible (re-judgement): phase rejected, reasons,
 * its worker claim released, a registration leaf. */
int jr_centre_reg_ineligible(struct jr_centre *c, const struct jr_creg *r,
	enum jr_reason why);

/* Month index (year * 12 + month - 1) of YYYYMM; false if not a month. */
bool jr_centre_month(uint32_t yyyymm, uint32_t *index);
uint32_t jr_centre_yyyymm(uint32_t index);

/* recent.c: the maps of random keys, each in a recent and a main table
 * (docs/centre.md "Recent and main tables"). The intake leaf of the
 * registration whose id is the SQL expression x, or NULL: the key of its
 * registration row. */
#define JR_CENTRE_LEAF_OF(x) "coalesce((SELECT leaf FROM regid_recent WHERE regid = " \
	x "), (SELECT leaf FROM regid_main WHERE regid = " x "))"
#define JR_CENTRE_RECENT_MAX 65536
#define JR_CENTRE_FILTER_MIN_BITS (1u << 20)
/* The registration with this id has its row at leaf; *known (and nothing
 * written) if the id is there already. */
int jr_centre_regid_put(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	uint64_t leaf, bool *known);
/* A row went into (out of) map m's recent table: when it is full, its rows
 * move into the main table. */
int jr_centre_recent_added(struct jr_centre *c, enum jr_recent_map m);
void jr_centre_recent_removed(struct jr_centre *c, enum jr_recent_map m);
/* Asks the processor to bring into its cache the line of map m's filter
 * that key's look-up (jr_centre_main_holds) reads: a hint, no result
 * depends on it. With a million keys the filters are megabytes, and a
 * look-up otherwise waits on memory. */
void jr_centre_filter_prefetch(const struct jr_centre *c, enum jr_recent_map m,
	const uint8_t *key, size_t len);
/* *held if map m's main table holds key (len bytes): the filter's word
 * when it rules the key out, else a look-up. */
int jr_centre_main_holds(struct jr_centre *c, enum jr_recent_map m, const uint8_t *key,
	size_t len, bool *held);
void jr_centre_filters_free(struct jr_centre *c);
/* A file with the unique index registration_by_regid from before: carried
 * over into the two tables (a writer), or refused (a reader). Counts the
 * recent tables' rows. */
int jr_centre_recent_carry_over(struct jr_centre *c, const char *path,
	struct jr_errbuf *eb);
/* Tests only: rows move into the main tables every `rows` (so that both
 * tables are exercised with few registrations). Changes no result. */
void jr_centre_set_recent_max(struct jr_centre *c, uint64_t rows);
/* The filters built anew at `bits` at the least (a multiple of 512; 2^20
 * unless set): tests make them small so that they are rebuilt as they
 * fill. Changes no result. */
int jr_centre_set_filter_min_bits(struct jr_centre *c, uint64_t bits);

/* worker.c: who holds each worker (docs/centre.md "Worker claims"). */
#define JR_CENTRE_CLAIM_TAG_BYTES 8
/* *held and regid if a registration holds the pseudonym. */
int jr_centre_worker_of(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint8_t regid[JR_REGID_BYTES], bool *held);
/* The registration whose row is at `leaf` claims the worker; *claimed is
 * false if another registration holds it, that one's id in holder. */
int jr_centre_worker_claim(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint64_t leaf, bool *claimed, uint8_t holder[JR_REGID_BYTES]);
/* regid gives up its claim on the worker, if it holds it. */
int jr_centre_worker_release(struct jr_centre *c,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], const uint8_t regid[JR_REGID_BYTES]);
/* A file of the worker(pseudonym, regid) table from before the claims:
 * carried over into them (a writer), or refused (a reader). */
int jr_centre_worker_carry_over(struct jr_centre *c, const char *path,
	struct jr_errbuf *eb);
/* Tests only, on a new file before its first entry: a shorter tag (1 byte
 * makes workers share tags, so claim_more is exercised). Changes no result. */
void jr_centre_set_claim_tag(struct jr_centre *c, size_t bytes);
/* entry.c */
int jr_centre_apply_roster(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res);
/* upstream.c */
int jr_centre_apply_upstream(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res);
/* Carries one leaf over into a replay (jr_centre_replay_leaf), inside the
 * batch's transaction. */
int jr_centre_replay_one(struct jr_centre *c, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb);
/* acts.c */
int jr_centre_apply_act(struct jr_centre *c, enum jr_centre_kind kind,
	const uint8_t *p, size_t len, struct jr_centre_result *res);

/* leaf.c: the log's leaf encodings (docs/centre.md "Leaves"). */
int jr_centre_leaf_roster(const uint8_t hash[JR_HASH_BYTES], uint64_t serial,
	enum jr_centre_status st, struct jr_buf *out);
int jr_centre_leaf_block(const uint8_t kiosk[JR_ID_BYTES], uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status st,
	struct jr_buf *out);
/* corrects may be NULL. */
int jr_centre_leaf_reg(const uint8_t regid[JR_REGID_BYTES],
	const uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES], uint64_t district,
	enum jr_centre_outcome o, const struct jr_verdict *v, const uint8_t *corrects,
	struct jr_buf *out);
/* subject (a registration id the status is about) may be NULL. */
int jr_centre_leaf_act(const uint8_t id[JR_HASH_BYTES], enum jr_centre_kind kind,
	const uint8_t signer[JR_ID_BYTES], enum jr_centre_status st, uint64_t n,
	const uint8_t *subject, struct jr_buf *out);
int jr_centre_leaf_item(const uint8_t id[JR_HASH_BYTES], enum jr_centre_kind kind,
	uint32_t verb, uint32_t agency, const uint8_t regid[JR_REGID_BYTES],
	enum jr_centre_status st, const struct jr_verdict *v, struct jr_buf *out);

#endif
