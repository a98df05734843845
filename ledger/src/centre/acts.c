/*
 * Signed acts (docs/centre.md "Acts"): the envelope every act kind shares,
 * the signer's key from the roster, replays, refusals with their leaves, and
 * the dispatch to each kind's rules.
 *
 * For an act entry, in this order:
 *   1. the payload is [body bstr, sig bstr 64] (else MALFORMED, named by
 *      the hash of the payload);
 *   2. act id = BLAKE2b-256(body): an id applied before is a no-op;
 *   3. the body opens as a canonical map of version 1 with key 1 the
 *      signer's key id and key 2 its claimed time (else MALFORMED);
 *   4. the signer is on the roster (else UNKNOWN_KEY) and its key verifies
 *      the signature under the kind's domain (else BAD_SIGNATURE);
 *   5. the kind's own rules: the rest of the body, the signer's role,
 *      agency, permission and region, and what the state allows.
 * A refusal is recorded once per (act id, status), with a leaf; the same
 * act sent again after the state changed may be applied then.
 */
#include <stdlib.h>
#include <string.h>

#include "acts_int.h"

#define ACT_BODY_MAX ((size_t)4 << 20)

struct act_kind {
	const char *domain;
	int (*apply)(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
};

static const struct act_kind KINDS[JR_CENTRE_KIND_MAX + 1] = {
	[JR_CENTRE_POLICY] = { JR_CENTRE_POLICY_DOMAIN, jr_act_policy },
	[JR_CENTRE_REVIEW] = { JR_CENTRE_REVIEW_DOMAIN, jr_act_review },
	[JR_CENTRE_VIEW] = { JR_CENTRE_VIEW_DOMAIN, jr_act_view },
	[JR_CENTRE_DECREE] = { JR_CENTRE_DECREE_DOMAIN, jr_act_decree },
	[JR_CENTRE_ALLOCATION] = { JR_CENTRE_ALLOCATION_DOMAIN, jr_act_allocation },
	[JR_CENTRE_PAYMENT] = { JR_CENTRE_PAYMENT_DOMAIN, jr_act_payment },
	[JR_CENTRE_REFLIST] = { JR_CENTRE_REFLIST_DOMAIN, jr_act_reflist },
};

enum jr_centre_status jr_act_permit(const struct jr_act *a, uint32_t perms,
	uint32_t agencies)
{
	if (a->m.revoked_from != 0)
		return JR_CS_REVOKED;
	if (a->m.role != JR_ROLE_OFFICIAL || a->m.agency > JR_AGENCY_MAX ||
		(agencies & (1u << a->m.agency)) == 0 || (a->m.perms & perms) != perms)
		return JR_CS_NOT_PERMITTED;
	return 0;
}

int jr_act_refuse(struct jr_centre *c, const struct jr_act *a,
	enum jr_centre_status st, const uint8_t *subject, struct jr_centre_result *res)
{
	struct jr_buf leaf = { 0 };
	bool is_new = false;
	int rc = jr_centre_refusal_put(c, a->signer, (uint64_t)a->kind, a->id, st, &is_new);

	res->refused = true;
	res->acts_refused++;
	res->act_status = st;
	if (rc != JR_OK || !is_new)
		return rc;
	rc = jr_centre_leaf_act(a->id, a->kind, a->signer, st, 0, subject, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	res->changed = true;
	return rc;
}

int jr_act_accept(struct jr_centre *c, const struct jr_act *a, uint64_t n,
	struct jr_centre_result *res)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_ACT_PUT);
	struct jr_buf leaf = { 0 };
	int rc;

	(void)sqlite3_bind_blob(st, 1, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 2, (int)a->kind);
	(void)sqlite3_bind_blob(st, 3, a->signer, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)c->tlog_size);
	(void)sqlite3_bind_blob(st, 5, a->payload, (int)a->payload_len, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_ACT_PUT);
	if (rc == JR_OK)
		rc = jr_centre_leaf_act(a->id, a->kind, a->signer, JR_CS_APPLIED, n, NULL, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	res->acts_applied++;
	res->act_status = JR_CS_APPLIED;
	res->changed = true;
	return rc;
}

