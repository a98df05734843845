/*
 * Applying upstream blocks (docs/centre.md "Applying upstream blocks").
 *
 * First every block of the entry is decoded and authenticated
 * (authenticate()): a block is authentic if its own signature verifies
 * under its roster key, or if an authentic block of the same kiosk in the
 * same entry, one height up, names its hash as prev (the signature above
 * covers it; docs/centre.md "Authenticating a chain"), and the records of
 * the authentic ones are decoded and opened, once each (prepare()). Then,
 * for each block in entry order:
 *   1. decoded (else MALFORMED); its kiosk must be in the roster as a kiosk
 *      (else UNKNOWN_KIOSK) with the upload permission (else NOT_PERMITTED)
 *      and not revoked at its height (else REVOKED); it must be authentic
 *      (else BAD_SIGNATURE); every record's kiosk id must be the block's
 *      (else KIOSK_MISMATCH).
 *   2. at or below the kiosk's head: the same hash is a no-op; another hash
 *      is an equivocation.
 *   3. at head + 1: prev must be the head's hash (else CHAIN_BREAK); it is
 *      applied, then every pending block that now follows.
 *   4. above head + 1: it waits in `pending`; a second, different block at a
 *      pending height is an equivocation.
 * An equivocation at height h keeps both blocks in `evidence`, flags the
 * kiosk from min(h, earlier flag), marks its registrations at heights >= h
 * held, and from then on every registration of its blocks at heights >= the
 * flag is recorded as HELD: no rules run and it claims no worker.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "centre_int.h"
#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/nik.h"
#include "jaring/record.h"
#include "jaring/region.h"

/* What one record gives before any state is read (prepare()): decoded,
 * opened, its id and its worker's pseudonym. The opened fields are wiped
 * when the entry is done. */
struct prep {
	bool parsed;  /* strictly decoded (else the block is MALFORMED) */
	bool opened;  /* the sealed part opened with a consortium key */
	uint8_t regid[JR_REGID_BYTES];
	uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES];
	uint64_t district;
	struct jr_registration r; /* kiosk_id set once parsed; the rest if opened */
};

struct sblock {
	const uint8_t *body, *sig;
	size_t body_len;
	uint8_t hash[JR_HASH_BYTES];
	bool malformed;   /* decoding failed: hash is of what there was */
	bool authentic;   /* authenticate(): its own signature or one above it */
	bool own_checked; /* its own signature was verified (and held) */
	struct prep *prep; /* one a record, or NULL (a pending block's, made as applied) */
	struct jr_block b;
};

static int refuse(struct jr_centre *c, const uint8_t *kiosk, uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status st,
	struct jr_centre_result *res)
{
	static const uint8_t none[JR_ID_BYTES];
	struct jr_buf leaf = { 0 };
	bool is_new = false;
	int rc = jr_centre_refusal_put(c, kiosk, height, hash, st, &is_new);

	res->blocks_refused++;
	if (rc != JR_OK || !is_new)
		return rc;
	res->changed = true;
	rc = jr_centre_leaf_block(kiosk != NULL ? kiosk : none, height, hash, st, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	return rc;
}

void jr_centre_pseudonym_of(const uint8_t key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const char nik[JR_NIK_LEN + 1], uint8_t out[JR_CENTRE_PSEUDONYM_BYTES])
{
	uint8_t msg[sizeof JR_CENTRE_PSEUDONYM_LABEL + JR_NIK_LEN];

	/* label || 0x00 || NIK, keyed: the one keyed hash of docs/formats.md
	 * "Domains". sizeof counts the label's NUL, which is the 0x00. */
	memcpy(msg, JR_CENTRE_PSEUDONYM_LABEL, sizeof JR_CENTRE_PSEUDONYM_LABEL);
	memcpy(msg + sizeof JR_CENTRE_PSEUDONYM_LABEL, nik, JR_NIK_LEN);
	(void)crypto_generichash(out, JR_CENTRE_PSEUDONYM_BYTES, msg, sizeof msg,
		key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	sodium_memzero(msg, sizeof msg);
}

static uint64_t district_of(uint64_t village)
{
	const struct jr_region *r = jr_region_find(village);

	return r != NULL && r->level == JR_REGION_VILLAGE ? r->parent : 0;
}

/* What intake decided about one record. */
struct reg_decision {
	enum jr_centre_outcome o;
	struct jr_verdict v;
	bool has_dup;
	uint8_t dup[JR_REGID_BYTES];
};

static void add_reason(struct jr_verdict *v, enum jr_reason why)
{
	/* 4xx are above every rule's code: appending keeps the order. */
	if (v->n < JR_VERDICT_MAX)
		v->reasons[v->n++] = why;
}

/* Decides a registration's outcome from the opened record (not stored):
 * the rules of its jurisdiction's policy, de-duplication, then the
 * centre-only facts of the reference lists. */
static int judge(struct jr_centre *c, const struct jr_registration *r,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], struct jr_verdict *v,
	uint8_t dup[JR_REGID_BYTES], bool *has_dup, enum jr_centre_outcome *o)
{
	const struct jr_cpolicy *pol = jr_centre_policy_for(c, r->village);
	bool ok = true;
	enum jr_reason why = JR_R_NONE;
	int rc;

	memset(v, 0, sizeof *v);
	(void)jr_rules_check(&pol->rules, r, jr_date_from_unix(r->time), v);
	rc = jr_centre_worker_of(c, ps, dup, has_dup);
	if (rc != JR_OK)
		return rc;
	if (*has_dup) {
		add_reason(v, JR_R_ALREADY_REGISTERED);
		*o = JR_CO_DUPLICATE;
		return JR_OK;
	}
	rc = jr_centre_eligible(c, ps, district_of(r->village), &ok, &why);
	if (rc != JR_OK)
		return rc;
	if (!ok) {
		add_reason(v, why);
		*o = JR_CO_INELIGIBLE;
	} else {
		*o = v->n > 0 ? JR_CO_RETURNED : JR_CO_ACCEPTED;
	}
	return JR_OK;
}

static enum jr_centre_phase phase_of(enum jr_centre_outcome o)
{
	switch (o) {
	case JR_CO_ACCEPTED: return JR_PH_REVIEW;
	case JR_CO_RETURNED: return JR_PH_RETURNED;
	case JR_CO_HELD: return JR_PH_HELD;
	case JR_CO_DUPLICATE:
	case JR_CO_UNOPENABLE:
	case JR_CO_INELIGIBLE:
		break;
	}
	return JR_PH_REJECTED;
}

static void reasons_bytes(const struct jr_verdict *v, uint8_t out[2 * JR_VERDICT_MAX])
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		out[2 * i] = (uint8_t)((unsigned)v->reasons[i] >> 8);
		out[2 * i + 1] = (uint8_t)v->reasons[i];
	}
}

