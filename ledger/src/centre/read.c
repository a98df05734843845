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

/* Copies column 0 of the first row of q, its parameters bound to the blobs
 * given (n of them), into out. */
struct blob_arg {
	const void *p;
	size_t n;
};
static int one_blob(struct jr_centre *c, const char *q, const struct blob_arg *args,
	size_t n_args, struct jr_buf *out)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	out->base = NULL;
	out->len = 0;
	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	for (i = 0; i < n_args; i++)
		(void)sqlite3_bind_blob(st, (int)i + 1, args[i].p, (int)args[i].n, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		out->base = malloc(n > 0 ? n : 1);
		if (out->base == NULL) {
			rc = JR_ENOMEM;
		} else {
			if (n > 0)
				memcpy(out->base, sqlite3_column_blob(st, 0), n);
			out->len = n;
			rc = JR_OK;
		}
	} else {
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	}
	(void)sqlite3_finalize(st);
	return rc;
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

int jr_centre_roster_links(struct jr_centre *c, uint64_t below, struct jr_buf *links,
	size_t max, size_t *n, struct jr_errbuf *eb)
{
	uint8_t signer[JR_SIGN_PK_BYTES];
	sqlite3_stmt *st = NULL;
	int rc = JR_OK, step = SQLITE_DONE;

	*n = 0;
	memcpy(signer, c->key_pk[0], JR_SIGN_PK_BYTES);
	if (sqlite3_prepare_v2(c->db, "SELECT bytes FROM roster WHERE serial < ?1 ORDER BY serial",
		-1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "roster links: %s", sqlite3_errmsg(c->db));
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)below);
	while (rc == JR_OK && max > 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *p = sqlite3_column_blob(st, 0);
		size_t len = (size_t)sqlite3_column_bytes(st, 0);
		struct jr_roster r;

		if (jr_roster_open(p, len, signer, &r, NULL) != JR_OK) {
			rc = jr_errf(eb, JR_ECORRUPT, "roster links: an applied roster does not "
				"verify under the key its predecessor names: the state is damaged");
			break;
		}
		if (memcmp(r.consortium_pk, signer, JR_SIGN_PK_BYTES) != 0) {
			memcpy(signer, r.consortium_pk, JR_SIGN_PK_BYTES);
			if (keep_link(links, max, n, p, len) != JR_OK)
				rc = jr_errf(eb, JR_ENOMEM, "roster links: out of memory");
		}
		jr_roster_free(&r);
	}
	if (rc == JR_OK && max > 0 && step != SQLITE_DONE)
		rc = jr_errf(eb, JR_EIO, "roster links: %s", sqlite3_errmsg(c->db));
	(void)sqlite3_finalize(st);
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
	(void)sqlite3_bind_int64(c->st[S_LEAF_GET], 1, (sqlite3_int64)index);
	return jr_centre_row(c, S_LEAF_GET, fill_blob, out);
}

