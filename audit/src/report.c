/*
 * The audit's report: what was checked and what the ledger holds, in words
 * a reader without the specifications can follow (counts, money in whole
 * rupiah), or as one JSON object (docs/audit.md "Report").
 */
#include <inttypes.h>
#include <string.h>

#include "audit.h"

static const char *const agency_names[] = { "(none)", "Disnaker", "DPMD", "Dukcapil",
	"BPJS Ketenagakerjaan", "Diskominfo", "Regional head", "Funder" };
/* Table 1's rows, by sponsor type. */
static const char *const sponsor_names[] = { "", "Pemerintah (APBD)",
	"Perusahaan (company CSR)", "Desa (village funds)", "ASN Sertakan (civil servants)" };
static const char *const phase_names[] = { "", "in review", "returned", "rejected",
	"held", "decreed" };

/* 1234567 as "1,234,567". */
static const char *grouped(uint64_t v, char out[32])
{
	char digits[24];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, v), i, o = 0;

	for (i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
	return out;
}

struct totals {
	uint64_t workers, cost, paid, amount, decrees;
};

/* Table 1 as the log holds it: per sponsor type, the recipients of the
 * decrees its allocations pay, what those decrees promise and what was
 * paid. */
static void sponsor_totals(const struct jr_audit_money *m, struct totals t[5])
{
	size_t i, j;

	memset(t, 0, 5 * sizeof *t);
	for (i = 0; i < m->n_alloc; i++) {
		unsigned ty = m->alloc[i].type <= 4 ? (unsigned)m->alloc[i].type : 0;

		t[ty].amount += m->alloc[i].amount_rp;
		for (j = 0; j < m->n_decree; j++)
			if (strcmp(m->decree[j].allocation, m->alloc[i].id) == 0) {
				t[ty].workers += m->decree[j].count;
				t[ty].cost += m->decree[j].cost_rp;
				t[ty].paid += m->decree[j].paid_rp;
				t[ty].decrees++;
			}
	}
	for (i = 1; i <= 4; i++) {
		t[0].workers += t[i].workers;
		t[0].cost += t[i].cost;
		t[0].paid += t[i].paid;
		t[0].amount += t[i].amount;
		t[0].decrees += t[i].decrees;
	}
}

static void print_log(FILE *f, const struct jr_audit_opts *o, const struct jr_audit_report *r)
{
	char a[32];

	fprintf(f, "\nThe log\n");
	fprintf(f, "  %s entries under the latest checkpoint, signed by the log and cosigned by"
		" %zu of the %zu witnesses the trusted policy names (%zu needed).\n",
		grouped(r->log.size, a), r->log.cosigned, o->policy->n_witnesses, o->policy->quorum);
	fprintf(f, "  %zu checkpoints in the history, the oldest at %" PRIu64 " entries: each"
		" one's tree is the start of the latest, so nothing was rewritten.\n",
		r->log.checkpoints, r->log.oldest_size);
	fprintf(f, "  %" PRIu64 " tile files checked against the tree rebuilt from the"
		" entries themselves.\n", r->log.tiles_checked);
}

static void print_trust(FILE *f, const struct jr_audit_report *r)
{
	char fp[64];
	uint8_t id[JR_ID_BYTES];

	jr_keyid_from_pk(r->genesis_pk, id);
	jr_keyid_fingerprint(id, fp);
	fprintf(f, "\nSignatures and roster rules\n");
	fprintf(f, "  The first roster is signed by the consortium key %s (%s).\n", fp,
		r->genesis_pinned ? "as given with --consortium" :
		"taken from the export's genesis file: compare it with the key the programme"
		" published");
	fprintf(f, "  %" PRIu64 " rosters applied, %" PRIu64 " refused.\n", r->rosters,
		r->roster_refused);
	if (r->rotations > 0) {
		jr_keyid_from_pk(r->consortium_pk, id);
		jr_keyid_fingerprint(id, fp);
		fprintf(f, "  The rosters rotated the consortium key %" PRIu64 " time%s; the"
			" latest roster names %s, which signs the next roster.\n", r->rotations,
			r->rotations == 1 ? "" : "s", fp);
	}
	fprintf(f, "  %" PRIu64 " signed rosters and acts replayed through the contracts: every"
		" signature, every signer's role, agency and region, every rule.\n",
		r->signed_replayed);
	if (r->comments > 0)
		fprintf(f, "  %" PRIu64 " comments among them, signatures checked; their text stays"
			" with the nodes (an act signs only a salted commitment to it).\n",
			r->comments);
}

