/*
 * shard.c — a kiosk's append-only, signed hash chain in SQLite (shard.h).
 *
 * Schema (application_id 0x4A524E47 "JRNG", user_version 2):
 *
 *   meta(id = 1, format = 2, kiosk_pk BLOB 32, kiosk_id BLOB 16)
 *   blocks(height INTEGER PRIMARY KEY, hash BLOB 32, body BLOB, sig BLOB 64)
 *   receipts(regid BLOB 16 PRIMARY KEY, height, prefix45 INTEGER, payload)
 *     with an index on prefix45
 *   regids(regid BLOB 16 PRIMARY KEY, height) WITHOUT ROWID: every
 *     registration id of every block, filled in the append transaction
 *   acks(id = 1, height, hash BLOB 32, time, ack BLOB): the highest
 *     acknowledged head the centre sent (ack.h)
 *   stale(id = 1, ack_height, db_height): present once an ack contradicted
 *     the database; never removed by the library
 *   visits(number INTEGER PRIMARY KEY, entry BLOB): the kiosk's visit log,
 *     each entry signed by the kiosk (visit.h); created by the first writer
 *     that opens a shard without it (the format stays 2: readers that
 *     predate it never read it)
 *
 * Durability and the fork guard. The database runs in WAL mode with
 * synchronous=FULL, so COMMIT returns after the WAL is fsync'd. An append is
 *
 *   BEGIN IMMEDIATE -> insert block, its regids and receipts -> COMMIT ->
 *   counter update (fsync) -> return
 *
 * so the counter (counter.h) never names a height the database does not
 * hold, except when the database itself went back in time: restored from an
 * older copy. jr_shard_open() compares them:
 *   counter > database             JR_ESTALE: refuse, say how to recover;
 *   counter <= database            the block at the counter's height must
 *                                  have the counter's hash, else JR_ECORRUPT
 *                                  (the database is another chain);
 *   database = counter + 1         a crash between COMMIT and the counter
 *                                  update: the writer advances the counter;
 *   database > counter + 1         JR_ECORRUPT (writer only): the counter
 *                                  was rewritten or replaced.
 *
 * Why one block is the only honest gap: the counter moves after every
 * commit, and an append that could not move it marks the handle broken, so
 * no second block is committed before a reopen advances the counter. The
 * counter's two slots (counter.h) are written alternately; a write torn by
 * the power cut damages only the slot being written, and the other slot
 * holds the value before it, one block lower. So a crash leaves the counter
 * at the database's height or one below, never further.
 *
 * What the counter file cannot catch: a database and a counter restored
 * together from one old image agree with each other, and a counter rewritten
 * to exactly one below the database looks like a power cut. Two controls
 * hold there. With a TPM (a kiosk key from a TPM-sealed key file), the
 * counter is bound to the TPM's NV monotonic counter (counter.h), which no
 * image can take back: a writer compares it with the database as it does the
 * file (TPM > database: JR_ESTALE; database = TPM + 1: advanced; further
 * ahead: JR_ECORRUPT). Without one, the centre's signed acknowledged head
 * (ack.h, jr_shard_accept_ack): once it names a height this database does
 * not hold, or another block at that height, the shard is stale for good.
 *
 * The writer holds an exclusive flock on the counter for as long as the shard
 * is open; a second writer gets JR_EEXIST. The kiosk key given to
 * jr_shard_open() is borrowed until jr_shard_close().
 *
 * Every statement is prepared once at open. jr_shard_verify() walks the
 * blocks in height order with one statement and reads the blobs in place
 * (sqlite3_column_blob, no copy), so its cost per block is one SQLite step,
 * one BLAKE2b of the body and one allocation-free scan of it (block_int.h),
 * plus a signature check per block in JR_VERIFY_FULL mode and only for the
 * head in JR_VERIFY_HEAD mode.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "jaring/ack.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/shard.h"
#include "jaring/visit.h"
#include "block_int.h"
#include "counter.h"
#include "keys_int.h"
#include "shard_int.h"

#define SHARD_FORMAT 2
#define SHARD_APP_ID 1246907975 /* "JRNG" */

enum {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_INSERT_BLOCK,
	ST_INSERT_RECEIPT,
	ST_GET,
	ST_HEAD,
	ST_VERIFY,
	ST_BEGIN_READ,
	ST_END_READ,
	ST_RECEIPT,
	ST_LAST_RECEIPT,
	ST_CODE,
	ST_REGID_FIND,
	ST_INSERT_REGID,
	ST_ACK_GET,
	ST_ACK_PUT,
	ST_STALE_GET,
	ST_STALE_PUT,
	ST_COUNT
};

static const char *const shard_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_INSERT_BLOCK] = "INSERT INTO blocks(height, hash, body, sig) VALUES (?1, ?2, ?3, ?4)",
	[ST_INSERT_RECEIPT] = "INSERT INTO receipts(regid, height, prefix45, payload) VALUES (?1, ?2, ?3, ?4)",
	[ST_GET] = "SELECT hash, body, sig FROM blocks WHERE height = ?1",
	[ST_HEAD] = "SELECT height, hash, body FROM blocks ORDER BY height DESC LIMIT 1",
	[ST_VERIFY] = "SELECT height, hash, body, sig FROM blocks WHERE height BETWEEN ?1 AND ?2 ORDER BY height",
	[ST_BEGIN_READ] = "BEGIN",
	[ST_END_READ] = "COMMIT",
	[ST_RECEIPT] = "SELECT payload FROM receipts WHERE regid = ?1",
	[ST_LAST_RECEIPT] = "SELECT payload FROM receipts ORDER BY rowid DESC LIMIT 1",
	[ST_CODE] = "SELECT payload FROM receipts WHERE prefix45 = ?1 LIMIT 2",
	[ST_REGID_FIND] = "SELECT height FROM regids WHERE regid = ?1",
	[ST_INSERT_REGID] = "INSERT INTO regids(regid, height) VALUES (?1, ?2)",
	[ST_ACK_GET] = "SELECT height, hash, time, ack FROM acks WHERE id = 1",
	[ST_ACK_PUT] = "INSERT OR REPLACE INTO acks(id, height, hash, time, ack) VALUES (1, ?1, ?2, ?3, ?4)",
	[ST_STALE_GET] = "SELECT ack_height, db_height FROM stale WHERE id = 1",
	/* The first finding is kept: it names the heights that showed it. */
	[ST_STALE_PUT] = "INSERT OR IGNORE INTO stale(id, ack_height, db_height) VALUES (1, ?1, ?2)",
};

static const char shard_schema[] =
	"PRAGMA application_id = 1246907975;"
	"PRAGMA user_version = 2;"
	"BEGIN;"
	"CREATE TABLE meta("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" format INTEGER NOT NULL,"
	" kiosk_pk BLOB NOT NULL,"
	" kiosk_id BLOB NOT NULL);"
	"CREATE TABLE blocks("
	" height INTEGER PRIMARY KEY,"
	" hash BLOB NOT NULL,"
	" body BLOB NOT NULL,"
	" sig BLOB NOT NULL);"
	"CREATE TABLE receipts("
	" regid BLOB PRIMARY KEY,"
	" height INTEGER NOT NULL,"
	" prefix45 INTEGER NOT NULL,"
	" payload BLOB NOT NULL);"
	"CREATE INDEX receipts_by_prefix45 ON receipts(prefix45);"
	"CREATE TABLE regids("
	" regid BLOB PRIMARY KEY,"
	" height INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE acks("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" height INTEGER NOT NULL,"
	" hash BLOB NOT NULL,"
	" time INTEGER NOT NULL,"
	" ack BLOB NOT NULL);"
	"CREATE TABLE stale("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" ack_height INTEGER NOT NULL,"
	" db_height INTEGER NOT NULL);";

#define VISITS_TABLE "CREATE TABLE IF NOT EXISTS visits(" \
	" number INTEGER PRIMARY KEY, entry BLOB NOT NULL)"

struct jr_shard {
	sqlite3 *db;
	char *db_path;
	char *counter_path; /* NULL: a reader without a counter */
	const struct jr_key *kiosk; /* borrowed; NULL for readers */
	struct jr_counter counter;  /* fd -1 when not open */
	bool writable;
	bool broken; /* state on disk unknown after a failed commit: reopen */
	uint64_t height;
	uint8_t head[JR_HASH_BYTES];
	int64_t head_time;
	uint8_t kiosk_pk[JR_SIGN_PK_BYTES];
	uint8_t kiosk_id[JR_ID_BYTES];
	struct jr_ack ack;    /* the highest acknowledged head; height 0: none */
	bool stale;           /* the centre's ack contradicts this database */
	uint64_t stale_ack;   /* ... the ack's height and the database's ... */
	uint64_t stale_db;    /* ... when that was found */
	sqlite3_stmt *st[ST_COUNT];
};

