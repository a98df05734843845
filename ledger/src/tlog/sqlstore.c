/*
 * The tree's hash store in SQLite (jaring/tlog.h): one row per complete
 * subtree hash. WITHOUT ROWID keeps the rows in primary-key order, so the
 * 256 hashes of a tile are neighbours on disk, and a plain INSERT refuses
 * to replace a hash: the table is append-only by construction.
 */
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#include "jaring/tlog.h"

struct jr_tlog_sqlstore {
	struct jr_tlog_store store;
	sqlite3 *db;
	sqlite3_stmt *get;
	sqlite3_stmt *put;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS tlog_hash ("
	" level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 63),"
	" idx INTEGER NOT NULL CHECK (idx >= 0),"
	" hash BLOB NOT NULL CHECK (length(hash) = 32),"
	" PRIMARY KEY (level, idx)) WITHOUT ROWID";

static int sql_read(void *ctx, unsigned level, uint64_t index,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_sqlstore *ss = ctx;
	int rc = JR_EIO, step;

	memset(out, 0, JR_TLOG_HASH_BYTES);
	if (index > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	sqlite3_bind_int(ss->get, 1, (int)level);
	sqlite3_bind_int64(ss->get, 2, (sqlite3_int64)index);
	step = sqlite3_step(ss->get);
	if (step == SQLITE_ROW) {
		if (sqlite3_column_bytes(ss->get, 0) == JR_TLOG_HASH_BYTES) {
			memcpy(out, sqlite3_column_blob(ss->get, 0), JR_TLOG_HASH_BYTES);
			rc = JR_OK;
		} else {
			rc = JR_ECORRUPT;
		}
	} else if (step == SQLITE_DONE) {
		rc = JR_ENOTFOUND;
	}
	sqlite3_reset(ss->get);
	return rc;
}

static int sql_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_sqlstore *ss = ctx;
	int step;

	if (index > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	sqlite3_bind_int(ss->put, 1, (int)level);
	sqlite3_bind_int64(ss->put, 2, (sqlite3_int64)index);
	sqlite3_bind_blob(ss->put, 3, hash, JR_TLOG_HASH_BYTES, SQLITE_STATIC);
	step = sqlite3_step(ss->put);
	sqlite3_reset(ss->put);
	sqlite3_clear_bindings(ss->put);
	if (step == SQLITE_DONE)
		return JR_OK;
	return step == SQLITE_CONSTRAINT ? JR_EEXIST : JR_EIO;
}

int jr_tlog_sqlstore_open(struct sqlite3 *db, struct jr_tlog_sqlstore **out,
	struct jr_errbuf *eb)
{
	struct jr_tlog_sqlstore *ss;

	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (db == NULL)
		return JR_EINVAL;
	if ((ss = calloc(1, sizeof *ss)) == NULL)
		return JR_ENOMEM;
	ss->db = db;
	if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK)
		goto err_sql;
	if (sqlite3_prepare_v2(db,
	    "SELECT hash FROM tlog_hash WHERE level = ?1 AND idx = ?2", -1,
	    &ss->get, NULL) != SQLITE_OK)
		goto err_sql;
	if (sqlite3_prepare_v2(db,
	    "INSERT INTO tlog_hash (level, idx, hash) VALUES (?1, ?2, ?3)", -1,
	    &ss->put, NULL) != SQLITE_OK)
		goto err_sql;
	ss->store.ctx = ss;
	ss->store.read = sql_read;
	ss->store.write = sql_write;
	*out = ss;
	return JR_OK;

err_sql:
	(void)jr_errf(eb, JR_EIO, "transparency log table tlog_hash: %s — check "
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
	free(ss);
}
