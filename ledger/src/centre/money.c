/*
 * Funding allocations, decrees and contribution payments (docs/centre.md
 * "Allocation act", "Decree act", "Payment act"). Money is integer rupiah;
 * every product and sum is checked for overflow.
 *
 * A decree is checked whole before anything is written: every recipient
 * approved by every agency its jurisdiction's policy requires, eligible
 * per the latest reference lists, on no other decree in an overlapping
 * period; and the allocation able to pay recipients x months x the policy's
 * rate on top of what it already promised. A payment pays one month for
 * decreed recipients of one allocation, each at most once, within what the
 * allocation holds.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "acts_int.h"
#include "jaring/region.h"

struct alloc {
	bool found;
	uint64_t amount, months, region, committed, paid;
};

static void bind_name(sqlite3_stmt *st, int i, const char *s)
{
	(void)sqlite3_bind_text(st, i, s, (int)strlen(s), SQLITE_STATIC);
}

static int alloc_get(struct jr_centre *c, const char *id, struct alloc *a)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_ALLOC_GET);
	int rc;

	memset(a, 0, sizeof *a);
	bind_name(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		a->found = true;
		a->amount = (uint64_t)sqlite3_column_int64(st, 2);
		a->months = (uint64_t)sqlite3_column_int64(st, 3);
		a->region = (uint64_t)sqlite3_column_int64(st, 4);
		a->committed = (uint64_t)sqlite3_column_int64(st, 5);
		a->paid = (uint64_t)sqlite3_column_int64(st, 6);
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static int alloc_spend(struct jr_centre *c, const char *id, uint64_t committed,
	uint64_t paid, uint64_t decrees)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_ALLOC_SPEND);

	bind_name(st, 1, id);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)committed);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)paid);
	(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)decrees);
	return jr_centre_step_done(c, S_ALLOC_SPEND);
}

static bool region_known(uint64_t region)
{
	return region == 0 || jr_region_find(region) != NULL;
}

/* ---- allocation (kind 7) ---- */

int jr_act_allocation(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	char id[JR_CENTRE_NAME_MAX + 1];
	const char *sponsor = NULL;
	size_t sponsor_len = 0, i;
	uint64_t type = 0, amount = 0, months = 0, region = 0;
	struct alloc have;
	enum jr_centre_status st;
	sqlite3_stmt *s;
	bool bad = false;
	int rc;

	(void)jr_act_name(&a->r, 3, id, JR_CENTRE_NAME_MAX);
	(void)jr_cbr_key_uint(&a->r, 4, JR_SPONSOR_ASN, &type);
	if (jr_cbr_key(&a->r, 5) == JR_OK)
		(void)jr_cbr_text(&a->r, &sponsor, &sponsor_len);
	(void)jr_cbr_key_uint(&a->r, 6, JR_CENTRE_AMOUNT_MAX, &amount);
	(void)jr_cbr_key_uint(&a->r, 7, JR_CENTRE_MONTHS_MAX, &months);
	(void)jr_cbr_key_uint(&a->r, 8, UINT64_C(9999999999), &region);
	for (i = 0; i < sponsor_len; i++)
		bad |= (unsigned char)sponsor[i] < 0x20 || sponsor[i] == 0x7f;
	if (a->keys != 9 || jr_cbr_end(&a->r) != JR_OK || bad || type == 0 || amount == 0 ||
		months == 0 || sponsor_len == 0 || sponsor_len > JR_CENTRE_SPONSOR_MAX ||
		!region_known(region))
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, JR_PERM_ALLOCATE,
		(1u << JR_AGENCY_FUNDER) | (1u << JR_AGENCY_BUPATI));
	if (st == 0 && !jr_region_within(region, a->m.region))
		st = JR_CS_OUT_OF_REGION;
	if (st == 0 && (rc = alloc_get(c, id, &have)) != JR_OK)
		return rc;
	if (st == 0 && have.found)
		st = JR_CS_DUPLICATE_ID;
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	rc = jr_act_accept(c, a, amount, res);
	if (rc != JR_OK)
		return rc;
	s = jr_centre_stmt(c, S_ALLOC_PUT);
	bind_name(s, 1, id);
	(void)sqlite3_bind_int(s, 2, (int)type);
	(void)sqlite3_bind_text(s, 3, sponsor, (int)sponsor_len, SQLITE_STATIC);
	(void)sqlite3_bind_int64(s, 4, (sqlite3_int64)amount);
	(void)sqlite3_bind_int64(s, 5, (sqlite3_int64)months);
	(void)sqlite3_bind_int64(s, 6, (sqlite3_int64)region);
	(void)sqlite3_bind_blob(s, 7, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	return jr_centre_step_done(c, S_ALLOC_PUT);
}

