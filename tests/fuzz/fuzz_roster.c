/*
 * libFuzzer target for the roster's decoder (jaring/roster.h,
 * docs/formats.md "Roster"), what jaring-audit opens every roster/<serial>
 * of an export with and what the centre applies. The input is a roster
 * *body*: the harness signs it with the fuzz fixture's consortium key
 * (tests/fuzz/centre_fixture.h's seed) so that the fuzzer reaches the
 * decoder behind the signature; the raw input is also opened as a signed
 * roster, which must fail closed. Seeds: tests/fuzz/corpus/roster/ (the
 * fixture's rosters, one of them rotating the consortium key; made and
 * checked by tests/unit/test_centre_corpus.c).
 *
 * Beyond "never crash": what opens signs back, member for member, into
 * exactly the bytes opened (one encoding; Ed25519 is deterministic); every
 * member is found by its id; the hash is the body's; what does not open
 * leaves the roster zeroed.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/roster.h"
#include "fail_closed.h"

#define FX_CONSORTIUM_FILL 0xc1 /* centre_fixture.h's consortium seed */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jr_key *signer;
static struct jr_pubkey signer_pub;

static void setup(void)
{
	uint8_t seed[JR_SEED_BYTES];

	if (signer != NULL)
		return;
	memset(seed, FX_CONSORTIUM_FILL, sizeof seed);
	if (jr_init() != JR_OK || jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &signer) != JR_OK)
		abort();
	jr_key_public(signer, &signer_pub);
}

static void open_fails_closed(const uint8_t *p, size_t len, struct jr_roster *r)
{
	if (jr_roster_open(p, len, signer_pub.sign_pk, r, NULL) == JR_OK)
		return;
	if (!all_zero(r, sizeof *r))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_buf signed_form = { 0 }, again = { 0 };
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_roster r;
	struct jr_cbw w;
	size_t i;

	setup();
	open_fails_closed(data, size, &r);
	jr_roster_free(&r);
	jr_hash(data, size, h);
	if (jr_sign_hash(signer, JR_ROSTER_DOMAIN, h, sig) != JR_OK)
		abort();
	jr_cbw_init(&w, size + 128);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, data, size);
	jr_cbw_bytes(&w, sig, sizeof sig);
	if (jr_cbw_finish(&w, &signed_form) != JR_OK)
		return 0; /* over the writer's cap: not a roster */
	open_fails_closed(signed_form.base, signed_form.len, &r);
	if (r.serial != 0) {
		if (memcmp(r.hash, h, sizeof h) != 0)
			abort();
		for (i = 0; i < r.n; i++)
			if (jr_roster_find(&r, r.m[i].id) != &r.m[i])
				abort();
		if (jr_roster_sign(signer, r.serial, r.consortium_pk, r.m, r.n, &again,
			NULL) != JR_OK || again.len != signed_form.len ||
		    memcmp(again.base, signed_form.base, again.len) != 0)
			abort();
	}
	jr_roster_free(&r);
	jr_buf_free(&again);
	jr_buf_free(&signed_form);
	return 0;
}
