/*
 * The audit (docs/audit.md "What is checked"). The log's own checks come
 * from jr_audit_log (every tile, every checkpoint under the trusted policy,
 * the history append-only); each leaf it hands over is then replayed into a
 * fresh state by the centre's own code, so the rules an auditor runs are
 * the rules the nodes ran, not a second copy of them:
 *
 *   - a roster or act leaf with its signed bytes in the export: the bytes
 *     are applied with jr_centre_apply (signature, roster rule, role,
 *     region, every contract check), and the leaves that gives must be the
 *     log's, byte for byte;
 *   - a leaf whose bytes only the nodes hold (blocks, whose records are
 *     sealed; refusals) is carried over with
 *     jr_centre_replay_leaf, which checks what can be checked without them
 *     (kiosk on the roster, chain heights, one worker per registration).
 *
 * With a node's state file, its blocks are applied too (the records opened
 * with the consortium key, the rules run, duplicates found), and after the
 * last leaf the replay's state hash must be the node's.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit.h"

#define ACT_FILE_MAX (4u * 1024u * 1024u + 128u)

struct auditor {
	const struct jr_audit_opts *o;
	struct jr_audit_report *rep;
	struct jr_centre *replay, *db;
	uint64_t index; /* leaf being checked */
};

static int fail(struct auditor *a, uint64_t index, const char *fmt, ...)
	JR_PRINTF(3, 4);

static int fail(struct auditor *a, uint64_t index, const char *fmt, ...)
{
	va_list ap;

	if (a->rep->failure[0] == '\0') {
		va_start(ap, fmt);
		(void)vsnprintf(a->rep->failure, sizeof a->rep->failure, fmt, ap);
		va_end(ap);
		a->rep->failure_leaf = index;
	}
	return JR_ECORRUPT;
}

static void short_hex(const uint8_t *p, size_t n, char *out)
{
	char hex[2 * JR_HASH_BYTES + 1];

	jr_hex(p, n, hex);
	hex[16] = '\0';
	memcpy(out, hex, 17);
}

/* The consortium key given whose public half is pk, or NULL. */
static const struct jr_key *held_key(const struct jr_audit_opts *o,
	const uint8_t pk[JR_SIGN_PK_BYTES])
{
	struct jr_pubkey p;

	for (size_t i = 0; i < o->n_consortium; i++) {
		jr_key_public(o->consortium[i], &p);
		if (memcmp(p.sign_pk, pk, JR_SIGN_PK_BYTES) == 0)
			return o->consortium[i];
	}
	return NULL;
}

static void key_id_hex(const uint8_t pk[JR_SIGN_PK_BYTES], char out[17])
{
	uint8_t id[JR_ID_BYTES];

	jr_keyid_from_pk(pk, id);
	short_hex(id, JR_ID_BYTES, out);
}

/* A leaf in words, for a failure message. */
static void describe(const struct jr_centre_leaf *l, char *out, size_t cap)
{
	char h[17], id[17], ref[17];

	short_hex(l->hash, JR_HASH_BYTES, h);
	short_hex(l->id, JR_ID_BYTES, id);
	short_hex(l->ref, JR_REGID_BYTES, ref);
	switch (l->type) {
	case JR_LEAF_ROSTER:
		(void)snprintf(out, cap, "roster serial %" PRIu64 " (body %s…) %s", l->n, h,
			jr_centre_status_name(l->status));
		break;
	case JR_LEAF_BLOCK:
		(void)snprintf(out, cap, "block %s… at height %" PRIu64 " of kiosk %s… %s", h,
			l->n, id, jr_centre_status_name(l->status));
		break;
	case JR_LEAF_REGISTRATION:
		(void)snprintf(out, cap, "registration %s… in district %" PRIu64 " %s%s%s%s", id,
			l->n, jr_centre_outcome_name(l->status), l->has_ref ? " (correcting " : "",
			l->has_ref ? ref : "", l->has_ref ? "…)" : "");
		break;
	case JR_LEAF_ACT:
		(void)snprintf(out, cap, "%s act %s… signed by key %s… %s, count %" PRIu64 "%s%s%s",
			jr_centre_kind_name(l->kind), h, id, jr_centre_status_name(l->status), l->n,
			l->has_ref ? " (because of registration " : "", l->has_ref ? ref : "",
			l->has_ref ? "…)" : "");
		break;
	case JR_LEAF_ITEM:
		(void)snprintf(out, cap, "%s act %s… on registration %s… by agency %u %s",
			jr_centre_kind_name(l->kind), h, id, l->agency,
			jr_centre_status_name(l->status));
		break;
	}
}

