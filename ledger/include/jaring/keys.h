/*
 * jaring/keys.h — identities of kiosks, officers, agency nodes, officials and
 * the consortium.
 *
 * An identity is one 32-byte secret seed. From it come an Ed25519 signing key
 * (crypto_sign_seed_keypair) and, converted from that key, an X25519 key for
 * sealed data (crypto_sign_ed25519_sk_to_curve25519 and _pk_to_curve25519),
 * so any identity can sign and receive sealed data, and the Ed25519 public
 * key alone determines the X25519 one. The secret parts live in
 * sodium_malloc'd memory, mprotect'ed read-only once derived (not no-access
 * between uses: signing is a hot path and keys are shared by threads; see
 * docs/keys.md), and are wiped on every path (jr_key_free).
 *
 * Key id = jr_hash_labelled("jaring/keyid/v2", Ed25519 public key), 16 bytes.
 * Because the X25519 key is derived from the Ed25519 key, the id stands for
 * both: every loader recomputes the X25519 key and refuses a file that states
 * another one. People compare the whole id, the fingerprint
 * (jr_keyid_fingerprint, 26 Crockford base32 symbols); the short id (its first
 * 40 bits, "XXXX-XXXX", jr_keyid_short) only tells kiosks apart on a list and
 * never authenticates anything (docs/keys.md "Fingerprints").
 *
 * Signatures: every signature in Jaring is Ed25519 over
 *     domain || 0x00 || BLAKE2b-256(signed bytes)
 * where domain is an ASCII label such as "jaring/block/v1" (jr_sign_hash).
 *
 * Key files (docs/keys.md "Key file") are canonical CBOR written atomically
 * (temporary file in the same directory, fsync, rename, fsync of the
 * directory) with mode 0600. Officer keys are sealed with a PIN: the seed is
 * encrypted with XChaCha20-Poly1305 under a key derived with Argon2id
 * (crypto_pwhash, a random 16-byte salt, the limits stored in the file).
 * Public key files hold the role, both public keys, the id and a checksum.
 * Errors: JR_EKEY for an Ed25519 key that is not a canonical point of the
 * main subgroup, or an X25519 key that is not the one it derives.
 */
#ifndef JARING_KEYS_H
#define JARING_KEYS_H

#include "common.h"

#define JR_SIGN_PK_BYTES 32
#define JR_SIG_BYTES 64
#define JR_BOX_PK_BYTES 32
#define JR_SEED_BYTES 32
#define JR_KEYID_SHORT_LEN 9 /* "XXXX-XXXX" */
/* 26 symbols in groups of 4 (the last of 2), 6 dashes: the first 9
 * characters are the short id. */
#define JR_KEYID_FINGERPRINT_LEN 32
#define JR_PIN_MIN 6
#define JR_PIN_MAX 64

enum jr_role {
	JR_ROLE_KIOSK = 1,
	JR_ROLE_OFFICER = 2,
	JR_ROLE_NODE = 3,
	JR_ROLE_OFFICIAL = 4,  /* regional head, agency reviewer */
	JR_ROLE_CONSORTIUM = 5 /* the key personal fields are sealed to */
};

struct jr_key; /* opaque; secrets in sodium_malloc'd memory */

/* Public half of an identity, plain data. */
struct jr_pubkey {
	enum jr_role role;
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint8_t box_pk[JR_BOX_PK_BYTES];
	uint8_t id[JR_ID_BYTES];
};

JR_API int jr_key_generate(enum jr_role role, struct jr_key **out) JR_MUST_CHECK;
/* Deterministic, for worked examples and tests only. */
JR_API int jr_key_from_seed(enum jr_role role, const uint8_t seed[JR_SEED_BYTES],
	struct jr_key **out) JR_MUST_CHECK;
JR_API void jr_key_free(struct jr_key *k);

JR_API enum jr_role jr_key_role(const struct jr_key *k);
JR_API void jr_key_public(const struct jr_key *k, struct jr_pubkey *out);
JR_API const uint8_t *jr_key_id(const struct jr_key *k); /* JR_ID_BYTES */

JR_API void jr_keyid_from_pk(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	uint8_t id[JR_ID_BYTES]);
/* "XXXX-XXXX" + NUL into out[JR_KEYID_SHORT_LEN + 1]: the first 40 bits of
 * the id. For lists only: 40 bits can be ground for (about 2^40 key pairs
 * for a second key with a given short id), so never for authenticating. */
JR_API void jr_keyid_short(const uint8_t id[JR_ID_BYTES], char *out);
/* The whole 128-bit id as 26 Crockford base32 symbols, most significant bit
 * first, the last symbol holding the final 3 bits and two zero bits, grouped
 * "XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XX", + NUL into
 * out[JR_KEYID_FINGERPRINT_LEN + 1]. What people compare aloud. */
