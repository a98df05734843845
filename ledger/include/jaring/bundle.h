/*
 * jaring/bundle.h — the bundle: the one container both transports carry (a
 * file on a USB drive, the body of an HTTP request). Self-authenticating and
 * encrypted to its recipient, streamed both ways with flat memory.
 * Byte layout: docs/formats.md "Bundle".
 *
 *   offset 0    header, JR_BUNDLE_HEADER_BYTES (512):
 *                 0  8   magic "JRBUNDLE"
 *                 8  2   L, big-endian: length of the CBOR map that follows
 *                10  L   canonical CBOR map, keys 0..12 (below)
 *              10+L  ..  zero bytes up to 512
 *   offset 512  body: crypto_secretstream_xchacha20poly1305 chunks; every
 *               chunk but the last holds JR_BUNDLE_CHUNK_BYTES of plaintext
 *               (65,536 + 17 bytes stored, tag MESSAGE); the last holds
 *               0..65,536 bytes (tag FINAL). No length prefixes: the signed
 *               body length fixes where every chunk starts and ends.
 *
 * Header map: 0 version (1), 1 kind, 2 sender Ed25519 public key (32),
 * 3 recipient key id (16), 4 time, 5 range first, 6 range last, 7 item
 * count, 8 body length, 9 body hash = BLAKE2b-256(body bytes as stored),
 * 10 stream key sealed to the recipient (crypto_box_seal, 80), 11
 * secretstream header (24), 12 signature (64) =
 *   Ed25519(sender, "jaring/bundle/v1" || 0x00 || H(map of keys 0..11))
 * where the map of keys 0..11 is encoded as in the header, with a head
 * saying 12 entries. H of that map is also the bundle's id.
 *
 * Plaintext: items back to back, each
 *   kind (1 byte) || CBOR byte-string head of n (major type 2, shortest) ||
 *   n bytes, 1 <= n <= JR_BUNDLE_ITEM_MAX,
 * freely spanning chunk boundaries, and nothing after the last item.
 *
 * Writing: a placeholder header of 512 zero bytes first, then the body as
 * items arrive; jr_bundle_writer_finish seals the last chunk, syncs the
 * body, writes the signed header over offset 0 and syncs again. Bundles are
 * files, so seeking back is fine; a sink that cannot seek (a pipe) cannot
 * carry a bundle being written — write to a file, then send the file. Until
 * finish returns JR_OK the file starts with zeros and no reader accepts it.
 *
 * Applying (the consumer's contract): the reader verifies the header and its
 * signature before it reports anything, and every chunk as it streams, but an
 * item it hands out is not yet known to belong to a whole bundle. A consumer
 * stages items (a SQLite transaction, a temporary table) and commits only
 * after jr_bundle_reader_end returns JR_OK: the FINAL tag was seen, the body
 * length, body hash and item count agree with the header, and nothing
 * follows the body. Any other outcome: roll back. A bundle is applied whole
 * or not at all. Whom to trust (the sender's key against the roster) is the
 * caller's decision, made from jr_bundle_info before reading items.
 */
#ifndef JARING_BUNDLE_H
#define JARING_BUNDLE_H

#include "common.h"
#include "keys.h"

#define JR_BUNDLE_VERSION 1
#define JR_BUNDLE_DOMAIN "jaring/bundle/v1"
#define JR_BUNDLE_MAGIC "JRBUNDLE"
#define JR_BUNDLE_MAGIC_BYTES 8
#define JR_BUNDLE_HEADER_BYTES 512
#define JR_BUNDLE_CHUNK_BYTES 65536 /* plaintext per chunk */
#define JR_BUNDLE_CHUNK_ABYTES 17   /* secretstream overhead per chunk */
#define JR_BUNDLE_SEALED_KEY_BYTES 80 /* 32-byte key + crypto_box_SEALBYTES */
#define JR_BUNDLE_SS_HEADER_BYTES 24
#define JR_BUNDLE_ITEM_MAX (1u << 20) /* one item's bytes, at most */
/* Body lengths and counts fit in 2^62, far above any drive. */
#define JR_BUNDLE_BODY_MAX (UINT64_C(1) << 62)

