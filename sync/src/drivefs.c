/*
 * The drive's file system, for every writer of docs/sync.md: atomic writes
 * (NAME.TMP, fsync, close, rename, fsync of the folder), folders made and
 * synced, leftovers removed, the whole drive flushed at the end of an export
 * and of a visit, and the message a person reads when the drive refuses
 * (full, read-only, other errors).
 */
#define _GNU_SOURCE /* syncfs */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "sync_int.h"

int jr_sync_fs_fail(struct jr_sync_fsink *s, const char *what, struct jr_errbuf *eb)
{
	if (s->err == 0)
		s->err = errno;
	return jr_errf(eb, JR_EIO, "%s %s: %s", what, s->name, strerror(s->err));
}

int jr_sync_fs_append(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct jr_sync_fsink *s = ctx;

	while (n > 0) {
		ssize_t k = write(s->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return jr_sync_fs_fail(s, "cannot write", eb);
		}
		p += k;
		n -= (size_t)k;
	}
	return JR_OK;
}

int jr_sync_fs_header(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct jr_sync_fsink *s = ctx;
	ssize_t k = pwrite(s->fd, p, n, 0);

	if (k != (ssize_t)n) {
		if (k >= 0)
			errno = ENOSPC;
		return jr_sync_fs_fail(s, "cannot write the header of", eb);
	}
	if (lseek(s->fd, 0, SEEK_END) < 0)
		return jr_sync_fs_fail(s, "cannot seek in", eb);
	return JR_OK;
}

int jr_sync_fs_sync(void *ctx, struct jr_errbuf *eb)
{
	struct jr_sync_fsink *s = ctx;

	return fsync(s->fd) == 0 ? JR_OK : jr_sync_fs_fail(s, "cannot flush", eb);
}

/* What a person reads when the drive refuses a write: at the kiosk (an
 * export, the visit files) or at the centre (an answer under JARING/DOWN). */
int jr_sync_drive_err(struct jr_errbuf *eb, int err, const char *drive, const char *file,
	const char *what)
{
	bool centre = file != NULL && strstr(file, "/JARING/DOWN/") != NULL;
	const char *kept = centre ? "what the centre applied stays applied" :
		"the kiosk's records are untouched";
	const char *again = centre ? "import again" : "export again";

	jr_errclear(eb);
	if (err == ENOSPC || err == EDQUOT)
		return jr_errf(eb, JR_EIO, "drive %s is full (writing %s): the bundle was "
			"not kept and %s; free space on the drive or use another one, then %s",
			drive, file, kept, again);
	if (err == EROFS || err == EACCES || err == EPERM)
		return jr_errf(eb, JR_EIO, "drive %s is read-only (writing %s): nothing was "
			"written and %s; unlock the drive (its write-protect switch) or use another "
			"one, then %s", drive, file, kept, again);
	return jr_errf(eb, JR_EIO, "drive %s: cannot %s %s: %s; nothing of it was kept and "
		"%s; check the drive and %s", drive, what, file, strerror(err), kept, again);
}

int jr_sync_fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	/* vfat and some USB bridges refuse fsync on a folder (EINVAL): the
	 * rename is then as durable as the driver makes it. */
	if (rc != 0 && errno == EINVAL)
		rc = 0;
	close(fd);
	return rc;
}

/*
 * The file systems on which a file's fsync before its rename and the
 * folder's after it make the rename whole: a file's size and blocks live in
 * its inode, which the file's fsync writes, and the name is only a link to
 * it (ext2/3/4, xfs, btrfs), or there is no medium (tmpfs). On vfat the size
 * lives in the directory entry, which is the trouble below. Where renames
 * are whole the drive-wide flush is skipped: on a "drive" that is a folder
 * of the machine's own disk (the tests, the demo, an officer's laptop)
 * syncfs would only write out everything else the machine had cached. Every
 * other file system (vfat, exFAT, FUSE, anything unknown) is flushed.
 */
static bool renames_whole(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) != 0)
		return false;
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:     /* ext2/3/4 */
	case 0x58465342UL: /* xfs */
	case 0x9123683EUL: /* btrfs */
	case 0x01021994UL: /* tmpfs */
		return true;
	default:
		return false;
	}
}

/*
 * Everything the writers put on the drive, on the drive. A folder's fsync
 * does not make a rename whole on Linux's vfat: the renamed entry gets its
 * size and first cluster only when the file's inode is written back, which
 * neither the file's fsync (before the rename) nor the folder's does. An
 * appliance drive pulled a second after a visit held its newest bundle with
 * size 0 (firmware-image/test.sh). syncfs writes every inode and buffer of
 * the drive's file system.
 */
