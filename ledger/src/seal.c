/*
 * Sealing personal fields to the consortium, one X25519 per epoch
 * (jaring/seal.h; derivations in docs/keys.md "Epoch sealing").
 *
 *   K = jr_hash_labelled("jaring/epoch/v2", s || e_pk || c_pk), 32 bytes,
 *   that is BLAKE2b-256("jaring/epoch/v2" || 0x00 || s || e_pk || c_pk),
 *   s = X25519(e_sk, c_pk)
 *   record: XChaCha20-Poly1305-IETF(K, nonce, ad, pt)
 *
 * Nonces are 24 random bytes; an epoch made by jr_seal_epoch_open_det uses
 * nonce_i = BLAKE2b-192(key = nonce_seed, message = i as 8 bytes little
 * endian), i = 0, 1, … so worked examples are reproducible.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "jaring/seal.h"
#include "seal_det.h"

#define EPOCH_LABEL "jaring/epoch/v2"

/* Everything secret of an epoch, in one sodium_malloc'd region. */
struct epoch_secret {
	uint8_t k[32];
	uint8_t nonce_seed[32];
	uint8_t e_sk[32];              /* zero once K is derived */
	uint8_t s[32];                 /* zero once K is derived */
};

struct jr_seal_epoch {
	struct epoch_secret *sec;
	uint8_t e_pk[JR_BOX_PK_BYTES];
	int64_t opened;
	uint32_t sealed;
	bool det;
	uint64_t counter;
};

struct cache_slot {
	uint8_t epoch_pk[JR_BOX_PK_BYTES];
	uint8_t k[32];
	bool used;
};

struct opener_secret {
	struct cache_slot slot[JR_SEAL_CACHE_SLOTS];
	uint8_t s[32];
	uint8_t k[32];
};

struct jr_seal_opener {
	const struct jr_key *consortium;
	uint8_t c_pk[JR_BOX_PK_BYTES];
	struct opener_secret *sec;
	unsigned next; /* slot replaced next: the oldest */
	uint64_t dh_count;
};

/* k = jr_hash_labelled(EPOCH_LABEL, s || e_pk || c_pk), 32 bytes. The parts
 * are hashed where they lie (jr_hash_labelled wipes its state), so s is
 * never copied. Fails only on a bug: the label and length are constant. */
static int epoch_key(uint8_t k[32], const uint8_t s[32], const uint8_t *e_pk,
	const uint8_t *c_pk)
{
	const struct jr_part parts[3] = {
		{ s, 32 }, { e_pk, JR_BOX_PK_BYTES }, { c_pk, JR_BOX_PK_BYTES },
	};

	return jr_hash_labelled(EPOCH_LABEL, parts, 3, k, 32) == JR_OK ?
		JR_OK : JR_EINTERNAL;
}

/* Fills e->sec->k and e->e_pk from e->sec->e_sk, then wipes e_sk and s. */
static int epoch_derive(struct jr_seal_epoch *e, const uint8_t *c_pk)
{
	struct epoch_secret *sec = e->sec;
	int rc = JR_OK;

	if (crypto_scalarmult_base(e->e_pk, sec->e_sk) != 0 ||
	    crypto_scalarmult(sec->s, sec->e_sk, c_pk) != 0)
		rc = JR_EKEY; /* a low-order consortium key: nothing to seal to */
	else
		rc = epoch_key(sec->k, sec->s, e->e_pk, c_pk);
	sodium_memzero(sec->e_sk, sizeof sec->e_sk);
	sodium_memzero(sec->s, sizeof sec->s);
	return rc;
}

