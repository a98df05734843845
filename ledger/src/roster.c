/*
 * roster.c — the consortium-signed roster (jaring/roster.h; docs/formats.md
 * "Roster"). The signature is checked before the body is parsed.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "jaring/cbor.h"
#include "jaring/roster.h"
#include "signed.h"

static int cmp_member(const void *a, const void *b)
{
	return memcmp(((const struct jr_roster_member *)a)->id,
		((const struct jr_roster_member *)b)->id, JR_ID_BYTES);
}

static bool role_ok(uint64_t role)
{
	return role == JR_ROLE_KIOSK || role == JR_ROLE_OFFICER ||
		role == JR_ROLE_NODE || role == JR_ROLE_OFFICIAL;
}

static int member_check(const struct jr_roster_member *m, struct jr_errbuf *eb)
{
	uint8_t id[JR_ID_BYTES];
	char sid[JR_KEYID_SHORT_LEN + 1];

	jr_keyid_from_pk(m->sign_pk, id);
	jr_keyid_short(m->id, sid);
	if (memcmp(id, m->id, JR_ID_BYTES) != 0)
		return jr_errf(eb, JR_EFORMAT, "roster: member %s: its key id is not its key's", sid);
	if (!role_ok((uint64_t)m->role))
		return jr_errf(eb, JR_EFORMAT, "roster: member %s: role %d is not a member role",
			sid, (int)m->role);
	if (m->agency > JR_AGENCY_MAX || (m->perms & ~JR_PERM_ALL) != 0 ||
	    m->region > UINT64_C(9999999999) || m->revoked_from > INT64_MAX)
		return jr_errf(eb, JR_EFORMAT,
			"roster: member %s: agency, permissions, region or revocation out of range", sid);
	return JR_OK;
}

int jr_roster_sign(const struct jr_key *signer, uint64_t serial,
	const uint8_t next_consortium_pk[JR_SIGN_PK_BYTES],
	const struct jr_roster_member *m, size_t n, struct jr_buf *out,
	struct jr_errbuf *eb)
{
	struct jr_roster_member *s;
	struct jr_buf body = { NULL, 0 };
	struct jr_cbw w;
	size_t i;
	int rc = JR_OK;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "roster: no output given");
	out->base = NULL;
	out->len = 0;
	if (signer == NULL || (m == NULL && n > 0) || serial == 0 || serial > INT64_MAX)
		return jr_errf(eb, JR_EINVAL, "roster: no signer, no members, or serial 0");
	if (n > JR_ROSTER_MAX_MEMBERS)
		return jr_errf(eb, JR_ETOOBIG, "roster: %zu members, over the maximum of %d",
			n, JR_ROSTER_MAX_MEMBERS);
	if (jr_key_role(signer) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "roster: only the consortium key signs a roster");
	s = malloc(n * sizeof *s + 1);
	if (s == NULL)
		return jr_errf(eb, JR_ENOMEM, "roster: out of memory");
	if (n > 0)
		memcpy(s, m, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_member);
	for (i = 0; i < n && rc == JR_OK; i++) {
		rc = member_check(&s[i], eb);
		if (rc == JR_OK && i > 0 && memcmp(s[i - 1].id, s[i].id, JR_ID_BYTES) == 0)
			rc = jr_errf(eb, JR_EINVAL, "roster: one key is listed twice");
	}
	if (rc == JR_OK) {
		jr_cbw_init(&w, JR_ROSTER_MAX_BYTES);
		jr_cbw_map(&w, 4);
		jr_cbw_uint(&w, 0);
		jr_cbw_uint(&w, JR_ROSTER_VERSION);
		jr_cbw_uint(&w, 1);
		jr_cbw_uint(&w, serial);
		jr_cbw_uint(&w, 2);
		if (next_consortium_pk != NULL) {
			jr_cbw_bytes(&w, next_consortium_pk, JR_SIGN_PK_BYTES);
		} else {
			struct jr_pubkey pub;

			jr_key_public(signer, &pub);
			jr_cbw_bytes(&w, pub.sign_pk, JR_SIGN_PK_BYTES);
		}
		jr_cbw_uint(&w, 3);
		jr_cbw_array(&w, n);
		for (i = 0; i < n; i++) {
			jr_cbw_map(&w, 7);
			jr_cbw_uint(&w, 0);
			jr_cbw_bytes(&w, s[i].id, JR_ID_BYTES);
			jr_cbw_uint(&w, 1);
			jr_cbw_bytes(&w, s[i].sign_pk, JR_SIGN_PK_BYTES);
			jr_cbw_uint(&w, 2);
			jr_cbw_uint(&w, (uint64_t)s[i].role);
			jr_cbw_uint(&w, 3);
			jr_cbw_uint(&w, s[i].agency);
			jr_cbw_uint(&w, 4);
			jr_cbw_uint(&w, s[i].region);
			jr_cbw_uint(&w, 5);
			jr_cbw_uint(&w, s[i].perms);
			jr_cbw_uint(&w, 6);
			jr_cbw_uint(&w, s[i].revoked_from);
		}
		rc = jr_cbw_finish(&w, &body);
		if (rc != JR_OK)
			rc = jr_errf(eb, rc, "roster: encoding failed");
	}
	free(s);
	if (rc == JR_OK)
		rc = jr_signed_wrap(signer, JR_ROSTER_DOMAIN, &body,
			JR_ROSTER_MAX_BYTES + 96, out);
	jr_buf_free(&body);
	return rc;
}

static int parse_member(struct jr_cbr *r, struct jr_roster_member *m)
{
	uint64_t role = 0, agency = 0, perms = 0;
	size_t n = 0;

	if (jr_cbr_map(r, &n) != JR_OK || n != 7)
		return JR_EFORMAT;
	jr_cbr_key_fixed(r, 0, m->id, JR_ID_BYTES);
	jr_cbr_key_fixed(r, 1, m->sign_pk, JR_SIGN_PK_BYTES);
	jr_cbr_key_uint(r, 2, 255, &role);
	jr_cbr_key_uint(r, 3, JR_AGENCY_MAX, &agency);
	jr_cbr_key_uint(r, 4, UINT64_C(9999999999), &m->region);
	jr_cbr_key_uint(r, 5, JR_PERM_ALL, &perms);
	if (jr_cbr_key_uint(r, 6, INT64_MAX, &m->revoked_from) != JR_OK)
		return JR_EFORMAT;
	m->role = (enum jr_role)role;
	m->agency = (uint32_t)agency;
	m->perms = (uint32_t)perms;
	return JR_OK;
}

int jr_roster_open(const uint8_t *p, size_t len,
	const uint8_t signer_pk[JR_SIGN_PK_BYTES], struct jr_roster *out,
	struct jr_errbuf *eb)
{
	const uint8_t *body = NULL;
	size_t body_len = 0, n = 0, count = 0, i;
	struct jr_cbr r;
	int rc;

	if (out == NULL)
		return jr_errf(eb, JR_EINVAL, "roster: no output given");
	memset(out, 0, sizeof *out);
	if (p == NULL || signer_pk == NULL)
		return jr_errf(eb, JR_EINVAL, "roster: no bytes or no consortium key given");
	rc = jr_signed_open(p, len, JR_ROSTER_MAX_BYTES, signer_pk, JR_ROSTER_DOMAIN,
		"roster", "the consortium key this kiosk trusts; the roster was altered or "
		"comes from elsewhere: do not use it, and report the drive or link it came on",
		&body, &body_len, eb);
	if (rc != JR_OK)
		return rc;
	rc = jr_cbr_open_versioned(&r, body, body_len, JR_ROSTER_MAX_BYTES, "roster",
		JR_ROSTER_VERSION, &n, eb);
	if (rc != JR_OK)
		return rc;
	if (n != 4)
		return jr_errf(eb, JR_EFORMAT, "roster: %zu fields, not 4", n);
	jr_cbr_key_uint(&r, 1, INT64_MAX, &out->serial);
	jr_cbr_key_fixed(&r, 2, out->consortium_pk, JR_SIGN_PK_BYTES);
	if (jr_cbr_key(&r, 3) != JR_OK || jr_cbr_array(&r, &count) != JR_OK ||
	    out->serial == 0 || count > JR_ROSTER_MAX_MEMBERS) {
		rc = jr_errf(eb, JR_EFORMAT,
			"roster: not {1: serial 1.., 2: consortium key, 3: [up to %d members]}",
			JR_ROSTER_MAX_MEMBERS);
		goto fail;
	}
	out->m = calloc(count + 1, sizeof *out->m);
	if (out->m == NULL) {
		rc = jr_errf(eb, JR_ENOMEM, "roster: out of memory for %zu members", count);
		goto fail;
	}
	out->n = count;
	for (i = 0; i < count; i++) {
		if (parse_member(&r, &out->m[i]) != JR_OK) {
			rc = jr_errf(eb, JR_EFORMAT, "roster: member %zu is not well-formed", i);
			goto fail;
		}
		rc = member_check(&out->m[i], eb);
		if (rc != JR_OK)
			goto fail;
		if (i > 0 && memcmp(out->m[i - 1].id, out->m[i].id, JR_ID_BYTES) >= 0) {
			rc = jr_errf(eb, JR_EFORMAT,
				"roster: members are not in strictly ascending key id order");
			goto fail;
		}
	}
	if (jr_cbr_end(&r) != JR_OK) {
		rc = jr_errf(eb, JR_EFORMAT, "roster: bytes after the members");
		goto fail;
	}
	jr_hash(body, body_len, out->hash);
	return JR_OK;
fail:
	jr_roster_free(out);
	return rc;
}

void jr_roster_free(struct jr_roster *r)
{
	if (r == NULL)
		return;
	free(r->m);
	memset(r, 0, sizeof *r);
}

const struct jr_roster_member *jr_roster_find(const struct jr_roster *r,
	const uint8_t id[JR_ID_BYTES])
{
	struct jr_roster_member key;

	if (r == NULL || r->n == 0 || id == NULL)
		return NULL;
	memcpy(key.id, id, JR_ID_BYTES);
	return bsearch(&key, r->m, r->n, sizeof *r->m, cmp_member);
}

static unsigned region_digits(uint64_t v)
{
	unsigned d = 0;

	while (v > 0) {
		v /= 10;
		d++;
	}
	return d;
}

bool jr_region_within(uint64_t inner, uint64_t outer)
{
	unsigned di, doo;

	if (outer == 0)
		return true;
	di = region_digits(inner);
	doo = region_digits(outer);
	if (di < doo)
		return false;
	while (di > doo) {
		inner /= 10;
		di--;
	}
	return inner == outer;
}

static const char *role_name(enum jr_role role)
{
	switch (role) {
	case JR_ROLE_KIOSK: return "kiosk";
	case JR_ROLE_OFFICER: return "field officer";
	case JR_ROLE_NODE: return "node";
	case JR_ROLE_OFFICIAL: return "agency official";
	case JR_ROLE_CONSORTIUM: return "consortium";
	}
	return "unknown role";
}

int jr_roster_check(const struct jr_roster *r, const uint8_t id[JR_ID_BYTES],
	enum jr_role role, uint32_t perms, uint64_t region, uint64_t height,
	struct jr_errbuf *eb)
{
	const struct jr_roster_member *m;
	char sid[JR_KEYID_SHORT_LEN + 1];

	if (r == NULL || id == NULL)
		return jr_errf(eb, JR_EINVAL, "roster: no roster or no key id given");
	jr_keyid_short(id, sid);
	m = jr_roster_find(r, id);
	if (m == NULL)
		return jr_errf(eb, JR_ENOTFOUND,
			"key %s is not on roster %" PRIu64 ": only keys the consortium listed are trusted",
			sid, r->serial);
	if (m->role != role)
		return jr_errf(eb, JR_EKEY, "key %s is a %s's on the roster, not a %s's",
			sid, role_name(m->role), role_name(role));
	if ((m->perms & perms) != perms)
		return jr_errf(eb, JR_EKEY,
			"key %s may not do this: the roster does not give it that permission", sid);
	if (m->revoked_from != 0 && (role != JR_ROLE_KIOSK || height == 0 ||
	    height >= m->revoked_from))
		return jr_errf(eb, JR_EKEY, "key %s is revoked (roster %" PRIu64 ")",
			sid, r->serial);
	if (region != 0 && m->region != 0 && !jr_region_within(region, m->region))
		return jr_errf(eb, JR_EKEY, "key %s does not act in region %" PRIu64
			" (its region is %" PRIu64 ")", sid, region, m->region);
	return JR_OK;
}
