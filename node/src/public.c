/*
 * public.c — serving the public page (page.h, docs/http.md "The public
 * page"): a cache of the rendered answers, rebuilt off the loop, and the
 * "check my receipt" lookup with its per-address rate limit.
 *
 * This file assumes (a) every function but build_work runs on the loop
 * thread; (b) build_work touches only its own struct build and opens its
 * own read-only connection to the state file (jaring/public.h), so the
 * loop keeps applying entries while the figures are read and rendered;
 * (c) at most one build is in flight: a request that finds the cache older
 * than the state is answered from it at once and starts the next build
 * (the page says which log size it is of); only a request that finds no
 * page at all waits, suspended, for the first one.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sodium.h>

#include "jaring/codec.h"
#include "jaring/public.h"
#include "jaring/receipt.h"
#include "jaring/tlog.h"
#include "page.h"
#include "server.h"

#define N_BODIES 4 /* page id, page en, svg id, svg en */
#define MAX_WAITERS 64
#define RATE_SLOTS 1024
#define RATE_PROBE 8

struct waiter {
	jr_pubpage_ready cb;
	void *arg;
};

struct build {
	uv_work_t work;
	struct jr_pubpage *p;
	char path[JR_NODE_PATH_MAX];
	struct jr_buf note; /* the checkpoint, copied on the loop */
	size_t cosigned;
	uint64_t cp_size;
	struct jr_buf bodies[N_BODIES];
	uint64_t tlog_size;
	int rc;
	struct jr_errbuf eb;
};

struct rate_slot {
	bool used;
	uint8_t addr[16];
	uint64_t last_ms;
	uint64_t tokens_ms; /* tokens x JR_PAGE_RECEIPT_REFILL_MS */
};

struct jr_pubpage {
	struct jr_server *s;
	struct jr_buf bodies[N_BODIES];
	bool have;
	uint64_t tlog_size, cp_size; /* what the bodies are of */
	struct build *busy;
	bool closing;
	struct waiter waiters[MAX_WAITERS];
	size_t n_waiters;
	struct rate_slot rate[RATE_SLOTS];
	uint8_t rate_key[crypto_shorthash_KEYBYTES];
};

int jr_pubpage_new(struct jr_server *s, struct jr_pubpage **out)
{
	struct jr_pubpage *p = calloc(1, sizeof *p);

	*out = p;
	if (p == NULL)
		return JR_ENOMEM;
	p->s = s;
	randombytes_buf(p->rate_key, sizeof p->rate_key);
	return JR_OK;
}

static void bodies_free(struct jr_buf *b)
{
	for (int i = 0; i < N_BODIES; i++)
		jr_buf_free(&b[i]);
}

static void page_free(struct jr_pubpage *p)
{
	bodies_free(p->bodies);
	free(p);
}

void jr_pubpage_free(struct jr_pubpage *p)
{
	if (p == NULL)
		return;
	if (p->busy != NULL) {
		p->closing = true; /* build_after frees it */
		return;
	}
	page_free(p);
}

/* ---- the cache ------------------------------------------------------- */

static int render(struct jr_buf *out, const struct jr_public_figures *f,
	const struct build *b, int which)
{
	struct jr_html h = { { NULL, 0 }, JR_PAGE_MAX_BYTES, false };
	struct jr_page_checkpoint cp = { b->note.base, b->note.len, b->cosigned };
	enum jr_lang lang = which % 2 == 0 ? JR_LANG_ID : JR_LANG_EN;

	if (which < 2)
		jr_page_render(&h, f, &cp, lang);
	else
		jr_page_render_svg(&h, f, lang, true);
	if (h.failed) {
		jr_buf_free(&h.b);
		return JR_ETOOBIG;
	}
	*out = h.b;
	return JR_OK;
}

/* Worker thread: read the figures and render every body. */
static void build_work(uv_work_t *w)
{
	struct build *b = w->data;
	struct jr_public_reader *rd = NULL;
	struct jr_public_figures *f = malloc(sizeof *f);

	b->rc = f == NULL ? JR_ENOMEM : jr_public_open(b->path, &rd, &b->eb);
	if (b->rc == JR_OK)
		b->rc = jr_public_read(rd, f, &b->eb);
	jr_public_close(rd);
	for (int i = 0; i < N_BODIES && b->rc == JR_OK; i++)
		b->rc = render(&b->bodies[i], f, b, i);
	if (b->rc == JR_OK)
		b->tlog_size = f->tlog_size;
	free(f);
}

