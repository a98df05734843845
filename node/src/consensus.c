/*
 * consensus.c — every libraft call of jaring-node (consensus.h says why).
 *
 * Written against Debian 12's libraft 0.15.0 and only its public API, so
 * that the cowsql/raft fork links in its place. Facts about 0.15 this file
 * relies on (docs/consensus.md has the full list and how each was checked):
 * - the FSM's apply gets no index; libraft raises last_applied only after
 *   apply returns (also in 0.17 and cowsql), so the entry's index is
 *   raft_last_applied() + 1 while apply runs;
 * - an error from apply leaves last_applied where it was and every later
 *   apply retries the same entry: returning an error stops applying for good;
 * - the FSM's snapshot callback is required; with version 3 libraft calls
 *   snapshot on the loop, snapshot_async on a worker, snapshot_finalize on
 *   the loop again, and leaves the buffers to us;
 * - restore takes ownership of the buffer's memory on success only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>

#include <raft.h>
#include <raft/fixture.h>
#include <raft/uv.h>
#include <uv.h>

#include "consensus.h"

#undef jr_errf /* see jaring/common.h: only clang-tidy's model of it */

/* A mark: this node's state hash after one applied entry, and which peers
 * reported a different one. */
struct jr_cons_mark {
	uint64_t index; /* 0 = empty slot */
	uint8_t hash[JR_HASH_BYTES];
	uint64_t dissent[JR_CONS_MAX_NODES];
	unsigned n_dissent;
};

/* Layer header in front of the FSM's snapshot bytes, big-endian:
 *   0  8  magic "JRCSNAP1"
 *   8  8  index of the last entry the snapshot contains
 *  16 32  state hash after that entry
 *  48  8  length of the FSM's bytes that follow */
#define SNAP_MAGIC "JRCSNAP1"

/* Every entry on the log is framed as
 *   0  8  length n of the node's bytes, big-endian
 *   8  n  the node's bytes
 *   8+n   zero bytes up to a multiple of 8
 * because 0.15's libuv segment writer needs entry lengths that are multiples
 * of 8 (an assert, compiled out in Debian's build: with any other length it
 * writes a closed segment it cannot load again, "short read" at start). */
#define FRAME_HEADER_BYTES 8u
#define SNAP_HEADER_BYTES 56

struct jr_cons {
	struct raft *raft;
	struct raft_fsm rfsm;
	struct jr_cons_fsm fsm;
	uint64_t id;

	uint8_t last_hash[JR_HASH_BYTES];
	struct jr_cons_mark *marks; /* JR_CONS_HASH_WINDOW slots */

	bool diverged;
	char why[JR_ERRMSG_MAX];
	struct raft_transfer transfer;
	bool transferring;

	/* Snapshots by bytes (jr_cons_config.snapshot_log_bytes): the entries
	 * applied since the last snapshot, the thresholds in force otherwise,
	 * and whether the threshold was lowered to start one now. */
	uint64_t log_budget, log_bytes, log_entries;
	unsigned threshold, trailing;
	bool forced;

	/* The snapshot being taken (begin..finalize). */
	bool snap_pinned;
	uint64_t snap_index;
	uint8_t snap_hash[JR_HASH_BYTES];
	struct raft_buffer snap_bufs[2];

	/* libuv backend only. */
	bool owns_raft;
	bool started;
	bool stopping;
	uv_loop_t loop;
	struct raft_uv_transport transport;
	struct raft_io io;
	struct raft owned;
};

struct jr_cons_req {
	union {
		struct raft_apply apply;
		struct raft_barrier barrier;
		struct raft_change change;
	} u;
	struct jr_cons *c;
	jr_cons_done_cb cb;
	void *arg;
	uint64_t join_id; /* join: the server to promote once added */
};

const char *jr_cons_strerror(int err)
{
	switch (err) {
	case JR_CONS_ENOTLEADER: return "not the leader";
	case JR_CONS_ELOST: return "leadership lost";
	case JR_CONS_ESHUTDOWN: return "node is stopping";
	case JR_CONS_EDIVERGED: return "this node's state diverged";
	case JR_CONS_EBUSY: return "a membership change is under way";
	case JR_CONS_ESLOW: return "the joining node did not catch up in time (it may "
		"still be installing a snapshot): ask again to promote it";
	default: return jr_strerror(err);
	}
}

static int from_raft(int rv)
{
	switch (rv) {
	case 0: return JR_OK;
	case RAFT_NOMEM: return JR_ENOMEM;
	case RAFT_NOTLEADER: return JR_CONS_ENOTLEADER;
	case RAFT_LEADERSHIPLOST: return JR_CONS_ELOST;
	case RAFT_SHUTDOWN: return JR_CONS_ESHUTDOWN;
	case RAFT_CANTBOOTSTRAP: return JR_EEXIST;
	case RAFT_CANTCHANGE: return JR_CONS_EBUSY;
	case RAFT_NOCONNECTION: return JR_CONS_ESLOW; /* promotion aborted */
	case RAFT_CORRUPT: return JR_ECORRUPT;
	case RAFT_TOOBIG: return JR_ETOOBIG;
	case RAFT_IOERR: case RAFT_NOSPACE: return JR_EIO;
	case RAFT_NOTFOUND: case RAFT_BADID: return JR_ENOTFOUND;
	case RAFT_DUPLICATEID: case RAFT_DUPLICATEADDRESS: return JR_EEXIST;
	default: return JR_EINVAL;
	}
}

/* Raft's own error text: raft_errmsg is more specific than raft_strerror,
 * but only set for some failures. */
static const char *raft_why(struct raft *r, int rv)
{
	const char *m = raft_errmsg(r);
	return (m != NULL && m[0] != '\0') ? m : raft_strerror(rv);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* ---- state hashes and divergence ------------------------------------- */

static struct jr_cons_mark *mark_slot(const struct jr_cons *c, uint64_t index)
{
	return &c->marks[index % JR_CONS_HASH_WINDOW];
}

static void mark_record(struct jr_cons *c, uint64_t index,
	const uint8_t hash[JR_HASH_BYTES])
{
	struct jr_cons_mark *m = mark_slot(c, index);
	memset(m, 0, sizeof *m);
	m->index = index;
	memcpy(m->hash, hash, JR_HASH_BYTES);
	memcpy(c->last_hash, hash, JR_HASH_BYTES);
}

static void transfer_done(struct raft_transfer *req)
{
	struct jr_cons *c = req->data;
	c->transferring = false;
}

/* Stops this node for good: no more applies (the adapter refuses them, and
 * libraft retries the same entry forever), no proposals, and leadership
 * handed to another voter so that the healthy majority keeps going. */
static void diverge(struct jr_cons *c, const char *why)
{
	if (c->diverged)
		return;
	c->diverged = true;
	memcpy(c->why, why, sizeof c->why);
	c->why[sizeof c->why - 1] = '\0';
	if (raft_state(c->raft) == RAFT_LEADER && !c->transferring) {
		c->transfer.data = c;
		if (raft_transfer(c->raft, &c->transfer, 0, transfer_done) == 0)
			c->transferring = true;
	}
}

static unsigned voter_count(const struct jr_cons *c)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->raft->configuration.n; i++)
		if (c->raft->configuration.servers[i].role == RAFT_VOTER)
			n++;
	return n;
}

