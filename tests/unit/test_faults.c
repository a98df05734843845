/*
 * Fault injection: every public operation of libjaring that allocates, run
 * again and again with its 1st, 2nd, 3rd … allocation failing (faultalloc.h)
 * until a run meets no failure. Each failed run must return JR_ENOMEM with a
 * message that says memory ran out, leave its outputs zeroed, hold no memory
 * and leave behind no file or half-made state; the run with no failure must
 * give what a normal run gives. Operations on shards and the registrar are
 * swept twice: over libjaring's own allocations and over SQLite's.
 *
 * Operations that turn out to allocate nothing (decoders, verifiers) are
 * swept too, so that an allocation added to them later is swept at once.
 *
 * Argon2id runs at libsodium's real cost only where jr_key_save_pin and
 * jr_key_load_pin get that far (once per sweep: every earlier run fails
 * before deriving); the encode and decode sweeps below them use the minimum
 * limits through keys_int.h.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "testutil.h"
#include "faultalloc.h"
#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/image.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/registrar.h"
#include "jaring/rules.h"
#include "jaring/seal.h"
#include "seal_det.h"
#include "jaring/shard.h"
#include "keys_int.h"

#define NOW 1700000000
#define PIN "135792"
#define PINLEN (sizeof PIN - 1)

/* ---- files ----
 *
 * The sweeps create and open a few thousand shards, and SQLite fsyncs at
 * every commit: on a busy disk this file took 15 s, on tmpfs under 2 s.
 * What they test does not depend on the disk (durability is
 * test_shard_crash's), so the files go to /dev/shm when it is there, and
 * every directory is removed at the end. */

static void use_tmpfs(void)
{
	static char base[64];
	struct stat st;

	if (stat("/dev/shm", &st) != 0 || !S_ISDIR(st.st_mode))
		return;
	if (snprintf(base, sizeof base, "/dev/shm/jaring-test-%ld",
	    (long)getuid()) >= (int)sizeof base)
		return;
	setenv("JR_TEST_TMP", base, 1);
}

static const char *dirs[16];
static size_t ndirs;

static const char *test_dir(const char *name)
{
	const char *d = jr_test_dir(name);

	if (ndirs == sizeof dirs / sizeof dirs[0])
		fail_msg("test_faults: more than %zu directories", ndirs);
	dirs[ndirs++] = d;
	return d;
}

/* The sweeps leave only plain files in their directories. */
static void remove_test_dirs(void)
{
	char path[2048];
	struct dirent *e;
	DIR *d;

	for (size_t i = 0; i < ndirs; i++) {
		if ((d = opendir(dirs[i])) == NULL)
			continue;
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 &&
			    strcmp(e->d_name, "..") != 0 &&
			    snprintf(path, sizeof path, "%s/%s", dirs[i],
			    e->d_name) < (int)sizeof path)
				unlink(path);
		closedir(d);
		rmdir(dirs[i]);
	}
	ndirs = 0;
}

/* ---- fixtures, made once with allocation working ---- */

static struct {
	struct jr_key *kiosk, *consortium;
	struct jr_pubkey kiosk_pub, consortium_pub;
} fx;

static struct jr_key *key_seq(enum jr_role role, uint8_t first)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(first + i);
	assert_int_equal(jr_key_from_seed(role, seed, &k), JR_OK);
	return k;
}

static int group_setup(void **state)
{
	(void)state;
	fx.kiosk = key_seq(JR_ROLE_KIOSK, 1);
	fx.consortium = key_seq(JR_ROLE_CONSORTIUM, 101);
	jr_key_public(fx.kiosk, &fx.kiosk_pub);
	jr_key_public(fx.consortium, &fx.consortium_pub);
	return 0;
}

static void records_fixture_free(void);
static void shard_fixture_free(void);

static int group_teardown(void **state)
{
	(void)state;
	shard_fixture_free();
	records_fixture_free();
	remove_test_dirs();
	jr_key_free(fx.kiosk);
	jr_key_free(fx.consortium);
	return 0;
}

/* Says where a sweep was when an assertion ended the test, and makes sure
 * nothing is left armed for the next test. */
static int sweep_teardown(void **state)
{
	const char *where = jr_fault_where();

	(void)state;
	jr_fault_disarm();
	if (where != NULL)
		print_error("    interrupted at: %s\n", where);
	return 0;
}

/* ---- helpers ---- */

/* Runs the sweep, reports how many allocation points it met, and requires
 * at least `min` of them (so a sweep cannot pass by reaching none). */
static void sweep(const struct jr_fault_case *c, unsigned long min)
{
	unsigned long n = jr_fault_sweep(c);

	print_message("    %s: %lu allocation point%s\n", c->name, n,
		n == 1 ? "" : "s");
	if (n < min)
		fail_msg("%s: %lu allocation points, expected at least %lu",
			c->name, n, min);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static void assert_pub_equal(const struct jr_pubkey *a, const struct jr_pubkey *b)
{
	assert_int_equal(a->role, b->role);
	assert_memory_equal(a->sign_pk, b->sign_pk, JR_SIGN_PK_BYTES);
	assert_memory_equal(a->box_pk, b->box_pk, JR_BOX_PK_BYTES);
	assert_memory_equal(a->id, b->id, JR_ID_BYTES);
}

static void assert_key_is(const struct jr_key *k, const struct jr_pubkey *want)
{
	struct jr_pubkey pub;

	assert_non_null(k);
	jr_key_public(k, &pub);
	assert_pub_equal(&pub, want);
}

/* A failure a person may see carries the code and a sentence that says
 * what happened: memory ran out. */
static void assert_says(const struct jr_errbuf *eb, int rc)
{
	assert_int_equal(eb->code, rc);
	if (rc == JR_ENOMEM && strstr(eb->msg, "memory") == NULL)
		fail_msg("out of memory, but the message does not say so: %s",
			eb->msg);
}

/* Entries of dir other than "." and "..". */
static size_t dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void assert_file_is(const char *path, const struct jr_buf *want)
{
	struct jr_buf got;

	assert_int_equal(jr_file_read(path, 1u << 20, &got, NULL), JR_OK);
	assert_int_equal(got.len, want->len);
	assert_memory_equal(got.base, want->base, want->len);
	jr_buf_free(&got);
}

/* ---- CBOR writer ---- */

struct cbw_case {
	struct jr_buf out, ref;
};

/* Big enough that the buffer grows from its first 64 bytes. */
static int cbw_op(void *ctx)
{
	struct cbw_case *c = ctx;
	uint8_t blob[300];
	struct jr_cbw w;

	memset(blob, 0x5a, sizeof blob);
	jr_cbw_init(&w, 4096);
	jr_cbw_map(&w, 4);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, UINT64_MAX);
	jr_cbw_uint(&w, 1);
	jr_cbw_text(&w, "Wulan Sari", 10);
	jr_cbw_uint(&w, 2);
	jr_cbw_bytes(&w, blob, sizeof blob);
	jr_cbw_uint(&w, 3);
	jr_cbw_array(&w, 3);
	jr_cbw_int(&w, -42);
	jr_cbw_bool(&w, true);
	jr_cbw_null(&w);
	return jr_cbw_finish(&w, &c->out);
}

static void cbw_failed(void *ctx, int rc)
{
	struct cbw_case *c = ctx;

	(void)rc;
	assert_null(c->out.base);
	assert_int_equal(c->out.len, 0);
}

static void cbw_done(void *ctx)
{
	struct cbw_case *c = ctx;

	assert_int_equal(c->out.len, c->ref.len);
	assert_memory_equal(c->out.base, c->ref.base, c->ref.len);
	jr_buf_free(&c->out);
}

static void cbor_writer_that_runs_out_of_memory_frees_its_buffer(void **state)
{
	struct cbw_case c = { { 0 }, { 0 } };
	struct jr_fault_case fc = {
		.name = "jr_cbw_* + jr_cbw_finish", .ctx = &c,
		.op = cbw_op, .failed = cbw_failed, .done = cbw_done,
	};

	(void)state;
	assert_int_equal(cbw_op(&c), JR_OK);
	c.ref = c.out;
	c.out.base = NULL;
	sweep(&fc, 2);
	jr_buf_free(&c.ref);
}

/* The fixed writer is for secrets in sodium_malloc'd memory: it must never
 * reach the ordinary heap, so its sweep meets no allocation at all. */
struct cbw_fixed_case {
	uint8_t buf[64], ref[64];
	size_t len, reflen;
};

static int cbw_fixed_op(void *ctx)
{
	struct cbw_fixed_case *c = ctx;
	struct jr_cbw w;

	memset(c->buf, 0, sizeof c->buf);
	jr_cbw_init_fixed(&w, c->buf, sizeof c->buf);
	jr_cbw_map(&w, 2);
	jr_cbw_uint(&w, 0);
	jr_cbw_text(&w, "3328105403869001", 16);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 19860314);
	return jr_cbw_finish_fixed(&w, &c->len);
}

static void cbw_fixed_done(void *ctx)
{
	struct cbw_fixed_case *c = ctx;

	assert_int_equal(c->len, c->reflen);
	assert_memory_equal(c->buf, c->ref, c->reflen);
}

static void cbor_fixed_writer_never_allocates(void **state)
{
	struct cbw_fixed_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_cbw_init_fixed + jr_cbw_finish_fixed", .ctx = &c,
		.op = cbw_fixed_op, .done = cbw_fixed_done,
	};

	(void)state;
	assert_int_equal(cbw_fixed_op(&c), JR_OK);
	memcpy(c.ref, c.buf, sizeof c.buf);
	c.reflen = c.len;
	assert_int_equal(jr_fault_sweep(&fc), 0);
}

