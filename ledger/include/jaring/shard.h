/*
 * jaring/shard.h — a kiosk's append-only, signed hash chain in SQLite.
 *
 * One SQLite file (WAL, synchronous=FULL) holds the blocks (block.h), the
 * kiosk's public key and the receipts issued with each block. The file is
 * opened by one writer at a time (an exclusive lock on the counter file).
 *
 * Fork guard. Next to the database, at a path the caller chooses (on the
 * appliance: another partition than the database), a counter file holds the
 * highest height this kiosk has signed and that block's hash, written after
 * every commit (two checksummed slots, fsync). jr_shard_open() refuses with
 * JR_ESTALE when the database is behind the counter (the database was
 * restored or swapped alone, and signing again would put two different
 * blocks at one height), refuses a deleted counter, and refuses with
 * JR_ECORRUPT a database more than one block ahead of it (a power cut leaves
 * at most one; more means the counter was rewritten or replaced).
 *
 * What the counter cannot catch: the database and the counter restored
 * together (an ordinary whole-card image), or a counter rewritten to exactly
 * one below the database. For those the shard takes the centre's signed
 * acknowledged head (ack.h, jr_shard_accept_ack), carried back on every
 * downstream bundle: once it names a height the database lacks, or another
 * block at a height it holds, the shard is stale for good and will not sign.
 * On a board with a TPM 2.0 the kiosk key is TPM-sealed (keys.h,
 * jr_key_save_tpm) and binds the counter to the TPM's NV monotonic counter:
 * a shard opened or created for appending with such a key refuses with
 * JR_ESTALE a database below the TPM's height, which an image restored
 * whole cannot take back. The centre's equivocation detection is the other
 * control. docs/operations.md says how to recover.
 *
 * A registration is signed once: jr_shard_append() refuses (JR_EEXIST) a
 * record whose registration id (jr_record_id) the shard already holds, or
 * the same record twice in one block.
 *
 * jr_shard_append() returns only after the block is committed (fsync'd) and
 * the counter advanced. A crash at any point leaves either the whole block or
 * none of it, and never a counter ahead of the database.
 */
#ifndef JARING_SHARD_H
#define JARING_SHARD_H

#include "common.h"
#include "keys.h"
#include "block.h"
#include "ack.h"

struct jr_shard;

enum jr_verify_mode {
	JR_VERIFY_HEAD = 1, /* hash chain + the head's signature */
	JR_VERIFY_FULL = 2  /* hash chain + every signature */
};

/* A receipt stored in the same transaction as its block (receipt.h). */
struct jr_shard_receipt {
	uint8_t regid[JR_REGID_BYTES];
	const uint8_t *payload;
	size_t len;
};

/* Creates a new, empty shard for `kiosk`. Fails with JR_EEXIST if db_path or
 * counter_path exists. */
