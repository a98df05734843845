/*
 * receipt.c — the signed QR receipt (jaring/receipt.h; docs/formats.md
 * "Receipt").
 *
 * Payload, canonical CBOR, at most JR_RECEIPT_MAX_BYTES (144):
 *
 *   offset  bytes  content
 *   0       1      82            array(2)
 *   1       2      58 nn         bstr head, nn = body length (24..255)
 *   3       nn     body          canonical map, below
 *   3+nn    2      58 40         bstr head, 64 bytes
 *   5+nn    64     signature     Ed25519 over "jaring/receipt/v1" || 00 ||
 *                                BLAKE2b-256(body)
 *
 *   body:  a7                    map(7)
 *          00 01                 0: version 1
 *          01 50 <16 bytes>      1: kiosk id
 *          02 <uint>             2: height
 *          03 50 <16 bytes>      3: registration id
 *          04 <uint>             4: time, Unix seconds
 *          05 <text>             5: masked name, 0..16 bytes of UTF-8, no NUL
 *          06 <uint>             6: policy version, < 2^32
 *
 * Size budget. 120 bytes have the same length in every receipt:
 *   around the body   1 (82) + 2 (58 nn) + 2 (58 40) + 64 (signature) = 69
 *   in the body       1 (a7) + 7 (keys 00..06) + 1 (version 01)
 *                     + 17 + 17 (50 and 16 bytes, kiosk and registration id)
 *                     + 5 (time: 1a and 4 bytes, for every time from
 *                       2^24 s, July 1970, to 2^32 s, February 2106)
 *                     + 1 + 1 + 1 (first byte of height, name, policy) = 51
 *   69 + 51 = 120.
 * The other 24 of the 144 vary: up to 4 more bytes each for the height and
 * the policy version while they are below 2^32 (1a and 4 bytes), and the
 * 0..16 bytes of the masked name; 120 + 4 + 4 + 16 = 144. A height past 2^32
 * only fits with a shorter name; jr_receipt_sign then fails with JR_ETOOBIG
 * instead of producing a QR that does not fit version 8.
 *
 * Decoding is strict and fails closed: the whole payload and the body each
 * pass jr_cbor_check(), the keys are exactly 0..6 in order, the version is
 * read first so that a future version gives JR_EVERSION rather than a
 * format error, and every length and range is checked.
 */
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/codec.h"
#include "jaring/receipt.h"

#define BODY_KEYS 7

/* The stable part of every message about a payload that does not decode. */
#define NOT_A_RECEIPT "it was damaged or is not a Jaring receipt; scan it " \
	"again or type the code printed under the QR"

static int check_fields(const struct jr_receipt *r, size_t *namelen)
{
	*namelen = strnlen(r->masked_name, sizeof r->masked_name);
	if (*namelen > JR_MASKED_NAME_MAX)
		return JR_ETOOBIG;
	if (r->time < 0)
		return JR_EINVAL;
	return JR_OK;
}

static int encode_body(const struct jr_receipt *r, size_t namelen,
	struct jr_buf *body)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECEIPT_MAX_BYTES);
	jr_cbw_map(&w, BODY_KEYS);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_RECEIPT_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, r->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, r->height);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, r->regid, JR_REGID_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)r->time);
	jr_cbw_uint(&w, 5);
	jr_cbw_text(&w, r->masked_name, namelen);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, r->policy_version);
	return jr_cbw_finish(&w, body);
}

static int encode_payload(const struct jr_buf *body,
	const uint8_t sig[JR_SIG_BYTES], struct jr_buf *payload)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECEIPT_MAX_BYTES);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body->base, body->len);
	jr_cbw_bytes(&w, sig, JR_SIG_BYTES);
	return jr_cbw_finish(&w, payload);
}

/* The key must be a kiosk key and the one the receipt names, or the receipt
 * could never verify. */