static void count_kiosk(struct jr_audit_report *rep, const struct jr_centre_leaf *l)
{
	struct jr_audit_kiosk *k = NULL;
	size_t i;

	for (i = 0; i < rep->n_kiosks && k == NULL; i++)
		if (memcmp(rep->kiosks[i].id, l->id, JR_ID_BYTES) == 0)
			k = &rep->kiosks[i];
	if (k == NULL) {
		if (rep->n_kiosks == rep->cap_kiosks) {
			size_t cap = rep->cap_kiosks ? 2 * rep->cap_kiosks : 16;
			struct jr_audit_kiosk *p = realloc(rep->kiosks, cap * sizeof *p);

			if (p == NULL)
				return; /* the counts stay; the per-kiosk table is short */
			rep->kiosks = p;
			rep->cap_kiosks = cap;
		}
		k = &rep->kiosks[rep->n_kiosks++];
		memset(k, 0, sizeof *k);
		memcpy(k->id, l->id, JR_ID_BYTES);
	}
	if (l->status == JR_CS_APPLIED) {
		k->head = l->n;
		memcpy(k->hash, l->hash, JR_HASH_BYTES);
	} else {
		k->refused++;
		k->equivocated = k->equivocated || l->status == JR_CS_EQUIVOCATION;
	}
}

/* The public counts, from the log's own leaves. */
static void count(struct jr_audit_report *rep, const struct jr_centre_leaf *l)
{
	bool ok = l->status == JR_CS_APPLIED;

	rep->leaves[l->type]++;
	switch (l->type) {
	case JR_LEAF_ROSTER:
		rep->rosters += ok;
		rep->roster_refused += !ok;
		break;
	case JR_LEAF_BLOCK:
		rep->blocks += ok;
		rep->blocks_refused += !ok;
		rep->equivocations += l->status == JR_CS_EQUIVOCATION;
		if (l->n > 0)
			count_kiosk(rep, l);
		break;
	case JR_LEAF_REGISTRATION:
		rep->regs[l->status]++;
		break;
	case JR_LEAF_ACT:
		rep->acts[l->kind] += ok;
		rep->acts_refused[l->kind] += !ok;
		break;
	case JR_LEAF_ITEM:
		rep->items += ok;
		rep->items_refused += !ok;
		if (ok && l->agency <= JR_AGENCY_MAX) {
			rep->approvals[l->agency] += l->kind == JR_CENTRE_REVIEW &&
				l->verb == JR_REVIEW_APPROVE;
			rep->returns[l->agency] += l->kind == JR_CENTRE_REVIEW &&
				l->verb == JR_REVIEW_RETURN;
			rep->views[l->agency] += l->kind == JR_CENTRE_VIEW;
			rep->comments += l->kind == JR_CENTRE_REVIEW && l->verb == JR_REVIEW_COMMENT;
		}
		break;
	}
}

/* The export's file of an applied roster or act, as an entry; JR_ENOTFOUND
 * if the folder has none. */
static int export_entry(struct auditor *a, const struct jr_centre_leaf *l,
	struct jr_buf *entry)
{
	char path[4096], hex[2 * JR_HASH_BYTES + 1], have[2 * JR_HASH_BYTES + 1];
	struct jr_buf b = { 0 };
	uint8_t id[JR_HASH_BYTES];
	struct jr_errbuf eb;
	int rc, n;

