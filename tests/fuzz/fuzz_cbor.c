/*
 * fuzz_cbor — jr_cbor_check, the jr_cbr reader and the jr_cbw writer.
 *
 * Properties (abort() on any violation):
 *  - Whatever jr_cbor_check accepts, jr_cbr_skip walks to the exact end.
 *  - Whatever it accepts, reading it item by item with jr_cbr_* and writing
 *    it again with jr_cbw_* yields the same bytes: canonical input has
 *    exactly one encoding. (One exception: negative integers below
 *    INT64_MIN are canonical CBOR but not representable in the API.)
 *  - On any input, accepted or not, the reader only fails; it never reads
 *    out of bounds (ASan) or loops.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { COPIED, UNREPRESENTABLE, BROKEN };

/* A negint head with a 64-bit argument of 2^63 or more. */
static bool below_int64_min(const struct jr_cbr *r)
{
	return r->len - r->off >= 9 && r->p[r->off] == 0x3b &&
		(r->p[r->off + 1] & 0x80) != 0;
}

static int copy_item(struct jr_cbr *r, struct jr_cbw *w, unsigned depth);

static int copy_container(struct jr_cbr *r, struct jr_cbw *w, unsigned depth,
	bool map)
{
	size_t n, k;
	int rc;

	if ((map ? jr_cbr_map(r, &n) : jr_cbr_array(r, &n)) != JR_OK)
		return BROKEN;
	if (map) {
		jr_cbw_map(w, n);
		n *= 2;
	} else {
		jr_cbw_array(w, n);
	}
	for (k = 0; k < n; k++)
		if ((rc = copy_item(r, w, depth + 1)) != COPIED)
			return rc;
	return COPIED;
}

static int copy_item(struct jr_cbr *r, struct jr_cbw *w, unsigned depth)
{
	uint64_t u;
	int64_t i;
	const uint8_t *p;
	const char *s;
	size_t n;
	bool b;

	if (depth > JR_CBOR_MAX_DEPTH)
		return BROKEN;
	switch (jr_cbr_peek(r)) {
	case JR_CBOR_UINT:
		if (jr_cbr_uint(r, &u) != JR_OK)
			return BROKEN;
		jr_cbw_uint(w, u);
		return COPIED;
	case JR_CBOR_NEGINT:
		if (below_int64_min(r))
			return UNREPRESENTABLE;
		if (jr_cbr_int(r, &i) != JR_OK)
			return BROKEN;
		jr_cbw_int(w, i);
		return COPIED;
	case JR_CBOR_BYTES:
		if (jr_cbr_bytes(r, &p, &n) != JR_OK)
			return BROKEN;
		jr_cbw_bytes(w, p, n);
		return COPIED;
	case JR_CBOR_TEXT:
		if (jr_cbr_text(r, &s, &n) != JR_OK)
			return BROKEN;
		jr_cbw_text(w, s, n);
		return COPIED;
	case JR_CBOR_ARRAY:
		return copy_container(r, w, depth, false);
	case JR_CBOR_MAP:
		return copy_container(r, w, depth, true);
	case JR_CBOR_BOOL:
		if (jr_cbr_bool(r, &b) != JR_OK)
			return BROKEN;
		jr_cbw_bool(w, b);
		return COPIED;
	case JR_CBOR_NULL:
		if (jr_cbr_null(r) != JR_OK)
			return BROKEN;
		jr_cbw_null(w);
		return COPIED;
	default:
		return BROKEN;
	}
}

/* The item was accepted: it must skip cleanly and re-encode identically. */
static void round_trip(const uint8_t *data, size_t size)
{
	struct jr_cbr r;
	struct jr_cbw w;
	struct jr_buf out = { NULL, 0 };
	int rc;

	jr_cbr_init(&r, data, size);
	if (jr_cbr_skip(&r) != JR_OK || jr_cbr_end(&r) != JR_OK)
		abort();
	jr_cbr_init(&r, data, size);
	jr_cbw_init(&w, size);
	rc = copy_item(&r, &w, 0);
	if (rc == UNREPRESENTABLE) {
		jr_cbw_free(&w);
		return;
	}
	if (rc != COPIED || jr_cbr_end(&r) != JR_OK)
		abort();
	if (jr_cbw_finish(&w, &out) != JR_OK || out.len != size ||
	    memcmp(out.base, data, size) != 0)
		abort();
	jr_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_errbuf eb = { 0 };
	struct jr_cbr r;

	if (jr_cbor_check(data, size, &eb) == JR_OK) {
		if (eb.code != JR_OK)
			abort();
		round_trip(data, size);
		return 0;
	}
	if (eb.code != JR_EFORMAT || eb.msg[0] == '\0')
		abort();
	/* Rejected input: the reader must still stay inside the buffer. */
	jr_cbr_init(&r, data, size);
	(void)jr_cbr_skip(&r);
	(void)jr_cbr_end(&r);
	return 0;
}
