/*
 * The tree's hash store in SQLite (jaring/tlog.h, docs/tlog.md "Storage"):
 * the hashes of one level in runs of JR_TLOG_RUN (64) consecutive indexes,
 * one row per run, the run's hashes concatenated in index order. A level's
 * hashes are written in index order, so a run grows at its end: the first
 * hash of a run inserts its row, the others append to it (`||`), and the
 * append names the length it expects, so nothing is ever replaced or
 * written past a gap (the concatenation is SQLite's text one, byte for
 * byte in a UTF-8 database, which open checks). One row holds what 64 rows held before; a run's
 * 2,048 bytes stay on its b-tree page (no overflow page).
 *
 * A state file of the layout before (table tlog_hash, a row per hash) is
 * carried over into runs when it is opened for writing.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "tlog_int.h"

struct jr_tlog_sqlstore {
	struct jr_tlog_store store;
	sqlite3 *db;
	sqlite3_stmt *get;
	sqlite3_stmt *put;
	sqlite3_stmt *add;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS tlog_run (id INTEGER PRIMARY KEY CHECK (id >= 0),"
	" hashes BLOB NOT NULL CHECK (length(hashes) BETWEEN 32 AND 2048"
	" AND length(hashes) % 32 = 0))";

uint64_t jr_tlog_run_id(unsigned level, uint64_t index)
{
	return ((uint64_t)level << 57) | (index / JR_TLOG_RUN);
}

/* The run holding (level, index): JR_OK with *row pointing into the get
 * statement's row (reset it after), JR_ENOTFOUND, JR_EIO. */
static int run_get(struct jr_tlog_sqlstore *ss, unsigned level, uint64_t index,
	const uint8_t **row, size_t *len)
{
	int step;

	*row = NULL;
	*len = 0;
	sqlite3_bind_int64(ss->get, 1, (sqlite3_int64)jr_tlog_run_id(level, index));
	step = sqlite3_step(ss->get);
	if (step == SQLITE_DONE)
		return JR_ENOTFOUND;
	if (step != SQLITE_ROW)
		return JR_EIO;
	*row = sqlite3_column_blob(ss->get, 0);
	*len = (size_t)sqlite3_column_bytes(ss->get, 0);
	return JR_OK;
}

static int sql_read(void *ctx, unsigned level, uint64_t index,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_sqlstore *ss = ctx;
	const uint8_t *row;
	size_t len, at = (size_t)(index % JR_TLOG_RUN) * JR_TLOG_HASH_BYTES;
	int rc;

	memset(out, 0, JR_TLOG_HASH_BYTES);
	if (level > 63 || index > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	rc = run_get(ss, level, index, &row, &len);
	if (rc == JR_OK && (len % JR_TLOG_HASH_BYTES != 0 || row == NULL))
		rc = JR_ECORRUPT;
	else if (rc == JR_OK && len < at + JR_TLOG_HASH_BYTES)
		rc = JR_ENOTFOUND;
	else if (rc == JR_OK)
		memcpy(out, row + at, JR_TLOG_HASH_BYTES);
	sqlite3_reset(ss->get);
	return rc;
}

int jr_tlog_run_put(struct sqlite3_stmt *put, struct sqlite3_stmt *add, unsigned level,
	uint64_t index, const uint8_t *hashes, size_t n)
{
	sqlite3_stmt *st = index % JR_TLOG_RUN == 0 ? put : add;
	sqlite3 *db = sqlite3_db_handle(st);
	int step;

	if (n == 0 || index % JR_TLOG_RUN + n > JR_TLOG_RUN)
		return JR_EINVAL;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)jr_tlog_run_id(level, index));
	sqlite3_bind_blob(st, 2, hashes, (int)(n * JR_TLOG_HASH_BYTES), SQLITE_STATIC);
	if (st == add)
		sqlite3_bind_int64(st, 3,
			(sqlite3_int64)(index % JR_TLOG_RUN * JR_TLOG_HASH_BYTES));
	step = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (step == SQLITE_CONSTRAINT)
		return JR_EEXIST;
	if (step != SQLITE_DONE)
		return JR_EIO;
	return sqlite3_changes(db) == 1 ? JR_OK : JR_EEXIST;
}

/* One hash: the run's next, or again unchanged (JR_OK); another hash where
 * one is is JR_EEXIST, a hash past the run's end JR_EINVAL. */
static int sql_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_sqlstore *ss = ctx;
	uint8_t there[JR_TLOG_HASH_BYTES];
	int rc;

	if (level > 63 || index > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	rc = jr_tlog_run_put(ss->put, ss->add, level, index, hash, 1);
	if (rc != JR_EEXIST)
		return rc;
	rc = sql_read(ctx, level, index, there);
	if (rc == JR_ENOTFOUND)
		return JR_EINVAL; /* a gap before it */
	if (rc != JR_OK)
		return rc;
	return memcmp(there, hash, JR_TLOG_HASH_BYTES) == 0 ? JR_OK : JR_EEXIST;
}

static int exec(sqlite3 *db, const char *q)
{
	return sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
}

/* Table tlog_hash(level, idx, hash) of the layout before, into runs, then
 * dropped; in a savepoint, so it is carried over whole or not at all. A
 * level's hashes start at index 0 and have no gap (else JR_ECORRUPT). */
