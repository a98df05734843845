/*
 * Registration records (version 2): encode + seal, strict decode, open,
 * padding, ids, masked names. Every worker here is synthetic.
 */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/seal.h"

#define T0 1790000000
/* Fixed offsets of a version 2 record (record.c). */
#define OFF_KIOSK 5
#define OFF_SEALED_KEY 21
#define OFF_EPOCH_PK 25
#define OFF_NONCE 59
#define OFF_CT 86
#define AD_LEN 21

static struct jr_key *kiosk, *consortium, *other_consortium;
static struct jr_seal_epoch *epoch;
static struct jr_seal_opener *opener;

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	other_consortium = jr_test_key(JR_ROLE_CONSORTIUM, 9);
	epoch = jr_test_epoch(consortium, T0);
	return jr_seal_opener_new(consortium, &opener) == JR_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	jr_seal_opener_free(opener);
	jr_seal_epoch_close(epoch);
	jr_key_free(other_consortium);
	jr_key_free(consortium);
	jr_key_free(kiosk);
	return 0;
}

/* A synthetic worker; the NIK is built here (Kab. Tegal, a woman born
 * 1 July 1990, serial 0001). */
static void fill(struct jr_registration *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	r->time = T0;
	r->village = 3328012001u;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	memcpy(r->nik, "3328014107900001", 17);
	memcpy(r->name, "Siti Contoh", 12);
	r->birth = 19900701;
	memcpy(r->phone, "081200000001", 13);
	memcpy(r->address, "Jl. Contoh No. 1, Desa Contoh", 30);
}

static void encode(const struct jr_registration *r, struct jr_buf *out)
{
	uint8_t regid[JR_REGID_BYTES];
	struct jr_errbuf eb = { 0 };
	int rc = jr_record_encode(r, epoch, out, regid, &eb);

	if (rc != JR_OK)
		fail_msg("encode: %s", eb.msg);
}

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void assert_same_registration(const struct jr_registration *a,
	const struct jr_registration *b)
{
	assert_memory_equal(a->kiosk_id, b->kiosk_id, JR_ID_BYTES);
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->village, b->village);
	assert_int_equal(a->occupation, b->occupation);
	assert_int_equal(a->income, b->income);
	assert_int_equal(a->sex, b->sex);
	assert_int_equal(a->birth_year, b->birth_year);
	assert_int_equal(a->consent_version, b->consent_version);
	assert_int_equal(a->has_corrects, b->has_corrects);
	if (a->has_corrects)
		assert_memory_equal(a->corrects, b->corrects, JR_REGID_BYTES);
	assert_string_equal(a->nik, b->nik);
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->birth, b->birth);
	assert_string_equal(a->phone, b->phone);
	assert_string_equal(a->address, b->address);
}

/* ---- round trips ---------------------------------------------------- */

static void record_round_trips_and_the_centre_opens_it(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t regid[JR_REGID_BYTES], again[JR_REGID_BYTES];
	struct jr_errbuf eb = { 0 };

	(void)state;
	fill(&r);
	assert_int_equal(jr_record_encode(&r, epoch, &rec, regid, &eb), JR_OK);
	assert_int_equal(rec.len, JR_RECORD_BYTES);
	assert_int_equal(jr_cbor_check(rec.base, rec.len, NULL), JR_OK);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, &eb), JR_OK);
	assert_same_registration(&r, &out);
	jr_record_id(rec.base, rec.len, again);
	assert_memory_equal(regid, again, JR_REGID_BYTES);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

static void decode_gives_the_kiosk_id_and_nothing_else(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	jr_test_fill(r.corrects, JR_REGID_BYTES, 7);
	encode(&r, &rec);
	memset(&out, 0x55, sizeof out);
	assert_int_equal(jr_record_decode(rec.base, rec.len, &out, NULL), JR_OK);
	assert_memory_equal(out.kiosk_id, r.kiosk_id, JR_ID_BYTES);
	memset(out.kiosk_id, 0, JR_ID_BYTES);
	assert_true(is_zero(&out, sizeof out));
	jr_buf_free(&rec);
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t k)
{
	size_t i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(hay + i, needle, k) == 0)
			return true;
	return false;
}

/* What a stolen shard.db gave per registration before version 2: none of
 * it may appear in the record's bytes, neither as text nor as the CBOR
 * that version 1 wrote it in. */
static void no_fact_about_the_person_is_readable_in_the_record(void **state)
{
	static const struct {
		const char *hex;
		const char *what;
	} clear[] = {
		{ "1a6ab13b80", "time 1790000000" },
		{ "1ac65ecac1", "village 3328012001" },
		{ "1907c6", "birth year 1990" },
		{ "1a012fa8bd", "birth date 19900701" },
	};
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t b[16];
	size_t i, n;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	jr_test_fill(r.corrects, JR_REGID_BYTES, 7);
	encode(&r, &rec);
	for (i = 0; i < sizeof clear / sizeof clear[0]; i++) {
		n = jr_test_unhex(clear[i].hex, b, sizeof b);
		if (contains(rec.base, rec.len, b, n))
			fail_msg("%s is readable", clear[i].what);
	}
	assert_false(contains(rec.base, rec.len, r.nik, strlen(r.nik)));
	assert_false(contains(rec.base, rec.len, "Siti", 4));
	assert_false(contains(rec.base, rec.len, r.phone, strlen(r.phone)));
	assert_false(contains(rec.base, rec.len, "Contoh", 6));
	/* The link between two registrations of one person is sealed too. */
	assert_false(contains(rec.base, rec.len, r.corrects, JR_REGID_BYTES));
	/* The readable part is exactly {0: 2, 1: kiosk id} and the sealed key. */
	assert_int_equal(rec.base[0], 0xa3);
	assert_memory_equal(rec.base + 1, "\x00\x02\x01\x50", 4);
	assert_memory_equal(rec.base + OFF_KIOSK, r.kiosk_id, JR_ID_BYTES);
	assert_memory_equal(rec.base + OFF_SEALED_KEY, "\x02\x83\x58\x20", 4);
	jr_buf_free(&rec);
}