/* Inserts the registration's row, its leaf to be the next one. *known (and
 * nothing written) if its id is there already: putting the id in its
 * table (recent.c) is the look-up, so a new registration costs no separate
 * read. */
static int reg_insert(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	const struct jr_ckiosk *k, uint64_t height,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], uint64_t district,
	enum jr_centre_outcome o, const struct jr_verdict *v, const uint8_t *dup,
	const uint8_t *corrects, bool *known)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_REG_PUT);
	uint8_t reasons[2 * JR_VERDICT_MAX];
	int rc;

	rc = jr_centre_regid_put(c, regid, c->tlog_size, known);
	if (rc != JR_OK || *known)
		return rc;
	reasons_bytes(v, reasons);
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, k->id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)height);
	(void)sqlite3_bind_blob(st, 4, ps, JR_CENTRE_PSEUDONYM_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)district);
	(void)sqlite3_bind_int(st, 6, (int)o);
	(void)sqlite3_bind_blob(st, 7, reasons, (int)(2 * v->n), SQLITE_STATIC);
	if (dup != NULL)
		(void)sqlite3_bind_blob(st, 8, dup, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 9, (sqlite3_int64)c->tlog_size);
	(void)sqlite3_bind_int(st, 10, (int)phase_of(o));
	if (corrects != NULL)
		(void)sqlite3_bind_blob(st, 11, corrects, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* A provisional acceptance whose worker dup had claimed: a duplicate. */
static int turn_duplicate(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	const uint8_t dup[JR_REGID_BYTES], struct jr_verdict *v)
{
	sqlite3_stmt *st;
	uint8_t reasons[2 * JR_VERDICT_MAX];

	add_reason(v, JR_R_ALREADY_REGISTERED);
	reasons_bytes(v, reasons);
	st = jr_centre_stmt(c, S_REG_DUP);
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, reasons, (int)(2 * v->n), SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 3, dup, JR_REGID_BYTES, SQLITE_STATIC);
	return jr_centre_step_done(c, S_REG_DUP);
}

static int reg_known(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	bool *known)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_REG_KNOWN);
	int rc;

	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* Fills *p from one record's bytes: opened with the consortium key that
 * opened the last record first (a batch is nearly always of one key, and a
 * wrong key costs an X25519), else with each other; decoded alone when no
 * key opens it, to tell a malformed record from an unopenable one. Reads
 * nothing of the state's tables. */
static void prepare_record(struct jr_centre *c, const uint8_t *rec, size_t len,
	struct prep *p)
{
	size_t i, k;

	memset(p, 0, offsetof(struct prep, r));
	jr_record_id(rec, len, p->regid);
	for (i = 0; i < c->n_keys && !p->opened; i++) {
		k = (c->last_opener + i) % c->n_keys;
		if (jr_record_open(rec, len, c->openers[k], &p->r, NULL) == JR_OK) {
			c->last_opener = k;
			p->opened = true;
		}
	}
	p->parsed = p->opened || jr_record_decode(rec, len, &p->r, NULL) == JR_OK;
	if (p->opened) {
		jr_centre_pseudonym_of(c->pkey, p->r.nik, p->ps);
		p->district = district_of(p->r.village);
	}
}

static void prep_wipe(struct prep *p, size_t n)
{
	if (p != NULL)
		sodium_memzero(p, n * sizeof *p);
}

/* A correction (record key 11) of a registration that was returned and not
 * corrected before takes its place: the original is marked corrected and
 * gives up its worker claim, so the correction is judged afresh and, if
 * accepted, enters review with no approvals. Anything else it names is
 * ignored (the link is still recorded). */
