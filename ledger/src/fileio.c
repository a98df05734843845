/*
 * Whole-file writes that are never seen half-done, and capped whole-file
 * reads (jr_file_write_atomic, jr_file_read in keys.h; fileio.h).
 *
 * An atomic write creates "<path>.tmp-<16 random hex>" in the same
 * directory with O_EXCL, sets the mode with fchmod (so the umask cannot
 * loosen or tighten it), writes everything, fsyncs, renames over `path` and
 * fsyncs the directory so the rename itself survives a power cut. Every
 * failure before the rename unlinks the temporary file.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "jaring/keys.h"
#include "fileio.h"

#define TMP_SUFFIX_MAX 32

static int io_err(struct jr_errbuf *eb, int err, const char *what, const char *path)
{
	int code = err == ENOENT ? JR_ENOTFOUND : JR_EIO;

	return jr_errf(eb, code, "cannot %s %s: %s", what, path, strerror(err));
}

/* Directory part of path ("." when there is none) into dir. */
static int dir_of(const char *path, char *dir, size_t dirlen, struct jr_errbuf *eb)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (slash == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
		return JR_OK;
	}
	n = slash == path ? 1 : (size_t)(slash - path);
	if (n >= dirlen)
		return jr_errf(eb, JR_EINVAL, "path %s is too long", path);
	memcpy(dir, path, n);
	dir[n] = '\0';
	return JR_OK;
}

/* Creates a fresh temporary file beside path with exactly `mode`. */
static int tmp_create(const char *path, unsigned mode, char *tmp, size_t tmplen,
	int *fd, struct jr_errbuf *eb)
{
	uint8_t rnd[8];
	char hex[2 * sizeof rnd + 1];
	int n, tries;

	for (tries = 0; tries < 8; tries++) {
		randombytes_buf(rnd, sizeof rnd);
		jr_hex(rnd, sizeof rnd, hex);
		n = snprintf(tmp, tmplen, "%s.tmp-%s", path, hex);
		if (n < 0 || (size_t)n >= tmplen)
			return jr_errf(eb, JR_EINVAL, "path %s is too long", path);
		*fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
		if (*fd >= 0)
			break;
		if (errno != EEXIST)
			return io_err(eb, errno, "create a temporary file for", path);
	}
	if (*fd < 0)
		return jr_errf(eb, JR_EIO, "cannot create a temporary file for %s", path);
	if (fchmod(*fd, (mode_t)mode) != 0) {
		int err = errno;
		close(*fd);
		unlink(tmp);
		return io_err(eb, err, "set the mode of", tmp);
	}
	return JR_OK;
}

static int write_all(int fd, const uint8_t *p, size_t len, const char *path,
	struct jr_errbuf *eb)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return io_err(eb, n < 0 ? errno : EIO, "write", path);
		p += n;
		len -= (size_t)n;
	}
	if (fsync(fd) != 0)
		return io_err(eb, errno, "fsync", path);
	return JR_OK;
}

/* Moves tmp to path; without replace an existing path wins (JR_EEXIST). */
static int publish(const char *tmp, const char *path, bool replace,
	struct jr_errbuf *eb)
{
	if (replace)
		return rename(tmp, path) == 0 ? JR_OK : io_err(eb, errno, "rename onto", path);
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return JR_OK;
	/* File systems without RENAME_NOREPLACE: link() fails on an existing
	 * target just the same. */
	if ((errno == EINVAL || errno == ENOSYS) && link(tmp, path) == 0) {
		unlink(tmp);
		return JR_OK;
	}
	if (errno == EEXIST)
		return jr_errf(eb, JR_EEXIST,
			"%s already exists; it was left as it is (move it away first to replace it)",
			path);
	return io_err(eb, errno, "create", path);
}

/* Some file systems cannot fsync a directory (EINVAL); the rename is then
 * as durable as that file system makes it. */
static int sync_dir(const char *dir, struct jr_errbuf *eb)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = JR_OK;

	if (fd < 0)
		return io_err(eb, errno, "open directory", dir);
	if (fsync(fd) != 0 && errno != EINVAL && errno != ENOTSUP)
		rc = io_err(eb, errno, "fsync directory", dir);
	close(fd);
	return rc;
}

