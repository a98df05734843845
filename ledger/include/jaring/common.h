/*
 * jaring/common.h — error codes, byte buffers and error messages shared by
 * every part of libjaring.
 *
 * The library never prints and never exits. Functions return an int from
 * enum jr_err; where a person will read the failure, the function also takes
 * a `struct jr_errbuf *` (may be NULL) and fills it with a sentence that says
 * what happened, to which thing, and what to do.
 */
#ifndef JARING_COMMON_H
#define JARING_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#if defined(__GNUC__)
#define JR_API __attribute__((visibility("default")))
#define JR_MUST_CHECK __attribute__((warn_unused_result))
#define JR_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define JR_API
#define JR_MUST_CHECK
#define JR_PRINTF(a, b)
#endif

enum jr_err {
	JR_OK = 0,
	JR_EINVAL,     /* bad argument from the caller */
	JR_ENOMEM,     /* allocation failed */
	JR_EIO,        /* read, write, fsync or rename failed */
	JR_EFORMAT,    /* bytes are not a well-formed, canonical encoding */
	JR_EVERSION,   /* format version this build does not know */
	JR_ETOOBIG,    /* input or output over its documented maximum */
	JR_ESIG,       /* signature or MAC does not verify */
	JR_ECORRUPT,   /* stored data fails its integrity check */
	JR_ESTALE,     /* state is older than what this device already signed */
	JR_EEXIST,     /* thing already exists */
	JR_ENOTFOUND,  /* thing does not exist */
	JR_EPIN,       /* wrong PIN or passphrase */
	JR_ERULE,      /* record fails the contract rules */
	JR_EKEY,       /* wrong key or key of the wrong role */
	JR_EINTERNAL,  /* a bug: an invariant of the library did not hold */
	JR_EAMBIGUOUS, /* a lookup key matches more than one thing */
	JR_ERR_COUNT
};

/* Short English name of an error code; never NULL. */
JR_API const char *jr_strerror(int err);

#define JR_ERRMSG_MAX 512

/* A human-readable message that travels with an error code. */
struct jr_errbuf {
	int code;
	char msg[JR_ERRMSG_MAX];
};

/* Record `code` and a formatted message in `eb` (if not NULL); returns code.
 * If the message was set already, the new text is prefixed to the old one,
 * separated by ": " (raft's ErrMsgWrapf), so callers can add context. */
JR_API int jr_errf(struct jr_errbuf *eb, int code, const char *fmt, ...)
	JR_PRINTF(3, 4);
#ifdef __clang_analyzer__
/* For clang-tidy only, never compiled: the analyser reads one file at a time
 * and cannot see that jr_errf returns its code, so it followed
 * `return jr_errf(eb, JR_EIO, ...)` as if JR_OK could come back. (The model
 * reads `code` twice; nothing runs, so that is harmless.) */
static inline int jr_errf_returns_(int code, int ignored)
{
	(void)ignored;
	return code;
}
#define jr_errf(eb, code, ...) \
	jr_errf_returns_((code), jr_errf((eb), (code), __VA_ARGS__))
#endif
JR_API void jr_errclear(struct jr_errbuf *eb);

/* Owned bytes. base is malloc'd (free with jr_buf_free) unless stated. */
struct jr_buf {
	uint8_t *base;
	size_t len;
};

JR_API void jr_buf_free(struct jr_buf *b);

/* Hashes: BLAKE2b-256 everywhere. */
#define JR_HASH_BYTES 32
/* Key and kiosk ids: BLAKE2b-128 of the public signing key, see keys.h. */
#define JR_ID_BYTES 16
/* Registration ids: jr_hash_labelled("jaring/regid/v2", record bytes), 16
 * bytes; see record.h. */
#define JR_REGID_BYTES 16

JR_API void jr_hash(const uint8_t *p, size_t len, uint8_t out[JR_HASH_BYTES]);

/* The one labelling convention for every hash and signature domain
 * (docs/formats.md "Domains"): unkeyed BLAKE2b with an outlen-byte output
 * (16..64) over
 *     label || 0x00 || part[0] || part[1] || ...
 * where label is 1..64 printable ASCII characters without spaces, such as
 * "jaring/regid/v2". The zero byte ends the label, so no labelled input is a
 * prefix of another label's. Returns JR_EINVAL for a bad label or outlen
 * (out is then zeroed). */
#define JR_LABEL_MAX 64
struct jr_part {
	const uint8_t *p;
	size_t len;
};
JR_API int jr_hash_labelled(const char *label, const struct jr_part *parts,
	size_t n_parts, uint8_t *out, size_t outlen) JR_MUST_CHECK;
/* True if label is 1..JR_LABEL_MAX printable ASCII characters, no spaces. */
JR_API bool jr_label_valid(const char *label);
/* Constant-time equality of two hashes, a word at a time: as safe as
 * sodium_memcmp and several times faster, for loops over long chains. */
JR_API bool jr_hash_equal(const uint8_t a[JR_HASH_BYTES], const uint8_t b[JR_HASH_BYTES]);

/* Must be called once before anything else (wraps sodium_init()). */
JR_API int jr_init(void) JR_MUST_CHECK;

/* Lowercase hex of p into out (2*len+1 bytes). */
JR_API void jr_hex(const uint8_t *p, size_t len, char *out);

#endif
