/*
 * Allocation fault injection for test_faults (faultalloc.h). The __wrap_*
 * functions exist only because test_faults links with -Wl,--wrap=…; each
 * reaches the real function through its __real_* name.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>
#include <sqlite3.h>
#include <zbar.h>

#include "testutil.h"
#include "faultalloc.h"

/* Runs past this many faults mean the operation never finishes: a bug. */
#define SWEEP_MAX 100000ul
/* Blocks allocated while armed and still held; far above any one operation. */
#define LIVE_MAX 16384

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__real_sodium_malloc(size_t n);
void __real_sodium_free(void *p);

static struct {
	bool armed;
	unsigned sources;
	unsigned long nth;   /* 0: count only */
	unsigned long calls;
	bool fired;
	size_t nlive;
	void *live[LIVE_MAX];
} fa;

/* True when this call must fail. */
static bool fault_now(unsigned source)
{
	if (!fa.armed || (fa.sources & source) == 0)
		return false;
	fa.calls++;
	if (fa.nth == 0 || fa.calls != fa.nth)
		return false;
	fa.fired = true;
	errno = ENOMEM;
	return true;
}

static void live_add(void *p)
{
	if (fa.nlive == LIVE_MAX) {
		fprintf(stderr, "faultalloc: more than %d live blocks\n", LIVE_MAX);
		abort();
	}
	fa.live[fa.nlive++] = p;
}

static void track(void *p)
{
	if (p != NULL && fa.armed)
		live_add(p);
}

/* Forgets p; true if it was tracked. */
static bool untrack(const void *p)
{
	size_t i;

	if (p == NULL)
		return false;
	for (i = 0; i < fa.nlive; i++)
		if (fa.live[i] == p) {
			fa.live[i] = fa.live[--fa.nlive];
			return true;
		}
	return false;
}

void jr_fault_arm(unsigned long n, unsigned sources)
{
	fa.armed = true;
	fa.sources = sources;
	fa.nth = n;
	fa.calls = 0;
	fa.fired = false;
	fa.nlive = 0;
}

void jr_fault_disarm(void)
{
	fa.armed = false;
}

unsigned long jr_fault_calls(void)
{
	return fa.calls;
}

bool jr_fault_fired(void)
{
	return fa.fired;
}

long jr_fault_live(void)
{
	return (long)fa.nlive;
}

/* ---- the malloc family and libsodium's guarded allocations ---- */

void *__wrap_malloc(size_t n)
{
	void *p;

	if (fault_now(JR_FAULT_LIB))
		return NULL;
	p = __real_malloc(n);
	track(p);
	return p;
}

void *__wrap_calloc(size_t n, size_t size)
{
	void *p;

	if (fault_now(JR_FAULT_LIB))
		return NULL;
	p = __real_calloc(n, size);
	track(p);
	return p;
}

/* A failed realloc leaves the old block as it was; a block keeps being
 * tracked (or not) across a move. */
void *__wrap_realloc(void *p, size_t n)
{
	bool tracked = p == NULL ? fa.armed : untrack(p);
	void *q;

	q = fault_now(JR_FAULT_LIB) ? NULL : __real_realloc(p, n);
	if (tracked && (q != NULL || p != NULL))
		live_add(q != NULL ? q : p);
	return q;
}

void __wrap_free(void *p)
{
	untrack(p);
	__real_free(p);
}

void *__wrap_sodium_malloc(size_t n)
{
	void *p;

	if (fault_now(JR_FAULT_LIB))
		return NULL;
	p = __real_sodium_malloc(n);
	track(p);
	return p;
}

void __wrap_sodium_free(void *p)
{
	untrack(p);
	__real_sodium_free(p);
}

/* ---- constructors of library objects that fail only for want of memory ----
 * Their objects are freed inside the libraries, so they count as faults but
 * are not tracked as blocks. */

QRinput *__real_QRinput_new2(int version, QRecLevel level);
QRinput *__wrap_QRinput_new2(int version, QRecLevel level);
int __real_QRinput_append(QRinput *in, QRencodeMode mode, int size,
	const unsigned char *data);
int __wrap_QRinput_append(QRinput *in, QRencodeMode mode, int size,
	const unsigned char *data);
QRcode *__real_QRcode_encodeInput(QRinput *in);
QRcode *__wrap_QRcode_encodeInput(QRinput *in);
png_structp __real_png_create_write_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn);
png_structp __wrap_png_create_write_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn);
png_structp __real_png_create_read_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn);
png_structp __wrap_png_create_read_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn);
png_infop __real_png_create_info_struct(png_const_structrp png);
png_infop __wrap_png_create_info_struct(png_const_structrp png);
zbar_image_scanner_t *__real_zbar_image_scanner_create(void);
zbar_image_scanner_t *__wrap_zbar_image_scanner_create(void);
zbar_image_t *__real_zbar_image_create(void);
zbar_image_t *__wrap_zbar_image_create(void);

