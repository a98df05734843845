/*
 * Reference lists (docs/centre.md "Reference list act"): the wage-earner
 * participants of BPJS Ketenagakerjaan and the DTKS matches, as sets of
 * worker pseudonyms, never NIKs. A list comes in parts; once every part of
 * a serial is applied it replaces the list before, and the registrations in
 * review that the new list makes ineligible are re-judged, in regid order,
 * each with a new registration leaf. The third kind, BPJS
 * Ketenagakerjaan's payment confirmations, is one list per month (serial
 * YYYYMM), kept beside the others: it decides nothing in the contract, it
 * is what jaring-admin reconciles the payments against.
 */
#include <string.h>

#include "acts_int.h"

struct reflist {
	uint64_t kind, serial, part, parts;
	size_t n, at;
};

static bool reflist_read(struct jr_act *a, struct reflist *l)
{
	memset(l, 0, sizeof *l);
	uint32_t month;

	(void)jr_cbr_key_uint(&a->r, 3, JR_REFLIST_PAYMENTS, &l->kind);
	(void)jr_cbr_key_uint(&a->r, 4, INT64_MAX, &l->serial);
	(void)jr_cbr_key_uint(&a->r, 5, JR_CENTRE_MAX_PARTS - 1, &l->part);
	(void)jr_cbr_key_uint(&a->r, 6, JR_CENTRE_MAX_PARTS, &l->parts);
	if (a->r.err != JR_OK || jr_act_id_list(&a->r, 7, JR_CENTRE_PSEUDONYM_BYTES,
		JR_CENTRE_MAX_LIST, true, &l->n, &l->at) != JR_OK)
		return false;
	return a->keys == 8 && jr_cbr_end(&a->r) == JR_OK && l->kind != 0 &&
		l->serial != 0 && l->parts != 0 && l->part < l->parts &&
		(l->kind != JR_REFLIST_PAYMENTS ||
			(l->serial <= UINT32_MAX && jr_centre_month((uint32_t)l->serial, &month)));
}

/* The parts of (kind, serial) in: *st DUPLICATE_ID or LIST_MISMATCH if this
 * one cannot join them; *seen how many there are. */
static int parts_in(struct jr_centre *c, const struct reflist *l,
	enum jr_centre_status *st, uint64_t *seen)
{
	sqlite3_stmt *s = jr_centre_stmt(c, S_REFPART_GET);
	int rc = JR_OK, step;

	*st = 0;
	*seen = 0;
	(void)sqlite3_bind_int(s, 1, (int)l->kind);
	(void)sqlite3_bind_int64(s, 2, (sqlite3_int64)l->serial);
	while ((step = sqlite3_step(s)) == SQLITE_ROW) {
		uint64_t part = (uint64_t)sqlite3_column_int64(s, 0);
		uint64_t parts = (uint64_t)sqlite3_column_int64(s, 1);

		if (part == l->part && *st == 0)
			*st = JR_CS_DUPLICATE_ID;
		if (parts != l->parts && *st == 0)
			*st = JR_CS_LIST_MISMATCH;
		(*seen)++;
	}
	if (step != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_reset(s);
	(void)sqlite3_clear_bindings(s);
	return rc;
}

static int store_part(struct jr_centre *c, const struct jr_act *a, const struct reflist *l)
{
	sqlite3_stmt *s = jr_centre_stmt(c, S_REF_PUT);
	struct jr_cbr it;
	size_t i;
	int rc = JR_OK;

	jr_cbr_init(&it, a->body, a->body_len);
	it.off = l->at;
	for (i = 0; i < l->n && rc == JR_OK; i++) {
		(void)sqlite3_bind_int(s, 1, (int)l->kind);
		(void)sqlite3_bind_int64(s, 2, (sqlite3_int64)l->serial);
		(void)sqlite3_bind_blob(s, 3, jr_act_next_id(&it), JR_CENTRE_PSEUDONYM_BYTES,
			SQLITE_STATIC);
		rc = jr_centre_step_done(c, S_REF_PUT);
	}
	if (rc != JR_OK)
		return rc;
	s = jr_centre_stmt(c, S_REFPART_PUT);
	(void)sqlite3_bind_int(s, 1, (int)l->kind);
	(void)sqlite3_bind_int64(s, 2, (sqlite3_int64)l->serial);
	(void)sqlite3_bind_int64(s, 3, (sqlite3_int64)l->part);
	(void)sqlite3_bind_int64(s, 4, (sqlite3_int64)l->parts);
	(void)sqlite3_bind_int64(s, 5, (sqlite3_int64)l->n);
	(void)sqlite3_bind_blob(s, 6, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	return jr_centre_step_done(c, S_REFPART_PUT);
}

static int exec_kind_serial(struct jr_centre *c, const char *q, uint64_t kind,
	uint64_t serial)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_int(st, 1, (int)kind);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)serial);
	if (sqlite3_bind_parameter_count(st) >= 3) /* a claim's tag length */
		(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)c->claim_tag);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

