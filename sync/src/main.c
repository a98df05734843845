/*
 * jaring-sync: moves a kiosk's chain onto an officer's USB drive and checks
 * what a drive holds. Parses arguments and prints; the work is jr_sync's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "jaring/sync.h"
#include "cmds.h"

#define EXIT_USAGE 2
#define EXIT_UNREACHABLE 3
#define EXIT_INTERRUPTED 4

static const char usage_top[] =
	"jaring-sync: carries each kiosk's signed chain to the centre on an officer's\n"
	"USB drive (FAT32), in bundles signed by the kiosk and encrypted to the\n"
	"consortium, and checks what a drive holds. Layout: docs/sync.md.\n"
	"\n"
	"usage: jaring-sync export --drive DIR --shard FILE --key FILE --consortium FILE\n"
	"                          [--blocks-per-bundle N] [--json]\n"
	"       jaring-sync inspect --drive DIR [--json]\n"
	"       jaring-sync verify --drive DIR [--key FILE] [--json]\n"
	"       jaring-sync push --url URL --shard FILE --key FILE --consortium FILE\n"
	"                        [--spool DIR] [NETWORK OPTIONS] [--json]\n"
	"       jaring-sync pull --url URL --key FILE --consortium FILE [--spool DIR]\n"
	"                        [NETWORK OPTIONS] [--json]\n"
	"       jaring-sync import --node URL --drive DIR --consortium FILE\n"
	"                          [NETWORK OPTIONS] [--json]\n"
	"       jaring-sync import --drive DIR --centre FILE --key FILE --roster FILE\n"
	"                          [--checkpoint FILE] [--time SECONDS] [--json]\n"
	"       jaring-sync visit --drive DIR --shard FILE --counter FILE --key FILE\n"
	"                         --consortium FILE --store FILE --officer FILE\n"
	"                         [--blocks-per-bundle N] [--time SECONDS] [--json]\n"
	"       jaring-sync status --drive DIR [--shard FILE] [--store FILE] [--json]\n"
	"       jaring-sync COMMAND --help\n"
	"\n"
	"commands:\n"
	"  export   write the kiosk's unacknowledged blocks to the drive\n"
	"  inspect  list what the drive holds, per kiosk\n"
	"  verify   check every bundle on the drive\n"
	"  push     send the kiosk's unacknowledged blocks to a central node over HTTP\n"
	"  pull     fetch the kiosk's downstream bundle from a central node over HTTP\n"
	"  import   the drive at the centre: its bundles to a node (--node) or to the\n"
	"           stand-in centre, each kiosk's answer back onto the drive\n"
	"  visit    a kiosk's whole visit without its touch screen\n"
	"  status   what the drive (and a kiosk) holds, and whether the counts add up\n"
	"\n"
	"exit status:\n"
	"  0  done\n"
	"  1  failed: the message says what, on which drive or file, and what to do\n"
	"  2  usage error\n"
	"  3  push, pull, import --node: the node could not be reached in time;\n"
	"     nothing was lost, run again (it resumes) or carry a drive\n"
	"  4  push, pull, import --node: interrupted (SIGINT, SIGTERM); run again\n"
	"     to resume\n";

static const char usage_export[] =
	"jaring-sync export: write the kiosk's blocks above the centre's acknowledged\n"
	"height to the drive, in bundles of at most 512 blocks, each written whole or\n"
	"not at all. Resumes after a pulled drive: only missing heights are written.\n"
	"Reads the shard only; never changes it.\n"
	"\n"
	"usage: jaring-sync export --drive DIR --shard FILE --key FILE --consortium FILE\n"
	"                          [--blocks-per-bundle N] [--json]\n"
	"  --drive DIR            where the drive is mounted\n"
	"  --shard FILE           the kiosk's shard.db\n"
	"  --key FILE             the kiosk's key file\n"
	"  --consortium FILE      the consortium's public key file\n"
	"  --blocks-per-bundle N  1..512 (default 512)\n"
	"  --json                 print the counts as one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  every unacknowledged block is on the drive\n"
	"  1  failed (drive full or read-only, bad key, ...); the shard is untouched\n"
	"  2  usage error\n";

static const char usage_inspect[] =
	"jaring-sync inspect: list what a drive holds, per kiosk: bundles, heights,\n"
	"leftovers, and whether the kiosk's index agrees. Needs no key.\n"
	"\n"
	"usage: jaring-sync inspect --drive DIR [--json]\n"
	"  --drive DIR  where the drive is mounted\n"
	"  --json       one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  listed\n"
	"  1  the drive could not be read\n"
	"  2  usage error\n";

static const char usage_verify[] =
	"jaring-sync verify: check every bundle on the drive: its header and signature,\n"
	"and with the recipient's key (the consortium key) the whole stream, every\n"
	"block's signature and height, and that no height is held twice.\n"
	"\n"
	"usage: jaring-sync verify --drive DIR [--key FILE] [--json]\n"
	"  --drive DIR  where the drive is mounted\n"
	"  --key FILE   the recipient's key file, to read the bundles whole\n"
	"  --json       one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  every bundle verifies\n"
	"  1  a bundle does not verify, or a height is held twice\n"
	"  2  usage error\n";

static const char usage_net[] =
	"network options:\n"
	"  --url URL          the node, http://host:port (any node: a follower's 307\n"
	"                     to its leader is followed once)\n"
	"  --timeout S        seconds to connect, and without a byte moving, before an\n"
	"                     attempt fails (default 30)\n"
	"  --retries N        failed attempts in a row without progress before giving\n"
	"                     up (default 8); waits between them grow exponentially\n"
	"                     from 0.25 s to 16 s, each drawn at random below that\n"
	"  --max-time S       seconds for the whole transfer (default 600)\n";

static const char usage_push[] =
	"jaring-sync push: send the kiosk's blocks above the centre's acknowledged height\n"
	"to a central node over HTTP (docs/http.md), as the same upstream bundles export\n"
	"writes to a drive: they are written to the spool folder first (the drive layout),\n"
	"then uploaded one by one, each resumable from the byte the node has and\n"
	"idempotent by bundle id. Reads the shard only; never changes it.\n"
	"\n"
	"usage: jaring-sync push --url URL --shard FILE --key FILE --consortium FILE\n"
	"                        [--spool DIR] [--blocks-per-bundle N] [--timeout S]\n"
	"                        [--retries N] [--max-time S] [--json]\n"
	"  --shard FILE           the kiosk's shard.db\n"
	"  --key FILE             the kiosk's key file\n"
	"  --consortium FILE      the consortium's public key file\n"
	"  --spool DIR            where bundles wait (default: spool beside the key file)\n"
	"  --blocks-per-bundle N  1..512 (default 512)\n"
	"  --json                 print the counts as one JSON object\n";

static const char usage_push_tail[] =
	"\n"
	"exit status:\n"
	"  0  complete: every bundle applied and the node acknowledges the kiosk's height\n"
	"  1  failed: the node refused a bundle, or acknowledges less than was sent, or\n"
	"     a local file or key is wrong; the message says which\n"
	"  2  usage error\n"
	"  3  the node could not be reached in time; nothing was lost: run again (it\n"
	"     resumes where the node stopped) or carry a drive\n"
	"  4  interrupted (SIGINT, SIGTERM); run again to resume\n";

static const char usage_pull[] =
	"jaring-sync pull: fetch the kiosk's downstream bundle (statuses, roster, policy,\n"
	"checkpoint, acknowledged head) from a central node over HTTP, check that it is\n"
	"from the consortium to this kiosk and reads whole with the kiosk's key, and keep\n"
	"it as JARING/DOWN/KKKKKKKK/HHHHHHHH.JRB in the spool (docs/sync.md). An\n"
	"interrupted pull resumes from the bytes it has. Applying it is the kiosk's.\n"
	"\n"
	"usage: jaring-sync pull --url URL --key FILE --consortium FILE [--spool DIR]\n"
	"                        [--timeout S] [--retries N] [--max-time S] [--json]\n"
	"  --key FILE             the kiosk's key file\n"
	"  --consortium FILE      the consortium's public key file\n"
	"  --spool DIR            where to keep it (default: spool beside the key file);\n"
	"                         a drive's mount point works too\n"
	"  --json                 print what was fetched as one JSON object\n";

static const char usage_pull_tail[] =
	"\n"
	"exit status:\n"
	"  0  the bundle is in the spool, whole and verified\n"
	"  1  failed: refused by the node (kiosk not on its roster), a bundle that does\n"
	"     not verify (not kept), or a local file or key is wrong\n"
	"  2  usage error\n"
	"  3  the node could not be reached in time; run again to resume\n"
	"  4  interrupted (SIGINT, SIGTERM); run again to resume\n";

struct args {
	const char *drive, *shard, *key, *consortium, *url, *spool, *node;
	unsigned long per_bundle, timeout, retries, max_time;
	bool json, retries_set;
};

static int usage_err(const char *cmd, const char *fmt, ...) JR_PRINTF(2, 3);
static int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jaring-sync%s%s: ", cmd[0] ? " " : "", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see jaring-sync %s%s--help\n", cmd, cmd[0] ? " " : "");
	return EXIT_USAGE;
}

static int number(const char *cmd, const char *opt, const char *v, unsigned long lo,
	unsigned long hi, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || v[0] == '-' || *out < lo || *out > hi)
		return usage_err(cmd, "%s '%s' is not %lu..%lu", opt, v, lo, hi);
	return -1;
}

/* Parses argv for `cmd`; `allowed` lists the options it takes. Returns -1
 * to go on, else an exit status. */
