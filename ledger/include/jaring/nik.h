/*
 * jaring/nik.h — the 16-digit Nomor Induk Kependudukan.
 *
 *   digits  1-2  province   (33 Jawa Tengah)
 *           3-4  regency    (28 Kab. Tegal, 76 Kota Tegal)
 *           5-6  district
 *           7-12 DDMMYY date of birth; women have 40 added to DD
 *          13-16 serial, never 0000
 *
 * jr_nik_check() validates structure and calendar date, then region: the
 * district must be in the compiled region table (region.h). The century of YY
 * is chosen so the birth date is not after `today` (YYYYMMDD).
 */
#ifndef JARING_NIK_H
#define JARING_NIK_H

#include "common.h"

#define JR_NIK_LEN 16

enum jr_sex { JR_SEX_MALE = 1, JR_SEX_FEMALE = 2 };

struct jr_nik {
	char digits[JR_NIK_LEN + 1];
	uint64_t district;  /* e.g. 332801 */
	uint32_t birth;     /* YYYYMMDD */
	enum jr_sex sex;
	uint16_t serial;
};

/* Why a NIK is not valid. Stable numbers: they are the reason codes of
 * rules.h for the NIK field (JR_R_NIK_*) and are shown to workers. */
enum jr_nik_error {
	JR_NIK_OK = 0,
	JR_NIK_EMPTY,
	JR_NIK_NOT_DIGITS,
	JR_NIK_TOO_SHORT,
	JR_NIK_TOO_LONG,
	JR_NIK_BAD_PROVINCE,   /* province not 33 */
	JR_NIK_BAD_REGENCY,    /* regency not in the table */
	JR_NIK_BAD_DISTRICT,   /* district not in the table */
	JR_NIK_BAD_DATE,       /* DDMMYY is not a date (after removing 40) */
	JR_NIK_FUTURE_DATE,    /* not reachable with the century rule; kept */
	JR_NIK_ZERO_SERIAL
};

JR_API enum jr_nik_error jr_nik_check(const char *s, size_t len, uint32_t today,
	struct jr_nik *out);

/* For the kiosk's keypad: is this prefix (0..16 digits) still able to become
 * a valid NIK? Returns JR_NIK_OK, or the first error the prefix already has
 * (never TOO_SHORT). */
JR_API enum jr_nik_error jr_nik_check_prefix(const char *s, size_t len,
	uint32_t today);

/* Calendar helpers used by NIK, rules and the kiosk (proleptic Gregorian). */
JR_API bool jr_date_valid(uint32_t yyyymmdd);
/* Whole years from birth (YYYYMMDD) to today (YYYYMMDD). */
JR_API int jr_age_years(uint32_t birth, uint32_t today);
/* Local date (WIB, UTC+7) of a Unix time, as YYYYMMDD. */
JR_API uint32_t jr_date_from_unix(int64_t t);

#endif
