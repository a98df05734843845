/*
 * fuzz_keyfile — the plain key file, the public half of any key file and the
 * public key file decoders on arbitrary bytes. (The PIN path is left out:
 * Argon2id per input would make the fuzzer useless, and its input is checked
 * by the same decoder before any derivation.)
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/keys.h"
#include "keys_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return jr_init() == JR_OK ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_key *k = NULL;
	struct jr_pubkey pub, again;
	struct jr_buf enc = { NULL, 0 };

	if (jr_key_decode(data, size, "fuzz", NULL, 0, &k, NULL) == JR_OK) {
		jr_key_public(k, &again);
		jr_key_free(k);
		if (jr_key_decode_public(data, size, "fuzz", &pub, NULL) != JR_OK ||
		    memcmp(&pub, &again, sizeof pub) != 0)
			abort();
	} else {
		(void)jr_key_decode_public(data, size, "fuzz", &pub, NULL);
	}
	if (jr_pubkey_decode(data, size, &pub, NULL) == JR_OK) {
		if (jr_pubkey_encode(&pub, &enc) != JR_OK || enc.len != size ||
		    memcmp(enc.base, data, size) != 0)
			abort();
		jr_buf_free(&enc);
	}
	return 0;
}
