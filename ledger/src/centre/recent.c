/*
 * The two maps keyed by random values (docs/centre.md "Recent and main
 * tables"): registration id -> intake leaf (regid_recent, regid_main) and a
 * worker's claim tag -> intake leaf (claim_recent, claim; worker.c).
 *
 * A registration id is a hash and a claim tag part of one, so every new key
 * lands on a page of its own in whatever B-tree holds it, and a commit
 * writes each page it touched whole. With one B-tree per map, a commit of a
 * few thousand registrations touched nearly every page of both, and the
 * pages grow with the ledger: at a million registrations a node's commit
 * every 0.1 s wrote some 2,500 pages of the two. So new keys go into a
 * recent table, which never holds more than c->recent_max rows (65,536
 * unless a test sets fewer), and when it is full all its rows move into
 * the main table in key order in one statement: that writes each page of
 * the main table once per 65,536 new keys, not once per commit.
 *
 * A key is in at most one of the two tables, and a look-up reads both
 * (JR_CENTRE_LEAF_OF, S_WORKER_GET). When the rows move changes no result
 * and no state hash: the state hash is of the log, and the two tables are
 * the same map however it is split.
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"

/*
 * Before a new key goes into a recent table, the main table must not hold
 * it: one more B-tree descent a key, for what is nearly always a new key.
 * A filter in memory (a Bloom filter of 16 bits a key and three probes,
 * about 1 in 300 false) answers "certainly not in the main table" for
 * most of them. It is only ever a short cut: it is built from the main
 * table at open, grows with it, and a key it cannot rule out is looked up.
 * A key that left the main table (a released claim) or a move that was
 * rolled back leaves a bit set, which costs a look-up, never a wrong
 * answer. Keys are hashes or parts of one, so their own bytes are the
 * probes; a key shorter than 8 bytes (a test's 1-byte claim tag) always
 * goes to the table.
 */
#define FILTER_BITS_PER_KEY 16
/* 32 MiB a map at most, so that a node's memory stays bounded: past
 * 8 million keys the filter rules out fewer new keys (more look-ups),
 * never answers wrong. */
#define FILTER_MAX_BITS ((uint64_t)1 << 28)

static const char *const MAIN_KEYS[JR_RECENT_MAPS] = {
	[JR_RECENT_REGID] = "SELECT regid FROM regid_main",
	[JR_RECENT_CLAIM] = "SELECT tag FROM claim",
};
static const char *const MAIN_COUNT[JR_RECENT_MAPS] = {
	[JR_RECENT_REGID] = "SELECT count(*) FROM regid_main",
	[JR_RECENT_CLAIM] = "SELECT count(*) FROM claim",
};
static const enum jr_centre_stmt MAIN_HAS[JR_RECENT_MAPS] = {
	[JR_RECENT_REGID] = S_REGID_MAIN_HAS,
	[JR_RECENT_CLAIM] = S_CLAIM_MAIN_HAS,
};
static const char *const RECENT_KEYS[JR_RECENT_MAPS] = {
	[JR_RECENT_REGID] = "SELECT regid FROM regid_recent",
	[JR_RECENT_CLAIM] = "SELECT tag FROM claim_recent",
};

/* Three bits in one 512-bit block (a cache line): the block by the key's
 * first four bytes, the bits by the next four. */
static void probes(const struct jr_keyfilter *f, const uint8_t *k, uint64_t at[3])
{
	uint32_t a, b;
	uint64_t block;

	memcpy(&a, k, 4);
	memcpy(&b, k + 4, 4);
	block = (uint64_t)a % (f->nbits / 512) * 512;
	at[0] = block + (b & 511);
	at[1] = block + (b >> 9 & 511);
	at[2] = block + (b >> 18 & 511);
}

static void filter_add(struct jr_keyfilter *f, const uint8_t *k, size_t len)
{
	uint64_t at[3];
	size_t i;

	if (f->bits == NULL || len < 8)
		return;
	probes(f, k, at);
	for (i = 0; i < 3; i++)
		f->bits[at[i] / 64] |= (uint64_t)1 << (at[i] % 64);
	f->keys++;
}

static bool may_hold(const struct jr_keyfilter *f, const uint8_t *k, size_t len)
{
	uint64_t at[3];
	size_t i;

	if (f->bits == NULL || len < 8)
		return true;
	probes(f, k, at);
	for (i = 0; i < 3; i++)
		if ((f->bits[at[i] / 64] >> (at[i] % 64) & 1) == 0)
			return false;
	return true;
}

