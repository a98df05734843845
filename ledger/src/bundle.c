/*
 * bundle.c — the bundle header and the arithmetic of the body's chunking
 * (jaring/bundle.h; docs/formats.md "Bundle"). Writing is bundle_writer.c,
 * reading bundle_reader.c.
 *
 * Header, JR_BUNDLE_HEADER_BYTES:
 *
 *   0    "JRBUNDLE"
 *   8    L (2 bytes, big-endian), 1..502
 *   10   AD                  map of 13
 *          00 01             key 0, version 1
 *          01 <uint>         key 1, kind 1..2
 *          02 58 20 <32>     key 2, sender Ed25519 public key
 *          03 50 <16>        key 3, recipient key id
 *          04 <uint>         key 4, time
 *          05 <uint>         key 5, range first
 *          06 <uint>         key 6, range last (>= first upstream)
 *          07 <uint>         key 7, items
 *          08 <uint>         key 8, body length
 *          09 58 20 <32>     key 9, body hash
 *          0A 58 50 <80>     key 10, sealed stream key
 *          0B 58 18 <24>     key 11, secretstream header
 *          0C 58 40 <64>     key 12, signature
 *   10+L zeros to 512
 *
 * The largest map is 311 bytes; the rest is room for later versions. The
 * padding must be zero, so no byte of the header escapes the checks.
 */
#include <string.h>
#include <sodium.h>

#include "jaring/bundle.h"
#include "jaring/cbor.h"
#include "bundle_int.h"

#define N_KEYS 13
#define KEY_SIG 12

static bool kind_known(uint64_t kind)
{
	return kind == JR_BUNDLE_UPSTREAM || kind == JR_BUNDLE_DOWNSTREAM;
}

bool jr_bundle_item_allowed(int kind, int item)
{
	switch (kind) {
	case JR_BUNDLE_UPSTREAM:
		return item == JR_ITEM_BLOCK || item == JR_ITEM_VISIT;
	case JR_BUNDLE_DOWNSTREAM:
		return item >= JR_ITEM_STATUS && item <= JR_ITEM_ACK;
	default:
		return false;
	}
}

const char *jr_bundle_name(const char *name)
{
	return name != NULL && name[0] != '\0' ? name : "(unnamed)";
}

void jr_bundle_fmt_u64(uint64_t n, char out[32])
{
	char tmp[32];
	size_t len = 0, i, o = 0;

	do {
		tmp[len++] = (char)('0' + n % 10);
		n /= 10;
	} while (n > 0);
	for (i = len; i > 0; i--) {
		out[o++] = tmp[i - 1];
		if (i > 1 && (i - 1) % 3 == 0)
			out[o++] = ',';
	}
	out[o] = '\0';
}

uint64_t jr_bundle_body_len(uint64_t pt_len)
{
	uint64_t chunks = pt_len == 0 ? 1 : (pt_len + JR_BUNDLE_CHUNK_BYTES - 1) / JR_BUNDLE_CHUNK_BYTES;

	return pt_len + chunks * JR_BUNDLE_CHUNK_ABYTES;
}

bool jr_bundle_pt_len(uint64_t body_len, uint64_t *pt_len)
{
	uint64_t chunks, last;

	*pt_len = 0;
	if (body_len < JR_BUNDLE_CHUNK_ABYTES || body_len > JR_BUNDLE_BODY_MAX)
		return false;
	chunks = (body_len + JR_BUNDLE_STORED_CHUNK - 1) / JR_BUNDLE_STORED_CHUNK;
	last = body_len - (chunks - 1) * JR_BUNDLE_STORED_CHUNK;
	if (last < JR_BUNDLE_CHUNK_ABYTES)
		return false;
	*pt_len = body_len - chunks * JR_BUNDLE_CHUNK_ABYTES;
	return true;
}

size_t jr_bundle_item_overhead(size_t n)
{
	if (n < 24)
		return 2;
	if (n <= UINT8_MAX)
		return 3;
	if (n <= UINT16_MAX)
		return 4;
	return 6; /* up to JR_BUNDLE_ITEM_MAX, a 4-byte length */
}

