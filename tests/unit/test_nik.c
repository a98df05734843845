/* NIK structure, the keypad prefix check, and the calendar helpers.
 * Every NIK here is synthetic, built by make_nik() from its parts. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "testutil.h"
#include "jaring/nik.h"

#define TODAY 20240610u

/* district "332801", day (already +40 for women), month, two-digit year,
 * serial. */
static void make_nik(char out[JR_NIK_LEN + 1], const char *district,
	unsigned dd, unsigned mm, unsigned yy, unsigned serial)
{
	int n = snprintf(out, JR_NIK_LEN + 1, "%s%02u%02u%02u%04u", district, dd,
		mm, yy, serial);

	assert_int_equal(n, JR_NIK_LEN);
}

static enum jr_nik_error check(const char *s, uint32_t today, struct jr_nik *out)
{
	return jr_nik_check(s, strlen(s), today, out);
}

static enum jr_nik_error prefix(const char *s)
{
	return jr_nik_check_prefix(s, strlen(s), TODAY);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* ---- valid NIKs ---- */

static void a_male_nik_gives_district_birth_date_sex_and_serial(void **state)
{
	char s[17];
	struct jr_nik n;

	(void)state;
	make_nik(s, "332801", 15, 3, 90, 1);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_string_equal(n.digits, s);
	assert_int_equal(n.district, 332801);
	assert_int_equal(n.birth, 19900315);
	assert_int_equal(n.sex, JR_SEX_MALE);
	assert_int_equal(n.serial, 1);
}

static void a_female_nik_has_40_added_to_the_day(void **state)
{
	char s[17];
	struct jr_nik n;

	(void)state;
	make_nik(s, "337604", 15 + 40, 11, 85, 9999);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.district, 337604);
	assert_int_equal(n.birth, 19851115);
	assert_int_equal(n.sex, JR_SEX_FEMALE);
	assert_int_equal(n.serial, 9999);
	make_nik(s, "332818", 41, 1, 70, 12);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19700101);
	assert_int_equal(n.sex, JR_SEX_FEMALE);
	make_nik(s, "332818", 71, 12, 70, 12);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19701231);
}

static void check_works_without_an_output(void **state)
{
	char s[17];

	(void)state;
	make_nik(s, "332810", 1, 1, 1, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_OK);
	s[15] = 'x';
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_NOT_DIGITS);
}

/* ---- dates ---- */

static void day_40_72_00_and_32_are_not_dates(void **state)
{
	static const unsigned bad_days[] = { 0, 32, 35, 39, 40, 72, 80, 99 };
	char s[17];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad_days / sizeof bad_days[0]; i++) {
		make_nik(s, "332801", bad_days[i], 1, 90, 1);
		assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	}
}

static void month_00_and_13_and_31_april_are_not_dates(void **state)
{
	char s[17];

	(void)state;
	make_nik(s, "332801", 1, 0, 90, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	make_nik(s, "332801", 1, 13, 90, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	make_nik(s, "332801", 31, 4, 90, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	make_nik(s, "332801", 71, 6, 90, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	make_nik(s, "332801", 30, 2, 0, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
}

static void leap_days_follow_the_gregorian_calendar(void **state)
{
	char s[17];
	struct jr_nik n;

	(void)state;
	make_nik(s, "332801", 29, 2, 0, 1);    /* 29 Feb 2000: leap */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 20000229);
	make_nik(s, "332801", 29, 2, 1, 1);    /* 29 Feb 2001: not */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_BAD_DATE);
	assert_true(all_zero(&n, sizeof n));
	make_nik(s, "332801", 29 + 40, 2, 4, 1); /* a woman, 29 Feb 2004 */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 20040229);
	assert_int_equal(n.sex, JR_SEX_FEMALE);
	make_nik(s, "332801", 29 + 40, 2, 3, 1); /* 2003: not */
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
	make_nik(s, "332801", 29, 2, 96, 1);   /* 1996 */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19960229);
	make_nik(s, "332801", 29, 2, 97, 1);
	assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DATE);
}