int jr_act_item(struct jr_centre *c, const struct jr_act *a, uint32_t verb,
	const uint8_t regid[JR_REGID_BYTES], enum jr_centre_status st,
	const struct jr_verdict *v, struct jr_centre_result *res)
{
	struct jr_buf leaf = { 0 };
	int rc = jr_centre_leaf_item(a->id, a->kind, verb, a->m.agency, regid, st,
		st == JR_CS_APPLIED ? v : NULL, &leaf);

	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	if (st == JR_CS_APPLIED)
		res->items_applied++;
	else
		res->items_refused++;
	return rc;
}

int jr_act_id_list(struct jr_cbr *r, uint64_t key, size_t size, size_t max,
	bool empty_ok, size_t *n, size_t *at)
{
	*n = 0;
	*at = 0;
	if (jr_cbr_key(r, key) != JR_OK)
		return JR_EFORMAT;
	return jr_act_ids(r, size, max, empty_ok, n, at);
}

int jr_act_ids(struct jr_cbr *r, size_t size, size_t max, bool empty_ok, size_t *n,
	size_t *at)
{
	const uint8_t *prev = NULL;
	size_t i;

	*n = 0;
	*at = 0;
	if (jr_cbr_array(r, n) != JR_OK || *n > max || (*n == 0 && !empty_ok))
		return JR_EFORMAT;
	*at = r->off;
	for (i = 0; i < *n; i++) {
		const uint8_t *p = NULL;
		size_t len = 0;

		if (jr_cbr_bytes(r, &p, &len) != JR_OK || len != size ||
			(prev != NULL && memcmp(prev, p, size) >= 0))
			return JR_EFORMAT;
		prev = p;
	}
	return JR_OK;
}

const uint8_t *jr_act_next_id(struct jr_cbr *r)
{
	const uint8_t *p = NULL;
	size_t len = 0;

	return jr_cbr_bytes(r, &p, &len) == JR_OK ? p : NULL;
}

int jr_act_name(struct jr_cbr *r, uint64_t key, char *out, size_t max)
{
	const char *s = NULL;
	size_t n = 0, i;

	out[0] = '\0';
	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_text(r, &s, &n) != JR_OK || n < 1 || n > max)
		return JR_EFORMAT;
	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return JR_EFORMAT;
	memcpy(out, s, n);
	out[n] = '\0';
	return JR_OK;
}

static int fill_member(sqlite3_stmt *st, void *arg)
{
	struct jr_cmember *m = arg;

	jr_centre_copy_blob(st, 0, m->sign_pk, JR_SIGN_PK_BYTES);
	m->role = (enum jr_role)sqlite3_column_int(st, 1);
	m->agency = (uint32_t)sqlite3_column_int(st, 2);
	m->region = (uint64_t)sqlite3_column_int64(st, 3);
	m->perms = (uint32_t)sqlite3_column_int64(st, 4);
	m->revoked_from = (uint64_t)sqlite3_column_int64(st, 5);
	return JR_OK;
}

static int member_get(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_cmember *m, bool *found)
{
	int rc;

	memset(m, 0, sizeof *m);
	(void)sqlite3_bind_blob(jr_centre_stmt(c, S_MEMBER_GET), 1, id, JR_ID_BYTES,
		SQLITE_STATIC);
	rc = jr_centre_row(c, S_MEMBER_GET, fill_member, m);
	*found = rc == JR_OK;
	return rc == JR_ENOTFOUND ? JR_OK : rc;
}

