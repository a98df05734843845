/*
 * The public export of the centre (docs/export.md): the log's tiles and
 * checkpoints (jr_export_log), and beside them the signed bytes that let
 * anyone replay every public decision: each applied roster, each applied
 * act (a comment without its opening: its text is not for the public, only
 * the salted commitment its body signs), and the genesis file. Nothing here reads a registration's sealed record: what a person
 * wrote never reaches the export, not even as ciphertext.
 */
#include <stdio.h>
#include <string.h>

#include "centre_int.h"
#include "jaring/cbor.h"
#include "jaring/export.h"

#define GENESIS_MAX 4096

int jr_centre_genesis_encode(const uint8_t pk[JR_SIGN_PK_BYTES],
	const struct jr_policy *policy, struct jr_buf *out)
{
	struct jr_buf pol = { 0 };
	struct jr_cbw w;
	int rc = jr_policy_encode(policy, &pol);

	if (rc != JR_OK)
		return rc;
	jr_cbw_init(&w, GENESIS_MAX);
	jr_cbw_map(&w, 3);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_CENTRE_GENESIS_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, pk, JR_SIGN_PK_BYTES);
	jr_cbw_uint(&w, 2);
	jr_cbw_bytes(&w, pol.base, pol.len);
	jr_buf_free(&pol);
	return jr_cbw_finish(&w, out);
}

int jr_centre_genesis_decode(const uint8_t *p, size_t len, uint8_t pk[JR_SIGN_PK_BYTES],
	struct jr_policy *policy, struct jr_errbuf *eb)
{
	const uint8_t *pol = NULL;
	size_t n = 0, pol_len = 0;
	struct jr_cbr r;
	int rc = jr_cbr_open_versioned(&r, p, len, GENESIS_MAX, "genesis",
		JR_CENTRE_GENESIS_VERSION, &n, eb);

	memset(pk, 0, JR_SIGN_PK_BYTES);
	if (rc != JR_OK)
		return rc;
	if (n != 3 || jr_cbr_key_fixed(&r, 1, pk, JR_SIGN_PK_BYTES) != JR_OK ||
		jr_cbr_key(&r, 2) != JR_OK || jr_cbr_bytes(&r, &pol, &pol_len) != JR_OK ||
		jr_cbr_end(&r) != JR_OK) {
		memset(pk, 0, JR_SIGN_PK_BYTES);
		return jr_errf(eb, JR_EFORMAT, "genesis: not the map {0: 1, 1: key, 2: policy}");
	}
	rc = jr_policy_decode(pol, pol_len, policy, eb);
	if (rc != JR_OK)
		memset(pk, 0, JR_SIGN_PK_BYTES);
	return rc;
}

/* The signed envelope [body, sig] of an act's payload: a comment's opening,
 * the third element, is left out. */
static int envelope_of(struct jr_buf *b)
{
	const uint8_t *body = NULL, *sig = NULL;
	size_t n = 0, blen = 0, slen = 0;
	struct jr_cbr r;
	struct jr_cbw w;
	struct jr_buf out = { 0 };
	int rc;

	jr_cbr_init(&r, b->base, b->len);
	if (jr_cbr_array(&r, &n) != JR_OK || n < 2 || n > 3 ||
		jr_cbr_bytes(&r, &body, &blen) != JR_OK || jr_cbr_bytes(&r, &sig, &slen) != JR_OK)
		return JR_ECORRUPT;
	if (n == 2)
		return JR_OK;
	jr_cbw_init(&w, b->len);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body, blen);
	jr_cbw_bytes(&w, sig, slen);
	rc = jr_cbw_finish(&w, &out);
	if (rc == JR_OK) {
		jr_buf_free(b);
		*b = out;
	}
	return rc;
}

struct publisher {
	struct jr_centre *c;
	const char *dir;
	struct jr_errbuf *eb;
};

static int publish_signed(const struct publisher *pb, const struct jr_centre_leaf *l)
{
	struct jr_buf b = { 0 };
	char rel[32 + 2 * JR_HASH_BYTES];
	int rc = jr_centre_leaf_signed(pb->c, l, &b), n;

	if (rc != JR_OK)
		return jr_errf(pb->eb, rc, "export: the signed bytes of an applied %s are"
			" not in the state file: %s", l->type == JR_LEAF_ROSTER ? "roster" : "act",
			jr_strerror(rc));
	if (l->type == JR_LEAF_ACT && (rc = envelope_of(&b)) != JR_OK) {
		jr_buf_free(&b);
		return jr_errf(pb->eb, rc, "export: the signed bytes of act leaf %llu are not"
			" an act's envelope", (unsigned long long)l->n);
	}
	if (l->type == JR_LEAF_ROSTER) {
		n = snprintf(rel, sizeof rel, "roster/%llu", (unsigned long long)l->n);
	} else {
		char hex[2 * JR_HASH_BYTES + 1];

		jr_hex(l->hash, JR_HASH_BYTES, hex);
		n = snprintf(rel, sizeof rel, "act/%s", hex);
	}
	rc = n > 0 && (size_t)n < sizeof rel ? jr_tlog_dir_write(pb->dir, rel, b.base, b.len,
		pb->eb) : JR_EINTERNAL;
	jr_buf_free(&b);
	return rc;
}

/* The export's leaf source: each leaf from the state, and, as an applied
 * roster's or act's leaf goes by, its signed bytes into the folder. */
static int leaf_source(void *ctx, uint64_t index, struct jr_buf *out)
{
	const struct publisher *pb = ctx;
	struct jr_centre_leaf l;
	int rc = jr_centre_leaf(pb->c, index, out);

	if (rc != JR_OK)
		return rc;
	if (jr_centre_leaf_decode(out->base, out->len, &l) != JR_OK)
		return JR_ECORRUPT;
	if ((l.type == JR_LEAF_ROSTER || l.type == JR_LEAF_ACT) && l.status == JR_CS_APPLIED)
		rc = publish_signed(pb, &l);
	if (rc != JR_OK)
		jr_buf_free(out);
	return rc;
}

int jr_centre_export(struct jr_centre *c, uint64_t size, const uint8_t *checkpoint,
	size_t checkpoint_len, const struct jr_tlog_policy *policy, const char *dir,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb)
{
	struct publisher pb = { c, dir, eb };
	struct jr_export_source src = { leaf_source, &pb };
	struct jr_buf g = { 0 };
	uint8_t pk[JR_SIGN_PK_BYTES];
	struct jr_policy pol;
	int rc;

	if (size > c->tlog_size)
		return jr_errf(eb, JR_EINVAL, "export: the checkpoint is for %llu leaves, this"
			" state has %llu: export from a node that has applied them",
			(unsigned long long)size, (unsigned long long)c->tlog_size);
	jr_centre_genesis(c, pk, &pol);
	rc = jr_centre_genesis_encode(pk, &pol, &g);
	if (rc == JR_OK)
		rc = jr_tlog_dir_write(dir, "genesis", g.base, g.len, eb);
	jr_buf_free(&g);
	if (rc != JR_OK)
		return rc;
	return jr_export_log(&src, size, checkpoint, checkpoint_len, policy, dir, progress,
		progress_ctx, eb);
}
