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

static const char crock_check_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";

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
		assert_int_equal(out[0], crock_check_alphabet[i]);
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

static void crockford_check_symbol_is_the_value_mod_37(void **state)
{
	(void)state;
	for (uint64_t v = 0; v < 37; v++)
		assert_int_equal(jr_crockford_check(v), crock_check_alphabet[v]);
	assert_int_equal(jr_crockford_check(32), '*');
	assert_int_equal(jr_crockford_check(33), '~');
	assert_int_equal(jr_crockford_check(34), '$');
	assert_int_equal(jr_crockford_check(35), '=');
	assert_int_equal(jr_crockford_check(36), 'U');
	assert_int_equal(jr_crockford_check(37), '0');
	assert_int_equal(jr_crockford_check(1234), 'D');       /* 1234 % 37 = 13 */
	assert_int_equal(jr_crockford_check(UINT64_MAX), 'B'); /* % 37 = 11 */
	assert_int_equal(jr_crockford_check((UINT64_C(1) << 60) - 1), '9');
}

static void crockford_check_catches_every_single_symbol_change(void **state)
{
	uint64_t base = UINT64_C(0x0123456789abcde);

	(void)state;
	/* Changing one 5-bit symbol changes the value by d * 32^k with
	 * 0 < |d| < 32; 37 is prime and divides neither, so the check moves. */
	for (unsigned k = 0; k < 12; k++) {
		for (uint64_t d = 0; d < 32; d++) {
			uint64_t mask = UINT64_C(31) << (5 * k);
			uint64_t v = (base & ~mask) | (d << (5 * k));
			if (v == base)
				continue;
			assert_int_not_equal(jr_crockford_check(v),
				jr_crockford_check(base));
		}
	}
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
		const char *up = strchr(crock_check_alphabet, lower[i] - 'a' + 'A');
		assert_non_null(up);
		expect_crock_decodes(s, (uint64_t)(up - crock_check_alphabet), 1);
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
		cmocka_unit_test(crockford_check_symbol_is_the_value_mod_37),
		cmocka_unit_test(crockford_check_catches_every_single_symbol_change),
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
