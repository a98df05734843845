/*
 * config.c — jaring-node's config file (docs/node.md "Config file"):
 * "key = value" lines, '#' starts a comment, "peer" and "bootstrap" may
 * repeat. Unknown keys are errors: a typo must not silently keep a default.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define LINE_MAX_BYTES 4096
#define CONFIG_MAX_BYTES (256u * 1024u)

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int copy(char *dst, size_t cap, const char *v)
{
	size_t n = strlen(v);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, v, n + 1);
	return 0;
}

static int num(const char *v, uint64_t max, uint64_t *out)
{
	return jr_http_parse_u64(v, strlen(v), max, out) == JR_OK ? 0 : -1;
}

static int unum(const char *v, unsigned max, unsigned *out)
{
	uint64_t x;

	if (num(v, max, &x) != 0)
		return -1;
	*out = (unsigned)x;
	return 0;
}

/* host:port with a port 1..65535 and a host of [A-Za-z0-9.-]. */
static bool addr_ok(const char *a)
{
	const char *colon = strrchr(a, ':');
	uint64_t port;

	if (colon == NULL || colon == a || strlen(a) >= JR_NODE_ADDR_MAX)
		return false;
	for (const char *p = a; p < colon; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			return false;
	return num(colon + 1, 65535, &port) == 0 && port > 0;
}

static int peer_line(char *v, struct jr_node_config *c)
{
	char *save = NULL;
	char *id = strtok_r(v, " \t", &save);
	char *raft = strtok_r(NULL, " \t", &save);
	char *http = strtok_r(NULL, " \t", &save);
	struct jr_node_peer *p;

	if (id == NULL || raft == NULL || http == NULL ||
	    strtok_r(NULL, " \t", &save) != NULL || c->n_peers >= JR_NODE_MAX_PEERS)
		return -1;
	p = &c->peers[c->n_peers];
	if (num(id, INT64_MAX, &p->id) != 0 || p->id == 0 || !addr_ok(raft) ||
	    !addr_ok(http) || copy(p->raft, sizeof p->raft, raft) != 0 ||
	    copy(p->http, sizeof p->http, http) != 0)
		return -1;
	for (size_t i = 0; i < c->n_peers; i++)
		if (c->peers[i].id == p->id)
			return -1;
	c->n_peers++;
	return 0;
}

static int bootstrap_line(char *v, struct jr_node_config *c)
{
	char *save = NULL;

	for (char *t = strtok_r(v, " \t,", &save); t != NULL;
	     t = strtok_r(NULL, " \t,", &save)) {
		if (c->n_bootstrap >= JR_NODE_MAX_PEERS ||
		    num(t, INT64_MAX, &c->bootstrap[c->n_bootstrap]) != 0)
			return -1;
		c->n_bootstrap++;
	}
	return c->n_bootstrap == 3 || c->n_bootstrap == 5 || c->n_bootstrap == 1 ? 0 : -1;
}

/* One "key = value" line; -1 with *what naming the expected form. */
static int setting(struct jr_node_config *c, const char *k, char *v,
	const char **what)
{
	uint64_t x;

#define STR(name, field) \
	if (strcmp(k, name) == 0) { \
		*what = "a value of at most " #field " characters"; \
		return copy(c->field, sizeof c->field, v); \
	}
#define UNS(name, field, max) \
	if (strcmp(k, name) == 0) { \
		*what = "a whole number up to " #max; \
		return unum(v, max, &c->field); \
	}
	if (strcmp(k, "node_id") == 0) {
		*what = "a whole number 1..2^63-1";
		return num(v, INT64_MAX, &x) == 0 && x > 0 ? (c->id = x, 0) : -1;
	}
	if (strcmp(k, "raft_address") == 0 || strcmp(k, "http_address") == 0) {
		*what = "host:port";
		if (!addr_ok(v))
			return -1;
		return copy(k[0] == 'r' ? c->raft_address : c->http_address,
			JR_NODE_ADDR_MAX, v);
	}
	if (strcmp(k, "raft_bind") == 0) {
		*what = "host:port";
		return addr_ok(v) ? copy(c->raft_bind, sizeof c->raft_bind, v) : -1;
	}
	if (strcmp(k, "peer") == 0) {
		*what = "ID RAFT_HOST:PORT HTTP_HOST:PORT (at most 7 peers, ids unique)";
		return peer_line(v, c);
	}
	if (strcmp(k, "bootstrap") == 0) {
		*what = "the ids of the 3 or 5 founding voters";
		return bootstrap_line(v, c);
	}
	STR("data_dir", data_dir)
	STR("consortium_key", consortium_key)
	if (strcmp(k, "consortium_key_added") == 0) {
		*what = "a key file, at most 7 such lines";
		if (c->n_consortium_added >= sizeof c->consortium_added /
		    sizeof c->consortium_added[0])
			return -1;
		return copy(c->consortium_added[c->n_consortium_added++],
			sizeof c->consortium_added[0], v);
	}
	STR("pseudonym_key", pseudonym_key)
	STR("log_key", log_key)
	STR("cosign_policy", cosign_policy)
	if (strcmp(k, "log_origin") == 0 || strcmp(k, "witness_name") == 0) {
		*what = "a signed-note key name (no spaces, no '+')";
		if (!jr_note_name_valid(v, strlen(v)))
			return -1;
		return copy(k[0] == 'l' ? c->log_origin : c->witness_name,
			sizeof c->log_origin, v);
	}
	UNS("snapshot_threshold", snapshot_threshold, 1000000000)
	UNS("snapshot_trailing", snapshot_trailing, 1000000000)
	UNS("snapshot_log_mib", snapshot_log_mib, 1048576)
	UNS("segment_mib", segment_mib, 1024)
	UNS("election_timeout_ms", election_timeout_ms, 600000)
	UNS("heartbeat_ms", heartbeat_ms, 60000)
	UNS("max_connections", max_connections, 10000)
	UNS("idle_timeout_s", idle_timeout_s, 3600)
	UNS("max_uploads", max_uploads, 1024)
	UNS("peer_interval_ms", peer_interval_ms, 600000)
#undef STR
#undef UNS
	*what = NULL;
	return -1;
}

static int check(struct jr_node_config *c, struct jr_errbuf *eb)
{
	const struct jr_node_peer *self;
	static const struct { const char *key; size_t off; } need[] = {
		{ "data_dir", offsetof(struct jr_node_config, data_dir) },
		{ "consortium_key", offsetof(struct jr_node_config, consortium_key) },
		{ "pseudonym_key", offsetof(struct jr_node_config, pseudonym_key) },
		{ "log_origin", offsetof(struct jr_node_config, log_origin) },
		{ "witness_name", offsetof(struct jr_node_config, witness_name) },
		{ "cosign_policy", offsetof(struct jr_node_config, cosign_policy) },
		{ "raft_address", offsetof(struct jr_node_config, raft_address) },
		{ "http_address", offsetof(struct jr_node_config, http_address) },
	};

	if (c->id == 0)
		return jr_errf(eb, JR_EINVAL, "config %s: no node_id; add "
			"'node_id = N'", c->path);
	for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
		if (((const char *)c + need[i].off)[0] == '\0')
			return jr_errf(eb, JR_EINVAL, "config %s: no %s; add '%s = ...' "
				"(docs/node.md \"Config file\")", c->path, need[i].key,
				need[i].key);
	self = jr_node_config_peer(c, c->id);
	if (self == NULL)
		return jr_errf(eb, JR_EINVAL, "config %s: no 'peer = %llu ...' line "
			"for this node; list every node, this one included", c->path,
			(unsigned long long)c->id);
	if (strcmp(self->raft, c->raft_address) != 0 ||
	    strcmp(self->http, c->http_address) != 0)
		return jr_errf(eb, JR_EINVAL, "config %s: the peer line of node %llu "
			"says %s %s but raft_address/http_address say %s %s; make them "
			"agree", c->path, (unsigned long long)c->id, self->raft,
			self->http, c->raft_address, c->http_address);
	for (size_t i = 0; i < c->n_bootstrap; i++)
		if (jr_node_config_peer(c, c->bootstrap[i]) == NULL)
			return jr_errf(eb, JR_EINVAL, "config %s: bootstrap names node "
				"%llu, which has no peer line", c->path,
				(unsigned long long)c->bootstrap[i]);
	return JR_OK;
}

static void defaults(struct jr_node_config *c)
{
	/* An entry of a few thousand registrations keeps the loop busy for
	 * a tenth of a second or more on every node (apply runs on it): with
	 * libraft's 1 s the followers call elections under a heavy ingest. */
	c->election_timeout_ms = 3000;
	/* libraft's log in memory stays near 96 MiB (docs/node.md "Snapshots") */
	c->snapshot_log_mib = 64;
	/* Closing a segment blocks the loop for tens of milliseconds (libraft
	 * 0.15 destroys the segment's AIO context there, io_destroy waiting
	 * out the kernel's RCU grace period): 8 MiB segments closed every 14
	 * bundles of 512 blocks, 64 MiB ones an eighth as often
	 * (docs/node.md "Config file"). */
	c->segment_mib = 64;
	c->max_connections = 64;
	c->idle_timeout_s = 30;
	c->max_uploads = 16;
	c->peer_interval_ms = 200;
}

int jr_node_config_load(const char *path, struct jr_node_config *out,
	struct jr_errbuf *eb)
{
	struct jr_buf text = { NULL, 0 };
	char line[LINE_MAX_BYTES];
	size_t pos = 0;
	unsigned lineno = 0;
	int rc;

	memset(out, 0, sizeof *out);
	defaults(out);
	if (copy(out->path, sizeof out->path, path) != 0)
		return jr_errf(eb, JR_EINVAL, "config path too long");
	if ((rc = jr_file_read(path, CONFIG_MAX_BYTES, &text, eb)) != JR_OK)
		return jr_errf(eb, rc, "config %s", path);
	while (pos < text.len) {
		size_t end = pos;
		char *s, *eq, *hash;
		const char *what = NULL;

		while (end < text.len && text.base[end] != '\n')
			end++;
		lineno++;
		if (end - pos >= sizeof line) {
			jr_buf_free(&text);
			return jr_errf(eb, JR_EFORMAT, "config %s line %u is longer than "
				"%zu bytes", path, lineno, sizeof line - 1);
		}
		memcpy(line, text.base + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		s = trim(line);
		if (*s == '\0')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			jr_buf_free(&text);
			return jr_errf(eb, JR_EFORMAT, "config %s line %u: expected "
				"'key = value'", path, lineno);
		}
		*eq = '\0';
		if (setting(out, trim(s), trim(eq + 1), &what) != 0) {
			jr_buf_free(&text);
			if (what == NULL)
				return jr_errf(eb, JR_EFORMAT, "config %s line %u: unknown key "
					"'%s' (docs/node.md lists them)", path, lineno, trim(s));
			return jr_errf(eb, JR_EFORMAT, "config %s line %u: %s needs %s",
				path, lineno, trim(s), what);
		}
	}
	jr_buf_free(&text);
	return check(out, eb);
}

const struct jr_node_peer *jr_node_config_peer(const struct jr_node_config *cfg,
	uint64_t id)
{
	for (size_t i = 0; i < cfg->n_peers; i++)
		if (cfg->peers[i].id == id)
			return &cfg->peers[i];
	return NULL;
}

int jr_node_path(const struct jr_node_config *cfg, const char *name, char *out,
	size_t outlen)
{
	int n = snprintf(out, outlen, "%s/%s", cfg->data_dir, name);

	return n < 0 || (size_t)n >= outlen ? JR_ETOOBIG : JR_OK;
}
