/* Contract rules v1: verdicts, reason words, phone numbers, occupations and
 * income brackets, the policy record and Table 1. Every person here is made
 * up; NIKs are built by make_nik() from their parts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/rules.h"

#define TODAY 20240610u
#define RECORD_TIME 1718000000 /* 2024-06-10 13:13:20 WIB */

static const enum jr_reason all_reasons[] = {
	JR_R_MISSING_NIK, JR_R_MISSING_NAME, JR_R_MISSING_SEX, JR_R_MISSING_BIRTH,
	JR_R_MISSING_VILLAGE, JR_R_MISSING_OCCUPATION, JR_R_MISSING_INCOME,
	JR_R_MISSING_ADDRESS, JR_R_MISSING_CONSENT, JR_R_NIK_NOT_DIGITS,
	JR_R_NIK_LENGTH, JR_R_NIK_PROVINCE, JR_R_NIK_REGENCY, JR_R_NIK_DISTRICT,
	JR_R_NIK_DATE, JR_R_NIK_SERIAL, JR_R_BIRTH_MISMATCH, JR_R_SEX_MISMATCH,
	JR_R_BIRTH_INVALID, JR_R_NAME_INVALID, JR_R_VILLAGE_UNKNOWN,
	JR_R_PHONE_INVALID, JR_R_ADDRESS_INVALID, JR_R_CONSENT_OUTDATED,
	JR_R_OCCUPATION_UNKNOWN, JR_R_INCOME_UNKNOWN, JR_R_BIRTH_YEAR_MISMATCH,
	JR_R_TOO_YOUNG, JR_R_TOO_OLD, JR_R_INCOME_OVER_CEILING,
	JR_R_OCCUPATION_NOT_ELIGIBLE, JR_R_REGION_NOT_COVERED,
	JR_R_ALREADY_REGISTERED, JR_R_WAGE_EARNER, JR_R_NOT_IN_DTKS,
};
#define N_REASONS (sizeof all_reasons / sizeof all_reasons[0])

static void make_nik(char out[JR_NIK_LEN + 1], const char *district,
	unsigned dd, unsigned mm, unsigned yy, unsigned serial)
{
	int n = snprintf(out, JR_NIK_LEN + 1, "%s%02u%02u%02u%04u", district, dd,
		mm, yy, serial);

	assert_int_equal(n, JR_NIK_LEN);
}

static void set_text(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	assert_true(n < cap);
	memcpy(dst, s, n + 1);
}
#define SET(field, s) set_text((field), sizeof(field), (s))

/* A man born 15 March 1990 in Margasari, farming, under Rp500,000 a month. */
static void valid_reg(struct jr_registration *r)
{
	memset(r, 0, sizeof *r);
	r->time = RECORD_TIME;
	r->village = 3328012001;
	r->occupation = JR_OCC_FARMER;
	r->income = JR_INCOME_UNDER_500K;
	r->sex = JR_SEX_MALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	make_nik(r->nik, "332801", 15, 3, 90, 1);
	SET(r->name, "Budi Santoso");
	r->birth = 19900315;
	SET(r->phone, "081234567890");
	SET(r->address, "Jl. Melati No. 5, RT 02/RW 03");
}

/* Born on `birth` (YYYYMMDD), consistently in NIK, birth date and year. */
static void set_birth(struct jr_registration *r, uint32_t birth)
{
	unsigned dd = birth % 100 + (r->sex == JR_SEX_FEMALE ? 40u : 0u);

	make_nik(r->nik, "332801", dd, birth / 100 % 100, birth / 10000 % 100, 1);
	r->birth = birth;
	r->birth_year = (uint16_t)(birth / 10000);
}

static int check(const struct jr_policy *p, const struct jr_registration *r,
	struct jr_verdict *v)
{
	return jr_rules_check(p, r, TODAY, v);
}

/* ---- whole registrations ---- */

static void a_complete_valid_registration_passes(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	assert_int_equal(check(&p, &r, &v), JR_OK);
	assert_int_equal(v.n, 0);
	assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_OK);
	assert_int_equal(v.n, 0);
}

static void valid_variants_pass(void **state)
{
	static const char *const names[] = {
		"Sri", "Siti Nur'aini", "Ahmad Al-Fatih", "H. Muhammad Yusuf",
		"Andr\xc3\xa9s", "Dewi\xcc\x81 Lestari", "Ng", "Ni Putu Ayu",
		"SUKARNI", "Tan Ek-Lie",
	};
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;

	(void)state;
	jr_policy_default(&p);
	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		valid_reg(&r);
		SET(r.name, names[i]);
		assert_int_equal(check(&p, &r, &v), JR_OK);
	}
	valid_reg(&r);
	r.phone[0] = '\0'; /* the phone is optional */
	SET(r.address, "Desa Guci RT 1");
	r.income = JR_INCOME_1M5_2M; /* all of it below Rp2,000,000 */
	r.occupation = JR_OCC_OTHER_INFORMAL;
	r.village = 3376041007;
	assert_int_equal(check(&p, &r, &v), JR_OK);
	valid_reg(&r);
	r.sex = JR_SEX_FEMALE;
	set_birth(&r, 20000229);
	make_nik(r.nik, "337601", 69, 2, 0, 42);
	SET(r.phone, "0812345678");
	SET(r.address, "Jl. Kartini, Gg. Mawar \xe2\x84\x96 7"); /* UTF-8 is fine */
	assert_int_equal(check(&p, &r, &v), JR_OK);
}

static void age_is_taken_at_the_records_date_or_today_when_it_has_none(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	set_birth(&r, 19590611); /* 64 on the record's date, 65 next day */
	assert_int_equal(jr_rules_check(&p, &r, 20300101, &v), JR_OK);
	r.time = 0;
	assert_int_equal(jr_rules_check(&p, &r, 20240610, &v), JR_OK);
	assert_int_equal(jr_rules_check(&p, &r, 20240611, &v), JR_ERULE);
	assert_int_equal(v.n, 1);
	assert_int_equal(v.reasons[0], JR_R_TOO_OLD);
	/* 23:59 WIB on 10 June is still 10 June; a minute later it is not. */
	r.time = 1718038740;
	assert_int_equal(jr_rules_check(&p, &r, 0, &v), JR_OK);
	r.time = 1718038800;
	assert_int_equal(jr_rules_check(&p, &r, 0, &v), JR_ERULE);
	assert_int_equal(v.reasons[0], JR_R_TOO_OLD);
}

/* ---- one change, one reason ---- */

typedef void (*mutator)(struct jr_registration *r, struct jr_policy *p);

struct rcase {
	const char *what;
	mutator mut;
	enum jr_reason want[3]; /* ascending, ended by JR_R_NONE */
};

