#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "log.h"
#include "util.h"
#include "jaring/binding.h"
#include "jaring/block.h"
#include "jaring/region.h"
#include "jaring/roster.h"

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

struct kpaths {
	char key[KCONF_PATH_MAX + 16];
	char shard[KCONF_PATH_MAX + 16];
	char counter[KCONF_PATH_MAX + 16];
	char store[KCONF_PATH_MAX + 16];
};

static bool make_paths(const struct kconfig *cfg, struct kpaths *p)
{
	bool ok = kpath(p->key, sizeof p->key, cfg->data_dir, "kiosk.key") &&
		kpath(p->shard, sizeof p->shard, cfg->data_dir, "shard.db") &&
		kpath(p->store, sizeof p->store, cfg->data_dir, "kiosk.db");

	if (cfg->counter_path[0] != '\0')
		return ok && kstrlcpy(p->counter, cfg->counter_path, sizeof p->counter);
	return ok && kpath(p->counter, sizeof p->counter, cfg->data_dir, "kiosk.counter");
}

static bool parse_village(const char *text, uint64_t *code, char *err, size_t errlen)
{
	const struct jr_region *r;

	if (text[0] == '\0') {
		kfmt(err, errlen, "the configuration names no village: set village = "
			"33.28.xx.xxxx (the kiosk's village code) and start again",
			NULL, NULL, NULL);
		return false;
	}
	if (jr_region_parse(text, strlen(text), code) != JR_OK ||
	    (r = jr_region_find(*code)) == NULL || r->level != JR_REGION_VILLAGE) {
		kfmt(err, errlen, "village = {1} in the configuration is not a village "
			"of Kab. or Kota Tegal; use a code such as 33.28.01.2001", text, NULL, NULL);
		return false;
	}
	return true;
}

/*
 * A new kiosk key, saved so that a copied disk yields no usable key where the
 * board has a TPM 2.0 (cfg->tpm, keys.h): sealed to it, and loaded back so
 * the key carries its binding to the TPM's monotonic counter, which the
 * shard keeps as the fork guard's high-water mark. Without a TPM the key file
 * is plain and the fork guard is the counter file and the centre's
 * acknowledged head; the officer menu says which (kbackend.tpm).
 */
static int new_kiosk_key(struct kbackend *be, const struct kconfig *cfg, const char *path,
	struct jr_errbuf *eb)
{
	struct jr_errbuf probe = { 0 };
	struct jr_key *k = NULL;
	int rc = jr_key_generate(JR_ROLE_KIOSK, &k);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "cannot make a kiosk key");
	if (cfg->tpm[0] == '\0' || strcmp(cfg->tpm, "none") == 0 ||
	    jr_tpm_present(&probe) != JR_OK) {
		klog("no TPM (%s): plain key file", probe.msg[0] != '\0' ? probe.msg :
			"none configured");
		be->kiosk = k;
		return jr_key_save(k, path, eb);
	}
	rc = jr_key_save_tpm(k, path, eb);
	jr_key_free(k);
	if (rc == JR_OK)
		rc = jr_key_load(path, &be->kiosk, eb);
	if (rc == JR_OK)
		klog("kiosk key sealed to the TPM");
	return rc;
}

/* First run: a new kiosk key, an empty shard, the binding to a village. */
static bool provision(struct kbackend *be, const struct kconfig *cfg,
	const struct kpaths *p, int64_t now, char *err, size_t errlen)
{
	struct jr_errbuf eb = { 0 };
	char when[24];

	if (exists(p->shard) || exists(p->counter)) {
		kfmt(err, errlen, "{1} or {2} exists without a kiosk key: this kiosk's key "
			"was lost; follow docs/operations.md (recovery with a new key)",
			p->shard, p->counter, NULL);
		return false;
	}
	if (new_kiosk_key(be, cfg, p->key, &eb) != JR_OK ||
	    jr_shard_create(p->shard, p->counter, be->kiosk, &eb) != JR_OK) {
		kfmt(err, errlen, "provisioning failed: {1}", eb.msg, NULL, NULL);
		return false;
	}
	snprintf(when, sizeof when, "%lld", (long long)now);
	if (!kstore_meta_put(be->store, "village", cfg->village) ||
	    !kstore_meta_put(be->store, "provisioned_at", when)) {
		kfmt(err, errlen, "provisioning failed: cannot write the kiosk database",
			NULL, NULL, NULL);
		return false;
	}
	be->provisioned_now = true;
	return true;
}

/* The village this kiosk is bound to: the configuration's, stored at the
 * first start, or the one a signed village binding on an officer's drive
 * gave it (village_source "drive"), which the configuration's template then
 * does not override. */