/* Re-judges the registrations gathered in temp.rejudge, in regid order. The
 * set is gathered first so that no table is changed under a running read. */
static int rejudge(struct jr_centre *c, enum jr_reflist kind, struct jr_centre_result *res)
{
	enum jr_reason why = kind == JR_REFLIST_WAGE_EARNERS ? JR_R_WAGE_EARNER
		: JR_R_NOT_IN_DTKS;
	sqlite3_stmt *st = NULL;
	int rc = JR_OK, s;

	if (sqlite3_prepare_v2(c->db, "SELECT regid FROM temp.rejudge ORDER BY regid", -1,
		&st, NULL) != SQLITE_OK)
		return JR_EIO;
	while (rc == JR_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t regid[JR_REGID_BYTES];
		struct jr_creg g;
		bool found = false;

		jr_centre_copy_blob(st, 0, regid, JR_REGID_BYTES);
		rc = jr_centre_reg_get(c, regid, &g, &found);
		if (rc != JR_OK || !found || g.phase != JR_PH_REVIEW || g.held)
			continue;
		if (kind == JR_REFLIST_DTKS && !jr_centre_policy_for(c, g.district)->dtks)
			continue;
		rc = jr_centre_reg_ineligible(c, &g, why);
		res->regs_ineligible++;
	}
	if (rc == JR_OK && s != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_finalize(st);
	if (sqlite3_exec(c->db, "DELETE FROM temp.rejudge", NULL, NULL, NULL) != SQLITE_OK &&
		rc == JR_OK)
		rc = JR_EIO;
	return rc;
}

/* Serial `serial` is complete: it becomes the list of its kind. */
static int make_current(struct jr_centre *c, const struct reflist *l,
	struct jr_centre_result *res)
{
	/* the workers on the list that a registration holds (worker.c) */
	static const char gather_wage[] = "INSERT OR IGNORE INTO temp.rejudge"
		" SELECT r.regid FROM refentry e JOIN claim w ON w.tag = substr(e.pseudonym, 1, ?3)"
		" JOIN registration r ON r.leaf = w.leaf AND r.pseudonym = e.pseudonym"
		" WHERE e.kind = ?1 AND e.serial = ?2 UNION ALL"
		" SELECT r.regid FROM refentry e JOIN claim_recent w"
		" ON w.tag = substr(e.pseudonym, 1, ?3)"
		" JOIN registration r ON r.leaf = w.leaf AND r.pseudonym = e.pseudonym"
		" WHERE e.kind = ?1 AND e.serial = ?2 UNION ALL"
		" SELECT r.regid FROM refentry e JOIN claim_more m ON m.pseudonym = e.pseudonym"
		" JOIN registration r ON r.leaf = m.leaf WHERE e.kind = ?1 AND e.serial = ?2";
	static const char gather_dtks[] = "INSERT OR IGNORE INTO temp.rejudge"
		" SELECT r.regid FROM registration r WHERE r.phase = 1 AND r.held = 0 AND"
		" NOT EXISTS (SELECT 1 FROM refentry e WHERE e.kind = ?1 AND e.serial = ?2"
		" AND e.pseudonym = r.pseudonym)";
	int rc = exec_kind_serial(c, "DELETE FROM refentry WHERE kind = ?1 AND serial < ?2",
		l->kind, l->serial);

	if (rc != JR_OK)
		return rc;
	c->ref_serial[l->kind] = l->serial;
	rc = exec_kind_serial(c, l->kind == JR_REFLIST_WAGE_EARNERS ? gather_wage : gather_dtks,
		l->kind, l->serial);
	return rc == JR_OK ? rejudge(c, (enum jr_reflist)l->kind, res) : rc;
}

int jr_act_reflist(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	enum jr_centre_status st;
	struct reflist l;
	uint64_t seen = 0;
	int rc;

	if (!reflist_read(a, &l))
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	/* Each list is signed by the agency that owns it: BPJS Ketenagakerjaan
	 * its participants, Dukcapil the DTKS matches (its NIK matching). */
	st = jr_act_permit(a, JR_PERM_REFLIST, l.kind == JR_REFLIST_DTKS ?
		1u << JR_AGENCY_DUKCAPIL : 1u << JR_AGENCY_BPJSTK);
	if (st == 0 && l.kind != JR_REFLIST_PAYMENTS && l.serial <= c->ref_serial[l.kind])
		st = JR_CS_STALE_LIST;
	if (st == 0 && (rc = parts_in(c, &l, &st, &seen)) != JR_OK)
		return rc;
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	rc = jr_act_accept(c, a, l.n, res);
	if (rc == JR_OK)
		rc = store_part(c, a, &l);
	if (rc == JR_OK && seen + 1 == l.parts && l.kind != JR_REFLIST_PAYMENTS)
		rc = make_current(c, &l, res);
	return rc;
}
