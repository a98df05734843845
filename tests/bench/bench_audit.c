/*
 * bench_audit: jaring-audit on a large public export (issue 9), as rows of
 * the one benchmark table.
 *
 *   bench_audit DIR [REGISTRATIONS]
 *
 * The export (REGISTRATIONS, default 1,000,000 or $JR_BENCH_AUDIT_REGS,
 * from 8 kiosks, 64 a block; every one approved by the four required
 * agencies in acts of 4,096; one decree of them all for 6 months in its
 * digest form; one allocation; the first month paid) is built once through
 * the centre's own apply into a state file in DIR and exported into a cache
 * folder beside this program (build/tests/audit-export-N), which later runs
 * reuse. Then `jaring-audit` (build/bin) is run on it, its scratch files
 * on /dev/shm when there is one, and timed:
 * wall time, registrations and leaves per second, and the peak RSS of the
 * audit process (getrusage of the child): bounded memory is the goal, a
 * minute for a million registrations the other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "jaring/block.h"
#include "jaring/centre.h"
#include "jaring/record.h"
#include "publish.h"
#include "seal_det.h"

#define KIOSKS 8
#define PER_BLOCK 64
#define BLOCKS_PER_ENTRY 128
#define APPROVE_BATCH 4096
#define RATE 16800u

static _Noreturn void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_audit: %s: %s\n", what, why);
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != JR_OK)
		die(what, jr_strerror(rc));
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct jr_key *key(enum jr_role role, uint8_t fill)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	memset(seed, fill, sizeof seed);
	check(jr_key_from_seed(role, seed, &k), "key");
	return k;
}

#include "bench_chain.h"

static struct jr_seal_epoch *epoch;

static void apply(struct jr_centre *c, struct jr_buf *e, const char *what)
{
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };

	check(jr_centre_apply(c, e->base, e->len, &res, &eb), what);
	if (res.refused)
		die(what, jr_centre_status_name(res.act_status));
	jr_buf_free(e);
}

static void member(struct jr_roster_member *m, const struct jr_key *k, enum jr_role role,
	uint32_t agency, uint64_t region, uint32_t perms)
{
	struct jr_pubkey p;

	memset(m, 0, sizeof *m);
	jr_key_public(k, &p);
	memcpy(m->id, p.id, JR_ID_BYTES);
	memcpy(m->sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	m->role = role;
	m->agency = agency;
	m->region = region;
	m->perms = perms;
}

/* The signed, cosigned checkpoint of the state's log and the policy that
 * trusts it, into the export (tests/support/publish.h). */
static void publish(struct jr_centre *c, const char *out)
{
	char pol[9000];
	struct jr_errbuf eb = { 0 };

	(void)snprintf(pol, sizeof pol, "%s/../policy", out);
	if (jr_test_publish(c, "tlog.bench.jaring.id/audit", out, pol, &eb) != JR_OK)
		die("export", eb.msg[0] ? eb.msg : "cannot sign or write the checkpoint");
}