int jr_receipt_sign(const struct jr_receipt *r, const struct jr_key *kiosk,
	struct jr_buf *payload)
{
	struct jr_buf body = { NULL, 0 };
	uint8_t hash[JR_HASH_BYTES];
	uint8_t sig[JR_SIG_BYTES];
	size_t namelen;
	int rc;

	if (payload == NULL)
		return JR_EINVAL;
	payload->base = NULL;
	payload->len = 0;
	if (r == NULL || kiosk == NULL)
		return JR_EINVAL;
	if (jr_key_role(kiosk) != JR_ROLE_KIOSK ||
	    memcmp(jr_key_id(kiosk), r->kiosk_id, JR_ID_BYTES) != 0)
		return JR_EKEY;
	rc = check_fields(r, &namelen);
	if (rc != JR_OK)
		return rc;
	rc = encode_body(r, namelen, &body);
	if (rc != JR_OK)
		return rc;
	jr_hash(body.base, body.len, hash);
	rc = jr_sign_hash(kiosk, JR_RECEIPT_DOMAIN, hash, sig);
	if (rc == JR_OK)
		rc = encode_payload(&body, sig, payload);
	jr_buf_free(&body);
	return rc;
}

/* Splits a checked payload into body and signature. */
static int split_payload(const uint8_t *p, size_t len, const uint8_t **body,
	size_t *bodylen, const uint8_t **sig, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0, siglen = 0;

	if (len > JR_RECEIPT_MAX_BYTES)
		return jr_errf(eb, JR_ETOOBIG,
			"receipt payload of %zu bytes is over the %d-byte maximum: "
			NOT_A_RECEIPT, len, JR_RECEIPT_MAX_BYTES);
	if (jr_cbor_check(p, len, eb) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"receipt payload of %zu bytes is not canonical CBOR: "
			NOT_A_RECEIPT, len);
	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 ||
	    jr_cbr_bytes(&r, body, bodylen) != JR_OK ||
	    jr_cbr_bytes(&r, sig, &siglen) != JR_OK || siglen != JR_SIG_BYTES ||
	    jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"receipt payload is not a [body, 64-byte signature] pair: "
			NOT_A_RECEIPT);
	return JR_OK;
}

static int body_error(struct jr_errbuf *eb, int field, const char *what)
{
	return jr_errf(eb, JR_EFORMAT, "receipt field %d (%s) is malformed: "
		NOT_A_RECEIPT, field, what);
}

static int read_name(struct jr_cbr *r, char out[JR_MASKED_NAME_MAX + 1])
{
	const char *s = NULL;
	size_t n = 0;

	if (jr_cbr_key(r, 5) != JR_OK || jr_cbr_text(r, &s, &n) != JR_OK ||
	    n > JR_MASKED_NAME_MAX || memchr(s, '\0', n) != NULL)
		return JR_EFORMAT;
	memcpy(out, s, n);
	out[n] = '\0';
	return JR_OK;
}

