/*
 * public_fixture OUT: a small synthetic programme for the public page's tests
 * (tests/public_page.sh) and benchmark (tests/bench/public_page.sh), all
 * synthetic, every key from a fixed seed:
 *   OUT/consortium.key, OUT/log.key, OUT/pseudonym.key
 *   OUT/entries/NN.entry  centre entries for POST /v1/acts, in order: the
 *                         roster, then (after the bundles) the agencies'
 *                         approvals, a return, the views of personal data,
 *                         an allocation, a decree and a payment
 *   OUT/bundles.txt       "<id hex> <length> <file>" per upstream bundle
 *   OUT/receipts.txt      "<label> <kiosk short id> <typed code> <regid hex>"
 *                         for the receipts the test checks: decreed (paid),
 *                         returned, review, and the two registrations of
 *                         kiosk A whose typed codes are the same (twin-1,
 *                         twin-2)
 *   OUT/pii.txt           every synthetic NIK, name and phone used, one a
 *                         line: none may appear in a public answer
 *
 * Two registrations sharing a typed code: a code carries 45 bits of the
 * registration id, so a kiosk is expected to print a shared code only among
 * millions of receipts. The pair used here was found once with
 * `public_fixture --collide 17000`, a birthday search over 17 million
 * records sealed with deterministic epochs (epoch e seals TWIN_PER_EPOCH
 * copies of worker 5000 + e's record, nonces 0, 1, ...; about a minute);
 * TWIN_* below are its answer. Keys, workers or the record format changed:
 * run it again and paste its four numbers here.
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
#include "jaring/region.h"
#include "jaring/roster.h"
#include "seal_det.h"

#define T0 1718000000
#define TWIN_PER_EPOCH 1000 /* JR_EPOCH_MAX_RECORDS */
/* --collide's answer: (epoch, nonce index) of the two records. */
#define TWIN_E1 3458u
#define TWIN_K1 476u
#define TWIN_E2 14366u
#define TWIN_K2 12u

enum who { W_CONS, W_KIOSK_A, W_KIOSK_B, W_DISNAKER, W_DPMD, W_DUKCAPIL, W_BPJSTK,
	W_BUPATI, W_FUNDER, W_N };

static struct jr_key *key[W_N];
static uint8_t cons_box[JR_BOX_PK_BYTES];
static const char *out_dir;
static unsigned n_entries;
static FILE *pii;

static _Noreturn void die(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "public_fixture: %s: %s\n", what,
		eb != NULL && eb->msg[0] ? eb->msg : jr_strerror(rc));
	exit(1);
}

static void check(int rc, const char *what)
{
	if (rc != JR_OK)
		die(what, rc, NULL);
}

static void keys_init(void)
{
	uint8_t seed[JR_SEED_BYTES];

	check(jr_init(), "init");
	for (int i = 0; i < W_N; i++) {
		enum jr_role role = i == W_CONS ? JR_ROLE_CONSORTIUM :
			i <= W_KIOSK_B ? JR_ROLE_KIOSK : JR_ROLE_OFFICIAL;
		struct jr_pubkey p;

		memset(seed, 0xa0 + i, sizeof seed);
		check(jr_key_from_seed(role, seed, &key[i]), "key");
		if (i == W_CONS) {
			jr_key_public(key[i], &p);
			memcpy(cons_box, p.box_pk, sizeof cons_box);
		}
	}
}

/* Worker `serial` of district `district` (a code such as 332801), living in
 * `village`: a synthetic woman born on 1 July 1990. */
static void worker(struct jr_registration *r, const struct jr_key *kiosk,
	uint64_t district, uint64_t village, unsigned serial)
{
	memset(r, 0, sizeof *r);
	memcpy(r->kiosk_id, jr_key_id(kiosk), JR_ID_BYTES);
	r->time = T0;
	r->village = village;
	r->occupation = JR_OCC_FISHER;
	r->income = JR_INCOME_500K_1M;
	r->sex = JR_SEX_FEMALE;
	r->birth_year = 1990;
	r->consent_version = 1;
	(void)snprintf(r->nik, sizeof r->nik, "%06llu410790%04u", (unsigned long long)district,
		serial % 9999 + 1);
	(void)snprintf(r->name, sizeof r->name, "Sintetis Publik %c%c%c", 'a' + serial % 26,
		'a' + serial / 26 % 26, 'a' + serial / 676 % 26);
	r->birth = 19900701;
	(void)snprintf(r->phone, sizeof r->phone, "08129877%04u", serial % 10000);
	memcpy(r->address, "Jl. Sintetis No. 9", 19);
}

