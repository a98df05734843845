/*
 * Receipts: signed payload, QR text, typed code, and the whole path a
 * receipt takes — rendered, saved as PNG, scaled or rotated, scanned by our
 * zbar call and by the independent zbarimg command, then verified.
 *
 * Every name here is synthetic ("Siti Contoh" masked as "S*** C*****").
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "testutil.h"
#include "jaring/codec.h"
#include "jaring/image.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"

/* Keep in step with tests/fuzz/fuzz_receipt.c: the fuzz target verifies
 * against the key made from this seed, so the corpus's valid seeds reach the
 * signature check. */
static void fuzz_key_seed(uint8_t seed[JR_SEED_BYTES])
{
	for (size_t i = 0; i < JR_SEED_BYTES; i++)
		seed[i] = (uint8_t)(i + 1);
}

static struct jr_key *kiosk_a, *kiosk_b, *officer;
static struct jr_pubkey pub_a, pub_b;

static struct jr_key *key_from(enum jr_role role, uint32_t n)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	jr_test_fill(seed, sizeof seed, n);
	assert_int_equal(jr_key_from_seed(role, seed, &k), JR_OK);
	return k;
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(jr_init(), JR_OK);
	kiosk_a = key_from(JR_ROLE_KIOSK, 1);
	kiosk_b = key_from(JR_ROLE_KIOSK, 2);
	officer = key_from(JR_ROLE_OFFICER, 3);
	jr_key_public(kiosk_a, &pub_a);
	jr_key_public(kiosk_b, &pub_b);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(kiosk_a);
	jr_key_free(kiosk_b);
	jr_key_free(officer);
	return 0;
}

static void sample(const struct jr_key *k, struct jr_receipt *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r->height = 42;
	jr_test_fill(r->regid, JR_REGID_BYTES, 77);
	r->time = 1767225600; /* 2026-01-01 00:00:00 UTC */
	memcpy(r->masked_name, "S*** C*****", sizeof "S*** C*****");
	r->policy_version = 3;
}

/* Largest fields that must always fit: numbers just under 2^32 and a name
 * of the full JR_MASKED_NAME_MAX bytes. */
static void worst_case(const struct jr_key *k, struct jr_receipt *r)
{
	sample(k, r);
	r->height = UINT32_MAX;
	r->time = UINT32_MAX;
	r->policy_version = UINT32_MAX;
	memset(r->masked_name, 0, sizeof r->masked_name);
	memcpy(r->masked_name, "S*** C***** A***", JR_MASKED_NAME_MAX);
}