	jr_hex(l->hash, JR_HASH_BYTES, hex);
	if (l->type == JR_LEAF_ROSTER)
		n = snprintf(path, sizeof path, "%s/roster/%" PRIu64, a->o->dir, l->n);
	else
		n = snprintf(path, sizeof path, "%s/act/%s", a->o->dir, hex);
	if (n < 0 || (size_t)n >= sizeof path)
		return JR_EINVAL;
	if (access(path, F_OK) != 0)
		return JR_ENOTFOUND;
	memset(&eb, 0, sizeof eb);
	rc = jr_file_read(path, ACT_FILE_MAX, &b, &eb);
	if (rc != JR_OK)
		return fail(a, a->index, "%s: cannot be read: %s", path, eb.msg);
	rc = l->type == JR_LEAF_ROSTER ? jr_centre_roster_entry_signed(b.base, b.len, entry)
		: jr_centre_act_entry_signed((enum jr_centre_kind)l->kind, b.base, b.len, entry);
	jr_buf_free(&b);
	if (rc != JR_OK)
		return fail(a, a->index, "%s: not a signed %s", path,
			l->type == JR_LEAF_ROSTER ? "roster" : "act");
	if (l->type == JR_LEAF_ACT && (jr_centre_act_id(entry->base, entry->len, id) != JR_OK ||
		memcmp(id, l->hash, JR_HASH_BYTES) != 0)) {
		jr_hex(id, JR_HASH_BYTES, have);
		jr_buf_free(entry);
		return fail(a, a->index, "act/%s: its bytes are another act (they hash to"
			" %.16s…): the act was altered after it was signed and logged", hex, have);
	}
	return JR_OK;
}

/* The node's signed bytes of an applied roster, block or act, as an entry. */
static int db_entry(struct auditor *a, const struct jr_centre_leaf *l, struct jr_buf *entry)
{
	struct jr_buf b = { 0 };
	int rc = jr_centre_leaf_signed(a->db, l, &b);

	if (rc != JR_OK)
		return rc;
	if (l->type == JR_LEAF_ROSTER)
		rc = jr_centre_roster_entry_signed(b.base, b.len, entry);
	else if (l->type == JR_LEAF_BLOCK)
		rc = jr_centre_upstream_entry(&b, 1, entry);
	else
		rc = jr_centre_act_entry_signed((enum jr_centre_kind)l->kind, b.base, b.len, entry);
	jr_buf_free(&b);
	return rc;
}

static int compare(struct auditor *a, uint64_t index, const uint8_t *leaf, size_t len)
{
	struct jr_buf mine = { 0 };
	struct jr_centre_leaf lg, lm;
	char dg[256], dm[256];
	int rc = jr_centre_leaf(a->replay, index, &mine);

	if (rc != JR_OK)
		return fail(a, index, "leaf %" PRIu64 ": the replay cannot read its own"
			" leaf (%s)", index, jr_strerror(rc));
	if (mine.len == len && memcmp(mine.base, leaf, len) == 0) {
		jr_buf_free(&mine);
		return JR_OK;
	}
	if (jr_centre_leaf_decode(mine.base, mine.len, &lm) != JR_OK)
		memset(&lm, 0, sizeof lm);
	jr_buf_free(&mine);
	if (jr_centre_leaf_decode(leaf, len, &lg) != JR_OK)
		return fail(a, index, "leaf %" PRIu64 " is not a leaf the centre writes", index);
	describe(&lg, dg, sizeof dg);
	describe(&lm, dm, sizeof dm);
	return fail(a, index, "leaf %" PRIu64 ": the log says %s, but the centre's own"
		" rules, replayed on the signed acts, give %s", index, dg, dm);
}

/* After an applied roster: a rotation is counted when it names another
 * consortium key than the roster before; with --db the replay must hold
 * that key, which the records sealed from then on open with. */
static int roster_key(struct auditor *a, uint64_t index, const char *d)
{
	uint8_t next[JR_SIGN_PK_BYTES];
	char id[17];

	jr_centre_roster_signer(a->replay, next);
	if (memcmp(next, a->rep->consortium_pk, JR_SIGN_PK_BYTES) != 0) {
		a->rep->rotations++;
		memcpy(a->rep->consortium_pk, next, JR_SIGN_PK_BYTES);
	}
	if (a->db == NULL || held_key(a->o, next) != NULL)
		return JR_OK;
	key_id_hex(next, id);
	return fail(a, index, "leaf %" PRIu64 " (%s) rotates to consortium key %s…, which"
		" none of the --consortium-key files is: the records sealed to it open only"
		" with it; give its key file (from the rotation's ceremony) with another"
		" --consortium-key", index, d, id);
}

