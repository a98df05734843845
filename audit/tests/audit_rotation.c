/*
 * audit_rotation: a node's state and its public export across a consortium
 * key rotation (docs/keys.md "How it is rotated"), for audit_rotation.sh to
 * show that jaring-audit --db follows it.
 *
 *   audit_rotation DIR
 *
 * The state (DIR/d/state.db) is built by the centre's own apply, as a node
 * holding both keys builds it (opened with K1, K2 added): the programme of
 * tests/fuzz/centre_fixture.h (roster 1 signed by K1, a block of three
 * registrations sealed to K1, their approvals, an allocation), then roster 2
 * signed by K1 naming K2, a block of one registration sealed to K2 (it must
 * open: ACCEPTED), roster 3 signed by K2, and a decree. Written beside it:
 * DIR/consortium-1.key and DIR/consortium-2.key (plain key files, synthetic
 * seeds), DIR/pseudonym.key, the export DIR/export with its tlog-policy
 * DIR/policy (tests/support/publish.h), and DIR/node_state_hash (hex). Any
 * failure exits 1, naming it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../tests/fuzz/centre_fixture.h"
#include "publish.h"

static struct fx f;

static _Noreturn void die(const char *what, const char *why)
{
	fprintf(stderr, "audit_rotation: %s: %s\n", what, why);
	exit(1);
}

static void path_in(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= cap)
		die(dir, "path too long");
}

static void write_file(const char *dir, const char *name, const void *p, size_t len)
{
	struct jr_errbuf eb = { 0 };
	char path[4096];

	path_in(path, sizeof path, dir, name);
	if (jr_file_write_atomic(path, p, len, 0600, &eb) != JR_OK)
		die(path, eb.msg);
}

static void apply(struct jr_centre *c, struct jr_buf *e, const char *what)
{
	struct jr_centre_result res;
	struct jr_errbuf eb = { 0 };

	if (jr_centre_apply(c, e->base, e->len, &res, &eb) != JR_OK)
		die(what, eb.msg);
	if (res.refused || !res.changed)
		die(what, "refused by the contract");
	jr_buf_free(e);
}

static void save_key(const struct jr_key *k, const char *dir, const char *name)
{
	struct jr_errbuf eb = { 0 };
	char path[4096];

	path_in(path, sizeof path, dir, name);
	(void)remove(path);
	if (jr_key_save(k, path, &eb) != JR_OK)
		die(path, eb.msg);
}

int main(int argc, char **argv)
{
	uint8_t seed[JR_SEED_BYTES], prev[JR_HASH_BYTES], h[JR_HASH_BYTES];
	char path[4096], d[4096], hex[2 * JR_HASH_BYTES + 2];
	struct jr_errbuf eb = { 0 };
	struct jr_buf e = { 0 }, blk = { 0 };
	struct jr_key *k2 = NULL;
	struct jr_centre *c = NULL;
	struct jr_centre_reg reg;
	struct jr_pubkey p2;
	const char *name = NULL;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: audit_rotation DIR\n");
		return 2;
	}
	fx_init(&f);
	memset(seed, 0xc9, sizeof seed);
	fx_check(jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &k2));
	jr_key_public(k2, &p2);
	path_in(d, sizeof d, argv[1], "d");
	(void)mkdir(argv[1], 0700);
	(void)mkdir(d, 0700);
	save_key(f.k[FX_CONSORTIUM], argv[1], "consortium-1.key");
	save_key(k2, argv[1], "consortium-2.key");
	jr_hex(f.pkey, sizeof f.pkey, hex);
	write_file(argv[1], "pseudonym.key", hex, strlen(hex));

	path_in(path, sizeof path, d, "state.db");
	if (jr_centre_open(path, f.k[FX_CONSORTIUM], f.pkey, &f.policy, &c, &eb) != JR_OK ||
	    jr_centre_add_consortium_key(c, k2, &eb) != JR_OK)
		die(path, eb.msg);
	for (i = 0; i < FX_TEMPLATE_ENTRIES; i++) {
		e = f.templ[i];
		f.templ[i].base = NULL;
		apply(c, &e, "the fixture's programme");
	}
	fx_roster_by(&f, f.k[FX_CONSORTIUM], 2, p2.sign_pk, &e);
	apply(c, &e, "roster 2, signed by K1, naming K2");
	memcpy(prev, f.block1_hash, sizeof prev);
	fx_block_to(&f, k2, 2, prev, FX_WORKERS, 1, &blk);
	fx_check(jr_centre_upstream_entry(&blk, 1, &e));
	jr_buf_free(&blk);
	apply(c, &e, "the block sealed to K2");
	if (jr_centre_registration(c, f.regid[FX_WORKERS], &reg) != JR_OK ||
	    reg.outcome != JR_CO_ACCEPTED)
		die("the registration sealed to K2", "not accepted on the node");
	fx_roster_by(&f, k2, 3, NULL, &e);
	apply(c, &e, "roster 3, signed by K2");
	fx_seed(&f, 7, &name, &e);
	apply(c, &e, name);

	jr_centre_state_hash(c, h);
	jr_hex(h, sizeof h, hex);
	hex[2 * JR_HASH_BYTES] = '\n';
	write_file(argv[1], "node_state_hash", hex, 2 * JR_HASH_BYTES + 1);
	path_in(path, sizeof path, argv[1], "export");
	{
		char pol[4096];

		path_in(pol, sizeof pol, argv[1], "policy");
		if (jr_test_publish(c, "tlog.test.jaring.id/rotation", path, pol, &eb) != JR_OK)
			die("export", eb.msg[0] ? eb.msg : "cannot sign or write the checkpoint");
	}
	jr_centre_close(c);
	jr_key_free(k2);
	fx_free(&f);
	printf("audit_rotation: %s: a rotation from K1 to K2 at roster 2\n", argv[1]);
	return 0;
}