static void sign_ok(const struct jr_receipt *r, const struct jr_key *k,
	struct jr_buf *out)
{
	assert_int_equal(jr_receipt_sign(r, k, out), JR_OK);
	assert_non_null(out->base);
	assert_true(out->len <= JR_RECEIPT_MAX_BYTES);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void assert_same_receipt(const struct jr_receipt *a,
	const struct jr_receipt *b)
{
	assert_memory_equal(a->kiosk_id, b->kiosk_id, JR_ID_BYTES);
	assert_true(a->height == b->height);
	assert_memory_equal(a->regid, b->regid, JR_REGID_BYTES);
	assert_true(a->time == b->time);
	assert_string_equal(a->masked_name, b->masked_name);
	assert_int_equal(a->policy_version, b->policy_version);
}

/* Verification must fail, and fail closed. */
static int verify_fails(const uint8_t *p, size_t len, const uint8_t *pk)
{
	struct jr_receipt out;
	struct jr_errbuf eb = { 0 };
	int rc;

	memset(&out, 0xa5, sizeof out);
	rc = jr_receipt_verify(p, len, pk, &out, &eb);
	assert_int_not_equal(rc, JR_OK);
	assert_true(all_zero(&out, sizeof out));
	assert_int_equal(eb.code, rc);
	assert_true(eb.msg[0] != '\0');
	return rc;
}

static int decode_fails(const uint8_t *p, size_t len)
{
	struct jr_receipt out;
	const uint8_t *sig = p;
	int rc;

	memset(&out, 0xa5, sizeof out);
	rc = jr_receipt_decode(p, len, &out, &sig, NULL);
	assert_int_not_equal(rc, JR_OK);
	assert_true(all_zero(&out, sizeof out));
	assert_null(sig);
	return rc;
}

/* ---- hand-made payloads: what a lax decoder would accept ---------------- */

struct raw {
	uint8_t b[512];
	size_t n;
};

static void raw_put(struct raw *r, const void *p, size_t n)
{
	assert_true(r->n + n <= sizeof r->b);
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void raw_byte(struct raw *r, unsigned v)
{
	uint8_t b = (uint8_t)v;

	raw_put(r, &b, 1);
}

/* A head with the given additional-information width (0 = shortest). */
static void raw_head_ai(struct raw *r, unsigned major, uint64_t v, unsigned ai)
{
	unsigned bytes;

	if (ai == 0)
		ai = v < 24 ? (unsigned)v : v <= 0xff ? 24 : v <= 0xffff ? 25 :
			v <= 0xffffffffu ? 26 : 27;
	raw_byte(r, major << 5 | ai);
	bytes = ai < 24 ? 0 : 1u << (ai - 24);
	for (unsigned i = bytes; i > 0; i--)
		raw_byte(r, (unsigned)(v >> (8 * (i - 1))) & 0xff);
}

static void raw_head(struct raw *r, unsigned major, uint64_t v)
{
	raw_head_ai(r, major, v, 0);
}

static void raw_bytes(struct raw *r, unsigned major, const void *p, size_t n)
{
	raw_head(r, major, n);
	raw_put(r, p, n);
}

enum mut {
	M_NONE,
	/* body */
	M_MAP_HEAD_WIDE, M_VERSION_WIDE, M_VERSION_2, M_VERSION_0, M_VERSION_TEXT,
	M_KEY_TEXT, M_KIOSK_15, M_KIOSK_17, M_KIOSK_TAGGED, M_HEIGHT_WIDE,
	M_HEIGHT_NEG, M_HEIGHT_TEXT, M_REGID_15, M_REGID_17, M_REGID_TEXT,
	M_KEYS_SWAPPED, M_TIME_NEG, M_TIME_HUGE, M_TIME_FLOAT, M_NAME_17,
	M_NAME_NUL, M_NAME_BAD_UTF8, M_NAME_BYTES, M_NAME_INDEF, M_NAME_WIDE,
	M_POLICY_2_32, M_POLICY_NULL, M_DUP_KEY, M_EXTRA_KEY, M_MISSING_KEY,
	M_BODY_TRAILING, M_BODY_ARRAY, M_BODY_EMPTY,
	/* outer */
	M_OUT_TRAILING, M_OUT_ARRAY3, M_OUT_ARRAY1, M_OUT_SIG_63, M_OUT_SIG_65,
	M_OUT_SIG_TEXT, M_OUT_MAP, M_OUT_INDEF, M_OUT_BODY_WIDE, M_OUT_TAGGED,
	M_OUT_SWAPPED, M_OUT_BODY_RAW,
	M_COUNT
};

static void body_name(struct raw *b, const struct jr_receipt *r, enum mut m)
{
	const char *name = r->masked_name;
	size_t n = strlen(name);

	raw_byte(b, 0x05);
	if (m == M_NAME_17)
		raw_bytes(b, 3, "S*** C***** A****", 17);
	else if (m == M_NAME_NUL)
		raw_bytes(b, 3, "S***\0C*****", 11);
	else if (m == M_NAME_BAD_UTF8)
		raw_bytes(b, 3, "S*** \xff*****", 11);
	else if (m == M_NAME_BYTES)
		raw_bytes(b, 2, name, n);
	else if (m == M_NAME_INDEF) {
		raw_byte(b, 0x7f);
		raw_bytes(b, 3, name, n);
		raw_byte(b, 0xff);
	} else if (m == M_NAME_WIDE) {
		raw_head_ai(b, 3, n, 24);
		raw_put(b, name, n);
	} else
		raw_bytes(b, 3, name, n);
}

static void body_time(struct raw *b, const struct jr_receipt *r, enum mut m)
{
	static const uint8_t one_point_five[] = { 0xfb, 0x41, 0xda, 0x54, 0x56,
		0x9c, 0x00, 0x00, 0x00 };

	raw_byte(b, 0x04);
	if (m == M_TIME_NEG)
		raw_head(b, 1, 99);
	else if (m == M_TIME_HUGE)
		raw_head(b, 0, (uint64_t)INT64_MAX + 1);
	else if (m == M_TIME_FLOAT)
		raw_put(b, one_point_five, sizeof one_point_five);
	else
		raw_head(b, 0, (uint64_t)r->time);
}

static void body_ids(struct raw *b, const struct jr_receipt *r, enum mut m)
{
	uint8_t id17[17] = { 0 };

	raw_byte(b, 0x01);
	memcpy(id17, r->kiosk_id, JR_ID_BYTES);
	if (m == M_KIOSK_TAGGED)
		raw_head(b, 6, 64);
	raw_bytes(b, 2, id17, m == M_KIOSK_15 ? 15 : m == M_KIOSK_17 ? 17 :
		JR_ID_BYTES);
	raw_byte(b, 0x02);
	if (m == M_HEIGHT_WIDE)
		raw_head_ai(b, 0, r->height, 26);
	else if (m == M_HEIGHT_NEG)
		raw_head(b, 1, r->height);
	else if (m == M_HEIGHT_TEXT)
		raw_bytes(b, 3, "42", 2);
	else
		raw_head(b, 0, r->height);
	raw_byte(b, 0x03);
	memcpy(id17, r->regid, JR_REGID_BYTES);
	if (m == M_REGID_TEXT)
		raw_bytes(b, 3, "0123456789abcdef", 16);
	else
		raw_bytes(b, 2, id17, m == M_REGID_15 ? 15 : m == M_REGID_17 ?
			17 : JR_REGID_BYTES);
}

static void body_version(struct raw *b, enum mut m)
{
	size_t n = m == M_EXTRA_KEY || m == M_DUP_KEY ? 8 :
		m == M_MISSING_KEY ? 6 : 7;

	if (m == M_BODY_ARRAY)
		raw_head(b, 4, 14);
	else
		raw_head_ai(b, 5, n, m == M_MAP_HEAD_WIDE ? 24 : 0);
	if (m == M_KEY_TEXT)
		raw_bytes(b, 3, "0", 1);
	else
		raw_byte(b, 0x00);
	if (m == M_VERSION_WIDE)
		raw_head_ai(b, 0, 1, 24);
	else if (m == M_VERSION_TEXT)
		raw_bytes(b, 3, "1", 1);
	else
		raw_head(b, 0, m == M_VERSION_2 ? 2 : m == M_VERSION_0 ? 0 : 1);
}

static void build_body(struct raw *b, const struct jr_receipt *r, enum mut m)
{
	if (m == M_BODY_EMPTY)
		return;
	body_version(b, m);
	body_ids(b, r, m);
	if (m == M_KEYS_SWAPPED)
		body_name(b, r, m);
	body_time(b, r, m);
	if (m != M_KEYS_SWAPPED)
		body_name(b, r, m);
	if (m != M_MISSING_KEY) {
		raw_byte(b, 0x06);
		if (m == M_POLICY_2_32)
			raw_head(b, 0, (uint64_t)UINT32_MAX + 1);
		else if (m == M_POLICY_NULL)
			raw_byte(b, 0xf6);
		else
			raw_head(b, 0, r->policy_version);
	}
	if (m == M_DUP_KEY) {
		raw_byte(b, 0x06);
		raw_head(b, 0, r->policy_version);
	}
	if (m == M_EXTRA_KEY) {
		raw_byte(b, 0x07);
		raw_byte(b, 0x00);
	}
	if (m == M_BODY_TRAILING)
		raw_byte(b, 0x00);
}

static void build_outer(struct raw *o, const struct raw *body,
	const uint8_t sig[JR_SIG_BYTES], enum mut m)
{
	if (m == M_OUT_TAGGED)
		raw_head(o, 6, 18);
	if (m == M_OUT_MAP) {
		raw_head(o, 5, 2);
		raw_byte(o, 0x00);
	} else if (m == M_OUT_INDEF) {
		raw_byte(o, 0x9f);
	} else {
		raw_head(o, 4, m == M_OUT_ARRAY3 ? 3 : m == M_OUT_ARRAY1 ? 1 : 2);
	}
	if (m == M_OUT_SWAPPED)
		raw_bytes(o, 2, sig, JR_SIG_BYTES);
	if (m == M_OUT_BODY_WIDE) {
		raw_head_ai(o, 2, body->n, 25);
		raw_put(o, body->b, body->n);
	} else if (m == M_OUT_BODY_RAW) {
		raw_put(o, body->b, body->n);
	} else {
		raw_bytes(o, 2, body->b, body->n);
	}
	if (m == M_OUT_MAP)
		raw_byte(o, 0x01);
	if (m == M_OUT_SIG_TEXT)
		raw_bytes(o, 3, "0123456789012345678901234567890123456789012345"
			"678901234567890123", JR_SIG_BYTES);
	else if (m == M_OUT_SWAPPED || m == M_OUT_ARRAY1)
		;
	else
		raw_bytes(o, 2, sig, m == M_OUT_SIG_63 ? 63 : m == M_OUT_SIG_65 ?
			65 : JR_SIG_BYTES);
	if (m == M_OUT_ARRAY3 || m == M_OUT_TRAILING)
		raw_byte(o, 0x00);
	if (m == M_OUT_INDEF)
		raw_byte(o, 0xff);
}

/* Signs the (possibly broken) body properly, so that only the decoder's
 * strictness can reject it. The signature is 65 bytes' worth of buffer for
 * M_OUT_SIG_65. */
static void build(struct raw *o, const struct jr_receipt *r,
	const struct jr_key *k, enum mut m)
{
	struct raw body = { .n = 0 };
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES + 1] = { 0 };

	build_body(&body, r, m);
	jr_hash(body.b, body.n, hash);
	assert_int_equal(jr_sign_hash(k, JR_RECEIPT_DOMAIN, hash, sig), JR_OK);
	o->n = 0;
	build_outer(o, &body, sig, m);
}

/* ---- payload ------------------------------------------------------------ */

static void receipt_signs_and_verifies_with_the_kiosk_key(void **state)
{
	struct jr_receipt r, got;
	struct jr_buf p = { NULL, 0 };
	struct jr_errbuf eb = { 0 };

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(jr_receipt_verify(p.base, p.len, pub_a.sign_pk, &got,
		&eb), JR_OK);
	assert_same_receipt(&r, &got);
	jr_buf_free(&p);
}

static void receipt_decode_reads_fields_and_points_at_the_signature(
	void **state)
{
	struct jr_receipt r, got;
	struct jr_buf p = { NULL, 0 };
	const uint8_t *sig = NULL;

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(jr_receipt_decode(p.base, p.len, &got, &sig, NULL),
		JR_OK);
	assert_same_receipt(&r, &got);
	assert_ptr_equal(sig, p.base + p.len - JR_SIG_BYTES);
	jr_buf_free(&p);
}

static void receipt_bytes_match_the_documented_layout(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	struct raw hand = { .n = 0 };

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	build(&hand, &r, kiosk_a, M_NONE);
	assert_int_equal(p.len, hand.n);
	assert_memory_equal(p.base, hand.b, hand.n);
	assert_int_equal(p.base[0], 0x82);
	assert_int_equal(p.base[1], 0x58);
	assert_int_equal(p.base[3], 0xa7);
	jr_buf_free(&p);
}

static void receipt_verify_rejects_another_kiosks_key(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(verify_fails(p.base, p.len, pub_b.sign_pk), JR_EKEY);
	jr_buf_free(&p);
}

static void receipt_verify_rejects_a_signature_by_another_kiosk(void **state)
{
	struct jr_receipt r;
	struct raw forged = { .n = 0 };

	(void)state;
	sample(kiosk_a, &r); /* names kiosk A ... */
	build(&forged, &r, kiosk_b, M_NONE); /* ... signed by kiosk B */
	assert_int_equal(verify_fails(forged.b, forged.n, pub_a.sign_pk),
		JR_ESIG);
	assert_int_equal(verify_fails(forged.b, forged.n, pub_b.sign_pk),
		JR_EKEY);
}

static void receipt_verify_rejects_every_single_flipped_bit(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	uint8_t copy[JR_RECEIPT_MAX_BYTES];

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	for (size_t bit = 0; bit < p.len * 8; bit++) {
		memcpy(copy, p.base, p.len);
		copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		verify_fails(copy, p.len, pub_a.sign_pk);
	}
	jr_buf_free(&p);
}

static void receipt_decode_rejects_every_truncation_and_an_extra_byte(
	void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	uint8_t longer[JR_RECEIPT_MAX_BYTES + 1];

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	for (size_t n = 0; n < p.len; n++) {
		assert_int_equal(decode_fails(p.base, n), JR_EFORMAT);
		verify_fails(p.base, n, pub_a.sign_pk);
	}
	memcpy(longer, p.base, p.len);
	longer[p.len] = 0x00;
	assert_int_equal(decode_fails(longer, p.len + 1), JR_EFORMAT);
	jr_buf_free(&p);
}

static const struct {
	enum mut m;
	int want;
	const char *what;
} variants[] = {
	{ M_MAP_HEAD_WIDE, JR_EFORMAT, "map head not in shortest form" },
	{ M_VERSION_WIDE, JR_EFORMAT, "version not in shortest form" },
	{ M_VERSION_2, JR_EVERSION, "version 2" },
	{ M_VERSION_0, JR_EVERSION, "version 0" },
	{ M_VERSION_TEXT, JR_EFORMAT, "version as text" },
	{ M_KEY_TEXT, JR_EFORMAT, "text map key" },
	{ M_KIOSK_15, JR_EFORMAT, "15-byte kiosk id" },
	{ M_KIOSK_17, JR_EFORMAT, "17-byte kiosk id" },
	{ M_KIOSK_TAGGED, JR_EFORMAT, "tagged kiosk id" },
	{ M_HEIGHT_WIDE, JR_EFORMAT, "height not in shortest form" },
	{ M_HEIGHT_NEG, JR_EFORMAT, "negative height" },
	{ M_HEIGHT_TEXT, JR_EFORMAT, "height as text" },
	{ M_REGID_15, JR_EFORMAT, "15-byte registration id" },
	{ M_REGID_17, JR_EFORMAT, "17-byte registration id" },
	{ M_REGID_TEXT, JR_EFORMAT, "registration id as text" },
	{ M_KEYS_SWAPPED, JR_EFORMAT, "keys 4 and 5 swapped" },
	{ M_TIME_NEG, JR_EFORMAT, "negative time" },
	{ M_TIME_HUGE, JR_EFORMAT, "time past INT64_MAX" },
	{ M_TIME_FLOAT, JR_EFORMAT, "time as a float" },
	{ M_NAME_17, JR_EFORMAT, "17-byte masked name" },
	{ M_NAME_NUL, JR_EFORMAT, "masked name with a NUL" },
	{ M_NAME_BAD_UTF8, JR_EFORMAT, "masked name not UTF-8" },
	{ M_NAME_BYTES, JR_EFORMAT, "masked name as bytes" },
	{ M_NAME_INDEF, JR_EFORMAT, "indefinite-length name" },
	{ M_NAME_WIDE, JR_EFORMAT, "name head not in shortest form" },
	{ M_POLICY_2_32, JR_EFORMAT, "policy version 2^32" },
	{ M_POLICY_NULL, JR_EFORMAT, "policy version null" },
	{ M_DUP_KEY, JR_EFORMAT, "duplicate key" },
	{ M_EXTRA_KEY, JR_EFORMAT, "unknown extra key" },
	{ M_MISSING_KEY, JR_EFORMAT, "missing key" },
	{ M_BODY_TRAILING, JR_EFORMAT, "bytes after the body map" },
	{ M_BODY_ARRAY, JR_EFORMAT, "body is an array" },
	{ M_BODY_EMPTY, JR_EFORMAT, "empty body" },
	{ M_OUT_TRAILING, JR_EFORMAT, "bytes after the payload" },
	{ M_OUT_ARRAY3, JR_EFORMAT, "three-element payload" },
	{ M_OUT_ARRAY1, JR_EFORMAT, "one-element payload" },
	{ M_OUT_SIG_63, JR_EFORMAT, "63-byte signature" },
	{ M_OUT_SIG_65, JR_EFORMAT, "65-byte signature" },
	{ M_OUT_SIG_TEXT, JR_EFORMAT, "signature as text" },
	{ M_OUT_MAP, JR_EFORMAT, "payload is a map" },
	{ M_OUT_INDEF, JR_EFORMAT, "indefinite-length payload array" },
	{ M_OUT_BODY_WIDE, JR_EFORMAT, "body head not in shortest form" },
	{ M_OUT_TAGGED, JR_EFORMAT, "tagged payload" },
	{ M_OUT_SWAPPED, JR_EFORMAT, "signature before body" },
	{ M_OUT_BODY_RAW, JR_EFORMAT, "body map not wrapped in bytes" },
};

static void receipt_decode_rejects_every_non_canonical_or_wrong_shape(
	void **state)
{
	struct jr_receipt r;
	struct raw v;

	(void)state;
	assert_int_equal(sizeof variants / sizeof variants[0], M_COUNT - 1);
	sample(kiosk_a, &r);
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		int got;
		build(&v, &r, kiosk_a, variants[i].m);
		got = decode_fails(v.b, v.n);
		if (got != variants[i].want)
			fail_msg("%s: got %s, want %s", variants[i].what,
				jr_strerror(got), jr_strerror(variants[i].want));
		assert_int_equal(verify_fails(v.b, v.n, pub_a.sign_pk),
			variants[i].want);
	}
}

