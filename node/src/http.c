/*
 * http.c — the node's HTTP API (docs/http.md) on libmicrohttpd.
 *
 * The daemon runs in MHD's external-select mode with epoll: its epoll file
 * descriptor is a uv_poll handle on the consensus layer's libuv loop, and
 * MHD_get_timeout drives a uv_timer. So every handler runs on the loop
 * thread, beside libraft and the state machine, and may call jr_cons_* and
 * read the state directly. Work that takes long leaves the loop: opening a
 * completed bundle (decrypting and authenticating every chunk) runs in
 * uv_queue_work, with the connection suspended until the entry is applied.
 *
 * A request is never answered "done" before its entry is committed by a
 * majority and applied here (jr_cons_propose's callback). Every refusal is
 * a JSON error that changes nothing, except the two the contract names: a
 * bundle whose header or body fails is dropped from the upload area.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>
#include <sqlite3.h>

#include "jaring/bundle.h"
#include "jaring/downstream.h"
#include "jaring/roster.h"
#include "server.h"

#define HEADER_POOL_BYTES (32u * 1024u)
#define STATS_MIN_CELL 5
#define UPLOAD_IDLE_S 3600

struct upload {
	bool used;
	uint8_t id[JR_HASH_BYTES];
	uint64_t total, offset;
	bool header_ok;
	uint8_t head[JR_BUNDLE_HEADER_BYTES];
	uint8_t kiosk[JR_ID_BYTES];
	const struct jr_key *key; /* the consortium key it is encrypted to */
	bool busy; /* a PUT is streaming into it, or it is being completed */
	time_t touched;
	char path[JR_NODE_PATH_MAX];
};

enum req_kind { RQ_OTHER, RQ_PUT_BUNDLE, RQ_POST_BODY };

struct req {
	struct jr_http *h;
	struct MHD_Connection *conn;
	struct jr_route_match m;
	enum req_kind kind;
	bool started;
	/* the answer, once known */
	struct MHD_Response *resp;
	unsigned status;
	/* waiting on the loop (work, a proposal): the connection is suspended */
	bool suspended;
	bool busy;
	bool orphan; /* the daemon stopped while busy: the completer frees it */
	struct req *next, *prev;
	/* PUT /v1/bundles */
	struct upload *up;
	int fd;
	bool failed;
	/* POST bodies */
	uint8_t *body;
	size_t body_len, body_cap;
	/* completion of a bundle; a downstream bundle's build */
	uv_work_t work;
	struct jr_buf entry;
	struct jr_errbuf eb;
	int work_rc;
	/* GET downstream, built in a worker: the checkpoint it carries (copied
	 * on the loop), its temporary file's number, its status on failure
	 * and the file it made (or found) */
	struct jr_buf ds_cp;
	uint64_t ds_seq;
	unsigned ds_status;
	char ds_path[JR_NODE_PATH_MAX + 64];
};

struct jr_http {
	struct jr_server *s;
	struct MHD_Daemon *d;
	uv_poll_t poll;
	uv_timer_t timer;
	bool stopped;
	int open_handles;
	struct req *waiting; /* suspended requests */
	struct upload *uploads;
	unsigned n_uploads;
	struct jr_pubpage *page;
	unsigned ds_building; /* downstream builds in workers */
	uint64_t ds_seq;
};

/* ---- responses ------------------------------------------------------- */

