/* The shard: append, verify, receipts, the fork guard and the writer lock. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "testutil.h"
#include "jaring/ack.h"
#include "jaring/block.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/seal.h"
#include "jaring/shard.h"
#include "counter.h"
#include "shard_int.h"

#define T0 1790000000
/* One more than a full block, so a test can offer 65 different records. */
#define POOL (JR_BLOCK_MAX_RECORDS + 1)

static struct jr_key *kiosk, *kiosk2, *officer, *consortium;
static struct jr_seal_epoch *epoch;
/* Random-nonce epochs for fresh records (fresh_record), opened as needed. */
static struct jr_seal_epoch *fresh_epoch;
static unsigned fresh_n = 1000;
/* Records of `kiosk` (pool) and one of `kiosk2`, made once. */
static struct jr_buf pool[POOL], foreign;
static uint8_t pool_id[POOL][JR_REGID_BYTES];

struct paths {
	char dir[512];
	char db[600];
	char ctr[600];
};

/* ---- fixtures ------------------------------------------------------- */

static void fill(struct jr_registration *r, const struct jr_key *k, unsigned i)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r->time = T0 + (int64_t)i;
	r->village = 3328012001u;
	r->occupation = JR_OCC_STREET_VENDOR;
	r->income = JR_INCOME_UNDER_500K;
	r->sex = JR_SEX_MALE;
	r->birth_year = 1985;
	r->consent_version = 1;
	if (snprintf(r->nik, sizeof r->nik, "332801010185%04u", i % 9999 + 1) != JR_NIK_LEN)
		fail_msg("nik");
	if (snprintf(r->name, sizeof r->name, "Pekerja Contoh %u", i) < 0)
		fail_msg("name");
	r->birth = 19850101;
	memcpy(r->phone, "081200000002", 13);
	if (snprintf(r->address, sizeof r->address, "Desa Contoh RT %02u", i % 20) < 0)
		fail_msg("address");
}

static void make_record(struct jr_registration *r, struct jr_buf *out,
	uint8_t regid[JR_REGID_BYTES])
{
	struct jr_errbuf eb = { 0 };

	if (jr_record_encode(r, epoch, out, regid, &eb) != JR_OK)
		fail_msg("record: %s", eb.msg);
}

static int setup(void **state)
{
	uint8_t id[JR_REGID_BYTES];
	struct jr_registration r;
	unsigned i;

	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	kiosk2 = jr_test_key(JR_ROLE_KIOSK, 5);
	officer = jr_test_key(JR_ROLE_OFFICER, 6);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	epoch = jr_test_epoch(consortium, T0);
	for (i = 0; i < POOL; i++) {
		fill(&r, kiosk, i);
		make_record(&r, &pool[i], pool_id[i]);
	}
	fill(&r, kiosk2, 0);
	make_record(&r, &foreign, id);
	return 0;
}

static int teardown(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < POOL; i++)
		jr_buf_free(&pool[i]);
	jr_buf_free(&foreign);
	jr_seal_epoch_close(fresh_epoch);
	jr_seal_epoch_close(epoch);
	jr_key_free(consortium);
	jr_key_free(officer);
	jr_key_free(kiosk2);
	jr_key_free(kiosk);
	return 0;
}

static void paths_for(struct paths *p, const char *name)
{
	const char *d = jr_test_dir(name);

	if (snprintf(p->dir, sizeof p->dir, "%s", d) >= (int)sizeof p->dir)
		fail_msg("path");
	jr_test_path(p->db, sizeof p->db, d, "shard.db");
	jr_test_path(p->ctr, sizeof p->ctr, d, "shard.counter");
}

static void create_ok(const struct paths *p, const struct jr_key *k)
{
	struct jr_errbuf eb = { 0 };

	if (jr_shard_create(p->db, p->ctr, k, &eb) != JR_OK)
		fail_msg("create: %s", eb.msg);
}

static struct jr_shard *open_writer(const struct paths *p)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;

	if (jr_shard_open(p->db, p->ctr, kiosk, &s, &eb) != JR_OK)
		fail_msg("open: %s", eb.msg);
	return s;
}

static struct jr_shard *open_reader(const struct paths *p)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;

	if (jr_shard_open(p->db, NULL, NULL, &s, &eb) != JR_OK)
		fail_msg("open for reading: %s", eb.msg);
	return s;
}

/* Appends one block holding `rec`, at time T0 + its height. */
static uint64_t append_rec(struct jr_shard *s, const struct jr_buf *rec)
{
	const uint8_t *recs[1] = { rec->base };
	size_t lens[1] = { rec->len };
	struct jr_errbuf eb = { 0 };
	uint8_t hash[JR_HASH_BYTES];
	uint64_t h = 0;

	if (jr_shard_append(s, T0 + (int64_t)jr_shard_height(s) + 1, recs, lens, 1,
		NULL, 0, &h, hash, &eb) != JR_OK)
		fail_msg("append: %s", eb.msg);
	assert_memory_equal(hash, jr_shard_head_hash(s), JR_HASH_BYTES);
	return h;
}

/* A record no shard holds yet (a shard signs a registration once): the
 * next synthetic worker, sealed in a random-nonce epoch. `small` leaves out
 * the optional fields. */
static void fresh_record(struct jr_buf *out, bool small)
{
	struct jr_registration r;
	struct jr_pubkey cpub;
	uint8_t id[JR_REGID_BYTES];
	struct jr_errbuf eb = { 0 };

	if (fresh_epoch == NULL || jr_seal_epoch_spent(fresh_epoch, T0)) {
		jr_seal_epoch_close(fresh_epoch);
		jr_key_public(consortium, &cpub);
		assert_int_equal(jr_seal_epoch_open(cpub.box_pk, T0, &fresh_epoch), JR_OK);
	}
	fill(&r, kiosk, fresh_n++);
	if (small) {
		memcpy(r.name, "A", 2);
		r.phone[0] = r.address[0] = '\0';
	}
	if (jr_record_encode(&r, fresh_epoch, out, id, &eb) != JR_OK)
		fail_msg("record: %s", eb.msg);
	jr_registration_wipe(&r);
}

static uint64_t append_fresh(struct jr_shard *s, bool small)
{
	struct jr_buf rec;
	uint64_t h;

	fresh_record(&rec, small);
	h = append_rec(s, &rec);
	jr_buf_free(&rec);
	return h;
}

static void append_n(struct jr_shard *s, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint64_t h = append_fresh(s, false);
		assert_int_equal(h, jr_shard_height(s));
	}
}

