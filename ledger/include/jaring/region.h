/*
 * jaring/region.h — official region codes of Kabupaten Tegal (33.28) and Kota
 * Tegal (33.76): 2 regencies, 22 districts, 314 villages (Kepmendagri
 * 300.2.2-2138/2025). The table is compiled in from
 * assets/regions/tegal-regions.csv, which scripts/update-regions replaces,
 * after checking it, when the official list changes.
 *
 * Codes are held as integers of their digits: regency 3328, district 332801,
 * village 3328012001. Text form is dotted: "33.28.01.2001".
 */
#ifndef JARING_REGION_H
#define JARING_REGION_H

#include "common.h"

enum jr_region_level {
	JR_REGION_REGENCY = 1,
	JR_REGION_DISTRICT = 2,
	JR_REGION_VILLAGE = 3
};

struct jr_region {
	uint64_t code;
	uint64_t parent; /* 0 for a regency */
	enum jr_region_level level;
	const char *name;
};

/* All regions in code order; *n gets the count. */
JR_API const struct jr_region *jr_regions(size_t *n);
/* NULL if the code is not in the table. */
JR_API const struct jr_region *jr_region_find(uint64_t code);
/* Children of `parent` (0 for the regencies) into out (room for max);
 * returns how many there are (may exceed max). Code order. */
JR_API size_t jr_region_children(uint64_t parent, const struct jr_region **out,
	size_t max);
JR_API enum jr_region_level jr_region_level_of(uint64_t code);
/* "33.28.01.2001" <-> 3328012001. parse rejects anything but 2, 2.2, 2.2.2 or
 * 2.2.2.4 digit groups. format needs 14 bytes. */
JR_API int jr_region_parse(const char *s, size_t len, uint64_t *code) JR_MUST_CHECK;
JR_API void jr_region_format(uint64_t code, char *out, size_t outlen);

#endif
