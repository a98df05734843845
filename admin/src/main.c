/*
 * jaring-admin: what agency officials use on a node's machine: write the
 * consortium-signed roster, make PIN-sealed key files, and sign the acts of
 * centre.h (approve, return, comment, view, policy, allocate, decree, pay),
 * written to a file or posted to a node (POST /v1/acts, docs/http.md).
 * docs/admin.md describes every command.
 */
#define _POSIX_C_SOURCE 200809L
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "jaring/binding.h"
#include "jaring/cbor.h"
#include "jaring/centre.h"
#include "jaring/cli.h"
#include "jaring/keys.h"
#include "jaring/region.h"
#include "jaring/roster.h"
#include "jaring/rules.h"
#include "jaring/tlog.h"
#include "admin.h"

#define MAX_MEMBERS JR_ROSTER_MAX_MEMBERS
#define ANSWER_MAX 4096
#define BUNDLE_MAX ((size_t)256 * (JR_TLOG_ENTRY_MAX + 2))
#define EXPLAIN_TILES 40
#define BATCH_DEFAULT JR_CENTRE_MAX_ACT_REGS /* registrations per act with --node */ /* entry tiles searched back for an act's leaves */

static const char usage_top[] =
	"jaring-admin: what agency officials use to act on the programme's log: the\n"
	"consortium-signed roster, PIN-sealed key files, and signed acts (approve,\n"
	"return, comment, view, policy, allocate, decree, pay) written to a file or\n"
	"sent to a jaring-node. docs/admin.md describes every command.\n"
	"\n"
	"usage: jaring-admin roster --consortium KEYFILE --serial N --member SPEC ... --out FILE\n"
	"       jaring-admin keygen --role official|officer --out FILE [--pin-file FILE]\n"
	"       jaring-admin village-binding --consortium KEYFILE --village CODE --out FILE\n"
	"       jaring-admin approve|return|comment|view --key FILE (--reg HEX ...|--regs-file FILE)\n"
	"                    (--out FILE | --node URL) [--json]\n"
	"       jaring-admin policy|allocate|decree|pay --key FILE ... (--out FILE | --node URL)\n"
	"       jaring-admin approve --key FILE --all-passing --state FILE --node URL [--batch N]\n"
	"       jaring-admin queue --state FILE --agency AGENCY [--json]\n"
	"       jaring-admin show --state FILE --reg HEX [--personal --key FILE --node URL ...]\n"
	"       jaring-admin reflist --kind KIND --csv FILE --key FILE ... (--node URL | --check)\n"
	"       jaring-admin report KIND --state FILE [--out FILE.csv]\n"
	"       jaring-admin chart coverage --state FILE --out FILE.svg\n"
	"       jaring-admin submit --node URL [--json] FILE\n"
	"       jaring-admin COMMAND --help\n"
	"\n"
	"commands:\n"
	"  roster    write a roster entry (kind 1) signed by the consortium key\n"
	"  keygen    make an official's or officer's PIN-sealed key file and its .pub\n"
	"  village-binding  the consortium's signed village for a new kiosk's first boot\n"
	"  approve   approve registrations (the agency of the signing key)\n"
	"  return    return registrations for correction, with reason codes\n"
	"  comment   comment on registrations\n"
	"  view      record that the official viewed registrations' personal data\n"
	"  policy    a policy version for a jurisdiction\n"
	"  allocate  a funding allocation\n"
	"  decree    the regional head's decree of recipients\n"
	"  pay       contributions paid for one month from an allocation\n"
	"  submit    send a prepared entry to a node\n"
	"  queue     what waits for an agency's review, with the contract's findings\n"
	"  show      one registration (its person's data only behind a view act)\n"
	"  reflist   import a reference list from CSV: wage earners, DTKS, payments\n"
	"  report    CSV reports: recipients, sponsors, coverage, reconciliation, backlog\n"
	"  chart     the coverage chart by district, as SVG\n"
	"\n"
	"The PIN of a key file comes from --pin-file FILE, else the JARING_PIN\n"
	"environment variable, else a prompt on the terminal.\n"
	"\n"
	"exit status:\n"
	"  0  done: the file was written, or the node applied the act\n"
	"  1  failed, or refused by the contract or the node (the reason is printed)\n"
	"  2  usage error\n"
	"  3  the node could not be reached (nothing was applied; send again)\n";

static const char usage_roster[] =
	"jaring-admin roster: write a roster entry (kind 1) signed by the consortium\n"
	"key, for POST /v1/acts (jaring-admin submit). Members in any order.\n"
	"\n"
	"usage: jaring-admin roster --consortium KEYFILE --serial N [--next-consortium PUBFILE]\n"
	"                           (--member SPEC ... | --members FILE) [--signed-roster]\n"
	"                           --out FILE\n"
	"  --consortium KEYFILE     the consortium key (plain, or PIN-sealed)\n"
	"  --serial N               the roster serial, above the one in force\n"
	"  --next-consortium PUBFILE the key that signs the next roster (default: this one)\n"
	"  --member SPEC            ROLE:PUBFILE:AGENCY:REGION:PERMS, e.g.\n"
	"                           official:dukcapil.pub:dukcapil:3328:approve+return+view\n"
	"  --members FILE           one SPEC a line (# comments, blank lines allowed)\n"
	"  --pin-file FILE          the consortium key's PIN, if it is sealed\n"
	"  --out FILE               where the entry goes\n"
	"  --signed-roster          write the signed roster itself (docs/formats.md\n"
	"                           \"Roster\"), not the log entry: what a kiosk's\n"
	"                           configuration (roster), firmware-image/build.sh\n"
	"                           --roster and jaring-sync import --roster take\n"
	"ROLE kiosk, officer, node, official. AGENCY none, disnaker, dpmd, dukcapil,\n"
	"bpjstk, diskominfo, bupati, funder. REGION a region code (0: everywhere).\n"
	"PERMS joined by '+' or ',': upload, sync, approve, return, comment, view,\n"
	"decree, allocate, pay, reflist, policy, witness. PUBFILE a .pub file or a key file.\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  failed (a key file, the output)\n"
	"  2  usage error (a bad name in a SPEC is named)\n";

static const char usage_keygen[] =
	"jaring-admin keygen: make a new PIN-sealed key file for an official or an\n"
	"officer, and FILE.pub with its public half (for the roster).\n"
	"\n"
	"usage: jaring-admin keygen --role official|officer --out FILE [--pin-file FILE] [--json]\n"
	"  --role ROLE       official or officer\n"
	"  --out FILE        the key file (never overwritten)\n"
	"  --pin-file FILE   the PIN (6..64 bytes, first line); else JARING_PIN, else a prompt\n"
	"  --json            print {\"key\",\"pub\",\"id\",\"fingerprint\"}\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  failed (the file exists, a short PIN)\n"
	"  2  usage error\n";

#define ACT_COMMON \
	"  --key FILE        the official's PIN-sealed key file\n" \
	"  --pin-file FILE   its PIN (first line); else JARING_PIN, else a prompt\n" \
	"  --issued SECONDS  the claimed time (default: now)\n" \
	"  --out FILE        write the signed entry here (send it later with submit)\n" \
	"  --node URL        or post it to a node (one 307 to the leader followed)\n" \
	"  --json            print the node's answer as JSON\n" \
	"\n" \
	"exit status:\n" \
	"  0  written, or applied by the node\n" \
	"  1  failed, or refused by the contract (the reason is printed)\n" \
	"  2  usage error\n" \
	"  3  the node could not be reached\n"

