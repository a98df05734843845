/*
 * The transparency log's leaves of the centre (docs/centre.md "Leaves").
 * A leaf holds nothing about a person but the registration id, the keyed
 * pseudonym, the district, the outcome and the reason codes: no name, NIK,
 * phone, birth date, village or time; an act's leaf holds its id, kind,
 * signer key id, status and counts, never a comment's text.
 */
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
