/*
 * The downstream bundle (jaring/downstream.h): written from a real centre
 * state that applied a real kiosk's shard, applied by that kiosk with its
 * shard. Whole or not at all: truncated at every byte, single bit flips in
 * every part, the wrong recipient, an unknown signer, a replayed older
 * bundle, a roster out of its chain, consortium key rotation, and a kiosk
 * restored from an old copy refusing to sign after the ack. Every worker is
 * synthetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "membundle.h"
#include "testutil.h"
#include "jaring/block.h"
#include "jaring/downstream.h"
#include "jaring/registrar.h"
#include "jaring/roster.h"
#include "jaring/visit.h"

#define T0 1790000000
#define REGS 4

static struct jr_key *cons, *cons2, *stranger, *kiosk, *kiosk_b, *officer;
static struct jr_policy policy;
static const struct jr_key *centre_key; /* the key a new centre runs with */
static const uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES] = { 9 };

/* ---- the kiosk's store, in memory: staged until commit ---- */

struct store {
	unsigned begun, commits, rollbacks;
	uint64_t staged, committed;
	uint64_t seq;
	struct jr_buf roster;
	uint8_t signer[JR_SIGN_PK_BYTES];
	struct jr_status last;
};

static int st_begin(void *ctx, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)eb;
	assert_int_equal(s->staged, 0);
	s->begun++;
	return JR_OK;
}

static int st_status(void *ctx, const struct jr_status *st, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)eb;
	s->staged++;
	s->last = *st;
	return JR_OK;
}

static int st_commit(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)eb;
	s->commits++;
	s->committed += s->staged;
	s->staged = 0;
	s->seq = r->seq;
	jr_buf_free(&s->roster);
	s->roster.base = malloc(r->roster.len);
	assert_non_null(s->roster.base);
	memcpy(s->roster.base, r->roster.base, r->roster.len);
	s->roster.len = r->roster.len;
	memcpy(s->signer, r->roster_signer_pk, JR_SIGN_PK_BYTES);
	return JR_OK;
}

static void st_rollback(void *ctx)
{
	struct store *s = ctx;

	s->rollbacks++;
	s->staged = 0;
}

static void trust_of(const struct store *s, const struct jr_key *pinned,
	struct jr_downstream_trust *t)
{
	struct jr_pubkey p;

	memset(t, 0, sizeof *t);
	jr_key_public(pinned, &p);
	memcpy(t->pinned_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	if (s->roster.len > 0) {
		t->roster = s->roster.base;
		t->roster_len = s->roster.len;
		memcpy(t->roster_signer_pk, s->signer, JR_SIGN_PK_BYTES);
	}
	t->applied_seq = s->seq;
}

/* ---- fixtures: a kiosk with a real shard, a centre that applied it ---- */

struct kiosk_fx {
	char db[512], counter[512];
	struct jr_shard *shard;
};

static void kiosk_new(struct kiosk_fx *k, const char *name)
{
	const char *dir = jr_test_dir(name);
	struct jr_errbuf eb = { 0 };

	jr_test_path(k->db, sizeof k->db, dir, "shard.db");
	jr_test_path(k->counter, sizeof k->counter, dir, "shard.counter");
	if (jr_shard_create(k->db, k->counter, kiosk, &eb) != JR_OK ||
	    jr_shard_open(k->db, k->counter, kiosk, &k->shard, &eb) != JR_OK)
		fail_msg("shard: %s", eb.msg);
}

static void kiosk_register(struct kiosk_fx *k, unsigned first, unsigned n)
{
	struct jr_pubkey cp;
	struct jr_registrar *g = NULL;
	unsigned i;

	jr_key_public(cons, &cp);
	assert_int_equal(jr_registrar_new(k->shard, kiosk, &policy, cp.box_pk, &g), JR_OK);
	for (i = first; i < first + n; i++) {
		struct jr_registration r;
		struct jr_verdict v;
		struct jr_issued out;
		struct jr_errbuf eb = { 0 };

		memset(&r, 0, sizeof r);
		snprintf(r.nik, sizeof r.nik, "332810540386%04u", i);
		snprintf(r.name, sizeof r.name, "Uji Hilir %c%c", 'A' + (int)(i / 26 % 26),
			'a' + (int)(i % 26));
		snprintf(r.phone, sizeof r.phone, "081277%06u", i);
		snprintf(r.address, sizeof r.address, "Jl. Uji No. %u", i);
		r.sex = JR_SEX_FEMALE;
		r.birth = 19860314;
		r.birth_year = 1986;
		r.village = 3328101008;
		r.occupation = (enum jr_occupation)1;
		r.income = (enum jr_income)2;
		if (jr_registrar_submit(g, &r, T0 + (int64_t)i, &v, &out, &eb) != JR_OK)
			fail_msg("register: %s", eb.msg);
		jr_registration_wipe(&r);
	}
	jr_registrar_free(g);
}

/* Signed roster v2: the kiosks and the officer, by `signer`, naming `next`. */
static void roster_v2(const struct jr_key *signer, uint64_t serial, const struct jr_key *next,
	struct jr_buf *out)
{
	struct jr_roster_member m[3];
	const struct jr_key *ks[3] = { kiosk, kiosk_b, officer };
	struct jr_pubkey p, np;
	size_t i;

