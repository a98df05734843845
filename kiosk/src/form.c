#include <sodium.h>
#include <string.h>

#include "form.h"
#include "util.h"

void form_wipe(struct kform *f)
{
	sodium_memzero(f, sizeof *f);
}

uint32_t form_birth(const struct kform *f)
{
	uint32_t d = 0;

	if (strlen(f->dob) != KFORM_DOB_LEN)
		return 0;
	for (size_t i = 0; i < KFORM_DOB_LEN; i++) {
		if (f->dob[i] < '0' || f->dob[i] > '9')
			return 0;
	}
	/* DDMMYYYY -> YYYYMMDD */
	d = (uint32_t)(f->dob[4] - '0') * 10000000u + (uint32_t)(f->dob[5] - '0') * 1000000u +
		(uint32_t)(f->dob[6] - '0') * 100000u + (uint32_t)(f->dob[7] - '0') * 10000u +
		(uint32_t)(f->dob[2] - '0') * 1000u + (uint32_t)(f->dob[3] - '0') * 100u +
		(uint32_t)(f->dob[0] - '0') * 10u + (uint32_t)(f->dob[1] - '0');
	return jr_date_valid(d) ? d : 0;
}

static void fill_fields(const struct kform *f, uint32_t fields,
	const struct jr_policy *p, struct jr_registration *r)
{
	uint32_t birth = form_birth(f);

	memset(r, 0, sizeof *r);
	r->consent_version = f->consent ? p->consent_version : 0;
	r->has_corrects = f->correcting;
	if (f->correcting)
		memcpy(r->corrects, f->corrects, sizeof r->corrects);
	if (fields & KF_BIT(KF_NIK))
		kstrlcpy(r->nik, f->nik, sizeof r->nik);
	if (fields & KF_BIT(KF_NAME))
		kstrlcpy(r->name, f->name, sizeof r->name);
	if (fields & KF_BIT(KF_SEX))
		r->sex = f->sex;
	if (fields & KF_BIT(KF_BIRTH)) {
		r->birth = birth;
		r->birth_year = (uint16_t)(birth / 10000);
	}
	if (fields & KF_BIT(KF_VILLAGE))
		r->village = f->village;
	if (fields & KF_BIT(KF_ADDRESS))
		kstrlcpy(r->address, f->address, sizeof r->address);
	if (fields & KF_BIT(KF_OCCUPATION))
		r->occupation = f->occupation;
	if (fields & KF_BIT(KF_INCOME))
		r->income = f->income;
	if ((fields & KF_BIT(KF_PHONE)) && !f->no_phone &&
	    jr_phone_normalise(f->phone, r->phone) != JR_OK)
		kstrlcpy(r->phone, f->phone, sizeof r->phone);
}

void form_build(const struct kform *f, const struct jr_policy *p,
	struct jr_registration *r)
{
	fill_fields(f, f->filled, p, r);
}

enum kfield form_reason_field(enum jr_reason r)
{
	switch (r) {
	case JR_R_MISSING_NIK: case JR_R_NIK_NOT_DIGITS: case JR_R_NIK_LENGTH:
	case JR_R_NIK_PROVINCE: case JR_R_NIK_REGENCY: case JR_R_NIK_DISTRICT:
	case JR_R_NIK_DATE: case JR_R_NIK_SERIAL: case JR_R_ALREADY_REGISTERED:
		return KF_NIK;
	case JR_R_MISSING_NAME: case JR_R_NAME_INVALID:
		return KF_NAME;
	case JR_R_MISSING_SEX: case JR_R_SEX_MISMATCH:
		return KF_SEX;
	case JR_R_MISSING_BIRTH: case JR_R_BIRTH_MISMATCH: case JR_R_BIRTH_INVALID:
	case JR_R_BIRTH_YEAR_MISMATCH: case JR_R_TOO_YOUNG: case JR_R_TOO_OLD:
		return KF_BIRTH;
	case JR_R_MISSING_VILLAGE: case JR_R_VILLAGE_UNKNOWN: case JR_R_REGION_NOT_COVERED:
		return KF_VILLAGE;
	case JR_R_MISSING_ADDRESS: case JR_R_ADDRESS_INVALID:
		return KF_ADDRESS;
	case JR_R_MISSING_OCCUPATION: case JR_R_OCCUPATION_UNKNOWN:
	case JR_R_OCCUPATION_NOT_ELIGIBLE:
		return KF_OCCUPATION;
	case JR_R_MISSING_INCOME: case JR_R_INCOME_UNKNOWN: case JR_R_INCOME_OVER_CEILING:
		return KF_INCOME;
	case JR_R_PHONE_INVALID:
		return KF_PHONE;
	default:
		return KF_COUNT;
	}
}

static size_t check_fields(const struct kform *f, uint32_t fields,
	uint32_t want, const struct jr_policy *p, uint32_t today,
	struct jr_verdict *out)
{
	struct jr_registration r;
	struct jr_verdict v;
	size_t n = 0;

	fill_fields(f, fields, p, &r);
	memset(&v, 0, sizeof v);
	(void)jr_rules_check(p, &r, today, &v);
	jr_registration_wipe(&r);
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < v.n && i < JR_VERDICT_MAX; i++) {
		enum kfield fld = form_reason_field(v.reasons[i]);
		if (fld != KF_COUNT && (want & KF_BIT(fld)))
			out->reasons[n++] = v.reasons[i];
	}
	out->n = n;
	return n;
}

size_t form_check(const struct kform *f, enum kfield field,
	const struct jr_policy *p, uint32_t today, struct jr_verdict *out)
{
	return check_fields(f, f->filled | KF_BIT(field), KF_BIT(field), p, today, out);
}

size_t form_check_all(const struct kform *f, const struct jr_policy *p,
	uint32_t today, struct jr_verdict *out)
{
	return check_fields(f, f->filled, 0xFFFFFFFFu, p, today, out);
}

enum jr_reason form_nik_reason(enum jr_nik_error e)
{
	switch (e) {
	case JR_NIK_OK: return JR_R_NONE;
	case JR_NIK_EMPTY: return JR_R_MISSING_NIK;
	case JR_NIK_NOT_DIGITS: return JR_R_NIK_NOT_DIGITS;
	case JR_NIK_TOO_SHORT: case JR_NIK_TOO_LONG: return JR_R_NIK_LENGTH;
	case JR_NIK_BAD_PROVINCE: return JR_R_NIK_PROVINCE;
	case JR_NIK_BAD_REGENCY: return JR_R_NIK_REGENCY;
	case JR_NIK_BAD_DISTRICT: return JR_R_NIK_DISTRICT;
	case JR_NIK_BAD_DATE: case JR_NIK_FUTURE_DATE: return JR_R_NIK_DATE;
	case JR_NIK_ZERO_SERIAL: return JR_R_NIK_SERIAL;
	}
	return JR_R_NIK_NOT_DIGITS;
}

enum jr_reason form_nik_prefix_reason(const char *digits, uint32_t today)
{
	size_t len = strlen(digits);

	if (len == 0)
		return JR_R_NONE;
	return form_nik_reason(jr_nik_check_prefix(digits, len, today));
}
