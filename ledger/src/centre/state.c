/*
 * The centre's state file: schema, prepared statements, the transaction
 * around each entry, the state hash, and the read side (jaring/centre.h).
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "centre_int.h"
#include "jaring/ack.h"
#include "jaring/cbor.h"

static const char SCHEMA[] =
	"CREATE TABLE IF NOT EXISTS kiosk(id BLOB PRIMARY KEY, sign_pk BLOB NOT NULL,"
	" village INTEGER NOT NULL, revoked_from INTEGER NOT NULL,"
	" head INTEGER NOT NULL, head_hash BLOB NOT NULL,"
	" flagged_from INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS block(kiosk BLOB, height INTEGER, hash BLOB NOT NULL,"
	" sig BLOB NOT NULL, body BLOB NOT NULL, PRIMARY KEY(kiosk, height)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS pending(kiosk BLOB, height INTEGER, hash BLOB,"
	" body BLOB NOT NULL, sig BLOB NOT NULL, PRIMARY KEY(kiosk, height, hash))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS evidence(kiosk BLOB, height INTEGER, hash BLOB,"
	" body BLOB NOT NULL, sig BLOB NOT NULL, PRIMARY KEY(kiosk, height, hash))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS refusal(hash BLOB, status INTEGER, kiosk BLOB NOT NULL,"
	" height INTEGER NOT NULL, PRIMARY KEY(hash, status)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS registration(regid BLOB PRIMARY KEY,"
	" kiosk BLOB NOT NULL, height INTEGER NOT NULL, pseudonym BLOB NOT NULL,"
	" district INTEGER NOT NULL, outcome INTEGER NOT NULL, reasons BLOB NOT NULL,"
	" duplicate_of BLOB, held INTEGER NOT NULL, leaf INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS registration_by_kiosk ON registration(kiosk, height);"
	"CREATE TABLE IF NOT EXISTS worker(pseudonym BLOB PRIMARY KEY,"
	" regid BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS leaf(idx INTEGER PRIMARY KEY, bytes BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS meta(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" policy_hash BLOB NOT NULL, tlog_size INTEGER NOT NULL,"
	" roster_serial INTEGER NOT NULL, pending_count INTEGER NOT NULL,"
	" pending_digest BLOB NOT NULL);";

static const char *const SQL[S_COUNT] = {
	[S_KIOSK_GET] = "SELECT sign_pk, revoked_from, head, head_hash, flagged_from"
		" FROM kiosk WHERE id = ?1",
	[S_KIOSK_SET] = "INSERT INTO kiosk VALUES(?1, ?2, ?3, ?4, 0, zeroblob(32), 0)"
		" ON CONFLICT(id) DO UPDATE SET village = excluded.village,"
		" revoked_from = excluded.revoked_from",
	[S_KIOSK_HEAD] = "UPDATE kiosk SET head = ?2, head_hash = ?3 WHERE id = ?1",
	[S_KIOSK_FLAG] = "UPDATE kiosk SET flagged_from = ?2 WHERE id = ?1",
	[S_BLOCK_GET] = "SELECT hash, body, sig FROM block WHERE kiosk = ?1 AND height = ?2",
	[S_BLOCK_PUT] = "INSERT INTO block VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_PENDING_PUT] = "INSERT OR IGNORE INTO pending VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_PENDING_AT] = "SELECT hash, body, sig FROM pending WHERE kiosk = ?1 AND"
		" height = ?2 ORDER BY hash",
	[S_PENDING_DEL] = "DELETE FROM pending WHERE kiosk = ?1 AND height = ?2 AND hash = ?3",
	[S_EVIDENCE_PUT] = "INSERT OR IGNORE INTO evidence VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_REFUSAL_PUT] = "INSERT OR IGNORE INTO refusal VALUES(?1, ?2, ?3, ?4)",
	[S_REG_GET] = "SELECT outcome, reasons, pseudonym, district, held, duplicate_of,"
		" leaf FROM registration WHERE regid = ?1",
	[S_REG_PUT] = "INSERT INTO registration VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
	[S_REG_HOLD] = "UPDATE registration SET held = 1 WHERE kiosk = ?1 AND height >= ?2",
	[S_WORKER_GET] = "SELECT regid FROM worker WHERE pseudonym = ?1",
	[S_WORKER_PUT] = "INSERT INTO worker VALUES(?1, ?2)",
	[S_LEAF_PUT] = "INSERT INTO leaf VALUES(?1, ?2)",
	[S_LEAF_GET] = "SELECT bytes FROM leaf WHERE idx = ?1",
	[S_META_PUT] = "UPDATE meta SET tlog_size = ?1, roster_serial = ?2,"
		" pending_count = ?3, pending_digest = ?4 WHERE id = 1",
};

sqlite3_stmt *jr_centre_stmt(struct jr_centre *c, enum jr_centre_stmt s)
{
	return c->st[s];
}

int jr_centre_step_done(struct jr_centre *c, enum jr_centre_stmt s)
{
	int rc = sqlite3_step(c->st[s]);

	(void)sqlite3_reset(c->st[s]);
	(void)sqlite3_clear_bindings(c->st[s]);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static void copy_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t n)
{
	const void *p = sqlite3_column_blob(st, col);

	if (p != NULL && (size_t)sqlite3_column_bytes(st, col) == n)
		memcpy(dst, p, n);
	else
		memset(dst, 0, n);
}

int jr_centre_kiosk_get(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	struct jr_ckiosk *k)
{
	sqlite3_stmt *st = c->st[S_KIOSK_GET];
	int rc;

	memset(k, 0, sizeof *k);
	memcpy(k->id, id, JR_ID_BYTES);
	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->found = true;
		copy_blob(st, 0, k->sign_pk, JR_SIGN_PK_BYTES);
		k->revoked_from = (uint64_t)sqlite3_column_int64(st, 1);
		k->head = (uint64_t)sqlite3_column_int64(st, 2);
		copy_blob(st, 3, k->head_hash, JR_HASH_BYTES);
		k->flagged_from = (uint64_t)sqlite3_column_int64(st, 4);
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

int jr_centre_log(struct jr_centre *c, const struct jr_buf *leaf)
{
	sqlite3_stmt *st = c->st[S_LEAF_PUT];
	int rc = jr_tlog_append(c->store, c->tlog_size, leaf->base, leaf->len, NULL);

	if (rc != JR_OK)
		return rc == JR_EEXIST ? JR_ECORRUPT : rc;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)c->tlog_size);
	(void)sqlite3_bind_blob(st, 2, leaf->base, (int)leaf->len, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_LEAF_PUT);
	if (rc == JR_OK)
		c->tlog_size++;
	return rc;
}

void jr_centre_pending_toggle(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES])
{
	uint8_t h8[8], d[JR_HASH_BYTES];
	struct jr_part parts[3] = { { id, JR_ID_BYTES }, { h8, 8 }, { hash, JR_HASH_BYTES } };
	size_t i;

	for (i = 0; i < 8; i++)
		h8[i] = (uint8_t)(height >> (56 - 8 * i));
	if (jr_hash_labelled("jaring/centre-pending/v1", parts, 3, d, sizeof d) != JR_OK)
		return; /* a constant, valid label: cannot fail */
	for (i = 0; i < JR_HASH_BYTES; i++)
		c->pending_digest[i] ^= d[i];
}

