/*
 * jaring-sync import | visit | status: the stand-in centre's import, a
 * kiosk's visit without a touch screen, and the counts a drive and a kiosk
 * hold. Parses arguments and prints; the work is jr_sync's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "jaring/cli.h"
#include "jaring/roster.h"
#include "jaring/sync.h"
#include "jaring/visit.h"
#include "cmds.h"
#include "sync_int.h"

#define EXIT_USAGE 2

static const char usage_import[] =
	"jaring-sync import: the stand-in centre (until jaring-node takes the drive):\n"
	"reads every upstream bundle on the drive, checks its sender against the roster,\n"
	"reads it whole with the consortium key and applies its blocks to the centre's\n"
	"state file, then writes each kiosk's answer (statuses, roster, policy, ack)\n"
	"onto the drive under JARING/DOWN. Importing a drive twice changes nothing.\n"
	"\n"
	"usage: jaring-sync import --drive DIR --centre FILE --key FILE --roster FILE\n"
	"                          [--checkpoint FILE] [--time SECONDS] [--json]\n"
	"  --drive DIR        where the drive is mounted\n"
	"  --centre FILE      the centre's state file (made if missing); its pseudonym\n"
	"                     key is FILE.pkey (made with it)\n"
	"  --key FILE         the consortium's key file\n"
	"  --roster FILE      the signed roster (docs/formats.md \"Roster\")\n"
	"  --checkpoint FILE  a cosigned checkpoint note to carry to the kiosks\n"
	"  --time SECONDS     the answers' checkpoint time (default: now)\n"
	"  --json             print the counts as one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  every bundle on the drive was applied (or known) and answered\n"
	"  1  a bundle was refused (the message names it), or the state or the drive\n"
	"     failed; what was applied stays applied\n"
	"  2  usage error\n";

static const char usage_visit[] =
	"jaring-sync visit: a kiosk's whole visit without its touch screen: its\n"
	"unacknowledged blocks onto the drive, the centre's newest answer applied to\n"
	"its shard and to a downstream store, the counts reconciled and the visit\n"
	"logged in the shard and on the drive. The touch kiosk runs the same code\n"
	"behind the officer's PIN.\n"
	"\n"
	"usage: jaring-sync visit --drive DIR --shard FILE --counter FILE --key FILE\n"
	"                         --consortium FILE --store FILE --officer FILE\n"
	"                         [--blocks-per-bundle N] [--time SECONDS] [--json]\n"
	"  --drive DIR            where the drive is mounted\n"
	"  --shard FILE           the kiosk's shard.db\n"
	"  --counter FILE         its fork-guard counter\n"
	"  --key FILE             the kiosk's key file\n"
	"  --consortium FILE      the consortium key the kiosk pinned (public key file)\n"
	"  --store FILE           the downstream store (made if missing)\n"
	"  --officer FILE         the officer's key file (its public half is read); must\n"
	"                         be an officer with the sync permission on the roster\n"
	"  --blocks-per-bundle N  1..512 (default 512)\n"
	"  --time SECONDS         the kiosk's clock (default: now)\n"
	"  --json                 print the counts as one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  sync complete: every count adds up\n"
	"  1  not complete (the output says what is missing), or a failure\n"
	"  2  usage error\n";

static const char usage_status[] =
	"jaring-sync status: what a drive holds for each kiosk (blocks out, the visit\n"
	"the kiosk logged, the centre's answer) and whether those counts reconcile;\n"
	"with --shard and --store, what the kiosk itself holds beside it. Needs no key.\n"
	"\n"
	"usage: jaring-sync status --drive DIR [--shard FILE] [--store FILE] [--json]\n"
	"  --drive DIR   where the drive is mounted\n"
	"  --shard FILE  a kiosk's shard.db, read only\n"
	"  --store FILE  its downstream store\n"
	"  --json        one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  every kiosk's last visit on the drive reconciles\n"
	"  1  a count does not add up (the output says which), or the drive cannot be read\n"
	"  2  usage error\n";

struct opts {
	const char *drive, *centre, *key, *roster, *checkpoint, *shard, *counter,
		*consortium, *store, *officer, *time, *per_bundle;
	bool json;
};

static int usage_err(const char *cmd, const char *fmt, ...) JR_PRINTF(2, 3);
static int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jaring-sync %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see jaring-sync %s --help\n", cmd);
	return EXIT_USAGE;
}

/* -1: go on; otherwise an exit status. `allowed` lists the options. */
static int parse(const char *cmd, const char *help, const char *allowed, int argc,
	char **argv, struct opts *o)
{
	struct {
		const char *name;
		const char **dst;
	} tab[] = { { "--drive", &o->drive }, { "--centre", &o->centre }, { "--key", &o->key },
		{ "--roster", &o->roster }, { "--checkpoint", &o->checkpoint },
		{ "--shard", &o->shard }, { "--counter", &o->counter },
		{ "--consortium", &o->consortium }, { "--store", &o->store },
		{ "--officer", &o->officer }, { "--time", &o->time },
		{ "--blocks-per-bundle", &o->per_bundle } };
	int i;

	for (i = 0; i < argc; i++) {
		char pat[64];
		size_t t;
		int m = 0;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help, stdout);
			return 0;
		}
		if (strcmp(argv[i], "--json") == 0 && strstr(allowed, " --json ") != NULL) {
			o->json = true;
			continue;
		}
		for (t = 0; t < sizeof tab / sizeof tab[0] && m == 0; t++) {
			snprintf(pat, sizeof pat, " %s ", tab[t].name);
			if (strstr(allowed, pat) != NULL)
				m = jr_cli_value(argc, argv, &i, tab[t].name, tab[t].dst);
			if (m < 0)
				return usage_err(cmd, "option %s needs a value", tab[t].name);
		}
		if (m == 0)
			return argv[i][0] == '-' ? usage_err(cmd, "unknown option '%s'", argv[i]) :
				usage_err(cmd, "unexpected argument '%s'", argv[i]);
	}
	if (o->drive == NULL)
		return usage_err(cmd, "missing argument %s", "--drive DIR");
	return -1;
}

