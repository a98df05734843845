/*
 * sync_fixture OUT N [FIRST]: a kiosk for the sync tests, made through the
 * kiosk's own registrar: OUT/kiosk.key, OUT/consortium.key,
 * OUT/consortium.pub, OUT/shard.db and OUT/shard.counter with N synthetic
 * registrations (one block each, workers numbered from FIRST, default 1),
 * OUT/people.txt listing every synthetic NIK, name and phone used, one a
 * line, for the privacy check, and the programme's side: an officer's
 * PIN-sealed key OUT/officer.key (PIN 246810) and the consortium-signed
 * roster OUT/roster.jrr naming the kiosk (village 33.28.10.1008, upload)
 * and the officer (regency 33.28, sync). A second kiosk of one programme:
 * copy consortium.key, officer.key and kiosks.txt of the first into a new
 * OUT; its roster then names both kiosks. All data is made up.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "jaring/registrar.h"
#include "jaring/roster.h"

/* OUT/roster.jrr: the kiosks listed in OUT/kiosks.txt (hex public keys,
 * this one appended) and the officer, serial = their number. */
static void write_roster(const char *out, const struct jr_key *cons, const struct jr_key *kiosk,
	const struct jr_key *officer);

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

	unsigned long first = 1;
	struct jr_key *officer = NULL;

	if ((argc != 3 && argc != 4) || (n = strtoul(argv[2], NULL, 10)) < 1 || n > 9999 ||
	    (argc == 4 && ((first = strtoul(argv[3], NULL, 10)) < 1 || first + n > 10000))) {
		fputs("usage: sync_fixture OUT N [FIRST] (1..9999 workers in all)\n", stderr);
		return 2;
	}
	if (jr_init() != JR_OK || jr_key_generate(JR_ROLE_KIOSK, &kiosk) != JR_OK)
		die("keys", JR_EINTERNAL, NULL);
#define P(buf, name) (void)snprintf((buf), sizeof(buf), "%s/%s", argv[1], (name))
	P(p1, "consortium.key");
	if (access(p1, F_OK) == 0) {
		if ((rc = jr_key_load(p1, &cons, &eb)) != JR_OK)
			die("consortium.key", rc, &eb);
		P(p1, "officer.key");
		if ((rc = jr_key_load_pin(p1, "246810", 6, &officer, &eb)) != JR_OK)
			die("officer.key", rc, &eb);
	} else {
		if (jr_key_generate(JR_ROLE_CONSORTIUM, &cons) != JR_OK ||
		    jr_key_generate(JR_ROLE_OFFICER, &officer) != JR_OK)
			die("keys", JR_EINTERNAL, NULL);
		if ((rc = jr_key_save(cons, p1, &eb)) != JR_OK)
			die("consortium.key", rc, &eb);
		P(p1, "officer.key");
		if ((rc = jr_key_save_pin(officer, p1, "246810", 6, &eb)) != JR_OK)
			die("officer.key", rc, &eb);
	}
	jr_key_public(cons, &cp);
	P(p1, "kiosk.key");
	if ((rc = jr_key_save(kiosk, p1, &eb)) != JR_OK)
		die("kiosk.key", rc, &eb);
	P(p1, "consortium.pub");
	(void)unlink(p1);
	if ((rc = jr_pubkey_save(&cp, p1, &eb)) != JR_OK)
		die("consortium.pub", rc, &eb);
	write_roster(argv[1], cons, kiosk, officer);
	P(p1, "shard.db");
	P(p2, "shard.counter");
	if ((rc = jr_shard_create(p1, p2, kiosk, &eb)) != JR_OK ||
	    (rc = jr_shard_open(p1, p2, kiosk, &s, &eb)) != JR_OK)
		die("shard", rc, &eb);
	P(p1, "people.txt");
	if ((people = fopen(p1, "a")) == NULL)
		die("people.txt", JR_EIO, NULL);
	jr_policy_default(&pol);
	if (jr_registrar_new(s, kiosk, &pol, cp.box_pk, &g) != JR_OK)
		die("registrar", JR_EINTERNAL, NULL);
	for (i = first; i < first + n; i++) {
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
	jr_key_free(officer);
	jr_key_free(kiosk);
	jr_key_free(cons);
	return 0;
}

static void member(struct jr_roster_member *m, const struct jr_pubkey *p)
{
	memset(m, 0, sizeof *m);
	memcpy(m->id, p->id, JR_ID_BYTES);
	memcpy(m->sign_pk, p->sign_pk, JR_SIGN_PK_BYTES);
	m->role = p->role;
	m->agency = p->role == JR_ROLE_KIOSK ? JR_AGENCY_DISKOMINFO : JR_AGENCY_DPMD;
	m->region = p->role == JR_ROLE_KIOSK ? UINT64_C(3328101008) : 3328;
	m->perms = p->role == JR_ROLE_KIOSK ? JR_PERM_UPLOAD : JR_PERM_SYNC;
}

static void write_roster(const char *out, const struct jr_key *cons, const struct jr_key *kiosk,
	const struct jr_key *officer)
{
	struct jr_roster_member m[64];
	struct jr_pubkey p;
	struct jr_errbuf eb = { 0 };
	struct jr_buf b = { 0 };
	char path[4096], hex[2 * JR_SIGN_PK_BYTES + 2];
	size_t n = 0;
	FILE *f;
	int rc;

	(void)snprintf(path, sizeof path, "%s/kiosks.txt", out);
	if ((f = fopen(path, "a+")) == NULL)
		die("kiosks.txt", JR_EIO, NULL);
	jr_key_public(kiosk, &p);
	jr_hex(p.sign_pk, JR_SIGN_PK_BYTES, hex);
	fprintf(f, "%s\n", hex);
	rewind(f);
	while (n < 63 && fgets(hex, sizeof hex, f) != NULL) {
		if (strlen(hex) < 2 * JR_SIGN_PK_BYTES)
			continue;
		for (size_t i = 0; i < JR_SIGN_PK_BYTES; i++) {
			char two[3] = { hex[2 * i], hex[2 * i + 1], '\0' }, *end;
			unsigned long v = strtoul(two, &end, 16);
			if (*end != '\0')
				die("kiosks.txt", JR_EFORMAT, NULL);
			p.sign_pk[i] = (uint8_t)v;
		}
		p.role = JR_ROLE_KIOSK;
		jr_keyid_from_pk(p.sign_pk, p.id);
		member(&m[n++], &p);
	}
	if (fclose(f) != 0)
		die("kiosks.txt", JR_EIO, NULL);
	jr_key_public(officer, &p);
	member(&m[n++], &p);
	if ((rc = jr_roster_sign(cons, n - 1, NULL, m, n, &b, &eb)) != JR_OK)
		die("roster", rc, &eb);
	(void)snprintf(path, sizeof path, "%s/roster.jrr", out);
	if ((rc = jr_file_write_atomic(path, b.base, b.len, 0644, &eb)) != JR_OK)
		die("roster.jrr", rc, &eb);
	jr_buf_free(&b);
}
