/*
 * libFuzzer target for C2SP tlog-proof files: the parser, and verification
 * under the policy of docs/tlog.md's examples for the leaf "entry 3".
 * Seeds: tests/fuzz/corpus/tlogproof/ (the example proof of docs/tlog.md).
 *
 * Beyond "never crash": on failure the outputs are zeroed; what parses has
 * at most 64 hashes and a checkpoint inside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/tlog.h"
#include "tlog_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jr_tlog_policy *pol = example_policy(2);
	struct jr_tlog_proof *pr = malloc(sizeof *pr);
	struct jr_checkpoint cp;
	uint8_t leaf[JR_TLOG_HASH_BYTES];

	if (pr == NULL)
		abort();
	if (jr_tlog_proof_parse(data, size, pr, NULL) != JR_OK) {
		if (!all_zero(pr, sizeof *pr))
			abort();
	} else if (pr->n_hashes > JR_TLOG_PROOF_MAX ||
		   pr->extra_len > JR_TLOG_PROOF_EXTRA_MAX ||
		   pr->checkpoint < data ||
		   pr->checkpoint + pr->checkpoint_len != data + size) {
		abort();
	}
	free(pr);
	jr_tlog_leaf_hash((const uint8_t *)"entry 3", 7, leaf);
	if (jr_tlog_proof_verify(data, size, pol, leaf, &cp, NULL) != JR_OK &&
	    !all_zero(&cp, sizeof cp))
		abort();
	return 0;
}
