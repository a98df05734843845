/* Epoch sealing of personal fields to the consortium (seal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/keys.h"
#include "jaring/seal.h"
#include "seal_det.h"

#define NOW 1700000000
#define AD "jaring/example/ad"
#define PT "example personal fields"
#define ADLEN (sizeof AD - 1)
#define PTLEN (sizeof PT - 1)

static void seq(uint8_t *p, size_t n, uint8_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static struct jr_key *consortium(uint8_t first)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	seq(seed, sizeof seed, first);
	assert_int_equal(jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &k), JR_OK);
	return k;
}

static void box_pk(const struct jr_key *k, uint8_t out[JR_BOX_PK_BYTES])
{
	struct jr_pubkey pk;

	jr_key_public(k, &pk);
	memcpy(out, pk.box_pk, JR_BOX_PK_BYTES);
}

/* Bytes of the hex block after "<!-- jr-hex:name -->" in docs/keys.md. */
static size_t doc_hex(const char *name, uint8_t *out, size_t max)
{
	char marker[128], *block;
	size_t n;
	int w = snprintf(marker, sizeof marker, "<!-- jr-hex:%s -->", name);

	assert_true(w > 0 && (size_t)w < sizeof marker);
	block = jr_test_doc_block("docs/keys.md", marker);
	n = jr_test_unhex(block, out, max);
	free(block);
	return n;
}

static void assert_doc_hex(const char *name, const uint8_t *p, size_t len)
{
	uint8_t want[256];
	char hex[513];
	size_t n = doc_hex(name, want, sizeof want);

	if (n != len || memcmp(want, p, len) != 0) {
		jr_hex(p, len < 256 ? len : 256, hex);
		fail_msg("docs/keys.md block %s differs; the code gives %s", name, hex);
	}
}

static struct jr_seal_epoch *epoch_det(const uint8_t *c_pk, uint8_t first)
{
	uint8_t e_sk[32], ns[32];
	struct jr_seal_epoch *e = NULL;

	seq(e_sk, sizeof e_sk, first);
	seq(ns, sizeof ns, (uint8_t)(first + 0x20));
	assert_int_equal(jr_seal_epoch_open_det(c_pk, e_sk, ns, NOW, &e), JR_OK);
	return e;
}

static void seal_matches_the_worked_example_in_the_doc(void **state)
{
	struct jr_key *c = consortium(0x20);
	uint8_t c_pk[32], s[32], in[16 + 96], k[32], nonce[24], ct[PTLEN + 16];
	uint8_t want[32];
	uint8_t e_sk[32], nonce1[24];
	struct jr_seal_epoch *e;

	(void)state;
	box_pk(c, c_pk);
	assert_doc_hex("seal-c-pk", c_pk, 32);
	e = epoch_det(c_pk, 0x40);
	assert_doc_hex("seal-e-pk", jr_seal_epoch_pk(e), 32);
	/* K recomputed here from the header's formula, independently of seal.c
	 * and of jr_hash_labelled: the 15 label bytes, a zero byte, the parts */
	seq(e_sk, sizeof e_sk, 0x40);
	assert_int_equal(crypto_scalarmult(s, e_sk, c_pk), 0);
	memcpy(in, "jaring/epoch/v2", 16); /* with its NUL */
	memcpy(in + 16, s, 32);
	memcpy(in + 48, jr_seal_epoch_pk(e), 32);
	memcpy(in + 80, c_pk, 32);
	crypto_generichash(k, sizeof k, in, sizeof in, NULL, 0);
	/* and once outside C: tests/unit/keys_vectors.py (RFC 7748 X25519 in
	 * Python integers, hashlib.blake2b) */
	assert_int_equal(jr_test_unhex("de0f9028c1f2e5f930ec1ac9ecc58bb0"
		"b4f1914a9e2cb648877f0f20faf0be64", want, sizeof want), 32);
	assert_memory_equal(k, want, 32);
	assert_doc_hex("seal-k", k, 32);
	assert_int_equal(jr_seal(e, (const uint8_t *)AD, ADLEN, (const uint8_t *)PT,
		PTLEN, nonce, ct), JR_OK);
	assert_doc_hex("seal-nonce0", nonce, 24);
	assert_doc_hex("seal-ct0", ct, sizeof ct);
	/* and the ciphertext is plain XChaCha20-Poly1305 under that K */
	{
		uint8_t pt[PTLEN];
		assert_int_equal(crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL,
			NULL, ct, sizeof ct, (const uint8_t *)AD, ADLEN, nonce, k), 0);
		assert_memory_equal(pt, PT, PTLEN);
	}
	assert_int_equal(jr_seal(e, (const uint8_t *)AD, ADLEN, (const uint8_t *)PT,
		PTLEN, nonce1, ct), JR_OK);
	assert_memory_not_equal(nonce, nonce1, 24);
	jr_seal_epoch_close(e);
	jr_key_free(c);
}

