/* jr_cli_value: the option matcher every program's parser uses. */
#include "testutil.h"
#include "jaring/cli.h"

static int match(const char *const *args, int argc, int *i, const char **v)
{
	return jr_cli_value(argc, (char **)(uintptr_t)args, i, "--out", v);
}

static void value_after_a_space_moves_past_it(void **state)
{
	static const char *const a[] = { "prog", "--out", "dir", "--next" };
	const char *v = NULL;
	int i = 1;

	(void)state;
	assert_int_equal(match(a, 4, &i, &v), 1);
	assert_string_equal(v, "dir");
	assert_int_equal(i, 2);
}

static void value_after_an_equals_sign_stays_in_place(void **state)
{
	static const char *const a[] = { "prog", "--out=dir" };
	const char *v = NULL;
	int i = 1;

	(void)state;
	assert_int_equal(match(a, 2, &i, &v), 1);
	assert_string_equal(v, "dir");
	assert_int_equal(i, 1);
}

static void missing_or_empty_values_are_reported(void **state)
{
	static const char *const end[] = { "prog", "--out" };
	static const char *const empty[] = { "prog", "--out=" };
	const char *v = NULL;
	int i = 1;

	(void)state;
	assert_int_equal(match(end, 2, &i, &v), -1);
	assert_int_equal(i, 1);
	i = 1;
	assert_int_equal(match(empty, 2, &i, &v), -1);
}

static void a_longer_or_other_option_is_not_this_one(void **state)
{
	static const char *const a[] = { "prog", "--output", "x", "--ou", "--in=x" };
	const char *v = NULL;
	int i;

	(void)state;
	for (i = 1; i < 5; i++) {
		int at = i;
		assert_int_equal(match(a, 5, &at, &v), 0);
		assert_int_equal(at, i);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(value_after_a_space_moves_past_it),
		cmocka_unit_test(value_after_an_equals_sign_stays_in_place),
		cmocka_unit_test(missing_or_empty_values_are_reported),
		cmocka_unit_test(a_longer_or_other_option_is_not_this_one),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
