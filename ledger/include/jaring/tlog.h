/*
 * jaring/tlog.h — the transparency log: an RFC 6962 Merkle tree stored as
 * C2SP tlog-tiles, C2SP signed notes and checkpoints, timestamped
 * cosignatures (C2SP tlog-cosignature, cosignature/v1) checked against a
 * k-of-n quorum, and C2SP tlog-proof files. docs/tlog.md describes every
 * byte with worked examples; the C2SP texts (c2sp.org/tlog-tiles,
 * signed-note, tlog-checkpoint, tlog-cosignature, tlog-proof, tlog-policy)
 * and RFC 9162 §2.1 are the reference, so that any verifier written for
 * those specifications checks this log unchanged.
 *
 * This is the one place in Jaring that uses SHA-256 and signs messages
 * without the "label || 0x00 || BLAKE2b" convention of keys.h: the formats
 * are public standards that fix both the hash and the signed bytes.
 *
 * Nothing here loads a tree into memory. The tree lives in a hash store
 * (struct jr_tlog_store): the hash of every complete subtree, addressed by
 * (level, index) — exactly the hashes the tiles publish. Appending one leaf
 * writes 1 + (trailing one bits of its index) hashes; a root or a proof
 * reads O(log n) of them. The caller keeps the tree size (the node keeps it
 * in its state) and makes appends atomic (one SQLite transaction).
 */
#ifndef JARING_TLOG_H
#define JARING_TLOG_H

#include "common.h"
#include "keys.h"

#define JR_TLOG_HASH_BYTES 32
/* Sizes and indexes are below 2^63 (SQLite integers, Go's int64 sizes). */
#define JR_TLOG_SIZE_MAX ((uint64_t)INT64_MAX)
/* An inclusion or consistency proof of a tree below 2^63 leaves holds at
 * most 64 hashes. */
#define JR_TLOG_PROOF_MAX 64

/* ---- RFC 6962 hashing and proof verification (no storage needed) ---- */

/* SHA-256(0x00 || entry). */
JR_API void jr_tlog_leaf_hash(const uint8_t *entry, size_t len,
	uint8_t out[JR_TLOG_HASH_BYTES]);
/* SHA-256(0x01 || left || right). out may alias left or right. */
JR_API void jr_tlog_node_hash(const uint8_t left[JR_TLOG_HASH_BYTES],
	const uint8_t right[JR_TLOG_HASH_BYTES], uint8_t out[JR_TLOG_HASH_BYTES]);
/* The root of the empty tree, SHA-256 of no bytes. */
JR_API void jr_tlog_empty_root(uint8_t out[JR_TLOG_HASH_BYTES]);

/* RFC 9162 §2.1.3.2: JR_OK if `proof` (n hashes, from the leaf's sibling up)
 * proves that leaf hash `leaf` is at `index` in the tree of `size` leaves
 * whose root is `root`; JR_ESIG if not, JR_EINVAL for index >= size. */
JR_API int jr_tlog_verify_inclusion(const uint8_t leaf[JR_TLOG_HASH_BYTES],
	uint64_t index, uint64_t size, const uint8_t (*proof)[JR_TLOG_HASH_BYTES],
	size_t n, const uint8_t root[JR_TLOG_HASH_BYTES]) JR_MUST_CHECK;
/* RFC 9162 §2.1.4.2: JR_OK if `proof` shows that the tree of old_size
 * leaves with root old_root is a prefix of the tree of new_size leaves with
 * root new_root. old_size == new_size needs an empty proof and equal roots;
 * old_size == 0 needs an empty proof and old_root the empty root. */
JR_API int jr_tlog_verify_consistency(uint64_t old_size, uint64_t new_size,
	const uint8_t old_root[JR_TLOG_HASH_BYTES],
	const uint8_t new_root[JR_TLOG_HASH_BYTES],
	const uint8_t (*proof)[JR_TLOG_HASH_BYTES], size_t n) JR_MUST_CHECK;

