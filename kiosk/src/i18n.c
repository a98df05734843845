#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "jaring/rules.h"
#include "util.h"

#define PO_MAX_BYTES (1024 * 1024)
#define PO_MAX_ENTRIES 4096

struct po_entry {
	char *id;
	char *str;
};

struct po_table {
	struct po_entry *e;
	size_t n;
	char *arena; /* owns every string */
};

struct ki18n {
	struct po_table lang[2];
	unsigned misses;
	char last_miss[128];
};

/* Parses a C-style quoted string at *p (after optional spaces), appending
 * its unescaped bytes at *w. false on a malformed string. */
static bool po_string(const char **p, const char *end, char **w)
{
	const char *s = *p;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s >= end || *s != '"')
		return false;
	for (s++; s < end && *s != '"'; s++) {
		char c = *s;
		if (c == '\n')
			return false;
		if (c == '\\') {
			if (++s >= end)
				return false;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			default: return false;
			}
		}
		*(*w)++ = c;
	}
	if (s >= end)
		return false;
	*p = s + 1;
	return true;
}

enum po_field { PO_NONE, PO_CTXT, PO_ID, PO_STR };

struct po_parser {
	struct po_table *t;
	char *w;           /* write cursor in the arena */
	char *cur_id, *cur_str;
	enum po_field field;
	bool fuzzy, next_fuzzy;
};

static void po_flush(struct po_parser *ps)
{
	if (ps->field == PO_STR && ps->cur_id != NULL && ps->cur_id[0] != '\0' &&
	    !ps->fuzzy && ps->t->n < PO_MAX_ENTRIES) {
		ps->t->e[ps->t->n].id = ps->cur_id;
		ps->t->e[ps->t->n].str = ps->cur_str;
		ps->t->n++;
	}
	ps->cur_id = ps->cur_str = NULL;
	ps->field = PO_NONE;
}

static bool po_line(struct po_parser *ps, const char *p, const char *end)
{
	static const struct { const char *kw; enum po_field f; } kws[] = {
		{ "msgctxt", PO_CTXT }, { "msgid", PO_ID }, { "msgstr", PO_STR } };

	if (p == end)
		return true;
	if (*p == '#') {
		if (end - p >= 2 && p[1] == ',' && kmemmem((const uint8_t *)p, (size_t)(end - p), "fuzzy", 5))
			ps->next_fuzzy = true;
		return true;
	}
	if (*p == '"') {
		if (ps->field == PO_NONE)
			return false;
		ps->w--; /* continue the current string over its NUL */
		if (!po_string(&p, end, &ps->w))
			return false;
		*ps->w++ = '\0';
		return true;
	}
	for (size_t i = 0; i < 3; i++) {
		size_t kl = strlen(kws[i].kw);
		if ((size_t)(end - p) <= kl || memcmp(p, kws[i].kw, kl) != 0 ||
		    (p[kl] != ' ' && p[kl] != '\t'))
			continue;
		if (kws[i].f != PO_STR && ps->field == PO_STR)
			po_flush(ps);
		if (kws[i].f == PO_CTXT || (kws[i].f == PO_ID && ps->field != PO_CTXT)) {
			ps->fuzzy = ps->next_fuzzy;
			ps->next_fuzzy = false;
		}
		if (kws[i].f == PO_STR && ps->field != PO_ID)
			return false;
		ps->field = kws[i].f;
		if (kws[i].f == PO_ID)
			ps->cur_id = ps->w;
		else if (kws[i].f == PO_STR)
			ps->cur_str = ps->w;
		p += kl;
		if (!po_string(&p, end, &ps->w))
			return false;
		*ps->w++ = '\0';
		return true;
	}
	return false;
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct po_entry *)a)->id, ((const struct po_entry *)b)->id);
}

/* The arena gets at most len bytes of string data plus NULs: a string's
 * unescaped bytes never exceed its quoted source. */
