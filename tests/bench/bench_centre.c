/*
 * bench_centre: apply throughput of the centre's state machine (issue 8),
 * as a row of the one benchmark table.
 *
 *   bench_centre DIR [REGISTRATIONS] [PER_BLOCK]
 *
 * Builds REGISTRATIONS (default 100,000) sealed records from 8 kiosks,
 * PER_BLOCK (default 64) per block, in upstream entries of 512 blocks, then
 * times jr_centre_apply on a fresh state file in DIR (WAL,
 * synchronous=FULL, one transaction per entry): signatures, chain checks,
 * opening, pseudonyms, rules, de-duplication and the log's leaves, all of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jaring/block.h"
#include "jaring/centre.h"
#include "jaring/record.h"
#include "seal_det.h"

#define KIOSKS 8
#define PER_ENTRY 512

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void check(int rc, const char *what)
{
	if (rc == JR_OK)
		return;
	fprintf(stderr, "bench_centre: %s: %s\n", what, jr_strerror(rc));
	exit(1);
}

static struct jr_key *key(enum jr_role role, uint8_t fill)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	memset(seed, fill, sizeof seed);
	check(jr_key_from_seed(role, seed, &k), "key");
	return k;
}

static void worker(struct jr_registration *r, const struct jr_key *k, unsigned i)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r->time = 1718000000;
	r->village = 3328012001u;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	/* distinct NIKs: a woman born on day 1..28 of July 1990, serial 1..9999 */
	(void)snprintf(r->nik, sizeof r->nik, "332801%02u0790%04u", 41 + i % 28,
		1 + i / 28 % 9999);
	(void)snprintf(r->name, sizeof r->name, "Sintetis Pekerja");
	r->birth = 19900701 + i % 28;
	(void)snprintf(r->phone, sizeof r->phone, "081299%06u", i % 1000000);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

struct kiosk_chain {
	struct jr_key *k;
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
};

static uint8_t cons_box[JR_BOX_PK_BYTES];
static uint8_t epoch_seed[32];

/* A new deterministic epoch after every JR_EPOCH_MAX_RECORDS records. */
static void next_epoch(struct jr_seal_epoch **ep)
{
	jr_seal_epoch_close(*ep);
	*ep = NULL;
	epoch_seed[0]++;
	epoch_seed[1] = (uint8_t)(epoch_seed[1] + (epoch_seed[0] == 0));
	check(jr_seal_epoch_open_det(cons_box, epoch_seed, epoch_seed, 1718000000, ep),
		"epoch");
}

static void make_block(struct kiosk_chain *kc, struct jr_seal_epoch **epp, unsigned *serial,
	size_t per, struct jr_buf *out)
{
	struct jr_buf recs[JR_BLOCK_MAX_RECORDS], body = { 0 };
	struct jr_block b;
	uint8_t regid[JR_REGID_BYTES], sig[JR_SIG_BYTES];
	size_t j;

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(kc->k), JR_ID_BYTES);
	b.height = ++kc->height;
	memcpy(b.prev, kc->prev, JR_HASH_BYTES);
	b.time = 1718000000;
	b.n_records = per;
	for (j = 0; j < per; j++) {
		struct jr_registration r;

		worker(&r, kc->k, (*serial)++);
		if (jr_seal_epoch_spent(*epp, 1718000000))
			next_epoch(epp);
		check(jr_record_encode(&r, *epp, &recs[j], regid, NULL), "seal");
		b.records[j] = recs[j].base;
		b.record_len[j] = recs[j].len;
	}
	check(jr_block_encode(&b, &body), "block");
	check(jr_block_sign(kc->k, body.base, body.len, kc->prev, sig), "sign");
	check(jr_signed_block_encode(body.base, body.len, sig, out), "signed block");
	jr_buf_free(&body);
	for (j = 0; j < per; j++)
		jr_buf_free(&recs[j]);
}