/* ---- decree (kind 6) ---- */

struct decree {
	char number[JR_CENTRE_NAME_MAX + 1], alloc[JR_CENTRE_NAME_MAX + 1];
	uint64_t region, start_yyyymm, months, count;
	uint32_t start, end; /* month indexes, [start, end) */
	bool by_digest;
	uint8_t digest[JR_HASH_BYTES];
	size_t at;           /* list form: offset of the first id */
	uint64_t rate;
};

static bool recipients_read(struct jr_cbr *r, struct decree *d)
{
	size_t n = 0;

	if (jr_cbr_key(r, 8) != JR_OK)
		return false;
	if (jr_cbr_peek(r) != JR_CBOR_MAP) {
		if (jr_act_ids(r, JR_REGID_BYTES, JR_CENTRE_MAX_DECREE_REGS, false, &n,
			&d->at) != JR_OK)
			return false;
		d->count = n;
		return true;
	}
	d->by_digest = true;
	return jr_cbr_map(r, &n) == JR_OK && n == 2 &&
		jr_cbr_key_uint(r, 0, INT64_MAX, &d->count) == JR_OK && d->count > 0 &&
		jr_cbr_key_fixed(r, 1, d->digest, JR_HASH_BYTES) == JR_OK;
}

static bool decree_read(struct jr_act *a, struct decree *d)
{
	uint32_t start = 0;

	memset(d, 0, sizeof *d);
	(void)jr_act_name(&a->r, 3, d->number, JR_CENTRE_NAME_MAX);
	(void)jr_cbr_key_uint(&a->r, 4, UINT64_C(9999999999), &d->region);
	(void)jr_act_name(&a->r, 5, d->alloc, JR_CENTRE_NAME_MAX);
	(void)jr_cbr_key_uint(&a->r, 6, 999912, &d->start_yyyymm);
	(void)jr_cbr_key_uint(&a->r, 7, JR_CENTRE_MONTHS_MAX, &d->months);
	if (a->r.err != JR_OK || !recipients_read(&a->r, d) || a->keys != 9 ||
		jr_cbr_end(&a->r) != JR_OK || d->months == 0 ||
		!jr_centre_month((uint32_t)d->start_yyyymm, &start))
		return false;
	d->start = start;
	d->end = start + (uint32_t)d->months;
	return jr_region_level_of(d->region) == JR_REGION_REGENCY ||
		jr_region_level_of(d->region) == JR_REGION_DISTRICT;
}

static int overlaps(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	uint32_t start, uint32_t end, bool *yes)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_RECIPIENT_OVERLAP);
	int rc;

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, start);
	(void)sqlite3_bind_int64(st, 3, end);
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* May this registration be decreed in `region` for [start, end)? *st = 0 if
 * so, else why not. */
static int candidate(struct jr_centre *c, const struct jr_creg *g, uint64_t region,
	uint32_t start, uint32_t end, enum jr_centre_status *st)
{
	const struct jr_cpolicy *pol = jr_centre_policy_for(c, g->district);
	enum jr_reason why = JR_R_NONE;
	bool ok = false, yes = false;
	int rc;

	*st = 0;
	if (!jr_region_within(g->district, region)) {
		*st = JR_CS_OUT_OF_REGION;
		return JR_OK;
	}
	if (g->held || (g->phase != JR_PH_REVIEW && g->phase != JR_PH_DECREED) ||
		!jr_centre_fully_approved(c, g->district, g->approvals)) {
		*st = JR_CS_NOT_APPROVED;
		return JR_OK;
	}
	rc = jr_centre_eligible(c, g->pseudonym, g->district, &ok, &why);
	if (rc != JR_OK)
		return rc;
	if (!ok || (pol->dtks && c->ref_serial[JR_REFLIST_DTKS] == 0)) {
		*st = JR_CS_NOT_ELIGIBLE;
		return JR_OK;
	}
	rc = overlaps(c, g->regid, start, end, &yes);
	if (rc == JR_OK && yes)
		*st = JR_CS_ALREADY_DECREED;
	return rc;
}

