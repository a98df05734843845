/*
 * Bundles: round trips, and every way a bundle can arrive damaged, forged,
 * misaddressed or cut short — each refused, and never with an end that says
 * JR_OK (the one signal a consumer may commit on).
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sodium.h>

#include "membundle.h"
#include "testutil.h"
#include "jaring/bundle.h"
#include "bundle_int.h"

static struct jr_key *kiosk, *centre, *other_node, *stranger;
static struct jr_pubkey centre_pub, other_pub;

static int setup(void **state)
{
	(void)state;
	if (jr_init() != JR_OK)
		return -1;
	kiosk = jr_test_key(JR_ROLE_KIOSK, 1);
	centre = jr_test_key(JR_ROLE_NODE, 7);
	other_node = jr_test_key(JR_ROLE_NODE, 8);
	stranger = jr_test_key(JR_ROLE_KIOSK, 9);
	jr_key_public(centre, &centre_pub);
	jr_key_public(other_node, &other_pub);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	jr_key_free(stranger);
	jr_key_free(other_node);
	jr_key_free(centre);
	jr_key_free(kiosk);
	return 0;
}

/* ---- a bundle in memory (tests/support/membundle.h) ---- */

static const struct jr_bundle_params up = { JR_BUNDLE_UPSTREAM, 1790000000, 1, 3 };

/* Item i of a test: i's size from sizes, bytes from jr_test_fill. */
static void item_bytes(uint8_t *p, size_t n, unsigned i)
{
	jr_test_fill(p, n, 1000 + i);
}

/* A bundle from kiosk to `to` with items of the given sizes (all blocks). */
static void write_bundle(struct jr_test_mem *m, const struct jr_pubkey *to,
	const size_t *sizes, size_t n, struct jr_bundle_info *info)
{
	struct jr_bundle_sink sink = jr_test_mem_sink(m);
	struct jr_bundle_writer *w;
	struct jr_errbuf eb = { 0 };
	uint8_t *buf;
	size_t i;

	memset(m, 0, sizeof *m);
	assert_int_equal(jr_bundle_writer_open(&sink, kiosk, to, &up, &w, &eb), JR_OK);
	for (i = 0; i < n; i++) {
		buf = malloc(sizes[i]);
		assert_non_null(buf);
		item_bytes(buf, sizes[i], (unsigned)i);
		assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_BLOCK, buf, sizes[i], &eb), JR_OK);
		free(buf);
	}
	assert_int_equal(jr_bundle_writer_finish(w, info, &eb), JR_OK);
	assert_true(m->p != NULL && m->len > JR_BUNDLE_HEADER_BYTES);
}

/* Reads a whole bundle as a consumer would: the outcome of open, next or
 * end, whichever failed first, or end's JR_OK. *staged counts the items the
 * reader handed out; when `sizes` is given, each is checked against it. */
static int consume_as(const uint8_t *p, size_t len, const struct jr_key *me,
	const uint8_t *expect, const size_t *sizes, size_t *staged, struct jr_errbuf *eb)
{
	struct jr_test_src s;
	struct jr_bundle_source source = jr_test_mem_source(&s, p, len);
	struct jr_bundle_reader *r;
	struct jr_bundle_info info;
	const uint8_t *ip;
	size_t n, count = 0;
	int rc, kind;

	*staged = 0;
	if ((rc = jr_bundle_reader_open(&source, "test.jrb", me, expect, &r, &info, eb)) != JR_OK) {
		assert_null(r);
		return rc;
	}
	for (;;) {
		if ((rc = jr_bundle_reader_next(r, &kind, &ip, &n, eb)) != JR_OK) {
			assert_null(ip);
			break;
		}
		if (kind == 0) {
			rc = jr_bundle_reader_end(r, eb);
			break;
		}
		if (sizes != NULL) {
			uint8_t *want = malloc(n);

			assert_non_null(want);
			assert_int_equal(n, sizes[count]);
			item_bytes(want, n, (unsigned)count);
			assert_memory_equal(ip, want, n);
			free(want);
		}
		count++;
	}
	*staged = count;
	jr_bundle_reader_free(r);
	return rc;
}

static int consume(const uint8_t *p, size_t len, size_t *staged, struct jr_errbuf *eb)
{
	return consume_as(p, len, centre, NULL, NULL, staged, eb);
}

static void expect_refused(const uint8_t *p, size_t len, int want, const char *what)
{
	struct jr_errbuf eb = { 0 };
	size_t staged;
	int rc = consume(p, len, &staged, &eb);

	if (rc == JR_OK || (want != 0 && rc != want))
		fail_msg("%s: got %s (%s), wanted a refusal %s", what, jr_strerror(rc), eb.msg,
			want ? jr_strerror(want) : "");
	assert_true(eb.msg[0] != '\0');
}

