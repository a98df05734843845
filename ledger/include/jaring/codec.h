/*
 * jaring/codec.h — text encodings for things people and scanners read.
 *
 * Base45 (RFC 9285): the alphabet is exactly the QR alphanumeric set, so a
 * Base45 string fills an alphanumeric-mode QR and every scanner returns it
 * byte-exact.
 *
 * Crockford base32: the 32 symbols "0123456789ABCDEFGHJKMNPQRSTVWXYZ" for
 * the values 0..31 (digits and letters without I, L, O and U). Decoding
 * folds lower case to upper case, reads I and L as 1 and O as 0, and ignores
 * '-' and ' '; every other character is refused, U included (Crockford's
 * own scheme uses U as a check symbol; ours does not).
 *
 * Check symbol: Damm's algorithm over a totally anti-symmetric quasigroup of
 * order 32, so the check is itself one of the 32 symbols. The field is
 * GF(2^5) with the polynomial x^5 + x^2 + 1; a value 0..31 is the
 * polynomial whose coefficient of x^i is bit i. The operation is
 *     a o b = (2 * a) XOR b
 * where the LEFT operand a (the running interim) is multiplied by the field
 * element 2 (the polynomial x): shift a left by one bit and, if bit 5 is
 * then set, XOR the result with 0x25 (binary 100101). The interim starts at
 * 0 and takes each symbol value d in turn, most significant symbol first:
 * interim = interim o d. The check symbol is the c with interim o c = 0,
 * that is c = 2 * interim; a code followed by its check symbol is valid
 * exactly when the interim over all its symbols is 0. Because 0 o 0 = 0,
 * leading zero symbols do not change the interim, so the check of a value
 * does not depend on how many leading zeros are written.
 *
 * Why it detects what it claims: for a fixed a, b -> a o b is a bijection,
 * and for a fixed b, a -> a o b is one too (2 is invertible), so one changed
 * symbol changes the interim at its position and every interim after it;
 * and (c o a) o b = (c o b) o a means 3 * (a XOR b) = 0, so a = b: a swap of
 * two different neighbours (the check symbol included) always changes the
 * interim. tests/unit/test_codec.c checks both for every c, a and b.
 */
#ifndef JARING_CODEC_H
#define JARING_CODEC_H

#include "common.h"

/* Length of the Base45 text for n bytes (no NUL). */
JR_API size_t jr_base45_len(size_t n);
/* Writes jr_base45_len(n) characters and a NUL; out has room for that + 1. */
JR_API void jr_base45_encode(const uint8_t *p, size_t n, char *out);
/* Decodes into out (room for outmax bytes). Fails closed: on error *outlen
 * is 0 and out is zeroed. Rejects characters outside the alphabet, a
 * dangling single character, and triples or pairs whose value exceeds
 * 65535 or 255 (RFC 9285 §4). */
JR_API int jr_base45_decode(const char *s, size_t slen, uint8_t *out,
	size_t outmax, size_t *outlen) JR_MUST_CHECK;

/* Encodes the low `bits` bits of v (bits a multiple of 5, at most 60) as
 * bits/5 Crockford symbols, most significant first; out gets a NUL. */
JR_API void jr_crockford_encode(uint64_t v, unsigned bits, char *out);
/* The quasigroup operation above: x o y for x, y in 0..31 (higher bits of
 * either are ignored). */
JR_API unsigned jr_damm32(unsigned x, unsigned y);
/* The interim after the 13 base-32 digits of v (5 bits each, most
 * significant first, the top digit having 4 bits), starting from 0. */
JR_API unsigned jr_damm32_interim(uint64_t v);
/* Check symbol (one of the 32) for the digits of v: the symbol c with
 * jr_damm32(jr_damm32_interim(v), c) == 0. */
JR_API char jr_crockford_check(uint64_t v);
/* Decodes symbols (folding case and look-alikes, skipping '-' and ' ')
 * into v; *nsym gets how many symbols were read. */
JR_API int jr_crockford_decode(const char *s, size_t slen, uint64_t *v,
	unsigned *nsym) JR_MUST_CHECK;

#endif
