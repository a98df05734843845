/*
 * Unit tests of the kiosk's parts that do not need a screen: the .po
 * reader, the configuration file, templates, the ESC/POS encoder and the
 * printer's failure modes, the form's checks, the status store and the
 * label formats. The screens are tested by the session scripts (tests/ui).
 */
#define _XOPEN_SOURCE 600 /* posix_openpt, grantpt, ptsname */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "form.h"
#include "i18n.h"
#include "labels.h"
#include "printer.h"
#include "store.h"
#include "testutil.h"
#include "util.h"

/* ---- .po reader ---- */

static void po_reader_joins_continued_strings_and_unescapes(void **state)
{
	static const char po[] =
		"# comment\n"
		"msgid \"\"\n"
		"msgstr \"\"\n"
		"\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
		"\n"
		"msgid \"Two \"\n"
		"\"lines\"\n"
		"msgstr \"Dua \\\"baris\\\"\\n\"\n";
	size_t n = 0;

	(void)state;
	assert_true(ki18n_parse_check(po, sizeof po - 1, &n));
	assert_int_equal(n, 1); /* the header entry is not a translation */
}

static void po_reader_skips_fuzzy_entries(void **state)
{
	static const char po[] =
		"#, fuzzy\n"
		"msgid \"Back\"\n"
		"msgstr \"Kembali\"\n"
		"\n"
		"msgid \"Next\"\n"
		"msgstr \"Lanjut\"\n";
	size_t n = 0;

	(void)state;
	assert_true(ki18n_parse_check(po, sizeof po - 1, &n));
	assert_int_equal(n, 1);
}

static void po_reader_rejects_a_string_without_its_closing_quote(void **state)
{
	static const char po[] = "msgid \"Back\nmsgstr \"Kembali\"\n";
	size_t n = 0;

	(void)state;
	assert_false(ki18n_parse_check(po, sizeof po - 1, &n));
}

static void po_reader_rejects_msgstr_without_msgid(void **state)
{
	static const char po[] = "msgstr \"Kembali\"\n";
	size_t n = 0;

	(void)state;
	assert_false(ki18n_parse_check(po, sizeof po - 1, &n));
}

static void po_reader_rejects_an_unknown_escape(void **state)
{
	static const char po[] = "msgid \"a\\qb\"\nmsgstr \"x\"\n";
	size_t n = 0;

	(void)state;
	assert_false(ki18n_parse_check(po, sizeof po - 1, &n));
}

static void po_reader_rejects_a_stray_line(void **state)
{
	static const char po[] = "msgid \"a\"\nmsgstr \"b\"\nmsgfoo \"c\"\n";
	size_t n = 0;

	(void)state;
	assert_false(ki18n_parse_check(po, sizeof po - 1, &n));
}

static void translations_cover_every_english_msgid(void **state)
{
	struct ki18n *t = NULL;
	char err[256];
	size_t n_en = 0;
	char *en = jr_test_read_source("assets/i18n/en.po", &n_en);

	(void)state;
	assert_true(ki18n_load(JR_TEST_ASSETS_DIR "/i18n", &t, err, sizeof err));
	/* Every msgid of en.po has an Indonesian translation that differs
	 * from the English where the English is more than a code. */
	for (char *p = strstr(en, "\nmsgid \""); p != NULL; p = strstr(p + 1, "\nmsgid \"")) {
		char id[1024];
		char *q = p + 8, *end = strstr(q, "\"\nmsgstr");
		size_t len;
		assert_non_null(end);
		len = (size_t)(end - q);
		if (len == 0)
			continue;
		assert_true(len < sizeof id);
		memcpy(id, q, len);
		id[len] = '\0';
		if (strchr(id, '\\') != NULL)
			continue; /* escaped quotes: compared by the sessions */
		(void)ki18n_get(t, JR_LANG_ID, id);
	}
	assert_int_equal(ki18n_misses(t), 0);
	assert_string_equal(ki18n_get(t, JR_LANG_ID, "Back"), "Kembali");
	assert_string_equal(ki18n_get(t, JR_LANG_EN, "Back"), "Back");
	assert_string_equal(ki18n_get(t, JR_LANG_ID, "no such msgid"), "no such msgid");
	assert_int_equal(ki18n_misses(t), 1);
	ki18n_free(t);
	free(en);
}

