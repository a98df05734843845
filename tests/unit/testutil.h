/* Helpers shared by the cmocka unit tests. */
#ifndef JR_TESTUTIL_H
#define JR_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "jaring/common.h"
#include "jaring/keys.h"
#include "jaring/seal.h"

#ifdef __clang_analyzer__
/* For clang-tidy only: a failed cmocka check longjmps out of the test, but
 * cmocka 1.1.5 declares neither fail() nor assert_true() and its kin
 * (assert_false, assert_null, assert_non_null) noreturn, so the analyser
 * followed paths past a failure. These say that a failure ends the test. */
#undef fail
#define fail() (_fail(__FILE__, __LINE__), __builtin_unreachable())
#define _assert_true(result, expression, file, line) \
	((result) ? (void)0 : (_fail((file), (line)), __builtin_unreachable()))
#endif

/* A fresh empty directory under $JR_TEST_TMP (or /tmp), unique to this call;
 * returns a static-lifetime string owned by testutil (freed at exit). */
const char *jr_test_dir(const char *name);
/* snprintf into a fixed buffer, failing the test on truncation. */
void jr_test_path(char *out, size_t outlen, const char *dir, const char *file);
/* Parses lowercase/uppercase hex (whitespace ignored) into out. */
size_t jr_test_unhex(const char *hex, uint8_t *out, size_t outmax);
/* Reads a file under the source tree into malloc'd memory (NUL-terminated). */
char *jr_test_read_source(const char *relpath, size_t *len);
/* A key from a seed of 32 bytes all equal to `fill` (the worked examples
 * use 1 for the kiosk, 2 for the consortium); fails the test on error. */
struct jr_key *jr_test_key(enum jr_role role, uint8_t fill);
/* The deterministic sealing epoch of docs/formats.md (ephemeral secret of
 * 32 x 03, nonce seed of 32 x 04) to `consortium`'s box key. */
struct jr_seal_epoch *jr_test_epoch(const struct jr_key *consortium, int64_t now);
/* The text of the fenced block (``` … ```) that follows the line `marker`
 * in a document of the source tree, malloc'd; fails the test if missing. */
char *jr_test_doc_block(const char *relpath, const char *marker);
/* Deterministic bytes for tests. */
void jr_test_fill(uint8_t *p, size_t n, uint32_t seed);

#endif
