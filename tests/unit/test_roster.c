/* The consortium-signed roster (jaring/roster.h, docs/formats.md "Roster")
 * and the status item (jaring/status.h, docs/formats.md "Status"). */
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/roster.h"
#include "jaring/status.h"

static struct jr_key *consortium, *consortium2, *kiosk, *officer;
static struct jr_pubkey cpub, cpub2, kpub, opub;

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	consortium2 = jr_test_key(JR_ROLE_CONSORTIUM, 9);
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	officer = jr_test_key(JR_ROLE_OFFICER, 3);
	jr_key_public(consortium, &cpub);
	jr_key_public(consortium2, &cpub2);
	jr_key_public(kiosk, &kpub);
	jr_key_public(officer, &opub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(officer);
	jr_key_free(kiosk);
	jr_key_free(consortium2);
	jr_key_free(consortium);
	return 0;
}

static void member(struct jr_roster_member *m, const struct jr_pubkey *p,
	enum jr_role role, uint64_t region, uint32_t perms)
{
	memset(m, 0, sizeof *m);
	memcpy(m->id, p->id, JR_ID_BYTES);
	memcpy(m->sign_pk, p->sign_pk, JR_SIGN_PK_BYTES);
	m->role = role;
	m->region = region;
	m->perms = perms;
}

static void two_members(struct jr_roster_member m[2])
{
	member(&m[0], &kpub, JR_ROLE_KIOSK, UINT64_C(3328100006), JR_PERM_UPLOAD);
	member(&m[1], &opub, JR_ROLE_OFFICER, 3328, JR_PERM_SYNC);
}

static void roster_round_trips_sorted_and_checks_roles(void **state)
{
	struct jr_roster_member m[2];
	struct jr_buf b = { 0 };
	struct jr_roster r;
	struct jr_errbuf eb;

	(void)state;
	two_members(m);
	/* Given in descending order on purpose: the signer sorts. */
	if (memcmp(m[0].id, m[1].id, JR_ID_BYTES) < 0) {
		struct jr_roster_member t = m[0];
		m[0] = m[1];
		m[1] = t;
	}
	assert_int_equal(jr_roster_sign(consortium, 7, NULL, m, 2, &b, NULL), JR_OK);
	assert_int_equal(jr_roster_open(b.base, b.len, cpub.sign_pk, &r, &eb), JR_OK);
	assert_int_equal(r.serial, 7);
	assert_int_equal(r.n, 2);
	assert_true(memcmp(r.m[0].id, r.m[1].id, JR_ID_BYTES) < 0);
	assert_memory_equal(r.consortium_pk, cpub.sign_pk, JR_SIGN_PK_BYTES);
	assert_non_null(jr_roster_find(&r, kpub.id));
	assert_null(jr_roster_find(&r, cpub.id));
	/* The officer of regency 3328 serves a village in it, not one of Kota
	 * Tegal (3376), and is no kiosk. */
	assert_int_equal(jr_roster_check(&r, opub.id, JR_ROLE_OFFICER, JR_PERM_SYNC,
		UINT64_C(3328100006), 0, &eb), JR_OK);
	assert_int_equal(jr_roster_check(&r, opub.id, JR_ROLE_OFFICER, JR_PERM_SYNC,
		UINT64_C(3376010001), 0, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "region"));
	assert_int_equal(jr_roster_check(&r, opub.id, JR_ROLE_KIOSK, 0, 0, 0, &eb), JR_EKEY);
	assert_int_equal(jr_roster_check(&r, kpub.id, JR_ROLE_KIOSK, JR_PERM_SYNC, 0, 0, &eb),
		JR_EKEY);
	assert_int_equal(jr_roster_check(&r, cpub.id, JR_ROLE_OFFICER, 0, 0, 0, &eb),
		JR_ENOTFOUND);
	assert_non_null(strstr(eb.msg, "not on roster 7"));
	jr_roster_free(&r);
	jr_buf_free(&b);
}

