/* Base45 (RFC 9285) and Crockford base32: vectors, round trips, and every
 * way a scanned or typed string can be wrong. */
#include <string.h>

#include "testutil.h"
#include "jaring/codec.h"

#define B45_MAX 256

/* Decodes s (NUL-terminated) and returns the code; out/outlen as decoded. */
static int b45_dec(const char *s, uint8_t *out, size_t outmax, size_t *outlen)
{
	return jr_base45_decode(s, strlen(s), out, outmax, outlen);
}

static void expect_b45_vector(const char *plain, const char *text)
{
	size_t n = strlen(plain);
	char enc[B45_MAX];
	uint8_t dec[B45_MAX];
	size_t declen = 99;

	assert_int_equal(jr_base45_len(n), strlen(text));
	jr_base45_encode((const uint8_t *)plain, n, enc);
	assert_string_equal(enc, text);
	assert_int_equal(b45_dec(text, dec, sizeof dec, &declen), JR_OK);
	assert_int_equal(declen, n);
	assert_memory_equal(dec, plain, n);
}

/* A string that must not decode: the code is JR_EFORMAT, nothing is
 * reported as decoded, and the whole output buffer is zeroed. */
static void expect_b45_rejected_len(const char *s, size_t slen)
{
	uint8_t out[B45_MAX];
	size_t outlen = 77;

	memset(out, 0xa5, sizeof out);
	assert_int_equal(jr_base45_decode(s, slen, out, sizeof out, &outlen),
		JR_EFORMAT);
	assert_int_equal(outlen, 0);
	for (size_t i = 0; i < sizeof out; i++)
		assert_int_equal(out[i], 0);
}

static void expect_b45_rejected(const char *s)
{
	expect_b45_rejected_len(s, strlen(s));
}

static void base45_encodes_the_rfc9285_vectors(void **state)
{
	(void)state;
	expect_b45_vector("AB", "BB8");
	expect_b45_vector("Hello!!", "%69 VD92EX0");
	expect_b45_vector("base-45", "UJCLQE7W581");
	expect_b45_vector("ietf!", "QED8WEX0");
}

static void base45_decodes_the_rfc9285_ietf_example(void **state)
{
	uint8_t out[16];
	size_t outlen = 0;

	(void)state;
	assert_int_equal(b45_dec("QED8WEX0", out, sizeof out, &outlen), JR_OK);
	assert_int_equal(outlen, 5);
	assert_memory_equal(out, "ietf!", 5);
}

static void base45_rejects_the_rfc9285_invalid_example_ggw(void **state)
{
	(void)state;
	/* G=16, W=32: 16 + 16*45 + 32*2025 = 65536, one past two bytes. */
	expect_b45_rejected("GGW");
	expect_b45_rejected("AAAGGW");
	expect_b45_rejected("GGWAA");
}

static void base45_accepts_the_largest_triple_and_pair(void **state)
{
	uint8_t out[4];
	size_t outlen = 0;

	(void)state;
	/* F=15: 15 + 16*45 + 32*2025 = 65535. */
	assert_int_equal(b45_dec("FGW", out, sizeof out, &outlen), JR_OK);
	assert_int_equal(outlen, 2);
	assert_int_equal(out[0], 0xff);
	assert_int_equal(out[1], 0xff);
	/* U=30: 30 + 5*45 = 255. */
	assert_int_equal(b45_dec("U5", out, sizeof out, &outlen), JR_OK);
	assert_int_equal(outlen, 1);
	assert_int_equal(out[0], 0xff);
}

static void base45_rejects_a_pair_over_255(void **state)
{
	(void)state;
	expect_b45_rejected("V5");   /* 31 + 5*45 = 256 */
	expect_b45_rejected("06");   /* 0 + 6*45 = 270 */
	expect_b45_rejected("::");   /* 44 + 44*45 = 2024 */
	expect_b45_rejected("BB8V5");
}

static void base45_rejects_a_triple_over_65535(void **state)
{
	(void)state;
	expect_b45_rejected("HGW");  /* 65537 */
	expect_b45_rejected("00X");  /* 33*2025 = 66825 */
	expect_b45_rejected(":::");  /* 91124 */
	expect_b45_rejected("BB8:::");
}

static void base45_rejects_a_dangling_single_character(void **state)
{
	(void)state;
	expect_b45_rejected("A");
	expect_b45_rejected("0");
	expect_b45_rejected("BB8A");
	expect_b45_rejected("QED8WEX0AB");
	expect_b45_rejected("%69 VD92EX0BB");
}

