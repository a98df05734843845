/*
 * jaring/sync.h — the kiosk's side of a USB drive: the layout of
 * docs/sync.md (JARING/UP/<kiosk>/<first height>.JRB, a signed INDEX.JRI,
 * *.TMP for files being written) and the export of the unacknowledged
 * blocks into upstream bundles, atomically, resumable after a pulled drive.
 * Used by jaring-sync and by the kiosk's officer screen alike.
 */
#ifndef JARING_SYNC_H
#define JARING_SYNC_H

#include "jaring/bundle.h"
#include "jaring/common.h"
#include "jaring/keys.h"
#include "jaring/net.h"
#include "jaring/registrar.h"
#include "jaring/shard.h"

#define JR_SYNC_BLOCKS_PER_BUNDLE 512
#define JR_SYNC_INDEX_DOMAIN "jaring/drive-index/v1"
#define JR_SYNC_INDEX_MAX (1u << 20)
#define JR_SYNC_HEIGHT_MAX UINT64_C(0xFFFFFFFF) /* 8 hex digits in a name */
#define JR_SYNC_NAME_MAX 12                      /* "HHHHHHHH.JRB" */

/* "KKKKKKKK" + NUL: a kiosk's folder name from its key id. */
JR_API void jr_sync_kiosk_dir(const uint8_t id[JR_ID_BYTES], char out[9]);

/* One .JRB file found under JARING/UP. */
struct jr_sync_entry {
	char kiosk_dir[9];
	char file[JR_SYNC_NAME_MAX + 1];
	int rc;                     /* JR_OK: accepted (docs/sync.md) */
	char why[JR_ERRMSG_MAX];    /* why not, if rc != JR_OK */
	struct jr_bundle_info info; /* valid if rc == JR_OK */
};

/* What the drive's JARING/UP holds, sorted by kiosk folder then first
 * height. tmp: *.TMP leftovers seen; other: files that are none of ours. */
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
	bool prune_acked;                 /* remove bundles wholly at or below the
	                                   * acknowledged height (a spool; push) */
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
 * own, jr_sync_export_run with prune_acked), then upload every bundle there
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

#endif
