/*
 * Identities: derivation from a seed, key ids, domain-separated signatures
 * (jaring/keys.h); key files and public key files (docs/keys.md) below.
 *
 * The secret parts of a key (seed, Ed25519 secret key, X25519 secret key)
 * live in one sodium_malloc'd region with guard pages, made read-only once
 * derived, and wiped by sodium_free. It is not toggled to no-access between
 * uses: that costs two mprotect calls per signature (25 -> 29 us measured
 * here, against a budget of about 30 us) and would need a lock to be safe
 * when two threads sign with one key.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "fileio.h"
#include "keys_int.h"
#include "tpm.h"

#define DOMAIN_MAX 64

#define KEYID_LABEL "jaring/keyid/v2"

struct key_secret {
	uint8_t seed[JR_SEED_BYTES];
	uint8_t sign_sk[crypto_sign_SECRETKEYBYTES];
	uint8_t box_sk[crypto_scalarmult_SCALARBYTES];
};

struct jr_key {
	enum jr_role role;
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	uint8_t box_pk[JR_BOX_PK_BYTES];
	uint8_t id[JR_ID_BYTES];
	struct key_secret *sec;
	/* loaded from a TPM-sealed key file: its counter binding */
	bool tpm;
	uint32_t nv_index;
	uint64_t nv_base;
};

static bool role_valid(uint64_t role)
{
	return role >= JR_ROLE_KIOSK && role <= JR_ROLE_CONSORTIUM;
}

/* A key whose secret region is still writable and holds no seed yet.
 * Fails only for a bad role or no memory. */
static struct jr_key *key_alloc(enum jr_role role)
{
	struct jr_key *k;

	if (!role_valid((uint64_t)role))
		return NULL;
	if ((k = calloc(1, sizeof *k)) == NULL)
		return NULL;
	if ((k->sec = sodium_malloc(sizeof *k->sec)) == NULL) {
		free(k);
		return NULL;
	}
	sodium_memzero(k->sec, sizeof *k->sec);
	k->role = role;
	return k;
}

/*
 * Fills both key pairs and the id from k->sec->seed, then seals the secret
 * region read-only. The X25519 pair is the Ed25519 pair converted (secret:
 * the clamped low half of SHA-512(seed); public: u = (1 + y) / (1 - y)), so
 * the Ed25519 public key, and with it the key id, determines both.
 */
static int key_derive(struct jr_key *k)
{
	struct key_secret *s = k->sec;
	int rc = JR_OK;

	if (crypto_sign_seed_keypair(k->sign_pk, s->sign_sk, s->seed) != 0 ||
	    crypto_sign_ed25519_sk_to_curve25519(s->box_sk, s->sign_sk) != 0 ||
	    jr_pubkey_derive_box(k->sign_pk, k->box_pk) != JR_OK)
		rc = JR_EINTERNAL;
	jr_keyid_from_pk(k->sign_pk, k->id);
	sodium_mprotect_readonly(s);
	return rc;
}

int jr_key_generate(enum jr_role role, struct jr_key **out)
{
	struct jr_key *k;
	int rc;

	*out = NULL;
	if (!role_valid((uint64_t)role))
		return JR_EINVAL;
	if ((k = key_alloc(role)) == NULL)
		return JR_ENOMEM;
	randombytes_buf(k->sec->seed, JR_SEED_BYTES);
	if ((rc = key_derive(k)) != JR_OK) {
		jr_key_free(k);
		return rc;
	}
	*out = k;
	return JR_OK;
}

int jr_key_from_seed(enum jr_role role, const uint8_t seed[JR_SEED_BYTES],
	struct jr_key **out)
{
	struct jr_key *k;
	int rc;

	*out = NULL;
	if (seed == NULL || !role_valid((uint64_t)role))
		return JR_EINVAL;
	if ((k = key_alloc(role)) == NULL)
		return JR_ENOMEM;
	memcpy(k->sec->seed, seed, JR_SEED_BYTES);
	if ((rc = key_derive(k)) != JR_OK) {
		jr_key_free(k);
		return rc;
	}
	*out = k;
	return JR_OK;
}

void jr_key_free(struct jr_key *k)
{
	if (k == NULL)
		return;
	sodium_free(k->sec); /* makes it writable, wipes, unmaps */
	sodium_memzero(k, sizeof *k);
	free(k);
}

enum jr_role jr_key_role(const struct jr_key *k)
{
	return k->role;
}

void jr_key_public(const struct jr_key *k, struct jr_pubkey *out)
{
	memset(out, 0, sizeof *out);
	out->role = k->role;
	memcpy(out->sign_pk, k->sign_pk, sizeof out->sign_pk);
	memcpy(out->box_pk, k->box_pk, sizeof out->box_pk);
	memcpy(out->id, k->id, sizeof out->id);
}

const uint8_t *jr_key_id(const struct jr_key *k)
{
	return k->id;
}

int jr_pubkey_derive_box(const uint8_t sign_pk[JR_SIGN_PK_BYTES],
	uint8_t box_pk[JR_BOX_PK_BYTES])
{
	if (box_pk == NULL)
		return JR_EINVAL;
	/* is_valid_point: canonical, on the curve, not of small order, in the
	 * main subgroup; the conversion refuses small order on its own too. */
	if (sign_pk == NULL || crypto_core_ed25519_is_valid_point(sign_pk) != 1 ||
	    crypto_sign_ed25519_pk_to_curve25519(box_pk, sign_pk) != 0) {
		memset(box_pk, 0, JR_BOX_PK_BYTES);
		return JR_EKEY;
	}
	return JR_OK;
}

void jr_keyid_from_pk(const uint8_t sign_pk[JR_SIGN_PK_BYTES], uint8_t id[JR_ID_BYTES])
{
	const struct jr_part part = { sign_pk, JR_SIGN_PK_BYTES };

	/* Fails only for a bad label or length, both constant here. */
	if (jr_hash_labelled(KEYID_LABEL, &part, 1, id, JR_ID_BYTES) != JR_OK)
		memset(id, 0, JR_ID_BYTES);
}

