/*
 * The transparency log (jaring/tlog.h): RFC 6962 hashing and proofs, the
 * stored tree, tlog-tiles, signed notes, checkpoints, cosignatures, the
 * quorum, tlog-proof files, and docs/tlog.md's worked examples.
 *
 * Known answers, and where each comes from:
 * - the 8-leaf tree: leaves, subtree hashes and roots of the RFC 6962
 *   reference tests (Certificate Transparency's merkle_tree_test), as
 *   published in transparency-dev/merkle testonly/constants.go;
 * - RecordHash("hello world") from golang.org/x/mod sumdb/tlog note_test.go;
 * - the PeterNeumann and EnochRoot keys, note and signatures from
 *   golang.org/x/mod sumdb/note note_test.go (TestSign, TestOpen);
 * - the example.com/foo key and note from the C2SP signed-note text;
 * - tile path x001/x234/067 and the 70,000-leaf tile census from the C2SP
 *   tlog-tiles text.
 * - SHA-256 of "abc", of the 448-bit two-block message and of a million
 *   "a"s from FIPS 180-2 appendix B; the log's own SHA-256 (the
 *   processor's extensions where present) is also checked against
 *   libsodium's over every length up to three blocks and every split.
 * Everything else is checked against a naive recursive MTH written here
 * from RFC 9162 §2.1.1, for every tree size up to 64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/tlog.h"
#include "tlog/tlog_int.h"

#define H JR_TLOG_HASH_BYTES
#define NMAX 64

/* ---- helpers ---- */

/* A store in memory for trees of up to 128 leaves; counts its calls. */
struct memstore {
	uint8_t h[8][128][H];
	bool have[8][128];
	unsigned reads, writes;
};

static int mem_read(void *ctx, unsigned level, uint64_t index, uint8_t out[H])
{
	struct memstore *m = ctx;

	m->reads++;
	if (level >= 8 || index >= 128 || !m->have[level][index])
		return JR_ENOTFOUND;
	memcpy(out, m->h[level][index], H);
	return JR_OK;
}

static int mem_write(void *ctx, unsigned level, uint64_t index, const uint8_t h[H])
{
	struct memstore *m = ctx;

	m->writes++;
	if (level >= 8 || index >= 128)
		return JR_EINVAL;
	if (m->have[level][index])
		return JR_EEXIST;
	memcpy(m->h[level][index], h, H);
	m->have[level][index] = true;
	return JR_OK;
}

static struct memstore *mem_new(struct jr_tlog_store *s)
{
	struct memstore *m = calloc(1, sizeof *m);

	assert_non_null(m);
	s->ctx = m;
	s->read = mem_read;
	s->write = mem_write;
	return m;
}

static void assert_hex(const uint8_t *p, size_t n, const char *want)
{
	char got[2 * 64 + 1];

	assert_true(n <= 64);
	jr_hex(p, n, got);
	assert_string_equal(got, want);
}

/* The RFC 6962 reference leaves (see the file comment). */
static const char *const ref_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ref_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void ref_tree(struct jr_tlog_store *s)
{
	uint8_t leaf[16];
	uint64_t i;

	for (i = 0; i < 8; i++) {
		size_t n = jr_test_unhex(ref_leaves[i], leaf, sizeof leaf);

		assert_int_equal(jr_tlog_append(s, i, leaf, n, NULL), JR_OK);
	}
}

/* Naive MTH of leaf hashes lh[lo, hi), RFC 9162 §2.1.1, no storage. */
static void naive_mth(uint8_t lh[][H], uint64_t lo, uint64_t hi, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k = 1;

	if (hi == lo) {
		jr_tlog_empty_root(out);
		return;
	}
	if (hi - lo == 1) {
		memcpy(out, lh[lo], H);
		return;
	}
	while (k * 2 < hi - lo)
		k *= 2;
	naive_mth(lh, lo, lo + k, l);
	naive_mth(lh, lo + k, hi, r);
	jr_tlog_node_hash(l, r, out);
}

/* A tree of NMAX synthetic leaves in a memory store, and their hashes. */
struct tree64 {
	struct jr_tlog_store s;
	struct memstore *m;
	uint8_t lh[NMAX][H];
};

static void tree64_make(struct tree64 *t)
{
	uint8_t entry[24];
	uint64_t i;

	t->m = mem_new(&t->s);
	for (i = 0; i < NMAX; i++) {
		jr_test_fill(entry, sizeof entry, (uint32_t)i + 1);
		assert_int_equal(jr_tlog_append(&t->s, i, entry, sizeof entry, t->lh[i]),
			JR_OK);
	}
}

typedef uint8_t proof_t[JR_TLOG_PROOF_MAX][H];
#define PROOF(p) ((const uint8_t(*)[H])(p))

/* ---- RFC 6962 hashing ---- */

/* jr_sha256 against FIPS 180-2's vectors and against libsodium: every
 * length 0..193 (the padding's edge at 55/56 bytes and block edges
 * included), each cut into two parts at every place and into three, on the
 * extensions (where present) and on libsodium's code. */
static void sha256_agrees_with_fips_and_libsodium_on_both_paths(void **state)
{
	static const char *const abc = "abc";
	static const char *const two =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	enum { MAX = 3 * 64 + 1 };
	uint8_t msg[MAX], want[H], got[H];
	uint8_t *mil;
	struct jr_part parts[3];
	int pass;
	size_t len, cut, cut2;

	(void)state;
	randombytes_buf(msg, sizeof msg);
	mil = malloc(1000000);
	assert_non_null(mil);
	memset(mil, 'a', 1000000);
	print_message("sha256: the processor's extensions are %s\n",
		jr_sha256_hw() ? "used" : "absent: libsodium's code only");
	for (pass = 0; pass < 2; pass++) {
		jr_sha256_allow_hw(pass == 0);
		assert_true(pass == 0 || !jr_sha256_hw());
		parts[0] = (struct jr_part){ (const uint8_t *)abc, 3 };
		jr_sha256(parts, 1, got);
		assert_hex(got, H, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
		parts[0] = (struct jr_part){ (const uint8_t *)two, strlen(two) };
		jr_sha256(parts, 1, got);
		assert_hex(got, H, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
		parts[0] = (struct jr_part){ mil, 1000000 };
		jr_sha256(parts, 1, got);
		assert_hex(got, H, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
		jr_sha256(NULL, 0, got);
		assert_hex(got, H, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		for (len = 0; len <= MAX; len++) {
			crypto_hash_sha256(want, msg, len);
			for (cut = 0; cut <= len; cut++) {
				parts[0] = (struct jr_part){ msg, cut };
				parts[1] = (struct jr_part){ msg + cut, len - cut };
				jr_sha256(parts, 2, got);
				assert_memory_equal(got, want, H);
				cut2 = cut + (len - cut) / 2;
				parts[1].len = cut2 - cut;
				parts[2] = (struct jr_part){ msg + cut2, len - cut2 };
				jr_sha256(parts, 3, got);
				assert_memory_equal(got, want, H);
			}
		}
	}
	jr_sha256_allow_hw(true);
	free(mil);
}

static void roots_match_the_rfc_6962_reference_tree(void **state)
{
	struct jr_tlog_store s;
	struct memstore *m = mem_new(&s);
	uint8_t root[H];
	uint64_t n;

	(void)state;
	ref_tree(&s);
	for (n = 0; n <= 8; n++) {
		assert_int_equal(jr_tlog_root(&s, n, root), JR_OK);
		assert_hex(root, H, ref_roots[n]);
	}
	/* subtree hashes of constants.go's NodeHashes */
	assert_hex(m->h[0][1], H, "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7");
	assert_hex(m->h[1][1], H, "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e");
	assert_hex(m->h[2][1], H, "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4");
	free(m);
}

static void leaf_hash_matches_the_go_checksum_database(void **state)
{
	uint8_t h[H], want[H];
	size_t n = 0;

	(void)state;
	assert_int_equal(sodium_base642bin(want, sizeof want,
		"TszzRgjTG6xce+z2AG31kAXYKBgQVtCSCE40HmuwBb0=", 44, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL), 0);
	jr_tlog_leaf_hash((const uint8_t *)"hello world", 11, h);
	assert_memory_equal(h, want, H);
}

static void reference_proofs_match_the_rfc_6962_vectors(void **state)
{
	static const char *const incl0[] = {
		"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		"6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
	};
	static const char *const incl5[] = {
		"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	};
	static const char *const cons6[] = {
		"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		"ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	};
	struct jr_tlog_store s;
	struct memstore *m = mem_new(&s);
	proof_t p;
	char hex[2 * H + 1];
	size_t n, i;

	(void)state;
	memset(p, 0, sizeof p);
	ref_tree(&s);
	assert_int_equal(jr_tlog_prove_inclusion(&s, 0, 8, p, &n), JR_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		jr_hex(p[i], H, hex);
		assert_string_equal(hex, incl0[i]);
	}
	assert_int_equal(jr_tlog_prove_inclusion(&s, 5, 8, p, &n), JR_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		jr_hex(p[i], H, hex);
		assert_string_equal(hex, incl5[i]);
	}
	assert_int_equal(jr_tlog_prove_consistency(&s, 6, 8, p, &n), JR_OK);
	assert_int_equal(n, 3);
	for (i = 0; i < 3; i++) {
		jr_hex(p[i], H, hex);
		assert_string_equal(hex, cons6[i]);
	}
	/* 1 -> 8 and 2 -> 8 are the first inclusion path without its head */
	assert_int_equal(jr_tlog_prove_consistency(&s, 1, 8, p, &n), JR_OK);
	assert_int_equal(n, 3);
	jr_hex(p[0], H, hex);
	assert_string_equal(hex, incl0[0]);
	assert_int_equal(jr_tlog_prove_consistency(&s, 2, 8, p, &n), JR_OK);
	assert_int_equal(n, 2);
	jr_hex(p[1], H, hex);
	assert_string_equal(hex, incl0[2]);
	free(m);
}

/* ---- proofs for every (m, n), n <= 64, against the naive MTH ---- */

static void every_inclusion_proof_verifies_and_no_tampered_one_does(void **state)
{
	struct tree64 t;
	uint8_t root[H], naive[H], other[H];
	proof_t p;
	uint64_t n, i;
	size_t k, j;

	(void)state;
	tree64_make(&t);
	memset(other, 0x5a, sizeof other);
	for (n = 1; n <= NMAX; n++) {
		assert_int_equal(jr_tlog_root(&t.s, n, root), JR_OK);
		naive_mth(t.lh, 0, n, naive);
		assert_memory_equal(root, naive, H);
		for (i = 0; i < n; i++) {
			assert_int_equal(jr_tlog_prove_inclusion(&t.s, i, n, p, &k), JR_OK);
			assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n, PROOF(p), k, root), JR_OK);
			/* wrong leaf, index, size, root; short, long, flipped */
			assert_int_equal(jr_tlog_verify_inclusion(other, i, n, PROOF(p), k, root), JR_ESIG);
			if (n > 1)
				assert_int_not_equal(jr_tlog_verify_inclusion(t.lh[i],
					(i + 1) % n, n, PROOF(p), k, root), JR_OK);
			/* the size is bound by the root it comes with (the
			 * checkpoint signs both): the next tree's root refuses */
			if (n < NMAX) {
				naive_mth(t.lh, 0, n + 1, naive);
				assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n + 1, PROOF(p), k, naive), JR_ESIG);
			}
			assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n, PROOF(p), k, other), JR_ESIG);
			if (k > 0)
				assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n, PROOF(p), k - 1, root), JR_ESIG);
			memcpy(p[k], other, H);
			assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n, PROOF(p), k + 1, root), JR_ESIG);
			for (j = 0; j < k; j++) {
				p[j][j % H] ^= 0x01;
				assert_int_equal(jr_tlog_verify_inclusion(t.lh[i], i, n, PROOF(p), k, root), JR_ESIG);
				p[j][j % H] ^= 0x01;
			}
		}
		assert_int_equal(jr_tlog_verify_inclusion(t.lh[0], n, n, PROOF(p), 0, root), JR_EINVAL);
	}
	free(t.m);
}