static int parse(const char *cmd, const char *help, const char *tail, const char *allowed,
	int argc, char **argv, struct args *a)
{
	int i, rc;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v;
		const char **dst = NULL;
		char pat[64];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(help, stdout);
			if (tail != NULL) {
				fputs(usage_net, stdout);
				fputs(tail, stdout);
			}
			return 0;
		}
		snprintf(pat, sizeof pat, " %s ", o);
		if (o[0] != '-' || strstr(allowed, pat) == NULL)
			return o[0] == '-' ? usage_err(cmd, "unknown option '%s'", o) :
				usage_err(cmd, "unexpected argument '%s'", o);
		if (strcmp(o, "--json") == 0) {
			a->json = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage_err(cmd, "option %s needs a value", o);
		v = argv[++i];
		if (strcmp(o, "--drive") == 0)
			dst = &a->drive;
		else if (strcmp(o, "--shard") == 0)
			dst = &a->shard;
		else if (strcmp(o, "--key") == 0)
			dst = &a->key;
		else if (strcmp(o, "--consortium") == 0)
			dst = &a->consortium;
		else if (strcmp(o, "--url") == 0)
			dst = &a->url;
		else if (strcmp(o, "--spool") == 0)
			dst = &a->spool;
		else if (strcmp(o, "--node") == 0)
			dst = &a->node;
		if (dst != NULL) {
			*dst = v;
			continue;
		}
		if (strcmp(o, "--blocks-per-bundle") == 0)
			rc = number(cmd, o, v, 1, JR_SYNC_BLOCKS_PER_BUNDLE, &a->per_bundle);
		else if (strcmp(o, "--timeout") == 0)
			rc = number(cmd, o, v, 1, 3600, &a->timeout);
		else if (strcmp(o, "--max-time") == 0)
			rc = number(cmd, o, v, 1, 86400, &a->max_time);
		else {
			rc = number(cmd, o, v, 0, 1000, &a->retries); /* --retries */
			a->retries_set = true;
		}
		if (rc >= 0)
			return rc;
	}
	return -1;
}

