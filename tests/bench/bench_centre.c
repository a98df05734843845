/*
 * bench_centre: apply throughput of the centre's state machine (issue 8),
 * as rows of the one benchmark table.
 *
 *   bench_centre DIR [REGISTRATIONS] [PER_BLOCK]
 *
 * Applies REGISTRATIONS (default 1,000,000, the end of the goal's 10k to
 * 1M, or $JR_BENCH_CENTRE_REGS) sealed records from 300 kiosks (Tegal's
 * village offices; each kiosk's blocks go into the state's tables at a
 * place of their own, so the count is part of the cost), PER_BLOCK
 * (default 1, as a kiosk signs them: one block per registration) per
 * block, in upstream entries of 512
 * blocks, one kiosk's each (a kiosk's bundle, as jaring-sync exports it and
 * jaring-node makes one entry of it), on a fresh state
 * file in DIR as jaring-node runs it (WAL, synchronous=OFF: the node
 * rebuilds the file from its log after a crash; group commit, one commit
 * per 0.1 s of applying, as the node's tick):
 * signatures, chain checks, opening, pseudonyms, rules, de-duplication and
 * the log's leaves, all of it. Entries are built in between and only the
 * applies are timed, so memory stays flat and sealing is not counted.
 *
 * Rows: the whole run; the cost per registration at three ledger sizes
 * (the 65,536 registrations from 10k and from 100k, and the last 65,536 of
 * the run: flat within ±10 % is the goal); and the anchor, SQLite's own insert rate of rows of the same
 * size under random 16-byte keys, with the same pragmas, on the same disk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <sodium.h>

#include "jaring/block.h"
#include "jaring/centre.h"
#include "jaring/record.h"
#include "seal_det.h"

#define KIOSKS 300
#define BLOCKS_PER_ENTRY 512 /* jaring-sync's bundle at most */
/* registrations per measured window: 65,536 span several of the node's
 * commits (0.1 s each), and the state moves its recent registration ids and
 * claims into the main tables every 65,536 of each (docs/centre.md "Recent
 * and main tables"), so every window counts one of each move, as the cost
 * per registration amortised; a shorter window swung on whether a move
 * fell inside it */
#define WINDOW 65536
/* jaring-node commits its open transaction every tick (node/src/server.c) */
#define JR_NODE_COMMIT_S 0.1

static double clock_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* This process's CPU time: on a machine shared with other work, what the
 * applies cost, apart from the time they waited for a core. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static _Noreturn void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_centre: %s: %s\n", what, why);
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != JR_OK)
		die(what, jr_strerror(rc));
}

static void row(const char *name, double value, const char *unit, const char *goal,
	int met)
{
	printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, value, unit, goal,
		met < 0 ? "" : met ? "met" : "MISS");
	(void)fflush(stdout);
}

/* The key of seed fill..., its first two bytes n (kiosk n's own). */
static struct jr_key *key(enum jr_role role, uint8_t fill, size_t n)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	memset(seed, fill, sizeof seed);
	seed[0] = (uint8_t)(n >> 8);
	seed[1] = (uint8_t)n;
	check(jr_key_from_seed(role, seed, &k), "key");
	return k;
}

#include "bench_chain.h"

#ifdef JR_BENCH_SNAPSHOT
#include "node.h"

/* jaring-node's snapshot of the state just built (node/src/snapfile.c),
 * both ways it takes one: the file's bytes (the WAL emptied at the pin)
 * and page by page through SQLite's backup (another reader held the WAL).
 * Each twice, alternated; the best of each, in MB a CPU-second. */