static void round_trip(const size_t *sizes, size_t n)
{
	struct jr_bundle_info info;
	struct jr_errbuf eb = { 0 };
	struct jr_test_mem m;
	size_t staged, i, pt = 0;

	write_bundle(&m, &centre_pub, sizes, n, &info);
	for (i = 0; i < n; i++)
		pt += jr_bundle_item_overhead(sizes[i]) + sizes[i];
	assert_int_equal(info.items, n);
	assert_int_equal(info.body_len, jr_bundle_body_len(pt));
	assert_int_equal(m.len, JR_BUNDLE_HEADER_BYTES + info.body_len);
	assert_int_equal(consume_as(m.p, m.len, centre, NULL, sizes, &staged, &eb), JR_OK);
	assert_int_equal(staged, n);
	free(m.p);
}

static void round_trip_with_no_items(void **state)
{
	(void)state;
	round_trip(NULL, 0);
}

static void round_trip_with_one_item(void **state)
{
	static const size_t one[] = { 420 };

	(void)state;
	round_trip(one, 1);
}

static void round_trip_with_items_of_every_length_form(void **state)
{
	static const size_t sizes[] = { 1, 23, 24, 255, 256, 65535, 65536, JR_BUNDLE_ITEM_MAX };

	(void)state;
	round_trip(sizes, sizeof sizes / sizeof sizes[0]);
}

static void round_trip_with_many_items_spanning_chunks(void **state)
{
	size_t sizes[600], i;

	(void)state;
	for (i = 0; i < 600; i++)
		sizes[i] = 300 + (i * 7919) % 301; /* 300..600, blocks' sizes */
	sizes[100] = 200000; /* spans several chunks */
	round_trip(sizes, 600);
}

static void round_trip_when_the_plaintext_fills_its_last_chunk_exactly(void **state)
{
	/* One item of n bytes costs n + 6 here: 65536 and 131072 in all. */
	static const size_t one_chunk[] = { JR_BUNDLE_CHUNK_BYTES - 6 };
	static const size_t two_chunks[] = { 2 * JR_BUNDLE_CHUNK_BYTES - 6 };

	(void)state;
	assert_int_equal(jr_bundle_body_len(JR_BUNDLE_CHUNK_BYTES), JR_BUNDLE_STORED_CHUNK);
	round_trip(one_chunk, 1);
	round_trip(two_chunks, 1);
}

static void body_length_arithmetic_agrees_both_ways(void **state)
{
	uint64_t pt, back;

	(void)state;
	for (pt = 0; pt < 3 * JR_BUNDLE_CHUNK_BYTES + 5; pt += pt < 70000 ? 1 : 977) {
		assert_true(jr_bundle_pt_len(jr_bundle_body_len(pt), &back));
		assert_int_equal(back, pt);
	}
	/* A last chunk shorter than its tag cannot exist. */
	assert_false(jr_bundle_pt_len(16, &back));
	assert_false(jr_bundle_pt_len(JR_BUNDLE_STORED_CHUNK + 16, &back));
	assert_false(jr_bundle_pt_len(JR_BUNDLE_BODY_MAX + 1, &back));
}

static void same_items_written_twice_give_different_bytes(void **state)
{
	static const size_t sizes[] = { 500, 500 };
	struct jr_bundle_info a_info, b_info;
	struct jr_test_mem a, b;

	(void)state;
	write_bundle(&a, &centre_pub, sizes, 2, &a_info);
	write_bundle(&b, &centre_pub, sizes, 2, &b_info);
	assert_int_equal(a.len, b.len);
	/* Fresh stream key, sealed key and stream header: no ciphertext block
	 * in common and different ids. */
	assert_memory_not_equal(a.p + JR_BUNDLE_HEADER_BYTES, b.p + JR_BUNDLE_HEADER_BYTES,
		a.len - JR_BUNDLE_HEADER_BYTES);
	assert_memory_not_equal(a_info.id, b_info.id, JR_HASH_BYTES);
	assert_memory_not_equal(a_info.body_hash, b_info.body_hash, JR_HASH_BYTES);
	free(a.p);
	free(b.p);
}

/* ---- through a file ---- */

