/*
 * keys_int.h — key file encoding and decoding on bytes, below the file
 * functions of jaring/keys.h. For tests and worked examples (fixed salt,
 * nonce and limits) and for the loaders in keys.c; the byte layout is in
 * docs/keys.md.
 */
#ifndef JR_KEYS_INT_H
#define JR_KEYS_INT_H

#include "jaring/keys.h"

#define JR_KEYFILE_VERSION 2
#define JR_PUBFILE_VERSION 2
#define JR_KEYFILE_MAX 1024       /* read cap for key and public key files */
#define JR_KEYFILE_PLAIN_BYTES 145 /* a plain key file is always this long */
#define JR_KEYFILE_PIN_MIN_BYTES 212 /* a PIN-sealed one at least this */

#define JR_PIN_SALT_BYTES 16
#define JR_PIN_NONCE_BYTES 24
#define JR_PIN_CT_BYTES (JR_SEED_BYTES + 16)
/* Argon2id limits written by jr_key_save_pin: libsodium's INTERACTIVE pair
 * (2 passes, 64 MiB), about 0.1 s on a small board's core. A loader accepts
 * the range below and refuses anything else before deriving, so a forged
 * file cannot make it allocate gigabytes or spin for minutes. */
#define JR_PIN_OPSLIMIT 2ull
#define JR_PIN_MEMLIMIT (64ull << 20)
#define JR_PIN_OPSLIMIT_MIN 1ull
#define JR_PIN_OPSLIMIT_MAX 16ull
#define JR_PIN_MEMLIMIT_MIN 8192ull
#define JR_PIN_MEMLIMIT_MAX (1ull << 30)

/* How a PIN-sealed file is made; jr_key_save_pin draws salt and nonce at
 * random and uses JR_PIN_OPSLIMIT / JR_PIN_MEMLIMIT. */
struct jr_key_pinseal {
	const char *pin;
	size_t pinlen;
	const uint8_t *salt;  /* JR_PIN_SALT_BYTES */
	const uint8_t *nonce; /* JR_PIN_NONCE_BYTES */
	uint64_t opslimit;
	uint64_t memlimit;
};

/* Key file bytes of k, plain (ps NULL) or PIN-sealed, into sodium_malloc'd
 * memory (*out, *len; free with sodium_free). */
int jr_key_encode(const struct jr_key *k, const struct jr_key_pinseal *ps,
	uint8_t **out, size_t *len, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Decodes key file bytes. pin NULL: the file must be plain; otherwise it
 * must be PIN-sealed. `name` names the file in messages. */
int jr_key_decode(const uint8_t *p, size_t len, const char *name,
	const char *pin, size_t pinlen, struct jr_key **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* The public half of key file bytes of either kind, without a PIN. */
int jr_key_decode_public(const uint8_t *p, size_t len, const char *name,
	struct jr_pubkey *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* The TPM counter a key loaded from a TPM-sealed key file is bound to (its
 * NV index and the counter's value at height 0); false for any other key.
 * shard.c makes it the fork guard's high-water mark. */
bool jr_key_tpm_counter(const struct jr_key *k, uint32_t *index, uint64_t *base);

#endif
