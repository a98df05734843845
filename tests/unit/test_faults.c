/*
 * Fault injection: every public operation of libjaring that allocates, run
 * again and again with its 1st, 2nd, 3rd … allocation failing (faultalloc.h)
 * until a run meets no failure. Each failed run must return JR_ENOMEM with a
 * message, leave its outputs zeroed, hold no memory and leave behind no file
 * or half-made state; the run with no failure must give what a normal run
 * gives.
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
#include <unistd.h>
#include <sodium.h>

#include "testutil.h"
#include "faultalloc.h"
#include "jaring/cbor.h"
#include "jaring/image.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/rules.h"
#include "jaring/seal.h"
#include "keys_int.h"

#define NOW 1700000000
#define PIN "135792"
#define PINLEN (sizeof PIN - 1)

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

static int group_teardown(void **state)
{
	(void)state;
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

	print_message("    %s: %lu allocation points\n", c->name, n);
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

/* A failure a person may see carries the code and a sentence. */
static void assert_says(const struct jr_errbuf *eb, int rc)
{
	assert_int_equal(eb->code, rc);
	assert_true(eb->msg[0] != '\0');
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
		.name = "jr_key_from_seed", .ctx = &c, .op = key_from_seed_op,
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
		.name = "jr_key_generate", .ctx = &c, .op = key_generate_op,
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
		.name = "jr_key_save", .ctx = &c, .op = key_save_op,
		.failed = save_left_nothing, .done = key_save_done,
	};

	(void)state;
	c.dir = jr_test_dir("faults-key-save");
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
		.name = "jr_key_load", .ctx = &c, .op = key_load_op,
		.failed = key_out_is_null_and_says, .done = key_out_is_want,
	};
	struct jr_fault_case pub = {
		.name = "jr_key_load_public", .ctx = &c, .op = key_load_public_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};

	(void)state;
	c.dir = jr_test_dir("faults-key-load");
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
		.name = "jr_key_encode (PIN, minimum limits)", .ctx = &c,
		.op = key_encode_op, .failed = key_encode_failed,
		.done = key_encode_done,
	};
	struct jr_fault_case dec = {
		.name = "jr_key_decode (PIN, minimum limits)", .ctx = &c,
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
		.name = "jr_key_save_pin", .ctx = &c, .op = key_save_pin_op,
		.failed = save_left_nothing, .done = key_save_pin_done,
	};
	struct jr_fault_case load = {
		.name = "jr_key_load_pin", .ctx = &c, .op = key_load_pin_op,
		.failed = key_out_is_null_and_says, .done = key_out_is_want,
	};

	(void)state;
	c.dir = jr_test_dir("faults-key-pin");
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
		.name = "jr_pubkey_encode", .ctx = &c, .op = pubkey_encode_op,
		.failed = buf_is_empty, .done = buf_is_ref,
	};
	struct jr_fault_case dec = {
		.name = "jr_pubkey_decode", .ctx = &c, .op = pubkey_decode_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};
	struct jr_fault_case save = {
		.name = "jr_pubkey_save", .ctx = &c, .op = pubkey_save_op,
		.failed = save_left_nothing, .done = pubkey_save_done,
	};
	struct jr_fault_case load = {
		.name = "jr_pubkey_load", .ctx = &c, .op = pubkey_load_op,
		.failed = pub_is_zero_and_says, .done = pub_is_want,
	};

	(void)state;
	c.dir = jr_test_dir("faults-pubkey");
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
		.name = "jr_policy_encode", .ctx = &c, .op = policy_encode_op,
		.failed = policy_buf_is_empty, .done = policy_buf_is_ref,
	};
	struct jr_fault_case dec = {
		.name = "jr_policy_decode", .ctx = &c, .op = policy_decode_op,
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
		.name = "jr_receipt_sign", .ctx = &c, .op = receipt_sign_op,
		.failed = receipt_buf_is_empty, .done = receipt_buf_is_ref,
	};
	struct jr_fault_case verify = {
		.name = "jr_receipt_verify", .ctx = &c, .op = receipt_verify_op,
		.failed = receipt_got_is_zero, .done = receipt_got_is_r,
	};
	struct jr_fault_case to_text = {
		.name = "jr_receipt_to_text", .ctx = &c, .op = receipt_to_text_op,
		.done = receipt_text_is_ref,
	};
	struct jr_fault_case from_text = {
		.name = "jr_receipt_from_text", .ctx = &c, .op = receipt_from_text_op,
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
		.name = "jr_qr_render", .ctx = &c, .op = qr_render_op,
		.failed = image_is_empty, .done = image_is_ref,
	};
	struct jr_fault_case write = {
		.name = "jr_png_write", .ctx = &c, .op = png_write_op,
		.failed = png_write_left_nothing, .done = png_write_done,
	};
	struct jr_fault_case read = {
		.name = "jr_png_read", .ctx = &c, .op = png_read_op,
		.failed = image_is_empty, .done = png_read_done,
	};
	struct jr_fault_case scan = {
		.name = "jr_qr_scan", .ctx = &c, .op = qr_scan_op,
		.failed = qr_scan_failed, .done = qr_scan_done,
	};
	const char *refdir = jr_test_dir("faults-png-ref");

	(void)state;
	c.dir = jr_test_dir("faults-png");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(harness_fails_exactly_the_nth_allocation_and_counts_them, sweep_teardown),
		cmocka_unit_test_teardown(cbor_writer_that_runs_out_of_memory_frees_its_buffer, sweep_teardown),
		cmocka_unit_test_teardown(key_from_seed_that_runs_out_of_memory_returns_no_key, sweep_teardown),
		cmocka_unit_test_teardown(key_generate_that_runs_out_of_memory_returns_no_key, sweep_teardown),
		cmocka_unit_test_teardown(key_save_that_runs_out_of_memory_leaves_no_file, sweep_teardown),
		cmocka_unit_test_teardown(key_load_that_runs_out_of_memory_returns_no_key, sweep_teardown),
		cmocka_unit_test_teardown(pin_key_encode_and_decode_that_run_out_of_memory_fail_cleanly, sweep_teardown),
		cmocka_unit_test_teardown(pin_key_save_and_load_that_run_out_of_memory_fail_cleanly, sweep_teardown),
		cmocka_unit_test_teardown(public_key_files_that_run_out_of_memory_fail_cleanly, sweep_teardown),
		cmocka_unit_test_teardown(seal_epoch_open_that_runs_out_of_memory_returns_no_epoch, sweep_teardown),
		cmocka_unit_test_teardown(seal_opener_that_runs_out_of_memory_returns_no_opener, sweep_teardown),
		cmocka_unit_test_teardown(policy_encode_that_runs_out_of_memory_gives_no_bytes, sweep_teardown),
		cmocka_unit_test_teardown(receipt_that_runs_out_of_memory_is_not_half_signed, sweep_teardown),
		cmocka_unit_test_teardown(qr_and_png_that_run_out_of_memory_fail_cleanly, sweep_teardown),
	};

	if (jr_fault_sqlite_install() != 0 || jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