static void every_consistency_proof_verifies_and_no_tampered_one_does(void **state)
{
	struct tree64 t;
	uint8_t r1[H], r2[H], r3[H], other[H];
	proof_t p;
	uint64_t m, n;
	size_t k, j;

	(void)state;
	tree64_make(&t);
	memset(other, 0xa5, sizeof other);
	for (n = 1; n <= NMAX; n++) {
		naive_mth(t.lh, 0, n, r2);
		for (m = 0; m <= n; m++) {
			naive_mth(t.lh, 0, m, r1);
			assert_int_equal(jr_tlog_prove_consistency(&t.s, m, n, p, &k), JR_OK);
			assert_int_equal(jr_tlog_verify_consistency(m, n, r1, r2, PROOF(p), k), JR_OK);
			assert_int_equal(jr_tlog_verify_consistency(m, n, other, r2, PROOF(p), k), JR_ESIG);
			/* everything is consistent with the empty tree */
			if (m > 0)
				assert_int_equal(jr_tlog_verify_consistency(m, n, r1, other, PROOF(p), k), JR_ESIG);
			if (m > 0 && m < n) {
				/* sizes are bound by the roots they come with */
				if (n < NMAX) {
					naive_mth(t.lh, 0, n + 1, r3);
					assert_int_equal(jr_tlog_verify_consistency(m, n + 1, r1, r3, PROOF(p), k), JR_ESIG);
				}
				assert_int_equal(jr_tlog_verify_consistency(m, n, r1, r2, PROOF(p), k - 1), JR_ESIG);
			}
			memcpy(p[k], other, H);
			assert_int_equal(jr_tlog_verify_consistency(m, n, r1, r2, PROOF(p), k + 1), JR_ESIG);
			for (j = 0; j < k; j++) {
				p[j][(j * 7) % H] ^= 0x80;
				assert_int_equal(jr_tlog_verify_consistency(m, n, r1, r2, PROOF(p), k), JR_ESIG);
				p[j][(j * 7) % H] ^= 0x80;
			}
		}
		assert_int_equal(jr_tlog_verify_consistency(n + 1, n, r2, r2, PROOF(p), 0), JR_EINVAL);
	}
	free(t.m);
}

static void appends_and_proofs_touch_logarithmically_many_hashes(void **state)
{
	struct tree64 t;
	uint8_t root[H];
	proof_t p;
	size_t k;

	(void)state;
	tree64_make(&t);
	/* 64 leaves: 64 leaf hashes and 63 parents, each written once */
	assert_int_equal(t.m->writes, 127);
	assert_true(t.m->reads <= 63);
	t.m->reads = 0;
	assert_int_equal(jr_tlog_root(&t.s, 63, root), JR_OK);
	assert_true(t.m->reads <= 6); /* one per one bit of 63 */
	t.m->reads = 0;
	assert_int_equal(jr_tlog_prove_inclusion(&t.s, 62, 63, p, &k), JR_OK);
	assert_true(t.m->reads <= 2 * 6);
	t.m->reads = 0;
	assert_int_equal(jr_tlog_prove_consistency(&t.s, 37, 63, p, &k), JR_OK);
	assert_true(t.m->reads <= 2 * 6 + 2);
	free(t.m);
}

static void append_refuses_to_rewrite_and_to_skip_a_leaf(void **state)
{
	struct tree64 t;
	struct jr_tlog_store s;
	struct memstore *m = mem_new(&s);
	uint8_t leaf[H] = { 1 };
	proof_t p;
	size_t k = 9;

	(void)state;
	tree64_make(&t);
	assert_int_equal(jr_tlog_append_hash(&t.s, 5, leaf), JR_EEXIST);
	/* leaf 1 without leaf 0: its parent cannot be made */
	assert_int_equal(jr_tlog_append_hash(&s, 1, leaf), JR_ECORRUPT);
	assert_int_equal(jr_tlog_prove_inclusion(&s, 0, 2, p, &k), JR_ENOTFOUND);
	assert_int_equal(k, 0);
	assert_int_equal(jr_tlog_prove_inclusion(&t.s, 3, 3, p, &k), JR_EINVAL);
	assert_int_equal(jr_tlog_prove_consistency(&t.s, 4, 3, p, &k), JR_EINVAL);
	assert_int_equal(k, 0);
	free(m);
	free(t.m);
}

/* ---- the scratch file store ---- */

/* The same 66,000 leaves into the file store and into SQLite's: the same
 * roots at every size checked, the same tiles (those read back from the
 * files, past the write buffer, too), and the same refusals. */
