/*
 * jaring/centre.h — the centre's state machine: one deterministic function,
 * jr_centre_apply(state, entry), that jaring-node runs on every committed
 * log entry and that jaring-audit replays. It knows nothing of Raft,
 * sockets or clocks (docs/centre.md describes every byte, with examples).
 *
 * The state is one SQLite file (WAL, synchronous=FULL): the roster's members,
 * each kiosk's applied chain, pending blocks, equivocation evidence,
 * refusals, registrations and their review, workers (by pseudonym), the
 * signed acts, policies, allocations, decrees, payments, reference lists, and
 * the transparency log's hashes (tlog.h). Each entry is applied in one
 * transaction; a leaf is appended to the log for every applied or refused
 * item.
 *
 * Determinism: no wall clock, no randomness, no floating point; every
 * multi-row read has an ORDER BY; the date the rules see is the record's own
 * (kiosk-claimed) time. Refusals (unknown kiosk, bad signature, a key acting
 * beyond its role, a decree its allocation cannot pay, ...) are recorded
 * outcomes and return JR_OK; an error return means "this node cannot
 * continue" (I/O, a corrupt state file) and the state is as before the entry.
 *
 * Entry (canonical CBOR):
 *   A3  00 01  01 <kind>  02 <payload>
 *   kind 1 roster:   payload = the signed roster of roster.h ([body, sig],
 *                    "jaring/roster/v2"), signed by the consortium key the
 *                    state was opened with (serial 1) or by the key the
 *                    roster before names (rotation)
 *   kind 2 upstream: payload [signed block bstr ...], each the block.h wire
 *                    form [body, sig], at most JR_CENTRE_MAX_BLOCKS
 *   kinds 3..9:      payload = a signed act [body bstr, sig bstr 64],
 *                    sig = Ed25519(signer, domain || 00 || BLAKE2b-256(body));
 *                    one domain per kind (JR_CENTRE_*_DOMAIN below); the
 *                    body is a map whose keys 0, 1, 2 are version 1, the
 *                    signer's key id and the signer's claimed time (Unix
 *                    seconds), then the kind's own keys from 3 on. Act id =
 *                    BLAKE2b-256(body): an act is applied at most once.
 */
#ifndef JARING_CENTRE_H
#define JARING_CENTRE_H

#include "common.h"
#include "block.h"
#include "keys.h"
#include "roster.h"
#include "rules.h"
#include "status.h"
#include "tlog.h"

#define JR_CENTRE_ENTRY_VERSION 1
#define JR_CENTRE_ACT_VERSION 1
#define JR_CENTRE_PSEUDONYM_LABEL "jaring/pseudonym/v1"
#define JR_CENTRE_STATE_LABEL "jaring/centre-state/v1"
#define JR_CENTRE_POLICY_DOMAIN "jaring/policy-act/v1"
#define JR_CENTRE_REVIEW_DOMAIN "jaring/review/v1"
#define JR_CENTRE_VIEW_DOMAIN "jaring/view/v1"
/* The labelled hash a comment's body commits to: salt (32) || text. */
#define JR_CENTRE_COMMENT_LABEL "jaring/comment/v1"
#define JR_CENTRE_COMMENT_SALT_BYTES 32
#define JR_CENTRE_DECREE_DOMAIN "jaring/decree/v1"
#define JR_CENTRE_ALLOCATION_DOMAIN "jaring/allocation/v1"
#define JR_CENTRE_PAYMENT_DOMAIN "jaring/payment/v1"
#define JR_CENTRE_REFLIST_DOMAIN "jaring/reflist/v1"
#define JR_CENTRE_DECREE_LIST_LABEL "jaring/decree-list/v1"
#define JR_CENTRE_PSEUDONYM_KEY_BYTES 32
#define JR_CENTRE_PSEUDONYM_BYTES 32
#define JR_CENTRE_MAX_BLOCKS 1024
#define JR_CENTRE_MAX_KEYS 8        /* consortium keys held (rotations) */
#define JR_CENTRE_MAX_ACT_REGS 4096 /* registrations named by a review,
                                     * view or payment act */
#define JR_CENTRE_MAX_DECREE_REGS 65536
#define JR_CENTRE_MAX_LIST 65536    /* pseudonyms in one reference list part */
#define JR_CENTRE_MAX_PARTS 1024
#define JR_CENTRE_NAME_MAX 63       /* decree number, allocation id */
#define JR_CENTRE_SPONSOR_MAX 127
#define JR_CENTRE_COMMENT_MAX 280
#define JR_CENTRE_MONTHS_MAX 60
#define JR_CENTRE_AMOUNT_MAX UINT64_C(1000000000000000) /* Rp 10^15 */
/* Each signed block adds its 64-byte signature and at most 16 bytes of
 * CBOR heads to its body. */
#define JR_CENTRE_ENTRY_MAX_BYTES \
	((size_t)JR_CENTRE_MAX_BLOCKS * (JR_BLOCK_MAX_BYTES + 80) + 64)