/* Checked on a day before 29 Feb 2000, YY 00 means 1900, which has no
 * 29 February (divisible by 100, not by 400). */
static void leap_day_1900_is_not_a_date(void **state)
{
	char s[17];

	(void)state;
	make_nik(s, "332801", 29, 2, 0, 1);
	assert_int_equal(check(s, 19990601, NULL), JR_NIK_BAD_DATE);
	assert_int_equal(check(s, 20000228, NULL), JR_NIK_BAD_DATE);
	assert_int_equal(check(s, 20000229, NULL), JR_NIK_OK);
}

static void century_is_20yy_unless_that_is_after_today(void **state)
{
	char s[17];
	struct jr_nik n;

	(void)state;
	make_nik(s, "332801", 10, 6, 24, 1); /* 10 Jun 2024 = today */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 20240610);
	make_nik(s, "332801", 11, 6, 24, 1); /* tomorrow: so 1924 */
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19240611);
	make_nik(s, "332801", 1, 1, 25, 1);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19250101);
	make_nik(s, "332801", 1, 1, 6, 1);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 20060101);
	make_nik(s, "332801", 1, 1, 6, 1);
	assert_int_equal(check(s, 20051231, &n), JR_NIK_OK);
	assert_int_equal(n.birth, 19060101);
}

/* With a `today` in the past even 19YY can be after it. */
static void a_date_after_today_in_both_centuries_is_in_the_future(void **state)
{
	char s[17];

	(void)state;
	make_nik(s, "332801", 1, 1, 60, 1);
	assert_int_equal(check(s, 19500101, NULL), JR_NIK_FUTURE_DATE);
	assert_int_equal(check(s, 19600101, NULL), JR_NIK_OK);
}

/* ---- regions ---- */

static void a_province_other_than_33_is_refused(void **state)
{
	static const char *const bad[] = {
		"3428011503900001", "3228011503900001", "1128011503900001",
		"0028011503900001", "9928011503900001", "4328011503900001",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(check(bad[i], TODAY, NULL), JR_NIK_BAD_PROVINCE);
}

static void a_regency_other_than_28_or_76_is_refused(void **state)
{
	static const char *const bad[] = {
		"3301011503900001", "3329011503900001", "3327011503900001",
		"3300011503900001", "3374011503900001", "3377011503900001",
		"3382011503900001", "3367011503900001",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(check(bad[i], TODAY, NULL), JR_NIK_BAD_REGENCY);
}

static void a_district_not_in_the_table_is_refused(void **state)
{
	static const char *const bad[] = { "332899", "332800", "332819", "332820",
		"337600", "337605", "337618", "332890" };
	char s[17];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		make_nik(s, bad[i], 15, 3, 90, 1);
		assert_int_equal(check(s, TODAY, NULL), JR_NIK_BAD_DISTRICT);
	}
}

static void serial_0000_is_refused(void **state)
{
	char s[17];
	struct jr_nik n;

	(void)state;
	make_nik(s, "332801", 15, 3, 90, 0);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_ZERO_SERIAL);
	assert_true(all_zero(&n, sizeof n));
	make_nik(s, "332801", 15, 3, 90, 10);
	assert_int_equal(check(s, TODAY, &n), JR_NIK_OK);
	assert_int_equal(n.serial, 10);
}

/* ---- shape ---- */

