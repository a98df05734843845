/*
 * The RFC 6962 Merkle tree (jaring/tlog.h): hashing, the stored tree,
 * proofs and their verification (RFC 9162 §2.1).
 *
 * Stored hashes are those of complete subtrees: (level, index) covers
 * leaves [index << level, (index + 1) << level). Any range the RFC's
 * recursion meets, [lo, hi), has lo aligned to the largest power of two
 * below hi - lo, so its hash is the stored hash of its left complete part
 * combined with the hash of the rest: range_hash reads one stored hash per
 * one bit of (hi - lo).
 */
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

void jr_tlog_leaf_hash(const uint8_t *entry, size_t len,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	static const uint8_t prefix = 0x00;
	const struct jr_part parts[] = { { &prefix, 1 }, { entry, len } };

	jr_sha256(parts, 2, out);
}

void jr_tlog_node_hash(const uint8_t left[JR_TLOG_HASH_BYTES],
	const uint8_t right[JR_TLOG_HASH_BYTES], uint8_t out[JR_TLOG_HASH_BYTES])
{
	static const uint8_t prefix = 0x01;
	const struct jr_part parts[] = {
		{ &prefix, 1 }, { left, JR_TLOG_HASH_BYTES }, { right, JR_TLOG_HASH_BYTES },
	};

	jr_sha256(parts, 3, out);
}

void jr_tlog_empty_root(uint8_t out[JR_TLOG_HASH_BYTES])
{
	jr_sha256(NULL, 0, out);
}

/* ---- verification: RFC 9162 §2.1.3.2 and §2.1.4.2, step by step ---- */