static bool check_binding(struct kbackend *be, const struct kconfig *cfg,
	char *err, size_t errlen)
{
	char bound[32], source[16];

	if (!kstore_meta_get(be->store, "village", bound, sizeof bound)) {
		if (!kstore_meta_put(be->store, "village", cfg->village))
			return false;
		return true;
	}
	if (kstore_meta_get(be->store, "village_source", source, sizeof source) &&
	    strcmp(source, "drive") == 0) {
		if (jr_region_parse(bound, strlen(bound), &be->village) != JR_OK) {
			kfmt(err, errlen, "the kiosk database names village {1}, which is not a "
				"village code; follow docs/operations.md (re-provisioning)", bound,
				NULL, NULL);
			return false;
		}
		if (strcmp(bound, cfg->village) != 0)
			klog("village %s from the officer's drive (the configuration says %s)",
				bound, cfg->village);
		return true;
	}
	if (strcmp(bound, cfg->village) != 0) {
		kfmt(err, errlen, "this kiosk is bound to village {1} but the configuration "
			"says {2}; a kiosk's village does not change: correct the configuration",
			bound, cfg->village, NULL);
		return false;
	}
	return true;
}

/*
 * The consortium key is pinned by its whole key id, as a fingerprint in the
 * store's meta, the first time the kiosk loads one (at provisioning, or at
 * the first start that is given one); from then on a consortium_pubkey file
 * with another id is refused. The id stands for the X25519 key the kiosk
 * seals to (jr_pubkey_load refuses an X25519 key the Ed25519 key does not
 * derive), so a replaced file cannot redirect the workers' data unnoticed.
 * Changing the consortium key is re-provisioning, not an edit of a file.
 */
static bool pin_consortium(struct kbackend *be, const struct kconfig *cfg,
	const struct jr_pubkey *cons)
{
	char fp[JR_KEYID_FINGERPRINT_LEN + 1];

	jr_keyid_fingerprint(cons->id, fp);
	if (be->consortium_fp[0] == '\0') {
		if (!kstore_meta_put(be->store, "consortium_fingerprint", fp)) {
			kfmt(be->why_not, sizeof be->why_not, "cannot pin the consortium "
				"key {1} in the kiosk database; check the data directory",
				fp, NULL, NULL);
			return false;
		}
		kstrlcpy(be->consortium_fp, fp, sizeof be->consortium_fp);
		klog("consortium key %s pinned", fp);
		return true;
	}
	if (strcmp(fp, be->consortium_fp) != 0) {
		kfmt(be->why_not, sizeof be->why_not, "consortium key file {1} has "
			"fingerprint {2} but this kiosk was provisioned with {3}: the file "
			"was replaced. This kiosk will not seal anyone's data to it: put "
			"back the consortium key it was given, or re-provision the kiosk "
			"(docs/operations.md)", cfg->consortium_pubkey, fp, be->consortium_fp);
		klog("consortium key file has fingerprint %s, pinned %s: refused", fp,
			be->consortium_fp);
		return false;
	}
	return true;
}

static void open_registrar_file(struct kbackend *be, const struct kconfig *cfg);

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The pinned consortium key itself (store meta "consortium_pk", hex), so
 * that officer custody and the sync keep checking signatures against it
 * when the key file was replaced or removed. It must match the pinned
 * fingerprint. */
static void pinned_key(struct kbackend *be)
{
	char hex[2 * JR_SIGN_PK_BYTES + 1], fp[JR_KEYID_FINGERPRINT_LEN + 1];
	struct jr_pubkey p;

	if (be->has_consortium || be->consortium_fp[0] == '\0' ||
	    !kstore_meta_get(be->store, "consortium_pk", hex, sizeof hex) ||
	    strlen(hex) != 2 * JR_SIGN_PK_BYTES)
		return;
	memset(&p, 0, sizeof p);
	for (size_t i = 0; i < JR_SIGN_PK_BYTES; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return;
		p.sign_pk[i] = (uint8_t)(hi << 4 | lo);
	}
	p.role = JR_ROLE_CONSORTIUM;
	jr_keyid_from_pk(p.sign_pk, p.id);
	jr_keyid_fingerprint(p.id, fp);
	if (strcmp(fp, be->consortium_fp) != 0 || jr_pubkey_derive_box(p.sign_pk, p.box_pk) != JR_OK)
		return;
	be->consortium = p;
	be->has_consortium = true;
}

static void remember_key(struct kbackend *be, const struct jr_pubkey *cons)
{
	char hex[2 * JR_SIGN_PK_BYTES + 1], have[2 * JR_SIGN_PK_BYTES + 1];

	be->consortium = *cons;
	be->has_consortium = true;
	jr_hex(cons->sign_pk, JR_SIGN_PK_BYTES, hex);
	if ((!kstore_meta_get(be->store, "consortium_pk", have, sizeof have) ||
	     strcmp(have, hex) != 0) && !kstore_meta_put(be->store, "consortium_pk", hex))
		klog("cannot store the pinned consortium key");
}

