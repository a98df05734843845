/*
 * Crash loop: a child process appends to a shard and reports each height on
 * a pipe as soon as jr_shard_append() has returned; the parent kills it with
 * SIGKILL after a random delay, then reopens the shard and requires that it
 * opens (never JR_ESTALE), passes PRAGMA integrity_check and a FULL verify,
 * and holds every height the child reported. Everything runs with
 * synchronous=FULL and the counter fsync'd, as on a kiosk.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>

#include "testutil.h"
#include "jaring/keys.h"
#include "jaring/record.h"
#include "jaring/seal.h"
#include "jaring/shard.h"
#include "counter.h"

#define T0 1790000000
#define ROUNDS 200
#define MAX_DELAY_US 30000
/* A fresh shard every so many rounds keeps each round's FULL verify short
 * (its cost grows with the chain); every round is still a kill of a writer
 * in the middle of a chain that has history. */
#define ROUNDS_PER_SHARD 25
#define SEED 20261124u

static struct jr_key *kiosk;
static struct jr_pubkey consortium_pub;

static int setup(void **state)
{
	struct jr_key *consortium;

	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	jr_key_public(consortium, &consortium_pub);
	jr_key_free(consortium);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(kiosk);
	return 0;
}

/* The record for worker i, sealed in e (a shard signs a registration once,
 * so every block needs a record of its own). */
static int make_record(struct jr_seal_epoch *e, unsigned i, struct jr_buf *out)
{
	uint8_t regid[JR_REGID_BYTES];
	struct jr_registration r;
	int rc;

	memset(&r, 0, sizeof r);
	memcpy(r.kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	r.time = T0 + (int64_t)i;
	r.village = 3376011001u;
	r.occupation = JR_OCC_OJEK_DRIVER;
	r.income = JR_INCOME_1M_1M5;
	r.sex = JR_SEX_MALE;
	r.birth_year = 1979;
	r.consent_version = 1;
	snprintf(r.nik, sizeof r.nik, "337601020379%04u", i % 9999 + 1);
	snprintf(r.name, sizeof r.name, "Pengemudi Contoh %u", i);
	r.birth = 19790302;
	snprintf(r.address, sizeof r.address, "Kelurahan Contoh %u", i % 100);
	rc = jr_record_encode(&r, e, out, regid, NULL);
	jr_registration_wipe(&r);
	return rc;
}

/* The child: open, then append and report until killed. Exit codes tell
 * the parent what went wrong if it stops by itself. */
static void child(const char *db, const char *ctr, int fd)
{
	struct jr_seal_epoch *e = NULL;
	struct jr_shard *s = NULL;
	struct jr_buf rec;
	uint64_t h;
	const uint8_t *recs[1];
	size_t lens[1];
	int rc;

	if (jr_shard_open(db, ctr, kiosk, &s, NULL) != JR_OK)
		_exit(3);
	for (;;) {
		if (e == NULL || jr_seal_epoch_spent(e, T0)) {
			jr_seal_epoch_close(e);
			if (jr_seal_epoch_open(consortium_pub.box_pk, T0, &e) != JR_OK)
				_exit(6);
		}
		if (make_record(e, (unsigned)jr_shard_height(s), &rec) != JR_OK)
			_exit(7);
		recs[0] = rec.base;
		lens[0] = rec.len;
		rc = jr_shard_append(s, T0 + (int64_t)jr_shard_height(s), recs, lens, 1,
			NULL, 0, &h, NULL, NULL);
		jr_buf_free(&rec);
		if (rc != JR_OK)
			_exit(4);
		if (write(fd, &h, sizeof h) != (ssize_t)sizeof h)
			_exit(5);
	}
}

static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Kills a fresh child after delay_us; returns the highest height it said it
 * had appended (0 if none). */
static uint64_t run_and_kill(const char *db, const char *ctr, long delay_us,
	unsigned *appends)
{
	struct timespec ts = { delay_us / 1000000, (delay_us % 1000000) * 1000 };
	uint64_t h, max = 0, prev = 0;
	int fds[2], status = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		child(db, ctr, fds[1]);
	}
	close(fds[1]);
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		fail_msg("the child stopped by itself (exit %d)", WEXITSTATUS(status));
	while ((n = read(fds[0], &h, sizeof h)) == (ssize_t)sizeof h) {
		/* Heights come in order, one after another. */
		if (prev != 0)
			assert_int_equal(h, prev + 1);
		prev = h;
		max = h;
		(*appends)++;
	}
	assert_true(n == 0);
	close(fds[0]);
	return max;
}

static void integrity_ok(const char *db_path)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "ok");
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/* After a kill: the shard reopens for appending, is intact, verifies, and
 * holds at least every height reported. Returns 1 when the kill fell
 * between a commit and its counter update (the counter was behind). */
static int check_after_kill(const char *db, const char *ctr, uint64_t reported)
{
	struct jr_errbuf eb = { 0 };
	struct jr_counter c;
	struct jr_shard *s = NULL;
	uint64_t bad = 0, h;
	uint8_t sig[JR_SIG_BYTES];
	struct jr_buf body;
	int behind;
	int rc;

	assert_int_equal(jr_counter_open(ctr, false, &c, NULL), JR_OK);
	jr_counter_close(&c);
	rc = jr_shard_open(db, ctr, kiosk, &s, &eb);
	if (rc != JR_OK)
		fail_msg("reopen after a kill gave %s: %s", jr_strerror(rc), eb.msg);
	behind = c.height < jr_shard_height(s);
	assert_true(c.height <= jr_shard_height(s));
	if (jr_shard_verify(s, JR_VERIFY_FULL, &bad, &eb) != JR_OK)
		fail_msg("full verify after a kill: %s", eb.msg);
	if (jr_shard_height(s) < reported)
		fail_msg("height %llu reported by the child is gone (shard at %llu)",
			(unsigned long long)reported, (unsigned long long)jr_shard_height(s));
	for (h = 1; h <= reported; h++) {
		assert_int_equal(jr_shard_get(s, h, &body, sig, NULL), JR_OK);
		jr_buf_free(&body);
	}
	jr_shard_close(s);
	integrity_ok(db);
	return behind;
}

static void a_writer_killed_at_random_points_never_loses_a_reported_block(void **state)
{
	char name[32], db[600], ctr[600];
	uint32_t x = SEED;
	uint64_t reported;
	unsigned round, behind = 0, empty = 0, appends = 0;
	const char *dir = NULL;
	long delay;

	(void)state;
	for (round = 0; round < ROUNDS; round++) {
		if (round % ROUNDS_PER_SHARD == 0) {
			snprintf(name, sizeof name, "crash%u", round / ROUNDS_PER_SHARD);
			dir = jr_test_dir(name);
			jr_test_path(db, sizeof db, dir, "shard.db");
			jr_test_path(ctr, sizeof ctr, dir, "shard.counter");
			assert_int_equal(jr_shard_create(db, ctr, kiosk, NULL), JR_OK);
		}
		delay = (long)(next_rand(&x) % (MAX_DELAY_US + 1));
		reported = run_and_kill(db, ctr, delay, &appends);
		behind += (unsigned)check_after_kill(db, ctr, reported);
		empty += reported == 0;
	}
	printf("crash loop: %u kills (seed %u), %u appends reported; %u kills fell between a "
		"commit and its counter update, %u before any append returned\n",
		ROUNDS, SEED, appends, behind, empty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_writer_killed_at_random_points_never_loses_a_reported_block),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
