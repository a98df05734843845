/*
 * policyfile.c — which checkpoints to trust, as a c2sp.org/tlog-policy file:
 * the subset jaring-node writes and reads and jaring-audit trusts
 * (docs/node.md "Cosigning policy", docs/tlog.md):
 *
 *   log <vkey of the log, alg 01, named by the origin>
 *   witness <name> <vkey, alg 04>          (1..7 lines)
 *   group <name> <k> <witness name>...     (one group)
 *   quorum <group name>                    (or "quorum none")
 *
 * Blank lines and lines starting with '#' are ignored. Anything else,
 * unknown witnesses in the group, k out of range, two witnesses with one
 * key: refused.
 */
#include <string.h>

#include "jaring/tlog.h"

#define WORDS_MAX 10

static size_t split(char *line, char **w)
{
	size_t n = 0;
	char *p = line;

	while (*p != '\0' && n < WORDS_MAX) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (*p == '\0')
			break;
		w[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
	}
	return n;
}

/* A decimal 1..max, no sign, no leading zero. */
static bool parse_k(const char *w, size_t max, uint64_t *k)
{
	uint64_t v = 0;

	if (w[0] == '0' || w[0] == '\0')
		return false;
	for (; *w != '\0'; w++) {
		if (*w < '0' || *w > '9' || v > max)
			return false;
		v = v * 10 + (uint64_t)(*w - '0');
	}
	*k = v;
	return v >= 1 && v <= max;
}

struct pstate {
	struct jr_tlog_policy_file *out;
	bool have_log, have_group, have_quorum, none;
	char names[JR_TLOG_POLICY_WITNESSES_MAX][JR_NOTE_NAME_MAX + 1];
	char group[JR_NOTE_NAME_MAX + 1];
	uint64_t k;
	size_t n_members;
};

static int line_log(struct pstate *s, char **w, size_t n, unsigned ln,
	struct jr_errbuf *eb)
{
	if (n != 2 || s->have_log)
		return jr_errf(eb, JR_EFORMAT, "line %u: one 'log VKEY' line", ln);
	if (jr_note_vkey_parse(w[1], strlen(w[1]), &s->out->log, eb) != JR_OK ||
	    s->out->log.alg != JR_NOTE_ALG_ED25519)
		return jr_errf(eb, JR_EFORMAT, "line %u: the log's vkey must be an "
			"Ed25519 note key (type 01)", ln);
	s->have_log = true;
	return JR_OK;
}

static int line_witness(struct pstate *s, char **w, size_t n, unsigned ln,
	struct jr_errbuf *eb)
{
	struct jr_tlog_policy_file *o = s->out;
	struct jr_note_verifier *v;
	size_t nl;

	if (n != 3 || o->p.n_witnesses >= JR_TLOG_POLICY_WITNESSES_MAX)
		return jr_errf(eb, JR_EFORMAT, "line %u: 'witness NAME VKEY', at most "
			"%d", ln, JR_TLOG_POLICY_WITNESSES_MAX);
	nl = strlen(w[1]);
	if (nl > JR_NOTE_NAME_MAX)
		return jr_errf(eb, JR_EFORMAT, "line %u: witness name too long", ln);
	v = &o->witnesses[o->p.n_witnesses];
	if (jr_note_vkey_parse(w[2], strlen(w[2]), v, eb) != JR_OK ||
	    v->alg != JR_NOTE_ALG_COSIG_V1)
		return jr_errf(eb, JR_EFORMAT, "line %u: witness %s needs a "
			"cosignature/v1 vkey (type 04)", ln, w[1]);
	for (size_t i = 0; i < o->p.n_witnesses; i++)
		if (strcmp(s->names[i], w[1]) == 0 ||
		    memcmp(o->witnesses[i].pk, v->pk, JR_SIGN_PK_BYTES) == 0)
			return jr_errf(eb, JR_EFORMAT, "line %u: witness %s repeats a "
				"name or a key", ln, w[1]);
	memcpy(s->names[o->p.n_witnesses], w[1], nl + 1);
	o->p.n_witnesses++;
	return JR_OK;
}

