/*
 * peers.c — what a node asks its peers, on a thread of its own (libcurl,
 * blocking, short timeouts), every peer_interval_ms:
 *
 *   GET /v1/hash/latest        the peer's newest state hash
 *   GET /v1/hash/<our index>   the peer's hash where we are now
 *   GET /v1/checkpoint/self    the peer's signed checkpoint (its cosignature)
 *
 * Answers go to the loop through a queue and a uv_async; the loop feeds
 * hashes to jr_cons_peer_hash (the divergence check) and checkpoints to the
 * witness (the cosigned checkpoint). This thread touches nothing else of
 * the server but the config and the atomic state_index.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "server.h"

#define ANSWER_MAX 65536

enum ask { ASK_HASH, ASK_CHECKPOINT };

struct answer {
	struct answer *next;
	uint64_t peer;
	enum ask what;
	size_t len;
	uint8_t body[];
};

struct jr_peers {
	struct jr_server *s;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop;
	struct answer *head, *tail;
	uv_async_t async;
	/* per peer: whose divergence we already logged */
	uint64_t logged_index[JR_NODE_MAX_PEERS];
};

struct sink {
	uint8_t buf[ANSWER_MAX];
	size_t len;
	bool over;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *k = arg;
	size_t len = size * n;

	if (len > sizeof k->buf - k->len) {
		k->over = true;
		return 0;
	}
	memcpy(k->buf + k->len, p, len);
	k->len += len;
	return len;
}

static void post(struct jr_peers *ps, uint64_t peer, enum ask what,
	const struct sink *k)
{
	struct answer *a = malloc(sizeof *a + k->len);

	if (a == NULL)
		return;
	a->next = NULL;
	a->peer = peer;
	a->what = what;
	a->len = k->len;
	memcpy(a->body, k->buf, k->len);
	(void)pthread_mutex_lock(&ps->mu);
	if (ps->tail != NULL)
		ps->tail->next = a;
	else
		ps->head = a;
	ps->tail = a;
	(void)pthread_mutex_unlock(&ps->mu);
	(void)uv_async_send(&ps->async);
}

static void ask(struct jr_peers *ps, CURL *c, const struct jr_node_peer *p,
	const char *path, enum ask what, struct sink *k)
{
	char url[JR_NODE_ADDR_MAX + 64];
	long code = 0;

	if (snprintf(url, sizeof url, "http://%s%s", p->http, path) >= (int)sizeof url)
		return;
	k->len = 0;
	k->over = false;
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	if (curl_easy_perform(c) != CURLE_OK || k->over ||
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code != 200)
		return;
	post(ps, p->id, what, k);
}

static void *run(void *arg)
{
	struct jr_peers *ps = arg;
	const struct jr_node_config *cfg = &ps->s->cfg;
	struct sink *k = malloc(sizeof *k);
	CURL *c = curl_easy_init();

	if (k == NULL || c == NULL)
		goto out;
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, k);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	for (;;) {
		struct timespec until;
		char path[64];
		uint64_t mine = atomic_load(&ps->s->state_index);
		bool stop;

		for (size_t i = 0; i < cfg->n_peers; i++) {
			const struct jr_node_peer *p = &cfg->peers[i];

			if (p->id == cfg->id)
				continue;
			ask(ps, c, p, "/v1/hash/latest", ASK_HASH, k);
			if (mine > 0 && snprintf(path, sizeof path, "/v1/hash/%llu",
					    (unsigned long long)mine) < (int)sizeof path)
				ask(ps, c, p, path, ASK_HASH, k);
			ask(ps, c, p, "/v1/checkpoint/self", ASK_CHECKPOINT, k);
		}
		(void)clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += (long)(cfg->peer_interval_ms % 1000) * 1000000L;
		until.tv_sec += (time_t)(cfg->peer_interval_ms / 1000) + until.tv_nsec / 1000000000L;
		until.tv_nsec %= 1000000000L;
		(void)pthread_mutex_lock(&ps->mu);
		if (!ps->stop)
			(void)pthread_cond_timedwait(&ps->cv, &ps->mu, &until);
		stop = ps->stop;
		(void)pthread_mutex_unlock(&ps->mu);
		if (stop)
			break;
	}
