/*
 * node_fixture OUT KIOSKS BUNDLES BLOCKS RECORDS [KOTA]: what the cluster tests
 * and the ingest benchmark feed jaring-node, all synthetic:
 *   OUT/consortium.key, OUT/consortium.pub, OUT/log.key, OUT/pseudonym.key
 *   OUT/roster.entry     a centre roster entry (kind 1) listing the kiosks,
 *                        for POST /v1/acts
 *   OUT/bundles/K-N.jrb  BUNDLES upstream bundles per kiosk, each of BLOCKS
 *                        signed blocks of RECORDS sealed registrations,
 *                        heights continuing across a kiosk's bundles
 *   OUT/bundles.txt      one line per bundle, in the order to upload them
 *                        (round robin over the kiosks):
 *                        "<id hex> <length> <file> <registrations>"
 *   OUT/regids.txt       the registration id of every registration, hex
 *   OUT/kiosk0.key       the first kiosk's key (to read its downstream bundle)
 *   OUT/kiosk0.id        its key id, hex
 *   OUT/kiosk-K.pub      kiosk K's public key (for rosters made elsewhere)
 *   OUT/people.txt       the synthetic personal data of every registration,
 *                        "NIK<TAB>name<TAB>phone<TAB>birth YYYYMMDD<TAB>address"
 *                        (for the privacy searches)
 *   OUT/receipt0.txt     the QR text of the first registration's receipt
 * Registrations: women born in July 1990 with NIKs unique up to 279,972, in
 * village 3328012001 of Kab. Tegal; the last KOTA kiosks' (default 0) in
 * village 3376011001 of Kota Tegal, NIKs 337601... Registration i (line i + 1
 * of regids.txt) has NIK 3328|3376, 01, 41 + i % 28, 0790, 1 + i / 28 % 9999.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jaring/block.h"
#include "jaring/bundle.h"
#include "jaring/centre.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/seal.h"

#define MAX_KIOSKS 512
#define T0 1718000000

static _Noreturn void die(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "node_fixture: %s: %s\n", what,
		eb != NULL && eb->msg[0] ? eb->msg : jr_strerror(rc));
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != JR_OK)
		die(what, rc, NULL);
}

struct kiosk {
	struct jr_key *k;
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
};

static struct jr_seal_epoch *epoch;
static FILE *regids, *people;
static uint8_t cons_box[JR_BOX_PK_BYTES];

static unsigned long kota_from = MAX_KIOSKS; /* the first kiosk in Kota Tegal */

static void worker(struct jr_registration *r, const struct jr_key *k, unsigned i,
	bool kota)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(k), JR_ID_BYTES);
	r->time = T0;
	r->village = kota ? 3376011001u : 3328012001u;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	(void)snprintf(r->nik, sizeof r->nik, "%s01%02u0790%04u", kota ? "3376" : "3328",
		41 + i % 28,
		1 + i / 28 % 9999);
	(void)snprintf(r->name, sizeof r->name, "Sintetis Pekerja");
	r->birth = 19900701 + i % 28;
	(void)snprintf(r->phone, sizeof r->phone, "081299%06u", i % 1000000);
	memcpy(r->address, "Jl. Sintetis No. 1", 19);
}

static char receipt_path[4096];

/* The receipt the kiosk printed for the first registration. */
static void first_receipt(const struct kiosk *kc, uint64_t height,
	const uint8_t regid[JR_REGID_BYTES])
{
	struct jr_receipt rc;
	struct jr_buf payload = { NULL, 0 };
	char text[JR_RECEIPT_TEXT_MAX + 2];
	FILE *f;

	memset(&rc, 0, sizeof rc);
	memcpy(rc.kiosk_id, jr_key_id(kc->k), JR_ID_BYTES);
	rc.height = height;
	memcpy(rc.regid, regid, JR_REGID_BYTES);
	rc.time = T0;
	(void)snprintf(rc.masked_name, sizeof rc.masked_name, "S******* P******");
	rc.policy_version = 1;
	check(jr_receipt_sign(&rc, kc->k, &payload), "receipt");
	check(jr_receipt_to_text(payload.base, payload.len, text, sizeof text), "receipt text");
	jr_buf_free(&payload);
	if ((f = fopen(receipt_path, "w")) == NULL)
		die(receipt_path, JR_EIO, NULL);
	fprintf(f, "%s\n", text);
	(void)fclose(f);
}

