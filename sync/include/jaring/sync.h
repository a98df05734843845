/*
 * jaring/sync.h — an officer's USB drive: the layout of docs/sync.md
 * (JARING/UP/<kiosk>/<first height>.JRB with a signed INDEX.JRI, the visit
 * files, JARING/DOWN/<kiosk>/<sequence>.JRB, *.TMP for files being
 * written); the export of the unacknowledged blocks into upstream bundles,
 * atomically, resumable after a pulled drive; the centre's downstream
 * answers written onto it; and a kiosk's whole visit (export, the answer
 * applied, counts reconciled, the visit logged). Used by jaring-sync and by
 * the kiosk's officer screen alike.
 */
#ifndef JARING_SYNC_H
#define JARING_SYNC_H

#include "jaring/bundle.h"
#include "jaring/centre.h"
#include "jaring/common.h"
#include "jaring/downstream.h"
#include "jaring/keys.h"
#include "jaring/net.h"
#include "jaring/registrar.h"
#include "jaring/shard.h"

#define JR_SYNC_BLOCKS_PER_BUNDLE 512
#define JR_SYNC_INDEX_DOMAIN "jaring/drive-index/v1"
#define JR_SYNC_INDEX_MAX (1u << 20)
#define JR_SYNC_HEIGHT_MAX UINT64_C(0xFFFFFFFF) /* 8 hex digits in a name */
#define JR_SYNC_NAME_MAX 12                      /* "HHHHHHHH.JRB" */
#define JR_SYNC_SEQ_MAX UINT64_C(0xFFFFFFFF)     /* downstream names, likewise */
#define JR_SYNC_VISIT_FILE "VISIT.JRV"   /* the latest visit entry, in the clear */
#define JR_SYNC_VISITS_BUNDLE "VISITS.JRB" /* the visit log, upstream */
#define JR_SYNC_VISITS_MAX 64            /* entries VISITS.JRB carries: the latest */

/* "KKKKKKKK" + NUL: a kiosk's folder name from its key id. */
JR_API void jr_sync_kiosk_dir(const uint8_t id[JR_ID_BYTES], char out[9]);

/* One .JRB file found under JARING/UP (or JARING/DOWN: jr_sync_down_list). */
struct jr_sync_entry {
	char kiosk_dir[9];
	char file[JR_SYNC_NAME_MAX + 1];
	int rc;                     /* JR_OK: accepted (docs/sync.md; an answer's sender is
	                             * the kiosk's to judge) */
	char why[JR_ERRMSG_MAX];    /* why not, if rc != JR_OK */
	struct jr_bundle_info info; /* valid if rc == JR_OK */
};

/* What the drive's JARING/UP (or DOWN) holds, sorted by kiosk folder then
 * first height (or sequence). tmp: *.TMP leftovers seen; other: files that
 * are none of ours. */
struct jr_sync_listing {
	struct jr_sync_entry *e;
	size_t n;
	size_t tmp, other;
};

/* Lists the .JRB files of JARING/UP/<kiosk> under `drive` (only the folder `only` if
 * not NULL) and checks each as docs/sync.md says. No JARING folder is an
 * empty listing. Fails only on I/O errors reading the folders. */
