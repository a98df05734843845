/*
 * ack.c — the centre's acknowledged head for one kiosk (jaring/ack.h;
 * docs/formats.md "Acknowledged head").
 *
 * The signature is checked before the body is read, so nothing of an
 * unsigned body is parsed beyond its canonical form.
 */
#include <string.h>
#include <sodium.h>

#include "jaring/ack.h"
#include "jaring/cbor.h"

static bool fields_ok(const struct jr_ack *a)
{
	return a->height >= 1 && a->height <= INT64_MAX && a->time >= 0;
}

static int encode_body(const struct jr_ack *a, struct jr_buf *body)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_ACK_BODY_MAX_BYTES);
	jr_cbw_map(&w, 5);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_ACK_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, a->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, a->height);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, a->hash, JR_HASH_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)a->time);
	return jr_cbw_finish(&w, body);
}

int jr_ack_sign(const struct jr_key *consortium, const struct jr_ack *a,
	struct jr_buf *out)
{
	struct jr_buf body = { NULL, 0 };
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_cbw w;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (consortium == NULL || a == NULL || !fields_ok(a))
		return JR_EINVAL;
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return JR_EKEY;
	rc = encode_body(a, &body);
	if (rc != JR_OK)
		return rc;
	jr_hash(body.base, body.len, h);
	rc = jr_sign_hash(consortium, JR_ACK_DOMAIN, h, sig);
	if (rc == JR_OK) {
		jr_cbw_init(&w, JR_ACK_MAX_BYTES);
		jr_cbw_array(&w, 2);
		jr_cbw_bytes(&w, body.base, body.len);
		jr_cbw_bytes(&w, sig, JR_SIG_BYTES);
		rc = jr_cbw_finish(&w, out);
	}
	jr_buf_free(&body);
	return rc;
}

/* The signed form: [body bstr, sig bstr64], nothing else. */
static int parse_outer(const uint8_t *p, size_t len, const uint8_t **body,
	size_t *body_len, const uint8_t **sig, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0, siglen = 0;
	int rc;

	if (len > JR_ACK_MAX_BYTES)
		return jr_errf(eb, JR_ETOOBIG, "acknowledgement: %zu bytes, over the maximum of %d",
			len, JR_ACK_MAX_BYTES);
	rc = jr_cbor_check(p, len, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "acknowledgement");
	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 ||
	    jr_cbr_bytes(&r, body, body_len) != JR_OK ||
	    jr_cbr_bytes(&r, sig, &siglen) != JR_OK || jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "acknowledgement: not [body bstr, signature bstr]");
	if (*body_len < 1 || *body_len > JR_ACK_BODY_MAX_BYTES || siglen != JR_SIG_BYTES)
		return jr_errf(eb, JR_EFORMAT,
			"acknowledgement: body of %zu bytes or signature of %zu bytes (expected 1..%d and %d)",
			*body_len, siglen, JR_ACK_BODY_MAX_BYTES, JR_SIG_BYTES);
	return JR_OK;
}

static int parse_body(const uint8_t *p, size_t len, struct jr_ack *a,
	struct jr_errbuf *eb)
{
	struct jr_cbr r;
	uint64_t t = 0;
	size_t n = 0;
	int rc;

	rc = jr_cbr_open_versioned(&r, p, len, JR_ACK_BODY_MAX_BYTES, "acknowledgement body",
		JR_ACK_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 5)
		return jr_errf(eb, JR_EFORMAT, "acknowledgement body: %zu fields, not 5", n);
	jr_cbr_key_fixed(&r, 1, a->kiosk_id, JR_ID_BYTES);
	jr_cbr_key_uint(&r, 2, INT64_MAX, &a->height);
	jr_cbr_key_fixed(&r, 3, a->hash, JR_HASH_BYTES);
	jr_cbr_key_uint(&r, 4, INT64_MAX, &t);
	if (jr_cbr_end(&r) != JR_OK || a->height < 1)
		return jr_errf(eb, JR_EFORMAT,
			"acknowledgement body: not {1: kiosk id, 2: height 1.., 3: hash, 4: time}");
	a->time = (int64_t)t;
	return JR_OK;
}

int jr_ack_verify(const uint8_t *p, size_t len,
	const uint8_t consortium_sign_pk[JR_SIGN_PK_BYTES], struct jr_ack *out,
	struct jr_errbuf *eb)
{
	const uint8_t *body = NULL, *sig = NULL;
	uint8_t h[JR_HASH_BYTES];
	size_t body_len = 0;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "acknowledgement: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL || consortium_sign_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "acknowledgement: no bytes or no consortium key given");
	rc = parse_outer(p, len, &body, &body_len, &sig, eb);
	if (rc == JR_OK) {
		jr_hash(body, body_len, h);
		if (jr_verify_hash(consortium_sign_pk, JR_ACK_DOMAIN, h, sig) != JR_OK)
			rc = jr_errf(eb, JR_ESIG,
				"acknowledgement: the signature is not the consortium's; "
				"the bundle carrying it was altered or comes from elsewhere");
	}
	if (rc == JR_OK)
		rc = parse_body(body, body_len, out, eb);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
