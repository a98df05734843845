/*
 * jaring/public.h — the centre's state as the public may see it: the
 * figures of a node's public page (docs/http.md "The public page") and the
 * lookup behind its "check my receipt" form. Nothing here returns a name,
 * NIK, phone, birth date, address or village of a person: counts, decrees,
 * allocations, payments, key ids of officials, and registration ids (which
 * the public log's leaves hold already).
 *
 * The figures are read through their own read-only connection to a state
 * file (jr_public_open), so a caller may read them on a worker thread while
 * the centre applies entries on another: one read transaction per
 * jr_public_read, so every figure is of the same state (WAL). Counts are
 * raw; whoever publishes them suppresses small cells (JR_PUBLIC_MIN_CELL).
 */
#ifndef JARING_PUBLIC_H
#define JARING_PUBLIC_H

#include "centre.h"

#define JR_PUBLIC_MIN_CELL 5       /* publish no count of a small area under 5 */
#define JR_PUBLIC_MAX_DISTRICTS 1024 /* Tegal has 22, a province hundreds */
#define JR_PUBLIC_MAX_ROWS 256     /* decrees, allocations, payments, officials */

struct jr_public_district {
	uint64_t district;   /* code, e.g. 332801 */
	uint64_t registered; /* every registration the centre took there */
	uint64_t review, returned, rejected, held, decreed; /* by phase */
};

struct jr_public_payment {
	char allocation[JR_CENTRE_NAME_MAX + 1];
	uint32_t month; /* YYYYMM */
	uint64_t acts, recipients, amount_rp;
};

struct jr_public_viewer {
	uint8_t official[JR_ID_BYTES]; /* key id of the official who viewed */
	uint32_t agency;               /* enum jr_agency, from the roster */
	uint64_t acts;                 /* view acts signed */
	uint64_t registrations;        /* registrations named in them */
};

struct jr_public_figures {
	uint64_t tlog_size; /* the log's size this state is of */
	uint64_t registrations, kiosks;
	size_t n_districts;
	bool districts_more; /* districts past JR_PUBLIC_MAX_DISTRICTS left out */
	struct jr_public_district districts[JR_PUBLIC_MAX_DISTRICTS];
	/* registrations viewed at least once, per agency (index enum jr_agency),
	 * in the districts listed */
	uint64_t viewed_by_agency[JR_AGENCY_MAX + 1];
	/* Each list in key order; *_more when rows past JR_PUBLIC_MAX_ROWS
	 * were left out. */
	size_t n_decrees, n_allocations, n_payments, n_viewers;
	bool decrees_more, allocations_more, payments_more, viewers_more;
	struct jr_centre_decree_state decrees[JR_PUBLIC_MAX_ROWS];
	struct jr_centre_allocation allocations[JR_PUBLIC_MAX_ROWS];
	struct jr_public_payment payments[JR_PUBLIC_MAX_ROWS];
	struct jr_public_viewer viewers[JR_PUBLIC_MAX_ROWS];
};

struct jr_public_reader;

/* Opens a read-only connection to the centre's state file at path. The
 * handle is for one thread at a time. */
JR_API int jr_public_open(const char *path, struct jr_public_reader **out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_public_close(struct jr_public_reader *r);

/* Every figure, of one state. The state is streamed, never loaded whole:
 * time grows with the registrations (one pass over them), memory does not. */
JR_API int jr_public_read(struct jr_public_reader *r, struct jr_public_figures *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* The registration behind a receipt's typed code: the one whose id carries
 * prefix45 (jr_receipt_code_parse) and whose kiosk's key id begins with the
 * 40 bits of kiosk_short (the kiosk's short id, jr_keyid_short, as 5 bytes).
 * JR_ENOTFOUND if none, JR_EAMBIGUOUS (regid zeroed) if more than one
 * matches: the code cannot tell whose it is, so none is answered. Reads the
 * centre's own connection (its thread). */
JR_API int jr_public_find_code(struct jr_centre *c, const uint8_t kiosk_short[5],
	uint64_t prefix45, uint8_t regid[JR_REGID_BYTES]) JR_MUST_CHECK;

#endif