void jr_centre_filter_prefetch(const struct jr_centre *c, enum jr_recent_map m,
	const uint8_t *key, size_t len)
{
	const struct jr_keyfilter *f = &c->filter[m];
	uint64_t at[3];

	if (f->bits == NULL || len < 8)
		return;
	probes(f, key, at);
	__builtin_prefetch(&f->bits[at[0] / 64]);
}

int jr_centre_main_holds(struct jr_centre *c, enum jr_recent_map m, const uint8_t *key,
	size_t len, bool *held)
{
	sqlite3_stmt *st;
	int rc;

	*held = false;
	if (!may_hold(&c->filter[m], key, len))
		return JR_OK;
	st = jr_centre_stmt(c, MAIN_HAS[m]);
	(void)sqlite3_bind_blob(st, 1, key, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* Adds the keys that query q reads. */
static int filter_add_rows(struct jr_centre *c, struct jr_keyfilter *f, const char *q)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		filter_add(f, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	(void)sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

/* The filter of map m anew from its main table, sized for `keys` and as
 * many again. Without memory for it, or if the table cannot be read whole,
 * there is none (a filter short of a key would answer wrong): every key is
 * looked up. */
static int filter_build(struct jr_centre *c, enum jr_recent_map m, uint64_t keys)
{
	struct jr_keyfilter *f = &c->filter[m];
	uint64_t nbits = c->filter_min_bits;
	int rc;

	while (nbits / FILTER_BITS_PER_KEY < 2 * keys && nbits < FILTER_MAX_BITS)
		nbits *= 2;
	free(f->bits);
	/* each 512-bit block one cache line: a key's probes touch one line */
	f->bits = aligned_alloc(64, (size_t)(nbits / 8));
	f->nbits = nbits;
	f->keys = 0;
	if (f->bits == NULL)
		return JR_OK;
	memset(f->bits, 0, (size_t)(nbits / 8));
	rc = filter_add_rows(c, f, MAIN_KEYS[m]);
	if (rc != JR_OK) {
		free(f->bits);
		f->bits = NULL;
	}
	return rc;
}

void jr_centre_filters_free(struct jr_centre *c)
{
	size_t m;

	for (m = 0; m < JR_RECENT_MAPS; m++) {
		free(c->filter[m].bits);
		memset(&c->filter[m], 0, sizeof c->filter[m]);
	}
}

int jr_centre_regid_put(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	uint64_t leaf, bool *known)
{
	sqlite3_stmt *st;
	int rc, ext;

	rc = jr_centre_main_holds(c, JR_RECENT_REGID, regid, JR_REGID_BYTES, known);
	if (rc != JR_OK || *known)
		return rc;
	st = jr_centre_stmt(c, S_REGID_PUT);
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)leaf);
	rc = sqlite3_step(st);
	ext = sqlite3_extended_errcode(c->db);
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	/* in regid_recent already: its key's conflict */
	*known = rc == SQLITE_CONSTRAINT && ext == SQLITE_CONSTRAINT_PRIMARYKEY;
	if (rc != SQLITE_DONE)
		return *known ? JR_OK : JR_EIO;
	return jr_centre_recent_added(c, JR_RECENT_REGID);
}

/* Every row of the recent table into the main one, in key order, so that
 * the main table's pages are written once each; DELETE without WHERE
 * empties a table whole. */
static const char *const FOLD[JR_RECENT_MAPS] = {
	[JR_RECENT_REGID] = "INSERT INTO regid_main SELECT regid, leaf FROM regid_recent"
		" ORDER BY regid; DELETE FROM regid_recent",
	[JR_RECENT_CLAIM] = "INSERT INTO claim SELECT tag, leaf FROM claim_recent"
		" ORDER BY tag; DELETE FROM claim_recent",
};

int jr_centre_recent_added(struct jr_centre *c, enum jr_recent_map m)
{
	struct jr_keyfilter *f = &c->filter[m];
	uint64_t moving = ++c->recent[m];
	bool rebuild;

	if (moving < c->recent_max)
		return JR_OK;
	/* The keys about to move go into the filter, unless that would fill
	 * it past 1 in 300 false: then it is built anew, twice as big. */
	rebuild = f->bits != NULL && (f->keys + moving) * FILTER_BITS_PER_KEY > f->nbits &&
		f->nbits < FILTER_MAX_BITS;
	if (f->bits != NULL && !rebuild && filter_add_rows(c, f, RECENT_KEYS[m]) != JR_OK)
		return JR_EIO;
	if (sqlite3_exec(c->db, FOLD[m], NULL, NULL, NULL) != SQLITE_OK)
		return JR_EIO;
	c->recent[m] = 0;
	return rebuild ? filter_build(c, m, f->keys + moving) : JR_OK;
}

void jr_centre_recent_removed(struct jr_centre *c, enum jr_recent_map m)
{
	if (c->recent[m] > 0)
		c->recent[m]--;
}

static int schema_has(struct jr_centre *c, const char *type, const char *name,
	bool *yes)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM sqlite_master WHERE type = ?1"
		" AND name = ?2", -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_text(st, 1, type, -1, SQLITE_STATIC);
	(void)sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*yes = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0;
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW ? JR_OK : JR_EIO;
}

