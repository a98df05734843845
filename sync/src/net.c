/*
 * The network link's HTTP client (jaring/net.h): docs/http.md's upload and
 * downstream, over libcurl. One easy handle per client, reset before each
 * request so nothing of one request leaks into the next, its connection
 * cache kept so pieces reuse one TCP connection.
 *
 * Every operation is a loop of attempts. An attempt that fails in a way a
 * later one may not (no connection, a cut, a stall, 5xx, 503 busy, a second
 * 307) sleeps a backoff and tries again; the offset is then asked of the
 * node again, never assumed. What the node says is truth: HEAD's
 * Upload-Offset, a 409's "expected", a PUT's "offset".
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "jaring/net.h"

#define BODY_MAX 4096 /* an answer's JSON, at most; the rest is dropped */
#define SLICE_MS 50   /* how often a backoff looks at cancelled() */
#define HEX_ID (2 * JR_HASH_BYTES + 1)

struct jr_net_client {
	CURL *h;
	struct jr_net_opts o;
	char base[JR_NET_URL_MAX];
	struct jr_net_stats st;
	enum jr_net_why why;
	double t0, deadline;
	unsigned fails;   /* attempts in a row that failed without progress */
	unsigned tries;   /* attempts of this operation */
	long retry_after; /* seconds the last answer asked to wait */
	long status;      /* HTTP status of the last answer, 0 if none */
};

/* A download in progress into a file (jr_net_pull_downstream). */
struct dl {
	int fd;
	uint64_t have;     /* bytes in the file, where the next byte goes */
	bool started;      /* this response's first body byte was seen */
	bool hdr_ok;
	bool replaced;
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	struct jr_bundle_info info;
	uint64_t total;    /* 512 + body length once hdr_ok */
	const uint8_t *kiosk_id;
	bool fatal;        /* the bytes are not what we may keep: stop, no retry */
	int io_err;        /* errno of a local write failure */
	struct jr_errbuf eb;
};

/* One HTTP request and its answer (large members last, for packing). */
struct xfer {
	struct jr_net_client *c;
	const char *method;         /* "HEAD", "PUT", "GET" */
	struct dl *dl;
	/* PUT body: in_len bytes of in_fd from in_off */
	uint64_t in_off, in_len, in_done;
	uint64_t range_from;        /* GET: Range from here if if_range[0] */
	uint64_t prog_base, prog_total;
	double moved_at;            /* when a byte last moved either way */
	curl_off_t moved;           /* bytes moved either way by then */
	int64_t upload_offset, upload_length, range_start;
	long status;
	long retry_after;
	size_t body_len;
	CURLcode cc;
	int in_fd;
	bool redirected;
	bool stalled;               /* aborted: nothing moved for timeout_s */
	bool applied;
	char if_range[HEX_ID + 2];
	char path[160];
	char location[JR_NET_URL_MAX];
	char cerr[CURL_ERROR_SIZE];
	char body[BODY_MAX + 1];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int jr_net_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? JR_OK : JR_EINTERNAL;
}

void jr_net_cleanup(void)
{
	curl_global_cleanup();
}

static bool url_ok(const char *u)
{
	size_t n = strlen(u);

	return n < JR_NET_URL_MAX && (strncmp(u, "http://", 7) == 0 ||
		strncmp(u, "https://", 8) == 0) && strchr(u, ' ') == NULL;
}

static void set_base(struct jr_net_client *c, const char *u, size_t n)
{
	while (n > 0 && u[n - 1] == '/')
		n--;
	memcpy(c->base, u, n);
	c->base[n] = '\0';
}

int jr_net_client_new(const struct jr_net_opts *o, struct jr_net_client **out,
	struct jr_errbuf *eb)
{
	struct jr_net_client *c;

