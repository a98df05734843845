/*
 * node.h — jaring-node's parts and what they share (docs/node.md).
 *
 *   config.c     the config file (key = value lines)
 *   envelope.c   the node's log entry around a centre entry
 *   fsm.c        the state machine libraft drives: jr_centre_apply, the
 *                node's own tables, snapshots and restores of the SQLite file
 *   witness.c    this node's signed checkpoints and the cosigned one
 *   http.c       the HTTP API (libmicrohttpd, driven from the libuv loop)
 *   http_parse.c what http.c parses (paths, headers, peers' answers): pure,
 *                fuzzed (tests/fuzz/fuzz_http.c)
 *   peers.c      a thread that asks the peers for their state hashes and
 *                signed checkpoints (libcurl), handing answers to the loop
 *   server.c     one running node: opens everything, runs, stops cleanly
 *
 * Threads: everything runs on the libuv loop of the consensus layer, except
 * bundle opening (uv_queue_work), snapshot writing (libraft's worker) and
 * the peers thread, which hands its results to the loop through a uv_async.
 */
#ifndef JR_NODE_NODE_H
#define JR_NODE_NODE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "consensus.h"
#include "jaring/centre.h"
#include "jaring/tlog.h"

#define JR_NODE_PATH_MAX 4096
#define JR_NODE_ADDR_MAX JR_CONS_ADDRESS_MAX
#define JR_NODE_MAX_PEERS JR_CONS_MAX_NODES

/* HTTP caps (docs/http.md "Conventions"). */
#define JR_HTTP_BUNDLE_MAX (64u * 1024u * 1024u)
#define JR_HTTP_PUT_MAX (4u * 1024u * 1024u)
/* the largest act the contract takes: a reference list part of 65,536
 * pseudonyms (2.2 MB) or a decree of 65,536 recipients (1.1 MB) */
#define JR_HTTP_ACT_MAX (4u * 1024u * 1024u)
#define JR_HTTP_MEMBER_MAX 4096u

struct jr_node_peer {
	uint64_t id;
	char raft[JR_NODE_ADDR_MAX]; /* host:port */
	char http[JR_NODE_ADDR_MAX]; /* host:port */
};

struct jr_node_config {
	char path[JR_NODE_PATH_MAX]; /* the file it came from */
	uint64_t id;
	char raft_address[JR_NODE_ADDR_MAX];
	char raft_bind[JR_NODE_ADDR_MAX]; /* "" = raft_address */
	char http_address[JR_NODE_ADDR_MAX];
	char data_dir[JR_NODE_PATH_MAX];
	char consortium_key[JR_NODE_PATH_MAX]; /* the genesis key */
	/* keys later rosters name, in rotation order (consortium_key_added) */
	char consortium_added[JR_CENTRE_MAX_KEYS - 1][JR_NODE_PATH_MAX];
	size_t n_consortium_added;
	char pseudonym_key[JR_NODE_PATH_MAX];
	char log_key[JR_NODE_PATH_MAX]; /* "" = the consortium key */
	char log_origin[JR_NOTE_NAME_MAX + 1];
	char witness_name[JR_NOTE_NAME_MAX + 1];
	char cosign_policy[JR_NODE_PATH_MAX];
	struct jr_node_peer peers[JR_NODE_MAX_PEERS]; /* this node included */
	size_t n_peers;
	uint64_t bootstrap[JR_NODE_MAX_PEERS]; /* founding voters; none: a joiner */
	size_t n_bootstrap;
	unsigned snapshot_threshold, snapshot_trailing;
	unsigned snapshot_log_mib; /* 0: by entry count only */
	unsigned segment_mib; /* libraft's open log segments; 0: its 8 MiB */
	unsigned election_timeout_ms, heartbeat_ms;
	unsigned max_connections, idle_timeout_s, max_uploads;
	unsigned peer_interval_ms;
};