/* The consent text this kiosk shows (scr_register.c) is version 1: a policy
 * that asks for another one cannot be followed by this software. */
#define KIOSK_CONSENT_VERSION 1

/* The policy in force at this kiosk's village is the one the latest answer
 * from the centre brought (the answers are applied newest only, so an old
 * one replayed never brings an old policy back); until one came, the
 * built-in version 1. The registrar judges with be->policy, so the next
 * registration is under it. */
static void adopt_policy(struct kbackend *be)
{
	struct jr_buf b = { NULL, 0 }, have = { NULL, 0 };
	struct jr_policy p;

	if (!kstore_down_policy(be->store, &b) || b.len == 0) {
		jr_buf_free(&b);
		return;
	}
	if (jr_policy_decode(b.base, b.len, &p, NULL) != JR_OK) {
		klog("the centre's policy record does not decode; version %u stays in force",
			(unsigned)be->policy.version);
	} else if (p.consent_version != KIOSK_CONSENT_VERSION) {
		klog_console("the centre's policy version %u needs consent text version %u, which"
			" this kiosk's software does not have: version %u stays in force; update the"
			" kiosk", (unsigned)p.version, (unsigned)p.consent_version,
			(unsigned)be->policy.version);
	} else if (jr_policy_encode(&be->policy, &have) != JR_OK || have.len != b.len ||
		memcmp(have.base, b.base, b.len) != 0) {
		klog_console("policy version %u from the centre is in force (ages %u-%u, income"
			" ceiling Rp%llu)", (unsigned)p.version, (unsigned)p.min_age,
			(unsigned)p.max_age, (unsigned long long)p.income_ceiling_rp);
		be->policy = p;
	}
	jr_buf_free(&have);
	jr_buf_free(&b);
}

static void open_registrar(struct kbackend *be, const struct kconfig *cfg)
{
	jr_policy_default(&be->policy);
	adopt_policy(be);
	if (!kstore_meta_get(be->store, "consortium_fingerprint", be->consortium_fp,
		sizeof be->consortium_fp))
		be->consortium_fp[0] = '\0';
	open_registrar_file(be, cfg);
	pinned_key(be);
}

static void open_registrar_file(struct kbackend *be, const struct kconfig *cfg)
{
	struct jr_pubkey cons;
	struct jr_errbuf eb = { 0 };

	if (cfg->consortium_pubkey[0] == '\0') {
		kfmt(be->why_not, sizeof be->why_not, "no consortium_pubkey in the "
			"configuration", NULL, NULL, NULL);
		return;
	}
	if (jr_pubkey_load(cfg->consortium_pubkey, &cons, &eb) != JR_OK) {
		kfmt(be->why_not, sizeof be->why_not, "{1}", eb.msg, NULL, NULL);
		return;
	}
	if (cons.role != JR_ROLE_CONSORTIUM) {
		kfmt(be->why_not, sizeof be->why_not, "{1} is not the consortium's key",
			cfg->consortium_pubkey, NULL, NULL);
		return;
	}
	if (!pin_consortium(be, cfg, &cons))
		return;
	remember_key(be, &cons);
	if (jr_shard_stale(be->shard)) {
		be->stale = true;
		kfmt(be->why_not, sizeof be->why_not, "This kiosk's records are behind what the "
			"centre acknowledged: it was restored from an old copy. It will not register "
			"anyone. Follow docs/operations.md, \"Restoring a kiosk from a backup\": "
			"export what remains, then provision a new kiosk key.", NULL, NULL, NULL);
		klog("shard stale: registering refused");
		return;
	}
	if (jr_registrar_new(be->shard, be->kiosk, &be->policy, cons.box_pk,
		&be->registrar) != JR_OK) {
		kfmt(be->why_not, sizeof be->why_not, "cannot start the registrar",
			NULL, NULL, NULL);
		return;
	}
	be->can_register = true;
}

