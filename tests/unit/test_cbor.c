/* Deterministic CBOR: RFC 8949 Appendix A vectors for every form the writer
 * emits, every strictness rejection of jr_cbor_check(), and the reader's
 * and writer's failure modes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>

#include "testutil.h"
#include "jaring/cbor.h"
#include "cbor_int.h"

#define HEXMAX 4096

static size_t unhex(const char *hex, uint8_t *out)
{
	return jr_test_unhex(hex, out, HEXMAX);
}

static void expect_check_ok(const char *hex)
{
	uint8_t b[HEXMAX];
	size_t n = unhex(hex, b);
	struct jr_errbuf eb = { 0 };

	if (jr_cbor_check(b, n, &eb) != JR_OK)
		fail_msg("jr_cbor_check rejected %s: %s", hex, eb.msg);
}

static void expect_check_rejects_bytes(const uint8_t *b, size_t n,
	const char *what)
{
	struct jr_errbuf eb = { 0 };
	int rc = jr_cbor_check(b, n, &eb);

	if (rc != JR_EFORMAT)
		fail_msg("jr_cbor_check returned %d (%s) for %s, want JR_EFORMAT",
			rc, jr_strerror(rc), what);
	assert_int_equal(eb.code, JR_EFORMAT);
	assert_true(eb.msg[0] != '\0');
}

static void expect_check_rejects(const char *hex)
{
	uint8_t b[HEXMAX];
	size_t n = unhex(hex, b);

	expect_check_rejects_bytes(b, n, hex);
}

static void expect_all_rejected(const char *const *hex, size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_check_rejects(hex[i]);
}

#define REJECT_ALL(list) expect_all_rejected(list, sizeof(list) / sizeof((list)[0]))

/* Finishes w and requires exactly the bytes of hex, which the checker must
 * accept too. */
static void expect_written(struct jr_cbw *w, const char *hex)
{
	uint8_t want[HEXMAX];
	size_t n = unhex(hex, want);
	struct jr_buf out = { 0 };

	assert_int_equal(jr_cbw_finish(w, &out), JR_OK);
	assert_int_equal(out.len, n);
	assert_memory_equal(out.base, want, n);
	assert_int_equal(jr_cbor_check(want, n, NULL), JR_OK);
	jr_buf_free(&out);
}

/* Fails closed: the code is want and the output is empty. */
static void expect_finish_fails(struct jr_cbw *w, int want)
{
	uint8_t sentinel;
	struct jr_buf out = { &sentinel, 99 };

	assert_int_equal(jr_cbw_finish(w, &out), want);
	assert_null(out.base);
	assert_int_equal(out.len, 0);
	assert_null(w->base);
}

/* Reader over a vector; the caller reads, then calls reader_done. */
struct vec {
	uint8_t b[HEXMAX];
	size_t n;
	struct jr_cbr r;
};

static void vec_open(struct vec *v, const char *hex)
{
	v->n = unhex(hex, v->b);
	assert_int_equal(jr_cbor_check(v->b, v->n, NULL), JR_OK);
	jr_cbr_init(&v->r, v->b, v->n);
}

static void vec_done(struct vec *v)
{
	assert_int_equal(jr_cbr_end(&v->r), JR_OK);
	assert_int_equal(v->r.err, JR_OK);
}

static void read_expect_uint(struct jr_cbr *r, uint64_t want)
{
	uint64_t v = 0;

	assert_int_equal(jr_cbr_peek(r), JR_CBOR_UINT);
	assert_int_equal(jr_cbr_uint(r, &v), JR_OK);
	assert_int_equal(v, want);
}

static void read_expect_text(struct jr_cbr *r, const char *want)
{
	const char *s = NULL;
	size_t n = 0;

	assert_int_equal(jr_cbr_peek(r), JR_CBOR_TEXT);
	assert_int_equal(jr_cbr_text(r, &s, &n), JR_OK);
	assert_int_equal(n, strlen(want));
	assert_memory_equal(s, want, n);
}

static void read_expect_head(struct jr_cbr *r, enum jr_cbor_type t, size_t want)
{
	size_t n = 99;

	assert_int_equal(jr_cbr_peek(r), t);
	if (t == JR_CBOR_ARRAY)
		assert_int_equal(jr_cbr_array(r, &n), JR_OK);
	else
		assert_int_equal(jr_cbr_map(r, &n), JR_OK);
	assert_int_equal(n, want);
}

/* Reads one checked item with jr_cbr_* and writes it again with jr_cbw_*.
 * Canonical input must come out byte for byte the same. */
static int copy_item(struct jr_cbr *r, struct jr_cbw *w, unsigned depth)
{
	uint64_t u;
	int64_t i;
	const uint8_t *p;
	const char *s;
	size_t n, k;
	bool b;

	if (depth > JR_CBOR_MAX_DEPTH)
		return JR_EFORMAT;
	switch (jr_cbr_peek(r)) {
	case JR_CBOR_UINT:
		if (jr_cbr_uint(r, &u) == JR_OK)
			jr_cbw_uint(w, u);
		break;
	case JR_CBOR_NEGINT:
		if (jr_cbr_int(r, &i) == JR_OK)
			jr_cbw_int(w, i);
		break;
	case JR_CBOR_BYTES:
		if (jr_cbr_bytes(r, &p, &n) == JR_OK)
			jr_cbw_bytes(w, p, n);
		break;
	case JR_CBOR_TEXT:
		if (jr_cbr_text(r, &s, &n) == JR_OK)
			jr_cbw_text(w, s, n);
		break;
	case JR_CBOR_ARRAY:
	case JR_CBOR_MAP:
		if (jr_cbr_peek(r) == JR_CBOR_ARRAY) {
			if (jr_cbr_array(r, &n) != JR_OK)
				break;
			jr_cbw_array(w, n);
		} else {
			if (jr_cbr_map(r, &n) != JR_OK)
				break;
			jr_cbw_map(w, n);
			n *= 2;
		}
		for (k = 0; k < n && r->err == JR_OK; k++)
			if (copy_item(r, w, depth + 1) != JR_OK)
				return JR_EFORMAT;
		break;
	case JR_CBOR_BOOL:
		if (jr_cbr_bool(r, &b) == JR_OK)
			jr_cbw_bool(w, b);
		break;
	case JR_CBOR_NULL:
		if (jr_cbr_null(r) == JR_OK)
			jr_cbw_null(w);
		break;
	default:
		return JR_EFORMAT;
	}
	return r->err;
}

static void expect_round_trip(const char *hex)
{
	struct vec v;
	struct jr_cbw w;

	vec_open(&v, hex);
	jr_cbw_init(&w, HEXMAX);
	assert_int_equal(copy_item(&v.r, &w, 0), JR_OK);
	vec_done(&v);
	expect_written(&w, hex);
}

/* ---- (a) RFC 8949 Appendix A ------------------------------------------ */

struct uint_vec { uint64_t v; const char *hex; };
struct int_vec { int64_t v; const char *hex; };

static const struct uint_vec appendix_uints[] = {
	{ 0, "00" }, { 1, "01" }, { 10, "0a" }, { 23, "17" }, { 24, "1818" },
	{ 25, "1819" }, { 100, "1864" }, { 1000, "1903e8" },
	{ 1000000, "1a000f4240" }, { 1000000000000, "1b000000e8d4a51000" },
	{ UINT64_MAX, "1bffffffffffffffff" },
	/* Not in the appendix: both sides of every head-width boundary. */
	{ 255, "18ff" }, { 256, "190100" }, { 65535, "19ffff" },
	{ 65536, "1a00010000" }, { 4294967295, "1affffffff" },
	{ 4294967296, "1b0000000100000000" },
};

static const struct int_vec appendix_negints[] = {
	{ -1, "20" }, { -10, "29" }, { -100, "3863" }, { -1000, "3903e7" },
	{ INT64_MIN, "3b7fffffffffffffff" },
	{ -24, "37" }, { -25, "3818" }, { -256, "38ff" }, { -257, "390100" },
	{ -65537, "3a00010000" }, { -4294967297, "3b0000000100000000" },
};

static void writer_emits_appendix_a_unsigned_integers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_uints / sizeof appendix_uints[0]; i++) {
		struct jr_cbw w;

		jr_cbw_init(&w, 64);
		jr_cbw_uint(&w, appendix_uints[i].v);
		expect_written(&w, appendix_uints[i].hex);
		if (appendix_uints[i].v <= INT64_MAX) {
			jr_cbw_init(&w, 64);
			jr_cbw_int(&w, (int64_t)appendix_uints[i].v);
			expect_written(&w, appendix_uints[i].hex);
		}
	}
}

