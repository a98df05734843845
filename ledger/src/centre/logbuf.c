/*
 * logbuf.c — the transparency log's writes of one entry, buffered (docs/centre.md
 * "State file"). Appending a leaf writes its leaf row and 1 + (trailing ones
 * of its index) subtree hashes, and reads as many left siblings. Here the
 * reads come from the frontier (the last hash written at each level, which is
 * exactly the sibling an append or a root needs) and the rows are written in
 * batches of BATCH rows per statement before the entry's state hash, instead
 * of one statement per row. The rows written are the same, in the same
 * table: tlog_hash as jr_tlog_sqlstore_open makes it, which the node's own
 * store reads.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"

#define BATCH 64
#define FLUSH_AT 8192 /* rows buffered before a flush mid-entry */

/* "INSERT INTO <table> VALUES(?,?,?),(?,?,?),..." with BATCH rows, into q. */
static void sql_multi(bool leaf, char q[64 + BATCH * 8])
{
	const char *row = leaf ? "(?,?)," : "(?,?,?),";
	const char *head = leaf ? "INSERT INTO leaf VALUES " : "INSERT INTO tlog_hash VALUES ";
	size_t i, n = strlen(row), at = strlen(head);

	memcpy(q, head, at);
	for (i = 0; i < BATCH; i++, at += n)
		memcpy(q + at, row, n);
	q[at - 1] = '\0';
}

int jr_centre_logbuf_prepare(struct jr_centre *c)
{
	static const char *const one[2] = { "INSERT INTO tlog_hash VALUES(?1, ?2, ?3)",
		"INSERT INTO leaf VALUES(?1, ?2)" };
	char q[64 + BATCH * 8];
	size_t i;

	for (i = 0; i < 2; i++)
	{
		sql_multi(i == 1, q);
		if (sqlite3_prepare_v3(c->db, q, -1, SQLITE_PREPARE_PERSISTENT, &c->lb.multi[i],
			NULL) != SQLITE_OK || sqlite3_prepare_v3(c->db, one[i], -1,
			SQLITE_PREPARE_PERSISTENT, &c->lb.one[i], NULL) != SQLITE_OK)
			return JR_EIO;
	}
	return JR_OK;
}

void jr_centre_logbuf_free(struct jr_centre *c)
{
	size_t i;

	for (i = 0; i < 2; i++) {
		(void)sqlite3_finalize(c->lb.multi[i]);
		(void)sqlite3_finalize(c->lb.one[i]);
	}
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

static void bind_hash(sqlite3_stmt *st, int at, const struct jr_logbuf_hash *h)
{
	(void)sqlite3_bind_int(st, at, (int)h->level);
	(void)sqlite3_bind_int64(st, at + 1, (sqlite3_int64)h->idx);
	(void)sqlite3_bind_blob(st, at + 2, h->hash, JR_TLOG_HASH_BYTES, SQLITE_STATIC);
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

/* The buffered hashes in (level, idx) order, stably by level. Appends
 * interleave the levels (a leaf's hash, then its parents'), so in append
 * order each statement of BATCH rows touched a page per level, and SQLite's
 * statement journal copied each of those pages, past 64 KiB into a
 * temporary file: strace counted 32,576 writes to it for 30,000
 * registrations, more than to the WAL; in order, none. A statement now
 * writes neighbouring keys on a page or two. The rows are the same.
 * Unsorted if the scratch array cannot grow. */
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

int jr_centre_logbuf_flush(struct jr_centre *c)
{
	struct jr_logbuf *b = &c->lb;
	size_t i = 0, j;
	int rc = JR_OK;

	if (c->fs != NULL)
		return tree_flush(c);
	sort_hashes(b);
	for (; rc == JR_OK && i + BATCH <= b->n_hash; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			bind_hash(b->multi[0], (int)(3 * j + 1), &b->hash[i + j]);
		rc = step_reset(b->multi[0]);
	}
	for (; rc == JR_OK && i < b->n_hash; i++) {
		bind_hash(b->one[0], 1, &b->hash[i]);
		rc = step_reset(b->one[0]);
	}
	for (i = 0; rc == JR_OK && i + BATCH <= b->n_leaf; i += BATCH) {
		for (j = 0; j < BATCH; j++)
			bind_leaf(c, b->multi[1], (int)(2 * j + 1), &b->leaf[i + j]);
		rc = step_reset(b->multi[1]);
	}
	for (; rc == JR_OK && i < b->n_leaf; i++) {
		bind_leaf(c, b->one[1], 1, &b->leaf[i]);
		rc = step_reset(b->one[1]);
	}
	(void)sqlite3_clear_bindings(b->multi[0]);
	(void)sqlite3_clear_bindings(b->multi[1]);
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
