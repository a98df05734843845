/*
 * Entries: the envelope, building roster and upstream entries, and applying
 * a roster (docs/centre.md "Entries", "Roster").
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"

/* The entry map up to its payload: A3 00 01 01 <kind> 02. */
static void entry_head(struct jr_cbw *w, enum jr_centre_kind kind)
{
	jr_cbw_map(w, 3);
	jr_cbw_uint(w, 0);
	jr_cbw_uint(w, JR_CENTRE_ENTRY_VERSION);
	jr_cbw_uint(w, 1);
	jr_cbw_uint(w, (uint64_t)kind);
	jr_cbw_uint(w, 2);
}

/* An entry of `kind` around a payload that is one canonical item. Shared
 * with the act builders (actbuild.c). */
int jr_centre_wrap_entry(enum jr_centre_kind kind, const struct jr_buf *payload,
	struct jr_buf *out);
int jr_centre_wrap_entry(enum jr_centre_kind kind, const struct jr_buf *payload,
	struct jr_buf *out)
{
	struct jr_cbw w;

	jr_cbw_init(&w, JR_CENTRE_ENTRY_MAX_BYTES);
	entry_head(&w, kind);
	jr_cbw_raw(&w, payload->base, payload->len);
	return jr_cbw_finish(&w, out);
}

int jr_centre_roster_entry_signed(const uint8_t *roster, size_t len, struct jr_buf *out)
{
	struct jr_buf payload;

	out->base = NULL;
	out->len = 0;
	if (roster == NULL || len == 0 || len > JR_ROSTER_MAX_BYTES + 96)
		return JR_EINVAL;
	payload.base = (uint8_t *)(uintptr_t)roster;
	payload.len = len;
	return jr_centre_wrap_entry(JR_CENTRE_ROSTER, &payload, out);
}

int jr_centre_act_entry_signed(enum jr_centre_kind kind, const uint8_t *act,
	size_t len, struct jr_buf *out)
{
	struct jr_buf payload;

	out->base = NULL;
	out->len = 0;
	if (act == NULL || len == 0 || len > JR_CENTRE_ENTRY_MAX_BYTES - 16 ||
		kind < JR_CENTRE_POLICY || kind > JR_CENTRE_KIND_MAX)
		return JR_EINVAL;
	payload.base = (uint8_t *)(uintptr_t)act;
	payload.len = len;
	return jr_centre_wrap_entry(kind, &payload, out);
}

int jr_centre_roster_entry_members(const struct jr_key *signer, uint64_t serial,
	const uint8_t next_consortium_pk[JR_SIGN_PK_BYTES],
	const struct jr_roster_member *m, size_t n, struct jr_buf *out)
{
	struct jr_roster_member *copy;
	struct jr_buf signed_roster = { 0 };
	size_t i;
	int rc;

	out->base = NULL;
	out->len = 0;
	if (signer == NULL || (m == NULL && n > 0) || n > JR_ROSTER_MAX_MEMBERS)
		return JR_EINVAL;
	copy = malloc(n * sizeof *copy + 1);
	if (copy == NULL)
		return JR_ENOMEM;
	for (i = 0; i < n; i++) {
		copy[i] = m[i];
		jr_keyid_from_pk(copy[i].sign_pk, copy[i].id);
	}
	rc = jr_roster_sign(signer, serial, next_consortium_pk, copy, n, &signed_roster, NULL);
	free(copy);
	if (rc == JR_OK)
		rc = jr_centre_wrap_entry(JR_CENTRE_ROSTER, &signed_roster, out);
	jr_buf_free(&signed_roster);
	return rc;
}

int jr_centre_roster_entry(const struct jr_key *consortium, uint64_t serial,
	const struct jr_centre_kiosk *kiosks, size_t n, struct jr_buf *out)
{
	struct jr_roster_member *m;
	size_t i;
	int rc;

	out->base = NULL;
	out->len = 0;
	if (consortium == NULL || (kiosks == NULL && n > 0) || n > JR_ROSTER_MAX_MEMBERS)
		return JR_EINVAL;
	m = calloc(n + 1, sizeof *m);
	if (m == NULL)
		return JR_ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(m[i].sign_pk, kiosks[i].sign_pk, JR_SIGN_PK_BYTES);
		m[i].role = JR_ROLE_KIOSK;
		m[i].agency = JR_AGENCY_DISKOMINFO;
		m[i].region = kiosks[i].village;
		m[i].perms = JR_PERM_UPLOAD;
		m[i].revoked_from = kiosks[i].revoked_from;
	}
	rc = jr_centre_roster_entry_members(consortium, serial, NULL, m, n, out);
	free(m);
	return rc;
}

int jr_centre_upstream_entry(const struct jr_buf *blocks, size_t n, struct jr_buf *out)
{
	struct jr_cbw w;
	size_t i;

	out->base = NULL;
	out->len = 0;
	if ((blocks == NULL && n > 0) || n > JR_CENTRE_MAX_BLOCKS)
		return JR_EINVAL;
	jr_cbw_init(&w, JR_CENTRE_ENTRY_MAX_BYTES);
	entry_head(&w, JR_CENTRE_UPSTREAM);
	jr_cbw_array(&w, n);
	for (i = 0; i < n; i++)
		jr_cbw_bytes(&w, blocks[i].base, blocks[i].len);
	return jr_cbw_finish(&w, out);
}