static int need(const char *cmd, const char *what, const char *v)
{
	return v == NULL ? usage_err(cmd, "missing argument %s", what) : -1;
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	int width = 40, fill = total ? (int)(done * (uint64_t)width / total) : width;

	(void)ctx;
	fprintf(stderr, "\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " blocks", fill,
		"########################################", width - fill, "", done, total);
	if (done == total)
		fputc('\n', stderr);
}

static int fail(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "jaring-sync: %s: %s\n", what, eb->msg[0] ? eb->msg : jr_strerror(rc));
	return 1;
}

static int cmd_export(int argc, char **argv)
{
	struct args a = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_key *kiosk = NULL;
	struct jr_pubkey cons;
	struct jr_shard *shard = NULL;
	struct jr_sync_counts c;
	struct jr_sync_export x = { 0 };
	int rc = parse("export", usage_export, NULL,
		" --drive --shard --key --consortium --blocks-per-bundle --json ", argc, argv, &a);

	if (rc >= 0 || (rc = need("export", "--drive DIR", a.drive)) >= 0)
		return rc;
	if (a.shard == NULL || a.key == NULL || a.consortium == NULL)
		return usage_err("export", "missing argument %s", a.shard == NULL ? "--shard FILE" :
			a.key == NULL ? "--key FILE" : "--consortium FILE");
	if ((rc = jr_key_load(a.key, &kiosk, &eb)) != JR_OK)
		return fail("reading the kiosk key", rc, &eb);
	if ((rc = jr_pubkey_load(a.consortium, &cons, &eb)) != JR_OK ||
	    (rc = jr_shard_open(a.shard, NULL, NULL, &shard, &eb)) != JR_OK) {
		jr_key_free(kiosk);
		return fail("reading the consortium key and the shard", rc, &eb);
	}
	x.drive = a.drive;
	x.shard = shard;
	x.kiosk = kiosk;
	x.consortium = &cons;
	x.blocks_per_bundle = (uint32_t)a.per_bundle;
	x.time = (uint64_t)time(NULL);
	if (isatty(STDERR_FILENO))
		x.progress = progress;
	rc = jr_sync_export_run(&x, &c, &eb);
	if (a.json)
		printf("{\"height\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"on_drive\":%" PRIu64
			",\"written\":%" PRIu64 ",\"bundles\":%" PRIu64 ",\"removed\":%" PRIu64
			",\"ok\":%s}\n", c.height, c.acked, c.on_drive, c.written, c.bundles,
			c.removed, rc == JR_OK ? "true" : "false");
	else
		printf("kiosk height %" PRIu64 ", acknowledged %" PRIu64 ": %" PRIu64
			" blocks on the drive above it, %" PRIu64 " written now in %" PRIu64
			" bundles, %" PRIu64 " leftovers removed\n", c.height, c.acked,
			c.on_drive, c.written, c.bundles, c.removed);
	jr_shard_close(shard);
	jr_key_free(kiosk);
	return rc == JR_OK ? 0 : fail("export", rc, &eb);
}

