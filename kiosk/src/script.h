/*
 * script.h — the scripted-session driver (docs/kiosk.md "Session scripts").
 *
 * A script is plain text, one command per line. The driver starts the real
 * application with a virtual clock in a fresh directory, then pushes real
 * SDL events (SDL_PushEvent: mouse buttons, fingers, text input, keys)
 * into the same event loop a finger uses, and asserts on the text the
 * screens drew and on the shard. Every screen is saved as a PNG.
 */
#ifndef KIOSK_SCRIPT_H
#define KIOSK_SCRIPT_H

#include <stddef.h>

#define KSCRIPT_RSS_MAX 8

/* Measurements a benchmark reads from a session (bench.c). */
struct kscript_stats {
	double submit_ms[1024];      /* submit-to-receipt-on-screen */
	size_t n_submit;
	double max_frame_ms;         /* slowest frame of the session, wall clock */
	double max_frame_cpu_ms;     /* slowest frame of the session, CPU time */
	double frame_p50_ms, frame_p99_ms; /* CPU time */
	unsigned long frames;
	unsigned rss_label[KSCRIPT_RSS_MAX];
	long rss_kb[KSCRIPT_RSS_MAX]; /* VmHWM at `bench-rss N` */
	int n_rss;
	unsigned screenshots;
};

/* Runs the script at path with out_dir as its working directory (wiped
 * first). Returns 0 when every assertion held, 1 otherwise. With stats
 * (may be NULL) the session's measurements are copied out, and the
 * automatic per-screen screenshots are skipped (they are not what a kiosk
 * does and would dominate the timings). */
int kscript_run(const char *path, const char *out_dir);
int kscript_run_stats(const char *path, const char *out_dir,
	struct kscript_stats *stats);

#endif
