/* The wildcard matcher and ARN field matching. */
#include <string.h>

#include "policy/policy_internal.h"
#include "policy/wildcard.h"
#include "testutil.h"

static bool m(const char *pat, const char *s)
{
	return sts_glob_match(pat, strlen(pat), s, strlen(s));
}

static void test_star_and_question(void **state)
{
	(void)state;
	assert_true(m("*", ""));
	assert_true(m("*", "anything/at:all"));
	assert_true(m("Manager*", "Manager-Bob"));
	assert_false(m("Manager*", "Bob"));
	assert_true(m("a?c", "abc"));
	assert_false(m("a?c", "ac"));
	assert_true(m("a*b*c", "a-x-b-y-c"));
	assert_false(m("a*b*c", "a-x-b-y-d"));
	assert_true(m("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaab"));
	assert_false(m("*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaa"));
	assert_false(m("abc", "ABC")); /* case-sensitive */
}

static void test_question_matches_one_utf8_character(void **state)
{
	(void)state;
	assert_true(m("caf?", "caf\xc3\xa9"));
	assert_false(m("caf??", "caf\xc3\xa9"));
}

static void test_escaped_bytes_are_literal(void **state)
{
	char out[64];
	size_t len = 0;

	(void)state;
	assert_true(sts_glob_escape_append(out, sizeof(out), &len, "Bob*", 4));
	assert_string_equal(out, "Bob\\*");
	assert_true(m(out, "Bob*"));
	assert_false(m(out, "Bobby"));
	assert_true(m("a\\?b", "a?b"));
	assert_false(m("a\\?b", "axb"));
	assert_true(m("a\\\\b", "a\\b"));
}

static void test_literal_prefix(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(sts_glob_literal_prefix("arn:aws:iam::1:role/A*", 22, out, sizeof(out)),
			 21);
	assert_string_equal(out, "arn:aws:iam::1:role/A");
	assert_int_equal(sts_glob_literal_prefix("a\\*b?c", 6, out, sizeof(out)), 3);
	assert_string_equal(out, "a*b");
}

static void test_arn_fields_do_not_bleed(void **state)
{
	const char *pat = "arn:aws:someservice:*:111122223333:finance/*";
	const char *arn = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:"
			  "finance/document.txt";

	(void)state;
	/* The AWS documentation's example: StringLike matches, ArnLike does not. */
	assert_true(m(pat, arn));
	assert_false(sts_arn_glob_match(pat, strlen(pat), arn, strlen(arn)));
	assert_true(sts_arn_glob_match(
		pat, strlen(pat), "arn:aws:someservice:eu-west-1:111122223333:finance/x",
		strlen("arn:aws:someservice:eu-west-1:111122223333:finance/x")));
}

static void test_arn_split(void **state)
{
	const char *f[6];
	size_t l[6];
	const char *arn = "arn:aws:s3:::bucket/key:with:colons";

	(void)state;
	assert_true(sts_arn_split(arn, strlen(arn), f, l));
	assert_int_equal(l[3], 0);
	assert_int_equal(l[4], 0);
	assert_memory_equal(f[5], "bucket/key:with:colons", l[5]);
	assert_false(sts_arn_split("arn:aws:s3::x", 13, f, l));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_star_and_question),
		cmocka_unit_test(test_question_matches_one_utf8_character),
		cmocka_unit_test(test_escaped_bytes_are_literal),
		cmocka_unit_test(test_literal_prefix),
		cmocka_unit_test(test_arn_fields_do_not_bleed),
		cmocka_unit_test(test_arn_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
