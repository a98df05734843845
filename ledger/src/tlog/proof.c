/*
 * C2SP tlog-proof files (jaring/tlog.h): a leaf's index, its inclusion
 * proof and the signed checkpoint it is under, verifiable with no server.
 *
 *     c2sp.org/tlog-proof@v1
 *     extra <base64>            (only when there is extra data)
 *     index <decimal>
 *     <base64 hash>             (zero or more, leaf's sibling first)
 *     <blank line>
 *     <the signed checkpoint note, verbatim>
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

#define PROOF_HEADER "c2sp.org/tlog-proof@v1"

int jr_tlog_proof_encode(const uint8_t *extra, size_t extra_len,
	uint64_t index, const uint8_t (*hashes)[JR_TLOG_HASH_BYTES], size_t n,
	const uint8_t *checkpoint, size_t checkpoint_len, struct jr_buf *out)
{
	struct jr_tbuf t = { { NULL, 0 }, JR_TLOG_PROOF_FILE_MAX, JR_OK };
	size_t i;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if ((extra == NULL && extra_len > 0) || extra_len > JR_TLOG_PROOF_EXTRA_MAX ||
	    (hashes == NULL && n > 0) || n > JR_TLOG_PROOF_MAX ||
	    checkpoint == NULL || checkpoint_len == 0 || index > JR_TLOG_SIZE_MAX)
		return JR_EINVAL;
	jr_tbuf_str(&t, PROOF_HEADER "\n");
	if (extra_len > 0) {
		jr_tbuf_str(&t, "extra ");
		jr_tbuf_b64(&t, extra, extra_len);
		jr_tbuf_str(&t, "\n");
	}
	jr_tbuf_str(&t, "index ");
	jr_tbuf_u64(&t, index);
	jr_tbuf_str(&t, "\n");
	for (i = 0; i < n; i++) {
		jr_tbuf_b64(&t, hashes[i], JR_TLOG_HASH_BYTES);
		jr_tbuf_str(&t, "\n");
	}
	jr_tbuf_str(&t, "\n");
	jr_tbuf_add(&t, checkpoint, checkpoint_len);
	return jr_tbuf_finish(&t, out);
}

/* The line at *pos without its newline; false if the rest has none. */
static bool take_line(const uint8_t *p, size_t len, size_t *pos,
	const char **line, size_t *n)
{
	const uint8_t *nl;

	if (*pos >= len || (nl = memchr(p + *pos, '\n', len - *pos)) == NULL)
		return false;
	*line = (const char *)p + *pos;
	*n = (size_t)(nl - (p + *pos));
	*pos += *n + 1;
	return true;
}

static bool has_prefix(const char *line, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(line, prefix, k) == 0;
}

static int proof_bad(struct jr_tlog_proof *out, struct jr_errbuf *eb, int rc,
	const char *why)
{
	memset(out, 0, sizeof *out);
	return jr_errf(eb, rc, "tlog-proof: %s", why);
}

static int parse_body(const uint8_t *p, size_t len, struct jr_tlog_proof *out,
	struct jr_errbuf *eb)
{
	const char *line;
	size_t pos = 0, n, dl = 0;