static void base45_rejects_lowercase_letters(void **state)
{
	(void)state;
	expect_b45_rejected("bb8");
	expect_b45_rejected("Bb8");
	expect_b45_rejected("qed8wex0");
	expect_b45_rejected("QED8WEx0");
}

static void base45_rejects_characters_outside_the_alphabet(void **state)
{
	static const char bad[] = "#=_,;!?\"'()[]{}<>@&^~`|\\\t\n\r";

	(void)state;
	for (size_t i = 0; i < sizeof bad - 1; i++) {
		char s[4] = { 'B', 'B', '8', '\0' };
		s[1] = bad[i];
		expect_b45_rejected(s);
	}
}

static void base45_rejects_every_byte_that_is_not_in_the_alphabet(void **state)
{
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
	unsigned rejected = 0;

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char s[3] = { '0', '0', '0' };
		if (c != 0 && memchr(alphabet, (int)c, sizeof alphabet - 1))
			continue;
		s[0] = (char)c;
		expect_b45_rejected_len(s, 3);
		rejected++;
	}
	assert_int_equal(rejected, 256 - 45);
}

static void base45_rejects_an_embedded_nul(void **state)
{
	(void)state;
	expect_b45_rejected_len("BB\0", 3);
	expect_b45_rejected_len("B\0" "8QED", 6);
	expect_b45_rejected_len("\0\0", 2);
}

static void base45_rejects_a_bad_character_at_every_position(void **state)
{
	const char *good = "%69 VD92EX0";
	size_t n = strlen(good);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		char s[32];
		memcpy(s, good, n + 1);
		s[i] = 'a';
		expect_b45_rejected(s);
		s[i] = '#';
		expect_b45_rejected(s);
	}
}

static void base45_decode_fails_when_the_output_is_too_small(void **state)
{
	uint8_t out[8];
	size_t outlen = 5;

	(void)state;
	memset(out, 0xa5, sizeof out);
	assert_int_equal(b45_dec("%69 VD92EX0", out, 6, &outlen), JR_ETOOBIG);
	assert_int_equal(outlen, 0);
	for (size_t i = 0; i < 6; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(out[6], 0xa5);   /* nothing past outmax touched */
	assert_int_equal(b45_dec("%69 VD92EX0", out, 7, &outlen), JR_OK);
	assert_int_equal(outlen, 7);
}

static void base45_decode_rejects_null_arguments(void **state)
{
	uint8_t out[4];
	size_t outlen = 3;

	(void)state;
	assert_int_equal(jr_base45_decode(NULL, 3, out, sizeof out, &outlen),
		JR_EINVAL);
	assert_int_equal(outlen, 0);
	assert_int_equal(jr_base45_decode("BB8", 3, out, sizeof out, NULL),
		JR_EINVAL);
	assert_int_equal(jr_base45_decode("BB8", 3, NULL, 4, &outlen),
		JR_EINVAL);
}

static void base45_round_trips_the_empty_string(void **state)
{
	char enc[4] = "xyz";
	uint8_t out[1] = { 0 };
	size_t outlen = 9;

	(void)state;
	assert_int_equal(jr_base45_len(0), 0);
	jr_base45_encode((const uint8_t *)"", 0, enc);
	assert_string_equal(enc, "");
	assert_int_equal(jr_base45_decode("", 0, out, sizeof out, &outlen),
		JR_OK);
	assert_int_equal(outlen, 0);
	assert_int_equal(jr_base45_decode(NULL, 0, NULL, 0, &outlen), JR_OK);
	assert_int_equal(outlen, 0);
}

static void base45_round_trips_every_two_byte_value(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 65536; v++) {
		uint8_t in[2] = { (uint8_t)(v >> 8), (uint8_t)v };
		char enc[4];
		uint8_t out[2];
		size_t outlen = 0;

		jr_base45_encode(in, 2, enc);
		assert_int_equal(jr_base45_decode(enc, 3, out, 2, &outlen), JR_OK);
		assert_int_equal(outlen, 2);
		assert_memory_equal(in, out, 2);
	}
}

