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

#endif
