/* The TPM 2.0 root of the kiosk (tpm.h, keys.h jr_key_save_tpm, the shard's
 * TPM-bound fork guard), against real swtpm processes on loopback that this
 * test starts and stops itself (socket TCTI). Skipped when swtpm is not
 * installed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "jaring/keys.h"
#include "jaring/record.h"
#include "jaring/seal.h"
#include "jaring/shard.h"
#include "counter.h"
#include "tpm.h"

#define T0 1790000000

struct swtpm {
	pid_t pid;
	int port;
	char tcti[96];
};

static struct swtpm tpm_a, tpm_b;
static struct jr_key *consortium;
static struct jr_seal_epoch *epoch;
static unsigned next_worker = 1;

/* ---- swtpm ------------------------------------------------------------ */

/* A loopback port p the kernel hands out with p + 1 free too: swtpm's TCTI
 * finds the control channel at the port after the server's. */
static int free_port_pair(void)
{
	int tries;

	for (tries = 0; tries < 50; tries++) {
		struct sockaddr_in a = { .sin_family = AF_INET };
		socklen_t n = sizeof a;
		int fd = socket(AF_INET, SOCK_STREAM, 0), fd2 = -1, port = -1;

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
		    getsockname(fd, (struct sockaddr *)&a, &n) == 0 && ntohs(a.sin_port) < 65535) {
			port = ntohs(a.sin_port);
			a.sin_port = htons((uint16_t)(port + 1));
			fd2 = socket(AF_INET, SOCK_STREAM, 0);
			if (fd2 < 0 || bind(fd2, (struct sockaddr *)&a, sizeof a) != 0)
				port = -1;
		}
		if (fd >= 0)
			close(fd);
		if (fd2 >= 0)
			close(fd2);
		if (port > 0)
			return port;
	}
	return -1;
}

static bool answers(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* A fresh TPM: its own state folder, so its own owner seed. */
static void swtpm_start(struct swtpm *t, const char *name)
{
	char state[700], srv[96], ctrl[96];
	const char *dir = jr_test_dir(name);
	int i, cport;

	snprintf(state, sizeof state, "dir=%s", dir);
	t->port = free_port_pair();
	cport = t->port + 1;
	if (t->port < 0)
		fail_msg("no free pair of loopback ports for swtpm");
	snprintf(srv, sizeof srv, "type=tcp,port=%d,bindaddr=127.0.0.1", t->port);
	snprintf(ctrl, sizeof ctrl, "type=tcp,port=%d,bindaddr=127.0.0.1", cport);
	t->pid = fork();
	if (t->pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (t->pid == 0) {
		execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state,
			"--server", srv, "--ctrl", ctrl,
			"--flags", "not-need-init,startup-clear", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !answers(t->port); i++) {
		struct timespec ts = { 0, 50 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (!answers(t->port))
		fail_msg("swtpm did not answer on 127.0.0.1:%d", t->port);
	snprintf(t->tcti, sizeof t->tcti, "swtpm:host=127.0.0.1,port=%d", t->port);
}

static void swtpm_stop(struct swtpm *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGTERM);
		waitpid(t->pid, NULL, 0);
	}
	t->pid = 0;
}

static void use(const struct swtpm *t)
{
	setenv("JARING_TPM", t == NULL ? "none" : t->tcti, 1);
}

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	/* tpm2-tss logs to stderr; the messages that matter are in eb. */
	setenv("TSS2_LOG", "all+NONE", 1);
	consortium = jr_test_key(JR_ROLE_CONSORTIUM, 2);
	epoch = jr_test_epoch(consortium, T0);
	swtpm_start(&tpm_a, "tpm-a");
	swtpm_start(&tpm_b, "tpm-b");
	use(&tpm_a);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	swtpm_stop(&tpm_a);
	swtpm_stop(&tpm_b);
	jr_seal_epoch_close(epoch);
	jr_key_free(consortium);
	return 0;
}

/* ---- fixtures ------------------------------------------------------- */

struct kiosk {
	char dir[512], key[600], db[600], ctr[600];
	struct jr_key *k;
};

/* A kiosk provisioned as the appliance does it: a new key sealed to the
 * TPM in use, loaded back (so it carries its counter binding), a shard. */
static void provision(struct kiosk *ks, const char *name)
{
	struct jr_key *fresh = NULL;
	struct jr_errbuf eb = { 0 };
	const char *d = jr_test_dir(name);

	snprintf(ks->dir, sizeof ks->dir, "%s", d);
	jr_test_path(ks->key, sizeof ks->key, d, "kiosk.key");
	jr_test_path(ks->db, sizeof ks->db, d, "shard.db");
	jr_test_path(ks->ctr, sizeof ks->ctr, d, "shard.counter");
	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &fresh), JR_OK);
	if (jr_key_save_tpm(fresh, ks->key, &eb) != JR_OK)
		fail_msg("save_tpm: %s", eb.msg);
	jr_key_free(fresh);
	if (jr_key_load(ks->key, &ks->k, &eb) != JR_OK)
		fail_msg("load: %s", eb.msg);
	assert_true(jr_key_tpm_bound(ks->k));
	if (jr_shard_create(ks->db, ks->ctr, ks->k, &eb) != JR_OK)
		fail_msg("create: %s", eb.msg);
}

