/*
 * jaring/block.h — one block of a kiosk's shard chain.
 *
 * Body, canonical CBOR map (docs/formats.md "Block"):
 *    0 version   uint (1)
 *    1 kiosk id  bstr 16
 *    2 height    uint, first block is 1
 *    3 prev      bstr 32, hash of the previous body; 32 zero bytes at height 1
 *    4 time      uint, Unix seconds claimed by the kiosk
 *    5 records   array of bstr, each a registration record (record.h)
 * hash(block) = BLAKE2b-256(body bytes)
 * sig         = Ed25519(kiosk, "jaring/block/v1" || 0x00 || hash)
 * A signed block travels as the canonical array [body bstr, sig bstr 64].
 *
 * Each body commits to the previous body's hash, so one good signature on the
 * head authenticates every body before it (importers rely on this).
 */
#ifndef JARING_BLOCK_H
#define JARING_BLOCK_H

#include "common.h"
#include "keys.h"

#define JR_BLOCK_VERSION 1
#define JR_BLOCK_DOMAIN "jaring/block/v1"
#define JR_BLOCK_MAX_RECORDS 64
#define JR_BLOCK_MAX_BYTES (JR_BLOCK_MAX_RECORDS * 1100 + 128)

struct jr_block {
	uint8_t kiosk_id[JR_ID_BYTES];
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
	int64_t time;
	size_t n_records;
	/* point into the decoded bytes, not owned */
	const uint8_t *records[JR_BLOCK_MAX_RECORDS];
	size_t record_len[JR_BLOCK_MAX_RECORDS];
};

JR_API int jr_block_encode(const struct jr_block *b, struct jr_buf *out)
	JR_MUST_CHECK;
/* Strict decode of a body. */
JR_API int jr_block_decode(const uint8_t *p, size_t len, struct jr_block *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_block_sign(const struct jr_key *kiosk, const uint8_t *body,
	size_t len, uint8_t hash[JR_HASH_BYTES], uint8_t sig[JR_SIG_BYTES])
	JR_MUST_CHECK;
JR_API int jr_block_verify_sig(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	const uint8_t hash[JR_HASH_BYTES], const uint8_t sig[JR_SIG_BYTES])
	JR_MUST_CHECK;
/* Signed block wire form [body, sig]. decode returns pointers into p. */
JR_API int jr_signed_block_encode(const uint8_t *body, size_t len,
	const uint8_t sig[JR_SIG_BYTES], struct jr_buf *out) JR_MUST_CHECK;
JR_API int jr_signed_block_decode(const uint8_t *p, size_t len,
	const uint8_t **body, size_t *body_len, const uint8_t **sig,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