static void print_kiosks(FILE *f, const struct jr_audit_report *r)
{
	char id[2 * JR_ID_BYTES + 1], h[2 * JR_HASH_BYTES + 1];

	fprintf(f, "\nKiosks\n  %zu kiosks; %" PRIu64 " blocks applied, %" PRIu64 " refused,"
		" %" PRIu64 " equivocations (a kiosk signing two blocks at one height).\n",
		r->n_kiosks, r->blocks, r->blocks_refused, r->equivocations);
	for (size_t i = 0; i < r->n_kiosks && i < 50; i++) {
		jr_hex(r->kiosks[i].id, JR_ID_BYTES, id);
		jr_hex(r->kiosks[i].hash, JR_HASH_BYTES, h);
		fprintf(f, "  kiosk %s: chain head at height %" PRIu64 " (block %.16s…)%s\n", id,
			r->kiosks[i].head, h, r->kiosks[i].equivocated ? ", EQUIVOCATED" : "");
	}
	if (r->n_kiosks > 50)
		fprintf(f, "  … and %zu more (--json lists every one)\n", r->n_kiosks - 50);
}

static void print_regs(FILE *f, const struct jr_audit_report *r)
{
	const struct jr_audit_money *m = &r->money;
	uint64_t all = 0;
	char a[32];
	unsigned k;

	for (k = 1; k <= JR_CO_INELIGIBLE; k++)
		all += r->regs[k];
	fprintf(f, "\nRegistrations (the log holds no name, NIK, phone, birth date, address or"
		" village: only ids, keyed pseudonyms, districts and outcomes)\n");
	fprintf(f, "  %s registration decisions: %" PRIu64 " accepted, %" PRIu64 " returned for"
		" correction, %" PRIu64 " duplicates, %" PRIu64 " held, %" PRIu64 " unopenable,"
		" %" PRIu64 " ineligible.\n", grouped(all, a), r->regs[1], r->regs[2], r->regs[3],
		r->regs[4], r->regs[5], r->regs[6]);
	fprintf(f, "  No worker holds two registrations: every acceptance was checked against"
		" every earlier one.\n");
	for (size_t i = 0; i < m->n_district; i++) {
		const struct jr_centre_district_count *d = &m->district[i];

		fprintf(f, "  district %" PRIu64 ":", d->district);
		for (k = 1; k <= JR_PH_DECREED; k++)
			fprintf(f, " %" PRIu64 " %s%s", d->by_phase[k], phase_names[k],
				k < JR_PH_DECREED ? "," : "");
		fprintf(f, "\n");
	}
	fprintf(f, "\nReview by the verification team\n");
	for (k = 1; k <= 5; k++)
		fprintf(f, "  %-22s %" PRIu64 " approvals, %" PRIu64 " returns, personal data"
			" viewed for %" PRIu64 " registrations\n", agency_names[k], r->approvals[k],
			r->returns[k], r->views[k]);
}

static void print_money(FILE *f, const struct jr_audit_report *r)
{
	const struct jr_audit_money *m = &r->money;
	struct totals t[5];
	char a[32], b[32], c[32], d[32];
	size_t i;

	fprintf(f, "\nDecrees (each recipient approved by every agency its policy requires,"
		" eligible, and on no other decree at the same time; the allocation could pay it)\n");
	if (m->n_decree == 0)
		fprintf(f, "  none\n");
	for (i = 0; i < m->n_decree; i++) {
		const struct jr_centre_decree_state *x = &m->decree[i];

		fprintf(f, "  %s (region %" PRIu64 ", paid from %s): %s recipients from %u for %u"
			" months at Rp%s a month: Rp%s promised, Rp%s paid\n", x->number, x->region,
			x->allocation, grouped(x->count, a), x->start, x->months, grouped(x->rate_rp, b),
			grouped(x->cost_rp, c), grouped(x->paid_rp, d));
	}
	fprintf(f, "\nAllocations (every payment went to a decreed recipient for a month of"
		" its decree, once, within the allocation)\n");
	if (m->n_alloc == 0)
		fprintf(f, "  none\n");
	for (i = 0; i < m->n_alloc; i++) {
		const struct jr_centre_allocation *x = &m->alloc[i];

		fprintf(f, "  %s, %s, \"%s\": Rp%s, Rp%s promised by %" PRIu64 " decrees, Rp%s"
			" paid\n", x->id, x->type <= 4 ? sponsor_names[x->type] : "?", x->sponsor,
			grouped(x->amount_rp, a), grouped(x->committed_rp, b), x->decrees,
			grouped(x->paid_rp, c));
	}
	sponsor_totals(m, t);
	fprintf(f, "\nBy sponsor type (Table 1 of the programme, as this log holds it)\n");
	for (i = 0; i <= 4; i++) {
		const struct totals *x = &t[i == 4 ? 0 : i + 1];
		char rb[40], rc[40];

		(void)snprintf(rb, sizeof rb, "Rp%s", grouped(x->cost, b));
		(void)snprintf(rc, sizeof rc, "Rp%s", grouped(x->paid, c));
		fprintf(f, "  %-30s %10s workers %20s promised %20s paid\n",
			i == 4 ? "total" : sponsor_names[i + 1], grouped(x->workers, a), rb, rc);
	}
	fprintf(f, "  The totals per decree and per allocation add up to the rupiah.\n");
}

