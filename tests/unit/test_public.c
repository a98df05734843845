/*
 * jaring/public.h: the public figures, read through their own read-only
 * connection while the centre holds its own, count what the state holds;
 * the typed-code lookup finds one registration, refuses another kiosk's,
 * and answers a code two registrations share with JR_EAMBIGUOUS and no id.
 * The state is the centre fuzz targets' template (tests/fuzz/centre_fixture.h:
 * three workers, two approved by every agency, allocation A1) with a view,
 * a decree and a payment on top.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/public.h"
#include "jaring/receipt.h"
#include "../fuzz/centre_fixture.h"

static struct fx f;
static struct jr_centre *c;
static char path[512];

static int setup(void **state)
{
	const size_t seeds[] = { 6, 7, 10 }; /* view, decree-list, payment */
	const char *dir;

	(void)state;
	fx_init(&f);
	dir = jr_test_dir("public");
	c = fx_state(&f, dir);
	jr_test_path(path, sizeof path, dir, "state.db");
	for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
		struct jr_centre_result res;
		struct jr_buf e = { 0 };
		const char *name;

		fx_seed(&f, seeds[i], &name, &e);
		assert_int_equal(jr_centre_apply(c, e.base, e.len, &res, NULL), JR_OK);
		assert_false(res.refused);
		jr_buf_free(&e);
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_centre_close(c);
	fx_free(&f);
	return 0;
}

static void figures_count_what_the_state_holds(void **state)
{
	struct jr_public_figures *fig = malloc(sizeof *fig);
	struct jr_public_reader *r = NULL;

	(void)state;
	assert_non_null(fig);
	assert_int_equal(jr_public_open(path, &r, NULL), JR_OK);
	assert_int_equal(jr_public_read(r, fig, NULL), JR_OK);
	assert_int_equal(fig->tlog_size, jr_centre_tlog_size(c));
	assert_int_equal(fig->registrations, FX_WORKERS);
	assert_int_equal(fig->kiosks, 1);
	assert_int_equal(fig->n_districts, 1);
	assert_int_equal(fig->districts[0].district, FX_VILLAGE / 10000);
	assert_int_equal(fig->districts[0].registered, 3);
	assert_int_equal(fig->districts[0].review, 1);
	assert_int_equal(fig->districts[0].decreed, 2);
	assert_int_equal(fig->districts[0].returned + fig->districts[0].rejected +
		fig->districts[0].held, 0);
	assert_int_equal(fig->viewed_by_agency[JR_AGENCY_DISNAKER], 2);
	assert_int_equal(fig->viewed_by_agency[JR_AGENCY_DUKCAPIL], 0);
	assert_int_equal(fig->n_viewers, 1);
	assert_memory_equal(fig->viewers[0].official, jr_key_id(f.k[FX_DISNAKER]), JR_ID_BYTES);
	assert_int_equal(fig->viewers[0].agency, JR_AGENCY_DISNAKER);
	assert_int_equal(fig->viewers[0].acts, 1);
	assert_int_equal(fig->viewers[0].registrations, 2);
	assert_int_equal(fig->n_decrees, 1);
	assert_string_equal(fig->decrees[0].number, "KEP/F1");
	assert_int_equal(fig->decrees[0].count, 2);
	assert_int_equal(fig->decrees[0].start, 202407);
	assert_int_equal(fig->decrees[0].cost_rp, 2 * 6 * 16800);
	assert_int_equal(fig->decrees[0].paid_rp, 2 * 16800);
	assert_int_equal(fig->n_allocations, 1);
	assert_string_equal(fig->allocations[0].id, "A1");
	assert_int_equal(fig->allocations[0].paid_rp, 2 * 16800);
	assert_int_equal(fig->n_payments, 1);
	assert_int_equal(fig->payments[0].month, 202407);
	assert_int_equal(fig->payments[0].recipients, 2);
	assert_int_equal(fig->payments[0].amount_rp, 2 * 16800);
	assert_false(fig->decrees_more || fig->allocations_more || fig->payments_more ||
		fig->viewers_more);
	jr_public_close(r);
	free(fig);
}

static void open_refuses_a_missing_state_file(void **state)
{
	struct jr_public_reader *r = NULL;
	struct jr_public_figures *fig = malloc(sizeof *fig);
	struct jr_errbuf eb = { 0 };
	char missing[600];

	(void)state;
	assert_non_null(fig);
	jr_test_path(missing, sizeof missing, jr_test_dir("public-missing"), "none.db");
	if (jr_public_open(missing, &r, &eb) == JR_OK) {
		/* SQLite opens lazily: the first read says the file is not there */
		assert_int_not_equal(jr_public_read(r, fig, &eb), JR_OK);
		jr_public_close(r);
	}
	assert_non_null(strstr(eb.msg, "public figures"));
	free(fig);
}