/* One leaf of the log, whichever source it came from. */
static int step(struct auditor *a, uint64_t index, const uint8_t *leaf, size_t len)
{
	struct jr_buf entry = { 0 };
	struct jr_centre_leaf l;
	struct jr_errbuf eb;
	char d[256];
	int rc;

	a->index = index;
	if (jr_centre_tlog_size(a->replay) > index) {
		/* a leaf the replay gave already: the same bytes, or the audit
		 * fails; then they are the centre's own encoding, and are read
		 * without being proven canonical again */
		rc = compare(a, index, leaf, len);
		if (rc == JR_OK && jr_centre_leaf_fields(leaf, len, &l) != JR_OK)
			rc = fail(a, index, "leaf %" PRIu64 " is not a leaf the centre writes", index);
		if (rc == JR_OK)
			count(a->rep, &l);
		return rc;
	}
	if (jr_centre_leaf_decode(leaf, len, &l) != JR_OK)
		return fail(a, index, "leaf %" PRIu64 " is not a leaf the centre writes", index);
	count(a->rep, &l);
	rc = JR_ENOTFOUND;
	if (l.status == JR_CS_APPLIED) {
		if (a->db != NULL)
			rc = db_entry(a, &l, &entry);
		else if (l.type == JR_LEAF_ROSTER || l.type == JR_LEAF_ACT)
			rc = export_entry(a, &l, &entry);
	}
	memset(&eb, 0, sizeof eb);
	if (rc == JR_ENOTFOUND) {
		rc = jr_centre_replay_leaf(a->replay, leaf, len, &eb);
		if (rc == JR_ECORRUPT) {
			describe(&l, d, sizeof d);
			return fail(a, index, "leaf %" PRIu64 " (%s): %s", index, d, eb.msg);
		}
		if (rc != JR_OK)
			return fail(a, index, "leaf %" PRIu64 ": the replay stopped: %s", index,
				eb.msg);
		return JR_OK;
	}
	if (rc != JR_OK)
		return rc;
	rc = jr_centre_apply(a->replay, entry.base, entry.len, NULL, &eb);
	jr_buf_free(&entry);
	if (rc != JR_OK)
		return fail(a, index, "leaf %" PRIu64 ": the replay stopped: %s", index, eb.msg);
	a->rep->signed_replayed += l.type != JR_LEAF_BLOCK;
	describe(&l, d, sizeof d); /* once an act or a roster, not for every block */
	if (jr_centre_tlog_size(a->replay) <= index)
		return fail(a, index, "leaf %" PRIu64 ": the log says %s, but its signed bytes,"
			" replayed, change nothing: an act or roster logged twice", index, d);
	rc = compare(a, index, leaf, len);
	if (rc == JR_OK && l.type == JR_LEAF_ROSTER)
		rc = roster_key(a, index, d);
	return rc;
}

static int on_leaf(void *ctx, uint64_t index, const uint8_t *leaf, size_t len,
	struct jr_errbuf *eb)
{
	struct auditor *a = ctx;
	int rc = step(a, index, leaf, len);

	if (rc != JR_OK && a->rep->failure[0] != '\0')
		return jr_errf(eb, rc, "%s", a->rep->failure);
	return rc;
}

static void progress(void *ctx, uint64_t done, uint64_t total)
{
	(void)ctx;
	fprintf(stderr, "jaring-audit: %" PRIu64 " of %" PRIu64 " leaves checked\n", done,
		total);
}

static int read_genesis(const struct jr_audit_opts *o, uint8_t pk[JR_SIGN_PK_BYTES],
	struct jr_policy *pol, struct jr_audit_report *rep)
{
	char path[4096];
	struct jr_buf b = { 0 };
	struct jr_errbuf eb;
	int rc, n = snprintf(path, sizeof path, "%s/genesis", o->dir);