int main(int argc, char **argv)
{
	unsigned long n = argc > 2 ? strtoul(argv[2], NULL, 10) : 100000;
	size_t per = argc > 3 ? (size_t)strtoul(argv[3], NULL, 10) : 64;
	struct kiosk_chain kc[KIOSKS];
	struct jr_key *cons;
	struct jr_seal_epoch *ep = NULL;
	struct jr_centre_kiosk roster[KIOSKS];
	struct jr_buf *entries, blocks[PER_ENTRY], e = { 0 };
	struct jr_centre *c = NULL;
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };
	uint8_t pkey[JR_CENTRE_PSEUDONYM_KEY_BYTES], seed[32];
	struct jr_policy pol;
	char path[4096];
	size_t n_entries = 0, i, nb = 0, k = 0;
	unsigned serial = 0;
	unsigned long applied = 0;
	double t0, dt;

	if (argc < 2 || per == 0 || per > JR_BLOCK_MAX_RECORDS) {
		fprintf(stderr, "usage: bench_centre DIR [REGISTRATIONS] [PER_BLOCK<=64]\n");
		return 2;
	}
	check(jr_init(), "init");
	cons = key(JR_ROLE_CONSORTIUM, 2);
	memset(seed, 3, sizeof seed);
	{
		struct jr_pubkey cp;

		jr_key_public(cons, &cp);
		memcpy(cons_box, cp.box_pk, sizeof cons_box);
		memcpy(epoch_seed, seed, sizeof seed);
		next_epoch(&ep);
	}
	for (i = 0; i < KIOSKS; i++) {
		struct jr_pubkey p;

		memset(&kc[i], 0, sizeof kc[i]);
		kc[i].k = key(JR_ROLE_KIOSK, (uint8_t)(10 + i));
		jr_key_public(kc[i].k, &p);
		memcpy(roster[i].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
		roster[i].village = 3328012001u;
		roster[i].revoked_from = 0;
	}
	entries = calloc(n / (per * PER_ENTRY) + 3, sizeof *entries);
	if (entries == NULL)
		return 1;
	check(jr_centre_roster_entry(cons, 1, roster, KIOSKS, &entries[n_entries++]), "roster");
	while (serial < n) {
		size_t left = (size_t)(n - serial);

		make_block(&kc[k], &ep, &serial, left < per ? left : per, &blocks[nb++]);
		if (nb == PER_ENTRY || serial >= n) {
			check(jr_centre_upstream_entry(blocks, nb, &entries[n_entries++]), "entry");
			for (i = 0; i < nb; i++)
				jr_buf_free(&blocks[i]);
			nb = 0;
			k = (k + 1) % KIOSKS; /* each entry one kiosk's bundle */
		}
	}
	(void)snprintf(path, sizeof path, "%s/centre.db", argv[1]);
	memset(pkey, 7, sizeof pkey);
	jr_policy_default(&pol);
	check(jr_centre_open(path, cons, pkey, &pol, &c, &eb), eb.msg);
	t0 = now_s();
	for (i = 0; i < n_entries; i++) {
		check(jr_centre_apply(c, entries[i].base, entries[i].len, &res, &eb), eb.msg);
		applied += res.regs_accepted + res.regs_duplicate + res.regs_returned;
	}
	dt = now_s() - t0;
	if (applied != n) {
		fprintf(stderr, "bench_centre: %lu of %lu registrations applied\n", applied, n);
		return 1;
	}
	{
		char name[64];

		(void)snprintf(name, sizeof name, "centre apply (%zu/block, 512 blocks/entry)", per);
		printf("| %-44s | %12.1f | %-10s | %-22s | %-4s |\n", name, (double)n / dt,
			"regs/s", ">= 200,000", (double)n / dt >= 200000 ? "met" : "MISS");
	}
	jr_centre_close(c);
	for (i = 0; i < n_entries; i++)
		jr_buf_free(&entries[i]);
	free(entries);
	(void)e;
	jr_seal_epoch_close(ep);
	for (i = 0; i < KIOSKS; i++)
		jr_key_free(kc[i].k);
	jr_key_free(cons);
	return 0;
}
