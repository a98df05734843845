/*
 * The centre's state machine (jaring/centre.h): rosters, upstream blocks,
 * refusals, equivocation, duplicates, rules, the log's leaves, the state
 * hash and the acknowledged head. Every worker here is synthetic.
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
#include "jaring/shard.h"
#include "centre/centre_int.h"

#define T0 1718000000 /* 2024-06-10 */
#define MAX_BLOCKS 16

static struct jr_key *consortium, *kiosk_a, *kiosk_b, *kiosk_c;
static struct jr_seal_epoch *epoch;
static struct jr_policy policy;
static const uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES] = { 7, 7, 7, 7, 7, 7, 7, 7,
	7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };

static int setup(void **state)
{
	(void)state;
	assert_int_equal(jr_init(), JR_OK);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	kiosk_a = jr_test_key(JR_ROLE_KIOSK, 1);
	kiosk_b = jr_test_key(JR_ROLE_KIOSK, 5);
	kiosk_c = jr_test_key(JR_ROLE_KIOSK, 6);
	epoch = jr_test_epoch(consortium, T0);
	jr_policy_default(&policy);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_seal_epoch_close(epoch);
	jr_key_free(kiosk_c);
	jr_key_free(kiosk_b);
	jr_key_free(kiosk_a);
	jr_key_free(consortium);
	return 0;
}

/* Synthetic worker number `serial`: a woman born 1 July 1990 in Kab. Tegal,
 * NIK 33280141079 0 + serial. */
static void worker(struct jr_registration *r, const struct jr_key *kiosk,
	unsigned serial)
{
	int n;

	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	r->time = T0;
	r->village = 3328012001u;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	n = snprintf(r->nik, sizeof r->nik, "332801410790%04u", serial);
	assert_int_equal(n, JR_NIK_LEN);
	/* names carry no digits (rule 211): the serial in letters */
	n = snprintf(r->name, sizeof r->name, "Sintetis Pekerja %c%c%c",
		'a' + (int)(serial / 676 % 26), 'a' + (int)(serial / 26 % 26),
		'a' + (int)(serial % 26));
	assert_true(n > 0 && (size_t)n < sizeof r->name);
	r->birth = 19900701;
	n = snprintf(r->phone, sizeof r->phone, "0812990%05u", serial);
	assert_true(n > 0 && (size_t)n < sizeof r->phone);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

static void seal(const struct jr_registration *r, struct jr_buf *out)
{
	uint8_t regid[JR_REGID_BYTES];
	struct jr_errbuf eb = { 0 };

	if (jr_record_encode(r, epoch, out, regid, &eb) != JR_OK)
		fail_msg("encode: %s", eb.msg);
}

/* A signed block (wire form) of `kiosk` at height over prev (updated to its
 * hash), holding the records. */
static void block(const struct jr_key *kiosk, const uint8_t *idk, uint64_t height,
	uint8_t prev[JR_HASH_BYTES], const struct jr_buf *recs, size_t n,
	struct jr_buf *out)
{
	struct jr_block b;
	struct jr_buf body = { 0 };
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	size_t i;

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, idk != NULL ? idk : jr_key_id(kiosk), JR_ID_BYTES);
	b.height = height;
	memcpy(b.prev, prev, JR_HASH_BYTES);
	b.time = T0 + (int64_t)height;
	b.n_records = n;
	for (i = 0; i < n; i++) {
		b.records[i] = recs[i].base;
		b.record_len[i] = recs[i].len;
	}
	assert_int_equal(jr_block_encode(&b, &body), JR_OK);
	assert_int_equal(jr_block_sign(kiosk, body.base, body.len, hash, sig), JR_OK);
	assert_int_equal(jr_signed_block_encode(body.base, body.len, sig, out), JR_OK);
	memcpy(prev, hash, JR_HASH_BYTES);
	jr_buf_free(&body);
}

/* A chain of n blocks of `per` workers each, serials from `first`. */
static void chain(const struct jr_key *kiosk, size_t n, size_t per, unsigned first,
	struct jr_buf *blocks)
{
	uint8_t prev[JR_HASH_BYTES] = { 0 };
	size_t i, j;

	for (i = 0; i < n; i++) {
		struct jr_buf recs[8];

		assert_true(per <= 8);
		for (j = 0; j < per; j++) {
			struct jr_registration r;

			worker(&r, kiosk, first + (unsigned)(i * per + j));
			seal(&r, &recs[j]);
		}
		block(kiosk, NULL, i + 1, prev, recs, per, &blocks[i]);
		for (j = 0; j < per; j++)
			jr_buf_free(&recs[j]);
	}
}

static void free_bufs(struct jr_buf *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jr_buf_free(&b[i]);
}

static struct jr_centre *open_in(const char *dir)
{
	char path[512];
	struct jr_centre *c = NULL;
	struct jr_errbuf eb = { 0 };

	jr_test_path(path, sizeof path, dir, "state.db");
	if (jr_centre_open(path, consortium, pkey, &policy, &c, &eb) != JR_OK)
		fail_msg("open: %s", eb.msg);
	return c;
}

static struct jr_centre *open_state(const char *name)
{
	return open_in(jr_test_dir(name));
}

static void apply(struct jr_centre *c, const struct jr_buf *entry,
	struct jr_centre_result *res)
{
	struct jr_errbuf eb = { 0 };

	if (jr_centre_apply(c, entry->base, entry->len, res, &eb) != JR_OK)
		fail_msg("apply: %s", eb.msg);
}

static void roster(struct jr_centre *c, uint64_t serial, uint64_t revoke_a)
{
	struct jr_centre_kiosk k[2];
	struct jr_pubkey pa, pb;
	struct jr_buf e = { 0 };
	struct jr_centre_result res;

	jr_key_public(kiosk_a, &pa);
	jr_key_public(kiosk_b, &pb);
	memcpy(k[0].sign_pk, pa.sign_pk, JR_SIGN_PK_BYTES);
	k[0].village = 3328012001u;
	k[0].revoked_from = revoke_a;
	memcpy(k[1].sign_pk, pb.sign_pk, JR_SIGN_PK_BYTES);
	k[1].village = 3328012002u;
	k[1].revoked_from = 0;
	assert_int_equal(jr_centre_roster_entry(consortium, serial, k, 2, &e), JR_OK);
	apply(c, &e, &res);
	assert_int_equal(res.kiosks_set, 2);
	jr_buf_free(&e);
}

static void upstream(struct jr_centre *c, const struct jr_buf *blocks, size_t n,
	struct jr_centre_result *res)
{
	struct jr_buf e = { 0 };

	assert_int_equal(jr_centre_upstream_entry(blocks, n, &e), JR_OK);
	apply(c, &e, res);
	jr_buf_free(&e);
}

static void regid_in_block(const struct jr_buf *sblock, size_t i,
	uint8_t regid[JR_REGID_BYTES])
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t len = 0;
	struct jr_block b;

	assert_int_equal(jr_signed_block_decode(sblock->base, sblock->len, &body, &len,
		&sig, NULL), JR_OK);
	assert_int_equal(jr_block_decode(body, len, &b, NULL), JR_OK);
	assert_true(i < b.n_records);
	jr_record_id(b.records[i], b.record_len[i], regid);
}

static void block_hash(const struct jr_buf *sblock, uint8_t hash[JR_HASH_BYTES])
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t len = 0;

	assert_int_equal(jr_signed_block_decode(sblock->base, sblock->len, &body, &len,
		&sig, NULL), JR_OK);
	jr_hash(body, len, hash);
}

static void kstate(struct jr_centre *c, const struct jr_key *k,
	struct jr_centre_kiosk_state *ks)
{
	assert_int_equal(jr_centre_kiosk_state(c, jr_key_id(k), ks), JR_OK);
}

/* ---- order, replays, gaps ---- */

