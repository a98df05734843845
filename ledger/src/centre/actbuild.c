/*
 * Building signed act entries (jaring/centre.h "building entries"): what
 * jaring-admin, the tests and the benches call. Every builder writes the
 * body of docs/centre.md for its kind, signs it under the kind's domain and
 * wraps it into an entry. The centre, not the builder, decides whether the
 * signer may do what the act says.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "acts_int.h"
#include "signed.h"

#define ACT_MAX ((size_t)4 << 20)

int jr_centre_wrap_entry(enum jr_centre_kind kind, const struct jr_buf *payload,
	struct jr_buf *out);

static const char *domain_of(enum jr_centre_kind kind)
{
	switch (kind) {
	case JR_CENTRE_POLICY: return JR_CENTRE_POLICY_DOMAIN;
	case JR_CENTRE_REVIEW: return JR_CENTRE_REVIEW_DOMAIN;
	case JR_CENTRE_VIEW: return JR_CENTRE_VIEW_DOMAIN;
	case JR_CENTRE_DECREE: return JR_CENTRE_DECREE_DOMAIN;
	case JR_CENTRE_ALLOCATION: return JR_CENTRE_ALLOCATION_DOMAIN;
	case JR_CENTRE_PAYMENT: return JR_CENTRE_PAYMENT_DOMAIN;
	case JR_CENTRE_REFLIST: return JR_CENTRE_REFLIST_DOMAIN;
	case JR_CENTRE_ROSTER:
	case JR_CENTRE_UPSTREAM:
		break;
	}
	return NULL;
}

void jr_act_head(struct jr_cbw *w, size_t n, const struct jr_key *k, int64_t issued)
{
	jr_cbw_map(w, n);
	jr_cbw_uint(w, 0);
	jr_cbw_uint(w, JR_CENTRE_ACT_VERSION);
	jr_cbw_uint(w, 1);
	jr_cbw_bytes(w, jr_key_id(k), JR_ID_BYTES);
	jr_cbw_uint(w, 2);
	jr_cbw_uint(w, (uint64_t)issued);
}

int jr_act_finish(const struct jr_key *k, enum jr_centre_kind kind, struct jr_cbw *w,
	struct jr_buf *out)
{
	struct jr_buf body = { 0 }, payload = { 0 };
	int rc = jr_cbw_finish(w, &body);

	if (rc == JR_OK)
		rc = jr_signed_wrap(k, domain_of(kind), &body, ACT_MAX + 128, &payload);
	if (rc == JR_OK)
		rc = jr_centre_wrap_entry(kind, &payload, out);
	jr_buf_free(&body);
	jr_buf_free(&payload);
	return rc;
}

static int cmp_16(const void *a, const void *b)
{
	return memcmp(a, b, 16);
}

static int cmp_32(const void *a, const void *b)
{
	return memcmp(a, b, 32);
}

int jr_act_sorted(const uint8_t *ids, size_t n, size_t size, uint8_t **out)
{
	uint8_t *s;
	size_t i;

	*out = NULL;
	if ((size != 16 && size != 32) || n > SIZE_MAX / size - 1)
		return JR_EINVAL;
	s = malloc(n * size + 1);
	if (s == NULL)
		return JR_ENOMEM;
	if (n > 0)
		memcpy(s, ids, n * size);
	qsort(s, n, size, size == 16 ? cmp_16 : cmp_32);
	for (i = 1; i < n; i++)
		if (memcmp(s + (i - 1) * size, s + i * size, size) == 0) {
			free(s);
			return JR_EINVAL;
		}
	*out = s;
	return JR_OK;
}

static int ids_out(struct jr_cbw *w, const uint8_t *ids, size_t n, size_t size)
{
	uint8_t *s = NULL;
	size_t i;
	int rc = jr_act_sorted(ids, n, size, &s);

	if (rc != JR_OK)
		return rc;
	jr_cbw_array(w, n);
	for (i = 0; i < n; i++)
		jr_cbw_bytes(w, s + i * size, size);
	free(s);
	return JR_OK;
}

static bool name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i;

	for (i = 0; i < n; i++)
		if (s[i] < 0x21 || s[i] > 0x7e)
			return false;
	return n >= 1 && n <= JR_CENTRE_NAME_MAX;
}

static bool begin(const struct jr_key *k, int64_t issued, struct jr_buf *out)
{
	if (out != NULL) {
		out->base = NULL;
		out->len = 0;
	}
	return k != NULL && out != NULL && issued >= 0;
}

int jr_centre_policy_entry(const struct jr_key *official, int64_t issued,
	uint64_t region, const struct jr_policy *rules, uint32_t required_agencies,
	bool dtks_required, struct jr_buf *out)
{
	struct jr_buf enc = { 0 };
	struct jr_cbw w;
	int rc;

	if (!begin(official, issued, out) || rules == NULL)
		return JR_EINVAL;
	rc = jr_policy_encode(rules, &enc);
	if (rc != JR_OK)
		return rc;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 7, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, region);
	jr_cbw_uint(&w, 4);
	jr_cbw_bytes(&w, enc.base, enc.len);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, required_agencies);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, dtks_required ? 1 : 0);
	jr_buf_free(&enc);
	return jr_act_finish(official, JR_CENTRE_POLICY, &w, out);
}

/* A comment: the body's key 6 is the commitment to the text under a fresh
 * salt, and the payload [body, sig, [salt, text]] carries the opening. */