/* Builds the export of n registrations into out (the state file in dir). */
static void build(const char *dir, const char *out, unsigned long n)
{
	static const uint32_t team[4] = { JR_AGENCY_DISNAKER, JR_AGENCY_DPMD, JR_AGENCY_DUKCAPIL,
		JR_AGENCY_BPJSTK };
	struct jr_key *cons = key(JR_ROLE_CONSORTIUM, 0x61), *off[4], *head, *funder;
	struct jr_roster_member m[KIOSKS + 6];
	struct bench_chain ks[KIOSKS];
	struct jr_centre *c = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_buf e = { 0 }, blocks[BLOCKS_PER_ENTRY];
	struct jr_pubkey cp;
	struct jr_policy pol;
	struct jr_centre_decree d;
	struct jr_centre_allocation a;
	uint8_t pkey[32], *regids = malloc(n * JR_REGID_BYTES);
	unsigned long serial = 0;
	char path[4096];
	double t0 = now_s();

	if (regids == NULL)
		die("memory", "regids");
	memset(pkey, 0x5a, sizeof pkey);
	jr_key_public(cons, &cp);
	memcpy(bench_cons_box, cp.box_pk, sizeof bench_cons_box);
	jr_policy_default(&pol);
	(void)snprintf(path, sizeof path, "%s/centre.db", dir);
	(void)unlink(path);
	check(jr_centre_open(path, cons, pkey, &pol, &c, &eb), "open");
	for (size_t i = 0; i < KIOSKS; i++) {
		memset(&ks[i], 0, sizeof ks[i]);
		ks[i].k = key(JR_ROLE_KIOSK, (uint8_t)(0x10 + i));
		member(&m[i], ks[i].k, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, 3328012001u,
			JR_PERM_UPLOAD);
	}
	for (size_t i = 0; i < 4; i++) {
		off[i] = key(JR_ROLE_OFFICIAL, (uint8_t)(0x20 + i));
		member(&m[KIOSKS + i], off[i], JR_ROLE_OFFICIAL, team[i], 3328, JR_PERM_APPROVE);
	}
	head = key(JR_ROLE_OFFICIAL, 0x30);
	funder = key(JR_ROLE_OFFICIAL, 0x31);
	member(&m[KIOSKS + 4], head, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3328,
		JR_PERM_DECREE | JR_PERM_ALLOCATE | JR_PERM_PAY);
	member(&m[KIOSKS + 5], funder, JR_ROLE_OFFICIAL, JR_AGENCY_FUNDER, 3328,
		JR_PERM_ALLOCATE | JR_PERM_PAY);
	check(jr_centre_roster_entry_members(cons, 1, NULL, m, KIOSKS + 6, &e), "roster");
	apply(c, &e, "roster");
	while (serial + (unsigned long)BLOCKS_PER_ENTRY * PER_BLOCK <= n) {
		for (size_t b = 0; b < BLOCKS_PER_ENTRY; b++)
			bench_block(&ks[b % KIOSKS], &epoch, &serial, PER_BLOCK, regids, &blocks[b]);
		check(jr_centre_upstream_entry(blocks, BLOCKS_PER_ENTRY, &e), "upstream");
		for (size_t b = 0; b < BLOCKS_PER_ENTRY; b++)
			jr_buf_free(&blocks[b]);
		apply(c, &e, "upstream");
	}
	n = serial;
	for (size_t i = 0; i < 4; i++)
		for (unsigned long at = 0; at < n; at += APPROVE_BATCH) {
			size_t k = n - at < APPROVE_BATCH ? n - at : APPROVE_BATCH;

			check(jr_centre_review_entry(off[i], 1718000000 + (int64_t)at, JR_REVIEW_APPROVE,
				regids + at * JR_REGID_BYTES, k, NULL, NULL, &e), "approve");
			apply(c, &e, "approve");
		}
	memset(&a, 0, sizeof a);
	(void)snprintf(a.id, sizeof a.id, "APBD-2024-1");
	a.type = JR_SPONSOR_APBD;
	(void)snprintf(a.sponsor, sizeof a.sponsor, "APBD Kabupaten Tegal");
	a.amount_rp = (uint64_t)n * 6 * RATE;
	a.months = 12;
	a.region = 3328;
	check(jr_centre_allocation_entry(funder, 1718000000, &a, &e), "allocation");
	apply(c, &e, "allocation");
	memset(&d, 0, sizeof d);
	(void)snprintf(d.number, sizeof d.number, "100.3/1/2024");
	d.region = 3328;
	memcpy(d.allocation, a.id, sizeof a.id);
	d.start = 202407;
	d.months = 6;
	check(jr_centre_decree_candidates(c, 3328, 202407, 6, &d.count, d.digest, &eb),
		"candidates");
	check(jr_centre_decree_entry(head, 1718000000, &d, &e), "decree");
	apply(c, &e, "decree");
	check(jr_centre_payment_entry(funder, 1718000000, a.id, 202407, NULL, 0,
		(uint64_t)n * RATE, &e), "payment");
	apply(c, &e, "payment");
	publish(c, out);
	fprintf(stderr, "bench_audit: export of %lu registrations, %llu leaves built in %.0f s\n",
		n, (unsigned long long)jr_centre_tlog_size(c), now_s() - t0);
	jr_centre_close(c);
	(void)unlink(path);
	free(regids);
}