static void json_escape(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	for (; *in != '\0' && o + 7 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c < 0x20) {
			o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

static void set_resp(struct req *r, unsigned status, const char *type,
	const void *body, size_t len)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_buffer(len, (void *)(uintptr_t)body,
		MHD_RESPMEM_MUST_COPY);
	r->status = status;
	if (r->resp != NULL && type != NULL)
		(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
}

static void set_json(struct req *r, unsigned status, const char *json)
{
	set_resp(r, status, "application/json", json, strlen(json));
}

static void set_error(struct req *r, unsigned status, const char *code,
	const char *fmt, ...) JR_PRINTF(4, 5);
static void set_error(struct req *r, unsigned status, const char *code,
	const char *fmt, ...)
{
	char msg[JR_ERRMSG_MAX], esc[2 * JR_ERRMSG_MAX], json[3 * JR_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14's analyser, given several files in one run, loses the
	 * va_start above (run-clang-tidy, one file a run, does not) */
	(void)vsnprintf(msg, sizeof msg, fmt, ap); /* NOLINT(clang-analyzer-valist.Uninitialized) */
	va_end(ap);
	json_escape(msg, esc, sizeof esc);
	(void)snprintf(json, sizeof json, "{\"error\":\"%s\",\"message\":\"%s\"}", code, esc);
	set_json(r, status, json);
	if (status == MHD_HTTP_SERVICE_UNAVAILABLE && r->resp != NULL)
		(void)MHD_add_response_header(r->resp, "Retry-After", "1");
}

/* 307 to the leader, or 503 with no leader. */
static void set_not_leader(struct req *r, const char *url)
{
	char base[JR_NODE_ADDR_MAX + 8], loc[JR_NODE_ADDR_MAX + 256], json[256];

	if (!jr_server_leader_http(r->h->s, base, sizeof base)) {
		set_error(r, MHD_HTTP_SERVICE_UNAVAILABLE, "unavailable",
			"no leader is known right now (an election is under way or a "
			"majority is unreachable); retry in a second");
		return;
	}
	(void)snprintf(loc, sizeof loc, "%s%s", base, url);
	(void)snprintf(json, sizeof json, "{\"error\":\"not-leader\",\"leader\":\"%s\"}",
		base);
	set_json(r, MHD_HTTP_TEMPORARY_REDIRECT, json);
	if (r->resp != NULL)
		(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_LOCATION, loc);
}

static bool is_leader(struct jr_server *s)
{
	struct jr_cons_info info;

	jr_cons_info(s->cons, &info);
	return info.role == JR_CONS_LEADER && !info.diverged && !s->stopping;
}

/* ---- the libuv glue -------------------------------------------------- */

static void http_run(struct jr_http *h);

static void on_timer(uv_timer_t *t)
{
	http_run(t->data);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	http_run(p->data);
}

static void http_run(struct jr_http *h)
{
	MHD_UNSIGNED_LONG_LONG to = 0;
	uint64_t ms = 1000;

	if (h->stopped)
		return;
	(void)MHD_run(h->d);
	if (MHD_get_timeout(h->d, &to) == MHD_YES)
		ms = to < 1000 ? (uint64_t)to : 1000;
	(void)uv_timer_start(&h->timer, on_timer, ms, 0);
}

static void wait_add(struct jr_http *h, struct req *r)
{
	r->prev = NULL;
	r->next = h->waiting;
	if (h->waiting != NULL)
		h->waiting->prev = r;
	h->waiting = r;
}

static void wait_del(struct jr_http *h, struct req *r)
{
	if (r->prev != NULL)
		r->prev->next = r->next;
	else if (h->waiting == r)
		h->waiting = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->next = r->prev = NULL;
}

static void req_free(struct req *r)
{
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	if (r->fd >= 0)
		(void)close(r->fd);
	jr_buf_free(&r->entry);
	jr_buf_free(&r->ds_cp);
	free(r->body);
	free(r);
}

static void suspend(struct req *r)
{
	r->suspended = true;
	r->busy = true;
	wait_add(r->h, r);
	MHD_suspend_connection(r->conn);
}

/* The answer is set: hand the connection back to MHD. */
static void resume(struct req *r)
{
	struct jr_http *h = r->h;

	r->busy = false;
	if (r->orphan) {
		req_free(r);
		return;
	}
	wait_del(h, r);
	r->suspended = false;
	MHD_resume_connection(r->conn);
	(void)uv_timer_start(&h->timer, on_timer, 0, 0);
}

/* ---- uploads --------------------------------------------------------- */

static struct upload *upload_find(struct jr_http *h, const uint8_t id[JR_HASH_BYTES])
{
	for (unsigned i = 0; i < h->s->cfg.max_uploads; i++)
		if (h->uploads[i].used && memcmp(h->uploads[i].id, id, JR_HASH_BYTES) == 0)
			return &h->uploads[i];
	return NULL;
}

static void upload_drop(struct jr_http *h, struct upload *u)
{
	if (u == NULL || !u->used)
		return;
	(void)unlink(u->path);
	memset(u, 0, sizeof *u);
	h->n_uploads--;
}

/* A free slot for the upload of id, total bytes; its file is removed first
 * unless `adopt` (an earlier run's file taken up again). NULL: no slot. */
static struct upload *upload_new(struct jr_http *h, const uint8_t id[JR_HASH_BYTES],
	uint64_t total, bool adopt)
{
	char hex[2 * JR_HASH_BYTES + 1];

	for (unsigned i = 0; i < h->s->cfg.max_uploads; i++) {
		struct upload *u = &h->uploads[i];

		if (u->used)
			continue;
		jr_hex(id, JR_HASH_BYTES, hex);
		if (snprintf(u->path, sizeof u->path, "%s/%s.%llu.part", h->s->upload_dir, hex,
			    (unsigned long long)total) >= (int)sizeof u->path)
			return NULL;
		if (!adopt)
			(void)unlink(u->path);
		u->used = true;
		memcpy(u->id, id, JR_HASH_BYTES);
		u->total = total;
		u->touched = time(NULL);
		h->n_uploads++;
		return u;
	}
	return NULL;
}

static bool header_valid(struct jr_server *s, struct upload *u, bool on_roster,
	struct jr_errbuf *eb);

/* One file of the upload area left by an earlier run, <id>.<length>.part:
 * taken up again at its size if its header holds (the roster is checked
 * when the bundle completes: the log may not be replayed yet), removed
 * otherwise. What a crash left half-written is caught when the bundle is
 * read: every chunk is authenticated then. */
static void upload_adopt(struct jr_http *h, const char *name)
{
	uint8_t id[JR_HASH_BYTES];
	char path[JR_NODE_PATH_MAX + 300], *end = NULL;
	struct jr_errbuf eb = { 0 };
	unsigned long long total;
	struct upload *u = NULL;
	struct stat st;
	int fd = -1;

	if (snprintf(path, sizeof path, "%s/%s", h->s->upload_dir, name) >= (int)sizeof path)
		return;
	if (strlen(name) < 2 * JR_HASH_BYTES + 7 || name[2 * JR_HASH_BYTES] != '.' ||
	    jr_http_parse_hex(name, 2 * JR_HASH_BYTES, id, JR_HASH_BYTES) != JR_OK)
		goto drop;
	errno = 0;
	total = strtoull(name + 2 * JR_HASH_BYTES + 1, &end, 10);
	if (errno != 0 || end == NULL || strcmp(end, ".part") != 0 ||
	    total > JR_HTTP_BUNDLE_MAX || upload_find(h, id) != NULL ||
	    h->n_uploads >= h->s->cfg.max_uploads)
		goto drop;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0 ||
	    st.st_size < JR_BUNDLE_HEADER_BYTES || (uint64_t)st.st_size > total)
		goto drop;
	if ((u = upload_new(h, id, total, true)) == NULL)
		goto drop;
	if (pread(fd, u->head, sizeof u->head, 0) != (ssize_t)sizeof u->head ||
	    strcmp(u->path, path) != 0 || !header_valid(h->s, u, false, &eb)) {
		upload_drop(h, u); /* unlinks it */
		(void)close(fd);
		return;
	}
	u->offset = (uint64_t)st.st_size;
	(void)close(fd);
	return;
drop:
	if (fd >= 0)
		(void)close(fd);
	(void)unlink(path);
}

/* The unfinished uploads an earlier run left (docs/node.md "Data
 * directory"), so that a client's HEAD after a restart resumes them. */
static void uploads_adopt(struct jr_http *h)
{
	struct dirent *e;
	DIR *d = opendir(h->s->upload_dir);

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			upload_adopt(h, e->d_name);
	closedir(d);
}

/* Checks the first 512 bytes (docs/http.md): decodes, the URL's id, a
 * valid signature, for the consortium, the length the client announced, and
 * (on_roster) from a kiosk on the roster. false: eb says why. */
static bool header_valid(struct jr_server *s, struct upload *u, bool on_roster,
	struct jr_errbuf *eb)
{
	struct jr_bundle_header hd;
	struct jr_centre_kiosk_state ks;
	char hex[2 * JR_ID_BYTES + 1];

	if (jr_bundle_header_decode(u->head, sizeof u->head, "upload", &hd, eb) != JR_OK ||
	    jr_bundle_header_verify(&hd, "upload", eb) != JR_OK)
		return false;
	if (memcmp(hd.info.id, u->id, JR_HASH_BYTES) != 0) {
		jr_errf(eb, JR_EFORMAT, "the bundle's header has another id than the URL; "
			"upload it under its own id");
		return false;
	}
	if (hd.info.kind != JR_BUNDLE_UPSTREAM) {
		jr_errf(eb, JR_EFORMAT, "only upstream bundles (kind 1) are uploaded; this one "
			"is kind %d", hd.info.kind);
		return false;
	}
	/* the kiosk seals to the key its roster named last: any this node holds */
	u->key = jr_server_key_by_id(s, hd.info.recipient_id);
	if (u->key == NULL) {
		char fp[JR_KEYID_FINGERPRINT_LEN + 1];

		jr_keyid_fingerprint(hd.info.recipient_id, fp);
		jr_errf(eb, JR_EKEY, "the bundle is encrypted to key %s, which is none of this "
			"cluster's consortium keys; export it again for this centre (or, after a "
			"key rotation, give the node the new key: consortium_key_added)", fp);
		return false;
	}
	if (JR_BUNDLE_HEADER_BYTES + hd.info.body_len != u->total) {
		jr_errf(eb, JR_EFORMAT, "Upload-Length %llu is not 512 + the body length %llu "
			"the header states", (unsigned long long)u->total,
			(unsigned long long)hd.info.body_len);
		return false;
	}
	jr_hex(hd.info.sender_id, JR_ID_BYTES, hex);
	if (on_roster &&
	    (jr_centre_kiosk_state(jr_node_fsm_centre(s->fsm), hd.info.sender_id, &ks) !=
		     JR_OK ||
	     !ks.in_roster)) {
		jr_errf(eb, JR_EKEY, "kiosk %s is not on the roster this node applied; add it "
			"to the roster first", hex);
		return false;
	}
	memcpy(u->kiosk, hd.info.sender_id, JR_ID_BYTES);
	u->header_ok = true;
	return true;
}

static bool header_check(struct req *r, struct upload *u)
{
	struct jr_errbuf eb = { 0 };

	if (header_valid(r->h->s, u, true, &eb))
		return true;
	set_error(r, 422, "refused", "%s; the upload was dropped", eb.msg);
	return false;
}

static void bundle_json(struct req *r, const uint8_t id[JR_HASH_BYTES],
	const struct jr_node_bundle_row *b)
{
	char hex[2 * JR_HASH_BYTES + 1], kh[2 * JR_ID_BYTES + 1], json[512];

	jr_hex(id, JR_HASH_BYTES, hex);
	jr_hex(b->kiosk, JR_ID_BYTES, kh);
	(void)snprintf(json, sizeof json, "{\"bundle\":\"%s\",\"state\":\"applied\","
		"\"index\":%llu,\"kiosk\":\"%s\",\"blocks\":%u,\"blocks_applied\":%u,"
		"\"blocks_known\":%u,\"blocks_pending\":%u,\"blocks_refused\":%u,"
		"\"acked_height\":%llu}", hex, (unsigned long long)b->index, kh,
		b->blocks, b->applied, b->known, b->pending, b->refused,
		(unsigned long long)b->acked_height);
	set_json(r, 200, json);
}

static bool header_u64(struct req *r, const char *name, uint64_t max, uint64_t *v)
{
	const char *s = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);

	return s != NULL && jr_http_parse_u64(s, strlen(s), max, v) == JR_OK;
}

/* First call of a PUT: decide before a byte of the body is taken. false:
 * r holds the answer. */
static bool put_begin(struct req *r, const char *url)
{
	struct jr_http *h = r->h;
	struct jr_node_bundle_row row;
	uint64_t off, total, cl;
	struct upload *u;
	char json[128];

	if (jr_node_fsm_bundle(h->s->fsm, r->m.id, &row) == JR_OK) {
		bundle_json(r, r->m.id, &row);
		return false;
	}
	if (!is_leader(h->s)) {
		set_not_leader(r, url);
		return false;
	}
	if (!header_u64(r, "Upload-Offset", INT64_MAX, &off) ||
	    !header_u64(r, "Upload-Length", INT64_MAX, &total) ||
	    !header_u64(r, MHD_HTTP_HEADER_CONTENT_LENGTH, INT64_MAX, &cl)) {
		set_error(r, 400, "bad-request", "a PUT needs Upload-Offset, Upload-Length "
			"and Content-Length, each a decimal number");
		return false;
	}
	if (cl > JR_HTTP_PUT_MAX || total > JR_HTTP_BUNDLE_MAX) {
		set_error(r, 413, "too-large", "at most %u bytes per PUT and %u per bundle",
			JR_HTTP_PUT_MAX, JR_HTTP_BUNDLE_MAX);
		return false;
	}
	if (total <= JR_BUNDLE_HEADER_BYTES || off + cl > total || (cl == 0 && off != total)) {
		set_error(r, 400, "bad-request", "bytes %llu..%llu do not fit a bundle of "
			"%llu bytes (more than its 512-byte header)",
			(unsigned long long)off, (unsigned long long)off + cl,
			(unsigned long long)total);
		return false;
	}
	u = upload_find(h, r->m.id);
	if (u != NULL && u->total != total) {
		set_error(r, 400, "bad-request", "Upload-Length %llu is not the %llu the "
			"upload began with", (unsigned long long)total,
			(unsigned long long)u->total);
		return false;
	}
	if (u != NULL && u->busy && u->offset == u->total) {
		set_error(r, 503, "busy", "the bundle is whole here and being applied; ask "
			"again in a moment");
		return false;
	}
	if ((u == NULL && off != 0) || (u != NULL && (u->busy || off != u->offset))) {
		(void)snprintf(json, sizeof json, "{\"error\":\"bad-offset\",\"expected\":"
			"%llu}", (unsigned long long)(u ? u->offset : 0));
		set_json(r, 409, json);
		return false;
	}
	if (u == NULL && (h->n_uploads >= h->s->cfg.max_uploads ||
			   (u = upload_new(h, r->m.id, total, false)) == NULL)) {
		set_error(r, 503, "busy", "%u uploads are unfinished on this node; retry "
			"later", h->n_uploads);
		return false;
	}
	r->fd = open(u->path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (r->fd < 0) {
		set_error(r, 503, "unavailable", "the upload area cannot be written (%s); "
			"retry later", strerror(errno));
		return false;
	}
	u->busy = true;
	u->touched = time(NULL);
	r->up = u;
	return true;
}

static void put_data(struct req *r, const char *data, size_t n)
{
	struct upload *u = r->up;

	if (r->failed || u == NULL)
		return;
	if (u->offset < JR_BUNDLE_HEADER_BYTES) {
		size_t take = JR_BUNDLE_HEADER_BYTES - (size_t)u->offset;

		if (take > n)
			take = n;
		memcpy(u->head + u->offset, data, take);
	}
	if (pwrite(r->fd, data, n, (off_t)u->offset) != (ssize_t)n) {
		r->failed = true;
		set_error(r, 503, "unavailable", "the upload area is full or failing (%s); "
			"retry later", strerror(errno));
		return;
	}
	if (u->offset < JR_BUNDLE_HEADER_BYTES && u->offset + n >= JR_BUNDLE_HEADER_BYTES) {
		u->offset += n;
		if (!header_check(r, u)) {
			r->failed = true;
			u->busy = false;
			upload_drop(r->h, u);
			r->up = NULL;
		}
		return;
	}
	u->offset += n;
}

/* uv worker: read the whole bundle, authenticating every chunk, and make
 * its log entry. Touches only r's own fields and the read-only keys. */
static void complete_work(uv_work_t *w)
{
	struct req *r = w->data;
	struct jr_server *s = r->h->s;
	struct jr_bundle_reader *rd = NULL;
	struct jr_bundle_info info;
	struct jr_buf *blocks = NULL, centre = { NULL, 0 };
	size_t n = 0;
	int fd, rc;

	r->work_rc = JR_EIO;
	fd = open(r->up->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		r->work_rc = jr_errf(&r->eb, JR_EIO, "the upload cannot be read back (%s)",
			strerror(errno));
		return;
	}
	blocks = calloc(JR_CENTRE_MAX_BLOCKS, sizeof *blocks);
	rc = blocks == NULL ? JR_ENOMEM :
		jr_bundle_reader_open_fd(fd, "upload", r->up->key != NULL ? r->up->key :
			s->consortium, NULL, &rd, &info, &r->eb);
	while (rc == JR_OK) {
		int kind = 0;
		const uint8_t *p = NULL;
		size_t len = 0;

		if ((rc = jr_bundle_reader_next(rd, &kind, &p, &len, &r->eb)) != JR_OK ||
		    kind == 0)
			break;
		if (kind != JR_ITEM_BLOCK)
			continue; /* visits are for the kiosk's own log, not the centre's */
		if (n >= JR_CENTRE_MAX_BLOCKS) {
			rc = jr_errf(&r->eb, JR_ETOOBIG, "the bundle has more than %d blocks; "
				"export it again in smaller bundles", JR_CENTRE_MAX_BLOCKS);
			break;
		}
		if ((blocks[n].base = malloc(len)) == NULL) {
			rc = JR_ENOMEM;
			break;
		}
		memcpy(blocks[n].base, p, len);
		blocks[n++].len = len;
	}
	if (rc == JR_OK)
		rc = jr_bundle_reader_end(rd, &r->eb);
	if (rc == JR_OK && n == 0)
		rc = jr_errf(&r->eb, JR_EFORMAT, "the bundle holds no block");
	if (rc == JR_OK && (rc = jr_centre_upstream_entry(blocks, n, &centre)) == JR_OK) {
		struct jr_node_entry e;

		memset(&e, 0, sizeof e);
		e.centre = centre.base;
		e.centre_len = centre.len;
		e.has_bundle = true;
		memcpy(e.bundle_id, r->up->id, JR_HASH_BYTES);
		e.bundle_len = r->up->total;
		memcpy(e.kiosk, info.sender_id, JR_ID_BYTES);
		rc = jr_node_entry_encode(&e, &r->entry);
	}
	jr_buf_free(&centre);
	for (size_t i = 0; i < n; i++)
		jr_buf_free(&blocks[i]);
	free(blocks);
	jr_bundle_reader_free(rd);
	(void)close(fd);
	r->work_rc = rc;
}

static void proposed(void *arg, const struct jr_cons_done *d)
{
	struct req *r = arg;
	struct jr_http *h = r->h;
	struct jr_node_bundle_row row;

	if (r->orphan) {
		resume(r);
		return;
	}
	if (d->status == JR_OK &&
	    jr_node_fsm_bundle(h->s->fsm, r->m.id, &row) == JR_OK) {
		bundle_json(r, r->m.id, &row);
		if (r->up != NULL) {
			r->up->busy = false;
			upload_drop(h, r->up);
			r->up = NULL;
		}
	} else {
		set_error(r, 503, "unavailable", "the bundle's entry did not apply here "
			"(%s); it may still commit: upload it again from offset 0 (bundles "
			"are idempotent)", jr_cons_strerror(d->status));
		if (r->up != NULL) {
			/* Dropped: a retry starts at 0 and, if the entry did commit,
			 * is answered "applied" before a byte is taken. */
			r->up->busy = false;
			upload_drop(h, r->up);
			r->up = NULL;
		}
	}
	resume(r);
}

static void complete_after(uv_work_t *w, int status)
{
	struct req *r = w->data;
	struct jr_http *h = r->h;
	struct jr_errbuf eb = { 0 };
	int rc;

	if (r->orphan || h->stopped) {
		resume(r);
		return;
	}
	if (status != 0 || r->work_rc != JR_OK) {
		set_error(r, 422, "refused", "%s; the bundle was dropped, nothing of it "
			"reached the log", r->eb.msg[0] ? r->eb.msg : jr_strerror(r->work_rc));
		r->up->busy = false;
		upload_drop(h, r->up);
		r->up = NULL;
		resume(r);
		return;
	}
	rc = jr_cons_propose(h->s->cons, r->entry.base, r->entry.len, proposed, r, &eb);
	jr_buf_free(&r->entry);
	if (rc != JR_OK) {
		if (rc == JR_CONS_ENOTLEADER)
			set_not_leader(r, "/v1/bundles/");
		else
			set_error(r, rc == JR_ETOOBIG ? 413 : 503,
				rc == JR_ETOOBIG ? "too-large" : "unavailable", "%s", eb.msg);
		r->up->busy = false;
		upload_drop(h, r->up);
		r->up = NULL;
		resume(r);
	}
}

static void put_end(struct req *r)
{
	struct upload *u = r->up;
	char json[256], hex[2 * JR_HASH_BYTES + 1];

	if (r->fd >= 0) {
		(void)close(r->fd);
		r->fd = -1;
	}
	if (r->failed || u == NULL)
		return;
	u->touched = time(NULL);
	if (u->offset < u->total) {
		u->busy = false;
		jr_hex(u->id, JR_HASH_BYTES, hex);
		(void)snprintf(json, sizeof json, "{\"bundle\":\"%s\",\"state\":\"partial\","
			"\"offset\":%llu}", hex, (unsigned long long)u->offset);
		set_json(r, 200, json);
		return;
	}
	r->work.data = r;
	if (uv_queue_work(r->h->s->loop, &r->work, complete_work, complete_after) != 0) {
		set_error(r, 503, "unavailable", "no worker to open the bundle; retry");
		u->busy = false;
		return;
	}
	suspend(r);
}

/* ---- bundles: HEAD and GET ------------------------------------------- */

static void bundle_get(struct req *r, bool head, const char *url)
{
	struct jr_http *h = r->h;
	struct jr_node_bundle_row row;
	struct upload *u;
	char v[32];

	if (jr_node_fsm_bundle(h->s->fsm, r->m.id, &row) == JR_OK) {
		bundle_json(r, r->m.id, &row);
		if (head && r->resp != NULL) {
			(void)snprintf(v, sizeof v, "%llu", (unsigned long long)row.length);
			(void)MHD_add_response_header(r->resp, "Bundle-State", "applied");
			(void)MHD_add_response_header(r->resp, "Upload-Offset", v);
			(void)MHD_add_response_header(r->resp, "Upload-Length", v);
		}
		return;
	}
	if (head && (u = upload_find(h, r->m.id)) != NULL) {
		set_json(r, 200, "{}");
		(void)snprintf(v, sizeof v, "%llu", (unsigned long long)u->offset);
		(void)MHD_add_response_header(r->resp, "Upload-Offset", v);
		(void)snprintf(v, sizeof v, "%llu", (unsigned long long)u->total);
		(void)MHD_add_response_header(r->resp, "Upload-Length", v);
		return;
	}
	if (head && !is_leader(h->s)) {
		set_not_leader(r, url); /* the upload area is the leader's */
		return;
	}
	set_error(r, 404, "not-found", "no bundle with this id is applied%s",
		head ? " or being uploaded here: start at offset 0" : "");
}

/* ---- acts and membership --------------------------------------------- */

static void act_json(struct req *r, const struct jr_node_act_row *a)
{
	char json[256], reason[48];

	(void)snprintf(reason, sizeof reason, "\"%s\"", jr_centre_status_name(a->status));
	(void)snprintf(json, sizeof json, "{\"index\":%llu,\"outcome\":\"%s\","
		"\"reason\":%s,\"changed\":%s}", (unsigned long long)a->index,
		a->refused ? "refused" : "applied", a->refused ? reason : "null",
		a->changed ? "true" : "false");
	set_json(r, 200, json);
}

static void act_done(void *arg, const struct jr_cons_done *d)
{
	struct req *r = arg;
	struct jr_node_act_row a;
	uint8_t hsh[JR_HASH_BYTES];
	struct jr_node_entry e;

	if (r->orphan) {
		resume(r);
		return;
	}
	if (d->status == JR_OK && jr_node_entry_decode(r->entry.base, r->entry.len, &e) ==
	    JR_OK) {
		jr_hash(e.centre, e.centre_len, hsh);
		if (jr_node_fsm_act(r->h->s->fsm, hsh, &a) == JR_OK) {
			act_json(r, &a);
			resume(r);
			return;
		}
	}
	set_error(r, 503, "unavailable", "the act did not apply here (%s); it may "
		"still commit: send it again (an act applied before answers its first "
		"outcome)", jr_cons_strerror(d->status));
	resume(r);
}

static void acts_end(struct req *r)
{
	struct jr_server *s = r->h->s;
	struct jr_node_act_row a;
	struct jr_node_entry e;
	struct jr_errbuf eb = { 0 };
	uint8_t hsh[JR_HASH_BYTES];
	uint64_t kind = jr_node_centre_kind(r->body, r->body_len);

	if (kind == 0 || kind == JR_CENTRE_UPSTREAM) {
		set_error(r, 422, "refused", kind == 0 ?
			"the body is not a centre entry (docs/centre.md \"Entries\")" :
			"upstream blocks come as bundles (PUT /v1/bundles/<id>), not as acts");
		return;
	}
	jr_hash(r->body, r->body_len, hsh);
	if (jr_node_fsm_act(s->fsm, hsh, &a) == JR_OK) {
		act_json(r, &a);
		return;
	}
	memset(&e, 0, sizeof e);
	e.centre = r->body;
	e.centre_len = r->body_len;
	if (jr_node_entry_encode(&e, &r->entry) != JR_OK) {
		set_error(r, 413, "too-large", "the act does not fit a log entry");
		return;
	}
	/* The callback never fires before propose returns: suspend after. */
	if (jr_cons_propose(s->cons, r->entry.base, r->entry.len, act_done, r, &eb) !=
	    JR_OK) {
		set_error(r, 503, "unavailable", "%s", eb.msg);
		return;
	}
	suspend(r);
}

static void member_done(void *arg, const struct jr_cons_done *d)
{
	struct req *r = arg;

	if (r->orphan) {
		resume(r);
		return;
	}
	if (d->status == JR_OK)
		set_json(r, 200, "{\"done\":true}");
	else
		set_error(r, 503, "unavailable", "the membership change failed: %s",
			jr_cons_strerror(d->status));
	resume(r);
}

static void members_end(struct req *r)
{
	struct jr_server *s = r->h->s;
	struct jr_member_req m;
	struct jr_pubkey cp;
	struct jr_errbuf eb = { 0 };
	uint8_t h[JR_HASH_BYTES];
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (jr_http_parse_member((const char *)r->body, r->body_len, &m) != JR_OK) {
		set_error(r, 400, "bad-request", "a membership request is 'join ID "
			"HOST:PORT TIME' or 'remove ID - TIME' and a 'sig' line "
			"(docs/node.md)");
		return;
	}
	jr_hash(r->body, m.signed_len, h);
	rc = JR_ESIG;
	for (size_t i = 0; i < s->n_keys && rc != JR_OK; i++) { /* any key held */
		jr_key_public(s->keys[i], &cp);
		rc = jr_verify_hash(cp.sign_pk, JR_NODE_MEMBER_DOMAIN, h, m.sig);
	}
	if (rc != JR_OK) {
		set_error(r, 422, "refused", "the membership request is not signed by "
			"this cluster's consortium key");
		return;
	}
	if ((int64_t)m.time < now - JR_NODE_MEMBER_SKEW_S ||
	    (int64_t)m.time > now + JR_NODE_MEMBER_SKEW_S) {
		set_error(r, 422, "refused", "the membership request's time is more than "
			"%d s from this node's clock; sign a fresh one", JR_NODE_MEMBER_SKEW_S);
		return;
	}
	rc = m.join ? jr_cons_join(s->cons, m.id, m.raft, member_done, r, &eb) :
		jr_cons_leave(s->cons, m.id, member_done, r, &eb);
	if (rc != JR_OK) {
		set_error(r, rc == JR_CONS_EBUSY ? 503 : 422,
			rc == JR_CONS_EBUSY ? "busy" : "refused", "%s", eb.msg);
		return;
	}
	suspend(r);
}

/* ---- reads ----------------------------------------------------------- */

static const char *role_name(enum jr_cons_role r)
{
	switch (r) {
	case JR_CONS_LEADER: return "leader";
	case JR_CONS_FOLLOWER: return "follower";
	case JR_CONS_CANDIDATE: return "candidate";
	default: return "unavailable";
	}
}

static void health(struct req *r)
{
	struct jr_server *s = r->h->s;
	struct jr_cons_info info;
	char hex[2 * JR_HASH_BYTES + 1], leader[JR_NODE_ADDR_MAX + 16] = "null";
	char base[JR_NODE_ADDR_MAX + 8], why[2 * JR_ERRMSG_MAX], json[4096];
	uint64_t cp_size = 0;
	size_t cosigned = 0;

	jr_cons_info(s->cons, &info);
	jr_centre_state_hash(jr_node_fsm_centre(s->fsm), info.state_hash);
	jr_hex(info.state_hash, JR_HASH_BYTES, hex);
	if (jr_server_leader_http(s, base, sizeof base))
		(void)snprintf(leader, sizeof leader, "\"%s\"", base);
	json_escape(jr_cons_errmsg(s->cons), why, sizeof why);
	(void)jr_node_witness_published(s->witness, &cp_size, &cosigned);
	(void)snprintf(json, sizeof json, "{\"node\":%llu,\"role\":\"%s\",\"term\":%llu,"
		"\"leader\":%s,\"applied\":%llu,\"commit\":%llu,\"state_index\":%llu,"
		"\"state_hash\":\"%s\",\"tree_size\":%llu,\"checkpoint_size\":%llu,"
		"\"checkpoint_cosigned\":%zu,\"voters\":%u,\"diverged\":%s,"
		"\"problem\":\"%s\"}",
		(unsigned long long)info.id, role_name(info.role),
		(unsigned long long)info.term, leader, (unsigned long long)info.applied,
		(unsigned long long)info.commit_index,
		(unsigned long long)jr_node_fsm_index(s->fsm), hex,
		(unsigned long long)jr_centre_tlog_size(jr_node_fsm_centre(s->fsm)),
		(unsigned long long)cp_size, cosigned, info.voters,
		info.diverged ? "true" : "false", why);
	set_json(r, info.diverged ? 503 : 200, json);
}

static void hash_at(struct req *r)
{
	struct jr_server *s = r->h->s;
	uint8_t h[JR_HASH_BYTES];
	char hex[2 * JR_HASH_BYTES + 1], json[160];
	uint64_t i = r->m.index;

	if (i == UINT64_MAX)
		i = jr_node_fsm_index(s->fsm);
	if (i == 0 || jr_cons_hash_at(s->cons, i, h) != JR_OK) {
		set_error(r, 404, "not-found", "this node holds no state hash for entry "
			"%llu (not applied yet, not a state machine entry, or older than the "
			"last %d)", (unsigned long long)i, JR_CONS_HASH_WINDOW);
		return;
	}
	jr_hex(h, JR_HASH_BYTES, hex);
	(void)snprintf(json, sizeof json, "{\"index\":%llu,\"state_hash\":\"%s\"}",
		(unsigned long long)i, hex);
	set_json(r, 200, json);
}

static void note_resp(struct req *r, const struct jr_buf *b, const char *none)
{
	if (b == NULL) {
		set_error(r, 404, "not-found", "%s", none);
		return;
	}
	set_resp(r, 200, "text/plain; charset=utf-8", b->base, b->len);
}

static void tile(struct req *r)
{
	struct jr_server *s = r->h->s;
	uint64_t size = jr_centre_tlog_size(jr_node_fsm_centre(s->fsm));
	unsigned w = r->m.tile_width;
	uint64_t first, span = 1;
	int level = r->m.tile_level;

	if (level == JR_TLOG_ENTRIES) {
		struct jr_buf bundle = { NULL, 0 };
		int rc = JR_OK;

		first = r->m.tile_n * JR_TLOG_TILE_WIDTH;
		if (r->m.tile_n > JR_TLOG_SIZE_MAX / JR_TLOG_TILE_WIDTH || first + w > size) {
			set_error(r, 404, "not-found", "the log holds %llu entries; no such "
				"entry bundle yet", (unsigned long long)size);
			return;
		}
		for (unsigned i = 0; i < w && rc == JR_OK; i++) {
			struct jr_buf leaf = { NULL, 0 };

			rc = jr_centre_leaf(jr_node_fsm_centre(s->fsm), first + i, &leaf);
			if (rc == JR_OK)
				rc = jr_tlog_bundle_append(&bundle, (size_t)w * (JR_TLOG_ENTRY_MAX + 2),
					leaf.base, leaf.len);
			jr_buf_free(&leaf);
		}
		if (rc != JR_OK)
			set_error(r, 503, "unavailable", "entry bundle: %s", jr_strerror(rc));
		else
			set_resp(r, 200, "application/octet-stream", bundle.base, bundle.len);
		jr_buf_free(&bundle);
	} else {
		uint8_t buf[JR_TLOG_TILE_BYTES];
		unsigned got = 0;

		for (int l = 0; l < level; l++) {
			if (span > JR_TLOG_SIZE_MAX / JR_TLOG_TILE_WIDTH) {
				span = 0;
				break;
			}
			span *= JR_TLOG_TILE_WIDTH;
		}
		/* The smallest tree in which this tile has w hashes. */
		if (span == 0 || r->m.tile_n > JR_TLOG_SIZE_MAX / JR_TLOG_TILE_WIDTH / span ||
		    (r->m.tile_n * JR_TLOG_TILE_WIDTH + w) > size / span ||
		    jr_tlog_tile_read(jr_node_fsm_store(s->fsm),
			    (r->m.tile_n * JR_TLOG_TILE_WIDTH + w) * span, (unsigned)level,
			    r->m.tile_n, buf, &got) != JR_OK ||
		    got != w) {
			set_error(r, 404, "not-found", "the log of %llu entries has no such "
				"tile", (unsigned long long)size);
			return;
		}
		set_resp(r, 200, "application/octet-stream", buf, (size_t)w * JR_TLOG_HASH_BYTES);
	}
	if (w == JR_TLOG_TILE_WIDTH && r->resp != NULL)
		(void)MHD_add_response_header(r->resp, "Cache-Control",
			"public, max-age=31536000, immutable");
}

static void proof_reg(struct req *r)
{
	struct jr_server *s = r->h->s;
	struct jr_centre_reg reg;
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES];
	struct jr_buf out = { NULL, 0 };
	uint64_t cp_size = 0;
	const struct jr_buf *cp = jr_node_witness_published(s->witness, &cp_size, NULL);
	size_t n = 0;

	if (jr_centre_registration(jr_node_fsm_centre(s->fsm), r->m.id, &reg) != JR_OK) {
		set_error(r, 404, "not-found", "no registration with this id is on the log");
		return;
	}
	if (cp == NULL || reg.leaf >= cp_size) {
		set_error(r, 404, "not-found", "the registration is on the log but not yet "
			"in a checkpoint a quorum cosigned; ask again in a few seconds");
		return;
	}
	if (jr_tlog_prove_inclusion(jr_node_fsm_store(s->fsm), reg.leaf, cp_size, proof,
		    &n) != JR_OK ||
	    jr_tlog_proof_encode(NULL, 0, reg.leaf, (const uint8_t (*)[JR_TLOG_HASH_BYTES])proof,
		    n, cp->base, cp->len, &out) != JR_OK) {
		set_error(r, 503, "unavailable", "the proof could not be built");
		return;
	}
	set_resp(r, 200, "text/plain; charset=utf-8", out.base, out.len);
	jr_buf_free(&out);
}

static bool query_u64(struct req *r, const char *k, uint64_t *v)
{
	const char *s = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, k);

	return s != NULL && jr_http_parse_u64(s, strlen(s), JR_TLOG_SIZE_MAX, v) == JR_OK;
}

