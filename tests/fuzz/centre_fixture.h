/*
 * centre_fixture.h — the fixed programme the centre's fuzz targets run on,
 * shared by tests/fuzz/fuzz_centre_entry.c, tests/fuzz/fuzz_centre_act.c
 * and tests/unit/test_centre_corpus.c (which makes and checks their seed
 * corpora): the keys, the template state (a roster, three workers at one
 * kiosk, two of them approved by every agency, one allocation) and a valid
 * entry of every kind on top of it. Everything is deterministic, so the
 * committed seeds are exactly what this file builds.
 *
 * Static inline functions only: each includer gets its own copy. Any failure
 * aborts (the fuzz targets have no test framework).
 */
#ifndef JR_CENTRE_FIXTURE_H
#define JR_CENTRE_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaring/block.h"
#include "jaring/centre.h"
#include "jaring/record.h"
#include "jaring/roster.h"
#include "seal_det.h"

enum fx_who {
	FX_CONSORTIUM, FX_KIOSK, FX_DISNAKER, FX_DPMD, FX_DUKCAPIL, FX_BPJSTK,
	FX_BUPATI, FX_FUNDER, FX_N
};

#define FX_T0 1718000000
#define FX_VILLAGE 3328012001u
#define FX_WORKERS 3
#define FX_TEMPLATE_ENTRIES 7 /* roster, upstream, 4 approvals, allocation */

struct fx {
	struct jr_key *k[FX_N];
	uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES];
	struct jr_policy policy;
	uint8_t regid[FX_WORKERS + 1][JR_REGID_BYTES]; /* the last: seed block 2 */
	uint8_t block1_hash[JR_HASH_BYTES];
	struct jr_buf templ[FX_TEMPLATE_ENTRIES];
};

static inline void fx_check(int rc)
{
	if (rc != JR_OK)
		abort();
}

static inline void fx_worker(struct jr_registration *r, const struct fx *f, unsigned serial)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(f->k[FX_KIOSK]), JR_ID_BYTES);
	r->time = FX_T0;
	r->village = FX_VILLAGE;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	if (snprintf(r->nik, sizeof r->nik, "3328014107900%03u", serial + 1) != JR_NIK_LEN)
		abort();
	r->birth = 19900701;
	(void)snprintf(r->name, sizeof r->name, "Sintetis Fuzz %c", 'a' + (int)serial);
	(void)snprintf(r->phone, sizeof r->phone, "08129900%04u", serial);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

/* A signed block of the kiosk at `height` over prev (updated), workers
 * first..first+n-1 sealed to consortium key `to`, their ids into
 * f->regid[first..]. */
static inline void fx_block_to(struct fx *f, const struct jr_key *to, uint64_t height,
	uint8_t prev[JR_HASH_BYTES], unsigned first, size_t n, struct jr_buf *out)
{
	struct jr_buf recs[FX_WORKERS], body = { 0 };
	struct jr_seal_epoch *ep = NULL;
	struct jr_pubkey cp;
	struct jr_block b;
	uint8_t esk[32], nseed[32], sig[JR_SIG_BYTES];
	size_t i;

	jr_key_public(to, &cp);
	memset(esk, (int)(0x30 + height), sizeof esk);
	memset(nseed, (int)(0x40 + height), sizeof nseed);
	fx_check(jr_seal_epoch_open_det(cp.box_pk, esk, nseed, FX_T0, &ep));
	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(f->k[FX_KIOSK]), JR_ID_BYTES);
	b.height = height;
	memcpy(b.prev, prev, JR_HASH_BYTES);
	b.time = FX_T0;
	b.n_records = n;
	for (i = 0; i < n; i++) {
		struct jr_registration r;

		fx_worker(&r, f, first + (unsigned)i);
		fx_check(jr_record_encode(&r, ep, &recs[i], f->regid[first + i], NULL));
		b.records[i] = recs[i].base;
		b.record_len[i] = recs[i].len;
	}
	fx_check(jr_block_encode(&b, &body));
	fx_check(jr_block_sign(f->k[FX_KIOSK], body.base, body.len, prev, sig));
	fx_check(jr_signed_block_encode(body.base, body.len, sig, out));
	jr_buf_free(&body);
	for (i = 0; i < n; i++)
		jr_buf_free(&recs[i]);
	jr_seal_epoch_close(ep);
}

