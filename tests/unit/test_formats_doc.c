/*
 * The worked examples of docs/formats.md are produced by this file from fixed
 * seeds, and checked against the document byte for byte: if a format
 * changes, this test fails until the document says what the bytes now are.
 *
 * Each example in the document is a fenced block preceded by a marker line
 * "<!-- example: NAME -->". Run with JR_PRINT_EXAMPLES=1 to print every
 * example as it should appear (to update the document after a deliberate
 * format change).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "testutil.h"
#include "jaring/block.h"
#include "jaring/cbor.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/seal.h"

#define EX_MAX 16384

struct ex {
	char text[EX_MAX];
	size_t len;
};

static void ex_printf(struct ex *e, const char *fmt, ...) JR_PRINTF(2, 3);
static void ex_printf(struct ex *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(e->text + e->len, sizeof e->text - e->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof e->text - e->len);
	e->len += (size_t)n;
}

/* Full hex, 32 bytes a line. */
static void hexdump(struct ex *e, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		ex_printf(e, "%02x%s", p[i], (i % 32 == 31 || i + 1 == n) ? "\n" : "");
}

/*
 * Annotated listing: one line per CBOR head, "offset  bytes  meaning", map
 * keys named from `names` (indexed by key; NULL-terminated list per level is
 * overkill: formats use keys < 16).
 */
struct names {
	const char *key[16];
};

static void annotate(struct ex *e, struct jr_cbr *r, const struct names *nm,
	unsigned depth, const char *label);

static void head_bytes(struct ex *e, const uint8_t *p, size_t n, unsigned depth,
	const char *what)
{
	char hex[64] = "";
	size_t i, show = n > 12 ? 12 : n;

	for (i = 0; i < show; i++)
		snprintf(hex + 2 * i, sizeof hex - 2 * i, "%02x", p[i]);
	ex_printf(e, "%-26s%s%*s%s\n", hex, n > show ? "…" : " ", (int)depth * 2, "", what);
}

static void annotate_map(struct ex *e, struct jr_cbr *r, const struct names *nm,
	unsigned depth, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint64_t k;
		size_t start = r->off;
		char what[96];

		assert_int_equal(jr_cbr_uint(r, &k), JR_OK);
		snprintf(what, sizeof what, "key %llu: %s", (unsigned long long)k,
			nm != NULL && k < 16 && nm->key[k] ? nm->key[k] : "?");
		ex_printf(e, "%04zx  ", start);
		head_bytes(e, r->p + start, r->off - start, depth, what);
		annotate(e, r, NULL, depth + 1, NULL);
	}
}

static void annotate(struct ex *e, struct jr_cbr *r, const struct names *nm,
	unsigned depth, const char *label)
{
	size_t start = r->off, n, i;
	char what[128];
	const uint8_t *b;
	const char *s;
	uint64_t u;

	(void)label;
	switch (jr_cbr_peek(r)) {
	case JR_CBOR_UINT:
		assert_int_equal(jr_cbr_uint(r, &u), JR_OK);
		snprintf(what, sizeof what, "uint %llu", (unsigned long long)u);
		break;
	case JR_CBOR_BYTES:
		assert_int_equal(jr_cbr_bytes(r, &b, &n), JR_OK);
		snprintf(what, sizeof what, "bytes (%zu)", n);
		break;
	case JR_CBOR_TEXT:
		assert_int_equal(jr_cbr_text(r, &s, &n), JR_OK);
		snprintf(what, sizeof what, "text \"%.*s\"", (int)n, s);
		break;
	case JR_CBOR_ARRAY:
		assert_int_equal(jr_cbr_array(r, &n), JR_OK);
		snprintf(what, sizeof what, "array (%zu)", n);
		ex_printf(e, "%04zx  ", start);
		head_bytes(e, r->p + start, r->off - start, depth, what);
		for (i = 0; i < n; i++)
			annotate(e, r, nm, depth + 1, NULL);
		return;
	case JR_CBOR_MAP:
		assert_int_equal(jr_cbr_map(r, &n), JR_OK);
		snprintf(what, sizeof what, "map (%zu)", n);
		ex_printf(e, "%04zx  ", start);
		head_bytes(e, r->p + start, r->off - start, depth, what);
		annotate_map(e, r, nm, depth + 1, n);
		return;
	default:
		fail_msg("unexpected CBOR item at %zu", start);
	}
	ex_printf(e, "%04zx  ", start);
	head_bytes(e, r->p + start, r->off - start, depth, what);
}

