/*
 * tlog_int.h — text helpers shared by the transparency log's formats
 * (jaring/tlog.h): strict base64 and decimal, UTF-8 checks, and a growable
 * text buffer with a cap; and the SQLite store's hash runs, which the
 * centre's buffered log writes too (centre/logbuf.c).
 */
#ifndef JR_TLOG_INT_H
#define JR_TLOG_INT_H

#include "jaring/tlog.h"

/* SHA-256 of the parts one after another (sha256.c): on the processor's SHA
 * extensions where it has them, on libsodium's code otherwise. */
void jr_sha256(const struct jr_part *parts, size_t n_parts,
	uint8_t out[JR_TLOG_HASH_BYTES]);
/* True if jr_sha256 runs on the processor's SHA extensions. */
bool jr_sha256_hw(void);
/* For tests: false makes jr_sha256 use libsodium's code even where the
 * extensions are; true goes back to using them where present. */
void jr_sha256_allow_hw(bool allow);

/* Standard base64 (RFC 4648 §4) with padding: the length of the text for n
 * bytes, without NUL. */
#define JR_B64_LEN(n) ((((n) + 2) / 3) * 4)

/* Base64 of p into out (NUL-terminated, JR_B64_LEN(n) + 1 bytes). */
void jr_b64_encode(const uint8_t *p, size_t n, char *out);
/* Decodes exactly `len` characters of canonical padded base64 into out
 * (at most max bytes): JR_EFORMAT for any other character, bad padding,
 * non-zero trailing bits or a text that is not the encoding of what it
 * decodes to. */
int jr_b64_decode(const char *s, size_t len, uint8_t *out, size_t max,
	size_t *outlen) JR_MUST_CHECK;
/* Decimal with no sign, no leading zero (but "0"), at most JR_TLOG_SIZE_MAX. */
int jr_dec_parse(const char *s, size_t len, uint64_t *out) JR_MUST_CHECK;
/* True if p is valid UTF-8 (no overlong form, no surrogate, <= U+10FFFF)
 * with no control character below U+0020 other than newline. */
bool jr_note_text_valid(const uint8_t *p, size_t len);

/* Text being built: base is malloc'd, at most cap bytes. */
struct jr_tbuf {
	struct jr_buf b;
	size_t cap;
	int err; /* first error, sticky */
};
void jr_tbuf_add(struct jr_tbuf *t, const void *p, size_t n);
void jr_tbuf_str(struct jr_tbuf *t, const char *s);
void jr_tbuf_u64(struct jr_tbuf *t, uint64_t v);
void jr_tbuf_b64(struct jr_tbuf *t, const uint8_t *p, size_t n);
/* Moves the text into out on success; frees it otherwise. */
int jr_tbuf_finish(struct jr_tbuf *t, struct jr_buf *out) JR_MUST_CHECK;

/* ---- the SQLite store's rows (sqlstore.c, docs/tlog.md "Storage") ---- */

/* Hashes of one level per row of tlog_run. */
#define JR_TLOG_RUN 64
struct sqlite3;
struct sqlite3_stmt;
/* The row id of the run holding (level, index): level in the top 6 bits,
 * index / JR_TLOG_RUN below (fits: index <= JR_TLOG_SIZE_MAX). */
uint64_t jr_tlog_run_id(unsigned level, uint64_t index);
/* The two statements of jr_tlog_run_put, prepared on db (persistent). */
int jr_tlog_run_prepare(struct sqlite3 *db, struct sqlite3_stmt **put,
	struct sqlite3_stmt **add) JR_MUST_CHECK;
/* Writes hashes[0..n) of `level` from `index` on, all in one run: a new
 * row if index starts a run, else appended to the run's row, which must
 * end just before index. JR_EEXIST if the row is there (a new one) or does
 * not end there (an append), JR_EINVAL past the run, JR_EIO. */
int jr_tlog_run_put(struct sqlite3_stmt *put, struct sqlite3_stmt *add, unsigned level,
	uint64_t index, const uint8_t *hashes, size_t n) JR_MUST_CHECK;

/* The signature bytes (after the 4-byte key hash) of the one signature line
 * of n by (name, keyhash), decoded into sig (at most max bytes):
 * JR_ENOTFOUND if there is none, JR_EFORMAT if there are two (a key never
 * counts twice), JR_ESIG if its length is over max. */
int jr_note_sig_for(const struct jr_note *n, const char *name, uint32_t keyhash,
	uint8_t *sig, size_t max, size_t *siglen) JR_MUST_CHECK;

/* The em dash that opens every note signature line, U+2014. */
#define JR_NOTE_DASH "\xe2\x80\x94"

#endif