static const char *index_word(enum jr_sync_index_state s)
{
	switch (s) {
	case JR_SYNC_INDEX_OK: return "ok";
	case JR_SYNC_INDEX_BEHIND: return "behind";
	case JR_SYNC_INDEX_BAD: return "bad";
	default: return "none";
	}
}

/* Per kiosk folder: bundles accepted, heights, duplicates. Prints a line or
 * a JSON member per kiosk; with `recipient`, reads every bundle whole. */
static int report(const struct args *a, const struct jr_sync_listing *l,
	const struct jr_key *recipient, bool verify)
{
	size_t i = 0, j;
	int bad = 0;
	bool first_kiosk = true;

	if (a->json)
		printf("{\"tmp\":%zu,\"other\":%zu,\"kiosks\":[", l->tmp, l->other);
	while (i < l->n) {
		uint64_t blocks = 0, dup = 0, last_h = 0, lo = 0, hi = 0;
		size_t ok = 0, rejected = 0;
		const char *kd = l->e[i].kiosk_dir;

		for (j = i; j < l->n && strcmp(l->e[j].kiosk_dir, kd) == 0; j++) {
			const struct jr_sync_entry *e = &l->e[j];
			struct jr_errbuf eb = { 0 };
			int rc = e->rc;

			if (rc == JR_OK && recipient != NULL)
				rc = jr_sync_verify_bundle(a->drive, e, recipient, &eb);
			else if (rc != JR_OK)
				snprintf(eb.msg, sizeof eb.msg, "%s", e->why);
			if (rc != JR_OK) {
				rejected++;
				if (!a->json)
					printf("  %s/%s: REJECTED: %s\n", kd, e->file, eb.msg);
				continue;
			}
			ok++;
			blocks += e->info.last - e->info.first + 1;
			if (e->info.first <= last_h)
				dup += (e->info.last < last_h ? e->info.last : last_h) - e->info.first + 1;
			if (lo == 0 || e->info.first < lo)
				lo = e->info.first;
			if (e->info.last > hi)
				hi = e->info.last;
			if (e->info.last > last_h)
				last_h = e->info.last;
		}
		if (a->json)
			printf("%s{\"folder\":\"%s\",\"bundles\":%zu,\"rejected\":%zu,\"blocks\":%"
				PRIu64 ",\"first\":%" PRIu64 ",\"last\":%" PRIu64 ",\"duplicates\":%"
				PRIu64 ",\"index\":\"%s\"}", first_kiosk ? "" : ",", kd, ok, rejected,
				blocks, lo, hi, dup, index_word(jr_sync_index_check(a->drive, l, kd)));
		else
			printf("kiosk %s: %zu bundles, %" PRIu64 " blocks, heights %" PRIu64 "..%"
				PRIu64 ", %" PRIu64 " held twice, %zu rejected, index %s\n", kd, ok,
				blocks, lo, hi, dup, rejected,
				index_word(jr_sync_index_check(a->drive, l, kd)));
		first_kiosk = false;
		if (verify && (rejected > 0 || dup > 0))
			bad = 1;
		i = j;
	}
	if (a->json)
		printf("],\"verified\":%s}\n", recipient != NULL ? "\"stream\"" : "\"header\"");
	else if (l->tmp > 0)
		printf("%zu leftover .TMP files (removed by the next export)\n", l->tmp);
	return bad;
}