static void listing(struct ex *e, const uint8_t *p, size_t n, const struct names *nm)
{
	struct jr_cbr r;

	assert_int_equal(jr_cbor_check(p, n, NULL), JR_OK);
	jr_cbr_init(&r, p, n);
	annotate(e, &r, nm, 0, NULL);
	assert_int_equal(jr_cbr_end(&r), JR_OK);
}

static const struct names record_names = { {
	"version", "kiosk id", "time", "village", "occupation", "income bracket",
	"sex", "birth year", "consent version", "corrects", "sealed" } };
static const struct names block_names = { {
	"version", "kiosk id", "height", "prev", "time", "records" } };
static const struct names receipt_names = { {
	"version", "kiosk id", "height", "registration id", "time", "masked name",
	"policy version" } };

/* The fixed inputs of every example. */
struct fixture {
	struct jr_key *kiosk, *consortium;
	struct jr_seal_epoch *epoch;
	struct jr_buf record, body, signed_block, receipt;
	uint8_t regid[JR_REGID_BYTES], hash[JR_HASH_BYTES], sig[JR_SIG_BYTES];
};

static void seed(uint8_t *s, uint8_t v)
{
	memset(s, v, JR_SEED_BYTES);
}

static void make_fixture(struct fixture *f)
{
	uint8_t s[JR_SEED_BYTES], esk[32], nseed[32];
	struct jr_registration r;
	struct jr_pubkey centre;
	struct jr_block b;
	struct jr_receipt rc;

	memset(f, 0, sizeof *f);
	seed(s, 0x01);
	assert_int_equal(jr_key_from_seed(JR_ROLE_KIOSK, s, &f->kiosk), JR_OK);
	seed(s, 0x02);
	assert_int_equal(jr_key_from_seed(JR_ROLE_CONSORTIUM, s, &f->consortium), JR_OK);
	jr_key_public(f->consortium, &centre);
	memset(esk, 0x03, sizeof esk);
	memset(nseed, 0x04, sizeof nseed);
	assert_int_equal(jr_seal_epoch_open_det(centre.box_pk, esk, nseed, 1790000000,
		&f->epoch), JR_OK);

	memset(&r, 0, sizeof r);
	memcpy(r.kiosk_id, jr_key_id(f->kiosk), JR_ID_BYTES);
	r.time = 1790000000;
	r.village = 3328101008;
	r.occupation = JR_OCC_STREET_VENDOR;
	r.income = JR_INCOME_500K_1M;
	r.sex = JR_SEX_FEMALE;
	r.birth_year = 1986;
	r.consent_version = 1;
	snprintf(r.nik, sizeof r.nik, "3328105403869001");
	snprintf(r.name, sizeof r.name, "Siti Contoh");
	r.birth = 19860314;
	snprintf(r.phone, sizeof r.phone, "081234500001");
	snprintf(r.address, sizeof r.address, "Jl. Contoh No. 1");
	assert_int_equal(jr_record_encode(&r, f->epoch, &f->record, f->regid, NULL), JR_OK);

	memset(&b, 0, sizeof b);
	memcpy(b.kiosk_id, r.kiosk_id, JR_ID_BYTES);
	b.height = 1;
	b.time = 1790000000;
	b.n_records = 1;
	b.records[0] = f->record.base;
	b.record_len[0] = f->record.len;
	assert_int_equal(jr_block_encode(&b, &f->body), JR_OK);
	assert_int_equal(jr_block_sign(f->kiosk, f->body.base, f->body.len, f->hash, f->sig), JR_OK);
	assert_int_equal(jr_signed_block_encode(f->body.base, f->body.len, f->sig,
		&f->signed_block), JR_OK);

	memset(&rc, 0, sizeof rc);
	memcpy(rc.kiosk_id, r.kiosk_id, JR_ID_BYTES);
	rc.height = 1;
	memcpy(rc.regid, f->regid, JR_REGID_BYTES);
	rc.time = 1790000000;
	jr_mask_name(r.name, rc.masked_name, sizeof rc.masked_name);
	rc.policy_version = 1;
	assert_int_equal(jr_receipt_sign(&rc, f->kiosk, &f->receipt), JR_OK);
	jr_registration_wipe(&r);
}

