/*
 * jaring-sync: moves a kiosk's chain onto an officer's USB drive and checks
 * what a drive holds. Parses arguments and prints; the work is jr_sync's.
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

#include "jaring/sync.h"
#include "cmds.h"

#define EXIT_USAGE 2

static const char usage_top[] =
	"jaring-sync: carries each kiosk's signed chain to the centre on an officer's\n"
	"USB drive (FAT32), in bundles signed by the kiosk and encrypted to the\n"
	"consortium, and checks what a drive holds. Layout: docs/sync.md.\n"
	"\n"
	"usage: jaring-sync export --drive DIR --shard FILE --key FILE --consortium FILE\n"
	"                          [--blocks-per-bundle N] [--json]\n"
	"       jaring-sync inspect --drive DIR [--json]\n"
	"       jaring-sync verify --drive DIR [--key FILE] [--json]\n"
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
	"  import   the stand-in centre: apply the drive's bundles, write the answers\n"
	"  visit    a kiosk's whole visit without its touch screen\n"
	"  status   what the drive (and a kiosk) holds, and whether the counts add up\n"
	"\n"
	"exit status:\n"
	"  0  done\n"
	"  1  failed: the message says what, on which drive or file, and what to do\n"
	"  2  usage error\n";

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

struct args {
	const char *drive, *shard, *key, *consortium;
	unsigned long per_bundle;
	bool json;
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

/* Parses argv for `cmd`; `allowed` lists the options it takes. Returns -1
 * to go on, else an exit status. */
static int parse(const char *cmd, const char *help, const char *allowed, int argc,
	char **argv, struct args *a)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];
		const char **dst = NULL;
		char pat[64];

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(help, stdout);
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
		if (strcmp(o, "--drive") == 0)
			dst = &a->drive;
		else if (strcmp(o, "--shard") == 0)
			dst = &a->shard;
		else if (strcmp(o, "--key") == 0)
			dst = &a->key;
		else if (strcmp(o, "--consortium") == 0)
			dst = &a->consortium;
		if (dst != NULL) {
			*dst = argv[++i];
			continue;
		}
		{ /* --blocks-per-bundle */
			char *end;
			errno = 0;
			a->per_bundle = strtoul(argv[++i], &end, 10);
			if (errno != 0 || *end != '\0' || a->per_bundle < 1 ||
			    a->per_bundle > JR_SYNC_BLOCKS_PER_BUNDLE)
				return usage_err(cmd, "--blocks-per-bundle '%s' is not 1..512", argv[i]);
		}
	}
	if (a->drive == NULL)
		return usage_err(cmd, "missing argument %s", "--drive DIR");
	return -1;
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
	int rc = parse("export", usage_export,
		" --drive --shard --key --consortium --blocks-per-bundle --json ", argc, argv, &a);

	if (rc >= 0)
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
	int rc = verify ? parse("verify", usage_verify, " --drive --key --json ", argc, argv, &a)
			: parse("inspect", usage_inspect, " --drive --json ", argc, argv, &a);

	if (rc >= 0)
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
	if (strcmp(argv[1], "import") == 0)
		return jr_sync_cmd_import(argc - 2, argv + 2);
	if (strcmp(argv[1], "visit") == 0)
		return jr_sync_cmd_visit(argc - 2, argv + 2);
	if (strcmp(argv[1], "status") == 0)
		return jr_sync_cmd_status(argc - 2, argv + 2);
	return argv[1][0] == '-' ? usage_err("", "unknown option '%s'", argv[1]) :
		usage_err("", "unknown command '%s'", argv[1]);
}