static void make_block(struct kiosk *kc, unsigned *serial, size_t per, bool kota,
	struct jr_buf *out)
{
	struct jr_buf recs[JR_BLOCK_MAX_RECORDS], body = { NULL, 0 };
	struct jr_block b;
	uint8_t regid[JR_REGID_BYTES], sig[JR_SIG_BYTES];

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(kc->k), JR_ID_BYTES);
	b.height = ++kc->height;
	memcpy(b.prev, kc->prev, JR_HASH_BYTES);
	b.time = T0;
	b.n_records = per;
	for (size_t j = 0; j < per; j++) {
		struct jr_registration r;

		worker(&r, kc->k, (*serial)++, kota);
		if (epoch == NULL || jr_seal_epoch_spent(epoch, T0)) {
			jr_seal_epoch_close(epoch);
			check(jr_seal_epoch_open(cons_box, T0, &epoch), "epoch");
		}
		check(jr_record_encode(&r, epoch, &recs[j], regid, NULL), "seal");
		{
			char rh[2 * JR_REGID_BYTES + 1];

			jr_hex(regid, JR_REGID_BYTES, rh);
			fprintf(regids, "%s\n", rh);
			fprintf(people, "%s\t%s\t%s\t%u\t%s\n", r.nik, r.name, r.phone,
				(unsigned)r.birth, r.address);
		}
		if (*serial == 1)
			first_receipt(kc, b.height, regid);
		jr_registration_wipe(&r);
		b.records[j] = recs[j].base;
		b.record_len[j] = recs[j].len;
	}
	check(jr_block_encode(&b, &body), "block");
	/* writes the body hash into prev: the next block's prev */
	check(jr_block_sign(kc->k, body.base, body.len, kc->prev, sig), "sign");
	check(jr_signed_block_encode(body.base, body.len, sig, out), "signed block");
	jr_buf_free(&body);
	for (size_t j = 0; j < per; j++)
		jr_buf_free(&recs[j]);
}

static void save_bytes(const char *path, const uint8_t *p, size_t n)
{
	struct jr_errbuf eb = { 0 };
	int rc = jr_file_write_atomic(path, p, n, 0600, &eb);

	if (rc != JR_OK)
		die(path, rc, &eb);
}

