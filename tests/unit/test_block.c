/* Blocks: encode, strict decode, sign and verify, the signed wire form. */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "jaring/record.h"
#include "block_int.h"

static struct jr_key *kiosk, *other_kiosk, *officer;
static uint8_t recs[JR_BLOCK_MAX_RECORDS + 1][40];

static int setup(void **state)
{
	uint8_t seed[32];
	size_t i;

	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	memset(seed, 1, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_KIOSK, seed, &kiosk) != JR_OK)
		return -1;
	memset(seed, 5, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_KIOSK, seed, &other_kiosk) != JR_OK)
		return -1;
	memset(seed, 6, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_OFFICER, seed, &officer) != JR_OK)
		return -1;
	for (i = 0; i < JR_BLOCK_MAX_RECORDS + 1; i++)
		jr_test_fill(recs[i], sizeof recs[i], (uint32_t)i + 100);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(officer);
	jr_key_free(other_kiosk);
	jr_key_free(kiosk);
	return 0;
}

/* A block at height h with n opaque records (the block does not look inside). */
static void make(struct jr_block *b, uint64_t height, size_t n)
{
	size_t i;

	memset(b, 0, sizeof *b);
	memcpy(b->kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	b->height = height;
	if (height > 1)
		jr_test_fill(b->prev, JR_HASH_BYTES, (uint32_t)height);
	b->time = 1790000000;
	b->n_records = n;
	for (i = 0; i < n; i++) {
		b->records[i] = recs[i];
		b->record_len[i] = sizeof recs[i];
	}
}

static void encode_ok(const struct jr_block *b, struct jr_buf *out)
{
	assert_int_equal(jr_block_encode(b, out), JR_OK);
}

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

static void expect_decode_fails(const uint8_t *p, size_t len, int want, const char *what)
{
	struct jr_block out;
	int rc;

	memset(&out, 0x55, sizeof out);
	rc = jr_block_decode(p, len, &out, NULL);
	if (rc == JR_OK || (want != 0 && rc != want))
		fail_msg("%s: decode gave %s", what, jr_strerror(rc));
	assert_true(is_zero(&out, sizeof out));
}

/* ---- round trips ---------------------------------------------------- */

static void block_round_trips_with_one_and_with_64_records(void **state)
{
	struct jr_block b, out;
	struct jr_buf body;
	size_t n, i;

	(void)state;
	for (n = 1; n <= JR_BLOCK_MAX_RECORDS; n += JR_BLOCK_MAX_RECORDS - 1) {
		make(&b, 7, n);
		encode_ok(&b, &body);
		assert_int_equal(jr_block_decode(body.base, body.len, &out, NULL), JR_OK);
		assert_memory_equal(out.kiosk_id, b.kiosk_id, JR_ID_BYTES);
		assert_int_equal(out.height, 7);
		assert_memory_equal(out.prev, b.prev, JR_HASH_BYTES);
		assert_int_equal(out.time, b.time);
		assert_int_equal(out.n_records, n);
		for (i = 0; i < n; i++) {
			assert_int_equal(out.record_len[i], sizeof recs[i]);
			assert_memory_equal(out.records[i], recs[i], sizeof recs[i]);
			/* Records point into the body; nothing is copied. */
			assert_true(out.records[i] > body.base &&
				out.records[i] < body.base + body.len);
		}
		jr_buf_free(&body);
	}
}

static void first_block_has_zero_prev_and_the_documented_prefix(void **state)
{
	static const uint8_t prefix[] = { 0xa6, 0x00, 0x01, 0x01, 0x50 };
	struct jr_block b, out;
	struct jr_buf body;

	(void)state;
	make(&b, 1, 1);
	encode_ok(&b, &body);
	assert_memory_equal(body.base, prefix, sizeof prefix);
	assert_int_equal(jr_block_decode(body.base, body.len, &out, NULL), JR_OK);
	assert_true(is_zero(out.prev, JR_HASH_BYTES));
	jr_buf_free(&body);
}

static void largest_block_fits_its_maximum(void **state)
{
	static uint8_t big[JR_BLOCK_MAX_RECORDS][JR_RECORD_MAX_BYTES];
	struct jr_block b, out;
	struct jr_buf body;
	size_t i;

	(void)state;
	make(&b, INT64_MAX, JR_BLOCK_MAX_RECORDS);
	b.time = INT64_MAX;
	for (i = 0; i < JR_BLOCK_MAX_RECORDS; i++) {
		b.records[i] = big[i];
		b.record_len[i] = JR_RECORD_MAX_BYTES;
	}
	encode_ok(&b, &body);
	assert_true(body.len <= JR_BLOCK_MAX_BYTES);
	assert_int_equal(jr_block_decode(body.base, body.len, &out, NULL), JR_OK);
	assert_int_equal(out.height, INT64_MAX);
	jr_buf_free(&body);
}

/* ---- encode refuses ------------------------------------------------- */

static void encode_rejects_blocks_out_of_range(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		make(&b, 3, 2);
		switch (i) {
		case 0: b.height = 0; break;
		case 1: b.height = (uint64_t)INT64_MAX + 1; break;
		case 2: b.height = 1; break; /* with a non-zero prev */
		case 3: b.n_records = 0; break;
		case 4: b.n_records = JR_BLOCK_MAX_RECORDS + 1; break;
		case 5: b.record_len[1] = 0; break;
		case 6: b.record_len[1] = JR_RECORD_MAX_BYTES + 1; break;
		case 7: b.records[0] = NULL; break;
		default: b.time = -1; break;
		}
		body.base = (uint8_t *)&body;
		body.len = 5;
		if (jr_block_encode(&b, &body) != JR_EINVAL)
			fail_msg("case %d was encoded", i);
		assert_null(body.base);
		assert_int_equal(body.len, 0);
	}
	assert_int_equal(jr_block_encode(NULL, &body), JR_EINVAL);
	assert_int_equal(jr_block_encode(&b, NULL), JR_EINVAL);
}

