/*
 * downstream.c — the centre's answer to one kiosk (jaring/downstream.h;
 * docs/formats.md "Downstream bundle"): written from the centre's state with
 * the statuses streamed, applied by the kiosk whole or not at all.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "jaring/downstream.h"
#include "jaring/roster.h"

/* ---- writing ---- */

struct wctx {
	struct jr_bundle_writer *w;
	struct jr_errbuf *eb;
	uint64_t n;
	int rc;
};

static int put_status(void *arg, const struct jr_status *s)
{
	struct wctx *c = arg;
	struct jr_buf b = { NULL, 0 };
	int rc = jr_status_encode(s, &b);

	if (rc != JR_OK)
		return c->rc = jr_errf(c->eb, rc, "downstream: a status from the centre does "
			"not encode; the centre's state is damaged");
	rc = jr_bundle_writer_add(c->w, JR_ITEM_STATUS, b.base, b.len, c->eb);
	jr_buf_free(&b);
	if (rc != JR_OK)
		return c->rc = rc;
	c->n++;
	return JR_OK;
}

static int params_check(const struct jr_downstream_params *p, struct jr_pubkey *kiosk,
	struct jr_errbuf *eb)
{
	memset(kiosk, 0, sizeof *kiosk);
	if (p == NULL || p->centre == NULL || p->consortium == NULL || p->roster == NULL ||
	    p->roster_len == 0 || p->policy == NULL || p->seq == 0 || p->time < 0 ||
	    (p->checkpoint == NULL) != (p->checkpoint_len == 0))
		return jr_errf(eb, JR_EINVAL, "downstream: a centre, the consortium key, a "
			"roster, a policy, a sequence number of 1 or more and a time are needed");
	if (jr_key_role(p->consortium) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "downstream: the signing key is not the consortium's");
	if (p->roster_len > JR_BUNDLE_ITEM_MAX || p->checkpoint_len > JR_NOTE_MAX_BYTES ||
	    p->roster_chain_n > JR_DOWNSTREAM_CHAIN_MAX ||
	    (p->roster_chain_n > 0 && p->roster_chain == NULL))
		return jr_errf(eb, JR_ETOOBIG, "downstream: the roster, its chain or the "
			"checkpoint is over its maximum size");
	for (size_t i = 0; i < p->roster_chain_n; i++)
		if (p->roster_chain[i].len == 0 || p->roster_chain[i].len > JR_BUNDLE_ITEM_MAX)
			return jr_errf(eb, JR_ETOOBIG, "downstream: roster link %zu is empty or "
				"over its maximum size", i + 1);
	kiosk->role = JR_ROLE_KIOSK;
	memcpy(kiosk->sign_pk, p->kiosk_pk, JR_SIGN_PK_BYTES);
	jr_keyid_from_pk(kiosk->sign_pk, kiosk->id);
	if (jr_pubkey_derive_box(kiosk->sign_pk, kiosk->box_pk) != JR_OK)
		return jr_errf(eb, JR_EKEY, "downstream: the kiosk's key on the roster is not a "
			"valid Ed25519 key");
	return JR_OK;
}

/* The ack (JR_ENOTFOUND: nothing of the kiosk applied) and its height. */
static int make_ack(const struct jr_downstream_params *p, const struct jr_pubkey *kiosk,
	struct jr_buf *ack, uint64_t *height, struct jr_errbuf *eb)
{
	struct jr_pubkey cons;
	struct jr_ack a;
	int rc = jr_centre_ack(p->centre, kiosk->id, p->time, ack, eb);

	*height = 0;
	if (rc != JR_OK)
		return rc;
	jr_key_public(p->consortium, &cons);
	rc = jr_ack_verify(ack->base, ack->len, cons.sign_pk, &a, eb);
	if (rc != JR_OK)
		return jr_errf(eb, JR_EINTERNAL, "downstream: the centre's own ack does not verify");
	*height = a.height;
	return JR_OK;
}

