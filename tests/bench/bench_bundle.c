/*
 * bench_bundle: bundle write and read throughput against raw sequential
 * write and read of the same size in the same folder, measured side by side
 * in one run; framing bytes per registration-sized item; peak RSS while a
 * bundle of SIZE streams through. Rows as bench_ledger's.
 *
 *   bench_bundle DIR          (JR_BENCH_BUNDLE_MB=1024 by default)
 *
 * SIZE is JR_BENCH_BUNDLE_MB mebibytes of 450-byte items (the size of a
 * signed block of one registration). Every file is fsynced and then dropped
 * from the page cache (posix_fadvise DONTNEED, which needs no privilege for
 * clean pages) before it is read, so both reads come from the disk.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "jaring/bundle.h"
#include "jaring/keys.h"
#include "bench.h"

#define ITEM 450
#define BLOCK 65536

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

/* CPU seconds of the last bundle phase, for the CPU-bound rows. */
static double cpu_s(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static double last_cpu;

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "bench_bundle: %s%s%s\n", what, eb ? ": " : "", eb ? eb->msg : "");
	exit(1);
}

static double peak_rss_mb(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) != 0)
		die("getrusage", NULL);
	return (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
}

static void drop_cache(int fd)
{
	if (fsync(fd) != 0 || posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) != 0)
		die("fsync/fadvise", NULL);
}

static double raw_write(const char *path, uint64_t size)
{
	static uint8_t buf[BLOCK];
	uint64_t done = 0;
	double t0 = now_s();
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die("open raw file", NULL);
	memset(buf, 0xa5, sizeof buf);
	while (done < size) {
		size_t n = size - done < BLOCK ? (size_t)(size - done) : BLOCK;

		if (write(fd, buf, n) != (ssize_t)n)
			die("write raw file", NULL);
		done += n;
	}
	if (fsync(fd) != 0)
		die("fsync raw file", NULL);
	t0 = now_s() - t0;
	drop_cache(fd);
	close(fd);
	return (double)size / t0 / 1e6;
}

static double raw_read(const char *path)
{
	static uint8_t buf[BLOCK];
	uint64_t done = 0;
	ssize_t k;
	double t0;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open raw file", NULL);
	drop_cache(fd);
	t0 = now_s();
	while ((k = read(fd, buf, sizeof buf)) > 0)
		done += (uint64_t)k;
	t0 = now_s() - t0;
	close(fd);
	return (double)done / t0 / 1e6;
}

static double bundle_write(const char *path, uint64_t size, const struct jr_key *kiosk,
	const struct jr_pubkey *to, struct jr_bundle_info *info)
{
	static const struct jr_bundle_params up = { JR_BUNDLE_UPSTREAM, 1790000000, 1, 1 };
	struct jr_bundle_writer *w;
	struct jr_errbuf eb = { 0 };
	uint8_t item[ITEM];
	uint64_t i, n = size / (ITEM + 4);
	double t0 = now_s(), c0 = cpu_s();
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		die("open bundle file", NULL);
	memset(item, 0x5a, sizeof item);
	if (jr_bundle_writer_open_fd(fd, path, kiosk, to, &up, &w, &eb) != JR_OK)
		die("writer open", &eb);
	for (i = 0; i < n; i++) {
		item[0] = (uint8_t)i;
		if (jr_bundle_writer_add(w, JR_ITEM_BLOCK, item, sizeof item, &eb) != JR_OK)
			die("writer add", &eb);
	}
	if (jr_bundle_writer_finish(w, info, &eb) != JR_OK)
		die("writer finish", &eb);
	t0 = now_s() - t0;
	last_cpu = cpu_s() - c0;
	drop_cache(fd);
	close(fd);
	return (double)(JR_BUNDLE_HEADER_BYTES + info->body_len) / t0 / 1e6;
}

