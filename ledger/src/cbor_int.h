/*
 * The head reader under jaring/cbor.h's decoders (cbor.c), for the
 * decoders and for test_cbor, which checks it against libcbor's own reader.
 */
#ifndef JR_CBOR_INT_H
#define JR_CBOR_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jr_cbor_head_type {
	JR_CH_NONE, JR_CH_UINT, JR_CH_NEGINT, JR_CH_BYTES, JR_CH_TEXT, JR_CH_ARRAY,
	JR_CH_MAP, JR_CH_BOOL, JR_CH_NULL, JR_CH_OTHER
};

struct jr_cbor_head {
	enum jr_cbor_head_type type;
	uint64_t value;      /* integer argument (n for -1-n), or length, or item count */
	const uint8_t *data; /* bytes and text */
	bool flag;           /* bool value */
	size_t read;         /* bytes consumed by the head (and string data) */
};

/* One head at p (and, for a byte or text string, its data): JR_OK only for
 * an unsigned or negative integer, a byte or text string, an array or map
 * of definite length, false, true or null, in its shortest form and wholly
 * inside len; JR_EFORMAT, with *h zeroed, for anything else. */
int jr_cbor_read_head(const uint8_t *p, size_t len, struct jr_cbor_head *h);

#endif
