/*
 * The drive layout of docs/sync.md: names, listing and checking bundles, the
 * signed index. Nothing here writes.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/sync.h"
#include "sync_int.h"

#define LIST_MAX (1u << 20) /* entries, far above any drive */

void jr_sync_kiosk_dir(const uint8_t id[JR_ID_BYTES], char out[9])
{
	jr_sync_hex8((uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 |
		(uint32_t)id[2] << 8 | id[3], out);
}

void jr_sync_hex8(uint32_t v, char out[9])
{
	static const char digits[] = "0123456789ABCDEF";
	int i;

	for (i = 7; i >= 0; i--) {
		out[i] = digits[v & 15];
		v >>= 4;
	}
	out[8] = '\0';
}

bool jr_sync_parse_hex8(const char *s, uint32_t *v)
{
	uint32_t x = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];
		if (c >= '0' && c <= '9')
			x = x << 4 | (uint32_t)(c - '0');
		else if (c >= 'A' && c <= 'F')
			x = x << 4 | (uint32_t)(c - 'A' + 10);
		else
			return false;
	}
	*v = x;
	return true;
}

/* "HHHHHHHH" + ext exactly (ext with its dot). */
bool jr_sync_name_is(const char *name, const char *ext, uint32_t *v)
{
	return strlen(name) == 8 + strlen(ext) && strcmp(name + 8, ext) == 0 &&
		jr_sync_parse_hex8(name, v);
}

int jr_sync_path(char *out, size_t outlen, struct jr_errbuf *eb, const char *drive,
	const char *a, const char *b, const char *c)
{
	int n = snprintf(out, outlen, "%s/JARING%s%s%s%s%s%s", drive, a ? "/" : "",
		a ? a : "", b ? "/" : "", b ? b : "", c ? "/" : "", c ? c : "");

	if (n < 0 || (size_t)n >= outlen)
		return jr_errf(eb, JR_EINVAL, "drive path %s is too long: mount the drive "
			"at a shorter path", drive);
	return JR_OK;
}

int jr_sync_read_header(const char *path, const char *name, const char *short_msg,
	struct jr_bundle_header *h, uint64_t *size, struct jr_errbuf *eb)
{
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return jr_errf(eb, JR_EIO, "cannot open: %s", strerror(errno));
	if (fstat(fd, &st) != 0 || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		close(fd);
		return jr_errf(eb, JR_EFORMAT, "%s", short_msg);
	}
	close(fd);
	*size = (uint64_t)st.st_size;
	if ((rc = jr_bundle_header_decode(hdr, sizeof hdr, name, h, eb)) != JR_OK ||
	    (rc = jr_bundle_header_verify(h, name, eb)) != JR_OK)
		return rc;
	return JR_OK;
}

int jr_sync_visits_header(const char *drive, const char *kdir, struct jr_bundle_header *h)
{
	struct jr_errbuf eb = { 0 };
	char path[4096], d[9];
	uint64_t size;

	if (jr_sync_path(path, sizeof path, &eb, drive, "UP", kdir, JR_SYNC_VISITS_BUNDLE) !=
		JR_OK || jr_sync_read_header(path, JR_SYNC_VISITS_BUNDLE, "short", h, &size, &eb) !=
		JR_OK)
		return JR_ENOTFOUND;
	jr_sync_kiosk_dir(h->info.sender_id, d);
	return strcmp(d, kdir) == 0 && h->info.kind == JR_BUNDLE_UPSTREAM ? JR_OK : JR_EKEY;
}