static double bundle_read(const char *path, const struct jr_key *centre, uint64_t want)
{
	struct jr_bundle_reader *r;
	struct jr_bundle_info info;
	struct jr_errbuf eb = { 0 };
	const uint8_t *p;
	uint64_t items = 0;
	size_t n;
	double t0, c0;
	int kind, fd = open(path, O_RDONLY);

	if (fd < 0)
		die("open bundle file", NULL);
	drop_cache(fd);
	t0 = now_s();
	c0 = cpu_s();
	if (jr_bundle_reader_open_fd(fd, path, centre, NULL, &r, &info, &eb) != JR_OK)
		die("reader open", &eb);
	for (;;) {
		if (jr_bundle_reader_next(r, &kind, &p, &n, &eb) != JR_OK)
			die("reader next", &eb);
		if (kind == 0)
			break;
		items++;
	}
	if (jr_bundle_reader_end(r, &eb) != JR_OK || items != want)
		die("reader end", &eb);
	t0 = now_s() - t0;
	last_cpu = cpu_s() - c0;
	jr_bundle_reader_free(r);
	close(fd);
	return (double)(JR_BUNDLE_HEADER_BYTES + info.body_len) / t0 / 1e6;
}

int main(int argc, char **argv)
{
	const char *mb_env = getenv("JR_BENCH_BUNDLE_MB");
	char raw[1024], bun[1024], name[64];
	struct jr_key *kiosk = NULL, *centre = NULL;
	struct jr_pubkey to;
	struct jr_bundle_info info;
	unsigned long mb = 1024;
	uint64_t size;
	double rw, rr, bw, br, rss0, framing, wcpu, rcpu;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_bundle DIR\n");
		return 2;
	}
	if (mb_env != NULL && mb_env[0] != '\0') {
		char *end;

		mb = strtoul(mb_env, &end, 10);
		if (*end != '\0' || mb == 0 || mb > 1u << 20)
			die("JR_BENCH_BUNDLE_MB must be a whole number of MiB", NULL);
	}
	size = (uint64_t)mb << 20;
	if (jr_init() != JR_OK || jr_key_generate(JR_ROLE_KIOSK, &kiosk) != JR_OK ||
	    jr_key_generate(JR_ROLE_NODE, &centre) != JR_OK)
		die("keys", NULL);
	jr_key_public(centre, &to);
	if (snprintf(raw, sizeof raw, "%s/raw.bin", argv[1]) >= (int)sizeof raw ||
	    snprintf(bun, sizeof bun, "%s/up.jrb", argv[1]) >= (int)sizeof bun)
		die("DIR too long", NULL);

	rw = raw_write(raw, size);
	rr = raw_read(raw);
	if (unlink(raw) != 0)
		die("unlink", NULL);
	rss0 = peak_rss_mb();
	bw = bundle_write(bun, size, kiosk, &to, &info);
	wcpu = (double)size / last_cpu / 1e6;
	br = bundle_read(bun, centre, info.items);
	rcpu = (double)size / last_cpu / 1e6;
	if (unlink(bun) != 0)
		die("unlink", NULL);

	jr_bench_row("raw sequential write + fsync (same folder)", rw, "MB/s", "", -1);
	jr_bench_row("bundle write (450-byte items) + fsync", bw, "MB/s", ">= 80% of raw", bw >= 0.8 * rw);
	jr_bench_row("bundle write / raw write", 100.0 * bw / rw, "%", ">= 80", bw >= 0.8 * rw);
	jr_bench_row("raw sequential read (cache dropped)", rr, "MB/s", "", -1);
	jr_bench_row("bundle read + verify every chunk", br, "MB/s", ">= 80% of raw", br >= 0.8 * rr);
	jr_bench_row("bundle read / raw read", 100.0 * br / rr, "%", ">= 80", br >= 0.8 * rr);
	jr_bench_row("bundle write, bytes per CPU-second", wcpu, "MB/s", "", -1);
	jr_bench_row("bundle read, bytes per CPU-second", rcpu, "MB/s", "", -1);
	framing = ((double)JR_BUNDLE_HEADER_BYTES + (double)info.body_len -
		(double)info.items * ITEM) / (double)info.items;
	jr_bench_row("bundle framing per 450-byte item", framing, "bytes", "<= 30 (block ~270)", framing <= 30);
	if (snprintf(name, sizeof name, "bundle peak RSS, write+read of %lu MiB", mb) >= (int)sizeof name)
		die("name", NULL);
	jr_bench_row(name, peak_rss_mb(), "MB", "< 32", peak_rss_mb() < 32);
	jr_bench_row("  of which before the bundle began", rss0, "MB", "", -1);
	jr_key_free(kiosk);
	jr_key_free(centre);
	return 0;
}