static void free_fixture(struct fixture *f)
{
	jr_buf_free(&f->record);
	jr_buf_free(&f->body);
	jr_buf_free(&f->signed_block);
	jr_buf_free(&f->receipt);
	jr_seal_epoch_close(f->epoch);
	jr_key_free(f->kiosk);
	jr_key_free(f->consortium);
}

/* The fenced block after "<!-- example: name -->" in the document. */
static char *doc_example(const char *name)
{
	char marker[128];

	snprintf(marker, sizeof marker, "<!-- example: %s -->", name);
	return jr_test_doc_block("docs/formats.md", marker);
}

static void expect_example(const char *name, const struct ex *e)
{
	char *want;

	if (getenv("JR_PRINT_EXAMPLES") != NULL) {
		printf("<!-- example: %s -->\n```\n%s```\n\n", name, e->text);
		return;
	}
	want = doc_example(name);
	if (strcmp(want, e->text) != 0) {
		print_message("example '%s' in docs/formats.md differs from the code:\n"
			"--- document\n%s--- code\n%s", name, want, e->text);
		free(want);
		fail();
	}
	free(want);
}

static void formats_doc_examples_match_the_code(void **state)
{
	static struct ex e;
	struct fixture f;
	const uint8_t *inner;
	size_t inner_len;
	struct jr_cbr r;
	char text[JR_RECEIPT_TEXT_MAX + 1], code[JR_CODE_TEXT_LEN + 1], hex[2 * JR_HASH_BYTES + 1];

	(void)state;
	make_fixture(&f);

	memset(&e, 0, sizeof e);
	hexdump(&e, f.record.base, f.record.len);
	expect_example("record-hex", &e);
	memset(&e, 0, sizeof e);
	listing(&e, f.record.base, f.record.len, &record_names);
	jr_hex(f.regid, JR_REGID_BYTES, hex);
	ex_printf(&e, "registration id = %s\n", hex);
	expect_example("record-listing", &e);

	memset(&e, 0, sizeof e);
	hexdump(&e, f.signed_block.base, f.signed_block.len);
	expect_example("block-hex", &e);
	memset(&e, 0, sizeof e);
	listing(&e, f.body.base, f.body.len, &block_names);
	jr_hex(f.hash, JR_HASH_BYTES, hex);
	ex_printf(&e, "block hash = %s\n", hex);
	expect_example("block-listing", &e);

	memset(&e, 0, sizeof e);
	hexdump(&e, f.receipt.base, f.receipt.len);
	expect_example("receipt-hex", &e);
	memset(&e, 0, sizeof e);
	jr_cbr_init(&r, f.receipt.base, f.receipt.len);
	{
		size_t n;
		assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
		assert_int_equal(n, 2);
		assert_int_equal(jr_cbr_bytes(&r, &inner, &inner_len), JR_OK);
	}
	listing(&e, inner, inner_len, &receipt_names);
	assert_int_equal(jr_receipt_to_text(f.receipt.base, f.receipt.len, text, sizeof text), JR_OK);
	jr_receipt_code(f.regid, code);
	ex_printf(&e, "QR text (%zu characters) = %s\ntyped code = %s\n", strlen(text), text, code);
	expect_example("receipt-listing", &e);

	free_fixture(&f);
}

/* The kiosk id of records, blocks and receipts is the kiosk's key id of
 * docs/keys.md: the labelled hash, which an independent verifier computes
 * as BLAKE2b-128("jaring/keyid/v2" || 0x00 || Ed25519 public key). */
