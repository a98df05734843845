/*
 * block.c — one block of a kiosk's shard chain (block.h).
 *
 * Body bytes, canonical CBOR (docs/formats.md "Block"):
 *
 *   A6                 map of 6
 *   00 01              key 0, version 1
 *   01 50 <16>         key 1, kiosk id
 *   02 <uint>          key 2, height, 1..2^63-1
 *   03 58 20 <32>      key 3, prev: hash of the body at height-1; zeros at 1
 *   04 <uint>          key 4, time, 0..2^63-1
 *   05 <array n>       key 5, records: 1..JR_BLOCK_MAX_RECORDS items, each a
 *      <bstr>...       bstr of 1..JR_RECORD_MAX_BYTES bytes (opaque here)
 *
 * Signed block: 82 <bstr body> 58 40 <64-byte signature>.
 *
 * A block holds at least one record: an empty block would only burn a height.
 * The records are not decoded here; the shard checks them on append and the
 * centre when it imports them.
 */
#include <string.h>
#include <sodium.h>

#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/record.h"
#include "block_int.h"

#define SIGNED_BLOCK_MAX (JR_BLOCK_MAX_BYTES + 16 + JR_SIG_BYTES)

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* The invariants every body holds, shared by encode and decode. */
static int block_fields_ok(const struct jr_block *b)
{
	size_t i;

	if (b->height < 1 || b->height > INT64_MAX || b->time < 0)
		return JR_EFORMAT;
	if (b->height == 1 && !all_zero(b->prev, JR_HASH_BYTES))
		return JR_EFORMAT;
	if (b->n_records < 1 || b->n_records > JR_BLOCK_MAX_RECORDS)
		return JR_EFORMAT;
	for (i = 0; i < b->n_records; i++)
		if (b->records[i] == NULL || b->record_len[i] < 1 ||
		    b->record_len[i] > JR_RECORD_MAX_BYTES)
			return JR_EFORMAT;
	return JR_OK;
}

int jr_block_encode(const struct jr_block *b, struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (b == NULL || block_fields_ok(b) != JR_OK)
		return JR_EINVAL;
	jr_cbw_init(&w, JR_BLOCK_MAX_BYTES);
	jr_cbw_map(&w, 6);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_BLOCK_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, b->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, b->height);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, b->prev, JR_HASH_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)b->time);
	jr_cbw_uint(&w, 5);
	jr_cbw_array(&w, b->n_records);
	for (i = 0; i < b->n_records; i++)
		jr_cbw_bytes(&w, b->records[i], b->record_len[i]);
	return jr_cbw_finish(&w, out);
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

static int read_records(struct jr_cbr *r, struct jr_block *out)
{
	size_t n = 0, i;

	if (jr_cbr_key(r, 5) != JR_OK || jr_cbr_array(r, &n) != JR_OK)
		return r->err;
	if (n < 1 || n > JR_BLOCK_MAX_RECORDS)
		return JR_EFORMAT;
	for (i = 0; i < n; i++)
		if (jr_cbr_bytes(r, &out->records[i], &out->record_len[i]) != JR_OK)
			return r->err;
	out->n_records = n;
	return JR_OK;
}

static int block_parse(const uint8_t *p, size_t len, struct jr_block *out,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t version = 0, time = 0;
	size_t n = 0;
	int rc;

	if (len > JR_BLOCK_MAX_BYTES)
		return jr_errf(eb, JR_ETOOBIG, "block: %zu bytes, over the maximum of %d",
			len, JR_BLOCK_MAX_BYTES);
	rc = jr_cbor_check(p, len, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "block");
	jr_cbr_init(&r, p, len);
	if (jr_cbr_map(&r, &n) != JR_OK || jr_cbr_key(&r, 0) != JR_OK ||
	    jr_cbr_uint(&r, &version) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "block: not a map starting with a version");
	if (version != JR_BLOCK_VERSION)
		return jr_errf(eb, JR_EVERSION,
			"block: version %llu is not known to this build (it reads version %d)",
			(unsigned long long)version, JR_BLOCK_VERSION);
	if (n != 6 || read_fixed(&r, 1, out->kiosk_id, JR_ID_BYTES) != JR_OK ||
	    jr_cbr_key(&r, 2) != JR_OK || jr_cbr_uint(&r, &out->height) != JR_OK ||
	    read_fixed(&r, 3, out->prev, JR_HASH_BYTES) != JR_OK ||
	    jr_cbr_key(&r, 4) != JR_OK || jr_cbr_uint(&r, &time) != JR_OK ||
	    time > INT64_MAX || read_records(&r, out) != JR_OK ||
	    jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"block: the fields are not exactly {0 version, 1 kiosk id, 2 height, 3 prev, 4 time, 5 records}");
	out->time = (int64_t)time;
	if (block_fields_ok(out) != JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"block: height %llu, its prev hash, time or records are out of range",
			(unsigned long long)out->height);
	return JR_OK;
}

