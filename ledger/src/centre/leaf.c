/*
 * The transparency log's leaves of the centre (docs/centre.md "Leaves").
 * A leaf holds nothing about a person but the registration id, the keyed
 * pseudonym, the district, the outcome and the reason codes: no name, NIK,
 * phone, birth date, village or time; an act's leaf holds its id, kind,
 * signer key id, status and counts, never a comment's text.
 */
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"

#define LEAF_MAX 256

int jr_centre_leaf_roster(const uint8_t hash[JR_HASH_BYTES], uint64_t serial,
	enum jr_centre_status st, struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, LEAF_MAX);
	jr_cbw_map(&w, 4);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, hash, JR_HASH_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, serial);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, (uint64_t)st);
	return jr_cbw_finish(&w, out);
}

int jr_centre_leaf_block(const uint8_t kiosk[JR_ID_BYTES], uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status st, struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, LEAF_MAX);
	jr_cbw_map(&w, 5);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, kiosk, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, height);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, hash, JR_HASH_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)st);
	return jr_cbw_finish(&w, out);
}

int jr_centre_leaf_reg(const uint8_t regid[JR_REGID_BYTES],
	const uint8_t pseudonym[JR_CENTRE_PSEUDONYM_BYTES], uint64_t district,
	enum jr_centre_outcome o, const struct jr_verdict *v, const uint8_t *corrects,
	struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i;

	jr_cbw_init(&w, LEAF_MAX);
	jr_cbw_map(&w, corrects != NULL ? 7 : 6);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, regid, JR_REGID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_bytes(&w, pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, district);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)o);
	jr_cbw_uint(&w, 5);
	jr_cbw_array(&w, v->n);
	for (i = 0; i < v->n; i++)
		jr_cbw_uint(&w, (uint64_t)v->reasons[i]);
	if (corrects != NULL) {
		jr_cbw_uint(&w, 6);
		jr_cbw_bytes(&w, corrects, JR_REGID_BYTES);
	}
	return jr_cbw_finish(&w, out);
}

int jr_centre_leaf_act(const uint8_t id[JR_HASH_BYTES], enum jr_centre_kind kind,
	const uint8_t signer[JR_ID_BYTES], enum jr_centre_status st, uint64_t n,
	const uint8_t *subject, struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, LEAF_MAX);
	jr_cbw_map(&w, subject != NULL ? 7 : 6);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, id, JR_HASH_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, (uint64_t)kind);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, signer, JR_ID_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)st);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, n);
	if (subject != NULL) {
		jr_cbw_uint(&w, 6);
		jr_cbw_bytes(&w, subject, JR_REGID_BYTES);
	}
	return jr_cbw_finish(&w, out);
}

int jr_centre_leaf_item(const uint8_t id[JR_HASH_BYTES], enum jr_centre_kind kind,
	uint32_t verb, uint32_t agency, const uint8_t regid[JR_REGID_BYTES],
	enum jr_centre_status st, const struct jr_verdict *v, struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i, n = v != NULL ? v->n : 0;

	jr_cbw_init(&w, LEAF_MAX);
	jr_cbw_map(&w, 8);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, id, JR_HASH_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, (uint64_t)kind);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, verb);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, agency);
	jr_cbw_uint(&w, 5);
	jr_cbw_bytes(&w, regid, JR_REGID_BYTES);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, (uint64_t)st);
	jr_cbw_uint(&w, 7);
	jr_cbw_array(&w, n);
	for (i = 0; i < n; i++)
		jr_cbw_uint(&w, (uint64_t)v->reasons[i]);
	return jr_cbw_finish(&w, out);
}

/* Decoding: each type's fields in order, then the leaf is encoded again and
 * must be the same bytes, so that only what the centre writes decodes. */

static void reasons_read(struct jr_cbr *r, uint64_t key, struct jr_verdict *v)
{
	size_t n = 0, i;

	if (jr_cbr_key(r, key) != JR_OK || jr_cbr_array(r, &n) != JR_OK || n > JR_VERDICT_MAX) {
		r->err = JR_EFORMAT;
		return;
	}
	for (i = 0; i < n; i++) {
		uint64_t code = 0;

		if (jr_cbr_uint(r, &code) != JR_OK || code > 0xffff)
			r->err = JR_EFORMAT;
		v->reasons[i] = (enum jr_reason)code;
	}
	v->n = n;
}

