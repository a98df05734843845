/*
 * log.h — the kiosk's log: counts, heights, ids and error codes only, never
 * personal data (no NIK, name, phone, birth date, address; not even masked).
 * The file is capped: when it passes the configured size it is renamed to
 * kiosk.log.1 (replacing the previous one), so the log never takes more than
 * twice the cap on disk however long the kiosk runs.
 */
#ifndef KIOSK_LOG_H
#define KIOSK_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "jaring/common.h"

void klog_open(const char *path, size_t max_bytes);
void klog_close(void);
/* One line, prefixed with the wall-clock time. Callers pass only
 * non-personal values. */
void klog(const char *fmt, ...) JR_PRINTF(1, 2);
/* The same line also on stderr, "jaring-kiosk: " first: the journal and the
 * appliance's console, where the officer's visits and the test read it. */
void klog_console(const char *fmt, ...) JR_PRINTF(1, 2);

#endif
