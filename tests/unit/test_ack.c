/* The acknowledged head: the centre's signed statement of how much of one
 * kiosk's chain it holds (jaring/ack.h, docs/formats.md "Acknowledged head"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/ack.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"

static struct jr_key *consortium, *consortium2, *kiosk;
static struct jr_pubkey cpub, cpub2, kpub;

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	consortium2 = jr_test_key(JR_ROLE_CONSORTIUM, 7);
	jr_key_public(consortium, &cpub);
	jr_key_public(consortium2, &cpub2);
	jr_key_public(kiosk, &kpub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(kiosk);
	jr_key_free(consortium2);
	jr_key_free(consortium);
	return 0;
}

static void sample(struct jr_ack *a)
{
	memset(a, 0, sizeof *a);
	memcpy(a->kiosk_id, kpub.id, JR_ID_BYTES);
	a->height = 10;
	jr_test_fill(a->hash, sizeof a->hash, 10);
	a->time = 1790003600;
}

static void sign_ok(const struct jr_ack *a, struct jr_buf *out)
{
	assert_int_equal(jr_ack_sign(consortium, a, out), JR_OK);
	assert_non_null(out->base);
}

/* Verification must fail with `want` and leave *out zeroed. */
static void refused(const uint8_t *p, size_t n, const uint8_t *pk, int want)
{
	struct jr_errbuf eb = { 0 };
	struct jr_ack out;
	int rc;

	memset(&out, 0xaa, sizeof out);
	rc = jr_ack_verify(p, n, pk, &out, &eb);
	if (want >= 0 && rc != want)
		fail_msg("want %s, got %s: %s", jr_strerror(want), jr_strerror(rc), eb.msg);
	assert_int_not_equal(rc, JR_OK);
	assert_true(sodium_is_zero((const unsigned char *)&out, sizeof out));
	assert_true(eb.msg[0] != '\0');
}

/* [body, sig] with sig by `k` under `domain` over BLAKE2b-256(body): lets a
 * test sign what jr_ack_sign would never make. */
static void wrap(const struct jr_key *k, const char *domain, const uint8_t *body,
	size_t n, struct jr_buf *out)
{
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_cbw w;

	jr_hash(body, n, h);
	assert_int_equal(jr_sign_hash(k, domain, h, sig), JR_OK);
	jr_cbw_init(&w, 1024);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body, n);
	jr_cbw_bytes(&w, sig, JR_SIG_BYTES);
	assert_int_equal(jr_cbw_finish(&w, out), JR_OK);
}

/* The body bytes of a signed ack (82 58 len body ...). */
static const uint8_t *body_of(const struct jr_buf *signed_ack, size_t *n)
{
	assert_int_equal(signed_ack->base[0], 0x82);
	assert_int_equal(signed_ack->base[1], 0x58);
	*n = signed_ack->base[2];
	return signed_ack->base + 3;
}

static void ack_signs_and_verifies_with_the_consortium_key(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_ack a, got;
	struct jr_buf b;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	if (jr_ack_verify(b.base, b.len, cpub.sign_pk, &got, &eb) != JR_OK)
		fail_msg("%s", eb.msg);
	assert_memory_equal(got.kiosk_id, a.kiosk_id, JR_ID_BYTES);
	assert_int_equal(got.height, 10);
	assert_memory_equal(got.hash, a.hash, JR_HASH_BYTES);
	assert_int_equal(got.time, 1790003600);
	jr_buf_free(&b);
	/* The extremes of both numbers. */
	a.height = INT64_MAX;
	a.time = INT64_MAX;
	sign_ok(&a, &b);
	assert_int_equal(b.len, JR_ACK_MAX_BYTES);
	assert_int_equal(jr_ack_verify(b.base, b.len, cpub.sign_pk, &got, NULL), JR_OK);
	assert_int_equal(got.height, (uint64_t)INT64_MAX);
	assert_int_equal(got.time, INT64_MAX);
	jr_buf_free(&b);
	a.height = 1;
	a.time = 0;
	sign_ok(&a, &b);
	assert_int_equal(b.len, 3 + 60 + 2 + JR_SIG_BYTES); /* the shortest body */
	assert_int_equal(jr_ack_verify(b.base, b.len, cpub.sign_pk, &got, NULL), JR_OK);
	assert_int_equal(got.height, 1);
	assert_int_equal(got.time, 0);
	jr_buf_free(&b);
}