static int cmd_list(int argc, char **argv, bool verify)
{
	struct args a = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_sync_listing l;
	struct jr_key *rk = NULL;
	int rc = verify ? parse("verify", usage_verify, NULL, " --drive --key --json ", argc, argv, &a)
			: parse("inspect", usage_inspect, NULL, " --drive --json ", argc, argv, &a);

	if (rc >= 0 || (rc = need(verify ? "verify" : "inspect", "--drive DIR", a.drive)) >= 0)
		return rc;
	if (a.key != NULL && (rc = jr_key_load(a.key, &rk, &eb)) != JR_OK)
		return fail("reading the recipient's key", rc, &eb);
	if ((rc = jr_sync_list(a.drive, NULL, &l, &eb)) != JR_OK) {
		jr_key_free(rk);
		return fail(verify ? "verify" : "inspect", rc, &eb);
	}
	rc = report(&a, &l, rk, verify);
	jr_sync_listing_free(&l);
	jr_key_free(rk);
	if (rc != 0)
		fprintf(stderr, "jaring-sync verify: drive %s: a bundle does not verify or a height "
			"is held twice (above); export again from the kiosk\n", a.drive);
	return rc;
}

/* ---- the network link ---- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static bool is_interrupted(void *ctx)
{
	(void)ctx;
	return interrupted != 0;
}

static void note(void *ctx, const char *line)
{
	fprintf(stderr, "%sjaring-sync %s: %s\n", isatty(STDERR_FILENO) ? "\r\n" : "",
		(const char *)ctx, line);
}

static void byte_progress(void *ctx, uint64_t done, uint64_t total)
{
	int width = 40, fill = total ? (int)(done * (uint64_t)width / total) : width;

	(void)ctx;
	fprintf(stderr, "\r[%.*s%*s] %" PRIu64 "/%" PRIu64 " KiB", fill,
		"########################################", width - fill, "", done / 1024,
		total / 1024);
	if (done == total)
		fputc('\n', stderr);
}

/* The spool: --spool, or "spool" beside the key file. */
static int spool_dir(const struct args *a, char *out, size_t n)
{
	const char *slash = a->key != NULL ? strrchr(a->key, '/') : NULL;
	int k;

	if (a->spool != NULL || a->key == NULL)
		k = snprintf(out, n, "%s", a->spool != NULL ? a->spool : JR_SYNC_SPOOL_DIR);
	else if (slash == NULL)
		k = snprintf(out, n, "%s", JR_SYNC_SPOOL_DIR);
	else
		k = snprintf(out, n, "%.*s/%s", (int)(slash - a->key), a->key, JR_SYNC_SPOOL_DIR);
	return k > 0 && (size_t)k < n ? 0 : -1;
}

static int net_args(const char *cmd, struct args *a, int argc, char **argv, const char *help,
	const char *tail, const char *allowed)
{
	int rc = parse(cmd, help, tail, allowed, argc, argv, a);

	if (rc >= 0)
		return rc;
	if (a->url == NULL)
		return usage_err(cmd, "missing argument %s", "--url URL");
	if (a->key == NULL)
		return usage_err(cmd, "missing argument %s", "--key FILE");
	if (a->consortium == NULL)
		return usage_err(cmd, "missing argument %s", "--consortium FILE");
	if (strncmp(a->url, "http://", 7) != 0 && strncmp(a->url, "https://", 8) != 0)
		return usage_err(cmd, "--url '%s' is not http://host:port", a->url);
	return -1;
}

static int net_client(const char *cmd, const struct args *a, struct jr_net_client **c,
	struct jr_errbuf *eb)
{
	struct jr_net_opts o = { 0 };
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);
	o.url = a->url;
	o.timeout_s = (unsigned)a->timeout;
	o.retries = (unsigned)a->retries;
	o.retries_set = a->retries_set;
	o.max_time_s = (unsigned)a->max_time;
	o.cancelled = is_interrupted;
	o.note = note;
	o.note_ctx = (void *)(uintptr_t)cmd; /* read only, in note() */
	if (isatty(STDERR_FILENO))
		o.progress = byte_progress;
	return jr_net_client_new(&o, c, eb);
}

static const char *why_word(enum jr_net_why w)
{
	switch (w) {
	case JR_NET_OK: return "ok";
	case JR_NET_REFUSED: return "refused";
	case JR_NET_GAVE_UP: return "unreachable";
	case JR_NET_CANCELLED: return "interrupted";
	default: return "local";
	}
}