static void proof_cons(struct req *r)
{
	struct jr_server *s = r->h->s;
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES];
	uint64_t old, new, size = jr_centre_tlog_size(jr_node_fsm_centre(s->fsm));
	char json[64 * 48 + 128];
	size_t n = 0, o;

	if (!query_u64(r, "old", &old) || !query_u64(r, "new", &new) || old > new ||
	    new > size) {
		set_error(r, 400, "bad-request", "give ?old=N&new=M with N <= M <= %llu, "
			"the log's size here", (unsigned long long)size);
		return;
	}
	if (jr_tlog_prove_consistency(jr_node_fsm_store(s->fsm), old, new, proof, &n) !=
	    JR_OK) {
		set_error(r, 503, "unavailable", "the proof could not be built");
		return;
	}
	o = (size_t)snprintf(json, sizeof json, "{\"old\":%llu,\"new\":%llu,\"proof\":[",
		(unsigned long long)old, (unsigned long long)new);
	for (size_t i = 0; i < n; i++) {
		char b64[48];

		(void)sodium_bin2base64(b64, sizeof b64, proof[i], JR_TLOG_HASH_BYTES,
			sodium_base64_VARIANT_ORIGINAL);
		o += (size_t)snprintf(json + o, sizeof json - o, "%s\"%s\"", i ? "," : "", b64);
	}
	(void)snprintf(json + o, sizeof json - o, "]}");
	set_json(r, 200, json);
}