static void base45_round_trips_every_single_byte(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		uint8_t in = (uint8_t)v;
		char enc[3];
		uint8_t out = 0;
		size_t outlen = 0;

		jr_base45_encode(&in, 1, enc);
		assert_int_equal(strlen(enc), 2);
		assert_int_equal(jr_base45_decode(enc, 2, &out, 1, &outlen), JR_OK);
		assert_int_equal(outlen, 1);
		assert_int_equal(out, in);
	}
}

static void base45_round_trips_buffers_of_every_length_to_200(void **state)
{
	uint8_t in[200];
	uint8_t out[200];
	char enc[301];

	(void)state;
	for (size_t n = 0; n <= sizeof in; n++) {
		size_t outlen = 0;

		jr_test_fill(in, n, (uint32_t)n + 7);
		assert_int_equal(jr_base45_len(n), n / 2 * 3 + n % 2 * 2);
		jr_base45_encode(in, n, enc);
		assert_int_equal(strlen(enc), jr_base45_len(n));
		assert_int_equal(jr_base45_decode(enc, strlen(enc), out, n,
			&outlen), JR_OK);
		assert_int_equal(outlen, n);
		assert_memory_equal(in, out, n);
	}
}

static void base45_output_uses_only_the_qr_alphanumeric_set(void **state)
{
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
	uint8_t in[180];
	char enc[271];

	(void)state;
	jr_test_fill(in, sizeof in, 42);
	jr_base45_encode(in, sizeof in, enc);
	assert_int_equal(strlen(enc), 270);
	for (size_t i = 0; enc[i] != '\0'; i++)
		assert_non_null(strchr(alphabet, enc[i]));
}

/* Crockford base32 ------------------------------------------------------ */

static const char crock_symbols[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int crock_dec(const char *s, uint64_t *v, unsigned *nsym)
{
	return jr_crockford_decode(s, strlen(s), v, nsym);
}

static void expect_crock_rejected_len(const char *s, size_t slen, int code)
{
	uint64_t v = 12345;
	unsigned nsym = 9;

	assert_int_equal(jr_crockford_decode(s, slen, &v, &nsym), code);
	assert_int_equal(v, 0);
	assert_int_equal(nsym, 0);
}

static void expect_crock_rejected(const char *s, int code)
{
	expect_crock_rejected_len(s, strlen(s), code);
}

static void expect_crock_decodes(const char *s, uint64_t want, unsigned wantn)
{
	uint64_t v = 0;
	unsigned nsym = 0;

	assert_int_equal(crock_dec(s, &v, &nsym), JR_OK);
	assert_int_equal(v, want);
	assert_int_equal(nsym, wantn);
}

static void crockford_encodes_known_values(void **state)
{
	char out[16];

	(void)state;
	jr_crockford_encode(1234, 15, out);
	assert_string_equal(out, "16J");
	jr_crockford_encode(0, 60, out);
	assert_string_equal(out, "000000000000");
	jr_crockford_encode((UINT64_C(1) << 60) - 1, 60, out);
	assert_string_equal(out, "ZZZZZZZZZZZZ");
	jr_crockford_encode(31, 5, out);
	assert_string_equal(out, "Z");
	jr_crockford_encode(32, 10, out);
	assert_string_equal(out, "10");
	/* Every data symbol in order: values 0..31, one per 5 bits. */
	for (uint64_t i = 0; i < 32; i++) {
		jr_crockford_encode(i, 5, out);
		assert_int_equal(out[0], crock_symbols[i]);
		assert_int_equal(out[1], '\0');
	}
}

static void crockford_encode_ignores_bits_above_the_count(void **state)
{
	char out[16];

	(void)state;
	jr_crockford_encode(UINT64_MAX, 10, out);
	assert_string_equal(out, "ZZ");
	jr_crockford_encode(UINT64_C(0xfff0000000000000) | 1234, 15, out);
	assert_string_equal(out, "16J");
	jr_crockford_encode(UINT64_MAX, 0, out);
	assert_string_equal(out, "");
}

static void crockford_encode_writes_nothing_for_a_bad_bit_count(void **state)
{
	static const unsigned bad[] = { 1, 4, 6, 14, 59, 61, 64, 65, 1000 };
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(out, 'x', sizeof out);
		jr_crockford_encode(1234, bad[i], out);
		assert_string_equal(out, "");
	}
}

/* The check symbol: Damm over GF(2^5) mod x^5 + x^2 + 1 (codec.h). This
 * file computes the field with its own carry-less multiplication, from the
 * definition in docs/formats.md, so that a wrong table in the library cannot
 * agree with a wrong table here. */

