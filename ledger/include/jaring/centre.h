/*
 * jaring/centre.h — the centre's state machine: one deterministic function,
 * jr_centre_apply(state, entry), that jaring-node runs on every committed
 * log entry and that jaring-audit replays. It knows nothing of Raft,
 * sockets or clocks (docs/centre.md describes every byte).
 *
 * The state is one SQLite file (WAL, synchronous=FULL): tables for the
 * roster, each kiosk's applied chain, pending blocks, equivocation
 * evidence, refusals, registrations, workers (by pseudonym), and the
 * transparency log's hashes (tlog.h). Each entry is applied in one
 * transaction; a leaf is appended to the log for every applied item.
 *
 * Determinism: no wall clock, no randomness, no floating point; every
 * multi-row read has an ORDER BY; the date the rules see is the record's own
 * (kiosk-claimed) time. Refusals (unknown kiosk, bad signature, ...) are
 * recorded outcomes and return JR_OK; an error return means "this node
 * cannot continue" (I/O, a corrupt state file) and the state is as before
 * the entry.
 *
 * Entry (canonical CBOR):
 *   A3  00 01  01 <kind>  02 <payload>
 *   kind 1 roster:   payload [roster body bstr, sig bstr 64]
 *                    sig = Ed25519(consortium, "jaring/roster/v1" || 00 ||
 *                    BLAKE2b-256(body)) (jr_sign_hash)
 *   roster body:     A3 00 01  01 <serial uint>  02 [kiosk...]
 *   kiosk:           A4 00 <id bstr 16> 01 <Ed25519 pk bstr 32>
 *                    02 <village uint> 03 <revoked from height uint, 0 none>
 *                    (kiosks in strictly ascending id order)
 *   kind 2 upstream: payload [signed block bstr ...], each the block.h wire
 *                    form [body, sig], at most JR_CENTRE_MAX_BLOCKS
 */
#ifndef JARING_CENTRE_H
#define JARING_CENTRE_H

#include "common.h"
#include "block.h"
#include "keys.h"
#include "rules.h"
#include "status.h"

#define JR_CENTRE_ENTRY_VERSION 1
#define JR_CENTRE_ROSTER_VERSION 1
#define JR_CENTRE_ROSTER_DOMAIN "jaring/roster/v1"
#define JR_CENTRE_PSEUDONYM_LABEL "jaring/pseudonym/v1"
#define JR_CENTRE_STATE_LABEL "jaring/centre-state/v1"
#define JR_CENTRE_PSEUDONYM_KEY_BYTES 32
#define JR_CENTRE_PSEUDONYM_BYTES 32
#define JR_CENTRE_MAX_BLOCKS 1024
#define JR_CENTRE_MAX_KIOSKS 4096 /* per roster entry */
/* Each signed block adds its 64-byte signature and at most 16 bytes of
 * CBOR heads to its body. */
#define JR_CENTRE_ENTRY_MAX_BYTES \
	((size_t)JR_CENTRE_MAX_BLOCKS * (JR_BLOCK_MAX_BYTES + 80) + 64)

enum jr_centre_kind { JR_CENTRE_ROSTER = 1, JR_CENTRE_UPSTREAM = 2 };

/* Status of a block or roster in its log leaf and in the refusal table. */
enum jr_centre_status {
	JR_CS_APPLIED = 1,
	JR_CS_UNKNOWN_KIOSK = 2,
	JR_CS_REVOKED = 3,
	JR_CS_BAD_SIGNATURE = 4,
	JR_CS_KIOSK_MISMATCH = 5, /* a record's kiosk id is not its block's */
	JR_CS_CHAIN_BREAK = 6,    /* prev is not the hash of the block below */
	JR_CS_EQUIVOCATION = 7,   /* a second, different block at a height */
	JR_CS_MALFORMED = 8,
	JR_CS_HELD = 9,           /* after an equivocation: kept, not applied */
	JR_CS_STALE_ROSTER = 10   /* roster serial not above the current one */
};

/* Outcome of one registration, in its leaf. */
enum jr_centre_outcome {
	JR_CO_ACCEPTED = 1,   /* every rule passed; the worker's first */
	JR_CO_RETURNED = 2,   /* returned for correction, with reason codes */
	JR_CO_DUPLICATE = 3,  /* the worker is registered already (reason 401) */
	JR_CO_HELD = 4,       /* its kiosk equivocated at or below its height */
	JR_CO_UNOPENABLE = 5  /* signed by the kiosk but does not open */
};

/* What one entry did (counts; all zero for an entry that changed nothing). */
struct jr_centre_result {
	bool changed;          /* false: a no-op, the state hash is unchanged */
	bool refused;          /* the entry as a whole (malformed, bad roster) */
	uint32_t blocks_applied, blocks_known, blocks_pending, blocks_refused;
	uint32_t regs_accepted, regs_returned, regs_duplicate, regs_held,
		regs_unopenable, regs_known;
	uint32_t kiosks_set;   /* roster entries */
};