static const char usage_review[] =
	"jaring-admin approve|return|comment|view: sign a review act (approve, return\n"
	"for correction, comment) or a view act (the official saw these registrations'\n"
	"personal data) for registrations, by id. With --node, the ids are sent as\n"
	"acts of --batch N registrations each (default and most 4096); each\n"
	"registration gets its own leaf and status on the log. approve --all-passing\n"
	"approves every registration waiting for the key's agency that every rule\n"
	"passed and the lists allow (read from the node's state file, --state).\n"
	"\n"
	"usage: jaring-admin approve --key FILE (--reg HEX ... | --regs-file FILE)\n"
	"                            (--out FILE | --node URL) [--json]\n"
	"       jaring-admin approve --key FILE --all-passing --state FILE --node URL\n"
	"       jaring-admin return ... --reason CODE ...\n"
	"       jaring-admin comment ... --text TEXT\n"
	"       jaring-admin view ...\n"
	"  --reg HEX         a registration id (32 hex digits), repeatable\n"
	"  --regs-file FILE  one registration id a line\n"
	"  --reason CODE     return: a reason code (number or name, e.g. 208 or\n"
	"                    BIRTH_MISMATCH), repeatable\n"
	"  --text TEXT       comment: 1..280 bytes, never personal data\n"
	"  --all-passing     approve: every registration waiting for the key's agency\n"
	"                    that passes every rule (needs --state)\n"
	"  --state FILE      the node's state file (DATA_DIR/state.db), read only\n"
	"  --batch N         registrations per act with --node (1..4096, default 4096)\n"
	ACT_COMMON;

static const char usage_policy[] =
	"jaring-admin policy: sign a policy version for a jurisdiction: the default\n"
	"rules of rules.h with the version given, the agencies whose approval a\n"
	"registration needs, and whether a DTKS match is required.\n"
	"\n"
	"usage: jaring-admin policy --key FILE --region CODE --version N\n"
	"                           --require AGENCY[,AGENCY...] [--dtks] [--contribution RP]\n"
	"                           (--out FILE | --node URL) [--json]\n"
	"  --region CODE     a regency code, 0 for every jurisdiction without its own\n"
	"  --version N       above the version in force\n"
	"  --require LIST    of disnaker, dpmd, dukcapil, bpjstk, diskominfo\n"
	"  --dtks            a DTKS match is required\n"
	"  --contribution RP per worker per month (default 16800)\n" ACT_COMMON;

static const char usage_allocate[] =
	"jaring-admin allocate: sign a funding allocation.\n"
	"\n"
	"usage: jaring-admin allocate --key FILE --id ID --sponsor-type TYPE --sponsor NAME\n"
	"                             --amount RP --months N --region CODE\n"
	"                             (--out FILE | --node URL) [--json]\n"
	"  --id ID             printable ASCII, 1..63\n"
	"  --sponsor-type TYPE apbd, csr, village or civil-servant\n"
	"  --sponsor NAME      the organisation or programme, 1..127 bytes\n"
	"  --amount RP         integer rupiah\n"
	"  --months N          1..60\n"
	"  --region CODE       where it pays (0: anywhere)\n" ACT_COMMON;

static const char usage_decree[] =
	"jaring-admin decree: sign the regional head's decree: recipients by id, or\n"
	"the digest form (every registration that may be decreed in the region for\n"
	"the period: their count and digest, given with --count and --digest, or\n"
	"computed from the node's state file with --all-approved --state FILE).\n"
	"\n"
	"usage: jaring-admin decree --key FILE --number NO --region CODE --allocation ID\n"
	"                           --start YYYYMM --months N\n"
	"                           (--reg HEX ... | --regs-file FILE | --count N --digest HEX |\n"
	"                            --all-approved --state FILE)\n"
	"                           (--out FILE | --node URL) [--json]\n"
	"  --number NO       the decree number, printable ASCII 1..63\n"
	"  --region CODE     a regency or district code\n"
	"  --allocation ID   the allocation that pays it\n"
	"  --start YYYYMM    the first month\n"
	"  --months N        1..60\n"
	"  --reg HEX, --regs-file FILE  the recipients\n"
	"  --count N, --digest HEX      the digest form\n"
	"  --all-approved --state FILE  the digest form of everyone who may be decreed\n"
	"                    now, read from the node's state file\n" ACT_COMMON;

static const char usage_pay[] =
	"jaring-admin pay: sign contributions paid for one month from an allocation,\n"
	"for the registrations given or (none given) every recipient due that month.\n"
	"\n"
	"usage: jaring-admin pay --key FILE --allocation ID --month YYYYMM --amount RP\n"
	"                        [--reg HEX ... | --regs-file FILE]\n"
	"                        (--out FILE | --node URL) [--json]\n"
	"  --allocation ID   the allocation paid from\n"
	"  --month YYYYMM    the month of contributions\n"
	"  --amount RP       recipients x their decree's rate, integer rupiah\n"
	"  --reg HEX, --regs-file FILE  the registrations paid for\n" ACT_COMMON;

static const char usage_submit[] =
	"jaring-admin submit: send a prepared signed entry (roster or act) to a node\n"
	"and print its answer.\n"
	"\n"
	"usage: jaring-admin submit --node URL [--json] FILE\n"
	"  --node URL  the node (http://host:port); one 307 to the leader followed\n"
	"  --json      print the node's answer as JSON\n"
	"\n"
	"exit status:\n"
	"  0  applied\n"
	"  1  refused (by the contract or the node), or the file cannot be read\n"
	"  2  usage error\n"
	"  3  the node could not be reached\n";

const char *prog_cmd = "jaring-admin";
FILE *act_out;

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see %s --help)\n", prog_cmd);
	return EXIT_USAGE;
}

