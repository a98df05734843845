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
 * Typed code, for prints that fade: the first 45 bits of the registration id
 * as 9 Crockford base32 symbols and a mod-37 check symbol, shown "XXXXX-XXXXX".
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
/* Parses a typed code (case, look-alikes and dashes forgiven); checks the
 * check symbol; *prefix45 gets the 45-bit registration id prefix. */
JR_API int jr_receipt_code_parse(const char *s, size_t len, uint64_t *prefix45,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API uint64_t jr_regid_prefix45(const uint8_t regid[JR_REGID_BYTES]);

#endif
