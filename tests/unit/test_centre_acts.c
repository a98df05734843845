/*
 * The centre's signed acts (jaring/centre.h kinds 3..9): forged and
 * overreaching acts, replays, review, corrections, reference lists,
 * decrees, allocations, payments, views, policies, a consortium key
 * rotation carried through, determinism across processes and iteration
 * orders, and Table 1 of the programme reproduced to the rupiah. Real
 * SQLite files; every worker here is synthetic.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "jaring/ack.h"
#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/centre.h"
#include "jaring/record.h"
#include "jaring/roster.h"
#include "centre/centre_int.h"
#include "seal_det.h"

#define T0 1718000000 /* 2024-06-10 */
#define VILLAGE_KAB 3328012001u
#define VILLAGE_KOTA 3376011001u
#define TEAM_PERMS (JR_PERM_APPROVE | JR_PERM_RETURN | JR_PERM_COMMENT | JR_PERM_VIEW_PERSONAL)
#define HEAD_PERMS (JR_PERM_DECREE | JR_PERM_POLICY | JR_PERM_ALLOCATE | JR_PERM_PAY)
#define MAX_REGS 12000

enum who {
	K1, K2,            /* consortium keys: the first, the rotated one */
	KIOSK_A, KIOSK_B,  /* kiosks in Kab. and Kota Tegal */
	DISNAKER, DPMD, DUKCAPIL, BPJSTK, DISKOMINFO,
	DISNAKER_KOTA,     /* Disnaker official for Kota Tegal only */
	DUKCAPIL_CLERK,    /* Dukcapil, may comment and view but not approve */
	REVOKED_OFFICIAL,  /* Disnaker, revoked */
	BUPATI, WALIKOTA,  /* regional heads: Kab. 3328, Kota 3376 */
	FUNDER,
	STRANGER,          /* an official key on no roster */
	N_KEYS
};

static struct jr_key *keys[N_KEYS];
static struct jr_policy policy;
static const uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES] = { 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
static int64_t issued = T0; /* every act a distinct time, so distinct bytes */

/* The agencies whose approval the genesis policy requires. */
static uint32_t policy_required_default(void)
{
	return (1u << JR_AGENCY_DISNAKER) | (1u << JR_AGENCY_DPMD) |
		(1u << JR_AGENCY_DUKCAPIL) | (1u << JR_AGENCY_BPJSTK);
}

static int setup(void **state)
{
	static const uint8_t fill[N_KEYS] = { 2, 9, 1, 5, 21, 22, 23, 24, 25, 31, 26, 27,
		40, 41, 50, 60 };
	size_t i;

	(void)state;
	assert_int_equal(jr_init(), JR_OK);
	for (i = 0; i < N_KEYS; i++) {
		enum jr_role role = i <= K2 ? JR_ROLE_CONSORTIUM
			: i <= KIOSK_B ? JR_ROLE_KIOSK : JR_ROLE_OFFICIAL;

		keys[i] = jr_test_key(role, fill[i]);
	}
	jr_policy_default(&policy);
	return 0;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_KEYS; i++)
		jr_key_free(keys[i]);
	return 0;
}

/* ---- the roster ---- */

static void member(struct jr_roster_member *m, enum who w, enum jr_role role,
	uint32_t agency, uint64_t region, uint32_t perms, uint64_t revoked)
{
	struct jr_pubkey p;

	memset(m, 0, sizeof *m);
	jr_key_public(keys[w], &p);
	memcpy(m->sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(m->id, p.id, JR_ID_BYTES);
	m->role = role;
	m->agency = agency;
	m->region = region;
	m->perms = perms;
	m->revoked_from = revoked;
}

/* Every member of the test programme into m; returns how many. */
static size_t members(struct jr_roster_member *m)
{
	size_t n = 0;

	member(&m[n++], KIOSK_A, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, VILLAGE_KAB,
		JR_PERM_UPLOAD, 0);
	member(&m[n++], KIOSK_B, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, VILLAGE_KOTA,
		JR_PERM_UPLOAD, 0);
	member(&m[n++], DISNAKER, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 0, TEAM_PERMS, 0);
	member(&m[n++], DPMD, JR_ROLE_OFFICIAL, JR_AGENCY_DPMD, 0, TEAM_PERMS, 0);
	member(&m[n++], DUKCAPIL, JR_ROLE_OFFICIAL, JR_AGENCY_DUKCAPIL, 0,
		TEAM_PERMS | JR_PERM_REFLIST, 0);
	member(&m[n++], BPJSTK, JR_ROLE_OFFICIAL, JR_AGENCY_BPJSTK, 0,
		TEAM_PERMS | JR_PERM_REFLIST, 0);
	member(&m[n++], DISKOMINFO, JR_ROLE_OFFICIAL, JR_AGENCY_DISKOMINFO, 0, TEAM_PERMS, 0);
	member(&m[n++], DISNAKER_KOTA, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 3376,
		TEAM_PERMS, 0);
	member(&m[n++], DUKCAPIL_CLERK, JR_ROLE_OFFICIAL, JR_AGENCY_DUKCAPIL, 0,
		JR_PERM_COMMENT | JR_PERM_VIEW_PERSONAL, 0);
	member(&m[n++], REVOKED_OFFICIAL, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 0,
		TEAM_PERMS, 1);
	member(&m[n++], BUPATI, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3328, HEAD_PERMS, 0);
	member(&m[n++], WALIKOTA, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3376, HEAD_PERMS, 0);
	member(&m[n++], FUNDER, JR_ROLE_OFFICIAL, JR_AGENCY_FUNDER, 0,
		JR_PERM_ALLOCATE | JR_PERM_PAY, 0);
	return n;
}

static void roster_entry(enum who signer, uint64_t serial, const enum who *next,
	struct jr_buf *out)
{
	struct jr_roster_member m[N_KEYS];
	struct jr_pubkey np;
	size_t n = members(m);

	if (next != NULL)
		jr_key_public(keys[*next], &np);
	assert_int_equal(jr_centre_roster_entry_members(keys[signer], serial,
		next != NULL ? np.sign_pk : NULL, m, n, out), JR_OK);
}

/* ---- the state ---- */

static char last_path[512]; /* the state file open_in opened last */

static struct jr_centre *open_in(const char *dir)
{
	char *path = last_path;
	struct jr_centre *c = NULL;
	struct jr_errbuf eb = { 0 };

	jr_test_path(path, sizeof last_path, dir, "state.db");
	if (jr_centre_open(path, keys[K1], pkey, &policy, &c, &eb) != JR_OK)
		fail_msg("open: %s", eb.msg);
	return c;
}

static struct jr_centre_result apply(struct jr_centre *c, const struct jr_buf *e)
{
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };

	if (jr_centre_apply(c, e->base, e->len, &res, &eb) != JR_OK)
		fail_msg("apply: %s", eb.msg);
	return res;
}

/* Applies and frees an entry. */
static struct jr_centre_result apply_free(struct jr_centre *c, struct jr_buf *e)
{
	struct jr_centre_result res = apply(c, e);

	jr_buf_free(e);
	return res;
}

static struct jr_centre *fresh(const char *name)
{
	struct jr_centre *c = open_in(jr_test_dir(name));
	struct jr_buf e = { 0 };
	struct jr_centre_result res;

	roster_entry(K1, 1, NULL, &e);
	res = apply_free(c, &e);
	assert_int_equal(res.members_set, 13);
	assert_int_equal(res.kiosks_set, 2);
	return c;
}

/* ---- registrations ---- */

struct kiosk_chain {
	enum who k;
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
	struct jr_seal_epoch *ep;
	uint8_t seed;
	enum who sealed_to;
};

static void chain_init(struct kiosk_chain *kc, enum who k, enum who cons, uint8_t seed)
{
	memset(kc, 0, sizeof *kc);
	kc->k = k;
	kc->seed = seed;
	kc->sealed_to = cons;
}

static void chain_free(struct kiosk_chain *kc)
{
	jr_seal_epoch_close(kc->ep);
	kc->ep = NULL;
}

/* A fresh deterministic epoch to kc->sealed_to when the last is spent. */
static struct jr_seal_epoch *epoch(struct kiosk_chain *kc)
{
	struct jr_pubkey p;
	uint8_t esk[32], nseed[32];

	if (kc->ep != NULL && !jr_seal_epoch_spent(kc->ep, T0))
		return kc->ep;
	jr_seal_epoch_close(kc->ep);
	kc->ep = NULL;
	kc->seed++;
	memset(esk, kc->seed, sizeof esk);
	esk[0] = (uint8_t)kc->k;
	esk[1] = (uint8_t)kc->sealed_to;
	memcpy(nseed, esk, sizeof nseed);
	nseed[2] = 0xaa;
	jr_key_public(keys[kc->sealed_to], &p);
	assert_int_equal(jr_seal_epoch_open_det(p.box_pk, esk, nseed, T0, &kc->ep), JR_OK);
	return kc->ep;
}

/* Synthetic worker `serial` (0..279971): a woman born in July 1990 in the
 * kiosk's regency, NIK 33{28|76}01 (41..68) 0790 serial; no digits in the
 * name (rule 211). */
static void worker(struct jr_registration *r, const struct kiosk_chain *kc, unsigned serial)
{
	bool kota = kc->k == KIOSK_B;
	int n;

	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(keys[kc->k]), JR_ID_BYTES);
	r->time = T0;
	r->village = kota ? VILLAGE_KOTA : VILLAGE_KAB;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	n = snprintf(r->nik, sizeof r->nik, "%s%02u0790%04u", kota ? "337601" : "332801",
		41 + serial % 28, 1 + serial / 28 % 9999);
	assert_int_equal(n, JR_NIK_LEN);
	r->birth = 19900701 + serial % 28;
	(void)snprintf(r->name, sizeof r->name, "Sintetis Pekerja %c%c%c",
		'a' + (int)(serial / 676 % 26), 'a' + (int)(serial / 26 % 26),
		'a' + (int)(serial % 26));
	n = snprintf(r->phone, sizeof r->phone, "0812%08u", serial);
	assert_true(n > 0 && (size_t)n < sizeof r->phone);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

