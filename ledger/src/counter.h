/*
 * counter.h — the shard's fork-guard counter file (internal to libjaring).
 *
 * The file is 128 bytes: two slots of 64 bytes, all integers little-endian.
 *
 *   offset size  field
 *        0    8  magic "JRCOUNT1"
 *        8    8  slot sequence, 1, 2, 3, ... (the latest slot has the highest)
 *       16    8  height: the highest block this kiosk has signed and stored
 *       24   32  hash of that block's body (zeros at height 0)
 *       56    8  check: the first 8 bytes of BLAKE2b-128 of bytes 0..55
 *
 * An update writes the slot that does not hold the latest value and fsyncs,
 * so a write torn by a crash damages only the slot being written: its check
 * fails, it is ignored, and the other slot still holds the previous value.
 * A reader takes the valid slot with the highest sequence.
 *
 * The writer holds flock(LOCK_EX) on the file for as long as the shard is
 * open, which makes it the shard's single-writer lock too.
 *
 * With a TPM (a kiosk key loaded from a TPM-sealed key file, keys.h), the
 * counter is also bound to the TPM's NV monotonic counter (tpm.h): its
 * value minus the base the key file records is the highest height signed,
 * and every advance increments it after the file is written. The file then
 * still holds the hash and the lock; the TPM holds the height that no copy
 * of the disk can take back.
 */
#ifndef JR_COUNTER_H
#define JR_COUNTER_H

#include "jaring/common.h"

#define JR_COUNTER_SLOT_BYTES 64
#define JR_COUNTER_FILE_BYTES (2 * JR_COUNTER_SLOT_BYTES)

struct jr_counter {
	int fd;
	int slot;        /* slot holding the latest value, 0 or 1 */
	uint64_t seq;
	uint64_t height;
	uint8_t hash[JR_HASH_BYTES];
	bool sync;       /* fsync after each update; only tests turn it off */
	bool tpm;        /* bound to a TPM NV counter (jr_counter_bind_tpm) */
	uint32_t nv_index;
	uint64_t nv_base;    /* the TPM counter's value at height 0 */
	uint64_t tpm_height; /* its value - nv_base, as last read or written */
};

/* Creates the file with height 0 in slot 0 (refusing an existing one with
 * JR_EEXIST), atomically and fsync'd with its directory, and opens it
 * locked. */
int jr_counter_create(const char *path, struct jr_counter *c,
	struct jr_errbuf *eb);
/* Opens an existing counter: locked (writer) or not (reader), and reads it.
 * A file with no valid slot fails with JR_ECORRUPT; one held by another
 * writer with JR_EEXIST. */
int jr_counter_open(const char *path, bool lock, struct jr_counter *c,
	struct jr_errbuf *eb);
/* Writes (height, hash) into the older slot and fsyncs; then, when bound,
 * brings the TPM counter up to height. */
int jr_counter_advance(struct jr_counter *c, uint64_t height,
	const uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb);
/* Binds c to the TPM's NV counter at index, whose value was base at height
 * 0, and reads it into c->tpm_height. JR_ECORRUPT if the value is below
 * base (not this key's counter). */
int jr_counter_bind_tpm(struct jr_counter *c, uint32_t index, uint64_t base,
	struct jr_errbuf *eb);
/* Brings the TPM counter up to height: nothing if it is there already, one
 * increment if it is one below; JR_ECORRUPT if it is further below (it was
 * never this far behind, so it is not this shard's counter), JR_ESTALE if
 * the increment lands elsewhere (something else moved it). */
int jr_counter_tpm_advance(struct jr_counter *c, uint64_t height,
	struct jr_errbuf *eb);
/* Closes (and so unlocks). Safe on a closed or zeroed counter with fd -1. */
void jr_counter_close(struct jr_counter *c);
/* fsync of the directory holding path, after creating a file in it. */
int jr_fsync_parent_dir(const char *path, struct jr_errbuf *eb);

#endif
