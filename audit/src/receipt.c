/*
 * jaring-audit receipt (docs/audit.md "A receipt"): is this receipt's
 * registration on the public ledger? Offline, from an export:
 *   1. the log checks out (jr_audit_log: tiles, checkpoints, history);
 *   2. the rosters open one from the next from the genesis key, and the
 *      receipt's signature verifies under its kiosk's key from them;
 *   3. the registration's leaf is found (the latest decision about it);
 *   4. an inclusion proof of that leaf, built from the tiles alone, verifies
 *      against the trusted checkpoint's root.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "jaring/receipt.h"

#define ROSTERS_MAX 4096

struct finder {
	uint8_t regid[JR_REGID_BYTES];
	bool found;
	uint64_t leaf;
	struct jr_centre_leaf l;
	uint8_t bytes[256]; /* the leaf itself (a leaf is at most 256 bytes) */
	size_t len;
};

static int find_leaf(void *ctx, uint64_t index, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	struct finder *f = ctx;
	struct jr_centre_leaf l;

	(void)eb;
	if (jr_centre_leaf_decode(leaf, len, &l) == JR_OK && l.type == JR_LEAF_REGISTRATION &&
		memcmp(l.id, f->regid, JR_REGID_BYTES) == 0) {
		f->found = true;
		f->leaf = index;
		f->l = l;
		f->len = len <= sizeof f->bytes ? len : 0;
		memcpy(f->bytes, leaf, f->len);
	}
	return JR_OK;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The serials under dir/roster, ascending. */
static int roster_serials(const char *dir, uint64_t *out, size_t *n)
{
	char path[4096];
	struct dirent *e;
	DIR *d;
	int w = snprintf(path, sizeof path, "%s/roster", dir);

	*n = 0;
	if (w < 0 || (size_t)w >= sizeof path || (d = opendir(path)) == NULL)
		return JR_ENOTFOUND;
	while ((e = readdir(d)) != NULL && *n < ROSTERS_MAX) {
		char *end = NULL;
		unsigned long long v = strtoull(e->d_name, &end, 10);

		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && end != NULL && *end == '\0')
			out[(*n)++] = v;
	}
	(void)closedir(d);
	qsort(out, *n, sizeof *out, cmp_u64);
	return JR_OK;
}

/* The kiosk's signing key from the newest roster that lists it, each
 * roster opened under the key the one before names. */
static int kiosk_key(const char *dir, const uint8_t genesis[JR_SIGN_PK_BYTES],
	const uint8_t kiosk[JR_ID_BYTES], uint8_t pk[JR_SIGN_PK_BYTES], struct jr_errbuf *eb)
{
	uint64_t *serials = malloc(ROSTERS_MAX * sizeof *serials);
	uint8_t signer[JR_SIGN_PK_BYTES];
	bool found = false;
	size_t n = 0, i;
	int rc;

	if (serials == NULL)
		return JR_ENOMEM;
	memcpy(signer, genesis, JR_SIGN_PK_BYTES);
	rc = roster_serials(dir, serials, &n);
	for (i = 0; rc == JR_OK && i < n; i++) {
		char path[4096];
		struct jr_buf b = { 0 };
		struct jr_roster r;
		const struct jr_roster_member *m;

		(void)snprintf(path, sizeof path, "%s/roster/%" PRIu64, dir, serials[i]);
		rc = jr_file_read(path, JR_ROSTER_MAX_BYTES + 96, &b, eb);
		if (rc == JR_OK)
			rc = jr_roster_open(b.base, b.len, signer, &r, eb);
		jr_buf_free(&b);
		if (rc != JR_OK) {
			rc = jr_errf(eb, JR_ESIG, "%s does not open under the consortium key the"
				" roster before it names", path);
			break;
		}
		m = jr_roster_find(&r, kiosk);
		if (m != NULL && m->role == JR_ROLE_KIOSK) {
			memcpy(pk, m->sign_pk, JR_SIGN_PK_BYTES);
			found = true;
		}
		memcpy(signer, r.consortium_pk, JR_SIGN_PK_BYTES);
		jr_roster_free(&r);
	}
	free(serials);
	if (rc == JR_OK && !found)
		rc = jr_errf(eb, JR_ENOTFOUND, "the receipt's kiosk is on no roster of the export");
	return rc;
}

static int read_genesis_pk(const char *dir, uint8_t pk[JR_SIGN_PK_BYTES],
	struct jr_errbuf *eb)
{
	char path[4096];
	struct jr_buf b = { 0 };
	struct jr_policy pol;
	int rc;