static void non_digits_anywhere_are_refused(void **state)
{
	char s[17], t[17];
	static const char junk[] = { 'a', 'O', ' ', '-', '.', '+', '\n', '\x7f', '\xc2' };
	struct jr_nik n;
	size_t pos, j;

	(void)state;
	make_nik(s, "332801", 15, 3, 90, 1);
	for (pos = 0; pos < JR_NIK_LEN; pos++) {
		for (j = 0; j < sizeof junk; j++) {
			memcpy(t, s, sizeof t);
			t[pos] = junk[j];
			assert_int_equal(jr_nik_check(t, JR_NIK_LEN, TODAY, &n), JR_NIK_NOT_DIGITS);
			assert_true(all_zero(&n, sizeof n));
		}
	}
	/* A NUL inside the given length is not a digit either. */
	memcpy(t, s, sizeof t);
	t[8] = '\0';
	assert_int_equal(jr_nik_check(t, JR_NIK_LEN, TODAY, NULL), JR_NIK_NOT_DIGITS);
	/* Non-digits win over a wrong length: the worker fixes those first. */
	assert_int_equal(check("33a", TODAY, NULL), JR_NIK_NOT_DIGITS);
	assert_int_equal(check("3328-0115-0390-0001", TODAY, NULL), JR_NIK_NOT_DIGITS);
}

static void fifteen_and_seventeen_digits_are_refused(void **state)
{
	char s[17], t[18];
	struct jr_nik n;

	(void)state;
	make_nik(s, "332801", 15, 3, 90, 1);
	assert_int_equal(jr_nik_check(s, 15, TODAY, &n), JR_NIK_TOO_SHORT);
	assert_true(all_zero(&n, sizeof n));
	assert_int_equal(jr_nik_check(s, 1, TODAY, &n), JR_NIK_TOO_SHORT);
	memcpy(t, s, 16);
	t[16] = '1';
	assert_int_equal(jr_nik_check(t, 17, TODAY, &n), JR_NIK_TOO_LONG);
	assert_true(all_zero(&n, sizeof n));
}

static void an_empty_nik_is_refused(void **state)
{
	struct jr_nik n;

	(void)state;
	memset(&n, 0xAA, sizeof n);
	assert_int_equal(jr_nik_check("", 0, TODAY, &n), JR_NIK_EMPTY);
	assert_true(all_zero(&n, sizeof n));
	assert_int_equal(jr_nik_check(NULL, 0, TODAY, &n), JR_NIK_EMPTY);
	assert_int_equal(jr_nik_check(NULL, 16, TODAY, &n), JR_NIK_EMPTY);
}

/* ---- the keypad's prefix check ---- */

static void every_prefix_of_a_valid_nik_is_ok(void **state)
{
	char s[17];
	size_t k;

	(void)state;
	make_nik(s, "337603", 29 + 40, 2, 4, 7);
	assert_int_equal(prefix(""), JR_NIK_OK);
	for (k = 0; k <= JR_NIK_LEN; k++)
		assert_int_equal(jr_nik_check_prefix(s, k, TODAY), JR_NIK_OK);
}

static void prefix_finds_a_wrong_province_at_the_first_wrong_digit(void **state)
{
	(void)state;
	assert_int_equal(prefix("3"), JR_NIK_OK);
	assert_int_equal(prefix("33"), JR_NIK_OK);
	assert_int_equal(prefix("4"), JR_NIK_BAD_PROVINCE);
	assert_int_equal(prefix("0"), JR_NIK_BAD_PROVINCE);
	assert_int_equal(prefix("34"), JR_NIK_BAD_PROVINCE);
	assert_int_equal(prefix("31"), JR_NIK_BAD_PROVINCE);
}

static void prefix_finds_a_wrong_regency(void **state)
{
	(void)state;
	assert_int_equal(prefix("332"), JR_NIK_OK);
	assert_int_equal(prefix("337"), JR_NIK_OK);
	assert_int_equal(prefix("3328"), JR_NIK_OK);
	assert_int_equal(prefix("3376"), JR_NIK_OK);
	assert_int_equal(prefix("333"), JR_NIK_BAD_REGENCY);
	assert_int_equal(prefix("330"), JR_NIK_BAD_REGENCY);
	assert_int_equal(prefix("3329"), JR_NIK_BAD_REGENCY);
	assert_int_equal(prefix("3327"), JR_NIK_BAD_REGENCY);
	assert_int_equal(prefix("3375"), JR_NIK_BAD_REGENCY);
}