static void snapshot_rows(const char *dir)
{
	char path[4096], snaps[4096];
	double best[2] = { 0, 0 };

	(void)snprintf(path, sizeof path, "%s/centre.db", dir);
	(void)snprintf(snaps, sizeof snaps, "%s/snapshots", dir);
	for (int round = 0; round < 4; round++) {
		struct jr_errbuf eb = { 0 };
		struct jr_snap_ref ref;
		bool as_file, want = round % 2 == 0;
		sqlite3 *r = NULL;
		double c0, mbps;

		if (sqlite3_open_v2(path, &r, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    jr_snap_pin(r, &as_file) != JR_OK || !as_file)
			die("snapshot", "the state file could not be pinned as a file");
		c0 = cpu_s();
		check(jr_snap_take(r, want, snaps, 1, (uint64_t)round + 1, &ref, &eb), eb.msg);
		mbps = (double)ref.size / 1e6 / (cpu_s() - c0);
		best[want] = mbps > best[want] ? mbps : best[want];
		(void)sqlite3_exec(r, "COMMIT", NULL, NULL, NULL);
		(void)sqlite3_close(r);
		jr_snap_prune(snaps, 0);
	}
	row("node snapshot of that state, page by page", best[0], "MB/cpu-s",
		"(SQLite's backup)", -1);
	row("node snapshot of that state, as the file", best[1], "MB/cpu-s", "", -1);
}
#endif

/* SQLite alone: n rows of a 16-byte random key and a 150-byte value into a
 * WITHOUT ROWID table, prepared once, 8,192 rows a transaction. */
static double sqlite_anchor(const char *dir, unsigned long n)
{
	char path[4096];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	uint8_t k[16], v[150];
	unsigned long i;
	double t0;

	(void)snprintf(path, sizeof path, "%s/anchor.db", dir);
	if (sqlite3_open(path, &db) != SQLITE_OK ||
		sqlite3_exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
			" PRAGMA synchronous=OFF;"
			" PRAGMA cache_size=-65536;"
			" CREATE TABLE t(k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID", NULL, NULL,
			NULL) != SQLITE_OK ||
		sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)
		die("anchor", sqlite3_errmsg(db));
	memset(v, 0x5a, sizeof v);
	t0 = now_s();
	for (i = 0; i < n; i++) {
		if (i % 8192 == 0 && sqlite3_exec(db, i ? "COMMIT; BEGIN" : "BEGIN", NULL, NULL,
			NULL) != SQLITE_OK)
			die("anchor", sqlite3_errmsg(db));
		crypto_generichash(k, sizeof k, (const uint8_t *)&i, sizeof i, NULL, 0);
		sqlite3_bind_blob(st, 1, k, sizeof k, SQLITE_STATIC);
		sqlite3_bind_blob(st, 2, v, sizeof v, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			die("anchor", sqlite3_errmsg(db));
		sqlite3_reset(st);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		die("anchor", sqlite3_errmsg(db));
	t0 = now_s() - t0;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return (double)n / t0;
}

/* $JR_BENCH_CENTRE_CACHE: entries kept in a file between runs (length,
 * 4 bytes little-endian, then the entry), so that a profiler run sees
 * only the applies. */
static FILE *cache_open(bool *reading)
{
	const char *path = getenv("JR_BENCH_CENTRE_CACHE");
	FILE *f;

	*reading = false;
	if (path == NULL)
		return NULL;
	f = fopen(path, "rb");
	if (f != NULL) {
		*reading = true;
		return f;
	}
	f = fopen(path, "wb");
	if (f == NULL)
		die(path, "cannot create the entry cache");
	return f;
}

static bool cache_read(FILE *f, struct jr_buf *e, unsigned long *regs)
{
	uint32_t n = 0, r = 0;

	if (fread(&n, 4, 1, f) != 1 || fread(&r, 4, 1, f) != 1)
		return false;
	e->base = malloc(n);
	e->len = n;
	if (e->base == NULL || fread(e->base, 1, n, f) != n)
		die("cache", "truncated");
	*regs = r;
	return true;
}

static void cache_write(FILE *f, const struct jr_buf *e, unsigned long regs)
{
	uint32_t n = (uint32_t)e->len, r = (uint32_t)regs;

	if (fwrite(&n, 4, 1, f) != 1 || fwrite(&r, 4, 1, f) != 1 ||
		fwrite(e->base, 1, e->len, f) != e->len)
		die("cache", "cannot write");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_centre DIR [REGISTRATIONS] [PER_BLOCK<=64]\n"
		"Times the centre's state machine applying REGISTRATIONS (default 1,000,000 or\n"
		"$JR_BENCH_CENTRE_REGS) sealed registrations from 300 kiosks, PER_BLOCK a block\n"
		"(default 1, as kiosks sign them), in a fresh state in DIR, and prints\n"
		"rows of the benchmark table: throughput, cost at 10k, 100k and the end,\nSQLite's own"
		" insert rate as the anchor.\n"
		"\n"
		"Exit status:\n"
		"  0  the rows were printed\n"
		"  1  a step failed (named on stderr)\n"
		"  2  usage error\n");
}

struct window {
	unsigned long at;  /* ledger size it reports */
	double secs, cpu;
	unsigned long regs;
	int entries;
};

int main(int argc, char **argv)
{
	const char *env = getenv("JR_BENCH_CENTRE_REGS");
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10)
		: env != NULL ? strtoul(env, NULL, 10) : 1000000;
	size_t per = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 1;
	/* the last window: the entries that end the run (1M for a run of 1M) */
	struct window win[3] = { { 10000, 0, 0, 0, 0 }, { 100000, 0, 0, 0, 0 },
		{ 0, 0, 0, 0, 0 } };
	struct bench_chain kc[KIOSKS];
	struct jr_roster_member roster[KIOSKS];
	struct jr_buf blocks[BLOCKS_PER_ENTRY], e = { 0 };
	struct jr_seal_epoch *ep = NULL;
	struct jr_centre *c = NULL;
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };
	struct jr_key *cons;
	struct jr_policy pol;
	uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES];
	char path[4096], name[96];
	unsigned long serial = 0, applied = 0;
	double total = 0, cpu = 0, c0, dc, lo = 0, hi = 0, since = 0;
	size_t i, nb = 0, k = 0;
	bool reading = false;
	FILE *cache = NULL;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "bench_centre: missing argument DIR; see bench_centre --help\n");
		return 2;
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "bench_centre: unknown option '%s'; see bench_centre --help\n",
			argv[1]);
		return 2;
	}
	if (n == 0 || per == 0 || per > JR_BLOCK_MAX_RECORDS) {
		fprintf(stderr, "bench_centre: REGISTRATIONS must be above 0 and PER_BLOCK 1..%d;"
			" see bench_centre --help\n", JR_BLOCK_MAX_RECORDS);
		return 2;
	}
	win[2].at = n > WINDOW ? n - WINDOW : 0;
	check(jr_init(), "init");
	cons = key(JR_ROLE_CONSORTIUM, 2, 0x0202);
	{
		struct jr_pubkey cp;

		jr_key_public(cons, &cp);
		memcpy(bench_cons_box, cp.box_pk, sizeof bench_cons_box);
		memset(bench_epoch_seed, 3, sizeof bench_epoch_seed);
		bench_next_epoch(&ep);
	}
	for (i = 0; i < KIOSKS; i++) {
		struct jr_pubkey p;

		memset(&kc[i], 0, sizeof kc[i]);
		kc[i].k = key(JR_ROLE_KIOSK, 10, i);
		jr_key_public(kc[i].k, &p);
		memset(&roster[i], 0, sizeof roster[i]);
		memcpy(roster[i].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
		roster[i].role = JR_ROLE_KIOSK;
		roster[i].agency = JR_AGENCY_DISKOMINFO;
		roster[i].perms = JR_PERM_UPLOAD;
	}
	(void)snprintf(path, sizeof path, "%s/centre.db", argv[1]);
	memset(pkey, 7, sizeof pkey);
	jr_policy_default(&pol);
	check(jr_centre_open(path, cons, pkey, &pol, &c, &eb), eb.msg);
	check(jr_centre_set_durable(c, false), "synchronous=OFF");
	check(jr_centre_set_group_commit(c, true, &eb), eb.msg);
	check(jr_centre_roster_entry_members(cons, 1, NULL, roster, KIOSKS, &e), "roster");
	check(jr_centre_apply(c, e.base, e.len, &res, &eb), eb.msg);
	jr_buf_free(&e);
	cache = cache_open(&reading);
	while (serial < n) {
		unsigned long before = serial, regs = 0;
		double t0, dt;

		if (reading) {
			if (!cache_read(cache, &e, &regs))
				die("cache", "holds fewer registrations than asked for");
			serial += regs;
		} else {
			for (nb = 0; nb < BLOCKS_PER_ENTRY && serial < n; nb++) {
				size_t left = (size_t)(n - serial);

				bench_block(&kc[k], &ep, &serial, left < per ? left : per, NULL,
					&blocks[nb]);
			}
			check(jr_centre_upstream_entry(blocks, nb, &e), "entry");
			for (i = 0; i < nb; i++)
				jr_buf_free(&blocks[i]);
			k = (k + 1) % KIOSKS; /* each entry one kiosk's bundle */
			if (cache != NULL)
				cache_write(cache, &e, serial - before);
		}
		t0 = now_s();
		c0 = cpu_s();
		check(jr_centre_apply(c, e.base, e.len, &res, &eb), eb.msg);
		/* as the node's tick commits, in time spent applying */
		if (serial >= n || (since += now_s() - t0) >= JR_NODE_COMMIT_S) {
			check(jr_centre_commit(c, &eb), eb.msg);
			since = 0;
		}
		dt = now_s() - t0;
		dc = cpu_s() - c0;
		cpu += dc;
		jr_buf_free(&e);
		total += dt;
		applied += res.regs_accepted + res.regs_duplicate + res.regs_returned;
		for (i = 0; i < 3; i++)
			if (serial > win[i].at && win[i].regs < WINDOW &&
				(win[i].entries > 0 || before <= win[i].at)) {
				win[i].secs += dt;
				win[i].cpu += dc;
				win[i].regs += serial - before;
				win[i].entries++;
			}
	}
	if (cache != NULL && fclose(cache) != 0)
		die("cache", "cannot close");
	if (applied != n) {
		fprintf(stderr, "bench_centre: %lu of %lu registrations applied (a"
			" JR_BENCH_CENTRE_CACHE written by another build? remove it)\n", applied, n);
		return 1;
	}
	(void)snprintf(name, sizeof name, "centre apply, %lu regs (%zu/block, %d/entry, %d kiosks)",
		n, per, BLOCKS_PER_ENTRY, KIOSKS);
	row(name, (double)n / total, "regs/s", ">= 200,000", (double)n / total >= 200000);
	row("centre apply, per second of CPU", (double)n / cpu, "regs/cpu-s", ">= 200,000",
		(double)n / cpu >= 200000);
	for (i = 0; i < 3; i++) {
		double us;

		if (win[i].entries == 0 || (i == 2 && win[2].at <= win[1].at))
			continue;
		us = win[i].cpu * 1e6 / (double)win[i].regs;
		lo = lo == 0 || us < lo ? us : lo;
		hi = us > hi ? us : hi;
		(void)snprintf(name, sizeof name, "centre apply CPU cost at %lu regs",
			i == 2 ? n : win[i].at);
		row(name, us, "us/reg", "flat +-10%", -1);
	}
	if (hi > 0)
		row("centre apply cost, largest / smallest", 100.0 * hi / lo, "%", "<= 110",
			hi / lo <= 1.10);
	jr_centre_close(c);
#ifdef JR_BENCH_SNAPSHOT
	snapshot_rows(argv[1]);
#endif
	jr_seal_epoch_close(ep);
	for (i = 0; i < KIOSKS; i++)
		jr_key_free(kc[i].k);
	jr_key_free(cons);
	row("anchor: SQLite insert, random 16-byte keys", sqlite_anchor(argv[1], n < 1000000 ?
		n : 1000000), "rows/s", "(the ceiling's scale)", -1);
	return 0;
}