static void the_file_store_holds_the_tree_the_sqlite_store_does(void **state)
{
	struct jr_tlog_filestore *fs = NULL;
	struct jr_tlog_sqlstore *ss = NULL;
	const struct jr_tlog_store *f, *q;
	uint8_t leaf[16], r1[H], r2[H], t1[JR_TLOG_TILE_BYTES], t2[JR_TLOG_TILE_BYTES];
	struct jr_errbuf eb = { 0 };
	unsigned w1 = 0, w2 = 0;
	sqlite3 *db = NULL;
	uint64_t i, n;

	(void)state;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(jr_tlog_sqlstore_open(db, &ss, &eb), JR_OK);
	assert_int_equal(jr_tlog_filestore_open(&fs, &eb), JR_OK);
	f = jr_tlog_filestore_get(fs);
	q = jr_tlog_sqlstore_get(ss);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = 0; i < 66000; i++) {
		memset(leaf, 0, sizeof leaf);
		memcpy(leaf, &i, sizeof i);
		assert_int_equal(jr_tlog_append(f, i, leaf, sizeof leaf, NULL), JR_OK);
		assert_int_equal(jr_tlog_append(q, i, leaf, sizeof leaf, NULL), JR_OK);
		if ((i + 1) % 6007 == 0 || i == 0 || i == 2047 || i == 2048) {
			assert_int_equal(jr_tlog_root(f, i + 1, r1), JR_OK);
			assert_int_equal(jr_tlog_root(q, i + 1, r2), JR_OK);
			assert_memory_equal(r1, r2, H);
		}
	}
	for (n = 0; n < 258; n++) {
		assert_int_equal(jr_tlog_tile_read(f, 66000, 0, n, t1, &w1), JR_OK);
		assert_int_equal(jr_tlog_tile_read(q, 66000, 0, n, t2, &w2), JR_OK);
		assert_int_equal(w1, w2);
		assert_memory_equal(t1, t2, (size_t)w1 * H);
	}
	for (n = 0; n < 2; n++) { /* 257 hashes of level 8: a tile of 256, one of 1 */
		assert_int_equal(jr_tlog_tile_read(f, 66000, 1, n, t1, &w1), JR_OK);
		assert_int_equal(jr_tlog_tile_read(q, 66000, 1, n, t2, &w2), JR_OK);
		assert_int_equal(w1, n == 0 ? 256 : 1);
		assert_int_equal(w1, w2);
		assert_memory_equal(t1, t2, (size_t)w1 * H);
	}
	/* append-only: the same hash again is no change, another is refused,
	 * and so is a gap; what was never written is not found */
	assert_int_equal(q->read(q->ctx, 0, 70, r2), JR_OK);
	assert_int_equal(f->write(f->ctx, 0, 70, r2), JR_OK);
	r2[0] ^= 1;
	assert_int_equal(f->write(f->ctx, 0, 70, r2), JR_EEXIST);
	assert_int_equal(f->write(f->ctx, 0, 66001, r2), JR_EINVAL);
	assert_int_equal(f->read(f->ctx, 0, 66000, r1), JR_ENOTFOUND);
	assert_int_equal(f->read(f->ctx, 40, 0, r1), JR_ENOTFOUND);
	assert_int_equal(jr_tlog_append_hash(f, 70, r2), JR_EEXIST);
	jr_tlog_filestore_close(fs);
	jr_tlog_sqlstore_close(ss);
	(void)sqlite3_close(db);
}

/* A TMPDIR that takes no file is said at once, with what to do. */
static void a_file_store_without_room_says_where_and_what_to_do(void **state)
{
	struct jr_tlog_filestore *fs = NULL;
	struct jr_errbuf eb = { 0 };
	const char *was = getenv("TMPDIR");
	char *old = was != NULL ? strdup(was) : NULL;

	(void)state;
	assert_int_equal(setenv("TMPDIR", "/nonexistent-jaring-dir", 1), 0);
	assert_int_equal(jr_tlog_filestore_open(&fs, &eb), JR_EIO);
	assert_null(fs);
	assert_non_null(strstr(eb.msg, "/nonexistent-jaring-dir"));
	assert_non_null(strstr(eb.msg, "set TMPDIR to a folder with room"));
	if (old != NULL)
		assert_int_equal(setenv("TMPDIR", old, 1), 0);
	else
		assert_int_equal(unsetenv("TMPDIR"), 0);
	free(old);
}

/* ---- SQLite store and tiles ---- */

static sqlite3 *open_db(const char *dir)
{
	char path[512];
	sqlite3 *db = NULL;

	jr_test_path(path, sizeof path, dir, "tlog.db");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL), SQLITE_OK);
	return db;
}

static void grow(const struct jr_tlog_store *s, sqlite3 *db, uint64_t from, uint64_t to)
{
	uint8_t entry[8];
	uint64_t i;

	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	for (i = from; i < to; i++) {
		memcpy(entry, &i, sizeof entry);
		assert_int_equal(jr_tlog_append(s, i, entry, sizeof entry, NULL), JR_OK);
	}
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
}

static unsigned count_files(const char *dir)
{
	char sub[1024];
	struct dirent *e;
	struct stat st;
	unsigned n = 0;
	DIR *d = opendir(dir);

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		jr_test_path(sub, sizeof sub, dir, e->d_name);
		assert_int_equal(stat(sub, &st), 0);
		n += S_ISDIR(st.st_mode) ? count_files(sub) : 1;
	}
	closedir(d);
	return n;
}

static void tile_paths_are_the_c2sp_spelling(void **state)
{
	static const struct {
		uint64_t n;
		const char *path;
		int level;
		unsigned w;
	} cases[] = {
		{ 1234067, "tile/0/x001/x234/067", 0, 256 },
		{ 0, "tile/0/000", 0, 256 },
		{ 5, "tile/2/005.p/1", 2, 1 },
		{ 1000, "tile/1/x001/000.p/17", 1, 17 },
		{ 273, "tile/entries/273.p/112", JR_TLOG_ENTRIES, 112 },
		{ UINT64_MAX, "tile/63/x018/x446/x744/x073/x709/x551/615.p/255", 63, 255 },
	};
	static const char *const bad[] = {
		"tile/0/1234067", "tile/0/x1/x234/067", "tile/0/001/234/067",
		"tile/0/x001/x234/67", "tile/00/000", "tile/64/000", "tile/0/000.p/256",
		"tile/0/000.p/0", "tile/0/000.p/08", "tile/0/000.p/", "tile/0/000/",
		"tile/entries/x000/001", "tile/0/x000/001", "tile/-1/000", "tiles/0/000",
		"tile/0/000.p/1x", "tile/entries/", "tile/0/", "",
	};
	char out[JR_TLOG_PATH_MAX];
	uint64_t n;
	unsigned w;
	size_t i;
	int level;

	(void)state;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(jr_tlog_tile_path(cases[i].level, cases[i].n, cases[i].w,
			out, sizeof out), JR_OK);
		assert_string_equal(out, cases[i].path);
		assert_int_equal(jr_tlog_tile_path_parse(out, strlen(out), &level, &n, &w), JR_OK);
		assert_int_equal(level, cases[i].level);
		assert_true(n == cases[i].n);
		assert_int_equal(w, cases[i].w);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		level = 7;
		assert_int_equal(jr_tlog_tile_path_parse(bad[i], strlen(bad[i]), &level, &n, &w),
			JR_EFORMAT);
		assert_int_equal(level, 0);
		assert_int_equal(w, 0);
	}
	assert_int_equal(jr_tlog_tile_path(0, 1, 0, out, sizeof out), JR_EINVAL);
	assert_int_equal(jr_tlog_tile_path(64, 1, 1, out, sizeof out), JR_EINVAL);
	assert_int_equal(jr_tlog_tile_path(0, 1234067, 256, out, 10), JR_ETOOBIG);
	assert_string_equal(out, "");
}

