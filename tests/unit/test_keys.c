/*
 * Identities, signatures, key files, public key files, atomic file writes.
 *
 * Argon2id is slow on purpose, so this file runs it 12 times: 4 at the real
 * cost (64 MiB: the doc example, save, load, a wrong PIN) and 8 at the
 * minimum (8 KiB: the cached cheap file, opening it, 6 forgeries). Every
 * other PIN-file test must fail before a derivation.
 *
 * The identity vectors (VEC_*) were computed once outside C and libsodium,
 * by tests/unit/keys_vectors.py: Ed25519 per RFC 8032 and the birational map
 * to X25519 in plain Python integers, the ids and labelled hashes with
 * Python's hashlib.blake2b. A change on either side shows here.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "keys_int.h"

#define DOMAIN "jaring/test/v1"
#define PIN "246810"

/* Seed 00 01 .. 1f (the identity of docs/keys.md) and seed 20 21 .. 3f. */
#define VEC00_SIGN "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8"
#define VEC00_BOX "4701d08488451f545a409fb58ae3e58581ca40ac3f7f114698cd71deac73ca01"
#define VEC00_ID "fcd20db37067218a5b4c5727a339849e"
#define VEC00_SHORT "ZK90-VCVG"
#define VEC00_FP "ZK90-VCVG-CWGR-MPTC-AWKT-6EC4-KR"
#define VEC20_SIGN "29acbae141bccaf0b22e1a94d34d0bc7361e526d0bfe12c89794bc9322966dd7"
#define VEC20_BOX "5730800ab340fcb18ce5111eda9d705f91388b41e4544cbd103ba5942db2233e"
#define VEC20_ID "617b815d4686d71371edd2481690ebe8"
#define VEC20_FP "C5XR-2QA6-GVBH-6WFD-T941-D47B-X0"
/* The encoding of the point of order 2, (0, -1): y = p - 1. */
#define ORDER2_POINT "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"

#define X25519_REFUSED "its X25519 key is not the one its Ed25519 key derives — " \
	"the file was altered to redirect sealed data; do not use it"

/* ---- helpers ---- */

static void seq(uint8_t *p, size_t n, uint8_t first)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(first + i);
}

static struct jr_key *key_seq(enum jr_role role, uint8_t first)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	seq(seed, sizeof seed, first);
	assert_int_equal(jr_key_from_seed(role, seed, &k), JR_OK);
	return k;
}

/* Bytes of the hex block after "<!-- jr-hex:name -->" in docs/keys.md. */
static size_t doc_hex(const char *name, uint8_t *out, size_t max)
{
	char marker[128], *block;
	size_t n;
	int w = snprintf(marker, sizeof marker, "<!-- jr-hex:%s -->", name);

	assert_true(w > 0 && (size_t)w < sizeof marker);
	block = jr_test_doc_block("docs/keys.md", marker);
	n = jr_test_unhex(block, out, max);
	free(block);
	return n;
}

static void assert_doc_hex(const char *name, const uint8_t *p, size_t len)
{
	uint8_t want[512];
	char hex[1025];
	size_t n = doc_hex(name, want, sizeof want);

	if (n != len || memcmp(want, p, len) != 0) {
		jr_hex(p, len < 512 ? len : 512, hex);
		fail_msg("docs/keys.md block %s differs; the code gives %s", name, hex);
	}
}

/* A key file's map as a list of entries, to forge variants. */
struct ent {
	uint64_t key;
	bool is_uint;
	uint64_t u;
	uint8_t b[64];
	size_t blen;
};

static size_t ents_parse(const uint8_t *p, size_t len, struct ent *e, size_t max)
{
	struct jr_cbr r;
	size_t n, i;

	jr_cbr_init(&r, p, len);
	assert_int_equal(jr_cbr_map(&r, &n), JR_OK);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		const uint8_t *b;
		memset(&e[i], 0, sizeof e[i]);
		assert_int_equal(jr_cbr_uint(&r, &e[i].key), JR_OK);
		if (jr_cbr_peek(&r) == JR_CBOR_UINT) {
			e[i].is_uint = true;
			assert_int_equal(jr_cbr_uint(&r, &e[i].u), JR_OK);
		} else {
			assert_int_equal(jr_cbr_bytes(&r, &b, &e[i].blen), JR_OK);
			assert_true(e[i].blen <= sizeof e[i].b);
			memcpy(e[i].b, b, e[i].blen);
		}
	}
	assert_int_equal(jr_cbr_end(&r), JR_OK);
	return n;
}

static struct ent *ent_find(struct ent *e, size_t n, uint64_t key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (e[i].key == key)
			return &e[i];
	fail_msg("no key %llu", (unsigned long long)key);
	abort(); /* fail_msg does not return; this tells the compiler */
}

/* Canonical map of the entries; when the last one is key 15 it gets the
 * right check (BLAKE2b-256 of the bytes before key 15). */
static size_t ents_build(const struct ent *e, size_t n, uint8_t *out, size_t max)
{
	struct jr_cbw w;
	struct jr_buf b;
	size_t i;

	jr_cbw_init(&w, 4096);
	jr_cbw_map(&w, n);
	for (i = 0; i < n; i++) {
		jr_cbw_uint(&w, e[i].key);
		if (e[i].is_uint)
			jr_cbw_uint(&w, e[i].u);
		else
			jr_cbw_bytes(&w, e[i].b, e[i].blen);
	}
	assert_int_equal(jr_cbw_finish(&w, &b), JR_OK);
	assert_true(b.len <= max);
	if (n > 0 && e[n - 1].key == 15 && e[n - 1].blen == JR_HASH_BYTES)
		jr_hash(b.base, b.len - 35, b.base + b.len - 32);
	memcpy(out, b.base, b.len);
	i = b.len;
	jr_buf_free(&b);
	return i;
}

static void write_raw(const char *path, const uint8_t *p, size_t len, mode_t mode)
{
	FILE *f;

	unlink(path);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static unsigned dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	unsigned n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static unsigned file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)st.st_mode & 07777u;
}

/* The PIN-sealed encoding of key_seq(JR_ROLE_OFFICER, 0) with PIN, fixed
 * salt and nonce and Argon2id at its minimum cost; made once per run. */
static size_t pin_bytes_cheap(uint8_t *out, size_t max)
{
	static uint8_t cache[512];
	static size_t cached;
	uint8_t salt[JR_PIN_SALT_BYTES], nonce[JR_PIN_NONCE_BYTES];
	struct jr_key_pinseal ps = { PIN, 6, salt, nonce, 1, JR_PIN_MEMLIMIT_MIN };
	struct jr_key *k;
	uint8_t *p;
	size_t n;

	if (cached == 0) {
		k = key_seq(JR_ROLE_OFFICER, 0);
		seq(salt, sizeof salt, 0x10);
		seq(nonce, sizeof nonce, 0x30);
		assert_int_equal(jr_key_encode(k, &ps, &p, &n, NULL), JR_OK);
		assert_true(n <= sizeof cache);
		memcpy(cache, p, n);
		cached = n;
		sodium_free(p);
		jr_key_free(k);
	}
	assert_true(cached <= max);
	memcpy(out, cache, cached);
	return cached;
}

/* ---- identities and signatures ---- */

static void key_from_a_fixed_seed_matches_the_documented_identity(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	struct jr_pubkey pk;
	uint8_t id[JR_ID_BYTES];
	char fp[JR_KEYID_FINGERPRINT_LEN + 1];
	char *doc;

	(void)state;
	jr_key_public(k, &pk);
	assert_int_equal(pk.role, JR_ROLE_KIOSK);
	assert_int_equal(jr_key_role(k), JR_ROLE_KIOSK);
	assert_doc_hex("id-sign-pk", pk.sign_pk, sizeof pk.sign_pk);
	assert_doc_hex("id-box-pk", pk.box_pk, sizeof pk.box_pk);
	assert_doc_hex("id-keyid", pk.id, sizeof pk.id);
	assert_memory_equal(jr_key_id(k), pk.id, JR_ID_BYTES);
	jr_keyid_from_pk(pk.sign_pk, id);
	assert_memory_equal(id, pk.id, JR_ID_BYTES);
	jr_keyid_short(pk.id, fp);
	assert_string_equal(fp, VEC00_SHORT);
	jr_keyid_fingerprint(pk.id, fp);
	assert_string_equal(fp, VEC00_FP);
	doc = jr_test_read_source("docs/keys.md", NULL);
	assert_non_null(strstr(doc, "Short id: `" VEC00_SHORT "`"));
	assert_non_null(strstr(doc, "Fingerprint: `" VEC00_FP "`"));
	free(doc);
	jr_key_free(k);
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[64];

	assert_int_equal(jr_test_unhex(hex, want, sizeof want), len);
	assert_memory_equal(p, want, len);
}

