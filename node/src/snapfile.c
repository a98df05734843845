/*
 * snapfile.c — the node's snapshot files (docs/node.md "Snapshots").
 *
 * A snapshot libraft holds is 64 bytes (struct jr_snap_ref): which node took
 * it, at which entry, and the size and BLAKE2b-256 digest of a copy of the
 * state file kept beside it in data_dir/snapshots/. Neither taking one, nor
 * restoring one, nor handing one to a peer that installs it ever holds the
 * state in memory: every step streams.
 *
 * A peer fetches the copy over the HTTP API (GET /v1/snapshots/<name>). The
 * state holds sealed personal data and the API is public, so the request is
 * authenticated and the answer encrypted with keys only holders of the
 * genesis consortium key can derive (docs/http.md "Snapshots"):
 *   S    = X25519(consortium secret, consortium public)      same on every node
 *   R    = BLAKE2b-256("jaring/node-snapshot/v1" 0x00 || S || nonce || name)
 *   mac  = BLAKE2b-256("jaring/node-snapshot-mac/v1" 0x00 || R)
 *   key  = BLAKE2b-256("jaring/node-snapshot-key/v1" 0x00 || R)
 * with a fresh 32-byte nonce per request; the answer is a secretstream
 * (XChaCha20-Poly1305) of the file in 64 KiB chunks, the last tagged FINAL.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>
#include <sqlite3.h>

#include "node.h"

#define REF_MAGIC "JRNSNAP1"
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define HBYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define CIPHER_CHUNK (JR_SNAP_CHUNK + ABYTES)
#define FETCH_ROUNDS 3

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void jr_snap_ref_encode(const struct jr_snap_ref *r, uint8_t out[JR_SNAP_REF_BYTES])
{
	memcpy(out, REF_MAGIC, 8);
	put64(out + 8, r->origin);
	put64(out + 16, r->index);
	put64(out + 24, r->size);
	memcpy(out + 32, r->digest, JR_HASH_BYTES);
}

int jr_snap_ref_decode(const uint8_t *p, size_t len, struct jr_snap_ref *out)
{
	memset(out, 0, sizeof *out);
	if (len != JR_SNAP_REF_BYTES || memcmp(p, REF_MAGIC, 8) != 0)
		return JR_EFORMAT;
	out->origin = get64(p + 8);
	out->index = get64(p + 16);
	out->size = get64(p + 24);
	memcpy(out->digest, p + 32, JR_HASH_BYTES);
	if (out->origin == 0 || out->index == 0 || out->size == 0 || out->size > INT64_MAX) {
		memset(out, 0, sizeof *out);
		return JR_EFORMAT;
	}
	return JR_OK;
}

void jr_snap_name(uint64_t index, const uint8_t digest[JR_HASH_BYTES],
	char out[JR_SNAP_NAME_MAX])
{
	char hex[2 * JR_HASH_BYTES + 1];

	jr_hex(digest, JR_HASH_BYTES, hex);
	(void)snprintf(out, JR_SNAP_NAME_MAX, "%llu-%s", (unsigned long long)index, hex);
}

/* dir/name.db, or dir/name itself when suffix is "" */
static int path_of(char *out, size_t cap, const char *dir, const char *name,
	const char *suffix)
{
	int n = snprintf(out, cap, "%s/%s%s", dir, name, suffix);

	return n < 0 || (size_t)n >= cap ? JR_ETOOBIG : JR_OK;
}

static int sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return JR_EIO;
	rc = fsync(fd) == 0 ? JR_OK : JR_EIO;
	(void)close(fd);
	return rc;
}

int jr_snap_secret(const struct jr_key *consortium, uint8_t *out)
{
	struct jr_pubkey pub;

	jr_key_public(consortium, &pub);
	return jr_key_box_shared(consortium, pub.box_pk, out);
}

