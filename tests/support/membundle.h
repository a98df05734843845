/* A bundle in memory, for the tests and fuzz targets that write a bundle
 * and read it back without a file: a growing buffer behind a
 * jr_bundle_sink, and a jr_bundle_source over bytes. Out of memory, or a
 * writer that breaks the sink contract of jaring/bundle.h (body before the
 * header placeholder, a header of another size), aborts: a test must not
 * go on past either. */
#ifndef JR_TEST_MEMBUNDLE_H
#define JR_TEST_MEMBUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "jaring/bundle.h"

struct jr_test_mem {
	uint8_t *p;
	size_t len, cap;
};

/* A sink appending to m (which starts zeroed, or emptied by
 * jr_test_mem_free). */
struct jr_bundle_sink jr_test_mem_sink(struct jr_test_mem *m);
void jr_test_mem_free(struct jr_test_mem *m);
/* Room for n bytes in all (m->len unchanged). */
void jr_test_mem_reserve(struct jr_test_mem *m, size_t n);

struct jr_test_src {
	const uint8_t *p;
	size_t len, off;
};

/* A source reading p[0..len) from the start; s holds the position. */
struct jr_bundle_source jr_test_mem_source(struct jr_test_src *s, const uint8_t *p,
	size_t len);

#endif