static unsigned gf32_mul(unsigned a, unsigned b)
{
	unsigned r = 0;

	for (unsigned i = 0; i < 5; i++)
		if ((b >> i) & 1u)
			r ^= a << i;
	for (unsigned i = 8; i >= 5; i--) /* reduce by x^5 + x^2 + 1 */
		if ((r >> i) & 1u)
			r ^= 0x25u << (i - 5);
	return r;
}

static unsigned ref_op(unsigned x, unsigned y)
{
	return gf32_mul(2, x) ^ y;
}

/* Interim over the n symbols d[0..n), from 0, by the reference. */
static unsigned ref_fold(const unsigned *d, size_t n)
{
	unsigned i = 0;

	for (size_t k = 0; k < n; k++)
		i = ref_op(i, d[k]);
	return i;
}

/* The library's interim over the ten symbols d, packed as the receipt code
 * parser packs them. */
static unsigned lib_fold10(const unsigned *d)
{
	uint64_t w = 0;

	for (size_t k = 0; k < 10; k++)
		w = w << 5 | d[k];
	return jr_damm32_interim(w);
}

static void gf32_reference_is_a_field_multiplication(void **state)
{
	(void)state;
	/* x^5 = x^2 + 1, and 2 generates all 31 non-zero elements. */
	assert_int_equal(gf32_mul(2, 16), 5);
	for (unsigned a = 1, p = 1; a <= 31; a++) {
		p = gf32_mul(p, 2);
		assert_int_equal(p == 1, a == 31);
	}
	for (unsigned a = 0; a < 32; a++)
		for (unsigned b = 0; b < 32; b++) {
			assert_true(gf32_mul(a, b) < 32);
			assert_int_equal(gf32_mul(a, b), gf32_mul(b, a));
		}
}

/* Exhaustive: all 32 x 32 entries. */
static void damm32_is_twice_the_left_operand_xor_the_right(void **state)
{
	(void)state;
	for (unsigned x = 0; x < 32; x++)
		for (unsigned y = 0; y < 32; y++) {
			assert_int_equal(jr_damm32(x, y), ref_op(x, y));
			/* bits above the five are ignored */
			assert_int_equal(jr_damm32(x | 0x3e0u, y | 0x7c00u), ref_op(x, y));
		}
	assert_int_equal(jr_damm32(16, 0), 5);  /* 2 * x^4 = x^5 = x^2 + 1 */
	assert_int_equal(jr_damm32(1, 1), 3);
	assert_int_equal(jr_damm32(31, 31), 0x1b ^ 31);
}

/* Exhaustive, and the whole proof for single substitutions: with every row
 * (fixed interim i, symbol a varies) and every column (fixed symbol, interim
 * varies) a permutation of 0..31, a changed symbol gives a different interim
 * at its position whatever the interim before it, and every symbol after it
 * maps different interims to different interims, so the final interim of a
 * code with one substituted symbol is not 0. */
static void damm32_is_a_quasigroup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 32; i++) {
		uint32_t row = 0, col = 0;
		for (unsigned a = 0; a < 32; a++) {
			row |= UINT32_C(1) << jr_damm32(i, a);
			col |= UINT32_C(1) << jr_damm32(a, i);
		}
		assert_int_equal(row, UINT32_MAX);
		assert_int_equal(col, UINT32_MAX);
	}
}

/* Exhaustive over every interim c and every pair a != b (32 x 32 x 31), and
 * with the column permutations above the whole proof for adjacent
 * transpositions, the check symbol included: swapping neighbours a, b makes
 * the interim after them differ, and the symbols after keep it different. */
static void damm32_is_totally_anti_symmetric(void **state)
{
	unsigned pairs = 0;

	(void)state;
	for (unsigned c = 0; c < 32; c++)
		for (unsigned a = 0; a < 32; a++)
			for (unsigned b = 0; b < 32; b++) {
				if (a == b)
					continue;
				assert_int_not_equal(jr_damm32(jr_damm32(c, a), b),
					jr_damm32(jr_damm32(c, b), a));
				pairs++;
			}
	assert_int_equal(pairs, 32 * 32 * 31);
}

/* Exhaustive too, beyond what the issue asks: twin errors (aa -> bb) and
 * jump transpositions (abc -> cba) are caught as well. */