bool kbackend_open(struct kbackend *be, const struct kconfig *cfg, int64_t now,
	char *err, size_t errlen)
{
	struct kpaths p;
	struct jr_errbuf eb = { 0 };
	int err_bind;

	memset(be, 0, sizeof *be);
	if (!make_paths(cfg, &p) || !kmkdirs(cfg->data_dir)) {
		kfmt(err, errlen, "cannot create the data directory {1}", cfg->data_dir,
			NULL, NULL);
		return false;
	}
	if (!parse_village(cfg->village, &be->village, err, errlen) ||
	    !kstore_open(p.store, &be->store, err, errlen))
		return false;
	/* The TPM a sealed key file opens with, for this process and what it
	 * runs (keys.h); tpm = none or unset leaves JARING_TPM as it is. */
	if (cfg->tpm[0] != '\0' && strcmp(cfg->tpm, "none") != 0) {
		setenv("JARING_TPM", cfg->tpm, 1);
		/* tpm2-tss logs to stderr; what matters comes back in eb. */
		setenv("TSS2_LOG", "all+NONE", 0);
	}
	if (!exists(p.key)) {
		if (!provision(be, cfg, &p, now, err, errlen))
			return false;
	} else if (jr_key_load(p.key, &be->kiosk, &eb) != JR_OK) {
		kfmt(err, errlen, "{1}", eb.msg, NULL, NULL);
		return false;
	}
	if (!check_binding(be, cfg, err, errlen))
		return false;
	if (jr_key_role(be->kiosk) != JR_ROLE_KIOSK) {
		kfmt(err, errlen, "{1} is not a kiosk key", p.key, NULL, NULL);
		return false;
	}
	jr_key_public(be->kiosk, &be->kiosk_pub);
	jr_keyid_short(be->kiosk_pub.id, be->kiosk_short);
	be->tpm = jr_key_tpm_bound(be->kiosk);
	if (jr_shard_open(p.shard, p.counter, be->kiosk, &be->shard, &eb) != JR_OK) {
		kfmt(err, errlen, "{1}", eb.msg, NULL, NULL);
		return false;
	}
	open_registrar(be, cfg);
	if (be->provisioned_now) {
		/* A first boot with the officer's drive already in. */
		err_bind = kbackend_bind_from_drive(be, cfg, &eb);
		if (err_bind != JR_OK && err_bind != JR_ENOTFOUND)
			klog_console("village binding on the drive not used: %s", eb.msg);
	}
	klog("kiosk %s open: height %llu, %s, %s", be->kiosk_short,
		(unsigned long long)jr_shard_height(be->shard),
		be->provisioned_now ? "provisioned now" : "existing",
		be->tpm ? "key sealed to the TPM" : "no TPM");
	return true;
}

void kbackend_close(struct kbackend *be)
{
	if (be->registrar != NULL)
		jr_registrar_free(be->registrar);
	if (be->shard != NULL)
		jr_shard_close(be->shard);
	if (be->kiosk != NULL)
		jr_key_free(be->kiosk);
	kstore_close(be->store);
	memset(be, 0, sizeof *be);
}

int kbackend_submit(struct kbackend *be, struct jr_registration *r, int64_t now,
	struct jr_verdict *v, struct jr_issued *out, struct jr_errbuf *eb)
{
	int rc;

	if (!be->can_register)
		return jr_errf(eb, JR_EINVAL, "this kiosk cannot register: %s", be->why_not);
	rc = jr_registrar_submit(be->registrar, r, now, v, out, eb);
	if (rc == JR_OK)
		klog("registered: height %llu", (unsigned long long)out->height);
	else
		klog("registration refused: %s, %zu reasons", jr_strerror(rc),
			rc == JR_ERULE ? v->n : (size_t)0);
	return rc;
}

uint64_t kbackend_height(struct kbackend *be)
{
	return be->shard ? jr_shard_height(be->shard) : 0;
}

uint64_t kbackend_record_count(struct kbackend *be)
{
	uint64_t n = 0, h = kbackend_height(be);

	for (uint64_t i = 1; i <= h; i++) {
		struct jr_buf body = { 0 };
		uint8_t sig[JR_SIG_BYTES];
		struct jr_block b;

		if (jr_shard_get(be->shard, i, &body, sig, NULL) != JR_OK)
			continue;
		if (jr_block_decode(body.base, body.len, &b, NULL) == JR_OK)
			n += b.n_records;
		jr_buf_free(&body);
	}
	return n;
}

int kbackend_last_receipt(struct kbackend *be, struct jr_receipt *rc,
	char text[JR_RECEIPT_TEXT_MAX + 1])
{
	struct jr_buf p = { 0 };
	int err;

	if (be->shard == NULL)
		return JR_ENOTFOUND;
	err = jr_shard_last_receipt(be->shard, &p);
	if (err == JR_OK)
		err = jr_receipt_verify(p.base, p.len, be->kiosk_pub.sign_pk, rc, NULL);
	if (err == JR_OK)
		err = jr_receipt_to_text(p.base, p.len, text, JR_RECEIPT_TEXT_MAX + 1);
	jr_buf_free(&p);
	return err;
}

