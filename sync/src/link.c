/*
 * The network link of docs/sync.md: push (the export's own code writes the
 * bundles into a spool folder in the drive layout, then each is uploaded)
 * and pull (the downstream bundle fetched into the same layout).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "jaring/sync.h"
#include "sync_int.h"

/* ---- uploading a listing (push, and import --node) ---- */

struct up_prog {
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
	uint64_t base, total;
};

static void up_progress(void *ctx, uint64_t done, uint64_t total)
{
	struct up_prog *pp = ctx;

	(void)total;
	pp->progress(pp->ctx, pp->base + done, pp->total);
}

int jr_sync_upload_listed(const struct jr_sync_upload *u, const struct jr_sync_listing *l,
	uint64_t *bundles, uint64_t *bytes, struct jr_errbuf *eb)
{
	struct up_prog pp = { u->progress, u->progress_ctx, 0, 0 };
	size_t i;
	int rc = JR_OK;

	*bundles = *bytes = 0;
	for (i = 0; i < l->n; i++)
		if (l->e[i].rc == JR_OK && l->e[i].info.last > u->above) {
			(*bundles)++;
			*bytes += JR_BUNDLE_HEADER_BYTES + l->e[i].info.body_len;
		}
	pp.total = *bytes;
	if (u->progress != NULL)
		jr_net_client_set_progress(u->net, up_progress, &pp);
	for (i = 0; i < l->n && rc == JR_OK; i++) {
		const struct jr_sync_entry *e = &l->e[i];
		struct jr_net_applied a;
		char path[4096];

		if (e->rc != JR_OK || e->info.last <= u->above)
			continue;
		if ((rc = jr_sync_path(path, sizeof path, eb, u->drive, "UP", e->kiosk_dir,
			     e->file)) != JR_OK)
			break;
		memset(&a, 0, sizeof a);
		rc = jr_net_push_bundle(u->net, path, &a, eb);
		pp.base += JR_BUNDLE_HEADER_BYTES + e->info.body_len;
		rc = u->done(u->ctx, e, path, rc, &a, eb);
	}
	if (u->progress != NULL)
		jr_net_client_set_progress(u->net, NULL, NULL);
	return rc;
}

/* ---- push ---- */

static void add_applied(struct jr_sync_push_counts *c, const struct jr_net_applied *a)
{
	if (a->acked_height > c->acked_height)
		c->acked_height = a->acked_height;
	c->sent += a->sent;
	if (a->before) { /* its blocks were counted by the push that sent it */
		c->before++;
		return;
	}
	c->pushed++;
	c->blocks_applied += a->blocks_applied;
	c->blocks_known += a->blocks_known;
	c->blocks_pending += a->blocks_pending;
	c->blocks_refused += a->blocks_refused;
}

struct push_ctx {
	const struct jr_sync_push *p;
	struct jr_sync_push_counts *c;
};

/* One bundle's upload: counted; a refusal stops the push. */
static int push_done(void *ctx, const struct jr_sync_entry *e, const char *path, int rc,
	const struct jr_net_applied *a, struct jr_errbuf *eb)
{
	struct push_ctx *pc = ctx;

	if (rc == JR_OK) {
		add_applied(pc->c, a);
		return JR_OK;
	}
	pc->c->sent += a->sent;
	if (jr_net_client_why(pc->p->net) == JR_NET_REFUSED &&
	    jr_net_client_status(pc->p->net) == 422 && unlink(path) == 0) {
		/* The node read it and will not take it (a body damaged in the
		 * spool, say): the next push writes these heights afresh. */
		pc->c->removed++;
		return jr_errf(eb, rc, "bundle %s (heights %llu..%llu) was refused and "
			"removed from the spool; the next push writes it again",
			e->file, (unsigned long long)e->info.first,
			(unsigned long long)e->info.last);
	}
	return jr_errf(eb, rc, "bundle %s (heights %llu..%llu) of %s", e->file,
		(unsigned long long)e->info.first, (unsigned long long)e->info.last, path);
}

int jr_sync_push_run(const struct jr_sync_push *p, struct jr_sync_push_counts *c,
	struct jr_errbuf *eb)
{
	struct jr_sync_export x = { 0 };
	struct jr_sync_listing l;
	char kdir[9];
	int rc;

	memset(c, 0, sizeof *c);
	if (p == NULL || p->spool == NULL || p->net == NULL || p->kiosk == NULL)
		return jr_errf(eb, JR_EINVAL, "push: a spool folder, the kiosk key and a "
			"network client are needed");
	if (mkdir(p->spool, 0755) != 0 && errno != EEXIST)
		return jr_errf(eb, JR_EIO, "cannot create the spool folder %s: %s", p->spool,
			strerror(errno));
	x.drive = p->spool;
	x.shard = p->shard;
	x.kiosk = p->kiosk;
	x.consortium = p->consortium;
	x.registrar = p->registrar;
	x.blocks_per_bundle = p->blocks_per_bundle;
	x.time = p->time;
	if ((rc = jr_sync_export_run(&x, &c->exp, eb)) != JR_OK)
		return jr_errf(eb, rc, "push: writing the bundles to the spool %s", p->spool);
	/* What the kiosk already holds acknowledged (signed by the centre) counts:
	 * a push with nothing left to send is complete when that covers it. */
	if (c->acked_height < c->exp.acked)
		c->acked_height = c->exp.acked;
	jr_sync_kiosk_dir(jr_key_id(p->kiosk), kdir);
	if ((rc = jr_sync_list(p->spool, kdir, &l, eb)) != JR_OK)
		return rc;
	{
		struct push_ctx pc = { p, c };
		struct jr_sync_upload u = { p->spool, p->net, c->exp.acked, p->progress,
			p->progress_ctx, push_done, &pc };
		rc = jr_sync_upload_listed(&u, &l, &c->bundles, &c->bytes, eb);
	}
	jr_sync_listing_free(&l);
	c->complete = rc == JR_OK && c->pushed + c->before == c->bundles &&
		c->acked_height >= c->exp.height;
	return rc;
}

