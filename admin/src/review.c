/*
 * jaring-admin queue, show and approve --all-passing: the review queue per
 * agency, read from the node's state file on the node's machine
 * (jr_centre_open_reader; docs/admin.md "The review queue"), and one
 * registration, whose person's data is shown only once the node has applied
 * the official's signed view act for it.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "jaring/cli.h"
#include "jaring/record.h"
#include "jaring/region.h"
#include "jaring/roster.h"
#include "jaring/rules.h"

static const char usage_queue[] =
	"jaring-admin queue: what waits for one agency's review, oldest first, with\n"
	"the contract's findings: the rules' reason codes (none: every rule passed),\n"
	"the wage-earner and DTKS lists, the approvals so far and the comments. Read\n"
	"from the node's state file on the node's machine; no personal data.\n"
	"\n"
	"usage: jaring-admin queue --state FILE --agency AGENCY [--region CODE]\n"
	"                          [--limit N] [--now SECONDS] [--json]\n"
	"  --state FILE     the node's state file (DATA_DIR/state.db), opened read only\n"
	"  --agency AGENCY  disnaker, dpmd, dukcapil, bpjstk or diskominfo\n"
	"  --region CODE    only this regency or district (default: everywhere)\n"
	"  --limit N        at most N rows (default: all)\n"
	"  --now SECONDS    the time ages are counted to (default: now)\n"
	"  --json           one JSON object (docs/admin.md)\n"
	"\n"
	"exit status:\n"
	"  0  listed (an empty queue too)\n"
	"  1  the state file cannot be read\n"
	"  2  usage error\n";

static const char usage_show[] =
	"jaring-admin show: one registration: where it stands and the contract's\n"
	"findings. With --personal, also the person's data, after the node applied\n"
	"the official's signed view act for it (only keys of the verification team\n"
	"may view; the act is on the public log).\n"
	"\n"
	"usage: jaring-admin show --state FILE --reg HEX [--json]\n"
	"       jaring-admin show --state FILE --reg HEX --personal --key FILE\n"
	"                         --node URL --consortium KEYFILE [--pin-file FILE] [--json]\n"
	"  --state FILE        the node's state file, opened read only\n"
	"  --reg HEX           the registration id (32 hex digits)\n"
	"  --personal          show the person's data (signs and posts a view act first)\n"
	"  --key FILE          the official's PIN-sealed key file\n"
	"  --node URL          the node the view act goes to\n"
	"  --consortium FILE   the node's consortium key file (opens the record)\n"
	"  --pin-file FILE     the official's PIN; else JARING_PIN, else a prompt\n"
	"  --json              one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  shown\n"
	"  1  unknown registration, the state or a key cannot be read, or the view act\n"
	"     was refused (nothing personal is shown)\n"
	"  2  usage error\n"
	"  3  the node could not be reached (nothing personal is shown)\n";

int open_state(const char *path, const struct jr_key *consortium, struct jr_centre **c)
{
	struct jr_errbuf eb = { 0 };
	int rc = jr_centre_open_reader(path, consortium, c, &eb);

	if (rc != JR_OK)
		return failed("cannot read the node's state %s: %s (give --state the node's "
			"DATA_DIR/state.db, on the node's machine)", path, ebmsg(&eb, rc));
	return 0;
}

void hex_of(const uint8_t *p, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static const char *agency_name(uint32_t a)
{
	for (const struct name *t = agencies; t->s != NULL; t++)
		if (t->v == a)
			return t->s;
	return "none";
}

/* Agency bits as "disnaker+dpmd" ("-" for none). */
static void agency_set(uint32_t bits, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (uint32_t a = 1; a <= JR_AGENCY_DISKOMINFO; a++)
		if ((bits & (1u << a)) != 0 && o + 1 < cap)
			o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? "+" : "", agency_name(a));
	if (o == 0)
		(void)snprintf(out, cap, "-");
}

static const char *dtks_of(const struct jr_centre_item *it)
{
	return !it->dtks_required ? "not-required" : it->dtks_match ? "match" : "no-match";
}