/* ---- small helpers -------------------------------------------------- */

static int sqlite_to_jr(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return JR_ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return JR_ECORRUPT;
	case SQLITE_CONSTRAINT:
		return JR_EEXIST;
	case SQLITE_CANTOPEN:
		return JR_ENOTFOUND;
	default:
		return JR_EIO;
	}
}

/* JR_ENOMEM when SQLite's last failure on db was running out of memory,
 * else `code`: a failed read must not be taken for a foreign database. */
static int nomem_or(sqlite3 *db, int code)
{
	return sqlite3_errcode(db) == SQLITE_NOMEM ? JR_ENOMEM : code;
}

static int db_err(struct jr_shard *s, int rc, const char *what,
	struct jr_errbuf *eb)
{
	return jr_errf(eb, sqlite_to_jr(rc), "shard %s: %s failed (%s)",
		s->db_path, what, sqlite3_errmsg(s->db));
}

/* Runs a prepared statement that returns no rows. */
static int step_done(struct jr_shard *s, int which)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static char *dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static int copy_blob(sqlite3_stmt *st, int col, struct jr_buf *out)
{
	const void *p = sqlite3_column_blob(st, col);
	int n = sqlite3_column_bytes(st, col);

	if (p == NULL || n <= 0)
		return JR_ECORRUPT;
	out->base = malloc((size_t)n);
	if (out->base == NULL)
		return JR_ENOMEM;
	memcpy(out->base, p, (size_t)n);
	out->len = (size_t)n;
	return JR_OK;
}

static bool path_exists(const char *path)
{
	struct stat sb;

	return lstat(path, &sb) == 0 || errno != ENOENT;
}

/* Removes the database and its WAL files after a failed create. */
static void remove_db_files(const char *db_path)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char p[4096];
	size_t i;
	int n;

	for (i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
		n = snprintf(p, sizeof p, "%s%s", db_path, suffix[i]);
		if (n > 0 && (size_t)n < sizeof p)
			unlink(p);
	}
}

/* ---- create --------------------------------------------------------- */

static int exec_pragma_wal(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL);

	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *mode = sqlite3_column_text(st, 0);
		rc = mode != NULL && strcmp((const char *)mode, "wal") == 0 ?
			SQLITE_OK : sqlite3_errcode(db) == SQLITE_NOMEM ?
			SQLITE_NOMEM : SQLITE_ERROR;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_ERROR;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	return rc;
}

static int insert_meta(sqlite3 *db, const struct jr_pubkey *pub)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
		"INSERT INTO meta(id, format, kiosk_pk, kiosk_id) VALUES (1, ?1, ?2, ?3)",
		-1, &st, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int(st, 1, SHARD_FORMAT);
		sqlite3_bind_blob(st, 2, pub->sign_pk, JR_SIGN_PK_BYTES, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, pub->id, JR_ID_BYTES, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
	}
	sqlite3_finalize(st);
	return rc;
}

static int create_schema(const char *db_path, const struct jr_key *kiosk,
	struct jr_errbuf *eb)
{
	struct jr_pubkey pub;
	sqlite3 *db = NULL;
	int rc;

