/*
 * bundle_writer.c — streams a bundle out (jaring/bundle.h).
 *
 * Memory: one plaintext chunk and the body hasher's JR_BUNDLE_HASH_SLOTS
 * stored chunks (bundle_hash.c), whatever the size: each chunk is encrypted
 * into a slot, handed to the hasher, and written out while it is hashed.
 * Items are framed into the plaintext buffer; a full buffer is sealed as a
 * MESSAGE chunk only when more bytes arrive, so the last chunk (FINAL, made
 * by finish) may be full or empty and the body length alone says where every
 * chunk ends.
 *
 * The stream key exists only until the secretstream state is derived from
 * it; the state (which holds the derived key) lives in sodium_malloc'd
 * memory and is wiped on every path.
 *
 * Order of durable writes in finish: FINAL chunk, sync, header, sync. A
 * header is therefore never on the medium before the body it signs; a power
 * cut in between leaves the zero placeholder, which no reader accepts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

#include "jaring/bundle.h"
#include "bundle_int.h"

struct writer_secret {
	uint8_t key[32];
	crypto_secretstream_xchacha20poly1305_state st;
};

/* The sink behind jr_bundle_writer_open_fd. */
struct fd_sink {
	int fd;
	const char *name;
	uint64_t off; /* next body byte's file offset */
};

struct jr_bundle_writer {
	struct jr_bundle_hasher *hash;
	struct jr_bundle_sink sink;
	struct fd_sink fds; /* used when sink.ctx == &fds */
	struct writer_secret *sec;
	struct jr_bundle_header h;
	const struct jr_key *sender;
	uint8_t *pt;   /* JR_BUNDLE_CHUNK_BYTES */
	size_t pt_len; /* bytes in pt */
	uint64_t body_len, items;
	int err;       /* sticky */
};

