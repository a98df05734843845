/*
 * jaring-demo: the ledger's field cycle in one run, on synthetic workers.
 *
 * Creates a kiosk identity and a stand-in consortium key, registers the
 * workers of assets/demo/workers.csv through the registrar (the kiosk's own
 * path: rules, seal, signed block, signed receipt), verifies the chain both
 * ways, writes each receipt as a PNG QR code, scans every PNG back with zbar
 * and verifies it, and opens the sealed fields as the centre would. Prints
 * only masked names: even demo data is treated as personal data.
 *
 * Every input is checked before the first byte is written (the worker list
 * is read and parsed whole, the output folder's parent is checked), so a
 * wrong --assets or --out leaves nothing half made behind.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "jaring/block.h"
#include "jaring/cli.h"
#include "jaring/codec.h"
#include "jaring/image.h"
#include "jaring/keys.h"
#include "jaring/record.h"
#include "jaring/region.h"
#include "jaring/registrar.h"
#include "jaring/rules.h"
#include "jaring/seal.h"
#include "jaring/shard.h"

#define MAX_WORKERS 64

/* The longest name the demo writes under --out, "receipts/receipt-NNNNNN.png",
 * SQLite's journals beside shard.db included, fits in this many bytes. */
#define OUT_REL_MAX 40

struct demo {
	const char *out;
	const char *assets;
	struct jr_registration workers[MAX_WORKERS];
	size_t n_workers;
	struct jr_key *kiosk;
	struct jr_key *consortium;
	struct jr_shard *shard;
	struct jr_policy policy;
	char path[1024];
	unsigned accepted, refused;
};

/* "<out>/<rel>[<suffix>]" in d->path. */
static const char *pathf(struct demo *d, const char *rel, const char *suffix)
{
	int n = snprintf(d->path, sizeof d->path, "%s/%s%s", d->out, rel, suffix);

	if (n < 0 || (size_t)n >= sizeof d->path) {
		fprintf(stderr, "jaring-demo: path too long under %s\n", d->out);
		exit(1);
	}
	return d->path;
}

static int mkdir_p(const char *dir)
{
	char tmp[1024];
	size_t i, n = strlen(dir);

	if (n == 0 || n >= sizeof tmp)
		return -1;
	memcpy(tmp, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return -1;
		tmp[i] = i == n ? '\0' : '/';
	}
	return 0;
}

static void die(const char *what, int rc, const struct jr_errbuf *eb)
{
	fprintf(stderr, "jaring-demo: %s: %s%s%s\n", what, jr_strerror(rc),
		eb && eb->msg[0] ? " — " : "", eb ? eb->msg : "");
	exit(1);
}

