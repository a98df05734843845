/*
 * libFuzzer target for the centre's leaf decoder (docs/centre.md "Leaves"),
 * what jaring-audit runs on every leaf of an export's tiles. Seeds:
 * tests/fuzz/corpus/centre_leaf/ (every leaf of the fuzz fixture's template
 * state and of its seed entries, made and checked by
 * tests/unit/test_centre_corpus.c).
 *
 * Beyond "never crash": a leaf that decodes encodes back to exactly its
 * bytes (a leaf has one encoding), and so again after a second decode; one
 * that does not leaves the output zeroed (fail closed); its names are never
 * NULL.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/centre.h"
#include "fail_closed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_centre_leaf l, again;
	struct jr_buf b = { 0 }, b2 = { 0 };

	if (jr_centre_leaf_decode(data, size, &l) != JR_OK) {
		if (!all_zero(&l, sizeof l))
			abort();
		return 0;
	}
	if (jr_centre_leaf_encode(&l, &b) != JR_OK || b.len != size ||
	    memcmp(b.base, data, size) != 0)
		abort();
	if (jr_centre_leaf_decode(b.base, b.len, &again) != JR_OK ||
	    jr_centre_leaf_encode(&again, &b2) != JR_OK || b2.len != size ||
	    memcmp(b2.base, data, size) != 0)
		abort();
	if (jr_centre_status_name(l.status) == NULL || jr_centre_outcome_name(l.status) == NULL ||
	    jr_centre_kind_name(l.kind) == NULL)
		abort();
	jr_buf_free(&b);
	jr_buf_free(&b2);
	return 0;
}