static int take_over(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	const uint8_t orig[JR_REGID_BYTES], struct jr_centre_result *res)
{
	struct jr_creg o;
	sqlite3_stmt *st;
	bool found = false;
	int rc = jr_centre_reg_get(c, orig, &o, &found);

	if (rc != JR_OK || !found || o.phase != JR_PH_RETURNED || o.held || o.corrected)
		return rc;
	st = jr_centre_stmt(c, S_REG_CORRECTED);
	(void)sqlite3_bind_blob(st, 1, orig, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_REG_CORRECTED);
	if (rc != JR_OK)
		return rc;
	res->regs_corrections++;
	return jr_centre_worker_release(c, o.pseudonym, orig);
}

/* The common case, without a read: a record that passes every rule and the
 * reference lists is provisionally accepted (the worker is claimed after its
 * row is in, and a claim already held makes it a duplicate); any other
 * looks up the worker, as judge() does. */
static int judge_fast(struct jr_centre *c, const struct jr_registration *r,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], struct jr_verdict *v,
	uint8_t dup[JR_REGID_BYTES], bool *has_dup, enum jr_centre_outcome *o)
{
	const struct jr_cpolicy *pol = jr_centre_policy_for(c, r->village);
	enum jr_reason why = JR_R_NONE;
	bool ok = true;
	int rc;

	memset(v, 0, sizeof *v);
	*has_dup = false;
	(void)jr_rules_check(&pol->rules, r, jr_date_from_unix(r->time), v);
	rc = jr_centre_eligible(c, ps, district_of(r->village), &ok, &why);
	if (rc != JR_OK || (v->n == 0 && ok)) {
		*o = JR_CO_ACCEPTED;
		return rc;
	}
	rc = jr_centre_worker_of(c, ps, dup, has_dup);
	if (rc != JR_OK)
		return rc;
	if (*has_dup) {
		add_reason(v, JR_R_ALREADY_REGISTERED);
		*o = JR_CO_DUPLICATE;
	} else if (!ok) {
		add_reason(v, why);
		*o = JR_CO_INELIGIBLE;
	} else {
		*o = JR_CO_RETURNED;
	}
	return JR_OK;
}

static void count(struct jr_centre_result *res, enum jr_centre_outcome o)
{
	switch (o) {
	case JR_CO_ACCEPTED: res->regs_accepted++; break;
	case JR_CO_RETURNED: res->regs_returned++; break;
	case JR_CO_DUPLICATE: res->regs_duplicate++; break;
	case JR_CO_HELD: res->regs_held++; break;
	case JR_CO_UNOPENABLE: res->regs_unopenable++; break;
	case JR_CO_INELIGIBLE: res->regs_ineligible++; break;
	}
}

/* Judges one prepared record; *known if its id was applied before (checked
 * first only for corrections, which change another registration). */
static int decide(struct jr_centre *c, const struct jr_ckiosk *k, uint64_t height,
	const struct prep *p, struct reg_decision *d, struct jr_centre_result *res,
	bool *known)
{
	const struct jr_registration *r = &p->r;
	int rc = JR_OK;

	*known = false;
	if (!p->opened)
		return JR_OK; /* UNOPENABLE, as d was set */
	if (k->flagged_from != 0 && height >= k->flagged_from) {
		d->o = JR_CO_HELD;
	} else if (r->has_corrects) {
		rc = reg_known(c, p->regid, known);
		if (rc == JR_OK && !*known)
			rc = take_over(c, p->regid, r->corrects, res);
		if (rc == JR_OK && !*known)
			rc = judge(c, r, p->ps, &d->v, d->dup, &d->has_dup, &d->o);
	} else {
		rc = judge_fast(c, r, p->ps, &d->v, d->dup, &d->has_dup, &d->o);
	}
	return rc;
}

static int apply_record(struct jr_centre *c, const struct jr_ckiosk *k,
	uint64_t height, const struct prep *p, struct jr_centre_result *res)
{
	struct reg_decision d;
	struct jr_buf leaf = { 0 };
	const uint8_t *regid = p->regid;
	/* an unopened record's fields are zero: it corrects nothing */
	const uint8_t *corrects = p->r.has_corrects ? p->r.corrects : NULL;
	bool known = false, claimed = true;
	int rc;

	memset(&d, 0, sizeof d);
	d.o = JR_CO_UNOPENABLE;
	rc = decide(c, k, height, p, &d, res, &known);
	if (rc == JR_OK && !known)
		rc = reg_insert(c, regid, k, height, p->ps, p->district, d.o, &d.v,
			d.has_dup ? d.dup : NULL, corrects, &known);
	if (rc != JR_OK || known) {
		res->regs_known += known;
		return rc;
	}
	if (d.o == JR_CO_ACCEPTED)
		rc = jr_centre_worker_claim(c, p->ps, c->tlog_size, &claimed, d.dup);
	if (rc == JR_OK && !claimed) {
		rc = turn_duplicate(c, regid, d.dup, &d.v);
		d.o = JR_CO_DUPLICATE;
	}
	if (rc != JR_OK)
		return rc;
	count(res, d.o);
	rc = jr_centre_leaf_reg(regid, p->ps, p->district, d.o, &d.v, corrects, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	return rc;
}

static void bind_block(sqlite3_stmt *st, const uint8_t id[JR_ID_BYTES],
	const struct sblock *b)
{
	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)b->b.height);
	(void)sqlite3_bind_blob(st, 3, b->hash, JR_HASH_BYTES, SQLITE_STATIC);
}

