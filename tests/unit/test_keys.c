/*
 * Identities, signatures, key files, public key files, atomic file writes.
 *
 * Argon2id is slow on purpose, so this file runs it 14 times: 4 at the real
 * cost (64 MiB: the doc example, save, load, a wrong PIN) and 10 at the
 * minimum (8 KiB: the cached cheap file, opening it, 8 forgeries). Every
 * other PIN-file test must fail before a derivation.
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
	char s[JR_KEYID_SHORT_LEN + 1];
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
	jr_keyid_short(pk.id, s);
	assert_string_equal(s, "DA7Q-MWW0");
	doc = jr_test_read_source("docs/keys.md", NULL);
	assert_non_null(strstr(doc, "Short id: `DA7Q-MWW0`"));
	free(doc);
	jr_key_free(k);
}

static void box_key_is_derived_as_the_header_says(void **state)
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
	assert_memory_equal(pub.box_pk, pk, 32);
	jr_key_free(k);
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

	memcpy(f, e, sizeof e);
	ent_find(f, n, 1)->u = 2;
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

	memcpy(f, e, sizeof e);
	ent_find(f, n, 3)->b[0] ^= 1;
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_ECORRUPT);

	memcpy(f, e, sizeof e);
	memcpy(ent_find(f, n, 4)->b, opk.box_pk, 32);
	m = ents_build(f, n, buf, sizeof buf);
	assert_int_equal(jr_key_decode(buf, m, "t", NULL, 0, &l, NULL), JR_ECORRUPT);

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
	/* each forgery: the key to change; every one costs one cheap Argon2id */
	static const uint64_t fields[] = { 2, 3, 4, 6, 7, 8, 9, 10 };

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
		else if (fields[i] == 3)
			memcpy(x->b, opk.sign_pk, 32);
		else if (fields[i] == 4)
			memcpy(x->b, opk.box_pk, 32);
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
	ent_find(f, n, 1)->u = 2;
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
		cmocka_unit_test(box_key_is_derived_as_the_header_says),
		cmocka_unit_test(keyid_short_is_crockford_base32_of_the_first_40_bits),
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
		cmocka_unit_test(atomic_write_replaces_a_file_whole_with_the_exact_mode),
		cmocka_unit_test(atomic_write_that_fails_leaves_no_temporary_file),
		cmocka_unit_test(file_read_enforces_its_cap_and_reports_what_is_missing),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