int jr_tlog_verify_inclusion(const uint8_t leaf[JR_TLOG_HASH_BYTES],
	uint64_t index, uint64_t size, const uint8_t (*proof)[JR_TLOG_HASH_BYTES],
	size_t n, const uint8_t root[JR_TLOG_HASH_BYTES])
{
	uint8_t r[JR_TLOG_HASH_BYTES];
	uint64_t fn, sn;
	size_t i;

	if (leaf == NULL || root == NULL || (proof == NULL && n > 0))
		return JR_EINVAL;
	if (index >= size || size > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	if (n > JR_TLOG_PROOF_MAX)
		return JR_ESIG;
	fn = index;
	sn = size - 1;
	memcpy(r, leaf, sizeof r);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return JR_ESIG; /* a hash more than the path has */
		if ((fn & 1) != 0 || fn == sn) {
			jr_tlog_node_hash(proof[i], r, r);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			jr_tlog_node_hash(r, proof[i], r);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !jr_hash_equal(r, root))
		return JR_ESIG;
	return JR_OK;
}

static bool is_pow2(uint64_t x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

int jr_tlog_verify_consistency(uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[JR_TLOG_HASH_BYTES],
	const uint8_t new_root[JR_TLOG_HASH_BYTES],
	const uint8_t (*proof)[JR_TLOG_HASH_BYTES], size_t n)
{
	uint8_t fr[JR_TLOG_HASH_BYTES], sr[JR_TLOG_HASH_BYTES], empty[JR_TLOG_HASH_BYTES];
	const uint8_t (*rest)[JR_TLOG_HASH_BYTES];
	const uint8_t *c;
	uint64_t fn, sn;
	size_t i, n_rest;

	if (old_root == NULL || new_root == NULL || (proof == NULL && n > 0))
		return JR_EINVAL;
	if (old_size > new_size || new_size > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	if (old_size == new_size)
		return n == 0 && jr_hash_equal(old_root, new_root) ? JR_OK : JR_ESIG;
	if (old_size == 0) {
		jr_tlog_empty_root(empty);
		return n == 0 && jr_hash_equal(old_root, empty) ? JR_OK : JR_ESIG;
	}
	if (n == 0 || n > JR_TLOG_PROOF_MAX)
		return JR_ESIG;
	/* Step 2: a complete old tree is its own first node; the proof omits it. */
	rest = proof;
	n_rest = n;
	c = old_root;
	if (!is_pow2(old_size)) {
		c = proof[0];
		rest = proof + 1;
		n_rest = n - 1;
	}
	fn = old_size - 1;
	sn = new_size - 1;
	while ((fn & 1) != 0) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, c, sizeof fr);
	memcpy(sr, c, sizeof sr);
	for (i = 0; i < n_rest; i++) {
		if (sn == 0)
			return JR_ESIG;
		if ((fn & 1) != 0 || fn == sn) {
			jr_tlog_node_hash(rest[i], fr, fr);
			jr_tlog_node_hash(rest[i], sr, sr);
			while ((fn & 1) == 0 && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			jr_tlog_node_hash(sr, rest[i], sr);
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || !jr_hash_equal(fr, old_root) || !jr_hash_equal(sr, new_root))
		return JR_ESIG;
	return JR_OK;
}

/* ---- the stored tree ---- */

static unsigned ctz64(uint64_t x)
{
	return (unsigned)__builtin_ctzll(x);
}

/* The largest power of two strictly below n (n >= 2). */
static uint64_t split_point(uint64_t n)
{
	return (uint64_t)1 << (63 - __builtin_clzll(n - 1));
}

static bool store_valid(const struct jr_tlog_store *s)
{
	return s != NULL && s->read != NULL && s->write != NULL;
}

/* MTH of leaves [lo, hi), lo aligned as the file comment says. */
static int range_hash(const struct jr_tlog_store *s, uint64_t lo, uint64_t hi,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	uint8_t right[JR_TLOG_HASH_BYTES];
	uint64_t k;
	unsigned level;
	int rc;

	if (is_pow2(hi - lo)) {
		level = ctz64(hi - lo);
		if ((lo & ((hi - lo) - 1)) != 0)
			return JR_EINTERNAL;
		return s->read(s->ctx, level, lo >> level, out);
	}
	k = split_point(hi - lo);
	if ((rc = range_hash(s, lo + k, hi, right)) != JR_OK)
		return rc;
	if ((rc = range_hash(s, lo, lo + k, out)) != JR_OK)
		return rc;
	jr_tlog_node_hash(out, right, out);
	return JR_OK;
}

int jr_tlog_append_hash(const struct jr_tlog_store *s, uint64_t size,
	const uint8_t leaf[JR_TLOG_HASH_BYTES])
{
	uint8_t h[64][JR_TLOG_HASH_BYTES], left[JR_TLOG_HASH_BYTES];
	uint64_t idx = size;
	unsigned level = 0, i;
	int rc;

	if (!store_valid(s) || leaf == NULL || size >= JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	memcpy(h[0], leaf, JR_TLOG_HASH_BYTES);
	/* Each one bit at the bottom of the index is a right child whose
	 * parent this leaf completes. Read every left sibling before writing
	 * anything, so that a missing one (a size that is not the tree's)
	 * leaves the store as it was. */
	for (; (idx & 1) != 0; idx >>= 1, level++) {
		if ((rc = s->read(s->ctx, level, idx - 1, left)) != JR_OK)
			return rc == JR_ENOTFOUND ? JR_ECORRUPT : rc;
		jr_tlog_node_hash(left, h[level], h[level + 1]);
	}
	for (i = 0; i <= level; i++)
		if ((rc = s->write(s->ctx, i, size >> i, h[i])) != JR_OK)
			return rc;
	return JR_OK;
}

int jr_tlog_append(const struct jr_tlog_store *s, uint64_t size,
	const uint8_t *entry, size_t len, uint8_t leaf_out[JR_TLOG_HASH_BYTES])
{
	uint8_t leaf[JR_TLOG_HASH_BYTES];

	if (entry == NULL && len > 0)
		return JR_EINVAL;
	jr_tlog_leaf_hash(entry, len, leaf);
	if (leaf_out != NULL)
		memcpy(leaf_out, leaf, sizeof leaf);
	return jr_tlog_append_hash(s, size, leaf);
}

int jr_tlog_root(const struct jr_tlog_store *s, uint64_t size,
	uint8_t root[JR_TLOG_HASH_BYTES])
{
	int rc;

	if (root == NULL)
		return JR_EINVAL;
	memset(root, 0, JR_TLOG_HASH_BYTES);
	if (!store_valid(s) || size > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	if (size == 0) {
		jr_tlog_empty_root(root);
		return JR_OK;
	}
	if ((rc = range_hash(s, 0, size, root)) != JR_OK)
		memset(root, 0, JR_TLOG_HASH_BYTES);
	return rc;
}

struct prover {
	const struct jr_tlog_store *s;
	uint8_t (*proof)[JR_TLOG_HASH_BYTES];
	size_t n;
};

static int prover_add(struct prover *p, uint64_t lo, uint64_t hi)
{
	if (p->n >= JR_TLOG_PROOF_MAX)
		return JR_EINTERNAL;
	return range_hash(p->s, lo, hi, p->proof[p->n++]);
}

/* PATH(m, D[lo:hi]) of RFC 9162 §2.1.3.1, m relative to lo. */
static int path(struct prover *p, uint64_t m, uint64_t lo, uint64_t hi)
{
	uint64_t k;
	int rc;

	if (hi - lo <= 1)
		return JR_OK;
	k = split_point(hi - lo);
	if (m < k) {
		if ((rc = path(p, m, lo, lo + k)) != JR_OK)
			return rc;
		return prover_add(p, lo + k, hi);
	}
	if ((rc = path(p, m - k, lo + k, hi)) != JR_OK)
		return rc;
	return prover_add(p, lo, lo + k);
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 9162 §2.1.4.1. */
static int subproof(struct prover *p, uint64_t m, uint64_t lo, uint64_t hi, bool b)
{
	uint64_t k;
	int rc;

	if (m == hi - lo)
		return b ? JR_OK : prover_add(p, lo, hi);
	k = split_point(hi - lo);
	if (m <= k) {
		if ((rc = subproof(p, m, lo, lo + k, b)) != JR_OK)
			return rc;
		return prover_add(p, lo + k, hi);
	}
	if ((rc = subproof(p, m - k, lo + k, hi, false)) != JR_OK)
		return rc;
	return prover_add(p, lo, lo + k);
}

static int prove_done(struct prover *p, int rc, size_t *n)
{
	if (rc != JR_OK) {
		sodium_memzero(p->proof, JR_TLOG_PROOF_MAX * JR_TLOG_HASH_BYTES);
		p->n = 0;
	}
	*n = p->n;
	return rc;
}

int jr_tlog_prove_inclusion(const struct jr_tlog_store *s,
	uint64_t index, uint64_t size, uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES],
	size_t *n)
{
	struct prover p = { s, proof, 0 };

	if (n == NULL || proof == NULL)
		return JR_EINVAL;
	if (!store_valid(s) || index >= size || size > JR_TLOG_SIZE_MAX)
		return prove_done(&p, JR_EINVAL, n);
	return prove_done(&p, path(&p, index, 0, size), n);
}

int jr_tlog_prove_consistency(const struct jr_tlog_store *s,
	uint64_t old_size, uint64_t new_size,
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], size_t *n)
{
	struct prover p = { s, proof, 0 };

	if (n == NULL || proof == NULL)
		return JR_EINVAL;
	if (!store_valid(s) || old_size > new_size || new_size > JR_TLOG_SIZE_MAX)
		return prove_done(&p, JR_EINVAL, n);
	if (old_size == 0 || old_size == new_size)
		return prove_done(&p, JR_OK, n);
	return prove_done(&p, subproof(&p, old_size, 0, new_size, true), n);
}
