/*
 * witness.c — checkpoints (docs/node.md "Checkpoints and cosigning").
 *
 * Every node signs the checkpoint of its own applied tree twice: as the log
 * (the log key, shared by the nodes; Ed25519 is deterministic, so every
 * node writes the same log signature for the same tree) and as a witness
 * (its own key, cosignature/v1 with its clock's timestamp). It keeps its
 * last RING signed checkpoints. A peer's signed checkpoint whose text is
 * one of them contributes its cosignature; the largest checkpoint with a
 * quorum of cosignatures (jr_checkpoint_open under the policy) is
 * published.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "node.h"

#define RING 64
#define LINE_MAX_BYTES 512

struct signed_cp {
	uint64_t size; /* 0 with text_len 0: an empty slot */
	char text[JR_CHECKPOINT_TEXT_MAX];
	size_t text_len;
	char logline[LINE_MAX_BYTES];
	char cosig[JR_NODE_MAX_PEERS][LINE_MAX_BYTES]; /* by witness, "" none */
};

struct jr_node_witness {
	char origin[JR_NOTE_NAME_MAX + 1];
	char name[JR_NOTE_NAME_MAX + 1];
	const struct jr_key *log_key, *key;
	const struct jr_tlog_policy_file *policy;
	char published_path[JR_NODE_PATH_MAX];
	int self; /* our index among the policy's witnesses, -1 if absent */

	struct signed_cp ring[RING];
	unsigned head; /* newest slot */
	bool any;
	struct jr_buf self_note;

	struct jr_buf published;
	uint64_t published_size;
	size_t published_cosigned;
	unsigned write_failures;
};

static int find_witness(const struct jr_tlog_policy_file *p, const char *name,
	size_t name_len, uint32_t keyhash)
{
	for (size_t i = 0; i < p->p.n_witnesses; i++)
		if (strlen(p->witnesses[i].name) == name_len &&
		    memcmp(p->witnesses[i].name, name, name_len) == 0 &&
		    p->witnesses[i].keyhash == keyhash)
			return (int)i;
	return -1;
}

static int open_published(struct jr_node_witness *w)
{
	struct jr_buf b = { NULL, 0 };
	struct jr_checkpoint cp;
	size_t n = 0;

	if (jr_file_read(w->published_path, JR_NOTE_MAX_BYTES, &b, NULL) != JR_OK)
		return JR_ENOTFOUND;
	if (jr_checkpoint_open(b.base, b.len, &w->policy->p, &cp, &n, NULL) != JR_OK) {
		jr_buf_free(&b);
		return JR_ECORRUPT;
	}
	w->published = b;
	w->published_size = cp.size;
	w->published_cosigned = n;
	return JR_OK;
}

int jr_node_witness_new(const char *origin, const struct jr_key *log_key,
	const char *witness_name, const struct jr_key *witness_key,
	const struct jr_tlog_policy_file *policy, const char *published_path,
	struct jr_node_witness **out, struct jr_errbuf *eb)
{
	struct jr_node_witness *w;
	struct jr_note_verifier me;
	struct jr_pubkey pk;

	*out = NULL;
	if (strlen(origin) > JR_NOTE_NAME_MAX || strlen(witness_name) > JR_NOTE_NAME_MAX ||
	    strlen(published_path) >= JR_NODE_PATH_MAX)
		return jr_errf(eb, JR_EINVAL, "witness: name or path too long");
	if (strcmp(origin, policy->log.name) != 0)
		return jr_errf(eb, JR_EINVAL, "log_origin %s is not the name of the log "
			"in the cosign policy (%s): make them agree", origin,
			policy->log.name);
	jr_key_public(log_key, &pk);
	if (memcmp(pk.sign_pk, policy->log.pk, JR_SIGN_PK_BYTES) != 0)
		return jr_errf(eb, JR_EKEY, "the log key is not the key the cosign "
			"policy's log line names; use the cluster's log key");
	if ((w = calloc(1, sizeof *w)) == NULL)
		return jr_errf(eb, JR_ENOMEM, "no memory for the witness");
	memcpy(w->origin, origin, strlen(origin) + 1);
	memcpy(w->name, witness_name, strlen(witness_name) + 1);
	memcpy(w->published_path, published_path, strlen(published_path) + 1);
	w->log_key = log_key;
	w->key = witness_key;
	w->policy = policy;
	jr_key_public(witness_key, &pk);
	w->self = -1;
	if (jr_note_verifier_make(witness_name, JR_NOTE_ALG_COSIG_V1, pk.sign_pk, &me) ==
	    JR_OK)
		w->self = find_witness(policy, me.name, strlen(me.name), me.keyhash);
	(void)open_published(w);
	*out = w;
	return JR_OK;
}