static void build_after(uv_work_t *w, int status)
{
	struct build *b = w->data;
	struct jr_pubpage *p = b->p;
	size_t n = p->n_waiters;
	struct waiter ws[MAX_WAITERS];

	p->busy = NULL;
	if (!p->closing && status == 0 && b->rc == JR_OK) {
		bodies_free(p->bodies);
		memcpy(p->bodies, b->bodies, sizeof p->bodies);
		memset(b->bodies, 0, sizeof b->bodies);
		p->have = true;
		p->tlog_size = b->tlog_size;
		p->cp_size = b->cp_size;
	} else if (!p->closing) {
		jr_server_log(p->s, "public page: %s", b->eb.msg[0] ? b->eb.msg :
			jr_strerror(b->rc));
	}
	bodies_free(b->bodies);
	jr_buf_free(&b->note);
	free(b);
	/* the waiters last: their callbacks may start the next build */
	memcpy(ws, p->waiters, n * sizeof *ws);
	p->n_waiters = 0;
	if (p->closing) {
		page_free(p);
		p = NULL;
	}
	for (size_t i = 0; i < n; i++)
		ws[i].cb(ws[i].arg);
}

static void build_start(struct jr_pubpage *p)
{
	struct jr_server *s = p->s;
	size_t cosigned = 0;
	uint64_t cp_size = 0;
	const struct jr_buf *cp = jr_node_witness_published(s->witness, &cp_size, &cosigned);
	struct build *b;

	/* the worker reads the state through its own connection */
	if (p->busy != NULL || p->closing || jr_node_fsm_commit(s->fsm) != JR_OK ||
	    (b = calloc(1, sizeof *b)) == NULL)
		return;
	b->p = p;
	b->work.data = b;
	b->cosigned = cosigned;
	b->cp_size = cp_size;
	if (jr_node_path(&s->cfg, "state.db", b->path, sizeof b->path) != JR_OK ||
	    (cp != NULL && (b->note.base = malloc(cp->len)) == NULL)) {
		free(b);
		return;
	}
	if (cp != NULL) {
		memcpy(b->note.base, cp->base, cp->len);
		b->note.len = cp->len;
	}
	if (uv_queue_work(s->loop, &b->work, build_work, build_after) != 0) {
		jr_buf_free(&b->note);
		free(b);
		return;
	}
	p->busy = b;
}

const struct jr_buf *jr_pubpage_get(struct jr_pubpage *p, enum jr_pubpage_kind kind,
	enum jr_lang lang, jr_pubpage_ready cb, void *arg, int *rc)
{
	uint64_t cp_size = 0, size = jr_centre_tlog_size(jr_node_fsm_centre(p->s->fsm));
	int which = (kind == JR_PUBPAGE_SVG ? 2 : 0) + (lang == JR_LANG_EN ? 1 : 0);

	*rc = JR_OK;
	(void)jr_node_witness_published(p->s->witness, &cp_size, NULL);
	if (!p->have || p->tlog_size != size || p->cp_size != cp_size)
		build_start(p);
	if (p->have)
		return &p->bodies[which];
	if (cb == NULL || p->busy == NULL || p->n_waiters == MAX_WAITERS) {
		*rc = JR_EIO;
		return NULL;
	}
	p->waiters[p->n_waiters].cb = cb;
	p->waiters[p->n_waiters++].arg = arg;
	return NULL;
}

/* ---- the rate limit -------------------------------------------------- */

static void addr_key(const struct sockaddr *sa, uint8_t out[16])
{
	memset(out, 0, 16);
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		out[10] = out[11] = 0xff; /* as an IPv4-mapped IPv6 address */
		memcpy(out + 12, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		memcpy(out, &in6->sin6_addr, 16);
	}
}

/* A token bucket per client address: JR_PAGE_RECEIPT_BURST checks, one
 * more every JR_PAGE_RECEIPT_REFILL_MS. A full table forgets the address
 * seen longest ago among the slots it probes. 0: allowed; else the seconds
 * to wait. */
static unsigned rate_take(struct jr_pubpage *p, const struct sockaddr *sa, uint64_t now_ms)
{
	const uint64_t full = (uint64_t)JR_PAGE_RECEIPT_BURST * JR_PAGE_RECEIPT_REFILL_MS;
	uint8_t key[16], hk[crypto_shorthash_BYTES];
	struct rate_slot *slot = NULL, *oldest = NULL;
	uint64_t h = 0;

	addr_key(sa, key);
	crypto_shorthash(hk, key, sizeof key, p->rate_key);
	for (int i = 0; i < 8; i++)
		h = h << 8 | hk[i];
	for (unsigned i = 0; i < RATE_PROBE && slot == NULL; i++) {
		struct rate_slot *s = &p->rate[(h + i) % RATE_SLOTS];

		if (s->used && memcmp(s->addr, key, 16) == 0)
			slot = s;
		else if (oldest == NULL || !s->used || (oldest->used && s->last_ms < oldest->last_ms))
			oldest = s;
	}
	if (slot == NULL) {
		slot = oldest;
		slot->used = true;
		memcpy(slot->addr, key, 16);
		slot->tokens_ms = full;
		slot->last_ms = now_ms;
	}
	slot->tokens_ms += now_ms > slot->last_ms ? now_ms - slot->last_ms : 0;
	if (slot->tokens_ms > full)
		slot->tokens_ms = full;
	slot->last_ms = now_ms;
	if (slot->tokens_ms < JR_PAGE_RECEIPT_REFILL_MS)
		return (unsigned)((JR_PAGE_RECEIPT_REFILL_MS - slot->tokens_ms + 999) / 1000);
	slot->tokens_ms -= JR_PAGE_RECEIPT_REFILL_MS;
	return 0;
}