static void writer_on_a_file_puts_the_header_at_offset_zero_and_reads_back(void **state)
{
	static const size_t sizes[] = { 400, 70000, 600 };
	const char *dir = jr_test_dir("bundle-fd");
	struct jr_bundle_writer *w;
	struct jr_bundle_reader *r;
	struct jr_bundle_info info, rinfo;
	struct jr_errbuf eb = { 0 };
	char path[1024];
	uint8_t buf[70000], head[8];
	const uint8_t *ip;
	size_t n, i;
	int fd, kind;

	(void)state;
	jr_test_path(path, sizeof path, dir, "up.jrb");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(jr_bundle_writer_open_fd(fd, "up.jrb", kiosk, &centre_pub, &up, &w, &eb),
		JR_OK);
	for (i = 0; i < 3; i++) {
		item_bytes(buf, sizes[i], (unsigned)i);
		assert_int_equal(jr_bundle_writer_add(w, i == 1 ? JR_ITEM_VISIT : JR_ITEM_BLOCK,
			buf, sizes[i], &eb), JR_OK);
	}
	assert_int_equal(jr_bundle_writer_finish(w, &info, &eb), JR_OK);
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)(JR_BUNDLE_HEADER_BYTES + info.body_len));
	assert_int_equal(pread(fd, head, sizeof head, 0), (ssize_t)sizeof head);
	assert_memory_equal(head, JR_BUNDLE_MAGIC, JR_BUNDLE_MAGIC_BYTES);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(jr_bundle_reader_open_fd(fd, "up.jrb", centre, NULL, &r, &rinfo, &eb),
		JR_OK);
	assert_memory_equal(&rinfo, &info, sizeof info);
	assert_int_equal(rinfo.kind, JR_BUNDLE_UPSTREAM);
	assert_int_equal(rinfo.first, 1);
	assert_int_equal(rinfo.last, 3);
	assert_memory_equal(rinfo.sender_id, jr_key_id(kiosk), JR_ID_BYTES);
	for (i = 0; i < 3; i++) {
		assert_int_equal(jr_bundle_reader_next(r, &kind, &ip, &n, &eb), JR_OK);
		assert_int_equal(kind, i == 1 ? JR_ITEM_VISIT : JR_ITEM_BLOCK);
		assert_int_equal(n, sizes[i]);
		item_bytes(buf, n, (unsigned)i);
		assert_memory_equal(ip, buf, n);
	}
	assert_int_equal(jr_bundle_reader_next(r, &kind, &ip, &n, &eb), JR_OK);
	assert_int_equal(kind, 0);
	assert_int_equal(jr_bundle_reader_end(r, &eb), JR_OK);
	jr_bundle_reader_free(r);
	close(fd);
}

static void writer_refuses_a_file_that_is_not_empty(void **state)
{
	const char *dir = jr_test_dir("bundle-nonempty");
	struct jr_bundle_writer *w = (struct jr_bundle_writer *)&w;
	struct jr_errbuf eb = { 0 };
	char path[1024];
	int fd;

	(void)state;
	jr_test_path(path, sizeof path, dir, "old.jrb");
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(jr_bundle_writer_open_fd(fd, "old.jrb", kiosk, &centre_pub, &up, &w, &eb),
		JR_EINVAL);
	assert_null(w);
	close(fd);
}

static void an_aborted_bundle_is_refused_as_never_finished(void **state)
{
	struct jr_test_mem m = { 0 };
	struct jr_bundle_sink sink = jr_test_mem_sink(&m);
	struct jr_bundle_writer *w;
	struct jr_errbuf eb = { 0 };
	uint8_t item[300] = { 1 };

	(void)state;
	assert_int_equal(jr_bundle_writer_open(&sink, kiosk, &centre_pub, &up, &w, &eb), JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_BLOCK, item, sizeof item, &eb), JR_OK);
	jr_bundle_writer_abort(w);
	assert_int_equal(m.len, JR_BUNDLE_HEADER_BYTES); /* nothing sealed yet */
	expect_refused(m.p, m.len, JR_EFORMAT, "aborted");
	memset(&eb, 0, sizeof eb);
	{
		size_t staged;

		assert_int_not_equal(consume(m.p, m.len, &staged, &eb), JR_OK);
		assert_non_null(strstr(eb.msg, "never written"));
	}
	free(m.p);
}

/* ---- cut short, flipped, misaddressed, forged ---- */

static void a_bundle_truncated_at_every_byte_is_refused(void **state)
{
	static const size_t sizes[] = { 300, 450 };
	struct jr_errbuf eb;
	struct jr_test_mem m;
	size_t cut, staged;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 2, NULL);
	for (cut = 0; cut < m.len; cut++) {
		int rc;

		memset(&eb, 0, sizeof eb);
		rc = consume(m.p, cut, &staged, &eb);
		if (rc == JR_OK)
			fail_msg("a bundle cut at byte %zu of %zu was accepted", cut, m.len);
		assert_int_equal(staged, 0); /* one chunk: nothing before its tag checks */
		if (cut >= JR_BUNDLE_HEADER_BYTES)
			assert_non_null(strstr(eb.msg, "truncated at byte"));
	}
	free(m.p);
}