/* Applies b at k->head + 1 (prev already checked) and moves the head. */
static int apply_block(struct jr_centre *c, struct jr_ckiosk *k,
	const struct sblock *b, struct jr_centre_result *res)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_BLOCK_PUT);
	struct jr_buf leaf = { 0 };
	size_t i;
	int rc;

	bind_block(st, k->id, b);
	(void)sqlite3_bind_blob(st, 4, b->sig, JR_SIG_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 5, b->body, (int)b->body_len, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_BLOCK_PUT);
	if (rc == JR_OK)
		rc = jr_centre_leaf_block(k->id, b->b.height, b->hash, JR_CS_APPLIED, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	for (i = 0; rc == JR_OK && i < b->b.n_records; i++) {
		struct prep one;

		if (b->prep != NULL) {
			rc = apply_record(c, k, b->b.height, &b->prep[i], res);
		} else {
			prepare_record(c, b->b.records[i], b->b.record_len[i], &one);
			rc = apply_record(c, k, b->b.height, &one, res);
			prep_wipe(&one, 1);
		}
	}
	if (rc != JR_OK)
		return rc;
	k->head = b->b.height;
	memcpy(k->head_hash, b->hash, JR_HASH_BYTES);
	k->head_moved = true; /* written by put_head */
	res->blocks_applied++;
	res->changed = true;
	return JR_OK;
}

/* Writes k's head to its row if it moved: once for a kiosk's run of
 * blocks in an entry, before another kiosk's block is checked and at the
 * entry's end (nothing in between reads the row). */
static int put_head(struct jr_centre *c, struct jr_ckiosk *k)
{
	sqlite3_stmt *st;

	if (!k->head_moved)
		return JR_OK;
	st = jr_centre_stmt(c, S_KIOSK_HEAD);
	(void)sqlite3_bind_blob(st, 1, k->id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)k->head);
	(void)sqlite3_bind_blob(st, 3, k->head_hash, JR_HASH_BYTES, SQLITE_STATIC);
	k->head_moved = false;
	return jr_centre_step_done(c, S_KIOSK_HEAD);
}

static int put_evidence(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], const void *body,
	size_t body_len, const void *sig)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_EVIDENCE_PUT);

	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)height);
	(void)sqlite3_bind_blob(st, 3, hash, JR_HASH_BYTES, SQLITE_TRANSIENT);
	(void)sqlite3_bind_blob(st, 4, body, (int)body_len, SQLITE_TRANSIENT);
	(void)sqlite3_bind_blob(st, 5, sig, JR_SIG_BYTES, SQLITE_TRANSIENT);
	return jr_centre_step_done(c, S_EVIDENCE_PUT);
}

/* The first block at b's height is the current row of `other` (block or
 * pending): keep both, flag the kiosk, hold its registrations. Evidence
 * must stand on its own, so a block that was authenticated by the block
 * above it has its own signature checked here, and is refused if that
 * fails. */
static int equivocate(struct jr_centre *c, struct jr_ckiosk *k, const struct sblock *b,
	sqlite3_stmt *other, struct jr_centre_result *res)
{
	uint64_t h = b->b.height;
	sqlite3_stmt *st;
	int rc;

	if (!b->own_checked && jr_block_verify_sig(k->sign_pk, b->hash, b->sig) != JR_OK)
		return refuse(c, k->id, h, b->hash, JR_CS_BAD_SIGNATURE, res);
	rc = put_evidence(c, k->id, h, sqlite3_column_blob(other, 0),
		sqlite3_column_blob(other, 1), (size_t)sqlite3_column_bytes(other, 1),
		sqlite3_column_blob(other, 2));
	if (rc == JR_OK)
		rc = put_evidence(c, k->id, h, b->hash, b->body, b->body_len, b->sig);
	if (rc != JR_OK)
		return rc;
	if (k->flagged_from == 0 || h < k->flagged_from) {
		k->flagged_from = h;
		st = jr_centre_stmt(c, S_KIOSK_FLAG);
		(void)sqlite3_bind_blob(st, 1, k->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
		rc = jr_centre_step_done(c, S_KIOSK_FLAG);
		if (rc != JR_OK)
			return rc;
		st = jr_centre_stmt(c, S_REG_HOLD);
		(void)sqlite3_bind_blob(st, 1, k->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)h);
		rc = jr_centre_step_done(c, S_REG_HOLD);
		if (rc != JR_OK)
			return rc;
	}
	return refuse(c, k->id, h, b->hash, JR_CS_EQUIVOCATION, res);
}

/* A block at or below the head. */
static int at_or_below(struct jr_centre *c, struct jr_ckiosk *k, const struct sblock *b,
	struct jr_centre_result *res)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_BLOCK_GET);
	int rc;

	(void)sqlite3_bind_blob(st, 1, k->id, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)b->b.height);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		rc = JR_ECORRUPT; /* below the head every height is applied */
	} else if (sqlite3_column_bytes(st, 0) == JR_HASH_BYTES &&
		memcmp(sqlite3_column_blob(st, 0), b->hash, JR_HASH_BYTES) == 0) {
		res->blocks_known++;
		rc = JR_OK;
	} else {
		rc = equivocate(c, k, b, st, res);
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc;
}

