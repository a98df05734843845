/*
 * The seed corpora of the centre's fuzz targets (tests/fuzz/fuzz_centre_entry.c,
 * fuzz_centre_act.c, fuzz_centre_leaf.c, fuzz_genesis.c, fuzz_roster.c) are
 * exactly what tests/fuzz/centre_fixture.h builds (Ed25519 signatures and
 * the fixture's sealing are deterministic), and every valid seed goes deep:
 * applied on the template state, not refused; decoded, not rejected.
 * JR_WRITE_FUZZ_CORPUS=1 rewrites the corpora.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/cbor.h"
#include "../fuzz/centre_fixture.h"

static struct fx f;

static int setup(void **state)
{
	(void)state;
	fx_init(&f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fx_free(&f);
	return 0;
}

static void check_seed(const char *corpus, const char *file, const struct jr_buf *b)
{
	const char *regen = getenv("JR_WRITE_FUZZ_CORPUS");
	char dir[256], rel[384], path[1024];
	size_t len = 0;
	char *got;
	FILE *fp;

	jr_test_path(dir, sizeof dir, "tests/fuzz/corpus", corpus);
	jr_test_path(rel, sizeof rel, dir, file);
	if (regen != NULL && strcmp(regen, "1") == 0) {
		jr_test_path(path, sizeof path, JR_TEST_SOURCE_DIR, rel);
		fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(b->base, 1, b->len, fp), b->len);
		assert_int_equal(fclose(fp), 0);
	}
	got = jr_test_read_source(rel, &len);
	assert_int_equal(len, b->len);
	assert_memory_equal(got, b->base, len);
	free(got);
}

static struct jr_centre_result apply_fresh(const char *name, const struct jr_buf *e)
{
	struct jr_centre *c = fx_state(&f, jr_test_dir(name));
	struct jr_centre_result res;

	assert_int_equal(jr_centre_apply(c, e->base, e->len, &res, NULL), JR_OK);
	jr_centre_close(c);
	return res;
}

/* The body of an act entry: a3 00 01 01 kk 02 82 <bstr body> <bstr sig>. */
static void act_body(const struct jr_buf *e, const uint8_t **body, size_t *len)
{
	struct jr_cbr r;
	size_t n = 0;

	jr_cbr_init(&r, e->base + 6, e->len - 6);
	assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
	assert_int_equal(jr_cbr_bytes(&r, body, len), JR_OK);
}

static void entry_seeds_are_what_the_fixture_makes_and_go_deep(void **state)
{
	struct jr_buf e = { 0 }, seq = { 0 }, dec = { 0 }, payment = { 0 };
	struct jr_centre_result res;
	char file[96];
	size_t i;

	(void)state;
	for (i = 0; i < FX_SEEDS; i++) {
		const char *name = NULL;

		fx_seed(&f, i, &name, &e);
		(void)snprintf(file, sizeof file, "valid-%s", name);
		check_seed("centre_entry", file, &e);
		res = apply_fresh("corpus-entry", &e);
		if (i == 10) /* a payment needs its decree: the sequence seed below */
			assert_int_equal(res.act_status, JR_CS_NOT_DECREED);
		else if (res.refused || !res.changed)
			fail_msg("seed %s does not apply on the template (status %d)", name,
				(int)res.act_status);
		if (i == 7) {
			e.len--;
			check_seed("centre_entry", "near-truncated-decree", &e);
			res = apply_fresh("corpus-entry", &e);
			assert_true(res.refused);
			e.len++;
			e.base[e.len - 1] ^= 1;
			check_seed("centre_entry", "near-flipped-sig-decree", &e);
			res = apply_fresh("corpus-entry", &e);
			assert_int_equal(res.act_status, JR_CS_BAD_SIGNATURE);
			e.base[e.len - 1] ^= 1;
			dec = e;
			e.base = NULL;
		}
		if (i == 10) {
			payment = e;
			e.base = NULL;
		}
		jr_buf_free(&e);
	}
	/* a decree, then a payment on it: the payment applies */
	seq.len = 4 + 4 + dec.len + 4 + payment.len;
	seq.base = malloc(seq.len);
	assert_non_null(seq.base);
	memcpy(seq.base, "JRSQ", 4);
	seq.base[4] = (uint8_t)(dec.len >> 24);
	seq.base[5] = (uint8_t)(dec.len >> 16);
	seq.base[6] = (uint8_t)(dec.len >> 8);
	seq.base[7] = (uint8_t)dec.len;
	memcpy(seq.base + 8, dec.base, dec.len);
	seq.base[8 + dec.len] = (uint8_t)(payment.len >> 24);
	seq.base[9 + dec.len] = (uint8_t)(payment.len >> 16);
	seq.base[10 + dec.len] = (uint8_t)(payment.len >> 8);
	seq.base[11 + dec.len] = (uint8_t)payment.len;
	memcpy(seq.base + 12 + dec.len, payment.base, payment.len);
	check_seed("centre_entry", "seq-decree-then-payment", &seq);
	{
		struct jr_centre *c = fx_state(&f, jr_test_dir("corpus-seq"));

		assert_int_equal(jr_centre_apply(c, dec.base, dec.len, &res, NULL), JR_OK);
		assert_int_equal(res.act_status, JR_CS_APPLIED);
		assert_int_equal(jr_centre_apply(c, payment.base, payment.len, &res, NULL), JR_OK);
		assert_int_equal(res.act_status, JR_CS_APPLIED);
		jr_centre_close(c);
	}
	jr_buf_free(&seq);
	jr_buf_free(&dec);
	jr_buf_free(&payment);
}

