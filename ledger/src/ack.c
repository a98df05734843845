/*
 * ack.c — the centre's acknowledged head for one kiosk (jaring/ack.h;
 * docs/formats.md "Acknowledged head").
 *
 * The signature is checked before the body is read, so nothing of an
 * unsigned body is parsed beyond its canonical form.
 */
#include <string.h>

#include "jaring/ack.h"
#include "jaring/cbor.h"
#include "signed.h"

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
	if (rc == JR_OK)
		rc = jr_signed_wrap(consortium, JR_ACK_DOMAIN, &body, JR_ACK_MAX_BYTES, out);
	jr_buf_free(&body);
	return rc;
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
	const uint8_t *body = NULL;
	size_t body_len = 0;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "acknowledgement: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL || consortium_sign_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "acknowledgement: no bytes or no consortium key given");
	if (len > JR_ACK_MAX_BYTES)
		return jr_errf(eb, JR_ETOOBIG, "acknowledgement: %zu bytes, over the maximum of %d",
			len, JR_ACK_MAX_BYTES);
	rc = jr_signed_open(p, len, JR_ACK_BODY_MAX_BYTES, consortium_sign_pk,
		JR_ACK_DOMAIN, "acknowledgement",
		"the consortium's; the bundle carrying it was altered or comes from elsewhere",
		&body, &body_len, eb);
	if (rc == JR_OK)
		rc = parse_body(body, body_len, out, eb);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