	*out = NULL;
	if (o == NULL || o->url == NULL || !url_ok(o->url))
		return jr_errf(eb, JR_EINVAL, "node address '%s' is not an http:// or https:// "
			"URL of at most %d characters: give it as http://host:port",
			o && o->url ? o->url : "", JR_NET_URL_MAX - 1);
	if (o->piece_bytes > JR_NET_PIECE_MAX)
		return jr_errf(eb, JR_EINVAL, "piece size %zu is above %zu bytes", o->piece_bytes,
			JR_NET_PIECE_MAX);
	if ((c = calloc(1, sizeof *c)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory for the network client");
	if ((c->h = curl_easy_init()) == NULL) {
		free(c);
		return jr_errf(eb, JR_ENOMEM, "cannot start libcurl");
	}
	c->o = *o;
	c->o.url = NULL; /* c->base holds it */
	if (c->o.timeout_s == 0)
		c->o.timeout_s = JR_NET_TIMEOUT_DEFAULT;
	if (!c->o.retries_set)
		c->o.retries = JR_NET_RETRIES_DEFAULT;
	if (c->o.max_time_s == 0)
		c->o.max_time_s = JR_NET_MAX_TIME_DEFAULT;
	if (c->o.backoff_ms == 0)
		c->o.backoff_ms = JR_NET_BACKOFF_MS_DEFAULT;
	if (c->o.backoff_cap_ms == 0)
		c->o.backoff_cap_ms = JR_NET_BACKOFF_CAP_MS_DEFAULT;
	if (c->o.piece_bytes == 0)
		c->o.piece_bytes = JR_NET_PIECE_DEFAULT;
	set_base(c, o->url, strlen(o->url));
	jr_net_client_reset_clock(c);
	*out = c;
	return JR_OK;
}

void jr_net_client_free(struct jr_net_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->h);
	free(c);
}

const struct jr_net_stats *jr_net_client_stats(const struct jr_net_client *c)
{
	return &c->st;
}

enum jr_net_why jr_net_client_why(const struct jr_net_client *c)
{
	return c->why;
}

long jr_net_client_status(const struct jr_net_client *c)
{
	return c->status;
}

const char *jr_net_client_url(const struct jr_net_client *c)
{
	return c->base;
}

void jr_net_client_set_progress(struct jr_net_client *c,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx)
{
	c->o.progress = progress;
	c->o.progress_ctx = ctx;
}

static bool cancelled(const struct jr_net_client *c)
{
	return c->o.cancelled != NULL && c->o.cancelled(c->o.cancel_ctx);
}

void jr_net_client_reset_clock(struct jr_net_client *c)
{
	c->t0 = now_s();
	c->deadline = c->t0 + (double)c->o.max_time_s;
}

/* One operation: its own count of failures, the client's clock. */
static void begin(struct jr_net_client *c)
{
	c->fails = 0;
	c->tries = 0;
	c->why = JR_NET_OK;
}

/* ---- tiny readers of the node's flat JSON objects ---- */

static const char *json_at(const char *b, const char *key)
{
	char pat[48];
	const char *p;
	int n = snprintf(pat, sizeof pat, "\"%s\":", key);

	if (n < 0 || (size_t)n >= sizeof pat || (p = strstr(b, pat)) == NULL)
		return NULL;
	p += n;
	while (*p == ' ')
		p++;
	return p;
}

static bool json_u64(const char *b, const char *key, uint64_t *v)
{
	const char *p = json_at(b, key);
	uint64_t x = 0;

	if (p == NULL || *p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - 9) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*v = x;
	return true;
}

/* A string value without escapes (the node's codes, URLs and sentences). */
static bool json_str(const char *b, const char *key, char *out, size_t n)
{
	const char *p = json_at(b, key), *e;

	if (p == NULL || *p != '"')
		return false;
	p++;
	for (e = p; *e != '\0' && *e != '"'; e++)
		if (*e == '\\' && e[1] != '\0')
			e++;
	if (*e != '"' || (size_t)(e - p) >= n)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

/* ---- libcurl callbacks ---- */

static bool header_is(const char *line, size_t n, const char *name, const char **val)
{
	size_t k = strlen(name);

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return false;
	*val = line + k + 1;
	while (**val == ' ' || **val == '\t')
		(*val)++;
	return true;
}

static int64_t parse_i64(const char *v)
{
	char *end;
	long long x;

	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno != 0 || end == v || x < 0)
		return -1;
	return (int64_t)x;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	char line[JR_NET_URL_MAX + 64];
	size_t len = size * n, k = len < sizeof line - 1 ? len : sizeof line - 1;
	const char *v;

	memcpy(line, p, k);
	line[k] = '\0';
	while (k > 0 && (line[k - 1] == '\r' || line[k - 1] == '\n'))
		line[--k] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		const char *sp = strchr(line, ' ');
		x->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->upload_offset = x->upload_length = x->range_start = -1;
		x->applied = false;
		x->retry_after = 0;
		x->location[0] = '\0';
	} else if (header_is(line, k, "Upload-Offset", &v)) {
		x->upload_offset = parse_i64(v);
	} else if (header_is(line, k, "Upload-Length", &v)) {
		x->upload_length = parse_i64(v);
	} else if (header_is(line, k, "Bundle-State", &v)) {
		x->applied = strcmp(v, "applied") == 0;
	} else if (header_is(line, k, "Retry-After", &v)) {
		x->retry_after = strtol(v, NULL, 10);
	} else if (header_is(line, k, "Location", &v)) {
		snprintf(x->location, sizeof x->location, "%s", v);
	} else if (header_is(line, k, "Content-Range", &v)) {
		if (strncmp(v, "bytes ", 6) == 0)
			x->range_start = parse_i64(v + 6);
	}
	return len;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t want = size * n;
	ssize_t k;

