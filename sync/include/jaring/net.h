/*
 * jaring/net.h — the network link: bundles over HTTP with libcurl, the
 * client side of docs/http.md. Uploads are resumable (HEAD, then PUT pieces
 * from the offset the node reports) and idempotent by bundle id; downloads
 * resume with Range/If-Range. Every request is retried with exponential
 * backoff and full jitter, bounded in attempts and in total time; a node's
 * 307 to its leader is followed once. docs/sync.md "Network link".
 *
 * No globals: each struct jr_net_client owns one curl handle and may be used
 * by one thread at a time; several clients may run on several threads. Call
 * jr_net_init() once in main() before any thread starts (it wraps
 * curl_global_init, which is not thread-safe). A transfer stops within about
 * a second once the caller's `cancelled` callback returns true (libcurl calls
 * its progress callback at least once a second; a backoff looks every 50 ms),
 * so the kiosk's officer screen can run it on a worker thread and set a flag.
 */
#ifndef JARING_NET_H
#define JARING_NET_H

#include "jaring/bundle.h"
#include "jaring/common.h"
#include "jaring/keys.h"

#define JR_NET_BUNDLE_MAX (UINT64_C(64) << 20) /* JR_HTTP_BUNDLE_MAX */
#define JR_NET_PIECE_MAX ((size_t)4 << 20)     /* one PUT body, at most */
#define JR_NET_PIECE_DEFAULT ((size_t)1 << 20)
#define JR_NET_URL_MAX 512
#define JR_NET_TIMEOUT_DEFAULT 30   /* seconds: connect, and a stalled transfer */
#define JR_NET_RETRIES_DEFAULT 8    /* failures in a row without progress */
#define JR_NET_MAX_TIME_DEFAULT 600 /* seconds for a whole operation */
#define JR_NET_BACKOFF_MS_DEFAULT 250
#define JR_NET_BACKOFF_CAP_MS_DEFAULT 16000

/* Why an operation failed (jr_net_client_why after a failure). */
enum jr_net_why {
	JR_NET_OK = 0,
	JR_NET_REFUSED,   /* the node answered and will not take it (4xx): do not retry */
	JR_NET_GAVE_UP,   /* unreachable or unavailable until attempts or time ran out */
	JR_NET_CANCELLED, /* the caller's cancelled() said so */
	JR_NET_LOCAL      /* a local file, a bad argument, or a bundle that fails checks */
};

struct jr_net_opts {
	const char *url;        /* "http://host:port" of any node, no path */
	unsigned timeout_s;     /* connect and stall limit per request; 0: default */
	unsigned retries;       /* failures in a row without progress before giving up */
	bool retries_set;       /* false: JR_NET_RETRIES_DEFAULT (so 0 can mean none) */
	unsigned max_time_s;    /* everything from jr_net_client_new or the last
	                         * jr_net_client_reset_clock; 0: default */
	unsigned backoff_ms;    /* the first backoff's upper bound; 0: default */
	unsigned backoff_cap_ms; /* no backoff above this; 0: default */
	size_t piece_bytes;     /* bytes per PUT, 1..JR_NET_PIECE_MAX; 0: default */
	/* Polled during transfers and backoffs; may be NULL. */
	bool (*cancelled)(void *ctx);
	void *cancel_ctx;
	/* Bytes of the current transfer: done of total. May be NULL. */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *progress_ctx;
	/* One line per retry ("retrying in 1.3 s: ..."), for a log. May be NULL. */
	void (*note)(void *ctx, const char *line);
	void *note_ctx;
};

/* What the client did so far, summed over its operations. */
struct jr_net_stats {
	unsigned requests;   /* HTTP requests sent (redirected ones counted twice) */
	unsigned retries;    /* backoffs slept */
	unsigned redirects;  /* 307s followed */
	uint64_t sent;       /* bundle bytes sent in PUT bodies */
	uint64_t received;   /* bundle bytes received in GET bodies */
};

struct jr_net_client;

/* Once per process, before threads: curl_global_init. */
JR_API int jr_net_init(void) JR_MUST_CHECK;
/* Once at exit, after every client is freed: curl_global_cleanup. */
JR_API void jr_net_cleanup(void);

/* A client of the node at o->url (copied; the callbacks are borrowed). */
JR_API int jr_net_client_new(const struct jr_net_opts *o, struct jr_net_client **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_net_client_free(struct jr_net_client *c);
/* Starts max_time_s again (a kiosk that keeps one client across visits). */
JR_API void jr_net_client_reset_clock(struct jr_net_client *c);
JR_API const struct jr_net_stats *jr_net_client_stats(const struct jr_net_client *c);
/* The class of the last failure (JR_NET_OK after a success). */
JR_API enum jr_net_why jr_net_client_why(const struct jr_net_client *c);
/* The HTTP status of the last answer (0: none, the link failed). */
JR_API long jr_net_client_status(const struct jr_net_client *c);
/* The node now talked to: o->url, or its leader after a 307. */
JR_API const char *jr_net_client_url(const struct jr_net_client *c);
/* Replaces the progress callback of o (between operations only). */
JR_API void jr_net_client_set_progress(struct jr_net_client *c,
	void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* The node's answer for an applied bundle (docs/http.md). */
struct jr_net_applied {
	bool before;         /* applied before this call: nothing was sent */
	uint64_t index;      /* its log entry */
	uint64_t blocks, blocks_applied, blocks_known, blocks_pending, blocks_refused;
	uint64_t acked_height;
	uint64_t sent;       /* bundle bytes this call sent */
	uint64_t resumed_from; /* the offset the first PUT started at */
};

/* Uploads the bundle file at path (its header gives id and length) until
 * the node answers "applied". After a cut it asks the node (HEAD) where the
 * upload stands and goes on from there, so the node never gets a byte twice
 * or misses one; a bundle the node has applied is not sent again. */
JR_API int jr_net_push_bundle(struct jr_net_client *c, const char *path,
	struct jr_net_applied *out, struct jr_errbuf *eb) JR_MUST_CHECK;

/* What a downstream fetch got. */
struct jr_net_fetched {
	struct jr_bundle_info info; /* header verified: see jr_net_pull_downstream */
	uint64_t length;            /* 512 + body length: the file's size now */
	uint64_t resumed_from;      /* bytes the last attempt started from */
	bool replaced;              /* the node's bundle changed: started again */
	int local_errno;            /* a local file failure's errno (JR_NET_LOCAL), else 0 */
};

/* GETs /v1/kiosks/<kiosk_id>/downstream into the file at tmp_path, resuming
 * (Range, If-Range) a prefix of the same bundle it already holds and
 * truncating it otherwise. As soon as 512 bytes are in, the header must
 * decode, verify under the sender it names, be a downstream bundle to
 * kiosk_id and at most JR_NET_BUNDLE_MAX long, else the file is removed
 * (JR_NET_LOCAL). Whether its sender is a consortium key the kiosk may take
 * is not judged here: after a key rotation it is the key the latest roster
 * names, which the kiosk's downstream reader takes through the rosters the
 * bundle carries. On JR_OK the file holds exactly the bundle's bytes,
 * fsynced; reading its body (with the kiosk's key) is the caller's. */
JR_API int jr_net_pull_downstream(struct jr_net_client *c,
	const uint8_t kiosk_id[JR_ID_BYTES], const char *tmp_path, struct jr_net_fetched *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