static void m_no_nik(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[0] = '\0'; }
static void m_no_name(struct jr_registration *r, struct jr_policy *p) { (void)p; r->name[0] = '\0'; }
static void m_blank_name(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "   "); }
static void m_no_sex(struct jr_registration *r, struct jr_policy *p) { (void)p; r->sex = (enum jr_sex)0; }
static void m_sex_3(struct jr_registration *r, struct jr_policy *p) { (void)p; r->sex = (enum jr_sex)3; }
static void m_no_birth(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth = 0; }
static void m_no_village(struct jr_registration *r, struct jr_policy *p) { (void)p; r->village = 0; }
static void m_no_occ(struct jr_registration *r, struct jr_policy *p) { (void)p; r->occupation = (enum jr_occupation)0; }
static void m_no_income(struct jr_registration *r, struct jr_policy *p) { (void)p; r->income = (enum jr_income)0; }
static void m_no_address(struct jr_registration *r, struct jr_policy *p) { (void)p; r->address[0] = '\0'; }
static void m_blank_address(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "      "); }
static void m_no_consent(struct jr_registration *r, struct jr_policy *p) { (void)p; r->consent_version = 0; }
static void m_nik_letter(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[3] = 'O'; }
static void m_nik_space(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[15] = ' '; }
static void m_nik_15(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[15] = '\0'; }
static void m_nik_17(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[16] = '1'; }
static void m_nik_prov(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[1] = '4'; }
static void m_nik_regency(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[3] = '9'; }
static void m_nik_district(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[4] = '9'; r->nik[5] = '9'; }
static void m_nik_day(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[6] = '3'; r->nik[7] = '2'; }
static void m_nik_leap(struct jr_registration *r, struct jr_policy *p) { (void)p; make_nik(r->nik, "332801", 29, 2, 1, 1); r->birth = 20010301; r->birth_year = 2001; }
static void m_nik_serial(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[15] = '0'; }
static void m_birth_other(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth = 19900316; }
static void m_sex_other(struct jr_registration *r, struct jr_policy *p) { (void)p; r->sex = JR_SEX_FEMALE; }
static void m_nik_woman(struct jr_registration *r, struct jr_policy *p) { (void)p; r->nik[6] = '5'; }
static void m_birth_feb30(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth = 19900230; }
static void m_birth_future(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth = 20240611; }
static void m_name_digit(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi 2"); }
static void m_name_short(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "B"); }
static void m_name_tab(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi\tSantoso"); }
static void m_name_utf8(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi \xc3"); }
static void m_name_overlong(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi \xc0\xa0"); }
static void m_name_symbol(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi_Santoso"); }
static void m_name_comma(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "Budi, S.Pd"); }
static void m_name_dots(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, ". -"); }
static void m_name_accent_first(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "\314\201Budi"); }
static void m_name_greek(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->name, "\xce\x91\xce\xb2"); }
static void m_name_long(struct jr_registration *r, struct jr_policy *p) { (void)p; memset(r->name, 'a', JR_NAME_MAX + 1); }
static void m_name_max(struct jr_registration *r, struct jr_policy *p) { (void)p; memset(r->name, 'a', JR_NAME_MAX); r->name[JR_NAME_MAX] = '\0'; }
static void m_village_unknown(struct jr_registration *r, struct jr_policy *p) { (void)p; r->village = 3328019999; }
static void m_village_district(struct jr_registration *r, struct jr_policy *p) { (void)p; r->village = 332801; }
static void m_village_regency(struct jr_registration *r, struct jr_policy *p) { (void)p; r->village = 3328; }
static void m_phone_short(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "081234567"); }
static void m_phone_long(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "08123456789012"); }
static void m_phone_plus(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "+6281234567890"); }
static void m_phone_07(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "0712345678"); }
static void m_phone_letters(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "08123abc567"); }
static void m_phone_spaced(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->phone, "0812 3456 789"); }
static void m_address_short(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "Jl.1"); }
static void m_address_newline(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "Jl. Melati\n5"); }
static void m_address_del(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "Jl. Melati \x7f"); }
static void m_address_c1(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "Jl. Melati \xc2\x85"); }
static void m_address_bad_utf8(struct jr_registration *r, struct jr_policy *p) { (void)p; SET(r->address, "Jl. Melati \xed\xa0\x80"); }
static void m_address_long(struct jr_registration *r, struct jr_policy *p) { (void)p; memset(r->address, 'a', JR_ADDRESS_MAX + 1); }
static void m_consent_2(struct jr_registration *r, struct jr_policy *p) { (void)p; r->consent_version = 2; }
static void m_consent_policy(struct jr_registration *r, struct jr_policy *p) { (void)r; p->consent_version = 3; }
static void m_occ_14(struct jr_registration *r, struct jr_policy *p) { (void)p; r->occupation = JR_OCC_COUNT; }
static void m_occ_99(struct jr_registration *r, struct jr_policy *p) { (void)p; r->occupation = (enum jr_occupation)99; }
static void m_occ_neg(struct jr_registration *r, struct jr_policy *p) { (void)p; r->occupation = (enum jr_occupation)-1; }
static void m_income_7(struct jr_registration *r, struct jr_policy *p) { (void)p; r->income = JR_INCOME_COUNT; }
static void m_year_other(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth_year = 1991; }
static void m_year_zero(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth_year = 0; }
static void m_too_young(struct jr_registration *r, struct jr_policy *p) { (void)p; set_birth(r, 20060611); }
static void m_very_young(struct jr_registration *r, struct jr_policy *p) { (void)p; set_birth(r, 20200101); }
static void m_too_old(struct jr_registration *r, struct jr_policy *p) { (void)p; set_birth(r, 19590610); }
static void m_min_age_40(struct jr_registration *r, struct jr_policy *p) { (void)r; p->min_age = 40; }
static void m_max_age_30(struct jr_registration *r, struct jr_policy *p) { (void)r; p->max_age = 30; }
static void m_income_2m(struct jr_registration *r, struct jr_policy *p) { (void)p; r->income = JR_INCOME_2M_3M; }
static void m_income_3m(struct jr_registration *r, struct jr_policy *p) { (void)p; r->income = JR_INCOME_3M_PLUS; }
static void m_ceiling_low(struct jr_registration *r, struct jr_policy *p) { (void)r; p->income_ceiling_rp = 499999; }
static void m_occ_excluded(struct jr_registration *r, struct jr_policy *p) { (void)r; p->occupations &= ~(1u << JR_OCC_FARMER); }
static void m_kota_only(struct jr_registration *r, struct jr_policy *p) { (void)r; p->n_regencies = 1; p->regencies[0] = 3376; }
static void m_kab_only(struct jr_registration *r, struct jr_policy *p) { r->village = 3376011001; p->n_regencies = 1; }

