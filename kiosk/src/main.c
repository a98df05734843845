/*
 * jaring-kiosk: the touch kiosk where informal workers register themselves.
 *
 *   jaring-kiosk [--config FILE]          run (default /etc/jaring/kiosk.conf)
 *   jaring-kiosk --script FILE --out DIR  run a session script headless
 *   jaring-kiosk --bench [--out DIR]      print the kiosk benchmarks
 *   jaring-kiosk --check-config FILE      parse a configuration and exit
 *   jaring-kiosk --first-frame FILE       start, show one frame, exit (bench)
 *   jaring-kiosk --help                   what it is, options, exit codes
 *
 * Usage errors exit 2 and name the option; everything else that stops the
 * kiosk exits 1 with a message that says what to do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jaring/cli.h"
#include "app.h"
#include "bench.h"
#include "script.h"

#define DEFAULT_CONFIG "/etc/jaring/kiosk.conf"

static const char help_text[] =
	"jaring-kiosk: the touch kiosk where informal workers of Kabupaten and Kota\n"
	"Tegal register themselves for employment social security (BPJS\n"
	"Ketenagakerjaan, Bukan Penerima Upah), take home a signed QR receipt, and\n"
	"later scan it to see what became of their registration.\n"
	"\n"
	"usage: jaring-kiosk [--config FILE]\n"
	"       jaring-kiosk --check-config FILE\n"
	"       jaring-kiosk --script FILE --out DIR\n"
	"       jaring-kiosk --bench [--out DIR]\n"
	"       jaring-kiosk --first-frame FILE\n"
	"       jaring-kiosk --help\n"
	"\n"
	"options:\n"
	"  --config FILE        run the kiosk with this configuration (default\n"
	"                       " DEFAULT_CONFIG "). A new one starts from the\n"
	"                       source tree's assets/kiosk.conf.example: set\n"
	"                       data_dir, village and consortium_pubkey\n"
	"                       (docs/kiosk.md explains every key).\n"
	"  --check-config FILE  read a configuration, say whether it is valid, exit.\n"
	"  --script FILE        play a session script (tests/ui/*.script) headless,\n"
	"                       with its own throw-away kiosk; needs --out.\n"
	"  --out DIR            where --script keeps its screenshots, shard and\n"
	"                       receipts (made afresh), or where --bench works\n"
	"                       (default bench-kiosk).\n"
	"  --bench              run the kiosk benchmarks and print them.\n"
	"  --first-frame FILE   start with this configuration, draw one frame, exit\n"
	"                       (the start-up benchmark).\n"
	"  -h, --help           print this help and exit.\n"
	"\n"
	"With no display, SDL_VIDEODRIVER=dummy runs it offscreen (as the tests do).\n"
	"\n"
	"exit status:\n"
	"  0  the kiosk ran and was closed, the configuration is valid, or the\n"
	"     script's every check passed\n"
	"  1  it could not start (no or a bad configuration, key, shard, display),\n"
	"     or a script check or benchmark failed; the message says which\n"
	"  2  usage error: an unknown option, a missing option argument, or\n"
	"     options that do not go together\n"
	"\n"
	"More: man -l docs/man/jaring-kiosk.1, docs/kiosk.md.\n";

static int usage_error(const char *what, const char *arg, const char *after)
{
	fprintf(stderr, "jaring-kiosk: %s '%s'%s; see --help\n", what, arg, after);
	return 2;
}

/*
 * The message a newcomer meets first: jaring-kiosk run with nothing set up.
 * It says what is missing and the two ways on, in the words of the files
 * they will open.
 */
static void no_configuration(const char *path, bool given)
{
	fprintf(stderr,
		"jaring-kiosk: no configuration file at %s%s.\n"
		"To set up a kiosk:\n"
		"  1. copy assets/kiosk.conf.example from the Jaring source tree to\n"
		"     %s%s;\n"
		"  2. set in it at least data_dir (a folder for the kiosk's key and shard),\n"
		"     village (the village code it serves, e.g. 33.28.01.2001) and\n"
		"     consortium_pubkey (the consortium's public key file);\n"
		"     docs/kiosk.md explains every key;\n"
		"  3. check it: jaring-kiosk --check-config FILE.\n"
		"To try the kiosk first: ./make.sh run in the source tree runs the field cycle,\n"
		"which leaves out/cycle/kiosks/kiosk1/kiosk.conf (one per kiosk); with a\n"
		"display, JR_WINDOW=1 ./make.sh run opens that kiosk in a window.\n",
		path, given ? " (given with --config)" : " (the default; --config FILE names another)",
		given ? path : DEFAULT_CONFIG, given ? "" : " (or anywhere, and pass --config FILE)");
}

