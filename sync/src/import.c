/*
 * The stand-in centre's import (docs/sync.md "At the centre"): every
 * upstream bundle on the drive, sender checked against the roster, read
 * whole with the consortium key and only then applied to the centre's state
 * machine as one upstream entry; then every kiosk with a folder on the drive
 * gets its answer. Until jaring-node exists this is the centre; the node
 * will run the same steps through its log.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaring/block.h"
#include "jaring/roster.h"
#include "jaring/sync.h"
#include "jaring/visit.h"
#include "sync_int.h"

/* The signed roster as the centre's roster entry (centre.h kind 1): the
 * centre checks its signature and serial itself; an older or equal serial
 * is a recorded no-op. */
static int apply_roster(const struct jr_sync_import *x, struct jr_errbuf *eb)
{
	struct jr_buf e = { NULL, 0 };
	int rc;

	rc = jr_centre_roster_entry_signed(x->roster, x->roster_len, &e);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "import: cannot make the centre's roster entry");
	rc = jr_centre_apply(x->centre, e.base, e.len, NULL, eb);
	jr_buf_free(&e);
	return rc;
}

struct staged {
	struct jr_buf *b;
	size_t n, cap;
};

static void staged_free(struct staged *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		jr_buf_free(&s->b[i]);
	free(s->b);
	memset(s, 0, sizeof *s);
}

static int stage(struct staged *s, const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		struct jr_buf *nb = realloc(s->b, nc * sizeof *nb);
		if (nb == NULL)
			return jr_errf(eb, JR_ENOMEM, "import: out of memory");
		s->b = nb;
		s->cap = nc;
	}
	if ((s->b[s->n].base = malloc(len)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "import: out of memory");
	memcpy(s->b[s->n].base, p, len);
	s->b[s->n++].len = len;
	return JR_OK;
}

/* Reads one bundle whole (blocks and visit entries), the blocks staged. */
static int read_bundle(const struct jr_sync_import *x, const char *path, const char *name,
	const uint8_t *sender, struct staged *s, uint64_t *visits, struct jr_errbuf *eb)
{
	struct jr_bundle_reader *r = NULL;
	struct jr_bundle_info info;
	const uint8_t *p;
	size_t len;
	int fd, kind, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jr_errf(eb, JR_EIO, "cannot open %s: %s", path, strerror(errno));
	rc = jr_bundle_reader_open_fd(fd, name, x->consortium, sender, &r, &info, eb);
	if (rc == JR_OK && info.items > JR_CENTRE_MAX_BLOCKS)
		rc = jr_errf(eb, JR_ETOOBIG, "bundle %s: %llu items, over the %d one entry takes",
			name, (unsigned long long)info.items, JR_CENTRE_MAX_BLOCKS);
	while (rc == JR_OK && (rc = jr_bundle_reader_next(r, &kind, &p, &len, eb)) == JR_OK &&
	       kind != 0) {
		struct jr_visit v;
		if (kind == JR_ITEM_BLOCK)
			rc = stage(s, p, len, eb);
		else if ((rc = jr_visit_verify(p, len, sender, &v, eb)) == JR_OK)
			(*visits)++;
	}
	if (rc == JR_OK)
		rc = jr_bundle_reader_end(r, eb);
	jr_bundle_reader_free(r);
	close(fd);
	return rc;
}

static void add_result(struct jr_sync_import_counts *c, const struct jr_centre_result *r)
{
	c->blocks_applied += r->blocks_applied;
	c->blocks_known += r->blocks_known;
	c->blocks_pending += r->blocks_pending;
	c->blocks_refused += r->blocks_refused;
	c->regs_accepted += r->regs_accepted;
	c->regs_returned += r->regs_returned;
	c->regs_duplicate += r->regs_duplicate;
	c->regs_held += r->regs_held;
	c->regs_unopenable += r->regs_unopenable;
}