static void reader_reads_appendix_a_unsigned_integers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_uints / sizeof appendix_uints[0]; i++) {
		struct vec v;
		int64_t s = 0;

		vec_open(&v, appendix_uints[i].hex);
		read_expect_uint(&v.r, appendix_uints[i].v);
		vec_done(&v);
		jr_cbr_init(&v.r, v.b, v.n);
		if (appendix_uints[i].v <= INT64_MAX) {
			assert_int_equal(jr_cbr_int(&v.r, &s), JR_OK);
			assert_int_equal((uint64_t)s, appendix_uints[i].v);
			vec_done(&v);
		} else {
			assert_int_not_equal(jr_cbr_int(&v.r, &s), JR_OK);
			assert_int_equal(s, 0);
		}
	}
}

static void writer_emits_appendix_a_negative_integers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_negints / sizeof appendix_negints[0]; i++) {
		struct jr_cbw w;

		jr_cbw_init(&w, 64);
		jr_cbw_int(&w, appendix_negints[i].v);
		expect_written(&w, appendix_negints[i].hex);
	}
}

static void reader_reads_appendix_a_negative_integers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_negints / sizeof appendix_negints[0]; i++) {
		struct vec v;
		int64_t s = 0;

		vec_open(&v, appendix_negints[i].hex);
		assert_int_equal(jr_cbr_peek(&v.r), JR_CBOR_NEGINT);
		assert_int_equal(jr_cbr_int(&v.r, &s), JR_OK);
		assert_true(s == appendix_negints[i].v);
		vec_done(&v);
	}
}

static void reader_refuses_integers_that_int64_cannot_hold(void **state)
{
	static const char *const too_big[] = {
		"1b8000000000000000",  /* 2^63 */
		"1bffffffffffffffff",
		"3b8000000000000000",  /* -2^63 - 1 */
		"3bffffffffffffffff",  /* -2^64, canonical CBOR all the same */
	};

	(void)state;
	for (size_t i = 0; i < sizeof too_big / sizeof too_big[0]; i++) {
		struct vec v;
		int64_t s = 7;

		vec_open(&v, too_big[i]);
		assert_int_equal(jr_cbr_int(&v.r, &s), JR_EFORMAT);
		assert_int_equal(s, 0);
		assert_int_equal(v.r.err, JR_EFORMAT);
	}
}

struct str_vec { const char *s; size_t n; const char *hex; };

static const struct str_vec appendix_texts[] = {
	{ "", 0, "60" }, { "a", 1, "6161" }, { "IETF", 4, "6449455446" },
	{ "\"\\", 2, "62225c" }, { "\xc3\xbc", 2, "62c3bc" },
	{ "\xe6\xb0\xb4", 3, "63e6b0b4" }, { "\xf0\x90\x85\x91", 4, "64f0908591" },
};

static const struct str_vec appendix_bytes[] = {
	{ "", 0, "40" }, { "\x01\x02\x03\x04", 4, "4401020304" },
};

static void writer_emits_appendix_a_byte_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_bytes / sizeof appendix_bytes[0]; i++) {
		struct jr_cbw w;

		jr_cbw_init(&w, 64);
		jr_cbw_bytes(&w, (const uint8_t *)appendix_bytes[i].s, appendix_bytes[i].n);
		expect_written(&w, appendix_bytes[i].hex);
	}
}

static void reader_reads_appendix_a_byte_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_bytes / sizeof appendix_bytes[0]; i++) {
		struct vec v;
		const uint8_t *p = NULL;
		size_t n = 99;

		vec_open(&v, appendix_bytes[i].hex);
		assert_int_equal(jr_cbr_peek(&v.r), JR_CBOR_BYTES);
		assert_int_equal(jr_cbr_bytes(&v.r, &p, &n), JR_OK);
		assert_int_equal(n, appendix_bytes[i].n);
		assert_memory_equal(p, appendix_bytes[i].s, n);
		assert_ptr_equal(p, v.b + 1);   /* points into the input */
		vec_done(&v);
	}
}

static void writer_emits_appendix_a_text_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_texts / sizeof appendix_texts[0]; i++) {
		struct jr_cbw w;

		jr_cbw_init(&w, 64);
		jr_cbw_text(&w, appendix_texts[i].s, appendix_texts[i].n);
		expect_written(&w, appendix_texts[i].hex);
	}
}

static void reader_reads_appendix_a_text_strings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof appendix_texts / sizeof appendix_texts[0]; i++) {
		struct vec v;

		vec_open(&v, appendix_texts[i].hex);
		read_expect_text(&v.r, appendix_texts[i].s);
		vec_done(&v);
	}
}

static void writer_emits_string_heads_at_every_width(void **state)
{
	static const struct { size_t n; const char *head; } cases[] = {
		{ 23, "57" }, { 24, "5818" }, { 255, "58ff" }, { 256, "590100" },
		{ 65535, "59ffff" }, { 65536, "5a00010000" },
	};
	uint8_t *data = malloc(65536);

	(void)state;
	assert_non_null(data);
	jr_test_fill(data, 65536, 3);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct jr_cbw w;
		struct jr_buf out = { 0 };
		uint8_t head[8];
		size_t hn = jr_test_unhex(cases[i].head, head, sizeof head);
		struct jr_cbr r;
		const uint8_t *p;
		size_t n;

		jr_cbw_init(&w, 70000);
		jr_cbw_bytes(&w, data, cases[i].n);
		assert_int_equal(jr_cbw_finish(&w, &out), JR_OK);
		assert_int_equal(out.len, hn + cases[i].n);
		assert_memory_equal(out.base, head, hn);
		assert_memory_equal(out.base + hn, data, cases[i].n);
		assert_int_equal(jr_cbor_check(out.base, out.len, NULL), JR_OK);
		jr_cbr_init(&r, out.base, out.len);
		assert_int_equal(jr_cbr_bytes(&r, &p, &n), JR_OK);
		assert_int_equal(n, cases[i].n);
		assert_int_equal(jr_cbr_end(&r), JR_OK);
		jr_buf_free(&out);
	}
	free(data);
}

static void writer_emits_appendix_a_arrays(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 0);
	expect_written(&w, "80");

	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 3);
	for (uint64_t i = 1; i <= 3; i++)
		jr_cbw_uint(&w, i);
	expect_written(&w, "83010203");

	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 3);
	jr_cbw_uint(&w, 1);
	jr_cbw_array(&w, 2);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 3);
	jr_cbw_array(&w, 2);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, 5);
	expect_written(&w, "8301820203820405");

	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 25);
	for (uint64_t i = 1; i <= 25; i++)
		jr_cbw_uint(&w, i);
	expect_written(&w, "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
}

static void reader_reads_appendix_a_arrays(void **state)
{
	struct vec v;

	(void)state;
	vec_open(&v, "80");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 0);
	vec_done(&v);

	vec_open(&v, "83010203");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 3);
	for (uint64_t i = 1; i <= 3; i++)
		read_expect_uint(&v.r, i);
	vec_done(&v);

	vec_open(&v, "8301820203820405");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 3);
	read_expect_uint(&v.r, 1);
	read_expect_head(&v.r, JR_CBOR_ARRAY, 2);
	read_expect_uint(&v.r, 2);
	read_expect_uint(&v.r, 3);
	read_expect_head(&v.r, JR_CBOR_ARRAY, 2);
	read_expect_uint(&v.r, 4);
	read_expect_uint(&v.r, 5);
	vec_done(&v);

	vec_open(&v, "98190102030405060708090a0b0c0d0e0f101112131415161718181819");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 25);
	for (uint64_t i = 1; i <= 25; i++)
		read_expect_uint(&v.r, i);
	vec_done(&v);
}

static void writer_emits_appendix_a_maps(void **state)
{
	struct jr_cbw w;
	static const char *const ab[] = { "a", "b", "c", "d", "e" };
	static const char *const up[] = { "A", "B", "C", "D", "E" };

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 0);
	expect_written(&w, "a0");

	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, 4);
	expect_written(&w, "a201020304");

	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_text(&w, "a", 1);
	jr_cbw_uint(&w, 1);
	jr_cbw_text(&w, "b", 1);
	jr_cbw_array(&w, 2);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 3);
	expect_written(&w, "a26161016162820203");

	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 2);
	jr_cbw_text(&w, "a", 1);
	jr_cbw_map(&w, 1);
	jr_cbw_text(&w, "b", 1);
	jr_cbw_text(&w, "c", 1);
	expect_written(&w, "826161a161626163");

	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 5);
	for (size_t i = 0; i < 5; i++) {
		jr_cbw_text(&w, ab[i], 1);
		jr_cbw_text(&w, up[i], 1);
	}
	expect_written(&w, "a56161614161626142616361436164614461656145");
}

