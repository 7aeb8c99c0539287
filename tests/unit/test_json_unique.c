/*
 * Repeated keys (lib/policy/json_unique.c): refused wherever they are, found after
 * json-c's decoding of the key, with the path of the repeat; documents
 * without one parse as json-c alone parses them.
 */
#include <string.h>

#include <json-c/json.h>

#include "policy/json_unique.h"
#include "testutil.h"

/* The path of the repeated key in |text|, or "" when the document parsed. */
static const char *repeat_in(const char *text, int flags)
{
	static char path[256];
	json_tokener *tok = json_tokener_new();
	json_object *root;
	size_t end;

	assert_non_null(tok);
	json_tokener_set_flags(tok, flags);
	root = sts_json_parse_unique(tok, text, strlen(text), &end, path, sizeof(path));
	if (root)
		assert_string_equal(path, "");
	else if (!path[0])
		fail_msg("not parsed, and no repeat named: %s", text);
	json_object_put(root);
	json_tokener_free(tok);
	return path;
}

static void test_repeats_are_named(void **st)
{
	(void)st;
	assert_string_equal(repeat_in("{\"a\":1,\"a\":2}", JSON_TOKENER_STRICT), "a");
	assert_string_equal(
		repeat_in("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
			  "\"Action\":\"*\",\"Resource\":\"*\"},{\"Effect\":\"Allow\","
			  "\"Action\":\"s3:GetObject\",\"Resource\":\"*\",\"Effect\":\"Deny\"}]}",
			  JSON_TOKENER_STRICT),
		"Statement[1].Effect");
	assert_string_equal(repeat_in("{\"Statement\":{\"Condition\":{\"StringEquals\":{"
				      "\"aws:username\":\"a\",\"aws:username\":\"b\"}}}}",
				      JSON_TOKENER_STRICT),
			    "Statement.Condition.StringEquals.aws:username");
	/* the same key once escaped: json-c decodes both to "Effect" */
	assert_string_equal(repeat_in("{\"Effect\":\"Allow\",\"Eff\\u0065ct\":\"Deny\"}",
				      JSON_TOKENER_STRICT),
			    "Effect");
	assert_string_equal(repeat_in("{ \"a\" :1 , \"a\"\n:\t2 }", JSON_TOKENER_STRICT), "a");
	/* json-c's lenient mode (the application's request): single quotes too */
	assert_string_equal(repeat_in("{'op':'session','op':'federate'}", 0), "op");
	assert_string_equal(repeat_in("{\"op\":\"x\",\"session_policy\":{\"a\":[1,{\"b\":1,"
				      "\"b\":2}]}}",
				      0),
			    "session_policy.a[1].b");
}

static void test_documents_without_repeats(void **st)
{
	(void)st;
	assert_string_equal(
		repeat_in("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"c\":[{\"a\":1},{\"a\":2}]}",
			  JSON_TOKENER_STRICT),
		"");
	assert_string_equal(repeat_in("{\"a\\\"b\":1,\"a\\\"c\":\"x\\\"y\"}", JSON_TOKENER_STRICT),
			    "");
	assert_string_equal(repeat_in("[\"a\",\"a\"]", JSON_TOKENER_STRICT), "");
	assert_string_equal(repeat_in("\"text\"", JSON_TOKENER_STRICT), "");
	assert_string_equal(repeat_in("{}", JSON_TOKENER_STRICT), "");
}

static void test_errors_stay_json_c_errors(void **st)
{
	char path[64];
	json_tokener *tok = json_tokener_new();
	size_t end = 0;

	(void)st;
	assert_null(sts_json_parse_unique(tok, "{\"a\":", 5, &end, path, sizeof(path)));
	assert_string_equal(path, "");
	assert_int_equal(json_tokener_get_error(tok), json_tokener_continue);
	json_tokener_reset(tok);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	assert_null(sts_json_parse_unique(tok, "{\"a\":1} x", 9, &end, path, sizeof(path)));
	assert_string_equal(path, "");
	assert_int_not_equal(json_tokener_get_error(tok), json_tokener_success);
	json_tokener_reset(tok);
	assert_null(sts_json_parse_unique(tok, "", 0, &end, path, sizeof(path)));
	assert_string_equal(path, "");
	json_tokener_free(tok);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeats_are_named),
		cmocka_unit_test(test_documents_without_repeats),
		cmocka_unit_test(test_errors_stay_json_c_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
