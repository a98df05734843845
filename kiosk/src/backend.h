/*
 * backend.h — everything the kiosk asks of the ledger, in one place:
 * provisioning on first run, registering (jaring/registrar.h), receipts,
 * status lookups and the status store. Screens call these; nothing else in
 * the kiosk touches keys or the shard.
 *
 * Files under the configured data_dir:
 *   kiosk.key   the kiosk's identity, mode 0600: sealed to the TPM where
 *               the board has one (jr_key_save_tpm), else plain (jr_key_save)
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
#include "jaring/sync.h"

/* Officer PIN attempts (docs/kiosk.md "Officer mode"): KPIN_FREE_TRIES - 1
 * wrong PINs in a row cost nothing; the next locks the PIN screen for
 * KPIN_LOCK_S seconds, each further one doubles that, up to KPIN_LOCK_MAX_S.
 * Counted in the store, so a restart does not reset them; the right PIN
 * does. */
#define KPIN_FREE_TRIES 5
#define KPIN_LOCK_S 60
#define KPIN_LOCK_MAX_S (24 * 3600)

struct kbackend {
	struct jr_key *kiosk;
	struct jr_pubkey kiosk_pub;
	struct jr_shard *shard;
	struct jr_registrar *registrar;
	struct kstore *store;
	struct jr_policy policy;
	uint64_t village;
	bool provisioned_now;       /* this start created the key and shard */
	bool tpm;                   /* the key is sealed to a TPM, whose monotonic
	                             * counter is the fork guard's high-water mark */
	bool can_register;          /* consortium key present, registrar ready */
	char kiosk_short[JR_KEYID_SHORT_LEN + 1];
	/* the consortium key this kiosk pinned (jr_keyid_fingerprint); "" until
	 * it was first given one */
	char consortium_fp[JR_KEYID_FINGERPRINT_LEN + 1];
	bool has_consortium;        /* the pinned consortium key was loaded */
	struct jr_pubkey consortium;
	bool stale;                 /* the centre's ack showed the shard behind */
	char why_not[512];          /* when !can_register: what to do */
	int64_t last_ack_time;      /* the checkpoint time the last sync brought */
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
 * once: the kiosk only needs to know who it is. */
int kbackend_officer_check(const char *path, const char *pin,
	char id_short[JR_KEYID_SHORT_LEN + 1], struct jr_errbuf *eb);

/* Seconds the officer PIN stays locked at `now` (0: it may be tried). */
int64_t kbackend_pin_locked(struct kbackend *be, int64_t now);
/* The officer custody check: not locked (JR_EINVAL, *locked_s set), the
 * PIN opens the key (JR_EPIN, counted), an officer's key (JR_EKEY), and on
 * the roster this kiosk trusts with the sync permission for its village,
 * not revoked (JR_ENOTFOUND, JR_EKEY: eb says which). The roster is the one
 * the last sync brought, else the one given at provisioning (cfg->roster,
 * signed by the pinned consortium key). On success id gets the officer's
 * key id and the failures are forgotten. */
int kbackend_officer_open(struct kbackend *be, const struct kconfig *cfg, const char *pin,
	int64_t now, uint8_t id[JR_ID_BYTES], char id_short[JR_KEYID_SHORT_LEN + 1],
	int64_t *locked_s, struct jr_errbuf *eb);

/* The drive's mount point: cfg->sync_drive, else the folder of the
 * officer's key (its parent if that folder is JARING). */
void kbackend_drive_path(const struct kconfig *cfg, char *out, size_t n);

/* The village binding an officer's drive carries (KBINDING_FILE under the
 * drive, docs/formats.md "Village binding"), taken while the kiosk has
 * registered no one (height 0): verified with the pinned consortium key, it
 * binds the kiosk to its village in place of the configuration's, for good
 * (store meta village, village_source "drive"). JR_ENOTFOUND: no file;
 * JR_EEXIST: the kiosk has registered already (the village stays); JR_ESIG,
 * JR_EKEY: not signed by the pinned consortium key; other errors: the file
 * is refused (eb says why, without the path; nothing changed). */
#define KBINDING_FILE "JARING/VILLAGE.JRP"
int kbackend_bind_from_drive(struct kbackend *be, const struct kconfig *cfg,
	struct jr_errbuf *eb);

/* One officer visit through the library (jr_sync_visit_run): the export,
 * the newest answer applied to the shard and the status store whole or not
 * at all, the counts reconciled, the visit logged. Runs on the sync worker
 * thread; nothing else may use the backend meanwhile. A stale shard turns
 * can_register off with the recovery procedure in why_not. */
int kbackend_visit(struct kbackend *be, const struct kconfig *cfg,
	const uint8_t officer[JR_ID_BYTES], int64_t now,
	void (*progress)(void *ctx, int stage, uint64_t done, uint64_t total), void *ctx,
	struct jr_sync_visit_counts *c, struct jr_errbuf *eb);

#endif