static void correction_round_trips_with_its_corrects_sealed(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	jr_test_fill(r.corrects, JR_REGID_BYTES, 7);
	memcpy(r.phone, "", 1);
	memcpy(r.address, "Dukuh \xc3\x89ntah RT 01/RW 02", 25);
	encode(&r, &rec);
	assert_int_equal(rec.len, JR_RECORD_BYTES);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

/* The longest fields the bounds allow, with a correction. */
static void fill_longest(struct jr_registration *r)
{
	fill(r);
	memset(r->name, 'a', JR_NAME_MAX);
	r->name[JR_NAME_MAX] = '\0';
	memset(r->address, 'b', JR_ADDRESS_MAX);
	r->address[JR_ADDRESS_MAX] = '\0';
	memset(r->phone, '9', JR_PHONE_MAX);
	r->phone[JR_PHONE_MAX] = '\0';
	r->has_corrects = true;
	memset(r->corrects, 0xcc, JR_REGID_BYTES);
	r->time = INT64_MAX;
	r->village = 9999999999u;
	r->occupation = JR_OCC_OTHER_INFORMAL;
	r->income = JR_INCOME_3M_PLUS;
	r->birth = 99991231;
	r->birth_year = 9999;
	r->consent_version = UINT16_MAX;
}

/* The shortest: no name, phone, address or correction, small numbers. */
static void fill_shortest(struct jr_registration *r)
{
	fill(r);
	r->name[0] = '\0';
	r->phone[0] = '\0';
	r->address[0] = '\0';
	r->time = 0;
	r->village = 0;
	r->occupation = JR_OCC_FARMER;
	r->income = JR_INCOME_UNDER_500K;
	r->sex = JR_SEX_MALE;
	r->birth = 0;
	r->birth_year = 0;
	r->consent_version = 0;
}

static void longest_fields_round_trip(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;

	(void)state;
	fill_longest(&r);
	encode(&r, &rec);
	assert_int_equal(rec.len, JR_RECORD_BYTES);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	fill_shortest(&r);
	jr_buf_free(&rec);
	encode(&r, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

/* Opens rec's ciphertext by the documented rule (ad = A2 || rec[1..21)),
 * not through jr_record_open, into pt[JR_RECORD_PT_BYTES]. */
static void open_by_the_document(const struct jr_buf *rec, uint8_t *pt)
{
	uint8_t ad[AD_LEN];

	assert_int_equal(rec->len, JR_RECORD_BYTES);
	memcpy(ad, rec->base, AD_LEN);
	ad[0] = 0xa2;
	assert_int_equal(jr_seal_open(opener, rec->base + OFF_EPOCH_PK,
		rec->base + OFF_NONCE, ad, AD_LEN, rec->base + OFF_CT,
		JR_RECORD_PT_BYTES + JR_SEAL_TAG_BYTES, pt), JR_OK);
}

/* Length of the CBOR map at the start of pt. */
static size_t map_len(const uint8_t *pt)
{
	struct jr_cbr r;

	jr_cbr_init(&r, pt, JR_RECORD_PT_BYTES);
	assert_int_equal(jr_cbr_skip(&r), JR_OK);
	return r.off;
}

static void the_padded_size_is_the_longest_plaintext_exactly(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t pt[JR_RECORD_PT_BYTES];
	size_t n;

	(void)state;
	fill_longest(&r);
	encode(&r, &rec);
	open_by_the_document(&rec, pt);
	/* No room is left: JR_RECORD_PT_BYTES is the maximum, not a guess. */
	assert_int_equal(map_len(pt), JR_RECORD_PT_BYTES);
	assert_int_equal(jr_cbor_check(pt, JR_RECORD_PT_BYTES, NULL), JR_OK);
	jr_buf_free(&rec);
	/* The example worker's map is followed by nothing but zeros. */
	fill(&r);
	encode(&r, &rec);
	open_by_the_document(&rec, pt);
	n = map_len(pt);
	assert_true(n < JR_RECORD_PT_BYTES);
	assert_int_equal(jr_cbor_check(pt, n, NULL), JR_OK);
	assert_true(is_zero(pt + n, JR_RECORD_PT_BYTES - n));
	jr_buf_free(&rec);
}

static void records_of_very_different_fields_have_one_length(void **state)
{
	struct jr_registration a, b;
	struct jr_buf ra, rb;

	(void)state;
	fill_shortest(&a);
	fill_longest(&b);
	encode(&a, &ra);
	encode(&b, &rb);
	assert_int_equal(ra.len, rb.len);
	assert_int_equal(ra.len, JR_RECORD_BYTES);
	/* With and without a phone, the bytes that would tell differ nowhere
	 * but in the ciphertext: the first 86 bytes have one layout. */
	assert_memory_equal(ra.base, rb.base, OFF_EPOCH_PK - 2);
	jr_buf_free(&ra);
	jr_buf_free(&rb);
}

static void registration_id_is_the_labelled_hash_of_the_record(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t regid[JR_REGID_BYTES], want[JR_REGID_BYTES];
	uint8_t cat[16 + JR_RECORD_BYTES];

	(void)state;
	fill(&r);
	assert_int_equal(jr_record_encode(&r, epoch, &rec, regid, NULL), JR_OK);
	/* BLAKE2b-128("jaring/regid/v2" || 0x00 || record), unkeyed. */
	memcpy(cat, "jaring/regid/v2", 16); /* with its NUL */
	memcpy(cat + 16, rec.base, rec.len);
	crypto_generichash(want, sizeof want, cat, 16 + rec.len, NULL, 0);
	assert_memory_equal(regid, want, JR_REGID_BYTES);
	/* Not the version 1 rule (no zero byte, label v1). */
	memcpy(cat + 1, "jaring/regid/v1", 15);
	crypto_generichash(want, sizeof want, cat + 1, 15 + rec.len, NULL, 0);
	assert_memory_not_equal(regid, want, JR_REGID_BYTES);
	jr_buf_free(&rec);
}

static void two_records_of_one_worker_have_different_ids(void **state)
{
	struct jr_registration r;
	struct jr_buf a, b;
	uint8_t ida[JR_REGID_BYTES], idb[JR_REGID_BYTES];

	(void)state;
	fill(&r);
	assert_int_equal(jr_record_encode(&r, epoch, &a, ida, NULL), JR_OK);
	assert_int_equal(jr_record_encode(&r, epoch, &b, idb, NULL), JR_OK);
	/* Fresh nonces make the bytes, and so the ids, differ. */
	assert_memory_not_equal(ida, idb, JR_REGID_BYTES);
	jr_buf_free(&a);
	jr_buf_free(&b);
}

/* ---- splicing records for negative cases ---------------------------- */

struct span {
	size_t key_off; /* where the key starts */
	size_t val_off; /* where its value starts */
	size_t end;     /* where the value ends */
};

/* Offsets of each top-level key of a well-formed record; returns count. */
static size_t find_keys(const uint8_t *p, size_t len, struct span *sp, size_t max)
{
	struct jr_cbr r;
	size_t n = 0, i;
	uint64_t k;

	jr_cbr_init(&r, p, len);
	assert_int_equal(jr_cbr_map(&r, &n), JR_OK);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		sp[i].key_off = r.off;
		assert_int_equal(jr_cbr_uint(&r, &k), JR_OK);
		sp[i].val_off = r.off;
		assert_int_equal(jr_cbr_skip(&r), JR_OK);
		sp[i].end = r.off;
	}
	return n;
}

/* out = p[0:from] || repl || p[to:], map head adjusted by dn entries. */
static size_t splice(const uint8_t *p, size_t len, size_t from, size_t to,
	const uint8_t *repl, size_t rlen, int dn, uint8_t *out, size_t max)
{
	size_t n = from + rlen + (len - to);

	assert_true(n <= max);
	memcpy(out, p, from);
	if (rlen > 0)
		memcpy(out + from, repl, rlen);
	memcpy(out + from + rlen, p + to, len - to);
	out[0] = (uint8_t)(out[0] + dn);
	return n;
}

/* Replaces the value of the index-th key. */
static size_t with_value(const uint8_t *p, size_t len, size_t index,
	const uint8_t *repl, size_t rlen, uint8_t *out, size_t max)
{
	struct span sp[16] = { { 0 } };

	find_keys(p, len, sp, 16);
	return splice(p, len, sp[index].val_off, sp[index].end, repl, rlen, 0, out, max);
}

static void expect_decode_fails(const uint8_t *p, size_t len, int want,
	const char *what)
{
	struct jr_registration out;
	int rc;

	memset(&out, 0x55, sizeof out);
	rc = jr_record_decode(p, len, &out, NULL);
	if (rc == JR_OK || (want != 0 && rc != want))
		fail_msg("%s: decode gave %s", what, jr_strerror(rc));
	assert_true(is_zero(&out, sizeof out));
	memset(&out, 0x55, sizeof out);
	assert_int_not_equal(jr_record_open(p, len, opener, &out, NULL), JR_OK);
	assert_true(is_zero(&out, sizeof out));
}

static void decode_rejects_truncation_at_every_length(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	size_t n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	for (n = 0; n < rec.len; n++)
		expect_decode_fails(rec.base, n, 0, "truncated");
	jr_buf_free(&rec);
}

static void decode_rejects_a_trailing_byte_and_oversized_input(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t big[JR_RECORD_MAX_BYTES + 2] = { 0 };

	(void)state;
	fill(&r);
	encode(&r, &rec);
	memcpy(big, rec.base, rec.len);
	expect_decode_fails(big, rec.len + 1, JR_EFORMAT, "trailing zero");
	big[rec.len] = 0xf6;
	expect_decode_fails(big, rec.len + 1, JR_EFORMAT, "trailing null");
	expect_decode_fails(big, JR_RECORD_MAX_BYTES + 1, JR_ETOOBIG, "oversized");
	expect_decode_fails(big, 0, 0, "empty");
	jr_buf_free(&rec);
}

static void decode_rejects_an_unknown_version(void **state)
{
	static const uint8_t versions[][2] = {
		{ 0x00, 0 }, { 0x01, 0 }, { 0x03, 0 }, { 0x18, 0x63 } };
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t buf[JR_RECORD_MAX_BYTES + 8];
	size_t i, n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	for (i = 0; i < sizeof versions / sizeof versions[0]; i++) {
		n = with_value(rec.base, rec.len, 0, versions[i], versions[i][0] == 0x18 ? 2 : 1,
			buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EVERSION, "version");
	}
	jr_buf_free(&rec);
}

/* The worked example of version 1 (village, time, occupation, income, sex
 * and birth year readable): no longer a record this build accepts. */
static void a_version_1_record_is_refused(void **state)
{
	static const char v1[] =
		"aa00010150ec73dc48fde0a5910693a8b6e3a4d590021a6ab13b80031ac65eca"
		"90040305020602071907c208010a8358205dfedd3b6bd47f6fa28ee15d969d5b"
		"b0ea53774d488bdaf9df1c6e0124b3ef2258185c83e02e8eb40cd7c41f1a0fc9"
		"11043af06419f9b02013d25856a48f5b36743ec8215a52eb30a8ba35a77d77ff"
		"7e3aafff1e8b2214908a28c2a49401f9058ff9c13af47ce6a5297c73366761b6"
		"ac3fa3c2994e04feebd9a80a7934491361258d1cdba0406acac1746157435567"
		"3c2373";
	uint8_t buf[256];
	size_t n = jr_test_unhex(v1, buf, sizeof buf);
	struct jr_errbuf eb = { 0 };
	struct jr_registration out;

	(void)state;
	assert_int_equal(n, 195);
	expect_decode_fails(buf, n, JR_EVERSION, "version 1");
	assert_int_equal(jr_record_decode(buf, n, &out, &eb), JR_EVERSION);
	assert_non_null(strstr(eb.msg, "record"));
}

/* Values of the wrong type, size or form, each put in place of one field of
 * a good record. */
struct bad_value {
	size_t index;
	uint8_t bytes[20];
	size_t len;
	const char *what;
};

#define A16 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a', 'a'

static const struct bad_value bad_values[] = {
	{ 1, { 0x4f, A16 }, 16, "kiosk id of 15 bytes" },
	{ 1, { 0x51, A16, 'a' }, 18, "kiosk id of 17 bytes" },
	{ 1, { 0x40 }, 1, "empty kiosk id" },
	{ 1, { 0x70, A16 }, 17, "kiosk id as text" },
	{ 1, { 0x81, 0x50, A16 }, 18, "kiosk id in an array" },
	{ 1, { 0xf6 }, 1, "kiosk id null" },
	{ 2, { 0x82, 0x58, 0x20 }, 3, "sealed array of 2, cut" },
	{ 2, { 0x80 }, 1, "empty sealed array" },
	{ 2, { 0xa0 }, 1, "sealed as a map" },
	{ 2, { 0x40 }, 1, "sealed as bytes" },
};

static void decode_rejects_bad_values_in_every_field(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t buf[JR_RECORD_MAX_BYTES + 16];
	size_t i, n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	for (i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		const struct bad_value *b = &bad_values[i];
		n = with_value(rec.base, rec.len, b->index, b->bytes, b->len, buf, sizeof buf);
		expect_decode_fails(buf, n, 0, b->what);
	}
	jr_buf_free(&rec);
}

/* Builds the sealed array from parts of chosen sizes. */
static size_t sealed_of(size_t pk, size_t nonce, size_t ct, size_t items,
	uint8_t *out)
{
	uint8_t parts[512];
	struct jr_cbw w;
	struct jr_buf b;
	size_t n;

	memset(parts, 0x33, sizeof parts);
	jr_cbw_init(&w, 1024);
	jr_cbw_array(&w, items);
	jr_cbw_bytes(&w, parts, pk);
	jr_cbw_bytes(&w, parts, nonce);
	jr_cbw_bytes(&w, parts, ct);
	if (items == 4)
		jr_cbw_bytes(&w, parts, 1);
	assert_int_equal(jr_cbw_finish(&w, &b), JR_OK);
	memcpy(out, b.base, b.len);
	n = b.len;
	jr_buf_free(&b);
	return n;
}

#define CT_LEN (JR_RECORD_PT_BYTES + JR_SEAL_TAG_BYTES)

static void decode_rejects_a_sealed_part_of_the_wrong_shape(void **state)
{
	static const size_t shapes[][4] = {
		{ 31, 24, CT_LEN, 3 }, { 33, 24, CT_LEN, 3 }, { 32, 23, CT_LEN, 3 },
		{ 32, 25, CT_LEN, 3 }, { 32, 24, CT_LEN - 1, 3 }, { 32, 24, CT_LEN + 1, 3 },
		{ 32, 24, 16, 3 }, { 32, 24, 0, 3 }, { 32, 24, 100, 3 },
		{ 32, 24, CT_LEN, 4 },
	};
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t sealed[600], buf[JR_RECORD_MAX_BYTES + 600];
	size_t i, n, sn;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	/* The shape check itself: a well-shaped fake decodes (and won't open). */
	sn = sealed_of(32, 24, CT_LEN, 3, sealed);
	n = with_value(rec.base, rec.len, 2, sealed, sn, buf, sizeof buf);
	assert_int_equal(n, JR_RECORD_BYTES);
	assert_int_equal(jr_record_decode(buf, n, &out, NULL), JR_OK);
	assert_int_equal(jr_record_open(buf, n, opener, &out, NULL), JR_ESIG);
	assert_true(is_zero(&out, sizeof out));
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		sn = sealed_of(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], sealed);
		n = with_value(rec.base, rec.len, 2, sealed, sn, buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EFORMAT, "sealed shape");
	}
	jr_buf_free(&rec);
}

