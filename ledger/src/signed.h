/*
 * signed.h — the one signed envelope several formats share (acknowledged
 * head, roster, agency acts): CBOR [body bstr, sig bstr 64] with
 * sig = Ed25519(signer, domain || 0x00 || BLAKE2b-256(body)).
 * Internal to libjaring; each format documents the envelope with its body.
 */
#ifndef JR_SIGNED_H
#define JR_SIGNED_H

#include "jaring/common.h"
#include "jaring/keys.h"

/* Hashes and signs body under domain and writes the envelope (at most max
 * bytes) into out. */
int jr_signed_wrap(const struct jr_key *k, const char *domain,
	const struct jr_buf *body, size_t max, struct jr_buf *out) JR_MUST_CHECK;

/* Parses the envelope strictly (canonical, exactly two byte strings, body
 * 1..body_max bytes, sig 64) and checks the signature against sign_pk.
 * *body points into p. `what` names the format in messages; `forged` is the
 * sentence that follows "the signature is not ..." in a JR_ESIG message. */
int jr_signed_open(const uint8_t *p, size_t len, size_t body_max,
	const uint8_t sign_pk[JR_SIGN_PK_BYTES], const char *domain,
	const char *what, const char *forged, const uint8_t **body,
	size_t *body_len, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
