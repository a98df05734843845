/*
 * The registrar is the kiosk's one registration path: these tests follow a
 * worker's data from the form to the centre and back to the receipt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "jaring/block.h"
#include "jaring/registrar.h"

struct env {
	const char *dir;
	char db[1024], ctr[1024];
	struct jr_key *kiosk, *centre;
	struct jr_pubkey centre_pub, kiosk_pub;
	struct jr_shard *shard;
	struct jr_policy policy;
	struct jr_registrar *g;
};

static void worker(struct jr_registration *r)
{
	memset(r, 0, sizeof *r);
	snprintf(r->nik, sizeof r->nik, "3328105403869001");
	snprintf(r->name, sizeof r->name, "Siti Contoh");
	r->sex = JR_SEX_FEMALE;
	r->birth = 19860314;
	r->birth_year = 1986;
	r->village = 3328101008;
	r->occupation = JR_OCC_STREET_VENDOR;
	r->income = JR_INCOME_500K_1M;
	snprintf(r->phone, sizeof r->phone, "081234500001");
	snprintf(r->address, sizeof r->address, "Jl. Contoh No. 1 RT 01 RW 02");
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof *e);
	struct jr_errbuf eb = { 0 };

	assert_non_null(e);
	e->dir = jr_test_dir("registrar");
	jr_test_path(e->db, sizeof e->db, e->dir, "shard.db");
	jr_test_path(e->ctr, sizeof e->ctr, e->dir, "shard.counter");
	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &e->kiosk), JR_OK);
	assert_int_equal(jr_key_generate(JR_ROLE_CONSORTIUM, &e->centre), JR_OK);
	jr_key_public(e->centre, &e->centre_pub);
	jr_key_public(e->kiosk, &e->kiosk_pub);
	assert_int_equal(jr_shard_create(e->db, e->ctr, e->kiosk, &eb), JR_OK);
	assert_int_equal(jr_shard_open(e->db, e->ctr, e->kiosk, &e->shard, &eb), JR_OK);
	jr_policy_default(&e->policy);
	assert_int_equal(jr_registrar_new(e->shard, e->kiosk, &e->policy,
		e->centre_pub.box_pk, &e->g), JR_OK);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	jr_registrar_free(e->g);
	jr_shard_close(e->shard);
	jr_key_free(e->kiosk);
	jr_key_free(e->centre);
	free(e);
	return 0;
}

static void submit_ok(struct env *e, int64_t now, struct jr_issued *is)
{
	struct jr_registration r;
	struct jr_verdict v;
	struct jr_errbuf eb = { 0 };

	worker(&r);
	assert_int_equal(jr_registrar_submit(e->g, &r, now, &v, is, &eb), JR_OK);
	assert_int_equal(v.n, 0);
	jr_registration_wipe(&r);
}

/* Opens the record at `height` as the centre does. */
static void open_at(struct env *e, uint64_t height, struct jr_seal_opener *o,
	struct jr_registration *out, uint8_t regid[JR_REGID_BYTES])
{
	struct jr_buf body = { NULL, 0 };
	uint8_t sig[JR_SIG_BYTES];
	struct jr_block b;

	assert_int_equal(jr_shard_get(e->shard, height, &body, sig, NULL), JR_OK);
	assert_int_equal(jr_block_decode(body.base, body.len, &b, NULL), JR_OK);
	assert_int_equal(b.n_records, 1);
	assert_int_equal(jr_record_open(b.records[0], b.record_len[0], o, out, NULL), JR_OK);
	jr_record_id(b.records[0], b.record_len[0], regid);
	jr_buf_free(&body);
}

static void a_valid_registration_is_committed_before_its_receipt_exists(void **state)
{
	struct env *e = *state;
	struct jr_issued is;
	struct jr_receipt rc;
	struct jr_buf stored = { NULL, 0 };

	submit_ok(e, 1790000000, &is);
	assert_int_equal(is.height, 1);
	assert_int_equal(jr_shard_height(e->shard), 1);
	assert_int_equal(jr_receipt_verify(is.payload, is.payload_len,
		e->kiosk_pub.sign_pk, &rc, NULL), JR_OK);
	assert_memory_equal(rc.regid, is.regid, JR_REGID_BYTES);
	assert_int_equal(rc.height, 1);
	assert_string_equal(rc.masked_name, "S. C.");
	assert_int_equal(jr_shard_receipt(e->shard, is.regid, &stored), JR_OK);
	assert_int_equal(stored.len, is.payload_len);
	assert_memory_equal(stored.base, is.payload, is.payload_len);
	jr_buf_free(&stored);
	assert_int_equal(strncmp(is.text, JR_RECEIPT_PREFIX, 4), 0);
	assert_int_equal(strlen(is.code), JR_CODE_TEXT_LEN);
}