static void identity_matches_vectors_computed_outside_libsodium(void **state)
{
	struct jr_key *a = key_seq(JR_ROLE_KIOSK, 0), *b = key_seq(JR_ROLE_CONSORTIUM, 0x20);
	struct jr_pubkey pa, pb;
	char fp[JR_KEYID_FINGERPRINT_LEN + 1];

	(void)state;
	jr_key_public(a, &pa);
	jr_key_public(b, &pb);
	assert_hex(pa.sign_pk, 32, VEC00_SIGN);
	assert_hex(pa.box_pk, 32, VEC00_BOX);
	assert_hex(pa.id, 16, VEC00_ID);
	assert_hex(pb.sign_pk, 32, VEC20_SIGN);
	assert_hex(pb.box_pk, 32, VEC20_BOX);
	assert_hex(pb.id, 16, VEC20_ID);
	jr_keyid_fingerprint(pb.id, fp);
	assert_string_equal(fp, VEC20_FP);
	jr_key_free(a);
	jr_key_free(b);
}

/* The X25519 pair is the Ed25519 pair converted, so the Ed25519 public key
 * alone gives the X25519 one, and the secret agrees with it. */
static void box_key_is_the_ed25519_key_converted(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0), *peer = key_seq(JR_ROLE_KIOSK, 9);
	uint8_t seed[32], epk[32], esk[64], bsk[32], bpk[32], want[32];
	uint8_t *shared = sodium_malloc(32);
	struct jr_pubkey pub, pp;

	(void)state;
	jr_key_public(k, &pub);
	jr_key_public(peer, &pp);
	assert_int_equal(jr_pubkey_derive_box(pub.sign_pk, bpk), JR_OK);
	assert_memory_equal(bpk, pub.box_pk, 32);
	seq(seed, sizeof seed, 0);
	assert_int_equal(crypto_sign_seed_keypair(epk, esk, seed), 0);
	assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(bsk, esk), 0);
	assert_int_equal(crypto_scalarmult_base(want, bsk), 0);
	assert_memory_equal(want, pub.box_pk, 32);
	/* the secret half is the one the box key belongs to */
	assert_int_equal(jr_key_box_shared(k, pp.box_pk, shared), JR_OK);
	assert_int_equal(crypto_scalarmult(want, bsk, pp.box_pk), 0);
	assert_memory_equal(shared, want, 32);
	sodium_free(shared);
	jr_key_free(k);
	jr_key_free(peer);
}

/* The old construction (X25519 from BLAKE2b("jaring/x25519/v1" || seed))
 * gave a key the Ed25519 key did not determine; it must be gone. */
static void box_key_is_not_the_old_seed_hash_derivation(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0);
	uint8_t in[16 + 32], bseed[32], pk[32], sk[32];
	struct jr_pubkey pub;

	(void)state;
	memcpy(in, "jaring/x25519/v1", 16);
	seq(in + 16, 32, 0);
	crypto_generichash(bseed, sizeof bseed, in, sizeof in, NULL, 0);
	assert_int_equal(crypto_box_seed_keypair(pk, sk, bseed), 0);
	jr_key_public(k, &pub);
	assert_memory_not_equal(pub.box_pk, pk, 32);
	jr_key_free(k);
}

static void derive_box_refuses_keys_that_are_not_main_subgroup_points(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0);
	struct jr_pubkey pub;
	uint8_t bad[32], box[32], zero[32] = { 0 }, o2[32];
	unsigned i;

	(void)state;
	jr_key_public(k, &pub);
	assert_int_equal(jr_test_unhex(ORDER2_POINT, o2, sizeof o2), 32);
	memset(box, 0x5a, sizeof box);
	assert_int_equal(jr_pubkey_derive_box(o2, box), JR_EKEY);
	assert_memory_equal(box, zero, 32);
	/* the identity (y = 1), and y = 1 written non-canonically as p + 1 */
	memset(bad, 0, sizeof bad);
	bad[0] = 1;
	assert_int_equal(jr_pubkey_derive_box(bad, box), JR_EKEY);
	memset(bad, 0xff, sizeof bad);
	bad[0] = 0xee;
	bad[31] = 0x7f;
	assert_int_equal(jr_pubkey_derive_box(bad, box), JR_EKEY);
	/* a real key plus a point of order 2: on the curve, outside the
	 * main subgroup */
	assert_int_equal(crypto_core_ed25519_add(bad, pub.sign_pk, o2), 0);
	assert_int_equal(jr_pubkey_derive_box(bad, box), JR_EKEY);
	assert_memory_equal(box, zero, 32);
	/* the real key with its sign bit flipped is -A: still a valid key */
	memcpy(bad, pub.sign_pk, 32);
	bad[31] ^= 0x80;
	assert_int_equal(jr_pubkey_derive_box(bad, box), JR_OK);
	for (i = 0; i < 8; i++) { /* y values off the curve are refused */
		memcpy(bad, pub.sign_pk, 32);
		bad[0] = (uint8_t)(bad[0] + i + 1);
		if (crypto_core_ed25519_is_valid_point(bad) != 1)
			assert_int_equal(jr_pubkey_derive_box(bad, box), JR_EKEY);
	}
	assert_int_equal(jr_pubkey_derive_box(NULL, box), JR_EKEY);
	assert_int_equal(jr_pubkey_derive_box(pub.sign_pk, NULL), JR_EINVAL);
	jr_key_free(k);
}

static void keyid_is_the_labelled_hash_of_the_signing_key(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	struct jr_pubkey pub;
	struct jr_part part;
	uint8_t id[JR_ID_BYTES], old[JR_ID_BYTES];
	static const uint8_t personal[16] = "jaring/keyid/v1";

	(void)state;
	jr_key_public(k, &pub);
	part.p = pub.sign_pk;
	part.len = 32;
	assert_int_equal(jr_hash_labelled("jaring/keyid/v2", &part, 1, id, 16), JR_OK);
	assert_memory_equal(id, pub.id, 16);
	/* neither the personalised BLAKE2b of before nor a plain BLAKE2b-128 */
	crypto_generichash_blake2b_salt_personal(old, 16, pub.sign_pk, 32, NULL, 0,
		NULL, personal);
	assert_memory_not_equal(old, pub.id, 16);
	crypto_generichash(old, 16, pub.sign_pk, 32, NULL, 0);
	assert_memory_not_equal(old, pub.id, 16);
	jr_key_free(k);
}

/* ---- jr_hash_labelled, the one domain convention ---- */

static void labelled_hash_matches_vectors_computed_with_python(void **state)
{
	uint8_t out[64], data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)i;
	/* blake2b(b"jaring/test/v1\0", digest_size=32) */
	assert_int_equal(jr_hash_labelled("jaring/test/v1", NULL, 0, out, 32), JR_OK);
	assert_hex(out, 32, "a3707dffc7c5a1b9507bfc565294c521691fb69f04b6b5d2f92747bf186c57b9");
	/* blake2b(b"jaring/test/v1\0abc", digest_size=16) */
	{
		const struct jr_part abc = { (const uint8_t *)"abc", 3 };
		assert_int_equal(jr_hash_labelled("jaring/test/v1", &abc, 1, out, 16), JR_OK);
		assert_hex(out, 16, "b5bb4c41a632fdcc404bb594c947b3bc");
	}
	/* blake2b(b"x\0" + bytes(range(100)), digest_size=64) */
	{
		const struct jr_part whole = { data, sizeof data };
		assert_int_equal(jr_hash_labelled("x", &whole, 1, out, 64), JR_OK);
		assert_hex(out, 64, "d277b64a6170ec9684dda3a21ea7b2e0ebea452db882a2b352dfea18"
			"3e9f0ed8cc93571a2234f965632f1dd94516a385690fb6dd461f5329c66f35b8939584e2");
	}
}

