/*
 * The centre's state file: schema, prepared statements, the transaction
 * around each entry, the state hash, and the consortium keys (jaring/centre.h).
 * The read side is in read.c.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sodium.h>

#include "centre_int.h"
#include "jaring/cbor.h"

/* The tables of docs/centre.md "State file", in two parts (C99 caps a
 * string literal at 4,095 bytes). */
static const char SCHEMA_CHAIN[] =
	"CREATE TABLE IF NOT EXISTS kiosk(id BLOB PRIMARY KEY, head INTEGER NOT NULL,"
	" head_hash BLOB NOT NULL, flagged_from INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS member(id BLOB PRIMARY KEY, sign_pk BLOB NOT NULL,"
	" role INTEGER NOT NULL, agency INTEGER NOT NULL, region INTEGER NOT NULL,"
	" perms INTEGER NOT NULL, revoked_from INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS roster(serial INTEGER PRIMARY KEY, hash BLOB NOT NULL,"
	" bytes BLOB NOT NULL);"
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
	/* Keyed by the index of its intake leaf, so that rows are appended in
	 * order; the random registration ids go to regid_recent and
	 * regid_main (recent.c). */
	"CREATE TABLE IF NOT EXISTS registration(leaf INTEGER PRIMARY KEY,"
	" regid BLOB NOT NULL, kiosk BLOB NOT NULL, height INTEGER NOT NULL,"
	" pseudonym BLOB NOT NULL, district INTEGER NOT NULL, outcome INTEGER NOT NULL,"
	" reasons BLOB NOT NULL, duplicate_of BLOB, held INTEGER NOT NULL,"
	" phase INTEGER NOT NULL, approvals INTEGER NOT NULL, viewed INTEGER NOT NULL,"
	" corrects BLOB, corrected_by BLOB, decree TEXT);"
	"CREATE INDEX IF NOT EXISTS registration_by_kiosk ON registration(kiosk, height);"
	"CREATE TABLE IF NOT EXISTS regid_recent(regid BLOB PRIMARY KEY,"
	" leaf INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS regid_main(regid BLOB PRIMARY KEY,"
	" leaf INTEGER NOT NULL) WITHOUT ROWID;"
	/* who holds each worker, by a short tag of its pseudonym (worker.c) */
	"CREATE TABLE IF NOT EXISTS claim(tag BLOB PRIMARY KEY,"
	" leaf INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS claim_recent(tag BLOB PRIMARY KEY,"
	" leaf INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS claim_more(pseudonym BLOB PRIMARY KEY,"
	" leaf INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS leaf(idx INTEGER PRIMARY KEY, bytes BLOB NOT NULL);";
static const char SCHEMA_ACTS[] =
	"CREATE TABLE IF NOT EXISTS act(id BLOB PRIMARY KEY, kind INTEGER NOT NULL,"
	" signer BLOB NOT NULL, leaf INTEGER NOT NULL, bytes BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS comment(regid BLOB, act BLOB, agency INTEGER NOT NULL,"
	" text TEXT NOT NULL, PRIMARY KEY(regid, act)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS policy(region INTEGER PRIMARY KEY,"
	" version INTEGER NOT NULL, rules BLOB NOT NULL, required INTEGER NOT NULL,"
	" dtks INTEGER NOT NULL, act BLOB NOT NULL);"
	"CREATE TABLE IF NOT EXISTS allocation(id TEXT PRIMARY KEY, type INTEGER NOT NULL,"
	" sponsor TEXT NOT NULL, amount INTEGER NOT NULL, months INTEGER NOT NULL,"
	" region INTEGER NOT NULL, committed INTEGER NOT NULL, paid INTEGER NOT NULL,"
	" decrees INTEGER NOT NULL, act BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS decree(number TEXT PRIMARY KEY,"
	" allocation TEXT NOT NULL, region INTEGER NOT NULL, start INTEGER NOT NULL,"
	" months INTEGER NOT NULL, count INTEGER NOT NULL, rate INTEGER NOT NULL,"
	" cost INTEGER NOT NULL, paid INTEGER NOT NULL, act BLOB NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS recipient(regid BLOB, start INTEGER,"
	" end INTEGER NOT NULL, decree TEXT NOT NULL, allocation TEXT NOT NULL,"
	" rate INTEGER NOT NULL, PRIMARY KEY(regid, start)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS recipient_by_decree ON recipient(decree, regid);"
	"CREATE INDEX IF NOT EXISTS recipient_by_allocation ON recipient(allocation, regid);"
	"CREATE TABLE IF NOT EXISTS paid(regid BLOB, month INTEGER,"
	" PRIMARY KEY(regid, month)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS payment(act BLOB PRIMARY KEY, allocation TEXT NOT NULL,"
	" month INTEGER NOT NULL, count INTEGER NOT NULL, amount INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS refpart(kind INTEGER, serial INTEGER, part INTEGER,"
	" parts INTEGER NOT NULL, count INTEGER NOT NULL, act BLOB NOT NULL,"
	" PRIMARY KEY(kind, serial, part)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS refentry(kind INTEGER, serial INTEGER, pseudonym BLOB,"
	" PRIMARY KEY(kind, serial, pseudonym)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS meta(id INTEGER PRIMARY KEY CHECK (id = 1),"
	" policy_hash BLOB NOT NULL, tlog_size INTEGER NOT NULL,"
	" roster_serial INTEGER NOT NULL, pending_count INTEGER NOT NULL,"
	" pending_digest BLOB NOT NULL, genesis_pk BLOB NOT NULL,"
	" roster_signer BLOB NOT NULL, wage_serial INTEGER NOT NULL,"
	" dtks_serial INTEGER NOT NULL);";

