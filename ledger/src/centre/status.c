/*
 * status.c — what the centre tells one kiosk about its registrations
 * (jr_centre_statuses; docs/centre.md "Statuses for a kiosk"): one
 * jaring/status.h item per registration, streamed in (height, regid) order
 * from the registration table, so memory stays flat however many a kiosk
 * took.
 */
#include <string.h>

#include "centre_int.h"

static void from_row(sqlite3_stmt *st, struct jr_status *s)
{
	const uint8_t *rs = sqlite3_column_blob(st, 2);
	size_t n = (size_t)sqlite3_column_bytes(st, 2) / 2, i;
	enum jr_centre_outcome outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 1);

	memset(s, 0, sizeof *s);
	if (sqlite3_column_bytes(st, 0) == JR_REGID_BYTES)
		memcpy(s->regid, sqlite3_column_blob(st, 0), JR_REGID_BYTES);
	if (sqlite3_column_int(st, 3) != 0 || outcome == JR_CO_HELD) {
		s->state = JR_ST_HELD;
		return;
	}
	switch (outcome) {
	case JR_CO_ACCEPTED:
		s->state = JR_ST_RECEIVED;
		break;
	case JR_CO_RETURNED:
		s->state = JR_ST_RETURNED;
		for (i = 0; i < n && i < JR_VERDICT_MAX; i++)
			s->reasons[i] = (enum jr_reason)((rs[2 * i] << 8) | rs[2 * i + 1]);
		s->n_reasons = i;
		break;
	case JR_CO_DUPLICATE:
		s->state = JR_ST_REJECTED;
		s->reasons[0] = JR_R_ALREADY_REGISTERED;
		s->n_reasons = 1;
		break;
	case JR_CO_UNOPENABLE:
	case JR_CO_HELD:
		/* Signed by the kiosk but not openable with the consortium key:
		 * nothing in it can be checked; the worker registers again. */
		s->state = JR_ST_REJECTED;
		break;
	}
}

int jr_centre_statuses(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	jr_centre_status_cb cb, void *arg, uint64_t *count, struct jr_errbuf *eb)
{
	static const char q[] =
		"SELECT regid, outcome, reasons, held FROM registration"
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
		from_row(st, &s);
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