/* The next synthetic worker's record for kiosk k. */
static void make_rec(const struct jr_key *k, struct jr_buf *rec)
{
	struct jr_registration r;
	struct jr_errbuf eb = { 0 };
	uint8_t id[JR_REGID_BYTES];
	unsigned i = next_worker++;

	memset(&r, 0, sizeof r);
	memcpy(r.kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r.time = T0 + (int64_t)i;
	r.village = 3328012001u;
	r.occupation = JR_OCC_STREET_VENDOR;
	r.income = JR_INCOME_UNDER_500K;
	r.sex = JR_SEX_MALE;
	r.birth_year = 1985;
	r.consent_version = 1;
	snprintf(r.nik, sizeof r.nik, "332801010185%04u", i % 9999 + 1);
	snprintf(r.name, sizeof r.name, "Pekerja Contoh %u", i);
	r.birth = 19850101;
	if (jr_record_encode(&r, epoch, rec, id, &eb) != JR_OK)
		fail_msg("record: %s", eb.msg);
}

/* Appends one block of one record; the result of jr_shard_append. */
static int try_append(struct jr_shard *s, const struct jr_key *k, struct jr_errbuf *eb)
{
	struct jr_buf rec;
	const uint8_t *recs[1];
	size_t lens[1];
	int rc;

	make_rec(k, &rec);
	recs[0] = rec.base;
	lens[0] = rec.len;
	rc = jr_shard_append(s, T0 + (int64_t)jr_shard_height(s) + 1, recs, lens, 1,
		NULL, 0, NULL, NULL, eb);
	jr_buf_free(&rec);
	return rc;
}

static void append_one(struct jr_shard *s, const struct jr_key *k)
{
	struct jr_errbuf eb = { 0 };

	if (try_append(s, k, &eb) != JR_OK)
		fail_msg("append: %s", eb.msg);
}

static struct jr_shard *open_writer(const struct kiosk *ks)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;

	if (jr_shard_open(ks->db, ks->ctr, ks->k, &s, &eb) != JR_OK)
		fail_msg("open: %s", eb.msg);
	return s;
}

static void copy_file(const char *from, const char *to)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf b = { NULL, 0 };

	unlink(to);
	if (jr_file_read(from, 64u << 20, &b, &eb) != JR_OK)
		fail_msg("read %s: %s", from, eb.msg);
	assert_int_equal(jr_file_write_atomic(to, b.base, b.len, 0600, &eb), JR_OK);
	jr_buf_free(&b);
}

static uint64_t tpm_value(void)
{
	struct jr_errbuf eb = { 0 };
	struct jr_tpm *t = NULL;
	uint64_t v = 0;

	if (jr_tpm_open(&t, &eb) != JR_OK || jr_tpm_counter_read(t, JR_TPM_NV_INDEX, &v, &eb) != JR_OK)
		fail_msg("tpm read: %s", eb.msg);
	jr_tpm_close(t);
	return v;
}

