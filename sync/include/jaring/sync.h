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

#endif