static void receipt_sign_rejects_a_masked_name_over_16_bytes(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { (uint8_t *)&p, 99 };

	(void)state;
	sample(kiosk_a, &r);
	memcpy(r.masked_name, "S*** C***** A****", 17); /* 17, no room for NUL */
	assert_int_equal(jr_receipt_sign(&r, kiosk_a, &p), JR_ETOOBIG);
	assert_null(p.base);
	assert_int_equal(p.len, 0);
	r.masked_name[JR_MASKED_NAME_MAX] = '\0';
	sign_ok(&r, kiosk_a, &p);
	jr_buf_free(&p);
}

static void receipt_sign_rejects_bad_fields_and_wrong_keys(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };

	(void)state;
	sample(kiosk_a, &r);
	r.time = -1;
	assert_int_equal(jr_receipt_sign(&r, kiosk_a, &p), JR_EINVAL);
	sample(kiosk_a, &r);
	memcpy(r.masked_name, "S*** \xc3(", 8);
	assert_int_not_equal(jr_receipt_sign(&r, kiosk_a, &p), JR_OK);
	sample(kiosk_a, &r);
	assert_int_equal(jr_receipt_sign(&r, kiosk_b, &p), JR_EKEY);
	memcpy(r.kiosk_id, jr_key_id(officer), JR_ID_BYTES);
	assert_int_equal(jr_receipt_sign(&r, officer, &p), JR_EKEY);
	assert_int_equal(jr_receipt_sign(NULL, kiosk_a, &p), JR_EINVAL);
	assert_int_equal(jr_receipt_sign(&r, NULL, &p), JR_EINVAL);
	assert_int_equal(jr_receipt_sign(&r, kiosk_a, NULL), JR_EINVAL);
	assert_null(p.base);
}

static void receipt_worst_case_fits_144_bytes_and_a_version_8_qr(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1];
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	int version = 0;

	(void)state;
	worst_case(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(p.len, JR_RECEIPT_MAX_BYTES); /* the budget is exact */
	assert_int_equal(jr_receipt_to_text(p.base, p.len, text, sizeof text),
		JR_OK);
	assert_int_equal(strlen(text), JR_RECEIPT_TEXT_MAX);
	assert_int_equal(jr_qr_render(text, JR_QR_MAX_VERSION, 1, 0, &img,
		&version, &eb), JR_OK);
	assert_true(version >= 1 && version <= JR_QR_MAX_VERSION);
	jr_image_free(&img);
	jr_buf_free(&p);
}