static void a_70000_leaf_tree_has_the_tiles_the_spec_lists(void **state)
{
	const char *dir = jr_test_dir("tlog_tiles");
	struct jr_tlog_sqlstore *ss = NULL;
	const struct jr_tlog_store *s;
	struct jr_errbuf eb = { 0 };
	uint8_t *tile = malloc(JR_TLOG_TILE_BYTES), root[H], h[H];
	char out[512];
	unsigned w;
	sqlite3 *db;

	(void)state;
	assert_non_null(tile);
	db = open_db(dir);
	assert_int_equal(jr_tlog_sqlstore_open(db, &ss, &eb), JR_OK);
	s = jr_tlog_sqlstore_get(ss);
	grow(s, db, 0, 300);
	jr_test_path(out, sizeof out, dir, "export");
	assert_int_equal(jr_tlog_tiles_export(s, 0, 300, out, &eb), JR_OK);
	/* 300: a full level-0 tile, one of 44, and a level-1 tile of 1 */
	assert_int_equal(count_files(out), 3);
	grow(s, db, 300, 70000);
	assert_int_equal(jr_tlog_tiles_export(s, 300, 70000, out, &eb), JR_OK);
	/* 273 full + 1 partial (112) at level 0, 1 full + 1 partial (17) at
	 * level 1, 1 partial (1) at level 2; plus the stale partials of 300 */
	assert_int_equal(count_files(out), 273 + 1 + 1 + 1 + 1 + 2);
	assert_int_equal(jr_tlog_tile_read(s, 70000, 0, 273, tile, &w), JR_OK);
	assert_int_equal(w, 112);
	assert_int_equal(jr_tlog_tile_read(s, 70000, 1, 1, tile, &w), JR_OK);
	assert_int_equal(w, 17);
	assert_int_equal(jr_tlog_tile_read(s, 70000, 2, 0, tile, &w), JR_OK);
	assert_int_equal(w, 1);
	/* the one level-2 hash is the MTH of the first 65,536 leaves */
	assert_int_equal(jr_tlog_root(s, 65536, root), JR_OK);
	assert_memory_equal(tile, root, H);
	assert_int_equal(jr_tlog_tile_read(s, 70000, 0, 274, tile, &w), JR_ENOTFOUND);
	assert_int_equal(jr_tlog_tile_read(s, 70000, 3, 0, tile, &w), JR_ENOTFOUND);
	assert_int_equal(jr_tlog_tile_read(s, 256, 1, 0, tile, &w), JR_OK);
	assert_int_equal(w, 1);
	/* the level-0 hash of leaf 0 is the leaf hash of its entry */
	assert_int_equal(jr_tlog_tile_read(s, 70000, 0, 0, tile, &w), JR_OK);
	assert_int_equal(w, 256);
	jr_tlog_leaf_hash((const uint8_t[8]){ 0 }, 8, h);
	assert_memory_equal(tile, h, H);
	jr_tlog_sqlstore_close(ss);
	sqlite3_close(db);
	free(tile);
}

/* A state file of the layout before hash runs (tlog_hash, a row per hash)
 * carries over when opened for writing: the same roots and tiles after, the
 * old table gone; one with a hash missing is refused and left as it was;
 * one opened read-only is refused with what to do. */
static void a_tree_of_the_row_per_hash_layout_carries_over(void **state)
{
	const char *dir = jr_test_dir("tlog_carry");
	struct jr_tlog_sqlstore *ss = NULL;
	const struct jr_tlog_store *s;
	struct jr_errbuf eb = { 0 };
	uint8_t *t1 = malloc(JR_TLOG_TILE_BYTES), *t2 = malloc(JR_TLOG_TILE_BYTES);
	uint8_t r1[H], r2[H], h[H];
	sqlite3 *ref = NULL, *db, *ro = NULL;
	sqlite3_stmt *ins = NULL;
	char path[512];
	unsigned level, w1, w2, k;
	uint64_t n = 1000, idx, rows = 0;

	(void)state;
	assert_non_null(t1);
	assert_non_null(t2);
	assert_int_equal(sqlite3_open(":memory:", &ref), SQLITE_OK);
	assert_int_equal(jr_tlog_sqlstore_open(ref, &ss, &eb), JR_OK);
	s = jr_tlog_sqlstore_get(ss);
	grow(s, ref, 0, n);
	/* the same tree, a row per hash, as the layout before kept it */
	for (k = 0; k < 2; k++) {
		db = open_db(dir);
		assert_int_equal(sqlite3_exec(db, "DROP TABLE IF EXISTS tlog_run;"
			"DROP TABLE IF EXISTS tlog_hash;"
			"CREATE TABLE tlog_hash (level INTEGER NOT NULL, idx INTEGER NOT NULL,"
			" hash BLOB NOT NULL, PRIMARY KEY (level, idx)) WITHOUT ROWID", NULL, NULL,
			NULL), SQLITE_OK);
		assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO tlog_hash VALUES(?1, ?2, ?3)",
			-1, &ins, NULL), SQLITE_OK);
		for (level = 0; (n >> level) > 0; level++)
			for (idx = 0; idx < (n >> level); idx++) {
				if (k == 1 && level == 1 && idx == 100)
					continue; /* the damaged one: a hash missing */
				assert_int_equal(s->read(s->ctx, level, idx, h), JR_OK);
				sqlite3_bind_int(ins, 1, (int)level);
				sqlite3_bind_int64(ins, 2, (sqlite3_int64)idx);
				sqlite3_bind_blob(ins, 3, h, H, SQLITE_STATIC);
				assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
				sqlite3_reset(ins);
				rows++;
			}
		sqlite3_finalize(ins);
		assert_int_equal(rows, k == 0 ? 1994 : 1993); /* 2n - popcount(n), one less */
		rows = 0;
		if (k == 0) {
			struct jr_tlog_sqlstore *ro_ss = NULL;

			/* read-only: refused, with what to do */
			jr_test_path(path, sizeof path, dir, "tlog.db");
			assert_int_equal(sqlite3_open_v2(path, &ro, SQLITE_OPEN_READONLY, NULL),
				SQLITE_OK);
			assert_int_equal(jr_tlog_sqlstore_open(ro, &ro_ss, &eb), JR_EFORMAT);
			assert_non_null(strstr(eb.msg, "open it once for writing"));
			sqlite3_close(ro);
		}
		{
			struct jr_tlog_sqlstore *cs = NULL;
			const struct jr_tlog_store *c;
			sqlite3_stmt *q = NULL;

			if (k == 1) {
				assert_int_equal(jr_tlog_sqlstore_open(db, &cs, &eb), JR_ECORRUPT);
				assert_non_null(strstr(eb.msg, "do not carry over"));
				/* left as it was: the old rows, no run */
				assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM"
					" tlog_hash), (SELECT count(*) FROM tlog_run)", -1, &q, NULL),
					SQLITE_OK);
				assert_int_equal(sqlite3_step(q), SQLITE_ROW);
				assert_int_equal(sqlite3_column_int(q, 0), 1993);
				assert_int_equal(sqlite3_column_int(q, 1), 0);
				sqlite3_finalize(q);
				sqlite3_close(db);
				break;
			}
			assert_int_equal(jr_tlog_sqlstore_open(db, &cs, &eb), JR_OK);
			c = jr_tlog_sqlstore_get(cs);
			for (idx = 1; idx <= n; idx += 37) {
				assert_int_equal(jr_tlog_root(s, idx, r1), JR_OK);
				assert_int_equal(jr_tlog_root(c, idx, r2), JR_OK);
				assert_memory_equal(r1, r2, H);
			}
			for (idx = 0; idx < 4; idx++) {
				assert_int_equal(jr_tlog_tile_read(s, n, 0, idx, t1, &w1), JR_OK);
				assert_int_equal(jr_tlog_tile_read(c, n, 0, idx, t2, &w2), JR_OK);
				assert_int_equal(w1, w2);
				assert_memory_equal(t1, t2, (size_t)w1 * H);
			}
			/* and it goes on growing where it stopped */
			memcpy(h, &n, sizeof n);
			assert_int_equal(jr_tlog_append(c, n, h, 8, NULL), JR_OK);
			assert_int_equal(jr_tlog_append(s, n, h, 8, NULL), JR_OK);
			assert_int_equal(jr_tlog_root(s, n + 1, r1), JR_OK);
			assert_int_equal(jr_tlog_root(c, n + 1, r2), JR_OK);
			assert_memory_equal(r1, r2, H);
			assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master"
				" WHERE name = 'tlog_hash'", -1, &q, NULL), SQLITE_OK);
			assert_int_equal(sqlite3_step(q), SQLITE_ROW);
			assert_int_equal(sqlite3_column_int(q, 0), 0);
			sqlite3_finalize(q);
			jr_tlog_sqlstore_close(cs);
			sqlite3_close(db);
		}
	}
	jr_tlog_sqlstore_close(ss);
	sqlite3_close(ref);
	free(t1);
	free(t2);
}

static void entry_bundles_check_against_their_tile_and_nothing_else(void **state)
{
	struct tree64 t;
	struct jr_buf b = { NULL, 0 };
	struct jr_errbuf eb = { 0 };
	uint8_t entry[24], tile[8 * H];
	unsigned w, i;

	(void)state;
	tree64_make(&t);
	for (i = 0; i < 8; i++) {
		jr_test_fill(entry, sizeof entry, i + 1);
		assert_int_equal(jr_tlog_bundle_append(&b, 4096, entry, sizeof entry), JR_OK);
		memcpy(tile + i * H, t.lh[i], H);
	}
	w = 8;
	assert_int_equal(b.len, 8 * 26);
	assert_int_equal(b.base[0], 0);
	assert_int_equal(b.base[1], 24);
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len, tile, w, &eb), JR_OK);
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len - 1, tile, w, &eb), JR_EFORMAT);
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len - 26, tile, w, &eb), JR_EFORMAT);
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len, tile, w - 1, &eb), JR_EFORMAT);
	b.base[40] ^= 1;
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len, tile, w, &eb), JR_ECORRUPT);
	b.base[40] ^= 1;
	b.base[26] = 0xff; /* second entry's length now runs past the end */
	assert_int_equal(jr_tlog_bundle_check(b.base, b.len, tile, w, &eb), JR_EFORMAT);
	assert_int_equal(jr_tlog_bundle_append(&b, b.len + 10, entry, sizeof entry), JR_ETOOBIG);
	jr_buf_free(&b);
	free(t.m);
}