static void the_centre_opens_exactly_what_the_worker_typed(void **state)
{
	struct env *e = *state;
	struct jr_seal_opener *o;
	struct jr_registration got, want;
	struct jr_issued is;
	uint8_t regid[JR_REGID_BYTES];

	submit_ok(e, 1790000000, &is);
	assert_int_equal(jr_seal_opener_new(e->centre, &o), JR_OK);
	open_at(e, 1, o, &got, regid);
	worker(&want);
	assert_memory_equal(regid, is.regid, JR_REGID_BYTES);
	assert_string_equal(got.nik, want.nik);
	assert_string_equal(got.name, want.name);
	assert_int_equal(got.birth, want.birth);
	assert_string_equal(got.phone, want.phone);
	assert_string_equal(got.address, want.address);
	assert_int_equal(got.village, want.village);
	assert_int_equal(got.time, 1790000000);
	assert_memory_equal(got.kiosk_id, jr_key_id(e->kiosk), JR_ID_BYTES);
	assert_int_equal(got.consent_version, e->policy.consent_version);
	jr_registration_wipe(&got);
	jr_seal_opener_free(o);
}

static void a_registration_that_fails_the_rules_stores_nothing(void **state)
{
	struct env *e = *state;
	struct jr_registration r;
	struct jr_verdict v;
	struct jr_issued is;
	struct jr_errbuf eb = { 0 };
	struct jr_buf last = { NULL, 0 };

	worker(&r);
	r.nik[15] = '\0'; /* a 15-digit typo */
	r.income = JR_INCOME_3M_PLUS;
	assert_int_equal(jr_registrar_submit(e->g, &r, 1790000000, &v, &is, &eb), JR_ERULE);
	assert_true(v.n >= 2);
	assert_int_equal(v.reasons[0], JR_R_NIK_LENGTH);
	assert_int_equal(v.reasons[v.n - 1], JR_R_INCOME_OVER_CEILING);
	assert_int_equal(jr_shard_height(e->shard), 0);
	assert_int_equal(is.payload_len, 0);
	assert_int_not_equal(jr_shard_last_receipt(e->shard, &last), JR_OK);
	assert_non_null(strstr(eb.msg, "nothing was stored"));
}

static void records_of_one_epoch_cost_the_centre_one_key_agreement(void **state)
{
	struct env *e = *state;
	struct jr_seal_opener *o;
	struct jr_registration got;
	struct jr_issued is;
	uint8_t regid[JR_REGID_BYTES];
	uint64_t h;

	for (h = 0; h < 5; h++)
		submit_ok(e, 1790000000 + (int64_t)h, &is);
	/* A day later the epoch is spent: the next record starts another. */
	submit_ok(e, 1790000000 + JR_EPOCH_MAX_SECONDS + 10, &is);
	assert_int_equal(jr_seal_opener_new(e->centre, &o), JR_OK);
	for (h = 1; h <= 6; h++) {
		open_at(e, h, o, &got, regid);
		jr_registration_wipe(&got);
	}
	assert_int_equal(jr_seal_opener_dh_count(o), 2);
	jr_seal_opener_free(o);
}

static void closing_the_epoch_starts_a_new_one(void **state)
{
	struct env *e = *state;
	struct jr_seal_opener *o;
	struct jr_registration got;
	struct jr_issued is;
	uint8_t regid[JR_REGID_BYTES];

	submit_ok(e, 1790000000, &is);
	jr_registrar_close_epoch(e->g);
	submit_ok(e, 1790000001, &is);
	assert_int_equal(jr_seal_opener_new(e->centre, &o), JR_OK);
	open_at(e, 1, o, &got, regid);
	jr_registration_wipe(&got);
	open_at(e, 2, o, &got, regid);
	jr_registration_wipe(&got);
	assert_int_equal(jr_seal_opener_dh_count(o), 2);
	jr_seal_opener_free(o);
}

static void a_registrar_refuses_a_key_that_is_not_the_shards(void **state)
{
	struct env *e = *state;
	struct jr_key *other;
	struct jr_registrar *g = NULL;

	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &other), JR_OK);
	assert_int_equal(jr_registrar_new(e->shard, other, &e->policy, e->centre_pub.box_pk, &g),
		JR_EKEY);
	assert_null(g);
	jr_key_free(other);
}