static void a_chain_in_order_and_in_shuffled_bundles_reaches_one_state_hash(void **state)
{
	struct jr_buf blocks[6];
	struct jr_centre *a, *b;
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	uint8_t ha[JR_HASH_BYTES], hb[JR_HASH_BYTES];
	static const size_t order[3] = { 2, 0, 1 };
	size_t i;

	(void)state;
	chain(kiosk_a, 6, 2, 1, blocks);
	a = open_state("centre-order-a");
	b = open_state("centre-order-b");
	roster(a, 1, 0);
	roster(b, 1, 0);
	for (i = 0; i < 3; i++)
		upstream(a, &blocks[2 * i], 2, &res);
	for (i = 0; i < 3; i++) {
		upstream(b, &blocks[2 * order[i]], 2, &res);
		if (i == 0)
			assert_int_equal(res.blocks_pending, 2);
	}
	assert_int_equal(res.blocks_applied, 4); /* 3..4, then 5..6 from pending */
	kstate(b, kiosk_a, &ks);
	assert_int_equal(ks.head, 6);
	assert_int_equal(ks.pending, 0);
	jr_centre_state_hash(a, ha);
	jr_centre_state_hash(b, hb);
	assert_memory_equal(ha, hb, JR_HASH_BYTES);
	assert_int_equal(jr_centre_tlog_size(a), jr_centre_tlog_size(b));
	/* 1 roster + 6 blocks + 12 registrations */
	assert_int_equal(jr_centre_tlog_size(a), 19);
	jr_centre_close(a);
	jr_centre_close(b);
	free_bufs(blocks, 6);
}

static void the_same_entry_twice_is_a_no_op_with_the_same_hash(void **state)
{
	struct jr_buf blocks[2], e = { 0 };
	struct jr_centre *c = open_state("centre-twice");
	struct jr_centre_result res;
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_a, 2, 2, 1, blocks);
	assert_int_equal(jr_centre_upstream_entry(blocks, 2, &e), JR_OK);
	apply(c, &e, &res);
	assert_true(res.changed);
	assert_int_equal(res.regs_accepted, 4);
	jr_centre_state_hash(c, h1);
	apply(c, &e, &res);
	assert_false(res.changed);
	assert_int_equal(res.blocks_known, 2);
	assert_int_equal(res.regs_accepted, 0);
	jr_centre_state_hash(c, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	jr_buf_free(&e);
	jr_centre_close(c);
	free_bufs(blocks, 2);
}

/* Applies a roster and a block of one registration into c (first), and
 * builds the next block, which carries the same record again (again). */
static void one_record_twice(struct jr_centre *c, struct jr_buf *first,
	struct jr_buf *again)
{
	struct jr_buf recs[1];
	struct jr_centre_result res;
	struct jr_registration r;
	uint8_t prev[JR_HASH_BYTES] = { 0 };

	roster(c, 1, 0);
	worker(&r, kiosk_a, 1);
	seal(&r, &recs[0]);
	block(kiosk_a, NULL, 1, prev, recs, 1, first);
	block(kiosk_a, NULL, 2, prev, recs, 1, again);
	jr_buf_free(&recs[0]);
	upstream(c, first, 1, &res);
	assert_int_equal(res.regs_accepted, 1);
}

/* The block that carries a known record is applied; the record is not. */
static void applied_as_known(struct jr_centre *c, struct jr_buf *again)
{
	struct jr_centre_result res;

	upstream(c, again, 1, &res);
	assert_int_equal(res.blocks_applied, 1);
	assert_int_equal(res.regs_known, 1);
	assert_int_equal(res.regs_accepted + res.regs_duplicate, 0);
	jr_buf_free(again);
}

/* Seen before in regid_recent, or (recent_max 1) already moved into
 * regid_main. */
static void seen_before_case(const char *name, uint64_t recent_max)
{
	struct jr_buf first = { 0 }, again = { 0 };
	struct jr_centre *c = open_state(name);

	jr_centre_set_recent_max(c, recent_max);
	one_record_twice(c, &first, &again);
	applied_as_known(c, &again);
	jr_buf_free(&first);
	jr_centre_close(c);
}

static void a_registration_id_seen_before_is_a_no_op(void **state)
{
	(void)state;
	seen_before_case("centre-regid", JR_CENTRE_RECENT_MAX);
	seen_before_case("centre-regid-main", 1);
}

static void a_gap_waits_and_fills_without_blocking_another_kiosk(void **state)
{
	struct jr_buf a[4], b[1], mixed[2], ack = { 0 };
	struct jr_centre *c = open_state("centre-gap");
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	struct jr_ack got;
	struct jr_pubkey cp;
	uint8_t h4[JR_HASH_BYTES];

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_a, 4, 1, 1, a);
	chain(kiosk_b, 1, 1, 100, b);
	mixed[0] = a[2];
	mixed[1] = b[0];
	upstream(c, mixed, 2, &res);
	assert_int_equal(res.blocks_pending, 1);
	assert_int_equal(res.blocks_applied, 1); /* kiosk B is not held up */
	upstream(c, &a[3], 1, &res);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.head, 0);
	assert_int_equal(ks.pending, 2);
	assert_int_equal(jr_centre_ack(c, jr_key_id(kiosk_a), T0, &ack, NULL), JR_ENOTFOUND);
	upstream(c, a, 2, &res);
	assert_int_equal(res.blocks_applied, 4);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.head, 4);
	assert_int_equal(ks.pending, 0);
	assert_int_equal(jr_centre_ack(c, jr_key_id(kiosk_a), T0 + 99, &ack, NULL), JR_OK);
	jr_key_public(consortium, &cp);
	assert_int_equal(jr_ack_verify(ack.base, ack.len, cp.sign_pk, &got, NULL), JR_OK);
	assert_int_equal(got.height, 4);
	block_hash(&a[3], h4);
	assert_memory_equal(got.hash, h4, JR_HASH_BYTES);
	assert_memory_equal(got.kiosk_id, jr_key_id(kiosk_a), JR_ID_BYTES);
	jr_buf_free(&ack);
	jr_centre_close(c);
	free_bufs(a, 4);
	free_bufs(b, 1);
}

/* ---- refusals ---- */

static void status_of(struct jr_centre *c, const struct jr_buf *sblock,
	enum jr_centre_status want)
{
	enum jr_centre_status got = 0;
	uint8_t h[JR_HASH_BYTES];

	block_hash(sblock, h);
	assert_int_equal(jr_centre_refusal(c, h, &got), JR_OK);
	assert_int_equal(got, want);
}

static void refused_as(struct jr_centre *c, const struct jr_buf *sblock,
	enum jr_centre_status want)
{
	struct jr_centre_result res;
	uint64_t size = jr_centre_tlog_size(c);

	upstream(c, sblock, 1, &res);
	assert_int_equal(res.blocks_refused, 1);
	assert_int_equal(res.blocks_applied, 0);
	assert_int_equal(res.regs_accepted, 0);
	status_of(c, sblock, want);
	assert_int_equal(jr_centre_tlog_size(c), size + 1); /* the refusal's leaf */
	upstream(c, sblock, 1, &res); /* recorded once */
	assert_false(res.changed);
	assert_int_equal(jr_centre_tlog_size(c), size + 1);
}

static void an_unknown_kiosk_is_refused_with_the_reason_recorded(void **state)
{
	struct jr_buf blocks[1];
	struct jr_centre *c = open_state("centre-unknown");
	struct jr_centre_kiosk_state ks;

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_c, 1, 1, 1, blocks);
	refused_as(c, blocks, JR_CS_UNKNOWN_KIOSK);
	kstate(c, kiosk_c, &ks);
	assert_false(ks.in_roster);
	assert_int_equal(ks.refusals, 1);
	jr_centre_close(c);
	free_bufs(blocks, 1);
}

static void a_revoked_kiosk_is_refused_from_its_revocation_height(void **state)
{
	struct jr_buf blocks[2];
	struct jr_centre *c = open_state("centre-revoked");
	struct jr_centre_result res;

	(void)state;
	roster(c, 1, 2);
	chain(kiosk_a, 2, 1, 1, blocks);
	upstream(c, blocks, 1, &res);
	assert_int_equal(res.blocks_applied, 1);
	refused_as(c, &blocks[1], JR_CS_REVOKED);
	jr_centre_close(c);
	free_bufs(blocks, 2);
}