/* ---- configuration ---- */

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void config_example_file_parses(void **state)
{
	struct kconfig c;
	char err[256] = "";

	(void)state;
	kconfig_defaults(&c);
	assert_true(kconfig_load(&c, JR_TEST_ASSETS_DIR "/kiosk.conf.example", err, sizeof err));
	assert_string_equal(c.village, "33.28.01.2001");
	assert_int_equal(c.printer_dots, 384);
	assert_int_equal(c.idle_timeout_s, 90);
	assert_true(c.fullscreen);
}

static void config_rejects_an_unknown_key_with_its_line(void **state)
{
	const char *dir = jr_test_dir("kiosk-config");
	char path[512], err[256] = "";
	struct kconfig c;

	(void)state;
	jr_test_path(path, sizeof path, dir, "k.conf");
	write_file(path, "# ok\nvillage = 33.28.01.2001\nprinterr = /dev/usb/lp0\n");
	kconfig_defaults(&c);
	assert_false(kconfig_load(&c, path, err, sizeof err));
	assert_non_null(strstr(err, "line 3"));
	assert_non_null(strstr(err, "printerr"));
}

static void config_rejects_values_out_of_range(void **state)
{
	struct kconfig c;
	char err[256];

	(void)state;
	kconfig_defaults(&c);
	assert_false(kconfig_set(&c, "idle_timeout_s", "5", err, sizeof err));
	assert_false(kconfig_set(&c, "idle_timeout_s", "90s", err, sizeof err));
	assert_false(kconfig_set(&c, "printer_dots", "380", err, sizeof err));
	assert_false(kconfig_set(&c, "language", "jv", err, sizeof err));
	assert_false(kconfig_set(&c, "fullscreen", "maybe", err, sizeof err));
	assert_false(kconfig_set(&c, "screen_diagonal_in", "0", err, sizeof err));
	assert_true(kconfig_set(&c, "language", "en", err, sizeof err));
	assert_int_equal(c.language, JR_LANG_EN);
}

static void config_rejects_a_line_without_equals(void **state)
{
	const char *dir = jr_test_dir("kiosk-config2");
	char path[512], err[256] = "";
	struct kconfig c;

	(void)state;
	jr_test_path(path, sizeof path, dir, "k.conf");
	write_file(path, "village 33.28.01.2001\n");
	kconfig_defaults(&c);
	assert_false(kconfig_load(&c, path, err, sizeof err));
	assert_non_null(strstr(err, "line 1"));
}

static void pixels_per_mm_come_from_the_diagonal(void **state)
{
	struct kconfig c;

	(void)state;
	kconfig_defaults(&c);
	/* 800x480 at 7": 932.95 px over 177.8 mm */
	assert_true(kconfig_px_per_mm(&c) > 5.24 && kconfig_px_per_mm(&c) < 5.26);
	c.screen_width = 1280;
	c.screen_height = 800;
	c.screen_diagonal_in = 10.1;
	assert_true(kconfig_px_per_mm(&c) > 5.87 && kconfig_px_per_mm(&c) < 5.89);
}

/* ---- templates ---- */

static void templates_fill_placeholders_and_report_truncation(void **state)
{
	char out[32];

	(void)state;
	assert_true(kfmt(out, sizeof out, "{2} of {1}{3}", "16", "3", NULL));
	assert_string_equal(out, "3 of 16");
	/* a translated template is text, never a format string */
	assert_true(kfmt(out, sizeof out, "%s %n {4}", "x", NULL, NULL));
	assert_string_equal(out, "%s %n {4}");
	assert_false(kfmt(out, 8, "{1}", "0123456789", NULL, NULL));
	assert_string_equal(out, "");
}

static void utf8_helpers_count_and_pop_code_points(void **state)
{
	char s[16] = "A\xC3\xA9\xE2\x97\x8F";

	(void)state;
	assert_int_equal(kutf8_len(s), 3);
	kutf8_pop(s);
	assert_string_equal(s, "A\xC3\xA9");
	kutf8_pop(s);
	kutf8_pop(s);
	kutf8_pop(s);
	assert_string_equal(s, "");
}

/* ---- ESC/POS ---- */

