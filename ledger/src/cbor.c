/*
 * Deterministic CBOR (see jaring/cbor.h for the contract).
 *
 * Heads are written and read here, one at a time, with no allocation
 * (RFC 8949 §3: a major type and an argument, in the initial byte below 24,
 * else in the 1, 2, 4 or 8 bytes after it). The writer always writes the
 * shortest head (cbw_head); the reader (jr_cbor_read_head) checks that the
 * head it read is the shortest one for its argument, which rejects every
 * longer form. Indefinite lengths, tags, floats, simple values other than
 * false/true/null and the reserved arguments 28-30 are rejected. Until
 * 2026-12-07 heads were written with libcbor's cbor_encode_* and read with
 * its cbor_stream_decode; test_cbor keeps libcbor as the oracle that both
 * must agree with.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "cbor_int.h"

/* Size of the shortest head that carries argument v. */
static size_t head_size(uint64_t v)
{
	if (v < 24)
		return 1;
	if (v <= UINT8_MAX)
		return 2;
	if (v <= UINT16_MAX)
		return 3;
	if (v <= UINT32_MAX)
		return 5;
	return 9;
}

/*
 * Decodes one head at p (and, for strings, its data). Returns JR_OK only for
 * a head of a type Jaring accepts, in its shortest form, wholly inside len.
 */
int jr_cbor_read_head(const uint8_t *p, size_t len, struct jr_cbor_head *h)
{
	static const enum jr_cbor_head_type of_major[6] = { JR_CH_UINT, JR_CH_NEGINT,
		JR_CH_BYTES, JR_CH_TEXT, JR_CH_ARRAY, JR_CH_MAP };
	unsigned major, ai;
	uint64_t v = 0;
	size_t n, i;
	bool str;

	memset(h, 0, sizeof *h);
	if (len == 0)
		return JR_EFORMAT;
	major = p[0] >> 5;
	ai = p[0] & 0x1fu;
	if (major == 7) { /* simple values: false, true and null only */
		if (ai < 20 || ai > 22)
			return JR_EFORMAT;
		h->type = ai == 22 ? JR_CH_NULL : JR_CH_BOOL;
		h->flag = ai == 21;
		h->read = 1;
		return JR_OK;
	}
	if (major == 6 || ai > 27) /* tags; reserved and indefinite lengths */
		return JR_EFORMAT;
	n = ai < 24 ? 1 : 1 + ((size_t)1 << (ai - 24));
	if (n > len)
		return JR_EFORMAT;
	if (ai < 24)
		v = ai;
	for (i = 1; i < n; i++)
		v = v << 8 | p[i];
	str = major == 2 || major == 3; /* the string's bytes follow its head */
	if (n != head_size(v) || (str && v > len - n))
		return JR_EFORMAT;
	h->type = of_major[major];
	h->value = v;
	h->read = n;
	if (str) {
		h->data = p + n;
		h->read = n + (size_t)v;
	}
	return JR_OK;
}

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, at most U+10FFFF. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		uint32_t cp;
		size_t k, extra;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			extra = 1;
			cp = c & 0x1fu;
		} else if (c >= 0xe0 && c <= 0xef) {
			extra = 2;
			cp = c & 0x0fu;
		} else if (c >= 0xf0 && c <= 0xf4) {
			extra = 3;
			cp = c & 0x07u;
		} else {
			return false;
		}
		if (n - i <= extra)
			return false;
		for (k = 1; k <= extra; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3fu);
		}
		if ((extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return false;
		i += extra + 1;
	}
	return true;
}

/* Bytewise lexicographic order of encodings, shorter first on a tie
 * (RFC 8949 §4.2.1). */
static int key_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

struct checker {
	const uint8_t *p;
	size_t len;
	size_t off;
	struct jr_errbuf *eb;
};

static int check_fail(struct checker *c, const char *why)
{
	return jr_errf(c->eb, JR_EFORMAT,
		"CBOR at byte %zu of %zu: %s (not Jaring's canonical encoding; "
		"the data was altered or written by something else)",
		c->off, c->len, why);
}

static int check_item(struct checker *c, unsigned depth);

static int check_map(struct checker *c, uint64_t n, unsigned depth)
{
	size_t prev_start = 0, prev_len = 0;
	uint64_t i;
	int rc;

	for (i = 0; i < n; i++) {
		size_t kstart = c->off;

		if ((rc = check_item(c, depth + 1)) != JR_OK)
			return rc;
		if (i > 0 && key_cmp(c->p + prev_start, prev_len, c->p + kstart,
			c->off - kstart) >= 0)
			return check_fail(c, "map keys duplicated or not in canonical order");
		prev_start = kstart;
		prev_len = c->off - kstart;
		if ((rc = check_item(c, depth + 1)) != JR_OK)
			return rc;
	}
	return JR_OK;
}

