#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

bool kstrlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n == 0)
		return false;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return false;
	}
	memcpy(dst, src, len + 1);
	return true;
}

bool kstrlcat(char *dst, const char *src, size_t n)
{
	size_t have = strnlen(dst, n);

	if (have >= n)
		return false;
	return kstrlcpy(dst + have, src, n - have);
}

bool kfmt(char *out, size_t n, const char *tmpl, const char *a1,
	const char *a2, const char *a3)
{
	const char *args[3] = { a1, a2, a3 };
	size_t o = 0;
	bool ok = true;

	if (n == 0)
		return false;
	for (const char *p = tmpl; *p != '\0'; p++) {
		const char *piece = NULL;
		size_t plen;

		if (p[0] == '{' && p[1] >= '1' && p[1] <= '3' && p[2] == '}') {
			piece = args[p[1] - '1'] ? args[p[1] - '1'] : "";
			p += 2;
		}
		plen = piece ? strlen(piece) : 1;
		if (o + plen >= n) {
			ok = false;
			break;
		}
		memcpy(out + o, piece ? piece : p, plen);
		o += plen;
	}
	out[o] = '\0';
	return ok;
}

bool kpath(char *out, size_t n, const char *dir, const char *file)
{
	int r = snprintf(out, n, "%s/%s", dir, file);

	return r >= 0 && (size_t)r < n;
}

bool kmkdirs(const char *path)
{
	char tmp[1024];
	size_t len;

	if (!kstrlcpy(tmp, path, sizeof tmp))
		return false;
	len = strlen(tmp);
	for (size_t i = 1; i <= len; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		char c = tmp[i];
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return false;
		tmp[i] = c;
	}
	return true;
}

void kthousands(uint64_t v, char sep, char *out, size_t n)
{
	char digits[32], tmp[48];
	size_t nd, o = 0;

	snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
	nd = strlen(digits);
	for (size_t i = 0; i < nd; i++) {
		if (i > 0 && (nd - i) % 3 == 0)
			tmp[o++] = sep;
		tmp[o++] = digits[i];
	}
	tmp[o] = '\0';
	kstrlcpy(out, tmp, n);
}

size_t kutf8_len(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

void kutf8_pop(char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		unsigned char c = (unsigned char)s[--len];
		s[len] = '\0';
		if ((c & 0xC0) != 0x80)
			break;
	}
}

uint8_t *kmemmem(const uint8_t *p, size_t len, const char *pat, size_t n)
{
	if (n == 0 || n > len)
		return NULL;
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, pat, n) == 0)
			return (uint8_t *)(uintptr_t)(p + i);
	return NULL;
}