/* The decree walk (candidates_walk) sorts a scan of the table ("ORDER BY +regid": SQLite's sorter,
 * which spills to TMPDIR) rather than look each row up through the id
 * index, which at a million registrations cost more than the sort. The
 * sorter holds as much in memory as the page cache may: with the cache set
 * to WALK_SORT_KIB while the sort runs (the first step) and put back after,
 * a walk adds at most that to the process, however many registrations. */
#define WALK_SORT_KIB 32768

/* Walks every registration that may be decreed (the digest form), in regid
 * order, calling each(arg, regid) for each. */
static int candidates_walk(struct jr_centre *c, uint64_t region, uint32_t start,
	uint32_t end, int (*each)(void *arg, const uint8_t *regid), void *arg)
{
	static const char q[] = "SELECT regid, pseudonym, district, approvals, phase, held"
		" FROM registration WHERE phase IN (1, 5) AND held = 0 ORDER BY +regid";
	sqlite3_stmt *st = NULL;
	int64_t cache = jr_centre_pragma_get(c->db, "cache_size");
	int rc = JR_OK, s;

	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	if (cache != 0)
		(void)jr_centre_pragma_set(c->db, "cache_size", -WALK_SORT_KIB);
	s = sqlite3_step(st); /* the whole sort runs in the first step */
	if (cache != 0)
		(void)jr_centre_pragma_set(c->db, "cache_size", cache);
	while (rc == JR_OK && s == SQLITE_ROW) {
		enum jr_centre_status why = 0;
		struct jr_creg g;

		memset(&g, 0, sizeof g);
		jr_centre_copy_blob(st, 0, g.regid, JR_REGID_BYTES);
		jr_centre_copy_blob(st, 1, g.pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
		g.district = (uint64_t)sqlite3_column_int64(st, 2);
		g.approvals = (uint32_t)sqlite3_column_int64(st, 3);
		g.phase = (enum jr_centre_phase)sqlite3_column_int(st, 4);
		g.held = sqlite3_column_int(st, 5) != 0;
		rc = candidate(c, &g, region, start, end, &why);
		if (rc == JR_OK && why == 0)
			rc = each(arg, g.regid);
		if (rc == JR_OK)
			s = sqlite3_step(st);
	}
	if (rc == JR_OK && s != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

struct decree_put {
	struct jr_centre *c;
	const struct decree *d;
};

static int recipient_put(void *arg, const uint8_t *regid)
{
	struct decree_put *p = arg;
	sqlite3_stmt *st = jr_centre_stmt(p->c, S_RECIPIENT_PUT);

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, p->d->start);
	(void)sqlite3_bind_int64(st, 3, p->d->end);
	bind_name(st, 4, p->d->number);
	bind_name(st, 5, p->d->alloc);
	(void)sqlite3_bind_int64(st, 6, (sqlite3_int64)p->d->rate);
	return jr_centre_step_done(p->c, S_RECIPIENT_PUT);
}

struct digest_acc {
	crypto_generichash_state h;
	uint64_t count;
	struct decree_put *put; /* each candidate also made a recipient, or NULL */
};

static int digest_each(void *arg, const uint8_t *regid)
{
	struct digest_acc *d = arg;

	d->count++;
	if (crypto_generichash_update(&d->h, regid, JR_REGID_BYTES) != 0)
		return JR_EINTERNAL;
	return d->put != NULL ? recipient_put(d->put, regid) : JR_OK;
}

/* The count and digest of the candidates; with put, each is also written
 * as a recipient of put's decree as it goes by (one walk, not two: if the
 * digest then differs, recipients_drop takes them out again). */
static int digest_of(struct jr_centre *c, uint64_t region, uint32_t start, uint32_t end,
	struct decree_put *put, uint64_t *count, uint8_t digest[JR_HASH_BYTES])
{
	static const char label[] = JR_CENTRE_DECREE_LIST_LABEL;
	struct digest_acc d;
	int rc;

	/* jr_hash_labelled's framing, streamed: label || 0x00 || parts */
	memset(&d, 0, sizeof d);
	d.put = put;
	(void)crypto_generichash_init(&d.h, NULL, 0, JR_HASH_BYTES);
	(void)crypto_generichash_update(&d.h, (const uint8_t *)label, sizeof label);
	rc = candidates_walk(c, region, start, end, digest_each, &d);
	(void)crypto_generichash_final(&d.h, digest, JR_HASH_BYTES);
	*count = d.count;
	return rc;
}

int jr_centre_decree_candidates(struct jr_centre *c, uint64_t region, uint32_t start,
	uint32_t months, uint64_t *count, uint8_t digest[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	uint32_t s = 0;
	int rc;

	*count = 0;
	memset(digest, 0, JR_HASH_BYTES);
	if (c == NULL || !jr_centre_month(start, &s) || months == 0 ||
		months > JR_CENTRE_MONTHS_MAX)
		return jr_errf(eb, JR_EINVAL, "decree candidates: give a state, a start month"
			" YYYYMM and 1..%d months", JR_CENTRE_MONTHS_MAX);
	rc = digest_of(c, region, s, s + months, NULL, count, digest);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "decree candidates: reading the registrations failed: %s",
			sqlite3_errmsg(c->db));
	return JR_OK;
}

/* The list form, pass 1: *st = 0 if every recipient may be decreed, else
 * why not and *subject the first that may not. */
static int list_check(struct jr_centre *c, const struct jr_act *a, const struct decree *d,
	enum jr_centre_status *st, const uint8_t **subject)
{
	struct jr_cbr it;
	uint64_t i;
	int rc = JR_OK;

	*st = 0;
	jr_cbr_init(&it, a->body, a->body_len);
	it.off = d->at;
	for (i = 0; i < d->count && rc == JR_OK && *st == 0; i++) {
		const uint8_t *regid = jr_act_next_id(&it);
		struct jr_creg g;
		bool found = false;

		rc = jr_centre_reg_get(c, regid, &g, &found);
		if (rc == JR_OK && !found)
			*st = JR_CS_UNKNOWN_REGISTRATION;
		else if (rc == JR_OK)
			rc = candidate(c, &g, d->region, d->start, d->end, st);
		*subject = regid;
	}
	return rc;
}

/* Takes out the recipients digest_of wrote for a decree then refused. */
static int recipients_drop(struct jr_centre *c, const char *number)
{
	bind_name(jr_centre_stmt(c, S_RECIPIENT_DROP), 1, number);
	return jr_centre_step_done(c, S_RECIPIENT_DROP);
}

static int decree_write(struct jr_centre *c, const struct jr_act *a, const struct decree *d,
	uint64_t cost)
{
	struct decree_put p = { c, d };
	sqlite3_stmt *st = jr_centre_stmt(c, S_DECREE_PUT);
	int rc;

	bind_name(st, 1, d->number);
	bind_name(st, 2, d->alloc);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)d->region);
	(void)sqlite3_bind_int64(st, 4, d->start);
	(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)d->months);
	(void)sqlite3_bind_int64(st, 6, (sqlite3_int64)d->count);
	(void)sqlite3_bind_int64(st, 7, (sqlite3_int64)d->rate);
	(void)sqlite3_bind_int64(st, 8, (sqlite3_int64)cost);
	(void)sqlite3_bind_blob(st, 9, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_DECREE_PUT);
	if (rc == JR_OK && !d->by_digest) { /* the digest form's are in (digest_of) */
		struct jr_cbr it;
		uint64_t i;

		jr_cbr_init(&it, a->body, a->body_len);
		it.off = d->at;
		for (i = 0; i < d->count && rc == JR_OK; i++)
			rc = recipient_put(&p, jr_act_next_id(&it));
	}
	if (rc != JR_OK)
		return rc;
	st = jr_centre_stmt(c, S_REG_DECREE);
	bind_name(st, 1, d->number);
	rc = jr_centre_step_done(c, S_REG_DECREE);
	return rc == JR_OK ? alloc_spend(c, d->alloc, cost, 0, 1) : rc;
}

