/*
 * libFuzzer target for the acknowledged head (jaring/ack.h): verification
 * against a fixed consortium key. Seeds: tests/fuzz/corpus/ack/ (made and
 * checked by test_ack.c's fuzz_seed_corpus_is_what_the_library_makes, with
 * the key from the same seed as here).
 *
 * Beyond "never crash", it checks the fail-closed contract (on failure the
 * output is zeroed) and that whatever verifies re-signs to the same bytes:
 * one acknowledgement has one encoding.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/ack.h"
#include "jaring/keys.h"
#include "fail_closed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The consortium key of the seed corpus: seed bytes 1, 2, ..., 32. */
static struct jr_key *fuzz_key(struct jr_pubkey *pub)
{
	static struct jr_key *k;
	static struct jr_pubkey p;
	uint8_t seed[JR_SEED_BYTES];

	if (k == NULL) {
		for (size_t i = 0; i < JR_SEED_BYTES; i++)
			seed[i] = (uint8_t)(i + 1);
		if (jr_init() != JR_OK ||
		    jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &k) != JR_OK)
			abort();
		jr_key_public(k, &p);
	}
	*pub = p;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_pubkey pub;
	struct jr_key *k = fuzz_key(&pub);
	struct jr_errbuf eb = { 0 };
	struct jr_buf again;
	struct jr_ack a;

	if (jr_ack_verify(data, size, pub.sign_pk, &a, &eb) != JR_OK) {
		if (!all_zero(&a, sizeof a))
			abort();
		return 0;
	}
	if (a.height < 1 || a.height > INT64_MAX || a.time < 0)
		abort();
	if (jr_ack_sign(k, &a, &again) != JR_OK || again.len != size ||
	    memcmp(again.base, data, size) != 0)
		abort();
	jr_buf_free(&again);
	return 0;
}