	memset(m, 0, sizeof m);
	for (i = 0; i < 3; i++) {
		jr_key_public(ks[i], &p);
		memcpy(m[i].id, p.id, JR_ID_BYTES);
		memcpy(m[i].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
		m[i].role = i < 2 ? JR_ROLE_KIOSK : JR_ROLE_OFFICER;
		m[i].region = i < 2 ? 3328101008u : 3328u;
		m[i].perms = i < 2 ? JR_PERM_UPLOAD : JR_PERM_SYNC;
	}
	jr_key_public(next, &np);
	assert_int_equal(jr_roster_sign(signer, serial, np.sign_pk, m, 3, out, NULL), JR_OK);
}

/* A centre that applied the kiosk's blocks 1..upto. */
static struct jr_centre *centre_of(struct kiosk_fx *k, const char *name, uint64_t upto)
{
	char path[512];
	struct jr_centre *c = NULL;
	struct jr_centre_kiosk ck[2];
	struct jr_pubkey p;
	struct jr_buf e = { 0 }, blocks[64];
	struct jr_errbuf eb = { 0 };
	uint64_t h;

	jr_test_path(path, sizeof path, jr_test_dir(name), "state.db");
	if (jr_centre_open(path, centre_key, pkey, &policy, &c, &eb) != JR_OK)
		fail_msg("centre: %s", eb.msg);
	memset(ck, 0, sizeof ck);
	jr_key_public(kiosk, &p);
	memcpy(ck[0].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	ck[0].village = 3328101008u;
	jr_key_public(kiosk_b, &p);
	memcpy(ck[1].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	ck[1].village = 3328101008u;
	assert_int_equal(jr_centre_roster_entry(centre_key, 1, ck, 2, &e), JR_OK);
	assert_int_equal(jr_centre_apply(c, e.base, e.len, NULL, &eb), JR_OK);
	jr_buf_free(&e);
	assert_true(upto <= 64);
	for (h = 1; h <= upto; h++) {
		struct jr_buf body = { 0 };
		uint8_t sig[JR_SIG_BYTES];

		assert_int_equal(jr_shard_get(k->shard, h, &body, sig, NULL), JR_OK);
		assert_int_equal(jr_signed_block_encode(body.base, body.len, sig, &blocks[h - 1]),
			JR_OK);
		jr_buf_free(&body);
	}
	if (upto > 0) {
		assert_int_equal(jr_centre_upstream_entry(blocks, (size_t)upto, &e), JR_OK);
		assert_int_equal(jr_centre_apply(c, e.base, e.len, NULL, &eb), JR_OK);
		jr_buf_free(&e);
	}
	for (h = 1; h <= upto; h++)
		jr_buf_free(&blocks[h - 1]);
	return c;
}

/* The downstream bundle of `to` signed by `by`, into m. */
static void write_down(struct jr_centre *c, const struct jr_key *by, const struct jr_key *to,
	const struct jr_buf *roster, uint64_t seq, struct jr_test_mem *m, struct jr_downstream_info *info)
{
	struct jr_bundle_sink sink = jr_test_mem_sink(m);
	struct jr_downstream_params p;
	struct jr_pubkey kp;
	struct jr_errbuf eb = { 0 };

	memset(m, 0, sizeof *m);
	memset(&p, 0, sizeof p);
	jr_key_public(to, &kp);
	p.centre = c;
	p.consortium = by;
	memcpy(p.kiosk_pk, kp.sign_pk, JR_SIGN_PK_BYTES);
	p.roster = roster->base;
	p.roster_len = roster->len;
	p.policy = &policy;
	p.seq = seq;
	p.time = T0 + 3600;
	if (jr_downstream_write(&p, &sink, info, &eb) != JR_OK)
		fail_msg("write: %s", eb.msg);
	assert_true(m->p != NULL && m->len > JR_BUNDLE_HEADER_BYTES);
}

static int apply_mem(const uint8_t *p, size_t len, const struct jr_key *as,
	const struct jr_key *pinned, struct jr_shard *shard, struct store *s,
	struct jr_downstream_result *res, struct jr_errbuf *eb)
{
	struct jr_test_src in;
	struct jr_bundle_source bs = jr_test_mem_source(&in, p, len);
	struct jr_downstream_sink sink = { st_begin, st_status, st_commit, st_rollback, s };
	struct jr_downstream_trust t;

	trust_of(s, pinned, &t);
	return jr_downstream_apply(&bs, "t.JRB", as, &t, shard, &sink, NULL, NULL, res, eb);
}

static int setup(void **state)
{
	(void)state;
	assert_int_equal(jr_init(), JR_OK);
	cons = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	cons2 = jr_test_key(JR_ROLE_CONSORTIUM, 12);
	stranger = jr_test_key(JR_ROLE_CONSORTIUM, 13);
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	kiosk_b = jr_test_key(JR_ROLE_KIOSK, 5);
	officer = jr_test_key(JR_ROLE_OFFICER, 3);
	jr_policy_default(&policy);
	centre_key = cons;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(officer);
	jr_key_free(kiosk_b);
	jr_key_free(kiosk);
	jr_key_free(stranger);
	jr_key_free(cons2);
	jr_key_free(cons);
	return 0;
}

/* ---- tests ---- */

static void a_kiosk_applies_its_statuses_roster_and_ack_whole(void **state)
{
	struct kiosk_fx k;
	struct jr_centre *c;
	struct jr_buf roster = { 0 };
	struct jr_downstream_info info;
	struct jr_downstream_result res;
	struct jr_errbuf eb = { 0 };
	struct store s;
	struct jr_ack a;
	struct jr_test_mem m;

	(void)state;
	memset(&s, 0, sizeof s);
	kiosk_new(&k, "down-happy");
	kiosk_register(&k, 1, REGS);
	c = centre_of(&k, "down-happy-c", REGS);
	roster_v2(cons, 1, cons, &roster);
	write_down(c, cons, kiosk, &roster, jr_centre_tlog_size(c), &m, &info);
	assert_int_equal(info.statuses, REGS);
	assert_int_equal(info.ack_height, REGS);
	assert_int_equal(info.bundle.kind, JR_BUNDLE_DOWNSTREAM);
	assert_int_equal(info.bundle.last, REGS);
	if (apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb) != JR_OK)
		fail_msg("apply: %s", eb.msg);
	assert_true(res.applied && !res.old && !res.stale && res.has_ack && res.roster_new);
	assert_int_equal(res.statuses, REGS);
	assert_int_equal(s.committed, REGS);
	assert_int_equal(s.last.state, JR_ST_IN_REVIEW); /* accepted: review begins */
	assert_int_equal(res.ack.time, T0 + 3600);
	assert_int_equal(res.roster_serial, 1);
	assert_int_equal(res.policy.contribution_rp, policy.contribution_rp);
	assert_int_equal(jr_shard_last_ack(k.shard, &a), JR_OK);
	assert_int_equal(a.height, REGS);
	jr_downstream_result_free(&res);
	/* The same bundle again, and an older one: nothing read, nothing changed. */
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_OK);
	assert_true(res.old && !res.applied);
	assert_int_equal(s.begun, 1);
	jr_downstream_result_free(&res);
	free(m.p);
	write_down(c, cons, kiosk, &roster, 1, &m, &info);
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_OK);
	assert_true(res.old && !res.applied);
	assert_int_equal(s.begun, 1);
	assert_int_equal(s.committed, REGS);
	jr_downstream_result_free(&res);
	free(m.p);
	jr_buf_free(&roster);
	jr_buf_free(&s.roster);
	jr_centre_close(c);
	jr_shard_close(k.shard);
}

/* Applies a damaged copy; it must fail with nothing committed and no ack. */
static void refused_whole(const uint8_t *p, size_t len, struct kiosk_fx *k, const char *what,
	size_t at)
{
	struct jr_downstream_result res;
	struct jr_errbuf eb = { 0 };
	struct store s;
	struct jr_ack a;
	int rc;

	memset(&s, 0, sizeof s);
	rc = apply_mem(p, len, kiosk, cons, k->shard, &s, &res, &eb);
	if (rc == JR_OK)
		fail_msg("%s at %zu was applied", what, at);
	if (s.commits != 0 || s.begun != s.rollbacks || res.applied)
		fail_msg("%s at %zu: %u commits, %u begun, %u rolled back", what, at, s.commits,
			s.begun, s.rollbacks);
	assert_int_equal(jr_shard_last_ack(k->shard, &a), JR_ENOTFOUND);
	jr_downstream_result_free(&res);
}

static void a_truncated_or_flipped_bundle_applies_nothing(void **state)
{
	struct kiosk_fx k;
	struct jr_centre *c;
	struct jr_buf roster = { 0 };
	struct jr_downstream_info info;
	struct jr_bundle_header h;
	uint8_t *copy;
	size_t n, i, flips = 0;
	struct jr_test_mem m;

	(void)state;
	kiosk_new(&k, "down-damage");
	kiosk_register(&k, 1, REGS);
	c = centre_of(&k, "down-damage-c", REGS);
	roster_v2(cons, 1, cons, &roster);
	write_down(c, cons, kiosk, &roster, 7, &m, &info);
	assert_int_equal(jr_bundle_header_decode(m.p, JR_BUNDLE_HEADER_BYTES, "t", &h, NULL), JR_OK);
	copy = malloc(m.len);
	assert_non_null(copy);
	for (n = 0; n < m.len; n++)
		refused_whole(m.p, n, &k, "truncated", n);
	/* Bit flips: every byte of the header map and some of its padding,
	 * and every 13th byte of the body (every chunk, every item). */
	for (i = 0; i < m.len; i++) {
		bool in_map = i < 10 + 400, in_body = i >= JR_BUNDLE_HEADER_BYTES;
		if (!(in_map && i % 3 == 0) && !(in_body && i % 13 == 0) && i != 511 &&
		    i != m.len - 1)
			continue;
		memcpy(copy, m.p, m.len);
		copy[i] ^= (uint8_t)(1u << (i % 8));
		refused_whole(copy, m.len, &k, "bit flip", i);
		flips++;
	}
	assert_true(flips > 100);
	free(copy);
	free(m.p);
	jr_buf_free(&roster);
	jr_centre_close(c);
	jr_shard_close(k.shard);
}

static void the_wrong_recipient_and_unknown_signers_are_refused(void **state)
{
	struct kiosk_fx k;
	struct jr_centre *c;
	struct jr_buf roster = { 0 }, bad_roster = { 0 };
	struct jr_downstream_info info;
	struct jr_downstream_result res;
	struct jr_errbuf eb = { 0 };
	struct store s;
	struct jr_test_mem m;

	(void)state;
	memset(&s, 0, sizeof s);
	kiosk_new(&k, "down-trust");
	kiosk_register(&k, 1, 2);
	c = centre_of(&k, "down-trust-c", 2);
	roster_v2(cons, 1, cons, &roster);
	/* For kiosk B, opened by kiosk A. */
	write_down(c, cons, kiosk_b, &roster, 3, &m, &info);
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_EKEY);
	assert_true(s.begun == 0 && !res.applied);
	jr_downstream_result_free(&res);
	free(m.p);
	/* Signed by a stranger (a centre that runs on its key), carrying the
	 * genuine roster. */
	jr_centre_close(c);
	centre_key = stranger;
	c = centre_of(&k, "down-trust-s", 2);
	centre_key = cons;
	write_down(c, stranger, kiosk, &roster, 3, &m, &info);
	eb.msg[0] = '\0';
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "not the consortium's"));
	assert_true(s.commits == 0 && s.rollbacks == 1);
	jr_downstream_result_free(&res);
	free(m.p);
	/* Signed by a stranger with a roster the stranger signed. */
	roster_v2(stranger, 1, stranger, &bad_roster);
	write_down(c, stranger, kiosk, &bad_roster, 3, &m, &info);
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_EKEY);
	assert_true(s.commits == 0 && s.rollbacks == 2);
	jr_downstream_result_free(&res);
	free(m.p);
	jr_buf_free(&bad_roster);
	jr_buf_free(&roster);
	jr_centre_close(c);
	jr_shard_close(k.shard);
}

