/*
 * record.c — the registration record (record.h): encode and seal, strict
 * decode, open on the centre side, registration id, masked names.
 *
 * Record bytes, canonical CBOR map (docs/formats.md "Registration record"):
 *
 *   A9|AA|AB          map of 10 (no key 9), or 11 entries
 *   00 01             key 0, version 1
 *   01 50 <16>        key 1, kiosk id
 *   02 <uint>         key 2, time
 *   03 <uint>         key 3, village (at most 10 decimal digits)
 *   04 <uint>         key 4, occupation 1..13
 *   05 <uint>         key 5, income bracket 1..6
 *   06 <uint>         key 6, sex 1..2
 *   07 <uint>         key 7, birth year (uint16)
 *   08 <uint>         key 8, consent version (uint16)
 *  [09 50 <16>]       key 9, registration id this record corrects
 *   0A 83             key 10, sealed: array of 3
 *      58 20 <32>     epoch public key
 *      58 18 <24>     nonce
 *      58|59 <n> <ct> ciphertext, 17..JR_SEAL_TAG_BYTES + PT_MAX bytes
 *
 * The associated data of the AEAD is the same map without key 10: its head
 * counts one entry less and it ends where key 10 would start. Because every
 * head here is one byte (at most 11 entries), the associated data of a
 * decoded record is its own bytes up to key 10 with the first byte replaced;
 * jr_record_open() rebuilds it that way and so needs no allocation.
 *
 * Plaintext, canonical CBOR map of 5: 0 NIK (text, 16 ASCII digits), 1 name
 * (text, 0..JR_NAME_MAX bytes), 2 birth date (uint YYYYMMDD, uint32),
 * 3 phone (text, 0..JR_PHONE_MAX ASCII digits), 4 address (text,
 * 0..JR_ADDRESS_MAX bytes). Name and address are valid UTF-8 without control
 * characters. Whether a field is filled in or sensible is for the rules
 * (rules.h); the format only bounds what a field can hold.
 *
 * The plaintext exists only in sodium_malloc'd buffers, so it is encoded here
 * by a few lines of canonical CBOR rather than by jr_cbw, whose buffer grows
 * with realloc and would leave unwiped copies on the heap. Decoding reads it
 * with jr_cbr, which copies nothing and is as strict as jr_cbor_check() for
 * this shape: every head must be shortest, the keys are read one by one in
 * order, text must be UTF-8, and nothing may follow the map.
 *
 * Registration id: the first 16 bytes of BLAKE2b with a 16-byte output, no
 * key, over the 15 ASCII bytes "jaring/regid/v1" followed by the record
 * bytes: crypto_generichash(out, 16, "jaring/regid/v1" || record, NULL, 0).
 */
#include <string.h>
#include <sodium.h>

#include "jaring/cbor.h"
#include "jaring/record.h"

#define REGID_DOMAIN "jaring/regid/v1"
#define KEY_CORRECTS 9
#define KEY_SEALED 10
#define VILLAGE_MAX 9999999999u
/* Largest plaintext: 1 + (1+1+16) + (1+2+80) + (1+5) + (1+1+15) + (1+2+160). */
#define PT_MAX 288
#define CT_MIN (JR_SEAL_TAG_BYTES + 1)
#define CT_MAX (JR_SEAL_TAG_BYTES + PT_MAX)

/* ---- UTF-8 ---------------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at s (at most n bytes available),
 * or 0 if it is not one: no overlong forms, no surrogates, at most U+10FFFF
 * (RFC 3629). Stops at a NUL since NUL is no continuation byte. */
static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

static bool is_control(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* Valid UTF-8, no C0 controls or DEL, no NUL. */
static bool text_ok(const char *s, size_t n)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, k;

	while (i < n) {
		if (is_control(p[i]))
			return false;
		k = utf8_seq_len(p + i, n - i);
		if (k == 0)
			return false;
		i += k;
	}
	return true;
}

static bool digits_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* ---- field checks shared by encode and decode ----------------------- */

static int check_readable(const struct jr_registration *r, struct jr_errbuf *eb)
{
	if (r->time < 0)
		return jr_errf(eb, JR_EINVAL, "record: time %lld is before 1970",
			(long long)r->time);
	if (r->village > VILLAGE_MAX)
		return jr_errf(eb, JR_EINVAL,
			"record: village code %llu has more than 10 digits",
			(unsigned long long)r->village);
	if ((int)r->occupation < 1 || (int)r->occupation >= JR_OCC_COUNT)
		return jr_errf(eb, JR_EINVAL, "record: occupation %d is not 1..%d",
			(int)r->occupation, JR_OCC_COUNT - 1);
	if ((int)r->income < 1 || (int)r->income >= JR_INCOME_COUNT)
		return jr_errf(eb, JR_EINVAL, "record: income bracket %d is not 1..%d",
			(int)r->income, JR_INCOME_COUNT - 1);
	if (r->sex != JR_SEX_MALE && r->sex != JR_SEX_FEMALE)
		return jr_errf(eb, JR_EINVAL, "record: sex %d is not 1 or 2",
			(int)r->sex);
	return JR_OK;
}