#define R(x) JR_R_##x
static const struct rcase rcases[] = {
	{ "empty NIK", m_no_nik, { R(MISSING_NIK) } },
	{ "empty name", m_no_name, { R(MISSING_NAME) } },
	{ "name of spaces", m_blank_name, { R(MISSING_NAME) } },
	{ "sex 0", m_no_sex, { R(MISSING_SEX) } },
	{ "sex 3", m_sex_3, { R(MISSING_SEX) } },
	{ "birth 0", m_no_birth, { R(MISSING_BIRTH) } },
	{ "village 0", m_no_village, { R(MISSING_VILLAGE) } },
	{ "occupation 0", m_no_occ, { R(MISSING_OCCUPATION) } },
	{ "income 0", m_no_income, { R(MISSING_INCOME) } },
	{ "empty address", m_no_address, { R(MISSING_ADDRESS) } },
	{ "address of spaces", m_blank_address, { R(MISSING_ADDRESS) } },
	{ "consent 0", m_no_consent, { R(MISSING_CONSENT) } },
	{ "letter in NIK", m_nik_letter, { R(NIK_NOT_DIGITS) } },
	{ "space in NIK", m_nik_space, { R(NIK_NOT_DIGITS) } },
	{ "15-digit NIK", m_nik_15, { R(NIK_LENGTH) } },
	{ "17-digit NIK", m_nik_17, { R(NIK_LENGTH) } },
	{ "province 34", m_nik_prov, { R(NIK_PROVINCE) } },
	{ "regency 3329", m_nik_regency, { R(NIK_REGENCY) } },
	{ "district 33.28.99", m_nik_district, { R(NIK_DISTRICT) } },
	{ "NIK day 32", m_nik_day, { R(NIK_DATE) } },
	{ "NIK 29 Feb 2001", m_nik_leap, { R(NIK_DATE) } },
	{ "serial 0000", m_nik_serial, { R(NIK_SERIAL) } },
	{ "birth a day later than the NIK", m_birth_other, { R(BIRTH_MISMATCH) } },
	{ "sex female, NIK male", m_sex_other, { R(SEX_MISMATCH) } },
	{ "NIK female, sex male", m_nik_woman, { R(SEX_MISMATCH) } },
	{ "birth 30 Feb", m_birth_feb30, { R(BIRTH_INVALID) } },
	{ "birth after the record", m_birth_future, { R(BIRTH_INVALID) } },
	{ "digit in name", m_name_digit, { R(NAME_INVALID) } },
	{ "one-letter name", m_name_short, { R(NAME_INVALID) } },
	{ "tab in name", m_name_tab, { R(NAME_INVALID) } },
	{ "cut UTF-8 in name", m_name_utf8, { R(NAME_INVALID) } },
	{ "overlong UTF-8 in name", m_name_overlong, { R(NAME_INVALID) } },
	{ "underscore in name", m_name_symbol, { R(NAME_INVALID) } },
	{ "comma in name", m_name_comma, { R(NAME_INVALID) } },
	{ "name without letters", m_name_dots, { R(NAME_INVALID) } },
	{ "name starting with an accent", m_name_accent_first, { R(NAME_INVALID) } },
	{ "Greek name", m_name_greek, { R(NAME_INVALID) } },
	{ "name filling its field", m_name_long, { R(NAME_INVALID) } },
	{ "village 33.28.01.9999", m_village_unknown, { R(VILLAGE_UNKNOWN) } },
	{ "district as village", m_village_district, { R(VILLAGE_UNKNOWN) } },
	{ "regency as village", m_village_regency, { R(VILLAGE_UNKNOWN) } },
	{ "9-digit phone", m_phone_short, { R(PHONE_INVALID) } },
	{ "14-digit phone", m_phone_long, { R(PHONE_INVALID) } },
	{ "phone not normalised", m_phone_plus, { R(PHONE_INVALID) } },
	{ "phone 07", m_phone_07, { R(PHONE_INVALID) } },
	{ "letters in phone", m_phone_letters, { R(PHONE_INVALID) } },
	{ "spaces in phone", m_phone_spaced, { R(PHONE_INVALID) } },
	{ "4-byte address", m_address_short, { R(ADDRESS_INVALID) } },
	{ "newline in address", m_address_newline, { R(ADDRESS_INVALID) } },
	{ "DEL in address", m_address_del, { R(ADDRESS_INVALID) } },
	{ "C1 control in address", m_address_c1, { R(ADDRESS_INVALID) } },
	{ "surrogate in address", m_address_bad_utf8, { R(ADDRESS_INVALID) } },
	{ "address filling its field", m_address_long, { R(ADDRESS_INVALID) } },
	{ "consent 2", m_consent_2, { R(CONSENT_OUTDATED) } },
	{ "policy consent 3", m_consent_policy, { R(CONSENT_OUTDATED) } },
	{ "occupation 14", m_occ_14, { R(OCCUPATION_UNKNOWN) } },
	{ "occupation 99", m_occ_99, { R(OCCUPATION_UNKNOWN) } },
	{ "occupation -1", m_occ_neg, { R(OCCUPATION_UNKNOWN) } },
	{ "income 7", m_income_7, { R(INCOME_UNKNOWN) } },
	{ "birth year 1991", m_year_other, { R(BIRTH_YEAR_MISMATCH) } },
	{ "birth year 0", m_year_zero, { R(BIRTH_YEAR_MISMATCH) } },
	{ "17 years old", m_too_young, { R(TOO_YOUNG) } },
	{ "4 years old", m_very_young, { R(TOO_YOUNG) } },
	{ "policy min age 40", m_min_age_40, { R(TOO_YOUNG) } },
	{ "65 years old", m_too_old, { R(TOO_OLD) } },
	{ "policy max age 30", m_max_age_30, { R(TOO_OLD) } },
	{ "income Rp2-3 million", m_income_2m, { R(INCOME_OVER_CEILING) } },
	{ "income over Rp3 million", m_income_3m, { R(INCOME_OVER_CEILING) } },
	{ "policy ceiling Rp499,999", m_ceiling_low, { R(INCOME_OVER_CEILING) } },
	{ "farmers not covered", m_occ_excluded, { R(OCCUPATION_NOT_ELIGIBLE) } },
	{ "policy for Kota Tegal only", m_kota_only, { R(REGION_NOT_COVERED) } },
	{ "policy for Kab. Tegal only", m_kab_only, { R(REGION_NOT_COVERED) } },
};

