/*
 * jaring-admin report and chart: the programme's figures as CSV (UTF-8,
 * header row, RFC 4180 quoting, CRLF rows) and the coverage chart by
 * district as SVG, read from the node's state file on the node's machine
 * (docs/admin.md "Reports"). Every figure is counted from the state the
 * contract wrote: recipients of decrees, payments, reference lists, the
 * registrations in review.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "csv.h"
#include "jaring/record.h"
#include "jaring/region.h"

static const char usage_report[] =
	"jaring-admin report: the programme's figures as CSV (UTF-8, a header row,\n"
	"RFC 4180 quoting), read from the node's state file.\n"
	"\n"
	"usage: jaring-admin report KIND --state FILE [--out FILE] [options]\n"
	"  recipients      recipients by district, village and sponsor; villages need\n"
	"                  --consortium KEYFILE (they are sealed in the records)\n"
	"  sponsors        Table 1: workers, months and contributions by sponsor type\n"
	"  coverage        recipients by district against the informal workforce\n"
	"                  (--workforce FILE: CSV code,informal_workers; without it\n"
	"                  only the source paper's 541,148 for Tegal as a whole)\n"
	"  reconciliation  --month YYYYMM: what the decrees promised against BPJS\n"
	"                  Ketenagakerjaan's confirmations (reflist --kind payments):\n"
	"                  paid, missing, extra\n"
	"  backlog         registrations waiting, by agency and age\n"
	"options:\n"
	"  --state FILE        the node's state file (DATA_DIR/state.db), read only\n"
	"  --out FILE          write the CSV here (default: standard output)\n"
	"  --month YYYYMM      recipients, coverage: only decrees covering that month\n"
	"  --consortium FILE   recipients: the consortium key, to read villages\n"
	"  --workforce FILE    coverage: informal workers per district or regency\n"
	"  --now SECONDS       backlog: the time ages are counted to (default: now)\n"
	"  --json              reconciliation: also print the totals as JSON on stderr\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  the state or a file cannot be read or written, or (reconciliation) a\n"
	"     payment is missing or extra\n"
	"  2  usage error\n";

static const char usage_chart[] =
	"jaring-admin chart coverage: the coverage chart by district as SVG: one bar\n"
	"per district of both regencies, coverage against the informal workforce\n"
	"(--workforce) or, without it, the number of recipients.\n"
	"\n"
	"usage: jaring-admin chart coverage --state FILE --out FILE.svg\n"
	"                                   [--workforce FILE] [--month YYYYMM] [--title TEXT]\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  the state or a file cannot be read or written\n"
	"  2  usage error\n";

#define MAX_DISTRICTS 64

/* ---- the figures by district ------------------------------------------- */

struct district {
	const struct jr_region *r;
	uint64_t recipients;
	uint64_t workers; /* 0: unknown */
};

struct cover {
	struct district d[MAX_DISTRICTS];
	size_t n;
	uint64_t workers_kab, workers_kota, workers_all; /* regency rows of the file */
	uint8_t *ids;     /* regids seen, to count each registration once */
	size_t n_ids, cap_ids;
};

static void districts_init(struct cover *cv)
{
	const struct jr_region *reg[4], *dis[MAX_DISTRICTS];
	size_t nr = jr_region_children(0, reg, 4);

	memset(cv, 0, sizeof *cv);
	for (size_t i = 0; i < nr && i < 4; i++) {
		size_t nd = jr_region_children(reg[i]->code, dis, MAX_DISTRICTS);

		for (size_t j = 0; j < nd && j < MAX_DISTRICTS && cv->n < MAX_DISTRICTS; j++)
			cv->d[cv->n++].r = dis[j];
	}
}

static struct district *district_of(struct cover *cv, uint64_t code)
{
	for (size_t i = 0; i < cv->n; i++)
		if (cv->d[i].r->code == code)
			return &cv->d[i];
	return NULL;
}

static int cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, JR_REGID_BYTES);
}

static int cover_one(void *arg, const struct jr_centre_recipient *r)
{
	struct cover *cv = arg;

	if (cv->n_ids == cv->cap_ids) {
		size_t cap = cv->cap_ids ? 2 * cv->cap_ids : 4096;
		uint8_t *p = realloc(cv->ids, cap * (JR_REGID_BYTES + 8));

		if (p == NULL)
			return JR_ENOMEM;
		cv->ids = p;
		cv->cap_ids = cap;
	}
	memcpy(cv->ids + cv->n_ids * (JR_REGID_BYTES + 8), r->regid, JR_REGID_BYTES);
	memcpy(cv->ids + cv->n_ids * (JR_REGID_BYTES + 8) + JR_REGID_BYTES, &r->district, 8);
	cv->n_ids++;
	return JR_OK;
}

