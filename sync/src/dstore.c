/*
 * A downstream store in SQLite for kiosks without a screen and for tests
 * (sync.h "a downstream store"): what jr_downstream_apply commits, in one
 * transaction per bundle.
 *
 *   down_meta(id = 1, seq, statuses, roster BLOB, signer BLOB 32,
 *             roster_serial, policy BLOB, checkpoint BLOB, ack_time)
 *   down_status(regid BLOB 16 PRIMARY KEY, state, status BLOB)
 */
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "jaring/sync.h"

struct jr_sync_dstore {
	sqlite3 *db;
	sqlite3_stmt *put;
	struct jr_buf roster;
	uint8_t signer[JR_SIGN_PK_BYTES];
	struct jr_sync_dstore_info info;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS down_meta(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq INTEGER NOT NULL, statuses INTEGER NOT NULL, roster BLOB, signer BLOB,"
	" roster_serial INTEGER NOT NULL, policy BLOB, checkpoint BLOB,"
	" ack_time INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS down_status(regid BLOB PRIMARY KEY,"
	" state INTEGER NOT NULL, status BLOB NOT NULL) WITHOUT ROWID;";

static int db_fail(struct jr_sync_dstore *d, struct jr_errbuf *eb, const char *what)
{
	return jr_errf(eb, JR_EIO, "downstream store: %s failed (%s)", what, sqlite3_errmsg(d->db));
}

static int load(struct jr_sync_dstore *d, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->db, "SELECT seq, statuses, roster, signer, roster_serial,"
		" ack_time, (SELECT count(*) FROM down_status) FROM down_meta WHERE id = 1",
		-1, &st, NULL) != SQLITE_OK)
		return db_fail(d, eb, "reading");
	jr_buf_free(&d->roster);
	memset(&d->info, 0, sizeof d->info);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		int n = sqlite3_column_bytes(st, 2);
		d->info.seq = (uint64_t)sqlite3_column_int64(st, 0);
		d->info.statuses = (uint64_t)sqlite3_column_int64(st, 1);
		d->info.roster_serial = (uint64_t)sqlite3_column_int64(st, 4);
		d->info.ack_time = sqlite3_column_int64(st, 5);
		d->info.held = (uint64_t)sqlite3_column_int64(st, 6);
		if (n > 0 && sqlite3_column_bytes(st, 3) == JR_SIGN_PK_BYTES &&
		    (d->roster.base = malloc((size_t)n)) != NULL) {
			memcpy(d->roster.base, sqlite3_column_blob(st, 2), (size_t)n);
			d->roster.len = (size_t)n;
			memcpy(d->signer, sqlite3_column_blob(st, 3), JR_SIGN_PK_BYTES);
		}
		rc = SQLITE_DONE;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JR_OK : db_fail(d, eb, "reading");
}

int jr_sync_dstore_open(const char *path, struct jr_sync_dstore **out, struct jr_errbuf *eb)
{
	struct jr_sync_dstore *d = calloc(1, sizeof *d);
	int rc;

	*out = NULL;
	if (d == NULL)
		return jr_errf(eb, JR_ENOMEM, "downstream store: out of memory");
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		SQLITE_OK || sqlite3_exec(d->db, schema, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(d->db, "INSERT OR REPLACE INTO down_status(regid, state, status)"
		" VALUES (?1, ?2, ?3)", -1, &d->put, NULL) != SQLITE_OK) {
		rc = jr_errf(eb, JR_EIO, "downstream store %s: cannot open (%s)", path,
			d->db != NULL ? sqlite3_errmsg(d->db) : "out of memory");
		jr_sync_dstore_close(d);
		return rc;
	}
	if ((rc = load(d, eb)) != JR_OK) {
		jr_sync_dstore_close(d);
		return rc;
	}
	*out = d;
	return JR_OK;
}

void jr_sync_dstore_close(struct jr_sync_dstore *d)
{
	if (d == NULL)
		return;
	sqlite3_finalize(d->put);
	sqlite3_close(d->db);
	jr_buf_free(&d->roster);
	free(d);
}