	jr_key_public(kiosk, &pub);
	rc = sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = exec_pragma_wal(db);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, shard_schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = insert_meta(db, &pub);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		jr_errf(eb, sqlite_to_jr(rc), "shard %s: cannot create the database (%s)",
			db_path, db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	sqlite3_close(db);
	return rc == SQLITE_OK ? JR_OK : sqlite_to_jr(rc);
}

/* A kiosk key from a TPM-sealed key file binds the writer's counter to the
 * TPM's (counter.h). */
static int bind_tpm(struct jr_counter *c, const struct jr_key *kiosk,
	const char *db_path, struct jr_errbuf *eb)
{
	uint32_t index;
	uint64_t base;
	int rc;

	if (kiosk == NULL || !jr_key_tpm_counter(kiosk, &index, &base))
		return JR_OK;
	rc = jr_counter_bind_tpm(c, index, base, eb);
	return rc == JR_OK ? JR_OK : jr_errf(eb, rc, "shard %s", db_path);
}

int jr_shard_create(const char *db_path, const char *counter_path,
	const struct jr_key *kiosk, struct jr_errbuf *eb)
{
	struct jr_counter c = { .fd = -1 };
	int fd, rc;

	if (db_path == NULL || counter_path == NULL || kiosk == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: create needs a database path, a counter path and a kiosk key");
	if (jr_key_role(kiosk) != JR_ROLE_KIOSK)
		return jr_errf(eb, JR_EKEY, "shard %s: the key is not a kiosk key", db_path);
	if (path_exists(counter_path))
		return jr_errf(eb, JR_EEXIST, "shard: counter %s already exists; a counter is never replaced", counter_path);
	fd = open(db_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return jr_errf(eb, errno == EEXIST ? JR_EEXIST :
			errno == ENOENT ? JR_ENOTFOUND : JR_EIO,
			"shard %s: cannot create (%s)", db_path, strerror(errno));
	close(fd);
	rc = create_schema(db_path, kiosk, eb);
	if (rc == JR_OK)
		rc = jr_fsync_parent_dir(db_path, eb);
	if (rc == JR_OK) {
		rc = jr_counter_create(counter_path, &c, eb);
		if (rc != JR_OK)
			jr_errf(eb, rc, "shard %s", db_path);
		if (rc == JR_OK)
			rc = bind_tpm(&c, kiosk, db_path, eb);
		if (rc == JR_OK && c.tpm && c.tpm_height != 0)
			rc = jr_errf(eb, JR_ESTALE, "shard %s: the kiosk key's TPM counter says it "
				"signed up to height %llu already; a key that signed blocks gets no new, "
				"empty shard. See docs/operations.md, 'Restoring a kiosk from a backup'.",
				db_path, (unsigned long long)c.tpm_height);
		jr_counter_close(&c);
	}
	if (rc != JR_OK)
		remove_db_files(db_path);
	return rc;
}

/* ---- open ----------------------------------------------------------- */

/* Before anything writes to it (the WAL pragma would): is this our file? */
static int check_app_id(struct jr_shard *s, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	bool ours = sqlite3_prepare_v2(s->db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
		    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) == SHARD_APP_ID;
	int rc = ours ? JR_OK :
		jr_errf(eb, nomem_or(s->db, JR_EFORMAT),
			"shard %s is not a Jaring shard database (%s)",
			s->db_path, sqlite3_errmsg(s->db));

	sqlite3_finalize(st);
	return rc;
}

static int db_open(struct jr_shard *s, struct jr_errbuf *eb)
{
	int flags = (s->writable ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
		    SQLITE_OPEN_NOMUTEX;
	int rc;

	if (!path_exists(s->db_path))
		return jr_errf(eb, JR_ENOTFOUND, "shard %s does not exist", s->db_path);
	rc = sqlite3_open_v2(s->db_path, &s->db, flags, NULL);
	if (rc != SQLITE_OK)
		return db_err(s, rc, "opening", eb);
	/* Another connection (a reader in WAL recovery, a checkpoint) may
	 * hold a lock for a moment; wait rather than fail an append. */
	sqlite3_busy_timeout(s->db, 5000);
	rc = check_app_id(s, eb);
	if (rc != JR_OK)
		return rc;
	if (s->writable) {
		rc = exec_pragma_wal(s->db);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(s->db, VISITS_TABLE, NULL, NULL, NULL);
		if (rc != SQLITE_OK)
			return db_err(s, rc, "setting WAL mode and synchronous=FULL", eb);
	}
	return JR_OK;
}

/* After load_meta(): a shard of another format may lack the tables. */
static int prepare_all(struct jr_shard *s, struct jr_errbuf *eb)
{
	int rc, i;

	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, shard_sql[i], -1,
			SQLITE_PREPARE_PERSISTENT, &s->st[i], NULL);
		if (rc != SQLITE_OK)
			return jr_errf(eb, rc == SQLITE_ERROR ? JR_EFORMAT : sqlite_to_jr(rc),
				"shard %s is not a Jaring shard database (%s)", s->db_path,
				sqlite3_errmsg(s->db));
	}
	return JR_OK;
}

static int load_meta(struct jr_shard *s, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(s->db,
		"SELECT format, kiosk_pk, kiosk_id FROM meta WHERE id = 1",
		-1, &st, NULL);
	uint8_t id[JR_ID_BYTES];

	if (rc != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		rc = jr_errf(eb, nomem_or(s->db, JR_EFORMAT),
			"shard %s has no meta row: not a Jaring shard (%s)",
			s->db_path, sqlite3_errmsg(s->db));
		goto out;
	}
	if (sqlite3_column_int64(st, 0) != SHARD_FORMAT) {
		rc = jr_errf(eb, JR_EVERSION, "shard %s has format %lld; this build reads format %d",
			s->db_path, (long long)sqlite3_column_int64(st, 0), SHARD_FORMAT);
		goto out;
	}
	if (sqlite3_column_bytes(st, 1) != JR_SIGN_PK_BYTES ||
	    sqlite3_column_bytes(st, 2) != JR_ID_BYTES) {
		rc = jr_errf(eb, JR_ECORRUPT, "shard %s: the kiosk key in meta has the wrong size", s->db_path);
		goto out;
	}
	memcpy(s->kiosk_pk, sqlite3_column_blob(st, 1), JR_SIGN_PK_BYTES);
	memcpy(s->kiosk_id, sqlite3_column_blob(st, 2), JR_ID_BYTES);
	jr_keyid_from_pk(s->kiosk_pk, id);
	rc = memcmp(id, s->kiosk_id, JR_ID_BYTES) == 0 ? JR_OK :
		jr_errf(eb, JR_ECORRUPT, "shard %s: the kiosk id in meta is not the id of its key", s->db_path);
out:
	sqlite3_finalize(st);
	return rc;
}

static int check_key(struct jr_shard *s, const struct jr_key *kiosk,
	struct jr_errbuf *eb)
{
	char have[JR_KEYID_SHORT_LEN + 1], want[JR_KEYID_SHORT_LEN + 1];
	struct jr_pubkey pub;

	jr_key_public(kiosk, &pub);
	if (memcmp(pub.sign_pk, s->kiosk_pk, JR_SIGN_PK_BYTES) == 0)
		return JR_OK;
	jr_keyid_short(s->kiosk_id, have);
	jr_keyid_short(pub.id, want);
	return jr_errf(eb, JR_EKEY,
		"shard %s belongs to kiosk %s, but the key given is kiosk %s: use the shard's own key",
		s->db_path, have, want);
}

/* Reads the head's height, hash and time. A reader opens a shard whose head
 * row is damaged (so that jr_shard_verify() can name it); a writer refuses. */
static int load_head(struct jr_shard *s, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = s->st[ST_HEAD];
	struct jr_block_scan b;
	int rc = sqlite3_step(st);
	bool ok = true;

	s->height = 0;
	s->head_time = 0;
	memset(s->head, 0, sizeof s->head);
	if (rc == SQLITE_ROW) {
		sqlite3_int64 h = sqlite3_column_int64(st, 0);
		const uint8_t *body = sqlite3_column_blob(st, 2);
		int bl = sqlite3_column_bytes(st, 2);

		ok = h >= 1 && sqlite3_column_bytes(st, 1) == JR_HASH_BYTES && bl > 0 &&
		     jr_block_scan(body, (size_t)bl, &b) == JR_OK;
		s->height = h >= 1 ? (uint64_t)h : 0;
		if (ok) {
			memcpy(s->head, sqlite3_column_blob(st, 1), JR_HASH_BYTES);
			s->head_time = b.time;
		}
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(s, rc, "reading the head", eb);
	if (!ok && s->writable)
		return jr_errf(eb, JR_ECORRUPT,
			"shard %s: the head block %llu is damaged; do not append to it, verify it and "
			"report it to the district office", s->db_path, (unsigned long long)s->height);
	return JR_OK;
}

/* The stored hash of the block at height h into out; JR_ENOTFOUND if none. */
static int hash_at(struct jr_shard *s, uint64_t h, uint8_t out[JR_HASH_BYTES])
{
	sqlite3_stmt *st = s->st[ST_GET];
	int rc;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)h);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == JR_HASH_BYTES)
		memcpy(out, sqlite3_column_blob(st, 0), JR_HASH_BYTES);
	rc = rc == SQLITE_ROW ? JR_OK : rc == SQLITE_DONE ? JR_ENOTFOUND : sqlite_to_jr(rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

static int stale_error(struct jr_shard *s, struct jr_errbuf *eb)
{
	unsigned long long db = s->height, signed_h = s->counter.height;
	char heights[64];
	int n;

	if (signed_h == db + 1)
		n = snprintf(heights, sizeof heights, "height %llu", signed_h);
	else
		n = snprintf(heights, sizeof heights, "heights %llu-%llu", db + 1, signed_h);
	if (n < 0 || (size_t)n >= sizeof heights)
		heights[0] = '\0';
	return jr_errf(eb, JR_ESTALE,
		"shard %s is at height %llu but this kiosk already signed height %llu (counter %s): "
		"the database was restored from an older copy. Signing again would create a second, "
		"different block at %s. Do not delete the counter. See docs/operations.md, "
		"'Restoring a kiosk from a backup'.",
		s->db_path, db, signed_h, s->counter_path, heights);
}

static int tpm_stale_error(struct jr_shard *s, struct jr_errbuf *eb)
{
	return jr_errf(eb, JR_ESTALE,
		"shard %s is at height %llu but this kiosk's TPM counter says it already signed "
		"height %llu: the disk was put back from an older image (the TPM's counter cannot "
		"go back). Signing again would create a second, different block at a height the "
		"kiosk signed before; it will not sign. Do not delete anything. See "
		"docs/operations.md, 'Restoring a kiosk from a backup'.", s->db_path,
		(unsigned long long)s->height, (unsigned long long)s->counter.tpm_height);
}

/* The TPM's counter against the database, as check_counter does the file. */
static int check_tpm(struct jr_shard *s, struct jr_errbuf *eb)
{
	struct jr_counter *c = &s->counter;
	int rc;

	if (c->tpm_height > s->height)
		return tpm_stale_error(s, eb);
	if (s->height > c->tpm_height) {
		rc = jr_counter_tpm_advance(c, s->height, eb);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "shard %s", s->db_path);
	}
	return JR_OK;
}

/* Compares the database with the fork-guard counter; see the top comment. */
static int check_counter(struct jr_shard *s, struct jr_errbuf *eb)
{
	struct jr_counter *c = &s->counter;
	uint8_t h[JR_HASH_BYTES] = { 0 };
	int rc;

	if (c->height > s->height)
		return stale_error(s, eb);
	if (c->height > 0) {
		rc = hash_at(s, c->height, h);
		if (rc != JR_OK && rc != JR_ENOTFOUND)
			return jr_errf(eb, rc, "shard %s: reading block %llu failed (%s)",
				s->db_path, (unsigned long long)c->height, sqlite3_errmsg(s->db));
		if (rc != JR_OK || sodium_memcmp(h, c->hash, JR_HASH_BYTES) != 0)
			return jr_errf(eb, JR_ECORRUPT,
				"shard %s holds another block at height %llu than the one this kiosk signed "
				"(counter %s): the database is not this kiosk's chain or was altered. Do not "
				"append to it. See docs/operations.md, 'Restoring a kiosk from a backup'.",
				s->db_path, (unsigned long long)c->height, s->counter_path);
	}
	/* Only a writer judges the gap: it holds the counter's lock, so nothing
	 * moves while it looks. A reader read the counter before the database,
	 * and a live writer may have appended any number of blocks since. */
	if (s->writable && s->height > c->height + 1)
		return jr_errf(eb, JR_ECORRUPT,
			"shard %s is at height %llu but counter %s says this kiosk signed only up to "
			"height %llu: a power cut leaves the counter at most one block behind, so the "
			"counter was rewritten or replaced. Do not append, and do not delete either "
			"file. See docs/operations.md, 'Restoring a kiosk from a backup'.",
			s->db_path, (unsigned long long)s->height, s->counter_path,
			(unsigned long long)c->height);
	if (c->tpm && (rc = check_tpm(s, eb)) != JR_OK)
		return rc;
	if (s->writable && s->height > c->height) {
		rc = jr_counter_advance(c, s->height, s->head, eb);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "shard %s: counter %s", s->db_path, s->counter_path);
	}
	return JR_OK;
}

/* ---- the acknowledged head (ack.h) ---------------------------------- */

static int ack_stale_error(struct jr_shard *s, struct jr_errbuf *eb)
{
	unsigned long long a = s->stale_ack, d = s->stale_db;
	char what[96];
	int n;

	if (a > d)
		n = snprintf(what, sizeof what, "holds only heights 1-%llu", d);
	else
		n = snprintf(what, sizeof what, "(at height %llu) holds another block at height %llu",
			d, a);
	if (n < 0 || (size_t)n >= sizeof what)
		what[0] = '\0';
	return jr_errf(eb, JR_ESTALE,
		"shard %s is stale: the centre acknowledged height %llu of this kiosk's chain, but "
		"this database %s. It was put back from an old image of the card, or it forked; "
		"signing again would put a second, different block at a height the centre already "
		"holds. Do not append and do not delete anything. See docs/operations.md, "
		"'Restoring a kiosk from a backup'.", s->db_path, a, what);
}