/* Keys 0..11, and 12 (the signature) when with_sig. */
static void header_fields(struct jr_cbw *w, const struct jr_bundle_header *h, bool with_sig)
{
	const struct jr_bundle_info *in = &h->info;

	jr_cbw_map(w, with_sig ? N_KEYS : N_KEYS - 1);
	jr_cbw_uint(w, 0);
	jr_cbw_uint(w, JR_BUNDLE_VERSION);
	jr_cbw_uint(w, 1);
	jr_cbw_uint(w, (uint64_t)in->kind);
	jr_cbw_uint(w, 2);
	jr_cbw_bytes(w, in->sender_pk, JR_SIGN_PK_BYTES);
	jr_cbw_uint(w, 3);
	jr_cbw_bytes(w, in->recipient_id, JR_ID_BYTES);
	jr_cbw_uint(w, 4);
	jr_cbw_uint(w, in->time);
	jr_cbw_uint(w, 5);
	jr_cbw_uint(w, in->first);
	jr_cbw_uint(w, 6);
	jr_cbw_uint(w, in->last);
	jr_cbw_uint(w, 7);
	jr_cbw_uint(w, in->items);
	jr_cbw_uint(w, 8);
	jr_cbw_uint(w, in->body_len);
	jr_cbw_uint(w, 9);
	jr_cbw_bytes(w, in->body_hash, JR_HASH_BYTES);
	jr_cbw_uint(w, 10);
	jr_cbw_bytes(w, h->sealed_key, JR_BUNDLE_SEALED_KEY_BYTES);
	jr_cbw_uint(w, 11);
	jr_cbw_bytes(w, h->ss_header, JR_BUNDLE_SS_HEADER_BYTES);
	if (with_sig) {
		jr_cbw_uint(w, KEY_SIG);
		jr_cbw_bytes(w, h->sig, JR_SIG_BYTES);
	}
}

int jr_bundle_header_id(const struct jr_bundle_header *h, uint8_t id[JR_HASH_BYTES])
{
	uint8_t buf[JR_BUNDLE_MAP_MAX];
	struct jr_cbw w;
	size_t n;
	int rc;

	jr_cbw_init_fixed(&w, buf, sizeof buf);
	header_fields(&w, h, false);
	if ((rc = jr_cbw_finish_fixed(&w, &n)) != JR_OK) {
		memset(id, 0, JR_HASH_BYTES);
		return rc;
	}
	jr_hash(buf, n, id);
	return JR_OK;
}