static void the_last_receipt_can_be_printed_again(void **state)
{
	struct env *e = *state;
	struct jr_issued a, b;
	struct jr_buf last = { NULL, 0 };

	submit_ok(e, 1790000000, &a);
	submit_ok(e, 1790000005, &b);
	assert_int_equal(jr_shard_last_receipt(e->shard, &last), JR_OK);
	assert_int_equal(last.len, b.payload_len);
	assert_memory_equal(last.base, b.payload, b.payload_len);
	jr_buf_free(&last);
	assert_int_equal(jr_shard_receipt_by_code(e->shard, jr_regid_prefix45(a.regid), &last), JR_OK);
	assert_memory_equal(last.base, a.payload, a.payload_len);
	jr_buf_free(&last);
}

static void a_clock_that_went_back_never_stamps_before_the_last_block(void **state)
{
	struct env *e = *state;
	struct jr_issued a, b;

	submit_ok(e, 1790000000, &a);
	submit_ok(e, 86400, &b); /* RTC battery flat: 2 January 1970 */
	assert_int_equal(b.receipt.time, 1790000000);
	assert_int_equal(b.height, 2);
}

/* Blocks of two workers as different as the rules allow (a phone or none,
 * a long address or a short one, a correction or not) have one length
 * in the shard, and neither holds the village or the time in the clear:
 * a stolen shard.db tells who registered only what its block times say. */
static void stored_blocks_of_different_workers_have_one_length(void **state)
{
	struct env *e = *state;
	struct jr_registration r, out;
	struct jr_verdict v;
	struct jr_issued is;
	struct jr_buf b1 = { NULL, 0 }, b2 = { NULL, 0 };
	uint8_t sig[JR_SIG_BYTES], regid[JR_REGID_BYTES], id2[JR_REGID_BYTES];
	struct jr_seal_opener *o;
	size_t i;

	worker(&r);
	r.phone[0] = '\0';
	snprintf(r.address, sizeof r.address, "Jl. A");
	assert_int_equal(jr_registrar_submit(e->g, &r, 1790000000, &v, &is, NULL), JR_OK);
	memcpy(regid, is.regid, JR_REGID_BYTES);
	worker(&r);
	memset(r.address, 'b', JR_ADDRESS_MAX);
	r.address[JR_ADDRESS_MAX] = '\0';
	r.has_corrects = true;
	memcpy(r.corrects, regid, JR_REGID_BYTES);
	assert_int_equal(jr_registrar_submit(e->g, &r, 1790000060, &v, &is, NULL), JR_OK);
	jr_registration_wipe(&r);
	assert_int_equal(jr_shard_get(e->shard, 1, &b1, sig, NULL), JR_OK);
	assert_int_equal(jr_shard_get(e->shard, 2, &b2, sig, NULL), JR_OK);
	assert_int_equal(b1.len, b2.len);
	for (i = 0; i + 5 <= b2.len; i++) {
		/* village 3328101008 as CBOR, and the corrected regid */
		assert_memory_not_equal(b2.base + i, "\x1a\xc6\x5e\xca\x90", 5);
		if (i + JR_REGID_BYTES <= b2.len)
			assert_memory_not_equal(b2.base + i, regid, JR_REGID_BYTES);
	}
	/* The centre still reads all of it. */
	assert_int_equal(jr_seal_opener_new(e->centre, &o), JR_OK);
	open_at(e, 2, o, &out, id2);
	assert_memory_equal(id2, is.regid, JR_REGID_BYTES);
	assert_true(out.has_corrects);
	assert_memory_equal(out.corrects, regid, JR_REGID_BYTES);
	assert_int_equal(out.village, 3328101008u);
	assert_int_equal(out.birth_year, 1986);
	jr_registration_wipe(&out);
	jr_seal_opener_free(o);
	jr_buf_free(&b1);
	jr_buf_free(&b2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_valid_registration_is_committed_before_its_receipt_exists, setup, teardown),
		cmocka_unit_test_setup_teardown(the_centre_opens_exactly_what_the_worker_typed, setup, teardown),
		cmocka_unit_test_setup_teardown(stored_blocks_of_different_workers_have_one_length, setup, teardown),
		cmocka_unit_test_setup_teardown(a_registration_that_fails_the_rules_stores_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(records_of_one_epoch_cost_the_centre_one_key_agreement, setup, teardown),
		cmocka_unit_test_setup_teardown(closing_the_epoch_starts_a_new_one, setup, teardown),
		cmocka_unit_test_setup_teardown(a_registrar_refuses_a_key_that_is_not_the_shards, setup, teardown),
		cmocka_unit_test_setup_teardown(the_last_receipt_can_be_printed_again, setup, teardown),
		cmocka_unit_test_setup_teardown(a_clock_that_went_back_never_stamps_before_the_last_block, setup, teardown),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