static void reader_reads_appendix_a_maps(void **state)
{
	struct vec v;

	(void)state;
	vec_open(&v, "a0");
	read_expect_head(&v.r, JR_CBOR_MAP, 0);
	vec_done(&v);

	vec_open(&v, "a201020304");
	read_expect_head(&v.r, JR_CBOR_MAP, 2);
	assert_int_equal(jr_cbr_key(&v.r, 1), JR_OK);
	read_expect_uint(&v.r, 2);
	assert_int_equal(jr_cbr_key(&v.r, 3), JR_OK);
	read_expect_uint(&v.r, 4);
	vec_done(&v);

	vec_open(&v, "a26161016162820203");
	read_expect_head(&v.r, JR_CBOR_MAP, 2);
	read_expect_text(&v.r, "a");
	read_expect_uint(&v.r, 1);
	read_expect_text(&v.r, "b");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 2);
	read_expect_uint(&v.r, 2);
	read_expect_uint(&v.r, 3);
	vec_done(&v);

	vec_open(&v, "826161a161626163");
	read_expect_head(&v.r, JR_CBOR_ARRAY, 2);
	read_expect_text(&v.r, "a");
	read_expect_head(&v.r, JR_CBOR_MAP, 1);
	read_expect_text(&v.r, "b");
	read_expect_text(&v.r, "c");
	vec_done(&v);
}

static void writer_emits_appendix_a_simple_values(void **state)
{
	struct jr_cbw w;
	struct vec v;
	bool b = true;

	(void)state;
	jr_cbw_init(&w, 8);
	jr_cbw_bool(&w, false);
	expect_written(&w, "f4");
	jr_cbw_init(&w, 8);
	jr_cbw_bool(&w, true);
	expect_written(&w, "f5");
	jr_cbw_init(&w, 8);
	jr_cbw_null(&w);
	expect_written(&w, "f6");

	vec_open(&v, "f4");
	assert_int_equal(jr_cbr_peek(&v.r), JR_CBOR_BOOL);
	assert_int_equal(jr_cbr_bool(&v.r, &b), JR_OK);
	assert_false(b);
	vec_done(&v);
	vec_open(&v, "f5");
	assert_int_equal(jr_cbr_bool(&v.r, &b), JR_OK);
	assert_true(b);
	vec_done(&v);
	vec_open(&v, "f6");
	assert_int_equal(jr_cbr_peek(&v.r), JR_CBOR_NULL);
	assert_int_equal(jr_cbr_null(&v.r), JR_OK);
	vec_done(&v);
}

/* Every vector above, read generically and written again. */
static const char *const all_vectors[] = {
	"00", "01", "0a", "17", "1818", "1819", "1864", "1903e8", "1a000f4240",
	"1b000000e8d4a51000", "1bffffffffffffffff", "20", "29", "3863",
	"3903e7", "3b7fffffffffffffff", "40", "4401020304", "60", "6161",
	"6449455446", "62225c", "62c3bc", "63e6b0b4", "64f0908591", "80",
	"83010203", "8301820203820405",
	"98190102030405060708090a0b0c0d0e0f101112131415161718181819",
	"a0", "a201020304", "a26161016162820203", "826161a161626163",
	"a56161614161626142616361436164614461656145", "f4", "f5", "f6",
};

static void every_vector_round_trips_through_reader_and_writer(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++)
		expect_round_trip(all_vectors[i]);
}

/* ---- (b) strictness ---------------------------------------------------- */

static void check_accepts_exactly_the_canonical_single_bytes(void **state)
{
	unsigned accepted = 0;

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t b = (uint8_t)c;
		bool want = c <= 0x17 || (c >= 0x20 && c <= 0x37) || c == 0x40 ||
			c == 0x60 || c == 0x80 || c == 0xa0 || (c >= 0xf4 && c <= 0xf6);
		int rc = jr_cbor_check(&b, 1, NULL);

		if (want && rc != JR_OK)
			fail_msg("single byte %02x rejected", c);
		if (!want && rc != JR_EFORMAT)
			fail_msg("single byte %02x: got %d, want JR_EFORMAT", c, rc);
		accepted += want;
	}
	assert_int_equal(accepted, 55);
}

static bool canonical_one_byte(unsigned c)
{
	return c <= 0x17 || (c >= 0x20 && c <= 0x37) || c == 0x40 ||
		c == 0x60 || c == 0x80 || c == 0xa0 || (c >= 0xf4 && c <= 0xf6);
}

/* A two-byte item is canonical iff it is a 1-byte-argument integer >= 24,
 * a 1-byte byte string, a 1-byte ASCII text, or a 1-element array of a
 * canonical single byte. Everything else must be refused. */
static void check_accepts_exactly_the_canonical_two_byte_inputs(void **state)
{
	unsigned accepted = 0;

	(void)state;
	for (unsigned c = 0; c < 65536; c++) {
		uint8_t b[2] = { (uint8_t)(c >> 8), (uint8_t)c };
		bool want = ((b[0] == 0x18 || b[0] == 0x38) && b[1] >= 24) ||
			b[0] == 0x41 || (b[0] == 0x61 && b[1] < 0x80) ||
			(b[0] == 0x81 && canonical_one_byte(b[1]));
		int rc = jr_cbor_check(b, 2, NULL);

		if (want && rc != JR_OK)
			fail_msg("%02x%02x rejected", b[0], b[1]);
		if (!want && rc != JR_EFORMAT)
			fail_msg("%02x%02x: got %d, want JR_EFORMAT", b[0], b[1], rc);
		accepted += want;
	}
	assert_int_equal(accepted, 232 + 232 + 256 + 128 + 55);
}

