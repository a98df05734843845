/*
 * Export (kiosk -> drive), docs/sync.md "An export visit": rebuilds what the
 * drive holds from its verified files, writes only the missing heights, each
 * bundle atomically (NAME.TMP, fsync, rename, fsync of the folder).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaring/sync.h"
#include "sync_int.h"

/* A file sink that remembers the errno of its first failure, so the export
 * can tell a full or read-only drive from other I/O errors. */
struct fsink {
	int fd;
	const char *name;
	int err;
};

static int fs_fail(struct fsink *s, const char *what, struct jr_errbuf *eb)
{
	if (s->err == 0)
		s->err = errno;
	return jr_errf(eb, JR_EIO, "%s %s: %s", what, s->name, strerror(s->err));
}

static int fs_append(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct fsink *s = ctx;

	while (n > 0) {
		ssize_t k = write(s->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return fs_fail(s, "cannot write", eb);
		}
		p += k;
		n -= (size_t)k;
	}
	return JR_OK;
}

static int fs_header(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct fsink *s = ctx;
	ssize_t k = pwrite(s->fd, p, n, 0);

	if (k != (ssize_t)n) {
		if (k >= 0)
			errno = ENOSPC;
		return fs_fail(s, "cannot write the header of", eb);
	}
	if (lseek(s->fd, 0, SEEK_END) < 0)
		return fs_fail(s, "cannot seek in", eb);
	return JR_OK;
}

static int fs_sync(void *ctx, struct jr_errbuf *eb)
{
	struct fsink *s = ctx;

	return fsync(s->fd) == 0 ? JR_OK : fs_fail(s, "cannot flush", eb);
}

/* What a person reads when the drive refuses a write. */
static int drive_err(struct jr_errbuf *eb, int err, const char *drive, const char *file,
	const char *what)
{
	jr_errclear(eb);
	if (err == ENOSPC || err == EDQUOT)
		return jr_errf(eb, JR_EIO, "drive %s is full (writing %s): the bundle was "
			"not kept and the kiosk's records are untouched; free space on the drive "
			"or use another one, then export again", drive, file);
	if (err == EROFS || err == EACCES || err == EPERM)
		return jr_errf(eb, JR_EIO, "drive %s is read-only (writing %s): nothing was "
			"written and the kiosk's records are untouched; unlock the drive (its "
			"write-protect switch) or use another one, then export again", drive, file);
	return jr_errf(eb, JR_EIO, "drive %s: cannot %s %s: %s; nothing of it was kept "
		"and the kiosk's records are untouched; check the drive and export again",
		drive, what, file, strerror(err));
}

static int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	/* vfat and some USB bridges refuse fsync on a folder (EINVAL): the
	 * rename is then as durable as the driver makes it. */
	if (rc != 0 && errno == EINVAL)
		rc = 0;
	close(fd);
	return rc;
}

static int mkdir_synced(const char *path, const char *parent, const char *drive,
	struct jr_errbuf *eb)
{
	if (mkdir(path, 0755) == 0) {
		if (fsync_dir(parent) != 0)
			return drive_err(eb, errno, drive, path, "create folder");
		return JR_OK;
	}
	if (errno == EEXIST)
		return JR_OK;
	return drive_err(eb, errno, drive, path, "create folder");
}

static int make_dirs(const char *drive, const char *kdir, char *kpath, size_t kpath_len,
	struct jr_errbuf *eb)
{
	char top[4096], up[4096];
	struct stat st;
	int rc;

	if (stat(drive, &st) != 0 || !S_ISDIR(st.st_mode))
		return jr_errf(eb, JR_ENOTFOUND, "drive %s: no such folder: is the drive "
			"inserted and mounted there?", drive);
	if ((rc = jr_sync_path(top, sizeof top, eb, drive, NULL, NULL, NULL)) != JR_OK ||
	    (rc = jr_sync_path(up, sizeof up, eb, drive, "UP", NULL, NULL)) != JR_OK ||
	    (rc = jr_sync_path(kpath, kpath_len, eb, drive, "UP", kdir, NULL)) != JR_OK)
		return rc;
	if ((rc = mkdir_synced(top, drive, drive, eb)) != JR_OK ||
	    (rc = mkdir_synced(up, top, drive, eb)) != JR_OK ||
	    (rc = mkdir_synced(kpath, up, drive, eb)) != JR_OK)
		return rc;
	return JR_OK;
}

