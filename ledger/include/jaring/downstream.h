/*
 * jaring/downstream.h — the downstream bundle: the centre's answer to one
 * kiosk (docs/formats.md "Downstream bundle"). One format whichever way it
 * travels: written by jaring-node (and by jaring-sync's stand-in centre)
 * with jr_downstream_write, applied by the kiosk with jr_downstream_apply.
 *
 * A bundle (bundle.h) of kind 2, signed by the consortium key and encrypted
 * to the kiosk's X25519 key (derived from its Ed25519 key on the roster):
 *   header range first = the sequence number (>= 1; the centre's log size
 *   serves: it only grows), last = the acknowledged height (0: none);
 *   header time = the checkpoint time (the ack's time).
 *   items, in this order and no other:
 *     ACK        0 or 1  the consortium-signed acknowledged head (ack.h);
 *                        present exactly when last > 0, and names it
 *     ROSTER     1..17   the roster chain (roster.h): up to
 *                        JR_DOWNSTREAM_CHAIN_MAX rosters that rotated the
 *                        consortium key (each names a key other than the one
 *                        its predecessor named), ascending serial, then the
 *                        latest roster; a kiosk that missed rotations
 *                        follows them link by link
 *     POLICY     1       the policy record (jr_policy_encode, rules.h)
 *     CHECKPOINT 0 or 1  a cosigned checkpoint note (tlog.h)
 *     STATUS     0..n    one jaring/status.h item per registration of this
 *                        kiosk the centre holds, in the centre's order
 *
 * Writing streams the statuses from the centre straight into the bundle:
 * memory stays flat whatever the number of registrations.
 *
 * Applying, the kiosk's side, in this order:
 *   1. the header verifies, names this kiosk as recipient and is of kind 2;
 *   2. a sequence number at or below the last one applied: nothing more is
 *      read and nothing changes (res->old); bundles may arrive in any order;
 *   3. every item is verified as it streams. The rosters are walked as a
 *      chain: one is taken when it is the roster held (the same bytes), or
 *      verifies under the key the roster taken last names (at first the held
 *      roster's, the pinned key for a kiosk that holds none) with a higher
 *      serial; one that does not verify under that key, or is not newer, is
 *      passed over (a link for kiosks further behind, or a forgery: it
 *      conveys no trust). The last roster of the chain must be taken, else
 *      the bundle is refused; it is the roster the kiosk holds after. The
 *      sender must be the key that roster names or the key that signed it
 *      (so the consortium key rotates through rosters, and the pinned key
 *      stops counting once a roster names another); the ack verifies under
 *      the sender. Statuses go to sink->status, which stages them;
 *   4. only when jr_bundle_reader_end says the bundle is whole: the ack goes
 *      to jr_shard_accept_ack (idempotent: it keeps the highest), then
 *      sink->commit makes the staged statuses and everything in *res durable
 *      in one transaction. Any failure before: sink->rollback, nothing
 *      applied. So the kiosk's store and its shard change whole or not at
 *      all: a crash between the two leaves the ack stored and the bundle
 *      unapplied, and applying it again is correct.
 */
#ifndef JARING_DOWNSTREAM_H
#define JARING_DOWNSTREAM_H

#include "ack.h"
#include "bundle.h"
#include "centre.h"
#include "common.h"
#include "keys.h"
#include "rules.h"
#include "shard.h"
#include "status.h"
#include "tlog.h"

#define JR_DOWNSTREAM_CHAIN_MAX 16 /* rotation links before the latest roster */

struct jr_downstream_params {
	struct jr_centre *centre;          /* the ack and statuses come from it */
	const struct jr_key *consortium;   /* signs (role consortium) */
	uint8_t kiosk_pk[JR_SIGN_PK_BYTES]; /* the recipient, as the roster names it */
	const uint8_t *roster;             /* signed roster v2 bytes: the latest */
	size_t roster_len;
	/* The rosters that rotated the key before it, ascending serial (at most
	 * JR_DOWNSTREAM_CHAIN_MAX; jr_centre_roster_links); may be 0. */
	const struct jr_buf *roster_chain;
	size_t roster_chain_n;
	const struct jr_policy *policy;
	const uint8_t *checkpoint;         /* cosigned checkpoint note, NULL: none */
	size_t checkpoint_len;
	uint64_t seq;                      /* >= 1, above any earlier one to this kiosk */
	int64_t time;                      /* the checkpoint time, Unix seconds, >= 0 */
};