/* ---- signed notes ---- */

#define PETER_VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define ENOCH_VKEY "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
#define PETER_TEXT "If you think cryptography is the answer to your problem,\n" \
	"then you don't know what your problem is.\n"
#define PETER_SIG "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
#define ENOCH_SIG "\xe2\x80\x94 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

static struct jr_key *peter_key(void)
{
	/* The Go test's private key PRIVATE+KEY+PeterNeumann+c74f20a3+AYEK…:
	 * type byte 0x01, then the Ed25519 seed. */
	uint8_t raw[33];
	size_t n = 0;
	struct jr_key *k = NULL;

	assert_int_equal(sodium_base642bin(raw, sizeof raw,
		"AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz", 44, NULL, &n, NULL,
		sodium_base64_VARIANT_ORIGINAL), 0);
	assert_int_equal(n, 33);
	assert_int_equal(raw[0], 1);
	assert_int_equal(jr_key_from_seed(JR_ROLE_NODE, raw + 1, &k), JR_OK);
	return k;
}

static void note_signing_matches_the_go_reference(void **state)
{
	struct jr_key *k = peter_key();
	struct jr_note_verifier v;
	struct jr_pubkey pub;
	struct jr_buf out = { NULL, 0 };
	char vkey[JR_NOTE_VKEY_MAX];

	(void)state;
	jr_key_public(k, &pub);
	assert_int_equal(jr_note_verifier_make("PeterNeumann", JR_NOTE_ALG_ED25519,
		pub.sign_pk, &v), JR_OK);
	assert_int_equal(v.keyhash, 0xc74f20a3u);
	assert_int_equal(jr_note_vkey_format(&v, vkey, sizeof vkey), JR_OK);
	assert_string_equal(vkey, PETER_VKEY);
	assert_int_equal(jr_note_sign(k, "PeterNeumann", (const uint8_t *)PETER_TEXT,
		strlen(PETER_TEXT), &out, NULL), JR_OK);
	assert_int_equal(out.len, strlen(PETER_TEXT "\n" PETER_SIG));
	assert_memory_equal(out.base, PETER_TEXT "\n" PETER_SIG, out.len);
	jr_buf_free(&out);
	jr_key_free(k);
}

static int open_with(const char *note, const char *vkey)
{
	struct jr_note n;
	struct jr_note_verifier v;
	int rc;

	assert_int_equal(jr_note_vkey_parse(vkey, strlen(vkey), &v, NULL), JR_OK);
	if ((rc = jr_note_parse((const uint8_t *)note, strlen(note), &n, NULL)) != JR_OK)
		return rc;
	return jr_note_verify(&n, &v, NULL);
}

static void notes_verify_with_the_go_and_c2sp_reference_keys(void **state)
{
	static const char c2sp_note[] = "This is an example message.\n\n"
		"\xe2\x80\x94 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n";
	const char *both = PETER_TEXT "\n" PETER_SIG ENOCH_SIG;

	(void)state;
	assert_int_equal(open_with(c2sp_note,
		"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"), JR_OK);
	assert_int_equal(open_with(both, PETER_VKEY), JR_OK);
	assert_int_equal(open_with(both, ENOCH_VKEY), JR_OK);
	/* a note Enoch did not sign */
	assert_int_equal(open_with(PETER_TEXT "\n" PETER_SIG, ENOCH_VKEY), JR_ENOTFOUND);
}

static void tampered_and_malformed_notes_are_refused(void **state)
{
	static const char *const bad[] = {
		PETER_TEXT,                                   /* no signatures */
		PETER_TEXT "\n",                              /* blank line, none */
		PETER_TEXT "\n" "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=", /* no final newline */
		"\x01" PETER_TEXT "\n" PETER_SIG,             /* control character */
		"\xff" PETER_TEXT "\n" PETER_SIG,             /* not UTF-8 */
		"\xc0\xaf" PETER_TEXT "\n" PETER_SIG,         /* overlong UTF-8 */
		PETER_TEXT "\n" "\xe2\x80\x94 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_TEXT "\n" PETER_SIG "Unexpected line.\n",
		PETER_TEXT "\n" "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_TEXT "\n" "\xe2\x80\x94 Peter+Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_TEXT "\n" "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM\n",
		PETER_TEXT "\n" "\xe2\x80\x94 PeterNeumann x08g\n", /* under 5 bytes */
		PETER_TEXT "\n" "\xe2\x80\x94  x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_TEXT "\n" "\xe2\x80\x94 Peter\xc2\xa0Neumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
	};
	char *many, *p;
	struct jr_note n;
	size_t i, sl = strlen(PETER_SIG);

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		n.n_sigs = 99;
		assert_int_not_equal(jr_note_parse((const uint8_t *)bad[i], strlen(bad[i]),
			&n, NULL), JR_OK);
		assert_int_equal(n.n_sigs, 0);
		assert_null(n.text);
	}
	/* 32 signatures parse, 33 do not */
	many = malloc(strlen(PETER_TEXT) + 1 + 33 * sl + 1);
	assert_non_null(many);
	p = many + strlen(PETER_TEXT "\n");
	memcpy(many, PETER_TEXT "\n", strlen(PETER_TEXT "\n"));
	for (i = 0; i < 33; i++)
		memcpy(p + i * sl, PETER_SIG, sl);
	assert_int_equal(jr_note_parse((const uint8_t *)many, (size_t)(p - many) + 32 * sl, &n, NULL), JR_OK);
	assert_int_equal(n.n_sigs, 32);
	assert_int_equal(jr_note_parse((const uint8_t *)many, (size_t)(p - many) + 33 * sl, &n, NULL), JR_ETOOBIG);
	free(many);
	/* altered text, altered signature, duplicated signature */
	assert_int_equal(open_with("If you think cryptography is the answer to your problem,\n"
		"then you know what your problem is.\n\n" PETER_SIG, PETER_VKEY), JR_ESIG);
	assert_int_equal(open_with(PETER_TEXT "\n" "\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAQ=\n",
		PETER_VKEY), JR_ESIG);
	assert_int_equal(open_with(PETER_TEXT "\n" PETER_SIG PETER_SIG, PETER_VKEY), JR_EFORMAT);
	/* right name, wrong key hash: not this key, so not verified */
	assert_int_equal(open_with(PETER_TEXT "\n" "\xe2\x80\x94 PeterNeumann xxxxo/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_VKEY), JR_ENOTFOUND);
	/* a key with Enoch's name and hash but Peter's key never verifies */
	assert_int_equal(open_with(PETER_TEXT "\n" "\xe2\x80\x94 EnochRoot x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
		PETER_VKEY), JR_ENOTFOUND);
}

static void every_mangled_verifier_key_is_refused(void **state)
{
	char b[sizeof PETER_VKEY];
	struct jr_note_verifier v;
	size_t i, j, len = strlen(PETER_VKEY);

	(void)state;
	/* as the Go test does: every proper substring, every byte bumped */
	for (i = 0; i <= len; i++)
		for (j = i + 1; j <= len; j++)
			if (i != 0 || j != len)
				assert_int_not_equal(jr_note_vkey_parse(&PETER_VKEY[i], j - i, &v, NULL), JR_OK);
	memcpy(b, PETER_VKEY, sizeof b);
	for (i = 0; i < len; i++) {
		b[i]++;
		assert_int_not_equal(jr_note_vkey_parse(b, len, &v, NULL), JR_OK);
		assert_int_equal(v.keyhash, 0);
		b[i]--;
	}
	/* the Go test's wrong-length and unknown-algorithm keys, hashes adjusted */
	assert_int_not_equal(jr_note_vkey_parse("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
		74, &v, NULL), JR_OK);
	assert_int_equal(jr_note_vkey_parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		len, &v, NULL), JR_EKEY);
	assert_int_equal(jr_note_vkey_parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
		len, &v, NULL), JR_EFORMAT);
	assert_int_equal(jr_note_vkey_parse(PETER_VKEY, len, &v, NULL), JR_OK);
}

/* ---- checkpoints, cosignatures, quorum ---- */

#define ORIGIN "tlog.example.jaring.id/tegal"

