/*
 * jaring/binding.h — a village binding: the consortium's signed word that a
 * kiosk provisioned with it serves one village. An officer carries it on
 * the sync drive (JARING/VILLAGE.JRP, docs/sync.md) to a kiosk's first boot,
 * where the kiosk takes its village from it instead of the configuration's
 * template (docs/kiosk.md "Provisioning and files"). Only the consortium's
 * key signs one, so a stranger's drive cannot bind a kiosk to a village.
 * Byte layout: docs/formats.md "Village binding".
 *
 * Body, canonical CBOR, all four keys always present:
 *   A4 00 01  01 <consortium key id bstr 16>  02 <village uint>  03 <issued uint>
 * Carried as 82 <bstr body> 58 40 <sig>, sig = Ed25519 by the consortium key
 * over "jaring/village-binding/v1" || 0x00 || BLAKE2b-256(body) (jr_sign_hash).
 */
#ifndef JARING_BINDING_H
#define JARING_BINDING_H

#include "common.h"
#include "keys.h"

#define JR_BINDING_VERSION 1
#define JR_BINDING_DOMAIN "jaring/village-binding/v1"
#define JR_BINDING_BODY_MAX_BYTES 48
#define JR_BINDING_MAX_BYTES (JR_BINDING_BODY_MAX_BYTES + 3 + 2 + JR_SIG_BYTES)

struct jr_binding {
	uint8_t consortium_id[JR_ID_BYTES]; /* the signer's key id */
	uint64_t village;      /* a village code of the region table (10 digits) */
	uint64_t issued;       /* Unix seconds, when the consortium signed it */
};

/* Signs a binding of village (a village of the region table, else
 * JR_EINVAL) with the consortium key (role consortium, else JR_EKEY) into
 * out (malloc'd). */
JR_API int jr_binding_sign(const struct jr_key *consortium, uint64_t village, uint64_t issued,
	struct jr_buf *out) JR_MUST_CHECK;
/* Strict: the envelope and body canonical and exactly as above, signed by
 * consortium_pk, the body's key id that key's, the village a village of the
 * region table. Fail closed (*out zeroed). */
JR_API int jr_binding_verify(const uint8_t *p, size_t len,
	const uint8_t consortium_pk[JR_SIGN_PK_BYTES], struct jr_binding *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
