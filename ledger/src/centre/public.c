/*
 * public.c — the centre's state as the public may see it (jaring/public.h):
 * counts per district and per agency, decrees, allocations, payments, who
 * viewed how many people's data, and the typed-code lookup.
 *
 * This file assumes (a) the reader's connection is read-only and used by
 * one thread at a time; (b) the schema is state.c's; (c) every figure is
 * read inside one transaction, so that the page never shows a decree
 * without the payments made before it.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"
#include "jaring/public.h"

struct jr_public_reader {
	sqlite3 *db;
};

int jr_public_open(const char *path, struct jr_public_reader **out, struct jr_errbuf *eb)
{
	struct jr_public_reader *r = calloc(1, sizeof *r);

	*out = NULL;
	if (r == NULL)
		return jr_errf(eb, JR_ENOMEM, "public figures: out of memory");
	if (sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		int rc = jr_errf(eb, JR_EIO, "public figures: cannot open %s: %s", path,
			r->db != NULL ? sqlite3_errmsg(r->db) : "out of memory");

		jr_public_close(r);
		return rc;
	}
	(void)sqlite3_busy_timeout(r->db, 2000);
	*out = r;
	return JR_OK;
}

void jr_public_close(struct jr_public_reader *r)
{
	if (r == NULL)
		return;
	(void)sqlite3_close(r->db);
	free(r);
}

static void text_to(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= cap)
		n = cap - 1;
	if (n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

static uint64_t u64(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	return v > 0 ? (uint64_t)v : 0;
}

/* Runs q and hands every row to fn, at most max rows (*more when there were
 * more). */
typedef void (*row_fn)(sqlite3_stmt *st, void *arg, size_t i);
static int each_row(struct jr_public_reader *r, const char *q, row_fn fn, void *arg,
	size_t max, size_t *n, bool *more)
{
	sqlite3_stmt *st = NULL;
	int sr;

	*n = 0;
	if (more != NULL)
		*more = false;
	if (sqlite3_prepare_v2(r->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == max) {
			if (more != NULL)
				*more = true;
			sr = SQLITE_DONE;
			break;
		}
		fn(st, arg, (*n)++);
	}
	(void)sqlite3_finalize(st);
	return sr == SQLITE_DONE ? JR_OK : JR_EIO;
}

static void row_totals(sqlite3_stmt *st, void *arg, size_t i)
{
	struct jr_public_figures *f = arg;

	(void)i;
	f->tlog_size = u64(st, 0);
	f->registrations = u64(st, 1);
	f->kiosks = u64(st, 2);
}

static void row_district(sqlite3_stmt *st, void *arg, size_t i)
{
	struct jr_public_figures *f = arg;
	struct jr_public_district *d = &f->districts[i];

	d->district = u64(st, 0);
	d->registered = u64(st, 1);
	d->review = u64(st, 2);
	d->returned = u64(st, 3);
	d->rejected = u64(st, 4);
	d->held = u64(st, 5);
	d->decreed = u64(st, 6);
	for (int a = 1; a <= JR_AGENCY_MAX; a++)
		f->viewed_by_agency[a] += u64(st, 6 + a);
}

static void row_decree(sqlite3_stmt *st, void *arg, size_t i)
{
	struct jr_centre_decree_state *d = &((struct jr_public_figures *)arg)->decrees[i];

	text_to(st, 0, d->number, sizeof d->number);
	text_to(st, 1, d->allocation, sizeof d->allocation);
	d->region = u64(st, 2);
	d->start = jr_centre_yyyymm((uint32_t)u64(st, 3));
	d->months = (uint32_t)u64(st, 4);
	d->count = u64(st, 5);
	d->rate_rp = u64(st, 6);
	d->cost_rp = u64(st, 7);
	d->paid_rp = u64(st, 8);
}