static void ack_bytes_match_the_documented_layout(void **state)
{
	static const uint8_t head[] = { 0xa5, 0x00, 0x01, 0x01, 0x50 };
	uint8_t h[JR_HASH_BYTES], m[sizeof JR_ACK_DOMAIN + JR_HASH_BYTES];
	const uint8_t *body;
	struct jr_ack a;
	struct jr_buf b;
	size_t n;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	body = body_of(&b, &n);
	assert_int_equal(n, 1 + 2 + 18 + 2 + 35 + 6);
	assert_int_equal(b.len, 3 + n + 2 + JR_SIG_BYTES);
	assert_memory_equal(body, head, sizeof head);
	assert_memory_equal(body + 5, kpub.id, JR_ID_BYTES);
	assert_int_equal(body[21], 0x02);
	assert_int_equal(body[22], 10);
	assert_int_equal(body[23], 0x03);
	assert_int_equal(body[24], 0x58);
	assert_int_equal(body[25], 0x20);
	assert_memory_equal(body + 26, a.hash, JR_HASH_BYTES);
	assert_int_equal(body[58], 0x04);
	assert_int_equal(body[59], 0x1a); /* 1790003600 fits 4 bytes */
	assert_int_equal(body[n], 0x58);
	assert_int_equal(body[n + 1], 0x40);
	/* The signature: plain Ed25519 over the domain, a zero, the hash. */
	jr_hash(body, n, h);
	memcpy(m, JR_ACK_DOMAIN, sizeof JR_ACK_DOMAIN); /* with its 0x00 */
	memcpy(m + sizeof JR_ACK_DOMAIN, h, JR_HASH_BYTES);
	assert_int_equal(crypto_sign_verify_detached(body + n + 2, m, sizeof m, cpub.sign_pk), 0);
	jr_buf_free(&b);
}

static void ack_sign_refuses_other_roles_and_bad_fields(void **state)
{
	struct jr_ack a;
	struct jr_buf b = { (uint8_t *)&b, 9 };

	(void)state;
	sample(&a);
	assert_int_equal(jr_ack_sign(kiosk, &a, &b), JR_EKEY);
	assert_null(b.base);
	assert_int_equal(b.len, 0);
	a.height = 0;
	assert_int_equal(jr_ack_sign(consortium, &a, &b), JR_EINVAL);
	a.height = (uint64_t)INT64_MAX + 1;
	assert_int_equal(jr_ack_sign(consortium, &a, &b), JR_EINVAL);
	sample(&a);
	a.time = -1;
	assert_int_equal(jr_ack_sign(consortium, &a, &b), JR_EINVAL);
	assert_int_equal(jr_ack_sign(NULL, &a, &b), JR_EINVAL);
	assert_int_equal(jr_ack_sign(consortium, NULL, &b), JR_EINVAL);
	assert_int_equal(jr_ack_sign(consortium, &a, NULL), JR_EINVAL);
	assert_null(b.base);
}

static void ack_verify_refuses_another_consortium_and_a_non_consortium_key(void **state)
{
	const uint8_t *body;
	struct jr_ack a;
	struct jr_buf b, forged;
	size_t n;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	/* A true ack, checked against another consortium's key. */
	refused(b.base, b.len, cpub2.sign_pk, JR_ESIG);
	/* The same body signed by the kiosk (its own key, made to look like
	 * the centre's): against the consortium key and even against its own. */
	body = body_of(&b, &n);
	wrap(kiosk, JR_ACK_DOMAIN, body, n, &forged);
	refused(forged.base, forged.len, cpub.sign_pk, JR_ESIG);
	jr_buf_free(&forged);
	/* The consortium's signature in another domain (a block's). */
	wrap(consortium, "jaring/block/v1", body, n, &forged);
	refused(forged.base, forged.len, cpub.sign_pk, JR_ESIG);
	jr_buf_free(&forged);
	/* Another consortium key signing properly. */
	assert_int_equal(jr_ack_sign(consortium2, &a, &forged), JR_OK);
	refused(forged.base, forged.len, cpub.sign_pk, JR_ESIG);
	jr_buf_free(&forged);
	jr_buf_free(&b);
}

static void ack_verify_refuses_every_truncation_and_an_extra_byte(void **state)
{
	uint8_t longer[JR_ACK_MAX_BYTES + 2];
	struct jr_ack a;
	struct jr_buf b;
	size_t n;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	for (n = 0; n < b.len; n++)
		refused(b.base, n, cpub.sign_pk, -1);
	memcpy(longer, b.base, b.len);
	longer[b.len] = 0;
	refused(longer, b.len + 1, cpub.sign_pk, JR_EFORMAT);
	jr_buf_free(&b);
}

