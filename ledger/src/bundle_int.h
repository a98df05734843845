/*
 * bundle_int.h — what bundle.c, bundle_writer.c and bundle_reader.c share,
 * and the deterministic hook for the worked example of docs/formats.md.
 * Not installed: nothing outside libjaring and its tests may draw a bundle's
 * secrets from fixed bytes.
 */
#ifndef JR_BUNDLE_INT_H
#define JR_BUNDLE_INT_H

#include "jaring/bundle.h"

#define JR_BUNDLE_STORED_CHUNK (JR_BUNDLE_CHUNK_BYTES + JR_BUNDLE_CHUNK_ABYTES)
/* Offset of the CBOR map in the header, after magic and length. */
#define JR_BUNDLE_MAP_OFFSET (JR_BUNDLE_MAGIC_BYTES + 2)
#define JR_BUNDLE_MAP_MAX (JR_BUNDLE_HEADER_BYTES - JR_BUNDLE_MAP_OFFSET)
/* The smallest item: kind, a one-byte head, one byte. */
#define JR_BUNDLE_ITEM_MIN_FRAMED 3

/* The body hash on a second thread (bundle_hash.c): a ring of this many
 * stored chunks between the caller and the hasher. */
#define JR_BUNDLE_HASH_SLOTS 4
struct jr_bundle_hasher;
/* NULL when out of memory. */
struct jr_bundle_hasher *jr_bundle_hasher_new(void);
/* The slot to fill next: waits until the hasher is done with it. */
uint8_t *jr_bundle_hasher_buf(struct jr_bundle_hasher *h);
/* Hands the slot buf() gave over, n bytes of it; the caller may go on
 * reading it until its next buf(). more: other chunks will follow (which
 * makes a second thread worth starting). */
void jr_bundle_hasher_push(struct jr_bundle_hasher *h, size_t n, bool more);
/* BLAKE2b-256 of every chunk pushed, in order. Nothing may be pushed after. */
void jr_bundle_hasher_final(struct jr_bundle_hasher *h, uint8_t out[JR_HASH_BYTES]);
void jr_bundle_hasher_free(struct jr_bundle_hasher *h);

/* The secrets a writer would draw at random, given instead. */
struct jr_bundle_det {
	uint8_t stream_key[32];
	uint8_t eph_sk[32]; /* the sealed box's ephemeral X25519 secret */
	uint8_t ss_header[JR_BUNDLE_SS_HEADER_BYTES];
};

/* jr_bundle_writer_open with the secrets of det: for worked examples and
 * tests only. The output is a valid bundle that any reader opens. */
int jr_bundle_writer_open_det(const struct jr_bundle_sink *sink,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, const struct jr_bundle_det *det,
	struct jr_bundle_writer **out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* The 512 header bytes of h into out (h->info.id is recomputed, not read). */
int jr_bundle_header_encode(const struct jr_bundle_header *h,
	uint8_t out[JR_BUNDLE_HEADER_BYTES]) JR_MUST_CHECK;
/* id = H(map of keys 0..11) of h, the hash the signature covers. */
int jr_bundle_header_id(const struct jr_bundle_header *h,
	uint8_t id[JR_HASH_BYTES]) JR_MUST_CHECK;
/* Plaintext length of a body of body_len bytes; false if no chunking gives
 * that length. */
bool jr_bundle_pt_len(uint64_t body_len, uint64_t *pt_len);
/* "bundle NAME" for messages. */
const char *jr_bundle_name(const char *name);
/* n with thousands separators ("18,432") into out[32]. */
void jr_bundle_fmt_u64(uint64_t n, char out[32]);

#endif