static void row_allocation(sqlite3_stmt *st, void *arg, size_t i)
{
	struct jr_centre_allocation *a = &((struct jr_public_figures *)arg)->allocations[i];

	text_to(st, 0, a->id, sizeof a->id);
	a->type = (enum jr_sponsor)u64(st, 1);
	text_to(st, 2, a->sponsor, sizeof a->sponsor);
	a->amount_rp = u64(st, 3);
	a->months = (uint32_t)u64(st, 4);
	a->region = u64(st, 5);
	a->committed_rp = u64(st, 6);
	a->paid_rp = u64(st, 7);
	a->decrees = u64(st, 8);
}

static void row_payment(sqlite3_stmt *st, void *arg, size_t i)
{
	struct jr_public_payment *p = &((struct jr_public_figures *)arg)->payments[i];

	text_to(st, 0, p->allocation, sizeof p->allocation);
	p->month = jr_centre_yyyymm((uint32_t)u64(st, 1));
	p->acts = u64(st, 2);
	p->recipients = u64(st, 3);
	p->amount_rp = u64(st, 4);
}

/* The number of registrations a view act names: key 3 of its body
 * (centre.h; review.c checked the shape when it applied the act). */
static uint64_t view_regs(const uint8_t *payload, size_t len)
{
	struct jr_cbr r, b;
	const uint8_t *body;
	size_t n = 0, blen = 0;

	jr_cbr_init(&r, payload, len);
	if (jr_cbr_array(&r, &n) != JR_OK || jr_cbr_bytes(&r, &body, &blen) != JR_OK)
		return 0;
	jr_cbr_init(&b, body, blen);
	if (jr_cbr_map(&b, &n) != JR_OK)
		return 0;
	for (uint64_t k = 0; k < 3; k++)
		if (jr_cbr_key(&b, k) != JR_OK || jr_cbr_skip(&b) != JR_OK)
			return 0;
	if (jr_cbr_key(&b, 3) != JR_OK || jr_cbr_array(&b, &n) != JR_OK)
		return 0;
	return n;
}

/* One row per (official, view act), official order: summed here so that
 * no act body is held longer than its row. */
