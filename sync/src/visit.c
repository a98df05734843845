/*
 * A kiosk's visit (docs/sync.md "A kiosk visit"): the export, the centre's
 * newest answer applied, the counts reconciled, the visit logged in the
 * shard and on the drive. The kiosk's officer screen and `jaring-sync visit`
 * both run this.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaring/block.h"
#include "jaring/sync.h"
#include "jaring/visit.h"
#include "sync_int.h"

int jr_sync_count_records(struct jr_shard *s, uint64_t height, uint64_t *n,
	struct jr_errbuf *eb)
{
	uint64_t h;
	int rc = JR_OK;

	*n = 0;
	for (h = 1; h <= height && rc == JR_OK; h++) {
		struct jr_buf body = { NULL, 0 };
		uint8_t sig[JR_SIG_BYTES];
		struct jr_block b;

		if ((rc = jr_shard_get(s, h, &body, sig, eb)) != JR_OK)
			break;
		rc = jr_block_decode(body.base, body.len, &b, eb);
		if (rc == JR_OK)
			*n += b.n_records;
		jr_buf_free(&body);
	}
	return rc;
}

/* The caller's progress, told which stage it is in. */
struct vprog {
	void (*fn)(void *ctx, int stage, uint64_t done, uint64_t total);
	void *ctx;
};

static void out_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct vprog *p = ctx;

	p->fn(p->ctx, 1, done, total);
}

static void back_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct vprog *p = ctx;

	p->fn(p->ctx, 2, done, total);
}

/* Applies the newest answer for this kiosk above the applied sequence;
 * a damaged or foreign one is passed over for the next older one. */
static int apply_answer(const struct jr_sync_visit *v, const char *kdir, struct vprog *vp,
	struct jr_sync_visit_counts *c, struct jr_errbuf *eb)
{
	struct jr_sync_listing l;
	size_t i;
	int rc;

	if ((rc = jr_sync_down_list(v->drive, kdir, &l, eb)) != JR_OK)
		return rc;
	for (i = l.n; i-- > 0;) {
		const struct jr_sync_entry *e = &l.e[i];
		struct jr_downstream_result res;
		struct jr_errbuf ae = { 0 };
		char path[4096];
		int fd;

		if (e->rc != JR_OK ||
		    memcmp(e->info.recipient_id, jr_key_id(v->kiosk), JR_ID_BYTES) != 0) {
			if (c->down_why[0] == '\0')
				snprintf(c->down_why, sizeof c->down_why, "%s: %.400s", e->file,
					e->rc != JR_OK ? e->why : "for another kiosk");
			continue;
		}
		c->down_found = true;
		if (e->info.first <= v->trust->applied_seq) {
			c->down_old = !c->down_applied;
			break;
		}
		if (jr_sync_path(path, sizeof path, &ae, v->drive, "DOWN", kdir, e->file) != JR_OK ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
			snprintf(c->down_why, sizeof c->down_why, "%s: cannot open: %s", e->file,
				strerror(errno));
			continue;
		}
		rc = jr_downstream_apply_fd(fd, e->file, v->kiosk, v->trust, v->shard, v->sink,
			v->progress != NULL ? back_progress : NULL, vp, &res, &ae);
		close(fd);
		if (rc == JR_OK && res.applied) {
			c->down_applied = true;
			c->down_seq = res.seq;
			c->statuses = res.statuses;
			c->stale = res.stale;
			c->down_why[0] = '\0';
			jr_downstream_result_free(&res);
			break;
		}
		jr_downstream_result_free(&res);
		snprintf(c->down_why, sizeof c->down_why, "%s", ae.msg);
		if (rc == JR_EIO || rc == JR_ENOMEM) { /* the store, not the bundle */
			jr_sync_listing_free(&l);
			return jr_errf(eb, rc, "%s", ae.msg);
		}
	}
	if (c->down_old) {
		c->down_seq = v->trust->applied_seq;
		c->statuses = v->applied_statuses;
	}
	if (!c->down_found && c->down_why[0] == '\0')
		snprintf(c->down_why, sizeof c->down_why, "no answer from the centre on this "
			"drive yet: it comes back with the next visit after the drive was at the centre");
	jr_sync_listing_free(&l);
	return JR_OK;
}

