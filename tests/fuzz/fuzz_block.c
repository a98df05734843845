/*
 * libFuzzer target for jr_block_decode() and jr_signed_block_decode().
 *
 * A body the decoder accepts must re-encode to the very same bytes, and the
 * shard's fast scan (jr_block_scan, used by jr_shard_verify) must give the
 * same verdict and fields; a signed block that decodes must re-encode to the
 * same bytes. Refusals leave outputs zeroed. Seeds: tests/fuzz/corpus/block/.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/block.h"
/* Internal to libjaring; the fuzz build links the static library. */
#include "../../ledger/src/block_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_body(const uint8_t *data, size_t size)
{
	struct jr_block b;
	struct jr_block_scan sc;
	struct jr_buf again;
	int rc = jr_block_decode(data, size, &b, NULL);
	int rs = jr_block_scan(data, size, &sc);

	if ((rc == JR_OK) != (rs == JR_OK))
		abort();
	if (rc != JR_OK)
		return;
	if (sc.height != b.height || sc.time != b.time || sc.n_records != b.n_records ||
	    memcmp(sc.kiosk_id, b.kiosk_id, JR_ID_BYTES) != 0 ||
	    memcmp(sc.prev, b.prev, JR_HASH_BYTES) != 0)
		abort();
	if (jr_block_encode(&b, &again) != JR_OK || again.len != size ||
	    memcmp(again.base, data, size) != 0)
		abort();
	jr_buf_free(&again);
}

static void check_signed(const uint8_t *data, size_t size)
{
	const uint8_t *body, *sig;
	size_t body_len;
	struct jr_buf again;

	if (jr_signed_block_decode(data, size, &body, &body_len, &sig, NULL) != JR_OK) {
		if (body != NULL || sig != NULL || body_len != 0)
			abort();
		return;
	}
	if (jr_signed_block_encode(body, body_len, sig, &again) != JR_OK ||
	    again.len != size || memcmp(again.base, data, size) != 0)
		abort();
	jr_buf_free(&again);
	check_body(body, body_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		if (jr_init() != JR_OK)
			abort();
		ready = true;
	}
	check_body(data, size);
	check_signed(data, size);
	return 0;
}