static int check_item(struct checker *c, unsigned depth)
{
	struct jr_cbor_head h;
	uint64_t i;
	int rc;

	if (depth > JR_CBOR_MAX_DEPTH)
		return check_fail(c, "nested too deeply");
	if (jr_cbor_read_head(c->p + c->off, c->len - c->off, &h) != JR_OK)
		return check_fail(c, c->off == c->len ? "input ends early"
			: "truncated, non-shortest, indefinite or unsupported item");
	if (h.type == JR_CH_TEXT && !utf8_valid(h.data, (size_t)h.value))
		return check_fail(c, "text is not valid UTF-8");
	c->off += h.read;
	if (h.type == JR_CH_ARRAY) {
		for (i = 0; i < h.value; i++)
			if ((rc = check_item(c, depth + 1)) != JR_OK)
				return rc;
	} else if (h.type == JR_CH_MAP) {
		return check_map(c, h.value, depth);
	}
	return JR_OK;
}

int jr_cbor_check(const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	struct checker c = { p, len, 0, eb };
	int rc;

	if (p == NULL || len == 0)
		return jr_errf(eb, JR_EFORMAT, "CBOR: empty input");
	if ((rc = check_item(&c, 0)) != JR_OK)
		return rc;
	if (c.off != len)
		return check_fail(&c, "trailing bytes after the item");
	return JR_OK;
}

/* ---- writer ---- */

void jr_cbw_init(struct jr_cbw *w, size_t max)
{
	memset(w, 0, sizeof *w);
	w->max = max;
}

void jr_cbw_init_fixed(struct jr_cbw *w, uint8_t *buf, size_t cap)
{
	memset(w, 0, sizeof *w);
	w->base = buf;
	w->cap = cap;
	w->max = cap;
	w->fixed = true;
	if (buf == NULL)
		w->err = JR_EINVAL;
}

void jr_cbw_free(struct jr_cbw *w)
{
	if (!w->fixed)
		free(w->base);
	memset(w, 0, sizeof *w);
}

static uint8_t *cbw_room(struct jr_cbw *w, size_t n)
{
	size_t cap;
	uint8_t *nb;

	if (w->err != JR_OK)
		return NULL;
	if (n > w->max || w->len > w->max - n) {
		w->err = JR_ETOOBIG;
		return NULL;
	}
	if (w->len + n <= w->cap)
		return w->base + w->len;
	if (w->fixed) {
		w->err = JR_ETOOBIG;
		return NULL;
	}
	cap = w->cap ? w->cap : 64;
	while (cap < w->len + n)
		cap = cap > SIZE_MAX / 2 ? w->len + n : cap * 2;
	if (cap > w->max)
		cap = w->max;
	if ((nb = realloc(w->base, cap)) == NULL) {
		w->err = JR_ENOMEM;
		return NULL;
	}
	w->base = nb;
	w->cap = cap;
	return w->base + w->len;
}

/* The shortest head of major type `major` with argument v (RFC 8949 §3):
 * the argument in the initial byte below 24, else in the 1, 2, 4 or 8
 * bytes after it, big-endian. */