	memset(&eb, 0, sizeof eb);
	if (n < 0 || (size_t)n >= sizeof path)
		return JR_EINVAL;
	rc = jr_file_read(path, 4096, &b, &eb);
	if (rc == JR_OK)
		rc = jr_centre_genesis_decode(b.base, b.len, pk, pol, &eb);
	jr_buf_free(&b);
	if (rc != JR_OK) {
		(void)snprintf(rep->failure, sizeof rep->failure, "%s: %s; an export holds"
			" the genesis file (docs/export.md)", path, eb.msg);
		return JR_ECORRUPT;
	}
	memcpy(rep->genesis_pk, pk, JR_SIGN_PK_BYTES);
	memcpy(rep->consortium_pk, pk, JR_SIGN_PK_BYTES);
	rep->genesis_pinned = o->genesis_pk != NULL;
	if (o->genesis_pk != NULL && memcmp(o->genesis_pk, pk, JR_SIGN_PK_BYTES) != 0) {
		(void)snprintf(rep->failure, sizeof rep->failure, "%s: the export's first"
			" consortium key is not the one given with --consortium: this export is"
			" of another programme, or its rosters were forged from the start", path);
		return JR_ECORRUPT;
	}
	return JR_OK;
}

/* ---- money: what the replayed contract holds, cross-checked ---- */

static int keep_alloc(void *arg, const struct jr_centre_allocation *x)
{
	struct jr_audit_money *m = arg;
	void *p = realloc(m->alloc, (m->n_alloc + 1) * sizeof *m->alloc);

	if (p == NULL)
		return JR_ENOMEM;
	m->alloc = p;
	m->alloc[m->n_alloc++] = *x;
	return JR_OK;
}

static int keep_decree(void *arg, const struct jr_centre_decree_state *x)
{
	struct jr_audit_money *m = arg;
	void *p = realloc(m->decree, (m->n_decree + 1) * sizeof *m->decree);

	if (p == NULL)
		return JR_ENOMEM;
	m->decree = p;
	m->decree[m->n_decree++] = *x;
	return JR_OK;
}

static int keep_district(void *arg, const struct jr_centre_district_count *x)
{
	struct jr_audit_money *m = arg;
	void *p = realloc(m->district, (m->n_district + 1) * sizeof *m->district);

	if (p == NULL)
		return JR_ENOMEM;
	m->district = p;
	m->district[m->n_district++] = *x;
	return JR_OK;
}

/* Every decree costs recipients x months x rate and was paid at most that,
 * in whole months of its recipients; every allocation promised exactly what
 * its decrees cost and paid exactly what they were paid, within its amount. */
static int check_money(struct auditor *a)
{
	const struct jr_audit_money *m = &a->rep->money;
	size_t i, j;

	for (j = 0; j < m->n_decree; j++) {
		const struct jr_centre_decree_state *d = &m->decree[j];

		if (d->count * d->months * d->rate_rp != d->cost_rp || d->paid_rp > d->cost_rp ||
			(d->rate_rp > 0 && d->paid_rp % d->rate_rp != 0))
			return fail(a, UINT64_MAX, "decree %s: cost Rp%" PRIu64 " is not %" PRIu64
				" recipients x %u months x Rp%" PRIu64 ", or paid Rp%" PRIu64
				" is beyond it", d->number, d->cost_rp, d->count, d->months,
				d->rate_rp, d->paid_rp);
	}
	for (i = 0; i < m->n_alloc; i++) {
		const struct jr_centre_allocation *x = &m->alloc[i];
		uint64_t cost = 0, paid = 0, n = 0;

		for (j = 0; j < m->n_decree; j++)
			if (strcmp(m->decree[j].allocation, x->id) == 0) {
				cost += m->decree[j].cost_rp;
				paid += m->decree[j].paid_rp;
				n++;
			}
		if (cost != x->committed_rp || paid != x->paid_rp || n != x->decrees)
			return fail(a, UINT64_MAX, "allocation %s: its decrees cost Rp%" PRIu64
				" and were paid Rp%" PRIu64 ", but it records Rp%" PRIu64 " promised"
				" and Rp%" PRIu64 " paid", x->id, cost, paid, x->committed_rp,
				x->paid_rp);
		if (x->committed_rp > x->amount_rp || x->paid_rp > x->committed_rp)
			return fail(a, UINT64_MAX, "allocation %s: Rp%" PRIu64 " promised and Rp%"
				PRIu64 " paid out of Rp%" PRIu64 ": beyond its amount", x->id,
				x->committed_rp, x->paid_rp, x->amount_rp);
	}
	return JR_OK;
}