static void sealed_records_of_every_length_open(void **state)
{
	struct jr_key *c = consortium(1);
	struct jr_seal_opener *o = NULL;
	struct jr_seal_epoch *e = NULL;
	uint8_t c_pk[32], pt[300], ct[316], out[300], nonce[24], prev[24] = { 0 };
	size_t len;

	(void)state;
	box_pk(c, c_pk);
	assert_int_equal(jr_seal_epoch_open(c_pk, NOW, &e), JR_OK);
	assert_int_equal(jr_seal_opener_new(c, &o), JR_OK);
	for (len = 0; len < sizeof pt; len += 37) {
		jr_test_fill(pt, len, (uint32_t)len);
		assert_int_equal(jr_seal(e, (const uint8_t *)AD, ADLEN, pt, len, nonce, ct), JR_OK);
		assert_memory_not_equal(nonce, prev, 24);
		memcpy(prev, nonce, 24);
		assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e), nonce,
			(const uint8_t *)AD, ADLEN, ct, len + 16, out), JR_OK);
		assert_memory_equal(out, pt, len);
	}
	/* nothing to seal: the tag alone, and no output buffer needed */
	assert_int_equal(jr_seal(e, (const uint8_t *)AD, ADLEN, NULL, 0, nonce, ct), JR_OK);
	assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e), nonce,
		(const uint8_t *)AD, ADLEN, ct, 16, NULL), JR_OK);
	ct[0] ^= 1;
	assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e), nonce,
		(const uint8_t *)AD, ADLEN, ct, 16, NULL), JR_ESIG);
	/* no ad at all */
	assert_int_equal(jr_seal(e, NULL, 0, pt, 5, nonce, ct), JR_OK);
	assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e), nonce, NULL, 0, ct, 21, out), JR_OK);
	assert_int_equal(jr_seal_opener_dh_count(o), 1);
	jr_seal_opener_free(o);
	jr_seal_epoch_close(e);
	jr_key_free(c);
}

static void opener_does_one_x25519_for_1000_records_of_one_epoch(void **state)
{
	struct jr_key *c = consortium(2);
	struct jr_seal_opener *o = NULL;
	struct jr_seal_epoch *e = NULL;
	uint8_t c_pk[32], pt[64], out[64];
	uint8_t (*nonce)[24] = malloc(JR_EPOCH_MAX_RECORDS * sizeof *nonce);
	uint8_t (*ct)[80] = malloc(JR_EPOCH_MAX_RECORDS * sizeof *ct);
	unsigned i;

	(void)state;
	assert_non_null(nonce);
	assert_non_null(ct);
	box_pk(c, c_pk);
	assert_int_equal(jr_seal_epoch_open(c_pk, NOW, &e), JR_OK);
	for (i = 0; i < JR_EPOCH_MAX_RECORDS; i++) {
		jr_test_fill(pt, sizeof pt, i);
		assert_int_equal(jr_seal(e, (const uint8_t *)&i, sizeof i, pt, sizeof pt,
			nonce[i], ct[i]), JR_OK);
	}
	assert_int_equal(jr_seal_opener_new(c, &o), JR_OK);
	assert_int_equal(jr_seal_opener_dh_count(o), 0);
	for (i = 0; i < JR_EPOCH_MAX_RECORDS; i++) {
		assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e), nonce[i],
			(const uint8_t *)&i, sizeof i, ct[i], sizeof ct[i], out), JR_OK);
		jr_test_fill(pt, sizeof pt, i);
		assert_memory_equal(out, pt, sizeof pt);
	}
	assert_int_equal(jr_seal_opener_dh_count(o), 1);
	free(nonce);
	free(ct);
	jr_seal_opener_free(o);
	jr_seal_epoch_close(e);
	jr_key_free(c);
}