/* Counts only, from the state's tables; cells under STATS_MIN_CELL are
 * left out and counted in "suppressed". */
static void stats(struct req *r)
{
	sqlite3 *db = jr_node_fsm_db(r->h->s->fsm);
	sqlite3_stmt *st = NULL;
	char *json;
	size_t cap = 65536, o;
	long long kiosks = 0, total = 0, suppressed = 0, bundles = 0;
	bool first = true;

	if ((json = malloc(cap)) == NULL) {
		set_error(r, 503, "unavailable", "no memory");
		return;
	}
	if (sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM kiosk),"
		    " (SELECT count(*) FROM registration), (SELECT count(*) FROM node_bundle)",
		    -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		kiosks = sqlite3_column_int64(st, 0);
		total = sqlite3_column_int64(st, 1);
		bundles = sqlite3_column_int64(st, 2);
	}
	(void)sqlite3_finalize(st);
	o = (size_t)snprintf(json, cap, "{\"tree_size\":%llu,\"kiosks\":%lld,"
		"\"bundles\":%lld,\"registrations\":%lld,\"by_district_outcome\":[",
		(unsigned long long)jr_centre_tlog_size(jr_node_fsm_centre(r->h->s->fsm)),
		kiosks, bundles, total);
	st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT district, outcome, count(*) FROM registration"
		    " GROUP BY district, outcome ORDER BY district, outcome", -1, &st,
		    NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW && o + 128 < cap) {
			long long c = sqlite3_column_int64(st, 2);

			if (c < STATS_MIN_CELL) {
				suppressed += c;
				continue;
			}
			o += (size_t)snprintf(json + o, cap - o, "%s{\"district\":%lld,"
				"\"outcome\":%lld,\"count\":%lld}", first ? "" : ",",
				sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), c);
			first = false;
		}
	}
	(void)sqlite3_finalize(st);
	(void)snprintf(json + o, cap - o, "],\"suppressed\":%lld,\"min_cell\":%d}",
		suppressed, STATS_MIN_CELL);
	set_json(r, 200, json);
	free(json);
}