struct fixture {
	struct jr_key *log, *w[5];
	struct jr_note_verifier wv[5];
	struct jr_tlog_policy pol;
	struct tree64 t;
	uint8_t root[H];
	struct jr_buf note; /* signed by the log only */
};

static const char *const wnames[5] = {
	"witness.example.jaring.id/disnaker", "witness.example.jaring.id/dpmd",
	"witness.example.jaring.id/dukcapil", "witness.example.jaring.id/bpjs",
	"witness.example.jaring.id/diskominfo",
};

static void fixture_make(struct fixture *f, uint64_t size)
{
	struct jr_pubkey pub;
	char text[JR_CHECKPOINT_TEXT_MAX];
	size_t len, i;

	memset(f, 0, sizeof *f);
	f->log = jr_test_key(JR_ROLE_NODE, 0x10);
	jr_key_public(f->log, &pub);
	assert_int_equal(jr_note_verifier_make(ORIGIN, JR_NOTE_ALG_ED25519, pub.sign_pk,
		&f->pol.log), JR_OK);
	for (i = 0; i < 5; i++) {
		f->w[i] = jr_test_key(JR_ROLE_NODE, (uint8_t)(0x20 + i));
		jr_key_public(f->w[i], &pub);
		assert_int_equal(jr_note_verifier_make(wnames[i], JR_NOTE_ALG_COSIG_V1,
			pub.sign_pk, &f->wv[i]), JR_OK);
	}
	f->pol.witnesses = f->wv;
	f->pol.n_witnesses = 5;
	f->pol.quorum = 3;
	tree64_make(&f->t);
	assert_int_equal(jr_tlog_root(&f->t.s, size, f->root), JR_OK);
	assert_int_equal(jr_checkpoint_format(ORIGIN, size, f->root, text, sizeof text, &len), JR_OK);
	assert_int_equal(jr_note_sign(f->log, ORIGIN, (const uint8_t *)text, len, &f->note, NULL), JR_OK);
}

static void fixture_free(struct fixture *f)
{
	size_t i;

	jr_key_free(f->log);
	for (i = 0; i < 5; i++)
		jr_key_free(f->w[i]);
	jr_buf_free(&f->note);
	free(f->t.m);
}

/* note cosigned by witnesses [0, k) at times 1790000000 + i */
static void cosign(struct fixture *f, size_t k, struct jr_buf *out)
{
	struct jr_buf cur = { NULL, 0 }, next;
	size_t i;

	cur.base = malloc(f->note.len);
	assert_non_null(cur.base);
	memcpy(cur.base, f->note.base, f->note.len);
	cur.len = f->note.len;
	for (i = 0; i < k; i++) {
		assert_int_equal(jr_checkpoint_cosign(f->w[i], wnames[i], 1790000000 + i,
			cur.base, cur.len, &next, NULL), JR_OK);
		jr_buf_free(&cur);
		cur = next;
	}
	*out = cur;
}

static void checkpoints_parse_strictly(void **state)
{
	static const char *const bad[] = {
		"\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n05\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n-5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n+5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n9223372036854775808\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n5 \n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV=\n", /* trailing bits */
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuA==\n", /* 31 bytes */
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUA\n", /* 33 bytes */
		"o\n5\n47DEQpj8HBSa-_TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", /* URL alphabet */
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",   /* no newline */
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\n", /* empty ext */
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next\n\n",
		"o\n5\n",
		"o\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\r\n",
	};
	static const char good[] = "o\n9223372036854775807\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\next 1\n";
	struct jr_checkpoint cp;
	uint8_t empty[H];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		cp.size = 7;
		assert_int_equal(jr_checkpoint_parse_text((const uint8_t *)bad[i], strlen(bad[i]),
			&cp, NULL), JR_EFORMAT);
		assert_true(cp.size == 0 && cp.origin[0] == '\0');
	}
	assert_int_equal(jr_checkpoint_parse_text((const uint8_t *)good, strlen(good), &cp, NULL), JR_OK);
	assert_true(cp.size == JR_TLOG_SIZE_MAX);
	assert_string_equal(cp.origin, "o");
	jr_tlog_empty_root(empty);
	assert_memory_equal(cp.root, empty, H);
	assert_int_equal(cp.ext_len, 6);
}

static void a_checkpoint_with_a_quorum_of_cosignatures_opens(void **state)
{
	struct fixture f;
	struct jr_checkpoint cp;
	struct jr_buf n3, n5;
	size_t count = 0;

	(void)state;
	fixture_make(&f, 37);
	cosign(&f, 3, &n3);
	assert_int_equal(jr_checkpoint_open(n3.base, n3.len, &f.pol, &cp, &count, NULL), JR_OK);
	assert_int_equal(count, 3);
	assert_true(cp.size == 37);
	assert_memory_equal(cp.root, f.root, H);
	assert_string_equal(cp.origin, ORIGIN);
	cosign(&f, 5, &n5);
	assert_int_equal(jr_checkpoint_open(n5.base, n5.len, &f.pol, &cp, &count, NULL), JR_OK);
	assert_int_equal(count, 5);
	f.pol.quorum = 0; /* "quorum none": the log's signature alone */
	assert_int_equal(jr_checkpoint_open(f.note.base, f.note.len, &f.pol, &cp, &count, NULL), JR_OK);
	assert_int_equal(count, 0);
	jr_buf_free(&n3);
	jr_buf_free(&n5);
	fixture_free(&f);
}

static void a_checkpoint_short_of_its_quorum_is_refused(void **state)
{
	struct fixture f;
	struct jr_checkpoint cp;
	struct jr_buf n2;
	struct jr_errbuf eb = { 0 };
	size_t count = 9;

	(void)state;
	fixture_make(&f, 37);
	cosign(&f, 2, &n2);
	assert_int_equal(jr_checkpoint_open(n2.base, n2.len, &f.pol, &cp, &count, &eb), JR_ESIG);
	assert_non_null(strstr(eb.msg, "cosigned by 2 of the policy's witnesses and needs 3"));
	assert_int_equal(count, 0);
	assert_true(cp.size == 0);
	jr_buf_free(&n2);
	fixture_free(&f);
}

/* Appends line (with its newline) to a copy of note. */
static struct jr_buf with_line(const struct jr_buf *note, const char *line, size_t n)
{
	struct jr_buf b;

	b.base = malloc(note->len + n);
	assert_non_null(b.base);
	memcpy(b.base, note->base, note->len);
	memcpy(b.base + note->len, line, n);
	b.len = note->len + n;
	return b;
}

static void a_cosignature_over_another_checkpoint_is_refused(void **state)
{
	struct fixture a, b;
	struct jr_checkpoint cp;
	struct jr_buf na, forged;
	const uint8_t *last;
	size_t count;

	(void)state;
	fixture_make(&a, 37);
	fixture_make(&b, 38);
	cosign(&a, 3, &na);
	/* move a's third cosignature line onto b's note cosigned by two */
	last = na.base + na.len - 1;
	while (last > na.base && last[-1] != '\n')
		last--;
	{
		struct jr_buf b2;

		cosign(&b, 2, &b2);
		forged = with_line(&b2, (const char *)last, (size_t)(na.base + na.len - last));
		jr_buf_free(&b2);
	}
	assert_int_equal(jr_checkpoint_open(forged.base, forged.len, &b.pol, &cp, &count, NULL), JR_ESIG);
	jr_buf_free(&forged);
	jr_buf_free(&na);
	fixture_free(&a);
	fixture_free(&b);
}

static void duplicated_and_foreign_cosignatures_do_not_count(void **state)
{
	struct fixture f;
	struct jr_checkpoint cp;
	struct jr_buf n2, dup, n3;
	struct jr_tlog_policy pol;
	struct jr_note_verifier twice[2];
	const uint8_t *last;
	size_t count;

	(void)state;
	fixture_make(&f, 20);
	cosign(&f, 2, &n2);
	last = n2.base + n2.len - 1;
	while (last > n2.base && last[-1] != '\n')
		last--;
	dup = with_line(&n2, (const char *)last, (size_t)(n2.base + n2.len - last));
	f.pol.quorum = 2;
	assert_int_equal(jr_checkpoint_open(n2.base, n2.len, &f.pol, &cp, &count, NULL), JR_OK);
	assert_int_equal(jr_checkpoint_open(dup.base, dup.len, &f.pol, &cp, &count, NULL), JR_EFORMAT);
	/* one key listed as two witnesses is a policy error */
	twice[0] = f.wv[0];
	twice[1] = f.wv[0];
	memcpy(twice[1].name, "witness.example.jaring.id/again", 32);
	pol = f.pol;
	pol.witnesses = twice;
	pol.n_witnesses = 2;
	pol.quorum = 2;
	assert_int_equal(jr_checkpoint_open(n2.base, n2.len, &pol, &cp, &count, NULL), JR_EINVAL);
	/* a quorum larger than the witness list, a log key of the wrong type */
	pol = f.pol;
	pol.quorum = 6;
	assert_int_equal(jr_checkpoint_open(n2.base, n2.len, &pol, &cp, &count, NULL), JR_EINVAL);
	pol = f.pol;
	pol.log.alg = JR_NOTE_ALG_COSIG_V1;
	assert_int_equal(jr_checkpoint_open(n2.base, n2.len, &pol, &cp, &count, NULL), JR_EINVAL);
	/* cosignatures by keys the policy does not list are ignored */
	pol = f.pol;
	pol.witnesses = f.wv + 2;
	pol.n_witnesses = 3;
	pol.quorum = 1;
	cosign(&f, 3, &n3);
	assert_int_equal(jr_checkpoint_open(n3.base, n3.len, &pol, &cp, &count, NULL), JR_OK);
	assert_int_equal(count, 1);
	jr_buf_free(&n3);
	jr_buf_free(&dup);
	jr_buf_free(&n2);
	fixture_free(&f);
}