static void expect(const struct jr_verdict *v, const enum jr_reason *want,
	const char *what)
{
	size_t n = 0, i;

	while (n < 3 && want[n] != JR_R_NONE)
		n++;
	if (v->n != n)
		fail_msg("%s: %zu reasons (first %s), want %zu", what, v->n,
			v->n ? jr_reason_name(v->reasons[0]) : "-", n);
	for (i = 0; i < n; i++)
		if (v->reasons[i] != want[i])
			fail_msg("%s: reason %zu is %s, want %s", what, i,
				jr_reason_name(v->reasons[i]), jr_reason_name(want[i]));
}

static void each_reason_comes_from_exactly_the_change_that_causes_it(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;
	bool seen[500] = { false };

	(void)state;
	for (i = 0; i < sizeof rcases / sizeof rcases[0]; i++) {
		jr_policy_default(&p);
		valid_reg(&r);
		rcases[i].mut(&r, &p);
		assert_int_equal(check(&p, &r, &v), JR_ERULE);
		expect(&v, rcases[i].want, rcases[i].what);
		seen[rcases[i].want[0]] = true;
	}
	/* Every reason of classes 1-3 has a case. */
	for (i = 0; i < N_REASONS; i++)
		if (jr_reason_class(all_reasons[i]) < 4 && !seen[all_reasons[i]])
			fail_msg("no case for %s", jr_reason_name(all_reasons[i]));
}

static void limits_are_inclusive(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	set_birth(&r, 20060610); /* 18 today */
	assert_int_equal(check(&p, &r, &v), JR_OK);
	set_birth(&r, 19590611); /* 64 until tomorrow */
	assert_int_equal(check(&p, &r, &v), JR_OK);
	m_name_max(&r, &p);       /* exactly JR_NAME_MAX bytes */
	assert_int_equal(check(&p, &r, &v), JR_OK);
	memset(r.address, 'a', JR_ADDRESS_MAX);
	r.address[JR_ADDRESS_MAX] = '\0';
	SET(r.phone, "0812345678901");
	assert_int_equal(check(&p, &r, &v), JR_OK);
	SET(r.address, "Jl. 1");
	SET(r.name, "Ay");
	assert_int_equal(check(&p, &r, &v), JR_OK);
	p.income_ceiling_rp = 500000; /* bracket 1 ends at Rp499,999 */
	assert_int_equal(check(&p, &r, &v), JR_OK);
}

static void many_reasons_are_all_collected_in_ascending_order(void **state)
{
	static const enum jr_reason want[] = {
		R(BIRTH_MISMATCH), R(SEX_MISMATCH), R(NAME_INVALID),
		R(VILLAGE_UNKNOWN), R(PHONE_INVALID), R(ADDRESS_INVALID),
		R(CONSENT_OUTDATED), R(OCCUPATION_UNKNOWN), R(INCOME_UNKNOWN),
		R(BIRTH_YEAR_MISMATCH), R(TOO_YOUNG),
	};
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	r.sex = JR_SEX_FEMALE;
	r.birth = 20100316;
	SET(r.name, "X1");
	SET(r.phone, "12");
	SET(r.address, "ab");
	r.consent_version = 2;
	r.occupation = (enum jr_occupation)99;
	r.income = (enum jr_income)9;
	r.village = 3328019999;
	assert_int_equal(check(&p, &r, &v), JR_ERULE);
	assert_int_equal(v.n, sizeof want / sizeof want[0]);
	for (i = 0; i < v.n; i++)
		assert_int_equal(v.reasons[i], want[i]);
}

static void an_empty_registration_is_missing_everything(void **state)
{
	static const enum jr_reason want[] = {
		R(MISSING_NIK), R(MISSING_NAME), R(MISSING_SEX), R(MISSING_BIRTH),
		R(MISSING_VILLAGE), R(MISSING_OCCUPATION), R(MISSING_INCOME),
		R(MISSING_ADDRESS), R(MISSING_CONSENT),
	};
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;

	(void)state;
	jr_policy_default(&p);
	memset(&r, 0, sizeof r);
	assert_int_equal(check(&p, &r, &v), JR_ERULE);
	assert_int_equal(v.n, sizeof want / sizeof want[0]);
	for (i = 0; i < v.n; i++)
		assert_int_equal(v.reasons[i], want[i]);
}

static void assert_sorted_unique(const struct jr_verdict *v)
{
	size_t k;

	assert_true(v->n <= JR_VERDICT_MAX);
	for (k = 0; k < v->n; k++) {
		assert_non_null(jr_reason_name(v->reasons[k]));
		if (k > 0)
			assert_true(v->reasons[k - 1] < v->reasons[k]);
	}
}

/* Garbage in every field: whatever comes out is sorted, unique, capped. */
static void verdicts_on_garbage_are_sorted_unique_and_capped(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;

	(void)state;
	jr_policy_default(&p);
	for (i = 0; i < 2000; i++) {
		jr_test_fill((uint8_t *)&r, sizeof r, (uint32_t)i);
		if (i % 2) {
			valid_reg(&r);
			jr_test_fill((uint8_t *)&r + i % (sizeof r - 3), 3, (uint32_t)i);
		}
		(void)check(&p, &r, &v);
		assert_sorted_unique(&v);
		(void)jr_rules_check_public(&p, &r, TODAY, &v);
		assert_sorted_unique(&v);
	}
}

static void null_arguments_are_refused(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	assert_int_equal(jr_rules_check(NULL, &r, TODAY, &v), JR_EINVAL);
	assert_int_equal(jr_rules_check(&p, NULL, TODAY, &v), JR_EINVAL);
	assert_int_equal(jr_rules_check(&p, &r, TODAY, NULL), JR_EINVAL);
	assert_int_equal(jr_rules_check_public(NULL, &r, TODAY, &v), JR_EINVAL);
	assert_int_equal(jr_rules_check_public(&p, NULL, TODAY, &v), JR_EINVAL);
	assert_int_equal(v.n, 0);
}

/* ---- the public check ---- */

static void wipe_personal(struct jr_registration *r)
{
	memset(r->nik, 0, sizeof r->nik);
	memset(r->name, 0, sizeof r->name);
	memset(r->phone, 0, sizeof r->phone);
	memset(r->address, 0, sizeof r->address);
	r->birth = 0;
}

static void public_check_ignores_the_sealed_fields(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;

	(void)state;
	jr_policy_default(&p);
	valid_reg(&r);
	wipe_personal(&r);
	assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_OK);
	assert_int_equal(v.n, 0);
}

static void m_year_future(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth_year = 2025; }
static void m_year_2007(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth_year = 2007; }
static void m_year_1958(struct jr_registration *r, struct jr_policy *p) { (void)p; r->birth_year = 1958; }