/* Every rule passed and the worker is eligible by the lists now. */
static bool passing(const struct jr_centre_item *it)
{
	return it->outcome == JR_CO_ACCEPTED && it->reasons.n == 0 && !it->wage_earner &&
		(!it->dtks_required || it->dtks_match);
}

static void rules_of(const struct jr_centre_item *it, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (size_t i = 0; i < it->reasons.n && o + 1 < cap; i++) {
		const char *n = jr_reason_name(it->reasons.reasons[i]);

		o += (size_t)snprintf(out + o, cap - o, "%s%d:%s", o ? "+" : "",
			(int)it->reasons.reasons[i], n != NULL ? n : "?");
	}
	if (o == 0)
		(void)snprintf(out, cap, "passed");
}

static int64_t age_days(int64_t now, int64_t t)
{
	return now > t ? (now - t) / 86400 : 0;
}

/* The item as JSON fields, without the braces. */
static void item_json_fields(FILE *f, const struct jr_centre_item *it, int64_t now)
{
	char id[2 * JR_REGID_BYTES + 1], k[2 * JR_ID_BYTES + 1], rules[512], ap[128], req[128];

	hex_of(it->regid, JR_REGID_BYTES, id);
	hex_of(it->kiosk, JR_ID_BYTES, k);
	rules_of(it, rules, sizeof rules);
	agency_set(it->approvals, ap, sizeof ap);
	agency_set(it->required, req, sizeof req);
	fprintf(f, "\"regid\":\"%s\",\"district\":%" PRIu64 ",\"kiosk\":\"%s\",\"height\":%"
		PRIu64 ",\"time\":%" PRId64 ",\"age_days\":%" PRId64 ",\"leaf\":%" PRIu64
		",\"outcome\":%d,\"phase\":%d,\"rules\":\"%s\",\"wage_earner\":%s,\"dtks\":\"%s\","
		"\"passing\":%s,\"approvals\":\"%s\",\"required\":\"%s\",\"comments\":%" PRIu64,
		id, it->district, k, it->height, it->time, age_days(now, it->time), it->leaf,
		(int)it->outcome, (int)it->phase, rules, it->wage_earner ? "true" : "false",
		dtks_of(it), passing(it) ? "true" : "false", ap, req, it->comments);
}

static void item_json(FILE *f, const struct jr_centre_item *it, int64_t now)
{
	fputc('{', f);
	item_json_fields(f, it, now);
	fputc('}', f);
}

static void item_text(FILE *f, const struct jr_centre_item *it, int64_t now)
{
	char id[2 * JR_REGID_BYTES + 1], rules[512], ap[128];

	hex_of(it->regid, JR_REGID_BYTES, id);
	rules_of(it, rules, sizeof rules);
	agency_set(it->approvals, ap, sizeof ap);
	fprintf(f, "%s  %-8" PRIu64 "  %6" PRId64 "  %-12s  %-5s  %-12s  %-32s  %" PRIu64 "\n",
		id, it->district, age_days(now, it->time), rules, it->wage_earner ? "yes" : "no",
		dtks_of(it), ap, it->comments);
}

struct listing { FILE *f; bool json; int64_t now; uint64_t limit, n; };

static int list_one(void *arg, const struct jr_centre_item *it)
{
	struct listing *l = arg;

	if (l->limit != 0 && l->n >= l->limit)
		return JR_EEXIST; /* enough: stops the walk */
	if (l->json) {
		fputs(l->n ? "," : "", l->f);
		item_json(l->f, it, l->now);
	} else {
		item_text(l->f, it, l->now);
	}
	l->n++;
	return JR_OK;
}

