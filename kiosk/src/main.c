/*
 * jaring-kiosk: the touch kiosk where informal workers register themselves.
 *
 *   jaring-kiosk [--config FILE]          run (default /etc/jaring/kiosk.conf)
 *   jaring-kiosk --script FILE --out DIR  run a session script headless
 *   jaring-kiosk --bench [--out DIR]      print the kiosk benchmarks
 *   jaring-kiosk --check-config FILE      parse a configuration and exit
 *   jaring-kiosk --first-frame FILE       start, show one frame, exit (bench)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "bench.h"
#include "script.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: jaring-kiosk [--config FILE]\n"
		"       jaring-kiosk --script FILE --out DIR\n"
		"       jaring-kiosk --bench [--out DIR]\n"
		"       jaring-kiosk --check-config FILE\n");
	return 2;
}

static int run(const char *config_path)
{
	struct kconfig cfg;
	static struct kapp app;
	char err[512];

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

int main(int argc, char **argv)
{
	const char *config = "/etc/jaring/kiosk.conf", *script = NULL, *out = NULL;
	const char *check = NULL, *first_frame = NULL;
	bool bench = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config = argv[++i];
		else if (strcmp(argv[i], "--script") == 0 && i + 1 < argc)
			script = argv[++i];
		else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--check-config") == 0 && i + 1 < argc)
			check = argv[++i];
		else if (strcmp(argv[i], "--first-frame") == 0 && i + 1 < argc)
			first_frame = argv[++i];
		else if (strcmp(argv[i], "--bench") == 0)
			bench = true;
		else
			return usage();
	}
	if (check != NULL) {
		struct kconfig cfg;
		char err[512];
		kconfig_defaults(&cfg);
		if (!kconfig_load(&cfg, check, err, sizeof err)) {
			fprintf(stderr, "jaring-kiosk: %s\n", err);
			return 1;
		}
		printf("%s: ok\n", check);
		return 0;
	}
	if (first_frame != NULL)
		return kbench_first_frame(first_frame);
	if (bench)
		return kbench_run(out ? out : "bench-kiosk");
	if (script != NULL) {
		if (out == NULL)
			return usage();
		return kscript_run(script, out);
	}
	return run(config);
}
