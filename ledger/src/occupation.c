/*
 * Occupations and income brackets of record.h: the stable ASCII keys that
 * translations, reports and the policy use, and the rupiah bounds the
 * eligibility rule compares with the policy's ceiling.
 */
#include "jaring/record.h"

static const char *const occupation_keys[JR_OCC_COUNT] = {
	[JR_OCC_FARMER] = "farmer",
	[JR_OCC_FISHER] = "fisher",
	[JR_OCC_STREET_VENDOR] = "street_vendor",
	[JR_OCC_OJEK_DRIVER] = "ojek_driver",
	[JR_OCC_DAY_LABOURER] = "day_labourer",
	[JR_OCC_HOME_WORKER] = "home_worker",
	[JR_OCC_CRAFTSPERSON] = "craftsperson",
	[JR_OCC_CONSTRUCTION] = "construction_worker",
	[JR_OCC_FARM_LABOURER] = "farm_labourer",
	[JR_OCC_DOMESTIC_WORKER] = "domestic_worker",
	[JR_OCC_WASTE_PICKER] = "waste_picker",
	[JR_OCC_PORTER] = "porter",
	[JR_OCC_OTHER_INFORMAL] = "other_informal",
};

const char *jr_occupation_key(enum jr_occupation o)
{
	if ((int)o <= 0 || (int)o >= JR_OCC_COUNT)
		return NULL;
	return occupation_keys[o];
}

/* Bracket b covers [bounds[b], bounds[b + 1]). */
static const uint64_t income_bounds[JR_INCOME_COUNT + 1] = {
	[JR_INCOME_UNDER_500K] = 0,
	[JR_INCOME_500K_1M] = 500000,
	[JR_INCOME_1M_1M5] = 1000000,
	[JR_INCOME_1M5_2M] = 1500000,
	[JR_INCOME_2M_3M] = 2000000,
	[JR_INCOME_3M_PLUS] = 3000000,
	[JR_INCOME_COUNT] = UINT64_MAX,
};

bool jr_income_bounds(enum jr_income b, uint64_t *lo, uint64_t *hi_excl)
{
	bool ok = (int)b > 0 && (int)b < JR_INCOME_COUNT;

	if (lo != NULL)
		*lo = ok ? income_bounds[b] : 0;
	if (hi_excl != NULL)
		*hi_excl = ok ? income_bounds[b + 1] : 0;
	return ok;
}