/* ---- keys ---- */

struct key_case {
	struct jr_key *k;
	struct jr_pubkey want;
	const char *dir;
	char path[1024];
	struct jr_errbuf eb;
	uint8_t *bytes;       /* key file bytes (sodium_malloc'd) */
	size_t len;
	uint8_t *ref;         /* a normal run's bytes */
	size_t reflen;
	struct jr_key_pinseal ps;
	struct jr_pubkey pub; /* output of public-key operations */
	struct jr_buf buf, refbuf;
};

static void key_out_is_null(void *ctx, int rc)
{
	struct key_case *c = ctx;

	(void)rc;
	assert_null(c->k);
}

static void key_out_is_null_and_says(void *ctx, int rc)
{
	struct key_case *c = ctx;

	assert_null(c->k);
	assert_says(&c->eb, rc);
}

static void key_out_is_want(void *ctx)
{
	struct key_case *c = ctx;

	assert_key_is(c->k, &c->want);
	jr_key_free(c->k);
	c->k = NULL;
}

static int key_from_seed_op(void *ctx)
{
	struct key_case *c = ctx;
	uint8_t seed[JR_SEED_BYTES];

	for (size_t i = 0; i < sizeof seed; i++)
		seed[i] = (uint8_t)(1 + i);
	return jr_key_from_seed(JR_ROLE_KIOSK, seed, &c->k);
}

static void key_from_seed_that_runs_out_of_memory_returns_no_key(void **state)
{
	struct key_case c = { .want = fx.kiosk_pub };
	struct jr_fault_case fc = {
		.name = "jr_key_from_seed", .ctx = &c, .eb = &c.eb, .op = key_from_seed_op,
		.failed = key_out_is_null, .done = key_out_is_want,
	};

	(void)state;
	sweep(&fc, 2);
}

static int key_generate_op(void *ctx)
{
	struct key_case *c = ctx;

	return jr_key_generate(JR_ROLE_OFFICER, &c->k);
}

static void key_generate_done(void *ctx)
{
	struct key_case *c = ctx;
	uint8_t hash[JR_HASH_BYTES] = { 1, 2, 3 }, sig[JR_SIG_BYTES];
	struct jr_pubkey pub;

	assert_non_null(c->k);
	assert_int_equal(jr_key_role(c->k), JR_ROLE_OFFICER);
	jr_key_public(c->k, &pub);
	assert_int_equal(jr_sign_hash(c->k, "jaring/test/v1", hash, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pub.sign_pk, "jaring/test/v1", hash, sig),
		JR_OK);
	jr_key_free(c->k);
	c->k = NULL;
}

static void key_generate_that_runs_out_of_memory_returns_no_key(void **state)
{
	struct key_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_key_generate", .ctx = &c, .eb = &c.eb, .op = key_generate_op,
		.failed = key_out_is_null, .done = key_generate_done,
	};

	(void)state;
	sweep(&fc, 2);
}

/* Save: nothing may be left in the directory, not even a temporary file. */
static int key_save_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_save(fx.kiosk, c->path, &c->eb);
}

static void save_left_nothing(void *ctx, int rc)
{
	struct key_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_int_equal(dir_entries(c->dir), 0);
}

static void key_save_done(void *ctx)
{
	struct key_case *c = ctx;
	struct jr_key *k = NULL;

	assert_int_equal(dir_entries(c->dir), 1);
	assert_int_equal(jr_key_load(c->path, &k, NULL), JR_OK);
	assert_key_is(k, &fx.kiosk_pub);
	jr_key_free(k);
	assert_int_equal(unlink(c->path), 0);
}

static void key_save_that_runs_out_of_memory_leaves_no_file(void **state)
{
	struct key_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_key_save", .ctx = &c, .eb = &c.eb, .op = key_save_op,
		.failed = save_left_nothing, .done = key_save_done,
	};

	(void)state;
	c.dir = test_dir("faults-key-save");
	jr_test_path(c.path, sizeof c.path, c.dir, "kiosk.key");
	sweep(&fc, 2);
}

static int key_load_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_load(c->path, &c->k, &c->eb);
}

static int key_load_public_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_load_public(c->path, &c->pub, &c->eb);
}

static void pub_is_zero_and_says(void *ctx, int rc)
{
	struct key_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_true(all_zero(&c->pub, sizeof c->pub));
}

static void pub_is_want(void *ctx)
{
	struct key_case *c = ctx;

	assert_pub_equal(&c->pub, &c->want);
	memset(&c->pub, 0, sizeof c->pub);
}

static void key_load_that_runs_out_of_memory_returns_no_key(void **state)
{
	struct key_case c = { .want = fx.kiosk_pub };
	struct jr_fault_case load = {
		.name = "jr_key_load", .ctx = &c, .eb = &c.eb, .op = key_load_op,
		.failed = key_out_is_null_and_says, .done = key_out_is_want,
	};
	struct jr_fault_case pub = {
		.name = "jr_key_load_public", .ctx = &c, .eb = &c.eb, .op = key_load_public_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};

	(void)state;
	c.dir = test_dir("faults-key-load");
	jr_test_path(c.path, sizeof c.path, c.dir, "kiosk.key");
	assert_int_equal(jr_key_save(fx.kiosk, c.path, NULL), JR_OK);
	sweep(&load, 3);
	sweep(&pub, 3);
}

/* PIN-sealed key file bytes at the cheapest limits, with a fixed salt and
 * nonce, so every run must give the same bytes. */
static const uint8_t cheap_salt[JR_PIN_SALT_BYTES] = { 7, 7, 7 };
static const uint8_t cheap_nonce[JR_PIN_NONCE_BYTES] = { 9, 9, 9 };

static void cheap_pinseal(struct jr_key_pinseal *ps)
{
	memset(ps, 0, sizeof *ps);
	ps->pin = PIN;
	ps->pinlen = PINLEN;
	ps->salt = cheap_salt;
	ps->nonce = cheap_nonce;
	ps->opslimit = JR_PIN_OPSLIMIT_MIN;
	ps->memlimit = JR_PIN_MEMLIMIT_MIN;
}

static int key_encode_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_encode(fx.kiosk, &c->ps, &c->bytes, &c->len, &c->eb);
}

static void key_encode_failed(void *ctx, int rc)
{
	struct key_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_null(c->bytes);
	assert_int_equal(c->len, 0);
}

static void key_encode_done(void *ctx)
{
	struct key_case *c = ctx;

	assert_int_equal(c->len, c->reflen);
	assert_memory_equal(c->bytes, c->ref, c->reflen);
	sodium_free(c->bytes);
	c->bytes = NULL;
}

static int key_decode_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_decode(c->ref, c->reflen, "(test)", PIN, PINLEN, &c->k, &c->eb);
}

static void pin_key_encode_and_decode_that_run_out_of_memory_fail_cleanly(
	void **state)
{
	struct key_case c = { .want = fx.kiosk_pub };
	struct jr_fault_case enc = {
		.name = "jr_key_encode (PIN, minimum limits)", .ctx = &c, .eb = &c.eb,
		.op = key_encode_op, .failed = key_encode_failed,
		.done = key_encode_done,
	};
	struct jr_fault_case dec = {
		.name = "jr_key_decode (PIN, minimum limits)", .ctx = &c, .eb = &c.eb,
		.op = key_decode_op, .failed = key_out_is_null_and_says,
		.done = key_out_is_want,
	};

	(void)state;
	cheap_pinseal(&c.ps);
	assert_int_equal(key_encode_op(&c), JR_OK);
	c.ref = c.bytes;
	c.reflen = c.len;
	c.bytes = NULL;
	c.len = 0;
	sweep(&enc, 3);
	sweep(&dec, 3);
	sodium_free(c.ref);
}

/* At the real Argon2id cost: the sweep derives only in its last run. */
static int key_save_pin_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_save_pin(fx.kiosk, c->path, PIN, PINLEN, &c->eb);
}

static void key_save_pin_done(void *ctx)
{
	struct key_case *c = ctx;
	struct jr_pubkey pub;

	assert_int_equal(dir_entries(c->dir), 1);
	assert_int_equal(jr_key_load_public(c->path, &pub, NULL), JR_OK);
	assert_pub_equal(&pub, &fx.kiosk_pub);
}

static int key_load_pin_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_key_load_pin(c->path, PIN, PINLEN, &c->k, &c->eb);
}

static void pin_key_save_and_load_that_run_out_of_memory_fail_cleanly(
	void **state)
{
	struct key_case c = { .want = fx.kiosk_pub };
	struct jr_fault_case save = {
		.name = "jr_key_save_pin", .ctx = &c, .eb = &c.eb, .op = key_save_pin_op,
		.failed = save_left_nothing, .done = key_save_pin_done,
	};
	struct jr_fault_case load = {
		.name = "jr_key_load_pin", .ctx = &c, .eb = &c.eb, .op = key_load_pin_op,
		.failed = key_out_is_null_and_says, .done = key_out_is_want,
	};

	(void)state;
	c.dir = test_dir("faults-key-pin");
	jr_test_path(c.path, sizeof c.path, c.dir, "officer.key");
	sweep(&save, 3);
	sweep(&load, 3);
}

/* ---- public keys ---- */

static int pubkey_encode_op(void *ctx)
{
	struct key_case *c = ctx;

	return jr_pubkey_encode(&fx.kiosk_pub, &c->buf);
}

