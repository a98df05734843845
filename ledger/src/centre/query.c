/*
 * The agencies' read side of the centre's state (jaring/centre.h): the review
 * queue with the contract's findings, one registration, its person's data
 * behind the consortium key, the recipients of the decrees, and the
 * reference lists. What jaring-admin reads on a node's machine
 * (docs/admin.md). Nothing here changes the state; every walk streams.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/record.h"

/* The block's body of (kiosk, height), decoded into b; body holds the bytes
 * b points into (JR_BLOCK_MAX_BYTES). */
struct blockbuf { uint8_t body[JR_BLOCK_MAX_BYTES]; size_t len; };

static int fill_block(sqlite3_stmt *st, void *arg)
{
	struct blockbuf *bb = arg;
	size_t n = (size_t)sqlite3_column_bytes(st, 0);

	if (n > sizeof bb->body)
		return JR_ECORRUPT;
	if (n > 0)
		memcpy(bb->body, sqlite3_column_blob(st, 0), n);
	bb->len = n;
	return JR_OK;
}

static int block_of(struct jr_centre *c, const uint8_t kiosk[JR_ID_BYTES], uint64_t height,
	struct blockbuf *bb, struct jr_block *b)
{
	int rc;

	(void)sqlite3_bind_blob(c->st[S_REG_BLOCK], 1, kiosk, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(c->st[S_REG_BLOCK], 2, (sqlite3_int64)height);
	rc = jr_centre_row(c, S_REG_BLOCK, fill_block, bb);
	if (rc == JR_OK && jr_block_decode(bb->body, bb->len, b, NULL) != JR_OK)
		rc = JR_ECORRUPT;
	return rc;
}

/* The findings that need more than the registration's row: its block's
 * time (cached per block: a walk meets a block's records one after
 * another), the policy, the lists, the comments. */
struct walk {
	struct jr_centre *c;
	uint8_t kiosk[JR_ID_BYTES];
	uint64_t height;
	int64_t time;
	struct blockbuf *bb;
};

static int findings(struct walk *w, struct jr_centre_item *it)
{
	const struct jr_cpolicy *pol = jr_centre_policy_for(w->c, it->district);
	int rc;

	it->required = pol->required;
	it->dtks_required = pol->dtks;
	if (w->height != it->height || memcmp(w->kiosk, it->kiosk, JR_ID_BYTES) != 0) {
		struct jr_block b;

		if ((rc = block_of(w->c, it->kiosk, it->height, w->bb, &b)) != JR_OK)
			return rc;
		memcpy(w->kiosk, it->kiosk, JR_ID_BYTES);
		w->height = it->height;
		w->time = b.time;
	}
	it->time = w->time;
	(void)sqlite3_bind_blob(w->c->st[S_COMMENT_COUNT], 1, it->regid, JR_REGID_BYTES,
		SQLITE_STATIC);
	return jr_centre_row(w->c, S_COMMENT_COUNT, jr_centre_fill_u64, &it->comments);
}

static void item_from(sqlite3_stmt *st, struct jr_centre_item *it, uint8_t *ps)
{
	memset(it, 0, sizeof *it);
	jr_centre_copy_blob(st, 0, it->regid, JR_REGID_BYTES);
	jr_centre_copy_blob(st, 1, it->kiosk, JR_ID_BYTES);
	it->height = (uint64_t)sqlite3_column_int64(st, 2);
	it->district = (uint64_t)sqlite3_column_int64(st, 3);
	it->leaf = (uint64_t)sqlite3_column_int64(st, 4);
	it->outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 5);
	it->phase = (enum jr_centre_phase)sqlite3_column_int(st, 6);
	jr_centre_reasons_from(st, 7, &it->reasons);
	it->approvals = (uint32_t)sqlite3_column_int64(st, 8);
	it->viewed = (uint32_t)sqlite3_column_int64(st, 9);
	jr_centre_copy_blob(st, 10, ps, JR_CENTRE_PSEUDONYM_BYTES);
}

