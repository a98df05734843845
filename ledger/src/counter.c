/*
 * counter.c — the shard's fork-guard counter file; layout in counter.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "counter.h"
#include "fileio.h"
#include "tpm.h"

#define MAGIC "JRCOUNT1"
#define MAGIC_BYTES 8
#define CHECK_OFF 56
#define CHECK_BYTES 8

static void put_le64(uint8_t *p, uint64_t v)
{
	size_t i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le64(const uint8_t *p)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void slot_check(const uint8_t *slot, uint8_t check[CHECK_BYTES])
{
	uint8_t h[16];

	crypto_generichash(h, sizeof h, slot, CHECK_OFF, NULL, 0);
	memcpy(check, h, CHECK_BYTES);
}

static void slot_encode(uint8_t slot[JR_COUNTER_SLOT_BYTES], uint64_t seq,
	uint64_t height, const uint8_t hash[JR_HASH_BYTES])
{
	memcpy(slot, MAGIC, MAGIC_BYTES);
	put_le64(slot + 8, seq);
	put_le64(slot + 16, height);
	memcpy(slot + 24, hash, JR_HASH_BYTES);
	slot_check(slot, slot + CHECK_OFF);
}

static bool slot_valid(const uint8_t slot[JR_COUNTER_SLOT_BYTES])
{
	uint8_t check[CHECK_BYTES];

	slot_check(slot, check);
	return memcmp(slot, MAGIC, MAGIC_BYTES) == 0 &&
	       sodium_memcmp(check, slot + CHECK_OFF, CHECK_BYTES) == 0 &&
	       get_le64(slot + 8) != 0 && get_le64(slot + 16) <= INT64_MAX;
}

static int write_slot(struct jr_counter *c, int slot, uint64_t seq,
	uint64_t height, const uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	uint8_t buf[JR_COUNTER_SLOT_BYTES];
	ssize_t n;

	slot_encode(buf, seq, height, hash);
	do
		n = pwrite(c->fd, buf, sizeof buf, (off_t)slot * JR_COUNTER_SLOT_BYTES);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof buf)
		return jr_errf(eb, JR_EIO, "writing height %llu into the counter failed (%s)",
			(unsigned long long)height,
			n < 0 ? strerror(errno) : "short write");
	if (c->sync && fdatasync(c->fd) != 0)
		return jr_errf(eb, JR_EIO, "fsync of the counter failed (%s)",
			strerror(errno));
	c->slot = slot;
	c->seq = seq;
	c->height = height;
	memcpy(c->hash, hash, JR_HASH_BYTES);
	return JR_OK;
}

int jr_fsync_parent_dir(const char *path, struct jr_errbuf *eb)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t n;
	int fd, rc = JR_OK;

	if (slash == NULL) {
		dir[0] = '.', dir[1] = '\0';
	} else {
		n = slash == path ? 1 : (size_t)(slash - path);
		if (n >= sizeof dir)
			return jr_errf(eb, JR_EINVAL, "path %s is too long", path);
		memcpy(dir, path, n);
		dir[n] = '\0';
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return jr_errf(eb, JR_EIO, "cannot open directory %s (%s)", dir,
			strerror(errno));
	if (fsync(fd) != 0)
		rc = jr_errf(eb, JR_EIO, "fsync of directory %s failed (%s)", dir,
			strerror(errno));
	close(fd);
	return rc;
}

static int lock_fd(int fd, const char *path, struct jr_errbuf *eb)
{
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return JR_OK;
	if (errno == EWOULDBLOCK)
		return jr_errf(eb, JR_EEXIST,
			"counter %s is locked by another writer: the shard is already open for appending (is another jaring-kiosk running?); close it first",
			path);
	return jr_errf(eb, JR_EIO, "counter %s: cannot lock (%s)", path,
		strerror(errno));
}

/* The file appears whole or not at all (fileio.h: temporary file, fsync,
 * rename without replacing, fsync of the directory). */
int jr_counter_create(const char *path, struct jr_counter *c,
	struct jr_errbuf *eb)
{
	static const uint8_t zero[JR_HASH_BYTES];
	uint8_t file[JR_COUNTER_FILE_BYTES] = { 0 };
	int rc;

	memset(c, 0, sizeof *c);
	c->fd = -1;
	slot_encode(file, 1, 0, zero);
	rc = jr_file_write_atomic_ex(path, file, sizeof file, 0600, false, eb);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "counter %s: cannot create", path);
	return jr_counter_open(path, true, c, eb);
}

static int read_slots(struct jr_counter *c, const char *path,
	struct jr_errbuf *eb)
{
	uint8_t buf[JR_COUNTER_FILE_BYTES] = { 0 };
	ssize_t n;
	int i, best = -1;
	uint64_t best_seq = 0;

