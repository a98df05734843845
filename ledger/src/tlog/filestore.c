/*
 * The tree's hash store in scratch files (jaring/tlog.h), for a tree that is
 * rebuilt and thrown away: an export's, an audit's, a replay's. Level L's
 * hashes are the array of one file, hash i at byte 32 * i; the files are
 * made in TMPDIR (else /tmp) and unlinked at once, so nothing is left
 * behind however the process ends. An append goes to the level's buffer
 * and the buffer to its file when full, so a million leaves cost a few
 * hundred writes, not two million rows of a B-tree; a read takes the
 * buffer's copy or reads the file.
 *
 * Hashes are written in index order within a level (jr_tlog_append_hash
 * does), or again at an index already written with the same hash; a write
 * beyond the next index, or one that changes a hash, is refused, so the
 * store is append-only as the SQLite one is.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jaring/tlog.h"

#define LEVELS 64
#define BUF_HASHES 2048 /* 64 KiB a level */
#define READ_HASHES 256 /* a tile's worth, read at once from the file */

struct level {
	int fd;          /* -1 until the first write */
	uint64_t start;  /* index of buf's first hash; those before are in the file */
	size_t n;        /* hashes in buf */
	uint8_t *buf;
	uint64_t rstart; /* the hashes last read from the file: rn from rstart */
	size_t rn;
	uint8_t *rbuf;
};

struct jr_tlog_filestore {
	struct jr_tlog_store store;
	char dir[4096];
	struct level lv[LEVELS];
};

static int put_all(int fd, const uint8_t *p, size_t n, off_t at)
{
	while (n > 0) {
		ssize_t w = pwrite(fd, p, n, at);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return JR_EIO;
		p += w;
		n -= (size_t)w;
		at += w;
	}
	return JR_OK;
}

static int get_all(int fd, uint8_t *p, size_t n, off_t at)
{
	while (n > 0) {
		ssize_t r = pread(fd, p, n, at);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0 ? JR_ECORRUPT : JR_EIO;
		p += r;
		n -= (size_t)r;
		at += r;
	}
	return JR_OK;
}

static int level_open(struct jr_tlog_filestore *fs, struct level *l)
{
	char path[4200];

	(void)snprintf(path, sizeof path, "%s/jaring-tree-XXXXXX", fs->dir);
	if (l->buf == NULL)
		l->buf = malloc((size_t)BUF_HASHES * JR_TLOG_HASH_BYTES);
	if (l->buf == NULL)
		return JR_ENOMEM;
	l->fd = mkstemp(path);
	if (l->fd < 0)
		return JR_EIO;
	(void)unlink(path);
	return JR_OK;
}

static int file_read(void *ctx, unsigned level, uint64_t index,
	uint8_t out[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_filestore *fs = ctx;
	struct level *l;

	memset(out, 0, JR_TLOG_HASH_BYTES);
	if (level >= LEVELS || index > JR_TLOG_SIZE_MAX / JR_TLOG_HASH_BYTES)
		return JR_EINVAL;
	l = &fs->lv[level];
	if (l->fd < 0 || index >= l->start + l->n)
		return JR_ENOTFOUND;
	if (index >= l->start) {
		memcpy(out, l->buf + (index - l->start) * JR_TLOG_HASH_BYTES, JR_TLOG_HASH_BYTES);
		return JR_OK;
	}
	if (index < l->rstart || index >= l->rstart + l->rn) {
		/* the aligned run of READ_HASHES around it, as far as the file goes:
		 * a tile is read with one pread, not 256 */
		uint64_t first = index - index % READ_HASHES;
		size_t n = l->start - first < READ_HASHES ? (size_t)(l->start - first) : READ_HASHES;
		int rc;

		if (l->rbuf == NULL && (l->rbuf = malloc((size_t)READ_HASHES *
			JR_TLOG_HASH_BYTES)) == NULL)
			return JR_ENOMEM;
		l->rn = 0;
		rc = get_all(l->fd, l->rbuf, n * JR_TLOG_HASH_BYTES,
			(off_t)(first * JR_TLOG_HASH_BYTES));
		if (rc != JR_OK)
			return rc;
		l->rstart = first;
		l->rn = n;
	}
	memcpy(out, l->rbuf + (index - l->rstart) * JR_TLOG_HASH_BYTES, JR_TLOG_HASH_BYTES);
	return JR_OK;
}

static int file_write(void *ctx, unsigned level, uint64_t index,
	const uint8_t hash[JR_TLOG_HASH_BYTES])
{
	struct jr_tlog_filestore *fs = ctx;
	uint8_t had[JR_TLOG_HASH_BYTES];
	struct level *l;
	int rc;

	if (level >= LEVELS || index > JR_TLOG_SIZE_MAX / JR_TLOG_HASH_BYTES)
		return JR_EINVAL;
	l = &fs->lv[level];
	if (l->fd < 0 && (rc = level_open(fs, l)) != JR_OK)
		return rc;
	if (index < l->start + l->n) { /* written already: the same hash or a refusal */
		rc = file_read(fs, level, index, had);
		if (rc != JR_OK)
			return rc;
		return memcmp(had, hash, JR_TLOG_HASH_BYTES) == 0 ? JR_OK : JR_EEXIST;
	}
	if (index > l->start + l->n)
		return JR_EINVAL; /* a gap: the tree appends in order */
	if (l->n == BUF_HASHES) {
		rc = put_all(l->fd, l->buf, l->n * JR_TLOG_HASH_BYTES,
			(off_t)(l->start * JR_TLOG_HASH_BYTES));
		if (rc != JR_OK)
			return rc;
		l->start += l->n;
		l->n = 0;
	}
	memcpy(l->buf + l->n * JR_TLOG_HASH_BYTES, hash, JR_TLOG_HASH_BYTES);
	l->n++;
	return JR_OK;
}

int jr_tlog_filestore_open(struct jr_tlog_filestore **out, struct jr_errbuf *eb)
{
	struct jr_tlog_filestore *fs;
	const char *tmp = getenv("TMPDIR");
	char probe[4200];
	int fd;
	size_t i;

	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (strlen(tmp) >= sizeof fs->dir)
		return jr_errf(eb, JR_ETOOBIG, "TMPDIR %s is too long a path", tmp);
	/* a file now, so that a folder that cannot take one is said at once */
	(void)snprintf(probe, sizeof probe, "%s/jaring-tree-XXXXXX", tmp);
	fd = mkstemp(probe);
	if (fd < 0)
		return jr_errf(eb, JR_EIO, "cannot make a scratch file in %s to rebuild the tree"
			" in: %s; set TMPDIR to a folder with room (about 64 bytes a leaf)", tmp,
			strerror(errno));
	(void)unlink(probe);
	(void)close(fd);
	fs = calloc(1, sizeof *fs);
	if (fs == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory opening the tree's scratch store");
	memcpy(fs->dir, tmp, strlen(tmp) + 1);
	for (i = 0; i < LEVELS; i++)
		fs->lv[i].fd = -1;
	fs->store.ctx = fs;
	fs->store.read = file_read;
	fs->store.write = file_write;
	*out = fs;
	return JR_OK;
}

const struct jr_tlog_store *jr_tlog_filestore_get(const struct jr_tlog_filestore *fs)
{
	return fs != NULL ? &fs->store : NULL;
}

void jr_tlog_filestore_close(struct jr_tlog_filestore *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < LEVELS; i++) {
		if (fs->lv[i].fd >= 0)
			(void)close(fs->lv[i].fd);
		free(fs->lv[i].buf);
		free(fs->lv[i].rbuf);
	}
	free(fs);
}