/* ---- the stored tree ---- */

/* Where the complete-subtree hashes live. Hash (level, index) is the MTH of
 * leaves [index * 2^level, (index + 1) * 2^level). read returns JR_OK or
 * JR_ENOTFOUND (or JR_EIO); write must refuse to replace a hash that is
 * there (JR_EEXIST): the log is append-only. */
struct jr_tlog_store {
	void *ctx;
	int (*read)(void *ctx, unsigned level, uint64_t index,
		uint8_t out[JR_TLOG_HASH_BYTES]);
	int (*write)(void *ctx, unsigned level, uint64_t index,
		const uint8_t hash[JR_TLOG_HASH_BYTES]);
};

/* Appends the leaf at index `size` (the tree's size before this call):
 * writes its leaf hash and every subtree hash it completes. jr_tlog_append
 * hashes the entry first (leaf_out, if not NULL, receives the leaf hash). */
JR_API int jr_tlog_append_hash(const struct jr_tlog_store *s, uint64_t size,
	const uint8_t leaf[JR_TLOG_HASH_BYTES]) JR_MUST_CHECK;
JR_API int jr_tlog_append(const struct jr_tlog_store *s, uint64_t size,
	const uint8_t *entry, size_t len, uint8_t leaf_out[JR_TLOG_HASH_BYTES])
	JR_MUST_CHECK;
/* The RFC 6962 Merkle Tree Hash of the first `size` leaves. */
JR_API int jr_tlog_root(const struct jr_tlog_store *s, uint64_t size,
	uint8_t root[JR_TLOG_HASH_BYTES]) JR_MUST_CHECK;
/* RFC 9162 §2.1.3.1 / §2.1.4.1 proofs into proof[0..*n). Fail closed: on
 * error *n is 0 and proof is zeroed. */
JR_API int jr_tlog_prove_inclusion(const struct jr_tlog_store *s,
	uint64_t index, uint64_t size, uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES],
	size_t *n) JR_MUST_CHECK;
JR_API int jr_tlog_prove_consistency(const struct jr_tlog_store *s,
	uint64_t old_size, uint64_t new_size,
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], size_t *n) JR_MUST_CHECK;

/* A store in an open SQLite database: table tlog_run, a level's hashes in
 * runs of 64 per row (docs/tlog.md "Storage"), created if missing; a table
 * tlog_hash of the layout before is carried over into it. The caller owns
 * the database and its transactions; close before closing it. */
