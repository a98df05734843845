/*
 * jaring-audit: checks a public export of the Jaring ledger from scratch and
 * offline (docs/audit.md, docs/man/jaring-audit.1). main() parses arguments,
 * loads the files named, runs the audit and prints; everything else is in
 * replay.c, report.c and receipt.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "audit.h"
#include "jaring/cli.h"
#include "jaring/keys.h"

static const char *prog = "jaring-audit";

static const char usage_top[] =
	"jaring-audit: checks a public export of the Jaring ledger, offline, from scratch:\n"
	"the log's tiles and every checkpoint under a trusted tlog-policy, every signature\n"
	"and roster rule, every kiosk's chain, and every public decision replayed by the\n"
	"centre's own contracts (approvals, decrees, payments, the money to the rupiah).\n"
	"\n"
	"usage: jaring-audit [verify] --policy FILE [--consortium PUBFILE] [--json]\n"
	"                    [--progress] [--work DIR] EXPORT\n"
	"       jaring-audit verify ... --db STATE.DB --consortium-key KEYFILE\n"
	"                    [--consortium-key KEYFILE ...] --pseudonym-key FILE EXPORT\n"
	"       jaring-audit receipt --policy FILE [--json] EXPORT RECEIPT\n"
	"       jaring-audit [verify|receipt] --help\n"
	"\n"
	"  --policy FILE          the tlog-policy to trust checkpoints by (the log's key, the\n"
	"                         witnesses and their quorum), got from the programme itself\n"
	"  --consortium PUBFILE   pin the consortium key that signs the first roster\n"
	"  --db STATE.DB          a node's state file: replay its blocks and records too and\n"
	"                         reach its state hash (needs the two keys below)\n"
	"  --consortium-key FILE  a consortium key file (opens the sealed records): the\n"
	"                         genesis key's, and one more for each key a rotation\n"
	"                         brought in (repeat the option, in any order)\n"
	"  --pseudonym-key FILE   the pseudonym key file (64 hex digits)\n"
	"  --json                 one JSON object on stdout instead of the report\n"
	"  --progress             progress lines on stderr\n"
	"  --work DIR             where the replay's temporary state goes (default: TMPDIR)\n"
	"\n"
	"exit status:\n"
	"  0  every check holds\n"
	"  1  a check failed: the report names what is wrong and where\n"
	"  2  usage error\n"
	"  3  could not run: a file given cannot be read, or I/O failed\n";

static const char usage_receipt[] =
	"jaring-audit receipt: is a receipt's registration on the public ledger? Verifies the\n"
	"export's log, the receipt's signature under its kiosk's key from the export's\n"
	"rosters, finds the registration's leaf, and checks an inclusion proof built from\n"
	"the tiles against the trusted checkpoint.\n"
	"\n"
	"usage: jaring-audit receipt --policy FILE [--json] EXPORT RECEIPT\n"
	"\n"
	"  RECEIPT  a file holding the receipt's QR text (JR1:...) or its bytes\n"
	"\n"
	"exit status: 0 included, 1 not included or not valid (named), 2 usage error,\n"
	"3 could not run\n";

static int usage_error(const char *fmt, ...) JR_PRINTF(1, 2);

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	return JR_AUDIT_USAGE;
}

static int cannot(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "%s: %s: %s\n", prog, what, eb->msg[0] ? eb->msg : "failed");
	return JR_AUDIT_CANNOT;
}

struct args {
	const char *policy, *consortium, *db, *pkey, *work;
	const char *ckey[JR_CENTRE_MAX_KEYS]; /* every --consortium-key */
	size_t n_ckey;
	const char *pos[2];
	int n_pos;
	bool json, progress, help;
};

static int parse(int argc, char **argv, int from, struct args *a)
{
	static const struct { const char *name; size_t off; } opts[] = {
		{ "--policy", offsetof(struct args, policy) },
		{ "--consortium", offsetof(struct args, consortium) },
		{ "--db", offsetof(struct args, db) },
		{ "--pseudonym-key", offsetof(struct args, pkey) },
		{ "--work", offsetof(struct args, work) },
	};

	for (int i = from; i < argc; i++) {
		const char *v = NULL;
		int r = 0;
		size_t k;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			a->help = true;
			return JR_AUDIT_OK;
		}
		if (strcmp(argv[i], "--json") == 0) {
			a->json = true;
			continue;
		}
		if (strcmp(argv[i], "--progress") == 0) {
			a->progress = true;
			continue;
		}
		if ((r = jr_cli_value(argc, argv, &i, "--consortium-key", &v)) == 1) {
			if (a->n_ckey == JR_CENTRE_MAX_KEYS)
				return usage_error("more than %d --consortium-key files: a node"
					" holds at most that many", JR_CENTRE_MAX_KEYS);
			a->ckey[a->n_ckey++] = v;
			continue;
		}
		for (k = 0; k < sizeof opts / sizeof opts[0] && r == 0; k++)
			if ((r = jr_cli_value(argc, argv, &i, opts[k].name, &v)) == 1)
				*(const char **)(void *)((char *)a + opts[k].off) = v;
		if (r < 0)
			return usage_error("option '%s' needs a value", argv[i]);
		if (r == 1)
			continue;
		if (argv[i][0] == '-')
			return usage_error("unknown option '%s'", argv[i]);
		if (a->n_pos == 2)
			return usage_error("one argument too many: '%s'", argv[i]);
		a->pos[a->n_pos++] = argv[i];
	}
	return JR_AUDIT_OK;
}

