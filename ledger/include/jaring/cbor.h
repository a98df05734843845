/*
 * jaring/cbor.h — deterministic CBOR (RFC 8949 §4.2.1).
 *
 * Writer: emits shortest-form heads and definite lengths only. Callers
 * write map keys in canonical order (for the small unsigned integer keys
 * every Jaring format uses, ascending order);
 * jr_cbw_finish() re-checks the whole output with jr_cbor_check() and fails
 * with JR_EINTERNAL if it is not canonical, so a non-canonical encoding can
 * never leave the library.
 *
 * Strict check: jr_cbor_check() accepts exactly one data item that fills the
 * buffer, in deterministic encoding: shortest heads, no indefinite lengths,
 * map keys strictly increasing in bytewise order of their encodings (so no
 * duplicate keys), valid UTF-8 in text strings, no tags, no floats, no simple
 * values other than false, true and null, nesting at most JR_CBOR_MAX_DEPTH.
 * Every decode of signed data calls it before reading a field.
 *
 * Reader: a cursor over checked bytes. Each jr_cbr_* call consumes one item
 * (or one head for arrays and maps) and fails if the type differs. The first
 * failure sticks in r->err; later calls do nothing and return it.
 */
#ifndef JARING_CBOR_H
#define JARING_CBOR_H

#include "common.h"

#define JR_CBOR_MAX_DEPTH 16

struct jr_cbw {
	uint8_t *base;
	size_t len;
	size_t cap;
	size_t max;  /* output over this many bytes fails with JR_ETOOBIG */
	int err;     /* first error, sticky */
	bool fixed;  /* base is the caller's and never reallocated */
};

JR_API void jr_cbw_init(struct jr_cbw *w, size_t max);
/* A writer into caller-owned memory (e.g. sodium_malloc'd, for secrets that
 * must never reach the ordinary heap): never allocates; output over cap
 * fails with JR_ETOOBIG. End with jr_cbw_finish_fixed(). */
JR_API void jr_cbw_init_fixed(struct jr_cbw *w, uint8_t *buf, size_t cap);
/* Checks the output as jr_cbw_finish() does; *len gets its length (0 on
 * failure). The caller still owns, and wipes, the buffer. */
JR_API int jr_cbw_finish_fixed(struct jr_cbw *w, size_t *len) JR_MUST_CHECK;
JR_API void jr_cbw_free(struct jr_cbw *w);
JR_API void jr_cbw_uint(struct jr_cbw *w, uint64_t v);
JR_API void jr_cbw_int(struct jr_cbw *w, int64_t v);
JR_API void jr_cbw_bytes(struct jr_cbw *w, const uint8_t *p, size_t n);
/* Text must be valid UTF-8 (checked). */
JR_API void jr_cbw_text(struct jr_cbw *w, const char *s, size_t n);
JR_API void jr_cbw_array(struct jr_cbw *w, size_t n);
JR_API void jr_cbw_map(struct jr_cbw *w, size_t n);
JR_API void jr_cbw_bool(struct jr_cbw *w, bool b);
JR_API void jr_cbw_null(struct jr_cbw *w);
/* Append bytes that are already one canonical item (e.g. a nested record). */
JR_API void jr_cbw_raw(struct jr_cbw *w, const uint8_t *p, size_t n);
/* On success moves the bytes to *out (caller frees) and resets w. On failure
 * frees everything and returns the sticky error. */
JR_API int jr_cbw_finish(struct jr_cbw *w, struct jr_buf *out) JR_MUST_CHECK;

JR_API int jr_cbor_check(const uint8_t *p, size_t len, struct jr_errbuf *eb)
	JR_MUST_CHECK;

enum jr_cbor_type {
	JR_CBOR_UINT, JR_CBOR_NEGINT, JR_CBOR_BYTES, JR_CBOR_TEXT,
	JR_CBOR_ARRAY, JR_CBOR_MAP, JR_CBOR_BOOL, JR_CBOR_NULL, JR_CBOR_OTHER
};

struct jr_cbr {
	const uint8_t *p;
	size_t len;
	size_t off;
	int err;
};

/* The reader assumes jr_cbor_check() passed on the outermost item; it still
 * bounds-checks every read. */
JR_API void jr_cbr_init(struct jr_cbr *r, const uint8_t *p, size_t len);
JR_API enum jr_cbor_type jr_cbr_peek(struct jr_cbr *r);
JR_API int jr_cbr_uint(struct jr_cbr *r, uint64_t *v);
JR_API int jr_cbr_int(struct jr_cbr *r, int64_t *v);
/* Pointers point into the input; nothing is copied. */
JR_API int jr_cbr_bytes(struct jr_cbr *r, const uint8_t **p, size_t *n);
JR_API int jr_cbr_text(struct jr_cbr *r, const char **s, size_t *n);
JR_API int jr_cbr_array(struct jr_cbr *r, size_t *n);
JR_API int jr_cbr_map(struct jr_cbr *r, size_t *n);
JR_API int jr_cbr_bool(struct jr_cbr *r, bool *b);
JR_API int jr_cbr_null(struct jr_cbr *r);
/* Reads an unsigned map key and fails with JR_EFORMAT unless it equals want. */
JR_API int jr_cbr_key(struct jr_cbr *r, uint64_t want);
/* Keyed fields, the shape every Jaring map uses: map key `key`, then an
 * unsigned integer of at most max, or a byte string of exactly n bytes
 * copied to dst. Anything else fails with JR_EFORMAT (sticky). */
JR_API int jr_cbr_key_uint(struct jr_cbr *r, uint64_t key, uint64_t max, uint64_t *v);
JR_API int jr_cbr_key_fixed(struct jr_cbr *r, uint64_t key, uint8_t *dst, size_t n);
/* The opening every versioned format shares: at most max bytes, one
 * canonical item (jr_cbor_check), a map whose key 0 holds the version.
 * JR_ETOOBIG, JR_EFORMAT, or JR_EVERSION when the version is not `version`;
 * on success r stands after the version and *n holds the map's size. `what`
 * names the format in messages ("record"). */
JR_API int jr_cbr_open_versioned(struct jr_cbr *r, const uint8_t *p, size_t len,
	size_t max, const char *what, uint64_t version, size_t *n,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Skips one whole item (any type, nested). */
JR_API int jr_cbr_skip(struct jr_cbr *r);
/* Fails with JR_EFORMAT unless the whole input was consumed. */
JR_API int jr_cbr_end(struct jr_cbr *r);

#endif