static void escpos_encodes_a_raster_image_in_bands(void **state)
{
	struct jr_image img = { 0 };
	struct jr_buf b = { 0 };

	(void)state;
	assert_int_equal(jr_image_new(16, 130, 255, &img), JR_OK);
	img.pix[0] = 0;        /* row 0, x 0: the top-left dot */
	img.pix[16 + 9] = 10;  /* row 1, x 9 */
	img.pix[129 * 16 + 15] = 127;
	assert_int_equal(kescpos_encode(&img, 16, &b), JR_OK);
	assert_memory_equal(b.base, "\x1b@", 2);
	/* band 1: GS v 0 0, 2 bytes wide, 128 rows */
	assert_memory_equal(b.base + 2, "\x1dv0\x00\x02\x00\x80\x00", 8);
	assert_int_equal(b.base[10], 0x80);
	assert_int_equal(b.base[11], 0x00);
	assert_int_equal(b.base[12], 0x00);
	assert_int_equal(b.base[13], 0x40);
	/* band 2: the last 2 rows */
	assert_memory_equal(b.base + 10 + 256, "\x1dv0\x00\x02\x00\x02\x00", 8);
	assert_int_equal(b.base[10 + 256 + 8 + 2 + 1], 0x01);
	/* feed and cut */
	assert_memory_equal(b.base + b.len - 7, "\x1b" "d\x04\x1dV\x42\x00", 7);
	assert_int_equal(b.len, 2 + 8 + 256 + 8 + 4 + 7);
	jr_buf_free(&b);
	jr_image_free(&img);
}

static void escpos_centres_a_narrow_picture(void **state)
{
	struct jr_image img = { 0 };
	struct jr_buf b = { 0 };

	(void)state;
	assert_int_equal(jr_image_new(8, 1, 0, &img), JR_OK);
	assert_int_equal(kescpos_encode(&img, 24, &b), JR_OK);
	/* 24 dots: the black 8 pixels land in the middle byte */
	assert_int_equal(b.base[10], 0x00);
	assert_int_equal(b.base[11], 0xFF);
	assert_int_equal(b.base[12], 0x00);
	jr_buf_free(&b);
	jr_image_free(&img);
}

static void escpos_rejects_a_width_that_is_not_whole_bytes(void **state)
{
	struct jr_image img = { 0 };
	struct jr_buf b = { 0 };

	(void)state;
	assert_int_equal(jr_image_new(8, 1, 0, &img), JR_OK);
	assert_int_equal(kescpos_encode(&img, 12, &b), JR_EINVAL);
	assert_null(b.base);
	assert_int_equal(kescpos_encode(&img, 0, &b), JR_EINVAL);
	jr_image_free(&img);
}

static void printer_at_a_missing_path_is_reported_missing(void **state)
{
	struct jr_image img = { 0 };
	char detail[256];

	(void)state;
	assert_int_equal(jr_image_new(8, 8, 0, &img), JR_OK);
	assert_int_equal(kprint("/nonexistent/lp0", &img, 8, detail, sizeof detail),
		KPRINT_MISSING);
	assert_non_null(strstr(detail, "/nonexistent/lp0"));
	assert_int_equal(kprint("", &img, 8, detail, sizeof detail), KPRINT_NOT_CONFIGURED);
	jr_image_free(&img);
}

static void printer_appends_each_receipt(void **state)
{
	const char *dir = jr_test_dir("kiosk-printer");
	struct jr_image img = { 0 };
	struct jr_buf got = { 0 };
	char path[512], detail[256];

	(void)state;
	jr_test_path(path, sizeof path, dir, "lp0");
	write_file(path, "");
	assert_int_equal(jr_image_new(8, 2, 0, &img), JR_OK);
	assert_int_equal(kprint(path, &img, 8, detail, sizeof detail), KPRINT_OK);
	assert_int_equal(kprint(path, &img, 8, detail, sizeof detail), KPRINT_OK);
	assert_int_equal(jr_file_read(path, 4096, &got, NULL), JR_OK);
	assert_int_equal(got.len, 2 * (2 + 8 + 2 + 7));
	jr_buf_free(&got);
	jr_image_free(&img);
}

/* A serial printer (a pseudo-terminal here) that answers the paper-sensor
 * query with "paper end" gets nothing printed. */
static void printer_that_reports_paper_end_is_not_printed_to(void **state)
{
	struct jr_image img = { 0 };
	struct termios t;
	char detail[256];
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	const char *name;
	uint8_t status = 0x72, buf[64]; /* fixed bits 0x12 + paper end 0x60 */

	(void)state;
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	name = ptsname(master);
	assert_non_null(name);
	slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	assert_int_equal(tcgetattr(slave, &t), 0);
	cfmakeraw(&t);
	assert_int_equal(tcsetattr(slave, TCSANOW, &t), 0);
	assert_int_equal(write(master, &status, 1), 1);
	assert_int_equal(jr_image_new(8, 8, 0, &img), JR_OK);
	assert_int_equal(kprint(name, &img, 8, detail, sizeof detail), KPRINT_NO_PAPER);
	/* only the 3-byte query reached the printer */
	assert_int_equal(read(master, buf, sizeof buf), 3);
	assert_memory_equal(buf, "\x10\x04\x04", 3);
	jr_image_free(&img);
	close(slave);
	close(master);
}

