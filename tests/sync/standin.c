/*
 * standin: THE STAND-IN for jaring-node's HTTP API, for the network-link
 * tests only, until the node serves the same API (docs/http.md). It plays
 * the centre in-process with the library's own functions: a bundle upload
 * completed here is read whole (jr_bundle_reader_*), turned into one
 * upstream entry and applied with jr_centre_apply, on a state file of its
 * own. It serves what the tests' assertions rest on, with docs/http.md's
 * semantics: HEAD offsets, PUT pieces at the node's offset (409 otherwise),
 * the header checked once 512 bytes are in (422 and dropped), idempotency
 * by bundle id, the downstream GET with Range/If-Range, /v1/health. It does
 * not do Raft, acts, the log's tiles or generated downstream content: the
 * downstream bundle is a file the test puts at STATE/down/<kiosk hex>.jrb.
 *
 *   standin --state DIR --consortium-key FILE --kiosk KEYFILE [--kiosk ...]
 *           [--listen ADDR:PORT] [--port-file FILE] [--follower-of URL]
 *   standin --check DIR --consortium-key FILE --kiosk KEYFILE
 *
 * Everything it knows survives a SIGKILL: uploads are files under
 * STATE/up (bytes as they arrive, fsynced at the end of each piece),
 * applied bundles STATE/applied/<id> (length, then the answer), the
 * centre's SQLite file. With --follower-of it plays a follower: every PUT
 * and downstream GET is answered 307 to that leader, a HEAD 404. --check
 * prints the centre's view of the kiosk (stopped server only) as JSON.
 * Single-threaded (MHD's one internal polling thread), so callbacks never
 * race one another.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "jaring/block.h"
#include "jaring/bundle.h"
#include "jaring/centre.h"

#define MAX_KIOSKS 8
#define MAX_UPLOADS 16            /* unfinished, at once (docs/http.md caps) */
#define BUNDLE_MAX (UINT64_C(64) << 20)
#define PIECE_MAX ((uint64_t)4 << 20)
#define HEX_ID 65

struct slot {                     /* an unfinished upload being written */
	char id[HEX_ID];
	const void *owner;            /* the PUT allowed to write, or NULL */
};

struct node {
	const char *state;
	struct jr_key *cons;
	struct jr_pubkey kiosks[MAX_KIOSKS];
	size_t n_kiosks;
	struct jr_centre *centre;
	uint64_t log_seq;             /* entries applied: roster first */
	const char *leader;           /* follower mode */
	char self[96];
	struct slot slots[MAX_UPLOADS];
};

struct req {                      /* one request, across MHD's calls */
	bool put;
	int status;                   /* answer decided early (consume, then send) */
	char body[768];
	char extra[2][96];            /* extra headers "Name: value" */
	struct slot *slot;
	int fd;
	char id[HEX_ID];
	uint64_t pos, end, length;
	bool header_checked;
};

static _Noreturn void die(const char *what, const struct jr_errbuf *eb)
{
	fprintf(stderr, "standin: %s%s%s\n", what, eb ? ": " : "", eb ? eb->msg : "");
	exit(1);
}

static void path_of(const struct node *n, char *out, size_t len, const char *dir,
	const char *id, const char *ext)
{
	int k = snprintf(out, len, "%s/%s/%s%s", n->state, dir, id, ext);

	if (k < 0 || (size_t)k >= len)
		die("state path too long", NULL);
}

static bool hex_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[n] == '\0';
}

static void set_err(struct req *r, int status, const char *code, const char *fmt, ...)
	JR_PRINTF(4, 5);
static void set_err(struct req *r, int status, const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof msg, fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	r->status = status;
	if (snprintf(r->body, sizeof r->body, "{\"error\":\"%s\",\"message\":\"%s\"}", code,
		    msg) < 0)
		r->body[0] = '\0';
}