static void labelled_hash_of_parts_equals_the_hash_of_their_concatenation(void **state)
{
	uint8_t data[100], whole_out[64], split_out[64];
	const struct jr_part whole = { data, sizeof data };
	struct jr_part parts[4];
	size_t cut;

	(void)state;
	jr_test_fill(data, sizeof data, 11);
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &whole, 1, whole_out, 48), JR_OK);
	for (cut = 0; cut <= sizeof data; cut += 7) {
		parts[0].p = data;
		parts[0].len = cut;
		parts[1].p = data + cut; /* an empty part in the middle */
		parts[1].len = 0;
		parts[2].p = data + cut;
		parts[2].len = (sizeof data - cut) / 2;
		parts[3].p = data + cut + parts[2].len;
		parts[3].len = sizeof data - cut - parts[2].len;
		assert_int_equal(jr_hash_labelled("jaring/test/v1", parts, 4, split_out, 48), JR_OK);
		assert_memory_equal(split_out, whole_out, 48);
	}
	/* the zero byte ends the label: "ab" || "c..." is not "abc" || "..." */
	{
		const struct jr_part c = { (const uint8_t *)"c", 1 };
		assert_int_equal(jr_hash_labelled("ab", &c, 1, split_out, 32), JR_OK);
		assert_int_equal(jr_hash_labelled("abc", NULL, 0, whole_out, 32), JR_OK);
		assert_memory_not_equal(split_out, whole_out, 32);
	}
}

static void labelled_hash_refuses_bad_labels_and_lengths(void **state)
{
	uint8_t out[80], zero[80] = { 0 };
	char label[JR_LABEL_MAX + 2];
	const struct jr_part one = { (const uint8_t *)"a", 1 };
	static const char *const bad[] = {
		"", "jaring block/v1", "jaring/\x01", "jaring/\x7f", "jaring/\xc3\xa9",
		"tab\there", "nl\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 0xaa, sizeof out);
		assert_int_equal(jr_hash_labelled(bad[i], &one, 1, out, 32), JR_EINVAL);
		assert_memory_equal(out, zero, 32);
		assert_false(jr_label_valid(bad[i]));
	}
	assert_int_equal(jr_hash_labelled(NULL, &one, 1, out, 32), JR_EINVAL);
	assert_false(jr_label_valid(NULL));
	memset(label, 'a', sizeof label);
	label[JR_LABEL_MAX + 1] = '\0'; /* 65 characters */
	assert_int_equal(jr_hash_labelled(label, &one, 1, out, 32), JR_EINVAL);
	label[JR_LABEL_MAX] = '\0'; /* 64 */
	assert_true(jr_label_valid(label));
	assert_int_equal(jr_hash_labelled(label, &one, 1, out, 32), JR_OK);
	/* parts missing where some are promised */
	assert_int_equal(jr_hash_labelled("jaring/test/v1", NULL, 1, out, 32), JR_EINVAL);
	/* output length 16..64 */
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, out, 15), JR_EINVAL);
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, out, 0), JR_EINVAL);
	memset(out, 0xaa, sizeof out);
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, out, 65), JR_EINVAL);
	assert_memory_equal(out, zero, 65); /* fails closed: the output is zeroed */
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, NULL, 32), JR_EINVAL);
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, out, 16), JR_OK);
	assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, out, 64), JR_OK);
	/* the length is part of the hash, not a truncation */
	{
		uint8_t a[64], b[32];
		assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, a, 64), JR_OK);
		assert_int_equal(jr_hash_labelled("jaring/test/v1", &one, 1, b, 32), JR_OK);
		assert_memory_not_equal(a, b, 32);
	}
}

static void keyid_short_is_crockford_base32_of_the_first_40_bits(void **state)
{
	uint8_t id[JR_ID_BYTES] = { 0 };
	char s[JR_KEYID_SHORT_LEN + 1];

	(void)state;
	jr_keyid_short(id, s);
	assert_string_equal(s, "0000-0000");
	memset(id, 0xff, sizeof id);
	jr_keyid_short(id, s);
	assert_string_equal(s, "ZZZZ-ZZZZ");
	/* 0x08 0x86 0x4a 0x63 0xa2 = 00001 00010 00011 00100 10100 11000 11101 00010 */
	id[0] = 0x08; id[1] = 0x86; id[2] = 0x4a; id[3] = 0x63; id[4] = 0xa2;
	jr_keyid_short(id, s);
	assert_string_equal(s, "1234-MRX2");
}

static void fingerprint_is_the_whole_id_in_crockford_base32_groups_of_4(void **state)
{
	uint8_t id[JR_ID_BYTES] = { 0 };
	char fp[JR_KEYID_FINGERPRINT_LEN + 1], s[JR_KEYID_SHORT_LEN + 1];
	size_t i;

	(void)state;
	jr_keyid_fingerprint(id, fp);
	assert_string_equal(fp, "0000-0000-0000-0000-0000-0000-00");
	assert_int_equal(strlen(fp), JR_KEYID_FINGERPRINT_LEN);
	/* the last symbol is the final 3 bits and two zero bits: 11100 = W */
	memset(id, 0xff, sizeof id);
	jr_keyid_fingerprint(id, fp);
	assert_string_equal(fp, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZW");
	memset(id, 0, sizeof id);
	id[15] = 0x01; /* the very last bit: symbol 25 = 00100 */
	jr_keyid_fingerprint(id, fp);
	assert_string_equal(fp, "0000-0000-0000-0000-0000-0000-04");
	id[15] = 0x08; /* bit 124: the last of symbol 24, the first of the last group */
	jr_keyid_fingerprint(id, fp);
	assert_string_equal(fp, "0000-0000-0000-0000-0000-0000-10");
	/* every id bit changes the fingerprint, and the short id is its prefix */
	for (i = 0; i < 8 * JR_ID_BYTES; i++) {
		char one[JR_KEYID_FINGERPRINT_LEN + 1];
		memset(id, 0, sizeof id);
		id[i / 8] = (uint8_t)(0x80u >> (i % 8));
		jr_keyid_fingerprint(id, one);
		assert_string_not_equal(one, "0000-0000-0000-0000-0000-0000-00");
		jr_keyid_short(id, s);
		assert_memory_equal(one, s, JR_KEYID_SHORT_LEN);
	}
}

static void generated_keys_differ_and_bad_roles_are_refused(void **state)
{
	struct jr_key *a = NULL, *b = NULL, *c = NULL;
	uint8_t seed[JR_SEED_BYTES] = { 0 };

	(void)state;
	assert_int_equal(jr_key_generate(JR_ROLE_OFFICER, &a), JR_OK);
	assert_int_equal(jr_key_generate(JR_ROLE_OFFICER, &b), JR_OK);
	assert_memory_not_equal(jr_key_id(a), jr_key_id(b), JR_ID_BYTES);
	assert_int_equal(jr_key_generate((enum jr_role)0, &c), JR_EINVAL);
	assert_null(c);
	assert_int_equal(jr_key_from_seed((enum jr_role)6, seed, &c), JR_EINVAL);
	assert_null(c);
	assert_int_equal(jr_key_from_seed(JR_ROLE_KIOSK, NULL, &c), JR_EINVAL);
	jr_key_free(a);
	jr_key_free(b);
	jr_key_free(NULL);
}

static void signature_verifies_and_is_over_domain_nul_hash(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	struct jr_pubkey pk;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES], m[sizeof DOMAIN + JR_HASH_BYTES];

	(void)state;
	jr_key_public(k, &pk);
	jr_test_fill(h, sizeof h, 1);
	assert_int_equal(jr_sign_hash(k, DOMAIN, h, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_OK);
	memcpy(m, DOMAIN, sizeof DOMAIN); /* with its NUL */
	memcpy(m + sizeof DOMAIN, h, JR_HASH_BYTES);
	assert_int_equal(crypto_sign_verify_detached(sig, m, sizeof m, pk.sign_pk), 0);
	jr_key_free(k);
}

static void verify_rejects_another_domain(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	struct jr_pubkey pk;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	jr_key_public(k, &pk);
	jr_test_fill(h, sizeof h, 2);
	assert_int_equal(jr_sign_hash(k, "jaring/block/v1", h, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pk.sign_pk, "jaring/receipt/v1", h, sig), JR_ESIG);
	assert_int_equal(jr_verify_hash(pk.sign_pk, "jaring/block/v2", h, sig), JR_ESIG);
	assert_int_equal(jr_verify_hash(pk.sign_pk, "jaring/block/v", h, sig), JR_ESIG);
	jr_key_free(k);
}

static void verify_rejects_another_key(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *other = key_seq(JR_ROLE_KIOSK, 1);
	struct jr_pubkey pk;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];

	(void)state;
	jr_key_public(other, &pk);
	jr_test_fill(h, sizeof h, 3);
	assert_int_equal(jr_sign_hash(k, DOMAIN, h, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_ESIG);
	jr_key_free(k);
	jr_key_free(other);
}

static void verify_rejects_any_flipped_bit_in_signature_or_hash(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	struct jr_pubkey pk;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	size_t bit;

	(void)state;
	jr_key_public(k, &pk);
	jr_test_fill(h, sizeof h, 4);
	assert_int_equal(jr_sign_hash(k, DOMAIN, h, sig), JR_OK);
	for (bit = 0; bit < 8 * sizeof sig; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_ESIG);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof h; bit++) {
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_ESIG);
		h[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_OK);
	jr_key_free(k);
}