static void a_checkpoint_not_signed_by_its_log_is_refused(void **state)
{
	struct fixture f;
	struct jr_checkpoint cp;
	struct jr_buf n;
	struct jr_tlog_policy pol;
	size_t count;
	char text[JR_CHECKPOINT_TEXT_MAX];
	size_t len;

	(void)state;
	fixture_make(&f, 9);
	/* signed by a witness key under the log's name */
	assert_int_equal(jr_checkpoint_format(ORIGIN, 9, f.root, text, sizeof text, &len), JR_OK);
	assert_int_equal(jr_note_sign(f.w[0], ORIGIN, (const uint8_t *)text, len, &n, NULL), JR_OK);
	f.pol.quorum = 0;
	assert_int_equal(jr_checkpoint_open(n.base, n.len, &f.pol, &cp, &count, NULL), JR_ENOTFOUND);
	jr_buf_free(&n);
	/* another log's origin */
	assert_int_equal(jr_checkpoint_format("tlog.example.jaring.id/brebes", 9, f.root,
		text, sizeof text, &len), JR_OK);
	assert_int_equal(jr_note_sign(f.log, "tlog.example.jaring.id/brebes",
		(const uint8_t *)text, len, &n, NULL), JR_OK);
	assert_int_equal(jr_checkpoint_open(n.base, n.len, &f.pol, &cp, &count, NULL), JR_EKEY);
	jr_buf_free(&n);
	/* a signed note that is not a checkpoint */
	assert_int_equal(jr_note_sign(f.log, ORIGIN, (const uint8_t *)"hello\n", 6, &n, NULL), JR_OK);
	assert_int_equal(jr_checkpoint_open(n.base, n.len, &f.pol, &cp, &count, NULL), JR_EFORMAT);
	jr_buf_free(&n);
	/* the log's line with a bit of the root flipped in the text */
	pol = f.pol;
	f.note.base[strlen(ORIGIN) + 4] ^= 0x01;
	assert_int_not_equal(jr_checkpoint_open(f.note.base, f.note.len, &pol, &cp, &count, NULL), JR_OK);
	f.note.base[strlen(ORIGIN) + 4] ^= 0x01;
	f.note.base[strlen(ORIGIN) + 1] = '8'; /* the size, still well-formed */
	assert_int_equal(jr_checkpoint_open(f.note.base, f.note.len, &pol, &cp, &count, NULL), JR_ESIG);
	fixture_free(&f);
}

static void cosigning_refuses_what_is_not_a_signed_checkpoint(void **state)
{
	struct fixture f;
	struct jr_buf out = { NULL, 0 };

	(void)state;
	fixture_make(&f, 9);
	assert_int_not_equal(jr_checkpoint_cosign(f.w[0], wnames[0], 1, f.note.base,
		f.note.len - 1, &out, NULL), JR_OK);
	assert_null(out.base);
	assert_int_equal(jr_checkpoint_cosign(f.w[0], "bad name", 1, f.note.base,
		f.note.len, &out, NULL), JR_EINVAL);
	assert_int_equal(jr_checkpoint_cosign(f.w[0], wnames[0], (uint64_t)1 << 63,
		f.note.base, f.note.len, &out, NULL), JR_EINVAL);
	assert_int_equal(jr_checkpoint_cosign(f.w[0], wnames[0], 1,
		(const uint8_t *)PETER_TEXT "\n" PETER_SIG, strlen(PETER_TEXT "\n" PETER_SIG),
		&out, NULL), JR_EFORMAT);
	fixture_free(&f);
}

/* ---- tlog-proof ---- */

static void make_proof(struct fixture *f, uint64_t index, uint64_t size,
	const uint8_t *extra, size_t elen, struct jr_buf *out)
{
	struct jr_buf cp;
	proof_t p;
	size_t k;

	cosign(f, 3, &cp);
	assert_int_equal(jr_tlog_prove_inclusion(&f->t.s, index, size, p, &k), JR_OK);
	assert_int_equal(jr_tlog_proof_encode(extra, elen, index, PROOF(p), k,
		cp.base, cp.len, out), JR_OK);
	jr_buf_free(&cp);
}

static void a_tlog_proof_verifies_offline(void **state)
{
	struct fixture f;
	struct jr_buf pf;
	struct jr_checkpoint cp;
	struct jr_tlog_proof *pr = malloc(sizeof *pr);
	uint64_t i;

	(void)state;
	assert_non_null(pr);
	fixture_make(&f, 45);
	for (i = 0; i < 45; i += 11) {
		make_proof(&f, i, 45, (const uint8_t *)"reg", i == 0 ? 0 : 3, &pf);
		assert_int_equal(jr_tlog_proof_verify(pf.base, pf.len, &f.pol, f.t.lh[i], &cp, NULL), JR_OK);
		assert_true(cp.size == 45);
		assert_int_equal(jr_tlog_proof_parse(pf.base, pf.len, pr, NULL), JR_OK);
		assert_true(pr->index == i);
		assert_int_equal(pr->extra_len, i == 0 ? 0 : 3);
		/* another leaf's hash does not verify */
		assert_int_equal(jr_tlog_proof_verify(pf.base, pf.len, &f.pol, f.t.lh[i + 1], &cp, NULL), JR_ESIG);
		assert_true(cp.size == 0);
		jr_buf_free(&pf);
	}
	free(pr);
	fixture_free(&f);
}

static void malformed_and_tampered_tlog_proofs_are_refused(void **state)
{
	static const struct {
		const char *from, *to;
	} edits[] = {
		{ "c2sp.org/tlog-proof@v1\n", "c2sp.org/tlog-proof@v2\n" },
		{ "c2sp.org/tlog-proof@v1\n", "" },
		{ "index 11\n", "index 011\n" },
		{ "index 11\n", "index  11\n" },
		{ "index 11\n", "index 12\n" },
		{ "index 11\n", "index 45\n" },
		{ "index 11\n", "" },
		{ "extra cmVn\n", "extra \n" },
		{ "extra cmVn\n", "extra cmV\n" },
		{ "extra cmVn\n", "Extra cmVn\n" },
		{ "extra cmVn\n", "index 11\nextra cmVn\n" },
	};
	struct fixture f;
	struct jr_buf pf;
	struct jr_checkpoint cp;
	uint8_t *buf;
	char *hit;
	size_t i, hash_at;

	(void)state;
	fixture_make(&f, 45);
	make_proof(&f, 11, 45, (const uint8_t *)"reg", 3, &pf);
	buf = malloc(pf.len + 64);
	assert_non_null(buf);
	for (i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		size_t fl = strlen(edits[i].from), tl = strlen(edits[i].to), at, n;

		memcpy(buf, pf.base, pf.len);
		buf[pf.len] = '\0';
		hit = strstr((char *)buf, edits[i].from);
		assert_non_null(hit);
		at = (size_t)((uint8_t *)hit - buf);
		memmove(buf + at + tl, pf.base + at + fl, pf.len - at - fl);
		memcpy(buf + at, edits[i].to, tl);
		n = pf.len - fl + tl;
		assert_int_not_equal(jr_tlog_proof_verify(buf, n, &f.pol, f.t.lh[11], &cp, NULL), JR_OK);
	}
	/* a flipped proof hash, a dropped one, a truncated file, a trailing byte */
	hash_at = strlen("c2sp.org/tlog-proof@v1\nextra cmVn\nindex 11\n");
	memcpy(buf, pf.base, pf.len);
	buf[hash_at + 3] = buf[hash_at + 3] == 'A' ? 'B' : 'A';
	assert_int_equal(jr_tlog_proof_verify(buf, pf.len, &f.pol, f.t.lh[11], &cp, NULL), JR_ESIG);
	memcpy(buf, pf.base, hash_at);
	memcpy(buf + hash_at, pf.base + hash_at + 45, pf.len - hash_at - 45);
	assert_int_equal(jr_tlog_proof_verify(buf, pf.len - 45, &f.pol, f.t.lh[11], &cp, NULL), JR_ESIG);
	for (i = 1; i < pf.len; i += 7)
		assert_int_not_equal(jr_tlog_proof_verify(pf.base, pf.len - i, &f.pol, f.t.lh[11], &cp, NULL), JR_OK);
	memcpy(buf, pf.base, pf.len);
	buf[pf.len] = 'x';
	assert_int_not_equal(jr_tlog_proof_verify(buf, pf.len + 1, &f.pol, f.t.lh[11], &cp, NULL), JR_OK);
	/* under a policy that wants all five witnesses */
	f.pol.quorum = 5;
	assert_int_equal(jr_tlog_proof_verify(pf.base, pf.len, &f.pol, f.t.lh[11], &cp, NULL), JR_ESIG);
	free(buf);
	jr_buf_free(&pf);
	fixture_free(&f);
}