static void be64(uint64_t v, uint8_t out[8])
{
	size_t i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static int compute_state_hash(struct jr_centre *c)
{
	uint8_t root[JR_TLOG_HASH_BYTES], size8[8], count8[8];
	struct jr_part parts[5] = {
		{ c->policy_hash, JR_HASH_BYTES }, { size8, 8 }, { root, sizeof root },
		{ count8, 8 }, { c->pending_digest, JR_HASH_BYTES } };
	int rc = jr_tlog_root(c->store, c->tlog_size, root);

	if (rc != JR_OK)
		return rc == JR_ENOTFOUND ? JR_ECORRUPT : rc;
	be64(c->tlog_size, size8);
	be64(c->pending_count, count8);
	return jr_hash_labelled(JR_CENTRE_STATE_LABEL, parts, 5, c->state_hash,
		JR_HASH_BYTES);
}

static int exec(struct jr_centre *c, const char *q)
{
	return sqlite3_exec(c->db, q, NULL, NULL, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
}

static int load_meta(struct jr_centre *c, struct jr_errbuf *eb, const char *path)
{
	sqlite3_stmt *st = NULL;
	uint8_t ph[JR_HASH_BYTES];
	int rc = JR_EIO;

	if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO meta VALUES(1, ?1, 0, 0, 0,"
		" zeroblob(32))", -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	(void)sqlite3_bind_blob(st, 1, c->policy_hash, JR_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_finalize(st);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	if (sqlite3_prepare_v2(c->db, "SELECT policy_hash, tlog_size, roster_serial,"
		" pending_count, pending_digest FROM meta WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	rc = JR_ECORRUPT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		copy_blob(st, 0, ph, sizeof ph);
		c->tlog_size = (uint64_t)sqlite3_column_int64(st, 1);
		c->roster_serial = (uint64_t)sqlite3_column_int64(st, 2);
		c->pending_count = (uint64_t)sqlite3_column_int64(st, 3);
		copy_blob(st, 4, c->pending_digest, JR_HASH_BYTES);
		rc = JR_OK;
	}
	(void)sqlite3_finalize(st);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "centre state %s: no meta row; the file is damaged,"
			" restore it from another node", path);
	if (sodium_memcmp(ph, c->policy_hash, sizeof ph) != 0)
		return jr_errf(eb, JR_EINVAL, "centre state %s was built under another"
			" contract policy; open it with the policy the cluster runs", path);
	return JR_OK;
}

static int open_db(struct jr_centre *c, const char *path, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	size_t i;

	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
		NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot open: %s", path,
			c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);

		wal = m != NULL && strcmp((const char *)m, "wal") == 0;
	}
	(void)sqlite3_finalize(st);
	/* A page cache that holds the hot b-tree pages of a batch (64 MiB):
	 * with SQLite's default 2 MiB, apply spent most of its time copying
	 * pages in and out of the kernel. It changes no result. */
	if (!wal || exec(c, "PRAGMA synchronous=FULL") != JR_OK ||
		exec(c, "PRAGMA cache_size=-65536") != JR_OK || exec(c, SCHEMA) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot set up: %s", path,
			sqlite3_errmsg(c->db));
	for (i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(c->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT,
			&c->st[i], NULL) != SQLITE_OK)
			return jr_errf(eb, JR_EIO, "centre state %s: %s", path,
				sqlite3_errmsg(c->db));
	return JR_OK;
}

int jr_centre_open(const char *path, const struct jr_key *consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const struct jr_policy *policy, struct jr_centre **out, struct jr_errbuf *eb)
{
	struct jr_centre *c;
	struct jr_buf pol = { 0 };
	int rc;

	*out = NULL;
	if (path == NULL || consortium == NULL || pseudonym_key == NULL || policy == NULL)
		return jr_errf(eb, JR_EINVAL, "centre state: missing argument");
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "centre state %s: the key given is not the"
			" consortium key", path);
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return JR_ENOMEM;
	c->consortium = consortium;
	{
		struct jr_pubkey pub;

		jr_key_public(consortium, &pub);
		memcpy(c->consortium_pk, pub.sign_pk, JR_SIGN_PK_BYTES);
	}
	c->policy = *policy;
	c->pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES);
	rc = c->pkey == NULL ? JR_ENOMEM : jr_policy_encode(policy, &pol);
	if (rc != JR_OK)
		goto err_after_alloc;
	memcpy(c->pkey, pseudonym_key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	jr_hash(pol.base, pol.len, c->policy_hash);
	jr_buf_free(&pol);
	rc = jr_seal_opener_new(consortium, &c->opener);
	if (rc != JR_OK)
		goto err_after_alloc;
	rc = open_db(c, path, eb);
	if (rc != JR_OK)
		goto err_after_alloc;
	rc = jr_tlog_sqlstore_open(c->db, &c->ss, eb);
	if (rc != JR_OK)
		goto err_after_alloc;
	c->store = jr_tlog_sqlstore_get(c->ss);
	rc = load_meta(c, eb, path);
	if (rc == JR_OK)
		rc = compute_state_hash(c);
	if (rc != JR_OK)
		goto err_after_alloc;
	*out = c;
	return JR_OK;

err_after_alloc:
	jr_centre_close(c);
	return rc;
}

void jr_centre_close(struct jr_centre *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < S_COUNT; i++)
		(void)sqlite3_finalize(c->st[i]);
	jr_tlog_sqlstore_close(c->ss);
	(void)sqlite3_close(c->db);
	jr_seal_opener_free(c->opener);
	sodium_free(c->pkey); /* wipes */
	free(c);
}

