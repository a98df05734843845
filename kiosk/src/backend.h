/*
 * backend.h — everything the kiosk asks of the ledger, in one place:
 * provisioning on first run, registering (jaring/registrar.h), receipts,
 * status lookups and the status store. Screens call these; nothing else in
 * the kiosk touches keys or the shard.
 *
 * Files under the configured data_dir:
 *   kiosk.key   the kiosk's identity (jr_key_save, mode 0600)
 *   shard.db    the kiosk's signed hash chain (shard.h)
 *   kiosk.db    status store, roster, binding (store.h)
 *   kiosk.log   capped log without personal data (log.h)
 * The fork-guard counter lives at counter_path (another partition on the
 * appliance; data_dir/kiosk.counter when not configured).
 */
#ifndef KIOSK_BACKEND_H
#define KIOSK_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "store.h"
#include "jaring/common.h"
#include "jaring/image.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/registrar.h"
#include "jaring/rules.h"
#include "jaring/shard.h"

struct kbackend {
	struct jr_key *kiosk;
	struct jr_pubkey kiosk_pub;
	struct jr_shard *shard;
	struct jr_registrar *registrar;
	struct kstore *store;
	struct jr_policy policy;
	uint64_t village;
	bool provisioned_now;       /* this start created the key and shard */
	bool can_register;          /* consortium key present, registrar ready */
	char kiosk_short[JR_KEYID_SHORT_LEN + 1];
	/* the consortium key this kiosk pinned (jr_keyid_fingerprint); "" until
	 * it was first given one */
	char consortium_fp[JR_KEYID_FINGERPRINT_LEN + 1];
	char why_not[512];          /* when !can_register: what to do */
};

/* What a receipt or code turned out to be. */
enum kstatus_outcome {
	KSO_NONE = 0,
	KSO_OWN,              /* genuine, from this kiosk: status follows */
	KSO_FOREIGN_KNOWN,    /* genuine, from a kiosk on the roster */
	KSO_FOREIGN_UNKNOWN,  /* from a kiosk this one does not know */
	KSO_FORGED,           /* signature does not verify */
	KSO_NOT_RECEIPT,      /* a QR, but not a Jaring receipt */
	KSO_NO_QR,            /* no QR code found in the picture */
	KSO_CODE_INVALID,     /* typed code fails its check symbol */
	KSO_CODE_UNKNOWN,     /* valid code, no such registration here */
	KSO_CODE_AMBIGUOUS,   /* valid code of more than one registration here:
	                       * nothing is shown, the QR is asked for */
	KSO_CAMERA_ERROR      /* no picture could be taken */
};

/* Opens everything, provisioning on first run: creates the kiosk key and
 * shard and binds the kiosk to cfg->village. The first consortium key it
 * loads is pinned by fingerprint (store meta "consortium_fingerprint"); a
 * consortium_pubkey file with another key later leaves can_register false
 * with why_not saying so. Returns false only when the
 * kiosk cannot run at all; a kiosk without a consortium key runs with
 * can_register false (status checks still work). */
bool kbackend_open(struct kbackend *be, const struct kconfig *cfg, int64_t now,
	char *err, size_t errlen);
void kbackend_close(struct kbackend *be);

/* Registers: rules, seal, append, receipt — returns after the commit.
 * JR_ERULE with reasons in *v. r's personal fields are left to the caller
 * to wipe. */
int kbackend_submit(struct kbackend *be, struct jr_registration *r, int64_t now,
	struct jr_verdict *v, struct jr_issued *out, struct jr_errbuf *eb);

uint64_t kbackend_height(struct kbackend *be);
/* Records in every block (walks the chain; for tests and the officer). */
uint64_t kbackend_record_count(struct kbackend *be);

/* The receipt of the last registration (for "print again"). */
int kbackend_last_receipt(struct kbackend *be, struct jr_receipt *rc,
	char text[JR_RECEIPT_TEXT_MAX + 1]);

/* Checks a receipt payload (from a scanned QR) and fetches its status. */
enum kstatus_outcome kbackend_check_payload(struct kbackend *be,
	const uint8_t *p, size_t len, struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1]);
/* The same from the QR text ("JR1:..."). */
enum kstatus_outcome kbackend_check_text(struct kbackend *be, const char *text,
	struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1]);
/* The same from a typed code. */
enum kstatus_outcome kbackend_check_code(struct kbackend *be, const char *code,
	struct jr_receipt *rc, struct kstatus *st);
/* Scans a grayscale picture for a receipt. */
enum kstatus_outcome kbackend_check_image(struct kbackend *be,
	const struct jr_image *img, struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1]);

/* The readable fields of this kiosk's registration `regid` at `height`
 * (for corrections; the personal fields are sealed and stay unknown). */
int kbackend_original(struct kbackend *be, uint64_t height,
	const uint8_t regid[JR_REGID_BYTES], struct jr_registration *out);

/* Officer mode: opens the PIN-sealed officer key at path; JR_EPIN for a
 * wrong PIN, JR_EKEY if it is not an officer's key. The key is freed at
 * once: the sync (jaring-sync) will use it, the kiosk only checks it. */
int kbackend_officer_check(const char *path, const char *pin,
	char id_short[JR_KEYID_SHORT_LEN + 1], struct jr_errbuf *eb);

#endif
