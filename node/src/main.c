/*
 * jaring-node: one agency's central node. Parses arguments and prints; the
 * work is server.c's (start) or a short HTTP exchange with a running node
 * (stop uses the pid file; join, remove and inspect use the HTTP API).
 * docs/node.md and docs/man/jaring-node.1 describe it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "jaring/cli.h"
#include "server.h"

#define EXIT_USAGE 2
#define EXIT_NOT_RUNNING 3

static const char usage_top[] =
	"jaring-node: one agency's central consensus node of Jaring: it orders\n"
	"kiosk bundles and signed acts on a Raft log shared with the other agencies'\n"
	"nodes, applies every entry with the centre's state machine, compares state\n"
	"hashes with its peers, cosigns the transparency log's checkpoints, and serves\n"
	"the HTTP API of docs/http.md. docs/node.md describes it.\n"
	"\n"
	"usage: jaring-node init --config FILE [--json]\n"
	"       jaring-node start --config FILE\n"
	"       jaring-node stop --config FILE [--timeout SECONDS]\n"
	"       jaring-node join --config FILE\n"
	"       jaring-node remove --config FILE --id N\n"
	"       jaring-node inspect --config FILE [--json]\n"
	"       jaring-node keygen --kind consortium|log|pseudonym --out FILE\n"
	"       jaring-node export --config FILE --out DIR [--json]\n"
	"       jaring-node COMMAND --help\n"
	"\n"
	"commands:\n"
	"  init     make the data directory and this node's witness key\n"
	"  start    run the node in the foreground until SIGTERM or SIGINT\n"
	"  stop     stop the node running from this config\n"
	"  join     ask the cluster to add this (started) node as a voter\n"
	"  remove   ask the cluster to remove node N\n"
	"  inspect  role, term, applied index, state hash, tree size, checkpoint\n"
	"  keygen   make one of the cluster's shared keys (at the key ceremony)\n"
	"  export   write the public export of the log (docs/export.md) into DIR\n"
	"\n"
	"exit status:\n"
	"  0  done\n"
	"  1  failed: the message says what, on which file or node, and what to do\n"
	"  2  usage error\n"
	"  3  the node is not running (stop, inspect)\n";

static const char usage_init[] =
	"jaring-node init: make the data directory named by the config, this node's\n"
	"own log-witness key (witness.key, apart from its Raft identity) and its\n"
	"verifier key in signed-note format (witness.vkey), and the log's verifier key\n"
	"(log.vkey). Refuses to replace a witness key that exists.\n"
	"\n"
	"usage: jaring-node init --config FILE [--json]\n"
	"  --config FILE  the node's config file (docs/node.md \"Config file\")\n"
	"  --json         print the two vkeys as one JSON object\n"
	"\n"
	"exit status:\n"
	"  0  initialised\n"
	"  1  failed (a key exists, a directory cannot be made, ...)\n"
	"  2  usage error\n";

static const char usage_start[] =
	"jaring-node start: run the node in the foreground. A founding node (the\n"
	"config has a bootstrap line) writes the first configuration once; after that,\n"
	"and for a node that joins, the Raft log decides. Logs to stderr. SIGTERM or\n"
	"SIGINT stops it cleanly; a pid file is kept in the data directory.\n"
	"\n"
	"usage: jaring-node start --config FILE\n"
	"  --config FILE  the node's config file\n"
	"\n"
	"exit status:\n"
	"  0  stopped by a signal, cleanly\n"
	"  1  failed to start or stopped on an error (the log says which)\n"
	"  2  usage error\n";

static const char usage_stop[] =
	"jaring-node stop: send SIGTERM to the node named by the config's pid file and\n"
	"wait until it has stopped.\n"
	"\n"
	"usage: jaring-node stop --config FILE [--timeout SECONDS]\n"
	"  --config FILE       the node's config file\n"
	"  --timeout SECONDS   how long to wait (default 30)\n"
	"\n"
	"exit status:\n"
	"  0  stopped\n"
	"  1  it did not stop in time\n"
	"  2  usage error\n"
	"  3  it was not running\n";

static const char usage_join[] =
	"jaring-node join: ask the cluster to add this node (the config's node_id and\n"
	"raft_address) as a voter. Start the node first, without a bootstrap line; it\n"
	"catches up from the leader (from a snapshot when far behind). The request is\n"
	"signed with the consortium key and sent to the config's peers. If catching up\n"
	"takes longer than a minute a round, it says so: run it again to promote the\n"
	"node, which is added already.\n"
	"\n"
	"usage: jaring-node join --config FILE\n"
	"  --config FILE  the joining node's config file\n"
	"\n"
	"exit status:\n"
	"  0  the node is a voter\n"
	"  1  no peer took the request (the message says why)\n"
	"  2  usage error\n";

static const char usage_remove[] =
	"jaring-node remove: ask the cluster to remove node N from its voters. The\n"
	"request is signed with the consortium key and sent to the config's peers.\n"
	"\n"
	"usage: jaring-node remove --config FILE --id N\n"
	"  --config FILE  a config file of the cluster (any node's)\n"
	"  --id N         the node to remove\n"
	"\n"
	"exit status:\n"
	"  0  removed\n"
	"  1  no peer took the request\n"
	"  2  usage error\n";

static const char usage_inspect[] =
	"jaring-node inspect: ask the running node for its role, term, applied index,\n"
	"state hash, tree size and latest cosigned checkpoint.\n"
	"\n"
	"usage: jaring-node inspect --config FILE [--json]\n"
	"  --config FILE  the node's config file\n"
	"  --json         print /v1/health's JSON object and the checkpoint\n"
	"\n"
	"exit status:\n"
	"  0  the node answered\n"
	"  1  it answered that it diverged\n"
	"  2  usage error\n"
	"  3  it is not running (no answer on its http_address)\n";

static const char usage_keygen[] =
	"jaring-node keygen: make one of the keys every node of a cluster shares, at\n"
	"the key ceremony (docs/node.md \"Keys\"): the consortium key (FILE and\n"
	"FILE.pub), the log key that signs checkpoints, or the pseudonym key (32\n"
	"random bytes as hex). Refuses to replace a file.\n"
	"\n"
	"usage: jaring-node keygen --kind consortium|log|pseudonym --out FILE\n"
	"  --kind KIND  consortium, log or pseudonym\n"
	"  --out FILE   where to write it (mode 0600)\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  failed (the file exists, ...)\n"
	"  2  usage error\n";

struct args {
	const char *config, *timeout, *id, *kind, *out;
	bool json;
};

static const char usage_export[] =
	"jaring-node export: write the public export of this node's log into DIR\n"
	"(docs/export.md): the tiles and entries up to the checkpoint a quorum cosigned,\n"
	"every checkpoint published into DIR before, the rosters, the signed acts (not\n"
	"comments) and the genesis file. Nothing about a person but what the leaves hold.\n"
	"The node may be running (the state file is read, never written); DIR may hold an\n"
	"older export, which is extended, never one of a larger tree.\n"
	"\n"
	"usage: jaring-node export --config FILE --out DIR [--json]\n"
	"\n"
	"exit status:\n"
	"  0  written\n"
	"  1  failed (no cosigned checkpoint yet, a state the checkpoint does not match, ...)\n"
	"  2  usage error\n";

static int usage_err(const char *cmd, const char *fmt, ...) JR_PRINTF(2, 3);
static int usage_err(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jaring-node%s%s: ", cmd[0] ? " " : "", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see jaring-node %s%s--help\n", cmd, cmd[0] ? " " : "");
	return EXIT_USAGE;
}

static int fail(const char *cmd, const struct jr_errbuf *eb, int rc)
{
	fprintf(stderr, "jaring-node %s: %s\n", cmd, eb->msg[0] ? eb->msg : jr_strerror(rc));
	return 1;
}

/* -1 to go on, else an exit status. */
static int parse(const char *cmd, const char *help, const char *allowed, int argc,
	char **argv, struct args *a)
{
	for (int i = 0; i < argc; i++) {
		const char *o = argv[i];
		const char *v = NULL;
		char pat[64];
		int m;

		if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) {
			fputs(help, stdout);
			return 0;
		}
		if (strcmp(o, "--json") == 0 && strstr(allowed, " --json ") != NULL) {
			a->json = true;
			continue;
		}
		(void)snprintf(pat, sizeof pat, " %.*s ", (int)strcspn(o, "="), o);
		if (o[0] != '-' || strstr(allowed, pat) == NULL)
			return o[0] == '-' ? usage_err(cmd, "unknown option '%s'", o) :
				usage_err(cmd, "unexpected argument '%s'", o);
		if ((m = jr_cli_value(argc, argv, &i, "--config", &v)) != 0) {
			if (m < 0)
				return usage_err(cmd, "option '--config' needs a file");
			a->config = v;
		} else if ((m = jr_cli_value(argc, argv, &i, "--timeout", &v)) != 0) {
			if (m < 0)
				return usage_err(cmd, "option '--timeout' needs seconds");
			a->timeout = v;
		} else if ((m = jr_cli_value(argc, argv, &i, "--id", &v)) != 0) {
			if (m < 0)
				return usage_err(cmd, "option '--id' needs a node id");
			a->id = v;
		} else if ((m = jr_cli_value(argc, argv, &i, "--kind", &v)) != 0) {
			if (m < 0)
				return usage_err(cmd, "option '--kind' needs a kind");
			a->kind = v;
		} else if ((m = jr_cli_value(argc, argv, &i, "--out", &v)) != 0) {
			if (m < 0)
				return usage_err(cmd, "option '--out' needs a file");
			a->out = v;
		}
	}
	return -1;
}

