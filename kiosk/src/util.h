/*
 * util.h — small string and path helpers of the kiosk. Every one of them
 * bounds its output and says whether it truncated.
 */
#ifndef KIOSK_UTIL_H
#define KIOSK_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies with truncation; always NUL-terminates (n > 0). false if cut. */
bool kstrlcpy(char *dst, const char *src, size_t n);
/* Appends with truncation; false if cut. */
bool kstrlcat(char *dst, const char *src, size_t n);
/* Fills a template: "{1}", "{2}", "{3}" are replaced by a1..a3 (NULL = "").
 * Used instead of printf with translated formats, so a translation can never
 * be a format-string bug. false if cut. */
bool kfmt(char *out, size_t n, const char *tmpl, const char *a1,
	const char *a2, const char *a3);
/* dir + "/" + file; false if it does not fit. */
bool kpath(char *out, size_t n, const char *dir, const char *file);
/* mkdir -p with mode 0700 for new directories. */
bool kmkdirs(const char *path);
/* Decimal of v with thousands separators as in Indonesian ("1.424.102").
 * sep is '.' or ','. */
void kthousands(uint64_t v, char sep, char *out, size_t n);
/* First occurrence of the n bytes of pat in p[0..len), or NULL. */
uint8_t *kmemmem(const uint8_t *p, size_t len, const char *pat, size_t n);
/* Counts UTF-8 code points. */
size_t kutf8_len(const char *s);
/* Removes the last UTF-8 code point in place. */
void kutf8_pop(char *s);

#endif
