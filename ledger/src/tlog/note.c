/*
 * C2SP signed notes (jaring/tlog.h): key hashes, verifier keys, parsing,
 * Ed25519 signing and verification.
 *
 * A note is its text (ending in a newline), a blank line, and signature
 * lines "— <name> <base64(keyhash || signature)>\n". A verifier ignores
 * lines from keys it does not know (a name or a key hash alone matching is
 * not knowing), refuses the note if a known key's line fails, and needs at
 * least one known key's line to verify.
 */
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "tlog_int.h"

#define DASH_LEN 3 /* U+2014 in UTF-8 */

uint32_t jr_note_keyhash(const char *name, size_t len, uint8_t alg,
	const uint8_t pk[JR_SIGN_PK_BYTES])
{
	static const uint8_t nl = '\n';
	const struct jr_part parts[] = {
		{ (const uint8_t *)name, len }, { &nl, 1 }, { &alg, 1 },
		{ pk, JR_SIGN_PK_BYTES },
	};
	uint8_t h[JR_TLOG_HASH_BYTES];

	jr_sha256(parts, 4, h);
	return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

int jr_note_verifier_make(const char *name, uint8_t alg,
	const uint8_t pk[JR_SIGN_PK_BYTES], struct jr_note_verifier *out)
{
	size_t len;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (name == NULL || pk == NULL)
		return JR_EINVAL;
	len = strnlen(name, JR_NOTE_NAME_MAX + 1);
	if (!jr_note_name_valid(name, len) ||
	    (alg != JR_NOTE_ALG_ED25519 && alg != JR_NOTE_ALG_COSIG_V1))
		return JR_EINVAL;
	memcpy(out->name, name, len);
	out->alg = alg;
	memcpy(out->pk, pk, JR_SIGN_PK_BYTES);
	out->keyhash = jr_note_keyhash(name, len, alg, pk);
	return JR_OK;
}

int jr_note_vkey_format(const struct jr_note_verifier *v, char *out, size_t outlen)
{
	uint8_t key[1 + JR_SIGN_PK_BYTES];
	char b64[JR_B64_LEN(sizeof key) + 1];
	int w;

	if (out == NULL || outlen == 0)
		return JR_EINVAL;
	out[0] = '\0';
	if (v == NULL || !jr_note_name_valid(v->name, strnlen(v->name, sizeof v->name)))
		return JR_EINVAL;
	key[0] = v->alg;
	memcpy(key + 1, v->pk, JR_SIGN_PK_BYTES);
	jr_b64_encode(key, sizeof key, b64);
	w = snprintf(out, outlen, "%s+%08lx+%s", v->name, (unsigned long)v->keyhash, b64);
	if (w < 0 || (size_t)w >= outlen) {
		out[0] = '\0';
		return JR_ETOOBIG;
	}
	return JR_OK;
}

static bool hex8(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return false;
	}
	*out = v;
	return true;
}

int jr_note_vkey_parse(const char *text, size_t len,
	struct jr_note_verifier *out, struct jr_errbuf *eb)
{
	uint8_t key[1 + JR_SIGN_PK_BYTES + 1];
	char name[JR_NOTE_NAME_MAX + 1];
	const char *plus1, *plus2;
	size_t name_len, klen = 0;
	uint32_t hash = 0;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (text == NULL)
		return JR_EINVAL;
	if (len >= JR_NOTE_VKEY_MAX ||
	    (plus1 = memchr(text, '+', len)) == NULL ||
	    (size_t)(plus1 - text) + 10 > len || plus1[9] != '+')
		return jr_errf(eb, JR_EFORMAT, "verifier key: not of the form "
			"name+xxxxxxxx+key — copy the whole key again");
	name_len = (size_t)(plus1 - text);
	plus2 = plus1 + 9;
	if (!jr_note_name_valid(text, name_len))
		return jr_errf(eb, JR_EFORMAT, "verifier key: the name is empty, too "
			"long, or holds a space, a plus or a control character");
	if (!hex8(plus1 + 1, &hash))
		return jr_errf(eb, JR_EFORMAT, "verifier key: the key hash is not 8 "
			"lowercase hex digits");
	if (jr_b64_decode(plus2 + 1, len - (size_t)(plus2 + 1 - text), key,
	    sizeof key, &klen) != JR_OK || klen != sizeof key - 1)
		return jr_errf(eb, JR_EFORMAT, "verifier key: the key is not the "
			"base64 of a type byte and 32 bytes");
	if (key[0] != JR_NOTE_ALG_ED25519 && key[0] != JR_NOTE_ALG_COSIG_V1)
		return jr_errf(eb, JR_EKEY, "verifier key: key type 0x%02x is not "
			"Ed25519 (0x01) or a cosignature/v1 key (0x04)", key[0]);
	memcpy(name, text, name_len);
	name[name_len] = '\0';
	if ((rc = jr_note_verifier_make(name, key[0], key + 1, out)) != JR_OK)
		return rc;
	if (out->keyhash != hash) {
		memset(out, 0, sizeof *out);
		return jr_errf(eb, JR_EKEY, "verifier key: key hash %08lx is not the "
			"one its name and key give — the key was altered or mistyped",
			(unsigned long)hash);
	}
	return JR_OK;
}