/* ---- the node's state file ---- */

static int apply_pending(void *arg, const uint8_t *entry, size_t len)
{
	struct auditor *a = arg;
	struct jr_errbuf eb;

	memset(&eb, 0, sizeof eb);
	return jr_centre_apply(a->replay, entry, len, NULL, &eb);
}

/* The node's leaves past the export, then its pending blocks; its state
 * hash must then be the replay's. */
static int finish_db(struct auditor *a)
{
	struct jr_audit_report *rep = a->rep;
	uint64_t i, n = jr_centre_tlog_size(a->db);
	struct jr_errbuf eb;
	int rc = JR_OK;

	rep->db_mode = true;
	rep->db_leaves = n;
	for (i = rep->log.size; rc == JR_OK && i < n; i++) {
		struct jr_buf leaf = { 0 };

		rc = jr_centre_leaf(a->db, i, &leaf);
		if (rc != JR_OK)
			return fail(a, i, "the node's state file: leaf %" PRIu64 " cannot be read",
				i);
		rc = step(a, i, leaf.base, leaf.len);
		jr_buf_free(&leaf);
	}
	memset(&eb, 0, sizeof eb);
	if (rc == JR_OK)
		rc = jr_centre_replay_flush(a->replay, &eb);
	if (rc == JR_OK)
		rc = jr_centre_pending_each(a->db, apply_pending, a, &eb);
	if (rc != JR_OK)
		return rep->failure[0] ? rc : fail(a, UINT64_MAX, "the node's state file: %s",
			eb.msg[0] ? eb.msg : jr_strerror(rc));
	if (jr_centre_tlog_size(a->replay) != n)
		return fail(a, UINT64_MAX, "the replay holds %" PRIu64 " leaves, the node's"
			" state file %" PRIu64, jr_centre_tlog_size(a->replay), n);
	jr_centre_state_hash(a->db, rep->db_state_hash);
	jr_centre_state_hash(a->replay, rep->state_hash);
	if (memcmp(rep->db_state_hash, rep->state_hash, JR_HASH_BYTES) != 0) {
		char x[2 * JR_HASH_BYTES + 1], y[2 * JR_HASH_BYTES + 1];

		jr_hex(rep->state_hash, JR_HASH_BYTES, x);
		jr_hex(rep->db_state_hash, JR_HASH_BYTES, y);
		return fail(a, UINT64_MAX, "the contracts, replayed from the node's own bytes,"
			" reach state hash %s, but the node's state file is at %s: the node's"
			" state was changed outside its log", x, y);
	}
	return JR_OK;
}

/* The keys a rotation brought in (every key given but the genesis key),
 * into the node's state and the replay alike. */
static int add_later_keys(struct auditor *a, const struct jr_key *genesis,
	struct jr_errbuf *eb)
{
	const struct jr_audit_opts *o = a->o;
	struct jr_pubkey p;
	char id[17];
	int rc = JR_OK;

	for (size_t i = 0; rc == JR_OK && i < o->n_consortium; i++) {
		if (o->consortium[i] == genesis)
			continue;
		rc = jr_centre_add_consortium_key(a->db, o->consortium[i], eb);
		if (rc == JR_OK)
			rc = jr_centre_add_consortium_key(a->replay, o->consortium[i], eb);
		if (rc == JR_EEXIST) {
			jr_key_public(o->consortium[i], &p);
			key_id_hex(p.sign_pk, id);
			return jr_errf(eb, rc, "--consortium-key: consortium key %s… is given"
				" twice; give each key file once", id);
		}
	}
	return rc;
}

/* With --db: the node's state and the replay are opened with the genesis
 * key (found among the keys given) and hold every later key given. */
