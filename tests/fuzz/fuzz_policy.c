/*
 * fuzz_policy — jr_policy_decode on arbitrary bytes. Whatever it accepts must
 * encode back to exactly the same bytes (a policy has one encoding).
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_policy p;
	struct jr_buf out = { NULL, 0 };

	if (jr_policy_decode(data, size, &p, NULL) != JR_OK)
		return 0;
	if (jr_policy_encode(&p, &out) != JR_OK || out.len != size ||
	    memcmp(out.base, data, size) != 0)
		abort();
	jr_buf_free(&out);
	return 0;
}