out:
	curl_easy_cleanup(c);
	free(k);
	return NULL;
}

static size_t peer_slot(const struct jr_node_config *cfg, uint64_t id)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == id)
			return i;
	return 0;
}

static void on_hash(struct jr_peers *ps, const struct answer *a)
{
	struct jr_server *s = ps->s;
	struct jr_errbuf eb = { 0 };
	uint8_t h[JR_HASH_BYTES];
	uint64_t index;
	size_t slot = peer_slot(&s->cfg, a->peer);
	int rc;

	if (jr_http_parse_hash_answer((const char *)a->body, a->len, &index, h) != JR_OK)
		return;
	rc = jr_cons_peer_hash(s->cons, a->peer, index, h, &eb);
	if (rc == JR_ECORRUPT && ps->logged_index[slot] != index) {
		ps->logged_index[slot] = index;
		jr_server_log(s, "WARNING: %s", eb.msg);
	} else if (rc == JR_CONS_EDIVERGED && !s->diverged_logged) {
		s->diverged_logged = true;
		jr_server_log(s, "DIVERGED: %s", eb.msg);
		jr_server_log(s, "DIVERGED: this node stopped applying; it serves reads and "
			"/v1/health says diverged until it is restored");
	}
}

/* A checkpoint this node has not signed (yet), or a bad cosignature: the
 * note is not used, and the next round asks again. */
static void offer(struct jr_peers *ps, const struct answer *a)
{
	int rc = jr_node_witness_offer(ps->s->witness, a->body, a->len, NULL);

	(void)rc;
}

static void on_async(uv_async_t *as)
{
	struct jr_peers *ps = as->data;
	struct answer *a;

	(void)pthread_mutex_lock(&ps->mu);
	a = ps->head;
	ps->head = ps->tail = NULL;
	(void)pthread_mutex_unlock(&ps->mu);
	while (a != NULL) {
		struct answer *next = a->next;

		if (!ps->s->stopping) {
			if (a->what == ASK_HASH)
				on_hash(ps, a);
			else
				offer(ps, a);
		}
		free(a);
		a = next;
	}
}

int jr_peers_start(struct jr_server *s, struct jr_peers **out, struct jr_errbuf *eb)
{
	struct jr_peers *ps = calloc(1, sizeof *ps);

	*out = NULL;
	if (ps == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for the peers");
	ps->s = s;
	if (pthread_mutex_init(&ps->mu, NULL) != 0 || pthread_cond_init(&ps->cv, NULL) != 0 ||
	    uv_async_init(s->loop, &ps->async, on_async) != 0) {
		free(ps);
		return jr_errf(eb, JR_EIO, "peers: cannot set up the thread's queue");
	}
	ps->async.data = ps;
	if (pthread_create(&ps->thread, NULL, run, ps) != 0) {
		uv_close((uv_handle_t *)&ps->async, NULL);
		free(ps);
		return jr_errf(eb, JR_EIO, "peers: cannot start the thread");
	}
	*out = ps;
	return JR_OK;
}

static void async_closed(uv_handle_t *h)
{
	struct jr_peers *ps = h->data;
	struct answer *a = ps->head;

	while (a != NULL) {
		struct answer *next = a->next;

		free(a);
		a = next;
	}
	(void)pthread_mutex_destroy(&ps->mu);
	(void)pthread_cond_destroy(&ps->cv);
	free(ps);
}

void jr_peers_stop(struct jr_peers *ps)
{
	if (ps == NULL)
		return;
	(void)pthread_mutex_lock(&ps->mu);
	ps->stop = true;
	(void)pthread_cond_signal(&ps->cv);
	(void)pthread_mutex_unlock(&ps->mu);
	(void)pthread_join(ps->thread, NULL);
	uv_close((uv_handle_t *)&ps->async, async_closed);
}
