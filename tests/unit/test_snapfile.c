/*
 * test_snapfile.c — a node's snapshot files (node/src/snapfile.c): the
 * reference libraft holds, the copy taken inside a read transaction (the
 * file's bytes, or page by page when the WAL cannot be emptied), the
 * authenticated and encrypted answer a peer gets (checked here against
 * docs/http.md "Snapshots", with libsodium directly, not with the node's
 * own client), the install's digest check, and which copies are kept.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "node.h"
#include "testutil.h"

#define NAME "1024-abababababababababababababababababababababababababababababababab"

static uint8_t *read_all(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *p;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	p = malloc((size_t)st.st_size + 1);
	assert_non_null(p);
	assert_int_equal(read(fd, p, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return p;
}

static void doc_hex(const char *marker, const uint8_t *got, size_t n)
{
	uint8_t want[64];
	char *text = jr_test_doc_block("docs/http.md", marker);
	char hex[129];

	jr_hex(got, n, hex);
	if (jr_test_unhex(text, want, sizeof want) != n || memcmp(want, got, n) != 0) {
		fprintf(stderr, "docs/http.md %s: the code gives %s\n", marker, hex);
		fail();
	}
	free(text);
}

/* R, mac and key as docs/http.md defines them, from S. */
static void spec_keys(const uint8_t s[32], const uint8_t nonce[32], const char *name,
	uint8_t r[32], uint8_t mac[32], uint8_t key[32])
{
	struct jr_part p[3] = { { s, 32 }, { nonce, 32 }, { (const uint8_t *)name, strlen(name) } };
	struct jr_part q = { r, 32 };

	assert_int_equal(jr_hash_labelled("jaring/node-snapshot/v1", p, 3, r, 32), JR_OK);
	assert_int_equal(jr_hash_labelled("jaring/node-snapshot-mac/v1", &q, 1, mac, 32), JR_OK);
	assert_int_equal(jr_hash_labelled("jaring/node-snapshot-key/v1", &q, 1, key, 32), JR_OK);
}

static void the_worked_example_is_what_the_code_derives(void **state)
{
	struct jr_key *k = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	uint8_t *s = sodium_malloc(32), nonce[32], r[32], mac[32], key[32];
	(void)state;

	memset(nonce, 7, sizeof nonce);
	assert_int_equal(jr_snap_secret(k, s), JR_OK);
	spec_keys(s, nonce, NAME, r, mac, key);
	doc_hex("Worked example, S:", s, 32);
	doc_hex("Worked example, R:", r, 32);
	doc_hex("Worked example, mac:", mac, 32);
	doc_hex("Worked example, key:", key, 32);
	sodium_free(s);
	jr_key_free(k);
}

static void fill(sqlite3 *w, int rows)
{
	char sql[160];

	(void)snprintf(sql, sizeof sql, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL"
		" SELECT i + 1 FROM n WHERE i < %d) INSERT INTO t SELECT randomblob(100) FROM n",
		rows);
	assert_int_equal(sqlite3_exec(w, sql, NULL, NULL, NULL), SQLITE_OK);
}

static int64_t count_rows(sqlite3 *db)
{
	sqlite3_stmt *st;
	int64_t n;

	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* The copy ref names in snapdir, opened: its rows, and whether SQLite finds
 * it whole. */
static int64_t copy_rows(const char *snapdir, const struct jr_snap_ref *ref)
{
	char name[JR_SNAP_NAME_MAX], path[700];
	sqlite3 *db;
	sqlite3_stmt *st;
	int64_t n;

	jr_snap_name(ref->index, ref->digest, name);
	(void)snprintf(path, sizeof path, "%s/%s.db", snapdir, name);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL),
		SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	sqlite3_finalize(st);
	n = count_rows(db);
	sqlite3_close(db);
	return n;
}

/* A state file of some pages, its copy taken inside the read transaction
 * jr_snap_pin opened while another connection writes on. */
