#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "jaring/common.h"
#include "util.h"

struct kstore {
	sqlite3 *db;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=FULL;"
	"CREATE TABLE IF NOT EXISTS kiosk_meta ("
	"  key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS kiosk_status ("
	"  regid BLOB PRIMARY KEY CHECK (length(regid) = 16),"
	"  state INTEGER NOT NULL CHECK (state BETWEEN 0 AND 8),"
	"  approvals INTEGER NOT NULL DEFAULT 0,"
	"  agencies INTEGER NOT NULL DEFAULT 0,"
	"  decree TEXT NOT NULL DEFAULT '',"
	"  protected_from INTEGER NOT NULL DEFAULT 0,"
	"  protected_to INTEGER NOT NULL DEFAULT 0,"
	"  paid_through INTEGER NOT NULL DEFAULT 0,"
	"  reasons TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS kiosk_roster ("
	"  kiosk_id BLOB PRIMARY KEY CHECK (length(kiosk_id) = 16),"
	"  sign_pk BLOB NOT NULL CHECK (length(sign_pk) = 32));"
	"CREATE TABLE IF NOT EXISTS kiosk_down ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq INTEGER NOT NULL, statuses INTEGER NOT NULL,"
	"  roster BLOB NOT NULL, roster_signer BLOB NOT NULL CHECK (length(roster_signer) = 32),"
	"  roster_serial INTEGER NOT NULL, policy BLOB, checkpoint BLOB,"
	"  ack_time INTEGER NOT NULL);";

bool kstore_open(const char *path, struct kstore **out, char *err, size_t errlen)
{
	struct kstore *s = calloc(1, sizeof *s);
	char *msg = NULL;

	*out = NULL;
	if (s == NULL)
		return false;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		kfmt(err, errlen, "cannot open the kiosk database {1}: {2}", path,
			msg ? msg : sqlite3_errmsg(s->db), NULL);
		sqlite3_free(msg);
		kstore_close(s);
		return false;
	}
	sqlite3_busy_timeout(s->db, 2000);
	*out = s;
	return true;
}

void kstore_close(struct kstore *s)
{
	if (s == NULL)
		return;
	sqlite3_close(s->db);
	free(s);
}

static void reasons_text(const struct kstatus *st, char *out, size_t n)
{
	char num[16];

	out[0] = '\0';
	for (size_t i = 0; i < st->n_reasons && i < JR_VERDICT_MAX; i++) {
		snprintf(num, sizeof num, i ? " %d" : "%d", (int)st->reasons[i]);
		kstrlcat(out, num, n);
	}
}

static void reasons_parse(const char *s, struct kstatus *st)
{
	st->n_reasons = 0;
	while (s != NULL && *s != '\0' && st->n_reasons < JR_VERDICT_MAX) {
		char *end;
		long v = strtol(s, &end, 10);
		if (end == s)
			break;
		if (v > 0 && v < 1000)
			st->reasons[st->n_reasons++] = (enum jr_reason)v;
		s = end;
	}
}

