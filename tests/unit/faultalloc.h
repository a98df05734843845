/*
 * faultalloc.h — allocation fault injection for test_faults: fail the Nth
 * allocation, for N = 1, 2, 3, … until an operation runs with no failure
 * (curl's torture mode, raft's heap fault).
 *
 * Where the faults come from. test_faults is linked with GNU ld's --wrap
 * (tests/CMakeLists.txt), which sends every undefined reference to malloc,
 * calloc, realloc, free, sodium_malloc, sodium_free and a few allocating
 * constructors of libqrencode, libpng and libzbar, made by the objects linked
 * into that one executable — including the objects pulled from the static
 * libjaring.a — to the __wrap_* functions below. So every allocation
 * libjaring's own code makes, and every library object it asks for, can be
 * made to fail. Allocations *inside* the shared libraries (libcbor, libpng's
 * row buffers, libsodium's Argon2id arena, glibc's stdio) are not wrapped;
 * SQLite's are reached instead through its own hook (SQLITE_CONFIG_MALLOC,
 * source JR_FAULT_SQLITE), which SQLite's own test suite uses the same way.
 *
 * Counting. While armed, each call from an enabled source counts; the Nth
 * one fails (returns NULL, errno ENOMEM) and every later one succeeds, so a
 * sweep sees one fault per run, at every allocation point in turn. Blocks
 * that the wrapped malloc family and sodium_malloc hand out while armed are
 * remembered until freed: jr_fault_live() is how many are still held, so a
 * leak shows up at the very N that caused it, in the plain build as well as
 * under LeakSanitizer. The harness is single-threaded, like libjaring's
 * callers in the tests.
 */
#ifndef JR_FAULTALLOC_H
#define JR_FAULTALLOC_H

#include <stdbool.h>
#include <stddef.h>

#include "jaring/common.h"

/* Which allocations count (and may fail). */
#define JR_FAULT_LIB 1u    /* libjaring: malloc family, sodium_malloc, library constructors */
#define JR_FAULT_SQLITE 2u /* SQLite's allocator, see jr_fault_sqlite_install */

/* Starts counting calls from `sources`; the nth (n >= 1) fails, n = 0 only
 * counts. Resets the call count and the live-block tracking. */
void jr_fault_arm(unsigned long n, unsigned sources);
/* Stops counting and failing. Frees are still tracked afterwards. */
void jr_fault_disarm(void);
/* Calls counted since the last arm. */
unsigned long jr_fault_calls(void);
/* Whether the armed failure was delivered. */
bool jr_fault_fired(void);
/* Blocks allocated while armed and not freed yet. */
long jr_fault_live(void);

/* Puts the counting allocator under SQLite. Must run before anything calls
 * into SQLite (sqlite3_config is refused after sqlite3_initialize). */
int jr_fault_sqlite_install(void);

/*
 * One operation to sweep. For each N: before() sets up a fresh attempt with
 * nothing armed; op() runs with the Nth allocation failing; then, unarmed,
 * failed(rc) checks a run whose fault was delivered (rc is JR_ENOMEM
 * already; zeroed outputs, state as before) and done() a run that completed without a fault
 * (the result equals a normal run's). Both release what the attempt holds;
 * afterwards no block allocated during op() may still be live. A run whose
 * fault was delivered but that returned JR_OK (it recovered) goes to done().
 */
struct jr_fault_case {
	const char *name;
	void *ctx;
	unsigned sources;    /* 0 means JR_FAULT_LIB */
	const struct jr_errbuf *eb; /* op()'s message, shown when a code is wrong */
	void (*before)(void *ctx);          /* may be NULL */
	int (*op)(void *ctx);
	void (*failed)(void *ctx, int rc);  /* may be NULL */
	void (*done)(void *ctx);
};

/* Runs the sweep; returns how many runs had a fault delivered (the number
 * of allocation points the operation reached). */
unsigned long jr_fault_sweep(const struct jr_fault_case *c);

/* The sweep and attempt an assertion ended early ("jr_png_write, allocation
 * 3 failing"), NULL when no sweep was interrupted; for test teardowns. A
 * sweep that ran to its end clears it. */
const char *jr_fault_where(void);

/* The wrappers, declared for -Wmissing-prototypes; only the linker calls them. */
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);
void *__wrap_sodium_malloc(size_t n);
void __wrap_sodium_free(void *p);

#endif