static const char *const SQL[S_COUNT] = {
	[S_KIOSK_GET] = "SELECT head, head_hash, flagged_from FROM kiosk WHERE id = ?1",
	[S_KIOSK_HEAD] = "INSERT INTO kiosk VALUES(?1, ?2, ?3, 0) ON CONFLICT(id) DO UPDATE"
		" SET head = excluded.head, head_hash = excluded.head_hash",
	[S_KIOSK_FLAG] = "INSERT INTO kiosk VALUES(?1, 0, zeroblob(32), ?2) ON CONFLICT(id)"
		" DO UPDATE SET flagged_from = excluded.flagged_from",
	[S_MEMBER_GET] = "SELECT sign_pk, role, agency, region, perms, revoked_from"
		" FROM member WHERE id = ?1",
	[S_MEMBER_PUT] = "INSERT INTO member VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_BLOCK_GET] = "SELECT hash, body, sig FROM block WHERE kiosk = ?1 AND height = ?2",
	[S_BLOCK_PUT] = "INSERT INTO block VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_PENDING_PUT] = "INSERT OR IGNORE INTO pending VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_PENDING_AT] = "SELECT hash, body, sig FROM pending WHERE kiosk = ?1 AND"
		" height = ?2 ORDER BY hash",
	[S_PENDING_DEL] = "DELETE FROM pending WHERE kiosk = ?1 AND height = ?2 AND hash = ?3",
	[S_EVIDENCE_PUT] = "INSERT OR IGNORE INTO evidence VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_REFUSAL_PUT] = "INSERT OR IGNORE INTO refusal VALUES(?1, ?2, ?3, ?4)",
	[S_REFUSAL_GET] = "SELECT status FROM refusal WHERE hash = ?1 ORDER BY status LIMIT 1",
	[S_REG_GET] = "SELECT outcome, reasons, pseudonym, district, held, duplicate_of,"
		" leaf, phase, approvals, viewed, corrects, corrected_by, decree"
		" FROM registration WHERE leaf = " JR_CENTRE_LEAF_OF("?1"),
	[S_REG_KNOWN] = "SELECT 1 WHERE " JR_CENTRE_LEAF_OF("?1") " IS NOT NULL",
	[S_REG_PUT] = "INSERT INTO registration(regid, kiosk, height, pseudonym, district,"
		" outcome, reasons, duplicate_of, held, leaf, phase, approvals, viewed, corrects)"
		" VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10, 0, 0, ?11)",
	/* two statements: one INSERT … SELECT … WHERE NOT EXISTS measured 2 us
	 * a registration more (bench_centre, 2026-12-07) */
	[S_REGID_MAIN_HAS] = "SELECT 1 FROM regid_main WHERE regid = ?1",
	[S_REGID_PUT] = "INSERT INTO regid_recent VALUES(?1, ?2)",
	[S_REG_DUP] = "UPDATE registration SET outcome = 3, phase = 3, reasons = ?2,"
		" duplicate_of = ?3 WHERE leaf = " JR_CENTRE_LEAF_OF("?1"),
	[S_REG_HOLD] = "UPDATE registration SET held = 1 WHERE kiosk = ?1 AND height >= ?2",
	[S_REG_PHASE] = "UPDATE registration SET phase = ?2, outcome = ?3, reasons = ?4"
		" WHERE leaf = " JR_CENTRE_LEAF_OF("?1"),
	/* by the row jr_centre_reg_get found, not a second lookup of the id */
	[S_REG_APPROVE] = "UPDATE registration SET approvals = approvals | ?2 WHERE leaf = ?1",
	[S_REG_VIEW] = "UPDATE registration SET viewed = viewed | ?2 WHERE leaf = ?1",
	/* an approval's common case in one statement: the checks of
	 * review_one (in review, not held, not approved by this agency yet,
	 * in the signer's region); no row changed sends it the long way */
	[S_REG_APPROVE_IF] = "UPDATE registration SET approvals = approvals | ?2"
		" WHERE leaf = " JR_CENTRE_LEAF_OF("?1") " AND phase = 1 AND held = 0 AND (approvals & ?2) = 0"
		" AND jr_region_within(district, ?3)",
	[S_REG_DECREE] = "UPDATE registration SET phase = 5, decree = ?1 WHERE leaf IN"
		" (SELECT " JR_CENTRE_LEAF_OF("p.regid") " FROM recipient p WHERE p.decree = ?1)",
	[S_REG_CORRECTED] = "UPDATE registration SET corrected_by = ?2 WHERE leaf = " JR_CENTRE_LEAF_OF("?1"),
	[S_WORKER_GET] = "SELECT r.regid FROM claim w JOIN registration r ON r.leaf = w.leaf"
		" WHERE w.tag = ?1 AND r.pseudonym = ?2 UNION ALL SELECT r.regid FROM claim_recent w"
		" JOIN registration r ON r.leaf = w.leaf WHERE w.tag = ?1 AND r.pseudonym = ?2"
		" UNION ALL SELECT r.regid FROM claim_more m"
		" JOIN registration r ON r.leaf = m.leaf WHERE m.pseudonym = ?2",
	[S_CLAIM_MAIN_HAS] = "SELECT 1 FROM claim WHERE tag = ?1",
	[S_WORKER_PUT] = "INSERT OR IGNORE INTO claim_recent VALUES(?1, ?2)",
	[S_WORKER_PUT_MORE] = "INSERT INTO claim_more VALUES(?1, ?2)",
	[S_WORKER_DEL_RECENT] = "DELETE FROM claim_recent WHERE tag = ?1 AND leaf ="
		" " JR_CENTRE_LEAF_OF("?2"),
	[S_WORKER_DEL] = "DELETE FROM claim WHERE tag = ?1 AND leaf ="
		" " JR_CENTRE_LEAF_OF("?2"),
	[S_WORKER_DEL_MORE] = "DELETE FROM claim_more WHERE pseudonym = ?1 AND leaf ="
		" " JR_CENTRE_LEAF_OF("?2"),
	[S_WORKER_PROMOTE] = "INSERT INTO claim_recent SELECT ?1, leaf FROM claim_more"
		" WHERE substr(pseudonym, 1, ?2) = ?1 ORDER BY pseudonym LIMIT 1",
	[S_WORKER_PROMOTED] = "DELETE FROM claim_more WHERE pseudonym = (SELECT r.pseudonym"
		" FROM claim_recent w JOIN registration r ON r.leaf = w.leaf WHERE w.tag = ?1)",
	[S_LEAF_PUT] = "INSERT INTO leaf VALUES(?1, ?2)",
	[S_LEAF_GET] = "SELECT bytes FROM leaf WHERE idx = ?1",
	[S_META_PUT] = "UPDATE meta SET tlog_size = ?1, roster_serial = ?2,"
		" pending_count = ?3, pending_digest = ?4, roster_signer = ?5,"
		" wage_serial = ?6, dtks_serial = ?7 WHERE id = 1",
	[S_ACT_GET] = "SELECT kind FROM act WHERE id = ?1",
	[S_ACT_PUT] = "INSERT INTO act VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_COMMENT_PUT] = "INSERT OR IGNORE INTO comment VALUES(?1, ?2, ?3, ?4)",
	[S_POLICY_PUT] = "INSERT INTO policy VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(region)"
		" DO UPDATE SET version = excluded.version, rules = excluded.rules,"
		" required = excluded.required, dtks = excluded.dtks, act = excluded.act",
	[S_ALLOC_GET] = "SELECT type, sponsor, amount, months, region, committed, paid,"
		" decrees FROM allocation WHERE id = ?1",
	[S_ALLOC_PUT] = "INSERT INTO allocation VALUES(?1, ?2, ?3, ?4, ?5, ?6, 0, 0, 0, ?7)",
	[S_ALLOC_SPEND] = "UPDATE allocation SET committed = committed + ?2,"
		" paid = paid + ?3, decrees = decrees + ?4 WHERE id = ?1",
	[S_DECREE_GET] = "SELECT allocation, region, start, months, count, rate, cost, paid"
		" FROM decree WHERE number = ?1",
	[S_DECREE_PUT] = "INSERT INTO decree VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9)",
	[S_DECREE_PAY] = "UPDATE decree SET paid = paid + ?2 WHERE number = ?1",
	[S_RECIPIENT_PUT] = "INSERT INTO recipient VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_RECIPIENT_DROP] = "DELETE FROM recipient WHERE decree = ?1",
	[S_RECIPIENT_OVERLAP] = "SELECT 1 FROM recipient WHERE regid = ?1 AND start < ?3"
		" AND end > ?2 LIMIT 1",
	[S_RECIPIENT_AT] = "SELECT decree, rate FROM recipient WHERE regid = ?1 AND"
		" allocation = ?2 AND start <= ?3 AND end > ?3 ORDER BY start LIMIT 1",
	[S_RECIPIENT_ALL] = "SELECT regid, decree, rate FROM recipient WHERE"
		" allocation = ?1 AND start <= ?2 AND end > ?2 ORDER BY regid, start",
	[S_PAID_GET] = "SELECT 1 FROM paid WHERE regid = ?1 AND month = ?2",
	[S_PAID_PUT] = "INSERT OR IGNORE INTO paid VALUES(?1, ?2)", /* changes() 0: paid */
	[S_PAYMENT_PUT] = "INSERT INTO payment VALUES(?1, ?2, ?3, ?4, ?5)",
	[S_REF_HAS] = "SELECT 1 FROM refentry WHERE kind = ?1 AND serial = ?2 AND"
		" pseudonym = ?3",
	[S_REF_PUT] = "INSERT OR IGNORE INTO refentry VALUES(?1, ?2, ?3)",
	[S_REFPART_GET] = "SELECT part, parts FROM refpart WHERE kind = ?1 AND serial = ?2"
		" ORDER BY part",
	[S_ROSTER_LATEST] = "SELECT bytes FROM roster ORDER BY serial DESC LIMIT 1",
	[S_PENDING_COUNT] = "SELECT count(*) FROM pending WHERE kiosk = ?1",
	[S_REFUSAL_COUNT] = "SELECT count(*) FROM refusal WHERE kiosk = ?1",
	[S_EVIDENCE_COUNT] = "SELECT count(*) FROM evidence WHERE kiosk = ?1",