static bool po_parse(const char *text, size_t len, struct po_table *t,
	size_t *bad_line)
{
	struct po_parser ps = { .t = t };
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	t->arena = malloc(len + 2);
	t->e = calloc(PO_MAX_ENTRIES, sizeof *t->e);
	if (t->arena == NULL || t->e == NULL)
		return false;
	ps.w = t->arena;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		const char *s = p;
		lineno++;
		while (s < le && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		const char *e2 = le;
		while (e2 > s && (e2[-1] == ' ' || e2[-1] == '\t' || e2[-1] == '\r'))
			e2--;
		if (!po_line(&ps, s, e2)) {
			*bad_line = lineno;
			return false;
		}
		p = nl ? nl + 1 : end;
	}
	po_flush(&ps);
	qsort(t->e, t->n, sizeof *t->e, entry_cmp);
	return true;
}

static void po_free(struct po_table *t)
{
	free(t->e);
	free(t->arena);
	memset(t, 0, sizeof *t);
}

bool ki18n_parse_check(const char *text, size_t len, size_t *n)
{
	struct po_table t = { 0 };
	size_t bad = 0;
	bool ok = po_parse(text, len, &t, &bad);

	*n = t.n;
	po_free(&t);
	return ok;
}

static bool po_load(const char *dir, const char *file, struct po_table *t,
	char *err, size_t errlen)
{
	char path[1024], num[24];
	char *text = NULL;
	size_t len = 0, bad = 0;
	bool ok = false;
	FILE *f;

	if (!kpath(path, sizeof path, dir, file))
		return false;
	f = fopen(path, "rb");
	if (f == NULL) {
		kfmt(err, errlen, "cannot open the translation file {1}", path, NULL, NULL);
		return false;
	}
	text = malloc(PO_MAX_BYTES);
	if (text != NULL) {
		len = fread(text, 1, PO_MAX_BYTES, f);
		if (len == PO_MAX_BYTES)
			kfmt(err, errlen, "{1} is larger than 1 MiB", path, NULL, NULL);
		else if (!po_parse(text, len, t, &bad)) {
			snprintf(num, sizeof num, "%zu", bad);
			kfmt(err, errlen, "{1} line {2}: not valid .po syntax", path, num, NULL);
		} else
			ok = true;
	}
	free(text);
	(void)fclose(f); /* read only: nothing to lose */
	return ok;
}

bool ki18n_load(const char *dir, struct ki18n **out, char *err, size_t errlen)
{
	struct ki18n *t = calloc(1, sizeof *t);

	*out = NULL;
	if (t == NULL)
		return false;
	if (!po_load(dir, "id.po", &t->lang[JR_LANG_ID], err, errlen) ||
	    !po_load(dir, "en.po", &t->lang[JR_LANG_EN], err, errlen)) {
		ki18n_free(t);
		return false;
	}
	*out = t;
	return true;
}

void ki18n_free(struct ki18n *t)
{
	if (t == NULL)
		return;
	po_free(&t->lang[0]);
	po_free(&t->lang[1]);
	free(t);
}

const char *ki18n_get(struct ki18n *t, int lang, const char *msgid)
{
	struct po_entry key = { .id = (char *)(uintptr_t)msgid }, *e;
	struct po_table *tab;

	if (t == NULL || (lang != JR_LANG_ID && lang != JR_LANG_EN))
		return msgid;
	tab = &t->lang[lang];
	e = bsearch(&key, tab->e, tab->n, sizeof *tab->e, entry_cmp);
	if (e == NULL) {
		t->misses++;
		kstrlcpy(t->last_miss, msgid, sizeof t->last_miss);
		return msgid;
	}
	return e->str[0] != '\0' ? e->str : msgid;
}

unsigned ki18n_misses(const struct ki18n *t) { return t ? t->misses : 0; }
const char *ki18n_last_miss(const struct ki18n *t) { return t ? t->last_miss : ""; }