int jr_file_write_atomic_ex(const char *path, const uint8_t *p, size_t len,
	unsigned mode, bool replace, struct jr_errbuf *eb)
{
	char dir[PATH_MAX];
	char tmp[PATH_MAX + TMP_SUFFIX_MAX];
	int fd = -1, rc;

	if (path == NULL || path[0] == '\0' || (p == NULL && len > 0) || mode > 0777)
		return jr_errf(eb, JR_EINVAL, "atomic write: bad path, data or mode");
	if ((rc = dir_of(path, dir, sizeof dir, eb)) != JR_OK)
		return rc;
	if ((rc = tmp_create(path, mode, tmp, sizeof tmp, &fd, eb)) != JR_OK)
		return rc;
	rc = write_all(fd, p, len, tmp, eb);
	if (close(fd) != 0 && rc == JR_OK)
		rc = io_err(eb, errno, "close", tmp);
	if (rc == JR_OK)
		rc = publish(tmp, path, replace, eb);
	if (rc != JR_OK) {
		unlink(tmp);
		return rc;
	}
	return sync_dir(dir, eb);
}

int jr_file_write_atomic(const char *path, const uint8_t *p, size_t len,
	unsigned mode, struct jr_errbuf *eb)
{
	return jr_file_write_atomic_ex(path, p, len, mode, true, eb);
}

/* Opens a regular file of at most max bytes; *size gets its length. */
static int open_capped(const char *path, size_t max, const char *what, int *fd,
	struct stat *st, struct jr_errbuf *eb)
{
	if (path == NULL)
		return jr_errf(eb, JR_EINVAL, "no path given");
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (*fd < 0)
		return io_err(eb, errno, "open", path);
	if (fstat(*fd, st) != 0) {
		int err = errno;
		close(*fd);
		return io_err(eb, err, "stat", path);
	}
	if (!S_ISREG(st->st_mode)) {
		close(*fd);
		return jr_errf(eb, JR_EIO, "%s %s is not a regular file", what, path);
	}
	if ((uintmax_t)st->st_size > (uintmax_t)max) {
		close(*fd);
		return jr_errf(eb, JR_ETOOBIG,
			"%s %s is %jd bytes, over the limit of %zu; it is not a file of this kind",
			what, path, (intmax_t)st->st_size, max);
	}
	return JR_OK;
}

/* Reads up to cap bytes (fewer if the file shrank meanwhile). */
static int read_all(int fd, uint8_t *buf, size_t cap, size_t *got,
	const char *path, struct jr_errbuf *eb)
{
	*got = 0;
	while (*got < cap) {
		ssize_t n = read(fd, buf + *got, cap - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_err(eb, errno, "read", path);
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return JR_OK;
}

int jr_file_read(const char *path, size_t max, struct jr_buf *out,
	struct jr_errbuf *eb)
{
	struct stat st;
	int fd, rc;
	size_t size;

	out->base = NULL;
	out->len = 0;
	if ((rc = open_capped(path, max, "file", &fd, &st, eb)) != JR_OK)
		return rc;
	size = (size_t)st.st_size;
	if ((out->base = malloc(size ? size : 1)) == NULL) {
		close(fd);
		return jr_errf(eb, JR_ENOMEM, "out of memory reading %s", path);
	}
	rc = read_all(fd, out->base, size, &out->len, path, eb);
	close(fd);
	if (rc != JR_OK)
		jr_buf_free(out);
	return rc;
}

/* Group or other bits on a secret file: refuse, and say how to fix it. */
static int refuse_mode(const char *path, const char *what, mode_t mode,
	struct jr_errbuf *eb)
{
	unsigned m = (unsigned)mode & 0777u;

	if (m & 044u)
		return jr_errf(eb, JR_EKEY,
			"%s %s: mode %04o allows others to read the secret; run chmod 600 %s",
			what, path, m, path);
	return jr_errf(eb, JR_EKEY,
		"%s %s: mode %04o allows others to change the secret; run chmod 600 %s",
		what, path, m, path);
}

int jr_file_read_secret(const char *path, size_t max, bool private_only,
	const char *what, uint8_t **out, size_t *len, struct jr_errbuf *eb)
{
	struct stat st;
	int fd, rc;
	size_t size;

	*out = NULL;
	*len = 0;
	if ((rc = open_capped(path, max, what, &fd, &st, eb)) != JR_OK)
		return rc;
	if (private_only && (st.st_mode & 077) != 0) {
		close(fd);
		return refuse_mode(path, what, st.st_mode, eb);
	}
	size = (size_t)st.st_size;
	if ((*out = sodium_malloc(size ? size : 1)) == NULL) {
		close(fd);
		return jr_errf(eb, JR_ENOMEM, "out of memory reading %s", path);
	}
	rc = read_all(fd, *out, size, len, path, eb);
	close(fd);
	if (rc != JR_OK) {
		sodium_free(*out);
		*out = NULL;
		*len = 0;
	}
	return rc;
}
