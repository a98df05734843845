/*
 * export.c — the public export of the log and its offline audit
 * (jaring/export.h, docs/export.md). Both sides rebuild the tree from the
 * leaves into a scratch hash store (jr_tlog_filestore), so neither trusts a
 * hash it did not compute and memory stays bounded whatever the log's size.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "jaring/export.h"
#include "jaring/keys.h"

#define BUNDLE_MAX ((size_t)JR_TLOG_TILE_WIDTH * (2 + JR_TLOG_ENTRY_MAX))

/* The tree rebuilt from the leaves, in scratch files (jr_tlog_filestore). */
struct scratch {
	struct jr_tlog_filestore *fs;
	const struct jr_tlog_store *s;
};

static int scratch_open(struct scratch *t, struct jr_errbuf *eb)
{
	int rc;

	memset(t, 0, sizeof *t);
	rc = jr_tlog_filestore_open(&t->fs, eb);
	if (rc == JR_OK)
		t->s = jr_tlog_filestore_get(t->fs);
	return rc;
}

static void scratch_close(struct scratch *t)
{
	jr_tlog_filestore_close(t->fs);
	memset(t, 0, sizeof *t);
}

/* Appends leaf `index` (its hash). */
static int scratch_append(struct scratch *t, uint64_t index, const uint8_t *leaf,
	size_t len, struct jr_errbuf *eb)
{
	int rc = jr_tlog_append(t->s, index, leaf, len, NULL);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "rebuilding the tree at leaf %" PRIu64 ": %s", index,
			rc == JR_EIO ? "cannot write its scratch file; check TMPDIR's space"
			: jr_strerror(rc));
	return JR_OK;
}

static void b64_root(const uint8_t root[JR_TLOG_HASH_BYTES], char out[48])
{
	(void)sodium_bin2base64(out, 48, root, JR_TLOG_HASH_BYTES,
		sodium_base64_VARIANT_ORIGINAL);
}

/* Reads dir/rel whole (at most max bytes). */
static int read_rel(const char *dir, const char *rel, size_t max, struct jr_buf *out,
	struct jr_errbuf *eb)
{
	char path[4096];
	int w = snprintf(path, sizeof path, "%s/%s", dir, rel);

	if (w < 0 || (size_t)w >= sizeof path)
		return jr_errf(eb, JR_ETOOBIG, "path %s/%s is too long", dir, rel);
	return jr_file_read(path, max, out, eb);
}

static int open_checkpoint(const uint8_t *p, size_t len, const struct jr_tlog_policy *policy,
	const char *name, struct jr_checkpoint *cp, size_t *cosigned, struct jr_errbuf *eb)
{
	int rc = jr_checkpoint_open(p, len, policy, cp, cosigned, eb);

	if (rc != JR_OK)
		return jr_errf(eb, rc == JR_EFORMAT ? JR_EFORMAT : JR_ESIG,
			"%s is not a checkpoint the trusted policy accepts", name);
	return JR_OK;
}