static void receipt_past_144_bytes_is_refused_both_ways(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	struct raw big = { .n = 0 };

	(void)state;
	worst_case(kiosk_a, &r);
	r.height = UINT64_MAX;
	r.time = (int64_t)1 << 40;
	assert_int_equal(jr_receipt_sign(&r, kiosk_a, &p), JR_ETOOBIG);
	assert_null(p.base);
	build(&big, &r, kiosk_a, M_NONE);
	assert_true(big.n > JR_RECEIPT_MAX_BYTES);
	assert_int_equal(decode_fails(big.b, big.n), JR_ETOOBIG);
	/* Big numbers are fine while the whole still fits. */
	r.masked_name[0] = '\0';
	sign_ok(&r, kiosk_a, &p);
	jr_buf_free(&p);
}

static void receipt_decode_and_verify_reject_null_arguments(void **state)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };
	const uint8_t *sig = NULL;

	(void)state;
	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(jr_receipt_decode(NULL, 10, &r, &sig, NULL), JR_EINVAL);
	assert_int_equal(jr_receipt_decode(p.base, p.len, NULL, &sig, NULL),
		JR_EINVAL);
	assert_int_equal(jr_receipt_decode(p.base, p.len, &r, NULL, NULL),
		JR_EINVAL);
	assert_int_equal(jr_receipt_verify(p.base, p.len, NULL, &r, NULL),
		JR_EINVAL);
	assert_true(all_zero(&r, sizeof r));
	jr_buf_free(&p);
}

/* ---- QR text ------------------------------------------------------------ */

static void sample_text(char *text, size_t max, uint8_t *payload,
	size_t *plen)
{
	struct jr_receipt r;
	struct jr_buf p = { NULL, 0 };

	sample(kiosk_a, &r);
	sign_ok(&r, kiosk_a, &p);
	assert_int_equal(jr_receipt_to_text(p.base, p.len, text, max), JR_OK);
	if (payload != NULL) {
		memcpy(payload, p.base, p.len);
		*plen = p.len;
	}
	jr_buf_free(&p);
}

static void receipt_text_round_trips(void **state)
{
	char text[JR_RECEIPT_TEXT_MAX + 1];
	uint8_t want[JR_RECEIPT_MAX_BYTES], got[JR_RECEIPT_MAX_BYTES];
	size_t wantlen = 0, gotlen = 0;
	struct jr_receipt r;

	(void)state;
	sample_text(text, sizeof text, want, &wantlen);
	assert_memory_equal(text, "JR1:", 4);
	assert_int_equal(strlen(text), 4 + jr_base45_len(wantlen));
	assert_int_equal(jr_receipt_from_text(text, strlen(text), got, &gotlen,
		NULL), JR_OK);
	assert_int_equal(gotlen, wantlen);
	assert_memory_equal(got, want, wantlen);
	assert_int_equal(jr_receipt_verify(got, gotlen, pub_a.sign_pk, &r,
		NULL), JR_OK);
}

static void receipt_to_text_rejects_a_small_buffer_and_a_big_payload(
	void **state)
{
	uint8_t p[JR_RECEIPT_MAX_BYTES + 1] = { 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1];

	(void)state;
	assert_int_equal(jr_receipt_to_text(p, 10, text, 4 + 15), JR_EINVAL);
	assert_string_equal(text, "");
	assert_int_equal(jr_receipt_to_text(p, 10, text, 4 + 15 + 1), JR_OK);
	assert_int_equal(jr_receipt_to_text(p, sizeof p, text, sizeof text),
		JR_ETOOBIG);
	assert_int_equal(jr_receipt_to_text(p, 0, text, sizeof text), JR_EINVAL);
	assert_int_equal(jr_receipt_to_text(NULL, 3, text, sizeof text),
		JR_EINVAL);
}

static int from_text_fails(const char *s, size_t slen)
{
	uint8_t out[JR_RECEIPT_MAX_BYTES];
	size_t outlen = 77;
	struct jr_errbuf eb = { 0 };
	int rc;

	memset(out, 0xa5, sizeof out);
	rc = jr_receipt_from_text(s, slen, out, &outlen, &eb);
	assert_int_not_equal(rc, JR_OK);
	assert_int_equal(outlen, 0);
	assert_true(all_zero(out, sizeof out));
	assert_true(eb.msg[0] != '\0');
	return rc;
}

static void receipt_from_text_rejects_lowercase_garbage_and_wrong_prefixes(
	void **state)
{
	char text[JR_RECEIPT_TEXT_MAX + 1], bad[JR_RECEIPT_TEXT_MAX + 8];
	size_t n;

	(void)state;
	sample_text(text, sizeof text, NULL, NULL);
	n = strlen(text);

	/* the whole text lower-cased, then only the prefix */
	for (size_t i = 0; i <= n; i++)
		bad[i] = (char)(text[i] >= 'A' && text[i] <= 'Z' ?
			text[i] - 'A' + 'a' : text[i]);
	assert_int_equal(from_text_fails(bad, n), JR_EFORMAT);
	memcpy(bad, text, n + 1);
	memcpy(bad, "jr1:", 4);
	assert_int_equal(from_text_fails(bad, n), JR_EFORMAT);
	/* a lower-case letter in the Base45 part */
	memcpy(bad, text, n + 1);
	for (size_t i = 4; i < n; i++)
		if (bad[i] >= 'A' && bad[i] <= 'Z') {
			bad[i] = (char)(bad[i] - 'A' + 'a');
			break;
		}
	assert_int_equal(from_text_fails(bad, n), JR_EFORMAT);
	/* characters outside Base45, anywhere */
	for (size_t i = 4; i < n; i += 7) {
		memcpy(bad, text, n + 1);
		bad[i] = '#';
		assert_int_equal(from_text_fails(bad, n), JR_EFORMAT);
	}
	memcpy(bad, text, n + 1);
	bad[10] = '\0';
	assert_int_equal(from_text_fails(bad, n), JR_EFORMAT);

	/* other versions and other prefixes */
	memcpy(bad, text, n + 1);
	memcpy(bad, "JR2:", 4);
	assert_int_equal(from_text_fails(bad, n), JR_EVERSION);
	assert_int_equal(from_text_fails("JR12:ABC", 8), JR_EVERSION);
	assert_int_equal(from_text_fails(text + 4, n - 4), JR_EFORMAT);
	assert_int_equal(from_text_fails("JR1", 3), JR_EFORMAT);
	assert_int_equal(from_text_fails("JR:ABC", 6), JR_EFORMAT);
	assert_int_equal(from_text_fails("HC1:ABC", 7), JR_EFORMAT);
	assert_int_equal(from_text_fails(" JR1:ABC", 8), JR_EFORMAT);
	assert_int_equal(from_text_fails("", 0), JR_EFORMAT);
	assert_int_equal(from_text_fails("JR1:", 4), JR_EFORMAT);
}

static void receipt_from_text_rejects_bad_base45_and_length(void **state)
{
	char text[JR_RECEIPT_TEXT_MAX + 1], bad[JR_RECEIPT_TEXT_MAX + 8];
	size_t n;

	(void)state;
	sample_text(text, sizeof text, NULL, NULL);
	n = strlen(text);
	memcpy(bad, text, n);
	bad[n] = '\n'; /* as zbarimg prints it: the caller strips it */
	assert_int_equal(from_text_fails(bad, n + 1), JR_EFORMAT);
	bad[n] = 'A'; /* a dangling single character */
	assert_int_equal(from_text_fails(bad, n + 1), JR_EFORMAT);
	assert_int_equal(from_text_fails("JR1:GGW", 7), JR_EFORMAT); /* 65536 */
	assert_int_equal(from_text_fails("JR1:ZZ", 6), JR_EFORMAT);  /* 2024 */
	memset(bad, 'A', sizeof bad);
	memcpy(bad, "JR1:", 4);
	assert_int_equal(from_text_fails(bad, JR_RECEIPT_TEXT_MAX + 1),
		JR_ETOOBIG);
	assert_int_equal(from_text_fails(NULL, 5), JR_EINVAL);
}

