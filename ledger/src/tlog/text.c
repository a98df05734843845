/*
 * Text helpers of the transparency log's formats (tlog_int.h). Every
 * decoder here is strict, because the C2SP formats are compared and signed
 * as text: two spellings of one value would be two different notes.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

void jr_b64_encode(const uint8_t *p, size_t n, char *out)
{
	sodium_bin2base64(out, JR_B64_LEN(n) + 1, p, n,
		sodium_base64_VARIANT_ORIGINAL);
}

int jr_b64_decode(const char *s, size_t len, uint8_t *out, size_t max,
	size_t *outlen)
{
	const char *end = NULL;
	size_t n = 0;

	*outlen = 0;
	if (len % 4 != 0)
		return JR_EFORMAT;
	/* libsodium refuses bad characters, bad padding and non-zero trailing
	 * bits; `end` shows whether it stopped early. */
	if (sodium_base642bin(out, max, s, len, NULL, &n, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != s + len) {
		sodium_memzero(out, max);
		return JR_EFORMAT;
	}
	if (JR_B64_LEN(n) != len) {
		sodium_memzero(out, max);
		return JR_EFORMAT;
	}
	*outlen = n;
	return JR_OK;
}

int jr_dec_parse(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (len == 0 || len > 19 || (len > 1 && s[0] == '0'))
		return JR_EFORMAT;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return JR_EFORMAT;
		v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits fit in 64 bits */
	}
	if (v > JR_TLOG_SIZE_MAX)
		return JR_EFORMAT;
	*out = v;
	return JR_OK;
}

/* Length of the UTF-8 sequence at p (1..4) and its code point, or 0 if it
 * is not a shortest-form encoding of a scalar value. */
static size_t utf8_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c = p[0], min;
	size_t k, i;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		k = 2;
		c &= 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		k = 3;
		c &= 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		k = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3fu);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

bool jr_note_text_valid(const uint8_t *p, size_t len)
{
	size_t i = 0, k;
	uint32_t c;

	while (i < len) {
		if ((k = utf8_next(p + i, len - i, &c)) == 0)
			return false;
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return false;
		i += k;
	}
	return true;
}

/* Unicode's White_Space code points (Go's unicode.IsSpace, which is what
 * the reference implementation refuses in key names). */
static bool unicode_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 ||
		c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
		c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

bool jr_note_name_valid(const char *name, size_t len)
{
	const uint8_t *p = (const uint8_t *)name;
	size_t i = 0, k;
	uint32_t c;

	if (name == NULL || len == 0 || len > JR_NOTE_NAME_MAX)
		return false;
	while (i < len) {
		if ((k = utf8_next(p + i, len - i, &c)) == 0)
			return false;
		if (c < 0x20 || c == 0x7f || c == '+' || unicode_space(c))
			return false;
		i += k;
	}
	return true;
}

void jr_tbuf_add(struct jr_tbuf *t, const void *p, size_t n)
{
	uint8_t *nb;
	size_t want;

	if (t->err != JR_OK || n == 0)
		return;
	if (n > t->cap || t->b.len > t->cap - n) {
		t->err = JR_ETOOBIG;
		return;
	}
	want = t->b.len + n;
	/* grow in steps of 1 KiB: notes are small and built once */
	if ((nb = realloc(t->b.base, (want + 1023) & ~(size_t)1023)) == NULL) {
		t->err = JR_ENOMEM;
		return;
	}
	t->b.base = nb;
	memcpy(nb + t->b.len, p, n);
	t->b.len = want;
}

void jr_tbuf_str(struct jr_tbuf *t, const char *s)
{
	jr_tbuf_add(t, s, strlen(s));
}

void jr_tbuf_u64(struct jr_tbuf *t, uint64_t v)
{
	char d[20];
	size_t i = sizeof d;

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	jr_tbuf_add(t, d + i, sizeof d - i);
}

void jr_tbuf_b64(struct jr_tbuf *t, const uint8_t *p, size_t n)
{
	char *s;

	if (t->err != JR_OK)
		return;
	if (n > t->cap || (s = malloc(JR_B64_LEN(n) + 1)) == NULL) {
		t->err = n > t->cap ? JR_ETOOBIG : JR_ENOMEM;
		return;
	}
	jr_b64_encode(p, n, s);
	jr_tbuf_add(t, s, JR_B64_LEN(n));
	free(s);
}

int jr_tbuf_finish(struct jr_tbuf *t, struct jr_buf *out)
{
	int rc = t->err;

	out->base = NULL;
	out->len = 0;
	if (rc != JR_OK) {
		jr_buf_free(&t->b);
		return rc;
	}
	*out = t->b;
	t->b.base = NULL;
	t->b.len = 0;
	return JR_OK;
}