static void ack_verify_refuses_every_single_flipped_bit(void **state)
{
	struct jr_ack a;
	struct jr_buf b;
	size_t i;
	unsigned bit, flips = 0;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	for (i = 0; i < b.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b.base[i] ^= (uint8_t)(1u << bit);
			refused(b.base, b.len, cpub.sign_pk, -1);
			b.base[i] ^= (uint8_t)(1u << bit);
			flips++;
		}
	}
	assert_int_equal(flips, b.len * 8);
	assert_int_equal(jr_ack_verify(b.base, b.len, cpub.sign_pk, &a, NULL), JR_OK);
	jr_buf_free(&b);
}

/* Well-signed bodies that break the format: the signature is no excuse. */
static void ack_verify_refuses_well_signed_bodies_of_the_wrong_shape(void **state)
{
	struct jr_ack a;
	struct jr_cbw w;
	struct jr_buf body, b;
	int i;

	(void)state;
	sample(&a);
	for (i = 0; i < 10; i++) {
		jr_cbw_init(&w, 1024);
		jr_cbw_map(&w, i == 0 ? 6 : i == 1 ? 4 : 5);
		jr_cbw_uint(&w, 0);
		jr_cbw_uint(&w, i == 2 ? 2 : 1);                 /* 2: version 2 */
		jr_cbw_uint(&w, 1);
		jr_cbw_bytes(&w, a.kiosk_id, i == 3 ? 15 : JR_ID_BYTES); /* 3: short id */
		jr_cbw_uint(&w, 2);
		if (i == 5)
			jr_cbw_uint(&w, 0);                      /* 5: height 0 */
		else if (i == 6)
			jr_cbw_int(&w, -3);                      /* 6: negative height */
		else if (i == 7)
			jr_cbw_uint(&w, (uint64_t)INT64_MAX + 1); /* 7: height over 2^63-1 */
		else
			jr_cbw_uint(&w, a.height);
		if (i != 1) {                                    /* 1: no hash */
			jr_cbw_uint(&w, 3);
			jr_cbw_bytes(&w, a.hash, i == 8 ? 31 : JR_HASH_BYTES); /* 8: short hash */
		}
		jr_cbw_uint(&w, i == 4 ? 5 : 4);                 /* 4: time under key 5 */
		if (i == 9)
			jr_cbw_text(&w, "now", 3);               /* 9: time as text */
		else
			jr_cbw_uint(&w, (uint64_t)a.time);
		if (i == 0) {                                    /* 0: an extra key */
			jr_cbw_uint(&w, 5);
			jr_cbw_uint(&w, 0);
		}
		assert_int_equal(jr_cbw_finish(&w, &body), JR_OK);
		wrap(consortium, JR_ACK_DOMAIN, body.base, body.len, &b);
		refused(b.base, b.len, cpub.sign_pk, i == 2 ? JR_EVERSION : JR_EFORMAT);
		jr_buf_free(&b);
		jr_buf_free(&body);
	}
}

/* Bytes that are not canonical CBOR, signed properly all the same. */
static void ack_verify_refuses_non_canonical_encodings(void **state)
{
	struct jr_ack a;
	struct jr_buf b, forged;
	const uint8_t *body;
	uint8_t wide[JR_ACK_BODY_MAX_BYTES + 8];
	uint8_t outer[JR_ACK_MAX_BYTES + 8];
	size_t n;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	body = body_of(&b, &n);
	/* Height 10 as 18 0A instead of 0A. */
	memcpy(wide, body, 22);
	wide[22] = 0x18;
	memcpy(wide + 23, body + 22, n - 22);
	wrap(consortium, JR_ACK_DOMAIN, wide, n + 1, &forged);
	refused(forged.base, forged.len, cpub.sign_pk, JR_EFORMAT);
	jr_buf_free(&forged);
	/* The outer array with its body length as 59 00 4C. */
	outer[0] = 0x82;
	outer[1] = 0x59;
	outer[2] = 0;
	memcpy(outer + 3, b.base + 2, b.len - 2);
	refused(outer, b.len + 1, cpub.sign_pk, JR_EFORMAT);
	/* An indefinite-length outer array. */
	outer[0] = 0x9f;
	memcpy(outer + 1, b.base + 1, b.len - 1);
	outer[b.len] = 0xff;
	refused(outer, b.len + 1, cpub.sign_pk, JR_EFORMAT);
	/* Three items; a map instead of an array; the signature 63 bytes. */
	memcpy(outer, b.base, b.len);
	outer[0] = 0x83;
	outer[b.len] = 0x00;
	refused(outer, b.len + 1, cpub.sign_pk, JR_EFORMAT);
	outer[0] = 0xa1;
	refused(outer, b.len, cpub.sign_pk, JR_EFORMAT);
	memcpy(outer, b.base, b.len);
	outer[3 + n + 1] = 0x3f;
	refused(outer, b.len - 1, cpub.sign_pk, JR_EFORMAT);
	jr_buf_free(&b);
}