/* What a written bundle holds. */
struct jr_downstream_info {
	struct jr_bundle_info bundle;
	uint64_t ack_height;  /* 0: nothing of the kiosk is applied yet */
	uint64_t statuses;
};

/* Writes the kiosk's downstream bundle to sink (bundle.h: a file, since the
 * header goes to offset 0 last). info may be NULL. */
JR_API int jr_downstream_write(const struct jr_downstream_params *p,
	const struct jr_bundle_sink *sink, struct jr_downstream_info *info,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The same into an open, empty regular file (jr_bundle_writer_open_fd). */
JR_API int jr_downstream_write_fd(const struct jr_downstream_params *p, int fd,
	const char *name, struct jr_downstream_info *info, struct jr_errbuf *eb)
	JR_MUST_CHECK;

/* ---- applying (the kiosk) ---- */

/* What the kiosk trusts before the bundle: the key it pinned at
 * provisioning and the roster it holds (with the key that signed it, as the
 * last result gave it). */
struct jr_downstream_trust {
	uint8_t pinned_pk[JR_SIGN_PK_BYTES];
	const uint8_t *roster;               /* signed roster held, NULL: none yet */
	size_t roster_len;
	uint8_t roster_signer_pk[JR_SIGN_PK_BYTES]; /* verifies it */
	uint64_t applied_seq;                /* highest sequence applied, 0: none */
	const struct jr_tlog_policy *tlog;   /* NULL: the checkpoint is kept unverified */
};

/* What a bundle brought; owned buffers, freed by jr_downstream_result_free. */
struct jr_downstream_result {
	bool old;             /* sequence not above applied_seq: nothing read or applied */
	bool applied;         /* committed (sink->commit returned JR_OK) */
	bool stale;           /* the ack contradicted the shard: it refuses to sign now */
	char stale_msg[JR_ERRMSG_MAX];
	struct jr_bundle_info bundle;
	uint64_t seq;
	uint8_t sender_pk[JR_SIGN_PK_BYTES];
	bool has_ack;
	struct jr_ack ack;                /* ack.time is the checkpoint time */
	struct jr_buf ack_bytes;
	struct jr_buf roster;             /* signed bytes, as received */
	uint8_t roster_signer_pk[JR_SIGN_PK_BYTES]; /* the key that verified it */
	uint64_t roster_serial;
	bool roster_new;                  /* a higher serial than the one held */
	uint8_t consortium_pk[JR_SIGN_PK_BYTES]; /* the key the roster names */
	struct jr_buf policy_bytes;
	struct jr_policy policy;
	struct jr_buf checkpoint;         /* empty: none */
	bool checkpoint_verified;         /* opened under trust->tlog */
	uint64_t statuses;                /* status items staged (and, if applied, committed) */
};
JR_API void jr_downstream_result_free(struct jr_downstream_result *r);

/* The caller's store. begin starts a transaction; status stages one (not
 * visible until commit); commit makes the statuses and what *r carries
 * (roster, policy, checkpoint, r->seq as the new applied sequence, ...)
 * durable together; rollback undoes everything since begin. begin, status
 * and commit return JR_OK or an error with a message in eb. */
struct jr_downstream_sink {
	int (*begin)(void *ctx, struct jr_errbuf *eb);
	int (*status)(void *ctx, const struct jr_status *s, struct jr_errbuf *eb);
	int (*commit)(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb);
	void (*rollback)(void *ctx);
	void *ctx;
};

/* Reads and applies one downstream bundle as above, from src (or fd, read
 * from its current offset), with the kiosk's key. shard (opened for
 * appending; may be NULL) gets the ack. progress (may be NULL) is called
 * with the statuses read so far and the bundle's item count. On return *res
 * says what happened (free it in every case); JR_OK with res->old means
 * "already applied". Errors: JR_EKEY (not for this kiosk, an untrusted
 * sender), JR_ESIG, JR_EFORMAT, JR_ECORRUPT, JR_EIO (the sink's). */
JR_API int jr_downstream_apply(const struct jr_bundle_source *src, const char *name,
	const struct jr_key *kiosk, const struct jr_downstream_trust *trust,
	struct jr_shard *shard, const struct jr_downstream_sink *sink,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_downstream_result *res, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_downstream_apply_fd(int fd, const char *name, const struct jr_key *kiosk,
	const struct jr_downstream_trust *trust, struct jr_shard *shard,
	const struct jr_downstream_sink *sink,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *progress_ctx,
	struct jr_downstream_result *res, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