static void short_of(const struct jr_key *k, uint8_t out[5])
{
	memcpy(out, jr_key_id(k), 5);
}

static void find_code_finds_the_one_registration_of_a_kiosk(void **state)
{
	uint8_t ks[5], got[JR_REGID_BYTES];

	(void)state;
	short_of(f.k[FX_KIOSK], ks);
	for (size_t i = 0; i < FX_WORKERS; i++) {
		assert_int_equal(jr_public_find_code(c, ks, jr_regid_prefix45(f.regid[i]), got),
			JR_OK);
		assert_memory_equal(got, f.regid[i], JR_REGID_BYTES);
	}
}

static void find_code_refuses_another_kiosk_and_an_unknown_code(void **state)
{
	uint8_t ks[5], got[JR_REGID_BYTES];
	uint64_t p = jr_regid_prefix45(f.regid[0]);

	(void)state;
	short_of(f.k[FX_DISNAKER], ks);
	assert_int_equal(jr_public_find_code(c, ks, p, got), JR_ENOTFOUND);
	short_of(f.k[FX_KIOSK], ks);
	ks[4] ^= 1;
	assert_int_equal(jr_public_find_code(c, ks, p, got), JR_ENOTFOUND);
	ks[4] ^= 1;
	assert_int_equal(jr_public_find_code(c, ks, p ^ 1, got), JR_ENOTFOUND);
	assert_int_equal(jr_public_find_code(c, ks, (uint64_t)1 << 45, got), JR_EINVAL);
	for (size_t i = 0; i < JR_REGID_BYTES; i++)
		assert_int_equal(got[i], 0);
}

/* A second row whose id shares bits 0..44 with worker 0's (a state only a
 * 2^22-receipt kiosk reaches by chance, written here by hand). */
static void find_code_answers_a_shared_code_with_no_registration(void **state)
{
	uint8_t ks[5], got[JR_REGID_BYTES], twin[JR_REGID_BYTES], zero[JR_REGID_BYTES] = { 0 };
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	(void)state;
	memcpy(twin, f.regid[0], sizeof twin);
	twin[15] ^= 0x5a; /* bits 120..127: the code does not see them */
	twin[5] ^= 0x01;  /* bit 47: neither */
	assert_int_equal(jr_regid_prefix45(twin), jr_regid_prefix45(f.regid[0]));
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	(void)sqlite3_busy_timeout(db, 2000);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO registration (leaf, regid, kiosk,"
		" height, pseudonym, district, outcome, reasons, held, phase, approvals, viewed)"
		" VALUES (1000000, ?1, ?2, 9, zeroblob(32), 332801, 1, x'', 0, 1, 0, 0)", -1, &st,
		NULL), SQLITE_OK);
	(void)sqlite3_bind_blob(st, 1, twin, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, jr_key_id(f.k[FX_KIOSK]), JR_ID_BYTES, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	(void)sqlite3_finalize(st);
	/* and its id where the centre looks ids up (docs/centre.md
	 * "Registration ids") */
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO regid_recent VALUES (?1, 1000000)",
		-1, &st, NULL), SQLITE_OK);
	(void)sqlite3_bind_blob(st, 1, twin, JR_REGID_BYTES, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	(void)sqlite3_finalize(st);
	(void)sqlite3_close(db);
	short_of(f.k[FX_KIOSK], ks);
	memset(got, 0xee, sizeof got);
	assert_int_equal(jr_public_find_code(c, ks, jr_regid_prefix45(f.regid[0]), got),
		JR_EAMBIGUOUS);
	assert_memory_equal(got, zero, JR_REGID_BYTES);
	/* the other workers' codes still answer */
	assert_int_equal(jr_public_find_code(c, ks, jr_regid_prefix45(f.regid[1]), got), JR_OK);
	assert_memory_equal(got, f.regid[1], JR_REGID_BYTES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(figures_count_what_the_state_holds),
		cmocka_unit_test(open_refuses_a_missing_state_file),
		cmocka_unit_test(find_code_finds_the_one_registration_of_a_kiosk),
		cmocka_unit_test(find_code_refuses_another_kiosk_and_an_unknown_code),
		cmocka_unit_test(find_code_answers_a_shared_code_with_no_registration),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