/* Counts each registration decreed (in month, 0: any) once, in its district. */
static int count_recipients(struct jr_centre *c, uint32_t month, struct cover *cv)
{
	struct jr_errbuf eb = { 0 };
	size_t k = JR_REGID_BYTES + 8;
	int rc = jr_centre_recipients(c, month, cover_one, cv, &eb);

	if (rc != JR_OK)
		return failed("recipients: %s", ebmsg(&eb, rc));
	if (cv->n_ids > 0)
		qsort(cv->ids, cv->n_ids, k, cmp_id);
	for (size_t i = 0; i < cv->n_ids; i++) {
		uint64_t dcode;
		struct district *d;

		if (i > 0 && memcmp(cv->ids + (i - 1) * k, cv->ids + i * k, JR_REGID_BYTES) == 0)
			continue;
		memcpy(&dcode, cv->ids + i * k + JR_REGID_BYTES, 8);
		if ((d = district_of(cv, dcode)) != NULL)
			d->recipients++;
	}
	return 0;
}

/* --workforce FILE: code,informal_workers (codes as 33.28.01 or 332801). */
static int read_workforce(const char *path, struct cover *cv)
{
	struct jr_csv c;
	int e, rc;
	unsigned long row = 1;

	if ((e = jr_csv_open(&c, path)) != 0)
		return e;
	rc = jr_csv_next(&c);
	if (rc <= 0 || jr_csv_count(&c) < 2 || strcmp(jr_csv_field(&c, 0), "code") != 0 ||
	    strcmp(jr_csv_field(&c, 1), "informal_workers") != 0) {
		jr_csv_close(&c);
		return failed("%s: the header row must begin code,informal_workers", path);
	}
	while ((rc = jr_csv_next(&c)) > 0) {
		const char *code = jr_csv_field(&c, 0);
		uint64_t v = 0, n = 0;
		struct district *d;

		row++;
		if (jr_region_parse(code, strlen(code), &v) != JR_OK &&
		    parse_u64("code", code, 9999999999ULL, &v) != 0) {
			jr_csv_close(&c);
			return failed("%s row %lu, column 'code': '%s' is not a region code", path,
				row, code);
		}
		if (parse_u64("informal_workers", jr_csv_field(&c, 1), UINT32_MAX, &n) != 0) {
			jr_csv_close(&c);
			return failed("%s row %lu, column 'informal_workers': not a number", path, row);
		}
		if (v == 3328)
			cv->workers_kab = n;
		else if (v == 3376)
			cv->workers_kota = n;
		else if ((d = district_of(cv, v)) != NULL)
			d->workers = n;
		else {
			jr_csv_close(&c);
			return failed("%s row %lu, column 'code': %s is neither a regency nor a "
				"district of Tegal", path, row, code);
		}
	}
	jr_csv_close(&c);
	if (rc < 0)
		return failed("%s row %lu: %s", path, row + 1, c.err);
	return 0;
}

/* "12.34" from a/b, by integer arithmetic, rounded half up; "" if b = 0. */
static void pct(uint64_t a, uint64_t b, char *out, size_t cap)
{
	uint64_t bp;

	if (b == 0) {
		out[0] = '\0';
		return;
	}
	bp = (a * 20000 / b + 1) / 2; /* hundredths of a per cent */
	(void)snprintf(out, cap, "%" PRIu64 ".%02" PRIu64, bp / 100, bp % 100);
}

/* ---- CSV helpers ---------------------------------------------------------- */

static void csv_u64(FILE *f, uint64_t v, bool last)
{
	char b[24];

	(void)snprintf(b, sizeof b, "%" PRIu64, v);
	csv_field(f, b, last);
}

static void csv_row(FILE *f, const char *const *cols, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csv_field(f, cols[i], i + 1 == n);
}

static void code_of(uint64_t code, char *out, size_t cap)
{
	jr_region_format(code, out, cap);
}