static void act_seeds_are_bodies_the_harness_signs_back_into_the_seeds(void **state)
{
	struct jr_buf e = { 0 }, seed = { 0 };
	size_t i;

	(void)state;
	for (i = 2; i < FX_SEEDS; i++) {
		const char *name = NULL;
		const uint8_t *body = NULL;
		size_t len = 0;
		unsigned kind;

		fx_seed(&f, i, &name, &e);
		kind = e.base[4];
		act_body(&e, &body, &len);
		seed.len = len + 1;
		seed.base = malloc(seed.len);
		assert_non_null(seed.base);
		seed.base[0] = (uint8_t)(kind - JR_CENTRE_POLICY);
		memcpy(seed.base + 1, body, len);
		check_seed("centre_act", name, &seed);
		/* the harness's signer is the seed's, but for the DTKS list */
		if (kind != JR_CENTRE_REFLIST || i != FX_SEEDS - 1) {
			struct jr_pubkey p;

			jr_key_public(fx_signer(&f, kind), &p);
			assert_memory_equal(body + 5, p.id, JR_ID_BYTES); /* a? 00 01 01 50 <id> */
		}
		jr_buf_free(&seed);
		jr_buf_free(&e);
	}
}

/* Every leaf of the state c from `from` on, as seeds "<tag>-<index>": each
 * decodes and encodes back to its bytes. */
static void leaf_seeds(struct jr_centre *c, uint64_t from, const char *tag)
{
	uint64_t i, n = jr_centre_tlog_size(c);
	char file[96];

	assert_true(n > from);
	for (i = from; i < n; i++) {
		struct jr_buf b = { 0 }, again = { 0 };
		struct jr_centre_leaf l;

		assert_int_equal(jr_centre_leaf(c, i, &b), JR_OK);
		assert_int_equal(jr_centre_leaf_decode(b.base, b.len, &l), JR_OK);
		assert_int_equal(jr_centre_leaf_encode(&l, &again), JR_OK);
		assert_int_equal(again.len, b.len);
		assert_memory_equal(again.base, b.base, b.len);
		(void)snprintf(file, sizeof file, "%s-%llu", tag, (unsigned long long)i);
		check_seed("centre_leaf", file, &b);
		jr_buf_free(&again);
		jr_buf_free(&b);
	}
}