static bool number(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL)
		return false;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || x < lo || x > hi)
		return false;
	*v = x;
	return true;
}

static int fail(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "jaring-sync: %s: %s\n", what, eb->msg[0] ? eb->msg : jr_strerror(rc));
	return 1;
}

static void bar_named(const char *what, uint64_t done, uint64_t total)
{
	int width = 40, fill = total ? (int)(done * (uint64_t)width / total) : width;

	fprintf(stderr, "\r%s [%.*s%*s] %" PRIu64 "/%" PRIu64, what, fill,
		"########################################", width - fill, "", done, total);
	if (done == total)
		fputc('\n', stderr);
}

static void bar(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	bar_named("bundles", done, total);
}

static void bar_stage(void *ctx, int stage, uint64_t done, uint64_t total)
{
	(void)ctx;
	bar_named(stage == 1 ? "blocks out  " : "statuses in ", done, total);
}

/* ---- import ---- */

/* The centre's pseudonym key, FILE.pkey: made with a new state file, and
 * required beside an existing one. */
static int pseudonym_key(const char *centre, uint8_t key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	struct jr_errbuf *eb)
{
	char path[4096];
	struct jr_buf b = { NULL, 0 };
	int n = snprintf(path, sizeof path, "%s.pkey", centre), rc;

	if (n < 0 || (size_t)n >= sizeof path)
		return jr_errf(eb, JR_EINVAL, "centre path %s is too long", centre);
	if (access(path, F_OK) != 0) {
		if (access(centre, F_OK) == 0)
			return jr_errf(eb, JR_ENOTFOUND, "centre state %s exists but its pseudonym key "
				"%s does not: restore the key from the centre's backup", centre, path);
		randombytes_buf(key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
		return jr_file_write_atomic(path, key, JR_CENTRE_PSEUDONYM_KEY_BYTES, 0600, eb);
	}
	if ((rc = jr_file_read(path, 64, &b, eb)) != JR_OK)
		return rc;
	if (b.len != JR_CENTRE_PSEUDONYM_KEY_BYTES) {
		sodium_memzero(b.base, b.len);
		jr_buf_free(&b);
		return jr_errf(eb, JR_EFORMAT, "pseudonym key %s is not %d bytes", path,
			JR_CENTRE_PSEUDONYM_KEY_BYTES);
	}
	memcpy(key, b.base, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	sodium_memzero(b.base, b.len);
	jr_buf_free(&b);
	return JR_OK;
}

static void print_import(const struct opts *o, const struct jr_sync_import_counts *c, int rc)
{
	if (o->json) {
		printf("{\"bundles\":%" PRIu64 ",\"refused\":%" PRIu64 ",\"blocks\":%" PRIu64
			",\"applied\":%" PRIu64 ",\"known\":%" PRIu64 ",\"pending\":%" PRIu64
			",\"blocks_refused\":%" PRIu64 ",\"accepted\":%" PRIu64 ",\"returned\":%" PRIu64
			",\"duplicate\":%" PRIu64 ",\"held\":%" PRIu64 ",\"visits\":%" PRIu64
			",\"answers\":%" PRIu64 ",\"statuses\":%" PRIu64 ",\"ok\":%s}\n", c->bundles,
			c->bundles_refused, c->blocks, c->blocks_applied, c->blocks_known,
			c->blocks_pending, c->blocks_refused, c->regs_accepted, c->regs_returned,
			c->regs_duplicate, c->regs_held, c->visits, c->answers, c->statuses,
			rc == JR_OK && c->bundles_refused == 0 ? "true" : "false");
		return;
	}
	printf("%" PRIu64 " bundles read (%" PRIu64 " refused), %" PRIu64 " blocks: %" PRIu64
		" applied, %" PRIu64 " known, %" PRIu64 " waiting for a gap, %" PRIu64 " refused; "
		"registrations: %" PRIu64 " accepted, %" PRIu64 " returned, %" PRIu64 " duplicate, %"
		PRIu64 " held; %" PRIu64 " visit log entries; %" PRIu64 " answers written with %"
		PRIu64 " statuses\n", c->bundles + c->bundles_refused, c->bundles_refused, c->blocks,
		c->blocks_applied, c->blocks_known, c->blocks_pending, c->blocks_refused,
		c->regs_accepted, c->regs_returned, c->regs_duplicate, c->regs_held, c->visits,
		c->answers, c->statuses);
}

int jr_sync_cmd_import(int argc, char **argv)
{
	struct opts o = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_key *cons = NULL;
	struct jr_centre *c = NULL;
	struct jr_buf roster = { NULL, 0 }, cp = { NULL, 0 };
	struct jr_sync_import x;
	struct jr_sync_import_counts n;
	struct jr_policy pol;
	uint8_t pk[JR_CENTRE_PSEUDONYM_KEY_BYTES];
	uint64_t t = (uint64_t)time(NULL);
	int rc = parse("import", usage_import,
		" --drive --centre --key --roster --checkpoint --time --json ", argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.centre == NULL || o.key == NULL || o.roster == NULL)
		return usage_err("import", "missing argument %s", o.centre == NULL ? "--centre FILE" :
			o.key == NULL ? "--key FILE" : "--roster FILE");
	if (o.time != NULL && !number(o.time, 0, INT64_MAX, &t))
		return usage_err("import", "--time '%s' is not a number of seconds", o.time);
	if ((rc = jr_key_load(o.key, &cons, &eb)) != JR_OK)
		return fail("reading the consortium key", rc, &eb);
	jr_policy_default(&pol);
	if ((rc = jr_file_read(o.roster, JR_ROSTER_MAX_BYTES, &roster, &eb)) != JR_OK ||
	    (o.checkpoint != NULL &&
		(rc = jr_file_read(o.checkpoint, JR_NOTE_MAX_BYTES, &cp, &eb)) != JR_OK) ||
	    (rc = pseudonym_key(o.centre, pk, &eb)) != JR_OK ||
	    (rc = jr_centre_open(o.centre, cons, pk, &pol, &c, &eb)) != JR_OK) {
		sodium_memzero(pk, sizeof pk);
		rc = fail("import", rc, &eb);
		goto out;
	}
	sodium_memzero(pk, sizeof pk);
	memset(&x, 0, sizeof x);
	x.drive = o.drive;
	x.centre = c;
	x.consortium = cons;
	x.roster = roster.base;
	x.roster_len = roster.len;
	x.checkpoint = cp.base;
	x.checkpoint_len = cp.len;
	x.time = (int64_t)t;
	if (isatty(STDERR_FILENO))
		x.progress = bar;
	rc = jr_sync_import_run(&x, &n, &eb);
	print_import(&o, &n, rc);
	if (rc != JR_OK)
		rc = fail("import", rc, &eb);
	else if (n.bundles_refused > 0) {
		fprintf(stderr, "jaring-sync import: %" PRIu64 " bundles refused, the first: %s\n",
			n.bundles_refused, n.refused);
		rc = 1;
	}
out:
	jr_centre_close(c);
	jr_buf_free(&cp);
	jr_buf_free(&roster);
	jr_key_free(cons);
	return rc;
}

/* ---- visit ---- */

static void print_visit(const struct opts *o, const struct jr_sync_visit_counts *c)
{
	const struct jr_sync_counts *u = &c->up;

	if (o->json) {
		printf("{\"height\":%" PRIu64 ",\"acked_before\":%" PRIu64 ",\"out\":%" PRIu64
			",\"written\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"answer\":%" PRIu64
			",\"applied\":%s,\"statuses\":%" PRIu64 ",\"registrations\":%" PRIu64
			",\"missing_out\":%" PRIu64 ",\"missing_statuses\":%" PRIu64
			",\"stale\":%s,\"visit\":%" PRIu64 ",\"complete\":%s}\n", u->height, u->acked,
			u->on_drive, u->written, c->acked, c->down_seq, c->down_applied ? "true" : "false",
			c->statuses, c->registrations, c->missing_out, c->missing_statuses,
			c->stale ? "true" : "false", c->visit_number, c->complete ? "true" : "false");
		return;
	}
	printf("visit %" PRIu64 ": height %" PRIu64 "; blocks out %" PRIu64 " (%" PRIu64
		" written now); acknowledged %" PRIu64 "; statuses back %" PRIu64 " of %" PRIu64
		" registrations acknowledged (answer %" PRIu64 "%s)\n", c->visit_number, u->height,
		u->on_drive, u->written, c->acked, c->statuses, c->registrations, c->down_seq,
		c->down_applied ? ", applied now" : c->down_old ? ", applied before" : "");
	if (c->complete) {
		printf("Sync complete\n");
		return;
	}
	printf("Sync not complete:");
	if (c->missing_out > 0)
		printf(" %" PRIu64 " blocks not on the drive;", c->missing_out);
	if (!c->down_applied && !c->down_old)
		printf(" no answer applied: %s;", c->down_why);
	if (c->missing_statuses > 0)
		printf(" %" PRIu64 " acknowledged registrations without a status;",
			c->missing_statuses);
	if (c->stale)
		printf(" the shard is behind the centre's acknowledgement: it refuses to sign, "
			"follow docs/operations.md \"Restoring a kiosk from a backup\";");
	printf("\n");
}

/* The officer: a key of the officer role, and on the roster the store
 * holds (when it holds one) with the sync permission. */
static int check_officer(const char *path, const struct jr_downstream_trust *t,
	uint8_t id[JR_ID_BYTES], struct jr_errbuf *eb)
{
	struct jr_pubkey p;
	struct jr_roster r;
	int rc = jr_key_load_public(path, &p, eb);

	if (rc != JR_OK)
		return rc;
	if (p.role != JR_ROLE_OFFICER)
		return jr_errf(eb, JR_EKEY, "%s is not an officer's key", path);
	memcpy(id, p.id, JR_ID_BYTES);
	if (t->roster == NULL)
		return JR_OK;
	if ((rc = jr_roster_open(t->roster, t->roster_len, t->roster_signer_pk, &r, eb)) != JR_OK)
		return rc;
	rc = jr_roster_check(&r, p.id, JR_ROLE_OFFICER, JR_PERM_SYNC, 0, 0, eb);
	jr_roster_free(&r);
	return rc;
}

int jr_sync_cmd_visit(int argc, char **argv)
{
	struct opts o = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_key *kiosk = NULL;
	struct jr_pubkey cons;
	struct jr_shard *shard = NULL;
	struct jr_sync_dstore *ds = NULL;
	struct jr_downstream_trust trust;
	struct jr_downstream_sink sink;
	struct jr_sync_dstore_info di;
	struct jr_sync_visit v;
	struct jr_sync_visit_counts c;
	uint64_t t = (uint64_t)time(NULL), per = 0;
	int rc = parse("visit", usage_visit, " --drive --shard --counter --key --consortium "
		"--store --officer --blocks-per-bundle --time --json ", argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.shard == NULL || o.counter == NULL || o.key == NULL || o.consortium == NULL ||
	    o.store == NULL || o.officer == NULL)
		return usage_err("visit", "missing argument %s", o.shard == NULL ? "--shard FILE" :
			o.counter == NULL ? "--counter FILE" : o.key == NULL ? "--key FILE" :
			o.consortium == NULL ? "--consortium FILE" : o.store == NULL ? "--store FILE" :
			"--officer FILE");
	if (o.time != NULL && !number(o.time, 0, INT64_MAX, &t))
		return usage_err("visit", "--time '%s' is not a number of seconds", o.time);
	if (o.per_bundle != NULL && !number(o.per_bundle, 1, JR_SYNC_BLOCKS_PER_BUNDLE, &per))
		return usage_err("visit", "--blocks-per-bundle '%s' is not 1..512", o.per_bundle);
	if ((rc = jr_key_load(o.key, &kiosk, &eb)) != JR_OK ||
	    (rc = jr_pubkey_load(o.consortium, &cons, &eb)) != JR_OK ||
	    (rc = jr_shard_open(o.shard, o.counter, kiosk, &shard, &eb)) != JR_OK ||
	    (rc = jr_sync_dstore_open(o.store, &ds, &eb)) != JR_OK) {
		rc = fail("visit", rc, &eb);
		goto out;
	}
	jr_sync_dstore_trust(ds, cons.sign_pk, &trust);
	jr_sync_dstore_sink(ds, &sink);
	jr_sync_dstore_info(ds, &di);
	memset(&v, 0, sizeof v);
	if ((rc = check_officer(o.officer, &trust, v.officer_id, &eb)) != JR_OK) {
		rc = fail("visit: officer refused", rc, &eb);
		goto out;
	}
	v.drive = o.drive;
	v.shard = shard;
	v.kiosk = kiosk;
	v.consortium = &cons;
	v.trust = &trust;
	v.sink = &sink;
	v.applied_statuses = di.statuses;
	v.time = t;
	v.blocks_per_bundle = (uint32_t)per;
	if (isatty(STDERR_FILENO))
		v.progress = bar_stage;
	rc = jr_sync_visit_run(&v, &c, &eb);
	print_visit(&o, &c);
	rc = rc != JR_OK ? fail("visit", rc, &eb) : c.complete ? 0 : 1;
out:
	jr_sync_dstore_close(ds);
	jr_shard_close(shard);
	jr_key_free(kiosk);
	return rc;
}

/* ---- status ---- */

struct kfold {
	char dir[9];
	uint64_t bundles, blocks, lo, hi;
	const struct jr_sync_listing *up;
	bool has_pk;
	uint8_t pk[JR_SIGN_PK_BYTES];
	bool has_visit;
	struct jr_visit visit;
	bool has_answer;
	struct jr_bundle_info answer;
	uint64_t answers_bad;
};

/* Are heights from..to all in accepted bundles of the folder? */
static bool covered(const struct jr_sync_listing *l, const char *dir, uint64_t from,
	uint64_t to)
{
	uint64_t h = from;
	size_t i;

	for (i = 0; i < l->n && h <= to; i++) {
		const struct jr_sync_entry *e = &l->e[i];
		if (e->rc != JR_OK || strcmp(e->kiosk_dir, dir) != 0)
			continue;
		if (e->info.first <= h && e->info.last >= h)
			h = e->info.last + 1;
	}
	return h > to;
}

/* The kiosk's key from its signed VISITS.JRB header (or any of its
 * bundles), then its VISIT.JRV verified with it. */
static void read_visit(const char *drive, struct kfold *k)
{
	char path[4096];
	struct jr_buf b = { NULL, 0 };
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };

	if (jr_sync_path(path, sizeof path, &eb, drive, "UP", k->dir, JR_SYNC_VISITS_BUNDLE) ==
		JR_OK && jr_file_read(path, 16u << 20, &b, &eb) == JR_OK &&
	    b.len >= JR_BUNDLE_HEADER_BYTES &&
	    jr_bundle_header_decode(b.base, JR_BUNDLE_HEADER_BYTES, "VISITS.JRB", &h, &eb) == JR_OK &&
	    jr_bundle_header_verify(&h, "VISITS.JRB", &eb) == JR_OK) {
		char d[9];
		jr_sync_kiosk_dir(h.info.sender_id, d);
		if (strcmp(d, k->dir) == 0) {
			memcpy(k->pk, h.info.sender_pk, JR_SIGN_PK_BYTES);
			k->has_pk = true;
		}
	}
	jr_buf_free(&b);
	if (!k->has_pk)
		return;
	if (jr_sync_path(path, sizeof path, &eb, drive, "UP", k->dir, JR_SYNC_VISIT_FILE) == JR_OK &&
	    jr_file_read(path, JR_VISIT_MAX_BYTES, &b, &eb) == JR_OK)
		k->has_visit = jr_visit_verify(b.base, b.len, k->pk, &k->visit, &eb) == JR_OK;
	jr_buf_free(&b);
}

static struct kfold *fold_of(struct kfold *f, size_t *n, const char *dir)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp(f[i].dir, dir) == 0)
			return &f[i];
	memset(&f[*n], 0, sizeof f[*n]);
	memcpy(f[*n].dir, dir, 9);
	return &f[(*n)++];
}