static void reconcile(const struct jr_sync_visit *v, struct jr_sync_visit_counts *c)
{
	const struct jr_sync_counts *u = &c->up;
	uint64_t above = u->height > u->acked ? u->height - u->acked : 0;

	c->stale = c->stale || jr_shard_stale(v->shard);
	c->missing_out = above > u->on_drive ? above - u->on_drive : 0;
	c->missing_statuses = c->registrations > c->statuses ? c->registrations - c->statuses : 0;
	c->complete = c->missing_out == 0 && (c->down_applied || c->down_old) && !c->stale &&
		c->missing_statuses == 0;
}

/* The visit log on the drive: the new entry (number `last`) in the clear,
 * and the log (its latest JR_SYNC_VISITS_MAX entries, the new one last) as
 * an upstream bundle. */
static int write_visits(const struct jr_sync_visit *v, const char *kdir, uint64_t last,
	const struct jr_buf *entry, struct jr_errbuf *eb)
{
	struct jr_bundle_params bp = { JR_BUNDLE_UPSTREAM, v->time, 0, 0 };
	char kpath[4096], tpath[4096 + 16], fpath[4096 + 16];
	struct jr_sync_fsink s = { -1, "VISITS.TMP", 0 };
	struct jr_bundle_sink sink = { jr_sync_fs_append, jr_sync_fs_header, jr_sync_fs_sync, &s };
	struct jr_bundle_writer *w = NULL;
	uint64_t n, from = last > JR_SYNC_VISITS_MAX ? last - JR_SYNC_VISITS_MAX + 1 : 1;
	int rc;

	if ((rc = jr_sync_path(kpath, sizeof kpath, eb, v->drive, "UP", kdir, NULL)) != JR_OK ||
	    (rc = jr_sync_write_small(v->drive, kpath, "VISIT.TMP", JR_SYNC_VISIT_FILE, entry,
		eb)) != JR_OK)
		return rc;
	snprintf(tpath, sizeof tpath, "%s/VISITS.TMP", kpath);
	snprintf(fpath, sizeof fpath, "%s/%s", kpath, JR_SYNC_VISITS_BUNDLE);
	(void)unlink(tpath);
	if ((s.fd = open(tpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return jr_sync_drive_err(eb, errno, v->drive, tpath, "create");
	rc = jr_bundle_writer_open(&sink, v->kiosk, v->consortium, &bp, &w, eb);
	for (n = from; rc == JR_OK && n < last; n++) {
		struct jr_buf e = { NULL, 0 };
		if ((rc = jr_shard_visit_get(v->shard, n, &e)) != JR_OK) {
			rc = jr_errf(eb, rc, "cannot read visit %llu of the shard's log",
				(unsigned long long)n);
			break;
		}
		rc = jr_bundle_writer_add(w, JR_ITEM_VISIT, e.base, e.len, eb);
		jr_buf_free(&e);
	}
	if (rc == JR_OK)
		rc = jr_bundle_writer_add(w, JR_ITEM_VISIT, entry->base, entry->len, eb);
	if (rc == JR_OK) {
		rc = jr_bundle_writer_finish(w, NULL, eb);
		w = NULL;
	}
	jr_bundle_writer_abort(w);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = jr_sync_fs_fail(&s, "cannot close", eb);
	if (rc == JR_OK && rename(tpath, fpath) != 0)
		rc = jr_sync_fs_fail(&s, "cannot rename", eb);
	if (rc == JR_OK && jr_sync_fsync_dir(kpath) != 0)
		rc = jr_sync_fs_fail(&s, "cannot flush the folder of", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		return s.err != 0 ? jr_sync_drive_err(eb, s.err, v->drive, tpath, "write") : rc;
	}
	return JR_OK;
}

static int log_visit(const struct jr_sync_visit *v, const char *kdir,
	struct jr_sync_visit_counts *c, struct jr_errbuf *eb)
{
	struct jr_visit e;
	struct jr_buf b = { NULL, 0 };
	uint64_t last = 0;
	int rc = jr_shard_visit_last(v->shard, NULL, &last);

	if (rc != JR_OK && rc != JR_ENOTFOUND)
		return jr_errf(eb, rc, "cannot read the shard's visit log");
	memset(&e, 0, sizeof e);
	memcpy(e.kiosk_id, jr_key_id(v->kiosk), JR_ID_BYTES);
	memcpy(e.officer_id, v->officer_id, JR_ID_BYTES);
	e.number = last + 1;
	e.time = v->time;
	e.height = c->up.height;
	e.out = c->up.on_drive;
	e.written = c->up.written;
	e.acked = c->acked;
	e.down_seq = c->down_seq;
	e.statuses = c->statuses;
	e.complete = c->complete;
	if ((rc = jr_visit_sign(v->kiosk, &e, &b)) != JR_OK)
		return jr_errf(eb, rc, "cannot sign the visit log entry");
	/* The drive first: a drive that refuses leaves the shard's log as it
	 * was (the next visit takes the same number). */
	rc = write_visits(v, kdir, e.number, &b, eb);
	if (rc == JR_OK)
		rc = jr_sync_flush_drive(v->drive, eb);
	if (rc == JR_OK)
		rc = jr_shard_visit_put(v->shard, b.base, b.len, eb);
	if (rc == JR_OK)
		c->visit_number = e.number;
	jr_buf_free(&b);
	return rc;
}

int jr_sync_visit_run(const struct jr_sync_visit *v, struct jr_sync_visit_counts *c,
	struct jr_errbuf *eb)
{
	struct jr_sync_export x;
	struct vprog vp = { v != NULL ? v->progress : NULL, v != NULL ? v->progress_ctx : NULL };
	struct jr_ack ack;
	char kdir[9];
	int rc;

	memset(c, 0, sizeof *c);
	if (v == NULL || v->trust == NULL || v->sink == NULL || v->shard == NULL ||
	    v->kiosk == NULL)
		return jr_errf(eb, JR_EINVAL, "visit: a shard, the kiosk key, its trust and its "
			"store are needed");
	memset(&x, 0, sizeof x);
	x.drive = v->drive;
	x.shard = v->shard;
	x.kiosk = v->kiosk;
	x.consortium = v->consortium;
	x.registrar = v->registrar;
	x.blocks_per_bundle = v->blocks_per_bundle;
	x.time = v->time;
	x.progress = v->progress != NULL ? out_progress : NULL;
	x.progress_ctx = &vp;
	jr_sync_kiosk_dir(jr_key_id(v->kiosk), kdir);
	if ((rc = jr_sync_export_run(&x, &c->up, eb)) == JR_ESTALE) {
		/* The drive holds blocks this kiosk signed above its shard: it was
		 * restored from an old copy. The centre's answer still goes in (it
		 * needs no write), so its signed ack marks the shard stale and the
		 * refusal to sign outlives this drive; the visit then stops with the
		 * export's message. */
		struct jr_errbuf ae = { 0 };
		(void)apply_answer(v, kdir, &vp, c, &ae);
		c->stale = c->stale || jr_shard_stale(v->shard);
		return rc;
	}
	if (rc != JR_OK)
		return rc;
	if ((rc = apply_answer(v, kdir, &vp, c, eb)) != JR_OK)
		return rc;
	c->acked = jr_shard_last_ack(v->shard, &ack) == JR_OK ? ack.height : 0;
	if (c->acked > c->up.height)
		c->acked = c->up.height; /* a stale shard: count what it holds */
	if ((rc = jr_sync_count_records(v->shard, c->acked, &c->registrations, eb)) != JR_OK)
		return rc;
	reconcile(v, c);
	return log_visit(v, kdir, c, eb);
}