static void check_rejects_non_shortest_integers(void **state)
{
	static const char *const bad[] = {
		"1800", "1817", "190017", "1900ff", "1a00000017", "1a0000ffff",
		"1b0000000000000017", "1b00000000ffffffff", "1b0000000000000000",
		"3800", "3817", "390017", "3900ff", "3a00000017", "3a0000ffff",
		"3b0000000000000017", "3b00000000ffffffff", "3b0000000000000000",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_non_shortest_string_lengths(void **state)
{
	static const char *const bad[] = {
		"5800", "590000", "5a00000000", "5b0000000000000000",
		"581701020304050607080910111213141516171819202122",
		"59000101", "5a0000000101", "5b000000000000000101",
		"7800", "790000", "7a00000000", "7b0000000000000000",
		"780161", "79000161", "7a0000000161", "7b000000000000000161",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_non_shortest_array_and_map_counts(void **state)
{
	static const char *const bad[] = {
		"9800", "990000", "9a00000000", "9b0000000000000000",
		"980101", "99000101", "9a0000000101", "9b000000000000000101",
		"b800", "b90000", "ba00000000", "bb0000000000000000",
		"b8010102", "b900010102", "ba000000010102",
		"bb00000000000000010102",
		/* a non-shortest integer nested inside a container */
		"811817", "a1011817", "a1181700", "8201190001",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_indefinite_lengths(void **state)
{
	static const char *const bad[] = {
		"5fff", "5f4101ff", "5f42010243030405ff",
		"7fff", "7f6161ff", "7f657374726561646d696e67ff",
		"9fff", "9f01ff", "9f018202039f0405ffff", "83019f0203ff820405",
		"bfff", "bf0102ff", "bf61610161629f0203ffff",
		"ff", "81ff",
		/* additional information 31 on integers is not well-formed */
		"1f", "3f",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_reserved_additional_information(void **state)
{
	static const char *const bad[] = {
		"1c", "1d", "1e", "3c", "3d", "3e", "5c", "5d", "5e",
		"7c", "7d", "7e", "9c", "9d", "9e", "bc", "bd", "be",
		"dc", "dd", "de", "fc", "fd", "fe",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_duplicate_map_keys(void **state)
{
	static const char *const bad[] = {
		"a201020103", "a201020102", "a2616101616102", "a2410001410002",
		"a2800080 00", "a2f400f400", "a3010203040105",
		"a1 01 a2 0102 0103",  /* nested map */
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_unsorted_map_keys(void **state)
{
	static const char *const bad[] = {
		"a203040102",          /* {3:4, 1:2} */
		"a2616201616102",      /* {"b":1, "a":2} */
		"a21818001700",        /* 24 before 23 */
		"a2190100001818ff",     /* 256 before 24 */
		"a2200001 00",         /* -1 before 1 */
		"a3010203040200",      /* third key goes back down */
		"a2f500f400",          /* true before false */
		"81a203040102",        /* nested in an array */
	};

	(void)state;
	REJECT_ALL(bad);
}

/* RFC 8949 §4.2.1 orders keys by the bytes of their encodings; RFC 7049's
 * "canonical" ordered shorter encodings first. The two disagree when a
 * longer key sorts before a shorter one bytewise. */
static void check_orders_map_keys_bytewise_not_length_first(void **state)
{
	static const char *const keys[] = {
		"0a", "1864", "20", "617a", "626161", "811864", "8120", "f4",
	};
	char hex[256];

	(void)state;
	/* The example from RFC 8949 §4.2.1, in its order: accepted. */
	expect_check_ok("a8 0a00 186400 2000 617a00 62616100 81186400 812000 f400");
	/* The same keys in RFC 7049's length-first order: refused. */
	expect_check_rejects("a8 0a00 2000 f400 186400 617a00 812000 62616100 81186400");
	/* 24 (0x1818) sorts before -1 (0x20) and before "" (0x60). */
	expect_check_ok("a2 181800 2000");
	expect_check_rejects("a2 2000 181800");
	expect_check_ok("a2 181800 6000");
	expect_check_rejects("a2 6000 181800");
	/* Swapping any two neighbours of the RFC example breaks the order. */
	for (size_t s = 0; s + 1 < 8; s++) {
		size_t o = 0;
		o += (size_t)snprintf(hex + o, sizeof hex - o, "a8");
		for (size_t i = 0; i < 8; i++) {
			size_t k = i == s ? s + 1 : i == s + 1 ? s : i;
			o += (size_t)snprintf(hex + o, sizeof hex - o, "%s00", keys[k]);
		}
		assert_true(o < sizeof hex);
		expect_check_rejects(hex);
	}
}

static void writer_writes_the_rfc8949_key_order(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 8);
	jr_cbw_uint(&w, 10); jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 100); jr_cbw_uint(&w, 0);
	jr_cbw_int(&w, -1); jr_cbw_uint(&w, 0);
	jr_cbw_text(&w, "z", 1); jr_cbw_uint(&w, 0);
	jr_cbw_text(&w, "aa", 2); jr_cbw_uint(&w, 0);
	jr_cbw_array(&w, 1); jr_cbw_uint(&w, 100); jr_cbw_uint(&w, 0);
	jr_cbw_array(&w, 1); jr_cbw_int(&w, -1); jr_cbw_uint(&w, 0);
	jr_cbw_bool(&w, false); jr_cbw_uint(&w, 0);
	expect_written(&w, "a80a00186400200061 7a0062616100811864008120 00f400");
}

static void check_rejects_trailing_bytes(void **state)
{
	static const char *const bad[] = {
		"0000", "0100", "a000", "8000", "616161", "f6f6", "1818 00",
		"8301020304", "a201020304 05", "4401020304 00", "00 ff",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_every_truncation_of_every_vector(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
		uint8_t b[HEXMAX];
		size_t n = unhex(all_vectors[i], b);

		for (size_t k = 0; k < n; k++) {
			/* A copy exactly k long, so ASan sees any read past it. */
			uint8_t *cut = malloc(k ? k : 1);
			assert_non_null(cut);
			memcpy(cut, b, k);
			expect_check_rejects_bytes(cut, k, all_vectors[i]);
			free(cut);
		}
	}
}

static void check_rejects_empty_input(void **state)
{
	uint8_t b = 0;
	struct jr_errbuf eb = { 0 };

	(void)state;
	assert_int_equal(jr_cbor_check(&b, 0, &eb), JR_EFORMAT);
	assert_true(eb.msg[0] != '\0');
	assert_int_equal(jr_cbor_check(NULL, 0, NULL), JR_EFORMAT);
}

static void check_rejects_tags(void **state)
{
	static const char *const bad[] = {
		"c074323031332d30332d32315432303a30343a30305a", /* tag 0 date */
		"c11a514b67b0",                                 /* tag 1 epoch */
		"c249010000000000000000",                       /* bignum */
		"d74401020304", "d818456449455446",
		"d82076687474703a2f2f7777772e6578616d706c652e636f6d",
		"d9d9f700", "c600", "c0c000", "8101c000", "a101c000",
		"da0000000100", "db000000000000000100",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_floats(void **state)
{
	static const char *const bad[] = {
		"f90000", "f98000", "f93c00", "f97bff", "f97c00", "f97e00",
		"fa47c35000", "fa7f800000", "fa00000000",
		"fb3ff199999999999a", "fb0000000000000000", "fb7ff8000000000000",
		"8101f93c00", "a101fa47c35000",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_undefined_and_other_simple_values(void **state)
{
	static const char *const bad[] = {
		"f7", "e0", "e1", "f0", "f3", "f810", "f818", "f820", "f8ff",
		"8101f7", "a101f7", "a1f70001",
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_rejects_invalid_utf8(void **state)
{
	static const char *const bad[] = {
		"62c0af",       /* overlong '/' */
		"62c080",       /* overlong NUL */
		"62c1bf",       /* overlong 0x7f */
		"63e08080",     /* overlong 3-byte NUL */
		"63e09fbf",     /* overlong U+07FF */
		"64f0808080",   /* overlong 4-byte */
		"64f08fbfbf",   /* overlong U+FFFF */
		"63eda080",     /* surrogate U+D800 */
		"63edbfbf",     /* surrogate U+DFFF */
		"66eda080edb080", /* surrogate pair CESU-8 */
		"64f4908080",   /* U+110000 */
		"64f7bfbfbf",
		"65f888808080", /* 5-byte form */
		"66fc8480808080",
		"61c3",         /* truncated 2-byte sequence */
		"62e6b0",       /* truncated 3-byte sequence */
		"63f09085",     /* truncated 4-byte sequence */
		"6180", "61bf", /* lone continuation bytes */
		"61fe", "61ff",
		"62c341",       /* bad continuation */
		"63e641b4", "64f09041 91",
		"8261616180",   /* inside an array */
		"a16180 00",    /* as a map key */
	};

	(void)state;
	REJECT_ALL(bad);
}

static void check_accepts_utf8_at_the_edges(void **state)
{
	static const char *const good[] = {
		"6100", "617f", "62c280", "62dfbf", "63e0a080", "63ed9fbf",
		"63ee8080", "63efbfbf", "64f0908080", "64f48fbfbf",
	};

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		expect_check_ok(good[i]);
}

/* Nests `levels` containers (arrays, or maps with key 0) around `inner`. */
static size_t nest(uint8_t *b, unsigned levels, bool maps, const char *inner)
{
	size_t n = 0;

	for (unsigned i = 0; i < levels; i++) {
		if (maps) {
			b[n++] = 0xa1;
			b[n++] = 0x00;
		} else {
			b[n++] = 0x81;
		}
	}
	return n + jr_test_unhex(inner, b + n, HEXMAX - n);
}

/* Depth counts items: the outermost item is at depth 0 and an element of a
 * container at depth d is at d + 1; no item may sit deeper than
 * JR_CBOR_MAX_DEPTH. */
static void check_rejects_nesting_deeper_than_the_maximum(void **state)
{
	uint8_t b[HEXMAX];
	size_t n;

	(void)state;
	for (int maps = 0; maps < 2; maps++) {
		n = nest(b, JR_CBOR_MAX_DEPTH, maps, "00");
		assert_int_equal(jr_cbor_check(b, n, NULL), JR_OK);
		n = nest(b, JR_CBOR_MAX_DEPTH, maps, "80");
		assert_int_equal(jr_cbor_check(b, n, NULL), JR_OK);
		n = nest(b, JR_CBOR_MAX_DEPTH + 1, maps, "00");
		expect_check_rejects_bytes(b, n, "one level too deep");
		n = nest(b, JR_CBOR_MAX_DEPTH + 1, maps, "80");
		expect_check_rejects_bytes(b, n, "one level too deep");
		n = nest(b, JR_CBOR_MAX_DEPTH + 1, maps, "a0");
		expect_check_rejects_bytes(b, n, "one level too deep");
		n = nest(b, 1000, maps, "00");
		expect_check_rejects_bytes(b, n, "a thousand levels");
	}
	/* Unclosed nesting far past the limit must not recurse without end. */
	memset(b, 0x81, sizeof b);
	expect_check_rejects_bytes(b, sizeof b, "4096 open arrays");
	memset(b, 0x9f, sizeof b);
	expect_check_rejects_bytes(b, sizeof b, "4096 open indefinite arrays");
}

static void check_rejects_lengths_beyond_the_input(void **state)
{
	static const char *const bad[] = {
		"5bffffffffffffffff", "5b8000000000000000", "5b7fffffffffffffff",
		"5bfffffffffffffff0 0102", "5affffffff", "5a0001000000",
		"59ffff", "58ff", "440102", "44010203",
		"7bffffffffffffffff", "7affffffff", "64494554", "62c3",
		"9bffffffffffffffff", "9bffffffffffffffff 00", "9affffffff00",
		"bbffffffffffffffff", "bbffffffffffffffff 0000",
		"83 0102", "a2 0102 03", "81 5bffffffffffffffff",
		"a1 01 7bffffffffffffffff",
	};

	(void)state;
	REJECT_ALL(bad);
}

/* ---- (c) reader -------------------------------------------------------- */

enum rd { RD_UINT, RD_INT, RD_BYTES, RD_TEXT, RD_ARRAY, RD_MAP, RD_BOOL,
	RD_NULL, RD_COUNT };

static int read_as(struct jr_cbr *r, enum rd how)
{
	uint64_t u;
	int64_t i;
	const uint8_t *p;
	const char *s;
	size_t n;
	bool b;

	switch (how) {
	case RD_UINT: return jr_cbr_uint(r, &u);
	case RD_INT: return jr_cbr_int(r, &i);
	case RD_BYTES: return jr_cbr_bytes(r, &p, &n);
	case RD_TEXT: return jr_cbr_text(r, &s, &n);
	case RD_ARRAY: return jr_cbr_array(r, &n);
	case RD_MAP: return jr_cbr_map(r, &n);
	case RD_BOOL: return jr_cbr_bool(r, &b);
	default: return jr_cbr_null(r);
	}
}

static void reader_fails_on_every_type_mismatch_and_the_error_sticks(void **state)
{
	static const struct { const char *hex; enum rd fits; } items[] = {
		{ "01", RD_UINT }, { "20", RD_INT }, { "4101", RD_BYTES },
		{ "6161", RD_TEXT }, { "80", RD_ARRAY }, { "a0", RD_MAP },
		{ "f5", RD_BOOL }, { "f6", RD_NULL },
	};
	unsigned mismatches = 0;

	(void)state;
	for (size_t i = 0; i < sizeof items / sizeof items[0]; i++) {
		for (int how = 0; how < RD_COUNT; how++) {
			struct vec v;
			bool fits = (enum rd)how == items[i].fits ||
				(how == RD_INT && items[i].fits == RD_UINT);

			vec_open(&v, items[i].hex);
			if (fits) {
				assert_int_equal(read_as(&v.r, (enum rd)how), JR_OK);
				vec_done(&v);
				continue;
			}
			mismatches++;
			assert_int_equal(read_as(&v.r, (enum rd)how), JR_EFORMAT);
			assert_int_equal(v.r.err, JR_EFORMAT);
			/* The right reader now fails too: the error is sticky. */
			assert_int_equal(read_as(&v.r, items[i].fits), JR_EFORMAT);
			assert_int_equal(jr_cbr_peek(&v.r), JR_CBOR_OTHER);
			assert_int_equal(jr_cbr_skip(&v.r), JR_EFORMAT);
			assert_int_equal(jr_cbr_end(&v.r), JR_EFORMAT);
		}
	}
	assert_int_equal(mismatches, 8 * 8 - 8 - 1);
}

static void reader_clears_outputs_on_failure(void **state)
{
	struct vec v;
	uint64_t u = 5;
	const uint8_t *p = (const uint8_t *)"x";
	const char *s = "x";
	size_t n = 5;
	bool b = true;

	(void)state;
	vec_open(&v, "6161");
	assert_int_equal(jr_cbr_uint(&v.r, &u), JR_EFORMAT);
	assert_int_equal(u, 0);
	assert_int_equal(jr_cbr_bytes(&v.r, &p, &n), JR_EFORMAT);
	assert_null(p);
	assert_int_equal(n, 0);
	n = 5;
	assert_int_equal(jr_cbr_text(&v.r, &s, &n), JR_EFORMAT);
	assert_null(s);
	assert_int_equal(n, 0);
	n = 5;
	assert_int_equal(jr_cbr_array(&v.r, &n), JR_EFORMAT);
	assert_int_equal(n, 0);
	assert_int_equal(jr_cbr_bool(&v.r, &b), JR_EFORMAT);
	assert_false(b);
}

static void reader_error_sticks_across_later_valid_items(void **state)
{
	struct vec v;
	uint64_t u = 0;
	const char *s;
	size_t n;

	(void)state;
	vec_open(&v, "82616101");   /* ["a", 1] */
	assert_int_equal(jr_cbr_array(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_uint(&v.r, &u), JR_EFORMAT);   /* it is "a" */
	assert_int_equal(jr_cbr_text(&v.r, &s, &n), JR_EFORMAT);
	assert_int_equal(jr_cbr_uint(&v.r, &u), JR_EFORMAT);
	assert_int_equal(v.r.err, JR_EFORMAT);
}

static void reader_key_fails_on_the_wrong_key(void **state)
{
	struct vec v;
	size_t n;
	uint64_t u;

	(void)state;
	vec_open(&v, "a201020304");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 3), JR_EFORMAT);
	assert_int_equal(v.r.err, JR_EFORMAT);
	assert_int_equal(jr_cbr_uint(&v.r, &u), JR_EFORMAT);

	vec_open(&v, "a201020304");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	vec_open(&v, "a201020304");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 1), JR_OK);
	read_expect_uint(&v.r, 2);
	assert_int_equal(jr_cbr_key(&v.r, 2), JR_EFORMAT);

	/* A text key never matches an integer key. */
	vec_open(&v, "a1616101");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 0x61), JR_EFORMAT);
	/* Nor does a negative one. */
	vec_open(&v, "a12001");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 0), JR_EFORMAT);
}

static void reader_end_fails_with_bytes_left_over(void **state)
{
	struct vec v;
	size_t n;
	uint64_t u;

	(void)state;
	vec_open(&v, "83010203");
	assert_int_equal(jr_cbr_array(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_uint(&v.r, &u), JR_OK);
	assert_int_equal(jr_cbr_end(&v.r), JR_EFORMAT);
	assert_int_equal(v.r.err, JR_EFORMAT);

	vec_open(&v, "83010203");
	assert_int_equal(jr_cbr_end(&v.r), JR_EFORMAT);

	/* Unchecked bytes with a second item after the first. */
	{
		static const uint8_t two[] = { 0x01, 0x02 };
		struct jr_cbr r;
		jr_cbr_init(&r, two, sizeof two);
		assert_int_equal(jr_cbr_uint(&r, &u), JR_OK);
		assert_int_equal(jr_cbr_end(&r), JR_EFORMAT);
	}
}

static void reader_skip_passes_over_nested_items(void **state)
{
	struct vec v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof all_vectors / sizeof all_vectors[0]; i++) {
		vec_open(&v, all_vectors[i]);
		assert_int_equal(jr_cbr_skip(&v.r), JR_OK);
		vec_done(&v);
	}
	/* Skip a nested element and land on the next one. */
	vec_open(&v, "8301820203820405");
	assert_int_equal(jr_cbr_array(&v.r, &n), JR_OK);
	read_expect_uint(&v.r, 1);
	assert_int_equal(jr_cbr_skip(&v.r), JR_OK);
	read_expect_head(&v.r, JR_CBOR_ARRAY, 2);
	read_expect_uint(&v.r, 4);
	read_expect_uint(&v.r, 5);
	vec_done(&v);

	vec_open(&v, "a3 01 a2 01 82 01 02 02 4100 02 63 616263 03 f6");
	assert_int_equal(jr_cbr_map(&v.r, &n), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 1), JR_OK);
	assert_int_equal(jr_cbr_skip(&v.r), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 2), JR_OK);
	assert_int_equal(jr_cbr_skip(&v.r), JR_OK);
	assert_int_equal(jr_cbr_key(&v.r, 3), JR_OK);
	assert_int_equal(jr_cbr_null(&v.r), JR_OK);
	vec_done(&v);
}

static void reader_skip_refuses_what_the_checker_refuses(void **state)
{
	static const char *const bad[] = {
		"", "19", "5b ffffffffffffffff", "83 0102", "a2 01 02 03",
		"9f 01 ff", "c0 00", "f9 3c00", "f7", "1817",
		"9bffffffffffffffff", "bbffffffffffffffff 00",
	};
	uint8_t b[HEXMAX];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = unhex(bad[i], b);
		struct jr_cbr r;
		jr_cbr_init(&r, b, n);
		assert_int_equal(jr_cbr_skip(&r), JR_EFORMAT);
		assert_int_equal(r.err, JR_EFORMAT);
	}
	{
		size_t n = nest(b, JR_CBOR_MAX_DEPTH + 1, false, "00");
		struct jr_cbr r;
		jr_cbr_init(&r, b, n);
		assert_int_equal(jr_cbr_skip(&r), JR_EFORMAT);
	}
}

/* docs/formats.md: "an item at depth 16 is accepted, one at depth 17 refused";
 * the reader's skip must draw the line where the checker does. */
static void reader_skip_and_check_agree_on_the_deepest_item(void **state)
{
	uint8_t b[HEXMAX];

	(void)state;
	for (int maps = 0; maps < 2; maps++) {
		for (unsigned levels = JR_CBOR_MAX_DEPTH - 1; levels <= JR_CBOR_MAX_DEPTH + 1; levels++) {
			size_t n = nest(b, levels, maps, "00");
			int want = levels <= JR_CBOR_MAX_DEPTH ? JR_OK : JR_EFORMAT;
			struct jr_cbr r;

			assert_int_equal(jr_cbor_check(b, n, NULL), want);
			jr_cbr_init(&r, b, n);
			assert_int_equal(jr_cbr_skip(&r), want);
			if (want == JR_OK)
				assert_int_equal(r.off, n);
		}
	}
}

static void reader_bounds_checks_unchecked_input(void **state)
{
	static const char *const bad[] = {
		"", "18", "19 01", "1a 000100", "1b 00000001000000",
		"41", "5b ffffffffffffffff 00", "5b 7fffffffffffffff",
		"7a ffffffff 61", "61 ff",
	};
	uint8_t b[HEXMAX];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = unhex(bad[i], b);
		uint8_t *cut = malloc(n ? n : 1);
		struct jr_cbr r;
		assert_non_null(cut);
		memcpy(cut, b, n);
		for (int how = 0; how < RD_COUNT; how++) {
			jr_cbr_init(&r, cut, n);
			assert_int_equal(read_as(&r, (enum rd)how), JR_EFORMAT);
		}
		free(cut);
	}
}

static void reader_refuses_a_count_larger_than_the_bytes_left(void **state)
{
	static const char *const bad[] = {
		"83 0102", "9bffffffffffffffff", "a3 0102", "bbffffffffffffffff 00",
	};
	uint8_t b[HEXMAX];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t n = unhex(bad[i], b);
		size_t cnt = 7;
		struct jr_cbr r;
		jr_cbr_init(&r, b, n);
		if (b[0] >= 0xa0)
			assert_int_equal(jr_cbr_map(&r, &cnt), JR_EFORMAT);
		else
			assert_int_equal(jr_cbr_array(&r, &cnt), JR_EFORMAT);
		assert_int_equal(cnt, 0);
	}
}

static void reader_refuses_a_null_input(void **state)
{
	struct jr_cbr r;
	uint64_t u;

	(void)state;
	jr_cbr_init(&r, NULL, 0);
	assert_int_equal(jr_cbr_uint(&r, &u), JR_EFORMAT);
	assert_int_equal(jr_cbr_end(&r), JR_EFORMAT);
}

/* ---- (c) writer -------------------------------------------------------- */

static void writer_finish_fails_when_output_exceeds_the_cap(void **state)
{
	static const uint8_t ten[10] = { 0 };
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 4);
	jr_cbw_bytes(&w, ten, sizeof ten);
	assert_int_equal(w.err, JR_ETOOBIG);
	expect_finish_fails(&w, JR_ETOOBIG);

	jr_cbw_init(&w, 10);
	jr_cbw_bytes(&w, ten, sizeof ten);   /* 11 bytes with its head */
	expect_finish_fails(&w, JR_ETOOBIG);

	jr_cbw_init(&w, 0);
	jr_cbw_null(&w);
	expect_finish_fails(&w, JR_ETOOBIG);

	jr_cbw_init(&w, 8);
	jr_cbw_uint(&w, UINT64_MAX);         /* 9 bytes */
	expect_finish_fails(&w, JR_ETOOBIG);
}

static void writer_output_exactly_at_the_cap_is_accepted(void **state)
{
	static const uint8_t ten[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 11);
	jr_cbw_bytes(&w, ten, sizeof ten);
	expect_written(&w, "4a0102030405060708090a");

	jr_cbw_init(&w, 9);
	jr_cbw_uint(&w, UINT64_MAX);
	expect_written(&w, "1bffffffffffffffff");

	/* A head that only fits in its shortest form, right at the cap. */
	jr_cbw_init(&w, 3);
	jr_cbw_array(&w, 1);
	jr_cbw_uint(&w, 24);
	expect_written(&w, "811818");
}

static void writer_error_stays_sticky_after_a_write_over_the_cap(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 3);
	jr_cbw_array(&w, 2);
	jr_cbw_uint(&w, 1000000);            /* 5 bytes: over the cap */
	assert_int_equal(w.err, JR_ETOOBIG);
	jr_cbw_uint(&w, 2);                  /* would fit, must not clear */
	assert_int_equal(w.err, JR_ETOOBIG);
	expect_finish_fails(&w, JR_ETOOBIG);

	jr_cbw_init(&w, 3);
	jr_cbw_array(&w, 2);
	jr_cbw_uint(&w, 1000000);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);                  /* would make a valid [1, 2] */
	expect_finish_fails(&w, JR_ETOOBIG);
}

static void writer_rejects_invalid_utf8_text(void **state)
{
	static const struct { const char *s; size_t n; } bad[] = {
		{ "\xc0\xaf", 2 }, { "\xe0\x80\x80", 3 }, { "\xed\xa0\x80", 3 },
		{ "\xf4\x90\x80\x80", 4 }, { "\xc3", 1 }, { "\x80", 1 },
		{ "\xff", 1 }, { "ok\xe6\xb0", 4 }, { "\xf8\x88\x80\x80\x80", 5 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct jr_cbw w;
		jr_cbw_init(&w, 64);
		jr_cbw_array(&w, 1);
		jr_cbw_text(&w, bad[i].s, bad[i].n);
		assert_int_equal(w.err, JR_EINVAL);
		expect_finish_fails(&w, JR_EINVAL);
	}
}

static void writer_refuses_map_keys_out_of_order(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	expect_finish_fails(&w, JR_EINTERNAL);

	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_text(&w, "b", 1);
	jr_cbw_uint(&w, 1);
	jr_cbw_text(&w, "a", 1);
	jr_cbw_uint(&w, 2);
	expect_finish_fails(&w, JR_EINTERNAL);

	/* RFC 7049 length-first order is not RFC 8949 order. */
	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_int(&w, -1);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 24);
	jr_cbw_uint(&w, 0);
	expect_finish_fails(&w, JR_EINTERNAL);

	/* Duplicate keys. */
	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 3);
	expect_finish_fails(&w, JR_EINTERNAL);
}

static void writer_refuses_wrong_item_counts(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 3);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	expect_finish_fails(&w, JR_EINTERNAL);   /* one item short */

	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 1);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	expect_finish_fails(&w, JR_EINTERNAL);   /* two top-level items */

	jr_cbw_init(&w, 64);
	jr_cbw_map(&w, 1);
	jr_cbw_uint(&w, 1);
	expect_finish_fails(&w, JR_EINTERNAL);   /* key without value */
}