static void expect_verified(struct jr_shard *s)
{
	struct jr_errbuf eb = { 0 };
	uint64_t bad = 99;

	if (jr_shard_verify(s, JR_VERIFY_HEAD, &bad, &eb) != JR_OK)
		fail_msg("head verify: %s", eb.msg);
	assert_int_equal(bad, 0);
	if (jr_shard_verify(s, JR_VERIFY_FULL, &bad, &eb) != JR_OK)
		fail_msg("full verify: %s", eb.msg);
	assert_int_equal(bad, 0);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void copy_file(const char *from, const char *to)
{
	char cmd[2048];

	if (snprintf(cmd, sizeof cmd, "cp '%s' '%s' 2>/dev/null || rm -f '%s'", from, to, to) >=
	    (int)sizeof cmd)
		fail_msg("path");
	assert_int_equal(system(cmd), 0);
}

static void suffixed(char *out, size_t n, const char *path, const char *suffix)
{
	if (snprintf(out, n, "%s%s", path, suffix) >= (int)n)
		fail_msg("path");
}

/* ---- tampering through a second SQLite connection ------------------- */

struct tamper {
	sqlite3 *db;
	sqlite3_stmt *get[3];
	sqlite3_stmt *put[3];
};

enum { COL_BODY, COL_HASH, COL_SIG };

static void tamper_open(struct tamper *t, const char *path)
{
	static const char *const cols[3] = { "body", "hash", "sig" };
	char sql[128];
	int i;

	assert_int_equal(sqlite3_open_v2(path, &t->db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(t->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 3; i++) {
		snprintf(sql, sizeof sql, "SELECT %s FROM blocks WHERE height = ?1", cols[i]);
		assert_int_equal(sqlite3_prepare_v2(t->db, sql, -1, &t->get[i], NULL), SQLITE_OK);
		snprintf(sql, sizeof sql, "UPDATE blocks SET %s = ?2 WHERE height = ?1", cols[i]);
		assert_int_equal(sqlite3_prepare_v2(t->db, sql, -1, &t->put[i], NULL), SQLITE_OK);
	}
}

static void tamper_close(struct tamper *t)
{
	int i;

	for (i = 0; i < 3; i++) {
		sqlite3_finalize(t->get[i]);
		sqlite3_finalize(t->put[i]);
	}
	sqlite3_close(t->db);
}

static size_t tamper_get(struct tamper *t, int col, uint64_t h, uint8_t *out, size_t max)
{
	sqlite3_stmt *st = t->get[col];
	size_t n;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_bytes(st, 0);
	assert_true(n <= max);
	memcpy(out, sqlite3_column_blob(st, 0), n);
	sqlite3_reset(st);
	return n;
}

static void tamper_put(struct tamper *t, int col, uint64_t h, const uint8_t *p, size_t n)
{
	sqlite3_stmt *st = t->put[col];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
	sqlite3_bind_blob(st, 2, p, (int)n, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_reset(st);
}

static void tamper_exec(struct tamper *t, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(t->db, sql, NULL, NULL, &err) != SQLITE_OK)
		fail_msg("%s: %s", sql, err);
}

/* Flips one bit of bytes pos0, pos0+step, ... of column col of block h and
 * requires verify (in mode) to fail at height want each time; restores. */
static unsigned flip_each(struct tamper *t, struct jr_shard *rd, int col, uint64_t h,
	size_t pos0, size_t step, enum jr_verify_mode mode, uint64_t want)
{
	uint8_t orig[JR_BLOCK_MAX_BYTES], cur[JR_BLOCK_MAX_BYTES];
	size_t len = tamper_get(t, col, h, orig, sizeof orig), pos;
	unsigned n = 0;
	uint64_t bad;
	int rc;

	for (pos = pos0; pos < len; pos += step) {
		memcpy(cur, orig, len);
		cur[pos] ^= (uint8_t)(1u << (pos % 8));
		tamper_put(t, col, h, cur, len);
		rc = jr_shard_verify(rd, mode, &bad, NULL);
		if (rc == JR_OK || bad != want)
			fail_msg("column %d of block %llu, byte %zu flipped: verify gave %s at %llu, want %llu",
				col, (unsigned long long)h, pos, jr_strerror(rc),
				(unsigned long long)bad, (unsigned long long)want);
		n++;
	}
	tamper_put(t, col, h, orig, len);
	return n;
}

/* ---- create and open ------------------------------------------------ */

static void a_new_shard_is_empty_and_verifies(void **state)
{
	struct jr_pubkey pub;
	struct jr_shard *s;
	struct paths p;
	struct stat sb;

	(void)state;
	paths_for(&p, "new");
	create_ok(&p, kiosk);
	assert_int_equal(stat(p.db, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(p.ctr, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sb.st_size, JR_COUNTER_FILE_BYTES);
	s = open_writer(&p);
	jr_key_public(kiosk, &pub);
	assert_int_equal(jr_shard_height(s), 0);
	assert_int_equal(jr_shard_head_time(s), 0);
	assert_memory_equal(jr_shard_kiosk_pk(s), pub.sign_pk, JR_SIGN_PK_BYTES);
	assert_memory_equal(jr_shard_kiosk_id(s), pub.id, JR_ID_BYTES);
	expect_verified(s);
	jr_shard_close(s);
	jr_shard_close(NULL);
}

static void create_refuses_existing_files_and_keys_that_are_not_a_kiosk(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct paths p;
	char other[700], ctr2[700];
	int fd;

	(void)state;
	paths_for(&p, "create");
	create_ok(&p, kiosk);
	assert_int_equal(jr_shard_create(p.db, p.ctr, kiosk, &eb), JR_EEXIST);
	/* An existing database with a fresh counter path: refused, and the
	 * counter is not left behind. */
	suffixed(other, sizeof other, p.ctr, ".2");
	assert_int_equal(jr_shard_create(p.db, other, kiosk, NULL), JR_EEXIST);
	assert_int_equal(access(other, F_OK), -1);
	/* An existing counter with a fresh database path: refused, nothing made. */
	suffixed(other, sizeof other, p.db, ".2");
	assert_int_equal(jr_shard_create(other, p.ctr, kiosk, NULL), JR_EEXIST);
	assert_int_equal(access(other, F_OK), -1);
	/* Only kiosk keys own shards. */
	suffixed(other, sizeof other, p.db, ".3");
	assert_int_equal(jr_shard_create(other, p.ctr, officer, NULL), JR_EKEY);
	assert_int_equal(jr_shard_create(NULL, p.ctr, kiosk, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_create(other, NULL, kiosk, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_create(other, p.ctr, NULL, NULL), JR_EINVAL);
	/* A database path in a missing directory fails and leaves nothing. */
	suffixed(other, sizeof other, p.dir, "/missing/shard.db");
	suffixed(ctr2, sizeof ctr2, p.ctr, ".9");
	assert_int_equal(jr_shard_create(other, ctr2, kiosk, &eb), JR_ENOTFOUND);
	fd = open(other, O_RDONLY);
	assert_int_equal(fd, -1);
	assert_int_equal(access(ctr2, F_OK), -1);
	/* A counter path in a missing directory: the database made first is
	 * removed again. */
	suffixed(other, sizeof other, p.db, ".4");
	suffixed(ctr2, sizeof ctr2, p.dir, "/missing/shard.counter");
	assert_int_equal(jr_shard_create(other, ctr2, kiosk, NULL), JR_ENOTFOUND);
	assert_int_equal(access(other, F_OK), -1);
}

static void open_refuses_missing_and_foreign_files(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = (struct jr_shard *)&eb;
	struct paths p, q;
	sqlite3 *db;
	FILE *f;

	(void)state;
	paths_for(&p, "foreign");
	assert_int_equal(jr_shard_open(p.db, NULL, NULL, &s, NULL), JR_ENOTFOUND);
	assert_null(s);
	/* An SQLite database that is not a shard. */
	assert_int_equal(sqlite3_open(p.db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(jr_shard_open(p.db, NULL, NULL, &s, &eb), JR_EFORMAT);
	assert_non_null(strstr(eb.msg, "not a Jaring shard"));
	assert_null(s);
	/* A file that is not a database at all. */
	paths_for(&q, "foreign2");
	f = fopen(q.db, "wb");
	assert_non_null(f);
	fputs("this is not a database, it is a text file of some length............", f);
	assert_int_equal(fclose(f), 0);
	assert_int_not_equal(jr_shard_open(q.db, NULL, NULL, &s, NULL), JR_OK);
	assert_null(s);
	/* Arguments. */
	assert_int_equal(jr_shard_open(p.db, NULL, kiosk, &s, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_open(NULL, NULL, NULL, &s, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_open(p.db, NULL, NULL, NULL, NULL), JR_EINVAL);
}

static void a_shard_of_a_newer_format_is_refused(void **state)
{
	struct jr_shard *s = NULL;
	struct tamper t;
	struct paths p;

	(void)state;
	paths_for(&p, "format");
	create_ok(&p, kiosk);
	tamper_open(&t, p.db);
	tamper_exec(&t, "UPDATE meta SET format = 3");
	tamper_close(&t);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_EVERSION);
	assert_int_equal(jr_shard_open(p.db, NULL, NULL, &s, NULL), JR_EVERSION);
	assert_null(s);
	/* Format 1 had no index of registration ids (and nothing was deployed,
	 * so there is no migration): refused by its version, not taken for a
	 * foreign file. */
	tamper_open(&t, p.db);
	tamper_exec(&t, "UPDATE meta SET format = 1; DROP TABLE regids; DROP TABLE acks");
	tamper_close(&t);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_EVERSION);
	assert_null(s);
}

/* ---- append --------------------------------------------------------- */

static void append_commits_a_signed_block_that_get_returns(void **state)
{
	const uint8_t *recs[3] = { pool[0].base, pool[1].base, pool[2].base };
	size_t lens[3] = { pool[0].len, pool[1].len, pool[2].len };
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES], calc[JR_HASH_BYTES];
	struct jr_errbuf eb = { 0 };
	struct jr_block b;
	struct jr_buf body;
	struct jr_shard *s;
	struct paths p;
	uint64_t h;

	(void)state;
	paths_for(&p, "append");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	assert_int_equal(jr_shard_append(s, T0, recs, lens, 3, NULL, 0, &h, hash, &eb), JR_OK);
	assert_int_equal(h, 1);
	assert_int_equal(jr_shard_height(s), 1);
	assert_int_equal(jr_shard_head_time(s), T0);
	assert_int_equal(jr_shard_get(s, 1, &body, sig, &eb), JR_OK);
	jr_hash(body.base, body.len, calc);
	assert_memory_equal(calc, hash, JR_HASH_BYTES);
	assert_int_equal(jr_block_verify_sig(jr_shard_kiosk_pk(s), hash, sig), JR_OK);
	assert_int_equal(jr_block_decode(body.base, body.len, &b, NULL), JR_OK);
	assert_int_equal(b.height, 1);
	assert_int_equal(b.time, T0);
	assert_int_equal(b.n_records, 3);
	assert_memory_equal(b.records[2], pool[2].base, pool[2].len);
	assert_memory_equal(b.kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	jr_buf_free(&body);
	/* The second block links to the first. */
	assert_int_equal(append_rec(s, &pool[3]), 2);
	assert_int_equal(jr_shard_get(s, 2, &body, sig, NULL), JR_OK);
	assert_int_equal(jr_block_decode(body.base, body.len, &b, NULL), JR_OK);
	assert_memory_equal(b.prev, hash, JR_HASH_BYTES);
	jr_buf_free(&body);
	assert_int_equal(jr_shard_get(s, 3, &body, sig, &eb), JR_ENOTFOUND);
	assert_null(body.base);
	assert_int_equal(jr_shard_get(s, 0, &body, sig, NULL), JR_EINVAL);
	expect_verified(s);
	jr_shard_close(s);
	/* Reopening finds the same head. */
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 2);
	assert_int_equal(jr_shard_head_time(s), T0 + 2);
	expect_verified(s);
	jr_shard_close(s);
}

static void append_refuses_bad_records_receipts_and_times(void **state)
{
	uint8_t junk[40], hash[JR_HASH_BYTES];
	const uint8_t *recs[JR_BLOCK_MAX_RECORDS + 1];
	size_t lens[JR_BLOCK_MAX_RECORDS + 1];
	struct jr_shard_receipt rc1 = { { 0 }, junk, 20 };
	struct jr_errbuf eb;
	struct jr_shard *s;
	struct paths p;
	uint64_t h;
	size_t i;
	int c;

	(void)state;
	paths_for(&p, "refuse");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	memset(junk, 0xa5, sizeof junk);
	for (c = 0; c < 12; c++) {
		size_t n = 1, nrc = 0;
		int64_t t = T0 + 100;
		int want = JR_EINVAL;

		for (i = 0; i <= JR_BLOCK_MAX_RECORDS; i++) {
			recs[i] = pool[i % POOL].base;
			lens[i] = pool[i % POOL].len;
		}
		memcpy(rc1.regid, pool_id[0], JR_REGID_BYTES);
		rc1.payload = junk;
		rc1.len = 20;
		switch (c) {
		case 0: n = 0; break;
		case 1: n = JR_BLOCK_MAX_RECORDS + 1; break;
		case 2: recs[0] = NULL; break;
		case 3: recs[0] = junk; lens[0] = sizeof junk; want = JR_EFORMAT; break;
		case 4: recs[0] = foreign.base; lens[0] = foreign.len; break;
		case 5: lens[0] = pool[0].len - 1; want = JR_EFORMAT; break;
		case 6: nrc = 1; rc1.regid[0] ^= 1; break;       /* not in the block */
		case 7: nrc = 1; rc1.len = 0; break;
		case 8: nrc = 1; rc1.len = JR_RECEIPT_MAX_BYTES + 1; break;
		case 9: nrc = 1; rc1.payload = NULL; break;
		case 10: t = T0 + 1; break;                       /* before block 2 */
		default: t = -1; break;
		}
		memset(&eb, 0, sizeof eb);
		memset(hash, 0x55, sizeof hash);
		h = 77;
		if (jr_shard_append(s, t, recs, lens, n, &rc1, nrc, &h, hash, &eb) != want)
			fail_msg("case %d: %s", c, eb.msg);
		assert_int_equal(h, 0);
		assert_true(sodium_is_zero(hash, sizeof hash));
		assert_true(eb.msg[0] != '\0');
		assert_int_equal(jr_shard_height(s), 2);
	}
	/* 64 records of the pool: a full block is fine. */
	assert_int_equal(jr_shard_append(s, T0 + 2, recs, lens, JR_BLOCK_MAX_RECORDS,
		NULL, 0, &h, hash, NULL), JR_OK);
	assert_int_equal(h, 3);
	expect_verified(s);
	jr_shard_close(s);
}

static void a_reader_cannot_append_but_follows_the_writer(void **state)
{
	const uint8_t *recs[1] = { pool[0].base };
	size_t lens[1] = { pool[0].len };
	struct jr_errbuf eb = { 0 };
	struct jr_shard *w, *r;
	struct paths p;
	uint64_t h, bad;

	(void)state;
	paths_for(&p, "reader");
	create_ok(&p, kiosk);
	w = open_writer(&p);
	append_n(w, 3);
	r = open_reader(&p);
	assert_int_equal(jr_shard_height(r), 3);
	assert_int_equal(jr_shard_append(r, T0 + 9, recs, lens, 1, NULL, 0, &h, NULL, &eb),
		JR_EINVAL);
	assert_non_null(strstr(eb.msg, "opened for reading"));
	append_n(w, 2);
	assert_int_equal(jr_shard_verify(r, JR_VERIFY_FULL, &bad, NULL), JR_OK);
	assert_int_equal(jr_shard_height(r), 5);
	assert_memory_equal(jr_shard_head_hash(r), jr_shard_head_hash(w), JR_HASH_BYTES);
	assert_int_equal(jr_shard_verify(r, (enum jr_verify_mode)3, &bad, NULL), JR_EINVAL);
	assert_int_equal(jr_shard_verify(r, JR_VERIFY_FULL, NULL, NULL), JR_EINVAL);
	jr_shard_close(r);
	jr_shard_close(w);
}

/* ---- many blocks: throughput and sampled tampering ------------------ */

#define MANY 10000
#define DURABLE 1000

/*
 * A chain this long is verified on two cores (shard.c, VERIFY_PARALLEL_MIN),
 * the upper half from MANY/2 + 1. The seam is checked when the halves join:
 * a re-hashed block there whose prev is wrong, and a row missing just
 * below or above it, are each named at their height.
 */
static void expect_bad_at(struct jr_shard *rd, uint64_t want)
{
	uint64_t bad = 0;
	int mode;

	for (mode = JR_VERIFY_HEAD; mode <= JR_VERIFY_FULL; mode++) {
		int rc = jr_shard_verify(rd, (enum jr_verify_mode)mode, &bad, NULL);
		if (rc == JR_OK || bad != want)
			fail_msg("mode %d: verify gave %s at %llu, want a failure at %llu", mode,
				jr_strerror(rc), (unsigned long long)bad, (unsigned long long)want);
	}
}

static void seam_is_checked(struct tamper *t, struct jr_shard *rd)
{
	uint8_t body[JR_BLOCK_MAX_BYTES], hash[JR_HASH_BYTES], fhash[JR_HASH_BYTES];
	uint8_t sig[JR_SIG_BYTES];
	uint64_t seam = MANY / 2 + 1, h;
	struct jr_buf forged;
	struct jr_block b;
	size_t blen = tamper_get(t, COL_BODY, seam, body, sizeof body);
	char sql[160];

	tamper_get(t, COL_HASH, seam, hash, sizeof hash);
	assert_int_equal(jr_block_decode(body, blen, &b, NULL), JR_OK);
	b.prev[0] ^= 1;
	assert_int_equal(jr_block_encode(&b, &forged), JR_OK);
	jr_hash(forged.base, forged.len, fhash);
	tamper_put(t, COL_BODY, seam, forged.base, forged.len);
	tamper_put(t, COL_HASH, seam, fhash, sizeof fhash);
	expect_bad_at(rd, seam);
	tamper_put(t, COL_BODY, seam, body, blen);
	tamper_put(t, COL_HASH, seam, hash, sizeof hash);
	jr_buf_free(&forged);

	for (h = seam - 1; h <= seam; h++) {
		blen = tamper_get(t, COL_BODY, h, body, sizeof body);
		tamper_get(t, COL_HASH, h, hash, sizeof hash);
		tamper_get(t, COL_SIG, h, sig, sizeof sig);
		snprintf(sql, sizeof sql, "DELETE FROM blocks WHERE height = %llu", (unsigned long long)h);
		tamper_exec(t, sql);
		expect_bad_at(rd, h);
		snprintf(sql, sizeof sql, "INSERT INTO blocks(height, hash, body, sig) VALUES (%llu, 0, 0, 0)",
			(unsigned long long)h);
		tamper_exec(t, sql);
		tamper_put(t, COL_BODY, h, body, blen);
		tamper_put(t, COL_HASH, h, hash, sizeof hash);
		tamper_put(t, COL_SIG, h, sig, sizeof sig);
	}
	expect_verified(rd);
}

static void ten_thousand_blocks_append_verify_and_every_sampled_flip_is_found(void **state)
{
	struct jr_shard *s, *rd;
	struct tamper t;
	struct paths p;
	double t0, t_app, t_head, t_full;
	uint64_t bad, h;
	uint32_t x = 12345;
	unsigned i, flips = 0;
	int col;

	(void)state;
	paths_for(&p, "many");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	/* Every append takes the public path. The first DURABLE ones run as on
	 * a kiosk (synchronous=FULL, counter fsync'd) and give the rate; the
	 * rest skip the fsyncs through the test hook, because two fsyncs per
	 * block on this shared disk would make this one test take most of a
	 * minute. Durability itself is the crash test's business
	 * (test_shard_crash.c), which never uses the hook. */
	t0 = now_s();
	append_n(s, DURABLE);
	t_app = now_s() - t0;
	assert_int_equal(jr_shard_test_set_durable(s, false), JR_OK);
	append_n(s, MANY - DURABLE);
	assert_int_equal(jr_shard_test_set_durable(s, true), JR_OK);
	t0 = now_s();
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_HEAD, &bad, NULL), JR_OK);
	t_head = now_s() - t0;
	t0 = now_s();
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_FULL, &bad, NULL), JR_OK);
	t_full = now_s() - t0;
	printf("shard: %d appends with synchronous=FULL in %.2f s = %.0f/s; verify of %d blocks: "
		"head-only %.0f blocks/s, full %.0f blocks/s\n",
		DURABLE, t_app, DURABLE / t_app, MANY, MANY / t_head, MANY / t_full);
	jr_shard_close(s);
	/* Sampled flips: HEAD mode for bodies and hashes at random heights,
	 * FULL mode for signatures (a few: each FULL walk checks every
	 * signature below the flip). */
	rd = open_reader(&p);
	tamper_open(&t, p.db);
	for (i = 0; i < 60; i++) {
		x = x * 1103515245u + 12345u;
		h = 1 + (x >> 8) % MANY;
		col = i % 2 == 0 ? COL_BODY : COL_HASH;
		flips += flip_each(&t, rd, col, h, (x >> 4) % 32, 100000, JR_VERIFY_HEAD, h);
	}
	for (i = 0; i < 6; i++) {
		x = x * 1103515245u + 12345u;
		h = 1 + (x >> 8) % (i < 3 ? 400 : MANY);
		col = i % 3 == 0 ? COL_BODY : i % 3 == 1 ? COL_HASH : COL_SIG;
		flips += flip_each(&t, rd, col, h, (x >> 4) % 32, 100000, JR_VERIFY_FULL, h);
	}
	/* The head's signature is what HEAD mode rests on. */
	flips += flip_each(&t, rd, COL_SIG, MANY, 0, 7, JR_VERIFY_HEAD, MANY);
	assert_true(flips >= 66);
	expect_verified(rd);
	seam_is_checked(&t, rd);
	tamper_close(&t);
	jr_shard_close(rd);
}

#define SMALL 24

/*
 * Every byte of every stored block. The chain is small because a FULL walk
 * that stops at height h has checked h signatures, so flipping all bytes of
 * all blocks costs bytes * blocks^2 / 2 signature checks.
 */
static void every_flipped_byte_of_a_small_chain_is_found_at_its_height(void **state)
{
	struct jr_shard *s, *rd;
	struct tamper t;
	struct paths p;
	uint64_t h;
	unsigned flips = 0;

	(void)state;
	paths_for(&p, "flips");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	for (h = 0; h < SMALL; h++)
		append_fresh(s, true);
	jr_shard_close(s);
	rd = open_reader(&p);
	tamper_open(&t, p.db);
	for (h = 1; h <= SMALL; h++) {
		flips += flip_each(&t, rd, COL_BODY, h, 0, 1, JR_VERIFY_FULL, h);
		flips += flip_each(&t, rd, COL_HASH, h, 0, 1, JR_VERIFY_FULL, h);
		flips += flip_each(&t, rd, COL_SIG, h, 0, 1, JR_VERIFY_FULL, h);
		flips += flip_each(&t, rd, COL_BODY, h, 0, 1, JR_VERIFY_HEAD, h);
		flips += flip_each(&t, rd, COL_HASH, h, 0, 1, JR_VERIFY_HEAD, h);
	}
	flips += flip_each(&t, rd, COL_SIG, SMALL, 0, 1, JR_VERIFY_HEAD, SMALL);
	printf("shard: %u single-byte flips, each found at its height\n", flips);
	expect_verified(rd);
	tamper_close(&t);
	jr_shard_close(rd);
}

static void missing_or_misshapen_rows_are_found_at_their_height(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s, *rd;
	struct tamper t;
	struct paths p;
	uint64_t bad;

	(void)state;
	paths_for(&p, "rows");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 20);
	tamper_open(&t, p.db);
	tamper_exec(&t, "UPDATE blocks SET sig = substr(sig, 1, 63) WHERE height = 4");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_HEAD, &bad, &eb), JR_ECORRUPT);
	assert_int_equal(bad, 4);
	assert_non_null(strstr(eb.msg, "block 4 has a hash, body or signature of the wrong size"));
	tamper_exec(&t, "UPDATE blocks SET sig = zeroblob(64) WHERE height = 4");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_FULL, &bad, NULL), JR_ESIG);
	assert_int_equal(bad, 4);
	tamper_exec(&t, "UPDATE blocks SET hash = hash || x'00' WHERE height = 3");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_FULL, &bad, NULL), JR_ECORRUPT);
	assert_int_equal(bad, 3);
	tamper_exec(&t, "UPDATE blocks SET body = x'' WHERE height = 2");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_HEAD, &bad, NULL), JR_ECORRUPT);
	assert_int_equal(bad, 2);
	tamper_exec(&t, "DELETE FROM blocks WHERE height = 1");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_HEAD, &bad, NULL), JR_ECORRUPT);
	assert_int_equal(bad, 1);
	jr_shard_close(s);
	tamper_close(&t);

	/* A gap in the middle, and a lost head. */
	paths_for(&p, "rows2");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 20);
	tamper_open(&t, p.db);
	tamper_exec(&t, "DELETE FROM blocks WHERE height = 17");
	memset(&eb, 0, sizeof eb);
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_FULL, &bad, &eb), JR_ECORRUPT);
	assert_int_equal(bad, 17);
	assert_non_null(strstr(eb.msg, "block 17 is missing"));
	tamper_exec(&t, "DELETE FROM blocks WHERE height >= 17");
	assert_int_equal(jr_shard_verify(s, JR_VERIFY_HEAD, &bad, NULL), JR_ECORRUPT);
	assert_int_equal(bad, 17);
	rd = open_reader(&p);
	assert_int_equal(jr_shard_verify(rd, JR_VERIFY_FULL, &bad, NULL), JR_OK);
	assert_int_equal(jr_shard_height(rd), 16);
	jr_shard_close(rd);
	tamper_close(&t);
	jr_shard_close(s);
}