	if (x->in_done >= x->in_len)
		return 0;
	if (want > x->in_len - x->in_done)
		want = (size_t)(x->in_len - x->in_done);
	k = pread(x->in_fd, p, want, (off_t)(x->in_off + x->in_done));
	if (k <= 0)
		return CURL_READFUNC_ABORT;
	x->in_done += (uint64_t)k;
	return (size_t)k;
}

static int dl_fatal(struct dl *d, int code, const char *msg)
{
	d->fatal = true;
	jr_errclear(&d->eb);
	return jr_errf(&d->eb, code, "%s", msg);
}

/* The first 512 bytes of a downstream bundle: decode, verify, and check
 * kind, sender, recipient and length before keeping another byte. */
static int dl_check_header(struct dl *d)
{
	struct jr_bundle_header h;
	struct jr_errbuf eb = { 0 };

	if (jr_bundle_header_decode(d->hdr, sizeof d->hdr, "downstream bundle", &h, &eb) != JR_OK ||
	    jr_bundle_header_verify(&h, "downstream bundle", &eb) != JR_OK)
		return dl_fatal(d, JR_EFORMAT, eb.msg);
	if (h.info.kind != JR_BUNDLE_DOWNSTREAM)
		return dl_fatal(d, JR_EFORMAT, "the node sent a bundle that is not downstream");
	/* Its sender is not checked against the pinned key here: after a key
	 * rotation it is the key the latest roster names, which the kiosk's
	 * downstream reader takes only through the roster chain the bundle
	 * carries (docs/sync.md "Download"). */
	if (sodium_memcmp(h.info.recipient_id, d->kiosk_id, JR_ID_BYTES) != 0)
		return dl_fatal(d, JR_EKEY, "the downstream bundle is for another kiosk");
	if (h.info.body_len > JR_NET_BUNDLE_MAX - JR_BUNDLE_HEADER_BYTES)
		return dl_fatal(d, JR_ETOOBIG, "the downstream bundle is above 64 MiB");
	d->info = h.info;
	d->total = JR_BUNDLE_HEADER_BYTES + h.info.body_len;
	d->hdr_ok = true;
	return JR_OK;
}

static size_t dl_write(struct xfer *x, const char *p, size_t len)
{
	struct dl *d = x->dl;
	size_t done = 0;

	if (!d->started) {
		d->started = true;
		if (x->status == 206 && x->range_start != (int64_t)d->have) {
			/* not the range asked for: the next attempt starts afresh */
			if (ftruncate(d->fd, 0) != 0)
				d->io_err = errno;
			return 0;
		}
		if (x->status == 200) {
			d->replaced = d->have > 0;
			d->have = 0;
			d->hdr_ok = false;
			if (ftruncate(d->fd, 0) != 0) {
				d->io_err = errno;
				return 0;
			}
		}
	}
	while (done < len) {
		size_t k = len - done;
		ssize_t w;

		if (!d->hdr_ok && k > JR_BUNDLE_HEADER_BYTES - d->have)
			k = (size_t)(JR_BUNDLE_HEADER_BYTES - d->have);
		if (d->hdr_ok && d->have + k > d->total) {
			dl_fatal(d, JR_EFORMAT, "the node sent more bytes than the "
				"downstream bundle's header says");
			return 0;
		}
		if (!d->hdr_ok)
			memcpy(d->hdr + d->have, p + done, k);
		w = pwrite(d->fd, p + done, k, (off_t)d->have);
		if (w != (ssize_t)k) {
			d->io_err = w < 0 ? errno : ENOSPC;
			return 0;
		}
		d->have += k;
		done += k;
		x->c->st.received += k;
		if (!d->hdr_ok && d->have == JR_BUNDLE_HEADER_BYTES && dl_check_header(d) != JR_OK)
			return 0;
	}
	return len;
}