static void writer_refuses_an_empty_output(void **state)
{
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	expect_finish_fails(&w, JR_EINVAL);
}

static void writer_raw_embeds_a_canonical_item(void **state)
{
	uint8_t inner[16];
	size_t n = unhex("a201020304", inner);
	struct jr_cbw w;

	(void)state;
	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 2);
	jr_cbw_raw(&w, inner, n);
	jr_cbw_null(&w);
	expect_written(&w, "82a201020304f6");

	/* Raw bytes that are not canonical are caught at finish. */
	n = unhex("a203040102", inner);
	jr_cbw_init(&w, 64);
	jr_cbw_array(&w, 1);
	jr_cbw_raw(&w, inner, n);
	expect_finish_fails(&w, JR_EINTERNAL);

	n = unhex("1817", inner);
	jr_cbw_init(&w, 64);
	jr_cbw_raw(&w, inner, n);
	expect_finish_fails(&w, JR_EINTERNAL);
}

static void writer_free_releases_an_unfinished_writer(void **state)
{
	struct jr_cbw w;
	uint8_t big[300];

	(void)state;
	jr_test_fill(big, sizeof big, 9);
	jr_cbw_init(&w, 1000);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, big, sizeof big);
	jr_cbw_free(&w);
	assert_null(w.base);
	assert_int_equal(w.len, 0);
	jr_cbw_free(&w);   /* twice is harmless */
}