/* The signed block (wire form) applied at a block leaf's kiosk and height. */
static int block_signed(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_buf *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT body, sig FROM block WHERE kiosk = ?1 AND"
		" height = ?2 AND hash = ?3", -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, l->id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)l->n);
	(void)sqlite3_bind_blob(st, 3, l->hash, JR_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = sqlite3_column_bytes(st, 1) != JR_SIG_BYTES ? JR_ECORRUPT :
			jr_signed_block_encode(sqlite3_column_blob(st, 0),
				(size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 1), out);
	else
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

int jr_centre_leaf_signed(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_buf *out)
{
	const struct blob_arg a = { l->hash, JR_HASH_BYTES };

	out->base = NULL;
	out->len = 0;
	if (l->status != JR_CS_APPLIED)
		return JR_ENOTFOUND;
	if (l->type == JR_LEAF_ROSTER)
		return one_blob(c, "SELECT bytes FROM roster WHERE hash = ?1", &a, 1, out);
	if (l->type == JR_LEAF_ACT)
		return one_blob(c, "SELECT bytes FROM act WHERE id = ?1 AND length(bytes) > 0",
			&a, 1, out);
	if (l->type == JR_LEAF_BLOCK)
		return block_signed(c, l, out);
	return JR_ENOTFOUND;
}

/* Runs q (no parameters) and hands each row to cb. */
static int each_row(struct jr_centre *c, const char *q,
	int (*cb)(struct jr_centre *c, sqlite3_stmt *st, void *arg), void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc = JR_OK, s;

	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	while (rc == JR_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
		rc = cb(c, st, arg);
	if (rc == JR_OK && s != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

struct pending_walk {
	int (*cb)(void *arg, const uint8_t *entry, size_t len);
	void *arg;
};

static int pending_row(struct jr_centre *c, sqlite3_stmt *st, void *arg)
{
	const struct pending_walk *w = arg;
	struct jr_buf blk = { 0 }, entry = { 0 };
	int rc;

	(void)c;
	if (sqlite3_column_bytes(st, 1) != JR_SIG_BYTES)
		return JR_ECORRUPT;
	rc = jr_signed_block_encode(sqlite3_column_blob(st, 0),
		(size_t)sqlite3_column_bytes(st, 0), sqlite3_column_blob(st, 1), &blk);
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
	int rc = each_row(c, "SELECT body, sig FROM pending ORDER BY kiosk, height, hash",
		pending_row, &w);

	if (rc != JR_OK && rc != JR_EIO)
		return rc;
	return rc == JR_OK ? JR_OK : jr_errf(eb, rc, "pending blocks: cannot read them: %s",
		sqlite3_errmsg(c->db));
}

struct summary_walk {
	int (*alloc_cb)(void *arg, const struct jr_centre_allocation *a);
	int (*decree_cb)(void *arg, const struct jr_centre_decree_state *d);
	int (*district_cb)(void *arg, const struct jr_centre_district_count *d);
	void *arg;
	struct jr_centre_district_count d;
};

static int alloc_row(struct jr_centre *c, sqlite3_stmt *st, void *arg)
{
	const struct summary_walk *w = arg;
	struct jr_centre_allocation a;
	char id[JR_CENTRE_NAME_MAX + 1];
	int rc;

	jr_centre_text_into(st, 0, id, sizeof id);
	rc = jr_centre_allocation_get(c, id, &a);
	return rc == JR_OK ? w->alloc_cb(w->arg, &a) : rc;
}

static int decree_row(struct jr_centre *c, sqlite3_stmt *st, void *arg)
{
	const struct summary_walk *w = arg;
	struct jr_centre_decree_state d;
	char number[JR_CENTRE_NAME_MAX + 1];
	int rc;

	jr_centre_text_into(st, 0, number, sizeof number);
	rc = jr_centre_decree_get(c, number, &d);
	return rc == JR_OK ? w->decree_cb(w->arg, &d) : rc;
}

/* Rows (district, phase, count, viewed) in district order; one callback per
 * district once its last phase is in. */
static int district_row(struct jr_centre *c, sqlite3_stmt *st, void *arg)
{
	struct summary_walk *w = arg;
	uint64_t district = (uint64_t)sqlite3_column_int64(st, 0);
	int phase = sqlite3_column_int(st, 1);
	int rc = JR_OK;

	(void)c;
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
	struct summary_walk w = { alloc_cb, decree_cb, district_cb, arg, { 0 } };
	int rc = JR_OK;

	w.d.district = UINT64_MAX;
	if (alloc_cb != NULL)
		rc = each_row(c, "SELECT id FROM allocation ORDER BY id", alloc_row, &w);
	if (rc == JR_OK && decree_cb != NULL)
		rc = each_row(c, "SELECT number FROM decree ORDER BY number", decree_row, &w);
	if (rc == JR_OK && district_cb != NULL) {
		rc = each_row(c, "SELECT district, phase, count(*), sum(viewed != 0) FROM"
			" registration GROUP BY district, phase ORDER BY district, phase",
			district_row, &w);
		if (rc == JR_OK && w.d.district != UINT64_MAX)
			rc = district_cb(arg, &w.d);
	}
	if (rc == JR_EIO)
		return jr_errf(eb, rc, "summary: cannot read the state: %s", sqlite3_errmsg(c->db));
	return rc;
}
