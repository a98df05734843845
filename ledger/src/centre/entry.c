/*
 * Entries: building them, and applying the roster (docs/centre.md
 * "Entries", "Roster").
 */
#include <stdlib.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"

#define ROSTER_KIOSK_BYTES 64 /* A4 00 50<16> 01 58 20<32> 02 <=9 03 <=9 */
#define ROSTER_MAX_BYTES (JR_CENTRE_MAX_KIOSKS * ROSTER_KIOSK_BYTES + 32)

static int cmp_kiosk(const void *a, const void *b)
{
	uint8_t ia[JR_ID_BYTES], ib[JR_ID_BYTES];

	jr_keyid_from_pk(((const struct jr_centre_kiosk *)a)->sign_pk, ia);
	jr_keyid_from_pk(((const struct jr_centre_kiosk *)b)->sign_pk, ib);
	return memcmp(ia, ib, JR_ID_BYTES);
}

static int roster_body(uint64_t serial, const struct jr_centre_kiosk *kiosks,
	size_t n, struct jr_buf *out)
{
	struct jr_centre_kiosk *sorted;
	struct jr_cbw w;
	size_t i;

	sorted = malloc(n * sizeof *sorted + 1);
	if (sorted == NULL)
		return JR_ENOMEM;
	if (n > 0)
		memcpy(sorted, kiosks, n * sizeof *sorted);
	qsort(sorted, n, sizeof *sorted, cmp_kiosk);
	jr_cbw_init(&w, ROSTER_MAX_BYTES);
	jr_cbw_map(&w, 3);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_CENTRE_ROSTER_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, serial);
	jr_cbw_uint(&w, 2);
	jr_cbw_array(&w, n);
	for (i = 0; i < n; i++) {
		uint8_t id[JR_ID_BYTES];

		jr_keyid_from_pk(sorted[i].sign_pk, id);
		jr_cbw_map(&w, 4);
		jr_cbw_uint(&w, 0);
		jr_cbw_bytes(&w, id, JR_ID_BYTES);
		jr_cbw_uint(&w, 1);
		jr_cbw_bytes(&w, sorted[i].sign_pk, JR_SIGN_PK_BYTES);
		jr_cbw_uint(&w, 2);
		jr_cbw_uint(&w, sorted[i].village);
		jr_cbw_uint(&w, 3);
		jr_cbw_uint(&w, sorted[i].revoked_from);
	}
	free(sorted);
	return jr_cbw_finish(&w, out);
}

static void entry_head(struct jr_cbw *w, enum jr_centre_kind kind)
{
	jr_cbw_map(w, 3);
	jr_cbw_uint(w, 0);
	jr_cbw_uint(w, JR_CENTRE_ENTRY_VERSION);
	jr_cbw_uint(w, 1);
	jr_cbw_uint(w, (uint64_t)kind);
	jr_cbw_uint(w, 2);
}