static int comment_finish(const struct jr_key *k, struct jr_cbw *w, const char *text,
	size_t len, const uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES], struct jr_buf *out)
{
	uint8_t commit[JR_HASH_BYTES];
	struct jr_buf body = { 0 }, payload = { 0 };
	struct jr_cbw pw;
	int rc;

	rc = jr_act_comment_commit(salt, text, len, commit);
	if (rc != JR_OK) {
		jr_cbw_free(w);
		return rc;
	}
	jr_cbw_bytes(w, commit, sizeof commit);
	rc = jr_cbw_finish(w, &body);
	if (rc == JR_OK)
		rc = jr_signed_wrap(k, JR_CENTRE_REVIEW_DOMAIN, &body, ACT_MAX + 128, &payload);
	if (rc == JR_OK) {
		/* [body, sig] is 0x82 and its two byte strings: one more element */
		jr_cbw_init(&pw, ACT_MAX + 512);
		jr_cbw_array(&pw, 3);
		jr_cbw_raw(&pw, payload.base + 1, payload.len - 1);
		jr_cbw_array(&pw, 2);
		jr_cbw_bytes(&pw, salt, JR_CENTRE_COMMENT_SALT_BYTES);
		jr_cbw_text(&pw, text, len);
		jr_buf_free(&payload);
		rc = jr_cbw_finish(&pw, &payload);
	}
	if (rc == JR_OK)
		rc = jr_centre_wrap_entry(JR_CENTRE_REVIEW, &payload, out);
	jr_buf_free(&body);
	jr_buf_free(&payload);
	return rc;
}

int jr_centre_review_entry(const struct jr_key *official, int64_t issued,
	enum jr_review_verb verb, const uint8_t *regids, size_t n,
	const struct jr_verdict *reasons, const char *comment, struct jr_buf *out)
{
	uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES];
	int rc;

	randombytes_buf(salt, sizeof salt);
	rc = jr_centre_review_entry_salted(official, issued, verb, regids, n, reasons, comment,
		salt, out);
	sodium_memzero(salt, sizeof salt);
	return rc;
}

int jr_centre_review_entry_salted(const struct jr_key *official, int64_t issued,
	enum jr_review_verb verb, const uint8_t *regids, size_t n,
	const struct jr_verdict *reasons, const char *comment,
	const uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES], struct jr_buf *out)
{
	size_t nr = reasons != NULL ? reasons->n : 0, clen = comment != NULL ? strlen(comment) : 0;
	struct jr_cbw w;
	size_t i;
	int rc;

	if (!begin(official, issued, out) || regids == NULL || n == 0 ||
		n > JR_CENTRE_MAX_ACT_REGS || verb < JR_REVIEW_APPROVE ||
		verb > JR_REVIEW_COMMENT || nr > JR_VERDICT_MAX || clen > JR_CENTRE_COMMENT_MAX)
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 7, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, (uint64_t)verb);
	jr_cbw_uint(&w, 4);
	rc = ids_out(&w, regids, n, JR_REGID_BYTES);
	if (rc != JR_OK) {
		jr_cbw_free(&w);
		return rc;
	}
	jr_cbw_uint(&w, 5);
	jr_cbw_array(&w, nr);
	for (i = 0; i < nr; i++)
		jr_cbw_uint(&w, (uint64_t)reasons->reasons[i]);
	jr_cbw_uint(&w, 6);
	if (verb != JR_REVIEW_COMMENT) {
		jr_cbw_bytes(&w, NULL, 0);
		return jr_act_finish(official, JR_CENTRE_REVIEW, &w, out);
	}
	if (salt == NULL) {
		jr_cbw_free(&w);
		return JR_EINVAL;
	}
	return comment_finish(official, &w, comment != NULL ? comment : "", clen, salt, out);
}

int jr_centre_view_entry(const struct jr_key *official, int64_t issued,
	const uint8_t *regids, size_t n, struct jr_buf *out)
{
	struct jr_cbw w;
	int rc;

	if (!begin(official, issued, out) || regids == NULL || n == 0 ||
		n > JR_CENTRE_MAX_ACT_REGS)
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 4, official, issued);
	jr_cbw_uint(&w, 3);
	rc = ids_out(&w, regids, n, JR_REGID_BYTES);
	if (rc != JR_OK) {
		jr_cbw_free(&w);
		return rc;
	}
	return jr_act_finish(official, JR_CENTRE_VIEW, &w, out);
}

