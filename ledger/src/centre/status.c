/*
 * status.c — what the centre tells one kiosk about its registrations
 * (jr_centre_statuses; docs/centre.md "Statuses for a kiosk"): one
 * jaring/status.h item per registration, streamed in (height, regid) order
 * from the registration table, so memory stays flat however many a kiosk
 * took. Review, decrees, payments and views refine it as they land.
 */
#include <string.h>

#include "centre_int.h"
#include "jaring/nik.h"

#define STATUS_COLS "regid, outcome, reasons, held, phase, approvals, viewed," \
	" district, decree"

static uint32_t popcount(uint32_t v)
{
	uint32_t n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

static uint32_t days_in(uint32_t y, uint32_t m)
{
	static const uint8_t d[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : d[m - 1];
}

/* The latest decree period of regid and the last month paid without a gap
 * from its start. */
static int decreed(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *s)
{
	static const char qp[] = "SELECT start, end FROM recipient WHERE regid = ?1"
		" ORDER BY start DESC LIMIT 1";
	static const char qm[] = "SELECT month FROM paid WHERE regid = ?1 AND month >= ?2"
		" AND month < ?3 ORDER BY month";
	sqlite3_stmt *st = NULL;
	uint32_t start = 0, end = 0, next, last;
	int rc = JR_EIO;

	if (sqlite3_prepare_v2(c->db, qp, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		start = (uint32_t)sqlite3_column_int64(st, 0);
		end = (uint32_t)sqlite3_column_int64(st, 1);
		rc = JR_OK;
	}
	(void)sqlite3_finalize(st);
	if (rc != JR_OK || end <= start)
		return JR_ECORRUPT;
	last = jr_centre_yyyymm(end - 1);
	s->protected_from = jr_centre_yyyymm(start) * 100 + 1;
	s->protected_to = last * 100 + days_in(last / 100, last % 100);
	if (sqlite3_prepare_v2(c->db, qm, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, start);
	(void)sqlite3_bind_int64(st, 3, end);
	next = start;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
		(uint32_t)sqlite3_column_int64(st, 0) == next)
		next++;
	(void)sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return JR_EIO;
	s->paid_through = next > start ? jr_centre_yyyymm(next - 1) : 0;
	s->state = s->paid_through != 0 ? JR_ST_PROTECTED : JR_ST_DECREED;
	return JR_OK;
}

static void reasons_of(sqlite3_stmt *st, struct jr_status *s)
{
	const uint8_t *rs = sqlite3_column_blob(st, 2);
	size_t n = (size_t)sqlite3_column_bytes(st, 2) / 2, i;

	for (i = 0; rs != NULL && i < n && i < JR_VERDICT_MAX; i++)
		s->reasons[i] = (enum jr_reason)((rs[2 * i] << 8) | rs[2 * i + 1]);
	s->n_reasons = rs != NULL ? i : 0;
}

static int from_row(struct jr_centre *c, sqlite3_stmt *st, struct jr_status *s)
{
	enum jr_centre_outcome outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 1);
	enum jr_centre_phase phase = (enum jr_centre_phase)sqlite3_column_int(st, 4);
	uint32_t approvals = (uint32_t)sqlite3_column_int64(st, 5);
	uint64_t district = (uint64_t)sqlite3_column_int64(st, 7);
	uint32_t req = jr_centre_policy_for(c, district)->required;

	memset(s, 0, sizeof *s);
	jr_centre_copy_blob(st, 0, s->regid, JR_REGID_BYTES);
	s->viewed = (uint32_t)sqlite3_column_int64(st, 6);
	if (sqlite3_column_int(st, 3) != 0 || outcome == JR_CO_HELD) {
		s->state = JR_ST_HELD;
		return JR_OK;
	}
	switch (phase) {
	case JR_PH_REVIEW:
	case JR_PH_DECREED:
		s->approvals = popcount(approvals & req);
		s->agencies = popcount(req);
		s->state = s->approvals == s->agencies ? JR_ST_APPROVED : JR_ST_IN_REVIEW;
		if (phase == JR_PH_REVIEW)
			return JR_OK;
		{
			const unsigned char *t = sqlite3_column_text(st, 8);
			size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, 8) : 0;

			if (n > JR_STATUS_DECREE_MAX)
				return JR_ECORRUPT;
			if (n > 0)
				memcpy(s->decree, t, n);
		}
		return decreed(c, s->regid, s);
	case JR_PH_RETURNED:
		s->state = JR_ST_RETURNED;
		reasons_of(st, s);
		return JR_OK;
	case JR_PH_REJECTED:
	case JR_PH_HELD:
		break;
	}
	/* Duplicate: reason 401. Unopenable: signed by the kiosk but not
	 * openable with any consortium key, so nothing in it could be checked;
	 * no reason, the worker registers again. Ineligible: 402 or 403. */
	s->state = JR_ST_REJECTED;
	if (outcome == JR_CO_DUPLICATE) {
		s->reasons[0] = JR_R_ALREADY_REGISTERED;
		s->n_reasons = 1;
	} else if (outcome == JR_CO_INELIGIBLE) {
		reasons_of(st, s);
	}
	return JR_OK;
}

int jr_centre_statuses(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	jr_centre_status_cb cb, void *arg, uint64_t *count, struct jr_errbuf *eb)
{
	static const char q[] = "SELECT " STATUS_COLS " FROM registration"
		" WHERE kiosk = ?1 ORDER BY height, regid";
	sqlite3_stmt *st = NULL;
	struct jr_status s;
	uint64_t n = 0;
	int rc = JR_OK, sr;

	if (count != NULL)
		*count = 0;
	if (c == NULL || kiosk_id == NULL || cb == NULL)
		return jr_errf(eb, JR_EINVAL, "centre statuses: no state, kiosk or callback given");
	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre statuses: %s", sqlite3_errmsg(c->db));
	(void)sqlite3_bind_blob(st, 1, kiosk_id, JR_ID_BYTES, SQLITE_STATIC);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		rc = from_row(c, st, &s);
		if (rc != JR_OK) {
			rc = jr_errf(eb, rc, "centre statuses: a registration's decree rows are"
				" damaged; restore the state from another node");
			break;
		}
		rc = cb(arg, &s);
		if (rc != JR_OK)
			break;
		n++;
	}
	if (rc == JR_OK && sr != SQLITE_DONE)
		rc = jr_errf(eb, JR_EIO, "centre statuses: reading the registrations failed: %s",
			sqlite3_errmsg(c->db));
	(void)sqlite3_finalize(st);
	if (count != NULL)
		*count = n;
	return rc;
}

int jr_centre_status(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *out, struct jr_errbuf *eb)
{
	static const char q[] = "SELECT " STATUS_COLS " FROM registration WHERE leaf = "
		JR_CENTRE_LEAF_OF("?1");
	sqlite3_stmt *st = NULL;
	int rc, sr;

	memset(out, 0, sizeof *out);
	if (c == NULL || regid == NULL)
		return jr_errf(eb, JR_EINVAL, "centre status: no state or registration id given");
	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre status: %s", sqlite3_errmsg(c->db));
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	sr = sqlite3_step(st);
	if (sr == SQLITE_ROW)
		rc = from_row(c, st, out);
	else if (sr == SQLITE_DONE)
		rc = jr_errf(eb, JR_ENOTFOUND, "centre status: no registration with this id;"
			" its block may not have reached the centre yet");
	else
		rc = jr_errf(eb, JR_EIO, "centre status: %s", sqlite3_errmsg(c->db));
	(void)sqlite3_finalize(st);
	return rc;
}