static int net_exit(const char *cmd, const struct jr_net_client *c, int rc,
	const struct jr_errbuf *eb, const char *after)
{
	enum jr_net_why w = c != NULL ? jr_net_client_why(c) : JR_NET_LOCAL;

	if (rc == JR_OK)
		return 0;
	fprintf(stderr, "jaring-sync %s: %s%s\n", cmd, eb->msg[0] ? eb->msg : jr_strerror(rc),
		w == JR_NET_GAVE_UP || w == JR_NET_CANCELLED ? after : "");
	return w == JR_NET_GAVE_UP ? EXIT_UNREACHABLE : w == JR_NET_CANCELLED ?
		EXIT_INTERRUPTED : 1;
}

static void push_print(const struct args *a, const struct jr_key *kiosk,
	const struct jr_sync_push_counts *c, const struct jr_net_client *net, int rc)
{
	const struct jr_net_stats *st = jr_net_client_stats(net);
	char kid[2 * JR_ID_BYTES + 1];

	jr_hex(jr_key_id(kiosk), JR_ID_BYTES, kid);
	if (a->json) {
		printf("{\"kiosk\":\"%s\",\"height\":%" PRIu64 ",\"acked\":%" PRIu64 ",\"spooled\":%" PRIu64
			",\"written\":%" PRIu64 ",\"removed\":%" PRIu64 ",\"bundles\":%" PRIu64
			",\"pushed\":%" PRIu64 ",\"already\":%" PRIu64 ",\"bytes\":%" PRIu64
			",\"sent\":%" PRIu64 ",\"blocks_applied\":%" PRIu64 ",\"blocks_known\":%"
			PRIu64 ",\"blocks_pending\":%" PRIu64 ",\"blocks_refused\":%" PRIu64
			",\"acked_height\":%" PRIu64 ",\"complete\":%s,\"requests\":%u,\"retries\":%u"
			",\"redirects\":%u,\"refused_removed\":%" PRIu64 ",\"url\":\"%s\",\"ok\":%s"
			",\"error\":\"%s\"}\n", kid,
			c->exp.height, c->exp.acked, c->exp.on_drive, c->exp.written, c->exp.removed,
			c->bundles, c->pushed, c->before, c->bytes, c->sent, c->blocks_applied,
			c->blocks_known, c->blocks_pending, c->blocks_refused, c->acked_height,
			c->complete ? "true" : "false", st->requests, st->retries, st->redirects,
			c->removed, jr_net_client_url(net), rc == JR_OK && c->complete ? "true" : "false",
			rc == JR_OK ? (c->complete ? "" : "short") :
			why_word(jr_net_client_why(net)));
		return;
	}
	printf("kiosk height %" PRIu64 ", acknowledged %" PRIu64 " before: %" PRIu64
		" bundles to send (%" PRIu64 " bytes), %" PRIu64 " applied now, %" PRIu64
		" applied before; blocks %" PRIu64 " applied, %" PRIu64 " known, %" PRIu64
		" pending, %" PRIu64 " refused; the node acknowledges %" PRIu64 "%s\n",
		c->exp.height, c->exp.acked, c->bundles, c->bytes, c->pushed, c->before,
		c->blocks_applied, c->blocks_known, c->blocks_pending, c->blocks_refused,
		c->acked_height, c->complete ? ": complete" : "");
}

static int cmd_push(int argc, char **argv)
{
	struct args a = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_key *kiosk = NULL;
	struct jr_pubkey cons;
	struct jr_shard *shard = NULL;
	struct jr_net_client *net = NULL;
	struct jr_sync_push p = { 0 };
	struct jr_sync_push_counts c;
	char spool[4096];
	int rc = net_args("push", &a, argc, argv, usage_push, usage_push_tail,
		" --url --shard --key --consortium --spool --blocks-per-bundle --timeout --retries"
		" --max-time --json ");

	if (rc >= 0 || (rc = need("push", "--shard FILE", a.shard)) >= 0)
		return rc;
	if (spool_dir(&a, spool, sizeof spool) != 0)
		return usage_err("push", "%s", "the spool path is too long");
	if ((rc = jr_key_load(a.key, &kiosk, &eb)) != JR_OK)
		return fail("reading the kiosk key", rc, &eb);
	if ((rc = jr_pubkey_load(a.consortium, &cons, &eb)) != JR_OK ||
	    (rc = jr_shard_open(a.shard, NULL, NULL, &shard, &eb)) != JR_OK ||
	    (rc = net_client("push", &a, &net, &eb)) != JR_OK) {
		jr_shard_close(shard);
		jr_key_free(kiosk);
		return fail("push", rc, &eb);
	}
	p.spool = spool;
	p.shard = shard;
	p.kiosk = kiosk;
	p.consortium = &cons;
	p.blocks_per_bundle = (uint32_t)a.per_bundle;
	p.time = (uint64_t)time(NULL);
	p.net = net;
	if (isatty(STDERR_FILENO))
		p.progress = byte_progress;
	rc = jr_sync_push_run(&p, &c, &eb);
	push_print(&a, kiosk, &c, net, rc);
	rc = net_exit("push", net, rc, &eb, "; nothing was lost: the bundles wait in the spool "
		"and the node keeps what it received, so the next push resumes there; or carry "
		"a drive");
	if (rc == 0 && !c.complete) {
		fprintf(stderr, "jaring-sync push: the node applied every bundle but acknowledges "
			"height %" PRIu64 " of %" PRIu64 " (%" PRIu64 " blocks refused, %" PRIu64
			" pending): not complete; the centre's refusals say why\n", c.acked_height,
			c.exp.height, c.blocks_refused, c.blocks_pending);
		rc = 1;
	}
	jr_net_client_free(net);
	jr_shard_close(shard);
	jr_key_free(kiosk);
	return rc;
}

