/*
 * Who holds each worker (docs/centre.md "Worker claims"): de-duplication
 * by pseudonym, in rows small enough that the commit of a busy node does
 * not grow with the ledger.
 *
 * A pseudonym is a random key, so every new worker lands on a page of its
 * own in whatever table finds it, and a commit writes each such page whole.
 * claim(tag, leaf) keeps only the pseudonym's first claim_tag bytes and the
 * intake leaf of the registration that holds it (about 18 bytes a row; the
 * worker(pseudonym, regid) table before was 54, and a commit of 5,000
 * registrations at 300,000 wrote 0.3 pages a registration). The pseudonym
 * itself is that registration's row. A worker whose tag another worker holds
 * already (at a million workers and 8-byte tags, a chance of about 1 in 40
 * million that any two share one) is held in claim_more(pseudonym, leaf).
 *
 * New claims go into claim_recent, whose rows move into claim when it is
 * full (recent.c, "Recent and main tables"): a tag is in one of the two at
 * most, and "the tag's row" below is its row in either.
 *
 * The one rule that keeps it exact: claim_more holds a pseudonym only while
 * the tag's row holds its tag for another. So an insert into claim_recent
 * that takes a free tag (claim not holding it, which the filter of claim's
 * tags nearly always says without a read) is the whole look-up for a new
 * worker; only a held tag costs a read. Which of two workers sharing a tag
 * holds the tag's row changes no result: every look-up compares the whole
 * pseudonym.
 */
#include <string.h>

#include "centre_int.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define TAG_OF(col) "substr(" col ", 1, " XSTR(JR_CENTRE_CLAIM_TAG_BYTES) ")"

static void bind_tag(const struct jr_centre *c, sqlite3_stmt *st, int i,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES])
{
	(void)sqlite3_bind_blob(st, i, ps, (int)c->claim_tag, SQLITE_STATIC);
}

int jr_centre_worker_of(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint8_t regid[JR_REGID_BYTES], bool *held)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_WORKER_GET);
	int rc;

	bind_tag(c, st, 1, ps);
	(void)sqlite3_bind_blob(st, 2, ps, JR_CENTRE_PSEUDONYM_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*held = rc == SQLITE_ROW;
	if (*held) {
		const void *p = sqlite3_column_blob(st, 0);

		if (p == NULL || sqlite3_column_bytes(st, 0) != JR_REGID_BYTES)
			rc = SQLITE_CORRUPT;
		else
			memcpy(regid, p, JR_REGID_BYTES);
	}
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc == SQLITE_CORRUPT ? JR_ECORRUPT : JR_EIO;
	return JR_OK;
}

int jr_centre_worker_claim(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint64_t leaf, bool *claimed, uint8_t holder[JR_REGID_BYTES])
{
	sqlite3_stmt *st;
	bool held = false;
	int rc;

	*claimed = false;
	rc = jr_centre_main_holds(c, JR_RECENT_CLAIM, ps, c->claim_tag, &held);
	if (rc != JR_OK)
		return rc;
	if (!held) { /* the tag is not held in claim */
		st = jr_centre_stmt(c, S_WORKER_PUT);
		bind_tag(c, st, 1, ps);
		(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)leaf);
		rc = jr_centre_step_done(c, S_WORKER_PUT);
		*claimed = rc == JR_OK && sqlite3_changes(c->db) == 1;
		if (rc == JR_OK && *claimed)
			rc = jr_centre_recent_added(c, JR_RECENT_CLAIM);
		if (rc != JR_OK || *claimed)
			return rc; /* a free tag: by the rule, nobody holds the worker */
	}
	rc = jr_centre_worker_of(c, ps, holder, &held);
	if (rc != JR_OK || held)
		return rc;
	/* the tag is another worker's */
	st = jr_centre_stmt(c, S_WORKER_PUT_MORE);
	(void)sqlite3_bind_blob(st, 1, ps, JR_CENTRE_PSEUDONYM_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)leaf);
	rc = jr_centre_step_done(c, S_WORKER_PUT_MORE);
	*claimed = rc == JR_OK;
	return rc;
}

/* Runs one of the release statements on (pseudonym or tag, regid); *gone
 * if it deleted a row. */
static int release_step(struct jr_centre *c, enum jr_centre_stmt s,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], const uint8_t regid[JR_REGID_BYTES],
	bool *gone)
{
	sqlite3_stmt *st = jr_centre_stmt(c, s);
	int rc;

	if (s != S_WORKER_DEL_MORE)
		bind_tag(c, st, 1, ps);
	else
		(void)sqlite3_bind_blob(st, 1, ps, JR_CENTRE_PSEUDONYM_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 2, regid, JR_REGID_BYTES, SQLITE_STATIC);
	rc = jr_centre_step_done(c, s);
	*gone = rc == JR_OK && sqlite3_changes(c->db) == 1;
	return rc;
}

