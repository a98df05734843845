/*
 * http_parse.c — everything the node parses from the network, kept apart
 * from libmicrohttpd and the loop so that a fuzz target (tests/fuzz/
 * fuzz_http.c) can run it on any bytes: request paths, decimal header
 * values, hex ids, a peer's hash answer, membership requests. Strict: one
 * spelling is accepted for each thing, anything else is refused.
 */
#include <stdio.h>
#include <string.h>

#include "node.h"

static bool prefix(const char *p, size_t len, const char *pre, size_t *rest)
{
	size_t n = strlen(pre);

	if (len < n || memcmp(p, pre, n) != 0)
		return false;
	*rest = n;
	return true;
}

int jr_http_parse_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	*out = 0;
	if (s == NULL || len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return JR_EFORMAT;
	for (size_t i = 0; i < len; i++) {
		unsigned d;

		if (s[i] < '0' || s[i] > '9')
			return JR_EFORMAT;
		d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return JR_EFORMAT;
		v = v * 10 + d;
	}
	if (v > max)
		return JR_ETOOBIG;
	*out = v;
	return JR_OK;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int jr_http_parse_hex(const char *s, size_t len, uint8_t *out, size_t n)
{
	if (len != 2 * n) {
		memset(out, 0, n);
		return JR_EFORMAT;
	}
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			memset(out, 0, n);
			return JR_EFORMAT;
		}
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return JR_OK;
}

/* "/v1/<name>/<hex id>[suffix]" with an id of n bytes. */
static void id_route(const char *p, size_t len, size_t at, size_t n,
	const char *suffix, enum jr_route r, struct jr_route_match *m)
{
	size_t sl = strlen(suffix);

	if (len != at + 2 * n + sl || memcmp(p + at + 2 * n, suffix, sl) != 0 ||
	    jr_http_parse_hex(p + at, 2 * n, m->id, n) != JR_OK) {
		m->route = JR_RT_BAD_ID;
		return;
	}
	m->route = r;
	m->id_len = n;
}

void jr_http_route(const char *p, size_t len, struct jr_route_match *m)
{
	size_t at = 0;

	memset(m, 0, sizeof *m);
	if (p == NULL)
		return;
	if (len == strlen("/v1/health") && memcmp(p, "/v1/health", len) == 0)
		m->route = JR_RT_HEALTH;
	else if (len == strlen("/v1/acts") && memcmp(p, "/v1/acts", len) == 0)
		m->route = JR_RT_ACTS;
	else if (len == strlen("/checkpoint") && memcmp(p, "/checkpoint", len) == 0)
		m->route = JR_RT_CHECKPOINT;
	else if (len == strlen("/v1/checkpoint/self") &&
		 memcmp(p, "/v1/checkpoint/self", len) == 0)
		m->route = JR_RT_CHECKPOINT_SELF;
	else if (len == strlen("/v1/stats") && memcmp(p, "/v1/stats", len) == 0)
		m->route = JR_RT_STATS;
	else if (len == strlen("/v1/members") && memcmp(p, "/v1/members", len) == 0)
		m->route = JR_RT_MEMBERS;
	else if ((len == 1 && p[0] == '/') ||
		 (len == strlen("/public") && memcmp(p, "/public", len) == 0))
		m->route = JR_RT_PUBLIC;
	else if (len == strlen("/public/coverage.svg") &&
		 memcmp(p, "/public/coverage.svg", len) == 0)
		m->route = JR_RT_PUBLIC_SVG;
	else if (len == strlen("/public/receipt") && memcmp(p, "/public/receipt", len) == 0)
		m->route = JR_RT_PUBLIC_RECEIPT;
	else if (len == strlen("/v1/proof/consistency") &&
		 memcmp(p, "/v1/proof/consistency", len) == 0)
		m->route = JR_RT_PROOF_CONS;
	else if (prefix(p, len, "/v1/bundles/", &at))
		id_route(p, len, at, JR_HASH_BYTES, "", JR_RT_BUNDLE, m);
	else if (prefix(p, len, "/v1/kiosks/", &at))
		id_route(p, len, at, JR_ID_BYTES, "/downstream", JR_RT_DOWNSTREAM, m);
	else if (prefix(p, len, "/v1/proof/registration/", &at))
		id_route(p, len, at, JR_REGID_BYTES, "", JR_RT_PROOF_REG, m);
	else if (prefix(p, len, "/v1/hash/", &at)) {
		if (len - at == 6 && memcmp(p + at, "latest", 6) == 0) {
			m->route = JR_RT_HASH;
			m->index = UINT64_MAX;
		} else if (jr_http_parse_u64(p + at, len - at, INT64_MAX, &m->index) ==
			   JR_OK && m->index > 0) {
			m->route = JR_RT_HASH;
		} else {
			m->route = JR_RT_BAD_ID;
		}
	} else if (prefix(p, len, "/v1/snapshots/", &at)) {
		const char *dash = memchr(p + at, '-', len - at);
		size_t digits = dash != NULL ? (size_t)(dash - (p + at)) : 0;

		if (dash != NULL &&
		    jr_http_parse_u64(p + at, digits, INT64_MAX, &m->index) == JR_OK &&
		    m->index > 0)
			id_route(p, len, at + digits + 1, JR_HASH_BYTES, "", JR_RT_SNAPSHOT, m);
		else
			m->route = JR_RT_BAD_ID;
	} else if (prefix(p, len, "/tile/", &at)) {
		if (jr_tlog_tile_path_parse(p + 1, len - 1, &m->tile_level, &m->tile_n,
			    &m->tile_width) == JR_OK)
			m->route = JR_RT_TILE;
		else
			m->route = JR_RT_BAD_ID;
	}
}