static void writer_grows_to_large_outputs(void **state)
{
	struct jr_cbw w;
	struct jr_buf out = { 0 };
	struct jr_cbr r;
	size_t n;

	(void)state;
	jr_cbw_init(&w, 1 << 20);
	jr_cbw_array(&w, 10000);
	for (uint64_t i = 0; i < 10000; i++)
		jr_cbw_uint(&w, i * 1000);
	assert_int_equal(jr_cbw_finish(&w, &out), JR_OK);
	assert_int_equal(jr_cbor_check(out.base, out.len, NULL), JR_OK);
	jr_cbr_init(&r, out.base, out.len);
	assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
	assert_int_equal(n, 10000);
	for (uint64_t i = 0; i < 10000; i++)
		read_expect_uint(&r, i * 1000);
	assert_int_equal(jr_cbr_end(&r), JR_OK);
	jr_buf_free(&out);
}

static void fixed_writer_writes_into_the_callers_buffer_only(void **state)
{
	uint8_t buf[16];
	struct jr_cbw w;
	size_t len = 99;
	static const uint8_t want[] = { 0xa2, 0x01, 0x02, 0x03, 0x63, 'a', 'b', 'c' };

	(void)state;
	memset(buf, 0xee, sizeof buf);
	jr_cbw_init_fixed(&w, buf, sizeof buf);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 3);
	jr_cbw_text(&w, "abc", 3);
	assert_int_equal(jr_cbw_finish_fixed(&w, &len), JR_OK);
	assert_int_equal(len, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	assert_int_equal(buf[sizeof want], 0xee);
	jr_cbw_free(&w); /* must not free the caller's buffer */
}