static void opener_does_two_x25519_for_two_interleaved_epochs(void **state)
{
	struct jr_key *c = consortium(3);
	struct jr_seal_opener *o = NULL;
	struct jr_seal_epoch *e[2];
	uint8_t c_pk[32], nonce[24], ct[PTLEN + 16], out[PTLEN];
	unsigned i;

	(void)state;
	box_pk(c, c_pk);
	e[0] = epoch_det(c_pk, 0x10);
	e[1] = epoch_det(c_pk, 0x50);
	assert_memory_not_equal(jr_seal_epoch_pk(e[0]), jr_seal_epoch_pk(e[1]), 32);
	assert_int_equal(jr_seal_opener_new(c, &o), JR_OK);
	for (i = 0; i < 20; i++) {
		struct jr_seal_epoch *x = e[i % 2];
		assert_int_equal(jr_seal(x, (const uint8_t *)AD, ADLEN, (const uint8_t *)PT,
			PTLEN, nonce, ct), JR_OK);
		assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(x), nonce,
			(const uint8_t *)AD, ADLEN, ct, sizeof ct, out), JR_OK);
		assert_memory_equal(out, PT, PTLEN);
	}
	assert_int_equal(jr_seal_opener_dh_count(o), 2);
	jr_seal_opener_free(o);
	jr_seal_epoch_close(e[0]);
	jr_seal_epoch_close(e[1]);
	jr_key_free(c);
}

/* One sealed record and an opener to try altered copies of it on. */
struct fixture {
	struct jr_key *c;
	struct jr_seal_epoch *e;
	struct jr_seal_opener *o;
	uint8_t e_pk[32], nonce[24], ad[ADLEN], ct[PTLEN + 16], out[PTLEN];
};

static void fixture_make(struct fixture *f)
{
	uint8_t c_pk[32];

	memset(f, 0, sizeof *f);
	f->c = consortium(4);
	box_pk(f->c, c_pk);
	f->e = epoch_det(c_pk, 0x60);
	memcpy(f->e_pk, jr_seal_epoch_pk(f->e), 32);
	memcpy(f->ad, AD, ADLEN);
	assert_int_equal(jr_seal(f->e, f->ad, ADLEN, (const uint8_t *)PT, PTLEN,
		f->nonce, f->ct), JR_OK);
	assert_int_equal(jr_seal_opener_new(f->c, &f->o), JR_OK);
}

static void fixture_free(struct fixture *f)
{
	jr_seal_opener_free(f->o);
	jr_seal_epoch_close(f->e);
	jr_key_free(f->c);
}

/* Opens f's record; JR_ESIG must come with a zeroed plaintext. */
static int fixture_open(struct fixture *f, size_t ctlen)
{
	static const uint8_t zero[PTLEN];
	int rc;

	memset(f->out, 0xa5, sizeof f->out);
	rc = jr_seal_open(f->o, f->e_pk, f->nonce, f->ad, ADLEN, f->ct, ctlen, f->out);
	if (rc != JR_OK)
		assert_memory_equal(f->out, zero, ctlen >= 16 ? ctlen - 16 : 0);
	return rc;
}