void jr_node_witness_free(struct jr_node_witness *w)
{
	if (w == NULL)
		return;
	jr_buf_free(&w->self_note);
	jr_buf_free(&w->published);
	free(w);
}

int jr_node_witness_in_policy(const struct jr_node_witness *w)
{
	return w->self;
}

/* The signature lines of a note, rebuilt as "— name b64\n". */
static int sig_line(const struct jr_note_sig *s, char *out, size_t cap)
{
	int n = snprintf(out, cap, "\xe2\x80\x94 %.*s %.*s\n", (int)s->name_len,
		s->name, (int)s->b64_len, s->b64);

	return n < 0 || (size_t)n >= cap ? JR_ETOOBIG : JR_OK;
}

/* text || "\n" || log line || the cosignature lines, in policy order. */
static int assemble(const struct signed_cp *cp, struct jr_buf *out)
{
	size_t n = cp->text_len + 1 + strlen(cp->logline);
	uint8_t *p;

	for (size_t i = 0; i < JR_NODE_MAX_PEERS; i++)
		n += strlen(cp->cosig[i]);
	if ((p = malloc(n)) == NULL)
		return JR_ENOMEM;
	out->base = p;
	out->len = n;
	memcpy(p, cp->text, cp->text_len);
	p += cp->text_len;
	*p++ = '\n';
	memcpy(p, cp->logline, strlen(cp->logline));
	p += strlen(cp->logline);
	for (size_t i = 0; i < JR_NODE_MAX_PEERS; i++) {
		memcpy(p, cp->cosig[i], strlen(cp->cosig[i]));
		p += strlen(cp->cosig[i]);
	}
	return JR_OK;
}

/* Publishes cp if a quorum cosigned it and it beats what is published. */
static void consider(struct jr_node_witness *w, const struct signed_cp *cp)
{
	struct jr_buf note = { NULL, 0 };
	struct jr_checkpoint c;
	size_t n = 0;

	if (cp->size < w->published_size || assemble(cp, &note) != JR_OK)
		return;
	if (jr_checkpoint_open(note.base, note.len, &w->policy->p, &c, &n, NULL) != JR_OK ||
	    (cp->size == w->published_size && n <= w->published_cosigned &&
	     w->published.base != NULL)) {
		jr_buf_free(&note);
		return;
	}
	jr_buf_free(&w->published);
	w->published = note;
	w->published_size = cp->size;
	w->published_cosigned = n;
	/* The file only lets a restarted node answer /checkpoint at once; the
	 * peers' cosignatures make a new one within a round if it fails. */
	if (jr_file_write_atomic(w->published_path, note.base, note.len, 0644, NULL) != JR_OK)
		w->write_failures++;
}