static bool decree_known(struct jr_centre *c, const char *number, int *rc)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_DECREE_GET);
	int s;

	bind_name(st, 1, number);
	s = sqlite3_step(st);
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	*rc = s == SQLITE_ROW || s == SQLITE_DONE ? JR_OK : JR_EIO;
	return s == SQLITE_ROW;
}

int jr_act_decree(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	const uint8_t *subject = NULL;
	enum jr_centre_status st;
	struct decree d;
	struct alloc al;
	uint64_t cost = 0, total = 0;
	int rc = JR_OK;

	if (!decree_read(a, &d))
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, JR_PERM_DECREE, 1u << JR_AGENCY_BUPATI);
	if (st == 0 && !jr_region_within(d.region, a->m.region))
		st = JR_CS_OUT_OF_REGION;
	if (st == 0 && decree_known(c, d.number, &rc))
		st = JR_CS_DUPLICATE_ID;
	if (rc == JR_OK && st == 0)
		rc = alloc_get(c, d.alloc, &al);
	if (rc != JR_OK)
		return rc;
	if (st == 0 && !al.found)
		st = JR_CS_UNKNOWN_ALLOCATION;
	else if (st == 0 && !jr_region_within(d.region, al.region))
		st = JR_CS_OUT_OF_REGION;
	else if (st == 0 && d.months > al.months)
		st = JR_CS_BAD_PERIOD;
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	d.rate = jr_centre_policy_for(c, d.region)->rules.contribution_rp;
	if (d.by_digest) {
		struct decree_put p = { c, &d };
		uint8_t digest[JR_HASH_BYTES];
		uint64_t count = 0;

		rc = digest_of(c, d.region, d.start, d.end, &p, &count, digest);
		if (rc == JR_OK && (count != d.count || memcmp(digest, d.digest, JR_HASH_BYTES) != 0))
			st = JR_CS_LIST_MISMATCH;
	} else {
		rc = list_check(c, a, &d, &st, &subject);
	}
	if (rc != JR_OK)
		return rc;
	if (st == 0 && (__builtin_mul_overflow(d.count, d.months, &cost) ||
		__builtin_mul_overflow(cost, d.rate, &cost) ||
		__builtin_add_overflow(al.committed, cost, &total) || total > al.amount))
		st = JR_CS_ALLOCATION_SHORT;
	if (st != 0 && d.by_digest)
		rc = recipients_drop(c, d.number);
	if (rc != JR_OK)
		return rc;
	if (st != 0)
		return jr_act_refuse(c, a, st, st == JR_CS_LIST_MISMATCH ||
			st == JR_CS_ALLOCATION_SHORT ? NULL : subject, res);
	rc = jr_act_accept(c, a, d.count, res);
	return rc == JR_OK ? decree_write(c, a, &d, cost) : rc;
}