static void buf_is_empty(void *ctx, int rc)
{
	struct key_case *c = ctx;

	(void)rc;
	assert_null(c->buf.base);
	assert_int_equal(c->buf.len, 0);
}

static void buf_is_ref(void *ctx)
{
	struct key_case *c = ctx;

	assert_int_equal(c->buf.len, c->refbuf.len);
	assert_memory_equal(c->buf.base, c->refbuf.base, c->refbuf.len);
	jr_buf_free(&c->buf);
}

static int pubkey_decode_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_pubkey_decode(c->refbuf.base, c->refbuf.len, &c->pub, &c->eb);
}

static int pubkey_save_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_pubkey_save(&fx.kiosk_pub, c->path, &c->eb);
}

static void pubkey_save_done(void *ctx)
{
	struct key_case *c = ctx;

	assert_int_equal(dir_entries(c->dir), 1);
	assert_file_is(c->path, &c->refbuf);
}

static int pubkey_load_op(void *ctx)
{
	struct key_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_pubkey_load(c->path, &c->pub, &c->eb);
}

static void public_key_files_that_run_out_of_memory_fail_cleanly(void **state)
{
	struct key_case c = { .want = fx.kiosk_pub };
	struct jr_fault_case enc = {
		.name = "jr_pubkey_encode", .ctx = &c, .eb = &c.eb, .op = pubkey_encode_op,
		.failed = buf_is_empty, .done = buf_is_ref,
	};
	struct jr_fault_case dec = {
		.name = "jr_pubkey_decode", .ctx = &c, .eb = &c.eb, .op = pubkey_decode_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};
	struct jr_fault_case save = {
		.name = "jr_pubkey_save", .ctx = &c, .eb = &c.eb, .op = pubkey_save_op,
		.failed = save_left_nothing, .done = pubkey_save_done,
	};
	struct jr_fault_case load = {
		.name = "jr_pubkey_load", .ctx = &c, .eb = &c.eb, .op = pubkey_load_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};

	(void)state;
	c.dir = test_dir("faults-pubkey");
	jr_test_path(c.path, sizeof c.path, c.dir, "kiosk.pub");
	assert_int_equal(pubkey_encode_op(&c), JR_OK);
	c.refbuf = c.buf;
	memset(&c.buf, 0, sizeof c.buf);
	sweep(&enc, 1);
	sweep(&dec, 0);
	sweep(&save, 1);
	sweep(&load, 1);
	jr_buf_free(&c.refbuf);
}

/* ---- sealing ---- */

#define SEAL_AD "jaring/faults/ad"
#define SEAL_PT "Budi Santoso, Jl. Melati 4"

struct seal_case {
	struct jr_seal_epoch *e;
	struct jr_seal_opener *o;
	uint8_t nonce[JR_SEAL_NONCE_BYTES];
	uint8_t ct[sizeof SEAL_PT - 1 + JR_SEAL_TAG_BYTES];
	uint8_t refct[sizeof SEAL_PT - 1 + JR_SEAL_TAG_BYTES];
	uint8_t pt[sizeof SEAL_PT - 1];
	const uint8_t *epoch_pk;
};

static const uint8_t det_sk[32] = { 0x11, 0x22, 0x33 };
static const uint8_t det_nonce_seed[32] = { 0x44, 0x55 };

static int epoch_open_op(void *ctx)
{
	struct seal_case *c = ctx;

	return jr_seal_epoch_open(fx.consortium_pub.box_pk, NOW, &c->e);
}

static int epoch_open_det_op(void *ctx)
{
	struct seal_case *c = ctx;

	return jr_seal_epoch_open_det(fx.consortium_pub.box_pk, det_sk,
		det_nonce_seed, NOW, &c->e);
}

static void epoch_is_null(void *ctx, int rc)
{
	struct seal_case *c = ctx;

	(void)rc;
	assert_null(c->e);
}

static void seal_one(struct seal_case *c)
{
	assert_int_equal(jr_seal(c->e, (const uint8_t *)SEAL_AD, sizeof SEAL_AD - 1,
		(const uint8_t *)SEAL_PT, sizeof SEAL_PT - 1, c->nonce, c->ct), JR_OK);
}

/* Whatever the epoch seals, the consortium opens. */
static void epoch_seals_for_the_consortium(void *ctx)
{
	struct seal_case *c = ctx;
	struct jr_seal_opener *o = NULL;

	assert_non_null(c->e);
	seal_one(c);
	assert_int_equal(jr_seal_opener_new(fx.consortium, &o), JR_OK);
	assert_int_equal(jr_seal_open(o, jr_seal_epoch_pk(c->e), c->nonce,
		(const uint8_t *)SEAL_AD, sizeof SEAL_AD - 1, c->ct, sizeof c->ct,
		c->pt), JR_OK);
	assert_memory_equal(c->pt, SEAL_PT, sizeof c->pt);
	jr_seal_opener_free(o);
	jr_seal_epoch_close(c->e);
	c->e = NULL;
}

static void det_epoch_seals_as_a_normal_run(void *ctx)
{
	struct seal_case *c = ctx;

	assert_non_null(c->e);
	seal_one(c);
	assert_memory_equal(c->ct, c->refct, sizeof c->ct);
	epoch_seals_for_the_consortium(c);
}

static void seal_epoch_open_that_runs_out_of_memory_returns_no_epoch(
	void **state)
{
	struct seal_case c = { 0 };
	struct jr_fault_case open = {
		.name = "jr_seal_epoch_open", .ctx = &c, .op = epoch_open_op,
		.failed = epoch_is_null, .done = epoch_seals_for_the_consortium,
	};
	struct jr_fault_case det = {
		.name = "jr_seal_epoch_open_det", .ctx = &c, .op = epoch_open_det_op,
		.failed = epoch_is_null, .done = det_epoch_seals_as_a_normal_run,
	};

	(void)state;
	assert_int_equal(epoch_open_det_op(&c), JR_OK);
	seal_one(&c);
	memcpy(c.refct, c.ct, sizeof c.ct);
	jr_seal_epoch_close(c.e);
	c.e = NULL;
	sweep(&open, 2);
	sweep(&det, 2);
}

/* The opener is made and used in one run: a failed run opens nothing. */
static int opener_op(void *ctx)
{
	struct seal_case *c = ctx;
	int rc = jr_seal_opener_new(fx.consortium, &c->o);

	memset(c->pt, 0xee, sizeof c->pt);
	if (rc != JR_OK)
		return rc;
	return jr_seal_open(c->o, c->epoch_pk, c->nonce, (const uint8_t *)SEAL_AD,
		sizeof SEAL_AD - 1, c->refct, sizeof c->refct, c->pt);
}

static void opener_failed(void *ctx, int rc)
{
	struct seal_case *c = ctx;

	(void)rc;
	assert_null(c->o);
}

static void opener_done(void *ctx)
{
	struct seal_case *c = ctx;

	assert_memory_equal(c->pt, SEAL_PT, sizeof c->pt);
	assert_int_equal(jr_seal_opener_dh_count(c->o), 1);
	jr_seal_opener_free(c->o);
	c->o = NULL;
}

static void seal_opener_that_runs_out_of_memory_returns_no_opener(void **state)
{
	struct seal_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_seal_opener_new + jr_seal_open", .ctx = &c,
		.op = opener_op, .failed = opener_failed, .done = opener_done,
	};

	(void)state;
	assert_int_equal(epoch_open_det_op(&c), JR_OK);
	seal_one(&c);
	memcpy(c.refct, c.ct, sizeof c.ct);
	c.epoch_pk = jr_seal_epoch_pk(c.e);
	sweep(&fc, 2);
	jr_seal_epoch_close(c.e);
}

/* ---- policy ---- */

struct policy_case {
	struct jr_policy p, got;
	struct jr_buf buf, ref;
	struct jr_errbuf eb;
};

static int policy_encode_op(void *ctx)
{
	struct policy_case *c = ctx;

	return jr_policy_encode(&c->p, &c->buf);
}

static void policy_buf_is_empty(void *ctx, int rc)
{
	struct policy_case *c = ctx;

	(void)rc;
	assert_null(c->buf.base);
	assert_int_equal(c->buf.len, 0);
}

static void policy_buf_is_ref(void *ctx)
{
	struct policy_case *c = ctx;

	assert_int_equal(c->buf.len, c->ref.len);
	assert_memory_equal(c->buf.base, c->ref.base, c->ref.len);
	jr_buf_free(&c->buf);
}

static int policy_decode_op(void *ctx)
{
	struct policy_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_policy_decode(c->ref.base, c->ref.len, &c->got, &c->eb);
}

static void policy_decode_failed(void *ctx, int rc)
{
	struct policy_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_true(all_zero(&c->got, sizeof c->got));
}

static void policy_decode_done(void *ctx)
{
	struct policy_case *c = ctx;

	assert_int_equal(c->got.version, c->p.version);
	assert_int_equal(c->got.n_regencies, c->p.n_regencies);
	assert_memory_equal(c->got.regencies, c->p.regencies,
		c->p.n_regencies * sizeof c->p.regencies[0]);
	assert_int_equal(c->got.income_ceiling_rp, c->p.income_ceiling_rp);
	assert_int_equal(c->got.occupations, c->p.occupations);
	assert_int_equal(c->got.consent_version, c->p.consent_version);
}