static const char *name_of(uint64_t code)
{
	const struct jr_region *r = jr_region_find(code);

	return r != NULL ? r->name : "";
}

/* ---- report coverage -------------------------------------------------------- */

/* The source paper's figures: 541,148 informal workers in Tegal, BPU
 * coverage 9.90 % in Kab. Tegal and 13.44 % in Kota Tegal. */
#define PAPER_WORKERS 541148u

static void coverage_csv(FILE *f, const struct cover *cv)
{
	static const char *const head[] = { "regency_code", "regency", "district_code",
		"district", "recipients", "informal_workers", "coverage_pct",
		"paper_bpu_coverage_pct" };
	uint64_t rec[2] = { 0, 0 }, wk[2] = { 0, 0 };
	char code[16], rcode[16], p[24];

	csv_row(f, head, 8);
	for (size_t i = 0; i < cv->n; i++) {
		const struct district *d = &cv->d[i];
		int k = d->r->parent == 3376;

		code_of(d->r->parent, rcode, sizeof rcode);
		code_of(d->r->code, code, sizeof code);
		csv_field(f, rcode, false);
		csv_field(f, name_of(d->r->parent), false);
		csv_field(f, code, false);
		csv_field(f, d->r->name, false);
		csv_u64(f, d->recipients, false);
		if (d->workers)
			csv_u64(f, d->workers, false);
		else
			csv_field(f, "", false);
		pct(d->recipients, d->workers, p, sizeof p);
		csv_field(f, p, false);
		csv_field(f, "", true);
		rec[k] += d->recipients;
		wk[k] += d->workers;
	}
	for (int k = 0; k < 2; k++) {
		uint64_t w = k ? cv->workers_kota : cv->workers_kab;

		if (w == 0)
			w = wk[k];
		code_of(k ? 3376 : 3328, rcode, sizeof rcode);
		csv_field(f, rcode, false);
		csv_field(f, name_of(k ? 3376 : 3328), false);
		csv_field(f, "", false);
		csv_field(f, "total", false);
		csv_u64(f, rec[k], false);
		if (w)
			csv_u64(f, w, false);
		else
			csv_field(f, "", false);
		pct(rec[k], w, p, sizeof p);
		csv_field(f, p, false);
		csv_field(f, k ? "13.44" : "9.90", true);
	}
	{
		uint64_t w = cv->workers_kab && cv->workers_kota ? cv->workers_kab + cv->workers_kota
			: PAPER_WORKERS;

		csv_field(f, "", false);
		csv_field(f, "Tegal", false);
		csv_field(f, "", false);
		csv_field(f, "total", false);
		csv_u64(f, rec[0] + rec[1], false);
		csv_u64(f, w, false);
		pct(rec[0] + rec[1], w, p, sizeof p);
		csv_field(f, p, false);
		csv_field(f, "", true);
	}
}

/* ---- report recipients ------------------------------------------------------ */

struct group {
	uint64_t district, village;
	enum jr_sponsor type;
	char sponsor[JR_CENTRE_SPONSOR_MAX + 1];
	uint64_t recipients, promised_rp;
};

struct groups {
	struct jr_centre *c;
	bool villages;
	struct group *g;
	size_t n, cap;
	int err;
};

static const char *sponsor_label(enum jr_sponsor t)
{
	static const char *const l[] = { "", "Pemerintah", "Perusahaan", "Desa", "ASN Sertakan" };

	return t >= JR_SPONSOR_APBD && t <= JR_SPONSOR_ASN ? l[t] : "?";
}

static int group_one(void *arg, const struct jr_centre_recipient *r)
{
	struct groups *gs = arg;
	uint64_t village = 0;
	size_t i;

	if (gs->villages) {
		struct jr_registration reg;
		struct jr_errbuf eb = { 0 };
		int rc = jr_centre_personal(gs->c, r->regid, &reg, &eb);

		if (rc != JR_OK)
			return rc;
		village = reg.village;
		jr_registration_wipe(&reg);
	}
	for (i = 0; i < gs->n; i++)
		if (gs->g[i].district == r->district && gs->g[i].village == village &&
		    gs->g[i].type == r->type && strcmp(gs->g[i].sponsor, r->sponsor) == 0)
			break;
	if (i == gs->n) {
		if (gs->n == gs->cap) {
			size_t cap = gs->cap ? 2 * gs->cap : 64;
			struct group *p = realloc(gs->g, cap * sizeof *p);

			if (p == NULL)
				return JR_ENOMEM;
			gs->g = p;
			gs->cap = cap;
		}
		memset(&gs->g[i], 0, sizeof gs->g[i]);
		gs->g[i].district = r->district;
		gs->g[i].village = village;
		gs->g[i].type = r->type;
		memcpy(gs->g[i].sponsor, r->sponsor, sizeof r->sponsor);
		gs->n++;
	}
	gs->g[i].recipients++;
	gs->g[i].promised_rp += r->rate_rp * r->months;
	return JR_OK;
}

