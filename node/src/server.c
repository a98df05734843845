/*
 * server.c — one running node: loads the keys and the policy, opens the
 * state machine and the consensus layer, bootstraps a founding node once,
 * serves HTTP, asks the peers, signs checkpoints, and stops cleanly on
 * SIGTERM or SIGINT (docs/node.md "Start and stop").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "server.h"

#define TICK_MS 100

void jr_server_log(const struct jr_server *s, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	(void)fprintf(stderr, "jaring-node[%llu]: %s\n", (unsigned long long)s->cfg.id, msg);
	(void)fflush(stderr);
}

bool jr_server_leader_http(struct jr_server *s, char *out, size_t cap)
{
	struct jr_cons_info info;
	const struct jr_node_peer *p;

	jr_cons_info(s->cons, &info);
	if (info.leader_id == 0 || (p = jr_node_config_peer(&s->cfg, info.leader_id)) == NULL)
		return false;
	return snprintf(out, cap, "http://%s", p->http) < (int)cap;
}

int jr_node_load_pseudonym(const char *path, uint8_t *key, struct jr_errbuf *eb)
{
	struct jr_buf b = { NULL, 0 };
	size_t n;
	int rc = jr_file_read(path, 256, &b, eb);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "pseudonym key %s", path);
	n = b.len;
	while (n > 0 && (b.base[n - 1] == '\n' || b.base[n - 1] == '\r'))
		n--;
	rc = jr_http_parse_hex((const char *)b.base, n, key, JR_CENTRE_PSEUDONYM_KEY_BYTES);
	sodium_memzero(b.base, b.len);
	jr_buf_free(&b);
	if (rc != JR_OK)
		return jr_errf(eb, JR_EFORMAT, "pseudonym key %s: expected 64 lower-case "
			"hex digits (32 bytes) on one line", path);
	return JR_OK;
}

/* The pid file: refuses to start over a live node. */
static int pid_take(struct jr_server *s, struct jr_errbuf *eb)
{
	char buf[32];
	FILE *f;
	int n;

	if ((f = fopen(s->pid_path, "r")) != NULL) {
		char line[32] = "";
		uint64_t pid = 0;

		if (fgets(line, sizeof line, f) != NULL)
			line[strcspn(line, "\n")] = '\0';
		(void)fclose(f);
		if (jr_http_parse_u64(line, strlen(line), INT32_MAX, &pid) == JR_OK && pid > 0 &&
		    pid != (uint64_t)getpid() && kill((pid_t)pid, 0) == 0) {
			return jr_errf(eb, JR_EEXIST, "node %llu already runs (pid %llu, %s); "
				"stop it first", (unsigned long long)s->cfg.id,
				(unsigned long long)pid, s->pid_path);
		}
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	return jr_file_write_atomic(s->pid_path, (const uint8_t *)buf, (size_t)n, 0644, eb);
}

static int prepare_dirs(struct jr_server *s, char *raft_dir, size_t cap,
	struct jr_errbuf *eb)
{
	if (jr_node_path(&s->cfg, "raft", raft_dir, cap) != JR_OK ||
	    jr_node_path(&s->cfg, "uploads", s->upload_dir, sizeof s->upload_dir) != JR_OK ||
	    jr_node_path(&s->cfg, "jaring-node.pid", s->pid_path, sizeof s->pid_path) != JR_OK)
		return jr_errf(eb, JR_EINVAL, "data_dir %s: path too long", s->cfg.data_dir);
	if ((mkdir(raft_dir, 0700) != 0 && errno != EEXIST) ||
	    (mkdir(s->upload_dir, 0700) != 0 && errno != EEXIST))
		return jr_errf(eb, JR_EIO, "data_dir %s: %s; run 'jaring-node init' first",
			s->cfg.data_dir, strerror(errno));
	/* Unfinished uploads outlive the process: the HTTP server takes them up
	 * again (docs/node.md "Data directory"). */
	return JR_OK;
}

const struct jr_key *jr_server_key_by_id(const struct jr_server *s,
	const uint8_t id[JR_ID_BYTES])
{
	for (size_t i = 0; i < s->n_keys; i++)
		if (memcmp(jr_key_id(s->keys[i]), id, JR_ID_BYTES) == 0)
			return s->keys[i];
	return NULL;
}

const struct jr_key *jr_server_key_by_pk(const struct jr_server *s,
	const uint8_t pk[JR_SIGN_PK_BYTES])
{
	struct jr_pubkey p;

	for (size_t i = 0; i < s->n_keys; i++) {
		jr_key_public(s->keys[i], &p);
		if (memcmp(p.sign_pk, pk, JR_SIGN_PK_BYTES) == 0)
			return s->keys[i];
	}
	return NULL;
}

static int load_keys(struct jr_server *s, uint8_t *pkey, struct jr_errbuf *eb)
{
	char wk[JR_NODE_PATH_MAX];
	int rc;

	if ((rc = jr_key_load(s->cfg.consortium_key, &s->consortium, eb)) != JR_OK)
		return jr_errf(eb, rc, "consortium_key %s", s->cfg.consortium_key);
	if (jr_key_role(s->consortium) != JR_ROLE_CONSORTIUM)
		return jr_errf(eb, JR_EKEY, "consortium_key %s is not a consortium key",
			s->cfg.consortium_key);
	s->keys[s->n_keys++] = s->consortium;
	for (size_t i = 0; i < s->cfg.n_consortium_added; i++) {
		const char *p = s->cfg.consortium_added[i];
		struct jr_key *k = NULL;

		if ((rc = jr_key_load(p, &k, eb)) != JR_OK)
			return jr_errf(eb, rc, "consortium_key_added %s", p);
		s->keys[s->n_keys++] = k;
		if (jr_key_role(k) != JR_ROLE_CONSORTIUM)
			return jr_errf(eb, JR_EKEY, "consortium_key_added %s is not a consortium"
				" key", p);
		if (jr_server_key_by_id(s, jr_key_id(k)) != k)
			return jr_errf(eb, JR_EEXIST, "consortium_key_added %s is a key this"
				" node holds already; list each key once", p);
	}
	if (s->cfg.log_key[0] != '\0' &&
	    (rc = jr_key_load(s->cfg.log_key, &s->log_key, eb)) != JR_OK)
		return jr_errf(eb, rc, "log_key %s", s->cfg.log_key);
	if (jr_node_path(&s->cfg, "witness.key", wk, sizeof wk) != JR_OK ||
	    (rc = jr_key_load(wk, &s->witness_key, eb)) != JR_OK)
		return jr_errf(eb, rc ? rc : JR_EINVAL, "witness key %s (made by "
			"'jaring-node init')", wk);
	if ((rc = jr_node_load_pseudonym(s->cfg.pseudonym_key, pkey, eb)) != JR_OK)
		return rc;
	if ((rc = jr_tlog_policy_load(s->cfg.cosign_policy, &s->policy, eb)) != JR_OK)
		return jr_errf(eb, rc, "cosign policy %s", s->cfg.cosign_policy);
	return JR_OK;
}

static void barrier_done(void *arg, const struct jr_cons_done *d)
{
	struct jr_server *s = arg;

	if (d->status == JR_OK)
		jr_server_log(s, "leader: barrier at entry %llu applied; reads are current",
			(unsigned long long)d->index);
}

static void sign_checkpoint(struct jr_server *s)
{
	struct jr_centre *c = jr_node_fsm_centre(s->fsm);
	uint8_t root[JR_TLOG_HASH_BYTES];
	struct jr_errbuf eb = { 0 };
	uint64_t size;

	if (c == NULL)
		return;
	size = jr_centre_tlog_size(c);
	if (size == s->signed_size && jr_node_witness_self(s->witness) != NULL)
		return;
	if (jr_tlog_root(jr_node_fsm_store(s->fsm), size, root) != JR_OK)
		return;
	if (jr_node_witness_sign(s->witness, size, root, (uint64_t)time(NULL), &eb) != JR_OK) {
		jr_server_log(s, "checkpoint of size %llu not signed: %s",
			(unsigned long long)size, eb.msg);
		return;
	}
	s->signed_size = size;
}

static void on_tick(uv_timer_t *t)
{
	struct jr_server *s = t->data;
	struct jr_cons_info info;
	struct jr_errbuf eb = { 0 };

	if (s->stopping)
		return;
	jr_cons_info(s->cons, &info);
	atomic_store(&s->state_index, jr_node_fsm_index(s->fsm));
	/* group commit: the entries of the last tick, in one commit */
	if (jr_node_fsm_commit(s->fsm) != JR_OK)
		jr_server_log(s, "state file: %s", jr_node_fsm_error(s->fsm));
	if (info.role == JR_CONS_LEADER && !s->was_leader) {
		jr_server_log(s, "leader in term %llu", (unsigned long long)info.term);
		/* libraft 0.15 commits no entry of its own when it becomes leader
		 * (0.17.1 does): commit one, so nothing older counts by replicas. */
		if (jr_cons_barrier(s->cons, barrier_done, s, &eb) != JR_OK)
			jr_server_log(s, "barrier: %s", eb.msg);
	}
	s->was_leader = info.role == JR_CONS_LEADER;
	if (info.diverged && !s->diverged_logged) {
		s->diverged_logged = true;
		jr_server_log(s, "DIVERGED: %s", jr_cons_errmsg(s->cons));
	}
	{
		const char *what;
		unsigned n = jr_node_fsm_restores(s->fsm, &what);

		char taken[200];

		if (n != s->restores_logged) {
			s->restores_logged = n;
			jr_server_log(s, "%s", what);
		}
		if ((n = jr_node_fsm_takes(s->fsm, taken, sizeof taken)) != s->takes_logged) {
			s->takes_logged = n;
			jr_server_log(s, "%s", taken);
		}
	}
	if (!info.diverged)
		sign_checkpoint(s);
	jr_http_tick(s->http);
}

static void shutdown_now(struct jr_server *s)
{
	if (s->stopping)
		return;
	s->stopping = true;
	jr_server_log(s, "stopping");
	if (s->handles) {
		(void)uv_timer_stop(&s->tick);
		uv_close((uv_handle_t *)&s->tick, NULL);
		uv_close((uv_handle_t *)&s->sigterm, NULL);
		uv_close((uv_handle_t *)&s->sigint, NULL);
	}
	jr_peers_stop(s->peers);
	s->peers = NULL;
	jr_http_stop(s->http);
	s->http = NULL;
	jr_cons_stop(s->cons);
}

static void on_signal(uv_signal_t *h, int sig)
{
	(void)sig;
	shutdown_now(h->data);
}

static int bootstrap(struct jr_server *s, struct jr_errbuf *eb)
{
	struct jr_cons_server list[JR_NODE_MAX_PEERS];
	int rc;

	if (s->cfg.n_bootstrap == 0)
		return JR_OK;
	for (size_t i = 0; i < s->cfg.n_bootstrap; i++) {
		const struct jr_node_peer *p = jr_node_config_peer(&s->cfg, s->cfg.bootstrap[i]);

		list[i].id = p->id;
		memcpy(list[i].address, p->raft, sizeof list[i].address);
	}
	rc = jr_cons_bootstrap(s->cons, list, s->cfg.n_bootstrap, eb);
	if (rc == JR_EEXIST) {
		jr_server_log(s, "restart: the raft log has state; catching up from it");
		jr_errclear(eb);
		return JR_OK;
	}
	if (rc == JR_OK)
		jr_server_log(s, "bootstrapped with %zu founding voters", s->cfg.n_bootstrap);
	return rc;
}

static int open_all(struct jr_server *s, struct jr_errbuf *eb)
{
	uint8_t *pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES);
	char raft_dir[JR_NODE_PATH_MAX], state[JR_NODE_PATH_MAX], cp[JR_NODE_PATH_MAX];
	struct jr_cons_config cc;
	struct jr_cons_fsm fsm;
	int rc;

	if (pkey == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for the pseudonym key");
	rc = prepare_dirs(s, raft_dir, sizeof raft_dir, eb);
	if (rc == JR_OK)
		rc = pid_take(s, eb);
	if (rc == JR_OK)
		rc = load_keys(s, pkey, eb);
	if (rc == JR_OK && (jr_node_path(&s->cfg, "state.db", state, sizeof state) != JR_OK ||
			   jr_node_path(&s->cfg, "checkpoint", cp, sizeof cp) != JR_OK))
		rc = jr_errf(eb, JR_EINVAL, "data_dir too long");
	if (rc == JR_OK)
		rc = jr_node_fsm_open(&s->cfg, state, (const struct jr_key *const *)s->keys, s->n_keys,
			pkey, &s->fsm, eb);
	sodium_free(pkey);
	if (rc != JR_OK)
		return rc;
	memset(&cc, 0, sizeof cc);
	cc.id = s->cfg.id;
	cc.address = s->cfg.raft_address;
	cc.bind_address = s->cfg.raft_bind[0] ? s->cfg.raft_bind : NULL;
	cc.dir = raft_dir;
	cc.snapshot_threshold = s->cfg.snapshot_threshold;
	cc.snapshot_trailing = s->cfg.snapshot_trailing;
	cc.snapshot_log_bytes = (uint64_t)s->cfg.snapshot_log_mib << 20;
	cc.segment_bytes = (uint64_t)s->cfg.segment_mib << 20;
	cc.election_timeout_ms = s->cfg.election_timeout_ms;
	cc.heartbeat_ms = s->cfg.heartbeat_ms;
	jr_node_fsm_callbacks(s->fsm, &fsm);
	if ((rc = jr_cons_open(&cc, &fsm, &s->cons, eb)) != JR_OK)
		return rc;
	if ((rc = bootstrap(s, eb)) != JR_OK)
		return rc;
	s->loop = jr_cons_loop(s->cons);
	rc = jr_node_witness_new(s->cfg.log_origin, s->log_key ? s->log_key : s->consortium,
		s->cfg.witness_name, s->witness_key, &s->policy, cp, &s->witness, eb);
	if (rc != JR_OK)
		return rc;
	if (jr_node_witness_in_policy(s->witness) < 0)
		jr_server_log(s, "WARNING: witness %s is not in the cosign policy %s: its "
			"cosignatures will not count; add its vkey to the policy",
			s->cfg.witness_name, s->cfg.cosign_policy);
	if ((rc = jr_http_start(s, &s->http, eb)) != JR_OK)
		return rc;
	if ((rc = jr_peers_start(s, &s->peers, eb)) != JR_OK)
		return rc;
	if (uv_timer_init(s->loop, &s->tick) != 0 || uv_signal_init(s->loop, &s->sigterm) != 0 ||
	    uv_signal_init(s->loop, &s->sigint) != 0)
		return jr_errf(eb, JR_EIO, "event loop handles");
	s->handles = true;
	s->tick.data = s->sigterm.data = s->sigint.data = s;
	(void)uv_timer_start(&s->tick, on_tick, TICK_MS, TICK_MS);
	(void)uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	(void)uv_signal_start(&s->sigint, on_signal, SIGINT);
	return JR_OK;
}

int jr_server_run(const struct jr_node_config *cfg, struct jr_errbuf *eb)
{
	struct jr_server *s = calloc(1, sizeof *s);
	int rc;

	if (s == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory");
	(void)signal(SIGPIPE, SIG_IGN);
	s->cfg = *cfg;
	rc = open_all(s, eb);
	if (rc == JR_OK) {
		jr_server_log(s, "raft %s, http %s, data %s", cfg->raft_address,
			cfg->http_address, cfg->data_dir);
		rc = jr_cons_start(s->cons, eb);
		if (rc == JR_OK)
			rc = jr_cons_run(s->cons, eb);
		else
			shutdown_now(s);
	} else if (s->cons != NULL) {
		shutdown_now(s);
	}
	if (s->cons != NULL)
		jr_cons_free(s->cons);
	jr_node_witness_free(s->witness);
	jr_node_fsm_close(s->fsm);
	for (size_t i = 0; i < s->n_keys; i++)
		jr_key_free(s->keys[i]); /* keys[0] is consortium */
	if (s->n_keys == 0)
		jr_key_free(s->consortium);
	jr_key_free(s->log_key);
	jr_key_free(s->witness_key);
	if (s->pid_path[0] != '\0' && rc != JR_EEXIST)
		(void)unlink(s->pid_path);
	jr_server_log(s, rc == JR_OK ? "stopped" : "stopped after an error");
	free(s);
	return rc;
}
