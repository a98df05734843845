/*
 * jaring/receipt.h — the signed QR receipt a worker takes home.
 *
 * Payload (docs/formats.md "Receipt"): canonical CBOR [body bstr, sig bstr 64]
 * with body a canonical map
 *    0 version         uint (1)
 *    1 kiosk id        bstr 16
 *    2 height          uint, the block that holds the registration
 *    3 registration id bstr 16
 *    4 time            uint, Unix seconds
 *    5 masked name     text, at most JR_MASKED_NAME_MAX bytes
 *    6 policy version  uint
 * sig = Ed25519(kiosk, "jaring/receipt/v1" || 0x00 || BLAKE2b-256(body)).
 *
 * QR text = "JR1:" + Base45(payload), alphanumeric mode, error correction M,
 * version at most 8 (so it prints at 6 dots a module on a 58 mm roll).
 * A version 8-M symbol holds 221 alphanumeric characters (ISO/IEC 18004
 * table 7): "JR1:" + 216 Base45 characters = 144 bytes of payload. The
 * worst-case payload (16-byte masked name, height, time and policy version
 * each below 2^32) is exactly 144 bytes; see receipt.c for the budget.
 *
 * Typed code, for prints that fade (docs/formats.md "Typed code"): bits
 * 0..44 of the registration id (big-endian from the most significant bit of
 * byte 0) as 9 Crockford base32 symbols, most significant first, and a Damm
 * check symbol over those 9 (codec.h), all from the 32 symbols; printed
 * "XXXXX-XXXXX". 45 bits are not unique: by the birthday bound n^2 / 2^46
 * two of a kiosk's 10^5 receipts share a code with probability about
 * 1.4e-4, and across 10^7 receipts a shared code is expected. A code is a
 * lookup key, never a proof; see jr_shard_receipt_by_code().
 */
#ifndef JARING_RECEIPT_H
#define JARING_RECEIPT_H

#include "common.h"
#include "keys.h"

#define JR_RECEIPT_VERSION 1
#define JR_RECEIPT_DOMAIN "jaring/receipt/v1"
#define JR_RECEIPT_PREFIX "JR1:"
#define JR_RECEIPT_MAX_BYTES 144 /* 4 + 216 Base45 chars <= 221, v8-M */
#define JR_RECEIPT_TEXT_MAX 220
#define JR_MASKED_NAME_MAX 16
#define JR_QR_MAX_VERSION 8
#define JR_CODE_LEN 10        /* symbols, without the dash */
#define JR_CODE_TEXT_LEN 11   /* "XXXXX-XXXXX" */

struct jr_receipt {
	uint8_t kiosk_id[JR_ID_BYTES];
	uint64_t height;
	uint8_t regid[JR_REGID_BYTES];
	int64_t time;
	char masked_name[JR_MASKED_NAME_MAX + 1];
	uint32_t policy_version;
};

/* Signs and encodes; fails with JR_ETOOBIG past JR_RECEIPT_MAX_BYTES. */
JR_API int jr_receipt_sign(const struct jr_receipt *r, const struct jr_key *kiosk,
	struct jr_buf *payload) JR_MUST_CHECK;
/* Strict decode without checking the signature (to learn the kiosk id);
 * sig points into p. */
JR_API int jr_receipt_decode(const uint8_t *p, size_t len, struct jr_receipt *out,
	const uint8_t **sig, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Decode and verify against the kiosk's key. Fails closed: *out zeroed. */
JR_API int jr_receipt_verify(const uint8_t *p, size_t len,
	const uint8_t sign_pk[JR_SIGN_PK_BYTES], struct jr_receipt *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* "JR1:" + Base45. out has room for JR_RECEIPT_TEXT_MAX + 1. */
JR_API int jr_receipt_to_text(const uint8_t *p, size_t len, char *out,
	size_t outmax) JR_MUST_CHECK;
/* Text back to payload bytes (out room JR_RECEIPT_MAX_BYTES). */
JR_API int jr_receipt_from_text(const char *s, size_t slen, uint8_t *out,
	size_t *outlen, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Typed code "XXXXX-XXXXX" + NUL. */
JR_API void jr_receipt_code(const uint8_t regid[JR_REGID_BYTES], char *out);
/* Parses a typed code: '-' and ' ' are ignored, lower case is folded, O is
 * read as 0, I and L as 1; anything else (U too) is JR_EFORMAT with a
 * message naming the character. Fewer or more than 10 symbols, or a check
 * symbol that does not match, is JR_EFORMAT; input over 64 bytes is
 * JR_ETOOBIG. On success *prefix45 gets jr_regid_prefix45() of the
 * registration; on failure 0. */
JR_API int jr_receipt_code_parse(const char *s, size_t len, uint64_t *prefix45,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Bits 0..44 of regid, bit 0 the most significant bit of byte 0: the top
 * 45 bits of bytes 0..5 read big-endian, (regid[0..5] as a 48-bit number)
 * >> 3. */
JR_API uint64_t jr_regid_prefix45(const uint8_t regid[JR_REGID_BYTES]);

#endif