int failed(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog_cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

const char *ebmsg(const struct jr_errbuf *eb, int rc)
{
	return eb->msg[0] ? eb->msg : jr_strerror(rc);
}

/* ---- names ------------------------------------------------------------ */

static const struct name roles[] = {
	{ "kiosk", JR_ROLE_KIOSK }, { "officer", JR_ROLE_OFFICER },
	{ "node", JR_ROLE_NODE }, { "official", JR_ROLE_OFFICIAL }, { NULL, 0 }
};
const struct name agencies[] = {
	{ "none", JR_AGENCY_NONE }, { "disnaker", JR_AGENCY_DISNAKER },
	{ "dpmd", JR_AGENCY_DPMD }, { "dukcapil", JR_AGENCY_DUKCAPIL },
	{ "bpjstk", JR_AGENCY_BPJSTK }, { "diskominfo", JR_AGENCY_DISKOMINFO },
	{ "bupati", JR_AGENCY_BUPATI }, { "funder", JR_AGENCY_FUNDER }, { NULL, 0 }
};
static const struct name perms[] = {
	{ "upload", JR_PERM_UPLOAD }, { "sync", JR_PERM_SYNC },
	{ "approve", JR_PERM_APPROVE }, { "return", JR_PERM_RETURN },
	{ "comment", JR_PERM_COMMENT }, { "view", JR_PERM_VIEW_PERSONAL },
	{ "decree", JR_PERM_DECREE }, { "allocate", JR_PERM_ALLOCATE },
	{ "pay", JR_PERM_PAY }, { "reflist", JR_PERM_REFLIST },
	{ "policy", JR_PERM_POLICY }, { "witness", JR_PERM_WITNESS }, { NULL, 0 }
};
static const struct name sponsors[] = {
	{ "apbd", JR_SPONSOR_APBD }, { "csr", JR_SPONSOR_CSR },
	{ "village", JR_SPONSOR_VILLAGE }, { "civil-servant", JR_SPONSOR_ASN }, { NULL, 0 }
};

static void name_list(const struct name *t, char *out, size_t cap)
{
	size_t o = 0;

	out[0] = '\0';
	for (; t->s != NULL && o + 1 < cap; t++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", o ? ", " : "", t->s);
}

/* Looks up `len` bytes of s in t; prints a usage error naming it if unknown. */
int lookup(const struct name *t, const char *what, const char *s, size_t len,
	uint32_t *v)
{
	char all[256];

	for (const struct name *p = t; p->s != NULL; p++)
		if (strlen(p->s) == len && strncmp(p->s, s, len) == 0) {
			*v = p->v;
			return 0;
		}
	name_list(t, all, sizeof all);
	return usage_error("unknown %s '%.*s': one of %s", what, (int)len, s, all);
}

int parse_u64(const char *what, const char *s, uint64_t max, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		return usage_error("%s '%s' is not a number", what, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return usage_error("%s '%s' is not a number of 0..%" PRIu64, what, s, max);
	*out = v;
	return 0;
}

int parse_hex(const char *what, const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return usage_error("%s '%s' is not %zu hex digits", what, s, 2 * n);
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return usage_error("%s '%s' is not hex", what, s);
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* ---- PINs and keys ---------------------------------------------------- */

/* The PIN into pin[JR_PIN_MAX + 1]: --pin-file, JARING_PIN, a prompt. */
static int read_pin(const char *pin_file, char *pin, size_t cap)
{
	const char *env = getenv("JARING_PIN");
	size_t n;

	pin[0] = '\0';
	if (pin_file != NULL) {
		FILE *f = fopen(pin_file, "r");

		if (f == NULL)
			return failed("cannot read the PIN file %s: %s", pin_file, strerror(errno));
		if (fgets(pin, (int)cap, f) == NULL)
			pin[0] = '\0';
		(void)fclose(f);
	} else if (env != NULL) {
		(void)snprintf(pin, cap, "%s", env);
	} else if (isatty(STDIN_FILENO)) {
		struct termios t, quiet;
		bool ok;

		fprintf(stderr, "PIN: ");
		if (tcgetattr(STDIN_FILENO, &t) != 0)
			return failed("cannot read a PIN from the terminal");
		quiet = t;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
		ok = fgets(pin, (int)cap, stdin) != NULL;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fputc('\n', stderr);
		if (!ok)
			pin[0] = '\0';
	} else {
		return usage_error("no PIN: give --pin-file FILE or set JARING_PIN");
	}
	n = strcspn(pin, "\r\n");
	pin[n] = '\0';
	if (n < JR_PIN_MIN || n > JR_PIN_MAX)
		return failed("the PIN is %zu bytes; it must be %d..%d", n, JR_PIN_MIN, JR_PIN_MAX);
	return 0;
}

/* An official's (or any) key file: PIN-sealed; a plain key file is taken
 * as it is (the consortium key of a test cluster). */
int load_key(const char *path, const char *pin_file, struct jr_key **k)
{
	struct jr_errbuf eb = { 0 };
	char pin[JR_PIN_MAX + 2];
	int rc, e;

	if (jr_key_load(path, k, &eb) == JR_OK)
		return 0;
	if ((e = read_pin(pin_file, pin, sizeof pin)) != 0)
		return e;
	jr_errclear(&eb);
	rc = jr_key_load_pin(path, pin, strlen(pin), k, &eb);
	memset(pin, 0, sizeof pin);
	if (rc != JR_OK)
		return failed("cannot open the key file %s: %s", path,
			rc == JR_EPIN ? "wrong PIN" : ebmsg(&eb, rc));
	return 0;
}

static int load_pub(const char *path, uint8_t pk[JR_SIGN_PK_BYTES])
{
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey p;

	if (jr_pubkey_load(path, &p, &eb) != JR_OK) {
		jr_errclear(&eb);
		int rc = jr_key_load_public(path, &p, &eb);

		if (rc != JR_OK)
			return failed("cannot read the public key %s: %s", path, ebmsg(&eb, rc));
	}
	memcpy(pk, p.sign_pk, JR_SIGN_PK_BYTES);
	return 0;
}

/* ---- sending ------------------------------------------------------------ */

struct answer { char body[ANSWER_MAX]; size_t len; };

static size_t on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb, room = sizeof a->body - 1 - a->len;

	memcpy(a->body + a->len, p, n < room ? n : room);
	a->len += n < room ? n : room;
	a->body[a->len] = '\0';
	return n;
}

static bool json_has(const char *body, const char *s)
{
	return strstr(body, s) != NULL;
}

const char *status_name(uint64_t st)
{
	return jr_centre_status_name(st <= JR_CS_MAX ? (unsigned)st : 0);
}

/* A GET into a growing buffer of at most max bytes; the HTTP status, or 0
 * if the node was not reached. */
struct getbuf { struct jr_buf b; size_t max; bool over; };

static size_t on_get(char *p, size_t size, size_t nmemb, void *arg)
{
	struct getbuf *g = arg;
	size_t n = size * nmemb;
	uint8_t *q;

	if (g->b.len + n > g->max) {
		g->over = true;
		return 0;
	}
	if ((q = realloc(g->b.base, g->b.len + n + 1)) == NULL)
		return 0;
	g->b.base = q;
	memcpy(q + g->b.len, p, n);
	g->b.len += n;
	q[g->b.len] = '\0';
	return n;
}

static long http_get(const char *url, size_t max, struct jr_buf *out)
{
	struct getbuf g = { { NULL, 0 }, max, false };
	long status = 0;
	CURL *h = curl_easy_init();

	if (h == NULL)
		return 0;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_get);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &g);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jaring-admin/0.1");
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	if (status != 200 || g.over) {
		jr_buf_free(&g.b);
		return status == 200 ? 0 : status;
	}
	*out = g.b;
	return status;
}

/* What the log says about one act: its own leaf (type 4) and the leaves of
 * its registrations (type 5), docs/centre.md "Leaves". */
struct explain {
	bool found;
	uint64_t status;          /* the act's */
	uint64_t items, items_refused;
	uint64_t first_refusal;   /* the status of the first refused item */
	uint64_t refusal_count[JR_CS_MAX + 1];
};

static void explain_leaf(const uint8_t *p, size_t len, const uint8_t act_id[JR_HASH_BYTES],
	struct explain *x)
{
	struct jr_cbr r;
	size_t n = 0, idn = 0;
	uint64_t type = 0, v = 0, st = 0;
	const uint8_t *id = NULL;
	uint8_t skip[JR_REGID_BYTES];

	jr_cbr_init(&r, p, len);
	if (jr_cbr_map(&r, &n) != JR_OK || jr_cbr_key_uint(&r, 0, 16, &type) != JR_OK ||
	    (type != 4 && type != 5) || jr_cbr_key(&r, 1) != JR_OK ||
	    jr_cbr_bytes(&r, &id, &idn) != JR_OK || idn != JR_HASH_BYTES ||
	    memcmp(id, act_id, JR_HASH_BYTES) != 0)
		return;
	if (type == 4) {
		if (jr_cbr_key_uint(&r, 2, UINT64_MAX, &v) == JR_OK &&
		    jr_cbr_key_fixed(&r, 3, skip, JR_ID_BYTES) == JR_OK &&
		    jr_cbr_key_uint(&r, 4, UINT64_MAX, &st) == JR_OK) {
			x->found = true;
			x->status = st;
		}
		return;
	}
	if (jr_cbr_key_uint(&r, 2, UINT64_MAX, &v) == JR_OK &&
	    jr_cbr_key_uint(&r, 3, UINT64_MAX, &v) == JR_OK &&
	    jr_cbr_key_uint(&r, 4, UINT64_MAX, &v) == JR_OK &&
	    jr_cbr_key_fixed(&r, 5, skip, JR_REGID_BYTES) == JR_OK &&
	    jr_cbr_key_uint(&r, 6, UINT64_MAX, &st) == JR_OK) {
		x->items++;
		if (st != JR_CS_APPLIED) {
			if (x->items_refused == 0)
				x->first_refusal = st;
			x->items_refused++;
			x->refusal_count[st <= JR_CS_MAX ? st : 0]++;
		}
	}
}

/* Reads the log's last entry tiles from base (the node that answered) back
 * to the act's own leaf. Best effort: x->found false if it is not there. */
static void explain_act(const char *base, const uint8_t *entry, size_t len, struct explain *x)
{
	uint8_t act_id[JR_HASH_BYTES];
	struct jr_buf b = { NULL, 0 };
	char url[2200], path[JR_TLOG_PATH_MAX];
	const char *ts;
	unsigned long long size;

	memset(x, 0, sizeof *x);
	if (jr_centre_act_id(entry, len, act_id) != JR_OK)
		return;
	(void)snprintf(url, sizeof url, "%s/v1/health", base);
	if (http_get(url, 65536, &b) != 200)
		return;
	ts = strstr((const char *)b.base, "\"tree_size\":");
	size = ts ? strtoull(ts + 12, NULL, 10) : 0;
	jr_buf_free(&b);
	if (size == 0)
		return;
	for (uint64_t t = (size - 1) / 256, k = 0; !x->found && k < EXPLAIN_TILES; t--, k++) {
		uint64_t w = size - t * 256 < 256 ? size - t * 256 : 256;
		size_t off = 0;

		if (jr_tlog_tile_path(JR_TLOG_ENTRIES, t, (unsigned)w, path, sizeof path) != JR_OK)
			return;
		(void)snprintf(url, sizeof url, "%s/%s", base, path);
		if (http_get(url, BUNDLE_MAX, &b) != 200)
			return;
		while (off + 2 <= b.len) {
			size_t n = (size_t)b.base[off] << 8 | b.base[off + 1];

			if (off + 2 + n > b.len)
				break;
			explain_leaf(b.base + off + 2, n, act_id, x);
			off += 2 + n;
		}
		jr_buf_free(&b);
		if (t == 0)
			break;
	}
}

/* Posts one entry; prints the answer; returns the exit status. */
int post_entry(const char *node, const uint8_t *p, size_t len, bool json,
	const char *what)
{
	char url[2048], cerr[CURL_ERROR_SIZE] = "", base[2048];
	struct answer a = { "", 0 };
	struct curl_slist *hl = NULL;
	struct explain x;
	const char *eff = NULL;
	long status = 0;
	CURLcode cc;
	CURL *h;
	size_t ul = strlen(node);
	bool applied;

	while (ul > 0 && node[ul - 1] == '/')
		ul--;
	if ((size_t)snprintf(url, sizeof url, "%.*s/v1/acts", (int)ul, node) >= sizeof url)
		return usage_error("the node URL is too long");
	if ((h = curl_easy_init()) == NULL)
		return failed("libcurl cannot start");
	hl = curl_slist_append(hl, "Content-Type: application/octet-stream");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, (const char *)p);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 1L);
	curl_easy_setopt(h, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, cerr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jaring-admin/0.1");
	cc = curl_easy_perform(h);
	(void)snprintf(base, sizeof base, "%.*s", (int)ul, node);
	if (cc == CURLE_OK) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		/* the node that applied it (after a redirect, the leader) */
		if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff != NULL &&
		    strlen(eff) > 8 && strcmp(eff + strlen(eff) - 8, "/v1/acts") == 0)
			(void)snprintf(base, sizeof base, "%.*s", (int)(strlen(eff) - 8), eff);
	}
	curl_easy_cleanup(h);
	curl_slist_free_all(hl);
	if (cc != CURLE_OK || status >= 500 || status == 307) {
		fprintf(stderr, "%s: %s: the node %s was not reached: %s; nothing was applied, send "
			"again when it answers\n", prog_cmd, what, url,
			cc != CURLE_OK ? (cerr[0] ? cerr : curl_easy_strerror(cc))
				       : status == 307 ? "redirected more than once" : a.body);
		return EXIT_UNREACHABLE;
	}
	if (status != 200) {
		if (json)
			fprintf(act_out, "%s\n", a.body);
		fprintf(stderr, "%s: %s: the node refused it (HTTP %ld): %s\n", prog_cmd, what,
			status, a.body);
		return EXIT_FAILED;
	}
	applied = json_has(a.body, "\"outcome\":\"applied\"");
	explain_act(base, p, len, &x);
	if (json) {
		size_t n = strlen(a.body);

		while (n > 0 && a.body[n - 1] != '}')
			n--;
		if (x.found && n > 0)
			fprintf(act_out, "%.*s,\"status\":\"%s\",\"items\":%" PRIu64 ",\"items_refused\":%"
				PRIu64 "%s%s%s}\n", (int)(n - 1), a.body, status_name(x.status), x.items,
				x.items_refused, x.items_refused ? ",\"item_status\":\"" : "",
				x.items_refused ? status_name(x.first_refusal) : "",
				x.items_refused ? "\"" : "");
		else
			fprintf(act_out, "%s\n", a.body);
	}
	if (applied && (!x.found || x.items_refused == 0)) {
		if (!json) {
			if (x.found && x.items > 0)
				fprintf(act_out, "%s: applied, %" PRIu64 " registration%s (%s)\n", what, x.items,
					x.items == 1 ? "" : "s", a.body);
			else
				fprintf(act_out, "%s: applied (%s)\n", what, a.body);
		}
		return 0;
	}
	if (applied) {
		fprintf(stderr, "%s: %s: applied, but %" PRIu64 " of %" PRIu64 " registrations were "
			"refused by the contract:", prog_cmd, what, x.items_refused, x.items);
		for (uint64_t st = 1; st <= JR_CS_MAX; st++)
			if (x.refusal_count[st] > 0)
				fprintf(stderr, " %" PRIu64 " %s", x.refusal_count[st], status_name(st));
		fprintf(stderr, " (%s)\n", a.body);
		return EXIT_FAILED;
	}
	if (x.found)
		fprintf(stderr, "%s: %s: refused by the contract: %s (status %" PRIu64 ", "
			"docs/centre.md) %s\n", prog_cmd, what, status_name(x.status), x.status, a.body);
	else
		fprintf(stderr, "%s: %s: refused by the contract: %s (the contract's reason is on "
			"the log)\n", prog_cmd, what, a.body);
	return EXIT_FAILED;
}

