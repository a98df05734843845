/*
 * sync_fixture OUT N [CONSORTIUM.KEY]: a kiosk for the sync tests, made through the kiosk's
 * own registrar: OUT/kiosk.key, OUT/consortium.key, OUT/consortium.pub,
 * OUT/shard.db and OUT/shard.counter with N synthetic registrations (one
 * block each), and OUT/people.txt listing every synthetic NIK, name and
 * phone used, one a line, for the privacy check. All data is made up.
 * With CONSORTIUM.KEY the kiosk serves that consortium instead of a new one
 * (a second kiosk of the same centre).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jaring/registrar.h"

static _Noreturn void die(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "sync_fixture: %s: %s\n", what, eb && eb->msg[0] ? eb->msg : jr_strerror(rc));
	exit(1);
}

int main(int argc, char **argv)
{
	struct jr_key *kiosk, *cons;
	struct jr_pubkey cp;
	struct jr_shard *s = NULL;
	struct jr_registrar *g;
	struct jr_policy pol;
	struct jr_errbuf eb = { 0 };
	char p1[4096], p2[4096];
	unsigned long i, n;
	FILE *people;
	int rc;

	if ((argc != 3 && argc != 4) || (n = strtoul(argv[2], NULL, 10)) < 1 || n > 9999) {
		fputs("usage: sync_fixture OUT N (1..9999) [CONSORTIUM.KEY]\n", stderr);
		return 2;
	}
	if (jr_init() != JR_OK || jr_key_generate(JR_ROLE_KIOSK, &kiosk) != JR_OK)
		die("keys", JR_EINTERNAL, NULL);
	if (argc == 4 && (rc = jr_key_load(argv[3], &cons, &eb)) != JR_OK)
		die("CONSORTIUM.KEY", rc, &eb);
	if (argc == 3 && jr_key_generate(JR_ROLE_CONSORTIUM, &cons) != JR_OK)
		die("keys", JR_EINTERNAL, NULL);
	jr_key_public(cons, &cp);
#define P(buf, name) (void)snprintf((buf), sizeof(buf), "%s/%s", argv[1], (name))
	P(p1, "kiosk.key");
	if ((rc = jr_key_save(kiosk, p1, &eb)) != JR_OK)
		die("kiosk.key", rc, &eb);
	P(p1, "consortium.key");
	if ((rc = jr_key_save(cons, p1, &eb)) != JR_OK)
		die("consortium.key", rc, &eb);
	P(p1, "consortium.pub");
	if ((rc = jr_pubkey_save(&cp, p1, &eb)) != JR_OK)
		die("consortium.pub", rc, &eb);
	P(p1, "shard.db");
	P(p2, "shard.counter");
	if ((rc = jr_shard_create(p1, p2, kiosk, &eb)) != JR_OK ||
	    (rc = jr_shard_open(p1, p2, kiosk, &s, &eb)) != JR_OK)
		die("shard", rc, &eb);
	P(p1, "people.txt");
	if ((people = fopen(p1, "w")) == NULL)
		die("people.txt", JR_EIO, NULL);
	jr_policy_default(&pol);
	if (jr_registrar_new(s, kiosk, &pol, cp.box_pk, &g) != JR_OK)
		die("registrar", JR_EINTERNAL, NULL);
	for (i = 1; i <= n; i++) {
		struct jr_registration r;
		struct jr_verdict v;
		struct jr_issued out;

		memset(&r, 0, sizeof r);
		snprintf(r.nik, sizeof r.nik, "332810540386%04u", (unsigned)(i % 10000));
		/* Names take letters only: i written in base 26, "Uji Sampel Bcd". */
		snprintf(r.name, sizeof r.name, "Uji Sampel %c%c%c", 'A' + (int)(i / 676 % 26),
			'a' + (int)(i / 26 % 26), 'a' + (int)(i % 26));
		snprintf(r.phone, sizeof r.phone, "081299%06u", (unsigned)(i % 1000000));
		snprintf(r.address, sizeof r.address, "Jl. Contoh No. %lu", i);
		r.sex = JR_SEX_FEMALE;
		r.birth = 19860314;
		r.birth_year = 1986;
		r.village = 3328101008;
		r.occupation = (enum jr_occupation)1;
		r.income = (enum jr_income)2;
		fprintf(people, "%s\n%s\n%s\n", r.nik, r.name, r.phone);
		if ((rc = jr_registrar_submit(g, &r, 1700000000 + (int64_t)i, &v, &out, &eb)) != JR_OK)
		{
			size_t k;
			for (k = 0; k < v.n; k++)
				fprintf(stderr, "sync_fixture: reason %s\n", jr_reason_name(v.reasons[k]));
			die("registering a synthetic worker", rc, &eb);
		}
		jr_registration_wipe(&r);
	}
	if (fclose(people) != 0)
		die("people.txt", JR_EIO, NULL);
	jr_registrar_free(g);
	jr_shard_close(s);
	jr_key_free(kiosk);
	jr_key_free(cons);
	return 0;
}