/* Fills e->rc/e->why/e->info for one .JRB file of JARING/UP. */
static void check_entry(const char *drive, struct jr_sync_entry *e, uint32_t first)
{
	struct jr_errbuf eb = { 0 };
	struct jr_bundle_header h;
	char path[4096], dir[9];
	uint64_t size = 0;

	e->rc = jr_sync_path(path, sizeof path, &eb, drive, "UP", e->kiosk_dir, e->file);
	if (e->rc != JR_OK)
		goto out;
	if ((e->rc = jr_sync_read_header(path, e->file, "shorter than a bundle header: written "
		     "by an interrupted export; export again", &h, &size, &eb)) != JR_OK)
		goto out;
	jr_sync_kiosk_dir(h.info.sender_id, dir);
	if (h.info.kind != JR_BUNDLE_UPSTREAM)
		e->rc = jr_errf(&eb, JR_EFORMAT, "not an upstream bundle");
	else if (strcmp(dir, e->kiosk_dir) != 0)
		e->rc = jr_errf(&eb, JR_EKEY, "signed by kiosk %s, not by the kiosk of "
			"its folder", dir);
	else if (h.info.first != first)
		e->rc = jr_errf(&eb, JR_EFORMAT, "its name says height %u, its header %llu",
			(unsigned)first, (unsigned long long)h.info.first);
	else if (h.info.first == 0 || h.info.items != h.info.last - h.info.first + 1)
		e->rc = jr_errf(&eb, JR_EFORMAT, "its header does not hold one block per height");
	else if (size != JR_BUNDLE_HEADER_BYTES + h.info.body_len)
		e->rc = jr_errf(&eb, JR_EFORMAT, "%lld bytes long, its header says %llu: "
			"damaged on the drive; export again", (long long)size,
			(unsigned long long)(JR_BUNDLE_HEADER_BYTES + h.info.body_len));
	else
		e->info = h.info;
out:
	if (e->rc != JR_OK)
		snprintf(e->why, sizeof e->why, "%s", eb.msg);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct jr_sync_entry *x = a, *y = b;
	int c = strcmp(x->kiosk_dir, y->kiosk_dir);

	if (c != 0)
		return c;
	return strcmp(x->file, y->file); /* fixed-width hex: order of heights */
}

/* One kiosk folder of the walk: its entries appended to l, each checked. */
static int walk_folder(const char *drive, const char *kdir, const struct jr_sync_walk *w,
	struct jr_sync_listing *l, size_t *cap, struct jr_errbuf *eb)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int rc;

	if ((rc = jr_sync_path(path, sizeof path, eb, drive, w->side, kdir, NULL)) != JR_OK)
		return rc;
	if ((d = opendir(path)) == NULL)
		return jr_errf(eb, JR_EIO, "cannot read folder %s: %s", path, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		const char *nm = de->d_name;
		const char *const *sk;
		size_t len = strlen(nm);
		uint32_t v;
		bool skip = strcmp(nm, ".") == 0 || strcmp(nm, "..") == 0;

		for (sk = w->skip; sk != NULL && *sk != NULL && !skip; sk++)
			skip = strcmp(nm, *sk) == 0;
		if (skip)
			continue;
		if (len > 4 && strcmp(nm + len - 4, ".TMP") == 0) {
			l->tmp++;
			continue;
		}
		if (!jr_sync_name_is(nm, ".JRB", &v)) {
			l->other++;
			continue;
		}
		if (l->n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			struct jr_sync_entry *ne;
			if (nc > LIST_MAX || (ne = realloc(l->e, nc * sizeof *ne)) == NULL) {
				closedir(d);
				return jr_errf(eb, JR_ENOMEM, "too many files under JARING/%s on the "
					"drive to list", w->side);
			}
			l->e = ne;
			*cap = nc;
		}
		memset(&l->e[l->n], 0, sizeof l->e[0]);
		memcpy(l->e[l->n].kiosk_dir, kdir, 9);
		memcpy(l->e[l->n].file, nm, len + 1);
		w->check(drive, &l->e[l->n], v);
		l->n++;
	}
	closedir(d);
	return JR_OK;
}

int jr_sync_walk(const char *drive, const char *only, const struct jr_sync_walk *w,
	struct jr_sync_listing *out, struct jr_errbuf *eb)
{
	char path[4096];
	struct dirent *de;
	size_t cap = 0;
	uint32_t v;
	DIR *d;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = jr_sync_path(path, sizeof path, eb, drive, w->side, NULL, NULL)) != JR_OK)
		return rc;
	if ((d = opendir(path)) == NULL) {
		if (errno == ENOENT)
			return JR_OK;
		return jr_errf(eb, JR_EIO, "cannot read folder %s: %s", path, strerror(errno));
	}
	while ((de = readdir(d)) != NULL) {
		if (strlen(de->d_name) != 8 || !jr_sync_parse_hex8(de->d_name, &v)) {
			if (de->d_name[0] != '.')
				out->other++;
			continue;
		}
		if (only != NULL && strcmp(only, de->d_name) != 0)
			continue;
		if ((rc = walk_folder(drive, de->d_name, w, out, &cap, eb)) != JR_OK) {
			closedir(d);
			jr_sync_listing_free(out);
			return rc;
		}
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->e, out->n, sizeof out->e[0], cmp_entry);
	return JR_OK;
}

int jr_sync_list(const char *drive, const char *only, struct jr_sync_listing *out,
	struct jr_errbuf *eb)
{
	static const char *const skip[] = { "INDEX.JRI", JR_SYNC_VISIT_FILE,
		JR_SYNC_VISITS_BUNDLE, NULL };
	const struct jr_sync_walk w = { "UP", skip, check_entry };

