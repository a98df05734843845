/*
 * libFuzzer target for C2SP tlog-proof files: the parser, and verification
 * under the policy of docs/tlog.md's examples for the leaf "entry 3".
 * Seeds: tests/fuzz/corpus/tlogproof/ (the example proof of docs/tlog.md).
 *
 * Beyond "never crash": on failure the outputs are zeroed; what parses has
 * at most 64 hashes and a checkpoint inside the input.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static const struct jr_tlog_policy *policy(void)
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
	pol.quorum = 2;
	ready = true;
	return &pol;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jr_tlog_policy *pol = policy();
	struct jr_tlog_proof *pr = malloc(sizeof *pr);
	struct jr_checkpoint cp;
	uint8_t leaf[JR_TLOG_HASH_BYTES];

	if (pr == NULL)
		abort();
	if (jr_tlog_proof_parse(data, size, pr, NULL) != JR_OK) {
		if (!all_zero(pr, sizeof *pr))
			abort();
	} else if (pr->n_hashes > JR_TLOG_PROOF_MAX ||
		   pr->extra_len > JR_TLOG_PROOF_EXTRA_MAX ||
		   pr->checkpoint < data ||
		   pr->checkpoint + pr->checkpoint_len != data + size) {
		abort();
	}
	free(pr);
	jr_tlog_leaf_hash((const uint8_t *)"entry 3", 7, leaf);
	if (jr_tlog_proof_verify(data, size, pol, leaf, &cp, NULL) != JR_OK &&
	    !all_zero(&cp, sizeof cp))
		abort();
	return 0;
}