/* Does *a contradict this database: a height it does not hold, or another
 * block at that height? */
static int ack_conflicts(struct jr_shard *s, const struct jr_ack *a, bool *conflict,
	struct jr_errbuf *eb)
{
	uint8_t h[JR_HASH_BYTES] = { 0 };
	int rc;

	*conflict = true;
	if (a->height > s->height)
		return JR_OK;
	rc = hash_at(s, a->height, h);
	if (rc == JR_ENOTFOUND)
		return JR_OK;
	if (rc != JR_OK)
		return jr_errf(eb, rc, "shard %s: reading block %llu failed (%s)", s->db_path,
			(unsigned long long)a->height, sqlite3_errmsg(s->db));
	*conflict = sodium_memcmp(h, a->hash, JR_HASH_BYTES) != 0;
	return JR_OK;
}

/* Reads the stored ack and the stale mark. A writer refuses a database below
 * the ack it stored; a stored ack that contradicts the chain makes the shard
 * stale even if the mark itself was lost. */
static int load_ack(struct jr_shard *s, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = s->st[ST_ACK_GET];
	bool conflict = false;
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		sqlite3_int64 h = sqlite3_column_int64(st, 0), t = sqlite3_column_int64(st, 2);
		if (h < 1 || t < 0 || sqlite3_column_bytes(st, 1) != JR_HASH_BYTES) {
			sqlite3_reset(st);
			return jr_errf(eb, JR_ECORRUPT, "shard %s: the stored acknowledgement is damaged; "
				"report it to the district office", s->db_path);
		}
		memcpy(s->ack.kiosk_id, s->kiosk_id, JR_ID_BYTES);
		s->ack.height = (uint64_t)h;
		memcpy(s->ack.hash, sqlite3_column_blob(st, 1), JR_HASH_BYTES);
		s->ack.time = t;
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(s, rc, "reading the acknowledgement", eb);
	st = s->st[ST_STALE_GET];
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		s->stale = true;
		s->stale_ack = (uint64_t)sqlite3_column_int64(st, 0);
		s->stale_db = (uint64_t)sqlite3_column_int64(st, 1);
		rc = SQLITE_DONE;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return db_err(s, rc, "reading the stale mark", eb);
	if (s->ack.height > 0 && (rc = ack_conflicts(s, &s->ack, &conflict, eb)) != JR_OK)
		return rc;
	if (conflict && !s->stale) {
		s->stale = true;
		s->stale_ack = s->ack.height;
		s->stale_db = s->height;
	}
	if (s->writable && s->ack.height > s->height) {
		s->stale_ack = s->ack.height;
		s->stale_db = s->height;
		return ack_stale_error(s, eb);
	}
	return JR_OK;
}

/* One transaction: the new highest ack (if higher) and the stale mark (if
 * it contradicts the chain). */
static int store_ack(struct jr_shard *s, const struct jr_ack *a, const uint8_t *p,
	size_t len, bool higher, bool conflict, struct jr_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc = step_done(s, ST_BEGIN);

	if (rc != SQLITE_OK)
		return db_err(s, rc, "starting a transaction", eb);
	if (higher) {
		st = s->st[ST_ACK_PUT];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)a->height);
		sqlite3_bind_blob(st, 2, a->hash, JR_HASH_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)a->time);
		sqlite3_bind_blob(st, 4, p, (int)len, SQLITE_STATIC);
		rc = step_done(s, ST_ACK_PUT);
	}
	if (rc == SQLITE_OK && conflict) {
		st = s->st[ST_STALE_PUT];
		sqlite3_bind_int64(st, 1, (sqlite3_int64)a->height);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)s->height);
		rc = step_done(s, ST_STALE_PUT);
	}
	if (rc == SQLITE_OK) {
		rc = step_done(s, ST_COMMIT);
		if (rc == SQLITE_OK)
			return JR_OK;
		s->broken = true;
	}
	rc = db_err(s, rc, "storing the acknowledgement", eb);
	if (step_done(s, ST_ROLLBACK) != SQLITE_OK && !sqlite3_get_autocommit(s->db))
		s->broken = true;
	return rc;
}

int jr_shard_accept_ack(struct jr_shard *s, const uint8_t *p, size_t len,
	const uint8_t consortium_sign_pk[JR_SIGN_PK_BYTES], struct jr_errbuf *eb)
{
	char have[JR_KEYID_SHORT_LEN + 1], want[JR_KEYID_SHORT_LEN + 1];
	bool conflict = false, higher;
	struct jr_ack a;
	int rc;

	if (s == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no shard given");
	if (!s->writable)
		return jr_errf(eb, JR_EINVAL, "shard %s was opened for reading: open it with the "
			"kiosk key to take an acknowledgement", s->db_path);
	if (s->broken)
		return jr_errf(eb, JR_EIO, "shard %s: an earlier write failed half-way; close and "
			"reopen the shard", s->db_path);
	rc = jr_ack_verify(p, len, consortium_sign_pk, &a, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "shard %s: acknowledgement refused", s->db_path);
	if (sodium_memcmp(a.kiosk_id, s->kiosk_id, JR_ID_BYTES) != 0) {
		jr_keyid_short(a.kiosk_id, have);
		jr_keyid_short(s->kiosk_id, want);
		return jr_errf(eb, JR_EKEY, "shard %s: the acknowledgement is for kiosk %s, but "
			"this is kiosk %s; the bundle was meant for another kiosk", s->db_path, have, want);
	}
	/* Even an old ack is checked against the chain: any ack that
	 * contradicts it is evidence of a restore or a fork. */
	rc = ack_conflicts(s, &a, &conflict, eb);
	if (rc != JR_OK)
		return rc;
	higher = a.height > s->ack.height;
	if (!higher && !conflict)
		return JR_OK;
	rc = store_ack(s, &a, p, len, higher, conflict, eb);
	if (rc != JR_OK)
		return rc;
	if (higher)
		s->ack = a;
	if (!conflict)
		return JR_OK;
	if (!s->stale) {
		s->stale = true;
		s->stale_ack = a.height;
		s->stale_db = s->height;
	}
	return ack_stale_error(s, eb);
}

bool jr_shard_stale(const struct jr_shard *s)
{
	return s->stale;
}

int jr_shard_last_ack(const struct jr_shard *s, struct jr_ack *out)
{
	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (s == NULL)
		return JR_EINVAL;
	if (s->ack.height == 0)
		return JR_ENOTFOUND;
	*out = s->ack;
	return JR_OK;
}

static int shard_new(const char *db_path, const char *counter_path,
	const struct jr_key *kiosk, struct jr_shard **out)
{
	struct jr_shard *s = calloc(1, sizeof *s);

	*out = NULL;
	if (s == NULL)
		return JR_ENOMEM;
	s->counter.fd = -1;
	s->kiosk = kiosk;
	s->writable = kiosk != NULL;
	s->db_path = dup_str(db_path);
	s->counter_path = counter_path != NULL ? dup_str(counter_path) : NULL;
	if (s->db_path == NULL || (counter_path != NULL && s->counter_path == NULL)) {
		jr_shard_close(s);
		return JR_ENOMEM;
	}
	*out = s;
	return JR_OK;
}

static int shard_load(struct jr_shard *s, const struct jr_key *kiosk,
	struct jr_errbuf *eb)
{
	int rc = JR_OK;

	/* The counter is read before the database: a writer appending meanwhile
	 * only moves the database further ahead of what was read. */
	if (s->counter_path != NULL) {
		rc = jr_counter_open(s->counter_path, s->writable, &s->counter, eb);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "shard %s", s->db_path);
		if (s->writable && (rc = bind_tpm(&s->counter, kiosk, s->db_path, eb)) != JR_OK)
			return rc;
	}
	rc = db_open(s, eb);
	if (rc == JR_OK)
		rc = load_meta(s, eb);
	if (rc == JR_OK)
		rc = prepare_all(s, eb);
	if (rc == JR_OK && kiosk != NULL)
		rc = check_key(s, kiosk, eb);
	if (rc == JR_OK)
		rc = load_head(s, eb);
	if (rc == JR_OK && s->counter_path != NULL)
		rc = check_counter(s, eb);
	if (rc == JR_OK)
		rc = load_ack(s, eb);
	return rc;
}