static int need_config(const char *cmd, const struct args *a, struct jr_node_config *cfg)
{
	struct jr_errbuf eb = { 0 };
	int rc;

	if (a->config == NULL)
		return usage_err(cmd, "missing option --config FILE");
	if ((rc = jr_node_config_load(a->config, cfg, &eb)) != JR_OK)
		return fail(cmd, &eb, rc);
	return -1;
}

/* ---- HTTP to a node (join, remove, inspect) --------------------------- */

struct body {
	char buf[65536];
	size_t len;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t len = size * n;

	if (len > sizeof b->buf - 1 - b->len)
		return 0;
	memcpy(b->buf + b->len, p, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return len;
}

/* GET or POST (post != NULL); follows one redirect to the leader. Returns
 * the HTTP status, 0 if the node did not answer. */
static long http_call(const char *hostport, const char *path, const char *post,
	struct body *b, long timeout_ms)
{
	char url[JR_NODE_ADDR_MAX + 128];
	CURL *c = curl_easy_init();
	long code = 0;

	b->len = 0;
	b->buf[0] = '\0';
	if (c == NULL || snprintf(url, sizeof url, "http://%s%s", hostport, path) >=
			 (int)sizeof url) {
		curl_easy_cleanup(c);
		return 0;
	}
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	(void)curl_easy_setopt(c, CURLOPT_MAXREDIRS, 1L);
	(void)curl_easy_setopt(c, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
	(void)curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http");
	if (post != NULL) {
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
		(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(post));
	}
	if (curl_easy_perform(c) == CURLE_OK)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(c);
	return code;
}

/* ---- commands -------------------------------------------------------- */

static int write_vkey(const char *path, const char *vkey, struct jr_errbuf *eb)
{
	char line[JR_NOTE_VKEY_MAX + 2];
	int n = snprintf(line, sizeof line, "%s\n", vkey);

	return jr_file_write_atomic(path, (const uint8_t *)line, (size_t)n, 0644, eb);
}

static int vkey_of(const struct jr_key *k, const char *name, uint8_t alg, char *out,
	size_t cap)
{
	struct jr_pubkey pk;
	struct jr_note_verifier v;

	jr_key_public(k, &pk);
	if (jr_note_verifier_make(name, alg, pk.sign_pk, &v) != JR_OK)
		return JR_EINVAL;
	return jr_note_vkey_format(&v, out, cap);
}

static int cmd_init(const struct jr_node_config *cfg, bool json)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *w = NULL, *lk = NULL;
	char path[JR_NODE_PATH_MAX], wv[JR_NOTE_VKEY_MAX], lv[JR_NOTE_VKEY_MAX] = "";
	const char *logpath = cfg->log_key[0] ? cfg->log_key : cfg->consortium_key;
	int rc;