/* Writes the entry to out or posts it to node. */
static int deliver(const char *out, const char *node, const struct jr_buf *e, bool json,
	const char *what)
{
	struct jr_errbuf eb = { 0 };
	int rc;

	if (node != NULL)
		return post_entry(node, e->base, e->len, json, what);
	if ((rc = jr_file_write_atomic(out, e->base, e->len, 0644, &eb)) != JR_OK)
		return failed("cannot write %s: %s", out, ebmsg(&eb, rc));
	if (json)
		printf("{\"file\":\"%s\",\"bytes\":%zu}\n", out, e->len);
	else
		printf("%s: %zu bytes written to %s\n", what, e->len, out);
	return 0;
}

/* ---- options -------------------------------------------------------- */

struct opts {
	const char *key, *pin_file, *out, *node, *regs_file, *text;
	const char *region, *version, *require, *contribution;
	const char *id, *sponsor_type, *sponsor, *amount, *months;
	const char *number, *allocation, *start, *month, *count, *digest;
	const char *state, *batch;
	size_t batch_n; /* --batch, 0: the default */
	bool json, dtks, all_passing, all_approved;
	int64_t issued;
	uint8_t *regs;   /* JR_REGID_BYTES each */
	size_t n_regs, cap_regs;
	struct jr_verdict reasons;
	const char *file; /* submit */
};

static int add_reg(struct opts *o, const char *hex)
{
	if (o->n_regs == o->cap_regs) {
		size_t cap = o->cap_regs ? 2 * o->cap_regs : 64;
		uint8_t *p = realloc(o->regs, cap * JR_REGID_BYTES);

		if (p == NULL)
			return failed("out of memory for registration ids");
		o->regs = p;
		o->cap_regs = cap;
	}
	if (parse_hex("registration id", hex, o->regs + o->n_regs * JR_REGID_BYTES,
		    JR_REGID_BYTES) != 0)
		return EXIT_USAGE;
	o->n_regs++;
	return 0;
}

static int read_regs_file(struct opts *o)
{
	FILE *f = fopen(o->regs_file, "r");
	char line[256];
	unsigned long ln = 0;
	int e = 0;

	if (f == NULL)
		return failed("cannot read %s: %s", o->regs_file, strerror(errno));
	while (e == 0 && fgets(line, sizeof line, f) != NULL) {
		size_t n = strcspn(line, "\r\n \t");

		ln++;
		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if ((e = add_reg(o, line)) != 0)
			fprintf(stderr, "%s: in %s line %lu\n", prog_cmd, o->regs_file, ln);
	}
	(void)fclose(f);
	return e;
}

static int add_reason(struct opts *o, const char *s)
{
	uint64_t v = 0;

	if (s[0] >= '0' && s[0] <= '9') {
		if (parse_u64("reason code", s, 999, &v) != 0)
			return EXIT_USAGE;
		if (jr_reason_name((enum jr_reason)v) == NULL)
			return usage_error("unknown reason code %s", s);
	} else {
		for (v = 1; v <= 999; v++) {
			const char *n = jr_reason_name((enum jr_reason)v);

			if (n != NULL && strcmp(n, s) == 0)
				break;
		}
		if (v > 999)
			return usage_error("unknown reason '%s' (a code such as 208 or a name such "
				"as BIRTH_MISMATCH)", s);
	}
	if (o->reasons.n >= JR_VERDICT_MAX)
		return usage_error("more than %d reasons", JR_VERDICT_MAX);
	for (size_t i = 0; i < o->reasons.n; i++)
		if (o->reasons.reasons[i] == (enum jr_reason)v)
			return usage_error("reason %s given twice", s);
	/* ascending order */
	size_t i = o->reasons.n;

	while (i > 0 && o->reasons.reasons[i - 1] > (enum jr_reason)v) {
		o->reasons.reasons[i] = o->reasons.reasons[i - 1];
		i--;
	}
	o->reasons.reasons[i] = (enum jr_reason)v;
	o->reasons.n++;
	return 0;
}