JR_API int jr_shard_create(const char *db_path, const char *counter_path,
	const struct jr_key *kiosk, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Opens for appending (kiosk given; must be the shard's key) or for reading
 * and verifying (kiosk NULL; counter_path may be NULL then). */
JR_API int jr_shard_open(const char *db_path, const char *counter_path,
	const struct jr_key *kiosk, struct jr_shard **out, struct jr_errbuf *eb)
	JR_MUST_CHECK;
JR_API void jr_shard_close(struct jr_shard *s);

JR_API uint64_t jr_shard_height(const struct jr_shard *s);
JR_API const uint8_t *jr_shard_head_hash(const struct jr_shard *s);
/* Time of the head block (0 when empty). jr_shard_append() refuses a time
 * before it: block times never go backwards (docs/formats.md "Block"). */
JR_API int64_t jr_shard_head_time(const struct jr_shard *s);
JR_API const uint8_t *jr_shard_kiosk_pk(const struct jr_shard *s);
JR_API const uint8_t *jr_shard_kiosk_id(const struct jr_shard *s);

/* Appends one block at height jr_shard_height()+1 holding the records, and
 * stores the receipts with it, in one transaction. */
JR_API int jr_shard_append(struct jr_shard *s, int64_t time,
	const uint8_t *const *records, const size_t *record_len, size_t n_records,
	const struct jr_shard_receipt *receipts, size_t n_receipts,
	uint64_t *height, uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
	JR_MUST_CHECK;

/* The centre's acknowledged head (ack.h), as the next downstream bundle
 * brings it. Verifies the bytes against consortium_sign_pk (fail closed),
 * refuses an ack for another kiosk (JR_EKEY), stores it if it is higher than
 * the one stored (an older or equal one changes nothing and returns JR_OK),
 * and checks it against the chain. If the ack names a height this database
 * does not hold, or another block at that height, the shard is marked stale
 * for good (in the database, so the mark survives a reopen) and this returns
 * JR_ESTALE; from then on jr_shard_append() refuses with JR_ESTALE, and
 * jr_shard_open() for appending refuses a database below the stored ack.
 * Needs a shard opened for appending. */
JR_API int jr_shard_accept_ack(struct jr_shard *s, const uint8_t *bytes, size_t len,
	const uint8_t consortium_sign_pk[JR_SIGN_PK_BYTES], struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* True once an acknowledgement contradicted this database. */
JR_API bool jr_shard_stale(const struct jr_shard *s);
/* The highest acknowledgement stored; JR_ENOTFOUND (out zeroed) if none. */
JR_API int jr_shard_last_ack(const struct jr_shard *s, struct jr_ack *out)
	JR_MUST_CHECK;

/* The kiosk's visit log (visit.h): one signed entry per officer visit,
 * numbered 1, 2, ... without gaps. put verifies the entry against this
 * kiosk's key and that it is the next number (JR_EINVAL otherwise); it needs
 * a shard opened for appending. get copies entry `number` out; last the
 * highest (out may be NULL) and its number. JR_ENOTFOUND when there is none. */
JR_API int jr_shard_visit_put(struct jr_shard *s, const uint8_t *entry, size_t len,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_shard_visit_get(struct jr_shard *s, uint64_t number, struct jr_buf *out)
	JR_MUST_CHECK;
JR_API int jr_shard_visit_last(struct jr_shard *s, struct jr_buf *out, uint64_t *number)
	JR_MUST_CHECK;

/* Re-checks the chain from height 1. On failure *bad_height names the first
 * height that does not verify and eb says why. */
JR_API int jr_shard_verify(struct jr_shard *s, enum jr_verify_mode mode,
	uint64_t *bad_height, struct jr_errbuf *eb) JR_MUST_CHECK;

/* One read transaction around many reads (an export reading every block it
 * carries): the reads between see one state and SQLite takes its locks
 * once, not once per read. Nothing may be appended in between; end it on
 * every path. */
JR_API int jr_shard_read_begin(struct jr_shard *s, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_shard_read_end(struct jr_shard *s);

/* A stored signed block: body and signature (malloc'd copies). */
JR_API int jr_shard_get(struct jr_shard *s, uint64_t height, struct jr_buf *body,
	uint8_t sig[JR_SIG_BYTES], struct jr_errbuf *eb) JR_MUST_CHECK;

/* Receipts: by registration id, the latest one, or by the 45-bit prefix of a
 * registration id that the typed code carries (jr_regid_prefix45()). Each
 * gives a malloc'd copy of the payload, JR_ENOTFOUND when there is none, and
 * jr_shard_receipt_by_code() JR_EAMBIGUOUS with no payload when more than
 * one receipt has that prefix: 45 bits are not unique (receipt.h), and the
 * caller must then ask for the receipt's QR rather than pick one. */
JR_API int jr_shard_receipt(struct jr_shard *s, const uint8_t regid[JR_REGID_BYTES],
	struct jr_buf *payload) JR_MUST_CHECK;
JR_API int jr_shard_last_receipt(struct jr_shard *s, struct jr_buf *payload)
	JR_MUST_CHECK;
JR_API int jr_shard_receipt_by_code(struct jr_shard *s, uint64_t prefix45,
	struct jr_buf *payload) JR_MUST_CHECK;

#endif
