/* What a replay of the log rests on (jaring/centre.h "the log's leaves,
 * decoded", "replaying a log"; docs/export.md, docs/audit.md): leaves decode
 * only as the centre writes them, the genesis file is the worked example,
 * and a leaf carried over into a replay is refused whenever the log could
 * not hold it at that point. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "jaring/centre.h"

static struct jr_key *consortium;

static int setup(void **state)
{
	(void)state;
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 0x02);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(consortium);
	return 0;
}

static void the_worked_genesis_is_the_one_the_code_builds(void **state)
{
	struct jr_pubkey pub;
	struct jr_policy pol, back;
	struct jr_buf g = { 0 };
	uint8_t want[256], pk[JR_SIGN_PK_BYTES];
	char *text = jr_test_doc_block("docs/export.md", "Worked example: genesis (the"
		" consortium key of the worked examples, seed 32 × 0x02; the default");
	size_t n = jr_test_unhex(text, want, sizeof want);

	(void)state;
	free(text);
	jr_key_public(consortium, &pub);
	jr_policy_default(&pol);
	assert_int_equal(jr_centre_genesis_encode(pub.sign_pk, &pol, &g), JR_OK);
	assert_int_equal(g.len, n);
	assert_memory_equal(g.base, want, n);
	assert_int_equal(jr_centre_genesis_decode(g.base, g.len, pk, &back, NULL), JR_OK);
	assert_memory_equal(pk, pub.sign_pk, JR_SIGN_PK_BYTES);
	g.base[2]++; /* version 2 */
	assert_int_not_equal(jr_centre_genesis_decode(g.base, g.len, pk, &back, NULL), JR_OK);
	assert_int_not_equal(jr_centre_genesis_decode(g.base, g.len - 1, pk, &back, NULL),
		JR_OK);
	jr_buf_free(&g);
}

static void leaf(struct jr_centre_leaf *l, enum jr_centre_leaf_type type, unsigned status)
{
	memset(l, 0, sizeof *l);
	l->type = type;
	l->status = status;
	memset(l->hash, 0x44, sizeof l->hash);
	memset(l->id, 0x11, sizeof l->id);
	memset(l->pseudonym, 0x22, sizeof l->pseudonym);
	l->n = 1;
}

static void leaves_decode_only_as_the_centre_writes_them(void **state)
{
	struct jr_centre_leaf l, back;
	struct jr_buf b = { 0 };
	unsigned type;

	(void)state;
	for (type = JR_LEAF_ROSTER; type <= JR_LEAF_ITEM; type++) {
		leaf(&l, (enum jr_centre_leaf_type)type, 1);
		l.kind = type == JR_LEAF_ACT || type == JR_LEAF_ITEM ? JR_CENTRE_DECREE : 0;
		assert_int_equal(jr_centre_leaf_encode(&l, &b), JR_OK);
		assert_int_equal(jr_centre_leaf_decode(b.base, b.len, &back), JR_OK);
		assert_int_equal(back.type, type);
		if (type == JR_LEAF_REGISTRATION)
			assert_memory_equal(back.pseudonym, l.pseudonym, sizeof l.pseudonym);
		else
			assert_memory_equal(back.hash, l.hash, sizeof l.hash);
		/* truncated, one byte more, another type: refused, zeroed */
		assert_int_equal(jr_centre_leaf_decode(b.base, b.len - 1, &back), JR_EFORMAT);
		assert_int_equal(back.type, 0);
		b.base[2] = 9;
		assert_int_equal(jr_centre_leaf_decode(b.base, b.len, &back), JR_EFORMAT);
		jr_buf_free(&b);
	}
	/* a registration leaf with an outcome past the last */
	leaf(&l, JR_LEAF_REGISTRATION, 1);
	assert_int_equal(jr_centre_leaf_encode(&l, &b), JR_OK);
	b.base[b.len - 3] = 7; /* key 4 outcome, before the empty reasons */
	assert_int_equal(jr_centre_leaf_decode(b.base, b.len, &back), JR_EFORMAT);
	jr_buf_free(&b);
}

/* Carries leaf l over into the replay: the return code. */
static int carry(struct jr_centre *c, const struct jr_centre_leaf *l, char *why, size_t cap)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf b = { 0 };
	int rc;

	assert_int_equal(jr_centre_leaf_encode(l, &b), JR_OK);
	rc = jr_centre_replay_leaf(c, b.base, b.len, &eb);
	jr_buf_free(&b);
	(void)snprintf(why, cap, "%s", eb.msg);
	return rc;
}

static struct jr_centre *replay(const char *name)
{
	struct jr_pubkey pub;
	struct jr_policy pol;
	struct jr_centre *c = NULL, *again = NULL;
	char path[4096];

	jr_key_public(consortium, &pub);
	jr_policy_default(&pol);
	jr_test_path(path, sizeof path, jr_test_dir(name), "replay.db");
	assert_int_equal(jr_centre_open_replay(path, pub.sign_pk, NULL, NULL, &pol, &c, NULL),
		JR_OK);
	assert_int_not_equal(jr_centre_open_replay(path, pub.sign_pk, NULL, NULL, &pol, &again,
		NULL), JR_OK); /* a replay begins from nothing */
	assert_null(again);
	assert_non_null(c);
	return c;
}