enum jr_centre_kind {
	JR_CENTRE_ROSTER = 1,
	JR_CENTRE_UPSTREAM = 2,
	JR_CENTRE_POLICY = 3,     /* a policy version of one jurisdiction */
	JR_CENTRE_REVIEW = 4,     /* an agency approves, returns or comments */
	JR_CENTRE_VIEW = 5,       /* an official viewed personal data */
	JR_CENTRE_DECREE = 6,     /* the regional head fixes a recipient list */
	JR_CENTRE_ALLOCATION = 7, /* a funder's budget */
	JR_CENTRE_PAYMENT = 8,    /* contributions paid for one month */
	JR_CENTRE_REFLIST = 9     /* wage-earner participants, DTKS matches */
};
#define JR_CENTRE_KIND_MAX 9

/* Status of a block, roster, act or act item in its log leaf and in the
 * refusal table. */
enum jr_centre_status {
	JR_CS_APPLIED = 1,
	JR_CS_UNKNOWN_KIOSK = 2,
	JR_CS_REVOKED = 3,        /* kiosk from its height; any other key */
	JR_CS_BAD_SIGNATURE = 4,
	JR_CS_KIOSK_MISMATCH = 5, /* a record's kiosk id is not its block's */
	JR_CS_CHAIN_BREAK = 6,    /* prev is not the hash of the block below */
	JR_CS_EQUIVOCATION = 7,   /* a second, different block at a height */
	JR_CS_MALFORMED = 8,
	JR_CS_HELD = 9,           /* after an equivocation: kept, not applied */
	JR_CS_STALE_ROSTER = 10,  /* roster serial not above the current one */
	JR_CS_UNKNOWN_KEY = 11,   /* the act's signer is not on the roster */
	JR_CS_NOT_PERMITTED = 12, /* another role, agency or permission */
	JR_CS_OUT_OF_REGION = 13, /* outside the signer's (or decree's) region */
	JR_CS_UNKNOWN_REGISTRATION = 14,
	JR_CS_NOT_IN_REVIEW = 15, /* returned, rejected, held or decreed */
	JR_CS_ALREADY_DONE = 16,  /* this agency approved it already */
	JR_CS_NOT_APPROVED = 17,  /* a recipient lacks a required approval */
	JR_CS_ALLOCATION_SHORT = 18, /* the allocation cannot pay the decree */
	JR_CS_UNKNOWN_ALLOCATION = 19,
	JR_CS_DUPLICATE_ID = 20,  /* decree number, allocation id, list part */
	JR_CS_ALREADY_DECREED = 21, /* on another decree in an overlapping period */
	JR_CS_NOT_ELIGIBLE = 22,  /* wage earner, or no DTKS match where required */
	JR_CS_NOT_DECREED = 23,   /* paid for someone not decreed on it that month */
	JR_CS_ALREADY_PAID = 24,
	JR_CS_AMOUNT_MISMATCH = 25, /* amount != recipients x the decree's rate */
	JR_CS_BEYOND_ALLOCATION = 26,
	JR_CS_STALE_POLICY = 27,  /* policy version not above the current one */
	JR_CS_STALE_LIST = 28,    /* reference list serial not above the current */
	JR_CS_LIST_MISMATCH = 29, /* decree digest/count, or list parts, disagree */
	JR_CS_BAD_PERIOD = 30     /* decree longer than its allocation's months */
};
#define JR_CS_MAX 30

/* Outcome of one registration at intake (and after a re-judgement), in its
 * leaf. */
enum jr_centre_outcome {
	JR_CO_ACCEPTED = 1,   /* every rule passed; the worker's first: in review */
	JR_CO_RETURNED = 2,   /* returned for correction, with reason codes */
	JR_CO_DUPLICATE = 3,  /* the worker is registered already (reason 401) */
	JR_CO_HELD = 4,       /* its kiosk equivocated at or below its height */
	JR_CO_UNOPENABLE = 5, /* signed by the kiosk but does not open */
	JR_CO_INELIGIBLE = 6  /* a centre-only fact: 402 wage earner, 403 no DTKS */
};

/* Where a registration stands now (jr_centre_reg.phase). */
enum jr_centre_phase {
	JR_PH_REVIEW = 1,   /* accepted; agencies approving */
	JR_PH_RETURNED = 2, /* returned for correction (rules or an agency) */
	JR_PH_REJECTED = 3, /* duplicate, unopenable or ineligible */
	JR_PH_HELD = 4,
	JR_PH_DECREED = 5   /* on a decree */
};

enum jr_review_verb { JR_REVIEW_APPROVE = 1, JR_REVIEW_RETURN = 2, JR_REVIEW_COMMENT = 3 };

/* Sponsor types, the four rows of Table 1. */
enum jr_sponsor {
	JR_SPONSOR_APBD = 1,    /* Pemerintah: the regional budget */
	JR_SPONSOR_CSR = 2,     /* Perusahaan: company CSR */
	JR_SPONSOR_VILLAGE = 3, /* Desa: village funds */
	JR_SPONSOR_ASN = 4      /* ASN Sertakan: civil-servant sponsors */
};

enum jr_reflist {
	JR_REFLIST_WAGE_EARNERS = 1, /* BPJS Ketenagakerjaan's PU participants */
	JR_REFLIST_DTKS = 2,         /* DTKS matches (Dukcapil's padan data) */
	JR_REFLIST_PAYMENTS = 3      /* BPJS Ketenagakerjaan's payment confirmations
	                              * for one month: serial YYYYMM */
};