static void roster_revocation_of_a_kiosk_is_from_a_height(void **state)
{
	struct jr_roster_member m[2];
	struct jr_buf b = { 0 };
	struct jr_roster r;
	struct jr_errbuf eb;

	(void)state;
	two_members(m);
	m[0].revoked_from = 100;
	m[1].revoked_from = 3;
	assert_int_equal(jr_roster_sign(consortium, 3, NULL, m, 2, &b, NULL), JR_OK);
	assert_int_equal(jr_roster_open(b.base, b.len, cpub.sign_pk, &r, NULL), JR_OK);
	assert_int_equal(jr_roster_check(&r, kpub.id, JR_ROLE_KIOSK, JR_PERM_UPLOAD, 0, 99, &eb),
		JR_OK);
	assert_int_equal(jr_roster_check(&r, kpub.id, JR_ROLE_KIOSK, JR_PERM_UPLOAD, 0, 100, &eb),
		JR_EKEY);
	assert_int_equal(jr_roster_check(&r, kpub.id, JR_ROLE_KIOSK, JR_PERM_UPLOAD, 0, 0, &eb),
		JR_EKEY);
	assert_int_equal(jr_roster_check(&r, opub.id, JR_ROLE_OFFICER, JR_PERM_SYNC, 0, 0, &eb),
		JR_EKEY);
	assert_non_null(strstr(eb.msg, "revoked"));
	jr_roster_free(&r);
	jr_buf_free(&b);
}

static void roster_rotation_names_the_next_signer(void **state)
{
	struct jr_roster_member m[2];
	struct jr_buf b1 = { 0 }, b2 = { 0 };
	struct jr_roster r1, r2;
	struct jr_errbuf eb;

	(void)state;
	two_members(m);
	assert_int_equal(jr_roster_sign(consortium, 1, cpub2.sign_pk, m, 2, &b1, NULL), JR_OK);
	assert_int_equal(jr_roster_open(b1.base, b1.len, cpub.sign_pk, &r1, NULL), JR_OK);
	assert_memory_equal(r1.consortium_pk, cpub2.sign_pk, JR_SIGN_PK_BYTES);
	assert_int_equal(jr_roster_sign(consortium2, 2, NULL, m, 2, &b2, NULL), JR_OK);
	/* The next roster opens under the key roster 1 named, not the old one. */
	assert_int_equal(jr_roster_open(b2.base, b2.len, cpub.sign_pk, &r2, &eb), JR_ESIG);
	assert_int_equal(jr_roster_open(b2.base, b2.len, r1.consortium_pk, &r2, &eb), JR_OK);
	assert_int_equal(r2.serial, 2);
	jr_roster_free(&r2);
	jr_roster_free(&r1);
	jr_buf_free(&b2);
	jr_buf_free(&b1);
}

