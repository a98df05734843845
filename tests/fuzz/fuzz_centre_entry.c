/*
 * libFuzzer target for the centre's entry decoder and everything behind it:
 * jr_centre_apply on a scratch copy of the fixed template state of
 * tests/fuzz/centre_fixture.h (a roster, three workers, two approved, one
 * allocation), fresh for every input.
 *
 * An input is one entry, or, if it begins "JRSQ", a sequence of entries
 * each preceded by its length (4 bytes, big-endian), so that the fuzzer can
 * reach acts that need an earlier one (a payment after its decree). Seeds:
 * tests/fuzz/corpus/centre_entry/ (made and checked by
 * tests/unit/test_centre_corpus.c).
 *
 * Beyond "never crash": apply never fails on any bytes (a refusal is an
 * outcome, an error means the node stops); an entry that changed nothing
 * leaves the state hash as it was; and the same entry applied twice in a
 * row changes nothing the second time.
 */
#include <unistd.h>

#include "centre_fixture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fx f;
static char dir[64];

static void setup(void)
{
	if (dir[0] != '\0')
		return;
	fx_init(&f);
	fx_scratch(dir, "centre");
}

static void apply_checked(struct jr_centre *c, const uint8_t *p, size_t n)
{
	struct jr_centre_result res;
	uint8_t before[JR_HASH_BYTES], after[JR_HASH_BYTES];

	jr_centre_state_hash(c, before);
	if (jr_centre_apply(c, p, n, &res, NULL) != JR_OK)
		abort();
	jr_centre_state_hash(c, after);
	if (!res.changed && memcmp(before, after, JR_HASH_BYTES) != 0)
		abort();
	if (jr_centre_apply(c, p, n, &res, NULL) != JR_OK || res.changed)
		abort();
	jr_centre_state_hash(c, before);
	if (memcmp(before, after, JR_HASH_BYTES) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jr_centre *c;

	setup();
	c = fx_state(&f, dir);
	if (size >= 4 && memcmp(data, "JRSQ", 4) == 0) {
		size_t off = 4;

		while (size - off >= 4) {
			size_t n = (size_t)data[off] << 24 | (size_t)data[off + 1] << 16 |
				(size_t)data[off + 2] << 8 | data[off + 3];

			off += 4;
			if (n > size - off)
				n = size - off;
			apply_checked(c, data + off, n);
			off += n;
		}
	} else {
		apply_checked(c, data, size);
	}
	jr_centre_close(c);
	return 0;
}