static void a_forged_block_signature_is_refused(void **state)
{
	struct jr_buf blocks[1];
	struct jr_centre *c = open_state("centre-forged");

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_a, 1, 1, 1, blocks);
	blocks[0].base[blocks[0].len - 1] ^= 0x01; /* last byte of the signature */
	refused_as(c, blocks, JR_CS_BAD_SIGNATURE);
	jr_centre_close(c);
	free_bufs(blocks, 1);
}

/* One signature check per kiosk's run of blocks: the head's covers the
 * blocks below it in the same entry (their own signatures are kept, not
 * checked), and nothing else does. */
static void a_head_signature_authenticates_the_blocks_below_it(void **state)
{
	struct jr_buf blocks[4];
	struct jr_centre *c = open_state("centre-head-sig");
	struct jr_centre *d = open_state("centre-head-sig2");
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	size_t i;

	(void)state;
	roster(c, 1, 0);
	roster(d, 1, 0);
	chain(kiosk_a, 4, 1, 1, blocks);
	for (i = 0; i < 3; i++)
		blocks[i].base[blocks[i].len - 1] ^= 0x01; /* own signatures broken */
	/* alone, or with a gap above it, a block stands on its own signature */
	upstream(d, blocks, 1, &res);
	assert_int_equal(res.blocks_refused, 1);
	status_of(d, &blocks[0], JR_CS_BAD_SIGNATURE);
	{
		struct jr_buf gap[2] = { blocks[1], blocks[3] };

		upstream(d, gap, 2, &res);
	}
	assert_int_equal(res.blocks_refused, 1);
	assert_int_equal(res.blocks_pending, 1);
	status_of(d, &blocks[1], JR_CS_BAD_SIGNATURE);
	/* with its head in the same entry, in any order, the run is applied */
	{
		struct jr_buf shuffled[4] = { blocks[2], blocks[0], blocks[3], blocks[1] };

		upstream(c, shuffled, 4, &res);
	}
	assert_int_equal(res.blocks_applied, 4);
	assert_int_equal(res.blocks_refused, 0);
	assert_int_equal(res.regs_accepted, 4);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.head, 4);
	jr_centre_close(c);
	jr_centre_close(d);

	/* a head whose own signature fails covers nothing */
	c = open_state("centre-head-sig3");
	roster(c, 1, 0);
	blocks[3].base[blocks[3].len - 1] ^= 0x01;
	blocks[0].base[blocks[0].len - 1] ^= 0x01; /* block 1 mended */
	upstream(c, blocks, 4, &res);
	assert_int_equal(res.blocks_applied, 1);
	assert_int_equal(res.blocks_refused, 3);
	status_of(c, &blocks[3], JR_CS_BAD_SIGNATURE);
	status_of(c, &blocks[2], JR_CS_BAD_SIGNATURE);
	jr_centre_close(c);
	free_bufs(blocks, 4);
}

/* A block at or after its kiosk's revocation height covers nothing. */
static void a_revoked_head_covers_no_block_below_it(void **state)
{
	struct jr_buf blocks[3];
	struct jr_centre *c = open_state("centre-head-revoked");
	struct jr_centre_result res;

	(void)state;
	roster(c, 1, 3);
	chain(kiosk_a, 3, 1, 1, blocks);
	blocks[1].base[blocks[1].len - 1] ^= 0x01;
	upstream(c, blocks, 3, &res);
	assert_int_equal(res.blocks_applied, 1);
	assert_int_equal(res.blocks_refused, 2);
	status_of(c, &blocks[2], JR_CS_REVOKED);
	status_of(c, &blocks[1], JR_CS_BAD_SIGNATURE);
	jr_centre_close(c);
	free_bufs(blocks, 3);
}

static void a_block_signed_by_another_kiosk_is_refused(void **state)
{
	struct jr_buf recs[1], blk = { 0 };
	struct jr_centre *c = open_state("centre-otherkey");
	struct jr_registration r;
	uint8_t prev[JR_HASH_BYTES] = { 0 };

	(void)state;
	roster(c, 1, 0);
	worker(&r, kiosk_a, 1);
	seal(&r, &recs[0]);
	/* kiosk B signs a block that names kiosk A */
	block(kiosk_b, jr_key_id(kiosk_a), 1, prev, recs, 1, &blk);
	refused_as(c, &blk, JR_CS_BAD_SIGNATURE);
	jr_buf_free(&blk);
	jr_buf_free(&recs[0]);
	jr_centre_close(c);
}

/* Kiosk A signs a block of two records, the second made by `second`'s
 * kiosk and cut short by `cut` bytes: the whole block is refused as want,
 * the good first record included. */
static void two_record_block_refused_as(const char *name, const struct jr_key *second,
	size_t cut, enum jr_centre_status want)
{
	struct jr_buf recs[2], blk = { 0 };
	struct jr_centre *c = open_state(name);
	struct jr_registration r;
	uint8_t prev[JR_HASH_BYTES] = { 0 };

	roster(c, 1, 0);
	worker(&r, kiosk_a, 1);
	seal(&r, &recs[0]);
	worker(&r, second, 2);
	seal(&r, &recs[1]);
	recs[1].len -= cut;
	block(kiosk_a, NULL, 1, prev, recs, 2, &blk);
	refused_as(c, &blk, want);
	jr_buf_free(&blk);
	free_bufs(recs, 2);
	jr_centre_close(c);
}

static void a_record_of_another_kiosk_in_a_block_is_refused(void **state)
{
	(void)state;
	two_record_block_refused_as("centre-mismatch", kiosk_b, 0, JR_CS_KIOSK_MISMATCH);
}

/* Each record of a block is decoded and opened once, before the block is
 * checked: a record that does not decode (its ciphertext a byte short)
 * still refuses its whole signed block. */
static void a_signed_block_with_a_record_that_does_not_decode_is_malformed(void **state)
{
	(void)state;
	two_record_block_refused_as("centre-badrecord", kiosk_a, 1, JR_CS_MALFORMED);
}

static void a_block_that_breaks_the_chain_is_refused(void **state)
{
	struct jr_buf blocks[1], recs[1], wrong = { 0 };
	struct jr_centre *c = open_state("centre-break");
	struct jr_centre_result res;
	struct jr_registration r;
	uint8_t prev[JR_HASH_BYTES];

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_a, 1, 1, 1, blocks);
	upstream(c, blocks, 1, &res);
	memset(prev, 0x55, sizeof prev);
	worker(&r, kiosk_a, 2);
	seal(&r, &recs[0]);
	block(kiosk_a, NULL, 2, prev, recs, 1, &wrong);
	refused_as(c, &wrong, JR_CS_CHAIN_BREAK);
	jr_buf_free(&wrong);
	jr_buf_free(&recs[0]);
	free_bufs(blocks, 1);
	jr_centre_close(c);
}

static void malformed_entries_change_nothing(void **state)
{
	struct jr_buf blocks[1], e = { 0 };
	struct jr_centre *c = open_state("centre-malformed");
	struct jr_centre_result res;
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];
	static const uint8_t junk[] = { 0xa3, 0x00, 0x02, 0x01, 0x02, 0x02, 0x80 };
	static const uint8_t kind10[] = { 0xa3, 0x00, 0x01, 0x01, 0x0a, 0x02, 0x80 };
	static const uint8_t notbstr[] = { 0xa3, 0x00, 0x01, 0x01, 0x02, 0x02, 0x81, 0x01 };

	(void)state;
	roster(c, 1, 0);
	jr_centre_state_hash(c, h1);
	chain(kiosk_a, 1, 1, 1, blocks);
	assert_int_equal(jr_centre_upstream_entry(blocks, 1, &e), JR_OK);
	assert_int_equal(jr_centre_apply(c, e.base, e.len - 1, &res, NULL), JR_OK);
	assert_true(res.refused);
	assert_int_equal(jr_centre_apply(c, junk, sizeof junk, &res, NULL), JR_OK);
	assert_true(res.refused);
	assert_int_equal(jr_centre_apply(c, kind10, sizeof kind10, &res, NULL), JR_OK);
	assert_true(res.refused);
	assert_int_equal(jr_centre_apply(c, notbstr, sizeof notbstr, &res, NULL), JR_OK);
	assert_true(res.refused);
	assert_int_equal(jr_centre_apply(c, NULL, 0, &res, NULL), JR_OK);
	assert_true(res.refused);
	jr_centre_state_hash(c, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	jr_buf_free(&e);
	free_bufs(blocks, 1);
	jr_centre_close(c);
}