static int write_items(const struct jr_downstream_params *p, struct jr_bundle_writer *w,
	const struct jr_pubkey *kiosk, const struct jr_buf *ack, struct jr_downstream_info *info,
	struct jr_errbuf *eb)
{
	struct jr_buf pol = { NULL, 0 };
	struct wctx c = { w, eb, 0, JR_OK };
	int rc = JR_OK;

	if (ack->len > 0)
		rc = jr_bundle_writer_add(w, JR_ITEM_ACK, ack->base, ack->len, eb);
	for (size_t i = 0; rc == JR_OK && i < p->roster_chain_n; i++)
		rc = jr_bundle_writer_add(w, JR_ITEM_ROSTER, p->roster_chain[i].base,
			p->roster_chain[i].len, eb);
	if (rc == JR_OK)
		rc = jr_bundle_writer_add(w, JR_ITEM_ROSTER, p->roster, p->roster_len, eb);
	if (rc == JR_OK && (rc = jr_policy_encode(p->policy, &pol)) != JR_OK)
		rc = jr_errf(eb, rc, "downstream: the policy does not encode");
	if (rc == JR_OK)
		rc = jr_bundle_writer_add(w, JR_ITEM_POLICY, pol.base, pol.len, eb);
	jr_buf_free(&pol);
	if (rc == JR_OK && p->checkpoint != NULL)
		rc = jr_bundle_writer_add(w, JR_ITEM_CHECKPOINT, p->checkpoint,
			p->checkpoint_len, eb);
	if (rc == JR_OK) {
		rc = jr_centre_statuses(p->centre, kiosk->id, put_status, &c, NULL, eb);
		if (rc == JR_OK && c.rc != JR_OK)
			rc = c.rc;
	}
	info->statuses = c.n;
	return rc;
}

static int write_common(const struct jr_downstream_params *p,
	const struct jr_bundle_sink *sink, int fd, const char *name,
	struct jr_downstream_info *out, struct jr_errbuf *eb)
{
	struct jr_downstream_info info;
	struct jr_bundle_params bp;
	struct jr_bundle_writer *w = NULL;
	struct jr_pubkey kiosk;
	struct jr_buf ack = { NULL, 0 };
	int rc;

	memset(&info, 0, sizeof info);
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if ((rc = params_check(p, &kiosk, eb)) != JR_OK)
		return rc;
	rc = make_ack(p, &kiosk, &ack, &info.ack_height, eb);
	if (rc == JR_ENOTFOUND) {
		jr_errclear(eb);
		rc = JR_OK;
	}
	if (rc != JR_OK)
		return rc;
	bp.kind = JR_BUNDLE_DOWNSTREAM;
	bp.time = (uint64_t)p->time;
	bp.first = p->seq;
	bp.last = info.ack_height;
	rc = sink != NULL ? jr_bundle_writer_open(sink, p->consortium, &kiosk, &bp, &w, eb) :
		jr_bundle_writer_open_fd(fd, name, p->consortium, &kiosk, &bp, &w, eb);
	if (rc == JR_OK)
		rc = write_items(p, w, &kiosk, &ack, &info, eb);
	jr_buf_free(&ack);
	if (rc != JR_OK) {
		jr_bundle_writer_abort(w);
		return rc;
	}
	rc = jr_bundle_writer_finish(w, &info.bundle, eb);
	if (rc == JR_OK && out != NULL)
		*out = info;
	return rc;
}

int jr_downstream_write(const struct jr_downstream_params *p,
	const struct jr_bundle_sink *sink, struct jr_downstream_info *info,
	struct jr_errbuf *eb)
{
	if (sink == NULL)
		return jr_errf(eb, JR_EINVAL, "downstream: no sink given");
	return write_common(p, sink, -1, NULL, info, eb);
}

int jr_downstream_write_fd(const struct jr_downstream_params *p, int fd, const char *name,
	struct jr_downstream_info *info, struct jr_errbuf *eb)
{
	return write_common(p, NULL, fd, name, info, eb);
}