static void epoch_seeds(unsigned e, uint8_t esk[32], uint8_t nseed[32])
{
	memset(esk, 0x35, 32);
	memset(nseed, 0x46, 32);
	for (int i = 0; i < 4; i++)
		esk[i] = nseed[i] = (uint8_t)(e >> (8 * i));
}

/* The twins' worker of epoch e: worker 5000 + e of district 01. */
static void twin_worker(struct jr_registration *r, unsigned e)
{
	worker(r, key[W_KIOSK_A], 332801, 3328012001u, 5000 + e);
}

/* The record sealed as nonce k of twin epoch e (worker e of district 01). */
static void twin_record(unsigned e, unsigned k, struct jr_buf *out, uint8_t regid[JR_REGID_BYTES])
{
	struct jr_seal_epoch *ep = NULL;
	struct jr_registration r;
	uint8_t esk[32], nseed[32];

	epoch_seeds(e, esk, nseed);
	check(jr_seal_epoch_open_det(cons_box, esk, nseed, T0, &ep), "epoch");
	twin_worker(&r, e);
	for (unsigned i = 0; i <= k; i++) {
		jr_buf_free(out);
		check(jr_record_encode(&r, ep, out, regid, NULL), "seal");
	}
	jr_registration_wipe(&r);
	jr_seal_epoch_close(ep);
}

struct sealed {
	uint64_t prefix45;
	uint32_t epoch, k;
};

static int by_prefix(const void *a, const void *b)
{
	uint64_t x = ((const struct sealed *)a)->prefix45, y = ((const struct sealed *)b)->prefix45;

	return x < y ? -1 : x > y;
}

/* Offsets in a record (record.h's layout, JR_RECORD_BYTES): the nonce's
 * bstr head 0x58 0x18, then the ciphertext's head 0x59 0x01 0x60. */
#define REC_NONCE 59
#define REC_CT 86

/* The record of nonce k of an epoch whose record of nonce 0 is r0 and
 * whose plaintext is pt: what jr_record_encode would make, without its
 * per-record secure allocation (the search makes millions). */
static void reseal(struct jr_seal_epoch *ep, const uint8_t r0[JR_RECORD_BYTES],
	const uint8_t pt[JR_RECORD_PT_BYTES], uint8_t out[JR_RECORD_BYTES])
{
	uint8_t ad[21];

	memcpy(out, r0, JR_RECORD_BYTES);
	memcpy(ad, r0, sizeof ad);
	ad[0] = 0xa2; /* the map without key 2 */
	check(jr_seal(ep, ad, sizeof ad, pt, JR_RECORD_PT_BYTES, out + REC_NONCE, out + REC_CT),
		"seal");
}

/* The first record of epoch e, its plaintext (opened), and the epoch. */
static struct jr_seal_epoch *epoch_first(unsigned e, struct jr_seal_opener *op,
	uint8_t r0[JR_RECORD_BYTES], uint8_t pt[JR_RECORD_PT_BYTES])
{
	struct jr_seal_epoch *ep = NULL;
	struct jr_registration r;
	struct jr_buf rec = { NULL, 0 };
	uint8_t esk[32], nseed[32], regid[JR_REGID_BYTES], ad[21];

	epoch_seeds(e, esk, nseed);
	check(jr_seal_epoch_open_det(cons_box, esk, nseed, T0, &ep), "epoch");
	twin_worker(&r, e);
	check(jr_record_encode(&r, ep, &rec, regid, NULL), "seal");
	jr_registration_wipe(&r);
	if (rec.len != JR_RECORD_BYTES || rec.base[REC_NONCE - 2] != 0x58 ||
	    rec.base[REC_CT - 3] != 0x59)
		die("collide: a record of another layout than record.h's", JR_EFORMAT, NULL);
	memcpy(r0, rec.base, JR_RECORD_BYTES);
	jr_buf_free(&rec);
	memcpy(ad, r0, sizeof ad);
	ad[0] = 0xa2;
	check(jr_seal_open(op, r0 + 25, r0 + REC_NONCE, ad, sizeof ad, r0 + REC_CT,
		JR_RECORD_PT_BYTES + JR_SEAL_TAG_BYTES, pt), "open");
	return ep;
}