/* ---- GET /v1/kiosks/<id>/downstream ---------------------------------- */

/* The kiosk's downstream bundle as of one log size (the sequence number):
 * built once per (kiosk, size) into data_dir/downstream/ and kept until the
 * log grows, so a client resumes with Range and If-Range against the same
 * bytes. A file for the loop's current size is served at once; otherwise a
 * worker builds it from a reader of its own, inside one read transaction
 * (jr_centre_read_begin: one entry's state, while the loop applies on), and
 * names it by the size that reader saw. Builds in flight are capped
 * (DS_BUILDS_MAX) so that they never take every worker from bundle
 * intake. */
#define DS_BUILDS_MAX 2
/* A temporary file of a build that died with the node is removed after this. */
#define DS_TMP_STALE_S 600

static int ds_name(char *out, size_t cap, const uint8_t kiosk[JR_ID_BYTES], uint64_t size)
{
	char hex[2 * JR_ID_BYTES + 1];

	jr_hex(kiosk, JR_ID_BYTES, hex);
	return snprintf(out, cap, "%s.%llu.jrb", hex, (unsigned long long)size) < (int)cap
		? JR_OK : JR_ETOOBIG;
}

/* The downstream folder, from r->ds_path (DIR/NAME, set by downstream()). */
static void ds_dir(const struct req *r, char dir[JR_NODE_PATH_MAX])
{
	const char *slash = strrchr(r->ds_path, '/');
	size_t n = slash != NULL ? (size_t)(slash - r->ds_path) : 0;

	if (n >= JR_NODE_PATH_MAX)
		n = JR_NODE_PATH_MAX - 1;
	memcpy(dir, r->ds_path, n);
	dir[n] = '\0';
}

/* Worker: the bundle from the reader c into r->ds_path (by a temporary
 * name, then link(2): the first of two builds of one size wins, and the
 * bytes a client resumes against never change under it). */
