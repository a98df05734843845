#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"
#include "util.h"

static FILE *log_f;
static char log_path[1024];
static size_t log_max;

void klog_open(const char *path, size_t max_bytes)
{
	klog_close();
	if (!kstrlcpy(log_path, path, sizeof log_path))
		return;
	log_max = max_bytes;
	log_f = fopen(log_path, "a");
}

void klog_close(void)
{
	/* Every line was flushed when written; a log has no one to tell. */
	if (log_f != NULL)
		(void)fclose(log_f);
	log_f = NULL;
}

static void rotate_if_full(void)
{
	char old[1100];
	long pos = ftell(log_f);

	if (pos < 0 || (size_t)pos < log_max)
		return;
	(void)fclose(log_f); /* flushed after the last line (klog) */
	log_f = NULL;
	/* If the rename fails, "w" below starts the log over: it stays
	 * bounded, which is what rotation is for. */
	if (snprintf(old, sizeof old, "%s.1", log_path) < (int)sizeof old)
		(void)rename(log_path, old);
	log_f = fopen(log_path, "w");
}

static void vklog(bool console, const char *fmt, va_list ap)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list copy;

	if (console) {
		va_copy(copy, ap);
		fputs("jaring-kiosk: ", stderr);
		vfprintf(stderr, fmt, copy);
		fputc('\n', stderr);
		(void)fflush(stderr);
		va_end(copy);
	}
	if (log_f == NULL)
		return;
	gmtime_r(&t, &tm);
	if (strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		kstrlcpy(stamp, "?", sizeof stamp); /* 0: stamp's contents are undefined */
	fprintf(log_f, "%s ", stamp);
	vfprintf(log_f, fmt, ap);
	fputc('\n', log_f);
	(void)fflush(log_f); /* a log that cannot be written has no one to tell */
	rotate_if_full();
}

void klog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(false, fmt, ap);
	va_end(ap);
}

void klog_console(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vklog(true, fmt, ap);
	va_end(ap);
}