static const struct rcase public_cases[] = {
	{ "sex 0", m_no_sex, { R(MISSING_SEX) } },
	{ "birth year 0", m_year_zero, { R(MISSING_BIRTH) } },
	{ "village 0", m_no_village, { R(MISSING_VILLAGE) } },
	{ "occupation 0", m_no_occ, { R(MISSING_OCCUPATION) } },
	{ "income 0", m_no_income, { R(MISSING_INCOME) } },
	{ "consent 0", m_no_consent, { R(MISSING_CONSENT) } },
	{ "birth year 2025", m_year_future, { R(BIRTH_INVALID) } },
	{ "village 33.28.01.9999", m_village_unknown, { R(VILLAGE_UNKNOWN) } },
	{ "consent 2", m_consent_2, { R(CONSENT_OUTDATED) } },
	{ "occupation 99", m_occ_99, { R(OCCUPATION_UNKNOWN) } },
	{ "income 7", m_income_7, { R(INCOME_UNKNOWN) } },
	{ "born 2007: 16 or 17", m_year_2007, { R(TOO_YOUNG) } },
	{ "born 1958: 65 or 66", m_year_1958, { R(TOO_OLD) } },
	{ "income Rp2-3 million", m_income_2m, { R(INCOME_OVER_CEILING) } },
	{ "farmers not covered", m_occ_excluded, { R(OCCUPATION_NOT_ELIGIBLE) } },
	{ "policy for Kota Tegal only", m_kota_only, { R(REGION_NOT_COVERED) } },
};

static void public_check_finds_each_readable_reason(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof public_cases / sizeof public_cases[0]; i++) {
		jr_policy_default(&p);
		valid_reg(&r);
		wipe_personal(&r);
		public_cases[i].mut(&r, &p);
		assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_ERULE);
		expect(&v, public_cases[i].want, public_cases[i].what);
	}
}

/* Born in 2006 or 1959 someone may or may not be within 18..64 in 2024:
 * the public check gives them the benefit of the doubt. */
static void public_check_never_refuses_what_the_full_check_accepts(void **state)
{
	struct jr_policy p;
	struct jr_registration r;
	struct jr_verdict v;
	uint32_t y, md;
	static const uint32_t days[] = { 101, 229, 315, 609, 610, 611, 1231 };
	size_t i;

	(void)state;
	jr_policy_default(&p);
	for (y = 1955; y <= 2010; y++) {
		for (i = 0; i < sizeof days / sizeof days[0]; i++) {
			md = days[i];
			if (!jr_date_valid(y * 10000 + md))
				continue;
			valid_reg(&r);
			set_birth(&r, y * 10000 + md);
			if (check(&p, &r, &v) != JR_OK)
				continue;
			assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_OK);
		}
	}
	valid_reg(&r);
	r.birth_year = 2006;
	assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_OK);
	r.birth_year = 1959;
	assert_int_equal(jr_rules_check_public(&p, &r, TODAY, &v), JR_OK);
}

/* ---- reason names and words ---- */

static bool no_control_chars(const char *s)
{
	const uint8_t *b = (const uint8_t *)s;

	for (; *b; b++)
		if (*b < 0x20 || *b == 0x7f)
			return false;
	return true;
}

static void every_reason_has_a_name_a_class_and_words_in_both_languages(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < N_REASONS; i++) {
		enum jr_reason r = all_reasons[i];
		const char *name = jr_reason_name(r);
		const char *id = jr_reason_message(r, JR_LANG_ID);
		const char *en = jr_reason_message(r, JR_LANG_EN);
		const char *c;

		assert_non_null(name);
		for (c = name; *c; c++)
			assert_true((*c >= 'A' && *c <= 'Z') || *c == '_');
		assert_int_equal(jr_reason_class(r), (int)r / 100);
		assert_non_null(id);
		assert_non_null(en);
		assert_true(strlen(id) > 20 && strlen(en) > 20);
		assert_string_not_equal(id, en);
		assert_true(no_control_chars(id) && no_control_chars(en));
		assert_int_equal(id[strlen(id) - 1], '.');
		assert_int_equal(en[strlen(en) - 1], '.');
		for (j = 0; j < i; j++) {
			assert_string_not_equal(name, jr_reason_name(all_reasons[j]));
			assert_string_not_equal(id, jr_reason_message(all_reasons[j], JR_LANG_ID));
			assert_string_not_equal(en, jr_reason_message(all_reasons[j], JR_LANG_EN));
		}
	}
	assert_string_equal(jr_reason_name(JR_R_NIK_LENGTH), "NIK_LENGTH");
	assert_string_equal(jr_reason_message(JR_R_NIK_LENGTH, JR_LANG_ID),
		"NIK harus 16 angka. Periksa lagi KTP Anda.");
	assert_string_equal(jr_reason_message(JR_R_NIK_LENGTH, JR_LANG_EN),
		"The NIK must be 16 digits. Check your ID card again.");
}

static void unknown_codes_have_no_name_and_a_generic_message(void **state)
{
	static const int bad[] = { 1, 100, 110, 200, 219, 300, 306, 400, 404, 999, -1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		enum jr_reason r = (enum jr_reason)bad[i];

		assert_null(jr_reason_name(r));
		assert_int_equal(jr_reason_class(r), 0);
		assert_true(strlen(jr_reason_message(r, JR_LANG_ID)) > 0);
		assert_true(strlen(jr_reason_message(r, JR_LANG_EN)) > 0);
		assert_string_not_equal(jr_reason_message(r, JR_LANG_ID),
			jr_reason_message(r, JR_LANG_EN));
	}
	assert_string_equal(jr_reason_name(JR_R_NONE), "NONE");
	assert_int_equal(jr_reason_class(JR_R_NONE), 0);
	/* An unknown language falls back to Bahasa Indonesia. */
	assert_string_equal(jr_reason_message(JR_R_NIK_LENGTH, (enum jr_lang)7),
		jr_reason_message(JR_R_NIK_LENGTH, JR_LANG_ID));
}

static void docs_list_every_reason_with_the_same_words(void **state)
{
	char *doc = jr_test_read_source("docs/rules.md", NULL);
	char row[64];
	size_t i;

	(void)state;
	for (i = 0; i < N_REASONS; i++) {
		enum jr_reason r = all_reasons[i];
		int n = snprintf(row, sizeof row, "| %d | `%s` |", (int)r, jr_reason_name(r));

		assert_true(n > 0 && (size_t)n < sizeof row);
		if (strstr(doc, row) == NULL)
			fail_msg("docs/rules.md has no row \"%s\"", row);
		if (strstr(doc, jr_reason_message(r, JR_LANG_ID)) == NULL ||
		    strstr(doc, jr_reason_message(r, JR_LANG_EN)) == NULL)
			fail_msg("docs/rules.md lacks the words of %s", jr_reason_name(r));
	}
	free(doc);
}