static int decode_body(const uint8_t *p, size_t len, struct jr_receipt *out,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t time = 0, policy = 0;
	size_t n = 0;
	int rc;

	/* Version first, so that a receipt from a newer kiosk says so. */
	rc = jr_cbr_open_versioned(&r, p, len, JR_RECEIPT_MAX_BYTES, "receipt body",
		JR_RECEIPT_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc == JR_EVERSION ? rc : jr_errf(eb, rc, NOT_A_RECEIPT);
	if (n != BODY_KEYS)
		return jr_errf(eb, JR_EFORMAT, "receipt body has %zu fields "
			"instead of %d: " NOT_A_RECEIPT, n, BODY_KEYS);
	if (jr_cbr_key_fixed(&r, 1, out->kiosk_id, JR_ID_BYTES) != JR_OK)
		return body_error(eb, 1, "kiosk id");
	if (jr_cbr_key_uint(&r, 2, UINT64_MAX, &out->height) != JR_OK)
		return body_error(eb, 2, "height");
	if (jr_cbr_key_fixed(&r, 3, out->regid, JR_REGID_BYTES) != JR_OK)
		return body_error(eb, 3, "registration id");
	if (jr_cbr_key_uint(&r, 4, INT64_MAX, &time) != JR_OK)
		return body_error(eb, 4, "time");
	if (read_name(&r, out->masked_name) != JR_OK)
		return body_error(eb, 5, "masked name");
	if (jr_cbr_key_uint(&r, 6, UINT32_MAX, &policy) != JR_OK)
		return body_error(eb, 6, "policy version");
	if (jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "receipt body has bytes after "
			"its last field: " NOT_A_RECEIPT);
	out->time = (int64_t)time;
	out->policy_version = (uint32_t)policy;
	return JR_OK;
}

/* Decodes into *out and returns the body and signature inside p. On any
 * failure *out is zeroed. */
static int decode_parts(const uint8_t *p, size_t len, struct jr_receipt *out,
	const uint8_t **body, size_t *bodylen, const uint8_t **sig,
	struct jr_errbuf *eb)
{
	int rc;

	rc = split_payload(p, len, body, bodylen, sig, eb);
	if (rc == JR_OK)
		rc = decode_body(*body, *bodylen, out, eb);
	if (rc != JR_OK) {
		memset(out, 0, sizeof *out);
		*body = NULL;
		*bodylen = 0;
		*sig = NULL;
	}
	return rc;
}

int jr_receipt_decode(const uint8_t *p, size_t len, struct jr_receipt *out,
	const uint8_t **sig, struct jr_errbuf *eb)
{
	const uint8_t *body = NULL;
	size_t bodylen = 0;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (sig != NULL)
		*sig = NULL;
	if (out == NULL || sig == NULL || p == NULL)
		return jr_errf(eb, JR_EINVAL, "receipt decode: no payload or no "
			"place for the result");
	return decode_parts(p, len, out, &body, &bodylen, sig, eb);
}

/* The receipt must name the kiosk whose key is given: a caller that picked
 * the key by the receipt's kiosk id gets JR_ESIG for a forgery, and one that
 * passed a fixed key (its own kiosk) gets JR_EKEY for another kiosk's
 * receipt, which is a different message to the worker. */
static int check_signer(const struct jr_receipt *r,
	const uint8_t sign_pk[JR_SIGN_PK_BYTES], const uint8_t *body,
	size_t bodylen, const uint8_t *sig, struct jr_errbuf *eb)
{
	uint8_t id[JR_ID_BYTES];
	uint8_t hash[JR_HASH_BYTES];
	char named[JR_KEYID_SHORT_LEN + 1], given[JR_KEYID_SHORT_LEN + 1];

	jr_keyid_from_pk(sign_pk, id);
	jr_keyid_short(r->kiosk_id, named);
	if (memcmp(id, r->kiosk_id, JR_ID_BYTES) != 0) {
		jr_keyid_short(id, given);
		return jr_errf(eb, JR_EKEY, "receipt is from kiosk %s, not from "
			"kiosk %s whose key was used; check it against the key "
			"of kiosk %s", named, given, named);
	}
	jr_hash(body, bodylen, hash);
	if (jr_verify_hash(sign_pk, JR_RECEIPT_DOMAIN, hash, sig) != JR_OK)
		return jr_errf(eb, JR_ESIG, "receipt from kiosk %s at height "
			"%llu: the signature does not verify; the receipt was "
			"altered or forged", named,
			(unsigned long long)r->height);
	return JR_OK;
}

int jr_receipt_verify(const uint8_t *p, size_t len,
	const uint8_t sign_pk[JR_SIGN_PK_BYTES], struct jr_receipt *out,
	struct jr_errbuf *eb)
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t bodylen = 0;
	int rc;

	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (out == NULL || p == NULL || sign_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "receipt verify: no payload, key "
			"or place for the result");
	rc = decode_parts(p, len, out, &body, &bodylen, &sig, eb);
	if (rc != JR_OK)
		return rc;
	rc = check_signer(out, sign_pk, body, bodylen, sig, eb);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

int jr_receipt_to_text(const uint8_t *p, size_t len, char *out, size_t outmax)
{
	const size_t plen = sizeof JR_RECEIPT_PREFIX - 1;

	if (out != NULL && outmax > 0)
		out[0] = '\0';
	if (p == NULL || out == NULL || len == 0)
		return JR_EINVAL;
	if (len > JR_RECEIPT_MAX_BYTES)
		return JR_ETOOBIG;
	/* len is small, so the sum cannot overflow. */
	if (outmax < plen + jr_base45_len(len) + 1)
		return JR_EINVAL;
	memcpy(out, JR_RECEIPT_PREFIX, plen);
	jr_base45_encode(p, len, out + plen);
	return JR_OK;
}

/* Length of a "JR<1-4 digits>:" prefix of some other receipt version, or 0. */
static size_t other_version_prefix(const char *s, size_t slen)
{
	size_t i = 2;

	if (slen < 4 || s[0] != 'J' || s[1] != 'R')
		return 0;
	while (i < slen && i < 6 && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > 2 && i < slen && s[i] == ':' ? i + 1 : 0;
}

static int text_prefix(const char *s, size_t slen, struct jr_errbuf *eb)
{
	const size_t plen = sizeof JR_RECEIPT_PREFIX - 1;
	size_t other;

	if (slen >= plen && memcmp(s, JR_RECEIPT_PREFIX, plen) == 0)
		return JR_OK;
	other = other_version_prefix(s, slen);
	if (other > 0)
		return jr_errf(eb, JR_EVERSION, "QR text starts with %.*s, a "
			"receipt version this software does not know (it reads "
			"%s); update the kiosk software", (int)other, s,
			JR_RECEIPT_PREFIX);
	return jr_errf(eb, JR_EFORMAT, "QR text does not start with \"%s\", "
		"so this QR code is not a Jaring receipt", JR_RECEIPT_PREFIX);
}

int jr_receipt_from_text(const char *s, size_t slen, uint8_t *out,
	size_t *outlen, struct jr_errbuf *eb)
{
	const size_t plen = sizeof JR_RECEIPT_PREFIX - 1;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (out != NULL)
		memset(out, 0, JR_RECEIPT_MAX_BYTES);
	if (s == NULL || out == NULL || outlen == NULL)
		return jr_errf(eb, JR_EINVAL, "receipt text: no text or no "
			"place for the result");
	if (slen > JR_RECEIPT_TEXT_MAX)
		return jr_errf(eb, JR_ETOOBIG, "QR text of %zu characters is "
			"longer than a receipt (at most %d): this QR code is not "
			"a Jaring receipt", slen, JR_RECEIPT_TEXT_MAX);
	rc = text_prefix(s, slen, eb);
	if (rc != JR_OK)
		return rc;
	rc = jr_base45_decode(s + plen, slen - plen, out, JR_RECEIPT_MAX_BYTES,
		outlen);
	if (rc != JR_OK || *outlen == 0) {
		memset(out, 0, JR_RECEIPT_MAX_BYTES);
		*outlen = 0;
		return jr_errf(eb, JR_EFORMAT, "QR text after %s is not valid "
			"Base45: " NOT_A_RECEIPT, JR_RECEIPT_PREFIX);
	}
	return JR_OK;
}

/* The code's value: bits 0..44 of the registration id, numbering the bits
 * big-endian from the most significant bit of byte 0 (bytes 0..4 whole and
 * the top 5 bits of byte 5). */
uint64_t jr_regid_prefix45(const uint8_t regid[JR_REGID_BYTES])
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 6; i++)
		v = v << 8 | regid[i];
	return v >> 3;
}

