/*
 * libFuzzer target for jr_bundle_header_decode() and
 * jr_bundle_header_verify().
 *
 * The input is laid over a header-sized block of zeros (so short inputs
 * explore the fields too) and also decoded as it is (any length but 512 must
 * be refused). A header the decoder accepts must re-encode to the very same
 * 512 bytes; a refusal leaves the output zeroed. Signatures of accepted
 * headers are checked, which must never crash. Seeds:
 * tests/fuzz/corpus/bundle_header/.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/bundle.h"
/* Internal to libjaring; the fuzz build links the static library. */
#include "../../ledger/src/bundle_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_zero(const void *p, size_t n)
{
	const uint8_t *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

static void check(const uint8_t *p, size_t len)
{
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };
	uint8_t again[JR_BUNDLE_HEADER_BYTES];

	if (jr_bundle_header_decode(p, len, "fuzz", &h, &eb) != JR_OK) {
		if (!is_zero(&h, sizeof h) || eb.msg[0] == '\0')
			abort();
		return;
	}
	if (len != JR_BUNDLE_HEADER_BYTES)
		abort();
	if (jr_bundle_header_encode(&h, again) != JR_OK ||
	    memcmp(again, p, JR_BUNDLE_HEADER_BYTES) != 0)
		abort();
	if ((h.info.kind == JR_BUNDLE_UPSTREAM && h.info.first > h.info.last) ||
	    h.info.body_len > JR_BUNDLE_BODY_MAX)
		abort();
	(void)jr_bundle_header_verify(&h, "fuzz", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t block[JR_BUNDLE_HEADER_BYTES] = { 0 };

	if (!ready) {
		if (jr_init() != JR_OK)
			abort();
		ready = true;
	}
	check(data, size);
	memcpy(block, data, size < sizeof block ? size : sizeof block);
	check(block, sizeof block);
	return 0;
}