/* Parses the act options; returns 0, or an exit status (-1: --help shown). */
static int parse_act_opts(int argc, char **argv, const char *help, struct opts *o)
{
	for (int i = 2; i < argc; i++) {
		const char *v = NULL;
		int r;
		struct { const char *name; const char **dst; } sv[] = {
			{ "--key", &o->key }, { "--pin-file", &o->pin_file }, { "--out", &o->out },
			{ "--node", &o->node }, { "--regs-file", &o->regs_file },
			{ "--text", &o->text }, { "--region", &o->region },
			{ "--version", &o->version }, { "--require", &o->require },
			{ "--contribution", &o->contribution }, { "--id", &o->id },
			{ "--sponsor-type", &o->sponsor_type }, { "--sponsor", &o->sponsor },
			{ "--amount", &o->amount }, { "--months", &o->months },
			{ "--number", &o->number }, { "--allocation", &o->allocation },
			{ "--start", &o->start }, { "--month", &o->month },
			{ "--count", &o->count }, { "--digest", &o->digest },
			{ "--state", &o->state }, { "--batch", &o->batch },
		};
		bool done = false;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return -1;
		}
		if (strcmp(argv[i], "--json") == 0) {
			o->json = true;
			continue;
		}
		if (strcmp(argv[i], "--dtks") == 0) {
			o->dtks = true;
			continue;
		}
		if (strcmp(argv[i], "--all-passing") == 0) {
			o->all_passing = true;
			continue;
		}
		if (strcmp(argv[i], "--all-approved") == 0) {
			o->all_approved = true;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--reg", &v)) != 0) {
			if (r < 0)
				return usage_error("option '--reg' needs a registration id");
			if ((r = add_reg(o, v)) != 0)
				return r;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--reason", &v)) != 0) {
			if (r < 0)
				return usage_error("option '--reason' needs a code");
			if ((r = add_reason(o, v)) != 0)
				return r;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--issued", &v)) != 0) {
			uint64_t t = 0;

			if (r < 0)
				return usage_error("option '--issued' needs Unix seconds");
			if (parse_u64("--issued", v, INT64_MAX, &t) != 0)
				return EXIT_USAGE;
			o->issued = (int64_t)t;
			continue;
		}
		for (size_t k = 0; k < sizeof sv / sizeof sv[0] && !done; k++) {
			if ((r = jr_cli_value(argc, argv, &i, sv[k].name, &v)) == 0)
				continue;
			if (r < 0)
				return usage_error("option '%s' needs a value", sv[k].name);
			*sv[k].dst = v;
			done = true;
		}
		if (done)
			continue;
		if (argv[i][0] == '-')
			return usage_error("unknown option '%s'", argv[i]);
		if (o->file != NULL)
			return usage_error("unexpected argument '%s'", argv[i]);
		o->file = argv[i];
	}
	if (o->batch != NULL) {
		uint64_t b = 0;

		if (parse_u64("--batch", o->batch, JR_CENTRE_MAX_ACT_REGS, &b) != 0)
			return EXIT_USAGE;
		if (b == 0)
			return usage_error("--batch must be 1..%d", JR_CENTRE_MAX_ACT_REGS);
		o->batch_n = (size_t)b;
	}
	if (o->regs_file != NULL) {
		int e = read_regs_file(o);

		if (e != 0)
			return e;
	}
	return 0;
}

static int need_target(const struct opts *o)
{
	if (o->out == NULL && o->node == NULL)
		return usage_error("missing option --out FILE or --node URL");
	if (o->out != NULL && o->node != NULL)
		return usage_error("give --out or --node, not both");
	return 0;
}

/* A macro, not a function, so that the analyser sees v checked. */
#define need(v, name) \
	((v) == NULL ? ((void)usage_error("missing option %s", (name)), EXIT_USAGE) : 0)

static int64_t issued_of(const struct opts *o)
{
	return o->issued ? o->issued : (int64_t)time(NULL);
}

/* ---- commands ------------------------------------------------------------ */

static int parse_member(const char *spec, struct jr_roster_member *m)
{
	const char *f[5];
	size_t len[5];
	const char *p = spec;
	char path[4096], *end = NULL;
	uint32_t v = 0;
	int e;

	for (int i = 0; i < 5; i++) {
		const char *c = i < 4 ? strchr(p, ':') : p + strlen(p);

		if (c == NULL)
			return usage_error("member '%s' is not ROLE:PUBFILE:AGENCY:REGION:PERMS", spec);
		f[i] = p;
		len[i] = (size_t)(c - p);
		p = c + 1;
	}
	memset(m, 0, sizeof *m);
	if ((e = lookup(roles, "role", f[0], len[0], &v)) != 0)
		return e;
	m->role = (enum jr_role)v;
	if ((e = lookup(agencies, "agency", f[2], len[2], &v)) != 0)
		return e;
	m->agency = v;
	errno = 0;
	m->region = strtoull(f[3], &end, 10);
	if (len[3] == 0 || f[3][0] < '0' || f[3][0] > '9' || end != f[3] + len[3] || errno != 0)
		return usage_error("region '%.*s' of member '%s' is not a region code", (int)len[3],
			f[3], spec);
	for (const char *q = f[4], *fin = f[4] + len[4]; q < fin;) {
		size_t n = strcspn(q, "+,");

		if (n > (size_t)(fin - q))
			n = (size_t)(fin - q);
		if ((e = lookup(perms, "permission", q, n, &v)) != 0)
			return e;
		m->perms |= v;
		q += n + 1;
	}
	if (len[1] == 0 || len[1] >= sizeof path)
		return usage_error("member '%s' names no public key file", spec);
	memcpy(path, f[1], len[1]);
	path[len[1]] = '\0';
	if ((e = load_pub(path, m->sign_pk)) != 0)
		return e;
	jr_keyid_from_pk(m->sign_pk, m->id);
	return 0;
}

/* In an option loop of roster and village-binding (i, v, r, rc in scope):
 * "--name VALUE" or "--name=VALUE" into dst, a missing value a usage error. */
#define OPT(name, dst) \
	if ((r = jr_cli_value(argc, argv, &i, name, &v)) != 0) { \
		if (r < 0) \
			rc = usage_error("option '%s' needs a value", name); \
		else \
			(dst) = v; \
		continue; \
	}

