/*
 * jaring-admin reflist: a reference list imported from an agency's CSV file
 * (docs/admin.md "Reference lists"): BPJS Ketenagakerjaan's wage-earner
 * participants, Dukcapil's DTKS matches, and BPJS Ketenagakerjaan's payment
 * confirmations of one month. The NIKs become worker pseudonyms with the
 * node's pseudonym key (no NIK leaves this machine) and the list is signed
 * by the owning agency's official as reference list acts (kind 9), in parts
 * of at most 65,536. Every row is checked before anything is signed: a bad
 * row is named with its column and nothing is sent. A list counts only once
 * all its parts are applied, so nothing is ever half-imported.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "admin.h"
#include "csv.h"

static const char usage_reflist[] =
	"jaring-admin reflist: import a reference list from CSV and sign it with the\n"
	"owning agency's key: wage-earner participants (BPJS Ketenagakerjaan), DTKS\n"
	"matches (Dukcapil), or the payment confirmations of one month (BPJS\n"
	"Ketenagakerjaan). Every row is checked first; a bad row is named with its\n"
	"column and nothing is signed or sent.\n"
	"\n"
	"usage: jaring-admin reflist --kind KIND --csv FILE --pseudonym-key FILE\n"
	"                            (--serial N | --month YYYYMM) --key FILE\n"
	"                            (--node URL | --check) [--json]\n"
	"  --kind KIND          wage-earners, dtks or payments\n"
	"  --csv FILE           UTF-8, header row; a column 'nik' (16 digits); payments\n"
	"                       also 'month' (YYYYMM, all rows the month given) and\n"
	"                       'amount_rp'; other columns are ignored and never stored\n"
	"  --pseudonym-key FILE the node's pseudonym key (64 hex digits)\n"
	"  --serial N           wage-earners, dtks: above the list in force\n"
	"  --month YYYYMM       payments: the month confirmed\n"
	"  --key FILE           the official's PIN-sealed key file\n"
	"  --pin-file FILE      its PIN; else JARING_PIN, else a prompt\n"
	"  --node URL           post the parts to the node\n"
	"  --check              check the file only; sign and send nothing\n"
	"  --json               print {\"rows\",\"parts\",\"applied\"}\n"
	"\n"
	"exit status:\n"
	"  0  checked, or every part applied\n"
	"  1  a bad row (named), a file or key that cannot be read, or a part refused\n"
	"     (the list does not take effect until all its parts are in)\n"
	"  2  usage error\n"
	"  3  the node could not be reached\n";

static const struct name kinds[] = {
	{ "wage-earners", JR_REFLIST_WAGE_EARNERS }, { "dtks", JR_REFLIST_DTKS },
	{ "payments", JR_REFLIST_PAYMENTS }, { NULL, 0 }
};

static int load_pseudonym_key(const char *path, uint8_t *key)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf b = { NULL, 0 };
	char line[2 * JR_CENTRE_PSEUDONYM_KEY_BYTES + 1];
	int rc = jr_file_read(path, 256, &b, &eb);

	if (rc != JR_OK)
		return failed("cannot read the pseudonym key %s: %s", path, ebmsg(&eb, rc));
	rc = b.len >= sizeof line - 1 ? 0 : EXIT_FAILED;
	if (rc == 0) {
		memcpy(line, b.base, sizeof line - 1);
		line[sizeof line - 1] = '\0';
		rc = parse_hex("pseudonym key", line, key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	}
	sodium_memzero(line, sizeof line);
	sodium_memzero(b.base, b.len);
	jr_buf_free(&b);
	if (rc != 0)
		return failed("%s is not a pseudonym key (one line of 64 hex digits, as "
			"jaring-node keygen --kind pseudonym writes)", path);
	return 0;
}

static int cmp_ps(const void *a, const void *b)
{
	return memcmp(a, b, JR_CENTRE_PSEUDONYM_BYTES);
}

/* The rows' pseudonyms, checked. */
struct rows {
	uint8_t *ps;   /* JR_CENTRE_PSEUDONYM_BYTES each, then sorted */
	uint32_t *row; /* the CSV row of each, for the duplicate message */
	size_t n, cap;
};

static int rows_add(struct rows *r, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint32_t row)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		uint8_t *p = realloc(r->ps, cap * JR_CENTRE_PSEUDONYM_BYTES);
		uint32_t *q;

		if (p == NULL)
			return failed("out of memory at %zu rows", r->n);
		r->ps = p;
		if ((q = realloc(r->row, cap * sizeof *q)) == NULL)
			return failed("out of memory at %zu rows", r->n);
		r->row = q;
		r->cap = cap;
	}
	memcpy(r->ps + r->n * JR_CENTRE_PSEUDONYM_BYTES, ps, JR_CENTRE_PSEUDONYM_BYTES);
	r->row[r->n++] = row;
	return 0;
}

/* One field of a row, checked; 0 or the exit status with the row named. */
static int bad(const char *file, uint32_t row, const char *col, const char *what)
{
	return failed("%s row %" PRIu32 ", column '%s': %s; fix the row and import again "
		"(nothing was imported)", file, row, col, what);
}