static void cbw_head(struct jr_cbw *w, unsigned major, uint64_t v)
{
	size_t n = head_size(v), i;
	uint8_t *dst = cbw_room(w, n);

	if (dst == NULL)
		return;
	dst[0] = (uint8_t)(major << 5 | (n == 1 ? v : n == 2 ? 24u : n == 3 ? 25u : n == 5 ? 26u :
		27u));
	for (i = 1; i < n; i++)
		dst[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	w->len += n;
}

void jr_cbw_uint(struct jr_cbw *w, uint64_t v)
{
	cbw_head(w, 0, v);
}

void jr_cbw_int(struct jr_cbw *w, int64_t v)
{
	if (v >= 0)
		cbw_head(w, 0, (uint64_t)v);
	else
		cbw_head(w, 1, (uint64_t)(-(v + 1)));
}

void jr_cbw_raw(struct jr_cbw *w, const uint8_t *p, size_t n)
{
	uint8_t *dst;

	if (n == 0)
		return;
	if ((dst = cbw_room(w, n)) == NULL)
		return;
	memcpy(dst, p, n);
	w->len += n;
}

void jr_cbw_bytes(struct jr_cbw *w, const uint8_t *p, size_t n)
{
	cbw_head(w, 2, n);
	jr_cbw_raw(w, p, n);
}

void jr_cbw_text(struct jr_cbw *w, const char *s, size_t n)
{
	if (w->err == JR_OK && !utf8_valid((const uint8_t *)s, n)) {
		w->err = JR_EINVAL;
		return;
	}
	cbw_head(w, 3, n);
	jr_cbw_raw(w, (const uint8_t *)s, n);
}

void jr_cbw_array(struct jr_cbw *w, size_t n)
{
	cbw_head(w, 4, n);
}

void jr_cbw_map(struct jr_cbw *w, size_t n)
{
	cbw_head(w, 5, n);
}

void jr_cbw_bool(struct jr_cbw *w, bool b)
{
	uint8_t *dst = cbw_room(w, 1);

	if (dst != NULL) {
		*dst = b ? 0xf5 : 0xf4;
		w->len++;
	}
}

void jr_cbw_null(struct jr_cbw *w)
{
	uint8_t *dst = cbw_room(w, 1);

	if (dst != NULL) {
		*dst = 0xf6;
		w->len++;
	}
}

int jr_cbw_finish(struct jr_cbw *w, struct jr_buf *out)
{
	int rc = w->err;

	out->base = NULL;
	out->len = 0;
	if (rc == JR_OK && w->len == 0)
		rc = JR_EINVAL;
	if (rc == JR_OK && jr_cbor_check(w->base, w->len, NULL) != JR_OK)
		rc = JR_EINTERNAL; /* a caller wrote keys out of order */
	if (rc != JR_OK) {
		jr_cbw_free(w);
		return rc;
	}
	out->base = w->base;
	out->len = w->len;
	w->base = NULL;
	jr_cbw_free(w);
	return JR_OK;
}

int jr_cbw_finish_fixed(struct jr_cbw *w, size_t *len)
{
	int rc = w->fixed ? w->err : JR_EINVAL;

	*len = 0;
	if (rc == JR_OK && w->len == 0)
		rc = JR_EINVAL;
	if (rc == JR_OK && jr_cbor_check(w->base, w->len, NULL) != JR_OK)
		rc = JR_EINTERNAL;
	if (rc == JR_OK)
		*len = w->len;
	w->err = rc == JR_OK ? w->err : rc;
	return rc;
}

/* ---- reader ---- */

void jr_cbr_init(struct jr_cbr *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
	r->err = p == NULL ? JR_EFORMAT : JR_OK;
}

static int cbr_next(struct jr_cbr *r, enum jr_cbor_head_type want, struct jr_cbor_head *h)
{
	if (r->err != JR_OK)
		return r->err;
	if (jr_cbor_read_head(r->p + r->off, r->len - r->off, h) != JR_OK || h->type != want)
		return r->err = JR_EFORMAT;
	r->off += h->read;
	return JR_OK;
}

enum jr_cbor_type jr_cbr_peek(struct jr_cbr *r)
{
	struct jr_cbor_head h;

	if (r->err != JR_OK || jr_cbor_read_head(r->p + r->off, r->len - r->off, &h) != JR_OK)
		return JR_CBOR_OTHER;
	switch (h.type) {
	case JR_CH_UINT: return JR_CBOR_UINT;
	case JR_CH_NEGINT: return JR_CBOR_NEGINT;
	case JR_CH_BYTES: return JR_CBOR_BYTES;
	case JR_CH_TEXT: return JR_CBOR_TEXT;
	case JR_CH_ARRAY: return JR_CBOR_ARRAY;
	case JR_CH_MAP: return JR_CBOR_MAP;
	case JR_CH_BOOL: return JR_CBOR_BOOL;
	case JR_CH_NULL: return JR_CBOR_NULL;
	default: return JR_CBOR_OTHER;
	}
}

int jr_cbr_uint(struct jr_cbr *r, uint64_t *v)
{
	struct jr_cbor_head h;
	int rc = cbr_next(r, JR_CH_UINT, &h);

	*v = rc == JR_OK ? h.value : 0;
	return rc;
}

int jr_cbr_int(struct jr_cbr *r, int64_t *v)
{
	struct jr_cbor_head h;
	enum jr_cbor_type t = jr_cbr_peek(r);
	int rc;

	*v = 0;
	if (t == JR_CBOR_UINT) {
		if ((rc = cbr_next(r, JR_CH_UINT, &h)) != JR_OK)
			return rc;
		if (h.value > INT64_MAX)
			return r->err = JR_EFORMAT;
		*v = (int64_t)h.value;
		return JR_OK;
	}
	if ((rc = cbr_next(r, JR_CH_NEGINT, &h)) != JR_OK)
		return rc;
	if (h.value > INT64_MAX)
		return r->err = JR_EFORMAT;
	*v = -1 - (int64_t)h.value;
	return JR_OK;
}

int jr_cbr_bytes(struct jr_cbr *r, const uint8_t **p, size_t *n)
{
	struct jr_cbor_head h;
	int rc = cbr_next(r, JR_CH_BYTES, &h);

	*p = rc == JR_OK ? h.data : NULL;
	*n = rc == JR_OK ? (size_t)h.value : 0;
	return rc;
}

int jr_cbr_text(struct jr_cbr *r, const char **s, size_t *n)
{
	struct jr_cbor_head h;
	int rc = cbr_next(r, JR_CH_TEXT, &h);

	if (rc == JR_OK && !utf8_valid(h.data, (size_t)h.value))
		rc = r->err = JR_EFORMAT;
	*s = rc == JR_OK ? (const char *)h.data : NULL;
	*n = rc == JR_OK ? (size_t)h.value : 0;
	return rc;
}

static int cbr_count(struct jr_cbr *r, enum jr_cbor_head_type t, size_t *n)
{
	struct jr_cbor_head h = { 0 }; /* h.value is read below even when cbr_next fails */
	int rc = cbr_next(r, t, &h);
	uint64_t items = t == JR_CH_MAP ? h.value * 2 : h.value;

	/* Each item takes at least one byte. A map count of 2^63 or more
	 * wraps when doubled, to below the count: refused by the first test. */
	if (rc == JR_OK && (items < h.value || items > r->len - r->off))
		rc = r->err = JR_EFORMAT;
	*n = rc == JR_OK ? (size_t)h.value : 0;
	return rc;
}

int jr_cbr_array(struct jr_cbr *r, size_t *n)
{
	return cbr_count(r, JR_CH_ARRAY, n);
}

int jr_cbr_map(struct jr_cbr *r, size_t *n)
{
	return cbr_count(r, JR_CH_MAP, n);
}

int jr_cbr_bool(struct jr_cbr *r, bool *b)
{
	struct jr_cbor_head h;
	int rc = cbr_next(r, JR_CH_BOOL, &h);

	*b = rc == JR_OK && h.flag;
	return rc;
}

int jr_cbr_null(struct jr_cbr *r)
{
	struct jr_cbor_head h;

	return cbr_next(r, JR_CH_NULL, &h);
}

int jr_cbr_key(struct jr_cbr *r, uint64_t want)
{
	uint64_t k;
	int rc = jr_cbr_uint(r, &k);

	if (rc == JR_OK && k != want)
		rc = r->err = JR_EFORMAT;
	return rc;
}

int jr_cbr_key_uint(struct jr_cbr *r, uint64_t key, uint64_t max, uint64_t *v)
{
	*v = 0;
	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_uint(r, v) != JR_OK)
		return r->err;
	if (*v > max) {
		*v = 0;
		return r->err = JR_EFORMAT;
	}
	return JR_OK;
}