static int cmd_roster(int argc, char **argv)
{
	const char *cons = NULL, *next = NULL, *out = NULL, *pin_file = NULL, *mfile = NULL;
	struct jr_roster_member *m = calloc(MAX_MEMBERS, sizeof *m);
	size_t n = 0;
	uint64_t serial = 0;
	bool have_serial = false, bare = false;
	uint8_t npk[JR_SIGN_PK_BYTES];
	struct jr_key *k = NULL;
	struct jr_buf e = { NULL, 0 };
	int rc = 0;

	if (m == NULL)
		return failed("out of memory");
	for (int i = 2; i < argc && rc == 0; i++) {
		const char *v = NULL;
		int r;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_roster, stdout);
			free(m);
			return 0;
		}
		OPT("--consortium", cons)
		OPT("--next-consortium", next)
		OPT("--out", out)
		OPT("--pin-file", pin_file)
		OPT("--members", mfile)
		if (strcmp(argv[i], "--signed-roster") == 0) {
			bare = true;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--serial", &v)) != 0) {
			rc = r < 0 ? usage_error("option '--serial' needs a number")
				   : parse_u64("--serial", v, INT64_MAX, &serial);
			have_serial = true;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--member", &v)) != 0) {
			if (r < 0)
				rc = usage_error("option '--member' needs ROLE:PUBFILE:AGENCY:REGION:PERMS");
			else if (n >= MAX_MEMBERS)
				rc = usage_error("more than %d members", MAX_MEMBERS);
			else if ((rc = parse_member(v, &m[n])) == 0)
				n++;
			continue;
		}
		rc = usage_error(argv[i][0] == '-' ? "unknown option '%s'" :
			"unexpected argument '%s'", argv[i]);
	}
	if (rc == 0 && mfile != NULL) {
		FILE *f = fopen(mfile, "r");
		char line[4096];

		if (f == NULL)
			rc = failed("cannot read %s: %s", mfile, strerror(errno));
		while (rc == 0 && f != NULL && fgets(line, sizeof line, f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			if (line[0] == '\0' || line[0] == '#')
				continue;
			if (n >= MAX_MEMBERS)
				rc = usage_error("more than %d members", MAX_MEMBERS);
			else if ((rc = parse_member(line, &m[n])) == 0)
				n++;
		}
		if (f != NULL)
			(void)fclose(f);
	}
	if (rc == 0)
		rc = need(cons, "--consortium");
	if (rc == 0 && !have_serial)
		rc = usage_error("missing option --serial");
	if (rc == 0 && serial == 0)
		rc = usage_error("--serial must be 1 or more");
	if (rc == 0)
		rc = need(out, "--out");
	if (rc == 0 && n == 0)
		rc = usage_error("missing option --member (or --members FILE)");
	for (size_t i = 0; rc == 0 && i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (memcmp(m[i].id, m[j].id, JR_ID_BYTES) == 0) {
				rc = usage_error("members %zu and %zu have the same key", i + 1, j + 1);
				break;
			}
	if (rc == 0 && next != NULL)
		rc = load_pub(next, npk);
	if (rc == 0)
		rc = load_key(cons, pin_file, &k);
	if (rc == 0 && jr_key_role(k) != JR_ROLE_CONSORTIUM)
		rc = failed("%s is not a consortium key", cons);
	if (rc == 0) {
		int r;

		for (size_t j = 0; bare && j < n; j++)
			jr_keyid_from_pk(m[j].sign_pk, m[j].id);
		r = bare ? jr_roster_sign(k, serial, next ? npk : NULL, m, n, &e, NULL) :
			jr_centre_roster_entry_members(k, serial, next ? npk : NULL, m, n, &e);
		if (r != JR_OK)
			rc = failed("cannot sign the roster: %s", jr_strerror(r));
	}
	if (rc == 0) {
		struct jr_errbuf eb = { 0 };
		int r = jr_file_write_atomic(out, e.base, e.len, 0644, &eb);

		if (r != JR_OK)
			rc = failed("cannot write %s: %s", out, ebmsg(&eb, r));
		else
			printf("roster serial %" PRIu64 "%s: %zu members, %zu bytes written to %s\n",
				serial, bare ? " (signed roster)" : "", n, e.len, out);
	}
	jr_buf_free(&e);
	jr_key_free(k);
	free(m);
	return rc;
}

static const char usage_binding[] =
	"jaring-admin village-binding: the consortium's signed village binding\n"
	"(docs/formats.md \"Village binding\"). Put on an officer's drive as\n"
	"JARING/VILLAGE.JRP, it binds a new kiosk to the village at its first start,\n"
	"in place of its configuration's template village.\n"
	"\n"
	"usage: jaring-admin village-binding --consortium KEYFILE --village CODE\n"
	"                                    [--pin-file FILE] [--issued SECONDS] --out FILE\n"
	"  --consortium KEYFILE   the consortium key (plain, or PIN-sealed)\n"
	"  --village CODE         a village of the region table, e.g. 33.28.01.2002\n"
	"  --pin-file FILE        the consortium key's PIN, if it is sealed\n"
	"  --issued SECONDS       when it is signed (default now)\n"
	"  --out FILE             where it goes (JARING/VILLAGE.JRP on the drive)\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  failed (a key file, the output)\n"
	"  2  usage error (a code that is not a village is named)\n";

static int cmd_binding(int argc, char **argv)
{
	const char *cons = NULL, *village = NULL, *out = NULL, *pin_file = NULL, *issued = NULL;
	struct jr_key *k = NULL;
	struct jr_buf b = { NULL, 0 };
	struct jr_errbuf eb = { 0 };
	const struct jr_region *reg = NULL;
	uint64_t code = 0, when = (uint64_t)time(NULL);
	int rc = 0, r;

	for (int i = 2; i < argc && rc == 0; i++) {
		const char *v = NULL;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_binding, stdout);
			return 0;
		}
		OPT("--consortium", cons)
		OPT("--village", village)
		OPT("--out", out)
		OPT("--pin-file", pin_file)
		OPT("--issued", issued)
		rc = usage_error(argv[i][0] == '-' ? "unknown option '%s'" :
			"unexpected argument '%s'", argv[i]);
	}
	if (rc == 0)
		rc = need(cons, "--consortium");
	if (rc == 0)
		rc = need(village, "--village");
	if (rc == 0)
		rc = need(out, "--out");
	if (rc == 0 && issued != NULL)
		rc = parse_u64("--issued", issued, INT64_MAX, &when);
	if (rc == 0 && (jr_region_parse(village, strlen(village), &code) != JR_OK ||
	    (reg = jr_region_find(code)) == NULL || reg->level != JR_REGION_VILLAGE))
		rc = usage_error("--village %s is not a village of the region table (e.g. "
			"33.28.01.2002)", village);
	if (rc == 0)
		rc = load_key(cons, pin_file, &k);
	if (rc == 0 && jr_key_role(k) != JR_ROLE_CONSORTIUM)
		rc = failed("%s is not a consortium key", cons);
	if (rc == 0 && (r = jr_binding_sign(k, code, when, &b)) != JR_OK)
		rc = failed("cannot sign the village binding: %s", jr_strerror(r));
	if (rc == 0 && (r = jr_file_write_atomic(out, b.base, b.len, 0644, &eb)) != JR_OK)
		rc = failed("cannot write %s: %s", out, ebmsg(&eb, r));
	if (rc == 0)
		printf("village binding for %s (%s), %zu bytes written to %s\n", village,
			reg != NULL ? reg->name : "", b.len, out);
	jr_buf_free(&b);
	jr_key_free(k);
	return rc;
}

static int cmd_keygen(int argc, char **argv)
{
	const char *role = NULL, *out = NULL, *pin_file = NULL;
	bool json = false;
	char pin[JR_PIN_MAX + 2], pub[4096], fp[JR_KEYID_FINGERPRINT_LEN + 1], id[33];
	struct jr_key *k = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey p;
	enum jr_role r;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *v = NULL;
		int x;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(usage_keygen, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if ((x = jr_cli_value(argc, argv, &i, "--role", &v)) != 0 ||
		    (x = jr_cli_value(argc, argv, &i, "--out", &v)) != 0 ||
		    (x = jr_cli_value(argc, argv, &i, "--pin-file", &v)) != 0) {
			/* the option word: argv[i] itself (--x=v) or the one before */
			const char *w = x > 0 && strchr(argv[i], '=') == NULL ? argv[i - 1] : argv[i];

			if (x < 0)
				return usage_error("option '%s' needs a value", w);
			if (strncmp(w, "--role", 6) == 0)
				role = v;
			else if (strncmp(w, "--out", 5) == 0)
				out = v;
			else
				pin_file = v;
			continue;
		}
		return usage_error(argv[i][0] == '-' ? "unknown option '%s'" :
			"unexpected argument '%s'", argv[i]);
	}
	if ((rc = need(role, "--role")) != 0 || (rc = need(out, "--out")) != 0)
		return rc;
	if (strcmp(role, "official") == 0)
		r = JR_ROLE_OFFICIAL;
	else if (strcmp(role, "officer") == 0)
		r = JR_ROLE_OFFICER;
	else
		return usage_error("unknown role '%s': official or officer", role);
	if ((size_t)snprintf(pub, sizeof pub, "%s.pub", out) >= sizeof pub)
		return usage_error("the path %s is too long", out);
	if (access(out, F_OK) == 0 || access(pub, F_OK) == 0)
		return failed("%s or %s exists already: choose another name (a key file is never "
			"overwritten)", out, pub);
	if ((rc = read_pin(pin_file, pin, sizeof pin)) != 0)
		return rc;
	if ((rc = jr_key_generate(r, &k)) != JR_OK) {
		memset(pin, 0, sizeof pin);
		return failed("cannot make a key: %s", jr_strerror(rc));
	}
	rc = jr_key_save_pin(k, out, pin, strlen(pin), &eb);
	memset(pin, 0, sizeof pin);
	if (rc != JR_OK) {
		jr_key_free(k);
		return failed("cannot write %s: %s", out, ebmsg(&eb, rc));
	}
	jr_key_public(k, &p);
	jr_key_free(k);
	if ((rc = jr_pubkey_save(&p, pub, &eb)) != JR_OK)
		return failed("cannot write %s: %s", pub, ebmsg(&eb, rc));
	jr_keyid_fingerprint(p.id, fp);
	jr_hex(p.id, JR_ID_BYTES, id);
	if (json)
		printf("{\"key\":\"%s\",\"pub\":\"%s\",\"id\":\"%s\",\"fingerprint\":\"%s\"}\n",
			out, pub, id, fp);
	else
		printf("%s key %s written to %s (public half %s)\n", role, fp, out, pub);
	return 0;
}