int jr_centre_recent_carry_over(struct jr_centre *c, const char *path,
	struct jr_errbuf *eb)
{
	int64_t rows = 0, moved = 0, recent = 0;
	bool old = false, made = false;
	int rc = schema_has(c, "index", "registration_by_regid", &old);

	if (rc == JR_OK && c->reader)
		rc = schema_has(c, "table", "regid_main", &made);
	if (rc != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	if (c->reader) {
		if (old || !made)
			return jr_errf(eb, JR_EFORMAT, "centre state %s: made before the"
				" registration id tables (index registration_by_regid); open it"
				" once for writing (jaring-node start) to carry it over", path);
		return JR_OK;
	}
	if (old) {
		/* A file from before: every registration's id goes into
		 * regid_main, and the old unique index goes. Both tables are
		 * emptied first: a file that this version wrote and an older one
		 * then applied to (the index made anew) holds ids in the tables
		 * that are not all of them. */
		if (sqlite3_exec(c->db, "SAVEPOINT regid_carry", NULL, NULL, NULL) != SQLITE_OK)
			return jr_errf(eb, JR_EIO, "centre state %s: %s", path,
				sqlite3_errmsg(c->db));
		rc = sqlite3_exec(c->db, "DELETE FROM regid_recent; DELETE FROM regid_main;"
			" INSERT INTO regid_main SELECT regid, leaf FROM registration ORDER BY regid",
			NULL, NULL, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
		if (rc == JR_OK)
			rc = jr_centre_int_of(c->db, "SELECT count(*) FROM registration", &rows);
		if (rc == JR_OK)
			rc = jr_centre_int_of(c->db, MAIN_COUNT[JR_RECENT_REGID], &moved);
		if (rc == JR_OK && rows != moved)
			rc = JR_ECORRUPT;
		if (rc == JR_OK && sqlite3_exec(c->db, "DROP INDEX registration_by_regid;"
			" RELEASE regid_carry", NULL, NULL, NULL) != SQLITE_OK)
			rc = JR_EIO;
		if (rc != JR_OK) {
			(void)jr_errf(eb, rc, "centre state %s: its registration ids do not carry"
				" over (%s); restore the state from another node", path,
				rc == JR_ECORRUPT ? "an id is there twice" : sqlite3_errmsg(c->db));
			(void)sqlite3_exec(c->db, "ROLLBACK TO regid_carry; RELEASE regid_carry",
				NULL, NULL, NULL);
			return rc;
		}
	}
	if (jr_centre_int_of(c->db, "SELECT count(*) FROM regid_recent", &recent) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	c->recent[JR_RECENT_REGID] = (uint64_t)recent;
	if (jr_centre_int_of(c->db, "SELECT count(*) FROM claim_recent", &recent) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	c->recent[JR_RECENT_CLAIM] = (uint64_t)recent;
	if (jr_centre_set_filter_min_bits(c, c->filter_min_bits) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	return JR_OK;
}

void jr_centre_set_recent_max(struct jr_centre *c, uint64_t rows)
{
	if (rows >= 1)
		c->recent_max = rows;
}

int jr_centre_set_filter_min_bits(struct jr_centre *c, uint64_t bits)
{
	size_t m;
	int64_t keys = 0;

	if (bits < 512 || bits % 512 != 0 || bits > FILTER_MAX_BITS)
		return JR_EINVAL;
	c->filter_min_bits = bits;
	for (m = 0; m < JR_RECENT_MAPS; m++)
		if (jr_centre_int_of(c->db, MAIN_COUNT[m], &keys) != JR_OK ||
			filter_build(c, (enum jr_recent_map)m, (uint64_t)keys) != JR_OK)
			return JR_EIO;
	return JR_OK;
}
