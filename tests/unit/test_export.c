/* The public export of the log and its offline audit (jaring/export.h,
 * docs/export.md): written from leaves, audited from the folder alone, and
 * every way an insider could alter the folder caught and named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "jaring/export.h"

#define ORIGIN "log.example.jaring.id/tegal"

static const char *const names[3] = {
	"witness.example.jaring.id/disnaker", "witness.example.jaring.id/dpmd",
	"witness.example.jaring.id/dukcapil",
};

struct fix {
	struct jr_key *log, *w[3], *rogue;
	struct jr_note_verifier wv[3];
	struct jr_tlog_policy pol;
};

static void fix_make(struct fix *f)
{
	struct jr_pubkey pub;
	size_t i;

	memset(f, 0, sizeof *f);
	f->log = jr_test_key(JR_ROLE_NODE, 0x10);
	f->rogue = jr_test_key(JR_ROLE_NODE, 0x66);
	jr_key_public(f->log, &pub);
	assert_int_equal(jr_note_verifier_make(ORIGIN, JR_NOTE_ALG_ED25519, pub.sign_pk,
		&f->pol.log), JR_OK);
	for (i = 0; i < 3; i++) {
		f->w[i] = jr_test_key(JR_ROLE_NODE, (uint8_t)(0x20 + i));
		jr_key_public(f->w[i], &pub);
		assert_int_equal(jr_note_verifier_make(names[i], JR_NOTE_ALG_COSIG_V1, pub.sign_pk,
			&f->wv[i]), JR_OK);
	}
	f->pol.witnesses = f->wv;
	f->pol.n_witnesses = 3;
	f->pol.quorum = 2;
}

static void fix_free(struct fix *f)
{
	size_t i;

	jr_key_free(f->log);
	jr_key_free(f->rogue);
	for (i = 0; i < 3; i++)
		jr_key_free(f->w[i]);
}

/* Leaf i: a few dozen bytes that differ per leaf (and `salt` per history). */
static void leaf_bytes(uint64_t i, unsigned salt, struct jr_buf *out)
{
	char s[80];
	int n = snprintf(s, sizeof s, "leaf %llu salt %u %.*s", (unsigned long long)i, salt,
		(int)(i % 23), "ppppppppppppppppppppppp");

	out->base = malloc((size_t)n);
	assert_non_null(out->base);
	memcpy(out->base, s, (size_t)n);
	out->len = (size_t)n;
}

struct src_ctx {
	unsigned salt;
	uint64_t rewrite_from; /* leaves from here get salt + 1 */
};

static int src_leaf(void *ctx, uint64_t index, struct jr_buf *out)
{
	const struct src_ctx *c = ctx;

	leaf_bytes(index, c->salt + (index >= c->rewrite_from ? 1 : 0), out);
	return JR_OK;
}