static int wait_pending(struct jr_centre *c, struct jr_ckiosk *k, const struct sblock *b,
	struct jr_centre_result *res)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_PENDING_AT);
	bool same = false, other = false;
	int rc = JR_OK, s;

	/* At most one block waits at a height: a second, different one is
	 * evidence, not a candidate, so the first to arrive is the one that
	 * is applied when the gap fills. */
	bind_block(st, k->id, b);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		same = sqlite3_column_bytes(st, 0) == JR_HASH_BYTES &&
			memcmp(sqlite3_column_blob(st, 0), b->hash, JR_HASH_BYTES) == 0;
		other = !same;
		if (other)
			rc = equivocate(c, k, b, st, res);
	} else if (s != SQLITE_DONE) {
		rc = JR_EIO;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	if (rc != JR_OK || same || other) {
		res->blocks_known += same;
		return rc;
	}
	st = jr_centre_stmt(c, S_PENDING_PUT);
	bind_block(st, k->id, b);
	(void)sqlite3_bind_blob(st, 4, b->body, (int)b->body_len, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 5, b->sig, JR_SIG_BYTES, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_PENDING_PUT);
	if (rc != JR_OK)
		return rc;
	jr_centre_pending_toggle(c, k->id, b->b.height, b->hash);
	c->pending_count++;
	res->blocks_pending++;
	res->changed = true;
	return JR_OK;
}

static int chain_next(struct jr_centre *c, struct jr_ckiosk *k, const struct sblock *b,
	struct jr_centre_result *res)
{
	static const uint8_t zero[JR_HASH_BYTES];
	const uint8_t *want = k->head == 0 ? zero : k->head_hash;

	if (memcmp(b->b.prev, want, JR_HASH_BYTES) != 0)
		return refuse(c, k->id, b->b.height, b->hash, JR_CS_CHAIN_BREAK, res);
	return apply_block(c, k, b, res);
}

/* Removes one pending row and applies it if it follows the head. The row's
 * block was checked when it was stored. */
static int drain_one(struct jr_centre *c, struct jr_ckiosk *k, bool *progressed,
	struct jr_centre_result *res)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_PENDING_AT);
	struct sblock b;
	uint8_t body[JR_BLOCK_MAX_BYTES], sig[JR_SIG_BYTES];
	uint64_t next;
	int rc, s;

	*progressed = false;
	memset(&b, 0, sizeof b);
	(void)sqlite3_bind_blob(st, 1, k->id, JR_ID_BYTES, SQLITE_STATIC);
	next = k->head + 1;
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)next);
	s = sqlite3_step(st);
	if (s == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		if (n > sizeof body || sqlite3_column_bytes(st, 2) != JR_SIG_BYTES ||
			sqlite3_column_bytes(st, 0) != JR_HASH_BYTES) {
			s = SQLITE_CORRUPT;
		} else {
			memcpy(b.hash, sqlite3_column_blob(st, 0), JR_HASH_BYTES);
			memcpy(body, sqlite3_column_blob(st, 1), n);
			memcpy(sig, sqlite3_column_blob(st, 2), JR_SIG_BYTES);
			b.body = body;
			b.body_len = n;
			b.sig = sig;
		}
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	if (s == SQLITE_DONE)
		return JR_OK;
	if (s != SQLITE_ROW)
		return s == SQLITE_CORRUPT ? JR_ECORRUPT : JR_EIO;
	if (jr_block_decode(b.body, b.body_len, &b.b, NULL) != JR_OK)
		return JR_ECORRUPT;
	st = jr_centre_stmt(c, S_PENDING_DEL);
	bind_block(st, k->id, &b);
	rc = jr_centre_step_done(c, S_PENDING_DEL);
	if (rc != JR_OK)
		return rc;
	jr_centre_pending_toggle(c, k->id, b.b.height, b.hash);
	c->pending_count--;
	res->changed = true;
	*progressed = true;
	return chain_next(c, k, &b, res);
}

static int drain(struct jr_centre *c, struct jr_ckiosk *k, struct jr_centre_result *res)
{
	bool progressed = c->pending_count > 0;
	int rc = JR_OK;

	while (rc == JR_OK && progressed)
		rc = drain_one(c, k, &progressed, res);
	return rc;
}

/* A kiosk may sign at height h (the roster part of step 1). */
static bool may_sign(const struct jr_ckiosk *k, uint64_t h)
{
	return k->found && (k->perms & JR_PERM_UPLOAD) != 0 &&
		(k->revoked_from == 0 || h < k->revoked_from);
}

/* Step 1 of the header comment; JR_OK with *st = 0 when the block is fit.
 * k holds the kiosk of the entry's block before, read again only when
 * another kiosk's block comes (every change to a kiosk's row in between is
 * made through k). */