static int load_pseudonym(const char *path, uint8_t key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	struct jr_errbuf *eb)
{
	struct jr_buf b = { NULL, 0 };
	size_t n, bin = 0;
	int rc = jr_file_read(path, 256, &b, eb);

	if (rc != JR_OK)
		return rc;
	n = b.len;
	while (n > 0 && (b.base[n - 1] == '\n' || b.base[n - 1] == '\r'))
		n--;
	rc = n == 2 * JR_CENTRE_PSEUDONYM_KEY_BYTES && sodium_hex2bin(key,
		JR_CENTRE_PSEUDONYM_KEY_BYTES, (const char *)b.base, n, NULL, &bin, NULL) == 0 &&
		bin == JR_CENTRE_PSEUDONYM_KEY_BYTES ? JR_OK : JR_EFORMAT;
	sodium_memzero(b.base, b.len);
	jr_buf_free(&b);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "pseudonym key %s: expected 64 hex digits on one line", path);
	return JR_OK;
}

/* A folder for the replay's file, made here and removed at the end. */
static int work_dir(const char *given, char *out, size_t cap, bool *made)
{
	const char *tmp = getenv("TMPDIR");
	int n;

	*made = false;
	if (given != NULL) {
		n = snprintf(out, cap, "%s", given);
		return n > 0 && (size_t)n < cap ? JR_OK : JR_EINVAL;
	}
	n = snprintf(out, cap, "%s/jaring-audit.XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= cap || mkdtemp(out) == NULL)
		return JR_EIO;
	*made = true;
	return JR_OK;
}

/* What --db opens the node's state with: every consortium key file given,
 * and the pseudonym key (in sodium_malloc'd memory). */
struct node_keys {
	struct jr_key *ck[JR_CENTRE_MAX_KEYS];
	size_t n;
	uint8_t *pkey;
};

static void node_keys_free(struct node_keys *k)
{
	for (size_t i = 0; i < k->n; i++)
		jr_key_free(k->ck[i]);
	sodium_free(k->pkey);
	memset(k, 0, sizeof *k);
}

static int node_keys_load(const struct args *a, struct node_keys *k, struct jr_errbuf *eb)
{
	int rc = JR_OK;

	memset(k, 0, sizeof *k);
	k->pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES);
	if (k->pkey == NULL)
		rc = jr_errf(eb, JR_ENOMEM, "out of memory for the pseudonym key");
	for (size_t i = 0; rc == JR_OK && i < a->n_ckey; i++) {
		rc = jr_key_load(a->ckey[i], &k->ck[i], eb);
		k->n += rc == JR_OK;
	}
	if (rc == JR_OK)
		rc = load_pseudonym(a->pkey, k->pkey, eb);
	if (rc != JR_OK)
		node_keys_free(k);
	return rc;
}

static int cmd_verify(const struct args *a, const struct jr_tlog_policy *policy)
{
	struct jr_audit_opts o;
	struct jr_audit_report rep;
	struct jr_errbuf eb;
	struct jr_pubkey pub;
	struct node_keys keys = { { NULL }, 0, NULL };
	char work[4096];
	bool made = false;
	int rc, ex;

	memset(&o, 0, sizeof o);
	memset(&eb, 0, sizeof eb);
	o.dir = a->pos[0];
	o.policy = policy;
	o.progress = a->progress;
	if (a->db != NULL && (a->n_ckey == 0 || a->pkey == NULL))
		return usage_error("--db needs --consortium-key and --pseudonym-key: the records"
			" open only with them");
	if (a->db == NULL && (a->n_ckey != 0 || a->pkey != NULL))
		return usage_error("--consortium-key and --pseudonym-key go with --db");
	if (a->consortium != NULL) {
		if (jr_pubkey_load(a->consortium, &pub, &eb) != JR_OK)
			return cannot("--consortium", &eb);
		o.genesis_pk = pub.sign_pk;
	}
	if (a->db != NULL) {
		if (node_keys_load(a, &keys, &eb) != JR_OK)
			return cannot("the node's keys", &eb);
		o.db = a->db;
		o.consortium = (const struct jr_key *const *)keys.ck;
		o.n_consortium = keys.n;
		o.pseudonym_key = keys.pkey;
	}
	if (work_dir(a->work, work, sizeof work, &made) != JR_OK) {
		node_keys_free(&keys);
		fprintf(stderr, "%s: cannot make a work folder: %s\n", prog, strerror(errno));
		return JR_AUDIT_CANNOT;
	}
	o.work = work;
	rc = jr_audit_run(&o, &rep, &eb);
	if (made)
		(void)rmdir(work);
	node_keys_free(&keys);
	if (rc != JR_OK && rep.failure[0] == '\0') {
		jr_audit_report_free(&rep);
		return cannot(o.dir, &eb);
	}
	if (a->json)
		jr_audit_print_json(stdout, &o, &rep);
	else
		jr_audit_print_text(stdout, &o, &rep);
	ex = rep.failure[0] != '\0' ? JR_AUDIT_FAILED : JR_AUDIT_OK;
	if (ex != JR_AUDIT_OK)
		fprintf(stderr, "%s: %s: FAILED: %s\n", prog, o.dir, rep.failure);
	jr_audit_report_free(&rep);
	return ex;
}

