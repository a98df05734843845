/*
 * page.h — the node's public page (docs/http.md "The public page"):
 * page.c renders HTML and SVG from the public figures (jaring/public.h),
 * public.c serves them (cache, worker thread, the receipt check and its
 * rate limit). No JavaScript; every byte taken from the state is escaped.
 */
#ifndef JR_NODE_PAGE_H
#define JR_NODE_PAGE_H

#include "jaring/public.h"
#include "jaring/rules.h"
#include "jaring/status.h"

#define JR_PAGE_MAX_BYTES (4u * 1024u * 1024u) /* one answer, at most */
#define JR_PAGE_RECEIPT_BURST 10               /* checks per client address */
#define JR_PAGE_RECEIPT_REFILL_MS 6000         /* one more check every 6 s */

/* A growable text buffer with a cap; failed once anything did not fit. */
struct jr_html {
	struct jr_buf b;
	size_t cap;
	bool failed;
};
void jr_html_raw(struct jr_html *h, const char *s);
/* Formatted, unescaped: for numbers and the page's own constant text. */
void jr_html_fmt(struct jr_html *h, const char *fmt, ...) JR_PRINTF(2, 3);
/* Text from anywhere else: & < > " ' escaped. */
void jr_html_text(struct jr_html *h, const char *s, size_t n);

/* The checkpoint shown at the top: the signed note as published. */
struct jr_page_checkpoint {
	const uint8_t *note;
	size_t len;
	size_t cosigned;
};

void jr_page_render(struct jr_html *h, const struct jr_public_figures *f,
	const struct jr_page_checkpoint *cp, enum jr_lang lang);
void jr_page_render_svg(struct jr_html *h, const struct jr_public_figures *f,
	enum jr_lang lang, bool standalone);

/* What the "check my receipt" form answers. */
enum jr_page_answer {
	JR_PA_FOUND,      /* status (and a proof if the checkpoint holds it) */
	JR_PA_NOT_FOUND,
	JR_PA_AMBIGUOUS,  /* more than one registration: no status */
	JR_PA_BAD_KIOSK,
	JR_PA_BAD_CODE,
	JR_PA_LIMITED,    /* 429 */
	JR_PA_FORM        /* no code given: the form alone */
};
struct jr_page_receipt {
	enum jr_page_answer answer;
	const char *kiosk, *code; /* as typed (escaped when shown) */
	unsigned retry_s;         /* JR_PA_LIMITED */
	struct jr_status status;
	uint64_t leaf;
	bool has_proof;
	const uint8_t *proof; /* tlog-proof text */
	size_t proof_len;
	uint64_t cp_size;
};
void jr_page_render_receipt(struct jr_html *h, const struct jr_page_receipt *r,
	enum jr_lang lang);

#endif