/* The personal fields must be NUL-terminated inside their arrays. */
static int check_personal(const struct jr_registration *r, struct jr_errbuf *eb)
{
	size_t nik = strnlen(r->nik, sizeof r->nik);
	size_t name = strnlen(r->name, sizeof r->name);
	size_t phone = strnlen(r->phone, sizeof r->phone);
	size_t addr = strnlen(r->address, sizeof r->address);

	if (nik != JR_NIK_LEN || !digits_ok(r->nik, nik))
		return jr_errf(eb, JR_EINVAL, "record: the NIK is not 16 digits");
	if (name > JR_NAME_MAX || !text_ok(r->name, name))
		return jr_errf(eb, JR_EINVAL,
			"record: the name is over %d bytes, not UTF-8 or holds control characters",
			JR_NAME_MAX);
	if (phone > JR_PHONE_MAX || !digits_ok(r->phone, phone))
		return jr_errf(eb, JR_EINVAL, "record: the phone number is not 0..%d digits",
			JR_PHONE_MAX);
	if (addr > JR_ADDRESS_MAX || !text_ok(r->address, addr))
		return jr_errf(eb, JR_EINVAL,
			"record: the address is over %d bytes, not UTF-8 or holds control characters",
			JR_ADDRESS_MAX);
	return JR_OK;
}

/* ---- plaintext: canonical CBOR in secret memory --------------------- */

static void kv_text(struct jr_cbw *w, uint64_t key, const char *s)
{
	jr_cbw_uint(w, key);
	jr_cbw_text(w, s, strlen(s));
}

/* Encodes the checked personal fields of r into pt[cap] (sodium_malloc'd:
 * the writer never copies them elsewhere); 0 if they do not fit, which
 * cannot happen for checked fields: PT_MAX is their maximum. */
static size_t pt_encode(const struct jr_registration *r, uint8_t *pt, size_t cap)
{
	struct jr_cbw w;
	size_t len;

	jr_cbw_init_fixed(&w, pt, cap);
	jr_cbw_map(&w, 5);
	kv_text(&w, 0, r->nik);
	kv_text(&w, 1, r->name);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, r->birth);
	kv_text(&w, 3, r->phone);
	kv_text(&w, 4, r->address);
	return jr_cbw_finish_fixed(&w, &len) == JR_OK ? len : 0;
}

/* Copies a text field of at most max bytes into dst[max + 1]. */
static int read_text(struct jr_cbr *r, uint64_t key, char *dst, size_t max)
{
	const char *s;
	size_t n;

	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_text(r, &s, &n) != JR_OK)
		return r->err;
	if (n > max)
		return JR_EFORMAT;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return JR_OK;
}

/* Strict decode of the plaintext into the personal fields of out. */
static int pt_decode(const uint8_t *pt, size_t len, struct jr_registration *out,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t birth = 0;
	size_t n = 0;
	int rc;

	jr_cbr_init(&r, pt, len);
	if (jr_cbr_map(&r, &n) != JR_OK || n != 5 ||
	    read_text(&r, 0, out->nik, JR_NIK_LEN) != JR_OK ||
	    read_text(&r, 1, out->name, JR_NAME_MAX) != JR_OK ||
	    jr_cbr_key(&r, 2) != JR_OK || jr_cbr_uint(&r, &birth) != JR_OK ||
	    birth > UINT32_MAX ||
	    read_text(&r, 3, out->phone, JR_PHONE_MAX) != JR_OK ||
	    read_text(&r, 4, out->address, JR_ADDRESS_MAX) != JR_OK ||
	    jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"record: the opened personal fields are not the documented canonical map");
	out->birth = (uint32_t)birth;
	rc = check_personal(out, eb);
	if (rc != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "record: opened personal fields");
	return JR_OK;
}

/* ---- readable part -------------------------------------------------- */

/* Writes the map of keys 0..9 (with_sealed: one more entry for key 10, which
 * the caller writes next). */
static void kv_uint(struct jr_cbw *w, uint64_t key, uint64_t v)
{
	jr_cbw_uint(w, key);
	jr_cbw_uint(w, v);
}

