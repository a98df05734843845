/*
 * bench_kiosk: the kiosk's benchmarks for tests/bench/run.sh.
 *
 *   bench_kiosk OUTDIR
 *
 * The measurements need SDL and the kiosk's own code, which libjaring does
 * not link, so this program runs `jaring-kiosk --bench --out OUTDIR/kiosk`
 * from the same build (BUILD/kiosk/jaring-kiosk next to BUILD/tests/) and
 * passes its table rows through. See kiosk/src/bench.c for what is measured.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char help_text[] =
	"bench_kiosk: the kiosk's benchmarks (start-up to first frame, frame times,\n"
	"registrations through the touch path) as rows of the benchmark table.\n"
	"It runs jaring-kiosk --bench from the same build; tests/bench/run.sh runs it.\n"
	"\n"
	"usage: bench_kiosk OUTDIR\n"
	"       bench_kiosk --help\n"
	"\n"
	"  OUTDIR      folder to work in (OUTDIR/kiosk is made afresh)\n"
	"  -h, --help  print this help and exit\n"
	"\n"
	"exit status:\n"
	"  0  the benchmarks ran, or the build has no kiosk (JR_KIOSK=OFF)\n"
	"  1  a benchmark failed\n"
	"  2  usage error: an unknown option, a missing or an extra argument\n";

int main(int argc, char **argv)
{
	char self[PATH_MAX], kiosk[PATH_MAX + 32], out[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	struct stat st;
	char *slash;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(help_text, stdout);
			return fflush(stdout) == 0 ? 0 : 1;
		}
		if (argv[i][0] == '-' || i > 1) {
			fprintf(stderr, "bench_kiosk: %s '%s'; see --help\n",
				argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
			return 2;
		}
	}
	if (argc != 2) {
		fprintf(stderr, "bench_kiosk: missing argument OUTDIR; see --help\n");
		return 2;
	}
	if (n <= 0)
		return 1;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash == NULL)
		return 1;
	*slash = '\0';
	if (snprintf(kiosk, sizeof kiosk, "%s/../kiosk/jaring-kiosk", self) >= (int)sizeof kiosk ||
	    snprintf(out, sizeof out, "%s/kiosk", argv[1]) >= (int)sizeof out)
		return 1;
	if (stat(kiosk, &st) != 0) {
		printf("| %-44s | %12s | %-10s | %-22s | %-4s |\n", "kiosk benchmarks", "-", "",
			"built with JR_KIOSK=OFF", "");
		return 0;
	}
	setenv("SDL_VIDEODRIVER", "dummy", 0);
	execl(kiosk, kiosk, "--bench", "--out", out, (char *)NULL);
	perror(kiosk);
	return 1;
}