static enum kstatus_outcome own_receipt(struct kbackend *be, const uint8_t *p,
	size_t len, struct jr_receipt *rc, struct kstatus *st)
{
	struct jr_buf stored = { 0 };
	bool same;

	if (jr_receipt_verify(p, len, be->kiosk_pub.sign_pk, rc, NULL) != JR_OK)
		return KSO_FORGED;
	/* Genuine signature: it must also be one this shard issued. */
	if (jr_shard_receipt(be->shard, rc->regid, &stored) != JR_OK)
		return KSO_CODE_UNKNOWN;
	same = stored.len == len && sodium_memcmp(stored.base, p, len) == 0;
	jr_buf_free(&stored);
	if (!same)
		return KSO_FORGED;
	(void)kstore_status_get(be->store, rc->regid, st);
	return KSO_OWN;
}

enum kstatus_outcome kbackend_check_payload(struct kbackend *be,
	const uint8_t *p, size_t len, struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1])
{
	const uint8_t *sig;
	uint8_t pk[JR_SIGN_PK_BYTES];
	struct jr_receipt unverified;
	enum kstatus_outcome o;

	memset(rc, 0, sizeof *rc);
	memset(st, 0, sizeof *st);
	other_kiosk[0] = '\0';
	if (jr_receipt_decode(p, len, &unverified, &sig, NULL) != JR_OK)
		o = KSO_NOT_RECEIPT;
	else if (sodium_memcmp(unverified.kiosk_id, be->kiosk_pub.id, JR_ID_BYTES) == 0)
		o = own_receipt(be, p, len, rc, st);
	else {
		jr_keyid_short(unverified.kiosk_id, other_kiosk);
		if (!kstore_roster_get(be->store, unverified.kiosk_id, pk))
			o = KSO_FOREIGN_UNKNOWN;
		else if (jr_receipt_verify(p, len, pk, rc, NULL) != JR_OK)
			o = KSO_FORGED;
		else
			o = KSO_FOREIGN_KNOWN;
	}
	sodium_memzero(&unverified, sizeof unverified);
	klog("status check: outcome %d", (int)o);
	return o;
}

enum kstatus_outcome kbackend_check_text(struct kbackend *be, const char *text,
	struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1])
{
	uint8_t payload[JR_RECEIPT_MAX_BYTES];
	size_t len = 0;

	memset(rc, 0, sizeof *rc);
	memset(st, 0, sizeof *st);
	other_kiosk[0] = '\0';
	if (jr_receipt_from_text(text, strlen(text), payload, &len, NULL) != JR_OK) {
		klog("status check: outcome %d", (int)KSO_NOT_RECEIPT);
		return KSO_NOT_RECEIPT;
	}
	return kbackend_check_payload(be, payload, len, rc, st, other_kiosk);
}

enum kstatus_outcome kbackend_check_code(struct kbackend *be, const char *code,
	struct jr_receipt *rc, struct kstatus *st)
{
	struct jr_buf p = { 0 };
	uint64_t prefix;
	char other[JR_KEYID_SHORT_LEN + 1];
	enum kstatus_outcome o;
	int err;

	memset(rc, 0, sizeof *rc);
	memset(st, 0, sizeof *st);
	if (jr_receipt_code_parse(code, strlen(code), &prefix, NULL) != JR_OK) {
		o = KSO_CODE_INVALID;
	} else {
		/* Two registrations can share a code (45 bits): then no status
		 * at all, since the newest match may be another person's. */
		err = jr_shard_receipt_by_code(be->shard, prefix, &p);
		if (err == JR_EAMBIGUOUS)
			o = KSO_CODE_AMBIGUOUS;
		else if (err != JR_OK)
			o = KSO_CODE_UNKNOWN;
		else
			o = kbackend_check_payload(be, p.base, p.len, rc, st, other);
	}
	jr_buf_free(&p);
	if (o == KSO_CODE_INVALID || o == KSO_CODE_UNKNOWN || o == KSO_CODE_AMBIGUOUS)
		klog("status check: outcome %d", (int)o);
	return o;
}

enum kstatus_outcome kbackend_check_image(struct kbackend *be,
	const struct jr_image *img, struct jr_receipt *rc, struct kstatus *st,
	char other_kiosk[JR_KEYID_SHORT_LEN + 1])
{
	char text[1024];
	size_t len = 0;

	memset(rc, 0, sizeof *rc);
	memset(st, 0, sizeof *st);
	other_kiosk[0] = '\0';
	if (jr_qr_scan(img, text, sizeof text, &len, NULL) != JR_OK) {
		klog("status check: outcome %d", (int)KSO_NO_QR);
		return KSO_NO_QR;
	}
	return kbackend_check_text(be, text, rc, st, other_kiosk);
}

