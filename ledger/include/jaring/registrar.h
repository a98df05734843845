/*
 * jaring/registrar.h — the kiosk's one way to register a worker: check the
 * rules, seal, append a signed block, sign the receipt, all before anything
 * is shown. Used by jaring-kiosk and the ledger demo alike.
 */
#ifndef JARING_REGISTRAR_H
#define JARING_REGISTRAR_H

#include "common.h"
#include "keys.h"
#include "record.h"
#include "rules.h"
#include "shard.h"
#include "receipt.h"

struct jr_registrar;

/* Borrows shard, kiosk and policy for its lifetime. */
JR_API int jr_registrar_new(struct jr_shard *shard, const struct jr_key *kiosk,
	const struct jr_policy *policy,
	const uint8_t consortium_box_pk[JR_BOX_PK_BYTES],
	struct jr_registrar **out) JR_MUST_CHECK;
/* Closes the sealing epoch (wipes its key) and frees. */
JR_API void jr_registrar_free(struct jr_registrar *g);
/* Closes the current epoch now (e.g. after an export); the next submit opens
 * a new one. */
JR_API void jr_registrar_close_epoch(struct jr_registrar *g);

struct jr_issued {
	uint64_t height;
	uint8_t regid[JR_REGID_BYTES];
	struct jr_receipt receipt;
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	size_t payload_len;
	char text[JR_RECEIPT_TEXT_MAX + 1];    /* QR text */
	char code[JR_CODE_TEXT_LEN + 1];       /* typed code */
};

/* Fills r's kiosk id, time and consent version, checks the rules (JR_ERULE
 * with the reasons in *v), seals and appends. Returns only after the block
 * is committed. r's personal fields are left as they were: the caller wipes. */
JR_API int jr_registrar_submit(struct jr_registrar *g,
	struct jr_registration *r, int64_t now, struct jr_verdict *v,
	struct jr_issued *out, struct jr_errbuf *eb) JR_MUST_CHECK;

#endif