/* Symbols [0, n) of the id in Crockford base32, most significant bit first,
 * bits past the 128th read as zero; a dash before every symbol i > 0 with
 * i % 4 == 0. Returns the characters written (no NUL). */
static size_t keyid_base32(const uint8_t id[JR_ID_BYTES], size_t n, char *out)
{
	static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	size_t i, b, o = 0;

	for (i = 0; i < n; i++) {
		unsigned v = 0;
		for (b = 5 * i; b < 5 * i + 5; b++) {
			unsigned bit = b < 8 * JR_ID_BYTES ?
				(unsigned)(id[b / 8] >> (7 - b % 8)) & 1u : 0u;
			v = v << 1 | bit;
		}
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		out[o++] = crockford[v];
	}
	return o;
}

void jr_keyid_short(const uint8_t id[JR_ID_BYTES], char *out)
{
	out[keyid_base32(id, 8, out)] = '\0';
}

void jr_keyid_fingerprint(const uint8_t id[JR_ID_BYTES], char *out)
{
	out[keyid_base32(id, 26, out)] = '\0';
}

/* domain || 0x00 || hash into m; the domain is 1..DOMAIN_MAX printable
 * ASCII characters. Returns the message length, 0 for a bad domain. */
static size_t sign_message(const char *domain, const uint8_t hash[JR_HASH_BYTES],
	uint8_t m[DOMAIN_MAX + 1 + JR_HASH_BYTES])
{
	size_t n, i;

	if (domain == NULL || hash == NULL)
		return 0;
	n = strnlen(domain, DOMAIN_MAX + 1);
	if (n == 0 || n > DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (domain[i] <= ' ' || domain[i] > '~')
			return 0;
	memcpy(m, domain, n);
	m[n] = 0;
	memcpy(m + n + 1, hash, JR_HASH_BYTES);
	return n + 1 + JR_HASH_BYTES;
}

int jr_sign_hash(const struct jr_key *k, const char *domain,
	const uint8_t hash[JR_HASH_BYTES], uint8_t sig[JR_SIG_BYTES])
{
	uint8_t m[DOMAIN_MAX + 1 + JR_HASH_BYTES];
	size_t n = sign_message(domain, hash, m);

	if (sig == NULL)
		return JR_EINVAL;
	memset(sig, 0, JR_SIG_BYTES);
	if (k == NULL || n == 0)
		return JR_EINVAL;
	if (crypto_sign_detached(sig, NULL, m, n, k->sec->sign_sk) != 0) {
		memset(sig, 0, JR_SIG_BYTES);
		return JR_EINTERNAL;
	}
	return JR_OK;
}

int jr_verify_hash(const uint8_t sign_pk[JR_SIGN_PK_BYTES], const char *domain,
	const uint8_t hash[JR_HASH_BYTES], const uint8_t sig[JR_SIG_BYTES])
{
	uint8_t m[DOMAIN_MAX + 1 + JR_HASH_BYTES];
	size_t n = sign_message(domain, hash, m);

	if (sign_pk == NULL || sig == NULL || n == 0)
		return JR_EINVAL;
	return crypto_sign_verify_detached(sig, m, n, sign_pk) == 0 ? JR_OK : JR_ESIG;
}

int jr_sign_note(const struct jr_key *k, const uint8_t *msg, size_t len,
	uint8_t sig[JR_SIG_BYTES])
{
	if (sig == NULL)
		return JR_EINVAL;
	memset(sig, 0, JR_SIG_BYTES);
	if (k == NULL || (msg == NULL && len > 0))
		return JR_EINVAL;
	if (crypto_sign_detached(sig, NULL, msg, len, k->sec->sign_sk) != 0) {
		memset(sig, 0, JR_SIG_BYTES);
		return JR_EINTERNAL;
	}
	return JR_OK;
}

int jr_key_box_shared(const struct jr_key *k,
	const uint8_t peer_box_pk[JR_BOX_PK_BYTES], uint8_t out[32])
{
	if (k == NULL || peer_box_pk == NULL || out == NULL)
		return JR_EINVAL;
	/* Fails (and zeroes out) for low-order points, whose result is 0. */
	if (crypto_scalarmult(out, k->sec->box_sk, peer_box_pk) != 0) {
		sodium_memzero(out, 32);
		return JR_EKEY;
	}
	return JR_OK;
}

/* ---- key files (docs/keys.md "Key file") ----
 *
 * A map with unsigned keys: 1 version, 2 role, 3 Ed25519 pk, 4 X25519 pk,
 * then 5 seed (plain), or 6 salt, 7 opslimit, 8 memlimit, 9 nonce, 10 sealed
 * seed (PIN), and last 15 check = BLAKE2b-256 of every byte before key 15.
 * The check tells a damaged file from a wrong PIN without running Argon2id;
 * the AEAD (its ad = every byte before key 10) is what keeps the PIN-sealed
 * fields from being swapped.
 */

enum {
	K_VERSION = 1, K_ROLE = 2, K_SIGN_PK = 3, K_BOX_PK = 4, K_SEED = 5,
	K_SALT = 6, K_OPSLIMIT = 7, K_MEMLIMIT = 8, K_NONCE = 9, K_CT = 10,
	K_TPM_PUBLIC = 11, K_TPM_PRIVATE = 12, K_NV_INDEX = 13, K_NV_BASE = 14,
	K_CHECK = 15
};
#define PLAIN_FIELDS 6
#define PIN_FIELDS 10
#define TPM_FIELDS 9
#define PUB_FIELDS 6
#define CBOR_MAP6 0xa6
#define CBOR_MAP10 0xaa

/* Views into key file bytes; nothing is copied. */
struct keyfile {
	bool pin, tpm;
	enum jr_role role;
	const uint8_t *sign_pk, *box_pk, *seed, *salt, *nonce, *ct, *check;
	uint64_t opslimit, memlimit;
	const uint8_t *tpm_pub, *tpm_priv; /* marshalled TPM2B_PUBLIC, _PRIVATE */
	size_t tpm_pub_len, tpm_priv_len;
	uint64_t nv_index, nv_base;
	size_t ad_len;    /* PIN: bytes before key 10, the AEAD's ad */
	size_t check_len; /* bytes before key 15, what the check hashes */
};

static const char *role_name(enum jr_role r)
{
	switch (r) {
	case JR_ROLE_KIOSK: return "kiosk";
	case JR_ROLE_OFFICER: return "officer";
	case JR_ROLE_NODE: return "node";
	case JR_ROLE_OFFICIAL: return "official";
	case JR_ROLE_CONSORTIUM: return "consortium";
	}
	return "unknown";
}

static bool pin_valid(const char *pin, size_t pinlen)
{
	return pin != NULL && pinlen >= JR_PIN_MIN && pinlen <= JR_PIN_MAX;
}

static bool limits_valid(uint64_t ops, uint64_t mem)
{
	return ops >= JR_PIN_OPSLIMIT_MIN && ops <= JR_PIN_OPSLIMIT_MAX &&
		mem >= JR_PIN_MEMLIMIT_MIN && mem <= JR_PIN_MEMLIMIT_MAX;
}

static void read_fixed(struct jr_cbr *r, uint64_t key, const uint8_t **p, size_t want)
{
	size_t n;

	if (jr_cbr_key(r, key) == JR_OK && jr_cbr_bytes(r, p, &n) == JR_OK && n != want)
		r->err = JR_EFORMAT;
}

/* A TPM blob: a byte string of 1..JR_TPM_BLOB_MAX bytes. */
static void read_blob(struct jr_cbr *r, uint64_t key, const uint8_t **p, size_t *n)
{
	if (jr_cbr_key(r, key) == JR_OK && jr_cbr_bytes(r, p, n) == JR_OK &&
	    (*n == 0 || *n > JR_TPM_BLOB_MAX))
		r->err = JR_EFORMAT;
}

static void read_tpm(struct jr_cbr *r, struct keyfile *kf)
{
	read_blob(r, K_TPM_PUBLIC, &kf->tpm_pub, &kf->tpm_pub_len);
	read_blob(r, K_TPM_PRIVATE, &kf->tpm_priv, &kf->tpm_priv_len);
	jr_cbr_key(r, K_NV_INDEX);
	if (jr_cbr_uint(r, &kf->nv_index) == JR_OK && kf->nv_index > UINT32_MAX)
		r->err = JR_EFORMAT;
	jr_cbr_key(r, K_NV_BASE);
	if (jr_cbr_uint(r, &kf->nv_base) == JR_OK && kf->nv_base > INT64_MAX)
		r->err = JR_EFORMAT;
}

static int keyfile_damaged(const uint8_t *p, size_t len, const char *name,
	struct jr_errbuf *eb)
{
	size_t whole = JR_KEYFILE_PLAIN_BYTES;
	struct jr_pubkey pub;

	if (p == NULL)
		len = 0;
	if (len > 0 && jr_pubkey_decode(p, len, &pub, NULL) == JR_OK)
		return jr_errf(eb, JR_EFORMAT,
			"%s is a public key file, not a key file: it holds no secret "
			"key — give the path of the key file itself", name);
	if (len > 0 && p[0] == CBOR_MAP10)
		whole = JR_KEYFILE_PIN_MIN_BYTES;
	else if (len > 0 && p[0] != CBOR_MAP6)
		whole = 0;
	if (len < whole)
		return jr_errf(eb, JR_EFORMAT,
			"key file %s is truncated (%zu bytes, a whole one has %s%zu) — "
			"restore it from the provisioning backup", name, len,
			whole == JR_KEYFILE_PLAIN_BYTES ? "" : "at least ", whole);
	return jr_errf(eb, JR_EFORMAT,
		"key file %s is damaged or is not a Jaring key file — "
		"restore it from the provisioning backup", name);
}

/* Reads the fields in their one canonical order; checks shape, version and
 * role, not the check value nor the keys themselves. */
static int keyfile_parse(const uint8_t *p, size_t len, const char *name,
	struct keyfile *kf, struct jr_errbuf *eb)
{
	struct jr_cbr r;
	size_t n = 0;
	uint64_t version = 0, role = 0;

	memset(kf, 0, sizeof *kf);
	if (p == NULL || jr_cbor_check(p, len, NULL) != JR_OK)
		return keyfile_damaged(p, len, name, eb);
	jr_cbr_init(&r, p, len);
	jr_cbr_map(&r, &n);
	jr_cbr_key(&r, K_VERSION);
	if (jr_cbr_uint(&r, &version) == JR_OK && version != JR_KEYFILE_VERSION)
		return jr_errf(eb, JR_EVERSION,
			"key file %s has format version %" PRIu64 "; this build reads "
			"version %d — use the Jaring release that wrote it", name,
			version, JR_KEYFILE_VERSION);
	kf->pin = n == PIN_FIELDS;
	kf->tpm = n == TPM_FIELDS;
	if (n != PLAIN_FIELDS && !kf->pin && !kf->tpm)
		r.err = JR_EFORMAT;
	jr_cbr_key(&r, K_ROLE);
	jr_cbr_uint(&r, &role);
	read_fixed(&r, K_SIGN_PK, &kf->sign_pk, JR_SIGN_PK_BYTES);
	read_fixed(&r, K_BOX_PK, &kf->box_pk, JR_BOX_PK_BYTES);
	if (kf->tpm) {
		read_tpm(&r, kf);
	} else if (!kf->pin) {
		read_fixed(&r, K_SEED, &kf->seed, JR_SEED_BYTES);
	} else {
		read_fixed(&r, K_SALT, &kf->salt, JR_PIN_SALT_BYTES);
		jr_cbr_key(&r, K_OPSLIMIT);
		jr_cbr_uint(&r, &kf->opslimit);
		jr_cbr_key(&r, K_MEMLIMIT);
		jr_cbr_uint(&r, &kf->memlimit);
		read_fixed(&r, K_NONCE, &kf->nonce, JR_PIN_NONCE_BYTES);
		kf->ad_len = r.off;
		read_fixed(&r, K_CT, &kf->ct, JR_PIN_CT_BYTES);
	}
	kf->check_len = r.off;
	read_fixed(&r, K_CHECK, &kf->check, JR_HASH_BYTES);
	if (jr_cbr_end(&r) != JR_OK)
		return keyfile_damaged(p, len, name, eb);
	if (!role_valid(role))
		return jr_errf(eb, JR_EFORMAT,
			"key file %s names an unknown role %" PRIu64 " — "
			"restore it from the provisioning backup", name, role);
	kf->role = (enum jr_role)role;
	return JR_OK;
}

static int keyfile_verify_check(const uint8_t *p, const struct keyfile *kf,
	const char *name, struct jr_errbuf *eb)
{
	uint8_t h[JR_HASH_BYTES];

	jr_hash(p, kf->check_len, h);
	if (sodium_memcmp(h, kf->check, sizeof h) != 0)
		return jr_errf(eb, JR_ECORRUPT,
			"key file %s fails its checksum: it was damaged or altered — "
			"restore it from the provisioning backup", name);
	return JR_OK;
}

/*
 * The X25519 key a file states must be the one its Ed25519 key derives. This
 * is what makes the key id (a hash of the Ed25519 key alone) stand for both:
 * without it, whoever can write a public key file could put their own X25519
 * key beside the consortium's Ed25519 key, recompute the checksum, and every
 * kiosk loading it would seal to them under the consortium's fingerprint.
 * `what` is "key file" or "public key".
 */
static int stated_keys_check(const uint8_t *sign_pk, const uint8_t *box_pk,
	const char *what, const char *name, struct jr_errbuf *eb)
{
	uint8_t want[JR_BOX_PK_BYTES], id[JR_ID_BYTES];
	char fp[JR_KEYID_FINGERPRINT_LEN + 1];

	if (jr_pubkey_derive_box(sign_pk, want) != JR_OK)
		return jr_errf(eb, JR_EKEY,
			"%s %s: its Ed25519 key is not a usable public key (not a "
			"canonical point of the main subgroup) — do not use the file; "
			"get a fresh copy from its owner", what, name);
	if (sodium_memcmp(want, box_pk, JR_BOX_PK_BYTES) != 0) {
		jr_keyid_from_pk(sign_pk, id);
		jr_keyid_fingerprint(id, fp);
		return jr_errf(eb, JR_EKEY,
			"%s %s: its X25519 key is not the one its Ed25519 key derives — "
			"the file was altered to redirect sealed data; do not use it: get "
			"the key again from the signed roster and compare the fingerprint "
			"%s", what, name, fp);
	}
	return JR_OK;
}

/* Shape, check and the stated public keys of key file bytes. */
static int keyfile_open(const uint8_t *p, size_t len, const char *name,
	struct keyfile *kf, struct jr_errbuf *eb)
{
	int rc;

	if ((rc = keyfile_parse(p, len, name, kf, eb)) != JR_OK ||
	    (rc = keyfile_verify_check(p, kf, name, eb)) != JR_OK)
		return rc;
	return stated_keys_check(kf->sign_pk, kf->box_pk, "key file", name, eb);
}

/* The public keys a file states must be the ones its seed derives. */
static int keyfile_match(const struct jr_key *k, const struct keyfile *kf,
	const char *name, struct jr_errbuf *eb)
{
	if (sodium_memcmp(k->sign_pk, kf->sign_pk, JR_SIGN_PK_BYTES) != 0 ||
	    sodium_memcmp(k->box_pk, kf->box_pk, JR_BOX_PK_BYTES) != 0)
		return jr_errf(eb, JR_ECORRUPT,
			"key file %s: its public keys do not belong to its secret "
			"seed (damaged or altered) — restore it from the provisioning "
			"backup", name);
	return JR_OK;
}

/* Argon2id of the PIN into key (32 bytes, sodium_malloc'd by the caller). */
static int pin_key(const char *pin, size_t pinlen, const uint8_t *salt,
	uint64_t ops, uint64_t mem, uint8_t *key, struct jr_errbuf *eb)
{
	if (crypto_pwhash(key, 32, pin, pinlen, salt, ops, (size_t)mem,
		crypto_pwhash_ALG_ARGON2ID13) != 0)
		return jr_errf(eb, JR_ENOMEM,
			"not enough memory to derive the PIN key (%" PRIu64 " bytes)", mem);
	return JR_OK;
}

/* Encrypts k's seed into the ct slot of p, a PIN-sealed layout. */
static int keyfile_seal_seed(const struct jr_key *k, const struct jr_key_pinseal *ps,
	uint8_t *p, const struct keyfile *kf, struct jr_errbuf *eb)
{
	uint8_t *key = sodium_malloc(32);
	int rc;

	if (key == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory sealing a key file");
	rc = pin_key(ps->pin, ps->pinlen, ps->salt, ps->opslimit, ps->memlimit, key, eb);
	if (rc == JR_OK && crypto_aead_xchacha20poly1305_ietf_encrypt(
		p + (kf->ct - p), NULL, k->sec->seed, JR_SEED_BYTES, p, kf->ad_len,
		NULL, ps->nonce, key) != 0)
		rc = jr_errf(eb, JR_EINTERNAL, "cannot seal the key file");
	sodium_free(key);
	return rc;
}
/* The fields every kind of key file begins with, after a map head of
 * `fields` entries: version, role and the two public keys. */
static void keyfile_head(struct jr_cbw *w, const struct jr_key *k, size_t fields)
{
	jr_cbw_init(w, JR_KEYFILE_MAX);
	jr_cbw_map(w, fields);
	jr_cbw_uint(w, K_VERSION);
	jr_cbw_uint(w, JR_KEYFILE_VERSION);
	jr_cbw_uint(w, K_ROLE);
	jr_cbw_uint(w, (uint64_t)k->role);
	jr_cbw_uint(w, K_SIGN_PK);
	jr_cbw_bytes(w, k->sign_pk, JR_SIGN_PK_BYTES);
	jr_cbw_uint(w, K_BOX_PK);
	jr_cbw_bytes(w, k->box_pk, JR_BOX_PK_BYTES);
}


/* Canonical bytes with zeros where the secret and the check go. */
static int keyfile_skeleton(const struct jr_key *k, const struct jr_key_pinseal *ps,
	struct jr_buf *out)
{
	static const uint8_t zero[JR_PIN_CT_BYTES];
	struct jr_cbw w;

	keyfile_head(&w, k, ps == NULL ? PLAIN_FIELDS : PIN_FIELDS);
	if (ps == NULL) {
		jr_cbw_uint(&w, K_SEED);
		jr_cbw_bytes(&w, zero, JR_SEED_BYTES);
	} else {
		jr_cbw_uint(&w, K_SALT);
		jr_cbw_bytes(&w, ps->salt, JR_PIN_SALT_BYTES);
		jr_cbw_uint(&w, K_OPSLIMIT);
		jr_cbw_uint(&w, ps->opslimit);
		jr_cbw_uint(&w, K_MEMLIMIT);
		jr_cbw_uint(&w, ps->memlimit);
		jr_cbw_uint(&w, K_NONCE);
		jr_cbw_bytes(&w, ps->nonce, JR_PIN_NONCE_BYTES);
		jr_cbw_uint(&w, K_CT);
		jr_cbw_bytes(&w, zero, JR_PIN_CT_BYTES);
	}
	jr_cbw_uint(&w, K_CHECK);
	jr_cbw_bytes(&w, zero, JR_HASH_BYTES);
	return jr_cbw_finish(&w, out);
}

/*
 * The skeleton goes through jr_cbw (malloc'd, grown by realloc), so it holds
 * no secret; the seed or its ciphertext and the check are then written into
 * a sodium_malloc'd copy at the offsets the parser finds.
 */
int jr_key_encode(const struct jr_key *k, const struct jr_key_pinseal *ps,
	uint8_t **out, size_t *len, struct jr_errbuf *eb)
{
	struct jr_buf b;
	struct keyfile kf;
	uint8_t *p;
	size_t n;
	int rc;

	*out = NULL;
	*len = 0;
	if (k == NULL || (ps != NULL && (!pin_valid(ps->pin, ps->pinlen) ||
	    ps->salt == NULL || ps->nonce == NULL ||
	    !limits_valid(ps->opslimit, ps->memlimit))))
		return jr_errf(eb, JR_EINVAL, "key file: bad key, PIN or limits");
	if ((rc = keyfile_skeleton(k, ps, &b)) != JR_OK)
		return jr_errf(eb, rc, "cannot encode a key file (%s)", jr_strerror(rc));
	n = b.len;
	p = sodium_malloc(n);
	if (p != NULL)
		memcpy(p, b.base, n);
	jr_buf_free(&b);
	if (p == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory encoding a key file");
	if (keyfile_parse(p, n, "(new)", &kf, NULL) != JR_OK)
		rc = jr_errf(eb, JR_EINTERNAL, "key file encoder and parser disagree");
	else if (ps == NULL)
		memcpy(p + (kf.seed - p), k->sec->seed, JR_SEED_BYTES);
	else
		rc = keyfile_seal_seed(k, ps, p, &kf, eb);
	if (rc != JR_OK) {
		sodium_free(p);
		return rc;
	}
	jr_hash(p, kf.check_len, p + (kf.check - p));
	*out = p;
	*len = n;
	return JR_OK;
}

static int decode_plain(const struct keyfile *kf, const char *name,
	struct jr_key **out, struct jr_errbuf *eb)
{
	struct jr_key *k = key_alloc(kf->role);
	int rc;

	if (k == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory loading key file %s", name);
	/* keyfile_parse set every field, or jr_cbr_end (sticky error, in cbor.c)
	 * failed. NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
	memcpy(k->sec->seed, kf->seed, JR_SEED_BYTES);
	rc = key_derive(k);
	if (rc == JR_OK)
		rc = keyfile_match(k, kf, name, eb);
	if (rc != JR_OK) {
		jr_key_free(k);
		return rc;
	}
	*out = k;
	return JR_OK;
}

static int wrong_pin(const struct keyfile *kf, const char *name, struct jr_errbuf *eb)
{
	uint8_t id[JR_ID_BYTES];
	char shortid[JR_KEYID_SHORT_LEN + 1];

	jr_keyid_from_pk(kf->sign_pk, id);
	jr_keyid_short(id, shortid);
	return jr_errf(eb, JR_EPIN, "wrong PIN for %s key %s (id %s); try again",
		role_name(kf->role), name, shortid);
}

/* Opens the sealed seed straight into the new key's secret region. */
static int decode_pin(const uint8_t *p, const struct keyfile *kf, const char *name,
	const char *pin, size_t pinlen, struct jr_key **out, struct jr_errbuf *eb)
{
	struct jr_key *k;
	uint8_t *key;
	int rc;

	if (!limits_valid(kf->opslimit, kf->memlimit))
		return jr_errf(eb, kf->memlimit > JR_PIN_MEMLIMIT_MAX ||
			kf->opslimit > JR_PIN_OPSLIMIT_MAX ? JR_ETOOBIG : JR_EFORMAT,
			"key file %s asks for Argon2id limits this build refuses "
			"(%" PRIu64 " passes, %" PRIu64 " bytes; accepted are %llu..%llu "
			"passes and %llu..%llu bytes) — it was altered; restore it from "
			"the provisioning backup", name, kf->opslimit, kf->memlimit,
			JR_PIN_OPSLIMIT_MIN, JR_PIN_OPSLIMIT_MAX, JR_PIN_MEMLIMIT_MIN,
			JR_PIN_MEMLIMIT_MAX);
	if ((k = key_alloc(kf->role)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory loading key file %s", name);
	if ((key = sodium_malloc(32)) == NULL) {
		jr_key_free(k);
		return jr_errf(eb, JR_ENOMEM, "out of memory loading key file %s", name);
	}
	rc = pin_key(pin, pinlen, kf->salt, kf->opslimit, kf->memlimit, key, eb);
	if (rc == JR_OK && crypto_aead_xchacha20poly1305_ietf_decrypt(k->sec->seed,
		NULL, NULL, kf->ct, JR_PIN_CT_BYTES, p, kf->ad_len, kf->nonce, key) != 0)
		rc = wrong_pin(kf, name, eb);
	sodium_free(key);
	if (rc == JR_OK)
		rc = key_derive(k);
	if (rc == JR_OK)
		rc = keyfile_match(k, kf, name, eb);
	if (rc != JR_OK) {
		jr_key_free(k);
		return rc;
	}
	*out = k;
	return JR_OK;
}

/* Unseals the seed with the TPM that sealed it, straight into the new key's
 * secret region; the key remembers its counter binding (shard.c). */
static int decode_tpm(const struct keyfile *kf, const char *name,
	struct jr_key **out, struct jr_errbuf *eb)
{
	struct jr_tpm *t = NULL;
	struct jr_key *k = key_alloc(kf->role);
	int rc;

	if (k == NULL)
		return jr_errf(eb, JR_ENOMEM, "out of memory loading key file %s", name);
	rc = jr_tpm_open(&t, eb);
	if (rc == JR_ENOTFOUND)
		rc = jr_errf(eb, JR_EKEY, "key file %s is sealed to a TPM, which this "
			"key only works with (on the board it was made on)", name);
	else if (rc == JR_OK)
		rc = jr_tpm_unseal(t, kf->tpm_pub, kf->tpm_pub_len, kf->tpm_priv,
			kf->tpm_priv_len, k->sec->seed, JR_SEED_BYTES, eb);
	jr_tpm_close(t);
	if (rc != JR_OK && rc != JR_EKEY)
		jr_errf(eb, rc, "key file %s", name);
	if (rc == JR_OK)
		rc = key_derive(k);
	if (rc == JR_OK)
		rc = keyfile_match(k, kf, name, eb);
	if (rc != JR_OK) {
		jr_key_free(k);
		return rc;
	}
	k->tpm = true;
	k->nv_index = (uint32_t)kf->nv_index;
	k->nv_base = kf->nv_base;
	*out = k;
	return JR_OK;
}

int jr_key_decode(const uint8_t *p, size_t len, const char *name,
	const char *pin, size_t pinlen, struct jr_key **out, struct jr_errbuf *eb)
{
	struct keyfile kf;
	int rc;

	*out = NULL;
	if (pin != NULL && !pin_valid(pin, pinlen))
		return jr_errf(eb, JR_EPIN,
			"wrong PIN for key %s: a PIN has %d to %d characters; try again",
			name, JR_PIN_MIN, JR_PIN_MAX);
	if ((rc = keyfile_open(p, len, name, &kf, eb)) != JR_OK)
		return rc;
	if (pin == NULL && kf.pin)
		return jr_errf(eb, JR_EPIN,
			"key file %s is sealed with a PIN; load it with its PIN", name);
	if (pin != NULL && !kf.pin)
		return jr_errf(eb, JR_EKEY,
			"key file %s is not sealed with a PIN where a PIN-sealed key "
			"was expected; refusing it", name);
	if (kf.tpm)
		return decode_tpm(&kf, name, out, eb);
	if (pin == NULL)
		return decode_plain(&kf, name, out, eb);
	return decode_pin(p, &kf, name, pin, pinlen, out, eb);
}

int jr_key_decode_public(const uint8_t *p, size_t len, const char *name,
	struct jr_pubkey *out, struct jr_errbuf *eb)
{
	struct keyfile kf;
	struct jr_key *k = NULL;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = keyfile_open(p, len, name, &kf, eb)) != JR_OK)
		return rc;
	if (!kf.pin && !kf.tpm) {
		/* A plain file can prove its public keys: derive and compare. A
	 * PIN- or TPM-sealed one cannot without the PIN or the TPM, but its X25519 key was
	 * checked against its Ed25519 key above, and the Ed25519 key is what
	 * its id (and whoever compares the fingerprint) vouches for. */
		if ((rc = decode_plain(&kf, name, &k, eb)) != JR_OK)
			return rc;
		jr_key_public(k, out);
		jr_key_free(k);
		return JR_OK;
	}
	out->role = kf.role;
	memcpy(out->sign_pk, kf.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(out->box_pk, kf.box_pk, JR_BOX_PK_BYTES);
	jr_keyid_from_pk(out->sign_pk, out->id);
	return JR_OK;
}

static int key_write(const struct jr_key *k, const struct jr_key_pinseal *ps,
	const char *path, struct jr_errbuf *eb)
{
	uint8_t *p;
	size_t n;
	int rc;

	if (path == NULL)
		return jr_errf(eb, JR_EINVAL, "no path given for the key file");
	if ((rc = jr_key_encode(k, ps, &p, &n, eb)) != JR_OK)
		return rc;
	rc = jr_file_write_atomic_ex(path, p, n, 0600, false, eb);
	sodium_free(p);
	return rc;
}

int jr_key_save(const struct jr_key *k, const char *path, struct jr_errbuf *eb)
{
	return key_write(k, NULL, path, eb);
}

int jr_key_save_pin(const struct jr_key *k, const char *path, const char *pin,
	size_t pinlen, struct jr_errbuf *eb)
{
	uint8_t salt[JR_PIN_SALT_BYTES], nonce[JR_PIN_NONCE_BYTES];
	struct jr_key_pinseal ps = {
		.pin = pin, .pinlen = pinlen, .salt = salt, .nonce = nonce,
		.opslimit = JR_PIN_OPSLIMIT, .memlimit = JR_PIN_MEMLIMIT,
	};

	if (!pin_valid(pin, pinlen))
		return jr_errf(eb, JR_EINVAL, "a PIN must have %d to %d characters",
			JR_PIN_MIN, JR_PIN_MAX);
	randombytes_buf(salt, sizeof salt);
	randombytes_buf(nonce, sizeof nonce);
	return key_write(k, &ps, path, eb);
}

/* The TPM-sealed file's bytes: no secret in them, so plain jr_cbw; the
 * check goes over everything before key 15 (its last 35 bytes). */
static int keyfile_tpm_encode(const struct jr_key *k, const struct jr_buf *pub,
	const struct jr_buf *priv, uint32_t index, uint64_t base, struct jr_buf *out)
{
	static const uint8_t zero[JR_HASH_BYTES];
	struct jr_cbw w;
	int rc;

	keyfile_head(&w, k, TPM_FIELDS);
	jr_cbw_uint(&w, K_TPM_PUBLIC);
	jr_cbw_bytes(&w, pub->base, pub->len);
	jr_cbw_uint(&w, K_TPM_PRIVATE);
	jr_cbw_bytes(&w, priv->base, priv->len);
	jr_cbw_uint(&w, K_NV_INDEX);
	jr_cbw_uint(&w, index);
	jr_cbw_uint(&w, K_NV_BASE);
	jr_cbw_uint(&w, base);
	jr_cbw_uint(&w, K_CHECK);
	jr_cbw_bytes(&w, zero, JR_HASH_BYTES);
	if ((rc = jr_cbw_finish(&w, out)) != JR_OK)
		return rc;
	jr_hash(out->base, out->len - 35, out->base + out->len - JR_HASH_BYTES);
	return JR_OK;
}

int jr_key_save_tpm(const struct jr_key *k, const char *path, struct jr_errbuf *eb)
{
	struct jr_buf pub = { NULL, 0 }, priv = { NULL, 0 }, file = { NULL, 0 };
	struct jr_tpm *t = NULL;
	uint64_t base = 0;
	int rc;

	if (k == NULL || path == NULL)
		return jr_errf(eb, JR_EINVAL, "no key or no path given for the key file");
	if ((rc = jr_tpm_open(&t, eb)) != JR_OK)
		return jr_errf(eb, rc, "key file %s: cannot seal it to a TPM", path);
	rc = jr_tpm_counter_bind(t, JR_TPM_NV_INDEX, &base, eb);
	if (rc == JR_OK)
		rc = jr_tpm_seal(t, k->sec->seed, JR_SEED_BYTES, &pub, &priv, eb);
	jr_tpm_close(t);
	if (rc == JR_OK && (rc = keyfile_tpm_encode(k, &pub, &priv, JR_TPM_NV_INDEX,
		base, &file)) != JR_OK)
		jr_errf(eb, rc, "cannot encode a key file (%s)", jr_strerror(rc));
	if (rc == JR_OK)
		rc = jr_file_write_atomic_ex(path, file.base, file.len, 0600, false, eb);
	else
		jr_errf(eb, rc, "key file %s", path);
	jr_buf_free(&pub);
	jr_buf_free(&priv);
	jr_buf_free(&file);
	return rc;
}

bool jr_key_tpm_bound(const struct jr_key *k)
{
	return k != NULL && k->tpm;
}

bool jr_key_tpm_counter(const struct jr_key *k, uint32_t *index, uint64_t *base)
{
	if (k == NULL || !k->tpm)
		return false;
	*index = k->nv_index;
	*base = k->nv_base;
	return true;
}

int jr_tpm_present(struct jr_errbuf *eb)
{
	struct jr_tpm *t = NULL;
	int rc = jr_tpm_open(&t, eb);

	jr_tpm_close(t);
	return rc;
}

/* A plain key file must be the owner's alone (JR_EKEY if not). A PIN-sealed
 * one need not: it travels on an officer's FAT drive, which keeps no
 * permissions, and its seed is sealed under the PIN (Argon2id). */
static int key_read(const char *path, const char *pin, size_t pinlen,
	struct jr_key **out, struct jr_errbuf *eb)
{
	uint8_t *p;
	size_t n;
	int rc;

	*out = NULL;
	if ((rc = jr_file_read_secret(path, JR_KEYFILE_MAX, pin == NULL, "key file",
		&p, &n, eb)) != JR_OK)
		return rc;
	rc = jr_key_decode(p, n, path, pin, pinlen, out, eb);
	sodium_free(p);
	return rc;
}

int jr_key_load(const char *path, struct jr_key **out, struct jr_errbuf *eb)
{
	return key_read(path, NULL, 0, out, eb);
}

int jr_key_load_pin(const char *path, const char *pin, size_t pinlen,
	struct jr_key **out, struct jr_errbuf *eb)
{
	if (pin == NULL) {
		*out = NULL;
		return jr_errf(eb, JR_EINVAL, "no PIN given for key file %s", path);
	}
	return key_read(path, pin, pinlen, out, eb);
}

int jr_key_load_public(const char *path, struct jr_pubkey *out, struct jr_errbuf *eb)
{
	uint8_t *p;
	size_t n;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = jr_file_read_secret(path, JR_KEYFILE_MAX, false, "key file",
		&p, &n, eb)) != JR_OK)
		return rc;
	rc = jr_key_decode_public(p, n, path, out, eb);
	sodium_free(p);
	return rc;
}

/* ---- public key files (docs/keys.md "Public key file") ----
 * {1: version, 2: role, 3: Ed25519 pk, 4: X25519 pk, 5: key id,
 *  15: check = BLAKE2b-256 of every byte before key 15}. The id is a hash of
 * the Ed25519 key; the X25519 key is in the file for readers that do not
 * convert keys, and this reader refuses it unless it is the one the Ed25519
 * key derives. The check only tells damage from a forgery's other tells. */

int jr_pubkey_encode(const struct jr_pubkey *pk, struct jr_buf *out)
{
	static const uint8_t zero[JR_HASH_BYTES];
	uint8_t id[JR_ID_BYTES];
	struct jr_cbw w;
	int rc;

	out->base = NULL;
	out->len = 0;
	if (pk == NULL || !role_valid((uint64_t)pk->role))
		return JR_EINVAL;
	jr_keyid_from_pk(pk->sign_pk, id);
	if (memcmp(id, pk->id, sizeof id) != 0 ||
	    stated_keys_check(pk->sign_pk, pk->box_pk, "", "", NULL) != JR_OK)
		return JR_EINVAL; /* parts of two different keys */
	jr_cbw_init(&w, JR_KEYFILE_MAX);
	jr_cbw_map(&w, PUB_FIELDS);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, JR_PUBFILE_VERSION);
	jr_cbw_uint(&w, 2);
	jr_cbw_uint(&w, (uint64_t)pk->role);
	jr_cbw_uint(&w, 3);
	jr_cbw_bytes(&w, pk->sign_pk, JR_SIGN_PK_BYTES);
	jr_cbw_uint(&w, 4);
	jr_cbw_bytes(&w, pk->box_pk, JR_BOX_PK_BYTES);
	jr_cbw_uint(&w, 5);
	jr_cbw_bytes(&w, pk->id, JR_ID_BYTES);
	jr_cbw_uint(&w, K_CHECK);
	jr_cbw_bytes(&w, zero, JR_HASH_BYTES);
	if ((rc = jr_cbw_finish(&w, out)) != JR_OK)
		return rc;
	/* The check is the last JR_HASH_BYTES bytes; it hashes the rest but
	 * for its own key and head (0x0f 0x58 0x20). */
	jr_hash(out->base, out->len - JR_HASH_BYTES - 3, out->base + out->len - JR_HASH_BYTES);
	return JR_OK;
}

static int pubkey_bad(const char *name, struct jr_errbuf *eb)
{
	return jr_errf(eb, JR_EFORMAT,
		"public key %s is damaged or is not a Jaring public key file — "
		"get a fresh copy from its owner", name);
}

static int pubkey_parse(const uint8_t *p, size_t len, const char *name,
	struct jr_pubkey *out, struct jr_errbuf *eb)
{
	const uint8_t *spk = NULL, *bpk = NULL, *id = NULL, *check = NULL;
	uint8_t h[JR_HASH_BYTES];
	uint64_t version = 0, role = 0;
	struct jr_cbr r;
	size_t n = 0, check_len;

	if (p == NULL || jr_cbor_check(p, len, NULL) != JR_OK)
		return pubkey_bad(name, eb);
	jr_cbr_init(&r, p, len);
	jr_cbr_map(&r, &n);
	jr_cbr_key(&r, 1);
	if (jr_cbr_uint(&r, &version) == JR_OK && version != JR_PUBFILE_VERSION)
		return jr_errf(eb, JR_EVERSION,
			"public key %s has format version %" PRIu64 "; this build reads "
			"version %d", name, version, JR_PUBFILE_VERSION);
	if (n != PUB_FIELDS)
		r.err = JR_EFORMAT;
	jr_cbr_key(&r, 2);
	jr_cbr_uint(&r, &role);
	read_fixed(&r, 3, &spk, JR_SIGN_PK_BYTES);
	read_fixed(&r, 4, &bpk, JR_BOX_PK_BYTES);
	read_fixed(&r, 5, &id, JR_ID_BYTES);
	check_len = r.off;
	read_fixed(&r, K_CHECK, &check, JR_HASH_BYTES);
	if (jr_cbr_end(&r) != JR_OK || !role_valid(role))
		return pubkey_bad(name, eb);
	jr_hash(p, check_len, h);
	if (sodium_memcmp(h, check, sizeof h) != 0)
		return jr_errf(eb, JR_ECORRUPT,
			"public key %s fails its checksum: it was damaged or altered — "
			"get a fresh copy from its owner", name);
	/* spk, bpk, id and check are set: a failed read makes jr_cbr_end fail
	 * (a sticky error, in cbor.c, which the analyser cannot see).
	 * NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker) */
	if (crypto_core_ed25519_is_valid_point(spk) != 1)
		return jr_errf(eb, JR_EKEY,
			"public key %s: its signing key is not a usable Ed25519 key", name);
	out->role = (enum jr_role)role;
	memcpy(out->sign_pk, spk, JR_SIGN_PK_BYTES);
	/* NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): as spk */
	memcpy(out->box_pk, bpk, JR_BOX_PK_BYTES);
	jr_keyid_from_pk(out->sign_pk, out->id);
	if (sodium_memcmp(out->id, id, JR_ID_BYTES) != 0)
		return jr_errf(eb, JR_ECORRUPT,
			"public key %s: its key id does not match its signing key "
			"(damaged or altered) — get a fresh copy from its owner", name);
	return stated_keys_check(spk, bpk, "public key", name, eb);
}

int jr_pubkey_decode(const uint8_t *p, size_t len, struct jr_pubkey *out,
	struct jr_errbuf *eb)
{
	int rc = pubkey_parse(p, len, "(bytes)", out, eb);

	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}

int jr_pubkey_save(const struct jr_pubkey *pk, const char *path, struct jr_errbuf *eb)
{
	struct jr_buf b;
	int rc;

	if (path == NULL)
		return jr_errf(eb, JR_EINVAL, "no path given for the public key file");
	if ((rc = jr_pubkey_encode(pk, &b)) != JR_OK)
		return jr_errf(eb, rc, "cannot encode public key for %s (%s)", path,
			jr_strerror(rc));
	rc = jr_file_write_atomic(path, b.base, b.len, 0644, eb);
	jr_buf_free(&b);
	return rc;
}

int jr_pubkey_load(const char *path, struct jr_pubkey *out, struct jr_errbuf *eb)
{
	struct jr_buf b;
	int rc;

	memset(out, 0, sizeof *out);
	if ((rc = jr_file_read(path, JR_KEYFILE_MAX, &b, eb)) != JR_OK)
		return rc;
	rc = pubkey_parse(b.base, b.len, path, out, eb);
	jr_buf_free(&b);
	if (rc != JR_OK)
		memset(out, 0, sizeof *out);
	return rc;
}
