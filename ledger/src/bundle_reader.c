/*
 * bundle_reader.c — streams a bundle in (jaring/bundle.h).
 *
 * This reader assumes nothing of the source but order: (a) the header is read
 * and its signature verified before the recipient, the key or a byte of the
 * body is looked at; (b) every chunk is authenticated (secretstream) before a
 * byte of its plaintext is handed out, so chunks cannot be altered, dropped,
 * reordered or taken from another bundle; (c) the signed body length says
 * how long each chunk is and where the body ends, so a chunk cut short is a
 * truncation, a FINAL tag before the end or none at the end is corruption;
 * (d) success is only ever said by jr_bundle_reader_end.
 *
 * Memory: the body hasher's JR_BUNDLE_HASH_SLOTS stored chunks (bundle_hash.c:
 * each chunk is read into a slot and decrypted while it is hashed), one
 * plaintext chunk, and an item buffer used only
 * for items that span chunks, grown to the largest such item (at most
 * JR_BUNDLE_ITEM_MAX).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "jaring/bundle.h"
#include "bundle_int.h"

/* What the fd reader asks the kernel to fetch at once (a visit's bundle of
 * 512 blocks is about 300 KB). */
#define READ_AHEAD_BYTES (4 << 20)

struct reader_secret {
	uint8_t key[32];
	uint8_t shared[32];
	uint8_t k[crypto_box_BEFORENMBYTES];
	crypto_secretstream_xchacha20poly1305_state st;
};

struct jr_bundle_reader {
	struct jr_bundle_hasher *hash;
	struct jr_bundle_source src;
	int fd; /* for the fd source */
	const char *name;
	struct reader_secret *sec;
	struct jr_bundle_info info;
	uint8_t *pt;            /* JR_BUNDLE_CHUNK_BYTES */
	size_t pt_len, pt_off;  /* plaintext of the current chunk, read up to */
	uint8_t *item;          /* for items that span chunks */
	size_t item_cap;
	uint64_t body_read, items, chunks;
	bool final, done, ended;
	int err;                /* sticky */
};