static int write_meta(struct jr_centre *c)
{
	sqlite3_stmt *st = c->st[S_META_PUT];

	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)c->tlog_size);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)c->roster_serial);
	(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)c->pending_count);
	(void)sqlite3_bind_blob(st, 4, c->pending_digest, JR_HASH_BYTES, SQLITE_STATIC);
	return jr_centre_step_done(c, S_META_PUT);
}

struct meta_snap {
	uint64_t tlog_size, roster_serial, pending_count;
	uint8_t pending_digest[JR_HASH_BYTES], state_hash[JR_HASH_BYTES];
};

static void snap_take(const struct jr_centre *c, struct meta_snap *m)
{
	m->tlog_size = c->tlog_size;
	m->roster_serial = c->roster_serial;
	m->pending_count = c->pending_count;
	memcpy(m->pending_digest, c->pending_digest, JR_HASH_BYTES);
	memcpy(m->state_hash, c->state_hash, JR_HASH_BYTES);
}

static void snap_restore(struct jr_centre *c, const struct meta_snap *m)
{
	c->tlog_size = m->tlog_size;
	c->roster_serial = m->roster_serial;
	c->pending_count = m->pending_count;
	memcpy(c->pending_digest, m->pending_digest, JR_HASH_BYTES);
	memcpy(c->state_hash, m->state_hash, JR_HASH_BYTES);
}