static size_t on_write(char *p, size_t size, size_t n, void *ctx)
{
	struct xfer *x = ctx;
	size_t len = size * n, k;

	if (x->dl != NULL && (x->status == 200 || x->status == 206))
		return dl_write(x, p, len);
	k = len < BODY_MAX - x->body_len ? len : BODY_MAX - x->body_len;
	memcpy(x->body + x->body_len, p, k);
	x->body_len += k;
	x->body[x->body_len] = '\0';
	return len;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
	curl_off_t ulnow)
{
	struct xfer *x = ctx;
	struct jr_net_client *c = x->c;

	(void)dltotal;
	(void)ultotal;
	if (cancelled(c))
		return 1;
	/* libcurl calls this at least once a second, also while nothing moves. */
	if (dlnow + ulnow != x->moved) {
		x->moved = dlnow + ulnow;
		x->moved_at = now_s();
	} else if (now_s() - x->moved_at > (double)c->o.timeout_s) {
		x->stalled = true;
		return 1;
	}
	if (c->o.progress != NULL) {
		uint64_t total = x->dl ? (x->dl->hdr_ok ? x->dl->total : 0) : x->prog_total;
		uint64_t done = x->dl ? x->dl->have : x->prog_base + (uint64_t)ulnow;
		if (total > 0)
			c->o.progress(c->o.progress_ctx, done < total ? done : total, total);
	}
	return 0;
}

/* ---- one request ---- */

static struct curl_slist *add_hdr(struct curl_slist *l, bool *ok, const char *fmt, ...)
	JR_PRINTF(3, 4);
static struct curl_slist *add_hdr(struct curl_slist *l, bool *ok, const char *fmt, ...)
{
	char line[256];
	struct curl_slist *n;
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= sizeof line || (n = curl_slist_append(l, line)) == NULL) {
		*ok = false;
		return l;
	}
	return n;
}

static void perform_once(struct xfer *x)
{
	struct jr_net_client *c = x->c;
	CURL *h = c->h;
	struct curl_slist *hl = NULL;
	char url[JR_NET_URL_MAX + sizeof x->path];
	double left = c->deadline - now_s();
	bool ok = true;
	int n;

	x->status = 0;
	x->body_len = 0;
	x->body[0] = '\0';
	x->cerr[0] = '\0';
	x->in_done = 0;
	x->moved = 0;
	x->moved_at = now_s();
	x->stalled = false;
	x->upload_offset = x->upload_length = x->range_start = -1;
	if (x->dl != NULL)
		x->dl->started = false;
	n = snprintf(url, sizeof url, "%s%s", c->base, x->path);
	if (n < 0 || (size_t)n >= sizeof url) {
		x->cc = CURLE_URL_MALFORMAT;
		return;
	}
	curl_easy_reset(h);
	hl = add_hdr(hl, &ok, "%s", "Expect:");
	if (strcmp(x->method, "PUT") == 0) {
		hl = add_hdr(hl, &ok, "Upload-Offset: %" PRIu64, x->in_off);
		hl = add_hdr(hl, &ok, "Upload-Length: %" PRIu64, x->prog_total);
		hl = add_hdr(hl, &ok, "%s", "Content-Type: application/octet-stream");
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->in_len);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
	} else if (strcmp(x->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	}
	if (x->if_range[0] != '\0') {
		hl = add_hdr(hl, &ok, "Range: bytes=%" PRIu64 "-", x->range_from);
		hl = add_hdr(hl, &ok, "If-Range: %s", x->if_range);
	}
	if (!ok) {
		curl_slist_free_all(hl);
		x->cc = CURLE_OUT_OF_MEMORY;
		return;
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)c->o.timeout_s * 1000L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, left > 0.001 ? (long)(left * 1000.0) : 1L);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, x->cerr);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "jaring-sync/0.1");
	c->st.requests++;
	x->cc = curl_easy_perform(h);
	c->status = x->cc == CURLE_OK ? x->status : 0;
	if (strcmp(x->method, "PUT") == 0)
		c->st.sent += x->in_done;
	curl_slist_free_all(hl);
}

/* A 307's Location is the same path on the leader: the base is what comes
 * before the path ("leader" of the JSON body if it does not end so). */
