/* Registration records: encode + seal, strict decode, open, ids, masked names. */
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "jaring/record.h"
#include "jaring/seal.h"

#define T0 1790000000

static struct jr_key *kiosk, *consortium, *other_consortium;
static struct jr_seal_epoch *epoch;
static struct jr_seal_opener *opener;

static int setup(void **state)
{
	uint8_t seed[32], esk[32], nseed[32];
	struct jr_pubkey cpub;

	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	memset(seed, 1, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_KIOSK, seed, &kiosk) != JR_OK)
		return -1;
	memset(seed, 2, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &consortium) != JR_OK)
		return -1;
	memset(seed, 9, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &other_consortium) != JR_OK)
		return -1;
	jr_key_public(consortium, &cpub);
	memset(esk, 3, sizeof esk);
	memset(nseed, 4, sizeof nseed);
	if (jr_seal_epoch_open_det(cpub.box_pk, esk, nseed, T0, &epoch) != JR_OK)
		return -1;
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
	assert_true(rec.len <= JR_RECORD_MAX_BYTES);
	assert_int_equal(jr_cbor_check(rec.base, rec.len, NULL), JR_OK);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, &eb), JR_OK);
	assert_same_registration(&r, &out);
	jr_record_id(rec.base, rec.len, again);
	assert_memory_equal(regid, again, JR_REGID_BYTES);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

static void decode_gives_the_readable_fields_and_no_personal_ones(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	memset(&out, 0x55, sizeof out);
	assert_int_equal(jr_record_decode(rec.base, rec.len, &out, NULL), JR_OK);
	assert_int_equal(out.village, r.village);
	assert_int_equal(out.occupation, r.occupation);
	assert_int_equal(out.birth_year, 1990);
	assert_true(is_zero(out.nik, sizeof out.nik));
	assert_true(is_zero(out.name, sizeof out.name));
	assert_int_equal(out.birth, 0);
	assert_true(is_zero(out.phone, sizeof out.phone));
	assert_true(is_zero(out.address, sizeof out.address));
	jr_buf_free(&rec);
}

static void correction_round_trips_with_key_9(void **state)
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
	assert_int_equal(rec.base[0], 0xab);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

static void longest_fields_fit_the_record_maximum(void **state)
{
	struct jr_registration r, out;
	struct jr_buf rec;

	(void)state;
	fill(&r);
	memset(r.name, 'a', JR_NAME_MAX);
	r.name[JR_NAME_MAX] = '\0';
	memset(r.address, 'b', JR_ADDRESS_MAX);
	r.address[JR_ADDRESS_MAX] = '\0';
	memset(r.phone, '9', JR_PHONE_MAX);
	r.phone[JR_PHONE_MAX] = '\0';
	r.has_corrects = true;
	r.time = INT64_MAX;
	r.village = 9999999999u;
	r.birth = UINT32_MAX;
	r.birth_year = UINT16_MAX;
	r.consent_version = UINT16_MAX;
	encode(&r, &rec);
	assert_true(rec.len <= JR_RECORD_MAX_BYTES);
	assert_int_equal(jr_record_open(rec.base, rec.len, opener, &out, NULL), JR_OK);
	assert_same_registration(&r, &out);
	jr_registration_wipe(&out);
	jr_buf_free(&rec);
}

static void registration_id_is_blake2b_128_of_domain_and_record(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t regid[JR_REGID_BYTES], want[JR_REGID_BYTES];
	uint8_t cat[15 + JR_RECORD_MAX_BYTES];

	(void)state;
	fill(&r);
	assert_int_equal(jr_record_encode(&r, epoch, &rec, regid, NULL), JR_OK);
	memcpy(cat, "jaring/regid/v1", 15);
	memcpy(cat + 15, rec.base, rec.len);
	crypto_generichash(want, sizeof want, cat, 15 + rec.len, NULL, 0);
	assert_memory_equal(regid, want, JR_REGID_BYTES);
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
	struct span sp[16];

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
	static const uint8_t versions[][2] = { { 0x00, 0 }, { 0x02, 0 }, { 0x18, 0x63 } };
	struct jr_registration r;
	struct jr_buf rec;
	uint8_t buf[JR_RECORD_MAX_BYTES + 8];
	size_t i, n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	for (i = 0; i < 3; i++) {
		n = with_value(rec.base, rec.len, 0, versions[i], versions[i][0] == 0x18 ? 2 : 1,
			buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EVERSION, "version");
	}
	jr_buf_free(&rec);
}