/* ---- the counter ---------------------------------------------------- */

static void nv_counter_only_goes_up(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_tpm *t = NULL;
	uint64_t v0 = 0, v = 0;

	(void)state;
	use(&tpm_a);
	assert_int_equal(jr_tpm_open(&t, &eb), JR_OK);
	assert_int_equal(jr_tpm_counter_bind(t, JR_TPM_NV_INDEX + 1, &v0, &eb), JR_OK);
	assert_int_equal(jr_tpm_counter_increment(t, JR_TPM_NV_INDEX + 1, &v, &eb), JR_OK);
	assert_int_equal(v, v0 + 1);
	assert_int_equal(jr_tpm_counter_read(t, JR_TPM_NV_INDEX + 1, &v, &eb), JR_OK);
	assert_int_equal(v, v0 + 1);
	/* Binding again reuses the index and moves on; it never starts over. */
	assert_int_equal(jr_tpm_counter_bind(t, JR_TPM_NV_INDEX + 1, &v, &eb), JR_OK);
	assert_int_equal(v, v0 + 2);
	assert_int_equal(jr_tpm_counter_read(t, JR_TPM_NV_INDEX + 2, &v, &eb), JR_ENOTFOUND);
	jr_tpm_close(t);
}

static void no_tpm_is_said_plainly(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *k = NULL;
	struct kiosk ks;

	(void)state;
	use(NULL);
	assert_int_equal(jr_tpm_present(&eb), JR_ENOTFOUND);
	assert_non_null(strstr(eb.msg, "no TPM"));
	jr_errclear(&eb);
	setenv("JARING_TPM", "device:/nonexistent/tpmrm0", 1);
	assert_int_equal(jr_tpm_present(&eb), JR_ENOTFOUND);
	use(&tpm_a);
	assert_int_equal(jr_tpm_present(&eb), JR_OK);
	/* Sealing without a TPM fails and leaves no file. */
	use(NULL);
	jr_test_path(ks.key, sizeof ks.key, jr_test_dir("no-tpm"), "kiosk.key");
	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &k), JR_OK);
	jr_errclear(&eb);
	assert_int_equal(jr_key_save_tpm(k, ks.key, &eb), JR_ENOTFOUND);
	assert_non_null(strstr(eb.msg, "cannot seal it to a TPM"));
	assert_int_equal(access(ks.key, F_OK), -1);
	jr_key_free(k);
	use(&tpm_a);
}

/* ---- the sealed key ------------------------------------------------- */

static void sealed_key_opens_only_with_its_tpm(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey pub;
	struct jr_key *again = NULL;
	struct kiosk ks;
	struct jr_buf file = { NULL, 0 };

	(void)state;
	use(&tpm_a);
	provision(&ks, "sealed");
	/* A TPM-sealed key file: a map of 9 entries (docs/keys.md). */
	assert_int_equal(jr_file_read(ks.key, 1024, &file, &eb), JR_OK);
	assert_int_equal(file.base[0], 0xa9);
	jr_buf_free(&file);
	/* Its public half reads without the TPM. */
	use(NULL);
	assert_int_equal(jr_key_load_public(ks.key, &pub, &eb), JR_OK);
	assert_memory_equal(pub.id, jr_key_id(ks.k), JR_ID_BYTES);
	/* No TPM: refused, and said why. */
	jr_errclear(&eb);
	assert_int_equal(jr_key_load(ks.key, &again, &eb), JR_EKEY);
	assert_null(again);
	assert_non_null(strstr(eb.msg, "sealed to a TPM"));
	/* Another TPM (the disk copied to another board): refused. */
	use(&tpm_b);
	jr_errclear(&eb);
	assert_int_equal(jr_key_load(ks.key, &again, &eb), JR_EKEY);
	assert_null(again);
	assert_non_null(strstr(eb.msg, "sealed by another TPM"));
	/* Its own TPM: the same identity. */
	use(&tpm_a);
	assert_int_equal(jr_key_load(ks.key, &again, &eb), JR_OK);
	assert_memory_equal(jr_key_id(again), jr_key_id(ks.k), JR_ID_BYTES);
	jr_key_free(again);
	jr_key_free(ks.k);
}