/* Inserts block h as a well-signed block that breaks one chain rule. */
static void insert_crafted(struct tamper *t, const struct jr_key *signer,
	struct jr_block *b)
{
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_buf body;
	sqlite3_stmt *st;

	assert_int_equal(jr_block_encode(b, &body), JR_OK);
	assert_int_equal(jr_block_sign(signer, body.base, body.len, hash, sig), JR_OK);
	assert_int_equal(sqlite3_prepare_v2(t->db,
		"INSERT OR REPLACE INTO blocks(height, hash, body, sig) VALUES (?1, ?2, ?3, ?4)",
		-1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, (sqlite3_int64)b->height);
	sqlite3_bind_blob(st, 2, hash, JR_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, body.base, (int)body.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, JR_SIG_BYTES, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	jr_buf_free(&body);
}

static void verify_refuses_well_signed_blocks_that_break_the_chain_rules(void **state)
{
	struct jr_shard *s, *rd;
	struct jr_block b;
	struct tamper t;
	struct paths p;
	uint64_t bad;
	int c;

	(void)state;
	for (c = 0; c < 6; c++) {
		char name[32];
		int want_full = JR_ECORRUPT, want_head = JR_ECORRUPT;

		snprintf(name, sizeof name, "craft%d", c);
		paths_for(&p, name);
		create_ok(&p, kiosk);
		s = open_writer(&p);
		append_n(s, 3);
		memset(&b, 0, sizeof b);
		memcpy(b.kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
		b.height = 4;
		memcpy(b.prev, jr_shard_head_hash(s), JR_HASH_BYTES);
		b.time = T0 + 10;
		b.n_records = 1;
		b.records[0] = pool[0].base;
		b.record_len[0] = pool[0].len;
		switch (c) {
		case 0: b.time = T0 + 2; break;                   /* before block 3 */
		case 1: b.prev[0] ^= 1; break;                     /* not after block 3 */
		case 2: b.height = 5; break;                       /* stored at 4 below */
		case 3: memcpy(b.kiosk_id, jr_key_id(kiosk2), JR_ID_BYTES); break;
		case 4: want_full = want_head = JR_ESIG; break;    /* signed by kiosk2 */
		default: want_full = want_head = JR_OK; break;     /* the control */
		}
		jr_shard_close(s);
		tamper_open(&t, p.db);
		insert_crafted(&t, c == 4 ? kiosk2 : kiosk, &b);
		if (c == 2)
			tamper_exec(&t, "UPDATE blocks SET height = 4 WHERE height = 5");
		tamper_close(&t);
		rd = open_reader(&p);
		assert_int_equal(jr_shard_verify(rd, JR_VERIFY_FULL, &bad, NULL), want_full);
		assert_int_equal(bad, want_full == JR_OK ? 0 : 4);
		assert_int_equal(jr_shard_verify(rd, JR_VERIFY_HEAD, &bad, NULL), want_head);
		assert_int_equal(bad, want_head == JR_OK ? 0 : 4);
		jr_shard_close(rd);
	}
}

/* ---- receipts ------------------------------------------------------- */

static void receipts_are_stored_with_their_block_and_found_by_regid_last_and_code(void **state)
{
	const uint8_t *recs[2] = { pool[4].base, pool[5].base };
	size_t lens[2] = { pool[4].len, pool[5].len };
	uint8_t pay_a[30], pay_b[60];
	struct jr_shard_receipt rcpt[2];
	struct jr_buf out;
	struct jr_shard *s;
	struct paths p;
	uint64_t h;

	(void)state;
	paths_for(&p, "receipts");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	assert_int_equal(jr_shard_last_receipt(s, &out), JR_ENOTFOUND);
	assert_null(out.base);
	jr_test_fill(pay_a, sizeof pay_a, 1);
	jr_test_fill(pay_b, sizeof pay_b, 2);
	memcpy(rcpt[0].regid, pool_id[4], JR_REGID_BYTES);
	rcpt[0].payload = pay_a;
	rcpt[0].len = sizeof pay_a;
	memcpy(rcpt[1].regid, pool_id[5], JR_REGID_BYTES);
	rcpt[1].payload = pay_b;
	rcpt[1].len = sizeof pay_b;
	append_n(s, 1);
	assert_int_equal(jr_shard_append(s, T0 + 5, recs, lens, 2, rcpt, 2, &h, NULL, NULL), JR_OK);
	assert_int_equal(h, 2);
	assert_int_equal(jr_shard_receipt(s, pool_id[4], &out), JR_OK);
	assert_int_equal(out.len, sizeof pay_a);
	assert_memory_equal(out.base, pay_a, sizeof pay_a);
	jr_buf_free(&out);
	assert_int_equal(jr_shard_last_receipt(s, &out), JR_OK);
	assert_memory_equal(out.base, pay_b, sizeof pay_b);
	jr_buf_free(&out);
	assert_int_equal(jr_shard_receipt_by_code(s, jr_regid_prefix45(pool_id[4]), &out), JR_OK);
	assert_memory_equal(out.base, pay_a, sizeof pay_a);
	jr_buf_free(&out);
	assert_int_equal(jr_shard_receipt_by_code(s, jr_regid_prefix45(pool_id[5]), &out), JR_OK);
	assert_memory_equal(out.base, pay_b, sizeof pay_b);
	jr_buf_free(&out);
	/* Unknown ids and codes; out-of-range codes. */
	assert_int_equal(jr_shard_receipt(s, pool_id[6], &out), JR_ENOTFOUND);
	assert_null(out.base);
	assert_int_equal(jr_shard_receipt_by_code(s, jr_regid_prefix45(pool_id[6]), &out),
		JR_ENOTFOUND);
	assert_int_equal(jr_shard_receipt_by_code(s, UINT64_C(1) << 45, &out), JR_EINVAL);
	assert_int_equal(jr_shard_receipt(s, NULL, &out), JR_EINVAL);
	/* A reader finds them too. */
	jr_shard_close(s);
	s = open_reader(&p);
	assert_int_equal(jr_shard_receipt(s, pool_id[5], &out), JR_OK);
	assert_memory_equal(out.base, pay_b, sizeof pay_b);
	jr_buf_free(&out);
	jr_shard_close(s);
}

/* Adds a receipts row for `regid` (height 1) through a second connection.
 * The shard API cannot make two registrations whose ids share 45 bits: the
 * id is BLAKE2b-128 of the record, and a record with a chosen prefix takes
 * about 2^45 tries (a birthday pair among a test's records, about 2^22.5 of
 * them, is out of reach too). A shared prefix is what such a pair would
 * leave in the table, so the test writes it directly. */
static void insert_receipt_row(const struct paths *p, const uint8_t regid[JR_REGID_BYTES],
	const uint8_t *pay, size_t n)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(p->db, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO receipts(regid, height, prefix45, "
		"payload) VALUES (?1, 1, ?2, ?3)", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)jr_regid_prefix45(regid));
	sqlite3_bind_blob(st, 3, pay, (int)n, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void expect_code(struct jr_shard *s, const uint8_t regid[JR_REGID_BYTES], int want,
	const uint8_t *pay, size_t n)
{
	static uint8_t junk[1] = { 'x' };
	struct jr_buf out = { junk, 1 }; /* must come back empty on failure */

	assert_int_equal(jr_shard_receipt_by_code(s, jr_regid_prefix45(regid), &out), want);
	if (want != JR_OK) {
		assert_null(out.base);
		assert_int_equal(out.len, 0);
		return;
	}
	assert_int_equal(out.len, n);
	assert_memory_equal(out.base, pay, n);
	jr_buf_free(&out);
}

/* Two receipts whose registration ids agree in bits 0..44 (and differ in
 * bit 45, the 0x04 bit of byte 5) share a typed code: the lookup must give
 * JR_EAMBIGUOUS and neither payload, for a writer and a reader alike, while
 * each is still found by its full id. An id that differs in bit 44 (0x08 of
 * byte 5) has another code. */
static void a_code_shared_by_two_receipts_is_ambiguous_and_gives_neither(void **state)
{
	const uint8_t *recs[1] = { pool[4].base };
	size_t lens[1] = { pool[4].len };
	uint8_t pay_a[30], pay_b[40], pay_c[50], twin[JR_REGID_BYTES], near[JR_REGID_BYTES];
	struct jr_shard_receipt rcpt;
	struct jr_buf out = { 0 };
	struct jr_shard *s;
	struct paths p;
	uint64_t h;

	(void)state;
	paths_for(&p, "ambiguous");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	jr_test_fill(pay_a, sizeof pay_a, 11);
	jr_test_fill(pay_b, sizeof pay_b, 12);
	jr_test_fill(pay_c, sizeof pay_c, 13);
	memcpy(rcpt.regid, pool_id[4], JR_REGID_BYTES);
	rcpt.payload = pay_a;
	rcpt.len = sizeof pay_a;
	assert_int_equal(jr_shard_append(s, T0 + 1, recs, lens, 1, &rcpt, 1, &h, NULL, NULL), JR_OK);
	expect_code(s, pool_id[4], JR_OK, pay_a, sizeof pay_a);
	jr_shard_close(s);

	memcpy(near, pool_id[4], JR_REGID_BYTES);
	near[5] ^= 0x08; /* bit 44: the last bit the code carries */
	assert_true(jr_regid_prefix45(near) != jr_regid_prefix45(pool_id[4]));
	insert_receipt_row(&p, near, pay_c, sizeof pay_c);
	s = open_writer(&p);
	expect_code(s, pool_id[4], JR_OK, pay_a, sizeof pay_a);
	expect_code(s, near, JR_OK, pay_c, sizeof pay_c);
	jr_shard_close(s);

	memcpy(twin, pool_id[4], JR_REGID_BYTES);
	twin[5] ^= 0x04; /* bit 45: the first bit the code does not carry */
	assert_true(jr_regid_prefix45(twin) == jr_regid_prefix45(pool_id[4]));
	insert_receipt_row(&p, twin, pay_b, sizeof pay_b);
	s = open_writer(&p);
	expect_code(s, pool_id[4], JR_EAMBIGUOUS, NULL, 0);
	expect_code(s, twin, JR_EAMBIGUOUS, NULL, 0);
	expect_code(s, near, JR_OK, pay_c, sizeof pay_c);
	assert_int_equal(jr_shard_receipt(s, pool_id[4], &out), JR_OK);
	assert_memory_equal(out.base, pay_a, sizeof pay_a);
	jr_buf_free(&out);
	assert_int_equal(jr_shard_receipt(s, twin, &out), JR_OK);
	assert_memory_equal(out.base, pay_b, sizeof pay_b);
	jr_buf_free(&out);
	/* The statement is reset after an ambiguous answer: asked again, and
	 * after another lookup, it answers the same. */
	expect_code(s, pool_id[4], JR_EAMBIGUOUS, NULL, 0);
	jr_shard_close(s);
	s = open_reader(&p);
	expect_code(s, twin, JR_EAMBIGUOUS, NULL, 0);
	jr_shard_close(s);
}

static void a_receipt_that_cannot_be_stored_leaves_no_block(void **state)
{
	const uint8_t *recs[1] = { pool[7].base };
	size_t lens[1] = { pool[7].len };
	uint8_t pay[20] = { 1, 2, 3 }, hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_shard_receipt rcpt = { { 0 }, pay, sizeof pay };
	struct jr_errbuf eb = { 0 };
	struct jr_buf body;
	struct jr_shard *s;
	struct tamper t;
	struct paths p;
	char sql[160], hex[2 * JR_REGID_BYTES + 1];
	uint64_t h;

	(void)state;
	paths_for(&p, "atomic");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 1);
	/* A receipt row for pool[7] that no block holds (put there behind the
	 * shard's back): storing the block's receipt fails, so the block and
	 * its registration ids are rolled back with it. */
	jr_hex(pool_id[7], JR_REGID_BYTES, hex);
	tamper_open(&t, p.db);
	snprintf(sql, sizeof sql,
		"INSERT INTO receipts(regid, height, prefix45, payload) VALUES (x'%s', 9, 0, x'00')", hex);
	tamper_exec(&t, sql);
	memcpy(rcpt.regid, pool_id[7], JR_REGID_BYTES);
	h = 5;
	assert_int_equal(jr_shard_append(s, T0 + 1, recs, lens, 1, &rcpt, 1, &h, hash, &eb),
		JR_EEXIST);
	assert_non_null(strstr(eb.msg, "receipts"));
	assert_int_equal(h, 0);
	assert_int_equal(jr_shard_height(s), 1);
	assert_int_equal(jr_shard_get(s, 2, &body, sig, NULL), JR_ENOTFOUND);
	expect_verified(s);
	tamper_exec(&t, "DELETE FROM receipts WHERE height = 9");
	tamper_close(&t);
	/* Nothing of it stayed behind: the same record is accepted now. */
	assert_int_equal(jr_shard_append(s, T0 + 2, recs, lens, 1, &rcpt, 1, &h, hash, &eb), JR_OK);
	assert_int_equal(h, 2);
	jr_shard_close(s);
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 2);
	expect_verified(s);
	jr_shard_close(s);
}

/* ---- a registration is signed once ---------------------------------- */

/* Appending recs[0..n) must fail with JR_EEXIST, naming the registration
 * id `dup` in hex (and `held`, the height holding it, unless 0), and leave
 * the shard at `height`, verifying. */
static void expect_duplicate(struct jr_shard *s, const uint8_t *const *recs,
	const size_t *lens, size_t n, const uint8_t dup[JR_REGID_BYTES],
	uint64_t held, uint64_t height)
{
	char hex[2 * JR_REGID_BYTES + 1], want[64];
	struct jr_errbuf eb = { 0 };
	uint8_t hash[JR_HASH_BYTES];
	uint64_t h = 9;

	memset(hash, 0x55, sizeof hash);
	assert_int_equal(jr_shard_append(s, T0 + 1000, recs, lens, n, NULL, 0, &h, hash, &eb),
		JR_EEXIST);
	assert_int_equal(h, 0);
	assert_true(sodium_is_zero(hash, sizeof hash));
	jr_hex(dup, JR_REGID_BYTES, hex);
	assert_non_null(strstr(eb.msg, hex));
	if (held > 0) {
		snprintf(want, sizeof want, "block %llu already holds", (unsigned long long)held);
		assert_non_null(strstr(eb.msg, want));
	}
	assert_int_equal(jr_shard_height(s), height);
	expect_verified(s);
}

static void the_same_record_twice_in_one_block_is_refused(void **state)
{
	const uint8_t *recs[3] = { pool[10].base, pool[11].base, pool[10].base };
	size_t lens[3] = { pool[10].len, pool[11].len, pool[10].len };
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "dup-block");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	expect_duplicate(s, recs, lens, 3, pool_id[10], 0, 2);
	/* Without the copy the block is fine, and then neither record is new. */
	assert_int_equal(jr_shard_append(s, T0 + 3, recs, lens, 2, NULL, 0, NULL, NULL, NULL), JR_OK);
	expect_duplicate(s, recs + 1, lens + 1, 1, pool_id[11], 3, 3);
	jr_shard_close(s);
}

static void the_same_record_again_at_the_next_height_is_refused_after_reopen_too(void **state)
{
	const uint8_t *recs[2] = { pool[12].base, pool[13].base };
	size_t lens[2] = { pool[12].len, pool[13].len };
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "dup-next");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	assert_int_equal(append_rec(s, &pool[12]), 1);
	expect_duplicate(s, recs, lens, 1, pool_id[12], 1, 1);
	/* Among new records, the one already held is still found. */
	recs[0] = pool[13].base;
	lens[0] = pool[13].len;
	recs[1] = pool[12].base;
	lens[1] = pool[12].len;
	expect_duplicate(s, recs, lens, 2, pool_id[12], 1, 1);
	append_n(s, 3);
	jr_shard_close(s);
	/* The index is in the database, not in the open handle. */
	s = open_writer(&p);
	expect_duplicate(s, recs + 1, lens + 1, 1, pool_id[12], 1, 4);
	assert_int_equal(append_rec(s, &pool[13]), 5);
	expect_duplicate(s, recs, lens, 1, pool_id[13], 5, 5);
	jr_shard_close(s);
}

