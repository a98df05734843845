/*
 * The drive at a real node (docs/sync.md "At the centre: a jaring-node"):
 * the upstream bundles on an officer's drive uploaded as push uploads them,
 * then each kiosk's answer fetched as pull fetches it and written onto the
 * drive's DOWN layout as the stand-in writes its own. The listing, the
 * kiosk folders and the counts are the stand-in's (import.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>
#include <unistd.h>

#include "jaring/sync.h"
#include "sync_int.h"

struct node_ctx {
	const struct jr_sync_import_node *x;
	struct jr_sync_import_counts *c;
};

/* One bundle's upload, counted like the stand-in's import of it: a bundle
 * the node had applied before counts its blocks as known. A refusal is
 * counted and the import goes on; a link that gave up or a cancel stops. */
static int uploaded(void *ctx, const struct jr_sync_entry *e, const char *path, int rc,
	const struct jr_net_applied *a, struct jr_errbuf *eb)
{
	struct node_ctx *nc = ctx;
	struct jr_sync_import_counts *c = nc->c;
	uint64_t blocks = e->info.last - e->info.first + 1;

	(void)path;
	c->sent += a->sent;
	if (rc != JR_OK && jr_net_client_why(nc->x->net) == JR_NET_REFUSED) {
		jr_sync_import_refuse(c, e->kiosk_dir, e->file, eb->msg);
		jr_errclear(eb);
		return JR_OK;
	}
	if (rc != JR_OK)
		return jr_errf(eb, rc, "bundle JARING/UP/%s/%s (heights %llu..%llu)",
			e->kiosk_dir, e->file, (unsigned long long)e->info.first,
			(unsigned long long)e->info.last);
	c->bundles++;
	c->blocks += blocks;
	if (a->before) {
		c->before++;
		c->blocks_known += blocks;
		return JR_OK;
	}
	c->blocks_applied += a->blocks_applied;
	c->blocks_known += a->blocks_known;
	c->blocks_pending += a->blocks_pending;
	c->blocks_refused += a->blocks_refused;
	return JR_OK;
}

/* The node's answer for kiosk k into JARING/DOWN/<k>/PULL.TMP (resumed if
 * an earlier import left part of the same bundle there), then published as
 * SSSSSSSS.JRB. JR_OK also when the node has none for it (k->why says
 * why); an error when the drive refuses or the link gave up. */
static int fetch_answer(const struct jr_sync_import_node *x, struct jr_sync_import_kiosk *k,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	char kpath[4096], tpath[4096 + 16], hex[9], fname[JR_SYNC_NAME_MAX + 1];
	struct jr_net_fetched f;
	int rc;

	if ((rc = jr_sync_make_dirs(x->drive, "DOWN", k->dir, kpath, sizeof kpath, eb)) != JR_OK)
		return rc;
	snprintf(tpath, sizeof tpath, "%s/PULL.TMP", kpath);
	rc = jr_net_pull_downstream(x->net, k->id, tpath, &f, eb);
	if (rc != JR_OK) {
		enum jr_net_why w = jr_net_client_why(x->net);
		if (w == JR_NET_LOCAL && f.local_errno != 0)
			return jr_sync_drive_err(eb, f.local_errno, x->drive, tpath, "write");
		if (w != JR_NET_REFUSED && w != JR_NET_LOCAL)
			return rc;
		snprintf(k->why, sizeof k->why, "%.199s", eb->msg);
		jr_errclear(eb);
		return JR_OK;
	}
	if (f.info.first == 0 || f.info.first > JR_SYNC_SEQ_MAX) {
		(void)unlink(tpath);
		snprintf(k->why, sizeof k->why, "the node's answer has sequence %llu, which the "
			"drive's 8-digit names cannot hold", (unsigned long long)f.info.first);
		return JR_OK;
	}
	jr_sync_hex8((uint32_t)f.info.first, hex);
	snprintf(fname, sizeof fname, "%s.JRB", hex);
	if ((rc = jr_sync_down_publish(x->drive, kpath, tpath, fname, (uint32_t)f.info.first,
		     NULL, eb)) != JR_OK)
		return rc;
	if (sodium_memcmp(f.info.sender_pk, x->consortium_sign_pk, JR_SIGN_PK_BYTES) != 0) {
		char fp[JR_KEYID_FINGERPRINT_LEN + 1];

		jr_keyid_fingerprint(f.info.sender_id, fp);
		fprintf(stderr, "jaring-sync import: note: kiosk %s's answer is signed by consortium"
			" key %s, not the one given (--consortium): after a key rotation that is the"
			" new key; the kiosk takes it only through the rosters the answer carries\n",
			k->dir, fp);
	}
	k->answered = true;
	k->answer_seq = f.info.first;
	k->acked = f.info.last;
	k->items = f.info.items;
	c->answers++;
	return JR_OK;
}

static int fetch_answers(const struct jr_sync_import_node *x, struct jr_sync_import_counts *c,
	struct jr_errbuf *eb)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nk; i++) {
		struct jr_sync_import_kiosk *k = &c->k[i];

		if (!k->has_id)
			snprintf(k->why, sizeof k->why, "no bundle, visit log or answer on the drive "
				"names this kiosk's whole key: let the kiosk visit with this drive first");
		else if ((rc = fetch_answer(x, k, c, eb)) != JR_OK)
			return jr_errf(eb, rc, "the answer for kiosk %s", k->dir);
		if (x->progress != NULL)
			x->progress(x->progress_ctx, 2, i + 1, c->nk);
	}
	return JR_OK;
}

static void bytes_up(void *ctx, uint64_t done, uint64_t total)
{
	const struct jr_sync_import_node *x = ctx;

	x->progress(x->progress_ctx, 1, done, total);
}

int jr_sync_import_node_run(const struct jr_sync_import_node *x,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	struct jr_sync_listing l = { 0 };
	struct node_ctx nc = { x, c };
	uint64_t n = 0, bytes = 0;
	int rc;

	memset(c, 0, sizeof *c);
	if (x == NULL || x->drive == NULL || x->net == NULL || x->consortium_sign_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "import --node: a drive, the consortium's public "
			"key and a network client are needed");
	if ((rc = jr_sync_list(x->drive, NULL, &l, eb)) == JR_OK &&
	    (rc = jr_sync_import_scan(x->drive, &l, c, eb)) == JR_OK) {
		struct jr_sync_upload u = { x->drive, x->net, 0, x->progress ? bytes_up : NULL,
			(void *)(uintptr_t)x, uploaded, &nc };
		rc = jr_sync_upload_listed(&u, &l, &n, &bytes, eb);
	}
	if (rc == JR_OK)
		rc = fetch_answers(x, c, eb);
	jr_sync_import_settle(c);
	jr_sync_listing_free(&l);
	return rc;
}