/* What is missing on the drive for k's last visit; "" if nothing. */
static void missing(const struct kfold *k, char *out, size_t n)
{
	const struct jr_visit *v = &k->visit;
	size_t o = 0;

	out[0] = '\0';
#define ADD(...) do { int w_ = snprintf(out + o, n - o, __VA_ARGS__); \
	if (w_ > 0 && (size_t)w_ < n - o) o += (size_t)w_; } while (0)
	if (!k->has_visit) {
		ADD("no visit logged by this kiosk on the drive; ");
		return;
	}
	if (v->height > v->acked && !covered(k->up, k->dir, v->acked + 1, v->height))
		ADD("the drive does not hold all of heights %" PRIu64 "..%" PRIu64 "; ",
			v->acked + 1, v->height);
	if (v->down_seq == 0)
		ADD("no answer from the centre reached the kiosk yet; ");
	if (!v->complete)
		ADD("the kiosk did not say \"Sync complete\"; ");
	if (k->has_answer && k->answer.first > v->down_seq)
		ADD("answer %" PRIu64 " (acknowledged %" PRIu64 ") waits for the kiosk's next visit; ",
			k->answer.first, k->answer.last);
#undef ADD
}

static void print_fold(const struct opts *o, const struct kfold *k, bool first, const char *miss)
{
	const struct jr_visit *v = &k->visit;
	char off[JR_KEYID_SHORT_LEN + 1] = "";

	if (k->has_visit)
		jr_keyid_short(v->officer_id, off);
	if (o->json) {
		printf("%s{\"folder\":\"%s\",\"bundles\":%" PRIu64 ",\"blocks\":%" PRIu64
			",\"first\":%" PRIu64 ",\"last\":%" PRIu64 ",\"visit\":%" PRIu64
			",\"officer\":\"%s\",\"time\":%" PRIu64 ",\"height\":%" PRIu64 ",\"out\":%" PRIu64
			",\"acked\":%" PRIu64 ",\"statuses\":%" PRIu64 ",\"answer_applied\":%" PRIu64
			",\"answer\":%" PRIu64 ",\"answer_acked\":%" PRIu64 ",\"answer_items\":%" PRIu64
			",\"kiosk_complete\":%s,\"reconciled\":%s,\"missing\":\"%s\"}", first ? "" : ",",
			k->dir, k->bundles, k->blocks, k->lo, k->hi, v->number, off, v->time, v->height,
			v->out, v->acked, v->statuses, v->down_seq, k->has_answer ? k->answer.first : 0,
			k->has_answer ? k->answer.last : 0, k->has_answer ? k->answer.items : 0,
			v->complete ? "true" : "false", miss[0] == '\0' ? "true" : "false", miss);
		return;
	}
	printf("kiosk %s: %" PRIu64 " blocks in %" PRIu64 " bundles (heights %" PRIu64 "..%"
		PRIu64 ")", k->dir, k->blocks, k->bundles, k->lo, k->hi);
	if (k->has_visit)
		printf("; visit %" PRIu64 " by officer %s: height %" PRIu64 ", blocks out %" PRIu64
			", acknowledged %" PRIu64 ", statuses back %" PRIu64 " (answer %" PRIu64 ")",
			v->number, off, v->height, v->out, v->acked, v->statuses, v->down_seq);
	if (k->has_answer)
		printf("; answer %" PRIu64 " on the drive: acknowledged %" PRIu64 ", %" PRIu64 " items",
			k->answer.first, k->answer.last, k->answer.items);
	printf(miss[0] == '\0' ? "; Sync complete\n" : "; not reconciled: %s\n", miss);
}

