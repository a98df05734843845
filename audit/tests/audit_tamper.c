/*
 * audit_tamper: what an insider can do to a public export, for
 * audit_node.sh to show that jaring-audit catches each.
 *
 *   audit_tamper act-of SRC KIND          ids of the applied acts of KIND
 *   audit_tamper drop-bytes DIR K         leaf K cut out of its entry bundle,
 *                                         in place (nothing re-signed)
 * With the log's and a witness's own keys (a cluster gone bad), SRC's leaves
 * changed and written as a new log into DST (which holds SRC's genesis,
 * rosters, acts and the older checkpoints already), its checkpoint signed by
 * those keys:
 *   audit_tamper resign SRC DST                 the same leaves
 *   audit_tamper replace-act SRC DST ID FILE N  act ID's leaf and bytes become
 *                                               FILE's act, "applied", count N
 *   audit_tamper append-act SRC DST FILE N      FILE's act appended, "applied"
 *   audit_tamper drop-leaf SRC DST K            leaf K left out
 *   audit_tamper rewrite-leaf SRC DST K         leaf K's district changed
 *   ... --origin O --log-key F --witness-key F --witness NAME
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "jaring/cbor.h"
#include "jaring/centre.h"
#include "jaring/export.h"
#include "jaring/keys.h"
#include "jaring/tlog.h"

#define MAX_LEAVES 100000

static struct jr_buf leaves[MAX_LEAVES];
static uint64_t n_leaves;

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "audit_tamper: %s%s%s\n", what, eb && eb->msg[0] ? ": " : "",
		eb ? eb->msg : "");
	exit(1);
}

static void read_leaves(const char *dir)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf cp = { 0 };
	char path[4096], rel[JR_TLOG_PATH_MAX];
	uint64_t size;

	(void)snprintf(path, sizeof path, "%s/checkpoint", dir);
	if (jr_file_read(path, JR_NOTE_MAX_BYTES, &cp, &eb) != JR_OK)
		die(path, &eb);
	size = strtoull(strchr((char *)cp.base, '\n') + 1, NULL, 10);
	jr_buf_free(&cp);
	if (size > MAX_LEAVES)
		die("too many leaves for a test", NULL);
	for (uint64_t n = 0; n * 256 < size; n++) {
		unsigned width = size - n * 256 >= 256 ? 256 : (unsigned)(size - n * 256);
		struct jr_buf b = { 0 };
		size_t at = 0;

		if (jr_tlog_tile_path(JR_TLOG_ENTRIES, n, width, rel, sizeof rel) != JR_OK)
			die("tile path", NULL);
		(void)snprintf(path, sizeof path, "%s/%s", dir, rel);
		if (jr_file_read(path, 256 * 65538, &b, &eb) != JR_OK)
			die(path, &eb);
		while (at + 2 <= b.len) {
			size_t len = (size_t)b.base[at] << 8 | b.base[at + 1];
			struct jr_buf *l = &leaves[n_leaves++];

			l->base = malloc(len ? len : 1);
			memcpy(l->base, b.base + at + 2, len);
			l->len = len;
			at += 2 + len;
		}
		jr_buf_free(&b);
	}
}

static int source(void *ctx, uint64_t i, struct jr_buf *out)
{
	(void)ctx;
	out->base = malloc(leaves[i].len ? leaves[i].len : 1);
	if (out->base == NULL)
		return JR_ENOMEM;
	memcpy(out->base, leaves[i].base, leaves[i].len);
	out->len = leaves[i].len;
	return JR_OK;
}

struct keys {
	const char *origin, *log_key, *witness_key, *witness;
};

/* The leaves as a log in dst, signed by the keys given. */
static void write_log(const char *dst, const struct keys *k)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *lk = NULL, *wk = NULL;
	struct jr_pubkey lp, wp;
	struct jr_note_verifier lv, wv;
	struct jr_tlog_sqlstore *ss = NULL;
	struct jr_buf note = { 0 }, cosigned = { 0 };
	uint8_t root[JR_TLOG_HASH_BYTES];
	char text[JR_CHECKPOINT_TEXT_MAX + 1];
	size_t len = 0;
	sqlite3 *db = NULL;

	if (jr_key_load(k->log_key, &lk, &eb) != JR_OK || jr_key_load(k->witness_key, &wk, &eb))
		die("keys", &eb);
	if (sqlite3_open(":memory:", &db) != SQLITE_OK || jr_tlog_sqlstore_open(db, &ss, &eb))
		die("store", &eb);
	for (uint64_t i = 0; i < n_leaves; i++)
		if (jr_tlog_append(jr_tlog_sqlstore_get(ss), i, leaves[i].base, leaves[i].len,
			NULL) != JR_OK)
			die("append", NULL);
	if (jr_tlog_root(jr_tlog_sqlstore_get(ss), n_leaves, root) != JR_OK ||
		jr_checkpoint_format(k->origin, n_leaves, root, text, sizeof text, &len) != JR_OK ||
		jr_note_sign(lk, k->origin, (const uint8_t *)text, len, &note, &eb) != JR_OK ||
		jr_checkpoint_cosign(wk, k->witness, (uint64_t)time(NULL), note.base, note.len,
			&cosigned, &eb) != JR_OK)
		die("checkpoint", &eb);
	jr_key_public(lk, &lp);
	jr_key_public(wk, &wp);
	if (jr_note_verifier_make(k->origin, JR_NOTE_ALG_ED25519, lp.sign_pk, &lv) != JR_OK ||
		jr_note_verifier_make(k->witness, JR_NOTE_ALG_COSIG_V1, wp.sign_pk, &wv) != JR_OK)
		die("verifiers", NULL);
	{
		struct jr_tlog_policy pol = { lv, &wv, 1, 1 };
		struct jr_export_source src = { source, NULL };

		if (jr_export_log(&src, n_leaves, cosigned.base, cosigned.len, &pol, dst, NULL,
			NULL, &eb) != JR_OK)
			die("export", &eb);
	}
	jr_tlog_sqlstore_close(ss);
	(void)sqlite3_close(db);
	jr_buf_free(&note);
	jr_buf_free(&cosigned);
	jr_key_free(lk);
	jr_key_free(wk);
}