/* ---- the receipt check ----------------------------------------------- */

/* "XXXX-XXXX": 8 symbols, the first 40 bits of a kiosk's key id. */
static bool kiosk_short(const char *s, uint8_t out[5])
{
	uint64_t v = 0;
	unsigned n = 0;

	if (s == NULL || strlen(s) > 16 || jr_crockford_decode(s, strlen(s), &v, &n) != JR_OK ||
	    n != 8)
		return false;
	for (int i = 0; i < 5; i++)
		out[i] = (uint8_t)(v >> (8 * (4 - i)));
	return true;
}

/* The proof of the registration's leaf under the published checkpoint,
 * into r (proof malloc'd into *buf). */
static void prove(struct jr_pubpage *p, struct jr_page_receipt *r, struct jr_buf *buf)
{
	struct jr_server *s = p->s;
	uint8_t proof[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES];
	struct jr_centre_reg reg;
	uint64_t cp_size = 0;
	const struct jr_buf *cp = jr_node_witness_published(s->witness, &cp_size, NULL);
	size_t n = 0;

	if (jr_centre_registration(jr_node_fsm_centre(s->fsm), r->status.regid, &reg) != JR_OK)
		return;
	r->leaf = reg.leaf;
	if (cp == NULL || reg.leaf >= cp_size ||
	    jr_tlog_prove_inclusion(jr_node_fsm_store(s->fsm), reg.leaf, cp_size, proof, &n) !=
		    JR_OK ||
	    jr_tlog_proof_encode(NULL, 0, reg.leaf, (const uint8_t (*)[JR_TLOG_HASH_BYTES])proof,
		    n, cp->base, cp->len, buf) != JR_OK)
		return;
	r->has_proof = true;
	r->proof = buf->base;
	r->proof_len = buf->len;
	r->cp_size = cp_size;
}

unsigned jr_pubpage_receipt(struct jr_pubpage *p, const struct sockaddr *client,
	const char *kiosk, const char *code, enum jr_lang lang, uint64_t now_ms,
	struct jr_buf *out, unsigned *retry_s)
{
	struct jr_html h = { { NULL, 0 }, JR_PAGE_MAX_BYTES, false };
	struct jr_page_receipt r;
	struct jr_buf proof = { NULL, 0 };
	uint8_t ks[5], regid[JR_REGID_BYTES];
	uint64_t prefix = 0;
	unsigned status = 200;
	int rc;

	memset(&r, 0, sizeof r);
	r.kiosk = kiosk;
	r.code = code;
	*retry_s = 0;
	if ((kiosk == NULL || kiosk[0] == '\0') && (code == NULL || code[0] == '\0')) {
		r.answer = JR_PA_FORM;
	} else if ((r.retry_s = rate_take(p, client, now_ms)) != 0) {
		r.answer = JR_PA_LIMITED;
		*retry_s = r.retry_s;
		status = 429;
	} else if (!kiosk_short(kiosk, ks)) {
		r.answer = JR_PA_BAD_KIOSK;
		status = 400;
	} else if (code == NULL || jr_receipt_code_parse(code, strlen(code), &prefix, NULL) !=
		   JR_OK) {
		r.answer = JR_PA_BAD_CODE;
		status = 400;
	} else if ((rc = jr_public_find_code(jr_node_fsm_centre(p->s->fsm), ks, prefix,
			    regid)) == JR_EAMBIGUOUS) {
		r.answer = JR_PA_AMBIGUOUS;
		status = 409;
	} else if (rc != JR_OK || jr_centre_status(jr_node_fsm_centre(p->s->fsm), regid,
			    &r.status, NULL) != JR_OK) {
		r.answer = JR_PA_NOT_FOUND;
		status = 404;
	} else {
		r.answer = JR_PA_FOUND;
		prove(p, &r, &proof);
	}
	jr_page_render_receipt(&h, &r, lang);
	jr_buf_free(&proof);
	if (h.failed) {
		jr_buf_free(&h.b);
		return 503;
	}
	*out = h.b;
	return status;
}