static void policy_encode_that_runs_out_of_memory_gives_no_bytes(void **state)
{
	struct policy_case c = { 0 };
	struct jr_fault_case enc = {
		.name = "jr_policy_encode", .ctx = &c, .eb = &c.eb, .op = policy_encode_op,
		.failed = policy_buf_is_empty, .done = policy_buf_is_ref,
	};
	struct jr_fault_case dec = {
		.name = "jr_policy_decode", .ctx = &c, .eb = &c.eb, .op = policy_decode_op,
		.failed = policy_decode_failed, .done = policy_decode_done,
	};

	(void)state;
	jr_policy_default(&c.p);
	assert_int_equal(policy_encode_op(&c), JR_OK);
	c.ref = c.buf;
	memset(&c.buf, 0, sizeof c.buf);
	sweep(&enc, 1);
	sweep(&dec, 0);
	jr_buf_free(&c.ref);
}

/* ---- receipts ---- */

struct receipt_case {
	struct jr_receipt r, got;
	struct jr_buf buf, ref;
	char text[JR_RECEIPT_TEXT_MAX + 1], reftext[JR_RECEIPT_TEXT_MAX + 1];
	uint8_t bytes[JR_RECEIPT_MAX_BYTES];
	size_t len;
	struct jr_errbuf eb;
};

static void sample_receipt(struct jr_receipt *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, fx.kiosk_pub.id, JR_ID_BYTES);
	r->height = 4242;
	for (size_t i = 0; i < JR_REGID_BYTES; i++)
		r->regid[i] = (uint8_t)(0xa0 + i);
	r->time = NOW;
	memcpy(r->masked_name, "S*** A*****", sizeof "S*** A*****");
	r->policy_version = 1;
}

static int receipt_sign_op(void *ctx)
{
	struct receipt_case *c = ctx;

	return jr_receipt_sign(&c->r, fx.kiosk, &c->buf);
}

static void receipt_buf_is_empty(void *ctx, int rc)
{
	struct receipt_case *c = ctx;

	(void)rc;
	assert_null(c->buf.base);
	assert_int_equal(c->buf.len, 0);
}

static void receipt_buf_is_ref(void *ctx)
{
	struct receipt_case *c = ctx;

	assert_int_equal(c->buf.len, c->ref.len);
	assert_memory_equal(c->buf.base, c->ref.base, c->ref.len);
	jr_buf_free(&c->buf);
}

static int receipt_verify_op(void *ctx)
{
	struct receipt_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_receipt_verify(c->ref.base, c->ref.len, fx.kiosk_pub.sign_pk,
		&c->got, &c->eb);
}

static void receipt_got_is_zero(void *ctx, int rc)
{
	struct receipt_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_true(all_zero(&c->got, sizeof c->got));
}

static void receipt_got_is_r(void *ctx)
{
	struct receipt_case *c = ctx;

	assert_memory_equal(c->got.kiosk_id, c->r.kiosk_id, JR_ID_BYTES);
	assert_int_equal(c->got.height, c->r.height);
	assert_memory_equal(c->got.regid, c->r.regid, JR_REGID_BYTES);
	assert_int_equal(c->got.time, c->r.time);
	assert_string_equal(c->got.masked_name, c->r.masked_name);
	assert_int_equal(c->got.policy_version, c->r.policy_version);
	memset(&c->got, 0, sizeof c->got);
}

static int receipt_to_text_op(void *ctx)
{
	struct receipt_case *c = ctx;

	return jr_receipt_to_text(c->ref.base, c->ref.len, c->text, sizeof c->text);
}

static void receipt_text_is_ref(void *ctx)
{
	struct receipt_case *c = ctx;

	assert_string_equal(c->text, c->reftext);
}

static int receipt_from_text_op(void *ctx)
{
	struct receipt_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_receipt_from_text(c->reftext, strlen(c->reftext), c->bytes,
		&c->len, &c->eb);
}

static void receipt_bytes_are_ref(void *ctx)
{
	struct receipt_case *c = ctx;

	assert_int_equal(c->len, c->ref.len);
	assert_memory_equal(c->bytes, c->ref.base, c->ref.len);
}

static void receipt_that_runs_out_of_memory_is_not_half_signed(void **state)
{
	struct receipt_case c = { 0 };
	struct jr_fault_case sign = {
		.name = "jr_receipt_sign", .ctx = &c, .eb = &c.eb, .op = receipt_sign_op,
		.failed = receipt_buf_is_empty, .done = receipt_buf_is_ref,
	};
	struct jr_fault_case verify = {
		.name = "jr_receipt_verify", .ctx = &c, .eb = &c.eb, .op = receipt_verify_op,
		.failed = receipt_got_is_zero, .done = receipt_got_is_r,
	};
	struct jr_fault_case to_text = {
		.name = "jr_receipt_to_text", .ctx = &c, .eb = &c.eb, .op = receipt_to_text_op,
		.done = receipt_text_is_ref,
	};
	struct jr_fault_case from_text = {
		.name = "jr_receipt_from_text", .ctx = &c, .eb = &c.eb, .op = receipt_from_text_op,
		.done = receipt_bytes_are_ref,
	};

	(void)state;
	sample_receipt(&c.r);
	assert_int_equal(receipt_sign_op(&c), JR_OK);
	c.ref = c.buf;
	memset(&c.buf, 0, sizeof c.buf);
	assert_int_equal(receipt_to_text_op(&c), JR_OK);
	memcpy(c.reftext, c.text, sizeof c.text);
	sweep(&sign, 2);
	sweep(&verify, 0);
	sweep(&to_text, 0);
	sweep(&from_text, 0);
	jr_buf_free(&c.ref);
}

/* ---- images ---- */

struct image_case {
	struct jr_image img, ref;
	int version, refversion;
	const char *dir;
	char path[1024], refpath[1024];
	struct jr_buf refpng;
	char text[JR_RECEIPT_TEXT_MAX + 1];
	size_t textlen;
	struct jr_errbuf eb;
};

#define QR_TEXT "JR1:FAULTS 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

static int qr_render_op(void *ctx)
{
	struct image_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_qr_render(QR_TEXT, JR_QR_MAX_VERSION, 3, 4, &c->img, &c->version,
		&c->eb);
}

static void image_is_empty(void *ctx, int rc)
{
	struct image_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_null(c->img.pix);
	assert_int_equal(c->img.w, 0);
	assert_int_equal(c->img.h, 0);
	assert_int_equal(c->version, 0);
}

static void assert_image_equal(const struct jr_image *a, const struct jr_image *b)
{
	assert_int_equal(a->w, b->w);
	assert_int_equal(a->h, b->h);
	assert_memory_equal(a->pix, b->pix, (size_t)a->w * (size_t)a->h);
}

static void image_is_ref(void *ctx)
{
	struct image_case *c = ctx;

	assert_image_equal(&c->img, &c->ref);
	assert_int_equal(c->version, c->refversion);
	jr_image_free(&c->img);
	c->version = 0;
}

static int png_write_op(void *ctx)
{
	struct image_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_png_write(&c->ref, c->path, &c->eb);
}

static void png_write_left_nothing(void *ctx, int rc)
{
	struct image_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_int_equal(dir_entries(c->dir), 0);
}

static void png_write_done(void *ctx)
{
	struct image_case *c = ctx;

	assert_int_equal(dir_entries(c->dir), 1);
	assert_file_is(c->path, &c->refpng);
	assert_int_equal(unlink(c->path), 0);
}

static int png_read_op(void *ctx)
{
	struct image_case *c = ctx;

	jr_errclear(&c->eb);
	c->version = 0;
	return jr_png_read(c->refpath, &c->img, &c->eb);
}

static void png_read_done(void *ctx)
{
	struct image_case *c = ctx;

	assert_image_equal(&c->img, &c->ref);
	jr_image_free(&c->img);
}

static int qr_scan_op(void *ctx)
{
	struct image_case *c = ctx;

	jr_errclear(&c->eb);
	memset(c->text, 'x', sizeof c->text);
	c->textlen = 99;
	return jr_qr_scan(&c->ref, c->text, sizeof c->text, &c->textlen, &c->eb);
}

static void qr_scan_failed(void *ctx, int rc)
{
	struct image_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_int_equal(c->text[0], '\0');
	assert_int_equal(c->textlen, 0);
}

static void qr_scan_done(void *ctx)
{
	struct image_case *c = ctx;

	assert_int_equal(c->textlen, sizeof QR_TEXT - 1);
	assert_string_equal(c->text, QR_TEXT);
}

static void qr_and_png_that_run_out_of_memory_fail_cleanly(void **state)
{
	struct image_case c = { 0 };
	struct jr_fault_case render = {
		.name = "jr_qr_render", .ctx = &c, .eb = &c.eb, .op = qr_render_op,
		.failed = image_is_empty, .done = image_is_ref,
	};
	struct jr_fault_case write = {
		.name = "jr_png_write", .ctx = &c, .eb = &c.eb, .op = png_write_op,
		.failed = png_write_left_nothing, .done = png_write_done,
	};
	struct jr_fault_case read = {
		.name = "jr_png_read", .ctx = &c, .eb = &c.eb, .op = png_read_op,
		.failed = image_is_empty, .done = png_read_done,
	};
	struct jr_fault_case scan = {
		.name = "jr_qr_scan", .ctx = &c, .eb = &c.eb, .op = qr_scan_op,
		.failed = qr_scan_failed, .done = qr_scan_done,
	};
	const char *refdir = test_dir("faults-png-ref");

	(void)state;
	c.dir = test_dir("faults-png");
	jr_test_path(c.path, sizeof c.path, c.dir, "receipt.png");
	jr_test_path(c.refpath, sizeof c.refpath, refdir, "receipt.png");
	assert_int_equal(qr_render_op(&c), JR_OK);
	c.ref = c.img;
	c.refversion = c.version;
	memset(&c.img, 0, sizeof c.img);
	c.version = 0;
	assert_int_equal(jr_png_write(&c.ref, c.refpath, NULL), JR_OK);
	assert_int_equal(jr_file_read(c.refpath, 1u << 20, &c.refpng, NULL), JR_OK);
	sweep(&render, 4);
	sweep(&write, 3);
	sweep(&read, 4);
	sweep(&scan, 2);
	jr_buf_free(&c.refpng);
	jr_image_free(&c.ref);
}