/* ---- applying ---- */

enum stage { ST_ACK, ST_ROSTER, ST_CHECKPOINT, ST_STATUS };

struct actx {
	const char *name;
	const uint8_t *kiosk_id;
	const struct jr_downstream_trust *t;
	struct jr_downstream_result *res;
	struct jr_roster held;
	bool has_held;
	enum stage stage;
	/* The roster chain as it is walked: rosters seen, the key the roster
	 * taken last names (the next link's signer), its serial, and whether
	 * the latest roster seen was taken (with why not, if not). */
	unsigned rosters;
	uint8_t signer[JR_SIGN_PK_BYTES];
	uint64_t serial;
	bool taken;
	char why[JR_ERRMSG_MAX];
};

void jr_downstream_result_free(struct jr_downstream_result *r)
{
	if (r == NULL)
		return;
	jr_buf_free(&r->ack_bytes);
	jr_buf_free(&r->roster);
	jr_buf_free(&r->policy_bytes);
	jr_buf_free(&r->checkpoint);
	memset(r, 0, sizeof *r);
}

static int copy(struct jr_buf *dst, const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	if ((dst->base = malloc(len)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "downstream: out of memory");
	memcpy(dst->base, p, len);
	dst->len = len;
	return JR_OK;
}

static const char *bname(const struct actx *c)
{
	return c->name != NULL ? c->name : "downstream bundle";
}

/* One roster of the chain: taken if it is the one held (same bytes) or the
 * next link (verifies under c->signer, newer serial); passed over
 * otherwise, with why in c->why. Only a malformed roster that does verify
 * fails the bundle here; end_chain judges the last one. */
static int take_roster(struct actx *c, const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	struct jr_downstream_result *res = c->res;
	struct jr_errbuf re = { 0 };
	struct jr_roster r;
	int rc;

	c->taken = false;
	if (c->has_held && len == c->t->roster_len && sodium_memcmp(p, c->t->roster, len) == 0) {
		jr_buf_free(&res->roster);
		res->roster_serial = c->held.serial;
		res->roster_new = false;
		memcpy(res->consortium_pk, c->held.consortium_pk, JR_SIGN_PK_BYTES);
		memcpy(res->roster_signer_pk, c->t->roster_signer_pk, JR_SIGN_PK_BYTES);
		memcpy(c->signer, c->held.consortium_pk, JR_SIGN_PK_BYTES);
		c->serial = c->held.serial;
		c->taken = true;
		return copy(&res->roster, p, len, eb);
	}
	rc = jr_roster_open(p, len, c->signer, &r, &re);
	if (rc == JR_ESIG) {
		snprintf(c->why, sizeof c->why, "%s: its roster is not signed by the consortium "
			"key this kiosk trusts (%s), nor reached from it by the rosters before it; "
			"the bundle was not applied", bname(c), c->has_held || c->rosters > 1 ?
			"the one its roster names" : "the pinned one");
		return JR_OK;
	}
	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s: roster %u: %s", bname(c), c->rosters, re.msg);
	if (r.serial <= c->serial) {
		snprintf(c->why, sizeof c->why, "%s: carries roster %llu, not newer than roster "
			"%llu this kiosk holds; the bundle was not applied", bname(c),
			(unsigned long long)r.serial, (unsigned long long)c->serial);
		jr_roster_free(&r);
		return JR_OK;
	}
	jr_buf_free(&res->roster);
	res->roster_serial = r.serial;
	res->roster_new = true;
	memcpy(res->consortium_pk, r.consortium_pk, JR_SIGN_PK_BYTES);
	memcpy(res->roster_signer_pk, c->signer, JR_SIGN_PK_BYTES);
	memcpy(c->signer, r.consortium_pk, JR_SIGN_PK_BYTES);
	c->serial = r.serial;
	c->taken = true;
	jr_roster_free(&r);
	return copy(&res->roster, p, len, eb);
}

/* The chain's last roster must have been taken: it is the roster now. */
static int end_chain(struct actx *c, struct jr_errbuf *eb)
{
	if (c->taken)
		return JR_OK;
	jr_buf_free(&c->res->roster);
	return jr_errf(eb, strstr(c->why, "not newer") != NULL ? JR_EFORMAT : JR_EKEY, "%s",
		c->why);
}

/* After the roster: the sender must be the key it names or the key that
 * signed it; then the ack (held back until now) must verify under it. */
static int trust_sender(struct actx *c, struct jr_errbuf *eb)
{
	struct jr_downstream_result *res = c->res;
	int rc;

	if (sodium_memcmp(res->sender_pk, res->consortium_pk, JR_SIGN_PK_BYTES) != 0 &&
	    sodium_memcmp(res->sender_pk, res->roster_signer_pk, JR_SIGN_PK_BYTES) != 0)
		return jr_errf(eb, JR_EKEY, "%s: signed by a key that is not the consortium's "
			"(neither the key of its roster nor the one that signed it); a forged or "
			"foreign bundle: it was not applied", bname(c));
	if (!res->has_ack)
		return res->bundle.last == 0 ? JR_OK : jr_errf(eb, JR_EFORMAT, "%s: its header "
			"names acknowledged height %llu but it carries no acknowledgement", bname(c),
			(unsigned long long)res->bundle.last);
	rc = jr_ack_verify(res->ack_bytes.base, res->ack_bytes.len, res->sender_pk, &res->ack, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s", bname(c));
	if (sodium_memcmp(res->ack.kiosk_id, c->kiosk_id, JR_ID_BYTES) != 0)
		return jr_errf(eb, JR_EKEY, "%s: its acknowledgement is for another kiosk",
			bname(c));
	if (res->ack.height != res->bundle.last)
		return jr_errf(eb, JR_EFORMAT, "%s: its header names acknowledged height %llu, "
			"its acknowledgement %llu", bname(c), (unsigned long long)res->bundle.last,
			(unsigned long long)res->ack.height);
	return JR_OK;
}

static int take_checkpoint(struct actx *c, const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	struct jr_checkpoint cp;
	struct jr_note note;
	int rc;

	if (c->t->tlog != NULL) {
		rc = jr_checkpoint_open(p, len, c->t->tlog, &cp, NULL, eb);
		c->res->checkpoint_verified = rc == JR_OK;
	} else {
		rc = jr_note_parse(p, len, &note, eb);
		if (rc == JR_OK)
			rc = jr_checkpoint_parse_text(note.text, note.text_len, &cp, eb);
	}
	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s: its checkpoint", bname(c));
	return copy(&c->res->checkpoint, p, len, eb);
}

static int take_status(struct actx *c, const struct jr_downstream_sink *sink,
	const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	struct jr_status s;
	int rc = jr_status_decode(p, len, &s, eb);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s: status %llu", bname(c),
			(unsigned long long)c->res->statuses + 1);
	if ((rc = sink->status(sink->ctx, &s, eb)) != JR_OK)
		return rc;
	c->res->statuses++;
	return JR_OK;
}

/* One item, in the order the format fixes. */
static int take_item(struct actx *c, const struct jr_downstream_sink *sink, int kind,
	const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	struct jr_downstream_result *res = c->res;
	int rc;

	if (kind == JR_ITEM_ACK && c->stage == ST_ACK) {
		c->stage = ST_ROSTER;
		res->has_ack = true;
		return len > JR_ACK_MAX_BYTES ? jr_errf(eb, JR_ETOOBIG, "%s: its ack is too long",
			bname(c)) : copy(&res->ack_bytes, p, len, eb);
	}
	if (kind == JR_ITEM_ROSTER && c->stage <= ST_ROSTER &&
	    c->rosters <= JR_DOWNSTREAM_CHAIN_MAX) {
		c->stage = ST_ROSTER;
		c->rosters++;
		return take_roster(c, p, len, eb);
	}
	if (kind == JR_ITEM_POLICY && c->stage == ST_ROSTER && c->rosters > 0) {
		c->stage = ST_CHECKPOINT;
		if ((rc = end_chain(c, eb)) != JR_OK || (rc = trust_sender(c, eb)) != JR_OK)
			return rc;
		if ((rc = jr_policy_decode(p, len, &res->policy, eb)) != JR_OK)
			return jr_errf(eb, rc, "%s: its policy", bname(c));
		return copy(&res->policy_bytes, p, len, eb);
	}
	if (kind == JR_ITEM_CHECKPOINT && c->stage == ST_CHECKPOINT) {
		c->stage = ST_STATUS;
		return take_checkpoint(c, p, len, eb);
	}
	if (kind == JR_ITEM_STATUS && c->stage >= ST_CHECKPOINT) {
		c->stage = ST_STATUS;
		return take_status(c, sink, p, len, eb);
	}
	return jr_errf(eb, JR_EFORMAT, "%s: item %llu of kind %d is not where the format "
		"allows it (ack, roster, policy, checkpoint, statuses)", bname(c),
		(unsigned long long)(res->statuses + 1), kind);
}

static int read_items(struct actx *c, struct jr_bundle_reader *r,
	const struct jr_downstream_sink *sink,
	void (*progress)(void *, uint64_t, uint64_t), void *pctx, struct jr_errbuf *eb)
{
	const uint8_t *p;
	size_t len;
	int kind, rc;

	for (;;) {
		if ((rc = jr_bundle_reader_next(r, &kind, &p, &len, eb)) != JR_OK)
			return rc;
		if (kind == 0)
			break;
		if ((rc = take_item(c, sink, kind, p, len, eb)) != JR_OK)
			return rc;
		if (progress != NULL && kind == JR_ITEM_STATUS)
			progress(pctx, c->res->statuses, c->res->bundle.items);
	}
	if (c->stage < ST_CHECKPOINT)
		return jr_errf(eb, JR_EFORMAT, "%s: ends before its roster and policy", bname(c));
	return jr_bundle_reader_end(r, eb);
}

/* Opens the roster held (what the kiosk accepted before) to learn its
 * serial and the key it names. */
static int open_held(struct actx *c, struct jr_errbuf *eb)
{
	int rc;

	if (c->t->roster == NULL || c->t->roster_len == 0)
		return JR_OK;
	rc = jr_roster_open(c->t->roster, c->t->roster_len, c->t->roster_signer_pk, &c->held, eb);
	if (rc != JR_OK)
		return jr_errf(eb, JR_ECORRUPT, "the roster this kiosk holds does not verify: "
			"its store is damaged; report it to the district office");
	c->has_held = true;
	memcpy(c->signer, c->held.consortium_pk, JR_SIGN_PK_BYTES);
	c->serial = c->held.serial;
	return JR_OK;
}

/* The ack to the shard, then the commit. */
static int finish(struct actx *c, struct jr_shard *shard, const struct jr_downstream_sink *sink,
	struct jr_errbuf *eb)
{
	struct jr_downstream_result *res = c->res;
	struct jr_errbuf se = { 0 };
	int rc;

	if (shard != NULL && res->has_ack) {
		rc = jr_shard_accept_ack(shard, res->ack_bytes.base, res->ack_bytes.len,
			res->sender_pk, &se);
		if (rc == JR_ESTALE) {
			res->stale = true;
			memcpy(res->stale_msg, se.msg, sizeof res->stale_msg);
		} else if (rc != JR_OK) {
			return jr_errf(eb, rc, "%s", se.msg);
		}
	}
	if ((rc = sink->commit(sink->ctx, res, eb)) != JR_OK)
		return rc;
	res->applied = true;
	return JR_OK;
}

static int apply_open(struct jr_bundle_reader *r, const char *name,
	const uint8_t *kiosk_id, const struct jr_downstream_trust *t, struct jr_shard *shard,
	const struct jr_downstream_sink *sink,
	void (*progress)(void *, uint64_t, uint64_t), void *pctx,
	struct jr_downstream_result *res, struct jr_errbuf *eb)
{
	struct actx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.name = name;
	c.kiosk_id = kiosk_id;
	c.t = t;
	c.res = res;
	if (res->bundle.kind != JR_BUNDLE_DOWNSTREAM || res->bundle.first == 0)
		return jr_errf(eb, JR_EFORMAT, "%s: not a downstream bundle", bname(&c));
	res->seq = res->bundle.first;
	memcpy(res->sender_pk, res->bundle.sender_pk, JR_SIGN_PK_BYTES);
	if (res->seq <= t->applied_seq) {
		res->old = true;
		return JR_OK;
	}
	memcpy(c.signer, t->pinned_pk, JR_SIGN_PK_BYTES);
	if ((rc = open_held(&c, eb)) != JR_OK)
		return rc;
	rc = sink->begin(sink->ctx, eb);
	if (rc == JR_OK) {
		rc = read_items(&c, r, sink, progress, pctx, eb);
		if (rc == JR_OK)
			rc = finish(&c, shard, sink, eb);
		if (rc != JR_OK)
			sink->rollback(sink->ctx);
	}
	if (c.has_held)
		jr_roster_free(&c.held);
	return rc;
}

static int apply_any(const struct jr_bundle_source *src, int fd, const char *name,
	const struct jr_key *kiosk, const struct jr_downstream_trust *t, struct jr_shard *shard,
	const struct jr_downstream_sink *sink, void (*progress)(void *, uint64_t, uint64_t),
	void *pctx, struct jr_downstream_result *res, struct jr_errbuf *eb)
{
	struct jr_bundle_reader *r = NULL;
	int rc;

	if (res == NULL)
		return jr_errf(eb, JR_EINVAL, "downstream: no result given");
	memset(res, 0, sizeof *res);
	if (kiosk == NULL || t == NULL || sink == NULL || sink->begin == NULL ||
	    sink->status == NULL || sink->commit == NULL || sink->rollback == NULL)
		return jr_errf(eb, JR_EINVAL, "downstream: a kiosk key, its trust and a store "
			"are needed");
	if (jr_key_role(kiosk) != JR_ROLE_KIOSK)
		return jr_errf(eb, JR_EKEY, "downstream: the key is not a kiosk's");
	rc = src != NULL ? jr_bundle_reader_open(src, name, kiosk, NULL, &r, &res->bundle, eb) :
		jr_bundle_reader_open_fd(fd, name, kiosk, NULL, &r, &res->bundle, eb);
	if (rc == JR_OK)
		rc = apply_open(r, name, jr_key_id(kiosk), t, shard, sink, progress, pctx, res, eb);
	jr_bundle_reader_free(r);
	if (rc != JR_OK) {
		bool old = res->old;
		struct jr_bundle_info info = res->bundle;
		jr_downstream_result_free(res);
		res->old = old;
		res->bundle = info;
	}
	return rc;
}

int jr_downstream_apply(const struct jr_bundle_source *src, const char *name,
	const struct jr_key *kiosk, const struct jr_downstream_trust *trust,
	struct jr_shard *shard, const struct jr_downstream_sink *sink,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_downstream_result *res, struct jr_errbuf *eb)
{
	if (src == NULL)
		return jr_errf(eb, JR_EINVAL, "downstream: no source given");
	return apply_any(src, -1, name, kiosk, trust, shard, sink, progress, progress_ctx,
		res, eb);
}

int jr_downstream_apply_fd(int fd, const char *name, const struct jr_key *kiosk,
	const struct jr_downstream_trust *trust, struct jr_shard *shard,
	const struct jr_downstream_sink *sink,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_downstream_result *res, struct jr_errbuf *eb)
{
	return apply_any(NULL, fd, name, kiosk, trust, shard, sink, progress, progress_ctx,
		res, eb);
}