/* ---- strict decode -------------------------------------------------- */

static void decode_rejects_truncation_at_every_length(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	size_t n;

	(void)state;
	make(&b, 9, 3);
	encode_ok(&b, &body);
	for (n = 0; n < body.len; n++)
		expect_decode_fails(body.base, n, 0, "truncated");
	jr_buf_free(&body);
}

static void decode_rejects_trailing_bytes_and_oversized_input(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	uint8_t *buf = calloc(1, JR_BLOCK_MAX_BYTES + 1);

	(void)state;
	assert_non_null(buf);
	make(&b, 9, 1);
	encode_ok(&b, &body);
	memcpy(buf, body.base, body.len);
	expect_decode_fails(buf, body.len + 1, JR_EFORMAT, "trailing byte");
	expect_decode_fails(buf, JR_BLOCK_MAX_BYTES + 1, JR_ETOOBIG, "oversized");
	assert_int_equal(jr_block_decode(NULL, 4, &b, NULL), JR_EINVAL);
	assert_int_equal(jr_block_decode(body.base, body.len, NULL, NULL), JR_EINVAL);
	free(buf);
	jr_buf_free(&body);
}

/* Writes a body with full control over each field's encoding. */
struct shape {
	size_t map_n;          /* entries in the map head */
	uint64_t version;
	size_t id_len;
	uint64_t height;
	size_t prev_len;
	bool prev_zero;
	uint64_t time;
	size_t n_records;
	size_t rec_len;
	bool rec_as_text;
	int skip_key;          /* key left out, or -1 */
	int extra_key;         /* key written after 5, or -1 */
	bool swap_2_3;
};

static const struct shape good_shape = {
	6, 1, 16, 5, 32, false, 1790000000, 2, 20, false, -1, -1, false
};

static void build(const struct shape *s, struct jr_buf *out)
{
	static const uint8_t fill[JR_RECORD_MAX_BYTES + 1] = { 0x11 };
	uint8_t prev[40];
	struct jr_cbw w;
	size_t i;

	memset(prev, s->prev_zero ? 0 : 0x22, sizeof prev);
	jr_cbw_init(&w, 4 * JR_BLOCK_MAX_BYTES);
	jr_cbw_map(&w, s->map_n);
	if (s->skip_key != 0)
		jr_cbw_uint(&w, 0), jr_cbw_uint(&w, s->version);
	if (s->skip_key != 1)
		jr_cbw_uint(&w, 1), jr_cbw_bytes(&w, fill, s->id_len);
	if (s->swap_2_3)
		jr_cbw_uint(&w, 3), jr_cbw_bytes(&w, prev, s->prev_len);
	if (s->skip_key != 2)
		jr_cbw_uint(&w, 2), jr_cbw_uint(&w, s->height);
	if (s->skip_key != 3 && !s->swap_2_3)
		jr_cbw_uint(&w, 3), jr_cbw_bytes(&w, prev, s->prev_len);
	if (s->skip_key != 4)
		jr_cbw_uint(&w, 4), jr_cbw_uint(&w, s->time);
	if (s->skip_key != 5) {
		jr_cbw_uint(&w, 5);
		jr_cbw_array(&w, s->n_records);
		for (i = 0; i < s->n_records; i++) {
			if (s->rec_as_text)
				jr_cbw_text(&w, "aaaa", 4);
			else
				jr_cbw_bytes(&w, fill, s->rec_len);
		}
	}
	if (s->extra_key >= 0)
		jr_cbw_uint(&w, (uint64_t)s->extra_key), jr_cbw_uint(&w, 0);
	/* Some shapes are not canonical or not even well-formed (a map head
	 * that miscounts), which jr_cbw_finish refuses: take the raw bytes. */
	assert_int_equal(w.err, JR_OK);
	out->base = malloc(w.len);
	assert_non_null(out->base);
	memcpy(out->base, w.base, w.len);
	out->len = w.len;
	jr_cbw_free(&w);
}