static void a_roster_not_signed_by_the_consortium_is_refused(void **state)
{
	struct jr_centre *c = open_state("centre-roster");
	struct jr_centre_kiosk k;
	struct jr_pubkey pc;
	struct jr_buf e = { 0 }, blocks[1];
	struct jr_centre_result res;
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];

	(void)state;
	roster(c, 1, 0);
	jr_key_public(kiosk_c, &pc);
	memcpy(k.sign_pk, pc.sign_pk, JR_SIGN_PK_BYTES);
	k.village = 3328012001u;
	k.revoked_from = 0;
	assert_int_equal(jr_centre_roster_entry(consortium, 2, &k, 1, &e), JR_OK);
	e.base[e.len - 1] ^= 1;
	apply(c, &e, &res);
	assert_true(res.refused);
	assert_int_equal(res.kiosks_set, 0);
	e.base[e.len - 1] ^= 1;
	chain(kiosk_c, 1, 1, 1, blocks);
	upstream(c, blocks, 1, &res);
	assert_int_equal(res.blocks_refused, 1); /* C still unknown */
	apply(c, &e, &res);
	assert_int_equal(res.kiosks_set, 1);
	jr_centre_state_hash(c, h1);
	apply(c, &e, &res); /* the same roster replayed: a no-op */
	assert_false(res.changed);
	jr_centre_state_hash(c, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	jr_buf_free(&e);
	{
		struct jr_pubkey pa;

		jr_key_public(kiosk_a, &pa);
		memcpy(k.sign_pk, pa.sign_pk, JR_SIGN_PK_BYTES);
		k.revoked_from = 1;
		assert_int_equal(jr_centre_roster_entry(consortium, 2, &k, 1, &e), JR_OK);
		apply(c, &e, &res); /* another roster with an old serial */
		assert_true(res.refused);
		assert_int_equal(res.kiosks_set, 0);
		jr_buf_free(&e);
	}
	upstream(c, blocks, 1, &res); /* C is in the roster now */
	assert_int_equal(res.blocks_applied, 1);
	free_bufs(blocks, 1);
	jr_centre_close(c);
}

/* ---- equivocation ---- */

/* Block `height` of a real shard of `kiosk` in `dir`, with one worker per
 * block from serial `first`. */
static void shard_blocks(const char *dir, const struct jr_key *kiosk, size_t n,
	unsigned first, struct jr_buf *out)
{
	char db[512], ctr[512];
	struct jr_shard *s = NULL;
	struct jr_errbuf eb = { 0 };
	size_t i;

	jr_test_path(db, sizeof db, dir, "shard.db");
	jr_test_path(ctr, sizeof ctr, dir, "counter");
	if (jr_shard_create(db, ctr, kiosk, &eb) != JR_OK ||
		jr_shard_open(db, ctr, kiosk, &s, &eb) != JR_OK)
		fail_msg("shard: %s", eb.msg);
	for (i = 0; i < n; i++) {
		struct jr_registration r;
		struct jr_buf rec = { 0 }, body = { 0 };
		const uint8_t *rp;
		uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
		uint64_t h = 0;

		worker(&r, kiosk, first + (unsigned)i);
		seal(&r, &rec);
		rp = rec.base;
		if (jr_shard_append(s, T0 + (int64_t)i, &rp, &rec.len, 1, NULL, 0, &h, hash,
			&eb) != JR_OK || jr_shard_get(s, h, &body, sig, &eb) != JR_OK)
			fail_msg("shard append: %s", eb.msg);
		assert_int_equal(jr_signed_block_encode(body.base, body.len, sig, &out[i]),
			JR_OK);
		jr_buf_free(&body);
		jr_buf_free(&rec);
	}
	jr_shard_close(s);
}

static void an_equivocating_kiosk_is_flagged_with_both_blocks_kept(void **state)
{
	struct jr_buf one[3], two[3];
	struct jr_centre *c = open_state("centre-equivocate");
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	struct jr_centre_reg reg;
	enum jr_centre_status st = 0;
	uint8_t regid[JR_REGID_BYTES], h[JR_HASH_BYTES];

	(void)state;
	roster(c, 1, 0);
	/* one key, two shards: the second is what a restored backup signs */
	shard_blocks(jr_test_dir("centre-eq-shard1"), kiosk_a, 3, 1, one);
	shard_blocks(jr_test_dir("centre-eq-shard2"), kiosk_a, 3, 50, two);
	upstream(c, one, 3, &res);
	assert_int_equal(res.regs_accepted, 3);
	upstream(c, &two[1], 1, &res); /* a second block at height 2 */
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.flagged_from, 2);
	assert_int_equal(ks.evidence, 2);
	block_hash(&two[1], h);
	assert_int_equal(jr_centre_refusal(c, h, &st), JR_OK);
	assert_int_equal(st, JR_CS_EQUIVOCATION);
	/* registrations from height 2 on are held, height 1 is not */
	regid_in_block(&one[0], 0, regid);
	assert_int_equal(jr_centre_registration(c, regid, &reg), JR_OK);
	assert_false(reg.held);
	regid_in_block(&one[2], 0, regid);
	assert_int_equal(jr_centre_registration(c, regid, &reg), JR_OK);
	assert_true(reg.held);
	free_bufs(one, 3);
	free_bufs(two, 3);
	jr_centre_close(c);
}

/* Evidence stands on its own: a rival block that came in covered by the
 * block above it, with a signature of its own that fails, is refused, and
 * the rival above it (its own signature checked) is the equivocation. */
static void a_rival_without_its_own_signature_is_not_evidence(void **state)
{
	struct jr_buf one[3], two[3];
	struct jr_centre *c = open_state("centre-eq-own");
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;

	(void)state;
	roster(c, 1, 0);
	shard_blocks(jr_test_dir("centre-eqo-shard1"), kiosk_a, 3, 1, one);
	shard_blocks(jr_test_dir("centre-eqo-shard2"), kiosk_a, 3, 50, two);
	upstream(c, one, 3, &res);
	two[1].base[two[1].len - 1] ^= 0x01;
	upstream(c, &two[1], 2, &res);
	status_of(c, &two[1], JR_CS_BAD_SIGNATURE);
	status_of(c, &two[2], JR_CS_EQUIVOCATION);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.flagged_from, 3);
	assert_int_equal(ks.evidence, 2);
	free_bufs(one, 3);
	free_bufs(two, 3);
	jr_centre_close(c);
}

static void a_pending_block_with_a_rival_is_an_equivocation(void **state)
{
	struct jr_buf one[3], two[3];
	struct jr_centre *c = open_state("centre-eq-pending");
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	struct jr_centre_reg reg;
	uint8_t regid[JR_REGID_BYTES];

	(void)state;
	roster(c, 1, 0);
	shard_blocks(jr_test_dir("centre-eqp-shard1"), kiosk_a, 3, 1, one);
	shard_blocks(jr_test_dir("centre-eqp-shard2"), kiosk_a, 3, 50, two);
	upstream(c, &one[2], 1, &res);
	upstream(c, &two[2], 1, &res);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.flagged_from, 3);
	assert_int_equal(ks.pending, 1);
	assert_int_equal(ks.evidence, 2);
	upstream(c, one, 2, &res);
	kstate(c, kiosk_a, &ks);
	assert_int_equal(ks.head, 3);
	assert_int_equal(ks.pending, 0);
	regid_in_block(&one[2], 0, regid);
	assert_int_equal(jr_centre_registration(c, regid, &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_HELD);
	assert_int_equal(res.regs_held, 1);
	assert_int_equal(res.regs_accepted, 2);
	free_bufs(one, 3);
	free_bufs(two, 3);
	jr_centre_close(c);
}

/* ---- workers and rules ---- */