static void roster_refuses_bad_input_and_every_flipped_bit(void **state)
{
	struct jr_roster_member m[2];
	struct jr_buf b = { 0 };
	struct jr_roster r;
	size_t i;

	(void)state;
	two_members(m);
	m[1] = m[0];
	assert_int_equal(jr_roster_sign(consortium, 1, NULL, m, 2, &b, NULL), JR_EINVAL);
	assert_int_equal(jr_roster_sign(kiosk, 1, NULL, m, 1, &b, NULL), JR_EKEY);
	assert_int_equal(jr_roster_sign(consortium, 0, NULL, m, 1, &b, NULL), JR_EINVAL);
	m[0].perms = 1u << 20;
	assert_int_equal(jr_roster_sign(consortium, 1, NULL, m, 1, &b, NULL), JR_EFORMAT);
	m[0].perms = JR_PERM_UPLOAD;
	m[0].id[0] ^= 1;
	assert_int_equal(jr_roster_sign(consortium, 1, NULL, m, 1, &b, NULL), JR_EFORMAT);
	two_members(m);
	assert_int_equal(jr_roster_sign(consortium, 1, NULL, m, 2, &b, NULL), JR_OK);
	for (i = 0; i < b.len * 8; i++) {
		b.base[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(jr_roster_open(b.base, b.len, cpub.sign_pk, &r, NULL), JR_OK);
		assert_null(r.m);
		b.base[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(jr_roster_open(b.base, i, cpub.sign_pk, &r, NULL), JR_OK);
	assert_int_equal(jr_roster_open(b.base, b.len, cpub2.sign_pk, &r, NULL), JR_ESIG);
	assert_int_equal(jr_roster_open(b.base, b.len, cpub.sign_pk, &r, NULL), JR_OK);
	jr_roster_free(&r);
	jr_buf_free(&b);
}

static void region_within_is_by_leading_digits(void **state)
{
	(void)state;
	assert_true(jr_region_within(UINT64_C(3328100006), 3328));
	assert_true(jr_region_within(UINT64_C(3328100006), 332810));
	assert_true(jr_region_within(UINT64_C(3328100006), UINT64_C(3328100006)));
	assert_true(jr_region_within(3376, 0));
	assert_false(jr_region_within(UINT64_C(3376010001), 3328));
	assert_false(jr_region_within(3328, 332810));
}

static void status_round_trips_and_refuses_out_of_range(void **state)
{
	struct jr_status s, back;
	struct jr_buf b = { 0 };
	struct jr_errbuf eb;
	size_t i;

	(void)state;
	memset(&s, 0, sizeof s);
	memset(s.regid, 0xab, sizeof s.regid);
	s.state = JR_ST_PROTECTED;
	s.approvals = 4;
	s.agencies = 4;
	strcpy(s.decree, "100/123/2024");
	s.protected_from = 20240101;
	s.protected_to = 20241231;
	s.paid_through = 202401;
	s.viewed = 1u << JR_AGENCY_DUKCAPIL;
	assert_int_equal(jr_status_encode(&s, &b), JR_OK);
	assert_true(b.len <= JR_STATUS_MAX_BYTES);
	assert_int_equal(jr_status_decode(b.base, b.len, &back, &eb), JR_OK);
	assert_memory_equal(&back, &s, sizeof s);
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(jr_status_decode(b.base, i, &back, NULL), JR_OK);
	jr_buf_free(&b);

	s.state = JR_ST_RETURNED;
	s.n_reasons = 2;
	s.reasons[0] = JR_R_NIK_DISTRICT;
	s.reasons[1] = JR_R_PHONE_INVALID;
	assert_int_equal(jr_status_encode(&s, &b), JR_OK);
	assert_int_equal(jr_status_decode(b.base, b.len, &back, NULL), JR_OK);
	assert_int_equal(back.n_reasons, 2);
	assert_int_equal(back.reasons[1], JR_R_PHONE_INVALID);
	jr_buf_free(&b);

	s.approvals = 5; /* more approvals than agencies */
	assert_int_equal(jr_status_encode(&s, &b), JR_EINVAL);
	s.approvals = 1;
	s.paid_through = 202413;
	assert_int_equal(jr_status_encode(&s, &b), JR_EINVAL);
	s.paid_through = 0;
	s.protected_to = 20240230;
	assert_int_equal(jr_status_encode(&s, &b), JR_EINVAL);
	s.protected_to = 0;
	strcpy(s.decree, "nomor\\n");
	s.decree[5] = '\n';
	assert_int_equal(jr_status_encode(&s, &b), JR_EINVAL);
	s.decree[0] = '\0';
	s.state = (enum jr_status_state)9;
	assert_int_equal(jr_status_encode(&s, &b), JR_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roster_round_trips_sorted_and_checks_roles),
		cmocka_unit_test(roster_revocation_of_a_kiosk_is_from_a_height),
		cmocka_unit_test(roster_rotation_names_the_next_signer),
		cmocka_unit_test(roster_refuses_bad_input_and_every_flipped_bit),
		cmocka_unit_test(region_within_is_by_leading_digits),
		cmocka_unit_test(status_round_trips_and_refuses_out_of_range),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