static int epoch_new(const uint8_t *c_pk, const uint8_t *e_sk,
	const uint8_t *nonce_seed, int64_t now, struct jr_seal_epoch **out)
{
	struct jr_seal_epoch *e;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (c_pk == NULL)
		return JR_EINVAL;
	if ((e = calloc(1, sizeof *e)) == NULL)
		return JR_ENOMEM;
	if ((e->sec = sodium_malloc(sizeof *e->sec)) == NULL) {
		free(e);
		return JR_ENOMEM;
	}
	sodium_memzero(e->sec, sizeof *e->sec);
	if (e_sk != NULL)
		memcpy(e->sec->e_sk, e_sk, sizeof e->sec->e_sk);
	else
		randombytes_buf(e->sec->e_sk, sizeof e->sec->e_sk);
	if (nonce_seed != NULL) {
		memcpy(e->sec->nonce_seed, nonce_seed, sizeof e->sec->nonce_seed);
		e->det = true;
	}
	e->opened = now;
	if ((rc = epoch_derive(e, c_pk)) != JR_OK) {
		jr_seal_epoch_close(e);
		return rc;
	}
	sodium_mprotect_readonly(e->sec);
	*out = e;
	return JR_OK;
}

int jr_seal_epoch_open(const uint8_t consortium_box_pk[JR_BOX_PK_BYTES],
	int64_t now, struct jr_seal_epoch **out)
{
	return epoch_new(consortium_box_pk, NULL, NULL, now, out);
}

int jr_seal_epoch_open_det(const uint8_t consortium_box_pk[JR_BOX_PK_BYTES],
	const uint8_t e_sk[32], const uint8_t nonce_seed[32], int64_t now,
	struct jr_seal_epoch **out)
{
	if (e_sk == NULL || nonce_seed == NULL) {
		if (out != NULL)
			*out = NULL;
		return JR_EINVAL;
	}
	return epoch_new(consortium_box_pk, e_sk, nonce_seed, now, out);
}

void jr_seal_epoch_close(struct jr_seal_epoch *e)
{
	if (e == NULL)
		return;
	sodium_free(e->sec); /* wipes K */
	sodium_memzero(e, sizeof *e);
	free(e);
}

const uint8_t *jr_seal_epoch_pk(const struct jr_seal_epoch *e)
{
	return e->e_pk;
}

bool jr_seal_epoch_spent(const struct jr_seal_epoch *e, int64_t now)
{
	if (e == NULL || e->sealed >= JR_EPOCH_MAX_RECORDS)
		return true;
	/* A clock that went backwards also ends the epoch. */
	if (now < e->opened)
		return true;
	return (uint64_t)now - (uint64_t)e->opened >= (uint64_t)JR_EPOCH_MAX_SECONDS;
}

static void next_nonce(struct jr_seal_epoch *e, uint8_t nonce[JR_SEAL_NONCE_BYTES])
{
	uint8_t ctr[8];
	unsigned i;

	if (!e->det) {
		randombytes_buf(nonce, JR_SEAL_NONCE_BYTES);
		return;
	}
	for (i = 0; i < 8; i++)
		ctr[i] = (uint8_t)(e->counter >> (8 * i));
	e->counter++;
	crypto_generichash(nonce, JR_SEAL_NONCE_BYTES, ctr, sizeof ctr,
		e->sec->nonce_seed, sizeof e->sec->nonce_seed);
}

int jr_seal(struct jr_seal_epoch *e, const uint8_t *ad, size_t adlen,
	const uint8_t *pt, size_t ptlen, uint8_t nonce[JR_SEAL_NONCE_BYTES],
	uint8_t *ct)
{
	if (e == NULL || nonce == NULL || ct == NULL ||
	    (ad == NULL && adlen > 0) || (pt == NULL && ptlen > 0) ||
	    ptlen > crypto_aead_xchacha20poly1305_ietf_MESSAGEBYTES_MAX)
		return JR_EINVAL;
	/* The caller checks the time with jr_seal_epoch_spent; the count is
	 * enforced here too, so an epoch key never seals more than its share. */
	if (e->sealed >= JR_EPOCH_MAX_RECORDS)
		return JR_EINVAL;
	next_nonce(e, nonce);
	crypto_aead_xchacha20poly1305_ietf_encrypt(ct, NULL, pt, ptlen, ad, adlen,
		NULL, nonce, e->sec->k);
	e->sealed++;
	return JR_OK;
}

