#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "jaring/common.h"

#undef jr_errf /* clang-tidy's model of it (common.h); here it is defined */

static const char *const jr_err_names[JR_ERR_COUNT] = {
	[JR_OK] = "ok",
	[JR_EINVAL] = "invalid argument",
	[JR_ENOMEM] = "out of memory",
	[JR_EIO] = "input/output error",
	[JR_EFORMAT] = "malformed or non-canonical encoding",
	[JR_EVERSION] = "unknown format version",
	[JR_ETOOBIG] = "too big",
	[JR_ESIG] = "signature does not verify",
	[JR_ECORRUPT] = "stored data is corrupt",
	[JR_ESTALE] = "state is older than what was already signed",
	[JR_EEXIST] = "already exists",
	[JR_ENOTFOUND] = "not found",
	[JR_EPIN] = "wrong PIN",
	[JR_ERULE] = "record fails the rules",
	[JR_EKEY] = "wrong key",
	[JR_EINTERNAL] = "internal error",
	[JR_EAMBIGUOUS] = "matches more than one",
};

const char *jr_strerror(int err)
{
	if (err < 0 || err >= JR_ERR_COUNT)
		return "unknown error";
	return jr_err_names[err];
}

int jr_errf(struct jr_errbuf *eb, int code, const char *fmt, ...)
{
	char msg[JR_ERRMSG_MAX];
	char old[JR_ERRMSG_MAX];
	va_list ap;

	if (eb == NULL)
		return code;
	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0'; /* an encoding error leaves msg undefined */
	va_end(ap);
	if (eb->code != JR_OK && eb->msg[0] != '\0') {
		memcpy(old, eb->msg, sizeof old);
		/* Truncation is acceptable here: the message is for people and
		 * the outermost context comes first. */
		if (snprintf(eb->msg, sizeof eb->msg, "%s: %s", msg, old) < 0)
			eb->msg[0] = '\0';
	} else {
		memcpy(eb->msg, msg, sizeof eb->msg);
	}
	eb->code = code;
	return code;
}

void jr_errclear(struct jr_errbuf *eb)
{
	if (eb == NULL)
		return;
	eb->code = JR_OK;
	eb->msg[0] = '\0';
}

void jr_buf_free(struct jr_buf *b)
{
	if (b == NULL)
		return;
	free(b->base);
	b->base = NULL;
	b->len = 0;
}

void jr_hash(const uint8_t *p, size_t len, uint8_t out[JR_HASH_BYTES])
{
	crypto_generichash(out, JR_HASH_BYTES, p, len, NULL, 0);
}

bool jr_label_valid(const char *label)
{
	size_t n, i;

	if (label == NULL)
		return false;
	n = strnlen(label, JR_LABEL_MAX + 1);
	if (n == 0 || n > JR_LABEL_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (label[i] <= ' ' || label[i] > '~')
			return false;
	return true;
}

int jr_hash_labelled(const char *label, const struct jr_part *parts,
	size_t n_parts, uint8_t *out, size_t outlen)
{
	static const uint8_t zero = 0;
	crypto_generichash_state st;
	size_t i;

	if (out == NULL)
		return JR_EINVAL;
	if (outlen < crypto_generichash_BYTES_MIN ||
	    outlen > crypto_generichash_BYTES_MAX || !jr_label_valid(label) ||
	    (parts == NULL && n_parts > 0)) {
		memset(out, 0, outlen);
		return JR_EINVAL;
	}
	crypto_generichash_init(&st, NULL, 0, outlen);
	crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
	crypto_generichash_update(&st, &zero, 1);
	for (i = 0; i < n_parts; i++)
		crypto_generichash_update(&st, parts[i].p, parts[i].len);
	crypto_generichash_final(&st, out, outlen);
	sodium_memzero(&st, sizeof st);
	return JR_OK;
}

bool jr_hash_equal(const uint8_t a[JR_HASH_BYTES], const uint8_t b[JR_HASH_BYTES])
{
	uint64_t x, y, d = 0;
	size_t i;

	for (i = 0; i < JR_HASH_BYTES; i += sizeof x) {
		memcpy(&x, a + i, sizeof x);
		memcpy(&y, b + i, sizeof y);
		d |= x ^ y;
	}
	return d == 0;
}

int jr_init(void)
{
	return sodium_init() < 0 ? JR_EINTERNAL : JR_OK;
}

void jr_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}