	if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "jaring-node init: cannot make %s: %s\n", cfg->data_dir,
			strerror(errno));
		return 1;
	}
	if ((rc = jr_node_path(cfg, "witness.key", path, sizeof path)) != JR_OK ||
	    (rc = jr_key_generate(JR_ROLE_NODE, &w)) != JR_OK ||
	    (rc = jr_key_save(w, path, &eb)) != JR_OK) {
		jr_key_free(w);
		if (rc == JR_EEXIST)
			(void)jr_errf(&eb, rc, "%s exists: this node is initialised already "
				"(remove the data directory to start over)", path);
		return fail("init", &eb, rc);
	}
	rc = vkey_of(w, cfg->witness_name, JR_NOTE_ALG_COSIG_V1, wv, sizeof wv);
	jr_key_free(w);
	if (rc == JR_OK && (rc = jr_node_path(cfg, "witness.vkey", path, sizeof path)) == JR_OK)
		rc = write_vkey(path, wv, &eb);
	if (rc != JR_OK)
		return fail("init", &eb, rc);
	/* The log's vkey, when this machine holds the log key already. */
	if (jr_key_load(logpath, &lk, NULL) == JR_OK) {
		if (vkey_of(lk, cfg->log_origin, JR_NOTE_ALG_ED25519, lv, sizeof lv) == JR_OK &&
		    jr_node_path(cfg, "log.vkey", path, sizeof path) == JR_OK)
			(void)write_vkey(path, lv, &eb);
		jr_key_free(lk);
	}
	if (json)
		printf("{\"node\":%llu,\"witness_vkey\":\"%s\",\"log_vkey\":\"%s\"}\n",
			(unsigned long long)cfg->id, wv, lv);
	else
		printf("node %llu initialised in %s\nwitness %s\nlog %s\n",
			(unsigned long long)cfg->id, cfg->data_dir, wv, lv[0] ? lv : "(no log key here)");
	return 0;
}

