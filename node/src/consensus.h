/*
 * consensus.h — the central node's consensus layer: a replicated, ordered log
 * of opaque entries, applied by a state machine the node provides.
 *
 * Every libraft call of the node lives in consensus.c, behind this interface:
 * libraft continues upstream as the API-compatible cowsql/raft fork, and the
 * rest of the node must not care which one it links. docs/consensus.md says
 * what each libraft behaviour means for the node.
 *
 * The contract, in short:
 * - An entry is opaque bytes (the node proposes whole bundles, never one
 *   registration per entry). jr_cons_propose's callback fires only once the
 *   entry is committed by a majority AND applied by this node's FSM.
 * - There is no ReadIndex: a read that must be current (signing a
 *   checkpoint) waits for jr_cons_barrier first.
 * - The FSM's apply reports a state hash after every entry. Nodes exchange
 *   these (jr_cons_peer_hash); a node that a majority of the cluster
 *   contradicts stops applying, refuses proposals and says so. An apply
 *   that fails does the same: an error from apply means "this node's state
 *   can no longer be trusted", never "this bundle was refused" (a refusal is
 *   a recorded outcome and apply returns JR_OK).
 *
 * One event loop drives a node; every function here must be called from it
 * (from the callbacks, or before jr_cons_run). Not thread-safe otherwise.
 */
#ifndef JR_NODE_CONSENSUS_H
#define JR_NODE_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jaring/common.h"

/* Largest entry the layer accepts; a bundle bigger than this is split by the
 * node before it is proposed. */
#define JR_CONS_ENTRY_MAX (64u * 1024u * 1024u)
/* Largest cluster: 5 agencies today, 7 leaves room for one change at a time. */
#define JR_CONS_MAX_NODES 7
/* How many recent (index, state hash) pairs a node keeps for comparison with
 * its peers' reports. A report older than this is answered JR_ENOTFOUND. */
#define JR_CONS_HASH_WINDOW 4096
#define JR_CONS_ADDRESS_MAX 64

/* Codes of this layer, beyond enum jr_err (jr_cons_strerror names both). */
enum jr_cons_err {
	JR_CONS_ENOTLEADER = 100, /* this node is not the leader: ask jr_cons_leader */
	JR_CONS_ELOST,       /* leadership lost before the entry was applied here:
	                      * it may still commit; retry idempotently */
	JR_CONS_ESHUTDOWN,   /* the node is stopping */
	JR_CONS_EDIVERGED,   /* this node's state diverged; it stopped applying */
	JR_CONS_EBUSY,       /* a membership change is already under way */
	JR_CONS_ESLOW,       /* a joining node did not catch up in time */
};

JR_API const char *jr_cons_strerror(int err);

/* How long one catch-up round of a joining node may take before libraft
 * gives up promoting it (JR_CONS_ESLOW; its default is 5 s). */
#define JR_CONS_CATCH_UP_ROUND_MS 60000u

/* What the FSM reports after applying one entry. */
struct jr_cons_applied {
	uint8_t state_hash[JR_HASH_BYTES];
	/* Handed to the proposer's callback on the node that proposed the entry;
	 * owned by the FSM (the layer never frees it). NULL is fine. */
	void *result;
};

/*
 * The state machine the node implements. All callbacks but snapshot_write
 * run on the loop thread.
 *
 * apply: apply entry `index` (strictly increasing, without gaps between
 *   snapshots) and fill out->state_hash. Return JR_OK for every entry that
 *   was applied, refused bundles included. Any other code marks this node as
 *   diverged: the layer stops applying for good.
 * snapshot_begin: pin a consistent view of the state as of the last applied
 *   entry, quickly (e.g. open a read transaction): apply continues meanwhile.
 * snapshot_write: write the pinned view into out (malloc'd; the layer frees
 *   it). May run on a worker thread, concurrently with apply.
 * snapshot_end: release the pinned view; called after every snapshot_begin
 *   that returned JR_OK, whatever happened next.
 * restore: replace the whole state with the bytes of a snapshot and report
 *   the state hash they give; the layer checks it against the hash the
 *   snapshot was taken with. A restore that fails while the node runs (a
 *   snapshot installed from the leader) stops the node as diverged.
 * errmsg: optional; what went wrong in the last failed callback, for the
 *   layer's messages.
 */
struct jr_cons_fsm {
	void *data;
	int (*apply)(void *data, uint64_t index, const uint8_t *entry, size_t len,
		struct jr_cons_applied *out);
	int (*snapshot_begin)(void *data);
	int (*snapshot_write)(void *data, struct jr_buf *out);
	void (*snapshot_end)(void *data);
	int (*restore)(void *data, const uint8_t *p, size_t len,
		uint8_t state_hash[JR_HASH_BYTES]);
	const char *(*errmsg)(void *data);
};

struct jr_cons_server {
	uint64_t id; /* 1.. */
	char address[JR_CONS_ADDRESS_MAX]; /* "127.0.0.1:9001" */
};