/* ---- records and blocks ---- */

#define T0 1790000000
#define NREC 3

/* Records of fx.kiosk sealed in a deterministic epoch, made once. */
static struct {
	bool made;
	struct jr_registration reg[NREC];
	struct jr_buf rec[NREC];
	uint8_t regid[NREC][JR_REGID_BYTES];
	struct jr_buf rcpt[NREC];
	struct jr_seal_opener *opener;
} rx;

static const uint8_t epoch_sk[32] = { 3, 3, 3 };
static const uint8_t epoch_nonce_seed[32] = { 4, 4, 4 };

/* A made-up worker; every field passes the record's checks. */
static void sample_registration(struct jr_registration *r, unsigned i)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, fx.kiosk_pub.id, JR_ID_BYTES);
	r->time = T0 + (int64_t)i;
	r->village = 3328012001u;
	r->occupation = JR_OCC_STREET_VENDOR;
	r->income = JR_INCOME_UNDER_500K;
	r->sex = JR_SEX_MALE;
	r->birth_year = 1985;
	r->consent_version = 1;
	if (snprintf(r->nik, sizeof r->nik, "332801010185%04u", i + 1) != JR_NIK_LEN)
		fail_msg("sample NIK");
	if (snprintf(r->name, sizeof r->name, "Pekerja Contoh %u", i) < 0)
		fail_msg("sample name");
	r->birth = 19850101;
	memcpy(r->phone, "081200000002", sizeof "081200000002");
	if (snprintf(r->address, sizeof r->address, "Desa Contoh RT %02u", i) < 0)
		fail_msg("sample address");
}

static struct jr_seal_epoch *det_epoch(void)
{
	struct jr_seal_epoch *e = NULL;

	assert_int_equal(jr_seal_epoch_open_det(fx.consortium_pub.box_pk, epoch_sk,
		epoch_nonce_seed, T0, &e), JR_OK);
	return e;
}

static void sample_receipt_for(unsigned i, uint64_t height, struct jr_buf *out)
{
	struct jr_receipt r;

	sample_receipt(&r);
	r.height = height;
	memcpy(r.regid, rx.regid[i], JR_REGID_BYTES);
	r.time = T0 + (int64_t)i;
	assert_int_equal(jr_receipt_sign(&r, fx.kiosk, out), JR_OK);
}

static void records_fixture(void)
{
	struct jr_seal_epoch *e;

	if (rx.made)
		return;
	e = det_epoch();
	for (unsigned i = 0; i < NREC; i++) {
		sample_registration(&rx.reg[i], i);
		assert_int_equal(jr_record_encode(&rx.reg[i], e, &rx.rec[i],
			rx.regid[i], NULL), JR_OK);
		sample_receipt_for(i, i + 1, &rx.rcpt[i]);
	}
	jr_seal_epoch_close(e);
	assert_int_equal(jr_seal_opener_new(fx.consortium, &rx.opener), JR_OK);
	rx.made = true;
}

static void records_fixture_free(void)
{
	for (unsigned i = 0; i < NREC; i++) {
		jr_buf_free(&rx.rec[i]);
		jr_buf_free(&rx.rcpt[i]);
		jr_registration_wipe(&rx.reg[i]);
	}
	jr_seal_opener_free(rx.opener);
	memset(&rx, 0, sizeof rx);
}

struct record_case {
	struct jr_seal_epoch *e;
	struct jr_buf out;
	uint8_t regid[JR_REGID_BYTES];
	struct jr_registration got;
	struct jr_errbuf eb;
};

/* A fresh epoch per run: a failed run may spend a nonce (never reused), so
 * only a fresh one gives a normal run's bytes. */
static void record_encode_before(void *ctx)
{
	struct record_case *c = ctx;

	c->e = det_epoch();
}

static int record_encode_op(void *ctx)
{
	struct record_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_record_encode(&rx.reg[0], c->e, &c->out, c->regid, &c->eb);
}

static void record_encode_failed(void *ctx, int rc)
{
	struct record_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_null(c->out.base);
	assert_int_equal(c->out.len, 0);
	assert_true(all_zero(c->regid, sizeof c->regid));
	jr_seal_epoch_close(c->e);
	c->e = NULL;
}

static void record_encode_done(void *ctx)
{
	struct record_case *c = ctx;

	assert_int_equal(c->out.len, rx.rec[0].len);
	assert_memory_equal(c->out.base, rx.rec[0].base, rx.rec[0].len);
	assert_memory_equal(c->regid, rx.regid[0], JR_REGID_BYTES);
	jr_buf_free(&c->out);
	jr_seal_epoch_close(c->e);
	c->e = NULL;
}

static int record_decode_op(void *ctx)
{
	struct record_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_record_decode(rx.rec[0].base, rx.rec[0].len, &c->got, &c->eb);
}

static int record_open_op(void *ctx)
{
	struct record_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_record_open(rx.rec[0].base, rx.rec[0].len, rx.opener, &c->got,
		&c->eb);
}

static void registration_is_wiped(void *ctx, int rc)
{
	struct record_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_true(all_zero(&c->got, sizeof c->got));
}

static void assert_readable_equal(const struct jr_registration *a,
	const struct jr_registration *b)
{
	assert_memory_equal(a->kiosk_id, b->kiosk_id, JR_ID_BYTES);
	assert_int_equal(a->time, b->time);
	assert_int_equal(a->village, b->village);
	assert_int_equal(a->occupation, b->occupation);
	assert_int_equal(a->income, b->income);
	assert_int_equal(a->sex, b->sex);
	assert_int_equal(a->birth_year, b->birth_year);
	assert_int_equal(a->consent_version, b->consent_version);
	assert_int_equal(a->has_corrects, b->has_corrects);
}

static void record_decode_done(void *ctx)
{
	struct record_case *c = ctx;

	/* Only the kiosk id is readable; everything else stays zero. */
	assert_memory_equal(c->got.kiosk_id, rx.reg[0].kiosk_id, JR_ID_BYTES);
	memset(c->got.kiosk_id, 0, JR_ID_BYTES);
	assert_true(all_zero(&c->got, sizeof c->got));
}

static void record_open_done(void *ctx)
{
	struct record_case *c = ctx;

	assert_readable_equal(&c->got, &rx.reg[0]);
	assert_string_equal(c->got.nik, rx.reg[0].nik);
	assert_string_equal(c->got.name, rx.reg[0].name);
	assert_int_equal(c->got.birth, rx.reg[0].birth);
	assert_string_equal(c->got.phone, rx.reg[0].phone);
	assert_string_equal(c->got.address, rx.reg[0].address);
	jr_registration_wipe(&c->got);
}

static void record_that_runs_out_of_memory_is_neither_sealed_nor_opened(
	void **state)
{
	struct record_case c = { 0 };
	struct jr_fault_case enc = {
		.name = "jr_record_encode", .ctx = &c, .eb = &c.eb, .before = record_encode_before,
		.op = record_encode_op, .failed = record_encode_failed,
		.done = record_encode_done,
	};
	struct jr_fault_case dec = {
		.name = "jr_record_decode", .ctx = &c, .eb = &c.eb, .op = record_decode_op,
		.failed = registration_is_wiped, .done = record_decode_done,
	};
	struct jr_fault_case open = {
		.name = "jr_record_open", .ctx = &c, .eb = &c.eb, .op = record_open_op,
		.failed = registration_is_wiped, .done = record_open_done,
	};

	(void)state;
	records_fixture();
	sweep(&enc, 3);
	sweep(&dec, 0);
	sweep(&open, 0); /* opens into a wiped stack buffer: allocation-free */
}

struct block_case {
	struct jr_block b, got;
	struct jr_buf out, ref, signed_ref;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	uint8_t refhash[JR_HASH_BYTES], refsig[JR_SIG_BYTES];
	const uint8_t *body, *bsig;
	size_t body_len;
	struct jr_errbuf eb;
};

static int block_encode_op(void *ctx)
{
	struct block_case *c = ctx;

	return jr_block_encode(&c->b, &c->out);
}

static void block_out_is_empty(void *ctx, int rc)
{
	struct block_case *c = ctx;

	(void)rc;
	assert_null(c->out.base);
	assert_int_equal(c->out.len, 0);
}

static void block_out_is_ref(void *ctx)
{
	struct block_case *c = ctx;

	assert_int_equal(c->out.len, c->ref.len);
	assert_memory_equal(c->out.base, c->ref.base, c->ref.len);
	jr_buf_free(&c->out);
}

static int block_decode_op(void *ctx)
{
	struct block_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_block_decode(c->ref.base, c->ref.len, &c->got, &c->eb);
}

static void block_got_is_b(void *ctx)
{
	struct block_case *c = ctx;

	assert_int_equal(c->got.height, c->b.height);
	assert_int_equal(c->got.n_records, c->b.n_records);
	assert_memory_equal(c->got.prev, c->b.prev, JR_HASH_BYTES);
	memset(&c->got, 0, sizeof c->got);
}