/* ---- docs/tlog.md worked examples ---- */

struct ex {
	char text[8192];
	size_t len;
};

static void ex_add(struct ex *e, const void *p, size_t n)
{
	assert_true(e->len + n < sizeof e->text);
	memcpy(e->text + e->len, p, n);
	e->len += n;
	e->text[e->len] = '\0';
}

static void ex_hex(struct ex *e, const uint8_t *p, size_t n)
{
	char line[2 * 32 + 2];
	size_t i, k;

	for (i = 0; i < n; i += 32) {
		k = n - i < 32 ? n - i : 32;
		jr_hex(p + i, k, line);
		line[2 * k] = '\n';
		ex_add(e, line, 2 * k + 1);
	}
}

static void expect_example(const char *name, const struct ex *e)
{
	char marker[128], *want;

	assert_true(snprintf(marker, sizeof marker, "<!-- example: %s -->", name) > 0);
	if (getenv("JR_PRINT_EXAMPLES") != NULL) {
		printf("%s\n```\n%s```\n\n", marker, e->text);
		return;
	}
	want = jr_test_doc_block("docs/tlog.md", marker);
	if (strcmp(want, e->text) != 0) {
		print_message("example '%s' in docs/tlog.md differs from the code:\n"
			"--- document\n%s--- code\n%s", name, want, e->text);
		free(want);
		fail();
	}
	free(want);
}

static void tlog_doc_examples_match_the_code(void **state)
{
	static struct ex e;
	struct fixture f;
	struct jr_tlog_store s;
	struct memstore *m = mem_new(&s);
	struct jr_buf bundle = { NULL, 0 }, n2, pf;
	char text[JR_CHECKPOINT_TEXT_MAX], vkey[JR_NOTE_VKEY_MAX], path[JR_TLOG_PATH_MAX];
	uint8_t root[H], tile[JR_TLOG_TILE_BYTES];
	proof_t p;
	size_t len, k, i;
	unsigned w;

	(void)state;
	fixture_make(&f, 1);
	/* the example log: five entries "entry 0" .. "entry 4" */
	for (i = 0; i < 5; i++) {
		char entry[8] = "entry 0";

		entry[6] = (char)('0' + i);
		assert_int_equal(jr_tlog_append(&s, i, (const uint8_t *)entry, 7, NULL), JR_OK);
		assert_int_equal(jr_tlog_bundle_append(&bundle, 1024, (const uint8_t *)entry, 7), JR_OK);
	}
	memset(&e, 0, sizeof e);
	ex_hex(&e, bundle.base, bundle.len);
	expect_example("bundle-hex", &e);
	assert_int_equal(jr_tlog_tile_read(&s, 5, 0, 0, tile, &w), JR_OK);
	assert_int_equal(jr_tlog_tile_path(0, 0, w, path, sizeof path), JR_OK);
	memset(&e, 0, sizeof e);
	ex_add(&e, path, strlen(path));
	ex_add(&e, "\n", 1);
	ex_hex(&e, tile, (size_t)w * H);
	expect_example("tile-hex", &e);

	assert_int_equal(jr_tlog_root(&s, 5, root), JR_OK);
	assert_int_equal(jr_checkpoint_format(ORIGIN, 5, root, text, sizeof text, &len), JR_OK);
	jr_buf_free(&f.note);
	assert_int_equal(jr_note_sign(f.log, ORIGIN, (const uint8_t *)text, len, &f.note, NULL), JR_OK);
	memset(&e, 0, sizeof e);
	ex_add(&e, f.note.base, f.note.len);
	expect_example("checkpoint", &e);

	memset(&e, 0, sizeof e);
	assert_int_equal(jr_note_vkey_format(&f.pol.log, vkey, sizeof vkey), JR_OK);
	ex_add(&e, vkey, strlen(vkey));
	ex_add(&e, "\n", 1);
	assert_int_equal(jr_note_vkey_format(&f.wv[0], vkey, sizeof vkey), JR_OK);
	ex_add(&e, vkey, strlen(vkey));
	ex_add(&e, "\n", 1);
	expect_example("vkeys", &e);

	cosign(&f, 2, &n2);
	memset(&e, 0, sizeof e);
	ex_add(&e, n2.base, n2.len);
	expect_example("cosigned", &e);

	assert_int_equal(jr_tlog_prove_inclusion(&s, 3, 5, p, &k), JR_OK);
	assert_int_equal(jr_tlog_proof_encode(NULL, 0, 3, PROOF(p), k, n2.base, n2.len, &pf), JR_OK);
	memset(&e, 0, sizeof e);
	ex_add(&e, pf.base, pf.len);
	expect_example("tlog-proof", &e);
	{
		struct jr_checkpoint cp;
		uint8_t leaf[H];

		f.pol.quorum = 2;
		jr_tlog_leaf_hash((const uint8_t *)"entry 3", 7, leaf);
		assert_int_equal(jr_tlog_proof_verify(pf.base, pf.len, &f.pol, leaf, &cp, NULL), JR_OK);
	}
	jr_buf_free(&pf);
	jr_buf_free(&n2);
	jr_buf_free(&bundle);
	free(m);
	fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sha256_agrees_with_fips_and_libsodium_on_both_paths),
		cmocka_unit_test(roots_match_the_rfc_6962_reference_tree),
		cmocka_unit_test(leaf_hash_matches_the_go_checksum_database),
		cmocka_unit_test(reference_proofs_match_the_rfc_6962_vectors),
		cmocka_unit_test(every_inclusion_proof_verifies_and_no_tampered_one_does),
		cmocka_unit_test(every_consistency_proof_verifies_and_no_tampered_one_does),
		cmocka_unit_test(appends_and_proofs_touch_logarithmically_many_hashes),
		cmocka_unit_test(append_refuses_to_rewrite_and_to_skip_a_leaf),
		cmocka_unit_test(the_file_store_holds_the_tree_the_sqlite_store_does),
		cmocka_unit_test(a_file_store_without_room_says_where_and_what_to_do),
		cmocka_unit_test(tile_paths_are_the_c2sp_spelling),
		cmocka_unit_test(a_70000_leaf_tree_has_the_tiles_the_spec_lists),
		cmocka_unit_test(a_tree_of_the_row_per_hash_layout_carries_over),
		cmocka_unit_test(entry_bundles_check_against_their_tile_and_nothing_else),
		cmocka_unit_test(note_signing_matches_the_go_reference),
		cmocka_unit_test(notes_verify_with_the_go_and_c2sp_reference_keys),
		cmocka_unit_test(tampered_and_malformed_notes_are_refused),
		cmocka_unit_test(every_mangled_verifier_key_is_refused),
		cmocka_unit_test(checkpoints_parse_strictly),
		cmocka_unit_test(a_checkpoint_with_a_quorum_of_cosignatures_opens),
		cmocka_unit_test(a_checkpoint_short_of_its_quorum_is_refused),
		cmocka_unit_test(a_cosignature_over_another_checkpoint_is_refused),
		cmocka_unit_test(duplicated_and_foreign_cosignatures_do_not_count),
		cmocka_unit_test(a_checkpoint_not_signed_by_its_log_is_refused),
		cmocka_unit_test(cosigning_refuses_what_is_not_a_signed_checkpoint),
		cmocka_unit_test(a_tlog_proof_verifies_offline),
		cmocka_unit_test(malformed_and_tampered_tlog_proofs_are_refused),
		cmocka_unit_test(tlog_doc_examples_match_the_code),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