static void decode_rejects_missing_extra_duplicate_and_reordered_keys(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	struct span sp[16] = { { 0 } };
	uint8_t buf[JR_RECORD_MAX_BYTES + 64], tmp[JR_RECORD_MAX_BYTES];
	size_t nk, i, n, kl;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	nk = find_keys(rec.base, rec.len, sp, 16);
	assert_int_equal(nk, 3);
	for (i = 0; i < nk; i++) {
		/* Missing key i. */
		n = splice(rec.base, rec.len, sp[i].key_off, sp[i].end, NULL, 0, -1, buf, sizeof buf);
		expect_decode_fails(buf, n, 0, "missing key");
		/* Key i twice. */
		kl = sp[i].end - sp[i].key_off;
		n = splice(rec.base, rec.len, sp[i].end, sp[i].end, rec.base + sp[i].key_off,
			kl, +1, buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EFORMAT, "duplicate key");
	}
	for (i = 0; i + 1 < nk; i++) {
		/* Keys i and i+1 swapped. */
		size_t a = sp[i].end - sp[i].key_off, b = sp[i + 1].end - sp[i + 1].key_off;
		memcpy(tmp, rec.base + sp[i + 1].key_off, b);
		memcpy(tmp + b, rec.base + sp[i].key_off, a);
		n = splice(rec.base, rec.len, sp[i].key_off, sp[i + 1].end, tmp, a + b, 0, buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EFORMAT, "swapped keys");
	}
	/* An unknown key 3 after the sealed part. */
	n = splice(rec.base, rec.len, rec.len, rec.len, (const uint8_t *)"\x03\x00", 2, +1,
		buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "key 3");
	/* A version 1 field (village, key 3 then) put back before the sealed key. */
	n = splice(rec.base, rec.len, sp[2].key_off, sp[2].key_off,
		(const uint8_t *)"\x02\x1a\xc6\x5e\xca\xc1", 6, +1, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "a readable village");
	jr_buf_free(&rec);
}