/* Roster 1 (signed by the pinned key) names a new key; the centre then
 * signs with it, and roster 2 comes signed by it. The old key stops
 * counting once a roster names another. */
static void the_consortium_key_rotates_through_the_roster(void **state)
{
	struct kiosk_fx k;
	struct jr_centre *c;
	struct jr_buf r1 = { 0 }, r2 = { 0 }, r1b = { 0 };
	struct jr_downstream_info info;
	struct jr_downstream_result res;
	struct jr_errbuf eb = { 0 };
	struct store s;
	struct jr_test_mem m;

	(void)state;
	memset(&s, 0, sizeof s);
	kiosk_new(&k, "down-rotate");
	c = centre_of(&k, "down-rotate-c", 0);
	roster_v2(cons, 1, cons2, &r1);
	write_down(c, cons2, kiosk, &r1, 2, &m, &info);
	if (apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb) != JR_OK)
		fail_msg("rotation bundle: %s", eb.msg);
	assert_true(res.applied && !res.has_ack);
	assert_int_equal(res.statuses, 0);
	jr_downstream_result_free(&res);
	free(m.p);
	roster_v2(cons2, 2, cons2, &r2);
	write_down(c, cons2, kiosk, &r2, 3, &m, &info);
	if (apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb) != JR_OK)
		fail_msg("roster 2: %s", eb.msg);
	assert_true(res.applied && res.roster_new);
	assert_int_equal(res.roster_serial, 2);
	jr_downstream_result_free(&res);
	free(m.p);
	/* The old key, with roster 2: refused (it neither names nor signed it). */
	write_down(c, cons, kiosk, &r2, 4, &m, &info);
	assert_int_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_EKEY);
	jr_downstream_result_free(&res);
	free(m.p);
	/* An older roster in a newer bundle: refused, roster 2 stays. */
	roster_v2(cons, 1, cons2, &r1b);
	write_down(c, cons2, kiosk, &r1b, 5, &m, &info);
	assert_int_not_equal(apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb), JR_OK);
	assert_int_equal(s.seq, 3);
	jr_downstream_result_free(&res);
	free(m.p);
	jr_buf_free(&r1b);
	jr_buf_free(&r2);
	jr_buf_free(&r1);
	jr_buf_free(&s.roster);
	jr_centre_close(c);
	jr_shard_close(k.shard);
}