/* A fresh output tree: the demo never reuses a kiosk identity, and refuses
 * to clear a folder it did not make. */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void prepare_out(struct demo *d)
{
	struct stat st;
	FILE *f;

	/* check_out() has refused a folder the demo did not make. */
	if (stat(d->out, &st) == 0) {
		/* Depth first, never following links out of the folder. */
		if (nftw(d->out, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0) {
			fprintf(stderr, "jaring-demo: cannot clear %s: %s\n", d->out, strerror(errno));
			exit(1);
		}
	}
	if (mkdir_p(pathf(d, "kiosk", "")) != 0 ||
	    mkdir_p(pathf(d, "centre", "")) != 0 ||
	    mkdir_p(pathf(d, "receipts", "")) != 0) {
		fprintf(stderr, "jaring-demo: cannot create %s: %s\n", d->out, strerror(errno));
		exit(1);
	}
	if ((f = fopen(pathf(d, ".jaring-demo", ""), "w")) == NULL || fclose(f) != 0) {
		fprintf(stderr, "jaring-demo: cannot write in %s\n", d->out);
		exit(1);
	}
}

/* With JARING_TPM set (and not "none") the kiosk key is sealed to that TPM
 * and loaded back, as the appliance provisions it, so the shard's fork
 * guard keeps the TPM's monotonic counter (firmware-image/test.sh seeds its
 * image this way, with swtpm). */
static int save_kiosk_key(struct demo *d, struct jr_errbuf *eb)
{
	const char *tpm = getenv("JARING_TPM");
	const char *path = pathf(d, "kiosk/kiosk.key", "");
	int rc;

	if (tpm == NULL || tpm[0] == '\0' || strcmp(tpm, "none") == 0)
		return jr_key_save(d->kiosk, path, eb);
	if ((rc = jr_key_save_tpm(d->kiosk, path, eb)) != JR_OK)
		return rc;
	jr_key_free(d->kiosk);
	d->kiosk = NULL;
	return jr_key_load(path, &d->kiosk, eb);
}

static void provision(struct demo *d)
{
	struct jr_errbuf eb = { 0 };
	struct jr_pubkey pub;
	char shortid[JR_KEYID_SHORT_LEN + 1];
	int rc;

	if ((rc = jr_key_generate(JR_ROLE_KIOSK, &d->kiosk)) != JR_OK)
		die("kiosk key", rc, NULL);
	if ((rc = jr_key_generate(JR_ROLE_CONSORTIUM, &d->consortium)) != JR_OK)
		die("consortium key", rc, NULL);
	if ((rc = save_kiosk_key(d, &eb)) != JR_OK)
		die("saving the kiosk key", rc, &eb);
	jr_key_public(d->kiosk, &pub);
	if ((rc = jr_pubkey_save(&pub, pathf(d, "kiosk/kiosk.pub", ""), &eb)) != JR_OK)
		die("saving the kiosk public key", rc, &eb);
	if ((rc = jr_key_save(d->consortium, pathf(d, "centre/consortium.key", ""), &eb)) != JR_OK)
		die("saving the consortium key", rc, &eb);
	jr_key_public(d->consortium, &pub);
	if ((rc = jr_pubkey_save(&pub, pathf(d, "centre/consortium.pub", ""), &eb)) != JR_OK)
		die("saving the consortium public key", rc, &eb);
	char db[1024], counter[1024];
	if (snprintf(db, sizeof db, "%s/kiosk/shard.db", d->out) >= (int)sizeof db ||
	    snprintf(counter, sizeof counter, "%s/kiosk/shard.counter", d->out) >= (int)sizeof counter)
		die("output folder name too long", JR_EINVAL, NULL);
	if ((rc = jr_shard_create(db, counter, d->kiosk, &eb)) != JR_OK)
		die("creating the shard", rc, &eb);
	if ((rc = jr_shard_open(db, counter, d->kiosk, &d->shard, &eb)) != JR_OK)
		die("opening the shard", rc, &eb);
	jr_policy_default(&d->policy);
	jr_keyid_short(jr_key_id(d->kiosk), shortid);
	printf("Kiosk %s provisioned: key, shard and fork-guard counter in %s/kiosk\n\n",
		shortid, d->out);
}

static int occupation_from_key(const char *s)
{
	int o;

	for (o = 1; o < JR_OCC_COUNT; o++) {
		const char *k = jr_occupation_key((enum jr_occupation)o);
		if (k != NULL && strcmp(k, s) == 0)
			return o;
	}
	return 0;
}

static void copy_field(char *dst, size_t dstlen, const char *src)
{
	size_t n = strlen(src);

	if (n >= dstlen)
		n = dstlen - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Exactly n decimal digits at s; false on anything else (sscanf's %u would
 * take signs, spaces and numbers that overflow). */
static bool read_digits(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return true;
}

/* nik,name,sex,birth,village,occupation,income,phone,address */
static int parse_worker(char *line, struct jr_registration *r)
{
	char *f[9];
	size_t n = 0;
	char *p = line;
	unsigned y, m, dd, income;
	uint64_t village;

	memset(r, 0, sizeof *r);
	while (n < 9) {
		f[n++] = p;
		p = strchr(p, ',');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (n != 9 || strlen(f[3]) != 10 || f[3][4] != '-' || f[3][7] != '-' ||
	    !read_digits(f[3], 4, &y) || !read_digits(f[3] + 5, 2, &m) ||
	    !read_digits(f[3] + 8, 2, &dd) ||
	    strlen(f[6]) != 1 || !read_digits(f[6], 1, &income) ||
	    jr_region_parse(f[4], strlen(f[4]), &village) != JR_OK)
		return -1;
	copy_field(r->nik, sizeof r->nik, f[0]);
	copy_field(r->name, sizeof r->name, f[1]);
	r->sex = f[2][0] == 'F' ? JR_SEX_FEMALE : JR_SEX_MALE;
	r->birth = y * 10000 + m * 100 + dd;
	r->birth_year = (uint16_t)y;
	r->village = village;
	r->occupation = (enum jr_occupation)occupation_from_key(f[5]);
	r->income = (enum jr_income)income;
	if (jr_phone_normalise(f[7], r->phone) != JR_OK)
		copy_field(r->phone, sizeof r->phone, f[7]);
	copy_field(r->address, sizeof r->address, f[8]);
	return 0;
}

static void write_receipt_png(struct demo *d, const struct jr_issued *is)
{
	struct jr_errbuf eb = { 0 };
	struct jr_image img = { 0 };
	char name[32];
	int version, rc;

	rc = jr_qr_render(is->text, JR_QR_MAX_VERSION, 6, 4, &img, &version, &eb);
	if (rc != JR_OK)
		die("rendering a receipt QR", rc, &eb);
	snprintf(name, sizeof name, "receipt-%06llu.png", (unsigned long long)is->height);
	rc = jr_png_write(&img, pathf(d, "receipts/", name), &eb);
	jr_image_free(&img);
	if (rc != JR_OK)
		die("writing a receipt PNG", rc, &eb);
	printf("  %-11s  %-5llu  v%-4d  %-24s  %s\n", is->code,
		(unsigned long long)is->height, version, is->receipt.masked_name, d->path);
}

static void show_refusal(const struct jr_registration *r, const struct jr_verdict *v)
{
	char masked[JR_MASKED_NAME_MAX + 1];
	size_t i;

	jr_mask_name(r->name, masked, sizeof masked);
	printf("  refused      %-24s\n", masked);
	for (i = 0; i < v->n; i++) {
		printf("      %d %-24s id: %s\n", (int)v->reasons[i],
			jr_reason_name(v->reasons[i]), jr_reason_message(v->reasons[i], JR_LANG_ID));
		printf("      %3s %-24s en: %s\n", "", "", jr_reason_message(v->reasons[i], JR_LANG_EN));
	}
}

/* Reads and parses the whole worker list into d->workers, or says which line
 * is wrong and exits: nothing has been written yet when this runs. */
static void load_workers(struct demo *d)
{
	char line[1024];
	unsigned lineno = 0;
	FILE *f;

	if (snprintf(d->path, sizeof d->path, "%s/demo/workers.csv", d->assets) >= (int)sizeof d->path) {
		fprintf(stderr, "jaring-demo: --assets %s: the folder name is too long\n", d->assets);
		exit(1);
	}
	if ((f = fopen(d->path, "r")) == NULL) {
		fprintf(stderr, "jaring-demo: --assets %s: cannot read %s: %s; pass the repository's "
			"assets/ folder, which holds demo/workers.csv\n", d->assets, d->path, strerror(errno));
		exit(1);
	}
	while (fgets(line, sizeof line, f) != NULL) {
		size_t len = strcspn(line, "\r\n");

		lineno++;
		if (line[len] == '\0' && !feof(f)) {
			fprintf(stderr, "jaring-demo: %s line %u: longer than %zu bytes\n",
				d->path, lineno, sizeof line - 2);
			exit(1);
		}
		line[len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (d->n_workers == MAX_WORKERS) {
			fprintf(stderr, "jaring-demo: %s: more than %d workers; the demo takes at most %d\n",
				d->path, MAX_WORKERS, MAX_WORKERS);
			exit(1);
		}
		if (parse_worker(line, &d->workers[d->n_workers]) != 0) {
			fprintf(stderr, "jaring-demo: %s line %u: expected the 9 fields "
				"nik,name,sex,birth(YYYY-MM-DD),village(33.28.DD.VVVV),occupation,income(1-6),"
				"phone,address\n", d->path, lineno);
			exit(1);
		}
		d->n_workers++;
	}
	if (ferror(f) != 0 || d->n_workers == 0) {
		fprintf(stderr, "jaring-demo: %s: %s\n", d->path,
			ferror(f) != 0 ? "reading failed" : "no workers in it");
		exit(1);
	}
	(void)fclose(f); /* read only */
}

/* The nearest folder that exists at or above dir (without following "..":
 * the demo only needs to know where mkdir would start). */
static void existing_parent(const char *dir, char *buf, size_t buflen)
{
	struct stat st;
	char *slash;

	(void)snprintf(buf, buflen, "%s", dir); /* dir fits: checked by the caller */
	while (stat(buf, &st) != 0) {
		slash = strrchr(buf, '/');
		while (slash != NULL && slash > buf && slash[-1] == '/')
			slash--;
		if (slash == NULL) {
			(void)snprintf(buf, buflen, ".");
			return;
		}
		slash[slash == buf ? 1 : 0] = '\0';
	}
}

/* --out can be made or reused, and written: checked before anything is. */
static void check_out(struct demo *d)
{
	char parent[1024];
	struct stat st;

	if (strlen(d->out) + OUT_REL_MAX >= sizeof d->path) {
		fprintf(stderr, "jaring-demo: --out %s: the folder name is too long\n", d->out);
		exit(1);
	}
	if (stat(d->out, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "jaring-demo: --out %s: exists and is not a folder; "
				"choose another --out folder\n", d->out);
			exit(1);
		}
		if (access(pathf(d, ".jaring-demo", ""), F_OK) != 0) {
			fprintf(stderr, "jaring-demo: --out %s: exists and was not made by the demo; "
				"choose another --out folder\n", d->out);
			exit(1);
		}
		if (access(d->out, W_OK | X_OK) != 0) {
			fprintf(stderr, "jaring-demo: --out %s: cannot write in it: %s\n",
				d->out, strerror(errno));
			exit(1);
		}
		return;
	}
	existing_parent(d->out, parent, sizeof parent);
	if (stat(parent, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "jaring-demo: --out %s: cannot be made: %s is not a folder\n",
			d->out, parent);
		exit(1);
	}
	if (access(parent, W_OK | X_OK) != 0) {
		fprintf(stderr, "jaring-demo: --out %s: cannot be made in %s: %s\n",
			d->out, parent, strerror(errno));
		exit(1);
	}
}

static void register_workers(struct demo *d, struct jr_issued *issued, size_t *n_issued)
{
	struct jr_registrar *g;
	struct jr_pubkey centre;
	struct jr_errbuf eb;
	struct jr_verdict v;
	int64_t now = (int64_t)time(NULL);
	size_t w;
	int rc;

	jr_key_public(d->consortium, &centre);
	if ((rc = jr_registrar_new(d->shard, d->kiosk, &d->policy, centre.box_pk, &g)) != JR_OK)
		die("starting the registrar", rc, NULL);
	printf("Registering the synthetic workers of %s/demo/workers.csv:\n", d->assets);
	printf("  %-11s  %-5s  %-5s  %-24s  %s\n", "typed code", "block", "QR", "masked name",
		"receipt PNG");
	for (w = 0; w < d->n_workers; w++) {
		struct jr_registration *r = &d->workers[w];

		jr_errclear(&eb);
		rc = jr_registrar_submit(g, r, now++, &v, &issued[*n_issued], &eb);
		if (rc == JR_ERULE) {
			show_refusal(r, &v);
			d->refused++;
		} else if (rc != JR_OK) {
			die("registering", rc, &eb);
		} else {
			write_receipt_png(d, &issued[*n_issued]);
			(*n_issued)++;
			d->accepted++;
		}
		jr_registration_wipe(r);
	}
	jr_registrar_free(g);
}

static void verify_chain(struct demo *d)
{
	struct jr_errbuf eb = { 0 };
	uint64_t bad = 0;
	int rc;

	if ((rc = jr_shard_verify(d->shard, JR_VERIFY_FULL, &bad, &eb)) != JR_OK)
		die("full chain verification", rc, &eb);
	if ((rc = jr_shard_verify(d->shard, JR_VERIFY_HEAD, &bad, &eb)) != JR_OK)
		die("head-only chain verification", rc, &eb);
	printf("\nChain of %llu blocks verified: every signature, and again from the head's "
		"signature down the hash chain.\n", (unsigned long long)jr_shard_height(d->shard));
}

/* What a worker's phone or the kiosk's camera would do: read the PNG, scan
 * it with zbar, check the kiosk's signature. */
static void rescan_receipts(struct demo *d, const struct jr_issued *issued, size_t n)
{
	struct jr_pubkey kiosk;
	size_t i;

	jr_key_public(d->kiosk, &kiosk);
	for (i = 0; i < n; i++) {
		struct jr_errbuf eb = { 0 };
		struct jr_image img = { 0 };
		struct jr_receipt rc;
		uint8_t payload[JR_RECEIPT_MAX_BYTES];
		char text[JR_RECEIPT_TEXT_MAX + 1];
		size_t tlen, plen;
		int err;

		char name[32];

		snprintf(name, sizeof name, "receipt-%06llu.png",
			(unsigned long long)issued[i].height);
		err = jr_png_read(pathf(d, "receipts/", name), &img, &eb);
		if (err == JR_OK)
			err = jr_qr_scan(&img, text, sizeof text, &tlen, &eb);
		jr_image_free(&img);
		if (err == JR_OK)
			err = jr_receipt_from_text(text, tlen, payload, &plen, &eb);
		if (err == JR_OK)
			err = jr_receipt_verify(payload, plen, kiosk.sign_pk, &rc, &eb);
		if (err != JR_OK)
			die("re-scanning a receipt", err, &eb);
		if (memcmp(rc.regid, issued[i].regid, JR_REGID_BYTES) != 0)
			die("re-scanned receipt names another registration", JR_ECORRUPT, NULL);
	}
	printf("All %zu receipt PNGs scanned back with zbar and verified against the kiosk key.\n", n);
}

/* The centre's side: one X25519 per sealing epoch, then one AEAD open per
 * record. */
static void open_as_centre(struct demo *d)
{
	struct jr_seal_opener *o;
	uint64_t h, opened = 0;
	int rc;

	if ((rc = jr_seal_opener_new(d->consortium, &o)) != JR_OK)
		die("consortium opener", rc, NULL);
	for (h = 1; h <= jr_shard_height(d->shard); h++) {
		struct jr_errbuf eb = { 0 };
		struct jr_buf body = { NULL, 0 };
		uint8_t sig[JR_SIG_BYTES];
		struct jr_block b;
		size_t i;

		if ((rc = jr_shard_get(d->shard, h, &body, sig, &eb)) != JR_OK ||
		    (rc = jr_block_decode(body.base, body.len, &b, &eb)) != JR_OK)
			die("reading a block", rc, &eb);
		for (i = 0; i < b.n_records; i++) {
			struct jr_registration r;
			if ((rc = jr_record_open(b.records[i], b.record_len[i], o, &r, &eb)) != JR_OK)
				die("opening a sealed record", rc, &eb);
			jr_registration_wipe(&r);
			opened++;
		}
		jr_buf_free(&body);
	}
	printf("The centre opened %llu sealed records with %llu public-key operation(s).\n",
		(unsigned long long)opened, (unsigned long long)jr_seal_opener_dh_count(o));
	jr_seal_opener_free(o);
}

static const char help_text[] =
	"jaring-demo: the ledger's field cycle in one run, on synthetic workers.\n"
	"\n"
	"It creates a kiosk identity and a stand-in consortium key, registers the\n"
	"workers of ASSETS/demo/workers.csv through the kiosk's own registration path\n"
	"(rules, sealing, a signed block committed to disk, a signed receipt), shows\n"
	"the refusals with their reasons, verifies the chain, writes every receipt as\n"
	"a QR PNG, scans each back and verifies it, and opens the sealed records as\n"
	"the centre would. It prints masked names only.\n"
	"\n"
	"usage: jaring-demo --out DIR --assets DIR\n"
	"       jaring-demo --help\n"
	"\n"
	"options:\n"
	"  --out DIR     folder to write: kiosk/ (key, shard.db, counter), centre/\n"
	"                (the stand-in consortium key) and receipts/ (QR PNGs). Made if\n"
	"                missing; a folder an earlier run made is cleared and reused;\n"
	"                any other existing folder is refused.\n"
	"  --assets DIR  the repository's assets/ folder; demo/workers.csv is read.\n"
	"  -h, --help    print this help and exit.\n"
	"\n"
	"Both folders are checked and the whole worker list is read before anything\n"
	"is written, so a wrong path leaves no half-made output.\n"
	"\n"
	"environment:\n"
	"  JARING_TPM    a tpm2-tss TCTI (e.g. swtpm:host=127.0.0.1,port=2321): the\n"
	"                kiosk key is sealed to that TPM 2.0 and the shard's fork\n"
	"                guard keeps its monotonic counter (docs/keys.md). Unset or\n"
	"                \"none\": a plain key file.\n"
	"\n"
	"exit status:\n"
	"  0  every step passed\n"
	"  1  an input is missing or wrong, the output cannot be written, or a step\n"
	"     failed; the message names it\n"
	"  2  usage error: an unknown option, a missing option or argument\n"
	"\n"
	"More: man -l docs/man/jaring-demo.1, README.md.\n";

static int usage_error(const char *what, const char *arg, const char *after)
{
	fprintf(stderr, "jaring-demo: %s '%s'%s; see --help\n", what, arg, after);
	return 2;
}

/* 0 to go on, -1 when --help was printed, or the exit status of an error. */
static int parse_args(int argc, char **argv, struct demo *d)
{
	static const char *const names[] = { "--out", "--assets" };

	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		const char **value[] = { &d->out, &d->assets };
		int m = 0;

		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
			fputs(help_text, stdout);
			return fflush(stdout) == 0 ? -1 : 1;
		}
		for (size_t k = 0; k < 2 && m == 0; k++) {
			m = jr_cli_value(argc, argv, &i, names[k], value[k]);
			if (m < 0)
				return usage_error("option", names[k], " needs a folder after it");
		}
		if (m == 0)
			return usage_error(arg[0] == '-' ? "unknown option" : "unexpected argument",
				arg, "");
	}
	if (d->out == NULL)
		return usage_error("missing option", "--out DIR", "");
	if (d->assets == NULL)
		return usage_error("missing option", "--assets DIR", "");
	return 0;
}

int main(int argc, char **argv)
{
	static struct jr_issued issued[MAX_WORKERS];
	static struct demo d;
	size_t n = 0;
	int rc;

	if ((rc = parse_args(argc, argv, &d)) != 0)
		return rc < 0 ? 0 : rc;
	if (jr_init() != JR_OK) {
		fprintf(stderr, "jaring-demo: libsodium failed to initialise\n");
		return 1;
	}
	load_workers(&d);
	check_out(&d);
	prepare_out(&d);
	provision(&d);
	register_workers(&d, issued, &n);
	verify_chain(&d);
	rescan_receipts(&d, issued, n);
	open_as_centre(&d);
	printf("\n%u registered, %u refused with reasons. Receipts: %s/receipts\n",
		d.accepted, d.refused, d.out);
	jr_shard_close(d.shard);
	jr_key_free(d.kiosk);
	jr_key_free(d.consortium);
	return 0;
}