/* R, then the request's MAC and the answer's stream key from it. */
static int request_keys(const uint8_t *secret, const char *name,
	const uint8_t nonce[JR_SNAP_NONCE_BYTES], uint8_t mac[JR_HASH_BYTES],
	uint8_t key[JR_HASH_BYTES])
{
	uint8_t *r = sodium_malloc(JR_HASH_BYTES);
	struct jr_part parts[3] = {
		{ secret, 32 },
		{ nonce, JR_SNAP_NONCE_BYTES },
		{ (const uint8_t *)name, strlen(name) }, /* the one variable part, last */
	};
	int rc;

	if (r == NULL)
		return JR_ENOMEM;
	rc = jr_hash_labelled("jaring/node-snapshot/v1", parts, 3, r, JR_HASH_BYTES);
	parts[0].p = r;
	parts[0].len = JR_HASH_BYTES;
	if (rc == JR_OK && mac != NULL)
		rc = jr_hash_labelled("jaring/node-snapshot-mac/v1", parts, 1, mac,
			JR_HASH_BYTES);
	if (rc == JR_OK && key != NULL)
		rc = jr_hash_labelled("jaring/node-snapshot-key/v1", parts, 1, key,
			JR_HASH_BYTES);
	sodium_free(r);
	return rc;
}

/* What digest_copy reads: a file descriptor, or an SQLite connection's own
 * handle on its database file (a descriptor of ours on that file, once
 * closed, would drop the POSIX locks SQLite holds on it: fcntl(2)). */
struct source {
	int fd;
	sqlite3_file *file;
	sqlite3_int64 size; /* of file */
};

static ssize_t source_read(const struct source *s, uint8_t *buf, size_t cap, uint64_t off)
{
	ssize_t got;

	if (s->file != NULL) {
		size_t n = off >= (uint64_t)s->size ? 0 : (uint64_t)s->size - off;

		if (n > cap)
			n = cap;
		if (n == 0)
			return 0;
		return s->file->pMethods->xRead(s->file, buf, (int)n, (sqlite3_int64)off) ==
				SQLITE_OK ? (ssize_t)n : -1;
	}
	do
		got = pread(s->fd, buf, cap, (off_t)off);
	while (got < 0 && errno == EINTR);
	return got;
}

/* Reads src from its start to the end: its size and BLAKE2b-256 digest,
 * and writes every byte to out_fd as well unless it is -1. */