int jr_centre_roster_entry(const struct jr_key *consortium, uint64_t serial,
	const struct jr_centre_kiosk *kiosks, size_t n, struct jr_buf *out)
{
	struct jr_buf body = { 0 };
	uint8_t hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	struct jr_cbw w;
	int rc;

	out->base = NULL;
	out->len = 0;
	if (consortium == NULL || (kiosks == NULL && n > 0) || n > JR_CENTRE_MAX_KIOSKS ||
		serial == 0 || serial > INT64_MAX)
		return JR_EINVAL;
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return JR_EKEY;
	rc = roster_body(serial, kiosks, n, &body);
	if (rc != JR_OK)
		return rc;
	jr_hash(body.base, body.len, hash);
	rc = jr_sign_hash(consortium, JR_CENTRE_ROSTER_DOMAIN, hash, sig);
	if (rc == JR_OK) {
		jr_cbw_init(&w, ROSTER_MAX_BYTES + 128);
		entry_head(&w, JR_CENTRE_ROSTER);
		jr_cbw_array(&w, 2);
		jr_cbw_bytes(&w, body.base, body.len);
		jr_cbw_bytes(&w, sig, sizeof sig);
		rc = jr_cbw_finish(&w, out);
	}
	jr_buf_free(&body);
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

/* A roster's kiosk list, strictly: ascending ids, each id the one its key
 * gives, every key a valid Ed25519 point. Calls `set` for each when set is
 * not NULL. */
static int roster_walk(struct jr_centre *c, struct jr_cbr *r, size_t m, bool apply)
{
	uint8_t prev[JR_ID_BYTES] = { 0 };
	size_t i;

	for (i = 0; i < m; i++) {
		struct jr_centre_kiosk k;
		uint8_t id[JR_ID_BYTES], want[JR_ID_BYTES], box[JR_BOX_PK_BYTES];
		size_t n = 0;

		if (jr_cbr_map(r, &n) != JR_OK || n != 4)
			return JR_EFORMAT;
		(void)jr_cbr_key_fixed(r, 0, id, JR_ID_BYTES);
		(void)jr_cbr_key_fixed(r, 1, k.sign_pk, JR_SIGN_PK_BYTES);
		(void)jr_cbr_key_uint(r, 2, 9999999999u, &k.village);
		if (jr_cbr_key_uint(r, 3, INT64_MAX, &k.revoked_from) != JR_OK)
			return JR_EFORMAT;
		jr_keyid_from_pk(k.sign_pk, want);
		if (memcmp(id, want, JR_ID_BYTES) != 0 ||
			(i > 0 && memcmp(prev, id, JR_ID_BYTES) >= 0) ||
			jr_pubkey_derive_box(k.sign_pk, box) != JR_OK)
			return JR_EFORMAT;
		memcpy(prev, id, JR_ID_BYTES);
		if (apply) {
			sqlite3_stmt *st = jr_centre_stmt(c, S_KIOSK_SET);
			int rc;

			(void)sqlite3_bind_blob(st, 1, id, JR_ID_BYTES, SQLITE_TRANSIENT);
			(void)sqlite3_bind_blob(st, 2, k.sign_pk, JR_SIGN_PK_BYTES,
				SQLITE_TRANSIENT);
			(void)sqlite3_bind_int64(st, 3, (sqlite3_int64)k.village);
			(void)sqlite3_bind_int64(st, 4, (sqlite3_int64)k.revoked_from);
			rc = jr_centre_step_done(c, S_KIOSK_SET);
			if (rc != JR_OK)
				return rc;
		}
	}
	return JR_OK;
}

/* Parses the body; on success r stands at the kiosk list of *m entries. */
static int roster_open(struct jr_cbr *r, const uint8_t *body, size_t len,
	uint64_t *serial, size_t *m)
{
	size_t n = 0;

	if (jr_cbr_open_versioned(r, body, len, ROSTER_MAX_BYTES, "roster",
		JR_CENTRE_ROSTER_VERSION, &n, NULL) != JR_OK || n != 3)
		return JR_EFORMAT;
	(void)jr_cbr_key_uint(r, 1, INT64_MAX, serial);
	if (jr_cbr_key(r, 2) != JR_OK || jr_cbr_array(r, m) != JR_OK ||
		*m > JR_CENTRE_MAX_KIOSKS || *serial == 0)
		return JR_EFORMAT;
	return JR_OK;
}

static int roster_refuse(struct jr_centre *c, const uint8_t hash[JR_HASH_BYTES],
	uint64_t serial, enum jr_centre_status st, struct jr_centre_result *res)
{
	struct jr_buf leaf = { 0 };
	bool is_new = false;
	int rc = jr_centre_refusal_put(c, NULL, serial, hash, st, &is_new);

	res->refused = true;
	if (rc != JR_OK || !is_new)
		return rc;
	rc = jr_centre_leaf_roster(hash, serial, st, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	res->changed = true;
	return rc;
}

int jr_centre_apply_roster(struct jr_centre *c, const uint8_t *p, size_t len,
	struct jr_centre_result *res)
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t blen = 0, slen = 0, n = 0, m = 0;
	uint8_t hash[JR_HASH_BYTES];
	uint64_t serial = 0;
	struct jr_buf leaf = { 0 };
	struct jr_cbr r;
	int rc;

	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 ||
		jr_cbr_bytes(&r, &body, &blen) != JR_OK ||
		jr_cbr_bytes(&r, &sig, &slen) != JR_OK || slen != JR_SIG_BYTES ||
		jr_cbr_end(&r) != JR_OK) {
		jr_hash(p, len, hash);
		return roster_refuse(c, hash, 0, JR_CS_MALFORMED, res);
	}
	jr_hash(body, blen, hash);
	if (jr_verify_hash(c->consortium_pk, JR_CENTRE_ROSTER_DOMAIN, hash, sig) != JR_OK)
		return roster_refuse(c, hash, 0, JR_CS_BAD_SIGNATURE, res);
	if (roster_open(&r, body, blen, &serial, &m) != JR_OK ||
		roster_walk(c, &r, m, false) != JR_OK || jr_cbr_end(&r) != JR_OK)
		return roster_refuse(c, hash, serial, JR_CS_MALFORMED, res);
	if (serial <= c->roster_serial) {
		enum jr_centre_status was = 0;

		/* The very roster applied before: a replay of it is a no-op. */
		rc = jr_centre_refusal(c, hash, &was);
		if (rc == JR_OK && was == JR_CS_APPLIED)
			return JR_OK;
		if (rc != JR_OK && rc != JR_ENOTFOUND)
			return rc;
		return roster_refuse(c, hash, serial, JR_CS_STALE_ROSTER, res);
	}
	(void)roster_open(&r, body, blen, &serial, &m);
	rc = roster_walk(c, &r, m, true);
	if (rc != JR_OK)
		return rc;
	{
		bool is_new = false;

		rc = jr_centre_refusal_put(c, NULL, serial, hash, JR_CS_APPLIED, &is_new);
		if (rc != JR_OK)
			return rc;
	}
	c->roster_serial = serial;
	res->kiosks_set = (uint32_t)m;
	res->changed = true;
	rc = jr_centre_leaf_roster(hash, serial, JR_CS_APPLIED, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	return rc;
}