/* ---- payment (kind 8) ---- */

struct payment {
	char alloc[JR_CENTRE_NAME_MAX + 1];
	uint32_t month;
	uint64_t amount;
	size_t n, at;
	/* what pass 1 found */
	uint64_t count, sum;
};

static bool payment_read(struct jr_act *a, struct payment *p)
{
	uint64_t yyyymm = 0;

	memset(p, 0, sizeof *p);
	(void)jr_act_name(&a->r, 3, p->alloc, JR_CENTRE_NAME_MAX);
	(void)jr_cbr_key_uint(&a->r, 4, 999912, &yyyymm);
	if (a->r.err != JR_OK || jr_act_id_list(&a->r, 5, JR_REGID_BYTES,
		JR_CENTRE_MAX_ACT_REGS, true, &p->n, &p->at) != JR_OK)
		return false;
	(void)jr_cbr_key_uint(&a->r, 6, JR_CENTRE_AMOUNT_MAX, &p->amount);
	return a->keys == 7 && jr_cbr_end(&a->r) == JR_OK && p->amount > 0 &&
		jr_centre_month((uint32_t)yyyymm, &p->month);
}

/* One recipient's membership on the allocation that month: *rate 0 if none. */
static int membership(struct jr_centre *c, const struct payment *p,
	const uint8_t regid[JR_REGID_BYTES], char decree[JR_CENTRE_NAME_MAX + 1],
	uint64_t *rate)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_RECIPIENT_AT);
	int rc;

	*rate = 0;
	decree[0] = '\0';
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	bind_name(st, 2, p->alloc);
	(void)sqlite3_bind_int64(st, 3, p->month);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		if (t != NULL && n <= JR_CENTRE_NAME_MAX) {
			memcpy(decree, t, n);
			decree[n] = '\0';
		}
		*rate = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static int is_paid(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	uint32_t month, bool *paid)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_PAID_GET);
	int rc;

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, month);
	rc = sqlite3_step(st);
	*paid = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* Pays one recipient's month (pass 2). */
