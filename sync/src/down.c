/*
 * Downstream on the drive (docs/sync.md "Downstream"): the centre's answers,
 * JARING/DOWN/<kiosk>/<sequence>.JRB, written atomically like the upstream
 * bundles, the older answers removed once a newer one is whole.
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

#include "jaring/sync.h"
#include "sync_int.h"

static void check_down(const char *drive, struct jr_sync_entry *e, uint32_t seq)
{
	struct jr_errbuf eb = { 0 };
	struct jr_bundle_header h;
	char path[4096], dir[9];
	uint64_t size = 0;

	e->rc = jr_sync_path(path, sizeof path, &eb, drive, "DOWN", e->kiosk_dir, e->file);
	if (e->rc != JR_OK)
		goto out;
	if ((e->rc = jr_sync_read_header(path, e->file, "shorter than a bundle header: written "
		     "by an interrupted import; import again at the centre", &h, &size, &eb)) != JR_OK)
		goto out;
	jr_sync_kiosk_dir(h.info.recipient_id, dir);
	if (h.info.kind != JR_BUNDLE_DOWNSTREAM)
		e->rc = jr_errf(&eb, JR_EFORMAT, "not a downstream bundle");
	else if (strcmp(dir, e->kiosk_dir) != 0)
		e->rc = jr_errf(&eb, JR_EKEY, "for kiosk %s, not for the kiosk of its folder", dir);
	else if (h.info.first != seq)
		e->rc = jr_errf(&eb, JR_EFORMAT, "its name says sequence %u, its header %llu",
			(unsigned)seq, (unsigned long long)h.info.first);
	else if (size != JR_BUNDLE_HEADER_BYTES + h.info.body_len)
		e->rc = jr_errf(&eb, JR_EFORMAT, "%lld bytes long, its header says %llu: damaged "
			"on the drive; import again at the centre", (long long)size,
			(unsigned long long)(JR_BUNDLE_HEADER_BYTES + h.info.body_len));
	else
		e->info = h.info;
out:
	if (e->rc != JR_OK)
		snprintf(e->why, sizeof e->why, "%s", eb.msg);
}

int jr_sync_down_list(const char *drive, const char *only, struct jr_sync_listing *out,
	struct jr_errbuf *eb)
{
	const struct jr_sync_walk w = { "DOWN", NULL, check_down };

	return jr_sync_walk(drive, only, &w, out, eb);
}

/* After a newer answer is whole: the folder's other .JRB files go. */
static int remove_older(const char *drive, const char *kpath, const char *keep,
	uint32_t seq, uint64_t *removed, struct jr_errbuf *eb)
{
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(kpath);
	uint32_t v;
	int n;

	if (d == NULL)
		return jr_sync_drive_err(eb, errno, drive, kpath, "read folder");
	while ((de = readdir(d)) != NULL) {
		if (!jr_sync_name_is(de->d_name, ".JRB", &v) || strcmp(de->d_name, keep) == 0 ||
		    v > seq)
			continue;
		n = snprintf(path, sizeof path, "%s/%s", kpath, de->d_name);
		if (n < 0 || (size_t)n >= sizeof path)
			continue;
		if (unlink(path) != 0) {
			int e = errno;
			closedir(d);
			return jr_sync_drive_err(eb, e, drive, path, "remove an older answer");
		}
		if (removed != NULL)
			(*removed)++;
	}
	closedir(d);
	return jr_sync_fsync_dir(kpath) == 0 ? JR_OK :
		jr_sync_drive_err(eb, errno, drive, kpath, "flush folder");
}

int jr_sync_down_write(const char *drive, const struct jr_downstream_params *p,
	struct jr_downstream_info *info, uint64_t *removed, struct jr_errbuf *eb)
{
	char kdir[9], hex[9], tname[JR_SYNC_NAME_MAX + 1], fname[JR_SYNC_NAME_MAX + 1];
	char kpath[4096], tpath[4096 + 16];
	struct jr_sync_fsink s = { -1, tname, 0 };
	/* One flush of body and header before the rename (export.c's). */
	struct jr_bundle_sink sink = { jr_sync_fs_append, jr_sync_fs_header, NULL, &s };
	uint8_t id[JR_ID_BYTES];
	uint64_t gone = 0;
	int rc;

	if (drive == NULL || p == NULL)
		return jr_errf(eb, JR_EINVAL, "downstream: a drive and the answer are needed");
	if (p->seq == 0 || p->seq > JR_SYNC_SEQ_MAX)
		return jr_errf(eb, JR_ETOOBIG, "downstream: sequence %llu does not fit the drive's "
			"8-digit names", (unsigned long long)p->seq);
	jr_keyid_from_pk(p->kiosk_pk, id);
	jr_sync_kiosk_dir(id, kdir);
	jr_sync_hex8((uint32_t)p->seq, hex);
	snprintf(tname, sizeof tname, "%s.TMP", hex);
	snprintf(fname, sizeof fname, "%s.JRB", hex);
	if ((rc = jr_sync_make_dirs(drive, "DOWN", kdir, kpath, sizeof kpath, eb)) != JR_OK ||
	    (rc = jr_sync_clean_tmp(drive, kpath, &gone, eb)) != JR_OK)
		return rc;
	snprintf(tpath, sizeof tpath, "%s/%s", kpath, tname);
	if ((s.fd = open(tpath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0)
		return jr_sync_drive_err(eb, errno, drive, tpath, "create");
	rc = jr_downstream_write(p, &sink, info, eb);
	if (rc == JR_OK)
		rc = jr_sync_fs_sync(&s, eb);
	if (close(s.fd) != 0 && rc == JR_OK)
		rc = jr_sync_fs_fail(&s, "cannot close", eb);
	if (rc != JR_OK) {
		(void)unlink(tpath);
		(void)jr_sync_fsync_dir(kpath);
		return s.err != 0 ? jr_sync_drive_err(eb, s.err, drive, tpath, "write") : rc;
	}
	rc = jr_sync_down_publish(drive, kpath, tpath, fname, (uint32_t)p->seq, &gone, eb);
	if (removed != NULL)
		*removed = gone;
	return rc;
}

int jr_sync_down_publish(const char *drive, const char *kpath, const char *tpath,
	const char *fname, uint32_t seq, uint64_t *removed, struct jr_errbuf *eb)
{
	char fpath[4096 + 16];
	int n = snprintf(fpath, sizeof fpath, "%s/%s", kpath, fname), rc;

	if (n < 0 || (size_t)n >= sizeof fpath)
		return jr_errf(eb, JR_EINVAL, "drive path %s is too long", drive);
	if (rename(tpath, fpath) != 0) {
		int e = errno;
		(void)unlink(tpath);
		(void)jr_sync_fsync_dir(kpath);
		return jr_sync_drive_err(eb, e, drive, tpath, "rename");
	}
	if (jr_sync_fsync_dir(kpath) != 0)
		return jr_sync_drive_err(eb, errno, drive, fpath, "flush the folder of");
	if ((rc = remove_older(drive, kpath, fname, seq, removed, eb)) != JR_OK)
		return rc;
	return jr_sync_flush_drive(drive, eb); /* the rename whole on vfat (drivefs.c) */
}