JR_API int jr_sync_list(const char *drive, const char *only,
	struct jr_sync_listing *out, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_sync_listing_free(struct jr_sync_listing *l);

/* State of a kiosk folder's INDEX.JRI against the accepted bundles. */
enum jr_sync_index_state {
	JR_SYNC_INDEX_NONE = 0, /* no index */
	JR_SYNC_INDEX_OK,       /* signed by the kiosk and names exactly them */
	JR_SYNC_INDEX_BEHIND,   /* valid, but names other bundles */
	JR_SYNC_INDEX_BAD       /* does not decode or verify */
};
JR_API enum jr_sync_index_state jr_sync_index_check(const char *drive,
	const struct jr_sync_listing *l, const char *kiosk_dir);

/* Reads one bundle whole with the recipient's key: every item a signed
 * block of the sender, heights first..last in order, every signature good,
 * and jr_bundle_reader_end. */
JR_API int jr_sync_verify_bundle(const char *drive, const struct jr_sync_entry *e,
	const struct jr_key *recipient, struct jr_errbuf *eb) JR_MUST_CHECK;

struct jr_sync_export {
	const char *drive;                /* the drive's mount point */
	struct jr_shard *shard;           /* read only */
	const struct jr_key *kiosk;       /* signs the bundles */
	const struct jr_pubkey *consortium; /* they are encrypted to */
	struct jr_registrar *registrar;   /* its epoch is closed; may be NULL */
	uint32_t blocks_per_bundle;       /* 0: JR_SYNC_BLOCKS_PER_BUNDLE */
	uint64_t time;                    /* Unix seconds for the headers */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};

struct jr_sync_counts {
	uint64_t height;    /* the kiosk's height */
	uint64_t acked;     /* the acknowledged height (0: none) */
	uint64_t on_drive;  /* blocks above acked this kiosk has on the drive */
	uint64_t written;   /* of which written by this export */
	uint64_t bundles;   /* bundles written by this export */
	uint64_t removed;   /* leftovers and bad bundles removed */
};

/* Exports as docs/sync.md "An export visit" says. On failure *c says what
 * was done before it (every bundle counted there is whole on the drive). */
JR_API int jr_sync_export_run(const struct jr_sync_export *x,
	struct jr_sync_counts *c, struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- the network link (docs/sync.md "Network link") ---- */

#define JR_SYNC_SPOOL_DIR "spool" /* beside the kiosk's key and shard */

/* push: export into the spool (the drive layout in a folder of the kiosk's
 * own, jr_sync_export_run, which removes what the centre acknowledged), then upload every bundle there
 * above the acknowledged height, in height order, through `net`. */
struct jr_sync_push {
	const char *spool;
	struct jr_shard *shard;             /* read only */
	const struct jr_key *kiosk;
	const struct jr_pubkey *consortium;
	struct jr_registrar *registrar;     /* its epoch is closed; may be NULL */
	uint32_t blocks_per_bundle;         /* 0: JR_SYNC_BLOCKS_PER_BUNDLE */
	uint64_t time;
	struct jr_net_client *net;          /* borrowed; its progress is replaced */
	void (*progress)(void *ctx, uint64_t done, uint64_t total); /* bytes */
	void *progress_ctx;
};

struct jr_sync_push_counts {
	struct jr_sync_counts exp;  /* the export into the spool */
	uint64_t bundles;           /* bundles to push (above the acknowledged height) */
	uint64_t pushed;            /* of which the node applied during this push */
	uint64_t before;            /* of which the node had applied before */
	uint64_t bytes;             /* their total size */
	uint64_t sent;              /* bundle bytes sent (a cut piece counts) */
	uint64_t blocks_applied, blocks_known, blocks_pending, blocks_refused;
	uint64_t acked_height;      /* the highest the node reported, 0 if none */
	uint64_t removed;           /* bundles the node refused (422), removed */
	bool complete;              /* every bundle applied, acked_height = height */
};

/* On failure *c says what was done before it; nothing done is undone (the
 * node keeps what it applied and the partial upload, the spool its files). */
JR_API int jr_sync_push_run(const struct jr_sync_push *p, struct jr_sync_push_counts *c,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* pull: fetch the kiosk's downstream bundle into
 * <spool>/JARING/DOWN/KKKKKKKK/HHHHHHHH.JRB (HHHHHHHH: its sequence number),
 * resumably through PULL.TMP there, and read it whole with the kiosk's key
 * before renaming it into place. Applying it is the kiosk's. */
struct jr_sync_pull {
	const char *spool;
	const struct jr_key *kiosk;
	const struct jr_pubkey *consortium;
	struct jr_net_client *net;
};

struct jr_sync_pull_counts {
	char file[JR_SYNC_NAME_MAX + 1];    /* its name in DOWN/KKKKKKKK */
	uint8_t id[JR_HASH_BYTES];
	uint64_t sequence, acked_height;    /* header first, last */
	uint64_t bytes, resumed_from;
	bool replaced;                      /* the node's bundle changed mid-way */
	uint64_t items, statuses, rosters, policies, checkpoints, acks;
};

JR_API int jr_sync_pull_run(const struct jr_sync_pull *p, struct jr_sync_pull_counts *c,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- downstream on the drive (down.c; docs/sync.md "Downstream") ---- */

/* Lists JARING/DOWN (only folder `only` if not NULL): each .JRB is accepted
 * if its name is SSSSSSSS.JRB with SSSSSSSS its sequence number, its header
 * verifies, it is downstream, its recipient is the kiosk of its folder and
 * its size is the header's. */
JR_API int jr_sync_down_list(const char *drive, const char *only,
	struct jr_sync_listing *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* The centre's side: writes the kiosk's downstream bundle (p) as
 * JARING/DOWN/<kiosk>/<sequence>.JRB atomically, then removes that folder's
 * older answers and leftovers (*removed counts them; may be NULL). A full or
 * read-only drive: a message saying so, nothing half-written kept. */
JR_API int jr_sync_down_write(const char *drive, const struct jr_downstream_params *p,
	struct jr_downstream_info *info, uint64_t *removed, struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- a kiosk's visit (visit.c; docs/sync.md "A kiosk visit") ---- */

struct jr_sync_visit {
	const char *drive;
	struct jr_shard *shard;              /* opened for appending */
	const struct jr_key *kiosk;
	const struct jr_pubkey *consortium;  /* the bundles are encrypted to it */
	struct jr_registrar *registrar;      /* its epoch is closed; may be NULL */
	uint8_t officer_id[JR_ID_BYTES];     /* who opened the visit (checked by the caller) */
	const struct jr_downstream_trust *trust;
	const struct jr_downstream_sink *sink; /* the kiosk's store */
	uint64_t applied_statuses;           /* statuses of the answer applied before */
	uint64_t time;                       /* the kiosk's clock */
	uint32_t blocks_per_bundle;          /* 0: JR_SYNC_BLOCKS_PER_BUNDLE */
	/* stage 1: blocks out (done, total), 2: statuses back (done, items) */
	void (*progress)(void *ctx, int stage, uint64_t done, uint64_t total);
	void *progress_ctx;
};

/* The counts both sides show after a visit (docs/sync.md "Counts that
 * reconcile"). */
struct jr_sync_visit_counts {
	struct jr_sync_counts up;  /* the export; up.acked is the ack before */
	bool down_found;           /* an answer for this kiosk was on the drive */
	bool down_applied;         /* ... and applied now */
	bool down_old;             /* the newest answer on the drive was applied before */
	bool stale;                /* the ack showed the shard behind: it refuses to sign */
	uint64_t down_seq;         /* the answer's sequence number (applied now or before) */
	uint64_t statuses;         /* statuses that answer carried */
	uint64_t acked;            /* the acknowledged height after the visit */
	uint64_t registrations;    /* registrations in blocks 1..acked */
	uint64_t missing_out;      /* unacknowledged blocks not on the drive */
	uint64_t missing_statuses; /* acknowledged registrations without a status */
	bool complete;             /* "Sync complete": everything above adds up */
	uint64_t visit_number;     /* the entry logged, 0 if none */
	char down_why[JR_ERRMSG_MAX]; /* why no answer was applied, "" if one was */
};

/* One visit, in this order: the export (jr_sync_export_run; it closes the
 * sealing epoch), the newest answer for this kiosk above trust->applied_seq
 * applied (jr_downstream_apply; an older or damaged one is passed over),
 * the counts reconciled, the visit logged (jr_shard_visit_put) and written
 * onto the drive (VISIT.JRV, VISITS.JRB). On failure *c says what was done
 * before it; the shard and the store are never left half-changed. */
JR_API int jr_sync_visit_run(const struct jr_sync_visit *v, struct jr_sync_visit_counts *c,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Records in the shard's blocks 1..height (the registrations an ack at
 * that height covers). */
JR_API int jr_sync_count_records(struct jr_shard *s, uint64_t height, uint64_t *n,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- a downstream store for kiosks without a screen (dstore.c) ---- */

/* A small SQLite file with what downstream bundles brought: the applied
 * sequence number, roster, policy, checkpoint and one status per
 * registration. jaring-sync visit and the tests use it; the touch kiosk
 * keeps the same things in its own store (kiosk/src/store.h). */
struct jr_sync_dstore;
JR_API int jr_sync_dstore_open(const char *path, struct jr_sync_dstore **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_sync_dstore_close(struct jr_sync_dstore *d);
/* Its sink for jr_downstream_apply (valid while d is open). */
JR_API void jr_sync_dstore_sink(struct jr_sync_dstore *d, struct jr_downstream_sink *out);
/* Trust from what it holds; t->roster points into d until the next apply. */
JR_API void jr_sync_dstore_trust(struct jr_sync_dstore *d,
	const uint8_t pinned_pk[JR_SIGN_PK_BYTES], struct jr_downstream_trust *t);
struct jr_sync_dstore_info {
	uint64_t seq, statuses, roster_serial;
	int64_t ack_time;
	uint64_t held;    /* status rows */
};
JR_API void jr_sync_dstore_info(struct jr_sync_dstore *d, struct jr_sync_dstore_info *out);
JR_API int jr_sync_dstore_status(struct jr_sync_dstore *d, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *out) JR_MUST_CHECK;

/* ---- the stand-in centre (import.c) ---- */

struct jr_sync_import {
	const char *drive;
	struct jr_centre *centre;
	const struct jr_key *consortium;
	const uint8_t *roster;      /* signed roster v2, by the consortium key */
	size_t roster_len;
	const uint8_t *checkpoint;  /* may be NULL */
	size_t checkpoint_len;
	int64_t time;               /* the checkpoint time of the answers */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
};
#define JR_SYNC_IMPORT_KIOSKS 128 /* kiosk folders one import takes */

/* One kiosk folder of the drive (UP, DOWN or both), as an import saw it. */
struct jr_sync_import_kiosk {
	char dir[9];
	bool has_id;                /* its whole key id, from a bundle header on the drive */
	uint8_t id[JR_ID_BYTES];
	uint64_t bundles;           /* accepted upstream bundles on the drive */
	uint64_t refused;           /* of its bundles, refused (the drive's checks or the centre's) */
	uint64_t top;               /* the highest height they hold, 0: none */
	bool answered;              /* an answer for it is now on the drive */
	uint64_t answer_seq;        /* that answer's sequence number */
	uint64_t acked;             /* and the height it acknowledges */
	uint64_t items;             /* its items (statuses, roster, policy, checkpoint, ack) */
	uint64_t statuses;          /* its statuses (the stand-in's; the node's are sealed) */
	bool complete;              /* answered, nothing refused, acked >= top */
	char why[200];              /* why not answered, "" if answered */
};

struct jr_sync_import_counts {
	uint64_t bundles, bundles_refused, blocks;
	uint64_t blocks_applied, blocks_known, blocks_pending, blocks_refused;
	uint64_t regs_accepted, regs_returned, regs_duplicate, regs_held, regs_unopenable;
	uint64_t visits;            /* visit log entries read */
	uint64_t answers;           /* downstream bundles written */
	uint64_t statuses;          /* statuses they carry */
	uint64_t before;            /* node: bundles the node had applied before (nothing sent) */
	uint64_t sent;              /* node: bundle bytes sent */
	uint64_t unanswered;        /* kiosk folders left without an answer */
	uint64_t incomplete;        /* kiosk folders whose counts do not add up */
	char refused[JR_ERRMSG_MAX];/* the first refusal, "" if none */
	size_t nk;
	struct jr_sync_import_kiosk k[JR_SYNC_IMPORT_KIOSKS]; /* by folder name */
};
/* Every upstream bundle on the drive, in folder and height order: its
 * sender checked against the roster (a kiosk with the upload permission,
 * not revoked at its first height), read whole with the consortium key,
 * and only then applied to the centre as one upstream entry; then each
 * kiosk with a folder on the drive gets its answer (jr_sync_down_write).
 * Refused bundles are counted and skipped (their message in c->refused);
 * an error return means the centre or the drive failed. */
JR_API int jr_sync_import_run(const struct jr_sync_import *x, struct jr_sync_import_counts *c,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- the drive at a real node (import.c, link.c) ---- */

/* The same drive carried to a jaring-node over HTTP (docs/sync.md "At the
 * centre"): every accepted upstream bundle on the drive is uploaded as push
 * uploads it (jr_net_push_bundle: resumable, idempotent by bundle id), and
 * every kiosk folder whose kiosk the drive names by its whole key id gets
 * the node's downstream bundle for it (GET, as pull fetches it: header
 * checked against consortium_sign_pk and the kiosk) written under
 * JARING/DOWN/<kiosk> atomically, older answers removed once it is whole.
 * A bundle the node refuses (4xx) is counted and named and the import goes
 * on; a node unreachable or a cancel stops it (jr_net_client_why says
 * which). Nothing is removed from UP: the kiosk's next export does that
 * once the answer's acknowledgement reaches it. */
struct jr_sync_import_node {
	const char *drive;
	const uint8_t *consortium_sign_pk; /* signs the answers */
	struct jr_net_client *net;         /* borrowed; its progress is replaced */
	/* stage 1: bundle bytes up (done, total), 2: answers fetched (done, kiosks) */
	void (*progress)(void *ctx, int stage, uint64_t done, uint64_t total);
	void *progress_ctx;
};
JR_API int jr_sync_import_node_run(const struct jr_sync_import_node *x,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