/* ---- phone numbers ---- */

static void phone_normalise_accepts_what_people_type(void **state)
{
	static const char *const in[][2] = {
		{ "+62 812-3456-7890", "081234567890" },
		{ "6281234567890", "081234567890" },
		{ "0812 3456 7890", "081234567890" },
		{ "0812-3456-789", "08123456789" },
		{ "(0812) 3456.7890", "081234567890" },
		{ "  0812345678  ", "0812345678" },
		{ "0812345678901", "0812345678901" },
		{ "", "" },
		{ "   ", "" },
	};
	char out[JR_PHONE_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof in / sizeof in[0]; i++) {
		assert_int_equal(jr_phone_normalise(in[i][0], out), JR_OK);
		assert_string_equal(out, in[i][1]);
	}
}

static void phone_normalise_refuses_letters_and_wrong_lengths(void **state)
{
	static const char *const bad[] = {
		"0812abc7890", "O812345678", "phone", "+6281234567", "081234567",
		"08123456789012", "+62 812 3456 7890 12", "0712345678", "0212345678",
		"+63 812 3456 7890", "+1 812 3456 7890", "628", "+62", "+", "++6281234567890",
		"0812+34567890", "6208123456789", "+620812345678", "812345678901",
		"0812_3456_7890", "0812/3456/7890", "0812\t3456789", "\331\240812345678",
		"081234567890123456789012345678901234567890123456789012345678901234567890",
	};
	char out[JR_PHONE_MAX + 1];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(out, "xxxxxxxxxxxxxxx", JR_PHONE_MAX + 1);
		if (jr_phone_normalise(bad[i], out) == JR_OK)
			fail_msg("accepted phone case %zu", i);
		assert_string_equal(out, "");
	}
	assert_int_equal(jr_phone_normalise(NULL, out), JR_EINVAL);
}

/* ---- occupations and income brackets ---- */

static void every_occupation_has_a_stable_unique_key(void **state)
{
	int o, k;

	(void)state;
	assert_string_equal(jr_occupation_key(JR_OCC_FARMER), "farmer");
	assert_string_equal(jr_occupation_key(JR_OCC_OTHER_INFORMAL), "other_informal");
	for (o = 1; o < JR_OCC_COUNT; o++) {
		const char *key = jr_occupation_key((enum jr_occupation)o), *c;

		assert_non_null(key);
		for (c = key; *c; c++)
			assert_true((*c >= 'a' && *c <= 'z') || *c == '_');
		for (k = 1; k < o; k++)
			assert_string_not_equal(key, jr_occupation_key((enum jr_occupation)k));
	}
	assert_null(jr_occupation_key((enum jr_occupation)0));
	assert_null(jr_occupation_key(JR_OCC_COUNT));
	assert_null(jr_occupation_key((enum jr_occupation)-1));
}

static void income_brackets_are_contiguous_from_0_up(void **state)
{
	uint64_t lo, hi, prev_hi = 0;
	int b;

	(void)state;
	for (b = 1; b < JR_INCOME_COUNT; b++) {
		assert_true(jr_income_bounds((enum jr_income)b, &lo, &hi));
		assert_int_equal(lo, prev_hi);
		assert_true(hi > lo);
		prev_hi = hi;
	}
	assert_int_equal(prev_hi, UINT64_MAX);
	assert_true(jr_income_bounds(JR_INCOME_1M5_2M, &lo, &hi));
	assert_int_equal(lo, 1500000);
	assert_int_equal(hi, 2000000);
	lo = hi = 5;
	assert_false(jr_income_bounds((enum jr_income)0, &lo, &hi));
	assert_int_equal(lo, 0);
	assert_int_equal(hi, 0);
	assert_false(jr_income_bounds(JR_INCOME_COUNT, &lo, &hi));
	assert_false(jr_income_bounds((enum jr_income)-3, NULL, NULL));
}

/* ---- the policy record ---- */

static void default_policy_has_the_programmes_values(void **state)
{
	struct jr_policy p;

	(void)state;
	jr_policy_default(&p);
	assert_int_equal(p.version, 1);
	assert_int_equal(p.min_age, 18);
	assert_int_equal(p.max_age, 64);
	assert_int_equal(p.income_ceiling_rp, 2000000);
	assert_int_equal(p.n_regencies, 2);
	assert_int_equal(p.regencies[0], 3328);
	assert_int_equal(p.regencies[1], 3376);
	assert_int_equal(p.occupations, 0x3ffe);
	assert_int_equal(p.contribution_rp, 16800);
	assert_int_equal(p.consent_version, 1);
}

/* The hex block after the marker in docs/rules.md. */
static size_t doc_example(uint8_t *out, size_t max)
{
	char *doc = jr_test_read_source("docs/rules.md", NULL);
	char *start = strstr(doc, "<!-- policy-default-hex");
	char *end;
	size_t n;

	assert_non_null(start);
	start = strstr(start, "```\n");
	assert_non_null(start);
	start += 4;
	end = strstr(start, "```");
	assert_non_null(end);
	*end = '\0';
	n = jr_test_unhex(start, out, max);
	free(doc);
	return n;
}

static void default_policy_encodes_to_the_example_in_the_docs(void **state)
{
	struct jr_policy p, q;
	struct jr_buf b;
	uint8_t want[64];
	size_t n = doc_example(want, sizeof want);
	struct jr_errbuf eb = { 0 };

	(void)state;
	jr_policy_default(&p);
	assert_int_equal(jr_policy_encode(&p, &b), JR_OK);
	assert_int_equal(n, 32);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.base, want, n);
	assert_int_equal(jr_policy_decode(want, n, &q, &eb), JR_OK);
	assert_memory_equal(&p, &q, sizeof p);
	jr_buf_free(&b);
}

static void other_policies_round_trip(void **state)
{
	struct jr_policy p, q;
	struct jr_buf b;

	(void)state;
	memset(&p, 0, sizeof p);
	p.version = 0xffffffffu;
	p.min_age = 0;
	p.max_age = 255;
	p.income_ceiling_rp = UINT64_MAX;
	p.n_regencies = 1;
	p.regencies[0] = 3376;
	p.occupations = 1u << JR_OCC_FISHER;
	p.contribution_rp = 0xffffffffu;
	p.consent_version = 0xffff;
	assert_int_equal(jr_policy_encode(&p, &b), JR_OK);
	assert_int_equal(jr_policy_decode(b.base, b.len, &q, NULL), JR_OK);
	assert_memory_equal(&p, &q, sizeof p);
	jr_buf_free(&b);
	p.min_age = p.max_age = 40;
	p.income_ceiling_rp = 0;
	assert_int_equal(jr_policy_encode(&p, &b), JR_OK);
	assert_int_equal(jr_policy_decode(b.base, b.len, &q, NULL), JR_OK);
	assert_memory_equal(&p, &q, sizeof p);
	jr_buf_free(&b);
}

