/*
 * jaring/record.h — the BPU registration record.
 *
 * Wire form (docs/formats.md "Registration record"), canonical CBOR map:
 *    0 version          uint (1)
 *    1 kiosk id         bstr 16
 *    2 time             uint, Unix seconds claimed by the kiosk
 *    3 village          uint, e.g. 3328012001
 *    4 occupation       uint, enum jr_occupation
 *    5 income bracket   uint, enum jr_income
 *    6 sex              uint, enum jr_sex
 *    7 birth year       uint
 *    8 consent version  uint
 *    9 corrects         bstr 16, registration id of the record this one
 *                       corrects (only present on corrections)
 *   10 sealed           array [epoch pk bstr 32, nonce bstr 24, ct bstr]
 * The AEAD's associated data is the canonical encoding of the map with keys
 * 0..9 only (the readable fields), so no readable field can be swapped under
 * a ciphertext. The plaintext is a canonical CBOR map:
 *    0 NIK text 16 digits, 1 full name text, 2 birth date uint YYYYMMDD,
 *    3 phone text (may be empty), 4 address line text
 *
 * Registration id = BLAKE2b-128(personal "jaring/regid/v1", record bytes).
 */
#ifndef JARING_RECORD_H
#define JARING_RECORD_H

#include "common.h"
#include "nik.h"
#include "seal.h"

#define JR_RECORD_VERSION 1
#define JR_NAME_MAX 80     /* bytes of UTF-8 */
#define JR_ADDRESS_MAX 160 /* bytes of UTF-8 */
#define JR_PHONE_MAX 15    /* digits, "08…" */
#define JR_RECORD_MAX_BYTES 1024

enum jr_occupation {
	JR_OCC_FARMER = 1,           /* petani */
	JR_OCC_FISHER = 2,           /* nelayan */
	JR_OCC_STREET_VENDOR = 3,    /* pedagang kaki lima */
	JR_OCC_OJEK_DRIVER = 4,      /* pengemudi ojek */
	JR_OCC_DAY_LABOURER = 5,     /* buruh harian lepas */
	JR_OCC_HOME_WORKER = 6,      /* pekerja rumahan */
	JR_OCC_CRAFTSPERSON = 7,     /* perajin */
	JR_OCC_CONSTRUCTION = 8,     /* buruh bangunan */
	JR_OCC_FARM_LABOURER = 9,    /* buruh tani */
	JR_OCC_DOMESTIC_WORKER = 10, /* pekerja rumah tangga */
	JR_OCC_WASTE_PICKER = 11,    /* pemulung */
	JR_OCC_PORTER = 12,          /* buruh angkut / kuli pasar */
	JR_OCC_OTHER_INFORMAL = 13,  /* pekerjaan informal lain */
	JR_OCC_COUNT = 14
};

/* Monthly income brackets, rupiah. */
enum jr_income {
	JR_INCOME_UNDER_500K = 1, /*         0 –   499,999 */
	JR_INCOME_500K_1M = 2,    /*   500,000 –   999,999 */
	JR_INCOME_1M_1M5 = 3,     /* 1,000,000 – 1,499,999 */
	JR_INCOME_1M5_2M = 4,     /* 1,500,000 – 1,999,999 */
	JR_INCOME_2M_3M = 5,      /* 2,000,000 – 2,999,999 */
	JR_INCOME_3M_PLUS = 6,    /* 3,000,000 and more */
	JR_INCOME_COUNT = 7
};

/* Stable ASCII key for an occupation ("farmer"); NULL if out of range. */
JR_API const char *jr_occupation_key(enum jr_occupation o);
/* Lowest rupiah of a bracket and the first rupiah above it (UINT64_MAX for
 * the open top bracket). false if out of range. */
JR_API bool jr_income_bounds(enum jr_income b, uint64_t *lo, uint64_t *hi_excl);

struct jr_registration {
	/* readable, signed */
	uint8_t kiosk_id[JR_ID_BYTES];
	int64_t time;
	uint64_t village;
	enum jr_occupation occupation;
	enum jr_income income;
	enum jr_sex sex;
	uint16_t birth_year;
	uint16_t consent_version;
	bool has_corrects;
	uint8_t corrects[JR_REGID_BYTES];
	/* personal, sealed to the consortium */
	char nik[JR_NIK_LEN + 1];
	char name[JR_NAME_MAX + 1];
	uint32_t birth; /* YYYYMMDD */
	char phone[JR_PHONE_MAX + 1];
	char address[JR_ADDRESS_MAX + 1];
};

/* Wipes the personal fields (sodium_memzero) and everything else. */
JR_API void jr_registration_wipe(struct jr_registration *r);

/* Encodes and seals. regid gets the registration id of the output. */
JR_API int jr_record_encode(const struct jr_registration *r,
	struct jr_seal_epoch *epoch, struct jr_buf *out,
	uint8_t regid[JR_REGID_BYTES], struct jr_errbuf *eb) JR_MUST_CHECK;

/* Strictly decodes the readable fields; personal fields of *out are left
 * empty. The sealed part is checked for shape only. */
JR_API int jr_record_decode(const uint8_t *p, size_t len,
	struct jr_registration *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Decodes and opens the personal fields (centre side). */
JR_API int jr_record_open(const uint8_t *p, size_t len,
	struct jr_seal_opener *opener, struct jr_registration *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

JR_API void jr_record_id(const uint8_t *p, size_t len,
	uint8_t regid[JR_REGID_BYTES]);

/* Masked name for receipts: the first letter of each word kept, the other
 * letters replaced by '*', upper case, at most outlen-1 bytes:
 * "Siti Aminah" -> "S*** A*****". */
JR_API void jr_mask_name(const char *name, char *out, size_t outlen);

#endif