int jr_export_log(const struct jr_export_source *src, uint64_t size,
	const uint8_t *checkpoint, size_t checkpoint_len,
	const struct jr_tlog_policy *policy, const char *dir,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb)
{
	struct jr_buf leaf = { NULL, 0 }, bundle = { NULL, 0 }, old = { NULL, 0 };
	uint8_t root[JR_TLOG_HASH_BYTES];
	char path[JR_TLOG_PATH_MAX], rel[40], b1[48], b2[48];
	struct jr_checkpoint cp, prev;
	struct scratch t;
	uint64_t i;
	int rc;

	if (src == NULL || src->leaf == NULL || checkpoint == NULL || policy == NULL ||
	    dir == NULL || size == 0)
		return jr_errf(eb, JR_EINVAL, "export: no leaves, checkpoint, policy or folder given");
	rc = open_checkpoint(checkpoint, checkpoint_len, policy, "the checkpoint to publish",
		&cp, NULL, eb);
	if (rc != JR_OK)
		return rc;
	if (cp.size != size)
		return jr_errf(eb, JR_EINVAL, "export: the checkpoint is for %" PRIu64
			" leaves, the log given has %" PRIu64, cp.size, size);
	if (read_rel(dir, "checkpoint", JR_NOTE_MAX_BYTES, &old, NULL) == JR_OK) {
		rc = open_checkpoint(old.base, old.len, policy, "the folder's checkpoint", &prev,
			NULL, eb);
		jr_buf_free(&old);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "export: %s already holds an export this policy does not "
				"trust; use an empty folder", dir);
		if (prev.size > size)
			return jr_errf(eb, JR_ESTALE, "export: %s holds a log of %" PRIu64
				" leaves, newer than this one of %" PRIu64 "; export from an up-to-date node",
				dir, prev.size, size);
	}
	if ((rc = scratch_open(&t, eb)) != JR_OK)
		return rc;
	for (i = 0; i < size && rc == JR_OK; i++) {
		rc = src->leaf(src->ctx, i, &leaf);
		if (rc != JR_OK) {
			rc = jr_errf(eb, rc, "export: reading leaf %" PRIu64 ": %s", i, jr_strerror(rc));
			break;
		}
		rc = scratch_append(&t, i, leaf.base, leaf.len, eb);
		if (rc == JR_OK && jr_tlog_bundle_append(&bundle, BUNDLE_MAX, leaf.base, leaf.len) != JR_OK)
			rc = jr_errf(eb, JR_ETOOBIG, "export: leaf %" PRIu64 " of %zu bytes is over %d",
				i, leaf.len, JR_TLOG_ENTRY_MAX);
		jr_buf_free(&leaf);
		if (rc == JR_OK && ((i + 1) % JR_TLOG_TILE_WIDTH == 0 || i + 1 == size)) {
			unsigned width = (unsigned)(i % JR_TLOG_TILE_WIDTH) + 1;

			rc = jr_tlog_tile_path(JR_TLOG_ENTRIES, i / JR_TLOG_TILE_WIDTH, width, path,
				sizeof path);
			if (rc == JR_OK)
				rc = jr_tlog_dir_write(dir, path, bundle.base, bundle.len, eb);
			jr_buf_free(&bundle);
		}
		if (progress != NULL && (i % 4096 == 0 || i + 1 == size))
			progress(progress_ctx, i + 1, size);
	}
	jr_buf_free(&bundle);
	if (rc == JR_OK && (rc = jr_tlog_root(t.s, size, root)) == JR_OK &&
	    !jr_hash_equal(root, cp.root)) {
		b64_root(root, b1);
		b64_root(cp.root, b2);
		rc = jr_errf(eb, JR_ECORRUPT, "export: the %" PRIu64 " leaves give root %s but the "
			"checkpoint says %s: this node's log is not the one the cluster signed; "
			"do not publish it, and compare its state hash with the other nodes'",
			size, b1, b2);
	}
	if (rc == JR_OK)
		rc = jr_tlog_tiles_export(t.s, 0, size, dir, eb);
	scratch_close(&t);
	if (rc == JR_OK) {
		(void)snprintf(rel, sizeof rel, "checkpoints/%" PRIu64, size);
		rc = jr_tlog_dir_write(dir, rel, checkpoint, checkpoint_len, eb);
	}
	if (rc == JR_OK)
		rc = jr_tlog_dir_write(dir, "checkpoint", checkpoint, checkpoint_len, eb);
	return rc;
}

/* ---- audit ---- */

struct history {
	uint64_t *sizes;
	size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static bool decimal_name(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0') || strlen(s) > 19)
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	*v = x;
	return true;
}

static int list_history(const char *dir, struct history *h, struct jr_errbuf *eb)
{
	char path[4096];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int w = snprintf(path, sizeof path, "%s/checkpoints", dir);

	memset(h, 0, sizeof *h);
	if (w < 0 || (size_t)w >= sizeof path)
		return jr_errf(eb, JR_ETOOBIG, "path %s/checkpoints is too long", dir);
	d = opendir(path);
	if (d == NULL)
		return jr_errf(eb, JR_ENOTFOUND, "%s: no checkpoints folder — this is not a whole "
			"Jaring export", path);
	while ((de = readdir(d)) != NULL) {
		uint64_t v;

		if (de->d_name[0] == '.')
			continue;
		if (!decimal_name(de->d_name, &v)) {
			closedir(d);
			free(h->sizes);
			h->sizes = NULL;
			return jr_errf(eb, JR_EFORMAT, "%s/%s: a checkpoint's file is named by its tree "
				"size in decimal; this file is not one", path, de->d_name);
		}
		if (h->n == cap) {
			uint64_t *ns = realloc(h->sizes, (cap ? cap * 2 : 16) * sizeof *ns);

			if (ns == NULL) {
				closedir(d);
				return jr_errf(eb, JR_ENOMEM, "out of memory listing %s", path);
			}
			h->sizes = ns;
			cap = cap ? cap * 2 : 16;
		}
		h->sizes[h->n++] = v;
	}
	closedir(d);
	if (h->n > 0)
		qsort(h->sizes, h->n, sizeof *h->sizes, cmp_u64);
	return JR_OK;
}

/* Level-0 tile n (its file's bytes in tile) against the caller's tree of at
 * least `size` leaves, built by the callback from the bundle's entries. */
static int tile_against_tree(const struct jr_tlog_store *s, uint64_t size, uint64_t n,
	const struct jr_buf *tile, const char *tpath, const char *epath, struct jr_errbuf *eb)
{
	uint8_t want[JR_TLOG_TILE_BYTES];
	unsigned width = 0;
	int rc = jr_tlog_tile_read(s, size, 0, n, want, &width);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s: the rebuilt tree has no such tile: %s", tpath,
			jr_strerror(rc));
	if ((size_t)width * JR_TLOG_HASH_BYTES != tile->len ||
	    memcmp(want, tile->base, tile->len) != 0)
		return jr_errf(eb, JR_ECORRUPT, "%s against %s: the entries do not hash to the"
			" tile's leaves — the bundle or the tile was altered; fetch both again",
			epath, tpath);
	return JR_OK;
}