static void pull_print(const struct args *a, const struct jr_key *kiosk, const char *spool,
	const char *kdir, const struct jr_sync_pull_counts *c, const struct jr_net_client *net,
	int rc)
{
	const struct jr_net_stats *st = jr_net_client_stats(net);
	char id[2 * JR_HASH_BYTES + 1], kid[2 * JR_ID_BYTES + 1];

	jr_hex(c->id, sizeof c->id, id);
	jr_hex(jr_key_id(kiosk), JR_ID_BYTES, kid);
	if (a->json) {
		printf("{\"kiosk\":\"%s\",\"file\":\"%s%s%s%s\",\"id\":\"%s\",\"sequence\":%"
			PRIu64 ",\"acked_height\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"resumed_from\":%" PRIu64 ",\"received\":%" PRIu64 ",\"replaced\":%s"
			",\"items\":%" PRIu64 ",\"statuses\":%" PRIu64 ",\"rosters\":%" PRIu64
			",\"policies\":%" PRIu64 ",\"checkpoints\":%" PRIu64 ",\"acks\":%" PRIu64
			",\"requests\":%u,\"retries\":%u,\"redirects\":%u,\"url\":\"%s\",\"ok\":%s"
			",\"error\":\"%s\"}\n", kid, rc == JR_OK ? "JARING/DOWN/" : "",
			rc == JR_OK ? kdir : "", rc == JR_OK ? "/" : "", rc == JR_OK ? c->file : "",
			rc == JR_OK ? id : "", c->sequence, c->acked_height,
			c->bytes, c->resumed_from, st->received, c->replaced ? "true" : "false", c->items,
			c->statuses, c->rosters, c->policies, c->checkpoints, c->acks, st->requests,
			st->retries, st->redirects, jr_net_client_url(net),
			rc == JR_OK ? "true" : "false", rc == JR_OK ? "" :
			why_word(jr_net_client_why(net)));
		return;
	}
	if (rc == JR_OK)
		printf("downstream bundle %.16s... (sequence %" PRIu64 ", acknowledged height %"
			PRIu64 ", %" PRIu64 " items: %" PRIu64 " statuses) kept as %s/JARING/DOWN/%s/%s, "
			"%" PRIu64 " bytes%s\n", id, c->sequence, c->acked_height, c->items,
			c->statuses, spool, kdir, c->file, c->bytes,
			c->resumed_from > 0 && !c->replaced ? " (resumed)" : "");
}

static int cmd_pull(int argc, char **argv)
{
	struct args a = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_key *kiosk = NULL;
	struct jr_pubkey cons;
	struct jr_net_client *net = NULL;
	struct jr_sync_pull p = { 0 };
	struct jr_sync_pull_counts c;
	char spool[4096], kdir[9];
	int rc = net_args("pull", &a, argc, argv, usage_pull, usage_pull_tail,
		" --url --key --consortium --spool --timeout --retries --max-time --json ");

	if (rc >= 0)
		return rc;
	if (spool_dir(&a, spool, sizeof spool) != 0)
		return usage_err("pull", "%s", "the spool path is too long");
	if ((rc = jr_key_load(a.key, &kiosk, &eb)) != JR_OK)
		return fail("reading the kiosk key", rc, &eb);
	if ((rc = jr_pubkey_load(a.consortium, &cons, &eb)) != JR_OK ||
	    (rc = net_client("pull", &a, &net, &eb)) != JR_OK) {
		jr_key_free(kiosk);
		return fail("pull", rc, &eb);
	}
	jr_sync_kiosk_dir(jr_key_id(kiosk), kdir);
	p.spool = spool;
	p.kiosk = kiosk;
	p.consortium = &cons;
	p.net = net;
	rc = jr_sync_pull_run(&p, &c, &eb);
	pull_print(&a, kiosk, spool, kdir, &c, net, rc);
	rc = net_exit("pull", net, rc, &eb, "; the bytes received so far are kept, so the "
		"next pull resumes there");
	jr_net_client_free(net);
	jr_key_free(kiosk);
	return rc;
}

