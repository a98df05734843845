/*
 * record.c — the registration record (record.h): encode and seal, strict
 * decode, open on the centre side, registration id, masked names.
 *
 * Record bytes, canonical CBOR map, always JR_RECORD_BYTES (438) long
 * (docs/formats.md "Registration record"):
 *
 *   off  bytes            meaning
 *     0  A3               map of 3
 *     1  00 02            key 0, version 2
 *     3  01 50 <16>       key 1, kiosk id
 *    21  02 83            key 2, sealed: array of 3
 *    23  58 20 <32>       epoch public key
 *    57  58 18 <24>       nonce
 *    83  59 01 60 <352>   ciphertext: JR_RECORD_PT_BYTES + 16-byte tag
 *
 * The associated data of the AEAD is the same map without key 2: A2, then
 * bytes 1..20 of the record (21 bytes). jr_record_open() rebuilds it from
 * the record it parsed, with no allocation.
 *
 * Plaintext: the canonical CBOR map of record.h (keys 0..10, and 11 on
 * corrections), then zero bytes up to JR_RECORD_PT_BYTES. The padding hides
 * how long the name and address are and whether a phone or a correction is
 * there; JR_RECORD_PT_BYTES is the longest map the bounds allow, so every
 * plaintext fits. Whether a field is filled in or sensible is for the rules
 * (rules.h); the format only bounds what a field can hold.
 *
 * The plaintext exists only in sodium_malloc'd buffers on the kiosk, so it
 * is written by jr_cbw over a fixed buffer (no realloc, no unwiped copies).
 * Decoding reads it with jr_cbr, which copies nothing and is as strict as
 * jr_cbor_check() for this shape: every head must be shortest, the keys are
 * read one by one in order, text must be UTF-8; then every byte after the
 * map must be zero.
 *
 * Registration id: jr_hash_labelled("jaring/regid/v2", record bytes) with a
 * 16-byte output, i.e. BLAKE2b-128("jaring/regid/v2" || 0x00 || record).
 */
#include <string.h>
#include <sodium.h>

#include "jaring/cbor.h"
#include "jaring/record.h"

#define REGID_LABEL "jaring/regid/v2"
#define KEY_SEALED 2
/* Plaintext keys (record.h). */
enum {
	PK_NIK, PK_NAME, PK_BIRTH, PK_PHONE, PK_ADDRESS, PK_TIME, PK_VILLAGE,
	PK_OCCUPATION, PK_INCOME, PK_SEX, PK_CONSENT, PK_CORRECTS
};
#define VILLAGE_MAX 9999999999u
#define BIRTH_MAX 99991231u /* YYYYMMDD: eight digits */
#define PT_BYTES JR_RECORD_PT_BYTES
#define CT_BYTES (JR_SEAL_TAG_BYTES + PT_BYTES)
/* {0: 2, 1: kiosk id}: the record's first 21 bytes, head A2 for A3. */
#define AD_BYTES 21

_Static_assert(JR_RECORD_BYTES == 1 + 2 + 18 + 2 + 34 + 26 + 3 + CT_BYTES,
	"record.h: JR_RECORD_BYTES is the sum of its parts");
_Static_assert(CT_BYTES > 255 && CT_BYTES <= 65535,
	"the ciphertext head is 0x59 and two bytes");

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

static int check_facts(const struct jr_registration *r, struct jr_errbuf *eb)
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
	if (r->birth > BIRTH_MAX)
		return jr_errf(eb, JR_EINVAL, "record: birth date %lu has more than 8 digits",
			(unsigned long)r->birth);
	return JR_OK;
}

/* The text fields must be NUL-terminated inside their arrays. */
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

static void kv_uint(struct jr_cbw *w, uint64_t key, uint64_t v)
{
	jr_cbw_uint(w, key);
	jr_cbw_uint(w, v);
}

/* Encodes the checked fields of r into pt[PT_BYTES] (sodium_malloc'd: the
 * writer never copies them elsewhere) and zeroes the rest of pt. Fails only
 * on a bug: PT_BYTES is the maximum of checked fields. */