static void sign_refuses_bad_domains_and_leaves_a_zero_signature(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0);
	uint8_t h[JR_HASH_BYTES] = { 0 }, sig[JR_SIG_BYTES], zero[JR_SIG_BYTES] = { 0 };
	char longd[66];

	(void)state;
	memset(longd, 'a', 65);
	longd[65] = '\0';
	memset(sig, 0xaa, sizeof sig);
	assert_int_equal(jr_sign_hash(k, "", h, sig), JR_EINVAL);
	assert_memory_equal(sig, zero, sizeof sig);
	assert_int_equal(jr_sign_hash(k, NULL, h, sig), JR_EINVAL);
	assert_int_equal(jr_sign_hash(k, longd, h, sig), JR_EINVAL);
	assert_int_equal(jr_sign_hash(k, "jaring block", h, sig), JR_EINVAL);
	assert_int_equal(jr_sign_hash(k, "jaring/\x01", h, sig), JR_EINVAL);
	assert_int_equal(jr_verify_hash(h, longd, h, sig), JR_EINVAL);
	longd[64] = '\0';
	assert_int_equal(jr_sign_hash(k, longd, h, sig), JR_OK);
	jr_key_free(k);
}

static void box_shared_agrees_and_rejects_a_low_order_point(void **state)
{
	struct jr_key *a = key_seq(JR_ROLE_NODE, 0), *b = key_seq(JR_ROLE_KIOSK, 9);
	struct jr_pubkey pa, pb;
	uint8_t *s1 = sodium_malloc(32), *s2 = sodium_malloc(32);
	uint8_t zero[32] = { 0 };

	(void)state;
	jr_key_public(a, &pa);
	jr_key_public(b, &pb);
	assert_int_equal(jr_key_box_shared(a, pb.box_pk, s1), JR_OK);
	assert_int_equal(jr_key_box_shared(b, pa.box_pk, s2), JR_OK);
	assert_memory_equal(s1, s2, 32);
	assert_int_equal(jr_key_box_shared(a, zero, s1), JR_EKEY);
	assert_memory_equal(s1, zero, 32);
	sodium_free(s1);
	sodium_free(s2);
	jr_key_free(a);
	jr_key_free(b);
}

/* ---- key files ---- */

static void key_files_match_the_worked_examples_in_the_doc(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *o = key_seq(JR_ROLE_OFFICER, 0);
	uint8_t salt[JR_PIN_SALT_BYTES], nonce[JR_PIN_NONCE_BYTES];
	struct jr_key_pinseal ps = { PIN, 6, salt, nonce, 2, 67108864 };
	struct jr_pubkey pk;
	struct jr_buf b;
	uint8_t *p;
	size_t n;

	(void)state;
	assert_int_equal(jr_key_encode(k, NULL, &p, &n, NULL), JR_OK);
	assert_int_equal(n, JR_KEYFILE_PLAIN_BYTES);
	assert_doc_hex("keyfile-plain", p, n);
	sodium_free(p);
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	assert_doc_hex("pubkey", b.base, b.len);
	jr_buf_free(&b);
	seq(salt, sizeof salt, 0xa0);
	seq(nonce, sizeof nonce, 0xb0);
	assert_int_equal(jr_key_encode(o, &ps, &p, &n, NULL), JR_OK);
	assert_doc_hex("keyfile-pin", p, n);
	sodium_free(p);
	jr_key_free(k);
	jr_key_free(o);
}

static void key_save_then_load_round_trips_with_mode_0600_under_umask_000(void **state)
{
	const char *dir = jr_test_dir("keys-save");
	struct jr_key *k = NULL, *l = NULL;
	struct jr_pubkey pk;
	struct jr_errbuf eb = { 0 };
	uint8_t h[JR_HASH_BYTES] = { 1 }, sig[JR_SIG_BYTES];
	char path[1024];
	mode_t old = umask(0);

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.key");
	assert_int_equal(jr_key_generate(JR_ROLE_KIOSK, &k), JR_OK);
	assert_int_equal(jr_key_save(k, path, &eb), JR_OK);
	umask(old);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(dir_entries(dir), 1);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_OK);
	assert_int_equal(jr_key_role(l), JR_ROLE_KIOSK);
	assert_memory_equal(jr_key_id(l), jr_key_id(k), JR_ID_BYTES);
	jr_key_public(k, &pk);
	assert_int_equal(jr_sign_hash(l, DOMAIN, h, sig), JR_OK);
	assert_int_equal(jr_verify_hash(pk.sign_pk, DOMAIN, h, sig), JR_OK);
	jr_key_free(k);
	jr_key_free(l);
}

static void key_save_refuses_to_overwrite_an_existing_file(void **state)
{
	const char *dir = jr_test_dir("keys-noclobber");
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *other = key_seq(JR_ROLE_KIOSK, 1);
	struct jr_key *l = NULL;
	struct jr_errbuf eb = { 0 };
	char path[1024];

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.key");
	assert_int_equal(jr_key_save(k, path, &eb), JR_OK);
	assert_int_equal(jr_key_save(other, path, &eb), JR_EEXIST);
	assert_non_null(strstr(eb.msg, "already exists"));
	assert_int_equal(dir_entries(dir), 1);
	assert_int_equal(jr_key_load(path, &l, NULL), JR_OK);
	assert_memory_equal(jr_key_id(l), jr_key_id(k), JR_ID_BYTES);
	jr_key_free(k);
	jr_key_free(other);
	jr_key_free(l);
}

static void key_load_refuses_a_file_others_can_read_or_change(void **state)
{
	const char *dir = jr_test_dir("keys-mode");
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *l = NULL;
	struct jr_errbuf eb = { 0 };
	char path[1024], want[2400];
	static const unsigned modes[] = { 0644, 0640, 0604, 0620, 0602, 0610, 0601 };
	size_t i;

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.key");
	assert_int_equal(jr_key_save(k, path, NULL), JR_OK);
	for (i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		assert_int_equal(chmod(path, modes[i]), 0);
		jr_errclear(&eb);
		assert_int_equal(jr_key_load(path, &l, &eb), JR_EKEY);
		assert_null(l);
		assert_non_null(strstr(eb.msg, "run chmod 600"));
	}
	assert_int_equal(chmod(path, 0644), 0);
	jr_errclear(&eb);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_EKEY);
	snprintf(want, sizeof want, "key file %s: mode 0644 allows others to read the secret; run chmod 600 %s", path, path);
	assert_string_equal(eb.msg, want);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_OK);
	jr_key_free(l);
	jr_key_free(k);
}

static void key_load_rejects_a_truncated_file_at_every_length(void **state)
{
	const char *dir = jr_test_dir("keys-trunc");
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *l = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey pk;
	char path[1024];
	uint8_t *p;
	size_t n, len;

	(void)state;
	jr_test_path(path, sizeof path, dir, "kiosk.key");
	assert_int_equal(jr_key_encode(k, NULL, &p, &n, NULL), JR_OK);
	for (len = 0; len < n; len++) {
		write_raw(path, p, len, 0600);
		jr_errclear(&eb);
		assert_int_equal(jr_key_load(path, &l, &eb), JR_EFORMAT);
		assert_null(l);
		assert_non_null(strstr(eb.msg, "truncated"));
		assert_non_null(strstr(eb.msg, "restore it from the provisioning backup"));
		assert_int_not_equal(jr_key_load_public(path, &pk, NULL), JR_OK);
	}
	write_raw(path, p, n, 0600);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_OK);
	jr_key_free(l);
	sodium_free(p);
	jr_key_free(k);
}

