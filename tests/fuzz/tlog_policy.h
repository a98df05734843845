/*
 * tests/fuzz/tlog_policy.h — what the transparency-log fuzz targets share:
 * the fail-closed check (fail_closed.h) and the policy of docs/tlog.md's
 * examples (log seed 32 x 10, witnesses 32 x 20 and 32 x 21). Included by one target each, so
 * its functions are static.
 */
#ifndef JR_FUZZ_TLOG_POLICY_H
#define JR_FUZZ_TLOG_POLICY_H

#include <stdlib.h>
#include <string.h>

#include "jaring/tlog.h"
#include "fail_closed.h"

/* The example policy with `quorum` of its two witnesses; built once. */
static const struct jr_tlog_policy *example_policy(size_t quorum)
{
	static struct jr_note_verifier w[2];
	static struct jr_tlog_policy pol;
	static const char *const names[2] = { "witness.example.jaring.id/disnaker",
		"witness.example.jaring.id/dpmd" };
	static bool ready;
	uint8_t seed[JR_SEED_BYTES];
	struct jr_pubkey pub;
	struct jr_key *k = NULL;

	if (ready)
		return &pol;
	if (jr_init() != JR_OK)
		abort();
	for (int i = 0; i < 3; i++) {
		memset(seed, i == 0 ? 0x10 : 0x20 + i - 1, sizeof seed);
		if (jr_key_from_seed(JR_ROLE_NODE, seed, &k) != JR_OK)
			abort();
		jr_key_public(k, &pub);
		jr_key_free(k);
		if ((i == 0 ? jr_note_verifier_make("tlog.example.jaring.id/tegal",
		    JR_NOTE_ALG_ED25519, pub.sign_pk, &pol.log) :
		    jr_note_verifier_make(names[i - 1], JR_NOTE_ALG_COSIG_V1,
		    pub.sign_pk, &w[i - 1])) != JR_OK)
			abort();
	}
	pol.witnesses = w;
	pol.n_witnesses = 2;
	pol.quorum = quorum;
	ready = true;
	return &pol;
}

#endif
