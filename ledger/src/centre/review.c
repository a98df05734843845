/*
 * Review and personal-data views (docs/centre.md "Review act", "View act"):
 * an agency of the verification team approves, returns with reason codes or
 * comments on registrations, and records that an official viewed their
 * personal data. One leaf per registration named, after the act's own leaf.
 */
#include <string.h>

#include "acts_int.h"

struct review {
	uint64_t verb;
	size_t n, at;
	struct jr_verdict reasons;
	const char *comment;
	size_t comment_len;
};

static bool reasons_read(struct jr_cbr *r, struct jr_verdict *v)
{
	size_t n = 0, i;

	memset(v, 0, sizeof *v);
	if (jr_cbr_key(r, 5) != JR_OK || jr_cbr_array(r, &n) != JR_OK || n > JR_VERDICT_MAX)
		return false;
	for (i = 0; i < n; i++) {
		uint64_t code = 0;

		if (jr_cbr_uint(r, &code) != JR_OK || code > 999 ||
			jr_reason_name((enum jr_reason)code) == NULL ||
			(i > 0 && code <= (uint64_t)v->reasons[i - 1]))
			return false;
		v->reasons[i] = (enum jr_reason)code;
	}
	v->n = n;
	return true;
}

static bool comment_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

int jr_act_comment_commit(const uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES],
	const char *text, size_t len, uint8_t out[JR_HASH_BYTES])
{
	struct jr_part parts[2] = { { salt, JR_CENTRE_COMMENT_SALT_BYTES },
		{ (const uint8_t *)text, len } };

	return jr_hash_labelled(JR_CENTRE_COMMENT_LABEL, parts, 2, out, JR_HASH_BYTES);
}

/* A comment's opening [salt bstr 32, text 1..280] against the commitment
 * its body signs: the text into rv if it matches. */
static bool opening_read(const struct jr_act *a, const uint8_t *commit, struct review *rv)
{
	uint8_t got[JR_HASH_BYTES];
	const uint8_t *salt = NULL;
	size_t n = 0, slen = 0;
	struct jr_cbr r;

	jr_cbr_init(&r, a->opening, a->opening_len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 || jr_cbr_bytes(&r, &salt, &slen) != JR_OK ||
		slen != JR_CENTRE_COMMENT_SALT_BYTES ||
		jr_cbr_text(&r, &rv->comment, &rv->comment_len) != JR_OK ||
		jr_cbr_end(&r) != JR_OK || rv->comment_len == 0 ||
		rv->comment_len > JR_CENTRE_COMMENT_MAX || !comment_ok(rv->comment, rv->comment_len))
		return false;
	return jr_act_comment_commit(salt, rv->comment, rv->comment_len, got) == JR_OK &&
		memcmp(got, commit, JR_HASH_BYTES) == 0;
}

/* The body's keys 3..6, and a comment's opening. A node applies a comment
 * only with its text; a replay of the public export, which has only the
 * signed body, applies it without (the same leaves, no text kept). */
static bool review_read(const struct jr_centre *c, struct jr_act *a, struct review *rv)
{
	struct jr_cbr *r = &a->r;
	const uint8_t *commit = NULL;
	size_t clen = 0;

	memset(rv, 0, sizeof *rv);
	(void)jr_cbr_key_uint(r, 3, JR_REVIEW_COMMENT, &rv->verb);
	if (jr_act_id_list(r, 4, JR_REGID_BYTES, JR_CENTRE_MAX_ACT_REGS, false, &rv->n,
		&rv->at) != JR_OK || !reasons_read(r, &rv->reasons) ||
		jr_cbr_key(r, 6) != JR_OK || jr_cbr_bytes(r, &commit, &clen) != JR_OK ||
		a->keys != 7 || jr_cbr_end(r) != JR_OK || rv->verb == 0)
		return false;
	/* a return has reasons, a comment a commitment, an approval neither */
	if ((rv->verb == JR_REVIEW_RETURN) != (rv->reasons.n > 0) ||
		clen != (rv->verb == JR_REVIEW_COMMENT ? JR_HASH_BYTES : 0))
		return false;
	if (rv->verb != JR_REVIEW_COMMENT)
		return a->opening == NULL;
	if (a->opening == NULL)
		return c->replay;
	return opening_read(a, commit, rv);
}

/* Sets bits in the approvals or views of the registration g found. */
static int reg_update(struct jr_centre *c, enum jr_centre_stmt s, const struct jr_creg *g,
	uint32_t bits)
{
	sqlite3_stmt *st = jr_centre_stmt(c, s);

	(void)sqlite3_bind_int64(st, 1, g->leaf);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)bits);
	return jr_centre_step_done(c, s);
}