static int block_sign_op(void *ctx)
{
	struct block_case *c = ctx;

	return jr_block_sign(fx.kiosk, c->ref.base, c->ref.len, c->hash, c->sig);
}

static void block_sig_is_ref(void *ctx)
{
	struct block_case *c = ctx;

	assert_memory_equal(c->hash, c->refhash, JR_HASH_BYTES);
	assert_memory_equal(c->sig, c->refsig, JR_SIG_BYTES);
}

static int signed_block_encode_op(void *ctx)
{
	struct block_case *c = ctx;

	return jr_signed_block_encode(c->ref.base, c->ref.len, c->refsig, &c->out);
}

static void signed_block_is_ref(void *ctx)
{
	struct block_case *c = ctx;

	assert_int_equal(c->out.len, c->signed_ref.len);
	assert_memory_equal(c->out.base, c->signed_ref.base, c->signed_ref.len);
	jr_buf_free(&c->out);
}

static int signed_block_decode_op(void *ctx)
{
	struct block_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_signed_block_decode(c->signed_ref.base, c->signed_ref.len,
		&c->body, &c->body_len, &c->bsig, &c->eb);
}

static void signed_block_parts_are_ref(void *ctx)
{
	struct block_case *c = ctx;

	assert_int_equal(c->body_len, c->ref.len);
	assert_memory_equal(c->body, c->ref.base, c->ref.len);
	assert_memory_equal(c->bsig, c->refsig, JR_SIG_BYTES);
}

static void block_that_runs_out_of_memory_gives_no_bytes(void **state)
{
	struct block_case c = { 0 };
	struct jr_fault_case enc = {
		.name = "jr_block_encode", .ctx = &c, .eb = &c.eb, .op = block_encode_op,
		.failed = block_out_is_empty, .done = block_out_is_ref,
	};
	struct jr_fault_case dec = {
		.name = "jr_block_decode", .ctx = &c, .eb = &c.eb, .op = block_decode_op,
		.done = block_got_is_b,
	};
	struct jr_fault_case sign = {
		.name = "jr_block_sign", .ctx = &c, .eb = &c.eb, .op = block_sign_op,
		.done = block_sig_is_ref,
	};
	struct jr_fault_case senc = {
		.name = "jr_signed_block_encode", .ctx = &c, .eb = &c.eb,
		.op = signed_block_encode_op, .failed = block_out_is_empty,
		.done = signed_block_is_ref,
	};
	struct jr_fault_case sdec = {
		.name = "jr_signed_block_decode", .ctx = &c, .eb = &c.eb,
		.op = signed_block_decode_op, .done = signed_block_parts_are_ref,
	};

	(void)state;
	records_fixture();
	memcpy(c.b.kiosk_id, fx.kiosk_pub.id, JR_ID_BYTES);
	c.b.height = 7;
	memset(c.b.prev, 0x77, JR_HASH_BYTES);
	c.b.time = T0;
	c.b.n_records = NREC;
	for (unsigned i = 0; i < NREC; i++) {
		c.b.records[i] = rx.rec[i].base;
		c.b.record_len[i] = rx.rec[i].len;
	}
	assert_int_equal(block_encode_op(&c), JR_OK);
	c.ref = c.out;
	memset(&c.out, 0, sizeof c.out);
	assert_int_equal(block_sign_op(&c), JR_OK);
	memcpy(c.refhash, c.hash, JR_HASH_BYTES);
	memcpy(c.refsig, c.sig, JR_SIG_BYTES);
	assert_int_equal(signed_block_encode_op(&c), JR_OK);
	c.signed_ref = c.out;
	memset(&c.out, 0, sizeof c.out);
	sweep(&enc, 2);
	sweep(&dec, 0);
	sweep(&sign, 0);
	sweep(&senc, 2);
	sweep(&sdec, 0);
	jr_buf_free(&c.ref);
	jr_buf_free(&c.signed_ref);
}

/* ---- the shard ----
 *
 * Each sweep runs twice: once failing libjaring's own allocations, once
 * failing SQLite's (JR_FAULT_SQLITE). A pristine shard at height 2 is made
 * once; runs that change a shard work on a fresh copy of it. */

struct shard_paths {
	const char *dir;
	char db[1024], ctr[1024];
};

static struct {
	bool made;
	struct shard_paths ref;  /* pristine, height 2 */
	struct shard_paths work; /* copies for the runs */
	uint8_t head2[JR_HASH_BYTES];
	uint8_t head3[JR_HASH_BYTES]; /* a normal third append's hash */
	struct jr_buf body2;
	uint8_t sig2[JR_SIG_BYTES];
} sx;

static void shard_paths_in(struct shard_paths *p, const char *name)
{
	p->dir = test_dir(name);
	jr_test_path(p->db, sizeof p->db, p->dir, "shard.db");
	jr_test_path(p->ctr, sizeof p->ctr, p->dir, "shard.counter");
}

static struct jr_shard *shard_open_ok(const struct shard_paths *p,
	const struct jr_key *k)
{
	struct jr_errbuf eb = { 0 };
	struct jr_shard *s = NULL;

	if (jr_shard_open(p->db, k != NULL ? p->ctr : NULL, k, &s, &eb) != JR_OK)
		fail_msg("open %s: %s", p->db, eb.msg);
	return s;
}

/* Appends record i (and its receipt) as the next block. */
static int shard_append_rec(struct jr_shard *s, unsigned i, uint64_t *height,
	uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	const uint8_t *recs[1] = { rx.rec[i].base };
	size_t lens[1] = { rx.rec[i].len };
	struct jr_shard_receipt r = { .payload = rx.rcpt[i].base,
		.len = rx.rcpt[i].len };

	memcpy(r.regid, rx.regid[i], JR_REGID_BYTES);
	return jr_shard_append(s, T0 + (int64_t)i, recs, lens, 1, &r, 1, height,
		hash, eb);
}

static void shard_append_ok(struct jr_shard *s, unsigned i, uint64_t want,
	uint8_t hash[JR_HASH_BYTES])
{
	struct jr_errbuf eb = { 0 };
	uint64_t h = 0;

	if (shard_append_rec(s, i, &h, hash, &eb) != JR_OK)
		fail_msg("append: %s", eb.msg);
	assert_int_equal(h, want);
}

static void shard_verify_ok(struct jr_shard *s)
{
	struct jr_errbuf eb = { 0 };
	uint64_t bad = 99;

	if (jr_shard_verify(s, JR_VERIFY_FULL, &bad, &eb) != JR_OK)
		fail_msg("verify: %s", eb.msg);
	assert_int_equal(bad, 0);
}

static void remove_shard_files(const struct shard_paths *p)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[1100];

	for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		if (snprintf(path, sizeof path, "%s%s", p->db, suffix[i]) >=
		    (int)sizeof path)
			fail_msg("path too long");
		unlink(path);
	}
	unlink(p->ctr);
	assert_int_equal(dir_entries(p->dir), 0);
}

static void copy_file(const char *from, const char *to)
{
	struct jr_buf b;

	assert_int_equal(jr_file_read(from, 1u << 24, &b, NULL), JR_OK);
	assert_int_equal(jr_file_write_atomic(to, b.base, b.len, 0600, NULL), JR_OK);
	jr_buf_free(&b);
}

/* The working shard becomes a copy of the pristine one (closed shards keep
 * everything in the main database file: the last close checkpoints the
 * WAL and removes it). */
static void shard_restore(void)
{
	remove_shard_files(&sx.work);
	copy_file(sx.ref.db, sx.work.db);
	copy_file(sx.ref.ctr, sx.work.ctr);
}

static void shard_fixture(void)
{
	struct jr_shard *s;
	uint8_t h1[JR_HASH_BYTES];

	if (sx.made)
		return;
	records_fixture();
	shard_paths_in(&sx.ref, "faults-shard-ref");
	shard_paths_in(&sx.work, "faults-shard");
	assert_int_equal(jr_shard_create(sx.ref.db, sx.ref.ctr, fx.kiosk, NULL), JR_OK);
	s = shard_open_ok(&sx.ref, fx.kiosk);
	shard_append_ok(s, 0, 1, h1);
	shard_append_ok(s, 1, 2, sx.head2);
	assert_int_equal(jr_shard_get(s, 2, &sx.body2, sx.sig2, NULL), JR_OK);
	jr_shard_close(s);
	shard_restore();
	s = shard_open_ok(&sx.work, fx.kiosk);
	shard_append_ok(s, 2, 3, sx.head3);
	jr_shard_close(s);
	sx.made = true;
}

static void shard_fixture_free(void)
{
	jr_buf_free(&sx.body2);
	memset(&sx, 0, sizeof sx);
}

struct shard_case {
	struct jr_shard *s;
	struct jr_errbuf eb;
	uint64_t height, bad;
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_buf buf;
};

/* Runs one case failing libjaring's allocations, then SQLite's. */
static void sweep_both(struct jr_fault_case *fc, unsigned long min_lib,
	unsigned long min_sqlite)
{
	const char *name = fc->name;
	char buf[128];

	fc->sources = JR_FAULT_LIB;
	sweep(fc, min_lib);
	if (snprintf(buf, sizeof buf, "%s (SQLite)", name) >= (int)sizeof buf)
		fail_msg("name too long");
	fc->name = buf;
	fc->sources = JR_FAULT_SQLITE;
	sweep(fc, min_sqlite);
	fc->name = name;
}