static void kiosk_id_in_the_examples_is_the_labelled_key_id(void **state)
{
	struct fixture f;
	struct jr_pubkey pk;
	struct jr_registration r;
	uint8_t in[16 + JR_SIGN_PK_BYTES], id[JR_ID_BYTES], plain[JR_ID_BYTES];
	const uint8_t *body;
	size_t n;

	(void)state;
	make_fixture(&f);
	jr_key_public(f.kiosk, &pk);
	memcpy(in, "jaring/keyid/v2", 16); /* with its zero byte */
	memcpy(in + 16, pk.sign_pk, JR_SIGN_PK_BYTES);
	crypto_generichash(id, sizeof id, in, sizeof in, NULL, 0);
	crypto_generichash(plain, sizeof plain, pk.sign_pk, JR_SIGN_PK_BYTES, NULL, 0);
	assert_memory_not_equal(id, plain, sizeof id);
	assert_int_equal(jr_record_decode(f.record.base, f.record.len, &r, NULL), JR_OK);
	assert_memory_equal(r.kiosk_id, id, JR_ID_BYTES);
	jr_registration_wipe(&r);
	/* in the block body and the receipt body too: key 1, bytes 5..20 */
	assert_memory_equal(f.body.base + 5, id, JR_ID_BYTES);
	{
		struct jr_cbr rd;
		jr_cbr_init(&rd, f.receipt.base, f.receipt.len);
		assert_int_equal(jr_cbr_array(&rd, &n), JR_OK);
		assert_int_equal(jr_cbr_bytes(&rd, &body, &n), JR_OK);
		assert_memory_equal(body + 5, id, JR_ID_BYTES);
	}
	free_fixture(&f);
}

/* Every "jaring/<thing>/vN" string literal of the library and the kiosk
 * is named in the Domains section of docs/formats.md. */
static void domains_table_names_every_label_in_the_source(void **state)
{
	static const char *const dirs[] = { "ledger/src", "ledger/include/jaring", "kiosk/src" };
	char *doc = jr_test_read_source("docs/formats.md", NULL);
	const char *domains = strstr(doc, "\n## Domains\n");
	unsigned found = 0;
	size_t d;

	(void)state;
	assert_non_null(domains);
	for (d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
		char path[4096];
		struct dirent *de;
		DIR *dir;

		jr_test_path(path, sizeof path, JR_TEST_SOURCE_DIR, dirs[d]);
		assert_non_null(dir = opendir(path));
		while ((de = readdir(dir)) != NULL) {
			char rel[512], label[80];
			const char *p;
			char *src;
			size_t nl = strlen(de->d_name);

			if (nl < 3 || (strcmp(de->d_name + nl - 2, ".c") != 0 &&
			    strcmp(de->d_name + nl - 2, ".h") != 0))
				continue;
			snprintf(rel, sizeof rel, "%s/%s", dirs[d], de->d_name);
			src = jr_test_read_source(rel, NULL);
			for (p = strstr(src, "\"jaring/"); p != NULL; p = strstr(p + 1, "\"jaring/")) {
				const char *end = strchr(p + 1, '"');
				size_t len = end != NULL ? (size_t)(end - p - 1) : 0;
				/* a label, not a path such as "jaring/keys.h" */
				if (len == 0 || len >= sizeof label || memchr(p + 1, '.', len) != NULL ||
				    memchr(p + 1, ' ', len) != NULL || strstr(p + 1, "/v") == NULL ||
				    strstr(p + 1, "/v") > end)
					continue;
				memcpy(label, p + 1, len);
				label[len] = '\0';
				if (strstr(domains, label) == NULL)
					fail_msg("%s uses the label %s, which docs/formats.md "
						"\"Domains\" does not list", rel, label);
				found++;
			}
			free(src);
		}
		closedir(dir);
	}
	assert_true(found >= 5); /* keyid, epoch, regid, block, receipt at least */
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_doc_examples_match_the_code),
		cmocka_unit_test(kiosk_id_in_the_examples_is_the_labelled_key_id),
		cmocka_unit_test(domains_table_names_every_label_in_the_source),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