	do
		n = pread(c->fd, buf, sizeof buf, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return jr_errf(eb, JR_EIO, "counter %s: cannot read (%s)", path,
			strerror(errno));
	/* A short file leaves the missing slot zeroed, hence invalid. */
	for (i = 0; i < 2; i++) {
		const uint8_t *s = buf + i * JR_COUNTER_SLOT_BYTES;
		if (slot_valid(s) && get_le64(s + 8) > best_seq) {
			best = i;
			best_seq = get_le64(s + 8);
		}
	}
	if (best < 0)
		return jr_errf(eb, JR_ECORRUPT,
			"counter %s holds no valid slot: it is not a shard counter or it was damaged; do not replace it, see docs/operations.md",
			path);
	c->slot = best;
	c->seq = best_seq;
	c->height = get_le64(buf + best * JR_COUNTER_SLOT_BYTES + 16);
	memcpy(c->hash, buf + best * JR_COUNTER_SLOT_BYTES + 24, JR_HASH_BYTES);
	return JR_OK;
}

int jr_counter_open(const char *path, bool lock, struct jr_counter *c,
	struct jr_errbuf *eb)
{
	int rc;

	memset(c, 0, sizeof *c);
	c->sync = true;
	c->fd = open(path, (lock ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (c->fd < 0)
		return jr_errf(eb, errno == ENOENT ? JR_ENOTFOUND : JR_EIO,
			"counter %s: cannot open (%s)%s", path, strerror(errno),
			errno == ENOENT ?
				": without it this kiosk cannot know which heights it already signed; do not create a new one, see docs/operations.md, 'Restoring a kiosk from a backup'" :
				"");
	rc = lock ? lock_fd(c->fd, path, eb) : JR_OK;
	if (rc == JR_OK)
		rc = read_slots(c, path, eb);
	if (rc != JR_OK)
		jr_counter_close(c);
	return rc;
}

int jr_counter_advance(struct jr_counter *c, uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	int rc;

	if (c->fd < 0 || c->seq == UINT64_MAX || height > INT64_MAX)
		return jr_errf(eb, JR_EINVAL, "counter: not open or out of range");
	rc = write_slot(c, 1 - c->slot, c->seq + 1, height, hash, eb);
	if (rc == JR_OK && c->tpm)
		rc = jr_counter_tpm_advance(c, height, eb);
	return rc;
}

/* ---- the TPM's NV counter (tpm.h) ----------------------------------- */

static int tpm_height(struct jr_counter *c, uint64_t value, struct jr_errbuf *eb)
{
	if (value < c->nv_base)
		return jr_errf(eb, JR_ECORRUPT,
			"the TPM's NV counter 0x%08x is at %llu, below the %llu the kiosk key was "
			"bound at: it is not this key's counter. Do not append; report it to the "
			"district office", (unsigned)c->nv_index, (unsigned long long)value,
			(unsigned long long)c->nv_base);
	c->tpm_height = value - c->nv_base;
	return JR_OK;
}

int jr_counter_bind_tpm(struct jr_counter *c, uint32_t index, uint64_t base,
	struct jr_errbuf *eb)
{
	struct jr_tpm *t = NULL;
	uint64_t v = 0;
	int rc = jr_tpm_open(&t, eb);

	if (rc == JR_OK)
		rc = jr_tpm_counter_read(t, index, &v, eb);
	jr_tpm_close(t);
	if (rc != JR_OK)
		return jr_errf(eb, rc == JR_ENOTFOUND ? JR_EKEY : rc,
			"the kiosk key is bound to the TPM's NV counter 0x%08x, which cannot be read",
			(unsigned)index);
	c->tpm = true;
	c->nv_index = index;
	c->nv_base = base;
	return tpm_height(c, v, eb);
}

int jr_counter_tpm_advance(struct jr_counter *c, uint64_t height,
	struct jr_errbuf *eb)
{
	struct jr_tpm *t = NULL;
	uint64_t v = 0;
	int rc;

	if (height <= c->tpm_height)
		return JR_OK;
	if (height != c->tpm_height + 1)
		return jr_errf(eb, JR_ECORRUPT,
			"the TPM's NV counter says height %llu was signed, %llu below height %llu: "
			"a power cut leaves it at most one behind, so it is not this shard's counter",
			(unsigned long long)c->tpm_height,
			(unsigned long long)(height - c->tpm_height), (unsigned long long)height);
	rc = jr_tpm_open(&t, eb);
	if (rc == JR_OK)
		rc = jr_tpm_counter_increment(t, c->nv_index, &v, eb);
	jr_tpm_close(t);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "the TPM's NV counter was not advanced to height %llu",
			(unsigned long long)height);
	if ((rc = tpm_height(c, v, eb)) != JR_OK)
		return rc;
	if (c->tpm_height != height)
		return jr_errf(eb, JR_ESTALE,
			"the TPM's NV counter went to height %llu, not %llu: something else "
			"increments it; do not append, report it to the district office",
			(unsigned long long)c->tpm_height, (unsigned long long)height);
	return JR_OK;
}

void jr_counter_close(struct jr_counter *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