/* The first line of f as a positive decimal number, 0 if it is not one. */
static long read_long(FILE *f)
{
	char line[32];
	uint64_t v = 0;

	if (fgets(line, sizeof line, f) == NULL)
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return jr_http_parse_u64(line, strlen(line), INT32_MAX, &v) == JR_OK ? (long)v : 0;
}

static long read_pid(const struct jr_node_config *cfg)
{
	char path[JR_NODE_PATH_MAX];
	long pid = 0;
	FILE *f;

	if (jr_node_path(cfg, "jaring-node.pid", path, sizeof path) != JR_OK ||
	    (f = fopen(path, "r")) == NULL)
		return 0;
	pid = read_long(f);
	(void)fclose(f);
	return pid > 0 && kill((pid_t)pid, 0) == 0 ? pid : 0;
}

static int cmd_stop(const struct jr_node_config *cfg, const char *timeout)
{
	uint64_t secs = 30;
	long pid = read_pid(cfg);
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	if (timeout != NULL && jr_http_parse_u64(timeout, strlen(timeout), 86400, &secs) != JR_OK)
		return usage_err("stop", "--timeout needs a whole number of seconds");
	if (pid == 0) {
		fprintf(stderr, "jaring-node stop: node %llu is not running (no live pid in "
			"%s/jaring-node.pid)\n", (unsigned long long)cfg->id, cfg->data_dir);
		return EXIT_NOT_RUNNING;
	}
	(void)kill((pid_t)pid, SIGTERM);
	for (uint64_t i = 0; i < secs * 20; i++) {
		if (kill((pid_t)pid, 0) != 0)
			return 0;
		(void)nanosleep(&ts, NULL);
	}
	fprintf(stderr, "jaring-node stop: node %llu (pid %ld) did not stop within %llu s; "
		"look at its log, or kill -9 it (it recovers from its raft log)\n",
		(unsigned long long)cfg->id, pid, (unsigned long long)secs);
	return 1;
}

