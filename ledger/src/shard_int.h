/*
 * shard_int.h — internal hooks of shard.c for tests; not part of the API.
 */
#ifndef JR_SHARD_INT_H
#define JR_SHARD_INT_H

#include "jaring/shard.h"

/* durable=false sets PRAGMA synchronous=OFF and stops fsyncing the counter.
 * Only for tests that append many blocks to show a property other than
 * durability on a slow disk; crash tests never use it. */
int jr_shard_test_set_durable(struct jr_shard *s, bool durable);

#endif
