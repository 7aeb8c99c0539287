/* Typed value parsers: numbers, dates, IPs, bools, base64. */
#include <stdlib.h>

#include "policy/values.h"
#include "testutil.h"

static void test_numbers(void **state)
{
	double d;

	(void)state;
	assert_true(sts_parse_number("10", &d));
	assert_true(d == 10.0);
	assert_true(sts_parse_number("10.0", &d));
	assert_true(d == 10.0);
	assert_true(sts_parse_number("-3.5", &d));
	assert_false(sts_parse_number("1e3", &d));
	assert_false(sts_parse_number("0x10", &d));
	assert_false(sts_parse_number("nan", &d));
	assert_false(sts_parse_number("", &d));
	assert_false(sts_parse_number("12abc", &d));
}

static void test_dates_iso_and_epoch_seconds(void **state)
{
	sts_time a, b;

	(void)state;
	assert_true(sts_parse_date("2024-01-01T00:00:00Z", &a));
	assert_true(sts_parse_date("1704067200", &b));
	assert_int_equal(sts_time_cmp(&a, &b), 0); /* epoch is seconds, not ms */
	assert_true(sts_parse_date("2024-01-01T01:00:00+01:00", &b));
	assert_int_equal(sts_time_cmp(&a, &b), 0);
	assert_true(sts_parse_date("2024-01-01", &b));
	assert_int_equal(sts_time_cmp(&a, &b), 0);
	assert_true(sts_parse_date("2024-01-01T00:00:00.5Z", &b));
	assert_int_equal(sts_time_cmp(&a, &b), -1);
	assert_false(sts_parse_date("2024-13-01", &b));
	assert_false(sts_parse_date("yesterday", &b));
	assert_false(sts_parse_date("2016-12-13t2:00:00.593194+23", &b));
}

static void test_iam_write_time_dates(void **state)
{
	(void)state;
	assert_true(sts_date_accepted_by_iam("01T"));
	assert_true(sts_date_accepted_by_iam("2016-12-13t2:00:00.593194+23"));
	assert_true(sts_date_accepted_by_iam("-292275054"));
	assert_false(sts_date_accepted_by_iam("234-13"));
	assert_false(sts_date_accepted_by_iam("2016-12-13t2:00:00.593194+1"));
	assert_false(sts_date_accepted_by_iam("sdfdsf"));
	assert_false(sts_date_accepted_by_iam("9223372036854775808"));
}

static void test_cidr(void **state)
{
	sts_cidr net, addr;

	(void)state;
	assert_true(sts_parse_cidr("10.0.0.0/8", true, &net));
	assert_true(sts_parse_cidr("10.200.1.1", false, &addr));
	assert_true(sts_cidr_contains(&net, &addr));
	assert_true(sts_parse_cidr("11.0.0.1", false, &addr));
	assert_false(sts_cidr_contains(&net, &addr));
	assert_true(sts_parse_cidr("2001:db8::/32", true, &net));
	assert_true(sts_parse_cidr("2001:db8:1::5", false, &addr));
	assert_true(sts_cidr_contains(&net, &addr));
	assert_true(sts_parse_cidr("::ffff:10.0.0.1", false, &addr));
	assert_true(sts_parse_cidr("10.0.0.0/8", true, &net));
	assert_false(sts_cidr_contains(&net, &addr)); /* families never mix */
	assert_true(sts_parse_cidr("192.0.2.7", true, &net));
	assert_int_equal(net.prefix, 32);
	assert_false(sts_parse_cidr("10.0.0.0/33", true, &net));
	assert_false(sts_parse_cidr("10.0.0.1/8", false, &addr));
	assert_false(sts_parse_cidr("not-an-ip", true, &net));
}

static void test_bool_and_base64(void **state)
{
	bool b;
	unsigned char *bytes;
	size_t n;

	(void)state;
	assert_true(sts_parse_bool("TRUE", &b) && b);
	assert_true(sts_parse_bool("false", &b) && !b);
	assert_false(sts_parse_bool("yes", &b));
	assert_true(sts_parse_base64("aGVsbG8=", &bytes, &n));
	assert_int_equal(n, 5);
	assert_memory_equal(bytes, "hello", 5);
	free(bytes);
	assert_false(sts_parse_base64("aGVsbG8", &bytes, &n));
	assert_false(sts_parse_base64("a$==", &bytes, &n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_dates_iso_and_epoch_seconds),
		cmocka_unit_test(test_iam_write_time_dates),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_bool_and_base64),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
