/*
 * codec.c — Base45 (RFC 9285) and Crockford base32.
 *
 * Both decoders are strict and fail closed: a receipt scanned from a QR code
 * or typed from a faded print either decodes to exactly the bytes that were
 * encoded or is refused, never "repaired" into something else. The only
 * leniency is the one Crockford's scheme defines for people typing codes:
 * case, the look-alikes I/L/O, and '-' or ' ' as separators. The check
 * symbol is Damm's over GF(2^5), as codec.h defines it.
 */
#include <string.h>

#include "jaring/codec.h"

static const char b45_alphabet[45] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/* Value of a Base45 character, or -1 if it is not one. Lowercase letters are
 * not Base45: the QR alphanumeric set has no lowercase, so a lowercase letter
 * means the text did not come from our encoder. */
static int b45_value(unsigned char c)
{
	const char *hit;

	if (c == '\0')
		return -1;
	hit = memchr(b45_alphabet, c, sizeof b45_alphabet);
	return hit == NULL ? -1 : (int)(hit - b45_alphabet);
}

/* No overflow for any n that can be the size of an object: n <= PTRDIFF_MAX
 * gives at most 3/4 of SIZE_MAX. */
size_t jr_base45_len(size_t n)
{
	return n / 2 * 3 + (n % 2) * 2;
}

void jr_base45_encode(const uint8_t *p, size_t n, char *out)
{
	size_t i;
	size_t o = 0;

	for (i = 0; i + 1 < n; i += 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];
		out[o++] = b45_alphabet[v % 45];
		out[o++] = b45_alphabet[v / 45 % 45];
		out[o++] = b45_alphabet[v / (45 * 45)];
	}
	if (i < n) {
		out[o++] = b45_alphabet[p[i] % 45];
		out[o++] = b45_alphabet[p[i] / 45];
	}
	out[o] = '\0';
}

/* Value of the group s[0..k) (k is 2 or 3, least significant digit first),
 * or -1 if a character is not Base45. */
static long b45_group(const char *s, size_t k)
{
	long v = 0;
	size_t j;

	for (j = k; j-- > 0;) {
		int d = b45_value((unsigned char)s[j]);
		if (d < 0)
			return -1;
		v = v * 45 + d;
	}
	return v;
}

/* Decodes s into out, which the caller has sized for the exact output. */
static int b45_decode_groups(const char *s, size_t slen, uint8_t *out)
{
	size_t i;
	size_t o = 0;

	for (i = 0; i + 3 <= slen; i += 3) {
		long v = b45_group(s + i, 3);
		if (v < 0 || v > 0xffff)
			return JR_EFORMAT;
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)(v & 0xff);
	}
	if (i < slen) {
		long v = b45_group(s + i, 2);
		if (v < 0 || v > 0xff)
			return JR_EFORMAT;
		out[o] = (uint8_t)v;
	}
	return JR_OK;
}

int jr_base45_decode(const char *s, size_t slen, uint8_t *out, size_t outmax,
	size_t *outlen)
{
	size_t need;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (out != NULL && outmax > 0)
		memset(out, 0, outmax);
	if (outlen == NULL || (s == NULL && slen > 0) ||
	    (out == NULL && outmax > 0))
		return JR_EINVAL;
	/* RFC 9285 §4: the text is groups of three characters with at most one
	 * final group of two; a single leftover character is never valid. */
	if (slen % 3 == 1)
		return JR_EFORMAT;
	need = slen / 3 * 2 + (slen % 3 == 2 ? 1 : 0);
	if (need > outmax)
		return JR_ETOOBIG;
	if (need == 0)
		return JR_OK;
	rc = b45_decode_groups(s, slen, out);
	if (rc != JR_OK) {
		memset(out, 0, outmax);
		return rc;
	}
	*outlen = need;
	return JR_OK;
}

static const char crock_alphabet[32] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CROCK_MAX_SYMBOLS 12

/* Encodes nothing (an empty string) when bits is not a multiple of 5 up to
 * 60: a short or garbled code on a receipt is worse than an obviously
 * missing one, and the callers pass constants. */
void jr_crockford_encode(uint64_t v, unsigned bits, char *out)
{
	unsigned n;
	unsigned i;

	if (bits % 5 != 0 || bits > 5 * CROCK_MAX_SYMBOLS) {
		out[0] = '\0';
		return;
	}
	n = bits / 5;
	for (i = 0; i < n; i++)
		out[i] = crock_alphabet[(v >> (5 * (n - 1 - i))) & 31];
	out[n] = '\0';
}

/* Multiplication by 2 (the element x) in GF(2^5) mod x^5 + x^2 + 1. */
static unsigned gf32_double(unsigned x)
{
	x = (x & 31u) << 1;
	return (x & 32u) != 0 ? (x ^ 0x25u) : x;
}

unsigned jr_damm32(unsigned x, unsigned y)
{
	return gf32_double(x) ^ (y & 31u);
}

unsigned jr_damm32_interim(uint64_t v)
{
	unsigned interim = 0;
	int shift;

	for (shift = 60; shift >= 0; shift -= 5)
		interim = jr_damm32(interim, (unsigned)(v >> shift) & 31u);
	return interim;
}

char jr_crockford_check(uint64_t v)
{
	/* 2 * i o (2 * i) = 0 in characteristic 2. */
	return crock_alphabet[gf32_double(jr_damm32_interim(v))];
}

/* Value of a typed symbol, -1 for a separator to skip, -2 for anything
 * else (U included: it is not a symbol). */
static int crock_value(unsigned char c)
{
	const char *hit;

	if (c == '-' || c == ' ')
		return -1;
	if (c >= 'a' && c <= 'z')
		c = (unsigned char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L')
		return 1;
	if (c == 'O')
		return 0;
	if (c == '\0')
		return -2;
	hit = memchr(crock_alphabet, c, sizeof crock_alphabet);
	return hit == NULL ? -2 : (int)(hit - crock_alphabet);
}

/* Fails with JR_EFORMAT on a character that is not a symbol or separator
 * and on input with no symbols at all; with JR_ETOOBIG on more than 12
 * symbols (60 bits). On failure *v and *nsym are 0. */
int jr_crockford_decode(const char *s, size_t slen, uint64_t *v,
	unsigned *nsym)
{
	uint64_t acc = 0;
	unsigned n = 0;
	size_t i;

	if (v != NULL)
		*v = 0;
	if (nsym != NULL)
		*nsym = 0;
	if (v == NULL || nsym == NULL || (s == NULL && slen > 0))
		return JR_EINVAL;
	for (i = 0; i < slen; i++) {
		int d = crock_value((unsigned char)s[i]);
		if (d == -1)
			continue;
		if (d < 0)
			return JR_EFORMAT;
		if (n == CROCK_MAX_SYMBOLS)
			return JR_ETOOBIG;
		acc = acc << 5 | (uint64_t)d;
		n++;
	}
	if (n == 0)
		return JR_EFORMAT;
	*v = acc;
	*nsym = n;
	return JR_OK;
}
