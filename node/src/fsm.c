/*
 * fsm.c — the state machine libraft drives (consensus.h's struct
 * jr_cons_fsm) over the centre's state file (jaring/centre.h).
 *
 * This file assumes (a) every callback but snapshot_write runs on the loop
 * thread; (b) libraft restores its last snapshot at start and re-applies
 * every committed entry after it, so the state file is a cache of
 * snapshot + log: it is discarded at open and rebuilt (docs/node.md
 * "Restart"); (c) snapshot_write may run on a worker thread while apply
 * goes on, so it reads only through its own connection, inside the read
 * transaction snapshot_begin opened: WAL lets apply commit meanwhile and
 * the reader keeps seeing the state as of the pinned entry.
 *
 * Two connections to the file: the centre's own (jr_centre_open), which the
 * node's tables (which bundle and which act landed where) and the HTTP API's
 * reads share as `db`, and `snap` for snapshots.
 *
 * Group commit (docs/node.md "Group commit"): entries are applied into one
 * open transaction, committed by jr_node_fsm_commit, which the server's
 * tick calls every 100 ms, and before anything reads the file through
 * another connection: a snapshot (snapshot_begin), a downstream bundle's or
 * the public page's build on a worker. Everything on the loop thread reads
 * through `db`, so it sees every entry applied, committed or not.
 *
 * A snapshot is a copy of the file in data_dir/snapshots/ and libraft holds
 * only its 64-byte reference (snapfile.c): taking, restoring and installing
 * one stream the file, so no step holds the state in memory.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "jaring/ack.h"
#include "node.h"

static const char NODE_SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS node_bundle(id BLOB PRIMARY KEY,"
	" idx INTEGER NOT NULL, length INTEGER NOT NULL, kiosk BLOB NOT NULL,"
	" blocks INTEGER NOT NULL, applied INTEGER NOT NULL, known INTEGER NOT NULL,"
	" pending INTEGER NOT NULL, refused INTEGER NOT NULL, acked INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS node_act(hash BLOB PRIMARY KEY,"
	" idx INTEGER NOT NULL, refused INTEGER NOT NULL, changed INTEGER NOT NULL,"
	" status INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS node_meta(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" applied INTEGER NOT NULL);"
	"INSERT OR IGNORE INTO node_meta VALUES(1, 0);";

struct jr_node_fsm {
	char path[JR_NODE_PATH_MAX];
	const struct jr_node_config *cfg; /* borrowed: peers, id, data_dir */
	char snap_dir[JR_NODE_PATH_MAX];
	uint8_t *secret; /* the snapshot transfer secret, sodium_malloc'd */
	const struct jr_key *consortium[JR_CENTRE_MAX_KEYS]; /* [0] the genesis key */
	size_t n_consortium;
	uint8_t *pkey; /* sodium_malloc'd */
	struct jr_policy policy;

	struct jr_centre *centre;
	sqlite3 *db; /* the centre's, borrowed */
	struct jr_tlog_sqlstore *ss;
	sqlite3_stmt *put_bundle, *get_bundle, *put_act, *get_act, *put_index;

	pthread_mutex_t snap_mu; /* guards snap against restore */
	sqlite3 *snap;
	bool snap_pinned;
	bool snap_as_file; /* jr_snap_pin's: the file itself is the pinned state */
	uint64_t snap_index; /* the entry the pinned view is at */
	uint64_t snap_bytes;

	uint64_t index;
	char error[JR_ERRMSG_MAX];
	unsigned restores;
	char restored[256];
	pthread_mutex_t takes_mu; /* guards takes and taken, never held long */
	unsigned takes; /* snapshots written */
	char taken[200];
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void remove_files(const char *path)
{
	char p[JR_NODE_PATH_MAX + 8];

	(void)unlink(path);
	if (snprintf(p, sizeof p, "%s-wal", path) < (int)sizeof p)
		(void)unlink(p);
	if (snprintf(p, sizeof p, "%s-shm", path) < (int)sizeof p)
		(void)unlink(p);
}

static void close_side(struct jr_node_fsm *f)
{
	(void)sqlite3_finalize(f->put_bundle);
	(void)sqlite3_finalize(f->get_bundle);
	(void)sqlite3_finalize(f->put_act);
	(void)sqlite3_finalize(f->get_act);
	(void)sqlite3_finalize(f->put_index);
	f->put_bundle = f->get_bundle = f->put_act = f->get_act = f->put_index = NULL;
	jr_tlog_sqlstore_close(f->ss);
	f->ss = NULL;
	f->db = NULL;
	jr_centre_close(f->centre);
	f->centre = NULL;
}