/* Splits the entry into kind and payload. false: not an entry. */
static bool entry_split(const uint8_t *p, size_t len, uint64_t *kind,
	const uint8_t **payload, size_t *plen)
{
	struct jr_cbr r;
	size_t n = 0;

	if (jr_cbr_open_versioned(&r, p, len, JR_CENTRE_ENTRY_MAX_BYTES, "entry",
		JR_CENTRE_ENTRY_VERSION, &n, NULL) != JR_OK || n != 3)
		return false;
	(void)jr_cbr_key_uint(&r, 1, UINT64_MAX, kind);
	if (jr_cbr_key(&r, 2) != JR_OK)
		return false;
	*payload = p + r.off;
	*plen = len - r.off;
	return jr_cbr_skip(&r) == JR_OK && jr_cbr_end(&r) == JR_OK;
}

int jr_centre_apply(struct jr_centre *c, const uint8_t *entry, size_t len,
	struct jr_centre_result *res, struct jr_errbuf *eb)
{
	struct jr_centre_result local;
	struct meta_snap snap;
	const uint8_t *payload = NULL;
	size_t plen = 0;
	uint64_t kind = 0;
	int rc;

	if (res == NULL)
		res = &local;
	memset(res, 0, sizeof *res);
	if (c == NULL || (entry == NULL && len > 0))
		return jr_errf(eb, JR_EINVAL, "centre apply: missing argument");
	if (!entry_split(entry, len, &kind, &payload, &plen) ||
		(kind != JR_CENTRE_ROSTER && kind != JR_CENTRE_UPSTREAM)) {
		/* Raft committed it, so every node sees the same bytes and
		 * refuses them the same way: a recorded no-op, not a stop. */
		res->refused = true;
		return JR_OK;
	}
	snap_take(c, &snap);
	if (exec(c, "BEGIN IMMEDIATE") != JR_OK)
		return jr_errf(eb, JR_EIO, "centre apply: cannot begin: %s",
			sqlite3_errmsg(c->db));
	rc = kind == JR_CENTRE_ROSTER ? jr_centre_apply_roster(c, payload, plen, res)
		: jr_centre_apply_upstream(c, payload, plen, res);
	if (rc == JR_OK && res->changed)
		rc = write_meta(c);
	if (rc == JR_OK && res->changed)
		rc = compute_state_hash(c);
	if (rc == JR_OK)
		rc = exec(c, "COMMIT");
	if (rc != JR_OK) {
		const char *why = sqlite3_errmsg(c->db);

		(void)jr_errf(eb, rc, "centre apply: %s (%s); this node cannot continue:"
			" stop it and check its disk", jr_strerror(rc), why);
		(void)exec(c, "ROLLBACK");
		snap_restore(c, &snap);
		memset(res, 0, sizeof *res);
	}
	return rc;
}

void jr_centre_state_hash(const struct jr_centre *c, uint8_t out[JR_HASH_BYTES])
{
	memcpy(out, c->state_hash, JR_HASH_BYTES);
}

uint64_t jr_centre_tlog_size(const struct jr_centre *c)
{
	return c->tlog_size;
}

int jr_centre_ack(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	int64_t time, struct jr_buf *out, struct jr_errbuf *eb)
{
	struct jr_ckiosk k;
	struct jr_ack a;
	int rc;

	out->base = NULL;
	out->len = 0;
	rc = jr_centre_kiosk_get(c, kiosk_id, &k);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "acknowledged head: cannot read the kiosk: %s",
			sqlite3_errmsg(c->db));
	if (!k.found || k.head == 0)
		return jr_errf(eb, JR_ENOTFOUND, "acknowledged head: nothing of this kiosk"
			" is applied yet");
	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, kiosk_id, JR_ID_BYTES);
	a.height = k.head;
	memcpy(a.hash, k.head_hash, JR_HASH_BYTES);
	a.time = time;
	rc = jr_ack_sign(c->consortium, &a, out);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "acknowledged head: cannot sign: %s", jr_strerror(rc));
	return JR_OK;
}