void jr_sync_import_refuse(struct jr_sync_import_counts *c, const char *kdir,
	const char *file, const char *why)
{
	struct jr_sync_import_kiosk *k = jr_sync_import_kiosk_of(c, kdir);

	c->bundles_refused++;
	if (k != NULL)
		k->refused++;
	if (c->refused[0] == '\0')
		snprintf(c->refused, sizeof c->refused, "JARING/UP/%s/%s: %.400s", kdir, file, why);
}

struct jr_sync_import_kiosk *jr_sync_import_kiosk_of(struct jr_sync_import_counts *c,
	const char *kdir)
{
	size_t i;

	for (i = 0; i < c->nk; i++)
		if (strcmp(c->k[i].dir, kdir) == 0)
			return &c->k[i];
	if (c->nk == JR_SYNC_IMPORT_KIOSKS)
		return NULL;
	memset(&c->k[c->nk], 0, sizeof c->k[0]);
	memcpy(c->k[c->nk].dir, kdir, 9);
	return &c->k[c->nk++];
}

static void learn_id(struct jr_sync_import_kiosk *k, const uint8_t id[JR_ID_BYTES])
{
	char d[9];

	jr_sync_kiosk_dir(id, d);
	if (!k->has_id && strcmp(d, k->dir) == 0) {
		memcpy(k->id, id, JR_ID_BYTES);
		k->has_id = true;
	}
}

/* The kiosk folders of JARING/<side>. */
static int scan_side(const char *drive, const char *side, struct jr_sync_import_counts *c,
	struct jr_errbuf *eb)
{
	char path[4096];
	struct dirent *de;
	uint32_t v;
	DIR *d;
	int rc;

	if ((rc = jr_sync_path(path, sizeof path, eb, drive, side, NULL, NULL)) != JR_OK)
		return rc;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? JR_OK :
			jr_errf(eb, JR_EIO, "cannot read folder %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 8 || !jr_sync_parse_hex8(de->d_name, &v))
			continue;
		if (jr_sync_import_kiosk_of(c, de->d_name) == NULL) {
			closedir(d);
			return jr_errf(eb, JR_ETOOBIG, "drive %s holds more than %d kiosk folders: "
				"import it in parts (move some folders to another drive)", drive,
				JR_SYNC_IMPORT_KIOSKS);
		}
	}
	closedir(d);
	return JR_OK;
}

/* A kiosk without bundles on the drive: its id from VISITS.JRB's signed
 * header, else from an answer already in its DOWN folder. */
static void learn_id_elsewhere(const char *drive, struct jr_sync_import_kiosk *k)
{
	struct jr_sync_listing dl;
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };
	size_t i;

	if (jr_sync_visits_header(drive, k->dir, &h) == JR_OK)
		learn_id(k, h.info.sender_id);
	if (k->has_id || jr_sync_down_list(drive, k->dir, &dl, &eb) != JR_OK)
		return;
	for (i = 0; i < dl.n && !k->has_id; i++)
		if (dl.e[i].rc == JR_OK)
			learn_id(k, dl.e[i].info.recipient_id);
	jr_sync_listing_free(&dl);
}

static int cmp_kiosk(const void *a, const void *b)
{
	return strcmp(((const struct jr_sync_import_kiosk *)a)->dir,
		((const struct jr_sync_import_kiosk *)b)->dir);
}

int jr_sync_import_scan(const char *drive, const struct jr_sync_listing *l,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	size_t i;
	int rc;

	if ((rc = scan_side(drive, "UP", c, eb)) != JR_OK ||
	    (rc = scan_side(drive, "DOWN", c, eb)) != JR_OK)
		return rc;
	for (i = 0; i < l->n; i++) {
		const struct jr_sync_entry *e = &l->e[i];
		struct jr_sync_import_kiosk *k = jr_sync_import_kiosk_of(c, e->kiosk_dir);

		if (e->rc != JR_OK) {
			jr_sync_import_refuse(c, e->kiosk_dir, e->file, e->why);
			continue;
		}
		if (k == NULL)
			continue; /* scan_side refused a drive of that many folders */
		k->bundles++;
		if (e->info.last > k->top)
			k->top = e->info.last;
		learn_id(k, e->info.sender_id);
	}
	for (i = 0; i < c->nk; i++)
		if (!c->k[i].has_id)
			learn_id_elsewhere(drive, &c->k[i]);
	if (c->nk > 1)
		qsort(c->k, c->nk, sizeof c->k[0], cmp_kiosk);
	return JR_OK;
}

