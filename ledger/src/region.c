/*
 * Region codes (see jaring/region.h).
 *
 * The generated table (region_data.h) is in the order of the dotted text
 * codes, as the CSV is: "33.28" < "33.28.01" < "33.28.01.2001" < "33.28.02"
 * < "33.76". That is not numeric order (3376 < 332801), so lookups compare
 * sort keys instead: the code padded with zeros to 10 digits, then the
 * level. Padding keeps a region before everything under it, and no real
 * village ends in 0000, so (padded, level) orders exactly as the text does.
 * tests/unit/test_region.c checks that the compiled table is in that order.
 */
#include <string.h>

#include "jaring/region.h"
#include "region_data.h"

#define VILLAGE_MIN 1000000000ULL  /* 10 digits: 3328012001 */
#define VILLAGE_END 10000000000ULL
#define DISTRICT_MIN 100000ULL     /* 6 digits: 332801 */
#define DISTRICT_END 1000000ULL
#define REGENCY_MIN 1000ULL        /* 4 digits: 3328 */
#define REGENCY_END 10000ULL
#define PROVINCE_MIN 10ULL         /* 2 digits: 33, parse and format only */
#define PROVINCE_END 100ULL

struct sort_key {
	uint64_t padded;
	unsigned level;
};

/* Level by number of digits; 0 if the code has no region shape. */
enum jr_region_level jr_region_level_of(uint64_t code)
{
	if (code >= VILLAGE_MIN && code < VILLAGE_END)
		return JR_REGION_VILLAGE;
	if (code >= DISTRICT_MIN && code < DISTRICT_END)
		return JR_REGION_DISTRICT;
	if (code >= REGENCY_MIN && code < REGENCY_END)
		return JR_REGION_REGENCY;
	return (enum jr_region_level)0;
}

static struct sort_key key_of(uint64_t code, enum jr_region_level level)
{
	struct sort_key k = { code, (unsigned)level };

	if (level == JR_REGION_REGENCY)
		k.padded = code * 1000000u;
	else if (level == JR_REGION_DISTRICT)
		k.padded = code * 10000u;
	return k;
}

static int key_cmp(struct sort_key a, struct sort_key b)
{
	if (a.padded != b.padded)
		return a.padded < b.padded ? -1 : 1;
	if (a.level != b.level)
		return a.level < b.level ? -1 : 1;
	return 0;
}

/* Index of code in the table, or jr_region_count if absent. */
static size_t find_index(uint64_t code)
{
	enum jr_region_level level = jr_region_level_of(code);
	struct sort_key want;
	size_t lo = 0, hi = jr_region_count;

	if (level == 0)
		return jr_region_count;
	want = key_of(code, level);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct jr_region *r = &jr_region_table[mid];
		int c = key_cmp(key_of(r->code, r->level), want);

		if (c == 0)
			return mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return jr_region_count;
}

const struct jr_region *jr_regions(size_t *n)
{
	if (n != NULL)
		*n = jr_region_count;
	return jr_region_table;
}

const struct jr_region *jr_region_find(uint64_t code)
{
	size_t i = find_index(code);

	return i < jr_region_count ? &jr_region_table[i] : NULL;
}

/* Counts children of `parent` in table[from, to), storing up to max. */
static size_t collect(uint64_t parent, size_t from, size_t to,
	const struct jr_region **out, size_t max)
{
	size_t i, n = 0;

	for (i = from; i < to; i++) {
		if (jr_region_table[i].parent != parent)
			continue;
		if (out != NULL && n < max)
			out[n] = &jr_region_table[i];
		n++;
	}
	return n;
}

/*
 * The regencies (parent 0) are found by one pass over the table. Any other
 * parent's descendants follow it contiguously, so the scan starts at the
 * parent and stops at the first row that is not under it.
 */
size_t jr_region_children(uint64_t parent, const struct jr_region **out,
	size_t max)
{
	size_t start, end;
	uint64_t span;

	if (parent == 0)
		return collect(0, 0, jr_region_count, out, max);
	start = find_index(parent);
	if (start == jr_region_count ||
	    jr_region_table[start].level == JR_REGION_VILLAGE)
		return 0;
	span = jr_region_table[start].level == JR_REGION_REGENCY ? 1000000u : 10000u;
	for (end = start + 1; end < jr_region_count; end++) {
		const struct jr_region *r = &jr_region_table[end];

		if (key_of(r->code, r->level).padded / span != parent)
			break;
	}
	return collect(parent, start + 1, end, out, max);
}

/*
 * Accepts exactly "PP", "PP.KK", "PP.KK.DD" or "PP.KK.DD.VVVV": ASCII digits
 * in groups of 2, 2, 2 and 4 separated by single dots, nothing else.
 */
int jr_region_parse(const char *s, size_t len, uint64_t *code)
{
	static const size_t group_len[4] = { 2, 2, 2, 4 };
	size_t i, group = 0, in_group = 0;
	uint64_t v = 0;

	if (code == NULL)
		return JR_EINVAL;
	*code = 0;
	if (s == NULL || len == 0 || len > 13)
		return JR_EFORMAT;
	for (i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (in_group != group_len[group] || group == 3)
				return JR_EFORMAT;
			group++;
			in_group = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || in_group == group_len[group])
			return JR_EFORMAT;
		v = v * 10 + (uint64_t)(s[i] - '0');
		in_group++;
	}
	if (in_group != group_len[group])
		return JR_EFORMAT;
	*code = v;
	return JR_OK;
}

/* Writes "" when the code has no region shape or out is too small. */
void jr_region_format(uint64_t code, char *out, size_t outlen)
{
	char digits[11];
	size_t nd, i, o = 0;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (code >= PROVINCE_MIN && code < PROVINCE_END)
		nd = 2;
	else if (jr_region_level_of(code) == JR_REGION_REGENCY)
		nd = 4;
	else if (jr_region_level_of(code) == JR_REGION_DISTRICT)
		nd = 6;
	else if (jr_region_level_of(code) == JR_REGION_VILLAGE)
		nd = 10;
	else
		return;
	/* Dots after digits 2, 4 and 6: nd digits need nd/2 (max 3) dots. */
	if (outlen < nd + (nd > 6 ? 3 : nd / 2 - 1) + 1)
		return;
	for (i = nd; i > 0; i--) {
		digits[i - 1] = (char)('0' + code % 10);
		code /= 10;
	}
	for (i = 0; i < nd; i++) {
		if (i == 2 || i == 4 || i == 6)
			out[o++] = '.';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}