static void encode_refuses_a_policy_decode_would_refuse(void **state)
{
	struct jr_policy p;
	struct jr_buf b;
	int i;

	(void)state;
	for (i = 0; i < 9; i++) {
		jr_policy_default(&p);
		switch (i) {
		case 0: p.version = 0; break;
		case 1: p.min_age = 65; break;
		case 2: p.n_regencies = 0; break;
		case 3: p.n_regencies = JR_POLICY_MAX_REGENCIES + 1; break;
		case 4: p.regencies[1] = 3329; break;
		case 5: p.regencies[1] = 3328; break;
		case 6: p.occupations = 1u; break;
		case 7: p.contribution_rp = 0; break;
		default: p.consent_version = 0; break;
		}
		b.base = (uint8_t *)&p;
		b.len = 1;
		assert_int_equal(jr_policy_encode(&p, &b), JR_EINVAL);
		assert_null(b.base);
		assert_int_equal(b.len, 0);
	}
	assert_int_equal(jr_policy_encode(NULL, &b), JR_EINVAL);
	assert_int_equal(jr_policy_encode(&p, NULL), JR_EINVAL);
}

struct dcase {
	const char *what;
	const char *hex;
	int rc;
};

#define HEAD "a8 0001 0112 021840 031a001e8480"
#define REGS "04 82 190d00 190d30"
#define TAIL "05193ffe 061941a0 0701"