static void open_rejects_any_flipped_bit_of_the_ad(void **state)
{
	struct fixture f;
	size_t bit;

	(void)state;
	fixture_make(&f);
	for (bit = 0; bit < 8 * ADLEN; bit++) {
		f.ad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(fixture_open(&f, sizeof f.ct), JR_ESIG);
		f.ad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	assert_int_equal(jr_seal_open(f.o, f.e_pk, f.nonce, f.ad, ADLEN - 1, f.ct,
		sizeof f.ct, f.out), JR_ESIG);
	fixture_free(&f);
}

static void open_rejects_any_flipped_bit_of_the_nonce(void **state)
{
	struct fixture f;
	size_t bit;

	(void)state;
	fixture_make(&f);
	for (bit = 0; bit < 8 * sizeof f.nonce; bit++) {
		f.nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(fixture_open(&f, sizeof f.ct), JR_ESIG);
		f.nonce[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	fixture_free(&f);
}

static void open_rejects_any_flipped_bit_or_truncation_of_the_ciphertext(void **state)
{
	struct fixture f;
	size_t bit, len;

	(void)state;
	fixture_make(&f);
	for (bit = 0; bit < 8 * sizeof f.ct; bit++) {
		f.ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(fixture_open(&f, sizeof f.ct), JR_ESIG);
		f.ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (len = 0; len < sizeof f.ct; len++)
		assert_int_equal(fixture_open(&f, len), JR_ESIG);
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	assert_memory_equal(f.out, PT, PTLEN);
	fixture_free(&f);
}

static void open_rejects_an_altered_epoch_key_and_does_not_cache_it(void **state)
{
	struct fixture f;
	size_t i;

	(void)state;
	fixture_make(&f);
	for (i = 0; i < sizeof f.e_pk; i += 5) {
		f.e_pk[i] ^= 0x10;
		assert_int_equal(fixture_open(&f, sizeof f.ct), JR_ESIG);
		f.e_pk[i] ^= 0x10;
	}
	memset(f.e_pk, 0, sizeof f.e_pk); /* low order: X25519 itself refuses */
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_ESIG);
	assert_int_equal(jr_seal_opener_dh_count(f.o), 8);
	memcpy(f.e_pk, jr_seal_epoch_pk(f.e), 32);
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	assert_int_equal(jr_seal_opener_dh_count(f.o), 9);
	fixture_free(&f);
}

static void open_with_another_consortium_key_fails(void **state)
{
	struct fixture f;
	struct jr_key *other = consortium(99);
	struct jr_seal_opener *o2 = NULL;
	uint8_t zero[PTLEN] = { 0 };

	(void)state;
	fixture_make(&f);
	assert_int_equal(jr_seal_opener_new(other, &o2), JR_OK);
	memset(f.out, 0xa5, sizeof f.out);
	assert_int_equal(jr_seal_open(o2, f.e_pk, f.nonce, f.ad, ADLEN, f.ct,
		sizeof f.ct, f.out), JR_ESIG);
	assert_memory_equal(f.out, zero, PTLEN);
	jr_seal_opener_free(o2);
	jr_key_free(other);
	fixture_free(&f);
}

static void opener_refuses_a_key_that_is_not_the_consortium(void **state)
{
	uint8_t seed[JR_SEED_BYTES] = { 1 };
	struct jr_key *k = NULL;
	static int sentinel;
	struct jr_seal_opener *o = (void *)&sentinel; /* must be set to NULL */

	(void)state;
	assert_int_equal(jr_key_from_seed(JR_ROLE_NODE, seed, &k), JR_OK);
	assert_int_equal(jr_seal_opener_new(k, &o), JR_EKEY);
	assert_null(o);
	assert_int_equal(jr_seal_opener_new(NULL, &o), JR_EINVAL);
	jr_key_free(k);
}

static void epoch_refuses_a_low_order_consortium_key(void **state)
{
	uint8_t zero[32] = { 0 }, e_sk[32] = { 1 }, ns[32] = { 2 };
	struct jr_seal_epoch *e = NULL;

	(void)state;
	assert_int_equal(jr_seal_epoch_open(zero, NOW, &e), JR_EKEY);
	assert_null(e);
	assert_int_equal(jr_seal_epoch_open_det(zero, e_sk, ns, NOW, &e), JR_EKEY);
	assert_int_equal(jr_seal_epoch_open_det(zero, NULL, ns, NOW, &e), JR_EINVAL);
	assert_int_equal(jr_seal_epoch_open(NULL, NOW, &e), JR_EINVAL);
	assert_null(e);
}

static void epoch_is_spent_after_its_record_limit(void **state)
{
	struct jr_key *c = consortium(5);
	struct jr_seal_epoch *e = NULL;
	uint8_t c_pk[32], nonce[24], ct[16 + 1], pt[1] = { 9 };
	unsigned i;

	(void)state;
	box_pk(c, c_pk);
	assert_int_equal(jr_seal_epoch_open(c_pk, NOW, &e), JR_OK);
	for (i = 0; i < JR_EPOCH_MAX_RECORDS; i++) {
		assert_false(jr_seal_epoch_spent(e, NOW));
		assert_int_equal(jr_seal(e, NULL, 0, pt, 1, nonce, ct), JR_OK);
	}
	assert_true(jr_seal_epoch_spent(e, NOW));
	assert_int_equal(jr_seal(e, NULL, 0, pt, 1, nonce, ct), JR_EINVAL);
	jr_seal_epoch_close(e);
	jr_key_free(c);
}

static void epoch_is_spent_after_its_time_or_when_the_clock_goes_back(void **state)
{
	struct jr_key *c = consortium(6);
	struct jr_seal_epoch *e = NULL;
	uint8_t c_pk[32];

	(void)state;
	box_pk(c, c_pk);
	assert_int_equal(jr_seal_epoch_open(c_pk, NOW, &e), JR_OK);
	assert_false(jr_seal_epoch_spent(e, NOW));
	assert_false(jr_seal_epoch_spent(e, NOW + JR_EPOCH_MAX_SECONDS - 1));
	assert_true(jr_seal_epoch_spent(e, NOW + JR_EPOCH_MAX_SECONDS));
	assert_true(jr_seal_epoch_spent(e, INT64_MAX));
	assert_true(jr_seal_epoch_spent(e, NOW - 1));
	assert_true(jr_seal_epoch_spent(e, INT64_MIN));
	assert_true(jr_seal_epoch_spent(NULL, NOW));
	jr_seal_epoch_close(e);
	jr_key_free(c);
}

static void cache_keeps_the_last_64_epochs(void **state)
{
	struct jr_key *c = consortium(7);
	struct jr_seal_opener *o = NULL;
	struct jr_seal_epoch *e[JR_SEAL_CACHE_SLOTS + 1];
	uint8_t c_pk[32], nonce[JR_SEAL_CACHE_SLOTS + 1][24], ct[JR_SEAL_CACHE_SLOTS + 1][17];
	uint8_t pt[1] = { 3 }, out[1];
	unsigned i;

	(void)state;
	box_pk(c, c_pk);
	assert_int_equal(jr_seal_opener_new(c, &o), JR_OK);
	for (i = 0; i <= JR_SEAL_CACHE_SLOTS; i++) {
		assert_int_equal(jr_seal_epoch_open(c_pk, NOW, &e[i]), JR_OK);
		assert_int_equal(jr_seal(e[i], NULL, 0, pt, 1, nonce[i], ct[i]), JR_OK);
		assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e[i]), nonce[i], NULL, 0,
			ct[i], 17, out), JR_OK);
	}
	assert_int_equal(jr_seal_opener_dh_count(o), JR_SEAL_CACHE_SLOTS + 1);
	/* the newest 64 are cached; the first was pushed out */
	for (i = 1; i <= JR_SEAL_CACHE_SLOTS; i++)
		assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e[i]), nonce[i], NULL, 0,
			ct[i], 17, out), JR_OK);
	assert_int_equal(jr_seal_opener_dh_count(o), JR_SEAL_CACHE_SLOTS + 1);
	assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(e[0]), nonce[0], NULL, 0,
		ct[0], 17, out), JR_OK);
	assert_int_equal(out[0], 3);
	assert_int_equal(jr_seal_opener_dh_count(o), JR_SEAL_CACHE_SLOTS + 2);
	for (i = 0; i <= JR_SEAL_CACHE_SLOTS; i++)
		jr_seal_epoch_close(e[i]);
	jr_seal_opener_free(o);
	jr_key_free(c);
}

