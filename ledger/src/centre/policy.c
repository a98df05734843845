/*
 * Policies per jurisdiction and the centre-only eligibility facts
 * (docs/centre.md "Policy", "Eligibility"): the policy act, the cache of the
 * policies in force, and the questions the other rules ask of them.
 */
#include <string.h>

#include "acts_int.h"
#include "jaring/region.h"

/* The regency of a village, district or regency code (3328012001 -> 3328). */
static uint64_t regency_of(uint64_t code)
{
	while (code > 9999)
		code /= 100;
	return code;
}

static const struct jr_cpolicy *find_exact(const struct jr_centre *c, uint64_t region)
{
	size_t i;

	for (i = 1; i < c->n_policies; i++)
		if (c->policies[i].region == region)
			return &c->policies[i];
	return NULL;
}

const struct jr_cpolicy *jr_centre_policy_for(const struct jr_centre *c, uint64_t code)
{
	const struct jr_cpolicy *p = code != 0 ? find_exact(c, regency_of(code)) : NULL;

	if (p == NULL)
		p = find_exact(c, 0);
	return p != NULL ? p : &c->policies[0];
}

void jr_centre_policy_rules(const struct jr_centre *c, uint64_t region, struct jr_policy *out)
{
	*out = jr_centre_policy_for(c, region)->rules;
}

int jr_centre_policies_load(struct jr_centre *c)
{
	sqlite3_stmt *st = NULL;
	int rc = JR_OK, s;

	c->n_policies = 1;
	if (sqlite3_prepare_v2(c->db, "SELECT region, rules, required, dtks FROM policy"
		" ORDER BY region", -1, &st, NULL) != SQLITE_OK)
		return JR_EIO;
	while ((s = sqlite3_step(st)) == SQLITE_ROW && rc == JR_OK) {
		struct jr_cpolicy *p = &c->policies[c->n_policies];

		if (c->n_policies > JR_CENTRE_MAX_POLICIES) {
			rc = JR_ECORRUPT;
			break;
		}
		memset(p, 0, sizeof *p);
		p->region = (uint64_t)sqlite3_column_int64(st, 0);
		if (jr_policy_decode(sqlite3_column_blob(st, 1),
			(size_t)sqlite3_column_bytes(st, 1), &p->rules, NULL) != JR_OK) {
			rc = JR_ECORRUPT;
			break;
		}
		p->required = (uint32_t)sqlite3_column_int64(st, 2);
		p->dtks = sqlite3_column_int(st, 3) != 0;
		c->n_policies++;
	}
	if (rc == JR_OK && s != SQLITE_DONE)
		rc = JR_EIO;
	(void)sqlite3_finalize(st);
	return rc;
}

