/*
 * The escaping of log fields (lib/base/log_field.c): every value a user can put
 * in a key=value line reads back, through a parser of the documented format
 * (log_parse.c), as the same value in the same field, and no line holds a
 * byte that could split it or drive a terminal.
 */
#include <string.h>

#include "base/log_field.h"
#include "log_parse.h"
#include "testutil.h"

/* What a user can choose: a role name, a federated name, PAM_RHOST. */
static const char *const hostile[] = {
	"UpdateAPP\nsts-helper[1]: issued: user=root decision=allowed",
	"x decision=allowed by=\"me\"",
	"\x1b]0;owned\x07\x1b[2J",
	"quote\" and \\backslash\\",
	"\"",
	"-",
	"",
	"caf\xc3\xa9\x7f\x80\xff",
	"a=b",
};

static void assert_one_clean_line(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
		if (*p < 0x20 || *p > 0x7e)
			fail_msg("byte 0x%02x in \"%s\"", *p, text);
	}
}

static void test_fields_read_back(void **st)
{
	(void)st;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		sts_log_line line;
		lp_record r;
		int count;

		sts_log_line_start(&line, "decision:");
		sts_log_kv(&line, "user", "alice");
		sts_log_kv(&line, "rhost", hostile[i]);
		sts_log_kv(&line, "target", hostile[i]);
		sts_log_kv(&line, "decision", "implicitDeny");
		sts_log_kv(&line, "by", NULL);
		assert_one_clean_line(line.text);
		if (!lp_parse(line.text, &r))
			fail_msg("does not parse: %s", line.text);
		assert_string_equal(r.what, "decision");
		assert_int_equal(r.n, 5);
		assert_string_equal(lp_get(&r, "rhost", &count), hostile[i]);
		assert_int_equal(count, 1);
		assert_string_equal(lp_get(&r, "target", &count), hostile[i]);
		assert_string_equal(lp_get(&r, "decision", &count), "implicitDeny");
		assert_int_equal(count, 1);
		assert_null(lp_get(&r, "by", &count));
		assert_int_equal(count, 1);
	}
}

static void test_the_documented_forms(void **st)
{
	char out[STS_LOG_FIELD_MAX];

	(void)st;
	assert_string_equal(sts_log_field(out, sizeof(out), NULL), "-");
	assert_string_equal(sts_log_field(out, sizeof(out), "-"), "\"-\"");
	assert_string_equal(sts_log_field(out, sizeof(out), ""), "\"\"");
	assert_string_equal(sts_log_field(out, sizeof(out), "192.0.2.10"), "192.0.2.10");
	assert_string_equal(sts_log_field(out, sizeof(out), "arn:aws:iam::1:role/A+b,c@d_e-f"),
			    "arn:aws:iam::1:role/A+b,c@d_e-f");
	assert_string_equal(sts_log_field(out, sizeof(out), "a b"), "\"a b\"");
	assert_string_equal(sts_log_field(out, sizeof(out), "a=b"), "\"a=b\"");
	assert_string_equal(sts_log_field(out, sizeof(out), "q\"\\\n\x1b\xff"),
			    "\"q\\\"\\\\\\x0a\\x1b\\xff\"");
}

static void test_long_values_are_cut_whole(void **st)
{
	char value[3000], out[40];
	lp_record r;
	int count;

	(void)st;
	memset(value, '\n', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	sts_log_field(out, sizeof(out), value);
	/* 8 escapes of 4 bytes, the mark, both quotes: never half an escape */
	assert_string_equal(out, "\"\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a\\x0a...\"");
	memset(value, 'a', sizeof(value) - 1);
	sts_log_field(out, sizeof(out), value);
	assert_int_equal(strlen(out), sizeof(out) - 1);
	{
		sts_log_line line;

		sts_log_line_start(&line, "issued:");
		for (int i = 0; i < 12; i++)
			sts_log_kv(&line, "rhost", value);
		assert_true(lp_parse(line.text, &r));
		lp_get(&r, "rhost", &count);
		assert_true(count >= 7);
	}
}

static void test_free_text_stays_one_line(void **st)
{
	char out[256], twice[256];

	(void)st;
	sts_log_text(out, sizeof(out), "user \"x\ny\" at \\ \x1b[2J");
	assert_string_equal(out, "user \"x\\x0ay\" at \\ \\x1b[2J");
	sts_log_text(twice, sizeof(twice), out);
	assert_string_equal(twice, out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fields_read_back),
		cmocka_unit_test(test_the_documented_forms),
		cmocka_unit_test(test_long_values_are_cut_whole),
		cmocka_unit_test(test_free_text_stays_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