static void copy_file(const char *from, const char *to)
{
	struct jr_buf b = { 0 };

	assert_int_equal(jr_file_read(from, 64u << 20, &b, NULL), JR_OK);
	assert_int_equal(jr_file_write_atomic(to, b.base, b.len, 0600, NULL), JR_OK);
	jr_buf_free(&b);
}

/* A whole-card image taken at height 2 (database and counter together) is
 * put back after the kiosk signed height 4 and the centre took it: the
 * ack of the next downstream bundle stops the kiosk signing. */
static void a_kiosk_restored_from_an_old_image_refuses_to_sign_after_the_ack(void **state)
{
	struct kiosk_fx k;
	struct jr_centre *c;
	struct jr_buf roster = { 0 };
	struct jr_downstream_info info;
	struct jr_downstream_result res;
	struct jr_errbuf eb = { 0 };
	char img_db[600], img_ctr[600];
	uint8_t hash[JR_HASH_BYTES];
	uint64_t height = 0;
	const uint8_t *recs[1];
	size_t lens[1];
	struct store s;
	struct jr_test_mem m;

	(void)state;
	memset(&s, 0, sizeof s);
	kiosk_new(&k, "down-restore");
	kiosk_register(&k, 1, 2);
	jr_shard_close(k.shard);
	snprintf(img_db, sizeof img_db, "%s.img", k.db);
	snprintf(img_ctr, sizeof img_ctr, "%s.img", k.counter);
	copy_file(k.db, img_db);
	copy_file(k.counter, img_ctr);
	assert_int_equal(jr_shard_open(k.db, k.counter, kiosk, &k.shard, NULL), JR_OK);
	kiosk_register(&k, 3, 2);
	c = centre_of(&k, "down-restore-c", 4);
	jr_shard_close(k.shard);
	copy_file(img_db, k.db);
	copy_file(img_ctr, k.counter);
	snprintf(img_db, sizeof img_db, "%s-wal", k.db);
	(void)unlink(img_db);
	assert_int_equal(jr_shard_open(k.db, k.counter, kiosk, &k.shard, &eb), JR_OK);
	assert_int_equal(jr_shard_height(k.shard), 2);
	roster_v2(cons, 1, cons, &roster);
	write_down(c, cons, kiosk, &roster, 9, &m, &info);
	if (apply_mem(m.p, m.len, kiosk, cons, k.shard, &s, &res, &eb) != JR_OK)
		fail_msg("apply: %s", eb.msg);
	assert_true(res.applied && res.stale);
	assert_non_null(strstr(res.stale_msg, "docs/operations.md"));
	assert_true(jr_shard_stale(k.shard));
	recs[0] = hash;
	lens[0] = sizeof hash;
	assert_int_equal(jr_shard_append(k.shard, T0 + 99, recs, lens, 1, NULL, 0, &height, hash,
		NULL), JR_ESTALE);
	jr_downstream_result_free(&res);
	free(m.p);
	jr_buf_free(&roster);
	jr_buf_free(&s.roster);
	jr_centre_close(c);
	jr_shard_close(k.shard);
}