static int cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->district != y->district)
		return x->district < y->district ? -1 : 1;
	if (x->village != y->village)
		return x->village < y->village ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	return strcmp(x->sponsor, y->sponsor);
}

static void recipients_csv(FILE *f, struct groups *gs)
{
	static const char *const head[] = { "district_code", "district", "village_code",
		"village", "sponsor_type", "sponsor", "recipients", "promised_rp" };
	char code[16];

	if (gs->n > 0)
		qsort(gs->g, gs->n, sizeof *gs->g, cmp_group);
	csv_row(f, head, 8);
	for (size_t i = 0; i < gs->n; i++) {
		const struct group *g = &gs->g[i];

		code_of(g->district, code, sizeof code);
		csv_field(f, code, false);
		csv_field(f, name_of(g->district), false);
		code_of(g->village, code, sizeof code);
		csv_field(f, g->village ? code : "", false);
		csv_field(f, g->village ? name_of(g->village) : "", false);
		csv_field(f, sponsor_label(g->type), false);
		csv_field(f, g->sponsor, false);
		csv_u64(f, g->recipients, false);
		csv_u64(f, g->promised_rp, true);
	}
}

/* ---- report sponsors (Table 1) ---------------------------------------------- */

struct t1 { uint64_t workers, promised_rp; uint32_t months; bool mixed; };

static int t1_one(void *arg, const struct jr_centre_recipient *r)
{
	struct t1 *t = (struct t1 *)arg + (r->type <= JR_SPONSOR_ASN ? r->type : 0);

	t->workers++;
	t->promised_rp += r->rate_rp * r->months;
	if (t->months != 0 && t->months != r->months)
		t->mixed = true;
	if (r->months > t->months)
		t->months = r->months;
	return JR_OK;
}

/* The rows in Table 1's order and words (assets/reference). */
static void sponsors_csv(FILE *f, const struct t1 *t)
{
	static const char *const head[] = { "no", "sponsor_type", "workers", "months",
		"contribution_rp" };
	static const enum jr_sponsor order[] = { JR_SPONSOR_CSR, JR_SPONSOR_APBD,
		JR_SPONSOR_VILLAGE, JR_SPONSOR_ASN };
	uint64_t w = 0, m = 0, rp = 0;

	csv_row(f, head, 5);
	for (size_t i = 0; i < 4; i++) {
		const struct t1 *x = &t[order[i]];

		csv_u64(f, i + 1, false);
		csv_field(f, sponsor_label(order[i]), false);
		csv_u64(f, x->workers, false);
		csv_u64(f, x->months, false);
		csv_u64(f, x->promised_rp, true);
		w += x->workers;
		m += x->months;
		rp += x->promised_rp;
	}
	csv_field(f, "total", false);
	csv_field(f, "", false);
	csv_u64(f, w, false);
	csv_u64(f, m, false);
	csv_u64(f, rp, true);
}

/* ---- report reconciliation -------------------------------------------------- */

struct recon {
	struct jr_centre *c;
	FILE *f;
	uint32_t month;
	uint64_t paid, missing, extra, recorded, promised_rp, confirmed_rp;
	uint8_t *ps;      /* the month's recipients' pseudonyms, sorted */
	size_t n_ps, cap_ps;
	int err;
};