static int fd_read(void *ctx, uint8_t *p, size_t n, size_t *got, struct jr_errbuf *eb)
{
	const struct jr_bundle_reader *r = ctx;

	*got = 0;
	while (*got < n) {
		ssize_t k = read(r->fd, p + *got, n - *got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return jr_errf(eb, JR_EIO, "bundle %s: cannot read: %s",
				jr_bundle_name(r->name), strerror(errno));
		if (k == 0)
			break;
		*got += (size_t)k;
	}
	return JR_OK;
}

static int fail(struct jr_bundle_reader *r, int code, struct jr_errbuf *eb,
	const char *why)
{
	r->err = code;
	return jr_errf(eb, code, "bundle %s: %s", jr_bundle_name(r->name), why);
}

static int truncated(struct jr_bundle_reader *r, uint64_t at, struct jr_errbuf *eb)
{
	char a[32], total[32];

	jr_bundle_fmt_u64(at, a);
	jr_bundle_fmt_u64(JR_BUNDLE_HEADER_BYTES + r->info.body_len, total);
	r->err = JR_ECORRUPT;
	return jr_errf(eb, JR_ECORRUPT,
		"bundle %s: truncated at byte %s of %s — the drive was removed while "
		"writing, or the transfer stopped; export again",
		jr_bundle_name(r->name), a, total);
}

/* crypto_box_seal_open, with the recipient's X25519 secret used only through
 * jr_key_box_shared: k = HSalsa20(X25519(sk, epk), 0), nonce = BLAKE2b-192(
 * epk || pk), key = crypto_box_open_easy_afternm(ct). */
static int unseal(struct jr_bundle_reader *r, const struct jr_key *me,
	const uint8_t sealed[JR_BUNDLE_SEALED_KEY_BYTES])
{
	static const uint8_t zero[16];
	struct reader_secret *s = r->sec;
	uint8_t nonce[crypto_box_NONCEBYTES];
	crypto_generichash_state st;
	struct jr_pubkey pub;
	int rc = JR_OK;

	jr_key_public(me, &pub);
	if (jr_key_box_shared(me, sealed, s->shared) != JR_OK)
		rc = JR_ECORRUPT;
	crypto_core_hsalsa20(s->k, zero, s->shared, NULL);
	crypto_generichash_init(&st, NULL, 0, sizeof nonce);
	crypto_generichash_update(&st, sealed, crypto_box_PUBLICKEYBYTES);
	crypto_generichash_update(&st, pub.box_pk, JR_BOX_PK_BYTES);
	crypto_generichash_final(&st, nonce, sizeof nonce);
	if (rc == JR_OK && crypto_box_open_easy_afternm(s->key,
		sealed + crypto_box_PUBLICKEYBYTES,
		JR_BUNDLE_SEALED_KEY_BYTES - crypto_box_PUBLICKEYBYTES, nonce, s->k) != 0)
		rc = JR_ECORRUPT;
	sodium_memzero(s->shared, sizeof s->shared);
	sodium_memzero(s->k, sizeof s->k);
	return rc;
}

static void reader_free(struct jr_bundle_reader *r)
{
	if (r == NULL)
		return;
	sodium_free(r->sec);
	if (r->pt != NULL)
		sodium_memzero(r->pt, JR_BUNDLE_CHUNK_BYTES);
	if (r->item != NULL)
		sodium_memzero(r->item, r->item_cap);
	free(r->pt);
	jr_bundle_hasher_free(r->hash);
	free(r->item);
	sodium_memzero(r, sizeof *r);
	free(r);
}

void jr_bundle_reader_free(struct jr_bundle_reader *r)
{
	reader_free(r);
}

static struct jr_bundle_reader *reader_alloc(void)
{
	struct jr_bundle_reader *r = calloc(1, sizeof *r);

	if (r == NULL)
		return NULL;
	r->sec = sodium_malloc(sizeof *r->sec);
	r->hash = jr_bundle_hasher_new();
	r->pt = malloc(JR_BUNDLE_CHUNK_BYTES);
	if (r->sec == NULL || r->hash == NULL || r->pt == NULL) {
		reader_free(r);
		return NULL;
	}
	sodium_memzero(r->sec, sizeof *r->sec);
	return r;
}

/* Who it is for and who signed it, against what the caller holds. */
static int check_parties(struct jr_bundle_reader *r, const struct jr_key *me,
	const uint8_t *expect_sender, struct jr_errbuf *eb)
{
	char want[JR_KEYID_SHORT_LEN + 1], got[JR_KEYID_SHORT_LEN + 1];
	uint8_t id[JR_ID_BYTES];

	if (sodium_memcmp(r->info.recipient_id, jr_key_id(me), JR_ID_BYTES) != 0) {
		jr_keyid_short(r->info.recipient_id, got);
		jr_keyid_short(jr_key_id(me), want);
		return jr_errf(eb, r->err = JR_EKEY,
			"bundle %s is for recipient %s, not this node (%s); take it to %s",
			jr_bundle_name(r->name), got, want, got);
	}
	if (expect_sender != NULL &&
	    sodium_memcmp(r->info.sender_pk, expect_sender, JR_SIGN_PK_BYTES) != 0) {
		jr_keyid_short(r->info.sender_id, got);
		jr_keyid_from_pk(expect_sender, id);
		jr_keyid_short(id, want);
		return jr_errf(eb, r->err = JR_EKEY,
			"bundle %s: signed by key %s, which is not the expected sender %s; "
			"do not import it", jr_bundle_name(r->name), got, want);
	}
	return JR_OK;
}

static int reader_header(struct jr_bundle_reader *r, const struct jr_key *me,
	const uint8_t *expect_sender, struct jr_errbuf *eb)
{
	uint8_t raw[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_header h;
	size_t got = 0;
	int rc;

	if ((rc = r->src.read(r->src.ctx, raw, sizeof raw, &got, eb)) != JR_OK)
		return rc;
	if (got < sizeof raw) {
		char a[32];

		jr_bundle_fmt_u64(got, a);
		return jr_errf(eb, JR_ECORRUPT,
			"bundle %s: truncated at byte %s, inside its %d-byte header — the "
			"drive was removed while writing, or the transfer stopped; export again",
			jr_bundle_name(r->name), a, JR_BUNDLE_HEADER_BYTES);
	}
	if ((rc = jr_bundle_header_decode(raw, sizeof raw, r->name, &h, eb)) != JR_OK ||
	    (rc = jr_bundle_header_verify(&h, r->name, eb)) != JR_OK)
		return rc;
	r->info = h.info;
	if ((rc = check_parties(r, me, expect_sender, eb)) != JR_OK)
		return rc;
	if (unseal(r, me, h.sealed_key) != JR_OK)
		return jr_errf(eb, JR_ECORRUPT,
			"bundle %s: its key does not open with this node's key although the "
			"header names it; export it again", jr_bundle_name(r->name));
	rc = crypto_secretstream_xchacha20poly1305_init_pull(&r->sec->st, h.ss_header,
		r->sec->key) == 0 ? JR_OK : JR_ECORRUPT;
	sodium_memzero(r->sec->key, sizeof r->sec->key);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "bundle %s: bad stream header", jr_bundle_name(r->name));
	return JR_OK;
}

/* src NULL: read from fd. */
static int reader_open(const struct jr_bundle_source *src, int fd, const char *name,
	const struct jr_key *recipient, const uint8_t *expect_sender,
	struct jr_bundle_reader **out, struct jr_bundle_info *info, struct jr_errbuf *eb)
{
	struct jr_bundle_reader *r;
	int rc;

	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if ((src != NULL && src->read == NULL) || recipient == NULL)
		return jr_errf(eb, JR_EINVAL, "bundle: nothing to read or no key");
	if ((r = reader_alloc()) == NULL)
		return jr_errf(eb, JR_ENOMEM, "bundle: out of memory");
	if (src != NULL) {
		r->src = *src;
	} else {
		r->fd = fd;
		r->src = (struct jr_bundle_source){ fd_read, r };
	}
	r->name = name;
	if (src == NULL) {
		/* Read-ahead advice, so that the drive fetches the body while the
		 * header's signature and sealed key are checked and the first
		 * chunks are decrypted and hashed. It fills the page cache, not
		 * this process's memory; failing, it changes nothing. */
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
		(void)posix_fadvise(fd, 0, READ_AHEAD_BYTES, POSIX_FADV_WILLNEED);
	}
	if ((rc = reader_header(r, recipient, expect_sender, eb)) != JR_OK) {
		reader_free(r);
		return rc;
	}
	if (info != NULL)
		*info = r->info;
	*out = r;
	return JR_OK;
}

int jr_bundle_reader_open(const struct jr_bundle_source *src, const char *name,
	const struct jr_key *recipient, const uint8_t *expect_sender,
	struct jr_bundle_reader **out, struct jr_bundle_info *info, struct jr_errbuf *eb)
{
	if (src == NULL) {
		if (out != NULL)
			*out = NULL;
		return JR_EINVAL;
	}
	return reader_open(src, -1, name, recipient, expect_sender, out, info, eb);
}

int jr_bundle_reader_open_fd(int fd, const char *name,
	const struct jr_key *recipient, const uint8_t *expect_sender,
	struct jr_bundle_reader **out, struct jr_bundle_info *info, struct jr_errbuf *eb)
{
	return reader_open(NULL, fd, name, recipient, expect_sender, out, info, eb);
}

/* Reads, authenticates and decrypts the next chunk into r->pt. */
static int next_chunk(struct jr_bundle_reader *r, struct jr_errbuf *eb)
{
	uint64_t left = r->info.body_len - r->body_read;
	size_t n = left < JR_BUNDLE_STORED_CHUNK ? (size_t)left : JR_BUNDLE_STORED_CHUNK;
	unsigned long long mlen = 0;
	unsigned char tag = 0;
	size_t got = 0;
	uint8_t *ct = jr_bundle_hasher_buf(r->hash);
	int rc;

	if ((rc = r->src.read(r->src.ctx, ct, n, &got, eb)) != JR_OK)
		return r->err = rc;
	if (got < n)
		return truncated(r, JR_BUNDLE_HEADER_BYTES + r->body_read + got, eb);
	r->body_read += n;
	jr_bundle_hasher_push(r->hash, n, r->body_read < r->info.body_len);
	r->chunks++;
	if (crypto_secretstream_xchacha20poly1305_pull(&r->sec->st, r->pt, &mlen, &tag,
		ct, n, NULL, 0) != 0) {
		char c[32];
		char why[128];

		jr_bundle_fmt_u64(r->chunks, c);
		if (snprintf(why, sizeof why, "chunk %s does not authenticate (damaged, "
			"reordered or from another bundle); export again", c) < 0)
			why[0] = '\0';
		return fail(r, JR_ECORRUPT, eb, why);
	}
	if (tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE &&
	    tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL)
		return fail(r, JR_ECORRUPT, eb, "a chunk carries an unknown tag");
	r->final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
	if (r->final != (r->body_read == r->info.body_len))
		return fail(r, JR_ECORRUPT, eb, r->final
			? "its last chunk comes before the end its header states"
			: "its body ends without a last chunk; export again");
	r->pt_len = (size_t)mlen;
	r->pt_off = 0;
	return JR_OK;
}

/* Copies n plaintext bytes into dst, across chunks. false with *eb set if
 * the body ends first. */
static int take(struct jr_bundle_reader *r, uint8_t *dst, size_t n, struct jr_errbuf *eb)
{
	int rc;

	while (n > 0) {
		size_t k;

		if (r->pt_off == r->pt_len) {
			if (r->final)
				return fail(r, JR_ECORRUPT, eb, "its last item is cut short");
			if ((rc = next_chunk(r, eb)) != JR_OK)
				return rc;
			continue;
		}
		k = r->pt_len - r->pt_off < n ? r->pt_len - r->pt_off : n;
		memcpy(dst, r->pt + r->pt_off, k);
		r->pt_off += k;
		dst += k;
		n -= k;
	}
	return JR_OK;
}

/* Item length from its CBOR byte-string head (shortest form only). */
static int item_len(struct jr_bundle_reader *r, size_t *n, struct jr_errbuf *eb)
{
	uint8_t b[4] = { 0 };
	size_t extra, i;
	uint64_t v = 0;
	int rc;

	*n = 0;
	if ((rc = take(r, b, 1, eb)) != JR_OK)
		return rc;
	if ((b[0] & 0xe0) != 0x40 || (b[0] & 0x1f) > 26)
		return fail(r, JR_ECORRUPT, eb, "an item's length is malformed");
	extra = (b[0] & 0x1f) < 24 ? 0 : (size_t)1 << ((b[0] & 0x1f) - 24);
	if (extra == 0) {
		*n = b[0] & 0x1f;
	} else {
		if ((rc = take(r, b, extra, eb)) != JR_OK)
			return rc;
		for (i = 0; i < extra; i++)
			v = v << 8 | b[i];
		*n = (size_t)v;
	}
	if (*n < 1 || *n > JR_BUNDLE_ITEM_MAX || jr_bundle_item_overhead(*n) != 1 + 1 + extra)
		return fail(r, JR_ECORRUPT, eb, "an item's length is out of bounds or not shortest");
	return JR_OK;
}

/* The item's bytes: in place if they lie in this chunk, else gathered. */
static int item_bytes(struct jr_bundle_reader *r, size_t n, const uint8_t **p,
	struct jr_errbuf *eb)
{
	uint8_t *grown;

	if (r->pt_len - r->pt_off >= n) {
		*p = r->pt + r->pt_off;
		r->pt_off += n;
		return JR_OK;
	}
	if (n > r->item_cap) {
		if ((grown = malloc(n)) == NULL)
			return fail(r, JR_ENOMEM, eb, "out of memory for an item");
		if (r->item != NULL)
			sodium_memzero(r->item, r->item_cap);
		free(r->item);
		r->item = grown;
		r->item_cap = n;
	}
	*p = r->item;
	return take(r, r->item, n, eb);
}

static bool at_end(struct jr_bundle_reader *r, struct jr_errbuf *eb, int *rc)
{
	*rc = JR_OK;
	while (r->pt_off == r->pt_len) {
		if (r->final)
			return true;
		if ((*rc = next_chunk(r, eb)) != JR_OK)
			return true;
	}
	return false;
}

int jr_bundle_reader_next(struct jr_bundle_reader *r, int *kind, const uint8_t **p,
	size_t *len, struct jr_errbuf *eb)
{
	uint8_t k = 0;
	size_t n = 0;
	int rc;

	if (kind == NULL || p == NULL || len == NULL)
		return JR_EINVAL;
	*kind = 0;
	*p = NULL;
	*len = 0;
	if (r == NULL)
		return JR_EINVAL;
	if (r->err != JR_OK)
		return jr_errf(eb, r->err, "bundle %s: refused earlier", jr_bundle_name(r->name));
	if (r->done)
		return JR_OK;
	if (at_end(r, eb, &rc)) {
		r->done = rc == JR_OK;
		return rc;
	}
	if ((rc = take(r, &k, 1, eb)) != JR_OK || (rc = item_len(r, &n, eb)) != JR_OK)
		return rc;
	if (!jr_bundle_item_allowed(r->info.kind, k))
		return fail(r, JR_ECORRUPT, eb, "it holds an item of a kind its kind of bundle may not carry");
	if (r->items >= r->info.items)
		return fail(r, JR_ECORRUPT, eb, "it holds more items than its header counts");
	if ((rc = item_bytes(r, n, p, eb)) != JR_OK) {
		*p = NULL;
		return rc;
	}
	r->items++;
	*kind = k;
	*len = n;
	return JR_OK;
}

int jr_bundle_reader_end(struct jr_bundle_reader *r, struct jr_errbuf *eb)
{
	uint8_t hash[JR_HASH_BYTES], extra;
	size_t got = 0;
	int rc;

	if (r == NULL)
		return JR_EINVAL;
	if (r->err != JR_OK)
		return jr_errf(eb, r->err, "bundle %s: refused earlier", jr_bundle_name(r->name));
	if (r->ended)
		return JR_OK;
	if (!r->done)
		return fail(r, JR_EINVAL, eb, "not every item was read; nothing may be applied");
	if (!r->final || r->body_read != r->info.body_len)
		return fail(r, JR_ECORRUPT, eb, "its body is incomplete");
	if (r->items != r->info.items)
		return fail(r, JR_ECORRUPT, eb, "it holds fewer items than its header counts");
	jr_bundle_hasher_final(r->hash, hash);
	if (!jr_hash_equal(hash, r->info.body_hash))
		return fail(r, JR_ECORRUPT, eb, "its body does not match the hash in its header");
	if ((rc = r->src.read(r->src.ctx, &extra, 1, &got, eb)) != JR_OK)
		return r->err = rc;
	if (got != 0)
		return fail(r, JR_ECORRUPT, eb, "bytes follow the end of its body");
	r->ended = true;
	return JR_OK;
}
