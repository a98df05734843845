/*
 * SHA-256 (FIPS 180-4) for the log's hashes: leaves, interior nodes and
 * note key hashes (tlog_int.h). On an x86-64 processor with the SHA
 * extensions (SHA-NI, with SSSE3 and SSE4.1; Intel since Goldmont and Ice
 * Lake, AMD since Zen) the compression runs on them; everywhere else, and
 * when a test asks, libsodium's portable SHA-256 does all of it. Both give
 * the same bytes: tests/unit/test_tlog.c compares them over every length
 * up to three blocks, split into parts at every place.
 *
 * Why: a registration costs its log two leaf hashes and two node hashes,
 * about ten compressions, and libsodium's portable code took 7 % of a
 * three-node ingest (perf, 2026-12-07); the extensions do a compression in
 * a few tens of cycles.
 *
 * The extensions' state layout: one register holds A, B, E, F (A in the
 * top lane), the other C, D, G, H; _mm_sha256rnds2_epu32 does two rounds
 * from the low two lanes of its message-plus-constant operand, and
 * msg1/msg2 extend the message schedule four words at a time.
 */
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#define JR_SHA_NI 1
#else
#define JR_SHA_NI 0
#endif

#define BLOCK 64

/* -1: not yet asked, 0: libsodium, 1: the extensions */
static int use_ni = -1;
/* a test's choice: 1 (default) the extensions when present, 0 never */
static int allow_ni = 1;

#if JR_SHA_NI
static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static const uint32_t IV[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static int ni_present(void)
{
	unsigned a, b, c, d;

	if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSSE3) ||
	    !(c & bit_SSE4_1))
		return 0;
	if (!__get_cpuid_count(7, 0, &a, &b, &c, &d))
		return 0;
	return (b & bit_SHA) != 0;
}

static inline __m128i load128(const void *p)
{
	return _mm_loadu_si128((const __m128i *)p);
}

/* h (H0..H7) through n blocks at p. */
__attribute__((target("sha,ssse3,sse4.1")))
static void blocks_ni(uint32_t h[8], const uint8_t *p, size_t n)
{
	/* the bytes of each 32-bit word reversed: the message is big-endian */
	const __m128i be = _mm_set_epi64x(0x0c0d0e0f08090a0bLL,
		0x0405060700010203LL);
	__m128i t, abef, cdgh, abef0, cdgh0, msg, m[4];
	unsigned i;

	t = _mm_shuffle_epi32(load128(h), 0xb1);          /* B A D C */
	cdgh = _mm_shuffle_epi32(load128(h + 4), 0x1b);   /* H G F E */
	abef = _mm_alignr_epi8(t, cdgh, 8);               /* F E B A */
	cdgh = _mm_blend_epi16(cdgh, t, 0xf0);            /* H G D C */
	for (; n > 0; n--, p += BLOCK) {
		abef0 = abef;
		cdgh0 = cdgh;
		for (i = 0; i < 16; i++) {
			/* m[i % 4]: words 4i..4i+3 of the schedule; the other three
			 * hold the 12 words before them */
			if (i < 4)
				m[i] = _mm_shuffle_epi8(load128(p + 16 * i), be);
			else
				m[i & 3] = _mm_sha256msg2_epu32(_mm_add_epi32(
					_mm_sha256msg1_epu32(m[i & 3], m[(i + 1) & 3]),
					_mm_alignr_epi8(m[(i + 3) & 3], m[(i + 2) & 3], 4)),
					m[(i + 3) & 3]);
			msg = _mm_add_epi32(m[i & 3], load128(K + 4 * i));
			cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
			abef = _mm_sha256rnds2_epu32(abef, cdgh,
				_mm_shuffle_epi32(msg, 0x0e));
		}
		abef = _mm_add_epi32(abef, abef0);
		cdgh = _mm_add_epi32(cdgh, cdgh0);
	}
	t = _mm_shuffle_epi32(abef, 0x1b);                /* A B E F */
	cdgh = _mm_shuffle_epi32(cdgh, 0xb1);             /* G H C D */
	_mm_storeu_si128((__m128i *)h, _mm_blend_epi16(t, cdgh, 0xf0));
	_mm_storeu_si128((__m128i *)(h + 4), _mm_alignr_epi8(cdgh, t, 8));
}

static void sha256_ni(const struct jr_part *parts, size_t n_parts,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	uint32_t h[8];
	uint8_t buf[BLOCK];
	size_t fill = 0, i, take;
	uint64_t bits = 0;

	memcpy(h, IV, sizeof h);
	for (i = 0; i < n_parts; i++) {
		const uint8_t *p = parts[i].p;
		size_t len = parts[i].len;

		if (len == 0)
			continue;
		bits += (uint64_t)len << 3;
		if (fill > 0) {
			take = len < BLOCK - fill ? len : BLOCK - fill;
			memcpy(buf + fill, p, take);
			fill += take;
			p += take;
			len -= take;
			if (fill < BLOCK)
				continue;
			blocks_ni(h, buf, 1);
			fill = 0;
		}
		if (len >= BLOCK) {
			blocks_ni(h, p, len / BLOCK);
			p += len - len % BLOCK;
			len %= BLOCK;
		}
		if (len > 0) {
			memcpy(buf, p, len);
			fill = len;
		}
	}
	/* FIPS 180-4 §5.1.1: 0x80, zeros, the length in bits, big-endian */
	buf[fill++] = 0x80;
	if (fill > BLOCK - 8) {
		memset(buf + fill, 0, BLOCK - fill);
		blocks_ni(h, buf, 1);
		fill = 0;
	}
	memset(buf + fill, 0, BLOCK - 8 - fill);
	for (i = 0; i < 8; i++)
		buf[BLOCK - 1 - i] = (uint8_t)(bits >> (8 * i));
	blocks_ni(h, buf, 1);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}
#else
static int ni_present(void)
{
	return 0;
}
#endif

bool jr_sha256_hw(void)
{
	int v = __atomic_load_n(&use_ni, __ATOMIC_RELAXED);

	if (v < 0) {
		v = __atomic_load_n(&allow_ni, __ATOMIC_RELAXED) && ni_present();
		__atomic_store_n(&use_ni, v, __ATOMIC_RELAXED);
	}
	return v == 1;
}

void jr_sha256_allow_hw(bool allow)
{
	__atomic_store_n(&allow_ni, allow ? 1 : 0, __ATOMIC_RELAXED);
	__atomic_store_n(&use_ni, -1, __ATOMIC_RELAXED);
}

void jr_sha256(const struct jr_part *parts, size_t n_parts,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	crypto_hash_sha256_state st;
	size_t i;

#if JR_SHA_NI
	if (jr_sha256_hw()) {
		sha256_ni(parts, n_parts, out);
		return;
	}
#endif
	crypto_hash_sha256_init(&st);
	for (i = 0; i < n_parts; i++)
		crypto_hash_sha256_update(&st, parts[i].p, parts[i].len);
	crypto_hash_sha256_final(&st, out);
}