struct sqlite3;
struct jr_tlog_sqlstore;
JR_API int jr_tlog_sqlstore_open(struct sqlite3 *db, struct jr_tlog_sqlstore **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API const struct jr_tlog_store *jr_tlog_sqlstore_get(const struct jr_tlog_sqlstore *ss);
JR_API void jr_tlog_sqlstore_close(struct jr_tlog_sqlstore *ss);

/* A store for a tree rebuilt and thrown away (an export's, an audit's, a
 * replay's): one scratch file per level in TMPDIR (else /tmp), unlinked at
 * once, written through a buffer; about 64 bytes a leaf. Append-only: a
 * hash is written at the next index of its level, or again unchanged
 * (JR_EEXIST if changed, JR_EINVAL past the next index). JR_EIO with what
 * to do in eb if TMPDIR takes no file. */
struct jr_tlog_filestore;
JR_API int jr_tlog_filestore_open(struct jr_tlog_filestore **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API const struct jr_tlog_store *jr_tlog_filestore_get(const struct jr_tlog_filestore *fs);
JR_API void jr_tlog_filestore_close(struct jr_tlog_filestore *fs);

/* ---- C2SP tlog-tiles ---- */

#define JR_TLOG_TILE_WIDTH 256
#define JR_TLOG_TILE_BYTES (JR_TLOG_TILE_WIDTH * JR_TLOG_HASH_BYTES) /* 8192 */
#define JR_TLOG_TILE_LEVEL_MAX 63
/* Pass as level for an entry bundle, tile/entries/<N>. */
#define JR_TLOG_ENTRIES (-1)
/* "tile/entries/x123/x456/x789/x012/x345/x678/901.p/255" is 52 bytes. */
#define JR_TLOG_PATH_MAX 64
#define JR_TLOG_ENTRY_MAX 65535 /* entries are uint16 length-prefixed */

/* The path of tile `n` at `level` (0..63, or JR_TLOG_ENTRIES) with `width`
 * hashes (1..256; 256 is a full tile, no ".p/" suffix), such as
 * "tile/0/x001/x234/067.p/8", NUL-terminated into out. */
JR_API int jr_tlog_tile_path(int level, uint64_t n, unsigned width, char *out,
	size_t outlen) JR_MUST_CHECK;
/* The inverse, strict: exactly the path jr_tlog_tile_path would write. */
JR_API int jr_tlog_tile_path_parse(const char *path, size_t len, int *level,
	uint64_t *n, unsigned *width) JR_MUST_CHECK;
/* The bytes of tile (level, n) of the tree of `size` leaves: full if that
 * tile is complete at this size, otherwise the partial tile of
 * floor(size / 256^level) mod 256 hashes. JR_ENOTFOUND if the tree has no
 * such tile. out holds JR_TLOG_TILE_BYTES; *width is the hash count. */
JR_API int jr_tlog_tile_read(const struct jr_tlog_store *s, uint64_t size,
	unsigned level, uint64_t n, uint8_t out[JR_TLOG_TILE_BYTES],
	unsigned *width) JR_MUST_CHECK;
/* Writes under `dir` every hash tile that growing the tree from old_size to
 * new_size made or changed (all of them for old_size 0): new full tiles and
 * the partial tiles of new_size. Each file is written atomically; folders
 * are made as needed. Entry bundles are the caller's (the tree keeps only
 * hashes): see jr_tlog_bundle_append and jr_tlog_dir_write. */
JR_API int jr_tlog_tiles_export(const struct jr_tlog_store *s, uint64_t old_size,
	uint64_t new_size, const char *dir, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Appends one entry to an entry bundle in the making: uint16 big-endian
 * length, then the bytes. `cap` bounds out->len; JR_ETOOBIG past it or for
 * an entry over JR_TLOG_ENTRY_MAX. */
JR_API int jr_tlog_bundle_append(struct jr_buf *out, size_t cap,
	const uint8_t *entry, size_t len) JR_MUST_CHECK;
/* Checks an entry bundle against the level-0 tile of the same index (tile
 * bytes, `width` hashes): exactly `width` entries, each hashing to its leaf
 * hash, no trailing byte. With tile NULL, the framing alone (for a caller
 * that appends the entries to a tree and compares the tile with it). */
JR_API int jr_tlog_bundle_check(const uint8_t *bundle, size_t len,
	const uint8_t *tile, unsigned width, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Writes bytes at dir/relpath atomically, making the folders of relpath. */
JR_API int jr_tlog_dir_write(const char *dir, const char *relpath,
	const uint8_t *p, size_t len, struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- C2SP signed notes ---- */

#define JR_NOTE_MAX_BYTES 65536 /* whole note, text and signatures */
#define JR_NOTE_SIGS_MAX 32     /* the spec asks verifiers to take >= 16 */
#define JR_NOTE_NAME_MAX 255
#define JR_NOTE_ALG_ED25519 0x01
#define JR_NOTE_ALG_COSIG_V1 0x04
/* "name+xxxxxxxx+" and 44 base64 characters, NUL */
#define JR_NOTE_VKEY_MAX (JR_NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)

/* A key a verifier knows: signed-note Ed25519 (alg 0x01) or a timestamped
 * Ed25519 cosigner (alg 0x04). */
struct jr_note_verifier {
	char name[JR_NOTE_NAME_MAX + 1];
	uint32_t keyhash;
	uint8_t alg;
	uint8_t pk[JR_SIGN_PK_BYTES];
};

/* True if name is 1..255 bytes of UTF-8 with no space (Unicode's too), no
 * '+' and no control character. */
JR_API bool jr_note_name_valid(const char *name, size_t len);
/* First 4 bytes, big-endian, of SHA-256(name || 0x0A || alg || pk). */
JR_API uint32_t jr_note_keyhash(const char *name, size_t len, uint8_t alg,
	const uint8_t pk[JR_SIGN_PK_BYTES]);
/* A verifier for `name` and an Ed25519 public key. */
JR_API int jr_note_verifier_make(const char *name, uint8_t alg,
	const uint8_t pk[JR_SIGN_PK_BYTES], struct jr_note_verifier *out) JR_MUST_CHECK;
/* "<name>+<hex keyhash>+<base64(alg || pk)>", NUL-terminated. */
JR_API int jr_note_vkey_format(const struct jr_note_verifier *v, char *out,
	size_t outlen) JR_MUST_CHECK;
/* Strict: a valid name, 8 lowercase hex digits, canonical base64 of 33
 * bytes with a known alg, and the key hash must be the one the name and key
 * give. */
JR_API int jr_note_vkey_parse(const char *text, size_t len,
	struct jr_note_verifier *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* One signature line of a parsed note; pointers into the note bytes. */
struct jr_note_sig {
	const char *name;
	size_t name_len;
	uint32_t keyhash;
	const char *b64; /* base64 of keyhash || signature */
	size_t b64_len;
};
struct jr_note {
	const uint8_t *text; /* includes its final newline */
	size_t text_len;
	size_t n_sigs;
	struct jr_note_sig sigs[JR_NOTE_SIGS_MAX];
};
/* Splits a signed note at its last blank line. Strict: valid UTF-8, no
 * control character but newline, text ends in newline, 1..JR_NOTE_SIGS_MAX
 * lines "— <name> <base64>\n" with a valid name and at least 5 decoded
 * bytes. Verifies nothing. */
JR_API int jr_note_parse(const uint8_t *p, size_t len, struct jr_note *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The note text || "\n" || "— name base64(keyhash || Ed25519(text))\n" in
 * out (malloc'd). text must be a valid note text. */
JR_API int jr_note_sign(const struct jr_key *k, const char *name,
	const uint8_t *text, size_t len, struct jr_buf *out, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* JR_OK if the note carries a valid signature by v (alg 0x01) and no
 * signature by v that fails; JR_ENOTFOUND if v did not sign it. */
JR_API int jr_note_verify(const struct jr_note *n, const struct jr_note_verifier *v,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- C2SP tlog-checkpoint and tlog-cosignature ---- */

#define JR_CHECKPOINT_TEXT_MAX (JR_NOTE_NAME_MAX + 1 + 19 + 1 + 44 + 1)
struct jr_checkpoint {
	char origin[JR_NOTE_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[JR_TLOG_HASH_BYTES];
	/* extension lines, as received (may be empty); never written by us */
	const uint8_t *ext;
	size_t ext_len;
};
/* "<origin>\n<size>\n<base64 root>\n" into out (NUL-terminated; *len
 * without the NUL). The origin must be a valid note name: the log's key
 * name is its origin. */
JR_API int jr_checkpoint_format(const char *origin, uint64_t size,
	const uint8_t root[JR_TLOG_HASH_BYTES], char *out, size_t outlen,
	size_t *len) JR_MUST_CHECK;
/* Parses a checkpoint note text strictly: non-empty origin, decimal size
 * with no leading zero (<= JR_TLOG_SIZE_MAX), canonical base64 of 32 bytes,
 * then only non-empty extension lines. Fail closed (out zeroed). */
JR_API int jr_checkpoint_parse_text(const uint8_t *text, size_t len,
	struct jr_checkpoint *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Adds a cosignature/v1 line by cosigner key k named `name` at `timestamp`
 * to a signed checkpoint note (which must parse), into out (malloc'd). */
JR_API int jr_checkpoint_cosign(const struct jr_key *k, const char *name,
	uint64_t timestamp, const uint8_t *note, size_t len, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Which checkpoints to trust, as a tlog-policy file with one log, n
 * witnesses in one group and "quorum" of them required: the log's key
 * (alg 0x01, its name the origin) and cosigner keys (alg 0x04). */
struct jr_tlog_policy {
	struct jr_note_verifier log;
	const struct jr_note_verifier *witnesses;
	size_t n_witnesses;
	size_t quorum; /* 0 = "quorum none" */
};
/* Opens a signed checkpoint: parses it, requires the log's signature and
 * origin, verifies every cosignature from a policy witness (one that fails
 * refuses the whole note), and requires `quorum` distinct witnesses. Any
 * signature line of a known key that appears twice refuses the note.
 * cosigned (may be NULL) receives the number of witnesses that cosigned.
 * Fail closed: out zeroed on error. */
JR_API int jr_checkpoint_open(const uint8_t *note, size_t len,
	const struct jr_tlog_policy *policy, struct jr_checkpoint *out,
	size_t *cosigned, struct jr_errbuf *eb) JR_MUST_CHECK;

/* A tlog-policy file (c2sp.org/tlog-policy), the subset jaring-node writes
 * and jaring-node and jaring-audit read (docs/node.md "Cosigning policy"):
 * one "log VKEY" line (alg 0x01, named by the origin), up to
 * JR_TLOG_POLICY_WITNESSES_MAX "witness NAME VKEY" lines (alg 0x04), one
 * "group NAME K MEMBER..." of every witness, and "quorum NAME" (or "quorum
 * none"). Blank lines and '#' comments are ignored; anything else, unknown
 * group members, K out of range, two witnesses with one name or key are
 * refused, naming the line. p points into the struct itself. */
#define JR_TLOG_POLICY_WITNESSES_MAX 7
struct jr_tlog_policy_file {
	struct jr_note_verifier log;
	struct jr_note_verifier witnesses[JR_TLOG_POLICY_WITNESSES_MAX];
	struct jr_tlog_policy p;
};
JR_API int jr_tlog_policy_parse(const char *text, size_t len,
	struct jr_tlog_policy_file *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Reads and parses the file at path (at most 64 KiB); errors name it. */
JR_API int jr_tlog_policy_load(const char *path, struct jr_tlog_policy_file *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* ---- C2SP tlog-proof ---- */

#define JR_TLOG_PROOF_EXTRA_MAX 1024
#define JR_TLOG_PROOF_FILE_MAX (JR_NOTE_MAX_BYTES + 4096)
struct jr_tlog_proof {
	uint8_t extra[JR_TLOG_PROOF_EXTRA_MAX];
	size_t extra_len; /* 0: no extra line */
	uint64_t index;
	uint8_t hashes[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES];
	size_t n_hashes;
	const uint8_t *checkpoint; /* the signed note, into the parsed bytes */
	size_t checkpoint_len;
};
/* "c2sp.org/tlog-proof@v1\n" ["extra <b64>\n"] "index <i>\n"
 * (<b64 hash>\n)* "\n" <checkpoint note>, into out (malloc'd). */
JR_API int jr_tlog_proof_encode(const uint8_t *extra, size_t extra_len,
	uint64_t index, const uint8_t (*hashes)[JR_TLOG_HASH_BYTES], size_t n,
	const uint8_t *checkpoint, size_t checkpoint_len, struct jr_buf *out)
	JR_MUST_CHECK;
JR_API int jr_tlog_proof_parse(const uint8_t *p, size_t len,
	struct jr_tlog_proof *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Parses, opens the checkpoint under `policy` and checks that leaf hash
 * `leaf` is at the proof's index under the checkpoint's root. */
JR_API int jr_tlog_proof_verify(const uint8_t *p, size_t len,
	const struct jr_tlog_policy *policy, const uint8_t leaf[JR_TLOG_HASH_BYTES],
	struct jr_checkpoint *cp, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
