/*
 * The read side of the centre's state (jaring/centre.h): the acknowledged
 * head, the latest roster, registrations, kiosks, refusals, acts, decrees
 * and allocations. Nothing here changes the state. Every reader binds its
 * key to a statement kept on the handle and reads the row with
 * jr_centre_row and a fill function that copies the columns out.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/ack.h"
#include "jaring/roster.h"

int jr_centre_ack(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	int64_t time, struct jr_buf *out, struct jr_errbuf *eb)
{
	const struct jr_key *signer = NULL;
	struct jr_ckiosk k;
	struct jr_ack a;
	size_t i;
	int rc;

	out->base = NULL;
	out->len = 0;
	rc = jr_centre_kiosk_get(c, kiosk_id, &k);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "acknowledged head: cannot read the kiosk: %s",
			sqlite3_errmsg(c->db));
	if (k.head == 0)
		return jr_errf(eb, JR_ENOTFOUND, "acknowledged head: nothing of this kiosk"
			" is applied yet");
	for (i = 0; i < c->n_keys && signer == NULL; i++)
		if (memcmp(c->key_pk[i], c->roster_signer, JR_SIGN_PK_BYTES) == 0)
			signer = c->keys[i];
	if (signer == NULL)
		return jr_errf(eb, JR_EKEY, "acknowledged head: the latest roster names a"
			" consortium key this node does not hold; add it"
			" (jr_centre_add_consortium_key) from the rotation ceremony's key file");
	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, kiosk_id, JR_ID_BYTES);
	a.height = k.head;
	memcpy(a.hash, k.head_hash, JR_HASH_BYTES);
	a.time = time;
	rc = jr_ack_sign(signer, &a, out);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "acknowledged head: cannot sign: %s", jr_strerror(rc));
	return JR_OK;
}

/* Column 0 (a blob) into the jr_buf arg, malloc'd. */
static int fill_blob(sqlite3_stmt *st, void *arg)
{
	struct jr_buf *out = arg;
	size_t n = (size_t)sqlite3_column_bytes(st, 0);

	out->base = malloc(n > 0 ? n : 1);
	if (out->base == NULL)
		return JR_ENOMEM;
	if (n > 0)
		memcpy(out->base, sqlite3_column_blob(st, 0), n);
	out->len = n;
	return JR_OK;
}

int jr_centre_roster(struct jr_centre *c, struct jr_buf *out, struct jr_errbuf *eb)
{
	int rc;

	out->base = NULL;
	out->len = 0;
	rc = jr_centre_row(c, S_ROSTER_LATEST, fill_blob, out);
	if (rc == JR_ENOTFOUND)
		return jr_errf(eb, rc, "roster: no roster is applied yet");
	if (rc != JR_OK)
		return jr_errf(eb, rc, "roster: cannot read it: %s", sqlite3_errmsg(c->db));
	return JR_OK;
}

void jr_centre_roster_links_free(struct jr_buf *links, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jr_buf_free(&links[i]);
}

/* Keeps the latest `max` links: the oldest goes when one more comes. */
static int keep_link(struct jr_buf *links, size_t max, size_t *n, const uint8_t *p,
	size_t len)
{
	struct jr_buf b = { malloc(len > 0 ? len : 1), len };

	if (b.base == NULL)
		return JR_ENOMEM;
	memcpy(b.base, p, len);
	if (*n == max) {
		jr_buf_free(&links[0]);
		memmove(links, links + 1, (max - 1) * sizeof *links);
		(*n)--;
	}
	links[(*n)++] = b;
	return JR_OK;
}

struct link_walk {
	struct jr_buf *links;
	size_t max, *n;
	uint8_t signer[JR_SIGN_PK_BYTES]; /* the key the roster before names */
	struct jr_errbuf *eb;
};

/* One applied roster, in serial order: kept if it names another key. */
static int link_row(sqlite3_stmt *st, void *arg)
{
	struct link_walk *w = arg;
	const uint8_t *p = sqlite3_column_blob(st, 0);
	size_t len = (size_t)sqlite3_column_bytes(st, 0);
	struct jr_roster r;
	int rc = JR_OK;

	if (jr_roster_open(p, len, w->signer, &r, NULL) != JR_OK)
		return jr_errf(w->eb, JR_ECORRUPT, "roster links: an applied roster does not "
			"verify under the key its predecessor names: the state is damaged");
	if (memcmp(r.consortium_pk, w->signer, JR_SIGN_PK_BYTES) != 0) {
		memcpy(w->signer, r.consortium_pk, JR_SIGN_PK_BYTES);
		if (keep_link(w->links, w->max, w->n, p, len) != JR_OK)
			rc = jr_errf(w->eb, JR_ENOMEM, "roster links: out of memory");
	}
	jr_roster_free(&r);
	return rc;
}

