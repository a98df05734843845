/*
 * block_int.h — the fast, allocation-free scan of a block body that
 * jr_shard_verify() uses per block (internal to libjaring).
 *
 * jr_block_scan() accepts exactly the bodies jr_block_decode() accepts (the
 * canonical layout in block.c, byte for byte) and reports the fields the
 * chain walk needs. It exists because the generic canonical-CBOR path costs
 * more per block than hashing the body does; tests/unit/test_block.c and
 * tests/fuzz/fuzz_block.c hold the two to the same verdicts.
 */
#ifndef JR_BLOCK_INT_H
#define JR_BLOCK_INT_H

#include "jaring/block.h"

struct jr_block_scan {
	const uint8_t *kiosk_id; /* JR_ID_BYTES, points into the body */
	uint64_t height;
	const uint8_t *prev;     /* JR_HASH_BYTES, points into the body */
	int64_t time;
	size_t n_records;
};

/* JR_OK, JR_EVERSION or JR_EFORMAT (JR_ETOOBIG over JR_BLOCK_MAX_BYTES);
 * *out is zeroed on failure. */
int jr_block_scan(const uint8_t *p, size_t len, struct jr_block_scan *out);

#endif