static const struct dcase dcases[] = {
	{ "version 0", "a8 0000 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "version as text", "a8 006131 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "version 2^32", "a8 001b0000000100000000 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "version not shortest", "a8 001801 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "min age above max age", "a8 0001 011841 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "max age 256", "a8 0001 0112 02190100 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "negative min age", "a8 0001 0120 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "ceiling as bytes", "a8 0001 0112 021840 0341ff " REGS " " TAIL, JR_EFORMAT },
	{ "ceiling as float", "a8 0001 0112 021840 03f93c00 " REGS " " TAIL, JR_EFORMAT },
	{ "regency 3329 not in the table", HEAD " 04 82 190d00 190d01 " TAIL, JR_EFORMAT },
	{ "district as regency", HEAD " 04 82 190d00 1a00051401 " TAIL, JR_EFORMAT },
	{ "province as regency", HEAD " 04 81 1821 " TAIL, JR_EFORMAT },
	{ "regencies descending", HEAD " 04 82 190d30 190d00 " TAIL, JR_EFORMAT },
	{ "regency twice", HEAD " 04 82 190d00 190d00 " TAIL, JR_EFORMAT },
	{ "no regencies", HEAD " 04 80 " TAIL, JR_EFORMAT },
	{ "9 regencies", HEAD " 04 89 190d00 190d00 190d00 190d00 190d00 190d00 190d00 190d00 190d00 " TAIL, JR_ETOOBIG },
	{ "regencies not an array", HEAD " 04 190d00 " TAIL, JR_EFORMAT },
	{ "regency as text", HEAD " 04 81 6433333238 " TAIL, JR_EFORMAT },
	{ "regency array count too big", HEAD " 04 83 190d00 190d30 " TAIL, JR_EFORMAT },
	{ "no occupations", HEAD " " REGS " 0500 061941a0 0701", JR_EFORMAT },
	{ "occupation bit 0", HEAD " " REGS " 05193fff 061941a0 0701", JR_EFORMAT },
	{ "occupation bit 14", HEAD " " REGS " 05197ffe 061941a0 0701", JR_EFORMAT },
	{ "occupations 2^32", HEAD " " REGS " 051b0000000100000002 061941a0 0701", JR_EFORMAT },
	{ "contribution 0", HEAD " " REGS " 05193ffe 0600 0701", JR_EFORMAT },
	{ "contribution 2^32", HEAD " " REGS " 05193ffe 061b0000000100000000 0701", JR_EFORMAT },
	{ "consent 0", HEAD " " REGS " 05193ffe 061941a0 0700", JR_EFORMAT },
	{ "consent 65536", HEAD " " REGS " 05193ffe 061941a0 071a00010000", JR_EFORMAT },
	{ "consent as bool", HEAD " " REGS " 05193ffe 061941a0 07f5", JR_EFORMAT },
	{ "7 keys, no consent", "a7 0001 0112 021840 031a001e8480 " REGS " 05193ffe 061941a0", JR_EFORMAT },
	{ "9 keys, extra key 8", "a9 0001 0112 021840 031a001e8480 " REGS " " TAIL " 0800", JR_EFORMAT },
	{ "key 3 missing", "a7 0001 0112 021840 " REGS " " TAIL, JR_EFORMAT },
	{ "key 2 twice", "a8 0001 0112 021840 021840 " REGS " " TAIL, JR_EFORMAT },
	{ "keys 6 and 7 swapped", HEAD " " REGS " 05193ffe 0701 061941a0", JR_EFORMAT },
	{ "text key", "a8 6130 01 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "array, not map", "90 0001 0112 021840 031a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "indefinite map", "bf 0001 0112 021840 031a001e8480 " REGS " " TAIL " ff", JR_EFORMAT },
	{ "indefinite regency array", HEAD " 04 9f 190d00 190d30 ff " TAIL, JR_EFORMAT },
	{ "tagged ceiling", "a8 0001 0112 021840 03c21a001e8480 " REGS " " TAIL, JR_EFORMAT },
	{ "trailing byte", HEAD " " REGS " " TAIL " 00", JR_EFORMAT },
	{ "two policies", HEAD " " REGS " " TAIL " " HEAD " " REGS " " TAIL, JR_EFORMAT },
	{ "empty map", "a0", JR_EFORMAT },
	{ "a bare integer", "01", JR_EFORMAT },
};

static void decode_refuses_every_malformed_or_unreasonable_policy(void **state)
{
	uint8_t b[300];
	struct jr_policy p;
	struct jr_errbuf eb;
	size_t i, n;

	(void)state;
	/* The pieces make a good policy when put together right. */
	n = jr_test_unhex(HEAD " " REGS " " TAIL, b, sizeof b);
	assert_int_equal(jr_policy_decode(b, n, &p, NULL), JR_OK);
	for (i = 0; i < sizeof dcases / sizeof dcases[0]; i++) {
		n = jr_test_unhex(dcases[i].hex, b, sizeof b);
		memset(&p, 0x5a, sizeof p);
		jr_errclear(&eb);
		if (jr_policy_decode(b, n, &p, &eb) != dcases[i].rc)
			fail_msg("%s: not refused with %s", dcases[i].what,
				jr_strerror(dcases[i].rc));
		assert_true(eb.msg[0] != '\0');
		assert_non_null(strstr(eb.msg, "policy"));
		assert_true(p.version == 0 && p.n_regencies == 0 &&
			p.contribution_rp == 0 && p.occupations == 0);
	}
}

static void decode_refuses_every_truncation_and_every_bit_flip_it_cannot_accept(void **state)
{
	struct jr_policy p, q;
	struct jr_buf b;
	size_t i, bit, accepted = 0;

	(void)state;
	jr_policy_default(&p);
	assert_int_equal(jr_policy_encode(&p, &b), JR_OK);
	for (i = 0; i < b.len; i++) {
		assert_int_not_equal(jr_policy_decode(b.base, i, &q, NULL), JR_OK);
		assert_int_equal(q.version, 0);
	}
	/* A flipped bit either breaks the record or yields a different valid
	 * policy that re-encodes to exactly the flipped bytes. */
	for (i = 0; i < b.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			struct jr_buf c;

			b.base[i] ^= (uint8_t)(1u << bit);
			if (jr_policy_decode(b.base, b.len, &q, NULL) == JR_OK) {
				accepted++;
				assert_memory_not_equal(&p, &q, sizeof p);
				assert_int_equal(jr_policy_encode(&q, &c), JR_OK);
				assert_int_equal(c.len, b.len);
				assert_memory_equal(c.base, b.base, b.len);
				jr_buf_free(&c);
			}
			b.base[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_true(accepted < b.len * 8 / 2);
	jr_buf_free(&b);
}

static void decode_refuses_oversized_and_missing_input(void **state)
{
	uint8_t big[257];
	struct jr_policy p;
	struct jr_errbuf eb = { 0 };

	(void)state;
	memset(big, 0, sizeof big);
	assert_int_equal(jr_policy_decode(big, sizeof big, &p, &eb), JR_ETOOBIG);
	assert_int_not_equal(jr_policy_decode(NULL, 0, &p, NULL), JR_OK);
	assert_int_not_equal(jr_policy_decode(big, 0, &p, NULL), JR_OK);
	assert_int_equal(jr_policy_decode(big, 1, NULL, NULL), JR_EINVAL);
}

/* ---- Table 1 ---- */

static uint64_t field_u64(const char **s)
{
	uint64_t v = 0;

	assert_true(**s >= '0' && **s <= '9');
	while (**s >= '0' && **s <= '9') {
		assert_true(v <= (UINT64_MAX - 9) / 10);
		v = v * 10 + (uint64_t)(*(*s)++ - '0');
	}
	return v;
}

static void skip_field(const char **s)
{
	while (**s != ',' && **s != '\0' && **s != '\n')
		(*s)++;
	assert_int_equal(**s, ',');
	(*s)++;
}

static void expect_comma(const char **s)
{
	assert_int_equal(**s, ',');
	(*s)++;
}

/* no,sponsor_type,workers,months,contribution_rp; the last row is the total. */
static void default_contribution_reproduces_every_row_of_table_1(void **state)
{
	char *csv = jr_test_read_source("assets/reference/table1-bantuan-iuran-2024.csv", NULL);
	const char *s = csv;
	struct jr_policy p;
	uint64_t sum_workers = 0, sum_rp = 0, rows = 0;
	bool total_seen = false;

	(void)state;
	jr_policy_default(&p);
	assert_true(strncmp(s, "no,sponsor_type,workers,months,contribution_rp\n", 47) == 0);
	s += 47;
	while (*s != '\0') {
		bool total = strncmp(s, "total,", 6) == 0;
		uint64_t workers, months, rp;

		skip_field(&s);
		skip_field(&s);
		workers = field_u64(&s);
		expect_comma(&s);
		months = field_u64(&s);
		expect_comma(&s);
		rp = field_u64(&s);
		if (*s == '\r')
			s++;
		assert_true(*s == '\n' || *s == '\0');
		if (*s == '\n')
			s++;
		if (total) {
			assert_int_equal(workers, sum_workers);
			assert_int_equal(rp, sum_rp);
			assert_int_equal(rp, 1424102400);
			assert_int_equal(workers, 10648);
			total_seen = true;
			continue;
		}
		assert_false(total_seen);
		assert_int_equal(rp, workers * months * p.contribution_rp);
		sum_workers += workers;
		sum_rp += rp;
		rows++;
	}
	assert_true(total_seen);
	assert_int_equal(rows, 4);
	free(csv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_complete_valid_registration_passes),
		cmocka_unit_test(valid_variants_pass),
		cmocka_unit_test(age_is_taken_at_the_records_date_or_today_when_it_has_none),
		cmocka_unit_test(each_reason_comes_from_exactly_the_change_that_causes_it),
		cmocka_unit_test(limits_are_inclusive),
		cmocka_unit_test(many_reasons_are_all_collected_in_ascending_order),
		cmocka_unit_test(an_empty_registration_is_missing_everything),
		cmocka_unit_test(verdicts_on_garbage_are_sorted_unique_and_capped),
		cmocka_unit_test(null_arguments_are_refused),
		cmocka_unit_test(public_check_ignores_the_sealed_fields),
		cmocka_unit_test(public_check_finds_each_readable_reason),
		cmocka_unit_test(public_check_never_refuses_what_the_full_check_accepts),
		cmocka_unit_test(every_reason_has_a_name_a_class_and_words_in_both_languages),
		cmocka_unit_test(unknown_codes_have_no_name_and_a_generic_message),
		cmocka_unit_test(docs_list_every_reason_with_the_same_words),
		cmocka_unit_test(phone_normalise_accepts_what_people_type),
		cmocka_unit_test(phone_normalise_refuses_letters_and_wrong_lengths),
		cmocka_unit_test(every_occupation_has_a_stable_unique_key),
		cmocka_unit_test(income_brackets_are_contiguous_from_0_up),
		cmocka_unit_test(default_policy_has_the_programmes_values),
		cmocka_unit_test(default_policy_encodes_to_the_example_in_the_docs),
		cmocka_unit_test(other_policies_round_trip),
		cmocka_unit_test(encode_refuses_a_policy_decode_would_refuse),
		cmocka_unit_test(decode_refuses_every_malformed_or_unreasonable_policy),
		cmocka_unit_test(decode_refuses_every_truncation_and_every_bit_flip_it_cannot_accept),
		cmocka_unit_test(decode_refuses_oversized_and_missing_input),
		cmocka_unit_test(default_contribution_reproduces_every_row_of_table_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