static int ds_begin(void *ctx, struct jr_errbuf *eb)
{
	struct jr_sync_dstore *d = ctx;

	return sqlite3_exec(d->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK ? JR_OK :
		db_fail(d, eb, "starting a transaction");
}

static int ds_status(void *ctx, const struct jr_status *s, struct jr_errbuf *eb)
{
	struct jr_sync_dstore *d = ctx;
	struct jr_buf b = { NULL, 0 };
	int rc = jr_status_encode(s, &b);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "downstream store: a status does not encode");
	sqlite3_bind_blob(d->put, 1, s->regid, JR_REGID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(d->put, 2, (int)s->state);
	sqlite3_bind_blob(d->put, 3, b.base, (int)b.len, SQLITE_STATIC);
	rc = sqlite3_step(d->put) == SQLITE_DONE ? JR_OK : db_fail(d, eb, "staging a status");
	sqlite3_reset(d->put);
	jr_buf_free(&b);
	return rc;
}

static int ds_commit(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb)
{
	struct jr_sync_dstore *d = ctx;
	sqlite3_stmt *st = NULL;
	int rc;

	if (sqlite3_prepare_v2(d->db, "INSERT OR REPLACE INTO down_meta(id, seq, statuses,"
		" roster, signer, roster_serial, policy, checkpoint, ack_time)"
		" VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(d, eb, "storing");
	sqlite3_bind_int64(st, 1, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r->statuses);
	sqlite3_bind_blob(st, 3, r->roster.base, (int)r->roster.len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, r->roster_signer_pk, JR_SIGN_PK_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->roster_serial);
	sqlite3_bind_blob(st, 6, r->policy_bytes.base, (int)r->policy_bytes.len, SQLITE_STATIC);
	if (r->checkpoint.len > 0)
		sqlite3_bind_blob(st, 7, r->checkpoint.base, (int)r->checkpoint.len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, r->has_ack ? r->ack.time : 0);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : db_fail(d, eb, "storing");
	sqlite3_finalize(st);
	if (rc == JR_OK && sqlite3_exec(d->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		rc = db_fail(d, eb, "committing");
	if (rc != JR_OK)
		return rc;
	return load(d, eb);
}

static void ds_rollback(void *ctx)
{
	struct jr_sync_dstore *d = ctx;

	(void)sqlite3_exec(d->db, "ROLLBACK", NULL, NULL, NULL);
}

void jr_sync_dstore_sink(struct jr_sync_dstore *d, struct jr_downstream_sink *out)
{
	out->begin = ds_begin;
	out->status = ds_status;
	out->commit = ds_commit;
	out->rollback = ds_rollback;
	out->ctx = d;
}

void jr_sync_dstore_trust(struct jr_sync_dstore *d, const uint8_t pinned_pk[JR_SIGN_PK_BYTES],
	struct jr_downstream_trust *t)
{
	memset(t, 0, sizeof *t);
	memcpy(t->pinned_pk, pinned_pk, JR_SIGN_PK_BYTES);
	if (d->roster.len > 0) {
		t->roster = d->roster.base;
		t->roster_len = d->roster.len;
		memcpy(t->roster_signer_pk, d->signer, JR_SIGN_PK_BYTES);
	}
	t->applied_seq = d->info.seq;
}

void jr_sync_dstore_info(struct jr_sync_dstore *d, struct jr_sync_dstore_info *out)
{
	*out = d->info;
}

int jr_sync_dstore_status(struct jr_sync_dstore *d, const uint8_t regid[JR_REGID_BYTES],
	struct jr_status *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(d->db, "SELECT status FROM down_status WHERE regid = ?1", -1, &st,
		NULL) != SQLITE_OK)
		return JR_EIO;
	sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = jr_status_decode(sqlite3_column_blob(st, 0),
			(size_t)sqlite3_column_bytes(st, 0), out, NULL);
	else
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	sqlite3_finalize(st);
	return rc;
}
