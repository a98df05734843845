/*
 * libFuzzer target for each signed act's decoder alone (docs/centre.md
 * "Acts"). The first byte picks the kind (3 + byte % 7: policy, review,
 * view, decree, allocation, payment, reference list); the rest is an act
 * *body*, which the harness signs under that kind's domain with the
 * official of tests/fuzz/centre_fixture.h who may sign it, so the fuzzer
 * reaches the body's decoder and the rules behind the signature. Each runs
 * on a fresh copy of the fixture's template state. Seeds:
 * tests/fuzz/corpus/centre_act/ (made and checked by
 * tests/unit/test_centre_corpus.c).
 *
 * Beyond "never crash": apply never fails; an act reported applied is
 * found applied by its id; the same act again is a replay that changes
 * nothing.
 */
#include <unistd.h>

#include "centre_fixture.h"
#include "jaring/cbor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fx f;
static char dir[64];

static void setup(void)
{
	if (dir[0] != '\0')
		return;
	fx_init(&f);
	fx_scratch(dir, "act");
}

static const char *domain(unsigned kind)
{
	static const char *const d[] = { JR_CENTRE_POLICY_DOMAIN, JR_CENTRE_REVIEW_DOMAIN,
		JR_CENTRE_VIEW_DOMAIN, JR_CENTRE_DECREE_DOMAIN, JR_CENTRE_ALLOCATION_DOMAIN,
		JR_CENTRE_PAYMENT_DOMAIN, JR_CENTRE_REFLIST_DOMAIN };

	return d[kind - JR_CENTRE_POLICY];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_centre_result res;
	struct jr_centre *c;
	struct jr_buf e = { 0 };
	struct jr_cbw w;
	enum jr_centre_status st = 0;
	uint8_t h[JR_HASH_BYTES], sig[JR_SIG_BYTES];
	unsigned kind;

	if (size < 1)
		return 0;
	setup();
	kind = JR_CENTRE_POLICY + data[0] % 7u;
	jr_hash(data + 1, size - 1, h);
	if (jr_sign_hash(fx_signer(&f, kind), domain(kind), h, sig) != JR_OK)
		abort();
	jr_cbw_init(&w, size + 256);
	jr_cbw_map(&w, 3);
	jr_cbw_uint(&w, 0);
	jr_cbw_uint(&w, JR_CENTRE_ENTRY_VERSION);
	jr_cbw_uint(&w, 1);
	jr_cbw_uint(&w, kind);
	jr_cbw_uint(&w, 2);
	jr_cbw_array(&w, 2);
	jr_cbw_bytes(&w, data + 1, size - 1);
	jr_cbw_bytes(&w, sig, sizeof sig);
	if (jr_cbw_finish(&w, &e) != JR_OK)
		abort();
	c = fx_state(&f, dir);
	if (jr_centre_apply(c, e.base, e.len, &res, NULL) != JR_OK)
		abort();
	if (res.act_status == JR_CS_APPLIED && !res.refused) {
		if (jr_centre_act(c, h, &st) != JR_OK || st != JR_CS_APPLIED)
			abort();
	}
	if (jr_centre_apply(c, e.base, e.len, &res, NULL) != JR_OK || res.changed)
		abort();
	jr_buf_free(&e);
	jr_centre_close(c);
	return 0;
}