/* An act entry file (a3 00 01 01 KIND 02 PAYLOAD) as an applied act leaf,
 * its bytes written under dst/act/. */
static void act_leaf(const char *dst, const char *file, uint64_t count, struct jr_buf *leaf)
{
	struct jr_errbuf eb = { 0 };
	struct jr_buf e = { 0 };
	struct jr_centre_leaf l;
	const uint8_t *body = NULL;
	struct jr_cbr r;
	size_t n = 0, blen = 0;
	char hex[2 * JR_HASH_BYTES + 1], rel[80];

	if (jr_file_read(file, 1u << 22, &e, &eb) != JR_OK || e.len < 8)
		die(file, &eb);
	memset(&l, 0, sizeof l);
	l.type = JR_LEAF_ACT;
	l.status = JR_CS_APPLIED;
	l.kind = e.base[4];
	l.n = count;
	if (jr_centre_act_id(e.base, e.len, l.hash) != JR_OK)
		die("not an act", NULL);
	jr_cbr_init(&r, e.base + 6, e.len - 6);
	if (jr_cbr_array(&r, &n) != JR_OK || jr_cbr_bytes(&r, &body, &blen) != JR_OK)
		die("not an act", NULL);
	jr_cbr_init(&r, body, blen);
	if (jr_cbr_map(&r, &n) != JR_OK || jr_cbr_key_uint(&r, 0, 1, &count) != JR_OK ||
		jr_cbr_key_fixed(&r, 1, l.id, JR_ID_BYTES) != JR_OK)
		die("no signer", NULL);
	jr_hex(l.hash, JR_HASH_BYTES, hex);
	(void)snprintf(rel, sizeof rel, "act/%s", hex);
	if (jr_tlog_dir_write(dst, rel, e.base + 6, e.len - 6, &eb) != JR_OK)
		die(rel, &eb);
	if (jr_centre_leaf_encode(&l, leaf) != JR_OK)
		die("leaf", NULL);
	jr_buf_free(&e);
}

static void drop_bytes(const char *dir, uint64_t k)
{
	struct jr_errbuf eb = { 0 };
	char path[4096], rel[JR_TLOG_PATH_MAX];
	uint64_t size = n_leaves, n = k / 256;
	unsigned width = size - n * 256 >= 256 ? 256 : (unsigned)(size - n * 256);
	struct jr_buf b = { 0 };

	for (uint64_t i = n * 256; i < n * 256 + width; i++)
		if (i != k && jr_tlog_bundle_append(&b, 256 * 65538, leaves[i].base,
			leaves[i].len) != JR_OK)
			die("bundle", NULL);
	if (jr_tlog_tile_path(JR_TLOG_ENTRIES, n, width, rel, sizeof rel) != JR_OK)
		die("path", NULL);
	(void)snprintf(path, sizeof path, "%s/%s", dir, rel);
	if (jr_file_write_atomic(path, b.base, b.len, 0644, &eb) != JR_OK)
		die(path, &eb);
	jr_buf_free(&b);
}