static void altered_sealed_key_file_is_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf file = { NULL, 0 };
	struct jr_key *again = NULL;
	struct kiosk ks;
	char bad[700];
	size_t at[] = { 10, 80, 120, 200 };
	size_t i;

	(void)state;
	use(&tpm_a);
	provision(&ks, "altered");
	assert_int_equal(jr_file_read(ks.key, 1024, &file, &eb), JR_OK);
	snprintf(bad, sizeof bad, "%s.bad", ks.key);
	for (i = 0; i < sizeof at / sizeof at[0]; i++) {
		file.base[at[i]] ^= 0x01;
		unlink(bad);
		assert_int_equal(jr_file_write_atomic(bad, file.base, file.len, 0600, &eb), JR_OK);
		assert_int_not_equal(jr_key_load(bad, &again, &eb), JR_OK);
		assert_null(again);
		file.base[at[i]] ^= 0x01;
	}
	/* Truncated. */
	unlink(bad);
	assert_int_equal(jr_file_write_atomic(bad, file.base, file.len - 1, 0600, &eb), JR_OK);
	assert_int_equal(jr_key_load(bad, &again, &eb), JR_EFORMAT);
	jr_buf_free(&file);
	jr_key_free(ks.k);
}

/* ---- the fork guard ------------------------------------------------- */

/* The whole-disk restore: shard and counter file put back together from an
 * older copy agree with each other, and only the TPM knows better. */
static void restored_shard_and_counter_are_refused(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s;
	struct kiosk ks;
	char old_db[700], old_ctr[700];

	(void)state;
	use(&tpm_a);
	provision(&ks, "restore");
	s = open_writer(&ks);
	append_one(s, ks.k);
	append_one(s, ks.k);
	jr_shard_close(s);
	snprintf(old_db, sizeof old_db, "%s.old", ks.db);
	snprintf(old_ctr, sizeof old_ctr, "%s.old", ks.ctr);
	copy_file(ks.db, old_db);
	copy_file(ks.ctr, old_ctr);
	s = open_writer(&ks);
	append_one(s, ks.k);
	assert_int_equal(jr_shard_height(s), 3);
	jr_shard_close(s);
	/* Put the image of height 2 back: database and counter file both. */
	copy_file(old_db, ks.db);
	copy_file(old_ctr, ks.ctr);
	s = NULL;
	assert_int_equal(jr_shard_open(ks.db, ks.ctr, ks.k, &s, &eb), JR_ESTALE);
	assert_null(s);
	assert_non_null(strstr(eb.msg, "TPM counter says it already signed height 3"));
	/* A reader still reads it (exports what it holds). */
	assert_int_equal(jr_shard_open(ks.db, NULL, NULL, &s, &eb), JR_OK);
	assert_int_equal(jr_shard_height(s), 2);
	jr_shard_close(s);
	jr_key_free(ks.k);
}

/* The same restore with a plain key file: the counter file agrees with the
 * restored database, so without a TPM only the centre's ack can tell. */
static void without_a_tpm_the_same_restore_goes_unseen(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;
	struct kiosk ks;
	char old_db[700], old_ctr[700];
	const char *d = jr_test_dir("plain");

	(void)state;
	jr_test_path(ks.db, sizeof ks.db, d, "shard.db");
	jr_test_path(ks.ctr, sizeof ks.ctr, d, "shard.counter");
	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &ks.k), JR_OK);
	assert_false(jr_key_tpm_bound(ks.k));
	assert_int_equal(jr_shard_create(ks.db, ks.ctr, ks.k, &eb), JR_OK);
	s = open_writer(&ks);
	append_one(s, ks.k);
	jr_shard_close(s);
	snprintf(old_db, sizeof old_db, "%s.old", ks.db);
	snprintf(old_ctr, sizeof old_ctr, "%s.old", ks.ctr);
	copy_file(ks.db, old_db);
	copy_file(ks.ctr, old_ctr);
	s = open_writer(&ks);
	append_one(s, ks.k);
	jr_shard_close(s);
	copy_file(old_db, ks.db);
	copy_file(old_ctr, ks.ctr);
	s = open_writer(&ks);
	assert_int_equal(jr_shard_height(s), 1);
	jr_shard_close(s);
	jr_key_free(ks.k);
}

