/*
 * hashfsm.h — a tiny state machine for the consensus layer's tests: its
 * state is the number of entries applied and a hash chain over them, so two
 * nodes have equal states exactly when they applied the same entries in the
 * same order. It can be told to diverge (mix a wrong byte into one entry),
 * to fail one apply or every restore, to test that the layer stops such a
 * node.
 */
#ifndef JR_NODE_HASHFSM_H
#define JR_NODE_HASHFSM_H

#include <stdbool.h>
#include <stdint.h>

#include "consensus.h"

#define JR_HASHFSM_SNAPSHOT_BYTES 40 /* be64 count || 32-byte hash */
#define JR_HASHFSM_TRACE 512         /* entries remembered for inspection */

struct jr_hashfsm {
	uint64_t count;
	uint8_t hash[JR_HASH_BYTES];
	uint64_t restores;        /* snapshots restored */
	uint64_t diverge_at;      /* at this count + 1, hash a wrong byte (0: never) */
	uint64_t fail_at;         /* at this raft index, fail the apply (0: never) */
	bool fail_restore;        /* fail every restore */
	/* the first bytes of entry `index` (0 = never applied here), for tests */
	uint64_t trace_index[JR_HASHFSM_TRACE];
	uint8_t trace_head[JR_HASHFSM_TRACE][16];
	uint64_t pinned_count;    /* the view snapshot_begin pinned */
	uint8_t pinned_hash[JR_HASH_BYTES];
};

void jr_hashfsm_init(struct jr_hashfsm *h);
/* The callbacks of h, for jr_cons_open / jr_cons_sim_new. */
struct jr_cons_fsm jr_hashfsm_fsm(struct jr_hashfsm *h);
/* What h applied at raft index `index` (first <= 16 bytes, NUL-padded), or
 * NULL if it applied nothing there that it still remembers. */
const uint8_t *jr_hashfsm_entry_at(const struct jr_hashfsm *h, uint64_t index);

#endif