static void receipt_text_of_garbage_decodes_but_does_not_verify(void **state)
{
	uint8_t junk[40], out[JR_RECEIPT_MAX_BYTES];
	char text[JR_RECEIPT_TEXT_MAX + 1];
	size_t outlen = 0;

	(void)state;
	jr_test_fill(junk, sizeof junk, 9);
	assert_int_equal(jr_receipt_to_text(junk, sizeof junk, text,
		sizeof text), JR_OK);
	assert_int_equal(jr_receipt_from_text(text, strlen(text), out, &outlen,
		NULL), JR_OK);
	assert_int_equal(outlen, sizeof junk);
	assert_int_equal(decode_fails(out, outlen), JR_EFORMAT);
}

/* ---- typed code --------------------------------------------------------- */

static int code_fails(const char *s, size_t len);

/* Symbol i of a code (0..9) sits at i, or i + 1 past the dash. */
static size_t sym_pos(size_t i)
{
	return i < 5 ? i : i + 1;
}

static void code_of(const uint8_t b6[6], char out[JR_CODE_TEXT_LEN + 1])
{
	uint8_t regid[JR_REGID_BYTES];

	jr_test_fill(regid, sizeof regid, 5);
	memcpy(regid, b6, 6);
	jr_receipt_code(regid, out);
}

static void receipt_code_matches_known_values(void **state)
{
	static const uint8_t zero[6] = { 0 };
	static const uint8_t ones[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t mixed[6] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab };
	char code[JR_CODE_TEXT_LEN + 1];
	uint8_t regid[JR_REGID_BYTES] = { 0 };

	(void)state;
	code_of(zero, code);
	assert_string_equal(code, "00000-00000");
	code_of(ones, code);
	assert_string_equal(code, "ZZZZZ-ZZZZX");
	code_of(mixed, code);
	assert_string_equal(code, "04HMA-SW9N5");
	memcpy(regid, mixed, 6);
	assert_true(jr_regid_prefix45(regid) == 0x0123456789abull >> 3);
}

static void receipt_code_round_trips(void **state)
{
	uint8_t regid[JR_REGID_BYTES];
	char code[JR_CODE_TEXT_LEN + 1];
	uint64_t v = 0;

	(void)state;
	for (uint32_t i = 0; i < 2000; i++) {
		jr_test_fill(regid, sizeof regid, i);
		jr_receipt_code(regid, code);
		assert_int_equal(strlen(code), JR_CODE_TEXT_LEN);
		assert_int_equal(code[5], '-');
		assert_int_equal(jr_receipt_code_parse(code, strlen(code), &v,
			NULL), JR_OK);
		assert_true(v == jr_regid_prefix45(regid));
	}
}

static void receipt_code_forgives_case_look_alikes_and_spacing(void **state)
{
	/* 0x000010802108 >> 3: a code of only 0s and 1s, check symbol 1 */
	static const uint8_t b6[6] = { 0x00, 0x00, 0x10, 0x80, 0x21, 0x08 };
	static const char *const forms[] = {
		"00011-01111", "00011 01111", "0001101111", "oO0lI-olIil",
		"0 0 0 1 1 0 1 1 1 1", "--00011--01111--", "OOOII-OIIIL",
		"  00011-01111  ", "00011--01111",
	};
	char code[JR_CODE_TEXT_LEN + 1];
	uint64_t want, v = 0;
	uint8_t regid[JR_REGID_BYTES] = { 0 };
	char typed[64];

	(void)state;
	memcpy(regid, b6, 6);
	want = jr_regid_prefix45(regid);
	code_of(b6, code);
	assert_string_equal(code, "00011-01111");
	for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		v = 0;
		assert_int_equal(jr_receipt_code_parse(forms[i],
			strlen(forms[i]), &v, NULL), JR_OK);
		assert_true(v == want);
	}
	/* lower case of a code with letters, and a lower-case check symbol */
	for (uint32_t i = 0; i < 200; i++) {
		jr_test_fill(regid, sizeof regid, 1000 + i);
		jr_receipt_code(regid, code);
		for (size_t j = 0; j <= JR_CODE_TEXT_LEN; j++)
			typed[j] = (char)(code[j] >= 'A' && code[j] <= 'Z' ?
				code[j] - 'A' + 'a' : code[j]);
		assert_int_equal(jr_receipt_code_parse(typed, strlen(typed), &v,
			NULL), JR_OK);
		assert_true(v == jr_regid_prefix45(regid));
	}
}

/* Every check symbol is one of the 32 (no "*~$=U" as the mod-37 check
 * had), and each of the 32 occurs. */
static void receipt_code_check_is_always_one_of_the_32_symbols(void **state)
{
	static const char syms[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t regid[JR_REGID_BYTES] = { 0 };
	char code[JR_CODE_TEXT_LEN + 1];
	uint32_t seen = 0;

	(void)state;
	for (uint32_t i = 0; i < 5000; i++) {
		const char *hit;
		jr_test_fill(regid, sizeof regid, i);
		jr_receipt_code(regid, code);
		for (size_t j = 0; j < JR_CODE_TEXT_LEN; j++)
			if (j != 5)
				assert_non_null(memchr(syms, code[j], 32));
		hit = memchr(syms, code[10], 32);
		seen |= UINT32_C(1) << (hit - syms);
	}
	assert_int_equal(seen, UINT32_MAX);
}

/* U and the old check symbols are refused wherever they are typed, with a
 * message naming the position and what codes are made of. */
static void receipt_code_refuses_u_and_the_old_check_symbols(void **state)
{
	static const char old[] = "Uu*~$=";
	uint8_t regid[JR_REGID_BYTES];
	char code[JR_CODE_TEXT_LEN + 1], bad[JR_CODE_TEXT_LEN + 1];
	struct jr_errbuf eb = { 0 };
	uint64_t v = 7;

	(void)state;
	jr_test_fill(regid, sizeof regid, 77);
	jr_receipt_code(regid, code);
	for (size_t i = 0; i < JR_CODE_LEN; i++)
		for (const char *c = old; *c != '\0'; c++) {
			memcpy(bad, code, sizeof bad);
			bad[sym_pos(i)] = *c;
			assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
		}
	memcpy(bad, code, sizeof bad);
	bad[10] = 'U';
	assert_int_equal(jr_receipt_code_parse(bad, JR_CODE_TEXT_LEN, &v, &eb),
		JR_EFORMAT);
	assert_true(v == 0);
	assert_non_null(strstr(eb.msg, "character 10 is not used in codes"));
	assert_non_null(strstr(eb.msg, "without U"));
}

static void receipt_code_says_how_many_characters_are_missing(void **state)
{
	struct jr_errbuf eb = { 0 };
	uint64_t v = 5;

	(void)state;
	assert_int_equal(jr_receipt_code_parse("ABCDE-FGHJ", 10, &v, &eb),
		JR_EFORMAT);
	assert_string_equal(eb.msg, "code ABCDE-FGHJ: 9 of 10 characters; "
		"type all 10 characters printed under the QR");
	assert_true(v == 0);
	jr_errclear(&eb);
	assert_int_equal(jr_receipt_code_parse("abcde fghj", 10, &v, &eb),
		JR_EFORMAT);
	assert_string_equal(eb.msg, "code ABCDE-FGHJ: 9 of 10 characters; "
		"type all 10 characters printed under the QR");
}

static int code_fails(const char *s, size_t len)
{
	struct jr_errbuf eb = { 0 };
	uint64_t v = 99;
	int rc = jr_receipt_code_parse(s, len, &v, &eb);

	assert_int_not_equal(rc, JR_OK);
	assert_true(v == 0);
	assert_true(eb.msg[0] != '\0');
	return rc;
}

static void receipt_code_rejects_wrong_lengths_and_characters(void **state)
{
	char code[JR_CODE_TEXT_LEN + 1], bad[80];
	uint8_t regid[JR_REGID_BYTES];

	(void)state;
	jr_test_fill(regid, sizeof regid, 3);
	jr_receipt_code(regid, code);
	assert_int_equal(code_fails("", 0), JR_EFORMAT);
	assert_int_equal(code_fails("-- --", 5), JR_EFORMAT);
	assert_int_equal(code_fails(code, 10), JR_EFORMAT); /* 9 symbols */
	memcpy(bad, code, JR_CODE_TEXT_LEN);
	bad[11] = '0';
	assert_int_equal(code_fails(bad, 12), JR_EFORMAT); /* 11 symbols */
	memcpy(bad, code, JR_CODE_TEXT_LEN);
	bad[2] = 'U'; /* U is not a symbol */
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[2] = '*';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[2] = '#';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[2] = '\xc3';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[2] = '\0';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	/* only '-' and ' ' separate: a tab, an underscore or a dot does not */
	memcpy(bad, code, JR_CODE_TEXT_LEN);
	bad[5] = '\t';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[5] = '_';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	bad[5] = '.';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	memcpy(bad, code, JR_CODE_TEXT_LEN);
	bad[10] = '#';
	assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN), JR_EFORMAT);
	memset(bad, ' ', sizeof bad);
	memcpy(bad, code, JR_CODE_TEXT_LEN);
	assert_int_equal(code_fails(bad, sizeof bad), JR_ETOOBIG);
	assert_int_equal(jr_receipt_code_parse(NULL, 3, NULL, NULL), JR_EINVAL);
}

