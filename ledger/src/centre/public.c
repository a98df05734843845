/*
 * public.c — the centre's state as the public may see it (jaring/public.h):
 * counts per district and per agency, decrees, allocations, payments, who
 * viewed how many people's data, and the typed-code lookup.
 *
 * This file assumes (a) the reader is a read-only handle on the state
 * (jr_centre_open_reader) used by one thread at a time, its queries the
 * handle's prepared statements (state.c's SQL[]); (b) every figure is read
 * inside one transaction, so that the page never shows a decree without the
 * payments made before it.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"
#include "jaring/public.h"

struct jr_public_reader {
	struct jr_centre *c;
};

int jr_public_open(const char *path, struct jr_public_reader **out, struct jr_errbuf *eb)
{
	struct jr_public_reader *r = calloc(1, sizeof *r);
	int rc;

	*out = NULL;
	if (r == NULL)
		return jr_errf(eb, JR_ENOMEM, "public figures: out of memory");
	rc = jr_centre_open_reader(path, NULL, &r->c, eb);
	if (rc != JR_OK) {
		free(r);
		return jr_errf(eb, rc, "public figures: cannot read the state %s", path);
	}
	*out = r;
	return JR_OK;
}

void jr_public_close(struct jr_public_reader *r)
{
	if (r == NULL)
		return;
	jr_centre_close(r->c);
	free(r);
}

static uint64_t u64(sqlite3_stmt *st, int col)
{
	sqlite3_int64 v = sqlite3_column_int64(st, col);

	return v > 0 ? (uint64_t)v : 0;
}

/* A table of the page: row i of statement s into the figures, at most max
 * rows (*more when there were more). */
typedef void (*row_fn)(sqlite3_stmt *st, void *arg, size_t i);
struct table {
	row_fn fn;
	void *arg;
	size_t max, *n;
	bool *more;
};

/* JR_ETOOBIG stops the walk at the cap (rows_upto turns it into JR_OK). */
static int table_row(sqlite3_stmt *st, void *arg)
{
	struct table *t = arg;

	if (*t->n == t->max) {
		if (t->more != NULL)
			*t->more = true;
		return JR_ETOOBIG;
	}
	t->fn(st, t->arg, (*t->n)++);
	return JR_OK;
}

static int rows_upto(struct jr_public_reader *r, enum jr_centre_stmt s, row_fn fn,
	void *arg, size_t max, size_t *n, bool *more, struct jr_errbuf *eb)
{
	struct table t = { fn, arg, max, n, more };
	int rc;

	*n = 0;
	if (more != NULL)
		*more = false;
	rc = jr_centre_rows(r->c, s, table_row, &t, "public figures", eb);
	return rc == JR_ETOOBIG ? JR_OK : rc;
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

	jr_centre_text_into(st, 0, d->number, sizeof d->number);
	jr_centre_text_into(st, 1, d->allocation, sizeof d->allocation);
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

	jr_centre_text_into(st, 0, a->id, sizeof a->id);
	a->type = (enum jr_sponsor)u64(st, 1);
	jr_centre_text_into(st, 2, a->sponsor, sizeof a->sponsor);
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

	jr_centre_text_into(st, 0, p->allocation, sizeof p->allocation);
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
static int viewer_row(sqlite3_stmt *st, void *arg)
{
	struct jr_public_figures *f = arg;
	const uint8_t *id = sqlite3_column_blob(st, 0);
	struct jr_public_viewer *v = f->n_viewers > 0 ? &f->viewers[f->n_viewers - 1] : NULL;

	if (id == NULL || sqlite3_column_bytes(st, 0) != JR_ID_BYTES)
		return JR_OK;
	if (v == NULL || memcmp(v->official, id, JR_ID_BYTES) != 0) {
		if (f->n_viewers == JR_PUBLIC_MAX_ROWS) {
			f->viewers_more = true;
			return JR_ETOOBIG;
		}
		v = &f->viewers[f->n_viewers++];
		memset(v, 0, sizeof *v);
		memcpy(v->official, id, JR_ID_BYTES);
		v->agency = (uint32_t)u64(st, 1);
	}
	v->acts++;
	v->registrations += view_regs(sqlite3_column_blob(st, 2),
		(size_t)sqlite3_column_bytes(st, 2));
	return JR_OK;
}

static int viewers(struct jr_public_reader *r, struct jr_public_figures *f,
	struct jr_errbuf *eb)
{
	int rc;

	f->n_viewers = 0;
	f->viewers_more = false;
	rc = jr_centre_rows(r->c, S_PUB_VIEWERS, viewer_row, f, "public figures", eb);
	return rc == JR_ETOOBIG ? JR_OK : rc;
}

int jr_public_read(struct jr_public_reader *r, struct jr_public_figures *f,
	struct jr_errbuf *eb)
{
	size_t n = 0;
	int rc;

	memset(f, 0, sizeof *f);
	if ((rc = jr_centre_read_begin(r->c, eb)) != JR_OK)
		return rc;
	rc = rows_upto(r, S_PUB_TOTALS, row_totals, f, 1, &n, NULL, eb);
	if (rc == JR_OK)
		rc = rows_upto(r, S_PUB_DISTRICTS, row_district, f, JR_PUBLIC_MAX_DISTRICTS,
			&f->n_districts, &f->districts_more, eb);
	if (rc == JR_OK)
		rc = rows_upto(r, S_PUB_DECREES, row_decree, f, JR_PUBLIC_MAX_ROWS, &f->n_decrees,
			&f->decrees_more, eb);
	if (rc == JR_OK)
		rc = rows_upto(r, S_PUB_ALLOCATIONS, row_allocation, f, JR_PUBLIC_MAX_ROWS,
			&f->n_allocations, &f->allocations_more, eb);
	if (rc == JR_OK)
		rc = rows_upto(r, S_PUB_PAYMENTS, row_payment, f, JR_PUBLIC_MAX_ROWS,
			&f->n_payments, &f->payments_more, eb);
	if (rc == JR_OK)
		rc = viewers(r, f, eb);
	jr_centre_read_end(r->c);
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

struct code_match {
	uint8_t *regid;
	int n;
};

static int code_row(sqlite3_stmt *st, void *arg)
{
	struct code_match *m = arg;

	if (m->n++ == 0)
		jr_centre_copy_blob(st, 0, m->regid, JR_REGID_BYTES);
	return JR_OK;
}

int jr_public_find_code(struct jr_centre *c, const uint8_t kiosk_short[5],
	uint64_t prefix45, uint8_t regid[JR_REGID_BYTES])
{
	uint8_t lo[JR_REGID_BYTES], hi[JR_REGID_BYTES];
	sqlite3_stmt *st = jr_centre_stmt(c, S_CODE_FIND);
	struct code_match m = { regid, 0 };
	int n;

	memset(regid, 0, JR_REGID_BYTES);
	if (prefix45 >> 45 != 0)
		return JR_EINVAL;
	code_bounds(prefix45, lo, hi);
	(void)sqlite3_bind_blob(st, 1, lo, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, hi, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 3, kiosk_short, 5, SQLITE_STATIC);
	if (jr_centre_rows(c, S_CODE_FIND, code_row, &m, "typed code", NULL) != JR_OK) {
		memset(regid, 0, JR_REGID_BYTES);
		return JR_EIO;
	}
	n = m.n;
	if (n > 1) {
		memset(regid, 0, JR_REGID_BYTES);
		return JR_EAMBIGUOUS;
	}
	return n == 1 ? JR_OK : JR_ENOTFOUND;
}