static int cmd_member(const struct jr_node_config *cfg, bool join, uint64_t id)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *k = NULL;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	char line[256], req[512], hex[2 * JR_SIG_BYTES + 1];
	const char *cmd = join ? "join" : "remove";
	struct body *b = malloc(sizeof *b);
	int n, rc;

	if (b == NULL)
		return 1;
	if ((rc = jr_key_load(cfg->consortium_key, &k, &eb)) != JR_OK) {
		free(b);
		return fail(cmd, &eb, rc);
	}
	n = join ? snprintf(line, sizeof line, "join %llu %s %lld\n",
			   (unsigned long long)cfg->id, cfg->raft_address, (long long)time(NULL))
		 : snprintf(line, sizeof line, "remove %llu - %lld\n",
			   (unsigned long long)id, (long long)time(NULL));
	jr_hash((const uint8_t *)line, (size_t)n, h);
	rc = jr_sign_hash(k, JR_NODE_MEMBER_DOMAIN, h, sig);
	jr_key_free(k);
	if (rc != JR_OK) {
		free(b);
		fprintf(stderr, "jaring-node %s: cannot sign with %s\n", cmd, cfg->consortium_key);
		return 1;
	}
	jr_hex(sig, JR_SIG_BYTES, hex);
	(void)snprintf(req, sizeof req, "%ssig %s\n", line, hex);
	for (size_t i = 0; i < cfg->n_peers; i++) {
		long code;

		if (cfg->peers[i].id == cfg->id && join)
			continue;
		/* a join returns once the node caught up, which may mean
		 * installing a gigabyte's snapshot: up to two catch-up rounds */
		code = http_call(cfg->peers[i].http, "/v1/members", req, b,
			join ? 2 * (long)JR_CONS_CATCH_UP_ROUND_MS + 10000 : 60000);
		if (code == 200) {
			printf("node %llu %s\n", (unsigned long long)(join ? cfg->id : id),
				join ? "joined as a voter" : "removed");
			free(b);
			return 0;
		}
		fprintf(stderr, "jaring-node %s: node %llu at %s: %s\n", cmd,
			(unsigned long long)cfg->peers[i].id, cfg->peers[i].http,
			code == 0 ? "no answer" : b->buf);
	}
	free(b);
	fprintf(stderr, "jaring-node %s: no node took the request; is a majority running?\n",
		cmd);
	return 1;
}

static int cmd_inspect(const struct jr_node_config *cfg, bool json)
{
	struct body *b = malloc(sizeof *b), *cp = malloc(sizeof *cp);
	long code, cpc;
	int rc = 0;

	if (b == NULL || cp == NULL) {
		free(b);
		free(cp);
		return 1;
	}
	code = http_call(cfg->http_address, "/v1/health", NULL, b, 5000);
	if (code == 0) {
		fprintf(stderr, "jaring-node inspect: node %llu does not answer on %s; is it "
			"running?\n", (unsigned long long)cfg->id, cfg->http_address);
		free(b);
		free(cp);
		return EXIT_NOT_RUNNING;
	}
	cpc = http_call(cfg->http_address, "/checkpoint", NULL, cp, 5000);
	if (json) {
		/* /v1/health's object, with the checkpoint added as a string. */
		char esc[8192];
		size_t o = 0;

		for (size_t i = 0; i < cp->len && cpc == 200 && o + 8 < sizeof esc; i++) {
			unsigned char c = (unsigned char)cp->buf[i];

			if (c == '\n') {
				esc[o++] = '\\';
				esc[o++] = 'n';
			} else if (c == '"' || c == '\\') {
				esc[o++] = '\\';
				esc[o++] = (char)c;
			} else {
				esc[o++] = (char)c;
			}
		}
		esc[o] = '\0';
		if (b->len > 0 && b->buf[b->len - 1] == '}')
			b->buf[--b->len] = '\0';
		printf("%s,\"checkpoint\":%s%s%s}\n", b->buf, cpc == 200 ? "\"" : "",
			cpc == 200 ? esc : "null", cpc == 200 ? "\"" : "");
	} else {
		printf("%s\n", b->buf);
		if (cpc == 200)
			fputs(cp->buf, stdout);
		else
			printf("no cosigned checkpoint yet\n");
	}
	if (code != 200)
		rc = 1;
	free(b);
	free(cp);
	return rc;
}

