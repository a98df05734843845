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

#include "membundle.h"
#include "testutil.h"
#include "jaring/ack.h"
#include "jaring/block.h"
#include "jaring/bundle.h"
#include "jaring/cbor.h"
#include "jaring/codec.h"
#include "jaring/downstream.h"
#include "jaring/keys.h"
#include "jaring/receipt.h"
#include "jaring/record.h"
#include "jaring/roster.h"
#include "jaring/status.h"
#include "jaring/seal.h"
#include "jaring/visit.h"
#include "bundle_int.h"
#include "seal_det.h"

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
	const struct names *sub; /* names of the maps nested one level down */
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
		annotate(e, r, nm != NULL ? nm->sub : NULL, depth + 1, NULL);
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
	"version", "kiosk id", "sealed" }, NULL };
static const struct names plaintext_names = { {
	"NIK", "name", "birth date", "phone", "address", "time", "village",
	"occupation", "income bracket", "sex", "consent version", "corrects" }, NULL };
static const struct names block_names = { {
	"version", "kiosk id", "height", "prev", "time", "records" }, NULL };
static const struct names receipt_names = { {
	"version", "kiosk id", "height", "registration id", "time", "masked name",
	"policy version" }, NULL };
static const struct names ack_names = { {
	"version", "kiosk id", "height", "block hash", "time" }, NULL };

/* The fixed inputs of every example. */
struct fixture {
	struct jr_key *kiosk, *consortium;
	struct jr_seal_epoch *epoch;
	struct jr_buf record, body, signed_block, receipt, ack;
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
	struct jr_ack a;

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
	r.birth_year = 1986; /* not on the wire: the birth date's year */
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

	/* The centre acknowledges the example block, an hour later. */
	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, jr_key_id(f->kiosk), JR_ID_BYTES);
	a.height = 1;
	memcpy(a.hash, f->hash, JR_HASH_BYTES);
	a.time = 1790003600;
	assert_int_equal(jr_ack_sign(f->consortium, &a, &f->ack), JR_OK);
}