static void seal_and_open_refuse_bad_arguments(void **state)
{
	struct fixture f;
	uint8_t nonce[24], ct[64];

	(void)state;
	fixture_make(&f);
	assert_int_equal(jr_seal(NULL, NULL, 0, NULL, 0, nonce, ct), JR_EINVAL);
	assert_int_equal(jr_seal(f.e, NULL, 3, NULL, 0, nonce, ct), JR_EINVAL);
	assert_int_equal(jr_seal(f.e, NULL, 0, NULL, 3, nonce, ct), JR_EINVAL);
	assert_int_equal(jr_seal_open(NULL, f.e_pk, f.nonce, f.ad, ADLEN, f.ct,
		sizeof f.ct, f.out), JR_EINVAL);
	assert_int_equal(jr_seal_open(f.o, f.e_pk, f.nonce, NULL, 2, f.ct,
		sizeof f.ct, f.out), JR_EINVAL);
	assert_int_equal(jr_seal_open(f.o, f.e_pk, f.nonce, f.ad, ADLEN, f.ct,
		sizeof f.ct, NULL), JR_EINVAL);
	fixture_free(&f);
}

static void close_and_free_wipe_and_accept_null(void **state)
{
	struct fixture f;

	(void)state;
	jr_seal_epoch_close(NULL);
	jr_seal_opener_free(NULL);
	assert_int_equal(jr_seal_opener_dh_count(NULL), 0);
	fixture_make(&f);
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	/* a closed epoch's records still open at the centre */
	jr_seal_epoch_close(f.e);
	f.e = NULL;
	assert_int_equal(fixture_open(&f, sizeof f.ct), JR_OK);
	assert_memory_equal(f.out, PT, PTLEN);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(seal_matches_the_worked_example_in_the_doc),
		cmocka_unit_test(sealed_records_of_every_length_open),
		cmocka_unit_test(opener_does_one_x25519_for_1000_records_of_one_epoch),
		cmocka_unit_test(opener_does_two_x25519_for_two_interleaved_epochs),
		cmocka_unit_test(open_rejects_any_flipped_bit_of_the_ad),
		cmocka_unit_test(open_rejects_any_flipped_bit_of_the_nonce),
		cmocka_unit_test(open_rejects_any_flipped_bit_or_truncation_of_the_ciphertext),
		cmocka_unit_test(open_rejects_an_altered_epoch_key_and_does_not_cache_it),
		cmocka_unit_test(open_with_another_consortium_key_fails),
		cmocka_unit_test(opener_refuses_a_key_that_is_not_the_consortium),
		cmocka_unit_test(epoch_refuses_a_low_order_consortium_key),
		cmocka_unit_test(epoch_is_spent_after_its_record_limit),
		cmocka_unit_test(epoch_is_spent_after_its_time_or_when_the_clock_goes_back),
		cmocka_unit_test(cache_keeps_the_last_64_epochs),
		cmocka_unit_test(seal_and_open_refuse_bad_arguments),
		cmocka_unit_test(close_and_free_wipe_and_accept_null),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