void jr_receipt_code(const uint8_t regid[JR_REGID_BYTES], char *out)
{
	uint64_t v = jr_regid_prefix45(regid);
	char sym[JR_CODE_LEN];

	jr_crockford_encode(v, 45, sym);
	memcpy(out, sym, 5);
	out[5] = '-';
	memcpy(out + 6, sym + 5, 4);
	out[10] = jr_crockford_check(v);
	out[11] = '\0';
}

/* Longest typed input looked at: a code with generous spacing. */
#define CODE_INPUT_MAX 64

static bool code_separator(char c)
{
	return c == '-' || c == ' ';
}

/* Upper-case, printable copy of what was typed, grouped as on the print,
 * for messages. */
static void code_display(const char *sym, size_t n, char *out, size_t outmax)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 2 < outmax; i++) {
		char c = sym[i];
		if (i == 5)
			out[o++] = '-';
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c <= ' ' || c > '~')
			c = '?';
		out[o++] = c;
	}
	out[o] = '\0';
}

/* Collects the symbols of s without separators; *n may exceed symmax, then
 * only the first symmax are kept. */
static void code_symbols(const char *s, size_t len, char *sym, size_t symmax,
	size_t *n)
{
	size_t i;

	*n = 0;
	for (i = 0; i < len; i++) {
		if (code_separator(s[i]))
			continue;
		if (*n < symmax)
			sym[*n] = s[i];
		(*n)++;
	}
}

