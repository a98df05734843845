/*
 * bundle_hash.c — the body hash of a bundle (BLAKE2b-256 over the stored
 * chunks, in order), computed on a second thread while the writer encrypts
 * and writes the next chunk, or the reader reads and decrypts it.
 *
 * BLAKE2b is about as costly per byte as the secretstream itself, so done on
 * the caller's thread it halves the rate of both; on its own core the two
 * overlap. The result is the same bytes whichever thread computes it.
 *
 * The caller owns nothing but the pointer buf() returns: it fills that slot
 * (the writer: encrypts into it; the reader: reads into it), hands it over
 * with push(), and may go on reading the slot (the writer writes it out; the
 * reader decrypts it) until its next buf(). The hasher only reads a slot, so
 * both may look at it at once; buf() waits until the slot it gives back has
 * been hashed. Memory is JR_BUNDLE_HASH_SLOTS stored chunks, whatever the
 * bundle's size.
 *
 * A chunk that the caller says is the only one is hashed on the caller's
 * thread: a bundle of one chunk (most downstream answers) never starts a
 * thread. The thread starts with the first chunk that has more after it.
 * If it cannot be started, every chunk is hashed inline, which is slower and
 * the same.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "bundle_int.h"

struct jr_bundle_hasher {
	crypto_generichash_state st; /* first: it is 64-byte aligned */
	pthread_mutex_t mu;
	pthread_cond_t filled, freed;
	pthread_t th;
	uint8_t *slot[JR_BUNDLE_HASH_SLOTS];
	size_t len[JR_BUNDLE_HASH_SLOTS];
	uint64_t pushed, hashed; /* chunks handed over, chunks hashed */
	bool threaded, inline_only, stop;
};

static void *hash_loop(void *arg)
{
	struct jr_bundle_hasher *h = arg;

	pthread_mutex_lock(&h->mu);
	for (;;) {
		unsigned i;

		while (h->hashed == h->pushed && !h->stop)
			pthread_cond_wait(&h->filled, &h->mu);
		if (h->hashed == h->pushed)
			break;
		i = (unsigned)(h->hashed % JR_BUNDLE_HASH_SLOTS);
		pthread_mutex_unlock(&h->mu);
		crypto_generichash_update(&h->st, h->slot[i], h->len[i]);
		pthread_mutex_lock(&h->mu);
		h->hashed++;
		pthread_cond_signal(&h->freed);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

struct jr_bundle_hasher *jr_bundle_hasher_new(void)
{
	struct jr_bundle_hasher *h = calloc(1, sizeof *h);
	unsigned i;

	if (h == NULL)
		return NULL;
	for (i = 0; i < JR_BUNDLE_HASH_SLOTS; i++)
		if ((h->slot[i] = malloc(JR_BUNDLE_STORED_CHUNK)) == NULL) {
			while (i-- > 0)
				free(h->slot[i]);
			free(h);
			return NULL;
		}
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->filled, NULL);
	pthread_cond_init(&h->freed, NULL);
	crypto_generichash_init(&h->st, NULL, 0, JR_HASH_BYTES);
	return h;
}

uint8_t *jr_bundle_hasher_buf(struct jr_bundle_hasher *h)
{
	if (h->threaded) {
		pthread_mutex_lock(&h->mu);
		while (h->pushed - h->hashed >= JR_BUNDLE_HASH_SLOTS)
			pthread_cond_wait(&h->freed, &h->mu);
		pthread_mutex_unlock(&h->mu);
	}
	return h->slot[h->pushed % JR_BUNDLE_HASH_SLOTS];
}

/* A small stack: the loop needs BLAKE2b's few hundred bytes. */
static bool start_thread(struct jr_bundle_hasher *h)
{
	pthread_attr_t a;
	bool ok;

	if (pthread_attr_init(&a) != 0)
		return false;
	ok = pthread_attr_setstacksize(&a, 256 * 1024) == 0 &&
		pthread_create(&h->th, &a, hash_loop, h) == 0;
	pthread_attr_destroy(&a);
	return ok;
}

void jr_bundle_hasher_push(struct jr_bundle_hasher *h, size_t n, bool more)
{
	unsigned i = (unsigned)(h->pushed % JR_BUNDLE_HASH_SLOTS);

	h->len[i] = n;
	/* hashed == pushed until a thread starts, so it starts with this one */
	if (!h->threaded && more && !h->inline_only && !(h->threaded = start_thread(h)))
		h->inline_only = true;
	if (!h->threaded) {
		crypto_generichash_update(&h->st, h->slot[i], n);
		h->pushed++;
		h->hashed++;
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->pushed++;
	pthread_cond_signal(&h->filled);
	pthread_mutex_unlock(&h->mu);
}

static void stop_thread(struct jr_bundle_hasher *h)
{
	if (!h->threaded)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = true;
	pthread_cond_signal(&h->filled);
	pthread_mutex_unlock(&h->mu);
	pthread_join(h->th, NULL);
	h->threaded = false;
	h->inline_only = true;
}

void jr_bundle_hasher_final(struct jr_bundle_hasher *h, uint8_t out[JR_HASH_BYTES])
{
	stop_thread(h);
	crypto_generichash_final(&h->st, out, JR_HASH_BYTES);
}

void jr_bundle_hasher_free(struct jr_bundle_hasher *h)
{
	unsigned i;

	if (h == NULL)
		return;
	stop_thread(h);
	for (i = 0; i < JR_BUNDLE_HASH_SLOTS; i++)
		free(h->slot[i]);
	pthread_cond_destroy(&h->freed);
	pthread_cond_destroy(&h->filled);
	pthread_mutex_destroy(&h->mu);
	sodium_memzero(&h->st, sizeof h->st);
	free(h);
}