static int prep(struct jr_node_fsm *f, const char *sql, sqlite3_stmt **st,
	struct jr_errbuf *eb)
{
	if (sqlite3_prepare_v3(f->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
	    SQLITE_OK)
		return jr_errf(eb, JR_EIO, "node state %s: %s", f->path,
			sqlite3_errmsg(f->db));
	return JR_OK;
}

/* Opens the centre and the node's connection on the file as it is. */
static int open_side(struct jr_node_fsm *f, struct jr_errbuf *eb)
{
	int rc = jr_centre_open(f->path, f->consortium[0], f->pkey, &f->policy,
		&f->centre, eb);

	if (rc != JR_OK)
		return rc;
	/* The keys later rosters name (docs/keys.md "How it is rotated"):
	 * held before the roster that names one is applied. */
	for (size_t i = 1; i < f->n_consortium; i++)
		if ((rc = jr_centre_add_consortium_key(f->centre, f->consortium[i], eb)) != JR_OK)
			goto fail;
	/* Rebuilt from libraft's log at every start: no commit needs to wait
	 * for the disk (libraft's own writes do), and the entries since the
	 * last commit need not be on it either. */
	if (jr_centre_set_durable(f->centre, false) != JR_OK) {
		rc = jr_errf(eb, JR_EIO, "node state %s: cannot set up its connection",
			f->path);
		goto fail;
	}
	f->db = jr_centre_db(f->centre);
	if (sqlite3_exec(f->db, NODE_SCHEMA, NULL, NULL, NULL) != SQLITE_OK) {
		rc = jr_errf(eb, JR_EIO, "node state %s: %s", f->path,
			sqlite3_errmsg(f->db));
		goto fail;
	}
	if ((rc = prep(f, "INSERT OR IGNORE INTO node_bundle VALUES(?1, ?2, ?3, ?4,"
		     " ?5, ?6, ?7, ?8, ?9, ?10)", &f->put_bundle, eb)) != JR_OK ||
	    (rc = prep(f, "SELECT idx, length, kiosk, blocks, applied, known, pending,"
		     " refused, acked FROM node_bundle WHERE id = ?1", &f->get_bundle,
		     eb)) != JR_OK ||
	    (rc = prep(f, "INSERT OR IGNORE INTO node_act VALUES(?1, ?2, ?3, ?4, ?5)",
		     &f->put_act, eb)) != JR_OK ||
	    (rc = prep(f, "SELECT idx, refused, changed, status FROM node_act WHERE hash = ?1",
		     &f->get_act, eb)) != JR_OK ||
	    (rc = prep(f, "UPDATE node_meta SET applied = ?1 WHERE id = 1", &f->put_index,
		     eb)) != JR_OK)
		goto fail;
	if ((rc = jr_tlog_sqlstore_open(f->db, &f->ss, eb)) != JR_OK ||
	    (rc = jr_centre_set_group_commit(f->centre, true, eb)) != JR_OK)
		goto fail;
	{
		sqlite3_stmt *st = NULL;

		f->index = 0;
		if (sqlite3_prepare_v2(f->db, "SELECT applied FROM node_meta WHERE id = 1", -1,
			    &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
			f->index = (uint64_t)sqlite3_column_int64(st, 0);
		(void)sqlite3_finalize(st);
	}
	return JR_OK;
fail:
	close_side(f);
	return rc;
}

int jr_node_fsm_open(const struct jr_node_config *cfg, const char *path,
	const struct jr_key *const *consortium, size_t n_consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	struct jr_node_fsm **out, struct jr_errbuf *eb)
{
	struct jr_node_fsm *f;
	int rc;

	*out = NULL;
	if (strlen(path) >= JR_NODE_PATH_MAX)
		return jr_errf(eb, JR_EINVAL, "state path too long");
	if (n_consortium < 1 || n_consortium > JR_CENTRE_MAX_KEYS)
		return jr_errf(eb, JR_EINVAL, "%zu consortium keys: 1..%d are held", n_consortium,
			JR_CENTRE_MAX_KEYS);
	if ((f = calloc(1, sizeof *f)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for the state machine");
	if ((f->pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES)) == NULL) {
		free(f);
		return jr_errf(eb, JR_ENOMEM, "no memory for the pseudonym key");
	}
	memcpy(f->pkey, pseudonym_key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	memcpy(f->path, path, strlen(path) + 1);
	f->cfg = cfg;
	if (jr_node_path(cfg, "snapshots", f->snap_dir, sizeof f->snap_dir) != JR_OK ||
	    (f->secret = sodium_malloc(32)) == NULL ||
	    jr_snap_secret(consortium[0], f->secret) != JR_OK) {
		sodium_free(f->secret);
		sodium_free(f->pkey);
		free(f);
		return jr_errf(eb, JR_EKEY, "the snapshot transfer key cannot be derived "
			"from the consortium key");
	}
	for (size_t i = 0; i < n_consortium; i++)
		f->consortium[i] = consortium[i];
	f->n_consortium = n_consortium;
	jr_policy_default(&f->policy);
	if (pthread_mutex_init(&f->snap_mu, NULL) != 0) {
		sodium_free(f->secret);
		sodium_free(f->pkey);
		free(f);
		return jr_errf(eb, JR_ENOMEM, "mutex");
	}
	if (pthread_mutex_init(&f->takes_mu, NULL) != 0) {
		(void)pthread_mutex_destroy(&f->snap_mu);
		sodium_free(f->secret);
		sodium_free(f->pkey);
		free(f);
		return jr_errf(eb, JR_ENOMEM, "mutex");
	}
	remove_files(path);
	if ((rc = open_side(f, eb)) != JR_OK) {
		jr_node_fsm_close(f);
		return rc;
	}
	*out = f;
	return JR_OK;
}

void jr_node_fsm_close(struct jr_node_fsm *f)
{
	if (f == NULL)
		return;
	if (f->snap != NULL)
		(void)sqlite3_close(f->snap);
	close_side(f);
	(void)pthread_mutex_destroy(&f->snap_mu);
	(void)pthread_mutex_destroy(&f->takes_mu);
	sodium_free(f->secret);
	sodium_free(f->pkey);
	free(f);
}

static int fail(struct jr_node_fsm *f, int rc, const char *what, const char *detail)
{
	(void)snprintf(f->error, sizeof f->error, "%.200s%.300s", what, detail);
	return rc;
}

static int record_bundle(struct jr_node_fsm *f, uint64_t index,
	const struct jr_node_entry *e, const struct jr_centre_result *res)
{
	struct jr_centre_kiosk_state ks;
	sqlite3_stmt *st = f->put_bundle;
	int rc;

	memset(&ks, 0, sizeof ks);
	if ((rc = jr_centre_kiosk_state(f->centre, e->kiosk, &ks)) != JR_OK &&
	    rc != JR_ENOTFOUND)
		return rc;
	(void)sqlite3_bind_blob(st, 1, e->bundle_id, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)e->bundle_len);
	(void)sqlite3_bind_blob(st, 4, e->kiosk, JR_ID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)res->blocks_applied +
		res->blocks_known + res->blocks_pending + res->blocks_refused);
	(void)sqlite3_bind_int64(st, 6, res->blocks_applied);
	(void)sqlite3_bind_int64(st, 7, res->blocks_known);
	(void)sqlite3_bind_int64(st, 8, res->blocks_pending);
	(void)sqlite3_bind_int64(st, 9, res->blocks_refused);
	(void)sqlite3_bind_int64(st, 10, (sqlite3_int64)ks.head);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_reset(st);
	return rc;
}

static int record_act(struct jr_node_fsm *f, uint64_t index,
	const struct jr_node_entry *e, const struct jr_centre_result *res)
{
	uint8_t h[JR_HASH_BYTES];
	sqlite3_stmt *st = f->put_act;
	int rc;

	jr_hash(e->centre, e->centre_len, h);
	(void)sqlite3_bind_blob(st, 1, h, JR_HASH_BYTES, SQLITE_TRANSIENT);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)index);
	(void)sqlite3_bind_int(st, 3, res->refused ? 1 : 0);
	(void)sqlite3_bind_int(st, 4, res->changed ? 1 : 0);
	(void)sqlite3_bind_int(st, 5, (int)res->act_status);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_reset(st);
	return rc;
}

static int record_index(struct jr_node_fsm *f, uint64_t index)
{
	int rc;

	(void)sqlite3_bind_int64(f->put_index, 1, (sqlite3_int64)index);
	rc = sqlite3_step(f->put_index) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_reset(f->put_index);
	return rc;
}

static int fsm_apply(void *data, uint64_t index, const uint8_t *p, size_t len,
	struct jr_cons_applied *out)
{
	struct jr_node_fsm *f = data;
	struct jr_node_entry e;
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };
	int rc;

