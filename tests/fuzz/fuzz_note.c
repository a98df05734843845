/*
 * libFuzzer target for the signed-note side of the transparency log: the
 * note parser, the checkpoint text parser, the verifier-key parser, the
 * tile path parser, and opening a checkpoint under a fixed policy (the log
 * and witness keys of docs/tlog.md's examples). Seeds:
 * tests/fuzz/corpus/note/ (the examples of docs/tlog.md and Go's note).
 *
 * Beyond "never crash", it checks the fail-closed contracts: on failure the
 * outputs are zeroed, and what parses points inside the input.
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

/* The policy of docs/tlog.md: log seed 32 x 10, witnesses 32 x 20, 21. */
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
	pol.quorum = 1;
	ready = true;
	return &pol;
}

static void check_note(const uint8_t *data, size_t size)
{
	struct jr_note *n = malloc(sizeof *n);
	struct jr_checkpoint cp;

	if (n == NULL)
		abort();
	if (jr_note_parse(data, size, n, NULL) != JR_OK) {
		if (!all_zero(n, sizeof *n))
			abort();
	} else {
		if (n->text != data || n->text_len >= size || n->n_sigs == 0 ||
		    n->n_sigs > JR_NOTE_SIGS_MAX)
			abort();
		for (size_t i = 0; i < n->n_sigs; i++)
			if ((const uint8_t *)n->sigs[i].b64 + n->sigs[i].b64_len > data + size)
				abort();
		if (jr_checkpoint_parse_text(n->text, n->text_len, &cp, NULL) == JR_OK) {
			if (cp.origin[0] == '\0' || cp.size > JR_TLOG_SIZE_MAX ||
			    cp.ext + cp.ext_len != n->text + n->text_len)
				abort();
		} else if (!all_zero(&cp, sizeof cp)) {
			abort();
		}
	}
	free(n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct jr_tlog_policy *pol = policy();
	struct jr_note_verifier v;
	struct jr_checkpoint cp;
	size_t cosigned = 9;
	uint64_t tn = 1;
	unsigned tw = 1;
	int level = 1;

	check_note(data, size);
	if (jr_checkpoint_parse_text(data, size, &cp, NULL) != JR_OK &&
	    !all_zero(&cp, sizeof cp))
		abort();
	if (jr_checkpoint_open(data, size, pol, &cp, &cosigned, NULL) != JR_OK &&
	    (!all_zero(&cp, sizeof cp) || cosigned != 0))
		abort();
	if (jr_note_vkey_parse((const char *)data, size, &v, NULL) != JR_OK &&
	    !all_zero(&v, sizeof v))
		abort();
	if (jr_tlog_tile_path_parse((const char *)data, size, &level, &tn, &tw) != JR_OK &&
	    (level != 0 || tn != 0 || tw != 0))
		abort();
	return 0;
}