int jr_centre_worker_release(struct jr_centre *c,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], const uint8_t regid[JR_REGID_BYTES])
{
	sqlite3_stmt *st;
	bool gone = false;
	int rc = release_step(c, S_WORKER_DEL_MORE, ps, regid, &gone);

	if (rc != JR_OK || gone)
		return rc; /* it held one in claim_more: its tag stays another's */
	rc = release_step(c, S_WORKER_DEL_RECENT, ps, regid, &gone);
	if (rc == JR_OK && gone)
		jr_centre_recent_removed(c, JR_RECENT_CLAIM);
	else if (rc == JR_OK)
		rc = release_step(c, S_WORKER_DEL, ps, regid, &gone);
	if (rc != JR_OK || !gone)
		return rc; /* it held no claim */
	/* The tag is free: a worker of claim_more that shares it moves up (the
	 * first by pseudonym), or the rule would break. */
	st = jr_centre_stmt(c, S_WORKER_PROMOTE);
	bind_tag(c, st, 1, ps);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)c->claim_tag);
	rc = jr_centre_step_done(c, S_WORKER_PROMOTE);
	if (rc != JR_OK || sqlite3_changes(c->db) == 0)
		return rc;
	st = jr_centre_stmt(c, S_WORKER_PROMOTED);
	bind_tag(c, st, 1, ps);
	rc = jr_centre_step_done(c, S_WORKER_PROMOTED);
	if (rc == JR_OK && sqlite3_changes(c->db) != 1)
		return JR_ECORRUPT;
	/* last: moving the rows now would leave PROMOTED nothing to find */
	return rc == JR_OK ? jr_centre_recent_added(c, JR_RECENT_CLAIM) : rc;
}

void jr_centre_set_claim_tag(struct jr_centre *c, size_t bytes)
{
	if (bytes >= 1 && bytes <= JR_CENTRE_CLAIM_TAG_BYTES)
		c->claim_tag = bytes;
}

int jr_centre_worker_carry_over(struct jr_centre *c, const char *path,
	struct jr_errbuf *eb)
{
	/* Every old row joins its registration: a holder is always a row. */
	static const char carry[] =
		"INSERT OR IGNORE INTO claim SELECT " TAG_OF("w.pseudonym") ", r.leaf"
		" FROM worker w JOIN registration r ON r.regid = w.regid ORDER BY w.pseudonym;"
		"INSERT INTO claim_more SELECT w.pseudonym, r.leaf FROM worker w"
		" JOIN registration r ON r.regid = w.regid WHERE NOT EXISTS (SELECT 1"
		" FROM claim t WHERE t.tag = " TAG_OF("w.pseudonym") " AND t.leaf = r.leaf);";
	int64_t old = 0, in = 0, more = 0, was = 0;
	int rc;

	if (jr_centre_int_of(c->db, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		" AND name = 'worker'", &old) != JR_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	if (old == 0)
		return JR_OK;
	if (c->reader)
		return jr_errf(eb, JR_EFORMAT, "centre state %s: made before the worker claims"
			" (table worker); open it once for writing (jaring-node start) to carry"
			" it over", path);
	if (sqlite3_exec(c->db, "SAVEPOINT claim_carry", NULL, NULL, NULL) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "centre state %s: %s", path, sqlite3_errmsg(c->db));
	rc = sqlite3_exec(c->db, carry, NULL, NULL, NULL) == SQLITE_OK ? JR_OK : JR_EIO;
	if (rc == JR_OK)
		rc = jr_centre_int_of(c->db, "SELECT count(*) FROM worker", &was);
	if (rc == JR_OK)
		rc = jr_centre_int_of(c->db, "SELECT count(*) FROM claim", &in);
	if (rc == JR_OK)
		rc = jr_centre_int_of(c->db, "SELECT count(*) FROM claim_more", &more);
	if (rc == JR_OK && in + more != was)
		rc = JR_ECORRUPT;
	if (rc == JR_OK && sqlite3_exec(c->db, "DROP TABLE worker; RELEASE claim_carry",
		NULL, NULL, NULL) == SQLITE_OK)
		return JR_OK;
	if (rc == JR_OK)
		rc = JR_EIO;
	(void)jr_errf(eb, rc, "centre state %s: its worker table does not carry over into"
		" the claims (%s); restore the state from another node",
		path, rc == JR_ECORRUPT ? "a worker is held by no registration" :
		sqlite3_errmsg(c->db));
	(void)sqlite3_exec(c->db, "ROLLBACK TO claim_carry; RELEASE claim_carry", NULL, NULL,
		NULL);
	return rc;
}
