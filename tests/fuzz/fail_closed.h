/*
 * tests/fuzz/fail_closed.h — the fail-closed check every fuzz target makes
 * of a decoder that refused its input: the output it was given is all zero
 * (STYLE.md "Fail closed").
 */
#ifndef JR_FUZZ_FAIL_CLOSED_H
#define JR_FUZZ_FAIL_CLOSED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

#endif