static void kv_bytes(struct jr_cbw *w, uint64_t key, const uint8_t *p, size_t n)
{
	jr_cbw_uint(w, key);
	jr_cbw_bytes(w, p, n);
}

/* Writes the map of keys 0..9 (with_sealed: one more entry for key 10, which
 * the caller writes next). Fields were checked by check_readable(). */
static void write_readable(struct jr_cbw *w, const struct jr_registration *r,
	bool with_sealed)
{
	size_t n = 9 + (r->has_corrects ? 1u : 0u) + (with_sealed ? 1u : 0u);

	jr_cbw_map(w, n);
	kv_uint(w, 0, JR_RECORD_VERSION);
	kv_bytes(w, 1, r->kiosk_id, JR_ID_BYTES);
	kv_uint(w, 2, (uint64_t)r->time);
	kv_uint(w, 3, r->village);
	kv_uint(w, 4, (uint64_t)r->occupation);
	kv_uint(w, 5, (uint64_t)r->income);
	kv_uint(w, 6, (uint64_t)r->sex);
	kv_uint(w, 7, r->birth_year);
	kv_uint(w, 8, r->consent_version);
	if (r->has_corrects)
		kv_bytes(w, KEY_CORRECTS, r->corrects, JR_REGID_BYTES);
}

struct parsed {
	size_t sealed_off; /* offset of key 10 = length of the associated data */
	const uint8_t *epoch_pk;
	const uint8_t *nonce;
	const uint8_t *ct;
	size_t ctlen;
};

static int read_uint_max(struct jr_cbr *r, uint64_t key, uint64_t max,
	uint64_t *v)
{
	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_uint(r, v) != JR_OK)
		return r->err;
	return *v <= max ? JR_OK : JR_EFORMAT;
}

static int read_fixed(struct jr_cbr *r, uint64_t key, uint8_t *dst, size_t want)
{
	const uint8_t *p;
	size_t n;

	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_bytes(r, &p, &n) != JR_OK)
		return r->err;
	if (n != want)
		return JR_EFORMAT;
	memcpy(dst, p, n);
	return JR_OK;
}

/* Keys 2..8 after kiosk id; the enum fields are range-checked afterwards by
 * check_readable(). */
static int read_numbers(struct jr_cbr *r, struct jr_registration *out)
{
	uint64_t t = 0, vil = 0, occ = 0, inc = 0, sex = 0, by = 0, cv = 0;

	if (read_uint_max(r, 2, INT64_MAX, &t) != JR_OK ||
	    read_uint_max(r, 3, VILLAGE_MAX, &vil) != JR_OK ||
	    read_uint_max(r, 4, JR_OCC_COUNT - 1, &occ) != JR_OK ||
	    read_uint_max(r, 5, JR_INCOME_COUNT - 1, &inc) != JR_OK ||
	    read_uint_max(r, 6, JR_SEX_FEMALE, &sex) != JR_OK ||
	    read_uint_max(r, 7, UINT16_MAX, &by) != JR_OK ||
	    read_uint_max(r, 8, UINT16_MAX, &cv) != JR_OK)
		return JR_EFORMAT;
	out->time = (int64_t)t;
	out->village = vil;
	out->occupation = (enum jr_occupation)occ;
	out->income = (enum jr_income)inc;
	out->sex = (enum jr_sex)sex;
	out->birth_year = (uint16_t)by;
	out->consent_version = (uint16_t)cv;
	return check_readable(out, NULL) == JR_OK ? JR_OK : JR_EFORMAT;
}

static int read_sealed(struct jr_cbr *r, struct parsed *ps)
{
	size_t n = 0, pkn = 0, nn = 0;

	ps->sealed_off = r->off;
	if (jr_cbr_key(r, KEY_SEALED) != JR_OK || jr_cbr_array(r, &n) != JR_OK ||
	    n != 3 || jr_cbr_bytes(r, &ps->epoch_pk, &pkn) != JR_OK ||
	    jr_cbr_bytes(r, &ps->nonce, &nn) != JR_OK ||
	    jr_cbr_bytes(r, &ps->ct, &ps->ctlen) != JR_OK)
		return JR_EFORMAT;
	if (pkn != JR_BOX_PK_BYTES || nn != JR_SEAL_NONCE_BYTES ||
	    ps->ctlen < CT_MIN || ps->ctlen > CT_MAX)
		return JR_EFORMAT;
	return JR_OK;
}

/* Strict parse of a whole record: the readable fields into out (personal
 * fields untouched), the sealed part into ps. */
