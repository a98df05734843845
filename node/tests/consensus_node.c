/*
 * One consensus node as a process, for tests/…/consensus_smoke.sh: the
 * libuv backend on loopback with the hash-chain FSM. While it leads, it
 * proposes entries until N are applied; every 50 ms it writes
 * "<applied entries> <state hash> <role>" to its status file (atomically).
 *
 *   jr_consensus_node ID DIR STATUS N 1=127.0.0.1:P1,2=127.0.0.1:P2,3=...
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "consensus.h"
#include "hashfsm.h"

#define MAX_INFLIGHT 8

struct app {
	struct jr_cons *c;
	struct jr_hashfsm fsm;
	uv_timer_t timer;
	uv_signal_t sigterm;
	const char *status;
	uint64_t target;
	unsigned inflight;
	uint64_t seq;
	uint64_t id;
};

static int parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (end == s || (*end != '\0' && *end != '='))
		return -1;
	*out = v;
	return 0;
}

/* "1=host:port,2=host:port,3=host:port" */
static size_t parse_peers(char *list, struct jr_cons_server *out, size_t max)
{
	size_t n = 0;
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok != NULL && n < max;
	     tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		if (eq == NULL || parse_u64(tok, &out[n].id) != 0 ||
		    snprintf(out[n].address, sizeof out[n].address, "%s", eq + 1) >=
			    (int)sizeof out[n].address)
			return 0;
		n++;
	}
	return n;
}

static void proposed(void *arg, const struct jr_cons_done *d)
{
	struct app *a = arg;
	(void)d;
	a->inflight--;
}

static void write_status(struct app *a)
{
	struct jr_cons_info info;
	char tmp[512];
	char hex[2 * JR_HASH_BYTES + 1];
	FILE *f;

	jr_cons_info(a->c, &info);
	jr_hex(a->fsm.hash, JR_HASH_BYTES, hex);
	if (snprintf(tmp, sizeof tmp, "%s.tmp", a->status) >= (int)sizeof tmp)
		return;
	if ((f = fopen(tmp, "w")) == NULL)
		return;
	fprintf(f, "%llu %s %d\n", (unsigned long long)a->fsm.count, hex,
		(int)info.role);
	if (fclose(f) == 0)
		(void)rename(tmp, a->status);
}

static void tick(uv_timer_t *t)
{
	struct app *a = t->data;
	struct jr_cons_info info;

	jr_cons_info(a->c, &info);
	while (info.role == JR_CONS_LEADER && a->inflight < MAX_INFLIGHT &&
	       a->fsm.count + a->inflight < a->target) {
		char e[64];
		int len = snprintf(e, sizeof e, "entry %llu from %llu",
			(unsigned long long)a->seq, (unsigned long long)a->id);
		if (len <= 0 || (size_t)len >= sizeof e ||
		    jr_cons_propose(a->c, (const uint8_t *)e, (size_t)len, proposed,
			    a, NULL) != JR_OK)
			break;
		a->seq++;
		a->inflight++;
	}
	write_status(a);
}

static void on_term(uv_signal_t *s, int sig)
{
	struct app *a = s->data;
	(void)sig;
	uv_close((uv_handle_t *)&a->timer, NULL);
	uv_close((uv_handle_t *)&a->sigterm, NULL);
	jr_cons_stop(a->c);
}

int main(int argc, char **argv)
{
	static struct app a;
	struct jr_cons_server peers[JR_CONS_MAX_NODES];
	struct jr_cons_config cfg;
	struct jr_cons_fsm fsm;
	struct jr_errbuf eb = { 0 };
	const char *self = NULL;
	size_t n;
	int rc;

	if (argc != 6 || parse_u64(argv[1], &a.id) != 0 ||
	    parse_u64(argv[4], &a.target) != 0 ||
	    (n = parse_peers(argv[5], peers, JR_CONS_MAX_NODES)) == 0) {
		fprintf(stderr, "usage: %s ID DIR STATUS N 1=ADDR,2=ADDR,...\n",
			argv[0]);
		return 2;
	}
	if (jr_init() != JR_OK)
		return 1;
	/* A write to a peer that died raises SIGPIPE, which kills the process
	 * silently (found the hard way: the survivors of a kill -9 died too). */
	(void)signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < n; i++)
		if (peers[i].id == a.id)
			self = peers[i].address;
	if (self == NULL) {
		fprintf(stderr, "node %llu is not in the peer list\n",
			(unsigned long long)a.id);
		return 2;
	}
	a.status = argv[3];
	jr_hashfsm_init(&a.fsm);
	fsm = jr_hashfsm_fsm(&a.fsm);
	memset(&cfg, 0, sizeof cfg);
	cfg.id = a.id;
	cfg.address = self;
	cfg.dir = argv[2];
	cfg.snapshot_threshold = 64; /* exercise snapshots on restart */
	cfg.snapshot_trailing = 16;
	cfg.election_timeout_ms = 300;
	cfg.heartbeat_ms = 30;
	if (jr_cons_open(&cfg, &fsm, &a.c, &eb) != JR_OK) {
		fprintf(stderr, "jr_consensus_node: %s\n", eb.msg);
		return 1;
	}
	rc = jr_cons_bootstrap(a.c, peers, n, &eb);
	if (rc != JR_OK && rc != JR_EEXIST) {
		fprintf(stderr, "jr_consensus_node: %s\n", eb.msg);
		jr_cons_free(a.c);
		return 1;
	}
	jr_errclear(&eb);
	if (jr_cons_start(a.c, &eb) != JR_OK) {
		fprintf(stderr, "jr_consensus_node: %s\n", eb.msg);
		jr_cons_free(a.c);
		return 1;
	}
	uv_timer_init(jr_cons_loop(a.c), &a.timer);
	a.timer.data = &a;
	uv_timer_start(&a.timer, tick, 50, 50);
	uv_signal_init(jr_cons_loop(a.c), &a.sigterm);
	a.sigterm.data = &a;
	uv_signal_start(&a.sigterm, on_term, SIGTERM);
	rc = jr_cons_run(a.c, &eb);
	jr_cons_free(a.c);
	return rc == JR_OK ? 0 : 1;
}
