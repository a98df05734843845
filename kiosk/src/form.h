/*
 * form.h — the registration being filled in, as plain data apart from any
 * drawing. Screens write typed text into the entry buffers; form_check runs
 * the library's own contract rules (rules.h) on what is filled so far and
 * keeps the reasons that belong to one field, so the kiosk accepts exactly
 * what the central nodes accept, with the same messages.
 *
 * form_wipe() zeroes everything (sodium_memzero through
 * jr_registration_wipe): the idle timeout and "done" call it, so the next
 * person never sees the previous one's data.
 */
#ifndef KIOSK_FORM_H
#define KIOSK_FORM_H

#include <stdbool.h>
#include <stdint.h>

#include "jaring/record.h"
#include "jaring/rules.h"

enum kfield {
	KF_NIK, KF_NAME, KF_SEX, KF_BIRTH, KF_VILLAGE, KF_ADDRESS,
	KF_OCCUPATION, KF_INCOME, KF_PHONE, KF_COUNT
};

#define KF_BIT(f) (1u << (f))
#define KFORM_DOB_LEN 8 /* DDMMYYYY */

struct kform {
	bool consent;
	uint32_t filled;                    /* KF_BIT per field accepted */
	char nik[JR_NIK_LEN + 1];
	char name[JR_NAME_MAX + 1];
	enum jr_sex sex;                    /* 0 = not chosen */
	char dob[KFORM_DOB_LEN + 1];        /* digits as typed: DDMMYYYY */
	uint64_t district, village;
	char address[JR_ADDRESS_MAX + 1];
	enum jr_occupation occupation;
	enum jr_income income;
	char phone[JR_PHONE_MAX + 8];       /* as typed; normalised on accept */
	bool no_phone;
	/* came from the review screen's edit button: "next" returns there */
	bool editing;
	/* a correction of a returned registration */
	bool correcting;
	uint8_t corrects[JR_REGID_BYTES];
	uint32_t fix_fields;                /* fields the return reasons name */
	uint32_t ask_fields;                /* fields the correction asks for */
};

void form_wipe(struct kform *f);
/* YYYYMMDD from the typed DDMMYYYY, 0 if incomplete or not a date. */
uint32_t form_birth(const struct kform *f);
/* The registration as filled (readable and personal fields). The caller
 * wipes *r (jr_registration_wipe) after use. */
void form_build(const struct kform *f, const struct jr_policy *p,
	struct jr_registration *r);
/* Reasons (ascending) that the current values give for `field`, with the
 * fields not yet filled ignored. Returns the number of reasons. */
size_t form_check(const struct kform *f, enum kfield field,
	const struct jr_policy *p, uint32_t today, struct jr_verdict *out);
/* Every reason of the whole form (for the review screen). */
size_t form_check_all(const struct kform *f, const struct jr_policy *p,
	uint32_t today, struct jr_verdict *out);
/* The field a reason is about; KF_COUNT when none (consent, centre facts
 * that no correction fixes). */
enum kfield form_reason_field(enum jr_reason r);
/* NIK keypad check as typed: 0 (JR_R_NONE) or the reason the prefix
 * already has. */
enum jr_reason form_nik_prefix_reason(const char *digits, uint32_t today);
/* Reason for a complete NIK (JR_R_NONE if valid). */
enum jr_reason form_nik_reason(enum jr_nik_error e);

#endif