static int digest_copy(const struct source *src, int out_fd, uint64_t *size,
	uint8_t digest[JR_HASH_BYTES])
{
	crypto_generichash_state st;
	uint8_t *buf = malloc(JR_SNAP_CHUNK);
	uint64_t n = 0;
	int rc = JR_OK;

	if (buf == NULL)
		return JR_ENOMEM;
	(void)crypto_generichash_init(&st, NULL, 0, JR_HASH_BYTES);
	for (;;) {
		ssize_t got = source_read(src, buf, JR_SNAP_CHUNK, n);

		if (got < 0) {
			rc = JR_EIO;
			break;
		}
		if (got == 0)
			break;
		(void)crypto_generichash_update(&st, buf, (unsigned long long)got);
		for (ssize_t done = 0; out_fd >= 0 && done < got;) {
			ssize_t w = write(out_fd, buf + done, (size_t)(got - done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				rc = JR_EIO;
				goto out;
			}
			done += w;
		}
		n += (uint64_t)got;
	}
out:
	(void)crypto_generichash_final(&st, digest, JR_HASH_BYTES);
	*size = n;
	free(buf);
	return rc;
}

int jr_snap_pin(sqlite3 *r, bool *as_file)
{
	sqlite3_stmt *st = NULL;
	int log = -1, done = -1, rc = JR_EIO;

	/* r has no busy handler: with a reader elsewhere still on older
	 * frames, or a writer, the checkpoint gives up at once. */
	*as_file = sqlite3_exec(r, "PRAGMA synchronous=OFF", NULL, NULL, NULL) == SQLITE_OK &&
		sqlite3_wal_checkpoint_v2(r, "main", SQLITE_CHECKPOINT_TRUNCATE, &log, &done) ==
			SQLITE_OK && log == 0;
	/* BEGIN is deferred: the first read takes the WAL read snapshot. */
	if (sqlite3_exec(r, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return JR_EIO;
	if (sqlite3_prepare_v2(r, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) ==
		    SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		rc = JR_OK;
	(void)sqlite3_finalize(st);
	if (rc != JR_OK)
		(void)sqlite3_exec(r, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* The file's bytes, through r's own handle on it (jr_snap_pin's as_file). */
static int copy_file(sqlite3 *r, const char *tmp, struct jr_snap_ref *out,
	struct jr_errbuf *eb)
{
	struct source src = { .fd = -1 };
	int fd, rc;

	if (sqlite3_file_control(r, "main", SQLITE_FCNTL_FILE_POINTER, &src.file) !=
		    SQLITE_OK || src.file == NULL || src.file->pMethods == NULL ||
	    src.file->pMethods->xFileSize(src.file, &src.size) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "snapshot %s: the state file's size is unknown", tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) < 0)
		return jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp, strerror(errno));
	rc = digest_copy(&src, fd, &out->size, out->digest);
	if (rc == JR_OK && fsync(fd) != 0)
		rc = JR_EIO;
	if (close(fd) != 0)
		rc = JR_EIO;
	if (rc != JR_OK)
		return jr_errf(eb, JR_EIO, "snapshot %s: copying the state file failed (%s);"
			" check the disk", tmp, strerror(errno));
	if (out->size != (uint64_t)src.size || out->size == 0)
		return jr_errf(eb, JR_EIO, "snapshot %s: %llu bytes copied of the state file's"
			" %lld; check the disk", tmp, (unsigned long long)out->size,
			(long long)src.size);
	return JR_OK;
}

/* Page by page with SQLite's online backup, inside r's read transaction. */
static int copy_pages(sqlite3 *src, const char *tmp, struct jr_snap_ref *out,
	struct jr_errbuf *eb)
{
	struct source in = { .fd = -1 };
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc;

	/* The copy is written once, whole, then fsync'd and renamed: no journal,
	 * no syncs of SQLite's own. Its page cache is all the memory it takes. */
	if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK ||
	    sqlite3_exec(dst, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", NULL, NULL,
		    NULL) != SQLITE_OK) {
		rc = jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp,
			dst != NULL ? sqlite3_errmsg(dst) : "out of memory");
		(void)sqlite3_close(dst);
		return rc;
	}
	/* src is inside the read transaction jr_snap_pin opened: the backup
	 * reads within it (it opens none of its own), so the copy is the state
	 * as of that entry while apply goes on committing. */
	b = sqlite3_backup_init(dst, "main", src, "main");
	if (b == NULL) {
		rc = jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp, sqlite3_errmsg(dst));
		(void)sqlite3_close(dst);
		return rc;
	}
	rc = sqlite3_backup_step(b, -1);
	(void)sqlite3_backup_finish(b);
	if (rc != SQLITE_DONE) {
		(void)sqlite3_close(dst);
		return jr_errf(eb, JR_EIO, "snapshot %s: copying the state: %s", tmp,
			sqlite3_errstr(rc));
	}
	if (sqlite3_close(dst) != SQLITE_OK)
		return jr_errf(eb, JR_EIO, "snapshot %s: closing the copy", tmp);
	if ((in.fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0)
		return jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp, strerror(errno));
	rc = digest_copy(&in, -1, &out->size, out->digest);
	if (rc == JR_OK && fsync(in.fd) != 0)
		rc = JR_EIO;
	(void)close(in.fd);
	if (rc != JR_OK || out->size == 0)
		return jr_errf(eb, JR_EIO, "snapshot %s: reading the copy back failed", tmp);
	return JR_OK;
}

int jr_snap_take(sqlite3 *src, bool as_file, const char *dir, uint64_t origin,
	uint64_t index, struct jr_snap_ref *out, struct jr_errbuf *eb)
{
	char tmp[JR_NODE_PATH_MAX + 16], final[JR_NODE_PATH_MAX + JR_SNAP_NAME_MAX + 8];
	char name[JR_SNAP_NAME_MAX];
	int rc;

	memset(out, 0, sizeof *out);
	if (path_of(tmp, sizeof tmp, dir, "take", ".tmp") != JR_OK)
		return jr_errf(eb, JR_ETOOBIG, "snapshot folder %s: path too long", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return jr_errf(eb, JR_EIO, "snapshot folder %s: %s", dir, strerror(errno));
	(void)unlink(tmp);
	rc = as_file ? copy_file(src, tmp, out, eb) : copy_pages(src, tmp, out, eb);
	if (rc != JR_OK)
		goto fail;
	out->origin = origin;
	out->index = index;
	jr_snap_name(index, out->digest, name);
	if (path_of(final, sizeof final, dir, name, ".db") != JR_OK ||
	    rename(tmp, final) != 0 || sync_dir(dir) != JR_OK) {
		rc = jr_errf(eb, JR_EIO, "snapshot %s: cannot put it in place: %s", tmp,
			strerror(errno));
		goto fail;
	}
	return JR_OK;
fail:
	(void)unlink(tmp);
	memset(out, 0, sizeof *out);
	return rc;
}

int jr_snap_install(const char *dir, const struct jr_snap_ref *r, const char *state,
	struct jr_errbuf *eb)
{
	char name[JR_SNAP_NAME_MAX], from[JR_NODE_PATH_MAX + JR_SNAP_NAME_MAX + 8];
	char tmp[JR_NODE_PATH_MAX + 16], parent[JR_NODE_PATH_MAX];
	uint8_t digest[JR_HASH_BYTES];
	uint64_t size = 0;
	const char *slash = strrchr(state, '/');
	struct source src = { .fd = -1 };
	int in, out, rc;

	jr_snap_name(r->index, r->digest, name);
	if (path_of(from, sizeof from, dir, name, ".db") != JR_OK ||
	    snprintf(tmp, sizeof tmp, "%s.restore", state) >= (int)sizeof tmp ||
	    slash == NULL || (size_t)(slash - state) >= sizeof parent)
		return jr_errf(eb, JR_ETOOBIG, "state %s: path too long", state);
	memcpy(parent, state, (size_t)(slash - state));
	parent[slash - state] = '\0';
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return jr_errf(eb, errno == ENOENT ? JR_ENOTFOUND : JR_EIO, "snapshot %s: %s",
			from, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0) {
		(void)close(in);
		return jr_errf(eb, JR_EIO, "state %s: %s", tmp, strerror(errno));
	}
	src.fd = in;
	rc = digest_copy(&src, out, &size, digest);
	(void)close(in);
	if (rc == JR_OK && fsync(out) != 0)
		rc = JR_EIO;
	if (close(out) != 0)
		rc = JR_EIO;
	if (rc != JR_OK) {
		(void)unlink(tmp);
		return jr_errf(eb, rc, "restoring %s into %s failed (%s); check the disk",
			from, state, strerror(errno));
	}
	if (size != r->size || !jr_hash_equal(digest, r->digest)) {
		(void)unlink(tmp);
		return jr_errf(eb, JR_ECORRUPT, "snapshots/%.24s… is damaged (%s): check "
			"the disk, delete raft/, snapshots/ and state.db, join the node again",
			name, size != r->size ? "its size changed" : "its digest changed");
	}
	if (rename(tmp, state) != 0 || sync_dir(parent) != JR_OK) {
		(void)unlink(tmp);
		return jr_errf(eb, JR_EIO, "state %s: %s", state, strerror(errno));
	}
	return JR_OK;
}

/* "<index>-<64 hex>.db": its index, or 0 for any other name. */
static uint64_t name_index(const char *s)
{
	const char *dash = strchr(s, '-');
	uint64_t index = 0;
	uint8_t d[JR_HASH_BYTES];
	size_t n = strlen(s);

	if (dash == NULL || n < 4 || strcmp(s + n - 3, ".db") != 0 ||
	    jr_http_parse_u64(s, (size_t)(dash - s), INT64_MAX, &index) != JR_OK ||
	    jr_http_parse_hex(dash + 1, (size_t)(s + n - 3 - dash - 1), d, JR_HASH_BYTES) !=
		    JR_OK)
		return 0;
	return index;
}

void jr_snap_prune(const char *dir, unsigned keep)
{
	uint64_t newest[JR_SNAP_KEEP_MAX] = { 0 };
	char p[JR_NODE_PATH_MAX + 300];
	struct dirent *de;
	DIR *d;

	if (keep == 0 || keep > JR_SNAP_KEEP_MAX || (d = opendir(dir)) == NULL)
		return;
	/* the `keep` highest indices */
	while ((de = readdir(d)) != NULL) {
		uint64_t ix = name_index(de->d_name);

		for (unsigned i = 0; ix > 0 && i < keep; i++) {
			if (ix == newest[i])
				break;
			if (ix > newest[i]) {
				memmove(newest + i + 1, newest + i,
					(keep - i - 1) * sizeof newest[0]);
				newest[i] = ix;
				break;
			}
		}
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL) {
		uint64_t ix = name_index(de->d_name);
		bool kept = false;

		for (unsigned i = 0; i < keep; i++)
			kept = kept || ix == newest[i];
		/* a reader serving it keeps its descriptor: unlink is safe */
		if (ix > 0 && !kept && path_of(p, sizeof p, dir, de->d_name, "") == JR_OK)
			(void)unlink(p);
	}
	closedir(d);
}

/* ---- serving one to a peer ---------------------------------------------- */

struct jr_snap_reader {
	int fd;
	uint64_t size; /* plaintext */
	uint64_t total; /* what the answer carries */
	uint64_t chunk; /* the next chunk to encrypt */
	uint64_t n_chunks;
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t *plain; /* JR_SNAP_CHUNK */
	uint8_t out[HBYTES > CIPHER_CHUNK ? HBYTES : CIPHER_CHUNK];
	size_t out_len, out_at;
	uint64_t pos; /* bytes handed out so far */
};

uint64_t jr_snap_answer_bytes(uint64_t size)
{
	uint64_t n = (size + JR_SNAP_CHUNK - 1) / JR_SNAP_CHUNK;

	return HBYTES + size + n * ABYTES;
}

int jr_snap_reader_open(const char *dir, const uint8_t *secret, uint64_t index,
	const uint8_t digest[JR_HASH_BYTES], const uint8_t nonce[JR_SNAP_NONCE_BYTES],
	const uint8_t mac[JR_HASH_BYTES], struct jr_snap_reader **out, uint64_t *total,
	struct jr_errbuf *eb)
{
	char name[JR_SNAP_NAME_MAX], path[JR_NODE_PATH_MAX + JR_SNAP_NAME_MAX + 8];
	uint8_t want[JR_HASH_BYTES], *key = sodium_malloc(JR_HASH_BYTES);
	struct jr_snap_reader *rd = NULL;
	struct stat st;
	int rc;

	*out = NULL;
	*total = 0;
	if (key == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory");
	jr_snap_name(index, digest, name);
	rc = request_keys(secret, name, nonce, want, key);
	if (rc == JR_OK && sodium_memcmp(want, mac, JR_HASH_BYTES) != 0)
		rc = jr_errf(eb, JR_EKEY, "the request's mac does not verify: only nodes "
			"holding the consortium key fetch snapshots");
	if (rc == JR_OK && path_of(path, sizeof path, dir, name, ".db") != JR_OK)
		rc = jr_errf(eb, JR_ETOOBIG, "path too long");
	if (rc == JR_OK && (rd = calloc(1, sizeof *rd)) == NULL)
		rc = jr_errf(eb, JR_ENOMEM, "no memory");
	if (rc == JR_OK && (rd->plain = malloc(JR_SNAP_CHUNK)) == NULL)
		rc = jr_errf(eb, JR_ENOMEM, "no memory");
	if (rd != NULL)
		rd->fd = -1;
	if (rc == JR_OK && (rd->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		rc = jr_errf(eb, errno == ENOENT ? JR_ENOTFOUND : JR_EIO,
			"snapshot %s is not on this node (any more): ask for its newest", name);
	if (rc == JR_OK && (fstat(rd->fd, &st) != 0 || st.st_size <= 0))
		rc = jr_errf(eb, JR_EIO, "snapshot %s cannot be read", name);
	if (rc != JR_OK) {
		sodium_free(key);
		jr_snap_reader_free(rd);
		return rc;
	}
	rd->size = (uint64_t)st.st_size;
	rd->n_chunks = (rd->size + JR_SNAP_CHUNK - 1) / JR_SNAP_CHUNK;
	rd->total = jr_snap_answer_bytes(rd->size);
	(void)crypto_secretstream_xchacha20poly1305_init_push(&rd->st, rd->out, key);
	rd->out_len = HBYTES;
	sodium_free(key);
	*out = rd;
	*total = rd->total;
	return JR_OK;
}

long jr_snap_reader_read(struct jr_snap_reader *rd, uint64_t pos, uint8_t *buf,
	size_t max)
{
	size_t n;

	if (pos != rd->pos)
		return -1; /* the answer is read once, in order */
	if (rd->out_at == rd->out_len) {
		size_t len;
		ssize_t got;
		unsigned long long clen = 0;
		uint8_t tag;

		if (rd->chunk == rd->n_chunks)
			return 0;
		len = rd->chunk + 1 < rd->n_chunks ? JR_SNAP_CHUNK :
			(size_t)(rd->size - rd->chunk * JR_SNAP_CHUNK);
		do
			got = pread(rd->fd, rd->plain, len, (off_t)(rd->chunk * JR_SNAP_CHUNK));
		while (got < 0 && errno == EINTR);
		if (got != (ssize_t)len)
			return -1;
		tag = rd->chunk + 1 == rd->n_chunks ?
			crypto_secretstream_xchacha20poly1305_TAG_FINAL : 0;
		(void)crypto_secretstream_xchacha20poly1305_push(&rd->st, rd->out, &clen,
			rd->plain, len, NULL, 0, tag);
		rd->out_len = (size_t)clen;
		rd->out_at = 0;
		rd->chunk++;
	}
	n = rd->out_len - rd->out_at;
	if (n > max)
		n = max;
	memcpy(buf, rd->out + rd->out_at, n);
	rd->out_at += n;
	rd->pos += n;
	return (ssize_t)n;
}

void jr_snap_reader_free(struct jr_snap_reader *rd)
{
	if (rd == NULL)
		return;
	if (rd->fd >= 0)
		(void)close(rd->fd);
	free(rd->plain);
	sodium_memzero(&rd->st, sizeof rd->st);
	free(rd);
}

/* ---- fetching one from a peer --------------------------------------------- */

struct fetch {
	const struct jr_snap_ref *ref;
	int fd;
	crypto_secretstream_xchacha20poly1305_state st;
	crypto_generichash_state h;
	uint8_t *key;
	uint8_t in[CIPHER_CHUNK];
	uint8_t plain[JR_SNAP_CHUNK];
	size_t in_len;
	bool header_done;
	uint64_t written; /* plaintext */
	bool final, bad;
	char err[200]; /* the peer's error answer, for the message */
	size_t err_len;
	long status;
	CURL *curl;
};

static size_t on_fetch(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * nmemb, used = 0;

	while (used < len && !f->bad) {
		size_t want, take;

		if (!f->header_done) {
			want = HBYTES;
		} else {
			uint64_t left = f->ref->size - f->written;

			if (f->final) {
				f->bad = true; /* bytes after the final chunk */
				break;
			}
			want = (size_t)(left < JR_SNAP_CHUNK ? left : JR_SNAP_CHUNK) + ABYTES;
		}
		take = want - f->in_len;
		if (take > len - used)
			take = len - used;
		memcpy(f->in + f->in_len, p + used, take);
		f->in_len += take;
		used += take;
		if (f->in_len < want)
			break;
		if (!f->header_done) {
			if (crypto_secretstream_xchacha20poly1305_init_pull(&f->st, f->in,
				    f->key) != 0)
				f->bad = true;
			f->header_done = true;
		} else {
			unsigned long long mlen = 0;
			uint8_t tag = 0;
			uint8_t *plain = f->plain;
			bool last = f->ref->size - f->written <= JR_SNAP_CHUNK;

			if (crypto_secretstream_xchacha20poly1305_pull(&f->st, plain, &mlen,
				    &tag, f->in, f->in_len, NULL, 0) != 0 ||
			    (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL) != last) {
				f->bad = true;
				break;
			}
			(void)crypto_generichash_update(&f->h, plain, mlen);
			for (size_t done = 0; done < mlen;) {
				ssize_t w = write(f->fd, plain + done, (size_t)mlen - done);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					f->bad = true;
					break;
				}
				done += (size_t)w;
			}
			f->written += mlen;
			f->final = last;
		}
		f->in_len = 0;
	}
	return f->bad ? 0 : len;
}

static size_t on_error_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;
	size_t len = size * nmemb, room = sizeof f->err - 1 - f->err_len;

	memcpy(f->err + f->err_len, p, len < room ? len : room);
	f->err_len += len < room ? len : room;
	f->err[f->err_len] = '\0';
	return len;
}

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch *f = arg;

	/* the status of the answer the body belongs to (redirects aside) */
	if (f->status == 0)
		(void)curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &f->status);
	return f->status == 200 ? on_fetch(p, size, nmemb, arg) :
				  on_error_body(p, size, nmemb, arg);
}

/* One attempt from one peer into tmp. */
static int fetch_once(const char *http, const uint8_t *secret, const struct jr_snap_ref *r,
	const char *tmp, struct jr_errbuf *eb)
{
	char name[JR_SNAP_NAME_MAX], url[JR_NODE_ADDR_MAX + 300];
	char nhex[2 * JR_SNAP_NONCE_BYTES + 1], mhex[2 * JR_HASH_BYTES + 1];
	uint8_t nonce[JR_SNAP_NONCE_BYTES], mac[JR_HASH_BYTES], digest[JR_HASH_BYTES];
	struct fetch *f = calloc(1, sizeof *f);
	CURLcode cc;
	CURL *c;
	int rc = JR_OK;

	if (f == NULL || (f->key = sodium_malloc(JR_HASH_BYTES)) == NULL) {
		free(f);
		return jr_errf(eb, JR_ENOMEM, "no memory");
	}
	f->ref = r;
	f->fd = -1;
	jr_snap_name(r->index, r->digest, name);
	randombytes_buf(nonce, sizeof nonce);
	if ((rc = request_keys(secret, name, nonce, mac, f->key)) != JR_OK)
		goto out;
	jr_hex(nonce, sizeof nonce, nhex);
	jr_hex(mac, sizeof mac, mhex);
	(void)snprintf(url, sizeof url, "http://%s/v1/snapshots/%s?nonce=%s&mac=%s", http, name,
		nhex, mhex);
	f->fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (f->fd < 0) {
		rc = jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp, strerror(errno));
		goto out;
	}
	(void)crypto_generichash_init(&f->h, NULL, 0, JR_HASH_BYTES);
	if ((c = curl_easy_init()) == NULL) {
		rc = jr_errf(eb, JR_ENOMEM, "no memory for an HTTP client");
		goto out;
	}
	f->curl = c;
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	/* no overall limit (a regency's state is a gigabyte), but a stalled
	 * peer is given up after 30 s without a byte */
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	(void)curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 30L);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	cc = curl_easy_perform(c);
	if (f->status == 0)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
	curl_easy_cleanup(c);
	(void)crypto_generichash_final(&f->h, digest, sizeof digest);
	if (f->status != 0 && f->status != 200)
		rc = jr_errf(eb, f->status == 403 ? JR_EKEY : JR_EIO,
			"node at %s answered %ld: %s", http, f->status,
			f->err_len > 0 ? f->err : "(no message)");
	else if (f->bad)
		rc = jr_errf(eb, JR_ECORRUPT, "the snapshot from %s does not authenticate "
			"(or is not the one asked for)", http);
	else if (cc != CURLE_OK)
		rc = jr_errf(eb, JR_EIO, "fetching from %s: %s", http, curl_easy_strerror(cc));
	else if (!f->final || f->written != r->size || !jr_hash_equal(digest, r->digest))
		rc = jr_errf(eb, JR_ECORRUPT, "the snapshot from %s is %llu bytes, not the "
			"%llu it was taken with, or has another digest", http,
			(unsigned long long)f->written, (unsigned long long)r->size);
	else if (fsync(f->fd) != 0)
		rc = jr_errf(eb, JR_EIO, "snapshot %s: %s", tmp, strerror(errno));
out:
	if (f->fd >= 0)
		(void)close(f->fd);
	sodium_memzero(&f->st, sizeof f->st);
	sodium_free(f->key);
	free(f);
	return rc;
}