static int recon_one(void *arg, const struct jr_centre_recipient *r)
{
	struct recon *x = arg;
	char id[2 * JR_REGID_BYTES + 1], ps[2 * JR_CENTRE_PSEUDONYM_BYTES + 1], code[16];
	bool confirmed = false;
	int rc = jr_centre_list_has(x->c, JR_REFLIST_PAYMENTS, x->month, r->pseudonym,
		&confirmed);

	if (rc != JR_OK)
		return rc;
	if (x->n_ps == x->cap_ps) {
		size_t cap = x->cap_ps ? 2 * x->cap_ps : 4096;
		uint8_t *p = realloc(x->ps, cap * JR_CENTRE_PSEUDONYM_BYTES);

		if (p == NULL)
			return JR_ENOMEM;
		x->ps = p;
		x->cap_ps = cap;
	}
	memcpy(x->ps + x->n_ps++ * JR_CENTRE_PSEUDONYM_BYTES, r->pseudonym,
		JR_CENTRE_PSEUDONYM_BYTES);
	hex_of(r->regid, JR_REGID_BYTES, id);
	hex_of(r->pseudonym, JR_CENTRE_PSEUDONYM_BYTES, ps);
	code_of(r->district, code, sizeof code);
	csv_field(x->f, id, false);
	csv_field(x->f, ps, false);
	csv_field(x->f, code, false);
	csv_field(x->f, r->decree, false);
	csv_field(x->f, r->allocation, false);
	csv_field(x->f, sponsor_label(r->type), false);
	csv_u64(x->f, r->rate_rp, false);
	csv_field(x->f, r->paid_in_month ? "yes" : "no", false);
	csv_field(x->f, confirmed ? "yes" : "no", false);
	csv_field(x->f, confirmed ? "paid" : "missing", true);
	x->promised_rp += r->rate_rp;
	x->recorded += r->paid_in_month;
	if (confirmed) {
		x->paid++;
		x->confirmed_rp += r->rate_rp;
	} else {
		x->missing++;
	}
	return JR_OK;
}

static int cmp_ps(const void *a, const void *b)
{
	return memcmp(a, b, JR_CENTRE_PSEUDONYM_BYTES);
}

static int extra_one(void *arg, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES])
{
	struct recon *x = arg;
	char h[2 * JR_CENTRE_PSEUDONYM_BYTES + 1];

	if (x->n_ps > 0 && bsearch(ps, x->ps, x->n_ps, JR_CENTRE_PSEUDONYM_BYTES, cmp_ps) != NULL)
		return JR_OK;
	hex_of(ps, JR_CENTRE_PSEUDONYM_BYTES, h);
	csv_field(x->f, "", false);
	csv_field(x->f, h, false);
	for (int i = 0; i < 5; i++) /* district .. rate: no decree promised it */
		csv_field(x->f, "", false);
	csv_field(x->f, "no", false);
	csv_field(x->f, "yes", false);
	csv_field(x->f, "extra", true);
	x->extra++;
	return JR_OK;
}

static int reconcile(struct jr_centre *c, FILE *f, uint32_t month, bool json)
{
	static const char *const head[] = { "regid", "pseudonym", "district_code", "decree",
		"allocation", "sponsor_type", "rate_rp", "recorded_paid", "confirmed", "status" };
	struct recon x;
	struct jr_errbuf eb = { 0 };
	int rc;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.f = f;
	x.month = month;
	csv_row(f, head, 10);
	rc = jr_centre_recipients(c, month, recon_one, &x, &eb);
	if (rc == JR_OK && x.n_ps > 0)
		qsort(x.ps, x.n_ps, JR_CENTRE_PSEUDONYM_BYTES, cmp_ps);
	if (rc == JR_OK)
		rc = jr_centre_list_each(c, JR_REFLIST_PAYMENTS, month, extra_one, &x, &eb);
	free(x.ps);
	if (rc != JR_OK)
		return failed("reconciliation: %s", ebmsg(&eb, rc));
	if (json)
		fprintf(stderr, "{\"month\":%u,\"promised\":%" PRIu64 ",\"recorded_paid\":%" PRIu64
			",\"paid\":%" PRIu64 ",\"missing\":%" PRIu64 ",\"extra\":%" PRIu64
			",\"promised_rp\":%" PRIu64 ",\"confirmed_rp\":%" PRIu64 "}\n", month,
			x.paid + x.missing, x.recorded, x.paid, x.missing, x.extra, x.promised_rp,
			x.confirmed_rp);
	else
		fprintf(stderr, "%s: %u: %" PRIu64 " promised, %" PRIu64 " paid, %" PRIu64
			" missing, %" PRIu64 " extra\n", prog_cmd, month, x.paid + x.missing, x.paid,
			x.missing, x.extra);
	return x.missing || x.extra ? EXIT_FAILED : 0;
}

/* ---- report backlog ----------------------------------------------------------- */