/* One signed block of kc holding the records; their ids into regids. */
static void block_of(struct kiosk_chain *kc, const struct jr_registration *r, size_t n,
	uint8_t (*regids)[JR_REGID_BYTES], struct jr_buf *out)
{
	struct jr_buf recs[JR_BLOCK_MAX_RECORDS], body = { 0 };
	struct jr_block b;
	uint8_t sig[JR_SIG_BYTES];
	size_t i;

	assert_true(n <= JR_BLOCK_MAX_RECORDS);
	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(keys[kc->k]), JR_ID_BYTES);
	b.height = ++kc->height;
	memcpy(b.prev, kc->prev, JR_HASH_BYTES);
	b.time = T0;
	b.n_records = n;
	for (i = 0; i < n; i++) {
		struct jr_errbuf eb = { 0 };

		if (jr_record_encode(&r[i], epoch(kc), &recs[i], regids[i], &eb) != JR_OK)
			fail_msg("encode: %s", eb.msg);
		b.records[i] = recs[i].base;
		b.record_len[i] = recs[i].len;
	}
	assert_int_equal(jr_block_encode(&b, &body), JR_OK);
	assert_int_equal(jr_block_sign(keys[kc->k], body.base, body.len, kc->prev, sig), JR_OK);
	assert_int_equal(jr_signed_block_encode(body.base, body.len, sig, out), JR_OK);
	jr_buf_free(&body);
	for (i = 0; i < n; i++)
		jr_buf_free(&recs[i]);
}

/* Registers workers first..first+n-1 at kc in upstream entries, their ids
 * into regids; returns the accepted count. */
static uint32_t register_workers(struct jr_centre *c, struct kiosk_chain *kc,
	unsigned first, size_t n, uint8_t (*regids)[JR_REGID_BYTES])
{
	struct jr_buf blocks[64], e = { 0 };
	uint32_t accepted = 0;
	size_t done = 0;

	while (done < n) {
		size_t nb = 0;

		while (nb < 64 && done < n) {
			struct jr_registration *r = calloc(JR_BLOCK_MAX_RECORDS, sizeof *r);
			size_t k, m = n - done < JR_BLOCK_MAX_RECORDS ? n - done : JR_BLOCK_MAX_RECORDS;

			assert_non_null(r);
			for (k = 0; k < m; k++)
				worker(&r[k], kc, first + (unsigned)(done + k));
			block_of(kc, r, m, &regids[done], &blocks[nb++]);
			jr_registration_wipe(r);
			free(r);
			done += m;
		}
		assert_int_equal(jr_centre_upstream_entry(blocks, nb, &e), JR_OK);
		accepted += apply_free(c, &e).regs_accepted;
		while (nb > 0)
			jr_buf_free(&blocks[--nb]);
	}
	return accepted;
}

/* Applies one record (already filled) as a block of its own. */
static struct jr_centre_result register_one(struct jr_centre *c, struct kiosk_chain *kc,
	const struct jr_registration *r, uint8_t regid[JR_REGID_BYTES])
{
	struct jr_buf blk = { 0 }, e = { 0 };
	uint8_t ids[1][JR_REGID_BYTES];

	block_of(kc, r, 1, ids, &blk);
	memcpy(regid, ids[0], JR_REGID_BYTES);
	assert_int_equal(jr_centre_upstream_entry(&blk, 1, &e), JR_OK);
	jr_buf_free(&blk);
	return apply_free(c, &e);
}

/* ---- acts ---- */

static struct jr_centre_result review(struct jr_centre *c, enum who w, enum jr_review_verb v,
	const uint8_t *ids, size_t n, const struct jr_verdict *reasons,
	const char *comment)
{
	struct jr_buf e = { 0 };

	assert_int_equal(jr_centre_review_entry(keys[w], issued++, v, ids, n, reasons, comment,
		&e), JR_OK);
	return apply_free(c, &e);
}

/* Every agency the genesis policy requires approves ids[0..n), in batches. */
static void approve_all(struct jr_centre *c, const uint8_t *ids, size_t n)
{
	static const enum who team[4] = { DISNAKER, DPMD, DUKCAPIL, BPJSTK };
	size_t t, i;

	for (t = 0; t < 4; t++)
		for (i = 0; i < n; i += JR_CENTRE_MAX_ACT_REGS) {
			size_t m = n - i < JR_CENTRE_MAX_ACT_REGS ? n - i : JR_CENTRE_MAX_ACT_REGS;
			struct jr_centre_result res = review(c, team[t], JR_REVIEW_APPROVE, ids + i * JR_REGID_BYTES, m,
				NULL, NULL);

			assert_int_equal(res.act_status, JR_CS_APPLIED);
			assert_int_equal(res.items_applied, m);
		}
}

static struct jr_centre_result allocate(struct jr_centre *c, enum who w, const char *id,
	enum jr_sponsor type, uint64_t amount, uint32_t months, uint64_t region)
{
	struct jr_centre_allocation a;
	struct jr_buf e = { 0 };

	memset(&a, 0, sizeof a);
	(void)snprintf(a.id, sizeof a.id, "%s", id);
	(void)snprintf(a.sponsor, sizeof a.sponsor, "Sponsor %s", id);
	a.type = type;
	a.amount_rp = amount;
	a.months = months;
	a.region = region;
	assert_int_equal(jr_centre_allocation_entry(keys[w], issued++, &a, &e), JR_OK);
	return apply_free(c, &e);
}

static struct jr_centre_result decree(struct jr_centre *c, enum who w, const char *number,
	uint64_t region, const char *alloc, uint32_t start, uint32_t months,
	const uint8_t *ids, size_t n)
{
	struct jr_centre_decree d;
	struct jr_buf e = { 0 };

	memset(&d, 0, sizeof d);
	(void)snprintf(d.number, sizeof d.number, "%s", number);
	(void)snprintf(d.allocation, sizeof d.allocation, "%s", alloc);
	d.region = region;
	d.start = start;
	d.months = months;
	d.regids = ids;
	d.n = n;
	assert_int_equal(jr_centre_decree_entry(keys[w], issued++, &d, &e), JR_OK);
	return apply_free(c, &e);
}

static struct jr_centre_result pay(struct jr_centre *c, enum who w, const char *alloc,
	uint32_t month, const uint8_t *ids, size_t n, uint64_t amount)
{
	struct jr_buf e = { 0 };

	assert_int_equal(jr_centre_payment_entry(keys[w], issued++, alloc, month, ids, n,
		amount, &e), JR_OK);
	return apply_free(c, &e);
}

static void status_of(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *s)
{
	struct jr_errbuf eb = { 0 };

	if (jr_centre_status(c, regid, s, &eb) != JR_OK)
		fail_msg("status: %s", eb.msg);
}

static void assert_refused(const struct jr_centre_result *res, enum jr_centre_status st)
{
	if (!res->refused || res->act_status != st)
		fail_msg("act status %s (refused %d), wanted refusal %s",
			jr_centre_status_name(res->act_status), (int)res->refused,
			jr_centre_status_name(st));
	assert_int_equal(res->acts_applied, 0);
}

/* The act's leaf is the last one: type 4 with this status. */
static void last_leaf_is_act(struct jr_centre *c, enum jr_centre_status st)
{
	struct jr_buf leaf = { 0 };
	struct jr_cbr r;
	uint64_t type = 0, got = 0;
	size_t n = 0;
	uint8_t skip[JR_HASH_BYTES];

	assert_int_equal(jr_centre_leaf(c, jr_centre_tlog_size(c) - 1, &leaf), JR_OK);
	jr_cbr_init(&r, leaf.base, leaf.len);
	assert_int_equal(jr_cbr_map(&r, &n), JR_OK);
	assert_int_equal(jr_cbr_key_uint(&r, 0, 9, &type), JR_OK);
	assert_int_equal(type, 4);
	assert_int_equal(jr_cbr_key_fixed(&r, 1, skip, JR_HASH_BYTES), JR_OK);
	assert_int_equal(jr_cbr_key_uint(&r, 2, 9, &got), JR_OK);
	assert_int_equal(jr_cbr_key_fixed(&r, 3, skip, JR_ID_BYTES), JR_OK);
	assert_int_equal(jr_cbr_key_uint(&r, 4, 99, &got), JR_OK);
	assert_int_equal(got, st);
	jr_buf_free(&leaf);
}

/* ---- forged and overreaching acts ---- */

/* The names answers and messages give the statuses, as docs/centre.md lists
 * them: every status named, none twice, and nothing outside the range. */
static void every_status_has_its_documented_name(void **state)
{
	char *doc = jr_test_read_source("docs/centre.md", NULL);

	(void)state;
	assert_string_equal(jr_centre_status_name(JR_CS_APPLIED), "APPLIED");
	assert_string_equal(jr_centre_status_name(JR_CS_NOT_PERMITTED), "NOT_PERMITTED");
	assert_string_equal(jr_centre_status_name(JR_CS_BAD_PERIOD), "BAD_PERIOD");
	assert_string_equal(jr_centre_status_name(0), "UNKNOWN_STATUS");
	assert_string_equal(jr_centre_status_name(JR_CS_MAX + 1), "UNKNOWN_STATUS");
	for (unsigned i = 1; i <= JR_CS_MAX; i++) {
		char quoted[48];

		for (unsigned j = 1; j < i; j++)
			assert_string_not_equal(jr_centre_status_name(i), jr_centre_status_name(j));
		(void)snprintf(quoted, sizeof quoted, "`%s`", jr_centre_status_name(i));
		if (strstr(doc, quoted) == NULL)
			fail_msg("docs/centre.md does not name status %u %s", i, quoted);
	}
	free(doc);
}

/* The entry of a review act with its payload rebuilt: the body and the
 * signature of e, and `opening` (raw CBOR, or NULL for none) after them. */
static void with_opening(const struct jr_buf *e, const uint8_t *opening, size_t len,
	struct jr_buf *out)
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t n = 0, blen = 0, slen = 0;
	struct jr_buf payload = { 0 };
	struct jr_cbr r;
	struct jr_cbw w;

	jr_cbr_init(&r, e->base + 6, e->len - 6); /* a3 00 01 01 04 02 <payload> */
	assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
	assert_int_equal(jr_cbr_bytes(&r, &body, &blen), JR_OK);
	assert_int_equal(jr_cbr_bytes(&r, &sig, &slen), JR_OK);
	jr_cbw_init(&w, 1u << 20);
	jr_cbw_array(&w, opening != NULL ? 3 : 2);
	jr_cbw_bytes(&w, body, blen);
	jr_cbw_bytes(&w, sig, slen);
	if (opening != NULL)
		jr_cbw_raw(&w, opening, len);
	assert_int_equal(jr_cbw_finish(&w, &payload), JR_OK);
	assert_int_equal(jr_centre_act_entry_signed(JR_CENTRE_REVIEW, payload.base, payload.len,
		out), JR_OK);
	jr_buf_free(&payload);
}