	(void)snprintf(path, sizeof path, "%s/genesis", dir);
	rc = jr_file_read(path, 4096, &b, eb);
	if (rc == JR_OK)
		rc = jr_centre_genesis_decode(b.base, b.len, pk, &pol, eb);
	jr_buf_free(&b);
	return rc;
}

/* The receipt's payload: QR text ("JR1:…", a newline allowed) or bytes. */
static int receipt_payload(const uint8_t *p, size_t len, uint8_t *out, size_t *n,
	struct jr_errbuf *eb)
{
	while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == '\r'))
		len--;
	if (len >= 4 && memcmp(p, JR_RECEIPT_PREFIX, 4) == 0)
		return jr_receipt_from_text((const char *)p, len, out, n, eb);
	if (len > JR_RECEIPT_MAX_BYTES)
		return jr_errf(eb, JR_EFORMAT, "not a receipt: neither its QR text nor its bytes");
	memcpy(out, p, len);
	*n = len;
	return JR_OK;
}

int jr_audit_receipt(const char *dir, const struct jr_tlog_policy *policy,
	const uint8_t *receipt, size_t len, struct jr_audit_receipt *out, struct jr_errbuf *eb)
{
	uint8_t payload[JR_RECEIPT_MAX_BYTES], genesis[JR_SIGN_PK_BYTES], kpk[JR_SIGN_PK_BYTES];
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], lh[JR_TLOG_HASH_BYTES];
	struct jr_audit_log_report lr;
	struct jr_checkpoint cp;
	struct jr_buf note = { 0 };
	struct jr_receipt r;
	const uint8_t *sig = NULL;
	struct finder f;
	char path[4096];
	size_t n = 0, np = 0;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&f, 0, sizeof f);
	rc = receipt_payload(receipt, len, payload, &n, eb);
	if (rc == JR_OK)
		rc = jr_receipt_decode(payload, n, &r, &sig, eb);
	if (rc != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "the receipt does not decode (%s): give the text"
			" its QR code holds, JR1:...", jr_strerror(rc));
	memcpy(out->regid, r.regid, JR_REGID_BYTES);
	memcpy(f.regid, r.regid, JR_REGID_BYTES);
	rc = read_genesis_pk(dir, genesis, eb);
	if (rc == JR_OK)
		rc = kiosk_key(dir, genesis, r.kiosk_id, kpk, eb);
	if (rc != JR_OK)
		return rc == JR_EIO || rc == JR_ENOMEM ? rc : JR_ECORRUPT;
	out->kiosk_on_roster = true;
	if (jr_receipt_verify(payload, n, kpk, &r, eb) != JR_OK)
		return jr_errf(eb, JR_ESIG, "the receipt's signature is not its kiosk's: it was"
			" not issued by a kiosk of this programme, or it was altered");
	rc = jr_audit_log(dir, policy, find_leaf, &f, NULL, &lr, NULL, NULL, eb);
	if (rc != JR_OK)
		return rc;
	out->size = lr.size;
	if (!f.found)
		return jr_errf(eb, JR_ENOTFOUND, "the registration is in no leaf of the log:"
			" its kiosk's block has not reached the centre yet, or it was left out");
	out->leaf = f.leaf;
	out->district = f.l.n;
	(void)snprintf(out->outcome, sizeof out->outcome, "%s",
		jr_centre_outcome_name(f.l.status));
	/* The leaf and the checkpoint again, for the proof: only the tiles and
	 * the trusted checkpoint decide. */
	(void)snprintf(path, sizeof path, "%s/checkpoint", dir);
	rc = jr_file_read(path, JR_NOTE_MAX_BYTES, &note, eb);
	if (rc == JR_OK)
		rc = jr_checkpoint_open(note.base, note.len, policy, &cp, NULL, eb);
	if (rc == JR_OK)
		rc = jr_export_prove_inclusion(dir, f.leaf, cp.size, proof, &np, eb);
	if (rc == JR_OK) {
		jr_tlog_leaf_hash(f.bytes, f.len, lh);
		rc = jr_tlog_verify_inclusion(lh, f.leaf, cp.size,
			(const uint8_t (*)[JR_TLOG_HASH_BYTES])proof, np, cp.root);
		if (rc != JR_OK)
			rc = jr_errf(eb, JR_ESIG, "the inclusion proof of leaf %" PRIu64 " does not"
				" verify against the checkpoint's root", f.leaf);
	}
	out->proof_len = np;
	jr_buf_free(&note);
	return rc;
}