/* ---- the form ---- */

static void form_reads_the_typed_birth_date(void **state)
{
	struct kform f;

	(void)state;
	memset(&f, 0, sizeof f);
	kstrlcpy(f.dob, "14051990", sizeof f.dob);
	assert_int_equal(form_birth(&f), 19900514);
	kstrlcpy(f.dob, "31021990", sizeof f.dob);
	assert_int_equal(form_birth(&f), 0);
	kstrlcpy(f.dob, "1405199", sizeof f.dob);
	assert_int_equal(form_birth(&f), 0);
	kstrlcpy(f.dob, "14x51990", sizeof f.dob);
	assert_int_equal(form_birth(&f), 0);
}

static void form_checks_a_nik_prefix_as_typed(void **state)
{
	(void)state;
	assert_int_equal(form_nik_prefix_reason("", 20260602), JR_R_NONE);
	assert_int_equal(form_nik_prefix_reason("3", 20260602), JR_R_NONE);
	assert_int_equal(form_nik_prefix_reason("34", 20260602), JR_R_NIK_PROVINCE);
	assert_int_equal(form_nik_prefix_reason("3301", 20260602), JR_R_NIK_REGENCY);
	assert_int_equal(form_nik_prefix_reason("332801", 20260602), JR_R_NONE);
	assert_int_equal(form_nik_prefix_reason("3328017", 20260602), JR_R_NONE);
	assert_int_equal(form_nik_prefix_reason("33280172", 20260602), JR_R_NIK_DATE);
	assert_int_equal(form_nik_prefix_reason("332801540590000", 20260602), JR_R_NONE);
}

static void form_keeps_only_the_reasons_of_the_asked_field(void **state)
{
	struct jr_policy p;
	struct jr_verdict v;
	struct kform f;

	(void)state;
	jr_policy_default(&p);
	memset(&f, 0, sizeof f);
	f.consent = true;
	kstrlcpy(f.nik, "3328015405900001", sizeof f.nik); /* a woman's NIK */
	f.filled = KF_BIT(KF_NIK);
	f.sex = JR_SEX_MALE;
	assert_int_equal(form_check(&f, KF_SEX, &p, 20260602, &v), 1);
	assert_int_equal(v.reasons[0], JR_R_SEX_MISMATCH);
	f.sex = JR_SEX_FEMALE;
	assert_int_equal(form_check(&f, KF_SEX, &p, 20260602, &v), 0);
	/* the name is not filled: its reason belongs to another screen */
	assert_int_equal(form_check(&f, KF_NIK, &p, 20260602, &v), 0);
	assert_true(form_check_all(&f, &p, 20260602, &v) > 0);
	form_wipe(&f);
	assert_int_equal(f.nik[0], 0);
	assert_int_equal(f.filled, 0);
}

static void every_reason_of_a_field_maps_to_that_field(void **state)
{
	(void)state;
	assert_int_equal(form_reason_field(JR_R_NIK_SERIAL), KF_NIK);
	assert_int_equal(form_reason_field(JR_R_BIRTH_MISMATCH), KF_BIRTH);
	assert_int_equal(form_reason_field(JR_R_TOO_OLD), KF_BIRTH);
	assert_int_equal(form_reason_field(JR_R_SEX_MISMATCH), KF_SEX);
	assert_int_equal(form_reason_field(JR_R_INCOME_OVER_CEILING), KF_INCOME);
	assert_int_equal(form_reason_field(JR_R_PHONE_INVALID), KF_PHONE);
	assert_int_equal(form_reason_field(JR_R_ADDRESS_INVALID), KF_ADDRESS);
	assert_int_equal(form_reason_field(JR_R_REGION_NOT_COVERED), KF_VILLAGE);
	assert_int_equal(form_reason_field(JR_R_MISSING_CONSENT), KF_COUNT);
	assert_int_equal(form_reason_field(JR_R_WAGE_EARNER), KF_COUNT);
}

/* ---- status store ---- */

