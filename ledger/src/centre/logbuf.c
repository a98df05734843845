/*
 * logbuf.c — the transparency log's writes of one entry, buffered (docs/centre.md
 * "State file"). Appending a leaf writes its leaf row and 1 + (trailing ones
 * of its index) subtree hashes, and reads as many left siblings. Here the
 * reads come from the frontier (the last hash written at each level, which is
 * exactly the sibling an append or a root needs) and the rows are written
 * before the entry's state hash, instead of one statement per row: the
 * leaves BATCH rows per statement, the hashes one statement per run of
 * tlog_run (a level's hashes in runs of 64, as jr_tlog_sqlstore_open makes
 * the table and the node's own store reads it; tlog/sqlstore.c).
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "tlog/tlog_int.h"

#define BATCH 64
#define FLUSH_AT 8192 /* rows buffered before a flush mid-entry */

/* "INSERT INTO leaf VALUES(?,?),(?,?),..." with BATCH rows, into q. */
static void sql_multi(char q[64 + BATCH * 8])
{
	static const char row[] = "(?,?),", head[] = "INSERT INTO leaf VALUES ";
	size_t i, n = sizeof row - 1, at = sizeof head - 1;

	memcpy(q, head, at);
	for (i = 0; i < BATCH; i++, at += n)
		memcpy(q + at, row, n);
	q[at - 1] = '\0';
}

int jr_centre_logbuf_prepare(struct jr_centre *c)
{
	char q[64 + BATCH * 8];

	sql_multi(q);
	if (sqlite3_prepare_v3(c->db, q, -1, SQLITE_PREPARE_PERSISTENT, &c->lb.multi,
		NULL) != SQLITE_OK || sqlite3_prepare_v3(c->db, "INSERT INTO leaf VALUES(?1, ?2)",
		-1, SQLITE_PREPARE_PERSISTENT, &c->lb.one, NULL) != SQLITE_OK)
		return JR_EIO;
	return jr_tlog_run_prepare(c->db, &c->lb.run_put, &c->lb.run_add);
}

void jr_centre_logbuf_free(struct jr_centre *c)
{
	(void)sqlite3_finalize(c->lb.multi);
	(void)sqlite3_finalize(c->lb.one);
	(void)sqlite3_finalize(c->lb.run_put);
	(void)sqlite3_finalize(c->lb.run_add);
	free(c->lb.hash);
	free(c->lb.sorted);
	free(c->lb.leaf);
	free(c->lb.bytes);
	memset(&c->lb, 0, sizeof c->lb);
}

void jr_centre_logbuf_discard(struct jr_centre *c)
{
	c->lb.n_hash = c->lb.n_leaf = c->lb.n_bytes = 0;
	memset(c->lb.front, 0, sizeof c->lb.front);
}