/* What one entry did (counts; all zero for an entry that changed nothing). */
struct jr_centre_result {
	bool changed;          /* false: a no-op, the state hash is unchanged */
	bool refused;          /* the entry as a whole (malformed, bad roster, act) */
	uint32_t blocks_applied, blocks_known, blocks_pending, blocks_refused;
	uint32_t regs_accepted, regs_returned, regs_duplicate, regs_held,
		regs_unopenable, regs_known;
	uint32_t kiosks_set;   /* roster entries: members with role kiosk */
	uint32_t regs_ineligible, regs_corrections;
	uint32_t acts_applied, acts_refused, acts_replayed;
	uint32_t items_applied, items_refused; /* per registration of an act */
	uint32_t members_set;  /* roster entries: every member */
	/* An act's or a roster's status (JR_CS_APPLIED for one applied now or
	 * before); JR_CS_MALFORMED for an entry that does not decode or is of
	 * a kind this build does not know; 0 for upstream entries. */
	enum jr_centre_status act_status;
};

struct jr_centre;
struct jr_registration; /* record.h */
struct sqlite3;         /* sqlite3.h */

/* Opens (creating if missing) the state file at path. consortium (role
 * JR_ROLE_CONSORTIUM) is borrowed for the handle's lifetime: it signs the
 * first roster (serial 1) and opens what is sealed to it. A state file
 * begun under one consortium key refuses another (JR_EKEY); keys that a
 * rotation brought in are added with jr_centre_add_consortium_key after each
 * open. The pseudonym key is copied into sodium_malloc'd memory. policy is
 * the genesis contract policy every node of the cluster runs until a policy
 * act replaces it per jurisdiction; its encoding is bound into the state
 * hash, so nodes started on different policies disagree at once. The
 * handle (and jr_centre_db's connection) may be used by one thread at a
 * time only: SQLite's connection mutex is off for it. */
