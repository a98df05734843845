/*
 * jaring/seal.h — sealing a record's personal fields to the consortium.
 *
 * Public-key work happens once per *epoch*, not once per record:
 *
 *   kiosk, at epoch open:
 *     (e_sk, e_pk) = fresh X25519 key pair
 *     s  = X25519(e_sk, consortium_box_pk)
 *     K  = jr_hash_labelled("jaring/epoch/v2", s || e_pk || consortium_box_pk),
 *          32 bytes (BLAKE2b-256 of the label, a zero byte, then the parts)
 *     e_sk and s are wiped at once; only K (sodium_malloc'd) and e_pk remain.
 *   per record:
 *     nonce = 24 random bytes
 *     ct    = XChaCha20-Poly1305-IETF(K, nonce, ad, personal fields)
 *     the record carries e_pk, nonce and ct; ad binds the ciphertext to the
 *     record's readable fields (record.h).
 *   at epoch close: K is wiped. K is never written to disk, so a kiosk that
 *   is stolen cannot read what it registered in a closed epoch, nor in the
 *   open one once it has lost power.
 *
 *   centre: K = jr_hash_labelled("jaring/epoch/v2", X25519(c_sk, e_pk) || e_pk
 *   || c_pk), cached by e_pk, so a bundle of n records from one epoch costs one
 *   X25519 and n AEAD opens.
 *
 * An epoch closes after JR_EPOCH_MAX_RECORDS records, after
 * JR_EPOCH_MAX_SECONDS, or when the kiosk closes it (at shutdown; the sync
 * issue adds every export).
 *
 * The fixed-seed epoch of the worked examples is not here: it is internal
 * (ledger/src/seal_det.h), because a caller that reused its seed would reuse
 * a keystream.
 */
#ifndef JARING_SEAL_H
#define JARING_SEAL_H

#include "common.h"
#include "keys.h"

#define JR_SEAL_NONCE_BYTES 24
#define JR_SEAL_TAG_BYTES 16
#define JR_EPOCH_MAX_RECORDS 1000
#define JR_EPOCH_MAX_SECONDS (24 * 3600)
#define JR_SEAL_CACHE_SLOTS 64

struct jr_seal_epoch; /* kiosk side */

JR_API int jr_seal_epoch_open(const uint8_t consortium_box_pk[JR_BOX_PK_BYTES],
	int64_t now, struct jr_seal_epoch **out) JR_MUST_CHECK;
/* Wipes K and frees. NULL is fine. */
JR_API void jr_seal_epoch_close(struct jr_seal_epoch *e);
JR_API const uint8_t *jr_seal_epoch_pk(const struct jr_seal_epoch *e);
/* True when the epoch must be closed and a new one opened before sealing. */
JR_API bool jr_seal_epoch_spent(const struct jr_seal_epoch *e, int64_t now);

/* ct gets ptlen + JR_SEAL_TAG_BYTES bytes; nonce is filled. */
JR_API int jr_seal(struct jr_seal_epoch *e, const uint8_t *ad, size_t adlen,
	const uint8_t *pt, size_t ptlen, uint8_t nonce[JR_SEAL_NONCE_BYTES],
	uint8_t *ct) JR_MUST_CHECK;

struct jr_seal_opener; /* centre side: consortium key + cache of epoch keys */

/* Borrows `consortium` (role JR_ROLE_CONSORTIUM) for the opener's lifetime. */
JR_API int jr_seal_opener_new(const struct jr_key *consortium,
	struct jr_seal_opener **out) JR_MUST_CHECK;
JR_API void jr_seal_opener_free(struct jr_seal_opener *o);
/* pt gets ctlen - JR_SEAL_TAG_BYTES bytes; fails closed (pt zeroed) with
 * JR_ESIG if anything was altered or sealed to another consortium key. */
JR_API int jr_seal_open(struct jr_seal_opener *o,
	const uint8_t epoch_pk[JR_BOX_PK_BYTES],
	const uint8_t nonce[JR_SEAL_NONCE_BYTES], const uint8_t *ad, size_t adlen,
	const uint8_t *ct, size_t ctlen, uint8_t *pt) JR_MUST_CHECK;
/* How many X25519 operations the opener has done (for tests and benches). */
JR_API uint64_t jr_seal_opener_dh_count(const struct jr_seal_opener *o);

#endif
