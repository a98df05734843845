/* Synthetic kiosk chains of real sealed, signed blocks for the benchmarks
 * that feed a centre (bench_centre, bench_audit). Static functions only:
 * each includer gets its own copy, and defines
 *     static void check(int rc, const char *what);
 * (stop the benchmark unless rc is JR_OK) before including this. The
 * includer sets bench_cons_box to the consortium's X25519 key first. */
#ifndef JR_BENCH_CHAIN_H
#define JR_BENCH_CHAIN_H

#include <stdio.h>
#include <string.h>

#include "jaring/block.h"
#include "jaring/record.h"
#include "seal_det.h"

#define BENCH_T0 1718000000

struct bench_chain {
	struct jr_key *k;
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
};

static uint8_t bench_cons_box[JR_BOX_PK_BYTES];
static uint8_t bench_epoch_seed[32];

/* Worker i: a distinct valid NIK for i < 28 x 9999 x 4 x 12 (day, serial,
 * four districts of Kab. Tegal and the birth month, July first so that the
 * first 1,119,888 are the workers of earlier runs), synthetic name, phone
 * and address. */
static void bench_worker(struct jr_registration *r, const struct jr_key *k, unsigned long i)
{
	unsigned d = 1 + (unsigned)(i / (28 * 9999) % 4);
	unsigned m = 1 + (unsigned)((i / (28UL * 9999 * 4) + 6) % 12);

	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r->time = BENCH_T0;
	r->village = 3328000000u + d * 10000u + 2001u;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	(void)snprintf(r->nik, sizeof r->nik, "3328%02u%02lu%02u90%04lu", d, 41 + i % 28, m,
		1 + i / 28 % 9999);
	(void)snprintf(r->name, sizeof r->name, "Sintetis Pekerja");
	r->birth = (uint32_t)(19900001 + m * 100 + i % 28);
	(void)snprintf(r->phone, sizeof r->phone, "0812%08lu", i % 100000000);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

/* A new deterministic epoch (the next seed) in place of *ep. */
static void bench_next_epoch(struct jr_seal_epoch **ep)
{
	jr_seal_epoch_close(*ep);
	*ep = NULL;
	bench_epoch_seed[0]++;
	bench_epoch_seed[1] = (uint8_t)(bench_epoch_seed[1] + (bench_epoch_seed[0] == 0));
	bench_epoch_seed[2] = (uint8_t)(bench_epoch_seed[2] +
		(bench_epoch_seed[0] == 0 && bench_epoch_seed[1] == 0));
	check(jr_seal_epoch_open_det(bench_cons_box, bench_epoch_seed, bench_epoch_seed, BENCH_T0,
		ep), "epoch");
}

/* The next block of kc: per records of workers *serial, *serial + 1, …
 * sealed under *epp (renewed when spent), signed. regids, when not NULL,
 * gets worker i's registration id at regids + i * JR_REGID_BYTES. */
static void bench_block(struct bench_chain *kc, struct jr_seal_epoch **epp,
	unsigned long *serial, size_t per, uint8_t *regids, struct jr_buf *out)
{
	struct jr_buf recs[JR_BLOCK_MAX_RECORDS], body = { 0 };
	struct jr_block b;
	uint8_t regid[JR_REGID_BYTES], sig[JR_SIG_BYTES];
	size_t j;

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(kc->k), JR_ID_BYTES);
	b.height = ++kc->height;
	memcpy(b.prev, kc->prev, JR_HASH_BYTES);
	b.time = BENCH_T0;
	b.n_records = per;
	for (j = 0; j < per; j++) {
		struct jr_registration r;

		bench_worker(&r, kc->k, *serial);
		if (*epp == NULL || jr_seal_epoch_spent(*epp, BENCH_T0))
			bench_next_epoch(epp);
		check(jr_record_encode(&r, *epp, &recs[j],
			regids != NULL ? regids + *serial * JR_REGID_BYTES : regid, NULL), "seal");
		(*serial)++;
		b.records[j] = recs[j].base;
		b.record_len[j] = recs[j].len;
	}
	check(jr_block_encode(&b, &body), "block");
	/* writes the body hash into prev: the next block's prev */
	check(jr_block_sign(kc->k, body.base, body.len, kc->prev, sig), "sign");
	check(jr_signed_block_encode(body.base, body.len, sig, out), "signed block");
	jr_buf_free(&body);
	for (j = 0; j < per; j++)
		jr_buf_free(&recs[j]);
}

#endif
