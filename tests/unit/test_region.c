/* Region table, lookups, children, and the dotted text form. */
#include <string.h>

#include "testutil.h"
#include "jaring/region.h"

static size_t count_level(enum jr_region_level level)
{
	size_t n, i, c = 0;
	const struct jr_region *t = jr_regions(&n);

	for (i = 0; i < n; i++)
		c += t[i].level == level;
	return c;
}

static void table_has_2_regencies_22_districts_and_314_villages(void **state)
{
	size_t n;

	(void)state;
	assert_non_null(jr_regions(&n));
	assert_int_equal(n, 338);
	assert_int_equal(count_level(JR_REGION_REGENCY), 2);
	assert_int_equal(count_level(JR_REGION_DISTRICT), 22);
	assert_int_equal(count_level(JR_REGION_VILLAGE), 314);
}

/* The binary search relies on this order; a CSV out of order must fail here. */
static void table_is_in_dotted_code_order_with_every_parent_present(void **state)
{
	size_t n, i;
	const struct jr_region *t = jr_regions(&n);
	char prev[14] = "", cur[14];

	(void)state;
	for (i = 0; i < n; i++) {
		jr_region_format(t[i].code, cur, sizeof cur);
		assert_true(strlen(cur) > 0);
		assert_true(strcmp(prev, cur) < 0);
		memcpy(prev, cur, sizeof prev);
		assert_int_equal(jr_region_level_of(t[i].code), t[i].level);
		if (t[i].level == JR_REGION_REGENCY) {
			assert_int_equal(t[i].parent, 0);
			continue;
		}
		assert_non_null(jr_region_find(t[i].parent));
		assert_int_equal(jr_region_find(t[i].parent)->level, t[i].level - 1);
	}
}

static void find_returns_every_row_of_the_table(void **state)
{
	size_t n, i;
	const struct jr_region *t = jr_regions(&n);

	(void)state;
	for (i = 0; i < n; i++)
		assert_ptr_equal(jr_region_find(t[i].code), &t[i]);
}

static void find_gives_names_of_regencies_districts_and_villages(void **state)
{
	(void)state;
	assert_string_equal(jr_region_find(3328)->name, "Kabupaten Tegal");
	assert_string_equal(jr_region_find(3376)->name, "Kota Tegal");
	assert_string_equal(jr_region_find(332810)->name, "Slawi");
	assert_string_equal(jr_region_find(337604)->name, "Margadana");
	assert_string_equal(jr_region_find(3328012001)->name, "Prupuk Selatan");
	assert_int_equal(jr_region_find(3328012001)->parent, 332801);
	assert_int_equal(jr_region_find(332801)->parent, 3328);
	assert_string_equal(jr_region_find(3376041007)->name, "Pesurungan Lor");
}