int jr_cons_hash_at(const struct jr_cons *c, uint64_t index,
	uint8_t out[JR_HASH_BYTES])
{
	const struct jr_cons_mark *m = mark_slot(c, index);
	if (index == 0 || m->index != index) {
		memset(out, 0, JR_HASH_BYTES);
		return JR_ENOTFOUND;
	}
	memcpy(out, m->hash, JR_HASH_BYTES);
	return JR_OK;
}

static void hex_short(const uint8_t *h, char out[17])
{
	jr_hex(h, 8, out);
}

int jr_cons_peer_hash(struct jr_cons *c, uint64_t peer_id, uint64_t index,
	const uint8_t hash[JR_HASH_BYTES], struct jr_errbuf *eb)
{
	struct jr_cons_mark *m = mark_slot(c, index);
	char ours[17];
	char theirs[17];
	unsigned quorum;

	if (c->diverged)
		return jr_errf(eb, JR_CONS_EDIVERGED, "%s", c->why);
	if (index == 0 || m->index != index)
		return JR_ENOTFOUND;
	if (jr_hash_equal(m->hash, hash))
		return JR_OK;
	for (unsigned i = 0; i < m->n_dissent; i++)
		if (m->dissent[i] == peer_id)
			goto judge;
	if (m->n_dissent < JR_CONS_MAX_NODES)
		m->dissent[m->n_dissent++] = peer_id;
judge:
	hex_short(m->hash, ours);
	hex_short(hash, theirs);
	/* A majority of the voters, this node not among them, holds another
	 * state: this node is the one that diverged. (If the dissenters also
	 * disagree among themselves, stopping is still right: fail closed.) */
	quorum = voter_count(c) / 2 + 1;
	if (m->n_dissent >= quorum) {
		char why[JR_ERRMSG_MAX];
		if (snprintf(why, sizeof why,
			    "node %llu: state after entry %llu is %s… but %u of %u "
			    "voters report otherwise (node %llu: %s…): this node's "
			    "state diverged and it stopped applying; restore it from "
			    "a healthy node's snapshot",
			    (unsigned long long)c->id, (unsigned long long)index,
			    ours, m->n_dissent, voter_count(c),
			    (unsigned long long)peer_id, theirs) < 0)
			why[0] = '\0';
		diverge(c, why);
		return jr_errf(eb, JR_CONS_EDIVERGED, "%s", c->why);
	}
	return jr_errf(eb, JR_ECORRUPT,
		"node %llu reports state %s… after entry %llu where node %llu "
		"has %s…: node %llu appears to have diverged (%u of %u voters "
		"disagree with node %llu so far)",
		(unsigned long long)peer_id, theirs, (unsigned long long)index,
		(unsigned long long)c->id, ours, (unsigned long long)peer_id,
		m->n_dissent, voter_count(c), (unsigned long long)c->id);
}

const char *jr_cons_errmsg(const struct jr_cons *c)
{
	return c->why;
}

/* ---- the FSM adapter -------------------------------------------------- */

static const char *fsm_errmsg(const struct jr_cons *c)
{
	const char *m = c->fsm.errmsg != NULL ? c->fsm.errmsg(c->fsm.data) : NULL;

	return m != NULL && m[0] != '\0' ? m : "no reason given";
}

static int fsm_apply(struct raft_fsm *rfsm, const struct raft_buffer *buf,
	void **result)
{
	struct jr_cons *c = rfsm->data;
	struct jr_cons_applied out;
	uint64_t index = raft_last_applied(c->raft) + 1;
	int rc;

	const uint8_t *p = buf->base;
	uint64_t n;

	*result = NULL;
	if (c->diverged)
		return RAFT_CORRUPT;
	n = buf->len >= FRAME_HEADER_BYTES ? get_be64(p) : UINT64_MAX;
	if (n > JR_CONS_ENTRY_MAX ||
	    buf->len != FRAME_HEADER_BYTES + ((n + 7) & ~(uint64_t)7)) {
		char why[JR_ERRMSG_MAX];
		if (snprintf(why, sizeof why,
			    "node %llu: entry %llu (%zu bytes) is not a frame this "
			    "layer wrote: the log is damaged or written by other "
			    "software; the node stopped applying",
			    (unsigned long long)c->id, (unsigned long long)index,
			    buf->len) < 0)
			why[0] = '\0';
		diverge(c, why);
		return RAFT_CORRUPT;
	}
	memset(&out, 0, sizeof out);
	rc = c->fsm.apply(c->fsm.data, index, p + FRAME_HEADER_BYTES, (size_t)n,
		&out);
	if (rc != JR_OK) {
		char why[JR_ERRMSG_MAX];
		if (snprintf(why, sizeof why,
			    "node %llu: the state machine failed applying entry %llu "
			    "(%s: %s): its state can no longer be trusted, so the "
			    "node stopped applying; restore it from a healthy node's "
			    "snapshot", (unsigned long long)c->id,
			    (unsigned long long)index, jr_strerror(rc), fsm_errmsg(c)) < 0)
			why[0] = '\0';
		diverge(c, why);
		return RAFT_CORRUPT;
	}
	mark_record(c, index, out.state_hash);
	*result = out.result;
	c->log_bytes += buf->len;
	c->log_entries++;
	if (c->log_budget > 0 && c->log_bytes >= c->log_budget && !c->forced) {
		/* libraft checks its threshold right after this apply returns */
		raft_set_snapshot_threshold(c->raft, 1);
		c->forced = true;
	}
	return 0;
}