static int record_parse(const uint8_t *p, size_t len,
	struct jr_registration *out, struct parsed *ps, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t version = 0;
	size_t n = 0;
	int rc;

	if (len > JR_RECORD_MAX_BYTES)
		return jr_errf(eb, JR_ETOOBIG, "record: %zu bytes, over the maximum of %d",
			len, JR_RECORD_MAX_BYTES);
	rc = jr_cbor_check(p, len, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "record");
	jr_cbr_init(&r, p, len);
	if (jr_cbr_map(&r, &n) != JR_OK || jr_cbr_key(&r, 0) != JR_OK ||
	    jr_cbr_uint(&r, &version) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "record: not a map starting with a version");
	if (version != JR_RECORD_VERSION)
		return jr_errf(eb, JR_EVERSION,
			"record: version %llu is not known to this build (it reads version %d)",
			(unsigned long long)version, JR_RECORD_VERSION);
	if (n != 10 && n != 11)
		return jr_errf(eb, JR_EFORMAT, "record: %zu fields, expected 10 or 11", n);
	if (read_fixed(&r, 1, out->kiosk_id, JR_ID_BYTES) != JR_OK ||
	    read_numbers(&r, out) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"record: a readable field (keys 1..8) is missing, of the wrong type or out of range");
	out->has_corrects = n == 11;
	if (out->has_corrects &&
	    read_fixed(&r, KEY_CORRECTS, out->corrects, JR_REGID_BYTES) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "record: field 9 (corrects) is not 16 bytes");
	if (read_sealed(&r, ps) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"record: field 10 (sealed) is not [epoch key 32, nonce 24, ciphertext %d..%d]",
			CT_MIN, CT_MAX);
	if (jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "record: bytes after the last field");
	return JR_OK;
}

/* ---- public --------------------------------------------------------- */

void jr_registration_wipe(struct jr_registration *r)
{
	if (r != NULL)
		sodium_memzero(r, sizeof *r);
}

void jr_record_id(const uint8_t *p, size_t len, uint8_t regid[JR_REGID_BYTES])
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, JR_REGID_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)REGID_DOMAIN,
		sizeof REGID_DOMAIN - 1);
	crypto_generichash_update(&st, p, len);
	crypto_generichash_final(&st, regid, JR_REGID_BYTES);
}

static int encode_ad(const struct jr_registration *r, struct jr_buf *ad)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	write_readable(&w, r, false);
	return jr_cbw_finish(&w, ad);
}

static int encode_record(const struct jr_registration *r,
	const uint8_t epoch_pk[JR_BOX_PK_BYTES],
	const uint8_t nonce[JR_SEAL_NONCE_BYTES], const uint8_t *ct, size_t ctlen,
	struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	write_readable(&w, r, true);
	jr_cbw_uint(&w, KEY_SEALED);
	jr_cbw_array(&w, 3);
	jr_cbw_bytes(&w, epoch_pk, JR_BOX_PK_BYTES);
	jr_cbw_bytes(&w, nonce, JR_SEAL_NONCE_BYTES);
	jr_cbw_bytes(&w, ct, ctlen);
	return jr_cbw_finish(&w, out);
}