/* Entry bundles of level-0 tiles, in order, into the scratch tree. */
static int audit_entries(const char *dir, uint64_t size, struct scratch *t,
	jr_audit_leaf_cb cb, void *cb_ctx, struct jr_audit_log_report *rep,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb)
{
	struct jr_buf tile = { NULL, 0 }, bundle = { NULL, 0 };
	char tpath[JR_TLOG_PATH_MAX], epath[JR_TLOG_PATH_MAX];
	uint64_t n, tiles = (size + JR_TLOG_TILE_WIDTH - 1) / JR_TLOG_TILE_WIDTH, index = 0;
	int rc = JR_OK;

	for (n = 0; n < tiles && rc == JR_OK; n++) {
		unsigned width = n + 1 < tiles || size % JR_TLOG_TILE_WIDTH == 0 ?
			JR_TLOG_TILE_WIDTH : (unsigned)(size % JR_TLOG_TILE_WIDTH);
		size_t off = 0;
		unsigned i;

		if ((rc = jr_tlog_tile_path(0, n, width, tpath, sizeof tpath)) != JR_OK ||
		    (rc = jr_tlog_tile_path(JR_TLOG_ENTRIES, n, width, epath, sizeof epath)) != JR_OK)
			break;
		if ((rc = read_rel(dir, tpath, JR_TLOG_TILE_BYTES, &tile, eb)) != JR_OK ||
		    (rc = read_rel(dir, epath, BUNDLE_MAX, &bundle, eb)) != JR_OK) {
			rc = jr_errf(eb, rc == JR_EIO ? JR_ENOTFOUND : rc,
				"the export lacks a file the tree of %" PRIu64 " leaves needs", size);
			break;
		}
		if (tile.len != (size_t)width * JR_TLOG_HASH_BYTES) {
			rc = jr_errf(eb, JR_ECORRUPT, "%s: %zu bytes, not %u hashes", tpath, tile.len,
				width);
			break;
		}
		/* Against our own tree, each entry is hashed here; against the
		 * caller's, it is hashed once, as the callback appends it (the
		 * callback's tree holds exactly the leaves handed to it), and the
		 * tile is compared with that tree after the callbacks. */
		rc = jr_tlog_bundle_check(bundle.base, bundle.len, t->fs != NULL ? tile.base : NULL,
			width, eb);
		if (rc != JR_OK) {
			rc = jr_errf(eb, rc == JR_EFORMAT ? JR_EFORMAT : JR_ECORRUPT, "%s against %s",
				epath, tpath);
			break;
		}
		rep->tiles_checked += 2;
		for (i = 0; i < width && rc == JR_OK; i++, index++) {
			size_t len = ((size_t)bundle.base[off] << 8) | bundle.base[off + 1];

			off += 2;
			if (t->fs != NULL)
				rc = scratch_append(t, index, bundle.base + off, len, eb);
			if (rc == JR_OK && cb != NULL)
				rc = cb(cb_ctx, index, bundle.base + off, len, eb);
			off += len;
		}
		if (rc == JR_OK && t->fs == NULL)
			rc = tile_against_tree(t->s, index, n, &tile, tpath, epath, eb);
		jr_buf_free(&tile);
		jr_buf_free(&bundle);
		if (progress != NULL)
			progress(progress_ctx, index, size);
	}
	jr_buf_free(&tile);
	jr_buf_free(&bundle);
	return rc;
}

/* Every hash tile file of the tree of `size` against the rebuilt tree. */
static int audit_tiles(const char *dir, uint64_t size, struct scratch *t,
	struct jr_audit_log_report *rep, struct jr_errbuf *eb)
{
	static uint8_t want[JR_TLOG_TILE_BYTES];
	struct jr_buf got = { NULL, 0 };
	char path[JR_TLOG_PATH_MAX];
	unsigned level, width;
	uint64_t count, n;
	int rc = JR_OK;