static void free_fixture(struct fixture *f)
{
	jr_buf_free(&f->record);
	jr_buf_free(&f->body);
	jr_buf_free(&f->signed_block);
	jr_buf_free(&f->receipt);
	jr_buf_free(&f->ack);
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

/* The typed code of regid, step by step as docs/formats.md "Typed code"
 * defines it, from the library's own functions. */
static void typed_code_example(struct ex *e, const uint8_t regid[JR_REGID_BYTES])
{
	static const char syms[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
	uint64_t v = jr_regid_prefix45(regid), b48 = 0;
	char hex[2 * JR_REGID_BYTES + 1], code[JR_CODE_TEXT_LEN + 1], bits[6];
	unsigned interim = 0, c;

	jr_hex(regid, JR_REGID_BYTES, hex);
	for (int i = 0; i < 6; i++)
		b48 = b48 << 8 | regid[i];
	ex_printf(e, "registration id    %s\n", hex);
	ex_printf(e, "bytes 0..5         0x%012llx\n", (unsigned long long)b48);
	ex_printf(e, "bits 0..44         0x%012llx >> 3 = 0x%011llx\n",
		(unsigned long long)b48, (unsigned long long)v);
	ex_printf(e, "symbol  id bits  bits   value  char  interim = 2*interim XOR value\n");
	for (unsigned k = 0; k < 9; k++) {
		unsigned d = (unsigned)(v >> (5 * (8 - k))) & 31u, next = jr_damm32(interim, d);
		for (unsigned j = 0; j < 5; j++)
			bits[j] = (char)('0' + ((d >> (4 - j)) & 1u));
		bits[5] = '\0';
		ex_printf(e, "%-6u  %2u..%-2u   %s  %5u  %c     %2u -> %2u\n", k + 1, 5 * k,
			5 * k + 4, bits, d, syms[d], interim, next);
		interim = next;
	}
	c = jr_damm32(interim, 0); /* 2 * interim */
	assert_int_equal(jr_damm32(interim, c), 0);
	assert_int_equal(jr_crockford_check(v), syms[c]);
	ex_printf(e, "check   c = 2*%u = %u, symbol %c (%u o %u = 0)\n", interim, c, syms[c],
		interim, c);
	jr_receipt_code(regid, code);
	ex_printf(e, "typed code = %s\n", code);
}

/* The sealed part opened by the document's rule alone (fixed offsets,
 * associated data = A2 || record[1..21)), not by jr_record_open: the
 * associated data, the plaintext map's listing, and its padding. */
static void plaintext_example(struct ex *e, const struct fixture *f)
{
	enum { AD = 21, PK = 25, NONCE = 59, CT = 86 };
	uint8_t ad[AD], pt[JR_RECORD_PT_BYTES];
	struct jr_seal_opener *o;
	struct jr_cbr r;
	size_t n, i;

	memset(e, 0, sizeof *e);
	assert_int_equal(f->record.len, JR_RECORD_BYTES);
	memcpy(ad, f->record.base, AD);
	ad[0] = 0xa2;
	assert_int_equal(jr_seal_opener_new(f->consortium, &o), JR_OK);
	assert_int_equal(jr_seal_open(o, f->record.base + PK, f->record.base + NONCE, ad, AD,
		f->record.base + CT, JR_RECORD_PT_BYTES + JR_SEAL_TAG_BYTES, pt), JR_OK);
	jr_seal_opener_free(o);
	ex_printf(e, "associated data (%d bytes) =\n", AD);
	hexdump(e, ad, AD);
	jr_cbr_init(&r, pt, sizeof pt);
	assert_int_equal(jr_cbr_skip(&r), JR_OK);
	n = r.off;
	for (i = n; i < sizeof pt; i++)
		assert_int_equal(pt[i], 0);
	ex_printf(e, "plaintext map (%zu bytes) =\n", n);
	hexdump(e, pt, n);
	listing(e, pt, n, &plaintext_names);
	ex_printf(e, "then %zu zero bytes: %d bytes in all\n", sizeof pt - n,
		JR_RECORD_PT_BYTES);
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
	plaintext_example(&e, &f);
	expect_example("record-plaintext", &e);

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

	memset(&e, 0, sizeof e);
	typed_code_example(&e, f.regid);
	expect_example("typed-code", &e);

	memset(&e, 0, sizeof e);
	hexdump(&e, f.ack.base, f.ack.len);
	expect_example("ack-hex", &e);
	memset(&e, 0, sizeof e);
	jr_cbr_init(&r, f.ack.base, f.ack.len);
	{
		size_t n;
		assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
		assert_int_equal(n, 2);
		assert_int_equal(jr_cbr_bytes(&r, &inner, &inner_len), JR_OK);
	}
	listing(&e, inner, inner_len, &ack_names);
	jr_hash(inner, inner_len, f.hash);
	jr_hex(f.hash, JR_HASH_BYTES, hex);
	ex_printf(&e, "BLAKE2b-256(body) = %s\n", hex);
	expect_example("ack-listing", &e);
	free_fixture(&f);
}

/* ---- Roster and status: the consortium of seed 32 x 02 lists the example
 * kiosk (seed 32 x 01) and one field officer (seed 32 x 03); a status of the
 * example registration ---- */

static const struct names member_names = { {
	"key id", "public key", "role", "agency", "region", "permissions",
	"revoked from" }, NULL };
static const struct names roster_names = { {
	"version", "serial", "consortium key", "members" }, &member_names };
static const struct names status_names = { {
	"version", "registration id", "state", "reasons", "approvals", "agencies",
	"decree", "protected from", "protected to", "paid through", "viewed" }, NULL };

/* ---- Downstream bundle: the examples above, as the centre's answer ---- */

struct down_store {
	unsigned statuses, commits;
};

static int ds_begin(void *ctx, struct jr_errbuf *eb)
{
	(void)ctx, (void)eb;
	return JR_OK;
}

static int ds_status(void *ctx, const struct jr_status *st, struct jr_errbuf *eb)
{
	(void)st, (void)eb;
	((struct down_store *)ctx)->statuses++;
	return JR_OK;
}

static int ds_commit(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb)
{
	(void)r, (void)eb;
	((struct down_store *)ctx)->commits++;
	return JR_OK;
}

static void ds_rollback(void *ctx)
{
	(void)ctx;
}

static size_t item_line(struct ex *e, size_t off, int kind, const struct jr_buf *b,
	const char *what)
{
	size_t head = jr_bundle_item_overhead(b->len) - 1;
	uint8_t h[5];

	memset(h, 0, sizeof h);
	if (head == 1) {
		h[0] = (uint8_t)(0x40 + b->len);
	} else if (head == 2) {
		h[0] = 0x58;
		h[1] = (uint8_t)b->len;
	} else {
		h[0] = 0x59;
		h[1] = (uint8_t)(b->len >> 8);
		h[2] = (uint8_t)b->len;
	}
	ex_printf(e, "%04zx  %02x %-22s item kind %d, %s\n", off, kind, "", kind, what);
	ex_printf(e, "%04zx  ", off + 1);
	for (size_t i = 0; i < head; i++)
		ex_printf(e, "%02x", h[i]);
	ex_printf(e, "%*s byte string head: %zu bytes follow\n", (int)(25 - 2 * head), "",
		b->len);
	return off + 1 + head + b->len;
}

/* The example kiosk's answer: sequence 3, the ack of "Acknowledged head",
 * the roster of "Roster", the default policy, the status of "Status". The
 * header is listed by what differs from "Bundle"; the bundle is then read
 * back and applied by jr_downstream_apply, as the kiosk would. */
static void downstream_example(const struct fixture *f, const struct jr_buf *roster,
	const struct jr_buf *status)
{
	static const struct jr_bundle_params params = { JR_BUNDLE_DOWNSTREAM, 1790003600, 3, 1 };
	struct jr_test_mem down = { 0 };
	struct jr_bundle_sink sink = jr_test_mem_sink(&down);
	struct down_store st = { 0, 0 };
	struct jr_downstream_sink ds = { ds_begin, ds_status, ds_commit, ds_rollback, &st };
	struct jr_downstream_trust t;
	struct jr_downstream_result res;
	struct jr_bundle_writer *w;
	struct jr_bundle_info info;
	struct jr_bundle_det det;
	struct jr_pubkey to, cons;
	struct jr_buf pol = { 0 };
	struct jr_policy p;
	struct jr_errbuf eb = { 0 };
	char path[1024];
	size_t off = 0;
	FILE *fp;
	struct ex e;

	jr_policy_default(&p);
	assert_int_equal(jr_policy_encode(&p, &pol), JR_OK);
	memset(det.stream_key, 0x05, sizeof det.stream_key);
	memset(det.eph_sk, 0x06, sizeof det.eph_sk);
	memset(det.ss_header, 0x07, sizeof det.ss_header);
	jr_key_public(f->kiosk, &to);
	assert_int_equal(jr_bundle_writer_open_det(&sink, f->consortium, &to, &params, &det, &w,
		NULL), JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_ACK, f->ack.base, f->ack.len, NULL), JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_ROSTER, roster->base, roster->len, NULL),
		JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_POLICY, pol.base, pol.len, NULL), JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_STATUS, status->base, status->len, NULL),
		JR_OK);
	assert_int_equal(jr_bundle_writer_finish(w, &info, NULL), JR_OK);

	memset(&e, 0, sizeof e);
	ex_printf(&e, "header (as \"Bundle\" lists it): kind 2, sender = the consortium key, "
		"recipient = the kiosk's key id,\ntime %llu, range first 3 (the sequence number), "
		"range last 1 (acknowledged height), items %llu,\nbody length %llu\n",
		(unsigned long long)info.time, (unsigned long long)info.items,
		(unsigned long long)info.body_len);
	ex_printf(&e, "plaintext, %zu bytes:\n", (size_t)(info.body_len - JR_BUNDLE_CHUNK_ABYTES));
	off = item_line(&e, off, JR_ITEM_ACK, &f->ack, "the acknowledged head (\"Acknowledged head\")");
	off = item_line(&e, off, JR_ITEM_ROSTER, roster, "the roster (\"Roster\")");
	off = item_line(&e, off, JR_ITEM_POLICY, &pol, "the policy (jr_policy_default)");
	off = item_line(&e, off, JR_ITEM_STATUS, status, "one status (\"Status\")");
	ex_printf(&e, "%04zx  end of the items\n", off);
	expect_example("downstream-listing", &e);

	/* read back and applied as the kiosk would */
	jr_test_path(path, sizeof path, jr_test_dir("formats-down"), "00000003.JRB");
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_true(down.p != NULL);
	assert_int_equal(fwrite(down.p, 1, down.len, fp), down.len);
	assert_int_equal(fclose(fp), 0);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	memset(&t, 0, sizeof t);
	jr_key_public(f->consortium, &cons);
	memcpy(t.pinned_pk, cons.sign_pk, JR_SIGN_PK_BYTES);
	if (jr_downstream_apply_fd(fileno(fp), "00000003.JRB", f->kiosk, &t, NULL, &ds, NULL, NULL,
		&res, &eb) != JR_OK)
		fail_msg("the downstream example does not apply: %s", eb.msg);
	assert_true(res.applied && res.has_ack && res.roster_new);
	assert_int_equal(res.seq, 3);
	assert_int_equal(st.statuses, 1);
	assert_int_equal(st.commits, 1);
	jr_downstream_result_free(&res);
	assert_int_equal(fclose(fp), 0);
	jr_buf_free(&pol);
	jr_test_mem_free(&down);
}