#define ITEM_COLS "SELECT r.regid, r.kiosk, r.height, r.district, r.leaf, r.outcome," \
	" r.phase, r.reasons, r.approvals, r.viewed, r.pseudonym FROM registration r"
	[S_QUEUE] = ITEM_COLS " WHERE r.phase = 1 AND r.held = 0 AND r.corrected_by IS NULL"
		" ORDER BY r.leaf",
	[S_ITEM] = ITEM_COLS " WHERE r.leaf = " JR_CENTRE_LEAF_OF("?1"),
#undef ITEM_COLS
	[S_COMMENT_COUNT] = "SELECT count(*) FROM comment WHERE regid = ?1",
	[S_REG_BLOCK] = "SELECT b.body FROM block b WHERE b.kiosk = ?1 AND b.height = ?2",
	[S_RECIPIENTS] = "SELECT p.regid, r.pseudonym, r.district, p.decree, p.allocation,"
		" a.type, a.sponsor, p.start, p.end, p.rate, (SELECT count(*) FROM paid q"
		" WHERE q.regid = p.regid AND q.month >= p.start AND q.month < p.end),"
		" EXISTS(SELECT 1 FROM paid q WHERE q.regid = p.regid AND q.month = ?1)"
		" FROM recipient p JOIN registration r ON r.leaf = " JR_CENTRE_LEAF_OF("p.regid")
		" JOIN allocation a ON a.id = p.allocation"
		" WHERE ?1 < 0 OR (p.start <= ?1 AND ?1 < p.end) ORDER BY p.decree, p.regid",
	[S_LIST_HAS] = "SELECT 1 FROM refentry WHERE kind = ?1 AND serial = ?2 AND"
		" pseudonym = ?3",
	[S_LIST_EACH] = "SELECT pseudonym FROM refentry WHERE kind = ?1 AND serial = ?2"
		" ORDER BY pseudonym",
	[S_REFPART_PUT] = "INSERT INTO refpart VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
	[S_ROSTER_BYTES] = "SELECT bytes FROM roster WHERE hash = ?1",
	[S_ACT_BYTES] = "SELECT bytes FROM act WHERE id = ?1",
	[S_BLOCK_SIGNED] = "SELECT body, sig FROM block WHERE hash = ?1 AND kiosk = ?2 AND"
		" height = ?3",
	[S_PENDING_ALL] = "SELECT body, sig FROM pending ORDER BY kiosk, height, hash",
	[S_ALLOC_IDS] = "SELECT id FROM allocation ORDER BY id",
	[S_DECREE_NUMBERS] = "SELECT number FROM decree ORDER BY number",
	[S_DISTRICT_PHASES] = "SELECT district, phase, count(*), sum(viewed != 0) FROM"
		" registration GROUP BY district, phase ORDER BY district, phase",
	[S_ROSTER_BELOW] = "SELECT bytes FROM roster WHERE serial < ?1 ORDER BY serial",
	[S_CODE_FIND] = "SELECT x.regid FROM (SELECT regid, leaf FROM regid_recent"
		" WHERE regid BETWEEN ?1 AND ?2 UNION ALL SELECT regid, leaf FROM regid_main"
		" WHERE regid BETWEEN ?1 AND ?2) x JOIN registration r ON r.leaf = x.leaf"
		" WHERE substr(r.kiosk, 1, 5) = ?3 ORDER BY x.regid LIMIT 2",
	[S_PUB_TOTALS] = "SELECT (SELECT tlog_size FROM meta),"
		" (SELECT count(*) FROM registration), (SELECT count(*) FROM kiosk)",
	/* One pass over the registrations: phases per district, and the
	 * agencies that viewed (bit 1 << agency), summed over the districts. */
	[S_PUB_DISTRICTS] = "SELECT district, count(*),"
		" sum(phase = 1 AND held = 0), sum(phase = 2 AND held = 0),"
		" sum(phase = 3 AND held = 0), sum(phase = 4 OR held != 0),"
		" sum(phase = 5 AND held = 0), sum(viewed >> 1 & 1), sum(viewed >> 2 & 1),"
		" sum(viewed >> 3 & 1), sum(viewed >> 4 & 1), sum(viewed >> 5 & 1),"
		" sum(viewed >> 6 & 1), sum(viewed >> 7 & 1)"
		" FROM registration GROUP BY district ORDER BY district",
	[S_PUB_DECREES] = "SELECT number, allocation, region, start, months, count, rate,"
		" cost, paid FROM decree ORDER BY number",
	[S_PUB_ALLOCATIONS] = "SELECT id, type, sponsor, amount, months, region, committed,"
		" paid, decrees FROM allocation ORDER BY id",
	[S_PUB_PAYMENTS] = "SELECT allocation, month, count(*), sum(count), sum(amount)"
		" FROM payment GROUP BY allocation, month ORDER BY allocation, month",
	[S_PUB_VIEWERS] = "SELECT a.signer, coalesce(m.agency, 0), a.bytes FROM act a"
		" LEFT JOIN member m ON m.id = a.signer WHERE a.kind = 5 ORDER BY a.signer",
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

int jr_centre_row(struct jr_centre *c, enum jr_centre_stmt s, jr_centre_row_fn fill,
	void *arg)
{
	sqlite3_stmt *st = c->st[s];
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		rc = fill(st, arg);
	else
		rc = rc == SQLITE_DONE ? JR_ENOTFOUND : JR_EIO;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc;
}

int jr_centre_rows(struct jr_centre *c, enum jr_centre_stmt s, jr_centre_row_fn fill,
	void *arg, const char *what, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = c->st[s];
	int rc = JR_OK, step = SQLITE_DONE;

	while (rc == JR_OK && (step = sqlite3_step(st)) == SQLITE_ROW)
		rc = fill(st, arg);
	if (rc == JR_OK && step != SQLITE_DONE)
		rc = jr_errf(eb, JR_EIO, "%s: cannot read the state: %s", what,
			sqlite3_errmsg(c->db));
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc;
}