static void comment_texts(struct jr_centre *c, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;

	out[0] = '\0';
	assert_int_equal(sqlite3_prepare_v2(c->db, "SELECT text FROM comment ORDER BY text", -1,
		&st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		size_t at = strlen(out);

		(void)snprintf(out + at, cap - at, "%s|", (const char *)sqlite3_column_text(st, 0));
	}
	(void)sqlite3_finalize(st);
}

static void a_comment_applies_only_with_the_text_its_body_commits_to(void **state)
{
	static const uint8_t other[] = { 0x82, 0x58, 0x20, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0x61, 'x' };
	struct jr_centre *c = fresh("acts-comment");
	struct jr_centre_result res;
	struct jr_buf e = { 0 }, f = { 0 };
	uint8_t kab[1][JR_REGID_BYTES];
	struct kiosk_chain a;
	char texts[256];

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 1, kab), 1);
	/* with its opening: applied, the text kept on the node */
	res = review(c, DUKCAPIL_CLERK, JR_REVIEW_COMMENT, kab[0], 1, NULL, "dokumen lengkap");
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	assert_int_equal(res.items_applied, 1);
	comment_texts(c, texts, sizeof texts);
	assert_string_equal(texts, "dokumen lengkap|");
	/* another comment whose text was changed after signing: the salt and
	 * text no longer give the commitment its body signs */
	assert_int_equal(jr_centre_review_entry(keys[DUKCAPIL_CLERK], issued++, JR_REVIEW_COMMENT,
		kab[0], 1, NULL, "dokumen lengkap", &e), JR_OK);
	e.base[e.len - 1] ^= 0x20; /* the text's last letter */
	res = apply(c, &e);
	assert_refused(&res, JR_CS_MALFORMED);
	/* the same act without any opening: a node keeps every comment's text,
	 * so it refuses one that comes without it */
	with_opening(&e, NULL, 0, &f);
	res = apply(c, &f);
	assert_refused(&res, JR_CS_MALFORMED);
	jr_buf_free(&f);
	/* or with someone else's opening */
	with_opening(&e, other, sizeof other, &f);
	res = apply(c, &f);
	assert_refused(&res, JR_CS_MALFORMED);
	jr_buf_free(&f);
	jr_buf_free(&e);
	/* an approval has none */
	assert_int_equal(jr_centre_review_entry(keys[DISNAKER], issued++, JR_REVIEW_APPROVE, kab[0],
		1, NULL, NULL, &e), JR_OK);
	with_opening(&e, other, sizeof other, &f);
	res = apply(c, &f);
	assert_refused(&res, JR_CS_MALFORMED);
	jr_buf_free(&f);
	res = apply(c, &e);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	jr_buf_free(&e);
	comment_texts(c, texts, sizeof texts);
	assert_string_equal(texts, "dokumen lengkap|");
	chain_free(&a);
	jr_centre_close(c);
}

static void forged_and_overreaching_acts_are_refused_with_the_reason_on_the_log(void **state)
{
	struct jr_centre *c = fresh("acts-forged");
	struct kiosk_chain a, b;
	uint8_t kab[2][JR_REGID_BYTES], kota[1][JR_REGID_BYTES], h1[JR_HASH_BYTES],
		h2[JR_HASH_BYTES], id[JR_HASH_BYTES];
	struct jr_centre_result res;
	struct jr_buf e = { 0 };
	enum jr_centre_status st = 0;
	uint64_t size;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	chain_init(&b, KIOSK_B, K1, 2);
	assert_int_equal(register_workers(c, &a, 0, 2, kab), 2);
	assert_int_equal(register_workers(c, &b, 100, 1, kota), 1);

	/* a key on no roster */
	size = jr_centre_tlog_size(c);
	res = review(c, STRANGER, JR_REVIEW_APPROVE, kab[0], 1, NULL, NULL);
	assert_refused(&res, JR_CS_UNKNOWN_KEY);
	assert_int_equal(jr_centre_tlog_size(c), size + 1);
	last_leaf_is_act(c, JR_CS_UNKNOWN_KEY);
	/* a signature that does not verify */
	assert_int_equal(jr_centre_review_entry(keys[DISNAKER], issued++, JR_REVIEW_APPROVE, kab[0],
		1, NULL, NULL, &e), JR_OK);
	e.base[e.len - 1] ^= 1;
	res = apply(c, &e);
	assert_refused(&res, JR_CS_BAD_SIGNATURE);
	res = apply(c, &e); /* the same refusal again: recorded once */
	assert_false(res.changed);
	jr_buf_free(&e);
	/* a kiosk's key acting as an official: beyond its role */
	res = review(c, KIOSK_A, JR_REVIEW_APPROVE, kab[0], 1, NULL, NULL);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	/* Dukcapil's clerk may comment but not approve: beyond its permission */
	res = review(c, DUKCAPIL_CLERK, JR_REVIEW_APPROVE, kab[0], 1, NULL, NULL);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	res = review(c, DUKCAPIL_CLERK, JR_REVIEW_COMMENT, kab[0], 1, NULL, "dokumen lengkap");
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	/* a funder approving: beyond its agency; Dukcapil decreeing: beyond its role */
	res = review(c, FUNDER, JR_REVIEW_APPROVE, kab[0], 1, NULL, NULL);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	res = allocate(c, FUNDER, "APBD-KAB", JR_SPONSOR_APBD, 100000000, 12, 3328);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	res = decree(c, DUKCAPIL, "KEP/1", 3328, "APBD-KAB", 202407, 6, kab[0], 1);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	/* a revoked official */
	res = review(c, REVOKED_OFFICIAL, JR_REVIEW_APPROVE, kab[0], 1, NULL, NULL);
	assert_refused(&res, JR_CS_REVOKED);
	/* Kota's Disnaker official on a Kab. registration: beyond its region,
	 * item by item */
	{
		uint8_t both[2][JR_REGID_BYTES];
		struct jr_centre_reg reg;

		memcpy(both[0], kab[0], JR_REGID_BYTES);
		memcpy(both[1], kota[0], JR_REGID_BYTES);
		res = review(c, DISNAKER_KOTA, JR_REVIEW_APPROVE, both[0], 2, NULL, NULL);
		assert_int_equal(res.act_status, JR_CS_APPLIED);
		assert_int_equal(res.items_applied, 1);
		assert_int_equal(res.items_refused, 1);
		assert_int_equal(jr_centre_registration(c, kab[0], &reg), JR_OK);
		assert_int_equal(reg.approvals, 0);
		assert_int_equal(jr_centre_registration(c, kota[0], &reg), JR_OK);
		assert_int_equal(reg.approvals, 1u << JR_AGENCY_DISNAKER);
	}
	/* the Wali Kota decreeing in Kab. Tegal: beyond its region */
	res = decree(c, WALIKOTA, "KEP/2", 3328, "APBD-KAB", 202407, 6, kab[0], 1);
	assert_refused(&res, JR_CS_OUT_OF_REGION);
	/* a replayed act is a no-op: same state hash, counted as a replay */
	assert_int_equal(jr_centre_review_entry(keys[DISNAKER], issued++, JR_REVIEW_APPROVE, kab[0],
		2, NULL, NULL, &e), JR_OK);
	res = apply(c, &e);
	assert_int_equal(res.items_applied, 2);
	jr_centre_state_hash(c, h1);
	size = jr_centre_tlog_size(c);
	res = apply(c, &e);
	assert_false(res.changed);
	assert_int_equal(res.acts_replayed, 1);
	assert_int_equal(res.acts_applied, 0);
	jr_centre_state_hash(c, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	assert_int_equal(jr_centre_tlog_size(c), size);
	assert_int_equal(jr_centre_act_id(e.base, e.len, id), JR_OK);
	assert_int_equal(jr_centre_act(c, id, &st), JR_OK);
	assert_int_equal(st, JR_CS_APPLIED);
	jr_buf_free(&e);
	/* the same approval in a new act: each registration ALREADY_DONE */
	res = review(c, DISNAKER, JR_REVIEW_APPROVE, kab[0], 2, NULL, NULL);
	assert_int_equal(res.items_refused, 2);
	chain_free(&a);
	chain_free(&b);
	jr_centre_close(c);
}

static void malformed_acts_are_refused_and_recorded(void **state)
{
	struct jr_centre *c = fresh("acts-malformed");
	struct jr_centre_result res;
	struct jr_buf e = { 0 };
	uint8_t ids[1][JR_REGID_BYTES];
	/* kind 4 with a payload that is not an envelope */
	static const uint8_t junk[] = { 0xa3, 0x00, 0x01, 0x01, 0x04, 0x02, 0x81, 0x01 };
	uint64_t size = jr_centre_tlog_size(c);

	(void)state;
	memset(ids, 0x42, sizeof ids);
	assert_int_equal(jr_centre_apply(c, junk, sizeof junk, &res, NULL), JR_OK);
	assert_refused(&res, JR_CS_MALFORMED);
	assert_int_equal(jr_centre_tlog_size(c), size + 1);
	/* a review naming an unknown registration: the act applies, the item
	 * is refused */
	res = review(c, DISNAKER, JR_REVIEW_APPROVE, ids[0], 1, NULL, NULL);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	assert_int_equal(res.items_refused, 1);
	/* a return without reasons cannot even be built; signed by hand it is
	 * malformed */
	{
		struct jr_verdict none = { 0, { 0 } };

		assert_int_equal(jr_centre_review_entry(keys[DISNAKER], issued++, JR_REVIEW_RETURN,
			ids[0], 1, &none, NULL, &e), JR_OK);
		res = apply_free(c, &e);
		assert_refused(&res, JR_CS_MALFORMED);
	}
	jr_centre_close(c);
}

/* ---- review, returns and corrections ---- */

static void review_counts_approvals_and_a_return_carries_reasons(void **state)
{
	struct jr_centre *c = fresh("acts-review");
	struct kiosk_chain a;
	uint8_t ids[2][JR_REGID_BYTES];
	struct jr_verdict why = { 1, { JR_R_BIRTH_MISMATCH } };
	struct jr_centre_result res;
	struct jr_status s;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 2, ids), 2);
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_IN_REVIEW);
	assert_int_equal(s.approvals, 0);
	assert_int_equal(s.agencies, 4);
	res = review(c, DISNAKER, JR_REVIEW_APPROVE, ids[0], 2, NULL, NULL);
	assert_int_equal(res.items_applied, 2);
	res = review(c, DPMD, JR_REVIEW_APPROVE, ids[0], 2, NULL, NULL);
	assert_int_equal(res.items_applied, 2);
	/* Diskominfo is not on the policy's list: its approval counts for nothing */
	res = review(c, DISKOMINFO, JR_REVIEW_APPROVE, ids[0], 2, NULL, NULL);
	assert_int_equal(res.items_applied, 2);
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_IN_REVIEW);
	assert_int_equal(s.approvals, 2);
	res = review(c, DUKCAPIL, JR_REVIEW_RETURN, ids[1], 1, &why, NULL);
	assert_int_equal(res.items_applied, 1);
	res = review(c, DUKCAPIL, JR_REVIEW_APPROVE, ids[0], 2, NULL, NULL);
	assert_int_equal(res.items_applied, 1);
	assert_int_equal(res.items_refused, 1); /* the returned one is not in review */
	res = review(c, BPJSTK, JR_REVIEW_APPROVE, ids[0], 1, NULL, NULL);
	assert_int_equal(res.items_applied, 1);
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_APPROVED);
	assert_int_equal(s.approvals, 4);
	status_of(c, ids[1], &s);
	assert_int_equal(s.state, JR_ST_RETURNED);
	assert_int_equal(s.n_reasons, 1);
	assert_int_equal(s.reasons[0], JR_R_BIRTH_MISMATCH);
	chain_free(&a);
	jr_centre_close(c);
}