static const struct names visit_names = { {
	"version", "kiosk id", "visit number", "officer key id", "time", "height",
	"blocks out", "written", "acknowledged", "downstream sequence", "statuses",
	"complete" }, NULL };

/* The example kiosk's first visit by the example officer (seed 32 x 03). */
static void visit_example(const struct fixture *f, const struct jr_key *officer)
{
	struct jr_visit v, back;
	struct jr_buf b = { 0 };
	struct jr_pubkey kp;
	const uint8_t *inner;
	size_t inner_len, n;
	struct jr_cbr r;
	struct ex e;

	memset(&v, 0, sizeof v);
	memcpy(v.kiosk_id, jr_key_id(f->kiosk), JR_ID_BYTES);
	memcpy(v.officer_id, jr_key_id(officer), JR_ID_BYTES);
	v.number = 2;
	v.time = 1790007200;
	v.height = 1;
	v.out = 0;
	v.written = 0;
	v.acked = 1;
	v.down_seq = 3;
	v.statuses = 1;
	v.complete = true;
	assert_int_equal(jr_visit_sign(f->kiosk, &v, &b), JR_OK);
	jr_key_public(f->kiosk, &kp);
	assert_int_equal(jr_visit_verify(b.base, b.len, kp.sign_pk, &back, NULL), JR_OK);
	assert_memory_equal(&back, &v, sizeof v);
	memset(&e, 0, sizeof e);
	hexdump(&e, b.base, b.len);
	jr_cbr_init(&r, b.base, b.len);
	assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
	assert_int_equal(jr_cbr_bytes(&r, &inner, &inner_len), JR_OK);
	listing(&e, inner, inner_len, &visit_names);
	expect_example("visit-listing", &e);
	jr_buf_free(&b);
}

