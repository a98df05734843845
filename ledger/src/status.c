/*
 * status.c — one registration's status, the downstream item
 * (jaring/status.h; docs/formats.md "Status").
 */
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/nik.h"
#include "jaring/status.h"

static bool decree_ok(const char *s, size_t n)
{
	size_t i;

	if (n > JR_STATUS_DECREE_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

static bool month_ok(uint32_t yyyymm)
{
	return yyyymm == 0 || (yyyymm / 100 >= 1900 && yyyymm / 100 <= 9999 &&
		yyyymm % 100 >= 1 && yyyymm % 100 <= 12);
}

static bool fields_ok(const struct jr_status *s)
{
	size_t i;

	if (s->state < JR_ST_RECEIVED || s->state > JR_ST_MAX ||
	    s->n_reasons > JR_VERDICT_MAX || s->approvals > s->agencies ||
	    s->agencies > 32 ||
	    !decree_ok(s->decree, strnlen(s->decree, sizeof s->decree)) ||
	    (s->protected_from != 0 && !jr_date_valid(s->protected_from)) ||
	    (s->protected_to != 0 && !jr_date_valid(s->protected_to)) ||
	    !month_ok(s->paid_through))
		return false;
	for (i = 0; i < s->n_reasons; i++)
		if (s->reasons[i] <= 0 || (unsigned)s->reasons[i] > 999)
			return false;
	return true;
}

int jr_status_encode(const struct jr_status *s, struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i, dn;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (s == NULL || !fields_ok(s))
		return JR_EINVAL;
	dn = strnlen(s->decree, sizeof s->decree);
	jr_cbw_init(&w, JR_STATUS_MAX_BYTES);
	jr_cbw_map(&w, 11);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_STATUS_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, s->regid, JR_REGID_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, (uint64_t)s->state);
	jr_cbw_uint(&w, 3);
	jr_cbw_array(&w, s->n_reasons);
	for (i = 0; i < s->n_reasons; i++)
		jr_cbw_uint(&w, (uint64_t)s->reasons[i]);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, s->approvals);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, s->agencies);
	jr_cbw_uint(&w, 6);
	jr_cbw_text(&w, s->decree, dn);
	jr_cbw_uint(&w, 7);
	jr_cbw_uint(&w, s->protected_from);
	jr_cbw_uint(&w, 8);
	jr_cbw_uint(&w, s->protected_to);
	jr_cbw_uint(&w, 9);
	jr_cbw_uint(&w, s->paid_through);
	jr_cbw_uint(&w, 10);
	jr_cbw_uint(&w, s->viewed);
	return jr_cbw_finish(&w, out);
}

int jr_status_decode(const uint8_t *p, size_t len, struct jr_status *out,
	struct jr_errbuf *eb)
{
	uint64_t state = 0, approvals = 0, agencies = 0, from = 0, to = 0, paid = 0,
		viewed = 0;
	const char *decree = NULL;
	size_t n = 0, nr = 0, dn = 0, i;
	struct jr_cbr r;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "status: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL)
		return jr_errf(eb, JR_EINVAL, "status: no bytes given");
	rc = jr_cbr_open_versioned(&r, p, len, JR_STATUS_MAX_BYTES, "status",
		JR_STATUS_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 11)
		return jr_errf(eb, JR_EFORMAT, "status: %zu fields, not 11", n);
	jr_cbr_key_fixed(&r, 1, out->regid, JR_REGID_BYTES);
	jr_cbr_key_uint(&r, 2, JR_ST_MAX, &state);
	if (jr_cbr_key(&r, 3) != JR_OK || jr_cbr_array(&r, &nr) != JR_OK ||
	    nr > JR_VERDICT_MAX)
		goto bad;
	for (i = 0; i < nr; i++) {
		uint64_t code = 0;

		if (jr_cbr_uint(&r, &code) != JR_OK || code == 0 || code > 999)
			goto bad;
		out->reasons[i] = (enum jr_reason)code;
	}
	out->n_reasons = nr;
	jr_cbr_key_uint(&r, 4, 32, &approvals);
	jr_cbr_key_uint(&r, 5, 32, &agencies);
	if (jr_cbr_key(&r, 6) != JR_OK || jr_cbr_text(&r, &decree, &dn) != JR_OK ||
	    !decree_ok(decree, dn))
		goto bad;
	memcpy(out->decree, decree, dn);
	out->decree[dn] = '\0';
	jr_cbr_key_uint(&r, 7, 99991231, &from);
	jr_cbr_key_uint(&r, 8, 99991231, &to);
	jr_cbr_key_uint(&r, 9, 999912, &paid);
	jr_cbr_key_uint(&r, 10, UINT32_MAX, &viewed);
	if (jr_cbr_end(&r) != JR_OK)
		goto bad;
	out->state = (enum jr_status_state)state;
	out->approvals = (uint32_t)approvals;
	out->agencies = (uint32_t)agencies;
	out->protected_from = (uint32_t)from;
	out->protected_to = (uint32_t)to;
	out->paid_through = (uint32_t)paid;
	out->viewed = (uint32_t)viewed;
	if (!fields_ok(out))
		goto bad;
	return JR_OK;
bad:
	memset(out, 0, sizeof *out);
	return jr_errf(eb, JR_EFORMAT,
		"status: not {1: registration id, 2: state 1..%d, 3: reasons, 4: approvals, "
		"5: agencies, 6: decree, 7/8: protected from/to, 9: paid through, 10: viewed}"
		" with values in range", JR_ST_MAX);
}