/* The kiosk's own side (read only). */
static int kiosk_side(const struct opts *o, bool json)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct jr_sync_dstore *d = NULL;
	struct jr_sync_dstore_info di;
	struct jr_buf e = { NULL, 0 };
	struct jr_visit v;
	struct jr_ack a;
	uint64_t n = 0, acked;
	int rc;

	memset(&di, 0, sizeof di);
	memset(&v, 0, sizeof v);
	if (o->shard == NULL)
		return 0;
	if ((rc = jr_shard_open(o->shard, NULL, NULL, &s, &eb)) != JR_OK)
		return fail("status: the kiosk's shard", rc, &eb);
	if (o->store != NULL && (rc = jr_sync_dstore_open(o->store, &d, &eb)) != JR_OK) {
		jr_shard_close(s);
		return fail("status: the kiosk's store", rc, &eb);
	}
	if (d != NULL)
		jr_sync_dstore_info(d, &di);
	acked = jr_shard_last_ack(s, &a) == JR_OK ? a.height : 0;
	if (jr_shard_visit_last(s, &e, &n) == JR_OK &&
	    jr_visit_verify(e.base, e.len, jr_shard_kiosk_pk(s), &v, NULL) != JR_OK)
		fprintf(stderr, "jaring-sync status: visit %" PRIu64 " in the shard does not "
			"verify\n", n);
	jr_buf_free(&e);
	if (json)
		printf(",\"kiosk\":{\"height\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"stale\":%s"
			",\"visits\":%" PRIu64 ",\"answer\":%" PRIu64 ",\"statuses\":%" PRIu64
			",\"held\":%" PRIu64 ",\"complete\":%s}", jr_shard_height(s), acked,
			jr_shard_stale(s) ? "true" : "false", n, di.seq, di.statuses, di.held,
			v.complete ? "true" : "false");
	else if (d != NULL)
		printf("this kiosk: height %" PRIu64 ", acknowledged %" PRIu64 "%s, %" PRIu64
			" visits (the last %s), answer %" PRIu64 " applied with %" PRIu64
			" statuses, %" PRIu64 " held\n", jr_shard_height(s), acked,
			jr_shard_stale(s) ? " (STALE: it refuses to sign)" : "", n,
			v.complete ? "complete" : "not complete", di.seq, di.statuses, di.held);
	else
		printf("this kiosk: height %" PRIu64 ", acknowledged %" PRIu64 "%s, %" PRIu64
			" visits (the last %s); the statuses it holds are in its own store (--store FILE "
			"shows a screenless kiosk's)\n",
			jr_shard_height(s), acked, jr_shard_stale(s) ? " (STALE: it refuses to sign)" : "",
			n, v.complete ? "complete" : "not complete");
	jr_sync_dstore_close(d);
	jr_shard_close(s);
	return 0;
}