/* ---- the fork guard ------------------------------------------------- */

/* A backup of the shard's files as a kiosk's SD card holds them: the
 * database and its WAL, and with_counter the counter file too (a whole-card
 * image). image_restore puts them back as a restore would. */
struct image {
	char db_old[700], wal[700], wal_old[700], shm[700], ctr_old[700];
	bool with_counter;
};

static void image_take(struct image *im, const struct paths *p, bool with_counter)
{
	suffixed(im->db_old, sizeof im->db_old, p->db, ".old");
	suffixed(im->wal, sizeof im->wal, p->db, "-wal");
	suffixed(im->wal_old, sizeof im->wal_old, p->db, "-wal.old");
	suffixed(im->shm, sizeof im->shm, p->db, "-shm");
	suffixed(im->ctr_old, sizeof im->ctr_old, p->ctr, ".old");
	im->with_counter = with_counter;
	copy_file(p->db, im->db_old);
	copy_file(im->wal, im->wal_old);
	if (with_counter)
		copy_file(p->ctr, im->ctr_old);
}

static void image_restore(const struct image *im, const struct paths *p)
{
	copy_file(im->db_old, p->db);
	copy_file(im->wal_old, im->wal);
	if (im->with_counter)
		copy_file(im->ctr_old, p->ctr);
	unlink(im->shm);
}


