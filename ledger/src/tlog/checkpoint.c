/*
 * C2SP tlog-checkpoint and tlog-cosignature (cosignature/v1), and the
 * k-of-n witness quorum of a tlog-policy (jaring/tlog.h).
 *
 * A cosignature/v1 line's signature bytes are keyhash(4, alg 0x04) ||
 * timestamp (uint64 big-endian) || Ed25519 over
 *     "cosignature/v1\ntime <timestamp>\n" || checkpoint note text.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

#define COSIG_HEADER "cosignature/v1\ntime "
#define COSIG_BYTES (8 + JR_SIG_BYTES)

int jr_checkpoint_format(const char *origin, uint64_t size,
	const uint8_t root[JR_TLOG_HASH_BYTES], char *out, size_t outlen,
	size_t *len)
{
	char b64[JR_B64_LEN(JR_TLOG_HASH_BYTES) + 1];
	int w;

	if (len != NULL)
		*len = 0;
	if (out == NULL || outlen == 0 || len == NULL)
		return JR_EINVAL;
	out[0] = '\0';
	if (origin == NULL || root == NULL || size > JR_TLOG_SIZE_MAX ||
	    !jr_note_name_valid(origin, strnlen(origin, JR_NOTE_NAME_MAX + 1)))
		return JR_EINVAL;
	jr_b64_encode(root, JR_TLOG_HASH_BYTES, b64);
	w = snprintf(out, outlen, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
	if (w < 0 || (size_t)w >= outlen) {
		out[0] = '\0';
		return JR_ETOOBIG;
	}
	*len = (size_t)w;
	return JR_OK;
}

static int cp_bad(struct jr_checkpoint *out, struct jr_errbuf *eb, const char *why)
{
	memset(out, 0, sizeof *out);
	return jr_errf(eb, JR_EFORMAT, "checkpoint: %s", why);
}

/* The line starting at *pos, without its newline; false if none is left
 * or the text does not end in a newline. */
static bool next_line(const uint8_t *p, size_t len, size_t *pos,
	const uint8_t **line, size_t *n)
{
	const uint8_t *nl;

	if (*pos >= len || (nl = memchr(p + *pos, '\n', len - *pos)) == NULL)
		return false;
	*line = p + *pos;
	*n = (size_t)(nl - *line);
	*pos += *n + 1;
	return true;
}

int jr_checkpoint_parse_text(const uint8_t *text, size_t len,
	struct jr_checkpoint *out, struct jr_errbuf *eb)
{
	const uint8_t *line;
	size_t pos = 0, n, rlen = 0, ext;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (text == NULL || len > JR_NOTE_MAX_BYTES || !jr_note_text_valid(text, len))
		return cp_bad(out, eb, "not UTF-8 text without control characters");
	if (!next_line(text, len, &pos, &line, &n) || n == 0 || n > JR_NOTE_NAME_MAX)
		return cp_bad(out, eb, "the origin line is missing, empty or over 255 bytes");
	memcpy(out->origin, line, n);
	if (!next_line(text, len, &pos, &line, &n) ||
	    jr_dec_parse((const char *)line, n, &out->size) != JR_OK)
		return cp_bad(out, eb, "the tree size is not a decimal number without "
			"leading zeros below 2^63");
	if (!next_line(text, len, &pos, &line, &n) || n != JR_B64_LEN(JR_TLOG_HASH_BYTES) ||
	    jr_b64_decode((const char *)line, n, out->root, sizeof out->root, &rlen) != JR_OK ||
	    rlen != JR_TLOG_HASH_BYTES)
		return cp_bad(out, eb, "the root hash is not the base64 of 32 bytes");
	ext = pos;
	while (pos < len) {
		if (!next_line(text, len, &pos, &line, &n))
			return cp_bad(out, eb, "the text does not end in a newline");
		if (n == 0)
			return cp_bad(out, eb, "an extension line is empty");
	}
	out->ext = text + ext;
	out->ext_len = len - ext;
	return JR_OK;
}