/* kconfig_load reports the other failures (unreadable, bad line). */
static bool config_exists(const char *path, bool given)
{
	struct stat st;

	if (stat(path, &st) == 0 || (errno != ENOENT && errno != ENOTDIR))
		return true;
	no_configuration(path, given);
	return false;
}

static int run(const char *config_path, bool given)
{
	struct kconfig cfg;
	static struct kapp app;
	char err[512];

	if (!config_exists(config_path, given))
		return 1;
	kconfig_defaults(&cfg);
	if (!kconfig_load(&cfg, config_path, err, sizeof err)) {
		fprintf(stderr, "jaring-kiosk: %s\n", err);
		return 1;
	}
	if (!app_init(&app, &cfg, 0, err, sizeof err)) {
		fprintf(stderr, "jaring-kiosk: %s\n", err);
		app_free(&app);
		return 1;
	}
	app_run(&app);
	app_free(&app);
	return 0;
}

static int check_config(const char *path)
{
	struct kconfig cfg;
	char err[512];

	if (!config_exists(path, true))
		return 1;
	kconfig_defaults(&cfg);
	if (!kconfig_load(&cfg, path, err, sizeof err)) {
		fprintf(stderr, "jaring-kiosk: %s\n", err);
		return 1;
	}
	printf("%s: ok\n", path);
	return 0;
}

struct args {
	const char *config, *script, *out, *check, *first_frame;
	bool bench;
};

/* 0 to go on, -1 when --help was printed, or the exit status of an error. */
static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct { const char *name, *what; } opts[] = {
		{ "--config", "a file" }, { "--script", "a file" }, { "--out", "a folder" },
		{ "--check-config", "a file" }, { "--first-frame", "a file" },
	};
	const char **values[] = { &a->config, &a->script, &a->out, &a->check, &a->first_frame };
	char after[64];

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		int m = 0;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(help_text, stdout);
			return fflush(stdout) == 0 ? -1 : 1;
		}
		if (strcmp(arg, "--bench") == 0) {
			a->bench = true;
			continue;
		}
		for (size_t k = 0; k < sizeof opts / sizeof opts[0] && m == 0; k++) {
			m = jr_cli_value(argc, argv, &i, opts[k].name, values[k]);
			if (m < 0) {
				(void)snprintf(after, sizeof after, " needs %s after it", opts[k].what);
				return usage_error("option", opts[k].name, after);
			}
		}
		if (m == 0)
			return usage_error(arg[0] == '-' ? "unknown option" : "unexpected argument",
				arg, "");
	}
	if (a->script != NULL && a->out == NULL)
		return usage_error("option", "--script", " needs --out DIR too");
	if ((a->script != NULL) + a->bench + (a->check != NULL) + (a->first_frame != NULL) > 1)
		return usage_error("options", "--script, --bench, --check-config, --first-frame",
			" go one at a time");
	if (a->config != NULL && (a->script || a->bench || a->check || a->first_frame))
		return usage_error("option", "--config", " only goes alone");
	if (a->out != NULL && a->script == NULL && !a->bench)
		return usage_error("option", "--out", " goes with --script or --bench");
	return 0;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	int rc;

	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc < 0 ? 0 : rc;
	if (a.check != NULL)
		return check_config(a.check);
	if (a.first_frame != NULL)
		return kbench_first_frame(a.first_frame);
	if (a.bench)
		return kbench_run(a.out ? a.out : "bench-kiosk");
	if (a.script != NULL)
		return kscript_run(a.script, a.out);
	return run(a.config ? a.config : DEFAULT_CONFIG, a.config != NULL);
}
