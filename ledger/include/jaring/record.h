/*
 * jaring/record.h — the BPU registration record, version 2.
 *
 * Wire form (docs/formats.md "Registration record"), canonical CBOR map of
 * exactly three entries; only what the chain, the transport and the
 * ordering need is readable, and they need only the kiosk:
 *    0 version          uint (2)
 *    1 kiosk id         bstr 16
 *    2 sealed           array [epoch pk bstr 32, nonce bstr 24,
 *                       ciphertext bstr JR_RECORD_PT_BYTES + 16]
 * The AEAD's associated data is the canonical encoding of the map without
 * key 2, {0: 2, 1: kiosk id} (21 bytes), so the ciphertext cannot be moved
 * under another kiosk id. Everything about the person is sealed. The
 * plaintext is a canonical CBOR map of 11 or 12 entries, in this order:
 *    0 NIK              text, 16 ASCII digits
 *    1 name             text, 0..JR_NAME_MAX bytes UTF-8, no controls
 *    2 birth date       uint YYYYMMDD, at most 99991231
 *    3 phone            text, 0..JR_PHONE_MAX ASCII digits
 *    4 address          text, 0..JR_ADDRESS_MAX bytes UTF-8, no controls
 *    5 time             uint, Unix seconds claimed by the kiosk, < 2^63
 *    6 village          uint, at most 9999999999
 *    7 occupation       uint 1..13, enum jr_occupation
 *    8 income bracket   uint 1..6, enum jr_income
 *    9 sex              uint 1..2, enum jr_sex
 *   10 consent version  uint, at most 65535
 *   11 corrects         bstr 16, registration id of the record this one
 *                       corrects (present only on corrections)
 * followed by zero bytes up to exactly JR_RECORD_PT_BYTES, so that every
 * record has the same length (JR_RECORD_BYTES) whatever it holds. On open,
 * every byte after the map must be zero (else JR_EFORMAT).
 *
 * The birth year is not in the record: it is the birth date's year. Encode
 * refuses a birth_year other than birth / 10000; open fills it in.
 *
 * Registration id = jr_hash_labelled("jaring/regid/v2", record bytes), a
 * 16-byte BLAKE2b output (common.h).
 */
#ifndef JARING_RECORD_H
#define JARING_RECORD_H

#include "common.h"
#include "nik.h"
#include "seal.h"

#define JR_RECORD_VERSION 2
#define JR_NAME_MAX 80     /* bytes of UTF-8 */
#define JR_ADDRESS_MAX 160 /* bytes of UTF-8 */
#define JR_PHONE_MAX 15    /* digits, "08…" */
/* Upper bound a parser accepts for a record (blocks use it); every version 2
 * record is exactly JR_RECORD_BYTES long. */
#define JR_RECORD_MAX_BYTES 1024
/*
 * The padded plaintext: the largest plaintext map the field bounds allow.
 *   map head (12 entries)                      1
 *   0 NIK     key 1 + head 1 + 16             18
 *   1 name    key 1 + head 2 + 80             83
 *   2 birth   key 1 + uint32 head 5            6
 *   3 phone   key 1 + head 1 + 15             17
 *   4 address key 1 + head 2 + 160           163
 *   5 time    key 1 + uint64 head 9           10
 *   6 village key 1 + uint64 head 9           10  (9999999999 > 2^32)
 *   7,8,9     key 1 + head 1, three times      6
 *  10 consent key 1 + uint16 head 3            4
 *  11 corrects key 1 + head 1 + 16            18
 *                                            ---
 *                                            336
 */
#define JR_RECORD_PT_BYTES 336
/*
 * A record: map head 1, key 0 + version 2, key 1 + bstr head + 16 = 18,
 * key 2 1, array head 1, epoch pk 2 + 32, nonce 2 + 24, ciphertext head 3
 * (0x59 0x01 0x60) + 336 + 16 tag = 438.
 */
#define JR_RECORD_BYTES 438

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
	/* sealed to the consortium: everything below */
	int64_t time;
	uint64_t village;
	enum jr_occupation occupation;
	enum jr_income income;
	enum jr_sex sex;
	uint16_t birth_year; /* = birth / 10000; not on the wire */
	uint16_t consent_version;
	bool has_corrects;
	uint8_t corrects[JR_REGID_BYTES];
	char nik[JR_NIK_LEN + 1];
	char name[JR_NAME_MAX + 1];
	uint32_t birth; /* YYYYMMDD */
	char phone[JR_PHONE_MAX + 1];
	char address[JR_ADDRESS_MAX + 1];
};

/* Wipes the personal fields (sodium_memzero) and everything else. */
JR_API void jr_registration_wipe(struct jr_registration *r);

/* Encodes and seals. regid gets the registration id of the output. The
 * kiosk runs the rules (rules.h) before; this only bounds the fields. */
JR_API int jr_record_encode(const struct jr_registration *r,
	struct jr_seal_epoch *epoch, struct jr_buf *out,
	uint8_t regid[JR_REGID_BYTES], struct jr_errbuf *eb) JR_MUST_CHECK;

/* Strictly decodes the readable fields: only kiosk_id of *out is set, the
 * rest is zero. The sealed part is checked for shape only. */
JR_API int jr_record_decode(const uint8_t *p, size_t len,
	struct jr_registration *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Decodes and opens everything (centre side); fails closed with *out
 * zeroed. */
JR_API int jr_record_open(const uint8_t *p, size_t len,
	struct jr_seal_opener *opener, struct jr_registration *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

JR_API void jr_record_id(const uint8_t *p, size_t len,
	uint8_t regid[JR_REGID_BYTES]);

/*
 * Masked name for receipts: initials only, "Siti Contoh" -> "S. C.".
 *  - Words are the runs of bytes between ASCII whitespace (space, \t, \n,
 *    \v, \f, \r); leading, trailing and repeated whitespace count for
 *    nothing.
 *  - Each word gives one unit: its first code point, then '.'. An ASCII
 *    letter is upper-cased; other printable ASCII is kept; a well-formed
 *    multi-byte UTF-8 code point (RFC 3629: no overlongs, no surrogates) is
 *    kept whole, as it is; a control byte (0x00..0x1f, 0x7f) or a byte that
 *    does not start a well-formed sequence gives '*'. The rest of the word
 *    is not shown, so its length is not either.
 *  - Units are joined by one space. A unit (with its space) is written
 *    only if it fits whole in outlen - 1 bytes; the first that does not fit
 *    ends the output. So the output never ends in a space and never cuts a
 *    code point. Receipts use outlen = JR_MASKED_NAME_MAX + 1 (16 bytes).
 * out is always NUL-terminated (outlen >= 1); NULL name gives "".
 */
JR_API void jr_mask_name(const char *name, char *out, size_t outlen);

#endif