int jr_centre_decree_entry(const struct jr_key *official, int64_t issued,
	const struct jr_centre_decree *d, struct jr_buf *out)
{
	struct jr_cbw w;
	int rc;

	if (!begin(official, issued, out) || d == NULL || !name_ok(d->number) ||
		!name_ok(d->allocation) || d->n > JR_CENTRE_MAX_DECREE_REGS ||
		(d->n > 0 && d->regids == NULL) || (d->n == 0 && d->count == 0))
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 9, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_text(&w, d->number, strlen(d->number));
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, d->region);
	jr_cbw_uint(&w, 5);
	jr_cbw_text(&w, d->allocation, strlen(d->allocation));
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, d->start);
	jr_cbw_uint(&w, 7);
	jr_cbw_uint(&w, d->months);
	jr_cbw_uint(&w, 8);
	if (d->n > 0) {
		rc = ids_out(&w, d->regids, d->n, JR_REGID_BYTES);
		if (rc != JR_OK) {
			jr_cbw_free(&w);
			return rc;
		}
	} else {
		jr_cbw_map(&w, 2);
		jr_cbw_uint(&w, 0);
		jr_cbw_uint(&w, d->count);
		jr_cbw_uint(&w, 1);
		jr_cbw_bytes(&w, d->digest, JR_HASH_BYTES);
	}
	return jr_act_finish(official, JR_CENTRE_DECREE, &w, out);
}

int jr_centre_allocation_entry(const struct jr_key *official, int64_t issued,
	const struct jr_centre_allocation *a, struct jr_buf *out)
{
	size_t sl = a != NULL ? strlen(a->sponsor) : 0;
	struct jr_cbw w;

	if (!begin(official, issued, out) || a == NULL || !name_ok(a->id) || sl == 0 ||
		sl > JR_CENTRE_SPONSOR_MAX)
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 9, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_text(&w, a->id, strlen(a->id));
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, (uint64_t)a->type);
	jr_cbw_uint(&w, 5);
	jr_cbw_text(&w, a->sponsor, sl);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, a->amount_rp);
	jr_cbw_uint(&w, 7);
	jr_cbw_uint(&w, a->months);
	jr_cbw_uint(&w, 8);
	jr_cbw_uint(&w, a->region);
	return jr_act_finish(official, JR_CENTRE_ALLOCATION, &w, out);
}

int jr_centre_payment_entry(const struct jr_key *official, int64_t issued,
	const char *allocation, uint32_t month, const uint8_t *regids,
	size_t n, uint64_t amount_rp, struct jr_buf *out)
{
	struct jr_cbw w;
	int rc;

	if (!begin(official, issued, out) || !name_ok(allocation) ||
		n > JR_CENTRE_MAX_ACT_REGS || (n > 0 && regids == NULL))
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 7, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_text(&w, allocation, strlen(allocation));
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, month);
	jr_cbw_uint(&w, 5);
	rc = n > 0 ? ids_out(&w, regids, n, JR_REGID_BYTES) : JR_OK;
	if (rc != JR_OK) {
		jr_cbw_free(&w);
		return rc;
	}
	if (n == 0)
		jr_cbw_array(&w, 0);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, amount_rp);
	return jr_act_finish(official, JR_CENTRE_PAYMENT, &w, out);
}

int jr_centre_reflist_entry(const struct jr_key *official, int64_t issued,
	enum jr_reflist kind, uint64_t serial, uint32_t part, uint32_t parts,
	const uint8_t *pseudonyms, size_t n,
	struct jr_buf *out)
{
	struct jr_cbw w;
	int rc;

	if (!begin(official, issued, out) || n > JR_CENTRE_MAX_LIST ||
		(n > 0 && pseudonyms == NULL) || parts == 0 || part >= parts ||
		parts > JR_CENTRE_MAX_PARTS)
		return JR_EINVAL;
	jr_cbw_init(&w, ACT_MAX);
	jr_act_head(&w, 8, official, issued);
	jr_cbw_uint(&w, 3);
	jr_cbw_uint(&w, (uint64_t)kind);
	jr_cbw_uint(&w, 4);
	jr_cbw_uint(&w, serial);
	jr_cbw_uint(&w, 5);
	jr_cbw_uint(&w, part);
	jr_cbw_uint(&w, 6);
	jr_cbw_uint(&w, parts);
	jr_cbw_uint(&w, 7);
	rc = n > 0 ? ids_out(&w, pseudonyms, n, JR_CENTRE_PSEUDONYM_BYTES) : JR_OK;
	if (rc != JR_OK) {
		jr_cbw_free(&w);
		return rc;
	}
	if (n == 0)
		jr_cbw_array(&w, 0);
	return jr_act_finish(official, JR_CENTRE_REFLIST, &w, out);
}
