/*
 * The kiosk's one way to register a worker (see jaring/registrar.h).
 *
 * Order matters and is the point of this file: rules first (nothing that
 * fails them is signed), then seal, then sign the receipt for the height the
 * block will get, then append block and receipt in one transaction. The
 * caller shows the receipt only after jr_registrar_submit() returned JR_OK,
 * that is after the commit.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "jaring/registrar.h"
#include "jaring/codec.h"

struct jr_registrar {
	struct jr_shard *shard;
	const struct jr_key *kiosk;
	const struct jr_policy *policy;
	uint8_t consortium_pk[JR_BOX_PK_BYTES];
	struct jr_seal_epoch *epoch;
};

int jr_registrar_new(struct jr_shard *shard, const struct jr_key *kiosk,
	const struct jr_policy *policy,
	const uint8_t consortium_box_pk[JR_BOX_PK_BYTES], struct jr_registrar **out)
{
	struct jr_registrar *g;

	*out = NULL;
	if (shard == NULL || kiosk == NULL || policy == NULL)
		return JR_EINVAL;
	if (sodium_memcmp(jr_shard_kiosk_id(shard), jr_key_id(kiosk), JR_ID_BYTES) != 0)
		return JR_EKEY;
	if ((g = calloc(1, sizeof *g)) == NULL)
		return JR_ENOMEM;
	g->shard = shard;
	g->kiosk = kiosk;
	g->policy = policy;
	memcpy(g->consortium_pk, consortium_box_pk, JR_BOX_PK_BYTES);
	*out = g;
	return JR_OK;
}

void jr_registrar_close_epoch(struct jr_registrar *g)
{
	if (g == NULL)
		return;
	jr_seal_epoch_close(g->epoch);
	g->epoch = NULL;
}

void jr_registrar_free(struct jr_registrar *g)
{
	if (g == NULL)
		return;
	jr_registrar_close_epoch(g);
	free(g);
}

static int ensure_epoch(struct jr_registrar *g, int64_t now, struct jr_errbuf *eb)
{
	int rc;

	if (g->epoch != NULL && !jr_seal_epoch_spent(g->epoch, now))
		return JR_OK;
	jr_registrar_close_epoch(g);
	rc = jr_seal_epoch_open(g->consortium_pk, now, &g->epoch);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "cannot open a sealing epoch (%s)", jr_strerror(rc));
	return JR_OK;
}

static int sign_receipt(struct jr_registrar *g, const struct jr_registration *r,
	const uint8_t regid[JR_REGID_BYTES], struct jr_issued *out,
	struct jr_errbuf *eb)
{
	struct jr_receipt *rc = &out->receipt;
	struct jr_buf payload = { NULL, 0 };
	int err;

	memcpy(rc->kiosk_id, r->kiosk_id, JR_ID_BYTES);
	rc->height = out->height;
	memcpy(rc->regid, regid, JR_REGID_BYTES);
	rc->time = r->time;
	jr_mask_name(r->name, rc->masked_name, sizeof rc->masked_name);
	rc->policy_version = g->policy->version;
	if ((err = jr_receipt_sign(rc, g->kiosk, &payload)) != JR_OK)
		return jr_errf(eb, err, "cannot sign the receipt (%s)", jr_strerror(err));
	if (payload.len > sizeof out->payload) {
		jr_buf_free(&payload);
		return jr_errf(eb, JR_EINTERNAL, "receipt of %zu bytes over the maximum",
			payload.len);
	}
	memcpy(out->payload, payload.base, payload.len);
	out->payload_len = payload.len;
	jr_buf_free(&payload);
	err = jr_receipt_to_text(out->payload, out->payload_len, out->text, sizeof out->text);
	if (err != JR_OK)
		return jr_errf(eb, err, "cannot encode the receipt for its QR code");
	memcpy(out->regid, regid, JR_REGID_BYTES);
	jr_receipt_code(regid, out->code);
	return JR_OK;
}

/* No Jaring kiosk ran before 2026-01-01 00:00 WIB. */
#define JR_TIME_FLOOR ((int64_t)1767200400)

/*
 * A kiosk's clock is a claim, not a fact (docs/architecture.md): after a flat RTC
 * battery it may read 1970. Block times never go backwards, so a record is
 * stamped no earlier than the block before it, nor before JR_TIME_FLOOR.
 */
static int64_t monotonic_time(const struct jr_registrar *g, int64_t now)
{
	int64_t last = jr_shard_head_time(g->shard);

	if (now < JR_TIME_FLOOR)
		now = JR_TIME_FLOOR;
	return now < last ? last : now;
}

int jr_registrar_submit(struct jr_registrar *g, struct jr_registration *r,
	int64_t now, struct jr_verdict *v, struct jr_issued *out,
	struct jr_errbuf *eb)
{
	struct jr_buf rec = { NULL, 0 };
	struct jr_shard_receipt sr;
	uint8_t regid[JR_REGID_BYTES];
	uint8_t hash[JR_HASH_BYTES];
	const uint8_t *recs[1];
	size_t lens[1];
	uint64_t height;
	int rc;

	memset(out, 0, sizeof *out);
	memset(v, 0, sizeof *v);
	now = monotonic_time(g, now);
	memcpy(r->kiosk_id, jr_key_id(g->kiosk), JR_ID_BYTES);
	r->time = now;
	r->consent_version = g->policy->consent_version;
	if (jr_rules_check(g->policy, r, jr_date_from_unix(now), v) != JR_OK)
		return jr_errf(eb, JR_ERULE, "registration does not meet the rules "
			"(%zu reasons); nothing was stored", v->n);
	if ((rc = ensure_epoch(g, now, eb)) != JR_OK)
		return rc;
	if ((rc = jr_record_encode(r, g->epoch, &rec, regid, eb)) != JR_OK)
		return rc;
	out->height = jr_shard_height(g->shard) + 1;
	if ((rc = sign_receipt(g, r, regid, out, eb)) != JR_OK)
		goto err_after_record;
	memcpy(sr.regid, regid, JR_REGID_BYTES);
	sr.payload = out->payload;
	sr.len = out->payload_len;
	recs[0] = rec.base;
	lens[0] = rec.len;
	rc = jr_shard_append(g->shard, now, recs, lens, 1, &sr, 1, &height, hash, eb);
	if (rc == JR_OK && height != out->height)
		rc = jr_errf(eb, JR_EINTERNAL, "block landed at height %llu, receipt says %llu",
			(unsigned long long)height, (unsigned long long)out->height);
	if (rc != JR_OK)
		goto err_after_record;
	jr_buf_free(&rec);
	return JR_OK;

err_after_record:
	jr_buf_free(&rec);
	sodium_memzero(out, sizeof *out);
	return rc;
}