int jr_bundle_header_encode(const struct jr_bundle_header *h,
	uint8_t out[JR_BUNDLE_HEADER_BYTES])
{
	struct jr_cbw w;
	size_t n;
	int rc;

	memset(out, 0, JR_BUNDLE_HEADER_BYTES);
	jr_cbw_init_fixed(&w, out + JR_BUNDLE_MAP_OFFSET, JR_BUNDLE_MAP_MAX);
	header_fields(&w, h, true);
	if ((rc = jr_cbw_finish_fixed(&w, &n)) != JR_OK) {
		memset(out, 0, JR_BUNDLE_HEADER_BYTES);
		return rc;
	}
	memcpy(out, JR_BUNDLE_MAGIC, JR_BUNDLE_MAGIC_BYTES);
	out[JR_BUNDLE_MAGIC_BYTES] = (uint8_t)(n >> 8);
	out[JR_BUNDLE_MAGIC_BYTES + 1] = (uint8_t)n;
	return JR_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Magic, length and padding; *map_len gets L. */
static int header_frame(const uint8_t *p, size_t len, const char *name,
	size_t *map_len, struct jr_errbuf *eb)
{
	size_t n;

	*map_len = 0;
	if (len != JR_BUNDLE_HEADER_BYTES)
		return jr_errf(eb, JR_EFORMAT, "bundle %s: header of %zu bytes, not %d",
			jr_bundle_name(name), len, JR_BUNDLE_HEADER_BYTES);
	if (all_zero(p, len))
		return jr_errf(eb, JR_EFORMAT,
			"bundle %s: its header was never written — the export stopped before "
			"it finished (drive removed?); export again", jr_bundle_name(name));
	if (memcmp(p, JR_BUNDLE_MAGIC, JR_BUNDLE_MAGIC_BYTES) != 0)
		return jr_errf(eb, JR_EFORMAT,
			"bundle %s: not a Jaring bundle (it does not start with \"%s\")",
			jr_bundle_name(name), JR_BUNDLE_MAGIC);
	n = (size_t)p[JR_BUNDLE_MAGIC_BYTES] << 8 | p[JR_BUNDLE_MAGIC_BYTES + 1];
	if (n == 0 || n > JR_BUNDLE_MAP_MAX ||
	    !all_zero(p + JR_BUNDLE_MAP_OFFSET + n, JR_BUNDLE_MAP_MAX - n))
		return jr_errf(eb, JR_EFORMAT,
			"bundle %s: header damaged (its length or padding is wrong); "
			"export the bundle again", jr_bundle_name(name));
	*map_len = n;
	return JR_OK;
}

/* The fields after the version, in key order. */
static int header_fields_read(struct jr_cbr *r, struct jr_bundle_header *h)
{
	struct jr_bundle_info *in = &h->info;
	uint64_t kind = 0;

	jr_cbr_key_uint(r, 1, UINT64_MAX, &kind);
	jr_cbr_key_fixed(r, 2, in->sender_pk, JR_SIGN_PK_BYTES);
	jr_cbr_key_fixed(r, 3, in->recipient_id, JR_ID_BYTES);
	jr_cbr_key_uint(r, 4, UINT64_MAX, &in->time);
	jr_cbr_key_uint(r, 5, UINT64_MAX, &in->first);
	jr_cbr_key_uint(r, 6, UINT64_MAX, &in->last);
	jr_cbr_key_uint(r, 7, UINT64_MAX, &in->items);
	jr_cbr_key_uint(r, 8, JR_BUNDLE_BODY_MAX, &in->body_len);
	jr_cbr_key_fixed(r, 9, in->body_hash, JR_HASH_BYTES);
	jr_cbr_key_fixed(r, 10, h->sealed_key, JR_BUNDLE_SEALED_KEY_BYTES);
	jr_cbr_key_fixed(r, 11, h->ss_header, JR_BUNDLE_SS_HEADER_BYTES);
	jr_cbr_key_fixed(r, KEY_SIG, h->sig, JR_SIG_BYTES);
	if (jr_cbr_end(r) != JR_OK)
		return JR_EFORMAT;
	in->kind = kind_known(kind) ? (int)kind : 0;
	return JR_OK;
}

/* What the fields must satisfy together. NULL if they do. */
static const char *header_inconsistent(const struct jr_bundle_info *in)
{
	uint64_t pt_len;

	if (in->kind == 0)
		return "its kind is not known to this software (update the software)";
	if (in->kind == JR_BUNDLE_UPSTREAM && in->first > in->last)
		return "its range ends before it starts";
	if (!jr_bundle_pt_len(in->body_len, &pt_len))
		return "its body length is not one the chunking can produce";
	if (in->items > pt_len / JR_BUNDLE_ITEM_MIN_FRAMED)
		return "it counts more items than its body can hold";
	return NULL;
}

int jr_bundle_header_decode(const uint8_t *p, size_t len, const char *name,
	struct jr_bundle_header *out, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t map_len, n;
	const char *why;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (p == NULL)
		return JR_EINVAL;
	if ((rc = header_frame(p, len, name, &map_len, eb)) != JR_OK)
		return rc;
	if ((rc = jr_cbr_open_versioned(&r, p + JR_BUNDLE_MAP_OFFSET, map_len,
		     JR_BUNDLE_MAP_MAX, "bundle header", JR_BUNDLE_VERSION, &n, eb)) != JR_OK)
		return jr_errf(eb, rc, "bundle %s", jr_bundle_name(name));
	if (n != N_KEYS || header_fields_read(&r, out) != JR_OK) {
		memset(out, 0, sizeof *out);
		return jr_errf(eb, JR_EFORMAT,
			"bundle %s: header damaged (a field is missing or malformed); "
			"export the bundle again", jr_bundle_name(name));
	}
	if ((why = header_inconsistent(&out->info)) != NULL) {
		memset(out, 0, sizeof *out);
		return jr_errf(eb, JR_EFORMAT, "bundle %s: header refused: %s",
			jr_bundle_name(name), why);
	}
	jr_keyid_from_pk(out->info.sender_pk, out->info.sender_id);
	if ((rc = jr_bundle_header_id(out, out->info.id)) != JR_OK) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	return JR_OK;
}

int jr_bundle_header_verify(const struct jr_bundle_header *h, const char *name,
	struct jr_errbuf *eb)
{
	char who[JR_KEYID_SHORT_LEN + 1];

	if (h == NULL)
		return JR_EINVAL;
	if (jr_verify_hash(h->info.sender_pk, JR_BUNDLE_DOMAIN, h->info.id, h->sig) == JR_OK)
		return JR_OK;
	jr_keyid_short(h->info.sender_id, who);
	return jr_errf(eb, JR_ESIG,
		"bundle %s: its signature does not verify with the key it names (%s): "
		"it was altered or forged; do not import it, export it again",
		jr_bundle_name(name), who);
}