static void receipt_code_check_catches_every_single_substitution(void **state)
{
	static const char syms[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint8_t regid[JR_REGID_BYTES];
	char code[JR_CODE_TEXT_LEN + 1], bad[JR_CODE_TEXT_LEN + 1];
	unsigned tried = 0;

	(void)state;
	for (uint32_t n = 0; n < 40; n++) {
		jr_test_fill(regid, sizeof regid, 500 + n);
		jr_receipt_code(regid, code);
		for (size_t i = 0; i < JR_CODE_LEN; i++) {
			for (const char *c = syms; *c != '\0'; c++) {
				if (*c == code[sym_pos(i)])
					continue;
				memcpy(bad, code, sizeof bad);
				bad[sym_pos(i)] = *c;
				assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN),
					JR_EFORMAT);
				tried++;
			}
		}
	}
	assert_int_equal(tried, 40 * 10 * 31);
}

/* Swaps of neighbouring symbols, across the dash and of the last data
 * symbol with the check symbol too (the mod-37 check missed that one). The
 * proof for every code is the quasigroup test in test_codec.c; this is the
 * parser on real codes. */
static void receipt_code_check_catches_every_adjacent_transposition(
	void **state)
{
	uint8_t regid[JR_REGID_BYTES];
	char code[JR_CODE_TEXT_LEN + 1], bad[JR_CODE_TEXT_LEN + 1];
	unsigned tried = 0;

	(void)state;
	for (uint32_t n = 0; n < 500; n++) {
		jr_test_fill(regid, sizeof regid, 9000 + n);
		jr_receipt_code(regid, code);
		for (size_t i = 0; i + 1 < JR_CODE_LEN; i++) {
			char a = code[sym_pos(i)], b = code[sym_pos(i + 1)];
			if (a == b)
				continue;
			memcpy(bad, code, sizeof bad);
			bad[sym_pos(i)] = b;
			bad[sym_pos(i + 1)] = a;
			assert_int_equal(code_fails(bad, JR_CODE_TEXT_LEN),
				JR_EFORMAT);
			tried++;
		}
	}
	assert_true(tried > 500 * 8);
}

/* ---- images: what the kiosk's camera and printer do to a receipt -------- */

static uint8_t px(const struct jr_image *im, int x, int y)
{
	return im->pix[(size_t)y * (size_t)im->w + (size_t)x];
}

/* Bilinear sample at pixel-centre coordinates; white outside the image. */
static double sample_bilinear(const struct jr_image *im, double fx, double fy)
{
	int x0 = (int)floor(fx), y0 = (int)floor(fy);
	double ax = fx - x0, ay = fy - y0, v[4];

	for (int k = 0; k < 4; k++) {
		int x = x0 + (k & 1), y = y0 + (k >> 1);
		v[k] = (x < 0 || y < 0 || x >= im->w || y >= im->h) ? 255.0 :
			px(im, x, y);
	}
	return (v[0] * (1 - ax) + v[1] * ax) * (1 - ay) +
		(v[2] * (1 - ax) + v[3] * ax) * ay;
}

static uint8_t clamp8(double v)
{
	return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lround(v));
}

static void scale_half_area(const struct jr_image *in, struct jr_image *out)
{
	assert_int_equal(jr_image_new(in->w / 2, in->h / 2, 255, out), JR_OK);
	for (int y = 0; y < out->h; y++)
		for (int x = 0; x < out->w; x++) {
			unsigned s = (unsigned)px(in, 2 * x, 2 * y) +
				px(in, 2 * x + 1, 2 * y) + px(in, 2 * x, 2 * y + 1) +
				px(in, 2 * x + 1, 2 * y + 1);
			out->pix[(size_t)y * (size_t)out->w + (size_t)x] =
				(uint8_t)((s + 2) / 4);
		}
}

static void scale_bilinear(const struct jr_image *in, double f,
	struct jr_image *out)
{
	int w = (int)lround(in->w * f), h = (int)lround(in->h * f);

	assert_int_equal(jr_image_new(w, h, 255, out), JR_OK);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++)
			out->pix[(size_t)y * (size_t)w + (size_t)x] = clamp8(
				sample_bilinear(in, (x + 0.5) / f - 0.5,
				(y + 0.5) / f - 0.5));
}

static void rotate_bilinear(const struct jr_image *in, double deg,
	struct jr_image *out)
{
	double a = deg * M_PI / 180.0, c = cos(a), s = sin(a);
	int w = (int)ceil(fabs(in->w * c) + fabs(in->h * s) - 1e-9);
	int h = (int)ceil(fabs(in->w * s) + fabs(in->h * c) - 1e-9);

	assert_int_equal(jr_image_new(w, h, 255, out), JR_OK);
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			double dx = x + 0.5 - w / 2.0, dy = y + 0.5 - h / 2.0;
			double sx = c * dx + s * dy + in->w / 2.0 - 0.5;
			double sy = -s * dx + c * dy + in->h / 2.0 - 0.5;
			out->pix[(size_t)y * (size_t)w + (size_t)x] =
				clamp8(sample_bilinear(in, sx, sy));
		}
}

/* The receipt as the kiosk prints it: 6 pixels a module, 4 modules quiet. */
static void render_receipt(const struct jr_key *k, const struct jr_receipt *r,
	struct jr_image *img, char *text, size_t textmax)
{
	struct jr_buf p = { NULL, 0 };
	struct jr_errbuf eb = { 0 };
	int version = 0;

	sign_ok(r, k, &p);
	assert_int_equal(jr_receipt_to_text(p.base, p.len, text, textmax), JR_OK);
	assert_int_equal(jr_qr_render(text, JR_QR_MAX_VERSION, 6, 4, img,
		&version, &eb), JR_OK);
	jr_buf_free(&p);
}

/* PNG file -> jr_png_read -> jr_qr_scan -> text -> payload -> verify. */
static int scan_file_and_verify(const char *path, const uint8_t *pk,
	struct jr_receipt *out)
{
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1];
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	size_t tlen = 0, plen = 0;
	int rc;

	assert_int_equal(jr_png_read(path, &img, &eb), JR_OK);
	rc = jr_qr_scan(&img, text, sizeof text, &tlen, &eb);
	jr_image_free(&img);
	if (rc != JR_OK)
		fail_msg("%s: %s", path, eb.msg);
	assert_int_equal(jr_receipt_from_text(text, tlen, payload, &plen, &eb),
		JR_OK);
	return jr_receipt_verify(payload, plen, pk, out, &eb);
}

static void save(const struct jr_image *img, const char *dir, const char *name,
	char *path, size_t pathmax)
{
	struct jr_errbuf eb = { 0 };

	jr_test_path(path, pathmax, dir, name);
	if (jr_png_write(img, path, &eb) != JR_OK)
		fail_msg("%s", eb.msg);
}

static void receipt_survives_png_and_the_librarys_own_zbar_scan(void **state)
{
	const char *dir = jr_test_dir("receipt_png");
	struct jr_receipt r, got;
	struct jr_image img;
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100];

	(void)state;
	sample(kiosk_a, &r);
	render_receipt(kiosk_a, &r, &img, text, sizeof text);
	save(&img, dir, "receipt.png", path, sizeof path);
	assert_int_equal(scan_file_and_verify(path, pub_a.sign_pk, &got), JR_OK);
	assert_same_receipt(&r, &got);
	jr_image_free(&img);
}