	return jr_sync_walk(drive, only, &w, out, eb);
}

void jr_sync_listing_free(struct jr_sync_listing *l)
{
	if (l == NULL)
		return;
	free(l->e);
	memset(l, 0, sizeof *l);
}

/* ---- the index ---- */

int jr_sync_index_encode(const struct jr_key *kiosk, uint64_t time,
	const struct jr_sync_listing *l, const char *kdir, struct jr_buf *out)
{
	struct jr_pubkey pub;
	struct jr_cbw w;
	struct jr_buf body = { 0 };
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	size_t i, n = 0;
	int rc;

	jr_key_public(kiosk, &pub);
	for (i = 0; i < l->n; i++)
		n += l->e[i].rc == JR_OK && strcmp(l->e[i].kiosk_dir, kdir) == 0;
	jr_cbw_init(&w, JR_SYNC_INDEX_MAX);
	jr_cbw_map(&w, 4);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, 1);
	jr_cbw_bytes(&w, pub.sign_pk, sizeof pub.sign_pk);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, time);
	jr_cbw_uint(&w, 3);
	jr_cbw_array(&w, n);
	for (i = 0; i < l->n; i++) {
		const struct jr_sync_entry *e = &l->e[i];
		if (e->rc != JR_OK || strcmp(e->kiosk_dir, kdir) != 0)
			continue;
		jr_cbw_array(&w, 3);
		jr_cbw_uint(&w, e->info.first);
		jr_cbw_uint(&w, e->info.last);
		jr_cbw_bytes(&w, e->info.id, sizeof e->info.id);
	}
	if ((rc = jr_cbw_finish(&w, &body)) != JR_OK)
		return rc;
	jr_hash(body.base, body.len, h);
	if ((rc = jr_sign_hash(kiosk, JR_SYNC_INDEX_DOMAIN, h, sig)) != JR_OK) {
		jr_buf_free(&body);
		return rc;
	}
	jr_cbw_init(&w, JR_SYNC_INDEX_MAX);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, body.base, body.len);
	jr_cbw_bytes(&w, sig, sizeof sig);
	jr_buf_free(&body);
	return jr_cbw_finish(&w, out);
}

/* Decodes and verifies an index; true if it names exactly the accepted
 * bundles of kdir in l. *valid says whether it verified at all. */
bool jr_sync_index_match(const uint8_t *p, size_t len, const struct jr_sync_listing *l,
	const char *kdir, bool *valid)
{
	struct jr_cbr r, b;
	const uint8_t *body, *sig, *pk;
	size_t body_len, sig_len, pk_len, n, m, i, j = 0;
	uint8_t h[JR_HASH_BYTES], id[JR_ID_BYTES];
	uint64_t t;
	char dir[9];
	bool same = true;

	*valid = false;
	if (jr_cbor_check(p, len, NULL) != JR_OK)
		return false;
	jr_cbr_init(&r, p, len);
	if (jr_cbr_array(&r, &n) != JR_OK || n != 2 || jr_cbr_bytes(&r, &body, &body_len) != JR_OK ||
	    jr_cbr_bytes(&r, &sig, &sig_len) != JR_OK || sig_len != JR_SIG_BYTES ||
	    jr_cbr_end(&r) != JR_OK)
		return false;
	if (jr_cbor_check(body, body_len, NULL) != JR_OK)
		return false;
	jr_cbr_init(&b, body, body_len);
	if (jr_cbr_map(&b, &n) != JR_OK || n != 4 || jr_cbr_key_uint(&b, 0, 1, &t) != JR_OK ||
	    t != 1 || jr_cbr_key(&b, 1) != JR_OK || jr_cbr_bytes(&b, &pk, &pk_len) != JR_OK ||
	    pk_len != JR_SIGN_PK_BYTES || jr_cbr_key_uint(&b, 2, INT64_MAX, &t) != JR_OK ||
	    jr_cbr_key(&b, 3) != JR_OK || jr_cbr_array(&b, &m) != JR_OK)
		return false;
	jr_keyid_from_pk(pk, id);
	jr_sync_kiosk_dir(id, dir);
	jr_hash(body, body_len, h);
	if (strcmp(dir, kdir) != 0 || jr_verify_hash(pk, JR_SYNC_INDEX_DOMAIN, h, sig) != JR_OK)
		return false;
	for (i = 0; i < m; i++) {
		uint64_t first, last;
		const uint8_t *bid;
		size_t bid_len, k;

		if (jr_cbr_array(&b, &k) != JR_OK || k != 3 || jr_cbr_uint(&b, &first) != JR_OK ||
		    jr_cbr_uint(&b, &last) != JR_OK || jr_cbr_bytes(&b, &bid, &bid_len) != JR_OK ||
		    bid_len != JR_HASH_BYTES)
			return false;
		while (j < l->n && (l->e[j].rc != JR_OK || strcmp(l->e[j].kiosk_dir, kdir) != 0))
			j++;
		if (j == l->n || l->e[j].info.first != first || l->e[j].info.last != last ||
		    sodium_memcmp(l->e[j].info.id, bid, JR_HASH_BYTES) != 0)
			same = false;
		else
			j++;
	}
	if (jr_cbr_end(&b) != JR_OK)
		return false;
	*valid = true;
	while (j < l->n && (l->e[j].rc != JR_OK || strcmp(l->e[j].kiosk_dir, kdir) != 0))
		j++;
	return same && j == l->n;
}