static void a_bundle_of_three_chunks_truncated_anywhere_is_refused(void **state)
{
	static const size_t sizes[] = { 60000, 60000, 20000 };
	struct jr_errbuf eb;
	struct jr_test_mem m;
	size_t cut, staged;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 3, NULL);
	for (cut = 0; cut < m.len; cut++) {
		size_t body = cut < JR_BUNDLE_HEADER_BYTES ? 0 : cut - JR_BUNDLE_HEADER_BYTES;
		size_t in_chunk = body % JR_BUNDLE_STORED_CHUNK;

		/* Every offset near a chunk boundary and the end, a sample elsewhere. */
		if (in_chunk > 40 && in_chunk < JR_BUNDLE_STORED_CHUNK - 40 &&
		    m.len - cut > 40 && cut % 331 != 0)
			continue;
		memset(&eb, 0, sizeof eb);
		if (consume(m.p, cut, &staged, &eb) == JR_OK)
			fail_msg("a bundle cut at byte %zu of %zu was accepted", cut, m.len);
		assert_true(staged < 3);
	}
	free(m.p);
}

static void one_flipped_bit_anywhere_is_refused(void **state)
{
	static const size_t sizes[] = { 70000, 500, 70000 };
	struct jr_test_mem m;
	size_t off;
	unsigned bit = 0;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 3, NULL);
	/* Every byte of the header (magic, length, every field, sealed key,
	 * stream header, signature, padding); in the body the first and last
	 * 64 bytes of each chunk and every 97th byte between. */
	for (off = 0; off < m.len; off++) {
		size_t in_chunk = off < JR_BUNDLE_HEADER_BYTES ? 0
			: (off - JR_BUNDLE_HEADER_BYTES) % JR_BUNDLE_STORED_CHUNK;
		char what[64];

		if (off >= JR_BUNDLE_HEADER_BYTES && in_chunk > 64 &&
		    in_chunk < JR_BUNDLE_STORED_CHUNK - 64 && m.len - off > 64 && off % 97 != 0)
			continue;
		m.p[off] ^= (uint8_t)(1u << bit);
		snprintf(what, sizeof what, "bit %u of byte %zu", bit, off);
		expect_refused(m.p, m.len, 0, what);
		m.p[off] ^= (uint8_t)(1u << bit);
		bit = (bit + 1) % 8;
	}
	free(m.p);
}

static void a_bundle_for_another_node_is_refused_with_its_recipient(void **state)
{
	static const size_t sizes[] = { 400 };
	struct jr_errbuf eb = { 0 };
	char id[JR_KEYID_SHORT_LEN + 1];
	struct jr_test_mem m;
	size_t staged;

	(void)state;
	write_bundle(&m, &other_pub, sizes, 1, NULL);
	assert_int_equal(consume(m.p, m.len, &staged, &eb), JR_EKEY);
	jr_keyid_short(other_pub.id, id);
	assert_non_null(strstr(eb.msg, "is for recipient"));
	assert_non_null(strstr(eb.msg, id));
	/* The right node reads it. */
	assert_int_equal(consume_as(m.p, m.len, other_node, NULL, sizes, &staged, &eb), JR_OK);
	free(m.p);
}

/* Replaces the header of m by h, signed by signer (fields as given). */
static void resign(struct jr_test_mem *m, struct jr_bundle_header *h, const struct jr_key *signer)
{
	assert_int_equal(jr_bundle_header_id(h, h->info.id), JR_OK);
	assert_int_equal(jr_sign_hash(signer, JR_BUNDLE_DOMAIN, h->info.id, h->sig), JR_OK);
	assert_int_equal(jr_bundle_header_encode(h, m->p), JR_OK);
}

static void header_of(const struct jr_test_mem *m, struct jr_bundle_header *h)
{
	assert_int_equal(jr_bundle_header_decode(m->p, JR_BUNDLE_HEADER_BYTES, "t", h, NULL),
		JR_OK);
}

static void a_header_signed_by_another_key_than_it_names_is_refused(void **state)
{
	static const size_t sizes[] = { 400 };
	struct jr_bundle_header h;
	struct jr_test_mem m;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 1, NULL);
	header_of(&m, &h);
	resign(&m, &h, stranger); /* still names the kiosk's key */
	expect_refused(m.p, m.len, JR_ESIG, "signed by a stranger");
	free(m.p);
}

