/*
 * libFuzzer target for the receipt decoders: the payload decoder, the QR
 * text decoder and the typed-code parser, and verification against a fixed
 * kiosk key. Seeds: tests/fuzz/corpus/receipt/ (made and checked by
 * test_receipt.c's fuzz_seed_corpus_is_what_the_library_makes, with the key
 * from the same seed as here).
 *
 * Beyond "never crash", it checks the fail-closed contracts: on any failure
 * the outputs are zeroed.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "fail_closed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The kiosk key of the seed corpus: seed bytes 1, 2, ..., 32. */
static const uint8_t *fuzz_pk(void)
{
	static struct jr_pubkey pub;
	static bool ready;
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	if (ready)
		return pub.sign_pk;
	for (size_t i = 0; i < JR_SEED_BYTES; i++)
		seed[i] = (uint8_t)(i + 1);
	if (jr_init() != JR_OK ||
	    jr_key_from_seed(JR_ROLE_KIOSK, seed, &k) != JR_OK)
		abort();
	jr_key_public(k, &pub);
	jr_key_free(k);
	ready = true;
	return pub.sign_pk;
}

static void check_payload(const uint8_t *p, size_t n, const uint8_t *pk)
{
	struct jr_receipt r;
	struct jr_errbuf eb = { 0 };
	const uint8_t *sig = NULL;

	if (jr_receipt_decode(p, n, &r, &sig, &eb) != JR_OK) {
		if (!all_zero(&r, sizeof r) || sig != NULL)
			abort();
	} else if (sig < p || sig + JR_SIG_BYTES > p + n ||
		   strlen(r.masked_name) > JR_MASKED_NAME_MAX) {
		abort();
	}
	if (jr_receipt_verify(p, n, pk, &r, &eb) != JR_OK &&
	    !all_zero(&r, sizeof r))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pk = fuzz_pk();
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	size_t plen = 1;
	uint64_t prefix = 1;

	check_payload(data, size, pk);
	if (jr_receipt_from_text((const char *)data, size, payload, &plen,
	    NULL) == JR_OK)
		check_payload(payload, plen, pk);
	else if (plen != 0 || !all_zero(payload, sizeof payload))
		abort();
	if (jr_receipt_code_parse((const char *)data, size, &prefix, NULL) !=
	    JR_OK && prefix != 0)
		abort();
	return 0;
}
