/*
 * bench_tlog: the transparency log's rates (issue 8), printed as rows of
 * the one benchmark table, "| name | value | unit | goal | verdict |".
 *
 *   bench_tlog DIR [LEAVES]
 *
 * Appends LEAVES (default 1,000,000) leaves to a SQLite hash store in DIR
 * (WAL, synchronous=NORMAL, one transaction per 10,000 leaves, as a node
 * applies a batch of entries), then measures proofs on that tree and
 * checkpoint signing, cosigning and opening under a 3-of-5 policy, and the
 * node hash beside libsodium's SHA-256 of the same bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include <sodium.h>

#include "jaring/keys.h"
#include "jaring/tlog.h"
#include "bench.h"

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
	fprintf(stderr, "bench_tlog: %s: %s\n", what, jr_strerror(rc));
	exit(1);
}

static void sql(sqlite3 *db, const char *q)
{
	if (sqlite3_exec(db, q, NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "bench_tlog: %s: %s\n", q, sqlite3_errmsg(db));
		exit(1);
	}
}

static struct jr_key *key(uint8_t fill)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_key *k = NULL;

	memset(seed, fill, sizeof seed);
	check(jr_key_from_seed(JR_ROLE_NODE, seed, &k), "key");
	return k;
}

static uint64_t append_all(const struct jr_tlog_store *s, sqlite3 *db, uint64_t n)
{
	uint8_t entry[64];
	double t0 = now_s();
	uint64_t i;

	memset(entry, 0x42, sizeof entry);
	for (i = 0; i < n; i++) {
		if (i % 10000 == 0)
			sql(db, "BEGIN");
		memcpy(entry, &i, sizeof i);
		check(jr_tlog_append(s, i, entry, sizeof entry, NULL), "append");
		if (i % 10000 == 9999 || i == n - 1)
			sql(db, "COMMIT");
	}
	jr_bench_row("tlog append (SQLite store, 10k per commit)", (double)n / (now_s() - t0),
		"leaves/s", ">= 200,000 (apply goal)", (double)n / (now_s() - t0) >= 200000);
	return n;
}

static void bench_proofs(const struct jr_tlog_store *s, uint64_t n)
{
	uint8_t p[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES], root[JR_TLOG_HASH_BYTES];
	const int reps = 20000;
	size_t k;
	double t0;
	int i;

	t0 = now_s();
	for (i = 0; i < reps; i++)
		check(jr_tlog_root(s, n - (uint64_t)(i % 1000), root), "root");
	jr_bench_row("tlog tree head from the store", reps / (now_s() - t0), "roots/s", "", -1);
	t0 = now_s();
	for (i = 0; i < reps; i++)
		check(jr_tlog_prove_inclusion(s, randombytes_uniform((uint32_t)n), n, p, &k),
			"inclusion");
	jr_bench_row("tlog inclusion proof, 1M-leaf tree", reps / (now_s() - t0), "proofs/s", "", -1);
	t0 = now_s();
	for (i = 0; i < reps; i++)
		check(jr_tlog_prove_consistency(s, 1 + randombytes_uniform((uint32_t)n - 1), n,
			p, &k), "consistency");
	jr_bench_row("tlog consistency proof, 1M-leaf tree", reps / (now_s() - t0), "proofs/s", "", -1);
}

static void bench_notes(const struct jr_tlog_store *s, uint64_t n)
{
	static const char origin[] = "tlog.example.jaring.id/tegal";
	struct jr_key *log = key(0x10), *w[5];
	struct jr_note_verifier wv[5];
	struct jr_tlog_policy pol;
	struct jr_pubkey pub;
	struct jr_buf note = { NULL, 0 }, cur, next, pf;
	struct jr_checkpoint cp;
	uint8_t root[JR_TLOG_HASH_BYTES], leaf[JR_TLOG_HASH_BYTES];
	uint8_t p[JR_TLOG_PROOF_MAX][JR_TLOG_HASH_BYTES];
	char text[JR_CHECKPOINT_TEXT_MAX], name[64];
	const int reps = 5000;
	size_t len, k;
	double t0;
	int i;

	jr_key_public(log, &pub);
	check(jr_note_verifier_make(origin, JR_NOTE_ALG_ED25519, pub.sign_pk, &pol.log), "vkey");
	for (i = 0; i < 5; i++) {
		w[i] = key((uint8_t)(0x20 + i));
		jr_key_public(w[i], &pub);
		(void)snprintf(name, sizeof name, "witness.example.jaring.id/w%d", i);
		check(jr_note_verifier_make(name, JR_NOTE_ALG_COSIG_V1, pub.sign_pk, &wv[i]), "vkey");
	}
	pol.witnesses = wv;
	pol.n_witnesses = 5;
	pol.quorum = 3;
	check(jr_tlog_root(s, n, root), "root");
	check(jr_checkpoint_format(origin, n, root, text, sizeof text, &len), "format");
	t0 = now_s();
	for (i = 0; i < reps; i++) {
		jr_buf_free(&note);
		check(jr_checkpoint_format(origin, n, root, text, sizeof text, &len), "format");
		check(jr_note_sign(log, origin, (const uint8_t *)text, len, &note, NULL), "sign");
	}
	jr_bench_row("checkpoint signing (format + note signature)", reps / (now_s() - t0),
		"signs/s", "", -1);
	t0 = now_s();
	for (i = 0; i < reps; i++) {
		check(jr_checkpoint_cosign(w[0], wv[0].name, 1790000000, note.base, note.len,
			&next, NULL), "cosign");
		jr_buf_free(&next);
	}
	jr_bench_row("checkpoint cosigning (cosignature/v1)", reps / (now_s() - t0), "signs/s", "", -1);
	cur = note;
	note.base = NULL;
	for (i = 0; i < 3; i++) {
		check(jr_checkpoint_cosign(w[i], wv[i].name, 1790000000, cur.base, cur.len,
			&next, NULL), "cosign");
		jr_buf_free(&cur);
		cur = next;
	}
	t0 = now_s();
	for (i = 0; i < reps; i++)
		check(jr_checkpoint_open(cur.base, cur.len, &pol, &cp, NULL, NULL), "open");
	jr_bench_row("checkpoint open, log + 3-of-5 cosignatures", reps / (now_s() - t0), "opens/s", "", -1);
	check(jr_tlog_prove_inclusion(s, n / 3, n, p, &k), "inclusion");
	check(jr_tlog_proof_encode(NULL, 0, n / 3, (const uint8_t(*)[JR_TLOG_HASH_BYTES])p, k,
		cur.base, cur.len, &pf), "proof");
	{
		uint8_t entry[64];
		uint64_t idx = n / 3;

		memset(entry, 0x42, sizeof entry);
		memcpy(entry, &idx, sizeof idx);
		jr_tlog_leaf_hash(entry, sizeof entry, leaf);
	}
	t0 = now_s();
	for (i = 0; i < reps; i++)
		check(jr_tlog_proof_verify(pf.base, pf.len, &pol, leaf, &cp, NULL), "proof verify");
	jr_bench_row("tlog-proof verify offline (3-of-5 policy)", reps / (now_s() - t0), "proofs/s", "", -1);
	jr_buf_free(&pf);
	jr_buf_free(&cur);
	jr_key_free(log);
	for (i = 0; i < 5; i++)
		jr_key_free(w[i]);
}

/* The hash the log computes most, an interior node's (0x01, left, right:
 * 65 bytes), through the log's own SHA-256 (the processor's extensions
 * where present), beside libsodium's portable SHA-256 of the same bytes
 * in the same run, the anchor. */