static void a_bundle_from_an_unexpected_sender_is_refused(void **state)
{
	static const size_t sizes[] = { 400 };
	struct jr_bundle_header h;
	struct jr_pubkey kpub, spub;
	struct jr_errbuf eb = { 0 };
	struct jr_test_mem m;
	size_t staged;

	(void)state;
	jr_key_public(kiosk, &kpub);
	jr_key_public(stranger, &spub);
	write_bundle(&m, &centre_pub, sizes, 1, NULL);
	/* Someone strips the kiosk's signature and signs as themself: a valid
	 * bundle, but not from the kiosk the caller expects. */
	header_of(&m, &h);
	memcpy(h.info.sender_pk, spub.sign_pk, JR_SIGN_PK_BYTES);
	resign(&m, &h, stranger);
	assert_int_equal(consume_as(m.p, m.len, centre, kpub.sign_pk, NULL, &staged, &eb), JR_EKEY);
	assert_non_null(strstr(eb.msg, "not the expected sender"));
	assert_int_equal(staged, 0);
	assert_int_equal(consume_as(m.p, m.len, centre, spub.sign_pk, NULL, &staged, &eb), JR_OK);
	free(m.p);
}

static void header_counts_that_disagree_with_the_body_are_refused(void **state)
{
	static const size_t sizes[] = { 400, 500, 600 };
	struct jr_bundle_header h, orig;
	struct jr_test_mem m;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 3, NULL);
	header_of(&m, &orig);
	h = orig;
	h.info.items = 2;
	resign(&m, &h, kiosk);
	expect_refused(m.p, m.len, JR_ECORRUPT, "one item more than counted");
	h = orig;
	h.info.items = 4;
	resign(&m, &h, kiosk);
	expect_refused(m.p, m.len, JR_ECORRUPT, "one item fewer than counted");
	h = orig;
	h.info.body_hash[0] ^= 1;
	resign(&m, &h, kiosk);
	expect_refused(m.p, m.len, JR_ECORRUPT, "body hash");
	h = orig;
	h.info.body_len += 1;
	resign(&m, &h, kiosk);
	expect_refused(m.p, m.len, 0, "body length one more");
	h = orig;
	h.info.body_len -= 1;
	resign(&m, &h, kiosk);
	expect_refused(m.p, m.len, JR_ECORRUPT, "body length one less");
	free(m.p);
}

static void swapped_or_foreign_chunks_are_refused(void **state)
{
	static const size_t sizes[] = { 65530, 65530, 65530 };
	const size_t c = JR_BUNDLE_STORED_CHUNK, h = JR_BUNDLE_HEADER_BYTES;
	struct jr_bundle_header ha;
	struct jr_test_mem a, b;
	uint8_t *tmp = malloc(c);

	(void)state;
	assert_non_null(tmp);
	write_bundle(&a, &centre_pub, sizes, 3, NULL);
	write_bundle(&b, &centre_pub, sizes, 3, NULL);
	assert_int_equal(a.len, b.len);
	/* Chunks 1 and 2 swapped, the header re-signed over the new body hash
	 * so only the stream itself can tell. */
	memcpy(tmp, a.p + h, c);
	memcpy(a.p + h, a.p + h + c, c);
	memcpy(a.p + h + c, tmp, c);
	header_of(&a, &ha);
	jr_hash(a.p + h, a.len - h, ha.info.body_hash);
	resign(&a, &ha, kiosk);
	expect_refused(a.p, a.len, JR_ECORRUPT, "swapped chunks");
	/* Back in order, then chunk 2 taken from another bundle. */
	memcpy(tmp, a.p + h, c);
	memcpy(a.p + h, a.p + h + c, c);
	memcpy(a.p + h + c, tmp, c);
	memcpy(a.p + h + c, b.p + h + c, c);
	jr_hash(a.p + h, a.len - h, ha.info.body_hash);
	resign(&a, &ha, kiosk);
	expect_refused(a.p, a.len, JR_ECORRUPT, "a chunk from another bundle");
	/* Another bundle's header on this body. */
	memcpy(a.p, b.p, h);
	expect_refused(a.p, a.len, JR_ECORRUPT, "another bundle's header");
	free(tmp);
	free(a.p);
	free(b.p);
}

static void a_byte_after_the_body_is_refused(void **state)
{
	static const size_t sizes[] = { 400 };
	struct jr_test_mem m;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 1, NULL);
	jr_test_mem_reserve(&m, m.len + 1);
	m.p[m.len] = 0;
	expect_refused(m.p, m.len + 1, JR_ECORRUPT, "trailing byte");
	free(m.p);
}

