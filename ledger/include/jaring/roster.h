/*
 * jaring/roster.h — the consortium-signed roster: every key the programme
 * trusts (kiosks, field officers, nodes, agency officials), what each may do,
 * and revocations; and the consortium key that signs the next roster and that
 * records are sealed to (how the consortium key rotates). Byte layout:
 * docs/formats.md "Roster".
 *
 * The centre applies rosters as log entries (centre.h kind 1); the
 * downstream bundle carries the latest one to each kiosk, which trusts
 * officers and other kiosks only from it. Nobody trusts a key because a
 * bundle or a shard says so.
 *
 * Signed form: CBOR [body bstr, sig bstr 64], sig = Ed25519(signer,
 * "jaring/roster/v2" || 0x00 || BLAKE2b-256(body)) (jr_sign_hash), where the
 * signer is the consortium key of the roster before (or the pinned key, for
 * the first).
 *
 * Body: A4  00 02  01 <serial uint 1..>  02 <consortium Ed25519 pk bstr 32>
 *           03 [member ...]  (members in strictly ascending key id order)
 * member: A7 00 <key id bstr 16> 01 <Ed25519 pk bstr 32> 02 <role uint>
 *           03 <agency uint> 04 <region uint> 05 <permissions uint>
 *           06 <revoked_from uint, 0: not revoked>
 */
#ifndef JARING_ROSTER_H
#define JARING_ROSTER_H

#include "common.h"
#include "keys.h"

#define JR_ROSTER_VERSION 2
#define JR_ROSTER_DOMAIN "jaring/roster/v2"
#define JR_ROSTER_MAX_MEMBERS 8192
#define JR_ROSTER_MEMBER_MAX_BYTES 96
#define JR_ROSTER_MAX_BYTES \
	((size_t)JR_ROSTER_MAX_MEMBERS * JR_ROSTER_MEMBER_MAX_BYTES + 160)

/* The agencies of the consortium (a member's `agency`; 0 = none). */
enum jr_agency {
	JR_AGENCY_NONE = 0,
	JR_AGENCY_DISNAKER = 1,   /* Dinas Tenaga Kerja: labour office */
	JR_AGENCY_DPMD = 2,       /* Dinas Pemberdayaan Masyarakat dan Desa: villages */
	JR_AGENCY_DUKCAPIL = 3,   /* civil registry: NIK and family cards */
	JR_AGENCY_BPJSTK = 4,     /* BPJS Ketenagakerjaan: the insurer */
	JR_AGENCY_DISKOMINFO = 5, /* communications office: runs the kiosks */
	JR_AGENCY_BUPATI = 6,     /* the regional head's office (Bupati / Wali Kota) */
	JR_AGENCY_FUNDER = 7      /* a sponsor: APBD, CSR, village funds, civil servants */
};
#define JR_AGENCY_MAX 7

/* What a member may do (a member's `permissions`, a bit set). */
enum jr_perm {
	JR_PERM_UPLOAD = 1u << 0,   /* kiosk: its blocks are accepted */
	JR_PERM_SYNC = 1u << 1,     /* officer: carries drives, opens officer mode */
	JR_PERM_APPROVE = 1u << 2,  /* official: approve a registration */
	JR_PERM_RETURN = 1u << 3,   /* official: return one with reasons */
	JR_PERM_COMMENT = 1u << 4,
	JR_PERM_VIEW_PERSONAL = 1u << 5, /* verification team: see name, NIK, ... */
	JR_PERM_DECREE = 1u << 6,   /* regional head, within `region` */
	JR_PERM_ALLOCATE = 1u << 7, /* funding allocations */
	JR_PERM_PAY = 1u << 8,      /* contribution payments */
	JR_PERM_REFLIST = 1u << 9,  /* signs reference lists of its agency */
	JR_PERM_POLICY = 1u << 10,  /* policy versions */
	JR_PERM_WITNESS = 1u << 11  /* node: cosigns checkpoints */
};
#define JR_PERM_ALL ((1u << 12) - 1)

struct jr_roster_member {
	uint8_t id[JR_ID_BYTES];          /* jr_keyid_from_pk(sign_pk) */
	uint8_t sign_pk[JR_SIGN_PK_BYTES];
	enum jr_role role;                /* kiosk, officer, node, official */
	uint32_t agency;                  /* enum jr_agency */
	/* Where the member acts, as a region code of region.h: a kiosk's
	 * village (10 digits), an officer's or a regional head's regency (4)
	 * or district (6); 0 = everywhere. */
	uint64_t region;
	uint32_t perms;                   /* enum jr_perm bits */
	/* 0: not revoked. A kiosk: the first block height refused. Anyone
	 * else: the roster serial that revoked the key (refused from then). */
	uint64_t revoked_from;
};

struct jr_roster {
	uint64_t serial;
	uint8_t consortium_pk[JR_SIGN_PK_BYTES]; /* signs the next roster */
	struct jr_roster_member *m;              /* ascending id */
	size_t n;
	uint8_t hash[JR_HASH_BYTES];             /* BLAKE2b-256 of the body */
};

/* Signs a roster with `signer` (role JR_ROLE_CONSORTIUM): members in any
 * order (sorted here; two with one id are JR_EINVAL), next_consortium_pk the
 * key that signs the following roster (NULL: signer's own). out is the
 * signed form, malloc'd. */
JR_API int jr_roster_sign(const struct jr_key *signer, uint64_t serial,
	const uint8_t next_consortium_pk[JR_SIGN_PK_BYTES],
	const struct jr_roster_member *m, size_t n, struct jr_buf *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* Checks the signature against signer_pk, then decodes strictly (canonical,
 * members ascending, roles and bits in range, ids matching keys). On success
 * out->m is malloc'd (jr_roster_free). JR_ESIG, JR_EFORMAT, JR_EVERSION,
 * JR_ETOOBIG. */
JR_API int jr_roster_open(const uint8_t *p, size_t len,
	const uint8_t signer_pk[JR_SIGN_PK_BYTES], struct jr_roster *out,
	struct jr_errbuf *eb) JR_MUST_CHECK;
JR_API void jr_roster_free(struct jr_roster *r);

/* The member with key id `id`, or NULL (binary search). */
JR_API const struct jr_roster_member *jr_roster_find(const struct jr_roster *r,
	const uint8_t id[JR_ID_BYTES]);

/* JR_OK if `id` is on the roster with `role`, every bit of `perms`, not
 * revoked (for a kiosk: not revoked at or below `height`; pass 0 for "now")
 * and within `region` when both regions are given (one region code is
 * within another if it starts with its digits; 0 matches anything).
 * Otherwise JR_ENOTFOUND (not on it) or JR_EKEY (another role, a missing
 * permission, revoked, or outside the region), with a message naming the
 * key's short id and which of these it is. */
JR_API int jr_roster_check(const struct jr_roster *r, const uint8_t id[JR_ID_BYTES],
	enum jr_role role, uint32_t perms, uint64_t region, uint64_t height,
	struct jr_errbuf *eb) JR_MUST_CHECK;

/* True if region code `inner` lies within `outer` (3328 contains
 * 3328010001; 0 contains everything). */
JR_API bool jr_region_within(uint64_t inner, uint64_t outer);

#endif