/* ---- pull ---- */

static int mkdir_p(const char *spool, const char *kdir, char *dir, size_t n,
	struct jr_errbuf *eb)
{
	const char *parts[3] = { NULL, "DOWN", kdir };
	int rc, i;

	if (mkdir(spool, 0755) != 0 && errno != EEXIST)
		return jr_errf(eb, JR_EIO, "cannot create folder %s: %s", spool, strerror(errno));
	for (i = 0; i < 3; i++) {
		rc = jr_sync_path(dir, n, eb, spool, i >= 1 ? parts[1] : NULL,
			i >= 2 ? parts[2] : NULL, NULL);
		if (rc != JR_OK)
			return rc;
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return jr_errf(eb, JR_EIO, "cannot create folder %s: %s", dir,
				strerror(errno));
	}
	return JR_OK;
}

/* Reads the fetched file whole with the kiosk's key, counting items. */
static int read_whole(const char *path, const struct jr_sync_pull *p,
	struct jr_sync_pull_counts *c, struct jr_errbuf *eb)
{
	struct jr_bundle_reader *r = NULL;
	struct jr_bundle_info info;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc, kind;

	if (fd < 0)
		return jr_errf(eb, JR_EIO, "cannot open %s: %s", path, strerror(errno));
	/* any sender: the kiosk's downstream reader takes it only if the roster
	 * chain the bundle carries names it (docs/sync.md "Download") */
	rc = jr_bundle_reader_open_fd(fd, "downstream bundle", p->kiosk, NULL, &r, &info, eb);
	while (rc == JR_OK) {
		const uint8_t *b;
		size_t len;

		if ((rc = jr_bundle_reader_next(r, &kind, &b, &len, eb)) != JR_OK || kind == 0)
			break;
		c->items++;
		c->statuses += kind == JR_ITEM_STATUS;
		c->rosters += kind == JR_ITEM_ROSTER;
		c->policies += kind == JR_ITEM_POLICY;
		c->checkpoints += kind == JR_ITEM_CHECKPOINT;
		c->acks += kind == JR_ITEM_ACK;
	}
	if (rc == JR_OK)
		rc = jr_bundle_reader_end(r, eb);
	jr_bundle_reader_free(r);
	close(fd);
	return rc;
}

int jr_sync_pull_run(const struct jr_sync_pull *p, struct jr_sync_pull_counts *c,
	struct jr_errbuf *eb)
{
	struct jr_net_fetched f;
	char kdir[9], hex[9], dir[4096], tmp[4096];
	int rc, n1;

	memset(c, 0, sizeof *c);
	if (p == NULL || p->spool == NULL || p->net == NULL || p->kiosk == NULL ||
	    p->consortium == NULL || jr_key_role(p->kiosk) != JR_ROLE_KIOSK)
		return jr_errf(eb, JR_EINVAL, "pull: a spool folder, the kiosk key, the "
			"consortium's public key and a network client are needed");
	jr_sync_kiosk_dir(jr_key_id(p->kiosk), kdir);
	if ((rc = mkdir_p(p->spool, kdir, dir, sizeof dir, eb)) != JR_OK)
		return rc;
	n1 = snprintf(tmp, sizeof tmp, "%s/PULL.TMP", dir);
	if (n1 < 0 || (size_t)n1 >= sizeof tmp)
		return jr_errf(eb, JR_EINVAL, "spool path %s is too long", p->spool);
	if ((rc = jr_net_pull_downstream(p->net, jr_key_id(p->kiosk), tmp, &f, eb)) != JR_OK)
		return rc;
	if (sodium_memcmp(f.info.sender_pk, p->consortium->sign_pk, JR_SIGN_PK_BYTES) != 0) {
		char fp[JR_KEYID_FINGERPRINT_LEN + 1];

		jr_keyid_fingerprint(f.info.sender_id, fp);
		fprintf(stderr, "jaring-sync pull: note: the answer is signed by consortium key %s,"
			" not the pinned one: after a key rotation that is the new key; the kiosk"
			" takes it only through the rosters the answer carries\n", fp);
	}
	c->bytes = f.length;
	c->resumed_from = f.resumed_from;
	c->replaced = f.replaced;
	c->sequence = f.info.first;
	c->acked_height = f.info.last;
	memcpy(c->id, f.info.id, sizeof c->id);
	if (f.info.first > JR_SYNC_HEIGHT_MAX) {
		(void)unlink(tmp);
		return jr_errf(eb, JR_ETOOBIG, "downstream bundle sequence %llu does not fit "
			"the layout's 8-digit names", (unsigned long long)f.info.first);
	}
	if ((rc = read_whole(tmp, p, c, eb)) != JR_OK) {
		(void)unlink(tmp);
		return jr_errf(eb, rc, "the downstream bundle from %s does not read whole with "
			"this kiosk's key and was not kept; pull again, and if it repeats report "
			"it to the centre", jr_net_client_url(p->net));
	}
	jr_sync_hex8((uint32_t)f.info.first, hex);
	snprintf(c->file, sizeof c->file, "%s.JRB", hex);
	if ((rc = jr_sync_down_publish(p->spool, dir, tmp, c->file, (uint32_t)f.info.first, NULL,
		     eb)) != JR_OK)
		return jr_errf(eb, rc, "pull: keeping the downstream bundle in %s", p->spool);
	return JR_OK;
}