struct jr_cons_config {
	uint64_t id;
	const char *address; /* host:port this node listens on */
	/* NULL, or the host:port to listen on when it differs from address,
	 * the one the peers dial (a proxy or NAT in between). */
	const char *bind_address;
	const char *dir;     /* data directory; must exist */
	/* 0 = libraft's defaults (1024 entries between snapshots, 128 kept). */
	unsigned snapshot_threshold;
	unsigned snapshot_trailing;
	/* libraft 0.15 holds every entry since its last snapshot (and the
	 * trailing ones) in memory, and counts only entries: with entries of a
	 * megabyte, 1024 of them are a gigabyte. When > 0, a snapshot is also
	 * taken once the entries applied since the last one reach this many
	 * bytes, and the entries kept behind it are cut to about half of it, so
	 * the log in memory stays near 1.5 times this. */
	uint64_t snapshot_log_bytes;
	/* 0 = libraft's default (8 MiB): the size its open log segments are
	 * allocated at; a segment holds entries until the next would not fit. */
	uint64_t segment_bytes;
	/* 0 = defaults (1000 ms election, 100 ms heartbeat). */
	unsigned election_timeout_ms;
	unsigned heartbeat_ms;
};

struct jr_cons;

/* Opens a node with libraft's libuv backend (disk log + TCP transport).
 * Does not start it. Fails with a clear message when the data directory sits
 * on a file system where libraft's direct I/O probe fails (overlayfs,
 * shiftfs). On success *out owns everything; free with jr_cons_free.
 * The process must ignore SIGPIPE (signal(SIGPIPE, SIG_IGN) in main): the
 * TCP transport writes to peers that may have died, and the default action
 * kills the process without a word. */