static void take(const char *dir, struct jr_snap_ref *ref, char *state, size_t cap)
{
	struct jr_errbuf eb = { 0 };
	sqlite3 *w, *r;
	char snapdir[512];
	bool as_file;

	jr_test_path(state, cap, dir, "state.db");
	assert_int_equal(sqlite3_open(state, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "PRAGMA journal_mode=WAL; CREATE TABLE t(x BLOB)",
		NULL, NULL, NULL), SQLITE_OK);
	fill(w, 3000);
	assert_int_equal(sqlite3_open_v2(state, &r, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(jr_snap_pin(r, &as_file), JR_OK);
	/* committed after the pin: not in the copy */
	assert_int_equal(sqlite3_exec(w, "INSERT INTO t VALUES(zeroblob(5000))", NULL, NULL,
		NULL), SQLITE_OK);
	jr_test_path(snapdir, sizeof snapdir, dir, "snapshots");
	assert_int_equal(jr_snap_take(r, as_file, snapdir, 3, 1024, ref, &eb), JR_OK);
	assert_int_equal(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(copy_rows(snapdir, ref), 3000);
	sqlite3_close(r);
	sqlite3_close(w);
}

/* The copy is the state as pinned, whichever way it is taken, while the
 * writer goes on committing and checkpointing: the file's bytes when the
 * pin could empty the WAL, SQLite's backup when another reader held older
 * frames in it. */
static void a_copy_is_the_state_as_pinned_either_way(void **state)
{
	const char *dir = jr_test_dir("snapfile-pin");
	char path[512], snapdir[512];
	struct jr_errbuf eb = { 0 };
	struct jr_snap_ref ref;
	sqlite3 *w, *r, *other;
	int64_t pinned;
	int log, done;
	bool as_file;
	(void)state;

	jr_test_path(path, sizeof path, dir, "state.db");
	jr_test_path(snapdir, sizeof snapdir, dir, "snapshots");
	assert_int_equal(sqlite3_open(path, &w), SQLITE_OK);
	assert_int_equal(sqlite3_exec(w, "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
		" CREATE TABLE t(x BLOB)", NULL, NULL, NULL), SQLITE_OK);
	fill(w, 4000);
	assert_int_equal(sqlite3_open_v2(path, &r, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);

	/* nothing else reading: the WAL is emptied and the file is the copy */
	assert_int_equal(jr_snap_pin(r, &as_file), JR_OK);
	assert_true(as_file);
	for (int i = 0; i < 8; i++) {
		fill(w, 500);
		assert_int_equal(sqlite3_wal_checkpoint_v2(w, "main", SQLITE_CHECKPOINT_PASSIVE,
			&log, &done), SQLITE_OK);
		assert_int_equal(done, 0); /* held off the file */
	}
	assert_int_equal(jr_snap_take(r, as_file, snapdir, 3, 10, &ref, &eb), JR_OK);
	assert_int_equal(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(copy_rows(snapdir, &ref), 4000);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, "main", SQLITE_CHECKPOINT_PASSIVE, &log,
		&done), SQLITE_OK);
	assert_true(done > 0); /* the pin ended: checkpoints write the file again */

	/* another reader on older frames: the pin cannot empty the WAL, so the
	 * copy goes page by page */
	fill(w, 100);
	assert_int_equal(sqlite3_open_v2(path, &other, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(count_rows(other), 8100);
	fill(w, 100);
	assert_int_equal(jr_snap_pin(r, &as_file), JR_OK);
	assert_false(as_file);
	pinned = count_rows(r);
	assert_int_equal(pinned, 8200);
	fill(w, 700);
	assert_int_equal(sqlite3_wal_checkpoint_v2(w, "main", SQLITE_CHECKPOINT_PASSIVE, &log,
		&done), SQLITE_OK);
	assert_int_equal(jr_snap_take(r, as_file, snapdir, 3, 11, &ref, &eb), JR_OK);
	assert_int_equal(sqlite3_exec(r, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(copy_rows(snapdir, &ref), pinned);
	sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(other);
	sqlite3_close(r);
	sqlite3_close(w);
}

static void a_copy_is_served_encrypted_to_key_holders_only(void **state)
{
	const char *dir = jr_test_dir("snapfile-serve");
	struct jr_key *k = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	uint8_t *s = sodium_malloc(32), nonce[32], r[32], mac[32], key[32], digest[32];
	char snapdir[512], statepath[512], name[JR_SNAP_NAME_MAX], copy[700];
	crypto_secretstream_xchacha20poly1305_state st;
	struct jr_snap_reader *rd = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_snap_ref ref;
	uint8_t *file, *ans, *plain;
	size_t flen, at = 0, pl = 0;
	uint64_t total = 0;
	long n;
	(void)state;

	jr_test_path(snapdir, sizeof snapdir, dir, "snapshots");
	take(dir, &ref, statepath, sizeof statepath);
	(void)statepath;
	assert_int_equal(ref.origin, 3);
	assert_int_equal(ref.index, 1024);
	jr_snap_name(ref.index, ref.digest, name);
	(void)snprintf(copy, sizeof copy, "%s/%s.db", snapdir, name);
	file = read_all(copy, &flen);
	assert_int_equal(flen, ref.size);
	jr_hash(file, flen, digest);
	assert_memory_equal(digest, ref.digest, 32);
	/* the copy is the pinned state: a valid SQLite file of 3000 rows */
	{
		sqlite3 *db;
		sqlite3_stmt *q;

		assert_int_equal(sqlite3_open_v2(copy, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM t", -1, &q, NULL),
			SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(q, 0), 3000);
		sqlite3_finalize(q);
		sqlite3_close(db);
	}

	assert_int_equal(jr_snap_secret(k, s), JR_OK);
	memset(nonce, 9, sizeof nonce);
	spec_keys(s, nonce, name, r, mac, key);
	/* a wrong mac, and the right mac for another nonce, are refused */
	mac[0] ^= 1;
	assert_int_equal(jr_snap_reader_open(snapdir, s, ref.index, ref.digest, nonce, mac,
				 &rd, &total, &eb), JR_EKEY);
	assert_null(rd);
	mac[0] ^= 1;
	nonce[0] ^= 1;
	assert_int_equal(jr_snap_reader_open(snapdir, s, ref.index, ref.digest, nonce, mac,
				 &rd, &total, &eb), JR_EKEY);
	nonce[0] ^= 1;
	/* a copy this node does not have */
	{
		uint8_t other[32], om[32], ok[32], orr[32];
		char oname[JR_SNAP_NAME_MAX];

		memset(other, 0x55, sizeof other);
		jr_snap_name(ref.index, other, oname);
		spec_keys(s, nonce, oname, orr, om, ok);
		assert_int_equal(jr_snap_reader_open(snapdir, s, ref.index, other, nonce, om, &rd,
					 &total, &eb), JR_ENOTFOUND);
	}
	assert_int_equal(jr_snap_reader_open(snapdir, s, ref.index, ref.digest, nonce, mac,
				 &rd, &total, &eb), JR_OK);
	assert_int_equal(total, jr_snap_answer_bytes(flen));
	assert_int_equal(total, 24 + flen + 17 * ((flen + 65535) / 65536));
	ans = malloc(total);
	assert_non_null(ans);
	while ((n = jr_snap_reader_read(rd, at, ans + at, 1000)) > 0)
		at += (size_t)n;
	assert_int_equal(n, 0);
	assert_int_equal(at, total);
	assert_int_equal(jr_snap_reader_read(rd, 0, ans, 10), -1); /* in order, once */
	jr_snap_reader_free(rd);

	/* decrypted as docs/http.md says, with libsodium alone */
	plain = malloc(flen);
	assert_non_null(plain);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(&st, ans, key), 0);
	at = 24;
	while (pl < flen) {
		size_t c = flen - pl < 65536 ? flen - pl : 65536;
		unsigned long long got = 0;
		uint8_t tag = 0xff;

		assert_int_equal(crypto_secretstream_xchacha20poly1305_pull(&st, plain + pl, &got,
					 &tag, ans + at, c + 17, NULL, 0), 0);
		assert_int_equal(got, c);
		assert_int_equal(tag, pl + c == flen ?
			crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0);
		pl += c;
		at += c + 17;
	}
	assert_int_equal(at, total);
	assert_memory_equal(plain, file, flen);
	/* a key without the consortium secret does not open it */
	{
		uint8_t wrong[32];

		memcpy(wrong, key, 32);
		wrong[31] ^= 1;
		assert_int_equal(crypto_secretstream_xchacha20poly1305_init_pull(&st, ans, wrong), 0);
		assert_int_not_equal(crypto_secretstream_xchacha20poly1305_pull(&st, plain, NULL,
					     NULL, ans + 24, (flen < 65536 ? flen : 65536) + 17,
					     NULL, 0), 0);
	}
	free(plain);
	free(ans);
	free(file);
	sodium_free(s);
	jr_key_free(k);
}

static void install_copies_a_whole_copy_and_refuses_a_damaged_one(void **state)
{
	const char *dir = jr_test_dir("snapfile-install");
	char snapdir[512], statepath[512], target[512], name[JR_SNAP_NAME_MAX], copy[700];
	struct jr_errbuf eb = { 0 };
	struct jr_snap_ref ref;
	uint8_t *a, *b;
	size_t alen, blen;
	int fd;
	(void)state;

	jr_test_path(snapdir, sizeof snapdir, dir, "snapshots");
	take(dir, &ref, statepath, sizeof statepath);
	jr_test_path(target, sizeof target, dir, "restored.db");
	assert_int_equal(jr_snap_install(snapdir, &ref, target, &eb), JR_OK);
	jr_snap_name(ref.index, ref.digest, name);
	(void)snprintf(copy, sizeof copy, "%s/%s.db", snapdir, name);
	a = read_all(copy, &alen);
	b = read_all(target, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	/* one byte changed on disk: refused, the state file left as it was */
	fd = open(copy, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, "\xff", 1, 4096), 1);
	close(fd);
	assert_int_equal(jr_snap_install(snapdir, &ref, target, &eb), JR_ECORRUPT);
	assert_non_null(strstr(eb.msg, "is damaged"));
	assert_non_null(strstr(eb.msg, "join the node again"));
	free(b);
	b = read_all(target, &blen);
	assert_memory_equal(a, b, alen);
	/* a copy that is not there */
	ref.digest[0] ^= 1;
	assert_int_equal(jr_snap_install(snapdir, &ref, target, &eb), JR_ENOTFOUND);
	free(a);
	free(b);
}

static void prune_keeps_the_newest_copies_and_nothing_else_is_touched(void **state)
{
	const char *dir = jr_test_dir("snapfile-prune");
	const uint64_t idx[] = { 1, 17, 5, 3 };
	uint8_t d[32];
	char name[JR_SNAP_NAME_MAX], p[600];
	(void)state;

	memset(d, 0xcd, sizeof d);
	for (size_t i = 0; i < 4; i++) {
		jr_snap_name(idx[i], d, name);
		(void)snprintf(p, sizeof p, "%s/%s.db", dir, name);
		close(open(p, O_WRONLY | O_CREAT, 0600));
	}
	(void)snprintf(p, sizeof p, "%s/take.tmp", dir);
	close(open(p, O_WRONLY | O_CREAT, 0600));
	jr_snap_prune(dir, 2);
	for (size_t i = 0; i < 4; i++) {
		jr_snap_name(idx[i], d, name);
		(void)snprintf(p, sizeof p, "%s/%s.db", dir, name);
		assert_int_equal(access(p, F_OK) == 0, idx[i] == 17 || idx[i] == 5);
	}
	(void)snprintf(p, sizeof p, "%s/take.tmp", dir);
	assert_int_equal(access(p, F_OK), 0);
}

static void a_reference_decodes_only_as_written(void **state)
{
	struct jr_snap_ref r = { 2, 99, 4096, { 0 } }, back;
	uint8_t b[JR_SNAP_REF_BYTES];
	(void)state;

	memset(r.digest, 0x11, sizeof r.digest);
	jr_snap_ref_encode(&r, b);
	assert_memory_equal(b, "JRNSNAP1", 8);
	assert_int_equal(jr_snap_ref_decode(b, sizeof b, &back), JR_OK);
	assert_memory_equal(&back, &r, sizeof r);
	assert_int_equal(jr_snap_ref_decode(b, sizeof b - 1, &back), JR_EFORMAT);
	b[0] = 'X';
	assert_int_equal(jr_snap_ref_decode(b, sizeof b, &back), JR_EFORMAT);
	r.origin = 0;
	jr_snap_ref_encode(&r, b);
	assert_int_equal(jr_snap_ref_decode(b, sizeof b, &back), JR_EFORMAT);
	assert_int_equal(back.index, 0); /* nothing half-decoded */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_worked_example_is_what_the_code_derives),
		cmocka_unit_test(a_copy_is_served_encrypted_to_key_holders_only),
		cmocka_unit_test(install_copies_a_whole_copy_and_refuses_a_damaged_one),
		cmocka_unit_test(a_copy_is_the_state_as_pinned_either_way),
		cmocka_unit_test(prune_keeps_the_newest_copies_and_nothing_else_is_touched),
		cmocka_unit_test(a_reference_decodes_only_as_written),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