int jr_centre_registration(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_centre_reg *out)
{
	sqlite3_stmt *st = c->st[S_REG_GET];
	int rc;

	memset(out, 0, sizeof *out);
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const uint8_t *rs = sqlite3_column_blob(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1) / 2, i;

		out->outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 0);
		for (i = 0; i < n && i < JR_VERDICT_MAX; i++)
			out->reasons.reasons[i] = (enum jr_reason)((rs[2 * i] << 8) | rs[2 * i + 1]);
		out->reasons.n = i;
		copy_blob(st, 2, out->pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
		out->district = (uint64_t)sqlite3_column_int64(st, 3);
		out->held = sqlite3_column_int(st, 4) != 0;
		out->has_duplicate_of = sqlite3_column_type(st, 5) == SQLITE_BLOB;
		copy_blob(st, 5, out->duplicate_of, JR_REGID_BYTES);
		out->leaf = (uint64_t)sqlite3_column_int64(st, 6);
		rc = JR_OK;
	} else {
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc;
}

static int count_where(struct jr_centre *c, const char *q, const uint8_t id[JR_ID_BYTES],
	uint64_t *n)
{
	sqlite3_stmt *st = NULL;
	int rc = JR_EIO;

	*n = 0;
	if (sqlite3_prepare_v2(c->db, q, -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*n = (uint64_t)sqlite3_column_int64(st, 0);
		rc = JR_OK;
	}
	(void)sqlite3_finalize(st);
	return rc;
}

int jr_centre_kiosk_state(struct jr_centre *c, const uint8_t kiosk_id[JR_ID_BYTES],
	struct jr_centre_kiosk_state *out)
{
	struct jr_ckiosk k;
	int rc = jr_centre_kiosk_get(c, kiosk_id, &k);

	memset(out, 0, sizeof *out);
	if (rc != JR_OK)
		return rc;
	out->in_roster = k.found;
	out->head = k.head;
	out->flagged_from = k.flagged_from;
	rc = count_where(c, "SELECT count(*) FROM pending WHERE kiosk = ?1", kiosk_id,
		&out->pending);
	if (rc == JR_OK)
		rc = count_where(c, "SELECT count(*) FROM refusal WHERE kiosk = ?1",
			kiosk_id, &out->refusals);
	if (rc == JR_OK)
		rc = count_where(c, "SELECT count(*) FROM evidence WHERE kiosk = ?1",
			kiosk_id, &out->evidence);
	return rc;
}

int jr_centre_refusal(struct jr_centre *c, const uint8_t block_hash[JR_HASH_BYTES],
	enum jr_centre_status *status)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*status = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT status FROM refusal WHERE hash = ?1"
		" ORDER BY status LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, block_hash, JR_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*status = (enum jr_centre_status)sqlite3_column_int(st, 0);
		rc = JR_OK;
	} else {
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	}
	(void)sqlite3_finalize(st);
	return rc;
}

int jr_centre_leaf(struct jr_centre *c, uint64_t index, struct jr_buf *out)
{
	sqlite3_stmt *st = c->st[S_LEAF_GET];
	int rc;

	out->base = NULL;
	out->len = 0;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)index);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		out->base = malloc(n > 0 ? n : 1);
		if (out->base == NULL) {
			rc = JR_ENOMEM;
		} else {
			if (n > 0)
				memcpy(out->base, sqlite3_column_blob(st, 0), n);
			out->len = n;
			rc = JR_OK;
		}
	} else {
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc;
}

int jr_centre_refusal_put(struct jr_centre *c, const uint8_t *kiosk,
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], enum jr_centre_status status,
	bool *is_new)
{
	static const uint8_t none[JR_ID_BYTES];
	sqlite3_stmt *st = c->st[S_REFUSAL_PUT];
	int rc;

	(void)sqlite3_bind_blob(st, 1, hash, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 2, (int)status);
	(void)sqlite3_bind_blob(st, 3, kiosk != NULL ? kiosk : none, JR_ID_BYTES,
		SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)height);
	rc = jr_centre_step_done(c, S_REFUSAL_PUT);
	*is_new = rc == JR_OK && sqlite3_changes(c->db) == 1;
	return rc;
}