static int downstream_build(struct req *r, struct jr_centre *c, const char *dir)
{
	struct jr_server *s = r->h->s;
	struct jr_errbuf *eb = &r->eb;
	const struct jr_roster_member *m;
	struct jr_downstream_params p;
	struct jr_buf roster = { NULL, 0 }, links[JR_DOWNSTREAM_CHAIN_MAX];
	struct jr_roster ro;
	uint8_t signer[JR_SIGN_PK_BYTES];
	struct jr_policy policy;
	size_t n_links = 0;
	char tmp[JR_NODE_PATH_MAX + 96];
	int fd, rc;

	r->ds_status = 503;
	if (jr_centre_roster(c, &roster, eb) != JR_OK) {
		r->ds_status = 404;
		return jr_errf(eb, JR_ENOTFOUND, "no roster is on the log yet, so no kiosk is known");
	}
	/* Opened under the key that signed it: after a rotation, not the
	 * genesis key, and not the key it names (which signs the next one). */
	rc = JR_ESIG;
	for (size_t i = 0; i < s->n_keys && rc != JR_OK; i++) {
		struct jr_pubkey kp;

		jr_key_public(s->keys[i], &kp);
		rc = jr_roster_open(roster.base, roster.len, kp.sign_pk, &ro, NULL);
	}
	if (rc != JR_OK) {
		jr_buf_free(&roster);
		return jr_errf(eb, rc, "the latest roster does not open under any consortium key"
			" this node holds (a damaged state file, or a key missing from the config:"
			" consortium_key_added)");
	}
	jr_centre_roster_signer(c, signer); /* the key it names */
	m = jr_roster_find(&ro, r->m.id);
	if (m == NULL || m->role != JR_ROLE_KIOSK) {
		jr_roster_free(&ro);
		jr_buf_free(&roster);
		r->ds_status = 404;
		return jr_errf(eb, JR_ENOTFOUND, "this kiosk is not on the roster");
	}
	/* The rotations before it, for a kiosk that missed them. */
	if ((rc = jr_centre_roster_links(c, ro.serial, links, JR_DOWNSTREAM_CHAIN_MAX, &n_links,
		     eb)) != JR_OK) {
		jr_roster_free(&ro);
		jr_buf_free(&roster);
		return rc;
	}
	memset(&p, 0, sizeof p);
	jr_centre_policy_rules(c, m->region, &policy); /* in force at its village */
	p.centre = c;
	/* signed by the key the latest roster names (after a rotation, the new
	 * one: a kiosk takes the sender it names, docs/sync.md) */
	p.consortium = jr_server_key_by_pk(s, signer);
	if (p.consortium == NULL) {
		jr_roster_free(&ro);
		jr_centre_roster_links_free(links, n_links);
		jr_buf_free(&roster);
		return jr_errf(eb, JR_EKEY, "the latest roster names a consortium key this node"
			" does not hold; add it to the config (consortium_key_added) and restart");
	}
	memcpy(p.kiosk_pk, m->sign_pk, JR_SIGN_PK_BYTES);
	p.roster = roster.base;
	p.roster_len = roster.len;
	p.roster_chain = links;
	p.roster_chain_n = n_links;
	p.policy = &policy;
	p.checkpoint = r->ds_cp.base;
	p.checkpoint_len = r->ds_cp.len;
	p.seq = jr_centre_tlog_size(c);
	p.time = (int64_t)time(NULL);
	jr_roster_free(&ro);
	(void)mkdir(dir, 0700);
	/* a dot first: downstream_prune never takes a build in progress */
	(void)snprintf(tmp, sizeof tmp, "%s/.%llu.tmp", dir, (unsigned long long)r->ds_seq);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		jr_centre_roster_links_free(links, n_links);
		jr_buf_free(&roster);
		return jr_errf(eb, JR_EIO, "cannot write %s: %s", tmp, strerror(errno));
	}
	rc = jr_downstream_write_fd(&p, fd, tmp, NULL, eb);
	jr_centre_roster_links_free(links, n_links);
	jr_buf_free(&roster);
	if (close(fd) != 0 && rc == JR_OK)
		rc = jr_errf(eb, JR_EIO, "closing %s: %s", tmp, strerror(errno));
	if (rc == JR_OK && link(tmp, r->ds_path) != 0 && errno != EEXIST)
		rc = jr_errf(eb, JR_EIO, "naming %s: %s", r->ds_path, strerror(errno));
	(void)unlink(tmp);
	return rc;
}

static void downstream_work(uv_work_t *w)
{
	struct req *r = w->data;
	struct jr_server *s = r->h->s;
	struct jr_centre *c = NULL;
	char state[JR_NODE_PATH_MAX], dir[JR_NODE_PATH_MAX], name[64];
	struct stat st;
	int rc;

	r->ds_status = 503;
	ds_dir(r, dir);
	if (jr_node_path(&s->cfg, "state.db", state, sizeof state) != JR_OK) {
		r->work_rc = jr_errf(&r->eb, JR_ETOOBIG, "the data directory's path is too long");
		return;
	}
	rc = jr_centre_open_reader(state, s->keys[0], &c, &r->eb);
	for (size_t i = 1; rc == JR_OK && i < s->n_keys; i++)
		rc = jr_centre_add_consortium_key(c, s->keys[i], &r->eb);
	if (rc == JR_OK && (rc = jr_centre_read_begin(c, &r->eb)) == JR_OK) {
		rc = ds_name(name, sizeof name, r->m.id, jr_centre_tlog_size(c));
		if (rc == JR_OK && snprintf(r->ds_path, sizeof r->ds_path, "%s/%s", dir, name) >=
			(int)sizeof r->ds_path)
			rc = jr_errf(&r->eb, JR_ETOOBIG, "the data directory's path is too long");
		if (rc == JR_OK && stat(r->ds_path, &st) != 0)
			rc = downstream_build(r, c, dir);
		jr_centre_read_end(c);
	}
	jr_centre_close(c);
	r->work_rc = rc;
}

/* Removes this kiosk's cached bundles other than `keep`, and temporary
 * files that no build has touched for DS_TMP_STALE_S (a node that died
 * mid-build). */
static void downstream_prune(const char *dir, const uint8_t kiosk[JR_ID_BYTES],
	const char *keep)
{
	char path[JR_NODE_PATH_MAX + 64], hex[2 * JR_ID_BYTES + 1];
	time_t now = time(NULL);
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (d == NULL)
		return;
	jr_hex(kiosk, JR_ID_BYTES, hex);
	while ((de = readdir(d)) != NULL) {
		bool stale_tmp = false;

		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path)
			continue;
		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp") != NULL)
			stale_tmp = stat(path, &st) == 0 && now - st.st_mtime > DS_TMP_STALE_S;
		if (stale_tmp || (strncmp(de->d_name, hex, 2 * JR_ID_BYTES) == 0 &&
			strcmp(de->d_name, keep) != 0))
			(void)unlink(path);
	}
	closedir(d);
}