int main(int argc, char **argv)
{
	struct kiosk ks[MAX_KIOSKS];
	struct jr_centre_kiosk roster[MAX_KIOSKS];
	struct jr_key *cons = NULL, *logk = NULL;
	struct jr_pubkey cp;
	struct jr_errbuf eb = { 0 };
	struct jr_buf e = { NULL, 0 };
	char path[4096];
	unsigned long nk, nb, nblk, nrec;
	unsigned serial = 0;
	uint8_t pkey[32];
	char hex[65];
	FILE *list;

	if ((argc != 6 && argc != 7) || (nk = strtoul(argv[2], NULL, 10)) < 1 || nk > MAX_KIOSKS ||
	    (nb = strtoul(argv[3], NULL, 10)) < 1 ||
	    (nblk = strtoul(argv[4], NULL, 10)) < 1 || nblk > 1024 ||
	    (nrec = strtoul(argv[5], NULL, 10)) < 1 || nrec > JR_BLOCK_MAX_RECORDS) {
		fputs("usage: node_fixture OUT KIOSKS(1..512) BUNDLES BLOCKS(1..1024) "
			"RECORDS(1..64) [KOTA(0..KIOSKS)]\n", stderr);
		return 2;
	}
	if (argc == 7) {
		unsigned long kota = strtoul(argv[6], NULL, 10);

		if (kota > nk) {
			fputs("node_fixture: KOTA is more than KIOSKS\n", stderr);
			return 2;
		}
		kota_from = nk - kota;
	}
	check(jr_init(), "init");
	check(jr_key_generate(JR_ROLE_CONSORTIUM, &cons), "consortium key");
	check(jr_key_generate(JR_ROLE_NODE, &logk), "log key");
	jr_key_public(cons, &cp);
	memcpy(cons_box, cp.box_pk, sizeof cons_box);
#define P(name) (void)snprintf(path, sizeof path, "%s/%s", argv[1], (name))
	P("consortium.key");
	if (jr_key_save(cons, path, &eb) != JR_OK)
		die(path, JR_EIO, &eb);
	P("consortium.pub");
	if (jr_pubkey_save(&cp, path, &eb) != JR_OK)
		die(path, JR_EIO, &eb);
	P("log.key");
	if (jr_key_save(logk, path, &eb) != JR_OK)
		die(path, JR_EIO, &eb);
	memset(pkey, 0x5a, sizeof pkey);
	jr_hex(pkey, sizeof pkey, hex);
	hex[64] = '\n';
	P("pseudonym.key");
	save_bytes(path, (const uint8_t *)hex, 65);
	for (unsigned long i = 0; i < nk; i++) {
		struct jr_pubkey p;

		memset(&ks[i], 0, sizeof ks[i]);
		check(jr_key_generate(JR_ROLE_KIOSK, &ks[i].k), "kiosk key");
		jr_key_public(ks[i].k, &p);
		{
			char name[32];

			(void)snprintf(name, sizeof name, "kiosk-%lu.pub", i);
			P(name);
			if (jr_pubkey_save(&p, path, &eb) != JR_OK)
				die(path, JR_EIO, &eb);
		}
		memcpy(roster[i].sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
		roster[i].village = i >= kota_from ? 3376011001u : 3328012001u;
		if (i == 0) { /* kiosk 0's key, for the downstream checks */
			char idhex[2 * JR_ID_BYTES + 2];

			P("kiosk0.key");
			if (jr_key_save(ks[i].k, path, &eb) != JR_OK)
				die(path, JR_EIO, &eb);
			jr_hex(p.id, JR_ID_BYTES, idhex);
			idhex[2 * JR_ID_BYTES] = '\n';
			P("kiosk0.id");
			save_bytes(path, (const uint8_t *)idhex, 2 * JR_ID_BYTES + 1);
		}
		roster[i].revoked_from = 0;
	}
	check(jr_centre_roster_entry(cons, 1, roster, nk, &e), "roster");
	P("roster.entry");
	save_bytes(path, e.base, e.len);
	jr_buf_free(&e);
	P("bundles");
	(void)mkdir(path, 0700);
	P("bundles.txt");
	if ((list = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	P("regids.txt");
	if ((regids = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	P("people.txt");
	if ((people = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	P("receipt0.txt");
	(void)snprintf(receipt_path, sizeof receipt_path, "%s", path);
	for (unsigned long n = 0; n < nb; n++) {
		for (unsigned long i = 0; i < nk; i++) {
			struct jr_bundle_params bp = { JR_BUNDLE_UPSTREAM, T0, ks[i].height + 1,
				ks[i].height + nblk };
			struct jr_bundle_writer *w = NULL;
			struct jr_bundle_info info;
			char name[64], idhex[65];
			int fd;

			(void)snprintf(name, sizeof name, "bundles/%lu-%lu.jrb", i, n);
			P(name);
			if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
				die(path, JR_EIO, NULL);
			if (jr_bundle_writer_open_fd(fd, path, ks[i].k, &cp, &bp, &w, &eb) != JR_OK)
				die("bundle", JR_EIO, &eb);
			for (unsigned long b = 0; b < nblk; b++) {
				struct jr_buf blk = { NULL, 0 };

				make_block(&ks[i], &serial, nrec, i >= kota_from, &blk);
				if (jr_bundle_writer_add(w, JR_ITEM_BLOCK, blk.base, blk.len, &eb) != JR_OK)
					die("bundle item", JR_EIO, &eb);
				jr_buf_free(&blk);
			}
			if (jr_bundle_writer_finish(w, &info, &eb) != JR_OK)
				die("bundle finish", JR_EIO, &eb);
			(void)close(fd);
			jr_hex(info.id, JR_HASH_BYTES, idhex);
			fprintf(list, "%s %llu %s %lu\n", idhex,
				(unsigned long long)(JR_BUNDLE_HEADER_BYTES + info.body_len), path,
				nblk * nrec);
		}
	}
	if (fclose(list) != 0 || fclose(regids) != 0 || fclose(people) != 0)
		die("bundles.txt or regids.txt", JR_EIO, NULL);
	jr_seal_epoch_close(epoch);
	for (unsigned long i = 0; i < nk; i++)
		jr_key_free(ks[i].k);
	jr_key_free(cons);
	jr_key_free(logk);
	return 0;
}