/* zbarimg prints the text and a newline; -q drops the summary. */
static void zbarimg_text(const char *path, char *out, size_t outmax)
{
	char cmd[1200];
	FILE *f;
	size_t n;
	int status, len;

	len = snprintf(cmd, sizeof cmd, "zbarimg --raw -q '%s' 2>/dev/null",
		path);
	assert_true(len > 0 && (size_t)len < sizeof cmd);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, outmax - 1, f);
	status = pclose(f);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("zbarimg found nothing in %s (status %d)", path, status);
	out[n] = '\0';
	assert_true(n > 0 && out[n - 1] == '\n');
	out[n - 1] = '\0';
}

static void receipt_survives_the_independent_zbarimg_command(void **state)
{
	const char *dir = jr_test_dir("receipt_zbarimg");
	struct jr_receipt r, got;
	struct jr_image img, rot;
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100], read[512];
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	size_t plen = 0;

	(void)state;
	sample(kiosk_a, &r);
	render_receipt(kiosk_a, &r, &img, text, sizeof text);
	save(&img, dir, "receipt.png", path, sizeof path);
	zbarimg_text(path, read, sizeof read);
	assert_string_equal(read, text);
	assert_int_equal(jr_receipt_from_text(read, strlen(read), payload, &plen,
		NULL), JR_OK);
	assert_int_equal(jr_receipt_verify(payload, plen, pub_a.sign_pk, &got,
		NULL), JR_OK);
	assert_same_receipt(&r, &got);

	rotate_bilinear(&img, 33.0, &rot);
	save(&rot, dir, "receipt-rot33.png", path, sizeof path);
	zbarimg_text(path, read, sizeof read);
	assert_string_equal(read, text);
	jr_image_free(&rot);
	jr_image_free(&img);
}

enum xform { X_HALF, X_2_3, X_ROT90, X_ROT180, X_ROT17, X_ROT33 };

static void transformed_receipt_verifies(enum xform x, const char *name)
{
	const char *dir = jr_test_dir(name);
	struct jr_receipt r, got;
	struct jr_image img, t;
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100];

	sample(kiosk_a, &r);
	jr_test_fill(r.regid, sizeof r.regid, (uint32_t)x + 100);
	render_receipt(kiosk_a, &r, &img, text, sizeof text);
	switch (x) {
	case X_HALF: scale_half_area(&img, &t); break;
	case X_2_3: scale_bilinear(&img, 2.3, &t); break;
	case X_ROT90: rotate_bilinear(&img, 90.0, &t); break;
	case X_ROT180: rotate_bilinear(&img, 180.0, &t); break;
	case X_ROT17: rotate_bilinear(&img, 17.0, &t); break;
	case X_ROT33: rotate_bilinear(&img, 33.0, &t); break;
	}
	save(&t, dir, "receipt.png", path, sizeof path);
	assert_int_equal(scan_file_and_verify(path, pub_a.sign_pk, &got), JR_OK);
	assert_same_receipt(&r, &got);
	jr_image_free(&t);
	jr_image_free(&img);
}

static void receipt_survives_half_scale_with_area_averaging(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_HALF, "receipt_half");
}

static void receipt_survives_2_3x_bilinear_scale(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_2_3, "receipt_2_3x");
}

static void receipt_survives_rotation_by_90_degrees(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_ROT90, "receipt_rot90");
}

static void receipt_survives_rotation_by_180_degrees(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_ROT180, "receipt_rot180");
}

static void receipt_survives_rotation_by_17_degrees(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_ROT17, "receipt_rot17");
}

static void receipt_survives_rotation_by_33_degrees(void **state)
{
	(void)state;
	transformed_receipt_verifies(X_ROT33, "receipt_rot33");
}

static void another_kiosks_receipt_scans_but_fails_verification(void **state)
{
	const char *dir = jr_test_dir("receipt_foreign");
	struct jr_receipt r, got;
	struct jr_image img;
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100];

	(void)state;
	sample(kiosk_b, &r);
	render_receipt(kiosk_b, &r, &img, text, sizeof text);
	save(&img, dir, "foreign.png", path, sizeof path);
	assert_int_equal(scan_file_and_verify(path, pub_a.sign_pk, &got),
		JR_EKEY);
	assert_true(all_zero(&got, sizeof got));
	assert_int_equal(scan_file_and_verify(path, pub_b.sign_pk, &got), JR_OK);
	jr_image_free(&img);
}

static void forged_receipt_scans_but_fails_verification(void **state)
{
	const char *dir = jr_test_dir("receipt_forged");
	struct jr_receipt r, got;
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	struct raw forged = { .n = 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100];
	int version = 0;

	(void)state;
	sample(kiosk_a, &r);
	build(&forged, &r, kiosk_b, M_NONE);
	assert_int_equal(jr_receipt_to_text(forged.b, forged.n, text,
		sizeof text), JR_OK);
	assert_int_equal(jr_qr_render(text, JR_QR_MAX_VERSION, 6, 4, &img,
		&version, &eb), JR_OK);
	save(&img, dir, "forged.png", path, sizeof path);
	assert_int_equal(scan_file_and_verify(path, pub_a.sign_pk, &got),
		JR_ESIG);
	assert_true(all_zero(&got, sizeof got));
	jr_image_free(&img);
}

static void image_without_a_qr_gives_not_found(void **state)
{
	const char *dir = jr_test_dir("receipt_noqr");
	struct jr_image img;
	struct jr_errbuf eb = { 0 };
	char text[JR_RECEIPT_TEXT_MAX + 1], path[1100];
	size_t tlen = 5;

	(void)state;
	assert_int_equal(jr_image_new(300, 200, 255, &img), JR_OK);
	jr_test_fill(img.pix, 300 * 100, 4); /* noise on the top half */
	save(&img, dir, "noqr.png", path, sizeof path);
	jr_image_free(&img);
	assert_int_equal(jr_png_read(path, &img, &eb), JR_OK);
	assert_int_equal(jr_qr_scan(&img, text, sizeof text, &tlen, &eb),
		JR_ENOTFOUND);
	assert_int_equal(tlen, 0);
	assert_string_equal(text, "");
	jr_image_free(&img);
}

/* ---- seed corpus for tests/fuzz/fuzz_receipt.c -------------------------- */

struct seed {
	const char *file;
	uint8_t b[512];
	size_t n;
	bool valid; /* verifies with the fuzz key */
};

static void seed_payload(struct seed *s, const char *file,
	const struct jr_receipt *r, const struct jr_key *k, enum mut m)
{
	struct raw o = { .n = 0 };

	build(&o, r, k, m);
	s->file = file;
	memcpy(s->b, o.b, o.n);
	s->n = o.n;
}

static void seed_text(struct seed *s, const char *file, const struct seed *from)
{
	char text[JR_RECEIPT_TEXT_MAX + 1];

	assert_int_equal(jr_receipt_to_text(from->b, from->n, text, sizeof text),
		JR_OK);
	s->file = file;
	s->n = strlen(text);
	memcpy(s->b, text, s->n);
	s->valid = from->valid;
}