JR_API int jr_centre_open(const char *path, const struct jr_key *consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const struct jr_policy *policy, struct jr_centre **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_centre_close(struct jr_centre *c);

/* Whether each entry's commit waits for the disk (the default: PRAGMA
 * synchronous=FULL). A caller that rebuilds the file from its own durable
 * log after any crash (jaring-node deletes it at start and lets libraft
 * re-apply; docs/node.md "Restart") turns it off: a commit is then only
 * ordered, not flushed, and a power cut may leave the file unusable, which
 * such a caller never reads. Changes no result and no state hash. */
JR_API int jr_centre_set_durable(struct jr_centre *c, bool durable) JR_MUST_CHECK;

/* Group commit (docs/centre.md "Group commit"): whether jr_centre_apply
 * commits each entry (the default) or leaves one transaction open across
 * entries, each entry in a savepoint of it, until jr_centre_commit. Readers
 * on other connections (jr_centre_open_reader, a snapshot's copy) see the
 * state as of the last jr_centre_commit; this handle and whatever the
 * caller runs on jr_centre_db see every entry applied. Changes no result
 * and no state hash. Turning it off commits what is open. After an apply
 * error the caller stops, as that error says: a failed entry takes the open
 * transaction back with it, the entries before it since the last commit
 * too, after which the handle refuses every entry (JR_EIO). */
JR_API int jr_centre_set_group_commit(struct jr_centre *c, bool on,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Commits the entries applied since the last commit; JR_OK at once if
 * there are none. */
JR_API int jr_centre_commit(struct jr_centre *c, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Whether entries applied since the last commit wait for jr_centre_commit. */
JR_API bool jr_centre_uncommitted(const struct jr_centre *c);
/* The handle's own SQLite connection, for a caller's tables in the same
 * file, written in the same transaction as the entry they describe (a node's
 * index of bundles and acts). Borrowed: closed by jr_centre_close. The
 * caller never begins, commits or rolls back on it. */
JR_API struct sqlite3 *jr_centre_db(struct jr_centre *c);

/* Adds a later consortium key (role JR_ROLE_CONSORTIUM, borrowed for the
 * handle's lifetime): records sealed to it open, and once a roster names it
 * it signs the acknowledged heads. Every node must hold every key the
 * rosters named before it applies records sealed to it (or it reaches
 * another state hash and stops). JR_EEXIST if held already, JR_ETOOBIG past
 * JR_CENTRE_MAX_KEYS. */
JR_API int jr_centre_add_consortium_key(struct jr_centre *c,
	const struct jr_key *consortium, struct jr_errbuf *eb) JR_MUST_CHECK;

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
/* The consortium key the latest applied roster names (roster key 2; the
 * genesis key until a rotation): the key that must sign the next roster and
 * signs acknowledged heads. Not, after a rotation, the key that signed the
 * latest roster itself. */
JR_API void jr_centre_roster_signer(const struct jr_centre *c,
	uint8_t out[JR_SIGN_PK_BYTES]);
/* The RFC 6962 root of the log at its size (what a checkpoint signs). */
JR_API int jr_centre_tlog_root(struct jr_centre *c, uint8_t root[JR_HASH_BYTES])
	JR_MUST_CHECK;

/* The log's tree as this handle holds it, for reading (jr_tlog_root,
 * jr_tlog_tile_read, proofs) between applies: what jaring-audit checks the
 * export's tiles and checkpoints against while it replays. Borrowed for the
 * handle's lifetime; writing through it is an error. */
JR_API const struct jr_tlog_store *jr_centre_tlog_store(struct jr_centre *c);

/* The consortium-signed acknowledged head (ack.h) of a kiosk: the highest
 * height up to which its chain is applied without a gap. Signed by the
 * consortium key the latest roster names (JR_EKEY if this node does not
 * hold it). time is the caller's (the checkpoint's). JR_ENOTFOUND if nothing
 * of that kiosk is applied. */
JR_API int jr_centre_ack(struct jr_centre *c,
	const uint8_t kiosk_id[JR_ID_BYTES], int64_t time, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* The signed bytes of the latest applied roster (roster.h; what downstream
 * bundles carry), malloc'd into out. JR_ENOTFOUND before the first. */
JR_API int jr_centre_roster(struct jr_centre *c, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* The rosters below serial `below` that rotated the consortium key (each
 * names a key other than the one its predecessor named; the first is judged
 * against the genesis key), ascending, the latest `max` of them, malloc'd
 * into links[0..*n) (jr_centre_roster_links_free): the chain a downstream
 * bundle carries before the latest roster, so that a kiosk that missed
 * rotations follows them (downstream.h). */
JR_API int jr_centre_roster_links(struct jr_centre *c, uint64_t below, struct jr_buf *links,
	size_t max, size_t *n, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_centre_roster_links_free(struct jr_buf *links, size_t n);

/* ---- building entries (jaring-admin, tests, benches) ---- */

/* A roster entry (kind 1) around a roster signed already (roster.h signed
 * form, e.g. made by jaring-admin at the consortium's ceremony): the bytes
 * are carried as they are; the centre checks them when it applies. */
JR_API int jr_centre_roster_entry_signed(const uint8_t *roster, size_t len,
	struct jr_buf *out) JR_MUST_CHECK;
/* A roster entry (kind 1) signed by `signer`: members in any order;
 * next_consortium_pk is the key that signs the following roster and that
 * records are sealed to from then on (NULL: the signer's own). */
JR_API int jr_centre_roster_entry_members(const struct jr_key *signer,
	uint64_t serial, const uint8_t next_consortium_pk[JR_SIGN_PK_BYTES],
	const struct jr_roster_member *m, size_t n, struct jr_buf *out) JR_MUST_CHECK;

/* Kiosks only, for callers that list nothing else: each becomes a member
 * with role kiosk, agency Diskominfo, region its village, permission
 * upload. Kept for the tools written before roster v2. */
struct jr_centre_kiosk {
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint64_t village;
	uint64_t revoked_from; /* 0: not revoked */
};
JR_API int jr_centre_roster_entry(const struct jr_key *consortium,
	uint64_t serial, const struct jr_centre_kiosk *kiosks, size_t n,
	struct jr_buf *out) JR_MUST_CHECK;

/* An upstream entry of n signed blocks (block.h wire form). */
JR_API int jr_centre_upstream_entry(const struct jr_buf *blocks, size_t n,
	struct jr_buf *out) JR_MUST_CHECK;

/* The act builders below sign with `official` (any role the roster gives
 * it; the centre decides whether it may) and write the whole entry. issued
 * is the signer's claimed time, Unix seconds: it makes two acts of the same
 * content distinct and decides nothing. Lists of registration ids (n ids of
 * JR_REGID_BYTES, one after another) are taken in any order and sorted
 * here; two equal ids are JR_EINVAL. */

/* Policy version for `region` (a regency code, 0 for every region without
 * its own): the rules of rules.h, the agencies whose approval is required
 * (bit 1 << enum jr_agency, agencies 1..5), and whether a DTKS match is
 * required. */
JR_API int jr_centre_policy_entry(const struct jr_key *official, int64_t issued,
	uint64_t region, const struct jr_policy *rules, uint32_t required_agencies,
	bool dtks_required, struct jr_buf *out) JR_MUST_CHECK;
/* Approve, return (reasons: 1..16 known codes) or comment (text of
 * 1..JR_CENTRE_COMMENT_MAX bytes UTF-8; never personal data: it is kept in
 * the state, only its hash goes to the public log). A comment's body holds
 * a commitment to the text under a fresh random salt, and the entry carries
 * the text and the salt beside it (docs/centre.md "Review act"), so two
 * calls give different entries. */
JR_API int jr_centre_review_entry(const struct jr_key *official, int64_t issued,
	enum jr_review_verb verb, const uint8_t *regids, size_t n,
	const struct jr_verdict *reasons, const char *comment, struct jr_buf *out)
	JR_MUST_CHECK;
/* jr_centre_review_entry with the comment's salt given (ignored for an
 * approval or a return): for worked examples and reproducible tests only. A
 * salt used twice, or one that can be guessed, lets a guessed text be
 * confirmed against the public commitment. */
JR_API int jr_centre_review_entry_salted(const struct jr_key *official, int64_t issued,
	enum jr_review_verb verb, const uint8_t *regids, size_t n,
	const struct jr_verdict *reasons, const char *comment,
	const uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES], struct jr_buf *out) JR_MUST_CHECK;
/* The official viewed the personal data of these registrations. */
JR_API int jr_centre_view_entry(const struct jr_key *official, int64_t issued,
	const uint8_t *regids, size_t n, struct jr_buf *out)
	JR_MUST_CHECK;

struct jr_centre_decree {
	char number[JR_CENTRE_NAME_MAX + 1];     /* printable ASCII, 1..63 */
	uint64_t region;                         /* regency or district */
	char allocation[JR_CENTRE_NAME_MAX + 1];
	uint32_t start;                          /* YYYYMM, the first month */
	uint32_t months;                         /* 1..JR_CENTRE_MONTHS_MAX */
	/* Either the recipients (n > 0) or, with n == 0, the digest and count
	 * of every registration that may be decreed in the region for that
	 * period (jr_centre_decree_candidates). */
	const uint8_t *regids;
	size_t n;
	uint64_t count;
	uint8_t digest[JR_HASH_BYTES];
};
JR_API int jr_centre_decree_entry(const struct jr_key *official, int64_t issued,
	const struct jr_centre_decree *d, struct jr_buf *out) JR_MUST_CHECK;

struct jr_centre_allocation {
	char id[JR_CENTRE_NAME_MAX + 1];         /* printable ASCII, 1..63 */
	enum jr_sponsor type;
	char sponsor[JR_CENTRE_SPONSOR_MAX + 1]; /* UTF-8, 1..127 bytes: an
	                                          * organisation or programme */
	uint64_t amount_rp;                      /* 1..JR_CENTRE_AMOUNT_MAX */
	uint32_t months;                         /* 1..JR_CENTRE_MONTHS_MAX */
	uint64_t region;                         /* where it pays; 0 anywhere */
	/* read side only (jr_centre_allocation_get) */
	uint64_t committed_rp;                   /* promised by its decrees */
	uint64_t paid_rp;
	uint64_t decrees;
};
JR_API int jr_centre_allocation_entry(const struct jr_key *official, int64_t issued,
	const struct jr_centre_allocation *a, struct jr_buf *out) JR_MUST_CHECK;

/* Contributions for one month, from one allocation: for the registrations
 * listed (n > 0) or, with n == 0, for every recipient decreed on that
 * allocation for that month and not yet paid for it. amount_rp must be
 * their number times their decree's rate. */
JR_API int jr_centre_payment_entry(const struct jr_key *official, int64_t issued,
	const char *allocation, uint32_t month, const uint8_t *regids,
	size_t n, uint64_t amount_rp, struct jr_buf *out) JR_MUST_CHECK;

/* Part `part` (0..parts-1) of reference list `serial` of one kind: worker
 * pseudonyms (jr_centre_pseudonym_of), never NIKs. A wage-earner or DTKS
 * list replaces the one before once all its parts are applied; payment
 * confirmations (serial = the month YYYYMM) are kept per month. */
JR_API int jr_centre_reflist_entry(const struct jr_key *official, int64_t issued,
	enum jr_reflist kind, uint64_t serial, uint32_t part, uint32_t parts,
	const uint8_t *pseudonyms, size_t n,
	struct jr_buf *out) JR_MUST_CHECK;

/* The worker pseudonym of a NIK (docs/centre.md "Pseudonym"): what the
 * centre computes, for jaring-admin on a node's machine to turn an agency's
 * list of NIKs into a reference list. */
JR_API void jr_centre_pseudonym_of(const uint8_t key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const char nik[JR_NIK_LEN + 1], uint8_t out[JR_CENTRE_PSEUDONYM_BYTES]);

/* Who may be decreed in `region` from `start` for `months` right now
 * (approved by every required agency, eligible, not on an overlapping
 * decree), their number and the digest a decree of the digest form states:
 * jr_hash_labelled("jaring/decree-list/v1", regid || regid || ...) in
 * ascending order. */
JR_API int jr_centre_decree_candidates(struct jr_centre *c, uint64_t region,
	uint32_t start, uint32_t months, uint64_t *count,
	uint8_t digest[JR_HASH_BYTES], struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- reading the state (tests, the HTTP layer, jaring-admin) ---- */

struct jr_centre_reg {
	enum jr_centre_outcome outcome;
	struct jr_verdict reasons;
	uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES];
	uint64_t district;
	bool held;           /* marked held by a later equivocation */
	bool has_duplicate_of;
	uint8_t duplicate_of[JR_REGID_BYTES];
	uint64_t leaf;       /* index of its intake leaf in the log */
	enum jr_centre_phase phase;
	uint32_t approvals;  /* bit 1 << agency, every agency that approved */
	uint32_t viewed;     /* bit 1 << agency, every agency that viewed it */
	bool has_corrects, has_corrected_by;
	uint8_t corrects[JR_REGID_BYTES], corrected_by[JR_REGID_BYTES];
	char decree[JR_CENTRE_NAME_MAX + 1]; /* latest decree, "" if none */
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
/* The status of a refused block, roster or act (by its hash: block body,
 * roster body, act id); JR_ENOTFOUND if none. */
JR_API int jr_centre_refusal(struct jr_centre *c,
	const uint8_t block_hash[JR_HASH_BYTES], enum jr_centre_status *status)
	JR_MUST_CHECK;
/* JR_CS_APPLIED if the act was applied, else its refusal (the lowest status
 * recorded), else JR_ENOTFOUND. */
JR_API int jr_centre_act(struct jr_centre *c, const uint8_t act_id[JR_HASH_BYTES],
	enum jr_centre_status *status) JR_MUST_CHECK;
/* The act id of an act entry (BLAKE2b-256 of its body); JR_EFORMAT if the
 * entry is not an act. */
JR_API int jr_centre_act_id(const uint8_t *entry, size_t len,
	uint8_t act_id[JR_HASH_BYTES]) JR_MUST_CHECK;

struct jr_centre_decree_state {
	char number[JR_CENTRE_NAME_MAX + 1];
	char allocation[JR_CENTRE_NAME_MAX + 1];
	uint64_t region;
	uint32_t start, months;      /* YYYYMM, months */
	uint64_t count;              /* recipients */
	uint64_t rate_rp;            /* per recipient per month */
	uint64_t cost_rp;            /* count x months x rate */
	uint64_t paid_rp;
};
JR_API int jr_centre_decree_get(struct jr_centre *c, const char *number,
	struct jr_centre_decree_state *out) JR_MUST_CHECK;
JR_API int jr_centre_allocation_get(struct jr_centre *c, const char *id,
	struct jr_centre_allocation *out) JR_MUST_CHECK;

/* The status of every registration of one kiosk, in (height, regid) order,
 * one callback each (docs/centre.md "Statuses for a kiosk"): what its
 * downstream bundle carries. A callback that returns other than JR_OK stops
 * the walk and that code is returned. *count (may be NULL) gets how many
 * were handed out. Read only; streams, whatever the number. */
typedef int (*jr_centre_status_cb)(void *arg, const struct jr_status *s);
JR_API int jr_centre_statuses(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	jr_centre_status_cb cb, void *arg, uint64_t *count, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* The status of one registration, as jr_centre_statuses gives it. */
JR_API int jr_centre_status(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Leaf i of the log (its entry bytes), malloc'd into out. */
JR_API int jr_centre_leaf(struct jr_centre *c, uint64_t index,
	struct jr_buf *out) JR_MUST_CHECK;

/* ---- the log's leaves, decoded (docs/centre.md "Leaves") ---- */

enum jr_centre_leaf_type {
	JR_LEAF_ROSTER = 1,
	JR_LEAF_BLOCK = 2,
	JR_LEAF_REGISTRATION = 3,
	JR_LEAF_ACT = 4,
	JR_LEAF_ITEM = 5 /* one registration under an act */
};
struct jr_centre_leaf {
	enum jr_centre_leaf_type type;
	/* roster, block, act, item: an enum jr_centre_status; registration: its
	 * enum jr_centre_outcome */
	unsigned status;
	uint8_t hash[JR_HASH_BYTES]; /* roster body hash, block hash, act id */
	/* block: the kiosk id; registration, item: the registration id; act:
	 * the signer's key id */
	uint8_t id[JR_ID_BYTES];
	uint64_t n;                  /* roster serial, block height,
	                              * registration district, act count */
	uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES]; /* registration */
	uint32_t kind, verb, agency; /* act: kind; item: kind, verb, agency */
	struct jr_verdict reasons;   /* registration, item */
	/* registration: the one it corrects; act: the registration a refusal
	 * is about */
	bool has_ref;
	uint8_t ref[JR_REGID_BYTES];
};
_Static_assert(JR_ID_BYTES == JR_REGID_BYTES, "leaf ids share one field");
/* Decodes a leaf strictly: exactly the bytes the centre writes for it
 * (JR_EFORMAT otherwise). Fail closed: out zeroed. */
JR_API int jr_centre_leaf_decode(const uint8_t *p, size_t len,
	struct jr_centre_leaf *out) JR_MUST_CHECK;
/* The fields of a leaf already known to be byte for byte one the centre
 * wrote (an auditor compares the log's leaf with its replay's own first):
 * read strictly, but not proven canonical by encoding it again. Any other
 * leaf goes through jr_centre_leaf_decode. Fail closed: out zeroed. */
JR_API int jr_centre_leaf_fields(const uint8_t *p, size_t len,
	struct jr_centre_leaf *out) JR_MUST_CHECK;
/* The leaf's bytes, as the centre writes them (tests build forged logs with
 * it). */
JR_API int jr_centre_leaf_encode(const struct jr_centre_leaf *l, struct jr_buf *out)
	JR_MUST_CHECK;

/* Names for people and scripts: "NOT_APPROVED", "ACCEPTED", "decree"
 * (a status as docs/centre.md spells it, an outcome, an entry kind); never
 * NULL ("UNKNOWN_STATUS" for a status outside 1..JR_CS_MAX). */
JR_API const char *jr_centre_status_name(unsigned status);
JR_API const char *jr_centre_outcome_name(unsigned outcome);
JR_API const char *jr_centre_kind_name(unsigned kind);

/* An act entry (kinds 3..9) around a signed act [body, sig] as the state and
 * the export keep it; the centre checks it when it applies. */
JR_API int jr_centre_act_entry_signed(enum jr_centre_kind kind, const uint8_t *act,
	size_t len, struct jr_buf *out) JR_MUST_CHECK;

/* The signed bytes the state holds for an applied leaf, as the entry that
 * applied them carried them: a roster leaf's signed roster, a block leaf's
 * signed block (block.h wire form), an act leaf's signed act [body, sig].
 * JR_ENOTFOUND for anything else (refusals keep no bytes). */
JR_API int jr_centre_leaf_signed(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_buf *out) JR_MUST_CHECK;

/* ---- the public export (docs/export.md) ---- */

/* Writes the public export of the first `size` leaves under dir: the log's
 * tiles and checkpoint (jr_export_log; the checkpoint must be for exactly
 * `size` and trusted by policy), every applied roster (roster/<serial>),
 * every applied act but comments (act/<id hex>), and the genesis file (the
 * first consortium key and the genesis policy). Nothing about a person
 * beyond what the leaves hold, and no ciphertext. */
JR_API int jr_centre_export(struct jr_centre *c, uint64_t size,
	const uint8_t *checkpoint, size_t checkpoint_len,
	const struct jr_tlog_policy *policy, const char *dir,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* The export's genesis file: canonical CBOR {0: 1, 1: the genesis
 * consortium key (bstr 32), 2: the genesis policy (bstr, rules.h)}. */
#define JR_CENTRE_GENESIS_VERSION 1
JR_API int jr_centre_genesis_encode(const uint8_t pk[JR_SIGN_PK_BYTES],
	const struct jr_policy *policy, struct jr_buf *out) JR_MUST_CHECK;
JR_API int jr_centre_genesis_decode(const uint8_t *p, size_t len,
	uint8_t pk[JR_SIGN_PK_BYTES], struct jr_policy *policy,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The genesis consortium key and policy of an open state. */
JR_API void jr_centre_genesis(const struct jr_centre *c, uint8_t pk[JR_SIGN_PK_BYTES],
	struct jr_policy *policy);
/* The rules in force where `region` lies (a village, district or regency
 * code; 0 for none): its regency's policy, else the policy for every
 * region, else the genesis policy (docs/centre.md "Policy act"). What a
 * kiosk of that village is sent downstream. */
JR_API void jr_centre_policy_rules(const struct jr_centre *c, uint64_t region,
	struct jr_policy *out);

/* ---- replaying a log (jaring-audit) ---- */

/* Opens a new state for a replay. From public data alone (consortium and
 * pseudonym_key NULL): the genesis consortium key's public half (it
 * verifies roster 1), no secret key, a zero pseudonym key; from a node's
 * state file: the genesis consortium key itself and the pseudonym key, so
 * that blocks are applied as on a node. A replay is thrown away, so it has
 * no journal, no fsync and one transaction, its tree in scratch files and no
 * leaf rows (docs/centre.md). Rosters, acts (and blocks) are applied with jr_centre_apply; what
 * the replay has no bytes for is carried over from the leaves with
 * jr_centre_replay_leaf. The file at path must not exist. */
JR_API int jr_centre_open_replay(const char *path,
	const uint8_t genesis_pk[JR_SIGN_PK_BYTES], const struct jr_key *consortium,
	const uint8_t *pseudonym_key, const struct jr_policy *policy,
	struct jr_centre **out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Takes one leaf as the log states it, for an item whose signed bytes the
 * replay does not have, and appends it: a block leaf (applied: the kiosk's
 * head moves, and it must be a roster kiosk with upload permission, not
 * revoked, at head + 1; an equivocation flags the kiosk and holds its
 * registrations; any other refusal is recorded), a registration leaf
 * following its block (its row; an accepted one claims its worker, which
 * must be free; a correction takes over a returned registration), a refused
 * roster or act, and the leaves of a comment (which the export does not
 * carry). JR_ECORRUPT, with the reason in eb, for a leaf the log cannot
 * hold at this point. A replay is one transaction, leaves carried over and
 * entries applied alike: jr_centre_replay_flush (or jr_centre_close)
 * commits it, and the state reads as applied before that on this handle. */
JR_API int jr_centre_replay_leaf(struct jr_centre *c, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_centre_replay_flush(struct jr_centre *c, struct jr_errbuf *eb)
	JR_MUST_CHECK;

/* Every pending block (waiting above a gap) as a one-block upstream entry,
 * in (kiosk, height) order: what a replay from a node's state applies last
 * to reach its pending digest. */
JR_API int jr_centre_pending_each(struct jr_centre *c,
	int (*cb)(void *arg, const uint8_t *entry, size_t len), void *arg,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* A summary of the money and the registrations, for reports: every
 * allocation (id order), every decree (number order), and per district the
 * registrations by phase. Callbacks may be NULL. */
struct jr_centre_district_count {
	uint64_t district;
	uint64_t by_phase[6]; /* [enum jr_centre_phase] */
	uint64_t views;       /* registrations viewed by any agency */
};
JR_API int jr_centre_summary(struct jr_centre *c,
	int (*alloc_cb)(void *arg, const struct jr_centre_allocation *a),
	int (*decree_cb)(void *arg, const struct jr_centre_decree_state *d),
	int (*district_cb)(void *arg, const struct jr_centre_district_count *d),
	void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;


/* ---- the agencies' read side (jaring-admin on a node's machine) ---- */

/* Opens the state file of a running node read only: every reader of this
 * header works on the handle, jr_centre_apply refuses it (JR_EINVAL), and
 * nothing is written to the file (the node may write meanwhile; a read
 * waits up to 10 s for its transaction). consortium may be NULL; with it
 * (role JR_ROLE_CONSORTIUM, borrowed) jr_centre_personal opens records. */
JR_API int jr_centre_open_reader(const char *path, const struct jr_key *consortium,
	struct jr_centre **out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* On a reader: from here to jr_centre_read_end every read sees the state as
 * of one applied entry (one SQLite read transaction, which the node's
 * commits do not disturb), and jr_centre_tlog_size, jr_centre_roster_signer,
 * the policies in force and the other cached figures are read again inside
 * it. JR_EINVAL on a handle that applies (its reads are current already). */
JR_API int jr_centre_read_begin(struct jr_centre *c, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Ends it (nothing was written; a no-op without one). */
JR_API void jr_centre_read_end(struct jr_centre *c);

/* The current roster's member with key id `id` (JR_ENOTFOUND if none). */
JR_API int jr_centre_member(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_roster_member *out) JR_MUST_CHECK;

/* A registration and the contract's findings on it, for the review queue
 * (docs/admin.md "The review queue"). */
struct jr_centre_item {
	uint8_t regid[JR_REGID_BYTES];
	uint8_t kiosk[JR_ID_BYTES];
	uint64_t height;
	int64_t time;            /* its block's claimed time, Unix seconds */
	uint64_t district, leaf; /* leaf: its intake leaf, the queue's order */
	enum jr_centre_outcome outcome;
	enum jr_centre_phase phase;
	struct jr_verdict reasons; /* the rules' reason codes (none: all passed) */
	uint32_t approvals, viewed; /* bit 1 << agency */
	uint32_t required;       /* the agencies its district's policy requires */
	bool dtks_required, dtks_match, wage_earner;
	uint64_t comments;
};
typedef int (*jr_centre_item_cb)(void *arg, const struct jr_centre_item *it);

/* Every registration in review (phase JR_PH_REVIEW, not held, not
 * corrected) that waits for `agency` (1..5: its district's policy requires
 * it and it has not approved; 0: every registration in review), in the
 * district or regency `region` (0: everywhere), oldest intake first. Streams
 * (one row at a time); a callback that returns other than JR_OK stops the
 * walk with that code. */
JR_API int jr_centre_queue(struct jr_centre *c, uint32_t agency, uint64_t region,
	jr_centre_item_cb cb, void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;
/* One registration, in whatever phase; JR_ENOTFOUND if unknown. */
JR_API int jr_centre_item(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_centre_item *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* The registration's record opened with the consortium key (the handle
 * must hold it: JR_EKEY otherwise): the person's data. The caller wipes it
 * (jr_registration_wipe). Shown only behind an applied view act. */
JR_API int jr_centre_personal(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_registration *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* One recipient on one decree (a row of the recipient table) with its
 * allocation's sponsor and the months paid for it. */
struct jr_centre_recipient {
	uint8_t regid[JR_REGID_BYTES];
	uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES];
	uint64_t district;
	char decree[JR_CENTRE_NAME_MAX + 1];
	char allocation[JR_CENTRE_NAME_MAX + 1];
	enum jr_sponsor type;
	char sponsor[JR_CENTRE_SPONSOR_MAX + 1];
	uint32_t start, months;  /* YYYYMM, months decreed */
	uint64_t rate_rp;
	uint32_t months_paid;
	bool paid_in_month;      /* paid for the month asked (0: false) */
};
typedef int (*jr_centre_recipient_cb)(void *arg, const struct jr_centre_recipient *r);
/* Every recipient of every decree (month 0) or of those covering month
 * YYYYMM, by decree then registration id; paid_in_month says whether that
 * month is paid for it. Streams. */
JR_API int jr_centre_recipients(struct jr_centre *c, uint32_t month,
	jr_centre_recipient_cb cb, void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Is the pseudonym on list `serial` of kind `kind` (the parts applied so
 * far)? */
JR_API int jr_centre_list_has(struct jr_centre *c, enum jr_reflist kind,
	uint64_t serial, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], bool *has)
	JR_MUST_CHECK;
/* Every pseudonym of list (kind, serial), in order. */
typedef int (*jr_centre_pseudonym_cb)(void *arg, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES]);
JR_API int jr_centre_list_each(struct jr_centre *c, enum jr_reflist kind,
	uint64_t serial, jr_centre_pseudonym_cb cb, void *arg, struct jr_errbuf *eb)
	JR_MUST_CHECK;

#endif