static bool take_leader(struct xfer *x)
{
	size_t n = strlen(x->location), p = strlen(x->path);
	char leader[JR_NET_URL_MAX];

	if (n > p && strcmp(x->location + n - p, x->path) == 0 && url_ok(x->location)) {
		set_base(x->c, x->location, n - p);
		return true;
	}
	if (json_str(x->body, "leader", leader, sizeof leader) && url_ok(leader)) {
		set_base(x->c, leader, strlen(leader));
		return true;
	}
	return false;
}

static void perform(struct xfer *x)
{
	x->redirected = false;
	perform_once(x);
	if (x->cc == CURLE_OK && x->status == 307 && take_leader(x)) {
		x->c->st.redirects++;
		x->redirected = true;
		perform_once(x);
	}
}

/* ---- outcomes and backoff ---- */

enum verdict { V_OK, V_RETRY, V_STOP };

/* Sorts an answer: V_OK for 2xx (and 404/409 the caller reads), V_RETRY
 * with *what for what a later attempt may change, V_STOP for a refusal
 * (eb set, why = REFUSED or CANCELLED or LOCAL). */
static enum verdict judge(struct xfer *x, char *what, size_t wn, struct jr_errbuf *eb)
{
	struct jr_net_client *c = x->c;
	char msg[JR_ERRMSG_MAX], code[32];

	if (x->cc == CURLE_ABORTED_BY_CALLBACK && cancelled(c)) {
		c->why = JR_NET_CANCELLED;
		jr_errclear(eb);
		jr_errf(eb, JR_EIO, "cancelled");
		return V_STOP;
	}
	if (x->dl != NULL && x->dl->fatal) {
		c->why = JR_NET_LOCAL;
		jr_errclear(eb);
		jr_errf(eb, x->dl->eb.code ? x->dl->eb.code : JR_EFORMAT, "%s", x->dl->eb.msg);
		return V_STOP;
	}
	if (x->dl != NULL && x->dl->io_err != 0) {
		c->why = JR_NET_LOCAL;
		jr_errclear(eb);
		jr_errf(eb, JR_EIO, "cannot write the download: %s", strerror(x->dl->io_err));
		return V_STOP;
	}
	if (x->cc == CURLE_ABORTED_BY_CALLBACK && x->stalled) {
		snprintf(what, wn, "%s %s: no byte moved for %u s (--timeout)", x->method, x->path,
			c->o.timeout_s);
		return V_RETRY;
	}
	if (x->cc != CURLE_OK) {
		snprintf(what, wn, "%s", x->cerr[0] ? x->cerr : curl_easy_strerror(x->cc));
		return V_RETRY;
	}
	if ((x->status >= 200 && x->status < 300) || x->status == 404 || x->status == 409)
		return V_OK;
	if (!json_str(x->body, "message", msg, sizeof msg))
		snprintf(msg, sizeof msg, "no explanation given");
	if (!json_str(x->body, "error", code, sizeof code))
		snprintf(code, sizeof code, "HTTP %ld", x->status);
	if (x->status == 307 || x->status == 408 || x->status == 429 || x->status >= 500) {
		c->retry_after = x->retry_after;
		if (snprintf(what, wn, "%s %s: %ld %s: %.300s", x->method, x->path, x->status,
			    code, msg) < 0)
			what[0] = '\0';
		return V_RETRY;
	}
	c->why = JR_NET_REFUSED;
	jr_errclear(eb);
	jr_errf(eb, JR_EINVAL, "node %s refused %s %s (%ld %s): %s", c->base, x->method,
		x->path, x->status, code, msg);
	return V_STOP;
}

/* After a failed attempt: sleeps a backoff (full jitter: uniform in 0 ..
 * min(cap, base * 2^(failures-1))), at least a Retry-After, and returns
 * true; or returns false with eb set once attempts or time are used up or
 * the caller cancels. */