/* What a payment adds to its decrees' paid totals: one UPDATE for each run
 * of recipients of the same decree, not one per recipient (a decree of a
 * million workers was a million updates of its one row). */
struct decree_sum {
	char decree[JR_CENTRE_NAME_MAX + 1]; /* "" none yet */
	uint64_t sum;
};

static int decree_sum_flush(struct jr_centre *c, struct decree_sum *ds)
{
	sqlite3_stmt *st;
	int rc;

	if (ds->decree[0] == '\0')
		return JR_OK;
	st = jr_centre_stmt(c, S_DECREE_PAY);
	bind_name(st, 1, ds->decree);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)ds->sum);
	rc = jr_centre_step_done(c, S_DECREE_PAY); /* the name is bound in place */
	ds->decree[0] = '\0';
	ds->sum = 0;
	return rc;
}

/* Pays regid for the month, unless it is paid already (then nothing). */
static int pay_one(struct jr_centre *c, const struct payment *p,
	const uint8_t regid[JR_REGID_BYTES], const char *decree, uint64_t rate,
	struct decree_sum *ds)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_PAID_PUT);
	int rc;

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, p->month);
	rc = jr_centre_step_done(c, S_PAID_PUT);
	if (rc != JR_OK || sqlite3_changes(c->db) == 0)
		return rc;
	if (strcmp(ds->decree, decree) != 0) {
		if ((rc = decree_sum_flush(c, ds)) != JR_OK)
			return rc;
		memcpy(ds->decree, decree, strlen(decree) + 1);
	}
	return __builtin_add_overflow(ds->sum, rate, &ds->sum) ? JR_ECORRUPT : JR_OK;
}

static bool add_rate(struct payment *p, uint64_t rate)
{
	p->count++;
	return !__builtin_add_overflow(p->sum, rate, &p->sum);
}

/* The listed form: pass 1 checks (write false), pass 2 pays (write true). */
static int pay_listed(struct jr_centre *c, const struct jr_act *a, struct payment *p,
	bool write, enum jr_centre_status *st, const uint8_t **subject)
{
	struct jr_cbr it;
	size_t i;
	int rc = JR_OK;

	struct decree_sum ds = { "", 0 };

	jr_cbr_init(&it, a->body, a->body_len);
	it.off = p->at;
	for (i = 0; i < p->n && rc == JR_OK && *st == 0; i++) {
		const uint8_t *regid = jr_act_next_id(&it);
		char decree[JR_CENTRE_NAME_MAX + 1];
		uint64_t rate = 0;
		bool paid = false;

		rc = membership(c, p, regid, decree, &rate);
		if (rc == JR_OK && rate == 0)
			*st = JR_CS_NOT_DECREED;
		else if (rc == JR_OK && (rc = is_paid(c, regid, p->month, &paid)) == JR_OK && paid)
			*st = JR_CS_ALREADY_PAID;
		else if (rc == JR_OK && write)
			rc = pay_one(c, p, regid, decree, rate, &ds);
		else if (rc == JR_OK && !add_rate(p, rate))
			*st = JR_CS_AMOUNT_MISMATCH;
		*subject = regid;
	}
	return rc == JR_OK ? decree_sum_flush(c, &ds) : rc;
}