int main(int argc, char **argv)
{
	struct keys k = { NULL, NULL, NULL, NULL };
	const char *op, *src, *dst;
	int pos = 0;
	const char *arg[6] = { 0 };

	if (argc < 3 || jr_init() != JR_OK) {
		fputs("usage: audit_tamper OP SRC [DST] ARGS... [--origin O --log-key F"
			" --witness-key F --witness NAME]\n", stderr);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) == 0 && i + 1 < argc) {
			const char *v = argv[++i];

			if (strcmp(argv[i - 1], "--origin") == 0)
				k.origin = v;
			else if (strcmp(argv[i - 1], "--log-key") == 0)
				k.log_key = v;
			else if (strcmp(argv[i - 1], "--witness-key") == 0)
				k.witness_key = v;
			else if (strcmp(argv[i - 1], "--witness") == 0)
				k.witness = v;
		} else if (pos < 6) {
			arg[pos++] = argv[i];
		}
	}
	if (pos < 3)
		die("usage: audit_tamper OP SRC ARG... (see the comment at the top)", NULL);
	for (int i = pos; i < 6; i++)
		arg[i] = "0"; /* an operation's missing numbers read as 0 */
	op = arg[0];
	src = arg[1];
	read_leaves(src);
	if (strcmp(op, "act-of") == 0) {
		uint64_t kind = strtoull(arg[2], NULL, 10);

		for (uint64_t i = 0; i < n_leaves; i++) {
			struct jr_centre_leaf l;
			char hex[2 * JR_HASH_BYTES + 1];

			if (jr_centre_leaf_decode(leaves[i].base, leaves[i].len, &l) == JR_OK &&
				l.type == JR_LEAF_ACT && l.status == JR_CS_APPLIED && l.kind == kind) {
				jr_hex(l.hash, JR_HASH_BYTES, hex);
				printf("%s\n", hex);
			}
		}
		return 0;
	}
	if (strcmp(op, "drop-bytes") == 0) {
		drop_bytes(src, strtoull(arg[2], NULL, 10));
		return 0;
	}
	dst = arg[2];
	if (k.origin == NULL || k.log_key == NULL || k.witness_key == NULL || k.witness == NULL)
		die("the insider's keys are needed", NULL);
	if (strcmp(op, "replace-act") == 0) {
		uint8_t id[JR_HASH_BYTES];
		size_t bin = 0;
		char rel[4200];

		if (sodium_hex2bin(id, sizeof id, arg[3], strlen(arg[3]), NULL, &bin, NULL) != 0)
			die("act id", NULL);
		for (uint64_t i = 0; i < n_leaves; i++) {
			struct jr_centre_leaf l;

			if (jr_centre_leaf_decode(leaves[i].base, leaves[i].len, &l) == JR_OK &&
				l.type == JR_LEAF_ACT && memcmp(l.hash, id, sizeof id) == 0) {
				jr_buf_free(&leaves[i]);
				act_leaf(dst, arg[4], strtoull(arg[5], NULL, 10), &leaves[i]);
			}
		}
		(void)snprintf(rel, sizeof rel, "%s/act/%s", dst, arg[3]);
		(void)unlink(rel);
	} else if (strcmp(op, "append-act") == 0) {
		act_leaf(dst, arg[3], strtoull(arg[4], NULL, 10), &leaves[n_leaves++]);
	} else if (strcmp(op, "drop-leaf") == 0) {
		uint64_t d = strtoull(arg[3], NULL, 10);

		jr_buf_free(&leaves[d]);
		memmove(&leaves[d], &leaves[d + 1], (n_leaves - d - 1) * sizeof leaves[0]);
		n_leaves--;
	} else if (strcmp(op, "rewrite-leaf") == 0) {
		uint64_t d = strtoull(arg[3], NULL, 10);
		struct jr_centre_leaf l;

		if (jr_centre_leaf_decode(leaves[d].base, leaves[d].len, &l) != JR_OK)
			die("leaf", NULL);
		l.n ^= 1; /* a registration's district, a block's height, ... */
		jr_buf_free(&leaves[d]);
		if (jr_centre_leaf_encode(&l, &leaves[d]) != JR_OK)
			die("leaf", NULL);
	} else if (strcmp(op, "resign") != 0) {
		die("unknown operation", NULL);
	}
	write_log(dst, &k);
	return 0;
}