void jr_sync_import_settle(struct jr_sync_import_counts *c)
{
	size_t i;

	for (i = 0; i < c->nk; i++) {
		struct jr_sync_import_kiosk *k = &c->k[i];

		k->complete = k->answered && k->refused == 0 && k->acked >= k->top;
		c->unanswered += !k->answered;
		c->incomplete += !k->complete;
	}
}

/* One upstream bundle: trust, read whole, apply. JR_OK also for a refusal
 * (counted); an error only when the centre cannot go on. */
static int import_one(const struct jr_sync_import *x, const struct jr_roster *r,
	const char *kdir, const char *file, const struct jr_bundle_info *info,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	struct jr_errbuf be = { 0 };
	struct jr_centre_result res;
	struct staged s = { 0 };
	struct jr_buf entry = { NULL, 0 };
	char path[4096];
	int rc;

	if (jr_roster_check(r, info->sender_id, JR_ROLE_KIOSK, JR_PERM_UPLOAD, 0, info->first,
		&be) != JR_OK) {
		jr_sync_import_refuse(c, kdir, file, be.msg);
		return JR_OK;
	}
	if ((rc = jr_sync_path(path, sizeof path, eb, x->drive, "UP", kdir, file)) != JR_OK)
		return rc;
	rc = read_bundle(x, path, file, info->sender_pk, &s, &c->visits, &be);
	if (rc != JR_OK) {
		staged_free(&s);
		if (rc == JR_ENOMEM)
			return jr_errf(eb, rc, "%s", be.msg);
		jr_sync_import_refuse(c, kdir, file, be.msg);
		return JR_OK;
	}
	c->bundles++;
	c->blocks += s.n;
	if (s.n > 0) {
		rc = jr_centre_upstream_entry(s.b, s.n, &entry);
		if (rc == JR_OK)
			rc = jr_centre_apply(x->centre, entry.base, entry.len, &res, eb);
		else
			rc = jr_errf(eb, rc, "import: cannot make an upstream entry of %s", file);
		if (rc == JR_OK)
			add_result(c, &res);
	}
	jr_buf_free(&entry);
	staged_free(&s);
	return rc;
}

static int answer(const struct jr_sync_import *x, const struct jr_roster *r,
	const struct jr_roster_member *m, struct jr_sync_import_kiosk *k,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	struct jr_buf links[JR_DOWNSTREAM_CHAIN_MAX];
	struct jr_downstream_params p;
	struct jr_downstream_info info;
	struct jr_policy pol;
	size_t n_links = 0;
	int rc;

	/* The rotations before this roster, for a kiosk that missed them. */
	if ((rc = jr_centre_roster_links(x->centre, r->serial, links, JR_DOWNSTREAM_CHAIN_MAX,
		     &n_links, eb)) != JR_OK)
		return rc;
	jr_centre_policy_rules(x->centre, m->region, &pol); /* in force at its village */
	memset(&p, 0, sizeof p);
	p.centre = x->centre;
	p.consortium = x->consortium;
	memcpy(p.kiosk_pk, m->sign_pk, JR_SIGN_PK_BYTES);
	p.roster = x->roster;
	p.roster_len = x->roster_len;
	p.roster_chain = links;
	p.roster_chain_n = n_links;
	p.policy = &pol;
	p.checkpoint = x->checkpoint;
	p.checkpoint_len = x->checkpoint_len;
	p.seq = jr_centre_tlog_size(x->centre);
	p.time = x->time;
	rc = jr_sync_down_write(x->drive, &p, &info, NULL, eb);
	jr_centre_roster_links_free(links, n_links);
	if (rc != JR_OK)
		return rc;
	c->answers++;
	c->statuses += info.statuses;
	k->answered = true;
	k->answer_seq = p.seq;
	k->acked = info.ack_height;
	k->items = info.bundle.items;
	k->statuses = info.statuses;
	return JR_OK;
}