static int check_block(struct jr_centre *c, const struct sblock *b, struct jr_ckiosk *k,
	bool *have_k, enum jr_centre_status *st)
{
	size_t i;
	int rc;

	*st = 0;
	if (!*have_k || memcmp(k->id, b->b.kiosk_id, JR_ID_BYTES) != 0) {
		if (*have_k && (rc = put_head(c, k)) != JR_OK)
			return rc;
		rc = jr_centre_kiosk_get(c, b->b.kiosk_id, k);
		*have_k = rc == JR_OK;
		if (rc != JR_OK)
			return rc;
	}
	if (!k->found)
		*st = JR_CS_UNKNOWN_KIOSK;
	else if ((k->perms & JR_PERM_UPLOAD) == 0)
		*st = JR_CS_NOT_PERMITTED;
	else if (!may_sign(k, b->b.height))
		*st = JR_CS_REVOKED;
	else if (!b->authentic)
		*st = JR_CS_BAD_SIGNATURE;
	for (i = 0; *st == 0 && i < b->b.n_records; i++) {
		const struct prep *p = &b->prep[i];

		if (!p->parsed)
			*st = JR_CS_MALFORMED;
		else if (memcmp(p->r.kiosk_id, b->b.kiosk_id, JR_ID_BYTES) != 0)
			*st = JR_CS_KIOSK_MISMATCH;
	}
	return JR_OK;
}

static int one_block(struct jr_centre *c, struct sblock *b, struct jr_ckiosk *k,
	bool *have_k, struct jr_centre_result *res)
{
	enum jr_centre_status st = 0;
	int rc;

	if (b->malformed)
		return refuse(c, NULL, 0, b->hash, JR_CS_MALFORMED, res);
	rc = check_block(c, b, k, have_k, &st);
	if (rc != JR_OK)
		return rc;
	if (st != 0)
		return refuse(c, b->b.kiosk_id, b->b.height, b->hash, st, res);
	if (b->b.height <= k->head)
		return at_or_below(c, k, b, res);
	if (b->b.height > k->head + 1)
		return wait_pending(c, k, b, res);
	rc = chain_next(c, k, b, res);
	if (rc == JR_OK && k->head == b->b.height)
		rc = drain(c, k, res);
	return rc;
}

static void decode_one(const uint8_t *p, size_t len, struct sblock *b)
{
	memset(b, 0, offsetof(struct sblock, b));
	if (jr_signed_block_decode(p, len, &b->body, &b->body_len, &b->sig, NULL) != JR_OK) {
		jr_hash(p, len, b->hash);
		b->malformed = true;
		return;
	}
	jr_hash(b->body, b->body_len, b->hash);
	b->malformed = jr_block_decode(b->body, b->body_len, &b->b, NULL) != JR_OK ||
		b->b.height == 0 || b->b.height > INT64_MAX;
}

/* Kiosk, then height from the top down, then hash. */
static int by_chain(const void *x, const void *y)
{
	const struct sblock *a = *(const struct sblock *const *)x;
	const struct sblock *b = *(const struct sblock *const *)y;
	int d = memcmp(a->b.kiosk_id, b->b.kiosk_id, JR_ID_BYTES);

	if (d != 0)
		return d;
	if (a->b.height != b->b.height)
		return a->b.height > b->b.height ? -1 : 1;
	return memcmp(a->hash, b->hash, JR_HASH_BYTES);
}

/* Is b's hash the prev of an authentic block in up[0..n) (one height up)? */
static bool covered(struct sblock *const *up, size_t n, const struct sblock *b)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (up[i]->authentic && memcmp(up[i]->b.prev, b->hash, JR_HASH_BYTES) == 0)
			return true;
	return false;
}

/* Sets authentic and own_checked on the decoded blocks v[0..n), sorted by
 * by_chain: from each kiosk's highest block down, a block one height below
 * an authentic block whose prev is its hash is authentic with no signature
 * check of its own; any other block of a kiosk that may sign at its height
 * has its own signature checked. A kiosk's bundle of consecutive blocks
 * costs one signature check, its head's. */
static int authenticate(struct jr_centre *c, struct sblock **v, size_t n)
{
	struct jr_ckiosk k;
	size_t i = 0, j, x, y, up, up_n;
	int rc;

	if (n > 1)
		qsort(v, n, sizeof(struct sblock *), by_chain);
	while (i < n) {
		if ((rc = jr_centre_kiosk_get(c, v[i]->b.kiosk_id, &k)) != JR_OK)
			return rc;
		for (j = i; j < n && memcmp(v[j]->b.kiosk_id, k.id, JR_ID_BYTES) == 0; j++)
			;
		up = i;
		up_n = 0;
		for (x = i; x < j; x = y) {
			uint64_t h = v[x]->b.height;

			for (y = x; y < j && v[y]->b.height == h; y++) {
				struct sblock *b = v[y];

				if (!may_sign(&k, h))
					continue;
				if (up_n > 0 && v[up]->b.height == h + 1 && covered(v + up, up_n, b)) {
					b->authentic = true;
				} else {
					b->authentic = jr_block_verify_sig(k.sign_pk, b->hash, b->sig) == JR_OK;
					b->own_checked = b->authentic;
				}
			}
			up = x;
			up_n = y - x;
		}
		i = j;
	}
	return JR_OK;
}

/* Prepares the records of every authentic block of blk[0..n) (the others
 * are refused before any record is read) into one array, *out of *np: each
 * record is decoded and opened once, here, for both the block's check and
 * the record's judgement. */
static int prepare(struct jr_centre *c, struct sblock *blk, size_t n, struct prep **out,
	size_t *np)
{
	struct prep *p;
	size_t i, j, total = 0;

	*out = NULL;
	*np = 0;
	for (i = 0; i < n; i++)
		total += blk[i].authentic ? blk[i].b.n_records : 0;
	if (total == 0)
		return JR_OK;
	if ((p = malloc(total * sizeof *p)) == NULL)
		return JR_ENOMEM;
	for (i = 0, total = 0; i < n; i++) {
		if (!blk[i].authentic)
			continue;
		blk[i].prep = p + total;
		for (j = 0; j < blk[i].b.n_records; j++)
			prepare_record(c, blk[i].b.records[j], blk[i].b.record_len[j], &p[total + j]);
		total += blk[i].b.n_records;
	}
	*out = p;
	*np = total;
	return JR_OK;
}

