/*
 * libFuzzer target for the export's genesis file (docs/export.md
 * "genesis"): jr_centre_genesis_decode, what jaring-audit reads first and
 * trusts the first roster by. Seeds: tests/fuzz/corpus/genesis/ (made and
 * checked by tests/unit/test_centre_corpus.c).
 *
 * Beyond "never crash": what decodes encodes back to exactly its bytes (the
 * file has one encoding); on failure the key is zeroed (fail closed).
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/centre.h"
#include "fail_closed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t pk[JR_SIGN_PK_BYTES];
	struct jr_policy pol;
	struct jr_buf b = { 0 };

	if (jr_centre_genesis_decode(data, size, pk, &pol, NULL) != JR_OK) {
		if (!all_zero(pk, sizeof pk))
			abort();
		return 0;
	}
	if (jr_centre_genesis_encode(pk, &pol, &b) != JR_OK || b.len != size ||
	    memcmp(b.base, data, size) != 0)
		abort();
	jr_buf_free(&b);
	return 0;
}