static void shape_builder_makes_a_good_block(void **state)
{
	struct jr_block out;
	struct jr_buf body;

	(void)state;
	build(&good_shape, &body);
	assert_int_equal(jr_cbor_check(body.base, body.len, NULL), JR_OK);
	assert_int_equal(jr_block_decode(body.base, body.len, &out, NULL), JR_OK);
	assert_int_equal(out.height, 5);
	assert_int_equal(out.n_records, 2);
	jr_buf_free(&body);
}

static void decode_rejects_each_field_out_of_shape(void **state)
{
	struct {
		struct shape s;
		int want;
		const char *what;
	} cases[24];
	struct jr_buf body;
	size_t n = 0, i;

	(void)state;
#define CASE(field, value, code, text) do { \
	cases[n].s = good_shape; cases[n].s.field = value; \
	cases[n].want = code; cases[n].what = text; n++; } while (0)
	CASE(version, 0, JR_EVERSION, "version 0");
	CASE(version, 2, JR_EVERSION, "version 2");
	CASE(map_n, 5, JR_EFORMAT, "5 entries in the head");
	CASE(map_n, 7, JR_EFORMAT, "7 entries in the head");
	CASE(id_len, 15, JR_EFORMAT, "kiosk id of 15");
	CASE(id_len, 17, JR_EFORMAT, "kiosk id of 17");
	CASE(height, 0, JR_EFORMAT, "height 0");
	CASE(height, (uint64_t)INT64_MAX + 1, JR_EFORMAT, "height 2^63");
	CASE(height, 1, JR_EFORMAT, "height 1 with a non-zero prev");
	CASE(prev_len, 31, JR_EFORMAT, "prev of 31");
	CASE(prev_len, 0, JR_EFORMAT, "empty prev");
	CASE(time, (uint64_t)INT64_MAX + 1, JR_EFORMAT, "time 2^63");
	CASE(n_records, 0, JR_EFORMAT, "no records");
	CASE(n_records, JR_BLOCK_MAX_RECORDS + 1, JR_EFORMAT, "65 records");
	CASE(rec_len, 0, JR_EFORMAT, "an empty record");
	CASE(rec_len, JR_RECORD_MAX_BYTES + 1, JR_EFORMAT, "a record over 1024 bytes");
	CASE(rec_as_text, true, JR_EFORMAT, "records as text");
	CASE(swap_2_3, true, JR_EFORMAT, "keys 2 and 3 swapped");
	CASE(extra_key, 6, JR_EFORMAT, "an extra key 6");
	CASE(skip_key, 0, JR_EFORMAT, "no version");
	CASE(skip_key, 1, JR_EFORMAT, "no kiosk id");
	CASE(skip_key, 3, JR_EFORMAT, "no prev");
	CASE(skip_key, 5, JR_EFORMAT, "no records");
	CASE(skip_key, 4, JR_EFORMAT, "no time");
#undef CASE
	for (i = 0; i < n; i++) {
		/* Keep the map head honest so only the field is at fault. */
		if (cases[i].s.skip_key >= 0)
			cases[i].s.map_n = 5;
		if (cases[i].s.extra_key >= 0)
			cases[i].s.map_n = 7;
		build(&cases[i].s, &body);
		expect_decode_fails(body.base, body.len, cases[i].want, cases[i].what);
		jr_buf_free(&body);
	}
}