int kbackend_original(struct kbackend *be, uint64_t height,
	const uint8_t regid[JR_REGID_BYTES], struct jr_registration *out)
{
	struct jr_buf body = { 0 };
	uint8_t sig[JR_SIG_BYTES], id[JR_REGID_BYTES];
	struct jr_block b;
	int err;

	memset(out, 0, sizeof *out);
	err = jr_shard_get(be->shard, height, &body, sig, NULL);
	if (err == JR_OK)
		err = jr_block_decode(body.base, body.len, &b, NULL);
	if (err == JR_OK) {
		err = JR_ENOTFOUND;
		for (size_t i = 0; i < b.n_records; i++) {
			jr_record_id(b.records[i], b.record_len[i], id);
			if (sodium_memcmp(id, regid, JR_REGID_BYTES) != 0)
				continue;
			err = jr_record_decode(b.records[i], b.record_len[i], out, NULL);
			break;
		}
	}
	jr_buf_free(&body);
	return err;
}

int kbackend_officer_check(const char *path, const char *pin,
	char id_short[JR_KEYID_SHORT_LEN + 1], struct jr_errbuf *eb)
{
	struct jr_key *k = NULL;
	int err;

	id_short[0] = '\0';
	if (path == NULL || path[0] == '\0')
		return jr_errf(eb, JR_ENOTFOUND, "no officer key configured");
	err = jr_key_load_pin(path, pin, strlen(pin), &k, eb);
	if (err != JR_OK)
		return err;
	if (jr_key_role(k) != JR_ROLE_OFFICER)
		err = jr_errf(eb, JR_EKEY, "%s is not an officer's key", path);
	else
		jr_keyid_short(jr_key_id(k), id_short);
	jr_key_free(k);
	return err;
}

/* ---- officer custody ---- */

int64_t kbackend_pin_locked(struct kbackend *be, int64_t now)
{
	int64_t until = kstore_meta_i64(be->store, "pin_locked_until");

	return until > now ? until - now : 0;
}

static void pin_failed(struct kbackend *be, int64_t now)
{
	int64_t n = kstore_meta_i64(be->store, "pin_failures") + 1, lock = 0;

	if (n >= KPIN_FREE_TRIES) {
		lock = KPIN_LOCK_S;
		for (int64_t i = KPIN_FREE_TRIES; i < n && lock < KPIN_LOCK_MAX_S; i++)
			lock *= 2;
		if (lock > KPIN_LOCK_MAX_S)
			lock = KPIN_LOCK_MAX_S;
	}
	if (!kstore_meta_put_i64(be->store, "pin_failures", n) ||
	    !kstore_meta_put_i64(be->store, "pin_locked_until", lock > 0 ? now + lock : 0))
		klog("cannot record a failed officer PIN");
	klog("officer PIN wrong (%lld in a row)", (long long)n);
}

/* The roster this kiosk trusts: the last sync's, else the provisioning one. */
static int trusted_roster(struct kbackend *be, const struct kconfig *cfg, struct jr_roster *r,
	struct jr_errbuf *eb)
{
	struct kdown d;
	struct jr_buf b = { NULL, 0 };
	int err;

	if (!be->has_consortium)
		return jr_errf(eb, JR_ENOTFOUND, "this kiosk has no consortium key yet");
	if (kstore_down_get(be->store, &d, &b) && b.len > 0) {
		err = jr_roster_open(b.base, b.len, d.roster_signer, r, eb);
		jr_buf_free(&b);
		return err;
	}
	jr_buf_free(&b);
	if (cfg->roster[0] == '\0' || !exists(cfg->roster))
		return jr_errf(eb, JR_ENOTFOUND, "this kiosk holds no roster: give it the "
			"consortium's roster file (roster = ... in its configuration)");
	if ((err = jr_file_read(cfg->roster, JR_ROSTER_MAX_BYTES, &b, eb)) != JR_OK)
		return err;
	err = jr_roster_open(b.base, b.len, be->consortium.sign_pk, r, eb);
	jr_buf_free(&b);
	return err;
}

int kbackend_officer_open(struct kbackend *be, const struct kconfig *cfg, const char *pin,
	int64_t now, uint8_t id[JR_ID_BYTES], char id_short[JR_KEYID_SHORT_LEN + 1],
	int64_t *locked_s, struct jr_errbuf *eb)
{
	struct jr_key *k = NULL;
	struct jr_roster r;
	int err;

	id_short[0] = '\0';
	memset(id, 0, JR_ID_BYTES);
	*locked_s = kbackend_pin_locked(be, now);
	if (*locked_s > 0)
		return jr_errf(eb, JR_EINVAL, "officer PIN locked for %lld more seconds",
			(long long)*locked_s);
	if (cfg->officer_key[0] == '\0')
		return jr_errf(eb, JR_ENOTFOUND, "no officer key configured");
	err = jr_key_load_pin(cfg->officer_key, pin, strlen(pin), &k, eb);
	if (err == JR_EPIN) {
		pin_failed(be, now);
		*locked_s = kbackend_pin_locked(be, now);
		return err;
	}
	if (err != JR_OK)
		return err;
	if (jr_key_role(k) != JR_ROLE_OFFICER) {
		jr_key_free(k);
		return jr_errf(eb, JR_EKEY, "%s is not an officer's key", cfg->officer_key);
	}
	memcpy(id, jr_key_id(k), JR_ID_BYTES);
	jr_keyid_short(id, id_short);
	jr_key_free(k);
	/* The PIN was right: the count starts again, whatever the roster says. */
	(void)kstore_meta_put_i64(be->store, "pin_failures", 0);
	(void)kstore_meta_put_i64(be->store, "pin_locked_until", 0);
	if ((err = trusted_roster(be, cfg, &r, eb)) != JR_OK)
		return err;
	err = jr_roster_check(&r, id, JR_ROLE_OFFICER, JR_PERM_SYNC, be->village, 0, eb);
	jr_roster_free(&r);
	klog("officer %s %s", id_short, err == JR_OK ? "on the roster" : "refused by the roster");
	return err;
}