static int line_group(struct pstate *s, char **w, size_t n, unsigned ln,
	struct jr_errbuf *eb)
{
	size_t gl;

	if (n < 4 || s->have_group)
		return jr_errf(eb, JR_EFORMAT, "line %u: one 'group NAME K MEMBER...' "
			"line", ln);
	gl = strlen(w[1]);
	if (gl > JR_NOTE_NAME_MAX || !parse_k(w[2], n - 3, &s->k))
		return jr_errf(eb, JR_EFORMAT, "line %u: K must be 1..%zu", ln, n - 3);
	for (size_t i = 3; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < s->out->p.n_witnesses; j++)
			found = found || strcmp(s->names[j], w[i]) == 0;
		if (!found)
			return jr_errf(eb, JR_EFORMAT, "line %u: group member %s is no "
				"witness listed above it", ln, w[i]);
	}
	memcpy(s->group, w[1], gl + 1);
	s->n_members = n - 3;
	s->have_group = true;
	return JR_OK;
}

static int one_line(struct pstate *s, char *line, unsigned ln, struct jr_errbuf *eb)
{
	char *w[WORDS_MAX];
	size_t n = split(line, w);

	if (n == 0 || w[0][0] == '#')
		return JR_OK;
	if (strcmp(w[0], "log") == 0)
		return line_log(s, w, n, ln, eb);
	if (strcmp(w[0], "witness") == 0)
		return line_witness(s, w, n, ln, eb);
	if (strcmp(w[0], "group") == 0)
		return line_group(s, w, n, ln, eb);
	if (strcmp(w[0], "quorum") == 0 && n == 2 && !s->have_quorum) {
		s->have_quorum = true;
		s->none = strcmp(w[1], "none") == 0;
		if (!s->none && (!s->have_group || strcmp(w[1], s->group) != 0))
			return jr_errf(eb, JR_EFORMAT, "line %u: quorum names no group "
				"defined above it", ln);
		return JR_OK;
	}
	return jr_errf(eb, JR_EFORMAT, "line %u: expected log, witness, group or "
		"quorum", ln);
}

int jr_tlog_policy_parse(const char *text, size_t len, struct jr_tlog_policy_file *out,
	struct jr_errbuf *eb)
{
	struct pstate s;
	char line[1024];
	size_t pos = 0;
	unsigned ln = 0;

	memset(out, 0, sizeof *out);
	memset(&s, 0, sizeof s);
	s.out = out;
	while (pos < len) {
		size_t end = pos;
		int rc;

		while (end < len && text[end] != '\n')
			end++;
		ln++;
		if (end - pos >= sizeof line || memchr(text + pos, '\0', end - pos)) {
			memset(out, 0, sizeof *out);
			return jr_errf(eb, JR_EFORMAT, "line %u: too long or not text", ln);
		}
		memcpy(line, text + pos, end - pos);
		line[end - pos] = '\0';
		pos = end + 1;
		if ((rc = one_line(&s, line, ln, eb)) != JR_OK) {
			memset(out, 0, sizeof *out);
			return rc;
		}
	}
	if (!s.have_log || !s.have_quorum || (!s.none && s.n_members != out->p.n_witnesses)) {
		memset(out, 0, sizeof *out);
		return jr_errf(eb, JR_EFORMAT, "a policy needs a log line, a quorum "
			"line, and a group of every witness listed");
	}
	out->p.log = out->log;
	out->p.witnesses = out->witnesses;
	out->p.quorum = s.none ? 0 : (size_t)s.k;
	return JR_OK;
}

int jr_tlog_policy_load(const char *path, struct jr_tlog_policy_file *out,
	struct jr_errbuf *eb)
{
	struct jr_buf b = { NULL, 0 };
	int rc = jr_file_read(path, 65536, &b, eb);

	if (rc != JR_OK)
		return jr_errf(eb, rc, "tlog policy %s", path);
	rc = jr_tlog_policy_parse((const char *)b.base, b.len, out, eb);
	jr_buf_free(&b);
	if (rc != JR_OK)
		return jr_errf(eb, rc, "tlog policy %s", path);
	return JR_OK;
}