static void fixed_writer_past_its_buffer_fails_and_writes_nothing_beyond(void **state)
{
	uint8_t buf[24];
	struct jr_cbw w;
	size_t len = 99;
	static const uint8_t data[20] = { 0 };

	(void)state;
	memset(buf, 0xee, sizeof buf);
	jr_cbw_init_fixed(&w, buf, 8);
	jr_cbw_bytes(&w, data, sizeof data);
	assert_int_equal(jr_cbw_finish_fixed(&w, &len), JR_ETOOBIG);
	assert_int_equal(len, 0);
	for (size_t i = 8; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0xee);
	jr_cbw_init_fixed(&w, buf, sizeof buf);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 0);
	assert_int_equal(jr_cbw_finish_fixed(&w, &len), JR_EINTERNAL);
	assert_int_equal(len, 0);
}

/* ---- the head reader against libcbor's ---------------------------------
 *
 * jr_cbor_read_head reads heads itself. The oracle is the reader it
 * replaced: libcbor's cbor_stream_decode with callbacks for each kind of
 * head, then the check that the bytes it consumed are the shortest head for
 * the value it reported. Both must agree on every input: whether it is
 * accepted, and then its kind, value, length read and string data. */

static void o_uint(void *c, uint64_t v) { struct jr_cbor_head *h = c; h->type = JR_CH_UINT; h->value = v; }
static void o_u8(void *c, uint8_t v) { o_uint(c, v); }
static void o_u16(void *c, uint16_t v) { o_uint(c, v); }
static void o_u32(void *c, uint32_t v) { o_uint(c, v); }
static void o_neg(void *c, uint64_t v) { struct jr_cbor_head *h = c; h->type = JR_CH_NEGINT; h->value = v; }
static void o_n8(void *c, uint8_t v) { o_neg(c, v); }
static void o_n16(void *c, uint16_t v) { o_neg(c, v); }
static void o_n32(void *c, uint32_t v) { o_neg(c, v); }
static void o_bytes(void *c, cbor_data d, size_t n)
{
	struct jr_cbor_head *h = c;

	h->type = JR_CH_BYTES;
	h->data = d;
	h->value = n;
}
static void o_text(void *c, cbor_data d, size_t n)
{
	struct jr_cbor_head *h = c;

	h->type = JR_CH_TEXT;
	h->data = d;
	h->value = n;
}
static void o_array(void *c, size_t n) { struct jr_cbor_head *h = c; h->type = JR_CH_ARRAY; h->value = n; }
static void o_map(void *c, size_t n) { struct jr_cbor_head *h = c; h->type = JR_CH_MAP; h->value = n; }
static void o_bool(void *c, bool b) { struct jr_cbor_head *h = c; h->type = JR_CH_BOOL; h->flag = b; }
static void o_null(void *c) { struct jr_cbor_head *h = c; h->type = JR_CH_NULL; }
static void o_other(void *c) { struct jr_cbor_head *h = c; h->type = JR_CH_OTHER; }
static void o_other_u64(void *c, uint64_t v) { (void)v; o_other(c); }
static void o_other_f(void *c, float v) { (void)v; o_other(c); }
static void o_other_d(void *c, double v) { (void)v; o_other(c); }

static const struct cbor_callbacks oracle_callbacks = {
	.uint8 = o_u8, .uint16 = o_u16, .uint32 = o_u32, .uint64 = o_uint,
	.negint8 = o_n8, .negint16 = o_n16, .negint32 = o_n32, .negint64 = o_neg,
	.byte_string = o_bytes, .byte_string_start = o_other,
	.string = o_text, .string_start = o_other,
	.array_start = o_array, .indef_array_start = o_other,
	.map_start = o_map, .indef_map_start = o_other,
	.tag = o_other_u64,
	.float2 = o_other_f, .float4 = o_other_f, .float8 = o_other_d,
	.undefined = o_other, .null = o_null, .boolean = o_bool,
	.indef_break = o_other,
};

static size_t shortest(uint64_t v)
{
	return v < 24 ? 1 : v <= UINT8_MAX ? 2 : v <= UINT16_MAX ? 3 : v <= UINT32_MAX ? 5 : 9;
}

static bool oracle_head(const uint8_t *p, size_t len, struct jr_cbor_head *h)
{
	struct cbor_decoder_result res;
	size_t want;

	memset(h, 0, sizeof *h);
	if (len == 0)
		return false;
	res = cbor_stream_decode(p, len, &oracle_callbacks, h);
	if (res.status != CBOR_DECODER_FINISHED || res.read == 0 || res.read > len)
		return false;
	h->read = res.read;
	switch (h->type) {
	case JR_CH_UINT: case JR_CH_NEGINT: case JR_CH_ARRAY: case JR_CH_MAP:
		want = shortest(h->value);
		break;
	case JR_CH_BYTES: case JR_CH_TEXT:
		if (h->value > len)
			return false;
		want = shortest(h->value) + (size_t)h->value;
		break;
	case JR_CH_BOOL: case JR_CH_NULL:
		want = 1;
		break;
	default:
		return false;
	}
	return h->read == want;
}

static void heads_agree(const uint8_t *p, size_t len)
{
	struct jr_cbor_head a, b;
	bool want = oracle_head(p, len, &b);
	bool got = jr_cbor_read_head(p, len, &a) == JR_OK;

	if (got != want)
		fail_msg("head %02x (of %zu bytes): libcbor %s it, jr_cbor_read_head %s it",
			len > 0 ? p[0] : 0, len, want ? "accepts" : "rejects",
			got ? "accepts" : "rejects");
	if (got && (a.type != b.type || a.value != b.value || a.read != b.read ||
		    a.flag != b.flag || a.data != b.data))
		fail_msg("head %02x (of %zu bytes): read as %d/%llu/%zu, libcbor %d/%llu/%zu",
			p[0], len, (int)a.type, (unsigned long long)a.value, a.read,
			(int)b.type, (unsigned long long)b.value, b.read);
}

/* Every input of up to three bytes, whole and cut short. */
static void head_reader_agrees_with_libcbor_on_every_short_input(void **state)
{
	uint8_t b[3];

	(void)state;
	for (uint32_t x = 0; x < (1u << 24); x++) {
		b[0] = (uint8_t)(x >> 16);
		b[1] = (uint8_t)(x >> 8);
		b[2] = (uint8_t)x;
		heads_agree(b, 3);
		if ((x & 0xffff) == 0)
			heads_agree(b, 1);
		if ((x & 0xff) == 0)
			heads_agree(b, 2);
	}
}

/* Every initial byte with arguments of every width: the shortest form and
 * the others, at the edges of each width and at random, each with as many
 * bytes as a string needs, one too few, and none after the head. */