int jr_record_encode(const struct jr_registration *r,
	struct jr_seal_epoch *epoch, struct jr_buf *out,
	uint8_t regid[JR_REGID_BYTES], struct jr_errbuf *eb)
{
	uint8_t ct[CT_MAX];
	uint8_t nonce[JR_SEAL_NONCE_BYTES];
	struct jr_buf ad = { NULL, 0 };
	uint8_t *pt;
	size_t ptlen;
	int rc;

	if (out == NULL || regid == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no output given");
	out->base = NULL;
	out->len = 0;
	memset(regid, 0, JR_REGID_BYTES);
	if (r == NULL || epoch == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no registration or no epoch given");
	rc = check_readable(r, eb);
	if (rc == JR_OK)
		rc = check_personal(r, eb);
	if (rc != JR_OK)
		return rc;
	pt = sodium_malloc(PT_MAX);
	if (pt == NULL)
		return jr_errf(eb, JR_ENOMEM, "record: out of secure memory");
	ptlen = pt_encode(r, pt, PT_MAX);
	rc = ptlen == 0 ? JR_EINTERNAL : encode_ad(r, &ad);
	if (rc != JR_OK) {
		jr_errf(eb, rc, "record: could not encode the readable fields (%s)",
			jr_strerror(rc));
		goto err_after_pt;
	}
	rc = jr_seal(epoch, ad.base, ad.len, pt, ptlen, nonce, ct);
	if (rc != JR_OK) {
		jr_errf(eb, rc, "record: sealing the personal fields failed (%s)",
			jr_strerror(rc));
		goto err_after_ad;
	}
	rc = encode_record(r, jr_seal_epoch_pk(epoch), nonce, ct,
		ptlen + JR_SEAL_TAG_BYTES, out);
	if (rc != JR_OK) {
		jr_errf(eb, rc, "record: could not encode the record (%s)", jr_strerror(rc));
		goto err_after_ad;
	}
	jr_record_id(out->base, out->len, regid);
err_after_ad:
	jr_buf_free(&ad);
err_after_pt:
	sodium_free(pt);
	return rc;
}

int jr_record_decode(const uint8_t *p, size_t len, struct jr_registration *out,
	struct jr_errbuf *eb)
{
	struct parsed ps;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no output given");
	jr_registration_wipe(out);
	if (p == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no bytes given");
	rc = record_parse(p, len, out, &ps, eb);
	if (rc != JR_OK)
		jr_registration_wipe(out);
	return rc;
}

int jr_record_open(const uint8_t *p, size_t len,
	struct jr_seal_opener *opener, struct jr_registration *out,
	struct jr_errbuf *eb)
{
	uint8_t ad[JR_RECORD_MAX_BYTES];
	/* The plaintext lands in *out (the caller's memory) either way, so a
	 * sodium_malloc'd copy would protect nothing more, and its four
	 * system calls would cost the centre as much as the X25519 that epochs
	 * save. A wiped stack buffer instead. */
	uint8_t pt[PT_MAX];
	struct parsed ps;
	size_t ptlen;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no output given");
	jr_registration_wipe(out);
	if (p == NULL || opener == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no bytes or no opener given");
	rc = record_parse(p, len, out, &ps, eb);
	if (rc != JR_OK)
		goto err;
	ptlen = ps.ctlen - JR_SEAL_TAG_BYTES; /* record_parse: ctlen <= CT_MAX */
	/* ad = the map without key 10: one entry less, cut before key 10. */
	ad[0] = (uint8_t)(p[0] - 1);
	memcpy(ad + 1, p + 1, ps.sealed_off - 1);
	rc = jr_seal_open(opener, ps.epoch_pk, ps.nonce, ad, ps.sealed_off, ps.ct,
		ps.ctlen, pt);
	if (rc != JR_OK) {
		rc = jr_errf(eb, JR_ESIG,
			"record: the personal fields do not open: the record was altered or sealed to another consortium key");
		goto err;
	}
	rc = pt_decode(pt, ptlen, out, eb);
	if (rc != JR_OK)
		goto err;
	sodium_memzero(pt, sizeof pt);
	return JR_OK;
err:
	sodium_memzero(pt, sizeof pt);
	jr_registration_wipe(out);
	return rc;
}

/* ---- masked names --------------------------------------------------- */

static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* The first code point of a word as it appears in the mask: ASCII letters
 * upper-cased, a well-formed multi-byte code point kept whole, anything else
 * (a control or a stray byte) as '*'. Returns bytes written to piece[4] and
 * sets *used to the input bytes consumed. */
static size_t mask_first(const uint8_t *s, uint8_t piece[4], size_t *used)
{
	size_t n = utf8_seq_len(s, 4);

	if (n > 1) {
		memcpy(piece, s, n);
		*used = n;
		return n;
	}
	*used = 1;
	if (n == 1 && !is_control(s[0]))
		piece[0] = (s[0] >= 'a' && s[0] <= 'z') ? (uint8_t)(s[0] - 'a' + 'A') : s[0];
	else
		piece[0] = '*';
	return 1;
}

void jr_mask_name(const char *name, char *out, size_t outlen)
{
	const uint8_t *s = (const uint8_t *)name;
	uint8_t piece[5];
	size_t o = 0, used, n, k;
	bool in_word = false;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (name == NULL)
		return;
	while (*s != '\0') {
		if (is_space(*s)) {
			in_word = false;
			s++;
			continue;
		}
		if (in_word) {
			/* A later code point of the word: one '*' for it. */
			k = utf8_seq_len(s, 4);
			used = k == 0 ? 1 : k;
			piece[0] = '*';
			n = 1;
		} else {
			k = o > 0 ? 1 : 0; /* a single space between words */
			piece[0] = ' ';
			n = k + mask_first(s, piece + k, &used);
			in_word = true;
		}
		if (n > outlen - 1 - o)
			break;
		memcpy(out + o, piece, n);
		o += n;
		s += used;
	}
	out[o] = '\0';
}