static void a_database_restored_from_an_old_copy_is_refused(void **state)
{
	char want[2048];
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct image im;
	struct paths p, q;

	(void)state;
	paths_for(&p, "restore");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 5);
	/* A backup taken at height 5, while the kiosk runs. */
	image_take(&im, &p, false);
	append_n(s, 5);
	jr_shard_close(s);
	/* The old copy is put back. */
	image_restore(&im, &p);
	s = open_reader(&p);
	assert_int_equal(jr_shard_height(s), 5);
	jr_shard_close(s);
	s = (struct jr_shard *)&eb;
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ESTALE);
	assert_null(s);
	snprintf(want, sizeof want,
		"shard %s is at height 5 but this kiosk already signed height 10 (counter %s): "
		"the database was restored from an older copy. Signing again would create a second, "
		"different block at heights 6-10. Do not delete the counter. See docs/operations.md, "
		"'Restoring a kiosk from a backup'.", p.db, p.ctr);
	assert_string_equal(eb.msg, want);
	/* A reader given the counter is told the same; without it, it can read
	 * and export what remains. */
	assert_int_equal(jr_shard_open(p.db, p.ctr, NULL, &s, NULL), JR_ESTALE);
	s = open_reader(&p);
	expect_verified(s);
	jr_shard_close(s);
	/* Nothing changed: still refused. */
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_ESTALE);
	/* The documented recovery: a new kiosk key and a new shard. */
	paths_for(&q, "restore-new");
	create_ok(&q, kiosk2);
	assert_int_equal(jr_shard_open(q.db, q.ctr, kiosk2, &s, NULL), JR_OK);
	jr_shard_close(s);
}