/* Answers r with the bundle at path (whole, or from a Range). */
static void downstream_serve(struct req *r, const char *path)
{
	char idhex[2 * JR_HASH_BYTES + 1], etag[2 * JR_HASH_BYTES + 3];
	uint8_t head[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };
	const char *range, *if_range, *name = strrchr(path, '/');
	uint64_t from = 0;
	struct stat st;
	int fd;

	name = name != NULL ? name + 1 : path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size < JR_BUNDLE_HEADER_BYTES ||
	    pread(fd, head, sizeof head, 0) != (ssize_t)sizeof head ||
	    jr_bundle_header_decode(head, sizeof head, name, &h, &eb) != JR_OK) {
		if (fd >= 0)
			close(fd);
		set_error(r, 503, "unavailable", "the downstream bundle could not be read back");
		return;
	}
	jr_hex(h.info.id, JR_HASH_BYTES, idhex);
	(void)snprintf(etag, sizeof etag, "\"%s\"", idhex);
	range = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	if_range = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_RANGE);
	if (range != NULL && (if_range == NULL || strcmp(if_range, etag) == 0)) {
		/* only "bytes=N-": what jaring-sync pull sends */
		if (strncmp(range, "bytes=", 6) != 0 || range[strlen(range) - 1] != '-' ||
		    jr_http_parse_u64(range + 6, strlen(range) - 7, INT64_MAX, &from) != JR_OK ||
		    from >= (uint64_t)st.st_size) {
			close(fd);
			set_error(r, 416, "bad-request", "a Range of the form bytes=N- within the "
				"bundle's %lld bytes is served", (long long)st.st_size);
			return;
		}
	}
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_fd_at_offset64((uint64_t)st.st_size - from, fd, from);
	if (r->resp == NULL) {
		close(fd);
		set_error(r, 503, "unavailable", "out of memory for the answer");
		return;
	}
	r->status = from > 0 ? 206 : 200;
	(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		"application/octet-stream");
	(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_ETAG, etag);
	if (from > 0) {
		char cr[96];

		(void)snprintf(cr, sizeof cr, "bytes %llu-%lld/%lld", (unsigned long long)from,
			(long long)st.st_size - 1, (long long)st.st_size);
		(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
}

static void downstream_after(uv_work_t *w, int status)
{
	struct req *r = w->data;
	struct jr_http *h = r->h;
	char dir[JR_NODE_PATH_MAX];

	h->ds_building--;
	if (r->orphan || h->stopped) {
		resume(r);
		return;
	}
	if (status != 0 || r->work_rc != JR_OK) {
		set_error(r, r->ds_status, r->ds_status == 404 ? "not-found" : "unavailable",
			"%s", r->eb.msg[0] ? r->eb.msg : jr_strerror(r->work_rc));
	} else {
		ds_dir(r, dir);
		downstream_prune(dir, r->m.id, r->ds_path + strlen(dir) + 1);
		downstream_serve(r, r->ds_path);
	}
	resume(r);
}

static void downstream(struct req *r)
{
	struct jr_http *h = r->h;
	struct jr_server *s = h->s;
	char dir[JR_NODE_PATH_MAX], name[64];
	uint64_t cp_size = 0;
	const struct jr_buf *cp;
	struct stat st;

	if (jr_node_path(&s->cfg, "downstream", dir, sizeof dir) != JR_OK ||
	    ds_name(name, sizeof name, r->m.id, jr_centre_tlog_size(jr_node_fsm_centre(s->fsm)))
		!= JR_OK ||
	    snprintf(r->ds_path, sizeof r->ds_path, "%s/%s", dir, name) >= (int)sizeof r->ds_path) {
		set_error(r, 503, "unavailable", "the data directory's path is too long");
		return;
	}
	if (stat(r->ds_path, &st) == 0) {
		downstream_serve(r, r->ds_path);
		return;
	}
	if (h->ds_building >= DS_BUILDS_MAX) {
		set_error(r, 503, "busy", "%u downstream bundles are being built; retry in a"
			" second", h->ds_building);
		if (r->resp != NULL)
			(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
		return;
	}
	cp = jr_node_witness_published(s->witness, &cp_size, NULL);
	if (cp != NULL) {
		if ((r->ds_cp.base = malloc(cp->len)) == NULL) {
			set_error(r, 503, "unavailable", "out of memory for the answer");
			return;
		}
		memcpy(r->ds_cp.base, cp->base, cp->len);
		r->ds_cp.len = cp->len;
	}
	/* the worker reads the state through its own connection */
	if (jr_node_fsm_commit(s->fsm) != JR_OK) {
		set_error(r, 503, "unavailable", "the state file cannot commit: %s",
			jr_node_fsm_error(s->fsm));
		return;
	}
	r->ds_seq = ++h->ds_seq;
	r->work.data = r;
	if (uv_queue_work(s->loop, &r->work, downstream_work, downstream_after) != 0) {
		set_error(r, 503, "unavailable", "no worker to build the downstream bundle; retry");
		return;
	}
	h->ds_building++;
	suspend(r);
}

/* ---- the public page (public.c, page.c) ------------------------------ */

static enum jr_lang query_lang(struct req *r)
{
	const char *l = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "lang");

	return l != NULL && strcmp(l, "en") == 0 ? JR_LANG_EN : JR_LANG_ID;
}

/* No script, no frames, no other origin: the page needs none. */
static void page_headers(struct req *r, enum jr_lang lang)
{
	if (r->resp == NULL)
		return;
	(void)MHD_add_response_header(r->resp, "Content-Language",
		lang == JR_LANG_EN ? "en" : "id");
	(void)MHD_add_response_header(r->resp, "Cache-Control", "no-cache");
	(void)MHD_add_response_header(r->resp, "X-Content-Type-Options", "nosniff");
	(void)MHD_add_response_header(r->resp, "Content-Security-Policy",
		"default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
		"form-action 'self'; frame-ancestors 'none'");
}

/* Answers from the cache; false if it holds nothing yet and r may wait. */
static bool page_from_cache(struct req *r, jr_pubpage_ready cb)
{
	bool svg = r->m.route == JR_RT_PUBLIC_SVG;
	enum jr_lang lang = query_lang(r);
	int rc = JR_OK;
	const struct jr_buf *b = jr_pubpage_get(r->h->page, svg ? JR_PUBPAGE_SVG :
		JR_PUBPAGE_HTML, lang, cb, r, &rc);

	if (b == NULL && rc == JR_OK && cb != NULL)
		return false;
	if (b == NULL) {
		set_error(r, 503, "unavailable", "the public page could not be prepared (the "
			"node's log says why); retry in a few seconds");
		return true;
	}
	set_resp(r, 200, svg ? "image/svg+xml" : "text/html; charset=utf-8", b->base, b->len);
	page_headers(r, lang);
	return true;
}

static void page_ready(void *arg)
{
	struct req *r = arg;

	if (!r->orphan)
		(void)page_from_cache(r, NULL);
	resume(r);
}

static void public_page(struct req *r)
{
	if (!page_from_cache(r, page_ready))
		suspend(r);
}

static void public_receipt(struct req *r)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(r->conn,
		MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	enum jr_lang lang = query_lang(r);
	struct jr_buf out = { NULL, 0 };
	unsigned retry = 0, status;
	char ra[16];

	status = jr_pubpage_receipt(r->h->page, ci != NULL ? ci->client_addr : NULL,
		MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "kiosk"),
		MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, "code"), lang,
		uv_now(r->h->s->loop), &out, &retry);
	if (status == 503) {
		set_error(r, 503, "unavailable", "the answer could not be made; retry");
		return;
	}
	set_resp(r, status, "text/html; charset=utf-8", out.base, out.len);
	jr_buf_free(&out);
	page_headers(r, lang);
	if (retry > 0 && r->resp != NULL) {
		(void)snprintf(ra, sizeof ra, "%u", retry);
		(void)MHD_add_response_header(r->resp, "Retry-After", ra);
	}
}

/* ---- the access handler ---------------------------------------------- */

/* ---- GET /v1/snapshots/<index>-<digest>?nonce=&mac= (a peer installing) -- */

static ssize_t snapshot_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	long n = jr_snap_reader_read(cls, pos, (uint8_t *)buf, max);

	if (n < 0)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return n == 0 ? MHD_CONTENT_READER_END_OF_STREAM : (ssize_t)n;
}

static void snapshot_free(void *cls)
{
	jr_snap_reader_free(cls);
}

static bool query_hex(struct req *r, const char *k, uint8_t *out, size_t n)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, k);

	return v != NULL && jr_http_parse_hex(v, strlen(v), out, n) == JR_OK;
}

static void snapshot_get(struct req *r)
{
	uint8_t nonce[JR_SNAP_NONCE_BYTES], mac[JR_HASH_BYTES];
	struct jr_snap_reader *rd = NULL;
	struct jr_errbuf eb = { 0 };
	uint64_t total = 0;
	int rc;

	if (!query_hex(r, "nonce", nonce, sizeof nonce) || !query_hex(r, "mac", mac, sizeof mac)) {
		set_error(r, 400, "bad-request", "a snapshot is asked for with nonce=<64 hex> "
			"and mac=<64 hex> (docs/http.md \"Snapshots\")");
		return;
	}
	rc = jr_node_fsm_snapshot_reader(r->h->s->fsm, r->m.index, r->m.id, nonce, mac, &rd,
		&total, &eb);
	if (rc == JR_EKEY) {
		set_error(r, 403, "forbidden", "%s", eb.msg);
		return;
	}
	if (rc != JR_OK) {
		set_error(r, rc == JR_ENOTFOUND ? 404 : 503,
			rc == JR_ENOTFOUND ? "not-found" : "unavailable", "%s", eb.msg);
		return;
	}
	if (r->resp != NULL)
		MHD_destroy_response(r->resp);
	r->resp = MHD_create_response_from_callback(total, JR_SNAP_CHUNK, snapshot_read, rd,
		snapshot_free);
	if (r->resp == NULL) {
		jr_snap_reader_free(rd);
		set_error(r, 503, "unavailable", "out of memory for the answer");
		return;
	}
	r->status = 200;
	(void)MHD_add_response_header(r->resp, MHD_HTTP_HEADER_CONTENT_TYPE,
		"application/octet-stream");
}

static bool method_ok(const struct req *r, const char *method)
{
	bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

	switch (r->m.route) {
	case JR_RT_BUNDLE: return get || strcmp(method, "PUT") == 0;
	case JR_RT_ACTS:
	case JR_RT_MEMBERS: return strcmp(method, "POST") == 0;
	default: return get;
	}
}

static void route_get(struct req *r, const char *method, const char *url)
{
	struct jr_server *s = r->h->s;

	switch (r->m.route) {
	case JR_RT_HEALTH: health(r); break;
	case JR_RT_HASH: hash_at(r); break;
	case JR_RT_BUNDLE: bundle_get(r, strcmp(method, "HEAD") == 0, url); break;
	case JR_RT_CHECKPOINT:
		note_resp(r, jr_node_witness_published(s->witness, NULL, NULL),
			"no checkpoint has been cosigned by a quorum of the nodes yet");
		break;
	case JR_RT_CHECKPOINT_SELF:
		note_resp(r, jr_node_witness_self(s->witness),
			"this node has not signed a checkpoint yet");
		break;
	case JR_RT_TILE: tile(r); break;
	case JR_RT_PROOF_REG: proof_reg(r); break;
	case JR_RT_PROOF_CONS: proof_cons(r); break;
	case JR_RT_STATS: stats(r); break;
	case JR_RT_DOWNSTREAM: downstream(r); break;
	case JR_RT_PUBLIC:
	case JR_RT_PUBLIC_SVG: public_page(r); break;
	case JR_RT_PUBLIC_RECEIPT: public_receipt(r); break;
	case JR_RT_SNAPSHOT: snapshot_get(r); break;
	default:
		set_error(r, 404, "not-found", "no such resource (docs/http.md lists them)");
		break;
	}
}