static void key_decode_rejects_a_flipped_byte_anywhere(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *l = NULL;
	static const uint8_t flips[] = { 0x01, 0x02, 0x80, 0xff };
	struct jr_pubkey pk;
	uint8_t *p;
	size_t n, i, f;

	(void)state;
	assert_int_equal(jr_key_encode(k, NULL, &p, &n, NULL), JR_OK);
	for (i = 0; i < n; i++) {
		for (f = 0; f < sizeof flips; f++) {
			p[i] ^= flips[f];
			assert_int_not_equal(jr_key_decode(p, n, "t", NULL, 0, &l, NULL), JR_OK);
			assert_null(l);
			assert_int_not_equal(jr_key_decode_public(p, n, "t", &pk, NULL), JR_OK);
			p[i] ^= flips[f];
		}
	}
	assert_int_equal(jr_key_decode(p, n, "t", NULL, 0, &l, NULL), JR_OK);
	jr_key_free(l);
	sodium_free(p);
	jr_key_free(k);
}

static void key_decode_rejects_trailing_bytes_and_a_public_key_file(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *l = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey pk;
	struct jr_buf b;
	uint8_t buf[256], *p;
	size_t n;

	(void)state;
	assert_int_equal(jr_key_encode(k, NULL, &p, &n, NULL), JR_OK);
	memcpy(buf, p, n);
	buf[n] = 0;
	assert_int_equal(jr_key_decode(buf, n + 1, "t", NULL, 0, &l, NULL), JR_EFORMAT);
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	assert_int_equal(jr_key_decode(b.base, b.len, "t.pub", NULL, 0, &l, &eb), JR_EFORMAT);
	assert_non_null(strstr(eb.msg, "is a public key file, not a key file"));
	assert_null(l);
	jr_buf_free(&b);
	sodium_free(p);
	jr_key_free(k);
}

/* Variants with a correct check value, so only the field rule rejects them. */
static void key_decode_rejects_forged_fields_with_a_valid_check(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *other = key_seq(JR_ROLE_KIOSK, 7);
	struct jr_key *l = NULL;
	struct jr_pubkey opk;
	struct ent e[12], f[12];
	uint8_t buf[512], *p;
	size_t n, m, len;

	(void)state;
	jr_key_public(other, &opk);
	assert_int_equal(jr_key_encode(k, NULL, &p, &len, NULL), JR_OK);
	n = ents_parse(p, len, e, 12);
	assert_int_equal(n, 6);
	/* unchanged rebuild is the same file: the forging helper is faithful */
	m = ents_build(e, n, buf, sizeof buf);
	assert_int_equal(m, len);
	assert_memory_equal(buf, p, len);

	memcpy(f, e, sizeof e); /* version 1: the key files before key ids covered both keys */
	ent_find(f, n, 1)->u = 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EVERSION);
	ent_find(f, n, 1)->u = 3;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EVERSION);

	memcpy(f, e, sizeof e);
	ent_find(f, n, 1)->u = 0;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EVERSION);

	memcpy(f, e, sizeof e);
	ent_find(f, n, 2)->u = 0;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);
	ent_find(f, n, 2)->u = 6;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);

	memcpy(f, e, sizeof e); /* the X25519 key no longer the one it derives */
	ent_find(f, n, 3)->b[0] ^= 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EKEY);

	memcpy(f, e, sizeof e); /* both public keys another's: the seed tells */
	memcpy(ent_find(f, n, 3)->b, opk.sign_pk, 32);
	memcpy(ent_find(f, n, 4)->b, opk.box_pk, 32);
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_ECORRUPT);
	assert_int_equal(jr_key_decode_public(buf, m, "t", &opk, NULL), JR_ECORRUPT);
	jr_key_public(other, &opk);

	memcpy(f, e, sizeof e);
	ent_find(f, n, 5)->blen = 31;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);
	ent_find(f, n, 5)->blen = 33;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);

	memcpy(f, e, sizeof e); /* an unknown extra field */
	f[6] = f[5];
	f[5].key = 11;
	m = ents_build(f, 7, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);

	memcpy(f, e, sizeof e); /* the seed missing */
	f[4] = f[5];
	m = ents_build(f, 5, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);

	memcpy(f, e, sizeof e); /* seed as a number */
	f[4].is_uint = true;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EFORMAT);
	assert_null(l);

	sodium_free(p);
	jr_key_free(k);
	jr_key_free(other);
}

static void pin_key_round_trips_and_a_wrong_pin_is_epin(void **state)
{
	const char *dir = jr_test_dir("keys-pin");
	struct jr_key *k = NULL, *l = NULL;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey pk, lp;
	char path[1024], shortid[JR_KEYID_SHORT_LEN + 1], want[2400];
	mode_t old = umask(0);

	(void)state;
	jr_test_path(path, sizeof path, dir, "officer.key");
	assert_int_equal(jr_key_generate(JR_ROLE_OFFICER, &k), JR_OK);
	assert_int_equal(jr_key_save_pin(k, path, PIN, 6, &eb), JR_OK);
	umask(old);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(dir_entries(dir), 1);
	assert_int_equal(jr_key_load_pin(path, PIN, 6, &l, &eb), JR_OK);
	assert_memory_equal(jr_key_id(l), jr_key_id(k), JR_ID_BYTES);
	assert_int_equal(jr_key_role(l), JR_ROLE_OFFICER);
	jr_key_free(l);
	l = NULL;
	/* on a FAT drive every file reads as 0644 or 0755: the PIN seals it */
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(jr_key_load_pin(path, PIN, 6, &l, &eb), JR_OK);
	jr_key_free(l);
	l = NULL;
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(jr_key_load_pin(path, "246811", 6, &l, &eb), JR_EPIN);
	assert_null(l);
	jr_keyid_short(jr_key_id(k), shortid);
	snprintf(want, sizeof want, "wrong PIN for officer key %s (id %s); try again", path, shortid);
	assert_string_equal(eb.msg, want);
	/* the public half needs no PIN */
	jr_key_public(k, &pk);
	assert_int_equal(jr_key_load_public(path, &lp, NULL), JR_OK);
	assert_memory_equal(&lp, &pk, sizeof pk);
	/* and a plain load says it needs the PIN */
	jr_errclear(&eb);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_EPIN);
	assert_non_null(strstr(eb.msg, "sealed with a PIN"));
	assert_int_equal(jr_key_save_pin(k, path, PIN, 6, NULL), JR_EEXIST);
	jr_key_free(k);
}

static void pin_of_a_bad_length_is_refused_without_argon2(void **state)
{
	const char *dir = jr_test_dir("keys-pinlen");
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *l = NULL;
	char path[1024], longpin[JR_PIN_MAX + 2];
	uint8_t buf[512];
	size_t n = pin_bytes_cheap(buf, sizeof buf);

	(void)state;
	memset(longpin, '1', sizeof longpin);
	jr_test_path(path, sizeof path, dir, "officer.key");
	assert_int_equal(jr_key_save_pin(k, path, "12345", 5, NULL), JR_EINVAL);
	assert_int_equal(jr_key_save_pin(k, path, longpin, JR_PIN_MAX + 1, NULL), JR_EINVAL);
	assert_int_equal(jr_key_save_pin(k, path, NULL, 6, NULL), JR_EINVAL);
	assert_int_equal(dir_entries(dir), 0);
	assert_int_equal(jr_key_decode(buf, n, "t", "24681", 5, &l, NULL), JR_EPIN);
	assert_int_equal(jr_key_decode(buf, n, "t", longpin, JR_PIN_MAX + 1, &l, NULL), JR_EPIN);
	assert_int_equal(jr_key_decode(buf, n, "t", "", 0, &l, NULL), JR_EPIN);
	assert_null(l);
	jr_key_free(k);
}

static void pin_file_has_the_documented_minimum_size_and_opens(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *l = NULL;
	uint8_t buf[512];
	size_t n = pin_bytes_cheap(buf, sizeof buf);

	(void)state;
	assert_int_equal(n, JR_KEYFILE_PIN_MIN_BYTES);
	assert_int_equal(jr_key_decode(buf, n, "t", PIN, 6, &l, NULL), JR_OK);
	assert_memory_equal(jr_key_id(l), jr_key_id(k), JR_ID_BYTES);
	jr_key_free(l);
	jr_key_free(k);
}

