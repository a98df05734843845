/*
 * C2SP tlog-tiles (jaring/tlog.h): tile paths, hash tiles read from the
 * store, entry bundles, and writing them under a folder for the public
 * export.
 *
 * A hash tile at tile level L holds stored hashes of Merkle level 8L: tile
 * N is hashes N*256 .. N*256+W-1 of that level. A hash exists once its
 * whole subtree does, so the tree of size s has floor(s / 256^(L+1)) full
 * tiles at level L and a partial one of floor(s / 256^L) mod 256 hashes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jaring/keys.h"
#include "jaring/tlog.h"

/* "x001/x234/067": 3-digit groups, all but the last with an 'x'. */
static int put_index(char *out, size_t outlen, size_t *o, uint64_t n)
{
	char groups[7][4];
	size_t g = 0, i;

	do {
		(void)snprintf(groups[g], sizeof groups[g], "%03u", (unsigned)(n % 1000));
		g++;
		n /= 1000;
	} while (n != 0);
	for (i = g; i-- > 0;) {
		int w = snprintf(out + *o, outlen - *o, "%s%s", i > 0 ? "x" : "",
			groups[i]);
		if (w < 0 || (size_t)w >= outlen - *o)
			return JR_ETOOBIG;
		*o += (size_t)w;
		if (i > 0) {
			if (*o + 1 >= outlen)
				return JR_ETOOBIG;
			out[(*o)++] = '/';
			out[*o] = '\0';
		}
	}
	return JR_OK;
}

int jr_tlog_tile_path(int level, uint64_t n, unsigned width, char *out,
	size_t outlen)
{
	size_t o;
	int w, rc;

	if (out == NULL || outlen == 0)
		return JR_EINVAL;
	out[0] = '\0';
	if (level < JR_TLOG_ENTRIES || level > JR_TLOG_TILE_LEVEL_MAX ||
	    width == 0 || width > JR_TLOG_TILE_WIDTH)
		return JR_EINVAL;
	if (level == JR_TLOG_ENTRIES)
		w = snprintf(out, outlen, "tile/entries/");
	else
		w = snprintf(out, outlen, "tile/%d/", level);
	if (w < 0 || (size_t)w >= outlen)
		return JR_ETOOBIG;
	o = (size_t)w;
	if ((rc = put_index(out, outlen, &o, n)) != JR_OK) {
		out[0] = '\0';
		return rc;
	}
	if (width < JR_TLOG_TILE_WIDTH) {
		w = snprintf(out + o, outlen - o, ".p/%u", width);
		if (w < 0 || (size_t)w >= outlen - o) {
			out[0] = '\0';
			return JR_ETOOBIG;
		}
	}
	return JR_OK;
}

int jr_tlog_tile_path_parse(const char *path, size_t len, int *level,
	uint64_t *n, unsigned *width)
{
	char want[JR_TLOG_PATH_MAX];
	size_t i = 5, j;
	uint64_t v = 0, lv = 0;
	unsigned wd = JR_TLOG_TILE_WIDTH;
	int lvl;

	*level = 0;
	*n = 0;
	*width = 0;
	if (path == NULL || len < 7 || len >= JR_TLOG_PATH_MAX ||
	    memcmp(path, "tile/", 5) != 0)
		return JR_EFORMAT;
	if (len > 13 && memcmp(path + 5, "entries/", 8) == 0) {
		lvl = JR_TLOG_ENTRIES;
		i = 13;
	} else {
		for (j = i; j < len && j < i + 2 && path[j] >= '0' && path[j] <= '9'; j++)
			lv = lv * 10 + (uint64_t)(path[j] - '0');
		if (j == i || j >= len || path[j] != '/' || lv > JR_TLOG_TILE_LEVEL_MAX)
			return JR_EFORMAT;
		lvl = (int)lv;
		i = j + 1;
	}
	/* Read the digits and the width leniently, then require that the
	 * canonical spelling is exactly the input. */
	for (; i < len && path[i] != '.'; i++) {
		if (path[i] >= '0' && path[i] <= '9') {
			uint64_t d = (uint64_t)(path[i] - '0');

			if (v > (UINT64_MAX - d) / 10)
				return JR_EFORMAT;
			v = v * 10 + d;
		} else if (path[i] != 'x' && path[i] != '/') {
			return JR_EFORMAT;
		}
	}
	if (i < len) {
		if (len - i < 4 || memcmp(path + i, ".p/", 3) != 0 || len - i > 6)
			return JR_EFORMAT;
		wd = 0;
		for (j = i + 3; j < len; j++) {
			if (path[j] < '0' || path[j] > '9')
				return JR_EFORMAT;
			wd = wd * 10 + (unsigned)(path[j] - '0');
		}
		if (wd == 0 || wd >= JR_TLOG_TILE_WIDTH)
			return JR_EFORMAT;
	}
	if (jr_tlog_tile_path(lvl, v, wd, want, sizeof want) != JR_OK ||
	    strlen(want) != len || memcmp(want, path, len) != 0)
		return JR_EFORMAT;
	*level = lvl;
	*n = v;
	*width = wd;
	return JR_OK;
}