static void a_correction_re_enters_review_and_takes_the_workers_place(void **state)
{
	struct jr_centre *c = fresh("acts-correction");
	struct kiosk_chain a, b;
	struct jr_registration r;
	struct jr_verdict why = { 1, { JR_R_NAME_INVALID } };
	uint8_t orig[1][JR_REGID_BYTES], fix[JR_REGID_BYTES], again[JR_REGID_BYTES],
		other[JR_REGID_BYTES], bad[JR_REGID_BYTES], badfix[JR_REGID_BYTES];
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	struct jr_status s;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	chain_init(&b, KIOSK_B, K1, 2);
	assert_int_equal(register_workers(c, &a, 0, 1, orig), 1);
	approve_all(c, orig[0], 1);
	/* a correction of a registration that is not returned is a second
	 * registration of the same worker */
	worker(&r, &a, 0);
	r.has_corrects = true;
	memcpy(r.corrects, orig[0], JR_REGID_BYTES);
	res = register_one(c, &a, &r, other);
	assert_int_equal(res.regs_duplicate, 1);
	assert_int_equal(res.regs_corrections, 0);
	/* Dukcapil returns it; the worker corrects the name at kiosk B */
	res = review(c, DUKCAPIL, JR_REVIEW_RETURN, orig[0], 1, &why, NULL);
	assert_int_equal(res.items_applied, 1);
	worker(&r, &a, 0);
	memcpy(r.kiosk_id, jr_key_id(keys[KIOSK_B]), JR_ID_BYTES);
	memcpy(r.name, "Sintetis Pekerja Benar", 23);
	r.has_corrects = true;
	memcpy(r.corrects, orig[0], JR_REGID_BYTES);
	res = register_one(c, &b, &r, fix);
	assert_int_equal(res.regs_corrections, 1);
	assert_int_equal(res.regs_accepted, 1); /* not a duplicate: it took the place */
	status_of(c, fix, &s);
	assert_int_equal(s.state, JR_ST_IN_REVIEW);
	assert_int_equal(s.approvals, 0); /* approvals of the original do not carry */
	assert_int_equal(jr_centre_registration(c, fix, &reg), JR_OK);
	assert_true(reg.has_corrects);
	assert_memory_equal(reg.corrects, orig[0], JR_REGID_BYTES);
	assert_int_equal(jr_centre_registration(c, orig[0], &reg), JR_OK);
	assert_true(reg.has_corrected_by);
	assert_memory_equal(reg.corrected_by, fix, JR_REGID_BYTES);
	/* a second correction of the same original: the first took it */
	memcpy(r.name, "Sintetis Pekerja Lain", 22);
	res = register_one(c, &b, &r, again);
	assert_int_equal(res.regs_corrections, 0);
	assert_int_equal(res.regs_duplicate, 1);
	/* a registration the rules returned at intake, corrected */
	worker(&r, &a, 7);
	r.income = JR_INCOME_3M_PLUS;
	res = register_one(c, &a, &r, bad);
	assert_int_equal(res.regs_returned, 1);
	worker(&r, &a, 7);
	r.has_corrects = true;
	memcpy(r.corrects, bad, JR_REGID_BYTES);
	res = register_one(c, &a, &r, badfix);
	assert_int_equal(res.regs_corrections, 1);
	assert_int_equal(res.regs_accepted, 1);
	chain_free(&a);
	chain_free(&b);
	jr_centre_close(c);
}

/* ---- reference lists and eligibility ---- */

static void reflist(struct jr_centre *c, enum who w, enum jr_reflist kind, uint64_t serial,
	uint32_t part, uint32_t parts, const uint8_t *ps, size_t n,
	struct jr_centre_result *res)
{
	struct jr_buf e = { 0 };

	assert_int_equal(jr_centre_reflist_entry(keys[w], issued++, kind, serial, part, parts,
		ps, n, &e), JR_OK);
	*res = apply_free(c, &e);
}

static void ps_of(const struct kiosk_chain *kc, unsigned serial,
	uint8_t out[JR_CENTRE_PSEUDONYM_BYTES])
{
	struct jr_registration r;

	worker(&r, kc, serial);
	jr_centre_pseudonym_of(pkey, r.nik, out);
}

static void a_wage_earner_list_rejudges_review_and_refuses_new_registrations(void **state)
{
	struct jr_centre *c = fresh("acts-wage");
	struct kiosk_chain a;
	uint8_t ids[3][JR_REGID_BYTES], ps[2][JR_CENTRE_PSEUDONYM_BYTES], late[JR_REGID_BYTES];
	struct jr_registration r;
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	struct jr_status s;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 3, ids), 3);
	ps_of(&a, 1, ps[0]);
	ps_of(&a, 50, ps[1]); /* not registered yet */
	/* BPJS Ketenagakerjaan owns the list; Dukcapil may not sign it */
	reflist(c, DUKCAPIL, JR_REFLIST_WAGE_EARNERS, 1, 0, 2, ps[0], 1, &res);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	/* in two parts: the first alone changes no judgement */
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 0, 2, ps[0], 1, &res);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	assert_int_equal(res.regs_ineligible, 0);
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 0, 2, ps[0], 1, &res);
	assert_refused(&res, JR_CS_DUPLICATE_ID); /* part 0 again, another act */
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 1, 3, ps[1], 1, &res);
	assert_refused(&res, JR_CS_LIST_MISMATCH);
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 1, 2, ps[1], 1, &res);
	assert_int_equal(res.regs_ineligible, 1);
	assert_int_equal(jr_centre_registration(c, ids[1], &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_INELIGIBLE);
	status_of(c, ids[1], &s);
	assert_int_equal(s.state, JR_ST_REJECTED);
	assert_int_equal(s.reasons[0], JR_R_WAGE_EARNER);
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_IN_REVIEW);
	/* a worker on the list who registers now is not eligible */
	worker(&r, &a, 50);
	res = register_one(c, &a, &r, late);
	assert_int_equal(res.regs_ineligible, 1);
	/* an older serial is stale */
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 0, 1, ps[0], 1, &res);
	assert_refused(&res, JR_CS_STALE_LIST);
	chain_free(&a);
	jr_centre_close(c);
}

