/*
 * libFuzzer target for what jaring-node parses from the network
 * (node/src/http_parse.c, ledger/src/tlog/policyfile.c, envelope.c): request paths, decimal
 * header values, hex ids, a peer's state-hash answer, membership requests,
 * the cosign policy file and the node's log entry. The first byte picks the
 * parser; the rest is its input. Seeds: tests/fuzz/corpus/http/.
 *
 * Beyond "never crash": fail closed (outputs zeroed on failure), a matched
 * route's id has the length its route says, and a decoded entry points
 * inside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "node.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void route(const char *s, size_t n)
{
	struct jr_route_match m;

	jr_http_route(s, n, &m);
	if (m.route == JR_RT_BUNDLE && m.id_len != JR_HASH_BYTES)
		abort();
	if ((m.route == JR_RT_DOWNSTREAM || m.route == JR_RT_PROOF_REG) && m.id_len != 16)
		abort();
	if (m.route == JR_RT_TILE && (m.tile_width < 1 || m.tile_width > 256))
		abort();
	if (m.route == JR_RT_SNAPSHOT && (m.id_len != JR_HASH_BYTES || m.index == 0 ||
					  m.index > INT64_MAX))
		abort();
}

static void numbers(const char *s, size_t n)
{
	uint64_t v = 1;
	uint8_t h[JR_HASH_BYTES];

	if (jr_http_parse_u64(s, n, UINT64_MAX, &v) != JR_OK && v != 0)
		abort();
	if (jr_http_parse_hex(s, n, h, sizeof h) != JR_OK && !zero(h, sizeof h))
		abort();
	if (jr_http_parse_hash_answer(s, n, &v, h) != JR_OK && (v != 0 || !zero(h, sizeof h)))
		abort();
}

static void member(const char *s, size_t n)
{
	struct jr_member_req m;

	if (jr_http_parse_member(s, n, &m) != JR_OK) {
		if (!zero(&m, sizeof m))
			abort();
	} else if (m.signed_len == 0 || m.signed_len > n || m.id == 0) {
		abort();
	}
}

static void policy(const char *s, size_t n)
{
	struct jr_tlog_policy_file *p = malloc(sizeof *p);

	if (p == NULL)
		abort();
	if (jr_tlog_policy_parse(s, n, p, NULL) != JR_OK) {
		if (!zero(p, sizeof *p))
			abort();
	} else if (p->p.quorum > p->p.n_witnesses || p->p.n_witnesses > JR_NODE_MAX_PEERS) {
		abort();
	}
	free(p);
}

static void entry(const uint8_t *d, size_t n)
{
	struct jr_node_entry e;

	if (jr_node_entry_decode(d, n, &e) != JR_OK) {
		if (!zero(&e, sizeof e))
			abort();
	} else if (e.centre < d || e.centre + e.centre_len > d + n) {
		abort();
	}
	(void)jr_node_centre_kind(d, n);
}

/* The 64-byte snapshot reference libraft hands back to restore. */
static void snapshot_ref(const uint8_t *d, size_t n)
{
	struct jr_snap_ref r;
	uint8_t again[JR_SNAP_REF_BYTES];

	if (jr_snap_ref_decode(d, n, &r) != JR_OK) {
		if (!zero(&r, sizeof r))
			abort();
		return;
	}
	jr_snap_ref_encode(&r, again);
	if (n != sizeof again || memcmp(again, d, n) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data + 1;

	if (size == 0)
		return 0;
	if (jr_init() != JR_OK)
		abort();
	switch (data[0] % 6) {
	case 0: route(s, size - 1); break;
	case 1: numbers(s, size - 1); break;
	case 2: member(s, size - 1); break;
	case 3: policy(s, size - 1); break;
	case 4: entry(data + 1, size - 1); break;
	default: snapshot_ref(data + 1, size - 1); break;
	}
	return 0;
}