static void a_database_one_block_behind_names_a_single_height(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct tamper t;
	struct paths p;

	(void)state;
	paths_for(&p, "behind1");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 3);
	jr_shard_close(s);
	tamper_open(&t, p.db);
	tamper_exec(&t, "DELETE FROM blocks WHERE height = 3");
	tamper_close(&t);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ESTALE);
	assert_non_null(strstr(eb.msg, "different block at height 3. Do not"));
}

static void a_database_of_another_chain_is_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct paths a, b;

	(void)state;
	/* Two shards of the same kiosk key (as after a careless re-install). */
	paths_for(&a, "chain-a");
	paths_for(&b, "chain-b");
	create_ok(&a, kiosk);
	create_ok(&b, kiosk);
	s = open_writer(&a);
	append_n(s, 3);
	jr_shard_close(s);
	s = open_writer(&b);
	append_rec(s, &pool[9]);
	append_n(s, 4);
	jr_shard_close(s);
	/* B's database with A's counter: B is ahead, but its block 3 is not the
	 * block 3 this counter recorded. */
	assert_int_equal(jr_shard_open(b.db, a.ctr, kiosk, &s, &eb), JR_ECORRUPT);
	assert_non_null(strstr(eb.msg, "holds another block at height 3"));
	assert_null(s);
}

static void another_kiosks_key_is_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct paths p;

	(void)state;
	paths_for(&p, "otherkey");
	create_ok(&p, kiosk);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk2, &s, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "belongs to kiosk"));
	assert_null(s);
	assert_int_equal(jr_shard_open(p.db, p.ctr, officer, &s, NULL), JR_EKEY);
	/* The refusal did not keep the lock. */
	s = open_writer(&p);
	jr_shard_close(s);
}

static void a_second_writer_is_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *w, *w2 = NULL, *r;
	struct paths p;

	(void)state;
	paths_for(&p, "twowriters");
	create_ok(&p, kiosk);
	w = open_writer(&p);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &w2, &eb), JR_EEXIST);
	assert_non_null(strstr(eb.msg, "locked by another writer"));
	assert_null(w2);
	/* Readers are fine meanwhile, with or without the counter. */
	r = open_reader(&p);
	jr_shard_close(r);
	assert_int_equal(jr_shard_open(p.db, p.ctr, NULL, &r, NULL), JR_OK);
	jr_shard_close(r);
	append_n(w, 1);
	jr_shard_close(w);
	w2 = open_writer(&p);
	assert_int_equal(jr_shard_height(w2), 1);
	jr_shard_close(w2);
}

static void a_counter_behind_the_database_is_advanced_on_open(void **state)
{
	char ctr_old[700];
	struct jr_counter c;
	struct jr_shard *s;
	struct paths p;
	uint8_t head[JR_HASH_BYTES];

	(void)state;
	paths_for(&p, "advance");
	suffixed(ctr_old, sizeof ctr_old, p.ctr, ".old");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 3);
	copy_file(p.ctr, ctr_old);
	append_n(s, 1);
	memcpy(head, jr_shard_head_hash(s), JR_HASH_BYTES);
	jr_shard_close(s);
	/* As if the kiosk died between COMMIT of block 4 and the counter. */
	copy_file(ctr_old, p.ctr);
	assert_int_equal(jr_counter_open(p.ctr, false, &c, NULL), JR_OK);
	assert_int_equal(c.height, 3);
	jr_counter_close(&c);
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 4);
	jr_shard_close(s);
	assert_int_equal(jr_counter_open(p.ctr, false, &c, NULL), JR_OK);
	assert_int_equal(c.height, 4);
	assert_memory_equal(c.hash, head, JR_HASH_BYTES);
	jr_counter_close(&c);
}

static void a_counter_rewritten_at_height_zero_is_refused(void **state)
{
	char want[2048];
	struct jr_errbuf eb = { 0 };
	struct jr_counter c;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ctr-zero");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 4);
	jr_shard_close(s);
	/* A counter made anew, as by someone who deleted the old one. */
	assert_int_equal(unlink(p.ctr), 0);
	assert_int_equal(jr_counter_create(p.ctr, &c, NULL), JR_OK);
	jr_counter_close(&c);
	s = (struct jr_shard *)&eb;
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ECORRUPT);
	assert_null(s);
	snprintf(want, sizeof want,
		"shard %s is at height 4 but counter %s says this kiosk signed only up to height 0: "
		"a power cut leaves the counter at most one block behind, so the counter was "
		"rewritten or replaced. Do not append, and do not delete either file. See "
		"docs/operations.md, 'Restoring a kiosk from a backup'.", p.db, p.ctr);
	assert_string_equal(eb.msg, want);
	/* The refusal changed nothing: the counter still says 0, the database
	 * verifies, and a second try is refused the same way. */
	assert_int_equal(jr_counter_open(p.ctr, false, &c, NULL), JR_OK);
	assert_int_equal(c.height, 0);
	jr_counter_close(&c);
	s = open_reader(&p);
	expect_verified(s);
	jr_shard_close(s);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_ECORRUPT);
}

static void a_counter_two_blocks_behind_is_refused(void **state)
{
	uint8_t h2[JR_HASH_BYTES];
	struct jr_counter c;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ctr-two");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	memcpy(h2, jr_shard_head_hash(s), JR_HASH_BYTES);
	append_n(s, 2);
	jr_shard_close(s);
	/* Rewritten with the library's own counter functions: height 2 and the
	 * true hash of block 2, two below the database. */
	assert_int_equal(jr_counter_open(p.ctr, true, &c, NULL), JR_OK);
	assert_int_equal(jr_counter_advance(&c, 2, h2, NULL), JR_OK);
	jr_counter_close(&c);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_ECORRUPT);
	assert_null(s);
}

