/*
 * visit.c — a kiosk's visit log entry (jaring/visit.h; docs/formats.md
 * "Visit log entry"). The signature is checked before the body is read.
 */
#include <string.h>

#include <sodium.h>

#include "jaring/cbor.h"
#include "jaring/visit.h"
#include "signed.h"

static bool fields_ok(const struct jr_visit *v)
{
	return v->number >= 1 && v->number <= INT64_MAX && v->time <= INT64_MAX &&
		v->height <= INT64_MAX && v->out <= INT64_MAX && v->written <= v->out &&
		v->acked <= INT64_MAX && v->down_seq <= INT64_MAX && v->statuses <= INT64_MAX;
}

static int encode_body(const struct jr_visit *v, struct jr_buf *body)
{
	const uint64_t nums[] = { v->time, v->height, v->out, v->written, v->acked,
		v->down_seq, v->statuses, v->complete ? 1u : 0u };
	struct jr_cbw w;
	size_t i;

	jr_cbw_init(&w, JR_VISIT_BODY_MAX_BYTES);
	jr_cbw_map(&w, 12);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_VISIT_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, v->kiosk_id, JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, v->number);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, v->officer_id, JR_ID_BYTES);
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++) {
		jr_cbw_uint(&w, 4 + i);
		jr_cbw_uint(&w, nums[i]);
	}
	return jr_cbw_finish(&w, body);
}

int jr_visit_sign(const struct jr_key *kiosk, const struct jr_visit *v, struct jr_buf *out)
{
	struct jr_buf body = { NULL, 0 };
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (kiosk == NULL || v == NULL || !fields_ok(v))
		return JR_EINVAL;
	if (jr_key_role(kiosk) != JR_ROLE_KIOSK ||
	    memcmp(jr_key_id(kiosk), v->kiosk_id, JR_ID_BYTES) != 0)
		return JR_EKEY;
	rc = encode_body(v, &body);
	if (rc == JR_OK)
		rc = jr_signed_wrap(kiosk, JR_VISIT_DOMAIN, &body, JR_VISIT_MAX_BYTES, out);
	jr_buf_free(&body);
	return rc;
}

static int parse_body(const uint8_t *p, size_t len, struct jr_visit *v, struct jr_errbuf *eb)
{
	uint64_t *nums[] = { &v->time, &v->height, &v->out, &v->written, &v->acked,
		&v->down_seq, &v->statuses };
	uint64_t complete = 0;
	struct jr_cbr r;
	size_t n = 0, i;
	int rc;

	rc = jr_cbr_open_versioned(&r, p, len, JR_VISIT_BODY_MAX_BYTES, "visit log entry",
		JR_VISIT_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 12)
		return jr_errf(eb, JR_EFORMAT, "visit log entry: %zu fields, not 12", n);
	jr_cbr_key_fixed(&r, 1, v->kiosk_id, JR_ID_BYTES);
	jr_cbr_key_uint(&r, 2, INT64_MAX, &v->number);
	jr_cbr_key_fixed(&r, 3, v->officer_id, JR_ID_BYTES);
	for (i = 0; i < sizeof nums / sizeof nums[0]; i++)
		jr_cbr_key_uint(&r, 4 + i, INT64_MAX, nums[i]);
	jr_cbr_key_uint(&r, 11, 1, &complete);
	if (jr_cbr_end(&r) != JR_OK || v->number < 1 || v->written > v->out)
		return jr_errf(eb, JR_EFORMAT, "visit log entry: not the twelve fields of "
			"docs/formats.md \"Visit log entry\"");
	v->complete = complete == 1;
	return JR_OK;
}

int jr_visit_verify(const uint8_t *p, size_t len, const uint8_t kiosk_pk[JR_SIGN_PK_BYTES],
	struct jr_visit *out, struct jr_errbuf *eb)
{
	const uint8_t *body = NULL;
	uint8_t id[JR_ID_BYTES];
	size_t body_len = 0;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "visit log entry: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL || kiosk_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "visit log entry: no bytes or no kiosk key given");
	rc = jr_signed_open(p, len, JR_VISIT_BODY_MAX_BYTES, kiosk_pk, JR_VISIT_DOMAIN,
		"visit log entry", "this kiosk's; the entry was altered or comes from elsewhere",
		&body, &body_len, eb);
	if (rc == JR_OK)
		rc = parse_body(body, body_len, out, eb);
	jr_keyid_from_pk(kiosk_pk, id);
	if (rc == JR_OK && sodium_memcmp(id, out->kiosk_id, JR_ID_BYTES) != 0)
		rc = jr_errf(eb, JR_EKEY, "visit log entry: names another kiosk than its signer");
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