int jr_centre_roster_links(struct jr_centre *c, uint64_t below, struct jr_buf *links,
	size_t max, size_t *n, struct jr_errbuf *eb)
{
	struct link_walk w = { links, max, n, { 0 }, eb };
	int rc;

	*n = 0;
	if (max == 0)
		return JR_OK;
	memcpy(w.signer, c->key_pk[0], JR_SIGN_PK_BYTES);
	(void)sqlite3_bind_int64(c->st[S_ROSTER_BELOW], 1, (sqlite3_int64)below);
	rc = jr_centre_rows(c, S_ROSTER_BELOW, link_row, &w, "roster links", eb);
	if (rc != JR_OK) {
		jr_centre_roster_links_free(links, *n);
		*n = 0;
	}
	return rc;
}

static void bind_blob(struct jr_centre *c, enum jr_centre_stmt s, const uint8_t *p,
	size_t n)
{
	(void)sqlite3_bind_blob(c->st[s], 1, p, (int)n, SQLITE_STATIC);
}

static void bind_text(struct jr_centre *c, enum jr_centre_stmt s, const char *t)
{
	(void)sqlite3_bind_text(c->st[s], 1, t, (int)strlen(t), SQLITE_STATIC);
}

static int fill_reg(sqlite3_stmt *st, void *arg)
{
	struct jr_centre_reg *out = arg;

	out->outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 0);
	jr_centre_reasons_from(st, 1, &out->reasons);
	jr_centre_copy_blob(st, 2, out->pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
	out->district = (uint64_t)sqlite3_column_int64(st, 3);
	out->held = sqlite3_column_int(st, 4) != 0;
	out->has_duplicate_of = sqlite3_column_type(st, 5) == SQLITE_BLOB;
	jr_centre_copy_blob(st, 5, out->duplicate_of, JR_REGID_BYTES);
	out->leaf = (uint64_t)sqlite3_column_int64(st, 6);
	out->phase = (enum jr_centre_phase)sqlite3_column_int(st, 7);
	out->approvals = (uint32_t)sqlite3_column_int64(st, 8);
	out->viewed = (uint32_t)sqlite3_column_int64(st, 9);
	out->has_corrects = sqlite3_column_type(st, 10) == SQLITE_BLOB;
	jr_centre_copy_blob(st, 10, out->corrects, JR_REGID_BYTES);
	out->has_corrected_by = sqlite3_column_type(st, 11) == SQLITE_BLOB;
	jr_centre_copy_blob(st, 11, out->corrected_by, JR_REGID_BYTES);
	jr_centre_text_into(st, 12, out->decree, sizeof out->decree);
	return JR_OK;
}

int jr_centre_registration(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_centre_reg *out)
{
	memset(out, 0, sizeof *out);
	bind_blob(c, S_REG_GET, regid, JR_REGID_BYTES);
	return jr_centre_row(c, S_REG_GET, fill_reg, out);
}

static int count_where(struct jr_centre *c, enum jr_centre_stmt s,
	const uint8_t id[JR_ID_BYTES], uint64_t *n)
{
	int rc;

	*n = 0;
	bind_blob(c, s, id, JR_ID_BYTES);
	rc = jr_centre_row(c, s, jr_centre_fill_u64, n);
	return rc == JR_ENOTFOUND ? JR_EIO : rc; /* count(*) always has a row */
}

int jr_centre_kiosk_state(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	struct jr_centre_kiosk_state *out)
{
	struct jr_ckiosk k;
	int rc = jr_centre_kiosk_get(c, kiosk_id, &k);

	memset(out, 0, sizeof *out);
	if (rc != JR_OK)
		return rc;
	out->in_roster = k.found;
	out->head = k.head;
	out->flagged_from = k.flagged_from;
	rc = count_where(c, S_PENDING_COUNT, kiosk_id, &out->pending);
	if (rc == JR_OK)
		rc = count_where(c, S_REFUSAL_COUNT, kiosk_id, &out->refusals);
	if (rc == JR_OK)
		rc = count_where(c, S_EVIDENCE_COUNT, kiosk_id, &out->evidence);
	return rc;
}

static int fill_status(sqlite3_stmt *st, void *arg)
{
	*(enum jr_centre_status *)arg = (enum jr_centre_status)sqlite3_column_int(st, 0);
	return JR_OK;
}

int jr_centre_refusal(struct jr_centre *c, const uint8_t block_hash[JR_HASH_BYTES],
	enum jr_centre_status *status)
{
	*status = 0;
	bind_blob(c, S_REFUSAL_GET, block_hash, JR_HASH_BYTES);
	return jr_centre_row(c, S_REFUSAL_GET, fill_status, status);
}