JR_API int jr_cons_open(const struct jr_cons_config *cfg,
	const struct jr_cons_fsm *fsm, struct jr_cons **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Writes the first configuration (3 or 5 voters, this node among them) to a
 * pristine node, before jr_cons_start. Every founding node is bootstrapped
 * with the same list. JR_EEXIST if the node already has state (a restart:
 * just start it). A node that joins an existing cluster is not bootstrapped. */
JR_API int jr_cons_bootstrap(struct jr_cons *c,
	const struct jr_cons_server *servers, size_t n,
	struct jr_errbuf *eb) JR_MUST_CHECK;

JR_API int jr_cons_start(struct jr_cons *c, struct jr_errbuf *eb) JR_MUST_CHECK;

/* Runs the loop until jr_cons_stop has completed. libuv backend only. */
JR_API int jr_cons_run(struct jr_cons *c, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Begins an orderly stop; jr_cons_run returns once it has finished. */
JR_API void jr_cons_stop(struct jr_cons *c);
/* Frees a node that was never started, or whose jr_cons_run has returned. */
JR_API void jr_cons_free(struct jr_cons *c);
/* The libuv loop (struct uv_loop_s *) of a libuv node, for the node's own
 * timers and handles; NULL for an in-memory node. */
JR_API void *jr_cons_loop(struct jr_cons *c);

/* Completion of propose, barrier, join and leave. status is JR_OK or a code;
 * for a proposal, index and result say where the entry landed and what the
 * FSM returned, and state_hash is the hash after it. */
struct jr_cons_done {
	int status;
	uint64_t index;
	uint8_t state_hash[JR_HASH_BYTES];
	void *result;
};
typedef void (*jr_cons_done_cb)(void *arg, const struct jr_cons_done *done);

/* Proposes one entry (copied: the caller keeps entry). Leader only
 * (JR_CONS_ENOTLEADER otherwise). The callback fires exactly once if this
 * returns JR_OK, and never otherwise. */
JR_API int jr_cons_propose(struct jr_cons *c, const uint8_t *entry, size_t len,
	jr_cons_done_cb cb, void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Commits a barrier: when cb reports JR_OK, this node (the leader) has
 * applied every entry committed before the call; a read is then current. */
JR_API int jr_cons_barrier(struct jr_cons *c, jr_cons_done_cb cb, void *arg,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Adds a node as a voter (it catches up first, from a snapshot if far
 * behind), or removes one. Leader only; one change at a time. */
JR_API int jr_cons_join(struct jr_cons *c, uint64_t id, const char *address,
	jr_cons_done_cb cb, void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API int jr_cons_leave(struct jr_cons *c, uint64_t id, jr_cons_done_cb cb,
	void *arg, struct jr_errbuf *eb) JR_MUST_CHECK;

enum jr_cons_role { JR_CONS_UNAVAILABLE, JR_CONS_FOLLOWER, JR_CONS_CANDIDATE,
	JR_CONS_LEADER };

struct jr_cons_info {
	uint64_t id;
	enum jr_cons_role role;
	uint64_t term;
	uint64_t last_index;   /* last entry in this node's log */
	uint64_t commit_index; /* highest entry this node knows is committed */
	uint64_t applied;      /* highest entry applied here */
	uint64_t leader_id;    /* 0 if unknown */
	char leader_address[JR_CONS_ADDRESS_MAX];
	unsigned voters;       /* voters in the current configuration */
	bool diverged;
	uint8_t state_hash[JR_HASH_BYTES]; /* after the last applied entry */
};

JR_API void jr_cons_info(struct jr_cons *c, struct jr_cons_info *out);

/* This node's state hash after entry index, if still in the window. */
JR_API int jr_cons_hash_at(const struct jr_cons *c, uint64_t index,
	uint8_t out[JR_HASH_BYTES]) JR_MUST_CHECK;

/* A peer reports its state hash after entry index. Returns JR_OK if it
 * matches ours; JR_ENOTFOUND if we have not applied index yet or it left the
 * window (ask again later, or never); JR_ECORRUPT if the peer disagrees and
 * so far is in the minority (eb names the peer: it has diverged);
 * JR_CONS_EDIVERGED if, with this report, a majority of the voters
 * contradicts this node: it has stopped applying, and eb and
 * jr_cons_errmsg say so. */
JR_API int jr_cons_peer_hash(struct jr_cons *c, uint64_t peer_id,
	uint64_t index, const uint8_t hash[JR_HASH_BYTES],
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Why the node stopped (divergence, a failed apply), or "" if it did not. */
JR_API const char *jr_cons_errmsg(const struct jr_cons *c);

/*
 * In-memory clusters for tests, on libraft's raft_fixture: every server a
 * jr_cons driven by the same code as a real node, the network and the disks
 * simulated, time advanced by stepping. Indexes i, j are 0-based; server i
 * has id i + 1 and address "i+1".
 */
struct jr_cons_sim;

/* n servers with the given FSMs (fsms[i] for server i), the first n_voters
 * bootstrapped as the cluster's voters, all started. */
JR_API int jr_cons_sim_new(unsigned n, unsigned n_voters,
	const struct jr_cons_fsm *fsms, struct jr_cons_sim **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_cons_sim_free(struct jr_cons_sim *s);
/* A new, empty server (not in the configuration: jr_cons_join it). Returns
 * its index, or -1 when full. */
JR_API int jr_cons_sim_grow(struct jr_cons_sim *s, const struct jr_cons_fsm *fsm);
JR_API unsigned jr_cons_sim_n(const struct jr_cons_sim *s);
JR_API struct jr_cons *jr_cons_sim_node(struct jr_cons_sim *s, unsigned i);
/* Index of the stable leader, or jr_cons_sim_n() if there is none. */
JR_API unsigned jr_cons_sim_leader(struct jr_cons_sim *s);
/* Steps until server i is leader (it must be connected to a majority), by
 * making its election timer the first to expire; false after max_ms. */
JR_API bool jr_cons_sim_elect(struct jr_cons_sim *s, unsigned i, unsigned max_ms);
JR_API void jr_cons_sim_step(struct jr_cons_sim *s, unsigned n_steps);
JR_API void jr_cons_sim_run_for(struct jr_cons_sim *s, unsigned ms);
JR_API bool jr_cons_sim_until_leader(struct jr_cons_sim *s, unsigned max_ms);
/* Until server i (or every alive server, i == n) applied index. */
JR_API bool jr_cons_sim_until_applied(struct jr_cons_sim *s, unsigned i,
	uint64_t index, unsigned max_ms);
/* Until server i stored index in its log. */
JR_API bool jr_cons_sim_until_stored(struct jr_cons_sim *s, unsigned i,
	uint64_t index, unsigned max_ms);
JR_API void jr_cons_sim_kill(struct jr_cons_sim *s, unsigned i);
JR_API void jr_cons_sim_revive(struct jr_cons_sim *s, unsigned i);
JR_API void jr_cons_sim_disconnect(struct jr_cons_sim *s, unsigned i, unsigned j);
JR_API void jr_cons_sim_reconnect(struct jr_cons_sim *s, unsigned i, unsigned j);
JR_API void jr_cons_sim_set_disk_latency(struct jr_cons_sim *s, unsigned i,
	unsigned ms);
JR_API void jr_cons_sim_set_snapshot(struct jr_cons_sim *s, unsigned i,
	unsigned threshold, unsigned trailing);
/* Steps until server from sends its next InstallSnapshot and loses it on
 * the way to server to; false if none was sent within max_ms. */
JR_API bool jr_cons_sim_lose_next_snapshot(struct jr_cons_sim *s,
	unsigned from, unsigned to, unsigned max_ms);
/* Every alive server reports its hash at every index it applied (in the
 * window) to every other alive server, as the node will over HTTP. Returns
 * how many servers stopped as diverged in this exchange. */
JR_API unsigned jr_cons_sim_exchange_hashes(struct jr_cons_sim *s);

#endif