/* The filters' lines that the records of b will look up (a registration id
 * and a claim tag each), asked for while the block before b is applied, so
 * that they are in the cache by then (recent.c). */
static void prefetch_block(const struct jr_centre *c, const struct sblock *b)
{
	size_t j;

	for (j = 0; b->prep != NULL && j < b->b.n_records; j++) {
		const struct prep *p = &b->prep[j];

		if (p->parsed)
			jr_centre_filter_prefetch(c, JR_RECENT_REGID, p->regid, JR_REGID_BYTES);
		if (p->opened)
			jr_centre_filter_prefetch(c, JR_RECENT_CLAIM, p->ps, c->claim_tag);
	}
}

int jr_centre_apply_upstream(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res)
{
	struct jr_cbr r;
	struct sblock *blk = NULL, **v = NULL;
	struct prep *preps = NULL;
	struct jr_ckiosk k;
	bool have_k = false;
	size_t n = 0, m = 0, nv = 0, np = 0, i;
	int rc = JR_OK;

	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n > JR_CENTRE_MAX_BLOCKS) {
		res->refused = true;
		return JR_OK;
	}
	if (n > 0 && ((blk = malloc(n * sizeof *blk)) == NULL ||
		(v = malloc(n * sizeof(struct sblock *))) == NULL)) {
		free(blk);
		return JR_ENOMEM;
	}
	for (m = 0; m < n; m++) {
		const uint8_t *b = NULL;
		size_t blen = 0;

		/* the outer check passed, so only a non-bstr item stops this;
		 * the blocks before it are applied, as on every node */
		if (jr_cbr_bytes(&r, &b, &blen) != JR_OK)
			break;
		decode_one(b, blen, &blk[m]);
		if (!blk[m].malformed)
			v[nv++] = &blk[m];
	}
	rc = authenticate(c, v, nv);
	if (rc == JR_OK)
		rc = prepare(c, blk, m, &preps, &np);
	for (i = 0; i < m && rc == JR_OK; i++) {
		if (i + 1 < m)
			prefetch_block(c, &blk[i + 1]);
		rc = one_block(c, &blk[i], &k, &have_k, res);
	}
	if (rc == JR_OK && have_k)
		rc = put_head(c, &k);
	if (rc == JR_OK && m < n)
		res->refused = true;
	prep_wipe(preps, np);
	free(preps);
	free(v);
	free(blk);
	return rc;
}

/* ---- carrying a block's leaves over into a replay (jaring-audit) ----
 *
 * A replay from public data has no block bodies (they hold sealed records):
 * what the nodes decided about each block and registration comes from the
 * leaves, and what can be checked without the records is checked here: an
 * applied block is a roster kiosk's with upload permission, not revoked, at
 * head + 1; a registration follows its block; an accepted registration
 * claims a worker nobody holds (nobody registered twice); a duplicate's
 * worker is held; held exactly when its kiosk is flagged at its height. */

static int carry_block(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_errbuf *eb)
{
	struct jr_ckiosk k;
	sqlite3_stmt *st;
	bool is_new = false;
	int rc = jr_centre_kiosk_get(c, l->id, &k);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "replay: cannot read the kiosk");
	if (l->status == JR_CS_APPLIED) {
		if (!k.found || (k.perms & JR_PERM_UPLOAD) == 0)
			return jr_errf(eb, JR_ECORRUPT, "a block of a kiosk that is not on the"
				" roster with the upload permission is applied");
		if (k.revoked_from != 0 && l->n >= k.revoked_from)
			return jr_errf(eb, JR_ECORRUPT, "a block at height %llu is applied though"
				" its kiosk is revoked from %llu", (unsigned long long)l->n,
				(unsigned long long)k.revoked_from);
		if (l->n != k.head + 1)
			return jr_errf(eb, JR_ECORRUPT, "a block at height %llu is applied on a"
				" chain whose head is %llu: the kiosk's chain has a gap or a"
				" repeat", (unsigned long long)l->n, (unsigned long long)k.head);
		st = jr_centre_stmt(c, S_KIOSK_HEAD);
		(void)sqlite3_bind_blob(st, 1, l->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)l->n);
		(void)sqlite3_bind_blob(st, 3, l->hash, JR_HASH_BYTES, SQLITE_STATIC);
		c->has_block = true;
		memcpy(c->block_kiosk, l->id, JR_ID_BYTES);
		c->block_height = l->n;
		c->block_k = k;
		return jr_centre_step_done(c, S_KIOSK_HEAD);
	}
	if (l->status == JR_CS_EQUIVOCATION && (k.flagged_from == 0 || l->n < k.flagged_from)) {
		st = jr_centre_stmt(c, S_KIOSK_FLAG);
		(void)sqlite3_bind_blob(st, 1, l->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)l->n);
		rc = jr_centre_step_done(c, S_KIOSK_FLAG);
		st = jr_centre_stmt(c, S_REG_HOLD);
		(void)sqlite3_bind_blob(st, 1, l->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)l->n);
		if (rc == JR_OK)
			rc = jr_centre_step_done(c, S_REG_HOLD);
	}
	if (rc == JR_OK)
		rc = jr_centre_refusal_put(c, l->id, l->n, l->hash,
			(enum jr_centre_status)l->status, &is_new);
	if (rc == JR_OK && !is_new)
		return jr_errf(eb, JR_ECORRUPT, "the same refusal of a block is recorded twice");
	return rc;
}