int jr_centre_fill_u64(sqlite3_stmt *st, void *arg)
{
	*(uint64_t *)arg = (uint64_t)sqlite3_column_int64(st, 0);
	return JR_OK;
}

int jr_centre_fill_none(sqlite3_stmt *st, void *arg)
{
	(void)st;
	(void)arg;
	return JR_OK;
}

void jr_centre_reasons_from(sqlite3_stmt *st, int col, struct jr_verdict *v)
{
	const uint8_t *rs = sqlite3_column_blob(st, col);
	size_t n = (size_t)sqlite3_column_bytes(st, col) / 2, i;

	for (i = 0; rs != NULL && i < n && i < JR_VERDICT_MAX; i++)
		v->reasons[i] = (enum jr_reason)((rs[2 * i] << 8) | rs[2 * i + 1]);
	v->n = rs != NULL ? i : 0;
}

void jr_centre_text_into(sqlite3_stmt *st, int col, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);
	size_t n = t != NULL ? (size_t)sqlite3_column_bytes(st, col) : 0;

	if (n >= cap)
		n = cap - 1;
	if (t != NULL && n > 0)
		memcpy(dst, t, n);
	dst[n] = '\0';
}

void jr_centre_copy_blob(sqlite3_stmt *st, int col, uint8_t *dst, size_t n)
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
	sqlite3_stmt *st = c->st[S_MEMBER_GET];
	int rc;

	memset(k, 0, sizeof *k);
	memcpy(k->id, id, JR_ID_BYTES);
	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->found = sqlite3_column_int(st, 1) == JR_ROLE_KIOSK;
		jr_centre_copy_blob(st, 0, k->sign_pk, JR_SIGN_PK_BYTES);
		k->perms = (uint32_t)sqlite3_column_int64(st, 4);
		k->revoked_from = (uint64_t)sqlite3_column_int64(st, 5);
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return JR_EIO;
	st = c->st[S_KIOSK_GET];
	(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		k->head = (uint64_t)sqlite3_column_int64(st, 0);
		jr_centre_copy_blob(st, 1, k->head_hash, JR_HASH_BYTES);
		k->flagged_from = (uint64_t)sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

int jr_centre_reg_get(struct jr_centre *c, const uint8_t regid[JR_REGID_BYTES],
	struct jr_creg *r, bool *found)
{
	sqlite3_stmt *st = c->st[S_REG_GET];
	int rc;

	memset(r, 0, sizeof *r);
	memcpy(r->regid, regid, JR_REGID_BYTES);
	(void)sqlite3_bind_blob(st, 1, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		r->outcome = (enum jr_centre_outcome)sqlite3_column_int(st, 0);
		jr_centre_copy_blob(st, 2, r->pseudonym, JR_CENTRE_PSEUDONYM_BYTES);
		r->district = (uint64_t)sqlite3_column_int64(st, 3);
		r->held = sqlite3_column_int(st, 4) != 0;
		r->phase = (enum jr_centre_phase)sqlite3_column_int(st, 7);
		r->approvals = (uint32_t)sqlite3_column_int64(st, 8);
		r->viewed = (uint32_t)sqlite3_column_int64(st, 9);
		r->leaf = sqlite3_column_int64(st, 6);
		r->corrected = sqlite3_column_type(st, 11) == SQLITE_BLOB;
		rc = SQLITE_DONE;
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static void be64(uint64_t v, uint8_t out[8])
{
	size_t i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(v >> (56 - 8 * i));
}

void jr_centre_pending_toggle(struct jr_centre *c, const uint8_t id[JR_ID_BYTES],
	uint64_t height, const uint8_t hash[JR_HASH_BYTES])
{
	uint8_t h8[8], d[JR_HASH_BYTES];
	struct jr_part parts[3] = { { id, JR_ID_BYTES }, { h8, 8 }, { hash, JR_HASH_BYTES } };
	size_t i;

	be64(height, h8);
	if (jr_hash_labelled("jaring/centre-pending/v1", parts, 3, d, sizeof d) != JR_OK)
		return; /* a constant, valid label: cannot fail */
	for (i = 0; i < JR_HASH_BYTES; i++)
		c->pending_digest[i] ^= d[i];
}

bool jr_centre_month(uint32_t yyyymm, uint32_t *index)
{
	uint32_t y = yyyymm / 100, m = yyyymm % 100;

	*index = 0;
	if (y < 2000 || y > 9999 || m < 1 || m > 12)
		return false;
	*index = y * 12 + m - 1;
	return true;
}

uint32_t jr_centre_yyyymm(uint32_t index)
{
	return index / 12 * 100 + index % 12 + 1;
}

static int compute_state_hash(struct jr_centre *c)
{
	uint8_t root[JR_TLOG_HASH_BYTES], size8[8], count8[8];
	struct jr_part parts[5] = {
		{ c->policy_hash, JR_HASH_BYTES }, { size8, 8 }, { root, sizeof root },
		{ count8, 8 }, { c->pending_digest, JR_HASH_BYTES } };
	int rc = jr_centre_logbuf_flush(c);

	if (rc == JR_OK)
		rc = jr_tlog_root(&c->lb.store, c->tlog_size, root);
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
	uint8_t ph[JR_HASH_BYTES], genesis[JR_SIGN_PK_BYTES];
	int rc = JR_EIO;

	if (c->reader)
		goto read_meta;
	/* Written only into a new file: a state another process applies to
	 * (a node's, opened by `jaring-node export`) is opened without taking
	 * its write lock, which the node's group commit holds for long. */
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM meta WHERE id = 1", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		(void)sqlite3_finalize(st);
		goto read_meta;
	}
	(void)sqlite3_finalize(st);
	if (sqlite3_prepare_v2(c->db, "INSERT OR IGNORE INTO meta VALUES(1, ?1, 0, 0, 0,"
		" zeroblob(32), ?2, ?2, 0, 0)", -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	(void)sqlite3_bind_blob(st, 1, c->policy_hash, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, c->key_pk[0], JR_SIGN_PK_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_finalize(st);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "centre state %s: %s", path, sqlite3_errmsg(c->db));
read_meta:
	if (sqlite3_prepare_v2(c->db, "SELECT policy_hash, tlog_size, roster_serial,"
		" pending_count, pending_digest, genesis_pk, roster_signer, wage_serial,"
		" dtks_serial FROM meta WHERE id = 1", -1, &st, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	rc = JR_ECORRUPT;
	if (sqlite3_step(st) == SQLITE_ROW) {
		jr_centre_copy_blob(st, 0, ph, sizeof ph);
		c->tlog_size = (uint64_t)sqlite3_column_int64(st, 1);
		c->roster_serial = (uint64_t)sqlite3_column_int64(st, 2);
		c->pending_count = (uint64_t)sqlite3_column_int64(st, 3);
		jr_centre_copy_blob(st, 4, c->pending_digest, JR_HASH_BYTES);
		jr_centre_copy_blob(st, 5, genesis, JR_SIGN_PK_BYTES);
		jr_centre_copy_blob(st, 6, c->roster_signer, JR_SIGN_PK_BYTES);
		c->ref_serial[JR_REFLIST_WAGE_EARNERS] = (uint64_t)sqlite3_column_int64(st, 7);
		c->ref_serial[JR_REFLIST_DTKS] = (uint64_t)sqlite3_column_int64(st, 8);
		rc = JR_OK;
	}
	(void)sqlite3_finalize(st);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "centre state %s: no meta row; the file is damaged,"
			" restore it from another node", path);
	if (c->reader) { /* it reads the state as it is, under any key */
		memcpy(c->policy_hash, ph, sizeof ph);
		return JR_OK;
	}
	if (sodium_memcmp(ph, c->policy_hash, sizeof ph) != 0)
		return jr_errf(eb, JR_EINVAL, "centre state %s was built under another"
			" contract policy; open it with the policy the cluster runs", path);
	if (sodium_memcmp(genesis, c->key_pk[0], sizeof genesis) != 0)
		return jr_errf(eb, JR_EKEY, "centre state %s was begun under another"
			" consortium key; open it with the first consortium key of the cluster"
			" and add the later ones with jr_centre_add_consortium_key", path);
	return JR_OK;
}

/* jr_region_within(inner, outer) in SQL, for S_REG_APPROVE_IF. */
static void sql_region_within(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	sqlite3_result_int(ctx, jr_region_within((uint64_t)sqlite3_value_int64(argv[0]),
		(uint64_t)sqlite3_value_int64(argv[1])));
}

static int prepare_all(struct jr_centre *c, const char *path, struct jr_errbuf *eb)
{
	size_t i;

	if (sqlite3_create_function(c->db, "jr_region_within", 2, SQLITE_UTF8 |
		SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_region_within, NULL,
		NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	for (i = 0; i < S_COUNT; i++)
		if (sqlite3_prepare_v3(c->db, SQL[i], -1, SQLITE_PREPARE_PERSISTENT,
			&c->st[i], NULL) != SQLITE_OK)
			return jr_errf(eb, JR_EIO, "centre state %s: %s%s", path,
				sqlite3_errmsg(c->db), c->reader ? " (is it a node's state.db?)" : "");
	return JR_OK;
}

/* A new state file's page size: 16 KiB pages took bench_centre from 45,500
 * to 53,500 registrations a second (300,000, alternate runs), with fewer b-tree
 * levels to descend per insert and a file 6 % smaller (8 KiB: 51,000;
 * 32 KiB and 64 KiB no better than 16). A file keeps the size it was made
 * with (SQLite sets it only while the file is empty). */
#define STATE_PAGE_SIZE 16384
/* The WAL is checkpointed into the file every 32 MiB, whatever the pages. */
#define STATE_WAL_CHECKPOINT_BYTES (32 * 1024 * 1024)

int jr_centre_int_of(sqlite3 *db, const char *q, int64_t *v)
{
	sqlite3_stmt *st = NULL;
	int rc = JR_EIO;

	if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = JR_OK;
	}
	(void)sqlite3_finalize(st);
	return rc;
}

int64_t jr_centre_pragma_get(sqlite3 *db, const char *name)
{
	int64_t v = 0;
	char q[64];

	(void)snprintf(q, sizeof q, "PRAGMA %s", name);
	return jr_centre_int_of(db, q, &v) == JR_OK ? v : 0;
}

int jr_centre_pragma_set(sqlite3 *db, const char *name, int64_t v)
{
	char q[64];

	(void)snprintf(q, sizeof q, "PRAGMA %s=%lld", name, (long long)v);
	return sqlite3_exec(db, q, NULL, NULL, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
}

static int set_wal_checkpoint(struct jr_centre *c)
{
	int64_t page = jr_centre_pragma_get(c->db, "page_size");

	if (page <= 0)
		return JR_EIO;
	return jr_centre_pragma_set(c->db, "wal_autocheckpoint",
		STATE_WAL_CHECKPOINT_BYTES / page);
}

static int open_db(struct jr_centre *c, const char *path, struct jr_errbuf *eb)
{
	sqlite3_stmt *st = NULL;
	bool wal = false;
	int rc;

	/* A writer's connection is used by one thread only (jaring-node's loop,
	 * jaring-audit's replay; workers open readers of their own), so it
	 * skips SQLite's per-call connection mutex: bench_centre 300k, two
	 * alternated pairs, 60,200 -> 62,300 a second (2026-12-07). */
	if (sqlite3_open_v2(path, &c->db, c->reader ? SQLITE_OPEN_READONLY :
		SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot open: %s", path,
			c->db != NULL ? sqlite3_errmsg(c->db) : "out of memory");
	if (c->reader) {
		/* The node writes meanwhile: wait for its transaction, change
		 * nothing (the schema is the node's). */
		(void)sqlite3_busy_timeout(c->db, 10000);
		rc = jr_centre_worker_carry_over(c, path, eb);
		if (rc == JR_OK)
			rc = jr_centre_recent_carry_over(c, path, eb);
		return rc != JR_OK ? rc : prepare_all(c, path, eb);
	}
	if (jr_centre_pragma_set(c->db, "page_size", STATE_PAGE_SIZE) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot set up: %s", path,
			sqlite3_errmsg(c->db));
	if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) == SQLITE_OK &&
		sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *m = sqlite3_column_text(st, 0);

		wal = m != NULL && strcmp((const char *)m, "wal") == 0;
	}
	(void)sqlite3_finalize(st);
	/* A page cache that holds the hot b-tree pages of a batch (256 MiB):
	 * with SQLite's default 2 MiB, apply spent most of its time copying
	 * pages in and out of the kernel. It changes no result. */
	if (!wal || exec(c, "PRAGMA synchronous=FULL") != JR_OK ||
		exec(c, "PRAGMA cache_size=-262144") != JR_OK ||
		set_wal_checkpoint(c) != JR_OK || exec(c, SCHEMA_CHAIN) != JR_OK ||
		exec(c, SCHEMA_ACTS) != JR_OK ||
		exec(c, "CREATE TEMP TABLE IF NOT EXISTS rejudge(regid BLOB PRIMARY KEY)"
			" WITHOUT ROWID") != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot set up: %s", path,
			sqlite3_errmsg(c->db));
	/* the claims first: they join the registrations by the old index */
	rc = jr_centre_worker_carry_over(c, path, eb);
	if (rc == JR_OK)
		rc = jr_centre_recent_carry_over(c, path, eb);
	return rc != JR_OK ? rc : prepare_all(c, path, eb);
}

static int add_key(struct jr_centre *c, const struct jr_key *k)
{
	struct jr_pubkey pub;
	int rc;

	jr_key_public(k, &pub);
	rc = jr_seal_opener_new(k, &c->openers[c->n_keys]);
	if (rc != JR_OK)
		return rc;
	c->keys[c->n_keys] = k;
	memcpy(c->key_pk[c->n_keys], pub.sign_pk, JR_SIGN_PK_BYTES);
	c->n_keys++;
	return JR_OK;
}

static struct jr_centre *handle_new(const struct jr_policy *policy, bool reader)
{
	struct jr_centre *c = calloc(1, sizeof *c);

	if (c == NULL)
		return NULL;
	c->reader = reader;
	c->claim_tag = JR_CENTRE_CLAIM_TAG_BYTES;
	c->recent_max = JR_CENTRE_RECENT_MAX;
	c->filter_min_bits = JR_CENTRE_FILTER_MIN_BITS;
	if (policy != NULL)
		c->policies[0].rules = *policy;
	else
		jr_policy_default(&c->policies[0].rules);
	c->policies[0].required = (1u << JR_AGENCY_DISNAKER) | (1u << JR_AGENCY_DPMD) |
		(1u << JR_AGENCY_DUKCAPIL) | (1u << JR_AGENCY_BPJSTK);
	c->n_policies = 1;
	c->pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES);
	if (c->pkey == NULL) {
		free(c);
		return NULL;
	}
	sodium_memzero(c->pkey, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	return c;
}

/* The rest of an open: the consortium key (NULL for a reader, and for a
 * replay from public data, which holds only the genesis key's public half,
 * genesis_pk), the database, the log, the meta row, the policies, the state
 * hash. Closes c on failure. */
static int open_finish(struct jr_centre *c, const struct jr_key *consortium,
	const uint8_t *genesis_pk, const char *path, struct jr_centre **out,
	struct jr_errbuf *eb)
{
	int rc = consortium != NULL ? add_key(c, consortium) : JR_OK;

	if (consortium == NULL && genesis_pk != NULL)
		memcpy(c->key_pk[0], genesis_pk, JR_SIGN_PK_BYTES);
	if (rc == JR_OK)
		rc = open_db(c, path, eb);
	if (rc == JR_OK)
		rc = jr_tlog_sqlstore_open(c->db, &c->ss, eb);
	if (rc != JR_OK)
		goto err_after_alloc;
	c->store = jr_tlog_sqlstore_get(c->ss);
	jr_centre_logbuf_init(c);
	if (jr_centre_logbuf_prepare(c) != JR_OK) {
		rc = jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
		goto err_after_alloc;
	}
	rc = load_meta(c, eb, path);
	if (rc == JR_OK && (rc = jr_centre_policies_load(c)) != JR_OK)
		(void)jr_errf(eb, rc, "centre state %s: its policies do not load; the file is"
			" damaged, restore it from another node", path);
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

/* What jr_centre_open and jr_centre_open_replay share: a state that
 * applies, under a policy and a pseudonym key. */
static int open_state(const char *path, const struct jr_key *consortium,
	const uint8_t genesis_pk[JR_SIGN_PK_BYTES],
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const struct jr_policy *policy, struct jr_centre **out, struct jr_errbuf *eb)
{
	struct jr_centre *c;
	struct jr_buf pol = { 0 };
	int rc;

	if ((c = handle_new(policy, false)) == NULL)
		return JR_ENOMEM;
	rc = jr_policy_encode(policy, &pol);
	if (rc != JR_OK) {
		if (rc == JR_EINVAL)
			(void)jr_errf(eb, rc, "centre state %s: the policy given is not valid", path);
		jr_centre_close(c);
		return rc;
	}
	memcpy(c->pkey, pseudonym_key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	jr_hash(pol.base, pol.len, c->policy_hash);
	jr_buf_free(&pol);
	return open_finish(c, consortium, genesis_pk, path, out, eb);
}

int jr_centre_open_reader(const char *path, const struct jr_key *consortium,
	struct jr_centre **out, struct jr_errbuf *eb)
{
	struct jr_centre *c;

	*out = NULL;
	if (path == NULL)
		return jr_errf(eb, JR_EINVAL, "centre state: missing argument");
	if (consortium != NULL && jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "centre state %s: the key given is not the"
			" consortium key", path);
	if ((c = handle_new(NULL, true)) == NULL)
		return JR_ENOMEM;
	return open_finish(c, consortium, NULL, path, out, eb);
}

int jr_centre_open(const char *path, const struct jr_key *consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	const struct jr_policy *policy, struct jr_centre **out, struct jr_errbuf *eb)
{
	*out = NULL;
	if (path == NULL || consortium == NULL || pseudonym_key == NULL || policy == NULL)
		return jr_errf(eb, JR_EINVAL, "centre state: missing argument");
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "centre state %s: the key given is not the"
			" consortium key", path);
	return open_state(path, consortium, NULL, pseudonym_key, policy, out, eb);
}

int jr_centre_open_replay(const char *path, const uint8_t genesis_pk[JR_SIGN_PK_BYTES],
	const struct jr_key *consortium,
	const uint8_t *pseudonym_key,
	const struct jr_policy *policy, struct jr_centre **out, struct jr_errbuf *eb)
{
	static const uint8_t no_key[JR_CENTRE_PSEUDONYM_KEY_BYTES];
	struct jr_pubkey pub;
	struct stat sb;
	int rc;

	*out = NULL;
	if (path == NULL || genesis_pk == NULL || policy == NULL ||
		(consortium != NULL && pseudonym_key == NULL))
		return jr_errf(eb, JR_EINVAL, "replay state: missing argument");
	if (stat(path, &sb) == 0)
		return jr_errf(eb, JR_EEXIST, "replay state %s exists already: a replay"
			" begins from nothing; remove it or give another path", path);
	if (consortium != NULL) {
		jr_key_public(consortium, &pub);
		if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM ||
			sodium_memcmp(pub.sign_pk, genesis_pk, JR_SIGN_PK_BYTES) != 0)
			return jr_errf(eb, JR_EKEY, "replay state: the key given is not the"
				" genesis consortium key");
	}
	rc = open_state(path, consortium, genesis_pk,
		consortium != NULL ? pseudonym_key : no_key, policy, out, eb);
	if (rc == JR_OK) {
		(*out)->replay = true;
		/* thrown away, and nobody else opens it: no fsync, no file locks,
		 * and no journal (a replay stops at its first error, so nothing
		 * is ever rolled back that is used after) */
		if (exec(*out, "PRAGMA journal_mode=OFF") != JR_OK ||
			exec(*out, "PRAGMA synchronous=OFF") != JR_OK ||
			exec(*out, "PRAGMA locking_mode=EXCLUSIVE") != JR_OK) {
			jr_centre_close(*out);
			*out = NULL;
			return jr_errf(eb, JR_EIO, "replay state %s: cannot set it up", path);
		}
		/* its tree in scratch files, its leaves only in memory until
		 * compared (the log's own are the export's) */
		rc = jr_tlog_filestore_open(&(*out)->fs, eb);
		if (rc != JR_OK) {
			jr_centre_close(*out);
			*out = NULL;
			return rc;
		}
		(*out)->store = jr_tlog_filestore_get((*out)->fs);
	}
	return rc;
}

void jr_centre_genesis(const struct jr_centre *c, uint8_t pk[JR_SIGN_PK_BYTES],
	struct jr_policy *policy)
{
	memcpy(pk, c->key_pk[0], JR_SIGN_PK_BYTES);
	*policy = c->policies[0].rules;
}

int jr_centre_read_begin(struct jr_centre *c, struct jr_errbuf *eb)
{
	const char *path;
	int rc;

	if (c == NULL || !c->reader)
		return jr_errf(eb, JR_EINVAL, "centre state: a read transaction is for a"
			" reader (jr_centre_open_reader)");
	path = sqlite3_db_filename(c->db, "main");
	if (exec(c, "BEGIN") != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: cannot begin a read: %s", path,
			sqlite3_errmsg(c->db));
	/* its first read starts the transaction: the figures are that state's */
	rc = load_meta(c, eb, path);
	if (rc == JR_OK && (rc = jr_centre_policies_load(c)) != JR_OK)
		(void)jr_errf(eb, rc, "centre state %s: its policies do not load", path);
	if (rc != JR_OK)
		(void)exec(c, "ROLLBACK");
	return rc;
}

void jr_centre_read_end(struct jr_centre *c)
{
	if (c != NULL && c->reader && !sqlite3_get_autocommit(c->db))
		(void)exec(c, "COMMIT");
}

int jr_centre_add_consortium_key(struct jr_centre *c, const struct jr_key *k,
	struct jr_errbuf *eb)
{
	struct jr_pubkey pub;
	size_t i;

	if (c == NULL || k == NULL)
		return jr_errf(eb, JR_EINVAL, "consortium key: missing argument");
	if (jr_key_role(k) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "consortium key: the key given has another role;"
			" give the consortium key file of the ceremony");
	jr_key_public(k, &pub);
	for (i = 0; i < c->n_keys; i++)
		if (memcmp(c->key_pk[i], pub.sign_pk, JR_SIGN_PK_BYTES) == 0)
			return jr_errf(eb, JR_EEXIST, "consortium key: this node holds it already");
	if (c->n_keys == JR_CENTRE_MAX_KEYS)
		return jr_errf(eb, JR_ETOOBIG, "consortium key: this node holds %d already,"
			" the most it can", JR_CENTRE_MAX_KEYS);
	return add_key(c, k) == JR_OK ? JR_OK
		: jr_errf(eb, JR_ENOMEM, "consortium key: out of memory");
}

void jr_centre_close(struct jr_centre *c)
{
	size_t i;

	if (c == NULL)
		return;
	if (c->in_batch && c->replay) {
		int rc = jr_centre_replay_flush(c, NULL); /* a replay is thrown away */

		(void)rc;
	} else if (c->in_batch) {
		int rc = jr_centre_commit(c, NULL);

		(void)rc;
	}
	for (i = 0; i < S_COUNT; i++)
		(void)sqlite3_finalize(c->st[i]);
	jr_centre_logbuf_free(c);
	jr_tlog_sqlstore_close(c->ss);
	jr_tlog_filestore_close(c->fs);
	(void)sqlite3_close(c->db);
	for (i = 0; i < c->n_keys; i++)
		jr_seal_opener_free(c->openers[i]);
	jr_centre_filters_free(c);
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
	(void)sqlite3_bind_blob(st, 5, c->roster_signer, JR_SIGN_PK_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 6, (sqlite3_int64)c->ref_serial[JR_REFLIST_WAGE_EARNERS]);
	(void)sqlite3_bind_int64(st, 7, (sqlite3_int64)c->ref_serial[JR_REFLIST_DTKS]);
	return jr_centre_step_done(c, S_META_PUT);
}

/* What a rolled-back entry must restore in memory. */
struct meta_snap {
	uint64_t tlog_size, roster_serial, pending_count, ref_serial[3], recent[JR_RECENT_MAPS];
	uint8_t pending_digest[JR_HASH_BYTES], state_hash[JR_HASH_BYTES];
	uint8_t roster_signer[JR_SIGN_PK_BYTES];
};

static void snap_take(const struct jr_centre *c, struct meta_snap *m)
{
	m->tlog_size = c->tlog_size;
	m->roster_serial = c->roster_serial;
	m->pending_count = c->pending_count;
	memcpy(m->recent, c->recent, sizeof m->recent);
	memcpy(m->ref_serial, c->ref_serial, sizeof m->ref_serial);
	memcpy(m->pending_digest, c->pending_digest, JR_HASH_BYTES);
	memcpy(m->state_hash, c->state_hash, JR_HASH_BYTES);
	memcpy(m->roster_signer, c->roster_signer, JR_SIGN_PK_BYTES);
}

static void snap_restore(struct jr_centre *c, const struct meta_snap *m)
{
	c->tlog_size = m->tlog_size;
	c->roster_serial = m->roster_serial;
	c->pending_count = m->pending_count;
	memcpy(c->recent, m->recent, sizeof c->recent);
	memcpy(c->ref_serial, m->ref_serial, sizeof m->ref_serial);
	memcpy(c->pending_digest, m->pending_digest, JR_HASH_BYTES);
	memcpy(c->state_hash, m->state_hash, JR_HASH_BYTES);
	memcpy(c->roster_signer, m->roster_signer, JR_SIGN_PK_BYTES);
	(void)jr_centre_policies_load(c); /* the table is rolled back too */
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
	(void)jr_cbr_key_uint(&r, 1, JR_CENTRE_KIND_MAX, kind);
	if (jr_cbr_key(&r, 2) != JR_OK)
		return false;
	*payload = p + r.off;
	*plen = len - r.off;
	return jr_cbr_skip(&r) == JR_OK && jr_cbr_end(&r) == JR_OK && *kind >= 1;
}

int jr_centre_act_id(const uint8_t *entry, size_t len, uint8_t act_id[JR_HASH_BYTES])
{
	const uint8_t *payload = NULL, *body = NULL;
	size_t plen = 0, blen = 0, n = 0;
	uint64_t kind = 0;
	struct jr_cbr r;

	memset(act_id, 0, JR_HASH_BYTES);
	if (entry == NULL || !entry_split(entry, len, &kind, &payload, &plen) ||
		kind < JR_CENTRE_POLICY)
		return JR_EFORMAT;
	jr_cbr_init(&r, payload, plen);
	if (jr_cbr_array(&r, &n) != JR_OK || n < 2 || n > 3 ||
		jr_cbr_bytes(&r, &body, &blen) != JR_OK)
		return JR_EFORMAT;
	jr_hash(body, blen, act_id);
	return JR_OK;
}

static int dispatch(struct jr_centre *c, uint64_t kind, const uint8_t *p, size_t len,
	struct jr_centre_result *res)
{
	switch (kind) {
	case JR_CENTRE_ROSTER:
		return jr_centre_apply_roster(c, p, len, res);
	case JR_CENTRE_UPSTREAM:
		return jr_centre_apply_upstream(c, p, len, res);
	default:
		return jr_centre_apply_act(c, (enum jr_centre_kind)kind, p, len, res);
	}
}

/* A replay runs in one transaction, from its first leaf to
 * jr_centre_replay_flush (or jr_centre_close): it is thrown away on any
 * error, so no entry needs a commit of its own, and committing every entry
 * wrote out every page it touched each time (an act of 4,096 approvals
 * touches thousands of index pages); SQLite now writes a page when its cache
 * needs the room. The leaves carried over are forgotten every REPLAY_BATCH,
 * so the leaf buffer stays bounded. */
#define REPLAY_BATCH 8192

static int replay_begin(struct jr_centre *c, struct jr_errbuf *eb)
{
	if (c->in_batch)
		return JR_OK;
	if (exec(c, "BEGIN IMMEDIATE") != JR_OK)
		return jr_errf(eb, JR_EIO, "replay state: cannot begin: %s", sqlite3_errmsg(c->db));
	c->in_batch = true;
	return JR_OK;
}

int jr_centre_replay_flush(struct jr_centre *c, struct jr_errbuf *eb)
{
	int rc = JR_OK;

	if (c == NULL || !c->in_batch)
		return JR_OK;
	c->in_batch = false;
	c->batch_leaves = 0;
	rc = write_meta(c);
	if (rc == JR_OK)
		rc = compute_state_hash(c);
	if (rc == JR_OK)
		rc = exec(c, "COMMIT");
	if (rc != JR_OK) {
		(void)jr_errf(eb, rc, "replay state: cannot commit: %s", sqlite3_errmsg(c->db));
		(void)exec(c, "ROLLBACK");
		jr_centre_logbuf_discard(c);
	}
	return rc;
}

int jr_centre_replay_leaf(struct jr_centre *c, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	int rc;

	if (c == NULL || leaf == NULL || !c->replay)
		return jr_errf(eb, JR_EINVAL, "replay: a leaf is carried over only into a"
			" replay state (jr_centre_open_replay)");
	if ((rc = replay_begin(c, eb)) != JR_OK)
		return rc;
	if (c->batch_leaves == 0)
		jr_centre_logbuf_forget(c);
	rc = jr_centre_replay_one(c, leaf, len, eb);
	if (rc == JR_OK && ++c->batch_leaves >= REPLAY_BATCH)
		c->batch_leaves = 0;
	return rc;
}

/* Group commit: the transaction the entries since the last commit share. */
static int group_begin(struct jr_centre *c)
{
	if (c->in_batch)
		return JR_OK;
	if (exec(c, "BEGIN IMMEDIATE") != JR_OK)
		return JR_EIO;
	c->in_batch = true;
	c->group_entries = 0;
	return JR_OK;
}

/* A failed entry takes the whole open transaction back with it: a
 * savepoint per entry would let it go alone, but costs a copy of every page
 * the entry is first to touch (measured: 19 % slower), and the caller stops
 * after any apply error anyway. If entries before it were in the
 * transaction, this handle's memory still counts them, so it applies
 * nothing more. */
static void group_undo(struct jr_centre *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)exec(c, "ROLLBACK");
	c->broken = c->in_batch && c->group_entries > 0;
	c->in_batch = false;
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
	if (c->reader)
		return jr_errf(eb, JR_EINVAL, "centre apply: this handle only reads"
			" (jr_centre_open_reader)");
	if (c->broken)
		return jr_errf(eb, JR_EIO, "centre apply: an error rolled back the entries"
			" applied since the last commit; this node cannot continue: stop it and"
			" check its disk");
	if (!entry_split(entry, len, &kind, &payload, &plen)) {
		/* Raft committed it, so every node sees the same bytes and
		 * refuses them the same way: a recorded no-op, not a stop. */
		res->refused = true;
		res->act_status = JR_CS_MALFORMED;
		return JR_OK;
	}
	if (c->replay) { /* its one transaction; carried leaves start a batch after */
		if ((rc = replay_begin(c, eb)) != JR_OK)
			return rc;
		c->batch_leaves = 0;
	}
	jr_centre_logbuf_forget(c);
	snap_take(c, &snap);
	if (c->group && (rc = group_begin(c)) != JR_OK)
		return jr_errf(eb, rc, "centre apply: cannot begin: %s", sqlite3_errmsg(c->db));
	if (!c->replay && !c->group && exec(c, "BEGIN IMMEDIATE") != JR_OK)
		return jr_errf(eb, JR_EIO, "centre apply: cannot begin: %s",
			sqlite3_errmsg(c->db));
	rc = dispatch(c, kind, payload, plen, res);
	if (c->tlog_size != snap.tlog_size)
		res->changed = true; /* a leaf is a change, whatever a rule reported */
	if (rc == JR_OK && res->changed)
		rc = write_meta(c);
	if (rc == JR_OK && res->changed)
		rc = compute_state_hash(c);
	if (rc == JR_OK && !c->replay && !c->group)
		rc = exec(c, "COMMIT");
	if (rc == JR_OK && c->group)
		c->group_entries++;
	if (rc != JR_OK) {
		const char *why = sqlite3_errmsg(c->db);

		(void)jr_errf(eb, rc, "centre apply: %s (%s); this node cannot continue:"
			" stop it and check its disk", jr_strerror(rc), why);
		if (c->group)
			group_undo(c);
		else {
			(void)exec(c, "ROLLBACK");
			c->in_batch = false;
		}
		jr_centre_logbuf_discard(c);
		snap_restore(c, &snap);
		memset(res, 0, sizeof *res);
	}
	return rc;
}

int jr_centre_commit(struct jr_centre *c, struct jr_errbuf *eb)
{
	if (c == NULL || c->replay || !c->in_batch)
		return JR_OK;
	if (exec(c, "COMMIT") == JR_OK) {
		c->in_batch = false;
		return JR_OK;
	}
	(void)jr_errf(eb, JR_EIO, "centre state %s: cannot commit: %s; this node cannot"
		" continue: stop it and check its disk", sqlite3_db_filename(c->db, "main"),
		sqlite3_errmsg(c->db));
	if (!sqlite3_get_autocommit(c->db))
		(void)exec(c, "ROLLBACK");
	c->in_batch = false;
	c->broken = true;
	return JR_EIO;
}

int jr_centre_set_group_commit(struct jr_centre *c, bool on, struct jr_errbuf *eb)
{
	int rc;

	if (c == NULL || c->reader || c->replay)
		return jr_errf(eb, JR_EINVAL, "group commit: for a state that applies"
			" (jr_centre_open)");
	rc = on ? JR_OK : jr_centre_commit(c, eb);
	if (rc == JR_OK)
		c->group = on;
	return rc;
}

bool jr_centre_uncommitted(const struct jr_centre *c)
{
	return c != NULL && !c->replay && c->in_batch;
}

sqlite3 *jr_centre_db(struct jr_centre *c)
{
	return c != NULL ? c->db : NULL;
}

int jr_centre_set_durable(struct jr_centre *c, bool durable)
{
	if (c == NULL || c->reader)
		return JR_EINVAL;
	return exec(c, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF");
}

void jr_centre_state_hash(const struct jr_centre *c, uint8_t out[JR_HASH_BYTES])
{
	memcpy(out, c->state_hash, JR_HASH_BYTES);
}

uint64_t jr_centre_tlog_size(const struct jr_centre *c)
{
	return c->tlog_size;
}

void jr_centre_roster_signer(const struct jr_centre *c, uint8_t out[JR_SIGN_PK_BYTES])
{
	memcpy(out, c->roster_signer, JR_SIGN_PK_BYTES);
}

int jr_centre_tlog_root(struct jr_centre *c, uint8_t root[JR_TLOG_HASH_BYTES])
{
	int rc = jr_centre_logbuf_flush(c);

	return rc == JR_OK ? jr_tlog_root(&c->lb.store, c->tlog_size, root) : rc;
}

static int read_only_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)hash;
	return JR_EINVAL;
}

const struct jr_tlog_store *jr_centre_tlog_store(struct jr_centre *c)
{
	if (c == NULL)
		return NULL;
	c->lb_view.ctx = c->lb.store.ctx;
	c->lb_view.read = c->lb.store.read;
	c->lb_view.write = read_only_write;
	return &c->lb_view;
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