/* Birthday search over epochs 0..epochs-1 of TWIN_PER_EPOCH records each. */
static int collide(unsigned epochs)
{
	size_t n = (size_t)epochs * TWIN_PER_EPOCH, at = 0;
	struct sealed *v = malloc(n * sizeof *v);
	struct jr_seal_opener *op = NULL;
	uint8_t r0[JR_RECORD_BYTES], pt[JR_RECORD_PT_BYTES], rec[JR_RECORD_BYTES];
	uint8_t regid[JR_REGID_BYTES];

	if (v == NULL)
		die("collide", JR_ENOMEM, NULL);
	check(jr_seal_opener_new(key[W_CONS], &op), "opener");
	for (unsigned e = 0; e < epochs; e++) {
		struct jr_seal_epoch *ep = epoch_first(e, op, r0, pt);

		for (unsigned k = 0; k < TWIN_PER_EPOCH; k++) {
			if (k == 0)
				memcpy(rec, r0, sizeof rec);
			else
				reseal(ep, r0, pt, rec);
			jr_record_id(rec, sizeof rec, regid);
			v[at].prefix45 = jr_regid_prefix45(regid);
			v[at].epoch = e;
			v[at++].k = k;
		}
		jr_seal_epoch_close(ep);
		if (e == 0) { /* the shortcut makes what jr_record_encode makes */
			struct jr_buf want = { NULL, 0 };

			twin_record(0, 7, &want, regid);
			ep = epoch_first(0, op, r0, pt);
			for (unsigned k = 1; k <= 7; k++)
				reseal(ep, r0, pt, rec);
			jr_seal_epoch_close(ep);
			if (want.len != sizeof rec || memcmp(want.base, rec, sizeof rec) != 0)
				die("collide: resealing differs from jr_record_encode", JR_EINTERNAL,
					NULL);
			jr_buf_free(&want);
		}
	}
	jr_seal_opener_free(op);
	qsort(v, n, sizeof *v, by_prefix);
	for (size_t i = 1; i < n; i++) {
		if (v[i - 1].prefix45 == v[i].prefix45 && v[i - 1].epoch != v[i].epoch) {
			printf("%u %u %u %u\n", v[i - 1].epoch, v[i - 1].k, v[i].epoch, v[i].k);
			free(v);
			return 0;
		}
	}
	free(v);
	fputs("public_fixture: no collision; try more epochs\n", stderr);
	return 1;
}

static void path_of(char *p, size_t cap, const char *name)
{
	if (snprintf(p, cap, "%s/%s", out_dir, name) >= (int)cap)
		die(name, JR_ETOOBIG, NULL);
}

static void save(const char *name, const uint8_t *p, size_t n)
{
	struct jr_errbuf eb = { 0 };
	char path[4096];
	int rc;

	path_of(path, sizeof path, name);
	if ((rc = jr_file_write_atomic(path, p, n, 0600, &eb)) != JR_OK)
		die(path, rc, &eb);
}

static void entry(struct jr_buf *e)
{
	char name[64];

	(void)snprintf(name, sizeof name, "entries/%02u.entry", n_entries++);
	save(name, e->base, e->len);
	jr_buf_free(e);
}

