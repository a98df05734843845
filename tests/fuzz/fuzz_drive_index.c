/*
 * libFuzzer target for a drive's INDEX.JRI (docs/sync.md): the strict
 * decoder and signature check in jr_sync_index_match.
 *
 * The first input byte picks the mode. Even: the rest is a whole index file,
 * as a forged or damaged drive would hold it (almost always refused at the
 * signature). Odd: the rest is an index *body*, which the harness signs with
 * the fixed kiosk key (seed 32 x 01) of tests/fuzz/corpus/drive_index/, so
 * the fuzzer reaches the bundle list behind the signature. Each is checked
 * against an empty listing and a one-bundle listing of that kiosk.
 *
 * Beyond "never crash": an index that does not verify never matches.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "sync_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jr_key *kiosk;
static char kdir[9];
static struct jr_sync_entry one;

static void setup(void)
{
	uint8_t seed[JR_SEED_BYTES];

	if (kiosk != NULL)
		return;
	memset(seed, 0x01, sizeof seed);
	if (jr_init() != JR_OK || jr_key_from_seed(JR_ROLE_KIOSK, seed, &kiosk) != JR_OK)
		abort();
	jr_sync_kiosk_dir(jr_key_id(kiosk), kdir);
	memcpy(one.kiosk_dir, kdir, sizeof kdir);
	one.rc = JR_OK;
	one.info.first = 1;
	one.info.last = 512;
	memset(one.info.id, 0xab, sizeof one.info.id);
}

static void check(const uint8_t *p, size_t n)
{
	struct jr_sync_listing empty = { NULL, 0, 0, 0 }, l1 = { &one, 1, 0, 0 };
	bool valid = true, same;

	same = jr_sync_index_match(p, n, &empty, kdir, &valid);
	if (same && !valid)
		abort();
	valid = true;
	same = jr_sync_index_match(p, n, &l1, kdir, &valid);
	if (same && !valid)
		abort();
}

/* [body, Ed25519(kiosk, "jaring/drive-index/v1" || 0x00 || H(body))] */
static void check_signed_body(const uint8_t *body, size_t n)
{
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_buf out = { NULL, 0 };
	struct jr_cbw w;

	jr_hash(body, n, h);
	if (jr_sign_hash(kiosk, JR_SYNC_INDEX_DOMAIN, h, sig) != JR_OK)
		abort();
	jr_cbw_init(&w, JR_SYNC_INDEX_MAX);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body, n);
	jr_cbw_bytes(&w, sig, sizeof sig);
	if (jr_cbw_finish(&w, &out) == JR_OK)
		check(out.base, out.len);
	jr_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0 || size > 65536)
		return 0;
	if (data[0] & 1)
		check_signed_body(data + 1, size - 1);
	else
		check(data + 1, size - 1);
	return 0;
}