static int step_reset(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	(void)sqlite3_reset(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static void bind_leaf(const struct jr_centre *c, sqlite3_stmt *st, int at,
	const struct jr_logbuf_leaf *l)
{
	(void)sqlite3_bind_int64(st, at, (sqlite3_int64)l->idx);
	(void)sqlite3_bind_blob(st, at + 1, c->lb.bytes + l->off, (int)l->len, SQLITE_STATIC);
}

/* A replay's flush: the hashes into its scratch store, the leaves kept. */
static int tree_flush(struct jr_centre *c)
{
	struct jr_logbuf *b = &c->lb;
	size_t i;
	int rc = JR_OK;

	for (i = 0; rc == JR_OK && i < b->n_hash; i++)
		rc = c->store->write(c->store->ctx, b->hash[i].level, b->hash[i].idx,
			b->hash[i].hash);
	b->n_hash = 0;
	return rc;
}

void jr_centre_logbuf_forget(struct jr_centre *c)
{
	if (c->fs != NULL)
		c->lb.n_leaf = c->lb.n_bytes = 0;
}

int jr_centre_logbuf_leaf(const struct jr_centre *c, uint64_t index, struct jr_buf *out)
{
	const struct jr_logbuf *b = &c->lb;
	const struct jr_logbuf_leaf *l;

	out->base = NULL;
	out->len = 0;
	if (c->fs == NULL || b->n_leaf == 0 || index < b->leaf[0].idx ||
		index - b->leaf[0].idx >= b->n_leaf)
		return JR_ENOTFOUND;
	l = &b->leaf[index - b->leaf[0].idx];
	out->base = malloc(l->len > 0 ? l->len : 1);
	if (out->base == NULL)
		return JR_ENOMEM;
	if (l->len > 0)
		memcpy(out->base, b->bytes + l->off, l->len);
	out->len = l->len;
	return JR_OK;
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap != 0 ? *cap : 256;
	void *q;

	if (need <= *cap)
		return true;
	while (n < need)
		n *= 2;
	q = realloc(*p, n * size);
	if (q == NULL)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* The buffered hashes in (level, idx) order, stably by level: appends
 * interleave the levels (a leaf's hash, then its parents'), and each
 * level's hashes come in index order, so after this a run of tlog_run is
 * one stretch of the array. Unsorted if the scratch array cannot grow (the
 * flush then writes a statement per stretch, as short as they come). */
static void sort_hashes(struct jr_logbuf *b)
{
	size_t at[65] = { 0 }, i;
	struct jr_logbuf_hash *t;

	if (b->n_hash < 2 ||
	    !grow((void **)&b->sorted, &b->cap_sorted, b->n_hash, sizeof *b->sorted))
		return;
	for (i = 0; i < b->n_hash; i++) {
		if (b->hash[i].level >= 64)
			return;
		at[b->hash[i].level + 1]++;
	}
	for (i = 1; i < 65; i++)
		at[i] += at[i - 1];
	for (i = 0; i < b->n_hash; i++)
		b->sorted[at[b->hash[i].level]++] = b->hash[i];
	t = b->hash;
	b->hash = b->sorted;
	b->sorted = t;
	i = b->cap_hash;
	b->cap_hash = b->cap_sorted;
	b->cap_sorted = i;
}

/* hash[0..*n) of one level and one run, from index first, in order, into
 * run (JR_TLOG_RUN hashes at most). */
static size_t one_run(const struct jr_logbuf_hash *h, size_t n,
	uint8_t run[JR_TLOG_RUN * JR_TLOG_HASH_BYTES])
{
	size_t k = 0;

	do {
		memcpy(run + k * JR_TLOG_HASH_BYTES, h[k].hash, JR_TLOG_HASH_BYTES);
		k++;
	} while (k < n && h[k].level == h[0].level && h[k].idx == h[0].idx + k &&
		h[k].idx % JR_TLOG_RUN != 0);
	return k;
}

int jr_centre_logbuf_flush(struct jr_centre *c)
{
	struct jr_logbuf *b = &c->lb;
	size_t i = 0, j;
	int rc = JR_OK;

	if (c->fs != NULL)
		return tree_flush(c);
	sort_hashes(b);
	while (rc == JR_OK && i < b->n_hash) {
		uint8_t run[JR_TLOG_RUN * JR_TLOG_HASH_BYTES];
		size_t k = one_run(&b->hash[i], b->n_hash - i, run);

		/* the centre's own tree: a run that is not where it must be
		 * is a damaged file */
		rc = jr_tlog_run_put(b->run_put, b->run_add, b->hash[i].level, b->hash[i].idx,
			run, k);
		if (rc == JR_EEXIST || rc == JR_EINVAL)
			rc = JR_ECORRUPT;
		i += k;
	}
	for (i = 0; rc == JR_OK && i + BATCH <= b->n_leaf; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			bind_leaf(c, b->multi, (int)(2 * j + 1), &b->leaf[i + j]);
		rc = step_reset(b->multi);
	}
	for (; rc == JR_OK && i < b->n_leaf; i++) {
		bind_leaf(c, b->one, 1, &b->leaf[i]);
		rc = step_reset(b->one);
	}
	(void)sqlite3_clear_bindings(b->multi);
	b->n_hash = b->n_leaf = b->n_bytes = 0;
	return rc;
}

/* The store jr_tlog_append and jr_tlog_root see while applying. */
static int lb_read(void *ctx, unsigned level, uint64_t index, uint8_t out[JR_TLOG_HASH_BYTES])
{
	struct jr_centre *c = ctx;
	const struct jr_logbuf_front *f;
	int rc;

	if (c == NULL)
		return JR_EINVAL;
	f = level < 64 ? &c->lb.front[level] : NULL;
	if (f != NULL && f->valid && f->idx == index) {
		memcpy(out, f->hash, JR_TLOG_HASH_BYTES);
		return JR_OK;
	}
	rc = jr_centre_logbuf_flush(c); /* so that the table holds every row */
	return rc == JR_OK ? c->store->read(c->store->ctx, level, index, out) : rc;
}

static int lb_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	struct jr_centre *c = ctx;
	struct jr_logbuf *b = &c->lb;
	struct jr_logbuf_hash *h;

	if (level >= 64 || !grow((void **)&b->hash, &b->cap_hash, b->n_hash + 1, sizeof *b->hash))
		return level >= 64 ? JR_EINVAL : JR_ENOMEM;
	h = &b->hash[b->n_hash++];
	h->level = level;
	h->idx = index;
	memcpy(h->hash, hash, JR_TLOG_HASH_BYTES);
	b->front[level].valid = true;
	b->front[level].idx = index;
	memcpy(b->front[level].hash, hash, JR_TLOG_HASH_BYTES);
	return JR_OK;
}

void jr_centre_logbuf_init(struct jr_centre *c)
{
	c->lb.store.ctx = c;
	c->lb.store.read = lb_read;
	c->lb.store.write = lb_write;
}

int jr_centre_log(struct jr_centre *c, const struct jr_buf *leaf)
{
	struct jr_logbuf *b = &c->lb;
	struct jr_logbuf_leaf *l;
	int rc;

	if (!grow((void **)&b->leaf, &b->cap_leaf, b->n_leaf + 1, sizeof *b->leaf) ||
		!grow((void **)&b->bytes, &b->cap_bytes, b->n_bytes + leaf->len + 1, 1))
		return JR_ENOMEM;
	rc = jr_tlog_append(&b->store, c->tlog_size, leaf->base, leaf->len, NULL);
	if (rc != JR_OK)
		return rc == JR_EEXIST ? JR_ECORRUPT : rc;
	l = &b->leaf[b->n_leaf++];
	l->idx = c->tlog_size;
	l->off = b->n_bytes;
	l->len = leaf->len;
	if (leaf->len > 0)
		memcpy(b->bytes + b->n_bytes, leaf->base, leaf->len);
	b->n_bytes += leaf->len;
	c->tlog_size++;
	return b->n_hash + (c->fs != NULL ? 0 : b->n_leaf) >= FLUSH_AT ?
		jr_centre_logbuf_flush(c) : JR_OK;
}