int jr_shard_open(const char *db_path, const char *counter_path,
	const struct jr_key *kiosk, struct jr_shard **out, struct jr_errbuf *eb)
{
	struct jr_shard *s = NULL;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no output given");
	*out = NULL;
	if (db_path == NULL || (kiosk != NULL && counter_path == NULL))
		return jr_errf(eb, JR_EINVAL, "shard: open needs a database path, and a counter path to append");
	if (kiosk != NULL && jr_key_role(kiosk) != JR_ROLE_KIOSK)
		return jr_errf(eb, JR_EKEY, "shard %s: the key is not a kiosk key", db_path);
	rc = shard_new(db_path, counter_path, kiosk, &s);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "shard %s: out of memory", db_path);
	rc = shard_load(s, kiosk, eb);
	if (rc != JR_OK) {
		jr_shard_close(s);
		return rc;
	}
	*out = s;
	return JR_OK;
}

void jr_shard_close(struct jr_shard *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	jr_counter_close(&s->counter);
	free(s->db_path);
	free(s->counter_path);
	free(s);
}

uint64_t jr_shard_height(const struct jr_shard *s)
{
	return s->height;
}

const uint8_t *jr_shard_head_hash(const struct jr_shard *s)
{
	return s->head;
}

int64_t jr_shard_head_time(const struct jr_shard *s)
{
	return s->head_time;
}

const uint8_t *jr_shard_kiosk_pk(const struct jr_shard *s)
{
	return s->kiosk_pk;
}

const uint8_t *jr_shard_kiosk_id(const struct jr_shard *s)
{
	return s->kiosk_id;
}

/* ---- append --------------------------------------------------------- */

/* Each record must be a well-formed record of this kiosk; each receipt must
 * belong to one of the records. ids gets the records' registration ids. */
static int check_records(struct jr_shard *s, const uint8_t *const *records,
	const size_t *record_len, size_t n, uint8_t ids[][JR_REGID_BYTES],
	struct jr_errbuf *eb)
{
	struct jr_registration r;
	size_t i;
	int rc;

	if (n < 1 || n > JR_BLOCK_MAX_RECORDS || records == NULL || record_len == NULL)
		return jr_errf(eb, JR_EINVAL, "shard %s: a block holds 1..%d records, not %zu",
			s->db_path, JR_BLOCK_MAX_RECORDS, n);
	for (i = 0; i < n; i++) {
		rc = records[i] == NULL ? JR_EINVAL :
			jr_record_decode(records[i], record_len[i], &r, eb);
		if (rc == JR_OK && memcmp(r.kiosk_id, s->kiosk_id, JR_ID_BYTES) != 0)
			rc = jr_errf(eb, JR_EINVAL, "the record names another kiosk");
		jr_registration_wipe(&r);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "shard %s: record %zu of the block is refused",
				s->db_path, i + 1);
		jr_record_id(records[i], record_len[i], ids[i]);
	}
	return JR_OK;
}

/* The stored height holding regid into *h; JR_ENOTFOUND if none. */
static int regid_height(struct jr_shard *s, const uint8_t regid[JR_REGID_BYTES],
	uint64_t *h)
{
	sqlite3_stmt *st = s->st[ST_REGID_FIND];
	int rc;

	sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*h = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0 ?
		(uint64_t)sqlite3_column_int64(st, 0) : 0;
	rc = rc == SQLITE_ROW ? JR_OK : rc == SQLITE_DONE ? JR_ENOTFOUND : sqlite_to_jr(rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* A registration is signed once: a record whose registration id this shard
 * already holds, or that appears twice in the block, is refused. The regids
 * table is the index; its PRIMARY KEY is the backstop inside the append
 * transaction. n <= JR_BLOCK_MAX_RECORDS, so the pairwise scan is cheap. */
static int check_unique(struct jr_shard *s, uint8_t ids[][JR_REGID_BYTES],
	size_t n, struct jr_errbuf *eb)
{
	char hex[2 * JR_REGID_BYTES + 1];
	uint64_t h = 0;
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		for (j = 0; j < i; j++) {
			if (memcmp(ids[i], ids[j], JR_REGID_BYTES) == 0) {
				jr_hex(ids[i], JR_REGID_BYTES, hex);
				return jr_errf(eb, JR_EEXIST,
					"shard %s: records %zu and %zu of the block are the same "
					"registration %s; a registration is signed once, drop the copy",
					s->db_path, j + 1, i + 1, hex);
			}
		}
		rc = regid_height(s, ids[i], &h);
		if (rc == JR_ENOTFOUND)
			continue;
		if (rc != JR_OK)
			return jr_errf(eb, rc, "shard %s: looking up a registration id failed (%s)",
				s->db_path, sqlite3_errmsg(s->db));
		jr_hex(ids[i], JR_REGID_BYTES, hex);
		return jr_errf(eb, JR_EEXIST,
			"shard %s: record %zu of the block is registration %s, which block %llu "
			"already holds; a registration is signed once, nothing was appended",
			s->db_path, i + 1, hex, (unsigned long long)h);
	}
	return JR_OK;
}

static int check_receipts(struct jr_shard *s, const struct jr_shard_receipt *receipts,
	size_t n_receipts, uint8_t ids[][JR_REGID_BYTES], size_t n_ids,
	struct jr_errbuf *eb)
{
	size_t i, j;

	if (n_receipts > 0 && receipts == NULL)
		return jr_errf(eb, JR_EINVAL, "shard %s: no receipts given", s->db_path);
	for (i = 0; i < n_receipts; i++) {
		if (receipts[i].payload == NULL || receipts[i].len < 1 ||
		    receipts[i].len > JR_RECEIPT_MAX_BYTES)
			return jr_errf(eb, JR_EINVAL,
				"shard %s: receipt %zu has %zu bytes, not 1..%d",
				s->db_path, i + 1, receipts[i].len, JR_RECEIPT_MAX_BYTES);
		for (j = 0; j < n_ids; j++)
			if (memcmp(receipts[i].regid, ids[j], JR_REGID_BYTES) == 0)
				break;
		if (j == n_ids)
			return jr_errf(eb, JR_EINVAL,
				"shard %s: receipt %zu is for a registration that is not in the block",
				s->db_path, i + 1);
	}
	return JR_OK;
}

static int insert_block(struct jr_shard *s, uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], const struct jr_buf *body,
	const uint8_t sig[JR_SIG_BYTES])
{
	sqlite3_stmt *st = s->st[ST_INSERT_BLOCK];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
	sqlite3_bind_blob(st, 2, hash, JR_HASH_BYTES, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, body->base, (int)body->len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, sig, JR_SIG_BYTES, SQLITE_STATIC);
	return step_done(s, ST_INSERT_BLOCK);
}

static int insert_regids(struct jr_shard *s, uint64_t height,
	uint8_t ids[][JR_REGID_BYTES], size_t n)
{
	sqlite3_stmt *st = s->st[ST_INSERT_REGID];
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_blob(st, 1, ids[i], JR_REGID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)height);
		rc = step_done(s, ST_INSERT_REGID);
	}
	return rc;
}

static int insert_receipts(struct jr_shard *s, uint64_t height,
	const struct jr_shard_receipt *r, size_t n)
{
	sqlite3_stmt *st = s->st[ST_INSERT_RECEIPT];
	size_t i;
	int rc = SQLITE_OK;

	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_bind_blob(st, 1, r[i].regid, JR_REGID_BYTES, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)height);
		sqlite3_bind_int64(st, 3, (sqlite3_int64)jr_regid_prefix45(r[i].regid));
		sqlite3_bind_blob(st, 4, r[i].payload, (int)r[i].len, SQLITE_STATIC);
		rc = step_done(s, ST_INSERT_RECEIPT);
	}
	return rc;
}

/* What one append stores: the block, its records' ids and its receipts. */
struct pending {
	uint64_t height;
	const uint8_t *hash;
	const struct jr_buf *body;
	const uint8_t *sig;
	uint8_t (*ids)[JR_REGID_BYTES];
	size_t n_ids;
	const struct jr_shard_receipt *receipts;
	size_t n_receipts;
};

/* One transaction: the block, its registration ids and its receipts, or
 * nothing. */
static int store_block(struct jr_shard *s, const struct pending *p,
	struct jr_errbuf *eb)
{
	int rc = step_done(s, ST_BEGIN);