/* Values that are out of range, of the wrong type or not in shortest form,
 * each put in place of one field of a good record. */
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
	{ 1, { 0x82, 0x48, A16 }, 18, "kiosk id as an array" },
	{ 2, { 0x1b, 0, 0, 0, 0, 0x6a, 0xb1, 0x4a, 0x80 }, 9, "time in a long head" },
	{ 2, { 0x20 }, 1, "negative time" },
	{ 2, { 0x1b, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 9, "time over 2^63-1" },
	{ 3, { 0x1b, 0, 0, 0, 2, 0x54, 0x0b, 0xe4, 0x00 }, 9, "village of 11 digits" },
	{ 4, { 0x00 }, 1, "occupation 0" },
	{ 4, { 0x0e }, 1, "occupation 14" },
	{ 4, { 0x18, 0x01 }, 2, "occupation 1 in a long head" },
	{ 5, { 0x00 }, 1, "income 0" },
	{ 5, { 0x07 }, 1, "income 7" },
	{ 6, { 0x00 }, 1, "sex 0" },
	{ 6, { 0x03 }, 1, "sex 3" },
	{ 6, { 0xf5 }, 1, "sex as a boolean" },
	{ 7, { 0x1a, 0, 1, 0, 0 }, 5, "birth year 65536" },
	{ 7, { 0x1a, 0, 0, 0x07, 0xc6 }, 5, "birth year in a long head" },
	{ 8, { 0x1a, 0, 1, 0, 0 }, 5, "consent version 65536" },
	{ 8, { 0xf6 }, 1, "consent version null" },
	{ 9, { 0x82, 0x58, 0x20 }, 3, "sealed array of 2, cut" },
	{ 9, { 0x80 }, 1, "empty sealed array" },
	{ 9, { 0xa0 }, 1, "sealed as a map" },
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
	uint8_t parts[400];
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

static void decode_rejects_a_sealed_part_of_the_wrong_shape(void **state)
{
	static const size_t shapes[][4] = {
		{ 31, 24, 100, 3 }, { 33, 24, 100, 3 }, { 32, 23, 100, 3 },
		{ 32, 25, 100, 3 }, { 32, 24, 16, 3 }, { 32, 24, 0, 3 },
		{ 32, 24, 16 + 289, 3 }, { 32, 24, 100, 4 },
	};
	struct jr_registration r, out;
	struct jr_buf rec;
	uint8_t sealed[512], buf[JR_RECORD_MAX_BYTES + 512];
	size_t i, n, sn;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	/* The shape check itself: a well-shaped fake decodes (and won't open). */
	sn = sealed_of(32, 24, 100, 3, sealed);
	n = with_value(rec.base, rec.len, 9, sealed, sn, buf, sizeof buf);
	assert_int_equal(jr_record_decode(buf, n, &out, NULL), JR_OK);
	assert_int_equal(jr_record_open(buf, n, opener, &out, NULL), JR_ESIG);
	assert_true(is_zero(&out, sizeof out));
	for (i = 0; i < sizeof shapes / sizeof shapes[0]; i++) {
		sn = sealed_of(shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], sealed);
		n = with_value(rec.base, rec.len, 9, sealed, sn, buf, sizeof buf);
		expect_decode_fails(buf, n, JR_EFORMAT, "sealed shape");
	}
	jr_buf_free(&rec);
}