int jr_centre_member(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_roster_member *out)
{
	struct jr_cmember m;
	bool found = false;
	int rc = member_get(c, id, &m, &found);

	memset(out, 0, sizeof *out);
	if (rc != JR_OK || !found)
		return rc != JR_OK ? rc : JR_ENOTFOUND;
	memcpy(out->id, id, JR_ID_BYTES);
	memcpy(out->sign_pk, m.sign_pk, JR_SIGN_PK_BYTES);
	out->role = m.role;
	out->agency = m.agency;
	out->region = m.region;
	out->perms = m.perms;
	out->revoked_from = m.revoked_from;
	return JR_OK;
}

static int act_known(struct jr_centre *c, const uint8_t id[JR_HASH_BYTES], bool *known)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_ACT_GET);
	int rc;

	(void)sqlite3_bind_blob(st, 1, id, JR_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* Step 1: false if the bytes are not an act of this shape. A review act
 * may carry a third element, a comment's opening, read by review.c. */
static bool act_open(struct jr_act *a, const uint8_t **sig)
{
	struct jr_cbr r;
	size_t n = 0, slen = 0, at;

	jr_cbr_init(&r, a->payload, a->payload_len);
	if (jr_cbr_array(&r, &n) != JR_OK || n < 2 || n > 3 ||
		(n == 3 && a->kind != JR_CENTRE_REVIEW) ||
		jr_cbr_bytes(&r, &a->body, &a->body_len) != JR_OK ||
		jr_cbr_bytes(&r, sig, &slen) != JR_OK || slen != JR_SIG_BYTES ||
		a->body_len == 0 || a->body_len > ACT_BODY_MAX)
		return false;
	at = r.off;
	if (n == 3 && jr_cbr_skip(&r) == JR_OK) {
		a->opening = a->payload + at;
		a->opening_len = r.off - at;
	}
	if (jr_cbr_end(&r) != JR_OK)
		return false;
	jr_hash(a->body, a->body_len, a->id);
	return true;
}

static bool act_head(struct jr_act *a)
{
	if (jr_cbr_open_versioned(&a->r, a->body, a->body_len, ACT_BODY_MAX, "act",
		JR_CENTRE_ACT_VERSION, &a->keys, NULL) != JR_OK || a->keys < 3)
		return false;
	(void)jr_cbr_key_fixed(&a->r, 1, a->signer, JR_ID_BYTES);
	return jr_cbr_key_uint(&a->r, 2, INT64_MAX, &a->issued) == JR_OK;
}

int jr_centre_apply_act(struct jr_centre *c, enum jr_centre_kind kind,
	const uint8_t *p, size_t len, struct jr_centre_result *res)
{
	const struct act_kind *k = &KINDS[kind];
	const uint8_t *sig = NULL;
	struct jr_act a;
	bool known = false, found = false;
	int rc;

	memset(&a, 0, sizeof a);
	a.kind = kind;
	a.payload = p;
	a.payload_len = len;
	if (k->apply == NULL) {
		res->refused = true; /* a kind this build does not know: as a whole */
		res->act_status = JR_CS_MALFORMED;
		return JR_OK;
	}
	if (!act_open(&a, &sig)) {
		jr_hash(p, len, a.id);
		return jr_act_refuse(c, &a, JR_CS_MALFORMED, NULL, res);
	}
	rc = act_known(c, a.id, &known);
	if (rc != JR_OK)
		return rc;
	if (known) {
		res->acts_replayed++;
		res->act_status = JR_CS_APPLIED;
		return JR_OK;
	}
	if (!act_head(&a)) {
		memset(a.signer, 0, sizeof a.signer);
		return jr_act_refuse(c, &a, JR_CS_MALFORMED, NULL, res);
	}
	rc = member_get(c, a.signer, &a.m, &found);
	if (rc != JR_OK)
		return rc;
	if (!found)
		return jr_act_refuse(c, &a, JR_CS_UNKNOWN_KEY, NULL, res);
	if (jr_verify_hash(a.m.sign_pk, k->domain, a.id, sig) != JR_OK)
		return jr_act_refuse(c, &a, JR_CS_BAD_SIGNATURE, NULL, res);
	return k->apply(c, &a, res);
}