static void a_replay_refuses_what_the_log_could_not_hold(void **state)
{
	struct jr_centre *c = replay("replay-refuse");
	struct jr_centre_leaf l;
	char why[512];

	(void)state;
	/* a block of a kiosk no roster named */
	leaf(&l, JR_LEAF_BLOCK, JR_CS_APPLIED);
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "not on the roster"));
	/* a registration with no block before it */
	leaf(&l, JR_LEAF_REGISTRATION, JR_CO_ACCEPTED);
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "does not follow an applied block"));
	/* an applied decree without its bytes; an applied roster without them */
	leaf(&l, JR_LEAF_ACT, JR_CS_APPLIED);
	l.kind = JR_CENTRE_DECREE;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "signed bytes are missing"));
	leaf(&l, JR_LEAF_ROSTER, JR_CS_APPLIED);
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	/* an approval's item with no act before it */
	leaf(&l, JR_LEAF_ITEM, JR_CS_APPLIED);
	l.kind = JR_CENTRE_REVIEW;
	l.verb = JR_REVIEW_APPROVE;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	/* a refusal is carried once, not twice */
	leaf(&l, JR_LEAF_ACT, JR_CS_UNKNOWN_KEY);
	l.kind = JR_CENTRE_PAYMENT;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_OK);
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "recorded twice"));
	/* a comment is an act like any other: applied, it is in the export,
	 * so neither it nor its items are ever carried over without bytes */
	leaf(&l, JR_LEAF_ACT, JR_CS_APPLIED);
	l.kind = JR_CENTRE_REVIEW;
	memset(l.hash, 0x55, sizeof l.hash);
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "signed bytes are missing"));
	leaf(&l, JR_LEAF_ITEM, JR_CS_APPLIED);
	memset(l.hash, 0x55, sizeof l.hash);
	l.kind = JR_CENTRE_REVIEW;
	l.verb = JR_REVIEW_COMMENT;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_int_equal(jr_centre_replay_flush(c, NULL), JR_OK);
	assert_int_equal(jr_centre_tlog_size(c), 1);
	jr_centre_close(c);
}

/* Also: a registration taken in twice, and one held though its kiosk never
 * equivocated. */
static void a_worker_accepted_twice_is_caught_from_the_leaves(void **state)
{
	struct jr_centre *c = replay("replay-twice");
	struct jr_roster_member m;
	struct jr_key *kiosk = jr_test_key(JR_ROLE_KIOSK, 0x01);
	struct jr_buf e = { 0 };
	struct jr_centre_result res;
	struct jr_centre_leaf l;
	struct jr_pubkey pub;
	char why[512];

	(void)state;
	jr_key_public(kiosk, &pub);
	memset(&m, 0, sizeof m);
	memcpy(m.id, pub.id, JR_ID_BYTES);
	memcpy(m.sign_pk, pub.sign_pk, JR_SIGN_PK_BYTES);
	m.role = JR_ROLE_KIOSK;
	m.agency = JR_AGENCY_DISKOMINFO;
	m.region = 3328012001u;
	m.perms = JR_PERM_UPLOAD;
	assert_int_equal(jr_centre_roster_entry_members(consortium, 1, NULL, &m, 1, &e), JR_OK);
	assert_int_equal(jr_centre_apply(c, e.base, e.len, &res, NULL), JR_OK);
	assert_false(res.refused);
	jr_buf_free(&e);
	leaf(&l, JR_LEAF_BLOCK, JR_CS_APPLIED);
	memcpy(l.id, pub.id, JR_ID_BYTES);
	l.n = 2; /* not head + 1 */
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "gap or a repeat"));
	l.n = 1;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_OK);
	leaf(&l, JR_LEAF_REGISTRATION, JR_CO_ACCEPTED);
	l.n = 332801;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_OK);
	/* the same registration again (its insert finds it) */
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "taken in a second time"));
	/* one held though its kiosk never equivocated (the kiosk as its block
	 * found it) */
	memset(l.id, 0x13, sizeof l.id);
	l.status = JR_CO_HELD;
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "held though its kiosk never equivocated"));
	l.status = JR_CO_ACCEPTED;
	memset(l.id, 0x12, sizeof l.id); /* another registration, the same worker */
	assert_int_equal(carry(c, &l, why, sizeof why), JR_ECORRUPT);
	assert_non_null(strstr(why, "the same person let in twice"));
	jr_centre_close(c);
	jr_key_free(kiosk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_worked_genesis_is_the_one_the_code_builds),
		cmocka_unit_test(leaves_decode_only_as_the_centre_writes_them),
		cmocka_unit_test(a_replay_refuses_what_the_log_could_not_hold),
		cmocka_unit_test(a_worker_accepted_twice_is_caught_from_the_leaves),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