int jr_seal_opener_new(const struct jr_key *consortium, struct jr_seal_opener **out)
{
	struct jr_seal_opener *o;
	struct jr_pubkey pub;

	if (out == NULL)
		return JR_EINVAL;
	*out = NULL;
	if (consortium == NULL)
		return JR_EINVAL;
	if (jr_key_role(consortium) != JR_ROLE_CONSORTIUM)
		return JR_EKEY;
	if ((o = calloc(1, sizeof *o)) == NULL)
		return JR_ENOMEM;
	if ((o->sec = sodium_malloc(sizeof *o->sec)) == NULL) {
		free(o);
		return JR_ENOMEM;
	}
	sodium_memzero(o->sec, sizeof *o->sec);
	jr_key_public(consortium, &pub);
	memcpy(o->c_pk, pub.box_pk, sizeof o->c_pk);
	o->consortium = consortium;
	*out = o;
	return JR_OK;
}

void jr_seal_opener_free(struct jr_seal_opener *o)
{
	if (o == NULL)
		return;
	sodium_free(o->sec); /* wipes every cached epoch key */
	sodium_memzero(o, sizeof *o);
	free(o);
}

uint64_t jr_seal_opener_dh_count(const struct jr_seal_opener *o)
{
	return o == NULL ? 0 : o->dh_count;
}

static struct cache_slot *cache_find(struct jr_seal_opener *o, const uint8_t *epoch_pk)
{
	unsigned i;

	for (i = 0; i < JR_SEAL_CACHE_SLOTS; i++) {
		struct cache_slot *s = &o->sec->slot[i];
		if (s->used && memcmp(s->epoch_pk, epoch_pk, JR_BOX_PK_BYTES) == 0)
			return s;
	}
	return NULL;
}

/* Keeps an epoch key that has just opened a record, replacing the oldest. */
static void cache_put(struct jr_seal_opener *o, const uint8_t *epoch_pk, const uint8_t *k)
{
	struct cache_slot *s = &o->sec->slot[o->next];

	memcpy(s->epoch_pk, epoch_pk, JR_BOX_PK_BYTES);
	memcpy(s->k, k, 32);
	s->used = true;
	o->next = (o->next + 1) % JR_SEAL_CACHE_SLOTS;
}

/* Derives the epoch key into o->sec->k (one X25519). */
static int opener_derive(struct jr_seal_opener *o, const uint8_t *epoch_pk)
{
	struct opener_secret *sec = o->sec;
	int rc;

	o->dh_count++;
	rc = jr_key_box_shared(o->consortium, epoch_pk, sec->s);
	if (rc == JR_OK)
		rc = epoch_key(sec->k, sec->s, epoch_pk, o->c_pk);
	sodium_memzero(sec->s, sizeof sec->s);
	return rc;
}

/*
 * An epoch key enters the cache only after it opened a record, so altered
 * epoch keys cost an X25519 each but never push real epochs out.
 */
int jr_seal_open(struct jr_seal_opener *o, const uint8_t epoch_pk[JR_BOX_PK_BYTES],
	const uint8_t nonce[JR_SEAL_NONCE_BYTES], const uint8_t *ad, size_t adlen,
	const uint8_t *ct, size_t ctlen, uint8_t *pt)
{
	struct cache_slot *slot;
	const uint8_t *k;
	size_t ptlen = ctlen >= JR_SEAL_TAG_BYTES ? ctlen - JR_SEAL_TAG_BYTES : 0;
	int rc = JR_OK;

	if (pt != NULL)
		memset(pt, 0, ptlen);
	if (o == NULL || epoch_pk == NULL || nonce == NULL || ct == NULL ||
	    (ad == NULL && adlen > 0) || (pt == NULL && ptlen > 0))
		return JR_EINVAL;
	if (ctlen < JR_SEAL_TAG_BYTES)
		return JR_ESIG;
	if ((slot = cache_find(o, epoch_pk)) != NULL)
		k = slot->k;
	else if ((rc = opener_derive(o, epoch_pk)) == JR_OK)
		k = o->sec->k;
	else
		return JR_ESIG;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(pt, NULL, NULL, ct, ctlen,
		ad, adlen, nonce, k) != 0) {
		if (pt != NULL)
			sodium_memzero(pt, ptlen);
		rc = JR_ESIG;
	} else if (slot == NULL) {
		cache_put(o, epoch_pk, k);
	}
	sodium_memzero(o->sec->k, sizeof o->sec->k);
	return rc;
}