static void a_visit_log_entry_is_signed_kept_and_refused_when_altered(void **state)
{
	struct kiosk_fx k;
	struct jr_visit v, got;
	struct jr_buf e = { 0 }, back = { 0 };
	struct jr_pubkey kp;
	uint64_t n = 0;

	(void)state;
	kiosk_new(&k, "down-visit");
	memset(&v, 0, sizeof v);
	memcpy(v.kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	memcpy(v.officer_id, jr_key_id(officer), JR_ID_BYTES);
	v.number = 1;
	v.time = T0;
	v.height = 10;
	v.out = 10;
	v.written = 10;
	v.acked = 0;
	assert_int_equal(jr_visit_sign(kiosk, &v, &e), JR_OK);
	jr_key_public(kiosk, &kp);
	assert_int_equal(jr_visit_verify(e.base, e.len, kp.sign_pk, &got, NULL), JR_OK);
	assert_memory_equal(&got, &v, sizeof v);
	assert_int_equal(jr_shard_visit_put(k.shard, e.base, e.len, NULL), JR_OK);
	assert_int_equal(jr_shard_visit_put(k.shard, e.base, e.len, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_visit_last(k.shard, &back, &n), JR_OK);
	assert_int_equal(n, 1);
	assert_true(back.len == e.len && memcmp(back.base, e.base, e.len) == 0);
	e.base[e.len / 2] ^= 1;
	assert_int_not_equal(jr_visit_verify(e.base, e.len, kp.sign_pk, &got, NULL), JR_OK);
	assert_true(got.number == 0);
	jr_buf_free(&back);
	jr_buf_free(&e);
	v.number = 0;
	assert_int_equal(jr_visit_sign(kiosk, &v, &e), JR_EINVAL);
	v.number = 2;
	assert_int_equal(jr_visit_sign(kiosk_b, &v, &e), JR_EKEY);
	jr_shard_close(k.shard);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_kiosk_applies_its_statuses_roster_and_ack_whole),
		cmocka_unit_test(a_truncated_or_flipped_bundle_applies_nothing),
		cmocka_unit_test(the_wrong_recipient_and_unknown_signers_are_refused),
		cmocka_unit_test(the_consortium_key_rotates_through_the_roster),
		cmocka_unit_test(a_kiosk_restored_from_an_old_image_refuses_to_sign_after_the_ack),
		cmocka_unit_test(a_visit_log_entry_is_signed_kept_and_refused_when_altered),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