static void leaf_seeds_are_the_leaves_the_template_and_the_seeds_write(void **state)
{
	struct jr_centre *c = fx_state(&f, jr_test_dir("corpus-leaf"));
	uint64_t templ = jr_centre_tlog_size(c);
	struct jr_centre_result res;
	struct jr_buf e = { 0 };
	size_t i;

	(void)state;
	leaf_seeds(c, 0, "template");
	jr_centre_close(c);
	for (i = 0; i < FX_SEEDS; i++) {
		const char *name = NULL;

		fx_seed(&f, i, &name, &e);
		c = fx_state(&f, jr_test_dir("corpus-leaf"));
		assert_int_equal(jr_centre_apply(c, e.base, e.len, &res, NULL), JR_OK);
		leaf_seeds(c, templ, name);
		jr_centre_close(c);
		jr_buf_free(&e);
	}
}

static void genesis_seeds_decode_and_encode_back(void **state)
{
	static const char *const names[] = { "genesis", "genesis-policy-v2" };
	struct jr_policy p = f.policy, back;
	uint8_t pk[JR_SIGN_PK_BYTES];
	struct jr_pubkey cp;
	struct jr_buf g = { 0 };
	size_t i;

	(void)state;
	jr_key_public(f.k[FX_CONSORTIUM], &cp);
	for (i = 0; i < 2; i++) {
		p.version = (uint32_t)(1 + i);
		assert_int_equal(jr_centre_genesis_encode(cp.sign_pk, &p, &g), JR_OK);
		check_seed("genesis", names[i], &g);
		assert_int_equal(jr_centre_genesis_decode(g.base, g.len, pk, &back, NULL), JR_OK);
		assert_memory_equal(pk, cp.sign_pk, JR_SIGN_PK_BYTES);
		jr_buf_free(&g);
	}
}

/* Roster seeds are bodies: signed as the harness signs them, they open
 * under the fixture's consortium key. */
static void roster_seed(const char *name, uint64_t serial, const uint8_t *next)
{
	struct jr_roster_member m[3];
	struct jr_buf s = { 0 }, body = { 0 };
	struct jr_pubkey cp;
	struct jr_roster r;
	const uint8_t *b = NULL;
	struct jr_cbr cr;
	size_t n = 0;

	fx_member(&m[0], &f, FX_KIOSK, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, FX_VILLAGE,
		JR_PERM_UPLOAD);
	fx_member(&m[1], &f, FX_DISNAKER, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 0,
		JR_PERM_APPROVE | JR_PERM_VIEW_PERSONAL);
	fx_member(&m[2], &f, FX_BUPATI, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3328, JR_PERM_ALL);
	m[0].revoked_from = serial == 2 ? 7 : 0;
	assert_int_equal(jr_roster_sign(f.k[FX_CONSORTIUM], serial, next, m, 3, &s, NULL),
		JR_OK);
	jr_cbr_init(&cr, s.base, s.len);
	assert_int_equal(jr_cbr_array(&cr, &n), JR_OK);
	assert_int_equal(jr_cbr_bytes(&cr, &b, &body.len), JR_OK);
	body.base = (uint8_t *)(uintptr_t)b;
	check_seed("roster", name, &body);
	jr_key_public(f.k[FX_CONSORTIUM], &cp);
	assert_int_equal(jr_roster_open(s.base, s.len, cp.sign_pk, &r, NULL), JR_OK);
	assert_int_equal(r.n, 3);
	assert_memory_equal(r.consortium_pk, next != NULL ? next : cp.sign_pk,
		JR_SIGN_PK_BYTES);
	jr_roster_free(&r);
	jr_buf_free(&s);
}

static void roster_seeds_are_bodies_the_consortium_key_signs(void **state)
{
	struct jr_pubkey next;

	(void)state;
	jr_key_public(f.k[FX_FUNDER], &next);
	roster_seed("roster-1", 1, NULL);
	roster_seed("roster-2-revoking", 2, NULL);
	roster_seed("roster-3-rotating", 3, next.sign_pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entry_seeds_are_what_the_fixture_makes_and_go_deep),
		cmocka_unit_test(act_seeds_are_bodies_the_harness_signs_back_into_the_seeds),
		cmocka_unit_test(leaf_seeds_are_the_leaves_the_template_and_the_seeds_write),
		cmocka_unit_test(genesis_seeds_decode_and_encode_back),
		cmocka_unit_test(roster_seeds_are_bodies_the_consortium_key_signs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