int read_opts(int argc, char **argv, const char *help, const struct ropt *o, size_t n,
	bool *json, bool *flag, const char *flag_name)
{
	for (int i = 2; i < argc; i++) {
		const char *v = NULL;
		bool done = false;
		int r;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return -1;
		}
		if (strcmp(argv[i], "--json") == 0 && json != NULL) {
			*json = true;
			continue;
		}
		if (flag_name != NULL && strcmp(argv[i], flag_name) == 0) {
			*flag = true;
			continue;
		}
		for (size_t k = 0; k < n && !done; k++) {
			if ((r = jr_cli_value(argc, argv, &i, o[k].name, &v)) == 0)
				continue;
			if (r < 0)
				return usage_error("option '%s' needs a value", o[k].name);
			*o[k].dst = v;
			done = true;
		}
		if (!done)
			return usage_error(argv[i][0] == '-' ? "unknown option '%s'" :
				"unexpected argument '%s'", argv[i]);
	}
	return 0;
}

static int review_agency(const char *s, uint32_t *a)
{
	int e = lookup(agencies, "agency", s, strlen(s), a);

	if (e != 0)
		return e;
	if (*a < JR_AGENCY_DISNAKER || *a > JR_AGENCY_DISKOMINFO)
		return usage_error("agency '%s' reviews nothing: disnaker, dpmd, dukcapil, bpjstk "
			"or diskominfo", s);
	return 0;
}