/* "cosignature/v1\ntime <ts>\n" || text, malloc'd. */
static uint8_t *cosig_message(uint64_t ts, const uint8_t *text, size_t len,
	size_t *mlen)
{
	char head[sizeof COSIG_HEADER + 21];
	uint8_t *m;
	int w = snprintf(head, sizeof head, COSIG_HEADER "%llu\n", (unsigned long long)ts);

	if (w < 0 || (size_t)w >= sizeof head || len > JR_NOTE_MAX_BYTES)
		return NULL;
	if ((m = malloc((size_t)w + len)) == NULL)
		return NULL;
	memcpy(m, head, (size_t)w);
	memcpy(m + w, text, len);
	*mlen = (size_t)w + len;
	return m;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int jr_checkpoint_cosign(const struct jr_key *k, const char *name,
	uint64_t timestamp, const uint8_t *note, size_t len, struct jr_buf *out,
	struct jr_errbuf *eb)
{
	struct jr_tbuf t = { { NULL, 0 }, JR_NOTE_MAX_BYTES, JR_OK };
	struct jr_checkpoint cp;
	struct jr_pubkey pub;
	struct jr_note *n;
	uint8_t sig[4 + COSIG_BYTES], *m;
	size_t name_len, mlen = 0;
	int rc, i;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (k == NULL || name == NULL || note == NULL || timestamp > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	name_len = strnlen(name, JR_NOTE_NAME_MAX + 1);
	if (!jr_note_name_valid(name, name_len))
		return jr_errf(eb, JR_EINVAL, "cosigner name is empty, too long, or "
			"holds a space, a plus or a control character");
	if ((n = malloc(sizeof *n)) == NULL)
		return JR_ENOMEM;
	if ((rc = jr_note_parse(note, len, n, eb)) != JR_OK ||
	    (rc = jr_checkpoint_parse_text(n->text, n->text_len, &cp, eb)) != JR_OK)
		goto done;
	jr_key_public(k, &pub);
	put_be32(sig, jr_note_keyhash(name, name_len, JR_NOTE_ALG_COSIG_V1, pub.sign_pk));
	for (i = 0; i < 8; i++)
		sig[4 + i] = (uint8_t)(timestamp >> (56 - 8 * i));
	if ((m = cosig_message(timestamp, n->text, n->text_len, &mlen)) == NULL) {
		rc = JR_ENOMEM;
		goto done;
	}
	rc = jr_sign_note(k, m, mlen, sig + 12);
	free(m);
	if (rc != JR_OK)
		goto done;
	jr_tbuf_add(&t, note, len);
	jr_tbuf_str(&t, JR_NOTE_DASH " ");
	jr_tbuf_add(&t, name, name_len);
	jr_tbuf_str(&t, " ");
	jr_tbuf_b64(&t, sig, sizeof sig);
	jr_tbuf_str(&t, "\n");
	if ((rc = jr_tbuf_finish(&t, out)) != JR_OK)
		(void)jr_errf(eb, rc, "cosigned checkpoint: %s", jr_strerror(rc));
done:
	free(n);
	return rc;
}

static int policy_valid(const struct jr_tlog_policy *pol, struct jr_errbuf *eb)
{
	size_t i, j;

	if (pol->log.alg != JR_NOTE_ALG_ED25519)
		return jr_errf(eb, JR_EINVAL, "policy: the log key must be an Ed25519 "
			"note key (type 0x01)");
	if ((pol->witnesses == NULL && pol->n_witnesses > 0) ||
	    pol->quorum > pol->n_witnesses)
		return jr_errf(eb, JR_EINVAL, "policy: quorum %zu of %zu witnesses "
			"can never be met", pol->quorum, pol->n_witnesses);
	for (i = 0; i < pol->n_witnesses; i++) {
		if (pol->witnesses[i].alg != JR_NOTE_ALG_COSIG_V1)
			return jr_errf(eb, JR_EINVAL, "policy: witness %s is not a "
				"cosignature/v1 key (type 0x04)", pol->witnesses[i].name);
		for (j = 0; j < i; j++)
			if (sodium_memcmp(pol->witnesses[i].pk, pol->witnesses[j].pk,
			    JR_SIGN_PK_BYTES) == 0)
				return jr_errf(eb, JR_EINVAL, "policy: witnesses %s and %s "
					"have the same key, which would count twice",
					pol->witnesses[j].name, pol->witnesses[i].name);
	}
	return JR_OK;
}

/* JR_OK and *ok true if w cosigned; *ok false if it did not. */
static int check_cosig(const struct jr_note *n, const struct jr_note_verifier *w,
	bool *ok, struct jr_errbuf *eb)
{
	uint8_t sig[COSIG_BYTES], *m;
	uint64_t ts = 0;
	size_t slen = 0, mlen = 0;
	int rc, i, bad;

	*ok = false;
	rc = jr_note_sig_for(n, w->name, w->keyhash, sig, sizeof sig, &slen);
	if (rc == JR_ENOTFOUND)
		return JR_OK;
	if (rc == JR_EFORMAT)
		return jr_errf(eb, JR_EFORMAT, "checkpoint: witness %s cosigned it "
			"twice", w->name);
	if (rc != JR_OK || slen != COSIG_BYTES)
		return jr_errf(eb, JR_ESIG, "checkpoint: the cosignature of witness "
			"%s is not a timestamp and an Ed25519 signature", w->name);
	for (i = 0; i < 8; i++)
		ts = ts << 8 | sig[i];
	if (ts > JR_TLOG_SIZE_MAX)
		return jr_errf(eb, JR_ESIG, "checkpoint: witness %s's timestamp is "
			"over 2^63 - 1", w->name);
	if ((m = cosig_message(ts, n->text, n->text_len, &mlen)) == NULL)
		return JR_ENOMEM;
	bad = crypto_sign_verify_detached(sig + 8, m, mlen, w->pk);
	free(m);
	if (bad != 0)
		return jr_errf(eb, JR_ESIG, "checkpoint: the cosignature of witness "
			"%s does not verify — the checkpoint was altered, or the "
			"cosignature belongs to another one", w->name);
	*ok = true;
	return JR_OK;
}

static int open_note(const struct jr_note *n, const struct jr_tlog_policy *pol,
	struct jr_checkpoint *out, size_t *count, struct jr_errbuf *eb)
{
	size_t i;
	bool ok;
	int rc;

	if ((rc = jr_checkpoint_parse_text(n->text, n->text_len, out, eb)) != JR_OK)
		return rc;
	if (strcmp(out->origin, pol->log.name) != 0)
		return jr_errf(eb, JR_EKEY, "checkpoint is from log \"%s\", not \"%s\"",
			out->origin, pol->log.name);
	if ((rc = jr_note_verify(n, &pol->log, eb)) != JR_OK)
		return rc;
	for (i = 0; i < pol->n_witnesses; i++) {
		if ((rc = check_cosig(n, &pol->witnesses[i], &ok, eb)) != JR_OK)
			return rc;
		*count += ok ? 1 : 0;
	}
	if (*count < pol->quorum)
		return jr_errf(eb, JR_ESIG, "checkpoint of %s at size %llu is cosigned "
			"by %zu of the policy's witnesses and needs %zu — wait for more "
			"nodes to cosign it", out->origin, (unsigned long long)out->size,
			*count, pol->quorum);
	return JR_OK;
}

int jr_checkpoint_open(const uint8_t *note, size_t len,
	const struct jr_tlog_policy *policy, struct jr_checkpoint *out,
	size_t *cosigned, struct jr_errbuf *eb)
{
	struct jr_note *n;
	size_t count = 0;
	int rc;

	if (cosigned != NULL)
		*cosigned = 0;
	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (policy == NULL || (note == NULL && len > 0))
		return JR_EINVAL;
	if ((rc = policy_valid(policy, eb)) != JR_OK)
		return rc;
	if ((n = malloc(sizeof *n)) == NULL)
		return JR_ENOMEM;
	if ((rc = jr_note_parse(note, len, n, eb)) == JR_OK)
		rc = open_note(n, policy, out, &count, eb);
	free(n);
	if (rc != JR_OK) {
		memset(out, 0, sizeof *out);
		return rc;
	}
	if (cosigned != NULL)
		*cosigned = count;
	return JR_OK;
}