/* Each kiosk folder on the drive (UP or DOWN) whose kiosk the roster names
 * gets its answer: the folder's name is the first 4 bytes of the id, so the
 * roster is searched for them. */
static int answer_all(const struct jr_sync_import *x, const struct jr_roster *r,
	struct jr_sync_import_counts *c, struct jr_errbuf *eb)
{
	size_t i, j;
	int rc;

	for (i = 0; i < c->nk; i++) {
		struct jr_sync_import_kiosk *k = &c->k[i];

		for (j = 0; j < r->n; j++) {
			char kdir[9];

			if (r->m[j].role != JR_ROLE_KIOSK)
				continue;
			jr_sync_kiosk_dir(r->m[j].id, kdir);
			if (strcmp(kdir, k->dir) == 0 && (rc = answer(x, r, &r->m[j], k, c, eb)) != JR_OK)
				return rc;
		}
		if (!k->answered)
			snprintf(k->why, sizeof k->why, "no kiosk of the roster has this folder");
	}
	return JR_OK;
}

/* The VISITS.JRB of every kiosk folder: read whole, entries verified. */
static void read_visit_logs(const struct jr_sync_import *x, const struct jr_roster *r,
	struct jr_sync_import_counts *c)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		struct staged s = { 0 };
		struct jr_errbuf be = { 0 };
		char kdir[9], path[4096];

		if (r->m[i].role != JR_ROLE_KIOSK)
			continue;
		jr_sync_kiosk_dir(r->m[i].id, kdir);
		if (jr_sync_path(path, sizeof path, &be, x->drive, "UP", kdir,
			JR_SYNC_VISITS_BUNDLE) != JR_OK || access(path, F_OK) != 0)
			continue;
		if (read_bundle(x, path, JR_SYNC_VISITS_BUNDLE, r->m[i].sign_pk, &s, &c->visits,
			&be) != JR_OK || s.n != 0)
			jr_sync_import_refuse(c, kdir, JR_SYNC_VISITS_BUNDLE,
				be.msg[0] ? be.msg : "holds blocks");
		staged_free(&s);
	}
}

int jr_sync_import_run(const struct jr_sync_import *x, struct jr_sync_import_counts *c,
	struct jr_errbuf *eb)
{
	struct jr_sync_listing l = { 0 };
	struct jr_pubkey cons;
	struct jr_roster r;
	size_t i;
	int rc;

	memset(c, 0, sizeof *c);
	if (x == NULL || x->drive == NULL || x->centre == NULL || x->consortium == NULL ||
	    x->roster == NULL)
		return jr_errf(eb, JR_EINVAL, "import: a drive, the centre, the consortium key "
			"and the roster are needed");
	jr_key_public(x->consortium, &cons);
	if ((rc = jr_roster_open(x->roster, x->roster_len, cons.sign_pk, &r, eb)) != JR_OK)
		return jr_errf(eb, rc, "import: the roster");
	if ((rc = apply_roster(x, eb)) != JR_OK ||
	    (rc = jr_sync_list(x->drive, NULL, &l, eb)) != JR_OK ||
	    (rc = jr_sync_import_scan(x->drive, &l, c, eb)) != JR_OK)
		goto out;
	for (i = 0; i < l.n && rc == JR_OK; i++) {
		const struct jr_sync_entry *e = &l.e[i];
		if (e->rc == JR_OK) /* the scan counted the others */
			rc = import_one(x, &r, e->kiosk_dir, e->file, &e->info, c, eb);
		if (x->progress != NULL)
			x->progress(x->progress_ctx, i + 1, l.n);
	}
	if (rc == JR_OK) {
		read_visit_logs(x, &r, c);
		rc = answer_all(x, &r, c, eb);
	}
	jr_sync_import_settle(c);
out:
	jr_sync_listing_free(&l);
	jr_roster_free(&r);
	return rc;
}