static void find_rejects_codes_not_in_the_table(void **state)
{
	static const uint64_t bad[] = {
		0, 3, 33, 332, 3300, 3329, 3375, 3377, 9999, 33280, 332800, 332819,
		332899, 337600, 337605, 3328010000, 3328012000, 3328012014,
		3328019999, 3376011000, 3376011008, 33280120010ULL, UINT64_MAX,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(jr_region_find(bad[i]));
}

static void level_of_follows_the_number_of_digits(void **state)
{
	(void)state;
	assert_int_equal(jr_region_level_of(3328), JR_REGION_REGENCY);
	assert_int_equal(jr_region_level_of(332801), JR_REGION_DISTRICT);
	assert_int_equal(jr_region_level_of(3328012001), JR_REGION_VILLAGE);
	assert_int_equal(jr_region_level_of(0), 0);
	assert_int_equal(jr_region_level_of(33), 0);
	assert_int_equal(jr_region_level_of(33280), 0);
	assert_int_equal(jr_region_level_of(33280120), 0);
	assert_int_equal(jr_region_level_of(33280120011ULL), 0);
}

static void kota_tegal_has_4_districts_and_kabupaten_tegal_18(void **state)
{
	const struct jr_region *out[32];

	(void)state;
	assert_int_equal(jr_region_children(3376, out, 32), 4);
	assert_int_equal(out[0]->code, 337601);
	assert_int_equal(out[3]->code, 337604);
	assert_int_equal(jr_region_children(3328, out, 32), 18);
	assert_int_equal(out[0]->code, 332801);
	assert_int_equal(out[17]->code, 332818);
}

static void children_of_zero_are_the_two_regencies(void **state)
{
	const struct jr_region *out[4];

	(void)state;
	assert_int_equal(jr_region_children(0, out, 4), 2);
	assert_int_equal(out[0]->code, 3328);
	assert_int_equal(out[1]->code, 3376);
}

static void children_of_every_district_add_up_to_314_villages(void **state)
{
	const struct jr_region *d[32], *v[64];
	size_t nd, i, j, total = 0;
	uint64_t regs[2] = { 3328, 3376 };

	(void)state;
	for (j = 0; j < 2; j++) {
		nd = jr_region_children(regs[j], d, 32);
		for (i = 0; i < nd; i++) {
			size_t nv = jr_region_children(d[i]->code, v, 64);

			assert_true(nv > 0 && nv <= 64);
			assert_int_equal(v[0]->parent, d[i]->code);
			assert_int_equal(v[nv - 1]->parent, d[i]->code);
			total += nv;
		}
	}
	assert_int_equal(total, 314);
	assert_int_equal(jr_region_children(332801, v, 64), 13);
	assert_int_equal(jr_region_children(337603, v, 64), 8);
}

static void children_counts_all_but_writes_only_max(void **state)
{
	const struct jr_region *out[3] = { NULL, NULL, NULL };

	(void)state;
	assert_int_equal(jr_region_children(3328, out, 2), 18);
	assert_non_null(out[0]);
	assert_non_null(out[1]);
	assert_null(out[2]);
	assert_int_equal(jr_region_children(3328, NULL, 0), 18);
}

static void children_of_villages_and_unknown_codes_are_none(void **state)
{
	const struct jr_region *out[4];

	(void)state;
	assert_int_equal(jr_region_children(3328012001, out, 4), 0);
	assert_int_equal(jr_region_children(3329, out, 4), 0);
	assert_int_equal(jr_region_children(332899, out, 4), 0);
	assert_int_equal(jr_region_children(33, out, 4), 0);
	assert_int_equal(jr_region_children(UINT64_MAX, out, 4), 0);
}

static void parse_and_format_round_trip_every_row(void **state)
{
	size_t n, i;
	const struct jr_region *t = jr_regions(&n);
	char s[14];
	uint64_t code;

	(void)state;
	for (i = 0; i < n; i++) {
		jr_region_format(t[i].code, s, sizeof s);
		assert_int_equal(jr_region_parse(s, strlen(s), &code), JR_OK);
		assert_int_equal(code, t[i].code);
	}
	jr_region_format(3328012001, s, sizeof s);
	assert_string_equal(s, "33.28.01.2001");
	jr_region_format(337604, s, sizeof s);
	assert_string_equal(s, "33.76.04");
	jr_region_format(3376, s, sizeof s);
	assert_string_equal(s, "33.76");
	jr_region_format(33, s, sizeof s);
	assert_string_equal(s, "33");
}

static void parse_accepts_the_four_shapes(void **state)
{
	uint64_t code;

	(void)state;
	assert_int_equal(jr_region_parse("33", 2, &code), JR_OK);
	assert_int_equal(code, 33);
	assert_int_equal(jr_region_parse("33.28", 5, &code), JR_OK);
	assert_int_equal(code, 3328);
	assert_int_equal(jr_region_parse("33.28.01", 8, &code), JR_OK);
	assert_int_equal(code, 332801);
	assert_int_equal(jr_region_parse("33.76.04.1007", 13, &code), JR_OK);
	assert_int_equal(code, 3376041007);
	/* Only len bytes are read. */
	assert_int_equal(jr_region_parse("33.28.01.2001xyz", 13, &code), JR_OK);
	assert_int_equal(code, 3328012001);
}

static void parse_rejects_every_other_shape(void **state)
{
	static const char *const bad[] = {
		"", "3", "333", "33.", ".33", "33..28", "33.2", "33.288", "3328",
		"332801", "3328012001", "33.28.1", "33.28.001", "33.28.01.",
		"33.28.01.201", "33.28.01.20011", "33.28.01.2001.", "33.28.01.2001.1",
		"33.28.01.20.01", "33-28", "33,28", " 33.28", "33.28 ", "3a.28",
		"33.2b", "+33.28", "-33", "33.28.01.2001\n", "３３",
	};
	size_t i;
	uint64_t code;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		code = 7;
		assert_int_not_equal(jr_region_parse(bad[i], strlen(bad[i]), &code), JR_OK);
		assert_int_equal(code, 0);
	}
	/* An embedded NUL inside len is not a digit. */
	code = 7;
	assert_int_not_equal(jr_region_parse("33.28\0", 6, &code), JR_OK);
	assert_int_equal(code, 0);
	assert_int_not_equal(jr_region_parse(NULL, 5, &code), JR_OK);
	assert_int_equal(jr_region_parse("33.28", 5, NULL), JR_EINVAL);
}

static void format_writes_nothing_for_bad_codes_or_short_buffers(void **state)
{
	char s[14];
	static const uint64_t bad[] = { 0, 5, 333, 33280, 3328012, 33280120011ULL };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(s, "xxxxxxxxxxxxx", 14);
		jr_region_format(bad[i], s, sizeof s);
		assert_string_equal(s, "");
	}
	memcpy(s, "xxxxxxxxxxxxx", 14);
	jr_region_format(3328012001, s, 13);
	assert_string_equal(s, "");
	jr_region_format(332801, s, 8);
	assert_string_equal(s, "");
	jr_region_format(332801, s, 9);
	assert_string_equal(s, "33.28.01");
	jr_region_format(3328, s, 0); /* must not write at all */
	assert_string_equal(s, "33.28.01");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_has_2_regencies_22_districts_and_314_villages),
		cmocka_unit_test(table_is_in_dotted_code_order_with_every_parent_present),
		cmocka_unit_test(find_returns_every_row_of_the_table),
		cmocka_unit_test(find_gives_names_of_regencies_districts_and_villages),
		cmocka_unit_test(find_rejects_codes_not_in_the_table),
		cmocka_unit_test(level_of_follows_the_number_of_digits),
		cmocka_unit_test(kota_tegal_has_4_districts_and_kabupaten_tegal_18),
		cmocka_unit_test(children_of_zero_are_the_two_regencies),
		cmocka_unit_test(children_of_every_district_add_up_to_314_villages),
		cmocka_unit_test(children_counts_all_but_writes_only_max),
		cmocka_unit_test(children_of_villages_and_unknown_codes_are_none),
		cmocka_unit_test(parse_and_format_round_trip_every_row),
		cmocka_unit_test(parse_accepts_the_four_shapes),
		cmocka_unit_test(parse_rejects_every_other_shape),
		cmocka_unit_test(format_writes_nothing_for_bad_codes_or_short_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