static int lists_of(struct jr_centre *c, const uint8_t *ps, struct jr_centre_item *it)
{
	int rc = jr_centre_ref_has(c, JR_REFLIST_WAGE_EARNERS, ps, &it->wage_earner);

	if (rc == JR_OK)
		rc = jr_centre_ref_has(c, JR_REFLIST_DTKS, ps, &it->dtks_match);
	return rc;
}

/* The findings read other statements while the walk's statement is open:
 * SQLite allows that on one connection, and the walk only reads. */
struct queue { struct walk w; uint32_t agency; uint64_t region; jr_centre_item_cb cb;
	void *arg; };

static int queue_row(sqlite3_stmt *st, void *arg)
{
	struct queue *q = arg;
	struct jr_centre_item it;
	uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES];
	int rc;

	item_from(st, &it, ps);
	if (!jr_region_within(it.district, q->region))
		return JR_OK;
	rc = findings(&q->w, &it);
	if (rc != JR_OK || (q->agency != 0 && ((it.required & (1u << q->agency)) == 0 ||
		(it.approvals & (1u << q->agency)) != 0)))
		return rc;
	rc = lists_of(q->w.c, ps, &it);
	return rc == JR_OK ? q->cb(q->arg, &it) : rc;
}

int jr_centre_queue(struct jr_centre *c, uint32_t agency, uint64_t region,
	jr_centre_item_cb cb, void *arg, struct jr_errbuf *eb)
{
	struct queue q = { { c, { 0 }, 0, 0, NULL }, agency, region, cb, arg };
	int rc;

	if (agency > JR_AGENCY_DISKOMINFO)
		return jr_errf(eb, JR_EINVAL, "review queue: agency %u reviews nothing", agency);
	if ((q.w.bb = malloc(sizeof *q.w.bb)) == NULL)
		return JR_ENOMEM;
	rc = jr_centre_rows(c, S_QUEUE, queue_row, &q, "review queue", eb);
	free(q.w.bb);
	return rc;
}

struct one { struct jr_centre_item *it; uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES]; };

static int fill_item(sqlite3_stmt *st, void *arg)
{
	struct one *o = arg;

	item_from(st, o->it, o->ps);
	return JR_OK;
}