static void ack_verify_refuses_null_and_oversized_input(void **state)
{
	uint8_t big[JR_ACK_MAX_BYTES + 1];
	struct jr_ack a;
	struct jr_buf b;

	(void)state;
	sample(&a);
	sign_ok(&a, &b);
	refused(NULL, b.len, cpub.sign_pk, JR_EINVAL);
	refused(b.base, b.len, NULL, JR_EINVAL);
	assert_int_equal(jr_ack_verify(b.base, b.len, cpub.sign_pk, NULL, NULL), JR_EINVAL);
	memset(big, 0, sizeof big);
	refused(big, sizeof big, cpub.sign_pk, JR_ETOOBIG);
	jr_buf_free(&b);
}

/* ---- the seed corpus of tests/fuzz/fuzz_ack.c ------------------------ */

/* The fuzz target's consortium key: seed bytes 1, 2, ..., 32. */
static struct jr_key *fuzz_key(void)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;
	size_t i;

	for (i = 0; i < JR_SEED_BYTES; i++)
		seed[i] = (uint8_t)(i + 1);
	assert_int_equal(jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &k), JR_OK);
	return k;
}

static void check_seed(const char *file, const struct jr_buf *b, bool valid,
	const uint8_t *pk)
{
	const char *regen = getenv("JR_WRITE_FUZZ_CORPUS");
	char rel[256], path[1024];
	struct jr_ack a;
	size_t len = 0;
	char *got;
	FILE *f;

	assert_int_equal(jr_ack_verify(b->base, b->len, pk, &a, NULL) == JR_OK, valid);
	if (regen != NULL && strcmp(regen, "1") == 0) {
		jr_test_path(path, sizeof path, JR_TEST_SOURCE_DIR "/tests/fuzz/corpus/ack", file);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(b->base, 1, b->len, f), b->len);
		assert_int_equal(fclose(f), 0);
	}
	jr_test_path(rel, sizeof rel, "tests/fuzz/corpus/ack", file);
	got = jr_test_read_source(rel, &len);
	assert_int_equal(len, b->len);
	assert_memory_equal(got, b->base, len);
	free(got);
}

/* The committed corpus is exactly what this build makes (Ed25519 signatures
 * are deterministic); JR_WRITE_FUZZ_CORPUS=1 rewrites it. */
static void fuzz_seed_corpus_is_what_the_library_makes(void **state)
{
	struct jr_key *fk = fuzz_key();
	struct jr_pubkey pk;
	struct jr_ack a;
	struct jr_buf b, c;

	(void)state;
	jr_key_public(fk, &pk);
	sample(&a);
	assert_int_equal(jr_ack_sign(fk, &a, &b), JR_OK);
	check_seed("valid", &b, true, pk.sign_pk);
	c.base = b.base;
	c.len = b.len - 1;
	check_seed("near-truncated", &c, false, pk.sign_pk);
	b.base[b.len - 1] ^= 1;
	check_seed("near-flipped-sig", &b, false, pk.sign_pk);
	jr_buf_free(&b);
	a.height = INT64_MAX;
	a.time = INT64_MAX;
	assert_int_equal(jr_ack_sign(fk, &a, &b), JR_OK);
	check_seed("valid-widest", &b, true, pk.sign_pk);
	jr_buf_free(&b);
	jr_key_free(fk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ack_signs_and_verifies_with_the_consortium_key),
		cmocka_unit_test(ack_bytes_match_the_documented_layout),
		cmocka_unit_test(ack_sign_refuses_other_roles_and_bad_fields),
		cmocka_unit_test(ack_verify_refuses_another_consortium_and_a_non_consortium_key),
		cmocka_unit_test(ack_verify_refuses_every_truncation_and_an_extra_byte),
		cmocka_unit_test(ack_verify_refuses_every_single_flipped_bit),
		cmocka_unit_test(ack_verify_refuses_well_signed_bodies_of_the_wrong_shape),
		cmocka_unit_test(ack_verify_refuses_non_canonical_encodings),
		cmocka_unit_test(ack_verify_refuses_null_and_oversized_input),
		cmocka_unit_test(fuzz_seed_corpus_is_what_the_library_makes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