	if (f->centre == NULL)
		return fail(f, JR_EIO, "the state file is closed after a failed restore", "");
	if (jr_node_entry_decode(p, len, &e) != JR_OK) {
		/* Committed, so every node sees these bytes and skips them alike. */
		if (record_index(f, index) != JR_OK)
			return fail(f, JR_EIO, "node tables: ", sqlite3_errmsg(f->db));
		f->index = index;
		jr_centre_state_hash(f->centre, out->state_hash);
		return JR_OK;
	}
	rc = jr_centre_apply(f->centre, e.centre, e.centre_len, &res, &eb);
	if (rc != JR_OK)
		return fail(f, rc, "", eb.msg[0] ? eb.msg : jr_strerror(rc));
	rc = e.has_bundle ? record_bundle(f, index, &e, &res) :
		record_act(f, index, &e, &res);
	if (rc == JR_OK)
		rc = record_index(f, index);
	if (rc != JR_OK)
		return fail(f, rc, "node tables: ", sqlite3_errmsg(f->db));
	f->index = index;
	jr_centre_state_hash(f->centre, out->state_hash);
	return JR_OK;
}

int jr_node_fsm_commit(struct jr_node_fsm *f)
{
	struct jr_errbuf eb = { 0 };
	int rc;

	if (f->centre == NULL)
		return JR_OK;
	if ((rc = jr_centre_commit(f->centre, &eb)) != JR_OK)
		(void)fail(f, rc, "", eb.msg);
	return rc;
}