/* The whole-allocation form: every recipient of the month not yet paid. */
static int pay_all(struct jr_centre *c, struct payment *p, bool write)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_RECIPIENT_ALL);
	struct decree_sum ds = { "", 0 };
	int rc = JR_OK, s;

	bind_name(st, 1, p->alloc);
	(void)sqlite3_bind_int64(st, 2, p->month);
	while (rc == JR_OK && (s = sqlite3_step(st)) == SQLITE_ROW) {
		uint8_t regid[JR_REGID_BYTES];
		char decree[JR_CENTRE_NAME_MAX + 1];
		const unsigned char *t = sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);
		uint64_t rate = (uint64_t)sqlite3_column_int64(st, 2);
		bool paid = false;

		jr_centre_copy_blob(st, 0, regid, JR_REGID_BYTES);
		if (t == NULL || n > JR_CENTRE_NAME_MAX) {
			rc = JR_ECORRUPT;
			break;
		}
		memcpy(decree, t, n);
		decree[n] = '\0';
		if (write) { /* pays those not paid yet: the insert says which */
			rc = pay_one(c, p, regid, decree, rate, &ds);
			continue;
		}
		rc = is_paid(c, regid, p->month, &paid);
		if (rc == JR_OK && !paid && !add_rate(p, rate))
			rc = JR_ECORRUPT;
	}
	if (rc == JR_OK && s != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == JR_OK ? decree_sum_flush(c, &ds) : rc;
}

static int payment_write(struct jr_centre *c, const struct jr_act *a, struct payment *p)
{
	enum jr_centre_status st = 0;
	const uint8_t *subject = NULL;
	sqlite3_stmt *s;
	int rc = p->n > 0 ? pay_listed(c, a, p, true, &st, &subject) : pay_all(c, p, true);

	if (rc == JR_OK)
		rc = alloc_spend(c, p->alloc, 0, p->amount, 0);
	if (rc != JR_OK)
		return rc;
	s = jr_centre_stmt(c, S_PAYMENT_PUT);
	(void)sqlite3_bind_blob(s, 1, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	bind_name(s, 2, p->alloc);
	(void)sqlite3_bind_int64(s, 3, p->month);
	(void)sqlite3_bind_int64(s, 4, (sqlite3_int64)p->count);
	(void)sqlite3_bind_int64(s, 5, (sqlite3_int64)p->amount);
	return jr_centre_step_done(c, S_PAYMENT_PUT);
}

int jr_act_payment(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	const uint8_t *subject = NULL;
	enum jr_centre_status st;
	struct payment p;
	struct alloc al;
	uint64_t total = 0;
	int rc = JR_OK;

	if (!payment_read(a, &p))
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, JR_PERM_PAY, (1u << JR_AGENCY_FUNDER) | (1u << JR_AGENCY_BUPATI));
	if (st == 0 && (rc = alloc_get(c, p.alloc, &al)) != JR_OK)
		return rc;
	if (st == 0 && !al.found)
		st = JR_CS_UNKNOWN_ALLOCATION;
	else if (st == 0 && !jr_region_within(al.region, a->m.region))
		st = JR_CS_OUT_OF_REGION;
	if (st == 0 && p.n > 0)
		rc = pay_listed(c, a, &p, false, &st, &subject);
	else if (st == 0)
		rc = pay_all(c, &p, false);
	if (rc != JR_OK)
		return rc;
	if (st == 0 && p.count == 0)
		st = JR_CS_NOT_DECREED; /* nobody is due that month */
	else if (st == 0 && p.sum != p.amount)
		st = JR_CS_AMOUNT_MISMATCH;
	else if (st == 0 && (__builtin_add_overflow(al.paid, p.amount, &total) ||
		total > al.amount))
		st = JR_CS_BEYOND_ALLOCATION;
	if (st != 0)
		return jr_act_refuse(c, a, st, subject, res);
	rc = jr_act_accept(c, a, p.count, res);
	return rc == JR_OK ? payment_write(c, a, &p) : rc;
}