static int fd_write_at(const struct fd_sink *s, const uint8_t *p, size_t n,
	uint64_t off, struct jr_errbuf *eb)
{
	while (n > 0) {
		ssize_t k = pwrite(s->fd, p, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			int e = k < 0 ? errno : ENOSPC;

			if (e == ENOSPC || e == EDQUOT)
				return jr_errf(eb, JR_EIO,
					"bundle %s: the drive is full; free space on it or use "
					"another drive, then export again", jr_bundle_name(s->name));
			return jr_errf(eb, JR_EIO, "bundle %s: cannot write: %s%s",
				jr_bundle_name(s->name), strerror(e),
				e == EROFS ? " (the drive is read-only; unlock it)" : "");
		}
		p += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return JR_OK;
}

static int fd_append(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	struct fd_sink *s = ctx;
	int rc = fd_write_at(s, p, n, s->off, eb);

	if (rc == JR_OK)
		s->off += n;
	return rc;
}

static int fd_header(void *ctx, const uint8_t *p, size_t n, struct jr_errbuf *eb)
{
	return fd_write_at(ctx, p, n, 0, eb);
}

static int fd_sync(void *ctx, struct jr_errbuf *eb)
{
	const struct fd_sink *s = ctx;

	if (fsync(s->fd) != 0)
		return jr_errf(eb, JR_EIO, "bundle %s: cannot flush to the drive: %s",
			jr_bundle_name(s->name), strerror(errno));
	return JR_OK;
}

/* crypto_box_seal with a given ephemeral secret: epk || crypto_box_easy(m,
 * nonce = BLAKE2b-192(epk || pk), pk, esk), libsodium's construction. */
static int seal_det(uint8_t out[JR_BUNDLE_SEALED_KEY_BYTES], const uint8_t key[32],
	const uint8_t pk[JR_BOX_PK_BYTES], const uint8_t esk[32])
{
	uint8_t nonce[crypto_box_NONCEBYTES];
	crypto_generichash_state st;

	if (crypto_scalarmult_base(out, esk) != 0)
		return JR_EKEY;
	crypto_generichash_init(&st, NULL, 0, sizeof nonce);
	crypto_generichash_update(&st, out, crypto_box_PUBLICKEYBYTES);
	crypto_generichash_update(&st, pk, JR_BOX_PK_BYTES);
	crypto_generichash_final(&st, nonce, sizeof nonce);
	if (crypto_box_easy(out + crypto_box_PUBLICKEYBYTES, key, 32, nonce, pk, esk) != 0)
		return JR_EKEY;
	return JR_OK;
}

/* Stream key, sealed key and stream state, fresh or from det. */
static int writer_keys(struct jr_bundle_writer *w, const struct jr_pubkey *to,
	const struct jr_bundle_det *det)
{
	struct writer_secret *s = w->sec;
	int rc = JR_OK;

	if (det != NULL) {
		memcpy(s->key, det->stream_key, sizeof s->key);
		memcpy(w->h.ss_header, det->ss_header, sizeof w->h.ss_header);
		rc = seal_det(w->h.sealed_key, s->key, to->box_pk, det->eph_sk);
		/* init_pull derives exactly the state init_push would have made
		 * with this header (both: HChaCha20 of key and header, counter
		 * reset), which is what lets the example fix the header. */
		if (rc == JR_OK && crypto_secretstream_xchacha20poly1305_init_pull(&s->st,
			w->h.ss_header, s->key) != 0)
			rc = JR_EINTERNAL;
	} else {
		crypto_secretstream_xchacha20poly1305_keygen(s->key);
		if (crypto_box_seal(w->h.sealed_key, s->key, sizeof s->key, to->box_pk) != 0)
			rc = JR_EKEY;
		else if (crypto_secretstream_xchacha20poly1305_init_push(&s->st,
			w->h.ss_header, s->key) != 0)
			rc = JR_EINTERNAL;
	}
	sodium_memzero(s->key, sizeof s->key);
	return rc;
}

static int params_ok(const struct jr_bundle_params *pp)
{
	return (pp->kind == JR_BUNDLE_UPSTREAM && pp->first <= pp->last) ||
		pp->kind == JR_BUNDLE_DOWNSTREAM;
}

static void writer_free(struct jr_bundle_writer *w)
{
	if (w == NULL)
		return;
	sodium_free(w->sec);
	if (w->pt != NULL)
		sodium_memzero(w->pt, JR_BUNDLE_CHUNK_BYTES);
	free(w->pt);
	jr_bundle_hasher_free(w->hash);
	sodium_memzero(w, sizeof *w);
	free(w);
}

static struct jr_bundle_writer *writer_alloc(void)
{
	struct jr_bundle_writer *w = calloc(1, sizeof *w);

	if (w == NULL)
		return NULL;
	w->sec = sodium_malloc(sizeof *w->sec);
	w->pt = malloc(JR_BUNDLE_CHUNK_BYTES);
	w->hash = jr_bundle_hasher_new();
	if (w->sec == NULL || w->pt == NULL || w->hash == NULL) {
		writer_free(w);
		return NULL;
	}
	sodium_memzero(w->sec, sizeof *w->sec);
	return w;
}

static int writer_start(const struct jr_bundle_sink *sink, struct fd_sink *fds,
	const struct jr_key *sender, const struct jr_pubkey *to,
	const struct jr_bundle_params *pp, const struct jr_bundle_det *det,
	struct jr_bundle_writer **out, struct jr_errbuf *eb)
{
	static const uint8_t zeros[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_writer *w;
	struct jr_pubkey me;
	int rc;

	if ((w = writer_alloc()) == NULL)
		return jr_errf(eb, JR_ENOMEM, "bundle: out of memory");
	if (fds != NULL) {
		w->fds = *fds;
		w->sink = (struct jr_bundle_sink){ fd_append, fd_header, fd_sync, &w->fds };
	} else {
		w->sink = *sink;
	}
	w->sender = sender;
	jr_key_public(sender, &me);
	w->h.info.kind = pp->kind;
	memcpy(w->h.info.sender_pk, me.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(w->h.info.sender_id, me.id, JR_ID_BYTES);
	memcpy(w->h.info.recipient_id, to->id, JR_ID_BYTES);
	w->h.info.time = pp->time;
	w->h.info.first = pp->first;
	w->h.info.last = pp->last;
	if ((rc = writer_keys(w, to, det)) != JR_OK) {
		writer_free(w);
		return jr_errf(eb, rc, "bundle: cannot seal its key to the recipient "
			"(its public key is not a usable X25519 key)");
	}
	if ((rc = w->sink.header(w->sink.ctx, zeros, sizeof zeros, eb)) != JR_OK) {
		writer_free(w);
		return rc;
	}
	*out = w;
	return JR_OK;
}

static int writer_args(const struct jr_key *sender, const struct jr_pubkey *to,
	const struct jr_bundle_params *pp, struct jr_bundle_writer **out,
	struct jr_errbuf *eb)
{
	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (sender == NULL || to == NULL || pp == NULL || !params_ok(pp))
		return jr_errf(eb, JR_EINVAL, "bundle: bad kind, range or key");
	return JR_OK;
}

int jr_bundle_writer_open(const struct jr_bundle_sink *sink,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, struct jr_bundle_writer **out,
	struct jr_errbuf *eb)
{
	return jr_bundle_writer_open_det(sink, sender, recipient, params, NULL, out, eb);
}

int jr_bundle_writer_open_det(const struct jr_bundle_sink *sink,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, const struct jr_bundle_det *det,
	struct jr_bundle_writer **out, struct jr_errbuf *eb)
{
	int rc = writer_args(sender, recipient, params, out, eb);

	if (rc != JR_OK)
		return rc;
	if (sink == NULL || sink->append == NULL || sink->header == NULL)
		return jr_errf(eb, JR_EINVAL, "bundle: no sink to write to");
	return writer_start(sink, NULL, sender, recipient, params, det, out, eb);
}

int jr_bundle_writer_open_fd(int fd, const char *name,
	const struct jr_key *sender, const struct jr_pubkey *recipient,
	const struct jr_bundle_params *params, struct jr_bundle_writer **out,
	struct jr_errbuf *eb)
{
	struct fd_sink fds = { fd, name, JR_BUNDLE_HEADER_BYTES };
	struct stat st;
	int rc = writer_args(sender, recipient, params, out, eb);

	if (rc != JR_OK)
		return rc;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size != 0)
		return jr_errf(eb, JR_EINVAL,
			"bundle %s: must be written into a new, empty file", jr_bundle_name(name));
	return writer_start(NULL, &fds, sender, recipient, params, NULL, out, eb);
}

/* Seals the plaintext buffer as one chunk with `tag` and appends it. */
static int writer_seal(struct jr_bundle_writer *w, unsigned char tag, struct jr_errbuf *eb)
{
	unsigned long long clen = 0;
	size_t n = w->pt_len + JR_BUNDLE_CHUNK_ABYTES;
	uint8_t *ct = jr_bundle_hasher_buf(w->hash);
	int rc;

	if (crypto_secretstream_xchacha20poly1305_push(&w->sec->st, ct, &clen, w->pt,
		w->pt_len, NULL, 0, tag) != 0 || clen != n)
		return w->err = jr_errf(eb, JR_EINTERNAL, "bundle: cannot encrypt a chunk");
	jr_bundle_hasher_push(w->hash, n,
		tag != crypto_secretstream_xchacha20poly1305_TAG_FINAL);
	if ((rc = w->sink.append(w->sink.ctx, ct, n, eb)) != JR_OK)
		return w->err = rc;
	w->body_len += n;
	w->pt_len = 0;
	return JR_OK;
}

/* Appends plaintext, sealing each full buffer before it takes more. */
static int writer_put(struct jr_bundle_writer *w, const uint8_t *p, size_t n,
	struct jr_errbuf *eb)
{
	int rc;

	while (n > 0) {
		size_t room, k;

		if (w->pt_len == JR_BUNDLE_CHUNK_BYTES &&
		    (rc = writer_seal(w, crypto_secretstream_xchacha20poly1305_TAG_MESSAGE, eb)) != JR_OK)
			return rc;
		room = JR_BUNDLE_CHUNK_BYTES - w->pt_len;
		k = n < room ? n : room;
		memcpy(w->pt + w->pt_len, p, k);
		w->pt_len += k;
		p += k;
		n -= k;
	}
	return JR_OK;
}

/* kind || CBOR byte-string head of n, shortest form. Returns its length. */
static size_t item_head(uint8_t out[6], int kind, size_t n)
{
	size_t len = jr_bundle_item_overhead(n), i;

	out[0] = (uint8_t)kind;
	if (len == 2) {
		out[1] = (uint8_t)(0x40 | n);
		return len;
	}
	out[1] = (uint8_t)(0x40 | (len == 3 ? 24 : len == 4 ? 25 : 26));
	for (i = 2; i < len; i++)
		out[i] = (uint8_t)(n >> (8 * (len - 1 - i)));
	return len;
}

int jr_bundle_writer_add(struct jr_bundle_writer *w, int item_kind,
	const uint8_t *p, size_t len, struct jr_errbuf *eb)
{
	uint8_t head[6];
	size_t hn;
	int rc;

	if (w == NULL)
		return JR_EINVAL;
	if (w->err != JR_OK)
		return jr_errf(eb, w->err, "bundle: an earlier write failed");
	if (p == NULL || len < 1 || len > JR_BUNDLE_ITEM_MAX ||
	    !jr_bundle_item_allowed(w->h.info.kind, item_kind))
		return jr_errf(eb, JR_EINVAL,
			"bundle: item of kind %d and %zu bytes does not belong in this bundle",
			item_kind, len);
	hn = item_head(head, item_kind, len);
	if ((rc = writer_put(w, head, hn, eb)) != JR_OK ||
	    (rc = writer_put(w, p, len, eb)) != JR_OK)
		return rc;
	w->items++;
	return JR_OK;
}

static int writer_close(struct jr_bundle_writer *w, struct jr_errbuf *eb)
{
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	int rc;

	if ((rc = writer_seal(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL, eb)) != JR_OK)
		return rc;
	jr_bundle_hasher_final(w->hash, w->h.info.body_hash);
	w->h.info.body_len = w->body_len;
	w->h.info.items = w->items;
	if (w->sink.sync != NULL && (rc = w->sink.sync(w->sink.ctx, eb)) != JR_OK)
		return rc;
	if ((rc = jr_bundle_header_id(&w->h, w->h.info.id)) != JR_OK ||
	    (rc = jr_sign_hash(w->sender, JR_BUNDLE_DOMAIN, w->h.info.id, w->h.sig)) != JR_OK ||
	    (rc = jr_bundle_header_encode(&w->h, hdr)) != JR_OK)
		return jr_errf(eb, rc, "bundle: cannot sign its header");
	if ((rc = w->sink.header(w->sink.ctx, hdr, sizeof hdr, eb)) != JR_OK)
		return rc;
	if (w->sink.sync != NULL && (rc = w->sink.sync(w->sink.ctx, eb)) != JR_OK)
		return rc;
	return JR_OK;
}

int jr_bundle_writer_finish(struct jr_bundle_writer *w, struct jr_bundle_info *info,
	struct jr_errbuf *eb)
{
	int rc;

	if (info != NULL)
		memset(info, 0, sizeof *info);
	if (w == NULL)
		return JR_EINVAL;
	rc = w->err != JR_OK ? jr_errf(eb, w->err, "bundle: an earlier write failed")
			     : writer_close(w, eb);
	if (rc == JR_OK && info != NULL)
		*info = w->h.info;
	writer_free(w);
	return rc;
}

void jr_bundle_writer_abort(struct jr_bundle_writer *w)
{
	writer_free(w);
}
