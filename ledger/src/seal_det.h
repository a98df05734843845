/*
 * seal_det.h — the deterministic sealing epoch, internal to libjaring.
 *
 * For tests and the worked examples of docs/formats.md and docs/keys.md
 * only; never used by the kiosk, and not in the installed headers. The
 * epoch's secret and every nonce come from the caller's seeds, so two
 * epochs opened with the same seeds to the same consortium key encrypt
 * under the same key with the same nonces: a caller that reused a seed for
 * real records would reuse a keystream. Not exported (no JR_API): the
 * library is built with hidden visibility, so only code linked against the
 * static library (the tests, the examples) can call it.
 */
#ifndef JR_SEAL_DET_H
#define JR_SEAL_DET_H

#include "jaring/seal.h"

/* An epoch from a fixed ephemeral secret e_sk and a fixed nonce source:
 * nonce_i = BLAKE2b-192(key = nonce_seed, message = i as 8 bytes little
 * endian), i = 0, 1, ... JR_EINVAL if e_sk or nonce_seed is NULL. */
int jr_seal_epoch_open_det(const uint8_t consortium_box_pk[JR_BOX_PK_BYTES],
	const uint8_t e_sk[32], const uint8_t nonce_seed[32], int64_t now,
	struct jr_seal_epoch **out) JR_MUST_CHECK;

#endif