#define BANDS 4
static const int64_t band_days[BANDS] = { 7, 30, 90, INT64_MAX };

struct backlog {
	int64_t now;
	uint64_t n[JR_AGENCY_DISKOMINFO + 1][BANDS];
	int64_t oldest[JR_AGENCY_DISKOMINFO + 1];
};

static int backlog_one(void *arg, const struct jr_centre_item *it)
{
	struct backlog *b = arg;
	int64_t days = b->now > it->time ? (b->now - it->time) / 86400 : 0;
	size_t band = 0;

	while (days > band_days[band])
		band++;
	for (uint32_t a = 1; a <= JR_AGENCY_DISKOMINFO; a++)
		if ((it->required & (1u << a)) != 0 && (it->approvals & (1u << a)) == 0) {
			b->n[a][band]++;
			if (days > b->oldest[a])
				b->oldest[a] = days;
		}
	return JR_OK;
}

static void backlog_csv(FILE *f, const struct backlog *b)
{
	static const char *const head[] = { "agency", "days_0_7", "days_8_30", "days_31_90",
		"days_91_plus", "total", "oldest_days" };

	csv_row(f, head, 7);
	for (uint32_t a = 1; a <= JR_AGENCY_DISKOMINFO; a++) {
		uint64_t t = 0;

		csv_field(f, agencies[a].s, false);
		for (size_t k = 0; k < BANDS; k++) {
			csv_u64(f, b->n[a][k], false);
			t += b->n[a][k];
		}
		csv_u64(f, t, false);
		csv_u64(f, (uint64_t)b->oldest[a], true);
	}
}

/* ---- the chart -------------------------------------------------------------- */

static void xml_text(FILE *f, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else
			fputc(*s, f);
	}
}

/* The scale's end for bars up to max: four steps of 1, 2 or 5 times a
 * power of ten, so that every quarter is a round number (6 -> 8, 180 -> 200). */
static uint64_t nice_scale(uint64_t max)
{
	uint64_t step = (max + 3) / 4, p = 1;

	if (step == 0)
		return 4;
	while (p * 10 <= step)
		p *= 10;
	step = step <= p ? p : step <= 2 * p ? 2 * p : step <= 5 * p ? 5 * p : 10 * p;
	return 4 * step;
}

/* One bar per district, grouped by regency, on a scale of round quarters
 * (nice_scale); values are per mille of coverage with a workforce, else recipients. */
static void chart_svg(FILE *f, const struct cover *cv, const char *title)
{
	const int left = 190, width = 560, row = 22, top = 80;
	int bottom = top + (int)cv->n * row + 2 * 34; /* two regencies' headings */
	int height = bottom + 60;
	bool share = false;
	uint64_t max = 0;
	int y = top;

	for (size_t i = 0; i < cv->n; i++)
		share |= cv->d[i].workers != 0;
	for (size_t i = 0; i < cv->n; i++) {
		const struct district *d = &cv->d[i];
		uint64_t v = share ? (d->workers ? d->recipients * 10000 / d->workers : 0)
			: d->recipients;

		if (v > max)
			max = v;
	}
	max = nice_scale(max);
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"Noto Sans, DejaVu Sans, sans-serif\" "
		"role=\"img\">\n<title>", left + width + 110, height, left + width + 110, height);
	xml_text(f, title);
	fprintf(f, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n"
		"<text x=\"16\" y=\"32\" font-size=\"20\" font-weight=\"bold\" fill=\"#1a1a1a\">");
	xml_text(f, title);
	fprintf(f, "</text>\n<text x=\"16\" y=\"56\" font-size=\"13\" fill=\"#444444\">%s</text>\n",
		share ? "Cakupan: penerima bantuan iuran / pekerja informal (%) — coverage: "
			"recipients / informal workers"
		      : "Penerima bantuan iuran per kecamatan — recipients by district");
	for (int q = 1; q <= 4; q++) { /* the scale: quarters of the longest bar */
		char v[24];
		uint64_t at = max * (uint64_t)q / 4;

		if (share)
			pct(at, 10000, v, sizeof v);
		else
			(void)snprintf(v, sizeof v, "%" PRIu64, at);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#dddddd\"/>\n"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\" "
			"fill=\"#666666\">%s%s</text>\n", left + width * q / 4, top, left + width * q / 4,
			bottom, left + width * q / 4, bottom + 14, v, share ? " %" : "");
	}
	for (size_t i = 0; i < cv->n; i++) {
		const struct district *d = &cv->d[i];
		uint64_t v = share ? (d->workers ? d->recipients * 10000 / d->workers : 0)
			: d->recipients;
		int w = (int)(v * (uint64_t)width / max);
		char label[48], p[24];

		if (i == 0 || d->r->parent != cv->d[i - 1].r->parent) {
			y += 12;
			fprintf(f, "<text x=\"16\" y=\"%d\" font-size=\"14\" font-weight=\"bold\" "
				"fill=\"#1a1a1a\">", y + 10);
			xml_text(f, name_of(d->r->parent));
			fprintf(f, "</text>\n");
			y += 22;
		}
		if (share) {
			pct(d->recipients, d->workers, p, sizeof p);
			(void)snprintf(label, sizeof label, d->workers ? "%s %%" : "%s",
				d->workers ? p : "tidak ada data / no data");
		} else {
			(void)snprintf(label, sizeof label, "%" PRIu64, d->recipients);
		}
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\" "
			"fill=\"#1a1a1a\">", left - 8, y + 14);
		xml_text(f, d->r->name);
		fprintf(f, "</text>\n<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
			"fill=\"%s\"/>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#1a1a1a\">%s"
			"</text>\n", left, y + 2, w > 0 ? w : 1,
			d->r->parent == 3376 ? "#c0392b" : "#1f6fb2", left + (w > 0 ? w : 1) + 6,
			y + 14, label);
		y += row;
	}
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888888\"/>\n"
		"<text x=\"16\" y=\"%d\" font-size=\"11\" fill=\"#666666\">Sumber / source: "
		"jaring-admin, the node's state; informal workforce: --workforce file</text>\n"
		"</svg>\n", left, top, left, y, y + 36);
}