static void decode_rejects_missing_extra_duplicate_and_reordered_keys(void **state)
{
	struct jr_registration r;
	struct jr_buf rec, corr;
	struct span sp[16];
	uint8_t buf[JR_RECORD_MAX_BYTES + 64], tmp[JR_RECORD_MAX_BYTES];
	size_t nk, i, n, kl;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	nk = find_keys(rec.base, rec.len, sp, 16);
	assert_int_equal(nk, 10);
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
	/* An unknown key 11 after the sealed part. */
	n = splice(rec.base, rec.len, rec.len, rec.len, (const uint8_t *)"\x0b\x00", 2, +1,
		buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "key 11");
	/* Key 9 of the wrong size, inserted before key 10. */
	n = splice(rec.base, rec.len, sp[9].key_off, sp[9].key_off,
		(const uint8_t *)"\x09\x4f" "012345678901234", 17, +1, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "corrects of 15 bytes");
	/* A correction whose key 9 is dropped but whose map still says 11. */
	r.has_corrects = true;
	encode(&r, &corr);
	nk = find_keys(corr.base, corr.len, sp, 16);
	assert_int_equal(nk, 11);
	n = splice(corr.base, corr.len, sp[9].key_off, sp[9].end, NULL, 0, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "count says 11, 10 present");
	jr_buf_free(&corr);
	jr_buf_free(&rec);
}