static void formats_doc_roster_and_status_examples_match_the_code(void **state)
{
	struct jr_roster_member m[2];
	struct jr_key *officer = NULL;
	struct jr_pubkey pub, cons;
	struct jr_buf signed_roster = { 0 }, st_bytes = { 0 };
	struct jr_roster ro;
	struct jr_status st, back;
	struct fixture f;
	uint8_t s[JR_SEED_BYTES];
	const uint8_t *inner;
	size_t inner_len, n;
	struct jr_cbr r;
	struct ex e;
	char hex[2 * JR_HASH_BYTES + 1];

	(void)state;
	make_fixture(&f);
	seed(s, 0x03);
	assert_int_equal(jr_key_from_seed(JR_ROLE_OFFICER, s, &officer), JR_OK);
	memset(m, 0, sizeof m);
	jr_key_public(f.kiosk, &pub);
	memcpy(m[0].id, pub.id, JR_ID_BYTES);
	memcpy(m[0].sign_pk, pub.sign_pk, JR_SIGN_PK_BYTES);
	m[0].role = JR_ROLE_KIOSK;
	m[0].agency = JR_AGENCY_DISKOMINFO;
	m[0].region = UINT64_C(3328100006);
	m[0].perms = JR_PERM_UPLOAD;
	jr_key_public(officer, &pub);
	memcpy(m[1].id, pub.id, JR_ID_BYTES);
	memcpy(m[1].sign_pk, pub.sign_pk, JR_SIGN_PK_BYTES);
	m[1].role = JR_ROLE_OFFICER;
	m[1].agency = JR_AGENCY_DPMD;
	m[1].region = 3328;
	m[1].perms = JR_PERM_SYNC;
	assert_int_equal(jr_roster_sign(f.consortium, 1, NULL, m, 2, &signed_roster, NULL),
		JR_OK);
	jr_key_public(f.consortium, &cons);
	assert_int_equal(jr_roster_open(signed_roster.base, signed_roster.len, cons.sign_pk,
		&ro, NULL), JR_OK);
	assert_int_equal(ro.n, 2);
	assert_int_equal(jr_roster_check(&ro, pub.id, JR_ROLE_OFFICER, JR_PERM_SYNC,
		UINT64_C(3328100006), 0, NULL), JR_OK);
	memset(&e, 0, sizeof e);
	hexdump(&e, signed_roster.base, signed_roster.len);
	expect_example("roster-hex", &e);
	memset(&e, 0, sizeof e);
	jr_cbr_init(&r, signed_roster.base, signed_roster.len);
	assert_int_equal(jr_cbr_array(&r, &n), JR_OK);
	assert_int_equal(jr_cbr_bytes(&r, &inner, &inner_len), JR_OK);
	listing(&e, inner, inner_len, &roster_names);
	jr_hex(ro.hash, JR_HASH_BYTES, hex);
	ex_printf(&e, "BLAKE2b-256(body) = %s\n", hex);
	expect_example("roster-listing", &e);
	jr_roster_free(&ro);

	memset(&st, 0, sizeof st);
	memcpy(st.regid, f.regid, JR_REGID_BYTES);
	st.state = JR_ST_IN_REVIEW;
	st.approvals = 2;
	st.agencies = 4;
	st.viewed = 1u << JR_AGENCY_DUKCAPIL;
	assert_int_equal(jr_status_encode(&st, &st_bytes), JR_OK);
	assert_int_equal(jr_status_decode(st_bytes.base, st_bytes.len, &back, NULL), JR_OK);
	assert_memory_equal(&back, &st, sizeof st);
	memset(&e, 0, sizeof e);
	hexdump(&e, st_bytes.base, st_bytes.len);
	listing(&e, st_bytes.base, st_bytes.len, &status_names);
	expect_example("status-listing", &e);
	downstream_example(&f, &signed_roster, &st_bytes);
	jr_buf_free(&st_bytes);
	jr_buf_free(&signed_roster);
	visit_example(&f, officer);
	jr_key_free(officer);
	free_fixture(&f);
}