static int do_return(struct jr_centre *c, const struct jr_creg *g,
	const struct jr_verdict *v)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_REG_PHASE);
	uint8_t reasons[2 * JR_VERDICT_MAX];
	size_t i;

	for (i = 0; i < v->n; i++) {
		reasons[2 * i] = (uint8_t)((unsigned)v->reasons[i] >> 8);
		reasons[2 * i + 1] = (uint8_t)v->reasons[i];
	}
	(void)sqlite3_bind_blob(st, 1, g->regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 2, JR_PH_RETURNED);
	(void)sqlite3_bind_int(st, 3, (int)g->outcome);
	(void)sqlite3_bind_blob(st, 4, reasons, (int)(2 * v->n), SQLITE_STATIC);
	return jr_centre_step_done(c, S_REG_PHASE);
}

static int do_comment(struct jr_centre *c, const struct jr_act *a,
	const uint8_t regid[JR_REGID_BYTES], const struct review *rv)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_COMMENT_PUT);

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 3, (int)a->m.agency);
	/* a replay of the export has no text: an empty one is kept */
	(void)sqlite3_bind_text(st, 4, rv->comment != NULL ? rv->comment : "",
		(int)rv->comment_len, SQLITE_STATIC);
	return jr_centre_step_done(c, S_COMMENT_PUT);
}

/* What the act does to one registration; *st its status. */
static int review_one(struct jr_centre *c, const struct jr_act *a, const struct review *rv,
	const uint8_t regid[JR_REGID_BYTES], enum jr_centre_status *st)
{
	uint32_t bit = 1u << a->m.agency;
	struct jr_creg g;
	bool found = false;
	int rc;

	*st = JR_CS_APPLIED;
	if (rv->verb == JR_REVIEW_APPROVE) {
		sqlite3_stmt *u = jr_centre_stmt(c, S_REG_APPROVE_IF);

		(void)sqlite3_bind_blob(u, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(u, 2, (sqlite3_int64)bit);
		(void)sqlite3_bind_int64(u, 3, (sqlite3_int64)a->m.region);
		rc = jr_centre_step_done(c, S_REG_APPROVE_IF);
		if (rc != JR_OK || sqlite3_changes(c->db) == 1)
			return rc;
	}
	rc = jr_centre_reg_get(c, regid, &g, &found);
	if (rc != JR_OK)
		return rc;
	if (!found)
		*st = JR_CS_UNKNOWN_REGISTRATION;
	else if (!jr_region_within(g.district, a->m.region))
		*st = JR_CS_OUT_OF_REGION;
	else if (rv->verb == JR_REVIEW_COMMENT)
		return do_comment(c, a, regid, rv);
	else if (g.phase != JR_PH_REVIEW || g.held)
		*st = JR_CS_NOT_IN_REVIEW;
	else if (rv->verb == JR_REVIEW_APPROVE && (g.approvals & bit) != 0)
		*st = JR_CS_ALREADY_DONE;
	else if (rv->verb == JR_REVIEW_APPROVE)
		return reg_update(c, S_REG_APPROVE, &g, bit);
	else
		return do_return(c, &g, &rv->reasons);
	return JR_OK;
}

int jr_act_review(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	static const uint32_t perm[4] = { 0, JR_PERM_APPROVE, JR_PERM_RETURN, JR_PERM_COMMENT };
	enum jr_centre_status st;
	struct review rv;
	struct jr_cbr it;
	size_t i;
	int rc;

	if (!review_read(c, a, &rv))
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, perm[rv.verb], JR_ACT_TEAM);
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	rc = jr_act_accept(c, a, rv.n, res);
	jr_cbr_init(&it, a->body, a->body_len);
	it.off = rv.at;
	for (i = 0; i < rv.n && rc == JR_OK; i++) {
		const uint8_t *regid = jr_act_next_id(&it);

		rc = review_one(c, a, &rv, regid, &st);
		if (rc == JR_OK)
			rc = jr_act_item(c, a, (uint32_t)rv.verb, regid, st, &rv.reasons, res);
	}
	return rc;
}

int jr_act_view(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	enum jr_centre_status st;
	struct jr_cbr it;
	size_t n = 0, at = 0, i;
	int rc;

	if (jr_act_id_list(&a->r, 3, JR_REGID_BYTES, JR_CENTRE_MAX_ACT_REGS, false, &n,
		&at) != JR_OK || a->keys != 4 || jr_cbr_end(&a->r) != JR_OK)
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, JR_PERM_VIEW_PERSONAL, JR_ACT_TEAM);
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	rc = jr_act_accept(c, a, n, res);
	jr_cbr_init(&it, a->body, a->body_len);
	it.off = at;
	for (i = 0; i < n && rc == JR_OK; i++) {
		const uint8_t *regid = jr_act_next_id(&it);
		struct jr_creg g;
		bool found = false;

		rc = jr_centre_reg_get(c, regid, &g, &found);
		if (rc != JR_OK)
			break;
		st = !found ? JR_CS_UNKNOWN_REGISTRATION
			: !jr_region_within(g.district, a->m.region) ? JR_CS_OUT_OF_REGION
			: JR_CS_APPLIED;
		if (st == JR_CS_APPLIED)
			rc = reg_update(c, S_REG_VIEW, &g, 1u << a->m.agency);
		if (rc == JR_OK)
			rc = jr_act_item(c, a, 0, regid, st, NULL, res);
	}
	return rc;
}