int jr_block_decode(const uint8_t *p, size_t len, struct jr_block *out,
	struct jr_errbuf *eb)
{
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "block: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL)
		return jr_errf(eb, JR_EINVAL, "block: no bytes given");
	rc = block_parse(p, len, out, eb);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- fast scan (block_int.h) ---------------------------------------- */

struct scan {
	const uint8_t *p;
	const uint8_t *end;
};

/* One head of major type `major` in shortest form; false on anything else
 * (another type, an indefinite length, a reserved or longer-than-needed
 * head, or the end of the input). */
static bool scan_head(struct scan *s, unsigned major, uint64_t *v)
{
	unsigned ai;
	size_t n, i;
	uint64_t x = 0;

	if (s->p >= s->end || (unsigned)(*s->p >> 5) != major)
		return false;
	ai = *s->p++ & 0x1fu;
	if (ai < 24) {
		*v = ai;
		return true;
	}
	if (ai > 27)
		return false;
	n = (size_t)1 << (ai - 24);
	if ((size_t)(s->end - s->p) < n)
		return false;
	for (i = 0; i < n; i++)
		x = x << 8 | *s->p++;
	*v = x;
	/* Shortest form: the value needs this many bytes. */
	return n == 1 ? x >= 24 : x >= (UINT64_C(1) << (4 * n));
}

/* A byte string of want bytes (want > 0) or, when want is 0, of 1..max
 * bytes; *data points at it. */
static bool scan_bytes(struct scan *s, size_t want, size_t max,
	const uint8_t **data, size_t *len)
{
	uint64_t n;

	if (!scan_head(s, 2, &n) || (want != 0 && n != want) ||
	    (want == 0 && (n < 1 || n > max)) || n > (size_t)(s->end - s->p))
		return false;
	*data = s->p;
	*len = (size_t)n;
	s->p += n;
	return true;
}

static bool scan_key(struct scan *s, uint64_t want)
{
	uint64_t k;

	return scan_head(s, 0, &k) && k == want;
}

static int scan_body(struct scan *s, struct jr_block_scan *out)
{
	const uint8_t *rec;
	uint64_t n, version, time;
	size_t len, i;

	if (!scan_head(s, 5, &n) || !scan_key(s, 0) || !scan_head(s, 0, &version))
		return JR_EFORMAT;
	if (version != JR_BLOCK_VERSION)
		return JR_EVERSION;
	if (n != 6 || !scan_key(s, 1) ||
	    !scan_bytes(s, JR_ID_BYTES, 0, &out->kiosk_id, &len) ||
	    !scan_key(s, 2) || !scan_head(s, 0, &out->height) ||
	    !scan_key(s, 3) || !scan_bytes(s, JR_HASH_BYTES, 0, &out->prev, &len) ||
	    !scan_key(s, 4) || !scan_head(s, 0, &time) || !scan_key(s, 5) ||
	    !scan_head(s, 4, &n) || n < 1 || n > JR_BLOCK_MAX_RECORDS)
		return JR_EFORMAT;
	for (i = 0; i < n; i++)
		if (!scan_bytes(s, 0, JR_RECORD_MAX_BYTES, &rec, &len))
			return JR_EFORMAT;
	if (s->p != s->end || out->height < 1 || out->height > INT64_MAX ||
	    time > INT64_MAX ||
	    (out->height == 1 && !all_zero(out->prev, JR_HASH_BYTES)))
		return JR_EFORMAT;
	out->time = (int64_t)time;
	out->n_records = (size_t)n;
	return JR_OK;
}

int jr_block_scan(const uint8_t *p, size_t len, struct jr_block_scan *out)
{
	struct scan s = { p, p + len };
	int rc;

	memset(out, 0, sizeof *out);
	if (p == NULL || len == 0)
		return JR_EFORMAT;
	if (len > JR_BLOCK_MAX_BYTES)
		return JR_ETOOBIG;
	rc = scan_body(&s, out);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

/* ---- signatures ----------------------------------------------------- */

int jr_block_sign(const struct jr_key *kiosk, const uint8_t *body, size_t len,
	uint8_t hash[JR_HASH_BYTES], uint8_t sig[JR_SIG_BYTES])
{
	int rc;

	memset(hash, 0, JR_HASH_BYTES);
	memset(sig, 0, JR_SIG_BYTES);
	if (kiosk == NULL || body == NULL || len == 0 || len > JR_BLOCK_MAX_BYTES)
		return JR_EINVAL;
	if (jr_key_role(kiosk) != JR_ROLE_KIOSK)
		return JR_EKEY;
	jr_hash(body, len, hash);
	rc = jr_sign_hash(kiosk, JR_BLOCK_DOMAIN, hash, sig);
	if (rc != JR_OK) {
		memset(hash, 0, JR_HASH_BYTES);
		memset(sig, 0, JR_SIG_BYTES);
	}
	return rc;
}

int jr_block_verify_sig(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	const uint8_t hash[JR_HASH_BYTES], const uint8_t sig[JR_SIG_BYTES])
{
	return jr_verify_hash(sign_pk, JR_BLOCK_DOMAIN, hash, sig);
}

int jr_signed_block_encode(const uint8_t *body, size_t len,
	const uint8_t sig[JR_SIG_BYTES], struct jr_buf *out)
{
	struct jr_cbw w;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (body == NULL || sig == NULL || len == 0)
		return JR_EINVAL;
	if (len > JR_BLOCK_MAX_BYTES)
		return JR_ETOOBIG;
	jr_cbw_init(&w, SIGNED_BLOCK_MAX);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body, len);
	jr_cbw_bytes(&w, sig, JR_SIG_BYTES);
	return jr_cbw_finish(&w, out);
}

static int signed_parse(const uint8_t *p, size_t len, const uint8_t **body,
	size_t *body_len, const uint8_t **sig, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0, siglen = 0;
	int rc;

	if (len > SIGNED_BLOCK_MAX)
		return jr_errf(eb, JR_ETOOBIG, "signed block: %zu bytes, over the maximum of %d",
			len, SIGNED_BLOCK_MAX);
	rc = jr_cbor_check(p, len, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "signed block");
	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 ||
	    jr_cbr_bytes(&r, body, body_len) != JR_OK ||
	    jr_cbr_bytes(&r, sig, &siglen) != JR_OK || jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "signed block: not [body bstr, signature bstr]");
	if (*body_len < 1 || *body_len > JR_BLOCK_MAX_BYTES || siglen != JR_SIG_BYTES)
		return jr_errf(eb, JR_EFORMAT,
			"signed block: body of %zu bytes or signature of %zu bytes (expected 1..%d and %d)",
			*body_len, siglen, JR_BLOCK_MAX_BYTES, JR_SIG_BYTES);
	return JR_OK;
}

int jr_signed_block_decode(const uint8_t *p, size_t len, const uint8_t **body,
	size_t *body_len, const uint8_t **sig, struct jr_errbuf *eb)
{
	int rc;

	if (body == NULL || body_len == NULL || sig == NULL)
		return jr_errf(eb, JR_EINVAL, "signed block: no output given");
	*body = NULL;
	*body_len = 0;
	*sig = NULL;
	if (p == NULL)
		return jr_errf(eb, JR_EINVAL, "signed block: no bytes given");
	rc = signed_parse(p, len, body, body_len, sig, eb);
	if (rc != JR_OK) {
		*body = NULL;
		*body_len = 0;
		*sig = NULL;
	}
	return rc;
}
