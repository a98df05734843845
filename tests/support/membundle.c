#include "membundle.h"

#include <stdlib.h>
#include <string.h>

void jr_test_mem_reserve(struct jr_test_mem *m, size_t n)
{
	uint8_t *np;
	size_t cap;

	if (n <= m->cap)
		return;
	cap = n > 2 * m->cap ? n : 2 * m->cap;
	if ((np = realloc(m->p, cap)) == NULL)
		abort();
	m->p = np;
	m->cap = cap;
}

static int mem_append(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct jr_test_mem *m = ctx;

	(void)eb;
	if (m->len < JR_BUNDLE_HEADER_BYTES)
		abort(); /* the writer puts the header placeholder first */
	jr_test_mem_reserve(m, m->len + n);
	memcpy(m->p + m->len, p, n);
	m->len += n;
	return JR_OK;
}

static int mem_header(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct jr_test_mem *m = ctx;

	(void)eb;
	if (n != JR_BUNDLE_HEADER_BYTES)
		abort();
	jr_test_mem_reserve(m, n);
	if (m->len < n)
		m->len = n;
	memcpy(m->p, p, n);
	return JR_OK;
}

struct jr_bundle_sink jr_test_mem_sink(struct jr_test_mem *m)
{
	return (struct jr_bundle_sink){ mem_append, mem_header, NULL, m };
}

void jr_test_mem_free(struct jr_test_mem *m)
{
	free(m->p);
	memset(m, 0, sizeof *m);
}

static int src_read(void *ctx, uint8_t *p, size_t n, size_t *got, struct jr_errbuf *eb)
{
	struct jr_test_src *s = ctx;
	size_t k = s->len - s->off < n ? s->len - s->off : n;

	(void)eb;
	if (k > 0)
		memcpy(p, s->p + s->off, k);
	s->off += k;
	*got = k;
	return JR_OK;
}

struct jr_bundle_source jr_test_mem_source(struct jr_test_src *s, const uint8_t *p,
	size_t len)
{
	s->p = p;
	s->len = len;
	s->off = 0;
	return (struct jr_bundle_source){ src_read, s };
}