static void leaf_fields(struct jr_cbr *r, size_t keys, struct jr_centre_leaf *l)
{
	uint64_t a = 0, b = 0, c = 0;

	switch (l->type) {
	case JR_LEAF_ROSTER:
		(void)jr_cbr_key_fixed(r, 1, l->hash, JR_HASH_BYTES);
		(void)jr_cbr_key_uint(r, 2, INT64_MAX, &l->n);
		(void)jr_cbr_key_uint(r, 3, JR_CS_MAX, &a);
		break;
	case JR_LEAF_BLOCK:
		(void)jr_cbr_key_fixed(r, 1, l->id, JR_ID_BYTES);
		(void)jr_cbr_key_uint(r, 2, INT64_MAX, &l->n);
		(void)jr_cbr_key_fixed(r, 3, l->hash, JR_HASH_BYTES);
		(void)jr_cbr_key_uint(r, 4, JR_CS_MAX, &a);
		break;
	case JR_LEAF_REGISTRATION:
		(void)jr_cbr_key_fixed(r, 1, l->id, JR_REGID_BYTES);
		(void)jr_cbr_key_fixed(r, 2, l->pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
		(void)jr_cbr_key_uint(r, 3, INT64_MAX, &l->n);
		(void)jr_cbr_key_uint(r, 4, JR_CO_INELIGIBLE, &a);
		reasons_read(r, 5, &l->reasons);
		l->has_ref = keys == 7;
		if (l->has_ref)
			(void)jr_cbr_key_fixed(r, 6, l->ref, JR_REGID_BYTES);
		break;
	case JR_LEAF_ACT:
		(void)jr_cbr_key_fixed(r, 1, l->hash, JR_HASH_BYTES);
		(void)jr_cbr_key_uint(r, 2, JR_CENTRE_KIND_MAX, &b);
		(void)jr_cbr_key_fixed(r, 3, l->id, JR_ID_BYTES);
		(void)jr_cbr_key_uint(r, 4, JR_CS_MAX, &a);
		(void)jr_cbr_key_uint(r, 5, INT64_MAX, &l->n);
		l->has_ref = keys == 7;
		if (l->has_ref)
			(void)jr_cbr_key_fixed(r, 6, l->ref, JR_REGID_BYTES);
		break;
	case JR_LEAF_ITEM:
		(void)jr_cbr_key_fixed(r, 1, l->hash, JR_HASH_BYTES);
		(void)jr_cbr_key_uint(r, 2, JR_CENTRE_KIND_MAX, &b);
		(void)jr_cbr_key_uint(r, 3, 3, &c);
		(void)jr_cbr_key_uint(r, 4, 31, &a);
		l->agency = (uint32_t)a;
		(void)jr_cbr_key_fixed(r, 5, l->id, JR_REGID_BYTES);
		(void)jr_cbr_key_uint(r, 6, JR_CS_MAX, &a);
		reasons_read(r, 7, &l->reasons);
		break;
	}
	l->status = (unsigned)a;
	l->kind = (uint32_t)b;
	l->verb = (uint32_t)c;
}

int jr_centre_leaf_encode(const struct jr_centre_leaf *l, struct jr_buf *out)
{
	switch (l->type) {
	case JR_LEAF_ROSTER:
		return jr_centre_leaf_roster(l->hash, l->n, (enum jr_centre_status)l->status, out);
	case JR_LEAF_BLOCK:
		return jr_centre_leaf_block(l->id, l->n, l->hash,
			(enum jr_centre_status)l->status, out);
	case JR_LEAF_REGISTRATION:
		return jr_centre_leaf_reg(l->id, l->pseudonym, l->n,
			(enum jr_centre_outcome)l->status, &l->reasons,
			l->has_ref ? l->ref : NULL, out);
	case JR_LEAF_ACT:
		return jr_centre_leaf_act(l->hash, (enum jr_centre_kind)l->kind, l->id,
			(enum jr_centre_status)l->status, l->n, l->has_ref ? l->ref : NULL, out);
	case JR_LEAF_ITEM:
		return jr_centre_leaf_item(l->hash, (enum jr_centre_kind)l->kind, l->verb,
			l->agency, l->id, (enum jr_centre_status)l->status, &l->reasons, out);
	}
	return JR_EFORMAT;
}

int jr_centre_leaf_fields(const uint8_t *p, size_t len, struct jr_centre_leaf *out)
{
	struct jr_cbr r;
	size_t keys = 0;
	uint64_t type = 0;

	/* No jr_cbor_check: the reader is strict and bounded (shortest heads,
	 * lengths within the input); jr_centre_leaf_decode then proves the
	 * bytes canonical by encoding them again. */
	memset(out, 0, sizeof *out);
	if (p == NULL || len > LEAF_MAX)
		return JR_EFORMAT;
	jr_cbr_init(&r, p, len);
	if (jr_cbr_map(&r, &keys) != JR_OK || jr_cbr_key_uint(&r, 0, JR_LEAF_ITEM, &type) != JR_OK ||
		type == 0) {
		memset(out, 0, sizeof *out);
		return JR_EFORMAT;
	}
	out->type = (enum jr_centre_leaf_type)type;
	leaf_fields(&r, keys, out);
	if (r.err != JR_OK || jr_cbr_end(&r) != JR_OK) {
		memset(out, 0, sizeof *out);
		return JR_EFORMAT;
	}
	return JR_OK;
}

int jr_centre_leaf_decode(const uint8_t *p, size_t len, struct jr_centre_leaf *out)
{
	struct jr_buf again = { 0 };
	int rc = jr_centre_leaf_fields(p, len, out);

	if (rc == JR_OK)
		rc = jr_centre_leaf_encode(out, &again);
	if (rc == JR_OK && (again.len != len || memcmp(again.base, p, len) != 0))
		rc = JR_EFORMAT;
	jr_buf_free(&again);
	if (rc != JR_OK) {
		memset(out, 0, sizeof *out);
		return JR_EFORMAT;
	}
	return JR_OK;
}

static const char *const status_names[JR_CS_MAX + 1] = { "", "APPLIED", "UNKNOWN_KIOSK",
	"REVOKED", "BAD_SIGNATURE", "KIOSK_MISMATCH", "CHAIN_BREAK", "EQUIVOCATION",
	"MALFORMED", "HELD", "STALE_ROSTER", "UNKNOWN_KEY", "NOT_PERMITTED", "OUT_OF_REGION",
	"UNKNOWN_REGISTRATION", "NOT_IN_REVIEW", "ALREADY_DONE", "NOT_APPROVED",
	"ALLOCATION_SHORT", "UNKNOWN_ALLOCATION", "DUPLICATE_ID", "ALREADY_DECREED",
	"NOT_ELIGIBLE", "NOT_DECREED", "ALREADY_PAID", "AMOUNT_MISMATCH",
	"BEYOND_ALLOCATION", "STALE_POLICY", "STALE_LIST", "LIST_MISMATCH", "BAD_PERIOD" };
static const char *const outcome_names[] = { "", "ACCEPTED", "RETURNED", "DUPLICATE",
	"HELD", "UNOPENABLE", "INELIGIBLE" };
static const char *const kind_names[] = { "", "roster", "upstream", "policy", "review",
	"view", "decree", "allocation", "payment", "reference list" };

const char *jr_centre_status_name(unsigned st)
{
	return st >= 1 && st <= JR_CS_MAX ? status_names[st] : "UNKNOWN_STATUS";
}

const char *jr_centre_outcome_name(unsigned o)
{
	return o >= 1 && o <= JR_CO_INELIGIBLE ? outcome_names[o] : "UNKNOWN_OUTCOME";
}

const char *jr_centre_kind_name(unsigned kind)
{
	return kind >= 1 && kind <= JR_CENTRE_KIND_MAX ? kind_names[kind] : "unknown";
}