static int cmd_keygen(const char *kind, const char *out)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *k = NULL;
	int rc;

	if (kind == NULL || out == NULL)
		return usage_err("keygen", "missing option %s", kind == NULL ? "--kind" : "--out");
	if (strcmp(kind, "pseudonym") == 0) {
		uint8_t key[JR_CENTRE_PSEUDONYM_KEY_BYTES];
		char hex[2 * sizeof key + 2];
		struct stat st;

		if (stat(out, &st) == 0) {
			fprintf(stderr, "jaring-node keygen: %s exists; not replaced\n", out);
			return 1;
		}
		randombytes_buf(key, sizeof key);
		jr_hex(key, sizeof key, hex);
		sodium_memzero(key, sizeof key);
		hex[2 * sizeof key] = '\n';
		rc = jr_file_write_atomic(out, (const uint8_t *)hex, 2 * sizeof key + 1, 0600, &eb);
		sodium_memzero(hex, sizeof hex);
		return rc == JR_OK ? 0 : fail("keygen", &eb, rc);
	}
	if (strcmp(kind, "consortium") != 0 && strcmp(kind, "log") != 0)
		return usage_err("keygen", "--kind is consortium, log or pseudonym, not '%s'", kind);
	rc = jr_key_generate(kind[0] == 'c' ? JR_ROLE_CONSORTIUM : JR_ROLE_NODE, &k);
	if (rc == JR_OK)
		rc = jr_key_save(k, out, &eb);
	if (rc == JR_OK && kind[0] == 'c') {
		struct jr_pubkey pk;
		char pub[JR_NODE_PATH_MAX + 8];

		jr_key_public(k, &pk);
		(void)snprintf(pub, sizeof pub, "%s.pub", out);
		rc = jr_pubkey_save(&pk, pub, &eb);
	}
	jr_key_free(k);
	return rc == JR_OK ? 0 : fail("keygen", &eb, rc);
}

