/*
 * jaring/export.h — the public export of the transparency log and its
 * offline audit: a folder anyone can copy to a USB stick or a web site and
 * anyone can check with no server (docs/export.md).
 *
 *   DIR/checkpoint            the latest checkpoint, cosigned by a quorum
 *   DIR/checkpoints/<size>    every checkpoint ever published in this folder
 *                             (decimal tree size): the log's history
 *   DIR/tile/<L>/...          hash tiles of c2sp.org/tlog-tiles at the
 *                             latest size (older partial tiles stay)
 *   DIR/tile/entries/...      entry bundles: the leaves themselves
 *
 * Writing rebuilds the tree from the leaves it is given and refuses to
 * publish a checkpoint whose root those leaves do not give, or one the
 * policy does not trust. Auditing rebuilds the tree from the entry bundles
 * alone, checks every tile file against it, every checkpoint's root against
 * the tree at its size (so the history is append-only), and hands every
 * leaf to the caller, who checks what the leaves say.
 */
#ifndef JARING_EXPORT_H
#define JARING_EXPORT_H

#include "common.h"
#include "tlog.h"

/* Where the leaves come from: leaf i (0-based) of the log, malloc'd into
 * out. */
struct jr_export_source {
	int (*leaf)(void *ctx, uint64_t index, struct jr_buf *out);
	void *ctx;
};

/* Writes the log of `size` leaves and its checkpoint (a signed note for
 * exactly that size, trusted by `policy`) under dir, which is made if
 * missing. Adds to a folder written before (its history is kept): a tree
 * smaller than a checkpoint already there is refused. Each file is written
 * atomically. progress (may be NULL) sees leaves done of size. */
JR_API int jr_export_log(const struct jr_export_source *src, uint64_t size,
	const uint8_t *checkpoint, size_t checkpoint_len,
	const struct jr_tlog_policy *policy, const char *dir,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb) JR_MUST_CHECK;

struct jr_audit_log_report {
	char origin[JR_NOTE_NAME_MAX + 1];
	uint64_t size;          /* leaves under the latest checkpoint */
	size_t cosigned;        /* witnesses that cosigned it */
	size_t checkpoints;     /* in the history, the latest included */
	uint64_t oldest_size;   /* the smallest checkpoint in the history */
	uint64_t tiles_checked; /* hash tile and entry bundle files read */
};

/* Called for every leaf in order; a return other than JR_OK stops the audit
 * with that code (the callback puts its reason in eb). */
typedef int (*jr_audit_leaf_cb)(void *ctx, uint64_t index, const uint8_t *leaf,
	size_t len, struct jr_errbuf *eb);

/* Audits the log under dir as the header says. Every failure names the file
 * and what is wrong with it: JR_ESIG (a checkpoint the policy does not
 * trust), JR_ECORRUPT (a leaf, tile or checkpoint root that does not match
 * the tree the entries give), JR_EFORMAT, JR_ENOTFOUND (a file missing),
 * JR_EIO. Memory stays bounded: the rebuilt tree lives in a temporary
 * SQLite file, or, when tree is not NULL, in the caller's store: a caller
 * whose callback appends every leaf it is given to a tree of its own (as a
 * replay of the log does) passes that tree, and the tiles and checkpoints
 * are checked against it instead of a second one built beside it. A tree
 * that lacks a leaf or holds another fails the audit like a wrong tile. */
JR_API int jr_audit_log(const char *dir, const struct jr_tlog_policy *policy,
	jr_audit_leaf_cb cb, void *cb_ctx, const struct jr_tlog_store *tree,
	struct jr_audit_log_report *out,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* An RFC 9162 inclusion proof of leaf `index` in the tree of `size` leaves,
 * built from the export's hash tiles alone (no entry is read): what
 * jaring-audit receipt checks against the checkpoint. Fail closed. */
JR_API int jr_export_prove_inclusion(const char *dir, uint64_t index, uint64_t size,
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], size_t *n,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