static void decode_rejects_non_canonical_heads(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	uint8_t buf[600];
	size_t off;

	(void)state;
	make(&b, 5, 1);
	encode_ok(&b, &body);
	/* height 5 at offset 22 (a6 00 01 01 50 <16> 02 05): as 0x18 0x05. */
	off = 5 + JR_ID_BYTES + 1;
	assert_int_equal(body.base[off], 0x05);
	memcpy(buf, body.base, off);
	buf[off] = 0x18;
	buf[off + 1] = 0x05;
	memcpy(buf + off + 2, body.base + off + 1, body.len - off - 1);
	expect_decode_fails(buf, body.len + 1, JR_EFORMAT, "long height");
	/* The map as indefinite length. */
	memcpy(buf, body.base, body.len);
	buf[0] = 0xbf;
	buf[body.len] = 0xff;
	expect_decode_fails(buf, body.len + 1, JR_EFORMAT, "indefinite map");
	/* An array where the map should be. */
	buf[0] = 0x8c;
	expect_decode_fails(buf, body.len, JR_EFORMAT, "array of 12");
	jr_buf_free(&body);
}

/* ---- the shard's fast scan agrees with the decoder ------------------- */

static void scan_agrees(const uint8_t *p, size_t len, const char *what)
{
	struct jr_block b;
	struct jr_block_scan sc;
	int rd = jr_block_decode(p, len, &b, NULL);
	int rs = jr_block_scan(p, len, &sc);

	if ((rd == JR_OK) != (rs == JR_OK))
		fail_msg("%s: decode says %s, scan says %s", what, jr_strerror(rd), jr_strerror(rs));
	if (rd != JR_OK) {
		assert_true(is_zero(&sc, sizeof sc));
		return;
	}
	assert_int_equal(sc.height, b.height);
	assert_int_equal(sc.time, b.time);
	assert_int_equal(sc.n_records, b.n_records);
	assert_memory_equal(sc.kiosk_id, b.kiosk_id, JR_ID_BYTES);
	assert_memory_equal(sc.prev, b.prev, JR_HASH_BYTES);
}

static void fast_scan_agrees_with_decode_on_every_flip_cut_and_shape(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	uint8_t buf[4096];
	size_t i, n;
	int bit;

	(void)state;
	make(&b, 300, 3);
	b.time = 70000; /* a 4-byte head */
	encode_ok(&b, &body);
	assert_true(body.len <= sizeof buf);
	scan_agrees(body.base, body.len, "the good body");
	for (n = 0; n < body.len; n++)
		scan_agrees(body.base, n, "a cut body");
	memcpy(buf, body.base, body.len);
	for (i = 0; i < body.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			scan_agrees(buf, body.len, "a flipped bit");
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	jr_buf_free(&body);
	make(&b, 1, 1);
	encode_ok(&b, &body);
	scan_agrees(body.base, body.len, "height 1");
	memcpy(buf, body.base, body.len);
	buf[26] = 1; /* first byte of prev */
	scan_agrees(buf, body.len, "height 1, prev not zero");
	jr_buf_free(&body);
}

static void fast_scan_agrees_with_decode_on_every_shape(void **state)
{
	struct shape s;
	struct jr_buf body;
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		s = good_shape;
		switch (i) {
		case 0: s.version = 2; break;
		case 1: s.map_n = 5; break;
		case 2: s.map_n = 7; break;
		case 3: s.id_len = 15; break;
		case 4: s.height = 0; break;
		case 5: s.height = (uint64_t)INT64_MAX + 1; break;
		case 6: s.height = 1; break;
		case 7: s.height = 1; s.prev_zero = true; break;
		case 8: s.prev_len = 33; break;
		case 9: s.time = (uint64_t)INT64_MAX + 1; break;
		case 10: s.time = INT64_MAX; break;
		case 11: s.n_records = 0; break;
		case 12: s.n_records = JR_BLOCK_MAX_RECORDS + 1; break;
		case 13: s.n_records = JR_BLOCK_MAX_RECORDS; break;
		case 14: s.rec_len = JR_RECORD_MAX_BYTES; break;
		case 15: s.rec_len = JR_RECORD_MAX_BYTES + 1; break;
		case 16: s.rec_as_text = true; break;
		case 17: s.swap_2_3 = true; break;
		case 18: s.extra_key = 6; s.map_n = 7; break;
		default: s.skip_key = 4; s.map_n = 5; break;
		}
		build(&s, &body);
		scan_agrees(body.base, body.len, "a shape");
		jr_buf_free(&body);
	}
}

/* ---- signatures ----------------------------------------------------- */

