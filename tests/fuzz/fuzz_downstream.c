/*
 * libFuzzer target for the kiosk's downstream apply path (jaring/downstream.h,
 * docs/formats.md "Downstream bundle"): jr_downstream_apply with an
 * in-memory store.
 *
 * The first input byte picks the mode. Even: the rest is a whole bundle as
 * a drive would hold it (refused at the header or the first chunk unless it
 * is one). Odd: the rest describes items, each kind (1 byte), length (2
 * bytes, little-endian) and bytes, which the harness writes into a genuine
 * bundle from the fixed consortium key (seed 32 x 02) to the fixed kiosk key
 * (seed 32 x 01), so the fuzzer reaches the item order, the roster and ack
 * checks and the statuses; bits 1, 2 and 3 of the second byte put a genuine
 * ack, roster and policy first, so it also reaches what lies behind them.
 *
 * Beyond "never crash": a bundle is committed whole or not at all — a
 * failure commits nothing and rolls back what it began; a commit carries
 * exactly the statuses staged.
 */
#include <stdlib.h>
#include <string.h>

#include "jaring/downstream.h"
#include "membundle.h"
#include "jaring/roster.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct jr_key *cons, *kiosk;
static struct jr_buf roster, ack, policy;

struct store {
	unsigned begun, commits, rollbacks;
	uint64_t staged, committed;
};

static int st_begin(void *ctx, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)eb;
	s->begun++;
	return JR_OK;
}

static int st_status(void *ctx, const struct jr_status *st, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)st, (void)eb;
	s->staged++;
	return JR_OK;
}

static int st_commit(void *ctx, const struct jr_downstream_result *r, struct jr_errbuf *eb)
{
	struct store *s = ctx;

	(void)eb;
	if (r->statuses != s->staged || r->roster.len == 0 || r->policy_bytes.len == 0)
		abort();
	s->commits++;
	s->committed = s->staged;
	return JR_OK;
}

static void st_rollback(void *ctx)
{
	struct store *s = ctx;

	s->rollbacks++;
	s->staged = 0;
}

static void setup(void)
{
	uint8_t seed[JR_SEED_BYTES];
	struct jr_roster_member m;
	struct jr_pubkey kp;
	struct jr_policy pol;
	struct jr_ack a;

	if (cons != NULL)
		return;
	if (jr_init() != JR_OK)
		abort();
	memset(seed, 0x02, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_CONSORTIUM, seed, &cons) != JR_OK)
		abort();
	memset(seed, 0x01, sizeof seed);
	if (jr_key_from_seed(JR_ROLE_KIOSK, seed, &kiosk) != JR_OK)
		abort();
	jr_key_public(kiosk, &kp);
	memset(&m, 0, sizeof m);
	memcpy(m.id, kp.id, JR_ID_BYTES);
	memcpy(m.sign_pk, kp.sign_pk, JR_SIGN_PK_BYTES);
	m.role = JR_ROLE_KIOSK;
	m.region = 3328100006;
	m.perms = JR_PERM_UPLOAD;
	memset(&a, 0, sizeof a);
	memcpy(a.kiosk_id, kp.id, JR_ID_BYTES);
	a.height = 3;
	memset(a.hash, 0x33, sizeof a.hash);
	a.time = 1790003600;
	jr_policy_default(&pol);
	if (jr_roster_sign(cons, 1, NULL, &m, 1, &roster, NULL) != JR_OK ||
	    jr_ack_sign(cons, &a, &ack) != JR_OK || jr_policy_encode(&pol, &policy) != JR_OK)
		abort();
}

static void apply(const uint8_t *p, size_t n)
{
	struct jr_test_src in;
	struct jr_bundle_source bs = jr_test_mem_source(&in, p, n);
	struct store s = { 0, 0, 0, 0, 0 };
	struct jr_downstream_sink sink = { st_begin, st_status, st_commit, st_rollback, &s };
	struct jr_downstream_trust t;
	struct jr_downstream_result res;
	struct jr_pubkey cp;
	int rc;

	memset(&t, 0, sizeof t);
	jr_key_public(cons, &cp);
	memcpy(t.pinned_pk, cp.sign_pk, JR_SIGN_PK_BYTES);
	rc = jr_downstream_apply(&bs, "fuzz", kiosk, &t, NULL, &sink, NULL, NULL, &res, NULL);
	if (rc != JR_OK && (s.commits != 0 || s.begun != s.rollbacks || res.applied))
		abort();
	if (rc == JR_OK && res.applied && (s.commits != 1 || s.committed != res.statuses))
		abort();
	if (rc == JR_OK && !res.applied && !res.old)
		abort();
	jr_downstream_result_free(&res);
}

static void write_items(const uint8_t *d, size_t n)
{
	struct jr_test_mem m = { NULL, 0, 0 };
	struct jr_bundle_sink sink = jr_test_mem_sink(&m);
	struct jr_bundle_params bp = { JR_BUNDLE_DOWNSTREAM, 1790003600, 5, 0 };
	struct jr_bundle_writer *w = NULL;
	struct jr_pubkey kp;
	uint8_t flags = n > 0 ? d[0] : 0;
	int rc;

	jr_key_public(kiosk, &kp);
	bp.last = (flags & 2) ? 3 : (flags & 0x10) ? 3 : 0;
	if (jr_bundle_writer_open(&sink, cons, &kp, &bp, &w, NULL) != JR_OK)
		abort();
	rc = JR_OK;
	if (flags & 2)
		rc = jr_bundle_writer_add(w, JR_ITEM_ACK, ack.base, ack.len, NULL);
	if (rc == JR_OK && (flags & 4))
		rc = jr_bundle_writer_add(w, JR_ITEM_ROSTER, roster.base, roster.len, NULL);
	if (rc == JR_OK && (flags & 8))
		rc = jr_bundle_writer_add(w, JR_ITEM_POLICY, policy.base, policy.len, NULL);
	for (size_t i = 1; rc == JR_OK && i + 3 <= n;) {
		size_t len = (size_t)d[i + 1] | (size_t)d[i + 2] << 8;
		int kind = d[i];

		i += 3;
		if (len > n - i)
			len = n - i;
		if (len == 0 || !jr_bundle_item_allowed(JR_BUNDLE_DOWNSTREAM, kind))
			continue;
		rc = jr_bundle_writer_add(w, kind, d + i, len, NULL);
		i += len;
	}
	if (rc == JR_OK && jr_bundle_writer_finish(w, NULL, NULL) == JR_OK)
		apply(m.p, m.len);
	else if (rc != JR_OK)
		jr_bundle_writer_abort(w);
	free(m.p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size == 0 || size > 65536)
		return 0;
	if ((data[0] & 1) == 0)
		apply(data + 1, size - 1);
	else
		write_items(data + 1, size - 1);
	return 0;
}