int jr_tlog_tile_read(const struct jr_tlog_store *s, uint64_t size,
	unsigned level, uint64_t n, uint8_t out[JR_TLOG_TILE_BYTES],
	unsigned *width)
{
	uint64_t count, first;
	unsigned w, i, shift;
	int rc;

	if (width == NULL || out == NULL)
		return JR_EINVAL;
	*width = 0;
	if (s == NULL || s->read == NULL || level > JR_TLOG_TILE_LEVEL_MAX ||
	    size > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	shift = 8 * level;
	if (shift >= 64)
		return JR_ENOTFOUND;
	count = size >> shift; /* hashes of Merkle level 8L in this tree */
	if (n > (count >> 8))
		return JR_ENOTFOUND;
	first = n << 8;
	w = count - first >= JR_TLOG_TILE_WIDTH ? JR_TLOG_TILE_WIDTH :
		(unsigned)(count - first);
	if (w == 0)
		return JR_ENOTFOUND; /* empty tiles are never served */
	for (i = 0; i < w; i++) {
		if ((rc = s->read(s->ctx, shift, first + i,
		    out + (size_t)i * JR_TLOG_HASH_BYTES)) != JR_OK) {
			memset(out, 0, JR_TLOG_TILE_BYTES);
			return rc == JR_ENOTFOUND ? JR_ECORRUPT : rc;
		}
	}
	*width = w;
	return JR_OK;
}

/* mkdir -p of the folders of dir/relpath (not of its last part). */
static int make_parents(char *full, struct jr_errbuf *eb)
{
	char *p;

	for (p = strchr(full + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(full, 0755) != 0 && errno != EEXIST) {
			int e = errno;

			(void)jr_errf(eb, JR_EIO, "cannot make folder %s: %s — check "
				"the export drive's space and permissions", full, strerror(e));
			*p = '/';
			return JR_EIO;
		}
		*p = '/';
	}
	return JR_OK;
}

int jr_tlog_dir_write(const char *dir, const char *relpath,
	const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	char full[4096];
	int w, rc;

	if (dir == NULL || relpath == NULL || (p == NULL && len > 0) ||
	    relpath[0] == '/' || strstr(relpath, "..") != NULL)
		return JR_EINVAL;
	w = snprintf(full, sizeof full, "%s/%s", dir, relpath);
	if (w < 0 || (size_t)w >= sizeof full)
		return jr_errf(eb, JR_ETOOBIG, "export path under %s is too long", dir);
	if ((rc = make_parents(full, eb)) != JR_OK)
		return rc;
	return jr_file_write_atomic(full, p, len, 0644, eb);
}

static int export_tile(const struct jr_tlog_store *s, uint64_t size,
	unsigned level, uint64_t n, const char *dir, uint8_t *tile,
	struct jr_errbuf *eb)
{
	char path[JR_TLOG_PATH_MAX];
	unsigned width;
	int rc;

	if ((rc = jr_tlog_tile_read(s, size, level, n, tile, &width)) != JR_OK)
		return jr_errf(eb, rc, "tile %u/%llu of the tree of %llu leaves: %s",
			level, (unsigned long long)n, (unsigned long long)size,
			jr_strerror(rc));
	if ((rc = jr_tlog_tile_path((int)level, n, width, path, sizeof path)) != JR_OK)
		return rc;
	return jr_tlog_dir_write(dir, path, tile, (size_t)width * JR_TLOG_HASH_BYTES, eb);
}

int jr_tlog_tiles_export(const struct jr_tlog_store *s, uint64_t old_size,
	uint64_t new_size, const char *dir, struct jr_errbuf *eb)
{
	uint8_t tile[JR_TLOG_TILE_BYTES];
	uint64_t count, old_count, n;
	unsigned level;
	int rc;

	if (s == NULL || dir == NULL || old_size > new_size || new_size > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	for (level = 0; 8 * level < 64; level++) {
		count = new_size >> (8 * level);
		old_count = old_size >> (8 * level);
		if (count == 0)
			break;
		if (count == old_count)
			continue; /* no hash of this level is new */
		/* From the tile that held the old partial one (or the first new
		 * one) to the last, partial when count is not a multiple of 256. */
		for (n = old_count >> 8; n <= (count - 1) >> 8; n++)
			if ((rc = export_tile(s, new_size, level, n, dir, tile, eb)) != JR_OK)
				return rc;
	}
	return JR_OK;
}

int jr_tlog_bundle_append(struct jr_buf *out, size_t cap,
	const uint8_t *entry, size_t len)
{
	uint8_t *nb;
	size_t want;

	if (out == NULL || (entry == NULL && len > 0))
		return JR_EINVAL;
	if (len > JR_TLOG_ENTRY_MAX || out->len > cap || cap - out->len < 2 + len)
		return JR_ETOOBIG;
	want = out->len + 2 + len;
	if ((nb = realloc(out->base, want)) == NULL)
		return JR_ENOMEM;
	nb[out->len] = (uint8_t)(len >> 8);
	nb[out->len + 1] = (uint8_t)len;
	if (len > 0)
		memcpy(nb + out->len + 2, entry, len);
	out->base = nb;
	out->len = want;
	return JR_OK;
}

int jr_tlog_bundle_check(const uint8_t *bundle, size_t len,
	const uint8_t *tile, unsigned width, struct jr_errbuf *eb)
{
	uint8_t h[JR_TLOG_HASH_BYTES];
	size_t off = 0, elen;
	unsigned i;

	if ((bundle == NULL && len > 0) || width == 0 || width > JR_TLOG_TILE_WIDTH)
		return JR_EINVAL;
	for (i = 0; i < width; i++) {
		if (len - off < 2)
			return jr_errf(eb, JR_EFORMAT, "entry bundle: truncated at "
				"byte %zu, entry %u of %u", off, i, width);
		elen = ((size_t)bundle[off] << 8) | bundle[off + 1];
		off += 2;
		if (len - off < elen)
			return jr_errf(eb, JR_EFORMAT, "entry bundle: entry %u of %u "
				"says %zu bytes, %zu are left", i, width, elen, len - off);
		if (tile != NULL)
			jr_tlog_leaf_hash(bundle + off, elen, h);
		if (tile != NULL && !jr_hash_equal(h, tile + (size_t)i * JR_TLOG_HASH_BYTES))
			return jr_errf(eb, JR_ECORRUPT, "entry bundle: entry %u does "
				"not hash to its leaf in the tile — the bundle or the tile "
				"was altered; fetch both again", i);
		off += elen;
	}
	if (off != len)
		return jr_errf(eb, JR_EFORMAT, "entry bundle: %zu bytes after its "
			"%u entries", len - off, width);
	return JR_OK;
}