static void pin_file_with_a_flipped_byte_or_truncated_fails_before_argon2(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *l = NULL;
	uint8_t buf[512];
	size_t n = pin_bytes_cheap(buf, sizeof buf), i, len;
	int rc;

	(void)state;
	for (i = 0; i < n; i++) {
		buf[i] ^= 0x04;
		rc = jr_key_decode(buf, n, "t", PIN, 6, &l, NULL);
		/* never JR_EPIN: the check caught it before any derivation */
		assert_true(rc == JR_ECORRUPT || rc == JR_EFORMAT || rc == JR_EVERSION);
		assert_null(l);
		buf[i] ^= 0x04;
	}
	for (len = 0; len < n; len++)
		assert_int_equal(jr_key_decode(buf, len, "t", PIN, 6, &l, NULL), JR_EFORMAT);
	jr_key_free(k);
}

static void pin_file_with_forged_fields_and_a_valid_check_does_not_open(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *other = key_seq(JR_ROLE_OFFICER, 5);
	struct jr_key *l = NULL;
	struct jr_pubkey opk;
	struct ent e[12], f[12];
	uint8_t file[512], buf[512];
	size_t len = pin_bytes_cheap(file, sizeof file), n, m, i;
	/* each forgery: the key to change; every one costs one cheap Argon2id
	 * (keys 3 and 4 alone are refused before it: see the swapped-key test) */
	static const uint64_t fields[] = { 2, 6, 7, 8, 9, 10 };

	(void)state;
	jr_key_public(other, &opk);
	n = ents_parse(file, len, e, 12);
	assert_int_equal(n, 10);
	m = ents_build(e, n, buf, sizeof buf);
	assert_int_equal(m, len);
	assert_memory_equal(buf, file, len);
	for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		struct ent *x;
		memcpy(f, e, sizeof e);
		x = ent_find(f, n, fields[i]);
		if (fields[i] == 2)
			x->u = JR_ROLE_KIOSK;
		else if (fields[i] == 7)
			x->u = 2;
		else if (fields[i] == 8)
			x->u = 2 * JR_PIN_MEMLIMIT_MIN;
		else
			x->b[3] ^= 0x20;
		m = ents_build(f, n, buf, sizeof buf);
		assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_EPIN);
		assert_null(l);
	}
	/* another identity's two public keys: consistent with each other, so
	 * only the AEAD (its ad holds them) tells */
	memcpy(f, e, sizeof e);
	memcpy(ent_find(f, n, 3)->b, opk.sign_pk, 32);
	memcpy(ent_find(f, n, 4)->b, opk.box_pk, 32);
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_EPIN);
	assert_null(l);
	jr_key_free(k);
	jr_key_free(other);
}

static void pin_file_with_absurd_limits_is_refused_without_deriving(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *l = NULL;
	struct jr_errbuf eb = { 0 };
	struct ent e[12], f[12];
	uint8_t file[512], buf[512];
	size_t len = pin_bytes_cheap(file, sizeof file), n, m;
	struct timespec t0, t1;

	(void)state;
	n = ents_parse(file, len, e, 12);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 8)->u = 1ull << 40;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, &eb), JR_ETOOBIG);
	assert_non_null(strstr(eb.msg, "Argon2id limits"));
	ent_find(f, n, 8)->u = JR_PIN_MEMLIMIT_MAX + 1024;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_ETOOBIG);
	ent_find(f, n, 8)->u = 1024;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_EFORMAT);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 7)->u = 1000000;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_ETOOBIG);
	ent_find(f, n, 7)->u = 0;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", PIN, 6, &l, NULL), JR_EFORMAT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* five refusals with no Argon2id at all: far under a second */
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	assert_null(l);
	jr_key_free(k);
}

static void pin_load_of_a_plain_file_is_refused(void **state)
{
	const char *dir = jr_test_dir("keys-pinplain");
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0), *l = NULL;
	struct jr_errbuf eb = { 0 };
	char path[1024];

	(void)state;
	jr_test_path(path, sizeof path, dir, "officer.key");
	assert_int_equal(jr_key_save(k, path, NULL), JR_OK);
	assert_int_equal(jr_key_load_pin(path, PIN, 6, &l, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "not sealed with a PIN"));
	assert_int_equal(jr_key_load_pin(path, NULL, 6, &l, NULL), JR_EINVAL);
	assert_null(l);
	jr_key_free(k);
}

static void load_public_reads_both_kinds_and_ignores_the_mode(void **state)
{
	const char *dir = jr_test_dir("keys-public");
	struct jr_key *k = key_seq(JR_ROLE_OFFICER, 0);
	struct jr_pubkey want, got;
	uint8_t buf[512];
	char plain[1024], pin[1024], missing[1024];
	size_t n = pin_bytes_cheap(buf, sizeof buf);

	(void)state;
	jr_key_public(k, &want);
	jr_test_path(plain, sizeof plain, dir, "plain.key");
	jr_test_path(pin, sizeof pin, dir, "pin.key");
	jr_test_path(missing, sizeof missing, dir, "missing.key");
	assert_int_equal(jr_key_save(k, plain, NULL), JR_OK);
	assert_int_equal(chmod(plain, 0644), 0);
	write_raw(pin, buf, n, 0644);
	assert_int_equal(jr_key_load_public(plain, &got, NULL), JR_OK);
	assert_memory_equal(&got, &want, sizeof want);
	assert_int_equal(jr_key_load_public(pin, &got, NULL), JR_OK);
	assert_memory_equal(&got, &want, sizeof want);
	assert_int_equal(jr_key_load_public(missing, &got, NULL), JR_ENOTFOUND);
	assert_int_equal(jr_key_load_public(dir, &got, NULL), JR_EIO);
	jr_key_free(k);
}

/* ---- public key files ---- */

static void pubkey_round_trips_through_bytes_and_a_file(void **state)
{
	const char *dir = jr_test_dir("keys-pub");
	struct jr_key *k = key_seq(JR_ROLE_CONSORTIUM, 3);
	struct jr_pubkey pk, got;
	struct jr_buf b;
	char path[1024];
	mode_t old = umask(077);

	(void)state;
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	assert_int_equal(b.len, 128);
	assert_int_equal(jr_pubkey_decode(b.base, b.len, &got, NULL), JR_OK);
	assert_memory_equal(&got, &pk, sizeof pk);
	jr_test_path(path, sizeof path, dir, "consortium.pub");
	assert_int_equal(jr_pubkey_save(&pk, path, NULL), JR_OK);
	umask(old);
	assert_int_equal(file_mode(path), 0644);
	assert_int_equal(jr_pubkey_load(path, &got, NULL), JR_OK);
	assert_memory_equal(&got, &pk, sizeof pk);
	/* saving again replaces it */
	assert_int_equal(jr_pubkey_save(&pk, path, NULL), JR_OK);
	assert_int_equal(dir_entries(dir), 1);
	jr_buf_free(&b);
	jr_key_free(k);
}

static void pubkey_encode_refuses_mixed_parts_and_bad_roles(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0);
	struct jr_pubkey pk;
	struct jr_buf b;

	(void)state;
	jr_key_public(k, &pk);
	pk.id[0] ^= 1;
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_EINVAL);
	assert_null(b.base);
	pk.id[0] ^= 1;
	pk.box_pk[0] ^= 1; /* an X25519 key the Ed25519 key does not derive */
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_EINVAL);
	assert_null(b.base);
	pk.box_pk[0] ^= 1;
	pk.role = (enum jr_role)0;
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_EINVAL);
	pk.role = (enum jr_role)9;
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_EINVAL);
	jr_key_free(k);
}

static void pubkey_decode_rejects_truncation_flips_and_trailing_bytes(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0);
	struct jr_pubkey pk, got, zero;
	struct jr_buf b;
	uint8_t buf[256];
	size_t len, i;

	(void)state;
	memset(&zero, 0, sizeof zero);
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	for (len = 0; len < b.len; len++) {
		memset(&got, 0x5a, sizeof got);
		assert_int_not_equal(jr_pubkey_decode(b.base, len, &got, NULL), JR_OK);
		assert_memory_equal(&got, &zero, sizeof got);
	}
	for (i = 0; i < b.len; i++) {
		b.base[i] ^= 0x40;
		assert_int_not_equal(jr_pubkey_decode(b.base, b.len, &got, NULL), JR_OK);
		assert_memory_equal(&got, &zero, sizeof got);
		b.base[i] ^= 0x40;
	}
	memcpy(buf, b.base, b.len);
	buf[b.len] = 0xf6;
	assert_int_equal(jr_pubkey_decode(buf, b.len + 1, &got, NULL), JR_EFORMAT);
	assert_int_equal(jr_pubkey_decode(NULL, 0, &got, NULL), JR_EFORMAT);
	jr_buf_free(&b);
	jr_key_free(k);
}