static int fsm_snapshot_async(struct raft_fsm *rfsm, struct raft_buffer *bufs[],
	unsigned *n_bufs);

static int fsm_snapshot(struct raft_fsm *rfsm, struct raft_buffer *bufs[],
	unsigned *n_bufs)
{
	struct jr_cons *c = rfsm->data;

	*bufs = NULL;
	*n_bufs = 0;
	if (c->diverged)
		return RAFT_CORRUPT; /* never snapshot a state we distrust */
	if (c->snap_pinned)
		return RAFT_BUSY;
	if (c->fsm.snapshot_begin(c->fsm.data) != JR_OK)
		return RAFT_BUSY; /* libraft retries at the next threshold */
	c->snap_pinned = true;
	c->snap_index = raft_last_applied(c->raft);
	memcpy(c->snap_hash, c->last_hash, JR_HASH_BYTES);
	if (c->log_budget > 0) {
		/* Keep behind it about half the budget's worth of entries, judged
		 * by the average entry since the last snapshot: libraft reads
		 * the trailing count after this callback returns. */
		uint64_t avg = c->log_entries > 0 ? c->log_bytes / c->log_entries : 1;
		uint64_t keep = c->log_budget / 2 / (avg > 0 ? avg : 1);

		if (keep > c->trailing)
			keep = c->trailing;
		raft_set_snapshot_trailing(c->raft, keep > 0 ? (unsigned)keep : 1u);
		if (c->forced)
			raft_set_snapshot_threshold(c->raft, c->threshold);
		c->forced = false;
	}
	c->log_bytes = 0;
	c->log_entries = 0;
	if (c->rfsm.version < 3)
		return fsm_snapshot_async(rfsm, bufs, n_bufs); /* inline */
	return 0;
}

/* On a worker thread (libuv) or inline (fixture). Touches only snap_* and
 * the FSM's pinned view. */
static int fsm_snapshot_async(struct raft_fsm *rfsm, struct raft_buffer *bufs[],
	unsigned *n_bufs)
{
	struct jr_cons *c = rfsm->data;
	struct jr_buf body = { NULL, 0 };
	uint8_t *head;

	if (c->fsm.snapshot_write(c->fsm.data, &body) != JR_OK)
		return RAFT_IOERR;
	head = malloc(SNAP_HEADER_BYTES);
	if (head == NULL) {
		jr_buf_free(&body);
		return RAFT_NOMEM;
	}
	memcpy(head, SNAP_MAGIC, 8);
	put_be64(head + 8, c->snap_index);
	memcpy(head + 16, c->snap_hash, JR_HASH_BYTES);
	put_be64(head + 48, body.len);
	c->snap_bufs[0].base = head;
	c->snap_bufs[0].len = SNAP_HEADER_BYTES;
	c->snap_bufs[1].base = body.base;
	c->snap_bufs[1].len = body.len;
	*bufs = c->snap_bufs;
	*n_bufs = 2;
	return 0;
}

static int fsm_snapshot_finalize(struct raft_fsm *rfsm,
	struct raft_buffer *bufs[], unsigned *n_bufs)
{
	struct jr_cons *c = rfsm->data;

	(void)bufs;
	(void)n_bufs;
	free(c->snap_bufs[0].base);
	free(c->snap_bufs[1].base);
	memset(c->snap_bufs, 0, sizeof c->snap_bufs);
	if (c->snap_pinned) {
		c->fsm.snapshot_end(c->fsm.data);
		c->snap_pinned = false;
	}
	return 0;
}

static int fsm_restore(struct raft_fsm *rfsm, struct raft_buffer *buf)
{
	struct jr_cons *c = rfsm->data;
	const uint8_t *p = buf->base;
	uint8_t got[JR_HASH_BYTES];
	uint64_t index;
	uint64_t body_len;
	char why[JR_ERRMSG_MAX];

	if (buf->len < SNAP_HEADER_BYTES || memcmp(p, SNAP_MAGIC, 8) != 0)
		return RAFT_MALFORMED;
	index = get_be64(p + 8);
	body_len = get_be64(p + 48);
	if (body_len != buf->len - SNAP_HEADER_BYTES)
		return RAFT_MALFORMED;
	if (c->fsm.restore(c->fsm.data, p + SNAP_HEADER_BYTES, (size_t)body_len,
		    got) != JR_OK) {
		/* At start, raft_start fails and jr_cons_start says why. While
		 * running, 0.15 has already dropped its log for the snapshot's
		 * (replicationInstallSnapshot): a refused restore would leave the
		 * node silently unable to apply (and leak libraft's buffer
		 * array). So the node stops, loudly, and libraft is told the
		 * restore is done: nothing is applied after it anyway. */
		if (c->started) {
			if (snprintf(why, sizeof why,
				    "node %llu: installing the leader's snapshot at entry "
				    "%llu failed (%s): the node stopped applying; stop it, "
				    "delete its data_dir's raft/, snapshots/ and state.db, "
				    "start it and join it again",
				    (unsigned long long)c->id, (unsigned long long)index,
				    fsm_errmsg(c)) < 0)
				why[0] = '\0';
			diverge(c, why);
			raft_free(buf->base); /* ours, as on success */
			return 0;
		}
		return RAFT_CORRUPT;
	}
	if (!jr_hash_equal(got, p + 16)) {
		if (snprintf(why, sizeof why,
			    "node %llu: a snapshot at entry %llu restored to a state "
			    "whose hash differs from the one it was taken with: the "
			    "node stopped applying; check the state machine's "
			    "snapshot and restore", (unsigned long long)c->id,
			    (unsigned long long)index) < 0)
			why[0] = '\0';
		diverge(c, why);
		return RAFT_CORRUPT;
	}
	mark_record(c, index, got);
	raft_free(buf->base); /* ownership passed to us on success */
	return 0;
}

static int cons_alloc(const struct jr_cons_fsm *fsm, uint64_t id,
	struct jr_cons **out)
{
	struct jr_cons *c;