/* create: a failed create leaves no database, WAL or counter behind. */
static void shard_create_before(void *ctx)
{
	(void)ctx;
	remove_shard_files(&sx.work);
}

static int shard_create_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_shard_create(sx.work.db, sx.work.ctr, fx.kiosk, &c->eb);
}

static void shard_create_failed(void *ctx, int rc)
{
	struct shard_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_int_equal(dir_entries(sx.work.dir), 0);
}

static void shard_create_done(void *ctx)
{
	struct jr_shard *s = shard_open_ok(&sx.work, fx.kiosk);

	(void)ctx;
	assert_int_equal(jr_shard_height(s), 0);
	shard_verify_ok(s);
	jr_shard_close(s);
}

static void shard_create_that_runs_out_of_memory_leaves_no_files(void **state)
{
	struct shard_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_shard_create", .ctx = &c, .eb = &c.eb, .before = shard_create_before,
		.op = shard_create_op, .failed = shard_create_failed,
		.done = shard_create_done,
	};

	(void)state;
	shard_fixture();
	sweep_both(&fc, 0, 10);
}

/* open: a failed open returns no shard and releases the writer lock (the
 * next run's open would fail with JR_EEXIST otherwise). */
static int shard_open_writer_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_shard_open(sx.work.db, sx.work.ctr, fx.kiosk, &c->s, &c->eb);
}

static int shard_open_reader_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_shard_open(sx.work.db, NULL, NULL, &c->s, &c->eb);
}

static void shard_is_null(void *ctx, int rc)
{
	struct shard_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_null(c->s);
}

static void shard_open_done(void *ctx)
{
	struct shard_case *c = ctx;

	assert_non_null(c->s);
	assert_int_equal(jr_shard_height(c->s), 2);
	assert_memory_equal(jr_shard_head_hash(c->s), sx.head2, JR_HASH_BYTES);
	assert_memory_equal(jr_shard_kiosk_id(c->s), fx.kiosk_pub.id, JR_ID_BYTES);
	shard_verify_ok(c->s);
	jr_shard_close(c->s);
	c->s = NULL;
}

static void shard_open_that_runs_out_of_memory_returns_no_shard(void **state)
{
	struct shard_case c = { 0 };
	struct jr_fault_case writer = {
		.name = "jr_shard_open (writer)", .ctx = &c, .eb = &c.eb,
		.op = shard_open_writer_op, .failed = shard_is_null,
		.done = shard_open_done,
	};
	struct jr_fault_case reader = {
		.name = "jr_shard_open (reader)", .ctx = &c, .eb = &c.eb,
		.op = shard_open_reader_op, .failed = shard_is_null,
		.done = shard_open_done,
	};

	(void)state;
	shard_fixture();
	shard_restore();
	sweep_both(&writer, 2, 10);
	sweep_both(&reader, 2, 10);
}

/* append: the chain is as it was, it verifies, and once memory is back the
 * same append gives a normal run's block at the same height. */
static void shard_append_before(void *ctx)
{
	struct shard_case *c = ctx;

	shard_restore();
	c->s = shard_open_ok(&sx.work, fx.kiosk);
}

static int shard_append_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	return shard_append_rec(c->s, 2, &c->height, c->hash, &c->eb);
}

static void assert_shard_at_2(struct jr_shard *s)
{
	struct jr_buf p;

	assert_int_equal(jr_shard_height(s), 2);
	assert_memory_equal(jr_shard_head_hash(s), sx.head2, JR_HASH_BYTES);
	assert_int_equal(jr_shard_receipt(s, rx.regid[2], &p), JR_ENOTFOUND);
	shard_verify_ok(s);
}

static void shard_append_failed(void *ctx, int rc)
{
	struct shard_case *c = ctx;
	uint8_t h[JR_HASH_BYTES];

	assert_says(&c->eb, rc);
	assert_int_equal(c->height, 0);
	assert_true(all_zero(c->hash, sizeof c->hash));
	assert_shard_at_2(c->s);
	/* The same handle, or a reopened one where the handle asks for it
	 * (a failed commit), appends at height 3 with a normal run's hash. */
	rc = shard_append_rec(c->s, 2, &c->height, h, NULL);
	if (rc != JR_OK) {
		assert_int_equal(rc, JR_EIO);
		jr_shard_close(c->s);
		c->s = shard_open_ok(&sx.work, fx.kiosk);
		assert_shard_at_2(c->s);
		shard_append_ok(c->s, 2, 3, h);
	}
	assert_memory_equal(h, sx.head3, JR_HASH_BYTES);
	jr_shard_close(c->s);
	c->s = NULL;
}

static void shard_append_done(void *ctx)
{
	struct shard_case *c = ctx;
	struct jr_buf p;

	assert_int_equal(c->height, 3);
	assert_memory_equal(c->hash, sx.head3, JR_HASH_BYTES);
	assert_int_equal(jr_shard_receipt(c->s, rx.regid[2], &p), JR_OK);
	assert_int_equal(p.len, rx.rcpt[2].len);
	assert_memory_equal(p.base, rx.rcpt[2].base, p.len);
	jr_buf_free(&p);
	shard_verify_ok(c->s);
	jr_shard_close(c->s);
	c->s = NULL;
}

static void shard_append_that_runs_out_of_memory_leaves_the_chain_as_it_was(
	void **state)
{
	struct shard_case c = { 0 };
	struct jr_fault_case fc = {
		.name = "jr_shard_append", .ctx = &c, .eb = &c.eb,
		.before = shard_append_before, .op = shard_append_op,
		.failed = shard_append_failed, .done = shard_append_done,
	};

	(void)state;
	shard_fixture();
	sweep_both(&fc, 2, 5);
}

/* Reads on one open shard: verify, get and the receipt lookups. */
static int shard_verify_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	c->bad = 99;
	return jr_shard_verify(c->s, JR_VERIFY_FULL, &c->bad, &c->eb);
}

static void shard_verify_failed(void *ctx, int rc)
{
	struct shard_case *c = ctx;

	assert_says(&c->eb, rc);
	/* Running out of memory says nothing about any block. */
	assert_int_equal(c->bad, 0);
}

static void shard_verify_done(void *ctx)
{
	struct shard_case *c = ctx;

	assert_int_equal(c->bad, 0);
}

static int shard_get_op(void *ctx)
{
	struct shard_case *c = ctx;

	jr_errclear(&c->eb);
	memset(c->sig, 0xee, sizeof c->sig);
	return jr_shard_get(c->s, 2, &c->buf, c->sig, &c->eb);
}

static void shard_get_failed(void *ctx, int rc)
{
	struct shard_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_null(c->buf.base);
	assert_int_equal(c->buf.len, 0);
	assert_true(all_zero(c->sig, sizeof c->sig));
}

static void shard_get_done(void *ctx)
{
	struct shard_case *c = ctx;

	assert_int_equal(c->buf.len, sx.body2.len);
	assert_memory_equal(c->buf.base, sx.body2.base, sx.body2.len);
	assert_memory_equal(c->sig, sx.sig2, JR_SIG_BYTES);
	jr_buf_free(&c->buf);
}

static int shard_receipt_op(void *ctx)
{
	struct shard_case *c = ctx;

	return jr_shard_receipt(c->s, rx.regid[1], &c->buf);
}

static int shard_last_receipt_op(void *ctx)
{
	struct shard_case *c = ctx;

	return jr_shard_last_receipt(c->s, &c->buf);
}

static int shard_receipt_by_code_op(void *ctx)
{
	struct shard_case *c = ctx;

	return jr_shard_receipt_by_code(c->s, jr_regid_prefix45(rx.regid[1]),
		&c->buf);
}

static void shard_buf_is_empty(void *ctx, int rc)
{
	struct shard_case *c = ctx;

	(void)rc;
	assert_null(c->buf.base);
	assert_int_equal(c->buf.len, 0);
}

static void shard_buf_is_receipt_1(void *ctx)
{
	struct shard_case *c = ctx;

	assert_int_equal(c->buf.len, rx.rcpt[1].len);
	assert_memory_equal(c->buf.base, rx.rcpt[1].base, rx.rcpt[1].len);
	jr_buf_free(&c->buf);
}

static void shard_reads_that_run_out_of_memory_return_nothing(void **state)
{
	struct shard_case c = { 0 };
	struct jr_fault_case cases[] = {
		{ .name = "jr_shard_verify", .op = shard_verify_op,
		  .failed = shard_verify_failed, .done = shard_verify_done },
		{ .name = "jr_shard_get", .op = shard_get_op,
		  .failed = shard_get_failed, .done = shard_get_done },
		{ .name = "jr_shard_receipt", .op = shard_receipt_op,
		  .failed = shard_buf_is_empty, .done = shard_buf_is_receipt_1 },
		{ .name = "jr_shard_last_receipt", .op = shard_last_receipt_op,
		  .failed = shard_buf_is_empty, .done = shard_buf_is_receipt_1 },
		{ .name = "jr_shard_receipt_by_code", .op = shard_receipt_by_code_op,
		  .failed = shard_buf_is_empty, .done = shard_buf_is_receipt_1 },
	};

	(void)state;
	shard_fixture();
	shard_restore();
	c.s = shard_open_ok(&sx.work, fx.kiosk);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cases[i].ctx = &c;
		cases[i].eb = &c.eb;
		sweep_both(&cases[i], 0, 0);
	}
	/* Whatever failed, the shard is as it was. */
	assert_shard_at_2(c.s);
	jr_shard_close(c.s);
}

/* ---- the registrar ---- */