void kbackend_drive_path(const struct kconfig *cfg, char *out, size_t n)
{
	char *slash;

	if (cfg->sync_drive[0] != '\0') {
		kstrlcpy(out, cfg->sync_drive, n);
		return;
	}
	kstrlcpy(out, cfg->officer_key, n);
	if ((slash = strrchr(out, '/')) == NULL) {
		kstrlcpy(out, ".", n);
		return;
	}
	*slash = '\0';
	if ((slash = strrchr(out, '/')) != NULL && strcmp(slash + 1, "JARING") == 0)
		*slash = '\0';
}

int kbackend_bind_from_drive(struct kbackend *be, const struct kconfig *cfg,
	struct jr_errbuf *eb)
{
	char drive[KCONF_PATH_MAX], path[KCONF_PATH_MAX + 32], code[32];
	struct jr_buf b = { NULL, 0 };
	struct jr_binding bd;
	int err;

	kbackend_drive_path(cfg, drive, sizeof drive);
	if (!kpath(path, sizeof path, drive, KBINDING_FILE))
		return jr_errf(eb, JR_EINVAL, "the drive's path %s is too long", drive);
	if (!exists(path))
		return jr_errf(eb, JR_ENOTFOUND, "no village binding %s", path);
	if (be->shard == NULL || jr_shard_height(be->shard) > 0)
		return jr_errf(eb, JR_EEXIST, "this kiosk has registered people already: its "
			"village stays");
	if (!be->has_consortium)
		return jr_errf(eb, JR_EKEY, "this kiosk has no consortium key to check it with: "
			"give it consortium_pubkey");
	if ((err = jr_file_read(path, JR_BINDING_MAX_BYTES, &b, eb)) != JR_OK)
		return err;
	err = jr_binding_verify(b.base, b.len, be->consortium.sign_pk, &bd, eb);
	jr_buf_free(&b);
	if (err != JR_OK)
		return err;
	jr_region_format(bd.village, code, sizeof code);
	/* The source first: a power cut between the two leaves the village the
	 * kiosk had, which check_binding then accepts as its own. */
	if (!kstore_meta_put(be->store, "village_source", "drive") ||
	    !kstore_meta_put(be->store, "village", code) ||
	    !kstore_meta_put_i64(be->store, "village_issued", (int64_t)bd.issued))
		return jr_errf(eb, JR_EIO, "cannot write the village binding into the kiosk "
			"database; check the data directory");
	be->village = bd.village;
	klog_console("bound to village %s by the consortium's village binding on the "
		"officer's drive", code);
	return JR_OK;
}

/* ---- the status store as the sink of a downstream bundle ---- */

struct ksink {
	struct kbackend *be;
};

static int ks_begin(void *ctx, struct jr_errbuf *eb)
{
	struct ksink *k = ctx;

	return kstore_begin(k->be->store) ? JR_OK :
		jr_errf(eb, JR_EIO, "the kiosk database cannot start a transaction");
}

static int ks_status(void *ctx, const struct jr_status *s, struct jr_errbuf *eb)
{
	struct ksink *k = ctx;
	struct kstatus st;

	memset(&st, 0, sizeof st);
	memcpy(st.regid, s->regid, JR_REGID_BYTES);
	st.state = (int)s->state; /* enum jr_status_state and kstatus_state agree, 1..8 */
	st.approvals = s->approvals;
	st.agencies = s->agencies;
	kstrlcpy(st.decree, s->decree, sizeof st.decree);
	st.protected_from = s->protected_from;
	st.protected_to = s->protected_to;
	st.paid_through = s->paid_through;
	st.n_reasons = s->n_reasons;
	memcpy(st.reasons, s->reasons, sizeof st.reasons);
	return kstore_status_put(k->be->store, &st) ? JR_OK :
		jr_errf(eb, JR_EIO, "the kiosk database cannot store a status");
}