static int cmd_receipt(const struct args *a, const struct jr_tlog_policy *policy)
{
	struct jr_audit_receipt r;
	struct jr_buf b = { 0 };
	struct jr_errbuf eb;
	char hex[2 * JR_REGID_BYTES + 1];
	int rc;

	memset(&eb, 0, sizeof eb);
	if (jr_file_read(a->pos[1], 4096, &b, &eb) != JR_OK)
		return cannot(a->pos[1], &eb);
	rc = jr_audit_receipt(a->pos[0], policy, b.base, b.len, &r, &eb);
	jr_buf_free(&b);
	jr_hex(r.regid, JR_REGID_BYTES, hex);
	if (rc == JR_EIO || rc == JR_ENOMEM)
		return cannot(a->pos[0], &eb);
	if (a->json) {
		printf("{\"ok\":%s,\"registration\":\"%s\",\"leaf\":%" PRIu64 ",\"tree_size\":%"
			PRIu64 ",\"proof_hashes\":%zu,\"outcome\":\"%s\",\"district\":%" PRIu64
			",\"failure\":", rc == JR_OK ? "true" : "false", hex, r.leaf, r.size,
			r.proof_len, r.outcome, r.district);
		if (rc == JR_OK) {
			printf("null}\n");
		} else {
			putchar('"');
			for (const char *p = eb.msg; *p; p++)
				if (*p == '"' || *p == '\\')
					printf("\\%c", *p);
				else if ((unsigned char)*p >= 0x20)
					putchar(*p);
			printf("\"}\n");
		}
	} else if (rc == JR_OK) {
		printf("Receipt of registration %s: INCLUDED.\n", hex);
		printf("  Its kiosk is on the programme's roster and signed the receipt.\n");
		printf("  Its latest decision is leaf %" PRIu64 " of the %" PRIu64 " in the log"
			" (%s, district %" PRIu64 "),\n", r.leaf, r.size, r.outcome, r.district);
		printf("  and an inclusion proof of %zu hashes from the tiles verifies against"
			" the checkpoint the trusted witnesses cosigned.\n", r.proof_len);
	}
	if (rc != JR_OK) {
		fprintf(stderr, "%s receipt: registration %s: NOT VERIFIED: %s\n", prog, hex,
			eb.msg);
		return JR_AUDIT_FAILED;
	}
	return JR_AUDIT_OK;
}

int main(int argc, char **argv)
{
	struct jr_tlog_policy_file pol;
	struct jr_errbuf eb;
	struct args a;
	bool receipt = false;
	int from = 1, rc;

	memset(&a, 0, sizeof a);
	memset(&eb, 0, sizeof eb);
	if (argc >= 2 && strcmp(argv[1], "verify") == 0) {
		prog = "jaring-audit verify";
		from = 2;
	} else if (argc >= 2 && strcmp(argv[1], "receipt") == 0) {
		prog = "jaring-audit receipt";
		receipt = true;
		from = 2;
	}
	rc = parse(argc, argv, from, &a);
	if (rc != JR_AUDIT_OK)
		return rc;
	if (a.help) {
		fputs(receipt ? usage_receipt : usage_top, stdout);
		return JR_AUDIT_OK;
	}
	if (a.policy == NULL)
		return usage_error("missing --policy FILE: the tlog-policy to trust checkpoints by");
	if (a.n_pos == 0)
		return usage_error("missing argument EXPORT (the export folder)");
	if (!receipt && a.n_pos != 1)
		return usage_error("one argument too many: '%s'", a.pos[1]);
	if (receipt && a.n_pos != 2)
		return usage_error("receipt needs EXPORT and RECEIPT");
	if (jr_init() != JR_OK) {
		fprintf(stderr, "%s: libsodium cannot start\n", prog);
		return JR_AUDIT_CANNOT;
	}
	if (jr_tlog_policy_load(a.policy, &pol, &eb) != JR_OK)
		return cannot("--policy", &eb);
	return receipt ? cmd_receipt(&a, &pol.p) : cmd_verify(&a, &pol.p);
}
