/* Internal: the compiled region table (generated, see scripts/gen_regions.c). */
#ifndef JR_REGION_DATA_H
#define JR_REGION_DATA_H
#include "jaring/region.h"
extern const struct jr_region jr_region_table[];
extern const size_t jr_region_count;
#endif
