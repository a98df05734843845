/*
 * jaring/visit.h — one entry of a kiosk's visit log: an officer's sync visit
 * (who, when, and the counts both sides reconcile), signed by the kiosk.
 * Byte layout: docs/formats.md "Visit log entry".
 *
 * The kiosk keeps every entry in its shard (jr_shard_visit_put), writes the
 * latest onto the drive in the clear (JARING/UP/<kiosk>/VISIT.JRV, so that
 * `jaring-sync status` reconciles without any key) and carries the log to
 * the centre as JR_ITEM_VISIT items of an upstream bundle (docs/sync.md).
 * It names no worker: only key ids, heights, counts and a time.
 *
 * Body, canonical CBOR, all twelve keys always present:
 *   AC 00 01  01 <kiosk id bstr 16>  02 <visit number uint 1..>
 *      03 <officer key id bstr 16>  04 <time uint>  05 <height uint>
 *      06 <blocks out uint>  07 <written uint>  08 <acknowledged uint>
 *      09 <downstream sequence uint>  0A <statuses uint>  0B <complete 0|1>
 * Carried as 82 <bstr body> 58 40 <sig>, sig = Ed25519 by the kiosk key over
 * "jaring/visit/v1" || 0x00 || BLAKE2b-256(body) (jr_sign_hash).
 */
#ifndef JARING_VISIT_H
#define JARING_VISIT_H

#include "common.h"
#include "keys.h"

#define JR_VISIT_VERSION 1
#define JR_VISIT_DOMAIN "jaring/visit/v1"
#define JR_VISIT_BODY_MAX_BYTES 160
#define JR_VISIT_MAX_BYTES (JR_VISIT_BODY_MAX_BYTES + 3 + 2 + JR_SIG_BYTES)

struct jr_visit {
	uint8_t kiosk_id[JR_ID_BYTES];
	uint64_t number;       /* 1.. in the kiosk's visit log */
	uint8_t officer_id[JR_ID_BYTES];
	uint64_t time;         /* Unix seconds, the kiosk's clock */
	uint64_t height;       /* the kiosk's height at the visit */
	uint64_t out;          /* its blocks above the acknowledged height on the drive */
	uint64_t written;      /* of which written by this visit */
	uint64_t acked;        /* the acknowledged height after the visit */
	uint64_t down_seq;     /* sequence number of the downstream bundle applied, 0 none */
	uint64_t statuses;     /* statuses that bundle carried */
	bool complete;         /* the counts added up ("Sync complete") */
};

/* Signs *v with the kiosk key (role kiosk, its id = v->kiosk_id, else
 * JR_EKEY) into out (malloc'd). Numbers above 2^63-1 or number 0: JR_EINVAL. */
JR_API int jr_visit_sign(const struct jr_key *kiosk, const struct jr_visit *v,
	struct jr_buf *out) JR_MUST_CHECK;
/* Strict: the envelope and body canonical and exactly as above, the
 * signature by kiosk_pk, and the body's kiosk id the id of kiosk_pk. Fail
 * closed (*out zeroed). */
JR_API int jr_visit_verify(const uint8_t *p, size_t len,
	const uint8_t kiosk_pk[JR_SIGN_PK_BYTES], struct jr_visit *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