struct jr_centre;

/* Opens (creating if missing) the state file at path. consortium (role
 * JR_ROLE_CONSORTIUM) is borrowed for the handle's lifetime; the pseudonym
 * key is copied into sodium_malloc'd memory. policy is the contract policy
 * every node of the cluster runs (policy entries come later); its encoding is
 * bound into the state hash, so nodes on different policies disagree at
 * once. */
JR_API int jr_centre_open(const char *path, const struct jr_key *consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const struct jr_policy *policy, struct jr_centre **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_centre_close(struct jr_centre *c);

/* Applies one committed log entry (see above). res may be NULL. */
JR_API int jr_centre_apply(struct jr_centre *c, const uint8_t *entry,
	size_t len, struct jr_centre_result *res, struct jr_errbuf *eb)
	JR_MUST_CHECK;

/* The state hash after the last entry (docs/centre.md "State hash"):
 * jr_hash_labelled("jaring/centre-state/v1", policy hash || tlog size (8
 * bytes big-endian) || tlog root || pending count (8 bytes big-endian) ||
 * pending digest), 32 bytes. */
JR_API void jr_centre_state_hash(const struct jr_centre *c,
	uint8_t out[JR_HASH_BYTES]);
JR_API uint64_t jr_centre_tlog_size(const struct jr_centre *c);

/* The consortium-signed acknowledged head (ack.h) of a kiosk: the highest
 * height up to which its chain is applied without a gap. time is the
 * caller's (the checkpoint's). JR_ENOTFOUND if nothing of that kiosk is
 * applied. */
JR_API int jr_centre_ack(struct jr_centre *c,
	const uint8_t kiosk_id[JR_ID_BYTES], int64_t time, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- building entries (kiosk roster tool, tests, benches) ---- */

struct jr_centre_kiosk {
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint64_t village;
	uint64_t revoked_from; /* 0: not revoked */
};
/* A roster entry signed by the consortium key; kiosks in any order (sorted
 * here by id). */
JR_API int jr_centre_roster_entry(const struct jr_key *consortium,
	uint64_t serial, const struct jr_centre_kiosk *kiosks, size_t n,
	struct jr_buf *out) JR_MUST_CHECK;
/* An upstream entry of n signed blocks (block.h wire form). */
JR_API int jr_centre_upstream_entry(const struct jr_buf *blocks, size_t n,
	struct jr_buf *out) JR_MUST_CHECK;

/* ---- reading the state (tests, the HTTP layer later) ---- */

struct jr_centre_reg {
	enum jr_centre_outcome outcome;
	struct jr_verdict reasons;
	uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES];
	uint64_t district;
	bool held;           /* marked held by a later equivocation */
	bool has_duplicate_of;
	uint8_t duplicate_of[JR_REGID_BYTES];
	uint64_t leaf;       /* index of its leaf in the log */
};
JR_API int jr_centre_registration(struct jr_centre *c,
	const uint8_t regid[JR_REGID_BYTES], struct jr_centre_reg *out)
	JR_MUST_CHECK;

struct jr_centre_kiosk_state {
	bool in_roster;
	uint64_t head;          /* highest contiguous applied height */
	uint64_t flagged_from;  /* 0: not flagged for equivocation */
	uint64_t pending;       /* blocks waiting for a lower height */
	uint64_t refusals;      /* distinct refused blocks */
	uint64_t evidence;      /* equivocation evidence rows */
};
JR_API int jr_centre_kiosk_state(struct jr_centre *c,
	const uint8_t kiosk_id[JR_ID_BYTES], struct jr_centre_kiosk_state *out)
	JR_MUST_CHECK;
/* The status of a refused block (by its body hash); JR_ENOTFOUND if none. */
JR_API int jr_centre_refusal(struct jr_centre *c,
	const uint8_t block_hash[JR_HASH_BYTES], enum jr_centre_status *status)
	JR_MUST_CHECK;
/* The status of every registration of one kiosk, in (height, regid) order,
 * one callback each (docs/centre.md "Statuses for a kiosk"): what its
 * downstream bundle carries. A callback that returns other than JR_OK stops
 * the walk and that code is returned. *count (may be NULL) gets how many
 * were handed out. Read only; streams, whatever the number. */
typedef int (*jr_centre_status_cb)(void *arg, const struct jr_status *s);
JR_API int jr_centre_statuses(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	jr_centre_status_cb cb, void *arg, uint64_t *count, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* Leaf i of the log (its entry bytes), malloc'd into out. */
JR_API int jr_centre_leaf(struct jr_centre *c, uint64_t index,
	struct jr_buf *out) JR_MUST_CHECK;

#endif
