#include <stdio.h>
#include <string.h>

#include "labels.h"
#include "util.h"

/* Marks a msgid for xgettext without translating it here. */
#define N_(s) s

static const char *const occ_words[JR_OCC_COUNT] = {
	[JR_OCC_FARMER] = N_("Farmer"),
	[JR_OCC_FISHER] = N_("Fisher"),
	[JR_OCC_STREET_VENDOR] = N_("Street vendor"),
	[JR_OCC_OJEK_DRIVER] = N_("Ojek driver"),
	[JR_OCC_DAY_LABOURER] = N_("Day labourer"),
	[JR_OCC_HOME_WORKER] = N_("Home-based worker"),
	[JR_OCC_CRAFTSPERSON] = N_("Craftsperson"),
	[JR_OCC_CONSTRUCTION] = N_("Construction labourer"),
	[JR_OCC_FARM_LABOURER] = N_("Farm labourer"),
	[JR_OCC_DOMESTIC_WORKER] = N_("Domestic worker"),
	[JR_OCC_WASTE_PICKER] = N_("Waste picker"),
	[JR_OCC_PORTER] = N_("Porter"),
	[JR_OCC_OTHER_INFORMAL] = N_("Other informal work"),
};

static const char *const occ_icons[JR_OCC_COUNT] = {
	[JR_OCC_FARMER] = "occ-farmer",
	[JR_OCC_FISHER] = "occ-fisher",
	[JR_OCC_STREET_VENDOR] = "occ-street_vendor",
	[JR_OCC_OJEK_DRIVER] = "occ-ojek_driver",
	[JR_OCC_DAY_LABOURER] = "occ-day_labourer",
	[JR_OCC_HOME_WORKER] = "occ-home_worker",
	[JR_OCC_CRAFTSPERSON] = "occ-craftsperson",
	[JR_OCC_CONSTRUCTION] = "occ-construction",
	[JR_OCC_FARM_LABOURER] = "occ-farm_labourer",
	[JR_OCC_DOMESTIC_WORKER] = "occ-domestic_worker",
	[JR_OCC_WASTE_PICKER] = "occ-waste_picker",
	[JR_OCC_PORTER] = "occ-porter",
	[JR_OCC_OTHER_INFORMAL] = "occ-other_informal",
};

static const char *const income_words[JR_INCOME_COUNT] = {
	[JR_INCOME_UNDER_500K] = N_("Under Rp500.000"),
	[JR_INCOME_500K_1M] = N_("Rp500.000 to Rp999.999"),
	[JR_INCOME_1M_1M5] = N_("Rp1.000.000 to Rp1.499.999"),
	[JR_INCOME_1M5_2M] = N_("Rp1.500.000 to Rp1.999.999"),
	[JR_INCOME_2M_3M] = N_("Rp2.000.000 to Rp2.999.999"),
	[JR_INCOME_3M_PLUS] = N_("Rp3.000.000 or more"),
};

const char *klabel_occupation(enum jr_occupation o)
{
	return o > 0 && o < JR_OCC_COUNT ? occ_words[o] : "";
}

const char *klabel_occupation_icon(enum jr_occupation o)
{
	return o > 0 && o < JR_OCC_COUNT ? occ_icons[o] : NULL;
}

const char *klabel_income(enum jr_income b)
{
	return b > 0 && b < JR_INCOME_COUNT ? income_words[b] : "";
}

const char *klabel_sex(enum jr_sex s)
{
	return s == JR_SEX_MALE ? N_("Male") : s == JR_SEX_FEMALE ? N_("Female") : "";
}

void kdate_text(uint32_t d, char *out, size_t n)
{
	if (d == 0) {
		kstrlcpy(out, "", n);
		return;
	}
	snprintf(out, n, "%02u-%02u-%04u", d % 100, d / 100 % 100, d / 10000);
}

void kmonth_text(uint32_t m, char *out, size_t n)
{
	snprintf(out, n, "%02u-%04u", m % 100, m / 100);
}

void ktime_text(int64_t t, char *out, size_t n)
{
	int64_t local = t + 7 * 3600;
	int64_t secs = ((local % 86400) + 86400) % 86400;
	uint32_t d = jr_date_from_unix(t);

	snprintf(out, n, "%02u-%02u-%04u %02d:%02d", d % 100, d / 100 % 100, d / 10000,
		(int)(secs / 3600), (int)(secs / 60 % 60));
}

void knik_groups(const char *digits, char *out, size_t n)
{
	size_t o = 0;

	for (size_t i = 0; digits[i] != '\0' && o + 2 < n; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = ' ';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void kdob_mask(const char *digits, char *out, size_t n)
{
	char m[16] = "__ / __ / ____";
	static const int pos[8] = { 0, 1, 5, 6, 10, 11, 12, 13 };

	for (size_t i = 0; i < 8 && digits[i] != '\0'; i++)
		m[pos[i]] = digits[i];
	kstrlcpy(out, m, n);
}