/* This program's folder (build/tests), from /proc/self/exe. */
static void self_dir(char *out, size_t cap)
{
	ssize_t n = readlink("/proc/self/exe", out, cap - 1);
	char *slash;

	if (n <= 0)
		die("/proc/self/exe", strerror(errno));
	out[n] = '\0';
	slash = strrchr(out, '/');
	if (slash != NULL)
		*slash = '\0';
}

int main(int argc, char **argv)
{
	const char *env = getenv("JR_BENCH_AUDIT_REGS");
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : env ? strtoul(env, NULL, 10)
		: 1000000;
	char here[4096], cache[4400], ex[4500], pol[4500], bin[4500], cp[4600];
	struct rusage ru;
	struct stat sb;
	const char *work;
	double t0, t;
	int status = 0;
	pid_t pid;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("bench_audit: jaring-audit on a large public export, as benchmark rows.\n"
			"usage: bench_audit DIR [REGISTRATIONS]\n\nexit status:\n  0  measured\n"
			"  1  failed\n  2  usage error\n");
		return 0;
	}
	if (argc < 2)
		return fprintf(stderr, "bench_audit: missing argument DIR\n"), 2;
	if (argv[1][0] == '-')
		return fprintf(stderr, "bench_audit: unknown option '%s'; see --help\n", argv[1]), 2;
	n = n / ((unsigned long)BLOCKS_PER_ENTRY * PER_BLOCK) * BLOCKS_PER_ENTRY * PER_BLOCK;
	if (n == 0)
		return fprintf(stderr, "bench_audit: at least %d registrations\n",
			BLOCKS_PER_ENTRY * PER_BLOCK), 2;
	check(jr_init(), "init");
	self_dir(here, sizeof here);
	(void)snprintf(cache, sizeof cache, "%s/audit-export-%lu", here, n);
	(void)snprintf(ex, sizeof ex, "%s/export", cache);
	(void)snprintf(pol, sizeof pol, "%s/policy", cache);
	(void)snprintf(cp, sizeof cp, "%s/checkpoint", ex);
	(void)snprintf(bin, sizeof bin, "%s/../bin/jaring-audit", here);
	if (stat(cp, &sb) != 0 || stat(pol, &sb) != 0) {
		/* the state file is scratch: on tmpfs when there is one */
		const char *scratch = stat("/dev/shm", &sb) == 0 ? "/dev/shm" : argv[1];

		(void)mkdir(cache, 0755);
		build(scratch, ex, n);
	}
	/* The replay's and the tree's scratch files on tmpfs when there is one:
	 * the disk of this shared machine is what the other work contends for,
	 * and the files are thrown away (memory of the process stays bounded;
	 * the tmpfs holds about 1 KiB a registration while it runs). */
	work = stat("/dev/shm", &sb) == 0 ? "/dev/shm" : argv[1];
	t0 = now_s();
	pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		(void)dup2(fd, 1);
		(void)setenv("TMPDIR", work, 1);
		execl(bin, bin, "--policy", pol, ex, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid)
		die("jaring-audit", strerror(errno));
	t = now_s() - t0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		die("jaring-audit", "the export did not pass");
	{
		char name[64];
		double goal = 60.0 * (double)n / 1e6;
		char g[32];

		(void)snprintf(name, sizeof name, "audit: %lu-registration export, wall", n);
		(void)snprintf(g, sizeof g, goal < 10 ? "< %.1f s (1M in 60 s)" : "< %.0f s (1M in 60 s)", goal);
		jr_bench_row(name, t, "s", g, t < goal);
	}
	jr_bench_row("audit: registrations audited per second", (double)n / t, "regs/s",
		"> 16,667/s", (double)n / t > 16667);
	{
		/* the machine is shared: what the audit cost, apart from waiting */
		double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			(double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;

		jr_bench_row("audit: registrations per CPU-second", (double)n / cpu, "regs/s",
			"> 16,667/s", (double)n / cpu > 16667);
	}
	jr_bench_row("audit: peak RSS of jaring-audit", (double)ru.ru_maxrss / 1024.0, "MiB",
		"< 512 MiB (bounded)", ru.ru_maxrss < 512 * 1024);
	return 0;
}