	if (!take_line(p, len, &pos, &line, &n) || n != strlen(PROOF_HEADER) ||
	    memcmp(line, PROOF_HEADER, n) != 0)
		return proof_bad(out, eb, JR_EVERSION, "the first line is not "
			"c2sp.org/tlog-proof@v1");
	if (!take_line(p, len, &pos, &line, &n))
		return proof_bad(out, eb, JR_EFORMAT, "truncated after the first line");
	if (has_prefix(line, n, "extra ")) {
		if (n == 6 || jr_b64_decode(line + 6, n - 6, out->extra,
		    sizeof out->extra, &dl) != JR_OK)
			return proof_bad(out, eb, JR_EFORMAT, "the extra line is not "
				"non-empty base64 of at most 1024 bytes");
		out->extra_len = dl;
		if (!take_line(p, len, &pos, &line, &n))
			return proof_bad(out, eb, JR_EFORMAT, "truncated after the extra line");
	}
	if (!has_prefix(line, n, "index ") ||
	    jr_dec_parse(line + 6, n - 6, &out->index) != JR_OK)
		return proof_bad(out, eb, JR_EFORMAT, "no \"index <decimal>\" line "
			"(no leading zeros, below 2^63)");
	for (;;) {
		if (!take_line(p, len, &pos, &line, &n))
			return proof_bad(out, eb, JR_EFORMAT, "no blank line before "
				"the checkpoint");
		if (n == 0)
			break;
		if (out->n_hashes == JR_TLOG_PROOF_MAX)
			return proof_bad(out, eb, JR_ETOOBIG, "more than 64 proof hashes");
		if (n != JR_B64_LEN(JR_TLOG_HASH_BYTES) ||
		    jr_b64_decode(line, n, out->hashes[out->n_hashes],
		    JR_TLOG_HASH_BYTES, &dl) != JR_OK || dl != JR_TLOG_HASH_BYTES)
			return proof_bad(out, eb, JR_EFORMAT, "a proof line is not the "
				"base64 of a 32-byte hash");
		out->n_hashes++;
	}
	out->checkpoint = p + pos;
	out->checkpoint_len = len - pos;
	return JR_OK;
}

int jr_tlog_proof_parse(const uint8_t *p, size_t len,
	struct jr_tlog_proof *out, struct jr_errbuf *eb)
{
	struct jr_checkpoint cp;
	struct jr_note *n;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (p == NULL && len > 0)
		return JR_EINVAL;
	if (len > JR_TLOG_PROOF_FILE_MAX)
		return proof_bad(out, eb, JR_ETOOBIG, "over its maximum size");
	if ((rc = parse_body(p, len, out, eb)) != JR_OK)
		return rc;
	/* The checkpoint must at least be a well-formed checkpoint note. */
	if ((n = malloc(sizeof *n)) == NULL) {
		memset(out, 0, sizeof *out);
		return JR_ENOMEM;
	}
	rc = jr_note_parse(out->checkpoint, out->checkpoint_len, n, eb);
	if (rc == JR_OK)
		rc = jr_checkpoint_parse_text(n->text, n->text_len, &cp, eb);
	free(n);
	if (rc != JR_OK) {
		memset(out, 0, sizeof *out);
		return jr_errf(eb, rc, "tlog-proof");
	}
	return JR_OK;
}

int jr_tlog_proof_verify(const uint8_t *p, size_t len,
	const struct jr_tlog_policy *policy, const uint8_t leaf[JR_TLOG_HASH_BYTES],
	struct jr_checkpoint *cp, struct jr_errbuf *eb)
{
	struct jr_tlog_proof *pr;
	int rc;

	if (cp == NULL)
		return JR_EINVAL;
	memset(cp, 0, sizeof *cp);
	if (policy == NULL || leaf == NULL)
		return JR_EINVAL;
	if ((pr = malloc(sizeof *pr)) == NULL)
		return JR_ENOMEM;
	if ((rc = jr_tlog_proof_parse(p, len, pr, eb)) != JR_OK)
		goto done;
	if ((rc = jr_checkpoint_open(pr->checkpoint, pr->checkpoint_len, policy,
	    cp, NULL, eb)) != JR_OK)
		goto done;
	if (pr->index >= cp->size) {
		rc = jr_errf(eb, JR_ESIG, "tlog-proof: index %llu is not in a tree "
			"of %llu leaves", (unsigned long long)pr->index,
			(unsigned long long)cp->size);
		goto done;
	}
	if (jr_tlog_verify_inclusion(leaf, pr->index, cp->size,
	    (const uint8_t (*)[JR_TLOG_HASH_BYTES])pr->hashes, pr->n_hashes,
	    cp->root) != JR_OK)
		rc = jr_errf(eb, JR_ESIG, "tlog-proof: the inclusion proof does not "
			"lead from this entry to the checkpoint's root — the entry or "
			"the proof was altered");
done:
	if (rc != JR_OK)
		memset(cp, 0, sizeof *cp);
	free(pr);
	return rc;
}