static int carry_over(struct jr_tlog_sqlstore *ss)
{
	sqlite3_stmt *st = NULL;
	uint8_t run[JR_TLOG_RUN * JR_TLOG_HASH_BYTES];
	uint64_t first = 0;
	unsigned level = 0;
	size_t n = 0;
	int rc, step = SQLITE_DONE;

	if (exec(ss->db, "SAVEPOINT tlog_carry") != JR_OK)
		return JR_EIO;
	rc = sqlite3_prepare_v2(ss->db, "SELECT level, idx, hash FROM tlog_hash"
		" ORDER BY level, idx", -1, &st, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
	while (rc == JR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		int l = sqlite3_column_int(st, 0);
		sqlite3_int64 i = sqlite3_column_int64(st, 1);

		if (sqlite3_column_bytes(st, 2) != JR_TLOG_HASH_BYTES || l < 0 || l > 63 ||
		    i < 0) {
			rc = JR_ECORRUPT;
			break;
		}
		if (n > 0 && ((unsigned)l != level || n == JR_TLOG_RUN)) {
			rc = jr_tlog_run_put(ss->put, ss->add, level, first, run, n);
			first += n;
			n = 0;
		}
		if (rc == JR_OK && (unsigned)l != level)
			first = 0; /* a new level starts at index 0 */
		level = (unsigned)l;
		if (rc == JR_OK && (uint64_t)i != first + n)
			rc = JR_ECORRUPT;
		if (rc == JR_OK)
			memcpy(run + n++ * JR_TLOG_HASH_BYTES, sqlite3_column_blob(st, 2),
				JR_TLOG_HASH_BYTES);
	}
	if (rc == JR_OK && step != SQLITE_DONE)
		rc = JR_EIO;
	if (rc == JR_OK && n > 0)
		rc = jr_tlog_run_put(ss->put, ss->add, level, first, run, n);
	sqlite3_finalize(st);
	if (rc == JR_OK)
		rc = exec(ss->db, "DROP TABLE tlog_hash");
	if (rc == JR_OK)
		return exec(ss->db, "RELEASE tlog_carry");
	(void)exec(ss->db, "ROLLBACK TO tlog_carry");
	(void)exec(ss->db, "RELEASE tlog_carry");
	return rc;
}

static bool has_table(sqlite3 *db, const char *name)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table'"
		" AND name = ?1", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		yes = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return yes;
}

static bool concat_is_bytes(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	bool yes = false;

	if (sqlite3_prepare_v2(db, "SELECT CAST(x'00ff' || x'0100' AS BLOB) = x'00ff0100'",
		-1, &st, NULL) == SQLITE_OK)
		yes = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	return yes;
}

int jr_tlog_run_prepare(struct sqlite3 *db, struct sqlite3_stmt **put,
	struct sqlite3_stmt **add)
{
	if (sqlite3_prepare_v3(db, "INSERT INTO tlog_run VALUES (?1, ?2)", -1,
		SQLITE_PREPARE_PERSISTENT, put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(db, "UPDATE tlog_run SET hashes = CAST(hashes || ?2 AS BLOB)"
		" WHERE id = ?1 AND length(hashes) = ?3", -1, SQLITE_PREPARE_PERSISTENT,
		add, NULL) != SQLITE_OK)
		return JR_EIO;
	return JR_OK;
}

int jr_tlog_sqlstore_open(struct sqlite3 *db, struct jr_tlog_sqlstore **out,
	struct jr_errbuf *eb)
{
	struct jr_tlog_sqlstore *ss;
	bool old;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (db == NULL)
		return JR_EINVAL;
	if ((ss = calloc(1, sizeof *ss)) == NULL)
		return JR_ENOMEM;
	ss->db = db;
	old = has_table(db, "tlog_hash");
	if (old && sqlite3_db_readonly(db, "main") == 1 && !has_table(db, "tlog_run")) {
		jr_tlog_sqlstore_close(ss);
		return jr_errf(eb, JR_EFORMAT, "transparency log: this state file keeps its "
			"tree in the layout before hash runs (table tlog_hash); open it once "
			"for writing (jaring-node start) to carry it over");
	}
	/* the append concatenates with ||, which SQLite does as text in the
	 * database's encoding: byte for byte only in UTF-8 (the default) */
	if (!concat_is_bytes(db)) {
		jr_tlog_sqlstore_close(ss);
		return jr_errf(eb, JR_EFORMAT, "transparency log: the database's text "
			"encoding is not UTF-8, so its hash runs cannot be appended to");
	}
	if (exec(db, schema) != JR_OK ||
	    sqlite3_prepare_v2(db, "SELECT hashes FROM tlog_run WHERE id = ?1", -1,
		&ss->get, NULL) != SQLITE_OK ||
	    jr_tlog_run_prepare(db, &ss->put, &ss->add) != JR_OK)
		goto err_sql;
	if (old && (rc = carry_over(ss)) != JR_OK) {
		(void)jr_errf(eb, rc, "transparency log: the tree hashes of the layout "
			"before (table tlog_hash) do not carry over (%s); restore the state "
			"file from another node's snapshot", jr_strerror(rc));
		jr_tlog_sqlstore_close(ss);
		return rc;
	}
	ss->store.ctx = ss;
	ss->store.read = sql_read;
	ss->store.write = sql_write;
	*out = ss;
	return JR_OK;

err_sql:
	(void)jr_errf(eb, JR_EIO, "transparency log table tlog_run: %s — check "
		"that the database is writable and not damaged", sqlite3_errmsg(db));
	jr_tlog_sqlstore_close(ss);
	return JR_EIO;
}

const struct jr_tlog_store *jr_tlog_sqlstore_get(const struct jr_tlog_sqlstore *ss)
{
	return ss == NULL ? NULL : &ss->store;
}

void jr_tlog_sqlstore_close(struct jr_tlog_sqlstore *ss)
{
	if (ss == NULL)
		return;
	sqlite3_finalize(ss->get);
	sqlite3_finalize(ss->put);
	sqlite3_finalize(ss->add);
	free(ss);
}