	*out = NULL;
	if (fsm == NULL || fsm->apply == NULL || fsm->snapshot_begin == NULL ||
	    fsm->snapshot_write == NULL || fsm->snapshot_end == NULL ||
	    fsm->restore == NULL || id == 0)
		return JR_EINVAL;
	c = calloc(1, sizeof *c);
	if (c == NULL)
		return JR_ENOMEM;
	c->marks = calloc(JR_CONS_HASH_WINDOW, sizeof *c->marks);
	if (c->marks == NULL) {
		free(c);
		return JR_ENOMEM;
	}
	c->fsm = *fsm;
	c->id = id;
	/* Version 2: synchronous snapshots. jr_cons_open moves a libuv node to
	 * version 3 (snapshot_write on a worker); 0.15's raft_fixture has no
	 * io version that allows it. */
	c->rfsm.version = 2;
	c->rfsm.data = c;
	c->rfsm.apply = fsm_apply;
	c->rfsm.snapshot = fsm_snapshot;
	c->rfsm.snapshot_finalize = fsm_snapshot_finalize;
	c->rfsm.restore = fsm_restore;
	*out = c;
	return JR_OK;
}

/* What every node gets, libuv or fixture, once its raft is initialised and
 * its snapshot thresholds and timers set. */
static void cons_tune(struct jr_cons *c)
{
	/* A joining node far behind installs a snapshot, fetching the state's
	 * copy (docs/node.md "Snapshots"): a gigabyte takes seconds here and
	 * minutes over a slow link, beyond 0.15's 5 s for a catch-up round,
	 * after which it aborts the promotion (asking again promotes it). */
	raft_set_max_catch_up_round_duration(c->raft, JR_CONS_CATCH_UP_ROUND_MS);
	/* A node cut off from the others keeps timing out; without pre-vote
	 * each timeout bumps its term, and when it rejoins, its higher term
	 * makes the healthy leader step down for an election the cut-off node
	 * cannot win (its log is behind). With pre-vote it first asks whether
	 * it could win, keeps its term when it could not, and rejoins as a
	 * follower (an_isolated_follower_that_keeps_timing_out_does_not_unseat_
	 * the_leader). A node whose loop was blocked installing a large
	 * snapshot times out the same way (docs/node.md "Snapshots"). */
	raft_set_pre_vote(c->raft, true);
	/* 0.15 drops an InstallSnapshot that reaches a follower while it takes
	 * a snapshot of its own (replicationInstallSnapshot: RAFT_BUSY, no
	 * answer), and the leader sends it again only after
	 * install_snapshot_timeout, 30 s by default: a restarted node that
	 * applied a burst of entries past its threshold just before the
	 * leader's snapshot came stalled that long (consensus_smoke). On expiry
	 * the leader only goes back to probing (progressShouldReplicate); the
	 * follower's install goes on. The leader sends the snapshot again only
	 * if it heard from the follower since its last contact check, which
	 * clears that flag every election timeout. A follower installing for
	 * real answers only while libraft writes the snapshot's file (for
	 * jaring-node a 120-byte reference: milliseconds) and is silent while
	 * restore fetches the state on its loop thread, however long that
	 * takes; so two election timeouts after the send the flag is clear and
	 * a real install is not sent twice, while a dropped snapshot is sent
	 * again then (docs/consensus.md "A dropped InstallSnapshot"). */
	raft_set_install_snapshot_timeout(c->raft, 2 * c->raft->election_timeout);
	c->threshold = c->raft->snapshot.threshold;
	c->trailing = c->raft->snapshot.trailing;
}

static void cons_release(struct jr_cons *c)
{
	if (c == NULL)
		return;
	free(c->marks);
	free(c);
}

/* ---- requests ---------------------------------------------------------- */

static struct jr_cons_req *req_new(struct jr_cons *c, jr_cons_done_cb cb,
	void *arg)
{
	struct jr_cons_req *q = calloc(1, sizeof *q);
	if (q == NULL)
		return NULL;
	q->c = c;
	q->cb = cb;
	q->arg = arg;
	return q;
}

static void req_finish(struct jr_cons_req *q, int status, uint64_t index,
	void *result)
{
	struct jr_cons_done d;

	memset(&d, 0, sizeof d);
	d.status = status;
	d.index = index;
	d.result = result;
	if (status == JR_OK && index != 0 &&
	    jr_cons_hash_at(q->c, index, d.state_hash) != JR_OK)
		memset(d.state_hash, 0, sizeof d.state_hash);
	if (q->cb != NULL)
		q->cb(q->arg, &d);
	free(q);
}

static int check_leader(struct jr_cons *c, struct jr_errbuf *eb)
{
	if (c->diverged)
		return jr_errf(eb, JR_CONS_EDIVERGED, "%s", c->why);
	if (c->stopping)
		return jr_errf(eb, JR_CONS_ESHUTDOWN, "node %llu is stopping",
			(unsigned long long)c->id);
	if (raft_state(c->raft) != RAFT_LEADER) {
		raft_id lid = 0;
		const char *laddr = NULL;
		raft_leader(c->raft, &lid, &laddr);
		return jr_errf(eb, JR_CONS_ENOTLEADER,
			"node %llu is not the leader (the leader is %s%s): send the "
			"request there", (unsigned long long)c->id,
			lid ? "at " : "unknown", lid && laddr ? laddr : "");
	}
	return JR_OK;
}

static void apply_done(struct raft_apply *req, int status, void *result)
{
	struct jr_cons_req *q = req->data;
	req_finish(q, from_raft(status), status == 0 ? req->index : 0, result);
}

int jr_cons_propose(struct jr_cons *c, const uint8_t *entry, size_t len,
	jr_cons_done_cb cb, void *arg, struct jr_errbuf *eb)
{
	struct raft_buffer buf;
	struct jr_cons_req *q;
	int rc;

	if (entry == NULL || len == 0)
		return jr_errf(eb, JR_EINVAL, "an entry must not be empty");
	if (len > JR_CONS_ENTRY_MAX)
		return jr_errf(eb, JR_ETOOBIG,
			"entry of %zu bytes is over the %u-byte limit: split the "
			"bundle", len, JR_CONS_ENTRY_MAX);
	if ((rc = check_leader(c, eb)) != JR_OK)
		return rc;
	q = req_new(c, cb, arg);
	buf.len = FRAME_HEADER_BYTES + ((len + 7) & ~(size_t)7);
	buf.base = raft_calloc(1, buf.len); /* the padding is zeros */
	if (q == NULL || buf.base == NULL) {
		free(q);
		raft_free(buf.base);
		return jr_errf(eb, JR_ENOMEM, "no memory for a %zu-byte entry", len);
	}
	put_be64(buf.base, len);
	memcpy((uint8_t *)buf.base + FRAME_HEADER_BYTES, entry, len);
	q->u.apply.data = q;
	rc = raft_apply(c->raft, &q->u.apply, &buf, 1, apply_done);
	if (rc != 0) {
		raft_free(buf.base); /* ownership moves only on success */
		free(q);
		return jr_errf(eb, from_raft(rc), "node %llu could not propose: %s",
			(unsigned long long)c->id, raft_why(c->raft, rc));
	}
	return JR_OK;
}