static int carry_reg(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_errbuf *eb)
{
	struct jr_centre_result res;
	const struct jr_ckiosk *kp = &c->block_k;
	enum jr_centre_outcome o = (enum jr_centre_outcome)l->status;
	uint8_t dup[JR_REGID_BYTES];
	bool known = false, claimed = true, has_dup = false;
	int rc = JR_OK;

	if (!c->has_block)
		return jr_errf(eb, JR_ECORRUPT, "a registration that does not follow an"
			" applied block of its kiosk");
	memset(&res, 0, sizeof res);
	if ((kp->flagged_from != 0 && c->block_height >= kp->flagged_from) !=
		(o == JR_CO_HELD))
		return jr_errf(eb, JR_ECORRUPT, "a registration is %s though its kiosk %s"
			" equivocated at or below its height", o == JR_CO_HELD ? "held" : "judged",
			o == JR_CO_HELD ? "never" : "has");
	/* a registration taken in twice is found by the insert below (its id
	 * put in its table); a replay stops at it and is thrown away,
	 * so what take_over did before does not matter */
	if (rc == JR_OK && l->has_ref)
		rc = take_over(c, l->id, l->ref, &res);
	if (rc == JR_OK && o == JR_CO_DUPLICATE) {
		rc = jr_centre_worker_of(c, l->pseudonym, dup, &has_dup);
		if (rc == JR_OK && !has_dup)
			return jr_errf(eb, JR_ECORRUPT, "a registration is called a duplicate"
				" though no registration holds its worker");
	}
	if (rc == JR_OK)
		rc = reg_insert(c, l->id, kp, c->block_height, l->pseudonym, l->n, o,
			&l->reasons, has_dup ? dup : NULL, l->has_ref ? l->ref : NULL, &known);
	if (rc == JR_OK && known)
		return jr_errf(eb, JR_ECORRUPT, "a registration is taken in a second time");
	if (rc == JR_OK && o == JR_CO_ACCEPTED)
		rc = jr_centre_worker_claim(c, l->pseudonym, c->tlog_size, &claimed, dup);
	if (rc == JR_OK && !claimed)
		return jr_errf(eb, JR_ECORRUPT, "a registration is accepted though another"
			" registration holds its worker: the same person let in twice");
	return rc;
}

/* An act's leaf without its signed bytes: only a refusal (a refused act
 * keeps no bytes). An applied act, comments included, is in the export and
 * is replayed from its bytes, never carried over. */
static int carry_act(struct jr_centre *c, const struct jr_centre_leaf *l,
	struct jr_errbuf *eb)
{
	bool is_new = false;
	int rc;

	if (l->status == JR_CS_APPLIED)
		return jr_errf(eb, JR_ECORRUPT, "an act of kind %u is applied but its signed"
			" bytes are missing", l->kind);
	rc = jr_centre_refusal_put(c, l->id, l->kind, l->hash,
		(enum jr_centre_status)l->status, &is_new);
	if (rc == JR_OK && !is_new)
		return jr_errf(eb, JR_ECORRUPT, "the same refusal of an act is recorded twice");
	return rc;
}

int jr_centre_replay_one(struct jr_centre *c, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	struct jr_centre_leaf l;
	struct jr_buf b = { (uint8_t *)(uintptr_t)leaf, len };
	bool is_new = false;
	int rc = JR_OK;

	if (jr_centre_leaf_decode(leaf, len, &l) != JR_OK)
		return jr_errf(eb, JR_ECORRUPT, "not a leaf the centre writes");
	if (l.type != JR_LEAF_REGISTRATION)
		c->has_block = false;
	switch (l.type) {
	case JR_LEAF_ROSTER:
		if (l.status == JR_CS_APPLIED)
			return jr_errf(eb, JR_ECORRUPT, "roster %llu is applied but its signed"
				" bytes are missing", (unsigned long long)l.n);
		rc = jr_centre_refusal_put(c, NULL, l.n, l.hash, (enum jr_centre_status)l.status,
			&is_new);
		if (rc == JR_OK && !is_new)
			return jr_errf(eb, JR_ECORRUPT, "the same refusal of a roster is recorded"
				" twice");
		break;
	case JR_LEAF_BLOCK:
		rc = carry_block(c, &l, eb);
		break;
	case JR_LEAF_REGISTRATION:
		rc = carry_reg(c, &l, eb);
		break;
	case JR_LEAF_ACT:
		rc = carry_act(c, &l, eb);
		break;
	case JR_LEAF_ITEM:
		return jr_errf(eb, JR_ECORRUPT, "an act's item without the act's signed bytes");
	}
	if (rc != JR_OK)
		return eb != NULL && eb->code == rc ? rc : jr_errf(eb, rc, "replay: %s",
			jr_strerror(rc));
	return jr_centre_log(c, &b);
}