/* First call of a request with a body (PUT, POST): true to read it. */
static bool body_begin(struct req *r, const char *method, const char *url)
{
	uint64_t cl = 0;
	size_t cap = r->m.route == JR_RT_ACTS ? JR_HTTP_ACT_MAX : JR_HTTP_MEMBER_MAX;

	if (r->m.route == JR_RT_BUNDLE) {
		r->kind = RQ_PUT_BUNDLE;
		return put_begin(r, url);
	}
	(void)method;
	if (!is_leader(r->h->s)) {
		set_not_leader(r, url);
		return false;
	}
	if (!header_u64(r, MHD_HTTP_HEADER_CONTENT_LENGTH, INT64_MAX, &cl) || cl == 0) {
		set_error(r, 400, "bad-request", "the body is missing (send it with a "
			"Content-Length)");
		return false;
	}
	if (cl > cap) {
		set_error(r, 413, "too-large", "at most %zu bytes here", cap);
		return false;
	}
	if ((r->body = malloc((size_t)cl)) == NULL) {
		set_error(r, 503, "unavailable", "no memory; retry");
		return false;
	}
	r->body_cap = (size_t)cl;
	r->kind = RQ_POST_BODY;
	return true;
}

static enum MHD_Result answer(struct req *r)
{
	enum MHD_Result rc;

	if (r->resp == NULL)
		set_error(r, 500, "internal", "no answer was made (a bug)");
	if (r->resp == NULL)
		return MHD_NO;
	/* Group commit (fsm.c): what an answer says is on the state file before
	 * the answer leaves, for whoever opens the file next (jaring-admin, a
	 * reader's own connection). The entries applied since the last answer or
	 * tick go in one commit. A failed commit stops the next apply; the
	 * answer still goes, as the entry is in the cluster's log. */
	if (jr_node_fsm_commit(r->h->s->fsm) != JR_OK)
		jr_server_log(r->h->s, "state file: %s", jr_node_fsm_error(r->h->s->fsm));
	rc = MHD_queue_response(r->conn, r->status, r->resp);
	MHD_destroy_response(r->resp);
	r->resp = NULL;
	return rc;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
	const char *url, const char *method, const char *version,
	const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct jr_http *h = cls;
	struct req *r = *con_cls;

	(void)version;
	if (r == NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		r->h = h;
		r->conn = conn;
		r->fd = -1;
		*con_cls = r;
		jr_http_route(url, strlen(url), &r->m);
		if (r->m.route == JR_RT_NONE) {
			set_error(r, 404, "not-found", "no such resource (docs/http.md lists "
				"them)");
		} else if (r->m.route == JR_RT_BAD_ID) {
			set_error(r, 400, "bad-id", "ids in paths are lower-case hex of their "
				"exact length (docs/http.md \"Conventions\")");
		} else if (!method_ok(r, method)) {
			set_error(r, 405, "method", "%s is not allowed on %s", method, url);
		} else if (strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0) {
			if (body_begin(r, method, url))
				return MHD_YES; /* read the body */
		} else {
			route_get(r, method, url);
			if (r->suspended)
				return MHD_YES; /* the public page's first build */
		}
		r->started = true;
		return answer(r);
	}
	if (r->started) /* answered on the first call; MHD drains the body */
		return MHD_YES;
	if (*upload_data_size > 0) {
		if (r->kind == RQ_PUT_BUNDLE) {
			put_data(r, upload_data, *upload_data_size);
		} else if (r->body_len + *upload_data_size <= r->body_cap) {
			memcpy(r->body + r->body_len, upload_data, *upload_data_size);
			r->body_len += *upload_data_size;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (r->busy)
		return MHD_YES; /* resumed spuriously: still waiting */
	if (r->resp == NULL && !r->suspended) {
		if (r->kind == RQ_PUT_BUNDLE)
			put_end(r);
		else if (r->m.route == JR_RT_ACTS)
			acts_end(r);
		else
			members_end(r);
		if (r->suspended)
			return MHD_YES;
	}
	r->started = true;
	return answer(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (r == NULL)
		return;
	*con_cls = NULL;
	if (r->up != NULL && r->up->busy && !r->busy)
		r->up->busy = false; /* a PUT cut off: the bytes so far stay */
	if (r->busy) {
		r->orphan = true;
		return;
	}
	req_free(r);
}

static int bind_addr(const char *hostport, struct sockaddr_storage *ss,
	socklen_t *len, struct jr_errbuf *eb)
{
	char host[JR_NODE_ADDR_MAX];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints, *res = NULL;
	int rc;

	if (colon == NULL || (size_t)(colon - hostport) >= sizeof host)
		return jr_errf(eb, JR_EINVAL, "http_address %s is not host:port", hostport);
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
	if ((rc = getaddrinfo(host, colon + 1, &hints, &res)) != 0 || res == NULL)
		return jr_errf(eb, JR_EINVAL, "http_address %s: %s", hostport,
			gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return JR_OK;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct jr_http *h = cls;
	char msg[512];

	(void)vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	jr_server_log(h->s, "http: %s", msg);
}

int jr_http_start(struct jr_server *s, struct jr_http **out, struct jr_errbuf *eb)
{
	struct jr_http *h;
	struct sockaddr_storage ss;
	socklen_t sl = 0;
	const union MHD_DaemonInfo *info;
	int rc;

	*out = NULL;
	if ((rc = bind_addr(s->cfg.http_address, &ss, &sl, eb)) != JR_OK)
		return rc;
	if ((h = calloc(1, sizeof *h)) == NULL ||
	    (h->uploads = calloc(s->cfg.max_uploads ? s->cfg.max_uploads : 1,
		     sizeof *h->uploads)) == NULL) {
		free(h);
		return jr_errf(eb, JR_ENOMEM, "no memory for the HTTP server");
	}
	h->s = s;
	if (jr_pubpage_new(s, &h->page) != JR_OK) {
		free(h->uploads);
		free(h);
		return jr_errf(eb, JR_ENOMEM, "no memory for the public page");
	}
	h->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
		0, NULL, NULL, on_request, h,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.idle_timeout_s,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_POOL_BYTES,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
		MHD_OPTION_END);
	if (h->d == NULL) {
		jr_pubpage_free(h->page);
		free(h->uploads);
		free(h);
		return jr_errf(eb, JR_EIO, "HTTP server: cannot listen on %s (in use, or "
			"not an address of this machine)", s->cfg.http_address);
	}
	info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);
	if (info == NULL || uv_poll_init(s->loop, &h->poll, info->epoll_fd) != 0 ||
	    uv_timer_init(s->loop, &h->timer) != 0) {
		MHD_stop_daemon(h->d);
		jr_pubpage_free(h->page);
		free(h->uploads);
		free(h);
		return jr_errf(eb, JR_EIO, "HTTP server: cannot join the event loop");
	}
	h->poll.data = h;
	h->timer.data = h;
	uploads_adopt(h);
	(void)uv_poll_start(&h->poll, UV_READABLE, on_poll);
	http_run(h);
	*out = h;
	(void)sl;
	return JR_OK;
}

/* Frees h once both of its handles have closed, in whichever order. */
static void handle_closed(uv_handle_t *hd)
{
	struct jr_http *h = hd->data;

	if (--h->open_handles == 0) {
		free(h->uploads);
		free(h);
	}
}

void jr_http_stop(struct jr_http *h)
{
	if (h == NULL)
		return;
	/* Everything waiting gets its answer now; whatever completes later
	 * frees itself (orphan). */
	while (h->waiting != NULL) {
		struct req *r = h->waiting;

		wait_del(h, r);
		set_error(r, 503, "unavailable", "the node is stopping; retry on another");
		r->suspended = false;
		MHD_resume_connection(r->conn);
	}
	for (int i = 0; i < 4; i++)
		(void)MHD_run(h->d);
	h->stopped = true;
	MHD_stop_daemon(h->d); /* unfinished uploads stay for the next start */
	jr_pubpage_free(h->page);
	h->page = NULL;
	(void)uv_poll_stop(&h->poll);
	h->open_handles = 2;
	uv_close((uv_handle_t *)&h->poll, handle_closed);
	uv_close((uv_handle_t *)&h->timer, handle_closed);
}

void jr_http_tick(struct jr_http *h)
{
	time_t now = time(NULL);

	if (h == NULL || h->stopped)
		return;
	for (unsigned i = 0; i < h->s->cfg.max_uploads; i++) {
		struct upload *u = &h->uploads[i];

		if (u->used && !u->busy && now - u->touched > UPLOAD_IDLE_S)
			upload_drop(h, u);
	}
}