int jr_centre_ref_has(struct jr_centre *c, enum jr_reflist kind,
	const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES], bool *has)
{
	sqlite3_stmt *st = jr_centre_stmt(c, S_REF_HAS);
	int rc;

	*has = false;
	if (c->ref_serial[kind] == 0)
		return JR_OK;
	(void)sqlite3_bind_int(st, 1, (int)kind);
	(void)sqlite3_bind_int64(st, 2, (sqlite3_int64)c->ref_serial[kind]);
	(void)sqlite3_bind_blob(st, 3, ps, JR_CENTRE_PSEUDONYM_BYTES, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*has = rc == SQLITE_ROW;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? JR_OK : JR_EIO;
}

int jr_centre_eligible(struct jr_centre *c, const uint8_t ps[JR_CENTRE_PSEUDONYM_BYTES],
	uint64_t district, bool *ok, enum jr_reason *why)
{
	const struct jr_cpolicy *pol = jr_centre_policy_for(c, district);
	bool has = false;
	int rc = jr_centre_ref_has(c, JR_REFLIST_WAGE_EARNERS, ps, &has);

	*ok = true;
	*why = JR_R_NONE;
	if (rc != JR_OK)
		return rc;
	if (has) {
		*ok = false;
		*why = JR_R_WAGE_EARNER;
		return JR_OK;
	}
	if (!pol->dtks || c->ref_serial[JR_REFLIST_DTKS] == 0)
		return JR_OK; /* without a DTKS list, only a decree asks (below) */
	rc = jr_centre_ref_has(c, JR_REFLIST_DTKS, ps, &has);
	if (rc == JR_OK && !has) {
		*ok = false;
		*why = JR_R_NOT_IN_DTKS;
	}
	return rc;
}

bool jr_centre_fully_approved(const struct jr_centre *c, uint64_t district,
	uint32_t approvals)
{
	uint32_t req = jr_centre_policy_for(c, district)->required;

	return (approvals & req) == req;
}

int jr_centre_reg_ineligible(struct jr_centre *c, const struct jr_creg *r,
	enum jr_reason why)
{
	struct jr_verdict v = { 1, { why } };
	uint8_t reasons[2] = { (uint8_t)((unsigned)why >> 8), (uint8_t)why };
	struct jr_buf leaf = { 0 };
	sqlite3_stmt *st = jr_centre_stmt(c, S_REG_PHASE);
	int rc;

	(void)sqlite3_bind_blob(st, 1, r->regid, JR_REGID_BYTES, SQLITE_STATIC);
	(void)sqlite3_bind_int(st, 2, JR_PH_REJECTED);
	(void)sqlite3_bind_int(st, 3, JR_CO_INELIGIBLE);
	(void)sqlite3_bind_blob(st, 4, reasons, 2, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_REG_PHASE);
	if (rc != JR_OK)
		return rc;
	rc = jr_centre_worker_release(c, r->pseudonym, r->regid);
	if (rc == JR_OK)
		rc = jr_centre_leaf_reg(r->regid, r->pseudonym, r->district, JR_CO_INELIGIBLE,
			&v, NULL, &leaf);
	if (rc == JR_OK)
		rc = jr_centre_log(c, &leaf);
	jr_buf_free(&leaf);
	return rc;
}

/* ---- the policy act (kind 3) ---- */

static bool policy_region_ok(uint64_t region)
{
	return region == 0 || jr_region_level_of(region) == JR_REGION_REGENCY;
}

int jr_act_policy(struct jr_centre *c, struct jr_act *a, struct jr_centre_result *res)
{
	const uint8_t *rules = NULL;
	size_t rules_len = 0;
	uint64_t region = 0, required = 0, dtks = 0;
	const struct jr_cpolicy *cur;
	struct jr_policy p;
	enum jr_centre_status st;
	sqlite3_stmt *s;
	int rc;

	(void)jr_cbr_key_uint(&a->r, 3, UINT64_C(9999999999), &region);
	if (jr_cbr_key(&a->r, 4) == JR_OK)
		(void)jr_cbr_bytes(&a->r, &rules, &rules_len);
	(void)jr_cbr_key_uint(&a->r, 5, JR_ACT_TEAM, &required);
	(void)jr_cbr_key_uint(&a->r, 6, 1, &dtks);
	if (a->keys != 7 || jr_cbr_end(&a->r) != JR_OK || !policy_region_ok(region) ||
		required == 0 || (required & ~(uint64_t)JR_ACT_TEAM) != 0 ||
		jr_policy_decode(rules, rules_len, &p, NULL) != JR_OK)
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	st = jr_act_permit(a, JR_PERM_POLICY, 1u << JR_AGENCY_BUPATI);
	if (st == 0 && !jr_region_within(region, a->m.region))
		st = JR_CS_OUT_OF_REGION;
	if (st != 0)
		return jr_act_refuse(c, a, st, NULL, res);
	cur = region != 0 ? find_exact(c, region) : NULL;
	if (cur == NULL)
		cur = jr_centre_policy_for(c, 0);
	if (p.version <= cur->rules.version)
		return jr_act_refuse(c, a, JR_CS_STALE_POLICY, NULL, res);
	if (find_exact(c, region) == NULL && c->n_policies > JR_CENTRE_MAX_POLICIES)
		return jr_act_refuse(c, a, JR_CS_MALFORMED, NULL, res);
	rc = jr_act_accept(c, a, 0, res);
	if (rc != JR_OK)
		return rc;
	s = jr_centre_stmt(c, S_POLICY_PUT);
	(void)sqlite3_bind_int64(s, 1, (sqlite3_int64)region);
	(void)sqlite3_bind_int64(s, 2, (sqlite3_int64)p.version);
	(void)sqlite3_bind_blob(s, 3, rules, (int)rules_len, SQLITE_STATIC);
	(void)sqlite3_bind_int64(s, 4, (sqlite3_int64)required);
	(void)sqlite3_bind_int(s, 5, (int)dtks);
	(void)sqlite3_bind_blob(s, 6, a->id, JR_HASH_BYTES, SQLITE_STATIC);
	rc = jr_centre_step_done(c, S_POLICY_PUT);
	return rc == JR_OK ? jr_centre_policies_load(c) : rc;
}