QRinput *__wrap_QRinput_new2(int version, QRecLevel level)
{
	return fault_now(JR_FAULT_LIB) ? NULL : __real_QRinput_new2(version, level);
}

int __wrap_QRinput_append(QRinput *in, QRencodeMode mode, int size,
	const unsigned char *data)
{
	return fault_now(JR_FAULT_LIB) ? -1 :
		__real_QRinput_append(in, mode, size, data);
}

QRcode *__wrap_QRcode_encodeInput(QRinput *in)
{
	return fault_now(JR_FAULT_LIB) ? NULL : __real_QRcode_encodeInput(in);
}

png_structp __wrap_png_create_write_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn)
{
	return fault_now(JR_FAULT_LIB) ? NULL :
		__real_png_create_write_struct(ver, err, efn, wfn);
}

png_structp __wrap_png_create_read_struct(png_const_charp ver, png_voidp err,
	png_error_ptr efn, png_error_ptr wfn)
{
	return fault_now(JR_FAULT_LIB) ? NULL :
		__real_png_create_read_struct(ver, err, efn, wfn);
}

png_infop __wrap_png_create_info_struct(png_const_structrp png)
{
	return fault_now(JR_FAULT_LIB) ? NULL : __real_png_create_info_struct(png);
}

zbar_image_scanner_t *__wrap_zbar_image_scanner_create(void)
{
	return fault_now(JR_FAULT_LIB) ? NULL : __real_zbar_image_scanner_create();
}

zbar_image_t *__wrap_zbar_image_create(void)
{
	return fault_now(JR_FAULT_LIB) ? NULL : __real_zbar_image_create();
}

/* ---- SQLite: its pluggable allocator, around the default one ---- */

static sqlite3_mem_methods sqlite_real;

static void *sqlite_malloc(int n)
{
	return fault_now(JR_FAULT_SQLITE) ? NULL : sqlite_real.xMalloc(n);
}

static void *sqlite_realloc(void *p, int n)
{
	return fault_now(JR_FAULT_SQLITE) ? NULL : sqlite_real.xRealloc(p, n);
}

int jr_fault_sqlite_install(void)
{
	static sqlite3_mem_methods m;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_real) != SQLITE_OK)
		return -1;
	m = sqlite_real;
	m.xMalloc = sqlite_malloc;
	m.xRealloc = sqlite_realloc;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -1;
}

/* ---- the sweep ---- */

/* Where a sweep stands, for jr_fault_where() when an assertion in a
 * callback ends the test early. */
static char where[256];

const char *jr_fault_where(void)
{
	return where[0] != '\0' ? where : NULL;
}

/* One attempt with the nth allocation failing; true when it ran clean. */
static bool sweep_one(const struct jr_fault_case *c, unsigned long n)
{
	bool fired;
	int rc;

	if (snprintf(where, sizeof where, "%s, allocation %lu failing", c->name,
	    n) < 0)
		where[0] = '\0';
	if (c->before != NULL)
		c->before(c->ctx);
	jr_fault_arm(n, c->sources != 0 ? c->sources : JR_FAULT_LIB);
	rc = c->op(c->ctx);
	fired = jr_fault_fired();
	jr_fault_disarm();
	if (fired && rc != JR_OK) {
		if (rc != JR_ENOMEM)
			fail_msg("%s: allocation %lu failing gave %s, not out of "
				"memory (%s)", c->name, n, jr_strerror(rc),
				c->eb != NULL ? c->eb->msg : "no message");
		if (c->failed != NULL)
			c->failed(c->ctx, rc);
	} else {
		if (rc != JR_OK)
			fail_msg("%s: failed with %s although no allocation failed "
				"(run %lu: %s)", c->name, jr_strerror(rc), n,
				c->eb != NULL ? c->eb->msg : "no message");
		c->done(c->ctx);
	}
	if (jr_fault_live() != 0)
		fail_msg("%s: allocation %lu failing left %ld blocks allocated: "
			"a leak", c->name, n, jr_fault_live());
	return !fired;
}

unsigned long jr_fault_sweep(const struct jr_fault_case *c)
{
	unsigned long n;

	for (n = 1; n <= SWEEP_MAX; n++)
		if (sweep_one(c, n)) {
			where[0] = '\0';
			return n - 1;
		}
	fail_msg("%s: still failing after %lu allocations", c->name, SWEEP_MAX);
	return 0;
}
