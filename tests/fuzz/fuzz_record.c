/*
 * libFuzzer target for jr_record_decode() and jr_mask_name().
 *
 * Beyond "no crash": a record the decoder accepts must be exactly the
 * documented version 2 layout around the kiosk id it reported (so exactly
 * JR_RECORD_BYTES long), nothing else of the output may be set, and a
 * refused one must leave the output zeroed. The same bytes, read as a name,
 * must mask to at most JR_MASKED_NAME_MAX bytes of whole "X." units.
 * Seeds: tests/fuzz/corpus/record/.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "fail_closed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The fixed bytes of a version 2 record around the kiosk id and the three
 * sealed parts (record.c). */
static bool layout_ok(const uint8_t *d, size_t n, const uint8_t id[JR_ID_BYTES])
{
	return n == JR_RECORD_BYTES && memcmp(d, "\xa3\x00\x02\x01\x50", 5) == 0 &&
	       memcmp(d + 5, id, JR_ID_BYTES) == 0 &&
	       memcmp(d + 21, "\x02\x83\x58\x20", 4) == 0 &&
	       memcmp(d + 57, "\x58\x18", 2) == 0 &&
	       memcmp(d + 83, "\x59\x01\x60", 3) == 0 &&
	       jr_cbor_check(d, n, NULL) == JR_OK;
}

/* The mask of the input read as a NUL-terminated name. */
static void check_mask(const uint8_t *data, size_t size)
{
	char name[256], out[JR_MASKED_NAME_MAX + 1 + 8];
	size_t n = size < sizeof name - 1 ? size : sizeof name - 1, len;

	memcpy(name, data, n);
	name[n] = '\0';
	memset(out, 0x7e, sizeof out);
	jr_mask_name(name, out, JR_MASKED_NAME_MAX + 1);
	len = strlen(out);
	if (len > JR_MASKED_NAME_MAX || out[JR_MASKED_NAME_MAX + 1] != 0x7e)
		abort();
	/* Empty, or units ending in '.', one space apart, no space at the end. */
	if (len > 0 && (out[len - 1] != '.' || out[0] == ' ' || strstr(out, "  ") != NULL))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct jr_registration r;
	uint8_t regid[JR_REGID_BYTES];

	if (!ready) {
		if (jr_init() != JR_OK)
			abort();
		ready = true;
	}
	check_mask(data, size);
	if (jr_record_decode(data, size, &r, NULL) != JR_OK) {
		if (!all_zero(&r, sizeof r))
			abort();
		return 0;
	}
	if (!layout_ok(data, size, r.kiosk_id))
		abort();
	memset(r.kiosk_id, 0, JR_ID_BYTES);
	if (!all_zero(&r, sizeof r))
		abort();
	jr_record_id(data, size, regid);
	return 0;
}