static void prefix_finds_a_wrong_district(void **state)
{
	(void)state;
	assert_int_equal(prefix("33280"), JR_NIK_OK);
	assert_int_equal(prefix("33281"), JR_NIK_OK);
	assert_int_equal(prefix("332818"), JR_NIK_OK);
	assert_int_equal(prefix("33760"), JR_NIK_OK);
	assert_int_equal(prefix("337604"), JR_NIK_OK);
	assert_int_equal(prefix("33282"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("33289"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("332899"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("332800"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("332819"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("33761"), JR_NIK_BAD_DISTRICT);
	assert_int_equal(prefix("337605"), JR_NIK_BAD_DISTRICT);
}

static void prefix_finds_an_impossible_day(void **state)
{
	(void)state;
	assert_int_equal(prefix("3328010"), JR_NIK_OK);
	assert_int_equal(prefix("3328017"), JR_NIK_OK);
	assert_int_equal(prefix("3328018"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328019"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("33280131"), JR_NIK_OK);
	assert_int_equal(prefix("33280141"), JR_NIK_OK);
	assert_int_equal(prefix("33280171"), JR_NIK_OK);
	assert_int_equal(prefix("33280172"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("33280100"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("33280132"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("33280140"), JR_NIK_BAD_DATE);
}

static void prefix_finds_an_impossible_month_or_day_of_month(void **state)
{
	(void)state;
	assert_int_equal(prefix("332801151"), JR_NIK_OK);
	assert_int_equal(prefix("3328011512"), JR_NIK_OK);
	assert_int_equal(prefix("332801152"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328011513"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328011500"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328013004"), JR_NIK_OK);
	assert_int_equal(prefix("3328013104"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328017104"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328013002"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("3328012902"), JR_NIK_OK); /* a leap year will do */
}

static void prefix_finds_a_leap_day_in_a_common_year(void **state)
{
	(void)state;
	assert_int_equal(prefix("33280129020"), JR_NIK_OK);
	assert_int_equal(prefix("33280129021"), JR_NIK_OK);
	assert_int_equal(prefix("332801290200"), JR_NIK_OK);
	assert_int_equal(prefix("332801690204"), JR_NIK_OK);
	assert_int_equal(prefix("332801290201"), JR_NIK_BAD_DATE);
	assert_int_equal(prefix("332801690203"), JR_NIK_BAD_DATE);
	assert_int_equal(jr_nik_check_prefix("332801290200", 12, 19990601), JR_NIK_BAD_DATE);
}

static void prefix_finds_serial_0000_only_when_complete(void **state)
{
	(void)state;
	assert_int_equal(prefix("332801150390000"), JR_NIK_OK);
	assert_int_equal(prefix("3328011503900000"), JR_NIK_ZERO_SERIAL);
}

static void prefix_refuses_non_digits_and_a_17th_digit_but_never_says_too_short(void **state)
{
	(void)state;
	assert_int_equal(prefix("3a"), JR_NIK_NOT_DIGITS);
	assert_int_equal(prefix(" "), JR_NIK_NOT_DIGITS);
	assert_int_equal(prefix("33280115039000011"), JR_NIK_TOO_LONG);
	assert_int_equal(jr_nik_check_prefix(NULL, 0, TODAY), JR_NIK_OK);
	assert_int_not_equal(jr_nik_check_prefix(NULL, 3, TODAY), JR_NIK_OK);
}

/*
 * A sweep over synthetic NIKs built from plausible and implausible parts:
 * the prefix check of all 16 digits equals the full check, an error found
 * at some length stays the same as digits are added, and no prefix of a
 * valid NIK is refused.
 */
static void prefix_check_agrees_with_the_full_check_on_a_sweep(void **state)
{
	static const char *const districts[] = { "332801", "332818", "332819",
		"337604", "337605", "332901", "342801" };
	uint8_t rnd[4096 * 4];
	char s[17];
	size_t i, k, ok = 0;

	(void)state;
	jr_test_fill(rnd, sizeof rnd, 7);
	for (i = 0; i < 4096; i++) {
		const uint8_t *r = rnd + 4 * i;
		enum jr_nik_error full, first = JR_NIK_OK;

		make_nik(s, districts[r[0] % 7], r[1] % 80u, r[2] % 14u, r[3] % 100u,
			(r[0] >> 3) % 3u);
		full = check(s, TODAY, NULL);
		ok += full == JR_NIK_OK;
		for (k = 0; k <= JR_NIK_LEN; k++) {
			enum jr_nik_error e = jr_nik_check_prefix(s, k, TODAY);

			assert_int_not_equal(e, JR_NIK_TOO_SHORT);
			if (first != JR_NIK_OK)
				assert_int_equal(e, first);
			first = e;
		}
		assert_int_equal(first, full);
	}
	assert_true(ok > 100); /* the sweep did meet valid NIKs */
}

/* ---- calendar ---- */

static void date_valid_knows_month_lengths_and_leap_years(void **state)
{
	static const uint32_t good[] = { 20000229, 20040229, 19960229, 20240229,
		20241231, 20240131, 20240430, 99991231, 10101 };
	static const uint32_t bad[] = { 19000229, 20010229, 21000229, 20230229,
		20240431, 20240230, 20241232, 20241301, 20240001, 20240100, 101, 0,
		100000101, 20249999, UINT32_MAX };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		assert_true(jr_date_valid(good[i]));
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_false(jr_date_valid(bad[i]));
}

static void age_counts_whole_years_up_to_the_birthday(void **state)
{
	(void)state;
	assert_int_equal(jr_age_years(19900315, 20240314), 33);
	assert_int_equal(jr_age_years(19900315, 20240315), 34);
	assert_int_equal(jr_age_years(19900315, 20241231), 34);
	assert_int_equal(jr_age_years(20060611, 20240610), 17);
	assert_int_equal(jr_age_years(20060610, 20240610), 18);
	assert_int_equal(jr_age_years(20240610, 20240610), 0);
}

static void a_29_february_birthday_counts_on_1_march_in_common_years(void **state)
{
	(void)state;
	assert_int_equal(jr_age_years(20000229, 20230228), 22);
	assert_int_equal(jr_age_years(20000229, 20230301), 23);
	assert_int_equal(jr_age_years(20000229, 20240228), 23);
	assert_int_equal(jr_age_years(20000229, 20240229), 24);
}

static void age_is_negative_for_a_birth_after_today_or_a_bad_date(void **state)
{
	(void)state;
	assert_true(jr_age_years(20240611, 20240610) < 0);
	assert_true(jr_age_years(20250101, 20241231) < 0);
	assert_int_equal(jr_age_years(20010229, 20240610), -1);
	assert_int_equal(jr_age_years(19900315, 20241301), -1);
	assert_int_equal(jr_age_years(0, 20240610), -1);
}

static void date_from_unix_is_the_date_in_western_indonesia(void **state)
{
	(void)state;
	assert_int_equal(jr_date_from_unix(0), 19700101);
	assert_int_equal(jr_date_from_unix(61199), 19700101);   /* 23:59:59 WIB */
	assert_int_equal(jr_date_from_unix(61200), 19700102);   /* 00:00 WIB */
	assert_int_equal(jr_date_from_unix(-25200), 19700101);
	assert_int_equal(jr_date_from_unix(-25201), 19691231);
	assert_int_equal(jr_date_from_unix(951782400), 20000229);
	assert_int_equal(jr_date_from_unix(951782400 - 25201), 20000228);
	assert_int_equal(jr_date_from_unix(1709164800), 20240229);
	assert_int_equal(jr_date_from_unix(-138067200), 19650817);
	assert_int_equal(jr_date_from_unix(2147472000), 20380119);
	assert_int_equal(jr_date_from_unix(4102444800 - 25200), 21000101);
}

static void date_from_unix_gives_0_outside_years_1_to_9999(void **state)
{
	(void)state;
	assert_int_equal(jr_date_from_unix(253402275599), 99991231); /* 23:59:59 WIB */
	assert_int_equal(jr_date_from_unix(253402275600), 0);
	assert_int_equal(jr_date_from_unix(INT64_MAX), 0);
	assert_int_equal(jr_date_from_unix(INT64_MIN), 0);
	assert_int_equal(jr_date_from_unix(-62135596800 - 25200), 10101);
	assert_int_equal(jr_date_from_unix(-62135596800 - 25201), 0);
}

/* An independent oracle: the C library's UTC calendar, 7 hours on. */
static void date_from_unix_matches_gmtime_from_1900_to_2100(void **state)
{
	int64_t t;
	struct tm tm;

	(void)state;
	for (t = -2208988800LL; t < 4102444800LL; t += 86400 * 3 + 3607) {
		time_t u = (time_t)(t + 7 * 3600);
		uint32_t want;

		assert_non_null(gmtime_r(&u, &tm));
		want = (uint32_t)(tm.tm_year + 1900) * 10000 + (uint32_t)(tm.tm_mon + 1) * 100 +
			(uint32_t)tm.tm_mday;
		assert_int_equal(jr_date_from_unix(t), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_male_nik_gives_district_birth_date_sex_and_serial),
		cmocka_unit_test(a_female_nik_has_40_added_to_the_day),
		cmocka_unit_test(check_works_without_an_output),
		cmocka_unit_test(day_40_72_00_and_32_are_not_dates),
		cmocka_unit_test(month_00_and_13_and_31_april_are_not_dates),
		cmocka_unit_test(leap_days_follow_the_gregorian_calendar),
		cmocka_unit_test(leap_day_1900_is_not_a_date),
		cmocka_unit_test(century_is_20yy_unless_that_is_after_today),
		cmocka_unit_test(a_date_after_today_in_both_centuries_is_in_the_future),
		cmocka_unit_test(a_province_other_than_33_is_refused),
		cmocka_unit_test(a_regency_other_than_28_or_76_is_refused),
		cmocka_unit_test(a_district_not_in_the_table_is_refused),
		cmocka_unit_test(serial_0000_is_refused),
		cmocka_unit_test(non_digits_anywhere_are_refused),
		cmocka_unit_test(fifteen_and_seventeen_digits_are_refused),
		cmocka_unit_test(an_empty_nik_is_refused),
		cmocka_unit_test(every_prefix_of_a_valid_nik_is_ok),
		cmocka_unit_test(prefix_finds_a_wrong_province_at_the_first_wrong_digit),
		cmocka_unit_test(prefix_finds_a_wrong_regency),
		cmocka_unit_test(prefix_finds_a_wrong_district),
		cmocka_unit_test(prefix_finds_an_impossible_day),
		cmocka_unit_test(prefix_finds_an_impossible_month_or_day_of_month),
		cmocka_unit_test(prefix_finds_a_leap_day_in_a_common_year),
		cmocka_unit_test(prefix_finds_serial_0000_only_when_complete),
		cmocka_unit_test(prefix_refuses_non_digits_and_a_17th_digit_but_never_says_too_short),
		cmocka_unit_test(prefix_check_agrees_with_the_full_check_on_a_sweep),
		cmocka_unit_test(date_valid_knows_month_lengths_and_leap_years),
		cmocka_unit_test(age_counts_whole_years_up_to_the_birthday),
		cmocka_unit_test(a_29_february_birthday_counts_on_1_march_in_common_years),
		cmocka_unit_test(age_is_negative_for_a_birth_after_today_or_a_bad_date),
		cmocka_unit_test(date_from_unix_is_the_date_in_western_indonesia),
		cmocka_unit_test(date_from_unix_gives_0_outside_years_1_to_9999),
		cmocka_unit_test(date_from_unix_matches_gmtime_from_1900_to_2100),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