/* ---- bodies no writer makes, forged with the stream key in hand ---- */

struct forged_chunk {
	const uint8_t *p;
	size_t len;
	unsigned char tag;
};

static void forge(struct jr_test_mem *m, int kind, const struct forged_chunk *ch, size_t n,
	uint64_t items)
{
	crypto_secretstream_xchacha20poly1305_state st;
	uint8_t key[32];
	struct jr_bundle_header h;
	struct jr_pubkey kpub;
	size_t i, off;

	memset(&h, 0, sizeof *&h);
	memset(m, 0, sizeof *m);
	jr_key_public(kiosk, &kpub);
	crypto_secretstream_xchacha20poly1305_keygen(key);
	assert_int_equal(crypto_box_seal(h.sealed_key, key, 32, centre_pub.box_pk), 0);
	assert_int_equal(crypto_secretstream_xchacha20poly1305_init_push(&st, h.ss_header, key), 0);
	jr_test_mem_reserve(m, JR_BUNDLE_HEADER_BYTES);
	m->len = JR_BUNDLE_HEADER_BYTES;
	for (i = 0; i < n; i++) {
		off = m->len;
		jr_test_mem_reserve(m, off + ch[i].len + JR_BUNDLE_CHUNK_ABYTES);
		assert_int_equal(crypto_secretstream_xchacha20poly1305_push(&st, m->p + off, NULL,
			ch[i].p, ch[i].len, NULL, 0, ch[i].tag), 0);
		m->len += ch[i].len + JR_BUNDLE_CHUNK_ABYTES;
	}
	h.info.kind = kind;
	memcpy(h.info.sender_pk, kpub.sign_pk, JR_SIGN_PK_BYTES);
	memcpy(h.info.recipient_id, centre_pub.id, JR_ID_BYTES);
	h.info.items = items;
	h.info.body_len = m->len - JR_BUNDLE_HEADER_BYTES;
	jr_hash(m->p + JR_BUNDLE_HEADER_BYTES, h.info.body_len, h.info.body_hash);
	resign(m, &h, kiosk);
}

#define FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL
#define MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE

static void a_forged_bundle_in_the_right_shape_is_accepted(void **state)
{
	/* The control for the forgeries below: forge() itself is sound. */
	static const uint8_t pt[] = { JR_ITEM_BLOCK, 0x43, 'a', 'b', 'c' };
	struct forged_chunk ch = { pt, sizeof pt, FINAL };
	struct jr_errbuf eb = { 0 };
	struct jr_test_mem m;
	size_t staged;

	(void)state;
	forge(&m, JR_BUNDLE_UPSTREAM, &ch, 1, 1);
	assert_int_equal(consume(m.p, m.len, &staged, &eb), JR_OK);
	assert_int_equal(staged, 1);
	free(m.p);
}

static void bodies_no_writer_makes_are_refused(void **state)
{
	static const uint8_t ok[] = { JR_ITEM_BLOCK, 0x43, 'a', 'b', 'c' };
	static const uint8_t wrong_kind[] = { JR_ITEM_STATUS, 0x43, 'a', 'b', 'c' };
	static const uint8_t kind_zero[] = { 0, 0x43, 'a', 'b', 'c' };
	static const uint8_t long_head[] = { JR_ITEM_BLOCK, 0x58, 0x03, 'a', 'b', 'c' };
	static const uint8_t empty_item[] = { JR_ITEM_BLOCK, 0x40, JR_ITEM_BLOCK, 0x41, 'x' };
	static const uint8_t text_head[] = { JR_ITEM_BLOCK, 0x63, 'a', 'b', 'c' };
	static const uint8_t cut_item[] = { JR_ITEM_BLOCK, 0x44, 'a', 'b', 'c' };
	static const uint8_t huge[] = { JR_ITEM_BLOCK, 0x5a, 0x00, 0x10, 0x00, 0x01 };
	static const uint8_t *const bad[] = { wrong_kind, kind_zero, long_head, empty_item,
		text_head, cut_item, huge };
	static const size_t bad_len[] = { sizeof wrong_kind, sizeof kind_zero, sizeof long_head,
		sizeof empty_item, sizeof text_head, sizeof cut_item, sizeof huge };
	struct forged_chunk ch[2];
	struct jr_test_mem m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ch[0] = (struct forged_chunk){ bad[i], bad_len[i], FINAL };
		forge(&m, JR_BUNDLE_UPSTREAM, ch, 1, 1);
		expect_refused(m.p, m.len, JR_ECORRUPT, "malformed item");
		free(m.p);
	}
	/* Right item, wrong bundle kind: a block in a downstream bundle. */
	ch[0] = (struct forged_chunk){ ok, sizeof ok, FINAL };
	forge(&m, JR_BUNDLE_DOWNSTREAM, ch, 1, 1);
	expect_refused(m.p, m.len, JR_ECORRUPT, "block downstream");
	free(m.p);
	/* No FINAL tag at the end. */
	ch[0] = (struct forged_chunk){ ok, sizeof ok, MESSAGE };
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 1, 1);
	expect_refused(m.p, m.len, JR_ECORRUPT, "no final tag");
	free(m.p);
	/* FINAL on a first chunk that a second one follows. */
	ch[0] = (struct forged_chunk){ ok, sizeof ok, FINAL };
	ch[1] = (struct forged_chunk){ ok, sizeof ok, FINAL };
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 2, 2);
	expect_refused(m.p, m.len, 0, "final then more");
	free(m.p);
	/* An item-free FINAL chunk after one: fine only if chunk sizes allow; a
	 * short first chunk is not a full one, so the body length is refused. */
	ch[0] = (struct forged_chunk){ ok, sizeof ok, MESSAGE };
	ch[1] = (struct forged_chunk){ ok, sizeof ok, FINAL };
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 2, 2);
	expect_refused(m.p, m.len, 0, "short middle chunk");
	free(m.p);
}