int jr_sync_flush_drive(const char *drive, struct jr_errbuf *eb)
{
	int fd = open(drive, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc, e;

	if (fd < 0)
		return jr_sync_drive_err(eb, errno, drive, drive, "open");
	rc = renames_whole(fd) ? 0 : syncfs(fd);
	e = errno;
	close(fd);
	return rc == 0 ? JR_OK : jr_sync_drive_err(eb, e, drive, drive, "flush");
}

int jr_sync_mkdir_synced(const char *path, const char *parent, const char *drive,
	struct jr_errbuf *eb)
{
	if (mkdir(path, 0755) == 0) {
		if (jr_sync_fsync_dir(parent) != 0)
			return jr_sync_drive_err(eb, errno, drive, path, "create folder");
		return JR_OK;
	}
	if (errno == EEXIST)
		return JR_OK;
	return jr_sync_drive_err(eb, errno, drive, path, "create folder");
}

int jr_sync_make_dirs(const char *drive, const char *side, const char *kdir, char *kpath,
	size_t kpath_len, struct jr_errbuf *eb)
{
	char top[4096], up[4096];
	struct stat st;
	int rc;

	if (stat(drive, &st) != 0 || !S_ISDIR(st.st_mode))
		return jr_errf(eb, JR_ENOTFOUND, "drive %s: no such folder: is the drive "
			"inserted and mounted there?", drive);
	if ((rc = jr_sync_path(top, sizeof top, eb, drive, NULL, NULL, NULL)) != JR_OK ||
	    (rc = jr_sync_path(up, sizeof up, eb, drive, side, NULL, NULL)) != JR_OK ||
	    (rc = jr_sync_path(kpath, kpath_len, eb, drive, side, kdir, NULL)) != JR_OK)
		return rc;
	if ((rc = jr_sync_mkdir_synced(top, drive, drive, eb)) != JR_OK ||
	    (rc = jr_sync_mkdir_synced(up, top, drive, eb)) != JR_OK ||
	    (rc = jr_sync_mkdir_synced(kpath, up, drive, eb)) != JR_OK)
		return rc;
	return JR_OK;
}

/* Removes *.TMP leftovers in the kiosk folder. */
int jr_sync_clean_tmp(const char *drive, const char *kpath, uint64_t *removed,
	struct jr_errbuf *eb)
{
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(kpath);
	uint64_t before = *removed;
	int n;

	if (d == NULL)
		return jr_sync_drive_err(eb, errno, drive, kpath, "read folder");
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".TMP") != 0)
			continue;
		n = snprintf(path, sizeof path, "%s/%s", kpath, de->d_name);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		if (unlink(path) != 0) {
			int e = errno;
			closedir(d);
			return jr_sync_drive_err(eb, e, drive, path, "remove leftover");
		}
		(*removed)++;
	}
	closedir(d);
	if (*removed == before) /* nothing removed: nothing to flush */
		return JR_OK;
	return jr_sync_fsync_dir(kpath) == 0 ? JR_OK : jr_sync_drive_err(eb, errno, drive, kpath, "flush folder");
}

/* Writes `bytes` as kpath/final through kpath/tmp. */
int jr_sync_write_small(const char *drive, const char *kpath, const char *tmp,
	const char *final, const struct jr_buf *bytes, struct jr_errbuf *eb)
{
	char tpath[4096], fpath[4096];
	struct jr_sync_fsink s = { -1, tmp, 0 };
	int n1 = snprintf(tpath, sizeof tpath, "%s/%s", kpath, tmp);
	int n2 = snprintf(fpath, sizeof fpath, "%s/%s", kpath, final);
	int rc;

	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof tpath || (size_t)n2 >= sizeof fpath)
		return jr_errf(eb, JR_EINVAL, "drive path %s is too long", drive);
	(void)unlink(tpath);
	if ((s.fd = open(tpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return jr_sync_drive_err(eb, errno, drive, tpath, "create");
	rc = jr_sync_fs_append(&s, bytes->base, bytes->len, eb);
	if (rc == JR_OK)
		rc = jr_sync_fs_sync(&s, eb);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = jr_sync_fs_fail(&s, "cannot close", eb);
	if (rc == JR_OK && rename(tpath, fpath) != 0)
		rc = jr_sync_fs_fail(&s, "cannot rename", eb);
	if (rc == JR_OK && jr_sync_fsync_dir(kpath) != 0)
		rc = jr_sync_fs_fail(&s, "cannot flush the folder of", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		return jr_sync_drive_err(eb, s.err, drive, tpath, "write");
	}
	return JR_OK;
}

