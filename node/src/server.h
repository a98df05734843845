/*
 * server.h — one running jaring-node (server.c), and what http.c and
 * peers.c see of it. Loop thread only, unless a field says otherwise.
 */
#ifndef JR_NODE_SERVER_H
#define JR_NODE_SERVER_H

#include <pthread.h>
#include <stdatomic.h>

#include <uv.h>

#include "node.h"

struct jr_http;
struct jr_peers;

struct jr_server {
	struct jr_node_config cfg;
	struct jr_tlog_policy_file policy;
	struct jr_key *consortium, *log_key, *witness_key;
	/* every consortium key held: [0] = consortium (the genesis key), then
	 * consortium_key_added in rotation order */
	struct jr_key *keys[JR_CENTRE_MAX_KEYS];
	size_t n_keys;
	struct jr_node_fsm *fsm;
	struct jr_cons *cons;
	struct jr_node_witness *witness;
	struct jr_http *http;
	struct jr_peers *peers;
	uv_loop_t *loop;
	uv_timer_t tick;
	uv_signal_t sigterm, sigint;
	bool stopping;
	bool handles; /* tick and signal handles initialised */
	bool was_leader;
	bool diverged_logged;
	unsigned restores_logged; /* restores the log has told of */
	unsigned takes_logged; /* snapshots written the log has told of */
	uint64_t signed_size;
	/* read by the peers thread */
	_Atomic uint64_t state_index;
	char upload_dir[JR_NODE_PATH_MAX];
	char pid_path[JR_NODE_PATH_MAX];
};

/* The consortium key held with this key id, or with this public key;
 * NULL if none. */
const struct jr_key *jr_server_key_by_id(const struct jr_server *s,
	const uint8_t id[JR_ID_BYTES]);
const struct jr_key *jr_server_key_by_pk(const struct jr_server *s,
	const uint8_t pk[JR_SIGN_PK_BYTES]);

/* Log lines on stderr: "jaring-node[<id>]: <message>". */
void jr_server_log(const struct jr_server *s, const char *fmt, ...) JR_PRINTF(2, 3);

/* The leader's HTTP base ("http://host:port") into out, false if unknown. */
bool jr_server_leader_http(struct jr_server *s, char *out, size_t cap);

/* http.c */
int jr_http_start(struct jr_server *s, struct jr_http **out, struct jr_errbuf *eb)
	JR_MUST_CHECK;
/* Answers what is still waiting with 503 and stops the daemon. */
void jr_http_stop(struct jr_http *h);

/* Drops uploads idle for an hour. */
void jr_http_tick(struct jr_http *h);

/* public.c: the public page (page.h). */
struct jr_pubpage;
struct sockaddr;
enum jr_pubpage_kind { JR_PUBPAGE_HTML, JR_PUBPAGE_SVG };
typedef void (*jr_pubpage_ready)(void *arg);
int jr_pubpage_new(struct jr_server *s, struct jr_pubpage **out) JR_MUST_CHECK;
/* Frees it now, or once its build in flight is done. */
void jr_pubpage_free(struct jr_pubpage *p);
/* The page or the chart in lang, as of the state now or a little before
 * (a newer one is being built). NULL before the first build: then cb(arg)
 * runs on the loop once it is done (or failed), and *rc is JR_OK, unless
 * nothing can wait (cb NULL, too many waiting: *rc JR_EIO). */
const struct jr_buf *jr_pubpage_get(struct jr_pubpage *p, enum jr_pubpage_kind kind,
	enum jr_lang lang, jr_pubpage_ready cb, void *arg, int *rc);
/* The "check my receipt" answer (an HTML page in out, malloc'd) and its
 * HTTP status; *retry_s for a 429. kiosk and code as typed (may be NULL). */
unsigned jr_pubpage_receipt(struct jr_pubpage *p, const struct sockaddr *client,
	const char *kiosk, const char *code, enum jr_lang lang, uint64_t now_ms,
	struct jr_buf *out, unsigned *retry_s);

/* A pseudonym key file: 64 lower-case hex digits on one line. */
int jr_node_load_pseudonym(const char *path, uint8_t *key, struct jr_errbuf *eb)
	JR_MUST_CHECK;

/* peers.c */
int jr_peers_start(struct jr_server *s, struct jr_peers **out, struct jr_errbuf *eb)
	JR_MUST_CHECK;
void jr_peers_stop(struct jr_peers *p);

/* server.c: the whole life of a node, `start` in the foreground. */
int jr_server_run(const struct jr_node_config *cfg, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