static void chunk_tags_that_disagree_with_the_body_length_are_refused(void **state)
{
	/* A full first chunk holding one item of 65,532 bytes, then a short one:
	 * a shape the writer makes, with the tags forged wrong. */
	static const uint8_t small[] = { JR_ITEM_BLOCK, 0x43, 'a', 'b', 'c' };
	uint8_t *full = calloc(1, JR_BUNDLE_CHUNK_BYTES);
	struct forged_chunk ch[2];
	struct jr_errbuf eb = { 0 };
	struct jr_test_mem m;
	size_t staged;

	(void)state;
	assert_non_null(full);
	full[0] = JR_ITEM_BLOCK;
	full[1] = 0x59; /* 2-byte length: 65,532 */
	full[2] = 0xff;
	full[3] = 0xfc;
	ch[0] = (struct forged_chunk){ full, JR_BUNDLE_CHUNK_BYTES, MESSAGE };
	ch[1] = (struct forged_chunk){ small, sizeof small, FINAL };
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 2, 2);
	assert_int_equal(consume(m.p, m.len, &staged, &eb), JR_OK); /* the control */
	free(m.p);
	ch[1].tag = MESSAGE;
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 2, 2);
	expect_refused(m.p, m.len, JR_ECORRUPT, "no FINAL on the last chunk");
	free(m.p);
	ch[0].tag = FINAL;
	ch[1].tag = FINAL;
	forge(&m, JR_BUNDLE_UPSTREAM, ch, 2, 2);
	expect_refused(m.p, m.len, JR_ECORRUPT, "FINAL on the first of two chunks");
	free(m.p);
	free(full);
}

static void end_before_every_item_was_read_is_not_success(void **state)
{
	static const size_t sizes[] = { 400, 400 };
	struct jr_test_src s;
	struct jr_bundle_source source;
	struct jr_bundle_reader *r;
	struct jr_errbuf eb = { 0 };
	const uint8_t *ip;
	struct jr_test_mem m;
	size_t n;
	int kind;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 2, NULL);
	source = jr_test_mem_source(&s, m.p, m.len);
	assert_int_equal(jr_bundle_reader_open(&source, "t", centre, NULL, &r, NULL, &eb), JR_OK);
	assert_int_equal(jr_bundle_reader_next(r, &kind, &ip, &n, &eb), JR_OK);
	assert_int_not_equal(jr_bundle_reader_end(r, &eb), JR_OK);
	/* And it stays refused. */
	assert_int_not_equal(jr_bundle_reader_next(r, &kind, &ip, &n, &eb), JR_OK);
	assert_int_not_equal(jr_bundle_reader_end(r, &eb), JR_OK);
	jr_bundle_reader_free(r);
	free(m.p);
}