int jr_cbr_key_fixed(struct jr_cbr *r, uint64_t key, uint8_t *dst, size_t n)
{
	const uint8_t *p;
	size_t len;

	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_bytes(r, &p, &len) != JR_OK)
		return r->err;
	if (len != n)
		return r->err = JR_EFORMAT;
	memcpy(dst, p, n);
	return JR_OK;
}

int jr_cbr_open_versioned(struct jr_cbr *r, const uint8_t *p, size_t len,
	size_t max, const char *what, uint64_t version, size_t *n,
	struct jr_errbuf *eb)
{
	uint64_t v = 0;
	int rc;

	*n = 0;
	jr_cbr_init(r, p, len);
	if (len > max)
		return r->err = jr_errf(eb, JR_ETOOBIG, "%s: %zu bytes, over the maximum of %zu",
			what, len, max);
	if ((rc = jr_cbor_check(p, len, eb)) != JR_OK)
		return r->err = jr_errf(eb, rc, "%s", what);
	if (jr_cbr_map(r, n) != JR_OK || jr_cbr_key_uint(r, 0, UINT64_MAX, &v) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "%s: not a map starting with a version", what);
	if (v != version)
		return r->err = jr_errf(eb, JR_EVERSION,
			"%s: version %llu is not known to this software (it reads version %llu); "
			"update the software", what, (unsigned long long)v,
			(unsigned long long)version);
	return JR_OK;
}

static int cbr_skip(struct jr_cbr *r, unsigned depth)
{
	struct jr_cbor_head h;
	uint64_t i, n;

	if (r->err != JR_OK)
		return r->err;
	if (depth > JR_CBOR_MAX_DEPTH ||
	    jr_cbor_read_head(r->p + r->off, r->len - r->off, &h) != JR_OK)
		return r->err = JR_EFORMAT;
	r->off += h.read;
	if (h.type != JR_CH_ARRAY && h.type != JR_CH_MAP)
		return JR_OK;
	n = h.type == JR_CH_MAP ? h.value * 2 : h.value;
	if (h.value > r->len - r->off)
		return r->err = JR_EFORMAT;
	for (i = 0; i < n; i++)
		if (cbr_skip(r, depth + 1) != JR_OK)
			return r->err;
	return JR_OK;
}

int jr_cbr_skip(struct jr_cbr *r)
{
	return cbr_skip(r, 0);
}

int jr_cbr_end(struct jr_cbr *r)
{
	if (r->err == JR_OK && r->off != r->len)
		r->err = JR_EFORMAT;
	return r->err;
}
