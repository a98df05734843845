/*
 * The kiosk's benchmarks, printed as rows "name | value | unit | goal":
 *
 *   submit-to-receipt-on-screen latency, p50 and p99 over 100 registrations
 *     (the shard commits with synchronous=FULL before the receipt shows);
 *   the slowest frame at 800x480 with the software renderer, over a session
 *     that visits every registration screen 100 times, in this thread's CPU
 *     time (its own cost) and in wall-clock time (what a shared machine
 *     adds);
 *   peak RSS after 10, 50 and 100 registrations in one session (flat means
 *     the kiosk does not grow with use);
 *   cold start to the first frame: a new process with a provisioned data
 *     directory, until its first frame is presented (page cache warm).
 *
 * The registrations are driven by a generated session script through the
 * same SDL event path as the tests (script.c), headless.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "bench.h"
#include "script.h"
#include "util.h"

#define REGISTRATIONS 100
#define COLD_RUNS 5

static const char register_steps[] =
	"tap \"Daftar\"\n"
	"tap \"Saya setuju\"\n"
	"keys \"3328015405900001\"\n"
	"tap \"Lanjut\"\n"
	"keys \"SITI AMINAH\"\n"
	"tap \"Lanjut\"\n"
	"tap \"Perempuan\"\n"
	"keys \"14051990\"\n"
	"tap \"Lanjut\"\n"
	"tap \"Margasari\"\n"
	"tap \"Prupuk Selatan\"\n"
	"keys \"DUKUH KRAJAN RT 02/RW 03\"\n"
	"tap \"Lanjut\"\n"
	"tap \"Petani\"\n"
	"tap \"Kurang dari Rp500.000\"\n"
	"keys \"081234567890\"\n"
	"tap \"Lanjut\"\n"
	"tap \"Daftarkan\"\n"
	"expect-screen receipt\n"
	"tap \"Selesai\"\n";

static bool write_script(const char *path)
{
	FILE *f = fopen(path, "w");
	bool ok;

	if (f == NULL)
		return false;
	fputs("clock 2026-06-02 09:00\ntap \"Mulai\"\n", f);
	for (int i = 1; i <= REGISTRATIONS; i++) {
		fputs(register_steps, f);
		if (i == 10 || i == 50 || i == 100)
			fprintf(f, "bench-rss %d\n", i);
	}
	fprintf(f, "expect-height %d\n", REGISTRATIONS);
	ok = fclose(f) == 0;
	return ok;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* Starts this program again with --first-frame and times it. */
static double cold_start_ms(const char *config)
{
	char self[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	double t0;
	pid_t pid;
	int status;

	if (n <= 0)
		return -1;
	self[n] = '\0';
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		execl(self, self, "--first-frame", config, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return now_ms() - t0;
}

static bool write_config(const char *out, const char *path)
{
	char data[KCONF_PATH_MAX], pub[KCONF_PATH_MAX];
	FILE *f;

	if (!kpath(data, sizeof data, out, "data") || !kpath(pub, sizeof pub, out,
		"consortium.pub"))
		return false;
	f = fopen(path, "w");
	if (f == NULL)
		return false;
	fprintf(f, "data_dir = %s\nvillage = 33.28.01.2001\nconsortium_pubkey = %s\n"
		"screen_width = 800\nscreen_height = 480\nscreen_diagonal_in = 7\n", data, pub);
	return fclose(f) == 0;
}

int kbench_first_frame(const char *config_path)
{
	static struct kapp app;
	struct kconfig cfg;
	char err[512];
	int rc = 0;

	kconfig_defaults(&cfg);
	if (!kconfig_load(&cfg, config_path, err, sizeof err) ||
	    !app_init(&app, &cfg, 0, err, sizeof err)) {
		fprintf(stderr, "jaring-kiosk: %s\n", err);
		rc = 1;
	} else {
		app_render(&app);
	}
	app_free(&app);
	return rc;
}

/* One row of tests/bench/run.sh's table; met < 0 when there is no goal. */
static void row(const char *name, double v, const char *unit, const char *goal, int met)
{
	printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, v, unit, goal,
		met < 0 ? "" : met ? "met" : "MISS");
	(void)fflush(stdout); /* shows the row now; a failed write is a missing row */
}

int kbench_run(const char *out_dir)
{
	static struct kscript_stats st;
	char script[KCONF_PATH_MAX], config[KCONF_PATH_MAX], label[64];
	double cold[COLD_RUNS];
	int ok_cold = 0;

	if (snprintf(script, sizeof script, "%s.script", out_dir) >= (int)sizeof script ||
	    snprintf(config, sizeof config, "%s.conf", out_dir) >= (int)sizeof config ||
	    !write_script(script)) {
		fprintf(stderr, "bench: cannot write %s\n", script);
		return 1;
	}
	setenv("SDL_VIDEODRIVER", "dummy", 0);
	if (kscript_run_stats(script, out_dir, &st) != 0)
		return 1;
	double p99 = percentile(st.submit_ms, st.n_submit, 0.99);
	row("kiosk submit to receipt on screen p50", percentile(st.submit_ms, st.n_submit, 0.50),
		"ms", "synchronous=FULL", -1);
	row("kiosk submit to receipt on screen p99", p99, "ms", "< 50", p99 < 50);
	row("kiosk frame 800x480 software p50 (CPU)", st.frame_p50_ms, "ms", "", -1);
	row("kiosk frame 800x480 software p99 (CPU)", st.frame_p99_ms, "ms", "", -1);
	row("kiosk slowest frame 800x480 software (CPU)", st.max_frame_cpu_ms, "ms", "< 16",
		st.max_frame_cpu_ms < 16);
	row("kiosk slowest frame 800x480 software (wall)", st.max_frame_ms, "ms",
		"machine shared", -1);
	for (int i = 0; i < st.n_rss; i++) {
		snprintf(label, sizeof label, "kiosk peak RSS after %u registrations", st.rss_label[i]);
		row(label, (double)st.rss_kb[i] / 1024.0, "MB", "< 64, flat",
			st.rss_kb[i] < 64 * 1024 &&
			st.rss_kb[i] <= st.rss_kb[0] + st.rss_kb[0] / 10);
	}
	if (write_config(out_dir, config))
		for (int i = 0; i < COLD_RUNS; i++) {
			double ms = cold_start_ms(config);
			if (ms >= 0)
				cold[ok_cold++] = ms;
		}
	if (ok_cold == 0) {
		fprintf(stderr, "bench: cold start runs failed\n");
		return 1;
	}
	double cmax = percentile(cold, (size_t)ok_cold, 1.0);
	row("kiosk cold start to first frame p50", percentile(cold, (size_t)ok_cold, 0.5), "ms",
		"page cache warm", -1);
	row("kiosk cold start to first frame max", cmax, "ms", "< 1000", cmax < 1000);
	return 0;
}