	if (rc != SQLITE_OK)
		return db_err(s, rc, "starting a transaction", eb);
	rc = insert_block(s, p->height, p->hash, p->body, p->sig);
	if (rc != SQLITE_OK) {
		rc = db_err(s, rc, "storing the block", eb);
		goto err_in_tx;
	}
	rc = insert_regids(s, p->height, p->ids, p->n_ids);
	if (rc != SQLITE_OK) {
		rc = db_err(s, rc, "indexing the registration ids (one is held already?)", eb);
		goto err_in_tx;
	}
	rc = insert_receipts(s, p->height, p->receipts, p->n_receipts);
	if (rc != SQLITE_OK) {
		rc = db_err(s, rc, "storing the receipts (a receipt for one of these registrations exists already?)", eb);
		goto err_in_tx;
	}
	rc = step_done(s, ST_COMMIT);
	if (rc != SQLITE_OK) {
		/* Whether the commit reached the disk is unknown: reopening
		 * re-reads the head and re-checks the counter. */
		s->broken = true;
		rc = db_err(s, rc, "committing the block", eb);
		goto err_in_tx;
	}
	return JR_OK;
err_in_tx:
	if (step_done(s, ST_ROLLBACK) != SQLITE_OK && !sqlite3_get_autocommit(s->db))
		s->broken = true;
	return rc;
}

static int build_body(struct jr_shard *s, int64_t time,
	const uint8_t *const *records, const size_t *record_len, size_t n,
	struct jr_buf *body, struct jr_errbuf *eb)
{
	struct jr_block b;
	size_t i;
	int rc;

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, s->kiosk_id, JR_ID_BYTES);
	b.height = s->height + 1;
	memcpy(b.prev, s->head, JR_HASH_BYTES);
	b.time = time;
	b.n_records = n;
	for (i = 0; i < n; i++) {
		b.records[i] = records[i];
		b.record_len[i] = record_len[i];
	}
	rc = jr_block_encode(&b, body);
	if (rc == JR_ETOOBIG)
		return jr_errf(eb, rc, "shard %s: the block would be over %d bytes; put fewer records in it",
			s->db_path, JR_BLOCK_MAX_BYTES);
	if (rc == JR_ENOMEM)
		return jr_errf(eb, rc, "shard %s: out of memory encoding block %llu",
			s->db_path, (unsigned long long)b.height);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "shard %s: cannot encode block %llu (time %lld must not be before 1970)",
			s->db_path, (unsigned long long)b.height, (long long)time);
	return JR_OK;
}

static int append_ready(struct jr_shard *s, struct jr_errbuf *eb)
{
	if (!s->writable)
		return jr_errf(eb, JR_EINVAL, "shard %s was opened for reading: open it with the kiosk key to append",
			s->db_path);
	if (s->broken)
		return jr_errf(eb, JR_EIO, "shard %s: an earlier append failed half-way; close and reopen the shard",
			s->db_path);
	if (s->stale)
		return ack_stale_error(s, eb);
	if (s->height >= INT64_MAX)
		return jr_errf(eb, JR_ETOOBIG, "shard %s is full", s->db_path);
	return JR_OK;
}