/* Removes *.TMP leftovers in the kiosk folder. */
static int clean_tmp(const char *drive, const char *kpath, uint64_t *removed,
	struct jr_errbuf *eb)
{
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(kpath);
	int n;

	if (d == NULL)
		return drive_err(eb, errno, drive, kpath, "read folder");
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".TMP") != 0)
			continue;
		n = snprintf(path, sizeof path, "%s/%s", kpath, de->d_name);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		if (unlink(path) != 0) {
			int e = errno;
			closedir(d);
			return drive_err(eb, e, drive, path, "remove leftover");
		}
		(*removed)++;
	}
	closedir(d);
	return fsync_dir(kpath) == 0 ? JR_OK : drive_err(eb, errno, drive, kpath, "flush folder");
}

/* Writes `bytes` as kpath/final through kpath/tmp. */
static int write_small(const char *drive, const char *kpath, const char *tmp,
	const char *final, const struct jr_buf *bytes, struct jr_errbuf *eb)
{
	char tpath[4096], fpath[4096];
	struct fsink s = { -1, tmp, 0 };
	int n1 = snprintf(tpath, sizeof tpath, "%s/%s", kpath, tmp);
	int n2 = snprintf(fpath, sizeof fpath, "%s/%s", kpath, final);
	int rc;

	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tpath || (size_t)n2 >= sizeof fpath)
		return jr_errf(eb, JR_EINVAL, "drive path %s is too long", drive);
	(void)unlink(tpath);
	if ((s.fd = open(tpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return drive_err(eb, errno, drive, tpath, "create");
	rc = fs_append(&s, bytes->base, bytes->len, eb);
	if (rc == JR_OK)
		rc = fs_sync(&s, eb);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = fs_fail(&s, "cannot close", eb);
	if (rc == JR_OK && rename(tpath, fpath) != 0)
		rc = fs_fail(&s, "cannot rename", eb);
	if (rc == JR_OK && fsync_dir(kpath) != 0)
		rc = fs_fail(&s, "cannot flush the folder of", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		return drive_err(eb, s.err, drive, tpath, "write");
	}
	return JR_OK;
}

static int write_index(const struct jr_sync_export *x, const char *kpath, const char *kdir,
	struct jr_errbuf *eb)
{
	struct jr_sync_listing l;
	struct jr_buf buf = { 0 };
	int rc;

	if ((rc = jr_sync_list(x->drive, kdir, &l, eb)) != JR_OK)
		return rc;
	rc = jr_sync_index_encode(x->kiosk, x->time, &l, kdir, &buf);
	jr_sync_listing_free(&l);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "cannot encode the drive's index");
	rc = write_small(x->drive, kpath, "INDEX.TMP", "INDEX.JRI", &buf, eb);
	jr_buf_free(&buf);
	return rc;
}

/* Adds blocks first..last to an open writer. */
static int add_blocks(const struct jr_sync_export *x, struct jr_bundle_writer *w,
	uint64_t first, uint64_t last, uint64_t *done, uint64_t total, struct jr_errbuf *eb)
{
	uint64_t h;
	int rc = JR_OK;

	for (h = first; h <= last && rc == JR_OK; h++) {
		struct jr_buf body = { 0 }, sb = { 0 };
		uint8_t sig[JR_SIG_BYTES];

		if ((rc = jr_shard_get(x->shard, h, &body, sig, eb)) != JR_OK)
			break;
		rc = jr_signed_block_encode(body.base, body.len, sig, &sb);
		jr_buf_free(&body);
		if (rc != JR_OK) {
			rc = jr_errf(eb, rc, "cannot encode block %llu", (unsigned long long)h);
			break;
		}
		rc = jr_bundle_writer_add(w, JR_ITEM_BLOCK, sb.base, sb.len, eb);
		jr_buf_free(&sb);
		if (rc == JR_OK && x->progress != NULL)
			x->progress(x->progress_ctx, ++*done, total);
	}
	return rc;
}

/* One bundle of blocks first..last, atomically. */
static int write_bundle(const struct jr_sync_export *x, const char *kpath, uint64_t first,
	uint64_t last, uint64_t *done, uint64_t total, struct jr_errbuf *eb)
{
	char hex[9], tname[JR_SYNC_NAME_MAX + 1], fname[JR_SYNC_NAME_MAX + 1];
	char tpath[4096], fpath[4096];
	struct jr_bundle_params prm = { JR_BUNDLE_UPSTREAM, x->time, first, last };
	struct jr_bundle_writer *w = NULL;
	struct jr_bundle_sink sink = { fs_append, fs_header, fs_sync, NULL };
	struct fsink s = { -1, tname, 0 };
	int n1, n2, rc;

	jr_sync_hex8((uint32_t)first, hex);
	snprintf(tname, sizeof tname, "%s.TMP", hex);
	snprintf(fname, sizeof fname, "%s.JRB", hex);
	n1 = snprintf(tpath, sizeof tpath, "%s/%s", kpath, tname);
	n2 = snprintf(fpath, sizeof fpath, "%s/%s", kpath, fname);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tpath || (size_t)n2 >= sizeof fpath)
		return jr_errf(eb, JR_EINVAL, "drive path %s is too long", x->drive);
	(void)unlink(tpath);
	if ((s.fd = open(tpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return drive_err(eb, errno, x->drive, tpath, "create");
	sink.ctx = &s;
	rc = jr_bundle_writer_open(&sink, x->kiosk, x->consortium, &prm, &w, eb);
	if (rc == JR_OK)
		rc = add_blocks(x, w, first, last, done, total, eb);
	if (rc == JR_OK) {
		rc = jr_bundle_writer_finish(w, NULL, eb); /* frees w */
		w = NULL;
	}
	jr_bundle_writer_abort(w);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = fs_fail(&s, "cannot close", eb);
	if (rc == JR_OK && rename(tpath, fpath) != 0)
		rc = fs_fail(&s, "cannot rename", eb);
	if (rc == JR_OK && fsync_dir(kpath) != 0)
		rc = fs_fail(&s, "cannot flush the folder of", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		(void)fsync_dir(kpath);
		if (s.err != 0)
			return drive_err(eb, s.err, x->drive, tpath, "write");
		return rc; /* the shard or the writer, not the drive: eb says */
	}
	return JR_OK;
}

/* Accepted bundles of this kiosk; removes its own bad ones (and, with
 * prune_acked, those the centre has acknowledged). Refuses a drive holding
 * heights above the shard. */
static int scan_drive(const struct jr_sync_export *x, const char *kdir, const char *kpath,
	struct jr_sync_listing *l, struct jr_sync_counts *c, struct jr_errbuf *eb)
{
	struct jr_pubkey pub;
	size_t i, k = 0;
	int rc;

	jr_key_public(x->kiosk, &pub);
	if ((rc = jr_sync_list(x->drive, kdir, l, eb)) != JR_OK)
		return rc;
	for (i = 0; i < l->n; i++) {
		struct jr_sync_entry *e = &l->e[i];
		char path[4096];
		int n;

		if (e->rc == JR_OK && memcmp(e->info.sender_pk, pub.sign_pk, JR_SIGN_PK_BYTES) != 0)
			return jr_errf(eb, JR_EEXIST, "drive %s: folder JARING/UP/%s belongs to "
				"another kiosk whose key id starts the same; use another drive and "
				"report this to the centre", x->drive, kdir);
		if (e->rc == JR_OK && e->info.last > c->height)
			return jr_errf(eb, JR_ESTALE, "drive %s holds block %llu signed by this "
				"kiosk, but its shard is only at height %llu: the shard was restored "
				"from an old copy; do not register, follow the recovery procedure "
				"(docs/operations.md)", x->drive, (unsigned long long)e->info.last,
				(unsigned long long)c->height);
		if (e->rc == JR_OK && !(x->prune_acked && e->info.last <= c->acked)) {
			l->e[k++] = *e;
			continue;
		}
		/* Damaged, or (in a spool) wholly acknowledged by the centre. */
		n = snprintf(path, sizeof path, "%s/%s", kpath, e->file);
		if (n > 0 && (size_t)n < sizeof path) {
			if (unlink(path) != 0)
				return drive_err(eb, errno, x->drive, path, "remove damaged bundle");
			c->removed++;
		}
	}
	l->n = k;
	return JR_OK;
}

static int export_missing(const struct jr_sync_export *x, const char *kpath, const char *kdir,
	const struct jr_sync_listing *l, struct jr_sync_counts *c, struct jr_errbuf *eb)
{
	uint64_t n = x->blocks_per_bundle ? x->blocks_per_bundle : JR_SYNC_BLOCKS_PER_BUNDLE;
	uint64_t h, total = 0, done = 0;
	size_t i;
	int pass, rc;

	/* Pass 0 counts what is missing (for the progress bar), pass 1 writes. */
	for (pass = 0; pass < 2; pass++) {
		for (h = c->acked + 1, i = 0; h <= c->height;) {
			uint64_t end = c->height;

			while (i < l->n && l->e[i].info.last < h)
				i++;
			if (i < l->n && l->e[i].info.first <= h) {
				if (pass == 0)
					c->on_drive += l->e[i].info.last - h + 1;
				h = l->e[i].info.last + 1;
				continue;
			}
			if (i < l->n && l->e[i].info.first - 1 < end)
				end = l->e[i].info.first - 1;
			if (end - h >= n)
				end = h + n - 1;
			if (pass == 0) {
				total += end - h + 1;
			} else {
				if ((rc = write_bundle(x, kpath, h, end, &done, total, eb)) != JR_OK)
					return rc;
				c->written += end - h + 1;
				c->on_drive += end - h + 1;
				c->bundles++;
				if ((rc = write_index(x, kpath, kdir, eb)) != JR_OK)
					return rc;
			}
			h = end + 1;
		}
	}
	return JR_OK;
}

int jr_sync_export_run(const struct jr_sync_export *x, struct jr_sync_counts *c,
	struct jr_errbuf *eb)
{
	struct jr_sync_listing l = { 0 };
	struct jr_ack ack;
	char kdir[9], kpath[4096];
	int rc;

	memset(c, 0, sizeof *c);
	if (x == NULL || x->drive == NULL || x->shard == NULL || x->kiosk == NULL ||
	    x->consortium == NULL || jr_key_role(x->kiosk) != JR_ROLE_KIOSK)
		return jr_errf(eb, JR_EINVAL, "export: a drive, a shard, the kiosk key and "
			"the consortium's public key are needed");
	if (memcmp(jr_key_id(x->kiosk), jr_shard_kiosk_id(x->shard), JR_ID_BYTES) != 0)
		return jr_errf(eb, JR_EKEY, "export: the key is not this shard's kiosk key");
	c->height = jr_shard_height(x->shard);
	rc = jr_shard_last_ack(x->shard, &ack);
	if (rc == JR_OK)
		c->acked = ack.height;
	else if (rc != JR_ENOTFOUND)
		return jr_errf(eb, rc, "export: cannot read the acknowledged height");
	if (c->height > JR_SYNC_HEIGHT_MAX)
		return jr_errf(eb, JR_ETOOBIG, "export: height %llu does not fit the drive's "
			"8-digit names", (unsigned long long)c->height);
	jr_sync_kiosk_dir(jr_key_id(x->kiosk), kdir);
	if ((rc = make_dirs(x->drive, kdir, kpath, sizeof kpath, eb)) != JR_OK ||
	    (rc = clean_tmp(x->drive, kpath, &c->removed, eb)) != JR_OK ||
	    (rc = scan_drive(x, kdir, kpath, &l, c, eb)) != JR_OK)
		goto out;
	rc = export_missing(x, kpath, kdir, &l, c, eb);
	if (rc == JR_OK && c->bundles == 0 &&
	    jr_sync_index_check(x->drive, &l, kdir) != JR_SYNC_INDEX_OK)
		rc = write_index(x, kpath, kdir, eb);
out:
	/* Every visit closes the sealing epoch, also one that failed half way:
	 * what was registered before it must not stay openable on the kiosk. */
	if (x->registrar != NULL)
		jr_registrar_close_epoch(x->registrar);
	jr_sync_listing_free(&l);
	return rc;
}