int cmd_queue(int argc, char **argv)
{
	const char *state = NULL, *agency = NULL, *region = NULL, *limit = NULL, *now = NULL;
	struct ropt o[] = { { "--state", &state }, { "--agency", &agency },
		{ "--region", &region }, { "--limit", &limit }, { "--now", &now } };
	struct listing l = { stdout, false, 0, 0, 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_centre *c = NULL;
	uint64_t reg = 0, t = 0;
	uint32_t a = 0;
	int rc;

	if ((rc = read_opts(argc, argv, usage_queue, o, 5, &l.json, NULL, NULL)) != 0)
		return rc < 0 ? 0 : rc;
	if (state == NULL || agency == NULL)
		return usage_error("missing option %s", state == NULL ? "--state" : "--agency");
	if ((rc = review_agency(agency, &a)) != 0 ||
	    (region != NULL && (rc = parse_u64("--region", region, 9999999999ULL, &reg)) != 0) ||
	    (limit != NULL && (rc = parse_u64("--limit", limit, UINT32_MAX, &l.limit)) != 0) ||
	    (now != NULL && (rc = parse_u64("--now", now, INT64_MAX, &t)) != 0))
		return rc;
	l.now = now != NULL ? (int64_t)t : (int64_t)time(NULL);
	if ((rc = open_state(state, NULL, &c)) != 0)
		return rc;
	if (l.json)
		printf("{\"agency\":\"%s\",\"items\":[", agency);
	else
		printf("%-32s  %-8s  %6s  %-12s  %-5s  %-12s  %-32s  %s\n", "registration",
			"district", "age(d)", "rules", "wage", "dtks", "approvals", "comments");
	rc = jr_centre_queue(c, a, reg, list_one, &l, &eb);
	jr_centre_close(c);
	if (rc != JR_OK && rc != JR_EEXIST) {
		if (l.json)
			printf("]}\n");
		return failed("queue: %s", ebmsg(&eb, rc));
	}
	if (l.json)
		printf("],\"count\":%" PRIu64 "}\n", l.n);
	else
		fprintf(stderr, "%s: %" PRIu64 " registration%s wait%s for %s\n", prog_cmd, l.n,
			l.n == 1 ? "" : "s", l.n == 1 ? "s" : "", agency);
	return 0;
}

/* ---- approve --all-passing ---------------------------------------------- */

struct gather { uint8_t **ids; size_t *n, *cap; };

static int gather_one(void *arg, const struct jr_centre_item *it)
{
	struct gather *g = arg;

	if (!passing(it))
		return JR_OK;
	if (*g->n == *g->cap) {
		size_t cap = *g->cap ? 2 * *g->cap : 1024;
		uint8_t *p = realloc(*g->ids, cap * JR_REGID_BYTES);

		if (p == NULL)
			return JR_ENOMEM;
		*g->ids = p;
		*g->cap = cap;
	}
	memcpy(*g->ids + *g->n * JR_REGID_BYTES, it->regid, JR_REGID_BYTES);
	(*g->n)++;
	return JR_OK;
}

int all_passing(const char *state, const struct jr_key *k, uint8_t **ids, size_t *n,
	size_t *cap)
{
	struct gather g = { ids, n, cap };
	struct jr_roster_member m;
	struct jr_errbuf eb = { 0 };
	struct jr_centre *c = NULL;
	int rc;

	if ((rc = open_state(state, NULL, &c)) != 0)
		return rc;
	rc = jr_centre_member(c, jr_key_id(k), &m);
	if (rc != JR_OK) {
		jr_centre_close(c);
		return failed("the key is not on the roster this node applied (%s): it reviews "
			"nothing; ask for a roster that names it", jr_strerror(rc));
	}
	if (m.agency < JR_AGENCY_DISNAKER || m.agency > JR_AGENCY_DISKOMINFO) {
		jr_centre_close(c);
		return failed("the key's agency, %s, reviews nothing: nothing waits for it",
			agency_name(m.agency));
	}
	rc = jr_centre_queue(c, m.agency, m.region, gather_one, &g, &eb);
	jr_centre_close(c);
	if (rc != JR_OK)
		return failed("queue: %s", ebmsg(&eb, rc));
	fprintf(stderr, "%s: %zu registration%s waiting for %s pass every rule\n", prog_cmd, *n,
		*n == 1 ? "" : "s", agency_name(m.agency));
	return 0;
}

/* ---- show ----------------------------------------------------------------- */

static const char *const phases[] = { "", "review", "returned", "rejected", "held",
	"decreed" };

static void json_str(FILE *f, const char *k, const char *v, bool comma)
{
	fprintf(f, "\"%s\":\"", k);
	for (const unsigned char *p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fprintf(f, "\"%s", comma ? "," : "");
}

static void personal_out(const struct jr_registration *r, bool json)
{
	char nik[JR_NIK_LEN + 1], village[16];

	memcpy(nik, r->nik, sizeof nik);
	jr_region_format(r->village, village, sizeof village);
	if (json) {
		printf(",\"personal\":{");
		json_str(stdout, "nik", nik, true);
		json_str(stdout, "name", r->name, true);
		printf("\"birth\":%u,\"sex\":%d,\"village\":\"%s\",", r->birth, (int)r->sex, village);
		json_str(stdout, "occupation", jr_occupation_key(r->occupation) ?
			jr_occupation_key(r->occupation) : "", true);
		json_str(stdout, "phone", r->phone, true);
		json_str(stdout, "address", r->address, false);
		printf("}");
		return;
	}
	printf("personal data (this view is on the log):\n  NIK %s\n  name %s\n  born %u\n"
		"  village %s\n  occupation %s\n  phone %s\n  address %s\n", nik, r->name,
		r->birth, village, jr_occupation_key(r->occupation) ?
		jr_occupation_key(r->occupation) : "?", r->phone, r->address);
}

/* Posts the view act for regid; 0 only if the node applied it for it. */
static int view_act(const char *keyfile, const char *pin_file, const char *node,
	const uint8_t regid[JR_REGID_BYTES])
{
	struct jr_key *k = NULL;
	struct jr_buf e = { NULL, 0 };
	int rc;

	if ((rc = load_key(keyfile, pin_file, &k)) != 0)
		return rc;
	rc = jr_centre_view_entry(k, (int64_t)time(NULL), regid, 1, &e);
	jr_key_free(k);
	if (rc != JR_OK)
		return failed("cannot build the view act: %s", jr_strerror(rc));
	/* its answer goes to stderr: stdout is the registration */
	act_out = stderr;
	rc = post_entry(node, e.base, e.len, false, "view");
	act_out = stdout;
	jr_buf_free(&e);
	return rc;
}

static void show_out(const struct jr_centre_item *it, const struct jr_registration *r,
	bool json)
{
	char id[2 * JR_REGID_BYTES + 1], rules[512], ap[128], req[128], seen[128];
	int64_t now = (int64_t)time(NULL);
	const char *ph = it->phase >= 1 && it->phase <= 5 ? phases[it->phase] : "?";

	agency_set(it->viewed, seen, sizeof seen);
	if (json) {
		fputc('{', stdout);
		item_json_fields(stdout, it, now);
		printf(",\"phase_name\":\"%s\",\"viewed_by\":\"%s\"", ph, seen);
		if (r != NULL)
			personal_out(r, true);
		printf("}\n");
		return;
	}
	hex_of(it->regid, JR_REGID_BYTES, id);
	rules_of(it, rules, sizeof rules);
	agency_set(it->approvals, ap, sizeof ap);
	agency_set(it->required, req, sizeof req);
	printf("registration %s\n  district %" PRIu64 "\n  phase %s\n  rules %s\n"
		"  wage earner %s\n  dtks %s\n  approvals %s (required: %s)\n  comments %" PRIu64
		"\n  viewed by %s\n  age %" PRId64 " days\n", id, it->district, ph, rules,
		it->wage_earner ? "yes" : "no", dtks_of(it), ap, req, it->comments, seen,
		age_days(now, it->time));
	if (r != NULL)
		personal_out(r, false);
}

int cmd_show(int argc, char **argv)
{
	const char *state = NULL, *reg = NULL, *key = NULL, *node = NULL, *cons = NULL,
		*pin_file = NULL;
	struct ropt o[] = { { "--state", &state }, { "--reg", &reg }, { "--key", &key },
		{ "--node", &node }, { "--consortium", &cons }, { "--pin-file", &pin_file } };
	uint8_t regid[JR_REGID_BYTES];
	struct jr_centre_item it;
	struct jr_registration *r = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_centre *c = NULL;
	struct jr_key *ck = NULL;
	bool json = false, personal = false;
	int rc;

	if ((rc = read_opts(argc, argv, usage_show, o, 6, &json, &personal, "--personal")) != 0)
		return rc < 0 ? 0 : rc;
	if (state == NULL || reg == NULL)
		return usage_error("missing option %s", state == NULL ? "--state" : "--reg");
	if ((rc = parse_hex("registration id", reg, regid, JR_REGID_BYTES)) != 0)
		return rc;
	if (personal && (key == NULL || node == NULL || cons == NULL))
		return usage_error("--personal needs --key, --node and --consortium");
	if (personal && (rc = load_key(cons, NULL, &ck)) != 0)
		return rc;
	if ((rc = open_state(state, ck, &c)) != 0)
		goto done;
	if ((rc = jr_centre_item(c, regid, &it, &eb)) != JR_OK) {
		rc = failed("registration %s: %s", reg, rc == JR_ENOTFOUND ? "not known to this "
			"node (check the id, or wait until its bundle is applied)" : ebmsg(&eb, rc));
		goto done;
	}
	if (personal && (rc = view_act(key, pin_file, node, regid)) != 0) {
		fprintf(stderr, "%s: registration %s: the view act was not applied, so nothing "
			"personal is shown\n", prog_cmd, reg);
		goto done;
	}
	if (personal) {
		/* as the node stands after the view act */
		if ((rc = jr_centre_item(c, regid, &it, &eb)) != JR_OK) {
			rc = failed("registration %s: %s", reg, ebmsg(&eb, rc));
			goto done;
		}
		r = calloc(1, sizeof *r);
		if (r == NULL || (rc = jr_centre_personal(c, regid, r, &eb)) != JR_OK) {
			rc = failed("registration %s: %s", reg, r == NULL ? "out of memory" :
				ebmsg(&eb, rc));
			goto done;
		}
	}
	show_out(&it, r, json);
	rc = 0;
done:
	if (r != NULL) {
		jr_registration_wipe(r);
		free(r);
	}
	jr_centre_close(c);
	jr_key_free(ck);
	return rc;
}