struct want { int nik, month, amount; };

static int check_row(const char *file, uint32_t row, const struct jr_csv *c,
	const struct want *w, uint32_t month, const uint8_t *pkey, struct rows *r)
{
	char nik[JR_NIK_LEN + 1], msg[160];
	uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES];
	const char *f = jr_csv_field(c, (size_t)w->nik);
	size_t n = strlen(f);
	if (n != JR_NIK_LEN || strspn(f, "0123456789") != n)
		return bad(file, row, "nik", n == 0 ? "empty" : "not 16 digits");
	if (w->month >= 0) {
		const char *m = jr_csv_field(c, (size_t)w->month), *a;
		char *end = NULL;
		unsigned long long v;

		errno = 0;
		v = strtoull(m, &end, 10);
		if (m[0] < '0' || m[0] > '9' || *end != '\0' || errno != 0 || v != month) {
			(void)snprintf(msg, sizeof msg, "'%.16s' is not the month imported (%u)", m,
				month);
			return bad(file, row, "month", msg);
		}
		a = jr_csv_field(c, (size_t)w->amount);
		errno = 0;
		v = strtoull(a, &end, 10);
		if (a[0] < '1' || a[0] > '9' || *end != '\0' || errno != 0 ||
		    v > JR_CENTRE_AMOUNT_MAX)
			return bad(file, row, "amount_rp", "not a whole number of rupiah above 0");
	}
	memcpy(nik, f, sizeof nik);
	jr_centre_pseudonym_of(pkey, nik, ps);
	sodium_memzero(nik, sizeof nik);
	return rows_add(r, ps, row);
}

static int column(const struct jr_csv *c, const char *file, const char *name, int *col)
{
	for (size_t i = 0; i < jr_csv_count(c); i++)
		if (strcmp(jr_csv_field(c, i), name) == 0) {
			*col = (int)i;
			return 0;
		}
	return failed("%s: the header row has no column '%s' (it needs: nik%s); nothing was "
		"imported", file, name, strcmp(name, "nik") == 0 ? "" : ", month, amount_rp");
}

/* Reads and checks the whole file into r (sorted, no duplicates). */
static int read_list(const char *file, enum jr_reflist kind, uint32_t month,
	const uint8_t *pkey, struct rows *r)
{
	struct want w = { -1, -1, -1 };
	struct jr_csv c;
	uint32_t row = 1;
	int e, rc;

	if ((e = jr_csv_open(&c, file)) != 0)
		return e;
	rc = jr_csv_next(&c);
	if (rc <= 0) {
		jr_csv_close(&c);
		return rc < 0 ? failed("%s row 1: %s; nothing was imported", file, c.err)
			: failed("%s is empty: it needs a header row; nothing was imported", file);
	}
	e = column(&c, file, "nik", &w.nik);
	if (e == 0 && kind == JR_REFLIST_PAYMENTS)
		e = column(&c, file, "month", &w.month);
	if (e == 0 && kind == JR_REFLIST_PAYMENTS)
		e = column(&c, file, "amount_rp", &w.amount);
	while (e == 0 && (rc = jr_csv_next(&c)) > 0) {
		row++;
		if (jr_csv_count(&c) == 1 && jr_csv_field(&c, 0)[0] == '\0')
			continue; /* a blank line */
		if (jr_csv_count(&c) != c.header_fields) {
			char msg[96];

			(void)snprintf(msg, sizeof msg, "%zu fields, the header has %zu",
				jr_csv_count(&c), c.header_fields);
			e = bad(file, row, "*", msg);
			break;
		}
		e = check_row(file, row, &c, &w, month, pkey, r);
	}
	if (e == 0 && rc < 0)
		e = failed("%s row %" PRIu32 ": %s; fix it and import again (nothing was "
			"imported)", file, row + 1, c.err);
	jr_csv_close(&c);
	if (e != 0)
		return e;
	/* sort rows by pseudonym, carrying their row numbers along */
	{
		size_t k = JR_CENTRE_PSEUDONYM_BYTES + sizeof(uint32_t);
		uint8_t *t = malloc(r->n * k + 1);

		if (t == NULL)
			return failed("out of memory for %zu rows", r->n);
		for (size_t i = 0; i < r->n; i++) {
			memcpy(t + i * k, r->ps + i * JR_CENTRE_PSEUDONYM_BYTES,
				JR_CENTRE_PSEUDONYM_BYTES);
			memcpy(t + i * k + JR_CENTRE_PSEUDONYM_BYTES, &r->row[i], sizeof(uint32_t));
		}
		qsort(t, r->n, k, cmp_ps);
		for (size_t i = 0; i < r->n; i++) {
			memcpy(r->ps + i * JR_CENTRE_PSEUDONYM_BYTES, t + i * k,
				JR_CENTRE_PSEUDONYM_BYTES);
			memcpy(&r->row[i], t + i * k + JR_CENTRE_PSEUDONYM_BYTES, sizeof(uint32_t));
		}
		free(t);
	}
	for (size_t i = 1; i < r->n; i++)
		if (cmp_ps(r->ps + (i - 1) * JR_CENTRE_PSEUDONYM_BYTES,
			    r->ps + i * JR_CENTRE_PSEUDONYM_BYTES) == 0) {
			uint32_t a = r->row[i - 1], b = r->row[i];
			char msg[96];

			(void)snprintf(msg, sizeof msg, "the same NIK as row %" PRIu32,
				a < b ? a : b);
			return bad(file, a > b ? a : b, "nik", msg);
		}
	return 0;
}

