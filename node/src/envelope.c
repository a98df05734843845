/*
 * envelope.c — the node's log entry (docs/node.md "Log entry"):
 *
 *   A2|A5  00 01              version 1
 *          01 <bstr>          the centre entry (jaring/centre.h)
 *          02 58 20 <32>      bundle id       (only for an upstream bundle)
 *          03 <uint>          bundle length   (only for an upstream bundle)
 *          04 50 <16>         sender kiosk id (only for an upstream bundle)
 *
 * Canonical CBOR. The centre entry is what jr_centre_apply (and an
 * auditor's replay) runs; the bundle id lets every node answer "was this
 * bundle applied?" after a failover.
 */
#include <string.h>

#include "jaring/cbor.h"
#include "node.h"

#define ENVELOPE_VERSION 1

int jr_node_entry_encode(const struct jr_node_entry *e, struct jr_buf *out)
{
	struct jr_cbw w;

	out->base = NULL;
	out->len = 0;
	jr_cbw_init(&w, JR_CONS_ENTRY_MAX);
	jr_cbw_map(&w, e->has_bundle ? 5 : 2);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, ENVELOPE_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, e->centre, e->centre_len);
	if (e->has_bundle) {
		jr_cbw_uint(&w, 2);
		jr_cbw_bytes(&w, e->bundle_id, JR_HASH_BYTES);
		jr_cbw_uint(&w, 3);
		jr_cbw_uint(&w, e->bundle_len);
		jr_cbw_uint(&w, 4);
		jr_cbw_bytes(&w, e->kiosk, JR_ID_BYTES);
	}
	return jr_cbw_finish(&w, out);
}

int jr_node_entry_decode(const uint8_t *p, size_t len, struct jr_node_entry *out)
{
	struct jr_cbr r;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	if (jr_cbr_open_versioned(&r, p, len, JR_CONS_ENTRY_MAX, "node entry",
		    ENVELOPE_VERSION, &n, NULL) != JR_OK || (n != 2 && n != 5))
		goto bad;
	if (jr_cbr_key(&r, 1) != JR_OK ||
	    jr_cbr_bytes(&r, &out->centre, &out->centre_len) != JR_OK)
		goto bad;
	if (n == 5) {
		out->has_bundle = true;
		if (jr_cbr_key_fixed(&r, 2, out->bundle_id, JR_HASH_BYTES) != JR_OK ||
		    jr_cbr_key_uint(&r, 3, JR_HTTP_BUNDLE_MAX, &out->bundle_len) != JR_OK ||
		    jr_cbr_key_fixed(&r, 4, out->kiosk, JR_ID_BYTES) != JR_OK)
			goto bad;
	}
	if (jr_cbr_end(&r) != JR_OK)
		goto bad;
	return JR_OK;
bad:
	memset(out, 0, sizeof *out);
	return JR_EFORMAT;
}

uint64_t jr_node_centre_kind(const uint8_t *p, size_t len)
{
	struct jr_cbr r;
	size_t n = 0;
	uint64_t kind = 0;

	if (jr_cbr_open_versioned(&r, p, len, JR_CENTRE_ENTRY_MAX_BYTES, "entry",
		    JR_CENTRE_ENTRY_VERSION, &n, NULL) != JR_OK || n != 3 ||
	    jr_cbr_key_uint(&r, 1, UINT64_MAX, &kind) != JR_OK ||
	    jr_cbr_key(&r, 2) != JR_OK || jr_cbr_skip(&r) != JR_OK ||
	    jr_cbr_end(&r) != JR_OK)
		return 0;
	return kind;
}