static void bench_hash(void)
{
	const unsigned long reps = 2000000;
	uint8_t l[JR_TLOG_HASH_BYTES], r[JR_TLOG_HASH_BYTES], m[1 + 2 * JR_TLOG_HASH_BYTES];
	unsigned long i;
	double t0;

	randombytes_buf(l, sizeof l);
	randombytes_buf(r, sizeof r);
	t0 = now_s();
	for (i = 0; i < reps; i++)
		jr_tlog_node_hash(l, r, (i < reps / 2) ? l : r);
	jr_bench_row("tlog node hash (SHA-256 of 65 bytes)", (double)reps / (now_s() - t0), "hashes/s",
		"", -1);
	m[0] = 0x01;
	memcpy(m + 1, l, sizeof l);
	memcpy(m + 1 + sizeof l, r, sizeof r);
	t0 = now_s();
	for (i = 0; i < reps; i++)
		crypto_hash_sha256(m + 1 + (i < reps / 2 ? 0 : JR_TLOG_HASH_BYTES), m, sizeof m);
	jr_bench_row("anchor: libsodium SHA-256, same 65 bytes", (double)reps / (now_s() - t0), "hashes/s",
		"(portable code)", -1);
}

int main(int argc, char **argv)
{
	struct jr_tlog_sqlstore *ss = NULL;
	char path[4096];
	uint64_t n = 1000000;
	sqlite3 *db = NULL;
	int w;

	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: bench_tlog DIR [LEAVES]\n"
			"The transparency log's rates as rows of the benchmark table: append of\n"
			"LEAVES (default 1,000,000) to a SQLite store in DIR, proofs,\n"
			"checkpoint signing and opening. Exit 0, 1 on a failure, 2 on a usage error.\n");
		return 0;
	}
	if (argc < 2 || argc > 3 || argv[1][0] == '-') {
		if (argc > 1 && argv[1][0] == '-')
			fprintf(stderr, "bench_tlog: unknown option '%s'\n", argv[1]);
		fprintf(stderr, "usage: bench_tlog DIR [LEAVES]; see bench_tlog --help\n");
		return 2;
	}
	if (argc == 3 && (n = strtoull(argv[2], NULL, 10)) < 2) {
		fprintf(stderr, "bench_tlog: LEAVES must be at least 2\n");
		return 2;
	}
	check(jr_init(), "init");
	w = snprintf(path, sizeof path, "%s/tlog.db", argv[1]);
	if (w < 0 || (size_t)w >= sizeof path || sqlite3_open(path, &db) != SQLITE_OK) {
		fprintf(stderr, "bench_tlog: cannot open a database in %s\n", argv[1]);
		return 1;
	}
	sql(db, "PRAGMA journal_mode=WAL");
	sql(db, "PRAGMA synchronous=NORMAL");
	check(jr_tlog_sqlstore_open(db, &ss, NULL), "store");
	append_all(jr_tlog_sqlstore_get(ss), db, n);
	bench_proofs(jr_tlog_sqlstore_get(ss), n);
	bench_notes(jr_tlog_sqlstore_get(ss), n);
	bench_hash();
	jr_tlog_sqlstore_close(ss);
	sqlite3_close(db);
	return 0;
}