static void decode_rejects_non_canonical_heads(void **state)
{
	struct jr_registration r;
	struct jr_buf rec;
	struct span sp[16];
	uint8_t buf[JR_RECORD_MAX_BYTES + 64];
	size_t n;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	find_keys(rec.base, rec.len, sp, 16);
	/* Map head 0xaa in the long form 0xb8 0x0a. */
	n = splice(rec.base, rec.len, 0, 1, (const uint8_t *)"\xb8\x0a", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long map head");
	/* An indefinite-length map. */
	n = splice(rec.base, rec.len, 0, 1, (const uint8_t *)"\xbf", 1, 0, buf, sizeof buf);
	buf[n++] = 0xff;
	expect_decode_fails(buf, n, JR_EFORMAT, "indefinite map");
	/* Key 3 written as 0x18 0x03. */
	n = splice(rec.base, rec.len, sp[3].key_off, sp[3].val_off,
		(const uint8_t *)"\x18\x03", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long key");
	/* The kiosk id in a two-byte length head. */
	n = splice(rec.base, rec.len, sp[1].val_off, sp[1].val_off + 1,
		(const uint8_t *)"\x58\x10", 2, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "long bstr head");
	/* A tagged value. */
	n = splice(rec.base, rec.len, sp[4].val_off, sp[4].val_off,
		(const uint8_t *)"\xc1", 1, 0, buf, sizeof buf);
	expect_decode_fails(buf, n, JR_EFORMAT, "tag");
	jr_buf_free(&rec);
}

/* ---- open: binding and fail-closed ---------------------------------- */

/* Re-encodes the readable fields of r around the sealed part of rec, so the
 * ciphertext stays the same and only a readable field changes. */
static void reseal_readable(const struct jr_registration *r,
	const struct jr_buf *rec, struct jr_buf *out)
{
	struct span sp[16];
	size_t nk = find_keys(rec->base, rec->len, sp, 16);
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	jr_cbw_map(&w, 10 + (r->has_corrects ? 1u : 0u));
	jr_cbw_uint(&w, 0), jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 1), jr_cbw_bytes(&w, r->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2), jr_cbw_uint(&w, (uint64_t)r->time);
	jr_cbw_uint(&w, 3), jr_cbw_uint(&w, r->village);
	jr_cbw_uint(&w, 4), jr_cbw_uint(&w, (uint64_t)r->occupation);
	jr_cbw_uint(&w, 5), jr_cbw_uint(&w, (uint64_t)r->income);
	jr_cbw_uint(&w, 6), jr_cbw_uint(&w, (uint64_t)r->sex);
	jr_cbw_uint(&w, 7), jr_cbw_uint(&w, r->birth_year);
	jr_cbw_uint(&w, 8), jr_cbw_uint(&w, r->consent_version);
	if (r->has_corrects)
		jr_cbw_uint(&w, 9), jr_cbw_bytes(&w, r->corrects, JR_REGID_BYTES);
	jr_cbw_raw(&w, rec->base + sp[nk - 1].key_off, rec->len - sp[nk - 1].key_off);
	assert_int_equal(jr_cbw_finish(&w, out), JR_OK);
}

static void open_rejects_every_readable_field_changed_under_the_ciphertext(void **state)
{
	struct jr_registration r, t, out;
	struct jr_buf rec, forged;
	int field;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	/* The re-encoder is exact: unchanged fields give the same bytes. */
	reseal_readable(&r, &rec, &forged);
	assert_int_equal(forged.len, rec.len);
	assert_memory_equal(forged.base, rec.base, rec.len);
	jr_buf_free(&forged);
	for (field = 1; field <= 9; field++) {
		t = r;
		switch (field) {
		case 1: t.kiosk_id[5] ^= 1; break;
		case 2: t.time += 1; break;
		case 3: t.village = 3328012002u; break;
		case 4: t.occupation = JR_OCC_FARMER; break;
		case 5: t.income = JR_INCOME_UNDER_500K; break;
		case 6: t.sex = JR_SEX_MALE; break;
		case 7: t.birth_year = 1991; break;
		case 8: t.consent_version = 2; break;
		default: t.has_corrects = true; break;
		}
		reseal_readable(&t, &rec, &forged);
		assert_int_equal(jr_record_decode(forged.base, forged.len, &out, NULL), JR_OK);
		memset(&out, 0x55, sizeof out);
		assert_int_equal(jr_record_open(forged.base, forged.len, opener, &out, NULL), JR_ESIG);
		assert_true(is_zero(&out, sizeof out));
		jr_buf_free(&forged);
	}
	jr_buf_free(&rec);
}

static void open_rejects_a_correction_with_its_key_9_removed(void **state)
{
	struct jr_registration r, t, out;
	struct jr_buf rec, forged;

	(void)state;
	fill(&r);
	r.has_corrects = true;
	encode(&r, &rec);
	t = r;
	t.has_corrects = false;
	reseal_readable(&t, &rec, &forged);
	assert_int_equal(jr_record_open(forged.base, forged.len, opener, &out, NULL), JR_ESIG);
	t.has_corrects = true;
	t.corrects[0] ^= 0x80;
	jr_buf_free(&forged);
	reseal_readable(&t, &rec, &forged);
	assert_int_equal(jr_record_open(forged.base, forged.len, opener, &out, NULL), JR_ESIG);
	assert_true(is_zero(&out, sizeof out));
	jr_buf_free(&forged);
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
	assert_non_null(strstr(eb.msg, "do not open"));
	jr_seal_opener_free(wrong);
	jr_buf_free(&rec);
}

/* Personal fields that do not match the documented plaintext, sealed
 * properly, must still be refused after opening. */
static void open_rejects_a_plaintext_that_is_not_the_documented_map(void **state)
{
	static const struct {
		const char *hex;
		const char *what;
	} pts[] = {
		{ "a4007033333238303134313037393030303031016141021a012fa8bd0360", "4 entries" },
		{ "a5006f333332383031343130373930303030016141021a012fa8bd03600460", "NIK of 15" },
		{ "a5007033333238303134313037393030303041016141021a012fa8bd03600460", "NIK with a letter" },
		{ "a5007033333238303134313037393030303031016141021a012fa8bd03633038410460", "phone with a letter" },
		{ "a5007033333238303134313037393030303031016141021a012fa8bd03600461", "address cut" },
		{ "a5007033333238303134313037393030303031016141021a012fa8bd036004600a", "trailing byte" },
		{ "a5007033333238303134313037393030303031016141021b00000000012fa8bd03600460", "birth in a long head" },
		{ "a5007033333238303134313037393030303031016141021b000000010000000003600460", "birth over 2^32" },
		{ "a500703333323830313431303739303030303101624102021a012fa8bd03600460", "name with a control character" },
		{ "a5007033333238303134313037393030303031016141021a012fa8bd04600360", "keys 3 and 4 swapped" },
		{ "a5005033333238303134313037393030303031016141021a012fa8bd03600460", "NIK as bytes" },
		{ "a50070333332383031343130373930303030310162c328021a012fa8bd03600460", "name not UTF-8" },
		{ "", "empty" },
	};
	struct jr_registration r, out;
	struct jr_buf rec, ad, forged;
	struct span sp[16];
	uint8_t pt[512], nonce[JR_SEAL_NONCE_BYTES], ct[600];
	struct jr_cbw w;
	size_t i, ptlen, nk;

	(void)state;
	fill(&r);
	encode(&r, &rec);
	nk = find_keys(rec.base, rec.len, sp, 16);
	if (nk != 10)
		fail_msg("the test's record has 10 keys, found %zu", nk);
	/* ad = the record's readable map: cut before key 10, one entry less. */
	ad.len = sp[nk - 1].key_off;
	ad.base = malloc(ad.len);
	assert_non_null(ad.base);
	memcpy(ad.base, rec.base, ad.len);
	ad.base[0]--;
	for (i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		ptlen = jr_test_unhex(pts[i].hex, pt, sizeof pt);
		assert_int_equal(jr_seal(epoch, ad.base, ad.len, pt, ptlen, nonce, ct), JR_OK);
		jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
		jr_cbw_raw(&w, rec.base, sp[nk - 1].key_off);
		jr_cbw_uint(&w, 10);
		jr_cbw_array(&w, 3);
		jr_cbw_bytes(&w, jr_seal_epoch_pk(epoch), JR_BOX_PK_BYTES);
		jr_cbw_bytes(&w, nonce, sizeof nonce);
		jr_cbw_bytes(&w, ct, ptlen + JR_SEAL_TAG_BYTES);
		assert_int_equal(jr_cbw_finish(&w, &forged), JR_OK);
		memset(&out, 0x55, sizeof out);
		if (jr_record_open(forged.base, forged.len, opener, &out, NULL) == JR_OK)
			fail_msg("plaintext '%s' was accepted", pts[i].what);
		assert_true(is_zero(&out, sizeof out));
		jr_buf_free(&forged);
	}
	/* And the same path with a good plaintext opens: the harness is right. */
	ptlen = jr_test_unhex("a5007033333238303134313037393030303031016141021a012fa8bd03600460",
		pt, sizeof pt);
	assert_int_equal(jr_seal(epoch, ad.base, ad.len, pt, ptlen, nonce, ct), JR_OK);
	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	jr_cbw_raw(&w, rec.base, sp[nk - 1].key_off);
	jr_cbw_uint(&w, 10);
	jr_cbw_array(&w, 3);
	jr_cbw_bytes(&w, jr_seal_epoch_pk(epoch), JR_BOX_PK_BYTES);
	jr_cbw_bytes(&w, nonce, sizeof nonce);
	jr_cbw_bytes(&w, ct, ptlen + JR_SEAL_TAG_BYTES);
	assert_int_equal(jr_cbw_finish(&w, &forged), JR_OK);
	assert_int_equal(jr_record_open(forged.base, forged.len, opener, &out, NULL), JR_OK);
	assert_string_equal(out.name, "A");
	assert_int_equal(out.birth, 19900605);
	jr_registration_wipe(&out);
	jr_buf_free(&forged);
	jr_buf_free(&ad);
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
	for (i = 0; i < 16; i++) {
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
		default: memcpy(r.address, "Jl. \xed\xa0\x80", 8); break; /* surrogate */
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

static void mask_name_keeps_first_letters_and_stars_the_rest(void **state)
{
	(void)state;
	mask("Siti Aminah", 25, "S*** A*****");
	mask("siti aminah", 25, "S*** A*****");
	mask("  Siti   Aminah  ", 25, "S*** A*****");
	mask("Siti\tAminah\n", 25, "S*** A*****");
	mask("Budi", 25, "B***");
	mask("B", 25, "B");
	mask("", 25, "");
	mask("   ", 25, "");
	mask("Muhammad Abdul Rahman Hakim", 25, "M******* A**** R***** H*");
	mask("d'Arc", 25, "D****");
	mask("1234", 25, "1***");
}

static void mask_name_keeps_a_multibyte_first_letter_whole(void **state)
{
	(void)state;
	/* "Élodie Ñuñez": É and Ñ are two bytes each and kept. */
	mask("\xc3\x89lodie \xc3\x91u\xc3\xb1" "ez", 25, "\xc3\x89***** \xc3\x91****");
	/* A later multi-byte letter is one star, not two. */
	mask("P\xc3\xa9rez", 25, "P****");
	/* Javanese script first letter (3 bytes), then 2 more code points. */
	mask("\xea\xa6\xa0\xea\xa6\xa4\xea\xa6\xba", 25, "\xea\xa6\xa0**");
	/* A 4-byte emoji as a first letter. */
	mask("\xf0\x9f\x98\x80" "ani", 25, "\xf0\x9f\x98\x80***");
	/* Lower-case non-ASCII is kept as it is. */
	mask("\xc3\xa9mile", 25, "\xc3\xa9****");
}

static void mask_name_never_cuts_a_code_point_or_leaves_a_trailing_space(void **state)
{
	(void)state;
	mask("Siti Aminah", 6, "S***");   /* " A" would need 6 bytes + NUL */
	mask("Siti Aminah", 7, "S*** A");
	mask("Siti Aminah", 5, "S***");
	mask("Siti Aminah", 4, "S**");
	mask("Siti Aminah", 2, "S");
	mask("Siti Aminah", 1, "");
	mask("Ab \xc3\x91x", 5, "A*");    /* " Ñ" needs 3 bytes: only 2 left */
	mask("Ab \xc3\x91x", 6, "A* \xc3\x91");
	mask("\xf0\x9f\x98\x80" "a", 4, "");
	mask("\xf0\x9f\x98\x80" "a", 5, "\xf0\x9f\x98\x80");
}

static void mask_name_turns_broken_bytes_and_controls_into_stars(void **state)
{
	(void)state;
	mask("\xff" "abc", 25, "****");
	mask("Ab\xc3", 25, "A**");
	mask("\x01" "bc de", 25, "*** D*");
	mask("\xc3\x28" "x", 25, "***");     /* invalid 2-byte sequence */
	mask("\xe0\x80\x80z", 25, "****");   /* overlong */
	mask("\xed\xa0\x80z", 25, "****");   /* surrogate */
}

static void mask_name_tolerates_null_and_zero_length(void **state)
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
		cmocka_unit_test(decode_gives_the_readable_fields_and_no_personal_ones),
		cmocka_unit_test(correction_round_trips_with_key_9),
		cmocka_unit_test(longest_fields_fit_the_record_maximum),
		cmocka_unit_test(registration_id_is_blake2b_128_of_domain_and_record),
		cmocka_unit_test(two_records_of_one_worker_have_different_ids),
		cmocka_unit_test(decode_rejects_truncation_at_every_length),
		cmocka_unit_test(decode_rejects_a_trailing_byte_and_oversized_input),
		cmocka_unit_test(decode_rejects_an_unknown_version),
		cmocka_unit_test(decode_rejects_bad_values_in_every_field),
		cmocka_unit_test(decode_rejects_a_sealed_part_of_the_wrong_shape),
		cmocka_unit_test(decode_rejects_missing_extra_duplicate_and_reordered_keys),
		cmocka_unit_test(decode_rejects_non_canonical_heads),
		cmocka_unit_test(open_rejects_every_readable_field_changed_under_the_ciphertext),
		cmocka_unit_test(open_rejects_a_correction_with_its_key_9_removed),
		cmocka_unit_test(open_rejects_any_flipped_bit_anywhere),
		cmocka_unit_test(open_with_another_consortium_key_fails_closed),
		cmocka_unit_test(open_rejects_a_plaintext_that_is_not_the_documented_map),
		cmocka_unit_test(encode_rejects_fields_out_of_range),
		cmocka_unit_test(encode_and_decode_refuse_null_arguments),
		cmocka_unit_test(registration_wipe_zeroes_the_whole_struct),
		cmocka_unit_test(mask_name_keeps_first_letters_and_stars_the_rest),
		cmocka_unit_test(mask_name_keeps_a_multibyte_first_letter_whole),
		cmocka_unit_test(mask_name_never_cuts_a_code_point_or_leaves_a_trailing_space),
		cmocka_unit_test(mask_name_turns_broken_bytes_and_controls_into_stars),
		cmocka_unit_test(mask_name_tolerates_null_and_zero_length),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
