/*
 * jaring/rules.h — contract rules v1, the part a kiosk can check on a record
 * alone: completeness (kelengkapan), validity (keabsahan) and eligibility
 * (kelayakan). Pure, deterministic functions of (policy, registration, today):
 * the same code runs on kiosks and on nodes.
 *
 * Reason codes are stable numbers: 1xx completeness, 2xx validity, 3xx
 * eligibility, 4xx centre-only facts (checked by nodes, named here so kiosks
 * can show them). A number, once published, keeps its meaning forever.
 */
#ifndef JARING_RULES_H
#define JARING_RULES_H

#include "common.h"
#include "record.h"

enum jr_lang { JR_LANG_ID = 0, JR_LANG_EN = 1 };

enum jr_reason {
	JR_R_NONE = 0,
	/* completeness */
	JR_R_MISSING_NIK = 101,
	JR_R_MISSING_NAME = 102,
	JR_R_MISSING_SEX = 103,
	JR_R_MISSING_BIRTH = 104,
	JR_R_MISSING_VILLAGE = 105,
	JR_R_MISSING_OCCUPATION = 106,
	JR_R_MISSING_INCOME = 107,
	JR_R_MISSING_ADDRESS = 108,
	JR_R_MISSING_CONSENT = 109,
	/* validity */
	JR_R_NIK_NOT_DIGITS = 201,
	JR_R_NIK_LENGTH = 202,
	JR_R_NIK_PROVINCE = 203,
	JR_R_NIK_REGENCY = 204,
	JR_R_NIK_DISTRICT = 205,
	JR_R_NIK_DATE = 206,
	JR_R_NIK_SERIAL = 207,
	JR_R_BIRTH_MISMATCH = 208, /* birth date differs from the NIK's */
	JR_R_SEX_MISMATCH = 209,   /* sex differs from the NIK's */
	JR_R_BIRTH_INVALID = 210,
	JR_R_NAME_INVALID = 211,   /* too long, digits, control characters */
	JR_R_VILLAGE_UNKNOWN = 212,
	JR_R_PHONE_INVALID = 213,
	JR_R_ADDRESS_INVALID = 214,
	JR_R_CONSENT_OUTDATED = 215,
	JR_R_OCCUPATION_UNKNOWN = 216,
	JR_R_INCOME_UNKNOWN = 217,
	JR_R_BIRTH_YEAR_MISMATCH = 218, /* readable birth year != sealed date */
	/* eligibility */
	JR_R_TOO_YOUNG = 301,
	JR_R_TOO_OLD = 302,
	JR_R_INCOME_OVER_CEILING = 303,
	JR_R_OCCUPATION_NOT_ELIGIBLE = 304,
	JR_R_REGION_NOT_COVERED = 305,
	/* centre-only */
	JR_R_ALREADY_REGISTERED = 401,
	JR_R_WAGE_EARNER = 402,
	JR_R_NOT_IN_DTKS = 403 /* the policy requires a DTKS match; none found */
};

#define JR_VERDICT_MAX 16
#define JR_POLICY_MAX_REGENCIES 8

struct jr_verdict {
	size_t n;
	enum jr_reason reasons[JR_VERDICT_MAX]; /* in ascending code order */
};

struct jr_policy {
	uint32_t version;
	uint8_t min_age;           /* inclusive, whole years at the record's date */
	uint8_t max_age;           /* inclusive */
	uint64_t income_ceiling_rp; /* a bracket is eligible if all of it is below */
	size_t n_regencies;
	uint64_t regencies[JR_POLICY_MAX_REGENCIES]; /* e.g. 3328, 3376 */
	uint32_t occupations;      /* bit (1u << jr_occupation) set = eligible */
	uint32_t contribution_rp;  /* per worker per month: 16,800 */
	uint16_t consent_version;  /* the consent text a record must carry */
};

/* Policy v1 for Kab. and Kota Tegal: ages 18..64, income ceiling
 * Rp2,000,000, both regencies, every occupation of record.h, Rp16,800,
 * consent version 1. */
JR_API void jr_policy_default(struct jr_policy *p);
JR_API int jr_policy_encode(const struct jr_policy *p, struct jr_buf *out)
	JR_MUST_CHECK;
JR_API int jr_policy_decode(const uint8_t *b, size_t len, struct jr_policy *p,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Checks a plain (unsealed) registration. today is YYYYMMDD. Returns JR_OK
 * or JR_ERULE with every reason found in *v. */
JR_API int jr_rules_check(const struct jr_policy *p,
	const struct jr_registration *r, uint32_t today, struct jr_verdict *v);

/* The same, on the readable fields only (what a node can check before
 * decrypting; also what an auditor can check). */
JR_API int jr_rules_check_public(const struct jr_policy *p,
	const struct jr_registration *r, uint32_t today, struct jr_verdict *v);

/* "NIK_DISTRICT"; NULL for an unknown code. */
JR_API const char *jr_reason_name(enum jr_reason r);
/* A sentence for the worker: what is wrong and what to do. Never NULL. */
JR_API const char *jr_reason_message(enum jr_reason r, enum jr_lang lang);
/* 1 completeness, 2 validity, 3 eligibility, 4 centre. */
JR_API int jr_reason_class(enum jr_reason r);

/* Normalises a phone number typed by a person ("+62 812-3456-789",
 * "0812 3456 789") to "08…" digits. Empty input gives "" and JR_OK. */
JR_API int jr_phone_normalise(const char *in, char out[JR_PHONE_MAX + 1])
	JR_MUST_CHECK;

#endif