int jr_snap_fetch(const struct jr_node_config *cfg, const uint8_t *secret,
	const struct jr_snap_ref *r, const char *dir, uint64_t *from, struct jr_errbuf *eb)
{
	char tmp[JR_NODE_PATH_MAX + 16], final[JR_NODE_PATH_MAX + JR_SNAP_NAME_MAX + 8];
	char name[JR_SNAP_NAME_MAX];
	const struct jr_node_peer *order[JR_NODE_MAX_PEERS];
	size_t n = 0;
	int rc = JR_ENOTFOUND;

	*from = 0;
	jr_snap_name(r->index, r->digest, name);
	if (path_of(tmp, sizeof tmp, dir, "fetch", ".tmp") != JR_OK ||
	    path_of(final, sizeof final, dir, name, ".db") != JR_OK)
		return jr_errf(eb, JR_ETOOBIG, "snapshot folder %s: path too long", dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return jr_errf(eb, JR_EIO, "snapshot folder %s: %s", dir, strerror(errno));
	/* the node that took it first (it is the leader that sent it), then
	 * the others in case one holds the same copy */
	if ((order[0] = jr_node_config_peer(cfg, r->origin)) != NULL && r->origin != cfg->id)
		n = 1;
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id != cfg->id && cfg->peers[i].id != r->origin)
			order[n++] = &cfg->peers[i];
	if (n == 0)
		return jr_errf(eb, JR_ENOTFOUND, "snapshot %s is not in %s and no peer is "
			"configured to fetch it from", name, dir);
	jr_errclear(eb);
	for (unsigned round = 0; round < FETCH_ROUNDS; round++) {
		for (size_t i = 0; i < n; i++) {
			struct jr_errbuf one = { 0 };

			rc = fetch_once(order[i]->http, secret, r, tmp, &one);
			if (rc == JR_OK) {
				*from = order[i]->id;
				if (rename(tmp, final) != 0 || sync_dir(dir) != JR_OK) {
					(void)unlink(tmp);
					return jr_errf(eb, JR_EIO, "snapshot %s: %s", final,
						strerror(errno));
				}
				return JR_OK;
			}
			(void)unlink(tmp);
			/* the origin's answer says most; the others' only if it gave none */
			if (i == 0 || eb->msg[0] == '\0') {
				jr_errclear(eb);
				(void)jr_errf(eb, rc, "node %llu: %s",
					(unsigned long long)order[i]->id, one.msg);
			}
			if (rc == JR_EKEY) /* this node's consortium key is not theirs */
				return rc;
		}
		if (round + 1 < FETCH_ROUNDS)
			(void)sleep(1u << round);
	}
	return rc;
}