enum act { A_APPROVE, A_RETURN, A_COMMENT, A_VIEW, A_POLICY, A_ALLOCATE, A_DECREE, A_PAY };

static int build_send_regs(const struct opts *o, enum act a, struct jr_key *k)
{
	static const char *what[] = { "approve", "return", "comment", "view" };
	size_t chunk = o->batch_n ? o->batch_n : BATCH_DEFAULT;
	int64_t t = issued_of(o);

	if (o->out != NULL)
		chunk = JR_CENTRE_MAX_ACT_REGS;

	if (o->n_regs > chunk && o->out != NULL)
		return usage_error("%zu registrations: at most %zu in one file (use --node, which "
			"sends several acts)", o->n_regs, chunk);
	for (size_t off = 0; off < o->n_regs; off += chunk) {
		size_t n = o->n_regs - off < chunk ? o->n_regs - off : chunk;
		const uint8_t *ids = o->regs + off * JR_REGID_BYTES;
		struct jr_buf e = { NULL, 0 };
		int r, x;

		if (a == A_VIEW)
			r = jr_centre_view_entry(k, t, ids, n, &e);
		else
			r = jr_centre_review_entry(k, t, a == A_APPROVE ? JR_REVIEW_APPROVE :
				a == A_RETURN ? JR_REVIEW_RETURN : JR_REVIEW_COMMENT, ids, n,
				a == A_RETURN ? &o->reasons : NULL, a == A_COMMENT ? o->text : NULL, &e);
		if (r != JR_OK)
			return failed("cannot build the %s act: %s (are the ids distinct?)", what[a],
				jr_strerror(r));
		x = deliver(o->out, o->node, &e, o->json, what[a]);
		jr_buf_free(&e);
		if (x != 0)
			return x;
	}
	return 0;
}

static int parse_agency_set(const char *s, uint32_t *bits)
{
	*bits = 0;
	for (const char *q = s; *q != '\0';) {
		size_t n = strcspn(q, ",+");
		uint32_t v = 0;
		int e = lookup(agencies, "agency", q, n, &v);

		if (e != 0)
			return e;
		if (v < 1 || v > 5)
			return usage_error("agency '%.*s' cannot be required: disnaker, dpmd, dukcapil, "
				"bpjstk or diskominfo", (int)n, q);
		*bits |= 1u << v;
		q += n + (q[n] != '\0');
	}
	if (*bits == 0)
		return usage_error("--require names no agency");
	return 0;
}

int copy_name(char *dst, size_t cap, const char *src, const char *what)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return usage_error("%s '%s' must be 1..%zu bytes", what, src, cap - 1);
	memcpy(dst, src, n + 1);
	return 0;
}

int yyyymm(const char *what, const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (parse_u64(what, s, 999912, &v) != 0)
		return EXIT_USAGE;
	if (v < 200001 || v % 100 < 1 || v % 100 > 12)
		return usage_error("%s '%s' is not a month YYYYMM", what, s);
	*out = (uint32_t)v;
	return 0;
}

/* The digest form of every registration that may be decreed in d's region
 * and period now, from the node's state file. */
static int decree_candidates(const char *state, struct jr_centre_decree *d)
{
	struct jr_errbuf eb = { 0 };
	struct jr_centre *c = NULL;
	int rc = open_state(state, NULL, &c);

	if (rc != 0)
		return rc;
	rc = jr_centre_decree_candidates(c, d->region, d->start, d->months, &d->count, d->digest,
		&eb);
	jr_centre_close(c);
	if (rc != JR_OK)
		return failed("%s", ebmsg(&eb, rc));
	if (d->count == 0)
		return failed("nobody may be decreed in %" PRIu64 " from %u for %u months: no "
			"registration there is approved by every required agency and free", d->region,
			d->start, d->months);
	fprintf(stderr, "%s: %" PRIu64 " registrations may be decreed\n", prog_cmd, d->count);
	return 0;
}