int jr_centre_act(struct jr_centre *c, const uint8_t act_id[JR_HASH_BYTES],
	enum jr_centre_status *status)
{
	int rc;

	*status = 0;
	bind_blob(c, S_ACT_GET, act_id, JR_HASH_BYTES);
	rc = jr_centre_row(c, S_ACT_GET, jr_centre_fill_none, NULL);
	if (rc == JR_OK) {
		*status = JR_CS_APPLIED;
		return JR_OK;
	}
	if (rc != JR_ENOTFOUND)
		return JR_EIO;
	return jr_centre_refusal(c, act_id, status);
}

static int fill_decree(sqlite3_stmt *st, void *arg)
{
	struct jr_centre_decree_state *out = arg;

	jr_centre_text_into(st, 0, out->allocation, sizeof out->allocation);
	out->region = (uint64_t)sqlite3_column_int64(st, 1);
	out->start = jr_centre_yyyymm((uint32_t)sqlite3_column_int64(st, 2));
	out->months = (uint32_t)sqlite3_column_int64(st, 3);
	out->count = (uint64_t)sqlite3_column_int64(st, 4);
	out->rate_rp = (uint64_t)sqlite3_column_int64(st, 5);
	out->cost_rp = (uint64_t)sqlite3_column_int64(st, 6);
	out->paid_rp = (uint64_t)sqlite3_column_int64(st, 7);
	return JR_OK;
}

int jr_centre_decree_get(struct jr_centre *c, const char *number,
	struct jr_centre_decree_state *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (number == NULL || strlen(number) > JR_CENTRE_NAME_MAX)
		return JR_EINVAL;
	memcpy(out->number, number, strlen(number) + 1);
	bind_text(c, S_DECREE_GET, number);
	rc = jr_centre_row(c, S_DECREE_GET, fill_decree, out);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out); /* as before the read */
	return rc;
}

static int fill_allocation(sqlite3_stmt *st, void *arg)
{
	struct jr_centre_allocation *out = arg;

	out->type = (enum jr_sponsor)sqlite3_column_int(st, 0);
	jr_centre_text_into(st, 1, out->sponsor, sizeof out->sponsor);
	out->amount_rp = (uint64_t)sqlite3_column_int64(st, 2);
	out->months = (uint32_t)sqlite3_column_int64(st, 3);
	out->region = (uint64_t)sqlite3_column_int64(st, 4);
	out->committed_rp = (uint64_t)sqlite3_column_int64(st, 5);
	out->paid_rp = (uint64_t)sqlite3_column_int64(st, 6);
	out->decrees = (uint64_t)sqlite3_column_int64(st, 7);
	return JR_OK;
}

int jr_centre_allocation_get(struct jr_centre *c, const char *id,
	struct jr_centre_allocation *out)
{
	int rc;

	memset(out, 0, sizeof *out);
	if (id == NULL || strlen(id) > JR_CENTRE_NAME_MAX)
		return JR_EINVAL;
	memcpy(out->id, id, strlen(id) + 1);
	bind_text(c, S_ALLOC_GET, id);
	rc = jr_centre_row(c, S_ALLOC_GET, fill_allocation, out);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out); /* as before the read */
	return rc;
}

int jr_centre_leaf(struct jr_centre *c, uint64_t index, struct jr_buf *out)
{
	out->base = NULL;
	out->len = 0;
	if (c->fs != NULL) /* a replay keeps no leaf rows */
		return jr_centre_logbuf_leaf(c, index, out);
	(void)sqlite3_bind_int64(c->st[S_LEAF_GET], 1, (sqlite3_int64)index);
	return jr_centre_row(c, S_LEAF_GET, fill_blob, out);
}

/* Columns (body, sig) as a signed block (wire form) into the jr_buf arg. */
static int fill_signed_block(sqlite3_stmt *st, void *arg)
{
	if (sqlite3_column_bytes(st, 1) != JR_SIG_BYTES)
		return JR_ECORRUPT;
	return jr_signed_block_encode(sqlite3_column_blob(st, 0),
		(size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 1), arg);
}