/* ---- the commands ---------------------------------------------------------- */

static int open_out(const char *path, FILE **f)
{
	if (path == NULL) {
		*f = stdout;
		return 0;
	}
	if ((*f = fopen(path, "wb")) == NULL)
		return failed("cannot write %s: %s", path, strerror(errno));
	return 0;
}

static int close_out(const char *path, FILE *f, int rc)
{
	if (f == stdout)
		return fflush(f) == 0 ? rc : failed("cannot write the output");
	if (ferror(f) || fclose(f) != 0)
		return failed("cannot write %s", path);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	const char *kind = argc > 2 ? argv[2] : NULL;
	const char *state = NULL, *out = NULL, *month = NULL, *cons = NULL, *wf = NULL,
		*now = NULL;
	struct ropt o[] = { { "--state", &state }, { "--out", &out }, { "--month", &month },
		{ "--consortium", &cons }, { "--workforce", &wf }, { "--now", &now } };
	struct jr_centre *c = NULL;
	struct jr_key *ck = NULL;
	struct jr_errbuf eb = { 0 };
	bool json = false;
	uint32_t mon = 0;
	uint64_t t = 0;
	FILE *f = NULL;
	int rc;

	if (kind != NULL && (strcmp(kind, "--help") == 0 || strcmp(kind, "-h") == 0)) {
		fputs(usage_report, stdout);
		return 0;
	}
	if (kind != NULL && kind[0] == '-')
		return usage_error("unknown option '%s'", kind);
	if (kind == NULL)
		return usage_error("missing argument KIND (recipients, sponsors, coverage, "
			"reconciliation or backlog)");
	if ((rc = read_opts(argc - 1, argv + 1, usage_report, o, 6, &json, NULL, NULL)) != 0)
		return rc < 0 ? 0 : rc;
	if (strcmp(kind, "recipients") != 0 && strcmp(kind, "sponsors") != 0 &&
	    strcmp(kind, "coverage") != 0 && strcmp(kind, "reconciliation") != 0 &&
	    strcmp(kind, "backlog") != 0)
		return usage_error("unknown report '%s': recipients, sponsors, coverage, "
			"reconciliation or backlog", kind);
	if (state == NULL)
		return usage_error("missing option --state");
	if (month != NULL && (rc = yyyymm("--month", month, &mon)) != 0)
		return rc;
	if (strcmp(kind, "reconciliation") == 0 && month == NULL)
		return usage_error("reconciliation needs --month YYYYMM");
	if (now != NULL && (rc = parse_u64("--now", now, INT64_MAX, &t)) != 0)
		return rc;
	if (cons != NULL && (rc = load_key(cons, NULL, &ck)) != 0)
		return rc;
	if ((rc = open_state(state, ck, &c)) != 0 || (rc = open_out(out, &f)) != 0)
		goto done;
	if (strcmp(kind, "coverage") == 0) {
		struct cover *cv = malloc(sizeof *cv);

		if (cv == NULL) {
			rc = failed("out of memory");
			goto done_out;
		}
		districts_init(cv);
		rc = wf != NULL ? read_workforce(wf, cv) : 0;
		if (rc == 0)
			rc = count_recipients(c, mon, cv);
		if (rc == 0)
			coverage_csv(f, cv);
		free(cv->ids);
		free(cv);
	} else if (strcmp(kind, "recipients") == 0) {
		struct groups gs = { c, ck != NULL, NULL, 0, 0, 0 };

		rc = jr_centre_recipients(c, mon, group_one, &gs, &eb);
		if (rc == JR_OK)
			recipients_csv(f, &gs);
		else
			rc = failed("recipients: %s", ebmsg(&eb, rc));
		free(gs.g);
	} else if (strcmp(kind, "sponsors") == 0) {
		struct t1 tt[JR_SPONSOR_ASN + 1];

		memset(tt, 0, sizeof tt);
		rc = jr_centre_recipients(c, mon, t1_one, tt, &eb);
		if (rc == JR_OK)
			sponsors_csv(f, tt);
		else
			rc = failed("sponsors: %s", ebmsg(&eb, rc));
	} else if (strcmp(kind, "reconciliation") == 0) {
		rc = reconcile(c, f, mon, json);
	} else {
		struct backlog b;

		memset(&b, 0, sizeof b);
		b.now = now != NULL ? (int64_t)t : (int64_t)time(NULL);
		rc = jr_centre_queue(c, 0, 0, backlog_one, &b, &eb);
		if (rc == JR_OK)
			backlog_csv(f, &b);
		else
			rc = failed("backlog: %s", ebmsg(&eb, rc));
	}
done_out:
	rc = close_out(out, f, rc);
done:
	jr_centre_close(c);
	jr_key_free(ck);
	return rc;
}

