/*
 * NIK structure and the calendar (see jaring/nik.h).
 *
 * The full check and the keypad's prefix check share one scanner that walks
 * the digit groups left to right and reports the first group that is wrong,
 * or that no completion of the typed digits can make right. On 16 digits
 * both therefore give the same answer.
 */
#include <string.h>

#include "jaring/nik.h"
#include "jaring/region.h"

#define WIB_OFFSET_SECONDS INT64_C(25200) /* UTC+7 */
#define SECONDS_PER_DAY 86400
#define WOMAN_DAY_OFFSET 40

/* Regencies the programme's NIKs may carry; each must also be in the
 * compiled region table. */
static const uint64_t nik_regencies[] = { 3328, 3376 };

static bool is_leap(uint32_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static uint32_t days_in_month(uint32_t y, uint32_t m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

bool jr_date_valid(uint32_t yyyymmdd)
{
	uint32_t y = yyyymmdd / 10000, m = yyyymmdd / 100 % 100, d = yyyymmdd % 100;

	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
		d <= days_in_month(y, m);
}

/* Negative when birth is after today; -1 when either date is not valid.
 * (month, day) order makes a 29 February birthday count on 1 March in
 * years without a 29 February. */
int jr_age_years(uint32_t birth, uint32_t today)
{
	int age;

	if (!jr_date_valid(birth) || !jr_date_valid(today))
		return -1;
	age = (int)(today / 10000) - (int)(birth / 10000);
	if (today % 10000 < birth % 10000)
		age--;
	return age;
}

/* Howard Hinnant's civil_from_days: day 0 is 1970-01-01. Returns 0 for a
 * year outside 1..9999, which jr_date_valid() rejects. */
static uint32_t civil_from_days(int64_t z)
{
	int64_t era, y;
	uint32_t doe, yoe, doy, mp, d, m;

	if (z < -719162 || z > 2932896) /* 0001-01-01 .. 9999-12-31 */
		return 0;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (uint32_t)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	return (uint32_t)y * 10000 + m * 100 + d;
}

uint32_t jr_date_from_unix(int64_t t)
{
	int64_t days = t / SECONDS_PER_DAY, secs = t % SECONDS_PER_DAY;

	if (secs < 0) {
		secs += SECONDS_PER_DAY;
		days--;
	}
	if (secs + WIB_OFFSET_SECONDS >= SECONDS_PER_DAY)
		days++;
	return civil_from_days(days);
}

/* Value of n decimal digits at s (already known to be digits). */
static uint32_t digits_value(const char *s, size_t n)
{
	uint32_t v = 0;

	while (n-- > 0)
		v = v * 10 + (uint32_t)(*s++ - '0');
	return v;
}

/* Does the k-digit prefix p match the first k digits of the w-digit v? */
static bool prefix_matches(const char *p, size_t k, uint32_t v, size_t w)
{
	uint32_t div = 1;
	size_t i;

	for (i = k; i < w; i++)
		div *= 10;
	return digits_value(p, k) == v / div;
}

static enum jr_nik_error check_regency(const char *s, size_t k)
{
	size_t i;

	for (i = 0; i < sizeof nik_regencies / sizeof nik_regencies[0]; i++) {
		const struct jr_region *r = jr_region_find(nik_regencies[i]);

		if (r != NULL && r->level == JR_REGION_REGENCY &&
		    prefix_matches(s, k, (uint32_t)r->code, 4))
			return JR_NIK_OK;
	}
	return JR_NIK_BAD_REGENCY;
}

/* s holds the first 4 + k digits; the regency is already known good. A
 * whole district code is one look-up (the centre checks every NIK it
 * opens); a prefix, as typed, is matched against the regency's districts. */
static enum jr_nik_error check_district(const char *s, size_t k)
{
	const struct jr_region *kids[64];
	size_t i, n;

	if (k == 2) {
		const struct jr_region *d = jr_region_find(digits_value(s, 6));

		return d != NULL && d->level == JR_REGION_DISTRICT &&
			d->parent == digits_value(s, 4) ? JR_NIK_OK : JR_NIK_BAD_DISTRICT;
	}
	n = jr_region_children(digits_value(s, 4), kids, 64);
	for (i = 0; i < n && i < 64; i++)
		if (prefix_matches(s, 4 + k, (uint32_t)kids[i]->code, 6))
			return JR_NIK_OK;
	return JR_NIK_BAD_DISTRICT;
}

/* The century rule: 20YY unless that date is after today, then 19YY. */
static uint32_t birth_date(uint32_t dd, uint32_t mm, uint32_t yy, uint32_t today)
{
	uint32_t d = dd > WOMAN_DAY_OFFSET ? dd - WOMAN_DAY_OFFSET : dd;
	uint32_t date = (2000 + yy) * 10000 + mm * 100 + d;

	if (date > today)
		date -= 100 * 10000;
	return date;
}

static enum jr_nik_error date_error(uint32_t dd, uint32_t mm, uint32_t yy,
	uint32_t today)
{
	uint32_t date = birth_date(dd, mm, yy, today);

	/* Days 32..40 and 72.. leave a day over 31: jr_date_valid() says no. */
	if (!jr_date_valid(date))
		return JR_NIK_BAD_DATE;
	return date > today ? JR_NIK_FUTURE_DATE : JR_NIK_OK;
}

/*
 * s holds k (1..6) digits of DDMMYY. Is some completion a birth date? Each
 * loop skips values that disagree with the typed digits, so at most a few
 * hundred dates are tried.
 */
static enum jr_nik_error check_date_prefix(const char *s, size_t k,
	uint32_t today)
{
	uint32_t dd, mm, yy;

	if (k == 6)
		return date_error(digits_value(s, 2), digits_value(s + 2, 2),
			digits_value(s + 4, 2), today);
	for (dd = 1; dd <= 71; dd++) {
		if (!prefix_matches(s, k < 2 ? k : 2, dd, 2))
			continue;
		for (mm = 1; mm <= 12; mm++) {
			if (k > 2 && !prefix_matches(s + 2, k < 4 ? k - 2 : 2, mm, 2))
				continue;
			for (yy = 0; yy <= 99; yy++) {
				if (k > 4 && !prefix_matches(s + 4, k - 4, yy, 2))
					continue;
				if (date_error(dd, mm, yy, today) == JR_NIK_OK)
					return JR_NIK_OK;
			}
		}
	}
	return JR_NIK_BAD_DATE;
}

/*
 * Checks the n (0..16) ASCII digits at s group by group. When n < 16 a group
 * that is only partly typed passes if some completion of it is valid.
 */
static enum jr_nik_error scan(const char *s, size_t n, uint32_t today)
{
	enum jr_nik_error e = JR_NIK_OK;

	if (n >= 1 && !prefix_matches(s, n < 2 ? n : 2, 33, 2))
		return JR_NIK_BAD_PROVINCE;
	if (n >= 3 && (e = check_regency(s, n < 4 ? n : 4)) != JR_NIK_OK)
		return e;
	if (n >= 5 && (e = check_district(s, n < 6 ? n - 4 : 2)) != JR_NIK_OK)
		return e;
	if (n >= 7 && (e = check_date_prefix(s + 6, n < 12 ? n - 6 : 6, today)) != JR_NIK_OK)
		return e;
	if (n == JR_NIK_LEN && memcmp(s + 12, "0000", 4) == 0)
		return JR_NIK_ZERO_SERIAL;
	return JR_NIK_OK;
}

static bool all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

enum jr_nik_error jr_nik_check(const char *s, size_t len, uint32_t today,
	struct jr_nik *out)
{
	enum jr_nik_error e;
	uint32_t dd;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (s == NULL || len == 0)
		return JR_NIK_EMPTY;
	if (!all_digits(s, len))
		return JR_NIK_NOT_DIGITS;
	if (len < JR_NIK_LEN)
		return JR_NIK_TOO_SHORT;
	if (len > JR_NIK_LEN)
		return JR_NIK_TOO_LONG;
	if ((e = scan(s, len, today)) != JR_NIK_OK || out == NULL)
		return e;
	memcpy(out->digits, s, JR_NIK_LEN);
	out->digits[JR_NIK_LEN] = '\0';
	out->district = digits_value(s, 6);
	dd = digits_value(s + 6, 2);
	out->birth = birth_date(dd, digits_value(s + 8, 2), digits_value(s + 10, 2), today);
	out->sex = dd > WOMAN_DAY_OFFSET ? JR_SEX_FEMALE : JR_SEX_MALE;
	out->serial = (uint16_t)digits_value(s + 12, 4);
	return JR_NIK_OK;
}

enum jr_nik_error jr_nik_check_prefix(const char *s, size_t len, uint32_t today)
{
	if (len == 0)
		return JR_NIK_OK;
	if (s == NULL)
		return JR_NIK_EMPTY;
	if (!all_digits(s, len))
		return JR_NIK_NOT_DIGITS;
	if (len > JR_NIK_LEN)
		return JR_NIK_TOO_LONG;
	return scan(s, len, today);
}