/* All ten symbols, check included, as one 50-bit value. */
static int code_value(const char *sym, const char *shown, uint64_t *v,
	struct jr_errbuf *eb)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < JR_CODE_LEN; i++) {
		uint64_t d = 0;
		if (jr_crockford_decode(sym + i, 1, &d, &n) != JR_OK || n != 1)
			return jr_errf(eb, JR_EFORMAT, "code %s: character %zu "
				"is not used in codes, which have only the digits "
				"0-9 and the letters A-Z without U; compare it with "
				"the print", shown, i + 1);
		*v = *v << 5 | d;
	}
	return JR_OK;
}

/* Normalisation (docs/formats.md "Typed code"): '-' and ' ' are dropped,
 * lower case is read as upper case, O as 0, I and L as 1; anything else,
 * U included, is refused. */
int jr_receipt_code_parse(const char *s, size_t len, uint64_t *prefix45,
	struct jr_errbuf *eb)
{
	char sym[JR_CODE_LEN + 1];
	char shown[16]; /* at most 10 symbols and a dash */
	uint64_t v = 0;
	size_t n = 0;
	int rc;

	if (prefix45 != NULL)
		*prefix45 = 0;
	if (s == NULL || prefix45 == NULL)
		return jr_errf(eb, JR_EINVAL, "code: nothing to read");
	if (len > CODE_INPUT_MAX)
		return jr_errf(eb, JR_ETOOBIG, "code of %zu characters is too "
			"long; type the %d characters printed under the QR", len,
			JR_CODE_LEN);
	code_symbols(s, len, sym, sizeof sym, &n);
	code_display(sym, n < JR_CODE_LEN ? n : JR_CODE_LEN, shown,
		sizeof shown);
	if (n < JR_CODE_LEN)
		return jr_errf(eb, JR_EFORMAT, "code %s: %zu of %d characters; "
			"type all %d characters printed under the QR", shown, n,
			JR_CODE_LEN, JR_CODE_LEN);
	if (n > JR_CODE_LEN)
		return jr_errf(eb, JR_EFORMAT, "code %s...: %zu characters, "
			"a code has %d; type the %d characters printed under the "
			"QR", shown, n, JR_CODE_LEN, JR_CODE_LEN);
	rc = code_value(sym, shown, &v, eb);
	if (rc != JR_OK)
		return rc;
	/* Damm: the interim over data and check symbols is 0 exactly when
	 * the check symbol is the one jr_receipt_code printed. */
	if (jr_damm32_interim(v) != 0)
		return jr_errf(eb, JR_EFORMAT, "code %s does not check out: a "
			"character is mistyped or two are swapped; compare each "
			"character with the print", shown);
	*prefix45 = v >> 5;
	return JR_OK;
}