int jr_centre_leaf_signed(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_buf *out)
{
	enum jr_centre_stmt s;

	out->base = NULL;
	out->len = 0;
	if (l->status != JR_CS_APPLIED)
		return JR_ENOTFOUND;
	switch (l->type) {
	case JR_LEAF_ROSTER:
		s = S_ROSTER_BYTES;
		break;
	case JR_LEAF_ACT:
		s = S_ACT_BYTES;
		break;
	case JR_LEAF_BLOCK:
		s = S_BLOCK_SIGNED;
		(void)sqlite3_bind_blob(c->st[s], 2, l->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(c->st[s], 3, (sqlite3_int64)l->n);
		break;
	default:
		return JR_ENOTFOUND;
	}
	(void)sqlite3_bind_blob(c->st[s], 1, l->hash, JR_HASH_BYTES, SQLITE_STATIC);
	return jr_centre_row(c, s, s == S_BLOCK_SIGNED ? fill_signed_block : fill_blob, out);
}

struct pending_walk {
	int (*cb)(void *arg, const uint8_t *entry, size_t len);
	void *arg;
};

static int pending_row(sqlite3_stmt *st, void *arg)
{
	const struct pending_walk *w = arg;
	struct jr_buf blk = { 0 }, entry = { 0 };
	int rc = fill_signed_block(st, &blk);

	if (rc == JR_OK)
		rc = jr_centre_upstream_entry(&blk, 1, &entry);
	if (rc == JR_OK)
		rc = w->cb(w->arg, entry.base, entry.len);
	jr_buf_free(&blk);
	jr_buf_free(&entry);
	return rc;
}

int jr_centre_pending_each(struct jr_centre *c,
	int (*cb)(void *arg, const uint8_t *entry, size_t len), void *arg,
	struct jr_errbuf *eb)
{
	struct pending_walk w = { cb, arg };

	return jr_centre_rows(c, S_PENDING_ALL, pending_row, &w, "pending blocks", eb);
}

struct summary_walk {
	struct jr_centre *c;
	struct jr_errbuf *eb;
	int (*alloc_cb)(void *arg, const struct jr_centre_allocation *a);
	int (*decree_cb)(void *arg, const struct jr_centre_decree_state *d);
	int (*district_cb)(void *arg, const struct jr_centre_district_count *d);
	void *arg;
	struct jr_centre_district_count d;
};

static int alloc_row(sqlite3_stmt *st, void *arg)
{
	const struct summary_walk *w = arg;
	struct jr_centre_allocation a;
	char id[JR_CENTRE_NAME_MAX + 1];
	int rc;

	jr_centre_text_into(st, 0, id, sizeof id);
	rc = jr_centre_allocation_get(w->c, id, &a);
	if (rc != JR_OK)
		return jr_errf(w->eb, rc, "summary: allocation %s: cannot read it: %s", id,
			sqlite3_errmsg(w->c->db));
	return w->alloc_cb(w->arg, &a);
}

static int decree_row(sqlite3_stmt *st, void *arg)
{
	const struct summary_walk *w = arg;
	struct jr_centre_decree_state d;
	char number[JR_CENTRE_NAME_MAX + 1];
	int rc;

	jr_centre_text_into(st, 0, number, sizeof number);
	rc = jr_centre_decree_get(w->c, number, &d);
	if (rc != JR_OK)
		return jr_errf(w->eb, rc, "summary: decree %s: cannot read it: %s", number,
			sqlite3_errmsg(w->c->db));
	return w->decree_cb(w->arg, &d);
}

/* Rows (district, phase, count, viewed) in district order; one callback per
 * district once its last phase is in. */
static int district_row(sqlite3_stmt *st, void *arg)
{
	struct summary_walk *w = arg;
	uint64_t district = (uint64_t)sqlite3_column_int64(st, 0);
	int phase = sqlite3_column_int(st, 1);
	int rc = JR_OK;

	if (district != w->d.district && w->d.district != UINT64_MAX)
		rc = w->district_cb(w->arg, &w->d);
	if (district != w->d.district) {
		memset(&w->d, 0, sizeof w->d);
		w->d.district = district;
	}
	if (phase >= 1 && phase <= JR_PH_DECREED)
		w->d.by_phase[phase] += (uint64_t)sqlite3_column_int64(st, 2);
	w->d.views += (uint64_t)sqlite3_column_int64(st, 3);
	return rc;
}

int jr_centre_summary(struct jr_centre *c,
	int (*alloc_cb)(void *arg, const struct jr_centre_allocation *a),
	int (*decree_cb)(void *arg, const struct jr_centre_decree_state *d),
	int (*district_cb)(void *arg, const struct jr_centre_district_count *d),
	void *arg, struct jr_errbuf *eb)
{
	struct summary_walk w = { c, eb, alloc_cb, decree_cb, district_cb, arg, { 0 } };
	int rc = JR_OK;

	w.d.district = UINT64_MAX;
	if (alloc_cb != NULL)
		rc = jr_centre_rows(c, S_ALLOC_IDS, alloc_row, &w, "summary", eb);
	if (rc == JR_OK && decree_cb != NULL)
		rc = jr_centre_rows(c, S_DECREE_NUMBERS, decree_row, &w, "summary", eb);
	if (rc == JR_OK && district_cb != NULL) {
		rc = jr_centre_rows(c, S_DISTRICT_PHASES, district_row, &w, "summary", eb);
		if (rc == JR_OK && w.d.district != UINT64_MAX)
			rc = district_cb(arg, &w.d);
	}
	return rc;
}