/* Reads and checks a config file; every problem names the file and line. */
int jr_node_config_load(const char *path, struct jr_node_config *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
const struct jr_node_peer *jr_node_config_peer(const struct jr_node_config *cfg,
	uint64_t id);

/* Data directory layout (docs/node.md). */
int jr_node_path(const struct jr_node_config *cfg, const char *name, char *out,
	size_t outlen) JR_MUST_CHECK;

/* ---- the cosigning policy: a tlog-policy file (jaring/tlog.h) ---- */

_Static_assert(JR_TLOG_POLICY_WITNESSES_MAX >= JR_NODE_MAX_PEERS,
	"a policy names a witness per node");

/* ---- the node's log entry (docs/node.md "Log entry") ---- */

struct jr_node_entry {
	const uint8_t *centre; /* the centre entry (jaring/centre.h) */
	size_t centre_len;
	bool has_bundle;
	uint8_t bundle_id[JR_HASH_BYTES];
	uint64_t bundle_len;
	uint8_t kiosk[JR_ID_BYTES];
};
int jr_node_entry_encode(const struct jr_node_entry *e, struct jr_buf *out)
	JR_MUST_CHECK;
/* Pointers into p. */
int jr_node_entry_decode(const uint8_t *p, size_t len, struct jr_node_entry *out)
	JR_MUST_CHECK;
/* The kind of a centre entry (1 roster, 2 upstream, ...), 0 if it is not one. */
uint64_t jr_node_centre_kind(const uint8_t *p, size_t len);

/* ---- the state machine ---- */

struct jr_node_fsm;

struct jr_node_bundle_row {
	uint64_t index, length;
	uint8_t kiosk[JR_ID_BYTES];
	uint32_t blocks, applied, known, pending, refused;
	uint64_t acked_height;
};
struct jr_node_act_row {
	uint64_t index;
	bool refused;
	bool changed;
	unsigned status; /* enum jr_centre_status */
};

/* Opens the state at path, discarding what a previous run left there: the
 * state is rebuilt from libraft's snapshot and log at every start (see
 * docs/node.md "Restart"). consortium[0] is the genesis key, the others the
 * keys later rosters name. The keys and cfg are borrowed: cfg's id, peers
 * and data_dir serve the snapshots. */
int jr_node_fsm_open(const struct jr_node_config *cfg, const char *path,
	const struct jr_key *const *consortium, size_t n_consortium,
	const uint8_t pseudonym_key[JR_CENTRE_PSEUDONYM_KEY_BYTES],
	struct jr_node_fsm **out, struct jr_errbuf *eb) JR_MUST_CHECK;
void jr_node_fsm_close(struct jr_node_fsm *f);
/* The callbacks for jr_cons_open. */
void jr_node_fsm_callbacks(struct jr_node_fsm *f, struct jr_cons_fsm *out);
/* Commits the entries applied since the last commit (group commit, fsm.c),
 * so that a reader on another connection of the state file sees them: the
 * tick calls it, and whatever hands the file to a worker. JR_OK at once if
 * nothing waits; on an error, jr_node_fsm_error says what, and the next
 * apply stops the node. */
int jr_node_fsm_commit(struct jr_node_fsm *f) JR_MUST_CHECK;
struct jr_centre *jr_node_fsm_centre(struct jr_node_fsm *f);
/* The centre's own connection (loop thread only; it sees every applied
 * entry, committed or not), and the log's hashes on it. */
struct sqlite3 *jr_node_fsm_db(struct jr_node_fsm *f);
const struct jr_tlog_store *jr_node_fsm_store(struct jr_node_fsm *f);
/* The index of the last entry the FSM applied (0: none) and whether it
 * failed for good. */
uint64_t jr_node_fsm_index(const struct jr_node_fsm *f);
const char *jr_node_fsm_error(const struct jr_node_fsm *f);
/* JR_ENOTFOUND if that bundle / act is not applied. */
int jr_node_fsm_bundle(struct jr_node_fsm *f, const uint8_t id[JR_HASH_BYTES],
	struct jr_node_bundle_row *out) JR_MUST_CHECK;
int jr_node_fsm_act(struct jr_node_fsm *f, const uint8_t hash[JR_HASH_BYTES],
	struct jr_node_act_row *out) JR_MUST_CHECK;
/* A snapshot's copy for a peer (GET /v1/snapshots): jr_snap_reader_open
 * in this node's snapshot folder with its transfer secret. */
struct jr_snap_reader;
int jr_node_fsm_snapshot_reader(struct jr_node_fsm *f, uint64_t index,
	const uint8_t digest[JR_HASH_BYTES], const uint8_t nonce[32],
	const uint8_t mac[JR_HASH_BYTES], struct jr_snap_reader **out, uint64_t *total,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* How many snapshots were restored, and a sentence on the last one (its
 * entry, size, where from and how long), for the node's log. */
unsigned jr_node_fsm_restores(const struct jr_node_fsm *f, const char **what);
/* The same for snapshots written (any thread may write one). */
unsigned jr_node_fsm_takes(struct jr_node_fsm *f, char *what, size_t cap);
/* Bytes of the last snapshot's copy (for the log and the bench). */
uint64_t jr_node_fsm_last_snapshot_bytes(const struct jr_node_fsm *f);

/* ---- snapshot files (snapfile.c; docs/node.md "Snapshots") ---- */

/* What libraft holds as the snapshot, 64 bytes, big-endian:
 *   0  8  "JRNSNAP1"
 *   8  8  origin: the node that took it
 *  16  8  index of the last entry it contains
 *  24  8  size of the state file's copy
 *  32 32  BLAKE2b-256 of the copy
 * The copy is data_dir/snapshots/<index>-<digest hex>.db. */
#define JR_SNAP_REF_BYTES 64
#define JR_SNAP_NAME_MAX (20 + 1 + 64 + 1)
#define JR_SNAP_NONCE_BYTES 32
#define JR_SNAP_CHUNK 65536u
#define JR_SNAP_KEEP 2 /* copies kept: libraft keeps its last two snapshots */
#define JR_SNAP_KEEP_MAX 8
struct jr_snap_ref {
	uint64_t origin, index, size;
	uint8_t digest[JR_HASH_BYTES];
};
void jr_snap_ref_encode(const struct jr_snap_ref *r, uint8_t out[JR_SNAP_REF_BYTES]);
int jr_snap_ref_decode(const uint8_t *p, size_t len, struct jr_snap_ref *out)
	JR_MUST_CHECK;
/* "<index>-<64 hex>": the copy's name without ".db", and what requests name. */
void jr_snap_name(uint64_t index, const uint8_t digest[JR_HASH_BYTES],
	char out[JR_SNAP_NAME_MAX]);
/* The transfer secret S (32 bytes into sodium_malloc'd out). */
int jr_snap_secret(const struct jr_key *consortium, uint8_t *out) JR_MUST_CHECK;
/* Opens the read transaction on r (a read-write connection of its own to a
 * WAL database, no busy handler) that jr_snap_take copies. It first tries
 * to empty the WAL into the file (a TRUNCATE checkpoint, which gives up at
 * once if any other connection is reading older frames or writing). If that
 * worked, *as_file: the transaction reads the file alone, and while it is
 * open no checkpoint may write into the file (SQLite's WAL read lock 0), so
 * the file's bytes are the state as pinned. The state file needs no syncs
 * of its own (the node rebuilds it at start), so r's checkpoints make none. */
int jr_snap_pin(struct sqlite3 *r, bool *as_file) JR_MUST_CHECK;
/* Copies the database src, inside the read transaction jr_snap_pin opened,
 * into dir: the file's bytes as they are if as_file, else page by page
 * with SQLite's online backup. */
int jr_snap_take(struct sqlite3 *src, bool as_file, const char *dir, uint64_t origin,
	uint64_t index, struct jr_snap_ref *out, struct jr_errbuf *eb) JR_MUST_CHECK;
/* Copies dir's copy of r over the state file, checking its size and digest. */
int jr_snap_install(const char *dir, const struct jr_snap_ref *r, const char *state,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* Fetches r's copy from its origin (or another peer) into dir. JR_EKEY: a
 * peer refused this node's consortium key. */
int jr_snap_fetch(const struct jr_node_config *cfg, const uint8_t *secret,
	const struct jr_snap_ref *r, const char *dir, uint64_t *from, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* Removes all copies but the `keep` newest. */
void jr_snap_prune(const char *dir, unsigned keep);
/* Serving one: JR_EKEY if mac is wrong, JR_ENOTFOUND if it is not here. */
struct jr_snap_reader;
uint64_t jr_snap_answer_bytes(uint64_t size);
int jr_snap_reader_open(const char *dir, const uint8_t *secret, uint64_t index,
	const uint8_t digest[JR_HASH_BYTES], const uint8_t nonce[JR_SNAP_NONCE_BYTES],
	const uint8_t mac[JR_HASH_BYTES], struct jr_snap_reader **out, uint64_t *total,
	struct jr_errbuf *eb) JR_MUST_CHECK;
/* The answer's next bytes from pos (reads are in order): 0 at its end, -1
 * on an error. */
long jr_snap_reader_read(struct jr_snap_reader *rd, uint64_t pos, uint8_t *buf,
	size_t max);
void jr_snap_reader_free(struct jr_snap_reader *rd);

/* ---- checkpoints ---- */

struct jr_node_witness;
int jr_node_witness_new(const char *origin, const struct jr_key *log_key,
	const char *witness_name, const struct jr_key *witness_key,
	const struct jr_tlog_policy_file *policy, const char *published_path,
	struct jr_node_witness **out, struct jr_errbuf *eb) JR_MUST_CHECK;
void jr_node_witness_free(struct jr_node_witness *w);
/* Signs the checkpoint of a tree of `size` leaves with root `root` (the log
 * signature and this node's cosignature at `now`), unless the latest one
 * is of that size already. */
int jr_node_witness_sign(struct jr_node_witness *w, uint64_t size,
	const uint8_t root[JR_TLOG_HASH_BYTES], uint64_t now, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* This node's index among the policy's witnesses, -1 if it is not one. */
int jr_node_witness_in_policy(const struct jr_node_witness *w);
/* This node's latest signed checkpoint, or NULL. */
const struct jr_buf *jr_node_witness_self(const struct jr_node_witness *w);
/* A peer's signed checkpoint: its cosignature is kept if it verifies and
 * cosigns a checkpoint this node signed too. Then the largest checkpoint
 * that a quorum cosigned is published (to memory and published_path).
 * Returns JR_OK, or an error saying why the peer's note was not used. */
int jr_node_witness_offer(struct jr_node_witness *w, const uint8_t *note,
	size_t len, struct jr_errbuf *eb) JR_MUST_CHECK;
/* The latest checkpoint a quorum cosigned (NULL if none yet), its size and
 * how many witnesses cosigned it. */
const struct jr_buf *jr_node_witness_published(const struct jr_node_witness *w,
	uint64_t *size, size_t *cosigned);

/* ---- parsing for the HTTP API (http_parse.c) ---- */

enum jr_route {
	JR_RT_NONE = 0,
	JR_RT_HEALTH,
	JR_RT_BUNDLE,      /* /v1/bundles/<64 hex> */
	JR_RT_DOWNSTREAM,  /* /v1/kiosks/<32 hex>/downstream */
	JR_RT_ACTS,        /* /v1/acts */
	JR_RT_CHECKPOINT,  /* /checkpoint */
	JR_RT_CHECKPOINT_SELF, /* /v1/checkpoint/self */
	JR_RT_TILE,        /* /tile/... */
	JR_RT_PROOF_REG,   /* /v1/proof/registration/<32 hex> */
	JR_RT_PROOF_CONS,  /* /v1/proof/consistency */
	JR_RT_STATS,       /* /v1/stats */
	JR_RT_HASH,        /* /v1/hash/<index> | /v1/hash/latest */
	JR_RT_MEMBERS,     /* /v1/members */
	JR_RT_PUBLIC,      /* / and /public: the public page */
	JR_RT_PUBLIC_SVG,  /* /public/coverage.svg */
	JR_RT_PUBLIC_RECEIPT, /* /public/receipt */
	JR_RT_SNAPSHOT,    /* /v1/snapshots/<index>-<64 hex> */
	JR_RT_BAD_ID       /* a known route with a malformed id */
};

struct jr_route_match {
	enum jr_route route;
	uint8_t id[JR_HASH_BYTES]; /* bundle id or snapshot digest (32), kiosk or
				      registration (16) */
	size_t id_len;
	uint64_t index;  /* hash: the index, UINT64_MAX for "latest"; snapshot */
	int tile_level;  /* JR_TLOG_ENTRIES for entry bundles */
	uint64_t tile_n;
	unsigned tile_width;
};
/* Matches a request path (no query) of len bytes. */
void jr_http_route(const char *path, size_t len, struct jr_route_match *out);
/* A decimal header or query value: digits only, no sign, no leading zero
 * (but "0"), at most max. */
int jr_http_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
	JR_MUST_CHECK;
/* Strict lower-case hex of exactly 2*n digits into out. */
int jr_http_parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
	JR_MUST_CHECK;
/* A peer's {"index":N,"state_hash":"<64 hex>"} (what /v1/hash answers). */
int jr_http_parse_hash_answer(const char *s, size_t len, uint64_t *index,
	uint8_t hash[JR_HASH_BYTES]) JR_MUST_CHECK;
/* A membership request (docs/node.md "Membership requests"): 
 * "join <id> <raft host:port> <unix time>\n" or
 * "remove <id> - <unix time>\n", then "sig <128 hex>\n". */
struct jr_member_req {
	bool join;
	uint64_t id;
	char raft[JR_NODE_ADDR_MAX];
	uint64_t time;
	uint8_t sig[JR_SIG_BYTES];
	size_t signed_len; /* bytes of the first line, newline included */
};
int jr_http_parse_member(const char *s, size_t len, struct jr_member_req *out)
	JR_MUST_CHECK;
#define JR_NODE_MEMBER_DOMAIN "jaring/node-member/v1"
#define JR_NODE_MEMBER_SKEW_S 300

#endif