/*
 * What the counter CANNOT catch, written down as a test so that nobody
 * mistakes it for more than it is. An ordinary whole-card image holds the
 * database and the counter together; put back, they agree, and the shard
 * opens and would sign a second, different block at heights it already
 * used. A counter rewritten to exactly one below the database looks like a
 * power cut and is advanced. The control for both is the centre's signed
 * acknowledged head (jr_shard_accept_ack), tested below.
 */
static void what_the_counter_cannot_catch_opens_fine(void **state)
{
	struct image im;
	uint8_t h3[JR_HASH_BYTES];
	struct jr_counter c;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ctr-blind");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 3);
	memcpy(h3, jr_shard_head_hash(s), JR_HASH_BYTES);
	jr_shard_close(s);
	/* The whole card, imaged at height 3. */
	image_take(&im, &p, true);
	s = open_writer(&p);
	append_n(s, 3);
	jr_shard_close(s);
	image_restore(&im, &p);
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 3);
	/* ... and it signs a second block 4: the fork the centre must catch. */
	assert_int_equal(append_fresh(s, false), 4);
	jr_shard_close(s);
	/* A counter rewritten to one below (height 3 and its true hash). */
	assert_int_equal(jr_counter_open(p.ctr, true, &c, NULL), JR_OK);
	assert_int_equal(jr_counter_advance(&c, 3, h3, NULL), JR_OK);
	jr_counter_close(&c);
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 4);
	jr_shard_close(s);
}

/* ---- the acknowledged head ----------------------------------------- */

/* The centre's ack of (height, hash) for kiosk id `id`, signed by `by`. */
static void make_ack(const struct jr_key *by, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], struct jr_buf *out)
{
	struct jr_ack a;

	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, id, JR_ID_BYTES);
	a.height = height;
	memcpy(a.hash, hash, JR_HASH_BYTES);
	a.time = T0 + 86400;
	assert_int_equal(jr_ack_sign(by, &a, out), JR_OK);
}

/* The ack of this shard's current head. */
static void ack_of_head(struct jr_shard *s, struct jr_buf *out)
{
	make_ack(consortium, jr_shard_kiosk_id(s), jr_shard_height(s), jr_shard_head_hash(s), out);
}

static const uint8_t *consortium_pk(void)
{
	static struct jr_pubkey pub;

	jr_key_public(consortium, &pub);
	return pub.sign_pk;
}

static void accept_ok(struct jr_shard *s, const struct jr_buf *ack)
{
	struct jr_errbuf eb = { 0 };

	if (jr_shard_accept_ack(s, ack->base, ack->len, consortium_pk(), &eb) != JR_OK)
		fail_msg("accept: %s", eb.msg);
}

/* An append to `s` must be refused as stale, naming both heights. */
static void expect_append_stale(struct jr_shard *s, uint64_t acked, const char *holds)
{
	char want[128];
	struct jr_errbuf eb = { 0 };
	struct jr_buf rec;
	const uint8_t *recs[1];
	size_t lens[1];
	uint64_t h = 7, before = jr_shard_height(s);

	fresh_record(&rec, false);
	recs[0] = rec.base;
	lens[0] = rec.len;
	assert_int_equal(jr_shard_append(s, T0 + 5000, recs, lens, 1, NULL, 0, &h, NULL, &eb),
		JR_ESTALE);
	jr_buf_free(&rec);
	assert_int_equal(h, 0);
	assert_int_equal(jr_shard_height(s), before);
	snprintf(want, sizeof want, "the centre acknowledged height %llu", (unsigned long long)acked);
	assert_non_null(strstr(eb.msg, want));
	assert_non_null(strstr(eb.msg, holds));
	assert_non_null(strstr(eb.msg, "docs/operations.md, 'Restoring a kiosk from a backup'"));
	assert_true(jr_shard_stale(s));
}

/*
 * The scenario the counter cannot catch (what_the_counter_cannot_catch_
 * opens_fine), caught: the whole card imaged at height 5, the kiosk goes on
 * to 10 and the centre acknowledges 10; the image is put back, and the next
 * downstream bundle brings ack 10 again.
 */
static void a_whole_card_restore_is_refused_once_the_centre_acks_a_height_it_lacks(void **state)
{
	struct image im;
	struct jr_errbuf eb = { 0 };
	struct jr_buf ack10;
	struct jr_ack got;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ack-restore");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 5);
	jr_shard_close(s);
	image_take(&im, &p, true);
	s = open_writer(&p);
	append_n(s, 5);
	ack_of_head(s, &ack10);
	accept_ok(s, &ack10);
	assert_false(jr_shard_stale(s));
	assert_int_equal(jr_shard_last_ack(s, &got), JR_OK);
	assert_int_equal(got.height, 10);
	jr_shard_close(s);
	image_restore(&im, &p);
	/* Database and counter agree: it opens, as the counter cannot tell. */
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 5);
	assert_int_equal(jr_shard_last_ack(s, &got), JR_ENOTFOUND);
	assert_int_equal(jr_shard_accept_ack(s, ack10.base, ack10.len, consortium_pk(), &eb),
		JR_ESTALE);
	assert_non_null(strstr(eb.msg, "acknowledged height 10"));
	assert_non_null(strstr(eb.msg, "holds only heights 1-5"));
	expect_append_stale(s, 10, "holds only heights 1-5");
	/* Accepting it again changes nothing and says the same. */
	assert_int_equal(jr_shard_accept_ack(s, ack10.base, ack10.len, consortium_pk(), NULL),
		JR_ESTALE);
	jr_shard_close(s);
	/* Still refused after reopen: the stored ack is above the head. */
	memset(&eb, 0, sizeof eb);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ESTALE);
	assert_null(s);
	assert_non_null(strstr(eb.msg, "acknowledged height 10"));
	assert_non_null(strstr(eb.msg, "holds only heights 1-5"));
	/* A reader opens it, sees the mark, and the chain still verifies. */
	s = open_reader(&p);
	assert_true(jr_shard_stale(s));
	assert_int_equal(jr_shard_last_ack(s, &got), JR_OK);
	assert_int_equal(got.height, 10);
	expect_verified(s);
	assert_int_equal(jr_shard_accept_ack(s, ack10.base, ack10.len, consortium_pk(), NULL),
		JR_EINVAL);
	jr_shard_close(s);
	jr_buf_free(&ack10);
}

static void an_ack_of_another_block_at_a_height_held_makes_the_shard_stale(void **state)
{
	uint8_t other[JR_HASH_BYTES];
	struct jr_errbuf eb = { 0 };
	struct jr_buf ack;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ack-fork");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 5);
	/* The centre holds another block 3 (this kiosk signed two). */
	jr_test_fill(other, sizeof other, 3);
	make_ack(consortium, jr_shard_kiosk_id(s), 3, other, &ack);
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), &eb),
		JR_ESTALE);
	assert_non_null(strstr(eb.msg, "(at height 5) holds another block at height 3"));
	expect_append_stale(s, 3, "holds another block at height 3");
	jr_buf_free(&ack);
	jr_shard_close(s);
	/* The mark survives a reopen; the ack is not above the head, so the
	 * shard opens (the kiosk can still show what it holds) but will not
	 * sign. */
	s = open_writer(&p);
	assert_true(jr_shard_stale(s));
	expect_append_stale(s, 3, "holds another block at height 3");
	/* A later, true ack does not lift it. */
	ack_of_head(s, &ack);
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), NULL), JR_OK);
	expect_append_stale(s, 3, "holds another block at height 3");
	jr_buf_free(&ack);
	expect_verified(s);
	jr_shard_close(s);
}

static void acks_at_or_below_the_head_let_the_kiosk_go_on(void **state)
{
	uint8_t h3[JR_HASH_BYTES];
	struct jr_buf ack3, ack5;
	struct jr_ack got;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ack-ok");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	assert_int_equal(jr_shard_last_ack(s, &got), JR_ENOTFOUND);
	append_n(s, 3);
	memcpy(h3, jr_shard_head_hash(s), JR_HASH_BYTES);
	make_ack(consortium, jr_shard_kiosk_id(s), 3, h3, &ack3);
	append_n(s, 2);
	/* The centre is behind the kiosk, as it usually is. */
	accept_ok(s, &ack3);
	ack_of_head(s, &ack5);
	accept_ok(s, &ack5);
	/* An older and an equal one are no-ops. */
	accept_ok(s, &ack3);
	accept_ok(s, &ack5);
	assert_int_equal(jr_shard_last_ack(s, &got), JR_OK);
	assert_int_equal(got.height, 5);
	assert_int_equal(got.time, T0 + 86400);
	assert_false(jr_shard_stale(s));
	append_n(s, 2);
	jr_shard_close(s);
	s = open_writer(&p);
	assert_int_equal(jr_shard_last_ack(s, &got), JR_OK);
	assert_int_equal(got.height, 5);
	append_n(s, 1);
	assert_int_equal(jr_shard_height(s), 8);
	expect_verified(s);
	jr_shard_close(s);
	jr_buf_free(&ack3);
	jr_buf_free(&ack5);
}

/* Nothing of a refused ack is stored: no stale mark, no stored ack. */
static void expect_nothing_taken(struct jr_shard *s)
{
	struct jr_ack got;

	assert_false(jr_shard_stale(s));
	assert_int_equal(jr_shard_last_ack(s, &got), JR_ENOTFOUND);
	append_n(s, 1);
}

static void an_ack_for_another_kiosk_is_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf ack;
	struct jr_shard *s;
	struct paths p;

	(void)state;
	paths_for(&p, "ack-kiosk");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	/* Kiosk 2's ack, for a height this shard lacks. */
	make_ack(consortium, jr_key_id(kiosk2), 9, jr_shard_head_hash(s), &ack);
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "meant for another kiosk"));
	jr_buf_free(&ack);
	expect_nothing_taken(s);
	jr_shard_close(s);
}