static void member(struct jr_roster_member *m, enum who w, enum jr_role role,
	uint32_t agency, uint64_t region, uint32_t perms)
{
	struct jr_pubkey p;

	memset(m, 0, sizeof *m);
	jr_key_public(key[w], &p);
	memcpy(m->sign_pk, p.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(m->id, p.id, JR_ID_BYTES);
	m->role = role;
	m->agency = agency;
	m->region = region;
	m->perms = perms;
}

static void roster(void)
{
	const uint32_t team = JR_PERM_APPROVE | JR_PERM_RETURN | JR_PERM_COMMENT |
		JR_PERM_VIEW_PERSONAL | JR_PERM_REFLIST;
	struct jr_roster_member m[W_N - 1];
	struct jr_buf e = { NULL, 0 };

	member(&m[0], W_KIOSK_A, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, 3328012001u,
		JR_PERM_UPLOAD);
	member(&m[1], W_KIOSK_B, JR_ROLE_KIOSK, JR_AGENCY_DISKOMINFO, 3328022001u,
		JR_PERM_UPLOAD);
	member(&m[2], W_DISNAKER, JR_ROLE_OFFICIAL, JR_AGENCY_DISNAKER, 0, team);
	member(&m[3], W_DPMD, JR_ROLE_OFFICIAL, JR_AGENCY_DPMD, 0, team);
	member(&m[4], W_DUKCAPIL, JR_ROLE_OFFICIAL, JR_AGENCY_DUKCAPIL, 0, team);
	member(&m[5], W_BPJSTK, JR_ROLE_OFFICIAL, JR_AGENCY_BPJSTK, 0, team);
	member(&m[6], W_BUPATI, JR_ROLE_OFFICIAL, JR_AGENCY_BUPATI, 3328, JR_PERM_ALL);
	member(&m[7], W_FUNDER, JR_ROLE_OFFICIAL, JR_AGENCY_FUNDER, 0,
		JR_PERM_ALLOCATE | JR_PERM_PAY);
	check(jr_centre_roster_entry_members(key[W_CONS], 1, NULL, m, W_N - 1, &e), "roster");
	entry(&e);
}

struct kiosk {
	enum who w;
	uint64_t height;
	uint8_t prev[JR_HASH_BYTES];
	struct jr_buf blocks[8];
	size_t n_blocks;
};

static void block(struct kiosk *k, struct jr_buf *recs, size_t n)
{
	struct jr_buf body = { NULL, 0 };
	struct jr_block b;
	uint8_t sig[JR_SIG_BYTES];

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, jr_key_id(key[k->w]), JR_ID_BYTES);
	b.height = ++k->height;
	memcpy(b.prev, k->prev, JR_HASH_BYTES);
	b.time = T0;
	b.n_records = n;
	for (size_t i = 0; i < n; i++) {
		b.records[i] = recs[i].base;
		b.record_len[i] = recs[i].len;
	}
	check(jr_block_encode(&b, &body), "block");
	check(jr_block_sign(key[k->w], body.base, body.len, k->prev, sig), "sign");
	check(jr_signed_block_encode(body.base, body.len, sig, &k->blocks[k->n_blocks++]),
		"signed block");
	jr_buf_free(&body);
}

static void bundle(struct kiosk *k, const char *name, FILE *list)
{
	struct jr_bundle_params bp = { JR_BUNDLE_UPSTREAM, T0, 1, k->height };
	struct jr_bundle_writer *w = NULL;
	struct jr_bundle_info info;
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey cp;
	char path[4096], idhex[2 * JR_HASH_BYTES + 1];
	int fd;

	jr_key_public(key[W_CONS], &cp);
	path_of(path, sizeof path, name);
	if ((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) < 0)
		die(path, JR_EIO, NULL);
	if (jr_bundle_writer_open_fd(fd, path, key[k->w], &cp, &bp, &w, &eb) != JR_OK)
		die("bundle", JR_EIO, &eb);
	for (size_t i = 0; i < k->n_blocks; i++) {
		if (jr_bundle_writer_add(w, JR_ITEM_BLOCK, k->blocks[i].base, k->blocks[i].len,
			    &eb) != JR_OK)
			die("bundle item", JR_EIO, &eb);
		jr_buf_free(&k->blocks[i]);
	}
	if (jr_bundle_writer_finish(w, &info, &eb) != JR_OK)
		die("bundle finish", JR_EIO, &eb);
	(void)close(fd);
	jr_hex(info.id, JR_HASH_BYTES, idhex);
	fprintf(list, "%s %llu %s\n", idhex,
		(unsigned long long)(JR_BUNDLE_HEADER_BYTES + info.body_len), path);
}

/* The registrations: per district of Kab. Tegal in `counts`, workers at
 * the district's first village, sealed with a random epoch; their ids into
 * ids[] in order. */
#define N_DISTRICTS 4
static const unsigned counts[N_DISTRICTS] = { 14, 9, 6, 3 }; /* the last: < 5 */
#define N_REGS (14 + 9 + 6 + 3)