int jr_shard_append(struct jr_shard *s, int64_t time,
	const uint8_t *const *records, const size_t *record_len, size_t n_records,
	const struct jr_shard_receipt *receipts, size_t n_receipts,
	uint64_t *height, uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	uint8_t ids[JR_BLOCK_MAX_RECORDS][JR_REGID_BYTES];
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_buf body = { NULL, 0 };
	int rc;

	if (height != NULL)
		*height = 0;
	if (hash != NULL)
		memset(hash, 0, JR_HASH_BYTES);
	if (s == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no shard given");
	rc = append_ready(s, eb);
	if (rc == JR_OK)
		rc = check_records(s, records, record_len, n_records, ids, eb);
	if (rc == JR_OK)
		rc = check_unique(s, ids, n_records, eb);
	if (rc == JR_OK)
		rc = check_receipts(s, receipts, n_receipts, ids, n_records, eb);
	if (rc == JR_OK && time < s->head_time)
		rc = jr_errf(eb, JR_EINVAL,
			"shard %s: time %lld is before the time of block %llu (%lld): the clock went back; "
			"use the later time", s->db_path, (long long)time,
			(unsigned long long)s->height, (long long)s->head_time);
	if (rc == JR_OK)
		rc = build_body(s, time, records, record_len, n_records, &body, eb);
	if (rc != JR_OK)
		return rc;
	rc = jr_block_sign(s->kiosk, body.base, body.len, h, sig);
	if (rc != JR_OK)
		rc = jr_errf(eb, rc, "shard %s: signing block %llu failed", s->db_path,
			(unsigned long long)s->height + 1);
	if (rc == JR_OK) {
		struct pending p = {
			.height = s->height + 1, .hash = h, .body = &body, .sig = sig,
			.ids = ids, .n_ids = n_records,
			.receipts = receipts, .n_receipts = n_receipts,
		};
		rc = store_block(s, &p, eb);
	}
	jr_buf_free(&body);
	if (rc != JR_OK)
		return rc;
	s->height++;
	memcpy(s->head, h, JR_HASH_BYTES);
	s->head_time = time;
	rc = jr_counter_advance(&s->counter, s->height, h, eb);
	if (rc != JR_OK) {
		s->broken = true;
		return jr_errf(eb, rc,
			"shard %s: block %llu is stored but counter %s was not advanced; reopen the shard",
			s->db_path, (unsigned long long)s->height, s->counter_path);
	}
	if (height != NULL)
		*height = s->height;
	if (hash != NULL)
		memcpy(hash, h, JR_HASH_BYTES);
	return JR_OK;
}

/* ---- verify --------------------------------------------------------- */

/*
 * One pass in height order inside a read transaction. Per row: the height is
 * the next one, the body hashes to the stored hash, it is a well-formed
 * block of this kiosk at that height, after the previous hash and not dated
 * before the previous block; in JR_VERIFY_FULL mode its signature verifies.
 * In JR_VERIFY_HEAD mode only the head's signature is checked, at the end:
 * the hash chain makes it cover every body below.
 */

/* JR_VERIFY_FULL checks signatures in batches, after the rows that carry
 * them: alternating SQLite, BLAKE2b and Ed25519 per row evicts the
 * verifier's tables from the cache, which cost about a tenth of its rate. */
#define VERIFY_BATCH 64

struct walk {
	uint64_t expect;                 /* height the next row must have */
	uint8_t prev[JR_HASH_BYTES];     /* hash of the body at expect - 1 */
	int64_t time;                    /* time of the body at expect - 1 */
	uint8_t sig[JR_SIG_BYTES];       /* signature of the last block seen */
	bool prev_unknown;               /* first row of a second half: ... */
	uint8_t first_prev[JR_HASH_BYTES]; /* ... its prev and time are */
	int64_t first_time;              /* checked when the halves join */
	size_t pending;                  /* signatures not yet checked ... */
	uint64_t pending_from;           /* ... from this height on */
	uint64_t sig_bad;                /* height of a signature that failed */
	uint8_t phash[VERIFY_BATCH][JR_HASH_BYTES];
	uint8_t psig[VERIFY_BATCH][JR_SIG_BYTES];
};

static int bad(struct jr_shard *s, struct jr_errbuf *eb, int code,
	uint64_t h, const char *why)
{
	return jr_errf(eb, code,
		"shard %s: block %llu %s: the database was altered or damaged; do not append to it "
		"and report it to the district office",
		s->db_path, (unsigned long long)h, why);
}

/* The highest height in the database as the current read transaction sees
 * it (0 if empty). */
static int head_height_now(struct jr_shard *s, uint64_t *n, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = s->st[ST_HEAD];
	int rc = sqlite3_step(st);

	*n = rc == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0 ?
		(uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : db_err(s, rc, "reading the head", eb);
}

/* Checks the waiting signatures in height order; names the first bad one. */
static int flush_sigs(struct jr_shard *s, struct walk *w, struct jr_errbuf *eb)
{
	size_t i, n = w->pending;

	w->pending = 0;
	for (i = 0; i < n; i++) {
		if (jr_block_verify_sig(s->kiosk_pk, w->phash[i], w->psig[i]) != JR_OK) {
			w->sig_bad = w->pending_from + i;
			return bad(s, eb, JR_ESIG, w->sig_bad, "has a signature that does not verify");
		}
	}
	return JR_OK;
}

/* Checks one row (height, hash, body, sig) against the walk so far. */
static int verify_row(struct jr_shard *s, sqlite3_stmt *st,
	enum jr_verify_mode mode, struct walk *w, struct jr_errbuf *eb)
{
	const uint8_t *hash = sqlite3_column_blob(st, 1);
	const uint8_t *body = sqlite3_column_blob(st, 2);
	const uint8_t *sig = sqlite3_column_blob(st, 3);
	int hl = sqlite3_column_bytes(st, 1), bl = sqlite3_column_bytes(st, 2);
	int sl = sqlite3_column_bytes(st, 3);
	uint8_t calc[JR_HASH_BYTES];
	struct jr_block_scan b;

	if (sqlite3_column_int64(st, 0) != (sqlite3_int64)w->expect)
		return bad(s, eb, JR_ECORRUPT, w->expect, "is missing");
	if (hl != JR_HASH_BYTES || sl != JR_SIG_BYTES || bl < 1 ||
	    bl > JR_BLOCK_MAX_BYTES)
		return bad(s, eb, JR_ECORRUPT, w->expect, "has a hash, body or signature of the wrong size");
	jr_hash(body, (size_t)bl, calc);
	if (!jr_hash_equal(calc, hash))
		return bad(s, eb, JR_ECORRUPT, w->expect, "does not have the stored hash");
	if (jr_block_scan(body, (size_t)bl, &b) != JR_OK)
		return bad(s, eb, JR_ECORRUPT, w->expect, "is not a well-formed block");
	if (b.height != w->expect || memcmp(b.kiosk_id, s->kiosk_id, JR_ID_BYTES) != 0)
		return bad(s, eb, JR_ECORRUPT, w->expect, "names another height or kiosk");
	if (w->prev_unknown) {
		memcpy(w->first_prev, b.prev, JR_HASH_BYTES);
		w->first_time = b.time;
		w->prev_unknown = false;
	} else if (!jr_hash_equal(b.prev, w->prev)) {
		return bad(s, eb, JR_ECORRUPT, w->expect, "does not follow the block before it");
	} else if (b.time < w->time) {
		return bad(s, eb, JR_ECORRUPT, w->expect, "is dated before the block before it");
	}
	memcpy(w->prev, calc, JR_HASH_BYTES);
	memcpy(w->sig, sig, JR_SIG_BYTES);
	w->time = b.time;
	if (mode != JR_VERIFY_FULL)
		return JR_OK;
	if (w->pending == 0)
		w->pending_from = w->expect;
	memcpy(w->phash[w->pending], calc, JR_HASH_BYTES);
	memcpy(w->psig[w->pending], sig, JR_SIG_BYTES);
	return ++w->pending == VERIFY_BATCH ? flush_sigs(s, w, eb) : JR_OK;
}

/* Walks the rows `st` returns, heights w->expect and up; on failure
 * *bad_height is the first bad height. `db` names the connection for errors. */
static int walk_rows(struct jr_shard *s, sqlite3 *db, sqlite3_stmt *st,
	enum jr_verify_mode mode, struct walk *w, uint64_t *bad_height,
	struct jr_errbuf *eb)
{
	struct jr_errbuf rowerr = { 0 };
	int rc, jr = JR_OK;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		jr = verify_row(s, st, mode, w, &rowerr);
		if (jr != JR_OK)
			break;
		w->expect++;
	}
	sqlite3_reset(st);
	if (jr == JR_OK && rc != SQLITE_DONE)
		jr = jr_errf(&rowerr, sqlite_to_jr(rc), "shard %s: reading the blocks failed (%s)",
			s->db_path, sqlite3_errmsg(db));
	/* Waiting signatures are of lower heights than whatever stopped the
	 * walk, so they are judged first. */
	if (w->pending > 0 && flush_sigs(s, w, eb) != JR_OK) {
		*bad_height = w->sig_bad;
		return JR_ESIG;
	}
	if (jr == JR_OK)
		return JR_OK;
	jr_errf(eb, jr, "%s", rowerr.msg);
	if (jr == JR_ESIG)
		*bad_height = w->sig_bad;
	else if (jr != JR_ENOMEM) /* memory running out is no verdict on a block */
		*bad_height = w->expect;
	return jr;
}

static int walk_range(struct jr_shard *s, enum jr_verify_mode mode, uint64_t from,
	uint64_t to, struct walk *w, uint64_t *bad_height, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = s->st[ST_VERIFY];

	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
	return walk_rows(s, s->db, st, mode, w, bad_height, eb);
}

/*
 * Long chains are verified on two cores: a second thread walks the upper
 * half on a read connection of its own, and the halves are joined where they
 * meet (the upper half's first prev hash and time against the lower half's
 * last block). Rows at or below the head never change, so the two read
 * transactions see the same blocks.
 */
#define VERIFY_PARALLEL_MIN 4096

struct upper_half {
	struct jr_shard *s;
	enum jr_verify_mode mode;
	uint64_t to;
	struct walk w;
	uint64_t bad;
	int rc;
	struct jr_errbuf err;
};

static void *upper_half_main(void *arg)
{
	struct upper_half *u = arg;
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = sqlite3_open_v2(u->s->db_path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_prepare_v2(db, shard_sql[ST_VERIFY], -1, &st, NULL);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		u->rc = jr_errf(&u->err, sqlite_to_jr(rc), "shard %s: opening a second reader failed (%s)",
			u->s->db_path, db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	} else {
		sqlite3_bind_int64(st, 1, (sqlite3_int64)u->w.expect);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)u->to);
		u->rc = walk_rows(u->s, db, st, u->mode, &u->w, &u->bad, &u->err);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return NULL;
}

/* The join: the lower half ended cleanly at height m = u->w.expect - 1 of
 * the upper half's start; now the upper half's verdict and the seam. */
static int join_halves(struct jr_shard *s, const struct walk *lower,
	struct upper_half *u, uint64_t *bad_height, struct jr_errbuf *eb)
{
	uint64_t seam = lower->expect;

	/* The upper half recorded its first block's links unless that very
	 * block failed to parse, which its own verdict reports. */
	if (!u->w.prev_unknown) {
		if (!jr_hash_equal(u->w.first_prev, lower->prev)) {
			*bad_height = seam;
			return bad(s, eb, JR_ECORRUPT, seam, "does not follow the block before it");
		}
		if (u->w.first_time < lower->time) {
			*bad_height = seam;
			return bad(s, eb, JR_ECORRUPT, seam, "is dated before the block before it");
		}
	}
	if (u->rc != JR_OK) {
		*bad_height = u->bad;
		return jr_errf(eb, u->rc, "%s", u->err.msg);
	}
	return JR_OK;
}

/* Walks heights 1..n (n the head the read transaction sees), on two cores
 * when the chain is long. On success *w is the state after the head. */
static int walk_chain(struct jr_shard *s, enum jr_verify_mode mode,
	struct walk *w, uint64_t *bad_height, struct jr_errbuf *eb)
{
	struct upper_half *u;
	pthread_t t;
	uint64_t n;
	int rc;

	if ((rc = head_height_now(s, &n, eb)) != JR_OK)
		return rc;
	if (n < VERIFY_PARALLEL_MIN || (u = calloc(1, sizeof *u)) == NULL)
		return walk_range(s, mode, 1, INT64_MAX, w, bad_height, eb);
	u->s = s;
	u->mode = mode;
	u->to = n;
	u->w.expect = n / 2 + 1;
	u->w.prev_unknown = true;
	if (pthread_create(&t, NULL, upper_half_main, u) != 0) {
		free(u);
		return walk_range(s, mode, 1, INT64_MAX, w, bad_height, eb);
	}
	rc = walk_range(s, mode, 1, n / 2, w, bad_height, eb);
	pthread_join(t, NULL);
	if (rc == JR_OK && w->expect != n / 2 + 1) {
		/* The lower half ended early: a row is missing below the seam. */
		*bad_height = w->expect;
		rc = bad(s, eb, JR_ECORRUPT, w->expect, "is missing");
	}
	if (rc == JR_OK)
		rc = join_halves(s, w, u, bad_height, eb);
	if (rc == JR_OK)
		*w = u->w;
	free(u);
	return rc;
}

/* After a clean walk: the head's signature (HEAD mode), and the head we
 * hold must be the head we walked to. */
static int verify_end(struct jr_shard *s, enum jr_verify_mode mode,
	const struct walk *w, uint64_t *bad_height, struct jr_errbuf *eb)
{
	uint64_t n = w->expect - 1;

	if (n > 0 && mode == JR_VERIFY_HEAD &&
	    jr_block_verify_sig(s->kiosk_pk, w->prev, w->sig) != JR_OK) {
		*bad_height = n;
		return bad(s, eb, JR_ESIG, n, "(the head) has a signature that does not verify");
	}
	if (!s->writable && n >= s->height) {
		/* A reader follows a writer that may have appended since. */
		s->height = n;
		memcpy(s->head, w->prev, JR_HASH_BYTES);
		s->head_time = w->time;
		return JR_OK;
	}
	if (s->writable && n == s->height &&
	    sodium_memcmp(w->prev, s->head, JR_HASH_BYTES) == 0)
		return JR_OK;
	*bad_height = n < s->height ? n + 1 : n;
	return bad(s, eb, JR_ECORRUPT, *bad_height,
		"is not the head this shard held when it was opened");
}

int jr_shard_verify(struct jr_shard *s, enum jr_verify_mode mode,
	uint64_t *bad_height, struct jr_errbuf *eb)
{
	struct walk w = { .expect = 1 };
	int rc;

	if (bad_height == NULL || s == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: verify needs a shard and bad_height");
	*bad_height = 0;
	if (mode != JR_VERIFY_HEAD && mode != JR_VERIFY_FULL)
		return jr_errf(eb, JR_EINVAL, "shard %s: unknown verify mode %d", s->db_path, (int)mode);
	/* One read transaction, so the walk and the head check see one state. */
	rc = step_done(s, ST_BEGIN_READ);
	if (rc != SQLITE_OK)
		return db_err(s, rc, "starting a read transaction", eb);
	rc = walk_chain(s, mode, &w, bad_height, eb);
	if (rc == JR_OK)
		rc = verify_end(s, mode, &w, bad_height, eb);
	if (step_done(s, ST_END_READ) != SQLITE_OK && rc == JR_OK)
		rc = db_err(s, sqlite3_errcode(s->db), "ending a read transaction", eb);
	return rc;
}

/* ---- reads ---------------------------------------------------------- */

int jr_shard_read_begin(struct jr_shard *s, struct jr_errbuf *eb)
{
	int rc;

	if (s == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no shard");
	rc = step_done(s, ST_BEGIN_READ);
	return rc == SQLITE_OK ? JR_OK : db_err(s, rc, "starting a read transaction", eb);
}

void jr_shard_read_end(struct jr_shard *s)
{
	if (s != NULL)
		(void)step_done(s, ST_END_READ);
}

int jr_shard_get(struct jr_shard *s, uint64_t height, struct jr_buf *body,
	uint8_t sig[JR_SIG_BYTES], struct jr_errbuf *eb)
{
	sqlite3_stmt *st;
	int rc;

	if (body == NULL || sig == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no output given");
	body->base = NULL;
	body->len = 0;
	memset(sig, 0, JR_SIG_BYTES);
	if (s == NULL || height < 1 || height > INT64_MAX)
		return jr_errf(eb, JR_EINVAL, "shard: no shard or height out of range");
	st = s->st[ST_GET];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)height);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		rc = sqlite3_column_bytes(st, 2) == JR_SIG_BYTES ? copy_blob(st, 1, body) : JR_ECORRUPT;
		if (rc == JR_OK)
			memcpy(sig, sqlite3_column_blob(st, 2), JR_SIG_BYTES);
		else
			jr_errf(eb, rc, "shard %s: block %llu is damaged or memory ran out",
				s->db_path, (unsigned long long)height);
	} else if (rc == SQLITE_DONE) {
		rc = jr_errf(eb, JR_ENOTFOUND, "shard %s has no block at height %llu",
			s->db_path, (unsigned long long)height);
	} else {
		rc = db_err(s, rc, "reading a block", eb);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* Runs a receipt query (parameters bound) and copies the first row out. */
static int receipt_query(struct jr_shard *s, int which, struct jr_buf *payload)
{
	sqlite3_stmt *st = s->st[which];
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		rc = copy_blob(st, 0, payload);
	else
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : sqlite_to_jr(rc);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int jr_shard_receipt(struct jr_shard *s, const uint8_t regid[JR_REGID_BYTES],
	struct jr_buf *payload)
{
	if (payload == NULL)
		return JR_EINVAL;
	payload->base = NULL;
	payload->len = 0;
	if (s == NULL || regid == NULL)
		return JR_EINVAL;
	sqlite3_bind_blob(s->st[ST_RECEIPT], 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	return receipt_query(s, ST_RECEIPT, payload);
}

int jr_shard_last_receipt(struct jr_shard *s, struct jr_buf *payload)
{
	if (payload == NULL)
		return JR_EINVAL;
	payload->base = NULL;
	payload->len = 0;
	if (s == NULL)
		return JR_EINVAL;
	return receipt_query(s, ST_LAST_RECEIPT, payload);
}

/* A typed code carries 45 bits, which are not unique: by the birthday bound
 * n^2 / 2^46, two of 10^5 receipts on one kiosk share a prefix with
 * probability about 1.4e-4, and across the programme's 10^7 a shared one is
 * expected. Nothing in the code tells two such receipts apart, so when more
 * than one matches the answer is JR_EAMBIGUOUS and no payload: a caller must
 * never show one of them, which could be another person's (the kiosk asks
 * for the QR instead, which carries the whole registration id). */
int jr_shard_receipt_by_code(struct jr_shard *s, uint64_t prefix45,
	struct jr_buf *payload)
{
	sqlite3_stmt *st;
	int rc;

	if (payload == NULL)
		return JR_EINVAL;
	payload->base = NULL;
	payload->len = 0;
	if (s == NULL || prefix45 >= (UINT64_C(1) << 45))
		return JR_EINVAL;
	st = s->st[ST_CODE];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)prefix45);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		rc = copy_blob(st, 0, payload);
	else
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : sqlite_to_jr(rc);
	if (rc == JR_OK) {
		int second = sqlite3_step(st);
		if (second != SQLITE_DONE) {
			rc = second == SQLITE_ROW ? JR_EAMBIGUOUS : sqlite_to_jr(second);
			jr_buf_free(payload);
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

/* ---- the visit log (visit.h) ----------------------------------------- */

/* Statements of the visit log are prepared when used: a reader of a shard
 * that no writer of this version opened has no visits table. */
static int visit_stmt(struct jr_shard *s, const char *sql, sqlite3_stmt **st,
	struct jr_errbuf *eb)
{
	int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);

	if (rc == SQLITE_ERROR && strstr(sqlite3_errmsg(s->db), "no such table") != NULL)
		return JR_ENOTFOUND;
	return rc == SQLITE_OK ? JR_OK : db_err(s, rc, "reading the visit log", eb);
}

int jr_shard_visit_put(struct jr_shard *s, const uint8_t *p, size_t len,
	struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	struct jr_visit v;
	uint64_t last = 0;
	int rc;

	if (s == NULL || p == NULL)
		return jr_errf(eb, JR_EINVAL, "shard: no shard or visit entry given");
	if (!s->writable)
		return jr_errf(eb, JR_EINVAL, "shard %s was opened for reading", s->db_path);
	if ((rc = jr_visit_verify(p, len, s->kiosk_pk, &v, eb)) != JR_OK)
		return jr_errf(eb, rc, "shard %s: visit log entry refused", s->db_path);
	if ((rc = jr_shard_visit_last(s, NULL, &last)) != JR_OK && rc != JR_ENOTFOUND)
		return db_err(s, SQLITE_ERROR, "reading the visit log", eb);
	if (v.number != last + 1)
		return jr_errf(eb, JR_EINVAL, "shard %s: visit %llu does not follow visit %llu",
			s->db_path, (unsigned long long)v.number, (unsigned long long)last);
	if ((rc = visit_stmt(s, "INSERT INTO visits(number, entry) VALUES (?1, ?2)", &st,
		eb)) != JR_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)v.number);
	sqlite3_bind_blob(st, 2, p, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? JR_OK : db_err(s, rc, "storing a visit log entry", eb);
}

int jr_shard_visit_get(struct jr_shard *s, uint64_t number, struct jr_buf *out)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (out != NULL) {
		out->base = NULL;
		out->len = 0;
	}
	if (s == NULL || out == NULL || number < 1 || number > INT64_MAX)
		return JR_EINVAL;
	if ((rc = visit_stmt(s, "SELECT entry FROM visits WHERE number = ?1", &st, NULL)) != JR_OK)
		return rc;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
	rc = sqlite3_step(st);
	rc = rc == SQLITE_ROW ? copy_blob(st, 0, out) : rc == SQLITE_DONE ? JR_ENOTFOUND :
		sqlite_to_jr(rc);
	sqlite3_finalize(st);
	return rc;
}

int jr_shard_visit_last(struct jr_shard *s, struct jr_buf *out, uint64_t *number)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if (number != NULL)
		*number = 0;
	if (out != NULL) {
		out->base = NULL;
		out->len = 0;
	}
	if (s == NULL)
		return JR_EINVAL;
	if ((rc = visit_stmt(s, "SELECT number, entry FROM visits ORDER BY number DESC LIMIT 1",
		&st, NULL)) != JR_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (number != NULL)
			*number = (uint64_t)sqlite3_column_int64(st, 0);
		rc = out != NULL ? copy_blob(st, 1, out) : JR_OK;
	} else {
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : sqlite_to_jr(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

/* ---- test hook (shard_int.h) ---------------------------------------- */

int jr_shard_test_set_durable(struct jr_shard *s, bool durable)
{
	int rc = sqlite3_exec(s->db, durable ? "PRAGMA synchronous=FULL" :
		"PRAGMA synchronous=OFF", NULL, NULL, NULL);

	s->counter.sync = durable;
	return rc == SQLITE_OK ? JR_OK : JR_EIO;
}