/* extra: "Name: value" header lines. */
static enum MHD_Result send_reply(struct MHD_Connection *c, int status, const char *body,
	const char *type, const char *const *extra, size_t n_extra)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(body),
		(void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;
	size_t i;

	if (resp == NULL)
		return MHD_NO;
	(void)MHD_add_response_header(resp, "Content-Type", type);
	for (i = 0; i < n_extra; i++) {
		char name[640], *colon;
		if (extra[i] == NULL || extra[i][0] == '\0')
			continue;
		snprintf(name, sizeof name, "%s", extra[i]);
		if ((colon = strchr(name, ':')) == NULL)
			continue;
		*colon = '\0';
		(void)MHD_add_response_header(resp, name, colon + 2);
	}
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_req(struct MHD_Connection *c, const struct req *r)
{
	const char *extra[2] = { r->extra[0], r->extra[1] };

	return send_reply(c, r->status, r->body, "application/json", extra, 2);
}

static enum MHD_Result reply_err(struct MHD_Connection *c, int status, const char *code,
	const char *msg)
{
	struct req r;

	memset(&r, 0, sizeof r);
	set_err(&r, status, code, "%s", msg);
	return reply_req(c, &r);
}

/* ---- the node's files ---- */

/* A small state file's text, NUL-terminated, into buf. */
static bool read_text(const char *path, char *buf, size_t n)
{
	struct jr_buf b = { 0 };

	if (jr_file_read(path, n - 1, &b, NULL) != JR_OK)
		return false;
	memcpy(buf, b.base, b.len);
	buf[b.len] = '\0';
	jr_buf_free(&b);
	return true;
}

static bool parse_u64(const char *s, uint64_t *v, const char **end)
{
	char *e;

	errno = 0;
	*v = strtoull(s, &e, 10);
	if (end != NULL)
		*end = e;
	return errno == 0 && e != s;
}

/* STATE/applied/<id>: the length, a newline, the answer, a newline. */
static bool applied_read(const struct node *n, const char *id, uint64_t *len, char *json,
	size_t jn)
{
	char path[4096], text[1024];
	const char *p;

	path_of(n, path, sizeof path, "applied", id, "");
	if (!read_text(path, text, sizeof text) || !parse_u64(text, len, &p) || *p != '\n')
		return false;
	snprintf(json, jn, "%s", p + 1);
	json[strcspn(json, "\n")] = '\0';
	return true;
}

static uint64_t up_size(const struct node *n, const char *id, bool *exists)
{
	char path[4096];
	struct stat st;

	path_of(n, path, sizeof path, "up", id, ".part");
	*exists = stat(path, &st) == 0;
	return *exists ? (uint64_t)st.st_size : 0;
}

static bool up_length(const struct node *n, const char *id, uint64_t *len)
{
	char path[4096], text[32];

	path_of(n, path, sizeof path, "up", id, ".len");
	return read_text(path, text, sizeof text) && parse_u64(text, len, NULL);
}

static void up_drop(const struct node *n, const char *id)
{
	char path[4096];

	path_of(n, path, sizeof path, "up", id, ".part");
	(void)unlink(path);
	path_of(n, path, sizeof path, "up", id, ".len");
	(void)unlink(path);
}

static int write_text(const char *path, const char *text)
{
	return jr_file_write_atomic(path, (const uint8_t *)text, strlen(text), 0644, NULL);
}

/* ---- checking and applying a bundle ---- */

static bool on_roster(const struct node *n, const uint8_t *pk)
{
	size_t i;

	for (i = 0; i < n->n_kiosks; i++)
		if (sodium_memcmp(n->kiosks[i].sign_pk, pk, JR_SIGN_PK_BYTES) == 0)
			return true;
	return false;
}

/* The first 512 bytes of the upload in fd, as docs/http.md lists. */
static bool check_header(const struct node *n, struct req *r)
{
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey cp;
	char hex[HEX_ID];

	jr_key_public(n->cons, &cp);
	if (pread(r->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
	    jr_bundle_header_decode(hdr, sizeof hdr, "upload", &h, &eb) != JR_OK ||
	    jr_bundle_header_verify(&h, "upload", &eb) != JR_OK) {
		set_err(r, 422, "refused", "bundle %.16s: %s", r->id, eb.msg);
		return false;
	}
	jr_hex(h.info.id, sizeof h.info.id, hex);
	if (strcmp(hex, r->id) != 0)
		set_err(r, 422, "refused", "the header's id is %.16s, not the URL's", hex);
	else if (h.info.kind != JR_BUNDLE_UPSTREAM)
		set_err(r, 422, "refused", "bundle %.16s is not an upstream bundle", r->id);
	else if (sodium_memcmp(h.info.recipient_id, cp.id, JR_ID_BYTES) != 0)
		set_err(r, 422, "refused", "bundle %.16s is not for this consortium's key", r->id);
	else if (!on_roster(n, h.info.sender_pk))
		set_err(r, 422, "refused", "bundle %.16s: its sender is not a kiosk on the roster",
			r->id);
	else if (r->length != JR_BUNDLE_HEADER_BYTES + h.info.body_len)
		set_err(r, 422, "refused", "Upload-Length %" PRIu64 " is not 512 + the body "
			"length %" PRIu64 " the header says", r->length, h.info.body_len);
	else
		return true;
	return false;
}

/* Reads the whole upload with the consortium key and applies its blocks as
 * one upstream entry. false with r->status/body set on a bundle to refuse. */
static bool apply_upload(struct node *n, struct req *r)
{
	struct jr_bundle_reader *rd = NULL;
	struct jr_bundle_info info;
	struct jr_buf blocks[JR_CENTRE_MAX_BLOCKS], entry = { 0 };
	struct jr_centre_result res;
	struct jr_centre_kiosk_state ks;
	struct jr_errbuf eb = { 0 };
	char path[4096], kid[33], text[800];
	size_t nb = 0, i;
	int kind, rc;

	if (lseek(r->fd, 0, SEEK_SET) != 0)
		die("lseek", NULL);
	rc = jr_bundle_reader_open_fd(r->fd, "upload", n->cons, NULL, &rd, &info, &eb);
	while (rc == JR_OK) {
		const uint8_t *p;
		size_t len;

		if ((rc = jr_bundle_reader_next(rd, &kind, &p, &len, &eb)) != JR_OK || kind == 0)
			break;
		if (kind != JR_ITEM_BLOCK)
			continue; /* a visit: not for the centre's entry */
		if (nb == JR_CENTRE_MAX_BLOCKS) {
			rc = jr_errf(&eb, JR_ETOOBIG, "more than %d blocks", JR_CENTRE_MAX_BLOCKS);
			break;
		}
		if ((blocks[nb].base = malloc(len)) == NULL)
			die("out of memory", NULL);
		memcpy(blocks[nb].base, p, len);
		blocks[nb++].len = len;
	}
	if (rc == JR_OK)
		rc = jr_bundle_reader_end(rd, &eb);
	jr_bundle_reader_free(rd);
	if (rc == JR_OK && (rc = jr_centre_upstream_entry(blocks, nb, &entry)) != JR_OK)
		jr_errf(&eb, rc, "cannot build the upstream entry");
	for (i = 0; i < nb; i++)
		jr_buf_free(&blocks[i]);
	if (rc != JR_OK) {
		set_err(r, 422, "refused", "bundle %.16s does not read whole: %s; it was dropped",
			r->id, eb.msg);
		return false;
	}
	if (jr_centre_apply(n->centre, entry.base, entry.len, &res, &eb) != JR_OK)
		die("jr_centre_apply", &eb);
	jr_buf_free(&entry);
	n->log_seq++;
	if (jr_centre_kiosk_state(n->centre, info.sender_id, &ks) != JR_OK)
		die("jr_centre_kiosk_state", NULL);
	jr_hex(info.sender_id, JR_ID_BYTES, kid);
	snprintf(r->body, sizeof r->body, "{\"bundle\":\"%s\",\"state\":\"applied\",\"index\":%"
		PRIu64 ",\"kiosk\":\"%s\",\"blocks\":%zu,\"blocks_applied\":%u,\"blocks_known\":%u,"
		"\"blocks_pending\":%u,\"blocks_refused\":%u,\"acked_height\":%" PRIu64 "}", r->id,
		n->log_seq, kid, nb, res.blocks_applied, res.blocks_known, res.blocks_pending,
		res.blocks_refused, ks.head);
	snprintf(path, sizeof path, "%s/log.seq", n->state);
	snprintf(text, sizeof text, "%" PRIu64 "\n", n->log_seq);
	if (write_text(path, text) != JR_OK)
		die("log.seq", NULL);
	snprintf(text, sizeof text, "%" PRIu64 "\n%s\n", r->length, r->body);
	path_of(n, path, sizeof path, "applied", r->id, "");
	if (write_text(path, text) != JR_OK)
		die("applied file", NULL);
	up_drop(n, r->id);
	r->status = 200;
	return true;
}

/* ---- PUT /v1/bundles/<id> ---- */

static struct slot *slot_for(struct node *n, const char *id, bool create)
{
	struct slot *free_slot = NULL;
	size_t i;
	bool exists;

	for (i = 0; i < MAX_UPLOADS; i++) {
		if (strcmp(n->slots[i].id, id) == 0)
			return &n->slots[i];
		/* a slot is free when no PUT owns it and its upload is gone */
		if (free_slot == NULL && n->slots[i].owner == NULL &&
		    (n->slots[i].id[0] == '\0' || (up_size(n, n->slots[i].id, &exists), !exists)))
			free_slot = &n->slots[i];
	}
	if (!create || free_slot == NULL)
		return NULL;
	snprintf(free_slot->id, sizeof free_slot->id, "%s", id);
	free_slot->owner = NULL;
	return free_slot;
}

static bool header_u64(struct MHD_Connection *c, const char *name, uint64_t *v)
{
	const char *s = MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

/* The first call of a PUT: decides whether its bytes may be written. */
static void put_begin(struct node *n, struct MHD_Connection *c, struct req *r)
{
	uint64_t off, k, cur, stored;
	char json[700], path[4096];
	bool exists;

	if (applied_read(n, r->id, &stored, json, sizeof json)) {
		r->status = 200;
		snprintf(r->body, sizeof r->body, "%s", json);
		return;
	}
	if (!header_u64(c, "Upload-Offset", &off) || !header_u64(c, "Upload-Length", &r->length) ||
	    !header_u64(c, "Content-Length", &k)) {
		set_err(r, 400, "bad-request", "a PUT needs Upload-Offset, Upload-Length and "
			"Content-Length");
		return;
	}
	if (r->length > BUNDLE_MAX || k > PIECE_MAX) {
		set_err(r, 413, "too-large", "a bundle is at most 64 MiB and a PUT body 4 MiB");
		return;
	}
	if (off > r->length || k > r->length - off || r->length < JR_BUNDLE_HEADER_BYTES) {
		set_err(r, 400, "bad-request", "bytes %" PRIu64 "+%" PRIu64 " do not fit a bundle "
			"of %" PRIu64, off, k, r->length);
		return;
	}
	cur = up_size(n, r->id, &exists);
	if (exists && up_length(n, r->id, &stored) && stored != r->length) {
		set_err(r, 400, "bad-request", "Upload-Length %" PRIu64 " is not the first PUT's %"
			PRIu64, r->length, stored);
		return;
	}
	if (off != cur) {
		set_err(r, 409, "bad-offset", "this upload is at offset %" PRIu64
			"; continue from there", cur);
		snprintf(r->body + strlen(r->body) - 1, sizeof r->body - strlen(r->body) + 1,
			",\"expected\":%" PRIu64 "}", cur);
		snprintf(r->extra[0], sizeof r->extra[0], "Upload-Offset: %" PRIu64, cur);
		return;
	}
	if ((r->slot = slot_for(n, r->id, true)) == NULL) {
		set_err(r, 503, "busy", "%d uploads are unfinished; retry later", MAX_UPLOADS);
		snprintf(r->extra[0], sizeof r->extra[0], "Retry-After: 1");
		return;
	}
	r->slot->owner = r; /* a newer PUT takes over from one whose client went away */
	if (!exists) {
		char text[32];
		snprintf(text, sizeof text, "%" PRIu64 "\n", r->length);
		path_of(n, path, sizeof path, "up", r->id, ".len");
		if (write_text(path, text) != JR_OK)
			die("upload length file", NULL);
	}
	path_of(n, path, sizeof path, "up", r->id, ".part");
	if ((r->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		die("upload file", NULL);
	r->pos = off;
	r->end = off + k;
	r->header_checked = off >= JR_BUNDLE_HEADER_BYTES;
}

static void put_data(struct node *n, struct req *r, const char *p, size_t len)
{
	if (r->status != 0 || r->fd < 0)
		return; /* decided already: the bytes are read and dropped */
	if (r->slot->owner != r) {
		set_err(r, 409, "bad-offset", "a newer PUT of this upload took over");
		return;
	}
	if (len > r->end - r->pos) {
		set_err(r, 400, "bad-request", "more bytes than Content-Length");
		return;
	}
	if (pwrite(r->fd, p, len, (off_t)r->pos) != (ssize_t)len)
		die("writing an upload", NULL);
	r->pos += len;
	if (!r->header_checked && r->pos >= JR_BUNDLE_HEADER_BYTES) {
		r->header_checked = true;
		if (!check_header(n, r)) {
			up_drop(n, r->id);
			r->slot->owner = NULL;
		}
	}
}

static void put_end(struct node *n, struct req *r)
{
	if (r->status != 0 || r->fd < 0)
		return;
	if (r->slot->owner != r) {
		set_err(r, 409, "bad-offset", "a newer PUT of this upload took over");
		return;
	}
	if (fsync(r->fd) != 0)
		die("fsync upload", NULL);
	if (r->pos == r->length) {
		/* the header again: a node that restarted may not have checked it */
		if (check_header(n, r) && apply_upload(n, r)) {
			r->slot->owner = NULL;
			return;
		}
		up_drop(n, r->id);
		r->slot->owner = NULL;
		return;
	}
	r->status = 200;
	snprintf(r->body, sizeof r->body, "{\"bundle\":\"%s\",\"state\":\"partial\",\"offset\":%"
		PRIu64 "}", r->id, r->pos);
}

/* ---- HEAD and GET ---- */

static enum MHD_Result head_bundle(struct node *n, struct MHD_Connection *c, const char *id)
{
	struct req r;
	char json[700];
	uint64_t len, size;
	bool exists;

	memset(&r, 0, sizeof r);
	if (applied_read(n, id, &len, json, sizeof json)) {
		snprintf(r.extra[0], sizeof r.extra[0], "Upload-Offset: %" PRIu64, len);
		snprintf(r.extra[1], sizeof r.extra[1], "Upload-Length: %" PRIu64, len);
		r.status = 200;
		snprintf(r.body, sizeof r.body, "%s", json);
		{
			const char *extra[3] = { r.extra[0], r.extra[1], "Bundle-State: applied" };
			return send_reply(c, 200, r.body, "application/json", extra, 3);
		}
	}
	size = up_size(n, id, &exists);
	if (!exists || n->leader != NULL)
		return reply_err(c, 404, "not-found", "no bytes of this bundle here: start at 0");
	if (!up_length(n, id, &len))
		len = 0;
	snprintf(r.extra[0], sizeof r.extra[0], "Upload-Offset: %" PRIu64, size);
	snprintf(r.extra[1], sizeof r.extra[1], "Upload-Length: %" PRIu64, len);
	r.status = 200;
	snprintf(r.body, sizeof r.body, "{\"bundle\":\"%s\",\"state\":\"partial\",\"offset\":%"
		PRIu64 "}", id, size);
	return reply_req(c, &r);
}

static enum MHD_Result get_bundle(struct node *n, struct MHD_Connection *c, const char *id)
{
	char json[700];
	uint64_t len;

	if (!applied_read(n, id, &len, json, sizeof json))
		return reply_err(c, 404, "not-found", "this bundle is not applied here");
	return send_reply(c, 200, json, "application/json", NULL, 0);
}

static enum MHD_Result get_downstream(struct node *n, struct MHD_Connection *c,
	const char *kid)
{
	char path[4096], etag[HEX_ID + 2], cr[96];
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_header h;
	struct MHD_Response *resp;
	const char *range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Range");
	const char *if_range = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-Range");
	uint64_t from = 0, size;
	struct stat st;
	enum MHD_Result ret;
	size_t i;
	bool known = false;
	int fd, status = 200;

	for (i = 0; i < n->n_kiosks; i++) {
		char h2[33];
		jr_hex(n->kiosks[i].id, JR_ID_BYTES, h2);
		known = known || strcmp(h2, kid) == 0;
	}
	if (!known)
		return reply_err(c, 404, "not-found", "this kiosk is not on the roster");
	path_of(n, path, sizeof path, "down", kid, ".jrb");
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return reply_err(c, 404, "not-found", "no downstream bundle for this kiosk yet");
	if (fstat(fd, &st) != 0 || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr ||
	    jr_bundle_header_decode(hdr, sizeof hdr, NULL, &h, NULL) != JR_OK) {
		close(fd);
		return reply_err(c, 503, "unavailable", "the downstream file is broken");
	}
	size = (uint64_t)st.st_size;
	etag[0] = '"';
	jr_hex(h.info.id, sizeof h.info.id, etag + 1);
	snprintf(etag + 65, sizeof etag - 65, "\"");
	if (range != NULL && strncmp(range, "bytes=", 6) == 0 &&
	    (if_range == NULL || strcmp(if_range, etag) == 0)) {
		char *end;
		from = strtoull(range + 6, &end, 10);
		if (*end != '-' || end[1] != '\0') {
			close(fd);
			return reply_err(c, 400, "bad-request", "only Range: bytes=N- is served");
		}
		if (from >= size) {
			close(fd);
			const char *extra[1] = { cr };
			snprintf(cr, sizeof cr, "Content-Range: bytes */%" PRIu64, size);
			return send_reply(c, 416, "{\"error\":\"bad-request\",\"message\":\"range "
				"beyond the bundle\"}", "application/json", extra, 1);
		}
		status = 206;
	}
	if ((resp = MHD_create_response_from_fd_at_offset64(size - from, fd, from)) == NULL) {
		close(fd);
		return MHD_NO;
	}
	(void)MHD_add_response_header(resp, "Content-Type", "application/octet-stream");
	(void)MHD_add_response_header(resp, "ETag", etag);
	if (status == 206) {
		snprintf(cr, sizeof cr, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, from, size - 1,
			size);
		(void)MHD_add_response_header(resp, "Content-Range", cr);
	}
	ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result health(struct node *n, struct MHD_Connection *c)
{
	uint8_t h[JR_HASH_BYTES];
	char hex[HEX_ID], body[512];

	if (n->leader != NULL) {
		snprintf(body, sizeof body, "{\"node\":2,\"role\":\"follower\",\"term\":1,\"leader\":"
			"\"%s\",\"applied\":0,\"commit\":0,\"diverged\":false}", n->leader);
		return send_reply(c, 200, body, "application/json", NULL, 0);
	}
	jr_centre_state_hash(n->centre, h);
	jr_hex(h, sizeof h, hex);
	snprintf(body, sizeof body, "{\"node\":1,\"role\":\"leader\",\"term\":1,\"leader\":\"%s\","
		"\"applied\":%" PRIu64 ",\"commit\":%" PRIu64 ",\"state_hash\":\"%s\",\"tree_size\":%"
		PRIu64 ",\"diverged\":false}", n->self, n->log_seq, n->log_seq, hex,
		jr_centre_tlog_size(n->centre));
	return send_reply(c, 200, body, "application/json", NULL, 0);
}

static enum MHD_Result redirect(struct node *n, struct MHD_Connection *c, const char *url)
{
	char loc[sizeof "Location: " + 512], body[300];
	const char *extra[1] = { loc };

	snprintf(loc, sizeof loc, "Location: %s%s", n->leader, url);
	snprintf(body, sizeof body, "{\"error\":\"not-leader\",\"leader\":\"%s\"}", n->leader);
	return send_reply(c, 307, body, "application/json", extra, 1);
}

/* ---- dispatch ---- */

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
	const char *method, const char *version, const char *upload_data, size_t *upload_size,
	void **con_cls)
{
	struct node *n = cls;
	struct req *r = *con_cls;
	const char *id = NULL;

	(void)version;
	if (strncmp(url, "/v1/bundles/", 12) == 0)
		id = url + 12;
	if (r == NULL && strcmp(method, "PUT") == 0 && id != NULL) {
		if ((r = calloc(1, sizeof *r)) == NULL)
			return MHD_NO;
		r->put = true;
		r->fd = -1;
		*con_cls = r;
		snprintf(r->id, sizeof r->id, "%.64s", id);
		if (strlen(id) != 64 || !hex_ok(id, 64))
			set_err(r, 400, "bad-id", "a bundle id is 64 lower-case hex digits");
		else if (n->leader != NULL)
			r->status = 307;
		else
			put_begin(n, c, r);
		return MHD_YES;
	}
	if (r != NULL && r->put) {
		if (*upload_size > 0) {
			put_data(n, r, upload_data, *upload_size);
			*upload_size = 0;
			return MHD_YES;
		}
		if (r->status == 307)
			return redirect(n, c, url);
		put_end(n, r);
		return reply_req(c, r);
	}
	if (id != NULL && strcmp(method, "HEAD") == 0)
		return strlen(id) == 64 && hex_ok(id, 64) ? head_bundle(n, c, id) :
			reply_err(c, 400, "bad-id", "a bundle id is 64 lower-case hex digits");
	if (id != NULL && strcmp(method, "GET") == 0)
		return strlen(id) == 64 && hex_ok(id, 64) ? get_bundle(n, c, id) :
			reply_err(c, 400, "bad-id", "a bundle id is 64 lower-case hex digits");
	if (strncmp(url, "/v1/kiosks/", 11) == 0 && strcmp(method, "GET") == 0) {
		char kid[40];
		const char *rest = url + 11;
		if (strlen(rest) != 32 + strlen("/downstream") || strcmp(rest + 32, "/downstream") != 0)
			return reply_err(c, 404, "not-found", "no such path");
		snprintf(kid, sizeof kid, "%.32s", rest);
		if (!hex_ok(kid, 32))
			return reply_err(c, 400, "bad-id", "a kiosk id is 32 lower-case hex digits");
		return n->leader != NULL ? redirect(n, c, url) : get_downstream(n, c, kid);
	}
	if (strcmp(url, "/v1/health") == 0 && strcmp(method, "GET") == 0)
		return health(n, c);
	if (id != NULL)
		return reply_err(c, 405, "method", "HEAD, PUT or GET");
	return reply_err(c, 404, "not-found", "no such path");
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	(void)cls;
	(void)c;
	(void)toe; /* a cut PUT keeps the bytes it wrote: HEAD reports them */
	if (r == NULL)
		return;
	if (r->slot != NULL && r->slot->owner == r)
		r->slot->owner = NULL;
	if (r->fd >= 0) {
		(void)fsync(r->fd);
		close(r->fd);
	}
	free(r);
	*con_cls = NULL;
}

/* ---- start ---- */

static void open_centre(struct node *n)
{
	struct jr_centre_kiosk k[MAX_KIOSKS];
	uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES];
	struct jr_policy pol;
	struct jr_errbuf eb = { 0 };
	struct jr_buf e = { 0 }, seq = { 0 };
	char path[4096], dirs[3][4096];
	bool fresh;
	size_t i;
	struct stat st;

	snprintf(dirs[0], sizeof dirs[0], "%s/up", n->state);
	snprintf(dirs[1], sizeof dirs[1], "%s/applied", n->state);
	snprintf(dirs[2], sizeof dirs[2], "%s/down", n->state);
	if (mkdir(n->state, 0755) != 0 && errno != EEXIST)
		die("cannot create the state folder", NULL);
	for (i = 0; i < 3; i++)
		if (mkdir(dirs[i], 0755) != 0 && errno != EEXIST)
			die("cannot create a state folder", NULL);
	snprintf(path, sizeof path, "%s/centre.db", n->state);
	fresh = stat(path, &st) != 0;
	/* A fixed pseudonym key: the stand-in's state must survive restarts. */
	memset(pkey, 0x5a, sizeof pkey);
	jr_policy_default(&pol);
	if (jr_centre_open(path, n->cons, pkey, &pol, &n->centre, &eb) != JR_OK)
		die("jr_centre_open", &eb);
	if (fresh) {
		for (i = 0; i < n->n_kiosks; i++) {
			memcpy(k[i].sign_pk, n->kiosks[i].sign_pk, JR_SIGN_PK_BYTES);
			k[i].village = 3328101008;
			k[i].revoked_from = 0;
		}
		if (jr_centre_roster_entry(n->cons, 1, k, n->n_kiosks, &e) != JR_OK ||
		    jr_centre_apply(n->centre, e.base, e.len, NULL, &eb) != JR_OK)
			die("the roster entry", &eb);
		jr_buf_free(&e);
		snprintf(path, sizeof path, "%s/log.seq", n->state);
		if (write_text(path, "1\n") != JR_OK)
			die("log.seq", NULL);
	}
	snprintf(path, sizeof path, "%s/log.seq", n->state);
	if (jr_file_read(path, 32, &seq, &eb) != JR_OK)
		die("log.seq", &eb);
	n->log_seq = strtoull((const char *)seq.base, NULL, 10);
	jr_buf_free(&seq);
}

static int check(struct node *n)
{
	struct jr_centre_kiosk_state ks;
	uint8_t h[JR_HASH_BYTES];
	char hex[HEX_ID];

	open_centre(n);
	if (jr_centre_kiosk_state(n->centre, n->kiosks[0].id, &ks) != JR_OK)
		die("jr_centre_kiosk_state", NULL);
	jr_centre_state_hash(n->centre, h);
	jr_hex(h, sizeof h, hex);
	printf("{\"head\":%" PRIu64 ",\"pending\":%" PRIu64 ",\"refusals\":%" PRIu64
		",\"evidence\":%" PRIu64 ",\"tree_size\":%" PRIu64 ",\"entries\":%" PRIu64
		",\"state_hash\":\"%s\"}\n", ks.head, ks.pending, ks.refusals, ks.evidence,
		jr_centre_tlog_size(n->centre), n->log_seq, hex);
	jr_centre_close(n->centre);
	return 0;
}

static void usage(void)
{
	fputs("usage: standin --state DIR --consortium-key FILE --kiosk KEYFILE [--kiosk ...]\n"
		"               [--listen ADDR:PORT] [--port-file FILE] [--follower-of URL]\n"
		"       standin --check DIR --consortium-key FILE --kiosk KEYFILE\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	static struct node n;
	struct jr_errbuf eb = { 0 };
	struct sockaddr_in sa;
	const char *listen = "127.0.0.1:0", *port_file = NULL, *cons = NULL, *chk = NULL;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	sigset_t set;
	char addr[64], *colon;
	int i, sig;

	if (jr_init() != JR_OK)
		die("jr_init", NULL);
	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--state") == 0)
			n.state = argv[i + 1];
		else if (strcmp(argv[i], "--check") == 0)
			n.state = chk = argv[i + 1];
		else if (strcmp(argv[i], "--consortium-key") == 0)
			cons = argv[i + 1];
		else if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--port-file") == 0)
			port_file = argv[i + 1];
		else if (strcmp(argv[i], "--follower-of") == 0)
			n.leader = argv[i + 1];
		else if (strcmp(argv[i], "--kiosk") == 0 && n.n_kiosks < MAX_KIOSKS) {
			if (jr_key_load_public(argv[i + 1], &n.kiosks[n.n_kiosks++], &eb) != JR_OK)
				die("--kiosk", &eb);
		} else
			usage();
	}
	if (i != argc || n.state == NULL || cons == NULL || n.n_kiosks == 0)
		usage();
	if (jr_key_load(cons, &n.cons, &eb) != JR_OK)
		die("--consortium-key", &eb);
	if (chk != NULL)
		return check(&n);
	snprintf(addr, sizeof addr, "%s", listen);
	if ((colon = strrchr(addr, ':')) == NULL)
		usage();
	*colon = '\0';
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)strtoul(colon + 1, NULL, 10));
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		usage();
	if (n.leader == NULL)
		open_centre(&n);
	/* The signals go to the main thread's sigwait, not MHD's thread. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
		handler, &n, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_NOTIFY_COMPLETED, completed, &n,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024), MHD_OPTION_END);
	if (d == NULL)
		die("cannot listen", NULL);
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(n.self, sizeof n.self, "http://%s:%u", addr, info ? info->port : 0);
	if (port_file != NULL) {
		char text[16];
		snprintf(text, sizeof text, "%u\n", info ? info->port : 0);
		if (write_text(port_file, text) != JR_OK)
			die("--port-file", NULL);
	}
	(void)sigwait(&set, &sig);
	MHD_stop_daemon(d);
	if (n.centre != NULL)
		jr_centre_close(n.centre);
	jr_key_free(n.cons);
	return 0;
}