static size_t make_seeds(struct seed *s, const struct jr_key *fk)
{
	struct jr_receipt r;
	size_t n = 0;
	char code[JR_CODE_TEXT_LEN + 1];

	sample(fk, &r);
	seed_payload(&s[n], "valid-typical.bin", &r, fk, M_NONE);
	s[n++].valid = true;
	seed_text(&s[n++], "valid-typical.txt", &s[0]);
	worst_case(fk, &r);
	seed_payload(&s[n], "valid-worst.bin", &r, fk, M_NONE);
	s[n++].valid = true;
	memset(&r, 0, sizeof r);
	memcpy(r.kiosk_id, jr_key_id(fk), JR_ID_BYTES);
	seed_payload(&s[n], "valid-zero.bin", &r, fk, M_NONE);
	s[n++].valid = true;
	sample(fk, &r);
	seed_payload(&s[n++], "near-version2.bin", &r, fk, M_VERSION_2);
	seed_payload(&s[n++], "near-height-wide.bin", &r, fk, M_HEIGHT_WIDE);
	seed_payload(&s[n++], "near-dup-key.bin", &r, fk, M_DUP_KEY);
	seed_payload(&s[n++], "near-name17.bin", &r, fk, M_NAME_17);
	seed_payload(&s[n++], "near-sig63.bin", &r, fk, M_OUT_SIG_63);
	s[n] = s[0];
	s[n].file = "near-flipped-sig.bin";
	s[n].b[s[n].n - 1] ^= 1;
	s[n++].valid = false;
	s[n] = s[0];
	s[n].file = "near-truncated.bin";
	s[n].n--;
	s[n++].valid = false;
	s[n] = s[1];
	s[n].file = "near-lowercase.txt";
	for (size_t i = 0; i < s[n].n; i++)
		if (s[n].b[i] >= 'A' && s[n].b[i] <= 'Z')
			s[n].b[i] = (uint8_t)(s[n].b[i] - 'A' + 'a');
	s[n++].valid = false;
	s[n] = s[1];
	s[n].file = "near-prefix-jr2.txt";
	s[n].b[2] = '2';
	s[n++].valid = false;
	jr_receipt_code(r.regid, code);
	s[n].file = "code-valid.txt";
	s[n].n = JR_CODE_TEXT_LEN;
	memcpy(s[n++].b, code, JR_CODE_TEXT_LEN);
	s[n].file = "code-short.txt";
	s[n].n = JR_CODE_TEXT_LEN - 1;
	memcpy(s[n++].b, code, JR_CODE_TEXT_LEN - 1);
	/* 00011-01111 in lower case, look-alikes and spaces: valid */
	s[n].file = "code-typed-loosely.txt";
	s[n].n = 14;
	memcpy(s[n++].b, " oO0lI olIil- ", 14);
	s[n].file = "code-u-check.txt"; /* a check symbol of the old mod-37 scheme */
	s[n].n = JR_CODE_TEXT_LEN;
	memcpy(s[n].b, code, JR_CODE_TEXT_LEN);
	s[n++].b[10] = 'U';
	s[n].file = "code-swapped.txt";
	s[n].n = JR_CODE_TEXT_LEN;
	memcpy(s[n].b, code, JR_CODE_TEXT_LEN);
	s[n].b[0] = (uint8_t)code[1];
	s[n++].b[1] = (uint8_t)code[0];
	return n;
}

static void write_seed(const struct seed *s)
{
	char path[1024];
	FILE *f;

	jr_test_path(path, sizeof path, JR_TEST_SOURCE_DIR
		"/tests/fuzz/corpus/receipt", s->file);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(s->b, 1, s->n, f), s->n);
	assert_int_equal(fclose(f), 0);
}

static void seed_verifies_as_labelled(const struct seed *s,
	const struct jr_pubkey *pk)
{
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	struct jr_receipt r;
	const uint8_t *p = s->b;
	size_t plen = s->n;

	if (strstr(s->file, ".txt") != NULL && strncmp(s->file, "code", 4) != 0) {
		if (jr_receipt_from_text((const char *)s->b, s->n, payload, &plen,
		    NULL) != JR_OK) {
			assert_false(s->valid);
			return;
		}
		p = payload;
	}
	if (strncmp(s->file, "code", 4) == 0)
		return;
	assert_int_equal(jr_receipt_verify(p, plen, pk->sign_pk, &r, NULL) ==
		JR_OK, s->valid);
}

/* The committed corpus is exactly what this build makes (Ed25519 signatures
 * are deterministic); JR_WRITE_FUZZ_CORPUS=1 rewrites it. */
static void fuzz_seed_corpus_is_what_the_library_makes(void **state)
{
	static struct seed seeds[24];
	uint8_t seedkey[JR_SEED_BYTES];
	struct jr_key *fk = NULL;
	struct jr_pubkey pk;
	const char *regen = getenv("JR_WRITE_FUZZ_CORPUS");
	size_t n;

	(void)state;
	fuzz_key_seed(seedkey);
	assert_int_equal(jr_key_from_seed(JR_ROLE_KIOSK, seedkey, &fk), JR_OK);
	jr_key_public(fk, &pk);
	memset(seeds, 0, sizeof seeds);
	n = make_seeds(seeds, fk);
	for (size_t i = 0; i < n; i++) {
		char rel[256];
		size_t len = 0;
		char *got;
		seed_verifies_as_labelled(&seeds[i], &pk);
		if (regen != NULL && strcmp(regen, "1") == 0)
			write_seed(&seeds[i]);
		jr_test_path(rel, sizeof rel, "tests/fuzz/corpus/receipt",
			seeds[i].file);
		got = jr_test_read_source(rel, &len);
		assert_int_equal(len, seeds[i].n);
		assert_memory_equal(got, seeds[i].b, len);
		free(got);
	}
	jr_key_free(fk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(receipt_signs_and_verifies_with_the_kiosk_key),
		cmocka_unit_test(receipt_decode_reads_fields_and_points_at_the_signature),
		cmocka_unit_test(receipt_bytes_match_the_documented_layout),
		cmocka_unit_test(receipt_verify_rejects_another_kiosks_key),
		cmocka_unit_test(receipt_verify_rejects_a_signature_by_another_kiosk),
		cmocka_unit_test(receipt_verify_rejects_every_single_flipped_bit),
		cmocka_unit_test(receipt_decode_rejects_every_truncation_and_an_extra_byte),
		cmocka_unit_test(receipt_decode_rejects_every_non_canonical_or_wrong_shape),
		cmocka_unit_test(receipt_sign_rejects_a_masked_name_over_16_bytes),
		cmocka_unit_test(receipt_sign_rejects_bad_fields_and_wrong_keys),
		cmocka_unit_test(receipt_worst_case_fits_144_bytes_and_a_version_8_qr),
		cmocka_unit_test(receipt_past_144_bytes_is_refused_both_ways),
		cmocka_unit_test(receipt_decode_and_verify_reject_null_arguments),
		cmocka_unit_test(receipt_text_round_trips),
		cmocka_unit_test(receipt_to_text_rejects_a_small_buffer_and_a_big_payload),
		cmocka_unit_test(receipt_from_text_rejects_lowercase_garbage_and_wrong_prefixes),
		cmocka_unit_test(receipt_from_text_rejects_bad_base45_and_length),
		cmocka_unit_test(receipt_text_of_garbage_decodes_but_does_not_verify),
		cmocka_unit_test(receipt_code_matches_known_values),
		cmocka_unit_test(receipt_code_round_trips),
		cmocka_unit_test(receipt_code_forgives_case_look_alikes_and_spacing),
		cmocka_unit_test(receipt_code_check_is_always_one_of_the_32_symbols),
		cmocka_unit_test(receipt_code_refuses_u_and_the_old_check_symbols),
		cmocka_unit_test(receipt_code_says_how_many_characters_are_missing),
		cmocka_unit_test(receipt_code_rejects_wrong_lengths_and_characters),
		cmocka_unit_test(receipt_code_check_catches_every_single_substitution),
		cmocka_unit_test(receipt_code_check_catches_every_adjacent_transposition),
		cmocka_unit_test(receipt_survives_png_and_the_librarys_own_zbar_scan),
		cmocka_unit_test(receipt_survives_the_independent_zbarimg_command),
		cmocka_unit_test(receipt_survives_half_scale_with_area_averaging),
		cmocka_unit_test(receipt_survives_2_3x_bilinear_scale),
		cmocka_unit_test(receipt_survives_rotation_by_90_degrees),
		cmocka_unit_test(receipt_survives_rotation_by_180_degrees),
		cmocka_unit_test(receipt_survives_rotation_by_17_degrees),
		cmocka_unit_test(receipt_survives_rotation_by_33_degrees),
		cmocka_unit_test(another_kiosks_receipt_scans_but_fails_verification),
		cmocka_unit_test(forged_receipt_scans_but_fails_verification),
		cmocka_unit_test(image_without_a_qr_gives_not_found),
		cmocka_unit_test(fuzz_seed_corpus_is_what_the_library_makes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