	for (level = 1; 8 * level < 64 && rc == JR_OK; level++) {
		count = size >> (8 * level);
		if (count == 0)
			break;
		for (n = 0; n <= (count - 1) >> 8 && rc == JR_OK; n++) {
			if ((rc = jr_tlog_tile_read(t->s, size, level, n, want, &width)) != JR_OK ||
			    (rc = jr_tlog_tile_path((int)level, n, width, path, sizeof path)) != JR_OK)
				break;
			rc = read_rel(dir, path, JR_TLOG_TILE_BYTES, &got, eb);
			if (rc != JR_OK) {
				rc = jr_errf(eb, JR_ENOTFOUND, "the export lacks hash tile %s", path);
				break;
			}
			if (got.len != (size_t)width * JR_TLOG_HASH_BYTES ||
			    memcmp(got.base, want, got.len) != 0)
				rc = jr_errf(eb, JR_ECORRUPT, "%s is not the tile the entries give: "
					"the export was altered", path);
			rep->tiles_checked++;
			jr_buf_free(&got);
		}
	}
	return rc;
}

int jr_audit_log(const char *dir, const struct jr_tlog_policy *policy,
	jr_audit_leaf_cb cb, void *cb_ctx, const struct jr_tlog_store *tree,
	struct jr_audit_log_report *out,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb)
{
	struct jr_buf note = { NULL, 0 };
	struct jr_checkpoint latest, cp;
	uint8_t root[JR_TLOG_HASH_BYTES];
	struct history h = { NULL, 0 };
	struct jr_audit_log_report rep;
	char rel[40], b1[48], b2[48];
	struct scratch t;
	size_t i;
	int rc;

	memset(&rep, 0, sizeof rep);
	if (out != NULL)
		memset(out, 0, sizeof *out);
	if (dir == NULL || policy == NULL)
		return jr_errf(eb, JR_EINVAL, "audit: no export folder or policy given");
	rc = read_rel(dir, "checkpoint", JR_NOTE_MAX_BYTES, &note, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc == JR_EIO ? JR_ENOTFOUND : rc,
			"%s has no readable checkpoint: is it a Jaring export?", dir);
	rc = open_checkpoint(note.base, note.len, policy, "checkpoint", &latest, &rep.cosigned, eb);
	jr_buf_free(&note);
	if (rc != JR_OK)
		return rc;
	(void)snprintf(rep.origin, sizeof rep.origin, "%s", latest.origin);
	rep.size = latest.size;
	if ((rc = list_history(dir, &h, eb)) != JR_OK)
		return rc;
	if (h.n == 0 || h.sizes[h.n - 1] != latest.size) {
		rc = jr_errf(eb, JR_ECORRUPT, "checkpoints/%" PRIu64 " is missing: the latest "
			"checkpoint must be in the history too", latest.size);
		goto done;
	}
	if (tree != NULL) {
		memset(&t, 0, sizeof t);
		t.s = tree; /* the caller's callback builds it: no second tree */
	} else if ((rc = scratch_open(&t, eb)) != JR_OK) {
		goto done;
	}
	if (latest.size > 0)
		rc = audit_entries(dir, latest.size, &t, cb, cb_ctx, &rep, progress, progress_ctx, eb);
	if (rc == JR_OK && latest.size > 0)
		rc = audit_tiles(dir, latest.size, &t, &rep, eb);
	for (i = 0; i < h.n && rc == JR_OK; i++) {
		(void)snprintf(rel, sizeof rel, "checkpoints/%" PRIu64, h.sizes[i]);
		rc = read_rel(dir, rel, JR_NOTE_MAX_BYTES, &note, eb);
		if (rc == JR_OK)
			rc = open_checkpoint(note.base, note.len, policy, rel, &cp, NULL, eb);
		jr_buf_free(&note);
		if (rc != JR_OK)
			break;
		if (cp.size != h.sizes[i] || !jr_note_name_valid(cp.origin, strlen(cp.origin)) ||
		    strcmp(cp.origin, latest.origin) != 0) {
			rc = jr_errf(eb, JR_ECORRUPT, "%s: a checkpoint of size %" PRIu64
				" for log \"%s\" in the file of size %" PRIu64, rel, cp.size, cp.origin,
				h.sizes[i]);
			break;
		}
		if (cp.size == 0)
			jr_tlog_empty_root(root);
		else if ((rc = jr_tlog_root(t.s, cp.size, root)) != JR_OK)
			break;
		if (!jr_hash_equal(root, cp.root)) {
			b64_root(root, b1);
			b64_root(cp.root, b2);
			rc = jr_errf(eb, JR_ECORRUPT, "%s: the first %" PRIu64 " leaves give root %s, "
				"the checkpoint signed %s — the log was rewritten after this checkpoint "
				"was published", rel, cp.size, b1, b2);
		}
	}
	scratch_close(&t);
	rep.checkpoints = h.n;
	rep.oldest_size = h.sizes[0];
done:
	free(h.sizes);
	if (rc == JR_OK && out != NULL)
		*out = rep;
	return rc;
}

