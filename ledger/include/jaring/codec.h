/*
 * jaring/codec.h — text encodings for things people and scanners read.
 *
 * Base45 (RFC 9285): the alphabet is exactly the QR alphanumeric set, so a
 * Base45 string fills an alphanumeric-mode QR and every scanner returns it
 * byte-exact.
 *
 * Crockford base32 (https://www.crockford.com/base32.html): digits and
 * letters without I, L, O, U. Decoding folds case, reads I and L as 1 and O as
 * 0, and ignores '-' and spaces. The check symbol is the value mod 37 drawn
 * from the 32 symbols plus "*~$=U".
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
/* Check symbol for v (mod 37). */
JR_API char jr_crockford_check(uint64_t v);
/* Decodes symbols (folding case and look-alikes, skipping '-' and ' ')
 * into v; *nsym gets how many symbols were read. */
JR_API int jr_crockford_decode(const char *s, size_t slen, uint64_t *v,
	unsigned *nsym) JR_MUST_CHECK;

#endif