/* A made-up worker whom the default policy accepts. */
static void sample_worker(struct jr_registration *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->nik, "3328105403869001", sizeof "3328105403869001");
	memcpy(r->name, "Siti Contoh", sizeof "Siti Contoh");
	r->sex = JR_SEX_FEMALE;
	r->birth = 19860314;
	r->birth_year = 1986;
	r->village = 3328101008;
	r->occupation = JR_OCC_STREET_VENDOR;
	r->income = JR_INCOME_500K_1M;
	memcpy(r->phone, "081234500001", sizeof "081234500001");
	memcpy(r->address, "Jl. Contoh No. 1 RT 01 RW 02",
		sizeof "Jl. Contoh No. 1 RT 01 RW 02");
}

#define SUBMIT_NOW (T0 + 100)

struct registrar_case {
	struct jr_shard *s;
	struct jr_registrar *g;
	struct jr_policy policy;
	struct jr_registration r;
	struct jr_verdict v;
	struct jr_issued is;
	struct jr_errbuf eb;
};

static int registrar_new_op(void *ctx)
{
	struct registrar_case *c = ctx;

	return jr_registrar_new(c->s, fx.kiosk, &c->policy,
		fx.consortium_pub.box_pk, &c->g);
}

static void registrar_is_null(void *ctx, int rc)
{
	struct registrar_case *c = ctx;

	(void)rc;
	assert_null(c->g);
}

static void registrar_new_done(void *ctx)
{
	struct registrar_case *c = ctx;

	assert_non_null(c->g);
	jr_registrar_free(c->g);
	c->g = NULL;
}

/* A fresh shard at height 2 and a registrar with no epoch open yet, so the
 * run opens the epoch too. */
static void registrar_submit_before(void *ctx)
{
	struct registrar_case *c = ctx;

	shard_restore();
	c->s = shard_open_ok(&sx.work, fx.kiosk);
	assert_int_equal(registrar_new_op(c), JR_OK);
	sample_worker(&c->r);
}

static int registrar_submit_op(void *ctx)
{
	struct registrar_case *c = ctx;

	jr_errclear(&c->eb);
	return jr_registrar_submit(c->g, &c->r, SUBMIT_NOW, &c->v, &c->is, &c->eb);
}

static void registrar_close(struct registrar_case *c)
{
	jr_registrar_free(c->g);
	c->g = NULL;
	jr_shard_close(c->s);
	c->s = NULL;
	jr_registration_wipe(&c->r);
}

/* What a normal submit gives: the receipt for height 3 verifies, the shard
 * holds it, and the centre opens the stored record to the worker's data.
 * (The epoch is random, so the bytes differ from run to run.) */
static void assert_issued_at_3(struct registrar_case *c)
{
	struct jr_registration got, want;
	struct jr_receipt rc;
	struct jr_buf body = { NULL, 0 }, stored = { NULL, 0 };
	uint8_t sig[JR_SIG_BYTES], regid[JR_REGID_BYTES];
	struct jr_block b;

	assert_int_equal(c->v.n, 0);
	assert_int_equal(c->is.height, 3);
	assert_int_equal(jr_shard_height(c->s), 3);
	assert_int_equal(jr_receipt_verify(c->is.payload, c->is.payload_len,
		fx.kiosk_pub.sign_pk, &rc, NULL), JR_OK);
	assert_int_equal(rc.height, 3);
	assert_memory_equal(rc.regid, c->is.regid, JR_REGID_BYTES);
	assert_string_equal(rc.masked_name, "S. C.");
	assert_int_equal(jr_shard_receipt(c->s, c->is.regid, &stored), JR_OK);
	assert_int_equal(stored.len, c->is.payload_len);
	assert_memory_equal(stored.base, c->is.payload, stored.len);
	jr_buf_free(&stored);
	assert_int_equal(jr_shard_get(c->s, 3, &body, sig, NULL), JR_OK);
	assert_int_equal(jr_block_decode(body.base, body.len, &b, NULL), JR_OK);
	assert_int_equal(b.n_records, 1);
	jr_record_id(b.records[0], b.record_len[0], regid);
	assert_memory_equal(regid, c->is.regid, JR_REGID_BYTES);
	assert_int_equal(jr_record_open(b.records[0], b.record_len[0], rx.opener,
		&got, NULL), JR_OK);
	sample_worker(&want);
	assert_string_equal(got.nik, want.nik);
	assert_string_equal(got.name, want.name);
	assert_string_equal(got.address, want.address);
	jr_registration_wipe(&got);
	jr_buf_free(&body);
	shard_verify_ok(c->s);
}

static void registrar_submit_failed(void *ctx, int rc)
{
	struct registrar_case *c = ctx;

	assert_says(&c->eb, rc);
	assert_true(all_zero(&c->is, sizeof c->is));
	assert_int_equal(c->v.n, 0);
	assert_shard_at_2(c->s);
	/* Memory back: the same registrar, or after a failed commit a reopened
	 * shard and a new registrar, issues the receipt for height 3. */
	rc = registrar_submit_op(c);
	if (rc != JR_OK) {
		assert_int_equal(rc, JR_EIO);
		registrar_close(c);
		registrar_submit_before(c);
		assert_shard_at_2(c->s);
		assert_int_equal(registrar_submit_op(c), JR_OK);
	}
	assert_issued_at_3(c);
	registrar_close(c);
}

static void registrar_submit_done(void *ctx)
{
	struct registrar_case *c = ctx;

	assert_issued_at_3(c);
	registrar_close(c);
}

static void registrar_that_runs_out_of_memory_issues_no_receipt_and_stores_nothing(
	void **state)
{
	struct registrar_case c = { 0 };
	struct jr_fault_case make = {
		.name = "jr_registrar_new", .ctx = &c, .op = registrar_new_op,
		.failed = registrar_is_null, .done = registrar_new_done,
	};
	struct jr_fault_case submit = {
		.name = "jr_registrar_submit", .ctx = &c, .eb = &c.eb,
		.before = registrar_submit_before, .op = registrar_submit_op,
		.failed = registrar_submit_failed, .done = registrar_submit_done,
	};

	(void)state;
	shard_fixture();
	jr_policy_default(&c.policy);
	shard_restore();
	c.s = shard_open_ok(&sx.work, fx.kiosk);
	sweep(&make, 1);
	jr_shard_close(c.s);
	c.s = NULL;
	sweep_both(&submit, 8, 5);
}

/* ---- the harness itself ---- */

static void harness_fails_exactly_the_nth_allocation_and_counts_them(void **state)
{
	/* Through volatile pointers, so the compiler cannot drop the calls. */
	void *(*volatile alloc)(size_t) = malloc;
	void (*volatile release)(void *) = free;
	void *a, *b, *c;

	(void)state;
	jr_fault_arm(2, JR_FAULT_LIB);
	a = alloc(8);
	b = alloc(8);
	c = alloc(8);
	jr_fault_disarm();
	assert_non_null(a);
	assert_null(b);
	assert_non_null(c);
	assert_true(jr_fault_fired());
	assert_int_equal(jr_fault_calls(), 3);
	assert_int_equal(jr_fault_live(), 2);
	release(a);
	assert_int_equal(jr_fault_live(), 1);
	release(c);
	assert_int_equal(jr_fault_live(), 0);
}

#define SWEEP_TEST(f) cmocka_unit_test_teardown(f, sweep_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		SWEEP_TEST(harness_fails_exactly_the_nth_allocation_and_counts_them),
		SWEEP_TEST(cbor_writer_that_runs_out_of_memory_frees_its_buffer),
		SWEEP_TEST(cbor_fixed_writer_never_allocates),
		SWEEP_TEST(key_from_seed_that_runs_out_of_memory_returns_no_key),
		SWEEP_TEST(key_generate_that_runs_out_of_memory_returns_no_key),
		SWEEP_TEST(key_save_that_runs_out_of_memory_leaves_no_file),
		SWEEP_TEST(key_load_that_runs_out_of_memory_returns_no_key),
		SWEEP_TEST(pin_key_encode_and_decode_that_run_out_of_memory_fail_cleanly),
		SWEEP_TEST(pin_key_save_and_load_that_run_out_of_memory_fail_cleanly),
		SWEEP_TEST(public_key_files_that_run_out_of_memory_fail_cleanly),
		SWEEP_TEST(seal_epoch_open_that_runs_out_of_memory_returns_no_epoch),
		SWEEP_TEST(seal_opener_that_runs_out_of_memory_returns_no_opener),
		SWEEP_TEST(policy_encode_that_runs_out_of_memory_gives_no_bytes),
		SWEEP_TEST(receipt_that_runs_out_of_memory_is_not_half_signed),
		SWEEP_TEST(qr_and_png_that_run_out_of_memory_fail_cleanly),
		SWEEP_TEST(record_that_runs_out_of_memory_is_neither_sealed_nor_opened),
		SWEEP_TEST(block_that_runs_out_of_memory_gives_no_bytes),
		SWEEP_TEST(shard_create_that_runs_out_of_memory_leaves_no_files),
		SWEEP_TEST(shard_open_that_runs_out_of_memory_returns_no_shard),
		SWEEP_TEST(shard_append_that_runs_out_of_memory_leaves_the_chain_as_it_was),
		SWEEP_TEST(shard_reads_that_run_out_of_memory_return_nothing),
		SWEEP_TEST(registrar_that_runs_out_of_memory_issues_no_receipt_and_stores_nothing),
	};

	use_tmpfs();
	if (jr_fault_sqlite_install() != 0 || jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
