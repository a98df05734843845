/*
 * bench_sync: the officer's visit and the centre's import, through the sync
 * library on real files, in rows of the one benchmark table:
 *
 *   import throughput (read, verify, decrypt and apply every upstream
 *     bundle, then write the answer) against a raw sequential read of the
 *     same bundle files on the same file system, side by side, each from a
 *     cold page cache (posix_fadvise DONTNEED after fsync);
 *   a whole kiosk visit with 1,000 new registrations to take out and 1,000
 *     statuses to bring back: export, the answer applied whole (one
 *     transaction), the counts reconciled, the visit logged — drive in to
 *     "Sync complete" (goal < 2 s);
 *   bytes per registration on the drive, upstream, and per status,
 *     downstream (goal <= 300 upstream).
 *
 *   bench_sync DIR [REGISTRATIONS]   (default 1000)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jaring/block.h"
#include "jaring/registrar.h"
#include "jaring/roster.h"
#include "jaring/sync.h"
#include "shard_int.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void row(const char *name, double value, const char *unit, const char *goal, int met)
{
	printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, value, unit, goal,
		met < 0 ? "" : met ? "met" : "MISS");
	(void)fflush(stdout);
}

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "bench_sync: %s%s%s\n", what, eb ? ": " : "", eb ? eb->msg : "");
	exit(1);
}

static struct jr_key *kiosk, *cons, *officer;
static struct jr_shard *shard;
static struct jr_registrar *reg;
static struct jr_policy pol;

static void path(char *out, size_t n, const char *dir, const char *f)
{
	if (snprintf(out, n, "%s/%s", dir, f) >= (int)n)
		die("path too long", NULL);
}

static void register_n(unsigned first, unsigned n)
{
	for (unsigned i = first; i < first + n; i++) {
		struct jr_registration r;
		struct jr_verdict v;
		struct jr_issued out;
		struct jr_errbuf eb = { 0 };

		memset(&r, 0, sizeof r);
		snprintf(r.nik, sizeof r.nik, "332810540386%04u", i % 10000);
		snprintf(r.name, sizeof r.name, "Uji Bangku %c%c%c", 'A' + (int)(i / 676 % 26),
			'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
		snprintf(r.phone, sizeof r.phone, "081288%06u", i % 1000000);
		snprintf(r.address, sizeof r.address, "Jl. Bangku No. %u", i);
		r.sex = JR_SEX_FEMALE;
		r.birth = 19860314;
		r.birth_year = 1986;
		r.village = 3328101008;
		r.occupation = (enum jr_occupation)1;
		r.income = (enum jr_income)2;
		if (jr_registrar_submit(reg, &r, 1790000000 + (int64_t)i, &v, &out, &eb) != JR_OK)
			die("register", &eb);
		jr_registration_wipe(&r);
	}
}

/* Every file under dir: total bytes, and (if fd_cold) fsynced and dropped
 * from the page cache. */
