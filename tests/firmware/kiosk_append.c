/*
 * kiosk_append KEY SHARD COUNTER CONSORTIUM_PUB N FIRST: registers N more
 * synthetic workers (numbered from FIRST, or from the shard's height + 1
 * when FIRST is 0; all data made up) into an
 * existing kiosk through the kiosk's own registrar: the key file as it is
 * (a TPM-sealed one unseals with the TPM JARING_TPM names), the shard
 * opened for appending with its counter, so the fork guard (and a TPM's
 * counter) moves as it would at the kiosk. firmware-image/test.sh uses it
 * to move a kiosk on after an image of its disk was taken, and its power-cut
 * loop in a loop inside the appliance: the whole chain is verified (every
 * signature) before the first append, and a line is printed after each
 * append returned, that is, once the block is durable ("acknowledged").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaring/registrar.h"

static _Noreturn void die(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "kiosk_append: %s: %s\n", what,
		eb != NULL && eb->msg[0] ? eb->msg : jr_strerror(rc));
	exit(1);
}

static void worker(struct jr_registration *r, unsigned long i)
{
	memset(r, 0, sizeof *r);
	snprintf(r->nik, sizeof r->nik, "332810540386%04u", (unsigned)(i % 10000));
	snprintf(r->name, sizeof r->name, "Uji Tambahan %c%c%c", 'A' + (int)(i / 676 % 26),
		'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
	snprintf(r->phone, sizeof r->phone, "081277%06u", (unsigned)(i % 1000000));
	snprintf(r->address, sizeof r->address, "Jl. Contoh Tambahan No. %lu", i);
	r->sex = JR_SEX_FEMALE;
	r->birth = 19860314;
	r->birth_year = 1986;
	r->village = 3328101008;
	r->occupation = (enum jr_occupation)1;
	r->income = (enum jr_income)2;
}

int main(int argc, char **argv)
{
	struct jr_errbuf eb = { 0 };
	struct jr_key *kiosk = NULL;
	struct jr_shard *s = NULL;
	struct jr_registrar *g = NULL;
	struct jr_pubkey cons;
	struct jr_policy pol;
	unsigned long i, n, first;
	int rc;

	if (argc != 7 || (n = strtoul(argv[5], NULL, 10)) < 1 || n > 9999 ||
	    (first = strtoul(argv[6], NULL, 10)) > 9999 || first + n > 10000) {
		fputs("usage: kiosk_append KEY SHARD COUNTER CONSORTIUM_PUB N FIRST\n", stderr);
		return 2;
	}
	if (jr_init() != JR_OK)
		die("libsodium", JR_EINTERNAL, NULL);
	if ((rc = jr_key_load(argv[1], &kiosk, &eb)) != JR_OK)
		die(argv[1], rc, &eb);
	if ((rc = jr_pubkey_load(argv[4], &cons, &eb)) != JR_OK)
		die(argv[4], rc, &eb);
	if ((rc = jr_shard_open(argv[2], argv[3], kiosk, &s, &eb)) != JR_OK)
		die("opening the shard", rc, &eb);
	{
		uint64_t bad = 0;

		if ((rc = jr_shard_verify(s, JR_VERIFY_FULL, &bad, &eb)) != JR_OK)
			die("verifying the chain", rc, &eb);
		printf("kiosk_append: chain verified at height %llu\n",
			(unsigned long long)jr_shard_height(s));
		(void)fflush(stdout);
	}
	if (first == 0)
		first = (unsigned long)jr_shard_height(s) + 1;
	if (first + n > 10000)
		die("too many workers", JR_EINVAL, NULL);
	jr_policy_default(&pol);
	if (jr_registrar_new(s, kiosk, &pol, cons.box_pk, &g) != JR_OK)
		die("registrar", JR_EINTERNAL, NULL);
	for (i = first; i < first + n; i++) {
		struct jr_registration r;
		struct jr_verdict v;
		struct jr_issued out;

		worker(&r, i);
		rc = jr_registrar_submit(g, &r, jr_shard_head_time(s) + 60, &v, &out, &eb);
		jr_registration_wipe(&r);
		for (size_t k = 0; rc == JR_ERULE && k < v.n; k++)
			fprintf(stderr, "kiosk_append: reason %s\n", jr_reason_name(v.reasons[k]));
		if (rc != JR_OK)
			die("registering a synthetic worker", rc, &eb);
		printf("kiosk_append: acknowledged height %llu%s\n",
			(unsigned long long)out.height,
			jr_key_tpm_bound(kiosk) ? " (TPM counter advanced)" : "");
		(void)fflush(stdout);
	}
	jr_registrar_free(g);
	jr_shard_close(s);
	jr_key_free(kiosk);
	return 0;
}