/* One signature line at p (up to and without its newline, n bytes). */
static int parse_sig_line(const uint8_t *p, size_t n, uint8_t *scratch,
	struct jr_note_sig *out)
{
	const uint8_t *sp;
	size_t dlen = 0;

	if (n < DASH_LEN + 1 || memcmp(p, JR_NOTE_DASH " ", DASH_LEN + 1) != 0)
		return JR_EFORMAT;
	p += DASH_LEN + 1;
	n -= DASH_LEN + 1;
	if ((sp = memchr(p, ' ', n)) == NULL)
		return JR_EFORMAT;
	out->name = (const char *)p;
	out->name_len = (size_t)(sp - p);
	out->b64 = (const char *)sp + 1;
	out->b64_len = n - out->name_len - 1;
	if (!jr_note_name_valid(out->name, out->name_len) ||
	    jr_b64_decode(out->b64, out->b64_len, scratch, out->b64_len, &dlen) != JR_OK ||
	    dlen < 5)
		return JR_EFORMAT;
	out->keyhash = (uint32_t)scratch[0] << 24 | (uint32_t)scratch[1] << 16 |
		(uint32_t)scratch[2] << 8 | scratch[3];
	return JR_OK;
}

static int note_bad(struct jr_note *out, struct jr_errbuf *eb, int rc, const char *why)
{
	memset(out, 0, sizeof *out);
	return jr_errf(eb, rc, "signed note: %s", why);
}

int jr_note_parse(const uint8_t *p, size_t len, struct jr_note *out,
	struct jr_errbuf *eb)
{
	const uint8_t *line, *end, *nl;
	uint8_t *scratch;
	size_t split;
	int rc = JR_OK;

	if (out == NULL)
		return JR_EINVAL;
	memset(out, 0, sizeof *out);
	if (p == NULL && len > 0)
		return JR_EINVAL;
	if (len > JR_NOTE_MAX_BYTES)
		return note_bad(out, eb, JR_ETOOBIG, "longer than 64 KiB");
	if (!jr_note_text_valid(p, len))
		return note_bad(out, eb, JR_EFORMAT, "not UTF-8 text without control "
			"characters");
	if (len < 2 || p[len - 1] != '\n')
		return note_bad(out, eb, JR_EFORMAT, "does not end in a newline");
	/* The last blank line splits text from signatures. */
	for (split = len - 1; split > 0; split--)
		if (p[split - 1] == '\n' && p[split] == '\n')
			break;
	if (split == 0)
		return note_bad(out, eb, JR_EFORMAT, "no blank line before the signatures");
	out->text = p;
	out->text_len = split;
	if ((scratch = malloc(len)) == NULL) {
		memset(out, 0, sizeof *out);
		return JR_ENOMEM;
	}
	end = p + len;
	for (line = p + split + 1; line < end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(end - line));
		if (nl == NULL) { /* cannot happen: the note ends in a newline */
			rc = JR_EINTERNAL;
			break;
		}
		if (out->n_sigs == JR_NOTE_SIGS_MAX) {
			rc = JR_ETOOBIG;
			break;
		}
		if ((rc = parse_sig_line(line, (size_t)(nl - line), scratch,
		    &out->sigs[out->n_sigs])) != JR_OK)
			break;
		out->n_sigs++;
	}
	free(scratch);
	if (rc == JR_ETOOBIG)
		return note_bad(out, eb, rc, "more than 32 signatures");
	if (rc != JR_OK)
		return note_bad(out, eb, rc, "a signature line is not "
			"\"— <name> <base64>\" with a valid name and signature");
	if (out->n_sigs == 0)
		return note_bad(out, eb, JR_EFORMAT, "no signature lines");
	return JR_OK;
}

