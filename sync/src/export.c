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
	rc = jr_sync_write_small(x->drive, kpath, "INDEX.TMP", "INDEX.JRI", &buf, eb);
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
	/* No sync in the sink: the writer would flush the body and then the
	 * header; one flush of both before the rename gives the same (a .TMP
	 * is never read), at half the cost. */
	struct jr_bundle_sink sink = { jr_sync_fs_append, jr_sync_fs_header, NULL, NULL };
	struct jr_sync_fsink s = { -1, tname, 0 };
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
		return jr_sync_drive_err(eb, errno, x->drive, tpath, "create");
	sink.ctx = &s;
	rc = jr_bundle_writer_open(&sink, x->kiosk, x->consortium, &prm, &w, eb);
	if (rc == JR_OK)
		rc = add_blocks(x, w, first, last, done, total, eb);
	if (rc == JR_OK) {
		rc = jr_bundle_writer_finish(w, NULL, eb); /* frees w */
		w = NULL;
	}
	if (rc == JR_OK)
		rc = jr_sync_fs_sync(&s, eb);
	jr_bundle_writer_abort(w);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = jr_sync_fs_fail(&s, "cannot close", eb);
	/* The folder is flushed once, by the index written after the last
	 * bundle (jr_sync_write_small): until then a pulled drive may show a
	 * bundle renamed or still .TMP, each whole or removed, never half. */
	if (rc == JR_OK && rename(tpath, fpath) != 0)
		rc = jr_sync_fs_fail(&s, "cannot rename", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		(void)jr_sync_fsync_dir(kpath);
		if (s.err != 0)
			return jr_sync_drive_err(eb, s.err, x->drive, tpath, "write");
		return rc; /* the shard or the writer, not the drive: eb says */
	}
	return JR_OK;
}

/* Accepted bundles of this kiosk; removes its own bad ones and those the
 * centre acknowledged whole. Refuses a drive holding heights above the
 * shard. */
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
		if (e->rc == JR_OK && e->info.last > c->acked) {
			l->e[k++] = *e;
			continue;
		}
		/* damaged, or wholly acknowledged: the centre holds it */
		n = snprintf(path, sizeof path, "%s/%s", kpath, e->file);
		if (n > 0 && (size_t)n < sizeof path) {
			if (unlink(path) != 0)
				return jr_sync_drive_err(eb, errno, x->drive, path, "remove damaged bundle");
			c->removed++;
		}
	}
	l->n = k;
	return JR_OK;
}

static int export_missing(const struct jr_sync_export *x, const char *kpath,
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
	if ((rc = jr_sync_make_dirs(x->drive, "UP", kdir, kpath, sizeof kpath, eb)) != JR_OK ||
	    (rc = jr_sync_clean_tmp(x->drive, kpath, &c->removed, eb)) != JR_OK ||
	    (rc = scan_drive(x, kdir, kpath, &l, c, eb)) != JR_OK)
		goto out;
	/* The blocks are read in one read transaction: per-block reads
	 * otherwise take SQLite's locks once each (most of an export's CPU). */
	if ((rc = jr_shard_read_begin(x->shard, eb)) == JR_OK) {
		rc = export_missing(x, kpath, &l, c, eb);
		jr_shard_read_end(x->shard);
	}
	/* The index once, after the last bundle: it flushes the folder, so
	 * every rename before it is durable when the export says done. A
	 * failed export still indexes the bundles it completed. */
	if (c->bundles > 0 || (rc == JR_OK &&
	    jr_sync_index_check(x->drive, &l, kdir) != JR_SYNC_INDEX_OK)) {
		struct jr_errbuf ie = { 0 };
		int irc = write_index(x, kpath, kdir, rc == JR_OK ? eb : &ie);
		if (rc == JR_OK)
			rc = irc;
	}
	/* Then the whole drive: on vfat the renames are whole only now. */
	if (rc == JR_OK)
		rc = jr_sync_flush_drive(x->drive, eb);
	else if (c->bundles > 0) {
		struct jr_errbuf fe = { 0 };
		(void)jr_sync_flush_drive(x->drive, &fe); /* keep what was completed */
	}
out:
	/* Every visit closes the sealing epoch, also one that failed half way:
	 * what was registered before it must not stay openable on the kiosk. */
	if (x->registrar != NULL)
		jr_registrar_close_epoch(x->registrar);
	jr_sync_listing_free(&l);
	return rc;
}