static void status_store_keeps_what_the_sync_import_puts(void **state)
{
	const char *dir = jr_test_dir("kiosk-store");
	struct kstore *s = NULL;
	struct kstatus st, got;
	uint8_t pk[JR_SIGN_PK_BYTES], pk2[JR_SIGN_PK_BYTES], id[JR_ID_BYTES];
	char path[512], err[256];

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.db");
	assert_true(kstore_open(path, &s, err, sizeof err));
	memset(&st, 0, sizeof st);
	jr_test_fill(st.regid, sizeof st.regid, 7);
	assert_false(kstore_status_get(s, st.regid, &got));
	assert_int_equal(got.state, KST_UNKNOWN);
	st.state = KST_RETURNED;
	st.n_reasons = 2;
	st.reasons[0] = JR_R_NAME_INVALID;
	st.reasons[1] = JR_R_PHONE_INVALID;
	assert_true(kstore_status_put(s, &st));
	assert_true(kstore_set_as_of(s, 20260701));
	assert_true(kstore_status_get(s, st.regid, &got));
	assert_int_equal(got.state, KST_RETURNED);
	assert_int_equal(got.n_reasons, 2);
	assert_int_equal(got.reasons[1], JR_R_PHONE_INVALID);
	assert_int_equal(got.as_of, 20260701);
	/* a later bundle replaces the row */
	st.state = KST_PROTECTED;
	st.n_reasons = 0;
	st.protected_from = 20260801;
	st.protected_to = 20270731;
	st.paid_through = 202609;
	assert_true(kstore_status_put(s, &st));
	assert_true(kstore_status_get(s, st.regid, &got));
	assert_int_equal(got.state, KST_PROTECTED);
	assert_int_equal(got.n_reasons, 0);
	assert_int_equal(got.paid_through, 202609);
	/* roster */
	jr_test_fill(id, sizeof id, 1);
	jr_test_fill(pk, sizeof pk, 2);
	assert_false(kstore_roster_get(s, id, pk2));
	assert_true(kstore_roster_put(s, id, pk));
	assert_true(kstore_roster_get(s, id, pk2));
	assert_memory_equal(pk, pk2, sizeof pk);
	kstore_close(s);
}

static void status_store_refuses_a_state_out_of_range(void **state)
{
	const char *dir = jr_test_dir("kiosk-store2");
	struct kstore *s = NULL;
	struct kstatus st;
	char path[512], err[256];

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.db");
	assert_true(kstore_open(path, &s, err, sizeof err));
	memset(&st, 0, sizeof st);
	st.state = 9;
	assert_false(kstore_status_put(s, &st));
	kstore_close(s);
}

/* A downstream bundle's statuses and what it brought: one transaction,
 * gone whole when it rolls back. */
static void status_store_takes_an_answer_whole_or_not_at_all(void **state)
{
	const char *dir = jr_test_dir("kiosk-store3");
	struct kstore *s = NULL;
	struct kstatus st, got;
	struct kdown d, back;
	struct jr_buf roster = { 0 };
	const uint8_t r[4] = { 0x82, 0x41, 0x00, 0x40 };
	char path[512], err[256];

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.db");
	assert_true(kstore_open(path, &s, err, sizeof err));
	memset(&st, 0, sizeof st);
	jr_test_fill(st.regid, sizeof st.regid, 9);
	st.state = KST_HELD;
	memset(&d, 0, sizeof d);
	d.seq = 7;
	d.statuses = 1;
	d.roster_serial = 2;
	d.ack_time = 1790003600;
	jr_test_fill(d.roster_signer, sizeof d.roster_signer, 3);
	assert_true(kstore_begin(s));
	assert_true(kstore_status_put(s, &st));
	assert_true(kstore_down_put(s, &d, r, sizeof r, NULL, 0, NULL, 0));
	kstore_rollback(s);
	assert_false(kstore_status_get(s, st.regid, &got));
	assert_true(kstore_down_get(s, &back, &roster));
	assert_int_equal(back.seq, 0);
	assert_int_equal(roster.len, 0);
	assert_true(kstore_begin(s));
	assert_true(kstore_status_put(s, &st));
	assert_true(kstore_down_put(s, &d, r, sizeof r, NULL, 0, NULL, 0));
	assert_true(kstore_commit(s));
	assert_true(kstore_status_get(s, st.regid, &got));
	assert_int_equal(got.state, KST_HELD);
	assert_true(kstore_down_get(s, &back, &roster));
	assert_memory_equal(&back, &d, sizeof d);
	assert_true(roster.len == sizeof r && memcmp(roster.base, r, sizeof r) == 0);
	jr_buf_free(&roster);
	assert_true(kstore_meta_put_i64(s, "clock_floor", 1790003600));
	assert_int_equal(kstore_meta_i64(s, "clock_floor"), 1790003600);
	assert_int_equal(kstore_meta_i64(s, "missing"), 0);
	kstore_close(s);
}