int jr_node_witness_sign(struct jr_node_witness *w, uint64_t size,
	const uint8_t root[JR_TLOG_HASH_BYTES], uint64_t now, struct jr_errbuf *eb)
{
	struct signed_cp *cp;
	struct jr_buf logged = { NULL, 0 }, cosigned = { NULL, 0 };
	struct jr_note note;
	size_t len = 0;
	int rc;

	if (w->any && w->ring[w->head].size == size)
		return JR_OK;
	cp = &w->ring[(w->head + 1) % RING];
	memset(cp, 0, sizeof *cp);
	cp->size = size;
	if ((rc = jr_checkpoint_format(w->origin, size, root, cp->text,
		     sizeof cp->text, &len)) != JR_OK)
		return jr_errf(eb, rc, "checkpoint of size %llu", (unsigned long long)size);
	cp->text_len = len;
	if ((rc = jr_note_sign(w->log_key, w->origin, (const uint8_t *)cp->text, len,
		     &logged, eb)) != JR_OK)
		return rc;
	rc = jr_checkpoint_cosign(w->key, w->name, now, logged.base, logged.len,
		&cosigned, eb);
	jr_buf_free(&logged);
	if (rc != JR_OK)
		return rc;
	if ((rc = jr_note_parse(cosigned.base, cosigned.len, &note, eb)) != JR_OK ||
	    note.n_sigs != 2 ||
	    (rc = sig_line(&note.sigs[0], cp->logline, sizeof cp->logline)) != JR_OK) {
		jr_buf_free(&cosigned);
		return jr_errf(eb, rc ? rc : JR_EINTERNAL, "our own checkpoint");
	}
	if (w->self >= 0 &&
	    sig_line(&note.sigs[1], cp->cosig[w->self], sizeof cp->cosig[0]) != JR_OK)
		cp->cosig[w->self][0] = '\0';
	w->head = (w->head + 1) % RING;
	w->any = true;
	jr_buf_free(&w->self_note);
	w->self_note = cosigned;
	consider(w, cp);
	return JR_OK;
}

const struct jr_buf *jr_node_witness_self(const struct jr_node_witness *w)
{
	return w->self_note.base != NULL ? &w->self_note : NULL;
}

/* Checks one cosignature line against one witness of the policy. */
static bool line_verifies(const struct jr_node_witness *w, const struct signed_cp *cp,
	int wi, const char *line)
{
	struct jr_tlog_policy one = w->policy->p;
	struct signed_cp tmp;
	struct jr_buf note = { NULL, 0 };
	struct jr_checkpoint c;
	size_t n = 0;
	bool ok;

	one.witnesses = &w->policy->witnesses[wi];
	one.n_witnesses = 1;
	one.quorum = 1;
	memcpy(&tmp, cp, sizeof tmp);
	memset(tmp.cosig, 0, sizeof tmp.cosig);
	memcpy(tmp.cosig[0], line, strlen(line) + 1);
	if (assemble(&tmp, &note) != JR_OK)
		return false;
	ok = jr_checkpoint_open(note.base, note.len, &one, &c, &n, NULL) == JR_OK && n == 1;
	jr_buf_free(&note);
	return ok;
}

int jr_node_witness_offer(struct jr_node_witness *w, const uint8_t *p, size_t len,
	struct jr_errbuf *eb)
{
	struct jr_note note;
	struct signed_cp *cp = NULL;
	int rc, used = 0;

	if ((rc = jr_note_parse(p, len, &note, eb)) != JR_OK)
		return rc;
	for (unsigned i = 0; i < RING && w->any; i++) {
		struct signed_cp *c = &w->ring[i];

		if (c->text_len != 0 && c->text_len == note.text_len &&
		    memcmp(c->text, note.text, note.text_len) == 0)
			cp = c;
	}
	if (cp == NULL)
		return jr_errf(eb, JR_ENOTFOUND, "a checkpoint this node has not signed "
			"(yet, or any more)");
	for (size_t i = 0; i < note.n_sigs; i++) {
		char line[LINE_MAX_BYTES];
		int wi = find_witness(w->policy, note.sigs[i].name, note.sigs[i].name_len,
			note.sigs[i].keyhash);

		if (wi < 0 || wi == w->self || cp->cosig[wi][0] != '\0' ||
		    sig_line(&note.sigs[i], line, sizeof line) != JR_OK)
			continue;
		if (!line_verifies(w, cp, wi, line))
			return jr_errf(eb, JR_ESIG, "witness %s's cosignature does not "
				"verify", w->policy->witnesses[wi].name);
		memcpy(cp->cosig[wi], line, strlen(line) + 1);
		used++;
	}
	if (used > 0)
		consider(w, cp);
	return JR_OK;
}

const struct jr_buf *jr_node_witness_published(const struct jr_node_witness *w,
	uint64_t *size, size_t *cosigned)
{
	if (size != NULL)
		*size = w->published_size;
	if (cosigned != NULL)
		*cosigned = w->published_cosigned;
	return w->published.base != NULL ? &w->published : NULL;
}
