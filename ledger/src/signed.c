/*
 * signed.c — the signed envelope [body, sig] (signed.h).
 */
#include "signed.h"
#include "jaring/cbor.h"

int jr_signed_wrap(const struct jr_key *k, const char *domain,
	const struct jr_buf *body, size_t max, struct jr_buf *out)
{
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_cbw w;
	int rc;

	jr_hash(body->base, body->len, h);
	rc = jr_sign_hash(k, domain, h, sig);
	if (rc != JR_OK)
		return rc;
	jr_cbw_init(&w, max);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body->base, body->len);
	jr_cbw_bytes(&w, sig, JR_SIG_BYTES);
	return jr_cbw_finish(&w, out);
}

int jr_signed_open(const uint8_t *p, size_t len, size_t body_max,
	const uint8_t sign_pk[JR_SIGN_PK_BYTES], const char *domain,
	const char *what, const char *forged, const uint8_t **body,
	size_t *body_len, struct jr_errbuf *eb)
{
	const uint8_t *sig = NULL;
	uint8_t h[JR_HASH_BYTES];
	size_t n = 0, siglen = 0;
	struct jr_cbr r;
	int rc;

	*body = NULL;
	*body_len = 0;
	if (len > body_max + 16 + JR_SIG_BYTES)
		return jr_errf(eb, JR_ETOOBIG, "%s: %zu bytes, over the maximum of %zu",
			what, len, body_max + 16 + JR_SIG_BYTES);
	rc = jr_cbor_check(p, len, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s", what);
	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 ||
	    jr_cbr_bytes(&r, body, body_len) != JR_OK ||
	    jr_cbr_bytes(&r, &sig, &siglen) != JR_OK || jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "%s: not [body bstr, signature bstr]", what);
	if (*body_len < 1 || *body_len > body_max || siglen != JR_SIG_BYTES)
		return jr_errf(eb, JR_EFORMAT,
			"%s: body of %zu bytes or signature of %zu bytes (expected 1..%zu and %d)",
			what, *body_len, siglen, body_max, JR_SIG_BYTES);
	jr_hash(*body, *body_len, h);
	if (jr_verify_hash(sign_pk, domain, h, sig) != JR_OK) {
		*body = NULL;
		*body_len = 0;
		return jr_errf(eb, JR_ESIG, "%s: the signature is not %s", what, forged);
	}
	return JR_OK;
}