/* fx_block_to, sealed to the fixture's consortium key. */
static inline void fx_block(struct fx *f, uint64_t height, uint8_t prev[JR_HASH_BYTES],
	unsigned first, size_t n, struct jr_buf *out)
{
	fx_block_to(f, f->k[FX_CONSORTIUM], height, prev, first, n, out);
}

static inline void fx_member(struct jr_roster_member *m, const struct fx *f, enum fx_who w,
	enum jr_role role, uint32_t agency, uint64_t region, uint32_t perms)
{
	struct jr_pubkey p;

	memset(m, 0, sizeof *m);
	jr_key_public(f->k[w], &p);
	memcpy(m->sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(m->id, p.id, JR_ID_BYTES);
	m->role = role;
	m->agency = agency;
	m->region = region;
	m->perms = perms;
}

/* The roster entry of every fixture key, signed by `signer`, naming next
 * (NULL: the signer) as the consortium key that follows. */
static inline void fx_roster_by(const struct fx *f, const struct jr_key *signer,
	uint64_t serial, const uint8_t *next, struct jr_buf *out)
{
	const uint32_t team = JR_PERM_APPROVE | JR_PERM_RETURN | JR_PERM_COMMENT |
		JR_PERM_VIEW_PERSONAL | JR_PERM_REFLIST;
	struct jr_roster_member m[FX_N - 1];

	fx_member(&m[0], f, FX_KIOSK, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, FX_VILLAGE,
		JR_PERM_UPLOAD);
	fx_member(&m[1], f, FX_DISNAKER, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 0, team);
	fx_member(&m[2], f, FX_DPMD, JR_ROLE_OFFICIAL, JR_AGENCY_DPMD, 0, team);
	fx_member(&m[3], f, FX_DUKCAPIL, JR_ROLE_OFFICIAL, JR_AGENCY_DUKCAPIL, 0, team);
	fx_member(&m[4], f, FX_BPJSTK, JR_ROLE_OFFICIAL, JR_AGENCY_BPJSTK, 0, team);
	fx_member(&m[5], f, FX_BUPATI, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3328, JR_PERM_ALL);
	fx_member(&m[6], f, FX_FUNDER, JR_ROLE_OFFICIAL, JR_AGENCY_FUNDER, 0,
		JR_PERM_ALLOCATE | JR_PERM_PAY);
	fx_check(jr_centre_roster_entry_members(signer, serial, next, m, FX_N - 1, out));
}

static inline void fx_roster(const struct fx *f, uint64_t serial, struct jr_buf *out)
{
	fx_roster_by(f, f->k[FX_CONSORTIUM], serial, NULL, out);
}

static inline void fx_allocation(const struct fx *f, const char *id, struct jr_buf *out)
{
	struct jr_centre_allocation a;

	memset(&a, 0, sizeof a);
	(void)snprintf(a.id, sizeof a.id, "%s", id);
	memcpy(a.sponsor, "APBD Kabupaten Tegal", 21);
	a.type = JR_SPONSOR_APBD;
	a.amount_rp = 10000000;
	a.months = 12;
	a.region = 3328;
	fx_check(jr_centre_allocation_entry(f->k[FX_FUNDER], FX_T0, &a, out));
}

/* Keys and the template's entries. */
static inline void fx_init(struct fx *f)
{
	static const uint8_t fill[FX_N] = { 0xc1, 0xc2, 0xd1, 0xd2, 0xd3, 0xd4, 0xd6, 0xd7 };
	uint8_t seed[JR_SEED_BYTES], prev[JR_HASH_BYTES] = { 0 };
	struct jr_buf blk = { 0 };
	size_t i;

	memset(f, 0, sizeof *f);
	fx_check(jr_init());
	for (i = 0; i < FX_N; i++) {
		enum jr_role role = i == FX_CONSORTIUM ? JR_ROLE_CONSORTIUM
			: i == FX_KIOSK ? JR_ROLE_KIOSK : JR_ROLE_OFFICIAL;

		memset(seed, fill[i], sizeof seed);
		fx_check(jr_key_from_seed(role, seed, &f->k[i]));
	}
	memset(f->pkey, 0x77, sizeof f->pkey);
	jr_policy_default(&f->policy);
	fx_roster(f, 1, &f->templ[0]);
	fx_block(f, 1, prev, 0, FX_WORKERS, &blk);
	memcpy(f->block1_hash, prev, JR_HASH_BYTES);
	fx_check(jr_centre_upstream_entry(&blk, 1, &f->templ[1]));
	jr_buf_free(&blk);
	for (i = 0; i < 4; i++)
		fx_check(jr_centre_review_entry(f->k[FX_DISNAKER + i], FX_T0, JR_REVIEW_APPROVE,
			f->regid[0], 2, NULL, NULL, &f->templ[2 + i]));
	fx_allocation(f, "A1", &f->templ[6]);
}

static inline void fx_free(struct fx *f)
{
	size_t i;

	for (i = 0; i < FX_TEMPLATE_ENTRIES; i++)
		jr_buf_free(&f->templ[i]);
	for (i = 0; i < FX_N; i++)
		jr_key_free(f->k[i]);
}

/* A scratch folder for the centre's state, made once per process: in
 * /dev/shm where it exists (the state is rewritten on every input), else in
 * /tmp. dir must hold 64 bytes; tag names the target. */
static inline void fx_scratch(char dir[64], const char *tag)
{
	if (snprintf(dir, 64, "/dev/shm/jaring-fuzz-%s-XXXXXX", tag) >= 64)
		abort();
	if (mkdtemp(dir) != NULL)
		return;
	if (snprintf(dir, 64, "/tmp/jaring-fuzz-%s-XXXXXX", tag) >= 64 || mkdtemp(dir) == NULL)
		abort();
}

/* Who signs acts of `kind` in the act target. */
static inline const struct jr_key *fx_signer(const struct fx *f, unsigned kind)
{
	switch (kind) {
	case JR_CENTRE_POLICY:
	case JR_CENTRE_DECREE:
		return f->k[FX_BUPATI];
	case JR_CENTRE_ALLOCATION:
	case JR_CENTRE_PAYMENT:
		return f->k[FX_FUNDER];
	case JR_CENTRE_REFLIST:
		return f->k[FX_BPJSTK];
	default:
		return f->k[FX_DISNAKER];
	}
}

#define FX_SEEDS 13

/* Seed entry i (0..FX_SEEDS-1) on top of the template: *name its file name. */
static inline void fx_seed(struct fx *f, size_t i, const char **name, struct jr_buf *out)
{
	static const char *const names[FX_SEEDS] = { "roster-2", "upstream-block-2",
		"policy-v2", "review-approve", "review-return", "review-comment", "view",
		"decree-list", "decree-digest", "allocation", "payment", "reflist-wage",
		"reflist-dtks" };
	struct jr_verdict why = { 1, { JR_R_ADDRESS_INVALID } };
	struct jr_centre_decree d;
	struct jr_policy p = f->policy;
	uint8_t prev[JR_HASH_BYTES], ps[JR_CENTRE_PSEUDONYM_BYTES];
	struct jr_registration r;
	struct jr_buf blk = { 0 };

	*name = names[i];
	memset(&d, 0, sizeof d);
	memcpy(d.number, "KEP/F1", 7);
	memcpy(d.allocation, "A1", 3);
	d.region = 3328;
	d.start = 202407;
	d.months = 6;
	fx_worker(&r, f, 0);
	jr_centre_pseudonym_of(f->pkey, r.nik, ps);
	switch (i) {
	case 0:
		fx_roster(f, 2, out);
		return;
	case 1:
		memcpy(prev, f->block1_hash, sizeof prev);
		fx_block(f, 2, prev, FX_WORKERS, 1, &blk);
		fx_check(jr_centre_upstream_entry(&blk, 1, out));
		jr_buf_free(&blk);
		return;
	case 2:
		p.version = 2;
		fx_check(jr_centre_policy_entry(f->k[FX_BUPATI], FX_T0, 3328, &p, 0x1e, true, out));
		return;
	case 3:
		fx_check(jr_centre_review_entry(f->k[FX_DISNAKER], FX_T0 + 1, JR_REVIEW_APPROVE,
			f->regid[2], 1, NULL, NULL, out));
		return;
	case 4:
		fx_check(jr_centre_review_entry(f->k[FX_DISNAKER], FX_T0 + 2, JR_REVIEW_RETURN,
			f->regid[2], 1, &why, NULL, out));
		return;
	case 5:
		/* a fixed salt, so that the seed is the same bytes every run */
		fx_check(jr_centre_review_entry_salted(f->k[FX_DISNAKER], FX_T0 + 3,
			JR_REVIEW_COMMENT, f->regid[0], 3, NULL, "alamat sudah diperiksa",
			(const uint8_t *)"fuzz-fixture-comment-salt-32-byt", out));
		return;
	case 6:
		fx_check(jr_centre_view_entry(f->k[FX_DISNAKER], FX_T0 + 1, f->regid[0], 2, out));
		return;
	case 7:
		d.regids = f->regid[0];
		d.n = 2;
		fx_check(jr_centre_decree_entry(f->k[FX_BUPATI], FX_T0 + 1, &d, out));
		return;
	case 8: {
		/* the template's two approved workers, in ascending id order */
		int lo = memcmp(f->regid[0], f->regid[1], JR_REGID_BYTES) < 0 ? 0 : 1;
		struct jr_part parts[2] = { { f->regid[lo], JR_REGID_BYTES },
			{ f->regid[1 - lo], JR_REGID_BYTES } };

		d.count = 2;
		fx_check(jr_hash_labelled(JR_CENTRE_DECREE_LIST_LABEL, parts, 2, d.digest,
			JR_HASH_BYTES));
		fx_check(jr_centre_decree_entry(f->k[FX_BUPATI], FX_T0 + 2, &d, out));
		return;
	}
	case 9:
		fx_allocation(f, "A2", out);
		return;
	case 10:
		fx_check(jr_centre_payment_entry(f->k[FX_FUNDER], FX_T0 + 1, "A1", 202407, NULL, 0,
			2 * 16800, out));
		return;
	case 11:
		fx_check(jr_centre_reflist_entry(f->k[FX_BPJSTK], FX_T0 + 1, JR_REFLIST_WAGE_EARNERS,
			1, 0, 1, ps, 1, out));
		return;
	default:
		fx_check(jr_centre_reflist_entry(f->k[FX_DUKCAPIL], FX_T0 + 1, JR_REFLIST_DTKS, 1, 0,
			1, ps, 1, out));
		return;
	}
}

/* The template state, made once in dir (template.db), then copied to
 * dir/state.db and opened for each run, so each input starts from the same
 * state and a crash reproduces from its input alone. */
static inline struct jr_centre *fx_state(struct fx *f, const char *dir)
{
	char tpath[512], spath[512], side[520];
	struct jr_centre *c = NULL;
	struct jr_buf bytes = { 0 };
	FILE *out;
	size_t i;

	if (snprintf(tpath, sizeof tpath, "%s/template.db", dir) >= (int)sizeof tpath ||
		snprintf(spath, sizeof spath, "%s/state.db", dir) >= (int)sizeof spath)
		abort();
	if (jr_file_read(tpath, (size_t)64 << 20, &bytes, NULL) != JR_OK) {
		fx_check(jr_centre_open(tpath, f->k[FX_CONSORTIUM], f->pkey, &f->policy, &c, NULL));
		for (i = 0; i < FX_TEMPLATE_ENTRIES; i++) {
			struct jr_centre_result res;

			fx_check(jr_centre_apply(c, f->templ[i].base, f->templ[i].len, &res, NULL));
			if (res.refused)
				abort();
		}
		jr_centre_close(c); /* checkpoints the WAL into the file */
		fx_check(jr_file_read(tpath, (size_t)64 << 20, &bytes, NULL));
	}
	(void)snprintf(side, sizeof side, "%s-wal", spath);
	(void)remove(side);
	(void)snprintf(side, sizeof side, "%s-shm", spath);
	(void)remove(side);
	out = fopen(spath, "wb");
	if (out == NULL || fwrite(bytes.base, 1, bytes.len, out) != bytes.len || fclose(out) != 0)
		abort();
	jr_buf_free(&bytes);
	c = NULL;
	fx_check(jr_centre_open(spath, f->k[FX_CONSORTIUM], f->pkey, &f->policy, &c, NULL));
	return c;
}

#endif
