#include <stdlib.h>
#include <string.h>

#include "hashfsm.h"

static const char label[] = "jaring/test-hashfsm/v1";

void jr_hashfsm_init(struct jr_hashfsm *h)
{
	memset(h, 0, sizeof *h);
}

static void be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xff);
		v >>= 8;
	}
}

static int apply(void *data, uint64_t index, const uint8_t *entry, size_t len,
	struct jr_cons_applied *out)
{
	struct jr_hashfsm *h = data;
	static const uint8_t wrong = 0x5a;
	struct jr_part parts[3] = {
		{ h->hash, JR_HASH_BYTES }, { entry, len }, { &wrong, 0 },
	};
	size_t slot = (size_t)(index % JR_HASHFSM_TRACE);

	if (h->fail_at != 0 && index == h->fail_at)
		return JR_EINTERNAL;
	if (h->diverge_at != 0 && h->count + 1 == h->diverge_at)
		parts[2].len = 1;
	if (jr_hash_labelled(label, parts, 3, h->hash, JR_HASH_BYTES) != JR_OK)
		return JR_EINTERNAL;
	h->count++;
	h->trace_index[slot] = index;
	memset(h->trace_head[slot], 0, sizeof h->trace_head[slot]);
	memcpy(h->trace_head[slot], entry, len < 16 ? len : 16);
	memcpy(out->state_hash, h->hash, JR_HASH_BYTES);
	out->result = NULL;
	return JR_OK;
}

static int snapshot_begin(void *data)
{
	struct jr_hashfsm *h = data;
	h->pinned_count = h->count;
	memcpy(h->pinned_hash, h->hash, JR_HASH_BYTES);
	return JR_OK;
}

static int snapshot_write(void *data, struct jr_buf *out)
{
	const struct jr_hashfsm *h = data;
	out->base = malloc(JR_HASHFSM_SNAPSHOT_BYTES);
	if (out->base == NULL)
		return JR_ENOMEM;
	out->len = JR_HASHFSM_SNAPSHOT_BYTES;
	be64(out->base, h->pinned_count);
	memcpy(out->base + 8, h->pinned_hash, JR_HASH_BYTES);
	return JR_OK;
}

static void snapshot_end(void *data)
{
	(void)data;
}

static int restore(void *data, const uint8_t *p, size_t len,
	uint8_t state_hash[JR_HASH_BYTES])
{
	struct jr_hashfsm *h = data;
	uint64_t n = 0;

	if (h->fail_restore)
		return JR_EIO;
	if (len != JR_HASHFSM_SNAPSHOT_BYTES)
		return JR_EFORMAT;
	for (int i = 0; i < 8; i++)
		n = (n << 8) | p[i];
	h->count = n;
	memcpy(h->hash, p + 8, JR_HASH_BYTES);
	memset(h->trace_index, 0, sizeof h->trace_index);
	h->restores++;
	memcpy(state_hash, h->hash, JR_HASH_BYTES);
	return JR_OK;
}

static const char *errmsg(void *data)
{
	const struct jr_hashfsm *h = data;

	return h->fail_restore ? "this test's state machine fails every restore" : "";
}

struct jr_cons_fsm jr_hashfsm_fsm(struct jr_hashfsm *h)
{
	struct jr_cons_fsm f = { h, apply, snapshot_begin, snapshot_write,
		snapshot_end, restore, errmsg };
	return f;
}

const uint8_t *jr_hashfsm_entry_at(const struct jr_hashfsm *h, uint64_t index)
{
	size_t slot = (size_t)(index % JR_HASHFSM_TRACE);
	return index != 0 && h->trace_index[slot] == index ? h->trace_head[slot]
							     : NULL;
}