static uint64_t walk(const char *dir, bool drop, bool read_all, const char *only_ext)
{
	struct dirent *de;
	uint64_t total = 0;
	DIR *d = opendir(dir);
	static uint8_t buf[65536];

	if (d == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char p[4096];
		struct stat st;
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		path(p, sizeof p, dir, de->d_name);
		if (stat(p, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			total += walk(p, drop, read_all, only_ext);
			continue;
		}
		if (only_ext != NULL && (nl < 4 || strcmp(de->d_name + nl - 4, only_ext) != 0))
			continue;
		total += (uint64_t)st.st_size;
		if (drop || read_all) {
			int fd = open(p, O_RDONLY);
			ssize_t k;
			if (fd < 0)
				die("open", NULL);
			if (drop && (fsync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0))
				die("fsync/fadvise", NULL);
			do
				k = read_all ? read(fd, buf, sizeof buf) : 0;
			while (k > 0);
			close(fd);
		}
	}
	closedir(d);
	return total;
}

/* One bundle read whole and authenticated as the centre reads it (every
 * chunk's tag, the body hash, the header's signature), its blocks' own
 * signatures not checked: the drive-read half of the import. */
static void read_auth(const char *drive, const struct jr_sync_entry *e)
{
	struct jr_bundle_reader *r = NULL;
	struct jr_bundle_info info;
	struct jr_errbuf eb = { 0 };
	char p[4096];
	const uint8_t *b;
	size_t len;
	int kind = 1, fd;

	if (snprintf(p, sizeof p, "%s/JARING/UP/%s/%s", drive, e->kiosk_dir, e->file) >=
	    (int)sizeof p || (fd = open(p, O_RDONLY)) < 0)
		die("open bundle", NULL);
	if (jr_bundle_reader_open_fd(fd, e->file, cons, NULL, &r, &info, &eb) != JR_OK)
		die("reader", &eb);
	while (kind != 0)
		if (jr_bundle_reader_next(r, &kind, &b, &len, &eb) != JR_OK)
			die("reader next", &eb);
	if (jr_bundle_reader_end(r, &eb) != JR_OK)
		die("reader end", &eb);
	jr_bundle_reader_free(r);
	close(fd);
}

/* A raw sequential write of `bytes` into dir/raw.bin, fsynced: seconds. */
static double raw_write(const char *dir, uint64_t bytes)
{
	static uint8_t buf[65536];
	char p[4096];
	uint64_t done = 0;
	double t0;
	int fd;

	path(p, sizeof p, dir, "raw.bin");
	memset(buf, 0xa5, sizeof buf);
	t0 = now_s();
	if ((fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		die("open raw.bin", NULL);
	while (done < bytes) {
		size_t k = bytes - done < sizeof buf ? (size_t)(bytes - done) : sizeof buf;
		if (write(fd, buf, k) != (ssize_t)k)
			die("write raw.bin", NULL);
		done += k;
	}
	if (fsync(fd) != 0)
		die("fsync raw.bin", NULL);
	close(fd);
	t0 = now_s() - t0;
	(void)unlink(p);
	return t0;
}

static void roster_file(struct jr_buf *out)
{
	struct jr_roster_member m[2];
	struct jr_pubkey p;
	struct jr_errbuf eb = { 0 };
	const struct jr_key *ks[2] = { kiosk, officer };

	memset(m, 0, sizeof m);
	for (int i = 0; i < 2; i++) {
		jr_key_public(ks[i], &p);
		memcpy(m[i].id, p.id, JR_ID_BYTES);
		memcpy(m[i].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
		m[i].role = p.role;
		m[i].region = i == 0 ? UINT64_C(3328101008) : 3328;
		m[i].perms = i == 0 ? JR_PERM_UPLOAD : JR_PERM_SYNC;
	}
	if (jr_roster_sign(cons, 1, NULL, m, 2, out, &eb) != JR_OK)
		die("roster", &eb);
}

int main(int argc, char **argv)
{
	char dir[4096], drive[4096], p1[4096], p2[4096];
	const uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES] = { 3 };
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey cp;
	struct jr_centre *c = NULL;
	struct jr_buf roster = { 0 };
	struct jr_sync_dstore *ds = NULL;
	struct jr_sync_import x;
	struct jr_sync_import_counts ic;
	struct jr_sync_visit v;
	struct jr_sync_visit_counts vc;
	struct jr_downstream_trust trust;
	struct jr_downstream_sink sink;
	unsigned n = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1000;
	uint64_t up_bytes, down_bytes, blocks_bytes = 0;
	double t0, t_import, t_raw, t_visit, t_read, t_auth, t_export, t_raww;
	char xdrive[4096];
	struct jr_sync_export ex;
	struct jr_sync_counts xc;
	struct jr_sync_listing l;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || n < 1 || n > 4000) {
		fprintf(argc < 2 ? stderr : stdout, "bench_sync: the officer's visit and the "
			"centre's import, timed.\nusage: bench_sync DIR [REGISTRATIONS<=4000]\n");
		return argc < 2 ? 2 : 0;
	}
	if (jr_init() != JR_OK || jr_key_generate(JR_ROLE_KIOSK, &kiosk) != JR_OK ||
	    jr_key_generate(JR_ROLE_CONSORTIUM, &cons) != JR_OK ||
	    jr_key_generate(JR_ROLE_OFFICER, &officer) != JR_OK)
		die("keys", NULL);
	snprintf(dir, sizeof dir, "%s", argv[1]);
	path(drive, sizeof drive, dir, "drive");
	if (mkdir(drive, 0755) != 0)
		die("mkdir drive (DIR must be new and empty)", NULL);
	path(p1, sizeof p1, dir, "shard.db");
	path(p2, sizeof p2, dir, "shard.counter");
	jr_key_public(cons, &cp);
	jr_policy_default(&pol);
	if (jr_shard_create(p1, p2, kiosk, &eb) != JR_OK ||
	    jr_shard_open(p1, p2, kiosk, &shard, &eb) != JR_OK)
		die("shard", &eb);
	(void)jr_shard_test_set_durable(shard, false); /* the set-up only */
	if (jr_registrar_new(shard, kiosk, &pol, cp.box_pk, &reg) != JR_OK)
		die("registrar", NULL);
	register_n(1, n);
	(void)jr_shard_test_set_durable(shard, true);
	roster_file(&roster);
	path(p1, sizeof p1, dir, "down.db");
	if (jr_sync_dstore_open(p1, &ds, &eb) != JR_OK)
		die("store", &eb);
	jr_sync_dstore_sink(ds, &sink);

	/* the export alone (shard to a fresh folder on the same file system:
	 * blocks read, bundles written atomically, the index after each),
	 * beside a raw sequential write of the same bytes */
	/* (best of 3 each, alternating: the files are small and the machine
	 * shared) */
	t_export = t_raww = 1e9;
	for (int k = 0; k < 3; k++) {
		char xn[16];
		double t;

		snprintf(xn, sizeof xn, "xdrive%d", k);
		path(xdrive, sizeof xdrive, dir, xn);
		if (mkdir(xdrive, 0755) != 0)
			die("mkdir xdrive", NULL);
		memset(&ex, 0, sizeof ex);
		ex.drive = xdrive;
		ex.shard = shard;
		ex.kiosk = kiosk;
		ex.consortium = &cp;
		ex.time = 1790000000 + n;
		t0 = now_s();
		if (jr_sync_export_run(&ex, &xc, &eb) != JR_OK || xc.written != n)
			die("export", &eb);
		t = now_s() - t0;
		t_export = t < t_export ? t : t_export;
		path(p1, sizeof p1, xdrive, "JARING/UP");
		t = raw_write(xdrive, walk(p1, false, false, ".JRB"));
		t_raww = t < t_raww ? t : t_raww;
	}

	/* visit 1: the first n out, nothing back yet */
	memset(&v, 0, sizeof v);
	v.drive = drive;
	v.shard = shard;
	v.kiosk = kiosk;
	v.consortium = &cp;
	v.registrar = reg;
	memcpy(v.officer_id, jr_key_id(officer), JR_ID_BYTES);
	v.trust = &trust;
	v.sink = &sink;
	v.time = 1790000000 + n;
	jr_sync_dstore_trust(ds, cp.sign_pk, &trust);
	if (jr_sync_visit_run(&v, &vc, &eb) != JR_OK)
		die("visit 1", &eb);
	path(p1, sizeof p1, drive, "JARING/UP");
	up_bytes = walk(p1, false, false, ".JRB");

	/* the blocks themselves, to tell the framing from the records */
	for (uint64_t h = 1; h <= n; h++) {
		struct jr_buf body = { 0 }, sb = { 0 };
		uint8_t sig[JR_SIG_BYTES];
		if (jr_shard_get(shard, h, &body, sig, &eb) != JR_OK ||
		    jr_signed_block_encode(body.base, body.len, sig, &sb) != JR_OK)
			die("block", &eb);
		blocks_bytes += sb.len;
		jr_buf_free(&body);
		jr_buf_free(&sb);
	}

	/* the drive read alone (every bundle read whole with the consortium
	 * key: chunks, body hash, every block's signature), cold */
	path(p1, sizeof p1, drive, "JARING/UP");
	if (jr_sync_list(drive, NULL, &l, &eb) != JR_OK)
		die("list", &eb);
	t_auth = t_raw = 1e9;
	for (int k = 0; k < 3; k++) {
		double t;

		(void)walk(p1, true, false, ".JRB");
		t0 = now_s();
		(void)walk(p1, false, true, ".JRB");
		t = now_s() - t0;
		t_raw = t < t_raw ? t : t_raw;
		(void)walk(p1, true, false, ".JRB");
		t0 = now_s();
		for (size_t i = 0; i < l.n; i++)
			read_auth(drive, &l.e[i]);
		t = now_s() - t0;
		t_auth = t < t_auth ? t : t_auth;
	}
	(void)walk(p1, true, false, ".JRB");
	t0 = now_s();
	for (size_t i = 0; i < l.n; i++)
		if (jr_sync_verify_bundle(drive, &l.e[i], cons, &eb) != JR_OK)
			die("verify", &eb);
	t_read = now_s() - t0;
	jr_sync_listing_free(&l);

	/* the centre: raw read of the bundle files vs the import, both cold */
	path(p2, sizeof p2, dir, "state.db");
	if (jr_centre_open(p2, cons, pkey, &pol, &c, &eb) != JR_OK)
		die("centre", &eb);
	(void)walk(p1, true, false, ".JRB");
	memset(&x, 0, sizeof x);
	x.drive = drive;
	x.centre = c;
	x.consortium = cons;
	x.roster = roster.base;
	x.roster_len = roster.len;
	x.time = 1790003600;
	t0 = now_s();
	if (jr_sync_import_run(&x, &ic, &eb) != JR_OK || ic.blocks_applied != n)
		die("import", &eb);
	t_import = now_s() - t0;
	path(p1, sizeof p1, drive, "JARING/DOWN");
	down_bytes = walk(p1, false, false, ".JRB");
	jr_centre_close(c);

	/* n new registrations, then the timed visit: n out, n statuses back */
	(void)jr_shard_test_set_durable(shard, false);
	register_n(n + 1, n);
	(void)jr_shard_test_set_durable(shard, true);
	path(p1, sizeof p1, drive, "JARING");
	(void)walk(p1, true, false, NULL);
	jr_sync_dstore_trust(ds, cp.sign_pk, &trust);
	v.time = 1790007200;
	t0 = now_s();
	if (jr_sync_visit_run(&v, &vc, &eb) != JR_OK)
		die("visit 2", &eb);
	t_visit = now_s() - t0;
	if (!vc.complete || vc.up.written != n || vc.statuses != n)
		die("visit 2 did not reconcile", NULL);

	row("sync: raw sequential write + fsync, same bytes", (double)up_bytes / t_raww / 1e6,
		"MB/s", "(reference)", -1);
	row("sync: export (shard to drive, atomic bundles)", (double)up_bytes / t_export / 1e6,
		"MB/s", "", -1);
	row("sync: export / raw write", 100.0 * t_raww / t_export, "%", ">= 80 % of raw",
		t_raww / t_export >= 0.8);
	row("sync: raw sequential read of the bundles", (double)up_bytes / t_raw / 1e6, "MB/s",
		"(reference)", -1);
	row("sync: drive read + bundle authentication", (double)up_bytes / t_auth / 1e6,
		"MB/s", "", -1);
	row("sync: drive read + authentication / raw read", 100.0 * t_raw / t_auth, "%",
		">= 80 % of raw", t_raw / t_auth >= 0.8);
	row("sync: import's block signature checks", (double)n / (t_read - t_auth), "blocks/s",
		"(libsodium's verify rate)", -1);
	row("sync: import (verify, decrypt, apply, answer)", (double)up_bytes / t_import / 1e6,
		"MB/s", "(centre-bound)", -1);
	row("sync: drive read + every block's signature", (double)up_bytes / t_read / 1e6,
		"MB/s", "(signature-bound)", -1);
	row("sync: whole import / raw read", 100.0 * t_raw / t_import, "%",
		"(the centre applies)", -1);
	row("sync: import, blocks applied per second", (double)n / t_import, "blocks/s", "", -1);
	row("sync: visit, 1000 out + 1000 statuses back", t_visit * 1000.0, "ms",
		"< 2000 ms to complete", t_visit < 2.0);
	row("sync: drive bytes per registration, upstream", (double)up_bytes / n, "bytes",
		"<= 300", (double)up_bytes / n <= 300.0);
	row("sync: drive framing bytes per registration", (double)(up_bytes - blocks_bytes) / n,
		"bytes", "(block itself apart)", -1);
	row("sync: drive bytes per status, downstream", (double)down_bytes / n, "bytes", "", -1);
	jr_buf_free(&roster);
	jr_sync_dstore_close(ds);
	jr_registrar_free(reg);
	jr_shard_close(shard);
	jr_key_free(officer);
	jr_key_free(cons);
	jr_key_free(kiosk);
	return 0;
}