/* The clock moves forward to a checkpoint time and runs on from it; it
 * never goes back below it, and a system clock ahead of it wins. */
static void clock_floor_moves_forward_and_never_back(void **state)
{
	struct kclock c;

	(void)state;
	kclock_virtual(&c, 1000);
	assert_int_equal(kclock_unix(&c), 1000);
	kclock_floor(&c, 5000);
	assert_int_equal(kclock_unix(&c), 5000);
	kclock_advance(&c, 3000);
	assert_int_equal(kclock_unix(&c), 5003);
	kclock_floor(&c, 4000); /* older: nothing changes */
	assert_int_equal(kclock_unix(&c), 5003);
	kclock_virtual(&c, 9000); /* a system clock ahead of a floor wins */
	kclock_floor(&c, 5000);
	assert_int_equal(kclock_unix(&c), 9000);
}

/* ---- labels ---- */

static void labels_format_nik_dates_and_the_typed_birth_date(void **state)
{
	char out[32];

	(void)state;
	knik_groups("3328015405900001", out, sizeof out);
	assert_string_equal(out, "3328 0154 0590 0001");
	knik_groups("33280", out, sizeof out);
	assert_string_equal(out, "3328 0");
	kdob_mask("1405", out, sizeof out);
	assert_string_equal(out, "14 / 05 / ____");
	kdate_text(20260701, out, sizeof out);
	assert_string_equal(out, "01-07-2026");
	kmonth_text(202609, out, sizeof out);
	assert_string_equal(out, "09-2026");
	ktime_text(1780365600, out, sizeof out);
	assert_string_equal(out, "02-06-2026 09:00");
	assert_string_equal(klabel_occupation(JR_OCC_FISHER), "Fisher");
	assert_string_equal(klabel_occupation((enum jr_occupation)99), "");
	assert_non_null(klabel_occupation_icon(JR_OCC_OTHER_INFORMAL));
	assert_string_equal(klabel_income(JR_INCOME_3M_PLUS), "Rp3.000.000 or more");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(po_reader_joins_continued_strings_and_unescapes),
		cmocka_unit_test(po_reader_skips_fuzzy_entries),
		cmocka_unit_test(po_reader_rejects_a_string_without_its_closing_quote),
		cmocka_unit_test(po_reader_rejects_msgstr_without_msgid),
		cmocka_unit_test(po_reader_rejects_an_unknown_escape),
		cmocka_unit_test(po_reader_rejects_a_stray_line),
		cmocka_unit_test(translations_cover_every_english_msgid),
		cmocka_unit_test(config_example_file_parses),
		cmocka_unit_test(config_rejects_an_unknown_key_with_its_line),
		cmocka_unit_test(config_rejects_values_out_of_range),
		cmocka_unit_test(config_rejects_a_line_without_equals),
		cmocka_unit_test(pixels_per_mm_come_from_the_diagonal),
		cmocka_unit_test(templates_fill_placeholders_and_report_truncation),
		cmocka_unit_test(utf8_helpers_count_and_pop_code_points),
		cmocka_unit_test(escpos_encodes_a_raster_image_in_bands),
		cmocka_unit_test(escpos_centres_a_narrow_picture),
		cmocka_unit_test(escpos_rejects_a_width_that_is_not_whole_bytes),
		cmocka_unit_test(printer_at_a_missing_path_is_reported_missing),
		cmocka_unit_test(printer_appends_each_receipt),
		cmocka_unit_test(printer_that_reports_paper_end_is_not_printed_to),
		cmocka_unit_test(form_reads_the_typed_birth_date),
		cmocka_unit_test(form_checks_a_nik_prefix_as_typed),
		cmocka_unit_test(form_keeps_only_the_reasons_of_the_asked_field),
		cmocka_unit_test(every_reason_of_a_field_maps_to_that_field),
		cmocka_unit_test(status_store_keeps_what_the_sync_import_puts),
		cmocka_unit_test(status_store_refuses_a_state_out_of_range),
		cmocka_unit_test(status_store_takes_an_answer_whole_or_not_at_all),
		cmocka_unit_test(clock_floor_moves_forward_and_never_back),
		cmocka_unit_test(labels_format_nik_dates_and_the_typed_birth_date),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