static void damm32_also_catches_twin_errors_and_jump_transpositions(void **state)
{
	(void)state;
	for (unsigned i = 0; i < 32; i++)
		for (unsigned a = 0; a < 32; a++)
			for (unsigned c = 0; c < 32; c++) {
				if (a == c)
					continue;
				assert_int_not_equal(jr_damm32(jr_damm32(i, a), a),
					jr_damm32(jr_damm32(i, c), c));
				for (unsigned b = 0; b < 32; b++)
					assert_int_not_equal(
						jr_damm32(jr_damm32(jr_damm32(i, a), b), c),
						jr_damm32(jr_damm32(jr_damm32(i, c), b), a));
			}
}

static unsigned sym_value(char c)
{
	const char *hit = strchr(crock_symbols, c);

	assert_non_null(hit);
	assert_true(c != '\0');
	return (unsigned)(hit - crock_symbols);
}

static void crockford_check_matches_known_values(void **state)
{
	(void)state;
	/* Worked by hand from the definition: the interim of 1 is 0 o 1 = 1,
	 * the check 2 * 1 = 2; of 32 ("10") it is (0 o 1) o 0 = 2, check 4. */
	assert_int_equal(jr_crockford_check(0), '0');
	assert_int_equal(jr_crockford_check(1), '2');
	assert_int_equal(jr_crockford_check(32), '4');
	assert_int_equal(jr_crockford_check(31), 'V');
	assert_int_equal(jr_crockford_check(1234), 'H');
	assert_int_equal(jr_crockford_check((UINT64_C(1) << 45) - 1), 'X');
	assert_int_equal(jr_crockford_check((UINT64_C(1) << 60) - 1), 'R');
	assert_int_equal(jr_crockford_check(UINT64_MAX), 'X');
	assert_int_equal(jr_damm32_interim(0), 0);
	assert_int_equal(jr_damm32_interim(1), 1);
	assert_int_equal(jr_damm32_interim(32), 2);
}

/* The check is always one of the 32 symbols (never "*~$=U" as the old
 * mod-37 check could be), and appending it makes the interim 0. */
static void crockford_check_is_a_symbol_that_brings_the_interim_to_zero(void **state)
{
	uint64_t x = UINT64_C(0x2545f4914f6cdd1d);
	uint32_t seen = 0;

	(void)state;
	for (unsigned n = 0; n < 100000; n++) {
		uint64_t v;
		char c;
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = x >> 19; /* 45 bits */
		c = jr_crockford_check(v);
		assert_non_null(memchr(crock_symbols, c, 32));
		seen |= UINT32_C(1) << sym_value(c);
		assert_int_equal(jr_damm32(jr_damm32_interim(v), sym_value(c)), 0);
		assert_int_equal(jr_damm32_interim(v << 5 | sym_value(c)), 0);
	}
	assert_int_equal(seen, UINT32_MAX);
}

/* The ten symbols (9 data + check) of v, most significant first. */
static void code_digits(uint64_t v, unsigned d[10])
{
	for (unsigned k = 0; k < 9; k++)
		d[k] = (unsigned)(v >> (5 * (8 - k))) & 31u;
	d[9] = sym_value(jr_crockford_check(v));
}

/* Every single substitution (10 positions x 31 other symbols) and every
 * adjacent transposition (9 neighbour pairs) of one code. Returns how many
 * were tried. */
static unsigned every_error_of(uint64_t v)
{
	unsigned d[10], e[10], tried = 0;

	code_digits(v, d);
	assert_int_equal(ref_fold(d, 10), 0);
	assert_int_equal(lib_fold10(d), 0);
	for (unsigned p = 0; p < 10; p++)
		for (unsigned a = 0; a < 32; a++) {
			if (a == d[p])
				continue;
			memcpy(e, d, sizeof e);
			e[p] = a;
			assert_int_not_equal(lib_fold10(e), 0);
			tried++;
		}
	for (unsigned p = 0; p + 1 < 10; p++) {
		if (d[p] == d[p + 1])
			continue;
		memcpy(e, d, sizeof e);
		e[p] = d[p + 1];
		e[p + 1] = d[p];
		assert_int_not_equal(lib_fold10(e), 0);
		tried++;
	}
	return tried;
}

/* Direct, on whole codes. Exhaustive for every code whose first six data
 * symbols are 0 (all 32^3 values of the last three: each with every
 * substitution and transposition at all ten positions), and a sample of
 * 20,000 random 45-bit codes; all 2^45 codes are out of reach, which is
 * why the quasigroup tests above carry the proof. */