/* The value of "key": in a flat JSON object we wrote ourselves: a number
 * or a string (without quotes). Not a general JSON parser: peers answer in
 * the one shape docs/http.md gives. */
static bool json_field(const char *s, size_t len, const char *key,
	const char **v, size_t *vlen)
{
	char pat[40];
	size_t pl = (size_t)snprintf(pat, sizeof pat, "\"%s\":", key);
	size_t i, j;

	for (i = 0; i + pl <= len; i++) {
		if (memcmp(s + i, pat, pl) != 0)
			continue;
		i += pl;
		if (i < len && s[i] == '"') {
			for (j = i + 1; j < len && s[j] != '"'; j++)
				;
			if (j >= len)
				return false;
			*v = s + i + 1;
			*vlen = j - i - 1;
			return true;
		}
		for (j = i; j < len && s[j] >= '0' && s[j] <= '9'; j++)
			;
		*v = s + i;
		*vlen = j - i;
		return j > i;
	}
	return false;
}

int jr_http_parse_hash_answer(const char *s, size_t len, uint64_t *index,
	uint8_t hash[JR_HASH_BYTES])
{
	const char *v;
	size_t vl;

	*index = 0;
	memset(hash, 0, JR_HASH_BYTES);
	if (s == NULL || len < 2 || s[0] != '{' || s[len - 1] != '}' ||
	    !json_field(s, len, "index", &v, &vl) ||
	    jr_http_parse_u64(v, vl, INT64_MAX, index) != JR_OK ||
	    !json_field(s, len, "state_hash", &v, &vl) ||
	    jr_http_parse_hex(v, vl, hash, JR_HASH_BYTES) != JR_OK) {
		*index = 0;
		return JR_EFORMAT;
	}
	return JR_OK;
}

/* Splits the next space- or newline-ended token of s[*pos..len). */
static bool token(const char *s, size_t len, size_t *pos, char end,
	const char **t, size_t *tl)
{
	size_t i = *pos;

	while (i < len && s[i] != ' ' && s[i] != '\n')
		i++;
	if (i >= len || s[i] != end || i == *pos)
		return false;
	*t = s + *pos;
	*tl = i - *pos;
	*pos = i + 1;
	return true;
}

int jr_http_parse_member(const char *s, size_t len, struct jr_member_req *out)
{
	const char *t;
	size_t tl, pos = 0;

	memset(out, 0, sizeof *out);
	if (s == NULL || len > JR_HTTP_MEMBER_MAX || !token(s, len, &pos, ' ', &t, &tl))
		goto bad;
	if (tl == 4 && memcmp(t, "join", 4) == 0)
		out->join = true;
	else if (!(tl == 6 && memcmp(t, "remove", 6) == 0))
		goto bad;
	if (!token(s, len, &pos, ' ', &t, &tl) ||
	    jr_http_parse_u64(t, tl, INT64_MAX, &out->id) != JR_OK || out->id == 0 ||
	    !token(s, len, &pos, ' ', &t, &tl) || tl >= sizeof out->raft)
		goto bad;
	if (out->join == (tl == 1 && t[0] == '-'))
		goto bad; /* a join names an address, a remove "-" */
	for (size_t i = 0; i < tl; i++)
		if (t[i] < '!' || t[i] > '~')
			goto bad;
	memcpy(out->raft, t, tl);
	out->raft[tl] = '\0';
	if (!token(s, len, &pos, '\n', &t, &tl) ||
	    jr_http_parse_u64(t, tl, INT64_MAX, &out->time) != JR_OK)
		goto bad;
	out->signed_len = pos;
	if (!token(s, len, &pos, ' ', &t, &tl) || tl != 3 || memcmp(t, "sig", 3) != 0 ||
	    !token(s, len, &pos, '\n', &t, &tl) ||
	    jr_http_parse_hex(t, tl, out->sig, JR_SIG_BYTES) != JR_OK || pos != len)
		goto bad;
	return JR_OK;
bad:
	memset(out, 0, sizeof *out);
	return JR_EFORMAT;
}
