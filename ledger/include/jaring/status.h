/*
 * jaring/status.h — what became of one registration, as the centre tells the
 * kiosk that took it: the item a downstream bundle carries for each of that
 * kiosk's registrations (bundle.h JR_ITEM_STATUS). Byte layout:
 * docs/formats.md "Status".
 *
 * The item names the registration only by its id (the receipt's); it holds
 * no name, NIK or phone, and travels only inside a bundle encrypted to the
 * kiosk.
 *
 * Encoding (canonical CBOR, all eleven keys always present):
 *   AB 00 01  01 <regid bstr 16>  02 <state uint>  03 [reason uint ...]
 *      04 <approvals uint> 05 <agencies required uint> 06 <decree tstr>
 *      07 <protected from YYYYMMDD> 08 <protected to YYYYMMDD>
 *      09 <paid through YYYYMM> 0A <agencies that viewed it, bit set>
 */
#ifndef JARING_STATUS_H
#define JARING_STATUS_H

#include "common.h"
#include "rules.h"

#define JR_STATUS_VERSION 1
#define JR_STATUS_DECREE_MAX 63
#define JR_STATUS_MAX_BYTES 160

enum jr_status_state {
	JR_ST_RECEIVED = 1,   /* the centre has it; checks running */
	JR_ST_RETURNED = 2,   /* returned for correction, with reasons */
	JR_ST_IN_REVIEW = 3,  /* agencies reviewing: approvals of agencies */
	JR_ST_APPROVED = 4,   /* every agency approved; waiting for a decree */
	JR_ST_DECREED = 5,    /* in decree number ... */
	JR_ST_PROTECTED = 6,  /* protected from .. to .., paid through .. */
	JR_ST_REJECTED = 7,   /* not eligible (centre-only facts), with reasons;
	                       * a second registration of one worker is this,
	                       * reason 401 */
	JR_ST_HELD = 8        /* its kiosk signed two blocks at one height: held
	                       * until the programme resolves it */
};
#define JR_ST_MAX 8

struct jr_status {
	uint8_t regid[JR_REGID_BYTES];
	enum jr_status_state state;
	size_t n_reasons;
	enum jr_reason reasons[JR_VERDICT_MAX];
	uint32_t approvals, agencies;      /* agencies approved so far, of how many */
	char decree[JR_STATUS_DECREE_MAX + 1]; /* "" if none */
	uint32_t protected_from, protected_to; /* YYYYMMDD, 0 if not protected */
	uint32_t paid_through;             /* YYYYMM, 0 if nothing paid */
	uint32_t viewed;                   /* bit (1 << agency) per agency that
	                                    * viewed its personal data */
};

JR_API int jr_status_encode(const struct jr_status *s, struct jr_buf *out)
	JR_MUST_CHECK;
/* Strict: canonical, every key, state and reasons in range, the decree
 * printable ASCII, dates well-formed (0 or a real date). */
JR_API int jr_status_decode(const uint8_t *p, size_t len, struct jr_status *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