/* ---- Bundle: the signed block above, upstream to the consortium key ---- */

static const struct names bundle_names = { {
	"version", "kind", "sender public key", "recipient key id", "time", "range first",
	"range last", "items", "body length", "body hash", "sealed stream key",
	"stream header", "signature" }, NULL };

static void make_bundle(const struct fixture *f, struct jr_test_mem *b,
	struct jr_bundle_info *info)
{
	static const struct jr_bundle_params params = { JR_BUNDLE_UPSTREAM, 1790000000, 1, 1 };
	struct jr_bundle_sink sink = jr_test_mem_sink(b);
	struct jr_bundle_writer *w;
	struct jr_bundle_det det;
	struct jr_pubkey to;

	memset(b, 0, sizeof *b);
	memset(det.stream_key, 0x05, sizeof det.stream_key);
	memset(det.eph_sk, 0x06, sizeof det.eph_sk);
	memset(det.ss_header, 0x07, sizeof det.ss_header);
	jr_key_public(f->consortium, &to);
	assert_int_equal(jr_bundle_writer_open_det(&sink, f->kiosk, &to, &params, &det, &w, NULL),
		JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_BLOCK, f->signed_block.base,
		f->signed_block.len, NULL), JR_OK);
	assert_int_equal(jr_bundle_writer_finish(w, info, NULL), JR_OK);
	assert_true(b->p != NULL && b->len > JR_BUNDLE_HEADER_BYTES);
}