static bool backoff(struct jr_net_client *c, const char *what, struct jr_errbuf *eb)
{
	uint64_t cap = c->o.backoff_ms, ms;
	long retry_after = c->retry_after;
	double until;

	c->retry_after = 0;
	c->fails++;
	if (c->fails > c->o.retries) {
		c->why = JR_NET_GAVE_UP;
		jr_errclear(eb);
		jr_errf(eb, JR_EIO, "node %s: %s; gave up after %u attempts in %.1f s "
			"(--retries %u)", c->base, what, c->tries, now_s() - c->t0, c->o.retries);
		return false;
	}
	for (unsigned i = 1; i < c->fails && cap < c->o.backoff_cap_ms; i++)
		cap *= 2;
	if (cap > c->o.backoff_cap_ms)
		cap = c->o.backoff_cap_ms;
	ms = randombytes_uniform((uint32_t)cap + 1);
	if (retry_after > 0 && (uint64_t)retry_after * 1000 > ms)
		ms = (uint64_t)retry_after * 1000;
	until = now_s() + (double)ms / 1000.0;
	if (until >= c->deadline) {
		c->why = JR_NET_GAVE_UP;
		jr_errclear(eb);
		jr_errf(eb, JR_EIO, "node %s: %s; gave up after %u attempts: the time limit of "
			"%u s (--max-time) would pass before the next", c->base, what, c->tries,
			c->o.max_time_s);
		return false;
	}
	if (c->o.note != NULL) {
		char line[JR_ERRMSG_MAX + 64];
		snprintf(line, sizeof line, "retrying in %.1f s (failure %u of at most %u in a "
			"row): %s", (double)ms / 1000.0, c->fails, c->o.retries, what);
		c->o.note(c->o.note_ctx, line);
	}
	c->st.retries++;
	for (;;) {
		double left = until - now_s();
		struct timespec ts = { 0, SLICE_MS * 1000000L };

		if (cancelled(c)) {
			c->why = JR_NET_CANCELLED;
			jr_errclear(eb);
			jr_errf(eb, JR_EIO, "cancelled");
			return false;
		}
		if (left <= 0)
			return true;
		if (left < SLICE_MS / 1000.0)
			ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* ---- upload ---- */

struct up {
	int fd;
	uint64_t len;
	char id[HEX_ID];
	struct jr_bundle_info info;
};

static int up_open(const char *path, struct up *u, struct jr_errbuf *eb)
{
	struct jr_bundle_header h;
	uint8_t hdr[JR_BUNDLE_HEADER_BYTES];
	struct stat st;
	int rc;

	if ((u->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return jr_errf(eb, JR_EIO, "cannot open bundle %s: %s", path, strerror(errno));
	if (fstat(u->fd, &st) != 0 || pread(u->fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		rc = jr_errf(eb, JR_EFORMAT, "bundle %s is shorter than its header", path);
		goto fail;
	}
	if ((rc = jr_bundle_header_decode(hdr, sizeof hdr, path, &h, eb)) != JR_OK ||
	    (rc = jr_bundle_header_verify(&h, path, eb)) != JR_OK)
		goto fail;
	u->info = h.info;
	u->len = JR_BUNDLE_HEADER_BYTES + h.info.body_len;
	if ((uint64_t)st.st_size != u->len || u->len > JR_NET_BUNDLE_MAX) {
		rc = jr_errf(eb, JR_EFORMAT, "bundle %s is %lld bytes, its header says %" PRIu64
			" (at most 64 MiB go over HTTP)", path, (long long)st.st_size, u->len);
		goto fail;
	}
	jr_hex(h.info.id, sizeof h.info.id, u->id);
	return JR_OK;
fail:
	close(u->fd);
	u->fd = -1;
	return rc;
}

static void read_applied(const struct xfer *x, struct jr_net_applied *out)
{
	(void)json_u64(x->body, "index", &out->index);
	(void)json_u64(x->body, "blocks", &out->blocks);
	(void)json_u64(x->body, "blocks_applied", &out->blocks_applied);
	(void)json_u64(x->body, "blocks_known", &out->blocks_known);
	(void)json_u64(x->body, "blocks_pending", &out->blocks_pending);
	(void)json_u64(x->body, "blocks_refused", &out->blocks_refused);
	(void)json_u64(x->body, "acked_height", &out->acked_height);
}

static bool is_applied(const struct xfer *x)
{
	char state[16];

	return json_str(x->body, "state", state, sizeof state) && strcmp(state, "applied") == 0;
}

/* Asks where the upload stands: *off, or *applied (outcome read into out). */
static enum verdict up_where(struct jr_net_client *c, const struct up *u, uint64_t *off,
	bool *applied, struct jr_net_applied *out, char *what, size_t wn, struct jr_errbuf *eb)
{
	struct xfer x;
	enum verdict v;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.method = "HEAD";
	snprintf(x.path, sizeof x.path, "/v1/bundles/%s", u->id);
	perform(&x);
	if ((v = judge(&x, what, wn, eb)) != V_OK)
		return v;
	if (x.status == 404 || x.status == 409) {
		*off = 0;
		return V_OK;
	}
	if (x.applied) { /* its outcome, for the counts */
		x.method = "GET";
		perform(&x);
		if ((v = judge(&x, what, wn, eb)) != V_OK)
			return v;
		if (x.status != 200 || !is_applied(&x)) {
			snprintf(what, wn, "GET %s after HEAD said applied: %ld", x.path, x.status);
			return V_RETRY;
		}
		read_applied(&x, out);
		*applied = true;
		return V_OK;
	}
	if (x.upload_offset < 0 || (uint64_t)x.upload_offset > u->len ||
	    (x.upload_length >= 0 && (uint64_t)x.upload_length != u->len)) {
		c->why = JR_NET_REFUSED;
		jr_errclear(eb);
		jr_errf(eb, JR_EFORMAT, "node %s answers HEAD %s with offset %" PRId64 " of %"
			PRId64 " for a bundle of %" PRIu64 " bytes; report this to the centre",
			c->base, x.path, x.upload_offset, x.upload_length, u->len);
		return V_STOP;
	}
	*off = (uint64_t)x.upload_offset;
	return V_OK;
}

/* One PUT of the piece at *off. On V_OK: *applied, or *off moved. */
static enum verdict up_put(struct jr_net_client *c, const struct up *u, uint64_t *off,
	bool *known, bool *applied, struct jr_net_applied *out, char *what, size_t wn,
	struct jr_errbuf *eb)
{
	struct xfer x;
	enum verdict v;
	uint64_t next;

	memset(&x, 0, sizeof x);
	x.c = c;
	x.method = "PUT";
	snprintf(x.path, sizeof x.path, "/v1/bundles/%s", u->id);
	x.in_fd = u->fd;
	x.in_off = *off;
	x.in_len = u->len - *off < c->o.piece_bytes ? u->len - *off : c->o.piece_bytes;
	x.prog_base = *off;
	x.prog_total = u->len;
	if (out->sent == 0 && out->resumed_from == 0)
		out->resumed_from = *off;
	perform(&x);
	out->sent += x.in_done;
	if ((v = judge(&x, what, wn, eb)) != V_OK) {
		*known = false; /* a cut piece: ask the node where it stopped */
		return v;
	}
	if (x.status == 409 && json_u64(x.body, "expected", &next) && next <= u->len) {
		*off = next;
		return V_OK;
	}
	if (x.status == 200 && is_applied(&x)) {
		read_applied(&x, out);
		*applied = true;
		return V_OK;
	}
	if (x.status == 200 && json_u64(x.body, "offset", &next) && next > *off && next <= u->len) {
		*off = next;
		return V_OK;
	}
	c->why = JR_NET_REFUSED;
	jr_errclear(eb);
	jr_errf(eb, JR_EFORMAT, "node %s answered PUT %s at offset %" PRIu64 " with %ld and "
		"'%.120s', which docs/http.md does not allow; report this to the centre", c->base,
		x.path, *off, x.status, x.body);
	return V_STOP;
}

int jr_net_push_bundle(struct jr_net_client *c, const char *path, struct jr_net_applied *out,
	struct jr_errbuf *eb)
{
	struct up u;
	uint64_t off = 0, best = 0, last409 = UINT64_MAX;
	bool known = false, applied = false, asked = false;
	int rc;

	memset(out, 0, sizeof *out);
	begin(c);
	if ((rc = up_open(path, &u, eb)) != JR_OK) {
		c->why = JR_NET_LOCAL;
		return rc;
	}
	while (!applied) {
		char what[JR_ERRMSG_MAX] = "";
		enum verdict v;

		c->tries++;
		if (!known) {
			v = up_where(c, &u, &off, &applied, out, what, sizeof what, eb);
			known = v == V_OK;
			out->before = applied && !asked && out->sent == 0;
			asked = true;
		} else {
			uint64_t was = off;
			v = up_put(c, &u, &off, &known, &applied, out, what, sizeof what, eb);
			if (v == V_OK && off <= was && !applied) { /* a 409 going nowhere */
				if (off == last409) {
					snprintf(what, sizeof what, "the node keeps asking for offset %"
						PRIu64, off);
					v = V_RETRY;
					known = false;
				}
				last409 = off;
			}
		}
		if (v == V_STOP) {
			close(u.fd);
			return eb->code ? eb->code : JR_EIO;
		}
		if (off > best) { /* progress: the failure count starts again */
			best = off;
			c->fails = 0;
		}
		if (v == V_RETRY && !backoff(c, what, eb)) {
			close(u.fd);
			return JR_EIO;
		}
	}
	close(u.fd);
	return JR_OK;
}

/* ---- download ---- */

/* What the file at d->fd already holds: a verified header and a prefix of
 * its bundle to resume, or nothing (truncated). */
static void dl_resume_point(struct dl *d)
{
	struct stat st;

	d->have = 0;
	d->hdr_ok = false;
	if (fstat(d->fd, &st) != 0 || st.st_size < JR_BUNDLE_HEADER_BYTES ||
	    pread(d->fd, d->hdr, sizeof d->hdr, 0) != (ssize_t)sizeof d->hdr ||
	    dl_check_header(d) != JR_OK || (uint64_t)st.st_size >= d->total) {
		/* nothing usable, or a whole bundle that may be stale: start afresh */
		d->fatal = false;
		d->hdr_ok = false;
		jr_errclear(&d->eb);
		if (ftruncate(d->fd, 0) != 0)
			d->io_err = errno;
		return;
	}
	d->have = (uint64_t)st.st_size;
}

int jr_net_pull_downstream(struct jr_net_client *c, const uint8_t kiosk_id[JR_ID_BYTES],
	const char *tmp_path, struct jr_net_fetched *out, struct jr_errbuf *eb)
{
	struct dl d;
	struct xfer x;
	char kid[2 * JR_ID_BYTES + 1];
	uint64_t best = 0;

	memset(out, 0, sizeof *out);
	memset(&d, 0, sizeof d);
	begin(c);
	d.kiosk_id = kiosk_id;
	if ((d.fd = open(tmp_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		c->why = JR_NET_LOCAL;
		out->local_errno = errno;
		return jr_errf(eb, JR_EIO, "cannot open %s: %s", tmp_path, strerror(errno));
	}
	jr_hex(kiosk_id, JR_ID_BYTES, kid);
	for (;;) {
		char what[JR_ERRMSG_MAX] = "";
		enum verdict v;

		c->tries++;
		dl_resume_point(&d);
		out->resumed_from = d.have; /* where the attempt that ends it began */
		memset(&x, 0, sizeof x);
		x.c = c;
		x.method = "GET";
		x.dl = &d;
		snprintf(x.path, sizeof x.path, "/v1/kiosks/%s/downstream", kid);
		if (d.have > 0) {
			char id[HEX_ID];
			jr_hex(d.info.id, sizeof d.info.id, id);
			x.range_from = d.have;
			snprintf(x.if_range, sizeof x.if_range, "\"%s\"", id);
		}
		perform(&x);
		v = judge(&x, what, sizeof what, eb);
		if (v == V_OK && x.status == 404) {
			c->why = JR_NET_REFUSED;
			jr_errclear(eb);
			jr_errf(eb, JR_ENOTFOUND, "node %s has no downstream for kiosk %s (404): "
				"the kiosk is not on the centre's roster; ask the centre to add it", c->base,
				kid);
			v = V_STOP;
		} else if (v == V_OK && d.hdr_ok && d.have == d.total) {
			break;
		} else if (v == V_OK) {
			snprintf(what, sizeof what, "GET %s ended at byte %" PRIu64 " of %" PRIu64
				" (HTTP %ld)", x.path, d.have, d.hdr_ok ? d.total : 0, x.status);
			v = V_RETRY;
		}
		out->replaced = out->replaced || d.replaced;
		if (v == V_STOP) {
			close(d.fd);
			if (c->why == JR_NET_LOCAL) {
				out->local_errno = d.io_err;
				(void)unlink(tmp_path); /* bytes we may not keep */
			}
			return eb->code ? eb->code : JR_EIO;
		}
		if (d.have > best) {
			best = d.have;
			c->fails = 0;
		}
		if (!backoff(c, what, eb)) {
			close(d.fd);
			return JR_EIO;
		}
	}
	out->replaced = out->replaced || d.replaced;
	if (fsync(d.fd) != 0) {
		int e = errno;
		close(d.fd);
		c->why = JR_NET_LOCAL;
		out->local_errno = e;
		return jr_errf(eb, JR_EIO, "cannot flush %s: %s", tmp_path, strerror(e));
	}
	close(d.fd);
	out->info = d.info;
	out->length = d.total;
	return JR_OK;
}