static int cmd_act(int argc, char **argv, enum act a)
{
	static const char *const helps[] = { usage_review, usage_review, usage_review,
		usage_review, usage_policy, usage_allocate, usage_decree, usage_pay };
	static const char *const names[] = { "approve", "return", "comment", "view", "policy",
		"allocate", "decree", "pay" };
	struct opts o;
	struct jr_key *k = NULL;
	struct jr_buf e = { NULL, 0 };
	uint64_t v = 0;
	int rc, r = JR_OK;

	memset(&o, 0, sizeof o);
	if ((rc = parse_act_opts(argc, argv, helps[a], &o)) != 0)
		goto done;
	if (o.file != NULL) {
		rc = usage_error("unexpected argument '%s'", o.file);
		goto done;
	}
	if ((rc = need(o.key, "--key")) != 0 || (rc = need_target(&o)) != 0)
		goto done;
	if (a <= A_VIEW) {
		if (o.all_passing && a != A_APPROVE) {
			rc = usage_error("--all-passing is for approve only");
			goto done;
		}
		if (o.all_passing && (o.state == NULL || o.n_regs > 0)) {
			rc = o.state == NULL ? usage_error("--all-passing needs --state FILE") :
				usage_error("give --all-passing or registration ids, not both");
			goto done;
		}
		if (o.all_passing) {
			if ((rc = load_key(o.key, o.pin_file, &k)) != 0 ||
			    (rc = all_passing(o.state, k, &o.regs, &o.n_regs, &o.cap_regs)) != 0)
				goto done;
			if (o.n_regs == 0) {
				if (o.json)
					printf("{\"approved\":0}\n");
				rc = 0;
				goto done;
			}
			rc = build_send_regs(&o, a, k);
			goto done;
		}
		if (o.n_regs == 0) {
			rc = usage_error("missing option --reg HEX or --regs-file FILE");
			goto done;
		}
		if (a == A_RETURN && o.reasons.n == 0) {
			rc = usage_error("missing option --reason CODE");
			goto done;
		}
		if (a == A_COMMENT && ((rc = need(o.text, "--text")) != 0))
			goto done;
		if ((rc = load_key(o.key, o.pin_file, &k)) != 0)
			goto done;
		rc = build_send_regs(&o, a, k);
		goto done;
	}
	if (a == A_POLICY) {
		struct jr_policy p;
		uint32_t req = 0;

		jr_policy_default(&p);
		if ((rc = need(o.region, "--region")) != 0 || (rc = need(o.version, "--version")) != 0 ||
		    (rc = need(o.require, "--require")) != 0 ||
		    (rc = parse_u64("--region", o.region, 9999999999ULL, &v)) != 0)
			goto done;
		{
			uint64_t ver = 0, c = p.contribution_rp;

			if ((rc = parse_u64("--version", o.version, UINT32_MAX, &ver)) != 0 ||
			    (o.contribution != NULL &&
				    (rc = parse_u64("--contribution", o.contribution, UINT32_MAX, &c)) != 0) ||
			    (rc = parse_agency_set(o.require, &req)) != 0)
				goto done;
			p.version = (uint32_t)ver;
			p.contribution_rp = (uint32_t)c;
		}
		if ((rc = load_key(o.key, o.pin_file, &k)) != 0)
			goto done;
		r = jr_centre_policy_entry(k, issued_of(&o), v, &p, req, o.dtks, &e);
	} else if (a == A_ALLOCATE) {
		struct jr_centre_allocation al;
		uint32_t t = 0;

		memset(&al, 0, sizeof al);
		if ((rc = need(o.id, "--id")) != 0 || (rc = need(o.sponsor_type, "--sponsor-type")) != 0 ||
		    (rc = need(o.sponsor, "--sponsor")) != 0 || (rc = need(o.amount, "--amount")) != 0 ||
		    (rc = need(o.months, "--months")) != 0 || (rc = need(o.region, "--region")) != 0 ||
		    (rc = copy_name(al.id, sizeof al.id, o.id, "allocation id")) != 0 ||
		    (rc = copy_name(al.sponsor, sizeof al.sponsor, o.sponsor, "sponsor")) != 0 ||
		    (rc = lookup(sponsors, "sponsor type", o.sponsor_type, strlen(o.sponsor_type),
			     &t)) != 0 ||
		    (rc = parse_u64("--amount", o.amount, JR_CENTRE_AMOUNT_MAX, &al.amount_rp)) != 0 ||
		    (rc = parse_u64("--months", o.months, JR_CENTRE_MONTHS_MAX, &v)) != 0)
			goto done;
		al.months = (uint32_t)v;
		al.type = (enum jr_sponsor)t;
		if ((rc = parse_u64("--region", o.region, 9999999999ULL, &al.region)) != 0 ||
		    (rc = load_key(o.key, o.pin_file, &k)) != 0)
			goto done;
		r = jr_centre_allocation_entry(k, issued_of(&o), &al, &e);
	} else if (a == A_DECREE) {
		struct jr_centre_decree d;

		memset(&d, 0, sizeof d);
		if ((rc = need(o.number, "--number")) != 0 || (rc = need(o.region, "--region")) != 0 ||
		    (rc = need(o.allocation, "--allocation")) != 0 ||
		    (rc = need(o.start, "--start")) != 0 || (rc = need(o.months, "--months")) != 0 ||
		    (rc = copy_name(d.number, sizeof d.number, o.number, "decree number")) != 0 ||
		    (rc = copy_name(d.allocation, sizeof d.allocation, o.allocation,
			     "allocation id")) != 0 ||
		    (rc = parse_u64("--region", o.region, 9999999999ULL, &d.region)) != 0 ||
		    (rc = yyyymm("--start", o.start, &d.start)) != 0 ||
		    (rc = parse_u64("--months", o.months, JR_CENTRE_MONTHS_MAX, &v)) != 0)
			goto done;
		d.months = (uint32_t)v;
		if (o.n_regs > 0 && (o.count != NULL || o.digest != NULL)) {
			rc = usage_error("give recipients (--reg, --regs-file) or --count and --digest, "
				"not both");
			goto done;
		}
		if (o.n_regs == 0 && o.all_approved) {
			if (o.state == NULL || o.count != NULL || o.digest != NULL) {
				rc = usage_error("--all-approved needs --state FILE (and no --count, "
					"--digest)");
				goto done;
			}
			if ((rc = decree_candidates(o.state, &d)) != 0)
				goto done;
		} else if (o.n_regs == 0) {
			if (o.count == NULL || o.digest == NULL) {
				rc = usage_error("missing option --regs-file FILE (or --count N and "
					"--digest HEX)");
				goto done;
			}
			if ((rc = parse_u64("--count", o.count, JR_CENTRE_MAX_DECREE_REGS, &d.count)) != 0 ||
			    (rc = parse_hex("--digest", o.digest, d.digest, JR_HASH_BYTES)) != 0)
				goto done;
		} else if (o.n_regs > JR_CENTRE_MAX_DECREE_REGS) {
			rc = usage_error("%zu recipients: at most %d on one decree", o.n_regs,
				JR_CENTRE_MAX_DECREE_REGS);
			goto done;
		}
		d.regids = o.regs;
		d.n = o.n_regs;
		if ((rc = load_key(o.key, o.pin_file, &k)) != 0)
			goto done;
		r = jr_centre_decree_entry(k, issued_of(&o), &d, &e);
	} else {
		uint32_t month = 0;
		uint64_t amount = 0;

		if ((rc = need(o.allocation, "--allocation")) != 0 ||
		    (rc = need(o.month, "--month")) != 0 || (rc = need(o.amount, "--amount")) != 0 ||
		    (rc = yyyymm("--month", o.month, &month)) != 0 ||
		    (rc = parse_u64("--amount", o.amount, JR_CENTRE_AMOUNT_MAX, &amount)) != 0)
			goto done;
		if (o.n_regs > JR_CENTRE_MAX_ACT_REGS) {
			rc = usage_error("%zu registrations: at most %d in one payment", o.n_regs,
				JR_CENTRE_MAX_ACT_REGS);
			goto done;
		}
		if ((rc = load_key(o.key, o.pin_file, &k)) != 0)
			goto done;
		r = jr_centre_payment_entry(k, issued_of(&o), o.allocation, month, o.regs, o.n_regs,
			amount, &e);
	}
	if (r != JR_OK) {
		rc = failed("cannot build the %s act: %s (check the values against "
			"jaring-admin %s --help)", names[a], jr_strerror(r), names[a]);
		goto done;
	}
	rc = deliver(o.out, o.node, &e, o.json, names[a]);
done:
	jr_buf_free(&e);
	jr_key_free(k);
	free(o.regs);
	return rc < 0 ? 0 : rc;
}

static int cmd_submit(int argc, char **argv)
{
	struct opts o;
	struct jr_buf e = { NULL, 0 };
	struct jr_errbuf eb = { 0 };
	int rc;

	memset(&o, 0, sizeof o);
	rc = parse_act_opts(argc, argv, usage_submit, &o);
	free(o.regs);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	if ((rc = need(o.node, "--node")) != 0)
		return rc;
	if (o.file == NULL)
		return usage_error("missing argument FILE");
	if ((rc = jr_file_read(o.file, JR_CENTRE_ENTRY_MAX_BYTES, &e, &eb)) != JR_OK)
		return failed("cannot read %s: %s", o.file, ebmsg(&eb, rc));
	rc = post_entry(o.node, e.base, e.len, o.json, o.file);
	jr_buf_free(&e);
	return rc;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; enum act a; } acts[] = {
		{ "approve", A_APPROVE }, { "return", A_RETURN }, { "comment", A_COMMENT },
		{ "view", A_VIEW }, { "policy", A_POLICY }, { "allocate", A_ALLOCATE },
		{ "decree", A_DECREE }, { "pay", A_PAY },
	};
	static char cmdname[64];
	int rc;

	if (argc < 2)
		return usage_error("missing argument COMMAND");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	if (argv[1][0] == '-')
		return usage_error("unknown option '%s'", argv[1]);
	(void)snprintf(cmdname, sizeof cmdname, "jaring-admin %s", argv[1]);
	if (jr_init() != JR_OK)
		return failed("libsodium cannot start");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return failed("libcurl cannot start");
	prog_cmd = cmdname;
	act_out = stdout;
	if (strcmp(argv[1], "roster") == 0)
		rc = cmd_roster(argc, argv);
	else if (strcmp(argv[1], "keygen") == 0)
		rc = cmd_keygen(argc, argv);
	else if (strcmp(argv[1], "village-binding") == 0)
		rc = cmd_binding(argc, argv);
	else if (strcmp(argv[1], "submit") == 0)
		rc = cmd_submit(argc, argv);
	else if (strcmp(argv[1], "queue") == 0)
		rc = cmd_queue(argc, argv);
	else if (strcmp(argv[1], "show") == 0)
		rc = cmd_show(argc, argv);
	else if (strcmp(argv[1], "reflist") == 0)
		rc = cmd_reflist(argc, argv);
	else if (strcmp(argv[1], "report") == 0)
		rc = cmd_report(argc, argv);
	else if (strcmp(argv[1], "chart") == 0)
		rc = cmd_chart(argc, argv);
	else {
		rc = -1;
		for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
			if (strcmp(argv[1], acts[i].name) == 0)
				rc = cmd_act(argc, argv, acts[i].a);
		if (rc < 0) {
			prog_cmd = "jaring-admin";
			rc = usage_error("unknown command '%s'", argv[1]);
		}
	}
	curl_global_cleanup();
	return rc;
}