static int64_t count_rows(struct jr_centre *c, const char *q)
{
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_prepare_v2(jr_centre_db(c), q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The worker `serial` registers again (another time, so another id): the
 * outcome counts of that entry. */
static struct jr_centre_result again(struct jr_centre *c, struct kiosk_chain *kc,
	unsigned serial, uint8_t regid[JR_REGID_BYTES])
{
	struct jr_registration r;

	worker(&r, kc, serial);
	r.time += 60;
	return register_one(c, kc, &r, regid);
}

/* Claims keep a short tag of the pseudonym (worker.c): with a 1-byte tag,
 * two workers share one. Each is still one worker, told apart by the whole
 * pseudonym, and once the tag's holder gives up its claim (a wage-earner
 * list makes it ineligible) the other worker moves into the tag's row and
 * is still found. Tags are held in claim_recent or claim (recent.c): with
 * recent_max 1 every claim moves into claim as it is made. */
static void claim_tag_case(const char *name, uint64_t recent_max)
{
	struct jr_centre *c = fresh(name);
	struct kiosk_chain a;
	uint8_t ps1[JR_CENTRE_PSEUDONYM_BYTES], ps2[JR_CENTRE_PSEUDONYM_BYTES];
	uint8_t id1[JR_REGID_BYTES], id2[JR_REGID_BYTES], id[JR_REGID_BYTES];
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	unsigned s1 = 0, s2;

	jr_centre_set_claim_tag(c, 1); /* no claim yet: only the roster is in */
	jr_centre_set_recent_max(c, recent_max);
	chain_init(&a, KIOSK_A, K1, 1);
	ps_of(&a, s1, ps1);
	for (s2 = 1; s2 < 2000; s2++) {
		ps_of(&a, s2, ps2);
		if (ps2[0] == ps1[0])
			break;
	}
	assert_true(s2 < 2000);
	assert_memory_not_equal(ps1, ps2, JR_CENTRE_PSEUDONYM_BYTES);
	assert_int_equal(again(c, &a, s1, id1).regs_accepted, 1);
	assert_int_equal(again(c, &a, s2, id2).regs_accepted, 1); /* not a duplicate */
	assert_int_equal(count_rows(c, "SELECT (SELECT count(*) FROM claim) +"
		" (SELECT count(*) FROM claim_recent)"), 1);
	assert_int_equal(count_rows(c, "SELECT count(*) FROM claim_more"), 1);
	/* each one's second registration is a duplicate of its own first */
	res = again(c, &a, s2, id);
	assert_int_equal(res.regs_duplicate, 1);
	assert_int_equal(jr_centre_registration(c, id, &reg), JR_OK);
	assert_true(reg.has_duplicate_of);
	assert_memory_equal(reg.duplicate_of, id2, JR_REGID_BYTES);
	res = again(c, &a, s1, id);
	assert_int_equal(res.regs_duplicate, 1);
	assert_int_equal(jr_centre_registration(c, id, &reg), JR_OK);
	assert_memory_equal(reg.duplicate_of, id1, JR_REGID_BYTES);
	/* the tag's holder becomes ineligible and gives up its claim */
	reflist(c, BPJSTK, JR_REFLIST_WAGE_EARNERS, 1, 0, 1, ps1, 1, &res);
	assert_int_equal(res.regs_ineligible, 1);
	assert_int_equal(jr_centre_registration(c, id1, &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_INELIGIBLE);
	assert_int_equal(count_rows(c, "SELECT (SELECT count(*) FROM claim) +"
		" (SELECT count(*) FROM claim_recent)"), 1);
	assert_int_equal(count_rows(c, "SELECT count(*) FROM claim_more"), 0);
	res = again(c, &a, s2, id);
	assert_int_equal(res.regs_duplicate, 1);
	assert_int_equal(jr_centre_registration(c, id, &reg), JR_OK);
	assert_memory_equal(reg.duplicate_of, id2, JR_REGID_BYTES);
	chain_free(&a);
	jr_centre_close(c);
}

static void workers_sharing_a_claim_tag_are_told_apart(void **state)
{
	(void)state;
	claim_tag_case("acts-claimtag", JR_CENTRE_RECENT_MAX);
	claim_tag_case("acts-claimtag-main", 1);
}

static void payment_confirmations_are_kept_per_month_and_decide_nothing(void **state)
{
	struct jr_centre *c = fresh("acts-confirm");
	struct kiosk_chain a;
	uint8_t ids[2][JR_REGID_BYTES], ps[2][JR_CENTRE_PSEUDONYM_BYTES], h0[JR_HASH_BYTES];
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	bool has = false;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 7);
	assert_int_equal(register_workers(c, &a, 0, 2, ids), 2);
	ps_of(&a, 0, ps[0]);
	ps_of(&a, 1, ps[1]);
	if (memcmp(ps[0], ps[1], JR_CENTRE_PSEUDONYM_BYTES) > 0) {
		uint8_t t[JR_CENTRE_PSEUDONYM_BYTES];

		memcpy(t, ps[0], sizeof t);
		memcpy(ps[0], ps[1], sizeof t);
		memcpy(ps[1], t, sizeof t);
	}
	/* BPJS Ketenagakerjaan's to sign; the serial is a month */
	reflist(c, DUKCAPIL, JR_REFLIST_PAYMENTS, 202407, 0, 1, ps[0], 2, &res);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	reflist(c, BPJSTK, JR_REFLIST_PAYMENTS, 202413, 0, 1, ps[0], 2, &res);
	assert_refused(&res, JR_CS_MALFORMED);
	reflist(c, BPJSTK, JR_REFLIST_PAYMENTS, 7, 0, 1, ps[0], 2, &res);
	assert_refused(&res, JR_CS_MALFORMED);
	jr_centre_state_hash(c, h0);
	reflist(c, BPJSTK, JR_REFLIST_PAYMENTS, 202408, 0, 1, ps[0], 2, &res);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	/* an earlier month after a later one: months are side by side, not stale */
	reflist(c, BPJSTK, JR_REFLIST_PAYMENTS, 202407, 0, 1, ps[0], 1, &res);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	reflist(c, BPJSTK, JR_REFLIST_PAYMENTS, 202407, 0, 1, ps[1], 1, &res);
	assert_refused(&res, JR_CS_DUPLICATE_ID); /* the month is in */
	assert_int_equal(res.regs_ineligible, 0);
	assert_int_equal(jr_centre_list_has(c, JR_REFLIST_PAYMENTS, 202407, ps[0], &has), JR_OK);
	assert_true(has);
	assert_int_equal(jr_centre_list_has(c, JR_REFLIST_PAYMENTS, 202407, ps[1], &has), JR_OK);
	assert_false(has);
	assert_int_equal(jr_centre_list_has(c, JR_REFLIST_PAYMENTS, 202408, ps[1], &has), JR_OK);
	assert_true(has);
	/* nobody is re-judged, and the wage-earner list is untouched */
	assert_int_equal(jr_centre_registration(c, ids[0], &reg), JR_OK);
	assert_int_equal(reg.phase, JR_PH_REVIEW);
	assert_int_equal(jr_centre_list_has(c, JR_REFLIST_WAGE_EARNERS, 202407, ps[0], &has), JR_OK);
	assert_false(has);
	chain_free(&a);
	jr_centre_close(c);
}

static int count_item(void *arg, const struct jr_centre_item *it)
{
	size_t *n = arg;

	assert_int_equal(it->outcome, JR_CO_ACCEPTED);
	(*n)++;
	return JR_OK;
}

static void a_reader_reads_the_queue_and_never_writes(void **state)
{
	const char *dir = jr_test_dir("acts-reader");
	struct jr_centre *c = open_in(dir), *r = NULL;
	struct kiosk_chain a;
	uint8_t ids[3][JR_REGID_BYTES], h[JR_HASH_BYTES], hr[JR_HASH_BYTES];
	struct jr_errbuf eb = { 0 };
	struct jr_centre_item it;
	struct jr_registration p;
	struct jr_buf e = { 0 };
	char path[512];
	size_t n = 0;

	(void)state;
	roster_entry(K1, 1, NULL, &e);
	(void)apply_free(c, &e);
	chain_init(&a, KIOSK_A, K1, 8);
	assert_int_equal(register_workers(c, &a, 0, 3, ids), 3);
	(void)review(c, DISNAKER, JR_REVIEW_APPROVE, ids[0], 1, NULL, NULL);
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(jr_centre_open_reader(path, NULL, &r, &eb), JR_OK);
	jr_centre_state_hash(c, h);
	jr_centre_state_hash(r, hr);
	assert_memory_equal(h, hr, JR_HASH_BYTES);
	/* Disnaker's queue lacks the one it approved; DPMD's has all three, in order */
	assert_int_equal(jr_centre_queue(r, JR_AGENCY_DISNAKER, 0, count_item, &n, &eb), JR_OK);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(jr_centre_queue(r, JR_AGENCY_DPMD, 3328, count_item, &n, &eb), JR_OK);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(jr_centre_queue(r, JR_AGENCY_DPMD, 3376, count_item, &n, &eb), JR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(jr_centre_item(r, ids[0], &it, &eb), JR_OK);
	assert_int_equal(it.approvals, 1u << JR_AGENCY_DISNAKER);
	assert_int_equal(it.reasons.n, 0);
	/* no consortium key held: no personal data */
	assert_int_equal(jr_centre_personal(r, ids[0], &p, &eb), JR_EKEY);
	/* it cannot apply */
	assert_int_equal(jr_centre_review_entry(keys[DPMD], issued++, JR_REVIEW_APPROVE, ids[1], 1,
		NULL, NULL, &e), JR_OK);
	assert_int_equal(jr_centre_apply(r, e.base, e.len, NULL, &eb), JR_EINVAL);
	jr_buf_free(&e);
	jr_centre_close(r);
	/* with the key it opens the record */
	assert_int_equal(jr_centre_open_reader(path, keys[K1], &r, &eb), JR_OK);
	assert_int_equal(jr_centre_personal(r, ids[0], &p, &eb), JR_OK);
	assert_int_equal(strlen(p.nik), JR_NIK_LEN);
	jr_registration_wipe(&p);
	jr_centre_close(r);
	/* the writer's state is as it was */
	jr_centre_state_hash(c, hr);
	assert_memory_equal(h, hr, JR_HASH_BYTES);
	chain_free(&a);
	jr_centre_close(c);
}

static void a_policy_that_requires_dtks_refuses_decrees_of_unmatched_workers(void **state)
{
	struct jr_centre *c = fresh("acts-dtks"), *rd = NULL;
	struct jr_policy before;
	struct jr_errbuf eb = { 0 };
	struct kiosk_chain a;
	uint8_t ids[2][JR_REGID_BYTES], ps[1][JR_CENTRE_PSEUDONYM_BYTES];
	struct jr_policy p = policy;
	struct jr_centre_result res;
	struct jr_buf e = { 0 };
	struct jr_status s;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 2, ids), 2);
	approve_all(c, ids[0], 2);
	p.version = 2;
	/* the Wali Kota may not set Kab. Tegal's policy; a funder no policy */
	assert_int_equal(jr_centre_policy_entry(keys[WALIKOTA], issued++, 3328, &p,
		policy_required_default(), true, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_OUT_OF_REGION);
	assert_int_equal(jr_centre_policy_entry(keys[FUNDER], issued++, 3328, &p,
		policy_required_default(), true, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	/* a reader opened before the act (as a node's downstream worker's) */
	assert_int_equal(jr_centre_open_reader(last_path, NULL, &rd, &eb), JR_OK);
	jr_centre_policy_rules(rd, 3328101008, &before);
	assert_int_equal(before.version, policy.version);
	assert_int_equal(jr_centre_policy_entry(keys[BUPATI], issued++, 3328, &p,
		policy_required_default(), true, &e), JR_OK);
	res = apply_free(c, &e);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	{
		/* In force in Kab. Tegal's villages, not in Kota Tegal's; the
		 * reader sees it inside its next read transaction. */
		struct jr_policy got;
		struct jr_centre *r = rd;

		jr_centre_policy_rules(c, 3328101008, &got);
		assert_int_equal(got.version, 2);
		jr_centre_policy_rules(c, 332810, &got);
		assert_int_equal(got.version, 2);
		jr_centre_policy_rules(c, 3376011001, &got);
		assert_int_equal(got.version, policy.version);
		jr_centre_policy_rules(c, 0, &got);
		assert_int_equal(got.version, policy.version);
		assert_int_equal(jr_centre_read_begin(r, &eb), JR_OK);
		jr_centre_policy_rules(r, 3328101008, &got);
		assert_int_equal(got.version, 2);
		assert_int_equal(jr_centre_tlog_size(r), jr_centre_tlog_size(c));
		jr_centre_read_end(r);
		jr_centre_close(r);
		/* only a reader takes a read transaction */
		assert_int_equal(jr_centre_read_begin(c, &eb), JR_EINVAL);
	}
	/* the same version again is stale */
	assert_int_equal(jr_centre_policy_entry(keys[BUPATI], issued++, 3328, &p,
		policy_required_default(), true, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_STALE_POLICY);
	res = allocate(c, BUPATI, "APBD-KAB", JR_SPONSOR_APBD, 10 * 16800 * 6, 6, 3328);
	/* without a DTKS list nobody can be decreed where the policy asks for it */
	res = decree(c, BUPATI, "KEP/1", 3328, "APBD-KAB", 202407, 6, ids[0], 2);
	assert_refused(&res, JR_CS_NOT_ELIGIBLE);
	/* Dukcapil's DTKS matches name worker 0 only: worker 1 is re-judged */
	ps_of(&a, 0, ps[0]);
	reflist(c, DUKCAPIL, JR_REFLIST_DTKS, 1, 0, 1, ps[0], 1, &res);
	assert_int_equal(res.regs_ineligible, 1);
	status_of(c, ids[1], &s);
	assert_int_equal(s.state, JR_ST_REJECTED);
	assert_int_equal(s.reasons[0], JR_R_NOT_IN_DTKS);
	res = decree(c, BUPATI, "KEP/1", 3328, "APBD-KAB", 202407, 6, ids[0], 2);
	assert_refused(&res, JR_CS_NOT_APPROVED); /* worker 1 is rejected now */
	res = decree(c, BUPATI, "KEP/1", 3328, "APBD-KAB", 202407, 6, ids[0], 1);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	chain_free(&a);
	jr_centre_close(c);
}

/* ---- decrees, allocations and payments ---- */

static void a_decree_needs_every_approval_and_an_allocation_that_can_pay(void **state)
{
	struct jr_centre *c = fresh("acts-decree");
	struct kiosk_chain a;
	uint8_t ids[4][JR_REGID_BYTES], digest[JR_HASH_BYTES];
	struct jr_centre_decree_state ds;
	struct jr_centre_allocation al;
	struct jr_centre_result res;
	struct jr_centre_decree d;
	struct jr_buf e = { 0 };
	struct jr_status s;
	uint64_t count = 0;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 4, ids), 4);
	approve_all(c, ids[0], 3);
	review(c, DISNAKER, JR_REVIEW_APPROVE, ids[3], 1, NULL, NULL); /* 1 of 4 */
	/* 3 workers x 6 months x Rp16,800 = Rp302,400; one rupiah short */
	res = allocate(c, FUNDER, "CSR-1", JR_SPONSOR_CSR, 302399, 6, 3328);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	res = allocate(c, FUNDER, "CSR-1", JR_SPONSOR_CSR, 302400, 6, 3328);
	assert_refused(&res, JR_CS_DUPLICATE_ID);
	res = allocate(c, FUNDER, "CSR-2", JR_SPONSOR_CSR, 302400, 6, 3328);
	/* a decree listing a registration not fully approved */
	res = decree(c, BUPATI, "KEP/1", 3328, "CSR-2", 202407, 6, ids[0], 4);
	assert_refused(&res, JR_CS_NOT_APPROVED);
	/* one the allocation cannot pay */
	res = decree(c, BUPATI, "KEP/1", 3328, "CSR-1", 202407, 6, ids[0], 3);
	assert_refused(&res, JR_CS_ALLOCATION_SHORT);
	/* longer than the allocation's months; an unknown allocation */
	res = decree(c, BUPATI, "KEP/1", 3328, "CSR-2", 202407, 7, ids[0], 1);
	assert_refused(&res, JR_CS_BAD_PERIOD);
	res = decree(c, BUPATI, "KEP/1", 3328, "NONE", 202407, 6, ids[0], 3);
	assert_refused(&res, JR_CS_UNKNOWN_ALLOCATION);
	/* the digest form names the same three, or is refused */
	assert_int_equal(jr_centre_decree_candidates(c, 3328, 202407, 6, &count, digest, NULL),
		JR_OK);
	assert_int_equal(count, 3);
	memset(&d, 0, sizeof d);
	memcpy(d.number, "KEP/1", 6);
	memcpy(d.allocation, "CSR-2", 6);
	d.region = 3328;
	d.start = 202407;
	d.months = 6;
	d.count = 3;
	memcpy(d.digest, digest, JR_HASH_BYTES);
	/* the digest form, matching, that its allocation cannot pay: refused,
	 * and the recipients its one walk wrote are taken out again (else
	 * KEP/1 below could not name them) */
	memcpy(d.allocation, "CSR-1", 6);
	assert_int_equal(jr_centre_decree_entry(keys[BUPATI], issued++, &d, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_ALLOCATION_SHORT);
	memcpy(d.allocation, "CSR-2", 6);
	d.digest[0] ^= 1;
	assert_int_equal(jr_centre_decree_entry(keys[BUPATI], issued++, &d, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_LIST_MISMATCH);
	d.digest[0] ^= 1;
	assert_int_equal(jr_centre_decree_entry(keys[BUPATI], issued++, &d, &e), JR_OK);
	res = apply_free(c, &e);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	assert_int_equal(jr_centre_decree_get(c, "KEP/1", &ds), JR_OK);
	assert_int_equal(ds.count, 3);
	assert_int_equal(ds.cost_rp, 302400);
	assert_int_equal(ds.rate_rp, 16800);
	assert_int_equal(jr_centre_allocation_get(c, "CSR-2", &al), JR_OK);
	assert_int_equal(al.committed_rp, 302400);
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_DECREED);
	assert_string_equal(s.decree, "KEP/1");
	assert_int_equal(s.protected_from, 20240701);
	assert_int_equal(s.protected_to, 20241231);
	/* nobody on two decrees at once; the number is taken */
	res = allocate(c, FUNDER, "CSR-3", JR_SPONSOR_CSR, 10000000, 12, 3328);
	res = decree(c, BUPATI, "KEP/2", 3328, "CSR-3", 202410, 3, ids[0], 1);
	assert_refused(&res, JR_CS_ALREADY_DECREED);
	res = decree(c, BUPATI, "KEP/1", 3328, "CSR-3", 202501, 3, ids[0], 1);
	assert_refused(&res, JR_CS_DUPLICATE_ID);
	/* after the period ends, a new decree may renew it */
	res = decree(c, BUPATI, "KEP/2", 3328, "CSR-3", 202501, 3, ids[0], 1);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	status_of(c, ids[0], &s);
	assert_string_equal(s.decree, "KEP/2");
	assert_int_equal(s.protected_from, 20250101);
	assert_int_equal(s.protected_to, 20250331);
	chain_free(&a);
	jr_centre_close(c);
}

static void payments_are_refused_beyond_the_decree_and_the_allocation(void **state)
{
	struct jr_centre *c = fresh("acts-payment");
	struct kiosk_chain a;
	uint8_t ids[3][JR_REGID_BYTES];
	struct jr_centre_allocation al;
	struct jr_centre_decree_state ds;
	struct jr_centre_result res;
	struct jr_status s;
	uint32_t m;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, 3, ids), 3);
	approve_all(c, ids[0], 3);
	res = allocate(c, BUPATI, "APBD", JR_SPONSOR_APBD, 2 * 2 * 16800, 2, 3328);
	res = decree(c, BUPATI, "KEP/9", 3328, "APBD", 202407, 2, ids[0], 2);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	/* a wrong amount; a registration not on a decree of this allocation */
	res = pay(c, FUNDER, "APBD", 202407, NULL, 0, 2 * 16800 + 1);
	assert_refused(&res, JR_CS_AMOUNT_MISMATCH);
	res = pay(c, FUNDER, "APBD", 202407, ids[2], 1, 16800);
	assert_refused(&res, JR_CS_NOT_DECREED);
	/* a kiosk may not pay; Kota's head may not pay from Kab.'s allocation */
	res = pay(c, KIOSK_A, "APBD", 202407, NULL, 0, 2 * 16800);
	assert_refused(&res, JR_CS_NOT_PERMITTED);
	res = pay(c, WALIKOTA, "APBD", 202407, NULL, 0, 2 * 16800);
	assert_refused(&res, JR_CS_OUT_OF_REGION);
	/* one recipient first, then the rest of the month */
	res = pay(c, FUNDER, "APBD", 202407, ids[1], 1, 16800);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	res = pay(c, FUNDER, "APBD", 202407, ids[1], 1, 16800);
	assert_refused(&res, JR_CS_ALREADY_PAID);
	res = pay(c, FUNDER, "APBD", 202407, NULL, 0, 16800);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	res = pay(c, FUNDER, "APBD", 202407, NULL, 0, 16800);
	assert_refused(&res, JR_CS_NOT_DECREED); /* nobody is due that month any more */
	status_of(c, ids[0], &s);
	assert_int_equal(s.state, JR_ST_PROTECTED);
	assert_int_equal(s.paid_through, 202407);
	res = pay(c, FUNDER, "APBD", 202408, NULL, 0, 2 * 16800);
	assert_int_equal(res.act_status, JR_CS_APPLIED);
	/* the third month is beyond the decree and the allocation: refused */
	assert_true(jr_centre_month(202409, &m));
	res = pay(c, FUNDER, "APBD", 202409, NULL, 0, 2 * 16800);
	assert_refused(&res, JR_CS_NOT_DECREED);
	res = pay(c, FUNDER, "APBD", 202409, ids[0], 2, 2 * 16800);
	assert_refused(&res, JR_CS_NOT_DECREED);
	assert_int_equal(jr_centre_allocation_get(c, "APBD", &al), JR_OK);
	assert_int_equal(al.paid_rp, al.amount_rp);
	assert_int_equal(jr_centre_decree_get(c, "KEP/9", &ds), JR_OK);
	assert_int_equal(ds.paid_rp, ds.cost_rp);
	status_of(c, ids[1], &s);
	assert_int_equal(s.paid_through, 202408);
	chain_free(&a);
	jr_centre_close(c);
}

static void views_of_personal_data_are_acts_that_statuses_show(void **state)
{
	struct jr_centre *c = fresh("acts-view");
	struct kiosk_chain a, b;
	uint8_t kab[1][JR_REGID_BYTES], kota[1][JR_REGID_BYTES];
	struct jr_centre_result res;
	struct jr_buf e = { 0 };
	struct jr_status s;
	uint64_t size;

	(void)state;
	chain_init(&a, KIOSK_A, K1, 1);
	chain_init(&b, KIOSK_B, K1, 2);
	assert_int_equal(register_workers(c, &a, 0, 1, kab), 1);
	assert_int_equal(register_workers(c, &b, 0, 1, kota), 1);
	size = jr_centre_tlog_size(c);
	assert_int_equal(jr_centre_view_entry(keys[DUKCAPIL_CLERK], issued++, kab[0], 1, &e), JR_OK);
	res = apply_free(c, &e);
	assert_int_equal(res.items_applied, 1);
	assert_int_equal(jr_centre_tlog_size(c), size + 2); /* the act, the item */
	assert_int_equal(jr_centre_view_entry(keys[DISNAKER_KOTA], issued++, kab[0], 1, &e), JR_OK);
	res = apply_free(c, &e);
	assert_int_equal(res.items_refused, 1); /* outside its region */
	assert_int_equal(jr_centre_view_entry(keys[FUNDER], issued++, kab[0], 1, &e), JR_OK);
	res = apply_free(c, &e);
	assert_refused(&res, JR_CS_NOT_PERMITTED); /* not of the verification team */
	assert_int_equal(jr_centre_view_entry(keys[BPJSTK], issued++, kab[0], 1, &e), JR_OK);
	res = apply_free(c, &e);
	status_of(c, kab[0], &s);
	assert_int_equal(s.viewed, (1u << JR_AGENCY_DUKCAPIL) | (1u << JR_AGENCY_BPJSTK));
	status_of(c, kota[0], &s);
	assert_int_equal(s.viewed, 0);
	chain_free(&a);
	chain_free(&b);
	jr_centre_close(c);
}

/* ---- a rotation of the consortium key, carried through ---- */

static void a_consortium_key_rotation_is_carried_through_the_roster(void **state)
{
	const char *dir = jr_test_dir("acts-rotation");
	struct jr_centre *c = open_in(dir), *d = NULL;
	struct kiosk_chain old_key, new_key;
	uint8_t before[2][JR_REGID_BYTES], after[2][JR_REGID_BYTES];
	enum who next = K2;
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	struct jr_pubkey k2;
	struct jr_buf e = { 0 }, ack = { 0 }, ros = { 0 };
	struct jr_roster r;
	struct jr_ack got;
	char path[512];

	(void)state;
	roster_entry(K1, 1, NULL, &e);
	(void)apply_free(c, &e);
	chain_init(&old_key, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &old_key, 0, 2, before), 2);
	/* roster 2, signed by K1, names K2: from now on records are sealed to
	 * K2 and roster 3 must be signed by it */
	roster_entry(K1, 2, &next, &e);
	res = apply_free(c, &e);
	assert_int_equal(res.members_set, 13);
	assert_int_equal(jr_centre_roster(c, &ros, NULL), JR_OK);
	jr_key_public(keys[K2], &k2);
	assert_int_equal(jr_roster_open(ros.base, ros.len, k2.sign_pk, &r, NULL), JR_ESIG);
	jr_buf_free(&ros);
	/* the kiosk keeps its chain and seals to K2 now */
	new_key = old_key;
	new_key.ep = NULL;
	new_key.sealed_to = K2;
	/* a node that lacks K2 cannot open them and cannot sign acks */
	assert_int_equal(register_workers(c, &new_key, 10, 1, after), 0);
	assert_int_equal(jr_centre_registration(c, after[0], &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_UNOPENABLE);
	assert_int_equal(jr_centre_ack(c, jr_key_id(keys[KIOSK_A]), T0, &ack, NULL), JR_EKEY);
	jr_centre_close(c);
	/* a node that holds both: reopened with K1, K2 added */
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(jr_centre_open(path, keys[K2], pkey, &policy, &d, NULL), JR_EKEY);
	c = open_in(dir);
	assert_int_equal(jr_centre_add_consortium_key(c, keys[K2], NULL), JR_OK);
	assert_int_equal(jr_centre_add_consortium_key(c, keys[K2], NULL), JR_EEXIST);
	assert_int_equal(jr_centre_add_consortium_key(c, keys[KIOSK_A], NULL), JR_EKEY);
	assert_int_equal(register_workers(c, &new_key, 11, 1, &after[1]), 1);
	/* records sealed to the old key still open (another kiosk, old epoch) */
	{
		struct kiosk_chain bk;
		uint8_t b1[1][JR_REGID_BYTES];

		chain_init(&bk, KIOSK_B, K1, 7);
		assert_int_equal(register_workers(c, &bk, 20, 1, b1), 1);
		chain_free(&bk);
	}
	assert_int_equal(jr_centre_registration(c, before[0], &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_ACCEPTED);
	/* the acknowledged head is signed by K2, which kiosks re-pinned to */
	assert_int_equal(jr_centre_ack(c, jr_key_id(keys[KIOSK_A]), T0, &ack, NULL), JR_OK);
	assert_int_equal(jr_ack_verify(ack.base, ack.len, k2.sign_pk, &got, NULL), JR_OK);
	jr_buf_free(&ack);
	/* roster 3 signed by the old key is refused; by K2 it applies */
	roster_entry(K1, 3, NULL, &e);
	res = apply_free(c, &e);
	assert_true(res.refused);
	assert_int_equal(res.members_set, 0);
	roster_entry(K2, 3, NULL, &e);
	res = apply_free(c, &e);
	assert_int_equal(res.members_set, 13);
	/* the latest roster opens under the key that signed it, as a node's
	 * downstream answer opens it */
	{
		uint8_t signer[JR_SIGN_PK_BYTES];

		jr_centre_roster_signer(c, signer);
		assert_memory_equal(signer, k2.sign_pk, JR_SIGN_PK_BYTES);
		assert_int_equal(jr_centre_roster(c, &ros, NULL), JR_OK);
		assert_int_equal(jr_roster_open(ros.base, ros.len, signer, &r, NULL), JR_OK);
		assert_int_equal(r.serial, 3);
		jr_roster_free(&r);
		jr_buf_free(&ros);
	}
	/* the first roster replayed after the rotation is still a no-op */
	roster_entry(K1, 1, NULL, &e);
	res = apply_free(c, &e);
	assert_false(res.changed);
	chain_free(&old_key);
	chain_free(&new_key);
	jr_centre_close(c);
}

/* ---- determinism ---- */

/* A mixed history: roster, registrations at two kiosks (one worker at
 * both), review, a return, a reference list, an allocation, a decree, a
 * payment, a view, a forged act. */
static size_t build_history(struct jr_buf *entries, size_t max)
{
	struct kiosk_chain a, b;
	struct jr_buf blocks[8];
	struct jr_registration *r = calloc(8, sizeof *r);
	uint8_t ida[8][JR_REGID_BYTES], idb[4][JR_REGID_BYTES], ps[1][JR_CENTRE_PSEUDONYM_BYTES];
	struct jr_verdict why = { 1, { JR_R_ADDRESS_INVALID } };
	struct jr_centre_decree d;
	struct jr_centre_allocation al;
	static const enum who team[4] = { DISNAKER, DPMD, DUKCAPIL, BPJSTK };
	size_t n = 0, i;

	assert_non_null(r);
	chain_init(&a, KIOSK_A, K1, 1);
	chain_init(&b, KIOSK_B, K1, 2);
	roster_entry(K1, 1, NULL, &entries[n++]);
	for (i = 0; i < 8; i++)
		worker(&r[i], &a, (unsigned)i);
	block_of(&a, r, 4, ida, &blocks[0]);
	block_of(&a, &r[4], 4, &ida[4], &blocks[1]);
	for (i = 0; i < 4; i++)
		worker(&r[i], &b, 100 + (unsigned)i);
	block_of(&b, r, 4, idb, &blocks[2]);
	worker(&r[0], &a, 3); /* worker 3 again, at kiosk B */
	memcpy(r[0].kiosk_id, jr_key_id(keys[KIOSK_B]), JR_ID_BYTES);
	block_of(&b, r, 1, &idb[3], &blocks[3]);
	assert_int_equal(jr_centre_upstream_entry(&blocks[1], 1, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_upstream_entry(&blocks[2], 2, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_upstream_entry(blocks, 1, &entries[n++]), JR_OK);
	for (i = 0; i < 4; i++)
		jr_buf_free(&blocks[i]);
	for (i = 0; i < 4; i++)
		assert_int_equal(jr_centre_review_entry(keys[team[i]], issued++, JR_REVIEW_APPROVE,
			ida[0], 6, NULL, NULL, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_review_entry(keys[DPMD], issued++, JR_REVIEW_RETURN, ida[6], 1,
		&why, NULL, &entries[n++]), JR_OK);
	ps_of(&a, 5, ps[0]);
	assert_int_equal(jr_centre_reflist_entry(keys[BPJSTK], issued++, JR_REFLIST_WAGE_EARNERS,
		1, 0, 1, ps[0], 1, &entries[n++]), JR_OK);
	memset(&al, 0, sizeof al);
	memcpy(al.id, "APBD", 5);
	memcpy(al.sponsor, "APBD Kabupaten Tegal", 21);
	al.type = JR_SPONSOR_APBD;
	al.amount_rp = 4 * 12 * 16800;
	al.months = 12;
	al.region = 3328;
	assert_int_equal(jr_centre_allocation_entry(keys[BUPATI], issued++, &al, &entries[n++]),
		JR_OK);
	memset(&d, 0, sizeof d);
	memcpy(d.number, "KEP/7", 6);
	memcpy(d.allocation, "APBD", 5);
	d.region = 3328;
	d.start = 202407;
	d.months = 12;
	d.regids = (const uint8_t *)ida;
	d.n = 4;
	assert_int_equal(jr_centre_decree_entry(keys[BUPATI], issued++, &d, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_payment_entry(keys[FUNDER], issued++, "APBD", 202407, NULL, 0,
		4 * 16800, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_view_entry(keys[DUKCAPIL], issued++,
		(const uint8_t *)idb[0], 2, &entries[n++]), JR_OK);
	assert_int_equal(jr_centre_review_entry(keys[STRANGER], issued++, JR_REVIEW_APPROVE, idb[0],
		1, NULL, NULL, &entries[n++]), JR_OK);
	assert_true(n <= max);
	free(r);
	chain_free(&a);
	chain_free(&b);
	return n;
}

static void hash_after(const char *name, const struct jr_buf *entries, size_t n,
	bool shuffle, uint8_t out[JR_HASH_BYTES])
{
	struct jr_centre *c = open_in(jr_test_dir(name));
	size_t i;

	if (shuffle)
		assert_int_equal(sqlite3_exec(c->db, "PRAGMA reverse_unordered_selects=ON", NULL,
			NULL, NULL), SQLITE_OK);
	for (i = 0; i < n; i++)
		(void)apply(c, &entries[i]);
	jr_centre_state_hash(c, out);
	jr_centre_close(c);
}

static void two_processes_and_shuffled_selects_reach_one_state_hash(void **state)
{
	struct jr_buf entries[32];
	uint8_t parent[JR_HASH_BYTES], child[JR_HASH_BYTES], shuffled[JR_HASH_BYTES];
	size_t n = build_history(entries, 32), i;
	int fds[2], status = 0;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		hash_after("acts-proc-child", entries, n, false, child);
		_exit(write(fds[1], child, sizeof child) == (ssize_t)sizeof child ? 0 : 1);
	}
	close(fds[1]);
	hash_after("acts-proc-parent", entries, n, false, parent);
	assert_int_equal(read(fds[0], child, sizeof child), (ssize_t)sizeof child);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_equal(parent, child, JR_HASH_BYTES);
	/* SQLite returns unordered rows in reverse: nothing may depend on it */
	hash_after("acts-proc-shuffled", entries, n, true, shuffled);
	assert_memory_equal(parent, shuffled, JR_HASH_BYTES);
	for (i = 0; i < n; i++)
		jr_buf_free(&entries[i]);
}

/* ---- Table 1 ---- */

struct table1_row {
	char sponsor[32];
	uint64_t workers, months, rupiah;
};

/* Splits a CSV line of plain fields (no quotes) at commas, in place. */
static size_t csv_fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	for (; *line != '\0'; line++)
		if (*line == ',') {
			*line = '\0';
			assert_true(n < max);
			f[n++] = line + 1;
		}
	return n;
}

static uint64_t u64_of(const char *s)
{
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);

	assert_true(end != s && *end == '\0');
	return v;
}

/* assets/reference/table1-bantuan-iuran-2024.csv: four rows and the total. */
static size_t table1(struct table1_row *rows, struct table1_row *total)
{
	char path[1024], *text, *line, *save = NULL;
	struct jr_buf f = { 0 };
	size_t n = 0;

	memset(total, 0, sizeof *total);
	jr_test_path(path, sizeof path, JR_TEST_ASSETS_DIR,
		"reference/table1-bantuan-iuran-2024.csv");
	assert_int_equal(jr_file_read(path, 4096, &f, NULL), JR_OK);
	text = calloc(1, f.len + 1);
	assert_non_null(text);
	memcpy(text, f.base, f.len);
	jr_buf_free(&f);
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		struct table1_row r;
		char *fld[8] = { NULL };

		memset(&r, 0, sizeof r);
		if (strncmp(line, "no,", 3) == 0)
			continue;
		assert_int_equal(csv_fields(line, fld, 8), 5);
		assert_true(fld[0] != NULL && fld[1] != NULL && fld[2] != NULL && fld[3] != NULL &&
			fld[4] != NULL);
		r.workers = u64_of(fld[2]);
		r.months = u64_of(fld[3]);
		r.rupiah = u64_of(fld[4]);
		if (strcmp(fld[0], "total") == 0) {
			*total = r;
			continue;
		}
		assert_true(strlen(fld[1]) < sizeof r.sponsor);
		memcpy(r.sponsor, fld[1], strlen(fld[1]) + 1);
		assert_true(n < 4);
		rows[n++] = r;
	}
	free(text);
	return n;
}

static enum jr_sponsor sponsor_type(const char *name)
{
	if (strcmp(name, "Perusahaan") == 0)
		return JR_SPONSOR_CSR;
	if (strcmp(name, "Pemerintah") == 0)
		return JR_SPONSOR_APBD;
	if (strcmp(name, "Desa") == 0)
		return JR_SPONSOR_VILLAGE;
	assert_string_equal(name, "ASN Sertakan");
	return JR_SPONSOR_ASN;
}

static void table1_is_reproduced_to_the_rupiah(void **state)
{
	struct jr_centre *c = fresh("acts-table1");
	struct table1_row rows[4], total;
	struct kiosk_chain a;
	uint8_t (*ids)[JR_REGID_BYTES] = calloc(MAX_REGS, JR_REGID_BYTES);
	uint64_t workers = 0, paid = 0, all_workers = 0, all_months = 0;
	size_t n = table1(rows, &total), i, at = 0;
	uint32_t m;

	(void)state;
	assert_non_null(ids);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++)
		workers += rows[i].workers;
	assert_true(workers <= MAX_REGS);
	chain_init(&a, KIOSK_A, K1, 1);
	assert_int_equal(register_workers(c, &a, 0, workers, ids), workers);
	approve_all(c, ids[0], workers);
	for (i = 0; i < n; i++) {
		char alloc[32], number[32];
		struct jr_centre_allocation al;
		struct jr_centre_decree_state ds;
		struct jr_centre_result res;
		uint32_t start = 0;

		(void)snprintf(alloc, sizeof alloc, "T1-%zu", i + 1);
		(void)snprintf(number, sizeof number, "KEP/T1/%zu", i + 1);
		/* the row's money, exactly: workers x months x Rp16,800 */
		res = allocate(c, FUNDER, alloc, sponsor_type(rows[i].sponsor), rows[i].rupiah,
			(uint32_t)rows[i].months, 3328);
		assert_int_equal(res.act_status, JR_CS_APPLIED);
		res = decree(c, BUPATI, number, 3328, alloc, 202401, (uint32_t)rows[i].months,
			ids[at], rows[i].workers);
		assert_int_equal(res.act_status, JR_CS_APPLIED);
		assert_true(jr_centre_month(202401, &start));
		for (m = start; m < start + rows[i].months; m++) {
			res = pay(c, FUNDER, alloc, jr_centre_yyyymm(m), NULL, 0,
				rows[i].workers * 16800);
			assert_int_equal(res.act_status, JR_CS_APPLIED);
			assert_int_equal(res.acts_applied, 1);
		}
		/* one month more is refused */
		res = pay(c, FUNDER, alloc, jr_centre_yyyymm(m), NULL, 0, rows[i].workers * 16800);
		assert_true(res.refused);
		assert_int_equal(jr_centre_allocation_get(c, alloc, &al), JR_OK);
		assert_int_equal(al.type, sponsor_type(rows[i].sponsor));
		assert_int_equal(al.committed_rp, rows[i].rupiah);
		assert_int_equal(al.paid_rp, rows[i].rupiah);
		assert_int_equal(jr_centre_decree_get(c, number, &ds), JR_OK);
		assert_int_equal(ds.count, rows[i].workers);
		assert_int_equal(ds.months, rows[i].months);
		assert_int_equal(ds.cost_rp, rows[i].rupiah);
		assert_int_equal(ds.paid_rp, rows[i].rupiah);
		paid += al.paid_rp;
		all_workers += ds.count;
		all_months += ds.months;
		{
			struct jr_status s;

			status_of(c, ids[at], &s);
			assert_int_equal(s.state, JR_ST_PROTECTED);
			assert_int_equal(s.paid_through, jr_centre_yyyymm(start +
				(uint32_t)rows[i].months - 1));
		}
		at += rows[i].workers;
	}
	assert_int_equal(all_workers, total.workers);
	assert_int_equal(all_months, total.months);
	assert_int_equal(paid, total.rupiah);
	assert_int_equal(paid, UINT64_C(1424102400));
	chain_free(&a);
	free(ids);
	jr_centre_close(c);
}

/* ---- worked examples of docs/centre.md ---- */

static void check_example(const char *marker, const struct jr_buf *got)
{
	char *text, hex[8192];
	uint8_t want[4096];
	size_t n, i;

	assert_true(got->len <= sizeof want);
	if (getenv("JR_PRINT_EXAMPLES") != NULL) {
		jr_hex(got->base, got->len, hex);
		printf("%s\n```\n", marker);
		for (i = 0; i < 2 * got->len; i += 64)
			printf("%.64s\n", hex + i);
		printf("```\n");
		return; /* printing to rebuild the document, not checking it */
	}
	text = jr_test_doc_block("docs/centre.md", marker);
	n = jr_test_unhex(text, want, sizeof want);
	free(text);
	assert_int_equal(n, got->len);
	assert_memory_equal(want, got->base, n);
}

static void the_worked_acts_are_the_ones_the_code_builds(void **state)
{
	uint8_t ids[2][JR_REGID_BYTES], ps[1][JR_CENTRE_PSEUDONYM_BYTES], h[JR_HASH_BYTES];
	struct jr_verdict why = { 1, { JR_R_BIRTH_MISMATCH } };
	struct jr_centre_allocation al;
	struct jr_centre_decree d;
	struct jr_buf e = { 0 };
	const int64_t t = 1718000000;

	(void)state;
	memset(ids[0], 0x11, JR_REGID_BYTES);
	memset(ids[1], 0x22, JR_REGID_BYTES);
	memset(ps[0], 0x33, JR_CENTRE_PSEUDONYM_BYTES);
	memset(h, 0x44, sizeof h);
	assert_int_equal(jr_centre_policy_entry(keys[BUPATI], t, 3328, &policy,
		policy_required_default(), false, &e), JR_OK);
	check_example("Worked example: policy act", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_review_entry(keys[DISNAKER], t, JR_REVIEW_APPROVE, ids[0], 1,
		NULL, NULL, &e), JR_OK);
	check_example("Worked example: review act (approve)", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_review_entry(keys[DUKCAPIL], t, JR_REVIEW_RETURN, ids[0], 1,
		&why, NULL, &e), JR_OK);
	check_example("Worked example: review act (return)", &e);
	jr_buf_free(&e);
	{
		uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES];

		memset(salt, 0x55, sizeof salt);
		assert_int_equal(jr_centre_review_entry_salted(keys[DUKCAPIL], t, JR_REVIEW_COMMENT,
			ids[0], 1, NULL, "dokumen lengkap", salt, &e), JR_OK);
		check_example("Worked example: review act (comment)", &e);
		jr_buf_free(&e);
	}
	assert_int_equal(jr_centre_view_entry(keys[DUKCAPIL], t, ids[0], 1, &e), JR_OK);
	check_example("Worked example: view act", &e);
	jr_buf_free(&e);
	memset(&al, 0, sizeof al);
	memcpy(al.id, "CSR-2024-1", 11);
	memcpy(al.sponsor, "PT Contoh", 10);
	al.type = JR_SPONSOR_CSR;
	al.amount_rp = 241920000;
	al.months = 6;
	al.region = 3328;
	assert_int_equal(jr_centre_allocation_entry(keys[FUNDER], t, &al, &e), JR_OK);
	check_example("Worked example: allocation act", &e);
	jr_buf_free(&e);
	memset(&d, 0, sizeof d);
	memcpy(d.number, "100.3/1/2024", 13);
	memcpy(d.allocation, "CSR-2024-1", 11);
	d.region = 3328;
	d.start = 202407;
	d.months = 6;
	d.regids = ids[0];
	d.n = 2;
	assert_int_equal(jr_centre_decree_entry(keys[BUPATI], t, &d, &e), JR_OK);
	check_example("Worked example: decree act", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_payment_entry(keys[FUNDER], t, "CSR-2024-1", 202407, NULL, 0,
		2 * 16800, &e), JR_OK);
	check_example("Worked example: payment act", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_reflist_entry(keys[BPJSTK], t, JR_REFLIST_WAGE_EARNERS, 1, 0,
		1, ps[0], 1, &e), JR_OK);
	check_example("Worked example: reference list act", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_leaf_act(h, JR_CENTRE_DECREE, jr_key_id(keys[BUPATI]),
		JR_CS_NOT_APPROVED, 0, ids[1], &e), JR_OK);
	check_example("Worked example: act leaf", &e);
	jr_buf_free(&e);
	assert_int_equal(jr_centre_leaf_item(h, JR_CENTRE_REVIEW, JR_REVIEW_RETURN,
		JR_AGENCY_DUKCAPIL, ids[0], JR_CS_APPLIED, &why, &e), JR_OK);
	check_example("Worked example: item leaf", &e);
	jr_buf_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_status_has_its_documented_name),
		cmocka_unit_test(forged_and_overreaching_acts_are_refused_with_the_reason_on_the_log),
		cmocka_unit_test(a_comment_applies_only_with_the_text_its_body_commits_to),
		cmocka_unit_test(malformed_acts_are_refused_and_recorded),
		cmocka_unit_test(review_counts_approvals_and_a_return_carries_reasons),
		cmocka_unit_test(a_correction_re_enters_review_and_takes_the_workers_place),
		cmocka_unit_test(a_wage_earner_list_rejudges_review_and_refuses_new_registrations),
		cmocka_unit_test(workers_sharing_a_claim_tag_are_told_apart),
		cmocka_unit_test(payment_confirmations_are_kept_per_month_and_decide_nothing),
		cmocka_unit_test(a_reader_reads_the_queue_and_never_writes),
		cmocka_unit_test(a_policy_that_requires_dtks_refuses_decrees_of_unmatched_workers),
		cmocka_unit_test(a_decree_needs_every_approval_and_an_allocation_that_can_pay),
		cmocka_unit_test(payments_are_refused_beyond_the_decree_and_the_allocation),
		cmocka_unit_test(views_of_personal_data_are_acts_that_statuses_show),
		cmocka_unit_test(a_consortium_key_rotation_is_carried_through_the_roster),
		cmocka_unit_test(two_processes_and_shuffled_selects_reach_one_state_hash),
		cmocka_unit_test(table1_is_reproduced_to_the_rupiah),
		cmocka_unit_test(the_worked_acts_are_the_ones_the_code_builds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
