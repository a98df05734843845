/*
 * binding.c — a village binding signed by the consortium (jaring/binding.h;
 * docs/formats.md "Village binding"). The signature is checked before the
 * body is read.
 */
#include <string.h>

#include <sodium.h>

#include "jaring/binding.h"
#include "jaring/cbor.h"
#include "jaring/region.h"
#include "signed.h"

static bool is_village(uint64_t code)
{
	const struct jr_region *r = jr_region_find(code);

	return r != NULL && r->level == JR_REGION_VILLAGE;
}

int jr_binding_sign(const struct jr_key *consortium, uint64_t village, uint64_t issued,
	struct jr_buf *out)
{
	struct jr_buf body = { NULL, 0 };
	struct jr_cbw w;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (consortium == NULL || !is_village(village) || issued > INT64_MAX)
		return JR_EINVAL;
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return JR_EKEY;
	jr_cbw_init(&w, JR_BINDING_BODY_MAX_BYTES);
	jr_cbw_map(&w, 4);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_BINDING_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, jr_key_id(consortium), JR_ID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, village);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, issued);
	rc = jr_cbw_finish(&w, &body);
	if (rc == JR_OK)
		rc = jr_signed_wrap(consortium, JR_BINDING_DOMAIN, &body, JR_BINDING_MAX_BYTES, out);
	jr_buf_free(&body);
	return rc;
}

static int parse_body(const uint8_t *p, size_t len, struct jr_binding *b, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0;
	int rc;

	rc = jr_cbr_open_versioned(&r, p, len, JR_BINDING_BODY_MAX_BYTES, "village binding",
		JR_BINDING_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 4)
		return jr_errf(eb, JR_EFORMAT, "village binding: %zu fields, not 4", n);
	jr_cbr_key_fixed(&r, 1, b->consortium_id, JR_ID_BYTES);
	jr_cbr_key_uint(&r, 2, 9999999999u, &b->village);
	jr_cbr_key_uint(&r, 3, INT64_MAX, &b->issued);
	if (jr_cbr_end(&r) != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "village binding: not the four fields of "
			"docs/formats.md \"Village binding\"");
	if (!is_village(b->village))
		return jr_errf(eb, JR_EFORMAT, "village binding: %llu is not a village of the "
			"region table", (unsigned long long)b->village);
	return JR_OK;
}

int jr_binding_verify(const uint8_t *p, size_t len, const uint8_t consortium_pk[JR_SIGN_PK_BYTES],
	struct jr_binding *out, struct jr_errbuf *eb)
{
	const uint8_t *body = NULL;
	uint8_t id[JR_ID_BYTES];
	size_t body_len = 0;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "village binding: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL || consortium_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "village binding: no bytes or no consortium key given");
	rc = jr_signed_open(p, len, JR_BINDING_BODY_MAX_BYTES, consortium_pk, JR_BINDING_DOMAIN,
		"village binding", "this kiosk's consortium's; the file was altered or made by "
		"someone else", &body, &body_len, eb);
	if (rc == JR_OK)
		rc = parse_body(body, body_len, out, eb);
	jr_keyid_from_pk(consortium_pk, id);
	if (rc == JR_OK && sodium_memcmp(id, out->consortium_id, JR_ID_BYTES) != 0)
		rc = jr_errf(eb, JR_EKEY, "village binding: names another consortium key than its "
			"signer");
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
