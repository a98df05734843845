/* Internal helpers shared by the sync library's files. */
#ifndef JR_SYNC_INT_H
#define JR_SYNC_INT_H

#include "jaring/sync.h"

void jr_sync_hex8(uint32_t v, char out[9]);
bool jr_sync_parse_hex8(const char *s, uint32_t *v);
bool jr_sync_name_is(const char *name, const char *ext, uint32_t *v);
/* "<drive>/JARING[/a[/b[/c]]]" into out, JR_EINVAL if too long. */
int jr_sync_path(char *out, size_t outlen, struct jr_errbuf *eb, const char *drive,
	const char *a, const char *b, const char *c);
int jr_sync_index_encode(const struct jr_key *kiosk, uint64_t time,
	const struct jr_sync_listing *l, const char *kdir, struct jr_buf *out);
/* Strict decode and signature check of INDEX.JRI bytes (docs/sync.md): true
 * if it names exactly the accepted bundles of kdir in l; *valid is false when
 * the bytes are not a well-formed index signed by the kiosk of kdir. */
bool jr_sync_index_match(const uint8_t *p, size_t len, const struct jr_sync_listing *l,
	const char *kdir, bool *valid);

/* One walk of JARING/<side>: every kiosk folder (8 upper-case hex digits;
 * only `only` if not NULL), in each every HHHHHHHH.JRB an entry checked by
 * check (which fills e->rc, e->why, e->info; v is the name's number), *.TMP
 * counted as leftovers, the names of skip (NULL-terminated, may be NULL)
 * passed over, anything else counted as other. Sorted by folder, then name. */
struct jr_sync_walk {
	const char *side;
	const char *const *skip;
	void (*check)(const char *drive, struct jr_sync_entry *e, uint32_t v);
};
int jr_sync_walk(const char *drive, const char *only, const struct jr_sync_walk *w,
	struct jr_sync_listing *out, struct jr_errbuf *eb);

/* The signed 512-byte header of the bundle file at path, decoded and its
 * signature checked; *size is the file's size. short_msg: the message when
 * the file is shorter than a header. */
int jr_sync_read_header(const char *path, const char *name, const char *short_msg,
	struct jr_bundle_header *h, uint64_t *size, struct jr_errbuf *eb);
/* The header of JARING/UP/<kdir>/VISITS.JRB, signed by a kiosk of that
 * folder: JR_OK, else JR_ENOTFOUND or JR_EKEY. */
int jr_sync_visits_header(const char *drive, const char *kdir, struct jr_bundle_header *h);

/* ---- the drive's file system (drivefs.c) ---- */

/* A bundle sink on a file that remembers the errno of its first failure,
 * so a full or read-only drive is told from other I/O errors. */
struct jr_sync_fsink {
	int fd;
	const char *name;
	int err;
};
int jr_sync_fs_fail(struct jr_sync_fsink *s, const char *what, struct jr_errbuf *eb);
int jr_sync_fs_append(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb);
int jr_sync_fs_header(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb);
int jr_sync_fs_sync(void *ctx, struct jr_errbuf *eb);
/* The message for errno err writing file on drive (full, read-only, ...). */
int jr_sync_drive_err(struct jr_errbuf *eb, int err, const char *drive, const char *file,
	const char *what);
int jr_sync_fsync_dir(const char *path);
/* Every file written, renamed and removed before it is on the drive:
 * syncfs, which vfat needs, skipped where a rename is whole without it
 * (drivefs.c). */
int jr_sync_flush_drive(const char *drive, struct jr_errbuf *eb);
int jr_sync_mkdir_synced(const char *path, const char *parent, const char *drive,
	struct jr_errbuf *eb);
/* JARING/<side>/<kdir> made (with its parents, each synced) into kpath. */
int jr_sync_make_dirs(const char *drive, const char *side, const char *kdir, char *kpath,
	size_t kpath_len, struct jr_errbuf *eb);
int jr_sync_clean_tmp(const char *drive, const char *kpath, uint64_t *removed,
	struct jr_errbuf *eb);
/* bytes as kpath/final through kpath/tmp, atomically. */
int jr_sync_write_small(const char *drive, const char *kpath, const char *tmp,
	const char *final, const struct jr_buf *bytes, struct jr_errbuf *eb);

/* ---- uploads to a node (link.c): push, and import --node ---- */

/* Called after each bundle's upload with jr_net_push_bundle's rc and
 * answer; returns JR_OK to go on with the next bundle, else the rc that
 * stops the upload (with its message in eb). */
typedef int (*jr_sync_uploaded_fn)(void *ctx, const struct jr_sync_entry *e,
	const char *path, int rc, const struct jr_net_applied *a, struct jr_errbuf *eb);
struct jr_sync_upload {
	const char *drive;          /* the drive or spool the listing is of */
	struct jr_net_client *net;
	uint64_t above;             /* only bundles whose last height is above it */
	void (*progress)(void *ctx, uint64_t done, uint64_t total); /* bytes; may be NULL */
	void *progress_ctx;
	jr_sync_uploaded_fn done;
	void *ctx;
};
/* Uploads the listing's accepted bundles above u->above in its order;
 * *bundles and *bytes say how many there were to upload. */
int jr_sync_upload_listed(const struct jr_sync_upload *u, const struct jr_sync_listing *l,
	uint64_t *bundles, uint64_t *bytes, struct jr_errbuf *eb);

/* ---- downstream answers on the drive (down.c) ---- */

/* tpath (whole, fsynced, closed) renamed to kpath/fname, the folder
 * fsynced, then the folder's answers of sequence at or below seq other
 * than fname removed (*removed counts them; may be NULL). */
int jr_sync_down_publish(const char *drive, const char *kpath, const char *tpath,
	const char *fname, uint32_t seq, uint64_t *removed, struct jr_errbuf *eb);

/* ---- the centre's import, shared by the stand-in and --node (import.c) ---- */

/* A refused bundle: counted (in all and for its kiosk), the first named. */
void jr_sync_import_refuse(struct jr_sync_import_counts *c, const char *kdir,
	const char *file, const char *why);
/* The kiosk folder's entry of c (made if new; NULL when the table is full). */
struct jr_sync_import_kiosk *jr_sync_import_kiosk_of(struct jr_sync_import_counts *c,
	const char *kdir);
/* Every kiosk folder under JARING/UP and JARING/DOWN into c->k, with its
 * accepted bundles and top height from l, its whole key id where a signed
 * header on the drive gives it (a bundle of l, VISITS.JRB, an answer), and
 * the drive's refusals of l counted. */
int jr_sync_import_scan(const char *drive, const struct jr_sync_listing *l,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb);
/* Each kiosk's completeness, c->unanswered and c->incomplete. */
void jr_sync_import_settle(struct jr_sync_import_counts *c);

#endif