bool kstore_status_put(struct kstore *s, const struct kstatus *st)
{
	static const char sql[] =
		"INSERT INTO kiosk_status (regid, state, approvals, agencies, decree,"
		" protected_from, protected_to, paid_through, reasons)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
		" ON CONFLICT(regid) DO UPDATE SET state = ?2, approvals = ?3,"
		" agencies = ?4, decree = ?5, protected_from = ?6, protected_to = ?7,"
		" paid_through = ?8, reasons = ?9";
	sqlite3_stmt *q;
	char reasons[JR_VERDICT_MAX * 5 + 1];
	bool ok;

	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return false;
	reasons_text(st, reasons, sizeof reasons);
	sqlite3_bind_blob(q, 1, st->regid, JR_REGID_BYTES, SQLITE_STATIC);
	sqlite3_bind_int(q, 2, st->state);
	sqlite3_bind_int64(q, 3, st->approvals);
	sqlite3_bind_int64(q, 4, st->agencies);
	sqlite3_bind_text(q, 5, st->decree, -1, SQLITE_STATIC);
	sqlite3_bind_int64(q, 6, st->protected_from);
	sqlite3_bind_int64(q, 7, st->protected_to);
	sqlite3_bind_int64(q, 8, st->paid_through);
	sqlite3_bind_text(q, 9, reasons, -1, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	return ok;
}

static uint32_t col_u32(sqlite3_stmt *q, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(q, i);

	return v < 0 || v > 0xFFFFFFFFLL ? 0 : (uint32_t)v;
}

bool kstore_status_get(struct kstore *s, const uint8_t regid[JR_REGID_BYTES],
	struct kstatus *st)
{
	static const char sql[] =
		"SELECT state, approvals, agencies, decree, protected_from,"
		" protected_to, paid_through, reasons FROM kiosk_status WHERE regid = ?1";
	sqlite3_stmt *q;
	bool found = false;

	memset(st, 0, sizeof *st);
	memcpy(st->regid, regid, JR_REGID_BYTES);
	if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_blob(q, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *d = sqlite3_column_text(q, 3);
		st->state = sqlite3_column_int(q, 0);
		st->approvals = col_u32(q, 1);
		st->agencies = col_u32(q, 2);
		kstrlcpy(st->decree, d ? (const char *)d : "", sizeof st->decree);
		st->protected_from = col_u32(q, 4);
		st->protected_to = col_u32(q, 5);
		st->paid_through = col_u32(q, 6);
		reasons_parse((const char *)sqlite3_column_text(q, 7), st);
		found = true;
	}
	sqlite3_finalize(q);
	st->as_of = kstore_as_of(s);
	return found;
}

bool kstore_meta_put(struct kstore *s, const char *key, const char *value)
{
	sqlite3_stmt *q;
	bool ok;

	if (sqlite3_prepare_v2(s->db,
		"INSERT OR REPLACE INTO kiosk_meta (key, value) VALUES (?1, ?2)",
		-1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, value, -1, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	return ok;
}

bool kstore_meta_get(struct kstore *s, const char *key, char *out, size_t n)
{
	sqlite3_stmt *q;
	bool found = false;

	out[0] = '\0';
	if (sqlite3_prepare_v2(s->db, "SELECT value FROM kiosk_meta WHERE key = ?1",
		-1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW) {
		const unsigned char *v = sqlite3_column_text(q, 0);
		found = kstrlcpy(out, v ? (const char *)v : "", n);
	}
	sqlite3_finalize(q);
	return found;
}

bool kstore_begin(struct kstore *s)
{
	return sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
}

bool kstore_commit(struct kstore *s)
{
	return sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
}

void kstore_rollback(struct kstore *s)
{
	(void)sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

static void bind_opt(sqlite3_stmt *q, int i, const uint8_t *p, size_t n)
{
	if (p != NULL && n > 0)
		sqlite3_bind_blob(q, i, p, (int)n, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

bool kstore_down_put(struct kstore *s, const struct kdown *d, const uint8_t *roster,
	size_t roster_len, const uint8_t *policy, size_t policy_len,
	const uint8_t *checkpoint, size_t checkpoint_len)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO kiosk_down (id, seq, statuses, roster, roster_signer,"
		" roster_serial, policy, checkpoint, ack_time)"
		" VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *q;
	bool ok;

	if (roster == NULL || roster_len == 0 ||
	    sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)d->seq);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)d->statuses);
	sqlite3_bind_blob(q, 3, roster, (int)roster_len, SQLITE_STATIC);
	sqlite3_bind_blob(q, 4, d->roster_signer, JR_SIGN_PK_BYTES, SQLITE_STATIC);
	sqlite3_bind_int64(q, 5, (sqlite3_int64)d->roster_serial);
	bind_opt(q, 6, policy, policy_len);
	bind_opt(q, 7, checkpoint, checkpoint_len);
	sqlite3_bind_int64(q, 8, d->ack_time);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	return ok;
}

/* Column col of q's row, a non-empty blob, into *out (malloc'd). */
static bool blob_dup(sqlite3_stmt *q, int col, struct jr_buf *out)
{
	int n = sqlite3_column_bytes(q, col);

	if (n <= 0 || (out->base = malloc((size_t)n)) == NULL)
		return false;
	memcpy(out->base, sqlite3_column_blob(q, col), (size_t)n);
	out->len = (size_t)n;
	return true;
}

bool kstore_down_get(struct kstore *s, struct kdown *d, struct jr_buf *roster)
{
	sqlite3_stmt *q;
	bool ok = true;

	memset(d, 0, sizeof *d);
	roster->base = NULL;
	roster->len = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT seq, statuses, roster, roster_signer,"
		" roster_serial, ack_time FROM kiosk_down WHERE id = 1", -1, &q, NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 3) == JR_SIGN_PK_BYTES) {
		d->seq = (uint64_t)sqlite3_column_int64(q, 0);
		d->statuses = (uint64_t)sqlite3_column_int64(q, 1);
		memcpy(d->roster_signer, sqlite3_column_blob(q, 3), JR_SIGN_PK_BYTES);
		d->roster_serial = (uint64_t)sqlite3_column_int64(q, 4);
		d->ack_time = sqlite3_column_int64(q, 5);
		ok = blob_dup(q, 2, roster);
	}
	sqlite3_finalize(q);
	return ok;
}

bool kstore_down_policy(struct kstore *s, struct jr_buf *out)
{
	sqlite3_stmt *q;
	bool ok = true;

	out->base = NULL;
	out->len = 0;
	if (sqlite3_prepare_v2(s->db, "SELECT policy FROM kiosk_down WHERE id = 1", -1, &q,
		NULL) != SQLITE_OK)
		return false;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_bytes(q, 0) > 0)
		ok = blob_dup(q, 0, out);
	sqlite3_finalize(q);
	return ok;
}

bool kstore_meta_put_i64(struct kstore *s, const char *key, int64_t v)
{
	char t[32];

	snprintf(t, sizeof t, "%lld", (long long)v);
	return kstore_meta_put(s, key, t);
}

int64_t kstore_meta_i64(struct kstore *s, const char *key)
{
	char v[32];

	if (!kstore_meta_get(s, key, v, sizeof v))
		return 0;
	return (int64_t)strtoll(v, NULL, 10);
}

bool kstore_set_as_of(struct kstore *s, uint32_t yyyymmdd)
{
	char v[16];

	snprintf(v, sizeof v, "%u", yyyymmdd);
	return kstore_meta_put(s, "status_as_of", v);
}

uint32_t kstore_as_of(struct kstore *s)
{
	char v[16];

	if (!kstore_meta_get(s, "status_as_of", v, sizeof v))
		return 0;
	return (uint32_t)strtoul(v, NULL, 10);
}

bool kstore_roster_put(struct kstore *s, const uint8_t id[JR_ID_BYTES],
	const uint8_t sign_pk[JR_SIGN_PK_BYTES])
{
	sqlite3_stmt *q;
	bool ok;

	if (sqlite3_prepare_v2(s->db,
		"INSERT OR REPLACE INTO kiosk_roster (kiosk_id, sign_pk) VALUES (?1, ?2)",
		-1, &q, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_blob(q, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(q, 2, sign_pk, JR_SIGN_PK_BYTES, SQLITE_STATIC);
	ok = sqlite3_step(q) == SQLITE_DONE;
	sqlite3_finalize(q);
	return ok;
}

bool kstore_roster_get(struct kstore *s, const uint8_t id[JR_ID_BYTES],
	uint8_t sign_pk[JR_SIGN_PK_BYTES])
{
	sqlite3_stmt *q;
	bool found = false;

	if (sqlite3_prepare_v2(s->db,
		"SELECT sign_pk FROM kiosk_roster WHERE kiosk_id = ?1", -1, &q, NULL)
	    != SQLITE_OK)
		return false;
	sqlite3_bind_blob(q, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW &&
	    sqlite3_column_bytes(q, 0) == JR_SIGN_PK_BYTES) {
		memcpy(sign_pk, sqlite3_column_blob(q, 0), JR_SIGN_PK_BYTES);
		found = true;
	}
	sqlite3_finalize(q);
	return found;
}