void jr_audit_print_text(FILE *f, const struct jr_audit_opts *o,
	const struct jr_audit_report *r)
{
	char h[2 * JR_HASH_BYTES + 1];

	fprintf(f, "Jaring public ledger audit: %s\nExport: %s\n", r->log.origin[0] ?
		r->log.origin : "(log not opened)", o->dir);
	if (r->failure[0] != '\0') {
		fprintf(f, "Result: FAILED. %s\n", r->failure);
		fprintf(f, "Nothing in this export can be trusted until that is explained;"
			" what was counted up to the failure follows.\n");
	} else {
		fprintf(f, "Result: PASSED. Every check below holds.\n");
	}
	print_log(f, o, r);
	print_trust(f, r);
	print_kiosks(f, r);
	print_regs(f, r);
	print_money(f, r);
	jr_hex(r->state_hash, JR_HASH_BYTES, h);
	fprintf(f, "\nState hash of the replay: %s\n", h);
	if (r->db_mode) {
		jr_hex(r->db_state_hash, JR_HASH_BYTES, h);
		fprintf(f, "State hash of the node's state file (%s, %" PRIu64 " leaves): %s%s\n",
			o->db, r->db_leaves, h, r->failure[0] ? "" : ": the same; every block,"
			" record and act replayed");
	}
}

/* ---- JSON ---- */

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void json_hex(FILE *f, const uint8_t *p, size_t n)
{
	char h[2 * JR_HASH_BYTES + 1];

	jr_hex(p, n, h);
	fprintf(f, "\"%s\"", h);
}

static void json_counts(FILE *f, const char *name, const uint64_t *v, unsigned from,
	unsigned to)
{
	fprintf(f, ",\"%s\":[", name);
	for (unsigned i = from; i <= to; i++)
		fprintf(f, "%s%" PRIu64, i > from ? "," : "", v[i]);
	fputc(']', f);
}

static void json_money(FILE *f, const struct jr_audit_money *m)
{
	struct totals t[5];
	size_t i;

	fprintf(f, ",\"allocations\":[");
	for (i = 0; i < m->n_alloc; i++) {
		const struct jr_centre_allocation *x = &m->alloc[i];

		fprintf(f, "%s{\"id\":", i ? "," : "");
		json_str(f, x->id);
		fprintf(f, ",\"sponsor_type\":%u,\"sponsor\":", (unsigned)x->type);
		json_str(f, x->sponsor);
		fprintf(f, ",\"amount_rp\":%" PRIu64 ",\"months\":%u,\"region\":%" PRIu64
			",\"committed_rp\":%" PRIu64 ",\"paid_rp\":%" PRIu64 ",\"decrees\":%" PRIu64 "}",
			x->amount_rp, x->months, x->region, x->committed_rp, x->paid_rp, x->decrees);
	}
	fprintf(f, "],\"decrees\":[");
	for (i = 0; i < m->n_decree; i++) {
		const struct jr_centre_decree_state *x = &m->decree[i];

		fprintf(f, "%s{\"number\":", i ? "," : "");
		json_str(f, x->number);
		fprintf(f, ",\"allocation\":");
		json_str(f, x->allocation);
		fprintf(f, ",\"region\":%" PRIu64 ",\"start\":%u,\"months\":%u,\"recipients\":%"
			PRIu64 ",\"rate_rp\":%" PRIu64 ",\"cost_rp\":%" PRIu64 ",\"paid_rp\":%" PRIu64
			"}", x->region, x->start, x->months, x->count, x->rate_rp, x->cost_rp,
			x->paid_rp);
	}
	fprintf(f, "],\"districts\":[");
	for (i = 0; i < m->n_district; i++) {
		fprintf(f, "%s{\"district\":%" PRIu64, i ? "," : "", m->district[i].district);
		json_counts(f, "by_phase", m->district[i].by_phase, 1, JR_PH_DECREED);
		fprintf(f, ",\"viewed\":%" PRIu64 "}", m->district[i].views);
	}
	sponsor_totals(m, t);
	fprintf(f, "],\"by_sponsor_type\":[");
	for (i = 1; i <= 4; i++)
		fprintf(f, "%s{\"sponsor_type\":%zu,\"workers\":%" PRIu64 ",\"committed_rp\":%"
			PRIu64 ",\"paid_rp\":%" PRIu64 ",\"allocated_rp\":%" PRIu64 "}", i > 1 ? "," : "",
			i, t[i].workers, t[i].cost, t[i].paid, t[i].amount);
	fprintf(f, "],\"total\":{\"workers\":%" PRIu64 ",\"committed_rp\":%" PRIu64
		",\"paid_rp\":%" PRIu64 ",\"allocated_rp\":%" PRIu64 "}", t[0].workers, t[0].cost,
		t[0].paid, t[0].amount);
}