static int open_states(struct auditor *a, const uint8_t pk[JR_SIGN_PK_BYTES],
	const struct jr_policy *pol, struct jr_errbuf *eb)
{
	const struct jr_audit_opts *o = a->o;
	const struct jr_key *genesis = NULL;
	char path[4096], id[17];
	int rc, n = snprintf(path, sizeof path, "%s/replay.db", o->work);

	if (n < 0 || (size_t)n >= sizeof path)
		return jr_errf(eb, JR_EINVAL, "work folder %s: name too long", o->work);
	if (o->db != NULL) {
		struct stat sb;

		if (stat(o->db, &sb) != 0)
			return jr_errf(eb, JR_EIO, "node state file %s: %s", o->db, strerror(errno));
		genesis = held_key(o, pk);
		if (genesis == NULL) {
			key_id_hex(pk, id);
			return jr_errf(eb, JR_EKEY, "none of the %zu --consortium-key files is the"
				" export's genesis consortium key (key id %s…): give the key file of"
				" the programme's first consortium key too", o->n_consortium, id);
		}
		rc = jr_centre_open(o->db, genesis, o->pseudonym_key, pol, &a->db, eb);
		if (rc != JR_OK)
			return jr_errf(eb, rc, "node state file %s: opened with the export's genesis"
				" policy and consortium key", o->db);
	}
	rc = jr_centre_open_replay(path, pk, genesis, o->db != NULL ? o->pseudonym_key : NULL,
		pol, &a->replay, eb);
	if (rc == JR_OK && o->db != NULL)
		rc = add_later_keys(a, genesis, eb);
	return rc;
}

static void close_states(struct auditor *a)
{
	char path[4096];
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };

	jr_centre_close(a->replay);
	jr_centre_close(a->db);
	for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
		int n = snprintf(path, sizeof path, "%s/replay.db%s", a->o->work, ext[i]);

		if (n > 0 && (size_t)n < sizeof path)
			(void)unlink(path);
	}
}

int jr_audit_run(const struct jr_audit_opts *o, struct jr_audit_report *rep,
	struct jr_errbuf *eb)
{
	struct auditor a = { o, rep, NULL, NULL, 0 };
	uint8_t pk[JR_SIGN_PK_BYTES];
	struct jr_policy pol;
	struct jr_errbuf leb;
	int rc;

	memset(rep, 0, sizeof *rep);
	rep->failure_leaf = UINT64_MAX;
	rc = read_genesis(o, pk, &pol, rep);
	if (rc != JR_OK)
		return rc;
	rc = open_states(&a, pk, &pol, eb);
	if (rc != JR_OK) {
		close_states(&a);
		return rc;
	}
	memset(&leb, 0, sizeof leb);
	/* on_leaf appends every leaf to the replay's tree, so the tiles and
	 * checkpoints are checked against it: the tree is built once. */
	rc = jr_audit_log(o->dir, o->policy, on_leaf, &a, jr_centre_tlog_store(a.replay),
		&rep->log, o->progress ? progress : NULL, NULL, &leb);
	if (rc != JR_OK && rep->failure[0] == '\0')
		(void)snprintf(rep->failure, sizeof rep->failure, "%s", leb.msg[0] ? leb.msg :
			jr_strerror(rc));
	if (rc == JR_OK && (rc = jr_centre_replay_flush(a.replay, &leb)) != JR_OK)
		(void)fail(&a, UINT64_MAX, "the replay: %s", leb.msg);
	if (rc == JR_OK && jr_centre_tlog_size(a.replay) != rep->log.size)
		rc = fail(&a, UINT64_MAX, "the replay gives %" PRIu64 " leaves where the"
			" checkpoint has %" PRIu64 ": the last act's leaves are cut off",
			jr_centre_tlog_size(a.replay), rep->log.size);
	if (rc == JR_OK && o->db != NULL)
		rc = finish_db(&a);
	if (rc == JR_OK)
		jr_centre_state_hash(a.replay, rep->state_hash);
	if (rc == JR_OK)
		rc = jr_centre_summary(a.replay, keep_alloc, keep_decree, keep_district,
			&rep->money, &leb);
	if (rc == JR_OK)
		rc = check_money(&a);
	close_states(&a);
	return rc;
}

void jr_audit_report_free(struct jr_audit_report *rep)
{
	free(rep->kiosks);
	free(rep->money.alloc);
	free(rep->money.decree);
	free(rep->money.district);
	memset(rep, 0, sizeof *rep);
}