/* Every append moves the TPM's counter with the chain. */
static void appends_advance_the_tpm_counter(void **state)
{
	struct jr_shard *s;
	struct kiosk ks;
	uint64_t base;

	(void)state;
	use(&tpm_a);
	provision(&ks, "advance");
	base = tpm_value();
	s = open_writer(&ks);
	append_one(s, ks.k);
	assert_int_equal(tpm_value(), base + 1);
	append_one(s, ks.k);
	append_one(s, ks.k);
	assert_int_equal(tpm_value(), base + 3);
	jr_shard_close(s);
	/* Reopening changes nothing. */
	s = open_writer(&ks);
	assert_int_equal(tpm_value(), base + 3);
	jr_shard_close(s);
	jr_key_free(ks.k);
}

/* A power cut after the commit, before the TPM's increment, leaves the TPM
 * one below the database: the next writer brings it up. Made here by an
 * append whose increment cannot reach the TPM (the block and the counter
 * file are written, the handle breaks), then a reopen with the TPM. */
static void tpm_one_behind_after_a_power_cut_is_caught_up(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s;
	struct kiosk ks;
	uint64_t base;

	(void)state;
	use(&tpm_a);
	provision(&ks, "powercut");
	base = tpm_value();
	s = open_writer(&ks);
	use(NULL);
	assert_int_equal(try_append(s, ks.k, &eb), JR_ENOTFOUND);
	assert_non_null(strstr(eb.msg, "is stored but counter"));
	jr_errclear(&eb);
	assert_int_equal(try_append(s, ks.k, &eb), JR_EIO); /* broken until reopened */
	jr_shard_close(s);
	use(&tpm_a);
	assert_int_equal(tpm_value(), base);
	s = open_writer(&ks);
	assert_int_equal(jr_shard_height(s), 1);
	assert_int_equal(tpm_value(), base + 1);
	append_one(s, ks.k);
	assert_int_equal(tpm_value(), base + 2);
	jr_shard_close(s);
	jr_key_free(ks.k);
}

static void a_key_that_signed_gets_no_new_shard(void **state)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s;
	struct kiosk ks;
	char db2[700], ctr2[700];

	(void)state;
	use(&tpm_a);
	provision(&ks, "newshard");
	s = open_writer(&ks);
	append_one(s, ks.k);
	jr_shard_close(s);
	snprintf(db2, sizeof db2, "%s/again.db", ks.dir);
	snprintf(ctr2, sizeof ctr2, "%s/again.counter", ks.dir);
	assert_int_equal(jr_shard_create(db2, ctr2, ks.k, &eb), JR_ESTALE);
	assert_non_null(strstr(eb.msg, "signed up to height 1 already"));
	assert_int_equal(access(db2, F_OK), -1);
	jr_key_free(ks.k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nv_counter_only_goes_up),
		cmocka_unit_test(no_tpm_is_said_plainly),
		cmocka_unit_test(sealed_key_opens_only_with_its_tpm),
		cmocka_unit_test(altered_sealed_key_file_is_refused),
		cmocka_unit_test(restored_shard_and_counter_are_refused),
		cmocka_unit_test(without_a_tpm_the_same_restore_goes_unseen),
		cmocka_unit_test(appends_advance_the_tpm_counter),
		cmocka_unit_test(tpm_one_behind_after_a_power_cut_is_caught_up),
		cmocka_unit_test(a_key_that_signed_gets_no_new_shard),
	};

	if (system("command -v swtpm >/dev/null 2>&1") != 0) {
		printf("test_tpm: skipped: swtpm is not installed (firmware-image/deps.sh)\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