static void head_reader_agrees_with_libcbor_on_every_width(void **state)
{
	static const uint64_t edges[] = { 0, 23, 24, 255, 256, 65535, 65536,
		4294967295u, 4294967296u, UINT64_MAX };
	uint8_t b[64 + 9 + 1] = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15u;

	(void)state;
	for (unsigned ib = 0; ib < 256; ib++) {
		for (size_t e = 0; e < sizeof edges / sizeof edges[0] + 200; e++) {
			uint64_t v;

			seed = seed * 6364136223846793005u + 1442695040888963407u;
			v = e < sizeof edges / sizeof edges[0] ? edges[e] : seed >> (seed & 63);
			if ((ib & 0x1f) >= 24 && (ib & 0x1f) <= 27) {
				size_t w = (size_t)1 << ((ib & 0x1f) - 24);

				for (size_t i = 0; i < w; i++)
					b[1 + i] = (uint8_t)(v >> (8 * (w - 1 - i)));
				if (w < 8 && v >> (8 * w) != 0)
					b[1] = (uint8_t)(v & 0x3f); /* a small one, so strings fit */
			} else {
				memcpy(b + 1, &seed, 8);
			}
			b[0] = (uint8_t)ib;
			for (size_t len = 1; len <= sizeof b; len++)
				heads_agree(b, len);
		}
	}
}

/* The writer's heads against libcbor's cbor_encode_*, which the writer
 * used before: byte for byte, at the edges of every width and at random. */
static void head_writer_agrees_with_libcbor_at_every_width(void **state)
{
	static const uint64_t edges[] = { 0, 1, 23, 24, 255, 256, 65535, 65536,
		4294967295u, 4294967296u, INT64_MAX, (uint64_t)INT64_MAX + 1, UINT64_MAX };
	uint64_t seed = 0x2545f4914f6cdd1du;
	uint8_t data[300] = { 0 };

	(void)state;
	for (size_t e = 0; e < sizeof edges / sizeof edges[0] + 4000; e++) {
		uint64_t v;

		seed = seed * 6364136223846793005u + 1442695040888963407u;
		v = e < sizeof edges / sizeof edges[0] ? edges[e] : seed >> (seed % 64);
		for (int kind = 0; kind < 7; kind++) {
			uint8_t got[16 + sizeof data], want[16];
			struct jr_cbw w;
			size_t n = 0;

			jr_cbw_init_fixed(&w, got, sizeof got);
			switch (kind) {
			case 0: jr_cbw_uint(&w, v); n = cbor_encode_uint(v, want, sizeof want); break;
			case 1:
				jr_cbw_int(&w, -1 - (int64_t)(v >> 1));
				n = cbor_encode_negint(v >> 1, want, sizeof want);
				break;
			case 2: jr_cbw_array(&w, (size_t)v); n = cbor_encode_array_start((size_t)v, want, sizeof want); break;
			case 3: jr_cbw_map(&w, (size_t)v); n = cbor_encode_map_start((size_t)v, want, sizeof want); break;
			case 4:
				jr_cbw_bytes(&w, data, (size_t)(v % sizeof data));
				n = cbor_encode_bytestring_start((size_t)(v % sizeof data), want, sizeof want);
				break;
			case 5:
				jr_cbw_text(&w, (const char *)data, (size_t)(v % sizeof data));
				n = cbor_encode_string_start((size_t)(v % sizeof data), want, sizeof want);
				break;
			default:
				jr_cbw_bool(&w, v & 1);
				jr_cbw_null(&w);
				n = cbor_encode_bool(v & 1, want, sizeof want);
				n += cbor_encode_null(want + n, sizeof want - n);
				break;
			}
			assert_true(n > 0);
			assert_int_equal(w.err, JR_OK);
			assert_true(w.len >= n);
			if (memcmp(got, want, n) != 0)
				fail_msg("kind %d, argument %llu: the head differs from libcbor's", kind,
					(unsigned long long)v);
			assert_int_equal(w.len, kind == 4 || kind == 5 ? n + (size_t)(v % sizeof data) : n);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(head_reader_agrees_with_libcbor_on_every_short_input),
		cmocka_unit_test(head_reader_agrees_with_libcbor_on_every_width),
		cmocka_unit_test(head_writer_agrees_with_libcbor_at_every_width),
		cmocka_unit_test(fixed_writer_writes_into_the_callers_buffer_only),
		cmocka_unit_test(fixed_writer_past_its_buffer_fails_and_writes_nothing_beyond),
		cmocka_unit_test(writer_emits_appendix_a_unsigned_integers),
		cmocka_unit_test(reader_reads_appendix_a_unsigned_integers),
		cmocka_unit_test(writer_emits_appendix_a_negative_integers),
		cmocka_unit_test(reader_reads_appendix_a_negative_integers),
		cmocka_unit_test(reader_refuses_integers_that_int64_cannot_hold),
		cmocka_unit_test(writer_emits_appendix_a_byte_strings),
		cmocka_unit_test(reader_reads_appendix_a_byte_strings),
		cmocka_unit_test(writer_emits_appendix_a_text_strings),
		cmocka_unit_test(reader_reads_appendix_a_text_strings),
		cmocka_unit_test(writer_emits_string_heads_at_every_width),
		cmocka_unit_test(writer_emits_appendix_a_arrays),
		cmocka_unit_test(reader_reads_appendix_a_arrays),
		cmocka_unit_test(writer_emits_appendix_a_maps),
		cmocka_unit_test(reader_reads_appendix_a_maps),
		cmocka_unit_test(writer_emits_appendix_a_simple_values),
		cmocka_unit_test(every_vector_round_trips_through_reader_and_writer),
		cmocka_unit_test(check_accepts_exactly_the_canonical_single_bytes),
		cmocka_unit_test(check_accepts_exactly_the_canonical_two_byte_inputs),
		cmocka_unit_test(check_rejects_non_shortest_integers),
		cmocka_unit_test(check_rejects_non_shortest_string_lengths),
		cmocka_unit_test(check_rejects_non_shortest_array_and_map_counts),
		cmocka_unit_test(check_rejects_indefinite_lengths),
		cmocka_unit_test(check_rejects_reserved_additional_information),
		cmocka_unit_test(check_rejects_duplicate_map_keys),
		cmocka_unit_test(check_rejects_unsorted_map_keys),
		cmocka_unit_test(check_orders_map_keys_bytewise_not_length_first),
		cmocka_unit_test(writer_writes_the_rfc8949_key_order),
		cmocka_unit_test(check_rejects_trailing_bytes),
		cmocka_unit_test(check_rejects_every_truncation_of_every_vector),
		cmocka_unit_test(check_rejects_empty_input),
		cmocka_unit_test(check_rejects_tags),
		cmocka_unit_test(check_rejects_floats),
		cmocka_unit_test(check_rejects_undefined_and_other_simple_values),
		cmocka_unit_test(check_rejects_invalid_utf8),
		cmocka_unit_test(check_accepts_utf8_at_the_edges),
		cmocka_unit_test(check_rejects_nesting_deeper_than_the_maximum),
		cmocka_unit_test(check_rejects_lengths_beyond_the_input),
		cmocka_unit_test(reader_fails_on_every_type_mismatch_and_the_error_sticks),
		cmocka_unit_test(reader_clears_outputs_on_failure),
		cmocka_unit_test(reader_error_sticks_across_later_valid_items),
		cmocka_unit_test(reader_key_fails_on_the_wrong_key),
		cmocka_unit_test(reader_end_fails_with_bytes_left_over),
		cmocka_unit_test(reader_skip_passes_over_nested_items),
		cmocka_unit_test(reader_skip_and_check_agree_on_the_deepest_item),
		cmocka_unit_test(reader_skip_refuses_what_the_checker_refuses),
		cmocka_unit_test(reader_bounds_checks_unchecked_input),
		cmocka_unit_test(reader_refuses_a_count_larger_than_the_bytes_left),
		cmocka_unit_test(reader_refuses_a_null_input),
		cmocka_unit_test(writer_finish_fails_when_output_exceeds_the_cap),
		cmocka_unit_test(writer_output_exactly_at_the_cap_is_accepted),
		cmocka_unit_test(writer_error_stays_sticky_after_a_write_over_the_cap),
		cmocka_unit_test(writer_rejects_invalid_utf8_text),
		cmocka_unit_test(writer_refuses_map_keys_out_of_order),
		cmocka_unit_test(writer_refuses_wrong_item_counts),
		cmocka_unit_test(writer_refuses_an_empty_output),
		cmocka_unit_test(writer_raw_embeds_a_canonical_item),
		cmocka_unit_test(writer_free_releases_an_unfinished_writer),
		cmocka_unit_test(writer_grows_to_large_outputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