static int fsm_snapshot_begin(void *data)
{
	struct jr_node_fsm *f = data;
	int rc = JR_EIO;

	/* the copy reads through its own connection: what is committed */
	if (jr_node_fsm_commit(f) != JR_OK)
		return JR_EIO;
	(void)pthread_mutex_lock(&f->snap_mu);
	/* read-write only for jr_snap_pin's checkpoint: it writes nothing */
	if (f->snap == NULL &&
	    sqlite3_open_v2(f->path, &f->snap, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		(void)sqlite3_close(f->snap);
		f->snap = NULL;
		goto out;
	}
	f->snap_index = f->index;
	if ((rc = jr_snap_pin(f->snap, &f->snap_as_file)) == JR_OK)
		f->snap_pinned = true;
out:
	(void)pthread_mutex_unlock(&f->snap_mu);
	return rc;
}

/* Worker thread. Copies the pinned read transaction's view into a file of
 * data_dir/snapshots/; libraft gets the 64-byte reference to it. */
static int fsm_snapshot_write(void *data, struct jr_buf *out)
{
	struct jr_node_fsm *f = data;
	struct jr_errbuf eb = { 0 };
	struct jr_snap_ref ref;
	uint64_t t0;
	int rc = JR_EIO;

	out->base = NULL;
	out->len = 0;
	(void)pthread_mutex_lock(&f->snap_mu);
	if (f->snap == NULL || !f->snap_pinned)
		goto out;
	t0 = now_ms();
	rc = jr_snap_take(f->snap, f->snap_as_file, f->snap_dir, f->cfg->id, f->snap_index,
		&ref, &eb);
	if (rc != JR_OK) {
		(void)fail(f, rc, "snapshot: ", eb.msg);
		goto out;
	}
	if ((out->base = malloc(JR_SNAP_REF_BYTES)) == NULL) {
		rc = JR_ENOMEM;
		goto out;
	}
	jr_snap_ref_encode(&ref, out->base);
	out->len = JR_SNAP_REF_BYTES;
	f->snap_bytes = ref.size;
	(void)pthread_mutex_lock(&f->takes_mu);
	f->takes++;
	(void)snprintf(f->taken, sizeof f->taken, "snapshot at entry %llu: the state "
		"copied to data_dir/snapshots (%llu bytes) in %llu ms, %s",
		(unsigned long long)ref.index, (unsigned long long)ref.size,
		(unsigned long long)(now_ms() - t0),
		f->snap_as_file ? "as the file" : "page by page");
	(void)pthread_mutex_unlock(&f->takes_mu);
out:
	(void)pthread_mutex_unlock(&f->snap_mu);
	return rc;
}

static void fsm_snapshot_end(void *data)
{
	struct jr_node_fsm *f = data;

	(void)pthread_mutex_lock(&f->snap_mu);
	if (f->snap != NULL && f->snap_pinned)
		(void)sqlite3_exec(f->snap, "COMMIT", NULL, NULL, NULL);
	f->snap_pinned = false;
	jr_snap_prune(f->snap_dir, JR_SNAP_KEEP);
	(void)pthread_mutex_unlock(&f->snap_mu);
}

/* Replaces the state file with a snapshot's copy and reopens it: the copy
 * in data_dir/snapshots/ (this node took it, or installed it before), else
 * fetched from a peer (libraft installs a leader's snapshot on a node far
 * behind). Waits for a snapshot being written to finish first. A snapshot
 * of an earlier version (the whole SQLite image) is still read. */
static int fsm_restore(void *data, const uint8_t *p, size_t len,
	uint8_t state_hash[JR_HASH_BYTES])
{
	struct jr_node_fsm *f = data;
	struct jr_errbuf eb = { 0 };
	struct jr_snap_ref ref;
	bool image = len >= 100 && memcmp(p, "SQLite format 3", 16) == 0;
	uint64_t t0 = now_ms(), t1, from = 0;
	int rc;

	memset(state_hash, 0, JR_HASH_BYTES);
	if (!image && jr_snap_ref_decode(p, len, &ref) != JR_OK)
		return fail(f, JR_ECORRUPT, "a snapshot that is neither a reference to a "
			"state file's copy nor an SQLite file", "");
	if (!image) {
		char name[JR_SNAP_NAME_MAX], path[JR_NODE_PATH_MAX + JR_SNAP_NAME_MAX + 8];

		jr_snap_name(ref.index, ref.digest, name);
		if (snprintf(path, sizeof path, "%s/%s.db", f->snap_dir, name) >= (int)sizeof path)
			return fail(f, JR_ETOOBIG, "snapshot path too long", "");
		if (access(path, R_OK) != 0 &&
		    (rc = jr_snap_fetch(f->cfg, f->secret, &ref, f->snap_dir, &from, &eb)) !=
			    JR_OK)
			return fail(f, rc, "restore: the snapshot's copy is not in "
				"data_dir/snapshots and could not be fetched from a peer "
				"(if this node's files are lost, delete its raft/, "
				"snapshots/ and state.db and join it again): ", eb.msg);
	}
	t1 = now_ms();
	(void)pthread_mutex_lock(&f->snap_mu);
	if (f->snap != NULL)
		(void)sqlite3_close(f->snap);
	f->snap = NULL;
	f->snap_pinned = false;
	close_side(f);
	remove_files(f->path);
	rc = image ? jr_file_write_atomic(f->path, p, len, 0600, &eb) :
		     jr_snap_install(f->snap_dir, &ref, f->path, &eb);
	if (rc == JR_OK)
		rc = open_side(f, &eb);
	if (rc == JR_OK && !image)
		jr_snap_prune(f->snap_dir, JR_SNAP_KEEP);
	(void)pthread_mutex_unlock(&f->snap_mu);
	if (rc != JR_OK)
		return fail(f, rc, "restore: ", eb.msg);
	jr_centre_state_hash(f->centre, state_hash);
	f->restores++;
	if (image)
		(void)snprintf(f->restored, sizeof f->restored, "restored an earlier "
			"version's snapshot (%zu bytes) in %llu ms", len,
			(unsigned long long)(now_ms() - t0));
	else if (from != 0)
		(void)snprintf(f->restored, sizeof f->restored, "installed the snapshot at "
			"entry %llu (%llu bytes): fetched from node %llu in %llu ms, restored "
			"in %llu ms", (unsigned long long)ref.index, (unsigned long long)ref.size,
			(unsigned long long)from, (unsigned long long)(t1 - t0),
			(unsigned long long)(now_ms() - t1));
	else
		(void)snprintf(f->restored, sizeof f->restored, "restored the snapshot at "
			"entry %llu (%llu bytes) from data_dir/snapshots in %llu ms",
			(unsigned long long)ref.index, (unsigned long long)ref.size,
			(unsigned long long)(now_ms() - t0));
	return JR_OK;
}

unsigned jr_node_fsm_restores(const struct jr_node_fsm *f, const char **what)
{
	*what = f->restored;
	return f->restores;
}

unsigned jr_node_fsm_takes(struct jr_node_fsm *f, char *what, size_t cap)
{
	unsigned n;

	/* not snap_mu: the worker holds that through a whole copy */
	(void)pthread_mutex_lock(&f->takes_mu);
	n = f->takes;
	(void)snprintf(what, cap, "%s", f->taken);
	(void)pthread_mutex_unlock(&f->takes_mu);
	return n;
}

static const char *fsm_errmsg(void *data)
{
	return ((struct jr_node_fsm *)data)->error;
}

void jr_node_fsm_callbacks(struct jr_node_fsm *f, struct jr_cons_fsm *out)
{
	memset(out, 0, sizeof *out);
	out->data = f;
	out->apply = fsm_apply;
	out->snapshot_begin = fsm_snapshot_begin;
	out->snapshot_write = fsm_snapshot_write;
	out->snapshot_end = fsm_snapshot_end;
	out->restore = fsm_restore;
	out->errmsg = fsm_errmsg;
}

struct jr_centre *jr_node_fsm_centre(struct jr_node_fsm *f)
{
	return f->centre;
}

sqlite3 *jr_node_fsm_db(struct jr_node_fsm *f)
{
	return f->db;
}

const struct jr_tlog_store *jr_node_fsm_store(struct jr_node_fsm *f)
{
	return f->ss != NULL ? jr_tlog_sqlstore_get(f->ss) : NULL;
}

uint64_t jr_node_fsm_index(const struct jr_node_fsm *f)
{
	return f->index;
}

const char *jr_node_fsm_error(const struct jr_node_fsm *f)
{
	return f->error;
}

int jr_node_fsm_snapshot_reader(struct jr_node_fsm *f, uint64_t index,
	const uint8_t digest[JR_HASH_BYTES], const uint8_t nonce[JR_SNAP_NONCE_BYTES],
	const uint8_t mac[JR_HASH_BYTES], struct jr_snap_reader **out, uint64_t *total,
	struct jr_errbuf *eb)
{
	return jr_snap_reader_open(f->snap_dir, f->secret, index, digest, nonce, mac, out,
		total, eb);
}

uint64_t jr_node_fsm_last_snapshot_bytes(const struct jr_node_fsm *f)
{
	return f->snap_bytes;
}

int jr_node_fsm_bundle(struct jr_node_fsm *f, const uint8_t id[JR_HASH_BYTES],
	struct jr_node_bundle_row *out)
{
	sqlite3_stmt *st = f->get_bundle;
	int rc = JR_ENOTFOUND;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, id, JR_HASH_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const void *k = sqlite3_column_blob(st, 2);

		out->index = (uint64_t)sqlite3_column_int64(st, 0);
		out->length = (uint64_t)sqlite3_column_int64(st, 1);
		if (k != NULL && sqlite3_column_bytes(st, 2) == JR_ID_BYTES)
			memcpy(out->kiosk, k, JR_ID_BYTES);
		out->blocks = (uint32_t)sqlite3_column_int64(st, 3);
		out->applied = (uint32_t)sqlite3_column_int64(st, 4);
		out->known = (uint32_t)sqlite3_column_int64(st, 5);
		out->pending = (uint32_t)sqlite3_column_int64(st, 6);
		out->refused = (uint32_t)sqlite3_column_int64(st, 7);
		out->acked_height = (uint64_t)sqlite3_column_int64(st, 8);
		rc = JR_OK;
	}
	(void)sqlite3_reset(st);
	return rc;
}

int jr_node_fsm_act(struct jr_node_fsm *f, const uint8_t hash[JR_HASH_BYTES],
	struct jr_node_act_row *out)
{
	sqlite3_stmt *st = f->get_act;
	int rc = JR_ENOTFOUND;

	memset(out, 0, sizeof *out);
	if (st == NULL)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, hash, JR_HASH_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		out->index = (uint64_t)sqlite3_column_int64(st, 0);
		out->refused = sqlite3_column_int(st, 1) != 0;
		out->changed = sqlite3_column_int(st, 2) != 0;
		out->status = (unsigned)sqlite3_column_int(st, 3);
		rc = JR_OK;
	}
	(void)sqlite3_reset(st);
	return rc;
}