static void decode_rejects_non_canonical_heads(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	struct span sp[16] = { { 0 } };
	uint8_t buf[JR_RECORD_MAX_BYTES + 64];
	size_t n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	find_keys(rec.base, rec.len, sp, 16);
	/* Map head 0xa3 in the long form 0xb8 0x03. */
	n = splice(rec.base, rec.len, 0, 1, (const uint8_t *)"\xb8\x03", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long map head");
	/* An indefinite-length map. */
	n = splice(rec.base, rec.len, 0, 1, (const uint8_t *)"\xbf", 1, 0, buf, sizeof buf);
	buf[n++] = 0xff;
	expect_decode_fails(buf, n, JR_EFORMAT, "indefinite map");
	/* Key 1 written as 0x18 0x01. */
	n = splice(rec.base, rec.len, sp[1].key_off, sp[1].val_off,
		(const uint8_t *)"\x18\x01", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long key");
	/* The kiosk id in a two-byte length head. */
	n = splice(rec.base, rec.len, sp[1].val_off, sp[1].val_off + 1,
		(const uint8_t *)"\x58\x10", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long bstr head");
	/* The ciphertext in a four-byte length head. */
	n = splice(rec.base, rec.len, OFF_CT - 3, OFF_CT,
		(const uint8_t *)"\x5a\x00\x00\x01\x60", 5, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long ciphertext head");
	/* A tagged value. */
	n = splice(rec.base, rec.len, sp[1].val_off, sp[1].val_off,
		(const uint8_t *)"\xc1", 1, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "tag");
	jr_buf_free(&rec);
}

/* ---- open: binding and fail-closed ---------------------------------- */

static void ad_for(const uint8_t kiosk_id[JR_ID_BYTES], uint8_t ad[AD_LEN])
{
	memcpy(ad, "\xa2\x00\x02\x01\x50", 5);
	memcpy(ad + 5, kiosk_id, JR_ID_BYTES);
}

/* A record around pt[ptlen], sealed under associated data ad[adlen], with
 * kiosk id `id` in its readable part. */
static void record_of(const uint8_t id[JR_ID_BYTES], const uint8_t *ad, size_t adlen,
	const uint8_t *pt, size_t ptlen, struct jr_buf *out)
{
	uint8_t nonce[JR_SEAL_NONCE_BYTES], ct[JR_RECORD_PT_BYTES + 64];
	struct jr_cbw w;

	assert_true(ptlen <= JR_RECORD_PT_BYTES + 48);
	assert_int_equal(jr_seal(epoch, ad, adlen, pt, ptlen, nonce, ct), JR_OK);
	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	jr_cbw_map(&w, 3);
	jr_cbw_uint(&w, 0), jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 1), jr_cbw_bytes(&w, id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2), jr_cbw_array(&w, 3);
	jr_cbw_bytes(&w, jr_seal_epoch_pk(epoch), JR_BOX_PK_BYTES);
	jr_cbw_bytes(&w, nonce, sizeof nonce);
	jr_cbw_bytes(&w, ct, ptlen + JR_SEAL_TAG_BYTES);
	assert_int_equal(jr_cbw_finish(&w, out), JR_OK);
}

static void open_rejects_a_ciphertext_moved_under_another_kiosk_id(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t pt[JR_RECORD_PT_BYTES], ad[AD_LEN];
	struct jr_errbuf eb = { 0 };

	(void)state;
	fill(&r);
	encode(&r, &rec);
	open_by_the_document(&rec, pt);
	rec.base[OFF_KIOSK + 3] ^= 0x01;
	/* Still a well-formed record of another kiosk ... */
	assert_int_equal(jr_record_decode(rec.base, rec.len, &out, NULL), JR_OK);
	/* ... whose sealed part does not open. */
	memset(&out, 0x55, sizeof out);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, &eb), JR_ESIG);
	assert_true(is_zero(&out, sizeof out));
	assert_non_null(strstr(eb.msg, "does not open"));
	jr_buf_free(&rec);
	/* Sealed under the record's own first 21 bytes (head A3, not A2): the
	 * associated data is the map without key 2, and nothing else opens. */
	memcpy(ad, "\xa3\x00\x02\x01\x50", 5);
	memcpy(ad + 5, r.kiosk_id, JR_ID_BYTES);
	record_of(r.kiosk_id, ad, AD_LEN, pt, sizeof pt, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_ESIG);
	jr_buf_free(&rec);
	/* Sealed with no associated data at all. */
	record_of(r.kiosk_id, NULL, 0, pt, sizeof pt, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_ESIG);
	jr_buf_free(&rec);
	/* The documented associated data: opens. */
	ad_for(r.kiosk_id, ad);
	record_of(r.kiosk_id, ad, AD_LEN, pt, sizeof pt, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	sodium_memzero(pt, sizeof pt);
	jr_buf_free(&rec);
}

static void open_rejects_any_flipped_bit_anywhere(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	size_t i;
	int bit;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	for (i = 0; i < rec.len; i++) {
		for (bit = 0; bit < 8; bit += 7) {
			rec.base[i] ^= (uint8_t)(1u << bit);
			memset(&out, 0x55, sizeof out);
			if (jr_record_open(rec.base, rec.len, opener, &out, NULL) == JR_OK)
				fail_msg("byte %zu bit %d flipped and the record still opens", i, bit);
			assert_true(is_zero(&out, sizeof out));
			rec.base[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

static void open_with_another_consortium_key_fails_closed(void **state)
{
	struct jr_seal_opener *wrong;
	struct jr_registration r, out;
	struct jr_buf rec;
	struct jr_errbuf eb = { 0 };

	(void)state;
	fill(&r);
	encode(&r, &rec);
	assert_int_equal(jr_seal_opener_new(other_consortium, &wrong), JR_OK);
	memset(&out, 0x55, sizeof out);
	assert_int_equal(jr_record_open(rec.base, rec.len, wrong, &out, &eb), JR_ESIG);
	assert_true(is_zero(&out, sizeof out));
	assert_non_null(strstr(eb.msg, "does not open"));
	jr_seal_opener_free(wrong);
	jr_buf_free(&rec);
}

/* ---- plaintexts that are not the documented one -------------------- */

enum defect {
	D_NONE, D_PAD_LAST, D_PAD_FIRST, D_NO_CONSENT, D_EXTRA_KEY_12, D_SWAP_01,
	D_NIK_15, D_NIK_LETTER, D_NIK_LONG_HEAD, D_NAME_81, D_NAME_CONTROL,
	D_NAME_NOT_UTF8, D_BIRTH_OVER, D_BIRTH_LONG_HEAD, D_PHONE_LETTER,
	D_ADDRESS_161, D_TIME_NEGATIVE, D_VILLAGE_11_DIGITS, D_OCCUPATION_0,
	D_OCCUPATION_14, D_INCOME_7, D_SEX_3, D_CONSENT_65536, D_CORRECTS_15,
	D_COUNT_12_NO_CORRECTS, D_COUNT_11_WITH_CORRECTS, D_INDEFINITE_MAP,
	D_ALL_ZERO, D_SHORT, D_LONG, D_COUNT
};

static void wkey(struct jr_cbw *w, uint64_t k)
{
	jr_cbw_uint(w, k);
}

static void wraw(struct jr_cbw *w, const char *bytes, size_t n)
{
	jr_cbw_raw(w, (const uint8_t *)bytes, n);
}

static void wtext(struct jr_cbw *w, uint64_t k, const char *s)
{
	wkey(w, k);
	jr_cbw_text(w, s, strlen(s));
}

static void w_nik_name(struct jr_cbw *w, const struct jr_registration *r, enum defect d)
{
	char long_name[JR_NAME_MAX + 2];

	if (d == D_NIK_15)
		wtext(w, 0, "332801410790000");
	else if (d == D_NIK_LETTER)
		wtext(w, 0, "33280141079000A1");
	else if (d == D_NIK_LONG_HEAD)
		wkey(w, 0), wraw(w, "\x78\x10", 2), wraw(w, r->nik, 16);
	else
		wtext(w, 0, r->nik);
	if (d == D_NAME_81) {
		memset(long_name, 'a', JR_NAME_MAX + 1);
		long_name[JR_NAME_MAX + 1] = '\0';
		wtext(w, 1, long_name);
	} else if (d == D_NAME_CONTROL) {
		wtext(w, 1, "Siti\x01");
	} else if (d == D_NAME_NOT_UTF8) {
		wkey(w, 1), wraw(w, "\x62\xc3\x28", 3);
	} else {
		wtext(w, 1, r->name);
	}
}

/* The plaintext of r (with a correction), written with defect d, in
 * pt[JR_RECORD_PT_BYTES + 32]; returns its length. */
static size_t build_pt(const struct jr_registration *r, enum defect d, uint8_t *pt)
{
	uint8_t tmp[600];
	char addr[JR_ADDRESS_MAX + 2];
	struct jr_cbw w;
	size_t entries = 12, n;

	if (d == D_NO_CONSENT || d == D_COUNT_11_WITH_CORRECTS)
		entries = 11;
	if (d == D_EXTRA_KEY_12)
		entries = 13;
	jr_cbw_init_fixed(&w, tmp, sizeof tmp);
	if (d == D_INDEFINITE_MAP)
		wraw(&w, "\xbf", 1);
	else
		jr_cbw_map(&w, entries);
	if (d == D_SWAP_01) {
		wtext(&w, 1, r->name);
		wtext(&w, 0, r->nik);
	} else {
		w_nik_name(&w, r, d);
	}
	wkey(&w, 2);
	if (d == D_BIRTH_LONG_HEAD)
		wraw(&w, "\x1b\x00\x00\x00\x00\x01\x2f\xa8\xbd", 9);
	else
		jr_cbw_uint(&w, d == D_BIRTH_OVER ? 99991232u : r->birth);
	wtext(&w, 3, d == D_PHONE_LETTER ? "08120000000A" : r->phone);
	if (d == D_ADDRESS_161) {
		memset(addr, 'b', JR_ADDRESS_MAX + 1);
		addr[JR_ADDRESS_MAX + 1] = '\0';
		wtext(&w, 4, addr);
	} else {
		wtext(&w, 4, r->address);
	}
	wkey(&w, 5);
	if (d == D_TIME_NEGATIVE)
		wraw(&w, "\x20", 1);
	else
		jr_cbw_uint(&w, (uint64_t)r->time);
	wkey(&w, 6), jr_cbw_uint(&w, d == D_VILLAGE_11_DIGITS ? 10000000000u : r->village);
	wkey(&w, 7), jr_cbw_uint(&w, d == D_OCCUPATION_0 ? 0u :
		d == D_OCCUPATION_14 ? 14u : (uint64_t)r->occupation);
	wkey(&w, 8), jr_cbw_uint(&w, d == D_INCOME_7 ? 7u : (uint64_t)r->income);
	wkey(&w, 9), jr_cbw_uint(&w, d == D_SEX_3 ? 3u : (uint64_t)r->sex);
	if (d != D_NO_CONSENT)
		wkey(&w, 10), jr_cbw_uint(&w, d == D_CONSENT_65536 ? 65536u : r->consent_version);
	if (d != D_COUNT_12_NO_CORRECTS)
		wkey(&w, 11), jr_cbw_bytes(&w, r->corrects, d == D_CORRECTS_15 ? 15 : 16);
	if (d == D_EXTRA_KEY_12)
		wkey(&w, 12), jr_cbw_uint(&w, 0);
	if (d == D_INDEFINITE_MAP)
		wraw(&w, "\xff", 1);
	assert_int_equal(w.err, JR_OK);
	assert_true(w.len <= JR_RECORD_PT_BYTES);
	n = JR_RECORD_PT_BYTES;
	memset(pt, 0, n + 32);
	if (d != D_ALL_ZERO)
		memcpy(pt, tmp, w.len);
	if (d == D_PAD_LAST)
		pt[n - 1] = 0x01;
	if (d == D_PAD_FIRST)
		pt[w.len] = 0x80;
	if (d == D_SHORT)
		n = w.len;
	if (d == D_LONG)
		n += 1;
	return n;
}

static void open_rejects_a_plaintext_that_is_not_the_documented_map(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t pt[JR_RECORD_PT_BYTES + 32], ad[AD_LEN];
	struct jr_errbuf eb;
	size_t ptlen;
	int d, rc;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	jr_test_fill(r.corrects, JR_REGID_BYTES, 7);
	ad_for(r.kiosk_id, ad);
	/* The harness is right: without a defect the record opens. */
	ptlen = build_pt(&r, D_NONE, pt);
	record_of(r.kiosk_id, ad, AD_LEN, pt, ptlen, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
	for (d = D_NONE + 1; d < D_COUNT; d++) {
		ptlen = build_pt(&r, (enum defect)d, pt);
		record_of(r.kiosk_id, ad, AD_LEN, pt, ptlen, &rec);
		memset(&out, 0x55, sizeof out);
		memset(&eb, 0, sizeof eb);
		rc = jr_record_open(rec.base, rec.len, opener, &out, &eb);
		if (rc != JR_EFORMAT)
			fail_msg("plaintext defect %d: open gave %s", d, jr_strerror(rc));
		assert_true(is_zero(&out, sizeof out));
		assert_true(eb.msg[0] != '\0');
		jr_buf_free(&rec);
	}
	sodium_memzero(pt, sizeof pt);
}

static void open_names_the_padding_when_only_the_padding_is_wrong(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t pt[JR_RECORD_PT_BYTES + 32], ad[AD_LEN];
	struct jr_errbuf eb = { 0 };
	size_t ptlen;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	ad_for(r.kiosk_id, ad);
	ptlen = build_pt(&r, D_PAD_LAST, pt);
	record_of(r.kiosk_id, ad, AD_LEN, pt, ptlen, &rec);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, &eb), JR_EFORMAT);
	assert_non_null(strstr(eb.msg, "padding"));
	jr_buf_free(&rec);
}

/* ---- encode refuses what it could not decode ------------------------ */

static void encode_rejects_fields_out_of_range(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t regid[JR_REGID_BYTES];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		fill(&r);
		switch (i) {
		case 0: r.occupation = (enum jr_occupation)0; break;
		case 1: r.occupation = JR_OCC_COUNT; break;
		case 2: r.income = (enum jr_income)0; break;
		case 3: r.income = JR_INCOME_COUNT; break;
		case 4: r.sex = (enum jr_sex)0; break;
		case 5: r.sex = (enum jr_sex)3; break;
		case 6: r.time = -1; break;
		case 7: r.village = 10000000000u; break;
		case 8: memcpy(r.nik, "332801410790000", 16); break;
		case 9: memcpy(r.nik, "33280141079000X1", 17); break;
		case 10: memset(r.name, 'a', sizeof r.name); break; /* no NUL */
		case 11: memcpy(r.name, "Siti\xc3", 6); break;
		case 12: memcpy(r.name, "Siti\nContoh", 12); break;
		case 13: memcpy(r.phone, "0812-3456", 10); break;
		case 14: memset(r.phone, '1', sizeof r.phone); break;
		case 15: memcpy(r.address, "Jl. \xed\xa0\x80", 8); break; /* surrogate */
		case 16: r.birth_year = 1991; break; /* not the date's year */
		case 17: r.birth_year = 0; break;
		case 18: r.birth = 100000101; r.birth_year = 10000; break;
		default: r.birth = 99991232; r.birth_year = 9999; break;
		}
		memset(regid, 0x55, sizeof regid);
		rec.base = (uint8_t *)&rec;
		rec.len = 99;
		if (jr_record_encode(&r, epoch, &rec, regid, NULL) != JR_EINVAL)
			fail_msg("case %d was encoded", i);
		assert_null(rec.base);
		assert_int_equal(rec.len, 0);
		assert_true(is_zero(regid, sizeof regid));
	}
}

static void encode_and_decode_refuse_null_arguments(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t regid[JR_REGID_BYTES];

	(void)state;
	fill(&r);
	assert_int_equal(jr_record_encode(&r, NULL, &rec, regid, NULL), JR_EINVAL);
	assert_int_equal(jr_record_encode(NULL, epoch, &rec, regid, NULL), JR_EINVAL);
	assert_int_equal(jr_record_encode(&r, epoch, NULL, regid, NULL), JR_EINVAL);
	assert_int_equal(jr_record_encode(&r, epoch, &rec, NULL, NULL), JR_EINVAL);
	assert_int_equal(jr_record_decode(NULL, 10, &out, NULL), JR_EINVAL);
	assert_int_equal(jr_record_decode((const uint8_t *)"", 0, NULL, NULL), JR_EINVAL);
	assert_int_equal(jr_record_open((const uint8_t *)"\xa0", 1, NULL, &out, NULL), JR_EINVAL);
}

static void registration_wipe_zeroes_the_whole_struct(void **state)
{
	struct jr_registration r;

	(void)state;
	fill(&r);
	jr_registration_wipe(&r);
	assert_true(is_zero(&r, sizeof r));
	jr_registration_wipe(NULL);
}

/* ---- masked names --------------------------------------------------- */

static void mask(const char *in, size_t outlen, const char *want)
{
	char out[128];

	memset(out, 0x7e, sizeof out);
	jr_mask_name(in, out, outlen);
	if (strcmp(out, want) != 0)
		fail_msg("mask(\"%s\", %zu) gave \"%s\", want \"%s\"", in, outlen, out, want);
	assert_true(strlen(out) < outlen);
	assert_true(out[outlen] == 0x7e || outlen == sizeof out);
}

#define M (JR_MASKED_NAME_MAX + 1)

static void mask_name_gives_initials_only(void **state)
{
	(void)state;
	mask("Siti Contoh", M, "S. C.");
	mask("Siti Aminah", M, "S. A.");
	mask("siti aminah", M, "S. A.");
	mask("Budi", M, "B.");
	mask("B", M, "B.");
	mask("d'Arc", M, "D.");
	mask("'Arc", M, "'.");
	mask("1234", M, "1.");
	/* Word lengths are not shown: these two mask alike. */
	mask("Si Co", M, "S. C.");
	mask("Sitiaminahbinti Contohcontohcontoh", M, "S. C.");
}

static void mask_name_splits_on_any_ascii_whitespace(void **state)
{
	(void)state;
	mask("  Siti   Aminah  ", M, "S. A.");
	mask("Siti\tAminah\n", M, "S. A.");
	mask("\r\v\fSiti \t Aminah\r\n", M, "S. A.");
	mask("", M, "");
	mask("   ", M, "");
	mask("\t\n", M, "");
	mask(NULL, M, "");
}

static void mask_name_stops_at_a_whole_unit_within_16_bytes(void **state)
{
	(void)state;
	/* Five units take 14 bytes; a sixth (" F.") would make 17. */
	mask("Ani Budi Citra Dewi Eka Fajar", M, "A. B. C. D. E.");
	mask("Muhammad Abdul Rahman Hakim", M, "M. A. R. H.");
	mask("A B C D E F G H I", M, "A. B. C. D. E.");
	/* Smaller buffers: never a half unit, never a trailing space. */
	mask("Siti Aminah", 5, "S.");
	mask("Siti Aminah", 6, "S. A.");
	mask("Siti Aminah", 3, "S.");
	mask("Siti Aminah", 2, "");
	mask("Siti Aminah", 1, "");
}

static void mask_name_keeps_a_multibyte_initial_whole(void **state)
{
	(void)state;
	/* "Ésa Ñoman": É and Ñ are two bytes each and kept as they are. */
	mask("\xc3\x89sa \xc3\x91oman", M, "\xc3\x89. \xc3\x91.");
	/* Lower-case non-ASCII is not upper-cased. */
	mask("\xc3\xa9mile", M, "\xc3\xa9.");
	/* Javanese script (3 bytes) and a 4-byte code point. */
	mask("\xea\xa6\xa0\xea\xa6\xa4\xea\xa6\xba", M, "\xea\xa6\xa0.");
	mask("\xf0\x9f\x98\x80" "ani Budi", M, "\xf0\x9f\x98\x80. B.");
	/* A later multi-byte letter changes nothing. */
	mask("P\xc3\xa9rez", M, "P.");
	/* Truncation never cuts a code point: " Ñ." needs 4 bytes. */
	mask("A B C D \xc3\x91oman", M, "A. B. C. D. \xc3\x91.");
	mask("A B C D E \xc3\x91oman", M, "A. B. C. D. E.");
	mask("Ab \xc3\x91x", 6, "A.");
	mask("Ab \xc3\x91x", 7, "A. \xc3\x91.");
	mask("\xf0\x9f\x98\x80" "a", 5, "");
	mask("\xf0\x9f\x98\x80" "a", 6, "\xf0\x9f\x98\x80.");
}

static void mask_name_turns_broken_bytes_and_controls_into_stars(void **state)
{
	(void)state;
	mask("\xff" "abc", M, "*.");
	mask("Ab\xc3", M, "A.");
	mask("\xc3", M, "*.");
	mask("\x01" "bc de", M, "*. D.");
	mask("\x7f" "x", M, "*.");
	mask("\xc3\x28" "x", M, "*.");     /* invalid 2-byte sequence */
	mask("\xe0\x80\x80z", M, "*.");    /* overlong */
	mask("\xed\xa0\x80z", M, "*.");    /* surrogate */
	mask("\xf4\x90\x80\x80", M, "*."); /* over U+10FFFF */
	mask("\x80" "a \xbf" "b", M, "*. *."); /* stray continuation bytes */
}

static void mask_name_tolerates_zero_length_and_no_output(void **state)
{
	char out[4] = "xyz";

	(void)state;
	jr_mask_name("Siti", out, 0);
	assert_string_equal(out, "xyz");
	jr_mask_name(NULL, out, sizeof out);
	assert_string_equal(out, "");
	jr_mask_name("Siti", NULL, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(record_round_trips_and_the_centre_opens_it),
		cmocka_unit_test(decode_gives_the_kiosk_id_and_nothing_else),
		cmocka_unit_test(no_fact_about_the_person_is_readable_in_the_record),
		cmocka_unit_test(correction_round_trips_with_its_corrects_sealed),
		cmocka_unit_test(longest_fields_round_trip),
		cmocka_unit_test(the_padded_size_is_the_longest_plaintext_exactly),
		cmocka_unit_test(records_of_very_different_fields_have_one_length),
		cmocka_unit_test(registration_id_is_the_labelled_hash_of_the_record),
		cmocka_unit_test(two_records_of_one_worker_have_different_ids),
		cmocka_unit_test(decode_rejects_truncation_at_every_length),
		cmocka_unit_test(decode_rejects_a_trailing_byte_and_oversized_input),
		cmocka_unit_test(decode_rejects_an_unknown_version),
		cmocka_unit_test(a_version_1_record_is_refused),
		cmocka_unit_test(decode_rejects_bad_values_in_every_field),
		cmocka_unit_test(decode_rejects_a_sealed_part_of_the_wrong_shape),
		cmocka_unit_test(decode_rejects_missing_extra_duplicate_and_reordered_keys),
		cmocka_unit_test(decode_rejects_non_canonical_heads),
		cmocka_unit_test(open_rejects_a_ciphertext_moved_under_another_kiosk_id),
		cmocka_unit_test(open_rejects_any_flipped_bit_anywhere),
		cmocka_unit_test(open_with_another_consortium_key_fails_closed),
		cmocka_unit_test(open_rejects_a_plaintext_that_is_not_the_documented_map),
		cmocka_unit_test(open_names_the_padding_when_only_the_padding_is_wrong),
		cmocka_unit_test(encode_rejects_fields_out_of_range),
		cmocka_unit_test(encode_and_decode_refuse_null_arguments),
		cmocka_unit_test(registration_wipe_zeroes_the_whole_struct),
		cmocka_unit_test(mask_name_gives_initials_only),
		cmocka_unit_test(mask_name_splits_on_any_ascii_whitespace),
		cmocka_unit_test(mask_name_stops_at_a_whole_unit_within_16_bytes),
		cmocka_unit_test(mask_name_keeps_a_multibyte_initial_whole),
		cmocka_unit_test(mask_name_turns_broken_bytes_and_controls_into_stars),
		cmocka_unit_test(mask_name_tolerates_zero_length_and_no_output),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