enum jr_sync_index_state jr_sync_index_check(const char *drive,
	const struct jr_sync_listing *l, const char *kiosk_dir)
{
	char path[4096];
	struct jr_buf buf = { 0 };
	struct jr_errbuf eb = { 0 };
	bool valid, same;
	struct stat st;

	if (jr_sync_path(path, sizeof path, &eb, drive, "UP", kiosk_dir, "INDEX.JRI") != JR_OK)
		return JR_SYNC_INDEX_BAD;
	if (stat(path, &st) != 0)
		return JR_SYNC_INDEX_NONE;
	if (jr_file_read(path, JR_SYNC_INDEX_MAX, &buf, &eb) != JR_OK)
		return JR_SYNC_INDEX_BAD;
	same = jr_sync_index_match(buf.base, buf.len, l, kiosk_dir, &valid);
	jr_buf_free(&buf);
	if (!valid)
		return JR_SYNC_INDEX_BAD;
	return same ? JR_SYNC_INDEX_OK : JR_SYNC_INDEX_BEHIND;
}

/* ---- reading a bundle whole ---- */

int jr_sync_verify_bundle(const char *drive, const struct jr_sync_entry *e,
	const struct jr_key *recipient, struct jr_errbuf *eb)
{
	struct jr_bundle_reader *r = NULL;
	struct jr_bundle_info info;
	char path[4096];
	uint64_t want;
	int fd, rc, kind;

	if (e->rc != JR_OK)
		return jr_errf(eb, e->rc, "%s", e->why);
	if ((rc = jr_sync_path(path, sizeof path, eb, drive, "UP", e->kiosk_dir, e->file)) != JR_OK)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jr_errf(eb, JR_EIO, "cannot open %s: %s", path, strerror(errno));
	rc = jr_bundle_reader_open_fd(fd, e->file, recipient, e->info.sender_pk, &r, &info, eb);
	for (want = e->info.first; rc == JR_OK; want++) {
		const uint8_t *p, *body, *sig;
		size_t len, body_len;
		struct jr_block blk;
		uint8_t h[JR_HASH_BYTES];

		if ((rc = jr_bundle_reader_next(r, &kind, &p, &len, eb)) != JR_OK || kind == 0)
			break;
		if (kind != JR_ITEM_BLOCK || want > e->info.last) {
			rc = jr_errf(eb, JR_EFORMAT, "bundle %s: item %llu is not the block "
				"its header promises", e->file, (unsigned long long)(want - e->info.first + 1));
			break;
		}
		if ((rc = jr_signed_block_decode(p, len, &body, &body_len, &sig, eb)) != JR_OK ||
		    (rc = jr_block_decode(body, body_len, &blk, eb)) != JR_OK)
			break;
		jr_hash(body, body_len, h);
		if (blk.height != want ||
		    sodium_memcmp(blk.kiosk_id, e->info.sender_id, JR_ID_BYTES) != 0) {
			rc = jr_errf(eb, JR_EFORMAT, "bundle %s: holds block %llu of kiosk where "
				"block %llu of its sender belongs", e->file,
				(unsigned long long)blk.height, (unsigned long long)want);
			break;
		}
		if ((rc = jr_block_verify_sig(e->info.sender_pk, h, sig)) != JR_OK) {
			rc = jr_errf(eb, JR_ESIG, "bundle %s: block %llu's signature does not "
				"verify", e->file, (unsigned long long)want);
			break;
		}
	}
	if (rc == JR_OK && want != e->info.last + 1)
		rc = jr_errf(eb, JR_EFORMAT, "bundle %s: fewer blocks than its header says", e->file);
	if (rc == JR_OK)
		rc = jr_bundle_reader_end(r, eb);
	jr_bundle_reader_free(r);
	close(fd);
	return rc;
}