/* The root of the first `size` leaves, from an in-memory hash store. */
static void root_of(const struct src_ctx *c, uint64_t size, uint8_t root[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_sqlstore *ss = NULL;
	sqlite3 *db = NULL;
	struct src_ctx cc = *c;
	uint64_t i;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(jr_tlog_sqlstore_open(db, &ss, NULL), JR_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < size; i++) {
		struct jr_buf b;

		src_leaf(&cc, i, &b);
		assert_int_equal(jr_tlog_append(jr_tlog_sqlstore_get(ss), i, b.base, b.len, NULL),
			JR_OK);
		jr_buf_free(&b);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(jr_tlog_root(jr_tlog_sqlstore_get(ss), size, root), JR_OK);
	jr_tlog_sqlstore_close(ss);
	sqlite3_close(db);
}

/* A checkpoint of `size` signed by `log` and cosigned by witnesses [0, k). */
static void checkpoint(const struct fix *f, const struct jr_key *log,
	const struct src_ctx *c, uint64_t size, size_t k, struct jr_buf *out)
{
	char text[JR_CHECKPOINT_TEXT_MAX];
	uint8_t root[JR_TLOG_HASH_BYTES];
	struct jr_buf cur, next;
	size_t len, i;

	root_of(c, size, root);
	assert_int_equal(jr_checkpoint_format(ORIGIN, size, root, text, sizeof text, &len), JR_OK);
	assert_int_equal(jr_note_sign(log, ORIGIN, (const uint8_t *)text, len, &cur, NULL), JR_OK);
	for (i = 0; i < k; i++) {
		assert_int_equal(jr_checkpoint_cosign(f->w[i], names[i], 1790000000 + i, cur.base,
			cur.len, &next, NULL), JR_OK);
		jr_buf_free(&cur);
		cur = next;
	}
	*out = cur;
}

static int export_at(const struct fix *f, struct src_ctx *c, uint64_t size, const char *dir,
	struct jr_errbuf *eb)
{
	struct jr_export_source src = { src_leaf, c };
	struct jr_buf cp;
	int rc;

	checkpoint(f, f->log, c, size, 2, &cp);
	rc = jr_export_log(&src, size, cp.base, cp.len, &f->pol, dir, NULL, NULL, eb);
	jr_buf_free(&cp);
	return rc;
}

struct seen {
	uint64_t n;
	int fail_at; /* -1: never */
	bool check;  /* compare every leaf with the one exported */
};

static int count_leaf(void *ctx, uint64_t index, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	struct seen *s = ctx;
	struct jr_buf want;
	int same;

	if (s->fail_at >= 0 && (uint64_t)s->fail_at == index)
		return jr_errf(eb, JR_ECORRUPT, "leaf %llu says something the rules forbid",
			(unsigned long long)index);
	leaf_bytes(index, 0, &want);
	same = want.len == len && memcmp(want.base, leaf, len) == 0;
	jr_buf_free(&want);
	assert_true(same || !s->check);
	assert_int_equal(index, s->n);
	s->n++;
	return JR_OK;
}

static int audit(const struct fix *f, const char *dir, struct jr_audit_log_report *rep,
	bool check, struct jr_errbuf *eb)
{
	struct seen s = { 0, -1, check };
	int rc = jr_audit_log(dir, &f->pol, count_leaf, &s, NULL, rep, NULL, NULL, eb);

	if (rc == JR_OK)
		assert_int_equal(s.n, rep->size);
	return rc;
}

static void write_file(const char *dir, const char *rel, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *fp;

	jr_test_path(path, sizeof path, dir, rel);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void read_file(const char *dir, const char *rel, struct jr_buf *out)
{
	char path[1024];

	jr_test_path(path, sizeof path, dir, rel);
	assert_int_equal(jr_file_read(path, 1u << 26, out, NULL), JR_OK);
}

static void copy_tree(const char *from, const char *to)
{
	char cmd[2048];

	assert_true(snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -r '%s' '%s'", to, from, to) <
		(int)sizeof cmd);
	assert_int_equal(system(cmd), 0);
}

static void an_export_audits_and_its_history_grows(void **state)
{
	const char *dir = jr_test_dir("export-ok");
	struct src_ctx c = { 0, UINT64_MAX };
	struct jr_audit_log_report rep;
	struct jr_errbuf eb = { 0 };
	struct fix f;

	(void)state;
	fix_make(&f);
	assert_int_equal(export_at(&f, &c, 300, dir, &eb), JR_OK);
	assert_int_equal(export_at(&f, &c, 1000, dir, &eb), JR_OK);
	if (audit(&f, dir, &rep, true, &eb) != JR_OK)
		fail_msg("audit: %s", eb.msg);
	assert_int_equal(rep.size, 1000);
	assert_int_equal(rep.checkpoints, 2);
	assert_int_equal(rep.oldest_size, 300);
	assert_int_equal(rep.cosigned, 2);
	assert_string_equal(rep.origin, ORIGIN);
	/* 4 level-0 tiles with their entry bundles, 1 level-1 tile */
	assert_int_equal(rep.tiles_checked, 9);
	/* An older log is not exported over a newer one. */
	assert_int_equal(export_at(&f, &c, 999, dir, &eb), JR_ESTALE);
	assert_int_equal(audit(&f, dir, &rep, true, &eb), JR_OK);
	fix_free(&f);
}

static void a_two_level_tree_audits(void **state)
{
	const char *dir = jr_test_dir("export-big");
	struct src_ctx c = { 0, UINT64_MAX };
	struct jr_audit_log_report rep;
	struct jr_errbuf eb = { 0 };
	struct fix f;

	(void)state;
	fix_make(&f);
	assert_int_equal(export_at(&f, &c, 70000, dir, &eb), JR_OK);
	if (audit(&f, dir, &rep, true, &eb) != JR_OK)
		fail_msg("audit: %s", eb.msg);
	assert_int_equal(rep.size, 70000);
	/* 274 level-0 tiles and bundles, 2 level-1 tiles, 1 level-2 tile */
	assert_int_equal(rep.tiles_checked, 2 * 274 + 2 + 1);
	fix_free(&f);
}

/* A caller that keeps its own tree of the leaves it is given (as
 * jaring-audit's replay does): the tiles and checkpoints are checked against
 * that tree, and a tree that holds another leaf fails the audit. */
struct own_tree {
	const struct jr_tlog_store *s;
	uint64_t alter_at; /* UINT64_MAX: never */
};

static int append_leaf(void *ctx, uint64_t index, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	struct own_tree *t = ctx;
	uint8_t other[JR_TLOG_ENTRY_MAX];

	(void)eb;
	assert_true(len > 0 && len <= sizeof other);
	memcpy(other, leaf, len);
	if (index == t->alter_at)
		other[len - 1] ^= 1;
	return jr_tlog_append(t->s, index, other, len, NULL);
}

static void audit_own_tree(const struct fix *f, const char *dir, uint64_t alter_at,
	struct jr_audit_log_report *rep, int want, struct jr_errbuf *eb)
{
	struct jr_tlog_sqlstore *ss = NULL;
	struct own_tree t = { NULL, alter_at };
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(jr_tlog_sqlstore_open(db, &ss, NULL), JR_OK);
	t.s = jr_tlog_sqlstore_get(ss);
	assert_int_equal(jr_audit_log(dir, &f->pol, append_leaf, &t, t.s, rep, NULL, NULL, eb),
		want);
	jr_tlog_sqlstore_close(ss);
	(void)sqlite3_close(db);
}

static void a_callers_own_tree_is_checked_instead(void **state)
{
	const char *dir = jr_test_dir("export-own");
	struct src_ctx c = { 0, UINT64_MAX };
	struct jr_audit_log_report rep;
	struct jr_errbuf eb = { 0 };
	struct fix f;

	(void)state;
	fix_make(&f);
	assert_int_equal(export_at(&f, &c, 70000, dir, &eb), JR_OK);
	audit_own_tree(&f, dir, UINT64_MAX, &rep, JR_OK, &eb);
	assert_int_equal(rep.size, 70000);
	assert_int_equal(rep.tiles_checked, 2 * 274 + 2 + 1);
	/* the caller's tree holds another leaf 40000: the level-0 tile that
	 * covers it (compared with the caller's tree, whose hash of the leaf is
	 * the only one computed) no longer matches, and the audit stops there */
	audit_own_tree(&f, dir, 40000, &rep, JR_ECORRUPT, &eb);
	assert_non_null(strstr(eb.msg, "tile/entries/156 against tile/0/156: the entries do"
		" not hash to the tile's leaves"));
	fix_free(&f);
}

static void expect_caught(const struct fix *f, const char *dir, int code, const char *says)
{
	struct jr_audit_log_report rep;
	struct jr_errbuf eb = { 0 };

	assert_int_equal(audit(f, dir, &rep, false, &eb), code);
	if (strstr(eb.msg, says) == NULL)
		fail_msg("audit said \"%s\", not \"%s\"", eb.msg, says);
}

static void every_insider_tamper_is_caught_and_named(void **state)
{
	const char *good = jr_test_dir("export-good"), *bad = jr_test_dir("export-bad");
	struct src_ctx c = { 0, UINT64_MAX }, rewritten = { 0, 500 };
	struct jr_buf b = { NULL, 0 }, cp = { NULL, 0 };
	struct jr_export_source src = { src_leaf, &rewritten };
	struct jr_errbuf eb = { 0 };
	struct seen s = { 0, 77, true };
	struct fix f;

	(void)state;
	fix_make(&f);
	assert_int_equal(export_at(&f, &c, 300, good, &eb), JR_OK);
	assert_int_equal(export_at(&f, &c, 1000, good, &eb), JR_OK);

	/* A leaf altered in its entry bundle. */
	copy_tree(good, bad);
	read_file(bad, "tile/entries/001", &b);
	b.base[40] ^= 0x01;
	write_file(bad, "tile/entries/001", b.base, b.len);
	jr_buf_free(&b);
	expect_caught(&f, bad, JR_ECORRUPT, "tile/entries/001");

	/* A leaf dropped (the bundle one entry short). */
	copy_tree(good, bad);
	read_file(bad, "tile/entries/002", &b);
	{
		size_t first = 2 + (((size_t)b.base[0] << 8) | b.base[1]);

		write_file(bad, "tile/entries/002", b.base + first, b.len - first);
	}
	jr_buf_free(&b);
	/* the first entry it holds is now leaf 513's bytes where 512's hash is */
	expect_caught(&f, bad, JR_ECORRUPT, "tile/entries/002");

	/* A leaf altered with its tile rewritten to match: the level-1 tile and
	 * the checkpoint no longer agree. */
	copy_tree(good, bad);
	{
		struct jr_buf t = { NULL, 0 };
		uint8_t h[JR_TLOG_HASH_BYTES];
		size_t off = 0, i, len = 0;

		read_file(bad, "tile/entries/000", &b);
		read_file(bad, "tile/0/000", &t);
		for (i = 0; i < 5; i++)
			off += 2 + (((size_t)b.base[off] << 8) | b.base[off + 1]);
		len = ((size_t)b.base[off] << 8) | b.base[off + 1];
		b.base[off + 2] ^= 0x20; /* "leaf" -> "Leaf" */
		jr_tlog_leaf_hash(b.base + off + 2, len, h);
		memcpy(t.base + 5 * JR_TLOG_HASH_BYTES, h, JR_TLOG_HASH_BYTES);
		write_file(bad, "tile/entries/000", b.base, b.len);
		write_file(bad, "tile/0/000", t.base, t.len);
		jr_buf_free(&t);
		jr_buf_free(&b);
	}
	expect_caught(&f, bad, JR_ECORRUPT, "tile/1/000.p/3");

	/* A tile file missing. */
	copy_tree(good, bad);
	{
		char p[1024];

		jr_test_path(p, sizeof p, bad, "tile/0/002");
		assert_int_equal(unlink(p), 0);
	}
	expect_caught(&f, bad, JR_ENOTFOUND, "lacks");

	/* The latest checkpoint re-signed with a key that is not the log's. */
	copy_tree(good, bad);
	checkpoint(&f, f.rogue, &c, 1000, 2, &cp);
	write_file(bad, "checkpoint", cp.base, cp.len);
	write_file(bad, "checkpoints/1000", cp.base, cp.len);
	jr_buf_free(&cp);
	expect_caught(&f, bad, JR_ESIG, "checkpoint");

	/* Cosigned by one witness only: under the 2-of-3 quorum. */
	copy_tree(good, bad);
	checkpoint(&f, f.log, &c, 1000, 1, &cp);
	write_file(bad, "checkpoint", cp.base, cp.len);
	jr_buf_free(&cp);
	expect_caught(&f, bad, JR_ESIG, "checkpoint");

	/* History rewritten behind the old checkpoint: leaves from 500 on
	 * replaced, the whole tree and a new checkpoint made consistently; the
	 * published checkpoint of 300 still holds, the one of 1000 is replaced.
	 * Then leaves from 200 on: the checkpoint of 300 catches it. */
	copy_tree(good, bad);
	rewritten.rewrite_from = 200;
	checkpoint(&f, f.log, &rewritten, 1000, 2, &cp);
	{
		char p[1024];

		jr_test_path(p, sizeof p, bad, "checkpoints/1000");
		assert_int_equal(unlink(p), 0);
		jr_test_path(p, sizeof p, bad, "checkpoint");
		assert_int_equal(unlink(p), 0);
	}
	/* the writer itself refuses nothing here: the insider controls it */
	assert_int_equal(jr_export_log(&src, 1000, cp.base, cp.len, &f.pol, bad, NULL, NULL, &eb),
		JR_OK);
	jr_buf_free(&cp);
	{
		struct jr_audit_log_report rep;

		s.fail_at = -1;
		assert_int_equal(jr_audit_log(bad, &f.pol, NULL, NULL, NULL, &rep, NULL, NULL, &eb),
			JR_ECORRUPT);
		assert_non_null(strstr(eb.msg, "checkpoints/300"));
		assert_non_null(strstr(eb.msg, "rewritten"));
	}

	/* A checkpoint the leaves do not give is never published. */
	checkpoint(&f, f.log, &rewritten, 1000, 2, &cp);
	src.ctx = &c;
	assert_int_equal(jr_export_log(&src, 1000, cp.base, cp.len, &f.pol, jr_test_dir("ex-x"),
		NULL, NULL, &eb), JR_ECORRUPT);
	assert_non_null(strstr(eb.msg, "not the one the cluster signed"));
	jr_buf_free(&cp);

	/* What a leaf says is the caller's to judge: its refusal stops the audit. */
	s.fail_at = 77;
	s.n = 0;
	{
		struct jr_audit_log_report rep;

		assert_int_equal(jr_audit_log(good, &f.pol, count_leaf, &s, NULL, &rep, NULL, NULL, &eb),
			JR_ECORRUPT);
		assert_non_null(strstr(eb.msg, "leaf 77"));
	}
	fix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(an_export_audits_and_its_history_grows),
		cmocka_unit_test(a_two_level_tree_audits),
		cmocka_unit_test(a_callers_own_tree_is_checked_instead),
		cmocka_unit_test(every_insider_tamper_is_caught_and_named),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