static void sign_and_verify_a_block(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	struct jr_pubkey pub;
	uint8_t hash[JR_HASH_BYTES], want[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	make(&b, 2, 1);
	encode_ok(&b, &body);
	assert_int_equal(jr_block_sign(kiosk, body.base, body.len, hash, sig), JR_OK);
	jr_hash(body.base, body.len, want);
	assert_memory_equal(hash, want, JR_HASH_BYTES);
	jr_key_public(kiosk, &pub);
	assert_int_equal(jr_block_verify_sig(pub.sign_pk, hash, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pub.sign_pk, JR_BLOCK_DOMAIN, hash, sig), JR_OK);
	jr_buf_free(&body);
}

static void verify_rejects_a_flipped_bit_in_hash_or_signature(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	struct jr_pubkey pub;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	size_t i;

	(void)state;
	make(&b, 2, 1);
	encode_ok(&b, &body);
	assert_int_equal(jr_block_sign(kiosk, body.base, body.len, hash, sig), JR_OK);
	jr_key_public(kiosk, &pub);
	for (i = 0; i < JR_HASH_BYTES; i++) {
		hash[i] ^= 0x10;
		assert_int_equal(jr_block_verify_sig(pub.sign_pk, hash, sig), JR_ESIG);
		hash[i] ^= 0x10;
	}
	for (i = 0; i < JR_SIG_BYTES; i++) {
		sig[i] ^= 0x01;
		assert_int_equal(jr_block_verify_sig(pub.sign_pk, hash, sig), JR_ESIG);
		sig[i] ^= 0x01;
	}
	jr_buf_free(&body);
}

static void verify_rejects_another_kiosks_key(void **state)
{
	struct jr_block b;
	struct jr_buf body;
	struct jr_pubkey pub;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	make(&b, 2, 1);
	encode_ok(&b, &body);
	assert_int_equal(jr_block_sign(kiosk, body.base, body.len, hash, sig), JR_OK);
	jr_key_public(other_kiosk, &pub);
	assert_int_equal(jr_block_verify_sig(pub.sign_pk, hash, sig), JR_ESIG);
	jr_buf_free(&body);
}

static void a_signature_for_another_domain_does_not_verify_as_a_block(void **state)
{
	struct jr_pubkey pub;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	jr_test_fill(hash, sizeof hash, 3);
	assert_int_equal(jr_sign_hash(kiosk, "jaring/receipt/v1", hash, sig), JR_OK);
	jr_key_public(kiosk, &pub);
	assert_int_equal(jr_block_verify_sig(pub.sign_pk, hash, sig), JR_ESIG);
}

static void sign_refuses_a_key_that_is_not_a_kiosk_and_bad_bodies(void **state)
{
	uint8_t body[8] = { 0xa0 }, hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	memset(hash, 0x55, sizeof hash);
	memset(sig, 0x55, sizeof sig);
	assert_int_equal(jr_block_sign(officer, body, sizeof body, hash, sig), JR_EKEY);
	assert_true(is_zero(hash, sizeof hash) && is_zero(sig, sizeof sig));
	assert_int_equal(jr_block_sign(kiosk, body, 0, hash, sig), JR_EINVAL);
	assert_int_equal(jr_block_sign(kiosk, NULL, 4, hash, sig), JR_EINVAL);
	assert_int_equal(jr_block_sign(NULL, body, 4, hash, sig), JR_EINVAL);
	assert_int_equal(jr_block_sign(kiosk, body, JR_BLOCK_MAX_BYTES + 1, hash, sig), JR_EINVAL);
}

/* ---- signed wire form ----------------------------------------------- */

static void signed_block_round_trips(void **state)
{
	struct jr_block b;
	struct jr_buf body, wire;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	const uint8_t *pb, *ps;
	size_t pl;

	(void)state;
	make(&b, 4, 2);
	encode_ok(&b, &body);
	assert_int_equal(jr_block_sign(kiosk, body.base, body.len, hash, sig), JR_OK);
	assert_int_equal(jr_signed_block_encode(body.base, body.len, sig, &wire), JR_OK);
	assert_int_equal(wire.base[0], 0x82);
	assert_int_equal(jr_signed_block_decode(wire.base, wire.len, &pb, &pl, &ps, NULL), JR_OK);
	assert_int_equal(pl, body.len);
	assert_memory_equal(pb, body.base, body.len);
	assert_memory_equal(ps, sig, JR_SIG_BYTES);
	assert_true(pb > wire.base && ps > pb && ps + JR_SIG_BYTES == wire.base + wire.len);
	jr_buf_free(&wire);
	jr_buf_free(&body);
}

static void expect_signed_fails(const uint8_t *p, size_t len, const char *what)
{
	const uint8_t *pb = (const uint8_t *)"x", *ps = (const uint8_t *)"y";
	size_t pl = 7;

	if (jr_signed_block_decode(p, len, &pb, &pl, &ps, NULL) == JR_OK)
		fail_msg("%s was accepted", what);
	assert_null(pb);
	assert_null(ps);
	assert_int_equal(pl, 0);
}

static void signed_block_decode_rejects_every_wrong_shape(void **state)
{
	uint8_t body[50], sig[70], *buf;
	struct jr_buf wire;
	struct jr_cbw w;
	size_t n;
	int i;

	(void)state;
	memset(body, 0xa0, sizeof body);
	memset(sig, 0x44, sizeof sig);
	assert_int_equal(jr_signed_block_encode(body, sizeof body, sig, &wire), JR_OK);
	for (n = 0; n < wire.len; n++)
		expect_signed_fails(wire.base, n, "a truncated signed block");
	buf = malloc(wire.len + 1);
	assert_non_null(buf);
	memcpy(buf, wire.base, wire.len);
	buf[wire.len] = 0;
	expect_signed_fails(buf, wire.len + 1, "a trailing byte");
	free(buf);
	jr_buf_free(&wire);
	for (i = 0; i < 7; i++) {
		jr_cbw_init(&w, 1024);
		switch (i) {
		case 0: jr_cbw_array(&w, 1); jr_cbw_bytes(&w, body, 50); break;
		case 1: jr_cbw_array(&w, 3); jr_cbw_bytes(&w, body, 50);
			jr_cbw_bytes(&w, sig, 64); jr_cbw_bytes(&w, sig, 1); break;
		case 2: jr_cbw_array(&w, 2); jr_cbw_bytes(&w, body, 50); jr_cbw_bytes(&w, sig, 63); break;
		case 3: jr_cbw_array(&w, 2); jr_cbw_bytes(&w, body, 50); jr_cbw_bytes(&w, sig, 65); break;
		case 4: jr_cbw_array(&w, 2); jr_cbw_bytes(&w, body, 0); jr_cbw_bytes(&w, sig, 64); break;
		case 5: jr_cbw_array(&w, 2); jr_cbw_text(&w, "abc", 3); jr_cbw_bytes(&w, sig, 64); break;
		default: jr_cbw_map(&w, 1); jr_cbw_bytes(&w, body, 50); jr_cbw_bytes(&w, sig, 64); break;
		}
		assert_int_equal(jr_cbw_finish(&w, &wire), JR_OK);
		expect_signed_fails(wire.base, wire.len, "a wrong shape");
		jr_buf_free(&wire);
	}
	expect_signed_fails(NULL, 5, "NULL");
	assert_int_equal(jr_signed_block_encode(body, 0, sig, &wire), JR_EINVAL);
	assert_null(wire.base);
	assert_int_equal(jr_signed_block_encode(body, JR_BLOCK_MAX_BYTES + 1, sig, &wire), JR_ETOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(block_round_trips_with_one_and_with_64_records),
		cmocka_unit_test(first_block_has_zero_prev_and_the_documented_prefix),
		cmocka_unit_test(largest_block_fits_its_maximum),
		cmocka_unit_test(encode_rejects_blocks_out_of_range),
		cmocka_unit_test(decode_rejects_truncation_at_every_length),
		cmocka_unit_test(decode_rejects_trailing_bytes_and_oversized_input),
		cmocka_unit_test(shape_builder_makes_a_good_block),
		cmocka_unit_test(decode_rejects_each_field_out_of_shape),
		cmocka_unit_test(decode_rejects_non_canonical_heads),
		cmocka_unit_test(fast_scan_agrees_with_decode_on_every_flip_cut_and_shape),
		cmocka_unit_test(fast_scan_agrees_with_decode_on_every_shape),
		cmocka_unit_test(sign_and_verify_a_block),
		cmocka_unit_test(verify_rejects_a_flipped_bit_in_hash_or_signature),
		cmocka_unit_test(verify_rejects_another_kiosks_key),
		cmocka_unit_test(a_signature_for_another_domain_does_not_verify_as_a_block),
		cmocka_unit_test(sign_refuses_a_key_that_is_not_a_kiosk_and_bad_bodies),
		cmocka_unit_test(signed_block_round_trips),
		cmocka_unit_test(signed_block_decode_rejects_every_wrong_shape),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