int jr_centre_item(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_centre_item *out, struct jr_errbuf *eb)
{
	struct walk w = { c, { 0 }, 0, 0, NULL };
	struct one o = { out, { 0 } };
	int rc;

	memset(out, 0, sizeof *out);
	(void)sqlite3_bind_blob(c->st[S_ITEM], 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = jr_centre_row(c, S_ITEM, fill_item, &o);
	if (rc == JR_ENOTFOUND)
		return jr_errf(eb, rc, "registration: not known to this node");
	if (rc == JR_OK && (w.bb = malloc(sizeof *w.bb)) == NULL)
		rc = JR_ENOMEM;
	if (rc == JR_OK)
		rc = findings(&w, out);
	if (rc == JR_OK)
		rc = lists_of(c, o.ps, out);
	free(w.bb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "registration: cannot read it: %s", jr_strerror(rc));
	return JR_OK;
}

int jr_centre_personal(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_registration *out, struct jr_errbuf *eb)
{
	struct jr_centre_item it;
	struct jr_block b;
	struct blockbuf *bb;
	uint8_t id[JR_REGID_BYTES];
	int rc;

	memset(out, 0, sizeof *out);
	if (c->n_keys == 0)
		return jr_errf(eb, JR_EKEY, "personal data: this handle holds no consortium key;"
			" open the state with the node's consortium key");
	if ((rc = jr_centre_item(c, regid, &it, eb)) != JR_OK)
		return rc;
	if ((bb = malloc(sizeof *bb)) == NULL)
		return JR_ENOMEM;
	rc = block_of(c, it.kiosk, it.height, bb, &b);
	for (size_t i = 0; rc == JR_OK && i < b.n_records; i++) {
		jr_record_id(b.records[i], b.record_len[i], id);
		if (memcmp(id, regid, JR_REGID_BYTES) != 0)
			continue;
		rc = JR_ESIG;
		for (size_t k = 0; k < c->n_keys && rc != JR_OK; k++)
			rc = jr_record_open(b.records[i], b.record_len[i], c->openers[k], out, NULL);
		free(bb);
		return rc == JR_OK ? JR_OK : jr_errf(eb, rc, "personal data: the record does"
			" not open with the consortium keys held");
	}
	free(bb);
	return jr_errf(eb, rc == JR_OK ? JR_ECORRUPT : rc, "personal data: the record is not"
		" in its block; the state file is damaged");
}

struct each { jr_centre_recipient_cb rcb; jr_centre_pseudonym_cb pcb; void *arg; };

static int fill_recipient(sqlite3_stmt *st, void *arg)
{
	const struct each *e = arg;
	struct jr_centre_recipient rr, *r = &rr;
	uint32_t start = (uint32_t)sqlite3_column_int64(st, 7);
	uint32_t end = (uint32_t)sqlite3_column_int64(st, 8);

	memset(r, 0, sizeof *r);
	jr_centre_copy_blob(st, 0, r->regid, JR_REGID_BYTES);
	jr_centre_copy_blob(st, 1, r->pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
	r->district = (uint64_t)sqlite3_column_int64(st, 2);
	jr_centre_text_into(st, 3, r->decree, sizeof r->decree);
	jr_centre_text_into(st, 4, r->allocation, sizeof r->allocation);
	r->type = (enum jr_sponsor)sqlite3_column_int(st, 5);
	jr_centre_text_into(st, 6, r->sponsor, sizeof r->sponsor);
	r->start = jr_centre_yyyymm(start);
	r->months = end - start;
	r->rate_rp = (uint64_t)sqlite3_column_int64(st, 9);
	r->months_paid = (uint32_t)sqlite3_column_int64(st, 10);
	r->paid_in_month = sqlite3_column_int(st, 11) != 0;
	return e->rcb(e->arg, r);
}

int jr_centre_recipients(struct jr_centre *c, uint32_t month,
	jr_centre_recipient_cb cb, void *arg, struct jr_errbuf *eb)
{
	struct each e = { cb, NULL, arg };
	uint32_t idx = 0;

	if (month != 0 && !jr_centre_month(month, &idx))
		return jr_errf(eb, JR_EINVAL, "recipients: %u is not a month YYYYMM", month);
	(void)sqlite3_bind_int64(c->st[S_RECIPIENTS], 1, month != 0 ? (sqlite3_int64)idx : -1);
	return jr_centre_rows(c, S_RECIPIENTS, fill_recipient, &e, "recipients", eb);
}

static void bind_list(sqlite3_stmt *st, enum jr_reflist kind, uint64_t serial)
{
	(void)sqlite3_bind_int(st, 1, (int)kind);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)serial);
}

int jr_centre_list_has(struct jr_centre *c, enum jr_reflist kind, uint64_t serial,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], bool *has)
{
	int rc;

	bind_list(c->st[S_LIST_HAS], kind, serial);
	(void)sqlite3_bind_blob(c->st[S_LIST_HAS], 3, ps, JR_CENTRE_PSEUDONYM_BYTES,
		SQLITE_STATIC);
	rc = jr_centre_row(c, S_LIST_HAS, jr_centre_fill_none, NULL);
	*has = rc == JR_OK;
	return rc == JR_ENOTFOUND ? JR_OK : rc;
}

static int fill_pseudonym(sqlite3_stmt *st, void *arg)
{
	const struct each *e = arg;
	uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES];

	jr_centre_copy_blob(st, 0, ps, sizeof ps);
	return e->pcb(e->arg, ps);
}

int jr_centre_list_each(struct jr_centre *c, enum jr_reflist kind, uint64_t serial,
	jr_centre_pseudonym_cb cb, void *arg, struct jr_errbuf *eb)
{
	struct each e = { NULL, cb, arg };

	bind_list(c->st[S_LIST_EACH], kind, serial);
	return jr_centre_rows(c, S_LIST_EACH, fill_pseudonym, &e, "reference list", eb);
}