static void registrations(struct kiosk *ka, struct kiosk *kb,
	uint8_t ids[N_REGS][JR_REGID_BYTES], uint64_t districts[N_DISTRICTS])
{
	const struct jr_region *d[N_DISTRICTS], *v[1];
	struct jr_buf recs[N_REGS];
	struct jr_seal_epoch *ep = NULL;
	size_t at = 0, first_b;
	unsigned serial = 0;

	if (jr_region_children(3328, d, N_DISTRICTS) < N_DISTRICTS)
		die("regions", JR_ENOTFOUND, NULL);
	check(jr_seal_epoch_open(cons_box, T0, &ep), "epoch");
	for (size_t i = 0; i < N_DISTRICTS; i++) {
		districts[i] = d[i]->code;
		if (jr_region_children(d[i]->code, v, 1) < 1)
			die("villages", JR_ENOTFOUND, NULL);
		for (unsigned j = 0; j < counts[i]; j++) {
			struct jr_registration r;

			/* districts 0 and 1 at kiosk A, the rest at kiosk B */
			worker(&r, key[i < 2 ? W_KIOSK_A : W_KIOSK_B], d[i]->code, v[0]->code,
				serial++);
			fprintf(pii, "%s\n%s\n%s\n", r.nik, r.name, r.phone);
			memset(&recs[at], 0, sizeof recs[at]);
			check(jr_record_encode(&r, ep, &recs[at], ids[at], NULL), "seal");
			jr_registration_wipe(&r);
			at++;
		}
	}
	jr_seal_epoch_close(ep);
	first_b = counts[0] + counts[1];
	block(ka, recs, first_b);
	block(kb, recs + first_b, N_REGS - first_b);
	for (size_t i = 0; i < N_REGS; i++)
		jr_buf_free(&recs[i]);
}

static void receipt_line(FILE *f, const char *label, enum who kiosk,
	const uint8_t regid[JR_REGID_BYTES])
{
	char code[JR_CODE_TEXT_LEN + 1], sid[JR_KEYID_SHORT_LEN + 1];
	char hex[2 * JR_REGID_BYTES + 1];

	jr_receipt_code(regid, code);
	jr_keyid_short(jr_key_id(key[kiosk]), sid);
	jr_hex(regid, JR_REGID_BYTES, hex);
	fprintf(f, "%s %s %s %s\n", label, sid, code, hex);
}

static void acts(uint8_t ids[N_REGS][JR_REGID_BYTES], const uint64_t districts[N_DISTRICTS])
{
	/* Approved by all four agencies: the first 10 of district 0, the
	 * first 6 of district 1. Registration 10 is returned by Dukcapil. */
	static const enum who team[4] = { W_DISNAKER, W_DPMD, W_DUKCAPIL, W_BPJSTK };
	uint8_t approved[16 * JR_REGID_BYTES];
	struct jr_buf e = { NULL, 0 };
	struct jr_centre_allocation a;
	struct jr_centre_decree d;
	struct jr_verdict why;
	size_t n = 0;

	for (size_t i = 0; i < 10; i++)
		memcpy(approved + JR_REGID_BYTES * n++, ids[i], JR_REGID_BYTES);
	for (size_t i = 0; i < 6; i++)
		memcpy(approved + JR_REGID_BYTES * n++, ids[counts[0] + i], JR_REGID_BYTES);
	for (size_t i = 0; i < 4; i++) {
		check(jr_centre_review_entry(key[team[i]], T0 + 100, JR_REVIEW_APPROVE, approved,
			n, NULL, NULL, &e), "approve");
		entry(&e);
	}
	memset(&why, 0, sizeof why);
	why.n = 1;
	why.reasons[0] = JR_R_NAME_INVALID;
	check(jr_centre_review_entry(key[W_DUKCAPIL], T0 + 200, JR_REVIEW_RETURN, ids[10], 1,
		&why, NULL, &e), "return");
	entry(&e);
	/* Views of personal data: Dukcapil looked at 7, Disnaker at 2, twice. */
	check(jr_centre_view_entry(key[W_DUKCAPIL], T0 + 300, ids[0], 7, &e), "view");
	entry(&e);
	check(jr_centre_view_entry(key[W_DISNAKER], T0 + 301, ids[3], 2, &e), "view");
	entry(&e);
	check(jr_centre_view_entry(key[W_DISNAKER], T0 + 302, ids[20], 1, &e), "view");
	entry(&e);
	memset(&a, 0, sizeof a);
	memcpy(a.id, "APBD-KAB-2024", 14);
	(void)snprintf(a.sponsor, sizeof a.sponsor, "%s", "APBD Kabupaten Tegal <2024> & \"mitra\"");
	a.type = JR_SPONSOR_APBD;
	a.amount_rp = 5000000;
	a.months = 12;
	a.region = 3328;
	check(jr_centre_allocation_entry(key[W_FUNDER], T0 + 400, &a, &e), "allocation");
	entry(&e);
	memset(&d, 0, sizeof d);
	memcpy(d.number, "KEP-TGL/001/2024", 17);
	d.region = 3328;
	memcpy(d.allocation, a.id, sizeof a.id);
	d.start = 202401;
	d.months = 12;
	d.regids = approved;
	d.n = n;
	check(jr_centre_decree_entry(key[W_BUPATI], T0 + 500, &d, &e), "decree");
	entry(&e);
	check(jr_centre_payment_entry(key[W_FUNDER], T0 + 600, a.id, 202401, NULL, 0,
		(uint64_t)n * 16800, &e), "payment");
	entry(&e);
	(void)districts;
}