static void the_same_worker_at_two_kiosks_is_one_worker_and_a_duplicate(void **state)
{
	struct jr_buf a[1], b[1];
	struct jr_centre *c = open_state("centre-dup");
	struct jr_centre_result res;
	struct jr_centre_reg ra, rb;
	uint8_t ida[JR_REGID_BYTES], idb[JR_REGID_BYTES];

	(void)state;
	roster(c, 1, 0);
	chain(kiosk_a, 1, 1, 42, a);
	chain(kiosk_b, 1, 1, 42, b); /* the same synthetic NIK */
	upstream(c, a, 1, &res);
	upstream(c, b, 1, &res);
	assert_int_equal(res.regs_duplicate, 1);
	regid_in_block(a, 0, ida);
	regid_in_block(b, 0, idb);
	assert_int_equal(jr_centre_registration(c, ida, &ra), JR_OK);
	assert_int_equal(jr_centre_registration(c, idb, &rb), JR_OK);
	assert_int_equal(ra.outcome, JR_CO_ACCEPTED);
	assert_int_equal(rb.outcome, JR_CO_DUPLICATE);
	assert_true(rb.has_duplicate_of);
	assert_memory_equal(rb.duplicate_of, ida, JR_REGID_BYTES);
	assert_memory_equal(ra.pseudonym, rb.pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
	assert_int_equal(rb.reasons.n, 1);
	assert_int_equal(rb.reasons.reasons[0], JR_R_ALREADY_REGISTERED);
	assert_int_equal(ra.district, 332801);
	free_bufs(a, 1);
	free_bufs(b, 1);
	jr_centre_close(c);
}

static void a_registration_failing_a_rule_is_returned_with_reason_codes(void **state)
{
	struct jr_buf recs[2], blk = { 0 };
	struct jr_centre *c = open_state("centre-rule");
	struct jr_centre_result res;
	struct jr_centre_reg reg;
	struct jr_registration r;
	uint8_t prev[JR_HASH_BYTES] = { 0 }, regid[JR_REGID_BYTES];

	(void)state;
	roster(c, 1, 0);
	worker(&r, kiosk_a, 1);
	r.income = JR_INCOME_3M_PLUS;
	r.occupation = JR_OCC_FARMER;
	seal(&r, &recs[0]);
	worker(&r, kiosk_a, 1); /* then the same worker, eligible */
	seal(&r, &recs[1]);
	block(kiosk_a, NULL, 1, prev, recs, 2, &blk);
	upstream(c, &blk, 1, &res);
	assert_int_equal(res.regs_returned, 1);
	assert_int_equal(res.regs_accepted, 1); /* a returned one claims no worker */
	regid_in_block(&blk, 0, regid);
	assert_int_equal(jr_centre_registration(c, regid, &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_RETURNED);
	assert_int_equal(reg.reasons.n, 1);
	assert_int_equal(reg.reasons.reasons[0], JR_R_INCOME_OVER_CEILING);
	jr_buf_free(&blk);
	free_bufs(recs, 2);
	jr_centre_close(c);
}

struct collected {
	struct jr_status s[8];
	size_t n;
	int stop_after; /* 0: never */
};

static int collect(void *arg, const struct jr_status *st)
{
	struct collected *c = arg;

	if (c->stop_after != 0 && (int)c->n == c->stop_after)
		return JR_EIO;
	assert_true(c->n < 8);
	c->s[c->n++] = *st;
	return JR_OK;
}

static void statuses_of_a_kiosk_say_returned_received_and_duplicate(void **state)
{
	struct jr_buf recs[2], blk = { 0 }, b[1];
	struct jr_centre *c = open_state("centre-statuses");
	struct jr_centre_result res;
	struct jr_registration r;
	struct collected got;
	uint8_t prev[JR_HASH_BYTES] = { 0 }, regid[JR_REGID_BYTES];
	uint64_t n = 0;

	(void)state;
	roster(c, 1, 0);
	worker(&r, kiosk_a, 7);
	r.income = JR_INCOME_3M_PLUS;
	r.occupation = JR_OCC_FARMER;
	seal(&r, &recs[0]);
	worker(&r, kiosk_a, 7);
	seal(&r, &recs[1]);
	block(kiosk_a, NULL, 1, prev, recs, 2, &blk);
	upstream(c, &blk, 1, &res);
	chain(kiosk_b, 1, 1, 7, b); /* the same worker again, at kiosk B */
	upstream(c, b, 1, &res);

	memset(&got, 0, sizeof got);
	assert_int_equal(jr_centre_statuses(c, jr_key_id(kiosk_a), collect, &got, &n, NULL),
		JR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(got.n, 2);
	for (size_t i = 0; i < 2; i++) {
		regid_in_block(&blk, i, regid);
		for (size_t j = 0; j < 2; j++) {
			if (memcmp(got.s[j].regid, regid, JR_REGID_BYTES) != 0)
				continue;
			if (i == 0) {
				assert_int_equal(got.s[j].state, JR_ST_RETURNED);
				assert_int_equal(got.s[j].n_reasons, 1);
				assert_int_equal(got.s[j].reasons[0], JR_R_INCOME_OVER_CEILING);
			} else {
				assert_int_equal(got.s[j].state, JR_ST_IN_REVIEW);
				assert_int_equal(got.s[j].approvals, 0);
				assert_int_equal(got.s[j].agencies, 4);
			}
		}
	}
	assert_true(memcmp(got.s[0].regid, got.s[1].regid, JR_REGID_BYTES) < 0);
	memset(&got, 0, sizeof got);
	assert_int_equal(jr_centre_statuses(c, jr_key_id(kiosk_b), collect, &got, &n, NULL),
		JR_OK);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.s[0].state, JR_ST_REJECTED);
	assert_int_equal(got.s[0].reasons[0], JR_R_ALREADY_REGISTERED);
	/* Another kiosk's statuses are never handed out, and a callback's
	 * error stops the walk with its code. */
	memset(&got, 0, sizeof got);
	got.stop_after = 1;
	assert_int_equal(jr_centre_statuses(c, jr_key_id(kiosk_a), collect, &got, &n, NULL),
		JR_EIO);
	assert_int_equal(n, 1);
	assert_int_equal(jr_centre_statuses(c, prev, collect, &got, &n, NULL), JR_OK);
	assert_int_equal(n, 0);
	free_bufs(b, 1);
	jr_buf_free(&blk);
	free_bufs(recs, 2);
	jr_centre_close(c);
}

/* ---- determinism and privacy ---- */

static void apply_all(struct jr_centre *c, const struct jr_buf *entries, size_t n)
{
	struct jr_centre_result res;
	size_t i;

	for (i = 0; i < n; i++)
		apply(c, &entries[i], &res);
}

/* The state hash of a fresh state file (in a new folder `name`) after
 * entries: the reference a test compares another way of applying with. */
static void hash_of_fresh(const char *name, const struct jr_buf *entries,
	size_t n, uint8_t out[JR_HASH_BYTES])
{
	struct jr_centre *c = open_state(name);

	apply_all(c, entries, n);
	jr_centre_state_hash(c, out);
	jr_centre_close(c);
}

static void build_mixed_entries(struct jr_buf *entries, size_t *n)
{
	struct jr_buf a[4], b[3];
	struct jr_centre_kiosk k[2];
	struct jr_pubkey pa, pb;

	jr_key_public(kiosk_a, &pa);
	jr_key_public(kiosk_b, &pb);
	memcpy(k[0].sign_pk, pa.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(k[1].sign_pk, pb.sign_pk, JR_SIGN_PK_BYTES);
	k[0].village = 3328012001u;
	k[1].village = 3376041007u;
	k[0].revoked_from = k[1].revoked_from = 0;
	chain(kiosk_a, 4, 2, 1, a);
	chain(kiosk_b, 3, 2, 5, b); /* serials 5..10: 5..8 also at kiosk A */
	assert_int_equal(jr_centre_roster_entry(consortium, 1, k, 2, &entries[0]), JR_OK);
	assert_int_equal(jr_centre_upstream_entry(&a[2], 2, &entries[1]), JR_OK);
	assert_int_equal(jr_centre_upstream_entry(b, 3, &entries[2]), JR_OK);
	assert_int_equal(jr_centre_upstream_entry(a, 2, &entries[3]), JR_OK);
	*n = 4;
	free_bufs(a, 4);
	free_bufs(b, 3);
}

static void two_processes_reach_byte_identical_state_hashes(void **state)
{
	struct jr_buf entries[4];
	struct jr_centre *c;
	uint8_t mine[JR_HASH_BYTES], theirs[JR_HASH_BYTES];
	size_t n = 0;
	int fds[2], status = 0;
	pid_t pid;

	(void)state;
	build_mixed_entries(entries, &n);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct jr_centre *cc = open_state("centre-proc-child");

		apply_all(cc, entries, n);
		jr_centre_state_hash(cc, mine);
		jr_centre_close(cc);
		_exit(write(fds[1], mine, sizeof mine) == (ssize_t)sizeof mine ? 0 : 1);
	}
	close(fds[1]);
	c = open_state("centre-proc-parent");
	apply_all(c, entries, n);
	jr_centre_state_hash(c, mine);
	assert_int_equal(read(fds[0], theirs, sizeof theirs), (ssize_t)sizeof theirs);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_equal(mine, theirs, JR_HASH_BYTES);
	jr_centre_close(c);
	free_bufs(entries, n);
}

static bool contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle), i;

	for (i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

static void assert_clean(const uint8_t *p, size_t n, const char *what)
{
	unsigned s;

	for (s = 1; s <= 10; s++) {
		struct jr_registration r;

		worker(&r, kiosk_a, s);
		if (contains(p, n, r.nik) || contains(p, n, r.name) || contains(p, n, r.phone) ||
			contains(p, n, r.nik + 6) || contains(p, n, "Sintetis"))
			fail_msg("%s holds personal data of synthetic worker %u", what, s);
	}
}

static void the_log_and_the_state_file_hold_no_personal_data(void **state)
{
	struct jr_buf entries[4], leaf = { 0 }, file = { 0 };
	const char *dir = jr_test_dir("centre-privacy");
	struct jr_centre *c;
	char path[512];
	size_t n = 0;
	uint64_t i, size;

	(void)state;
	c = open_in(dir);
	build_mixed_entries(entries, &n);
	apply_all(c, entries, n);
	size = jr_centre_tlog_size(c);
	assert_int_equal(size, 1 + 7 + 14);
	for (i = 0; i < size; i++) {
		assert_int_equal(jr_centre_leaf(c, i, &leaf), JR_OK);
		assert_clean(leaf.base, leaf.len, "a leaf");
		jr_buf_free(&leaf);
	}
	/* the probe finds what it looks for */
	assert_true(contains((const uint8_t *)"xx3328014107900001", 18, "332801410790"));
	jr_centre_close(c);
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(jr_file_read(path, (size_t)1 << 30, &file, NULL), JR_OK);
	assert_true(file.len > 4096);
	assert_clean(file.base, file.len, "the state file");
	jr_buf_free(&file);
	free_bufs(entries, n);
}

static void a_state_file_of_another_policy_is_refused(void **state)
{
	const char *dir = jr_test_dir("centre-policy");
	struct jr_centre *c = open_in(dir);
	struct jr_policy other = policy;
	char path[512];
	struct jr_centre *d = NULL;

	(void)state;
	jr_centre_close(c);
	other.min_age = 17;
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(jr_centre_open(path, consortium, pkey, &other, &d, NULL), JR_EINVAL);
	assert_null(d);
	assert_int_equal(jr_centre_open(path, kiosk_a, pkey, &policy, &d, NULL), JR_EKEY);
}

/* ---- worked examples of docs/centre.md ---- */

static void check_example(const char *marker, const struct jr_buf *got)
{
	char *text, hex[8192];
	uint8_t want[4096];
	size_t n, i;

	if (getenv("JR_PRINT_EXAMPLES") != NULL) {
		jr_hex(got->base, got->len, hex);
		printf("%s\n```\n", marker);
		for (i = 0; i < 2 * got->len; i += 64)
			printf("%.64s\n", hex + i);
		printf("```\n");
	}
	text = jr_test_doc_block("docs/centre.md", marker);
	n = jr_test_unhex(text, want, sizeof want);
	free(text);
	assert_int_equal(n, got->len);
	assert_memory_equal(want, got->base, n);
}

static void the_worked_roster_entry_is_the_one_the_code_builds(void **state)
{
	struct jr_centre_kiosk k;
	struct jr_pubkey pa;
	struct jr_buf e = { 0 };

	(void)state;
	jr_key_public(kiosk_a, &pa);
	memcpy(k.sign_pk, pa.sign_pk, JR_SIGN_PK_BYTES);
	k.village = 3328012001u;
	k.revoked_from = 0;
	assert_int_equal(jr_centre_roster_entry(consortium, 1, &k, 1, &e), JR_OK);
	check_example("Worked example: roster entry", &e);
	jr_buf_free(&e);
}

static void the_worked_leaves_are_the_ones_the_code_builds(void **state)
{
	struct jr_verdict v = { 1, { JR_R_INCOME_OVER_CEILING } };
	uint8_t regid[JR_REGID_BYTES], ps[JR_CENTRE_PSEUDONYM_BYTES], h[JR_HASH_BYTES];
	struct jr_buf leaf = { 0 };

	(void)state;
	memset(regid, 0x11, sizeof regid);
	memset(ps, 0x22, sizeof ps);
	memset(h, 0x33, sizeof h);
	assert_int_equal(jr_centre_leaf_reg(regid, ps, 332801, JR_CO_RETURNED, &v, NULL,
		&leaf),
		JR_OK);
	check_example("Worked example: registration leaf", &leaf);
	jr_buf_free(&leaf);
	assert_int_equal(jr_centre_leaf_block(jr_key_id(kiosk_a), 2, h, JR_CS_APPLIED, &leaf),
		JR_OK);
	check_example("Worked example: block leaf", &leaf);
	jr_buf_free(&leaf);
}

/* The size of the log a reader on its own connection sees in the file. */
static uint64_t committed_size(const char *path)
{
	struct jr_centre *r = NULL;
	struct jr_errbuf eb = { 0 };
	uint64_t n;

	if (jr_centre_open_reader(path, consortium, &r, &eb) != JR_OK ||
	    jr_centre_read_begin(r, &eb) != JR_OK)
		fail_msg("reader: %s", eb.msg);
	n = jr_centre_tlog_size(r);
	jr_centre_read_end(r);
	jr_centre_close(r);
	return n;
}

static int64_t page_size_of(const char *path)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A new state file has 16 KiB pages; one made with SQLite's 4 KiB pages
 * (a node's file from before) opens, applies the same entries and reaches
 * the same state hash: the page size is no part of the state. */
static void a_state_file_of_4_kib_pages_reaches_the_same_state_hash(void **state)
{
	struct jr_buf entries[4];
	struct jr_centre *c;
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];
	const char *dir16 = jr_test_dir("centre-page16"), *dir4 = jr_test_dir("centre-page4");
	char path[512];
	sqlite3 *db = NULL;
	size_t n = 0;

	(void)state;
	build_mixed_entries(entries, &n);
	c = open_in(dir16);
	apply_all(c, entries, n);
	jr_centre_state_hash(c, h1);
	jr_centre_close(c);
	jr_test_path(path, sizeof path, dir16, "state.db");
	assert_int_equal(page_size_of(path), 16384);

	jr_test_path(path, sizeof path, dir4, "state.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA page_size=4096; CREATE TABLE older(x);"
		" DROP TABLE older", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(page_size_of(path), 4096);
	c = open_in(dir4);
	apply_all(c, entries, n);
	jr_centre_state_hash(c, h2);
	jr_centre_close(c);
	assert_int_equal(page_size_of(path), 4096);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	free_bufs(entries, n);
}

/* A state file from before the worker claims (table worker(pseudonym,
 * regid)) is refused by a reader, and carried over by a writer: it then
 * reaches the state hash of a file that had claims all along, the
 * duplicates of the last entry found through the carried claims. */
static void swap_entries(struct jr_buf *a, struct jr_buf *b)
{
	struct jr_buf t = *a;

	*a = *b;
	*b = t;
}

/* The registration ids as a file from before the recent and main tables
 * kept them: a unique index on registration(regid). */
#define OLD_REGID_INDEX "CREATE UNIQUE INDEX registration_by_regid ON" \
	" registration(regid); DROP TABLE regid_recent; DROP TABLE regid_main;"

static int64_t rows_of(const char *path, const char *q)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/* A file of the oldest layout (the worker table, the unique index on the
 * registration ids) is refused by a reader and carried over by a writer:
 * the entries after it are judged against what it held (the second kiosk's
 * bundle repeats four workers of the first's), to the state hash of a file
 * that was never old. */
static void a_state_file_of_the_worker_table_carries_over(void **state)
{
	struct jr_buf entries[4];
	struct jr_centre *c;
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];
	const char *dir = jr_test_dir("centre-worker-old");
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };
	char path[512];
	sqlite3 *db = NULL;
	size_t n = 0;

	(void)state;
	build_mixed_entries(entries, &n);
	/* roster, kiosk B's bundle (its six workers claimed), then kiosk A's
	 * blocks 3..4 (they wait) and 1..2 (which let all four in): A's
	 * workers 5..8 are B's */
	swap_entries(&entries[1], &entries[2]);
	hash_of_fresh("centre-worker-new", entries, n, h1);

	c = open_in(dir);
	apply_all(c, entries, 2);
	jr_centre_close(c);
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE worker(pseudonym BLOB PRIMARY KEY,"
		" regid BLOB NOT NULL) WITHOUT ROWID; INSERT INTO worker SELECT r.pseudonym,"
		" r.regid FROM (SELECT leaf FROM claim UNION ALL SELECT leaf FROM claim_recent) w"
		" JOIN registration r ON r.leaf = w.leaf; DROP TABLE claim; DROP TABLE claim_recent;"
		" DROP TABLE claim_more;" OLD_REGID_INDEX, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(rows_of(path, "SELECT count(*) FROM worker"), 6);
	assert_int_equal(jr_centre_open_reader(path, NULL, &c, &eb), JR_EFORMAT);
	assert_non_null(strstr(eb.msg, "open it once for writing"));
	c = open_in(dir);
	apply(c, &entries[2], &res);
	apply(c, &entries[3], &res);
	assert_int_equal(res.regs_duplicate, 4);
	jr_centre_state_hash(c, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	jr_centre_close(c);
	assert_int_equal(rows_of(path, "SELECT count(*) FROM sqlite_master WHERE name IN"
		" ('worker', 'registration_by_regid')"), 0);
	free_bufs(entries, n);
}

/* A file with the unique index on registration ids and the claim tables
 * (the layout before the recent and main tables): a reader refuses it, a
 * writer moves every id into regid_main and drops the index; the id is
 * found there, and a later block that carries the same record again is a
 * no-op for it. */
static void regid_index_case(const char *name, const char *make_old)
{
	struct jr_buf first = { 0 }, again = { 0 };
	const char *dir = jr_test_dir(name);
	struct jr_centre *c = open_in(dir);
	struct jr_centre_reg reg;
	struct jr_errbuf eb = { 0 };
	uint8_t id[JR_REGID_BYTES];
	char path[512];
	sqlite3 *db = NULL;

	one_record_twice(c, &first, &again);
	jr_centre_close(c);
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, make_old, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(jr_centre_open_reader(path, NULL, &c, &eb), JR_EFORMAT);
	assert_non_null(strstr(eb.msg, "registration_by_regid"));
	assert_non_null(strstr(eb.msg, "open it once for writing"));
	c = open_in(dir);
	assert_int_equal(rows_of(path, "SELECT count(*) FROM regid_main"), 1);
	assert_int_equal(rows_of(path, "SELECT count(*) FROM regid_recent"), 0);
	assert_int_equal(rows_of(path, "SELECT count(*) FROM sqlite_master WHERE"
		" name = 'registration_by_regid'"), 0);
	regid_in_block(&first, 0, id);
	assert_int_equal(jr_centre_registration(c, id, &reg), JR_OK);
	assert_int_equal(reg.outcome, JR_CO_ACCEPTED);
	applied_as_known(c, &again);
	jr_centre_close(c);
	jr_buf_free(&first);
}

static void a_state_file_of_the_regid_index_carries_over(void **state)
{
	(void)state;
	regid_index_case("centre-regid-old", OLD_REGID_INDEX);
	/* this version's file, then an older one's open (the index made anew,
	 * the tables kept as they were): the ids are moved anew, not twice */
	regid_index_case("centre-regid-downgraded", "CREATE UNIQUE INDEX"
		" registration_by_regid ON registration(regid)");
}

/* The filters of the main tables' keys, made small (512 bits, 32 keys)
 * so that they are built anew as they fill, with every key moved at once
 * (recent_max 1): 80 workers at kiosk A, then the same 80 at kiosk B, are
 * 80 duplicates (each claim found through the filter of claim's tags), and
 * every registration id is known through the filter of regid_main's. */
static void the_filters_rebuilt_as_they_fill_miss_no_key(void **state)
{
	struct jr_buf a[10], b[10];
	struct jr_centre *c = open_state("centre-filter");
	struct jr_centre_result res;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;

	(void)state;
	jr_centre_set_recent_max(c, 1);
	assert_int_equal(jr_centre_set_filter_min_bits(c, 500), JR_EINVAL);
	assert_int_equal(jr_centre_set_filter_min_bits(c, 512), JR_OK);
	roster(c, 1, 0);
	chain(kiosk_a, 10, 8, 1, a);
	chain(kiosk_b, 10, 8, 1, b);
	upstream(c, a, 10, &res);
	assert_int_equal(res.regs_accepted, 80);
	upstream(c, b, 10, &res);
	assert_int_equal(res.regs_duplicate, 80);
	assert_true(c->filter[JR_RECENT_CLAIM].nbits > 512);
	assert_true(c->filter[JR_RECENT_REGID].nbits > 512);
	assert_int_equal(sqlite3_prepare_v2(jr_centre_db(c), "SELECT regid FROM registration",
		-1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		bool known = false;

		assert_int_equal(jr_centre_regid_put(c, sqlite3_column_blob(st, 0), 1u << 30,
			&known), JR_OK);
		assert_true(known);
		n++;
	}
	sqlite3_finalize(st);
	assert_int_equal(n, 160);
	free_bufs(a, 10);
	free_bufs(b, 10);
	jr_centre_close(c);
}

/* Registration ids and claims move from the recent tables into the main
 * ones when a recent table is full (recent.c): with 1 or 2 rows at most,
 * they move all the time, and nothing changes but where the rows are. Every
 * id finds its row, every entry applied again is a no-op, and the state
 * hashes are those of the default. */
static void where_ids_and_claims_are_kept_changes_no_result(void **state)
{
	struct jr_buf entries[4];
	uint8_t h0[JR_HASH_BYTES], h[JR_HASH_BYTES];
	size_t n = 0, i;
	uint64_t max;

	(void)state;
	build_mixed_entries(entries, &n);
	hash_of_fresh("centre-recent-default", entries, n, h0);
	for (max = 1; max <= 2; max++) {
		struct jr_centre *c = open_state(max == 1 ? "centre-recent-1" : "centre-recent-2");
		struct jr_centre_result res;
		sqlite3_stmt *st = NULL;
		int64_t in_main = 0, regs = 0;

		jr_centre_set_recent_max(c, max);
		apply_all(c, entries, n);
		jr_centre_state_hash(c, h);
		assert_memory_equal(h0, h, JR_HASH_BYTES);
		for (i = 1; i < n; i++) {
			apply(c, &entries[i], &res);
			assert_false(res.changed);
		}
		jr_centre_state_hash(c, h);
		assert_memory_equal(h0, h, JR_HASH_BYTES);
		assert_int_equal(jr_centre_int_of(jr_centre_db(c), "SELECT count(*) FROM"
			" regid_main", &in_main), JR_OK);
		assert_int_equal(jr_centre_int_of(jr_centre_db(c), "SELECT count(*) FROM"
			" registration", &regs), JR_OK);
		assert_true(in_main >= regs - (int64_t)max && in_main > 0);
		assert_int_equal(jr_centre_int_of(jr_centre_db(c), "SELECT count(*) FROM claim",
			&in_main), JR_OK);
		assert_true(in_main > 0);
		/* each registration's id finds its own row */
		assert_int_equal(sqlite3_prepare_v2(jr_centre_db(c), "SELECT regid, leaf FROM"
			" registration", -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct jr_centre_reg reg;
			struct jr_status s;
			struct jr_errbuf eb = { 0 };

			assert_int_equal(sqlite3_column_bytes(st, 0), JR_REGID_BYTES);
			assert_int_equal(jr_centre_registration(c, sqlite3_column_blob(st, 0), &reg),
				JR_OK);
			assert_int_equal(reg.leaf, (uint64_t)sqlite3_column_int64(st, 1));
			assert_int_equal(jr_centre_status(c, sqlite3_column_blob(st, 0), &s, &eb),
				JR_OK);
		}
		sqlite3_finalize(st);
		jr_centre_close(c);
	}
	free_bufs(entries, n);
}

static void group_commit_changes_no_hash_and_readers_see_only_what_is_committed(
	void **state)
{
	struct jr_buf entries[4];
	struct jr_centre *group;
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };
	uint8_t h1[JR_HASH_BYTES], h2[JR_HASH_BYTES];
	const char *dir = jr_test_dir("centre-group");
	char path[512];
	size_t n = 0;

	(void)state;
	build_mixed_entries(entries, &n);
	hash_of_fresh("centre-group-each", entries, n, h1);

	group = open_in(dir);
	jr_test_path(path, sizeof path, dir, "state.db");
	assert_int_equal(jr_centre_set_group_commit(group, true, &eb), JR_OK);
	assert_false(jr_centre_uncommitted(group));
	apply_all(group, entries, n);
	jr_centre_state_hash(group, h2);
	assert_memory_equal(h1, h2, JR_HASH_BYTES);
	assert_true(jr_centre_tlog_size(group) > 0);
	/* applied, visible here, not yet in the file for another connection */
	assert_true(jr_centre_uncommitted(group));
	assert_int_equal(committed_size(path), 0);
	{
		/* another process opens the file to read it (jaring-node
		 * export) while the transaction is open: no write lock needed */
		struct jr_centre *other = NULL;

		assert_int_equal(jr_centre_open(path, consortium, pkey, &policy, &other, &eb),
			JR_OK);
		assert_int_equal(jr_centre_tlog_size(other), 0);
		jr_centre_close(other);
	}
	assert_int_equal(jr_centre_commit(group, &eb), JR_OK);
	assert_false(jr_centre_uncommitted(group));
	assert_int_equal(committed_size(path), jr_centre_tlog_size(group));
	assert_int_equal(jr_centre_commit(group, &eb), JR_OK); /* nothing waits */
	jr_centre_close(group);

	/* An entry that fails takes the open transaction back with it, the
	 * entries before it since the last commit too, and the handle applies
	 * nothing more: what is committed stays. */
	{
		const char *fdir = jr_test_dir("centre-group-fail");
		uint64_t kept;

		group = open_in(fdir);
		jr_test_path(path, sizeof path, fdir, "state.db");
		assert_int_equal(jr_centre_set_group_commit(group, true, &eb), JR_OK);
		apply(group, &entries[0], &res);
		apply(group, &entries[1], &res);
		assert_int_equal(jr_centre_commit(group, &eb), JR_OK);
		kept = committed_size(path);
		assert_int_equal(kept, jr_centre_tlog_size(group));
		/* the first entry of a group fails alone: nothing else to lose */
		assert_int_equal(sqlite3_exec(jr_centre_db(group), "CREATE TRIGGER injected"
			" BEFORE INSERT ON leaf BEGIN SELECT RAISE(ABORT, 'injected'); END",
			NULL, NULL, NULL), SQLITE_OK);
		assert_int_not_equal(jr_centre_apply(group, entries[2].base, entries[2].len,
			&res, &eb), JR_OK);
		assert_int_equal(jr_centre_tlog_size(group), kept);
		assert_int_equal(sqlite3_exec(jr_centre_db(group), "DROP TRIGGER injected",
			NULL, NULL, NULL), SQLITE_OK);
		memset(&eb, 0, sizeof eb);
		apply(group, &entries[2], &res);
		assert_true(jr_centre_tlog_size(group) > kept);
		assert_int_equal(sqlite3_exec(jr_centre_db(group), "CREATE TRIGGER injected"
			" BEFORE INSERT ON leaf BEGIN SELECT RAISE(ABORT, 'injected'); END",
			NULL, NULL, NULL), SQLITE_OK);
		assert_int_not_equal(jr_centre_apply(group, entries[3].base, entries[3].len,
			&res, &eb), JR_OK);
		assert_non_null(strstr(eb.msg, "cannot continue"));
		assert_false(jr_centre_uncommitted(group));
		memset(&eb, 0, sizeof eb);
		assert_int_equal(jr_centre_apply(group, entries[3].base, entries[3].len, &res,
			&eb), JR_EIO);
		assert_non_null(strstr(eb.msg, "rolled back"));
		assert_int_equal(committed_size(path), kept);
		jr_centre_close(group);
	}
	free_bufs(entries, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_chain_in_order_and_in_shuffled_bundles_reaches_one_state_hash),
		cmocka_unit_test(statuses_of_a_kiosk_say_returned_received_and_duplicate),
		cmocka_unit_test(the_same_entry_twice_is_a_no_op_with_the_same_hash),
		cmocka_unit_test(a_registration_id_seen_before_is_a_no_op),
		cmocka_unit_test(a_gap_waits_and_fills_without_blocking_another_kiosk),
		cmocka_unit_test(an_unknown_kiosk_is_refused_with_the_reason_recorded),
		cmocka_unit_test(a_revoked_kiosk_is_refused_from_its_revocation_height),
		cmocka_unit_test(a_forged_block_signature_is_refused),
		cmocka_unit_test(a_head_signature_authenticates_the_blocks_below_it),
		cmocka_unit_test(a_revoked_head_covers_no_block_below_it),
		cmocka_unit_test(a_block_signed_by_another_kiosk_is_refused),
		cmocka_unit_test(a_record_of_another_kiosk_in_a_block_is_refused),
		cmocka_unit_test(a_signed_block_with_a_record_that_does_not_decode_is_malformed),
		cmocka_unit_test(a_block_that_breaks_the_chain_is_refused),
		cmocka_unit_test(malformed_entries_change_nothing),
		cmocka_unit_test(a_roster_not_signed_by_the_consortium_is_refused),
		cmocka_unit_test(an_equivocating_kiosk_is_flagged_with_both_blocks_kept),
		cmocka_unit_test(a_pending_block_with_a_rival_is_an_equivocation),
		cmocka_unit_test(a_rival_without_its_own_signature_is_not_evidence),
		cmocka_unit_test(the_same_worker_at_two_kiosks_is_one_worker_and_a_duplicate),
		cmocka_unit_test(a_registration_failing_a_rule_is_returned_with_reason_codes),
		cmocka_unit_test(two_processes_reach_byte_identical_state_hashes),
		cmocka_unit_test(a_state_file_of_4_kib_pages_reaches_the_same_state_hash),
		cmocka_unit_test(group_commit_changes_no_hash_and_readers_see_only_what_is_committed),
		cmocka_unit_test(a_state_file_of_the_worker_table_carries_over),
		cmocka_unit_test(a_state_file_of_the_regid_index_carries_over),
		cmocka_unit_test(where_ids_and_claims_are_kept_changes_no_result),
		cmocka_unit_test(the_filters_rebuilt_as_they_fill_miss_no_key),
		cmocka_unit_test(the_log_and_the_state_file_hold_no_personal_data),
		cmocka_unit_test(a_state_file_of_another_policy_is_refused),
		cmocka_unit_test(the_worked_roster_entry_is_the_one_the_code_builds),
		cmocka_unit_test(the_worked_leaves_are_the_ones_the_code_builds),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