static void writer_refuses_bad_parameters_and_items(void **state)
{
	struct jr_test_mem m = { 0 };
	struct jr_bundle_sink sink = jr_test_mem_sink(&m);
	struct jr_bundle_params bad = up;
	struct jr_bundle_writer *w = (struct jr_bundle_writer *)&w;
	struct jr_errbuf eb = { 0 };
	static uint8_t big[JR_BUNDLE_ITEM_MAX + 1];

	(void)state;
	bad.first = 5;
	bad.last = 4;
	assert_int_equal(jr_bundle_writer_open(&sink, kiosk, &centre_pub, &bad, &w, &eb), JR_EINVAL);
	assert_null(w);
	bad = up;
	bad.kind = 3;
	assert_int_equal(jr_bundle_writer_open(&sink, kiosk, &centre_pub, &bad, &w, &eb), JR_EINVAL);
	assert_int_equal(jr_bundle_writer_open(&sink, kiosk, &centre_pub, &up, &w, &eb), JR_OK);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_STATUS, big, 10, &eb), JR_EINVAL);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_BLOCK, big, 0, &eb), JR_EINVAL);
	assert_int_equal(jr_bundle_writer_add(w, JR_ITEM_BLOCK, big, sizeof big, &eb), JR_EINVAL);
	assert_int_equal(jr_bundle_writer_add(w, 0, big, 10, &eb), JR_EINVAL);
	jr_bundle_writer_abort(w);
	free(m.p);
}

static void header_decode_refuses_what_the_writer_never_writes(void **state)
{
	static const size_t sizes[] = { 400 };
	struct jr_bundle_header h, orig;
	uint8_t raw[JR_BUNDLE_HEADER_BYTES];
	struct jr_test_mem m;
	int rc;

	(void)state;
	write_bundle(&m, &centre_pub, sizes, 1, NULL);
	header_of(&m, &orig);
	memcpy(raw, m.p, sizeof raw);
	raw[JR_BUNDLE_HEADER_BYTES - 1] = 1; /* padding */
	assert_int_equal(jr_bundle_header_decode(raw, sizeof raw, "t", &h, NULL), JR_EFORMAT);
	assert_true(h.info.body_len == 0 && h.info.kind == 0);
	assert_int_equal(jr_bundle_header_decode(m.p, sizeof raw - 1, "t", &h, NULL), JR_EFORMAT);
	/* Kind 3 and a backwards range, validly signed. */
	h = orig;
	h.info.kind = 3;
	resign(&m, &h, kiosk);
	rc = jr_bundle_header_decode(m.p, sizeof raw, "t", &h, NULL);
	assert_int_equal(rc, JR_EFORMAT);
	h = orig;
	h.info.first = 9;
	resign(&m, &h, kiosk);
	assert_int_equal(jr_bundle_header_decode(m.p, sizeof raw, "t", &h, NULL), JR_EFORMAT);
	h = orig;
	h.info.items = h.info.body_len; /* more items than bytes */
	resign(&m, &h, kiosk);
	assert_int_equal(jr_bundle_header_decode(m.p, sizeof raw, "t", &h, NULL), JR_EFORMAT);
	free(m.p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_with_no_items),
		cmocka_unit_test(round_trip_with_one_item),
		cmocka_unit_test(round_trip_with_items_of_every_length_form),
		cmocka_unit_test(round_trip_with_many_items_spanning_chunks),
		cmocka_unit_test(round_trip_when_the_plaintext_fills_its_last_chunk_exactly),
		cmocka_unit_test(body_length_arithmetic_agrees_both_ways),
		cmocka_unit_test(same_items_written_twice_give_different_bytes),
		cmocka_unit_test(writer_on_a_file_puts_the_header_at_offset_zero_and_reads_back),
		cmocka_unit_test(writer_refuses_a_file_that_is_not_empty),
		cmocka_unit_test(an_aborted_bundle_is_refused_as_never_finished),
		cmocka_unit_test(a_bundle_truncated_at_every_byte_is_refused),
		cmocka_unit_test(a_bundle_of_three_chunks_truncated_anywhere_is_refused),
		cmocka_unit_test(one_flipped_bit_anywhere_is_refused),
		cmocka_unit_test(a_bundle_for_another_node_is_refused_with_its_recipient),
		cmocka_unit_test(a_header_signed_by_another_key_than_it_names_is_refused),
		cmocka_unit_test(a_bundle_from_an_unexpected_sender_is_refused),
		cmocka_unit_test(header_counts_that_disagree_with_the_body_are_refused),
		cmocka_unit_test(swapped_or_foreign_chunks_are_refused),
		cmocka_unit_test(a_byte_after_the_body_is_refused),
		cmocka_unit_test(a_forged_bundle_in_the_right_shape_is_accepted),
		cmocka_unit_test(bodies_no_writer_makes_are_refused),
		cmocka_unit_test(chunk_tags_that_disagree_with_the_body_length_are_refused),
		cmocka_unit_test(end_before_every_item_was_read_is_not_success),
		cmocka_unit_test(writer_refuses_bad_parameters_and_items),
		cmocka_unit_test(header_decode_refuses_what_the_writer_never_writes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