static int pt_encode(const struct jr_registration *r, uint8_t *pt)
{
	struct jr_cbw w;
	size_t len = 0;

	memset(pt, 0, PT_BYTES);
	jr_cbw_init_fixed(&w, pt, PT_BYTES);
	jr_cbw_map(&w, r->has_corrects ? 12u : 11u);
	kv_text(&w, PK_NIK, r->nik);
	kv_text(&w, PK_NAME, r->name);
	kv_uint(&w, PK_BIRTH, r->birth);
	kv_text(&w, PK_PHONE, r->phone);
	kv_text(&w, PK_ADDRESS, r->address);
	kv_uint(&w, PK_TIME, (uint64_t)r->time);
	kv_uint(&w, PK_VILLAGE, r->village);
	kv_uint(&w, PK_OCCUPATION, (uint64_t)r->occupation);
	kv_uint(&w, PK_INCOME, (uint64_t)r->income);
	kv_uint(&w, PK_SEX, (uint64_t)r->sex);
	kv_uint(&w, PK_CONSENT, r->consent_version);
	if (r->has_corrects) {
		jr_cbw_uint(&w, PK_CORRECTS);
		jr_cbw_bytes(&w, r->corrects, JR_REGID_BYTES);
	}
	return jr_cbw_finish_fixed(&w, &len) == JR_OK ? JR_OK : JR_EINTERNAL;
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

/* Keys 5..10; the enum fields are range-checked afterwards by
 * check_facts(). */
static int read_facts(struct jr_cbr *r, struct jr_registration *out)
{
	uint64_t t = 0, vil = 0, occ = 0, inc = 0, sex = 0, cv = 0;

	if (jr_cbr_key_uint(r, PK_TIME, INT64_MAX, &t) != JR_OK ||
	    jr_cbr_key_uint(r, PK_VILLAGE, VILLAGE_MAX, &vil) != JR_OK ||
	    jr_cbr_key_uint(r, PK_OCCUPATION, JR_OCC_COUNT - 1, &occ) != JR_OK ||
	    jr_cbr_key_uint(r, PK_INCOME, JR_INCOME_COUNT - 1, &inc) != JR_OK ||
	    jr_cbr_key_uint(r, PK_SEX, JR_SEX_FEMALE, &sex) != JR_OK ||
	    jr_cbr_key_uint(r, PK_CONSENT, UINT16_MAX, &cv) != JR_OK)
		return JR_EFORMAT;
	out->time = (int64_t)t;
	out->village = vil;
	out->occupation = (enum jr_occupation)occ;
	out->income = (enum jr_income)inc;
	out->sex = (enum jr_sex)sex;
	out->consent_version = (uint16_t)cv;
	return JR_OK;
}

/* True if p[0..n) are all zero. Eight bytes at a time, without an early
 * exit: sodium_is_zero() goes a byte at a time through a volatile and took a
 * fifth of the centre's opening time (perf, 250-byte padding). The check
 * runs after the tag has verified, so its timing tells no more than the
 * plaintext's length, which only the centre sees. */
static bool padding_zero(const uint8_t *p, size_t n)
{
	uint64_t acc = 0, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
	}
	for (; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Strict decode of the padded plaintext pt[PT_BYTES] into out. */
static int pt_decode(const uint8_t *pt, struct jr_registration *out,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t birth = 0;
	size_t n = 0;

	jr_cbr_init(&r, pt, PT_BYTES);
	if (jr_cbr_map(&r, &n) != JR_OK || (n != 11 && n != 12) ||
	    read_text(&r, PK_NIK, out->nik, JR_NIK_LEN) != JR_OK ||
	    read_text(&r, PK_NAME, out->name, JR_NAME_MAX) != JR_OK ||
	    jr_cbr_key_uint(&r, PK_BIRTH, BIRTH_MAX, &birth) != JR_OK ||
	    read_text(&r, PK_PHONE, out->phone, JR_PHONE_MAX) != JR_OK ||
	    read_text(&r, PK_ADDRESS, out->address, JR_ADDRESS_MAX) != JR_OK ||
	    read_facts(&r, out) != JR_OK ||
	    (n == 12 && jr_cbr_key_fixed(&r, PK_CORRECTS, out->corrects,
		JR_REGID_BYTES) != JR_OK))
		return jr_errf(eb, JR_EFORMAT,
			"record: the opened plaintext is not the documented canonical map");
	if (!padding_zero(pt + r.off, PT_BYTES - r.off))
		return jr_errf(eb, JR_EFORMAT,
			"record: the opened plaintext's padding after byte %zu is not all zero",
			r.off);
	out->has_corrects = n == 12;
	out->birth = (uint32_t)birth;
	out->birth_year = (uint16_t)(birth / 10000);
	if (check_facts(out, NULL) != JR_OK || check_personal(out, NULL) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"record: an opened field is out of its documented range");
	return JR_OK;
}

/* ---- readable part -------------------------------------------------- */

struct parsed {
	const uint8_t *epoch_pk;
	const uint8_t *nonce;
	const uint8_t *ct; /* CT_BYTES */
};

static int read_sealed(struct jr_cbr *r, struct parsed *ps)
{
	size_t n = 0, pkn = 0, nn = 0, ctn = 0;

	if (jr_cbr_key(r, KEY_SEALED) != JR_OK || jr_cbr_array(r, &n) != JR_OK ||
	    n != 3 || jr_cbr_bytes(r, &ps->epoch_pk, &pkn) != JR_OK ||
	    jr_cbr_bytes(r, &ps->nonce, &nn) != JR_OK ||
	    jr_cbr_bytes(r, &ps->ct, &ctn) != JR_OK)
		return JR_EFORMAT;
	if (pkn != JR_BOX_PK_BYTES || nn != JR_SEAL_NONCE_BYTES || ctn != CT_BYTES)
		return JR_EFORMAT;
	return JR_OK;
}

/* Strict parse of a whole record: the kiosk id into out (nothing else of
 * out touched), the sealed part into ps. On success the record is
 * JR_RECORD_BYTES long and its first AD_BYTES bytes are {0: 2, 1: id}
 * under a head of 3. */
static int record_parse(const uint8_t *p, size_t len,
	struct jr_registration *out, struct parsed *ps, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0;
	int rc;

	rc = jr_cbr_open_versioned(&r, p, len, JR_RECORD_MAX_BYTES, "record",
		JR_RECORD_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 3)
		return jr_errf(eb, JR_EFORMAT, "record: %zu fields, expected 3", n);
	if (jr_cbr_key_fixed(&r, 1, out->kiosk_id, JR_ID_BYTES) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "record: field 1 (kiosk id) is not 16 bytes");
	if (read_sealed(&r, ps) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"record: field 2 (sealed) is not [epoch key 32, nonce 24, ciphertext %d]",
			CT_BYTES);
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
	const struct jr_part part = { p, len };

	/* The label and the length are constants that jr_hash_labelled
	 * accepts; it zeroes regid if it ever did not. */
	if (jr_hash_labelled(REGID_LABEL, &part, 1, regid, JR_REGID_BYTES) != JR_OK)
		return;
}

static void ad_of(const uint8_t kiosk_id[JR_ID_BYTES], uint8_t ad[AD_BYTES])
{
	ad[0] = 0xa2; /* map of 2 */
	ad[1] = 0x00;
	ad[2] = JR_RECORD_VERSION;
	ad[3] = 0x01;
	ad[4] = 0x50; /* bstr of 16 */
	memcpy(ad + 5, kiosk_id, JR_ID_BYTES);
}

static int encode_record(const struct jr_registration *r,
	const uint8_t epoch_pk[JR_BOX_PK_BYTES],
	const uint8_t nonce[JR_SEAL_NONCE_BYTES], const uint8_t *ct,
	struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECORD_BYTES);
	jr_cbw_map(&w, 3);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_RECORD_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, r->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, KEY_SEALED);
	jr_cbw_array(&w, 3);
	jr_cbw_bytes(&w, epoch_pk, JR_BOX_PK_BYTES);
	jr_cbw_bytes(&w, nonce, JR_SEAL_NONCE_BYTES);
	jr_cbw_bytes(&w, ct, CT_BYTES);
	return jr_cbw_finish(&w, out);
}