static int viewers(struct jr_public_reader *r, struct jr_public_figures *f)
{
	static const char q[] = "SELECT a.signer, coalesce(m.agency, 0), a.bytes FROM act a"
		" LEFT JOIN member m ON m.id = a.signer WHERE a.kind = 5 ORDER BY a.signer";
	sqlite3_stmt *st = NULL;
	int sr;

	f->n_viewers = 0;
	f->viewers_more = false;
	if (sqlite3_prepare_v2(r->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		const uint8_t *id = sqlite3_column_blob(st, 0);
		struct jr_public_viewer *v = f->n_viewers > 0 ? &f->viewers[f->n_viewers - 1] : NULL;

		if (id == NULL || sqlite3_column_bytes(st, 0) != JR_ID_BYTES)
			continue;
		if (v == NULL || memcmp(v->official, id, JR_ID_BYTES) != 0) {
			if (f->n_viewers == JR_PUBLIC_MAX_ROWS) {
				f->viewers_more = true;
				sr = SQLITE_DONE;
				break;
			}
			v = &f->viewers[f->n_viewers++];
			memset(v, 0, sizeof *v);
			memcpy(v->official, id, JR_ID_BYTES);
			v->agency = (uint32_t)u64(st, 1);
		}
		v->acts++;
		v->registrations += view_regs(sqlite3_column_blob(st, 2),
			(size_t)sqlite3_column_bytes(st, 2));
	}
	(void)sqlite3_finalize(st);
	return sr == SQLITE_DONE ? JR_OK : JR_EIO;
}

int jr_public_read(struct jr_public_reader *r, struct jr_public_figures *f,
	struct jr_errbuf *eb)
{
	static const char q_totals[] = "SELECT (SELECT tlog_size FROM meta),"
		" (SELECT count(*) FROM registration), (SELECT count(*) FROM kiosk)";
	/* One pass over the registrations: phases per district, and the
	 * agencies that viewed (bit 1 << agency), summed over the districts. */
	static const char q_districts[] = "SELECT district, count(*),"
		" sum(phase = 1 AND held = 0), sum(phase = 2 AND held = 0),"
		" sum(phase = 3 AND held = 0), sum(phase = 4 OR held != 0),"
		" sum(phase = 5 AND held = 0), sum(viewed >> 1 & 1), sum(viewed >> 2 & 1),"
		" sum(viewed >> 3 & 1), sum(viewed >> 4 & 1), sum(viewed >> 5 & 1),"
		" sum(viewed >> 6 & 1), sum(viewed >> 7 & 1)"
		" FROM registration GROUP BY district ORDER BY district";
	static const char q_decrees[] = "SELECT number, allocation, region, start, months,"
		" count, rate, cost, paid FROM decree ORDER BY number";
	static const char q_allocations[] = "SELECT id, type, sponsor, amount, months, region,"
		" committed, paid, decrees FROM allocation ORDER BY id";
	static const char q_payments[] = "SELECT allocation, month, count(*), sum(count),"
		" sum(amount) FROM payment GROUP BY allocation, month ORDER BY allocation, month";
	size_t n = 0;
	int rc;

	memset(f, 0, sizeof *f);
	if (sqlite3_exec(r->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "public figures: %s", sqlite3_errmsg(r->db));
	rc = each_row(r, q_totals, row_totals, f, 1, &n, NULL);
	if (rc == JR_OK)
		rc = each_row(r, q_districts, row_district, f, JR_PUBLIC_MAX_DISTRICTS,
			&f->n_districts, &f->districts_more);
	if (rc == JR_OK)
		rc = each_row(r, q_decrees, row_decree, f, JR_PUBLIC_MAX_ROWS, &f->n_decrees,
			&f->decrees_more);
	if (rc == JR_OK)
		rc = each_row(r, q_allocations, row_allocation, f, JR_PUBLIC_MAX_ROWS,
			&f->n_allocations, &f->allocations_more);
	if (rc == JR_OK)
		rc = each_row(r, q_payments, row_payment, f, JR_PUBLIC_MAX_ROWS, &f->n_payments,
			&f->payments_more);
	if (rc == JR_OK)
		rc = viewers(r, f);
	if (rc != JR_OK)
		rc = jr_errf(eb, rc, "public figures: reading the state failed: %s",
			sqlite3_errmsg(r->db));
	(void)sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

/* The smallest and the largest registration id whose bits 0..44 are p. */
static void code_bounds(uint64_t p, uint8_t lo[JR_REGID_BYTES], uint8_t hi[JR_REGID_BYTES])
{
	uint64_t v = p << 3; /* bytes 0..5 as a 48-bit number */

	memset(lo, 0, JR_REGID_BYTES);
	memset(hi, 0xff, JR_REGID_BYTES);
	for (int i = 0; i < 6; i++)
		lo[i] = hi[i] = (uint8_t)(v >> (8 * (5 - i)));
	hi[5] |= 0x07;
}

int jr_public_find_code(struct jr_centre *c, const uint8_t kiosk_short[5],
	uint64_t prefix45, uint8_t regid[JR_REGID_BYTES])
{
	static const char q[] = "SELECT regid FROM registration WHERE regid BETWEEN ?1 AND ?2"
		" AND substr(kiosk, 1, 5) = ?3 ORDER BY regid LIMIT 2";
	uint8_t lo[JR_REGID_BYTES], hi[JR_REGID_BYTES];
	sqlite3_stmt *st = NULL;
	int n = 0, sr;

	memset(regid, 0, JR_REGID_BYTES);
	if (prefix45 >> 45 != 0)
		return JR_EINVAL;
	code_bounds(prefix45, lo, hi);
	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, lo, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, hi, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 3, kiosk_short, 5, SQLITE_STATIC);
	while ((sr = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0)
			jr_centre_copy_blob(st, 0, regid, JR_REGID_BYTES);
	}
	(void)sqlite3_finalize(st);
	if (sr != SQLITE_DONE) {
		memset(regid, 0, JR_REGID_BYTES);
		return JR_EIO;
	}
	if (n > 1) {
		memset(regid, 0, JR_REGID_BYTES);
		return JR_EAMBIGUOUS;
	}
	return n == 1 ? JR_OK : JR_ENOTFOUND;
}
