/* The village binding: the consortium's signed word that a kiosk serves one
 * village, carried on an officer's drive to a kiosk's first boot
 * (jaring/binding.h, docs/formats.md "Village binding"). */
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/binding.h"
#include "jaring/keys.h"

static struct jr_key *consortium, *stranger, *kiosk;
static struct jr_pubkey cpub, spub;

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	stranger = jr_test_key(JR_ROLE_CONSORTIUM, 7);
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	jr_key_public(consortium, &cpub);
	jr_key_public(stranger, &spub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(kiosk);
	jr_key_free(stranger);
	jr_key_free(consortium);
	return 0;
}

/* Verification fails with `want` and leaves *out zeroed. */
static void refused(const uint8_t *p, size_t n, const uint8_t *pk, int want)
{
	static const struct jr_binding zero;
	struct jr_errbuf eb = { 0 };
	struct jr_binding out;

	memset(&out, 0xa5, sizeof out);
	assert_int_equal(jr_binding_verify(p, n, pk, &out, &eb), want);
	assert_true(eb.msg[0] != '\0');
	assert_memory_equal(&out, &zero, sizeof out);
}

static void signs_and_verifies(void **state)
{
	struct jr_buf b = { NULL, 0 };
	struct jr_binding out;
	struct jr_errbuf eb = { 0 };

	(void)state;
	assert_int_equal(jr_binding_sign(consortium, 3328012002u, 1790000000u, &b), JR_OK);
	assert_true(b.len <= JR_BINDING_MAX_BYTES);
	/* 82 58 21, the body's 33 bytes from A4 00 01 01 50 <id>, 58 40 <sig>:
	 * docs/formats.md "Village binding" */
	assert_int_equal(b.len, 102);
	assert_int_equal(b.base[0], 0x82);
	assert_int_equal(b.base[1], 0x58);
	assert_int_equal(b.base[2], 33);
	assert_int_equal(b.base[3], 0xa4);
	assert_memory_equal(b.base + 4, "\x00\x01\x01\x50", 4);
	assert_memory_equal(b.base + 8, cpub.id, JR_ID_BYTES);
	assert_memory_equal(b.base + 24, "\x02\x1a\xc6\x5d\x6e\xe2\x03\x1a\x6a\xb1\x3b\x80", 12);
	assert_int_equal(b.base[36], 0x58);
	assert_int_equal(b.base[37], 0x40);
	assert_int_equal(jr_binding_verify(b.base, b.len, cpub.sign_pk, &out, &eb), JR_OK);
	assert_int_equal(out.village, 3328012002u);
	assert_int_equal(out.issued, 1790000000u);
	assert_memory_equal(out.consortium_id, cpub.id, JR_ID_BYTES);
	jr_buf_free(&b);
}

/* A stranger's drive: a binding signed by another consortium's key, or by a
 * key that is no consortium's, or any byte changed. */
static void strangers_and_damage_refused(void **state)
{
	struct jr_buf b = { NULL, 0 }, s = { NULL, 0 };

	(void)state;
	assert_int_equal(jr_binding_sign(kiosk, 3328012002u, 1, &b), JR_EKEY);
	assert_int_equal(jr_binding_sign(consortium, 3328u, 1, &b), JR_EINVAL);
	assert_int_equal(jr_binding_sign(consortium, 3328019999u, 1, &b), JR_EINVAL);
	assert_int_equal(jr_binding_sign(stranger, 3328012002u, 1790000000u, &s), JR_OK);
	refused(s.base, s.len, cpub.sign_pk, JR_ESIG);
	assert_int_equal(jr_binding_sign(consortium, 3328012002u, 1790000000u, &b), JR_OK);
	for (size_t i = 0; i < b.len; i++) {
		for (int bit = 0; bit < 8; bit += 3) {
			b.base[i] ^= (uint8_t)(1u << bit);
			struct jr_errbuf eb = { 0 };
			struct jr_binding out;
			assert_int_not_equal(jr_binding_verify(b.base, b.len, cpub.sign_pk, &out, &eb),
				JR_OK);
			b.base[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (size_t n = 0; n < b.len; n++) {
		struct jr_errbuf eb = { 0 };
		struct jr_binding out;
		assert_int_not_equal(jr_binding_verify(b.base, n, cpub.sign_pk, &out, &eb), JR_OK);
	}
	refused(b.base, b.len, spub.sign_pk, JR_ESIG);
	jr_buf_free(&s);
	jr_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(signs_and_verifies),
		cmocka_unit_test(strangers_and_damage_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