static void an_ack_not_signed_by_the_consortium_is_refused(void **state)
{
	const struct jr_key *signers[2] = { kiosk, officer };
	struct jr_errbuf eb = { 0 };
	struct jr_buf ack;
	struct jr_shard *s;
	struct paths p;
	int i;

	(void)state;
	paths_for(&p, "ack-key");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	/* jr_ack_sign takes only a consortium key; others could still sign the
	 * bytes, so sign them by hand. */
	make_ack(consortium, jr_shard_kiosk_id(s), 9, jr_shard_head_hash(s), &ack);
	for (i = 0; i < 2; i++) {
		uint8_t body_hash[JR_HASH_BYTES];
		size_t n = ack.base[2];

		jr_hash(ack.base + 3, n, body_hash);
		assert_int_equal(jr_sign_hash(signers[i], JR_ACK_DOMAIN, body_hash,
			ack.base + 3 + n + 2), JR_OK);
		memset(&eb, 0, sizeof eb);
		assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), &eb),
			JR_ESIG);
		assert_non_null(strstr(eb.msg, "not the consortium's"));
	}
	jr_buf_free(&ack);
	expect_nothing_taken(s);
	jr_shard_close(s);
}

static void tampered_or_truncated_ack_bytes_are_refused_and_change_nothing(void **state)
{
	struct jr_buf ack;
	struct jr_shard *s;
	struct paths p;
	uint32_t x = 99;
	size_t n;
	unsigned i, bit;

	(void)state;
	paths_for(&p, "ack-tamper");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 2);
	/* Above the head: any of these accepted would make the shard stale. */
	make_ack(consortium, jr_shard_kiosk_id(s), 9, jr_shard_head_hash(s), &ack);
	assert_true(ack.len > 0);
	for (n = 0; n < ack.len; n++)
		assert_int_not_equal(jr_shard_accept_ack(s, ack.base, n, consortium_pk(), NULL), JR_OK);
	for (i = 0; i < 200; i++) {
		x = x * 1103515245u + 12345u;
		n = (x >> 8) % ack.len;
		bit = (x >> 4) % 8;
		ack.base[n] ^= (uint8_t)(1u << bit);
		assert_int_not_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), NULL),
			JR_OK);
		ack.base[n] ^= (uint8_t)(1u << bit);
	}
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), NULL), JR_ESTALE);
	jr_buf_free(&ack);
	jr_shard_close(s);
	/* Before that last one, nothing had been taken. */
	paths_for(&p, "ack-tamper2");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 1);
	make_ack(consortium, jr_shard_kiosk_id(s), 9, jr_shard_head_hash(s), &ack);
	ack.base[ack.len - 1] ^= 0x80;
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len, consortium_pk(), NULL), JR_ESIG);
	assert_int_equal(jr_shard_accept_ack(s, ack.base, ack.len - 1, consortium_pk(), NULL),
		JR_EFORMAT);
	assert_int_equal(jr_shard_accept_ack(s, NULL, 0, consortium_pk(), NULL), JR_EINVAL);
	assert_int_equal(jr_shard_accept_ack(NULL, ack.base, ack.len, consortium_pk(), NULL), JR_EINVAL);
	jr_buf_free(&ack);
	expect_nothing_taken(s);
	jr_shard_close(s);
	s = open_writer(&p);
	expect_nothing_taken(s);
	jr_shard_close(s);
}

static void counter_file_has_the_documented_layout(void **state)
{
	uint8_t f[JR_COUNTER_FILE_BYTES], check[16];
	struct jr_shard *s;
	struct paths p;
	FILE *fp;
	int latest;
	uint64_t seq = 0, height = 0;
	int i;

	(void)state;
	paths_for(&p, "layout");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 3); /* seq 1 (create), then 2, 3, 4: the latest is slot 1 */
	jr_shard_close(s);
	fp = fopen(p.ctr, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(f, 1, sizeof f, fp), sizeof f);
	(void)fclose(fp);
	latest = 1;
	assert_memory_equal(f + 64 * latest, "JRCOUNT1", 8);
	for (i = 7; i >= 0; i--) {
		seq = seq << 8 | f[64 * latest + 8 + i];
		height = height << 8 | f[64 * latest + 16 + i];
	}
	assert_int_equal(seq, 4);
	assert_int_equal(height, 3);
	crypto_generichash(check, sizeof check, f + 64 * latest, 56, NULL, 0);
	assert_memory_equal(check, f + 64 * latest + 56, 8);
	/* The other slot holds height 2. */
	assert_int_equal(f[16], 2);
	assert_int_equal(f[8], 3);
}

static void write_at(const char *path, long off, const void *p, size_t n)
{
	FILE *fp = fopen(path, "r+b");

	assert_non_null(fp);
	assert_int_equal(fseek(fp, off, SEEK_SET), 0);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	assert_int_equal(fclose(fp), 0);
}

static void a_torn_counter_slot_falls_back_to_the_other_slot(void **state)
{
	static const uint8_t torn[20] = { 0x01, 0x02, 0x03 };
	struct jr_errbuf eb = { 0 };
	struct jr_counter c;
	struct jr_shard *s = NULL;
	struct paths p;

	(void)state;
	paths_for(&p, "torn");
	create_ok(&p, kiosk);
	s = open_writer(&p);
	append_n(s, 4); /* seq 5 at height 4 in slot 0; height 3 in slot 1 */
	jr_shard_close(s);
	/* Tear the latest slot: the reader takes height 3 from the other. */
	write_at(p.ctr, 30, torn, sizeof torn);
	assert_int_equal(jr_counter_open(p.ctr, false, &c, NULL), JR_OK);
	assert_int_equal(c.height, 3);
	jr_counter_close(&c);
	/* The database is ahead: opening advances past the torn slot. */
	s = open_writer(&p);
	assert_int_equal(jr_shard_height(s), 4);
	append_n(s, 1);
	jr_shard_close(s);
	assert_int_equal(jr_counter_open(p.ctr, false, &c, NULL), JR_OK);
	assert_int_equal(c.height, 5);
	jr_counter_close(&c);
	/* Both slots torn: refused, never guessed. */
	write_at(p.ctr, 10, torn, sizeof torn);
	write_at(p.ctr, 64 + 10, torn, sizeof torn);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ECORRUPT);
	assert_non_null(strstr(eb.msg, "holds no valid slot"));
	/* A counter cut short. */
	assert_int_equal(truncate(p.ctr, 0), 0);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, NULL), JR_ECORRUPT);
	/* No counter at all. */
	unlink(p.ctr);
	memset(&eb, 0, sizeof eb);
	assert_int_equal(jr_shard_open(p.db, p.ctr, kiosk, &s, &eb), JR_ENOTFOUND);
	assert_non_null(strstr(eb.msg, "do not create a new one"));
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_new_shard_is_empty_and_verifies),
		cmocka_unit_test(create_refuses_existing_files_and_keys_that_are_not_a_kiosk),
		cmocka_unit_test(open_refuses_missing_and_foreign_files),
		cmocka_unit_test(a_shard_of_a_newer_format_is_refused),
		cmocka_unit_test(append_commits_a_signed_block_that_get_returns),
		cmocka_unit_test(append_refuses_bad_records_receipts_and_times),
		cmocka_unit_test(a_reader_cannot_append_but_follows_the_writer),
		cmocka_unit_test(ten_thousand_blocks_append_verify_and_every_sampled_flip_is_found),
		cmocka_unit_test(every_flipped_byte_of_a_small_chain_is_found_at_its_height),
		cmocka_unit_test(missing_or_misshapen_rows_are_found_at_their_height),
		cmocka_unit_test(verify_refuses_well_signed_blocks_that_break_the_chain_rules),
		cmocka_unit_test(receipts_are_stored_with_their_block_and_found_by_regid_last_and_code),
		cmocka_unit_test(a_code_shared_by_two_receipts_is_ambiguous_and_gives_neither),
		cmocka_unit_test(a_receipt_that_cannot_be_stored_leaves_no_block),
		cmocka_unit_test(the_same_record_twice_in_one_block_is_refused),
		cmocka_unit_test(the_same_record_again_at_the_next_height_is_refused_after_reopen_too),
		cmocka_unit_test(a_database_restored_from_an_old_copy_is_refused),
		cmocka_unit_test(a_database_one_block_behind_names_a_single_height),
		cmocka_unit_test(a_database_of_another_chain_is_refused),
		cmocka_unit_test(another_kiosks_key_is_refused),
		cmocka_unit_test(a_second_writer_is_refused),
		cmocka_unit_test(a_counter_behind_the_database_is_advanced_on_open),
		cmocka_unit_test(a_counter_rewritten_at_height_zero_is_refused),
		cmocka_unit_test(a_counter_two_blocks_behind_is_refused),
		cmocka_unit_test(what_the_counter_cannot_catch_opens_fine),
		cmocka_unit_test(a_whole_card_restore_is_refused_once_the_centre_acks_a_height_it_lacks),
		cmocka_unit_test(an_ack_of_another_block_at_a_height_held_makes_the_shard_stale),
		cmocka_unit_test(acks_at_or_below_the_head_let_the_kiosk_go_on),
		cmocka_unit_test(an_ack_for_another_kiosk_is_refused),
		cmocka_unit_test(an_ack_not_signed_by_the_consortium_is_refused),
		cmocka_unit_test(tampered_or_truncated_ack_bytes_are_refused_and_change_nothing),
		cmocka_unit_test(counter_file_has_the_documented_layout),
		cmocka_unit_test(a_torn_counter_slot_falls_back_to_the_other_slot),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