static void crockford_check_catches_every_substitution_and_transposition(void **state)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);
	unsigned long tried = 0;

	(void)state;
	for (uint64_t v = 0; v < 32 * 32 * 32; v++)
		tried += every_error_of(v);
	for (unsigned n = 0; n < 20000; n++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		tried += every_error_of(x >> 19);
	}
	assert_true(tried > (32768UL + 20000UL) * 310UL);
}

static void crockford_round_trips_many_values(void **state)
{
	uint64_t x = UINT64_C(0x9e3779b97f4a7c15);

	(void)state;
	for (unsigned i = 0; i < 5000; i++) {
		unsigned bits = 5 * (1 + i % 12);
		uint64_t mask = (UINT64_C(1) << bits) - 1;
		uint64_t v;
		char out[16];

		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v = x & mask;
		jr_crockford_encode(v, bits, out);
		assert_int_equal(strlen(out), bits / 5);
		expect_crock_decodes(out, v, bits / 5);
	}
}

static void crockford_decode_folds_lowercase(void **state)
{
	static const char lower[] = "abcdefghjkmnpqrstvwxyz";

	(void)state;
	expect_crock_decodes("16j", 1234, 3);
	expect_crock_decodes("zzzz", 0xfffff, 4);
	for (size_t i = 0; i < sizeof lower - 1; i++) {
		char s[2] = { lower[i], '\0' };
		const char *up = strchr(crock_symbols, lower[i] - 'a' + 'A');
		assert_non_null(up);
		expect_crock_decodes(s, (uint64_t)(up - crock_symbols), 1);
	}
}

static void crockford_decode_reads_look_alikes_as_digits(void **state)
{
	(void)state;
	expect_crock_decodes("I", 1, 1);
	expect_crock_decodes("i", 1, 1);
	expect_crock_decodes("L", 1, 1);
	expect_crock_decodes("l", 1, 1);
	expect_crock_decodes("O", 0, 1);
	expect_crock_decodes("o", 0, 1);
	expect_crock_decodes("I6J", 1234, 3);
	expect_crock_decodes("l6j", 1234, 3);
	expect_crock_decodes("OO16J", 1234, 5);
	expect_crock_decodes("oOIl", 0x21, 4);
}

static void crockford_decode_skips_dashes_and_spaces(void **state)
{
	(void)state;
	expect_crock_decodes("1-6-J", 1234, 3);
	expect_crock_decodes(" 16J ", 1234, 3);
	expect_crock_decodes("--1 6  J--", 1234, 3);
	expect_crock_decodes("ZZZZ-ZZZZ-ZZZZ", (UINT64_C(1) << 60) - 1, 12);
	expect_crock_decodes("0000 0000 0001", 1, 12);
}

static void crockford_decode_rejects_characters_that_are_not_symbols(void **state)
{
	static const char *bad[] = {
		"U", "u", "16U", "*", "~", "$", "=", "16J*", "16J=",
		"16_J", "16.J", "16\tJ", "16\nJ", "1+6", "#", "16J!", "é",
		"\xff", "\x80", "16/J", ":",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_crock_rejected(bad[i], JR_EFORMAT);
	expect_crock_rejected_len("16\0J", 4, JR_EFORMAT);
}

static void crockford_decode_rejects_every_byte_outside_the_symbol_set(void **state)
{
	static const char ok[] =
		"0123456789ABCDEFGHJKMNPQRSTVWXYZabcdefghjkmnpqrstvwxyzIiLlOo";
	unsigned rejected = 0;

	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		char s[2] = { (char)c, '7' };
		if (c != 0 && (memchr(ok, (int)c, sizeof ok - 1) || c == '-' ||
		    c == ' '))
			continue;
		expect_crock_rejected_len(s, 2, JR_EFORMAT);
		rejected++;
	}
	assert_int_equal(rejected, 256 - (sizeof ok - 1) - 2);
}

static void crockford_decode_rejects_more_than_twelve_symbols(void **state)
{
	(void)state;
	expect_crock_rejected("0000000000000", JR_ETOOBIG);
	expect_crock_rejected("ZZZZZZZZZZZZZ", JR_ETOOBIG);
	expect_crock_rejected("ZZZZ-ZZZZ-ZZZZ-Z", JR_ETOOBIG);
	expect_crock_rejected("000000000000000000000000000001", JR_ETOOBIG);
}