static void pubkey_decode_rejects_forged_fields_with_a_valid_check(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_NODE, 0);
	struct jr_pubkey pk, got;
	struct jr_errbuf eb = { 0 };
	struct jr_buf b;
	struct ent e[8], f[8];
	uint8_t buf[256];
	size_t n, m;

	(void)state;
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	n = ents_parse(b.base, b.len, e, 8);
	m = ents_build(e, n, buf, sizeof buf);
	assert_int_equal(m, b.len);
	assert_memory_equal(buf, b.base, b.len);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 1)->u = 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EVERSION);
	ent_find(f, n, 1)->u = 3;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EVERSION);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 2)->u = 0;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EFORMAT);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 5)->b[0] ^= 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, &eb), JR_ECORRUPT);
	assert_non_null(strstr(eb.msg, "key id does not match"));
	memcpy(f, e, sizeof e); /* a small-order point as the signing key */
	memset(ent_find(f, n, 3)->b, 0, 32);
	ent_find(f, n, 3)->b[0] = 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EKEY);
	memcpy(f, e, sizeof e);
	ent_find(f, n, 4)->blen = 31;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EFORMAT);
	memcpy(f, e, sizeof e); /* no check field */
	m = ents_build(f, n - 1, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EFORMAT);
	/* a non-shortest head for the version: not canonical */
	memcpy(buf, b.base, b.len);
	buf[2] = 0x18;
	memmove(buf + 4, buf + 3, b.len - 3);
	buf[3] = 0x01;
	assert_int_equal(jr_pubkey_decode(buf, b.len + 1, &got, NULL), JR_EFORMAT);
	jr_buf_free(&b);
	jr_key_free(k);
}

/* ---- the swapped X25519 key: a key id must stand for every key ----
 *
 * The forgery: keep the victim's Ed25519 key (and so its id, short id and
 * fingerprint), put the attacker's X25519 key beside it, and recompute the
 * checksum, which anyone can. A kiosk that accepted it would seal every
 * worker's personal data to the attacker under the consortium's name.
 */

/* e with key 4 replaced by the X25519 key of another identity. */
static size_t swap_box(const struct ent *e, size_t n, uint8_t *out, size_t max)
{
	struct jr_key *attacker = key_seq(JR_ROLE_CONSORTIUM, 0x66);
	struct jr_pubkey apk;
	struct ent f[12];

	jr_key_public(attacker, &apk);
	memcpy(f, e, n * sizeof e[0]);
	assert_memory_not_equal(ent_find(f, n, 4)->b, apk.box_pk, 32);
	memcpy(ent_find(f, n, 4)->b, apk.box_pk, 32);
	jr_key_free(attacker);
	return ents_build(f, n, out, max);
}

static void public_key_file_with_a_swapped_x25519_key_is_refused(void **state)
{
	const char *dir = jr_test_dir("keys-swap-pub");
	struct jr_key *k = key_seq(JR_ROLE_CONSORTIUM, 0x20);
	struct jr_pubkey pk, got, zero;
	struct jr_errbuf eb = { 0 };
	struct jr_buf b;
	struct ent e[8];
	uint8_t buf[256];
	char path[1024], want[1400];
	size_t n, m;

	(void)state;
	memset(&zero, 0, sizeof zero);
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	n = ents_parse(b.base, b.len, e, 8);
	m = swap_box(e, n, buf, sizeof buf);
	assert_int_equal(m, b.len); /* same size, same id, a valid check */
	memset(&got, 0x5a, sizeof got);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, X25519_REFUSED));
	assert_memory_equal(&got, &zero, sizeof got);
	/* from a file: the message names it and gives the fingerprint to check */
	jr_test_path(path, sizeof path, dir, "consortium.pub");
	write_raw(path, buf, m, 0644);
	jr_errclear(&eb);
	assert_int_equal(jr_pubkey_load(path, &got, &eb), JR_EKEY);
	snprintf(want, sizeof want, "public key %s: " X25519_REFUSED ": get the key "
		"again from the signed roster and compare the fingerprint " VEC20_FP, path);
	assert_string_equal(eb.msg, want);
	assert_memory_equal(&got, &zero, sizeof got);
	/* the genuine file still loads */
	write_raw(path, b.base, b.len, 0644);
	assert_int_equal(jr_pubkey_load(path, &got, NULL), JR_OK);
	assert_memory_equal(&got, &pk, sizeof pk);
	jr_buf_free(&b);
	jr_key_free(k);
}

static void public_key_file_with_any_other_x25519_key_is_refused(void **state)
{
	struct jr_key *k = key_seq(JR_ROLE_CONSORTIUM, 0x20);
	struct jr_pubkey pk, got;
	struct jr_buf b;
	struct ent e[8], f[8];
	uint8_t buf[256];
	size_t n, m, bit;

	(void)state;
	jr_key_public(k, &pk);
	assert_int_equal(jr_pubkey_encode(&pk, &b), JR_OK);
	n = ents_parse(b.base, b.len, e, 8);
	for (bit = 0; bit < 256; bit++) { /* every one-bit change, check fixed */
		memcpy(f, e, sizeof e);
		ent_find(f, n, 4)->b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		m = ents_build(f, n, buf, sizeof buf);
		assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EKEY);
	}
	memcpy(f, e, sizeof e); /* all zero, a low-order X25519 point */
	memset(ent_find(f, n, 4)->b, 0, 32);
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EKEY);
	/* the Ed25519 key of a small order and an id to match: refused too */
	memcpy(f, e, sizeof e);
	assert_int_equal(jr_test_unhex(ORDER2_POINT, ent_find(f, n, 3)->b, 32), 32);
	jr_keyid_from_pk(ent_find(f, n, 3)->b, ent_find(f, n, 5)->b);
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_pubkey_decode(buf, m, &got, NULL), JR_EKEY);
	jr_buf_free(&b);
	jr_key_free(k);
}

static void pin_key_file_with_a_swapped_x25519_key_is_refused_without_the_pin(void **state)
{
	const char *dir = jr_test_dir("keys-swap-pin");
	struct jr_key *l = NULL;
	struct jr_pubkey got, zero;
	struct jr_errbuf eb = { 0 };
	struct ent e[12];
	uint8_t file[512], buf[512];
	size_t len = pin_bytes_cheap(file, sizeof file), n, m;
	char path[1024];
	struct timespec t0, t1;

	(void)state;
	memset(&zero, 0, sizeof zero);
	n = ents_parse(file, len, e, 12);
	m = swap_box(e, n, buf, sizeof buf);
	jr_test_path(path, sizeof path, dir, "officer.key");
	write_raw(path, buf, m, 0600);
	/* what a roster builder reads without the PIN */
	memset(&got, 0x5a, sizeof got);
	assert_int_equal(jr_key_load_public(path, &got, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "key file "));
	assert_non_null(strstr(eb.msg, path));
	assert_non_null(strstr(eb.msg, X25519_REFUSED));
	assert_memory_equal(&got, &zero, sizeof got);
	/* with the PIN: refused before Argon2id runs */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(jr_key_load_pin(path, PIN, 6, &l, NULL), JR_EKEY);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_null(l);
	assert_true(t1.tv_sec - t0.tv_sec < 2);
	/* the genuine one reads */
	write_raw(path, file, len, 0600);
	assert_int_equal(jr_key_load_public(path, &got, NULL), JR_OK);
}

static void plain_key_file_with_a_swapped_x25519_key_is_refused(void **state)
{
	const char *dir = jr_test_dir("keys-swap-plain");
	struct jr_key *k = key_seq(JR_ROLE_KIOSK, 0), *l = NULL;
	struct jr_pubkey got;
	struct jr_errbuf eb = { 0 };
	struct ent e[12];
	uint8_t buf[512], *p;
	size_t len, n, m;
	char path[1024];

	(void)state;
	assert_int_equal(jr_key_encode(k, NULL, &p, &len, NULL), JR_OK);
	n = ents_parse(p, len, e, 12);
	m = swap_box(e, n, buf, sizeof buf);
	jr_test_path(path, sizeof path, dir, "kiosk.key");
	write_raw(path, buf, m, 0600);
	assert_int_equal(jr_key_load(path, &l, &eb), JR_EKEY);
	assert_null(l);
	assert_non_null(strstr(eb.msg, X25519_REFUSED));
	assert_non_null(strstr(eb.msg, VEC00_FP));
	jr_errclear(&eb);
	assert_int_equal(jr_key_load_public(path, &got, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, X25519_REFUSED));
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_EKEY);
	assert_null(l);
	sodium_free(p);
	jr_key_free(k);
}