JR_API void jr_keyid_fingerprint(const uint8_t id[JR_ID_BYTES], char *out);
/* The X25519 public key an Ed25519 public key stands for
 * (crypto_sign_ed25519_pk_to_curve25519). JR_EKEY, box_pk zeroed, if sign_pk
 * is not a canonical Ed25519 point of the main subgroup. */
JR_API int jr_pubkey_derive_box(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	uint8_t box_pk[JR_BOX_PK_BYTES]) JR_MUST_CHECK;

/* Sign domain || 0x00 || hash. */
JR_API int jr_sign_hash(const struct jr_key *k, const char *domain,
	const uint8_t hash[JR_HASH_BYTES], uint8_t sig[JR_SIG_BYTES]) JR_MUST_CHECK;
JR_API int jr_verify_hash(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	const char *domain, const uint8_t hash[JR_HASH_BYTES],
	const uint8_t sig[JR_SIG_BYTES]) JR_MUST_CHECK;

/* Ed25519 over msg exactly as given, with no domain label and no hash: only
 * for the transparency log (tlog.h), whose public formats (C2SP signed-note
 * and tlog-cosignature) define their own signed message, already domain-
 * separated by its text ("cosignature/v1\n", the checkpoint's origin), so
 * that verifiers written for those specifications check our signatures.
 * Nothing else in Jaring may sign raw bytes: use jr_sign_hash. */
JR_API int jr_sign_note(const struct jr_key *k, const uint8_t *msg, size_t len,
	uint8_t sig[JR_SIG_BYTES]) JR_MUST_CHECK;

/* The raw X25519 shared secret (crypto_scalarmult) of this identity's box
 * key and a peer's public box key; JR_EKEY for a low-order peer key. No hash
 * is applied here: callers derive their keys from it (seal.h, "jaring/epoch/v2").
 * out is 32 bytes and must be sodium_malloc'd by the caller. */
JR_API int jr_key_box_shared(const struct jr_key *k,
	const uint8_t peer_box_pk[JR_BOX_PK_BYTES], uint8_t out[32]) JR_MUST_CHECK;

/* Key files. Save refuses to overwrite an existing file (JR_EEXIST). */
JR_API int jr_key_save(const struct jr_key *k, const char *path,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_key_load(const char *path, struct jr_key **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* PIN-sealed (officer keys; any role allowed). PIN is JR_PIN_MIN..JR_PIN_MAX
 * bytes. A wrong PIN gives JR_EPIN. */
JR_API int jr_key_save_pin(const struct jr_key *k, const char *path,
	const char *pin, size_t pinlen, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_key_load_pin(const char *path, const char *pin, size_t pinlen,
	struct jr_key **out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* TPM-sealed (a kiosk's key on a board with a TPM 2.0; docs/keys.md
 * "TPM-sealed key file"): the seed is sealed to the TPM named by the
 * environment variable JARING_TPM (a tpm2-tss TCTI configuration, default
 * "device:/dev/tpmrm0"), and the file binds the key to the TPM's monotonic
 * NV counter, which a shard opened with the key then keeps as its fork
 * guard's high-water mark (shard.h). Save refuses an existing file
 * (JR_EEXIST); without a TPM it fails with JR_ENOTFOUND. jr_key_load opens
 * such a file only with the TPM that sealed it (JR_EKEY otherwise). */
JR_API int jr_key_save_tpm(const struct jr_key *k, const char *path,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* True for a key loaded from a TPM-sealed key file. */
JR_API bool jr_key_tpm_bound(const struct jr_key *k);
/* JR_OK when a TPM answers at JARING_TPM; JR_ENOTFOUND (eb says where it
 * looked) when there is none. */
JR_API int jr_tpm_present(struct jr_errbuf *eb) JR_MUST_CHECK;
/* Reads the public half of a plain, PIN- or TPM-sealed key file without the
 * PIN or the TPM. */
JR_API int jr_key_load_public(const char *path, struct jr_pubkey *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Public key files and their canonical bytes. Encode refuses (JR_EINVAL) a
 * jr_pubkey whose id or X25519 key is not the one its Ed25519 key gives. */
JR_API int jr_pubkey_encode(const struct jr_pubkey *pk, struct jr_buf *out)
	JR_MUST_CHECK;
JR_API int jr_pubkey_decode(const uint8_t *p, size_t len, struct jr_pubkey *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_pubkey_save(const struct jr_pubkey *pk, const char *path,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_pubkey_load(const char *path, struct jr_pubkey *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Atomically replace `path` with bytes (temp file, fsync, rename, fsync of the
 * directory), creating it with `mode`. Shared by every writer of files that
 * must never be seen half-written. */
JR_API int jr_file_write_atomic(const char *path, const uint8_t *p, size_t len,
	unsigned mode, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Reads a whole file of at most max bytes into malloc'd memory. */
JR_API int jr_file_read(const char *path, size_t max, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