void jr_audit_print_json(FILE *f, const struct jr_audit_opts *o,
	const struct jr_audit_report *r)
{
	fprintf(f, "{\"ok\":%s,\"failure\":", r->failure[0] ? "false" : "true");
	if (r->failure[0])
		json_str(f, r->failure);
	else
		fprintf(f, "null");
	if (r->failure_leaf != UINT64_MAX)
		fprintf(f, ",\"failure_leaf\":%" PRIu64, r->failure_leaf);
	fprintf(f, ",\"export\":");
	json_str(f, o->dir);
	fprintf(f, ",\"origin\":");
	json_str(f, r->log.origin);
	fprintf(f, ",\"size\":%" PRIu64 ",\"cosigned\":%zu,\"quorum\":%zu,\"checkpoints\":%zu,"
		"\"oldest_size\":%" PRIu64 ",\"tiles_checked\":%" PRIu64 ",\"genesis_key\":",
		r->log.size, r->log.cosigned, o->policy->quorum, r->log.checkpoints,
		r->log.oldest_size, r->log.tiles_checked);
	json_hex(f, r->genesis_pk, JR_SIGN_PK_BYTES);
	fprintf(f, ",\"consortium_rotations\":%" PRIu64 ",\"consortium_key\":", r->rotations);
	json_hex(f, r->consortium_pk, JR_SIGN_PK_BYTES);
	fprintf(f, ",\"genesis_pinned\":%s,\"rosters\":%" PRIu64 ",\"rosters_refused\":%" PRIu64
		",\"signed_replayed\":%" PRIu64 ",\"comments\":%" PRIu64 ",\"blocks\":%"
		PRIu64 ",\"blocks_refused\":%" PRIu64 ",\"equivocations\":%" PRIu64,
		r->genesis_pinned ? "true" : "false", r->rosters, r->roster_refused,
		r->signed_replayed, r->comments, r->blocks, r->blocks_refused, r->equivocations);
	json_counts(f, "registrations_by_outcome", r->regs, 1, JR_CO_INELIGIBLE);
	json_counts(f, "acts_by_kind", r->acts, 3, JR_CENTRE_KIND_MAX);
	json_counts(f, "acts_refused_by_kind", r->acts_refused, 3, JR_CENTRE_KIND_MAX);
	json_counts(f, "approvals_by_agency", r->approvals, 1, 5);
	json_counts(f, "returns_by_agency", r->returns, 1, 5);
	json_counts(f, "views_by_agency", r->views, 1, 5);
	fprintf(f, ",\"kiosks\":[");
	for (size_t i = 0; i < r->n_kiosks; i++) {
		fprintf(f, "%s{\"kiosk\":", i ? "," : "");
		json_hex(f, r->kiosks[i].id, JR_ID_BYTES);
		fprintf(f, ",\"head\":%" PRIu64 ",\"head_hash\":", r->kiosks[i].head);
		json_hex(f, r->kiosks[i].hash, JR_HASH_BYTES);
		fprintf(f, ",\"refused\":%" PRIu64 ",\"equivocated\":%s}", r->kiosks[i].refused,
			r->kiosks[i].equivocated ? "true" : "false");
	}
	fputc(']', f);
	json_money(f, &r->money);
	fprintf(f, ",\"state_hash\":");
	json_hex(f, r->state_hash, JR_HASH_BYTES);
	if (r->db_mode) {
		fprintf(f, ",\"node_state_hash\":");
		json_hex(f, r->db_state_hash, JR_HASH_BYTES);
		fprintf(f, ",\"node_leaves\":%" PRIu64, r->db_leaves);
	}
	fprintf(f, "}\n");
}