static void crockford_decode_rejects_input_without_symbols(void **state)
{
	(void)state;
	expect_crock_rejected("", JR_EFORMAT);
	expect_crock_rejected("-", JR_EFORMAT);
	expect_crock_rejected(" - - ", JR_EFORMAT);
}

static void crockford_decode_rejects_null_arguments(void **state)
{
	uint64_t v = 5;
	unsigned n = 5;

	(void)state;
	assert_int_equal(jr_crockford_decode(NULL, 3, &v, &n), JR_EINVAL);
	assert_int_equal(v, 0);
	assert_int_equal(n, 0);
	assert_int_equal(jr_crockford_decode("16J", 3, NULL, &n), JR_EINVAL);
	assert_int_equal(jr_crockford_decode("16J", 3, &v, NULL), JR_EINVAL);
}

static void crockford_decode_reads_only_slen_characters(void **state)
{
	(void)state;
	expect_crock_rejected_len("16J", 0, JR_EFORMAT);
	{
		uint64_t v = 0;
		unsigned n = 0;
		assert_int_equal(jr_crockford_decode("16J#garbage", 3, &v, &n),
			JR_OK);
		assert_int_equal(v, 1234);
		assert_int_equal(n, 3);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(base45_encodes_the_rfc9285_vectors),
		cmocka_unit_test(base45_decodes_the_rfc9285_ietf_example),
		cmocka_unit_test(base45_rejects_the_rfc9285_invalid_example_ggw),
		cmocka_unit_test(base45_accepts_the_largest_triple_and_pair),
		cmocka_unit_test(base45_rejects_a_pair_over_255),
		cmocka_unit_test(base45_rejects_a_triple_over_65535),
		cmocka_unit_test(base45_rejects_a_dangling_single_character),
		cmocka_unit_test(base45_rejects_lowercase_letters),
		cmocka_unit_test(base45_rejects_characters_outside_the_alphabet),
		cmocka_unit_test(base45_rejects_every_byte_that_is_not_in_the_alphabet),
		cmocka_unit_test(base45_rejects_an_embedded_nul),
		cmocka_unit_test(base45_rejects_a_bad_character_at_every_position),
		cmocka_unit_test(base45_decode_fails_when_the_output_is_too_small),
		cmocka_unit_test(base45_decode_rejects_null_arguments),
		cmocka_unit_test(base45_round_trips_the_empty_string),
		cmocka_unit_test(base45_round_trips_every_two_byte_value),
		cmocka_unit_test(base45_round_trips_every_single_byte),
		cmocka_unit_test(base45_round_trips_buffers_of_every_length_to_200),
		cmocka_unit_test(base45_output_uses_only_the_qr_alphanumeric_set),
		cmocka_unit_test(crockford_encodes_known_values),
		cmocka_unit_test(crockford_encode_ignores_bits_above_the_count),
		cmocka_unit_test(crockford_encode_writes_nothing_for_a_bad_bit_count),
		cmocka_unit_test(gf32_reference_is_a_field_multiplication),
		cmocka_unit_test(damm32_is_twice_the_left_operand_xor_the_right),
		cmocka_unit_test(damm32_is_a_quasigroup),
		cmocka_unit_test(damm32_is_totally_anti_symmetric),
		cmocka_unit_test(damm32_also_catches_twin_errors_and_jump_transpositions),
		cmocka_unit_test(crockford_check_matches_known_values),
		cmocka_unit_test(crockford_check_is_a_symbol_that_brings_the_interim_to_zero),
		cmocka_unit_test(crockford_check_catches_every_substitution_and_transposition),
		cmocka_unit_test(crockford_round_trips_many_values),
		cmocka_unit_test(crockford_decode_folds_lowercase),
		cmocka_unit_test(crockford_decode_reads_look_alikes_as_digits),
		cmocka_unit_test(crockford_decode_skips_dashes_and_spaces),
		cmocka_unit_test(crockford_decode_rejects_characters_that_are_not_symbols),
		cmocka_unit_test(crockford_decode_rejects_every_byte_outside_the_symbol_set),
		cmocka_unit_test(crockford_decode_rejects_more_than_twelve_symbols),
		cmocka_unit_test(crockford_decode_rejects_input_without_symbols),
		cmocka_unit_test(crockford_decode_rejects_null_arguments),
		cmocka_unit_test(crockford_decode_reads_only_slen_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