/* The roster's kiosks (for receipts of other kiosks), in the transaction. */
static bool put_roster_kiosks(struct kstore *st, const struct jr_downstream_result *r)
{
	struct jr_roster ro;
	bool ok = true;

	if (jr_roster_open(r->roster.base, r->roster.len, r->roster_signer_pk, &ro, NULL) != JR_OK)
		return false;
	for (size_t i = 0; i < ro.n && ok; i++)
		if (ro.m[i].role == JR_ROLE_KIOSK)
			ok = kstore_roster_put(st, ro.m[i].id, ro.m[i].sign_pk);
	jr_roster_free(&ro);
	return ok;
}

static int ks_commit(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb)
{
	struct ksink *k = ctx;
	struct kstore *st = k->be->store;
	struct kdown d;
	int64_t t = r->has_ack ? r->ack.time : (int64_t)r->bundle.time;

	memset(&d, 0, sizeof d);
	d.seq = r->seq;
	d.statuses = r->statuses;
	d.roster_serial = r->roster_serial;
	d.ack_time = t;
	memcpy(d.roster_signer, r->roster_signer_pk, JR_SIGN_PK_BYTES);
	if (!kstore_down_put(st, &d, r->roster.base, r->roster.len, r->policy_bytes.base,
		r->policy_bytes.len, r->checkpoint.base, r->checkpoint.len) ||
	    !put_roster_kiosks(st, r) ||
	    (t > 0 && !kstore_set_as_of(st, jr_date_from_unix(t))) ||
	    (t > kstore_meta_i64(st, "clock_floor") && !kstore_meta_put_i64(st, "clock_floor", t)) ||
	    !kstore_commit(st))
		return jr_errf(eb, JR_EIO, "the kiosk database cannot store the centre's answer");
	k->be->last_ack_time = t;
	return JR_OK;
}

static void ks_rollback(void *ctx)
{
	struct ksink *k = ctx;

	kstore_rollback(k->be->store);
}

int kbackend_visit(struct kbackend *be, const struct kconfig *cfg,
	const uint8_t officer[JR_ID_BYTES], int64_t now,
	void (*progress)(void *ctx, int stage, uint64_t done, uint64_t total), void *ctx,
	struct jr_sync_visit_counts *c, struct jr_errbuf *eb)
{
	struct ksink ks = { be };
	struct jr_downstream_sink sink = { ks_begin, ks_status, ks_commit, ks_rollback, &ks };
	struct jr_downstream_trust trust;
	struct jr_sync_visit v;
	struct jr_buf roster = { NULL, 0 };
	struct kdown d;
	char drive[KCONF_PATH_MAX];
	int err;

	memset(c, 0, sizeof *c);
	if (be->shard == NULL || !be->has_consortium)
		return jr_errf(eb, JR_EINVAL, "this kiosk cannot sync: %s", be->why_not);
	kbackend_drive_path(cfg, drive, sizeof drive);
	memset(&trust, 0, sizeof trust);
	memcpy(trust.pinned_pk, be->consortium.sign_pk, JR_SIGN_PK_BYTES);
	if (kstore_down_get(be->store, &d, &roster) && roster.len > 0) {
		trust.roster = roster.base;
		trust.roster_len = roster.len;
		memcpy(trust.roster_signer_pk, d.roster_signer, JR_SIGN_PK_BYTES);
	}
	trust.applied_seq = d.seq;
	memset(&v, 0, sizeof v);
	v.drive = drive;
	v.shard = be->shard;
	v.kiosk = be->kiosk;
	v.consortium = &be->consortium;
	v.registrar = be->registrar;
	memcpy(v.officer_id, officer, JR_ID_BYTES);
	v.trust = &trust;
	v.sink = &sink;
	v.applied_statuses = d.statuses;
	v.time = now > 0 ? (uint64_t)now : 0;
	v.progress = progress;
	v.progress_ctx = ctx;
	err = jr_sync_visit_run(&v, c, eb);
	jr_buf_free(&roster);
	adopt_policy(be); /* the answer's, if one was applied */
	if (c->stale || jr_shard_stale(be->shard)) {
		be->stale = true;
		be->can_register = false;
		kfmt(be->why_not, sizeof be->why_not, "This kiosk's records are behind what the "
			"centre acknowledged: it was restored from an old copy. It will not register "
			"anyone. Follow docs/operations.md, \"Restoring a kiosk from a backup\": "
			"export what remains, then provision a new kiosk key.", NULL, NULL, NULL);
	}
	klog("visit %llu: out %llu, acknowledged %llu, statuses %llu, %s",
		(unsigned long long)c->visit_number, (unsigned long long)c->up.on_drive,
		(unsigned long long)c->acked, (unsigned long long)c->statuses,
		err != JR_OK ? "failed" : c->complete ? "complete" : "not complete");
	return err;
}