int jr_note_sig_for(const struct jr_note *n, const char *name, uint32_t keyhash,
	uint8_t *sig, size_t max, size_t *siglen)
{
	uint8_t buf[4 + 128];
	size_t i, len = strlen(name), dlen = 0, found = 0;

	*siglen = 0;
	for (i = 0; i < n->n_sigs; i++) {
		const struct jr_note_sig *s = &n->sigs[i];

		if (s->keyhash != keyhash || s->name_len != len ||
		    memcmp(s->name, name, len) != 0)
			continue;
		if (++found > 1) {
			sodium_memzero(sig, max);
			*siglen = 0;
			return JR_EFORMAT;
		}
		if (s->b64_len > JR_B64_LEN(sizeof buf) ||
		    jr_b64_decode(s->b64, s->b64_len, buf, sizeof buf, &dlen) != JR_OK ||
		    dlen < 4 || dlen - 4 > max)
			return JR_ESIG;
		memcpy(sig, buf + 4, dlen - 4);
		*siglen = dlen - 4;
	}
	return found == 0 ? JR_ENOTFOUND : JR_OK;
}

int jr_note_sign(const struct jr_key *k, const char *name,
	const uint8_t *text, size_t len, struct jr_buf *out, struct jr_errbuf *eb)
{
	struct jr_tbuf t = { { NULL, 0 }, JR_NOTE_MAX_BYTES, JR_OK };
	struct jr_pubkey pub;
	uint8_t sig[4 + JR_SIG_BYTES];
	uint32_t kh;
	size_t name_len;
	int rc;

	if (out == NULL)
		return JR_EINVAL;
	out->base = NULL;
	out->len = 0;
	if (k == NULL || name == NULL || (text == NULL && len > 0))
		return JR_EINVAL;
	name_len = strnlen(name, JR_NOTE_NAME_MAX + 1);
	if (!jr_note_name_valid(name, name_len))
		return jr_errf(eb, JR_EINVAL, "note key name is empty, too long, or "
			"holds a space, a plus or a control character");
	if (len == 0 || text[len - 1] != '\n' || !jr_note_text_valid(text, len))
		return jr_errf(eb, JR_EINVAL, "note text must be UTF-8 without "
			"control characters and end in a newline");
	jr_key_public(k, &pub);
	kh = jr_note_keyhash(name, name_len, JR_NOTE_ALG_ED25519, pub.sign_pk);
	sig[0] = (uint8_t)(kh >> 24);
	sig[1] = (uint8_t)(kh >> 16);
	sig[2] = (uint8_t)(kh >> 8);
	sig[3] = (uint8_t)kh;
	if ((rc = jr_sign_note(k, text, len, sig + 4)) != JR_OK)
		return rc;
	jr_tbuf_add(&t, text, len);
	jr_tbuf_str(&t, "\n" JR_NOTE_DASH " ");
	jr_tbuf_add(&t, name, name_len);
	jr_tbuf_str(&t, " ");
	jr_tbuf_b64(&t, sig, sizeof sig);
	jr_tbuf_str(&t, "\n");
	if ((rc = jr_tbuf_finish(&t, out)) != JR_OK)
		return jr_errf(eb, rc, "signed note: %s", jr_strerror(rc));
	return JR_OK;
}

int jr_note_verify(const struct jr_note *n, const struct jr_note_verifier *v,
	struct jr_errbuf *eb)
{
	uint8_t sig[JR_SIG_BYTES];
	size_t slen = 0;
	int rc;

	if (n == NULL || v == NULL || v->alg != JR_NOTE_ALG_ED25519)
		return JR_EINVAL;
	rc = jr_note_sig_for(n, v->name, v->keyhash, sig, sizeof sig, &slen);
	if (rc == JR_ENOTFOUND)
		return jr_errf(eb, rc, "note is not signed by %s+%08lx", v->name,
			(unsigned long)v->keyhash);
	if (rc == JR_EFORMAT)
		return jr_errf(eb, rc, "note is signed twice by %s", v->name);
	if (rc != JR_OK || slen != JR_SIG_BYTES ||
	    crypto_sign_verify_detached(sig, n->text, n->text_len, v->pk) != 0)
		return jr_errf(eb, JR_ESIG, "the signature of %s on this note does "
			"not verify — the note was altered or signed by another key",
			v->name);
	return JR_OK;
}