enum jr_bundle_kind {
	JR_BUNDLE_UPSTREAM = 1,  /* kiosk -> centre */
	JR_BUNDLE_DOWNSTREAM = 2 /* centre -> one kiosk */
	/* 3.. reserved for later kinds; a reader refuses them */
};

/* What an item holds. Each bundle kind allows some item kinds (below); the
 * writer refuses and the reader rejects any other. The bytes of each are the
 * format of that thing (a signed block of block.h, ...), opaque here. */
enum jr_bundle_item_kind {
	JR_ITEM_BLOCK = 1,      /* upstream: a signed block [body, sig] */
	JR_ITEM_VISIT = 2,      /* upstream: one entry of the kiosk's visit log */
	JR_ITEM_STATUS = 3,     /* downstream: the status of one registration */
	JR_ITEM_ROSTER = 4,     /* downstream: the consortium-signed roster */
	JR_ITEM_POLICY = 5,     /* downstream: the current policy */
	JR_ITEM_CHECKPOINT = 6, /* downstream: the latest cosigned checkpoint */
	JR_ITEM_ACK = 7         /* downstream: the acknowledged head */
};

/* True if a bundle of `kind` may carry items of `item`. */
JR_API bool jr_bundle_item_allowed(int kind, int item);

/* What the header says, after its signature verified. */
struct jr_bundle_info {
	int kind;                              /* enum jr_bundle_kind */
	uint8_t sender_pk[JR_SIGN_PK_BYTES];   /* who signed; trust is the caller's */
	uint8_t sender_id[JR_ID_BYTES];        /* key id of sender_pk */
	uint8_t recipient_id[JR_ID_BYTES];
	uint64_t time;        /* Unix seconds, claimed by the sender's clock */
	uint64_t first, last; /* range: upstream, the heights of its blocks
	                       * (0, 0 with none); downstream, first = the
	                       * centre's sequence number of this bundle for its
	                       * kiosk, last = the acknowledged height (so
	                       * first <= last holds only upstream);
	                       * downstream.h */
	uint64_t items;       /* number of items in the body */
	uint64_t body_len;    /* bytes of body after the header */
	uint8_t body_hash[JR_HASH_BYTES];
	uint8_t id[JR_HASH_BYTES]; /* H(header map of keys 0..11): the bundle's id */
};

/* The parsed header, everything but the secret. */
struct jr_bundle_header {
	struct jr_bundle_info info;
	uint8_t sealed_key[JR_BUNDLE_SEALED_KEY_BYTES];
	uint8_t ss_header[JR_BUNDLE_SS_HEADER_BYTES];
	uint8_t sig[JR_SIG_BYTES];
};

/* Parses the JR_BUNDLE_HEADER_BYTES at the start of a bundle (len must be
 * exactly that) strictly: magic, length, canonical map with every key, zero
 * padding, kinds and ranges in bounds, a body length that the chunking can
 * produce. Does not check the signature. On failure *out is zeroed.
 * `name` names the bundle in messages (a file name; NULL for "bundle"). */