int cmd_reflist(int argc, char **argv)
{
	const char *kind = NULL, *csv = NULL, *pkf = NULL, *serial = NULL, *month = NULL,
		*key = NULL, *pin_file = NULL, *node = NULL;
	struct ropt o[] = { { "--kind", &kind }, { "--csv", &csv }, { "--pseudonym-key", &pkf },
		{ "--serial", &serial }, { "--month", &month }, { "--key", &key },
		{ "--pin-file", &pin_file }, { "--node", &node } };
	struct rows r = { NULL, NULL, 0, 0 };
	uint8_t *pkey = NULL;
	struct jr_key *k = NULL;
	bool json = false, check = false;
	uint64_t ser = 0;
	uint32_t kd = 0, mon = 0;
	size_t parts = 1, applied = 0;
	int rc;

	if ((rc = read_opts(argc, argv, usage_reflist, o, 8, &json, &check, "--check")) != 0)
		return rc < 0 ? 0 : rc;
	if (kind == NULL || csv == NULL || pkf == NULL)
		return usage_error("missing option %s", kind == NULL ? "--kind" : csv == NULL ?
			"--csv" : "--pseudonym-key");
	if ((rc = lookup(kinds, "list kind", kind, strlen(kind), &kd)) != 0)
		return rc;
	if (kd == JR_REFLIST_PAYMENTS) {
		if (month == NULL || serial != NULL)
			return usage_error("payments take --month YYYYMM (not --serial)");
		if ((rc = yyyymm("--month", month, &mon)) != 0)
			return rc;
		ser = mon;
	} else {
		if (serial == NULL || month != NULL)
			return usage_error("%s takes --serial N (not --month)", kind);
		if ((rc = parse_u64("--serial", serial, INT64_MAX, &ser)) != 0)
			return rc;
		if (ser == 0)
			return usage_error("--serial must be 1 or more");
	}
	if (!check && (key == NULL || node == NULL))
		return usage_error("missing option %s (or --check)", key == NULL ? "--key" :
			"--node");
	if ((pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES)) == NULL)
		return failed("out of memory");
	if ((rc = load_pseudonym_key(pkf, pkey)) != 0 ||
	    (rc = read_list(csv, (enum jr_reflist)kd, mon, pkey, &r)) != 0)
		goto done;
	parts = r.n == 0 ? 1 : (r.n + JR_CENTRE_MAX_LIST - 1) / JR_CENTRE_MAX_LIST;
	if (parts > JR_CENTRE_MAX_PARTS) {
		rc = failed("%s: %zu rows, more than a list holds (%d parts of %d)", csv, r.n,
			JR_CENTRE_MAX_PARTS, JR_CENTRE_MAX_LIST);
		goto done;
	}
	if (!check && (rc = load_key(key, pin_file, &k)) != 0)
		goto done;
	for (size_t p = 0; !check && p < parts; p++) {
		size_t off = p * JR_CENTRE_MAX_LIST;
		size_t n = r.n - off < JR_CENTRE_MAX_LIST ? r.n - off : JR_CENTRE_MAX_LIST;
		struct jr_buf e = { NULL, 0 };
		char what[64];

		if (jr_centre_reflist_entry(k, (int64_t)time(NULL), (enum jr_reflist)kd, ser,
			    (uint32_t)p, (uint32_t)parts, r.ps + off * JR_CENTRE_PSEUDONYM_BYTES, n,
			    &e) != JR_OK) {
			rc = failed("cannot build part %zu of the list", p);
			goto done;
		}
		(void)snprintf(what, sizeof what, "reflist part %zu of %zu", p + 1, parts);
		act_out = json ? stderr : stdout;
		rc = post_entry(node, e.base, e.len, false, what);
		act_out = stdout;
		jr_buf_free(&e);
		if (rc != 0) {
			fprintf(stderr, "%s: %s: the list is not in force (%zu of %zu parts applied); "
				"fix the cause and import it again under a new serial\n", prog_cmd, csv,
				applied, parts);
			goto done;
		}
		applied++;
	}
	if (json)
		printf("{\"kind\":\"%s\",\"serial\":%" PRIu64 ",\"rows\":%zu,\"parts\":%zu,"
			"\"applied\":%zu}\n", kind, ser, r.n, parts, applied);
	else
		printf("%s: %zu rows, %zu part%s%s\n", csv, r.n, parts, parts == 1 ? "" : "s",
			check ? " checked; nothing sent" : " applied");
	rc = 0;
done:
	sodium_free(pkey);
	jr_key_free(k);
	free(r.ps);
	free(r.row);
	return rc;
}