/* ---- inclusion proofs from the tiles alone ----
 *
 * A store that reads the export's hash tiles: the hash at tree level h,
 * index i lies in tile level h / 8; for h % 8 = r > 0 it is the subtree of
 * 2^r hashes of that tile, hashed up. Only complete subtrees of the tree of
 * `size` leaves are asked for by jr_tlog_prove_inclusion, so a tile is the
 * full one or the partial one of that size. */
struct tile_store {
	const char *dir;
	uint64_t size;
	int level;  /* the tile held, -2: none */
	uint64_t n;
	unsigned width;
	uint8_t hashes[JR_TLOG_TILE_BYTES];
};

static int tile_load(struct tile_store *t, unsigned level, uint64_t n)
{
	struct jr_buf b = { 0 };
	char rel[JR_TLOG_PATH_MAX];
	uint64_t full = t->size >> (8 * level), width = 256;
	int rc;

	if (t->level == (int)level && t->n == n)
		return JR_OK;
	if (n == full / 256)
		width = full % 256;
	if (width == 0 || jr_tlog_tile_path((int)level, n, (unsigned)width, rel, sizeof rel) !=
		JR_OK)
		return JR_ENOTFOUND;
	rc = read_rel(t->dir, rel, JR_TLOG_TILE_BYTES, &b, NULL);
	if (rc == JR_OK && b.len != width * JR_TLOG_HASH_BYTES)
		rc = JR_ECORRUPT;
	if (rc == JR_OK) {
		memcpy(t->hashes, b.base, b.len);
		t->level = (int)level;
		t->n = n;
		t->width = (unsigned)width;
	}
	jr_buf_free(&b);
	return rc == JR_EIO || rc == JR_ECORRUPT ? rc : rc == JR_OK ? JR_OK : JR_ENOTFOUND;
}

static int subtree(const uint8_t *h, unsigned r, uint8_t out[JR_TLOG_HASH_BYTES])
{
	uint8_t l[JR_TLOG_HASH_BYTES], rr[JR_TLOG_HASH_BYTES];
	size_t half;

	if (r == 0) {
		memcpy(out, h, JR_TLOG_HASH_BYTES);
		return JR_OK;
	}
	half = (size_t)1 << (r - 1);
	(void)subtree(h, r - 1, l);
	(void)subtree(h + half * JR_TLOG_HASH_BYTES, r - 1, rr);
	jr_tlog_node_hash(l, rr, out);
	return JR_OK;
}

static int tile_read(void *ctx, unsigned level, uint64_t index, uint8_t out[JR_TLOG_HASH_BYTES])
{
	struct tile_store *t = ctx;
	unsigned tl = level / 8, r = level % 8;
	uint64_t first = index << r; /* at tree level 8 * tl */
	int rc = tile_load(t, tl, first / 256);
	size_t at = (size_t)(first % 256);

	if (rc != JR_OK)
		return rc;
	if (at + ((size_t)1 << r) > t->width)
		return JR_ENOTFOUND;
	return subtree(t->hashes + at * JR_TLOG_HASH_BYTES, r, out);
}

static int tile_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	(void)ctx;
	(void)level;
	(void)index;
	(void)hash;
	return JR_EEXIST; /* read only */
}

int jr_export_prove_inclusion(const char *dir, uint64_t index, uint64_t size,
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], size_t *n, struct jr_errbuf *eb)
{
	struct tile_store *t = malloc(sizeof *t);
	struct jr_tlog_store s;
	int rc;

	*n = 0;
	if (t == NULL)
		return JR_ENOMEM;
	t->dir = dir;
	t->size = size;
	t->level = -2;
	s.ctx = t;
	s.read = tile_read;
	s.write = tile_write;
	rc = jr_tlog_prove_inclusion(&s, index, size, proof, n);
	free(t);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "%s: the tiles do not give an inclusion proof of leaf"
			" %llu in the tree of %llu (%s): a tile is missing or damaged", dir,
			(unsigned long long)index, (unsigned long long)size, jr_strerror(rc));
	return JR_OK;
}