JR_API int jr_bundle_header_decode(const uint8_t *p, size_t len, const char *name,
	struct jr_bundle_header *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Checks the header's signature against the sender key it names (JR_ESIG). */
JR_API int jr_bundle_header_verify(const struct jr_bundle_header *h,
	const char *name, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Body length of a bundle whose plaintext is pt_len bytes. */
JR_API uint64_t jr_bundle_body_len(uint64_t pt_len);
/* Bytes of framing one item of n bytes costs in the plaintext (1 + head). */
JR_API size_t jr_bundle_item_overhead(size_t n);

/* ---- writing ---- */

/* Where a writer puts bytes. append: the next bytes of the body, in order.
 * header: JR_BUNDLE_HEADER_BYTES to put at offset 0 (called twice: the zero
 * placeholder before any append, the signed header at the end). sync: make
 * everything so far durable (may be NULL for memory sinks). Each returns
 * JR_OK or an error with a message in eb. */
struct jr_bundle_sink {
	int (*append)(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb);
	int (*header)(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb);
	int (*sync)(void *ctx, struct jr_errbuf *eb);
	void *ctx;
};

struct jr_bundle_params {
	int kind;             /* enum jr_bundle_kind */
	uint64_t time;
	uint64_t first, last; /* upstream: first <= last; see jr_bundle_info */
};

struct jr_bundle_writer;

/* Starts a bundle from `sender` to `recipient` (its key id and X25519 key
 * are used): draws a fresh stream key, seals it to recipient->box_pk and
 * writes the placeholder header. The sink must outlive the writer. */
JR_API int jr_bundle_writer_open(const struct jr_bundle_sink *sink,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, struct jr_bundle_writer **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The same into an open, empty regular file (JR_EINVAL if it is not empty):
 * body by write(2) from offset 512, header by pwrite(2) at 0, fsync. The
 * caller owns fd and names it in messages with `name`. */
JR_API int jr_bundle_writer_open_fd(int fd, const char *name,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, struct jr_bundle_writer **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Adds one item (1..JR_BUNDLE_ITEM_MAX bytes of an allowed kind). After a
 * failure the writer only accepts abort or finish (which then fails). */
JR_API int jr_bundle_writer_add(struct jr_bundle_writer *w, int item_kind,
	const uint8_t *p, size_t len, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Seals the FINAL chunk, syncs, writes the signed header at offset 0, syncs.
 * Always frees w. On success fills *info (may be NULL). */
JR_API int jr_bundle_writer_finish(struct jr_bundle_writer *w,
	struct jr_bundle_info *info, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Frees w without writing a header: what was written stays unreadable (it
 * starts with zeros); the caller removes the file. NULL is fine. */
JR_API void jr_bundle_writer_abort(struct jr_bundle_writer *w);

/* ---- reading ---- */

/* Where a reader gets bytes, in order from offset 0: read fills up to n
 * bytes and sets *got; *got < n only at the end of the bundle's bytes. */
struct jr_bundle_source {
	int (*read)(void *ctx, uint8_t *p, size_t n, size_t *got, struct jr_errbuf *eb);
	void *ctx;
};

struct jr_bundle_reader;

/* Reads the header and verifies it and its signature first, then that it is
 * for `recipient` (JR_EKEY), then opens the stream key. If expect_sender is
 * not NULL the header must name that signing key (JR_EKEY). *info gets what
 * the header says. Nothing of the body has been read yet. */
JR_API int jr_bundle_reader_open(const struct jr_bundle_source *src,
	const char *name, const struct jr_key *recipient,
	const uint8_t *expect_sender, struct jr_bundle_reader **out,
	struct jr_bundle_info *info, struct jr_errbuf *eb) JR_MUST_CHECK;
/* The same from an open file descriptor, read from its current offset. */
JR_API int jr_bundle_reader_open_fd(int fd, const char *name,
	const struct jr_key *recipient, const uint8_t *expect_sender,
	struct jr_bundle_reader **out, struct jr_bundle_info *info,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The next item: JR_OK with *kind != 0 and (*p, *len) valid until the next
 * call; JR_OK with *kind == 0 once every item was read. Every chunk is
 * authenticated before a byte of it is handed out. Errors are sticky. An
 * item is staged, never applied, until jr_bundle_reader_end says JR_OK. */
JR_API int jr_bundle_reader_next(struct jr_bundle_reader *r, int *kind,
	const uint8_t **p, size_t *len, struct jr_errbuf *eb) JR_MUST_CHECK;
/* JR_OK only if next has reported the end of items, the FINAL tag was seen,
 * the body length, body hash and item count match the header and nothing
 * follows the body. The one success a consumer commits on. */
JR_API int jr_bundle_reader_end(struct jr_bundle_reader *r, struct jr_errbuf *eb)
	JR_MUST_CHECK;
JR_API void jr_bundle_reader_free(struct jr_bundle_reader *r);

#endif
