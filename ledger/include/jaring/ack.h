/*
 * jaring/ack.h — the acknowledged head: the centre's signed statement of how
 * much of one kiosk's chain it holds (docs/formats.md "Acknowledged head").
 *
 * The centre signs one for each kiosk and carries it back on every
 * downstream bundle. A kiosk stores the highest one it was given
 * (jr_shard_accept_ack, shard.h) and refuses to sign once an acknowledgement
 * names a height its database does not hold, or another block at that
 * height: its database was put back from an old image (the counter file
 * cannot tell, since a whole-card image holds the counter too), or it
 * forked.
 *
 * Body, canonical CBOR:
 *
 *   A5                 map of 5
 *   00 01              key 0, version 1
 *   01 50 <16>         key 1, kiosk id (the kiosk key's id, keys.h)
 *   02 <uint>          key 2, height, 1..2^63-1: the centre holds 1..height
 *   03 58 20 <32>      key 3, hash of the body of the block at that height
 *   04 <uint>          key 4, time, 0..2^63-1: the centre's checkpoint time
 *                      (Unix seconds), a reference for the kiosk's clock
 *
 * Carried as 82 <bstr body> 58 40 <sig>, sig = Ed25519 by the consortium key
 * over "jaring/ack/v1" || 0x00 || BLAKE2b-256(body) (jr_sign_hash).
 */
#ifndef JARING_ACK_H
#define JARING_ACK_H

#include "common.h"
#include "keys.h"

#define JR_ACK_VERSION 1
#define JR_ACK_DOMAIN "jaring/ack/v1"
/* Body at most 76 bytes, signed form at most 145. */
#define JR_ACK_BODY_MAX_BYTES 76
#define JR_ACK_MAX_BYTES 145

struct jr_ack {
	uint8_t kiosk_id[JR_ID_BYTES];
	uint64_t height;              /* 1..INT64_MAX */
	uint8_t hash[JR_HASH_BYTES];  /* of the block body at height */
	int64_t time;                 /* 0..INT64_MAX */
};

/* Encodes and signs *a with the consortium key (role JR_ROLE_CONSORTIUM,
 * else JR_EKEY) into *out (malloc'd, caller frees). JR_EINVAL for a height
 * or time out of range; *out is empty on failure. */
JR_API int jr_ack_sign(const struct jr_key *consortium, const struct jr_ack *a,
	struct jr_buf *out) JR_MUST_CHECK;

/* Checks bytes p[0..len) strictly: the signed form and the body canonical
 * and exactly as above (no other keys, no trailing bytes, len at most
 * JR_ACK_MAX_BYTES), the signature by consortium_sign_pk. Fails closed: on
 * any failure *out is zeroed. JR_ESIG, JR_EFORMAT, JR_ETOOBIG, JR_EVERSION. */
JR_API int jr_ack_verify(const uint8_t *p, size_t len,
	const uint8_t consortium_sign_pk[JR_SIGN_PK_BYTES], struct jr_ack *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