int jr_sync_cmd_status(int argc, char **argv)
{
	struct opts o = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_sync_listing up;
	struct jr_sync_down_listing down;
	struct kfold *f;
	size_t i, n = 0;
	int rc = parse("status", usage_status, " --drive --shard --store --json ", argc, argv, &o);
	int bad = 0;

	if (rc >= 0)
		return rc;
	if ((rc = jr_sync_list(o.drive, NULL, &up, &eb)) != JR_OK)
		return fail("status", rc, &eb);
	if ((rc = jr_sync_down_list(o.drive, NULL, &down, &eb)) != JR_OK) {
		jr_sync_listing_free(&up);
		return fail("status", rc, &eb);
	}
	f = calloc(up.n + down.n + 1, sizeof *f);
	if (f == NULL) {
		jr_sync_listing_free(&up);
		jr_sync_down_listing_free(&down);
		return fail("status", JR_ENOMEM, &eb);
	}
	for (i = 0; i < up.n; i++) {
		struct kfold *k = fold_of(f, &n, up.e[i].kiosk_dir);
		k->up = &up;
		if (up.e[i].rc != JR_OK)
			continue;
		k->bundles++;
		k->blocks += up.e[i].info.last - up.e[i].info.first + 1;
		if (k->lo == 0 || up.e[i].info.first < k->lo)
			k->lo = up.e[i].info.first;
		if (up.e[i].info.last > k->hi)
			k->hi = up.e[i].info.last;
	}
	for (i = 0; i < down.n; i++) {
		struct kfold *k = fold_of(f, &n, down.e[i].kiosk_dir);
		k->up = &up;
		if (down.e[i].rc != JR_OK)
			k->answers_bad++;
		else if (!k->has_answer || down.e[i].info.first > k->answer.first) {
			k->answer = down.e[i].info;
			k->has_answer = true;
		}
	}
	if (o.json)
		printf("{\"kiosks\":[");
	for (i = 0; i < n; i++) {
		char miss[1024];
		read_visit(o.drive, &f[i]);
		missing(&f[i], miss, sizeof miss);
		bad |= miss[0] != '\0';
		print_fold(&o, &f[i], i == 0, miss);
	}
	if (o.json)
		printf("]");
	rc = kiosk_side(&o, o.json);
	if (o.json)
		printf("}\n");
	free(f);
	jr_sync_listing_free(&up);
	jr_sync_down_listing_free(&down);
	return rc != 0 ? rc : bad;
}