/* ---- applying a roster ---- */

static int roster_refuse(struct jr_centre *c, const uint8_t hash[JR_HASH_BYTES],
	uint64_t serial, enum jr_centre_status st, struct jr_centre_result *res)
{
	struct jr_buf leaf = { 0 };
	bool is_new = false;
	int rc = jr_centre_refusal_put(c, NULL, serial, hash, st, &is_new);

	res->refused = true;
	res->act_status = st;
	if (rc != JR_OK || !is_new)
		return rc;
	rc = jr_centre_leaf_roster(hash, serial, st, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	res->changed = true;
	return rc;
}

/* The hash that names a roster: of its body, or of the whole payload when
 * it is not even an envelope. */
static bool roster_hash(const uint8_t *p, size_t len, uint8_t hash[JR_HASH_BYTES])
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t n = 0, blen = 0, slen = 0;
	struct jr_cbr r;

	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 || jr_cbr_bytes(&r, &body, &blen) != JR_OK ||
		jr_cbr_bytes(&r, &sig, &slen) != JR_OK || jr_cbr_end(&r) != JR_OK) {
		jr_hash(p, len, hash);
		return false;
	}
	jr_hash(body, blen, hash);
	return true;
}

static int roster_known(struct jr_centre *c, const uint8_t hash[JR_HASH_BYTES],
	bool *known)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*known = false;
	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM roster WHERE hash = ?1", -1, &st,
		NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_blob(st, 1, hash, JR_HASH_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*known = rc == SQLITE_ROW;
	(void)sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

static int roster_store(struct jr_centre *c, const struct jr_roster *r,
	const uint8_t *p, size_t len, struct jr_centre_result *res)
{
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	if (sqlite3_exec(c->db, "DELETE FROM member", NULL, NULL, NULL) != SQLITE_OK)
		return JR_EIO;
	st = jr_centre_stmt(c, S_MEMBER_PUT);
	for (i = 0; i < r->n; i++) {
		const struct jr_roster_member *m = &r->m[i];

		(void)sqlite3_bind_blob(st, 1, m->id, JR_ID_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_blob(st, 2, m->sign_pk, JR_SIGN_PK_BYTES, SQLITE_STATIC);
		(void)sqlite3_bind_int(st, 3, (int)m->role);
		(void)sqlite3_bind_int(st, 4, (int)m->agency);
		(void)sqlite3_bind_int64(st, 5, (sqlite3_int64)m->region);
		(void)sqlite3_bind_int64(st, 6, (sqlite3_int64)m->perms);
		(void)sqlite3_bind_int64(st, 7, (sqlite3_int64)m->revoked_from);
		rc = jr_centre_step_done(c, S_MEMBER_PUT);
		if (rc != JR_OK)
			return rc;
		res->kiosks_set += m->role == JR_ROLE_KIOSK;
	}
	res->members_set = (uint32_t)r->n;
	if (sqlite3_prepare_v2(c->db, "INSERT INTO roster VALUES(?1, ?2, ?3)", -1, &st,
		NULL) != SQLITE_OK)
		return JR_EIO;
	(void)sqlite3_bind_int64(st, 1, (sqlite3_int64)r->serial);
	(void)sqlite3_bind_blob(st, 2, r->hash, JR_HASH_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_blob(st, 3, p, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? JR_OK : JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

int jr_centre_apply_roster(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res)
{
	struct jr_roster r;
	struct jr_buf leaf = { 0 };
	uint8_t hash[JR_HASH_BYTES];
	bool known = false;
	int rc;

	if (!roster_hash(p, len, hash))
		return roster_refuse(c, hash, 0, JR_CS_MALFORMED, res);
	rc = roster_known(c, hash, &known);
	if (rc != JR_OK || known)
		return rc; /* the very roster applied before: a no-op */
	rc = jr_roster_open(p, len, c->roster_signer, &r, NULL);
	if (rc == JR_ESIG)
		return roster_refuse(c, hash, 0, JR_CS_BAD_SIGNATURE, res);
	if (rc == JR_ENOMEM)
		return rc;
	if (rc != JR_OK)
		return roster_refuse(c, hash, 0, JR_CS_MALFORMED, res);
	if (r.serial <= c->roster_serial) {
		uint64_t serial = r.serial;

		jr_roster_free(&r);
		return roster_refuse(c, hash, serial, JR_CS_STALE_ROSTER, res);
	}
	rc = roster_store(c, &r, p, len, res);
	if (rc == JR_OK) {
		c->roster_serial = r.serial;
		memcpy(c->roster_signer, r.consortium_pk, JR_SIGN_PK_BYTES);
		res->changed = true;
		rc = jr_centre_leaf_roster(hash, r.serial, JR_CS_APPLIED, &leaf);
	}
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	jr_roster_free(&r);
	return rc;
}