int main(int argc, char **argv)
{
	uint8_t ids[N_REGS][JR_REGID_BYTES], twin[2][JR_REGID_BYTES], pkey[32];
	uint64_t districts[N_DISTRICTS];
	struct kiosk ka = { .w = W_KIOSK_A }, kb = { .w = W_KIOSK_B };
	struct jr_buf tw[2] = { { NULL, 0 }, { NULL, 0 } };
	struct jr_errbuf eb = { 0 };
	struct jr_key *logk = NULL;
	char path[4096], hex[66];
	FILE *list, *rc;

	keys_init();
	if (argc == 3 && strcmp(argv[1], "--collide") == 0)
		return collide((unsigned)strtoul(argv[2], NULL, 10));
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		puts("usage: public_fixture OUT | public_fixture --collide EPOCHS\n"
			"Writes the public page test's synthetic programme into OUT (see the\n"
			"source's first comment), or searches EPOCHS x 1000 sealed records for\n"
			"two that share a typed code. Exit status: 0 done, 1 failed, 2 usage.");
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "public_fixture: unknown option or missing OUT '%s'; see --help\n",
			argc > 1 ? argv[1] : "");
		return 2;
	}
	out_dir = argv[1];
	path_of(path, sizeof path, "entries");
	(void)mkdir(path, 0700);
	path_of(path, sizeof path, "consortium.key");
	if (jr_key_save(key[W_CONS], path, &eb) != JR_OK)
		die(path, JR_EIO, &eb);
	check(jr_key_generate(JR_ROLE_NODE, &logk), "log key");
	path_of(path, sizeof path, "log.key");
	if (jr_key_save(logk, path, &eb) != JR_OK)
		die(path, JR_EIO, &eb);
	jr_key_free(logk);
	memset(pkey, 0x5b, sizeof pkey);
	jr_hex(pkey, sizeof pkey, hex);
	hex[64] = '\n';
	save("pseudonym.key", (const uint8_t *)hex, 65);
	path_of(path, sizeof path, "pii.txt");
	if ((pii = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	roster();
	registrations(&ka, &kb, ids, districts);
	/* the twins: one more block of kiosk A */
	twin_record(TWIN_E1, TWIN_K1, &tw[0], twin[0]);
	twin_record(TWIN_E2, TWIN_K2, &tw[1], twin[1]);
	if (jr_regid_prefix45(twin[0]) != jr_regid_prefix45(twin[1]))
		die("the twin records do not share a typed code (run --collide again)",
			JR_EINVAL, NULL);
	block(&ka, tw, 2);
	jr_buf_free(&tw[0]);
	jr_buf_free(&tw[1]);
	for (unsigned e = 0; e < 2; e++) {
		struct jr_registration r;

		twin_worker(&r, e ? TWIN_E2 : TWIN_E1);
		fprintf(pii, "%s\n%s\n%s\n", r.nik, r.name, r.phone);
		jr_registration_wipe(&r);
	}
	path_of(path, sizeof path, "bundles.txt");
	if ((list = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	bundle(&ka, "kiosk-a.jrb", list);
	bundle(&kb, "kiosk-b.jrb", list);
	acts(ids, districts);
	path_of(path, sizeof path, "receipts.txt");
	if ((rc = fopen(path, "w")) == NULL)
		die(path, JR_EIO, NULL);
	receipt_line(rc, "decreed", W_KIOSK_A, ids[0]);
	receipt_line(rc, "returned", W_KIOSK_A, ids[10]);
	receipt_line(rc, "review", W_KIOSK_B, ids[counts[0] + counts[1]]);
	receipt_line(rc, "twin-1", W_KIOSK_A, twin[0]);
	receipt_line(rc, "twin-2", W_KIOSK_A, twin[1]);
	if (fclose(list) != 0 || fclose(rc) != 0 || fclose(pii) != 0)
		die("a list file", JR_EIO, NULL);
	for (int i = 0; i < W_N; i++)
		jr_key_free(key[i]);
	return 0;
}