static int check_fields(const struct jr_registration *r, struct jr_errbuf *eb)
{
	int rc = check_facts(r, eb);

	if (rc == JR_OK)
		rc = check_personal(r, eb);
	if (rc == JR_OK && r->birth_year != r->birth / 10000)
		rc = jr_errf(eb, JR_EINVAL,
			"record: birth year %u is not that of the birth date; the record keeps only the date",
			(unsigned)r->birth_year);
	return rc;
}

int jr_record_encode(const struct jr_registration *r,
	struct jr_seal_epoch *epoch, struct jr_buf *out,
	uint8_t regid[JR_REGID_BYTES], struct jr_errbuf *eb)
{
	uint8_t ct[CT_BYTES];
	uint8_t nonce[JR_SEAL_NONCE_BYTES];
	uint8_t ad[AD_BYTES];
	uint8_t *pt;
	int rc;

	if (out == NULL || regid == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no output given");
	out->base = NULL;
	out->len = 0;
	memset(regid, 0, JR_REGID_BYTES);
	if (r == NULL || epoch == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no registration or no epoch given");
	if ((rc = check_fields(r, eb)) != JR_OK)
		return rc;
	pt = sodium_malloc(PT_BYTES);
	if (pt == NULL)
		return jr_errf(eb, JR_ENOMEM, "record: out of secure memory");
	if ((rc = pt_encode(r, pt)) != JR_OK) {
		jr_errf(eb, rc, "record: the fields do not fit the %d-byte plaintext",
			PT_BYTES);
		goto err_after_pt;
	}
	ad_of(r->kiosk_id, ad);
	rc = jr_seal(epoch, ad, sizeof ad, pt, PT_BYTES, nonce, ct);
	if (rc != JR_OK) {
		jr_errf(eb, rc, "record: sealing the registration failed (%s)",
			jr_strerror(rc));
		goto err_after_pt;
	}
	rc = encode_record(r, jr_seal_epoch_pk(epoch), nonce, ct, out);
	if (rc == JR_OK && out->len != JR_RECORD_BYTES) {
		jr_buf_free(out);
		rc = JR_EINTERNAL;
	}
	if (rc != JR_OK) {
		jr_errf(eb, rc, "record: could not encode the record (%s)", jr_strerror(rc));
		goto err_after_pt;
	}
	jr_record_id(out->base, out->len, regid);
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
	uint8_t ad[AD_BYTES];
	/* The plaintext lands in *out (the caller's memory) either way, so a
	 * sodium_malloc'd copy would protect nothing more, and its four
	 * system calls would cost the centre as much as the X25519 that epochs
	 * save. A wiped stack buffer instead. */
	uint8_t pt[PT_BYTES];
	struct parsed ps;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no output given");
	jr_registration_wipe(out);
	if (p == NULL || opener == NULL)
		return jr_errf(eb, JR_EINVAL, "record: no bytes or no opener given");
	rc = record_parse(p, len, out, &ps, eb);
	if (rc != JR_OK)
		goto err;
	ad_of(out->kiosk_id, ad);
	rc = jr_seal_open(opener, ps.epoch_pk, ps.nonce, ad, sizeof ad, ps.ct,
		CT_BYTES, pt);
	if (rc != JR_OK) {
		rc = jr_errf(eb, JR_ESIG,
			"record: the sealed part does not open: the record was altered or sealed to another consortium key");
		goto err;
	}
	rc = pt_decode(pt, out, eb);
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
	uint8_t unit[6]; /* ' ', a code point of 1..4 bytes, '.' */
	size_t o = 0, used, n, k;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (name == NULL)
		return;
	for (;;) {
		while (is_space(*s))
			s++;
		if (*s == '\0')
			break;
		k = o > 0 ? 1 : 0; /* one space between units */
		unit[0] = ' ';
		n = k + mask_first(s, unit + k, &used);
		unit[n++] = '.';
		if (n > outlen - 1 - o)
			break;
		memcpy(out + o, unit, n);
		o += n;
		s += used;
		while (*s != '\0' && !is_space(*s))
			s++;
	}
	out[o] = '\0';
}