/* ---- atomic writes and capped reads ---- */

static void atomic_write_replaces_a_file_whole_with_the_exact_mode(void **state)
{
	const char *dir = jr_test_dir("fileio-replace");
	uint8_t big[1000], small[10];
	struct jr_buf b;
	char path[1024];
	mode_t old;

	(void)state;
	jr_test_fill(big, sizeof big, 5);
	jr_test_fill(small, sizeof small, 6);
	jr_test_path(path, sizeof path, dir, "data.bin");
	old = umask(0);
	assert_int_equal(jr_file_write_atomic(path, big, sizeof big, 0600, NULL), JR_OK);
	assert_int_equal(file_mode(path), 0600);
	umask(077);
	assert_int_equal(jr_file_write_atomic(path, small, sizeof small, 0644, NULL), JR_OK);
	umask(old);
	assert_int_equal(file_mode(path), 0644);
	assert_int_equal(jr_file_read(path, 4096, &b, NULL), JR_OK);
	assert_int_equal(b.len, sizeof small);
	assert_memory_equal(b.base, small, sizeof small);
	jr_buf_free(&b);
	assert_int_equal(jr_file_write_atomic(path, NULL, 0, 0600, NULL), JR_OK);
	assert_int_equal(jr_file_read(path, 4096, &b, NULL), JR_OK);
	assert_int_equal(b.len, 0);
	jr_buf_free(&b);
	assert_int_equal(dir_entries(dir), 1);
}

static void atomic_write_that_fails_leaves_no_temporary_file(void **state)
{
	const char *dir = jr_test_dir("fileio-fail");
	struct jr_errbuf eb = { 0 };
	uint8_t data[64] = { 7 };
	char sub[1024], inner[1024], path[1024];

	(void)state;
	/* the target is a non-empty directory: rename fails after the write */
	jr_test_path(sub, sizeof sub, dir, "target");
	assert_int_equal(mkdir(sub, 0700), 0);
	jr_test_path(inner, sizeof inner, sub, "x");
	write_raw(inner, data, 1, 0600);
	assert_int_equal(jr_file_write_atomic(sub, data, sizeof data, 0600, &eb), JR_EIO);
	assert_true(eb.msg[0] != '\0');
	assert_int_equal(dir_entries(dir), 1);
	assert_int_equal(dir_entries(sub), 1);
	/* the directory does not exist: nothing is created anywhere */
	jr_test_path(path, sizeof path, dir, "nodir/file.bin");
	assert_int_equal(jr_file_write_atomic(path, data, sizeof data, 0600, NULL), JR_ENOTFOUND);
	assert_int_equal(dir_entries(dir), 1);
	/* bad arguments */
	jr_test_path(path, sizeof path, dir, "file.bin");
	assert_int_equal(jr_file_write_atomic(path, data, sizeof data, 04755, NULL), JR_EINVAL);
	assert_int_equal(jr_file_write_atomic(path, NULL, 3, 0600, NULL), JR_EINVAL);
	assert_int_equal(jr_file_write_atomic(NULL, data, 3, 0600, NULL), JR_EINVAL);
	assert_int_equal(dir_entries(dir), 1);
}

static void file_read_enforces_its_cap_and_reports_what_is_missing(void **state)
{
	const char *dir = jr_test_dir("fileio-read");
	uint8_t data[100];
	struct jr_buf b;
	struct jr_errbuf eb = { 0 };
	char path[1024], missing[1024];

	(void)state;
	jr_test_fill(data, sizeof data, 8);
	jr_test_path(path, sizeof path, dir, "f.bin");
	jr_test_path(missing, sizeof missing, dir, "none.bin");
	write_raw(path, data, sizeof data, 0644);
	assert_int_equal(jr_file_read(path, 99, &b, &eb), JR_ETOOBIG);
	assert_null(b.base);
	assert_int_equal(jr_file_read(path, 100, &b, NULL), JR_OK);
	assert_memory_equal(b.base, data, sizeof data);
	jr_buf_free(&b);
	assert_int_equal(jr_file_read(missing, 100, &b, NULL), JR_ENOTFOUND);
	assert_int_equal(jr_file_read(dir, 100, &b, NULL), JR_EIO);
	assert_int_equal(b.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(key_from_a_fixed_seed_matches_the_documented_identity),
		cmocka_unit_test(identity_matches_vectors_computed_outside_libsodium),
		cmocka_unit_test(box_key_is_the_ed25519_key_converted),
		cmocka_unit_test(box_key_is_not_the_old_seed_hash_derivation),
		cmocka_unit_test(derive_box_refuses_keys_that_are_not_main_subgroup_points),
		cmocka_unit_test(keyid_is_the_labelled_hash_of_the_signing_key),
		cmocka_unit_test(labelled_hash_matches_vectors_computed_with_python),
		cmocka_unit_test(labelled_hash_of_parts_equals_the_hash_of_their_concatenation),
		cmocka_unit_test(labelled_hash_refuses_bad_labels_and_lengths),
		cmocka_unit_test(keyid_short_is_crockford_base32_of_the_first_40_bits),
		cmocka_unit_test(fingerprint_is_the_whole_id_in_crockford_base32_groups_of_4),
		cmocka_unit_test(generated_keys_differ_and_bad_roles_are_refused),
		cmocka_unit_test(signature_verifies_and_is_over_domain_nul_hash),
		cmocka_unit_test(verify_rejects_another_domain),
		cmocka_unit_test(verify_rejects_another_key),
		cmocka_unit_test(verify_rejects_any_flipped_bit_in_signature_or_hash),
		cmocka_unit_test(sign_refuses_bad_domains_and_leaves_a_zero_signature),
		cmocka_unit_test(box_shared_agrees_and_rejects_a_low_order_point),
		cmocka_unit_test(key_files_match_the_worked_examples_in_the_doc),
		cmocka_unit_test(key_save_then_load_round_trips_with_mode_0600_under_umask_000),
		cmocka_unit_test(key_save_refuses_to_overwrite_an_existing_file),
		cmocka_unit_test(key_load_refuses_a_file_others_can_read_or_change),
		cmocka_unit_test(key_load_rejects_a_truncated_file_at_every_length),
		cmocka_unit_test(key_decode_rejects_a_flipped_byte_anywhere),
		cmocka_unit_test(key_decode_rejects_trailing_bytes_and_a_public_key_file),
		cmocka_unit_test(key_decode_rejects_forged_fields_with_a_valid_check),
		cmocka_unit_test(pin_key_round_trips_and_a_wrong_pin_is_epin),
		cmocka_unit_test(pin_of_a_bad_length_is_refused_without_argon2),
		cmocka_unit_test(pin_file_has_the_documented_minimum_size_and_opens),
		cmocka_unit_test(pin_file_with_a_flipped_byte_or_truncated_fails_before_argon2),
		cmocka_unit_test(pin_file_with_forged_fields_and_a_valid_check_does_not_open),
		cmocka_unit_test(pin_file_with_absurd_limits_is_refused_without_deriving),
		cmocka_unit_test(pin_load_of_a_plain_file_is_refused),
		cmocka_unit_test(load_public_reads_both_kinds_and_ignores_the_mode),
		cmocka_unit_test(pubkey_round_trips_through_bytes_and_a_file),
		cmocka_unit_test(pubkey_encode_refuses_mixed_parts_and_bad_roles),
		cmocka_unit_test(pubkey_decode_rejects_truncation_flips_and_trailing_bytes),
		cmocka_unit_test(pubkey_decode_rejects_forged_fields_with_a_valid_check),
		cmocka_unit_test(public_key_file_with_a_swapped_x25519_key_is_refused),
		cmocka_unit_test(public_key_file_with_any_other_x25519_key_is_refused),
		cmocka_unit_test(pin_key_file_with_a_swapped_x25519_key_is_refused_without_the_pin),
		cmocka_unit_test(plain_key_file_with_a_swapped_x25519_key_is_refused),
		cmocka_unit_test(atomic_write_replaces_a_file_whole_with_the_exact_mode),
		cmocka_unit_test(atomic_write_that_fails_leaves_no_temporary_file),
		cmocka_unit_test(file_read_enforces_its_cap_and_reports_what_is_missing),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