/* The bundle must also read back, with the consortium key, to that block. */
static void bundle_reads_back(const struct fixture *f, const struct jr_test_mem *b)
{
	struct jr_bundle_reader *r;
	struct jr_errbuf eb = { 0 };
	const uint8_t *p;
	size_t n;
	int kind;

	{
		char path[1024];
		const char *dir = jr_test_dir("formats-bundle");
		FILE *fp;
		int fd;

		jr_test_path(path, sizeof path, dir, "example.jrb");
		fp = fopen(path, "wb");
		assert_non_null(fp);
		assert_int_equal(fwrite(b->p, 1, b->len, fp), b->len);
		assert_int_equal(fclose(fp), 0);
		fp = fopen(path, "rb");
		assert_non_null(fp);
		fd = fileno(fp);
		assert_int_equal(jr_bundle_reader_open_fd(fd, "example.jrb", f->consortium,
			NULL, &r, NULL, &eb), JR_OK);
		assert_int_equal(jr_bundle_reader_next(r, &kind, &p, &n, &eb), JR_OK);
		assert_int_equal(kind, JR_ITEM_BLOCK);
		assert_int_equal(n, f->signed_block.len);
		assert_memory_equal(p, f->signed_block.base, n);
		assert_int_equal(jr_bundle_reader_next(r, &kind, &p, &n, &eb), JR_OK);
		assert_int_equal(kind, 0);
		assert_int_equal(jr_bundle_reader_end(r, &eb), JR_OK);
		jr_bundle_reader_free(r);
		assert_int_equal(fclose(fp), 0);
	}
}

static void formats_doc_bundle_example_matches_the_code(void **state)
{
	static struct ex e;
	static struct jr_test_mem b;
	struct jr_bundle_info info;
	struct fixture f;
	size_t map_len, body_len, head;
	char hex[2 * JR_HASH_BYTES + 1];

	(void)state;
	make_fixture(&f);
	make_bundle(&f, &b, &info);
	bundle_reads_back(&f, &b);
	map_len = (size_t)b.p[JR_BUNDLE_MAGIC_BYTES] << 8 | b.p[JR_BUNDLE_MAGIC_BYTES + 1];
	body_len = b.len - JR_BUNDLE_HEADER_BYTES;

	memset(&e, 0, sizeof e);
	hexdump(&e, b.p, JR_BUNDLE_MAP_OFFSET + map_len);
	ex_printf(&e, "… %zu zero bytes to offset %d\n",
		JR_BUNDLE_MAP_MAX - map_len, JR_BUNDLE_HEADER_BYTES);
	expect_example("bundle-header-hex", &e);

	memset(&e, 0, sizeof e);
	ex_printf(&e, "0000  %-25s magic \"JRBUNDLE\"\n", "4a5242554e444c45");
	ex_printf(&e, "0008  %02x%02x%-21s map length %zu\n", b.p[8], b.p[9], "", map_len);
	ex_printf(&e, "map, offsets from 000a:\n");
	listing(&e, b.p + JR_BUNDLE_MAP_OFFSET, map_len, &bundle_names);
	jr_hex(info.id, JR_HASH_BYTES, hex);
	ex_printf(&e, "bundle id = H(map of keys 0..11) = %s\n", hex);
	expect_example("bundle-header-listing", &e);

	memset(&e, 0, sizeof e);
	ex_printf(&e, "body, %zu bytes from offset %d: one chunk, tag FINAL\n", body_len,
		JR_BUNDLE_HEADER_BYTES);
	hexdump(&e, b.p + JR_BUNDLE_HEADER_BYTES, body_len);
	jr_hex(info.body_hash, JR_HASH_BYTES, hex);
	ex_printf(&e, "body hash = %s\n", hex);
	head = jr_bundle_item_overhead(f.signed_block.len) - 1;
	ex_printf(&e, "its plaintext, %zu bytes:\n", 1 + head + f.signed_block.len);
	ex_printf(&e, "0000  %-25s item kind 1, a signed block\n", "01");
	ex_printf(&e, "0001  59%02x%02x%-19s byte string head: %zu bytes follow\n",
		(unsigned)(f.signed_block.len >> 8), (unsigned)(f.signed_block.len & 0xff), "",
		f.signed_block.len);
	ex_printf(&e, "0004  %02x%02x%02x%02x…%-16s the signed block of \"Block\" above\n",
		f.signed_block.base[0], f.signed_block.base[1], f.signed_block.base[2],
		f.signed_block.base[3], "");
	expect_example("bundle-body", &e);
	jr_test_mem_free(&b);
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
	static const char *const dirs[] = { "ledger/src", "ledger/include/jaring", "kiosk/src",
		"node/src", "sync/src", "sync/include/jaring" };
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
		cmocka_unit_test(formats_doc_bundle_example_matches_the_code),
		cmocka_unit_test(formats_doc_roster_and_status_examples_match_the_code),
		cmocka_unit_test(kiosk_id_in_the_examples_is_the_labelled_key_id),
		cmocka_unit_test(domains_table_names_every_label_in_the_source),
	};

	if (jr_init() != JR_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
