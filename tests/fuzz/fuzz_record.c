/*
 * libFuzzer target for jr_record_decode().
 *
 * Beyond "no crash": a record the decoder accepts must be exactly the
 * canonical encoding of the fields it reported (readable map rebuilt here,
 * sealed part checked for shape), and a refused one must leave the output
 * zeroed. Seeds: tests/fuzz/corpus/record/.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* The readable fields, re-encoded with one more map entry (key 10). */
static void readable_prefix(const struct jr_registration *r, struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_RECORD_MAX_BYTES);
	jr_cbw_map(&w, 10 + (r->has_corrects ? 1u : 0u));
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_RECORD_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, r->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, (uint64_t)r->time);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, r->village);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)r->occupation);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, (uint64_t)r->income);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, (uint64_t)r->sex);
	jr_cbw_uint(&w, 7);
	jr_cbw_uint(&w, r->birth_year);
	jr_cbw_uint(&w, 8);
	jr_cbw_uint(&w, r->consent_version);
	if (r->has_corrects) {
		jr_cbw_uint(&w, 9);
		jr_cbw_bytes(&w, r->corrects, JR_REGID_BYTES);
	}
	/* Not a whole item (the map misses key 10): take the raw bytes. */
	if (w.err != 0)
		abort();
	out->base = w.base;
	out->len = w.len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct jr_registration r;
	struct jr_buf pre;
	uint8_t regid[JR_REGID_BYTES];

	if (!ready) {
		if (jr_init() != JR_OK)
			abort();
		ready = true;
	}
	if (jr_record_decode(data, size, &r, NULL) != JR_OK) {
		if (!all_zero(&r, sizeof r))
			abort();
		return 0;
	}
	if (r.occupation < 1 || r.occupation >= JR_OCC_COUNT || r.income < 1 ||
	    r.income >= JR_INCOME_COUNT || (r.sex != JR_SEX_MALE && r.sex != JR_SEX_FEMALE) ||
	    r.time < 0 || r.nik[0] != '\0' || r.name[0] != '\0')
		abort();
	readable_prefix(&r, &pre);
	if (pre.len + 1 > size || memcmp(pre.base, data, pre.len) != 0 ||
	    data[pre.len] != 0x0a ||
	    jr_cbor_check(data + pre.len + 1, size - pre.len - 1, NULL) != JR_OK)
		abort();
	free(pre.base);
	jr_record_id(data, size, regid);
	jr_registration_wipe(&r);
	return 0;
}
