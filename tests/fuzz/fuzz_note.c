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
#include "tlog_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


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
	const struct jr_tlog_policy *pol = example_policy(1);
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