static void stage_progress(void *ctx, int stage, uint64_t done, uint64_t total)
{
	if (stage == 1) {
		byte_progress(ctx, done, total);
		return;
	}
	(void)ctx;
	fprintf(stderr, "\ranswers %" PRIu64 "/%" PRIu64, done, total);
	if (done == total)
		fputc('\n', stderr);
}

/* import --node: the drive's bundles to a jaring-node, its answers back. */
static int cmd_import_node(int argc, char **argv)
{
	struct args a = { 0 };
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey cons;
	struct jr_net_client *net = NULL;
	struct jr_sync_import_node x = { 0 };
	struct jr_sync_import_counts *c;
	int rc = parse("import", jr_sync_usage_import, NULL,
		" --node --drive --consortium --timeout --retries --max-time --json ", argc, argv, &a);

	if (rc >= 0)
		return rc;
	if (a.node == NULL || a.drive == NULL || a.consortium == NULL)
		return usage_err("import", "missing argument %s", a.node == NULL ? "--node URL" :
			a.drive == NULL ? "--drive DIR" : "--consortium FILE");
	if (strncmp(a.node, "http://", 7) != 0 && strncmp(a.node, "https://", 8) != 0)
		return usage_err("import", "--node '%s' is not http://host:port", a.node);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return fail("import", JR_ENOMEM, &eb);
	a.url = a.node;
	if ((rc = jr_pubkey_load(a.consortium, &cons, &eb)) != JR_OK ||
	    (rc = net_client("import", &a, &net, &eb)) != JR_OK) {
		free(c);
		return fail("import", rc, &eb);
	}
	x.drive = a.drive;
	x.consortium_sign_pk = cons.sign_pk;
	x.net = net;
	if (isatty(STDERR_FILENO))
		x.progress = stage_progress;
	rc = jr_sync_import_node_run(&x, c, &eb);
	jr_sync_print_import(a.json, c, rc);
	rc = rc != JR_OK ? net_exit("import", net, rc, &eb, "; nothing was lost: the node "
		"keeps what it received and the drive its bundles, so the next import resumes "
		"there") : jr_sync_import_verdict(c);
	jr_net_client_free(net);
	free(c);
	return rc;
}

static bool has_arg(int argc, char **argv, const char *opt)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return true;
	return false;
}

int main(int argc, char **argv)
{
	if (jr_init() != JR_OK) {
		fputs("jaring-sync: cannot initialise libsodium\n", stderr);
		return 1;
	}
	if (argc < 2)
		return usage_err("", "missing argument %s", "COMMAND");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	if (strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 2, argv + 2);
	if (strcmp(argv[1], "inspect") == 0)
		return cmd_list(argc - 2, argv + 2, false);
	if (strcmp(argv[1], "verify") == 0)
		return cmd_list(argc - 2, argv + 2, true);
	if (strcmp(argv[1], "push") == 0 || strcmp(argv[1], "pull") == 0 ||
	    (strcmp(argv[1], "import") == 0 && has_arg(argc - 2, argv + 2, "--node"))) {
		int rc;
		if (jr_net_init() != JR_OK) {
			fputs("jaring-sync: cannot initialise libcurl\n", stderr);
			return 1;
		}
		rc = strcmp(argv[1], "push") == 0 ? cmd_push(argc - 2, argv + 2) :
			strcmp(argv[1], "pull") == 0 ? cmd_pull(argc - 2, argv + 2) :
			cmd_import_node(argc - 2, argv + 2);
		jr_net_cleanup();
		return rc;
	}
	if (strcmp(argv[1], "import") == 0)
		return jr_sync_cmd_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "visit") == 0)
		return jr_sync_cmd_visit(argc - 2, argv + 2);
	if (strcmp(argv[1], "status") == 0)
		return jr_sync_cmd_status(argc - 2, argv + 2);
	return argv[1][0] == '-' ? usage_err("", "unknown option '%s'", argv[1]) :
		usage_err("", "unknown command '%s'", argv[1]);
}