static int cmd_export(const struct jr_node_config *cfg, const char *out, bool json)
{
	struct jr_errbuf eb = { 0 };
	struct jr_tlog_policy_file *pol = malloc(sizeof *pol);
	struct jr_buf note = { 0 };
	struct jr_checkpoint cp;
	struct jr_centre *c = NULL;
	struct jr_key *k = NULL;
	struct jr_policy genesis;
	uint8_t *pkey = sodium_malloc(JR_CENTRE_PSEUDONYM_KEY_BYTES);
	char state[JR_NODE_PATH_MAX], cpath[JR_NODE_PATH_MAX];
	size_t cosigned = 0;
	int rc = pol != NULL && pkey != NULL ? JR_OK : JR_ENOMEM;

	if (out == NULL) {
		free(pol);
		sodium_free(pkey);
		return usage_err("export", "missing option --out DIR");
	}
	jr_policy_default(&genesis);
	if (rc == JR_OK && (jr_node_path(cfg, "state.db", state, sizeof state) != JR_OK ||
		jr_node_path(cfg, "checkpoint", cpath, sizeof cpath) != JR_OK))
		rc = jr_errf(&eb, JR_EINVAL, "data_dir %s: path too long", cfg->data_dir);
	if (rc == JR_OK && (rc = jr_tlog_policy_load(cfg->cosign_policy, pol, &eb)) == JR_OK &&
		(rc = jr_file_read(cpath, JR_NOTE_MAX_BYTES, &note, &eb)) != JR_OK)
		rc = jr_errf(&eb, rc, "no cosigned checkpoint in %s yet: start the cluster and"
			" wait for a quorum to cosign", cpath);
	if (rc == JR_OK)
		rc = jr_checkpoint_open(note.base, note.len, &pol->p, &cp, &cosigned, &eb);
	if (rc == JR_OK)
		rc = jr_key_load(cfg->consortium_key, &k, &eb);
	if (rc == JR_OK)
		rc = jr_node_load_pseudonym(cfg->pseudonym_key, pkey, &eb);
	if (rc == JR_OK)
		rc = jr_centre_open(state, k, pkey, &genesis, &c, &eb);
	if (rc == JR_OK)
		rc = jr_centre_export(c, cp.size, note.base, note.len, &pol->p, out, NULL, NULL, &eb);
	if (rc == JR_OK && json)
		printf("{\"export\":\"%s\",\"size\":%llu,\"cosigned\":%zu}\n", out,
			(unsigned long long)cp.size, cosigned);
	else if (rc == JR_OK)
		printf("exported %llu leaves of %s into %s (checkpoint cosigned by %zu)\n",
			(unsigned long long)cp.size, cp.origin, out, cosigned);
	jr_centre_close(c);
	jr_key_free(k);
	sodium_free(pkey);
	jr_buf_free(&note);
	free(pol);
	return rc == JR_OK ? 0 : fail("export", &eb, rc);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name, *help, *allowed;
	} cmds[] = {
		{ "init", usage_init, " --config --json " },
		{ "start", usage_start, " --config " },
		{ "stop", usage_stop, " --config --timeout " },
		{ "join", usage_join, " --config " },
		{ "remove", usage_remove, " --config --id " },
		{ "inspect", usage_inspect, " --config --json " },
		{ "keygen", usage_keygen, " --kind --out " },
		{ "export", usage_export, " --config --out --json " },
	};
	struct jr_node_config *cfg;
	struct args a;
	const char *cmd;
	bool known = false;
	int rc = -1;

	if (argc < 2)
		return usage_err("", "missing argument COMMAND");
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		fputs(usage_top, stdout);
		return 0;
	}
	if (cmd[0] == '-')
		return usage_err("", "unknown option '%s'", cmd);
	memset(&a, 0, sizeof a);
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		if (strcmp(cmd, cmds[i].name) == 0) {
			known = true;
			rc = parse(cmd, cmds[i].help, cmds[i].allowed, argc - 2, argv + 2, &a);
		}
	}
	if (rc != -1)
		return rc;
	if (!known)
		return usage_err("", "unknown command '%s'", cmd);
	if (jr_init() != JR_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "jaring-node: libsodium or libcurl failed to initialise\n");
		return 1;
	}
	if (strcmp(cmd, "keygen") == 0)
		return cmd_keygen(a.kind, a.out);
	if ((cfg = malloc(sizeof *cfg)) == NULL)
		return 1;
	if ((rc = need_config(cmd, &a, cfg)) == -1) {
		if (strcmp(cmd, "init") == 0) {
			rc = cmd_init(cfg, a.json);
		} else if (strcmp(cmd, "start") == 0) {
			struct jr_errbuf eb = { 0 };
			int r = jr_server_run(cfg, &eb);

			rc = r == JR_OK ? 0 : fail("start", &eb, r);
		} else if (strcmp(cmd, "stop") == 0) {
			rc = cmd_stop(cfg, a.timeout);
		} else if (strcmp(cmd, "join") == 0) {
			rc = cmd_member(cfg, true, cfg->id);
		} else if (strcmp(cmd, "remove") == 0) {
			uint64_t id = 0;

			if (a.id == NULL || jr_http_parse_u64(a.id, strlen(a.id), INT64_MAX, &id) !=
					    JR_OK || id == 0)
				rc = usage_err("remove", a.id ? "--id needs a node id" :
					"missing option --id N");
			else
				rc = cmd_member(cfg, false, id);
		} else if (strcmp(cmd, "export") == 0) {
			rc = cmd_export(cfg, a.out, a.json);
		} else {
			rc = cmd_inspect(cfg, a.json);
		}
	}
	free(cfg);
	curl_global_cleanup();
	return rc;
}