int cmd_chart(int argc, char **argv)
{
	const char *kind = argc > 2 ? argv[2] : NULL;
	const char *state = NULL, *out = NULL, *month = NULL, *wf = NULL, *title = NULL;
	struct ropt o[] = { { "--state", &state }, { "--out", &out }, { "--month", &month },
		{ "--workforce", &wf }, { "--title", &title } };
	struct jr_centre *c = NULL;
	struct cover *cv = NULL;
	uint32_t mon = 0;
	FILE *f = NULL;
	int rc;

	if (kind != NULL && (strcmp(kind, "--help") == 0 || strcmp(kind, "-h") == 0)) {
		fputs(usage_chart, stdout);
		return 0;
	}
	if (kind != NULL && kind[0] == '-')
		return usage_error("unknown option '%s'", kind);
	if (kind == NULL || strcmp(kind, "coverage") != 0)
		return usage_error(kind == NULL ? "missing argument 'coverage'%s" :
			"unknown chart '%s': coverage", kind == NULL ? "" : kind);
	if ((rc = read_opts(argc - 1, argv + 1, usage_chart, o, 5, NULL, NULL, NULL)) != 0)
		return rc < 0 ? 0 : rc;
	if (state == NULL || out == NULL)
		return usage_error("missing option %s", state == NULL ? "--state" : "--out");
	if (month != NULL && (rc = yyyymm("--month", month, &mon)) != 0)
		return rc;
	if ((cv = malloc(sizeof *cv)) == NULL)
		return failed("out of memory");
	districts_init(cv);
	if ((rc = wf != NULL ? read_workforce(wf, cv) : 0) != 0 ||
	    (rc = open_state(state, NULL, &c)) != 0 || (rc = count_recipients(c, mon, cv)) != 0 ||
	    (rc = open_out(out, &f)) != 0)
		goto done;
	chart_svg(f, cv, title != NULL ? title : "Bantuan iuran BPJS Ketenagakerjaan, Tegal");
	rc = close_out(out, f, 0);
done:
	jr_centre_close(c);
	free(cv->ids);
	free(cv);
	return rc;
}
