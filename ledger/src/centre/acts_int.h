/* Internal to ledger/src/centre: what every signed act shares (acts.c) and
 * the handler of each kind (policy.c, review.c, money.c, reflist.c). */
#ifndef JR_CENTRE_ACTS_INT_H
#define JR_CENTRE_ACTS_INT_H

#include "centre_int.h"
#include "jaring/cbor.h"

/* The signer's row of the roster. */
struct jr_cmember {
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	enum jr_role role;
	uint32_t agency;
	uint64_t region;
	uint32_t perms;
	uint64_t revoked_from;
};

/* An act whose envelope, header and signature passed; r stands after key 2
 * of a body map of `keys` keys. */
struct jr_act {
	enum jr_centre_kind kind;
	const uint8_t *payload, *body;
	size_t payload_len, body_len, keys;
	const uint8_t *opening; /* a comment's [salt, text], or NULL */
	size_t opening_len;
	uint8_t id[JR_HASH_BYTES];
	uint8_t signer[JR_ID_BYTES];
	uint64_t issued;
	struct jr_cbr r;
	struct jr_cmember m;
};

/* Agencies of the verification team (bits 1 << agency). */
#define JR_ACT_TEAM ((1u << JR_AGENCY_DISNAKER) | (1u << JR_AGENCY_DPMD) | \
	(1u << JR_AGENCY_DUKCAPIL) | (1u << JR_AGENCY_BPJSTK) | \
	(1u << JR_AGENCY_DISKOMINFO))

/* 0 if the signer is an official of one of `agencies` with every bit of
 * `perms` and not revoked; else REVOKED or NOT_PERMITTED. */
enum jr_centre_status jr_act_permit(const struct jr_act *a, uint32_t perms,
	uint32_t agencies);
/* Refuses the act as a whole (recorded once per status, with a leaf). */
int jr_act_refuse(struct jr_centre *c, const struct jr_act *a,
	enum jr_centre_status st, const uint8_t *subject, struct jr_centre_result *res);
/* Records the act as applied (its row and its leaf, n = what it counted). */
int jr_act_accept(struct jr_centre *c, const struct jr_act *a, uint64_t n,
	struct jr_centre_result *res);
/* One registration's outcome under an applied act: a leaf. */
int jr_act_item(struct jr_centre *c, const struct jr_act *a, uint32_t verb,
	const uint8_t regid[JR_REGID_BYTES], enum jr_centre_status st,
	const struct jr_verdict *v, struct jr_centre_result *res);

/* Reads key `key` holding an array of 1..max (0..max if empty_ok) byte
 * strings of `size` bytes in strictly ascending order; on success *at is
 * the offset of the first item's head and *n the count. jr_act_ids: the
 * array alone, its key read already. */
int jr_act_id_list(struct jr_cbr *r, uint64_t key, size_t size, size_t max,
	bool empty_ok, size_t *n, size_t *at);
int jr_act_ids(struct jr_cbr *r, size_t size, size_t max, bool empty_ok, size_t *n,
	size_t *at);
/* Reads the next byte string of a list checked by jr_act_id_list. */
const uint8_t *jr_act_next_id(struct jr_cbr *r);
/* Key `key`: text of 1..max printable ASCII bytes into out (NUL-ended). */
int jr_act_name(struct jr_cbr *r, uint64_t key, char *out, size_t max);
/* Writes the common head of an act body: map of n keys, 0 version, 1 the
 * signer's key id, 2 issued. */
void jr_act_head(struct jr_cbw *w, size_t n, const struct jr_key *k, int64_t issued);
/* Signs the body and wraps it into an entry of `kind`. */
int jr_act_finish(const struct jr_key *k, enum jr_centre_kind kind,
	struct jr_cbw *w, struct jr_buf *out);
/* A sorted copy of n ids of `size` bytes (JR_EINVAL for two equal ones). */
int jr_act_sorted(const uint8_t *ids, size_t n, size_t size, uint8_t **out);

/* The commitment a comment's body holds (docs/centre.md "Review act"). */
int jr_act_comment_commit(const uint8_t salt[JR_CENTRE_COMMENT_SALT_BYTES],
	const char *text, size_t len, uint8_t out[JR_HASH_BYTES]);

int jr_act_policy(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_review(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_view(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_decree(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_allocation(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_payment(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);
int jr_act_reflist(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res);

#endif