static void barrier_done(struct raft_barrier *req, int status)
{
	struct jr_cons_req *q = req->data;
	req_finish(q, from_raft(status), status == 0 ? req->index : 0, NULL);
}

int jr_cons_barrier(struct jr_cons *c, jr_cons_done_cb cb, void *arg,
	struct jr_errbuf *eb)
{
	struct jr_cons_req *q;
	int rc;

	if ((rc = check_leader(c, eb)) != JR_OK)
		return rc;
	if ((q = req_new(c, cb, arg)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for a barrier");
	q->u.barrier.data = q;
	rc = raft_barrier(c->raft, &q->u.barrier, barrier_done);
	if (rc != 0) {
		free(q);
		return jr_errf(eb, from_raft(rc), "node %llu: barrier failed: %s",
			(unsigned long long)c->id, raft_why(c->raft, rc));
	}
	return JR_OK;
}

static void change_done(struct raft_change *req, int status)
{
	struct jr_cons_req *q = req->data;
	req_finish(q, from_raft(status), 0, NULL);
}

/* Step two of a join: the server is in the configuration as a spare; make
 * it a voter (libraft first lets it catch up). */
static void join_added(struct raft_change *req, int status)
{
	struct jr_cons_req *q = req->data;
	int rv;

	if (status != 0) {
		req_finish(q, from_raft(status), 0, NULL);
		return;
	}
	memset(&q->u.change, 0, sizeof q->u.change);
	q->u.change.data = q;
	rv = raft_assign(q->c->raft, &q->u.change, q->join_id, RAFT_VOTER,
		change_done);
	if (rv != 0)
		req_finish(q, from_raft(rv), 0, NULL);
}

int jr_cons_join(struct jr_cons *c, uint64_t id, const char *address,
	jr_cons_done_cb cb, void *arg, struct jr_errbuf *eb)
{
	struct jr_cons_req *q;
	int rc;

	if (id == 0 || address == NULL || address[0] == '\0' ||
	    strlen(address) >= JR_CONS_ADDRESS_MAX)
		return jr_errf(eb, JR_EINVAL, "a joining node needs an id > 0 and "
			"an address of 1..%d characters", JR_CONS_ADDRESS_MAX - 1);
	if ((rc = check_leader(c, eb)) != JR_OK)
		return rc;
	if ((q = req_new(c, cb, arg)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory to add node %llu",
			(unsigned long long)id);
	q->join_id = id;
	q->u.change.data = q;
	/* Asked again after a promotion that timed out: the node is already
	 * in the configuration, not yet a voter; promote it. */
	for (unsigned i = 0; i < c->raft->configuration.n; i++) {
		const struct raft_server *sv = &c->raft->configuration.servers[i];

		if (sv->id == id && sv->role != RAFT_VOTER && strcmp(sv->address, address) == 0) {
			/* the callback never fires before this returns */
			rc = raft_assign(c->raft, &q->u.change, id, RAFT_VOTER, change_done);
			if (rc != 0) {
				free(q);
				return jr_errf(eb, from_raft(rc), "node %llu could not "
					"promote node %llu: %s", (unsigned long long)c->id,
					(unsigned long long)id, raft_why(c->raft, rc));
			}
			return JR_OK;
		}
	}
	rc = raft_add(c->raft, &q->u.change, id, address, join_added);
	if (rc != 0) {
		free(q);
		return jr_errf(eb, from_raft(rc), "node %llu could not add node "
			"%llu at %s: %s", (unsigned long long)c->id,
			(unsigned long long)id, address, raft_why(c->raft, rc));
	}
	return JR_OK;
}

int jr_cons_leave(struct jr_cons *c, uint64_t id, jr_cons_done_cb cb,
	void *arg, struct jr_errbuf *eb)
{
	struct jr_cons_req *q;
	int rc;

	if ((rc = check_leader(c, eb)) != JR_OK)
		return rc;
	if ((q = req_new(c, cb, arg)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory to remove node %llu",
			(unsigned long long)id);
	q->u.change.data = q;
	rc = raft_remove(c->raft, &q->u.change, id, change_done);
	if (rc != 0) {
		free(q);
		return jr_errf(eb, from_raft(rc), "node %llu could not remove node "
			"%llu: %s", (unsigned long long)c->id, (unsigned long long)id,
			raft_why(c->raft, rc));
	}
	return JR_OK;
}

void jr_cons_info(struct jr_cons *c, struct jr_cons_info *out)
{
	raft_id lid = 0;
	const char *laddr = NULL;

	memset(out, 0, sizeof *out);
	out->id = c->id;
	switch (raft_state(c->raft)) {
	case RAFT_FOLLOWER: out->role = JR_CONS_FOLLOWER; break;
	case RAFT_CANDIDATE: out->role = JR_CONS_CANDIDATE; break;
	case RAFT_LEADER: out->role = JR_CONS_LEADER; break;
	default: out->role = JR_CONS_UNAVAILABLE; break;
	}
	/* 0.15 has no getters for these; the fields are public in its raft.h
	 * (and in cowsql/raft's). */
	out->term = c->raft->current_term;
	out->commit_index = c->raft->commit_index;
	out->last_index = raft_last_index(c->raft);
	out->applied = raft_last_applied(c->raft);
	raft_leader(c->raft, &lid, &laddr);
	out->leader_id = lid;
	if (laddr != NULL &&
	    snprintf(out->leader_address, sizeof out->leader_address, "%s",
		    laddr) >= (int)sizeof out->leader_address)
		out->leader_address[0] = '\0';
	out->voters = voter_count(c);
	out->diverged = c->diverged;
	memcpy(out->state_hash, c->last_hash, JR_HASH_BYTES);
}

/* ---- the libuv backend ------------------------------------------------ */

#define FS_OVERLAYFS 0x794c7630L
#define FS_SHIFTFS 0x6a656a62L

/* libraft probes direct I/O and async I/O in the data directory; on
 * overlayfs and shiftfs (container layers) the probe fails with a bare I/O
 * error. Say which file system it was and what to do. */
static int uv_fail(struct jr_cons *c, const char *dir, const char *what,
	int rv, const char *detail, struct jr_errbuf *eb)
{
	struct statfs st;
	const char *fs = NULL;

	(void)c;
	if (statfs(dir, &st) == 0) {
		if ((long)st.f_type == FS_OVERLAYFS)
			fs = "overlayfs";
		else if ((long)st.f_type == FS_SHIFTFS)
			fs = "shiftfs";
	}
	if (fs != NULL)
		return jr_errf(eb, from_raft(rv) == JR_EINVAL ? JR_EIO : from_raft(rv),
			"data directory %s is on %s, where libraft's direct I/O "
			"probe fails (%s: %s): put the node's data directory on a "
			"real file system (ext4, xfs, or a bind-mounted volume)",
			dir, fs, what, detail);
	return jr_errf(eb, from_raft(rv), "data directory %s: %s: %s", dir, what,
		detail);
}

int jr_cons_open(const struct jr_cons_config *cfg,
	const struct jr_cons_fsm *fsm, struct jr_cons **out,
	struct jr_errbuf *eb)
{
	struct jr_cons *c;
	int rc;
	int rv;

	*out = NULL;
	if (cfg == NULL || cfg->address == NULL || cfg->dir == NULL)
		return jr_errf(eb, JR_EINVAL, "a node needs an id, an address and "
			"a data directory");
	if ((rc = cons_alloc(fsm, cfg->id, &c)) != JR_OK)
		return jr_errf(eb, rc, "node %llu: needs an id > 0 and every FSM "
			"callback", (unsigned long long)cfg->id);
	c->owns_raft = true;
	c->raft = &c->owned;
	if ((rv = uv_loop_init(&c->loop)) != 0) {
		rc = jr_errf(eb, JR_EIO, "event loop: %s", uv_strerror(rv));
		goto err_after_alloc;
	}
	if ((rv = raft_uv_tcp_init(&c->transport, &c->loop)) != 0) {
		rc = jr_errf(eb, from_raft(rv), "TCP transport: %s",
			raft_strerror(rv));
		goto err_after_loop;
	}
	if (cfg->bind_address != NULL &&
	    (rv = raft_uv_tcp_set_bind_address(&c->transport, cfg->bind_address)) != 0) {
		rc = jr_errf(eb, from_raft(rv), "raft bind address %s: %s",
			cfg->bind_address, raft_strerror(rv));
		goto err_after_transport;
	}
	if ((rv = raft_uv_init(&c->io, &c->loop, cfg->dir, &c->transport)) != 0) {
		rc = uv_fail(c, cfg->dir, "opening the raft log", rv,
			c->io.errmsg[0] ? c->io.errmsg : raft_strerror(rv), eb);
		goto err_after_transport;
	}
	if (cfg->segment_bytes > 0)
		raft_uv_set_segment_size(&c->io, (size_t)cfg->segment_bytes);
	/* 0.15's libuv backend implements async_work but reports io version 1,
	 * and raft_init allows asynchronous snapshots only from version 2 on.
	 * cowsql/raft reports 2 itself. */
	if (c->io.async_work != NULL) {
		if (c->io.version < 2)
			c->io.version = 2;
		c->rfsm.version = 3;
		c->rfsm.snapshot_async = fsm_snapshot_async;
	}
	if ((rv = raft_init(&c->owned, &c->io, &c->rfsm, cfg->id,
		     cfg->address)) != 0) {
		rc = uv_fail(c, cfg->dir, "starting raft", rv,
			raft_why(&c->owned, rv), eb);
		goto err_after_io;
	}
	if (cfg->snapshot_threshold > 0)
		raft_set_snapshot_threshold(&c->owned, cfg->snapshot_threshold);
	if (cfg->snapshot_trailing > 0)
		raft_set_snapshot_trailing(&c->owned, cfg->snapshot_trailing);
	if (cfg->election_timeout_ms > 0)
		raft_set_election_timeout(&c->owned, cfg->election_timeout_ms);
	if (cfg->heartbeat_ms > 0)
		raft_set_heartbeat_timeout(&c->owned, cfg->heartbeat_ms);
	cons_tune(c);
	c->log_budget = cfg->snapshot_log_bytes;
	*out = c;
	return JR_OK;

err_after_io:
	raft_uv_close(&c->io);
err_after_transport:
	raft_uv_tcp_close(&c->transport);
err_after_loop:
	(void)uv_run(&c->loop, UV_RUN_DEFAULT);
	(void)uv_loop_close(&c->loop);
err_after_alloc:
	cons_release(c);
	return rc;
}

static int make_configuration(const struct jr_cons_server *servers, size_t n,
	struct raft_configuration *conf, struct jr_errbuf *eb)
{
	int rv;

	if (servers == NULL || (n != 3 && n != 5 && n != 1))
		return jr_errf(eb, JR_EINVAL, "a cluster is bootstrapped with 3 or "
			"5 voters (1 only for tests), not %zu", n);
	raft_configuration_init(conf);
	for (size_t i = 0; i < n; i++) {
		rv = raft_configuration_add(conf, servers[i].id, servers[i].address,
			RAFT_VOTER);
		if (rv != 0) {
			raft_configuration_close(conf);
			return jr_errf(eb, from_raft(rv), "server %llu at %s: %s",
				(unsigned long long)servers[i].id, servers[i].address,
				raft_strerror(rv));
		}
	}
	return JR_OK;
}

int jr_cons_bootstrap(struct jr_cons *c, const struct jr_cons_server *servers,
	size_t n, struct jr_errbuf *eb)
{
	struct raft_configuration conf;
	bool self = false;
	int rc;
	int rv;

	if (c->started)
		return jr_errf(eb, JR_EINVAL, "node %llu: bootstrap before start",
			(unsigned long long)c->id);
	for (size_t i = 0; servers != NULL && i < n; i++)
		self = self || servers[i].id == c->id;
	if (!self)
		return jr_errf(eb, JR_EINVAL, "node %llu is not in the list it "
			"was asked to bootstrap", (unsigned long long)c->id);
	if ((rc = make_configuration(servers, n, &conf, eb)) != JR_OK)
		return rc;
	rv = raft_bootstrap(c->raft, &conf);
	raft_configuration_close(&conf);
	if (rv == RAFT_CANTBOOTSTRAP)
		return jr_errf(eb, JR_EEXIST, "node %llu already has state; start "
			"it without bootstrapping", (unsigned long long)c->id);
	if (rv != 0)
		return jr_errf(eb, from_raft(rv), "node %llu: bootstrap: %s",
			(unsigned long long)c->id, raft_why(c->raft, rv));
	return JR_OK;
}

int jr_cons_start(struct jr_cons *c, struct jr_errbuf *eb)
{
	int rv = raft_start(c->raft);
	if (rv != 0 && c->fsm.errmsg != NULL && c->fsm.errmsg(c->fsm.data)[0] != '\0')
		return jr_errf(eb, from_raft(rv), "node %llu: start: %s (%s)",
			(unsigned long long)c->id, raft_why(c->raft, rv), fsm_errmsg(c));
	if (rv != 0)
		return jr_errf(eb, from_raft(rv), "node %llu: start: %s",
			(unsigned long long)c->id, raft_why(c->raft, rv));
	c->started = true;
	return JR_OK;
}

static void closed(struct raft *r)
{
	struct jr_cons *c = r->data;
	raft_uv_close(&c->io);
	raft_uv_tcp_close(&c->transport);
}

void jr_cons_stop(struct jr_cons *c)
{
	if (!c->owns_raft || c->stopping)
		return;
	c->stopping = true;
	c->owned.data = c;
	raft_close(&c->owned, closed);
}

int jr_cons_run(struct jr_cons *c, struct jr_errbuf *eb)
{
	if (!c->owns_raft)
		return jr_errf(eb, JR_EINVAL, "an in-memory node has no loop");
	(void)uv_run(&c->loop, UV_RUN_DEFAULT);
	return JR_OK;
}

void jr_cons_free(struct jr_cons *c)
{
	if (c == NULL)
		return;
	if (c->owns_raft) {
		if (!c->stopping)
			jr_cons_stop(c);
		(void)uv_run(&c->loop, UV_RUN_DEFAULT);
		(void)uv_loop_close(&c->loop);
	}
	cons_release(c);
}

void *jr_cons_loop(struct jr_cons *c)
{
	return c->owns_raft ? &c->loop : NULL;
}

/* ---- in-memory clusters (raft_fixture) -------------------------------- */

struct jr_cons_sim {
	struct raft_fixture f;
	struct jr_cons *nodes[RAFT_FIXTURE_MAX_SERVERS];
};

static int sim_add(struct jr_cons_sim *s, const struct jr_cons_fsm *fsm)
{
	unsigned i = raft_fixture_n(&s->f);
	struct jr_cons *c;

	if (i >= RAFT_FIXTURE_MAX_SERVERS || i >= JR_CONS_MAX_NODES)
		return -1;
	if (cons_alloc(fsm, i + 1, &c) != JR_OK)
		return -1;
	if (raft_fixture_grow(&s->f, &c->rfsm) != 0) {
		cons_release(c);
		return -1;
	}
	c->raft = raft_fixture_get(&s->f, i);
	cons_tune(c);
	s->nodes[i] = c;
	return (int)i;
}

int jr_cons_sim_new(unsigned n, unsigned n_voters,
	const struct jr_cons_fsm *fsms, struct jr_cons_sim **out,
	struct jr_errbuf *eb)
{
	struct jr_cons_sim *s;
	struct raft_configuration conf;
	int rc = JR_OK;

	*out = NULL;
	if (n == 0 || n > JR_CONS_MAX_NODES || n_voters == 0 || n_voters > n)
		return jr_errf(eb, JR_EINVAL, "a simulated cluster has 1..%d "
			"servers, voters among them", JR_CONS_MAX_NODES);
	if ((s = calloc(1, sizeof *s)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for a cluster");
	if (raft_fixture_initialize(&s->f) != 0) {
		free(s);
		return jr_errf(eb, JR_ENOMEM, "no memory for a cluster");
	}
	for (unsigned i = 0; i < n; i++) {
		if (sim_add(s, &fsms[i]) < 0) {
			rc = jr_errf(eb, JR_ENOMEM, "server %u could not be created", i);
			goto err;
		}
	}
	raft_configuration_init(&conf);
	if (raft_fixture_configuration(&s->f, n_voters, &conf) != 0 ||
	    raft_fixture_bootstrap(&s->f, &conf) != 0) {
		raft_configuration_close(&conf);
		rc = jr_errf(eb, JR_ENOMEM, "the cluster could not be bootstrapped");
		goto err;
	}
	raft_configuration_close(&conf);
	if (raft_fixture_start(&s->f) != 0) {
		rc = jr_errf(eb, JR_EINTERNAL, "the cluster could not start");
		goto err;
	}
	for (unsigned i = 0; i < n; i++)
		s->nodes[i]->started = true;
	*out = s;
	return JR_OK;
err:
	jr_cons_sim_free(s);
	return rc;
}

void jr_cons_sim_free(struct jr_cons_sim *s)
{
	unsigned n;

	if (s == NULL)
		return;
	n = raft_fixture_n(&s->f);
	raft_fixture_close(&s->f); /* closes every raft first: no FSM calls after */
	for (unsigned i = 0; i < n; i++)
		cons_release(s->nodes[i]);
	free(s);
}

int jr_cons_sim_grow(struct jr_cons_sim *s, const struct jr_cons_fsm *fsm)
{
	int i = sim_add(s, fsm);
	if (i >= 0) {
		struct raft *r = s->nodes[i]->raft;
		if (raft_start(r) != 0)
			return -1;
		s->nodes[i]->started = true;
	}
	return i;
}

unsigned jr_cons_sim_n(const struct jr_cons_sim *s)
{
	return s->f.n;
}

struct jr_cons *jr_cons_sim_node(struct jr_cons_sim *s, unsigned i)
{
	return i < s->f.n ? s->nodes[i] : NULL;
}

unsigned jr_cons_sim_leader(struct jr_cons_sim *s)
{
	return raft_fixture_leader_index(&s->f);
}

static bool is_leader(struct raft_fixture *f, void *arg)
{
	/* Not raft_fixture_leader_index: the fixture calls a leader stable only
	 * once every alive server it is not saturated to follows it, and a
	 * disconnected server is not "saturated". */
	unsigned i = *(unsigned *)arg;
	const struct raft *r = raft_fixture_get(f, i);

	if (r->state != RAFT_LEADER)
		return false;
	/* A leader revived from before a newer election is not one. */
	for (unsigned j = 0; j < f->n; j++)
		if (raft_fixture_alive(f, j) &&
		    raft_fixture_get(f, j)->current_term > r->current_term)
			return false;
	return true;
}

/* raft_fixture_elect asserts that every server, dead ones too, is a
 * follower; a killed leader stays a leader in memory. This does the same
 * trick (the target's timer first, everyone else's at the maximum) on the
 * alive followers only. */
bool jr_cons_sim_elect(struct jr_cons_sim *s, unsigned i, unsigned max_ms)
{
	for (unsigned j = 0; j < s->f.n; j++) {
		struct raft *r = raft_fixture_get(&s->f, j);
		unsigned t = j == i ? r->election_timeout : r->election_timeout * 2;
		if (!raft_fixture_alive(&s->f, j))
			continue;
		raft_fixture_set_randomized_election_timeout(&s->f, j, t);
		if (r->state == RAFT_FOLLOWER)
			r->follower_state.randomized_election_timeout = t;
		else if (r->state == RAFT_CANDIDATE)
			r->candidate_state.randomized_election_timeout = t;
	}
	return raft_fixture_step_until(&s->f, is_leader, &i, max_ms);
}

void jr_cons_sim_step(struct jr_cons_sim *s, unsigned n_steps)
{
	(void)raft_fixture_step_n(&s->f, n_steps);
}

void jr_cons_sim_run_for(struct jr_cons_sim *s, unsigned ms)
{
	raft_fixture_step_until_elapsed(&s->f, ms);
}

bool jr_cons_sim_until_leader(struct jr_cons_sim *s, unsigned max_ms)
{
	return raft_fixture_step_until_has_leader(&s->f, max_ms);
}

struct applied_goal {
	struct jr_cons_sim *s;
	unsigned i;
	uint64_t index;
};

static bool reached_applied(struct raft_fixture *f, void *arg)
{
	const struct applied_goal *g = arg;
	for (unsigned j = 0; j < f->n; j++) {
		if (g->i != f->n && j != g->i)
			continue;
		if (g->i == f->n && !raft_fixture_alive(f, j))
			continue;
		if (raft_last_applied(raft_fixture_get(f, j)) < g->index)
			return false;
	}
	return true;
}

bool jr_cons_sim_until_applied(struct jr_cons_sim *s, unsigned i,
	uint64_t index, unsigned max_ms)
{
	struct applied_goal g = { s, i, index };
	return raft_fixture_step_until(&s->f, reached_applied, &g, max_ms);
}

static bool reached_stored(struct raft_fixture *f, void *arg)
{
	const struct applied_goal *g = arg;
	return raft_fixture_get(f, g->i)->last_stored >= g->index;
}

bool jr_cons_sim_until_stored(struct jr_cons_sim *s, unsigned i,
	uint64_t index, unsigned max_ms)
{
	struct applied_goal g = { s, i, index };
	return raft_fixture_step_until(&s->f, reached_stored, &g, max_ms);
}

void jr_cons_sim_kill(struct jr_cons_sim *s, unsigned i)
{
	raft_fixture_kill(&s->f, i);
}

/* raft_fixture_kill/revive saturate and desaturate links (to alive peers
 * only); jr_cons_sim_disconnect clears a separate "connected" flag that
 * revive leaves alone. A revived server is connected both ways to every
 * peer (disconnect it again after, if the test needs that). */
void jr_cons_sim_revive(struct jr_cons_sim *s, unsigned i)
{
	raft_fixture_revive(&s->f, i);
	for (unsigned j = 0; j < s->f.n; j++) {
		if (j == i)
			continue;
		raft_fixture_reconnect(&s->f, j, i);
		raft_fixture_reconnect(&s->f, i, j);
	}
}

void jr_cons_sim_disconnect(struct jr_cons_sim *s, unsigned i, unsigned j)
{
	raft_fixture_disconnect(&s->f, i, j);
	raft_fixture_disconnect(&s->f, j, i);
}

void jr_cons_sim_reconnect(struct jr_cons_sim *s, unsigned i, unsigned j)
{
	raft_fixture_reconnect(&s->f, i, j);
	raft_fixture_reconnect(&s->f, j, i);
}

void jr_cons_sim_set_disk_latency(struct jr_cons_sim *s, unsigned i,
	unsigned ms)
{
	raft_fixture_set_disk_latency(&s->f, i, ms);
}

void jr_cons_sim_set_snapshot(struct jr_cons_sim *s, unsigned i,
	unsigned threshold, unsigned trailing)
{
	struct raft *r = raft_fixture_get(&s->f, i);
	raft_set_snapshot_threshold(r, threshold);
	raft_set_snapshot_trailing(r, trailing);
	s->nodes[i]->threshold = threshold;
	s->nodes[i]->trailing = trailing;
}

/* The InstallSnapshot is lost, not refused: to the leader that is the same
 * as one a busy follower drops, which 0.15 does not answer either. 100 ms
 * covers the fixture's 15 ms network latency. */
bool jr_cons_sim_lose_next_snapshot(struct jr_cons_sim *s, unsigned from,
	unsigned to, unsigned max_ms)
{
	unsigned sent = raft_fixture_n_send(&s->f, from, RAFT_IO_INSTALL_SNAPSHOT);
	raft_time end = s->f.time + max_ms;

	while (raft_fixture_n_send(&s->f, from, RAFT_IO_INSTALL_SNAPSHOT) == sent) {
		if (s->f.time >= end)
			return false;
		(void)raft_fixture_step(&s->f);
	}
	raft_fixture_saturate(&s->f, from, to);
	raft_fixture_step_until_elapsed(&s->f, 100);
	raft_fixture_desaturate(&s->f, from, to);
	return true;
}

unsigned jr_cons_sim_exchange_hashes(struct jr_cons_sim *s)
{
	unsigned stopped = 0;

	for (unsigned a = 0; a < s->f.n; a++) {
		struct jr_cons *ca = s->nodes[a];
		bool was = ca->diverged;
		if (!raft_fixture_alive(&s->f, a))
			continue;
		for (unsigned b = 0; b < s->f.n && !ca->diverged; b++) {
			const struct jr_cons *cb = s->nodes[b];
			if (b == a || !raft_fixture_alive(&s->f, b))
				continue;
			for (unsigned k = 0; k < JR_CONS_HASH_WINDOW; k++) {
				const struct jr_cons_mark *m = &cb->marks[k];
				if (m->index == 0)
					continue;
				if (jr_cons_peer_hash(ca, cb->id, m->index, m->hash, NULL) ==
				    JR_CONS_EDIVERGED)
					break;
			}
		}
		if (!was && ca->diverged)
			stopped++;
	}
	return stopped;
}
